/* The decision body of SPEC 3.1, built from a routing decision. */
#ifndef LR_SERVICE_DECISION_JSON_H
#define LR_SERVICE_DECISION_JSON_H

#include <jansson.h>

#include "routing/lead.h"

/* signals as {"employee_count": {"value", "source", "vote"}, ...}. */
json_t *lr_signals_json(const struct lr_signal s[LR_SIGNAL_COUNT]);

/* Everything but rep_id and review_id, which the caller adds (the opportunity path;
 * for a lead, the keys of lr_lead_answer_text). domain may be NULL. */
json_t *lr_decision_json(const struct lr_decision *d, const char *event_id, const char *subject,
                         const char *subject_id, const char *domain, int64_t rules_version,
                         const char *decided_at);

/* What the lead batch needs of a lead's decision beyond its other columns
 * (sql/functions/lr_commit_leads.sql, p_decision): decided_at, account.matched and
 * account.named_owner, signals; the batch builds any answer it gives from those and its
 * columns, as the lead row is written. */
json_t *lr_lead_decision_inputs(const struct lr_decision *d, const char *decided_at);

/* A lead's answer when it is routed (201), byte for byte the text of its decision as the
 * database rebuilds it for every replay (sql/functions/lr_lead_decision.sql, as jsonb
 * prints it): lr_decision_json's keys for a lead with rep_id (NULL: nobody) and
 * review_id (0: none), which the database decided. Built here rather than by the single
 * writer of the batch (sql/functions/lr_commit_leads.sql). NULL when out of memory;
 * the caller frees it. */
char *lr_lead_answer_text(const struct lr_decision *d, const char *event_id, const char *subject_id,
                          const char *domain, int64_t rules_version, const char *decided_at,
                          const char *rep_id, int64_t review_id);

#endif
