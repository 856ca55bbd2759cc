/* util/webhook.c: Standard Webhooks signatures. The expected signatures below were
 * computed with openssl, e.g.
 *   printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' |
 *     openssl dgst -sha256 -mac HMAC \
 *       -macopt hexkey:31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0 -binary | base64
 * (that key is base64-decoded "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"; the vector is also
 * the Standard Webhooks reference example). */
#include <stdio.h>
#include <string.h>

#include "util/webhook.h"
#include "suites.h"

#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define MSG_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define MSG_TS "1614265330"
#define MSG_BODY "{\"test\": 2432232314}"
#define MSG_SIG "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
#define MSG_NOW ((int64_t)1614265330)

static const unsigned char SECRET_BYTES[] = {0x31, 0xf2, 0x90, 0xf6, 0xbf, 0x06, 0x29, 0x8a,
                                             0xab, 0x4f, 0x08, 0xd4, 0x3c, 0x3f, 0x08, 0x2c,
                                             0xf6, 0x48, 0xa3, 0x62, 0xda, 0x2d, 0xa4, 0xb0};

static struct lr_webhook_key key_of(const char *secret)
{
    struct lr_webhook_key k;
    memset(&k, 0, sizeof k);
    ck_assert_int_eq(lr_webhook_key_from_secret(secret, &k), 0);
    return k;
}

static enum lr_webhook_verdict verify(const struct lr_webhook_key *k, const char *ts,
                                      const char *header, int64_t now)
{
    return lr_webhook_verify(k, MSG_ID, ts, header, MSG_BODY, strlen(MSG_BODY), now);
}

START_TEST(test_whsec_key_decoding)
{
    struct lr_webhook_key k = key_of(SECRET);
    ck_assert_uint_eq(k.len, sizeof SECRET_BYTES);
    ck_assert_mem_eq(k.bytes, SECRET_BYTES, sizeof SECRET_BYTES);

    k = key_of("whsec_AQIDBAU="); /* one padding character */
    ck_assert_uint_eq(k.len, 5);
    ck_assert_mem_eq(k.bytes, "\x01\x02\x03\x04\x05", 5);
    k = key_of("whsec_AQIDBA=="); /* two */
    ck_assert_uint_eq(k.len, 4);
    ck_assert_mem_eq(k.bytes, "\x01\x02\x03\x04", 4);
    k = key_of("whsec_AQID"); /* none */
    ck_assert_uint_eq(k.len, 3);
    ck_assert_mem_eq(k.bytes, "\x01\x02\x03", 3);
}
END_TEST

START_TEST(test_raw_secret)
{
    struct lr_webhook_key k = key_of("plainsecret");
    ck_assert_uint_eq(k.len, 11);
    ck_assert_mem_eq(k.bytes, "plainsecret", 11);
    /* "whsec" without the underscore is raw too. */
    k = key_of("whsecret");
    ck_assert_uint_eq(k.len, 8);

    char sig[96];
    ck_assert_int_eq(lr_webhook_sign(&k, "x", "1", "", 0, sig, sizeof sig), 0);
    k = key_of("plainsecret");
    ck_assert_int_eq(lr_webhook_sign(&k, "id1", "1700000000", "hello", 5, sig, sizeof sig), 0);
    ck_assert_str_eq(sig, "eqcqGac6fpHIRjmMA7Cwtqp9RDRuphK/pfFUvM0wd/c=");
}
END_TEST

START_TEST(test_bad_secrets)
{
    struct lr_webhook_key k;
    ck_assert_int_eq(lr_webhook_key_from_secret("", &k), -1);
    ck_assert_int_eq(lr_webhook_key_from_secret("whsec_", &k), -1);
    ck_assert_int_eq(lr_webhook_key_from_secret("whsec_AQI", &k), -1);  /* not 4n */
    ck_assert_int_eq(lr_webhook_key_from_secret("whsec_!!!!", &k), -1); /* not base64 */
    ck_assert_int_eq(lr_webhook_key_from_secret("whsec_AQ=D", &k), -1);
    ck_assert_int_eq(lr_webhook_key_from_secret("whsec_====", &k), -1);
    char big[LR_WEBHOOK_KEY_MAX + 2];
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_int_eq(lr_webhook_key_from_secret(big, &k), -1); /* 257 raw bytes */
    big[LR_WEBHOOK_KEY_MAX] = '\0';
    ck_assert_int_eq(lr_webhook_key_from_secret(big, &k), 0); /* 256 */
    ck_assert_uint_eq(k.len, LR_WEBHOOK_KEY_MAX);
}
END_TEST

