/* api/problem.c: the registry of problem types and the problem-details answers. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/problem.h"
#include "api/app.h"
#include "suites.h"

#define RETRY_SEC 7u

static struct lr_app *test_app(void)
{
    static struct lr_app app;
    memset(&app, 0, sizeof app);
    app.cfg.retry_after_sec = RETRY_SEC;
    atomic_store(&app.draining, false);
    return &app;
}

/* The answer's body, parsed; fails unless it is problem+json of that status. */
static json_t *parsed(const struct lr_response *resp, unsigned status)
{
    ck_assert_uint_eq(resp->status, status);
    ck_assert_ptr_nonnull(resp->body);
    ck_assert_uint_eq(resp->body_len, strlen(resp->body));
    ck_assert_str_eq(resp->content_type, "application/problem+json");
    json_error_t err;
    json_t *v = json_loads(resp->body, 0, &err);
    ck_assert_msg(v != NULL && json_is_object(v), "not a JSON object: %s", resp->body);
    return v;
}

static void check_body(json_t *v, enum lr_problem_type t, const char *detail)
{
    const struct lr_problem_def *d = lr_problem_def(t);
    char type[128];
    snprintf(type, sizeof type, "urn:leadrouter:problem:%s", d->slug);
    ck_assert_str_eq(json_string_value(json_object_get(v, "type")), type);
    ck_assert_str_eq(json_string_value(json_object_get(v, "title")), d->title);
    ck_assert_int_eq(json_integer_value(json_object_get(v, "status")), (json_int_t)d->status);
    ck_assert_str_eq(json_string_value(json_object_get(v, "detail")), detail);
}

START_TEST(test_registry_rows)
{
    for (int i = 0; i < LR_PROBLEM_COUNT; i++) {
        const struct lr_problem_def *d = lr_problem_def((enum lr_problem_type)i);
        ck_assert_msg(d != NULL, "type %d has no row", i);
        ck_assert_msg(d->status >= 400 && d->status <= 599, "type %d: status %u", i, d->status);
        ck_assert_msg(d->slug != NULL && d->slug[0] != '\0', "type %d: no slug", i);
        ck_assert_msg(d->title != NULL && d->title[0] != '\0', "type %d: no title", i);
        ck_assert_msg(strspn(d->slug, "abcdefghijklmnopqrstuvwxyz-") == strlen(d->slug),
                      "slug %s is not lowercase words joined by '-'", d->slug);
        for (int j = 0; j < i; j++)
            ck_assert_msg(strcmp(d->slug, lr_problem_def((enum lr_problem_type)j)->slug) != 0,
                          "slug %s twice", d->slug);
    }
    ck_assert_ptr_null(lr_problem_def(LR_PROBLEM_COUNT));
}
END_TEST

START_TEST(test_registry_pins)
{
    /* The types the integration tests and docs name, with the titles they rely on. */
    const struct lr_problem_def *d = lr_problem_def(LR_PROBLEM_VALIDATION);
    ck_assert_uint_eq(d->status, 422);
    ck_assert_str_eq(d->slug, "validation");
    ck_assert_str_eq(d->title, "Validation failed");
    d = lr_problem_def(LR_PROBLEM_NO_POACHING);
    ck_assert_uint_eq(d->status, 409);
    ck_assert_str_eq(d->slug, "no-poaching");
    ck_assert_ptr_nonnull(strstr(d->title, "no_poaching"));
    ck_assert_str_eq(lr_problem_def(LR_PROBLEM_DRAINING)->slug, "draining");
    ck_assert_uint_eq(lr_problem_def(LR_PROBLEM_DRAINING)->status, 503);
    ck_assert_str_eq(lr_problem_def(LR_PROBLEM_NO_MANUAL_CLAIMING)->slug, "no-manual-claiming");
    ck_assert_str_eq(lr_problem_def(LR_PROBLEM_NO_ACTIVE_REP)->slug, "no-active-rep");
    ck_assert_uint_eq(lr_problem_def(LR_PROBLEM_BUSY)->status, 429);
}
END_TEST

START_TEST(test_answer_has_exactly_the_members)
{
    for (int i = 0; i < LR_PROBLEM_COUNT; i++) {
        enum lr_problem_type t = (enum lr_problem_type)i;
        struct lr_response resp = {0};
        lr_problem_answer(&resp, t, "what went wrong", NULL);
        ck_assert_uint_eq(resp.retry_after, 0);
        json_t *v = parsed(&resp, lr_problem_def(t)->status);
        ck_assert_uint_eq(json_object_size(v), 4);
        check_body(v, t, "what went wrong");
        json_decref(v);
        free(resp.body);
    }
}
END_TEST

START_TEST(test_answer_with_errors)
{
    struct lr_response resp = {0};
    json_t *errors = json_pack("[{s:s, s:s}]", "field", "limit", "message", "too big");
    lr_problem_answer(&resp, LR_PROBLEM_VALIDATION, "one or more query parameters are invalid",
                      errors);
    json_t *v = parsed(&resp, 422);
    ck_assert_uint_eq(json_object_size(v), 5);
    check_body(v, LR_PROBLEM_VALIDATION, "one or more query parameters are invalid");
    json_t *e = json_object_get(v, "errors");
    ck_assert(json_is_array(e));
    ck_assert_uint_eq(json_array_size(e), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(e, 0), "field")), "limit");
    json_decref(v);
    free(resp.body);
}
END_TEST

