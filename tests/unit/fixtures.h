/* Shared by the suites that exercise the routing rules under the version-1 defaults. */
#ifndef LR_TESTS_FIXTURES_H
#define LR_TESTS_FIXTURES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "routing/lead.h"
#include "routing/rules.h"
#include "routing/types.h"

#define NONE INT64_MIN /* a signal without a value */

/* The default rules, set up and freed around each test by rules_setup/rules_teardown. */
extern struct lr_rules R;

void rules_setup(void);
void rules_teardown(void);

/* v, or no value when v is NONE. */
struct lr_opt_i64 opt(int64_t v);

/* --- table-driven tests ------------------------------------------------------------
 * A row of a table has a name; every check on it says "[name] expression == got, want
 * expected", and Check adds the row's index (tcase_add_loop_test's _i). */

/* The number of rows of a static table, for tcase_add_loop_test(tc, fn, 0, ROWS(table)). */
#define ROWS(table) ((int)(sizeof(table) / sizeof *(table)))

#define ROW_EQ(row, got, want)                                                                     \
    do {                                                                                           \
        intmax_t row_got_ = (intmax_t)(got), row_want_ = (intmax_t)(want);                         \
        ck_assert_msg(row_got_ == row_want_, "[%s] %s == %jd, want %jd", (row), #got, row_got_,    \
                      row_want_);                                                                  \
    } while (0)

#define ROW_STR_EQ(row, got, want)                                                                 \
    do {                                                                                           \
        const char *row_got_ = (got), *row_want_ = (want);                                         \
        ck_assert_msg(strcmp(row_got_, row_want_) == 0, "[%s] %s == \"%s\", want \"%s\"", (row),   \
                      #got, row_got_, row_want_);                                                  \
    } while (0)

/* A signal as the decision body records it. */
struct want_signal {
    enum lr_source source; /* LR_SRC_MISSING: not present, value 0, vote none */
    int64_t value;
    enum lr_segment vote;
};
/* clang-format off */
#define SIG_EVENT(v, seg) {LR_SRC_EVENT, (v), (seg)}
#define SIG_ENRICHED(v, seg) {LR_SRC_ENRICHMENT, (v), (seg)}
#define SIG_MISSING {LR_SRC_MISSING, 0, LR_SEG_NONE}
/* clang-format on */

/* A whole decision body (struct lr_decision), every field stated. */
struct want_decision {
    enum lr_segment queue;
    enum lr_reason reason;
    enum lr_segment composite;
    enum lr_assign_mode mode;
    const char *rep_id;
    bool named;
    const char *named_owner;
    bool account_matched;
    struct want_signal signals[LR_SIGNAL_COUNT];
};
/* clang-format off */
/* A want_decision, in its field order; the rest are the three signals. */
#define DECISION(queue, reason, composite, mode, rep, named, owner, matched, ...) \
    {(queue), (reason), (composite), (mode), (rep), (named), (owner), (matched), {__VA_ARGS__}}
/* clang-format on */

/* The accounts row for the domain (given = false: none, NULL). */
struct account_in {
    bool given, found;
    int64_t employees, acv_cents, fit;
};
/* clang-format off */
#define ACCOUNT(emp, acv, fit) {true, true, (emp), (acv), (fit)}
#define ACCOUNT_NOT_FOUND(emp, acv, fit) {true, false, (emp), (acv), (fit)}
/* clang-format on */

/* The named-account entry for the domain (given = false: none, NULL). */
struct named_in {
    bool given, found;
    const char *owner;
    enum lr_segment segment;
    bool active;
};
/* clang-format off */
#define NAMED(owner, seg, active) {true, true, (owner), (seg), (active)}
#define NAMED_NOT_FOUND(owner, seg, active) {true, false, (owner), (seg), (active)}
/* clang-format on */

/* The facts for in, in *buf; NULL when in is not given. */
const struct lr_account_facts *account_facts(const struct account_in *in,
                                             struct lr_account_facts *buf);
const struct lr_named_facts *named_facts(const struct named_in *in, struct lr_named_facts *buf);

void check_signal(const char *row, enum lr_signal_kind k, const struct lr_signal *got,
                  const struct want_signal *want);
void check_decision(const char *row, const struct lr_decision *got,
                    const struct want_decision *want);

#endif
