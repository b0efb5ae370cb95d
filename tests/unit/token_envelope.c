/*
** The token envelope against the official samples, and round trips
** through create / append / seal / third-party blocks (spec "Format",
** "Cryptography", "Appending a third-party block").
*/
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "test_util.h"
#include "token/codec.h"
#include "token/crypto.h"

static btk_pubkey sample_root;

/* The expected error tag of a sample, "" when it should verify. */
static const char *expected_tag(const char *file) {
  if (!strcmp(file, "test002_different_root_key.bc") ||
      !strcmp(file, "test004_random_block.bc") ||
      !strcmp(file, "test005_invalid_signature.bc") ||
      !strcmp(file, "test006_reordered_blocks.bc"))
    return "Format/Signature/InvalidSignature";
  if (!strcmp(file, "test003_invalid_signature_format.bc"))
    return "Format/BlockSignatureDeserializationError";
  return "";
}

/*
** The reference's result for a sample that fails to load is
** {"Err": {"Format": {...: "message"}}}: walk our slash-separated tag
** through those objects and compare the message at the end.
*/
static void check_error_json(json_t *vals, const bx_diag *d) {
  json_t *v =
      json_object_get(json_object_iter_value(json_object_iter(vals)), "result");
  char path[128];
  char *save = NULL;
  v = json_object_get(v, "Err");
  snprintf(path, sizeof path, "%s", d->tag ? d->tag : "");
  for (char *part = strtok_r(path, "/", &save); part && v;
       part = strtok_r(NULL, "/", &save))
    v = json_object_get(v, part);
  CHECK(json_is_string(v));
  CHECK_STR(d->msg, json_string_value(v));
}

/* Every validation of a case lists the same ids: compare them all. */
static void check_revocation_ids(const btk_envelope *e, json_t *vals) {
  const char *name;
  json_t *v;
  json_object_foreach(vals, name, v) {
    json_t *ids = json_object_get(v, "revocation_ids");
    size_t i;
    json_t *id;
    if (!json_is_array(ids) || json_array_size(ids) == 0)
      continue;
    CHECK(json_array_size(ids) == e->n_blocks);
    json_array_foreach(ids, i, id) {
      char *got = NULL;
      bx_diag d;
      if (i >= e->n_blocks)
        break;
      CHECK(btk_revocation_id(e, i, &got, &d) == BISCUIT_OK);
      CHECK_STR(got, json_string_value(id));
      bx_free(got);
    }
  }
}

/* External keys of each block, as `ed25519/<hex>` or null. */
static void check_external_keys(const btk_envelope *e, json_t *token) {
  size_t i;
  json_t *blk;
  CHECK(json_array_size(token) == e->n_blocks);
  json_array_foreach(token, i, blk) {
    json_t *ek = json_object_get(blk, "external_key");
    if (i >= e->n_blocks)
      break;
    if (json_is_string(ek)) {
      char text[BTK_PUBKEY_TEXT_MAX];
      CHECK(e->blocks[i].has_external);
      btk_pubkey_format(&e->blocks[i].ext_key, text, sizeof text);
      CHECK_STR(text, json_string_value(ek));
      CHECK(e->blocks[i].version == 1);
    } else {
      CHECK(!e->blocks[i].has_external);
    }
  }
}

/*
** Re-encoding a decoded valid sample gives a token that verifies (and,
** since both encoders write fields in number order, the same bytes).
*/
static void check_reencode(const btk_envelope *e, const uint8_t *orig,
                           size_t len) {
  uint8_t *buf = NULL;
  size_t n = 0;
  btk_envelope *e2 = NULL;
  bx_diag d;
  CHECK(btk_envelope_encode(e, &buf, &n, &d) == BISCUIT_OK);
  CHECK(n == len && memcmp(buf, orig, len) == 0);
  CHECK(btk_envelope_decode(buf, n, NULL, &e2, &d) == BISCUIT_OK);
  CHECK(e2 && btk_envelope_verify(e2, &sample_root, &d) == BISCUIT_OK);
  btk_envelope_free(e2);
  bx_free(buf);
}

