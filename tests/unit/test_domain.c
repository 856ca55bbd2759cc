/* routing/domain.c: the lead's domain (SPEC 2.3). */
#include <string.h>

#include "routing/domain.h"
#include "suites.h"

static const char *norm(const char *domain, const char *email)
{
    static char out[LR_DOMAIN_MAX + 1];
    memset(out, 'x', sizeof out);
    if (!lr_domain_normalize(domain, email, out)) {
        ck_assert_str_eq(out, "");
        return NULL;
    }
    return out;
}

START_TEST(test_domain_field_wins)
{
    ck_assert_str_eq(norm("acme.io", "jane@other.com"), "acme.io");
    ck_assert_str_eq(norm("acme.io", NULL), "acme.io");
    ck_assert_str_eq(norm(NULL, "jane@acme.io"), "acme.io");
}
END_TEST

START_TEST(test_email_after_last_at)
{
    ck_assert_str_eq(norm(NULL, "\"a@b\"@acme.io"), "acme.io");
    ck_assert_str_eq(norm(NULL, "a@b@sub.acme.io"), "sub.acme.io");
    ck_assert_ptr_null(norm(NULL, "jane.acme.io")); /* no @ */
    ck_assert_ptr_null(norm(NULL, "jane@"));
    ck_assert_ptr_null(norm(NULL, "jane@   "));
}
END_TEST

START_TEST(test_trim_and_lower)
{
    ck_assert_str_eq(norm("  Acme.IO\t\n", NULL), "acme.io");
    ck_assert_str_eq(norm(NULL, " Jane@ACME.io  "), "acme.io");
    ck_assert_str_eq(norm(NULL, "jane@ acme.io"), "acme.io");
}
END_TEST

START_TEST(test_leading_www_only)
{
    ck_assert_str_eq(norm("www.acme.io", NULL), "acme.io");
    ck_assert_str_eq(norm("WWW.Acme.io", NULL), "acme.io");
    ck_assert_str_eq(norm("  www.acme.io ", NULL), "acme.io");
    ck_assert_str_eq(norm(NULL, "jane@www.acme.io"), "acme.io");
    ck_assert_str_eq(norm("www.www.acme.io", NULL), "www.acme.io"); /* only one */
    ck_assert_str_eq(norm("wwwx.com", NULL), "wwwx.com");
    ck_assert_str_eq(norm("www-acme.io", NULL), "www-acme.io");
    ck_assert_str_eq(norm("acme.www.io", NULL), "acme.www.io");
    ck_assert_str_eq(norm("shop.www.io", NULL), "shop.www.io");
    ck_assert_ptr_null(norm("www.", NULL));
}
END_TEST

START_TEST(test_empty_is_false)
{
    ck_assert_ptr_null(norm(NULL, NULL));
    ck_assert_ptr_null(norm("", NULL));
    ck_assert_ptr_null(norm("   \t", NULL));
    ck_assert_ptr_null(norm("", ""));
    ck_assert_ptr_null(norm(" ", " @ "));
    /* An empty domain field falls back to the email. */
    ck_assert_str_eq(norm("  ", "jane@acme.io"), "acme.io");
}
END_TEST

START_TEST(test_length_limit)
{
    char d[LR_DOMAIN_MAX + 2];
    memset(d, 'a', sizeof d);
    d[1] = '.';
    d[LR_DOMAIN_MAX] = '\0';
    ck_assert_str_eq(norm(d, NULL), d); /* 254 characters */
    d[LR_DOMAIN_MAX] = 'a';
    d[LR_DOMAIN_MAX + 1] = '\0';
    ck_assert_ptr_null(norm(d, NULL)); /* 255 */
}
END_TEST

START_TEST(test_domain_valid)
{
    ck_assert(lr_domain_valid("acme.io"));
    ck_assert(lr_domain_valid("sub.acme-corp.co.uk"));
    ck_assert(lr_domain_valid("123.example.com"));
    ck_assert(lr_domain_valid("x-1.io"));
    ck_assert(!lr_domain_valid(""));
    ck_assert(!lr_domain_valid("acme"));
    ck_assert(!lr_domain_valid(".acme.io"));
    ck_assert(!lr_domain_valid("acme.io."));
    ck_assert(!lr_domain_valid("Acme.io"));
    ck_assert(!lr_domain_valid("ACME.IO"));
    ck_assert(!lr_domain_valid("ac me.io"));
    ck_assert(!lr_domain_valid("jane@acme.io"));
    ck_assert(!lr_domain_valid("acme.io/x"));
    ck_assert(!lr_domain_valid(" acme.io"));
    char d[LR_DOMAIN_MAX + 2];
    memset(d, 'a', sizeof d);
    d[1] = '.';
    d[LR_DOMAIN_MAX] = '\0';
    ck_assert(lr_domain_valid(d));
    d[LR_DOMAIN_MAX] = 'a';
    d[LR_DOMAIN_MAX + 1] = '\0';
    ck_assert(!lr_domain_valid(d));
}
END_TEST

Suite *domain_suite(void)
{
    Suite *s = suite_create("routing/domain");
    TCase *tc = tcase_create("normalize");
    tcase_add_test(tc, test_domain_field_wins);
    tcase_add_test(tc, test_email_after_last_at);
    tcase_add_test(tc, test_trim_and_lower);
    tcase_add_test(tc, test_leading_www_only);
    tcase_add_test(tc, test_empty_is_false);
    tcase_add_test(tc, test_length_limit);
    tcase_add_test(tc, test_domain_valid);
    suite_add_tcase(s, tc);
    return s;
}
