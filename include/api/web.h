/* The dashboard's files (SPEC 3.7), compiled in from src/web/ by scripts/embed-web.sh. */
#ifndef LR_API_WEB_H
#define LR_API_WEB_H

#include <stdbool.h>
#include <stddef.h>

struct lr_web_asset {
    const char *path; /* "/" for the page, else /assets/STEM.HASH.EXT */
    const char *content_type;
    const unsigned char *data;
    size_t len;
    bool immutable; /* the URL changes with the content: cacheable for a year */
};

extern const struct lr_web_asset lr_web_assets[];
extern const unsigned lr_web_asset_count;

/* The asset served at path, or NULL. */
const struct lr_web_asset *lr_web_find(const char *path);

/* The headers of every page and asset answer: the security headers (a
 * Content-Security-Policy allowing this origin only and no inline script, nosniff, no
 * referrer, no framing) and the cache lifetime: revalidated for the page, a year for
 * an immutable asset. name, value, ..., NULL. */
const char *const *lr_web_headers(bool immutable);

#endif
