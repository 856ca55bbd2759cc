/* Parameters and stored answers: the API's side of turning HTTP into values. */
#include "api/params.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/problem.h"
#include "util/json.h"

void lr_resp_stored_json(struct lr_response *resp, const struct lr_app *app, enum lr_db_status st,
                         char *json, const char *not_found)
{
    if (st == LR_DB_OK)
        lr_resp_json_text(resp, 200, json, strlen(json));
    else if (st == LR_DB_NOT_FOUND)
        lr_problem_answer(resp, LR_PROBLEM_NOT_FOUND, not_found, NULL);
    else
        lr_problem_db(resp, app, st);
    free(json);
}

bool lr_parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    if (s == NULL || !((*s >= '0' && *s <= '9') || *s == '-'))
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

void lr_query_page(const struct lr_request *req, json_t *errors, int64_t *after, int64_t *limit)
{
    const char *a = lr_req_query(req, "after"), *l = lr_req_query(req, "limit");
    *after = 0;
    *limit = 100;
    if (a != NULL && *a != '\0' && !lr_parse_i64(a, 0, INT64_MAX, after))
        lr_json_field_error(errors, "after", "must be a non-negative integer");
    if (l != NULL && !lr_parse_i64(l, 1, 1000, limit))
        lr_json_field_error(errors, "limit", "must be an integer from 1 to 1000");
}

bool lr_query_rejected(struct lr_response *resp, json_t *errors)
{
    if (json_array_size(errors) == 0) {
        json_decref(errors);
        return false;
    }
    lr_problem_answer(resp, LR_PROBLEM_VALIDATION, "one or more query parameters are invalid",
                      errors);
    return true;
}
