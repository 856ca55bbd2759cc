/* RFC 3339 instants as microseconds since the epoch, within what PostgreSQL's
 * timestamptz can hold and RFC 3339 UTC can write (years 0001-9999). */
#include "util/time.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void lr_rfc3339_now(char *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm): plain
 * arithmetic, so the range does not depend on the platform's time_t or timegm. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

#define USEC_PER_DAY ((int64_t)86400 * 1000000)
/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: the instants that RFC 3339 can
 * write in UTC and PostgreSQL can read back (it has no year 0000). */
#define RFC3339_MIN_USEC (days_from_civil(1, 1, 1) * USEC_PER_DAY)
#define RFC3339_MAX_USEC (days_from_civil(10000, 1, 1) * USEC_PER_DAY - 1)

int64_t lr_now_usec(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

int64_t lr_now_mono_usec(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

int lr_rfc3339_parse(const char *s, int64_t *usec)
{
    int Y, M, D, h, m, sec;
    if (s == NULL || strlen(s) < 20 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) ||
        s[7] != '-' || digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't') ||
        digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &m) || s[16] != ':' ||
        digits(s + 17, 2, &sec))
        return -1;
    /* Days the month lacks are refused rather than rolled into the next month. */
    static const int MDAYS[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (Y < 1 || M < 1 || M > 12 || D < 1 || D > MDAYS[M - 1] || (M == 2 && D == 29 && !leap) ||
        h > 23 || m > 59 || sec > 60)
        return -1;
    const char *p = s + 19;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        for (; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 6)
                frac = frac * 10 + (*p - '0');
        if (n == 0)
            return -1;
        for (; n < 6; n++)
            frac *= 10;
    }
    /* A leap second counts as the next minute's first, as in PostgreSQL, which refuses
     * a fraction of it. */
    if (sec == 60 && frac != 0)
        return -1;
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        /* PostgreSQL refuses offsets beyond 15:59. */
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 15 || om > 59)
            return -1;
        offset = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    int64_t secs = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec - offset;
    int64_t t = secs * 1000000 + frac;
    /* An offset can carry 0001-01-01 or 9999-12-31 out of the years UTC can be written in. */
    if (t < RFC3339_MIN_USEC || t > RFC3339_MAX_USEC)
        return -1;
    *usec = t;
    return 0;
}

int lr_rfc3339_format_usec(int64_t usec, char *out)
{
    if (usec < RFC3339_MIN_USEC || usec > RFC3339_MAX_USEC)
        return -1;
    /* Floor division: instants before 1970 are negative. */
    int64_t days = usec / USEC_PER_DAY;
    if (usec % USEC_PER_DAY < 0)
        days--;
    int64_t in_day = usec - days * USEC_PER_DAY;
    int y, mo, d;
    civil_from_days(days, &y, &mo, &d);
    unsigned s = (unsigned)(in_day / 1000000);
    /* The moduli change nothing in range; they show the compiler each field's width. */
    snprintf(out, LR_RFC3339_UTC_SIZE, "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ", (unsigned)y % 10000,
             (unsigned)mo % 100, (unsigned)d % 100, s / 3600 % 100, s / 60 % 60, s % 60,
             (unsigned)(in_day % 1000000));
    return 0;
}
