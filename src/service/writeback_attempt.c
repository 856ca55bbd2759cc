/* One delivery attempt: libcurl's options for its request, what its end says, and the
 * log line of a delivery that died. */
#include "service/writeback_attempt.h"

#include <stdio.h>
#include <string.h>

#include "config/version.h"
#include "util/log.h"

CURL *lr_wb_easy_new(const struct lr_wb_request *req, unsigned timeout_sec,
                     struct lr_wb_answer *answer, char *errbuf, void *private,
                     struct curl_slist **headers)
{
    *headers = NULL;
    bool ok = true;
    for (size_t i = 0; ok && i < req->nheaders; i++) {
        struct curl_slist *h = curl_slist_append(*headers, req->headers[i]);
        if ((ok = h != NULL))
            *headers = h;
    }
    /* Without this, curl waits for a 100 Continue before a larger body. */
    struct curl_slist *h = ok ? curl_slist_append(*headers, "Expect:") : NULL;
    CURL *e = h != NULL ? curl_easy_init() : NULL;
    if (h != NULL)
        *headers = h;
    if (e == NULL)
        return NULL;
    ok = curl_easy_setopt(e, CURLOPT_URL, req->url) == CURLE_OK &&
         curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
         curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method) == CURLE_OK &&
         curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body) == CURLE_OK &&
         curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(req->body)) ==
             CURLE_OK &&
         curl_easy_setopt(e, CURLOPT_HTTPHEADER, *headers) == CURLE_OK &&
         curl_easy_setopt(e, CURLOPT_USERAGENT, "leadrouter/" LR_VERSION) == CURLE_OK &&
         curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)timeout_sec) == CURLE_OK &&
         /* Signals are for the main thread; curl's resolver must not use them. */
         curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
         curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
         curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, lr_wb_answer_body) == CURLE_OK &&
         curl_easy_setopt(e, CURLOPT_WRITEDATA, answer) == CURLE_OK &&
         curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, lr_wb_answer_header) == CURLE_OK &&
         curl_easy_setopt(e, CURLOPT_HEADERDATA, answer) == CURLE_OK &&
         curl_easy_setopt(e, CURLOPT_PRIVATE, private) == CURLE_OK;
    if (!ok) {
        curl_easy_cleanup(e);
        return NULL;
    }
    return e;
}

long lr_wb_easy_result(CURL *easy, CURLcode rc, const char *curl_error,
                       const struct lr_wb_answer *answer, unsigned timeout_sec, char *error,
                       size_t cap)
{
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    const char *detail = curl_error[0] ? curl_error : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        snprintf(error, cap, "timeout: no complete answer within %u s (%s)", timeout_sec, detail);
    else if (rc != CURLE_OK)
        snprintf(error, cap, "no answer: %s", detail);
    else if (answer->body_len > 0)
        lr_wb_error_text(answer->body, answer->body_len, error, cap);
    else
        snprintf(error, cap, "HTTP %ld with an empty body", status);
    return status;
}

void lr_wb_log_dead(enum lr_wb_destination destination, const struct lr_outbox_row *row, int status,
                    const char *error)
{
    /* Never the token, the secret or the URL (which may carry credentials). */
    lr_log(LR_LOG_WARN, "delivery dead",
           json_pack("{s:I, s:o, s:s, s:s, s:s, s:o, s:i, s:s}", "outbox_id", (json_int_t)row->id,
                     "assignment_id",
                     row->assignment_id > 0 ? json_integer(row->assignment_id) : json_null(),
                     "subject", row->subject, "subject_id", row->subject_id, "destination",
                     lr_wb_destination_name(destination), "status",
                     status > 0 ? json_integer(status) : json_null(), "attempts", row->attempts,
                     "error", error));
}

/* xorshift64*: the jitter need not be secret, only different between replicas. */
double lr_wb_jitter(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (double)((*state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}
