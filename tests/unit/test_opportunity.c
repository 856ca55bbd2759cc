/* routing/opportunity.c (SPEC 2.8): handoff, floor, flap and credit rules as pure
 * functions, each threshold at its edge, and the event decision built on them. */
#include <stdint.h>
#include <string.h>

#include "routing/opportunity.h"
#include "routing/rules.h"
#include "fixtures.h"
#include "suites.h"

#define USD(d) ((int64_t)(d)*100)

static struct lr_opp_snapshot snap(enum lr_segment queue, int64_t acv_cents, int64_t employees)
{
    struct lr_opp_snapshot s = {
        .open = true,
        .queue = queue,
        .owned = queue != LR_SEG_REVIEW && queue != LR_SEG_NONE,
        .acv_cents = opt(acv_cents),
        .employees = opt(employees),
    };
    return s;
}

/* ---------------------------------------------------------------- handoff trigger */

START_TEST(test_handoff_acv_edge)
{
    struct lr_opp_snapshot s = snap(LR_SEG_SMB, 4999999, NONE);
    ck_assert(!lr_opp_handoff_due(&R, &s));
    s.acv_cents = opt(5000000);
    ck_assert(lr_opp_handoff_due(&R, &s));
    s.acv_cents = opt(5000001);
    ck_assert(lr_opp_handoff_due(&R, &s));
}
END_TEST

START_TEST(test_handoff_employee_edge)
{
    struct lr_opp_snapshot s = snap(LR_SEG_SMB, USD(1000), 50);
    ck_assert(!lr_opp_handoff_due(&R, &s));
    s.employees = opt(51);
    ck_assert(lr_opp_handoff_due(&R, &s));
    s.acv_cents = opt(NONE);
    ck_assert(lr_opp_handoff_due(&R, &s));
}
END_TEST

START_TEST(test_handoff_needs_open_smb_owner)
{
    struct lr_opp_snapshot s = snap(LR_SEG_SMB, USD(90000), 400);
    ck_assert(lr_opp_handoff_due(&R, &s));
    s.open = false;
    ck_assert(!lr_opp_handoff_due(&R, &s));
    s = snap(LR_SEG_SMB, USD(90000), 400);
    s.owned = false;
    ck_assert(!lr_opp_handoff_due(&R, &s));
    s = snap(LR_SEG_MID_MARKET, USD(90000), 400);
    ck_assert(!lr_opp_handoff_due(&R, &s));
    s = snap(LR_SEG_STRATEGIC, USD(90000), 400);
    ck_assert(!lr_opp_handoff_due(&R, &s));
    s = snap(LR_SEG_REVIEW, USD(90000), 400);
    ck_assert(!lr_opp_handoff_due(&R, &s));
    s = snap(LR_SEG_SMB, NONE, NONE);
    ck_assert(!lr_opp_handoff_due(&R, &s));
}
END_TEST

START_TEST(test_handoff_thresholds_come_from_rules)
{
    R.handoff_acv_cents = USD(100000);
    R.handoff_employees = 201;
    struct lr_opp_snapshot s = snap(LR_SEG_SMB, USD(99999), 200);
    ck_assert(!lr_opp_handoff_due(&R, &s));
    s.acv_cents = opt(USD(100000));
    ck_assert(lr_opp_handoff_due(&R, &s));
    s = snap(LR_SEG_SMB, USD(1), 201);
    ck_assert(lr_opp_handoff_due(&R, &s));
}
END_TEST

static void signals(int64_t employees, int64_t acv, int64_t fit, struct lr_signal out[3])
{
    struct lr_lead_facts f = {opt(employees), opt(acv), opt(fit)};
    lr_merge_signals(&R, &f, NULL, out);
}