static void check_sample(json_t *tc) {
  const char *file = json_string_value(json_object_get(tc, "filename"));
  size_t len = 0;
  uint8_t *buf;
  btk_envelope *e = NULL;
  bx_diag d;
  biscuit_status st;
  const char *want = expected_tag(file);
  buf = read_sample(file, &len);
  CHECK(buf != NULL);
  if (!buf)
    return;
  st = btk_envelope_decode(buf, len, NULL, &e, &d);
  CHECK(st == BISCUIT_OK);
  if (st == BISCUIT_OK) {
    check_external_keys(e, json_object_get(tc, "token"));
    st = btk_envelope_verify(e, &sample_root, &d);
    if (*want) {
      CHECK(st != BISCUIT_OK);
      CHECK_STR(st != BISCUIT_OK ? d.tag : "verified", want);
      check_error_json(json_object_get(tc, "validations"), &d);
    } else {
      if (st != BISCUIT_OK)
        fprintf(stderr, "%s: %s %s\n", file, d.tag, d.msg);
      CHECK(st == BISCUIT_OK);
      check_revocation_ids(e, json_object_get(tc, "validations"));
      check_reencode(e, buf, len);
    }
    if (!strcmp(file, "test020_sealed.bc"))
      CHECK(e->sealed);
    if (!strncmp(file, "test036", 7) || !strncmp(file, "test037", 7))
      CHECK(e->blocks[0].next_key.alg == BTK_ALG_P256 ||
            e->blocks[1].next_key.alg == BTK_ALG_P256 ||
            e->blocks[1].ext_key.alg == BTK_ALG_P256);
  }
  btk_envelope_free(e);
  free(buf);
}

static int test_samples(void) {
  json_t *root = samples_open(&sample_root, NULL);
  json_t *cases, *tc;
  size_t i, count = 0;
  if (!root)
    return 0;
  cases = json_object_get(root, "testcases");
  json_array_foreach(cases, i, tc) {
    check_sample(tc);
    count++;
  }
  CHECK(count == 38);
  json_decref(root);
  return (int)count;
}

/* ---------------------------------------------------------- round trips */

static const uint8_t blk0[] = "authority block bytes";
static const uint8_t blk1[] = "first attenuation";
static const uint8_t blk2[] = "second attenuation";

/* encode -> decode -> verify with `root`; returns the status. */
static biscuit_status reload_verify(const btk_envelope *e,
                                    const btk_pubkey *root, bx_diag *d) {
  uint8_t *buf = NULL;
  size_t n = 0;
  btk_envelope *e2 = NULL;
  biscuit_status st = btk_envelope_encode(e, &buf, &n, d);
  if (st == BISCUIT_OK)
    st = btk_envelope_decode(buf, n, NULL, &e2, d);
  if (st == BISCUIT_OK) {
    CHECK(e2->n_blocks == e->n_blocks && e2->sealed == e->sealed);
    CHECK(e2->has_root_key_id == e->has_root_key_id &&
          e2->root_key_id == e->root_key_id);
    st = btk_envelope_verify(e2, root, d);
  }
  btk_envelope_free(e2);
  bx_free(buf);
  return st;
}

