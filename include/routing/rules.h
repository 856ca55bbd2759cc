/* The versioned routing rules (SPEC 2.10): parsed, validated and serialised. */
#ifndef LR_ROUTING_RULES_H
#define LR_ROUTING_RULES_H

#include <jansson.h>

#include "routing/types.h"

/* A value v votes smb when v < mid_market_min, mid_market when v < strategic_min,
 * else strategic. Two cut points per signal keep the bands contiguous by design. */
struct lr_band {
    int64_t mid_market_min;
    int64_t strategic_min;
};

#define LR_RULES_MAX_STAGES 32
#define LR_RULES_STAGE_MAX 128

struct lr_rules {
    int64_t version;                       /* 0 until stored */
    struct lr_band bands[LR_SIGNAL_COUNT]; /* the ACV band is in cents */
    char **freemail;                       /* owned, lower-case domains */
    size_t freemail_count;
    int64_t handoff_acv_cents; /* an SMB deal at or above this moves up */
    int64_t handoff_employees; /* ... or at or above this head count */
    int64_t floor_acv_cents;   /* a mid-market deal below this goes to SMB */
    int32_t mm_commission_bp;  /* mid-market commission rate, basis points */
    int32_t finder_credit_bp;  /* finder's share of that commission */
    int64_t finder_credit_cap_cents;
    bool no_poaching;
    /* The CRM's own names of the closing stages (SPEC 2.8), as the document gives them;
     * compared after lr_stage_normalize. */
    size_t won_stage_count, lost_stage_count;
    char won_stages[LR_RULES_MAX_STAGES][LR_RULES_STAGE_MAX + 1];
    char lost_stages[LR_RULES_MAX_STAGES][LR_RULES_STAGE_MAX + 1];
};

#define LR_RULES_MAX_FREEMAIL 1000

/* Fills the SPEC 2.2 defaults (version 1). Returns 0, or -1 when out of memory. */
int lr_rules_defaults(struct lr_rules *out);
void lr_rules_free(struct lr_rules *r);
/* Deep copy; returns 0 or -1 (out of memory, dst untouched). */
int lr_rules_copy(struct lr_rules *dst, const struct lr_rules *src);

/* Parses and validates a rules document given as JSON text. On success returns 0
 * and fills out (version left 0). On a bad document returns -1 and appends one
 * {"field": ..., "message": ...} object per problem to errors (a JSON array). */
int lr_rules_parse(const char *text, size_t len, struct lr_rules *out, json_t *errors);

/* The same over a document already parsed, with the number literals that
 * lr_json_number_literals collected for it (pointers relative to doc). A document
 * nested in a request body is validated this way without re-serialising its amounts. */
int lr_rules_from_json(const json_t *doc, const json_t *lits, struct lr_rules *out, json_t *errors);

/* The document form of the rules (without the version). Money values are
 * lr_json_money markers: serialise with lr_json_dumps. */
json_t *lr_rules_to_json(const struct lr_rules *r);

/* A stage name as the rules compare it: lower-cased, spaces and hyphens turned into
 * '_', then every '_' removed ("Closed Won", "closed-won" and "closedwon" are one).
 * out has at least strlen(in) + 1 bytes. */
void lr_stage_normalize(const char *in, char *out);

/* Which closing list holds stage (after normalising both): 1 won, 2 lost, 0 neither
 * (or stage NULL). */
int lr_rules_stage_closes(const struct lr_rules *r, const char *stage);

bool lr_rules_is_freemail(const struct lr_rules *r, const char *domain);

/* Which segment's band holds value for that signal. */
enum lr_segment lr_band_vote(const struct lr_rules *r, enum lr_signal_kind k, int64_t value);

#endif
