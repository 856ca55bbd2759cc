/* The command line: the global options, the table of commands, the option parser every
 * command shares, and the commands that need no database (sign, settings, version). */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/version.h"
#include "db/migrations.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "util/webhook.h"

#define MAX_OPTS 8

/* Says on stderr what getopt_long refused ('?' or ':'), naming the option as it was
 * written: a long one up to its '=', a short one by its letter (a cluster such as -xV
 * is one argv element, so that element would name the wrong thing). */
static void say_refused(const char *cmd, const char *arg, int ch)
{
    const char *sp = cmd[0] ? " " : "";
    const char *what = ch == ':' ? "missing a value for" : "unknown option";
    if (strncmp(arg, "--", 2) == 0) {
        int len = (int)strcspn(arg, "=");
        if (ch == '?' && optopt != 0 && arg[len] == '=')
            fprintf(stderr, "leadrouter%s%s: '%.*s' takes no value (see leadrouter%s%s --help)\n",
                    sp, cmd, len, arg, sp, cmd);
        else
            fprintf(stderr, "leadrouter%s%s: %s '%.*s' (see leadrouter%s%s --help)\n", sp, cmd,
                    what, len, arg, sp, cmd);
        return;
    }
    fprintf(stderr, "leadrouter%s%s: %s '-%c' (see leadrouter%s%s --help)\n", sp, cmd, what,
            optopt > 0 && optopt < 256 ? optopt : '?', sp, cmd);
}

/* --help anywhere before "--" wins, even where getopt would take it as a value. */
static bool asks_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

int lr_cli_parse(const char *cmd, const char *help, int argc, char **argv,
                 const struct lr_cli_opt *opts, size_t nopts, const char **pos, int minpos,
                 int maxpos, int *npos)
{
    struct option lo[MAX_OPTS + 2];
    size_t n = nopts < MAX_OPTS ? nopts : MAX_OPTS;
    for (size_t i = 0; i < n; i++)
        lo[i] = (struct option){opts[i].name, opts[i].value ? required_argument : no_argument, NULL,
                                256 + (int)i};
    lo[n] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n + 1] = (struct option){NULL, 0, NULL, 0};
    if (asks_help(argc, argv)) {
        fputs(help, stdout);
        return LR_CLI_OK;
    }
    /* 0 re-initialises glibc's getopt: every command parses its own argv. */
    optind = 0;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        if (ch == 'h') {
            fputs(help, stdout);
            return LR_CLI_OK;
        }
        if (ch == '?' || ch == ':') {
            say_refused(cmd, argv[optind - 1], ch);
            return LR_CLI_USAGE;
        }
        const struct lr_cli_opt *o = &opts[ch - 256];
        if (o->value != NULL)
            *o->value = optarg;
        else
            *o->set = true;
    }
    int got = argc - optind;
    if (got > maxpos) {
        fprintf(stderr, "leadrouter %s: unexpected argument '%s' (see leadrouter %s --help)\n", cmd,
                argv[optind + maxpos], cmd);
        return LR_CLI_USAGE;
    }
    if (got < minpos) {
        fprintf(stderr, "leadrouter %s: missing argument (see leadrouter %s --help)\n", cmd, cmd);
        return LR_CLI_USAGE;
    }
    for (int i = 0; i < got; i++)
        pos[i] = argv[optind + i];
    if (npos != NULL)
        *npos = got;
    return -1;
}

int lr_cli_config(const struct lr_cli *cli, struct lr_config *cfg, bool serving)
{
    char err[512];
    if (lr_config_load(cli->config_path, cfg, err, sizeof err)) {
        fprintf(stderr, "leadrouter: %s\n", err);
        return -1;
    }
    lr_log_set_level(cfg->log_level);
    if (cfg->source[0] == '\0') {
        char cwd[512];
        if (getcwd(cwd, sizeof cwd) == NULL)
            snprintf(cwd, sizeof cwd, "(unknown)");
        if (serving)
            lr_log(LR_LOG_INFO, "no configuration file: defaults and LEADROUTER_* variables only",
                   json_pack("{s:s, s:s, s:s}", "looked_for", LR_CONFIG_DEFAULT_PATH, "in", cwd,
                             "also", "--config FILE or LEADROUTER_CONFIG"));
        else
            fprintf(stderr,
                    "leadrouter: no configuration file: looked for %s in %s (or give --config "
                    "FILE or LEADROUTER_CONFIG); defaults and LEADROUTER_* variables only\n",
                    LR_CONFIG_DEFAULT_PATH, cwd);
    }
    return 0;
}

