/* routing/lead.c with the default rules bands (SPEC 2.2-2.7). Each rule's cases are the
 * rows of a table; a loop test runs one row at a time and names it in any failure. */
#include <stdint.h>
#include <string.h>

#include "api/event_input.h"
#include "routing/lead.h"
#include "routing/rules.h"
#include "fixtures.h"
#include "suites.h"

#define SMB LR_SEG_SMB
#define MM LR_SEG_MID_MARKET
#define ST LR_SEG_STRATEGIC
#define REVIEW LR_SEG_REVIEW

/* clang-format off */
/* A decision by the composite alone, into a rep queue (no account row, not named); the
 * rest are the three signals. */
#define COMPOSITE(seg, ...) \
    DECISION((seg), LR_REASON_COMPOSITE, (seg), LR_ASSIGN_ROUND_ROBIN, "", false, "", false, \
             __VA_ARGS__)

/* To review by the composite (no account row, not named). */
#define TO_REVIEW(why, ...) \
    DECISION(REVIEW, (why), REVIEW, LR_ASSIGN_NONE, "", false, "", false, __VA_ARGS__)
/* clang-format on */

/* One lead: the event's values (NONE: absent), the account and named entry when given;
 * no_active_rep: the round robin then finds nobody active in the queue. */
struct lead_row {
    const char *name;
    int64_t employees, acv_cents, fit;
    struct account_in account;
    struct named_in named;
    bool no_active_rep;
    struct want_decision want;
};

static void route_row(const struct lead_row *row, struct lr_decision *d)
{
    struct lr_lead_facts f = {opt(row->employees), opt(row->acv_cents), opt(row->fit)};
    struct lr_account_facts a;
    struct lr_named_facts n;
    lr_route_lead(&R, &f, account_facts(&row->account, &a), named_facts(&row->named, &n), d);
    if (row->no_active_rep)
        lr_decision_no_active_rep(d);
}

static void check_lead_row(const struct lead_row *row)
{
    struct lr_decision d;
    route_row(row, &d);
    check_decision(row->name, &d, &row->want);
}

/* --- bands (SPEC 2.2) --------------------------------------------------------- */

static const struct {
    const char *name;
    enum lr_signal_kind kind;
    int64_t value;
    enum lr_segment want;
} EDGES[] = {
    {"employees 0", LR_SIG_EMPLOYEES, 0, SMB},
    {"employees 50, smb top", LR_SIG_EMPLOYEES, 50, SMB},
    {"employees 51, mid_market bottom", LR_SIG_EMPLOYEES, 51, MM},
    {"employees 1000, mid_market top", LR_SIG_EMPLOYEES, 1000, MM},
    {"employees 1001, strategic bottom", LR_SIG_EMPLOYEES, 1001, ST},
    {"employees 10000000", LR_SIG_EMPLOYEES, 10000000, ST},
    {"acv 0", LR_SIG_ACV, 0, SMB},
    {"acv 49,999.99, smb top", LR_SIG_ACV, 4999999, SMB},
    {"acv 50,000.00, mid_market bottom", LR_SIG_ACV, 5000000, MM},
    {"acv 499,999.99, mid_market top", LR_SIG_ACV, 49999999, MM},
    {"acv 500,000.00, strategic bottom", LR_SIG_ACV, 50000000, ST},
    {"acv 999,999,999,999.99, the largest amount", LR_SIG_ACV, 99999999999999, ST},
    {"fit 0", LR_SIG_FIT, 0, SMB},
    {"fit 39, smb top", LR_SIG_FIT, 39, SMB},
    {"fit 40, mid_market bottom", LR_SIG_FIT, 40, MM},
    {"fit 79, mid_market top", LR_SIG_FIT, 79, MM},
    {"fit 80, strategic bottom", LR_SIG_FIT, 80, ST},
    {"fit 100", LR_SIG_FIT, 100, ST},
};

START_TEST(test_band_vote_edges)
{
    ROW_EQ(EDGES[_i].name, lr_band_vote(&R, EDGES[_i].kind, EDGES[_i].value), EDGES[_i].want);
}
END_TEST

/* The same edge as the only signal of a lead: recorded, voting, but one signal alone
 * is insufficient; then as all three signals' vote (three agreeing). */
