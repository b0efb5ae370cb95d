/*
** The verified-token cache through the public API (biscuit.h
** "verified-token cache"): a hit is the same token as a fresh decode;
** the key covers the exact bytes, the root key and the decode options;
** failures are never stored; LRU eviction by entries and by bytes; tokens
** outlive eviction and the cache; allocation failure at every step of a
** miss and a hit ends cleanly and leaks nothing. Also prints cold
** decode+verify against warm hit time for a 3-block token (no assertion).
*/
#include <biscuit/biscuit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test.h"
#include "util/bx.h"

#define N_TOKENS 4
#define BIG 1000000

/* Token i allows resource "file<i>" for operation "read". */
typedef struct fixture {
  biscuit_keypair *root, *other;
  uint8_t *bytes[N_TOKENS]; /* [0] has 3 blocks, the others 1 */
  size_t len[N_TOKENS];
} fixture;

static fixture fx;

/* ------------------------------------------------------------ fixtures */

static uint8_t *token_bytes(const biscuit_token *t, size_t *len) {
  uint8_t *b = NULL;
  CHECK(biscuit_token_to_bytes(t, &b, len, NULL) == BISCUIT_OK);
  return b;
}

/* Authority block plus `extra` attenuation blocks, as bytes. */
static uint8_t *make_token(int i, int extra, size_t *len) {
  char code[128];
  biscuit_token *t = NULL, *next = NULL;
  snprintf(code, sizeof code, "right(\"file%d\", \"read\"); user(\"u%d\");", i,
           i);
  CHECK(biscuit_token_create(fx.root, code, NULL, &t, NULL) == BISCUIT_OK);
  for (int b = 0; b < extra && t; b++) {
    snprintf(code, sizeof code,
             "check if operation(\"read\"), time($t), "
             "$t < %d;",
             2000000000 + b);
    CHECK(biscuit_token_append(t, code, NULL, &next, NULL) == BISCUIT_OK);
    biscuit_token_free(t);
    t = next;
  }
  uint8_t *bytes = t ? token_bytes(t, len) : NULL;
  biscuit_token_free(t);
  return bytes;
}

static void fixture_init(void) {
  uint8_t seed[32];
  memset(seed, 3, sizeof seed);
  CHECK(biscuit_keypair_from_bytes(BISCUIT_ED25519, seed, 32, &fx.root, NULL) ==
        BISCUIT_OK);
  CHECK(biscuit_keypair_new(BISCUIT_ED25519, &fx.other, NULL) == BISCUIT_OK);
  for (int i = 0; i < N_TOKENS; i++)
    fx.bytes[i] = make_token(i, i == 0 ? 2 : 0, &fx.len[i]);
}

static void fixture_free(void) {
  for (int i = 0; i < N_TOKENS; i++)
    biscuit_free(fx.bytes[i]);
  biscuit_keypair_free(fx.root);
  biscuit_keypair_free(fx.other);
}

static const biscuit_public_key *root_pk(void) {
  return biscuit_keypair_public(fx.root);
}

/* Token i through the cache; NULL on any failure. */
static biscuit_token *get(biscuit_cache *c, int i) {
  biscuit_token *t = NULL;
  if (biscuit_cache_token_from_bytes(c, fx.bytes[i], fx.len[i], root_pk(), NULL,
                                     &t, NULL) != BISCUIT_OK)
    return NULL;
  return t;
}

/* 1 when token i is in the cache (a lookup, which counts and touches). */
static int cached(biscuit_cache *c, int i) {
  uint64_t h0, h1;
  biscuit_cache_stats(c, &h0, NULL, NULL, NULL);
  biscuit_token_free(get(c, i));
  biscuit_cache_stats(c, &h1, NULL, NULL, NULL);
  return h1 == h0 + 1;
}

static size_t cache_entries(const biscuit_cache *c) {
  size_t n = 0;
  biscuit_cache_stats(c, NULL, NULL, &n, NULL);
  return n;
}

