/* routing/opportunity.c (SPEC 2.8): the decision an opportunity event gets on a stored
 * deal (or none): the close stage, the first assignment, handoff, floor and flap on an
 * update, events out of order or on a closed deal, and a queue without an active rep.
 * Each case is a row of a table; a loop test runs one row at a time and names it in any
 * failure. */
#include <stdint.h>
#include <string.h>

#include "routing/opportunity.h"
#include "routing/rules.h"
#include "fixtures.h"
#include "suites.h"

#define USD(d) ((int64_t)(d)*100)

#define SMB LR_SEG_SMB
#define MM LR_SEG_MID_MARKET
#define ST LR_SEG_STRATEGIC
#define REVIEW LR_SEG_REVIEW

/* ---------------------------------------------------------------- the decision */

static const struct {
    const char *stage; /* NULL: the event has none */
    enum lr_opp_close want;
} STAGES[] = {
    {NULL, LR_OPP_OPEN},
    {"negotiation", LR_OPP_OPEN},
    {"closed_won", LR_OPP_WON},
    {"closed_lost", LR_OPP_LOST},
    /* SPEC 2.8 (issue 11) compares stages normalised: CRMs' own spellings close too.
     * "Closed_Won" was open when only the exact closed_won closed a deal. */
    {"Closed_Won", LR_OPP_WON},
    {"Closed Won", LR_OPP_WON},
    {"closedwon", LR_OPP_WON},
    {"won", LR_OPP_WON},
    {"Closed-Lost", LR_OPP_LOST},
    {"closedlost", LR_OPP_LOST},
    {"LOST", LR_OPP_LOST},
    {" closed won ", LR_OPP_WON},
    {"", LR_OPP_OPEN},
    {"_ -", LR_OPP_OPEN},
    {"won back", LR_OPP_OPEN},
    {"closed", LR_OPP_OPEN},
};

START_TEST(test_stage_close)
{
    const char *name = STAGES[_i].stage != NULL ? STAGES[_i].stage : "(none)";
    ROW_EQ(name, lr_opp_stage_close(&R, STAGES[_i].stage), STAGES[_i].want);
}
END_TEST

/* The stored deal (exists = false: the event creates it). */
struct state_in {
    bool exists;
    enum lr_segment queue;
    const char *rep_id;
    int64_t acv_cents, employees;
    enum lr_reason reason;
    int64_t auto_moves;
    bool came_by_handoff;
    enum lr_opp_close outcome;
};
/* clang-format off */
/* A stored deal, its last event at 1000 us. */
#define STORED(queue, rep, acv, emp, reason, auto_moves, by_handoff, outcome) \
    {true, (queue), (rep), (acv), (emp), (reason), (auto_moves), (by_handoff), (outcome)}
/* ... assigned by the composite, never moved, open. */
#define OWNED(queue, rep, acv, emp) \
    STORED((queue), (rep), (acv), (emp), LR_REASON_COMPOSITE, 0, false, LR_OPP_OPEN)
/* clang-format on */

/* The decision and the deal after the event (values NONE: unknown). */
struct want_opp {
    enum lr_opp_action action;
    bool assigns;
    enum lr_opp_close close;
    int64_t acv_cents, employees;
    struct want_decision d;
};
/* clang-format off */
/* A want_opp, in its field order; decision is a DECISION(...). */
#define WANT(action, assigns, close, acv, emp, decision) \
    {(action), (assigns), (close), (acv), (emp), decision}
/* clang-format on */

/* One opportunity event on a stored deal (or none); no_active_rep: the round robin then
 * finds nobody active in the queue. */
struct opp_row {
    const char *name;
    struct state_in state;
    int64_t ts_usec, acv_cents, employees;
    const char *stage;
    const struct lr_lead_owner *lead;
    struct account_in account;
    struct named_in named;
    bool no_active_rep;
    struct want_opp want;
};

static const struct lr_lead_owner LEAD_SMB = {true, LR_SEG_SMB, "smb-1"};
static const struct lr_lead_owner LEAD_MM = {true, LR_SEG_MID_MARKET, "mm-1"};
static const struct lr_lead_owner LEAD_UNROUTED = {false};

static struct lr_opp_state state_of(const struct state_in *in)
{
    struct lr_opp_state st;
    memset(&st, 0, sizeof st);
    if (!in->exists)
        return st;
    st.exists = true;
    st.queue = in->queue;
    strcpy(st.rep_id, in->rep_id);
    st.reason = in->reason;
    st.acv_cents = opt(in->acv_cents);
    st.employees = opt(in->employees);
    st.auto_moves = in->auto_moves;
    st.came_by_handoff = in->came_by_handoff;
    st.outcome = in->outcome;
    st.has_last_ts = true;
    st.last_ts_usec = 1000;
    return st;
}