START_TEST(test_band_edges_in_decision)
{
    const char *name = EDGES[_i].name;
    enum lr_signal_kind kind = EDGES[_i].kind;
    enum lr_segment want = EDGES[_i].want;
    struct lead_row row = {name, NONE, NONE, NONE};
    int64_t *v[LR_SIGNAL_COUNT] = {&row.employees, &row.acv_cents, &row.fit};
    *v[kind] = EDGES[_i].value;
    struct want_decision alone =
        TO_REVIEW(LR_REASON_INSUFFICIENT_DATA, SIG_MISSING, SIG_MISSING, SIG_MISSING);
    alone.signals[kind] = (struct want_signal)SIG_EVENT(EDGES[_i].value, want);
    row.want = alone;
    check_lead_row(&row);

    /* Two more signals that agree with the edge's band make it the composite. */
    static const int64_t agree[3][LR_SIGNAL_COUNT] = {
        {10, 100000, 10},      /* smb */
        {500, 10000000, 60},   /* mid_market */
        {5000, 100000000, 90}, /* strategic */
    };
    struct want_decision agreed = COMPOSITE(want, SIG_MISSING, SIG_MISSING, SIG_MISSING);
    for (int k = 0; k < LR_SIGNAL_COUNT; k++) {
        if (k != (int)kind)
            *v[k] = agree[want][k];
        agreed.signals[k] = (struct want_signal)SIG_EVENT(*v[k], want);
    }
    row.want = agreed;
    check_lead_row(&row);
}
END_TEST

/* --- two of three (SPEC 2.4) --------------------------------------------------- */

/* In band, per segment: smb 12 people, 25,000.00, fit 20; mid_market 300, 200,000.00,
 * 55; strategic 4000, 900,000.00, 95. */

/* Two signals agree, the third is missing; then present and outvoted (the next segment's
 * value), which does not change the outcome. */
static const struct lead_row TWO_AGREEING[] = {
    {"smb, employees missing", NONE, 2500000, 20,
     .want = COMPOSITE(SMB, SIG_MISSING, SIG_EVENT(2500000, SMB), SIG_EVENT(20, SMB))},
    {"smb, employees mid_market outvoted", 300, 2500000, 20,
     .want = COMPOSITE(SMB, SIG_EVENT(300, MM), SIG_EVENT(2500000, SMB), SIG_EVENT(20, SMB))},
    {"smb, acv missing", 12, NONE, 20,
     .want = COMPOSITE(SMB, SIG_EVENT(12, SMB), SIG_MISSING, SIG_EVENT(20, SMB))},
    {"smb, acv mid_market outvoted", 12, 20000000, 20,
     .want = COMPOSITE(SMB, SIG_EVENT(12, SMB), SIG_EVENT(20000000, MM), SIG_EVENT(20, SMB))},
    {"smb, fit missing", 12, 2500000, NONE,
     .want = COMPOSITE(SMB, SIG_EVENT(12, SMB), SIG_EVENT(2500000, SMB), SIG_MISSING)},
    {"smb, fit mid_market outvoted", 12, 2500000, 55,
     .want = COMPOSITE(SMB, SIG_EVENT(12, SMB), SIG_EVENT(2500000, SMB), SIG_EVENT(55, MM))},
    {"mid_market, employees missing", NONE, 20000000, 55,
     .want = COMPOSITE(MM, SIG_MISSING, SIG_EVENT(20000000, MM), SIG_EVENT(55, MM))},
    {"mid_market, employees strategic outvoted", 4000, 20000000, 55,
     .want = COMPOSITE(MM, SIG_EVENT(4000, ST), SIG_EVENT(20000000, MM), SIG_EVENT(55, MM))},
    {"mid_market, acv missing", 300, NONE, 55,
     .want = COMPOSITE(MM, SIG_EVENT(300, MM), SIG_MISSING, SIG_EVENT(55, MM))},
    {"mid_market, acv strategic outvoted", 300, 90000000, 55,
     .want = COMPOSITE(MM, SIG_EVENT(300, MM), SIG_EVENT(90000000, ST), SIG_EVENT(55, MM))},
    {"mid_market, fit missing", 300, 20000000, NONE,
     .want = COMPOSITE(MM, SIG_EVENT(300, MM), SIG_EVENT(20000000, MM), SIG_MISSING)},
    {"mid_market, fit strategic outvoted", 300, 20000000, 95,
     .want = COMPOSITE(MM, SIG_EVENT(300, MM), SIG_EVENT(20000000, MM), SIG_EVENT(95, ST))},
    {"strategic, employees missing", NONE, 90000000, 95,
     .want = COMPOSITE(ST, SIG_MISSING, SIG_EVENT(90000000, ST), SIG_EVENT(95, ST))},
    {"strategic, employees smb outvoted", 12, 90000000, 95,
     .want = COMPOSITE(ST, SIG_EVENT(12, SMB), SIG_EVENT(90000000, ST), SIG_EVENT(95, ST))},
    {"strategic, acv missing", 4000, NONE, 95,
     .want = COMPOSITE(ST, SIG_EVENT(4000, ST), SIG_MISSING, SIG_EVENT(95, ST))},
    {"strategic, acv smb outvoted", 4000, 2500000, 95,
     .want = COMPOSITE(ST, SIG_EVENT(4000, ST), SIG_EVENT(2500000, SMB), SIG_EVENT(95, ST))},
    {"strategic, fit missing", 4000, 90000000, NONE,
     .want = COMPOSITE(ST, SIG_EVENT(4000, ST), SIG_EVENT(90000000, ST), SIG_MISSING)},
    {"strategic, fit smb outvoted", 4000, 90000000, 20,
     .want = COMPOSITE(ST, SIG_EVENT(4000, ST), SIG_EVENT(90000000, ST), SIG_EVENT(20, SMB))},
};

