/*
** Algorithm dispatch and the text forms of keys (spec "Cryptography" >
** "Algorithms"; wire-format.md "Text encodings"). The backends know
** nothing of text; this file knows nothing of libsodium or OpenSSL.
*/
#include <stdio.h>
#include <string.h>

#include "token/crypto.h"

const struct btk_sig_ops *btk_sig_ops_for(int alg) {
  switch (alg) {
  case BTK_ALG_ED25519:
    return &btk_sig_ed25519;
  case BTK_ALG_P256:
    return &btk_sig_p256;
  default:
    return NULL;
  }
}

const char *btk_alg_name(int alg) {
  const struct btk_sig_ops *ops = btk_sig_ops_for(alg);
  return ops ? ops->name : NULL;
}

/* The reference rejects unknown enum values while decoding a key. */
static biscuit_status unknown_alg(int alg, bx_diag *d) {
  return bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                 "deserialization error: unexpected key algorithm %d", alg);
}

biscuit_status btk_pubkey_from_bytes(int alg, const uint8_t *key, size_t len,
                                     btk_pubkey *out, bx_diag *d) {
  const struct btk_sig_ops *ops = btk_sig_ops_for(alg);
  biscuit_status st;
  if (!ops)
    return unknown_alg(alg, d);
  st = ops->check_pub(key, len, d);
  if (st != BISCUIT_OK)
    return st;
  memset(out, 0, sizeof *out);
  out->alg = (btk_alg)alg;
  out->len = (uint8_t)len;
  memcpy(out->bytes, key, len);
  return BISCUIT_OK;
}

bool btk_pubkey_equal(const btk_pubkey *a, const btk_pubkey *b) {
  return a->alg == b->alg && a->len == b->len &&
         memcmp(a->bytes, b->bytes, a->len) == 0;
}

/* "<prefix>/<hex>", snprintf-style: returns the length it needed. */
static size_t format_typed(const char *prefix, const uint8_t *p, size_t n,
                           char *buf, size_t cap) {
  static const char digits[] = "0123456789abcdef";
  size_t plen = strlen(prefix), need = plen + 1 + 2 * n, i;
  if (cap == 0)
    return need;
  if (cap <= need) {
    buf[0] = '\0';
    return need;
  }
  memcpy(buf, prefix, plen);
  buf[plen] = '/';
  for (i = 0; i < n; i++) {
    buf[plen + 1 + 2 * i] = digits[p[i] >> 4];
    buf[plen + 2 + 2 * i] = digits[p[i] & 15];
  }
  buf[need] = '\0';
  return need;
}

size_t btk_pubkey_format(const btk_pubkey *k, char *buf, size_t cap) {
  const char *name = btk_alg_name(k->alg);
  return format_typed(name ? name : "unknown", k->bytes, k->len, buf, cap);
}

size_t btk_privkey_format(const btk_privkey *k, char *buf, size_t cap) {
  const struct btk_sig_ops *ops = btk_sig_ops_for(k->alg);
  return format_typed(ops ? ops->private_name : "unknown", k->secret,
                      BTK_SECRET_LEN, buf, cap);
}

/*
** Split "<prefix>/<hex>" and find the backend whose public or private
** name is the prefix. Returns the algorithm or -1.
*/
static int typed_prefix(const char *s, size_t len, bool priv, size_t *hex_at) {
  static const int algs[] = {BTK_ALG_ED25519, BTK_ALG_P256};
  for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
    const struct btk_sig_ops *ops = btk_sig_ops_for(algs[i]);
    const char *name = priv ? ops->private_name : ops->name;
    size_t n = strlen(name);
    if (len > n && memcmp(s, name, n) == 0 && s[n] == '/') {
      *hex_at = n + 1;
      return algs[i];
    }
  }
  return -1;
}

biscuit_status btk_pubkey_parse(const char *s, size_t len, btk_pubkey *out,
                                bx_diag *d) {
  uint8_t raw[BTK_PUBKEY_MAX];
  size_t at = 0, n = 0;
  int alg = typed_prefix(s, len, false, &at);
  if (alg < 0)
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/InvalidKey",
                   "invalid key: expected ed25519/<hex> or "
                   "secp256r1/<hex>");
  if (btk_hex_decode(s + at, len - at, raw, sizeof raw, &n, d) != BISCUIT_OK)
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/InvalidKey",
                   "invalid key: bad hex");
  return btk_pubkey_from_bytes(alg, raw, n, out, d);
}