START_TEST(test_handoff_target)
{
    struct lr_signal s[LR_SIGNAL_COUNT];
    signals(2000, USD(600000), NONE, s); /* two strategic votes */
    ck_assert_int_eq(lr_opp_handoff_target(s), LR_SEG_STRATEGIC);
    signals(2000, USD(60000), 50, s); /* one strategic: not enough */
    ck_assert_int_eq(lr_opp_handoff_target(s), LR_SEG_MID_MARKET);
    signals(10, USD(60000), 10, s); /* composite smb: the trigger still moves it up */
    ck_assert_int_eq(lr_opp_handoff_target(s), LR_SEG_MID_MARKET);
    signals(NONE, USD(60000), NONE, s); /* insufficient data */
    ck_assert_int_eq(lr_opp_handoff_target(s), LR_SEG_MID_MARKET);
    signals(1001, USD(500000), 10, s); /* both strategic edges */
    ck_assert_int_eq(lr_opp_handoff_target(s), LR_SEG_STRATEGIC);
    signals(1000, USD(500000), 10, s);
    ck_assert_int_eq(lr_opp_handoff_target(s), LR_SEG_MID_MARKET);
}
END_TEST

/* ------------------------------------------------------------------------ floor */

START_TEST(test_floor_edge)
{
    struct lr_opp_snapshot s = snap(LR_SEG_MID_MARKET, 4999999, 200);
    ck_assert(lr_opp_floor_due(&R, &s));
    s.acv_cents = opt(5000000);
    ck_assert(!lr_opp_floor_due(&R, &s));
    s.acv_cents = opt(0);
    ck_assert(lr_opp_floor_due(&R, &s));
}
END_TEST

START_TEST(test_floor_exemptions)
{
    struct lr_opp_snapshot s = snap(LR_SEG_MID_MARKET, USD(20000), 200);
    ck_assert(lr_opp_floor_due(&R, &s));
    s.came_by_handoff = true;
    ck_assert(!lr_opp_floor_due(&R, &s));
    s = snap(LR_SEG_MID_MARKET, USD(20000), 200);
    s.named = true;
    ck_assert(!lr_opp_floor_due(&R, &s));
    s = snap(LR_SEG_MID_MARKET, NONE, 200); /* unknown acv is not below anything */
    ck_assert(!lr_opp_floor_due(&R, &s));
    s = snap(LR_SEG_MID_MARKET, USD(20000), 200);
    s.open = false;
    ck_assert(!lr_opp_floor_due(&R, &s));
    s = snap(LR_SEG_STRATEGIC, USD(20000), 200);
    ck_assert(!lr_opp_floor_due(&R, &s));
    s = snap(LR_SEG_SMB, USD(20000), 200);
    ck_assert(!lr_opp_floor_due(&R, &s));
    s = snap(LR_SEG_MID_MARKET, USD(20000), 200);
    s.owned = false;
    ck_assert(!lr_opp_floor_due(&R, &s));
}
END_TEST

START_TEST(test_floor_from_rules)
{
    R.floor_acv_cents = USD(30000);
    struct lr_opp_snapshot s = snap(LR_SEG_MID_MARKET, USD(30000), 200);
    ck_assert(!lr_opp_floor_due(&R, &s));
    s.acv_cents = opt(USD(30000) - 1);
    ck_assert(lr_opp_floor_due(&R, &s));
}
END_TEST

START_TEST(test_first_below_floor)
{
    ck_assert(lr_opp_first_below_floor(&R, LR_SEG_MID_MARKET, false, opt(4999999)));
    ck_assert(!lr_opp_first_below_floor(&R, LR_SEG_MID_MARKET, false, opt(5000000)));
    ck_assert(!lr_opp_first_below_floor(&R, LR_SEG_MID_MARKET, true, opt(4999999)));
    ck_assert(!lr_opp_first_below_floor(&R, LR_SEG_MID_MARKET, false, opt(NONE)));
    ck_assert(!lr_opp_first_below_floor(&R, LR_SEG_STRATEGIC, false, opt(100)));
    ck_assert(!lr_opp_first_below_floor(&R, LR_SEG_SMB, false, opt(100)));
    ck_assert(!lr_opp_first_below_floor(&R, LR_SEG_REVIEW, false, opt(100)));
}
END_TEST

/* ------------------------------------------------------------------------- flap */