static const struct lead_row THREE_AGREEING[] = {
    {"smb", 12, 2500000, 20,
     .want = COMPOSITE(SMB, SIG_EVENT(12, SMB), SIG_EVENT(2500000, SMB), SIG_EVENT(20, SMB))},
    {"mid_market", 300, 20000000, 55,
     .want = COMPOSITE(MM, SIG_EVENT(300, MM), SIG_EVENT(20000000, MM), SIG_EVENT(55, MM))},
    {"strategic", 4000, 90000000, 95,
     .want = COMPOSITE(ST, SIG_EVENT(4000, ST), SIG_EVENT(90000000, ST), SIG_EVENT(95, ST))},
};

/* Three different votes, in each arrangement; then two present and disagreeing. */
static const struct lead_row CONFLICTS[] = {
    {"smb, mid_market, strategic", 12, 20000000, 95,
     .want = TO_REVIEW(LR_REASON_CONFLICT, SIG_EVENT(12, SMB), SIG_EVENT(20000000, MM),
                       SIG_EVENT(95, ST))},
    {"strategic, smb, mid_market", 4000, 2500000, 55,
     .want = TO_REVIEW(LR_REASON_CONFLICT, SIG_EVENT(4000, ST), SIG_EVENT(2500000, SMB),
                       SIG_EVENT(55, MM))},
    {"mid_market, strategic, smb", 300, 90000000, 20,
     .want = TO_REVIEW(LR_REASON_CONFLICT, SIG_EVENT(300, MM), SIG_EVENT(90000000, ST),
                       SIG_EVENT(20, SMB))},
    {"smb, strategic, no fit", 12, 90000000, NONE,
     .want =
         TO_REVIEW(LR_REASON_CONFLICT, SIG_EVENT(12, SMB), SIG_EVENT(90000000, ST), SIG_MISSING)},
    {"no employees, mid_market, smb", NONE, 20000000, 20,
     .want =
         TO_REVIEW(LR_REASON_CONFLICT, SIG_MISSING, SIG_EVENT(20000000, MM), SIG_EVENT(20, SMB))},
    {"strategic, no acv, mid_market", 4000, NONE, 55,
     .want = TO_REVIEW(LR_REASON_CONFLICT, SIG_EVENT(4000, ST), SIG_MISSING, SIG_EVENT(55, MM))},
};

static const struct lead_row INSUFFICIENT[] = {
    {"no signal", NONE, NONE, NONE,
     .want = TO_REVIEW(LR_REASON_INSUFFICIENT_DATA, SIG_MISSING, SIG_MISSING, SIG_MISSING)},
    {"employees 5000 only", 5000, NONE, NONE,
     .want = TO_REVIEW(LR_REASON_INSUFFICIENT_DATA, SIG_EVENT(5000, ST), SIG_MISSING, SIG_MISSING)},
    {"acv 0 only", NONE, 0, NONE,
     .want = TO_REVIEW(LR_REASON_INSUFFICIENT_DATA, SIG_MISSING, SIG_EVENT(0, SMB), SIG_MISSING)},
    {"fit 100 only", NONE, NONE, 100,
     .want = TO_REVIEW(LR_REASON_INSUFFICIENT_DATA, SIG_MISSING, SIG_MISSING, SIG_EVENT(100, ST))},
};

