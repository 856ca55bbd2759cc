/* GET /v1/stats?since=&until= (SPEC 3.2). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/stats_store.h"
#include "util/json.h"

void lr_api_stats(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    const char *since = lr_req_query(req, "since"), *until = lr_req_query(req, "until");
    int64_t lo = 0, hi = 0;
    json_t *errors = json_array();
    if (since != NULL && *since == '\0')
        since = NULL;
    if (until != NULL && *until == '\0')
        until = NULL;
    if (since != NULL && lr_rfc3339_parse(since, &lo) != 0)
        lr_json_field_error(errors, "since", "must be an RFC 3339 timestamp");
    if (until != NULL && lr_rfc3339_parse(until, &hi) != 0)
        lr_json_field_error(errors, "until", "must be an RFC 3339 timestamp");
    if (json_array_size(errors) == 0 && since != NULL && until != NULL && lo >= hi)
        lr_json_field_error(errors, "until", "must be later than since");
    if (json_array_size(errors) > 0) {
        lr_problem(resp, 422, "validation", "Invalid query", "one or more parameters are invalid",
                   errors);
        return;
    }
    json_decref(errors);
    struct lr_db_conn *c;
    char *json = NULL;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        s = lr_stats_json(c, since, until, &json);
        lr_db_release(app->pool, c);
    }
    lr_resp_stored_json(resp, app, s, json, "not found");
}
