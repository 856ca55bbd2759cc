/* routing/crm.c (SPEC 3.5): CRM values as CRMs send them (numbers as strings, the three
 * timestamp formats, websites), the property lookup order, the mapping document's
 * defaults and validation; and SPEC 2.8's closing-stage lists and a deal's own values
 * as its signals (routing/rules.c, routing/opportunity.c). */
#include <stdlib.h>
#include <string.h>

#include "routing/crm.h"
#include "routing/opportunity.h"
#include "routing/rules.h"
#include "util/json.h"
#include "fixtures.h"
#include "suites.h"

/* ------------------------------------------------------------ strings to numbers */

static const struct {
    const char *in;
    int rc;
    bool present;
    int64_t v;
} INTS[] = {
    {"120", 0, true, 120},
    {" 120 ", 0, true, 120},
    {"120.0", 0, true, 120},
    {"0", 0, true, 0},
    {"", 0, false, 0},
    {"   ", 0, false, 0},
    {NULL, 0, false, 0},
    {"12O", -1, false, 0},
    {"120.5", -1, false, 0},
    {"-1", -1, false, 0},
    {"10000001", -1, false, 0},
    {"1e3", -1, false, 0},
    {"10000000", 0, true, 10000000},
};

START_TEST(test_int)
{
    struct lr_opt_i64 o;
    const char *name = INTS[_i].in ? INTS[_i].in : "(null)";
    ROW_EQ(name, lr_crm_int(INTS[_i].in, 0, 10000000, &o), INTS[_i].rc);
    if (INTS[_i].rc == 0) {
        ROW_EQ(name, o.present, INTS[_i].present);
        ROW_EQ(name, o.v, INTS[_i].v);
    }
}
END_TEST

static const struct {
    const char *in;
    int rc;
    bool present;
    int64_t cents;
} MONEY[] = {
    {"60000", 0, true, 6000000},
    {"60000.5", 0, true, 6000050},
    {" 60000.10 ", 0, true, 6000010},
    {"6e4", 0, true, 6000000},
    {"", 0, false, 0},
    {"60000.123", -1, false, 0},
    {"-5", -1, false, 0},
    {"$60,000", -1, false, 0},
    {"abc", -1, false, 0},
};

START_TEST(test_money)
{
    struct lr_opt_i64 o;
    ROW_EQ(MONEY[_i].in, lr_crm_money(MONEY[_i].in, &o), MONEY[_i].rc);
    if (MONEY[_i].rc == 0) {
        ROW_EQ(MONEY[_i].in, o.present, MONEY[_i].present);
        ROW_EQ(MONEY[_i].in, o.v, MONEY[_i].cents);
    }
}
END_TEST

/* ------------------------------------------------------------ timestamps */

#define T_2026_11_23_101500 1795428900000000LL /* 2026-11-23T10:15:00Z in microseconds */

static const struct {
    const char *in;
    int rc;
    bool present;
    int64_t usec;
} TIMES[] = {
    /* HubSpot: epoch milliseconds */
    {"1795428900000", 0, true, T_2026_11_23_101500},
    {"1795428900123", 0, true, T_2026_11_23_101500 + 123000},
    /* Salesforce: milliseconds and an offset without a colon */
    {"2026-11-23T10:15:00.000+0000", 0, true, T_2026_11_23_101500},
    {"2026-11-23T11:15:00.000+0100", 0, true, T_2026_11_23_101500},
    {"2026-11-23T05:45:00.000-0430", 0, true, T_2026_11_23_101500},
    /* Pipedrive: a space, no zone, UTC */
    {"2026-11-23 10:15:00", 0, true, T_2026_11_23_101500},
    /* RFC 3339 as POST /v1/events takes it */
    {"2026-11-23T10:15:00Z", 0, true, T_2026_11_23_101500},
    {"2026-11-23T10:15:00.000Z", 0, true, T_2026_11_23_101500},
    {"", 0, false, 0},
    {"2026-11-23", -1, false, 0},
    {"23/11/2026 10:15", -1, false, 0},
    {"2026-13-23 10:15:00", -1, false, 0},
    {"2026-11-23T10:15:00.000+00", -1, false, 0},
    {"9999999999999999", -1, false, 0},
};