static void roundtrip(btk_alg root_alg, uint32_t dv, uint32_t want_v) {
  btk_privkey root, wrong;
  btk_envelope *e = NULL;
  uint32_t kid = 7;
  bx_diag d;
  CHECK(btk_privkey_generate(root_alg, &root, &d) == BISCUIT_OK);
  CHECK(btk_privkey_generate(root_alg, &wrong, &d) == BISCUIT_OK);
  CHECK(btk_envelope_create(blk0, sizeof blk0, dv, &root, &kid, NULL, &e, &d) ==
        BISCUIT_OK);
  if (!e)
    return;
  CHECK(e->blocks[0].version == want_v);
  CHECK(e->secret.alg == BTK_ALG_ED25519);
  CHECK(btk_envelope_verify(e, &root.pub, &d) == BISCUIT_OK);
  CHECK(btk_envelope_append(e, blk1, sizeof blk1, 3, NULL, &d) == BISCUIT_OK);
  CHECK(btk_envelope_append(e, blk2, sizeof blk2, 3, NULL, &d) == BISCUIT_OK);
  CHECK(e->n_blocks == 3);
  CHECK(e->blocks[2].version == want_v); /* once v1, stays v1 */
  CHECK(btk_envelope_verify(e, &root.pub, &d) == BISCUIT_OK);
  CHECK(reload_verify(e, &root.pub, &d) == BISCUIT_OK);
  CHECK(btk_envelope_verify(e, &wrong.pub, &d) == BISCUIT_E_SIGNATURE);
  CHECK_STR(d.tag, "Format/Signature/InvalidSignature");
  CHECK(reload_verify(e, &wrong.pub, &d) == BISCUIT_E_SIGNATURE);
  CHECK(btk_envelope_seal(e, &d) == BISCUIT_OK);
  CHECK(e->sealed);
  CHECK(btk_envelope_verify(e, &root.pub, &d) == BISCUIT_OK);
  CHECK(reload_verify(e, &root.pub, &d) == BISCUIT_OK);
  CHECK(btk_envelope_append(e, blk1, sizeof blk1, 3, NULL, &d) ==
        BISCUIT_E_MISUSE);
  CHECK_STR(d.tag, "AppendOnSealed");
  CHECK(btk_envelope_seal(e, &d) == BISCUIT_E_MISUSE);
  CHECK_STR(d.tag, "AlreadySealed");
  CHECK(e->n_blocks == 3);
  btk_envelope_free(e);
  btk_privkey_wipe(&root);
  btk_privkey_wipe(&wrong);
}

/* A P-256 next key forces v1 on an Ed25519 chain; datalog 6 too. */
static void test_versions(void) {
  btk_privkey root, next;
  btk_envelope *e = NULL;
  bx_diag d;
  CHECK(btk_privkey_generate(BTK_ALG_ED25519, &root, &d) == BISCUIT_OK);
  CHECK(btk_privkey_generate(BTK_ALG_P256, &next, &d) == BISCUIT_OK);
  CHECK(btk_envelope_create(blk0, sizeof blk0, 3, &root, NULL, &next, &e, &d) ==
        BISCUIT_OK);
  CHECK(e && e->blocks[0].version == 1 && !e->has_root_key_id);
  CHECK(e && e->secret.alg == BTK_ALG_P256);
  CHECK(btk_envelope_append(e, blk1, sizeof blk1, 3, NULL, &d) == BISCUIT_OK);
  CHECK(btk_envelope_verify(e, &root.pub, &d) == BISCUIT_OK);
  CHECK(reload_verify(e, &root.pub, &d) == BISCUIT_OK);
  btk_envelope_free(e);
  e = NULL;
  CHECK(btk_envelope_create(blk0, sizeof blk0, 6, &root, NULL, NULL, &e, &d) ==
        BISCUIT_OK);
  CHECK(e && e->blocks[0].version == 1);
  btk_envelope_free(e);
  e = NULL;
  /* empty block bytes are still a valid envelope */
  CHECK(btk_envelope_create(blk0, 0, 3, &root, NULL, NULL, &e, &d) ==
        BISCUIT_OK);
  CHECK(btk_envelope_append(e, blk0, 0, 3, NULL, &d) == BISCUIT_OK);
  CHECK(reload_verify(e, &root.pub, &d) == BISCUIT_OK);
  btk_envelope_free(e);
  btk_privkey_wipe(&root);
  btk_privkey_wipe(&next);
}