/* The full request for token i: allowed for file<i>, read. */
static biscuit_status authorize(const biscuit_token *t, int i) {
  biscuit_authorizer *a = NULL;
  biscuit_limits l = {0, 0, 5000000, 0, 0, 0, 0, 0, 0, 0};
  char code[160];
  size_t index = 9;
  snprintf(code, sizeof code,
           "resource(\"file%d\"); operation(\"read\"); time(1000);"
           "allow if resource($r), operation($o), right($r, $o);",
           i);
  biscuit_status st = biscuit_authorizer_new(NULL, &a, NULL);
  if (st == BISCUIT_OK) {
    biscuit_authorizer_set_limits(a, &l);
    st = biscuit_authorizer_add_token(a, t, NULL);
  }
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_code(a, code, NULL, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_authorize(a, &index, NULL);
  biscuit_authorizer_free(a);
  return st;
}

/* -------------------------------------------------------------- checks */

static void test_misuse(void) {
  biscuit_cache *c = (biscuit_cache *)&fx; /* must be overwritten */
  biscuit_error *e = NULL;
  biscuit_token *t = (biscuit_token *)&fx;
  CHECK(biscuit_cache_new(0, BIG, &c, &e) == BISCUIT_E_MISUSE && !c);
  CHECK(biscuit_error_status(e) == BISCUIT_E_MISUSE);
  biscuit_error_free(e);
  CHECK(biscuit_cache_new(4, 0, &c, NULL) == BISCUIT_E_MISUSE && !c);
  CHECK(biscuit_cache_new(4, BIG, NULL, NULL) == BISCUIT_E_MISUSE);
  CHECK(biscuit_cache_new(4, BIG, &c, NULL) == BISCUIT_OK && c);
  CHECK(biscuit_cache_token_from_bytes(NULL, fx.bytes[1], fx.len[1], root_pk(),
                                       NULL, &t, &e) == BISCUIT_E_MISUSE &&
        !t);
  CHECK(biscuit_error_status(e) == BISCUIT_E_MISUSE);
  biscuit_error_free(e);
  CHECK(biscuit_cache_token_from_bytes(c, fx.bytes[1], fx.len[1], NULL, NULL,
                                       &t, NULL) == BISCUIT_E_MISUSE);
  CHECK(biscuit_cache_token_from_bytes(c, NULL, 5, root_pk(), NULL, &t, NULL) ==
        BISCUIT_E_MISUSE);
  CHECK(biscuit_cache_token_from_bytes(c, fx.bytes[1], fx.len[1], root_pk(),
                                       NULL, NULL, NULL) == BISCUIT_E_MISUSE);
  CHECK(biscuit_cache_token_from_bytes(c, NULL, 0, root_pk(), NULL, &t, NULL) ==
            BISCUIT_E_FORMAT &&
        !t);
  uint64_t h = 9, m = 9;
  size_t n = 9, b = 9;
  biscuit_cache_stats(NULL, &h, &m, &n, &b);
  CHECK(h == 0 && m == 0 && n == 0 && b == 0);
  biscuit_cache_stats(c, NULL, NULL, NULL, NULL);
  biscuit_cache_free(c);
  biscuit_cache_free(NULL);
}

/* Every accessor of a and b agrees, block by block. */
static int same_token(const biscuit_token *a, const biscuit_token *b) {
  size_t n = biscuit_token_block_count(a);
  int ok = n == biscuit_token_block_count(b) && n > 0 &&
           biscuit_token_is_verified(a) == biscuit_token_is_verified(b) &&
           biscuit_token_is_sealed(a) == biscuit_token_is_sealed(b);
  for (size_t i = 0; ok && i < n; i++) {
    char *s[4] = {
        biscuit_token_block_source(a, i), biscuit_token_block_source(b, i),
        biscuit_token_revocation_id(a, i), biscuit_token_revocation_id(b, i)};
    ok = s[0] && s[1] && s[2] && s[3] && !strcmp(s[0], s[1]) &&
         !strcmp(s[2], s[3]) &&
         biscuit_token_block_version(a, i) ==
             biscuit_token_block_version(b, i) &&
         biscuit_token_block_symbol_count(a, i) ==
             biscuit_token_block_symbol_count(b, i);
    for (int k = 0; k < 4; k++)
      biscuit_free(s[k]);
  }
  return ok;
}

static void test_hit_equals_fresh(void) {
  biscuit_cache *c = NULL;
  biscuit_token *fresh = NULL, *t1, *t2;
  uint64_t h = 9, m = 9;
  size_t n = 9, b = 9;
  CHECK(biscuit_cache_new(8, BIG, &c, NULL) == BISCUIT_OK);
  CHECK(biscuit_token_from_bytes(fx.bytes[0], fx.len[0], root_pk(), NULL,
                                 &fresh, NULL) == BISCUIT_OK);
  CHECK((t1 = get(c, 0)) != NULL);
  biscuit_cache_stats(c, &h, &m, &n, &b);
  CHECK(h == 0 && m == 1 && n == 1 && b > fx.len[0]);
  CHECK((t2 = get(c, 0)) != NULL);
  biscuit_cache_stats(c, &h, &m, &n, NULL);
  CHECK(h == 1 && m == 1 && n == 1);
  CHECK(t1 && t2 && biscuit_token_block_count(t2) == 3);
  CHECK(t2 && same_token(t2, fresh) && same_token(t1, fresh));
  uint8_t *again = NULL;
  size_t len = 0;
  CHECK(biscuit_token_to_bytes(t2, &again, &len, NULL) == BISCUIT_OK);
  CHECK(len == fx.len[0] && !memcmp(again, fx.bytes[0], len));
  CHECK(authorize(t2, 0) == BISCUIT_OK && authorize(t2, 1) == BISCUIT_DENIED);
  biscuit_free(again);
  biscuit_token_free(t1);
  biscuit_token_free(t2);
  biscuit_token_free(fresh);
  biscuit_cache_free(c);
}

/*
** A changed byte, another root key, stricter limits: each misses and
** fails, and stays uncached (the next try misses again).
*/
static void test_key_parts(void) {
  biscuit_cache *c = NULL;
  biscuit_token *t = NULL;
  biscuit_error *e = NULL;
  uint64_t m = 0;
  CHECK(biscuit_cache_new(8, BIG, &c, NULL) == BISCUIT_OK);
  biscuit_token_free(get(c, 0));
  uint8_t *bad = malloc(fx.len[0]);
  memcpy(bad, fx.bytes[0], fx.len[0]);
  bad[fx.len[0] - 40] ^= 1; /* inside the last signature or proof */
  const biscuit_public_key *other = biscuit_keypair_public(fx.other);
  biscuit_decode_options two = {0, 2, 0, 0};
  for (int round = 0; round < 2; round++) {
    CHECK(biscuit_cache_token_from_bytes(c, bad, fx.len[0], root_pk(), NULL, &t,
                                         &e) != BISCUIT_OK &&
          !t && e);
    biscuit_error_free(e);
    CHECK(biscuit_cache_token_from_bytes(c, fx.bytes[0], fx.len[0], other, NULL,
                                         &t, &e) == BISCUIT_E_SIGNATURE);
    biscuit_error_free(e);
    CHECK(biscuit_cache_token_from_bytes(c, fx.bytes[0], fx.len[0], root_pk(),
                                         &two, &t, &e) == BISCUIT_E_LIMIT);
    biscuit_error_free(e);
  }
  biscuit_cache_stats(c, NULL, &m, NULL, NULL);
  CHECK(m == 7 && cache_entries(c) == 1);
  free(bad);
  biscuit_cache_free(c);
}

/*
** Options equal to the defaults share the entry; the legacy flag does not
** (what it lets through differs), and both decodes succeed.
*/
static void test_options(void) {
  biscuit_cache *c = NULL;
  biscuit_token *t = NULL;
  biscuit_decode_options dflt = {65536, 64, 0, 0}, legacy = {0, 0, 1, 0};
  CHECK(biscuit_cache_new(8, BIG, &c, NULL) == BISCUIT_OK);
  biscuit_token_free(get(c, 1));
  CHECK(biscuit_cache_token_from_bytes(c, fx.bytes[1], fx.len[1], root_pk(),
                                       &dflt, &t, NULL) == BISCUIT_OK);
  biscuit_token_free(t);
  CHECK(cache_entries(c) == 1);
  CHECK(biscuit_cache_token_from_bytes(c, fx.bytes[1], fx.len[1], root_pk(),
                                       &legacy, &t, NULL) == BISCUIT_OK);
  biscuit_token_free(t);
  CHECK(cache_entries(c) == 2);
  uint64_t h = 0, m = 0;
  biscuit_cache_stats(c, &h, &m, NULL, NULL);
  CHECK(h == 1 && m == 2);
  biscuit_cache_free(c);
}

static void test_invalid_not_cached(void) {
  biscuit_cache *c = NULL;
  biscuit_token *t = NULL;
  const uint8_t junk[] = {0x0a, 0x03, 1, 2, 3, 0xff};
  CHECK(biscuit_cache_new(8, BIG, &c, NULL) == BISCUIT_OK);
  for (int i = 0; i < 3; i++)
    CHECK(biscuit_cache_token_from_bytes(c, junk, sizeof junk, root_pk(), NULL,
                                         &t, NULL) == BISCUIT_E_FORMAT);
  uint64_t h = 9, m = 0;
  biscuit_cache_stats(c, &h, &m, NULL, NULL);
  CHECK(h == 0 && m == 3 && cache_entries(c) == 0);
  /* Past max_size: refused by the decoder, without a lookup. */
  biscuit_decode_options small = {16, 0, 0, 0};
  CHECK(biscuit_cache_token_from_bytes(c, fx.bytes[1], fx.len[1], root_pk(),
                                       &small, &t, NULL) == BISCUIT_E_LIMIT);
  biscuit_cache_stats(c, NULL, &m, NULL, NULL);
  CHECK(m == 3 && !t);
  biscuit_cache_free(c);
}

/* Two entries: A, B, touch A, C -> B is the one evicted. */
static void test_evict_entries(void) {
  biscuit_cache *c = NULL;
  CHECK(biscuit_cache_new(2, BIG, &c, NULL) == BISCUIT_OK);
  biscuit_token_free(get(c, 1));
  biscuit_token_free(get(c, 2));
  CHECK(cached(c, 1));
  biscuit_token_free(get(c, 3));
  CHECK(cache_entries(c) == 2);
  CHECK(cached(c, 1) && cached(c, 3));
  CHECK(!cached(c, 2)); /* and now 2 is back, 1 evicted */
  CHECK(cached(c, 2) && cached(c, 3) && !cached(c, 1));
  biscuit_cache_free(c);
}

/* The bytes one token is charged, read from a scratch cache. */
static size_t charged(int i) {
  biscuit_cache *c = NULL;
  size_t b = 0;
  CHECK(biscuit_cache_new(1, BIG, &c, NULL) == BISCUIT_OK);
  biscuit_token_free(get(c, i));
  biscuit_cache_stats(c, NULL, NULL, NULL, &b);
  biscuit_cache_free(c);
  return b;
}

/* Room for tokens 1 and 2 but not 3 as well: the cold one goes. */
static void test_evict_bytes(void) {
  biscuit_cache *c = NULL;
  size_t b1 = charged(1), b2 = charged(2), b3 = charged(3), b = 0;
  CHECK(b1 > fx.len[1] && b3 > fx.len[3]);
  CHECK(biscuit_cache_new(100, b1 + b2 + b3 - 1, &c, NULL) == BISCUIT_OK);
  biscuit_token_free(get(c, 1));
  biscuit_token_free(get(c, 2));
  CHECK(cached(c, 1));
  biscuit_token_free(get(c, 3));
  biscuit_cache_stats(c, NULL, NULL, NULL, &b);
  CHECK(cache_entries(c) == 2 && b == b1 + b3);
  CHECK(cached(c, 1) && cached(c, 3) && !cached(c, 2));
  biscuit_cache_free(c);
  /* A token larger than the whole budget is returned but not stored. */
  CHECK(biscuit_cache_new(100, b1 - 1, &c, NULL) == BISCUIT_OK);
  biscuit_token *t = get(c, 1);
  CHECK(t && authorize(t, 1) == BISCUIT_OK && cache_entries(c) == 0);
  biscuit_token_free(t);
  biscuit_cache_free(c);
}

/* Tokens handed out survive their eviction and the cache itself. */
static void test_outlives(void) {
  biscuit_cache *c = NULL;
  CHECK(biscuit_cache_new(1, BIG, &c, NULL) == BISCUIT_OK);
  biscuit_token *t1 = get(c, 1), *t1b = get(c, 1);
  biscuit_token *t2 = get(c, 2); /* evicts token 1 */
  CHECK(t1 && t1b && t2 && !cached(c, 1));
  CHECK(authorize(t1, 1) == BISCUIT_OK && authorize(t1, 2) == BISCUIT_DENIED);
  biscuit_token_free(t1);
  CHECK(authorize(t1b, 1) == BISCUIT_OK);
  biscuit_cache_free(c);
  CHECK(authorize(t2, 2) == BISCUIT_OK);
  biscuit_token_free(t1b);
  biscuit_token_free(t2);
}

/* ------------------------------------------------- allocation failure */

static long fail_at, n_allocs;
static int armed; /* count and fail only while the cache is being called */

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  if (armed && ++n_allocs == fail_at)
    return NULL;
  return realloc(ptr, nsize);
}

