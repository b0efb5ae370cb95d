/*
** Allocation failure torture for token/ (STYLE 3.8, curl's -t): run a
** scenario once per allocation, failing the N-th one through the bx
** allocation hook; every run must end in BISCUIT_OK or BISCUIT_E_NOMEM
** and free everything. (OpenSSL's own allocations are not hooked.)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "test_alloc.h"
#include "test_util.h"
#include "token/codec.h"
#include "token/crypto.h"


static uint8_t *sample;
static size_t sample_len;
static btk_pubkey sample_root;

/* Decode, verify, re-encode, revocation ids and base64 of test024. */
static biscuit_status scenario_decode(void) {
  btk_envelope *e = NULL;
  uint8_t *out = NULL, *back = NULL;
  char *id = NULL, *b64 = NULL;
  size_t n = 0, bn = 0;
  bx_diag d;
  biscuit_status st = btk_envelope_decode(sample, sample_len, NULL, &e, &d);
  if (st == BISCUIT_OK)
    st = btk_envelope_verify(e, &sample_root, &d);
  if (st == BISCUIT_OK)
    st = btk_envelope_encode(e, &out, &n, &d);
  if (st == BISCUIT_OK)
    st = btk_revocation_id(e, 1, &id, &d);
  if (st == BISCUIT_OK && !(b64 = btk_base64_encode(out, n)))
    st = BISCUIT_E_NOMEM;
  if (st == BISCUIT_OK)
    st = btk_base64_decode(b64, strlen(b64), &back, &bn, &d);
  if (st == BISCUIT_OK)
    CHECK(bn == n && memcmp(back, out, n) == 0);
  bx_free(back);
  bx_free(b64);
  bx_free(id);
  bx_free(out);
  btk_envelope_free(e);
  return st;
}

/* Keys are made before the hook is armed; block bytes are constant. */
static btk_privkey root, tp, n1, n2, n3;

static biscuit_status third_party_step(btk_envelope *e, bx_diag *d) {
  uint8_t *req = NULL, *prev = NULL, *wire = NULL;
  size_t req_len = 0, prev_len = 0, wire_len = 0;
  btk_tp_contents c = {0}, c2 = {0};
  btk_span ps;
  biscuit_status st = btk_tp_request_from_envelope(e, &req, &req_len, d);
  if (st == BISCUIT_OK)
    st = btk_tp_request_decode(req, req_len, &prev, &prev_len, d);
  ps.ptr = prev;
  ps.len = prev_len;
  if (st == BISCUIT_OK)
    st = btk_tp_contents_create(ps, (const uint8_t *)"tp", 2, &tp, &c, d);
  if (st == BISCUIT_OK)
    st = btk_tp_contents_encode(&c, &wire, &wire_len, d);
  if (st == BISCUIT_OK)
    st = btk_tp_contents_decode(wire, wire_len, &c2, d);
  if (st == BISCUIT_OK)
    st = btk_envelope_append_third_party(e, &c2, &tp.pub, &n2, d);
  btk_tp_contents_clear(&c);
  btk_tp_contents_clear(&c2);
  bx_free(wire);
  bx_free(prev);
  bx_free(req);
  return st;
}

/* create, append, third-party append, seal, encode, decode, verify. */
static biscuit_status scenario_build(void) {
  btk_envelope *e = NULL, *e2 = NULL;
  uint8_t *out = NULL;
  size_t n = 0;
  bx_diag d;
  biscuit_status st = btk_envelope_create((const uint8_t *)"auth", 4, 3, &root,
                                          NULL, &n1, &e, &d);
  if (st == BISCUIT_OK)
    st = btk_envelope_append(e, (const uint8_t *)"b1", 2, 3, &n3, &d);
  if (st == BISCUIT_OK)
    st = third_party_step(e, &d);
  if (st == BISCUIT_OK)
    st = btk_envelope_seal(e, &d);
  if (st == BISCUIT_OK)
    st = btk_envelope_encode(e, &out, &n, &d);
  if (st == BISCUIT_OK)
    st = btk_envelope_decode(out, n, NULL, &e2, &d);
  if (st == BISCUIT_OK)
    st = btk_envelope_verify(e2, &root.pub, &d);
  bx_free(out);
  btk_envelope_free(e);
  btk_envelope_free(e2);
  return st;
}

/* Fail allocation 1, 2, ... until a run completes untouched. */
static void torture(const char *name, biscuit_status (*run)(void)) {
  long runs = 0;
  for (fail_at = 1;; fail_at++) {
    biscuit_status st;
    n_allocs = 0;
    bx_set_alloc(failing_alloc, NULL);
    st = run();
    bx_set_alloc(NULL, NULL);
    runs++;
    if (n_allocs < fail_at) {
      CHECK(st == BISCUIT_OK);
      break;
    }
    if (st != BISCUIT_E_NOMEM)
      fprintf(stderr, "%s: failing allocation %ld gave status %d\n", name,
              fail_at, (int)st);
    CHECK(st == BISCUIT_E_NOMEM);
    CHECK(bx_alloc_live() == 0);
  }
  printf("%s: %ld runs\n", name, runs);
  CHECK(runs > 5);
}

int main(void) {
  bx_diag d;
  sample = read_file(SAMPLES "test024_third_party.bc", &sample_len);
  CHECK(sample != NULL);
  sample_pubkey_hex("1055c750b1a1505937af1537c626ba3263995c33a64758aaaf"
                    "b1275b0312e284",
                    &sample_root);
  CHECK(btk_privkey_generate(BTK_ALG_P256, &root, &d) == BISCUIT_OK);
  CHECK(btk_privkey_generate(BTK_ALG_ED25519, &tp, &d) == BISCUIT_OK);
  CHECK(btk_privkey_generate(BTK_ALG_ED25519, &n1, &d) == BISCUIT_OK);
  CHECK(btk_privkey_generate(BTK_ALG_ED25519, &n2, &d) == BISCUIT_OK);
  CHECK(btk_privkey_generate(BTK_ALG_P256, &n3, &d) == BISCUIT_OK);
  if (sample) {
    torture("decode", scenario_decode);
    torture("build", scenario_build);
  }
  free(sample);
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
