/* Standard Webhooks signatures: HMAC-SHA256 over "{id}.{timestamp}.{body}". */
#ifndef LR_UTIL_WEBHOOK_H
#define LR_UTIL_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#define LR_WEBHOOK_TOLERANCE_SEC 300
#define LR_WEBHOOK_KEY_MAX 256

struct lr_webhook_key {
    unsigned char bytes[LR_WEBHOOK_KEY_MAX];
    size_t len;
};

/* "whsec_<base64>" is decoded; any other secret is used as its raw bytes.
 * Returns 0, or -1 when empty, too long or bad base64. */
int lr_webhook_key_from_secret(const char *secret, struct lr_webhook_key *key);

/* base64 signature of id.timestamp.body into out (>= 64 bytes). */
int lr_webhook_sign(const struct lr_webhook_key *key, const char *id, const char *timestamp,
                    const char *body, size_t body_len, char *out, size_t out_len);

enum lr_webhook_verdict {
    LR_WEBHOOK_VALID = 0,
    LR_WEBHOOK_MISSING,  /* no timestamp or signature header */
    LR_WEBHOOK_STALE,    /* timestamp outside the tolerance, or not a number */
    LR_WEBHOOK_MISMATCH, /* no v1 signature matches */
};

/* signature_header is the space-separated list "v1,<b64> v1,<b64>". */
enum lr_webhook_verdict lr_webhook_verify(const struct lr_webhook_key *key, const char *id,
                                          const char *timestamp, const char *signature_header,
                                          const char *body, size_t body_len, int64_t now);

#endif
