/* GET /v1/opportunities/{id} */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/opportunities_store.h"

void lr_api_opportunity_get(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    char *json = NULL;
    if (s == LR_DB_OK) {
        s = lr_opportunity_get_json(c, req->params[0], &json);
        lr_db_release(app->pool, c);
    }
    lr_resp_stored_json(resp, app, s, json, "no opportunity with that id");
}
