/* libmicrohttpd glue. One thread per connection: a handler that waits on PostgreSQL
 * blocks only its own connection, never the others (docs/architecture.md). A request
 * is admitted from its head, before a byte of its body is read, so that nobody
 * without a token can make the server hold a body. */
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

#include "http/conns.h"
#include "util/json.h"
#include "util/log.h"

struct server {
    const struct lr_config *cfg;
    const struct lr_http_handler *h;
    atomic_bool *draining;
    atomic_int in_flight;  /* requests between their head and their completion */
    atomic_bool closing;   /* the listener is closed: every answer says Connection: close */
    atomic_int adopting;   /* connections handed to the daemon at the close, not yet started */
    struct lr_conns conns; /* deadlines of the connections' heads and bodies */
    struct lr_log_limiter mhd_limiter;
};

/* Per request: what the route needs, the body as it arrives, and what the access log
 * needs. */
struct req_ctx {
    struct lr_request req;
    struct lr_http_admission adm;
    char *body;
    size_t len, cap;
    FILE *spool; /* adm.spool: the body on disk */
    bool admitted, too_large, answered, spool_failed;
    unsigned status;
    const char *problem; /* the answer's problem type, when it was one */
    struct timespec start;
};

static enum MHD_Result send_response(struct server *srv, struct MHD_Connection *conn,
                                     struct req_ctx *ctx, struct lr_response *resp)
{
    /* libmicrohttpd only reads a PERSISTENT buffer, whatever its signature says. */
    void *data = resp->body          ? resp->body
                 : resp->static_body ? (void *)(uintptr_t)resp->static_body
                                     : (void *)"";
    struct MHD_Response *r = MHD_create_response_from_buffer(
        resp->body_len, data, resp->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
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
    MHD_add_response_header(r, "X-Request-Id", ctx->req.request_id);
    for (const char *const *h = resp->headers; h != NULL && h[0] != NULL; h += 2)
        MHD_add_response_header(r, h[0], h[1]);
    ctx->status = resp->status;
    ctx->problem = resp->problem;
    ctx->answered = true;
    enum MHD_Result ret = MHD_queue_response(conn, resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* An unlinked file in $TMPDIR (else /tmp): a large body waits there, not in memory,
 * and disappears with the descriptor whatever happens to the process. */
static FILE *open_spool(void)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/leadrouter-body-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+b");
    if (f == NULL)
        close(fd);
    return f;
}

/* Takes one piece of the body: to the spool file, else to memory. false: the
 * connection cannot go on. */
static bool take_body(struct req_ctx *ctx, const char *data, size_t n)
{
    if (ctx->len + n > ctx->adm.body_limit) {
        /* Only a body without Content-Length gets here (a declared one over the limit
         * was answered from the head). libmicrohttpd cannot answer in the middle of an
         * upload, and reading on until the deadline would only waste both sides' time:
         * the connection is closed now. */
        ctx->too_large = true;
        return false;
    }
    if (ctx->spool != NULL) {
        if (!ctx->spool_failed && fwrite(data, 1, n, ctx->spool) != n) {
            /* A full disk: the rest is read and dropped, and the answer is a 503. */
            ctx->spool_failed = true;
            lr_log(LR_LOG_ERROR, "cannot write a request body to its temporary file",
                   json_pack("{s:s}", "error", strerror(errno)));
            if (ftruncate(fileno(ctx->spool), 0) != 0)
                return false;
        }
        ctx->len += n;
        return true;
    }
    if (ctx->len + n + 1 > ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap : 4096;
        while (cap < ctx->len + n + 1)
            cap *= 2;
        if (cap > ctx->adm.body_limit + 1)
            cap = ctx->adm.body_limit + 1;
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
        srv->h->refuse(srv->h->ctx, req, LR_HTTP_TOO_LARGE, resp);
        return;
    }
    req->body = ctx->body ? ctx->body : "";
    req->body_len = ctx->len;
    if (ctx->spool != NULL) {
        if (ctx->spool_failed || fflush(ctx->spool) != 0 || fseek(ctx->spool, 0, SEEK_SET) != 0) {
            srv->h->refuse(srv->h->ctx, req, LR_HTTP_NO_SPOOL, resp);
            return;
        }
        req->body_file = ctx->spool;
    }
    srv->h->handle(srv->h->ctx, req, resp);
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

/* The first call for a request: its head is complete. */
static enum MHD_Result on_head(struct server *srv, struct MHD_Connection *conn, const char *url,
                               const char *method, void **con_cls)
{
    struct req_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return MHD_NO;
    clock_gettime(CLOCK_MONOTONIC, &ctx->start);
    atomic_fetch_add(&srv->in_flight, 1);
    *con_cls = ctx;
    struct lr_request *req = &ctx->req;
    req->method = method;
    req->path = url;
    req->conn = conn;
    req->body = "";
    req->route_name = "unmatched";
    lr_req_assign_id(req);
    struct lr_response resp;
    memset(&resp, 0, sizeof resp);
    /* Admission may wait on the database (the token): that is the server's time, not
     * the client's, so no deadline runs meanwhile. */
    set_phase(srv, conn, LR_CONN_HANDLER, false);
    srv->h->admit(srv->h->ctx, req, &ctx->adm, &resp);
    ctx->admitted = true;
    set_phase(srv, conn, LR_CONN_BODY, ctx->adm.bulk);
    if (resp.status == 0 && ctx->adm.spool && (ctx->spool = open_spool()) == NULL) {
        lr_log(LR_LOG_ERROR, "cannot create a temporary file for a request body",
               json_pack("{s:s}", "error", strerror(errno)));
        srv->h->refuse(srv->h->ctx, req, LR_HTTP_NO_SPOOL, &resp);
    }
    /* Answered from the head: the body is never read, and libmicrohttpd closes the
     * connection after this answer. */
    return resp.status != 0 ? send_response(srv, conn, ctx, &resp) : MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct server *srv = cls;
    struct req_ctx *ctx = *con_cls;
    if (ctx == NULL)
        return on_head(srv, conn, url, method, con_cls);
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (ctx->too_large || ctx->answered)
            return MHD_YES;
        return take_body(ctx, upload_data, n) ? MHD_YES : MHD_NO;
    }
    if (ctx->answered)
        return MHD_YES;
    set_phase(srv, conn, LR_CONN_HANDLER, ctx->adm.bulk);
    struct lr_response resp;
    memset(&resp, 0, sizeof resp);
    dispatch(srv, ctx, &resp);
    return send_response(srv, conn, ctx, &resp);
}

/* One line per request (SPEC 3.4): who (token name or webhook-id, never the token),
 * what (method and route template, never the raw path), and how it ended. */
static void log_request(const struct req_ctx *ctx, double ms, enum MHD_RequestTerminationCode toe)
{
    const struct lr_request *req = &ctx->req;
    json_t *f = json_pack("{s:s, s:s, s:s, s:i, s:f}", "request_id", req->request_id, "method",
                          req->method ? req->method : "", "route", req->route_name, "status",
                          (int)ctx->status, "ms", ms);
    if (f == NULL)
        return;
    if (strncmp(req->actor, "token:", 6) == 0)
        json_object_set_new(f, "token", json_string(req->actor + 6));
    else if (strncmp(req->actor, "webhook:", 8) == 0)
        json_object_set_new(f, "webhook_id", json_string(req->actor + 8));
    if (ctx->problem != NULL)
        json_object_set_new(f, "problem", json_string(ctx->problem));
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        /* The client went away or a deadline cut it: the status is what was queued. */
        json_object_set_new(f, "termination", json_integer((int)toe));
        json_object_set_new(f, "bytes_in", json_integer((json_int_t)ctx->len));
    }
    lr_log(ctx->status >= 500 || ctx->status == 0 ? LR_LOG_WARN : LR_LOG_INFO, "request", f);
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
    log_request(ctx, ms, toe);
    if (ctx->admitted)
        srv->h->done(srv->h->ctx, &ctx->req, ctx->status, ms / 1e3);
    if (ctx->spool != NULL) {
        fclose(ctx->spool);
        /* A large body leaves large free blocks behind; give them back now rather
         * than keep the peak for the life of the process. */
        malloc_trim(0);
    }
    free(ctx->body);
    free(ctx);
    *con_cls = NULL;
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
        /* After the listener's close, every connection that starts is an adopted one. */
        if (atomic_load(&srv->closing)) {
            int n = atomic_load(&srv->adopting);
            while (n > 0 && !atomic_compare_exchange_weak(&srv->adopting, &n, n - 1))
                ;
        }
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
static unsigned adopt_backlog(struct server *srv, struct MHD_Daemon *d, MHD_socket lsock)
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
        /* The daemon starts the connection later, in its own thread: count it until
         * then, so that the drain waits for it. On failure the daemon has closed fd. */
        atomic_fetch_add(&srv->adopting, 1);
        if (MHD_add_connection(d, fd, (struct sockaddr *)&ss, sl) == MHD_YES)
            adopted++;
        else
            atomic_fetch_sub(&srv->adopting, 1);
    }
    /* Refuse what comes next; the descriptor itself is closed only after the daemon
     * stops, as libmicrohttpd requires of its threaded modes. */
    shutdown(lsock, SHUT_RDWR);
    return adopted;
}

