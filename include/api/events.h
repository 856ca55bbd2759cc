/* POST /v1/events: the envelope is checked once, then each subject has its service. */
#ifndef LR_API_EVENTS_H
#define LR_API_EVENTS_H

#include "api/app.h"
#include "api/event_input.h"
#include "http/http.h"

#endif
