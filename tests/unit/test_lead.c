/* routing/lead.c with the default rules bands (SPEC 2.2-2.7). */
#include <stdint.h>
#include <string.h>

#include "api/event_input.h"
#include "routing/lead.h"
#include "routing/rules.h"
#include "fixtures.h"
#include "suites.h"

static struct lr_lead_facts facts(int64_t employees, int64_t acv_cents, int64_t fit)
{
    struct lr_lead_facts f = {opt(employees), opt(acv_cents), opt(fit)};
    return f;
}

static struct lr_account_facts account(int64_t employees, int64_t acv_cents, int64_t fit)
{
    struct lr_account_facts a = {true, opt(employees), opt(acv_cents), opt(fit)};
    return a;
}

static struct lr_named_facts named(const char *owner, enum lr_segment seg, bool active)
{
    struct lr_named_facts n;
    memset(&n, 0, sizeof n);
    n.found = true;
    strcpy(n.owner_id, owner);
    n.owner_segment = seg;
    n.owner_active = active;
    return n;
}

static void route(int64_t employees, int64_t acv_cents, int64_t fit, struct lr_decision *d)
{
    struct lr_lead_facts f = facts(employees, acv_cents, fit);
    lr_route_lead(&R, &f, NULL, NULL, d);
}

/* A decision by the composite alone, into a rep queue. */
static void assert_composite(const struct lr_decision *d, enum lr_segment seg)
{
    ck_assert_int_eq(d->queue, seg);
    ck_assert_int_eq(d->composite, seg);
    ck_assert_int_eq(d->reason, LR_REASON_COMPOSITE);
    ck_assert_int_eq(d->mode, LR_ASSIGN_ROUND_ROBIN);
    ck_assert_str_eq(d->rep_id, "");
    ck_assert(!d->named);
    ck_assert_str_eq(d->named_owner, "");
}

static void assert_review(const struct lr_decision *d, enum lr_reason why)
{
    ck_assert_int_eq(d->queue, LR_SEG_REVIEW);
    ck_assert_int_eq(d->composite, LR_SEG_REVIEW);
    ck_assert_int_eq(d->reason, why);
    ck_assert_int_eq(d->mode, LR_ASSIGN_NONE);
    ck_assert_str_eq(d->rep_id, "");
}

static void assert_signal(const struct lr_signal *s, bool present, int64_t value,
                          enum lr_source src, enum lr_segment vote)
{
    ck_assert_int_eq(s->present, present);
    ck_assert_int_eq(s->value, value);
    ck_assert_int_eq(s->source, src);
    ck_assert_int_eq(s->vote, vote);
}

/* --- bands (SPEC 2.2) --------------------------------------------------------- */

static const struct {
    enum lr_signal_kind kind;
    int64_t value;
    enum lr_segment want;
} EDGES[] = {
    {LR_SIG_EMPLOYEES, 0, LR_SEG_SMB},
    {LR_SIG_EMPLOYEES, 50, LR_SEG_SMB},
    {LR_SIG_EMPLOYEES, 51, LR_SEG_MID_MARKET},
    {LR_SIG_EMPLOYEES, 1000, LR_SEG_MID_MARKET},
    {LR_SIG_EMPLOYEES, 1001, LR_SEG_STRATEGIC},
    {LR_SIG_EMPLOYEES, 10000000, LR_SEG_STRATEGIC},
    {LR_SIG_ACV, 0, LR_SEG_SMB},
    {LR_SIG_ACV, 4999999, LR_SEG_SMB},
    {LR_SIG_ACV, 5000000, LR_SEG_MID_MARKET},
    {LR_SIG_ACV, 49999999, LR_SEG_MID_MARKET},
    {LR_SIG_ACV, 50000000, LR_SEG_STRATEGIC},
    {LR_SIG_ACV, 99999999999999, LR_SEG_STRATEGIC}, /* 999,999,999,999.99 USD */
    {LR_SIG_FIT, 0, LR_SEG_SMB},
    {LR_SIG_FIT, 39, LR_SEG_SMB},
    {LR_SIG_FIT, 40, LR_SEG_MID_MARKET},
    {LR_SIG_FIT, 79, LR_SEG_MID_MARKET},
    {LR_SIG_FIT, 80, LR_SEG_STRATEGIC},
    {LR_SIG_FIT, 100, LR_SEG_STRATEGIC},
};
#define N_EDGES (sizeof EDGES / sizeof *EDGES)

START_TEST(test_band_vote_edges)
{
    for (size_t i = 0; i < N_EDGES; i++) {
        ck_assert_int_eq(lr_band_vote(&R, EDGES[i].kind, EDGES[i].value), EDGES[i].want);
    }
}
END_TEST