START_TEST(test_first_move_is_taken)
{
    struct lr_opp_snapshot before = snap(LR_SEG_SMB, USD(10000), 10);
    struct lr_opp_snapshot after = snap(LR_SEG_SMB, USD(50000), 10);
    ck_assert_int_eq(lr_opp_automatic(&R, &before, &after, 0, false), LR_OPP_MOVE_HANDOFF);
    /* A deal already over the line (created from an smb lead) moves on its next update. */
    ck_assert_int_eq(lr_opp_automatic(&R, &after, &after, 0, false), LR_OPP_MOVE_HANDOFF);
    before = snap(LR_SEG_MID_MARKET, USD(60000), 200);
    after = snap(LR_SEG_MID_MARKET, USD(49999), 200);
    ck_assert_int_eq(lr_opp_automatic(&R, &before, &after, 0, false), LR_OPP_MOVE_FLOOR);
    after = snap(LR_SEG_MID_MARKET, USD(50000), 200);
    ck_assert_int_eq(lr_opp_automatic(&R, &before, &after, 0, false), LR_OPP_MOVE_NONE);
}
END_TEST

START_TEST(test_second_crossing_flaps)
{
    /* Moved to smb by the floor once; growing again asks a human. */
    struct lr_opp_snapshot before = snap(LR_SEG_SMB, USD(40000), 10);
    struct lr_opp_snapshot after = snap(LR_SEG_SMB, USD(50000), 10);
    ck_assert_int_eq(lr_opp_automatic(&R, &before, &after, 1, false), LR_OPP_MOVE_FLAP);
    ck_assert_int_eq(lr_opp_automatic(&R, &before, &after, 2, false), LR_OPP_MOVE_FLAP);
    /* Already over the line: no new item on every update. */
    ck_assert_int_eq(lr_opp_automatic(&R, &after, &after, 1, false), LR_OPP_MOVE_NONE);
    /* An item is already open. */
    ck_assert_int_eq(lr_opp_automatic(&R, &before, &after, 1, true), LR_OPP_MOVE_NONE);
    /* Just under the line: no crossing at all. */
    after = snap(LR_SEG_SMB, 4999999, 50);
    ck_assert_int_eq(lr_opp_automatic(&R, &before, &after, 1, false), LR_OPP_MOVE_NONE);
    /* A floor crossing after a move flaps too. */
    before = snap(LR_SEG_MID_MARKET, USD(60000), 200);
    after = snap(LR_SEG_MID_MARKET, USD(49999), 200);
    ck_assert_int_eq(lr_opp_automatic(&R, &before, &after, 1, false), LR_OPP_MOVE_FLAP);
}
END_TEST

/* ----------------------------------------------------------------------- credit */

START_TEST(test_credit_worked_examples)
{
    ck_assert_int_eq(lr_opp_finder_credit(USD(90000), 1000, 2000, USD(5000)), USD(1800));
    ck_assert_int_eq(lr_opp_finder_credit(USD(400000), 1000, 2000, USD(5000)), USD(5000));
    ck_assert_int_eq(lr_opp_finder_credit(5000025, 1000, 2000, USD(5000)), 100001);
}
END_TEST

START_TEST(test_credit_rounding_edge)
{
    /* 50,000.24 -> 1,000.0048 -> 1,000.00; 50,000.25 -> 1,000.005 -> 1,000.01. */
    ck_assert_int_eq(lr_opp_finder_credit(5000024, 1000, 2000, USD(5000)), 100000);
    ck_assert_int_eq(lr_opp_finder_credit(5000025, 1000, 2000, USD(5000)), 100001);
    ck_assert_int_eq(lr_opp_finder_credit(5000026, 1000, 2000, USD(5000)), 100001);
    /* 1 bp of 1 bp: exactly half a cent rounds up, just under it rounds down. */
    ck_assert_int_eq(lr_opp_finder_credit(50000000, 1, 1, USD(5000)), 1);
    ck_assert_int_eq(lr_opp_finder_credit(49999999, 1, 1, USD(5000)), 0);
}
END_TEST

