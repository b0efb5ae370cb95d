/*
** Key pairs and public keys: thin handles over token/crypto.h values.
** Private keys are wiped when freed and every temporary copy of secret
** bytes is wiped before it goes out of scope (STYLE.md §3.4 rule 7).
*/
#include <string.h>

#include "api/api_int.h"

static bool alg_ok(biscuit_algorithm alg) {
  return alg == BISCUIT_ED25519 || alg == BISCUIT_SECP256R1;
}

/* Wrap a private key in a new handle; the source copy is wiped. */
static biscuit_status keypair_out(btk_privkey *k, biscuit_keypair **out,
                                  biscuit_error **err) {
  biscuit_keypair *kp = bx_calloc(1, sizeof *kp);
  if (!kp) {
    btk_privkey_wipe(k);
    return api_fail(err, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  }
  kp->priv = *k;
  kp->pub.key = k->pub;
  btk_privkey_wipe(k);
  *out = kp;
  return BISCUIT_OK;
}

static biscuit_status key_start(biscuit_algorithm alg, const void *in,
                                biscuit_keypair **out, biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!out || !in || !alg_ok(alg))
    return api_misuse(err, "bad arguments for a key pair");
  return BISCUIT_OK;
}

biscuit_status biscuit_keypair_new(biscuit_algorithm alg, biscuit_keypair **out,
                                   biscuit_error **err) {
  biscuit_status st = key_start(alg, "", out, err);
  if (st != BISCUIT_OK)
    return st;
  btk_privkey k = {0};
  bx_diag d;
  st = btk_privkey_generate((int)alg, &k, &d);
  if (st != BISCUIT_OK) {
    btk_privkey_wipe(&k);
    return api_from_diag(err, st, &d);
  }
  return keypair_out(&k, out, err);
}

biscuit_status biscuit_keypair_from_bytes(biscuit_algorithm alg,
                                          const uint8_t *priv, size_t len,
                                          biscuit_keypair **out,
                                          biscuit_error **err) {
  biscuit_status st = key_start(alg, priv, out, err);
  if (st != BISCUIT_OK)
    return st;
  btk_privkey k = {0};
  bx_diag d;
  st = btk_privkey_from_bytes((int)alg, priv, len, &k, &d);
  if (st != BISCUIT_OK) {
    btk_privkey_wipe(&k);
    return api_from_diag(err, st, &d);
  }
  return keypair_out(&k, out, err);
}

/* Typed text ("ed25519-private/<hex>": the prefix decides) or bare hex. */
biscuit_status biscuit_keypair_from_text(biscuit_algorithm alg,
                                         const char *text,
                                         biscuit_keypair **out,
                                         biscuit_error **err) {
  biscuit_status st = key_start(alg, text, out, err);
  if (st != BISCUIT_OK)
    return st;
  btk_privkey k = {0};
  bx_diag d;
  bx_diag_clear(&d);
  if (strchr(text, '/')) {
    st = btk_privkey_parse(text, strlen(text), &k, &d);
  } else {
    uint8_t raw[BTK_SECRET_LEN];
    size_t n = 0;
    st = btk_hex_decode(text, strlen(text), raw, sizeof raw, &n, &d);
    if (st == BISCUIT_OK)
      st = btk_privkey_from_bytes((int)alg, raw, n, &k, &d);
    btk_wipe(raw, sizeof raw);
  }
  if (st != BISCUIT_OK) {
    btk_privkey_wipe(&k);
    return api_from_diag(err, st, &d);
  }
  return keypair_out(&k, out, err);
}

void biscuit_keypair_free(biscuit_keypair *kp) {
  if (!kp)
    return;
  btk_privkey_wipe(&kp->priv);
  btk_wipe(kp, sizeof *kp);
  bx_free(kp);
}

const biscuit_public_key *biscuit_keypair_public(const biscuit_keypair *kp) {
  return kp ? &kp->pub : NULL;
}

char *biscuit_keypair_private_text(const biscuit_keypair *kp) {
  if (!kp)
    return NULL;
  char buf[BTK_PRIVKEY_TEXT_MAX + 8];
  size_t n = btk_privkey_format(&kp->priv, buf, sizeof buf);
  char *s = n < sizeof buf ? bx_strndup(buf, n) : NULL;
  btk_wipe(buf, sizeof buf);
  return s;
}

biscuit_status biscuit_keypair_private_bytes(const biscuit_keypair *kp,
                                             uint8_t out[32]) {
  if (!kp || !out)
    return BISCUIT_E_MISUSE;
  memcpy(out, kp->priv.secret, BTK_SECRET_LEN);
  return BISCUIT_OK;
}

/* ------------------------------------------------------------ public keys */

static biscuit_status pub_out(const btk_pubkey *k, biscuit_public_key **out,
                              biscuit_error **err) {
  biscuit_public_key *pk = bx_calloc(1, sizeof *pk);
  if (!pk)
    return api_fail(err, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  pk->key = *k;
  *out = pk;
  return BISCUIT_OK;
}

biscuit_status biscuit_public_key_from_bytes(biscuit_algorithm alg,
                                             const uint8_t *key, size_t len,
                                             biscuit_public_key **out,
                                             biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!out || !key || !alg_ok(alg))
    return api_misuse(err, "bad arguments for a public key");
  btk_pubkey k;
  bx_diag d;
  biscuit_status st = btk_pubkey_from_bytes((int)alg, key, len, &k, &d);
  if (st != BISCUIT_OK)
    return api_from_diag(err, st, &d);
  return pub_out(&k, out, err);
}

biscuit_status biscuit_public_key_from_text(biscuit_algorithm alg,
                                            const char *text,
                                            biscuit_public_key **out,
                                            biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!out || !text || !alg_ok(alg))
    return api_misuse(err, "bad arguments for a public key");
  btk_pubkey k;
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st;
  if (strchr(text, '/')) {
    st = btk_pubkey_parse(text, strlen(text), &k, &d);
  } else {
    uint8_t raw[BTK_PUBKEY_MAX];
    size_t n = 0;
    st = btk_hex_decode(text, strlen(text), raw, sizeof raw, &n, &d);
    if (st == BISCUIT_OK)
      st = btk_pubkey_from_bytes((int)alg, raw, n, &k, &d);
  }
  if (st != BISCUIT_OK)
    return api_from_diag(err, st, &d);
  return pub_out(&k, out, err);
}

void biscuit_public_key_free(biscuit_public_key *pk) {
  bx_free(pk);
}

biscuit_algorithm biscuit_public_key_algorithm(const biscuit_public_key *pk) {
  return pk && pk->key.alg == BTK_ALG_P256 ? BISCUIT_SECP256R1
                                           : BISCUIT_ED25519;
}

size_t biscuit_public_key_bytes(const biscuit_public_key *pk, uint8_t out[33]) {
  if (!pk || !out)
    return 0;
  memcpy(out, pk->key.bytes, pk->key.len);
  return pk->key.len;
}

char *biscuit_public_key_text(const biscuit_public_key *pk) {
  if (!pk)
    return NULL;
  char buf[BTK_PUBKEY_TEXT_MAX + 8];
  size_t n = btk_pubkey_format(&pk->key, buf, sizeof buf);
  return n < sizeof buf ? bx_strndup(buf, n) : NULL;
}
