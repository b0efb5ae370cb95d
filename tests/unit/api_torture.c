/*
** Allocation failure torture through the public API (curl's -t): one
** request end to end (keys, create, append, encode, decode, policy set,
** authorizer with an extern function, denial details, JSON, query, world
** dump) is run once per allocation, failing the N-th one. Every run must
** end in the true verdict (denied) or BISCUIT_E_NOMEM, never in "allowed",
** and must free everything it allocated.
*/
#include <biscuit/biscuit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/bx.h"

static long fail_at, n_allocs;

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  if (++n_allocs == fail_at)
    return NULL;
  return realloc(ptr, nsize);
}

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
  biscuit_limits l = {0, 0, 1000000, 0}; /* slow runs under valgrind */
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

int main(void) {
  bx_set_alloc(failing_alloc, NULL);
  size_t base = bx_alloc_live();
  fail_at = 0;
  n_allocs = 0;
  CHECK(scenario() == BISCUIT_DENIED);
  long total = n_allocs;
  CHECK(total > 100);
  int bad = 0;
  for (fail_at = 1; fail_at <= total; fail_at++) {
    n_allocs = 0;
    biscuit_status st = scenario();
    bool ok = (st == BISCUIT_DENIED || st == BISCUIT_E_NOMEM) &&
              bx_alloc_live() == base;
    if (!ok && bad++ < 10)
      fprintf(stderr, "allocation %ld failed: status %d, %zu bytes live\n",
              fail_at, (int)st, bx_alloc_live() - base);
    CHECK(ok);
  }
  printf("%ld allocation failures tried\n", total);
  TEST_DONE();
}
