/* CRMs as they are (SPEC 3.5): which CRM field feeds which leadrouter field (the
 * mapping document, its defaults and validation), and the CRM's own value formats
 * (numbers as strings, three timestamp formats, websites). Pure: no I/O. */
#ifndef LR_ROUTING_CRM_H
#define LR_ROUTING_CRM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "routing/types.h"

enum lr_crm { LR_CRM_HUBSPOT = 0, LR_CRM_SALESFORCE, LR_CRM_PIPEDRIVE, LR_CRM_COUNT };

/* The two kinds of record each CRM sends: a lead-like one (HubSpot contact, Salesforce
 * Lead, Pipedrive lead and person) and a deal (HubSpot deal, Salesforce Opportunity,
 * Pipedrive deal). */
enum lr_crm_object { LR_CRM_OBJ_LEAD = 0, LR_CRM_OBJ_DEAL = 1 };
#define LR_CRM_OBJECT_COUNT 2

/* The leadrouter fields of SPEC 3.5, in document order. */
enum lr_crm_field {
    LR_CF_ID = 0,
    LR_CF_LEAD_ID,
    LR_CF_EMAIL,
    LR_CF_DOMAIN,
    LR_CF_COMPANY,
    LR_CF_EMPLOYEE_COUNT,
    LR_CF_EXPECTED_ACV,
    LR_CF_FIT_SCORE,
    LR_CF_ACV,
    LR_CF_STAGE,
    LR_CF_SOURCE,
    LR_CF_TIMESTAMP,
    LR_CF_COUNT
};

#define LR_CRM_NAMES_MAX 8  /* CRM names tried for one field */
#define LR_CRM_NAME_MAX 100 /* bytes of one CRM field name */

struct lr_crm_names {
    size_t n;
    char name[LR_CRM_NAMES_MAX][LR_CRM_NAME_MAX + 1];
};

/* One CRM's mapping: for each object and field, the CRM names to try in order (n = 0:
 * the field is not read). About 20 KiB: callers keep it on the heap. */
struct lr_crm_mapping {
    enum lr_crm crm;
    int64_t version; /* 0: the built-in defaults */
    struct lr_crm_names f[LR_CRM_OBJECT_COUNT][LR_CF_COUNT];
};

const char *lr_crm_name(enum lr_crm crm);
bool lr_crm_parse(const char *s, enum lr_crm *out);
/* The document key of an object: contact/deal, lead/opportunity, lead/deal. */
const char *lr_crm_object_key(enum lr_crm crm, enum lr_crm_object obj);
const char *lr_crm_field_name(enum lr_crm_field f);
/* Whether a mapping may name f for obj: a lead has no stage or acv, a deal no
 * expected_acv or fit score (SPEC 3.1's event fields). */
bool lr_crm_field_allowed(enum lr_crm_object obj, enum lr_crm_field f);

/* The defaults SPEC 3.5 lists. */
void lr_crm_mapping_defaults(enum lr_crm crm, struct lr_crm_mapping *out);

/* Validates a whole mapping document {"<object>": {"<field>": ["name", ...]}}: both
 * objects present, known fields only, id mapped, 1-8 distinct names of 1-100
 * printable characters each. 0 and out filled (version 0), or -1 with one
 * {"field", "message"} per problem appended to errors. */
int lr_crm_mapping_from_json(enum lr_crm crm, const json_t *doc, struct lr_crm_mapping *out,
                             json_t *errors);
/* The document form (without the version); every object and mapped field. */
json_t *lr_crm_mapping_to_json(const struct lr_crm_mapping *m);

/* Property lookup: the first of names whose value get finds and is not empty (a CRM
 * sends "" for a property nobody filled in). get returns the value's text or NULL.
 * Returns the text (owned by get's ctx) and sets *used to the name, or NULL. */
typedef const char *(*lr_crm_get_fn)(void *ctx, const char *name);
const char *lr_crm_lookup(const struct lr_crm_names *names, lr_crm_get_fn get, void *ctx,
                          const char **used);

/* Values as CRMs send them: text, surrounding space ignored, "" is missing. Each
 * returns 0 with out->present set (false when missing), or -1 when the text is not such
 * a value. */
/* An integer in [lo, hi]: "120", " 120 ", "120.0" (HubSpot's number properties). */
int lr_crm_int(const char *s, int64_t lo, int64_t hi, struct lr_opt_i64 *out);
/* Money in cents: "60000", "60000.5", "6e4"; never through a double. */
int lr_crm_money(const char *s, struct lr_opt_i64 *out);
/* An instant: epoch milliseconds ("1763892900000"), Salesforce's
 * 2026-11-23T10:15:00.000+0000, Pipedrive's "2026-11-23 10:15:00" (UTC), or RFC 3339. */
int lr_crm_timestamp(const char *s, struct lr_opt_i64 *usec);
/* A domain from a domain, a website (https://www.acme.io/about -> acme.io) or an email
 * address; false (out "") when nothing usable. */
bool lr_crm_domain(const char *s, char out[LR_DOMAIN_MAX + 1]);

#endif
