/*
** libFuzzer harness: snapshots, the second kind of untrusted bytes a
** service reads (AuthorizerSnapshot and AuthorizerPolicies messages,
** often stored and reloaded). Through the public API.
**
** Per input: restore an authorizer, authorize it under deterministic
** limits, print its world and source, snapshot it again and restore
** that; read the same bytes as a policy set, print it, snapshot it and
** read it back.
**
** Properties checked (abort on violation):
**  - a snapshot this library wrote from a restored authorizer restores,
**    and writing it again gives the same bytes;
**  - a policy set read back from its own snapshot prints the same.
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biscuit/biscuit.h"

static _Noreturn void violated(const char *what) {
  fprintf(stderr, "fuzz_snapshot: %s\n", what);
  abort();
}

static bool same(const uint8_t *a, size_t na, const uint8_t *b, size_t nb) {
  return na == nb && (na == 0 || memcmp(a, b, na) == 0);
}

/* Snapshot a -> restore -> snapshot again: the bytes must agree. */
static void authorizer_round_trip(biscuit_authorizer *a) {
  uint8_t *s1 = NULL, *s2 = NULL;
  size_t n1 = 0, n2 = 0;
  biscuit_authorizer *b = NULL;
  if (biscuit_authorizer_to_snapshot(a, &s1, &n1, NULL) != BISCUIT_OK)
    return;
  biscuit_status st = biscuit_authorizer_from_snapshot(s1, n1, &b, NULL);
  if (st == BISCUIT_E_FORMAT || st == BISCUIT_E_PARSE)
    violated("our own snapshot does not restore");
  if (st == BISCUIT_OK &&
      biscuit_authorizer_to_snapshot(b, &s2, &n2, NULL) == BISCUIT_OK &&
      !same(s1, n1, s2, n2))
    violated("snapshot -> restore -> snapshot changed the bytes");
  biscuit_free(s1);
  biscuit_free(s2);
  biscuit_authorizer_free(b);
}

static void try_authorizer(const uint8_t *data, size_t size) {
  biscuit_authorizer *a = NULL;
  if (biscuit_authorizer_from_snapshot(data, size, &a, NULL) != BISCUIT_OK)
    return;
  biscuit_free(biscuit_authorizer_source(a));
  authorizer_round_trip(a);
  biscuit_limits l = biscuit_limits_default();
  l.max_time_us = 10000000; /* 10 s: the work budget decides */
  l.max_work = 200000;
  biscuit_authorizer_set_limits(a, &l);
  size_t policy = 0;
  biscuit_status st = biscuit_authorizer_authorize(a, &policy, NULL);
  if (st == BISCUIT_OK || st == BISCUIT_DENIED) {
    char *text = NULL;
    if (biscuit_authorizer_world_text(a, &text, NULL) == BISCUIT_OK)
      biscuit_free(text);
    if (biscuit_authorizer_explain(a, &text, NULL) == BISCUIT_OK)
      biscuit_free(text);
  }
  biscuit_authorizer_free(a);
}

static void try_policy(const uint8_t *data, size_t size) {
  biscuit_policy *p = NULL, *q = NULL;
  uint8_t *snap = NULL;
  size_t n = 0;
  if (biscuit_policy_from_snapshot(data, size, &p, NULL) != BISCUIT_OK)
    return;
  char *src = biscuit_policy_source(p);
  if (src && biscuit_policy_to_snapshot(p, &snap, &n, NULL) == BISCUIT_OK) {
    biscuit_status st = biscuit_policy_from_snapshot(snap, n, &q, NULL);
    if (st == BISCUIT_E_FORMAT || st == BISCUIT_E_PARSE)
      violated("our own policy snapshot does not read back");
    char *src2 = q ? biscuit_policy_source(q) : NULL;
    if (src2 && strcmp(src, src2) != 0)
      violated("a policy set read back from its snapshot prints otherwise");
    biscuit_free(src2);
  }
  biscuit_free(src);
  biscuit_free(snap);
  biscuit_policy_free(q);
  biscuit_policy_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try_authorizer(data, size);
  try_policy(data, size);
  return 0;
}
