/* routing/rep_change.c: every case of the no-poaching rule, named owners and the
 * cycles a change rebuilds. */
#include "routing/rep_change.h"
#include "suites.h"

#define NEW                                                                                        \
    {                                                                                              \
        false, LR_SEG_NONE, false, 0                                                               \
    }
#define REP(seg, act, w)                                                                           \
    {                                                                                              \
        true, seg, act, w                                                                          \
    }

struct rep_case {
    const char *name;
    struct lr_rep_state before, after;
    bool no_poaching;
    long long owned;
    enum lr_rep_verdict verdict;
    bool needs_count;
    int nrebuild;
    enum lr_segment rebuild[2];
};

static const struct rep_case CASES[] = {
    {"new smb rep", NEW, REP(LR_SEG_SMB, true, 1), true, 0, LR_REP_ALLOWED, false, 1, {LR_SEG_SMB}},
    {"smb out of smb, no_poaching on",
     REP(LR_SEG_SMB, true, 1),
     REP(LR_SEG_MID_MARKET, true, 1),
     true,
     0,
     LR_REP_POACHING,
     false,
     2,
     {LR_SEG_SMB, LR_SEG_MID_MARKET}},
    {"smb out of smb, no_poaching off",
     REP(LR_SEG_SMB, true, 1),
     REP(LR_SEG_STRATEGIC, true, 1),
     false,
     0,
     LR_REP_ALLOWED,
     false,
     2,
     {LR_SEG_SMB, LR_SEG_STRATEGIC}},
    {"mid_market into smb owning 1 named",
     REP(LR_SEG_MID_MARKET, true, 1),
     REP(LR_SEG_SMB, true, 1),
     true,
     1,
     LR_REP_OWNS_NAMED,
     true,
     2,
     {LR_SEG_MID_MARKET, LR_SEG_SMB}},
    {"mid_market into smb owning none",
     REP(LR_SEG_MID_MARKET, true, 1),
     REP(LR_SEG_SMB, true, 1),
     true,
     0,
     LR_REP_ALLOWED,
     true,
     2,
     {LR_SEG_MID_MARKET, LR_SEG_SMB}},
    {"rename keeps the turn",
     REP(LR_SEG_SMB, true, 2),
     REP(LR_SEG_SMB, true, 2),
     true,
     0,
     LR_REP_ALLOWED,
     false,
     0,
     {LR_SEG_NONE}},
    {"pause rebuilds its segment",
     REP(LR_SEG_SMB, true, 2),
     REP(LR_SEG_SMB, false, 2),
     true,
     0,
     LR_REP_ALLOWED,
     false,
     1,
     {LR_SEG_SMB}},
    {"weight 1 to 100",
     REP(LR_SEG_STRATEGIC, true, 1),
     REP(LR_SEG_STRATEGIC, true, 100),
     true,
     0,
     LR_REP_ALLOWED,
     false,
     1,
     {LR_SEG_STRATEGIC}},
    {"within smb, named count not needed",
     REP(LR_SEG_SMB, true, 1),
     REP(LR_SEG_SMB, true, 3),
     true,
     5,
     LR_REP_ALLOWED,
     false,
     1,
     {LR_SEG_SMB}},
};

START_TEST(test_rep_change_case)
{
    const struct rep_case *c = &CASES[_i];
    ck_assert_msg(lr_rep_change_verdict(&c->before, &c->after, c->no_poaching, c->owned) ==
                      c->verdict,
                  "%s: verdict", c->name);
    ck_assert_msg(lr_rep_change_needs_named_count(&c->before, &c->after) == c->needs_count,
                  "%s: needs count", c->name);
    enum lr_segment out[2] = {LR_SEG_NONE, LR_SEG_NONE};
    int n = lr_rep_change_rebuilds(&c->before, &c->after, out);
    ck_assert_msg(n == c->nrebuild, "%s: %d rebuilds", c->name, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(out[i] == c->rebuild[i], "%s: rebuild %d", c->name, i);
}
END_TEST

Suite *rep_change_suite(void)
{
    Suite *s = suite_create("routing/rep_change");
    TCase *tc = tcase_create("cases");
    tcase_add_loop_test(tc, test_rep_change_case, 0, (int)(sizeof CASES / sizeof *CASES));
    suite_add_tcase(s, tc);
    return s;
}
