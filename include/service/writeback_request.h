/* Write-back (SPEC 3.6) as pure functions, no I/O: the exact request a claimed outbox
 * row becomes for each destination, and what an answer (or its absence) means for the
 * row. The delivery worker (service/writeback.c) sends and records; tests pin these. */
#ifndef LR_SERVICE_WRITEBACK_REQUEST_H
#define LR_SERVICE_WRITEBACK_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "db/outbox_store.h"
#include "util/webhook.h"

/* The destinations; their names are the setting's values and the outbox's. */
enum lr_wb_destination {
    LR_WB_WEBHOOK = 0,
    LR_WB_HUBSPOT,
    LR_WB_SALESFORCE,
    LR_WB_PIPEDRIVE,
    LR_WB_DESTINATIONS
};

/* What one attempt came to. */
enum lr_wb_outcome {
    LR_WB_DELIVERED = 0, /* a 2xx */
    LR_WB_RETRY,         /* tried again later on the schedule */
    LR_WB_DEAD,          /* never tried again (unless an operator revives it) */
    LR_WB_OUTCOMES
};

/* "webhook", "hubspot", "salesforce", "pipedrive"; "delivered", "retry", "dead". */
const char *lr_wb_destination_name(enum lr_wb_destination d);
const char *lr_wb_outcome_name(enum lr_wb_outcome o);
/* -1 for "none" and anything unknown. */
int lr_wb_destination_parse(const char *name, enum lr_wb_destination *out);

/* Where and how to deliver: the replica's settings. */
struct lr_wb_target {
    enum lr_wb_destination destination;
    const char *url;                  /* writeback_url: the webhook's URL, or a CRM's base */
    const char *token;                /* writeback_token of the CRMs */
    const struct lr_webhook_key *key; /* writeback_secret of the webhook */
};

#define LR_WB_MAX_HEADERS 6

/* One request; every string is the request's own (lr_wb_request_free). */
struct lr_wb_request {
    const char *method; /* static: POST or PATCH */
    char *url;
    char *headers[LR_WB_MAX_HEADERS]; /* "Name: value" */
    size_t nheaders;
    char *body; /* JSON */
};

void lr_wb_request_free(struct lr_wb_request *req);

enum lr_wb_build {
    LR_WB_BUILD_OK = 0,
    LR_WB_BUILD_NOMEM,
    /* This row can never be delivered (a Pipedrive owner id that is not a number, a CRM
     * row without a rep): err says why, and the row is dead. */
    LR_WB_BUILD_UNDELIVERABLE,
};

/* The request for row at now_sec (Unix seconds, the webhook-timestamp):
 *   webhook     POST url; webhook-id asg_<assignment id>, webhook-timestamp, webhook-
 *               signature v1 over id.timestamp.body; body {"type": "assignment.created",
 *               "timestamp": <the assignment's at>, "data": {"id", "subject",
 *               "subject_id", "queue", "rep_id", "previous_rep_id", "reason", "at",
 *               "crm_owner_id"}} (the body is the same on every try)
 *   hubspot     PATCH url/crm/v3/objects/{contacts|deals}/<id>
 *               {"properties":{"hubspot_owner_id":"<owner>"}}, Authorization: Bearer
 *   salesforce  PATCH url/services/data/v60.0/sobjects/{Lead|Opportunity}/<id>
 *               {"OwnerId":"<owner>"}, Authorization: Bearer, Sforce-Auto-Assign: FALSE
 *   pipedrive   PATCH url/v1/leads/<id> (leads) or url/api/v2/deals/<id>
 *               (opportunities) {"owner_id":<owner as a number>}, x-api-token
 * Every request has Content-Type: application/json; ids are percent-encoded in paths
 * (all but RFC 3986 unreserved characters); a trailing '/' of a CRM's url is dropped. */
enum lr_wb_build lr_wb_request_build(const struct lr_wb_target *t, const struct lr_outbox_row *row,
                                     int64_t now_sec, struct lr_wb_request *out, char *err,
                                     size_t errlen);

/* What to do with a row after an attempt. */
struct lr_wb_verdict {
    enum lr_wb_outcome outcome;
    /* LR_WB_RETRY: due again at the later of first try + after_first_sec and
     * now + not_before_sec. */
    double after_first_sec;
    double not_before_sec;
};

/* Retry-After is honoured up to this (a month, the longest schedule step). */
#define LR_WB_RETRY_AFTER_MAX (30 * 86400)

/* The rule, for the attempt numbered attempts (1 = the first try) that answered status
 * (0: no answer: timeout or connection error) with retry_after (the header's value, or
 * NULL), at now_sec; jitter in [0, 1) picks the step's share of its 10% jitter:
 *   2xx                                     delivered
 *   0, 408, 425, 429, 5xx                   retry at schedule[attempts-1] * (1 + jitter/10)
 *                                           after the first try, not before Retry-After;
 *                                           dead once attempts > nschedule
 *   anything else (other 4xx, 1xx, 3xx)     dead */
struct lr_wb_verdict lr_wb_verdict_of(int status, const char *retry_after, int attempts,
                                      const unsigned *schedule, size_t nschedule, int64_t now_sec,
                                      double jitter);

/* Seconds from now_sec until a Retry-After value allows another try: delay-seconds, or an
 * HTTP-date (IMF-fixdate, RFC 850, asctime); 0 when absent, past or not understood; at
 * most LR_WB_RETRY_AFTER_MAX. */
int64_t lr_wb_retry_after_sec(const char *value, int64_t now_sec);

/* The destination's answer as last_error: at most cap - 1 bytes of body, valid UTF-8,
 * control characters (NUL included) as spaces, surrounding space trimmed. */
void lr_wb_error_text(const char *body, size_t len, char *out, size_t cap);

/* What a delivery keeps of the destination's answer: the first bytes of the body (what
 * an operator needs to see why it failed) and the last response's Retry-After. */
#define LR_WB_ANSWER_KEEP 1024
struct lr_wb_answer {
    char body[LR_WB_ANSWER_KEEP];
    size_t body_len;
    char retry_after[64];
};
/* libcurl's write and header callbacks (CURLOPT_WRITEFUNCTION, CURLOPT_HEADERFUNCTION)
 * into an lr_wb_answer (the callback data); they take every byte. */
size_t lr_wb_answer_body(char *data, size_t size, size_t nmemb, void *answer);
size_t lr_wb_answer_header(char *data, size_t size, size_t nmemb, void *answer);

/* Whether a setting can go into a header as it is: printable, no CR or LF. */
bool lr_wb_header_safe(const char *value);

/* The settings a worker starts with, checked: 1 for writeback none (or empty: no
 * worker); 0 with *dest set; -1 with err saying what is wrong (an unknown destination,
 * a lease not above the timeout, a CRM token with control characters). */
int lr_wb_settings_check(const struct lr_config *cfg, enum lr_wb_destination *dest, char *err,
                         size_t errlen);

#endif
