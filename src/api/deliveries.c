/* GET /v1/deliveries, POST /v1/deliveries/{id}/retry (SPEC 3.6). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/problem.h"
#include "db/deliveries_store.h"
#include "service/deliveries.h"
#include "util/json.h"

void lr_api_deliveries_list(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    json_t *errors = json_array();
    int64_t after, limit;
    lr_query_page(req, errors, &after, &limit);
    const char *status = lr_req_query(req, "status");
    static const char *const STATUSES[] = {"pending", "delivered", "dead", "superseded"};
    bool known = status == NULL;
    for (size_t i = 0; !known && i < sizeof STATUSES / sizeof *STATUSES; i++)
        known = strcmp(status, STATUSES[i]) == 0;
    if (!known)
        lr_json_field_error(errors, "status", "must be pending, delivered, dead or superseded");
    if (lr_query_rejected(resp, errors))
        return;
    struct lr_db_conn *c;
    char *json = NULL;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        s = lr_deliveries_list_json(c, status, after, limit, &json);
        lr_db_release(app->pool, c);
    }
    lr_resp_stored_json(resp, app, s, json, "not found");
}

void lr_api_delivery_retry(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    int64_t id = 0;
    if (!lr_parse_i64(req->params[0], 1, INT64_MAX, &id)) {
        lr_problem_answer(resp, LR_PROBLEM_NOT_FOUND, "no delivery with that id", NULL);
        return;
    }
    enum lr_retry_outcome outcome = LR_RETRY_NOT_FOUND;
    char *json = NULL;
    enum lr_db_status s = lr_service_delivery_retry(app->pool, id, req->actor, &outcome, &json);
    if (s != LR_DB_OK)
        lr_problem_db(resp, app, s);
    else if (outcome == LR_RETRY_NOT_FOUND)
        lr_problem_answer(resp, LR_PROBLEM_NOT_FOUND, "no delivery with that id", NULL);
    else if (outcome == LR_RETRY_NOT_DEAD)
        lr_problem_answer(resp, LR_PROBLEM_DELIVERY_NOT_DEAD,
                          "only a dead delivery is retried by hand; this one is not dead", NULL);
    else if (outcome == LR_RETRY_MOOT)
        lr_problem_answer(resp, LR_PROBLEM_DELIVERY_NOT_DEAD,
                          "a newer owner of this subject is delivered or on its way: sending this "
                          "one again would put an older owner back in the CRM",
                          NULL);
    else
        lr_resp_json_text(resp, 200, json, strlen(json));
    free(json);
}
