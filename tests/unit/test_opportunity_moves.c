/* routing/opportunity.c (SPEC 2.8): the moves a deal makes by itself, as pure functions:
 * the handoff trigger and its target queue, the pricing floor, and the flap guard on a
 * second crossing, each threshold at its edge. Each rule's cases are the rows of a table;
 * a loop test runs one row at a time and names it in any failure. */
#include <stdint.h>

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

Suite *opportunity_moves_suite(void)
{
    Suite *s = suite_create("opportunity/moves");
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
    return s;
}
