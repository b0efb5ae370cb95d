/*
** bench_soak: a million authorizations in one process, and the resident
** memory they leave behind (perf-and-threats.md "Memory-leak-free
** criteria"; issue: RSS growth under 1 MiB).
**
** Every request is a real one through the public API, and they vary so
** that every path that allocates is taken: a token verified from bytes
** (every 16th request) or through the verified-token cache, a fresh
** authorizer on a shared policy set, request facts with a new resource
** name each time (new strings to intern), the time, authorize (allowed,
** denied, or stopped by a limit), and now and then a query, the world
** text, the explanation and a snapshot restored.
**
** RSS is read from /proc/self/statm after a warm-up (allocator arenas and
** caches reach their working size) and at the end. The exit status is 1
** when it grew by more than the allowance (1 MiB by default), or when a
** request did not end as planned. Usage:
**   bench_soak [-n REQUESTS] [-w WARMUP] [-m MAX_GROWTH_KIB]
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "biscuit/biscuit.h"

static const char authority[] =
    "user(\"alice\");\n"
    "right(\"file1\", \"read\");\n"
    "right(\"file2\", \"read\");\n"
    "right(\"file1\", \"write\");\n";
static const char attenuation[] =
    "check if resource($r), operation($op), right($r, $op);\n"
    "check if time($t), $t < 2100-01-01T00:00:00Z;\n";
static const char policy_text[] =
    "readable($r) <- right($r, \"read\");\n"
    "allow if user($u), resource($r), operation($op), right($r, $op);\n"
    "deny if true;\n";

typedef struct soak {
  biscuit_keypair *root;
  biscuit_policy *policy;
  biscuit_cache *cache;
  uint8_t *token;
  size_t token_len;
  unsigned long bad; /* requests that did not end as planned */
} soak;

static long rss_kib(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f)
    return -1;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
    resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int setup(soak *s) {
  biscuit_token *t = NULL, *t2 = NULL;
  memset(s, 0, sizeof *s);
  int ok = biscuit_keypair_new(BISCUIT_ED25519, &s->root, NULL) == BISCUIT_OK &&
           biscuit_policy_from_text(policy_text, "policy", NULL, &s->policy,
                                    NULL) == BISCUIT_OK &&
           biscuit_cache_new(64, 1 << 20, &s->cache, NULL) == BISCUIT_OK &&
           biscuit_token_create(s->root, authority, NULL, &t, NULL) ==
               BISCUIT_OK &&
           biscuit_token_append(t, attenuation, NULL, &t2, NULL) ==
               BISCUIT_OK &&
           biscuit_token_to_bytes(t2, &s->token, &s->token_len, NULL) ==
               BISCUIT_OK;
  biscuit_token_free(t);
  biscuit_token_free(t2);
  return ok ? 0 : -1;
}

static void teardown(soak *s) {
  biscuit_free(s->token);
  biscuit_cache_free(s->cache);
  biscuit_policy_free(s->policy);
  biscuit_keypair_free(s->root);
}

/* The occasional extras: each allocates and frees on its own. */
static void extras(biscuit_authorizer *a, unsigned long i) {
  char *text = NULL;
  uint8_t *snap = NULL;
  size_t n = 0;
  biscuit_authorizer *b = NULL;
  if (i % 7 == 0 && biscuit_authorizer_query(a, "q($r) <- resource($r)",
                                             NULL, 0, &text, NULL) ==
                        BISCUIT_OK)
    biscuit_free(text);
  if (i % 11 == 0 &&
      biscuit_authorizer_world_text(a, &text, NULL) == BISCUIT_OK)
    biscuit_free(text);
  if (i % 13 == 0 && biscuit_authorizer_explain(a, &text, NULL) == BISCUIT_OK)
    biscuit_free(text);
  if (i % 101 == 0 &&
      biscuit_authorizer_to_snapshot(a, &snap, &n, NULL) == BISCUIT_OK) {
    if (biscuit_authorizer_from_snapshot(snap, n, &b, NULL) == BISCUIT_OK)
      biscuit_authorizer_free(b);
    biscuit_free(snap);
  }
}

