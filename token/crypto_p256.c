/*
** ECDSA over secp256r1 with SHA-256 (spec "Cryptography" > "ECDSA"), the
** only file that calls OpenSSL. Keys on the wire are 33-byte compressed
** SEC1 points (prefix 02 or 03 only: the spec allows no other form), the
** secret is the 32-byte big-endian scalar, signatures are DER
** SEQUENCE { r, s }.
**
** Malleability (perf-and-threats B1): (r, n-s) verifies as well as (r, s),
** and a P-256 token's last revocation id is its signature, so we always
** emit low-S; verification still accepts high-S for interoperability.
** OpenSSL 3.0 has no RFC 6979 nonces; its random nonces are used.
*/
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>

#include "token/crypto.h"

#define P256_PUB_LEN 33

/* The group order n, big-endian (SEC 2, secp256r1). */
static const uint8_t p256_order[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
    0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

/* A scalar is usable as a key iff 0 < x < n (big-endian compare). */
static bool scalar_in_range(const uint8_t x[32]) {
  static const uint8_t zero[32];
  return memcmp(x, zero, 32) != 0 && memcmp(x, p256_order, 32) < 0;
}

static biscuit_status ossl_fail(bx_diag *d, biscuit_status st, const char *tag,
                                const char *msg) {
  ERR_clear_error(); /* keep the thread's error queue from growing */
  return bx_fail(d, st, tag, "%s", msg);
}

static biscuit_status p256_check_pub(const uint8_t *key, size_t len,
                                     bx_diag *d) {
  if (len != P256_PUB_LEN || (key[0] != 0x02 && key[0] != 0x03))
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/InvalidKey",
                   "invalid key: a P-256 key must be a 33-byte compressed "
                   "point with prefix 02 or 03 (got %zu bytes)",
                   len);
  return BISCUIT_OK;
}

/*
** Build an EVP_PKEY from the compressed point (and the scalar when
** signing). Importing decompresses the point, so a point that is not on
** the curve fails here.
*/
static EVP_PKEY *p256_load(const uint8_t *pub, size_t len, const BIGNUM *priv) {
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *pkey = NULL;
  int sel = priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                       SN_X9_62_prime256v1, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, len))
    goto done;
  if (priv && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv))
    goto done;
  params = OSSL_PARAM_BLD_to_param(bld);
  ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0)
    goto done;
  if (EVP_PKEY_fromdata(ctx, &pkey, sel, params) <= 0)
    pkey = NULL;
done:
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params); /* clears the secure part holding priv */
  OSSL_PARAM_BLD_free(bld);
  return pkey;
}

/* secret scalar -> compressed public point, Q = x.G */
static biscuit_status p256_derive(btk_privkey *k, bx_diag *d) {
  biscuit_status st = BISCUIT_E_NOMEM;
  EC_GROUP *g = NULL;
  EC_POINT *q = NULL;
  BN_CTX *bctx = NULL;
  BIGNUM *x = NULL;
  if (!scalar_in_range(k->secret))
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/InvalidKey",
                   "invalid key: P-256 scalar out of range");
  g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  bctx = BN_CTX_secure_new(); /* temporaries of x.G are cleared too */
  x = BN_secure_new();
  if (!g || !bctx || !x || !BN_bin2bn(k->secret, 32, x))
    goto fail;
  q = EC_POINT_new(g);
  if (!q || !EC_POINT_mul(g, q, x, NULL, NULL, bctx) ||
      EC_POINT_point2oct(g, q, POINT_CONVERSION_COMPRESSED, k->pub.bytes,
                         P256_PUB_LEN, bctx) != P256_PUB_LEN)
    goto fail;
  k->pub.alg = BTK_ALG_P256;
  k->pub.len = P256_PUB_LEN;
  st = BISCUIT_OK;
fail:
  EC_POINT_free(q);
  BN_clear_free(x);
  BN_CTX_free(bctx);
  EC_GROUP_free(g);
  if (st != BISCUIT_OK)
    return ossl_fail(d, st, "InternalError", "P-256 key derivation failed");
  return st;
}