/* Dropping trailing blocks leaves valid signatures: the proof catches it. */
static void test_truncated_chain(void) {
  btk_privkey root;
  btk_envelope *e = NULL;
  bx_diag d;
  CHECK(btk_privkey_generate(BTK_ALG_ED25519, &root, &d) == BISCUIT_OK);
  CHECK(btk_envelope_create(blk0, sizeof blk0, 3, &root, NULL, NULL, &e, &d) ==
        BISCUIT_OK);
  CHECK(btk_envelope_append(e, blk1, sizeof blk1, 3, NULL, &d) == BISCUIT_OK);
  CHECK(btk_envelope_append(e, blk2, sizeof blk2, 3, NULL, &d) == BISCUIT_OK);
  e->n_blocks = 2;
  CHECK(btk_envelope_verify(e, &root.pub, &d) == BISCUIT_E_SIGNATURE);
  CHECK_STR(d.tag, "Format/Signature/InvalidSignature");
  CHECK(reload_verify(e, &root.pub, &d) == BISCUIT_E_SIGNATURE);
  e->n_blocks = 3;
  CHECK(btk_envelope_seal(e, &d) == BISCUIT_OK);
  e->n_blocks = 2;
  CHECK(btk_envelope_verify(e, &root.pub, &d) == BISCUIT_E_SIGNATURE);
  btk_envelope_free(e);
  btk_privkey_wipe(&root);
}

