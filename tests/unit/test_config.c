/* config/config.c: defaults, key = value settings, file and environment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "suites.h"

/* The caller's environment must not leak into the tests, nor the tests' into the
 * caller (CK_FORK=no runs everything in one process). */
static void clear_env(void)
{
    size_t n;
    const struct lr_setting *set = lr_config_settings(&n);
    for (size_t i = 0; i < n; i++)
        unsetenv(set[i].env);
    unsetenv("LEADROUTER_CONFIG");
}

static char tmp_path[64];

/* One temporary file at a time; the previous one is removed. */
static void write_file(const char *text)
{
    if (tmp_path[0] != '\0')
        unlink(tmp_path);
    snprintf(tmp_path, sizeof tmp_path, "/tmp/lr-unit-config-XXXXXX");
    int fd = mkstemp(tmp_path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
    clear_env();
    tmp_path[0] = '\0';
}

static void teardown(void)
{
    clear_env();
    if (tmp_path[0] != '\0')
        unlink(tmp_path);
}

START_TEST(test_defaults)
{
    struct lr_config c;
    lr_config_defaults(&c);
    ck_assert_str_eq(c.database_url, "postgresql:///leadrouter");
    ck_assert_str_eq(c.listen_host, "127.0.0.1");
    ck_assert_uint_eq(c.listen_port, 8080);
    ck_assert_str_eq(c.webhook_secret, "");
    ck_assert_uint_eq(c.max_body_bytes, 65536);
    ck_assert_uint_eq(c.max_bulk_bytes, 64 * 1024 * 1024);
    ck_assert_uint_eq(c.db_pool_size, 8);
    ck_assert_uint_eq(c.max_connections, 512);
    ck_assert_uint_eq(c.drain_seconds, 30);
    ck_assert_uint_eq(c.retry_after_sec, 2);
    ck_assert_uint_eq(c.batch_max, 32);
    ck_assert_int_eq(c.log_level, LR_LOG_INFO);
    ck_assert_uint_eq(c.max_connections_per_ip, 128);
    ck_assert_uint_eq(c.shutdown_delay_sec, 5);
    ck_assert_uint_eq(c.db_statement_timeout_ms, 10000);
}
END_TEST

/* Every row of the settings table: its default is accepted, its bounds are enforced
 * at both ends, and its variable is its name in upper case. */
START_TEST(test_settings_table)
{
    size_t n;
    const struct lr_setting *set = lr_config_settings(&n);
    ck_assert_uint_ge(n, 20);
    for (size_t i = 0; i < n; i++) {
        struct lr_config c;
        lr_config_defaults(&c);
        char err[256] = "", v[32], env[96] = "LEADROUTER_";
        ck_assert_msg(lr_config_set(&c, set[i].name, set[i].def, err, sizeof err) == 0, "%s: %s",
                      set[i].name, err);
        for (size_t k = 0; set[i].name[k] != '\0'; k++)
            env[11 + k] =
                (char)(set[i].name[k] >= 'a' && set[i].name[k] <= 'z' ? set[i].name[k] - 'a' + 'A'
                                                                      : set[i].name[k]);
        ck_assert_str_eq(set[i].env, env);
        ck_assert_ptr_nonnull(set[i].help);
        if (set[i].type != LR_SET_UINT && set[i].type != LR_SET_SIZE)
            continue;
        snprintf(v, sizeof v, "%lu", set[i].hi);
        ck_assert_int_eq(lr_config_set(&c, set[i].name, v, err, sizeof err), 0);
        snprintf(v, sizeof v, "%lu", set[i].hi + 1);
        ck_assert_int_eq(lr_config_set(&c, set[i].name, v, err, sizeof err), -1);
        snprintf(v, sizeof v, "%lu", set[i].lo);
        ck_assert_int_eq(lr_config_set(&c, set[i].name, v, err, sizeof err), 0);
        if (set[i].lo > 0) {
            snprintf(v, sizeof v, "%lu", set[i].lo - 1);
            ck_assert_int_eq(lr_config_set(&c, set[i].name, v, err, sizeof err), -1);
        }
    }
}
END_TEST

static void set_ok(struct lr_config *c, const char *key, const char *value)
{
    char err[256] = "";
    ck_assert_msg(lr_config_set(c, key, value, err, sizeof err) == 0, "%s = %s: %s", key, value,
                  err);
}

/* Refused, with a message naming the key and the value; the config is unchanged. */
static void set_bad(const char *key, const char *value)
{
    struct lr_config c, before;
    lr_config_defaults(&c);
    before = c;
    char err[256] = "";
    ck_assert_msg(lr_config_set(&c, key, value, err, sizeof err) == -1, "%s = '%s' accepted", key,
                  value);
    char want[256];
    if (strstr(key, "secret") || strstr(key, "token") || strstr(key, "password") ||
        strcmp(key, "database_url") == 0)
        snprintf(want, sizeof want, "bad value for %s (%zu characters; its value is not shown)",
                 key, strlen(value));
    else
        snprintf(want, sizeof want, "bad value for %s: '%s'", key, value);
    ck_assert_str_eq(err, want);
    ck_assert_mem_eq(&c, &before, sizeof c);
}

/* A secret setting's value never appears in the error: it goes to stderr and logs. */
START_TEST(test_bad_secret_not_echoed)
{
    struct lr_config c;
    lr_config_defaults(&c);
    char err[256] = "", big[600];
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "s3cr3t-", 7);
    ck_assert_int_eq(lr_config_set(&c, "metrics_token", big, err, sizeof err), -1);
    ck_assert_ptr_null(strstr(err, "s3cr3t"));
    ck_assert_str_eq(err, "bad value for metrics_token (599 characters; its value is not shown)");
    ck_assert_int_eq(lr_config_set(&c, "db_pool_size", "lots", err, sizeof err), -1);
    ck_assert_str_eq(err, "bad value for db_pool_size: 'lots'");
}
END_TEST

