/*
** Ed25519 backend (spec "Cryptography" > "Ed25519", RFC 8032), the only
** file that calls libsodium's signature API. The wire secret is the
** 32-byte seed (reference-behaviour "Crypto": crypto_sign_seed_keypair);
** verification uses libsodium's defaults, which reject non-canonical S,
** small-order R and A and non-canonical keys, matching the reference's
** verify_strict (perf-and-threats B1 "Signature malleability").
*/
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>

#include "token/crypto.h"

/*
** sodium_init() is itself thread-safe and idempotent; the flag only
** skips its lock on the hot path.
*/
static biscuit_status ed_ready(bx_diag *d) {
  static atomic_int ready;
  if (atomic_load_explicit(&ready, memory_order_acquire))
    return BISCUIT_OK;
  if (sodium_init() < 0)
    return bx_fail(d, BISCUIT_E_MISUSE, "InternalError",
                   "libsodium could not be initialised");
  atomic_store_explicit(&ready, 1, memory_order_release);
  return BISCUIT_OK;
}

static biscuit_status ed_check_pub(const uint8_t *key, size_t len, bx_diag *d) {
  (void)key;
  if (len != crypto_sign_PUBLICKEYBYTES)
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/InvalidKeySize",
                   "invalid key size: %zu", len);
  return BISCUIT_OK;
}

/* Seed -> libsodium secret key (seed||pk) and the public key. */
static biscuit_status ed_derive(btk_privkey *k, bx_diag *d) {
  uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  if (ed_ready(d) != BISCUIT_OK)
    return BISCUIT_E_MISUSE;
  if (crypto_sign_seed_keypair(pk, k->expanded, k->secret) != 0)
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/InvalidKey",
                   "invalid key: cannot expand the Ed25519 seed");
  k->pub.alg = BTK_ALG_ED25519;
  k->pub.len = crypto_sign_PUBLICKEYBYTES;
  memcpy(k->pub.bytes, pk, sizeof pk);
  return BISCUIT_OK;
}

static biscuit_status ed_generate(btk_privkey *k, bx_diag *d) {
  if (ed_ready(d) != BISCUIT_OK)
    return BISCUIT_E_MISUSE;
  randombytes_buf(k->secret, sizeof k->secret);
  return ed_derive(k, d);
}

static biscuit_status ed_sign(const btk_privkey *k, const uint8_t *msg,
                              size_t len, uint8_t *sig, size_t *sig_len,
                              bx_diag *d) {
  unsigned long long n = 0;
  if (ed_ready(d) != BISCUIT_OK)
    return BISCUIT_E_MISUSE;
  if (crypto_sign_detached(sig, &n, msg, len, k->expanded) != 0)
    return bx_fail(d, BISCUIT_E_SIGNATURE,
                   "Format/Signature/InvalidSignatureGeneration",
                   "could not sign");
  *sig_len = (size_t)n;
  return BISCUIT_OK;
}

/*
** A signature that is not 64 bytes cannot be an Ed25519 signature: the
** reference reports it as BlockSignatureDeserializationError with the
** bytes in Rust debug form (sample test003).
*/
static biscuit_status ed_verify(const btk_pubkey *k, const uint8_t *msg,
                                size_t len, const uint8_t *sig, size_t sig_len,
                                bx_diag *d) {
  char list[400];
  if (ed_ready(d) != BISCUIT_OK)
    return BISCUIT_E_MISUSE;
  if (sig_len != crypto_sign_BYTES) {
    btk_bytes_debug(list, sizeof list, sig, sig_len);
    return bx_fail(d, BISCUIT_E_FORMAT,
                   "Format/BlockSignatureDeserializationError",
                   "block signature deserialization error: %s", list);
  }
  if (k->len != crypto_sign_PUBLICKEYBYTES)
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/InvalidKeySize",
                   "invalid key size: %u", (unsigned)k->len);
  if (crypto_sign_verify_detached(sig, msg, len, k->bytes) != 0)
    return bx_fail(d, BISCUIT_E_SIGNATURE, "Format/Signature/InvalidSignature",
                   "signature error: Verification equation was not "
                   "satisfied");
  return BISCUIT_OK;
}

static void ed_wipe(void *p, size_t n) {
  sodium_memzero(p, n);
}

const struct btk_sig_ops btk_sig_ed25519 = {
    "ed25519",    "ed25519-private", crypto_sign_PUBLICKEYBYTES,
    ed_check_pub, ed_derive,         ed_generate,
    ed_sign,      ed_verify,         ed_wipe,
};