START_TEST(test_credit_cap_edge)
{
    /* 250,000.00 earns exactly the cap; a cent more is capped. */
    ck_assert_int_eq(lr_opp_finder_credit(USD(250000), 1000, 2000, USD(5000)), USD(5000));
    ck_assert_int_eq(lr_opp_finder_credit(USD(250000) - 50, 1000, 2000, USD(5000)), 499999);
    ck_assert_int_eq(lr_opp_finder_credit(USD(250000) - 25, 1000, 2000, USD(5000)), USD(5000));
    ck_assert_int_eq(lr_opp_finder_credit(USD(250000) + 5, 1000, 2000, USD(5000)), USD(5000));
    ck_assert_int_eq(lr_opp_finder_credit(USD(90000), 1000, 2000, USD(1000)), USD(1000));
}
END_TEST

START_TEST(test_credit_large_and_zero)
{
    /* The largest amount the API accepts, at 100% x 100%, without overflow. */
    int64_t max = 100000000000000LL - 1;
    ck_assert_int_eq(lr_opp_finder_credit(max, 10000, 10000, INT64_MAX), max);
    ck_assert_int_eq(lr_opp_finder_credit(max, 1000, 2000, INT64_MAX), 2000000000000LL);
    ck_assert_int_eq(lr_opp_finder_credit(0, 1000, 2000, USD(5000)), 0);
    ck_assert_int_eq(lr_opp_finder_credit(USD(90000), 0, 2000, USD(5000)), 0);
    ck_assert_int_eq(lr_opp_finder_credit(USD(90000), 1000, 0, USD(5000)), 0);
    ck_assert_int_eq(lr_opp_finder_credit(USD(90000), 1000, 2000, 0), 0);
}
END_TEST

START_TEST(test_credit_rates_from_rules)
{
    /* 15% of a 12% commission on 77,777.77: 1,399.99986 -> 1,400.00. */
    ck_assert_int_eq(lr_opp_finder_credit(7777777, 1200, 1500, USD(5000)), 140000);
}
END_TEST

/* ---------------------------------------------------------------- the decision */

static struct lr_opp_state existing(enum lr_segment queue, const char *rep, int64_t acv,
                                    int64_t employees)
{
    struct lr_opp_state st;
    memset(&st, 0, sizeof st);
    st.exists = true;
    st.queue = queue;
    strcpy(st.rep_id, rep);
    st.reason = LR_REASON_COMPOSITE;
    st.acv_cents = opt(acv);
    st.employees = opt(employees);
    st.has_last_ts = true;
    st.last_ts_usec = 1000;
    return st;
}

static void decide(const struct lr_opp_state *st, int64_t ts, int64_t acv, int64_t employees,
                   const char *stage, const struct lr_lead_owner *lead,
                   const struct lr_account_facts *acct, const struct lr_named_facts *named,
                   struct lr_opp_decision *od)
{
    struct lr_opp_input in = {
        .state = st,
        .ts_usec = ts,
        .acv_cents = opt(acv),
        .employees = opt(employees),
        .stage = stage,
        .lead = lead,
        .account = acct,
        .named = named,
    };
    lr_opp_decide(&R, &in, od);
}

static struct lr_named_facts named_owner(const char *owner, enum lr_segment seg, bool active)
{
    struct lr_named_facts n;
    memset(&n, 0, sizeof n);
    n.found = true;
    strcpy(n.owner_id, owner);
    n.owner_segment = seg;
    n.owner_active = active;
    return n;
}

START_TEST(test_stage_close)
{
    ck_assert_int_eq(lr_opp_stage_close(NULL), LR_OPP_OPEN);
    ck_assert_int_eq(lr_opp_stage_close("negotiation"), LR_OPP_OPEN);
    ck_assert_int_eq(lr_opp_stage_close("closed_won"), LR_OPP_WON);
    ck_assert_int_eq(lr_opp_stage_close("closed_lost"), LR_OPP_LOST);
    ck_assert_int_eq(lr_opp_stage_close("Closed_Won"), LR_OPP_OPEN);
}
END_TEST