START_TEST(test_timestamp)
{
    struct lr_opt_i64 o;
    ROW_EQ(TIMES[_i].in, lr_crm_timestamp(TIMES[_i].in, &o), TIMES[_i].rc);
    if (TIMES[_i].rc == 0) {
        ROW_EQ(TIMES[_i].in, o.present, TIMES[_i].present);
        ROW_EQ(TIMES[_i].in, o.v, TIMES[_i].usec);
    }
}
END_TEST

/* ------------------------------------------------------------ website to domain */

static const struct {
    const char *in, *want; /* want NULL: no domain */
} DOMAINS[] = {
    {"https://www.acme.io/about", "acme.io"},
    {"http://Acme.IO", "acme.io"},
    {"www.acme.io", "acme.io"},
    {"acme.io", "acme.io"},
    {" https://acme.io:8443/x?y=1#z ", "acme.io"},
    {"jane@acme.io", "acme.io"},
    {"https://user@acme.io/", "acme.io"},
    {"acme.io.", "acme.io"},
    {"", NULL},
    {"n/a", NULL},
    {"https://", NULL},
};

START_TEST(test_domain)
{
    char out[LR_DOMAIN_MAX + 1];
    bool ok = lr_crm_domain(DOMAINS[_i].in, out);
    ROW_EQ(DOMAINS[_i].in, ok, DOMAINS[_i].want != NULL);
    if (DOMAINS[_i].want != NULL)
        ck_assert_msg(strcmp(out, DOMAINS[_i].want) == 0, "[%s] domain %s, want %s", DOMAINS[_i].in,
                      out, DOMAINS[_i].want);
}
END_TEST

/* ------------------------------------------------------------ lookup order */

struct props {
    const char *const *kv; /* name, value, ... NULL */
};

static const char *get_prop(void *ctx, const char *name)
{
    const struct props *p = ctx;
    for (size_t i = 0; p->kv[i] != NULL; i += 2)
        if (strcmp(p->kv[i], name) == 0)
            return p->kv[i + 1];
    return NULL;
}

START_TEST(test_lookup_order)
{
    struct lr_crm_mapping m;
    lr_crm_mapping_defaults(LR_CRM_HUBSPOT, &m);
    const struct lr_crm_names *id = &m.f[LR_CRM_OBJ_LEAD][LR_CF_ID];
    const char *used;
    /* hs_object_id first, objectId next, vid last */
    static const char *const all[] = {"vid", "3", "objectId", "2", "hs_object_id", "1", NULL};
    struct props p = {all};
    ck_assert_str_eq(lr_crm_lookup(id, get_prop, &p, &used), "1");
    ck_assert_str_eq(used, "hs_object_id");
    /* an empty value is missing: the next name is tried */
    static const char *const empty_first[] = {"hs_object_id", "", "objectId", "2", NULL};
    p.kv = empty_first;
    ck_assert_str_eq(lr_crm_lookup(id, get_prop, &p, &used), "2");
    ck_assert_str_eq(used, "objectId");
    static const char *const only_vid[] = {"vid", "3", "email", "a@b.c", NULL};
    p.kv = only_vid;
    ck_assert_str_eq(lr_crm_lookup(id, get_prop, &p, &used), "3");
    ck_assert_str_eq(used, "vid");
    static const char *const none[] = {"email", "a@b.c", NULL};
    p.kv = none;
    ck_assert_ptr_null(lr_crm_lookup(id, get_prop, &p, &used));
    ck_assert_ptr_null(used);
}
END_TEST

/* ------------------------------------------------------------ the mapping document */

