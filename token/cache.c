/*
** The verified-token cache (token/cache.h): a hash table of chained
** entries threaded on one doubly linked LRU list, under one mutex.
**
** The list has a sentinel: lru.next is the most recently used entry,
** lru.prev the next one to evict. The table starts small and doubles as
** entries arrive, up to one bucket per allowed entry; a failed doubling
** only lengthens chains. Values leave the cache (eviction, free) through
** a private list that is released after the mutex is dropped, so a
** token's destructor never runs while other threads wait on the lock.
*/
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "token/cache.h"

#define MIN_BUCKETS ((size_t)16)
#define MAX_BUCKETS ((size_t)1 << 24)
#define KEY_TAG "biscuit-cache-v1" /* 16 bytes: versions the key layout */

typedef struct entry {
  uint8_t key[BTK_CACHE_KEY_LEN];
  size_t bucket_hash;
  void *value;
  size_t cost;               /* charged bytes, overhead included */
  struct entry *chain;       /* next in bucket, or next on a release list */
  struct entry *prev, *next; /* LRU list */
} entry;

struct btk_cache {
  pthread_mutex_t lock;
  btk_cache_ops ops;
  size_t max_entries, max_bytes;
  entry **buckets;
  size_t n_buckets, max_buckets; /* powers of two */
  entry lru;                     /* sentinel */
  size_t entries, bytes;
  uint64_t hits, misses;
  uint8_t sip_key[crypto_shorthash_KEYBYTES];
  EVP_MD *sha256;
};

/* ------------------------------------------------------------ helpers */

/* Smallest power of two >= n, within [MIN_BUCKETS, MAX_BUCKETS]. */
static size_t pow2_at_least(size_t n) {
  size_t p = MIN_BUCKETS;
  while (p < n && p < MAX_BUCKETS)
    p <<= 1;
  return p;
}

/*
** The bucket hash: SipHash-2-4 of the key under the cache's secret. The
** key is already a SHA-256 digest, but its low bits are the attacker's to
** choose by trial (attenuating a token is free), so the digest is not
** used as the index directly.
*/
static size_t bucket_hash(const btk_cache *c, const uint8_t *key) {
  uint8_t h[crypto_shorthash_BYTES];
  uint64_t v;
  crypto_shorthash(h, key, BTK_CACHE_KEY_LEN, c->sip_key);
  memcpy(&v, h, sizeof v);
  return (size_t)v;
}

static entry **slot(const btk_cache *c, size_t hash) {
  return &c->buckets[hash & (c->n_buckets - 1)];
}

static void lru_unlink(entry *e) {
  e->prev->next = e->next;
  e->next->prev = e->prev;
}

static void lru_push_front(btk_cache *c, entry *e) {
  e->prev = &c->lru;
  e->next = c->lru.next;
  c->lru.next->prev = e;
  c->lru.next = e;
}

static entry *find(const btk_cache *c, const uint8_t *key, size_t hash) {
  for (entry *e = *slot(c, hash); e; e = e->chain)
    if (e->bucket_hash == hash && !memcmp(e->key, key, BTK_CACHE_KEY_LEN))
      return e;
  return NULL;
}

/* Unlink e from its bucket chain. */
static void chain_remove(btk_cache *c, entry *e) {
  entry **p = slot(c, e->bucket_hash);
  while (*p != e)
    p = &(*p)->chain;
  *p = e->chain;
}

/* Drop references and entries gathered under the lock (lock not held). */
static void release_list(const btk_cache_ops *ops, entry *list) {
  while (list) {
    entry *next = list->chain;
    ops->unref(list->value);
    bx_free(list);
    list = next;
  }
}

/* ------------------------------------------------------------ lifetime */

/*
** The SHA-256 implementation is fetched once here: an implicit fetch on
** every digest takes the provider store's lock, which would serialise
** threads on the one path this cache exists to make fast.
*/
static biscuit_status cache_init(btk_cache *c, size_t max_entries,
                                 size_t max_bytes, const btk_cache_ops *ops) {
  if (sodium_init() < 0)
    return BISCUIT_E_MISUSE;
  c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  if (!c->sha256)
    return BISCUIT_E_NOMEM;
  if (pthread_mutex_init(&c->lock, NULL) != 0) {
    EVP_MD_free(c->sha256);
    return BISCUIT_E_NOMEM;
  }
  c->ops = *ops;
  c->max_entries = max_entries;
  c->max_bytes = max_bytes;
  c->max_buckets = pow2_at_least(max_entries);
  c->lru.next = c->lru.prev = &c->lru;
  crypto_shorthash_keygen(c->sip_key);
  return BISCUIT_OK;
}

biscuit_status btk_cache_new(size_t max_entries, size_t max_bytes,
                             const btk_cache_ops *ops, btk_cache **out) {
  *out = NULL;
  if (!max_entries || !max_bytes || !ops || !ops->ref || !ops->unref)
    return BISCUIT_E_MISUSE;
  btk_cache *c = bx_calloc(1, sizeof *c);
  if (!c)
    return BISCUIT_E_NOMEM;
  c->n_buckets = pow2_at_least(max_entries < 64 ? max_entries : 64);
  c->buckets = bx_calloc(c->n_buckets, sizeof *c->buckets);
  biscuit_status st =
      c->buckets ? cache_init(c, max_entries, max_bytes, ops) : BISCUIT_E_NOMEM;
  if (st != BISCUIT_OK) {
    bx_free(c->buckets);
    bx_free(c);
    return st;
  }
  *out = c;
  return BISCUIT_OK;
}

