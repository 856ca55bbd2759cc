/* routing/redecide.c: review resolution and the simulation's replay are the lead rule
 * itself, so replaying a stored decision under the rules it was made with gives it
 * back, for every combination of signals. */
#include <stdint.h>
#include <string.h>

#include "routing/redecide.h"
#include "fixtures.h"
#include "suites.h"

static struct lr_named_facts owner(const char *id, enum lr_segment seg, bool active)
{
    struct lr_named_facts n = {.found = true, .owner_segment = seg, .owner_active = active};
    strcpy(n.owner_id, id);
    return n;
}

START_TEST(test_resolution_named_owner_in_queue)
{
    struct lr_decision d;
    struct lr_named_facts n = owner("st-1", LR_SEG_STRATEGIC, true);
    lr_route_resolution(&R, LR_SEG_STRATEGIC, "acme.io", &n, &d);
    ck_assert_int_eq(d.queue, LR_SEG_STRATEGIC);
    ck_assert_int_eq(d.reason, LR_REASON_REVIEW_RESOLUTION);
    ck_assert_int_eq(d.mode, LR_ASSIGN_REP);
    ck_assert_str_eq(d.rep_id, "st-1");
}
END_TEST

START_TEST(test_resolution_round_robin_otherwise)
{
    struct lr_decision d;
    struct lr_named_facts other = owner("st-1", LR_SEG_STRATEGIC, true);
    struct lr_named_facts paused = owner("mm-1", LR_SEG_MID_MARKET, false);
    struct lr_named_facts none = {0};
    /* An owner of another segment does not follow the account into this queue. */
    lr_route_resolution(&R, LR_SEG_MID_MARKET, "acme.io", &other, &d);
    ck_assert_int_eq(d.mode, LR_ASSIGN_ROUND_ROBIN);
    ck_assert_int_eq(d.queue, LR_SEG_MID_MARKET);
    ck_assert_str_eq(d.rep_id, "");
    lr_route_resolution(&R, LR_SEG_MID_MARKET, "acme.io", &paused, &d);
    ck_assert_int_eq(d.mode, LR_ASSIGN_ROUND_ROBIN);
    lr_route_resolution(&R, LR_SEG_SMB, "acme.io", &none, &d);
    ck_assert_int_eq(d.mode, LR_ASSIGN_ROUND_ROBIN);
    ck_assert_int_eq(d.queue, LR_SEG_SMB);
    lr_route_resolution(&R, LR_SEG_SMB, NULL, NULL, &d);
    ck_assert_int_eq(d.mode, LR_ASSIGN_ROUND_ROBIN);
    /* A free-mail domain never matches a named account, even one listed before the
     * rules called it free mail. */
    struct lr_named_facts gm = owner("st-1", LR_SEG_STRATEGIC, true);
    lr_route_resolution(&R, LR_SEG_STRATEGIC, "gmail.com", &gm, &d);
    ck_assert_int_eq(d.mode, LR_ASSIGN_ROUND_ROBIN);
    ck_assert(!d.named);
}
END_TEST

/* What the service records with a decision, read back as the simulation reads it. */
static struct lr_recorded_lead recorded(const char *domain, const struct lr_lead_facts *ev,
                                        const struct lr_decision *d)
{
    struct lr_recorded_lead rec = {.domain = domain, .event = *ev};
    rec.account.found = d->account_matched;
    struct lr_opt_i64 *acct[] = {&rec.account.employees, &rec.account.acv_cents, &rec.account.fit};
    for (int k = 0; k < LR_SIGNAL_COUNT; k++)
        if (d->signals[k].source == LR_SRC_ENRICHMENT)
            *acct[k] = opt(d->signals[k].value);
    if (d->named) {
        rec.named.found = true;
        strcpy(rec.named.owner_id, d->named_owner);
        rec.named.owner_segment = d->queue;
        rec.named.owner_active = d->reason == LR_REASON_NAMED_ACCOUNT;
    }
    return rec;
}

static void assert_same(const struct lr_decision *a, const struct lr_decision *b)
{
    ck_assert_int_eq(a->queue, b->queue);
    ck_assert_int_eq(a->reason, b->reason);
    ck_assert_int_eq(a->composite, b->composite);
    ck_assert_int_eq(a->named, b->named);
    for (int k = 0; k < LR_SIGNAL_COUNT; k++) {
        ck_assert_int_eq(a->signals[k].present, b->signals[k].present);
        ck_assert_int_eq(a->signals[k].value, b->signals[k].value);
        ck_assert_int_eq(a->signals[k].vote, b->signals[k].vote);
    }
}

/* Every combination of missing/smb/mm/strategic values from the event and from
 * enrichment, with and without a named owner: the replay agrees with the decision. */