START_TEST(test_defaults_as_spec)
{
    struct lr_crm_mapping m;
    lr_crm_mapping_defaults(LR_CRM_SALESFORCE, &m);
    const struct lr_crm_names *acv = &m.f[LR_CRM_OBJ_LEAD][LR_CF_EXPECTED_ACV];
    ck_assert_uint_eq(acv->n, 1);
    ck_assert_str_eq(acv->name[0], "Expected_ACV__c");
    ck_assert_str_eq(m.f[LR_CRM_OBJ_DEAL][LR_CF_STAGE].name[0], "StageName");
    ck_assert_str_eq(m.f[LR_CRM_OBJ_DEAL][LR_CF_DOMAIN].name[0], "Account_Domain__c");
    lr_crm_mapping_defaults(LR_CRM_HUBSPOT, &m);
    ck_assert_uint_eq(m.f[LR_CRM_OBJ_LEAD][LR_CF_DOMAIN].n, 2);
    ck_assert_str_eq(m.f[LR_CRM_OBJ_LEAD][LR_CF_DOMAIN].name[1], "website");
    ck_assert_uint_eq(m.f[LR_CRM_OBJ_LEAD][LR_CF_STAGE].n, 0);
    lr_crm_mapping_defaults(LR_CRM_PIPEDRIVE, &m);
    ck_assert_str_eq(m.f[LR_CRM_OBJ_DEAL][LR_CF_STAGE].name[0], "status");
    ck_assert_str_eq(m.f[LR_CRM_OBJ_DEAL][LR_CF_ACV].name[0], "value");
}
END_TEST

START_TEST(test_document_round_trip)
{
    struct lr_crm_mapping m, back;
    lr_crm_mapping_defaults(LR_CRM_PIPEDRIVE, &m);
    json_t *doc = lr_crm_mapping_to_json(&m);
    json_t *errors = json_array();
    ck_assert_int_eq(lr_crm_mapping_from_json(LR_CRM_PIPEDRIVE, doc, &back, errors), 0);
    ck_assert_uint_eq(json_array_size(errors), 0);
    ck_assert_int_eq(memcmp(back.f, m.f, sizeof m.f), 0);
    json_decref(doc);
    json_decref(errors);
}
END_TEST

static const struct {
    const char *name, *doc, *field; /* field: the error it must name */
} BAD_DOCS[] = {
    {"unknown field",
     "{\"lead\":{\"id\":[\"Id\"],\"expected_avc\":[\"X\"]},\"opportunity\":{\"id\":[\"Id\"]}}",
     "lead.expected_avc"},
    {"stage on a lead",
     "{\"lead\":{\"id\":[\"Id\"],\"stage\":[\"S\"]},\"opportunity\":{\"id\":[\"Id\"]}}",
     "lead.stage"},
    {"no id", "{\"lead\":{\"email\":[\"Email\"]},\"opportunity\":{\"id\":[\"Id\"]}}", "lead.id"},
    {"object missing", "{\"lead\":{\"id\":[\"Id\"]}}", "opportunity"},
    {"unknown object", "{\"lead\":{\"id\":[\"Id\"]},\"opportunity\":{\"id\":[\"Id\"]},\"case\":{}}",
     "case"},
    {"empty list", "{\"lead\":{\"id\":[]},\"opportunity\":{\"id\":[\"Id\"]}}", "lead.id"},
    {"not a name", "{\"lead\":{\"id\":[\"Id\",7]},\"opportunity\":{\"id\":[\"Id\"]}}",
     "lead.id[1]"},
    {"twice", "{\"lead\":{\"id\":[\"Id\",\"Id\"]},\"opportunity\":{\"id\":[\"Id\"]}}",
     "lead.id[1]"},
};

