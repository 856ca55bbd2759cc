/* service/writeback_request.c: the exact request of every destination and the outcome
 * rule (SPEC 3.6). The webhook signature below was computed independently:
 *   python3 -c 'import hmac,hashlib,base64; k=base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
 *     print(base64.b64encode(hmac.new(k, ("asg_42.1763892900." + BODY).encode(),
 *     hashlib.sha256).digest()).decode())'
 * and NOW (1763892900) is Sun, 23 Nov 2025 10:15:00 GMT. */
#include <stdio.h>
#include <string.h>

#include "service/writeback_attempt.h"
#include "service/writeback_handoff.h"
#include "service/writeback_request.h"
#include "suites.h"

#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define NOW ((int64_t)1763892900)
#define AT "2026-11-23T10:15:00.123Z"
#define WEBHOOK_BODY                                                                               \
    "{\"type\":\"assignment.created\",\"timestamp\":\"" AT "\",\"data\":{\"id\":42,"               \
    "\"subject\":\"lead\",\"subject_id\":\"00Q5e00000ABCDE\",\"queue\":\"smb\","                   \
    "\"rep_id\":\"rep-1\",\"previous_rep_id\":null,\"reason\":\"composite\",\"at\":\"" AT "\","    \
    "\"crm_owner_id\":\"0051\"}}"
#define WEBHOOK_SIG "+tfyan9oRhuXqPCAfwo0WwZcSTBRS4DolhXe1vgdmiU="

static const unsigned SCHEDULE[] = {5, 300, 1800};
#define NSCHED (sizeof SCHEDULE / sizeof *SCHEDULE)

static struct lr_outbox_row lead_row(void)
{
    return (struct lr_outbox_row){.id = 7,
                                  .assignment_id = 42,
                                  .attempts = 1,
                                  .subject = "lead",
                                  .subject_id = "00Q5e00000ABCDE",
                                  .queue = "smb",
                                  .rep_id = "rep-1",
                                  .previous_rep_id = NULL,
                                  .reason = "composite",
                                  .at = AT,
                                  .crm_owner_id = "0051"};
}

static struct lr_webhook_key webhook_key(void)
{
    struct lr_webhook_key k;
    memset(&k, 0, sizeof k);
    ck_assert_int_eq(lr_webhook_key_from_secret(SECRET, &k), 0);
    return k;
}

static struct lr_wb_request build_ok(enum lr_wb_destination d, const char *url,
                                     const struct lr_outbox_row *row)
{
    struct lr_webhook_key k = webhook_key();
    struct lr_wb_target t = {d, url, "tok-123", &k};
    struct lr_wb_request req;
    char err[256];
    ck_assert_int_eq(lr_wb_request_build(&t, row, NOW, &req, err, sizeof err), LR_WB_BUILD_OK);
    ck_assert_str_eq(err, "");
    return req;
}

