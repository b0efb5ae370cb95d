/*
** Snapshots through the public API (token/snapshot.c).
**
** Samples: for every official sample that decodes, and each of its
** validations, an authorizer built from the token and `authorizer_code`
** is snapshotted before and after authorize; each snapshot is restored
** and must give the same verdict (status, policy, error JSON), the same
** world dump and the same source, and so must a restored one snapshotted
** again. Every `authorizer_code` as a policy set must survive its
** snapshot (same printed source, same bytes when written again, same
** verdict on the sample's token).
**
** Hostile bytes: every snapshot produced above, truncated at every
** offset and with single bytes flipped; random bytes; hand-made messages
** with bad indexes, origins, tables, versions and nesting. Each must give
** an error value (or, for a truncation that is still a message, a
** working object), and nothing may leak: bx_alloc_live() is compared
** around each. Allocation failures are injected into one round trip.
*/
#include <biscuit/biscuit.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "test_alloc.h"
#include "util/bx.h"

#define MAX_SNAPS 512

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}

/* ------------------------------------------------------ kept snapshots */

/* Every snapshot made along the way, for the hostile-bytes tests. */
typedef struct snap {
  uint8_t *bytes;
  size_t len;
  int policy; /* made by biscuit_policy_to_snapshot */
} snap;

static snap snaps[MAX_SNAPS];
static size_t n_snaps;

static void keep(const uint8_t *b, size_t len, int policy) {
  if (n_snaps == MAX_SNAPS)
    return;
  snaps[n_snaps].bytes = malloc(len ? len : 1);
  if (!snaps[n_snaps].bytes)
    return;
  memcpy(snaps[n_snaps].bytes, b, len);
  snaps[n_snaps].len = len;
  snaps[n_snaps].policy = policy;
  n_snaps++;
}

/* ------------------------------------------------------------- verdicts */

/*
** The samples' `test` extern (reference-behaviour.md §5, test035): unary
** returns its argument; binary on two strings says whether they are
** equal; anything else is an error.
*/
static int ext_test(void *ud, const char *name, const char *recv,
                    const char *arg, char **result) {
  (void)ud;
  if (strcmp(name, "test") != 0)
    return -1;
  if (!arg) {
    *result = dup_str(recv);
    return *result ? 0 : 1;
  }
  if (recv[0] == '"' && arg[0] == '"') {
    *result = dup_str(strcmp(recv, arg) == 0 ? "\"equal strings\""
                                             : "\"different strings\"");
    return *result ? 0 : 1;
  }
  *result = dup_str("expected two strings");
  return 1;
}

/* A verdict as text: status, policy index, error JSON. */
static char *authorize_text(biscuit_authorizer *a) {
  biscuit_error *e = NULL;
  size_t index = 0;
  biscuit_status st = biscuit_authorizer_authorize(a, &index, &e);
  char *json = e ? biscuit_error_json(e) : NULL;
  size_t n = 64 + (json ? strlen(json) : 0);
  char *out = malloc(n);
  if (out)
    snprintf(out, n, "%d %zu %s", (int)st, index, json ? json : "-");
  biscuit_free(json);
  biscuit_error_free(e);
  return out;
}

/* The world dump (or the error's JSON), malloc'd. */
static char *world_text(biscuit_authorizer *a) {
  char *s = NULL, *out;
  biscuit_error *e = NULL;
  if (biscuit_authorizer_world_json(a, &s, &e) != BISCUIT_OK) {
    char *json = e ? biscuit_error_json(e) : NULL;
    out = dup_str(json ? json : "(no world)");
    biscuit_free(json);
  } else {
    out = dup_str(s);
  }
  biscuit_free(s);
  biscuit_error_free(e);
  return out;
}

static void expect_same(const char *label, const char *what, const char *want,
                        const char *got) {
  if (want && got && strcmp(want, got) == 0) {
    t_pass++;
    return;
  }
  t_fail++;
  fprintf(stderr, "%s: %s differs\n  want: %s\n  got:  %s\n", label, what,
          want ? want : "(null)", got ? got : "(null)");
}

/* Timing is not under test: 1 s keeps sanitizer builds clear of it. */
static void setup(biscuit_authorizer *a) {
  biscuit_limits l = biscuit_limits_default();
  l.max_time_us = 1000000;
  biscuit_authorizer_set_limits(a, &l);
  biscuit_authorizer_set_extern(a, ext_test, NULL);
}

static uint8_t *snapshot_of(biscuit_authorizer *a, size_t *len,
                            const char *label) {
  uint8_t *b = NULL;
  biscuit_error *e = NULL;
  biscuit_status st = biscuit_authorizer_to_snapshot(a, &b, len, &e);
  if (st != BISCUIT_OK)
    fprintf(stderr, "%s: to_snapshot: %s\n", label,
            e ? biscuit_error_message(e) : "?");
  CHECK(st == BISCUIT_OK && b);
  biscuit_error_free(e);
  return b;
}

static biscuit_authorizer *restore(const uint8_t *b, size_t len,
                                   const char *label) {
  biscuit_authorizer *a = NULL;
  biscuit_error *e = NULL;
  biscuit_status st = biscuit_authorizer_from_snapshot(b, len, &a, &e);
  if (st != BISCUIT_OK)
    fprintf(stderr, "%s: from_snapshot: %s\n", label,
            e ? biscuit_error_message(e) : "?");
  CHECK(st == BISCUIT_OK && a);
  biscuit_error_free(e);
  if (a)
    setup(a);
  return a;
}

/* ---------------------------------------------------------- the samples */

/* What the original authorizer said, to compare restored ones with. */
typedef struct expected {
  const char *label;
  char *verdict, *world, *source;
} expected;

