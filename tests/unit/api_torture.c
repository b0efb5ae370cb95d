/*
** Allocation failure torture through the public API (curl's -t): one
** request end to end (keys, create, append, encode, decode, policy set,
** authorizer with an extern function, denial details, JSON, query, world
** dump) is run once per allocation, failing the N-th one. Every run must
** end in the true verdict (denied) or BISCUIT_E_NOMEM, never in "allowed",
** and must free everything it allocated. A second scenario, a token
** holder's and a busy service's, covers the rest of the API that
** allocates: keys from text, parameters of every type, base64, sealing,
** block sources and revocation ids, the verified-token cache, the time
** fact, the world as text, the explanation and a parse error's report.
*/
#include <biscuit/biscuit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "test_alloc.h"
#include "util/bx.h"


static int twice(void *ud, const char *name, const char *recv, const char *arg,
                 char **result) {
  (void)ud;
  if (strcmp(name, "twice") != 0 || arg)
    return -1;
  char buf[32];
  snprintf(buf, sizeof buf, "%lld", 2 * atoll(recv));
  *result = malloc(strlen(buf) + 1);
  if (!*result)
    return 1;
  strcpy(*result, buf);
  return 0;
}

typedef struct run {
  biscuit_keypair *root;
  biscuit_params *params;
  biscuit_token *t1, *t2, *t3;
  biscuit_policy *policy;
  biscuit_authorizer *a;
  biscuit_error *e;
  uint8_t *bytes;
  char *text[4];
} run;

static void run_free(run *r) {
  biscuit_keypair_free(r->root);
  biscuit_params_free(r->params);
  biscuit_token_free(r->t1);
  biscuit_token_free(r->t2);
  biscuit_token_free(r->t3);
  biscuit_authorizer_free(r->a);
  biscuit_policy_free(r->policy);
  biscuit_error_free(r->e);
  biscuit_free(r->bytes);
  for (int i = 0; i < 4; i++)
    biscuit_free(r->text[i]);
}

