/*
** UTF-8 for the parser: validation of the whole input before lexing (so
** the lexer and the messages can trust every multi-byte sequence), code
** point decoding, and the "letter" test used for names.
*/
#include "parser/parse_int.h"

/*
** Length of the well-formed sequence starting at s[0] (RFC 3629: no
** overlong forms, no surrogates, nothing above U+10FFFF), or 0. NUL is
** refused too: Datalog text never needs it, and symbols are C strings.
*/
static size_t seq_len(const unsigned char *s, size_t n) {
  unsigned char b = s[0];
  if (b == 0)
    return 0;
  if (b < 0x80)
    return 1;
  size_t k = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 ? 2 : 0;
  if (k == 0 || b > 0xf4 || n < k)
    return 0;
  for (size_t i = 1; i < k; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  if (b == 0xe0 && s[1] < 0xa0)
    return 0; /* overlong */
  if (b == 0xed && s[1] >= 0xa0)
    return 0; /* surrogate */
  if (b == 0xf0 && s[1] < 0x90)
    return 0; /* overlong */
  if (b == 0xf4 && s[1] >= 0x90)
    return 0; /* above U+10FFFF */
  return k;
}

size_t bpa_utf8_check(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < len) {
    size_t k = seq_len(p + i, len - i);
    if (k == 0)
      return i;
    i += k;
  }
  return len;
}

uint32_t bpa_utf8_decode(const char *s, size_t len, size_t *adv) {
  const unsigned char *p = (const unsigned char *)s;
  size_t k = len ? seq_len(p, len) : 0;
  if (k <= 1) {
    *adv = 1;
    return len ? p[0] : 0;
  }
  uint32_t cp = p[0] & (0xff >> (k + 1));
  for (size_t i = 1; i < k; i++)
    cp = (cp << 6) | (p[i] & 0x3f);
  *adv = k;
  return cp;
}

/*
** The spec says names start with "any UTF-8 letter character". Without
** Unicode tables we approximate: ASCII letters, and every code point
** above U+007F except the blocks that hold no letters (Latin-1
** punctuation, general punctuation, symbols, arrows, box drawing, CJK
** punctuation, private use, specials, variation selectors, emoji). The
** reference itself (parser.rs `name`) only accepts ASCII here.
*/
bool bpa_is_letter(uint32_t cp) {
  static const uint32_t not_letters[][2] = {
      {0x80, 0xa9},        {0xab, 0xb4},     {0xb6, 0xb9},
      {0xbb, 0xbf},        {0xd7, 0xd7},     {0xf7, 0xf7},
      {0x2000, 0x2bff},    {0x2e00, 0x2e7f}, {0x3000, 0x3003},
      {0x3008, 0x3020},    {0xd800, 0xf8ff}, {0xfe00, 0xfe6f},
      {0xfeff, 0xfeff},    {0xff00, 0xff20}, {0xff3b, 0xff40},
      {0xff5b, 0xff65},    {0xfff0, 0xffff}, {0x1f000, 0x1faff},
      {0xe0000, 0x10ffff},
  };
  if (cp < 0x80)
    return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  for (size_t i = 0; i < sizeof not_letters / sizeof not_letters[0]; i++)
    if (cp >= not_letters[i][0] && cp <= not_letters[i][1])
      return false;
  return true;
}
