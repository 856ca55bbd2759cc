/* GET /v1/stats?since=&until= (SPEC 3.2). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/problem.h"
#include "db/stats_store.h"
#include "util/json.h"

#define BOUND_MESSAGE                                                                              \
    "must be an RFC 3339 timestamp from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z"

void lr_api_stats(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    const char *since = lr_req_query(req, "since"), *until = lr_req_query(req, "until");
    int64_t lo = 0, hi = 0;
    /* PostgreSQL gets the parsed instant, never the client's text: what the parser
     * accepts is then exactly what the query can take. */
    char since_utc[LR_RFC3339_UTC_SIZE], until_utc[LR_RFC3339_UTC_SIZE];
    json_t *errors = json_array();
    if (since != NULL && *since == '\0')
        since = NULL;
    if (until != NULL && *until == '\0')
        until = NULL;
    if (since != NULL &&
        (lr_rfc3339_parse(since, &lo) != 0 || lr_rfc3339_format_usec(lo, since_utc) != 0))
        lr_json_field_error(errors, "since", BOUND_MESSAGE);
    if (until != NULL &&
        (lr_rfc3339_parse(until, &hi) != 0 || lr_rfc3339_format_usec(hi, until_utc) != 0))
        lr_json_field_error(errors, "until", BOUND_MESSAGE);
    if (json_array_size(errors) == 0 && since != NULL && until != NULL && lo >= hi)
        lr_json_field_error(errors, "until", "must be later than since");
    if (lr_query_rejected(resp, errors))
        return;
    struct lr_db_conn *c;
    char *json = NULL;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        s = lr_stats_json(c, since ? since_utc : NULL, until ? until_utc : NULL, &json);
        lr_db_release(app->pool, c);
    }
    lr_resp_stored_json(resp, app, s, json, "not found");
}
