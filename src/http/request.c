/* Header, query and media-type look-ups on the request, and its id. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

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

const char *lr_req_bearer(const struct lr_request *req)
{
    const char *h = lr_req_header(req, "Authorization");
    return h != NULL && strncasecmp(h, "Bearer ", 7) == 0 ? h + 7 : NULL;
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

/* A caller's X-Request-Id is kept when it is a plain token (it is echoed in logs and
 * headers); otherwise one is made, so that every line of a request can be found. */
void lr_req_assign_id(struct lr_request *req)
{
    char *out = req->request_id;
    size_t size = sizeof req->request_id;
    const char *given = lr_req_header(req, "X-Request-Id");
    size_t n = given ? strlen(given) : 0;
    bool ok = n >= 1 && n < size && n <= 64;
    for (size_t i = 0; ok && i < n; i++) {
        char ch = given[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             ch == '-' || ch == '_' || ch == '.' || ch == ':';
    }
    if (ok) {
        memcpy(out, given, n + 1);
        return;
    }
    unsigned char raw[8] = {0};
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        memcpy(raw, &ts.tv_nsec, sizeof ts.tv_nsec < sizeof raw ? sizeof ts.tv_nsec : sizeof raw);
    }
    snprintf(out, size, "req_%02x%02x%02x%02x%02x%02x%02x%02x", raw[0], raw[1], raw[2], raw[3],
             raw[4], raw[5], raw[6], raw[7]);
}
