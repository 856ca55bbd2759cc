/* Write-back requests and the retry rule, pure (SPEC 3.6). */
#include "service/writeback_request.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/utf8.h"

static const char *const DESTINATIONS[LR_WB_DESTINATIONS] = {"webhook", "hubspot", "salesforce",
                                                             "pipedrive"};
static const char *const OUTCOMES[LR_WB_OUTCOMES] = {"delivered", "retry", "dead"};

const char *lr_wb_destination_name(enum lr_wb_destination d)
{
    return d < LR_WB_DESTINATIONS ? DESTINATIONS[d] : "none";
}

const char *lr_wb_outcome_name(enum lr_wb_outcome o)
{
    return o < LR_WB_OUTCOMES ? OUTCOMES[o] : "unknown";
}

int lr_wb_destination_parse(const char *name, enum lr_wb_destination *out)
{
    for (int i = 0; i < LR_WB_DESTINATIONS; i++)
        if (strcmp(name, DESTINATIONS[i]) == 0) {
            *out = (enum lr_wb_destination)i;
            return 0;
        }
    return -1;
}

void lr_wb_request_free(struct lr_wb_request *req)
{
    free(req->url);
    for (size_t i = 0; i < req->nheaders; i++)
        free(req->headers[i]);
    free(req->body);
    memset(req, 0, sizeof *req);
}

/* Percent-encodes all but RFC 3986's unreserved characters: an id may hold '/', '?',
 * '#' or spaces, none of which may change the path. */
static void put_encoded(struct lr_buf *b, const char *s)
{
    static const char HEX[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            lr_buf_append(b, (const char *)p, 1);
        } else {
            char esc[3] = {'%', HEX[*p >> 4], HEX[*p & 15]};
            lr_buf_append(b, esc, 3);
        }
    }
}

