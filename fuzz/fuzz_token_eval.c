/*
** libFuzzer harness: hostile token blocks straight into the evaluator.
**
** fuzz_authorize only reaches the evaluator with blocks our own parser
** produced; a real attacker writes protobuf. Here the input is token
** bytes (the seeds are the token corpus), decoded WITHOUT signature
** checks and then treated as verified, so a mutated block body reaches
** Datalog without the fuzzer having to forge signatures: arbitrary op
** sequences (unbalanced stacks, closures in odd places, unknown
** variables), odd term kinds, scopes and huge ids.
**
** Per input: decode unverified, mark verified, authorize with a small
** request, deterministic limits (no clock: the work budget decides), an
** extern that echoes, then dump the world and take a snapshot of the run
** and restore it.
**
** Properties checked (abort on violation): the verdict is OK, DENIED or an
** error value; a snapshot taken after a decision restores.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/authorizer.h"
#include "token/token.h"

static const char request[] = "resource(\"file1\");\n"
                              "operation(\"read\");\n"
                              "time(2020-12-21T09:23:12Z);\n"
                              "allow if true;\n";

static _Noreturn void violated(const char *what) {
  fprintf(stderr, "fuzz_token_eval: %s\n", what);
  abort();
}

/* The extern: returns its receiver (arg NULL) or the argument. */
static int echo(void *ud, const char *name, const char *receiver,
                const char *arg, char **result) {
  (void)ud;
  (void)name;
  const char *v = arg ? arg : receiver;
  *result = strdup(v);
  return *result ? 0 : 1;
}

static void snapshot_round_trip(btk_authorizer *a) {
  uint8_t *snap = NULL;
  size_t n = 0;
  btk_authorizer *b = NULL;
  if (btk_authorizer_to_snapshot(a, &snap, &n, NULL) != BISCUIT_OK)
    return;
  biscuit_status st = btk_authorizer_from_snapshot(snap, n, &b, NULL);
  /* NOMEM and LIMIT are acceptable (the snapshot may hold more facts
     than the decoder's caps); a format error means we wrote garbage */
  if (st == BISCUIT_E_FORMAT)
    violated("a snapshot of a decided run does not restore");
  btk_authorizer_free(b);
  bx_free(snap);
}

static void evaluate(const btk_token *t) {
  btk_authorizer *a = btk_authorizer_new(NULL);
  if (!a)
    return;
  bdl_limits_default(&a->limits);
  a->limits.max_time_ns = 0; /* deterministic: the work budget decides */
  a->limits.max_work = 200000;
  btk_authorizer_set_extern(a, echo, NULL);
  bdl_result res;
  memset(&res, 0, sizeof res);
  if (btk_authorizer_add_token(a, t, NULL) == BISCUIT_OK &&
      btk_authorizer_add_code(a, request, sizeof request - 1, NULL, NULL) ==
          BISCUIT_OK) {
    biscuit_status st = btk_authorizer_authorize(a, &res, NULL);
    if (st == BISCUIT_OK || st == BISCUIT_DENIED) {
      char *json = NULL;
      if (btk_authorizer_world_json(a, &json, NULL) == BISCUIT_OK)
        bx_free(json);
      snapshot_round_trip(a);
    }
    bdl_result_free(&res);
  }
  btk_authorizer_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  btk_token *t = NULL;
  if (btk_token_decode(data, size, NULL, NULL, &t, NULL) != BISCUIT_OK)
    return 0;
  t->verified = true; /* see the header: signatures are not the target */
  evaluate(t);
  btk_token_free(t);
  return 0;
}