static void check_opp_row(const struct opp_row *row)
{
    struct lr_opp_state st = state_of(&row->state);
    struct lr_account_facts acct;
    struct lr_named_facts named;
    struct lr_opp_input in = {
        .state = &st,
        .ts_usec = row->ts_usec,
        .acv_cents = opt(row->acv_cents),
        .employees = opt(row->employees),
        .stage = row->stage,
        .lead = row->lead,
        .account = account_facts(&row->account, &acct),
        .named = named_facts(&row->named, &named),
    };
    struct lr_opp_decision od;
    lr_opp_decide(&R, &in, &od);
    if (row->no_active_rep)
        lr_opp_no_active_rep(&od);

    const struct want_opp *w = &row->want;
    ck_assert_msg(od.action == w->action, "[%s] action == %s, want %s", row->name,
                  lr_opp_action_name(od.action), lr_opp_action_name(w->action));
    ROW_EQ(row->name, lr_opp_assigns(od.action), w->assigns);
    ROW_EQ(row->name, od.close, w->close);
    ROW_EQ(row->name, od.acv_cents.present, w->acv_cents != NONE);
    ROW_EQ(row->name, od.acv_cents.v, w->acv_cents != NONE ? w->acv_cents : 0);
    ROW_EQ(row->name, od.employees.present, w->employees != NONE);
    ROW_EQ(row->name, od.employees.v, w->employees != NONE ? w->employees : 0);
    check_decision(row->name, &od.d, &w->d);
}

static const struct opp_row CREATED[] = {
    /* The lead's owner even when the deal is already big: the handoff is mid-deal. */
    {"from an smb lead, acv 90,000.00", .state = {false}, 5, USD(90000), NONE, "discovery",
     .lead = &LEAD_SMB,
     .want = WANT(LR_OPP_FIRST, true, LR_OPP_OPEN, USD(90000), NONE,
                  DECISION(SMB, LR_REASON_FROM_LEAD, REVIEW, LR_ASSIGN_REP, "smb-1", false, "",
                           false, SIG_MISSING, SIG_EVENT(USD(90000), MM), SIG_MISSING))},
    {"from a mid_market lead, acv 49,999.99: below the floor", .state = {false}, 5, 4999999, NONE,
     NULL, .lead = &LEAD_MM,
     .want = WANT(LR_OPP_FIRST, true, LR_OPP_OPEN, 4999999, NONE,
                  DECISION(SMB, LR_REASON_BELOW_FLOOR, REVIEW, LR_ASSIGN_ROUND_ROBIN, "", false, "",
                           false, SIG_MISSING, SIG_EVENT(4999999, SMB), SIG_MISSING))},
    {"from a mid_market lead, acv 50,000.00", .state = {false}, 5, 5000000, NONE, NULL,
     .lead = &LEAD_MM,
     .want = WANT(LR_OPP_FIRST, true, LR_OPP_OPEN, 5000000, NONE,
                  DECISION(MM, LR_REASON_FROM_LEAD, REVIEW, LR_ASSIGN_REP, "mm-1", false, "", false,
                           SIG_MISSING, SIG_EVENT(5000000, MM), SIG_MISSING))},
    {"lead not routed: routed like a lead", .state = {false}, 5, USD(100000), 200, NULL,
     .lead = &LEAD_UNROUTED,
     .want = WANT(LR_OPP_FIRST, true, LR_OPP_OPEN, USD(100000), 200,
                  DECISION(MM, LR_REASON_COMPOSITE, MM, LR_ASSIGN_ROUND_ROBIN, "", false, "", false,
                           SIG_EVENT(200, MM), SIG_EVENT(USD(100000), MM), SIG_MISSING))},
    /* Composite mid_market below the floor starts in smb ... */
    {"composite mid_market, acv 30,000.00: smb", .state = {false}, 5, USD(30000), 200, NULL,
     .account = ACCOUNT(NONE, NONE, 60),
     .want =
         WANT(LR_OPP_FIRST, true, LR_OPP_OPEN, USD(30000), 200,
              DECISION(SMB, LR_REASON_BELOW_FLOOR, MM, LR_ASSIGN_ROUND_ROBIN, "", false, "", true,
                       SIG_EVENT(200, MM), SIG_EVENT(USD(30000), SMB), SIG_ENRICHED(60, MM)))},
    /* ... unless named. */
    {"composite mid_market, acv 30,000.00, named", .state = {false}, 5, USD(30000), 200, NULL,
     .account = ACCOUNT(NONE, NONE, 60), .named = NAMED("mm-named", MM, true),
     .want = WANT(LR_OPP_FIRST, true, LR_OPP_OPEN, USD(30000), 200,
                  DECISION(MM, LR_REASON_NAMED_ACCOUNT, MM, LR_ASSIGN_REP, "mm-named", true,
                           "mm-named", true, SIG_EVENT(200, MM), SIG_EVENT(USD(30000), SMB),
                           SIG_ENRICHED(60, MM)))},
    /* Too little to go on: review. */
    {"acv only: review", .state = {false}, 5, USD(30000), NONE, NULL,
     .want = WANT(LR_OPP_FIRST, true, LR_OPP_OPEN, USD(30000), NONE,
                  DECISION(REVIEW, LR_REASON_INSUFFICIENT_DATA, REVIEW, LR_ASSIGN_NONE, "", false,
                           "", false, SIG_MISSING, SIG_EVENT(USD(30000), SMB), SIG_MISSING))},
};