static int cmd_sign(const struct lr_cli *cli, int argc, char **argv)
{
    static const char help[] =
        "usage: leadrouter sign --id ID --timestamp UNIX_SECONDS < BODY\n"
        "Prints the Standard Webhooks signature (v1,...) of the body on stdin with\n"
        "webhook_secret: what a CRM sends in webhook-signature.\n";
    const char *id = NULL, *ts = NULL;
    const struct lr_cli_opt opts[] = {{"id", &id, NULL}, {"timestamp", &ts, NULL}};
    int rc = lr_cli_parse("sign", help, argc, argv, opts, 2, NULL, 0, 0, NULL);
    if (rc >= 0)
        return rc;
    if (id == NULL || ts == NULL) {
        fputs("leadrouter sign: --id and --timestamp are required\n", stderr);
        return LR_CLI_USAGE;
    }
    struct lr_config cfg;
    if (lr_cli_config(cli, &cfg, false))
        return LR_CLI_USAGE;
    struct lr_webhook_key key;
    if (lr_webhook_key_from_secret(cfg.webhook_secret, &key)) {
        fputs("leadrouter sign: webhook_secret is not set or not valid\n", stderr);
        return LR_CLI_FAILED;
    }
    struct lr_buf body = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        lr_buf_append(&body, chunk, n);
    char sig[96];
    rc = lr_webhook_sign(&key, id, ts, body.data ? body.data : "", body.len, sig, sizeof sig);
    lr_buf_free(&body);
    if (rc)
        return LR_CLI_FAILED;
    printf("v1,%s\n", sig);
    return LR_CLI_OK;
}

static int cmd_settings(const struct lr_cli *cli, int argc, char **argv)
{
    static const char help[] = "usage: leadrouter settings [--markdown]\n"
                               "Prints every setting: its name, environment variable, default "
                               "and range.\n";
    (void)cli;
    bool md = false;
    const struct lr_cli_opt opts[] = {{"markdown", NULL, &md}};
    int rc = lr_cli_parse("settings", help, argc, argv, opts, 1, NULL, 0, 0, NULL);
    if (rc >= 0)
        return rc;
    lr_config_describe(stdout, md);
    return LR_CLI_OK;
}

static int cmd_version(const struct lr_cli *cli, int argc, char **argv)
{
    (void)cli;
    int rc = lr_cli_parse("version", "usage: leadrouter version\n", argc, argv, NULL, 0, NULL, 0, 0,
                          NULL);
    if (rc >= 0)
        return rc;
    printf("leadrouter %s (schema %lld)\n", LR_VERSION, (long long)lr_schema_target());
    return LR_CLI_OK;
}

struct command {
    const char *name;
    const char *summary;
    int (*run)(const struct lr_cli *cli, int argc, char **argv);
};

static const struct command COMMANDS[] = {
    {"serve", "serve HTTP (SIGTERM drains, then exits)", lr_cli_serve},
    {"migrate", "apply missing schema migrations and re-create the SQL functions", lr_cli_migrate},
    {"check", "check the configuration, the database and its schema", lr_cli_check},
    {"token", "create, list or revoke API tokens", lr_cli_token},
    {"sign", "print the webhook signature of stdin", cmd_sign},
    {"settings", "every setting, its default and range", cmd_settings},
    {"version", "print the version", cmd_version},
};
#define NCOMMANDS (sizeof COMMANDS / sizeof *COMMANDS)

static void usage(FILE *out)
{
    fputs("usage: leadrouter [--config FILE] COMMAND [OPTIONS]\n"
          "       leadrouter COMMAND --help | --help | --version\n\ncommands:\n",
          out);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fputs("\nSettings come from --config FILE, else $LEADROUTER_CONFIG, else\n"
          "config/leadrouter.conf when it exists, overridden by LEADROUTER_* variables\n"
          "(leadrouter settings lists them).\n"
          "Exit status: 0 done, 1 failed, 2 wrong command line.\n",
          out);
}

int lr_cli_main(int argc, char **argv)
{
    static const struct option lo[] = {{"config", required_argument, NULL, 'c'},
                                       {"help", no_argument, NULL, 'h'},
                                       {"version", no_argument, NULL, 'V'},
                                       {NULL, 0, NULL, 0}};
    struct lr_cli cli = {0};
    optind = 0;
    opterr = 0;
    int ch;
    /* "+": the global options end at the command, whose own options follow it. */
    while ((ch = getopt_long(argc, argv, "+:c:hV", lo, NULL)) != -1) {
        if (ch == 'c')
            cli.config_path = optarg;
        else if (ch == 'h') {
            usage(stdout);
            return LR_CLI_OK;
        } else if (ch == 'V')
            return cmd_version(&cli, 1, argv);
        else {
            say_refused("", argv[optind - 1], ch);
            return LR_CLI_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return LR_CLI_USAGE;
    }
    const char *name = argv[optind];
    /* leadrouter help COMMAND is leadrouter COMMAND --help. */
    char *help_of[] = {optind + 1 < argc ? argv[optind + 1] : NULL, (char *)"--help", NULL};
    bool help = strcmp(name, "help") == 0;
    if (help && help_of[0] == NULL) {
        usage(stdout);
        return LR_CLI_OK;
    }
    if (help)
        name = help_of[0];
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(name, COMMANDS[i].name) == 0)
            return help ? COMMANDS[i].run(&cli, 2, help_of)
                        : COMMANDS[i].run(&cli, argc - optind, argv + optind);
    fprintf(stderr, "leadrouter: unknown command '%s' (see leadrouter --help)\n", name);
    return LR_CLI_USAGE;
}
