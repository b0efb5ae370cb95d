/*
** libFuzzer harness: untrusted token bytes -> envelope -> token.
**
** Per input: btk_envelope_decode, then btk_token_decode unverified and
** verified against the official samples' root key (so the seeds take the
** verified path), printing and re-encoding every decoded block, then
** re-encoding the token. The third-party request/contents decoders, also
** fed untrusted bytes, run on the same input.
**
** Properties checked (abort on violation):
**  - encode(decode(x)) decodes again and re-encodes to the same bytes
**    (the envelope keeps no unknown fields, so its encoding is canonical);
**  - a token that verifies also decodes unverified;
**  - the re-encoded bytes of a verified token verify again.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/token.h"

/* tests/data/samples/samples.json "root_public_key". */
static const uint8_t sample_root[32] = {
    0x10, 0x55, 0xc7, 0x50, 0xb1, 0xa1, 0x50, 0x59, 0x37, 0xaf, 0x15,
    0x37, 0xc6, 0x26, 0xba, 0x32, 0x63, 0x99, 0x5c, 0x33, 0xa6, 0x47,
    0x58, 0xaa, 0xaf, 0xb1, 0x27, 0x5b, 0x03, 0x12, 0xe2, 0x84};

static btk_pubkey root_key;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (btk_pubkey_from_bytes(BTK_ALG_ED25519, sample_root, 32, &root_key,
                            NULL) != BISCUIT_OK)
    abort();
  return 0;
}

static _Noreturn void violated(const char *what) {
  fprintf(stderr, "fuzz_token_decode: %s\n", what);
  abort();
}

static bool same(const uint8_t *a, size_t na, const uint8_t *b, size_t nb) {
  return na == nb && (na == 0 || memcmp(a, b, na) == 0);
}

/*
** Envelope level: decode, encode, decode the encoding, encode again.
** The second encoding must equal the first; only NOMEM may interrupt.
*/
static void envelope_round_trip(const uint8_t *buf, size_t len) {
  btk_envelope *e = NULL, *e2 = NULL;
  uint8_t *b1 = NULL, *b2 = NULL;
  size_t n1 = 0, n2 = 0;
  biscuit_status st;
  if (btk_envelope_decode(buf, len, NULL, &e, NULL) != BISCUIT_OK)
    return;
  if (btk_envelope_encode(e, &b1, &n1, NULL) == BISCUIT_OK) {
    st = btk_envelope_decode(b1, n1, NULL, &e2, NULL);
    if (st != BISCUIT_OK && st != BISCUIT_E_NOMEM)
      violated("re-encoded envelope does not decode");
    if (e2 && btk_envelope_encode(e2, &b2, &n2, NULL) == BISCUIT_OK &&
        !same(b1, n1, b2, n2))
      violated("envelope encoding is not stable");
  }
  bx_free(b1);
  bx_free(b2);
  btk_envelope_free(e2);
  btk_envelope_free(e);
}

/* Every accessor that walks a decoded block: source text and re-encoding. */
static void walk_blocks(const btk_token *t) {
  for (uint32_t i = 0; i < t->n_blocks; i++) {
    bx_buf src;
    uint8_t *blk = NULL;
    size_t n = 0;
    char *rid = NULL;
    bx_buf_init(&src, 0);
    (void)btk_token_block_source(t, i, &src, NULL);
    bx_buf_free(&src);
    (void)btk_token_block_reencode(t, i, &blk, &n, NULL);
    bx_free(blk);
    (void)btk_revocation_id(t->envelope, i, &rid, NULL);
    bx_free(rid);
  }
}

/*
** Token level. A verified token's re-encoding carries the same signed
** bytes, so it must verify again; and whatever verifies must also decode
** without verification.
*/
static void token_decode(const uint8_t *buf, size_t len) {
  btk_token *t = NULL, *v = NULL, *again = NULL;
  uint8_t *enc = NULL;
  size_t n = 0;
  biscuit_status su = btk_token_decode(buf, len, NULL, NULL, &t, NULL);
  biscuit_status sv = btk_token_decode(buf, len, &root_key, NULL, &v, NULL);
  if (t)
    walk_blocks(t);
  if (sv == BISCUIT_OK && su != BISCUIT_OK && su != BISCUIT_E_NOMEM)
    violated("token verifies but does not decode unverified");
  if (v && btk_token_encode(v, &enc, &n, NULL) == BISCUIT_OK) {
    biscuit_status st = btk_token_decode(enc, n, &root_key, NULL, &again,
                                         NULL);
    if (st != BISCUIT_OK && st != BISCUIT_E_NOMEM)
      violated("re-encoded verified token does not verify");
  }
  bx_free(enc);
  btk_token_free(again);
  btk_token_free(v);
  btk_token_free(t);
}

/* Third-party request and contents: untrusted bytes from another party. */
static void third_party(const uint8_t *buf, size_t len) {
  uint8_t *prev = NULL;
  size_t n = 0;
  btk_tp_contents c;
  memset(&c, 0, sizeof c);
  (void)btk_tp_request_decode(buf, len, &prev, &n, NULL);
  bx_free(prev);
  if (btk_tp_contents_decode(buf, len, &c, NULL) == BISCUIT_OK)
    btk_tp_contents_clear(&c);
}

/* The input is copied so ASan sees reads past its exact end. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf)
    return 0;
  memcpy(buf, data, size);
  envelope_round_trip(buf, size);
  token_decode(buf, size);
  third_party(buf, size);
  free(buf);
  return 0;
}
