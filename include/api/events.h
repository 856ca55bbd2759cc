/* POST /v1/events: the envelope is checked once, then each subject has its own path. */
#ifndef LR_API_EVENTS_H
#define LR_API_EVENTS_H

#include "api/event_input.h"
#include "http/app.h"
#include "http/http.h"

struct lr_envelope {
    const char *webhook_id;
    char body_sha256[65];
    struct lr_event ev;
};

/* lead.created (api/lead_events.c) */
void lr_lead_event(struct lr_app *app, struct lr_request *req, struct lr_response *resp,
                   struct lr_envelope *env);
/* How many lanes the lead path's batcher needs (lr_batcher_new). */
unsigned lr_lead_lanes(void);
/* opportunity.created and opportunity.updated (api/opportunity_events.c) */
void lr_opportunity_event(struct lr_app *app, struct lr_request *req, struct lr_response *resp,
                          struct lr_envelope *env);

#endif
