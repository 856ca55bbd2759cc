/* GET /v1/leads/{id} */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/leads_store.h"

void lr_api_lead_get(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    char *json = NULL;
    if (s == LR_DB_OK) {
        s = lr_lead_get_json(c, req->params[0], &json);
        lr_db_release(app->pool, c);
    }
    lr_resp_stored_json(resp, app, s, json, "no lead with that id");
}