/*
** The status is OK with a token that authorizes (checked unarmed), or
** NOMEM with an error object and no token.
*/
static int clean(biscuit_status st, biscuit_token *t, biscuit_error *e) {
  if (st != BISCUIT_OK)
    return st == BISCUIT_E_NOMEM && !t && e &&
           biscuit_error_status(e) == BISCUIT_E_NOMEM;
  armed = 0;
  int ok = t && !e && authorize(t, 0) == BISCUIT_OK;
  armed = 1;
  return ok;
}

/* One cache life: new, then a miss and a hit; every failure clean. */
static int one_life(void) {
  biscuit_cache *c = NULL;
  biscuit_token *t[2] = {NULL, NULL};
  biscuit_error *e = NULL;
  armed = 1;
  biscuit_status st = biscuit_cache_new(4, BIG, &c, &e);
  int ok = st == BISCUIT_OK ? c && !e : st == BISCUIT_E_NOMEM && !c && e;
  for (int i = 0; i < 2 && c; i++) {
    biscuit_error_free(e);
    e = NULL;
    st = biscuit_cache_token_from_bytes(c, fx.bytes[0], fx.len[0], root_pk(),
                                        NULL, &t[i], &e);
    ok = ok && clean(st, t[i], e);
  }
  armed = 0;
  biscuit_error_free(e);
  biscuit_token_free(t[0]);
  biscuit_token_free(t[1]);
  biscuit_cache_free(c);
  return ok;
}

