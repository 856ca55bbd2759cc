/* util/csv.c: RFC 4180 records, from memory and incrementally from a FILE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"
#include "suites.h"

/* Reads every record of text into a compact "a|b;c|d;" form, or returns NULL at the
 * first malformed record. */
static const char *records(const char *text)
{
    static char out[4096];
    struct lr_csv csv;
    char *fields[LR_CSV_MAX_FIELDS];
    size_t n = 0;
    out[0] = '\0';
    lr_csv_init(&csv, text, strlen(text));
    int rc;
    while ((rc = lr_csv_next(&csv, fields)) > 0) {
        for (int i = 0; i < rc; i++) {
            size_t len = strlen(fields[i]);
            ck_assert_uint_lt(n + len + 2, sizeof out);
            memcpy(out + n, fields[i], len);
            n += len;
            out[n++] = i + 1 < rc ? '|' : ';';
        }
        out[n] = '\0';
    }
    lr_csv_free(&csv);
    return rc == 0 ? out : NULL;
}

/* The same from a FILE read chunk bytes at a time, so that records, quoted fields,
 * CRLF pairs and the byte-order mark straddle chunk boundaries. Malformed records are
 * written as "!why;" and reading goes on. */
static const char *file_records(const char *text, size_t chunk)
{
    static char out[4096];
    size_t n = 0;
    out[0] = '\0';
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    ck_assert_ptr_nonnull(f);
    struct lr_csv csv;
    ck_assert_int_eq(lr_csv_init_file(&csv, f, chunk), 0);
    char *fields[LR_CSV_MAX_FIELDS];
    int rc;
    while ((rc = lr_csv_next(&csv, fields)) != 0) {
        ck_assert_int_ne(rc, -2);
        if (rc < 0) {
            n += (size_t)snprintf(out + n, sizeof out - n, "!%s;", csv.error);
            continue;
        }
        for (int i = 0; i < rc; i++)
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%c", fields[i],
                                  i + 1 < rc ? '|' : ';');
        ck_assert_uint_lt(n, sizeof out - 1);
    }
    lr_csv_free(&csv);
    fclose(f);
    return out;
}

START_TEST(test_plain_records)
{
    ck_assert_str_eq(records("domain,employee_count\nacme.io,120\nbeta.com,\n"),
                     "domain|employee_count;acme.io|120;beta.com|;");
    ck_assert_str_eq(records("a,b,c"), "a|b|c;"); /* no final newline */
    ck_assert_str_eq(records(",,"), "||;");
    ck_assert_str_eq(records(" a , b "), " a | b ;"); /* spaces are data */
    ck_assert_str_eq(records(""), "");
}
END_TEST

START_TEST(test_quoted_fields)
{
    ck_assert_str_eq(records("\"acme, inc\",\"12\"\n"), "acme, inc|12;");
    ck_assert_str_eq(records("\"say \"\"hi\"\"\",x\n"), "say \"hi\"|x;");
    ck_assert_str_eq(records("\"\"\"\"\n"), "\";");
    ck_assert_str_eq(records("\"\",b\n"), "|b;");
    ck_assert_str_eq(records("\"two\nlines\",b\r\nc,d\n"), "two\nlines|b;c|d;");
    ck_assert_str_eq(records("\"a\r\nb\"\r\n"), "a\r\nb;");
    ck_assert_str_eq(records("a\"b,c\n"), "a\"b|c;"); /* a quote inside a bare field */
}
END_TEST

START_TEST(test_line_ends_and_blank_lines)
{
    ck_assert_str_eq(records("a,b\r\nc,d\r\n"), "a|b;c|d;");
    ck_assert_str_eq(records("a,b\r\n\r\n\r\nc,d"), "a|b;c|d;");
    ck_assert_str_eq(records("\n\na\n\n\nb\n\n"), "a;b;");
    ck_assert_str_eq(records("\r\n\r\n"), "");
}
END_TEST

START_TEST(test_malformed)
{
    ck_assert_ptr_null(records("\"unterminated,x\n"));
    ck_assert_ptr_null(records("a,b\n\"open"));
    ck_assert_ptr_null(records("\"a\"b,c\n")); /* text after the closing quote */
    ck_assert_ptr_null(records("\"a\" ,c\n"));
}
END_TEST

