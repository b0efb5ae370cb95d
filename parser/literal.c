/*
** Literal checks that need more than a pattern: RFC 3339 dates and
** public keys in `trusting` scopes.
*/
#include <string.h>

#include "parser/parse_int.h"

static unsigned num(const char *s, size_t n) {
  unsigned v = 0;
  for (size_t i = 0; i < n; i++)
    v = v * 10 + (unsigned)(s[i] - '0');
  return v;
}

static bool is_leap(unsigned y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m) {
  static const unsigned d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* Is UTC second t + 1 the first second of a month (t is 23:59:59 on a
   month's last day)? The only place a leap second may stand. */
static bool before_month_start(int64_t t) {
  if ((t + 1) % 86400 != 0)
    return false;
  int64_t z = (t + 1) / 86400 + 719468;
  int64_t doe = z - (z >= 0 ? z : z - 146096) / 146097 * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  return doy - (153 * ((5 * doy + 2) / 153) + 2) / 5 + 1 == 1;
}

/*
** spec "Terms": dates are RFC 3339, held as seconds since the epoch (a
** u64). The lexer has matched YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM);
** here the fields are range-checked, the offset is applied and the
** fraction truncated. Second 60 is accepted only where a leap second can
** be (23:59:60 UTC on a month's last day) and counts as :59. Times before
** 1970 are refused, as the reference refuses them (u64 conversion).
*/
const char *bpa_parse_date(const char *s, size_t n, uint64_t *out) {
  unsigned y = num(s, 4), mo = num(s + 5, 2), d = num(s + 8, 2);
  unsigned h = num(s + 11, 2), mi = num(s + 14, 2), sec = num(s + 17, 2);
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
    return "no such day";
  if (h > 23 || mi > 59 || sec > 60)
    return "time of day out of range";
  int64_t off = 0;
  char z = s[n - 1];
  if (z != 'Z' && z != 'z') {
    unsigned oh = num(s + n - 5, 2), om = num(s + n - 2, 2);
    if (oh > 23 || om > 59)
      return "offset out of range";
    off = (int64_t)(oh * 3600 + om * 60);
    if (s[n - 6] == '-')
      off = -off;
  }
  int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
              (sec == 60 ? 59 : sec) - off;
  if (sec == 60 && !before_month_start(t))
    return "second 60 is only valid for a leap second";
  if (t < 0)
    return "dates before 1970 are not supported";
  *out = (uint64_t)t;
  return NULL;
}

/*
** `ed25519/<hex>` or `secp256r1/<hex>` (spec "Grammar": origin_element),
** from the source or from a key parameter's value. The key must have its
** algorithm's length: 32 bytes for Ed25519, 33 (a compressed point) for
** P-256. Hex digits may be in either case.
*/
const char *bpa_check_key(const char *s, size_t n) {
  size_t skip, want;
  if (n >= 8 && memcmp(s, "ed25519/", 8) == 0) {
    skip = 8;
    want = 64;
  } else if (n >= 10 && memcmp(s, "secp256r1/", 10) == 0) {
    skip = 10;
    want = 66;
  } else {
    return "expected ed25519/<hex> or secp256r1/<hex>";
  }
  for (size_t i = skip; i < n; i++)
    if (!s[i] || !strchr("0123456789abcdefABCDEF", s[i]))
      return "the key must be written in hex digits";
  if (n - skip != want)
    return want == 64 ? "an ed25519 key is 32 bytes (64 hex digits)"
                      : "a secp256r1 key is 33 bytes (66 hex digits)";
  return NULL;
}