/*
** Nothing else may use the cache by now (the caller's contract), so the
** entries are released without the lock; each value survives for as long
** as someone else holds a reference to it.
*/
void btk_cache_free(btk_cache *c) {
  if (!c)
    return;
  for (entry *e = c->lru.next; e != &c->lru;) {
    entry *next = e->next;
    c->ops.unref(e->value);
    bx_free(e);
    e = next;
  }
  bx_free(c->buckets);
  EVP_MD_free(c->sha256);
  pthread_mutex_destroy(&c->lock);
  bx_free(c);
}

/* ------------------------------------------------------------------ key */

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

/*
** Two one-shot digests: the token bytes first, then a fixed-layout header
** carrying that digest. Every field has a fixed width, so no two distinct
** (key, options, bytes) triples share a header, and the outer digest is
** as collision-resistant as SHA-256 itself; the bytes are never copied.
*/
biscuit_status btk_cache_key(const btk_cache *c, const btk_pubkey *root,
                             const btk_decode_opts *opt, const uint8_t *bytes,
                             size_t len, uint8_t key[BTK_CACHE_KEY_LEN]) {
  uint8_t h[16 + 2 + BTK_PUBKEY_MAX + 8 + 8 + 8 + 1 + 32];
  uint8_t *p = h;
  memset(h, 0, sizeof h);
  memcpy(p, KEY_TAG, 16);
  p += 16;
  *p++ = (uint8_t)root->alg;
  *p++ = root->len;
  memcpy(p, root->bytes, root->len <= BTK_PUBKEY_MAX ? root->len : 0);
  p += BTK_PUBKEY_MAX;
  put_u64(p, opt->limits.max_size);
  put_u64(p + 8, opt->limits.max_blocks);
  put_u64(p + 16, opt->limits.max_depth);
  p += 24;
  *p++ = opt->unsafe_legacy_third_party ? 1 : 0;
  if (!EVP_Digest(bytes, len, p, NULL, c->sha256, NULL) ||
      !EVP_Digest(h, sizeof h, key, NULL, c->sha256, NULL))
    return BISCUIT_E_NOMEM;
  return BISCUIT_OK;
}

/* ------------------------------------------------------------- lookups */

void *btk_cache_get(btk_cache *c, const uint8_t key[BTK_CACHE_KEY_LEN]) {
  size_t hash = bucket_hash(c, key);
  void *value = NULL;
  pthread_mutex_lock(&c->lock);
  entry *e = find(c, key, hash);
  if (e) {
    lru_unlink(e);
    lru_push_front(c, e);
    c->ops.ref(e->value);
    value = e->value;
    c->hits++;
  } else {
    c->misses++;
  }
  pthread_mutex_unlock(&c->lock);
  return value;
}

/* Double the table when it is as full as it has buckets (lock held). */
static void maybe_grow(btk_cache *c) {
  if (c->entries < c->n_buckets || c->n_buckets >= c->max_buckets)
    return;
  size_t n = c->n_buckets * 2;
  entry **b = bx_calloc(n, sizeof *b);
  if (!b)
    return;
  for (size_t i = 0; i < c->n_buckets; i++) {
    for (entry *e = c->buckets[i], *next; e; e = next) {
      next = e->chain;
      e->chain = b[e->bucket_hash & (n - 1)];
      b[e->bucket_hash & (n - 1)] = e;
    }
  }
  bx_free(c->buckets);
  c->buckets = b;
  c->n_buckets = n;
}

/*
** Evict from the cold end until both bounds hold (lock held). `keep` is
** the entry just inserted, which fits alone and so is never reached.
** Returns the evicted entries as a release list.
*/
static entry *evict(btk_cache *c, const entry *keep) {
  entry *out = NULL;
  while ((c->entries > c->max_entries || c->bytes > c->max_bytes) &&
         c->lru.prev != keep) {
    entry *e = c->lru.prev;
    lru_unlink(e);
    chain_remove(c, e);
    c->entries--;
    c->bytes -= e->cost;
    e->chain = out;
    out = e;
  }
  return out;
}

/* Link e in (lock held, key known absent). */
static void insert(btk_cache *c, entry *e) {
  maybe_grow(c);
  entry **s = slot(c, e->bucket_hash);
  e->chain = *s;
  *s = e;
  lru_push_front(c, e);
  c->ops.ref(e->value);
  c->entries++;
  c->bytes += e->cost;
}

void btk_cache_put(btk_cache *c, const uint8_t key[BTK_CACHE_KEY_LEN],
                   void *value, size_t cost) {
  if (c->max_bytes < BTK_CACHE_ENTRY_OVERHEAD ||
      cost > c->max_bytes - BTK_CACHE_ENTRY_OVERHEAD)
    return;
  entry *e = bx_calloc(1, sizeof *e);
  if (!e)
    return;
  memcpy(e->key, key, BTK_CACHE_KEY_LEN);
  e->bucket_hash = bucket_hash(c, key);
  e->value = value;
  e->cost = cost + BTK_CACHE_ENTRY_OVERHEAD;
  entry *gone = NULL;
  bool stored = false;
  pthread_mutex_lock(&c->lock);
  if (!find(c, key, e->bucket_hash)) {
    insert(c, e);
    gone = evict(c, e);
    stored = true;
  }
  pthread_mutex_unlock(&c->lock);
  if (!stored)
    bx_free(e);
  release_list(&c->ops, gone);
}

void btk_cache_get_stats(const btk_cache *c, btk_cache_stats *s) {
  pthread_mutex_t *lock = (pthread_mutex_t *)&c->lock;
  pthread_mutex_lock(lock);
  s->hits = c->hits;
  s->misses = c->misses;
  s->entries = c->entries;
  s->bytes = c->bytes;
  pthread_mutex_unlock(lock);
}