/*
** Fail the N-th allocation for every N of one life (cache creation, a
** miss, a hit): each run must end clean and leave nothing allocated.
*/
static void test_alloc_failure(void) {
  bx_set_alloc(failing_alloc, NULL);
  size_t base = bx_alloc_live();
  fail_at = 0;
  n_allocs = 0;
  CHECK(one_life());
  long total = n_allocs;
  int bad = 0;
  for (fail_at = 1; fail_at <= total; fail_at++) {
    n_allocs = 0;
    if (!one_life() || bx_alloc_live() != base) {
      bad++;
      fprintf(stderr, "alloc failure %ld: unclean, %zu bytes live\n", fail_at,
              bx_alloc_live() - base);
    }
  }
  CHECK(bad == 0 && total > 10);
  printf("alloc failure: %ld allocations in one life, each failed once\n",
         total);
  fail_at = 0;
  bx_set_alloc(NULL, NULL);
}

/* A hit allocates nothing, so it cannot fail for want of memory. */
static void test_hit_allocates_nothing(void) {
  biscuit_cache *c = NULL;
  bx_set_alloc(failing_alloc, NULL);
  CHECK(biscuit_cache_new(4, BIG, &c, NULL) == BISCUIT_OK);
  biscuit_token *t = get(c, 0), *t2 = NULL;
  n_allocs = 0;
  fail_at = 1;
  armed = 1;
  CHECK(biscuit_cache_token_from_bytes(c, fx.bytes[0], fx.len[0], root_pk(),
                                       NULL, &t2, NULL) == BISCUIT_OK);
  armed = 0;
  CHECK(t2 == t && n_allocs == 0);
  fail_at = 0;
  biscuit_token_free(t);
  biscuit_token_free(t2);
  biscuit_cache_free(c);
  bx_set_alloc(NULL, NULL);
}