START_TEST(test_known_vectors)
{
    struct lr_webhook_key k = key_of(SECRET);
    char sig[96];
    ck_assert_int_eq(
        lr_webhook_sign(&k, MSG_ID, MSG_TS, MSG_BODY, strlen(MSG_BODY), sig, sizeof sig), 0);
    ck_assert_str_eq(sig, MSG_SIG);
    ck_assert_int_eq(verify(&k, MSG_TS, "v1," MSG_SIG, MSG_NOW), LR_WEBHOOK_VALID);

    /* Keys with padding: HMAC over "a.1.b". */
    k = key_of("whsec_AQIDBAU=");
    ck_assert_int_eq(lr_webhook_sign(&k, "a", "1", "b", 1, sig, sizeof sig), 0);
    ck_assert_str_eq(sig, "LJj4rFDhbKwUaJPtYMHOouFH2rJ/tP6Tm/QbVwhFfRg=");
    k = key_of("whsec_AQIDBA==");
    ck_assert_int_eq(lr_webhook_sign(&k, "a", "1", "b", 1, sig, sizeof sig), 0);
    ck_assert_str_eq(sig, "R0cw43icJNs2gcw5grZwY/mQzU4uzRK0Oo9VI/KIQfU=");

    ck_assert_int_eq(lr_webhook_sign(&k, "a", "1", "b", 1, sig, 63), -1); /* out too small */
}
END_TEST

START_TEST(test_sign_verify_round_trip)
{
    struct lr_webhook_key k = key_of("whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM=");
    const char body[] = "{\"type\":\"lead.created\",\"data\":{\"id\":\"L\\u00e9\"}}\n";
    char sig[96], header[128];
    ck_assert_int_eq(
        lr_webhook_sign(&k, "msg_1", "1763892900", body, sizeof body - 1, sig, sizeof sig), 0);
    snprintf(header, sizeof header, "v1,%s", sig);
    ck_assert_int_eq(
        lr_webhook_verify(&k, "msg_1", "1763892900", header, body, sizeof body - 1, 1763892900),
        LR_WEBHOOK_VALID);
    /* Any change to id, timestamp, body or key breaks it. */
    ck_assert_int_eq(
        lr_webhook_verify(&k, "msg_2", "1763892900", header, body, sizeof body - 1, 1763892900),
        LR_WEBHOOK_MISMATCH);
    ck_assert_int_eq(
        lr_webhook_verify(&k, "msg_1", "1763892901", header, body, sizeof body - 1, 1763892900),
        LR_WEBHOOK_MISMATCH);
    ck_assert_int_eq(
        lr_webhook_verify(&k, "msg_1", "1763892900", header, body, sizeof body - 2, 1763892900),
        LR_WEBHOOK_MISMATCH);
    struct lr_webhook_key other = key_of("whsec_b3RoZXIta2V5");
    ck_assert_int_eq(
        lr_webhook_verify(&other, "msg_1", "1763892900", header, body, sizeof body - 1, 1763892900),
        LR_WEBHOOK_MISMATCH);
}
END_TEST