/* The same edge as the only signal of a lead: recorded, voting, but one signal alone
 * is insufficient; then as all three signals' vote (three agreeing). */
START_TEST(test_band_edges_in_decision)
{
    for (size_t i = 0; i < N_EDGES; i++) {
        int64_t v[LR_SIGNAL_COUNT] = {NONE, NONE, NONE};
        v[EDGES[i].kind] = EDGES[i].value;
        struct lr_decision d;
        route(v[LR_SIG_EMPLOYEES], v[LR_SIG_ACV], v[LR_SIG_FIT], &d);
        assert_signal(&d.signals[EDGES[i].kind], true, EDGES[i].value, LR_SRC_EVENT, EDGES[i].want);
        assert_review(&d, LR_REASON_INSUFFICIENT_DATA);

        /* Two more signals that agree with the edge's band make it the composite. */
        static const int64_t agree[3][LR_SIGNAL_COUNT] = {
            {10, 100000, 10},      /* smb */
            {500, 10000000, 60},   /* mid_market */
            {5000, 100000000, 90}, /* strategic */
        };
        for (int k = 0; k < LR_SIGNAL_COUNT; k++)
            if (k != (int)EDGES[i].kind)
                v[k] = agree[EDGES[i].want][k];
        route(v[LR_SIG_EMPLOYEES], v[LR_SIG_ACV], v[LR_SIG_FIT], &d);
        assert_composite(&d, EDGES[i].want);
        for (int k = 0; k < LR_SIGNAL_COUNT; k++)
            assert_signal(&d.signals[k], true, v[k], LR_SRC_EVENT, EDGES[i].want);
    }
}
END_TEST

/* --- two of three (SPEC 2.4) --------------------------------------------------- */

/* Per segment, a value of each signal inside its band. */
static const int64_t IN_BAND[3][LR_SIGNAL_COUNT] = {
    {12, 2500000, 20},    /* smb: 12 people, 25,000.00, fit 20 */
    {300, 20000000, 55},  /* mid_market */
    {4000, 90000000, 95}, /* strategic */
};

START_TEST(test_two_agreeing_signals)
{
    for (size_t i = 0; i < 9; i++) {
        enum lr_segment seg = (enum lr_segment)(i / 3);
        int missing = i % 3; /* the signal without a value */
        int64_t v[LR_SIGNAL_COUNT];
        for (int k = 0; k < LR_SIGNAL_COUNT; k++)
            v[k] = k == missing ? NONE : IN_BAND[seg][k];
        struct lr_decision d;
        route(v[0], v[1], v[2], &d);
        assert_composite(&d, seg);
        assert_signal(&d.signals[missing], false, 0, LR_SRC_MISSING, LR_SEG_NONE);

        /* The third signal present and voting elsewhere does not change the outcome. */
        v[missing] = IN_BAND[(seg + 1) % 3][missing];
        route(v[0], v[1], v[2], &d);
        assert_composite(&d, seg);
        ck_assert_int_eq(d.signals[missing].vote, (seg + 1) % 3);
    }
}
END_TEST

START_TEST(test_three_agreeing_signals)
{
    for (int seg = 0; seg < 3; seg++) {
        struct lr_decision d;
        route(IN_BAND[seg][0], IN_BAND[seg][1], IN_BAND[seg][2], &d);
        assert_composite(&d, (enum lr_segment)seg);
        for (int k = 0; k < LR_SIGNAL_COUNT; k++)
            assert_signal(&d.signals[k], true, IN_BAND[seg][k], LR_SRC_EVENT, (enum lr_segment)seg);
    }
}
END_TEST

START_TEST(test_conflict)
{
    struct lr_decision d;
    /* three different votes, in each arrangement */
    route(IN_BAND[0][0], IN_BAND[1][1], IN_BAND[2][2], &d);
    assert_review(&d, LR_REASON_CONFLICT);
    route(IN_BAND[2][0], IN_BAND[0][1], IN_BAND[1][2], &d);
    assert_review(&d, LR_REASON_CONFLICT);
    route(IN_BAND[1][0], IN_BAND[2][1], IN_BAND[0][2], &d);
    assert_review(&d, LR_REASON_CONFLICT);
    /* two present and disagreeing */
    route(IN_BAND[0][0], IN_BAND[2][1], NONE, &d);
    assert_review(&d, LR_REASON_CONFLICT);
    route(NONE, IN_BAND[1][1], IN_BAND[0][2], &d);
    assert_review(&d, LR_REASON_CONFLICT);
    route(IN_BAND[2][0], NONE, IN_BAND[1][2], &d);
    assert_review(&d, LR_REASON_CONFLICT);
    ck_assert_int_eq(d.signals[LR_SIG_ACV].vote, LR_SEG_NONE);
}
END_TEST

