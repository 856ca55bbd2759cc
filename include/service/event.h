/* One event from the CRM, validated (SPEC 3.1 field rules): what the lead and
 * opportunity services take, and what they answer. */
#ifndef LR_SERVICE_EVENT_H
#define LR_SERVICE_EVENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/pool.h"
#include "routing/types.h"
#include "util/time.h"

#define LR_STAGE_MAX 128

enum lr_event_type {
    LR_EVENT_LEAD_CREATED = 0,
    LR_EVENT_OPPORTUNITY_CREATED,
    LR_EVENT_OPPORTUNITY_UPDATED,
};

struct lr_event {
    enum lr_event_type type;
    char type_name[32];
    char timestamp[64]; /* as sent */
    int64_t ts_usec;
    /* ts_usec in UTC: what PostgreSQL is given, never the sender's text */
    char ts_utc[LR_RFC3339_UTC_SIZE];
    char id[LR_ID_MAX + 1];
    bool has_lead_id;
    char lead_id[LR_ID_MAX + 1];
    bool has_domain; /* normalised from domain, else email */
    char domain[LR_DOMAIN_MAX + 1];
    struct lr_opt_i64 employees;
    struct lr_opt_i64 acv_cents; /* expected_acv for leads, acv for opportunities */
    struct lr_opt_i64 fit;
    bool has_stage;
    char stage[LR_STAGE_MAX + 1];
    json_t *doc; /* the parsed body, owned */
};

/* An event with its idempotency key: the webhook-id and the body's SHA-256. */
struct lr_envelope {
    const char *webhook_id;
    char body_sha256[65];
    struct lr_event ev;
    const char *body_json; /* the body as received, stored with what it caused */
    const char *actor;     /* "webhook:<id>", for the audit */
};

/* What an event came to: s != LR_DB_OK is a database failure (nothing was written);
 * else status 201 (first delivery), 200 (a replay: body is the stored answer) or 409
 * (the webhook-id was used for another body; body NULL). */
struct lr_event_outcome {
    enum lr_db_status s;
    int status;
    char *body; /* owned */
    /* A decision made by this delivery (not a replay, not an ignored update), for the
     * counters of /metrics. */
    bool decided;
    enum lr_segment queue;
    enum lr_reason reason;
};

#endif
