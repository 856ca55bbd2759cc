/* api/routes.c: the route table and its matcher. A route that goes missing, takes a
 * path it should not, or needs the wrong role or body limit changes who can do what,
 * so the table is checked route by route against SPEC 3.3/3.4, and the matcher at the
 * edges of a "{}" segment. */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "suites.h"

#define READER LR_ROLE_READER
#define OPS LR_ROLE_OPS
#define ADMIN LR_ROLE_ADMIN
#define NOBODY LR_ROLE_NONE
#define JSON LR_BODY_JSON
#define BULK LR_BODY_BULK
#define CRM LR_BODY_CRM

/* Every route SPEC 3 names, with a path it must take and the {} segment it names.
 * reader: every /v1 GET; ops: reps, accounts, named lists and review resolution; admin:
 * rules and simulate (3.3, 3.4); no token for health and the signed events. Bulk
 * bodies are the two loads that take CSV. */
static const struct {
    const char *method, *pattern, *path, *param; /* param NULL: no {} segment */
    enum lr_role role;
    enum lr_body_kind body;
} SPEC_ROUTES[] = {
    {"GET", "/healthz", "/healthz", NULL, NOBODY, JSON},
    {"GET", "/readyz", "/readyz", NULL, NOBODY, JSON},
    {"POST", "/v1/events", "/v1/events", NULL, NOBODY, JSON},
    {"GET", "/v1/leads/{}", "/v1/leads/00Q5e00000ABCDE", "00Q5e00000ABCDE", READER, JSON},
    {"GET", "/v1/opportunities/{}", "/v1/opportunities/006-1", "006-1", READER, JSON},
    {"GET", "/v1/assignments", "/v1/assignments", NULL, READER, JSON},
    {"GET", "/v1/reps", "/v1/reps", NULL, READER, JSON},
    {"PUT", "/v1/reps/{}", "/v1/reps/smb-1", "smb-1", OPS, JSON},
    {"PUT", "/v1/accounts", "/v1/accounts", NULL, OPS, BULK},
    {"GET", "/v1/accounts/{}", "/v1/accounts/acme.io", "acme.io", READER, JSON},
    {"PUT", "/v1/named-accounts/{}", "/v1/named-accounts/2026-Q4", "2026-Q4", OPS, BULK},
    {"GET", "/v1/named-accounts/{}", "/v1/named-accounts/2026-Q4", "2026-Q4", READER, JSON},
    {"GET", "/v1/reviews", "/v1/reviews", NULL, READER, JSON},
    {"POST", "/v1/reviews/{}/resolve", "/v1/reviews/42/resolve", "42", OPS, JSON},
    {"GET", "/v1/rules", "/v1/rules", NULL, READER, JSON},
    {"PUT", "/v1/rules", "/v1/rules", NULL, ADMIN, JSON},
    {"POST", "/v1/simulate", "/v1/simulate", NULL, ADMIN, JSON},
    {"GET", "/v1/stats", "/v1/stats", NULL, READER, JSON},
    /* SPEC 3.5: the CRM adapters check their CRM's own credentials; the mapping is read
     * like the rules and changed by admins. */
    {"POST", "/v1/crm/hubspot/contacts", "/v1/crm/hubspot/contacts", NULL, NOBODY, CRM},
    {"POST", "/v1/crm/hubspot/deals", "/v1/crm/hubspot/deals", NULL, NOBODY, CRM},
    {"POST", "/v1/crm/salesforce", "/v1/crm/salesforce", NULL, NOBODY, CRM},
    {"POST", "/v1/crm/pipedrive", "/v1/crm/pipedrive", NULL, NOBODY, CRM},
    {"GET", "/v1/crm/{}/mapping", "/v1/crm/salesforce/mapping", "salesforce", READER, JSON},
    {"PUT", "/v1/crm/{}/mapping", "/v1/crm/hubspot/mapping", "hubspot", ADMIN, JSON},
    {"GET", "/v1/deliveries", "/v1/deliveries", NULL, READER, JSON},
    {"POST", "/v1/deliveries/{}/retry", "/v1/deliveries/7/retry", "7", OPS, JSON},
    {"GET", "/metrics", "/metrics", NULL, NOBODY, JSON},
    /* SPEC 3.7: the dashboard's series is read like the stats; the page and its files
     * hold no data and need no token (the page asks for a reader token itself). */
    {"GET", "/v1/stats/series", "/v1/stats/series", NULL, READER, JSON},
    {"GET", "/", "/", NULL, NOBODY, JSON},
    {"GET", "/assets/{}", "/assets/app.0123456789ab.js", "app.0123456789ab.js", NOBODY, JSON},
};