/*
** A restored authorizer must print the same source, decide alike and
** then see the same world. One restored from a snapshot taken after the
** run must see that world before it runs, too.
*/
static void compare_restored(const expected *x, biscuit_authorizer *r,
                             const char *which, int ran) {
  char what[80];
  char *world = ran ? world_text(r) : NULL;
  snprintf(what, sizeof what, "world before authorize (%s)", which);
  if (ran)
    expect_same(x->label, what, x->world, world);
  free(world);
  char *src = biscuit_authorizer_source(r);
  snprintf(what, sizeof what, "source (%s)", which);
  expect_same(x->label, what, x->source, src);
  biscuit_free(src);
  char *verdict = authorize_text(r);
  snprintf(what, sizeof what, "verdict (%s)", which);
  expect_same(x->label, what, x->verdict, verdict);
  free(verdict);
  world = world_text(r);
  snprintf(what, sizeof what, "world (%s)", which);
  expect_same(x->label, what, x->world, world);
  free(world);
}

/*
** Restore `b` and compare; then snapshot the restored authorizer before
** it runs and restore that too (a second generation).
*/
static void round_trip(const expected *x, const uint8_t *b, size_t len,
                       const char *which, int ran) {
  biscuit_authorizer *r = restore(b, len, x->label);
  if (!r)
    return;
  size_t len2 = 0;
  uint8_t *b2 = snapshot_of(r, &len2, x->label);
  compare_restored(x, r, which, ran);
  biscuit_authorizer *r2 = b2 ? restore(b2, len2, x->label) : NULL;
  if (r2) {
    char gen2[64];
    snprintf(gen2, sizeof gen2, "%s, again", which);
    compare_restored(x, r2, gen2, ran);
  }
  biscuit_authorizer_free(r2);
  biscuit_authorizer_free(r);
  biscuit_free(b2);
}

static biscuit_authorizer *sample_authorizer(const biscuit_token *t,
                                             const char *code) {
  biscuit_authorizer *a = NULL;
  if (biscuit_authorizer_new(NULL, &a, NULL) != BISCUIT_OK)
    return NULL;
  setup(a);
  if (biscuit_authorizer_add_token(a, t, NULL) == BISCUIT_OK)
    biscuit_authorizer_add_code(a, code, NULL, NULL);
  return a;
}

/*
** One validation: snapshots before the run (s0) and after it (s1). A
** token the authorizer refuses (test018) cannot be snapshotted.
*/
static void sample_authorizers(const biscuit_token *t, const char *code,
                               const char *label) {
  biscuit_authorizer *a = sample_authorizer(t, code);
  size_t len0 = 0, len1 = 0;
  uint8_t *s0 = NULL, *s1 = NULL;
  biscuit_error *e = NULL;
  if (!a) {
    CHECK(!"authorizer_new");
    return;
  }
  if (biscuit_authorizer_to_snapshot(a, &s0, &len0, &e) != BISCUIT_OK) {
    CHECK(biscuit_error_status(e) == BISCUIT_E_LOGIC); /* test018 only */
    biscuit_error_free(e);
    biscuit_authorizer_free(a);
    return;
  }
  expected x = {label, authorize_text(a), world_text(a),
                biscuit_authorizer_source(a)};
  s1 = snapshot_of(a, &len1, label);
  if (s0) {
    keep(s0, len0, 0);
    round_trip(&x, s0, len0, "snapshot before the run", 0);
  }
  if (s1) {
    keep(s1, len1, 0);
    round_trip(&x, s1, len1, "snapshot after the run", 1);
  }
  free(x.verdict);
  free(x.world);
  biscuit_free(x.source);
  biscuit_free(s0);
  biscuit_free(s1);
  biscuit_authorizer_free(a);
}

/* The verdict of a policy set on the sample's token. */
static char *policy_verdict(const biscuit_policy *p, const biscuit_token *t) {
  biscuit_authorizer *a = NULL;
  char *v = NULL;
  if (biscuit_authorizer_new(p, &a, NULL) != BISCUIT_OK)
    return NULL;
  setup(a);
  if (biscuit_authorizer_add_token(a, t, NULL) == BISCUIT_OK)
    v = authorize_text(a);
  else
    v = dup_str("(token refused)");
  biscuit_authorizer_free(a);
  return v;
}

/*
** An authorizer on a shared policy set (its env layered on the set's)
** snapshots like one whose code was added: restored, it decides alike.
*/
static void policy_authorizer(const biscuit_policy *p, const biscuit_token *t,
                              const char *label) {
  biscuit_authorizer *a = NULL;
  uint8_t *b = NULL;
  size_t len = 0;
  if (biscuit_authorizer_new(p, &a, NULL) != BISCUIT_OK)
    return;
  setup(a);
  if (biscuit_authorizer_add_token(a, t, NULL) == BISCUIT_OK) {
    char *v1 = authorize_text(a);
    biscuit_authorizer *r = NULL;
    if (biscuit_authorizer_to_snapshot(a, &b, &len, NULL) == BISCUIT_OK)
      r = restore(b, len, label);
    CHECK(r != NULL);
    char *v2 = r ? authorize_text(r) : NULL;
    expect_same(label, "verdict (policy-set authorizer)", v1, v2);
    free(v1);
    free(v2);
    biscuit_authorizer_free(r);
  }
  biscuit_free(b);
  biscuit_authorizer_free(a);
}