static void assert_headers(const struct lr_wb_request *req, const char *const *want, size_t n)
{
    ck_assert_uint_eq(req->nheaders, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(req->headers[i], want[i]);
}

START_TEST(test_webhook_exact)
{
    struct lr_outbox_row row = lead_row();
    struct lr_wb_request req = build_ok(LR_WB_WEBHOOK, "https://hooks.example/lr?x=1", &row);
    ck_assert_str_eq(req.method, "POST");
    /* the webhook URL is used as it is, query included */
    ck_assert_str_eq(req.url, "https://hooks.example/lr?x=1");
    ck_assert_str_eq(req.body, WEBHOOK_BODY);
    static const char *const H[] = {"Content-Type: application/json", "webhook-id: asg_42",
                                    "webhook-timestamp: 1763892900",
                                    "webhook-signature: v1," WEBHOOK_SIG};
    assert_headers(&req, H, 4);
    lr_wb_request_free(&req);
}
END_TEST

START_TEST(test_webhook_signature_verifies)
{
    struct lr_outbox_row row = lead_row();
    struct lr_wb_request req = build_ok(LR_WB_WEBHOOK, "http://127.0.0.1:9/h", &row);
    struct lr_webhook_key k = webhook_key();
    const char *sig = req.headers[3] + strlen("webhook-signature: ");
    ck_assert_int_eq(
        lr_webhook_verify(&k, "asg_42", "1763892900", sig, req.body, strlen(req.body), NOW),
        LR_WEBHOOK_VALID);
    /* the body as signed: one byte more and it no longer verifies */
    ck_assert_int_eq(
        lr_webhook_verify(&k, "asg_42", "1763892900", sig, req.body, strlen(req.body) - 1, NOW),
        LR_WEBHOOK_MISMATCH);
    /* another assignment id is another message */
    ck_assert_int_eq(
        lr_webhook_verify(&k, "asg_43", "1763892900", sig, req.body, strlen(req.body), NOW),
        LR_WEBHOOK_MISMATCH);
    lr_wb_request_free(&req);
}
END_TEST

START_TEST(test_webhook_review_placement_and_escaping)
{
    struct lr_outbox_row row = lead_row();
    row.subject = "opportunity";
    row.subject_id = "a\"b\\c/\xc3\xa9";
    row.queue = "review";
    row.rep_id = NULL;
    row.previous_rep_id = "rep-0";
    row.reason = "conflict";
    row.crm_owner_id = NULL;
    row.assignment_id = 9007199254740993LL;
    struct lr_wb_request req = build_ok(LR_WB_WEBHOOK, "http://h/x", &row);
    ck_assert_str_eq(req.body, "{\"type\":\"assignment.created\",\"timestamp\":\"" AT "\","
                               "\"data\":{\"id\":9007199254740993,\"subject\":\"opportunity\","
                               "\"subject_id\":\"a\\\"b\\\\c/\xc3\xa9\",\"queue\":\"review\","
                               "\"rep_id\":null,\"previous_rep_id\":\"rep-0\","
                               "\"reason\":\"conflict\",\"at\":\"" AT "\","
                               "\"crm_owner_id\":null}}");
    ck_assert_str_eq(req.headers[1], "webhook-id: asg_9007199254740993");
    lr_wb_request_free(&req);
}
END_TEST

START_TEST(test_hubspot_exact)
{
    struct lr_outbox_row row = lead_row();
    struct lr_wb_request req = build_ok(LR_WB_HUBSPOT, "https://api.hubapi.com", &row);
    ck_assert_str_eq(req.method, "PATCH");
    ck_assert_str_eq(req.url, "https://api.hubapi.com/crm/v3/objects/contacts/00Q5e00000ABCDE");
    ck_assert_str_eq(req.body, "{\"properties\":{\"hubspot_owner_id\":\"0051\"}}");
    static const char *const H[] = {"Content-Type: application/json",
                                    "Authorization: Bearer tok-123"};
    assert_headers(&req, H, 2);
    lr_wb_request_free(&req);

    row.subject = "opportunity";
    row.subject_id = "9001";
    row.crm_owner_id = "rep-1"; /* no crm_owner_id: the claim passes the rep id */
    /* trailing slashes of the base are dropped */
    req = build_ok(LR_WB_HUBSPOT, "http://127.0.0.1:8080/hub//", &row);
    ck_assert_str_eq(req.url, "http://127.0.0.1:8080/hub/crm/v3/objects/deals/9001");
    ck_assert_str_eq(req.body, "{\"properties\":{\"hubspot_owner_id\":\"rep-1\"}}");
    lr_wb_request_free(&req);
}
END_TEST

START_TEST(test_ids_are_percent_encoded)
{
    struct lr_outbox_row row = lead_row();
    row.subject_id = "a/b c?d#e%f+g&h\xc3\xa9~._-Z9";
    struct lr_wb_request req = build_ok(LR_WB_HUBSPOT, "https://h", &row);
    ck_assert_str_eq(req.url,
                     "https://h/crm/v3/objects/contacts/a%2Fb%20c%3Fd%23e%25f%2Bg%26h%C3%A9~._-Z9");
    lr_wb_request_free(&req);
    row.subject_id = "..";
    req = build_ok(LR_WB_SALESFORCE, "https://sf", &row);
    ck_assert_str_eq(req.url, "https://sf/services/data/v60.0/sobjects/Lead/..");
    lr_wb_request_free(&req);
    /* the owner id travels in JSON, escaped there */
    row = lead_row();
    row.crm_owner_id = "o\"1";
    req = build_ok(LR_WB_SALESFORCE, "https://sf", &row);
    ck_assert_str_eq(req.body, "{\"OwnerId\":\"o\\\"1\"}");
    lr_wb_request_free(&req);
}
END_TEST

START_TEST(test_salesforce_exact)
{
    struct lr_outbox_row row = lead_row();
    row.subject_id = "00Q5e00000ABCDE";
    row.crm_owner_id = "0055e000001AbCd";
    struct lr_wb_request req = build_ok(LR_WB_SALESFORCE, "https://acme.my.salesforce.com", &row);
    ck_assert_str_eq(req.method, "PATCH");
    ck_assert_str_eq(req.url, "https://acme.my.salesforce.com/services/data/v60.0/sobjects/Lead/"
                              "00Q5e00000ABCDE");
    ck_assert_str_eq(req.body, "{\"OwnerId\":\"0055e000001AbCd\"}");
    static const char *const H[] = {"Content-Type: application/json",
                                    "Authorization: Bearer tok-123", "Sforce-Auto-Assign: FALSE"};
    assert_headers(&req, H, 3);
    lr_wb_request_free(&req);

    row.subject = "opportunity";
    row.subject_id = "0065e000003XyZ";
    req = build_ok(LR_WB_SALESFORCE, "https://acme.my.salesforce.com/", &row);
    ck_assert_str_eq(req.url, "https://acme.my.salesforce.com/services/data/v60.0/sobjects/"
                              "Opportunity/0065e000003XyZ");
    lr_wb_request_free(&req);
}
END_TEST

START_TEST(test_pipedrive_exact)
{
    struct lr_outbox_row row = lead_row();
    row.subject_id = "adf21080-0e10-11eb-879b-05d71fb426ec";
    row.crm_owner_id = "8800123";
    struct lr_wb_request req = build_ok(LR_WB_PIPEDRIVE, "https://acme.pipedrive.com", &row);
    ck_assert_str_eq(req.method, "PATCH");
    ck_assert_str_eq(req.url,
                     "https://acme.pipedrive.com/v1/leads/adf21080-0e10-11eb-879b-05d71fb426ec");
    ck_assert_str_eq(req.body, "{\"owner_id\":8800123}");
    static const char *const H[] = {"Content-Type: application/json", "x-api-token: tok-123"};
    assert_headers(&req, H, 2);
    lr_wb_request_free(&req);

    row.subject = "opportunity";
    row.subject_id = "1234";
    row.crm_owner_id = "9007199254740991"; /* the largest exact JSON integer */
    req = build_ok(LR_WB_PIPEDRIVE, "https://acme.pipedrive.com", &row);
    ck_assert_str_eq(req.url, "https://acme.pipedrive.com/api/v2/deals/1234");
    ck_assert_str_eq(req.body, "{\"owner_id\":9007199254740991}");
    lr_wb_request_free(&req);

    row.crm_owner_id = "000042"; /* leading zeros: the number 42 */
    req = build_ok(LR_WB_PIPEDRIVE, "https://p", &row);
    ck_assert_str_eq(req.body, "{\"owner_id\":42}");
    lr_wb_request_free(&req);
}
END_TEST

START_TEST(test_pipedrive_owner_not_a_number_is_undeliverable)
{
    static const char *const BAD[] = {"abc", "12a",
                                      "-5",  "+5",
                                      " 5",  "5 ",
                                      "1.5", "0",
                                      "",    "9007199254740992",
                                      "1e3", "99999999999999999999999"};
    struct lr_webhook_key k = webhook_key();
    struct lr_wb_target t = {LR_WB_PIPEDRIVE, "https://p", "tok", &k};
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        struct lr_outbox_row row = lead_row();
        row.crm_owner_id = BAD[i];
        struct lr_wb_request req;
        char err[256];
        ck_assert_int_eq(lr_wb_request_build(&t, &row, NOW, &req, err, sizeof err),
                         LR_WB_BUILD_UNDELIVERABLE);
        char want[256];
        snprintf(want, sizeof want,
                 "pipedrive needs a numeric owner id: rep rep-1 has crm_owner_id '%s'", BAD[i]);
        ck_assert_str_eq(err, want);
        /* nothing is left to free, and freeing again is harmless */
        ck_assert_ptr_null(req.url);
        ck_assert_ptr_null(req.body);
        ck_assert_uint_eq(req.nheaders, 0);
        lr_wb_request_free(&req);
    }
}
END_TEST