#define N_SPEC_ROUTES (sizeof SPEC_ROUTES / sizeof *SPEC_ROUTES)

/* lr_route_find on a request whose nparams it must overwrite on a match; callers set
 * *known to the opposite of what they expect, so that a path_known left unset fails. */
static const struct lr_route *find(const char *method, const char *path, struct lr_request *req,
                                   bool *known)
{
    memset(req, 0, sizeof *req);
    req->nparams = 99;
    return lr_route_find(method, path, req, known);
}

START_TEST(test_spec_route)
{
    const char *method = SPEC_ROUTES[_i].method, *path = SPEC_ROUTES[_i].path;
    struct lr_request req;
    bool known = false;
    const struct lr_route *r = find(method, path, &req, &known);
    ck_assert_msg(r != NULL, "%s %s: no route", method, path);
    ck_assert(known);
    ck_assert_str_eq(r->method, method);
    ck_assert_str_eq(r->pattern, SPEC_ROUTES[_i].pattern);
    ck_assert_ptr_nonnull(r->handler);
    ck_assert_msg(r->role == SPEC_ROUTES[_i].role, "%s %s: role %d, want %d", method, path,
                  (int)r->role, (int)SPEC_ROUTES[_i].role);
    ck_assert_msg(r->body == SPEC_ROUTES[_i].body, "%s %s: body kind %d, want %d", method, path,
                  (int)r->body, (int)SPEC_ROUTES[_i].body);
    if (SPEC_ROUTES[_i].param == NULL) {
        ck_assert_uint_eq(req.nparams, 0);
    } else {
        ck_assert_uint_eq(req.nparams, 1);
        ck_assert_str_eq(req.params[0], SPEC_ROUTES[_i].param);
    }
}
END_TEST

/* The table holds exactly the routes above: one it gained would go unchecked. */
START_TEST(test_table_is_the_spec)
{
    size_t n = 0;
    const struct lr_route *routes = lr_routes(&n);
    ck_assert_ptr_nonnull(routes);
    ck_assert_uint_eq(n, N_SPEC_ROUTES);
    for (size_t i = 0; i < n; i++) {
        bool listed = false;
        for (size_t j = 0; j < N_SPEC_ROUTES && !listed; j++)
            listed = strcmp(routes[i].method, SPEC_ROUTES[j].method) == 0 &&
                     strcmp(routes[i].pattern, SPEC_ROUTES[j].pattern) == 0;
        ck_assert_msg(listed, "%s %s is not in SPEC_ROUTES", routes[i].method, routes[i].pattern);
    }
}
END_TEST

