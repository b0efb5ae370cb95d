/*
** Parse diagnostics: recording the first error with its position, our
** own wording for syntax errors (bison's token lists turned into "expected
** a term after ','"), and rendering an error with the source line and a
** caret, the way jq's locfile.c does.
**
** Columns are 1-based and count Unicode code points (a tab counts one).
*/
#include <stdio.h>
#include <string.h>

#include "parser/parse_int.h"

/* 1-based line and column (in code points) of byte `off`. */
static void line_col(const char *src, size_t len, size_t off, uint32_t *line,
                     uint32_t *col) {
  uint32_t l = 1, c = 1;
  if (off > len)
    off = len;
  for (size_t i = 0; i < off; i++) {
    unsigned char b = (unsigned char)src[i];
    if (b == '\n') {
      l++;
      c = 1;
    } else if ((b & 0xc0) != 0x80) {
      c++;
    }
  }
  *line = l;
  *col = c;
}

int bpa_verror_at(bpa_ctx *ctx, uint32_t off, biscuit_status st,
                  const char *fmt, va_list ap) {
  if (ctx->st != BISCUIT_OK)
    return -1; /* the first error is the one reported */
  ctx->st = st;
  const char *tag = st == BISCUIT_E_NOMEM   ? "OutOfMemory"
                    : st == BISCUIT_E_LIMIT ? "TooLarge"
                                            : "ParseError";
  bx_vfail(ctx->diag, st, tag, fmt, ap);
  ctx->diag->offset = off;
  line_col(ctx->src, ctx->len, off, &ctx->diag->line, &ctx->diag->column);
  return -1;
}

int bpa_error_at(bpa_ctx *ctx, uint32_t off, biscuit_status st, const char *fmt,
                 ...) {
  va_list ap;
  va_start(ap, fmt);
  bpa_verror_at(ctx, off, st, fmt, ap);
  va_end(ap);
  return -1;
}

int bpa_fail_status(bpa_ctx *ctx, uint32_t off, biscuit_status st) {
  if (st == BISCUIT_E_NOMEM)
    return bpa_error_at(ctx, off, st, "out of memory");
  if (st == BISCUIT_E_LIMIT)
    return bpa_error_at(ctx, off, st, "memory limit reached while parsing");
  return bpa_error_at(ctx, off, st, "invalid input");
}

/* ------------------------------------------------------- syntax errors */

/* Copy a token's text for a message: one line, at most ~32 bytes, cut on
   a code point boundary, "..." when cut. */
static void snippet(const bpa_ctx *ctx, bpa_loc loc, char *out, size_t cap) {
  size_t n = 0, i = loc.start;
  while (i < loc.end && i < ctx->len && n + 8 < cap && n < 32) {
    size_t adv = 1;
    bpa_utf8_decode(ctx->src + i, ctx->len - i, &adv);
    for (size_t k = 0; k < adv; k++) {
      char ch = ctx->src[i + k];
      out[n++] = ((unsigned char)ch < 0x20 || ch == 0x7f) ? ' ' : ch;
    }
    i += adv;
  }
  if (i < loc.end && i < ctx->len) {
    memcpy(out + n, "...", 3);
    n += 3;
  }
  out[n] = '\0';
}

static bool has(const char *const *names, int n, const char *s) {
  for (int i = 0; i < n; i++)
    if (strcmp(names[i], s) == 0)
      return true;
  return false;
}

/* A fixed buffer for composing messages (they are bounded anyway). */
typedef struct words {
  char s[256];
  size_t n;
} words;

static void add(words *w, const char *fmt, const char *arg) {
  if (w->n < sizeof w->s) {
    int k = snprintf(w->s + w->n, sizeof w->s - w->n, fmt, arg);
    w->n += k > 0 ? (size_t)k : 0;
  }
}

/* Symbols that stand for a class of tokens read "a name"; keywords and
   operators are quoted ('check if'); char tokens come quoted already. */
static void describe(const char *name, words *w) {
  static const char *const kinds[] = {"name",      "variable",    "string",
                                      "parameter", "byte string", "public key",
                                      "date"};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strcmp(name, kinds[i]) == 0) {
      add(w, "a %s", name);
      return;
    }
  if (strcmp(name, "integer") == 0)
    add(w, "an %s", name);
  else if (strcmp(name, "end of input") == 0 || name[0] == '\'')
    add(w, "%s", name);
  else
    add(w, "'%s'", name);
}

/* What the parser wanted, in words: a class when the set is one we know,
   a short list otherwise, or nothing when the list would be noise. */
static bool expected_words(const char *const *exp, int n, words *w,
                           bool *is_class) {
  *is_class = has(exp, n, "string") && has(exp, n, "integer") &&
              has(exp, n, "'['") && has(exp, n, "'{'");
  if (*is_class) {
    bool ex = has(exp, n, "'!'");
    add(w, "%s",
        ex && has(exp, n, "name") ? "a predicate or an expression"
        : ex                      ? "an expression"
                                  : "a term");
    return true;
  }
  if (has(exp, n, "public key")) {
    add(w, "%s", "authority, previous or a public key");
    return true;
  }
  if (n < 1 || n > 4)
    return false;
  for (int i = 0; i < n; i++) {
    if (i)
      add(w, "%s", i + 1 == n ? " or " : ", ");
    describe(exp[i], w);
  }
  return true;
}