/* ------------------------------------------------------------- timing */

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Mean ns of n decodes of token 0, through the cache (warm) or not. */
static double mean_ns(biscuit_cache *c, int n) {
  double t0 = now_ns();
  for (int i = 0; i < n; i++) {
    biscuit_token *t = NULL;
    biscuit_status st =
        c ? biscuit_cache_token_from_bytes(c, fx.bytes[0], fx.len[0], root_pk(),
                                           NULL, &t, NULL)
          : biscuit_token_from_bytes(fx.bytes[0], fx.len[0], root_pk(), NULL,
                                     &t, NULL);
    if (st != BISCUIT_OK)
      t_fail++;
    biscuit_token_free(t);
  }
  return (now_ns() - t0) / n;
}

static void measure(void) {
  biscuit_cache *c = NULL;
  CHECK(biscuit_cache_new(16, BIG, &c, NULL) == BISCUIT_OK);
  size_t live = bx_alloc_live();
  biscuit_token *t = get(c, 0);
  size_t decoded = bx_alloc_live() - live, b = 0;
  biscuit_cache_stats(c, NULL, NULL, NULL, &b);
  biscuit_token_free(t);
  mean_ns(NULL, 50);
  double cold = mean_ns(NULL, 500), warm = mean_ns(c, 5000);
  printf("3-block token, %zu bytes: decoded %zu bytes live, charged %zu\n",
         fx.len[0], decoded, b);
  printf("cold decode+verify %.0f ns, warm hit %.0f ns, hit/cold %.4f\n", cold,
         warm, warm / cold);
  biscuit_cache_free(c);
}

int main(void) {
  fixture_init();
  test_misuse();
  test_hit_equals_fresh();
  test_key_parts();
  test_options();
  test_invalid_not_cached();
  test_evict_entries();
  test_evict_bytes();
  test_outlives();
  test_hit_allocates_nothing();
  test_alloc_failure();
  measure();
  fixture_free();
  TEST_DONE();
}
