/* A CRM event, validated (SPEC 3.1 field rules). */
#ifndef LR_API_EVENT_INPUT_H
#define LR_API_EVENT_INPUT_H

#include <jansson.h>
#include <stdbool.h>

#include "routing/types.h"
#include "util/json.h"

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

/* Parses and validates. Returns 0; or 400 (malformed JSON: errors untouched, detail
 * written) or 422 (one entry per bad field appended to errors). */
int lr_event_parse(const char *body, size_t len, struct lr_event *ev, json_t *errors, char *detail,
                   size_t detail_len);
void lr_event_free(struct lr_event *ev);

#endif
