/* The read lane's thread owns the maps; the writer lane only reads `current` and sets
 * `stale`, both atomics. An account is kept in 16 bytes (-1 for a missing value); with
 * its domain and its slots in the map, about 75 bytes. */
#include "service/routing_cache.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "db/routing_cache_store.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/time.h"

/* After a failed read, leads are decided from reads for this long before the cache is
 * read again: a read that keeps failing (a deadline too short for a full load, say)
 * must not cost every batch its wait. */
enum { RETRY_AFTER_USEC = 5 * 1000 * 1000 };

struct account {
    int64_t acv_cents;
    int32_t employees;
    int16_t fit;
};

struct lr_routing_cache {
    size_t max_accounts;
    bool loaded;
    int64_t retry_at_usec; /* monotonic; no read before it */
    int64_t v, rules_version;
    char period[LR_PERIOD_LEN + 1];
    atomic_bool stale;
    _Atomic int64_t current;
    atomic_bool off; /* over max_accounts: for good (read by /metrics too) */
    /* for /metrics */
    _Atomic uint64_t accounts_pub, reads, stale_batches;
    struct lr_strmap account_of; /* domain -> index in accounts */
    struct account *accounts;
    size_t naccounts, accounts_cap;
    struct lr_strmap named_of; /* domain -> index in named */
    struct lr_named_facts *named;
    size_t nnamed, named_cap;
    /* during a read */
    bool over;
};

struct lr_routing_cache *lr_routing_cache_new(size_t max_accounts)
{
    if (max_accounts == 0)
        return NULL;
    struct lr_routing_cache *rc = calloc(1, sizeof *rc);
    if (rc == NULL)
        return NULL;
    rc->max_accounts = max_accounts;
    atomic_init(&rc->stale, false);
    atomic_init(&rc->current, 0);
    atomic_init(&rc->off, false);
    atomic_init(&rc->accounts_pub, 0);
    atomic_init(&rc->reads, 0);
    atomic_init(&rc->stale_batches, 0);
    return rc;
}

static void clear_accounts(struct lr_routing_cache *rc)
{
    lr_strmap_clear(&rc->account_of);
    free(rc->accounts);
    rc->accounts = NULL;
    rc->naccounts = rc->accounts_cap = 0;
}

static void clear_named(struct lr_routing_cache *rc)
{
    lr_strmap_clear(&rc->named_of);
    free(rc->named);
    rc->named = NULL;
    rc->nnamed = rc->named_cap = 0;
}

void lr_routing_cache_free(struct lr_routing_cache *rc)
{
    if (rc == NULL)
        return;
    clear_accounts(rc);
    clear_named(rc);
    free(rc);
}

/* Room for one more element in *items (count n, capacity *cap). */
static int reserve(void **items, size_t size, size_t n, size_t *cap)
{
    if (n < *cap)
        return 0;
    size_t want = *cap ? *cap * 2 : 1024;
    void *p = realloc(*items, want * size);
    if (p == NULL)
        return -1;
    *items = p;
    *cap = want;
    return 0;
}

static int on_begin(void *arg, const struct lr_routing_head *head)
{
    struct lr_routing_cache *rc = arg;
    if (!rc->loaded || head->accounts_reset > rc->v)
        clear_accounts(rc);
    clear_named(rc);
    rc->over = false;
    rc->v = head->v;
    rc->rules_version = head->rules_version;
    return 0;
}

static int on_account(void *arg, const char *domain, const struct lr_account_facts *f)
{
    struct lr_routing_cache *rc = arg;
    if (rc->over)
        return 0;
    uint32_t i;
    if (!lr_strmap_get(&rc->account_of, domain, &i)) {
        if (rc->naccounts == rc->max_accounts) {
            rc->over = true;
            clear_accounts(rc);
            return 0;
        }
        if (reserve((void **)&rc->accounts, sizeof *rc->accounts, rc->naccounts,
                    &rc->accounts_cap) != 0 ||
            lr_strmap_put(&rc->account_of, domain, (uint32_t)rc->naccounts) != 0)
            return -1;
        i = (uint32_t)rc->naccounts++;
    }
    rc->accounts[i] = (struct account){
        .acv_cents = f->acv_cents.present ? f->acv_cents.v : -1,
        .employees = f->employees.present ? (int32_t)f->employees.v : -1,
        .fit = f->fit.present ? (int16_t)f->fit.v : -1,
    };
    return 0;
}

