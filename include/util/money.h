/* Money is integer cents end to end; JSON amounts are read from their literal text. */
#ifndef LR_UTIL_MONEY_H
#define LR_UTIL_MONEY_H

#include <jansson.h>
#include <stdint.h>

#define LR_MONEY_LIMIT_CENTS 100000000000000LL /* amounts are below 10^12 USD */

enum lr_money_err {
    LR_MONEY_OK = 0,
    LR_MONEY_NOT_NUMBER,
    LR_MONEY_NEGATIVE,
    LR_MONEY_TOO_PRECISE, /* more than two decimals */
    LR_MONEY_TOO_LARGE,
};

/* Parses a JSON number literal ("50000", "50000.25", "5e4", "1.5E+2") exactly. */
enum lr_money_err lr_money_parse_literal(const char *s, int64_t *cents);

/* Reads the amount at JSON pointer `pointer` of the document whose number literals
 * lr_json_number_literals collected into `literals`. */
enum lr_money_err lr_money_from_json(const json_t *value, const json_t *literals,
                                     const char *pointer, int64_t *cents);

const char *lr_money_err_message(enum lr_money_err e);

/* "1234.50"; out must hold 32 bytes. */
void lr_money_format(int64_t cents, char *out);

/* Rounds num/den half up for non-negative num, den > 0, without overflow for
 * num < 2^62. */
int64_t lr_div_round_half_up(int64_t num, int64_t den);

#endif
