/* The CRM that `make bench` writes owners back to (BENCH_WRITEBACK=1): it reads every
 * request whole and answers 200 with an empty JSON object, as a healthy CRM does, so
 * that the bench measures what write-back costs leadrouter and not a slow stand-in.
 *   bench-sink PORT   listens on 127.0.0.1:PORT until SIGTERM or SIGINT, then prints
 *                     "requests N bytes M" (the requests it answered) and exits. */
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

static atomic_uint_fast64_t requests, bytes;

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
    static int started;
    struct MHD_Response *r = cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload;
    if (*state == NULL) {
        *state = &started;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        atomic_fetch_add(&bytes, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    atomic_fetch_add(&requests, 1);
    return MHD_queue_response(conn, MHD_HTTP_OK, r);
}

int main(int argc, char **argv)
{
    if (argc != 2 || atoi(argv[1]) <= 0 || atoi(argv[1]) > 65535) {
        fprintf(stderr, "usage: bench-sink PORT\n");
        return 2;
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    /* Blocked before MHD starts its threads, so that only sigwait below sees them. */
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    static const char body[] = "{}";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (r == NULL || MHD_add_response_header(r, "Content-Type", "application/json") != MHD_YES)
        return 1;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)atoi(argv[1]));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, answer, r,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT, 1000u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "bench-sink: cannot listen on 127.0.0.1:%s\n", argv[1]);
        return 1;
    }
    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    MHD_destroy_response(r);
    printf("requests %llu bytes %llu\n", (unsigned long long)atomic_load(&requests),
           (unsigned long long)atomic_load(&bytes));
    return 0;
}
