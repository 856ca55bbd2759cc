#include "fixtures.h"

#include <string.h>

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

const struct lr_account_facts *account_facts(const struct account_in *in,
                                             struct lr_account_facts *buf)
{
    struct lr_account_facts a = {in->found, opt(in->employees), opt(in->acv_cents), opt(in->fit)};
    *buf = a;
    return in->given ? buf : NULL;
}

const struct lr_named_facts *named_facts(const struct named_in *in, struct lr_named_facts *buf)
{
    memset(buf, 0, sizeof *buf);
    buf->found = in->found;
    if (in->owner != NULL)
        strcpy(buf->owner_id, in->owner);
    buf->owner_segment = in->segment;
    buf->owner_active = in->active;
    return in->given ? buf : NULL;
}

void check_signal(const char *row, enum lr_signal_kind k, const struct lr_signal *got,
                  const struct want_signal *want)
{
    const char *sig = lr_signal_name(k);
    ck_assert_msg(got->present == (want->source != LR_SRC_MISSING),
                  "[%s] signal %s present == %d, want source %s", row, sig, got->present,
                  lr_source_name(want->source));
    ck_assert_msg(got->value == want->value, "[%s] signal %s value == %jd, want %jd", row, sig,
                  (intmax_t)got->value, (intmax_t)want->value);
    ck_assert_msg(got->source == want->source, "[%s] signal %s source == %s, want %s", row, sig,
                  lr_source_name(got->source), lr_source_name(want->source));
    ck_assert_msg(got->vote == want->vote, "[%s] signal %s vote == %s, want %s", row, sig,
                  lr_segment_name(got->vote), lr_segment_name(want->vote));
}

void check_decision(const char *row, const struct lr_decision *got,
                    const struct want_decision *want)
{
    ck_assert_msg(got->queue == want->queue, "[%s] queue == %s, want %s", row,
                  lr_segment_name(got->queue), lr_segment_name(want->queue));
    ck_assert_msg(got->reason == want->reason, "[%s] reason == %s, want %s", row,
                  lr_reason_name(got->reason), lr_reason_name(want->reason));
    ck_assert_msg(got->composite == want->composite, "[%s] composite == %s, want %s", row,
                  lr_segment_name(got->composite), lr_segment_name(want->composite));
    ROW_EQ(row, got->mode, want->mode);
    ROW_STR_EQ(row, got->rep_id, want->rep_id);
    ROW_EQ(row, got->named, want->named);
    ROW_STR_EQ(row, got->named_owner, want->named_owner);
    ROW_EQ(row, got->account_matched, want->account_matched);
    for (int k = 0; k < LR_SIGNAL_COUNT; k++)
        check_signal(row, (enum lr_signal_kind)k, &got->signals[k], &want->signals[k]);
}