START_TEST(test_two_agreeing_signals)
{
    check_lead_row(&TWO_AGREEING[_i]);
}
END_TEST

START_TEST(test_three_agreeing_signals)
{
    check_lead_row(&THREE_AGREEING[_i]);
}
END_TEST

START_TEST(test_conflict)
{
    check_lead_row(&CONFLICTS[_i]);
}
END_TEST

START_TEST(test_insufficient_data)
{
    check_lead_row(&INSUFFICIENT[_i]);
}
END_TEST

/* lr_composite on its own, over the merged signals of the event's values. */
static const struct {
    const char *name;
    int64_t employees, acv_cents, fit;
    enum lr_segment want;
    enum lr_reason why;
} COMPOSITES[] = {
    {"employees and fit mid_market", 60, NONE, 45, MM, LR_REASON_COMPOSITE},
    {"employees mid_market, fit smb", 60, NONE, 5, REVIEW, LR_REASON_CONFLICT},
    {"fit alone", NONE, NONE, 5, REVIEW, LR_REASON_INSUFFICIENT_DATA},
};

START_TEST(test_composite_function)
{
    struct lr_signal s[LR_SIGNAL_COUNT];
    struct lr_lead_facts f = {opt(COMPOSITES[_i].employees), opt(COMPOSITES[_i].acv_cents),
                              opt(COMPOSITES[_i].fit)};
    lr_merge_signals(&R, &f, NULL, s);
    enum lr_reason why = LR_REASON_COUNT_;
    ROW_EQ(COMPOSITES[_i].name, lr_composite(s, &why), COMPOSITES[_i].want);
    ROW_EQ(COMPOSITES[_i].name, why, COMPOSITES[_i].why);
}
END_TEST

/* --- enrichment (SPEC 2.3) ------------------------------------------------------ */

static const struct lead_row ENRICHMENT[] = {
    /* The form says SMB on every signal; the vendor says strategic on every signal. */
    {"enrichment beats the event", 10, 100000, 10, .account = ACCOUNT(2000, 60000000, 90),
     .want = DECISION(ST, LR_REASON_COMPOSITE, ST, LR_ASSIGN_ROUND_ROBIN, "", false, "", true,
                      SIG_ENRICHED(2000, ST), SIG_ENRICHED(60000000, ST), SIG_ENRICHED(90, ST))},
    /* Account has employees only; the event has employees and ACV; nobody has fit. */
    {"account employees, event acv, no fit", 10, 6000000, NONE, .account = ACCOUNT(120, NONE, NONE),
     .want = DECISION(MM, LR_REASON_COMPOSITE, MM, LR_ASSIGN_ROUND_ROBIN, "", false, "", true,
                      SIG_ENRICHED(120, MM), SIG_EVENT(6000000, MM), SIG_MISSING)},
    /* Enrichment supplies a signal the event lacks. */
    {"account acv, event fit, no employees", NONE, NONE, 85,
     .account = ACCOUNT(NONE, 70000000, NONE),
     .want = DECISION(ST, LR_REASON_COMPOSITE, ST, LR_ASSIGN_ROUND_ROBIN, "", false, "", true,
                      SIG_MISSING, SIG_ENRICHED(70000000, ST), SIG_EVENT(85, ST))},
    /* An enrichment zero is a value, not a missing one. */
    {"account employees 0 over event 5000", 5000, NONE, NONE, .account = ACCOUNT(0, NONE, NONE),
     .want = DECISION(REVIEW, LR_REASON_INSUFFICIENT_DATA, REVIEW, LR_ASSIGN_NONE, "", false, "",
                      true, SIG_ENRICHED(0, SMB), SIG_MISSING, SIG_MISSING)},
    /* Values left behind in a row not found must not leak in. */
    {"account not found is ignored", 10, NONE, 10, .account = ACCOUNT_NOT_FOUND(2000, 60000000, 90),
     .want = COMPOSITE(SMB, SIG_EVENT(10, SMB), SIG_MISSING, SIG_EVENT(10, SMB))},
};

START_TEST(test_enrichment)
{
    check_lead_row(&ENRICHMENT[_i]);
}
END_TEST