START_TEST(test_set_each_key)
{
    struct lr_config c;
    lr_config_defaults(&c);
    set_ok(&c, "database_url", "postgresql://u@db:5432/lr?sslmode=require");
    ck_assert_str_eq(c.database_url, "postgresql://u@db:5432/lr?sslmode=require");
    set_ok(&c, "webhook_secret", "whsec_abcd");
    ck_assert_str_eq(c.webhook_secret, "whsec_abcd");
    set_ok(&c, "max_body_bytes", "256");
    ck_assert_uint_eq(c.max_body_bytes, 256);
    set_ok(&c, "max_body_bytes", "67108864");
    ck_assert_uint_eq(c.max_body_bytes, 67108864);
    set_ok(&c, "max_bulk_bytes", "1024");
    ck_assert_uint_eq(c.max_bulk_bytes, 1024);
    set_ok(&c, "max_bulk_bytes", "1073741824");
    ck_assert_uint_eq(c.max_bulk_bytes, 1073741824);
    set_ok(&c, "db_pool_size", "1");
    ck_assert_uint_eq(c.db_pool_size, 1);
    set_ok(&c, "db_pool_size", "256");
    ck_assert_uint_eq(c.db_pool_size, 256);
    set_ok(&c, "max_connections", "65535");
    ck_assert_uint_eq(c.max_connections, 65535);
    set_ok(&c, "drain_seconds", "0");
    ck_assert_uint_eq(c.drain_seconds, 0);
    set_ok(&c, "drain_seconds", "3600");
    ck_assert_uint_eq(c.drain_seconds, 3600);
    set_ok(&c, "retry_after_seconds", "7");
    ck_assert_uint_eq(c.retry_after_sec, 7);
    set_ok(&c, "batch_max", "1000");
    ck_assert_uint_eq(c.batch_max, 1000);
    set_ok(&c, "log_level", "debug");
    ck_assert_int_eq(c.log_level, LR_LOG_DEBUG);
    set_ok(&c, "log_level", "warn");
    ck_assert_int_eq(c.log_level, LR_LOG_WARN);
    set_ok(&c, "log_level", "error");
    ck_assert_int_eq(c.log_level, LR_LOG_ERROR);
    set_ok(&c, "log_level", "info");
    ck_assert_int_eq(c.log_level, LR_LOG_INFO);
}
END_TEST

