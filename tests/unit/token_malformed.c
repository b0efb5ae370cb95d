/*
** Hostile envelopes (perf-and-threats B1 and "Malformed-token corpus"):
** truncation at every offset, single-bit flips, deep nesting, oversize
** input, too many blocks, broken varints and lengths, bad key encodings,
** and the P-256 high-S malleability the verifier must still accept.
** Every case must end in an error value (or a successful verify), never
** a crash, an abort or a leak.
*/
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "test_util.h"
#include "token/codec.h"
#include "token/crypto.h"
#include "tests/common/pbwire.h"

static btk_pubkey sample_root;

/* decode + verify with the sample root; the status and the diagnostic. */
static biscuit_status load(const uint8_t *buf, size_t len,
                           const btk_limits *lim, bx_diag *d) {
  btk_envelope *e = NULL;
  biscuit_status st;
  bx_diag_clear(d);
  st = btk_envelope_decode(buf, len, lim, &e, d);
  if (st == BISCUIT_OK)
    st = btk_envelope_verify(e, &sample_root, d);
  btk_envelope_free(e);
  return st;
}

/* -------------------------- hand-written envelopes (tests/common/pbwire.h) */

/* A Biscuit with one authority block whose next key is (alg, key). */
static wbuf envelope_with_key(uint64_t alg, const uint8_t *key, size_t n) {
  wbuf pk = {0}, sb = {0}, proof = {0}, out = {0};
  uint8_t sig[64] = {0}, secret[32] = {1};
  w_uint(&pk, 1, alg);
  w_bytes(&pk, 2, key, n);
  w_bytes(&sb, 1, "block", 5);
  w_bytes(&sb, 2, pk.p, pk.n);
  w_bytes(&sb, 3, sig, sizeof sig);
  w_bytes(&proof, 1, secret, sizeof secret);
  w_bytes(&out, 2, sb.p, sb.n);
  w_bytes(&out, 4, proof.p, proof.n);
  free(pk.p);
  free(sb.p);
  free(proof.p);
  return out;
}