/*
** Relaxed text (bpa_parse_relaxed) may end after any statement, so bison
** lists "end of input" among what could follow one. Before the end that
** is noise: the missing ';' is what the author needs to read, worded as
** the strict parser words it. `kept` holds up to n entries.
*/
static int relaxed_expected(const bpa_ctx *ctx, const char *const *exp, int n,
                            const char **kept) {
  int k = 0;
  for (int i = 0; i < n; i++)
    if (!ctx->relaxed || strcmp(exp[i], "end of input") != 0)
      kept[k++] = exp[i];
  return k;
}

/*
** Turn a bison syntax error into our message. At the end of the input
** the statement is merely unfinished: BISCUIT_E_INCOMPLETE, reported just
** after the last token, so a REPL can ask for another line.
*/
int bpa_syntax_error(bpa_ctx *ctx, const char *unexpected, bpa_loc loc,
                     const char *const *expected, int n_expected) {
  bool end = strcmp(unexpected, "end of input") == 0, is_class;
  bpa_loc prev = ctx->tok_loc[0];
  char what[64], after[64];
  words w = {{0}, 0};
  const char *kept[128];
  if (n_expected <= 128) { /* bison's token count is far below */
    n_expected = relaxed_expected(ctx, expected, n_expected, kept);
    expected = kept;
  }
  bool said = expected_words(expected, n_expected, &w, &is_class);
  snippet(ctx, end ? prev : loc, what, sizeof what);
  snippet(ctx, prev, after, sizeof after);
  biscuit_status st = end ? BISCUIT_E_INCOMPLETE : BISCUIT_E_PARSE;
  uint32_t at = end ? prev.end : loc.start;
  if (!end && strcmp(unexpected, "trusting") == 0 && strcmp(after, ";") == 0)
    bpa_error_at(ctx, at, st,
                 "a block-wide 'trusting' must come before the "
                 "first statement");
  else if (end && ctx->brackets && (!said || !is_class))
    bpa_error_at(ctx, at, st, "unexpected end of input: unclosed bracket");
  else if (!said)
    bpa_error_at(ctx, at, st,
                 end ? "unexpected end of input" : "unexpected '%s'", what);
  else if (is_class && prev.end > prev.start)
    bpa_error_at(ctx, at, st, "expected %s after '%s'", w.s, after);
  else if (end)
    bpa_error_at(ctx, at, st, "unexpected end of input, expected %s", w.s);
  else
    bpa_error_at(ctx, at, st, "unexpected '%s', expected %s", what, w.s);
  return -1;
}

/* ------------------------------------------------------------ rendering */

/* Bytes of the code point window [from, to) of a line, made printable. */
static void put_window(bx_buf *out, const char *s, size_t n, uint32_t from,
                       uint32_t to, uint32_t caret) {
  bx_buf marks;
  bx_buf_init(&marks, 0);
  uint32_t cp = 0;
  for (size_t i = 0; i < n && cp < to; cp++) {
    size_t adv = 1;
    uint32_t c = bpa_utf8_decode(s + i, n - i, &adv);
    if (cp >= from) {
      bool ctl = c < 0x20 || c == 0x7f;
      if (c == '\t' || !ctl)
        bx_buf_add(out, s + i, adv);
      else
        bx_buf_putc(out, '?');
      if (cp < caret)
        bx_buf_putc(&marks, c == '\t' ? '\t' : ' ');
    }
    i += adv;
  }
  if (marks.failed)
    out->failed = true;
  bx_buf_printf(out, "%s\n  %s%s^\n", to < UINT32_MAX ? "..." : "",
                from ? "   " : "", marks.data ? marks.data : "");
  bx_buf_free(&marks);
}

/*
**   file:3:17: expected a term after ','
**     check if right($0, )
**                        ^
** Lines longer than 100 code points are shown as a window around the
** column, with "..." marking the cut ends.
*/
bool bpa_format_error(bx_buf *out, const char *filename, const char *src,
                      size_t len, const bx_diag *diag) {
  const char *name = filename ? filename : "<input>";
  if (!diag->line || !src) {
    bx_buf_printf(out, "%s: %s\n", name, diag->msg);
    return !out->failed;
  }
  bx_buf_printf(out, "%s:%u:%u: %s\n", name, diag->line, diag->column,
                diag->msg);
  size_t off = diag->offset > len ? len : diag->offset, b = off, e = off;
  while (b > 0 && src[b - 1] != '\n')
    b--;
  while (e < len && src[e] != '\n')
    e++;
  if (e > b && src[e - 1] == '\r')
    e--;
  uint32_t line, col, total = 0;
  line_col(src, len, off, &line, &col);
  for (size_t i = b; i < e; i++)
    total += ((unsigned char)src[i] & 0xc0) != 0x80;
  uint32_t from = col > 61 && total > 100 ? col - 61 : 0;
  uint32_t to = total - from > 100 ? from + 100 : UINT32_MAX;
  bx_buf_puts(out, from ? "  ..." : "  ");
  put_window(out, src + b, e - b, from, to, col - 1);
  return !out->failed;
}
