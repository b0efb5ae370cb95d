/*
** Helpers of bx_testrun --samples: line lists and their diff, file
** reading, run limits, the samples' `test` extern function and error
** tags.
*/
#include <stdlib.h>
#include <string.h>

#include "runner.h"

/* --------------------------------------------------------------- lines */

void rt_lines_free(rt_lines *l) {
  for (size_t i = 0; i < l->n; i++)
    bx_free(l->v[i]);
  bx_free(l->v);
  memset(l, 0, sizeof *l);
}

static bool lines_push(rt_lines *l, const char *s, size_t len) {
  char *d = bx_strndup(s, len);
  if (!d || !bx_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v)) {
    bx_free(d);
    return false;
  }
  l->v[l->n++] = d;
  return true;
}

bool rt_lines_split(rt_lines *l, const char *s, size_t len) {
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && s[i] != '\n')
      continue;
    if (i == len && start == len)
      break;
    if (!lines_push(l, s + start, i - start))
      return false;
    start = i + 1;
  }
  return true;
}

/* Fallback when the LCS table would be too large: both sides in full. */
static void diff_all(FILE *f, const rt_lines *want, const rt_lines *got) {
  for (size_t i = 0; i < want->n; i++)
    fprintf(f, "    -%s\n", want->v[i]);
  for (size_t i = 0; i < got->n; i++)
    fprintf(f, "    +%s\n", got->v[i]);
}

/*
** A line diff from the longest common subsequence table: common lines
** print with a space, expected-only lines with '-', produced-only lines
** with '+' (as `diff -u` marks them).
*/
void rt_diff(FILE *f, const rt_lines *want, const rt_lines *got) {
  size_t n = want->n, m = got->n;
  fprintf(f, "    --- expected\n    +++ got\n");
  if ((n + 1) * (m + 1) > (size_t)1 << 22) {
    diff_all(f, want, got);
    return;
  }
  uint32_t *t = bx_calloc((n + 1) * (m + 1), sizeof *t);
  if (!t) {
    diff_all(f, want, got);
    return;
  }
#define T(i, j) t[(i) * (m + 1) + (j)]
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      T(i, j) = strcmp(want->v[i], got->v[j]) == 0
                    ? T(i + 1, j + 1) + 1
                    : (T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) : T(i, j + 1));
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && strcmp(want->v[i], got->v[j]) == 0) {
      fprintf(f, "     %s\n", want->v[i]);
      i++, j++;
    } else if (j == m || (i < n && T(i + 1, j) >= T(i, j + 1))) {
      fprintf(f, "    -%s\n", want->v[i++]);
    } else {
      fprintf(f, "    +%s\n", got->v[j++]);
    }
  }
#undef T
  bx_free(t);
}

/* -------------------------------------------------------------- files */

char *rt_read_file(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return NULL;
  bx_buf b;
  bx_buf_init(&b, (size_t)256 << 20);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
    bx_buf_add(&b, chunk, n);
  bool bad = ferror(fp) || b.failed;
  fclose(fp);
  if (bad) {
    bx_buf_free(&b);
    return NULL;
  }
  *len = b.len;
  if (!b.data) /* empty file */
    return bx_strndup("", 0);
  return bx_buf_take(&b);
}

/* ---------------------------------------------------------- evaluation */

void rt_limits(bdl_limits *l) {
  bdl_limits_default(l);
  l->max_time_ns = 1000000000ULL;
}

/*
** test035's host function: `x.extern::test()` returns x; on two strings,
** `a.extern::test(b)` says whether they are equal; anything else fails.
*/
biscuit_status rt_extern_test(void *ud, const char *name,
                              const bdl_term *receiver, const bdl_term *arg,
                              bdl_env *env, bdl_term *out, bx_diag *d) {
  (void)ud;
  if (strcmp(name, "test") != 0)
    return bx_fail(d, BISCUIT_E_MISUSE, "UndefinedExtern",
                   "unknown extern function %s", name);
  if (!arg) {
    *out = *receiver;
    return BISCUIT_OK;
  }
  if (receiver->kind != BDL_STR || arg->kind != BDL_STR)
    return bx_fail(d, BISCUIT_E_EXECUTION, "ExternEvalError",
                   "test: expected two strings");
  const char *s = receiver->id == arg->id ? "equal strings"
                                          : "different strings";
  return bdl_make_str(env, s, strlen(s), out);
}

const char *rt_status_tag(biscuit_status st, const bx_diag *d) {
  static const char *const names[] = {
      "Ok",     "Denied", "Parse",     "Format", "Signature", "Limit",
      "NoMem",  "Misuse", "Execution", "Logic",  "Incomplete"};
  if (d && d->tag && d->tag[0])
    return d->tag;
  if ((unsigned)st < sizeof names / sizeof *names)
    return names[st];
  return "Unknown";
}
