/* api/web.c and the files scripts/embed-web.sh compiles in: the page names only files
 * the binary serves, under content-hashed URLs cached for a year, and every answer
 * carries the security headers (SPEC 3.7). A broken reference or a missing header
 * would only show in a browser, so they are checked here on every build. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/web.h"
#include "suites.h"

static const char *header(const char *const *h, const char *name)
{
    for (; h != NULL && h[0] != NULL; h += 2)
        if (strcmp(h[0], name) == 0)
            return h[1];
    return NULL;
}

START_TEST(test_page_names_only_embedded_files)
{
    const struct lr_web_asset *page = lr_web_find("/");
    ck_assert_ptr_nonnull(page);
    ck_assert(!page->immutable);
    ck_assert_str_eq(page->content_type, "text/html; charset=utf-8");
    char *html = strndup((const char *)page->data, page->len);
    ck_assert_ptr_nonnull(html);
    unsigned refs = 0;
    for (const char *p = strstr(html, "\"/assets/"); p != NULL; p = strstr(p + 1, "\"/assets/")) {
        const char *end = strchr(p + 1, '"');
        ck_assert_ptr_nonnull(end);
        char url[256];
        snprintf(url, sizeof url, "%.*s", (int)(end - p - 1), p + 1);
        const struct lr_web_asset *a = lr_web_find(url);
        ck_assert_msg(a != NULL, "the page names %s, which is not served", url);
        ck_assert_msg(a->immutable, "%s is not content-hashed", url);
        refs++;
    }
    ck_assert_uint_ge(refs, 6); /* favicon, uPlot's CSS and JS, app.css, app.js, licence */
    ck_assert_ptr_null(strstr(html, "http://"));
    ck_assert_ptr_null(strstr(html, "https://"));
    ck_assert_ptr_null(strstr(html, "<style"));
    free(html);
}
END_TEST

START_TEST(test_assets_are_hashed)
{
    ck_assert_uint_ge(lr_web_asset_count, 7);
    for (unsigned i = 0; i < lr_web_asset_count; i++) {
        const struct lr_web_asset *a = &lr_web_assets[i];
        ck_assert_uint_gt(a->len, 0);
        if (strcmp(a->path, "/") == 0)
            continue;
        ck_assert_msg(strncmp(a->path, "/assets/", 8) == 0, "%s", a->path);
        /* STEM.HASH.EXT, HASH twelve hexadecimal digits */
        const char *ext = strrchr(a->path, '.');
        ck_assert_ptr_nonnull(ext);
        ck_assert_msg(ext - a->path > 21 && ext[-13] == '.', "%s", a->path);
        for (const char *h = ext - 12; h < ext; h++)
            ck_assert_msg(strchr("0123456789abcdef", *h) != NULL, "%s", a->path);
        ck_assert(a->immutable);
    }
    ck_assert_ptr_null(lr_web_find("/assets/app.js"));
    ck_assert_ptr_null(lr_web_find("/index.html"));
    ck_assert_ptr_null(lr_web_find(""));
}
END_TEST

START_TEST(test_security_and_cache_headers)
{
    for (int immutable = 0; immutable < 2; immutable++) {
        const char *const *h = lr_web_headers(immutable);
        const char *csp = header(h, "Content-Security-Policy");
        ck_assert_ptr_nonnull(csp);
        ck_assert_ptr_nonnull(strstr(csp, "default-src 'none'"));
        ck_assert_ptr_nonnull(strstr(csp, "script-src 'self';"));
        ck_assert_ptr_nonnull(strstr(csp, "style-src 'self';"));
        ck_assert_ptr_nonnull(strstr(csp, "connect-src 'self';"));
        ck_assert_ptr_nonnull(strstr(csp, "frame-ancestors 'none'"));
        ck_assert_ptr_null(strstr(csp, "unsafe"));
        ck_assert_ptr_null(strstr(csp, "*"));
        ck_assert_str_eq(header(h, "X-Content-Type-Options"), "nosniff");
        ck_assert_str_eq(header(h, "Referrer-Policy"), "no-referrer");
        ck_assert_str_eq(header(h, "Cache-Control"),
                         immutable ? "public, max-age=31536000, immutable" : "no-cache");
    }
}
END_TEST

START_TEST(test_handlers)
{
    struct lr_request req;
    struct lr_response resp;
    memset(&req, 0, sizeof req);
    memset(&resp, 0, sizeof resp);
    lr_api_web_page(NULL, &req, &resp);
    ck_assert_uint_eq(resp.status, 200);
    ck_assert_ptr_null(resp.body);
    ck_assert_ptr_eq(resp.static_body, lr_web_find("/")->data);
    ck_assert_uint_eq(resp.body_len, lr_web_find("/")->len);
    ck_assert_str_eq(header(resp.headers, "Cache-Control"), "no-cache");

    const struct lr_web_asset *a = NULL;
    for (unsigned i = 0; i < lr_web_asset_count && a == NULL; i++)
        if (lr_web_assets[i].immutable)
            a = &lr_web_assets[i];
    memset(&resp, 0, sizeof resp);
    snprintf(req.params[0], sizeof req.params[0], "%s", a->path + strlen("/assets/"));
    req.nparams = 1;
    lr_api_web_asset(NULL, &req, &resp);
    ck_assert_uint_eq(resp.status, 200);
    ck_assert_str_eq(resp.content_type, a->content_type);
    ck_assert_ptr_eq(resp.static_body, a->data);
    ck_assert_str_eq(header(resp.headers, "X-Content-Type-Options"), "nosniff");

    memset(&resp, 0, sizeof resp);
    snprintf(req.params[0], sizeof req.params[0], "app.js");
    lr_api_web_asset(NULL, &req, &resp);
    ck_assert_uint_eq(resp.status, 404);
    ck_assert_ptr_null(resp.static_body);
    free(resp.body);
}
END_TEST

Suite *web_suite(void)
{
    Suite *s = suite_create("web");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_page_names_only_embedded_files);
    tcase_add_test(tc, test_assets_are_hashed);
    tcase_add_test(tc, test_security_and_cache_headers);
    tcase_add_test(tc, test_handlers);
    suite_add_tcase(s, tc);
    return s;
}