START_TEST(test_set_listen)
{
    struct lr_config c;
    lr_config_defaults(&c);
    set_ok(&c, "listen", "0.0.0.0:9000");
    ck_assert_str_eq(c.listen_host, "0.0.0.0");
    ck_assert_uint_eq(c.listen_port, 9000);
    set_ok(&c, "listen", "[::1]:80");
    ck_assert_str_eq(c.listen_host, "::1");
    ck_assert_uint_eq(c.listen_port, 80);
    set_ok(&c, "listen", "localhost:65535");
    ck_assert_str_eq(c.listen_host, "localhost");
    ck_assert_uint_eq(c.listen_port, 65535);
    set_ok(&c, "listen", "[fe80::1%eth0]:1");
    ck_assert_str_eq(c.listen_host, "fe80::1%eth0");
    ck_assert_uint_eq(c.listen_port, 1);
}
END_TEST

START_TEST(test_set_bad_values)
{
    set_bad("listen", "localhost");
    set_bad("listen", ":8080");
    set_bad("listen", "127.0.0.1:");
    set_bad("listen", "127.0.0.1:0");
    set_bad("listen", "127.0.0.1:65536");
    set_bad("listen", "127.0.0.1:80x");
    set_bad("listen", "127.0.0.1:-1");
    set_bad("listen", "[]:80");
    set_bad("listen", "");
    set_bad("max_body_bytes", "255");
    set_bad("max_body_bytes", "67108865");
    set_bad("max_body_bytes", "64k");
    set_bad("max_body_bytes", "");
    set_bad("max_body_bytes", " 1024");
    set_bad("max_body_bytes", "+1024");
    set_bad("max_bulk_bytes", "1023");
    set_bad("max_bulk_bytes", "1073741825");
    set_bad("db_pool_size", "0");
    set_bad("db_pool_size", "257");
    set_bad("db_pool_size", "-1");
    set_bad("max_connections", "0");
    set_bad("max_connections", "65536");
    set_bad("drain_seconds", "3601");
    set_bad("drain_seconds", "1.5");
    set_bad("retry_after_seconds", "0");
    set_bad("retry_after_seconds", "3601");
    set_bad("batch_max", "0");
    set_bad("batch_max", "1001");
    set_bad("batch_max", "99999999999999999999999");
    set_bad("log_level", "verbose");
    set_bad("log_level", "INFO");
    set_bad("log_level", "");

    char long_url[1100];
    memset(long_url, 'x', sizeof long_url - 1);
    long_url[sizeof long_url - 1] = '\0';
    set_bad("database_url", long_url);
    long_url[1023] = '\0'; /* 1023 characters fit */
    struct lr_config c;
    lr_config_defaults(&c);
    set_ok(&c, "database_url", long_url);
    ck_assert_uint_eq(strlen(c.database_url), 1023);
}
END_TEST

START_TEST(test_unknown_key)
{
    struct lr_config c, before;
    lr_config_defaults(&c);
    before = c;
    char err[256] = "";
    ck_assert_int_eq(lr_config_set(&c, "listen_port", "80", err, sizeof err), -1);
    ck_assert_str_eq(err, "unknown setting 'listen_port'");
    ck_assert_int_eq(lr_config_set(&c, "", "x", err, sizeof err), -1);
    ck_assert_int_eq(lr_config_set(&c, "LISTEN", "127.0.0.1:1", err, sizeof err), -1);
    ck_assert_mem_eq(&c, &before, sizeof c);
}
END_TEST