START_TEST(test_multiple_signatures)
{
    struct lr_webhook_key k = key_of(SECRET);
    const char *bad = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    char header[256];
    snprintf(header, sizeof header, "%s v1," MSG_SIG, bad);
    ck_assert_int_eq(verify(&k, MSG_TS, header, MSG_NOW), LR_WEBHOOK_VALID);
    snprintf(header, sizeof header, "v1," MSG_SIG " %s", bad);
    ck_assert_int_eq(verify(&k, MSG_TS, header, MSG_NOW), LR_WEBHOOK_VALID);
    snprintf(header, sizeof header, "  v1a,xyz   v1," MSG_SIG "  ");
    ck_assert_int_eq(verify(&k, MSG_TS, header, MSG_NOW), LR_WEBHOOK_VALID);
    /* Only the v1 scheme counts, and the whole token must match. */
    ck_assert_int_eq(verify(&k, MSG_TS, "v2," MSG_SIG, MSG_NOW), LR_WEBHOOK_MISMATCH);
    ck_assert_int_eq(verify(&k, MSG_TS, MSG_SIG, MSG_NOW), LR_WEBHOOK_MISMATCH);
    ck_assert_int_eq(verify(&k, MSG_TS, "v1," MSG_SIG "x", MSG_NOW), LR_WEBHOOK_MISMATCH);
    ck_assert_int_eq(verify(&k, MSG_TS, "v1,g0hM9SsE", MSG_NOW), LR_WEBHOOK_MISMATCH);
    ck_assert_int_eq(verify(&k, MSG_TS, bad, MSG_NOW), LR_WEBHOOK_MISMATCH);
    ck_assert_int_eq(verify(&k, MSG_TS, "", MSG_NOW), LR_WEBHOOK_MISMATCH);
    ck_assert_int_eq(verify(&k, MSG_TS, "   ", MSG_NOW), LR_WEBHOOK_MISMATCH);
}
END_TEST

START_TEST(test_timestamp_tolerance)
{
    struct lr_webhook_key k = key_of(SECRET);
    const char *h = "v1," MSG_SIG;
    ck_assert_int_eq(verify(&k, MSG_TS, h, MSG_NOW + 300), LR_WEBHOOK_VALID);
    ck_assert_int_eq(verify(&k, MSG_TS, h, MSG_NOW - 300), LR_WEBHOOK_VALID);
    ck_assert_int_eq(verify(&k, MSG_TS, h, MSG_NOW + 301), LR_WEBHOOK_STALE);
    ck_assert_int_eq(verify(&k, MSG_TS, h, MSG_NOW - 301), LR_WEBHOOK_STALE);
    ck_assert_int_eq(verify(&k, MSG_TS, h, 0), LR_WEBHOOK_STALE);
    /* Stale wins over a wrong signature: the timestamp is checked first. */
    ck_assert_int_eq(verify(&k, MSG_TS, "v1,nope", MSG_NOW + 301), LR_WEBHOOK_STALE);
    /* A timestamp that is not a number is stale. */
    ck_assert_int_eq(verify(&k, "abc", h, MSG_NOW), LR_WEBHOOK_STALE);
    ck_assert_int_eq(verify(&k, MSG_TS "x", h, MSG_NOW), LR_WEBHOOK_STALE);
    ck_assert_int_eq(verify(&k, "1614265330.0", h, MSG_NOW), LR_WEBHOOK_STALE);
    ck_assert_int_eq(verify(&k, "99999999999999999999999", h, MSG_NOW), LR_WEBHOOK_STALE);
    ck_assert_int_eq(verify(&k, "-99999999999999999999999", h, MSG_NOW), LR_WEBHOOK_STALE);
}
END_TEST

START_TEST(test_missing_headers)
{
    struct lr_webhook_key k = key_of(SECRET);
    ck_assert_int_eq(verify(&k, NULL, "v1," MSG_SIG, MSG_NOW), LR_WEBHOOK_MISSING);
    ck_assert_int_eq(verify(&k, "", "v1," MSG_SIG, MSG_NOW), LR_WEBHOOK_MISSING);
    ck_assert_int_eq(verify(&k, MSG_TS, NULL, MSG_NOW), LR_WEBHOOK_MISSING);
    ck_assert_int_eq(verify(&k, NULL, NULL, MSG_NOW), LR_WEBHOOK_MISSING);
}
END_TEST

Suite *webhook_suite(void)
{
    Suite *s = suite_create("util/webhook");
    TCase *tc = tcase_create("webhook");
    tcase_add_test(tc, test_whsec_key_decoding);
    tcase_add_test(tc, test_raw_secret);
    tcase_add_test(tc, test_bad_secrets);
    tcase_add_test(tc, test_known_vectors);
    tcase_add_test(tc, test_sign_verify_round_trip);
    tcase_add_test(tc, test_multiple_signatures);
    tcase_add_test(tc, test_timestamp_tolerance);
    tcase_add_test(tc, test_missing_headers);
    suite_add_tcase(s, tc);
    return s;
}
