/* POST /v1/events: the envelope is checked once, then each subject has its service. */
#ifndef LR_API_EVENTS_H
#define LR_API_EVENTS_H

#include "api/app.h"
#include "api/event_input.h"
#include "http/http.h"
#include "service/lead.h"

/* What a lead runs on in this server (POST /v1/events and the CRM adapters). */
struct lr_lead_path lr_api_lead_path(struct lr_app *app);

#endif