START_TEST(test_crm_without_rep_is_undeliverable)
{
    struct lr_webhook_key k = webhook_key();
    for (int d = LR_WB_HUBSPOT; d <= LR_WB_PIPEDRIVE; d++) {
        struct lr_wb_target t = {(enum lr_wb_destination)d, "https://c", "tok", &k};
        struct lr_outbox_row row = lead_row();
        row.rep_id = NULL;
        row.crm_owner_id = NULL;
        struct lr_wb_request req;
        char err[256];
        ck_assert_int_eq(lr_wb_request_build(&t, &row, NOW, &req, err, sizeof err),
                         LR_WB_BUILD_UNDELIVERABLE);
        ck_assert_str_eq(err, "the assignment has no rep: there is no owner to write");
    }
}
END_TEST

static struct lr_wb_verdict verdict(int status, const char *retry_after, int attempts,
                                    double jitter)
{
    return lr_wb_verdict_of(status, retry_after, attempts, SCHEDULE, NSCHED, NOW, jitter);
}

START_TEST(test_status_classes)
{
    static const int DELIVERED[] = {200, 201, 202, 204, 299};
    static const int RETRY[] = {0, 408, 425, 429, 500, 502, 503, 504, 599};
    static const int DEAD[] = {100, 199, 300, 301, 304, 400, 401, 403, 404,
                               405, 409, 410, 413, 422, 426, 431, 499, 600};
    for (size_t i = 0; i < sizeof DELIVERED / sizeof *DELIVERED; i++) {
        struct lr_wb_verdict v = verdict(DELIVERED[i], "120", 1, 0.5);
        ck_assert_int_eq(v.outcome, LR_WB_DELIVERED);
        /* even on the last try and past the schedule */
        ck_assert_int_eq(verdict(DELIVERED[i], NULL, 4, 0).outcome, LR_WB_DELIVERED);
    }
    for (size_t i = 0; i < sizeof RETRY / sizeof *RETRY; i++) {
        struct lr_wb_verdict v = verdict(RETRY[i], NULL, 1, 0);
        ck_assert_int_eq(v.outcome, LR_WB_RETRY);
        ck_assert_double_eq(v.after_first_sec, 5.0);
        ck_assert_double_eq(v.not_before_sec, 0.0);
    }
    for (size_t i = 0; i < sizeof DEAD / sizeof *DEAD; i++) {
        /* at once, on the first try, whatever Retry-After says */
        struct lr_wb_verdict v = verdict(DEAD[i], "5", 1, 0);
        ck_assert_msg(v.outcome == LR_WB_DEAD, "status %d", DEAD[i]);
    }
}
END_TEST

