/* The libmicrohttpd server: accepts, reads bodies, dispatches, drains on SIGTERM. */
#ifndef LR_HTTP_SERVER_H
#define LR_HTTP_SERVER_H

#include "http/app.h"

/* Serves until SIGTERM or SIGINT, then drains requests in flight. Returns 0 on a
 * clean stop, -1 when the server could not start. */
int lr_serve(struct lr_app *app);

#endif
