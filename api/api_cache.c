/*
** The verified-token cache (biscuit.h "verified-token cache"): argument
** checks and the decode on a miss; token/cache.c holds the LRU table.
**
** The cache stores token handles and shares them: a hit hands out the
** very handle it holds with one more reference (biscuit_token is
** reference-counted and immutable), so a hit allocates nothing and
** verifies nothing. What is shared is the verified, decoded token, never
** an authorization verdict.
**
** Failures are never cached. A negative entry would be keyed on bytes an
** attacker chooses freely, so garbage could flush the valid tokens out;
** a failure can be transient (out of memory) and would then stick; and a
** bad token costs no more the second time than the first (most are
** refused by the parser before any signature is checked).
*/
#include "api/api_int.h"
#include "token/cache.h"

struct biscuit_cache {
  btk_cache *c;
};

/*
** Bytes charged for a decoded token: the serialized bytes plus an estimate
** of the decoded form (envelope, IR arena, symbol and key tables). Measured
** on the official samples and on generated tokens of 1..256 facts and
** 1..8 blocks: about 15 KiB whatever the token, plus 5 to 8 bytes per
** input byte (expressions cost the most). token/cache.c adds the entry.
*/
#define DECODED_PER_BYTE 7
#define DECODED_FIXED ((size_t)16 * 1024)

static size_t token_cost(size_t len) {
  if (len > (SIZE_MAX - DECODED_FIXED) / (DECODED_PER_BYTE + 1))
    return SIZE_MAX;
  return len * (DECODED_PER_BYTE + 1) + DECODED_FIXED;
}

static void token_ref(void *v) {
  api_token_ref(v);
}

static void token_unref(void *v) {
  biscuit_token_free(v);
}

static const btk_cache_ops token_ops = {token_ref, token_unref};

biscuit_status biscuit_cache_new(size_t max_entries, size_t max_bytes,
                                 biscuit_cache **out, biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!out || !max_entries || !max_bytes)
    return api_misuse(err, "biscuit_cache_new: bad arguments");
  biscuit_cache *h = bx_calloc(1, sizeof *h);
  biscuit_status st =
      h ? btk_cache_new(max_entries, max_bytes, &token_ops, &h->c)
        : BISCUIT_E_NOMEM;
  if (st != BISCUIT_OK) {
    bx_free(h);
    if (st == BISCUIT_E_NOMEM)
      return api_fail(err, st, "NoMemory", "out of memory");
    return api_fail(err, st, "InternalError",
                    "the cache's hash functions could not be set up");
  }
  *out = h;
  return BISCUIT_OK;
}

void biscuit_cache_free(biscuit_cache *c) {
  if (!c)
    return;
  btk_cache_free(c->c);
  bx_free(c);
}

/*
** A miss: the plain decode, then the result offered to the cache. The
** caller's handle is the one stored, so when it is evicted the caller's
** reference keeps it alive.
*/
static biscuit_status miss(biscuit_cache *c, const uint8_t *key,
                           const uint8_t *bytes, size_t len,
                           const biscuit_public_key *root,
                           const biscuit_decode_options *opt,
                           biscuit_token **out, biscuit_error **err) {
  biscuit_status st = biscuit_token_from_bytes(bytes, len, root, opt, out, err);
  if (st == BISCUIT_OK)
    btk_cache_put(c->c, key, *out, token_cost(len));
  return st;
}

/*
** Oversized input bypasses the cache: the decoder refuses it before
** reading it, and hashing it first would let a caller spend our time on
** megabytes that were never going to be a token.
*/
biscuit_status biscuit_cache_token_from_bytes(biscuit_cache *c,
                                              const uint8_t *bytes, size_t len,
                                              const biscuit_public_key *root,
                                              const biscuit_decode_options *opt,
                                              biscuit_token **out,
                                              biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!c || !out || (!bytes && len) || !root)
    return api_misuse(err, "biscuit_cache_token_from_bytes: bad arguments");
  if (!bytes)
    bytes = (const uint8_t *)"";
  btk_decode_opts o = api_decode_opts(opt);
  if (len > o.limits.max_size)
    return biscuit_token_from_bytes(bytes, len, root, opt, out, err);
  uint8_t key[BTK_CACHE_KEY_LEN];
  if (btk_cache_key(c->c, &root->key, &o, bytes, len, key) != BISCUIT_OK)
    return api_fail(err, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  *out = btk_cache_get(c->c, key);
  if (*out)
    return BISCUIT_OK;
  return miss(c, key, bytes, len, root, opt, out, err);
}

void biscuit_cache_stats(const biscuit_cache *c, uint64_t *hits,
                         uint64_t *misses, size_t *entries, size_t *bytes) {
  btk_cache_stats s = {0, 0, 0, 0};
  if (c)
    btk_cache_get_stats(c->c, &s);
  if (hits)
    *hits = s.hits;
  if (misses)
    *misses = s.misses;
  if (entries)
    *entries = s.entries;
  if (bytes)
    *bytes = s.bytes;
}
