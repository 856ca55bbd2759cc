#include "fixtures.h"

#include <check.h>

struct lr_rules R;

void rules_setup(void)
{
    ck_assert_int_eq(lr_rules_defaults(&R), 0);
}

void rules_teardown(void)
{
    lr_rules_free(&R);
}

struct lr_opt_i64 opt(int64_t v)
{
    struct lr_opt_i64 o = {v != NONE, v != NONE ? v : 0};
    return o;
}
