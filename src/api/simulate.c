/* POST /v1/simulate: the stored leads of a window decided again under proposed rules,
 * with the pure rule live routing uses, changing nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/problem.h"
#include "db/simulate_store.h"
#include "routing/redecide.h"
#include "util/json.h"

#define SAMPLE_MAX 20
#define QUEUES (LR_SEG_REVIEW + 1) /* smb, mid_market, strategic, review */

struct sample {
    char id[LR_ID_MAX + 1];
    enum lr_segment current, proposed, composite;
    enum lr_reason current_reason, proposed_reason;
};

struct sim {
    const struct lr_rules *rules;
    long long matrix[QUEUES][QUEUES];
    long long total, changed;
    struct sample sample[SAMPLE_MAX];
    size_t nsample;
};

static void visit(void *arg, const struct lr_sim_lead *lead)
{
    struct sim *sm = arg;
    if (lead->current > LR_SEG_REVIEW)
        return; /* not decided: cannot happen inside a decided_at window */
    struct lr_decision d;
    lr_route_recorded(sm->rules, &lead->recorded, &d);
    sm->total++;
    sm->matrix[lead->current][d.queue]++;
    if (d.queue == lead->current)
        return;
    sm->changed++;
    if (sm->nsample == SAMPLE_MAX)
        return;
    struct sample *s = &sm->sample[sm->nsample++];
    snprintf(s->id, sizeof s->id, "%s", lead->id);
    s->current = lead->current;
    s->current_reason = lead->current_reason;
    s->proposed = d.queue;
    s->proposed_reason = d.reason;
    s->composite = d.composite;
}

/* The number literals of the "rules" member, re-rooted so that the rules validator
 * sees them at the pointers it expects. */
static json_t *sub_literals(const json_t *lits, const char *prefix)
{
    json_t *out = json_object();
    size_t n = strlen(prefix);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)lits, key, v)
    {
        if (strncmp(key, prefix, n) == 0 && key[n] == '/')
            json_object_set(out, key + n, v);
    }
    return out;
}

/* Validates the proposed rules; errors are named from the request body's root. */
static int proposed_rules(const char *body, size_t len, const json_t *doc, struct lr_rules *out,
                          json_t *errors)
{
    const json_t *rules = json_object_get(doc, "rules");
    if (!json_is_object(rules)) {
        lr_json_field_error(errors, "rules", "must be a rules document (an object)");
        return -1;
    }
    json_t *lits = lr_json_number_literals(body, len);
    json_t *sub = lits ? sub_literals(lits, "/rules") : NULL;
    json_t *errs = json_array();
    int rc = -1;
    if (sub != NULL && errs != NULL)
        rc = lr_rules_from_json(rules, sub, out, errs);
    else
        lr_json_field_error(errors, "rules", "out of memory");
    size_t i;
    json_t *e;
    json_array_foreach(errs, i, e)
    {
        const char *f = json_string_value(json_object_get(e, "field"));
        char field[256];
        snprintf(field, sizeof field, "rules%s%s", f && *f ? "." : "", f ? f : "");
        lr_json_field_error(errors, field, json_string_value(json_object_get(e, "message")));
    }
    json_decref(errs);
    json_decref(sub);
    json_decref(lits);
    return rc;
}

/* An optional RFC 3339 bound; *out NULL when absent. *out is the text as sent (the
 * answer echoes it); utc is the instant PostgreSQL is given instead. */
static void bound(const json_t *doc, const char *key, const char **out, int64_t *usec,
                  char utc[LR_RFC3339_UTC_SIZE], json_t *errors)
{
    const json_t *v = json_object_get(doc, key);
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return;
    if (!json_is_string(v) || lr_rfc3339_parse(json_string_value(v), usec) != 0 ||
        lr_rfc3339_format_usec(*usec, utc) != 0) {
        lr_json_field_error(errors, key,
                            "must be an RFC 3339 timestamp such as 2026-11-23T10:15:00Z, from "
                            "0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z");
        return;
    }
    *out = json_string_value(v);
}

/* The keys of a simulation request; any other is a typo that must not pass silently. */
static const char *const SIMULATE_KEYS[] = {"rules", "since", "until", NULL};