/* A second route with the same method and pattern could never be reached. */
START_TEST(test_no_duplicate_routes)
{
    size_t n = 0;
    const struct lr_route *routes = lr_routes(&n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            ck_assert_msg(strcmp(routes[i].method, routes[j].method) != 0 ||
                              strcmp(routes[i].pattern, routes[j].pattern) != 0,
                          "%s %s is listed twice", routes[i].method, routes[i].pattern);
}
END_TEST

/* Every route's own pattern, with each {} made a sample segment, finds that route. */
START_TEST(test_every_pattern_finds_its_route)
{
    size_t n = 0;
    const struct lr_route *routes = lr_routes(&n);
    for (size_t i = 0; i < n; i++) {
        char path[256];
        size_t len = 0, want_params = 0;
        for (const char *p = routes[i].pattern; *p != '\0';) {
            if (strncmp(p, "{}", 2) == 0) {
                len += (size_t)snprintf(path + len, sizeof path - len, "seg%zu", want_params++);
                p += 2;
            } else {
                path[len++] = *p++;
            }
            ck_assert_uint_lt(len, sizeof path);
        }
        path[len] = '\0';
        struct lr_request req;
        bool known = false;
        const struct lr_route *r = find(routes[i].method, path, &req, &known);
        ck_assert_msg(r == &routes[i], "%s %s does not find %s", routes[i].method, path,
                      routes[i].pattern);
        ck_assert(known);
        ck_assert_uint_eq(req.nparams, want_params);
        for (size_t k = 0; k < want_params; k++) {
            char want[32];
            snprintf(want, sizeof want, "seg%zu", k);
            ck_assert_str_eq(req.params[k], want);
        }
        /* HEAD finds no route on a known path: 405 unless admission asks for GET. */
        known = false;
        ck_assert_ptr_null(find("HEAD", path, &req, &known));
        ck_assert(known);
    }
}
END_TEST

/* 405 when the path exists with other methods, 404 when it does not exist at all. HEAD
 * is not a method of any route: admission looks it up as GET. */
static const struct {
    const char *method, *path;
    bool known;
} MISSES[] = {
    {"DELETE", "/v1/leads/L1", true},
    {"PUT", "/v1/leads/L1", true},
    {"POST", "/healthz", true},
    {"GET", "/v1/events", true},
    {"PATCH", "/v1/rules", true},
    {"DELETE", "/v1/rules", true},
    {"GET", "/v1/simulate", true},
    {"POST", "/v1/accounts", true},
    {"PUT", "/v1/reviews", true},
    {"GET", "/v1/reviews/42/resolve", true},
    {"HEAD", "/healthz", true},
    {"HEAD", "/v1/leads/L1", true},
    {"head", "/healthz", true}, /* methods are compared exactly */
    {"get", "/v1/reps", true},
    {"POST", "/", true},
    {"GET", "/assets", false},
    {"GET", "/assets/", false},
    {"GET", "/assets/a/b.js", false}, /* one segment: no way into a folder */
    {"PUT", "/assets/app.js", true},
    {"GET", "/v1/stats/series/x", false},
    {"GET", "", false},
    {"GET", "/v1", false},
    {"GET", "/v1/", false},
    {"GET", "/v1/nothing", false},
    {"POST", "/metrics", true},
    {"GET", "/v1/deliveries/7", false}, /* only its retry has a route */
    {"HEAD", "/v1/nothing", false},
    {"GET", "/v1/reviews/42", false}, /* only its resolve has a route */
    {"POST", "/v1/reviews/42/resolve/again", false},
    {"GET", "/V1/LEADS/L1", false}, /* paths are compared exactly */
};

START_TEST(test_not_found_or_not_allowed)
{
    struct lr_request req;
    bool known = !MISSES[_i].known;
    const struct lr_route *r = find(MISSES[_i].method, MISSES[_i].path, &req, &known);
    ck_assert_msg(r == NULL, "%s '%s' found %s %s", MISSES[_i].method, MISSES[_i].path,
                  r ? r->method : "", r ? r->pattern : "");
    ck_assert_msg(known == MISSES[_i].known, "%s '%s': path_known %d, want %d", MISSES[_i].method,
                  MISSES[_i].path, known, MISSES[_i].known);
}
END_TEST

START_TEST(test_head_is_no_route_method)
{
    size_t n = 0;
    const struct lr_route *routes = lr_routes(&n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_ne(routes[i].method, "HEAD");
        ck_assert_msg(strcmp(routes[i].method, "GET") == 0 ||
                          strcmp(routes[i].method, "PUT") == 0 ||
                          strcmp(routes[i].method, "POST") == 0,
                      "%s %s: unexpected method", routes[i].method, routes[i].pattern);
    }
}
END_TEST

/* A {} segment is one non-empty segment that fits the params buffer; the rest of the
 * path must match to its end, so a trailing slash or a prefix matches nothing. */
static const struct {
    const char *method, *path;
} NO_MATCH[] = {
    {"GET", "/v1/leads/"},            /* empty segment */
    {"GET", "/v1/leads"},             /* no segment at all */
    {"GET", "/v1/leads//"},           /* empty segment, then more */
    {"GET", "/v1/leads/a/b"},         /* "/" is never inside a segment */
    {"GET", "/v1/leads/a/"},          /* trailing slash */
    {"GET", "/healthz/"},             /* trailing slash */
    {"GET", "/v1/reps/"},             /* trailing slash */
    {"PUT", "/v1/accounts/"},         /* trailing slash, not an empty {} */
    {"POST", "/v1/reviews//resolve"}, /* empty segment inside the path */
    {"POST", "/v1/reviews/4/2/resolve"},
    {"POST", "/v1/reviews/42/resolv"}, /* a prefix of the pattern */
    {"POST", "/v1/reviews/42/resolvee"},
    {"GET", "/health"},   /* prefix */
    {"GET", "/healthzz"}, /* longer */
    {"GET", "/v1/rule"},
    {"GET", "/v1/rules/"},
    {"GET", "v1/rules"}, /* no leading slash */
};

START_TEST(test_no_match)
{
    struct lr_request req;
    bool known = true;
    const struct lr_route *r = find(NO_MATCH[_i].method, NO_MATCH[_i].path, &req, &known);
    ck_assert_msg(r == NULL, "%s '%s' found %s %s", NO_MATCH[_i].method, NO_MATCH[_i].path,
                  r ? r->method : "", r ? r->pattern : "");
    ck_assert_msg(!known, "%s '%s' is a known path", NO_MATCH[_i].method, NO_MATCH[_i].path);
}
END_TEST

/* The longest segment that fits params[0] with its NUL matches; one byte more does not
 * (it would be cut, naming another resource). */
START_TEST(test_segment_fits_params)
{
    struct lr_request req;
    const size_t cap = sizeof req.params[0];
    char path[sizeof "/v1/leads/" + sizeof req.params[0] + 1];
    memcpy(path, "/v1/leads/", 10);
    memset(path + 10, 'x', cap - 1);
    path[10 + cap - 1] = '\0';
    bool known = false;
    const struct lr_route *r = find("GET", path, &req, &known);
    ck_assert_ptr_nonnull(r);
    ck_assert(known);
    ck_assert_str_eq(r->pattern, "/v1/leads/{}");
    ck_assert_uint_eq(req.nparams, 1);
    ck_assert_uint_eq(strlen(req.params[0]), cap - 1);
    ck_assert_int_eq(memcmp(req.params[0], path + 10, cap - 1), 0);

    path[10 + cap - 1] = 'x';
    path[10 + cap] = '\0';
    known = true;
    ck_assert_ptr_null(find("GET", path, &req, &known));
    ck_assert(!known);

    /* The same segment in the middle of a pattern. */
    char resolve[sizeof "/v1/reviews//resolve" + sizeof req.params[0]];
    memcpy(resolve, "/v1/reviews/", 12);
    memset(resolve + 12, '7', cap);
    strcpy(resolve + 12 + cap, "/resolve");
    known = true;
    ck_assert_ptr_null(find("POST", resolve, &req, &known));
    ck_assert(!known);
    strcpy(resolve + 12 + cap - 1, "/resolve");
    known = false;
    r = find("POST", resolve, &req, &known);
    ck_assert_ptr_nonnull(r);
    ck_assert(known);
    ck_assert_str_eq(r->pattern, "/v1/reviews/{}/resolve");
    ck_assert_uint_eq(strlen(req.params[0]), cap - 1);
}
END_TEST

/* A segment is taken as it comes: what it holds is for the handler to judge. */
START_TEST(test_segment_is_taken_verbatim)
{
    static const char *const SEGMENTS[] = {"1", "a.b", "%2F", "caf\xc3\xa9", "{}", "..", "-"};
    for (size_t i = 0; i < sizeof SEGMENTS / sizeof *SEGMENTS; i++) {
        char path[64];
        snprintf(path, sizeof path, "/v1/accounts/%s", SEGMENTS[i]);
        struct lr_request req;
        bool known = false;
        const struct lr_route *r = find("GET", path, &req, &known);
        ck_assert_msg(r != NULL, "'%s' not found", path);
        ck_assert(known);
        ck_assert_str_eq(r->pattern, "/v1/accounts/{}");
        ck_assert_uint_eq(req.nparams, 1);
        ck_assert_str_eq(req.params[0], SEGMENTS[i]);
    }
}
END_TEST

Suite *routes_suite(void)
{
    Suite *s = suite_create("api/routes");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, test_spec_route, 0, (int)N_SPEC_ROUTES);
    tcase_add_test(tc, test_table_is_the_spec);
    tcase_add_test(tc, test_no_duplicate_routes);
    tcase_add_test(tc, test_every_pattern_finds_its_route);
    tcase_add_test(tc, test_head_is_no_route_method);
    suite_add_tcase(s, tc);

    tc = tcase_create("matching");
    tcase_add_loop_test(tc, test_not_found_or_not_allowed, 0,
                        (int)(sizeof MISSES / sizeof *MISSES));
    tcase_add_loop_test(tc, test_no_match, 0, (int)(sizeof NO_MATCH / sizeof *NO_MATCH));
    tcase_add_test(tc, test_segment_fits_params);
    tcase_add_test(tc, test_segment_is_taken_verbatim);
    suite_add_tcase(s, tc);
    return s;
}
