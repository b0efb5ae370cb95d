/*
** Text encodings over libsodium's constant-time codecs (spec "Text
** format"; wire-format.md "Text encodings").
**
** base64: output is URL-safe with '=' padding, like the reference tools.
** Input is URL-safe only: '+' and '/' are rejected (the reference's
** BASE64_URL_SAFE engine rejects them too, and accepting both alphabets
** would give one token two spellings). Padding is optional but, when
** present, must be exact; unused trailing bits must be zero; trailing
** whitespace (a newline from a file or a shell) is ignored; anything else
** is an error.
*/
#include <sodium.h>
#include <string.h>

#include "token/codec.h"
#include "token/crypto.h"

#define B64_URL sodium_base64_VARIANT_URLSAFE
#define B64_URL_NOPAD sodium_base64_VARIANT_URLSAFE_NO_PADDING

char *btk_base64_encode(const uint8_t *p, size_t n) {
  size_t cap;
  char *out;
  if (n > (SIZE_MAX - 16) / 4 * 3)
    return NULL;
  cap = sodium_base64_ENCODED_LEN(n, B64_URL);
  out = bx_malloc(cap);
  if (out)
    sodium_bin2base64(out, cap, p, n, B64_URL);
  return out;
}

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

/* Tags follow the reference's Token::Base64(Base64Error) variants. */
static biscuit_status b64_error(bx_diag *d, const char *tag, const char *what) {
  return bx_fail(d, BISCUIT_E_FORMAT, tag, "invalid base64: %s", what);
}

/*
** libsodium 1.0.18's base642bin maps every byte >= 0x80 to some sextet
** instead of refusing it (its constant-time range macros assume ASCII),
** so the alphabet is checked here first.
*/
static bool urlsafe_alphabet(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  }
  return true;
}

/*
** Trim trailing whitespace, check and drop the padding, then decode the
** rest with the no-padding variant (which fails on any byte outside the
** URL-safe alphabet and on non-zero trailing bits).
*/
biscuit_status btk_base64_decode(const char *s, size_t len, uint8_t **out,
                                 size_t *out_len, bx_diag *d) {
  size_t pad = 0, bin_len = 0;
  uint8_t *bin;
  *out = NULL;
  *out_len = 0;
  while (len > 0 && is_space(s[len - 1]))
    len--;
  while (len > 0 && pad < 2 && s[len - 1] == '=') {
    len--;
    pad++;
  }
  if (pad && (len + pad) % 4 != 0)
    return b64_error(d, "Base64/InvalidPadding", "wrong padding");
  if (!urlsafe_alphabet(s, len))
    return b64_error(d, "Base64/InvalidByte", "invalid character");
  if (len % 4 == 1)
    return b64_error(d, "Base64/InvalidLength", "impossible length");
  bin = bx_malloc(len / 4 * 3 + 3);
  if (!bin)
    return bx_fail(d, BISCUIT_E_NOMEM, "InternalError", "out of memory");
  if (sodium_base642bin(bin, len / 4 * 3 + 3, s, len, NULL, &bin_len, NULL,
                        B64_URL_NOPAD) != 0) {
    bx_free(bin);
    return b64_error(d, "Base64/InvalidLastSymbol", "non-zero trailing bits");
  }
  *out = bin;
  *out_len = bin_len;
  return BISCUIT_OK;
}

char *btk_hex_encode(const uint8_t *p, size_t n) {
  char *out;
  if (n >= SIZE_MAX / 2)
    return NULL;
  out = bx_malloc(2 * n + 1);
  if (out)
    sodium_bin2hex(out, 2 * n + 1, p, n);
  return out;
}

biscuit_status btk_hex_decode(const char *s, size_t len, uint8_t *out,
                              size_t cap, size_t *out_len, bx_diag *d) {
  *out_len = 0;
  if (len % 2 != 0)
    return bx_fail(d, BISCUIT_E_FORMAT, "Hex", "invalid hex: odd length");
  if (len / 2 > cap)
    return bx_fail(d, BISCUIT_E_FORMAT, "Hex", "invalid hex: too long");
  if (sodium_hex2bin(out, cap, s, len, NULL, out_len, NULL) != 0)
    return bx_fail(d, BISCUIT_E_FORMAT, "Hex", "invalid hex: not a hex digit");
  return BISCUIT_OK;
}