static json_t *queue_or_null(enum lr_segment s)
{
    return s <= LR_SEG_REVIEW ? json_string(lr_segment_name(s)) : json_null();
}

static json_t *answer(const struct sim *sm, int64_t version, const char *since, const char *until,
                      long long elapsed_ms)
{
    json_t *matrix = json_object();
    for (int cur = 0; cur < QUEUES; cur++) {
        json_t *row = json_object();
        for (int pro = 0; pro < QUEUES; pro++)
            json_object_set_new(row, lr_segment_name((enum lr_segment)pro),
                                json_integer(sm->matrix[cur][pro]));
        json_object_set_new(matrix, lr_segment_name((enum lr_segment)cur), row);
    }
    json_t *sample = json_array();
    for (size_t i = 0; i < sm->nsample; i++) {
        const struct sample *s = &sm->sample[i];
        json_array_append_new(sample, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "id", s->id,
                                                "current", lr_segment_name(s->current),
                                                "current_reason", lr_reason_name(s->current_reason),
                                                "proposed", lr_segment_name(s->proposed), "reason",
                                                lr_reason_name(s->proposed_reason),
                                                "proposed_composite", queue_or_null(s->composite)));
    }
    return json_pack("{s:I, s:o, s:o, s:I, s:I, s:I, s:o, s:o, s:I}", "rules_version_current",
                     (json_int_t)version, "since", since ? json_string(since) : json_null(),
                     "until", until ? json_string(until) : json_null(), "total",
                     (json_int_t)sm->total, "changed", (json_int_t)sm->changed, "unchanged",
                     (json_int_t)(sm->total - sm->changed), "matrix", matrix, "sample", sample,
                     "elapsed_ms", (json_int_t)elapsed_ms);
}

void lr_api_simulate(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    json_error_t jerr;
    json_t *doc = lr_json_parse(req->body, req->body_len, &jerr);
    if (doc == NULL) {
        char detail[256];
        snprintf(detail, sizeof detail, "malformed JSON: %s", jerr.text);
        lr_problem_answer(resp, LR_PROBLEM_MALFORMED_JSON, detail, NULL);
        return;
    }
    json_t *errors = json_array();
    struct lr_rules rules;
    bool have_rules = false;
    const char *since = NULL, *until = NULL;
    int64_t since_us = 0, until_us = 0;
    char since_utc[LR_RFC3339_UTC_SIZE], until_utc[LR_RFC3339_UTC_SIZE];
    if (!json_is_object(doc)) {
        lr_json_field_error(errors, "", "must be a JSON object");
    } else {
        lr_json_unknown_keys(doc, SIMULATE_KEYS, "", errors);
        have_rules = proposed_rules(req->body, req->body_len, doc, &rules, errors) == 0;
        bound(doc, "since", &since, &since_us, since_utc, errors);
        bound(doc, "until", &until, &until_us, until_utc, errors);
        if (since && until && since_us >= until_us)
            lr_json_field_error(errors, "until", "must be later than since");
    }
    if (json_array_size(errors) > 0) {
        if (have_rules)
            lr_rules_free(&rules);
        json_decref(doc);
        lr_problem_answer(resp, LR_PROBLEM_VALIDATION,
                          "one or more fields are invalid; nothing was simulated", errors);
        return;
    }
    json_decref(errors);

    struct sim *sm = calloc(1, sizeof *sm);
    struct lr_db_conn *c;
    int64_t version = 0;
    enum lr_db_status s = sm ? lr_db_acquire(app->pool, &c) : LR_DB_ERROR;
    if (s == LR_DB_OK) {
        sm->rules = &rules;
        s = lr_simulate_scan(c, since ? since_utc : NULL, until ? until_utc : NULL, &version, visit,
                             sm);
        lr_db_release(app->pool, c);
    }
    if (s == LR_DB_OK) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long long ms = (long long)(t1.tv_sec - t0.tv_sec) * 1000 +
                       (long long)(t1.tv_nsec - t0.tv_nsec) / 1000000;
        lr_resp_json(resp, 200, answer(sm, version, since, until, ms));
    } else {
        lr_problem_db(resp, app, s);
    }
    free(sm);
    lr_rules_free(&rules);
    json_decref(doc); /* since and until point into it */
}