START_TEST(test_insufficient_data)
{
    struct lr_decision d;
    route(NONE, NONE, NONE, &d);
    assert_review(&d, LR_REASON_INSUFFICIENT_DATA);
    for (int k = 0; k < LR_SIGNAL_COUNT; k++)
        assert_signal(&d.signals[k], false, 0, LR_SRC_MISSING, LR_SEG_NONE);
    route(5000, NONE, NONE, &d);
    assert_review(&d, LR_REASON_INSUFFICIENT_DATA);
    route(NONE, 0, NONE, &d);
    assert_review(&d, LR_REASON_INSUFFICIENT_DATA);
    route(NONE, NONE, 100, &d);
    assert_review(&d, LR_REASON_INSUFFICIENT_DATA);
}
END_TEST

START_TEST(test_composite_function)
{
    struct lr_signal s[LR_SIGNAL_COUNT];
    struct lr_lead_facts f = facts(60, NONE, 45);
    lr_merge_signals(&R, &f, NULL, s);
    enum lr_reason why = LR_REASON_COUNT_;
    ck_assert_int_eq(lr_composite(s, &why), LR_SEG_MID_MARKET);
    ck_assert_int_eq(why, LR_REASON_COMPOSITE);
    f = facts(60, NONE, 5);
    lr_merge_signals(&R, &f, NULL, s);
    ck_assert_int_eq(lr_composite(s, &why), LR_SEG_REVIEW);
    ck_assert_int_eq(why, LR_REASON_CONFLICT);
    f = facts(NONE, NONE, 5);
    lr_merge_signals(&R, &f, NULL, s);
    ck_assert_int_eq(lr_composite(s, &why), LR_SEG_REVIEW);
    ck_assert_int_eq(why, LR_REASON_INSUFFICIENT_DATA);
}
END_TEST

/* --- enrichment (SPEC 2.3) ------------------------------------------------------ */

START_TEST(test_enrichment_beats_event)
{
    /* The form says SMB on every signal; the vendor says strategic on every signal. */
    struct lr_lead_facts f = facts(10, 100000, 10);
    struct lr_account_facts a = account(2000, 60000000, 90);
    struct lr_decision d;
    lr_route_lead(&R, &f, &a, NULL, &d);
    ck_assert(d.account_matched);
    assert_composite(&d, LR_SEG_STRATEGIC);
    assert_signal(&d.signals[LR_SIG_EMPLOYEES], true, 2000, LR_SRC_ENRICHMENT, LR_SEG_STRATEGIC);
    assert_signal(&d.signals[LR_SIG_ACV], true, 60000000, LR_SRC_ENRICHMENT, LR_SEG_STRATEGIC);
    assert_signal(&d.signals[LR_SIG_FIT], true, 90, LR_SRC_ENRICHMENT, LR_SEG_STRATEGIC);
}
END_TEST

START_TEST(test_enrichment_mixed_sources)
{
    /* Account has employees only; the event has employees and ACV; nobody has fit. */
    struct lr_lead_facts f = facts(10, 6000000, NONE);
    struct lr_account_facts a = account(120, NONE, NONE);
    struct lr_decision d;
    lr_route_lead(&R, &f, &a, NULL, &d);
    ck_assert(d.account_matched);
    assert_signal(&d.signals[LR_SIG_EMPLOYEES], true, 120, LR_SRC_ENRICHMENT, LR_SEG_MID_MARKET);
    assert_signal(&d.signals[LR_SIG_ACV], true, 6000000, LR_SRC_EVENT, LR_SEG_MID_MARKET);
    assert_signal(&d.signals[LR_SIG_FIT], false, 0, LR_SRC_MISSING, LR_SEG_NONE);
    assert_composite(&d, LR_SEG_MID_MARKET);

    /* Enrichment supplies a signal the event lacks. */
    f = facts(NONE, NONE, 85);
    a = account(NONE, 70000000, NONE);
    lr_route_lead(&R, &f, &a, NULL, &d);
    assert_signal(&d.signals[LR_SIG_EMPLOYEES], false, 0, LR_SRC_MISSING, LR_SEG_NONE);
    assert_signal(&d.signals[LR_SIG_ACV], true, 70000000, LR_SRC_ENRICHMENT, LR_SEG_STRATEGIC);
    assert_signal(&d.signals[LR_SIG_FIT], true, 85, LR_SRC_EVENT, LR_SEG_STRATEGIC);
    assert_composite(&d, LR_SEG_STRATEGIC);

    /* An enrichment zero is a value, not a missing one. */
    f = facts(5000, NONE, NONE);
    a = account(0, NONE, NONE);
    lr_route_lead(&R, &f, &a, NULL, &d);
    assert_signal(&d.signals[LR_SIG_EMPLOYEES], true, 0, LR_SRC_ENRICHMENT, LR_SEG_SMB);
}
END_TEST