START_TEST(test_field_limit)
{
    /* 16 fields are fine, 17 are not. */
    ck_assert_str_eq(records("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n"),
                     "1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16;");
    ck_assert_ptr_null(records("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n"));
    ck_assert_ptr_null(records(",,,,,,,,,,,,,,,,\n"));
    ck_assert_str_eq(records(",,,,,,,,,,,,,,,\n"), "|||||||||||||||;");
}
END_TEST

START_TEST(test_records_one_by_one)
{
    const char text[] = "h1,h2\nx,\"y,z\"\n\n\"last\"";
    struct lr_csv csv;
    char *f[LR_CSV_MAX_FIELDS];
    lr_csv_init(&csv, text, sizeof text - 1);
    ck_assert_int_eq(lr_csv_next(&csv, f), 2);
    ck_assert_str_eq(f[0], "h1");
    ck_assert_str_eq(f[1], "h2");
    ck_assert_int_eq(lr_csv_next(&csv, f), 2);
    ck_assert_str_eq(f[0], "x");
    ck_assert_str_eq(f[1], "y,z");
    ck_assert_int_eq(lr_csv_next(&csv, f), 1);
    ck_assert_str_eq(f[0], "last");
    ck_assert_int_eq(lr_csv_next(&csv, f), 0);
    ck_assert_int_eq(lr_csv_next(&csv, f), 0);
    lr_csv_free(&csv);

    /* Text that is not NUL-terminated: only len bytes are read. */
    lr_csv_init(&csv, "ab,cdXXXX", 5);
    ck_assert_int_eq(lr_csv_next(&csv, f), 2);
    ck_assert_str_eq(f[1], "cd");
    ck_assert_int_eq(lr_csv_next(&csv, f), 0);
    lr_csv_free(&csv);
}
END_TEST

START_TEST(test_long_record)
{
    static char text[20000];
    memset(text, 'v', sizeof text - 3);
    text[5000] = ',';
    text[sizeof text - 3] = '\n';
    text[sizeof text - 2] = '\0';
    struct lr_csv csv;
    char *f[LR_CSV_MAX_FIELDS];
    lr_csv_init(&csv, text, strlen(text));
    ck_assert_int_eq(lr_csv_next(&csv, f), 2);
    ck_assert_uint_eq(strlen(f[0]), 5000);
    ck_assert_uint_eq(strlen(f[1]), sizeof text - 3 - 5001);
    ck_assert_int_eq(lr_csv_next(&csv, f), 0);
    lr_csv_free(&csv);
}
END_TEST

START_TEST(test_file_across_chunk_boundaries)
{
    const char *text = "\xEF\xBB\xBF domain ,Fit_Score\r\n"
                       "\"acme, \"\"inc\"\"\",12\r\n"
                       "\r\n\n"
                       "\"two\r\nlines\",\" 7 \"\n"
                       "beta.com,\r\n"
                       "last,1";
    const char *want = " domain |Fit_Score;acme, \"inc\"|12;two\r\nlines| 7 ;beta.com|;last|1;";
    /* every chunk size from 1 byte up to past the whole text gives the same records */
    for (size_t chunk = 1; chunk <= strlen(text) + 1; chunk++)
        ck_assert_str_eq(file_records(text, chunk), want);
    ck_assert_str_eq(file_records(text, 0), want);
}
END_TEST

START_TEST(test_file_bom_only_at_start)
{
    ck_assert_str_eq(file_records("\xEF\xBB\xBF"
                                  "a,b\n",
                                  1),
                     "a|b;");
    ck_assert_str_eq(file_records("\xEF\xBB\xBF", 2), "");
    ck_assert_str_eq(file_records("\xEF\xBB", 1), "\xEF\xBB;"); /* not a whole mark: data */
    ck_assert_str_eq(file_records("a\n\xEF\xBB\xBF\n", 1), "a;\xEF\xBB\xBF;");
    ck_assert_str_eq(records("\xEF\xBB\xBFx,y\n"), "x|y;");
}
END_TEST

