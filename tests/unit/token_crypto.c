/*
** Keys, signatures, payload builders and text encodings of token/
** (spec "Cryptography", "Signed payload generation", "Text format").
*/
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "token/codec.h"
#include "token/crypto.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap) {
  size_t n = 0;
  bx_diag d;
  if (btk_hex_decode(h, strlen(h), out, cap, &n, &d) != BISCUIT_OK)
    return (size_t)-1;
  return n;
}

static const uint8_t msg[] = "a message worth signing";

/* RFC 8032 section 7.1, TEST 1: deterministic Ed25519. */
static void test_ed25519_vector(void) {
  uint8_t seed[32], pk[32], want[64], sig[BTK_SIG_MAX];
  size_t n = 0;
  btk_privkey k;
  bx_diag d;
  unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        seed, sizeof seed);
  unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", pk,
        sizeof pk);
  unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        want, sizeof want);
  CHECK(btk_privkey_from_bytes(BTK_ALG_ED25519, seed, 32, &k, &d) ==
        BISCUIT_OK);
  CHECK(k.pub.len == 32 && memcmp(k.pub.bytes, pk, 32) == 0);
  CHECK(btk_sign(&k, (const uint8_t *)"", 0, sig, &n, &d) == BISCUIT_OK);
  CHECK(n == 64 && memcmp(sig, want, 64) == 0);
  CHECK(btk_verify(&k.pub, (const uint8_t *)"", 0, sig, n, &d) == BISCUIT_OK);
  btk_privkey_wipe(&k);
  {
    static const uint8_t zero[sizeof k] = {0};
    CHECK(memcmp(&k, zero, sizeof k) == 0);
  }
}

/* The samples' root key pair: seed -> public key. */
static void test_sample_root(void) {
  uint8_t seed[32];
  btk_privkey k;
  char text[BTK_PUBKEY_TEXT_MAX];
  bx_diag d;
  unhex("99e87b0e9158531eeeb503ff15266e2b23c2a2507b138c9d1b1f2ab458df2d61",
        seed, sizeof seed);
  CHECK(btk_privkey_from_bytes(BTK_ALG_ED25519, seed, 32, &k, &d) ==
        BISCUIT_OK);
  btk_pubkey_format(&k.pub, text, sizeof text);
  CHECK_STR(text, "ed25519/1055c750b1a1505937af1537c626ba3263995c33a64758aa"
                  "afb1275b0312e284");
  btk_privkey_wipe(&k);
}

/* Generic sign/verify behaviour shared by both algorithms. */
/*
** P-256 public keys are imported once and kept (crypto_p256.c): with more
** keys than the cache holds, verified in turns, each signature still
** verifies with its own key only, before and after its entry is replaced.
*/
static void test_p256_key_cache(void) {
  enum { N = 20 };
  btk_privkey k[N];
  uint8_t sig[N][BTK_SIG_MAX];
  size_t n[N];
  bx_diag d;
  for (int i = 0; i < N; i++) {
    CHECK(btk_privkey_generate(BTK_ALG_P256, &k[i], &d) == BISCUIT_OK);
    CHECK(btk_sign(&k[i], msg, sizeof msg, sig[i], &n[i], &d) == BISCUIT_OK);
  }
  for (int round = 0; round < 3; round++)
    for (int i = 0; i < N; i++) {
      CHECK(btk_verify(&k[i].pub, msg, sizeof msg, sig[i], n[i], &d) ==
            BISCUIT_OK);
      CHECK(btk_verify(&k[(i + 1) % N].pub, msg, sizeof msg, sig[i], n[i],
                       &d) == BISCUIT_E_SIGNATURE);
    }
  for (int i = 0; i < N; i++)
    btk_privkey_wipe(&k[i]);
}

