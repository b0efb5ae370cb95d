/*
** The verified-token cache's machinery (prefix btk_cache): a bounded LRU
** map from a 32-byte key to an opaque, reference-counted value, safe for
** many threads. api/api_cache.c stores biscuit_token handles in it; this
** layer never looks inside a value, it only takes and drops references
** through the ops the owner supplies.
**
** Keys are SHA-256 digests (btk_cache_key) over everything that decides a
** decode's outcome: the root key, the decode options, the exact bytes.
** Buckets are picked with SipHash under a per-cache random key, so a
** holder who mints many valid tokens by attenuation cannot grind them into
** one chain. Only successful decodes are ever stored (the caller's job).
**
** Every lookup and insert holds one mutex for a few pointer moves; values
** dropped by eviction or by btk_cache_free are released after the mutex
** is let go, and a value handed out stays alive as long as its reference.
*/
#ifndef BISCUIT_TOKEN_CACHE_H
#define BISCUIT_TOKEN_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "token/crypto.h"
#include "token/token.h"

#define BTK_CACHE_KEY_LEN 32

/*
** Bytes charged per entry on top of the caller's cost: the entry itself,
** its bucket slot and the handle around the value.
*/
#define BTK_CACHE_ENTRY_OVERHEAD ((size_t)128)

typedef struct btk_cache btk_cache;

/* How the cache takes and drops references on the values it stores. */
typedef struct btk_cache_ops {
  void (*ref)(void *value);
  void (*unref)(void *value);
} btk_cache_ops;

typedef struct btk_cache_stats {
  uint64_t hits, misses;
  size_t entries, bytes;
} btk_cache_stats;

/*
** A cache holding at most max_entries values and max_bytes of charged
** cost (both non-zero). BISCUIT_E_NOMEM, or BISCUIT_E_MISUSE when a bound
** is zero or the platform's crypto cannot be set up.
*/
biscuit_status btk_cache_new(size_t max_entries, size_t max_bytes,
                             const btk_cache_ops *ops, btk_cache **out);
/* Drops every stored reference. NULL is a no-op. */
void btk_cache_free(btk_cache *c);

/*
** The key of one decode: SHA-256 over a fixed-size header (algorithm, key
** length and bytes, the effective limits and flags) followed by SHA-256 of
** the token bytes. BISCUIT_E_NOMEM when OpenSSL cannot allocate.
*/
biscuit_status btk_cache_key(const btk_cache *c, const btk_pubkey *root,
                             const btk_decode_opts *opt, const uint8_t *bytes,
                             size_t len, uint8_t key[BTK_CACHE_KEY_LEN]);

/*
** The value stored under key with a new reference (ops->ref), now the most
** recently used; NULL on a miss. Counts a hit or a miss.
*/
void *btk_cache_get(btk_cache *c, const uint8_t key[BTK_CACHE_KEY_LEN]);

/*
** Store value under key at `cost` bytes (the overhead is added), taking a
** reference, and evict least-recently-used entries until both bounds
** hold. Best effort: when the key is already present (another thread won
** the race), when the value alone exceeds max_bytes, or when memory runs
** out, nothing is stored and the caller's value is untouched.
*/
void btk_cache_put(btk_cache *c, const uint8_t key[BTK_CACHE_KEY_LEN],
                   void *value, size_t cost);

void btk_cache_get_stats(const btk_cache *c, btk_cache_stats *s);

#endif