START_TEST(test_account_not_found_is_ignored)
{
    struct lr_lead_facts f = facts(10, NONE, 10);
    struct lr_account_facts a = account(2000, 60000000, 90);
    a.found = false; /* values left behind must not leak in */
    struct lr_decision d;
    lr_route_lead(&R, &f, &a, NULL, &d);
    ck_assert(!d.account_matched);
    assert_signal(&d.signals[LR_SIG_EMPLOYEES], true, 10, LR_SRC_EVENT, LR_SEG_SMB);
    assert_signal(&d.signals[LR_SIG_ACV], false, 0, LR_SRC_MISSING, LR_SEG_NONE);
    assert_composite(&d, LR_SEG_SMB);
}
END_TEST

/* --- named accounts (SPEC 2.5) -------------------------------------------------- */

START_TEST(test_named_active_owner)
{
    struct lr_lead_facts f = facts(10, 100000, 10); /* composite smb */
    struct lr_named_facts n = named("rep-mm-1", LR_SEG_MID_MARKET, true);
    struct lr_decision d;
    lr_route_lead(&R, &f, NULL, &n, &d);
    ck_assert_int_eq(d.queue, LR_SEG_MID_MARKET);
    ck_assert_int_eq(d.reason, LR_REASON_NAMED_ACCOUNT);
    ck_assert_int_eq(d.mode, LR_ASSIGN_REP);
    ck_assert_str_eq(d.rep_id, "rep-mm-1");
    ck_assert(d.named);
    ck_assert_str_eq(d.named_owner, "rep-mm-1");
    ck_assert_int_eq(d.composite, LR_SEG_SMB); /* kept, to count what SMB gave up */
    assert_signal(&d.signals[LR_SIG_EMPLOYEES], true, 10, LR_SRC_EVENT, LR_SEG_SMB);
}
END_TEST

START_TEST(test_named_overrides_review)
{
    struct lr_named_facts n = named("rep-st-9", LR_SEG_STRATEGIC, true);
    struct lr_decision d;
    struct lr_lead_facts f = facts(10, 20000000, 95); /* conflict */
    lr_route_lead(&R, &f, NULL, &n, &d);
    ck_assert_int_eq(d.queue, LR_SEG_STRATEGIC);
    ck_assert_int_eq(d.reason, LR_REASON_NAMED_ACCOUNT);
    ck_assert_int_eq(d.mode, LR_ASSIGN_REP);
    ck_assert_str_eq(d.rep_id, "rep-st-9");
    ck_assert_int_eq(d.composite, LR_SEG_REVIEW);

    f = facts(NONE, NONE, NONE); /* insufficient data */
    lr_route_lead(&R, &f, NULL, &n, &d);
    ck_assert_int_eq(d.queue, LR_SEG_STRATEGIC);
    ck_assert_int_eq(d.reason, LR_REASON_NAMED_ACCOUNT);
    ck_assert_str_eq(d.rep_id, "rep-st-9");
    ck_assert_int_eq(d.composite, LR_SEG_REVIEW);
}
END_TEST

START_TEST(test_named_owner_inactive)
{
    struct lr_lead_facts f = facts(10, 100000, 10);
    struct lr_account_facts a = account(20, NONE, NONE);
    struct lr_named_facts n = named("rep-st-2", LR_SEG_STRATEGIC, false);
    struct lr_decision d;
    lr_route_lead(&R, &f, &a, &n, &d);
    ck_assert_int_eq(d.queue, LR_SEG_STRATEGIC);
    ck_assert_int_eq(d.reason, LR_REASON_NAMED_OWNER_INACTIVE);
    ck_assert_int_eq(d.mode, LR_ASSIGN_ROUND_ROBIN);
    ck_assert_str_eq(d.rep_id, "");
    ck_assert(d.named);
    ck_assert_str_eq(d.named_owner, "rep-st-2");
    ck_assert_int_eq(d.composite, LR_SEG_SMB);
    ck_assert(d.account_matched);
}
END_TEST