/* The holder's request -> the third party's contents -> the append. */
static void third_party(btk_alg root_alg, btk_alg tp_alg) {
  btk_privkey root, tp, other;
  btk_envelope *e = NULL, *e2 = NULL;
  btk_tp_contents c, c2;
  uint8_t *req = NULL, *prev = NULL, *wire = NULL;
  size_t req_len = 0, prev_len = 0, wire_len = 0;
  btk_span ps;
  bx_diag d;
  CHECK(btk_privkey_generate(root_alg, &root, &d) == BISCUIT_OK);
  CHECK(btk_privkey_generate(tp_alg, &tp, &d) == BISCUIT_OK);
  CHECK(btk_privkey_generate(tp_alg, &other, &d) == BISCUIT_OK);
  CHECK(btk_envelope_create(blk0, sizeof blk0, 3, &root, NULL, NULL, &e, &d) ==
        BISCUIT_OK);
  CHECK(btk_envelope_create(blk0, sizeof blk0, 3, &root, NULL, NULL, &e2, &d) ==
        BISCUIT_OK);
  CHECK(btk_tp_request_from_envelope(e, &req, &req_len, &d) == BISCUIT_OK);
  CHECK(btk_tp_request_decode(req, req_len, &prev, &prev_len, &d) ==
        BISCUIT_OK);
  CHECK(prev_len == e->blocks[0].sig.len &&
        memcmp(prev, e->blocks[0].sig.ptr, prev_len) == 0);
  ps.ptr = prev;
  ps.len = prev_len;
  CHECK(btk_tp_contents_create(ps, blk1, sizeof blk1, &tp, &c, &d) ==
        BISCUIT_OK);
  CHECK(btk_tp_contents_encode(&c, &wire, &wire_len, &d) == BISCUIT_OK);
  CHECK(btk_tp_contents_decode(wire, wire_len, &c2, &d) == BISCUIT_OK);
  CHECK(c2.block_len == sizeof blk1 && btk_pubkey_equal(&c2.ext_key, &tp.pub));
  /* wrong expected key, and contents made for another token */
  CHECK(btk_envelope_append_third_party(e, &c2, &other.pub, NULL, &d) ==
        BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/DeserializationError");
  CHECK(btk_envelope_append_third_party(e2, &c2, &tp.pub, NULL, &d) ==
        BISCUIT_E_SIGNATURE);
  CHECK(e->n_blocks == 1 && e2->n_blocks == 1);
  CHECK(btk_envelope_append_third_party(e, &c2, &tp.pub, NULL, &d) ==
        BISCUIT_OK);
  CHECK(e->n_blocks == 2 && e->blocks[1].has_external &&
        e->blocks[1].version == 1);
  CHECK(btk_envelope_verify(e, &root.pub, &d) == BISCUIT_OK);
  CHECK(reload_verify(e, &root.pub, &d) == BISCUIT_OK);
  /* a first-party block after the third-party one */
  CHECK(btk_envelope_append(e, blk2, sizeof blk2, 3, NULL, &d) == BISCUIT_OK);
  CHECK(e->blocks[2].version == 1 && !e->blocks[2].has_external);
  CHECK(reload_verify(e, &root.pub, &d) == BISCUIT_OK);
  /* tamper with the external signature: the block signature covers it */
  ((uint8_t *)e->blocks[1].ext_sig.ptr)[4] ^= 1;
  CHECK(btk_envelope_verify(e, &root.pub, &d) == BISCUIT_E_SIGNATURE);
  CHECK(btk_envelope_seal(e2, &d) == BISCUIT_OK);
  bx_free(req);
  req = NULL;
  CHECK(btk_tp_request_from_envelope(e2, &req, &req_len, &d) ==
        BISCUIT_E_MISUSE);
  CHECK_STR(d.tag, "AppendOnSealed");
  CHECK(btk_envelope_append_third_party(e2, &c2, NULL, NULL, &d) ==
        BISCUIT_E_MISUSE);
  btk_tp_contents_clear(&c);
  btk_tp_contents_clear(&c2);
  bx_free(wire);
  bx_free(prev);
  bx_free(req);
  btk_envelope_free(e);
  btk_envelope_free(e2);
  btk_privkey_wipe(&root);
  btk_privkey_wipe(&tp);
  btk_privkey_wipe(&other);
}

/* Requests from outdated implementations carry legacy fields. */
static void test_legacy_request(void) {
  uint8_t req[2 + 2 + 2 + 32 + 2 + 4], *prev = NULL;
  size_t n = 0, at = 0;
  bx_diag d;
  req[at++] = 0x0a; /* field 1: legacy previous key */
  req[at++] = 36;
  req[at++] = 0x08; /* algorithm Ed25519 */
  req[at++] = 0x00;
  req[at++] = 0x12; /* key, 32 bytes */
  req[at++] = 32;
  memset(req + at, 9, 32);
  at += 32;
  req[at++] = 0x1a; /* field 3: previous signature */
  req[at++] = 4;
  memset(req + at, 1, 4);
  at += 4;
  CHECK(btk_tp_request_decode(req, at, &prev, &n, &d) == BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/DeserializationError");
  CHECK(prev == NULL);
  req[0] = 0x12; /* the same key as field 2: legacy public keys */
  CHECK(btk_tp_request_decode(req, at, &prev, &n, &d) == BISCUIT_E_FORMAT);
  CHECK(btk_tp_request_decode(req + 38, 6, &prev, &n, &d) == BISCUIT_OK);
  CHECK(n == 4);
  bx_free(prev);
  CHECK(btk_tp_request_decode(req, 3, &prev, &n, &d) == BISCUIT_E_FORMAT);
}

/* Decode the sample, let `edit` change it, re-encode, decode again. */
static biscuit_status edited(const char *file, void (*edit)(btk_envelope *),
                             bx_diag *d) {
  size_t len = 0, n = 0;
  uint8_t *buf = read_file(file, &len), *out = NULL;
  btk_envelope *e = NULL, *e2 = NULL;
  biscuit_status st = BISCUIT_E_MISUSE;
  if (buf && btk_envelope_decode(buf, len, NULL, &e, d) == BISCUIT_OK) {
    edit(e);
    st = btk_envelope_encode(e, &out, &n, d);
    if (st == BISCUIT_OK)
      st = btk_envelope_decode(out, n, NULL, &e2, d);
    if (st == BISCUIT_OK)
      st = btk_envelope_verify(e2, &sample_root, d);
  }
  btk_envelope_free(e);
  btk_envelope_free(e2);
  bx_free(out);
  free(buf);
  return st;
}

static void edit_v0_third_party(btk_envelope *e) {
  e->blocks[1].version = 0;
}
static void edit_authority_ext(btk_envelope *e) {
  e->blocks[0].has_external = true;
  e->blocks[0].ext_key = e->blocks[1].ext_key;
  e->blocks[0].ext_sig = e->blocks[1].ext_sig;
}
static void edit_key_31(btk_envelope *e) {
  e->blocks[0].next_key.len = 31;
}
static void edit_key_33(btk_envelope *e) {
  e->blocks[0].next_key.len = 33;
}
static void edit_alg_2(btk_envelope *e) {
  e->blocks[0].next_key.alg = 2;
}
static void edit_alg_m1(btk_envelope *e) {
  e->blocks[0].next_key.alg = (btk_alg)-1;
}
static void edit_p256_65(btk_envelope *e) {
  e->blocks[0].next_key.alg = BTK_ALG_P256;
  e->blocks[0].next_key.len = 33;
  e->blocks[0].next_key.bytes[0] = 4;
}
static void edit_payload_v2(btk_envelope *e) {
  e->blocks[0].version = 2;
}
static void edit_nothing(btk_envelope *e) {
  (void)e;
}

static void test_edits(void) {
  bx_diag d;
  const char *t24 = SAMPLES "test024_third_party.bc";
  const char *t1 = SAMPLES "test001_basic.bc";
  CHECK(edited(t24, edit_nothing, &d) == BISCUIT_OK);
  CHECK(edited(t24, edit_v0_third_party, &d) == BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/DeserializationError");
  CHECK_STR(d.msg, "Unsupported third party block version");
  CHECK(edited(t24, edit_authority_ext, &d) == BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/DeserializationError");
  CHECK(edited(t1, edit_key_31, &d) == BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/InvalidKeySize");
  CHECK(edited(t1, edit_key_33, &d) == BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/InvalidKeySize");
  CHECK(edited(t1, edit_alg_2, &d) == BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/DeserializationError");
  CHECK(edited(t1, edit_alg_m1, &d) == BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/DeserializationError");
  CHECK(edited(t1, edit_p256_65, &d) == BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/InvalidKey");
  CHECK(edited(t1, edit_payload_v2, &d) == BISCUIT_E_FORMAT);
  CHECK_STR(d.msg, "unsupported block version: 2");
}

/* Bad arguments are errors, never crashes. */
static void test_misuse(void) {
  btk_envelope *e = btk_envelope_new(), *out = NULL;
  btk_privkey k;
  uint8_t *buf = NULL;
  size_t n = 0;
  bx_diag d;
  CHECK(btk_privkey_generate(BTK_ALG_ED25519, &k, &d) == BISCUIT_OK);
  CHECK(btk_envelope_append(e, blk1, sizeof blk1, 3, NULL, &d) ==
        BISCUIT_E_MISUSE);
  CHECK(btk_envelope_append(NULL, blk1, sizeof blk1, 3, NULL, &d) ==
        BISCUIT_E_MISUSE);
  CHECK(btk_envelope_seal(e, &d) == BISCUIT_E_MISUSE);
  CHECK(btk_envelope_verify(e, &k.pub, &d) == BISCUIT_E_MISUSE);
  CHECK(btk_envelope_encode(e, &buf, &n, &d) == BISCUIT_E_MISUSE);
  CHECK(buf == NULL);
  CHECK(btk_tp_request_from_envelope(e, &buf, &n, &d) == BISCUIT_E_MISUSE);
  CHECK(btk_envelope_create(blk0, sizeof blk0, 3, NULL, NULL, NULL, &out, &d) ==
        BISCUIT_E_MISUSE);
  CHECK(btk_envelope_create(NULL, 5, 3, &k, NULL, NULL, &out, &d) ==
        BISCUIT_E_MISUSE);
  CHECK(out == NULL);
  CHECK(btk_revocation_id(e, 0, (char **)&buf, &d) == BISCUIT_E_MISUSE);
  btk_envelope_free(e);
  btk_envelope_free(NULL);
  btk_privkey_wipe(&k);
}

int main(void) {
  test_samples();
  roundtrip(BTK_ALG_ED25519, 3, 0);
  roundtrip(BTK_ALG_ED25519, 6, 1);
  roundtrip(BTK_ALG_P256, 3, 1);
  test_versions();
  test_truncated_chain();
  third_party(BTK_ALG_ED25519, BTK_ALG_ED25519);
  third_party(BTK_ALG_ED25519, BTK_ALG_P256);
  third_party(BTK_ALG_P256, BTK_ALG_ED25519);
  test_legacy_request();
  test_edits();
  test_misuse();
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