/*
** The policy-set round trip: same source, same bytes when written again,
** same verdict on the token.
*/
static void sample_policy(const biscuit_token *t, const char *code,
                          const char *label) {
  biscuit_policy *p = NULL, *q = NULL;
  uint8_t *b = NULL, *b2 = NULL;
  size_t len = 0, len2 = 0;
  if (biscuit_policy_from_text(code, NULL, NULL, &p, NULL) != BISCUIT_OK) {
    CHECK(!"policy_from_text");
    return;
  }
  CHECK(biscuit_policy_to_snapshot(p, &b, &len, NULL) == BISCUIT_OK);
  CHECK(b && biscuit_policy_from_snapshot(b, len, &q, NULL) == BISCUIT_OK);
  if (q) {
    char *s1 = biscuit_policy_source(p), *s2 = biscuit_policy_source(q);
    expect_same(label, "policy source", s1, s2);
    CHECK(biscuit_policy_to_snapshot(q, &b2, &len2, NULL) == BISCUIT_OK);
    CHECK(b2 && len2 == len && memcmp(b, b2, len) == 0);
    char *v1 = policy_verdict(p, t), *v2 = policy_verdict(q, t);
    expect_same(label, "policy verdict", v1, v2);
    policy_authorizer(p, t, label);
    free(v1);
    free(v2);
    biscuit_free(s1);
    biscuit_free(s2);
  }
  if (b)
    keep(b, len, 1);
  biscuit_free(b);
  biscuit_free(b2);
  biscuit_policy_free(p);
  biscuit_policy_free(q);
}

static biscuit_token *decode_sample(const char *file,
                                    const biscuit_public_key *root) {
  size_t len = 0;
  biscuit_token *t = NULL;
  uint8_t *bytes = read_sample(file, &len);
  if (bytes && biscuit_token_from_bytes(bytes, len, root, NULL, &t, NULL) !=
                   BISCUIT_OK)
    t = NULL;
  free(bytes);
  return t;
}

static int n_samples_run;

static void run_samples(void) {
  json_t *root = samples_load(NULL);
  const char *key = json_string_value(json_object_get(root, "root_public_key"));
  biscuit_public_key *pk = NULL;
  CHECK(key && biscuit_public_key_from_text(BISCUIT_ED25519, key, &pk, NULL) ==
                   BISCUIT_OK);
  json_t *cases = json_object_get(root, "testcases");
  for (size_t i = 0; pk && i < json_array_size(cases); i++) {
    json_t *tc = json_array_get(cases, i);
    const char *file = json_string_value(json_object_get(tc, "filename"));
    biscuit_token *t = file ? decode_sample(file, pk) : NULL;
    const char *name;
    json_t *v;
    if (!t)
      continue; /* the samples whose decoding fails */
    json_object_foreach(json_object_get(tc, "validations"), name, v) {
      char label[300];
      const char *code =
          json_string_value(json_object_get(v, "authorizer_code"));
      snprintf(label, sizeof label, "%s [%s]", file, name);
      sample_authorizers(t, code ? code : "", label);
      sample_policy(t, code ? code : "", label);
      n_samples_run++;
    }
    biscuit_token_free(t);
  }
  CHECK(n_samples_run >= 40);
  biscuit_public_key_free(pk);
  json_decref(root);
}

/* ------------------------------------------------------ builder snapshots */

static biscuit_token *make_token(biscuit_keypair **root, const char *code) {
  uint8_t seed[32];
  biscuit_token *t = NULL;
  memset(seed, 3, sizeof seed);
  if (biscuit_keypair_from_bytes(BISCUIT_ED25519, seed, 32, root, NULL) ==
      BISCUIT_OK)
    biscuit_token_create(*root, code, NULL, &t, NULL);
  return t;
}