START_TEST(test_named_smb_owner_ignored)
{
    struct lr_lead_facts f = facts(300, 20000000, NONE); /* composite mid_market */
    struct lr_named_facts n = named("rep-smb-1", LR_SEG_SMB, true);
    struct lr_decision d;
    lr_route_lead(&R, &f, NULL, &n, &d);
    assert_composite(&d, LR_SEG_MID_MARKET);

    /* Not found: ignored whatever else it says. */
    n = named("rep-mm-1", LR_SEG_MID_MARKET, true);
    n.found = false;
    lr_route_lead(&R, &f, NULL, &n, &d);
    assert_composite(&d, LR_SEG_MID_MARKET);
}
END_TEST

START_TEST(test_named_owner_id_at_max_length)
{
    char id[LR_ID_MAX + 1];
    memset(id, 'r', LR_ID_MAX);
    id[LR_ID_MAX] = '\0';
    struct lr_named_facts n = named(id, LR_SEG_MID_MARKET, true);
    struct lr_lead_facts f = facts(NONE, NONE, NONE);
    struct lr_decision d;
    lr_route_lead(&R, &f, NULL, &n, &d);
    ck_assert_str_eq(d.rep_id, id);
    ck_assert_str_eq(d.named_owner, id);
}
END_TEST

START_TEST(test_no_active_rep)
{
    struct lr_decision d;
    route(300, 20000000, 55, &d);
    assert_composite(&d, LR_SEG_MID_MARKET);
    lr_decision_no_active_rep(&d);
    ck_assert_int_eq(d.queue, LR_SEG_REVIEW);
    ck_assert_int_eq(d.reason, LR_REASON_NO_ACTIVE_REP);
    ck_assert_int_eq(d.mode, LR_ASSIGN_NONE);
    ck_assert_str_eq(d.rep_id, "");
    ck_assert_int_eq(d.composite, LR_SEG_MID_MARKET);

    /* An inactive named owner whose segment has nobody active ends up the same way. */
    struct lr_named_facts n = named("rep-st-2", LR_SEG_STRATEGIC, false);
    struct lr_lead_facts f = facts(10, NONE, 10);
    lr_route_lead(&R, &f, NULL, &n, &d);
    lr_decision_no_active_rep(&d);
    ck_assert_int_eq(d.queue, LR_SEG_REVIEW);
    ck_assert_int_eq(d.reason, LR_REASON_NO_ACTIVE_REP);
    ck_assert_int_eq(d.composite, LR_SEG_SMB);
    ck_assert_str_eq(d.named_owner, "rep-st-2");
}
END_TEST

/* --- source-agnostic and deterministic (SPEC 2.7) ------------------------------- */

START_TEST(test_equal_facts_equal_decisions)
{
    struct lr_lead_facts f = facts(120, 6000000, 72);
    struct lr_account_facts a = account(NONE, NONE, 30);
    struct lr_named_facts n = named("rep-mm-1", LR_SEG_MID_MARKET, false);
    struct lr_decision d1, d2;
    memset(&d2, 0xAB, sizeof d2);
    lr_route_lead(&R, &f, &a, &n, &d1);
    lr_route_lead(&R, &f, &a, &n, &d2);
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
    assert_composite(&da, LR_SEG_MID_MARKET);
}
END_TEST

Suite *lead_suite(void)
{
    Suite *s = suite_create("routing/lead");
    TCase *tc = tcase_create("bands");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_test(tc, test_band_vote_edges);
    tcase_add_test(tc, test_band_edges_in_decision);
    suite_add_tcase(s, tc);

    tc = tcase_create("two_of_three");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_test(tc, test_two_agreeing_signals);
    tcase_add_test(tc, test_three_agreeing_signals);
    tcase_add_test(tc, test_conflict);
    tcase_add_test(tc, test_insufficient_data);
    tcase_add_test(tc, test_composite_function);
    suite_add_tcase(s, tc);

    tc = tcase_create("enrichment");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_test(tc, test_enrichment_beats_event);
    tcase_add_test(tc, test_enrichment_mixed_sources);
    tcase_add_test(tc, test_account_not_found_is_ignored);
    suite_add_tcase(s, tc);

    tc = tcase_create("named");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_test(tc, test_named_active_owner);
    tcase_add_test(tc, test_named_overrides_review);
    tcase_add_test(tc, test_named_owner_inactive);
    tcase_add_test(tc, test_named_smb_owner_ignored);
    tcase_add_test(tc, test_named_owner_id_at_max_length);
    tcase_add_test(tc, test_no_active_rep);
    suite_add_tcase(s, tc);

    tc = tcase_create("determinism");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_test(tc, test_equal_facts_equal_decisions);
    tcase_add_test(tc, test_source_fields_do_not_influence);
    suite_add_tcase(s, tc);
    return s;
}