START_TEST(test_created_from_lead)
{
    struct lr_opp_state st = {0};
    struct lr_lead_owner lead = {true, LR_SEG_SMB, "smb-1"};
    struct lr_opp_decision od;
    /* The lead's owner even when the deal is already big: the handoff is mid-deal. */
    decide(&st, 5, USD(90000), NONE, "discovery", &lead, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_FIRST);
    ck_assert_int_eq(od.d.queue, LR_SEG_SMB);
    ck_assert_int_eq(od.d.reason, LR_REASON_FROM_LEAD);
    ck_assert_int_eq(od.d.mode, LR_ASSIGN_REP);
    ck_assert_str_eq(od.d.rep_id, "smb-1");
    ck_assert_int_eq(od.d.signals[LR_SIG_ACV].source, LR_SRC_EVENT);
}
END_TEST

START_TEST(test_created_from_mm_lead_below_floor)
{
    struct lr_opp_state st = {0};
    struct lr_lead_owner lead = {true, LR_SEG_MID_MARKET, "mm-1"};
    struct lr_opp_decision od;
    decide(&st, 5, 4999999, NONE, NULL, &lead, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_FIRST);
    ck_assert_int_eq(od.d.queue, LR_SEG_SMB);
    ck_assert_int_eq(od.d.reason, LR_REASON_BELOW_FLOOR);
    ck_assert_int_eq(od.d.mode, LR_ASSIGN_ROUND_ROBIN);
    ck_assert_str_eq(od.d.rep_id, "");
    decide(&st, 5, 5000000, NONE, NULL, &lead, NULL, NULL, &od);
    ck_assert_int_eq(od.d.reason, LR_REASON_FROM_LEAD);
    ck_assert_str_eq(od.d.rep_id, "mm-1");
}
END_TEST

START_TEST(test_created_routed_like_a_lead)
{
    struct lr_opp_state st = {0};
    struct lr_lead_owner unrouted = {false};
    struct lr_opp_decision od;
    decide(&st, 5, USD(100000), 200, NULL, &unrouted, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_FIRST);
    ck_assert_int_eq(od.d.queue, LR_SEG_MID_MARKET);
    ck_assert_int_eq(od.d.reason, LR_REASON_COMPOSITE);
    ck_assert_int_eq(od.d.mode, LR_ASSIGN_ROUND_ROBIN);
    /* Composite mid_market below the floor starts in smb. */
    struct lr_account_facts acct = {true, opt(NONE), opt(NONE), opt(60)};
    decide(&st, 5, USD(30000), 200, NULL, NULL, &acct, NULL, &od);
    ck_assert_int_eq(od.d.composite, LR_SEG_MID_MARKET);
    ck_assert_int_eq(od.d.queue, LR_SEG_SMB);
    ck_assert_int_eq(od.d.reason, LR_REASON_BELOW_FLOOR);
    /* ... unless named. */
    struct lr_named_facts n = named_owner("mm-named", LR_SEG_MID_MARKET, true);
    decide(&st, 5, USD(30000), 200, NULL, NULL, &acct, &n, &od);
    ck_assert_int_eq(od.d.queue, LR_SEG_MID_MARKET);
    ck_assert_int_eq(od.d.reason, LR_REASON_NAMED_ACCOUNT);
    ck_assert_str_eq(od.d.rep_id, "mm-named");
    /* Too little to go on: review. */
    decide(&st, 5, USD(30000), NONE, NULL, NULL, NULL, NULL, &od);
    ck_assert_int_eq(od.d.queue, LR_SEG_REVIEW);
    ck_assert_int_eq(od.d.reason, LR_REASON_INSUFFICIENT_DATA);
}
END_TEST