/* base (without trailing '/') + path + the encoded id. */
static char *crm_url(const char *base, const char *path, const char *id)
{
    struct lr_buf b = {0};
    size_t len = strlen(base);
    while (len > 0 && base[len - 1] == '/')
        len--;
    lr_buf_append(&b, base, len);
    lr_buf_puts(&b, path);
    put_encoded(&b, id);
    if (b.failed || b.data == NULL) {
        lr_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static int add_header(struct lr_wb_request *req, const char *name, const char *value)
{
    size_t len = strlen(name) + 2 + strlen(value) + 1;
    char *h = malloc(len);
    if (h == NULL || req->nheaders == LR_WB_MAX_HEADERS) {
        free(h);
        return -1;
    }
    snprintf(h, len, "%s: %s", name, value);
    req->headers[req->nheaders++] = h;
    return 0;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* NULL when out of memory or when a value is not UTF-8 (the database holds only UTF-8). */
static char *webhook_body(const struct lr_outbox_row *row)
{
    json_t *doc = json_pack(
        "{s:s, s:s, s:{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:o}}", "type", "assignment.created",
        "timestamp", row->at, "data", "id", (json_int_t)row->assignment_id, "subject", row->subject,
        "subject_id", row->subject_id, "queue", row->queue, "rep_id", str_or_null(row->rep_id),
        "previous_rep_id", str_or_null(row->previous_rep_id), "reason", row->reason, "at", row->at,
        "crm_owner_id", str_or_null(row->crm_owner_id));
    if (doc == NULL)
        return NULL;
    char *body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return body;
}

/* Pipedrive user ids are numbers: digits only, within JSON's exact integers. */
static bool pipedrive_owner(const char *s, long long *out)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0 || s[n] != '\0' || n > 16)
        return false;
    long long v = strtoll(s, NULL, 10);
    if (v < 1 || v > 9007199254740991LL)
        return false;
    *out = v;
    return true;
}

static enum lr_wb_build build_webhook(const struct lr_wb_target *t, const struct lr_outbox_row *row,
                                      int64_t now_sec, struct lr_wb_request *out)
{
    char id[32], ts[32], sig[96], sig_header[100];
    snprintf(id, sizeof id, "asg_%lld", (long long)row->assignment_id);
    snprintf(ts, sizeof ts, "%lld", (long long)now_sec);
    out->method = "POST";
    out->url = strdup(t->url);
    out->body = webhook_body(row);
    if (out->url == NULL || out->body == NULL ||
        lr_webhook_sign(t->key, id, ts, out->body, strlen(out->body), sig, sizeof sig) != 0)
        return LR_WB_BUILD_NOMEM;
    snprintf(sig_header, sizeof sig_header, "v1,%s", sig);
    if (add_header(out, "Content-Type", "application/json") || add_header(out, "webhook-id", id) ||
        add_header(out, "webhook-timestamp", ts) ||
        add_header(out, "webhook-signature", sig_header))
        return LR_WB_BUILD_NOMEM;
    return LR_WB_BUILD_OK;
}

static enum lr_wb_build build_crm(const struct lr_wb_target *t, const struct lr_outbox_row *row,
                                  struct lr_wb_request *out, char *err, size_t errlen)
{
    bool lead = strcmp(row->subject, "lead") == 0;
    if (row->crm_owner_id == NULL) {
        snprintf(err, errlen, "the assignment has no rep: there is no owner to write");
        return LR_WB_BUILD_UNDELIVERABLE;
    }
    json_t *doc = NULL;
    const char *path = NULL;
    out->method = "PATCH";
    switch (t->destination) {
    case LR_WB_HUBSPOT:
        path = lead ? "/crm/v3/objects/contacts/" : "/crm/v3/objects/deals/";
        doc = json_pack("{s:{s:s}}", "properties", "hubspot_owner_id", row->crm_owner_id);
        break;
    case LR_WB_SALESFORCE:
        path = lead ? "/services/data/v60.0/sobjects/Lead/"
                    : "/services/data/v60.0/sobjects/Opportunity/";
        doc = json_pack("{s:s}", "OwnerId", row->crm_owner_id);
        break;
    case LR_WB_PIPEDRIVE: {
        long long owner;
        if (!pipedrive_owner(row->crm_owner_id, &owner)) {
            snprintf(err, errlen,
                     "pipedrive needs a numeric owner id: rep %s has crm_owner_id '%.128s'",
                     row->rep_id ? row->rep_id : "-", row->crm_owner_id);
            return LR_WB_BUILD_UNDELIVERABLE;
        }
        path = lead ? "/v1/leads/" : "/api/v2/deals/";
        doc = json_pack("{s:I}", "owner_id", (json_int_t)owner);
        break;
    }
    default:
        snprintf(err, errlen, "unknown destination");
        return LR_WB_BUILD_UNDELIVERABLE;
    }
    if (doc == NULL)
        return LR_WB_BUILD_NOMEM;
    out->body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    out->url = crm_url(t->url, path, row->subject_id);
    if (out->body == NULL || out->url == NULL ||
        add_header(out, "Content-Type", "application/json"))
        return LR_WB_BUILD_NOMEM;
    char auth[1100];
    if (t->destination == LR_WB_PIPEDRIVE)
        return add_header(out, "x-api-token", t->token) ? LR_WB_BUILD_NOMEM : LR_WB_BUILD_OK;
    snprintf(auth, sizeof auth, "Bearer %s", t->token);
    if (add_header(out, "Authorization", auth))
        return LR_WB_BUILD_NOMEM;
    /* So that the CRM's own assignment rules do not undo the owner just written. */
    if (t->destination == LR_WB_SALESFORCE && add_header(out, "Sforce-Auto-Assign", "FALSE"))
        return LR_WB_BUILD_NOMEM;
    return LR_WB_BUILD_OK;
}

enum lr_wb_build lr_wb_request_build(const struct lr_wb_target *t, const struct lr_outbox_row *row,
                                     int64_t now_sec, struct lr_wb_request *out, char *err,
                                     size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (errlen > 0)
        err[0] = '\0';
    enum lr_wb_build b = t->destination == LR_WB_WEBHOOK ? build_webhook(t, row, now_sec, out)
                                                         : build_crm(t, row, out, err, errlen);
    if (b != LR_WB_BUILD_OK)
        lr_wb_request_free(out);
    if (b == LR_WB_BUILD_NOMEM)
        snprintf(err, errlen, "out of memory building the request");
    return b;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int month_of(const char *m)
{
    static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; i++)
        if (strcmp(m, MONTHS[i]) == 0)
            return i + 1;
    return -1;
}

/* The three forms RFC 9110 (5.6.7) makes a recipient accept. */
static bool http_date(const char *s, int64_t *out)
{
    char wk[16], mon[4];
    int d, y, hh, mm, ss, n = -1;
    if (sscanf(s, "%15[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", wk, &d, mon, &y, &hh, &mm,
               &ss, &n) == 7 &&
        n > 0 && s[n] == '\0') {
        /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
    } else if (n = -1, sscanf(s, "%15[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n", wk, &d, mon,
                              &y, &hh, &mm, &ss, &n) == 7 &&
                           n > 0 && s[n] == '\0') {
        /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT; a two-digit year is read as RFC 9110
         * says for dates that look more than 50 years ahead, simplified to 70. */
        y += y < 70 ? 2000 : 1900;
    } else if (n = -1, sscanf(s, "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", wk, mon, &d, &hh,
                              &mm, &ss, &y, &n) == 7 &&
                           n > 0 && s[n] == '\0') {
        /* asctime: Sun Nov  6 08:49:37 1994 */
    } else {
        return false;
    }
    int m = month_of(mon);
    if (m < 0 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60 || y < 1970)
        return false;
    *out = days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 + hh * 3600 + mm * 60 + ss;
    return true;
}

int64_t lr_wb_retry_after_sec(const char *value, int64_t now_sec)
{
    if (value == NULL)
        return 0;
    while (*value == ' ' || *value == '\t')
        value++;
    char v[64];
    size_t len = strlen(value);
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof v)
        return 0;
    memcpy(v, value, len);
    v[len] = '\0';
    int64_t secs;
    if (strspn(v, "0123456789") == len) {
        /* Many digits are simply "a long time". */
        secs = len > 9 ? LR_WB_RETRY_AFTER_MAX : strtoll(v, NULL, 10);
    } else {
        int64_t at;
        if (!http_date(v, &at))
            return 0;
        secs = at - now_sec;
    }
    if (secs < 0)
        return 0;
    return secs > LR_WB_RETRY_AFTER_MAX ? LR_WB_RETRY_AFTER_MAX : secs;
}

