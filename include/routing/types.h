/* Plain value types shared by the routing rules and every layer above them. */
#ifndef LR_ROUTING_TYPES_H
#define LR_ROUTING_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LR_ID_MAX 128     /* ids are 1-128 printable characters (SPEC 3.1) */
#define LR_DOMAIN_MAX 254 /* email and domain are at most 254 characters */
#define LR_PERIOD_LEN 7   /* "2026-Q4" */

enum lr_segment {
    LR_SEG_SMB = 0,
    LR_SEG_MID_MARKET = 1,
    LR_SEG_STRATEGIC = 2,
    LR_SEG_REVIEW = 3,
    LR_SEG_NONE = 4,
};
#define LR_SEGMENT_COUNT 3 /* smb, mid_market, strategic: the queues with reps */

enum lr_signal_kind {
    LR_SIG_EMPLOYEES = 0,
    LR_SIG_ACV = 1, /* expected ACV, in cents */
    LR_SIG_FIT = 2,
};
#define LR_SIGNAL_COUNT 3

enum lr_source {
    LR_SRC_MISSING = 0,
    LR_SRC_EVENT = 1,
    LR_SRC_ENRICHMENT = 2,
};

enum lr_reason {
    LR_REASON_COMPOSITE = 0,
    LR_REASON_NAMED_ACCOUNT,
    LR_REASON_NAMED_OWNER_INACTIVE,
    LR_REASON_CONFLICT,
    LR_REASON_INSUFFICIENT_DATA,
    LR_REASON_NO_ACTIVE_REP,
    LR_REASON_FROM_LEAD,
    LR_REASON_MID_DEAL_HANDOFF,
    LR_REASON_BELOW_FLOOR,
    LR_REASON_SEGMENT_FLAP,
    LR_REASON_REVIEW_RESOLUTION,
    LR_REASON_COUNT_
};

struct lr_opt_i64 {
    bool present;
    int64_t v;
};

struct lr_signal {
    bool present;
    int64_t value;
    enum lr_source source;
    enum lr_segment vote; /* LR_SEG_NONE when the signal is missing */
};

const char *lr_segment_name(enum lr_segment s);
/* Accepts "smb", "mid_market", "strategic" and, when allow_review, "review". */
bool lr_segment_parse(const char *s, bool allow_review, enum lr_segment *out);
const char *lr_reason_name(enum lr_reason r);
bool lr_reason_parse(const char *s, enum lr_reason *out);
const char *lr_source_name(enum lr_source s);
const char *lr_signal_name(enum lr_signal_kind k);

/* Ids: 1-128 printable ASCII characters, no control characters. */
bool lr_id_valid(const char *s);

#endif