/* Rejection sampling: a random 256-bit value is >= n with p ~ 2^-32. */
static biscuit_status p256_generate(btk_privkey *k, bx_diag *d) {
  for (int i = 0; i < 64; i++) {
    if (RAND_priv_bytes(k->secret, sizeof k->secret) != 1)
      break;
    if (scalar_in_range(k->secret))
      return p256_derive(k, d);
  }
  return ossl_fail(d, BISCUIT_E_MISUSE, "InternalError",
                   "no randomness for a P-256 key");
}

/*
** Parse DER strictly: OpenSSL's d2i is lenient, so re-encode and compare
** (rejects non-minimal integers and trailing bytes), then require
** 0 < r, s < n as the reference's Signature::from_der does.
*/
static ECDSA_SIG *sig_parse(const uint8_t *der, size_t n) {
  const unsigned char *p = der;
  unsigned char re[BTK_SIG_MAX], *q = re;
  ECDSA_SIG *s = NULL;
  const BIGNUM *r = NULL, *sv = NULL;
  BIGNUM *order = NULL;
  bool ok = false;
  if (n == 0 || n > BTK_SIG_MAX)
    return NULL;
  s = d2i_ECDSA_SIG(NULL, &p, (long)n);
  if (!s || p != der + n || i2d_ECDSA_SIG(s, NULL) != (int)n)
    goto done;
  if (i2d_ECDSA_SIG(s, &q) != (int)n || memcmp(re, der, n) != 0)
    goto done;
  ECDSA_SIG_get0(s, &r, &sv);
  order = BN_bin2bn(p256_order, 32, NULL);
  ok = order && !BN_is_zero(r) && !BN_is_zero(sv) && !BN_is_negative(r) &&
       !BN_is_negative(sv) && BN_cmp(r, order) < 0 && BN_cmp(sv, order) < 0;
done:
  BN_free(order);
  if (!ok) {
    ECDSA_SIG_free(s);
    return NULL;
  }
  return s;
}

/* Replace s by n - s when s > (n-1)/2, and DER-encode into out. */
static bool sig_low_s(ECDSA_SIG *s, uint8_t *out, size_t *out_len) {
  const BIGNUM *r = NULL, *sv = NULL;
  BIGNUM *order = BN_bin2bn(p256_order, 32, NULL), *half = BN_new();
  BIGNUM *nr = NULL, *ns = NULL;
  unsigned char *q = out;
  bool ok = false;
  int len;
  ECDSA_SIG_get0(s, &r, &sv);
  if (!order || !half || !BN_rshift1(half, order))
    goto done;
  if (BN_cmp(sv, half) > 0) {
    nr = BN_dup(r);
    ns = BN_new();
    if (!nr || !ns || !BN_sub(ns, order, sv) || !ECDSA_SIG_set0(s, nr, ns))
      goto done;
    nr = ns = NULL; /* owned by s now */
  }
  len = i2d_ECDSA_SIG(s, NULL);
  if (len <= 0 || len > BTK_SIG_MAX || i2d_ECDSA_SIG(s, &q) != len)
    goto done;
  *out_len = (size_t)len;
  ok = true;
done:
  BN_free(nr);
  BN_free(ns);
  BN_free(half);
  BN_free(order);
  return ok;
}

/* DER signature of SHA-256(msg) into der[*n]; the caller normalises. */
static bool p256_sign_der(const btk_privkey *k, const uint8_t *msg, size_t len,
                          uint8_t *der, size_t *n) {
  BIGNUM *x = BN_secure_new();
  EVP_PKEY *pkey = NULL;
  EVP_MD_CTX *m = NULL;
  bool ok = false;
  if (!x || !BN_bin2bn(k->secret, 32, x))
    goto done;
  pkey = p256_load(k->pub.bytes, k->pub.len, x);
  m = EVP_MD_CTX_new();
  if (!pkey || !m || EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, pkey) != 1)
    goto done;
  ok = EVP_DigestSign(m, der, n, msg, len) == 1;
done:
  EVP_MD_CTX_free(m);
  EVP_PKEY_free(pkey);
  BN_clear_free(x);
  return ok;
}

static biscuit_status p256_sign(const btk_privkey *k, const uint8_t *msg,
                                size_t len, uint8_t *sig, size_t *sig_len,
                                bx_diag *d) {
  uint8_t der[128];
  size_t n = sizeof der;
  ECDSA_SIG *s = NULL;
  bool ok = p256_sign_der(k, msg, len, der, &n);
  if (ok) {
    s = sig_parse(der, n);
    ok = s && sig_low_s(s, sig, sig_len);
  }
  ECDSA_SIG_free(s);
  if (!ok)
    return ossl_fail(d, BISCUIT_E_SIGNATURE,
                     "Format/Signature/InvalidSignatureGeneration",
                     "could not sign with the P-256 key");
  return BISCUIT_OK;
}