/*
** Request i: mostly allowed (file1/read), every 5th denied (a resource
** the token has no right on), every 97th stopped by a one-fact limit (the policy's rule derives
** facts).
*/
static void request(soak *s, unsigned long i) {
  biscuit_token *t = NULL;
  biscuit_authorizer *a = NULL;
  biscuit_error *e = NULL;
  biscuit_params *p = biscuit_params_new();
  char name[32];
  if (i % 5 == 0)
    snprintf(name, sizeof name, "other%lu", i);
  else
    snprintf(name, sizeof name, "file1");
  biscuit_status want = i % 97 == 0  ? BISCUIT_E_LIMIT
                        : i % 5 == 0 ? BISCUIT_DENIED
                                     : BISCUIT_OK;
  biscuit_status st =
      i % 16 == 0 ? biscuit_token_from_bytes(s->token, s->token_len,
                                             biscuit_keypair_public(s->root),
                                             NULL, &t, NULL)
                  : biscuit_cache_token_from_bytes(
                        s->cache, s->token, s->token_len,
                        biscuit_keypair_public(s->root), NULL, &t, NULL);
  if (st == BISCUIT_OK && p &&
      biscuit_params_string(p, "r", name) == BISCUIT_OK)
    st = biscuit_authorizer_new(s->policy, &a, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_token(a, t, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_code(
        a, "resource({r}); operation(\"read\");", p, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_time(a, 1700000000 + i, NULL);
  if (st == BISCUIT_OK) {
    /* no time limit: a preempted request must not count as a failure */
    biscuit_limits l = biscuit_limits_default();
    l.max_time_us = 1000000; /* 1 s */
    if (i % 97 == 0)
      l.max_facts = 1;
    biscuit_authorizer_set_limits(a, &l);
  }
  size_t policy = 0;
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_authorize(a, &policy, &e);
  if (st != want && s->bad++ < 5)
    fprintf(stderr, "bench_soak: request %lu: %s, expected %s\n", i,
            biscuit_status_str(st), biscuit_status_str(want));
  if (st == BISCUIT_OK || st == BISCUIT_DENIED)
    extras(a, i);
  biscuit_error_free(e);
  biscuit_authorizer_free(a);
  biscuit_token_free(t);
  biscuit_params_free(p);
}

int main(int argc, char **argv) {
  unsigned long n = 1000000, warmup = 20000;
  long max_growth = 1024;
  int c;
  while ((c = getopt(argc, argv, "n:w:m:")) != -1) {
    if (c == 'n')
      n = strtoul(optarg, NULL, 10);
    else if (c == 'w')
      warmup = strtoul(optarg, NULL, 10);
    else if (c == 'm')
      max_growth = strtol(optarg, NULL, 10);
    else {
      fprintf(stderr, "usage: bench_soak [-n N] [-w WARMUP] [-m KIB]\n");
      return 2;
    }
  }
  soak s;
  if (setup(&s) != 0) {
    fprintf(stderr, "bench_soak: set-up failed\n");
    return 2;
  }
  unsigned long i = 0;
  for (; i < warmup && i < n; i++)
    request(&s, i);
  long before = rss_kib();
  for (; i < n; i++)
    request(&s, i);
  long after = rss_kib();
  uint64_t hits = 0, misses = 0;
  biscuit_cache_stats(s.cache, &hits, &misses, NULL, NULL);
  teardown(&s);
  long growth = after - before;
  printf("bench_soak: %lu requests (%lu warm-up), %lu not as planned; "
         "cache %llu hits, %llu misses; RSS %ld KiB after warm-up, %ld KiB "
         "at the end: %+ld KiB (allowed %ld)\n",
         n, warmup, s.bad, (unsigned long long)hits,
         (unsigned long long)misses, before, after, growth, max_growth);
  return s.bad == 0 && before > 0 && growth <= max_growth ? 0 : 1;
}
