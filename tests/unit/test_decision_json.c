/* service/decision_json.c: a lead's 201 text, which must be byte for byte what the
 * database prints for its decision (jsonb: keys by length then bytes, ", " and ": ",
 * PostgreSQL's string escapes), since every replay answers with the database's text. */
#include <stdlib.h>
#include <string.h>

#include "service/decision_json.h"
#include "util/json.h"
#include "suites.h"

static struct lr_decision routed(void)
{
    struct lr_decision d;
    memset(&d, 0, sizeof d);
    d.queue = LR_SEG_SMB;
    d.reason = LR_REASON_COMPOSITE;
    d.composite = LR_SEG_SMB;
    d.signals[LR_SIG_EMPLOYEES] = (struct lr_signal){true, 120, LR_SRC_EVENT, LR_SEG_SMB};
    d.signals[LR_SIG_ACV] = (struct lr_signal){true, 6000050, LR_SRC_ENRICHMENT, LR_SEG_SMB};
    d.signals[LR_SIG_FIT] = (struct lr_signal){false, 0, LR_SRC_MISSING, LR_SEG_NONE};
    d.account_matched = true;
    d.mode = LR_ASSIGN_ROUND_ROBIN;
    return d;
}

START_TEST(test_routed_lead)
{
    struct lr_decision d = routed();
    char *t =
        lr_lead_answer_text(&d, "msg_1", "l1", "acme.test", 3, "2026-12-01T10:00:00.000Z", "r1", 0);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(
        t, "{\"queue\": \"smb\", \"reason\": \"composite\", \"rep_id\": \"r1\", \"account\": "
           "{\"domain\": \"acme.test\", \"matched\": true, \"named_owner\": null}, \"signals\": "
           "{\"fit_score\": {\"vote\": null, \"value\": null, \"source\": \"missing\"}, "
           "\"expected_acv\": {\"vote\": \"smb\", \"value\": 60000.50, \"source\": "
           "\"enrichment\"}, \"employee_count\": {\"vote\": \"smb\", \"value\": 120, \"source\": "
           "\"event\"}}, \"subject\": \"lead\", \"event_id\": \"msg_1\", \"review_id\": null, "
           "\"decided_at\": \"2026-12-01T10:00:00.000Z\", \"subject_id\": \"l1\", "
           "\"rules_version\": 3, \"composite_queue\": \"smb\"}");
    free(t);
}
END_TEST

/* Review, a named owner, no domain, zero values, the largest review id. */
START_TEST(test_review_named_no_domain_edges)
{
    struct lr_decision d = routed();
    d.queue = LR_SEG_REVIEW;
    d.reason = LR_REASON_CONFLICT;
    d.composite = LR_SEG_REVIEW;
    d.signals[LR_SIG_EMPLOYEES] = (struct lr_signal){true, 0, LR_SRC_EVENT, LR_SEG_SMB};
    d.signals[LR_SIG_ACV] = (struct lr_signal){true, 0, LR_SRC_EVENT, LR_SEG_SMB};
    d.signals[LR_SIG_FIT] = (struct lr_signal){true, 100, LR_SRC_ENRICHMENT, LR_SEG_STRATEGIC};
    d.account_matched = false;
    d.named = true;
    strcpy(d.named_owner, "rep-9");
    char *t =
        lr_lead_answer_text(&d, "m", "x", NULL, 1, "2026-01-01T00:00:00.000Z", NULL, INT64_MAX);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(
        t, "{\"queue\": \"review\", \"reason\": \"conflict\", \"rep_id\": null, \"account\": "
           "{\"domain\": null, \"matched\": false, \"named_owner\": \"rep-9\"}, \"signals\": "
           "{\"fit_score\": {\"vote\": \"strategic\", \"value\": 100, \"source\": "
           "\"enrichment\"}, \"expected_acv\": {\"vote\": \"smb\", \"value\": 0.00, \"source\": "
           "\"event\"}, \"employee_count\": {\"vote\": \"smb\", \"value\": 0, \"source\": "
           "\"event\"}}, \"subject\": \"lead\", \"event_id\": \"m\", \"review_id\": "
           "9223372036854775807, \"decided_at\": \"2026-01-01T00:00:00.000Z\", \"subject_id\": "
           "\"x\", \"rules_version\": 1, \"composite_queue\": \"review\"}");
    free(t);
}
END_TEST

