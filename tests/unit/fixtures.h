/* Shared by the suites that exercise the routing rules under the version-1 defaults. */
#ifndef LR_TESTS_FIXTURES_H
#define LR_TESTS_FIXTURES_H

#include <stdint.h>

#include "routing/rules.h"
#include "routing/types.h"

#define NONE INT64_MIN /* a signal without a value */

/* The default rules, set up and freed around each test by rules_setup/rules_teardown. */
extern struct lr_rules R;

void rules_setup(void);
void rules_teardown(void);

/* v, or no value when v is NONE. */
struct lr_opt_i64 opt(int64_t v);

#endif
