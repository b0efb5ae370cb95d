/*
** biscuit test: comparing what a case produced with what it expects, and
** printing the outcome. A case's details are gathered in a log while it
** runs and printed under its ok/FAIL line once it is over:
**
**   FAIL  tests/datalog/scopes.test:12: a block's check ...
**     expect:
**       --- expected
**       +++ got
**        allow 0
**       -failed block 1 check 0: check if right("file2", "read")
**       +failed block 2 check 0: check if right("file2", "read")
**
** The diff marks common lines with ' ', expected-only lines with '-' and
** produced-only lines with '+', as `diff -u` does.
*/
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* ---------------------------------------------------------------- lines */

int cli_lines_push(cli_lines *l, const char *s, size_t len) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 8;
    char **v = realloc(l->v, cap * sizeof *v);
    if (!v)
      return 0;
    l->v = v;
    l->cap = cap;
  }
  char *d = malloc(len + 1);
  if (!d)
    return 0;
  memcpy(d, s, len);
  d[len] = '\0';
  l->v[l->n++] = d;
  return 1;
}

int cli_lines_split(cli_lines *l, const char *text) {
  const char *p = text;
  while (*p) {
    size_t n = strcspn(p, "\n");
    if (!cli_lines_push(l, p, n))
      return 0;
    p += n + (p[n] == '\n');
  }
  return 1;
}

int cli_lines_printf(cli_lines *l, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (!s)
    return 0;
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  int ok = cli_lines_push(l, s, (size_t)n);
  free(s);
  return ok;
}

int cli_lines_eq(const cli_lines *a, const cli_lines *b) {
  if (a->n != b->n)
    return 0;
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->v[i], b->v[i]) != 0)
      return 0;
  return 1;
}

void cli_lines_free(cli_lines *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
  memset(l, 0, sizeof *l);
}

/* ------------------------------------------------------------------ log */

/* One detail line; out of memory, the line is lost (not the verdict). */
#define note(log, ...) ((void)cli_lines_printf(&(log)->lines, __VA_ARGS__))

/* Without the LCS table (too large, or no memory): both sides in full. */
static void diff_all(cli_test_log *log, const cli_lines *want,
                     const cli_lines *got) {
  for (size_t i = 0; i < want->n; i++)
    note(log, "    -%s", want->v[i]);
  for (size_t i = 0; i < got->n; i++)
    note(log, "    +%s", got->v[i]);
}

/* t[i][j]: the longest common subsequence of want[i..] and got[j..]. */
static unsigned *lcs_table(const cli_lines *want, const cli_lines *got) {
  size_t n = want->n, m = got->n, w = m + 1;
  if ((n + 1) * w > (size_t)1 << 22)
    return NULL;
  unsigned *t = calloc((n + 1) * w, sizeof *t);
  for (size_t i = n; t && i-- > 0;)
    for (size_t j = m; j-- > 0;) {
      unsigned down = t[(i + 1) * w + j], right = t[i * w + j + 1];
      t[i * w + j] = strcmp(want->v[i], got->v[j]) == 0
                         ? t[(i + 1) * w + j + 1] + 1
                         : (down > right ? down : right);
    }
  return t;
}

static void diff(cli_test_log *log, const cli_lines *want,
                 const cli_lines *got) {
  note(log, "    --- expected");
  note(log, "    +++ got");
  unsigned *t = lcs_table(want, got);
  if (!t) {
    diff_all(log, want, got);
    return;
  }
  size_t n = want->n, m = got->n, w = m + 1, i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && strcmp(want->v[i], got->v[j]) == 0) {
      note(log, "     %s", want->v[i]);
      i++, j++;
    } else if (j == m || (i < n && t[(i + 1) * w + j] >= t[i * w + j + 1])) {
      note(log, "    -%s", want->v[i++]);
    } else {
      note(log, "    +%s", got->v[j++]);
    }
  }
  free(t);
}

void cli_test_compare(cli_test_log *log, const char *what,
                      const cli_lines *want, const cli_lines *got) {
  if (cli_lines_eq(want, got)) {
    if (log->verbose) { /* what the case produced, to read or copy */
      note(log, "  %s:", what);
      for (size_t i = 0; i < got->n; i++)
        note(log, "    %s", got->v[i]);
    }
    return;
  }
  log->failed = 1;
  note(log, "  %s:", what);
  diff(log, want, got);
}

void cli_test_fail(cli_test_log *log, const char *what, const char *msg,
                   const cli_lines *more) {
  log->failed = 1;
  note(log, "  %s:", what);
  if (msg)
    note(log, "    %s", msg);
  for (size_t i = 0; more && i < more->n; i++)
    note(log, "    %s", more->v[i]);
}

void cli_test_log_free(cli_test_log *log) {
  cli_lines_free(&log->lines);
  log->failed = 0;
}

/* ---------------------------------------------------------------- print */

/* The verdict word, green or red on a terminal, padded to 6 columns. */
static void verdict(int failed) {
  const char *word = failed ? "FAIL" : "ok";
  const char *colour = failed ? "\033[1;31m" : "\033[32m";
  printf("%s%s%s%*s", cli_sgr(STDOUT_FILENO, colour), word,
         cli_sgr(STDOUT_FILENO, "\033[0m"), (int)(6 - strlen(word)), "");
}

void cli_test_print(const char *path, const cli_test_case *c,
                    const cli_test_log *log, int quiet) {
  if (quiet && !log->failed)
    return;
  verdict(log->failed);
  printf("%s:%u: %s\n", path, c->line, c->name);
  for (size_t i = 0; i < log->lines.n; i++)
    printf("%s\n", log->lines.v[i]);
}
