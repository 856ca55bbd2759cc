/* routing/types.c: JSON names of segments, reasons, sources, signals; id rules. */
#include <string.h>

#include "routing/types.h"
#include "suites.h"

START_TEST(test_segments)
{
    static const char *const names[] = {"smb", "mid_market", "strategic", "review"};
    for (int i = 0; i <= LR_SEG_REVIEW; i++) {
        ck_assert_str_eq(lr_segment_name((enum lr_segment)i), names[i]);
        enum lr_segment s = LR_SEG_NONE;
        ck_assert(lr_segment_parse(names[i], true, &s));
        ck_assert_int_eq(s, i);
    }
    ck_assert_str_eq(lr_segment_name(LR_SEG_NONE), "none");
    enum lr_segment s = LR_SEG_NONE;
    ck_assert(!lr_segment_parse("review", false, &s));
    ck_assert_int_eq(s, LR_SEG_NONE);
    ck_assert(lr_segment_parse("smb", false, &s));
    ck_assert_int_eq(s, LR_SEG_SMB);
    ck_assert(!lr_segment_parse("SMB", true, &s));
    ck_assert(!lr_segment_parse("none", true, &s));
    ck_assert(!lr_segment_parse("", true, &s));
    ck_assert(!lr_segment_parse(NULL, true, &s));
}
END_TEST

START_TEST(test_reasons)
{
    static const char *const names[] = {
        "composite",    "named_account",     "named_owner_inactive",
        "conflict",     "insufficient_data", "no_active_rep",
        "from_lead",    "mid_deal_handoff",  "below_floor",
        "segment_flap", "review_resolution",
    };
    ck_assert_int_eq(sizeof names / sizeof *names, LR_REASON_COUNT_);
    for (int i = 0; i < LR_REASON_COUNT_; i++) {
        ck_assert_str_eq(lr_reason_name((enum lr_reason)i), names[i]);
        enum lr_reason r = LR_REASON_COUNT_;
        ck_assert(lr_reason_parse(names[i], &r));
        ck_assert_int_eq(r, i);
    }
    ck_assert_str_eq(lr_reason_name(LR_REASON_COUNT_), "unknown");
    enum lr_reason r;
    ck_assert(!lr_reason_parse("manual", &r));
    ck_assert(!lr_reason_parse(NULL, &r));
}
END_TEST

START_TEST(test_sources_and_signals)
{
    ck_assert_str_eq(lr_source_name(LR_SRC_MISSING), "missing");
    ck_assert_str_eq(lr_source_name(LR_SRC_EVENT), "event");
    ck_assert_str_eq(lr_source_name(LR_SRC_ENRICHMENT), "enrichment");
    ck_assert_str_eq(lr_signal_name(LR_SIG_EMPLOYEES), "employee_count");
    ck_assert_str_eq(lr_signal_name(LR_SIG_ACV), "expected_acv");
    ck_assert_str_eq(lr_signal_name(LR_SIG_FIT), "fit_score");
}
END_TEST

START_TEST(test_id_valid)
{
    ck_assert(lr_id_valid("00Q5e00000ABCDE"));
    ck_assert(lr_id_valid("a"));
    ck_assert(lr_id_valid("with space ~!@#"));
    ck_assert(lr_id_valid("caf\xc3\xa9")); /* UTF-8 bytes are not control characters */
    ck_assert(!lr_id_valid(NULL));
    ck_assert(!lr_id_valid(""));
    ck_assert(!lr_id_valid("tab\there"));
    ck_assert(!lr_id_valid("nl\n"));
    ck_assert(!lr_id_valid("del\x7f"));
    ck_assert(!lr_id_valid("\x1f"));
    char id[LR_ID_MAX + 2];
    memset(id, 'x', sizeof id);
    id[LR_ID_MAX] = '\0';
    ck_assert(lr_id_valid(id));
    id[LR_ID_MAX] = 'x';
    id[LR_ID_MAX + 1] = '\0';
    ck_assert(!lr_id_valid(id));
}
END_TEST

Suite *types_suite(void)
{
    Suite *s = suite_create("routing/types");
    TCase *tc = tcase_create("types");
    tcase_add_test(tc, test_segments);
    tcase_add_test(tc, test_reasons);
    tcase_add_test(tc, test_sources_and_signals);
    tcase_add_test(tc, test_id_valid);
    suite_add_tcase(s, tc);
    return s;
}
