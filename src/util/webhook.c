/* Standard Webhooks signatures with OpenSSL's HMAC and base64. */
#include "util/webhook.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lr_webhook_key_from_secret(const char *secret, struct lr_webhook_key *key)
{
    size_t n = strlen(secret);
    if (n == 0)
        return -1;
    if (strncmp(secret, "whsec_", 6) == 0) {
        const char *b64 = secret + 6;
        size_t blen = strlen(b64);
        if (blen == 0 || blen % 4 != 0 || blen / 4 * 3 > sizeof key->bytes)
            return -1;
        /* EVP_DecodeBlock lets a '=' through mid-text; padding belongs only at the end. */
        size_t pad = b64[blen - 1] == '=' ? (b64[blen - 2] == '=' ? 2 : 1) : 0;
        if (strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") !=
            blen - pad)
            return -1;
        int out = EVP_DecodeBlock(key->bytes, (const unsigned char *)b64, (int)blen);
        if (out < 0)
            return -1;
        /* EVP_DecodeBlock counts padding bytes as data. */
        if (blen >= 1 && b64[blen - 1] == '=')
            out--;
        if (blen >= 2 && b64[blen - 2] == '=')
            out--;
        if (out <= 0)
            return -1;
        key->len = (size_t)out;
        return 0;
    }
    if (n > sizeof key->bytes)
        return -1;
    memcpy(key->bytes, secret, n);
    key->len = n;
    return 0;
}

static int mac(const struct lr_webhook_key *key, const char *id, const char *timestamp,
               const char *body, size_t body_len, unsigned char out[EVP_MAX_MD_SIZE],
               unsigned *out_len)
{
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end(),
    };
    size_t len = 0;
    int ok = ctx != NULL && EVP_MAC_init(ctx, key->bytes, key->len, params) &&
             EVP_MAC_update(ctx, (const unsigned char *)id, strlen(id)) &&
             EVP_MAC_update(ctx, (const unsigned char *)".", 1) &&
             EVP_MAC_update(ctx, (const unsigned char *)timestamp, strlen(timestamp)) &&
             EVP_MAC_update(ctx, (const unsigned char *)".", 1) &&
             EVP_MAC_update(ctx, (const unsigned char *)body, body_len) &&
             EVP_MAC_final(ctx, out, &len, EVP_MAX_MD_SIZE);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(hmac);
    *out_len = (unsigned)len;
    return ok ? 0 : -1;
}

int lr_webhook_sign(const struct lr_webhook_key *key, const char *id, const char *timestamp,
                    const char *body, size_t body_len, char *out, size_t out_len)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    if (out_len < 64 || mac(key, id, timestamp, body, body_len, digest, &dlen))
        return -1;
    EVP_EncodeBlock((unsigned char *)out, digest, (int)dlen);
    return 0;
}

enum lr_webhook_verdict lr_webhook_verify(const struct lr_webhook_key *key, const char *id,
                                          const char *timestamp, const char *signature_header,
                                          const char *body, size_t body_len, int64_t now)
{
    if (timestamp == NULL || signature_header == NULL || *timestamp == '\0')
        return LR_WEBHOOK_MISSING;
    char *end = NULL;
    long long ts = strtoll(timestamp, &end, 10);
    /* Compared against now +- tolerance: ts - now would overflow for a header such as
     * "-99999999999999999999" (strtoll clamps it to LLONG_MIN). */
    if (end == timestamp || *end != '\0' || ts > now + LR_WEBHOOK_TOLERANCE_SEC ||
        ts < now - LR_WEBHOOK_TOLERANCE_SEC)
        return LR_WEBHOOK_STALE;
    char expected[96];
    if (lr_webhook_sign(key, id, timestamp, body, body_len, expected, sizeof expected))
        return LR_WEBHOOK_MISMATCH;
    size_t elen = strlen(expected);
    const char *p = signature_header;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *tok = p;
        while (*p && *p != ' ')
            p++;
        size_t tlen = (size_t)(p - tok);
        if (tlen == 3 + elen && strncmp(tok, "v1,", 3) == 0 &&
            CRYPTO_memcmp(tok + 3, expected, elen) == 0)
            return LR_WEBHOOK_VALID;
    }
    return LR_WEBHOOK_MISMATCH;
}
