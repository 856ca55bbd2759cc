/* Domain normalisation (SPEC 2.3). */
#include "routing/domain.h"

#include <ctype.h>
#include <string.h>

static bool normalize_into(const char *s, size_t n, char out[LR_DOMAIN_MAX + 1])
{
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= 4 && strncasecmp(s, "www.", 4) == 0) {
        s += 4;
        n -= 4;
    }
    if (n == 0 || n > LR_DOMAIN_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[n] = '\0';
    return true;
}

bool lr_domain_normalize(const char *domain, const char *email, char out[LR_DOMAIN_MAX + 1])
{
    out[0] = '\0';
    if (domain != NULL && normalize_into(domain, strlen(domain), out))
        return true;
    if (email != NULL) {
        const char *at = strrchr(email, '@');
        if (at != NULL && normalize_into(at + 1, strlen(at + 1), out))
            return true;
    }
    out[0] = '\0';
    return false;
}

bool lr_domain_valid(const char *d)
{
    size_t n = strlen(d);
    if (n == 0 || n > LR_DOMAIN_MAX || strchr(d, '.') == NULL || d[0] == '.' || d[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)d[i];
        if (!(islower(c) || isdigit(c) || c == '.' || c == '-' || c == '_'))
            return false;
    }
    return true;
}
