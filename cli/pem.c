/*
** PEM keys, as the reference CLI and OpenSSL write them: PKCS#8
** ("PRIVATE KEY", RFC 5208/5958) for private keys, SubjectPublicKeyInfo
** ("PUBLIC KEY", RFC 5280) for public keys, and SEC1 ("EC PRIVATE KEY",
** RFC 5915) on input. The public API takes and gives raw key bytes, so
** the DER around them is written from fixed templates and read with a
** small TLV walker; no ASN.1 library is needed for two algorithms.
**
** P-256 limits: the library gives the public key compressed (33 bytes),
** so written SPKI keys are compressed points (valid, RFC 5480 §2.2, and
** read by OpenSSL), and written private keys omit the optional public
** key. Uncompressed points are read and compressed (the parity of y).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* --------------------------------------------------------------- templates */

static const uint8_t OID_ED25519[] = {0x2b, 0x65, 0x70};
static const uint8_t OID_EC[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t OID_P256[] = {0x2a, 0x86, 0x48, 0xce,
                                   0x3d, 0x03, 0x01, 0x07};

/* PKCS#8 v1 prefixes; the 32 key bytes follow. */
static const uint8_t ED_PRIV[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30,
                                  0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                                  0x04, 0x22, 0x04, 0x20};
static const uint8_t P256_PRIV[] = {
    0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
    0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
    0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20};
/* SubjectPublicKeyInfo prefixes; the 32 or 33 key bytes follow. */
static const uint8_t ED_PUB[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
static const uint8_t P256_PUB[] = {0x30, 0x39, 0x30, 0x13, 0x06, 0x07, 0x2a,
                                   0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
                                   0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
                                   0x01, 0x07, 0x03, 0x22, 0x00};

/* ------------------------------------------------------------------ armour */

/* The library speaks URL-safe base64; PEM uses the standard alphabet. */
static void swap_alphabet(char *s, int to_standard) {
  for (; *s; s++) {
    if (to_standard && (*s == '-' || *s == '_'))
      *s = *s == '-' ? '+' : '/';
    else if (!to_standard && (*s == '+' || *s == '/'))
      *s = *s == '+' ? '-' : '_';
  }
}

/* "-----BEGIN label-----", the body in 64-column lines, "-----END". */
static char *armour(const char *label, const uint8_t *der, size_t len) {
  char *b64 = biscuit_base64_encode(der, len);
  if (!b64)
    return NULL;
  swap_alphabet(b64, 1);
  size_t n = strlen(b64), cap = n + n / 64 + 2 * strlen(label) + 64;
  char *out = malloc(cap);
  if (out) {
    size_t w = (size_t)snprintf(out, cap, "-----BEGIN %s-----\n", label);
    for (size_t i = 0; i < n; i += 64)
      w += (size_t)snprintf(out + w, cap - w, "%.*s\n", 64, b64 + i);
    snprintf(out + w, cap - w, "-----END %s-----", label);
  }
  cli_wipe(b64, n);
  biscuit_free(b64);
  return out;
}

/*
** The DER inside the first PEM block of `text`, and its label. Only the
** base64 body is kept: headers (RFC 1421 "Proc-Type") are not supported.
*/
static int unarmour(const char *text, char label[32], uint8_t **der,
                    size_t *len) {
  const char *b = strstr(text, "-----BEGIN ");
  const char *le = b ? strstr(b + 11, "-----") : NULL;
  if (!le || (size_t)(le - b - 11) >= 32)
    return -1;
  memcpy(label, b + 11, (size_t)(le - b - 11));
  label[le - b - 11] = '\0';
  const char *body = le + 5;
  const char *end = strstr(body, "-----END ");
  if (!end)
    return -1;
  char *clean = malloc((size_t)(end - body) + 1);
  size_t n = 0;
  for (const char *p = body; clean && p < end; p++)
    if (*p != '\n' && *p != '\r' && *p != ' ' && *p != '\t')
      clean[n++] = *p;
  if (!clean)
    return -1;
  clean[n] = '\0';
  swap_alphabet(clean, 0);
  biscuit_status st = biscuit_base64_decode(clean, n, der, len);
  cli_wipe(clean, n);
  free(clean);
  return st == BISCUIT_OK ? 0 : -1;
}

/* ------------------------------------------------------------------ DER */

/* A DER element: its tag and the span of its contents. */
typedef struct der_elem {
  uint8_t tag;
  const uint8_t *p;
  size_t len;
} der_elem;

/* Reads one element from *cur (below end); short definite lengths only
   up to 0xffff, plenty for keys. */
static int der_next(const uint8_t **cur, const uint8_t *end, der_elem *out) {
  const uint8_t *p = *cur;
  if (end - p < 2)
    return -1;
  out->tag = p[0];
  size_t len = p[1];
  p += 2;
  if (len == 0x81 || len == 0x82) {
    size_t k = len - 0x80;
    if ((size_t)(end - p) < k)
      return -1;
    len = k == 1 ? p[0] : ((size_t)p[0] << 8) | p[1];
    p += k;
  } else if (len > 0x7f) {
    return -1;
  }
  if ((size_t)(end - p) < len)
    return -1;
  out->p = p;
  out->len = len;
  *cur = p + len;
  return 0;
}

static int der_expect(const uint8_t **cur, const uint8_t *end, uint8_t tag,
                      der_elem *out) {
  return der_next(cur, end, out) == 0 && out->tag == tag ? 0 : -1;
}

static int is_oid(const der_elem *d, const uint8_t *oid, size_t n) {
  return d->tag == 0x06 && d->len == n && !memcmp(d->p, oid, n);
}

/* AlgorithmIdentifier: Ed25519, or id-ecPublicKey with prime256v1. */
static int read_alg_id(const der_elem *seq, biscuit_algorithm *alg) {
  const uint8_t *p = seq->p, *end = seq->p + seq->len;
  der_elem oid, param;
  if (der_next(&p, end, &oid) != 0)
    return -1;
  if (is_oid(&oid, OID_ED25519, sizeof OID_ED25519)) {
    *alg = BISCUIT_ED25519;
    return 0;
  }
  if (!is_oid(&oid, OID_EC, sizeof OID_EC) || der_next(&p, end, &param) != 0 ||
      !is_oid(&param, OID_P256, sizeof OID_P256))
    return -1;
  *alg = BISCUIT_SECP256R1;
  return 0;
}

/* SEC1 ECPrivateKey: SEQUENCE { 1, OCTET STRING key, ... }. */
static int read_sec1(const uint8_t *p, const uint8_t *end, uint8_t key[32]) {
  der_elem seq, ver, oct;
  if (der_expect(&p, end, 0x30, &seq) != 0)
    return -1;
  p = seq.p;
  end = seq.p + seq.len;
  if (der_expect(&p, end, 0x02, &ver) != 0 ||
      der_expect(&p, end, 0x04, &oct) != 0 || oct.len != 32)
    return -1;
  memcpy(key, oct.p, 32);
  return 0;
}

/* PKCS#8: SEQUENCE { version, AlgorithmIdentifier, OCTET STRING {...} }. */
static int read_pkcs8(const uint8_t *p, const uint8_t *end,
                      biscuit_algorithm *alg, uint8_t key[32]) {
  der_elem seq, ver, algid, oct, inner;
  if (der_expect(&p, end, 0x30, &seq) != 0)
    return -1;
  p = seq.p;
  end = seq.p + seq.len;
  if (der_expect(&p, end, 0x02, &ver) != 0 ||
      der_expect(&p, end, 0x30, &algid) != 0 || read_alg_id(&algid, alg) != 0 ||
      der_expect(&p, end, 0x04, &oct) != 0)
    return -1;
  if (*alg == BISCUIT_SECP256R1)
    return read_sec1(oct.p, oct.p + oct.len, key);
  const uint8_t *q = oct.p;
  if (der_expect(&q, oct.p + oct.len, 0x04, &inner) != 0 || inner.len != 32)
    return -1;
  memcpy(key, inner.p, 32);
  return 0;
}

/* ------------------------------------------------------------------ API */

static char *wrap(const char *label, const uint8_t *prefix, size_t plen,
                  const uint8_t *key, size_t klen) {
  uint8_t der[128];
  memcpy(der, prefix, plen);
  memcpy(der + plen, key, klen);
  char *s = armour(label, der, plen + klen);
  cli_wipe(der, sizeof der);
  return s;
}

/* PKCS#8 v1 from the 32 private bytes; the DER buffer is wiped. */
char *cli_pem_private(const biscuit_keypair *kp) {
  uint8_t key[32];
  if (biscuit_keypair_private_bytes(kp, key) != BISCUIT_OK)
    return NULL;
  int ed = biscuit_public_key_algorithm(biscuit_keypair_public(kp)) ==
           BISCUIT_ED25519;
  char *s = ed ? wrap("PRIVATE KEY", ED_PRIV, sizeof ED_PRIV, key, 32)
               : wrap("PRIVATE KEY", P256_PRIV, sizeof P256_PRIV, key, 32);
  cli_wipe(key, sizeof key);
  return s;
}

char *cli_pem_public(const biscuit_public_key *pk) {
  uint8_t key[33];
  size_t n = biscuit_public_key_bytes(pk, key);
  if (n == 32)
    return wrap("PUBLIC KEY", ED_PUB, sizeof ED_PUB, key, n);
  return wrap("PUBLIC KEY", P256_PUB, sizeof P256_PUB, key, n);
}

/* PKCS#8 (Ed25519 or P-256) or SEC1 (P-256) private keys. */
int cli_pem_read_private(const char *text, biscuit_algorithm *alg,
                         uint8_t key[32]) {
  char label[32];
  uint8_t *der = NULL;
  size_t len = 0;
  if (unarmour(text, label, &der, &len) != 0)
    return -1;
  int rc = -1;
  if (!strcmp(label, "PRIVATE KEY")) {
    rc = read_pkcs8(der, der + len, alg, key);
  } else if (!strcmp(label, "EC PRIVATE KEY")) {
    *alg = BISCUIT_SECP256R1;
    rc = read_sec1(der, der + len, key);
  }
  cli_wipe(der, len);
  biscuit_free(der);
  return rc;
}

/* The key in a SubjectPublicKeyInfo's BIT STRING, compressed if P-256. */
static int read_spki_key(const der_elem *bits, biscuit_algorithm alg,
                         uint8_t key[33], size_t *len) {
  if (bits->len < 1 || bits->p[0] != 0)
    return -1;
  const uint8_t *k = bits->p + 1;
  size_t n = bits->len - 1;
  if (alg == BISCUIT_ED25519 && n == 32) {
    memcpy(key, k, 32);
    *len = 32;
    return 0;
  }
  if (alg == BISCUIT_SECP256R1 && n == 65 && k[0] == 0x04) {
    key[0] = (uint8_t)(0x02 | (k[64] & 1));
    memcpy(key + 1, k + 1, 32);
    *len = 33;
    return 0;
  }
  if (alg == BISCUIT_SECP256R1 && n == 33) {
    memcpy(key, k, 33);
    *len = 33;
    return 0;
  }
  return -1;
}

/* SubjectPublicKeyInfo for Ed25519 or P-256 (either point form). */
int cli_pem_read_public(const char *text, biscuit_algorithm *alg,
                        uint8_t key[33], size_t *len) {
  char label[32];
  uint8_t *der = NULL;
  size_t dlen = 0;
  if (unarmour(text, label, &der, &dlen) != 0)
    return -1;
  const uint8_t *p = der, *end = der + dlen;
  der_elem seq, algid, bits;
  int rc = -1;
  if (!strcmp(label, "PUBLIC KEY") && der_expect(&p, end, 0x30, &seq) == 0) {
    p = seq.p;
    end = seq.p + seq.len;
    if (der_expect(&p, end, 0x30, &algid) == 0 &&
        read_alg_id(&algid, alg) == 0 && der_expect(&p, end, 0x03, &bits) == 0)
      rc = read_spki_key(&bits, *alg, key, len);
  }
  biscuit_free(der);
  return rc;
}
