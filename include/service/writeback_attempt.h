/* One write-back attempt: its request as a libcurl easy handle for the worker's multi
 * handle, what its end says, and the log line of a delivery that died. */
#ifndef LR_SERVICE_WRITEBACK_ATTEMPT_H
#define LR_SERVICE_WRITEBACK_ATTEMPT_H

#include <curl/curl.h>

#include "service/writeback_request.h"

/* An easy handle for req: its method, URL, body and headers (no "Expect: 100-continue"
 * wait), leadrouter's user agent, timeout_sec for the whole exchange, no signals, curl's
 * error text into errbuf (CURL_ERROR_SIZE), the answer into answer, and private as
 * CURLINFO_PRIVATE. NULL when out of memory. Either way *headers holds the header list
 * to free with curl_slist_free_all once the handle is gone; req must outlive the
 * handle. */
CURL *lr_wb_easy_new(const struct lr_wb_request *req, unsigned timeout_sec,
                     struct lr_wb_answer *answer, char *errbuf, void *private,
                     struct curl_slist **headers);

/* A finished request: the HTTP status (0 when none came: rc says why) and, in
 * error[0..cap), what an operator needs to see when it failed: the CRM's answer, or the
 * timeout or transport error. */
long lr_wb_easy_result(CURL *easy, CURLcode rc, const char *curl_error,
                       const struct lr_wb_answer *answer, unsigned timeout_sec, char *error,
                       size_t cap);

/* The log line of a delivery that died: the row, its subject, the destination, the
 * status (null when none came), the attempts and the CRM's answer or the error. */
void lr_wb_log_dead(enum lr_wb_destination destination, const struct lr_outbox_row *row, int status,
                    const char *error);

/* The next jitter in [0, 1) from state (never 0) for the retry schedule. */
double lr_wb_jitter(uint64_t *state);

#endif