/*
** An authorizer without a token that never ran is the reference's
** builder snapshot: readable as a policy set, and restorable into an
** authorizer that still takes a token. Its limits survive.
*/
static void test_builder(void) {
  biscuit_keypair *root = NULL;
  biscuit_token *t = make_token(&root, "user(\"alice\");");
  biscuit_authorizer *a = NULL, *r = NULL, *ra = NULL;
  biscuit_policy *p = NULL;
  uint8_t *b = NULL, *b2 = NULL;
  size_t len = 0, len2 = 0;
  CHECK(t && biscuit_authorizer_new(NULL, &a, NULL) == BISCUIT_OK);
  biscuit_limits l = {42, 7, 5000, 0, 0, 0, 0, 0, 0, 0};
  biscuit_authorizer_set_limits(a, &l);
  CHECK(biscuit_authorizer_add_code(a, "allow if user(\"alice\");", NULL,
                                    NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_to_snapshot(a, &b, &len, NULL) == BISCUIT_OK);
  CHECK(b && biscuit_policy_from_snapshot(b, len, &p, NULL) == BISCUIT_OK);
  char *src = p ? biscuit_policy_source(p) : NULL;
  CHECK_STR(src, "allow if user(\"alice\");\n");
  CHECK(b && biscuit_authorizer_from_snapshot(b, len, &r, NULL) == BISCUIT_OK);
  CHECK(r && biscuit_authorizer_add_token(r, t, NULL) == BISCUIT_OK);
  size_t index = 9;
  CHECK(r && biscuit_authorizer_authorize(r, &index, NULL) == BISCUIT_OK &&
        index == 0);
  /* the limits came back: the restored, unrun copy writes the same bytes */
  CHECK(b && biscuit_authorizer_from_snapshot(b, len, &ra, NULL) == BISCUIT_OK);
  CHECK(ra &&
        biscuit_authorizer_to_snapshot(ra, &b2, &len2, NULL) == BISCUIT_OK);
  CHECK(b2 && len2 == len && memcmp(b, b2, len) == 0);
  biscuit_free(src);
  biscuit_free(b);
  biscuit_free(b2);
  biscuit_policy_free(p);
  biscuit_authorizer_free(a);
  biscuit_authorizer_free(r);
  biscuit_authorizer_free(ra);
  biscuit_token_free(t);
  biscuit_keypair_free(root);
}

/*
** A restored authorizer that ran is closed to loading (the reference's
** Authorizer), keeps the run's statistics, and answers queries as the
** original does.
*/
static void test_after_run(void) {
  biscuit_keypair *root = NULL;
  biscuit_token *t = make_token(&root, "right(\"f\", \"read\"); "
                                       "can($r) <- right($r, \"read\");");
  biscuit_authorizer *a = NULL, *r = NULL;
  uint8_t *b = NULL;
  size_t len = 0, index = 0;
  char *q1 = NULL, *q2 = NULL;
  CHECK(t && biscuit_authorizer_new(NULL, &a, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_add_token(a, t, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_add_code(a, "allow if can(\"f\");", NULL, NULL) ==
        BISCUIT_OK);
  CHECK(biscuit_authorizer_authorize(a, &index, NULL) == BISCUIT_OK);
  uint64_t it1 = 0, us1 = 0, it2 = 0, us2 = 0;
  biscuit_authorizer_stats(a, &it1, &us1);
  CHECK(biscuit_authorizer_to_snapshot(a, &b, &len, NULL) == BISCUIT_OK);
  CHECK(b && biscuit_authorizer_from_snapshot(b, len, &r, NULL) == BISCUIT_OK);
  biscuit_authorizer_stats(r, &it2, &us2);
  CHECK(it1 == it2 && us1 == us2 && it1 > 0);
  CHECK(r && biscuit_authorizer_add_token(r, t, NULL) == BISCUIT_E_MISUSE);
  CHECK(r && biscuit_authorizer_add_code(r, "a(1);", NULL, NULL) ==
                 BISCUIT_E_MISUSE);
  CHECK(biscuit_authorizer_query(a, "x($r) <- can($r)", NULL, 0, &q1, NULL) ==
        BISCUIT_OK);
  CHECK(r && biscuit_authorizer_query(r, "x($r) <- can($r)", NULL, 0, &q2,
                                      NULL) == BISCUIT_OK);
  CHECK_STR(q2, "x(\"f\")\n");
  CHECK_STR(q1, q2);
  CHECK(r && biscuit_authorizer_authorize(r, &index, NULL) == BISCUIT_OK);
  biscuit_authorizer_stats(r, &it2, &us2);
  CHECK(it1 == it2 && us2 >= us1);
  biscuit_free(q1);
  biscuit_free(q2);
  biscuit_free(b);
  biscuit_authorizer_free(a);
  biscuit_authorizer_free(r);
  biscuit_token_free(t);
  biscuit_keypair_free(root);
}

/*
** A run stopped by a limit leaves a partial world: its snapshot carries
** no execution time, so the restored authorizer (with the same limits)
** runs again and stops alike.
*/
static void test_failed_run(void) {
  biscuit_keypair *root = NULL;
  biscuit_token *t = make_token(&root, "a(1); a(2); a(3); b($x) <- a($x);");
  biscuit_authorizer *a = NULL, *r = NULL;
  uint8_t *b = NULL;
  size_t len = 0;
  uint64_t it = 0, us = 9;
  CHECK(t && biscuit_authorizer_new(NULL, &a, NULL) == BISCUIT_OK);
  biscuit_limits l = {4, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  biscuit_authorizer_set_limits(a, &l);
  CHECK(biscuit_authorizer_add_token(a, t, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_add_code(a, "allow if true;", NULL, NULL) ==
        BISCUIT_OK);
  char *v1 = authorize_text(a);
  CHECK(v1 && strstr(v1, "TooManyFacts"));
  CHECK(biscuit_authorizer_to_snapshot(a, &b, &len, NULL) == BISCUIT_OK);
  CHECK(b && biscuit_authorizer_from_snapshot(b, len, &r, NULL) == BISCUIT_OK);
  if (r)
    biscuit_authorizer_stats(r, &it, &us);
  CHECK(us == 0);
  char *v2 = r ? authorize_text(r) : NULL;
  CHECK_STR(v2, v1);
  free(v1);
  free(v2);
  biscuit_free(b);
  biscuit_authorizer_free(a);
  biscuit_authorizer_free(r);
  biscuit_token_free(t);
  biscuit_keypair_free(root);
}

/*
** A larger world (4,000 facts, half of them derived) fits a snapshot and
** comes back whole.
*/
static void test_large(void) {
  biscuit_authorizer *a = NULL, *r = NULL;
  uint8_t *b = NULL;
  size_t len = 0;
  char *code = malloc(200000), *p = code;
  CHECK(code && biscuit_authorizer_new(NULL, &a, NULL) == BISCUIT_OK);
  if (!code || !a)
    return;
  for (int i = 0; i < 2000; i++)
    p += sprintf(p, "f(%d, \"user%d\");\n", i, i);
  sprintf(p, "g($s) <- f($i, $s), $i >= 0;\nallow if g(\"user1999\");\n");
  biscuit_limits l = {10000, 0, 1000000, 0, 0, 0, 0, 0, 0, 0};
  biscuit_authorizer_set_limits(a, &l);
  CHECK(biscuit_authorizer_add_code(a, code, NULL, NULL) == BISCUIT_OK);
  char *v1 = authorize_text(a), *w1 = world_text(a);
  CHECK(biscuit_authorizer_to_snapshot(a, &b, &len, NULL) == BISCUIT_OK);
  CHECK(b && len < 200000);
  CHECK(b && biscuit_authorizer_from_snapshot(b, len, &r, NULL) == BISCUIT_OK);
  char *w2 = r ? world_text(r) : NULL, *v2 = r ? authorize_text(r) : NULL;
  CHECK_STR(v2, v1);
  CHECK(w1 && w2 && strcmp(w1, w2) == 0);
  free(v1);
  free(v2);
  free(w1);
  free(w2);
  free(code);
  biscuit_free(b);
  biscuit_authorizer_free(a);
  biscuit_authorizer_free(r);
}

/*
** A policy set with keys in scopes (which AuthorizerPolicies cannot
** carry) round-trips through the builder AuthorizerSnapshot; one
** without writes an AuthorizerPolicies, which the authorizer reader
** refuses.
*/
static void test_policy_forms(void) {
  const char *with_key =
      "check if a(1) trusting ed25519/"
      "acdd6d5b53bfee478bf689f8e012fe7988bf755e3d7c5152947abc149bc20189;\n"
      "\nallow if true;\n";
  biscuit_policy *p = NULL, *q = NULL;
  biscuit_authorizer *a = NULL;
  uint8_t *b = NULL;
  size_t len = 0;
  CHECK(biscuit_policy_from_text(with_key, NULL, NULL, &p, NULL) == BISCUIT_OK);
  CHECK(p && biscuit_policy_to_snapshot(p, &b, &len, NULL) == BISCUIT_OK);
  CHECK(b && biscuit_authorizer_from_snapshot(b, len, &a, NULL) == BISCUIT_OK);
  CHECK(b && biscuit_policy_from_snapshot(b, len, &q, NULL) == BISCUIT_OK);
  char *s = q ? biscuit_policy_source(q) : NULL;
  CHECK_STR(s, with_key);
  biscuit_free(s);
  biscuit_free(b);
  biscuit_policy_free(p);
  biscuit_policy_free(q);
  biscuit_authorizer_free(a);
  p = NULL;
  a = NULL;
  b = NULL;
  CHECK(biscuit_policy_from_text("allow if true;", NULL, NULL, &p, NULL) ==
        BISCUIT_OK);
  CHECK(p && biscuit_policy_to_snapshot(p, &b, &len, NULL) == BISCUIT_OK);
  /* symbols: none; version 6; one policy: queries [head query()], Allow */
  static const uint8_t want[] = {0x10, 0x06, 0x32, 0x10, 0x0a, 0x0c, 0x0a,
                                 0x02, 0x08, 0x1b, 0x1a, 0x06, 0x0a, 0x04,
                                 0x0a, 0x02, 0x30, 0x01, 0x10, 0x00};
  CHECK(b && len == sizeof want && memcmp(b, want, len) == 0);
  biscuit_error *e = NULL;
  CHECK(b &&
        biscuit_authorizer_from_snapshot(b, len, &a, &e) == BISCUIT_E_FORMAT);
  biscuit_error_free(e);
  biscuit_free(b);
  biscuit_policy_free(p);
}

/*
** A snapshot the reference wrote (biscuit-rust, as published with the
** Biscuit blog post on snapshots): a token block with two facts and a
** check, the authorizer's facts, check and policy, after a run of 17 us
** and 0 iterations. We restore it and write it back identically but for
** the world version (the reference then wrote 4, ours is 6) and the
** order of the generated fact groups (a hash map's in the reference).
*/
static const char ref_snapshot[] =
    "CgkI6AcQZBjAhD0Q2YkBGvMBCAQSCi9maWxlMS50eHQSBDEyMzQiRBADGgkKBwgKEgMYgQga"
    "DQoLCAQSAxiACBICGAAqJgokCgIIGxIGCAUSAggFGhYKBAoCCAUKCAoGIIDEpKsGCgQaAggA"
    "KjUQAxoJCgcIAhIDGIAIGggKBggDEgIYABoMCgoIBRIGILCX3aoGKg4KDAoCCBsSBggKEgII"
    "CjIVChEKAggbEgsIBBIDGIAIEgIYABAAOicKAgoAEggKBggDEgIYABIJCgcIAhIDGIAIEgwK"
    "CggFEgYgsJfdqgY6HgoCEAASDQoLCAQSAxiACBICGAASCQoHCAoSAxiBCEAA";

static void test_reference_snapshot(void) {
  uint8_t *raw = NULL, *again = NULL;
  size_t n = 0, n2 = 0, index = 9;
  biscuit_authorizer *a = NULL;
  uint64_t it = 9, us = 0;
  char *q = NULL;
  CHECK(biscuit_base64_decode(ref_snapshot, strlen(ref_snapshot), &raw, &n) ==
        BISCUIT_OK);
  CHECK(raw &&
        biscuit_authorizer_from_snapshot(raw, n, &a, NULL) == BISCUIT_OK);
  if (!a) {
    biscuit_free(raw);
    return;
  }
  biscuit_authorizer_stats(a, &it, &us);
  CHECK(it == 0 && us == 17);
  char *src = biscuit_authorizer_source(a);
  CHECK_STR(src, "resource(\"/file1.txt\");\noperation(\"read\");\n"
                 "time(2023-11-17T11:17:04Z);\n\ncheck if user($user);\n\n"
                 "allow if right(\"/file1.txt\", \"read\");\n");
  CHECK(biscuit_authorizer_to_snapshot(a, &again, &n2, NULL) == BISCUIT_OK);
  /* up to the world version: limits, time, symbols, blocks, policies */
  CHECK(again && n2 == n && memcmp(raw, again, 19) == 0 && raw[19] == 4 &&
        again[19] == 6 && memcmp(raw + 20, again + 20, 166) == 0);
  CHECK(biscuit_authorizer_authorize(a, &index, NULL) == BISCUIT_OK &&
        index == 0);
  CHECK(biscuit_authorizer_query(a, "u($x) <- user($x)", NULL, 0, &q, NULL) ==
        BISCUIT_OK);
  CHECK_STR(q, "u(\"1234\")\n");
  biscuit_free(q);
  biscuit_free(src);
  biscuit_free(raw);
  biscuit_free(again);
  biscuit_authorizer_free(a);
}

/* Arguments the caller got wrong. */
static void test_misuse(void) {
  uint8_t *out = (uint8_t *)1;
  size_t len = 7;
  biscuit_authorizer *a = (biscuit_authorizer *)1;
  biscuit_policy *p = (biscuit_policy *)1;
  CHECK(biscuit_authorizer_to_snapshot(NULL, &out, &len, NULL) ==
        BISCUIT_E_MISUSE);
  CHECK(out == NULL && len == 0);
  CHECK(biscuit_authorizer_from_snapshot(NULL, 3, &a, NULL) ==
        BISCUIT_E_MISUSE);
  CHECK(a == NULL);
  CHECK(biscuit_policy_to_snapshot(NULL, &out, &len, NULL) == BISCUIT_E_MISUSE);
  CHECK(biscuit_policy_from_snapshot(NULL, 3, &p, NULL) == BISCUIT_E_MISUSE);
  CHECK(p == NULL);
  CHECK(biscuit_authorizer_from_snapshot(NULL, 0, &a, NULL) ==
        BISCUIT_E_FORMAT);
}

/* ------------------------------------------------------ hand-made bytes */

/* A protobuf writer just big enough for the hostile messages. */
typedef struct pbw {
  uint8_t *b;
  size_t n, cap;
} pbw;

static void pw_byte(pbw *w, uint8_t c) {
  if (w->n == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 256;
    uint8_t *nb = realloc(w->b, cap);
    if (!nb)
      abort();
    w->b = nb;
    w->cap = cap;
  }
  w->b[w->n++] = c;
}

static void pw_varint(pbw *w, uint64_t v) {
  while (v >= 0x80) {
    pw_byte(w, (uint8_t)(v | 0x80));
    v >>= 7;
  }
  pw_byte(w, (uint8_t)v);
}

static void pw_uint(pbw *w, unsigned field, uint64_t v) {
  pw_varint(w, (uint64_t)field << 3);
  pw_varint(w, v);
}

static void pw_bytes(pbw *w, unsigned field, const void *p, size_t n) {
  pw_varint(w, (uint64_t)field << 3 | 2);
  pw_varint(w, n);
  for (size_t i = 0; i < n; i++)
    pw_byte(w, ((const uint8_t *)p)[i]);
}

/* Append sub as field `field` of w, and free sub. */
static void pw_msg(pbw *w, unsigned field, pbw *sub) {
  pw_bytes(w, field, sub->b, sub->n);
  free(sub->b);
  memset(sub, 0, sizeof *sub);
}

static void pw_str(pbw *w, unsigned field, const char *s) {
  pw_bytes(w, field, s, strlen(s));
}

/* Fact name(term) where the term is a string or a variable index. */
static void pw_fact(pbw *w, unsigned field, uint64_t name, unsigned kind,
                    uint64_t term) {
  pbw t = {0}, p = {0}, f = {0};
  pw_uint(&t, kind, term);
  pw_uint(&p, 1, name);
  pw_msg(&p, 2, &t);
  pw_msg(&f, 1, &p);
  pw_msg(w, field, &f);
}

/* What to break in a hand-made AuthorizerSnapshot. */
typedef struct craft {
  const char *sym[3];
  int version;        /* -1: absent */
  uint64_t fact_name; /* 1024 + k: sym[k] */
  unsigned term_kind; /* Term field: 1 variable, 3 string */
  int origin;         /* -2: no origin, -1: authorizer, else a block index */
  int empty_origin;   /* an Origin with no content */
  int block;          /* one token block */
  int block_rule_unbound;
  int block_scope_key; /* a scope key index in the block */
  int authority_key;   /* an external key on block 0 */
  int policy_kind;     /* -1: no policy */
  uint64_t iterations;
  int empty_blocks; /* blocks with nothing but a version */
  int nest;         /* the fact's term: arrays nested this deep */
} craft;

static const craft base = {
    {"a", NULL, NULL}, 6, 1024, 3, -1, 0, 0, 0, -1, 0, -1, 0, 0, 0};

static void craft_block(pbw *world, const craft *c) {
  pbw b = {0};
  pw_uint(&b, 2, 3);
  pw_fact(&b, 3, 1024, 3, 1024);
  if (c->block_rule_unbound) { /* a($x) <- with an empty body */
    pbw t = {0}, h = {0}, r = {0};
    pw_uint(&t, 1, 1024);
    pw_uint(&h, 1, 1024);
    pw_msg(&h, 2, &t);
    pw_msg(&r, 1, &h);
    pw_msg(&b, 4, &r);
  }
  if (c->block_scope_key >= 0) {
    pbw s = {0};
    pw_uint(&s, 2, (uint64_t)c->block_scope_key);
    pw_msg(&b, 6, &s);
  }
  if (c->authority_key) {
    uint8_t key[32] = {1};
    pbw k = {0};
    pw_uint(&k, 1, 0);
    pw_bytes(&k, 2, key, 32);
    pw_msg(&b, 7, &k);
  }
  pw_msg(world, 4, &b);
}

static void craft_facts(pbw *world, const craft *c) {
  pbw g = {0}, o = {0};
  if (c->origin == -1) {
    pw_bytes(&o, 1, "", 0);
    pw_msg(&g, 1, &o);
  } else if (c->origin >= 0) {
    pw_uint(&o, 2, (uint64_t)c->origin);
    pw_msg(&g, 1, &o);
  }
  if (c->empty_origin)
    pw_bytes(&g, 1, "", 0);
  if (c->nest) { /* a([[...[1]...]]) */
    pbw t = {0}, p = {0}, f = {0};
    pw_uint(&t, 2, 1);
    for (int i = 0; i < c->nest; i++) {
      pbw arr = {0}, term = {0};
      pw_msg(&arr, 1, &t);
      pw_msg(&term, 9, &arr);
      t = term;
    }
    pw_uint(&p, 1, c->fact_name);
    pw_msg(&p, 2, &t);
    pw_msg(&f, 1, &p);
    pw_msg(&g, 2, &f);
  } else {
    pw_fact(&g, 2, c->fact_name, c->term_kind, 1024);
  }
  pw_msg(world, 7, &g);
}

static pbw craft_snapshot(const craft *c) {
  pbw s = {0}, lim = {0}, w = {0}, ab = {0};
  pw_uint(&lim, 1, 1000);
  pw_uint(&lim, 2, 100);
  pw_uint(&lim, 3, 1000000);
  pw_msg(&s, 1, &lim);
  pw_uint(&s, 2, 0);
  if (c->version >= 0)
    pw_uint(&w, 1, (uint64_t)c->version);
  for (int i = 0; i < 3 && c->sym[i]; i++)
    pw_str(&w, 2, c->sym[i]);
  if (c->block)
    craft_block(&w, c);
  for (int i = 0; i < c->empty_blocks; i++) {
    pbw blk = {0};
    pw_uint(&blk, 2, 3);
    pw_msg(&w, 4, &blk);
  }
  pw_uint(&ab, 2, 3);
  pw_msg(&w, 5, &ab);
  if (c->policy_kind >= 0) {
    pbw p = {0};
    pw_uint(&p, 2, (uint64_t)c->policy_kind);
    pw_msg(&w, 6, &p);
  }
  craft_facts(&w, c);
  pw_uint(&w, 8, c->iterations);
  pw_msg(&s, 3, &w);
  return s;
}

/* One restore that must fail with `want`, leaking nothing. */
static void expect_refused(const pbw *w, biscuit_status want,
                           const char *what) {
  size_t live = bx_alloc_live();
  biscuit_authorizer *a = NULL;
  biscuit_error *e = NULL;
  biscuit_status st = biscuit_authorizer_from_snapshot(w->b, w->n, &a, &e);
  if (st != want)
    fprintf(stderr, "%s: got %s (%s)\n", what, biscuit_status_str(st),
            e ? biscuit_error_message(e) : "-");
  CHECK(st == want && (st == BISCUIT_OK) == (a != NULL));
  biscuit_error_free(e);
  biscuit_authorizer_free(a);
  CHECK(bx_alloc_live() == live);
}

static void refuse(craft c, biscuit_status want, const char *what) {
  pbw w = craft_snapshot(&c);
  expect_refused(&w, want, what);
  free(w.b);
}

static void test_crafted(void) {
  craft c = base;
  refuse(c, BISCUIT_OK, "the valid base");
  c.block = 1;
  c.origin = 0;
  refuse(c, BISCUIT_OK, "a block and a fact of it");
  c = base, c.fact_name = 1025;
  refuse(c, BISCUIT_E_FORMAT, "unknown symbol");
  c = base, c.origin = 0;
  refuse(c, BISCUIT_E_FORMAT, "origin of a missing block");
  c = base, c.origin = -2;
  refuse(c, BISCUIT_E_FORMAT, "no origin");
  c = base, c.empty_origin = 1;
  refuse(c, BISCUIT_E_FORMAT, "empty origin oneof");
  c = base, c.sym[0] = "read";
  refuse(c, BISCUIT_E_FORMAT, "default symbol in the table");
  c = base, c.sym[1] = "a";
  refuse(c, BISCUIT_E_FORMAT, "repeated symbol");
  c = base, c.sym[0] = "\xff";
  refuse(c, BISCUIT_E_FORMAT, "symbol not UTF-8");
  c = base, c.version = 2;
  refuse(c, BISCUIT_E_FORMAT, "version 2");
  c.version = 7;
  refuse(c, BISCUIT_E_FORMAT, "version 7");
  c.version = -1;
  refuse(c, BISCUIT_E_FORMAT, "no version");
  c = base, c.term_kind = 1;
  refuse(c, BISCUIT_E_FORMAT, "variable in a fact");
  c = base, c.block = 1, c.block_scope_key = 0;
  refuse(c, BISCUIT_E_FORMAT, "unknown key index");
  c = base, c.block = 1, c.block_rule_unbound = 1;
  refuse(c, BISCUIT_E_LOGIC, "unbound head variable");
  c = base, c.block = 1, c.authority_key = 1;
  refuse(c, BISCUIT_E_FORMAT, "external key on the authority");
  c = base, c.policy_kind = 5;
  refuse(c, BISCUIT_E_FORMAT, "unknown policy kind");
  c = base, c.policy_kind = 1;
  refuse(c, BISCUIT_OK, "a deny policy");
}

/* Structure: depth, size, block count, and policy-set readers. */
static void test_crafted_limits(void) {
  pbw w = {0};
  craft c = base;
  c.nest = 60;
  refuse(c, BISCUIT_OK, "nesting 60 arrays deep");
  c.nest = 150;
  refuse(c, BISCUIT_E_LIMIT, "nesting 150 arrays deep");
  size_t big = ((size_t)1 << 20) + 1; /* BTK_SNAPSHOT_MAX_SIZE + 1 */
  w.b = calloc(big, 1);
  w.n = big;
  expect_refused(&w, BISCUIT_E_LIMIT, "over the size limit");
  free(w.b);
  c = base;
  c.empty_blocks = 127;
  refuse(c, BISCUIT_OK, "127 blocks");
  c.empty_blocks = 128;
  refuse(c, BISCUIT_E_LIMIT, "128 blocks");
}

/* Policy readers: bad AuthorizerPolicies and non-builder snapshots. */
static void test_crafted_policies(void) {
  biscuit_policy *p = NULL;
  pbw w = {0};
  pw_str(&w, 1, "a");
  pw_fact(&w, 3, 1024, 3, 1025);
  CHECK(biscuit_policy_from_snapshot(w.b, w.n, &p, NULL) == BISCUIT_E_FORMAT);
  pw_uint(&w, 2, 6); /* version after the fact: still no symbol 1025 */
  CHECK(biscuit_policy_from_snapshot(w.b, w.n, &p, NULL) == BISCUIT_E_FORMAT);
  free(w.b);
  w = (pbw){0};
  pw_str(&w, 1, "a");
  pw_uint(&w, 2, 6);
  pw_fact(&w, 3, 1024, 3, 1024);
  CHECK(biscuit_policy_from_snapshot(w.b, w.n, &p, NULL) == BISCUIT_OK);
  char *s = p ? biscuit_policy_source(p) : NULL;
  CHECK_STR(s, "a(\"a\");\n\n");
  biscuit_free(s);
  biscuit_policy_free(p);
  p = NULL;
  free(w.b);
  craft c = base;
  c.iterations = 1;
  w = craft_snapshot(&c);
  CHECK(biscuit_policy_from_snapshot(w.b, w.n, &p, NULL) == BISCUIT_E_FORMAT);
  CHECK(p == NULL);
  free(w.b);
}

/* ------------------------------------------------------ mangled snapshots */

/* Restore any bytes: an error value or a usable object, never a leak. */
static void try_bytes(const uint8_t *b, size_t len, int *ok) {
  size_t live = bx_alloc_live();
  biscuit_authorizer *a = NULL;
  biscuit_policy *p = NULL;
  biscuit_error *e = NULL;
  biscuit_status st = biscuit_authorizer_from_snapshot(b, len, &a, &e);
  CHECK((st == BISCUIT_OK) == (a != NULL) && (st == BISCUIT_OK) == !e);
  if (a) {
    char *w = world_text(a);
    (*ok)++;
    free(w);
  }
  biscuit_authorizer_free(a);
  biscuit_error_free(e);
  e = NULL;
  st = biscuit_policy_from_snapshot(b, len, &p, &e);
  CHECK((st == BISCUIT_OK) == (p != NULL) && (st == BISCUIT_OK) == !e);
  if (p) {
    char *src = biscuit_policy_source(p);
    CHECK(src != NULL);
    biscuit_free(src);
  }
  biscuit_policy_free(p);
  biscuit_error_free(e);
  if (bx_alloc_live() != live) {
    t_fail++;
    fprintf(stderr, "leak restoring %zu mangled bytes\n", len);
  }
}

/*
** Truncations at every offset: an AuthorizerSnapshot cut anywhere loses
** a required field (or cuts a length), so none may restore.
*/
static void test_truncations(void) {
  for (size_t i = 0; i < n_snaps; i++) {
    int ok = 0;
    for (size_t n = 0; n < snaps[i].len; n++)
      try_bytes(snaps[i].bytes, n, &ok);
    if (!snaps[i].policy)
      CHECK(ok == 0);
  }
}

/* Each byte replaced by a few values (xorshift, fixed seed). */
static void test_flips(void) {
  uint64_t x = 88172645463325252ULL;
  for (size_t i = 0; i < n_snaps; i += 3) {
    uint8_t *b = malloc(snaps[i].len);
    int ok = 0;
    for (size_t k = 0; b && k < snaps[i].len; k++) {
      memcpy(b, snaps[i].bytes, snaps[i].len);
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      b[k] ^= (uint8_t)(x | 1);
      try_bytes(b, snaps[i].len, &ok);
    }
    free(b);
  }
}

static void test_random(void) {
  uint64_t x = 2463534242ULL;
  uint8_t b[512];
  int ok = 0;
  for (int i = 0; i < 2000; i++) {
    size_t n = (size_t)(x % sizeof b);
    for (size_t k = 0; k < n; k++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      b[k] = (uint8_t)x;
    }
    try_bytes(b, n, &ok);
  }
}

/* --------------------------------------------------- allocation failures */


/*
** Snapshot and restore under the N-th allocation failing, for every N:
** NOMEM or success, and nothing leaked.
*/
static void test_nomem(void) {
  const snap *s = NULL;
  for (size_t i = 0; i < n_snaps && !s; i++)
    if (!snaps[i].policy && snaps[i].len > 300)
      s = &snaps[i];
  CHECK(s != NULL);
  for (fail_at = 1; s && fail_at < 100000; fail_at++) {
    size_t live = bx_alloc_live();
    biscuit_authorizer *a = NULL;
    uint8_t *b = NULL;
    size_t len = 0;
    n_allocs = 0;
    bx_set_alloc(failing_alloc, NULL);
    biscuit_status st =
        biscuit_authorizer_from_snapshot(s->bytes, s->len, &a, NULL);
    if (st == BISCUIT_OK)
      st = biscuit_authorizer_to_snapshot(a, &b, &len, NULL);
    long used = n_allocs;
    bx_set_alloc(NULL, NULL);
    CHECK(st == BISCUIT_OK || st == BISCUIT_E_NOMEM);
    biscuit_free(b);
    biscuit_authorizer_free(a);
    CHECK(bx_alloc_live() == live);
    if (used < fail_at)
      break; /* no allocation failed: done */
  }
}

int main(void) {
  run_samples();
  test_builder();
  test_after_run();
  test_failed_run();
  test_large();
  test_policy_forms();
  test_misuse();
  test_reference_snapshot();
  test_crafted();
  test_crafted_limits();
  test_crafted_policies();
  test_truncations();
  test_flips();
  test_random();
  test_nomem();
  printf("%d sample validations, %zu snapshots kept\n", n_samples_run, n_snaps);
  for (size_t i = 0; i < n_snaps; i++)
    free(snaps[i].bytes);
  TEST_DONE();
}