START_TEST(test_update_hands_off)
{
    struct lr_opp_state st = existing(LR_SEG_SMB, "smb-1", USD(20000), 10);
    struct lr_opp_decision od;
    decide(&st, 2000, USD(50000), NONE, "proposal", NULL, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_HANDOFF);
    ck_assert_int_eq(od.d.queue, LR_SEG_MID_MARKET);
    ck_assert_int_eq(od.d.reason, LR_REASON_MID_DEAL_HANDOFF);
    ck_assert_int_eq(od.d.mode, LR_ASSIGN_ROUND_ROBIN);
    ck_assert(od.employees.present && od.employees.v == 10); /* kept from the stored deal */
    /* Strategic on the new values. */
    decide(&st, 2000, USD(600000), 2000, NULL, NULL, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_HANDOFF);
    ck_assert_int_eq(od.d.queue, LR_SEG_STRATEGIC);
    /* Named owner first. */
    struct lr_named_facts n = named_owner("mm-named", LR_SEG_MID_MARKET, true);
    decide(&st, 2000, USD(60000), NONE, NULL, NULL, NULL, &n, &od);
    ck_assert_int_eq(od.action, LR_OPP_HANDOFF);
    ck_assert_int_eq(od.d.mode, LR_ASSIGN_REP);
    ck_assert_str_eq(od.d.rep_id, "mm-named");
    n.owner_active = false;
    decide(&st, 2000, USD(60000), NONE, NULL, NULL, NULL, &n, &od);
    ck_assert_int_eq(od.d.queue, LR_SEG_MID_MARKET);
    ck_assert_int_eq(od.d.mode, LR_ASSIGN_ROUND_ROBIN);
    /* Under the line: nothing moves, the current assignment is kept. */
    decide(&st, 2000, 4999999, 50, NULL, NULL, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_KEEP);
    ck_assert_int_eq(od.d.reason, LR_REASON_COMPOSITE);
    ck_assert_str_eq(od.d.rep_id, "smb-1");
    ck_assert(!lr_opp_assigns(od.action));
}
END_TEST

START_TEST(test_update_floor_and_flap)
{
    struct lr_opp_state st = existing(LR_SEG_MID_MARKET, "mm-1", USD(80000), 200);
    struct lr_opp_decision od;
    decide(&st, 2000, USD(40000), NONE, NULL, NULL, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_FLOOR);
    ck_assert_int_eq(od.d.queue, LR_SEG_SMB);
    ck_assert_int_eq(od.d.reason, LR_REASON_BELOW_FLOOR);
    /* Came by handoff: stays. */
    st.came_by_handoff = true;
    st.auto_moves = 1;
    decide(&st, 2000, USD(40000), NONE, NULL, NULL, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_KEEP);
    /* After the floor move the deal grows again: segment_flap, owner kept. */
    st = existing(LR_SEG_SMB, "smb-2", USD(40000), 10);
    st.auto_moves = 1;
    st.reason = LR_REASON_BELOW_FLOOR;
    decide(&st, 2000, USD(70000), NONE, NULL, NULL, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_FLAP);
    ck_assert_int_eq(od.d.reason, LR_REASON_SEGMENT_FLAP);
    ck_assert_int_eq(od.d.queue, LR_SEG_SMB);
    ck_assert_str_eq(od.d.rep_id, "smb-2");
    ck_assert(!lr_opp_assigns(od.action));
}
END_TEST

START_TEST(test_out_of_order_and_closed)
{
    struct lr_opp_state st = existing(LR_SEG_SMB, "smb-1", USD(20000), 10);
    struct lr_opp_decision od;
    decide(&st, 999, USD(90000), NONE, NULL, NULL, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_IGNORE_OUT_OF_ORDER);
    ck_assert_int_eq(od.acv_cents.v, USD(20000));
    ck_assert_str_eq(od.d.rep_id, "smb-1");
    decide(&st, 1000, USD(90000), NONE, NULL, NULL, NULL, NULL, &od); /* same instant */
    ck_assert_int_eq(od.action, LR_OPP_HANDOFF);
    st.outcome = LR_OPP_WON;
    decide(&st, 2000, USD(90000), NONE, "closed_won", NULL, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_IGNORE_CLOSED);
    ck_assert_int_eq(od.close, LR_OPP_WON);
    decide(&st, 10, USD(90000), NONE, NULL, NULL, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_IGNORE_OUT_OF_ORDER);
    /* A new deal has nothing to be out of order with. */
    struct lr_opp_state fresh = {0};
    ck_assert(!lr_opp_ignores(&fresh, 0));
}
END_TEST

