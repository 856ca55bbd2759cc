/* What the three CRM adapters (SPEC 3.5) share: the mapping in force, a CRM record
 * mapped to the event of SPEC 3.1, and the records of one request run through the same
 * services as POST /v1/events. Each adapter (api/crm_hubspot.c, crm_salesforce.c,
 * crm_pipedrive.c) checks the CRM's own authentication before it parses a byte of the
 * body, then: lr_crm_map each record (all of them, naming every bad CRM field) ->
 * lr_crm_prepare -> lr_crm_run -> its own answer. */
#ifndef LR_API_CRM_H
#define LR_API_CRM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/app.h"
#include "http/http.h"
#include "routing/crm.h"
#include "service/event.h"

#define LR_CRM_MAX_RECORDS 100 /* per request: Salesforce's own limit, HubSpot arrays too */
#define LR_CRM_KEY_MAX 255     /* an idempotency key is a webhook-id */

/* One record of a request on its way through the event path. */
struct lr_crm_item {
    enum lr_crm_object obj;
    /* LR_EVENT_*, or -1: a deal that is opportunity.created when leadrouter does not
     * hold it yet, else opportunity.updated (lr_crm_prepare decides). */
    int type;
    size_t index; /* in the request, for errors and logs */
    char record_id[LR_ID_MAX + 1];
    char ts_text[64]; /* the mapped timestamp as sent ("" when none) */
    bool has_ts;
    int64_t ts_usec;
    json_t *data;     /* the event's data object (owned) */
    json_t *raw;      /* the record as the CRM sent it, kept with the event (owned) */
    char raw_sha[65]; /* SHA-256 of the record: what a redelivery must repeat */
    /* what the CRM name of each event field was, to name it in an error */
    const char *used[LR_CF_COUNT];
    char key[LR_CRM_KEY_MAX + 1]; /* the idempotency key (the adapter sets it) */
    char actor[LR_CRM_KEY_MAX + 16];
    char *body_json; /* the SPEC 3.1 event stored with the decision (owned) */
    struct lr_envelope env;
    bool prepared;
    struct lr_event_outcome out;
};

/* The mapping in force for crm: the newest stored version, else the built-in defaults.
 * *out is heap memory the caller frees. */
enum lr_db_status lr_crm_mapping_load(struct lr_app *app, enum lr_crm crm,
                                      struct lr_crm_mapping **out);

/* How a JSON record's properties are found: the record, the number literals of the
 * whole body (lr_json_number_literals, so that amounts never pass through a double)
 * and the JSON pointer of the record in the body. */
struct lr_crm_json_ctx {
    const json_t *record;
    const json_t *lits;
    char pointer[64];
    bool hubspot;   /* properties.<name>.value, properties.<name>, then <name> */
    bool pipedrive; /* <name>, then custom_fields.<name> (plain or {"value": ...}) */
    char buf[512];  /* the last value's text */
};
/* An lr_crm_get_fn over struct lr_crm_json_ctx. */
const char *lr_crm_json_get(void *ctx, const char *name);
/* The text of a JSON value as a CRM means it: a string, a number as written, a
 * boolean, {"value": x}, or the first element of a list; NULL for null or nothing. */
const char *lr_crm_json_text(const json_t *v, const json_t *lits, const char *pointer, char *buf,
                             size_t size);

/* Maps one record (get, ctx) with m's names for obj. fallback_ts: the event time when
 * the record has none (NULL: the arrival time). 0 and it filled (it->raw stolen), or -1
 * with one {"record", "record_id", "field" (the CRM field), "message"} per bad value
 * appended to errors. */
int lr_crm_map(const struct lr_crm_mapping *m, enum lr_crm_object obj, lr_crm_get_fn get, void *ctx,
               size_t index, json_t *raw, const char *fallback_ts, struct lr_crm_item *it,
               json_t *errors);

/* After every item mapped and keyed: decides created/updated (one read), builds each
 * event and validates it as POST /v1/events does. LR_DB_OK with nothing appended to
 * errors: ready to run. */
enum lr_db_status lr_crm_prepare(struct lr_app *app, enum lr_crm crm, struct lr_crm_item *items,
                                 size_t n, json_t *errors);

/* Runs every item through lr_service_lead / lr_service_opportunity: the leads together
 * (so that they share the batcher's commits), then the deals in request order. */
void lr_crm_run(struct lr_app *app, struct lr_crm_item *items, size_t n);

/* What the items came to: LR_DB_OK when every one was committed (*conflict: the index
 * of an item whose key was used for another record, or -1). */
enum lr_db_status lr_crm_outcome(const struct lr_crm_item *items, size_t n, long *conflict);

/* The JSON answer of HubSpot and Pipedrive: 503/500 when anything failed (the CRM
 * retries; what was committed replays), 409 for a key used for another record, else
 * the decision (one record) or {"records": [decisions]} (201 when any was new). */
void lr_crm_answer_json(struct lr_app *app, struct lr_response *resp, enum lr_crm crm,
                        struct lr_crm_item *items, size_t n, bool array);

void lr_crm_items_free(struct lr_crm_item *items, size_t n);

/* Constant-time comparison of a credential with the configured one (both hashed first,
 * so that not even the length leaks). */
bool lr_crm_secret_equal(const char *given, const char *expected);
/* Appends to errors the problem entry of record it's field (crm_map.c). */
void lr_crm_record_error(json_t *errors, const struct lr_crm_item *it, const char *field,
                         const char *message);

/* SHA-256 of data as lower-case hex. */
void lr_crm_sha256_hex(const void *data, size_t len, char out[65]);

#endif