static int on_named(void *arg, const char *domain, const struct lr_named_facts *f)
{
    struct lr_routing_cache *rc = arg;
    if (reserve((void **)&rc->named, sizeof *rc->named, rc->nnamed, &rc->named_cap) != 0 ||
        lr_strmap_put(&rc->named_of, domain, (uint32_t)rc->nnamed) != 0)
        return -1;
    rc->named[rc->nnamed++] = *f;
    return 0;
}

enum lr_db_status lr_routing_cache_refresh(struct lr_routing_cache *rc, struct lr_db_conn *c,
                                           const char *period, bool *usable)
{
    *usable = false;
    if (atomic_load(&rc->off) || lr_now_mono_usec() < rc->retry_at_usec)
        return LR_DB_OK;
    bool stale = atomic_exchange(&rc->stale, false);
    if (rc->loaded && !stale && strcmp(rc->period, period) == 0) {
        *usable = true;
        return LR_DB_OK;
    }
    struct lr_routing_sink sink = {on_begin, on_account, on_named, rc};
    enum lr_db_status s = lr_routing_cache_read(c, rc->loaded ? rc->v : 0, period, &sink);
    atomic_fetch_add(&rc->reads, 1);
    if (s != LR_DB_OK || rc->over) {
        /* Half read, or too big: nothing of it may be used. */
        clear_accounts(rc);
        clear_named(rc);
        rc->loaded = false;
        atomic_store(&rc->current, 0);
        atomic_store(&rc->accounts_pub, 0);
        if (s == LR_DB_OK) {
            atomic_store(&rc->off, true);
            lr_log(LR_LOG_WARN, "routing cache off: more accounts than routing_cache_accounts",
                   json_pack("{s:I}", "routing_cache_accounts", (json_int_t)rc->max_accounts));
        } else {
            rc->retry_at_usec = lr_now_mono_usec() + RETRY_AFTER_USEC;
            atomic_store(&rc->stale, true);
            lr_log(LR_LOG_WARN, "routing cache not read; leads are decided from reads meanwhile",
                   json_pack("{s:s, s:i}", "error", c->last_error, "retry_in_seconds",
                             RETRY_AFTER_USEC / 1000000));
        }
        return s;
    }
    rc->loaded = true;
    memcpy(rc->period, period, sizeof rc->period);
    atomic_store(&rc->current, rc->v);
    atomic_store(&rc->accounts_pub, rc->naccounts);
    *usable = true;
    return LR_DB_OK;
}

void lr_routing_cache_lookup(const struct lr_routing_cache *rc, const char *domain,
                             struct lr_account_facts *account, struct lr_named_facts *named)
{
    *account = (struct lr_account_facts){0};
    *named = (struct lr_named_facts){0};
    uint32_t i;
    if (domain == NULL)
        return;
    if (lr_strmap_get(&rc->account_of, domain, &i)) {
        const struct account *a = &rc->accounts[i];
        account->found = true;
        account->employees = (struct lr_opt_i64){a->employees >= 0, a->employees};
        account->acv_cents = (struct lr_opt_i64){a->acv_cents >= 0, a->acv_cents};
        account->fit = (struct lr_opt_i64){a->fit >= 0, a->fit};
    }
    if (lr_strmap_get(&rc->named_of, domain, &i))
        *named = rc->named[i];
}

int64_t lr_routing_cache_rules_version(const struct lr_routing_cache *rc)
{
    return rc->rules_version;
}

void lr_routing_cache_mark_stale(struct lr_routing_cache *rc, int64_t v)
{
    atomic_fetch_add(&rc->stale_batches, 1);
    if (v >= atomic_load(&rc->current))
        atomic_store(&rc->stale, true);
}

int64_t lr_routing_cache_current(const struct lr_routing_cache *rc)
{
    struct lr_routing_cache *m = (struct lr_routing_cache *)rc; /* atomics only */
    return atomic_load(&m->current);
}

void lr_routing_cache_figures(const struct lr_routing_cache *rc,
                              struct lr_routing_cache_figures *out)
{
    struct lr_routing_cache *m = (struct lr_routing_cache *)rc; /* atomics only */
    out->accounts = atomic_load(&m->accounts_pub);
    out->reads = atomic_load(&m->reads);
    out->stale_batches = atomic_load(&m->stale_batches);
    out->off = atomic_load(&m->off);
}