START_TEST(test_load_file)
{
    write_file("# comment\n"
               "\n"
               "database_url = postgresql://file/db\n"
               "   listen=[::1]:9090   \n"
               "\tlog_level =  debug\n"
               "webhook_secret = whsec_a=b==\n" /* only the first '=' splits */
               "  # indented comment\n"
               "db_pool_size = 3\n");
    struct lr_config c;
    char err[256] = "";
    ck_assert_msg(lr_config_load(tmp_path, &c, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(c.database_url, "postgresql://file/db");
    ck_assert_str_eq(c.listen_host, "::1");
    ck_assert_uint_eq(c.listen_port, 9090);
    ck_assert_int_eq(c.log_level, LR_LOG_DEBUG);
    ck_assert_str_eq(c.webhook_secret, "whsec_a=b==");
    ck_assert_uint_eq(c.db_pool_size, 3);
    ck_assert_uint_eq(c.max_connections, 512); /* untouched settings keep defaults */
}
END_TEST

START_TEST(test_env_overrides_file)
{
    write_file("database_url = postgresql://file/db\n"
               "listen = 127.0.0.1:9090\n"
               "db_pool_size = 3\n");
    setenv("LEADROUTER_DATABASE_URL", "postgresql://env/db", 1);
    setenv("LEADROUTER_LISTEN", "0.0.0.0:7000", 1);
    setenv("LEADROUTER_MAX_BODY_BYTES", "1024", 1);
    setenv("LEADROUTER_LOG_LEVEL", "error", 1);
    setenv("LEADROUTER_WEBHOOK_SECRET", "whsec_env", 1);
    setenv("LEADROUTER_MAX_BULK_BYTES", "2048", 1);
    setenv("LEADROUTER_MAX_CONNECTIONS", "9", 1);
    setenv("LEADROUTER_DRAIN_SECONDS", "4", 1);
    setenv("LEADROUTER_RETRY_AFTER_SECONDS", "5", 1);
    setenv("LEADROUTER_BATCH_MAX", "6", 1);
    struct lr_config c;
    char err[256] = "";
    ck_assert_msg(lr_config_load(tmp_path, &c, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(c.database_url, "postgresql://env/db");
    ck_assert_str_eq(c.listen_host, "0.0.0.0");
    ck_assert_uint_eq(c.listen_port, 7000);
    ck_assert_uint_eq(c.max_body_bytes, 1024);
    ck_assert_int_eq(c.log_level, LR_LOG_ERROR);
    ck_assert_str_eq(c.webhook_secret, "whsec_env");
    ck_assert_uint_eq(c.max_bulk_bytes, 2048);
    ck_assert_uint_eq(c.max_connections, 9);
    ck_assert_uint_eq(c.drain_seconds, 4);
    ck_assert_uint_eq(c.retry_after_sec, 5);
    ck_assert_uint_eq(c.batch_max, 6);
    ck_assert_uint_eq(c.db_pool_size, 3); /* from the file: no variable set */
    setenv("LEADROUTER_DB_POOL_SIZE", "12", 1);
    ck_assert_int_eq(lr_config_load(tmp_path, &c, err, sizeof err), 0);
    ck_assert_uint_eq(c.db_pool_size, 12);
}
END_TEST

START_TEST(test_env_config_path)
{
    write_file("listen = 127.0.0.1:9999\n");
    setenv("LEADROUTER_CONFIG", tmp_path, 1);
    struct lr_config c;
    char err[256] = "";
    ck_assert_msg(lr_config_load(NULL, &c, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(c.listen_port, 9999);
}
END_TEST

START_TEST(test_load_errors)
{
    struct lr_config c;
    char err[256] = "", want[256];

    write_file("listen = 127.0.0.1:8080\nno_such_key = 1\n");
    ck_assert_int_eq(lr_config_load(tmp_path, &c, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:2: unknown setting 'no_such_key'", tmp_path);
    ck_assert_str_eq(err, want);

    write_file("# fine\ndb_pool_size = 0\n");
    ck_assert_int_eq(lr_config_load(tmp_path, &c, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:2: bad value for db_pool_size: '0'", tmp_path);
    ck_assert_str_eq(err, want);

    write_file("listen 127.0.0.1:8080\n");
    ck_assert_int_eq(lr_config_load(tmp_path, &c, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:1: expected key = value", tmp_path);
    ck_assert_str_eq(err, want);

    ck_assert_int_eq(lr_config_load("/nonexistent/lr-unit.conf", &c, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "cannot open /nonexistent/lr-unit.conf"));

    setenv("LEADROUTER_DB_POOL_SIZE", "lots", 1);
    write_file("listen = 127.0.0.1:8080\n");
    ck_assert_int_eq(lr_config_load(tmp_path, &c, err, sizeof err), -1);
    ck_assert_str_eq(err, "LEADROUTER_DB_POOL_SIZE: bad value for db_pool_size: 'lots'");
}
END_TEST

Suite *config_suite(void)
{
    Suite *s = suite_create("config/config");
    TCase *tc = tcase_create("config");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_settings_table);
    tcase_add_test(tc, test_set_each_key);
    tcase_add_test(tc, test_bad_secret_not_echoed);
    tcase_add_test(tc, test_set_listen);
    tcase_add_test(tc, test_set_bad_values);
    tcase_add_test(tc, test_unknown_key);
    tcase_add_test(tc, test_load_file);
    tcase_add_test(tc, test_env_overrides_file);
    tcase_add_test(tc, test_env_config_path);
    tcase_add_test(tc, test_load_errors);
    suite_add_tcase(s, tc);
    return s;
}
