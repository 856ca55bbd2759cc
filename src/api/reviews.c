/* GET /v1/reviews, POST /v1/reviews/{id}/resolve (SPEC 2.9). A human chooses a queue,
 * never a rep: the rules pick the rep inside that queue. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/problem.h"
#include "db/reviews_store.h"
#include "service/review.h"
#include "routing/period.h"
#include "util/json.h"

#define NOTE_MAX 2000

void lr_api_reviews_list(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    json_t *errors = json_array();
    const char *status = lr_req_query(req, "status");
    int64_t after, limit;
    bool resolved = false;
    if (status != NULL && strcmp(status, "resolved") == 0)
        resolved = true;
    else if (status != NULL && strcmp(status, "open") != 0)
        lr_json_field_error(errors, "status", "must be open or resolved");
    lr_query_page(req, errors, &after, &limit);
    if (lr_query_rejected(resp, errors))
        return;
    struct lr_db_conn *c;
    char *json = NULL;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        s = lr_reviews_list_json(c, resolved, after, limit, &json);
        lr_db_release(app->pool, c);
    }
    if (s != LR_DB_OK) {
        lr_problem_db(resp, app, s);
        return;
    }
    lr_resp_json_text(resp, 200, json, strlen(json));
    free(json);
}

static const char *const RESOLVE_KEYS[] = {"queue", "note", NULL};

#define NO_CLAIMING                                                                                \
    "no manual claiming (SPEC 2.7): no endpoint assigns a chosen rep to a lead or "                \
    "opportunity; a review item is resolved to a queue and the rules pick the rep inside it"

/* Words that make a key name a person to hand the subject to (rep_id, owner, assignee,
 * ownerRepId, claimed_by, ...). */
static const char *const REP_WORDS[] = {
    "rep",     "reps",     "repid",     "salesrep", "representative", "owner",    "owners",
    "ownerid", "assignee", "assignees", "assign",   "assigned",       "assignto", "assignment",
    "claim",   "claimed",  "claimer",   "claimant", "claimedby",      NULL};

static bool is_rep_word(const char *w, size_t n)
{
    for (size_t i = 0; REP_WORDS[i] != NULL; i++)
        if (strlen(REP_WORDS[i]) == n && strncmp(REP_WORDS[i], w, n) == 0)
            return true;
    return false;
}

