/*
** What each token means: the helpers the flex rules (lexer.l) call. They
** decode string escapes, convert numbers and dates, validate byte strings
** and public keys, track bracket depth, and decide whether a word is a
** keyword. Keywords are contextual, as in the reference, where `check`,
** `true` or `or` are fine predicate names: a word followed by `(` is a
** name; `or` and `trusting` are keywords only right after a term, a call
** or a scope (and `trusting` also as the first word of a statement).
*/
#include <stdarg.h>
#include <string.h>

#include "parser/lex_int.h"

/* Record an error and hand bison the error token. */
static int lex_error(bpa_ctx *c, uint32_t off, biscuit_status st,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int lex_error(bpa_ctx *c, uint32_t off, biscuit_status st,
                     const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  bpa_verror_at(c, off, st, fmt, ap);
  va_end(ap);
  return BPA_LEX_ERROR;
}

static bool is_word_byte(unsigned char b) {
  return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
         (b >= '0' && b <= '9') || b == '_' || b == ':' || b >= 0x80;
}

bool bpa_lex_word_goes_on(const bpa_ctx *c) {
  return c->pos < c->len && is_word_byte((unsigned char)c->src[c->pos]);
}

/* Is the next non-blank byte after the current token a '('? */
static bool next_is_call(const bpa_ctx *c) {
  uint32_t i = c->pos;
  while (i < c->len && strchr(" \t\r\n", c->src[i]) && c->src[i])
    i++;
  return i < c->len && c->src[i] == '(';
}

static bool word_is(const char *s, size_t n, const char *w) {
  return n == strlen(w) && memcmp(s, w, n) == 0;
}

static bool word_is_nocase(const char *s, size_t n, const char *w) {
  if (n != strlen(w))
    return false;
  for (size_t i = 0; i < n; i++) {
    char a = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
    if (a != w[i])
      return false;
  }
  return true;
}

/*
** Names are a UTF-8 letter then letters, digits, '_' or ':' (spec
** "Grammar": name, variable). ASCII is settled by the flex pattern; other
** code points must pass bpa_is_letter. `skip` bytes (the '$' of a
** variable) are not part of the name.
*/
static int check_name(bpa_ctx *c, const char *s, size_t n, uint32_t at,
                      size_t skip) {
  for (size_t i = skip; i < n;) {
    size_t adv = 1;
    uint32_t cp = (unsigned char)s[i];
    if (cp >= 0x80) {
      cp = bpa_utf8_decode(s + i, n - i, &adv);
      if (!bpa_is_letter(cp)) {
        if (i == 0)
          return lex_error(c, at, BISCUIT_E_PARSE,
                           "unexpected character '%.*s'", (int)adv, s);
        return lex_error(c, at + (uint32_t)i, BISCUIT_E_PARSE,
                         "invalid character '%.*s' in a name", (int)adv, s + i);
      }
    }
    i += adv;
  }
  return 0;
}

/* `hex:` followed by an even number of hex digits (parser.rs parse_hex). */
static int lex_bytes(bpa_ctx *c, const char *s, size_t n, BPA_YYSTYPE *lval,
                     bpa_loc *loc) {
  size_t k = n - 4;
  for (size_t i = 4; i < n; i++)
    if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
      return lex_error(c, loc->start + (uint32_t)i, BISCUIT_E_PARSE,
                       "invalid hex digit in byte string");
  if (k == 0 || k % 2)
    return lex_error(c, loc->start, BISCUIT_E_PARSE,
                     "a byte string needs an even, non-zero number of "
                     "hex digits after 'hex:'");
  lval->tok.off = loc->start + 4;
  lval->tok.len = (uint32_t)k;
  return BPA_T_BYTES;
}

int bpa_lex_ident(bpa_ctx *c, const char *s, size_t n, BPA_YYSTYPE *lval,
                  bpa_loc *loc) {
  if (check_name(c, s, n, loc->start, 0))
    return BPA_LEX_ERROR;
  if (c->after_operand && word_is_nocase(s, n, "or"))
    return BPA_T_OR;
  if (c->after_operand && word_is(s, n, "trusting"))
    return BPA_T_TRUSTING;
  if (!next_is_call(c)) {
    if (word_is(s, n, "true"))
      return BPA_T_TRUE;
    if (word_is(s, n, "false"))
      return BPA_T_FALSE;
    if (word_is(s, n, "null"))
      return BPA_T_NUL;
    if (word_is(s, n, "trusting") &&
        (c->last_tok == BPA_T_START_BLOCK ||
         c->last_tok == BPA_T_START_AUTHORIZER ||
         c->last_tok == BPA_T_START_RELAXED || c->last_tok == ';'))
      return BPA_T_TRUSTING; /* the grammar allows it only first */
    if (n >= 4 && memcmp(s, "hex:", 4) == 0)
      return lex_bytes(c, s, n, lval, loc);
  }
  lval->tok.off = loc->start;
  lval->tok.len = (uint32_t)n;
  return BPA_T_NAME;
}

/*
** A string literal, decoded into the context's pool. The reference
** understands exactly three escapes, \\ \" and \n (parser.rs
** parse_string_internal); anything else after a backslash is an error.
** Raw tabs and newlines inside the quotes are kept as they are.
*/
int bpa_lex_string(bpa_ctx *c, const char *s, size_t n, BPA_YYSTYPE *lval,
                   bpa_loc *loc) {
  size_t off = c->pool.len;
  for (size_t i = 1; i + 1 < n; i++) {
    char ch = s[i];
    if (ch == '\\') {
      char e = s[++i];
      if (e != '\\' && e != '"' && e != 'n')
        return lex_error(c, loc->start + (uint32_t)i - 1, BISCUIT_E_PARSE,
                         "unknown escape sequence in a string: only "
                         "\\\\, \\\" and \\n are allowed");
      ch = e == 'n' ? '\n' : e;
    }
    if (!bx_buf_putc(&c->pool, ch))
      return lex_error(c, loc->start, BISCUIT_E_NOMEM, "out of memory");
  }
  lval->tok.off = (uint32_t)off;
  lval->tok.len = (uint32_t)(c->pool.len - off);
  return BPA_T_STRING;
}

int bpa_lex_date(bpa_ctx *c, const char *s, size_t n, BPA_YYSTYPE *lval,
                 bpa_loc *loc) {
  const char *why = bpa_parse_date(s, n, &lval->u64);
  if (why)
    return lex_error(c, loc->start, BISCUIT_E_PARSE, "invalid date: %s", why);
  return BPA_T_DATE;
}

/* Digits only; the sign and the i64 range are the grammar's business, so
   the value saturates at UINT64_MAX (which is out of range either way). */
int bpa_lex_int(bpa_ctx *c, const char *s, size_t n, BPA_YYSTYPE *lval,
                bpa_loc *loc) {
  uint64_t v = 0;
  (void)c;
  (void)loc;
  for (size_t i = 0; i < n; i++) {
    uint64_t d = (uint64_t)(s[i] - '0');
    v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
  }
  lval->u64 = v;
  return BPA_T_INT;
}

int bpa_lex_key(bpa_ctx *c, const char *s, size_t n, BPA_YYSTYPE *lval,
                bpa_loc *loc) {
  const char *why = bpa_check_key(s, n);
  if (why)
    return lex_error(c, loc->start, BISCUIT_E_PARSE, "invalid public key: %s",
                     why);
  lval->tok.off = loc->start;
  lval->tok.len = (uint32_t)n;
  return BPA_T_PUBKEY;
}

/* `{name}`: the value is the name between the braces. */
int bpa_lex_param(bpa_ctx *c, const char *s, size_t n, BPA_YYSTYPE *lval,
                  bpa_loc *loc) {
  (void)c;
  (void)s;
  lval->tok.off = loc->start + 1;
  lval->tok.len = (uint32_t)n - 2;
  return BPA_T_PARAM;
}

/* `$name`: the value is the name after the dollar (interned later). */
int bpa_lex_var(bpa_ctx *c, const char *s, size_t n, BPA_YYSTYPE *lval,
                bpa_loc *loc) {
  if (check_name(c, s, n, loc->start, 1))
    return BPA_LEX_ERROR;
  lval->tok.off = loc->start + 1;
  lval->tok.len = (uint32_t)n - 1;
  return BPA_T_VAR;
}

/* Brackets bound the nesting depth (bpa_options.max_depth), so deep input
   is an error here, long before any stack could suffer. */
int bpa_lex_open(bpa_ctx *c, const char *s, size_t n, BPA_YYSTYPE *lval,
                 bpa_loc *loc) {
  (void)n;
  (void)lval;
  if (bpa_enter(c, *loc))
    return BPA_LEX_ERROR; /* the error is recorded */
  c->brackets++;
  return (unsigned char)s[0];
}

int bpa_lex_close(bpa_ctx *c, const char *s, size_t n, BPA_YYSTYPE *lval,
                  bpa_loc *loc) {
  (void)n;
  (void)lval;
  (void)loc;
  bpa_leave(c);
  if (c->brackets)
    c->brackets--;
  return (unsigned char)s[0];
}

int bpa_lex_bad(bpa_ctx *c, const char *s, size_t n, BPA_YYSTYPE *lval,
                bpa_loc *loc) {
  char ch = s[0];
  unsigned char b = (unsigned char)ch;
  (void)n;
  (void)lval;
  if (ch == '=')
    return lex_error(c, loc->start, BISCUIT_E_PARSE,
                     "unexpected '=': comparisons are '==' or '==='");
  if (ch == '\'')
    return lex_error(c, loc->start, BISCUIT_E_PARSE,
                     "unexpected \"'\": strings use double quotes");
  if (ch == '$')
    return lex_error(c, loc->start, BISCUIT_E_PARSE,
                     "expected a variable name after '$'");
  if (b < 0x20 || b == 0x7f)
    return lex_error(c, loc->start, BISCUIT_E_PARSE,
                     "unexpected control character 0x%02x", b);
  return lex_error(c, loc->start, BISCUIT_E_PARSE, "unexpected character '%c'",
                   ch);
}

/* The input ended inside a string or comment: more input may finish it. */
int bpa_lex_unterminated(bpa_ctx *c, bpa_loc *loc, const char *what) {
  return lex_error(c, loc->start, BISCUIT_E_INCOMPLETE, "unterminated %s",
                   what);
}
