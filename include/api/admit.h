/* The API as the HTTP server sees it: what may be decided from a request's head
 * (route, token and role, body limit and content type, a bulk-load slot), the
 * dispatch to the route's handler, and the answers to the server's own refusals. */
#ifndef LR_API_ADMIT_H
#define LR_API_ADMIT_H

#include "api/app.h"
#include "http/server.h"

/* The handler for lr_serve, bound to app (which must outlive the server). */
struct lr_http_handler lr_api_http_handler(struct lr_app *app);

#endif
