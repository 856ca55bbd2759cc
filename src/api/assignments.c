/* GET /v1/assignments: keyset polling (docs/architecture.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/problem.h"
#include "db/assignments_store.h"
#include "routing/types.h"
#include "util/json.h"

void lr_api_assignments_list(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    json_t *errors = json_array();
    int64_t after, limit;
    lr_query_page(req, errors, &after, &limit);
    const char *queue = lr_req_query(req, "queue"), *rep = lr_req_query(req, "rep_id");
    const char *subject = lr_req_query(req, "subject");
    enum lr_segment seg;
    if (queue != NULL && !lr_segment_parse(queue, true, &seg))
        lr_json_field_error(errors, "queue", "must be smb, mid_market, strategic or review");
    if (rep != NULL && !lr_id_valid(rep))
        lr_json_field_error(errors, "rep_id", "must be 1-128 printable characters");
    if (subject != NULL && strcmp(subject, "lead") != 0 && strcmp(subject, "opportunity") != 0)
        lr_json_field_error(errors, "subject", "must be lead or opportunity");
    if (lr_query_rejected(resp, errors))
        return;

    struct lr_db_conn *c;
    char *json = NULL;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        s = lr_assignments_page_json(c, after, limit, queue, rep, subject, &json);
        lr_db_release(app->pool, c);
    }
    if (s != LR_DB_OK) {
        lr_problem_db(resp, app, s);
        return;
    }
    lr_resp_json_text(resp, 200, json, strlen(json));
    free(json);
}
