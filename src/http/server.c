/* libmicrohttpd glue. One thread per connection: a handler that waits on PostgreSQL
 * blocks only its own connection, never the others (docs/architecture.md). A request
 * is routed and authenticated from its head, before a byte of its body is read, so
 * that nobody without a token can make the server hold a body. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/auth.h"
#include "http/conns.h"
#include "http/router.h"
#include "util/json.h"
#include "util/log.h"

struct server {
    struct lr_app *app;
    atomic_int in_flight;  /* requests between their head and their completion */
    atomic_int bulk_loads; /* bulk bodies being received or loaded */
    atomic_bool closing;   /* the listener is closed: every answer says Connection: close */
    struct lr_conns conns; /* deadlines of the connections' heads and bodies */
    struct lr_log_limiter mhd_limiter;
};

/* Per request: what the route needs, the body as it arrives, and what the access log
 * needs. */
struct req_ctx {
    struct lr_request req;
    const struct lr_route *route;
    char *body;
    size_t len, cap, limit;
    FILE *spool; /* bulk routes: the body on disk */
    bool bulk, bulk_slot, too_large, answered;
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

static bool bulk_type_ok(const char *ct)
{
    if (ct == NULL)
        return false;
    while (*ct == ' ')
        ct++;
    static const char *const TYPES[] = {"text/csv", "application/json"};
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(TYPES[i]);
        if (strncasecmp(ct, TYPES[i], n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
            return true;
    }
    return false;
}

static enum MHD_Result send_response(struct server *srv, struct MHD_Connection *conn,
                                     struct req_ctx *ctx, struct lr_response *resp)
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
    if (atomic_load(&srv->closing))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
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

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    const char **bad = cls;
    if (!lr_utf8_printable(key, 1, 1024) || (value != NULL && !lr_utf8_printable(value, 0, 4096))) {
        *bad = key;
        return MHD_NO;
    }
    return MHD_YES;
}

/* Path segments and query parameters are compared with and stored as text: bytes
 * that are not printable UTF-8 can name nothing, and PostgreSQL would refuse them. */
static bool url_text_ok(struct MHD_Connection *conn, const struct lr_request *req,
                        struct lr_response *resp)
{
    /* A read of a name that cannot exist finds nothing; a write names the bad field
     * itself (its handler validates the id it would store). */
    bool read = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    for (size_t i = 0; read && i < req->nparams; i++) {
        if (!lr_utf8_printable(req->params[i], 1, sizeof req->params[i])) {
            lr_problem(resp, 404, "not-found", "Not found",
                       "no such resource: the path is not printable UTF-8", NULL);
            return false;
        }
    }
    const char *bad = NULL;
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, check_arg, &bad);
    if (bad != NULL) {
        json_t *errors = json_array();
        lr_json_field_error(errors, lr_utf8_printable(bad, 1, 1024) ? bad : "query",
                            "must be printable UTF-8");
        lr_problem(resp, 422, "validation", "Invalid request", "a query parameter is not text",
                   errors);
        return false;
    }
    return true;
}

static void too_large(struct lr_response *resp, size_t limit)
{
    char detail[128];
    snprintf(detail, sizeof detail, "the body is over the limit of %zu bytes", limit);
    lr_problem(resp, 413, "body-too-large", "Payload too large", detail, NULL);
}

/* An unlinked file in $TMPDIR (else /tmp): the body of a bulk load waits there, not
 * in memory, and disappears with the descriptor whatever happens to the process. */
static FILE *open_spool(void)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/leadrouter-bulk-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+b");
    if (f == NULL)
        close(fd);
    return f;
}

/* Everything that can be decided from the request head: the route, the body limit,
 * the token and its role, the content type of a bulk load and the bulk-load slot.
 * Sets resp when the request is answered without its body. */