/* --- named accounts (SPEC 2.5) -------------------------------------------------- */

static const struct lead_row NAMED_ACCOUNTS[] = {
    /* The composite is kept, to count what SMB gave up. */
    {"active owner over an smb composite", 10, 100000, 10, .named = NAMED("rep-mm-1", MM, true),
     .want = DECISION(MM, LR_REASON_NAMED_ACCOUNT, SMB, LR_ASSIGN_REP, "rep-mm-1", true, "rep-mm-1",
                      false, SIG_EVENT(10, SMB), SIG_EVENT(100000, SMB), SIG_EVENT(10, SMB))},
    {"active owner over a conflict", 10, 20000000, 95, .named = NAMED("rep-st-9", ST, true),
     .want =
         DECISION(ST, LR_REASON_NAMED_ACCOUNT, REVIEW, LR_ASSIGN_REP, "rep-st-9", true, "rep-st-9",
                  false, SIG_EVENT(10, SMB), SIG_EVENT(20000000, MM), SIG_EVENT(95, ST))},
    {"active owner over insufficient data", NONE, NONE, NONE, .named = NAMED("rep-st-9", ST, true),
     .want = DECISION(ST, LR_REASON_NAMED_ACCOUNT, REVIEW, LR_ASSIGN_REP, "rep-st-9", true,
                      "rep-st-9", false, SIG_MISSING, SIG_MISSING, SIG_MISSING)},
    {"inactive owner: the owner's queue in turn", 10, 100000, 10,
     .account = ACCOUNT(20, NONE, NONE), .named = NAMED("rep-st-2", ST, false),
     .want = DECISION(ST, LR_REASON_NAMED_OWNER_INACTIVE, SMB, LR_ASSIGN_ROUND_ROBIN, "", true,
                      "rep-st-2", true, SIG_ENRICHED(20, SMB), SIG_EVENT(100000, SMB),
                      SIG_EVENT(10, SMB))},
    {"smb owner is ignored", 300, 20000000, NONE, .named = NAMED("rep-smb-1", SMB, true),
     .want = COMPOSITE(MM, SIG_EVENT(300, MM), SIG_EVENT(20000000, MM), SIG_MISSING)},
    /* Not found: ignored whatever else it says. */
    {"entry not found is ignored", 300, 20000000, NONE,
     .named = NAMED_NOT_FOUND("rep-mm-1", MM, true),
     .want = COMPOSITE(MM, SIG_EVENT(300, MM), SIG_EVENT(20000000, MM), SIG_MISSING)},
};

START_TEST(test_named)
{
    check_lead_row(&NAMED_ACCOUNTS[_i]);
}
END_TEST

START_TEST(test_named_owner_id_at_max_length)
{
    char id[LR_ID_MAX + 1];
    memset(id, 'r', LR_ID_MAX);
    id[LR_ID_MAX] = '\0';
    struct lr_named_facts n;
    memset(&n, 0, sizeof n);
    n.found = true;
    strcpy(n.owner_id, id);
    n.owner_segment = LR_SEG_MID_MARKET;
    n.owner_active = true;
    struct lr_lead_facts f = {opt(NONE), opt(NONE), opt(NONE)};
    struct lr_decision d;
    lr_route_lead(&R, &f, NULL, &n, &d);
    ck_assert_str_eq(d.rep_id, id);
    ck_assert_str_eq(d.named_owner, id);
}
END_TEST

/* The round robin then finds nobody active in the queue: review, composite kept. */
static const struct lead_row NO_ACTIVE_REP[] = {
    {"composite mid_market", 300, 20000000, 55, .no_active_rep = true,
     .want = DECISION(REVIEW, LR_REASON_NO_ACTIVE_REP, MM, LR_ASSIGN_NONE, "", false, "", false,
                      SIG_EVENT(300, MM), SIG_EVENT(20000000, MM), SIG_EVENT(55, MM))},
    /* An inactive named owner whose segment has nobody active ends up the same way. */
    {"inactive named owner", 10, NONE, 10, .named = NAMED("rep-st-2", ST, false),
     .no_active_rep = true,
     .want = DECISION(REVIEW, LR_REASON_NO_ACTIVE_REP, SMB, LR_ASSIGN_NONE, "", true, "rep-st-2",
                      false, SIG_EVENT(10, SMB), SIG_MISSING, SIG_EVENT(10, SMB))},
};