START_TEST(test_bad_documents)
{
    json_t *doc = json_loads(BAD_DOCS[_i].doc, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    json_t *errors = json_array();
    struct lr_crm_mapping m;
    ROW_EQ(BAD_DOCS[_i].name, lr_crm_mapping_from_json(LR_CRM_SALESFORCE, doc, &m, errors), -1);
    bool named = false;
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
    {
        const char *f = json_string_value(json_object_get(e, "field"));
        named = named || (f != NULL && strcmp(f, BAD_DOCS[_i].field) == 0);
    }
    ck_assert_msg(named, "[%s] errors do not name %s", BAD_DOCS[_i].name, BAD_DOCS[_i].field);
    json_decref(errors);
    json_decref(doc);
}
END_TEST

/* ------------------------------------------------------------ SPEC 2.8 */

START_TEST(test_stage_normalize)
{
    char out[64];
    lr_stage_normalize("Closed Won", out);
    ck_assert_str_eq(out, "closedwon");
    lr_stage_normalize("closed-lost", out);
    ck_assert_str_eq(out, "closedlost");
    lr_stage_normalize("CLOSED_WON", out);
    ck_assert_str_eq(out, "closedwon");
    lr_stage_normalize(" _- ", out);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_rules_stage_lists)
{
    /* Left out: the defaults (rules stored before SPEC 2.8 named stages stay valid). */
    ck_assert_uint_eq(R.won_stage_count, 3);
    ck_assert_int_eq(lr_rules_stage_closes(&R, "Closed Won"), 1);
    ck_assert_int_eq(lr_rules_stage_closes(&R, "closedlost"), 2);
    ck_assert_int_eq(lr_rules_stage_closes(&R, "negotiation"), 0);
    ck_assert_int_eq(lr_rules_stage_closes(&R, NULL), 0);

    json_t *doc = lr_rules_to_json(&R);
    json_object_set_new(doc, "closed_won_stages", json_pack("[s]", "Signed"));
    json_object_set_new(doc, "closed_lost_stages", json_pack("[s, s]", "Dead", "Closed Lost"));
    char *text = lr_json_dumps(doc);
    struct lr_rules r;
    json_t *errors = json_array();
    ck_assert_int_eq(lr_rules_parse(text, strlen(text), &r, errors), 0);
    ck_assert_int_eq(lr_rules_stage_closes(&r, "SIGNED"), 1);
    ck_assert_int_eq(lr_rules_stage_closes(&r, "won"), 0);
    ck_assert_int_eq(lr_rules_stage_closes(&r, "closed_lost"), 2);
    ck_assert_int_eq(lr_opp_stage_close(&r, "dead"), LR_OPP_LOST);
    lr_rules_free(&r);
    free(text);

    /* A stage in both lists, an empty list, a name of separators only: 422 each. */
    json_object_set_new(doc, "closed_won_stages", json_pack("[s]", "dead"));
    text = lr_json_dumps(doc);
    ck_assert_int_eq(lr_rules_parse(text, strlen(text), &r, errors), -1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")),
                     "closed_won_stages[0]");
    free(text);
    json_array_clear(errors);
    json_object_set_new(doc, "closed_won_stages", json_array());
    text = lr_json_dumps(doc);
    ck_assert_int_eq(lr_rules_parse(text, strlen(text), &r, errors), -1);
    free(text);
    json_array_clear(errors);
    json_object_set_new(doc, "closed_won_stages", json_pack("[s]", " - "));
    text = lr_json_dumps(doc);
    ck_assert_int_eq(lr_rules_parse(text, strlen(text), &r, errors), -1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")),
                     "closed_won_stages[0]");
    free(text);
    json_decref(errors);
    json_decref(doc);
}
END_TEST

START_TEST(test_deal_values_are_its_signals)
{
    /* The vendor models the account at 10,000.00 and 20 people; the deal says 650,000.00. */
    struct lr_account_facts acct = {
        .found = true, .employees = {true, 20}, .acv_cents = {true, 1000000}, .fit = {true, 90}};
    struct lr_signal s[LR_SIGNAL_COUNT];
    lr_opp_signals(&R, (struct lr_opt_i64){true, 65000000}, (struct lr_opt_i64){false, 0}, &acct,
                   s);
    ck_assert_int_eq(s[LR_SIG_ACV].source, LR_SRC_EVENT);
    ck_assert_int_eq(s[LR_SIG_ACV].value, 65000000);
    ck_assert_int_eq(s[LR_SIG_ACV].vote, LR_SEG_STRATEGIC);
    /* what the deal lacks comes from the account */
    ck_assert_int_eq(s[LR_SIG_EMPLOYEES].source, LR_SRC_ENRICHMENT);
    ck_assert_int_eq(s[LR_SIG_EMPLOYEES].value, 20);
    ck_assert_int_eq(s[LR_SIG_FIT].source, LR_SRC_ENRICHMENT);
    ck_assert_int_eq(lr_opp_handoff_target(s), LR_SEG_STRATEGIC);

    /* the deal's head count wins too */
    lr_opp_signals(&R, (struct lr_opt_i64){true, 65000000}, (struct lr_opt_i64){true, 3000}, &acct,
                   s);
    ck_assert_int_eq(s[LR_SIG_EMPLOYEES].source, LR_SRC_EVENT);
    ck_assert_int_eq(s[LR_SIG_EMPLOYEES].value, 3000);

    /* a deal without an acv: the modeled ACV fills it */
    lr_opp_signals(&R, (struct lr_opt_i64){false, 0}, (struct lr_opt_i64){false, 0}, &acct, s);
    ck_assert_int_eq(s[LR_SIG_ACV].source, LR_SRC_ENRICHMENT);
    ck_assert_int_eq(s[LR_SIG_ACV].value, 1000000);
}
END_TEST

START_TEST(test_handoff_on_deal_values_not_model)
{
    /* An smb deal grows to 650,000.00 on an account modeled at 10,000.00 with fit 90:
     * two signals (the deal's acv and the fit) say strategic. */
    struct lr_opp_state st;
    memset(&st, 0, sizeof st);
    st.exists = true;
    st.queue = LR_SEG_SMB;
    strcpy(st.rep_id, "smb-1");
    st.reason = LR_REASON_COMPOSITE;
    st.acv_cents = (struct lr_opt_i64){true, 2000000};
    st.employees = (struct lr_opt_i64){true, 10};
    struct lr_account_facts acct = {.found = true, .acv_cents = {true, 1000000}, .fit = {true, 90}};
    struct lr_opp_input in = {.state = &st,
                              .ts_usec = 10,
                              .acv_cents = {true, 65000000},
                              .stage = "negotiation",
                              .account = &acct};
    struct lr_opp_decision od;
    lr_opp_decide(&R, &in, &od);
    ck_assert_int_eq(od.action, LR_OPP_HANDOFF);
    ck_assert_int_eq(od.d.queue, LR_SEG_STRATEGIC);
    ck_assert_int_eq(od.d.signals[LR_SIG_ACV].source, LR_SRC_EVENT);
}
END_TEST

Suite *crm_mapping_suite(void)
{
    Suite *s = suite_create("routing/crm");
    TCase *tc = tcase_create("values");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_loop_test(tc, test_int, 0, (int)(sizeof INTS / sizeof *INTS));
    tcase_add_loop_test(tc, test_money, 0, (int)(sizeof MONEY / sizeof *MONEY));
    tcase_add_loop_test(tc, test_timestamp, 0, (int)(sizeof TIMES / sizeof *TIMES));
    tcase_add_loop_test(tc, test_domain, 0, (int)(sizeof DOMAINS / sizeof *DOMAINS));
    tcase_add_test(tc, test_lookup_order);
    tcase_add_test(tc, test_defaults_as_spec);
    tcase_add_test(tc, test_document_round_trip);
    tcase_add_loop_test(tc, test_bad_documents, 0, (int)(sizeof BAD_DOCS / sizeof *BAD_DOCS));
    tcase_add_test(tc, test_stage_normalize);
    tcase_add_test(tc, test_rules_stage_lists);
    tcase_add_test(tc, test_deal_values_are_its_signals);
    tcase_add_test(tc, test_handoff_on_deal_values_not_model);
    suite_add_tcase(s, tc);
    return s;
}
