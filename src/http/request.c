/* Header, query and media-type look-ups on the request. */
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "http/http.h"

const char *lr_req_header(const struct lr_request *req, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_HEADER_KIND, name);
}

const char *lr_req_query(const struct lr_request *req, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_GET_ARGUMENT_KIND,
                                       name);
}

struct each_query {
    bool (*fn)(void *arg, const char *key, const char *value);
    void *arg;
};

static enum MHD_Result visit(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct each_query *q = cls;
    return q->fn(q->arg, key, value) ? MHD_YES : MHD_NO;
}

void lr_req_each_query(const struct lr_request *req,
                       bool (*fn)(void *arg, const char *key, const char *value), void *arg)
{
    struct each_query q = {fn, arg};
    MHD_get_connection_values((struct MHD_Connection *)req->conn, MHD_GET_ARGUMENT_KIND, visit, &q);
}

bool lr_media_type_is(const char *content_type, const char *type)
{
    if (content_type == NULL)
        return false;
    while (*content_type == ' ')
        content_type++;
    size_t n = strlen(type);
    return strncasecmp(content_type, type, n) == 0 &&
           (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}
