/* Exact decimal amounts: a JSON literal becomes integer cents without a double. */
#include "util/money.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum lr_money_err lr_money_parse_literal(const char *s, int64_t *cents)
{
    const char *p = s;
    bool negative = false;
    char digits[64];
    size_t nd = 0;
    int64_t frac = 0;
    bool any = false;

    if (*p == '-') {
        negative = true;
        p++;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        any = true;
        if (nd == 0 && *p == '0')
            continue; /* leading zeros carry no value */
        if (nd >= sizeof digits - 1)
            return LR_MONEY_TOO_LARGE;
        digits[nd++] = *p;
    }
    if (*p == '.') {
        p++;
        for (; *p >= '0' && *p <= '9'; p++) {
            any = true;
            if (nd >= sizeof digits - 1) {
                if (*p != '0')
                    return LR_MONEY_TOO_PRECISE;
                continue; /* trailing zero beyond what we can hold */
            }
            digits[nd++] = *p;
            frac++;
        }
    }
    if (!any)
        return LR_MONEY_NOT_NUMBER;
    int64_t exp = 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        bool eneg = false;
        if (*p == '+' || *p == '-')
            eneg = *p++ == '-';
        if (!(*p >= '0' && *p <= '9'))
            return LR_MONEY_NOT_NUMBER;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (exp > 100000)
                continue; /* far beyond any amount; the checks below decide */
            exp = exp * 10 + (*p - '0');
        }
        if (eneg)
            exp = -exp;
    }
    if (*p != '\0')
        return LR_MONEY_NOT_NUMBER;

    /* value = digits * 10^-(frac - exp); drop trailing zeros that only add precision */
    int64_t scale = frac - exp;
    while (scale > 2 && nd > 0 && digits[nd - 1] == '0') {
        nd--;
        scale--;
    }
    /* strip leading zeros left over from the fraction part ("0.05" -> "05") */
    size_t start = 0;
    while (start < nd && digits[start] == '0')
        start++;
    if (start == nd) {
        *cents = 0; /* zero, whatever its sign or scale */
        return LR_MONEY_OK;
    }
    if (scale > 2)
        return LR_MONEY_TOO_PRECISE;
    if (negative)
        return LR_MONEY_NEGATIVE;
    int64_t shift = 2 - scale; /* multiply by 10^shift */
    if ((int64_t)(nd - start) + shift > 15)
        return LR_MONEY_TOO_LARGE;
    int64_t v = 0;
    for (size_t i = start; i < nd; i++)
        v = v * 10 + (digits[i] - '0');
    for (int64_t i = 0; i < shift; i++)
        v *= 10;
    if (v >= LR_MONEY_LIMIT_CENTS)
        return LR_MONEY_TOO_LARGE;
    *cents = v;
    return LR_MONEY_OK;
}

enum lr_money_err lr_money_from_json(const json_t *value, const json_t *literals,
                                     const char *pointer, int64_t *cents)
{
    if (json_is_integer(value)) {
        json_int_t v = json_integer_value(value);
        if (v < 0)
            return LR_MONEY_NEGATIVE;
        if (v >= LR_MONEY_LIMIT_CENTS / 100)
            return LR_MONEY_TOO_LARGE;
        *cents = (int64_t)v * 100;
        return LR_MONEY_OK;
    }
    if (json_is_real(value)) {
        const char *lit = json_string_value(json_object_get(literals, pointer));
        if (lit == NULL)
            return LR_MONEY_NOT_NUMBER;
        return lr_money_parse_literal(lit, cents);
    }
    return LR_MONEY_NOT_NUMBER;
}

const char *lr_money_err_message(enum lr_money_err e)
{
    switch (e) {
    case LR_MONEY_OK:
        return "ok";
    case LR_MONEY_NOT_NUMBER:
        return "must be a number";
    case LR_MONEY_NEGATIVE:
        return "must not be negative";
    case LR_MONEY_TOO_PRECISE:
        return "must have at most two decimals";
    case LR_MONEY_TOO_LARGE:
        return "must be below 1000000000000";
    }
    return "invalid amount";
}

void lr_money_format(int64_t cents, char *out)
{
    const char *sign = cents < 0 ? "-" : "";
    uint64_t mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    snprintf(out, 32, "%s%llu.%02llu", sign, (unsigned long long)(mag / 100),
             (unsigned long long)(mag % 100));
}

int64_t lr_div_round_half_up(int64_t num, int64_t den)
{
    int64_t q = num / den;
    int64_t r = num % den;
    if (r * 2 >= den)
        q++;
    return q;
}