static const struct opp_row HANDOFFS[] = {
    /* The employee count the event leaves out is kept from the stored deal. */
    {"smb deal reaches 50,000.00", OWNED(SMB, "smb-1", USD(20000), 10), 2000, USD(50000), NONE,
     "proposal",
     .want = WANT(LR_OPP_HANDOFF, true, LR_OPP_OPEN, USD(50000), 10,
                  DECISION(MM, LR_REASON_MID_DEAL_HANDOFF, REVIEW, LR_ASSIGN_ROUND_ROBIN, "", false,
                           "", false, SIG_EVENT(10, SMB), SIG_EVENT(USD(50000), MM), SIG_MISSING))},
    /* Strategic on the new values. */
    {"smb deal reaches 600,000.00 and 2000 people", OWNED(SMB, "smb-1", USD(20000), 10), 2000,
     USD(600000), 2000, NULL,
     .want = WANT(LR_OPP_HANDOFF, true, LR_OPP_OPEN, USD(600000), 2000,
                  DECISION(ST, LR_REASON_MID_DEAL_HANDOFF, ST, LR_ASSIGN_ROUND_ROBIN, "", false, "",
                           false, SIG_EVENT(2000, ST), SIG_EVENT(USD(600000), ST), SIG_MISSING))},
    /* Named owner first. */
    {"to the active named owner", OWNED(SMB, "smb-1", USD(20000), 10), 2000, USD(60000), NONE, NULL,
     .named = NAMED("mm-named", MM, true),
     .want = WANT(LR_OPP_HANDOFF, true, LR_OPP_OPEN, USD(60000), 10,
                  DECISION(MM, LR_REASON_MID_DEAL_HANDOFF, REVIEW, LR_ASSIGN_REP, "mm-named", true,
                           "mm-named", false, SIG_EVENT(10, SMB), SIG_EVENT(USD(60000), MM),
                           SIG_MISSING))},
    {"named owner inactive: the owner's queue in turn", OWNED(SMB, "smb-1", USD(20000), 10), 2000,
     USD(60000), NONE, NULL, .named = NAMED("mm-named", MM, false),
     .want = WANT(LR_OPP_HANDOFF, true, LR_OPP_OPEN, USD(60000), 10,
                  DECISION(MM, LR_REASON_MID_DEAL_HANDOFF, REVIEW, LR_ASSIGN_ROUND_ROBIN, "", true,
                           "mm-named", false, SIG_EVENT(10, SMB), SIG_EVENT(USD(60000), MM),
                           SIG_MISSING))},
    /* Under the line: nothing moves, the current assignment is kept. */
    {"49,999.99 and 50 people: kept", OWNED(SMB, "smb-1", USD(20000), 10), 2000, 4999999, 50, NULL,
     .want = WANT(LR_OPP_KEEP, false, LR_OPP_OPEN, 4999999, 50,
                  DECISION(SMB, LR_REASON_COMPOSITE, SMB, LR_ASSIGN_REP, "smb-1", false, "", false,
                           SIG_EVENT(50, SMB), SIG_EVENT(4999999, SMB), SIG_MISSING))},
    {"smb deal reaches 90,000.00", OWNED(SMB, "smb-1", USD(20000), 10), 2000, USD(90000), NONE,
     NULL,
     .want = WANT(LR_OPP_HANDOFF, true, LR_OPP_OPEN, USD(90000), 10,
                  DECISION(MM, LR_REASON_MID_DEAL_HANDOFF, REVIEW, LR_ASSIGN_ROUND_ROBIN, "", false,
                           "", false, SIG_EVENT(10, SMB), SIG_EVENT(USD(90000), MM), SIG_MISSING))},
    /* Nobody owns a deal in review: nothing to hand off or floor. */
    {"in review: not moved",
     STORED(REVIEW, "", USD(20000), NONE, LR_REASON_CONFLICT, 0, false, LR_OPP_OPEN), 2000,
     USD(90000), 400, NULL,
     .want = WANT(LR_OPP_KEEP, false, LR_OPP_OPEN, USD(90000), 400,
                  DECISION(REVIEW, LR_REASON_CONFLICT, MM, LR_ASSIGN_NONE, "", false, "", false,
                           SIG_EVENT(400, MM), SIG_EVENT(USD(90000), MM), SIG_MISSING))},
};

