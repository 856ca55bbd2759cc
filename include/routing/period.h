/* Named-account periods are calendar quarters in UTC, written "2026-Q4". */
#ifndef LR_ROUTING_PERIOD_H
#define LR_ROUTING_PERIOD_H

#include <stdbool.h>
#include <time.h>

#include "routing/types.h"

void lr_period_of(time_t t, char out[LR_PERIOD_LEN + 1]);
bool lr_period_valid(const char *s);

#endif
