/* Every HTTP handler, grouped by the file that implements it. */
#ifndef LR_API_API_H
#define LR_API_API_H

#include "api/app.h"
#include "api/params.h"
#include "http/http.h"

#define LR_HANDLER(name)                                                                           \
    void name(struct lr_app *app, struct lr_request *req, struct lr_response *resp)

/* api/health.c */
LR_HANDLER(lr_api_healthz);
LR_HANDLER(lr_api_readyz);
/* api/events.c */
LR_HANDLER(lr_api_events_post);
/* api/leads.c */
LR_HANDLER(lr_api_lead_get);
/* api/opportunities.c */
LR_HANDLER(lr_api_opportunity_get);
/* api/assignments.c */
LR_HANDLER(lr_api_assignments_list);
/* api/reps.c */
LR_HANDLER(lr_api_rep_put);
LR_HANDLER(lr_api_reps_list);
/* api/accounts.c */
LR_HANDLER(lr_api_accounts_put);
LR_HANDLER(lr_api_account_get);
/* api/named_accounts.c */
LR_HANDLER(lr_api_named_put);
LR_HANDLER(lr_api_named_get);
/* api/reviews.c */
LR_HANDLER(lr_api_reviews_list);
LR_HANDLER(lr_api_review_resolve);
/* api/rules_api.c */
LR_HANDLER(lr_api_rules_get);
LR_HANDLER(lr_api_rules_put);
/* api/simulate.c */
LR_HANDLER(lr_api_simulate);
/* api/stats.c */
LR_HANDLER(lr_api_stats);
LR_HANDLER(lr_api_stats_series);
/* api/web.c: the dashboard's page and files */
LR_HANDLER(lr_api_web_page);
LR_HANDLER(lr_api_web_asset);
/* api/crm_hubspot.c, api/crm_salesforce.c, api/crm_pipedrive.c, api/crm_mapping.c */
LR_HANDLER(lr_api_crm_hubspot_contacts);
LR_HANDLER(lr_api_crm_hubspot_deals);
LR_HANDLER(lr_api_crm_salesforce);
LR_HANDLER(lr_api_crm_pipedrive);
LR_HANDLER(lr_api_crm_mapping_get);
LR_HANDLER(lr_api_crm_mapping_put);

/* api/deliveries.c */
LR_HANDLER(lr_api_deliveries_list);
LR_HANDLER(lr_api_delivery_retry);
/* api/metrics.c */
LR_HANDLER(lr_api_metrics);

#endif