/* Splits the key into lower-case words at punctuation and at camelCase humps. */
static bool names_a_rep(const char *key)
{
    char word[64];
    size_t n = 0;
    for (const char *p = key;; p++) {
        unsigned char ch = (unsigned char)*p;
        bool alnum =
            (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        bool hump = ch >= 'A' && ch <= 'Z' && p > key && p[-1] >= 'a' && p[-1] <= 'z';
        if (!alnum || hump) {
            if (n > 0 && n < sizeof word && is_rep_word(word, n))
                return true;
            n = 0;
        }
        if (ch == '\0')
            return false;
        if (alnum && n < sizeof word)
            word[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        else if (alnum)
            n = sizeof word; /* too long to be one of the words */
    }
}

/* parse_resolve found a key that names a rep: 422 citing the no-claiming rule. */
#define CLAIMS_A_REP (-1)

/* Returns 0, 400 (detail written), 422 or CLAIMS_A_REP (errors filled). note points into
 * *doc. */
static int parse_resolve(const struct lr_request *req, enum lr_segment *queue, const char **note,
                         json_t **doc, json_t *errors, char *detail, size_t dlen)
{
    json_error_t jerr;
    *doc = lr_json_parse(req->body, req->body_len, &jerr);
    if (*doc == NULL) {
        snprintf(detail, dlen, "malformed JSON: %s", jerr.text);
        return 400;
    }
    if (!json_is_object(*doc)) {
        lr_json_field_error(errors, "", "must be a JSON object");
        return 422;
    }
    /* A rep in the body is a claim, not a typo: it is refused under the rule it breaks,
     * before anything else is looked at. */
    const char *key;
    json_t *v;
    json_object_foreach(*doc, key, v)
    {
        if (names_a_rep(key))
            lr_json_field_error(errors, key, NO_CLAIMING);
    }
    if (json_array_size(errors) > 0)
        return CLAIMS_A_REP;
    lr_json_unknown_keys(*doc, RESOLVE_KEYS, "", errors);
    const json_t *q = json_object_get(*doc, "queue");
    if (!lr_segment_parse(json_string_value(q), false, queue))
        lr_json_field_error(errors, "queue",
                            "must be a segment: smb, mid_market or strategic (review is not a "
                            "queue an item can be resolved to)");
    const json_t *n = json_object_get(*doc, "note");
    *note = NULL;
    if (n != NULL && !json_is_null(n)) {
        if (!json_is_string(n) || json_string_length(n) > NOTE_MAX ||
            strlen(json_string_value(n)) != json_string_length(n))
            lr_json_field_error(errors, "note", "must be a string of at most 2000 characters");
        else
            *note = json_string_value(n);
    }
    return json_array_size(errors) ? 422 : 0;
}

static const char *or_unknown(const char *s)
{
    return s != NULL ? s : "?";
}

static void already_resolved(struct lr_response *resp, int64_t id, const char *item_json)
{
    json_error_t jerr;
    json_t *item = item_json ? json_loads(item_json, 0, &jerr) : NULL;
    char detail[512];
    snprintf(detail, sizeof detail,
             "review item %lld was already resolved to %s by %s at %s; an item is resolved once",
             (long long)id, or_unknown(json_string_value(json_object_get(item, "resolved_queue"))),
             or_unknown(json_string_value(json_object_get(item, "resolved_by"))),
             or_unknown(json_string_value(json_object_get(item, "resolved_at"))));
    json_decref(item);
    lr_problem_answer(resp, LR_PROBLEM_REVIEW_ALREADY_RESOLVED, detail, NULL);
}

void lr_api_review_resolve(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    int64_t id = 0;
    if (!lr_parse_i64(req->params[0], 1, INT64_MAX, &id)) {
        lr_problem_answer(resp, LR_PROBLEM_NOT_FOUND, "no review item with that id", NULL);
        return;
    }
    json_t *errors = json_array(), *doc = NULL;
    char detail[512] = "";
    struct lr_resolve_request rq = {.review_id = id, .actor = req->actor};
    int rc = parse_resolve(req, &rq.queue, &rq.note, &doc, errors, detail, sizeof detail);
    if (rc != 0) {
        json_decref(doc);
        if (rc == 400) {
            json_decref(errors);
            lr_problem_answer(resp, LR_PROBLEM_MALFORMED_JSON, detail, NULL);
        } else if (rc == CLAIMS_A_REP) {
            lr_problem_answer(resp, LR_PROBLEM_NO_MANUAL_CLAIMING,
                              "a review item is resolved to a queue, never to a rep; nothing "
                              "was written",
                              errors);
        } else {
            lr_problem_answer(resp, LR_PROBLEM_VALIDATION,
                              "one or more fields of the resolution are invalid", errors);
        }
        return;
    }
    json_decref(errors);
    char period[LR_PERIOD_LEN + 1];
    lr_period_of(time(NULL), period);
    rq.period = period;

    enum lr_resolve_outcome outcome = LR_RESOLVE_DONE;
    char *json = NULL;
    enum lr_db_status s = lr_service_review_resolve(app->pool, &rq, &outcome, &json);
    json_decref(doc);
    if (s != LR_DB_OK) {
        free(json);
        lr_problem_db(resp, app, s);
        return;
    }
    switch (outcome) {
    case LR_RESOLVE_DONE:
        lr_resp_json_text(resp, 200, json, strlen(json));
        break;
    case LR_RESOLVE_NOT_FOUND:
        lr_problem_answer(resp, LR_PROBLEM_NOT_FOUND, "no review item with that id", NULL);
        break;
    case LR_RESOLVE_ALREADY:
        already_resolved(resp, id, json);
        break;
    case LR_RESOLVE_NO_ACTIVE_REP:
        snprintf(detail, sizeof detail,
                 "queue %s has no active rep to take the item; nothing was written. Activate a "
                 "rep in %s or resolve to another queue",
                 lr_segment_name(rq.queue), lr_segment_name(rq.queue));
        lr_problem_answer(resp, LR_PROBLEM_NO_ACTIVE_REP, detail, NULL);
        break;
    case LR_RESOLVE_UNSUPPORTED:
        lr_problem_answer(resp, LR_PROBLEM_REVIEW_SUBJECT_UNSUPPORTED,
                          "this build cannot assign the item's kind of subject; nothing was "
                          "written",
                          NULL);
        break;
    }
    free(json);
}