static const struct opp_row FLOOR_AND_FLAP[] = {
    {"mid_market deal drops to 40,000.00", OWNED(MM, "mm-1", USD(80000), 200), 2000, USD(40000),
     NONE, NULL,
     .want = WANT(LR_OPP_FLOOR, true, LR_OPP_OPEN, USD(40000), 200,
                  DECISION(SMB, LR_REASON_BELOW_FLOOR, REVIEW, LR_ASSIGN_ROUND_ROBIN, "", false, "",
                           false, SIG_EVENT(200, MM), SIG_EVENT(USD(40000), SMB), SIG_MISSING))},
    /* Came by handoff: stays. */
    {"came by handoff, drops to 40,000.00: stays",
     STORED(MM, "mm-1", USD(80000), 200, LR_REASON_COMPOSITE, 1, true, LR_OPP_OPEN), 2000,
     USD(40000), NONE, NULL,
     .want = WANT(LR_OPP_KEEP, false, LR_OPP_OPEN, USD(40000), 200,
                  DECISION(MM, LR_REASON_COMPOSITE, REVIEW, LR_ASSIGN_REP, "mm-1", false, "", false,
                           SIG_EVENT(200, MM), SIG_EVENT(USD(40000), SMB), SIG_MISSING))},
    /* After the floor move the deal grows again: segment_flap, owner kept. */
    {"floored once, grows to 70,000.00: flap",
     STORED(SMB, "smb-2", USD(40000), 10, LR_REASON_BELOW_FLOOR, 1, false, LR_OPP_OPEN), 2000,
     USD(70000), NONE, NULL,
     .want = WANT(LR_OPP_FLAP, false, LR_OPP_OPEN, USD(70000), 10,
                  DECISION(SMB, LR_REASON_SEGMENT_FLAP, REVIEW, LR_ASSIGN_REP, "smb-2", false, "",
                           false, SIG_EVENT(10, SMB), SIG_EVENT(USD(70000), MM), SIG_MISSING))},
};

/* The stored deal's last event was at 1000 us. */
static const struct opp_row ORDER_AND_CLOSE[] = {
    {"older event: ignored", OWNED(SMB, "smb-1", USD(20000), 10), 999, USD(90000), NONE, NULL,
     .want = WANT(LR_OPP_IGNORE_OUT_OF_ORDER, false, LR_OPP_OPEN, USD(20000), 10,
                  DECISION(SMB, LR_REASON_COMPOSITE, SMB, LR_ASSIGN_REP, "smb-1", false, "", false,
                           SIG_EVENT(10, SMB), SIG_EVENT(USD(20000), SMB), SIG_MISSING))},
    {"same instant: applied", OWNED(SMB, "smb-1", USD(20000), 10), 1000, USD(90000), NONE, NULL,
     .want = WANT(LR_OPP_HANDOFF, true, LR_OPP_OPEN, USD(90000), 10,
                  DECISION(MM, LR_REASON_MID_DEAL_HANDOFF, REVIEW, LR_ASSIGN_ROUND_ROBIN, "", false,
                           "", false, SIG_EVENT(10, SMB), SIG_EVENT(USD(90000), MM), SIG_MISSING))},
    {"deal already won: ignored",
     STORED(SMB, "smb-1", USD(20000), 10, LR_REASON_COMPOSITE, 0, false, LR_OPP_WON), 2000,
     USD(90000), NONE, "closed_won",
     .want = WANT(LR_OPP_IGNORE_CLOSED, false, LR_OPP_WON, USD(20000), 10,
                  DECISION(SMB, LR_REASON_COMPOSITE, SMB, LR_ASSIGN_REP, "smb-1", false, "", false,
                           SIG_EVENT(10, SMB), SIG_EVENT(USD(20000), SMB), SIG_MISSING))},
    {"deal already won, older event: out of order",
     STORED(SMB, "smb-1", USD(20000), 10, LR_REASON_COMPOSITE, 0, false, LR_OPP_WON), 10,
     USD(90000), NONE, NULL,
     .want = WANT(LR_OPP_IGNORE_OUT_OF_ORDER, false, LR_OPP_WON, USD(20000), 10,
                  DECISION(SMB, LR_REASON_COMPOSITE, SMB, LR_ASSIGN_REP, "smb-1", false, "", false,
                           SIG_EVENT(10, SMB), SIG_EVENT(USD(20000), SMB), SIG_MISSING))},
    /* A deal that closes is not moved. */
    {"closed_won at 90,000.00: not moved", OWNED(SMB, "smb-1", USD(20000), 10), 2000, USD(90000),
     NONE, "closed_won",
     .want = WANT(LR_OPP_KEEP, false, LR_OPP_WON, USD(90000), 10,
                  DECISION(SMB, LR_REASON_COMPOSITE, REVIEW, LR_ASSIGN_REP, "smb-1", false, "",
                           false, SIG_EVENT(10, SMB), SIG_EVENT(USD(90000), MM), SIG_MISSING))},
    {"closed_lost without an acv: the stored acv", OWNED(SMB, "smb-1", USD(20000), 10), 2000, NONE,
     NONE, "closed_lost",
     .want = WANT(LR_OPP_KEEP, false, LR_OPP_LOST, USD(20000), 10,
                  DECISION(SMB, LR_REASON_COMPOSITE, SMB, LR_ASSIGN_REP, "smb-1", false, "", false,
                           SIG_EVENT(10, SMB), SIG_EVENT(USD(20000), SMB), SIG_MISSING))},
};

