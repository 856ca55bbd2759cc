/* Names of segments, reasons, sources and signals as they appear in JSON. */
#include "routing/types.h"

#include "util/utf8.h"

#include <string.h>

static const char *const SEGMENT_NAMES[] = {"smb", "mid_market", "strategic", "review"};

static const char *const REASON_NAMES[LR_REASON_COUNT_] = {
    "composite",    "named_account",     "named_owner_inactive",
    "conflict",     "insufficient_data", "no_active_rep",
    "from_lead",    "mid_deal_handoff",  "below_floor",
    "segment_flap", "review_resolution",
};

const char *lr_segment_name(enum lr_segment s)
{
    return s <= LR_SEG_REVIEW ? SEGMENT_NAMES[s] : "none";
}

bool lr_segment_parse(const char *s, bool allow_review, enum lr_segment *out)
{
    if (s == NULL)
        return false;
    for (int i = 0; i <= LR_SEG_REVIEW; i++) {
        if (strcmp(s, SEGMENT_NAMES[i]) == 0) {
            if (i == LR_SEG_REVIEW && !allow_review)
                return false;
            *out = (enum lr_segment)i;
            return true;
        }
    }
    return false;
}

const char *lr_reason_name(enum lr_reason r)
{
    return r < LR_REASON_COUNT_ ? REASON_NAMES[r] : "unknown";
}

bool lr_reason_parse(const char *s, enum lr_reason *out)
{
    for (int i = 0; s != NULL && i < LR_REASON_COUNT_; i++) {
        if (strcmp(s, REASON_NAMES[i]) == 0) {
            *out = (enum lr_reason)i;
            return true;
        }
    }
    return false;
}

const char *lr_source_name(enum lr_source s)
{
    switch (s) {
    case LR_SRC_EVENT:
        return "event";
    case LR_SRC_ENRICHMENT:
        return "enrichment";
    default:
        return "missing";
    }
}

const char *lr_signal_name(enum lr_signal_kind k)
{
    switch (k) {
    case LR_SIG_EMPLOYEES:
        return "employee_count";
    case LR_SIG_ACV:
        return "expected_acv";
    default:
        return "fit_score";
    }
}

bool lr_id_valid(const char *s)
{
    if (s == NULL)
        return false;
    size_t n = strlen(s);
    if (n < 1 || n > LR_ID_MAX)
        return false;
    /* Stored as text and echoed in JSON: valid UTF-8, no control characters. */
    return lr_utf8_printable(s, 1, LR_ID_MAX);
}