biscuit_status btk_privkey_parse(const char *s, size_t len, btk_privkey *out,
                                 bx_diag *d) {
  uint8_t raw[BTK_SECRET_LEN + 1];
  size_t at = 0, n = 0;
  biscuit_status st;
  int alg = typed_prefix(s, len, true, &at);
  if (alg < 0)
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/InvalidKey",
                   "invalid key: expected ed25519-private/<hex> or "
                   "secp256r1-private/<hex>");
  st = btk_hex_decode(s + at, len - at, raw, sizeof raw, &n, d);
  if (st == BISCUIT_OK)
    st = btk_privkey_from_bytes(alg, raw, n, out, d);
  else
    st = bx_fail(d, BISCUIT_E_FORMAT, "Format/InvalidKey",
                 "invalid key: bad hex");
  btk_wipe(raw, sizeof raw);
  return st;
}

/* On failure the output key is left wiped, never half-filled. */
biscuit_status btk_privkey_from_bytes(int alg, const uint8_t *secret,
                                      size_t len, btk_privkey *out,
                                      bx_diag *d) {
  const struct btk_sig_ops *ops = btk_sig_ops_for(alg);
  biscuit_status st;
  if (!ops)
    return unknown_alg(alg, d);
  if (len != BTK_SECRET_LEN)
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/InvalidKeySize",
                   "invalid key size: %zu", len);
  memset(out, 0, sizeof *out);
  out->alg = (btk_alg)alg;
  memcpy(out->secret, secret, BTK_SECRET_LEN);
  st = ops->derive(out, d);
  if (st != BISCUIT_OK)
    btk_privkey_wipe(out);
  return st;
}

biscuit_status btk_privkey_generate(int alg, btk_privkey *out, bx_diag *d) {
  const struct btk_sig_ops *ops = btk_sig_ops_for(alg);
  biscuit_status st;
  if (!ops)
    return unknown_alg(alg, d);
  memset(out, 0, sizeof *out);
  out->alg = (btk_alg)alg;
  st = ops->generate(out, d);
  if (st != BISCUIT_OK)
    btk_privkey_wipe(out);
  return st;
}

void btk_wipe(void *p, size_t n) {
  if (p && n)
    btk_sig_ed25519.wipe(p, n);
}

void btk_privkey_wipe(btk_privkey *k) {
  const struct btk_sig_ops *ops;
  if (!k)
    return;
  ops = btk_sig_ops_for(k->alg);
  (ops ? ops : &btk_sig_ed25519)->wipe(k, sizeof *k);
}

biscuit_status btk_sign(const btk_privkey *k, const uint8_t *msg, size_t len,
                        uint8_t *sig, size_t *sig_len, bx_diag *d) {
  const struct btk_sig_ops *ops = btk_sig_ops_for(k->alg);
  if (!ops)
    return unknown_alg(k->alg, d);
  return ops->sign(k, msg, len, sig, sig_len, d);
}

biscuit_status btk_verify(const btk_pubkey *k, const uint8_t *msg, size_t len,
                          const uint8_t *sig, size_t sig_len, bx_diag *d) {
  const struct btk_sig_ops *ops = btk_sig_ops_for(k->alg);
  if (!ops)
    return unknown_alg(k->alg, d);
  return ops->verify(k, msg, len, sig, sig_len, d);
}

/*
** "[1, 2, 3]" like Rust's {:?} on a byte vector. When it does not fit,
** the list ends with ", ...]"; 7 bytes stay reserved for that tail.
*/
void btk_bytes_debug(char *buf, size_t cap, const uint8_t *p, size_t n) {
  size_t at = 0, i;
  if (cap < 8) {
    if (cap)
      buf[0] = '\0';
    return;
  }
  buf[at++] = '[';
  for (i = 0; i < n; i++) {
    char item[8];
    int w = snprintf(item, sizeof item, "%s%u", i ? ", " : "", (unsigned)p[i]);
    if (w < 0 || at + (size_t)w + 7 > cap)
      break;
    memcpy(buf + at, item, (size_t)w);
    at += (size_t)w;
  }
  if (i < n) {
    const char *more = i ? ", ..." : "...";
    memcpy(buf + at, more, strlen(more));
    at += strlen(more);
  }
  buf[at++] = ']';
  buf[at] = '\0';
}