START_TEST(test_answer_without_detail_repeats_title)
{
    struct lr_response resp = {0};
    lr_problem_answer(&resp, LR_PROBLEM_NOT_FOUND, NULL, NULL);
    json_t *v = parsed(&resp, 404);
    check_body(v, LR_PROBLEM_NOT_FOUND, "Not found");
    json_decref(v);
    free(resp.body);
}
END_TEST

START_TEST(test_answer_replaces_a_body)
{
    struct lr_response resp = {0};
    lr_resp_json(&resp, 200, json_pack("{s:s}", "status", "ok"));
    ck_assert_str_eq(resp.content_type, "application/json");
    lr_problem_answer(&resp, LR_PROBLEM_INTERNAL, "no response was produced", NULL);
    json_t *v = parsed(&resp, 500);
    check_body(v, LR_PROBLEM_INTERNAL, "no response was produced");
    json_decref(v);
    free(resp.body);
}
END_TEST

START_TEST(test_retry_after_on_429_and_503)
{
    struct lr_app *app = test_app();
    for (int i = 0; i < LR_PROBLEM_COUNT; i++) {
        enum lr_problem_type t = (enum lr_problem_type)i;
        unsigned status = lr_problem_def(t)->status;
        if (status != 429 && status != 503)
            continue;
        struct lr_response resp = {0};
        lr_problem_answer_retry(&resp, app, t, "later");
        ck_assert_uint_eq(resp.retry_after, RETRY_SEC);
        json_t *v = parsed(&resp, status);
        ck_assert_uint_eq(json_object_size(v), 4);
        check_body(v, t, "later");
        json_decref(v);
        free(resp.body);
    }
}
END_TEST

START_TEST(test_database_problems)
{
    struct lr_app *app = test_app();
    struct lr_response resp = {0};
    lr_problem_db(&resp, app, LR_DB_UNAVAILABLE);
    ck_assert_uint_eq(resp.retry_after, RETRY_SEC);
    json_t *v = parsed(&resp, 503);
    check_body(v, LR_PROBLEM_DATABASE_UNAVAILABLE,
               "PostgreSQL is unreachable or did not answer in time. Retry later: a retry "
               "of the same request (the same webhook-id for events) is never applied twice.");
    json_decref(v);
    free(resp.body);

    struct lr_response r2 = {0};
    lr_problem_db(&r2, app, LR_DB_ERROR);
    ck_assert_uint_eq(r2.retry_after, 0);
    v = parsed(&r2, 500);
    check_body(v, LR_PROBLEM_INTERNAL, "the database refused the change; nothing was written");
    json_decref(v);
    free(r2.body);

    struct lr_response r3 = {0};
    lr_problem_unavailable(&r3, app);
    ck_assert_uint_eq(r3.retry_after, RETRY_SEC);
    v = parsed(&r3, 503);
    ck_assert_str_eq(json_string_value(json_object_get(v, "type")),
                     "urn:leadrouter:problem:database-unavailable");
    json_decref(v);
    free(r3.body);
}
END_TEST

START_TEST(test_stored_json_problems)
{
    struct lr_app *app = test_app();
    struct lr_response resp = {0};
    lr_resp_stored_json(&resp, app, LR_DB_NOT_FOUND, NULL, "no lead with that id");
    ck_assert_uint_eq(resp.retry_after, 0);
    json_t *v = parsed(&resp, 404);
    check_body(v, LR_PROBLEM_NOT_FOUND, "no lead with that id");
    json_decref(v);
    free(resp.body);

    struct lr_response r2 = {0};
    lr_resp_stored_json(&r2, app, LR_DB_UNAVAILABLE, NULL, "no lead with that id");
    ck_assert_uint_eq(r2.retry_after, RETRY_SEC);
    v = parsed(&r2, 503);
    ck_assert_str_eq(json_string_value(json_object_get(v, "type")),
                     "urn:leadrouter:problem:database-unavailable");
    json_decref(v);
    free(r2.body);
}
END_TEST

START_TEST(test_readyz_draining)
{
    struct lr_app *app = test_app();
    atomic_store(&app->draining, true);
    struct lr_request req = {0};
    struct lr_response resp = {0};
    lr_api_readyz(app, &req, &resp);
    ck_assert_uint_eq(resp.retry_after, RETRY_SEC);
    json_t *v = parsed(&resp, 503);
    check_body(v, LR_PROBLEM_DRAINING, "the server is shutting down");
    json_decref(v);
    free(resp.body);
}
END_TEST

Suite *problem_suite(void)
{
    Suite *s = suite_create("problem");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_registry_rows);
    tcase_add_test(tc, test_registry_pins);
    tcase_add_test(tc, test_answer_has_exactly_the_members);
    tcase_add_test(tc, test_answer_with_errors);
    tcase_add_test(tc, test_answer_without_detail_repeats_title);
    tcase_add_test(tc, test_answer_replaces_a_body);
    tcase_add_test(tc, test_retry_after_on_429_and_503);
    tcase_add_test(tc, test_database_problems);
    tcase_add_test(tc, test_stored_json_problems);
    tcase_add_test(tc, test_readyz_draining);
    suite_add_tcase(s, tc);
    return s;
}