static void admit(struct server *srv, struct MHD_Connection *conn, const char *method,
                  const char *url, struct req_ctx *ctx, struct lr_response *resp)
{
    struct lr_app *app = srv->app;
    struct lr_request *req = &ctx->req;
    req->method = method;
    req->path = url;
    req->conn = conn;
    snprintf(req->actor, sizeof req->actor, "anonymous");

    /* HEAD is GET without the body; libmicrohttpd leaves the body out. */
    const char *lookup = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 ? "GET" : method;
    bool known = false;
    ctx->route = lr_route_find(lookup, url, req, &known);
    if (ctx->route == NULL) {
        if (known)
            lr_problem(resp, 405, "method-not-allowed", "Method not allowed",
                       "this path does not take that method", NULL);
        else
            lr_problem(resp, 404, "not-found", "Not found", "no such endpoint", NULL);
        return;
    }
    if (!url_text_ok(conn, req, resp))
        return;
    ctx->bulk = is_bulk(lookup, url);
    ctx->limit = ctx->bulk ? app->cfg.max_bulk_bytes : app->cfg.max_body_bytes;
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (ctx->route->role != LR_ROLE_NONE) {
        authenticate(app, req, resp, ctx->route->role);
        if (resp->status != 0)
            return;
    }
    if (cl != NULL && strtoull(cl, NULL, 10) > ctx->limit) {
        ctx->too_large = true;
        too_large(resp, ctx->limit);
        return;
    }
    if (!ctx->bulk)
        return;
    if (!bulk_type_ok(lr_req_header(req, MHD_HTTP_HEADER_CONTENT_TYPE))) {
        lr_problem(resp, 415, "unsupported-media-type", "Unsupported media type",
                   "send text/csv or application/json", NULL);
        return;
    }
    if (atomic_fetch_add(&srv->bulk_loads, 1) >= (int)app->cfg.max_bulk_loads) {
        atomic_fetch_sub(&srv->bulk_loads, 1);
        lr_problem(resp, 429, "busy", "Too many bulk loads",
                   "another bulk load is in progress on this server; retry after it", NULL);
        resp->retry_after = app->cfg.retry_after_sec;
        return;
    }
    ctx->bulk_slot = true;
    ctx->spool = open_spool();
    if (ctx->spool == NULL) {
        lr_log(LR_LOG_ERROR, "cannot create a temporary file for a bulk load",
               json_pack("{s:s}", "error", strerror(errno)));
        lr_problem(resp, 503, "unavailable", "Service unavailable",
                   "the server cannot store the body now", NULL);
        resp->retry_after = app->cfg.retry_after_sec;
    }
}

/* Takes one piece of the body: to the spool file of a bulk load, else to memory. */
static bool take_body(struct req_ctx *ctx, const char *data, size_t n)
{
    if (ctx->len + n > ctx->limit) {
        ctx->too_large = true;
        free(ctx->body);
        ctx->body = NULL;
        ctx->cap = 0;
        if (ctx->spool != NULL && ftruncate(fileno(ctx->spool), 0) != 0)
            return false;
        return true;
    }
    if (ctx->spool != NULL) {
        if (fwrite(data, 1, n, ctx->spool) != n)
            return false;
        ctx->len += n;
        return true;
    }
    if (ctx->len + n + 1 > ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap : 4096;
        while (cap < ctx->len + n + 1)
            cap *= 2;
        if (cap > ctx->limit + 1)
            cap = ctx->limit + 1;
        char *nb = realloc(ctx->body, cap);
        if (nb == NULL)
            return false;
        ctx->body = nb;
        ctx->cap = cap;
    }
    memcpy(ctx->body + ctx->len, data, n);
    ctx->len += n;
    ctx->body[ctx->len] = '\0';
    return true;
}

static void dispatch(struct server *srv, struct req_ctx *ctx, struct lr_response *resp)
{
    struct lr_request *req = &ctx->req;
    if (ctx->too_large) {
        too_large(resp, ctx->limit);
        return;
    }
    req->body = ctx->body ? ctx->body : "";
    req->body_len = ctx->len;
    if (ctx->spool != NULL) {
        if (fflush(ctx->spool) != 0 || fseek(ctx->spool, 0, SEEK_SET) != 0) {
            lr_problem(resp, 503, "unavailable", "Service unavailable",
                       "the server could not store the body", NULL);
            resp->retry_after = srv->app->cfg.retry_after_sec;
            return;
        }
        req->body_file = ctx->spool;
    }
    ctx->route->handler(srv->app, req, resp);
    if (resp->status == 0)
        lr_problem(resp, 500, "internal", "Internal error", "no response was produced", NULL);
}