/* Waits for a stop signal for up to sec seconds; true when one came. */
static bool wait_signal(const sigset_t *stop, unsigned sec)
{
    struct timespec ts = {.tv_sec = sec, .tv_nsec = 0};
    return sigtimedwait(stop, NULL, &ts) > 0;
}

static void drain(struct server *srv, struct MHD_Daemon *d, const sigset_t *stop, int sig,
                  MHD_socket *lsock)
{
    const struct lr_config *cfg = srv->cfg;
    atomic_store(srv->draining, true);
    lr_log(LR_LOG_INFO, "draining",
           json_pack("{s:s, s:i, s:i}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                     "in_flight", atomic_load(&srv->in_flight), "shutdown_delay_seconds",
                     (int)cfg->shutdown_delay_sec));
    /* Readiness is already failing; keep serving while load balancers notice. An
     * operator's Ctrl-C (SIGINT) has no load balancer to wait for, and a second
     * signal cuts the delay short. */
    if (sig == SIGTERM && cfg->shutdown_delay_sec > 0 && wait_signal(stop, cfg->shutdown_delay_sec))
        lr_log(LR_LOG_INFO, "second signal: closing the listener now", NULL);
    atomic_store(&srv->closing, true);
    unsigned adopted = 0;
    *lsock = MHD_quiesce_daemon(d);
    if (*lsock != MHD_INVALID_SOCKET)
        adopted = adopt_backlog(srv, d, *lsock);
    lr_log(LR_LOG_INFO, "listener closed",
           json_pack("{s:i, s:i}", "in_flight", atomic_load(&srv->in_flight),
                     "adopted_from_backlog", (int)adopted));
    /* Waiting on the signals, not sleeping: another signal ends the drain now. */
    struct timespec step = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
    for (unsigned waited = 0; waited < cfg->drain_seconds * 50U; waited++) {
        if (atomic_load(&srv->in_flight) == 0 && atomic_load(&srv->adopting) == 0 &&
            lr_conns_unanswered(&srv->conns) == 0)
            break;
        if (sigtimedwait(stop, NULL, &step) > 0) {
            lr_log(LR_LOG_INFO, "another signal: stopping without waiting further", NULL);
            break;
        }
    }
}

