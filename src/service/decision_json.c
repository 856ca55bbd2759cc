/* The decision body: what was decided, on which signals, under which rules. */
#include "service/decision_json.h"

#include "util/json.h"

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
    json_t *account = json_pack(
        "{s:o, s:b, s:o}", "domain", domain ? json_string(domain) : json_null(), "matched",
        d->account_matched, "named_owner", d->named ? json_string(d->named_owner) : json_null());
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:s}", "event_id", event_id,
                     "subject", subject, "subject_id", subject_id, "queue",
                     lr_segment_name(d->queue), "reason", lr_reason_name(d->reason),
                     "composite_queue", lr_segment_name(d->composite), "signals",
                     lr_signals_json(d->signals), "account", account, "rules_version",
                     (json_int_t)rules_version, "decided_at", decided_at);
}