static bool retryable(int status)
{
    return status == 0 || status == 408 || status == 425 || status == 429 ||
           (status >= 500 && status <= 599);
}

struct lr_wb_verdict lr_wb_verdict_of(int status, const char *retry_after, int attempts,
                                      const unsigned *schedule, size_t nschedule, int64_t now_sec,
                                      double jitter)
{
    struct lr_wb_verdict v = {LR_WB_DEAD, 0, 0};
    if (status >= 200 && status <= 299) {
        v.outcome = LR_WB_DELIVERED;
        return v;
    }
    if (!retryable(status) || attempts < 1 || (size_t)attempts > nschedule)
        return v;
    if (jitter < 0 || jitter >= 1)
        jitter = 0;
    v.outcome = LR_WB_RETRY;
    v.after_first_sec = schedule[attempts - 1] * (1.0 + jitter / 10.0);
    v.not_before_sec = (double)lr_wb_retry_after_sec(retry_after, now_sec);
    return v;
}

void lr_wb_error_text(const char *body, size_t len, char *out, size_t cap)
{
    if (cap == 0)
        return;
    size_t n = len < cap - 1 ? len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)body[i];
        out[i] = ch < 0x20 || ch == 0x7F ? ' ' : (char)ch;
    }
    out[n] = '\0';
    /* A cut in the middle of a character, or a body in another encoding, becomes '?'. */
    lr_utf8_sanitize(out);
    size_t start = strspn(out, " ");
    size_t end = strlen(out);
    while (end > start && out[end - 1] == ' ')
        end--;
    memmove(out, out + start, end - start);
    out[end - start] = '\0';
}

bool lr_wb_header_safe(const char *value)
{
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return false;
    return true;
}

size_t lr_wb_answer_body(char *data, size_t size, size_t nmemb, void *answer)
{
    struct lr_wb_answer *a = answer;
    size_t n = size * nmemb, room = LR_WB_ANSWER_KEEP - a->body_len;
    size_t keep = n < room ? n : room;
    memcpy(a->body + a->body_len, data, keep);
    a->body_len += keep;
    return n;
}

size_t lr_wb_answer_header(char *data, size_t size, size_t nmemb, void *answer)
{
    struct lr_wb_answer *a = answer;
    size_t n = size * nmemb;
    /* A new status line (after a 100 Continue) starts a new set of headers. */
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        a->retry_after[0] = '\0';
    static const char NAME[] = "retry-after:";
    if (n > sizeof NAME - 1 && strncasecmp(data, NAME, sizeof NAME - 1) == 0) {
        size_t len = n - (sizeof NAME - 1);
        const char *v = data + sizeof NAME - 1;
        while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n'))
            len--;
        if (len < sizeof a->retry_after) {
            memcpy(a->retry_after, v, len);
            a->retry_after[len] = '\0';
        }
    }
    return n;
}

int lr_wb_settings_check(const struct lr_config *cfg, enum lr_wb_destination *dest, char *err,
                         size_t errlen)
{
    const char *why = NULL;
    if (strcmp(cfg->writeback, "none") == 0 || cfg->writeback[0] == '\0')
        return 1;
    if (lr_wb_destination_parse(cfg->writeback, dest) != 0)
        why = "writeback: unknown destination";
    else if (cfg->writeback_lease_sec <= cfg->writeback_timeout_sec)
        why = "writeback_lease_seconds must be above writeback_timeout_seconds (a row would be "
              "claimed again while its request is still on the wire)";
    else if (*dest != LR_WB_WEBHOOK && !lr_wb_header_safe(cfg->writeback_token))
        why = "writeback_token holds control characters";
    if (why != NULL)
        snprintf(err, errlen, "%s", why);
    return why != NULL ? -1 : 0;
}
