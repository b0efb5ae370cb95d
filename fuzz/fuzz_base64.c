/*
** libFuzzer harness: the URL-safe base64 codec of the public API, which
** reads every token, request and snapshot given as text.
**
** Properties checked (abort on violation):
**  - bytes -> encode -> decode gives the bytes back, also with the '='
**    padding stripped (padding is optional);
**  - text that decodes re-encodes to a text that decodes to the same
**    bytes, and is the canonical form: the input minus trailing
**    whitespace, padded.
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biscuit/biscuit.h"

static _Noreturn void violated(const char *what) {
  fprintf(stderr, "fuzz_base64: %s\n", what);
  abort();
}

static void expect_decodes_to(const char *text, size_t len, const uint8_t *p,
                              size_t n) {
  uint8_t *out = NULL;
  size_t out_len = 0;
  biscuit_status st = biscuit_base64_decode(text, len, &out, &out_len);
  if (st == BISCUIT_E_NOMEM)
    return;
  if (st != BISCUIT_OK)
    violated("an encoding does not decode");
  if (out_len != n || (n && memcmp(out, p, n)))
    violated("decode(encode(x)) != x");
  biscuit_free(out);
}

static void bytes_round_trip(const uint8_t *p, size_t n) {
  char *enc = biscuit_base64_encode(p, n);
  if (!enc)
    return;
  size_t len = strlen(enc);
  if (len != (n + 2) / 3 * 4)
    violated("encoded length is not 4 * ceil(n / 3)");
  expect_decodes_to(enc, len, p, n);
  while (len > 0 && enc[len - 1] == '=')
    len--;
  expect_decodes_to(enc, len, p, n);
  biscuit_free(enc);
}

/* The whitespace the decoder ignores at the end (isspace in the C locale). */
static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

static void text_round_trip(const char *text, size_t len) {
  uint8_t *out = NULL;
  size_t n = 0;
  if (biscuit_base64_decode(text, len, &out, &n) != BISCUIT_OK)
    return;
  char *enc = biscuit_base64_encode(out, n);
  if (enc) {
    size_t trimmed = len, elen = strlen(enc);
    while (trimmed > 0 && is_space(text[trimmed - 1]))
      trimmed--;
    /* the input, padded if it was not: the encoding is unique */
    if (trimmed > elen || memcmp(enc, text, trimmed) != 0)
      violated("a decodable text is not the canonical encoding");
    for (size_t i = trimmed; i < elen; i++)
      if (enc[i] != '=')
        violated("a decodable text is not the canonical encoding");
    expect_decodes_to(enc, elen, out, n);
    biscuit_free(enc);
  }
  biscuit_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bytes_round_trip(data, size);
  char *text = malloc(size + 1);
  if (!text)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  text_round_trip(text, size);
  free(text);
  return 0;
}
