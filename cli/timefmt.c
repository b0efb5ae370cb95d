/*
** Time on the command line: durations for --max-time and --add-ttl
** ("100ms", "30s", "5m", "1h", "1d", or several, as in "1h30m"), and
** RFC 3339 dates, parsed and printed in UTC as the Datalog printer
** prints them ("2024-01-31T12:00:00Z"). Dates are unsigned seconds since
** the epoch, as Biscuit's dates are.
*/
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* 9999-12-31T23:59:59Z: later dates have no four-digit year to print. */
#define CLI_MAX_DATE UINT64_C(253402300799)

/* ------------------------------------------------------------ durations */

static const struct {
  const char *name;
  uint64_t us;
} UNITS[] = {
    {"us", 1},       {"\xc2\xb5s", 1},  {"ms", 1000},       {"s", 1000000},
    {"m", 60000000}, {"min", 60000000}, {"h", 3600000000u}, {"d", 86400000000u},
};

/* The longest unit name at p; its length in *n, 0 when none. */
static uint64_t unit_at(const char *p, size_t *n) {
  uint64_t us = 0;
  *n = 0;
  for (size_t i = 0; i < sizeof UNITS / sizeof UNITS[0]; i++) {
    size_t l = strlen(UNITS[i].name);
    if (l > *n && !strncmp(p, UNITS[i].name, l) &&
        !isalpha((unsigned char)p[l])) {
      *n = l;
      us = UNITS[i].us;
    }
  }
  return us;
}

/* A sum of NUMBER UNIT terms; overflow and bare numbers are refused. */
int cli_parse_duration(const char *text, uint64_t *us) {
  const char *p = text;
  uint64_t total = 0;
  *us = 0;
  while (*p == ' ')
    p++;
  if (!isdigit((unsigned char)*p))
    return -1;
  while (*p) {
    uint64_t n = 0;
    if (!isdigit((unsigned char)*p))
      return -1;
    for (; isdigit((unsigned char)*p); p++) {
      if (n > (UINT64_MAX - 9) / 10)
        return -1;
      n = n * 10 + (uint64_t)(*p - '0');
    }
    size_t ul;
    uint64_t unit = unit_at(p, &ul);
    if (!unit || (n && unit > UINT64_MAX / n) || total > UINT64_MAX - n * unit)
      return -1;
    total += n * unit;
    for (p += ul; *p == ' '; p++)
      ;
  }
  *us = total;
  return 0;
}

/* ------------------------------------------------------------ dates */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse of days_from_civil (H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* n decimal digits at *p into *out. */
static int digits(const char **p, int n, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < n; i++, (*p)++) {
    if (!isdigit((unsigned char)**p))
      return -1;
    v = v * 10 + (unsigned)(**p - '0');
  }
  *out = v;
  return 0;
}

static int expect_char(const char **p, const char *set) {
  if (!**p || !strchr(set, **p))
    return -1;
  (*p)++;
  return 0;
}

/* "Z" or "+HH:MM" / "-HH:MM": the offset east of UTC in seconds. */
static int parse_offset(const char **p, int64_t *off) {
  unsigned oh, om;
  char sign = **p;
  *off = 0;
  if (sign == 'Z' || sign == 'z') {
    (*p)++;
    return 0;
  }
  if ((sign != '+' && sign != '-') || (++*p, digits(p, 2, &oh)) != 0 ||
      expect_char(p, ":") != 0 || digits(p, 2, &om) != 0 || oh > 23 || om > 59)
    return -1;
  *off = (int64_t)(oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
  return 0;
}

/* RFC 3339 with an optional fraction (dropped) and any offset. */
int cli_parse_date(const char *text, uint64_t *secs) {
  const char *p = text;
  unsigned y, mo, d, h, mi, s;
  int64_t off;
  *secs = 0;
  if (digits(&p, 4, &y) || expect_char(&p, "-") || digits(&p, 2, &mo) ||
      expect_char(&p, "-") || digits(&p, 2, &d) || expect_char(&p, "Tt ") ||
      digits(&p, 2, &h) || expect_char(&p, ":") || digits(&p, 2, &mi) ||
      expect_char(&p, ":") || digits(&p, 2, &s))
    return -1;
  if (*p == '.')
    for (p++; isdigit((unsigned char)*p); p++)
      ;
  if (parse_offset(&p, &off) != 0 || *p)
    return -1;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    return -1;
  int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  t -= off;
  if (t < 0 || (uint64_t)t > CLI_MAX_DATE)
    return -1;
  *secs = (uint64_t)t;
  return 0;
}

/* UTC, no fraction: the form the Datalog printer uses. */
void cli_format_date(uint64_t secs, char buf[32]) {
  int64_t y;
  unsigned m, d;
  uint64_t rem = secs % 86400;
  char tmp[96]; /* room for any year the compiler can imagine */
  civil_from_days((int64_t)(secs / 86400), &y, &m, &d);
  snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m,
           d, (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
           (unsigned)(rem % 60));
  snprintf(buf, 32, "%.31s", tmp);
}

/* A date is taken as is; a duration counts from now. */
int cli_ttl_date(const char *text, uint64_t *secs) {
  uint64_t us;
  if (cli_parse_date(text, secs) == 0)
    return CLI_EXIT_OK;
  if (cli_parse_duration(text, &us) != 0) {
    cli_error("--add-ttl: expected a duration (30s, 5m, 1h, 1d) or an RFC 3339 "
              "date, not '%s'",
              text);
    return CLI_EXIT_USAGE;
  }
  uint64_t now = (uint64_t)time(NULL);
  if (us / 1000000 > CLI_MAX_DATE - now) {
    cli_error("--add-ttl: '%s' is too far in the future", text);
    return CLI_EXIT_USAGE;
  }
  *secs = now + us / 1000000;
  return CLI_EXIT_OK;
}