/* Build the token and decode it back, verified. */
static biscuit_status make_token(run *r) {
  uint8_t seed[32];
  memset(seed, 7, sizeof seed);
  size_t len = 0;
  biscuit_status st =
      biscuit_keypair_from_bytes(BISCUIT_ED25519, seed, 32, &r->root, NULL);
  r->params = st == BISCUIT_OK ? biscuit_params_new() : NULL;
  if (st == BISCUIT_OK && !r->params)
    st = BISCUIT_E_NOMEM;
  if (st == BISCUIT_OK)
    st = biscuit_params_string(r->params, "f", "file1");
  biscuit_block_options opt = {r->params, NULL, 0, 0, NULL};
  if (st == BISCUIT_OK)
    st = biscuit_token_create(r->root,
                              "right({f}, \"read\"); r($x) <- right($x, "
                              "\"read\");",
                              &opt, &r->t1, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_token_append(r->t1,
                              "check if resource($r), r($r), "
                              "right($r, \"write\");",
                              NULL, &r->t2, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_token_to_bytes(r->t2, &r->bytes, &len, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_token_from_bytes(
        r->bytes, len, biscuit_keypair_public(r->root), NULL, &r->t3, NULL);
  return st;
}

/* The request: expected to be denied by block 1's check. */
static biscuit_status decide(run *r) {
  size_t index = 0;
  biscuit_status st = biscuit_policy_from_text(
      "resource(\"file1\");\nallow if r($x);", "p.dl", NULL, &r->policy, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_new(r->policy, &r->a, NULL);
  biscuit_limits l = {0, 0, 1000000, 0, 0, 0, 0, 0, 0, 0}; /* slow runs under valgrind */
  if (st == BISCUIT_OK) {
    biscuit_authorizer_set_limits(r->a, &l);
    st = biscuit_authorizer_add_token(r->a, r->t3, NULL);
  }
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_code(r->a, "check if 1.extern::twice() == 2;",
                                     NULL, NULL);
  if (st != BISCUIT_OK)
    return st;
  biscuit_authorizer_set_extern(r->a, twice, NULL);
  st = biscuit_authorizer_authorize(r->a, &index, &r->e);
  if (st == BISCUIT_DENIED && biscuit_error_status(r->e) == BISCUIT_DENIED)
    CHECK(biscuit_error_failed_check_count(r->e) == 1);
  return st;
}

static biscuit_status inspect(run *r) {
  biscuit_status st = biscuit_authorizer_query(r->a, "q($x) <- r($x)", NULL, 0,
                                               &r->text[0], NULL);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_world_json(r->a, &r->text[1], NULL);
  if (st == BISCUIT_OK && !(r->text[2] = biscuit_error_json(r->e)))
    st = BISCUIT_E_NOMEM;
  if (st == BISCUIT_OK && !(r->text[3] = biscuit_authorizer_source(r->a)))
    st = BISCUIT_E_NOMEM;
  if (st == BISCUIT_OK)
    CHECK_STR(r->text[0], "q(\"file1\")\n");
  return st;
}

static biscuit_status scenario(void) {
  run r;
  memset(&r, 0, sizeof r);
  biscuit_status st = make_token(&r);
  if (st == BISCUIT_OK)
    st = decide(&r);
  if (st == BISCUIT_DENIED) {
    biscuit_status st2 = inspect(&r);
    st = st2 == BISCUIT_OK ? st : st2;
  }
  run_free(&r);
  return st;
}

/* ------------------------------------------------- the second scenario */

typedef struct holder {
  biscuit_keypair *kp;
  biscuit_public_key *pk, *pk2;
  biscuit_params *params;
  biscuit_token *t, *t2, *sealed, *c1, *c2;
  biscuit_cache *cache;
  biscuit_authorizer *a;
  biscuit_policy *bad_policy;
  biscuit_error *e;
  uint8_t *bytes, *decoded;
  char *text[8];
} holder;

static void holder_free(holder *h) {
  biscuit_keypair_free(h->kp);
  biscuit_public_key_free(h->pk);
  biscuit_public_key_free(h->pk2);
  biscuit_params_free(h->params);
  biscuit_token_free(h->t);
  biscuit_token_free(h->t2);
  biscuit_token_free(h->sealed);
  biscuit_token_free(h->c1);
  biscuit_token_free(h->c2);
  biscuit_cache_free(h->cache);
  biscuit_authorizer_free(h->a);
  biscuit_policy_free(h->bad_policy);
  biscuit_error_free(h->e);
  biscuit_free(h->bytes);
  biscuit_free(h->decoded);
  for (int i = 0; i < 8; i++)
    biscuit_free(h->text[i]);
}

static biscuit_status nonnull(const void *p) {
  return p ? BISCUIT_OK : BISCUIT_E_NOMEM;
}

/* Keys from text and bytes, parameters of every type, a token. */
static biscuit_status holder_token(holder *h) {
  static const char key[] = "ed25519-private/"
                            "0707070707070707070707070707070707070707070707070"
                            "707070707070707";
  static const uint8_t raw[3] = {1, 2, 3};
  uint8_t pub[33];
  biscuit_status st = biscuit_keypair_from_text(BISCUIT_ED25519, key, &h->kp,
                                                NULL);
  if (st == BISCUIT_OK)
    st = nonnull(h->text[0] = biscuit_keypair_private_text(h->kp));
  if (st == BISCUIT_OK)
    st = nonnull(h->text[1] = biscuit_public_key_text(
                     biscuit_keypair_public(h->kp)));
  if (st == BISCUIT_OK)
    st = biscuit_public_key_from_text(BISCUIT_ED25519, h->text[1], &h->pk,
                                      NULL);
  size_t n = st == BISCUIT_OK ? biscuit_public_key_bytes(h->pk, pub) : 0;
  if (st == BISCUIT_OK)
    st = biscuit_public_key_from_bytes(BISCUIT_ED25519, pub, n, &h->pk2, NULL);
  if (st == BISCUIT_OK)
    st = nonnull(h->params = biscuit_params_new());
  if (st == BISCUIT_OK)
    st = biscuit_params_integer(h->params, "i", 42);
  if (st == BISCUIT_OK)
    st = biscuit_params_bool(h->params, "b", 1);
  if (st == BISCUIT_OK)
    st = biscuit_params_date(h->params, "d", 1700000000);
  if (st == BISCUIT_OK)
    st = biscuit_params_bytes(h->params, "x", raw, sizeof raw);
  biscuit_block_options opt = {h->params, "ctx", 0, 0, "holder.dl"};
  if (st == BISCUIT_OK)
    st = biscuit_token_create(h->kp,
                              "v({i}, {b}, {d}, {x}); right(\"file1\");",
                              &opt, &h->t, NULL);
  return st;
}

/* Base64 both ways, attenuate, seal, print blocks, revocation ids. */
static biscuit_status holder_attenuate(holder *h) {
  size_t len = 0;
  biscuit_status st = biscuit_token_to_base64(h->t, &h->text[2], NULL);
  if (st == BISCUIT_OK)
    st = biscuit_token_from_base64(h->text[2], strlen(h->text[2]), h->pk2,
                                   NULL, &h->t2, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_token_seal(h->t2, &h->sealed, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_token_to_bytes(h->sealed, &h->bytes, &len, NULL);
  if (st == BISCUIT_OK)
    st = nonnull(h->text[3] = biscuit_base64_encode(h->bytes, len));
  size_t n = 0;
  if (st == BISCUIT_OK)
    st = biscuit_base64_decode(h->text[3], strlen(h->text[3]), &h->decoded,
                               &n);
  if (st == BISCUIT_OK)
    st = nonnull(h->text[4] = biscuit_token_block_source(h->sealed, 0));
  if (st == BISCUIT_OK)
    st = nonnull(h->text[5] = biscuit_token_revocation_id(h->sealed, 0));
  if (st == BISCUIT_OK) {
    biscuit_token *u = NULL;
    st = biscuit_token_from_bytes_unverified(h->bytes, len, NULL, &u, NULL);
    biscuit_token_free(u);
  }
  return st;
}

/* The cache (a miss, then a hit), the time, world text, explanation. */
static biscuit_status holder_serve(holder *h) {
  size_t len = 0, index = 0;
  uint8_t *b = NULL;
  biscuit_status st = biscuit_cache_new(4, 1 << 16, &h->cache, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_token_to_bytes(h->t, &b, &len, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_cache_token_from_bytes(h->cache, b, len, h->pk, NULL, &h->c1,
                                        NULL);
  if (st == BISCUIT_OK)
    st = biscuit_cache_token_from_bytes(h->cache, b, len, h->pk, NULL, &h->c2,
                                        NULL);
  biscuit_free(b);
  uint64_t hits = 0;
  biscuit_cache_stats(h->cache, &hits, NULL, NULL, NULL);
  /* a failure to store the entry is no error: the next lookup misses */
  if (st == BISCUIT_OK && fail_at == 0)
    CHECK(hits == 1);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_new(NULL, &h->a, NULL);
  biscuit_limits l = {0, 0, 10000000, 0, 0, 0, 0, 0, 0, 0}; /* slow sanitizer and valgrind runs */
  if (st == BISCUIT_OK) {
    biscuit_authorizer_set_limits(h->a, &l);
    st = biscuit_authorizer_add_token(h->a, h->c2, NULL);
  }
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_time(h->a, 1700000000, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_code(
        h->a, "allow if right(\"file2\"); deny if time($t);", NULL, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_authorize(h->a, &index, &h->e);
  if (st != BISCUIT_DENIED)
    return st;
  st = biscuit_authorizer_world_text(h->a, &h->text[6], NULL);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_explain(h->a, &h->text[7], NULL);
  return st;
}

/* A parse error's report (line, column, caret) under memory pressure. */
static biscuit_status holder_parse_error(holder *h) {
  biscuit_error *e = NULL;
  biscuit_status st =
      biscuit_policy_from_text("allow if a(,);", "bad.dl", NULL,
                               &h->bad_policy, &e);
  if (st == BISCUIT_E_PARSE)
    st = nonnull(e ? biscuit_error_report(e) : NULL);
  else if (st == BISCUIT_OK)
    st = BISCUIT_E_MISUSE; /* it must not parse */
  biscuit_error_free(e);
  return st;
}

/* BISCUIT_OK when everything ran; the first failure otherwise. */
static biscuit_status scenario_holder(void) {
  holder h;
  memset(&h, 0, sizeof h);
  biscuit_status st = holder_token(&h);
  if (st == BISCUIT_OK)
    st = holder_attenuate(&h);
  if (st == BISCUIT_OK)
    st = holder_serve(&h);
  if (st == BISCUIT_OK)
    st = holder_parse_error(&h);
  if (st == BISCUIT_OK)
    CHECK(strstr(h.text[7], "deny policy 1 matched") != NULL);
  holder_free(&h);
  return st;
}

/* Fail each allocation of `fn` in turn: `want` or NOMEM, nothing live. */
static void sweep(const char *name, biscuit_status (*fn)(void),
                  biscuit_status want) {
  size_t base = bx_alloc_live();
  fail_at = 0;
  n_allocs = 0;
  CHECK(fn() == want);
  long total = n_allocs;
  CHECK(total > 100);
  int bad = 0;
  for (fail_at = 1; fail_at <= total; fail_at++) {
    n_allocs = 0;
    biscuit_status st = fn();
    bool ok = (st == want || st == BISCUIT_E_NOMEM) && bx_alloc_live() == base;
    if (!ok && bad++ < 10)
      fprintf(stderr, "%s: allocation %ld failed: status %d, %zu bytes live\n",
              name, fail_at, (int)st, bx_alloc_live() - base);
    CHECK(ok);
  }
  printf("%s: %ld allocation failures tried\n", name, total);
}

int main(void) {
  bx_set_alloc(failing_alloc, NULL);
  sweep("request", scenario, BISCUIT_DENIED);
  sweep("holder", scenario_holder, BISCUIT_OK);
  TEST_DONE();
}
