/*
** Helpers the unit tests share: reading whole files, the official
** samples in tests/data/samples/ with their samples.json, and the
** samples' root keys. Every test is its own executable, so these are
** static inline: a test pays for what it calls, and the others do not
** warn as unused.
*/
#ifndef BISCUIT_TEST_UTIL_H
#define BISCUIT_TEST_UTIL_H
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "token/crypto.h"
#include "token/token.h"

#define SAMPLES BISCUIT_SOURCE_DIR "/tests/data/samples/"

/*
** The whole file in a malloc'd buffer (one byte to spare), its size in
** *len; NULL when it cannot be opened or read.
*/
static inline uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL;
  long n;
  if (!f)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
      fseek(f, 0, SEEK_SET) == 0) {
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
      free(buf);
      buf = NULL;
    }
    *len = (size_t)n;
  }
  fclose(f);
  return buf;
}

/* The sample named `file` (a samples.json "filename"), as read_file. */
static inline uint8_t *read_sample(const char *file, size_t *len) {
  char path[512];
  if (snprintf(path, sizeof path, SAMPLES "%s", file) >= (int)sizeof path)
    return NULL;
  return read_file(path, len);
}

/*
** samples.json, or NULL with the reason in *err (err may be NULL).
** Integers are read as reals: the world dumps hold u64 ids
** (18446744073709551615) that jansson cannot read as integers.
*/
static inline json_t *samples_load(json_error_t *err) {
  return json_load_file(SAMPLES "samples.json", JSON_DECODE_INT_AS_REAL, err);
}

/* An Ed25519 public key from its 64 hex digits, checking both steps. */
static inline void sample_pubkey_hex(const char *hex, btk_pubkey *pk) {
  uint8_t raw[32];
  size_t n = 0;
  bx_diag d;
  CHECK(btk_hex_decode(hex, 64, raw, sizeof raw, &n, &d) == BISCUIT_OK);
  CHECK(btk_pubkey_from_bytes(BTK_ALG_ED25519, raw, n, pk, &d) == BISCUIT_OK);
}

/* samples.json's "root_public_key", as sample_pubkey_hex. */
static inline void sample_root_pubkey(json_t *samples, btk_pubkey *pk) {
  sample_pubkey_hex(
      json_string_value(json_object_get(samples, "root_public_key")), pk);
}

/* samples.json's "root_private_key" (Ed25519), checking both steps. */
static inline void sample_root_privkey(json_t *samples, btk_privkey *sk) {
  uint8_t raw[32];
  size_t n = 0;
  bx_diag d;
  CHECK(btk_hex_decode(
            json_string_value(json_object_get(samples, "root_private_key")), 64,
            raw, sizeof raw, &n, &d) == BISCUIT_OK);
  CHECK(btk_privkey_from_bytes(BTK_ALG_ED25519, raw, n, sk, &d) == BISCUIT_OK);
}

/*
** samples.json, checked to load, with its root public key into *pub and
** its root private key into *priv where those are not NULL; NULL when
** it cannot be read.
*/
static inline json_t *samples_open(btk_pubkey *pub, btk_privkey *priv) {
  json_t *root = samples_load(NULL);
  CHECK(root != NULL);
  if (root && pub)
    sample_root_pubkey(root, pub);
  if (root && priv)
    sample_root_privkey(root, priv);
  return root;
}

/* A JSON array of strings (a sample's "symbols" or "public_keys") equals
   got[0..n). */
static inline bool same_strings(json_t *want, const char *const *got,
                                uint32_t n) {
  size_t i;
  json_t *v;
  if (json_array_size(want) != n)
    return false;
  json_array_foreach(want, i, v) {
    if (strcmp(json_string_value(v), got[i]) != 0)
      return false;
  }
  return true;
}

/* A decoded block's public-key table, as text, equals `want`. */
static inline bool same_keys(json_t *want, const btk_token *t,
                             const btk_block_info *b) {
  const char *got[64];
  if (b->n_keys > 64)
    return false;
  for (uint32_t k = 0; k < b->n_keys; k++)
    got[k] = bdl_symtab_str(t->env->keys, b->keys[k], NULL);
  return same_strings(want, got, b->n_keys);
}

#endif
