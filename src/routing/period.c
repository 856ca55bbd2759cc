/* Calendar quarters in UTC: the named-account period that holds a date. */
#include "routing/period.h"

#include <string.h>

void lr_period_of(time_t t, char out[LR_PERIOD_LEN + 1])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    int year = tm.tm_year + 1900;
    if (year < 0 || year > 9999)
        year = year < 0 ? 0 : 9999;
    int quarter = tm.tm_mon / 3 + 1;
    out[0] = (char)('0' + year / 1000);
    out[1] = (char)('0' + year / 100 % 10);
    out[2] = (char)('0' + year / 10 % 10);
    out[3] = (char)('0' + year % 10);
    out[4] = '-';
    out[5] = 'Q';
    out[6] = (char)('0' + quarter);
    out[7] = '\0';
}

bool lr_period_valid(const char *s)
{
    if (s == NULL || strlen(s) != LR_PERIOD_LEN)
        return false;
    for (int i = 0; i < 4; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return s[4] == '-' && s[5] == 'Q' && s[6] >= '1' && s[6] <= '4';
}