START_TEST(test_replay_under_same_rules_is_identity)
{
    static const int64_t EMP[] = {NONE, 10, 200, 5000};
    static const int64_t ACV[] = {NONE, 100000, 10000000, 100000000};
    static const int64_t FIT[] = {NONE, 10, 60, 90};
    long n = 0;
    for (int mask = 0; mask < 4 * 4 * 4 * 4 * 4 * 4; mask++) {
        int m = mask;
        struct lr_lead_facts ev = {opt(EMP[m % 4]), opt(ACV[(m / 4) % 4]), opt(FIT[(m / 16) % 4])};
        m /= 64;
        struct lr_account_facts acct = {true, opt(EMP[m % 4]), opt(ACV[(m / 4) % 4]),
                                        opt(FIT[(m / 16) % 4])};
        for (int named = 0; named < 3; named++) {
            struct lr_named_facts nf = {0};
            if (named == 1)
                nf = owner("mm-1", LR_SEG_MID_MARKET, true);
            if (named == 2)
                nf = owner("st-1", LR_SEG_STRATEGIC, false);
            struct lr_decision live, replay;
            lr_route_lead_at(&R, "acme.io", &ev, &acct, &nf, &live);
            struct lr_recorded_lead rec = recorded("acme.io", &ev, &live);
            lr_route_recorded(&R, &rec, &replay);
            assert_same(&live, &replay);
            n++;
        }
    }
    ck_assert_int_eq(n, 4096 * 3);
}
END_TEST

START_TEST(test_replay_under_proposed_rules)
{
    struct lr_lead_facts ev = {opt(5000), opt(100000000), opt(90)}; /* strategic by the form */
    struct lr_account_facts acct = {true, opt(10), opt(100000), opt(10)}; /* smb by the vendor */
    struct lr_named_facts none = {0};
    struct lr_decision live, replay;
    lr_route_lead_at(&R, "corp.example", &ev, &acct, &none, &live);
    ck_assert_int_eq(live.queue, LR_SEG_SMB);
    struct lr_recorded_lead rec = recorded("corp.example", &ev, &live);

    /* New bands: 10 employees and fit 10 now vote mid_market. */
    struct lr_rules p;
    ck_assert_int_eq(lr_rules_copy(&p, &R), 0);
    p.bands[LR_SIG_EMPLOYEES].mid_market_min = 5;
    p.bands[LR_SIG_FIT].mid_market_min = 5;
    lr_route_recorded(&p, &rec, &replay);
    ck_assert_int_eq(replay.queue, LR_SEG_MID_MARKET);
    ck_assert_int_eq(replay.signals[LR_SIG_EMPLOYEES].source, LR_SRC_ENRICHMENT);
    lr_rules_free(&p);

    /* The domain becomes free mail: the enrichment no longer counts, the form does. */
    const char *fm[] = {"corp.example"};
    struct lr_rules q = R;
    q.freemail = (char **)fm;
    q.freemail_count = 1;
    lr_route_recorded(&q, &rec, &replay);
    ck_assert_int_eq(replay.queue, LR_SEG_STRATEGIC);
    ck_assert_int_eq(replay.signals[LR_SIG_EMPLOYEES].source, LR_SRC_EVENT);
    ck_assert(!replay.account_matched);

    /* A named-account decision stays with the owner's segment whatever the bands. */
    struct lr_named_facts nf = owner("st-1", LR_SEG_STRATEGIC, true);
    lr_route_lead_at(&R, "corp.example", &ev, &acct, &nf, &live);
    ck_assert_int_eq(live.reason, LR_REASON_NAMED_ACCOUNT);
    rec = recorded("corp.example", &ev, &live);
    ck_assert_int_eq(lr_rules_copy(&p, &R), 0);
    p.bands[LR_SIG_EMPLOYEES].mid_market_min = 5;
    p.bands[LR_SIG_FIT].mid_market_min = 5;
    lr_route_recorded(&p, &rec, &replay);
    ck_assert_int_eq(replay.queue, LR_SEG_STRATEGIC);
    ck_assert_int_eq(replay.reason, LR_REASON_NAMED_ACCOUNT);
    ck_assert_int_eq(replay.composite, LR_SEG_MID_MARKET);
    lr_rules_free(&p);
}
END_TEST

Suite *redecide_suite(void)
{
    Suite *s = suite_create("redecide");
    TCase *tc = tcase_create("redecide");
    tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
    tcase_add_test(tc, test_resolution_named_owner_in_queue);
    tcase_add_test(tc, test_resolution_round_robin_otherwise);
    tcase_add_test(tc, test_replay_under_same_rules_is_identity);
    tcase_add_test(tc, test_replay_under_proposed_rules);
    suite_add_tcase(s, tc);
    return s;
}
