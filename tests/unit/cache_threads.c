/*
** The verified-token cache under contention: 4 threads share a cache of 2
** entries and ask for 4 tokens in different orders, so hits, misses,
** racing inserts of one key and evictions of tokens another thread is
** still using all happen at once. Each token is authorized through the
** public API, and now and then a corrupted copy must still be refused.
** Run under ThreadSanitizer (-DBISCUIT_SANITIZE=thread) to see races.
*/
#include <biscuit/biscuit.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define N_THREADS 4
#define N_TOKENS 4
#define N_RUNS 1000
#define KEEP 3 /* tokens a thread holds on to across iterations */

typedef struct shared {
  biscuit_cache *cache;
  const biscuit_public_key *root;
  uint8_t *bytes[N_TOKENS], *bad;
  size_t len[N_TOKENS];
} shared;

typedef struct worker_arg {
  shared *s;
  int id;
  int wrong, calls; /* this thread's own */
} worker_arg;

/* Token i allows "file<i>"; it is checked against file<i> and file<i+1>. */
static int verdicts_right(const biscuit_token *t, int i) {
  int ok = 1;
  for (int r = 0; r < 2; r++) {
    biscuit_authorizer *a = NULL;
    biscuit_limits l = {0, 0, 50000000, 0, 0, 0, 0, 0, 0, 0};
    char code[160];
    size_t index = 9;
    snprintf(code, sizeof code,
             "resource(\"file%d\"); operation(\"read\");"
             "allow if resource($r), operation($o), right($r, $o);",
             i + r);
    biscuit_status st = biscuit_authorizer_new(NULL, &a, NULL);
    if (st == BISCUIT_OK) {
      biscuit_authorizer_set_limits(a, &l);
      st = biscuit_authorizer_add_token(a, t, NULL);
    }
    if (st == BISCUIT_OK)
      st = biscuit_authorizer_add_code(a, code, NULL, NULL);
    if (st == BISCUIT_OK)
      st = biscuit_authorizer_authorize(a, &index, NULL);
    ok = ok && st == (r == 0 ? BISCUIT_OK : BISCUIT_DENIED);
    biscuit_authorizer_free(a);
  }
  return ok;
}

/* One lookup of token i; 1 when it succeeds and decides right. */
static int one_run(worker_arg *w, int i, biscuit_token **keep) {
  shared *s = w->s;
  biscuit_token *t = NULL;
  w->calls++;
  if (biscuit_cache_token_from_bytes(s->cache, s->bytes[i], s->len[i], s->root,
                                     NULL, &t, NULL) != BISCUIT_OK)
    return 0;
  int ok = verdicts_right(t, i) && biscuit_token_block_count(t) == 2;
  biscuit_token_free(*keep); /* held since an earlier run, maybe evicted */
  *keep = t;
  return ok;
}

/* The corrupted token is refused every time (never cached). */
static int bad_run(worker_arg *w) {
  biscuit_token *t = NULL;
  w->calls++;
  biscuit_status st = biscuit_cache_token_from_bytes(
      w->s->cache, w->s->bad, w->s->len[0], w->s->root, NULL, &t, NULL);
  return st != BISCUIT_OK && !t;
}

static void *worker(void *arg) {
  worker_arg *w = arg;
  biscuit_token *keep[KEEP] = {NULL, NULL, NULL};
  for (int k = 0; k < N_RUNS; k++) {
    int i = (k * (w->id + 1) + w->id) % N_TOKENS;
    int ok = k % 17 == 5 ? bad_run(w) : one_run(w, i, &keep[k % KEEP]);
    w->wrong += !ok;
  }
  for (int k = 0; k < KEEP; k++)
    biscuit_token_free(keep[k]);
  return NULL;
}

/* Two blocks: right("file<i>", "read") and a check on the operation. */
static uint8_t *make_token(const biscuit_keypair *root, int i, size_t *len) {
  biscuit_token *t = NULL, *t2 = NULL;
  uint8_t *b = NULL;
  char code[96];
  snprintf(code, sizeof code, "right(\"file%d\", \"read\");", i);
  CHECK(biscuit_token_create(root, code, NULL, &t, NULL) == BISCUIT_OK);
  CHECK(biscuit_token_append(t, "check if operation(\"read\");", NULL, &t2,
                             NULL) == BISCUIT_OK);
  CHECK(biscuit_token_to_bytes(t2, &b, len, NULL) == BISCUIT_OK);
  biscuit_token_free(t);
  biscuit_token_free(t2);
  return b;
}

static void run_threads(shared *s) {
  worker_arg w[N_THREADS];
  pthread_t th[N_THREADS];
  for (int i = 0; i < N_THREADS; i++) {
    w[i] = (worker_arg){s, i, 0, 0};
    CHECK(pthread_create(&th[i], NULL, worker, &w[i]) == 0);
  }
  int calls = 0;
  for (int i = 0; i < N_THREADS; i++) {
    pthread_join(th[i], NULL);
    CHECK(w[i].wrong == 0);
    calls += w[i].calls;
  }
  uint64_t hits = 0, misses = 0;
  size_t entries = 9;
  biscuit_cache_stats(s->cache, &hits, &misses, &entries, NULL);
  CHECK(hits + misses == (uint64_t)calls && entries <= 2);
  CHECK(hits > 0 && misses > N_TOKENS);
  printf("%d calls: %llu hits, %llu misses, %zu entries at the end\n", calls,
         (unsigned long long)hits, (unsigned long long)misses, entries);
}

int main(void) {
  biscuit_keypair *root = NULL;
  shared s;
  memset(&s, 0, sizeof s);
  CHECK(biscuit_keypair_new(BISCUIT_ED25519, &root, NULL) == BISCUIT_OK);
  s.root = biscuit_keypair_public(root);
  for (int i = 0; i < N_TOKENS; i++)
    s.bytes[i] = make_token(root, i, &s.len[i]);
  s.bad = malloc(s.len[0]);
  memcpy(s.bad, s.bytes[0], s.len[0]);
  s.bad[s.len[0] / 2] ^= 0x20;
  CHECK(biscuit_cache_new(2, 1 << 20, &s.cache, NULL) == BISCUIT_OK);
  run_threads(&s);
  biscuit_cache_free(s.cache);
  for (int i = 0; i < N_TOKENS; i++)
    biscuit_free(s.bytes[i]);
  free(s.bad);
  biscuit_keypair_free(root);
  TEST_DONE();
}