/*
** Imported public keys, process-wide. Importing a point (decompressing
** it, checking it is on the curve) costs over half a verify
** (perf-and-threats.md A2), and a service sees the same few keys again
** and again, its root key first of all. A few entries, replaced in turn;
** an EVP_PKEY is reference counted and only read while verifying, so
** threads share them. Two threads missing on one key both import it: the
** duplicate entry is harmless. Entries live until the process ends.
*/
#define P256_KEY_CACHE 16

static struct {
  uint8_t pub[P256_PUB_LEN];
  EVP_PKEY *pkey;
} key_cache[P256_KEY_CACHE];
static unsigned key_next;
static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;

static EVP_PKEY *key_cache_find(const uint8_t *pub) {
  EVP_PKEY *pkey = NULL;
  pthread_mutex_lock(&key_lock);
  for (unsigned i = 0; i < P256_KEY_CACHE && !pkey; i++)
    if (key_cache[i].pkey && !memcmp(key_cache[i].pub, pub, P256_PUB_LEN) &&
        EVP_PKEY_up_ref(key_cache[i].pkey))
      pkey = key_cache[i].pkey;
  pthread_mutex_unlock(&key_lock);
  return pkey;
}

static void key_cache_put(const uint8_t *pub, EVP_PKEY *pkey) {
  EVP_PKEY *old = NULL;
  if (!EVP_PKEY_up_ref(pkey))
    return;
  pthread_mutex_lock(&key_lock);
  unsigned i = key_next++ % P256_KEY_CACHE;
  old = key_cache[i].pkey;
  memcpy(key_cache[i].pub, pub, P256_PUB_LEN);
  key_cache[i].pkey = pkey;
  pthread_mutex_unlock(&key_lock);
  EVP_PKEY_free(old);
}

/* A public key to verify with (the caller frees it), or NULL. */
static EVP_PKEY *p256_public(const uint8_t *pub) {
  EVP_PKEY *pkey = key_cache_find(pub);
  if (pkey)
    return pkey;
  pkey = p256_load(pub, P256_PUB_LEN, NULL);
  if (pkey)
    key_cache_put(pub, pkey);
  return pkey;
}

static biscuit_status p256_verify(const btk_pubkey *k, const uint8_t *msg,
                                  size_t len, const uint8_t *sig,
                                  size_t sig_len, bx_diag *d) {
  ECDSA_SIG *s = sig_parse(sig, sig_len);
  EVP_PKEY *pkey = NULL;
  EVP_MD_CTX *m = NULL;
  int rc;
  if (!s)
    return ossl_fail(d, BISCUIT_E_FORMAT,
                     "Format/BlockSignatureDeserializationError",
                     "block signature deserialization error: not a DER "
                     "ECDSA signature with 0 < r, s < n");
  ECDSA_SIG_free(s);
  if (p256_check_pub(k->bytes, k->len, d) != BISCUIT_OK)
    return BISCUIT_E_FORMAT;
  pkey = p256_public(k->bytes);
  if (!pkey)
    return ossl_fail(d, BISCUIT_E_FORMAT, "Format/InvalidKey",
                     "invalid key: not a point on the P-256 curve");
  m = EVP_MD_CTX_new();
  rc = m && EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, pkey) == 1
           ? EVP_DigestVerify(m, sig, sig_len, msg, len)
           : -1;
  EVP_MD_CTX_free(m);
  EVP_PKEY_free(pkey);
  if (rc != 1)
    return ossl_fail(d, BISCUIT_E_SIGNATURE,
                     "Format/Signature/InvalidSignature", "signature error");
  return BISCUIT_OK;
}

static void p256_wipe(void *p, size_t n) {
  OPENSSL_cleanse(p, n);
}

const struct btk_sig_ops btk_sig_p256 = {
    "secp256r1",    "secp256r1-private", P256_PUB_LEN,
    p256_check_pub, p256_derive,         p256_generate,
    p256_sign,      p256_verify,         p256_wipe,
};
