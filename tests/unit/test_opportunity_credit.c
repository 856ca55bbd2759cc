/* routing/opportunity.c (SPEC 2.8): the finder credit, its rounding and its cap. The
 * cases are the rows of a table; a loop test runs one row at a time and names it in any
 * failure. */
#include <stdint.h>

#include "routing/opportunity.h"
#include "fixtures.h"
#include "suites.h"

#define USD(d) ((int64_t)(d)*100)

/* ----------------------------------------------------------------------- credit */

static const struct {
    const char *name;
    int64_t acv_cents;
    int32_t commission_bp, credit_bp;
    int64_t cap_cents, want;
} CREDITS[] = {
    /* worked examples: 20% of a 10% commission, capped at 5,000.00 */
    {"90,000.00", USD(90000), 1000, 2000, USD(5000), USD(1800)},
    {"400,000.00: capped", USD(400000), 1000, 2000, USD(5000), USD(5000)},
    {"50,000.25", 5000025, 1000, 2000, USD(5000), 100001},
    /* rounding: 50,000.24 -> 1,000.0048 -> 1,000.00; 50,000.25 -> 1,000.005 -> 1,000.01 */
    {"50,000.24 rounds down", 5000024, 1000, 2000, USD(5000), 100000},
    {"50,000.25 rounds half up", 5000025, 1000, 2000, USD(5000), 100001},
    {"50,000.26 rounds up", 5000026, 1000, 2000, USD(5000), 100001},
    /* 1 bp of 1 bp: exactly half a cent rounds up, just under it rounds down. */
    {"1 bp of 1 bp of 500,000.00: half a cent", 50000000, 1, 1, USD(5000), 1},
    {"1 bp of 1 bp of 499,999.99: under half a cent", 49999999, 1, 1, USD(5000), 0},
    /* the cap: 250,000.00 earns exactly the cap; a cent more is capped */
    {"250,000.00 earns the cap", USD(250000), 1000, 2000, USD(5000), USD(5000)},
    {"249,999.50", USD(250000) - 50, 1000, 2000, USD(5000), 499999},
    {"249,999.75 rounds up to the cap", USD(250000) - 25, 1000, 2000, USD(5000), USD(5000)},
    {"250,000.05 capped", USD(250000) + 5, 1000, 2000, USD(5000), USD(5000)},
    {"cap 1,000.00", USD(90000), 1000, 2000, USD(1000), USD(1000)},
    /* The largest amount the API accepts, at 100% x 100%, without overflow; and zeros. */
    {"largest amount at 100% x 100%", 100000000000000LL - 1, 10000, 10000, INT64_MAX,
     100000000000000LL - 1},
    {"largest amount at 10% x 20%", 100000000000000LL - 1, 1000, 2000, INT64_MAX, 2000000000000LL},
    {"acv 0", 0, 1000, 2000, USD(5000), 0},
    {"commission 0", USD(90000), 0, 2000, USD(5000), 0},
    {"credit rate 0", USD(90000), 1000, 0, USD(5000), 0},
    {"cap 0", USD(90000), 1000, 2000, 0, 0},
    /* 15% of a 12% commission on 77,777.77: 1,399.99986 -> 1,400.00. */
    {"rates 12% x 15% on 77,777.77", 7777777, 1200, 1500, USD(5000), 140000},
};

START_TEST(test_finder_credit)
{
    ROW_EQ(CREDITS[_i].name,
           lr_opp_finder_credit(CREDITS[_i].acv_cents, CREDITS[_i].commission_bp,
                                CREDITS[_i].credit_bp, CREDITS[_i].cap_cents),
           CREDITS[_i].want);
}
END_TEST

Suite *opportunity_credit_suite(void)
{
    Suite *s = suite_create("opportunity/credit");
    TCase *tc = tcase_create("credit");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_loop_test(tc, test_finder_credit, 0, ROWS(CREDITS));
    suite_add_tcase(s, tc);
    return s;
}