START_TEST(test_schedule_steps_and_the_end)
{
    /* try n failed: the retry is schedule[n-1] after the first try */
    ck_assert_double_eq(verdict(503, NULL, 1, 0).after_first_sec, 5.0);
    ck_assert_double_eq(verdict(503, NULL, 2, 0).after_first_sec, 300.0);
    struct lr_wb_verdict v = verdict(0, NULL, 3, 0);
    ck_assert_int_eq(v.outcome, LR_WB_RETRY);
    ck_assert_double_eq(v.after_first_sec, 1800.0);
    /* the try after the last step: dead, for every retryable status */
    ck_assert_int_eq(verdict(503, NULL, 4, 0).outcome, LR_WB_DEAD);
    ck_assert_int_eq(verdict(0, NULL, 4, 0).outcome, LR_WB_DEAD);
    ck_assert_int_eq(verdict(429, "1", 4, 0).outcome, LR_WB_DEAD);
    ck_assert_int_eq(verdict(503, NULL, 50, 0).outcome, LR_WB_DEAD);
    /* a one-step schedule: one retry, then dead */
    static const unsigned ONE[] = {60};
    ck_assert_int_eq(lr_wb_verdict_of(500, NULL, 1, ONE, 1, NOW, 0).outcome, LR_WB_RETRY);
    ck_assert_int_eq(lr_wb_verdict_of(500, NULL, 2, ONE, 1, NOW, 0).outcome, LR_WB_DEAD);
    /* attempts 0 is not a try that happened */
    ck_assert_int_eq(verdict(500, NULL, 0, 0).outcome, LR_WB_DEAD);
}
END_TEST