void lr_serve_block_signals(void)
{
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
}

int lr_serve(const struct lr_config *cfg, const struct lr_http_handler *handler,
             atomic_bool *draining)
{
    struct server srv = {.cfg = cfg, .h = handler, .draining = draining};
    atomic_init(&srv.in_flight, 0);
    atomic_init(&srv.closing, false);
    atomic_init(&srv.adopting, 0);
    lr_log_limiter_init(&srv.mhd_limiter, 5);
    struct sockaddr_storage addr;
    socklen_t addrlen;
    if (resolve_listen(cfg, &addr, &addrlen)) {
        lr_log(LR_LOG_ERROR, "cannot resolve listen address",
               json_pack("{s:s}", "host", cfg->listen_host));
        return -1;
    }
    /* Block the stop signals in every thread; this one waits for them below. */
    lr_serve_block_signals();
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    signal(SIGPIPE, SIG_IGN);

    struct lr_conn_limits limits = {.header_sec = cfg->header_timeout_sec,
                                    .keepalive_sec = cfg->idle_timeout_sec,
                                    .body_sec = cfg->request_timeout_sec,
                                    .bulk_body_sec = cfg->bulk_request_timeout_sec};
    if (lr_conns_start(&srv.conns, &limits) != 0) {
        lr_log(LR_LOG_ERROR, "cannot start the connection deadline thread", NULL);
        return -1;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= strcmp(cfg->listen_host, "::") == 0 ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, cfg->listen_port, NULL, NULL, on_request, &srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
        &srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, &srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, &srv,
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        cfg->max_connections_per_ip, MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout_sec,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024), MHD_OPTION_END);
    if (d == NULL) {
        lr_conns_stop(&srv.conns);
        lr_log(LR_LOG_ERROR, "cannot listen",
               json_pack("{s:s, s:i}", "host", cfg->listen_host, "port", (int)cfg->listen_port));
        return -1;
    }
    lr_log(LR_LOG_INFO, "serving",
           json_pack("{s:s, s:i, s:i}", "host", cfg->listen_host, "port", (int)cfg->listen_port,
                     "db_pool_size", (int)cfg->db_pool_size));

    int sig = 0;
    sigwait(&stop, &sig);
    MHD_socket lsock = MHD_INVALID_SOCKET;
    drain(&srv, d, &stop, sig, &lsock);
    int left = atomic_load(&srv.in_flight);
    unsigned unanswered = lr_conns_unanswered(&srv.conns) + (unsigned)atomic_load(&srv.adopting);
    MHD_stop_daemon(d);
    if (lsock != MHD_INVALID_SOCKET)
        close(lsock);
    lr_conns_stop(&srv.conns);
    /* Truthful: a request counts when its head was read and it got no answer, and a
     * connection counts when it was accepted and its first request never completed. */
    lr_log(LR_LOG_INFO, "stopped",
           json_pack("{s:i, s:i, s:i}", "abandoned", left + (int)unanswered, "abandoned_requests",
                     left, "abandoned_connections", (int)unanswered));
    return 0;
}
