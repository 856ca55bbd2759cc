/* libmicrohttpd glue. One thread per connection: a handler that waits on PostgreSQL
 * blocks only its own connection, never the others (docs/architecture.md). */
#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "http/auth.h"
#include "http/router.h"
#include "util/json.h"
#include "util/log.h"

struct server {
    struct lr_app *app;
    atomic_int in_flight;
};

/* Per request: the body as it arrives, and what the access log needs. */
struct req_ctx {
    char *body;
    size_t len, cap, limit;
    bool too_large;
    bool answered;
    unsigned status;
    struct timespec start;
};

const char *lr_req_header(const struct lr_request *req, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_HEADER_KIND, name);
}

const char *lr_req_query(const struct lr_request *req, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_GET_ARGUMENT_KIND,
                                       name);
}

static bool is_bulk(const char *method, const char *url)
{
    return strcmp(method, "PUT") == 0 &&
           (strcmp(url, "/v1/accounts") == 0 || strncmp(url, "/v1/named-accounts/", 19) == 0);
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct req_ctx *ctx,
                                     struct lr_response *resp)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        resp->body_len, resp->body ? resp->body : (void *)"",
        resp->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        free(resp->body);
        return MHD_NO;
    }
    resp->body = NULL;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            resp->content_type ? resp->content_type : "application/json");
    if (resp->retry_after) {
        char ra[16];
        snprintf(ra, sizeof ra, "%u", resp->retry_after);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    if (resp->location[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, resp->location);
    ctx->status = resp->status;
    ctx->answered = true;
    enum MHD_Result ret = MHD_queue_response(conn, resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

static void authenticate(struct lr_app *app, struct lr_request *req, struct lr_response *resp,
                         enum lr_role needed)
{
    const char *h = lr_req_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0') {
        lr_problem(resp, 401, "unauthorized", "Unauthorized", "send Authorization: Bearer <token>",
                   NULL);
        return;
    }
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    char name[128] = "";
    if (s == LR_DB_OK) {
        s = lr_token_lookup(c, h + 7, &req->role, name, sizeof name);
        lr_db_release(app->pool, c);
    }
    if (s != LR_DB_OK) {
        lr_problem_db(resp, app, s);
        return;
    }
    if (req->role == LR_ROLE_NONE) {
        lr_problem(resp, 401, "unauthorized", "Unauthorized", "unknown or revoked token", NULL);
        return;
    }
    snprintf(req->actor, sizeof req->actor, "token:%s", name);
    if (req->role < needed) {
        char detail[128];
        snprintf(detail, sizeof detail, "this needs the %s role; the token has %s",
                 lr_role_name(needed), lr_role_name(req->role));
        lr_problem(resp, 403, "forbidden", "Forbidden", detail, NULL);
    }
}

static void dispatch(struct lr_app *app, struct MHD_Connection *conn, const char *method,
                     const char *url, struct req_ctx *ctx, struct lr_response *resp)
{
    struct lr_request req;
    memset(&req, 0, sizeof req);
    req.method = method;
    req.path = url;
    req.body = ctx->body ? ctx->body : "";
    req.body_len = ctx->len;
    req.conn = conn;
    snprintf(req.actor, sizeof req.actor, "anonymous");

    bool known = false;
    const struct lr_route *route = lr_route_find(method, url, &req, &known);
    if (route == NULL) {
        if (known)
            lr_problem(resp, 405, "method-not-allowed", "Method not allowed",
                       "this path does not take that method", NULL);
        else
            lr_problem(resp, 404, "not-found", "Not found", "no such endpoint", NULL);
        return;
    }
    if (ctx->too_large) {
        char detail[128];
        snprintf(detail, sizeof detail, "the body is over the limit of %zu bytes", ctx->limit);
        lr_problem(resp, 413, "body-too-large", "Payload too large", detail, NULL);
        return;
    }
    if (route->role != LR_ROLE_NONE) {
        authenticate(app, &req, resp, route->role);
        if (resp->status != 0)
            return;
    }
    route->handler(app, &req, resp);
    if (resp->status == 0)
        lr_problem(resp, 500, "internal", "Internal error", "no response was produced", NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct server *srv = cls;
    struct req_ctx *ctx = *con_cls;
    if (ctx == NULL) {
        ctx = calloc(1, sizeof *ctx);
        if (ctx == NULL)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &ctx->start);
        ctx->limit =
            is_bulk(method, url) ? srv->app->cfg.max_bulk_bytes : srv->app->cfg.max_body_bytes;
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        atomic_fetch_add(&srv->in_flight, 1);
        *con_cls = ctx;
        if (cl != NULL && strtoull(cl, NULL, 10) > ctx->limit) {
            /* Answer before reading a body we would throw away; MHD closes the
             * connection after this response. */
            ctx->too_large = true;
            struct lr_response resp;
            memset(&resp, 0, sizeof resp);
            dispatch(srv->app, conn, method, url, ctx, &resp);
            return send_response(conn, ctx, &resp);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (ctx->too_large || ctx->answered)
            return MHD_YES;
        if (ctx->len + n > ctx->limit) {
            ctx->too_large = true;
            free(ctx->body);
            ctx->body = NULL;
            ctx->len = ctx->cap = 0;
            return MHD_YES;
        }
        if (ctx->len + n + 1 > ctx->cap) {
            size_t cap = ctx->cap ? ctx->cap : 4096;
            while (cap < ctx->len + n + 1)
                cap *= 2;
            char *nb = realloc(ctx->body, cap);
            if (nb == NULL)
                return MHD_NO;
            ctx->body = nb;
            ctx->cap = cap;
        }
        memcpy(ctx->body + ctx->len, upload_data, n);
        ctx->len += n;
        ctx->body[ctx->len] = '\0';
        return MHD_YES;
    }
    if (ctx->answered)
        return MHD_YES;
    struct lr_response resp;
    memset(&resp, 0, sizeof resp);
    dispatch(srv->app, conn, method, url, ctx, &resp);
    return send_response(conn, ctx, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct server *srv = cls;
    struct req_ctx *ctx = *con_cls;
    if (ctx == NULL)
        return;
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ms = (double)(end.tv_sec - ctx->start.tv_sec) * 1e3 +
                (double)(end.tv_nsec - ctx->start.tv_nsec) / 1e6;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    (void)ci;
    if (ctx->status >= 500 || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        lr_log(ctx->status >= 500 ? LR_LOG_WARN : LR_LOG_INFO, "request",
               json_pack("{s:i, s:f, s:i, s:I}", "status", (int)ctx->status, "ms", ms,
                         "termination", (int)toe, "bytes_in", (json_int_t)ctx->len));
    else
        lr_log(LR_LOG_DEBUG, "request",
               json_pack("{s:i, s:f}", "status", (int)ctx->status, "ms", ms));
    free(ctx->body);
    free(ctx);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    lr_log(LR_LOG_WARN, "http", json_pack("{s:s}", "detail", msg));
}

static int resolve_listen(const struct lr_config *cfg, struct sockaddr_storage *ss, socklen_t *len)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", cfg->listen_port);
    if (getaddrinfo(cfg->listen_host, port, &hints, &res) != 0 || res == NULL)
        return -1;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int lr_serve(struct lr_app *app)
{
    struct server srv = {.app = app};
    atomic_init(&srv.in_flight, 0);
    struct sockaddr_storage addr;
    socklen_t addrlen;
    if (resolve_listen(&app->cfg, &addr, &addrlen)) {
        lr_log(LR_LOG_ERROR, "cannot resolve listen address",
               json_pack("{s:s}", "host", app->cfg.listen_host));
        return -1;
    }
    /* Block the stop signals in every thread; this one waits for them below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, app->cfg.listen_port, NULL, NULL, on_request, &srv, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, &srv, MHD_OPTION_CONNECTION_LIMIT, app->cfg.max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_THREAD_STACK_SIZE,
        (size_t)(512 * 1024), MHD_OPTION_END);
    if (d == NULL) {
        lr_log(LR_LOG_ERROR, "cannot listen",
               json_pack("{s:s, s:i}", "host", app->cfg.listen_host, "port",
                         (int)app->cfg.listen_port));
        return -1;
    }
    lr_log(LR_LOG_INFO, "serving",
           json_pack("{s:s, s:i, s:i}", "host", app->cfg.listen_host, "port",
                     (int)app->cfg.listen_port, "db_pool_size", (int)app->cfg.db_pool_size));

    int sig = 0;
    sigwait(&stop, &sig);
    lr_log(LR_LOG_INFO, "draining",
           json_pack("{s:s, s:i}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", "in_flight",
                     atomic_load(&srv.in_flight)));
    MHD_socket lsock = MHD_quiesce_daemon(d);
    if (lsock != MHD_INVALID_SOCKET)
        close(lsock);
    struct timespec step = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
    for (unsigned waited = 0;
         atomic_load(&srv.in_flight) > 0 && waited < app->cfg.drain_seconds * 50; waited++)
        nanosleep(&step, NULL);
    int left = atomic_load(&srv.in_flight);
    MHD_stop_daemon(d);
    lr_log(LR_LOG_INFO, "stopped", json_pack("{s:i}", "abandoned", left));
    return 0;
}