START_TEST(test_jitter_bounds)
{
    /* jitter adds up to 10% of the step: [step, 1.1 step) */
    ck_assert_double_eq(verdict(503, NULL, 2, 0).after_first_sec, 300.0);
    ck_assert_double_eq(verdict(503, NULL, 2, 0.5).after_first_sec, 315.0);
    double hi = verdict(503, NULL, 2, 0.9999999).after_first_sec;
    ck_assert(hi < 330.0 && hi > 329.99);
    for (int i = 0; i < 100; i++) {
        double j = i / 100.0;
        double a = verdict(503, NULL, 3, j).after_first_sec;
        ck_assert(a >= 1800.0 && a < 1980.0);
    }
    /* out of range: no jitter rather than more than 10% */
    ck_assert_double_eq(verdict(503, NULL, 1, 1.0).after_first_sec, 5.0);
    ck_assert_double_eq(verdict(503, NULL, 1, 7.0).after_first_sec, 5.0);
    ck_assert_double_eq(verdict(503, NULL, 1, -0.5).after_first_sec, 5.0);
}
END_TEST

START_TEST(test_retry_after)
{
    /* later than the schedule: the retry waits for it (the worker takes the later) */
    struct lr_wb_verdict v = verdict(429, "120", 1, 0);
    ck_assert_int_eq(v.outcome, LR_WB_RETRY);
    ck_assert_double_eq(v.after_first_sec, 5.0);
    ck_assert_double_eq(v.not_before_sec, 120.0);
    /* earlier than the schedule: the schedule wins */
    v = verdict(503, "2", 1, 0);
    ck_assert_double_eq(v.after_first_sec, 5.0);
    ck_assert_double_eq(v.not_before_sec, 2.0);
    /* an HTTP-date 90 s ahead, in each of the three forms */
    ck_assert_double_eq(verdict(503, "Sun, 23 Nov 2025 10:16:30 GMT", 1, 0).not_before_sec, 90.0);
    ck_assert_double_eq(verdict(503, "Sunday, 23-Nov-25 10:16:30 GMT", 1, 0).not_before_sec, 90.0);
    ck_assert_double_eq(verdict(503, "Sun Nov 23 10:16:30 2025", 1, 0).not_before_sec, 90.0);
    /* a date in the past, garbage, empty: no constraint */
    ck_assert_double_eq(verdict(503, "Sun, 23 Nov 2025 10:00:00 GMT", 1, 0).not_before_sec, 0.0);
    ck_assert_double_eq(verdict(503, "soon", 1, 0).not_before_sec, 0.0);
    ck_assert_double_eq(verdict(503, "", 1, 0).not_before_sec, 0.0);
    ck_assert_double_eq(verdict(503, "-5", 1, 0).not_before_sec, 0.0);
    ck_assert_double_eq(verdict(503, "Sun, 31 Foo 2025 10:16:30 GMT", 1, 0).not_before_sec, 0.0);
    ck_assert_double_eq(verdict(503, "Sun, 23 Nov 2025 25:16:30 GMT", 1, 0).not_before_sec, 0.0);
    /* surrounding space is not part of the value */
    ck_assert_double_eq(verdict(503, " 30 ", 1, 0).not_before_sec, 30.0);
    /* absurd values are capped at a month */
    ck_assert_double_eq(verdict(503, "99999999999999999999", 1, 0).not_before_sec,
                        (double)LR_WB_RETRY_AFTER_MAX);
    ck_assert_double_eq(verdict(503, "Fri, 01 Jan 2100 00:00:00 GMT", 1, 0).not_before_sec,
                        (double)LR_WB_RETRY_AFTER_MAX);
    ck_assert_int_eq(lr_wb_retry_after_sec(NULL, NOW), 0);
    ck_assert_int_eq(lr_wb_retry_after_sec("2592000", NOW), 2592000);
    ck_assert_int_eq(lr_wb_retry_after_sec("2592001", NOW), LR_WB_RETRY_AFTER_MAX);
}
END_TEST