START_TEST(test_file_line_ends_and_blank_lines)
{
    ck_assert_str_eq(file_records("\r\n\r\na,b\r\n\r\n\nc,d\r\n\r\n", 3), "a|b;c|d;");
    ck_assert_str_eq(file_records("a,b\rc,d\r", 2), "a|b;c|d;"); /* CR alone */
    ck_assert_str_eq(file_records("", 4), "");
    ck_assert_str_eq(file_records("\n\n\n", 1), "");
}
END_TEST

START_TEST(test_file_malformed_records_resynchronise)
{
    /* a bad record is reported and the next line is read as the next record */
    ck_assert_str_eq(file_records("a,b\n\"x\"y,z\nc,d\n", 2),
                     "a|b;!has text after a closing quote;c|d;");
    ck_assert_str_eq(file_records("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\nok\n", 5),
                     "!has more than 16 fields;ok;");
    ck_assert_str_eq(file_records("a\n\"open,\nb\n", 1),
                     "a;!has a quoted field that is never closed;");
}
END_TEST

START_TEST(test_file_record_limit)
{
    /* one record over LR_CSV_MAX_RECORD is refused without holding it all */
    size_t big = LR_CSV_MAX_RECORD + 100;
    char *text = malloc(big + 16);
    ck_assert_ptr_nonnull(text);
    memset(text, 'x', big);
    memcpy(text + big, "\nok\n", 5);
    FILE *f = fmemopen(text, big + 4, "r");
    struct lr_csv csv;
    ck_assert_int_eq(lr_csv_init_file(&csv, f, 4096), 0);
    char *fields[LR_CSV_MAX_FIELDS];
    ck_assert_int_eq(lr_csv_next(&csv, fields), -1);
    ck_assert_str_eq(csv.error, "is longer than 1 MiB");
    ck_assert_uint_le(csv.cap, LR_CSV_MAX_RECORD + LR_CSV_MAX_FIELDS);
    ck_assert_int_eq(lr_csv_next(&csv, fields), 1);
    ck_assert_str_eq(fields[0], "ok");
    ck_assert_int_eq(lr_csv_next(&csv, fields), 0);
    lr_csv_free(&csv);
    fclose(f);
    free(text);
}
END_TEST

/* A NUL would cut a cell short where C reads it: the record is refused, plain or
 * quoted, and reading goes on at the next line. */
START_TEST(test_file_nul_byte_refuses_the_record)
{
    static const char text[] = "a,b\nx\0y,1\n\"p\0q\",2\nok,3\n";
    FILE *f = fmemopen((void *)text, sizeof text - 1, "r");
    ck_assert_ptr_nonnull(f);
    struct lr_csv csv;
    ck_assert_int_eq(lr_csv_init_file(&csv, f, 0), 0);
    char *fields[LR_CSV_MAX_FIELDS];
    ck_assert_int_eq(lr_csv_next(&csv, fields), 2);
    ck_assert_int_eq(lr_csv_next(&csv, fields), -1);
    ck_assert_ptr_nonnull(strstr(csv.error, "NUL"));
    ck_assert_int_eq(lr_csv_next(&csv, fields), -1);
    ck_assert_int_eq(lr_csv_next(&csv, fields), 2);
    ck_assert_str_eq(fields[0], "ok");
    ck_assert_int_eq(lr_csv_next(&csv, fields), 0);
    lr_csv_free(&csv);
    fclose(f);
}
END_TEST

Suite *csv_suite(void)
{
    Suite *s = suite_create("util/csv");
    TCase *tc = tcase_create("csv");
    tcase_add_test(tc, test_plain_records);
    tcase_add_test(tc, test_quoted_fields);
    tcase_add_test(tc, test_line_ends_and_blank_lines);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_field_limit);
    tcase_add_test(tc, test_records_one_by_one);
    tcase_add_test(tc, test_long_record);
    tcase_add_test(tc, test_file_across_chunk_boundaries);
    tcase_add_test(tc, test_file_bom_only_at_start);
    tcase_add_test(tc, test_file_line_ends_and_blank_lines);
    tcase_add_test(tc, test_file_malformed_records_resynchronise);
    tcase_add_test(tc, test_file_record_limit);
    tcase_add_test(tc, test_file_nul_byte_refuses_the_record);
    suite_add_tcase(s, tc);
    return s;
}
