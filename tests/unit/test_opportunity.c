/* routing/opportunity.c (SPEC 2.8): handoff, floor, flap and credit rules as pure
 * functions, each threshold at its edge, and the event decision built on them. Each
 * rule's cases are the rows of a table; a loop test runs one row at a time and names it
 * in any failure. */
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

/* ------------------------------------------------------------ deal snapshots */

/* How a snapshot differs from an open deal owned in its queue (unowned in review). */
enum { CLOSED = 1, UNOWNED = 2, BY_HANDOFF = 4, NAMED_DEAL = 8 };

struct snap_row {
    const char *name;
    enum lr_segment queue;
    int64_t acv_cents, employees; /* NONE: unknown */
    unsigned flags;
    bool want;
};

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

static struct lr_opp_snapshot snap_of(const struct snap_row *row)
{
    struct lr_opp_snapshot s = snap(row->queue, row->acv_cents, row->employees);
    if (row->flags & CLOSED)
        s.open = false;
    if (row->flags & UNOWNED)
        s.owned = false;
    if (row->flags & BY_HANDOFF)
        s.came_by_handoff = true;
    if (row->flags & NAMED_DEAL)
        s.named = true;
    return s;
}

/* ---------------------------------------------------------------- handoff trigger */

static const struct snap_row HANDOFF_DUE[] = {
    /* the acv edge */
    {"acv 49,999.99", SMB, 4999999, NONE, 0, false},
    {"acv 50,000.00", SMB, 5000000, NONE, 0, true},
    {"acv 50,000.01", SMB, 5000001, NONE, 0, true},
    /* the employee edge */
    {"50 people", SMB, USD(1000), 50, 0, false},
    {"51 people", SMB, USD(1000), 51, 0, true},
    {"51 people, acv unknown", SMB, NONE, 51, 0, true},
    /* only an open deal an smb rep owns */
    {"open, smb owner", SMB, USD(90000), 400, 0, true},
    {"closed", SMB, USD(90000), 400, CLOSED, false},
    {"not owned", SMB, USD(90000), 400, UNOWNED, false},
    {"mid_market owner", MM, USD(90000), 400, 0, false},
    {"strategic owner", ST, USD(90000), 400, 0, false},
    {"in review", REVIEW, USD(90000), 400, 0, false},
    {"acv and employees unknown", SMB, NONE, NONE, 0, false},
};

/* Under rules that hand off at 100,000.00 or 201 people. */
static const struct snap_row HANDOFF_DUE_RULES[] = {
    {"acv 99,999.00, 200 people", SMB, USD(99999), 200, 0, false},
    {"acv 100,000.00, 200 people", SMB, USD(100000), 200, 0, true},
    {"acv 1.00, 201 people", SMB, USD(1), 201, 0, true},
};

START_TEST(test_handoff_due)
{
    struct lr_opp_snapshot s = snap_of(&HANDOFF_DUE[_i]);
    ROW_EQ(HANDOFF_DUE[_i].name, lr_opp_handoff_due(&R, &s), HANDOFF_DUE[_i].want);
}
END_TEST

START_TEST(test_handoff_thresholds_come_from_rules)
{
    R.handoff_acv_cents = USD(100000);
    R.handoff_employees = 201;
    struct lr_opp_snapshot s = snap_of(&HANDOFF_DUE_RULES[_i]);
    ROW_EQ(HANDOFF_DUE_RULES[_i].name, lr_opp_handoff_due(&R, &s), HANDOFF_DUE_RULES[_i].want);
}
END_TEST

/* The queue a handoff moves to, from the signals of the new values. */
static const struct {
    const char *name;
    int64_t employees, acv_cents, fit;
    enum lr_segment want;
} HANDOFF_TARGETS[] = {
    {"two strategic votes", 2000, USD(600000), NONE, ST},
    {"one strategic vote: not enough", 2000, USD(60000), 50, MM},
    {"composite smb: the trigger still moves it up", 10, USD(60000), 10, MM},
    {"insufficient data", NONE, USD(60000), NONE, MM},
    {"both strategic edges", 1001, USD(500000), 10, ST},
    {"1000 people, acv at the strategic edge", 1000, USD(500000), 10, MM},
};

