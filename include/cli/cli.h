/* The command line: leadrouter [--config FILE] COMMAND [OPTIONS] [ARGUMENTS].
 * Exit status: 0 done, 1 the command failed, 2 the command line is wrong (unknown
 * command, option or value, a missing argument). --help anywhere prints help and does
 * nothing else. */
#ifndef LR_CLI_CLI_H
#define LR_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

enum { LR_CLI_OK = 0, LR_CLI_FAILED = 1, LR_CLI_USAGE = 2 };

int lr_cli_main(int argc, char **argv);

/* What every command receives: the global options. */
struct lr_cli {
    const char *config_path; /* --config, NULL when not given */
};

/* One option of a command: a flag (set) or an option with a value (value). */
struct lr_cli_opt {
    const char *name;
    const char **value; /* NULL for a flag */
    bool *set;          /* NULL for an option with a value */
};

/* Parses a command's options and positional arguments with getopt_long; argv[0] is
 * the command's name. Positional arguments go to pos (between minpos and maxpos of
 * them, *npos says how many). Returns -1 to run the command, else the exit status:
 * LR_CLI_OK after printing help to stdout, LR_CLI_USAGE after naming the error on
 * stderr. */
int lr_cli_parse(const char *cmd, const char *help, int argc, char **argv,
                 const struct lr_cli_opt *opts, size_t nopts, const char **pos, int minpos,
                 int maxpos, int *npos);

/* Loads the configuration (--config, $LEADROUTER_CONFIG, config/leadrouter.conf, then
 * LEADROUTER_* variables) and applies its log level; says once when no file was found:
 * a log line when serving, else a line on stderr, which keeps stdout for the command's
 * answer (a token, a list). On error prints it and returns -1. */
int lr_cli_config(const struct lr_cli *cli, struct lr_config *cfg, bool serving);

/* The commands (cli_db.c, cli_serve.c). */
int lr_cli_serve(const struct lr_cli *cli, int argc, char **argv);
int lr_cli_migrate(const struct lr_cli *cli, int argc, char **argv);
int lr_cli_check(const struct lr_cli *cli, int argc, char **argv);
int lr_cli_token(const struct lr_cli *cli, int argc, char **argv);

#endif
