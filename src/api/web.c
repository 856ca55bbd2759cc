/* GET / and GET /assets/{name}: the dashboard (SPEC 3.7), served from the binary. The
 * page reads the public API with a reader token the user pastes, so serving it needs
 * no token: it holds no data. */
#include "api/web.h"

#include <string.h>

#include "api/api.h"
#include "api/problem.h"

/* Only this origin, no inline script or style, no plugins, no framing, no form posts:
 * the page fetches figures from this server and draws them, and needs nothing else. */
#define CSP                                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "                    \
    "connect-src 'self'; base-uri 'none'; "                                                        \
    "form-action 'none'; frame-ancestors 'none'"

#define SECURITY_HEADERS                                                                           \
    "Content-Security-Policy", CSP, "X-Content-Type-Options", "nosniff", "Referrer-Policy",        \
        "no-referrer", "X-Frame-Options", "DENY", "Cross-Origin-Opener-Policy", "same-origin",     \
        "Cross-Origin-Resource-Policy", "same-origin"

/* The page names its assets by content hash, so it must be revalidated on every load
 * (a new binary serves new names); an asset's URL never changes meaning. */
static const char *const PAGE_HEADERS[] = {SECURITY_HEADERS, "Cache-Control", "no-cache", NULL};
static const char *const ASSET_HEADERS[] = {SECURITY_HEADERS, "Cache-Control",
                                            "public, max-age=31536000, immutable", NULL};

const char *const *lr_web_headers(bool immutable)
{
    return immutable ? ASSET_HEADERS : PAGE_HEADERS;
}

const struct lr_web_asset *lr_web_find(const char *path)
{
    for (unsigned i = 0; i < lr_web_asset_count; i++)
        if (strcmp(lr_web_assets[i].path, path) == 0)
            return &lr_web_assets[i];
    return NULL;
}

static void answer(struct lr_response *resp, const struct lr_web_asset *a)
{
    if (a == NULL) {
        lr_problem_answer(resp, LR_PROBLEM_NOT_FOUND, "no such file", NULL);
        return;
    }
    lr_resp_static(resp, 200, a->content_type, a->data, a->len, lr_web_headers(a->immutable));
}

void lr_api_web_page(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    (void)app;
    (void)req;
    answer(resp, lr_web_find("/"));
}

void lr_api_web_asset(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    (void)app;
    char path[sizeof req->params[0] + 16];
    snprintf(path, sizeof path, "/assets/%s", req->params[0]);
    const struct lr_web_asset *a = lr_web_find(path);
    answer(resp, a != NULL && a->immutable ? a : NULL);
}