START_TEST(test_handoff_target)
{
    struct lr_signal s[LR_SIGNAL_COUNT];
    struct lr_lead_facts f = {opt(HANDOFF_TARGETS[_i].employees),
                              opt(HANDOFF_TARGETS[_i].acv_cents), opt(HANDOFF_TARGETS[_i].fit)};
    lr_merge_signals(&R, &f, NULL, s);
    ROW_EQ(HANDOFF_TARGETS[_i].name, lr_opp_handoff_target(s), HANDOFF_TARGETS[_i].want);
}
END_TEST

/* ------------------------------------------------------------------------ floor */

static const struct snap_row FLOOR_DUE[] = {
    /* the edge */
    {"acv 49,999.99", MM, 4999999, 200, 0, true},
    {"acv 50,000.00", MM, 5000000, 200, 0, false},
    {"acv 0", MM, 0, 200, 0, true},
    /* exemptions */
    {"acv 20,000.00, open, mid_market owner", MM, USD(20000), 200, 0, true},
    {"came by handoff", MM, USD(20000), 200, BY_HANDOFF, false},
    {"named", MM, USD(20000), 200, NAMED_DEAL, false},
    {"unknown acv is not below anything", MM, NONE, 200, 0, false},
    {"closed", MM, USD(20000), 200, CLOSED, false},
    {"strategic owner", ST, USD(20000), 200, 0, false},
    {"smb owner", SMB, USD(20000), 200, 0, false},
    {"not owned", MM, USD(20000), 200, UNOWNED, false},
};

/* Under rules with the floor at 30,000.00. */
static const struct snap_row FLOOR_DUE_RULES[] = {
    {"acv 30,000.00", MM, USD(30000), 200, 0, false},
    {"acv 29,999.99", MM, USD(30000) - 1, 200, 0, true},
};

START_TEST(test_floor_due)
{
    struct lr_opp_snapshot s = snap_of(&FLOOR_DUE[_i]);
    ROW_EQ(FLOOR_DUE[_i].name, lr_opp_floor_due(&R, &s), FLOOR_DUE[_i].want);
}
END_TEST

START_TEST(test_floor_from_rules)
{
    R.floor_acv_cents = USD(30000);
    struct lr_opp_snapshot s = snap_of(&FLOOR_DUE_RULES[_i]);
    ROW_EQ(FLOOR_DUE_RULES[_i].name, lr_opp_floor_due(&R, &s), FLOOR_DUE_RULES[_i].want);
}
END_TEST

static const struct {
    const char *name;
    enum lr_segment queue;
    bool named;
    int64_t acv_cents;
    bool want;
} FIRST_BELOW_FLOOR[] = {
    {"mid_market, acv 49,999.99", MM, false, 4999999, true},
    {"mid_market, acv 50,000.00", MM, false, 5000000, false},
    {"mid_market, named, acv 49,999.99", MM, true, 4999999, false},
    {"mid_market, acv unknown", MM, false, NONE, false},
    {"strategic, acv 1.00", ST, false, 100, false},
    {"smb, acv 1.00", SMB, false, 100, false},
    {"review, acv 1.00", REVIEW, false, 100, false},
};

START_TEST(test_first_below_floor)
{
    ROW_EQ(FIRST_BELOW_FLOOR[_i].name,
           lr_opp_first_below_floor(&R, FIRST_BELOW_FLOOR[_i].queue, FIRST_BELOW_FLOOR[_i].named,
                                    opt(FIRST_BELOW_FLOOR[_i].acv_cents)),
           FIRST_BELOW_FLOOR[_i].want);
}
END_TEST

/* ------------------------------------------------------------------------- flap */

/* The stored deal (before) and the deal with the event applied (after), both open and
 * owned in their queue; the moves made so far and whether a review item is open. */
struct move_row {
    const char *name;
    struct {
        enum lr_segment queue;
        int64_t acv_cents, employees;
    } before, after;
    int64_t auto_moves;
    bool open_review;
    enum lr_opp_move want;
};

static const struct move_row FIRST_MOVES[] = {
    {"smb deal grows to 50,000.00",
     {SMB, USD(10000), 10},
     {SMB, USD(50000), 10},
     0,
     false,
     LR_OPP_MOVE_HANDOFF},
    /* A deal already over the line (created from an smb lead) moves on its next update. */
    {"smb deal already at 50,000.00",
     {SMB, USD(50000), 10},
     {SMB, USD(50000), 10},
     0,
     false,
     LR_OPP_MOVE_HANDOFF},
    {"mid_market deal drops to 49,999.00",
     {MM, USD(60000), 200},
     {MM, USD(49999), 200},
     0,
     false,
     LR_OPP_MOVE_FLOOR},
    {"mid_market deal drops to 50,000.00",
     {MM, USD(60000), 200},
     {MM, USD(50000), 200},
     0,
     false,
     LR_OPP_MOVE_NONE},
};

