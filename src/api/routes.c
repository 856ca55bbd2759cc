/* The route table. Roles: reader reads, ops works reviews, reps, accounts and named
 * lists, admin does everything (SPEC 3.4). */
#include "api/routes.h"

#include <string.h>

#include "api/api.h"

static const struct lr_route ROUTES[] = {
    {"GET", "/healthz", lr_api_healthz, LR_ROLE_NONE, LR_BODY_JSON},
    {"GET", "/readyz", lr_api_readyz, LR_ROLE_NONE, LR_BODY_JSON},
    {"POST", "/v1/events", lr_api_events_post, LR_ROLE_NONE, LR_BODY_JSON},
    {"GET", "/v1/leads/{}", lr_api_lead_get, LR_ROLE_READER, LR_BODY_JSON},
    {"GET", "/v1/opportunities/{}", lr_api_opportunity_get, LR_ROLE_READER, LR_BODY_JSON},
    {"GET", "/v1/assignments", lr_api_assignments_list, LR_ROLE_READER, LR_BODY_JSON},
    {"GET", "/v1/reps", lr_api_reps_list, LR_ROLE_READER, LR_BODY_JSON},
    {"PUT", "/v1/reps/{}", lr_api_rep_put, LR_ROLE_OPS, LR_BODY_JSON},
    {"PUT", "/v1/accounts", lr_api_accounts_put, LR_ROLE_OPS, LR_BODY_BULK},
    {"GET", "/v1/accounts/{}", lr_api_account_get, LR_ROLE_READER, LR_BODY_JSON},
    {"PUT", "/v1/named-accounts/{}", lr_api_named_put, LR_ROLE_OPS, LR_BODY_BULK},
    {"GET", "/v1/named-accounts/{}", lr_api_named_get, LR_ROLE_READER, LR_BODY_JSON},
    {"GET", "/v1/reviews", lr_api_reviews_list, LR_ROLE_READER, LR_BODY_JSON},
    {"POST", "/v1/reviews/{}/resolve", lr_api_review_resolve, LR_ROLE_OPS, LR_BODY_JSON},
    {"GET", "/v1/rules", lr_api_rules_get, LR_ROLE_READER, LR_BODY_JSON},
    {"PUT", "/v1/rules", lr_api_rules_put, LR_ROLE_ADMIN, LR_BODY_JSON},
    {"POST", "/v1/simulate", lr_api_simulate, LR_ROLE_ADMIN, LR_BODY_JSON},
    {"GET", "/v1/stats", lr_api_stats, LR_ROLE_READER, LR_BODY_JSON},
    {"GET", "/v1/stats/series", lr_api_stats_series, LR_ROLE_READER, LR_BODY_JSON},
    /* CRM adapters authenticate themselves (signature, token, Basic) before parsing. */
    {"POST", "/v1/crm/hubspot/contacts", lr_api_crm_hubspot_contacts, LR_ROLE_NONE, LR_BODY_CRM},
    {"POST", "/v1/crm/hubspot/deals", lr_api_crm_hubspot_deals, LR_ROLE_NONE, LR_BODY_CRM},
    {"POST", "/v1/crm/salesforce", lr_api_crm_salesforce, LR_ROLE_NONE, LR_BODY_CRM},
    {"POST", "/v1/crm/pipedrive", lr_api_crm_pipedrive, LR_ROLE_NONE, LR_BODY_CRM},
    {"GET", "/v1/crm/{}/mapping", lr_api_crm_mapping_get, LR_ROLE_READER, LR_BODY_JSON},
    {"PUT", "/v1/crm/{}/mapping", lr_api_crm_mapping_put, LR_ROLE_ADMIN, LR_BODY_JSON},
    {"GET", "/v1/deliveries", lr_api_deliveries_list, LR_ROLE_READER, LR_BODY_JSON},
    {"POST", "/v1/deliveries/{}/retry", lr_api_delivery_retry, LR_ROLE_OPS, LR_BODY_JSON},
    {"GET", "/metrics", lr_api_metrics, LR_ROLE_NONE, LR_BODY_JSON},
    /* The dashboard (SPEC 3.7) holds no data: it asks for a reader token and reads the API. */
    {"GET", "/", lr_api_web_page, LR_ROLE_NONE, LR_BODY_JSON},
    {"GET", "/assets/{}", lr_api_web_asset, LR_ROLE_NONE, LR_BODY_JSON},
};

/* Matches pattern against path segment by segment; "{}" takes one non-empty segment. */
static bool match(const char *pattern, const char *path, struct lr_request *req)
{
    size_t np = 0;
    while (*pattern && *path) {
        if (strncmp(pattern, "{}", 2) == 0) {
            const char *end = strchr(path, '/');
            size_t len = end ? (size_t)(end - path) : strlen(path);
            if (len == 0 || len >= sizeof req->params[0] ||
                np == sizeof req->params / sizeof *req->params)
                return false;
            memcpy(req->params[np], path, len);
            req->params[np++][len] = '\0';
            path += len;
            pattern += 2;
            continue;
        }
        if (*pattern != *path)
            return false;
        pattern++;
        path++;
    }
    if (*pattern || *path)
        return false;
    req->nparams = np;
    return true;
}

const struct lr_route *lr_routes(size_t *count)
{
    *count = sizeof ROUTES / sizeof *ROUTES;
    return ROUTES;
}

const struct lr_route *lr_route_find(const char *method, const char *path, struct lr_request *req,
                                     bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < sizeof ROUTES / sizeof *ROUTES; i++) {
        if (!match(ROUTES[i].pattern, path, req))
            continue;
        *path_known = true;
        if (strcmp(ROUTES[i].method, method) == 0)
            return &ROUTES[i];
    }
    return NULL;
}
