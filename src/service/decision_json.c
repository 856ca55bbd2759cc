/* The decision body: what was decided, on which signals, under which rules. */
#include "service/decision_json.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/money.h"

static json_t *named_owner_or_null(const struct lr_decision *d)
{
    return d->named ? json_string(d->named_owner) : json_null();
}

static json_t *segment_or_null(enum lr_segment s)
{
    return s == LR_SEG_NONE ? json_null() : json_string(lr_segment_name(s));
}

json_t *lr_signals_json(const struct lr_signal s[LR_SIGNAL_COUNT])
{
    json_t *out = json_object();
    for (int k = 0; k < LR_SIGNAL_COUNT; k++) {
        json_t *value;
        if (!s[k].present)
            value = json_null();
        else if (k == LR_SIG_ACV)
            value = lr_json_money(s[k].value);
        else
            value = json_integer(s[k].value);
        json_object_set_new(out, lr_signal_name((enum lr_signal_kind)k),
                            json_pack("{s:o, s:s, s:o}", "value", value, "source",
                                      lr_source_name(s[k].source), "vote",
                                      segment_or_null(s[k].vote)));
    }
    return out;
}

json_t *lr_decision_json(const struct lr_decision *d, const char *event_id, const char *subject,
                         const char *subject_id, const char *domain, int64_t rules_version,
                         const char *decided_at)
{
    json_t *account =
        json_pack("{s:o, s:b, s:o}", "domain", domain ? json_string(domain) : json_null(),
                  "matched", d->account_matched, "named_owner", named_owner_or_null(d));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:s}", "event_id", event_id,
                     "subject", subject, "subject_id", subject_id, "queue",
                     lr_segment_name(d->queue), "reason", lr_reason_name(d->reason),
                     "composite_queue", lr_segment_name(d->composite), "signals",
                     lr_signals_json(d->signals), "account", account, "rules_version",
                     (json_int_t)rules_version, "decided_at", decided_at);
}

json_t *lr_lead_decision_inputs(const struct lr_decision *d, const char *decided_at)
{
    json_t *account = json_pack("{s:b, s:o}", "matched", d->account_matched, "named_owner",
                                named_owner_or_null(d));
    return json_pack("{s:s, s:o, s:o}", "decided_at", decided_at, "account", account, "signals",
                     lr_signals_json(d->signals));
}

/* PostgreSQL's escape_json, byte for byte: the text of a jsonb string. */
static void put_string(struct lr_buf *b, const char *s)
{
    lr_buf_append(b, "\"", 1);
    const char *run = s;
    for (const char *p = s; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        char u[8];
        const char *esc = c == '\b'   ? "\\b"
                          : c == '\f' ? "\\f"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                          : c == '"'  ? "\\\""
                          : c == '\\' ? "\\\\"
                                      : NULL;
        if (esc == NULL && c < 0x20) {
            snprintf(u, sizeof u, "\\u%04x", c);
            esc = u;
        }
        if (esc != NULL) {
            lr_buf_append(b, run, (size_t)(p - run));
            lr_buf_puts(b, esc);
            run = p + 1;
        }
    }
    lr_buf_puts(b, run);
    lr_buf_append(b, "\"", 1);
}

static void put_string_or_null(struct lr_buf *b, const char *s)
{
    if (s != NULL)
        put_string(b, s);
    else
        lr_buf_puts(b, "null");
}

static void put_int(struct lr_buf *b, int64_t v)
{
    char n[24];
    snprintf(n, sizeof n, "%lld", (long long)v);
    lr_buf_puts(b, n);
}

/* A key and its ": "; after the first key of an object, ", " before it. */
static void put_key(struct lr_buf *b, const char *key, bool first)
{
    if (!first)
        lr_buf_puts(b, ", ");
    put_string(b, key);
    lr_buf_puts(b, ": ");
}

static void put_signal(struct lr_buf *b, const struct lr_signal *s, enum lr_signal_kind k)
{
    put_key(b, "vote", true);
    put_string_or_null(b, s->vote == LR_SEG_NONE ? NULL : lr_segment_name(s->vote));
    put_key(b, "value", false);
    if (!s->present) {
        lr_buf_puts(b, "null");
    } else if (k == LR_SIG_ACV) {
        char money[32];
        lr_money_format(s->value, money);
        lr_buf_puts(b, money);
    } else {
        put_int(b, s->value);
    }
    put_key(b, "source", false);
    put_string(b, lr_source_name(s->source));
}

/* The keys of lr_decision_json for a lead, plus rep_id and review_id, in jsonb's order
 * (shorter keys first, then bytewise) with its separators; the signals in
 * LR_SIGNAL_COUNT order would not be (fit_score, expected_acv, employee_count is). */
char *lr_lead_answer_text(const struct lr_decision *d, const char *event_id, const char *subject_id,
                          const char *domain, int64_t rules_version, const char *decided_at,
                          const char *rep_id, int64_t review_id)
{
    static const enum lr_signal_kind signal_order[LR_SIGNAL_COUNT] = {LR_SIG_FIT, LR_SIG_ACV,
                                                                      LR_SIG_EMPLOYEES};
    struct lr_buf b = {0};
    lr_buf_puts(&b, "{");
    put_key(&b, "queue", true);
    put_string(&b, lr_segment_name(d->queue));
    put_key(&b, "reason", false);
    put_string(&b, lr_reason_name(d->reason));
    put_key(&b, "rep_id", false);
    put_string_or_null(&b, rep_id);
    put_key(&b, "account", false);
    lr_buf_puts(&b, "{");
    put_key(&b, "domain", true);
    put_string_or_null(&b, domain);
    put_key(&b, "matched", false);
    lr_buf_puts(&b, d->account_matched ? "true" : "false");
    put_key(&b, "named_owner", false);
    put_string_or_null(&b, d->named ? d->named_owner : NULL);
    lr_buf_puts(&b, "}");
    put_key(&b, "signals", false);
    lr_buf_puts(&b, "{");
    for (int i = 0; i < LR_SIGNAL_COUNT; i++) {
        enum lr_signal_kind k = signal_order[i];
        put_key(&b, lr_signal_name(k), i == 0);
        lr_buf_puts(&b, "{");
        put_signal(&b, &d->signals[k], k);
        lr_buf_puts(&b, "}");
    }
    lr_buf_puts(&b, "}");
    put_key(&b, "subject", false);
    put_string(&b, "lead");
    put_key(&b, "event_id", false);
    put_string(&b, event_id);
    put_key(&b, "review_id", false);
    if (review_id > 0)
        put_int(&b, review_id);
    else
        lr_buf_puts(&b, "null");
    put_key(&b, "decided_at", false);
    put_string(&b, decided_at);
    put_key(&b, "subject_id", false);
    put_string(&b, subject_id);
    put_key(&b, "rules_version", false);
    put_int(&b, rules_version);
    put_key(&b, "composite_queue", false);
    put_string(&b, lr_segment_name(d->composite));
    lr_buf_puts(&b, "}");
    if (b.failed) {
        lr_buf_free(&b);
        return NULL;
    }
    return b.data;
}
