/* Response bodies: JSON (problem details are built in api/problem.c) and static files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "util/json.h"

static void set_body(struct lr_response *resp, unsigned status, char *body, const char *ctype)
{
    free(resp->body);
    resp->static_body = NULL;
    resp->status = status;
    resp->body = body;
    resp->body_len = body ? strlen(body) : 0;
    resp->content_type = ctype;
}

void lr_resp_json(struct lr_response *resp, unsigned status, json_t *v)
{
    char *text = v ? lr_json_dumps(v) : NULL;
    json_decref(v);
    if (text == NULL) {
        /* No body: the layer above answers it as its internal-error problem. */
        set_body(resp, 500, NULL, "application/json");
        return;
    }
    set_body(resp, status, text, "application/json");
}

void lr_resp_json_text(struct lr_response *resp, unsigned status, const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        set_body(resp, 500, NULL, "application/json");
        return;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    set_body(resp, status, copy, "application/json");
    resp->body_len = len;
}

void lr_resp_static(struct lr_response *resp, unsigned status, const char *content_type,
                    const void *data, size_t len, const char *const *headers)
{
    set_body(resp, status, NULL, content_type);
    resp->static_body = data;
    resp->body_len = len;
    resp->headers = headers;
}