START_TEST(test_closing_does_not_move)
{
    struct lr_opp_state st = existing(LR_SEG_SMB, "smb-1", USD(20000), 10);
    struct lr_opp_decision od;
    decide(&st, 2000, USD(90000), NONE, "closed_won", NULL, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_KEEP);
    ck_assert_int_eq(od.close, LR_OPP_WON);
    ck_assert_int_eq(od.acv_cents.v, USD(90000));
    decide(&st, 2000, NONE, NONE, "closed_lost", NULL, NULL, NULL, &od);
    ck_assert_int_eq(od.close, LR_OPP_LOST);
    ck_assert_int_eq(od.acv_cents.v, USD(20000));
}
END_TEST

START_TEST(test_no_active_rep)
{
    struct lr_opp_state st = existing(LR_SEG_SMB, "smb-1", USD(20000), 10);
    struct lr_opp_decision od;
    decide(&st, 2000, USD(90000), NONE, NULL, NULL, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_HANDOFF);
    lr_opp_no_active_rep(&od);
    ck_assert_int_eq(od.action, LR_OPP_BLOCKED);
    ck_assert_int_eq(od.d.queue, LR_SEG_REVIEW);
    ck_assert_int_eq(od.d.reason, LR_REASON_NO_ACTIVE_REP);
    ck_assert_str_eq(od.d.rep_id, "");
    ck_assert(lr_opp_assigns(od.action));
    struct lr_opp_state fresh = {0};
    decide(&fresh, 5, USD(100000), 200, NULL, NULL, NULL, NULL, &od);
    lr_opp_no_active_rep(&od);
    ck_assert_int_eq(od.action, LR_OPP_FIRST);
    ck_assert_int_eq(od.d.queue, LR_SEG_REVIEW);
}
END_TEST

START_TEST(test_review_queue_is_not_moved)
{
    struct lr_opp_state st = existing(LR_SEG_REVIEW, "", USD(20000), NONE);
    st.reason = LR_REASON_CONFLICT;
    struct lr_opp_decision od;
    decide(&st, 2000, USD(90000), 400, NULL, NULL, NULL, NULL, &od);
    ck_assert_int_eq(od.action, LR_OPP_KEEP);
    ck_assert_int_eq(od.d.queue, LR_SEG_REVIEW);
    ck_assert_int_eq(od.d.reason, LR_REASON_CONFLICT);
}
END_TEST

Suite *opportunity_suite(void)
{
    Suite *s = suite_create("opportunity");
    TCase *tc = tcase_create("handoff");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_test(tc, test_handoff_acv_edge);
    tcase_add_test(tc, test_handoff_employee_edge);
    tcase_add_test(tc, test_handoff_needs_open_smb_owner);
    tcase_add_test(tc, test_handoff_thresholds_come_from_rules);
    tcase_add_test(tc, test_handoff_target);
    suite_add_tcase(s, tc);

    tc = tcase_create("floor");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_test(tc, test_floor_edge);
    tcase_add_test(tc, test_floor_exemptions);
    tcase_add_test(tc, test_floor_from_rules);
    tcase_add_test(tc, test_first_below_floor);
    suite_add_tcase(s, tc);

    tc = tcase_create("flap");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_test(tc, test_first_move_is_taken);
    tcase_add_test(tc, test_second_crossing_flaps);
    suite_add_tcase(s, tc);

    tc = tcase_create("credit");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_test(tc, test_credit_worked_examples);
    tcase_add_test(tc, test_credit_rounding_edge);
    tcase_add_test(tc, test_credit_cap_edge);
    tcase_add_test(tc, test_credit_large_and_zero);
    tcase_add_test(tc, test_credit_rates_from_rules);
    suite_add_tcase(s, tc);

    tc = tcase_create("decision");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_test(tc, test_stage_close);
    tcase_add_test(tc, test_created_from_lead);
    tcase_add_test(tc, test_created_from_mm_lead_below_floor);
    tcase_add_test(tc, test_created_routed_like_a_lead);
    tcase_add_test(tc, test_update_hands_off);
    tcase_add_test(tc, test_update_floor_and_flap);
    tcase_add_test(tc, test_out_of_order_and_closed);
    tcase_add_test(tc, test_closing_does_not_move);
    tcase_add_test(tc, test_no_active_rep);
    tcase_add_test(tc, test_review_queue_is_not_moved);
    suite_add_tcase(s, tc);
    return s;
}