static void sign_verify_roundtrip(btk_alg alg) {
  btk_privkey k, other;
  uint8_t sig[BTK_SIG_MAX];
  size_t n = 0;
  bx_diag d;
  CHECK(btk_privkey_generate(alg, &k, &d) == BISCUIT_OK);
  CHECK(btk_privkey_generate(alg, &other, &d) == BISCUIT_OK);
  CHECK(k.pub.alg == alg);
  CHECK(btk_sign(&k, msg, sizeof msg, sig, &n, &d) == BISCUIT_OK);
  CHECK(btk_verify(&k.pub, msg, sizeof msg, sig, n, &d) == BISCUIT_OK);
  CHECK(btk_verify(&k.pub, msg, sizeof msg - 1, sig, n, &d) ==
        BISCUIT_E_SIGNATURE);
  CHECK_STR(d.tag, "Format/Signature/InvalidSignature");
  CHECK(btk_verify(&other.pub, msg, sizeof msg, sig, n, &d) ==
        BISCUIT_E_SIGNATURE);
  CHECK(btk_verify(&k.pub, msg, sizeof msg, sig, n - 1, &d) ==
        BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/BlockSignatureDeserializationError");
  CHECK(btk_verify(&k.pub, msg, sizeof msg, sig, 0, &d) != BISCUIT_OK);
  /* derive again from the secret: same public key */
  {
    btk_privkey again;
    CHECK(btk_privkey_from_bytes(alg, k.secret, 32, &again, &d) == BISCUIT_OK);
    CHECK(btk_pubkey_equal(&again.pub, &k.pub));
    btk_privkey_wipe(&again);
  }
  btk_privkey_wipe(&k);
  btk_privkey_wipe(&other);
}

/*
** libsodium's strict checks: S >= L and a small-order public key are
** refused (the reference uses verify_strict).
*/
static void test_ed25519_strict(void) {
  static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
                                0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
  btk_privkey k;
  btk_pubkey ident;
  uint8_t sig[BTK_SIG_MAX], idbytes[32] = {1};
  size_t n = 0;
  unsigned carry = 0;
  bx_diag d;
  CHECK(btk_privkey_generate(BTK_ALG_ED25519, &k, &d) == BISCUIT_OK);
  CHECK(btk_sign(&k, msg, sizeof msg, sig, &n, &d) == BISCUIT_OK);
  for (int i = 0; i < 32; i++) { /* S += L (little-endian) */
    unsigned v = sig[32 + i] + L[i] + carry;
    sig[32 + i] = (uint8_t)v;
    carry = v >> 8;
  }
  CHECK(btk_verify(&k.pub, msg, sizeof msg, sig, n, &d) == BISCUIT_E_SIGNATURE);
  CHECK(btk_pubkey_from_bytes(BTK_ALG_ED25519, idbytes, 32, &ident, &d) ==
        BISCUIT_OK);
  memset(sig, 0, sizeof sig);
  sig[0] = 1; /* R = identity, S = 0: "valid" for the identity key */
  CHECK(btk_verify(&ident, msg, sizeof msg, sig, 64, &d) ==
        BISCUIT_E_SIGNATURE);
  btk_privkey_wipe(&k);
}

/* ------------------------------------------------------------- P-256 */

static const uint8_t p256_n[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
    0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

/* Minimal DER reader: SEQUENCE { INTEGER r, INTEGER s } -> 32-byte s. */
static int der_get_s(const uint8_t *der, size_t n, uint8_t s[32]) {
  size_t at = 2, len;
  if (n < 8 || der[0] != 0x30 || der[1] != n - 2 || der[at] != 0x02)
    return -1;
  at += 2 + der[at + 1]; /* skip r */
  if (at + 2 > n || der[at] != 0x02)
    return -1;
  len = der[at + 1];
  at += 2;
  if (at + len != n || len > 33)
    return -1;
  memset(s, 0, 32);
  if (len == 33)
    memcpy(s, der + at + 1, 32);
  else
    memcpy(s + 32 - len, der + at, len);
  return 0;
}

/* s <= (n-1)/2, i.e. 2s < n, compared big-endian. */
static int is_low_s(const uint8_t s[32]) {
  uint8_t twice[32];
  unsigned carry = 0;
  for (int i = 31; i >= 0; i--) {
    unsigned v = (unsigned)s[i] * 2 + carry;
    twice[i] = (uint8_t)v;
    carry = v >> 8;
  }
  return !carry && memcmp(twice, p256_n, 32) < 0;
}

static void test_p256_low_s(void) {
  btk_privkey k;
  bx_diag d;
  int low = 0, ok = 0;
  CHECK(btk_privkey_generate(BTK_ALG_P256, &k, &d) == BISCUIT_OK);
  CHECK(k.pub.len == 33 && (k.pub.bytes[0] == 2 || k.pub.bytes[0] == 3));
  for (int i = 0; i < 64; i++) {
    uint8_t sig[BTK_SIG_MAX], s[32];
    size_t n = 0;
    uint8_t m[4] = {(uint8_t)i, 1, 2, 3};
    if (btk_sign(&k, m, sizeof m, sig, &n, &d) != BISCUIT_OK)
      continue;
    ok += btk_verify(&k.pub, m, sizeof m, sig, n, &d) == BISCUIT_OK;
    low += der_get_s(sig, n, s) == 0 && is_low_s(s);
  }
  CHECK(ok == 64);
  CHECK(low == 64);
  btk_privkey_wipe(&k);
}

/*
** RFC 6979 A.2.5 (P-256, SHA-256, message "sample"): key derivation and
** a signature whose s is high, so it also shows high-S is accepted.
*/
static void test_p256_vector(void) {
  uint8_t x[32], pub[33], der[72];
  btk_privkey k;
  btk_pubkey pk;
  bx_diag d;
  uint8_t s[32];
  unhex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721", x,
        32);
  unhex("0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6",
        pub, 33);
  CHECK(btk_privkey_from_bytes(BTK_ALG_P256, x, 32, &k, &d) == BISCUIT_OK);
  CHECK(k.pub.len == 33 && memcmp(k.pub.bytes, pub, 33) == 0);
  CHECK(btk_pubkey_from_bytes(BTK_ALG_P256, pub, 33, &pk, &d) == BISCUIT_OK);
  CHECK(unhex("3046022100efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c3"
              "4d0ea84eaf3716022100f7cb1c942d657c41d436c7a1b6e29f65f3e900db"
              "b9aff4064dc4ab2f843acda8",
              der, sizeof der) == 72);
  CHECK(der_get_s(der, 72, s) == 0 && !is_low_s(s));
  CHECK(btk_verify(&pk, (const uint8_t *)"sample", 6, der, 72, &d) ==
        BISCUIT_OK);
  CHECK(btk_verify(&pk, (const uint8_t *)"samplf", 6, der, 72, &d) ==
        BISCUIT_E_SIGNATURE);
  der[71] ^= 1; /* still DER, wrong s */
  CHECK(btk_verify(&pk, (const uint8_t *)"sample", 6, der, 72, &d) ==
        BISCUIT_E_SIGNATURE);
  der[71] ^= 1;
  der[1] = 0x47; /* bad DER length */
  CHECK(btk_verify(&pk, (const uint8_t *)"sample", 6, der, 72, &d) ==
        BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/BlockSignatureDeserializationError");
  btk_privkey_wipe(&k);
}

/* DER that OpenSSL would tolerate but is not canonical, or r = 0. */
static void test_p256_der_strict(void) {
  btk_privkey k;
  uint8_t sig[BTK_SIG_MAX + 4], bad[BTK_SIG_MAX + 4];
  size_t n = 0;
  bx_diag d;
  CHECK(btk_privkey_generate(BTK_ALG_P256, &k, &d) == BISCUIT_OK);
  CHECK(btk_sign(&k, msg, sizeof msg, sig, &n, &d) == BISCUIT_OK);
  memcpy(bad, sig, n);
  bad[n] = 0; /* trailing byte */
  CHECK(btk_verify(&k.pub, msg, sizeof msg, bad, n + 1, &d) ==
        BISCUIT_E_FORMAT);
  {
    static const uint8_t zero_rs[] = {0x30, 0x06, 0x02, 0x01,
                                      0x00, 0x02, 0x01, 0x00};
    CHECK(btk_verify(&k.pub, msg, sizeof msg, zero_rs, sizeof zero_rs, &d) ==
          BISCUIT_E_FORMAT);
  }
  btk_privkey_wipe(&k);
}

static void test_p256_keys(void) {
  uint8_t key[65];
  btk_pubkey pk;
  btk_privkey k;
  uint8_t scalar[32];
  uint8_t sig[8] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
  bx_diag d;
  memset(key, 0x11, sizeof key);
  key[0] = 0x02;
  CHECK(btk_pubkey_from_bytes(BTK_ALG_P256, key, 31, &pk, &d) ==
        BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/InvalidKey");
  CHECK(btk_pubkey_from_bytes(BTK_ALG_P256, key, 65, &pk, &d) ==
        BISCUIT_E_FORMAT);
  key[0] = 0x04; /* uncompressed prefix: not allowed by the spec */
  CHECK(btk_pubkey_from_bytes(BTK_ALG_P256, key, 65, &pk, &d) ==
        BISCUIT_E_FORMAT);
  CHECK(btk_pubkey_from_bytes(BTK_ALG_P256, key, 33, &pk, &d) ==
        BISCUIT_E_FORMAT);
  key[0] = 0x02;
  memset(key + 1, 0xff, 32); /* x >= p: not a point */
  CHECK(btk_pubkey_from_bytes(BTK_ALG_P256, key, 33, &pk, &d) == BISCUIT_OK);
  CHECK(btk_verify(&pk, msg, sizeof msg, sig, sizeof sig, &d) ==
        BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/InvalidKey");
  /* scalars: 0 and n are refused, n - 1 is fine */
  memset(scalar, 0, 32);
  CHECK(btk_privkey_from_bytes(BTK_ALG_P256, scalar, 32, &k, &d) ==
        BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/InvalidKey");
  CHECK(btk_privkey_from_bytes(BTK_ALG_P256, p256_n, 32, &k, &d) ==
        BISCUIT_E_FORMAT);
  memcpy(scalar, p256_n, 32);
  scalar[31]--;
  CHECK(btk_privkey_from_bytes(BTK_ALG_P256, scalar, 32, &k, &d) == BISCUIT_OK);
  CHECK(btk_privkey_from_bytes(BTK_ALG_P256, scalar, 31, &k, &d) ==
        BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/InvalidKeySize");
  btk_privkey_wipe(&k);
}

static void test_key_sizes_and_algs(void) {
  uint8_t key[65] = {0};
  btk_pubkey pk;
  btk_privkey k;
  bx_diag d;
  size_t sizes[] = {0, 31, 33, 65};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    CHECK(btk_pubkey_from_bytes(BTK_ALG_ED25519, key, sizes[i], &pk, &d) ==
          BISCUIT_E_FORMAT);
    CHECK_STR(d.tag, "Format/InvalidKeySize");
    CHECK(btk_privkey_from_bytes(BTK_ALG_ED25519, key, sizes[i], &k, &d) ==
          BISCUIT_E_FORMAT);
  }
  CHECK(btk_pubkey_from_bytes(2, key, 32, &pk, &d) == BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/DeserializationError");
  CHECK(btk_pubkey_from_bytes(-1, key, 32, &pk, &d) == BISCUIT_E_FORMAT);
  CHECK_STR(d.tag, "Format/DeserializationError");
  CHECK(btk_privkey_generate(7, &k, &d) == BISCUIT_E_FORMAT);
  CHECK(btk_alg_name(2) == NULL && btk_sig_ops_for(-1) == NULL);
}

/* ------------------------------------------------------------ text */

static void text_roundtrip(btk_alg alg) {
  btk_privkey k, k2;
  btk_pubkey pk;
  char text[BTK_PRIVKEY_TEXT_MAX], ptext[BTK_PUBKEY_TEXT_MAX];
  bx_diag d;
  size_t need;
  CHECK(btk_privkey_generate(alg, &k, &d) == BISCUIT_OK);
  need = btk_pubkey_format(&k.pub, ptext, sizeof ptext);
  CHECK(need == strlen(ptext));
  CHECK(strncmp(ptext, alg ? "secp256r1/" : "ed25519/", alg ? 10 : 8) == 0);
  CHECK(btk_pubkey_parse(ptext, strlen(ptext), &pk, &d) == BISCUIT_OK);
  CHECK(btk_pubkey_equal(&pk, &k.pub));
  btk_privkey_format(&k, text, sizeof text);
  CHECK(strstr(text, "-private/") != NULL);
  CHECK(btk_privkey_parse(text, strlen(text), &k2, &d) == BISCUIT_OK);
  CHECK(memcmp(k2.secret, k.secret, 32) == 0);
  CHECK(btk_pubkey_equal(&k2.pub, &k.pub));
  /* a public text is not a private one, and vice versa */
  CHECK(btk_privkey_parse(ptext, strlen(ptext), &k2, &d) != BISCUIT_OK);
  CHECK(btk_pubkey_parse(text, strlen(text), &pk, &d) != BISCUIT_OK);
  /* too small a buffer: empty string, needed length returned */
  CHECK(btk_pubkey_format(&k.pub, ptext, 10) == need && ptext[0] == '\0');
  btk_privkey_wipe(&k);
  btk_privkey_wipe(&k2);
}

static void test_text_errors(void) {
  static const char *bad[] = {
      "",
      "ed25519",
      "ed25519/",
      "xx/1055c750b1a1505937af1537c626ba3263995c33a64758aaafb1275b0312e284",
      "1055c750b1a1505937af1537c626ba3263995c33a64758aaafb1275b0312e284",
      "ed25519/1055c750b1a1505937af1537c626ba3263995c33a64758aaafb1275b0312",
      "ed25519/1055c750b1a1505937af1537c626ba3263995c33a64758aaafb1275b0312e2",
      "ed25519/1055c750b1a1505937af1537c626ba3263995c33a64758aaafb1275b0312eZZ",
      "secp256r1/1055c750b1a1505937af1537c626ba3263995c33a64758aaafb1275b031",
      "ed25519:1055c750b1a1505937af1537c626ba3263995c33a64758aaafb1275b0312e28",
  };
  btk_pubkey pk;
  bx_diag d;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK(btk_pubkey_parse(bad[i], strlen(bad[i]), &pk, &d) ==
          BISCUIT_E_FORMAT);
  {
    const char *up = "ED25519/1055c750b1a1505937af1537c626ba3263995c33a64758aa"
                     "afb1275b0312e284";
    const char *hexup = "ed25519/1055C750B1A1505937AF1537C626BA3263995C33A647"
                        "58AAAFB1275B0312E284";
    CHECK(btk_pubkey_parse(up, strlen(up), &pk, &d) == BISCUIT_E_FORMAT);
    CHECK(btk_pubkey_parse(hexup, strlen(hexup), &pk, &d) == BISCUIT_OK);
  }
}

static void test_base64(void) {
  uint8_t data[64], *out = NULL;
  size_t n = 0;
  bx_diag d;
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (uint8_t)(i * 37 + 251);
  for (size_t len = 0; len <= sizeof data; len++) {
    char *s = btk_base64_encode(data, len);
    size_t sl = s ? strlen(s) : 0;
    CHECK(s != NULL && sl % 4 == 0);
    CHECK(s && strchr(s, '+') == NULL && strchr(s, '/') == NULL);
    CHECK(btk_base64_decode(s, sl, &out, &n, &d) == BISCUIT_OK && n == len &&
          (len == 0 || memcmp(out, data, len) == 0));
    bx_free(out);
    while (sl && s[sl - 1] == '=') /* padding is optional */
      sl--;
    CHECK(btk_base64_decode(s, sl, &out, &n, &d) == BISCUIT_OK && n == len);
    bx_free(out);
    bx_free(s);
  }
  CHECK(btk_base64_decode("_-8=\n", 5, &out, &n, &d) == BISCUIT_OK && n == 2 &&
        out[0] == 0xff && out[1] == 0xef);
  bx_free(out);
  CHECK(btk_base64_decode("_-8\r\n \t", 7, &out, &n, &d) == BISCUIT_OK);
  bx_free(out);
  {
    static const char *bad[] = {"/+8=",  "ab+c",  "ab/c",      "a",    "ab=c",
                                "ab==c", "abc==", "a===",      "ab c", "ab\ncd",
                                "ab*d",  "abc=x", "ab\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      CHECK(btk_base64_decode(bad[i], strlen(bad[i]), &out, &n, &d) ==
            BISCUIT_E_FORMAT);
      CHECK(out == NULL && d.tag && strncmp(d.tag, "Base64/", 7) == 0);
    }
  }
  /* non-zero unused trailing bits: "_-9" decodes to the same as "_-8" */
  CHECK(btk_base64_decode("_-9", 3, &out, &n, &d) == BISCUIT_E_FORMAT);
}

static void test_hex(void) {
  uint8_t b[4] = {0x00, 0xab, 0x10, 0xff}, out[4];
  size_t n = 0;
  bx_diag d;
  char *h = btk_hex_encode(b, 4);
  CHECK_STR(h, "00ab10ff");
  bx_free(h);
  CHECK(btk_hex_decode("00AB10ff", 8, out, 4, &n, &d) == BISCUIT_OK && n == 4 &&
        memcmp(out, b, 4) == 0);
  CHECK(btk_hex_decode("00ab1", 5, out, 4, &n, &d) == BISCUIT_E_FORMAT);
  CHECK(btk_hex_decode("00ab10ff00", 10, out, 4, &n, &d) == BISCUIT_E_FORMAT);
  CHECK(btk_hex_decode("0g", 2, out, 4, &n, &d) == BISCUIT_E_FORMAT);
}

/* ---------------------------------------------------------- payloads */

static void test_payloads(void) {
  uint8_t data[3] = {'d', 'a', 't'}, sigb[2] = {0xaa, 0xbb},
          extb[2] = {0xcc, 0xdd};
  btk_span dat = {data, 3}, prev = {sigb, 2}, ext = {extb, 2};
  btk_pubkey k;
  bx_buf b;
  bx_diag d;
  uint8_t key[33];
  memset(key, 7, sizeof key);
  key[0] = 2;
  CHECK(btk_pubkey_from_bytes(BTK_ALG_P256, key, 33, &k, &d) == BISCUIT_OK);
  bx_buf_init(&b, 0);
  /* v0: data, [external signature], algorithm (i32 LE), key */
  CHECK(btk_payload_block(&b, 0, dat, &k, &ext, &prev, &d) == BISCUIT_OK);
  CHECK(b.len == 3 + 2 + 4 + 33);
  CHECK(memcmp(b.data, data, 3) == 0 && memcmp(b.data + 3, extb, 2) == 0);
  CHECK(memcmp(b.data + 5, "\x01\0\0\0", 4) == 0);
  CHECK(memcmp(b.data + 9, key, 33) == 0);
  bx_buf_reset(&b);
  /* v1 authority block: no PREVSIG */
  CHECK(btk_payload_block(&b, 1, dat, &k, NULL, NULL, &d) == BISCUIT_OK);
  {
    static const char want[] = "\0BLOCK\0\0VERSION\0\x01\0\0\0\0PAYLOAD\0dat"
                               "\0ALGORITHM\0\x01\0\0\0\0NEXTKEY\0";
    CHECK(b.len == sizeof want - 1 + 33);
    CHECK(memcmp(b.data, want, sizeof want - 1) == 0);
  }
  bx_buf_reset(&b);
  CHECK(btk_payload_block(&b, 1, dat, &k, &ext, &prev, &d) == BISCUIT_OK);
  CHECK(memcmp(b.data + b.len - 2 - 13 - 2 - 9,
               "\0PREVSIG\0\xaa\xbb\0EXTERNALSIG\0\xcc\xdd", 26) == 0);
  bx_buf_reset(&b);
  CHECK(btk_payload_external(&b, 1, dat, prev, &d) == BISCUIT_OK);
  {
    static const char want[] = "\0EXTERNAL\0\0VERSION\0\x01\0\0\0\0PAYLOAD\0"
                               "dat\0PREVSIG\0\xaa\xbb";
    CHECK(b.len == sizeof want - 1 && memcmp(b.data, want, b.len) == 0);
  }
  bx_buf_reset(&b);
  CHECK(btk_payload_block(&b, 2, dat, &k, NULL, NULL, &d) == BISCUIT_E_FORMAT);
  CHECK(btk_payload_external(&b, 0, dat, prev, &d) == BISCUIT_E_FORMAT);
  bx_buf_free(&b);
}

/* Mirrors the reference's block_signature_version table. */
static void test_sig_version(void) {
  CHECK(btk_sig_version(BTK_ALG_ED25519, BTK_ALG_ED25519, false, 4, 0) == 0);
  CHECK(btk_sig_version(BTK_ALG_P256, BTK_ALG_ED25519, false, 4, 0) == 1);
  CHECK(btk_sig_version(BTK_ALG_ED25519, BTK_ALG_P256, false, 4, 0) == 1);
  CHECK(btk_sig_version(BTK_ALG_P256, BTK_ALG_P256, false, 4, 0) == 1);
  CHECK(btk_sig_version(BTK_ALG_ED25519, BTK_ALG_ED25519, true, 4, 0) == 1);
  CHECK(btk_sig_version(BTK_ALG_ED25519, BTK_ALG_ED25519, false, 6, 0) == 1);
  CHECK(btk_sig_version(BTK_ALG_ED25519, BTK_ALG_ED25519, false, 4, 1) == 1);
  CHECK(btk_sig_version(BTK_ALG_ED25519, BTK_ALG_ED25519, false, 0, 0) == 0);
}

static void test_bytes_debug(void) {
  uint8_t b[3] = {117, 0, 255};
  char buf[64], tiny[12];
  btk_bytes_debug(buf, sizeof buf, b, 3);
  CHECK_STR(buf, "[117, 0, 255]");
  btk_bytes_debug(buf, sizeof buf, b, 0);
  CHECK_STR(buf, "[]");
  btk_bytes_debug(tiny, sizeof tiny, b, 3);
  CHECK_STR(tiny, "[117, ...]");
  btk_bytes_debug(buf, 16, b, 3);
  CHECK_STR(buf, "[117, 0, ...]");
}

int main(void) {
  test_ed25519_vector();
  test_sample_root();
  sign_verify_roundtrip(BTK_ALG_ED25519);
  sign_verify_roundtrip(BTK_ALG_P256);
  test_p256_key_cache();
  test_ed25519_strict();
  test_p256_low_s();
  test_p256_vector();
  test_p256_der_strict();
  test_p256_keys();
  test_key_sizes_and_algs();
  text_roundtrip(BTK_ALG_ED25519);
  text_roundtrip(BTK_ALG_P256);
  test_text_errors();
  test_base64();
  test_hex();
  test_payloads();
  test_sig_version();
  test_bytes_debug();
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
