/* GET /v1/stats?since=&until= (SPEC 3.2) and GET /v1/stats/series?since=&until=&bucket=
 * (SPEC 3.7, the dashboard's chart). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/problem.h"
#include "api/stats_query.h"
#include "db/stats_store.h"
#include "util/json.h"
#include "util/time.h"

void lr_api_stats(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    struct lr_stats_window w;
    json_t *errors = json_array();
    lr_stats_window_parse(lr_req_query(req, "since"), lr_req_query(req, "until"), &w, errors);
    if (lr_query_rejected(resp, errors))
        return;
    struct lr_db_conn *c;
    char *json = NULL;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        s = lr_stats_json(c, w.has_since ? w.since_utc : NULL, w.has_until ? w.until_utc : NULL,
                          &json);
        lr_db_release(app->pool, c);
    }
    lr_resp_stored_json(resp, app, s, json, "not found");
}

void lr_api_stats_series(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    struct lr_series_query q;
    json_t *errors = json_array();
    lr_series_query_parse(lr_req_query(req, "since"), lr_req_query(req, "until"),
                          lr_req_query(req, "bucket"), lr_now_usec(), &q, errors);
    if (lr_query_rejected(resp, errors))
        return;
    struct lr_db_conn *c;
    char *json = NULL;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        s = lr_stats_series_json(c, q.window.since_utc, q.window.until_utc, q.bucket, q.interval,
                                 &json);
        lr_db_release(app->pool, c);
    }
    lr_resp_stored_json(resp, app, s, json, "not found");
}