static void test_raw_keys(void) {
  uint8_t key[65];
  bx_diag d;
  struct {
    uint64_t alg;
    size_t len;
    uint8_t prefix;
    const char *tag;
  } cases[] = {
      {0, 31, 0x11, "Format/InvalidKeySize"},
      {0, 33, 0x11, "Format/InvalidKeySize"},
      {0, 65, 0x11, "Format/InvalidKeySize"},
      {1, 31, 0x02, "Format/InvalidKey"},
      {1, 32, 0x02, "Format/InvalidKey"},
      {1, 33, 0x04, "Format/InvalidKey"},
      {1, 65, 0x04, "Format/InvalidKey"},
      {2, 32, 0x11, "Format/DeserializationError"},
      {UINT64_MAX, 32, 0x11, "Format/DeserializationError"}, /* -1 */
      {0xffffffffu, 32, 0x11, "Format/DeserializationError"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    wbuf w;
    memset(key, 0x11, sizeof key);
    key[0] = cases[i].prefix;
    w = envelope_with_key(cases[i].alg, key, cases[i].len);
    CHECK(load(w.p, w.n, NULL, &d) == BISCUIT_E_FORMAT);
    CHECK_STR(d.tag, cases[i].tag);
    free(w.p);
  }
  {
    /* a well-formed but unsigned envelope decodes, then fails to verify */
    wbuf w = envelope_with_key(0, key, 32);
    CHECK(load(w.p, w.n, NULL, &d) != BISCUIT_OK);
    CHECK(d.tag != NULL);
    free(w.p);
  }
}

/* Broken wire encodings inside an otherwise valid sample. */
static void test_wire_errors(void) {
  size_t len = 0;
  uint8_t *buf = read_file(SAMPLES "test001_basic.bc", &len);
  bx_diag d;
  static const uint8_t tails[][13] = {
      {0xf8, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
       0x01},                                     /* 11-byte varint */
      {0xfa, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f}, /* length 0xffffffff */
      {0xfb, 0x01},                               /* start group, field 31 */
      {0xfc, 0x01},                               /* end group */
      {0xfe, 0x01},                               /* wire type 6 */
      {0x02, 0x00},                               /* field number 0 */
      {0x80, 0x80, 0x80, 0x80, 0x10, 0x00},       /* tag >= 2^31 */
      {0xf9, 0x01, 1, 2, 3},                      /* truncated fixed64 */
  };
  static const size_t tail_len[] = {13, 7, 2, 2, 2, 2, 6, 5};
  CHECK(buf != NULL);
  if (!buf)
    return;
  for (size_t i = 0; i < sizeof tail_len / sizeof tail_len[0]; i++) {
    uint8_t *t = malloc(len + 13);
    memcpy(t, buf, len);
    memcpy(t + len, tails[i], tail_len[i]);
    CHECK(load(t, len + tail_len[i], NULL, &d) == BISCUIT_E_FORMAT);
    CHECK_STR(d.tag, "Format/DeserializationError");
    free(t);
  }
  {
    /* unknown fixed64, fixed32, varint and bytes fields are ignored */
    wbuf w = {0};
    w_raw(&w, buf, len);
    w_raw(&w,
          "\xf9\x01"
          "12345678"
          "\xfd\x01"
          "1234",
          16);
    w_uint(&w, 33, 5);
    w_bytes(&w, 34, "opaque", 6);
    CHECK(load(w.p, w.n, NULL, &d) == BISCUIT_OK);
    free(w.p);
  }
  CHECK(load(buf, 0, NULL, &d) == BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/DeserializationError");
  free(buf);
}

/* ------------------------------------------------------ nesting depth */

static void test_depth(void) {
  static const unsigned depths[] = {100, 1000, 5000};
  bx_diag d;
  btk_privkey root;
  wbuf ok = deep_block(63, 1024), edge = deep_block(64, 1024);
  wbuf over = deep_block(65, 1024);
  CHECK(btk_pb_check(ok.p, ok.n, BTK_PB_BLOCK, 64, &d) == BISCUIT_OK);
  CHECK(btk_pb_check(edge.p, edge.n, BTK_PB_BLOCK, 64, &d) == BISCUIT_OK);
  CHECK(btk_pb_check(over.p, over.n, BTK_PB_BLOCK, 64, &d) == BISCUIT_E_LIMIT);
  CHECK_STR(d.tag, "Limit/NestingDepth");
  CHECK(btk_pb_check(over.p, over.n, BTK_PB_BLOCK, 65, &d) == BISCUIT_OK);
  free(ok.p);
  free(edge.p);
  free(over.p);
  CHECK(btk_privkey_generate(BTK_ALG_ED25519, &root, &d) == BISCUIT_OK);
  for (size_t i = 0; i < sizeof depths / sizeof depths[0]; i++) {
    wbuf b = deep_block(depths[i], 1024);
    btk_envelope *e = NULL, *e2 = NULL, *e3 = NULL;
    uint8_t *tok = NULL;
    size_t n = 0;
    CHECK(btk_pb_check(b.p, b.n, BTK_PB_BLOCK, 64, &d) == BISCUIT_E_LIMIT);
    CHECK_STR(d.tag, "Limit/NestingDepth");
    CHECK(btk_pb_check(b.p, b.n, BTK_PB_BLOCK, 100000, &d) ==
          (depths[i] > BTK_MAX_DEPTH_CAP ? BISCUIT_E_LIMIT : BISCUIT_OK));
    /* inside a token the block is opaque bytes: the envelope is fine,
       and the block check is what a Block decoder must call */
    CHECK(btk_envelope_create(b.p, b.n, 3, &root, NULL, NULL, &e, &d) ==
          BISCUIT_OK);
    CHECK(btk_envelope_encode(e, &tok, &n, &d) == BISCUIT_OK);
    CHECK(btk_envelope_decode(tok, n, NULL, &e2, &d) == BISCUIT_OK);
    CHECK(e2 && btk_envelope_verify(e2, &root.pub, &d) == BISCUIT_OK);
    CHECK(e2 && btk_pb_check(e2->blocks[0].block.ptr, e2->blocks[0].block.len,
                             BTK_PB_BLOCK, 64, &d) == BISCUIT_E_LIMIT);
    {
      /* the same chain as an unknown envelope field is never entered */
      wbuf w = {0};
      w_raw(&w, tok, n);
      w_bytes(&w, 9, b.p, b.n);
      CHECK(btk_envelope_decode(w.p, w.n, NULL, &e3, &d) == BISCUIT_OK);
      CHECK(e3 && btk_envelope_verify(e3, &root.pub, &d) == BISCUIT_OK);
      btk_envelope_free(e3);
      free(w.p);
    }
    btk_envelope_free(e);
    btk_envelope_free(e2);
    bx_free(tok);
    free(b.p);
  }
  btk_privkey_wipe(&root);
  {
    /* the envelope itself: SignedBlock > PublicKey is depth 2 */
    size_t len = 0;
    uint8_t *buf = read_file(SAMPLES "test001_basic.bc", &len);
    btk_limits lim = btk_default_limits;
    lim.max_depth = 1;
    CHECK(load(buf, len, &lim, &d) == BISCUIT_E_LIMIT);
    CHECK_STR(d.tag, "Limit/NestingDepth");
    lim.max_depth = 2;
    CHECK(load(buf, len, &lim, &d) == BISCUIT_OK);
    free(buf);
  }
}

/* ------------------------------------------------------- size, blocks */

static void test_size_limit(void) {
  size_t big = (size_t)1 << 20, len = 0;
  uint8_t *buf = calloc(1, big);
  uint8_t *sample = read_file(SAMPLES "test001_basic.bc", &len);
  btk_limits lim = btk_default_limits;
  bx_diag d;
  memcpy(buf, sample, len);
  CHECK(load(buf, big, NULL, &d) == BISCUIT_E_LIMIT);
  CHECK_STR(d.tag, "Limit/TokenSize");
  CHECK(load(sample, len, NULL, &d) == BISCUIT_OK);
  lim.max_size = len - 1;
  CHECK(load(sample, len, &lim, &d) == BISCUIT_E_LIMIT);
  lim.max_size = 2 * big;
  CHECK(load(buf, big, &lim, &d) == BISCUIT_E_FORMAT); /* zero tags */
  free(buf);
  free(sample);
}

static void test_block_limit(void) {
  btk_privkey root;
  btk_envelope *e = NULL, *e2 = NULL;
  btk_limits lim = btk_default_limits;
  uint8_t *tok = NULL;
  size_t n = 0;
  bx_diag d;
  CHECK(btk_privkey_generate(BTK_ALG_ED25519, &root, &d) == BISCUIT_OK);
  CHECK(btk_envelope_create((const uint8_t *)"b", 1, 3, &root, NULL, NULL, &e,
                            &d) == BISCUIT_OK);
  while (e && e->n_blocks < 64)
    CHECK(btk_envelope_append(e, (const uint8_t *)"b", 1, 3, NULL, &d) ==
          BISCUIT_OK);
  CHECK(btk_envelope_encode(e, &tok, &n, &d) == BISCUIT_OK);
  CHECK(btk_envelope_decode(tok, n, NULL, &e2, &d) == BISCUIT_OK);
  CHECK(e2 && e2->n_blocks == 64 &&
        btk_envelope_verify(e2, &root.pub, &d) == BISCUIT_OK);
  btk_envelope_free(e2);
  e2 = NULL;
  bx_free(tok);
  CHECK(btk_envelope_append(e, (const uint8_t *)"b", 1, 3, NULL, &d) ==
        BISCUIT_OK);
  CHECK(btk_envelope_encode(e, &tok, &n, &d) == BISCUIT_OK);
  CHECK(btk_envelope_decode(tok, n, NULL, &e2, &d) == BISCUIT_E_LIMIT);
  CHECK_STR(d.tag, "Limit/BlockCount");
  CHECK(e2 == NULL);
  lim.max_blocks = 65;
  CHECK(btk_envelope_decode(tok, n, &lim, &e2, &d) == BISCUIT_OK);
  CHECK(e2 && btk_envelope_verify(e2, &root.pub, &d) == BISCUIT_OK);
  btk_envelope_free(e2);
  btk_envelope_free(e);
  bx_free(tok);
  btk_privkey_wipe(&root);
}

/* -------------------------------------------- truncation and bit flips */

static int n_samples;
static char sample_files[64][96];

static void load_sample_list(void) {
  json_t *root = samples_open(&sample_root, NULL);
  json_t *tc;
  size_t i;
  if (!root)
    return;
  json_array_foreach(json_object_get(root, "testcases"), i, tc) {
    if (n_samples < 64)
      snprintf(sample_files[n_samples++], sizeof sample_files[0], "%s",
               json_string_value(json_object_get(tc, "filename")));
  }
  json_decref(root);
}

/*
** Every proper prefix of a sample is refused: the proof is the last
** field, so any cut leaves a message without it or with a broken field.
*/
static void test_truncation(void) {
  long refused = 0, total = 0;
  for (int s = 0; s < n_samples; s++) {
    size_t len = 0;
    uint8_t *buf = read_sample(sample_files[s], &len);
    for (size_t cut = 0; buf && cut < len; cut++) {
      uint8_t *t = malloc(cut ? cut : 1); /* exact size for ASan */
      bx_diag d;
      memcpy(t, buf, cut);
      if (load(t, cut, NULL, &d) != BISCUIT_OK && d.tag)
        refused++;
      total++;
      free(t);
    }
    free(buf);
  }
  printf("truncation: %ld of %ld prefixes refused\n", refused, total);
  CHECK(total > 15000 && refused == total);
}

/* Samples whose every bit is flipped; the others get one bit per byte. */
static bool flip_all_bits(const char *file) {
  static const char *full[] = {"test001", "test020", "test024", "test036",
                               "test037"};
  for (size_t i = 0; i < sizeof full / sizeof full[0]; i++)
    if (!strncmp(file, full[i], 7))
      return true;
  return false;
}

/*
** Single-bit flips: each must give an error with a tag, or a token that
** verifies. A few do verify, legitimately: turning the `blocks` tag (field
** 3) into `authority` (field 2) makes protobuf merge block 1 over block 0,
** and in these samples block 0's next key is the root key itself, so the
** result is a correctly signed one-block token.
*/
static void test_bit_flips(void) {
  long flips = 0, errors = 0, verified = 0;
  for (int s = 0; s < n_samples; s++) {
    size_t len = 0;
    uint8_t *buf = read_sample(sample_files[s], &len);
    bool all = flip_all_bits(sample_files[s]);
    for (size_t bit = 0; buf && bit < len * 8; bit++) {
      bx_diag d;
      biscuit_status st;
      if (!all && bit % 8 != (bit / 8) % 8)
        continue;
      buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      st = load(buf, len, NULL, &d);
      buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      flips++;
      if (st == BISCUIT_OK)
        verified++;
      else if (d.tag)
        errors++;
    }
    free(buf);
  }
  printf("bit flips: %ld, %ld errors, %ld verified\n", flips, errors, verified);
  CHECK(flips > 25000 && errors + verified == flips);
  CHECK(verified < 20);
}

/* ------------------------------------------------- P-256 malleability */

static const uint8_t p256_n[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
    0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

/* DER INTEGER of a 32-byte big-endian value, minimal form. */
static size_t der_int(uint8_t *out, const uint8_t v[32]) {
  size_t i = 0, n = 0;
  while (i < 31 && v[i] == 0)
    i++;
  out[n++] = 0x02;
  out[n++] = (uint8_t)(32 - i + (v[i] & 0x80 ? 1 : 0));
  if (v[i] & 0x80)
    out[n++] = 0;
  memcpy(out + n, v + i, 32 - i);
  return n + 32 - i;
}

/* (r, s) -> (r, n - s), DER re-encoded; returns the new length. */
static size_t flip_s(const uint8_t *der, size_t len, uint8_t *out) {
  uint8_t r[32] = {0}, s[32] = {0}, ns[32], body[80];
  size_t at = 2, rl, sl, n = 0;
  int borrow = 0;
  if (len < 8 || der[0] != 0x30)
    return 0;
  rl = der[at + 1]; /* 33 bytes: a leading 0 before a high bit */
  memcpy(r + 32 - (rl - (rl > 32)), der + at + 2 + (rl > 32), rl - (rl > 32));
  at += 2 + rl;
  sl = der[at + 1];
  memcpy(s + 32 - (sl - (sl > 32)), der + at + 2 + (sl > 32), sl - (sl > 32));
  for (int i = 31; i >= 0; i--) {
    int v = p256_n[i] - s[i] - borrow;
    borrow = v < 0;
    ns[i] = (uint8_t)(v + (borrow ? 256 : 0));
  }
  n += der_int(body + n, r);
  n += der_int(body + n, ns);
  out[0] = 0x30;
  out[1] = (uint8_t)n;
  memcpy(out + 2, body, n);
  return n + 2;
}

/*
** test036's last block is signed with P-256: (r, n-s) verifies too, so
** its revocation id can be changed by anyone (perf-and-threats B1). We
** accept it for interoperability; our own signatures are low-S.
*/
static void test_p256_malleability(void) {
  size_t len = 0, n;
  uint8_t *buf = read_file(SAMPLES "test036_secp256r1.bc", &len);
  uint8_t alt[80];
  btk_envelope *e = NULL;
  char *before = NULL, *after = NULL;
  bx_diag d;
  CHECK(buf && btk_envelope_decode(buf, len, NULL, &e, &d) == BISCUIT_OK);
  if (!e) {
    free(buf);
    return;
  }
  CHECK(e->n_blocks == 2 && e->blocks[0].next_key.alg == BTK_ALG_P256);
  n = flip_s(e->blocks[1].sig.ptr, e->blocks[1].sig.len, alt);
  CHECK(n > 0);
  CHECK(btk_revocation_id(e, 1, &before, &d) == BISCUIT_OK);
  e->blocks[1].sig.ptr = alt;
  e->blocks[1].sig.len = n;
  CHECK(btk_envelope_verify(e, &sample_root, &d) == BISCUIT_OK);
  CHECK(btk_revocation_id(e, 1, &after, &d) == BISCUIT_OK);
  CHECK(before && after && strcmp(before, after) != 0);
  bx_free(before);
  bx_free(after);
  btk_envelope_free(e);
  free(buf);
}

int main(void) {
  load_sample_list();
  CHECK(n_samples == 38);
  CHECK(btk_pb_schema_check() == 0); /* depth table == biscuit.proto */
  test_raw_keys();
  test_wire_errors();
  test_depth();
  test_size_limit();
  test_block_limit();
  test_truncation();
  test_bit_flips();
  test_p256_malleability();
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