/* The round robin then finds nobody active in the queue. */
static const struct opp_row NO_ACTIVE_REP[] = {
    {"handoff: blocked", OWNED(SMB, "smb-1", USD(20000), 10), 2000, USD(90000), NONE, NULL,
     .no_active_rep = true,
     .want = WANT(LR_OPP_BLOCKED, true, LR_OPP_OPEN, USD(90000), 10,
                  DECISION(REVIEW, LR_REASON_NO_ACTIVE_REP, REVIEW, LR_ASSIGN_NONE, "", false, "",
                           false, SIG_EVENT(10, SMB), SIG_EVENT(USD(90000), MM), SIG_MISSING))},
    {"first assignment: to review", .state = {false}, 5, USD(100000), 200, NULL,
     .no_active_rep = true,
     .want = WANT(LR_OPP_FIRST, true, LR_OPP_OPEN, USD(100000), 200,
                  DECISION(REVIEW, LR_REASON_NO_ACTIVE_REP, MM, LR_ASSIGN_NONE, "", false, "",
                           false, SIG_EVENT(200, MM), SIG_EVENT(USD(100000), MM), SIG_MISSING))},
};

START_TEST(test_created)
{
    check_opp_row(&CREATED[_i]);
}
END_TEST

START_TEST(test_update_hands_off)
{
    check_opp_row(&HANDOFFS[_i]);
}
END_TEST

START_TEST(test_update_floor_and_flap)
{
    check_opp_row(&FLOOR_AND_FLAP[_i]);
}
END_TEST

START_TEST(test_out_of_order_and_closed)
{
    check_opp_row(&ORDER_AND_CLOSE[_i]);
}
END_TEST

/* A new deal has nothing to be out of order with. */
START_TEST(test_new_deal_is_never_ignored)
{
    struct lr_opp_state fresh = {0};
    ck_assert(!lr_opp_ignores(&fresh, 0));
}
END_TEST

START_TEST(test_no_active_rep)
{
    check_opp_row(&NO_ACTIVE_REP[_i]);
}
END_TEST

Suite *opportunity_decision_suite(void)
{
    Suite *s = suite_create("opportunity/decision");
    TCase *tc = tcase_create("decision");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_loop_test(tc, test_stage_close, 0, ROWS(STAGES));
    tcase_add_loop_test(tc, test_created, 0, ROWS(CREATED));
    tcase_add_loop_test(tc, test_update_hands_off, 0, ROWS(HANDOFFS));
    tcase_add_loop_test(tc, test_update_floor_and_flap, 0, ROWS(FLOOR_AND_FLAP));
    tcase_add_loop_test(tc, test_out_of_order_and_closed, 0, ROWS(ORDER_AND_CLOSE));
    tcase_add_test(tc, test_new_deal_is_never_ignored);
    tcase_add_loop_test(tc, test_no_active_rep, 0, ROWS(NO_ACTIVE_REP));
    suite_add_tcase(s, tc);
    return s;
}
