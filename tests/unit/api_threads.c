/*
** One policy set and one token shared by several threads, each running
** its own authorizers (biscuit.h: keys, tokens and policies are
** immutable and shareable; an authorizer belongs to one thread). Every
** thread must see the same verdicts; run under helgrind or TSan to see
** races, if any. The threads also verify a P-256 token from its bytes,
** against its root key and against another one: the imported P-256 keys
** are cached process-wide (token/crypto_p256.c) and shared.
*/
#include <biscuit/biscuit.h>
#include <pthread.h>
#include <string.h>

#include "test.h"

#define N_THREADS 6
#define N_RUNS 50

typedef struct shared {
  const biscuit_policy *policy;
  const biscuit_token *token;
  const uint8_t *p256; /* a P-256-rooted token's bytes */
  size_t p256_len;
  const biscuit_public_key *p256_root, *p256_other;
  int wrong; /* written by one thread each, in its own slot */
} shared;

/* allowed for "file1", denied (a failed block check) for "file2" */
static int one_run(const shared *s, const char *resource) {
  biscuit_authorizer *a = NULL;
  biscuit_error *e = NULL;
  biscuit_limits l = {0, 0, 2000000, 0, 0, 0, 0, 0, 0, 0};
  char code[64];
  size_t index = 9;
  snprintf(code, sizeof code, "resource(\"%s\");", resource);
  biscuit_status st = biscuit_authorizer_new(s->policy, &a, NULL);
  if (st == BISCUIT_OK) {
    biscuit_authorizer_set_limits(a, &l);
    st = biscuit_authorizer_add_token(a, s->token, NULL);
  }
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_code(a, code, NULL, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_authorize(a, &index, &e);
  int ok =
      strcmp(resource, "file1") == 0
          ? st == BISCUIT_OK && index == 1
          : st == BISCUIT_DENIED && biscuit_error_failed_check_count(e) == 1;
  biscuit_error_free(e);
  biscuit_authorizer_free(a);
  return ok;
}

/* The P-256 token verifies with its root key only. */
static int p256_run(const shared *s) {
  biscuit_token *t = NULL;
  int ok = biscuit_token_from_bytes(s->p256, s->p256_len, s->p256_root, NULL,
                                    &t, NULL) == BISCUIT_OK;
  biscuit_token_free(t);
  t = NULL;
  ok = ok && biscuit_token_from_bytes(s->p256, s->p256_len, s->p256_other,
                                      NULL, &t, NULL) == BISCUIT_E_SIGNATURE;
  biscuit_token_free(t);
  return ok;
}

static void *worker(void *arg) {
  shared *s = arg;
  for (int i = 0; i < N_RUNS; i++) {
    if (!one_run(s, i % 2 ? "file2" : "file1"))
      s->wrong++;
    if (i % 5 == 0 && !p256_run(s))
      s->wrong++;
  }
  return NULL;
}

int main(void) {
  biscuit_keypair *root = NULL;
  biscuit_token *t = NULL, *t2 = NULL;
  biscuit_policy *p = NULL;
  CHECK(biscuit_keypair_new(BISCUIT_ED25519, &root, NULL) == BISCUIT_OK);
  CHECK(biscuit_token_create(root, "right(\"file1\"); right(\"file3\");", NULL,
                             &t, NULL) == BISCUIT_OK);
  CHECK(biscuit_token_append(t, "check if resource($r), right($r);", NULL, &t2,
                             NULL) == BISCUIT_OK);
  CHECK(biscuit_policy_from_text("deny if resource(\"admin\");\n"
                                 "allow if resource($r), $r.starts_with("
                                 "\"file\");",
                                 NULL, NULL, &p, NULL) == BISCUIT_OK);
  biscuit_keypair *proot = NULL, *pother = NULL;
  biscuit_token *pt = NULL;
  uint8_t *pbytes = NULL;
  size_t plen = 0;
  CHECK(biscuit_keypair_new(BISCUIT_SECP256R1, &proot, NULL) == BISCUIT_OK);
  CHECK(biscuit_keypair_new(BISCUIT_SECP256R1, &pother, NULL) == BISCUIT_OK);
  CHECK(biscuit_token_create(proot, "right(\"file1\");", NULL, &pt, NULL) ==
        BISCUIT_OK);
  CHECK(biscuit_token_to_bytes(pt, &pbytes, &plen, NULL) == BISCUIT_OK);
  shared s[N_THREADS];
  pthread_t th[N_THREADS];
  for (int i = 0; i < N_THREADS; i++) {
    s[i].policy = p;
    s[i].token = t2;
    s[i].wrong = 0;
    s[i].p256 = pbytes;
    s[i].p256_len = plen;
    s[i].p256_root = biscuit_keypair_public(proot);
    s[i].p256_other = biscuit_keypair_public(pother);
    CHECK(pthread_create(&th[i], NULL, worker, &s[i]) == 0);
  }
  for (int i = 0; i < N_THREADS; i++) {
    pthread_join(th[i], NULL);
    CHECK(s[i].wrong == 0);
  }
  biscuit_free(pbytes);
  biscuit_token_free(pt);
  biscuit_keypair_free(pother);
  biscuit_keypair_free(proot);
  biscuit_policy_free(p);
  biscuit_token_free(t);
  biscuit_token_free(t2);
  biscuit_keypair_free(root);
  TEST_DONE();
}