START_TEST(test_no_active_rep)
{
    check_lead_row(&NO_ACTIVE_REP[_i]);
}
END_TEST

/* --- source-agnostic and deterministic (SPEC 2.7) ------------------------------- */

START_TEST(test_equal_facts_equal_decisions)
{
    static const struct lead_row row = {"",
                                        120,
                                        6000000,
                                        72,
                                        .account = ACCOUNT(NONE, NONE, 30),
                                        .named = NAMED("rep-mm-1", MM, false)};
    struct lr_decision d1, d2;
    memset(&d2, 0xAB, sizeof d2);
    route_row(&row, &d1);
    route_row(&row, &d2);
    ck_assert_mem_eq(&d1, &d2, sizeof d1);
}
END_TEST

static void decide_event(const char *body, struct lr_decision *d)
{
    struct lr_event ev;
    json_t *errors = json_array();
    char detail[256];
    ck_assert_int_eq(lr_event_parse(body, strlen(body), &ev, errors, detail, sizeof detail), 0);
    struct lr_lead_facts f = {ev.employees, ev.acv_cents, ev.fit};
    lr_route_lead(&R, &f, NULL, NULL, d);
    lr_event_free(&ev);
    json_decref(errors);
}

/* The lead facts carry no source, campaign, SDR or owner: two events that differ only in
 * those fields give the same facts, hence the same decision. */
START_TEST(test_source_fields_do_not_influence)
{
    const char *a = "{\"type\":\"lead.created\",\"timestamp\":\"2026-11-23T10:15:00Z\","
                    "\"data\":{\"id\":\"L1\",\"domain\":\"acme.io\",\"employee_count\":120,"
                    "\"expected_acv\":60000,\"fit_score\":72,\"source\":\"webinar\"}}";
    const char *b =
        "{\"type\":\"lead.created\",\"timestamp\":\"2026-11-23T10:15:00Z\","
        "\"data\":{\"id\":\"L1\",\"domain\":\"acme.io\",\"employee_count\":120,"
        "\"expected_acv\":60000,\"fit_score\":72,\"source\":\"partner\",\"campaign\":\"Q4-big\","
        "\"sdr\":\"sdr-7\",\"owner_id\":\"rep-st-1\",\"owner\":\"someone\"}}";
    struct lr_decision da, db;
    memset(&db, 0xCD, sizeof db);
    decide_event(a, &da);
    decide_event(b, &db);
    ck_assert_mem_eq(&da, &db, sizeof da);
    const struct want_decision want =
        COMPOSITE(MM, SIG_EVENT(120, MM), SIG_EVENT(6000000, MM), SIG_EVENT(72, MM));
    check_decision("webinar lead", &da, &want);
}
END_TEST

Suite *lead_suite(void)
{
    Suite *s = suite_create("routing/lead");
    TCase *tc = tcase_create("bands");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_loop_test(tc, test_band_vote_edges, 0, ROWS(EDGES));
    tcase_add_loop_test(tc, test_band_edges_in_decision, 0, ROWS(EDGES));
    suite_add_tcase(s, tc);

    tc = tcase_create("two_of_three");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_loop_test(tc, test_two_agreeing_signals, 0, ROWS(TWO_AGREEING));
    tcase_add_loop_test(tc, test_three_agreeing_signals, 0, ROWS(THREE_AGREEING));
    tcase_add_loop_test(tc, test_conflict, 0, ROWS(CONFLICTS));
    tcase_add_loop_test(tc, test_insufficient_data, 0, ROWS(INSUFFICIENT));
    tcase_add_loop_test(tc, test_composite_function, 0, ROWS(COMPOSITES));
    suite_add_tcase(s, tc);

    tc = tcase_create("enrichment");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_loop_test(tc, test_enrichment, 0, ROWS(ENRICHMENT));
    suite_add_tcase(s, tc);

    tc = tcase_create("named");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_loop_test(tc, test_named, 0, ROWS(NAMED_ACCOUNTS));
    tcase_add_test(tc, test_named_owner_id_at_max_length);
    tcase_add_loop_test(tc, test_no_active_rep, 0, ROWS(NO_ACTIVE_REP));
    suite_add_tcase(s, tc);

    tc = tcase_create("determinism");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_test(tc, test_equal_facts_equal_decisions);
    tcase_add_test(tc, test_source_fields_do_not_influence);
    suite_add_tcase(s, tc);
    return s;
}