/* The deadline record of a connection, set up in on_connection. */
static void set_phase(struct server *srv, struct MHD_Connection *conn, enum lr_conn_phase phase,
                      bool bulk)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (ci != NULL)
        lr_conns_set_phase(&srv->conns, ci->socket_context, phase, bulk);
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
        atomic_fetch_add(&srv->in_flight, 1);
        *con_cls = ctx;
        struct lr_response resp;
        memset(&resp, 0, sizeof resp);
        admit(srv, conn, method, url, ctx, &resp);
        set_phase(srv, conn, LR_CONN_BODY, ctx->bulk);
        if (resp.status != 0) {
            /* Answered from the head: the body is never read, and libmicrohttpd
             * closes the connection after this answer. */
            return send_response(srv, conn, ctx, &resp);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (ctx->too_large || ctx->answered)
            return MHD_YES;
        return take_body(ctx, upload_data, n) ? MHD_YES : MHD_NO;
    }
    if (ctx->answered)
        return MHD_YES;
    set_phase(srv, conn, LR_CONN_HANDLER, ctx->bulk);
    struct lr_response resp;
    memset(&resp, 0, sizeof resp);
    dispatch(srv, ctx, &resp);
    return send_response(srv, conn, ctx, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct server *srv = cls;
    struct req_ctx *ctx = *con_cls;
    if (ctx == NULL)
        return;
    set_phase(srv, conn, LR_CONN_KEEPALIVE, false);
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ms = (double)(end.tv_sec - ctx->start.tv_sec) * 1e3 +
                (double)(end.tv_nsec - ctx->start.tv_nsec) / 1e6;
    if (ctx->status >= 500 || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        lr_log(ctx->status >= 500 ? LR_LOG_WARN : LR_LOG_INFO, "request",
               json_pack("{s:i, s:f, s:i, s:I}", "status", (int)ctx->status, "ms", ms,
                         "termination", (int)toe, "bytes_in", (json_int_t)ctx->len));
    else
        lr_log(LR_LOG_DEBUG, "request",
               json_pack("{s:i, s:f}", "status", (int)ctx->status, "ms", ms));
    if (ctx->spool != NULL)
        fclose(ctx->spool);
    free(ctx->body);
    bool bulk = ctx->bulk_slot;
    free(ctx);
    *con_cls = NULL;
    if (bulk) {
        /* A bulk load leaves large free blocks behind; give them back now rather
         * than keep the peak for the life of the process. */
        malloc_trim(0);
        atomic_fetch_sub(&srv->bulk_loads, 1);
    }
    atomic_fetch_sub(&srv->in_flight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct server *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = lr_conns_add(&srv->conns, fd ? fd->connect_fd : -1);
    } else {
        lr_conns_remove(&srv->conns, *socket_context);
        *socket_context = NULL;
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct server *srv = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    /* Under a flood (every refused connection says so) a few lines a second tell the
     * story; the rest are counted in the next line that is written. */
    unsigned suppressed = 0;
    if (!lr_log_limiter_allow(&srv->mhd_limiter, &suppressed))
        return;
    if (suppressed > 0)
        lr_log(LR_LOG_WARN, "http",
               json_pack("{s:s, s:i}", "detail", msg, "suppressed", (int)suppressed));
    else
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

/* Connections already waiting in the listen backlog sent their requests before the
 * listener closed: hand them to the daemon, which answers them, instead of resetting
 * them with the socket. */
static unsigned adopt_backlog(struct MHD_Daemon *d, MHD_socket lsock)
{
    unsigned adopted = 0;
    int fl = fcntl(lsock, F_GETFL);
    if (fl < 0 || fcntl(lsock, F_SETFL, fl | O_NONBLOCK) < 0)
        return 0;
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept(lsock, (struct sockaddr *)&ss, &sl);
        if (fd < 0)
            break;
        if (MHD_add_connection(d, fd, (struct sockaddr *)&ss, sl) != MHD_YES)
            close(fd);
        else
            adopted++;
    }
    return adopted;
}

/* Waits for a stop signal for up to sec seconds; true when one came. */
static bool wait_signal(const sigset_t *stop, unsigned sec)
{
    struct timespec ts = {.tv_sec = sec, .tv_nsec = 0};
    return sigtimedwait(stop, NULL, &ts) > 0;
}

static void drain(struct server *srv, struct MHD_Daemon *d, const sigset_t *stop, int sig)
{
    struct lr_app *app = srv->app;
    atomic_store(&app->draining, true);
    lr_log(LR_LOG_INFO, "draining",
           json_pack("{s:s, s:i, s:i}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                     "in_flight", atomic_load(&srv->in_flight), "shutdown_delay_seconds",
                     (int)app->cfg.shutdown_delay_sec));
    /* Readiness is already failing; keep serving while load balancers notice. An
     * operator's Ctrl-C (SIGINT) has no load balancer to wait for, and a second
     * signal cuts the delay short. */
    if (sig == SIGTERM && app->cfg.shutdown_delay_sec > 0 &&
        wait_signal(stop, app->cfg.shutdown_delay_sec))
        lr_log(LR_LOG_INFO, "second signal: closing the listener now", NULL);
    atomic_store(&srv->closing, true);
    unsigned adopted = 0;
    MHD_socket lsock = MHD_quiesce_daemon(d);
    if (lsock != MHD_INVALID_SOCKET) {
        adopted = adopt_backlog(d, lsock);
        close(lsock);
    }
    lr_log(LR_LOG_INFO, "listener closed",
           json_pack("{s:i, s:i}", "in_flight", atomic_load(&srv->in_flight),
                     "adopted_from_backlog", (int)adopted));
    struct timespec step = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
    for (unsigned waited = 0; waited < app->cfg.drain_seconds * 50U; waited++) {
        if (atomic_load(&srv->in_flight) == 0 && lr_conns_unanswered(&srv->conns) == 0)
            break;
        nanosleep(&step, NULL);
    }
}

int lr_serve(struct lr_app *app)
{
    struct server srv = {.app = app};
    atomic_init(&srv.in_flight, 0);
    atomic_init(&srv.bulk_loads, 0);
    atomic_init(&srv.closing, false);
    lr_log_limiter_init(&srv.mhd_limiter, 5);
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

    struct lr_conn_limits limits = {.header_sec = app->cfg.header_timeout_sec,
                                    .keepalive_sec = app->cfg.idle_timeout_sec,
                                    .body_sec = app->cfg.request_timeout_sec,
                                    .bulk_body_sec = app->cfg.bulk_request_timeout_sec};
    if (lr_conns_start(&srv.conns, &limits) != 0) {
        lr_log(LR_LOG_ERROR, "cannot start the connection deadline thread", NULL);
        return -1;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, app->cfg.listen_port, NULL, NULL, on_request, &srv, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, &srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, &srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, &srv,
        MHD_OPTION_CONNECTION_LIMIT, app->cfg.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        app->cfg.max_connections_per_ip, MHD_OPTION_CONNECTION_TIMEOUT, app->cfg.idle_timeout_sec,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024), MHD_OPTION_END);
    if (d == NULL) {
        lr_conns_stop(&srv.conns);
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
    drain(&srv, d, &stop, sig);
    int left = atomic_load(&srv.in_flight);
    unsigned unanswered = lr_conns_unanswered(&srv.conns);
    MHD_stop_daemon(d);
    lr_conns_stop(&srv.conns);
    /* Truthful: a request counts when its head was read and it got no answer, and a
     * connection counts when it was accepted and its first request never completed. */
    lr_log(LR_LOG_INFO, "stopped",
           json_pack("{s:i, s:i, s:i}", "abandoned", left + (int)unanswered, "abandoned_requests",
                     left, "abandoned_connections", (int)unanswered));
    return 0;
}