START_TEST(test_error_text)
{
    char out[16];
    lr_wb_error_text("  bad\0owner\r\n ", 15, out, sizeof out);
    ck_assert_str_eq(out, "bad owner");
    /* cut to cap - 1 bytes; a character cut in two becomes '?' */
    lr_wb_error_text("0123456789abcd\xc3\xa9xyz", 19, out, sizeof out);
    ck_assert_str_eq(out, "0123456789abcd?");
    lr_wb_error_text("\xff\xfeok", 4, out, sizeof out);
    ck_assert_str_eq(out, "??ok");
    lr_wb_error_text("", 0, out, sizeof out);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_names)
{
    enum lr_wb_destination d;
    static const char *const N[] = {"webhook", "hubspot", "salesforce", "pipedrive"};
    for (int i = 0; i < LR_WB_DESTINATIONS; i++) {
        ck_assert_int_eq(lr_wb_destination_parse(N[i], &d), 0);
        ck_assert_int_eq(d, i);
        ck_assert_str_eq(lr_wb_destination_name(d), N[i]);
    }
    ck_assert_int_eq(lr_wb_destination_parse("none", &d), -1);
    ck_assert_int_eq(lr_wb_destination_parse("HubSpot", &d), -1);
    ck_assert_str_eq(lr_wb_outcome_name(LR_WB_DELIVERED), "delivered");
    ck_assert_str_eq(lr_wb_outcome_name(LR_WB_RETRY), "retry");
    ck_assert_str_eq(lr_wb_outcome_name(LR_WB_DEAD), "dead");
    ck_assert(lr_wb_header_safe("pat-na1-0123 abc"));
    ck_assert(!lr_wb_header_safe("tok\r\nX-Evil: 1"));
    ck_assert(!lr_wb_header_safe("tok\t"));
}
END_TEST

START_TEST(test_answer_capture)
{
    struct lr_wb_answer a = {0};
    char chunk[700];
    memset(chunk, 'x', sizeof chunk);
    /* Every byte is taken (libcurl aborts otherwise), only the first KEEP are kept. */
    ck_assert_uint_eq(lr_wb_answer_body(chunk, 1, sizeof chunk, &a), sizeof chunk);
    ck_assert_uint_eq(lr_wb_answer_body(chunk, 7, 100, &a), 700);
    ck_assert_uint_eq(a.body_len, LR_WB_ANSWER_KEEP);
    ck_assert_uint_eq(lr_wb_answer_body(chunk, 1, 1, &a), 1);
    ck_assert_uint_eq(a.body_len, LR_WB_ANSWER_KEEP);

    char h1[] = "HTTP/1.1 100 Continue\r\n", h2[] = "Retry-After: 30\r\n",
         h3[] = "HTTP/1.1 429 Too Many Requests\r\n", h4[] = "retry-after:  7\r\n",
         h5[] = "X-Retry-After: 99\r\n";
    ck_assert_uint_eq(lr_wb_answer_header(h1, 1, strlen(h1), &a), strlen(h1));
    lr_wb_answer_header(h2, 1, strlen(h2), &a);
    ck_assert_str_eq(a.retry_after, " 30");
    /* A new status line forgets the headers of the response before it. */
    lr_wb_answer_header(h3, 1, strlen(h3), &a);
    ck_assert_str_eq(a.retry_after, "");
    lr_wb_answer_header(h4, 1, strlen(h4), &a);
    ck_assert_str_eq(a.retry_after, "  7");
    lr_wb_answer_header(h5, 1, strlen(h5), &a);
    ck_assert_str_eq(a.retry_after, "  7");
    /* A value too long to keep is dropped, not cut. */
    char longv[120] = "Retry-After: ";
    memset(longv + 13, '9', 90);
    lr_wb_answer_header(h3, 1, strlen(h3), &a);
    lr_wb_answer_header(longv, 1, strlen(longv), &a);
    ck_assert_str_eq(a.retry_after, "");
}
END_TEST

static void set_cfg(struct lr_config *c, const char *key, const char *value)
{
    char err[256];
    ck_assert_msg(lr_config_set(c, key, value, err, sizeof err) == 0, "%s", err);
}

