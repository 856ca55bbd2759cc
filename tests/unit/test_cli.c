/* cli/cli.c: the option parser every command shares (what a command line means, and
 * which ones are refused with exit status 2). */
#include <stdio.h>

#include "cli/cli.h"
#include "suites.h"

struct parsed {
    const char *role, *name, *pos[2];
    bool flag;
    int npos;
};

/* Parses a command line of the shape "token create --role R --name N [--flag] [POS...]". */
static int parse(struct parsed *p, int argc, char **argv, int minpos, int maxpos)
{
    *p = (struct parsed){0};
    const struct lr_cli_opt opts[] = {
        {"role", &p->role, NULL}, {"name", &p->name, NULL}, {"flag", NULL, &p->flag}};
    return lr_cli_parse("test", "usage: leadrouter test\n", argc, argv, opts, 3, p->pos, minpos,
                        maxpos, &p->npos);
}

START_TEST(test_cli_options_and_positionals)
{
    struct parsed p;
    char *a[] = {"create", "--role", "ops", "--name=night shift", "x", "--flag", NULL};
    ck_assert_int_eq(parse(&p, 6, a, 0, 1), -1);
    ck_assert_str_eq(p.role, "ops");
    ck_assert_str_eq(p.name, "night shift");
    ck_assert(p.flag);
    ck_assert_int_eq(p.npos, 1);
    ck_assert_str_eq(p.pos[0], "x");
    /* A unique prefix of a long option is that option (getopt_long). */
    char *b[] = {"create", "--ro", "admin", NULL};
    ck_assert_int_eq(parse(&p, 3, b, 0, 0), -1);
    ck_assert_str_eq(p.role, "admin");
    ck_assert_ptr_null(p.name);
    ck_assert(!p.flag);
    /* "--" ends the options: a positional may start with a dash. */
    char *c[] = {"revoke", "--", "--flag", NULL};
    ck_assert_int_eq(parse(&p, 3, c, 1, 1), -1);
    ck_assert_str_eq(p.pos[0], "--flag");
    ck_assert(!p.flag);
}
END_TEST

START_TEST(test_cli_help_wins)
{
    struct parsed p;
    char *a[] = {"create", "--bogus-later-is-not-seen", NULL};
    char *h[] = {"create", "--role", "x", "--help", "--bogus", NULL};
    ck_assert_int_eq(parse(&p, 4, h, 0, 0), LR_CLI_OK);
    char *s[] = {"create", "-h", NULL};
    ck_assert_int_eq(parse(&p, 2, s, 0, 0), LR_CLI_OK);
    ck_assert_int_eq(parse(&p, 2, a, 0, 0), LR_CLI_USAGE);
}
END_TEST

START_TEST(test_cli_refusals)
{
    struct parsed p;
    char *unknown[] = {"create", "--colour", "red", NULL};
    ck_assert_int_eq(parse(&p, 3, unknown, 0, 0), LR_CLI_USAGE);
    char *short_unknown[] = {"create", "-q", NULL};
    ck_assert_int_eq(parse(&p, 2, short_unknown, 0, 0), LR_CLI_USAGE);
    char *no_value[] = {"create", "--role", NULL};
    ck_assert_int_eq(parse(&p, 2, no_value, 0, 0), LR_CLI_USAGE);
    char *flag_value[] = {"create", "--flag=yes", NULL};
    ck_assert_int_eq(parse(&p, 2, flag_value, 0, 0), LR_CLI_USAGE);
    char *too_many[] = {"revoke", "a", "b", NULL};
    ck_assert_int_eq(parse(&p, 3, too_many, 0, 1), LR_CLI_USAGE);
    char *too_few[] = {"revoke", NULL};
    ck_assert_int_eq(parse(&p, 1, too_few, 1, 1), LR_CLI_USAGE);
    /* Exactly at the bounds. */
    char *two[] = {"revoke", "a", "b", NULL};
    ck_assert_int_eq(parse(&p, 3, two, 2, 2), -1);
    ck_assert_int_eq(p.npos, 2);
}
END_TEST

START_TEST(test_cli_main_exit_status)
{
    char *unknown_cmd[] = {"leadrouter", "bogus", NULL};
    ck_assert_int_eq(lr_cli_main(2, unknown_cmd), LR_CLI_USAGE);
    char *none[] = {"leadrouter", NULL};
    ck_assert_int_eq(lr_cli_main(1, none), LR_CLI_USAGE);
    char *global_unknown[] = {"leadrouter", "--verbose", "serve", NULL};
    ck_assert_int_eq(lr_cli_main(3, global_unknown), LR_CLI_USAGE);
    char *help[] = {"leadrouter", "--help", NULL};
    ck_assert_int_eq(lr_cli_main(2, help), LR_CLI_OK);
    char *cmd_help[] = {"leadrouter", "--config", "/nonexistent", "serve", "--help", NULL};
    ck_assert_int_eq(lr_cli_main(5, cmd_help), LR_CLI_OK); /* help reads no configuration */
    char *help_of[] = {"leadrouter", "help", "migrate", NULL};
    ck_assert_int_eq(lr_cli_main(3, help_of), LR_CLI_OK);
    char *help_unknown[] = {"leadrouter", "help", "bogus", NULL};
    ck_assert_int_eq(lr_cli_main(3, help_unknown), LR_CLI_USAGE);
    char *version[] = {"leadrouter", "--version", NULL};
    ck_assert_int_eq(lr_cli_main(2, version), LR_CLI_OK);
    char *missing_config[] = {"leadrouter", "--config", "/nonexistent", "token", "list", NULL};
    ck_assert_int_eq(lr_cli_main(5, missing_config), LR_CLI_USAGE);
}
END_TEST

Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_cli_options_and_positionals);
    tcase_add_test(tc, test_cli_help_wins);
    tcase_add_test(tc, test_cli_refusals);
    tcase_add_test(tc, test_cli_main_exit_status);
    suite_add_tcase(s, tc);
    return s;
}