/* PostgreSQL's escapes: the seven named ones, \u00XX (lower case) for the other control
 * characters, everything else as it is (DEL, UTF-8, '/'). */
START_TEST(test_strings_escaped_as_postgresql_prints_them)
{
    struct lr_decision d = routed();
    char *t = lr_lead_answer_text(&d, "a\"b\\c/d\b\f\n\r\t\x01\x1f\x7f\xc3\xa9", "\xf0\x9f\x98\x80",
                                  "d", 1, "t", "r\"", 0);
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_nonnull(strstr(t, "\"event_id\": \"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\\u0001\\u001f"
                                    "\x7f\xc3\xa9\", "));
    ck_assert_ptr_nonnull(strstr(t, "\"subject_id\": \"\xf0\x9f\x98\x80\", "));
    ck_assert_ptr_nonnull(strstr(t, "\"rep_id\": \"r\\\"\", "));
    free(t);
}
END_TEST

/* The key lists are kept by hand: the 201 text, read back, is a lead's decision as
 * lr_decision_json builds decisions (SPEC 3.1's keys) with rep_id and review_id added. */
START_TEST(test_same_document_as_the_decision_sent)
{
    struct lr_decision d = routed();
    d.named = true;
    strcpy(d.named_owner, "rep-9");
    json_t *sent = lr_decision_json(&d, "msg_1", "lead", "l1", "acme.test", 3, "2026-12-01");
    ck_assert_ptr_nonnull(sent);
    json_object_set_new(sent, "rep_id", json_string("r1"));
    json_object_set_new(sent, "review_id", json_integer(42));
    char *sent_text = lr_json_dumps(sent);
    char *t = lr_lead_answer_text(&d, "msg_1", "l1", "acme.test", 3, "2026-12-01", "r1", 42);
    ck_assert_ptr_nonnull(sent_text);
    ck_assert_ptr_nonnull(t);
    json_t *a = json_loads(sent_text, 0, NULL), *b = json_loads(t, 0, NULL);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(json_object_size(b), 12);
    ck_assert(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    json_decref(sent);
    free(sent_text);
    free(t);
}
END_TEST

/* The batch is sent only what its other columns lack. */
START_TEST(test_inputs_sent_to_the_batch)
{
    struct lr_decision d = routed();
    json_t *in = lr_lead_decision_inputs(&d, "2026-12-01T10:00:00.000Z");
    ck_assert_ptr_nonnull(in);
    char *t = lr_json_dumps(in);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t,
                     "{\"decided_at\":\"2026-12-01T10:00:00.000Z\",\"account\":{\"matched\":true,"
                     "\"named_owner\":null},\"signals\":{\"employee_count\":{\"value\":120,"
                     "\"source\":\"event\",\"vote\":\"smb\"},\"expected_acv\":{\"value\":60000.50,"
                     "\"source\":\"enrichment\",\"vote\":\"smb\"},\"fit_score\":{\"value\":null,"
                     "\"source\":\"missing\",\"vote\":null}}}");
    free(t);
    json_decref(in);
}
END_TEST

Suite *decision_json_suite(void)
{
    Suite *s = suite_create("decision_json");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_routed_lead);
    tcase_add_test(tc, test_review_named_no_domain_edges);
    tcase_add_test(tc, test_strings_escaped_as_postgresql_prints_them);
    tcase_add_test(tc, test_same_document_as_the_decision_sent);
    tcase_add_test(tc, test_inputs_sent_to_the_batch);
    suite_add_tcase(s, tc);
    return s;
}