START_TEST(test_settings_check)
{
    struct lr_config c;
    lr_config_defaults(&c);
    enum lr_wb_destination d = LR_WB_DESTINATIONS;
    char err[256] = "";
    ck_assert_int_eq(lr_wb_settings_check(&c, &d, err, sizeof err), 1); /* none: no worker */
    set_cfg(&c, "writeback", "pipedrive");
    ck_assert_int_eq(lr_wb_settings_check(&c, &d, err, sizeof err), 0);
    ck_assert_int_eq(d, LR_WB_PIPEDRIVE);
    set_cfg(&c, "writeback_timeout_seconds", "60");
    ck_assert_int_eq(lr_wb_settings_check(&c, &d, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "writeback_lease_seconds must be above"));
    set_cfg(&c, "writeback_timeout_seconds", "10");
    snprintf(c.writeback_token, sizeof c.writeback_token, "tok\r\nX-Injected: 1");
    ck_assert_int_eq(lr_wb_settings_check(&c, &d, err, sizeof err), -1);
    ck_assert_str_eq(err, "writeback_token holds control characters");
    /* the webhook signs with its secret and sends no token */
    snprintf(c.writeback, sizeof c.writeback, "webhook");
    ck_assert_int_eq(lr_wb_settings_check(&c, &d, err, sizeof err), 0);
    ck_assert_int_eq(d, LR_WB_WEBHOOK);
    snprintf(c.writeback, sizeof c.writeback, "zapier");
    ck_assert_int_eq(lr_wb_settings_check(&c, &d, err, sizeof err), -1);
    ck_assert_str_eq(err, "writeback: unknown destination");
}
END_TEST

/* The schedule's jitter: in [0, 1), a new value each time, the same sequence from the
 * same seed (replicas differ by their seeds). */
START_TEST(test_jitter_sequence)
{
    uint64_t a = 42, b = 42, c = 43;
    double first = lr_wb_jitter(&a);
    ck_assert(first >= 0.0 && first < 1.0);
    ck_assert(lr_wb_jitter(&b) == first);
    ck_assert(lr_wb_jitter(&c) != first);
    for (int i = 0; i < 10000; i++) {
        double j = lr_wb_jitter(&a);
        ck_assert(j >= 0.0 && j < 1.0);
    }
    ck_assert_uint_ne(a, 0);
}
END_TEST

START_TEST(test_handoff_lease_from_the_settings)
{
    struct lr_config c;
    lr_config_defaults(&c);
    ck_assert_uint_eq(lr_writeback_handoff_lease(&c), 0); /* writeback = none */
    set_cfg(&c, "writeback", "hubspot");
    ck_assert_uint_eq(lr_writeback_handoff_lease(&c), 60); /* the default lease */
    set_cfg(&c, "writeback_timeout_seconds", "10");
    set_cfg(&c, "writeback_lease_seconds", "12");
    ck_assert_uint_eq(lr_writeback_handoff_lease(&c), 12);
    /* a row could not wait a moment for a slot and still finish within its lease */
    set_cfg(&c, "writeback_lease_seconds", "11");
    ck_assert_uint_eq(lr_writeback_handoff_lease(&c), 0);
    set_cfg(&c, "writeback_lease_seconds", "60");
    set_cfg(&c, "writeback", "none");
    ck_assert_uint_eq(lr_writeback_handoff_lease(&c), 0);
}
END_TEST

Suite *writeback_request_suite(void)
{
    Suite *s = suite_create("service/writeback_request");
    TCase *t = tcase_create("requests");
    tcase_add_test(t, test_webhook_exact);
    tcase_add_test(t, test_webhook_signature_verifies);
    tcase_add_test(t, test_webhook_review_placement_and_escaping);
    tcase_add_test(t, test_hubspot_exact);
    tcase_add_test(t, test_ids_are_percent_encoded);
    tcase_add_test(t, test_salesforce_exact);
    tcase_add_test(t, test_pipedrive_exact);
    tcase_add_test(t, test_pipedrive_owner_not_a_number_is_undeliverable);
    tcase_add_test(t, test_crm_without_rep_is_undeliverable);
    suite_add_tcase(s, t);
    TCase *o = tcase_create("outcomes");
    tcase_add_test(o, test_status_classes);
    tcase_add_test(o, test_schedule_steps_and_the_end);
    tcase_add_test(o, test_jitter_bounds);
    tcase_add_test(o, test_retry_after);
    tcase_add_test(o, test_error_text);
    tcase_add_test(o, test_answer_capture);
    tcase_add_test(o, test_names);
    tcase_add_test(o, test_settings_check);
    tcase_add_test(o, test_jitter_sequence);
    tcase_add_test(o, test_handoff_lease_from_the_settings);
    suite_add_tcase(s, o);
    return s;
}