static const struct move_row SECOND_CROSSINGS[] = {
    /* Moved to smb by the floor once; growing again asks a human. */
    {"after one move, smb deal grows to 50,000.00",
     {SMB, USD(40000), 10},
     {SMB, USD(50000), 10},
     1,
     false,
     LR_OPP_MOVE_FLAP},
    {"after two moves, smb deal grows to 50,000.00",
     {SMB, USD(40000), 10},
     {SMB, USD(50000), 10},
     2,
     false,
     LR_OPP_MOVE_FLAP},
    /* Already over the line: no new item on every update. */
    {"after one move, already at 50,000.00",
     {SMB, USD(50000), 10},
     {SMB, USD(50000), 10},
     1,
     false,
     LR_OPP_MOVE_NONE},
    /* An item is already open. */
    {"after one move, grows with a review item open",
     {SMB, USD(40000), 10},
     {SMB, USD(50000), 10},
     1,
     true,
     LR_OPP_MOVE_NONE},
    /* Just under the line: no crossing at all. */
    {"after one move, grows to 49,999.99 and 50 people",
     {SMB, USD(40000), 10},
     {SMB, 4999999, 50},
     1,
     false,
     LR_OPP_MOVE_NONE},
    /* A floor crossing after a move flaps too. */
    {"after one move, mid_market deal drops to 49,999.00",
     {MM, USD(60000), 200},
     {MM, USD(49999), 200},
     1,
     false,
     LR_OPP_MOVE_FLAP},
};

static void check_move_row(const struct move_row *row)
{
    struct lr_opp_snapshot before =
        snap(row->before.queue, row->before.acv_cents, row->before.employees);
    struct lr_opp_snapshot after =
        snap(row->after.queue, row->after.acv_cents, row->after.employees);
    ROW_EQ(row->name, lr_opp_automatic(&R, &before, &after, row->auto_moves, row->open_review),
           row->want);
}

START_TEST(test_first_move_is_taken)
{
    check_move_row(&FIRST_MOVES[_i]);
}
END_TEST

START_TEST(test_second_crossing_flaps)
{
    check_move_row(&SECOND_CROSSINGS[_i]);
}
END_TEST

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

/* ---------------------------------------------------------------- the decision */

static const struct {
    const char *stage; /* NULL: the event has none */
    enum lr_opp_close want;
} STAGES[] = {
    {NULL, LR_OPP_OPEN},          {"negotiation", LR_OPP_OPEN}, {"closed_won", LR_OPP_WON},
    {"closed_lost", LR_OPP_LOST}, {"Closed_Won", LR_OPP_OPEN},
};

START_TEST(test_stage_close)
{
    const char *name = STAGES[_i].stage != NULL ? STAGES[_i].stage : "(none)";
    ROW_EQ(name, lr_opp_stage_close(STAGES[_i].stage), STAGES[_i].want);
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

Suite *opportunity_suite(void)
{
    Suite *s = suite_create("opportunity");
    TCase *tc = tcase_create("handoff");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_loop_test(tc, test_handoff_due, 0, ROWS(HANDOFF_DUE));
    tcase_add_loop_test(tc, test_handoff_thresholds_come_from_rules, 0, ROWS(HANDOFF_DUE_RULES));
    tcase_add_loop_test(tc, test_handoff_target, 0, ROWS(HANDOFF_TARGETS));
    suite_add_tcase(s, tc);

    tc = tcase_create("floor");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_loop_test(tc, test_floor_due, 0, ROWS(FLOOR_DUE));
    tcase_add_loop_test(tc, test_floor_from_rules, 0, ROWS(FLOOR_DUE_RULES));
    tcase_add_loop_test(tc, test_first_below_floor, 0, ROWS(FIRST_BELOW_FLOOR));
    suite_add_tcase(s, tc);

    tc = tcase_create("flap");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_loop_test(tc, test_first_move_is_taken, 0, ROWS(FIRST_MOVES));
    tcase_add_loop_test(tc, test_second_crossing_flaps, 0, ROWS(SECOND_CROSSINGS));
    suite_add_tcase(s, tc);

    tc = tcase_create("credit");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_loop_test(tc, test_finder_credit, 0, ROWS(CREDITS));
    suite_add_tcase(s, tc);

    tc = tcase_create("decision");
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
