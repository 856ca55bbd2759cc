/* opportunity.created / opportunity.updated: SPEC 2.8, not built yet. */
#include "api/events.h"

void lr_opportunity_event(struct lr_app *app, struct lr_request *req, struct lr_response *resp,
                          struct lr_envelope *env)
{
    (void)app;
    (void)req;
    (void)env;
    lr_problem(resp, 501, "not-implemented", "Not implemented",
               "opportunity events are not routed yet; nothing was written", NULL);
}
