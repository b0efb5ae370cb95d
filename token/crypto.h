/*
** Keys and signatures for Biscuit tokens (spec "Cryptography",
** "Algorithms"). Two algorithms sit behind a small vtable, as curl's
** lib/vtls/ backends do: Ed25519 in crypto_ed25519.c (libsodium only) and
** ECDSA P-256 + SHA-256 in crypto_p256.c (OpenSSL libcrypto only).
** crypto.c dispatches and owns the text forms.
**
** Keys are plain values: a btk_pubkey is its wire bytes, a btk_privkey is
** its wire secret plus the derived public key. Nothing global is cached
** beyond libsodium's own thread-safe initialisation.
*/
#ifndef BISCUIT_TOKEN_CRYPTO_H
#define BISCUIT_TOKEN_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/bx.h"

/* The wire enum PublicKey.Algorithm (wire-format.md). */
typedef enum btk_alg {
  BTK_ALG_INVALID = -1, /* never a key's value; keeps the enum signed */
  BTK_ALG_ED25519 = 0,
  BTK_ALG_P256 = 1 /* SECP256R1 */
} btk_alg;

#define BTK_PUBKEY_MAX 33 /* P-256 compressed SEC1; Ed25519 uses 32 */
#define BTK_SECRET_LEN 32 /* Ed25519 seed, or P-256 big-endian scalar */
#define BTK_SIG_MAX 72    /* DER ECDSA P-256 at most; Ed25519 is 64 */

/* A public key exactly as on the wire: algorithm, then `len` bytes. */
typedef struct btk_pubkey {
  btk_alg alg;
  uint8_t len;
  uint8_t bytes[BTK_PUBKEY_MAX];
} btk_pubkey;

/*
** A private key. `secret` is what the token's Proof.nextSecret carries;
** `expanded` is backend scratch (libsodium's 64-byte seed||pk secret key)
** so signing needs no re-derivation. Wipe with btk_privkey_wipe().
*/
typedef struct btk_privkey {
  btk_alg alg;
  uint8_t secret[BTK_SECRET_LEN];
  uint8_t expanded[64];
  btk_pubkey pub;
} btk_privkey;

/* ------------------------------------------------------------- backends */

/*
** One signature backend. Every function reports through bx_diag with the
** reference's error variant as tag (see verify.c for the list).
*/
struct btk_sig_ops {
  const char *name;         /* "ed25519": typed-text prefix      */
  const char *private_name; /* "ed25519-private"                  */
  size_t pub_len;
  /* Structural check of wire key bytes (length, prefix). */
  biscuit_status (*check_pub)(const uint8_t *key, size_t len, bx_diag *d);
  /* Fill k->expanded and k->pub from k->secret. */
  biscuit_status (*derive)(btk_privkey *k, bx_diag *d);
  /* Random secret (then derive). */
  biscuit_status (*generate)(btk_privkey *k, bx_diag *d);
  biscuit_status (*sign)(const btk_privkey *k, const uint8_t *msg, size_t len,
                         uint8_t *sig, size_t *sig_len, bx_diag *d);
  biscuit_status (*verify)(const btk_pubkey *k, const uint8_t *msg, size_t len,
                           const uint8_t *sig, size_t sig_len, bx_diag *d);
  void (*wipe)(void *p, size_t n);
};

extern const struct btk_sig_ops btk_sig_ed25519;
extern const struct btk_sig_ops btk_sig_p256;

/* The backend for an algorithm, NULL for an unknown value. */
const struct btk_sig_ops *btk_sig_ops_for(int alg);

/* ------------------------------------------------------------ public API */

/* "ed25519" / "secp256r1", or NULL. */
const char *btk_alg_name(int alg);

/*
** Wire bytes to a public key: unknown algorithm ->
** Format/DeserializationError, Ed25519 not 32 bytes ->
** Format/InvalidKeySize, P-256 not 33 bytes with prefix 02/03 ->
** Format/InvalidKey. Curve membership is checked when verifying.
*/
biscuit_status btk_pubkey_from_bytes(int alg, const uint8_t *key, size_t len,
                                     btk_pubkey *out, bx_diag *d);
bool btk_pubkey_equal(const btk_pubkey *a, const btk_pubkey *b);

/*
** Typed text "ed25519/<hex>" or "secp256r1/<hex>" (lowercase on output,
** either case on input). format writes at most cap bytes including the
** NUL and returns the length it needed (snprintf-like).
*/
size_t btk_pubkey_format(const btk_pubkey *k, char *buf, size_t cap);
biscuit_status btk_pubkey_parse(const char *s, size_t len, btk_pubkey *out,
                                bx_diag *d);
/* Exact text length of btk_pubkey_format's output for the longest key. */
#define BTK_PUBKEY_TEXT_MAX (sizeof "secp256r1/" + 2 * BTK_PUBKEY_MAX)

/*
** Private keys: generate (random), from the 32 wire bytes (wrong length
** -> Format/InvalidKeySize, P-256 scalar 0 or >= n -> Format/InvalidKey),
** typed text "ed25519-private/<hex>" / "secp256r1-private/<hex>".
*/
biscuit_status btk_privkey_generate(int alg, btk_privkey *out, bx_diag *d);
biscuit_status btk_privkey_from_bytes(int alg, const uint8_t *secret,
                                      size_t len, btk_privkey *out, bx_diag *d);
biscuit_status btk_privkey_parse(const char *s, size_t len, btk_privkey *out,
                                 bx_diag *d);
size_t btk_privkey_format(const btk_privkey *k, char *buf, size_t cap);
#define BTK_PRIVKEY_TEXT_MAX (sizeof "secp256r1-private/" + 2 * 32)
/* Zero every byte of the key (sodium_memzero / OPENSSL_cleanse). */
void btk_privkey_wipe(btk_privkey *k);
/* Zero secret bytes in a way the compiler cannot drop (sodium_memzero). */
void btk_wipe(void *p, size_t n);

/*
** sign writes at most BTK_SIG_MAX bytes into sig. P-256 signatures are
** always low-S. verify returns BISCUIT_OK or an error whose tag is
** Format/BlockSignatureDeserializationError (malformed signature bytes),
** Format/InvalidKey (key not on the curve, P-256) or
** Format/Signature/InvalidSignature.
*/
biscuit_status btk_sign(const btk_privkey *k, const uint8_t *msg, size_t len,
                        uint8_t *sig, size_t *sig_len, bx_diag *d);
biscuit_status btk_verify(const btk_pubkey *k, const uint8_t *msg, size_t len,
                          const uint8_t *sig, size_t sig_len, bx_diag *d);

/*
** Lowercase hex (base64.c, over libsodium). encode returns a bx_malloc'd
** NUL-terminated string or NULL on allocation failure. decode accepts
** either case, needs an even length and fails past `cap` output bytes.
*/
char *btk_hex_encode(const uint8_t *p, size_t n);
biscuit_status btk_hex_decode(const char *s, size_t len, uint8_t *out,
                              size_t cap, size_t *out_len, bx_diag *d);

/* Shared by the backends: Rust-debug text of a byte list, "[1, 2]". */
void btk_bytes_debug(char *buf, size_t cap, const uint8_t *p, size_t n);

#endif
