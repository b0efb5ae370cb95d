/*
** Rust `regex` syntax to RE2 syntax, for Datalog's .matches() (regex.h).
**
** The parser follows the grammar of regex-syntax 0.8 (rust-lang/regex,
** regex-syntax/src/ast/parse.rs) decision for decision, so that the same
** patterns are accepted and rejected, and emits an RE2 pattern that needs
** no flag state: every literal, class and assertion is written out with
** its flags already applied, groups become `(?:`, capture names are
** checked then dropped. It never recurses: groups and classes have their
** own explicit stacks, bounded by Rust's nest limit (250), which is
** computed as Rust does (NestLimiter: concatenations, alternations,
** groups, repetitions, brackets, class unions and set operations each add
** one level).
**
** The translation is spread over three files sharing regex_int.h: this
** one reads the pattern, writes the output and parses groups, flags and
** repetitions; regex_class.c holds character classes and their set
** operations; regex_escape.c holds escapes and the Unicode property
** tables.
**
** Failures: a pattern Rust would reject is INVALID and stops the parse;
** a valid one this shim cannot express is UNSUPPORTED or LIMIT, recorded
** but parsed on to the end, so that an invalid pattern still reads as
** INVALID.
*/
#include <string.h>

#include "datalog/regex_int.h"

/* ======================================================== failures */

/*
** A hard failure: the parse stops. Returns -1 for
** `return bdl_rx_fail(..)`.
*/
int bdl_rx_fail(rx *r, bdl_regex_status st, const char *why) {
  if (r->st == BDL_REGEX_OK) {
    r->st = st;
    r->why = why;
  }
  return -1;
}

int bdl_rx_invalid(rx *r, const char *why) {
  return bdl_rx_fail(r, BDL_REGEX_INVALID, why);
}

/* A soft failure: valid Rust we cannot run; parse on to find INVALID. */
void bdl_rx_soft(rx *r, bdl_regex_status st, const char *why) {
  if (r->soft == BDL_REGEX_OK) {
    r->soft = st;
    r->soft_why = why;
  }
}

/* ===================================================== pattern input */

/* Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static bool rx_utf8_ok(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    size_t w = c < 0x80   ? 1
               : c < 0xC2 ? 0
               : c < 0xE0 ? 2
               : c < 0xF0 ? 3
               : c < 0xF5 ? 4
                          : 0;
    if (w == 0 || n - i < w)
      return false;
    for (size_t k = 1; k < w; k++)
      if ((s[i + k] & 0xC0) != 0x80)
        return false;
    if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F) ||
        (c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] > 0x8F))
      return false;
    i += w;
  }
  return true;
}

/* Decodes the (valid) character at offset i; *w gets its width. */
uint32_t bdl_rx_dec(const rx *r, size_t i, size_t *w) {
  const unsigned char *s = r->p + i;
  if (s[0] < 0x80) {
    *w = 1;
    return s[0];
  }
  if (s[0] < 0xE0) {
    *w = 2;
    return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3Fu);
  }
  if (s[0] < 0xF0) {
    *w = 3;
    return (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 |
           (s[2] & 0x3Fu);
  }
  *w = 4;
  return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
         (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3Fu);
}

uint32_t bdl_rx_cur(const rx *r) {
  size_t w;
  return rx_eof(r) ? 0 : bdl_rx_dec(r, r->i, &w);
}

/* Moves past the current character; false when that reaches the end. */
bool bdl_rx_bump(rx *r) {
  size_t w;
  if (rx_eof(r))
    return false;
  bdl_rx_dec(r, r->i, &w);
  r->i += w;
  return !rx_eof(r);
}

/* The character after the current one, or -1. */
int64_t bdl_rx_peek(const rx *r) {
  size_t w;
  if (rx_eof(r))
    return -1;
  bdl_rx_dec(r, r->i, &w);
  if (r->i + w >= r->n)
    return -1;
  return bdl_rx_dec(r, r->i + w, &w);
}

/* Unicode White_Space, which is also Rust's char::is_whitespace. */
static bool rx_is_space(uint32_t c) {
  return (c >= 9 && c <= 13) || c == 0x20 || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* Rust's bump_space: in x mode, skip whitespace and # comments. */
void bdl_rx_skip_space(rx *r) {
  if (!(r->fl & FL_X))
    return;
  while (!rx_eof(r)) {
    uint32_t c = bdl_rx_cur(r);
    if (rx_is_space(c)) {
      bdl_rx_bump(r);
    } else if (c == '#') {
      while (!rx_eof(r)) {
        c = bdl_rx_cur(r);
        bdl_rx_bump(r);
        if (c == '\n')
          break;
      }
    } else {
      break;
    }
  }
}

/* Rust's bump_and_bump_space. */
bool bdl_rx_bump2(rx *r) {
  if (!bdl_rx_bump(r))
    return false;
  bdl_rx_skip_space(r);
  return !rx_eof(r);
}

/*
** Rust's peek_space, quirks included: it skips whitespace and a first
** '#', then returns the next character even inside that comment; when
** nothing follows it falls back to the character after the current one.
*/
int64_t bdl_rx_peek_space(const rx *r) {
  size_t w, j;
  bool comment = false;
  if (!(r->fl & FL_X))
    return bdl_rx_peek(r);
  if (rx_eof(r))
    return -1;
  bdl_rx_dec(r, r->i, &w);
  for (j = r->i + w; j < r->n; j += w) {
    uint32_t c = bdl_rx_dec(r, j, &w);
    if (rx_is_space(c))
      continue;
    if (!comment && c == '#')
      comment = true;
    else
      return c;
  }
  return bdl_rx_peek(r);
}

/* Consumes an ASCII prefix if the input starts with it. */
bool bdl_rx_bump_if(rx *r, const char *s) {
  size_t k = strlen(s);
  if (r->n - r->i < k || memcmp(r->p + r->i, s, k) != 0)
    return false;
  r->i += k;
  return true;
}

/* ============================================================ output */

/*
** Every byte goes through rx_add, which tells the size limit (a soft
** LIMIT: output stops, parsing goes on) from an allocation failure.
*/
static void rx_add(rx *r, const char *s, size_t k) {
  if (r->full || r->st != BDL_REGEX_OK)
    return;
  if (r->out.len + k > RX_OUT_MAX) {
    bdl_rx_soft(r, BDL_REGEX_LIMIT, "regex too large");
    r->full = true;
    return;
  }
  if (!bx_buf_add(&r->out, s, k))
    bdl_rx_fail(r, BDL_REGEX_NOMEM, "out of memory");
}

void bdl_rx_put(rx *r, const char *s) {
  rx_add(r, s, strlen(s));
}

void bdl_rx_putc(rx *r, char c) {
  rx_add(r, &c, 1);
}

void bdl_rx_put_hex(rx *r, uint32_t c) {
  char tmp[16];
  int k = 0;
  do {
    tmp[k++] = "0123456789ABCDEF"[c & 15];
    c >>= 4;
  } while (c);
  bdl_rx_put(r, "\\x{");
  while (k)
    bdl_rx_putc(r, tmp[--k]);
  bdl_rx_putc(r, '}');
}

static void rx_put_uint(rx *r, uint32_t v) {
  char tmp[12];
  int k = 0;
  do {
    tmp[k++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (k)
    bdl_rx_putc(r, tmp[--k]);
}

/* One character in RE2 syntax, valid inside and outside classes. */
void bdl_rx_put_cp(rx *r, uint32_t c) {
  if (rx_is_alnum(c)) {
    bdl_rx_putc(r, (char)c);
  } else if (c >= 0x21 && c <= 0x7E) {
    bdl_rx_putc(r, '\\');
    bdl_rx_putc(r, (char)c);
  } else {
    bdl_rx_put_hex(r, c);
  }
}

/* Inserts s at offset at (for wrapping a repeated item in a group). */
static void rx_insert(rx *r, size_t at, const char *s) {
  size_t k = strlen(s), len = r->out.len;
  rx_add(r, s, k);
  if (r->out.len != len + k)
    return;
  memmove(r->out.data + at + k, r->out.data + at, len - at);
  memcpy(r->out.data + at, s, k);
}

/* ======================================================== heights */

static rx_frame *rx_top(rx *r) {
  return &r->fr[r->nfr - 1];
}

/* Height of a frame's concatenation, as Rust's Concat::into_ast. */
static uint32_t rx_concat_h(const rx_frame *f) {
  if (f->nitems == 0)
    return 0;
  if (f->nitems == 1)
    return f->hlast;
  return 1 + rx_max(f->hmax, f->hlast);
}

int bdl_rx_check_h(rx *r, uint32_t h) {
  if (h > BDL_REGEX_MAX_NEST)
    return bdl_rx_invalid(r, "nest limit exceeded");
  return 0;
}

/* Appends an item of the given kind and height to the concatenation. */
int bdl_rx_item_push(rx *r, int kind, uint32_t h, size_t atom) {
  rx_frame *f = rx_top(r);
  if (f->nitems > 0)
    f->hmax = rx_max(f->hmax, f->hlast);
  f->nitems++;
  f->hlast = h;
  f->kind = kind;
  f->atom = atom;
  return bdl_rx_check_h(r, rx_concat_h(f));
}

/* Atoms: in the encoded variant each consumer eats its two markers. */
size_t bdl_rx_atom_begin(rx *r) {
  size_t at = r->out.len;
  if (r->enc)
    bdl_rx_put(r, "(?:" RX_MARK);
  return at;
}

static int rx_atom_end(rx *r, size_t at) {
  if (r->enc)
    bdl_rx_put(r, RX_MARK ")");
  return bdl_rx_item_push(r, K_ATOM, 0, at);
}

/* ====================================================== main atoms */

static int rx_emit_assert(rx *r, const char *as) {
  size_t at = r->out.len;
  bdl_rx_put(r, as);
  return bdl_rx_item_push(r, K_ASSERT, 0, at);
}

/* A literal character as one atom, with its flags applied. */
static int rx_emit_char(rx *r, uint32_t c) {
  size_t at = bdl_rx_atom_begin(r);
  bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
  if ((r->fl & FL_I) && !(r->fl & FL_UNI) && letter) {
    bdl_rx_putc(r, '[');
    bdl_rx_putc(r, (char)(c & ~0x20u));
    bdl_rx_putc(r, (char)(c | 0x20u));
    bdl_rx_put(r, "\\x{D800}]"); /* see rx_case_pair, regex_class.c */
  } else if ((r->fl & FL_I) && (r->fl & FL_UNI) && (letter || c >= 0x80)) {
    bdl_rx_put(r, "(?i:");
    bdl_rx_put_cp(r, c);
    bdl_rx_put(r, ")");
  } else {
    bdl_rx_put_cp(r, c);
  }
  return rx_atom_end(r, at);
}

static int rx_dot(rx *r) {
  size_t at;
  if (!(r->fl & FL_UNI))
    return bdl_rx_invalid(r, "pattern can match invalid UTF-8");
  at = bdl_rx_atom_begin(r);
  bdl_rx_put(r, (r->fl & FL_S)   ? "(?s:.)"
                : (r->fl & FL_R) ? "[^\\n\\r]"
                                 : "[^\\n]");
  return rx_atom_end(r, at);
}

/* ^ and $: text anchors, or line anchors under (?m). */
static int rx_anchor(rx *r, uint32_t c) {
  if (!(r->fl & FL_M))
    return rx_emit_assert(r, c == '^' ? "\\A" : "\\z");
  if (r->fl & FL_R)
    bdl_rx_soft(r, BDL_REGEX_UNSUPPORTED, "CRLF line anchors unsupported");
  return rx_emit_assert(r, c == '^' ? "(?m:^)" : "(?m:$)");
}

/* A literal, escape, dot or anchor outside classes. */
static int rx_primitive(rx *r) {
  uint32_t c = bdl_rx_cur(r);
  bx_arena_mark m = bx_arena_save(&r->ar);
  rx_prim pr;
  int rc;
  memset(&pr, 0, sizeof pr);
  if (c == '\\') {
    if (bdl_rx_escape(r, &pr))
      return -1;
  } else {
    bdl_rx_bump(r);
    if (c == '.')
      return rx_dot(r);
    if (c == '^' || c == '$')
      return rx_anchor(r, c);
    pr.kind = PR_LIT;
    pr.c = c;
  }
  if (pr.kind == PR_LIT && pr.xbyte && pr.c > 0x7F && !(r->fl & FL_UNI))
    return bdl_rx_invalid(r, "pattern can match invalid UTF-8");
  rc = pr.kind == PR_LIT     ? rx_emit_char(r, pr.c)
       : pr.kind == PR_CLASS ? bdl_rx_emit_cv(r, &pr.cv, 0)
                             : rx_emit_assert(r, pr.as);
  bx_arena_rollback(&r->ar, m);
  return rc;
}

/* ============================================================ groups */

/* A capture name up to '>': Rust's parse_capture_name, then dropped. */
static int rx_cap_name(rx *r) {
  size_t start = r->i, len;
  bool ascii = true;
  if (rx_eof(r))
    return bdl_rx_invalid(r, "unexpected end of group name");
  for (;;) {
    uint32_t c = bdl_rx_cur(r);
    bool first = r->i == start;
    if (c == '>')
      break;
    if (c >= 0x80)
      ascii = false;
    else if (!(c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
               (!first &&
                (rx_is_alnum(c) || c == '.' || c == '[' || c == ']'))))
      return bdl_rx_invalid(r, "invalid group name");
    if (!bdl_rx_bump(r))
      break;
  }
  if (rx_eof(r))
    return bdl_rx_invalid(r, "unexpected end of group name");
  len = r->i - start;
  bdl_rx_bump(r);
  if (len == 0)
    return bdl_rx_invalid(r, "empty group name");
  for (uint32_t k = 0; k < r->nnames; k++)
    if (r->name_len[k] == len &&
        !memcmp(r->p + r->name_off[k], r->p + start, len))
      return bdl_rx_invalid(r, "duplicate group name");
  if (r->nnames == RX_MAX_NAMES)
    return bdl_rx_fail(r, BDL_REGEX_LIMIT, "too many group names");
  r->name_off[r->nnames] = (uint32_t)start;
  r->name_len[r->nnames++] = (uint32_t)len;
  if (!ascii)
    bdl_rx_soft(r, BDL_REGEX_UNSUPPORTED, "non-ASCII group name");
  return 0;
}

static unsigned rx_flag_bit(uint32_t c) {
  switch (c) {
  case 'i':
    return FL_I;
  case 'm':
    return FL_M;
  case 's':
    return FL_S;
  case 'U':
    return FL_U;
  case 'u':
    return FL_UNI;
  case 'R':
    return FL_R;
  case 'x':
    return FL_X;
  }
  return 0;
}

/* The flags of "(?flags)" or "(?flags:": Rust's parse_flags. */
static int rx_flags(rx *r, unsigned *out, uint32_t *nitems) {
  unsigned fl = r->fl, seen = 0;
  bool neg = false, last_neg = false;
  *nitems = 0;
  while (bdl_rx_cur(r) != ':' && bdl_rx_cur(r) != ')') {
    uint32_t c = bdl_rx_cur(r);
    unsigned bit = rx_flag_bit(c);
    if (c == '-' && neg)
      return bdl_rx_invalid(r, "repeated negation in flags");
    if (c != '-' && !bit)
      return bdl_rx_invalid(r, "unrecognized flag");
    if (bit & seen)
      return bdl_rx_invalid(r, "duplicate flag");
    seen |= bit;
    neg = neg || c == '-';
    last_neg = c == '-';
    fl = neg ? fl & ~bit : fl | bit;
    (*nitems)++;
    if (!bdl_rx_bump(r))
      return bdl_rx_invalid(r, "unexpected end of flags");
  }
  if (last_neg)
    return bdl_rx_invalid(r, "dangling flag negation");
  *out = fl;
  return 0;
}

static int rx_push_group(rx *r, unsigned fl) {
  rx_frame *f;
  if (r->nfr > BDL_REGEX_MAX_NEST)
    return bdl_rx_invalid(r, "nest limit exceeded");
  f = &r->fr[r->nfr++];
  memset(f, 0, sizeof *f);
  f->saved = r->fl;
  f->open = r->out.len;
  r->fl = fl;
  bdl_rx_put(r, "(?:");
  return 0;
}

/* '(': Rust's parse_group. Flag-only groups emit nothing. */
static int rx_group_open(rx *r) {
  unsigned fl;
  uint32_t nitems, end;
  bdl_rx_bump(r);
  bdl_rx_skip_space(r);
  if (bdl_rx_bump_if(r, "?=") || bdl_rx_bump_if(r, "?!") ||
      bdl_rx_bump_if(r, "?<=") || bdl_rx_bump_if(r, "?<!"))
    return bdl_rx_invalid(r, "look-around is not supported");
  if (bdl_rx_bump_if(r, "?P<") || bdl_rx_bump_if(r, "?<"))
    return rx_cap_name(r) ? -1 : rx_push_group(r, r->fl);
  if (!bdl_rx_bump_if(r, "?"))
    return rx_push_group(r, r->fl);
  if (rx_eof(r))
    return bdl_rx_invalid(r, "unclosed group");
  if (rx_flags(r, &fl, &nitems))
    return -1;
  end = bdl_rx_cur(r);
  bdl_rx_bump(r);
  if (end == ':')
    return rx_push_group(r, fl);
  if (nitems == 0)
    return bdl_rx_invalid(r, "empty flag group");
  r->fl = fl;
  return bdl_rx_item_push(r, K_FLAGS, 0, r->out.len);
}

static int rx_group_close(rx *r) {
  rx_frame *f = rx_top(r);
  uint32_t h;
  size_t open;
  if (r->nfr == 1)
    return bdl_rx_invalid(r, "unopened group");
  h = rx_concat_h(f);
  if (f->nalts)
    h = 1 + rx_max(f->halt, h);
  r->fl = f->saved;
  open = f->open;
  r->nfr--;
  bdl_rx_put(r, ")");
  bdl_rx_bump(r);
  return bdl_rx_item_push(r, K_ATOM, h + 1, open);
}

static int rx_alt(rx *r) {
  rx_frame *f = rx_top(r);
  f->halt = rx_max(f->halt, rx_concat_h(f));
  f->nalts++;
  f->nitems = f->hmax = f->hlast = 0;
  f->kind = K_NONE;
  bdl_rx_put(r, "|");
  bdl_rx_bump(r);
  return bdl_rx_check_h(r, 1 + f->halt);
}

/* ======================================================= repetition */

/*
** Before an operator: there must be an item to repeat; a repeated item
** or an assertion is wrapped first, since RE2 rejects `a**`.
*/
static int rx_rep_pre(rx *r) {
  rx_frame *f = rx_top(r);
  if (f->kind == K_NONE || f->kind == K_FLAGS)
    return bdl_rx_invalid(r, "repetition operator missing expression");
  if (f->kind == K_REP || f->kind == K_ASSERT) {
    rx_insert(r, f->atom, "(?:");
    bdl_rx_put(r, ")");
  }
  return 0;
}

static int rx_rep_post(rx *r, bool lazy) {
  rx_frame *f = rx_top(r);
  if (lazy != ((r->fl & FL_U) != 0))
    bdl_rx_put(r, "?");
  f->kind = K_REP;
  f->hlast++;
  return bdl_rx_check_h(r, rx_concat_h(f));
}

static int rx_rep(rx *r) {
  char op[2] = {(char)bdl_rx_cur(r), 0};
  bool lazy;
  if (rx_rep_pre(r))
    return -1;
  lazy = bdl_rx_bump(r) && bdl_rx_cur(r) == '?';
  if (lazy)
    bdl_rx_bump(r);
  bdl_rx_put(r, op);
  return rx_rep_post(r, lazy);
}

/* A count of {m,n}; Rust skips whitespace around it even without x. */
static int rx_decimal(rx *r, uint32_t *v) {
  uint64_t acc = 0;
  uint32_t nd = 0;
  while (!rx_eof(r) && rx_is_space(bdl_rx_cur(r)))
    bdl_rx_bump(r);
  while (!rx_eof(r) && bdl_rx_cur(r) >= '0' && bdl_rx_cur(r) <= '9') {
    if (acc <= UINT32_MAX)
      acc = acc * 10 + (bdl_rx_cur(r) - '0');
    nd++;
    bdl_rx_bump2(r);
  }
  while (!rx_eof(r) && rx_is_space(bdl_rx_cur(r)))
    bdl_rx_bump2(r);
  if (nd == 0)
    return bdl_rx_invalid(r, "missing repetition count");
  if (acc > UINT32_MAX)
    return bdl_rx_invalid(r, "repetition count too big");
  *v = (uint32_t)acc;
  return 0;
}

/* {m}, {m,} and {m,n}: Rust's parse_counted_repetition. */
static int rx_counted(rx *r) {
  uint32_t lo, hi = 0;
  int kind = 0; /* 0 exactly, 1 at least, 2 bounded */
  bool lazy;
  if (rx_rep_pre(r))
    return -1;
  if (!bdl_rx_bump2(r))
    return bdl_rx_invalid(r, "unclosed counted repetition");
  if (rx_decimal(r, &lo))
    return -1;
  if (!rx_eof(r) && bdl_rx_cur(r) == ',') {
    if (!bdl_rx_bump2(r))
      return bdl_rx_invalid(r, "unclosed counted repetition");
    kind = bdl_rx_cur(r) == '}' ? 1 : 2;
    if (kind == 2 && rx_decimal(r, &hi))
      return -1;
  }
  if (rx_eof(r) || bdl_rx_cur(r) != '}')
    return bdl_rx_invalid(r, "unclosed counted repetition");
  lazy = bdl_rx_bump2(r) && bdl_rx_cur(r) == '?';
  if (lazy)
    bdl_rx_bump(r);
  if (kind == 2 && lo > hi)
    return bdl_rx_invalid(r, "invalid repetition range");
  if (lo > BDL_REGEX_MAX_REPEAT || hi > BDL_REGEX_MAX_REPEAT)
    bdl_rx_soft(r, BDL_REGEX_LIMIT, "repetition count over 1000");
  bdl_rx_put(r, "{");
  rx_put_uint(r, lo);
  bdl_rx_put(r, kind == 0 ? "}" : kind == 1 ? ",}" : ",");
  if (kind == 2) {
    rx_put_uint(r, hi);
    bdl_rx_put(r, "}");
  }
  return rx_rep_post(r, lazy);
}

/* ============================================================== parse */

static int rx_finish(rx *r) {
  rx_frame *f = rx_top(r);
  if (r->nfr > 1)
    return bdl_rx_invalid(r, "unclosed group");
  if (f->nalts && bdl_rx_check_h(r, 1 + rx_max(f->halt, rx_concat_h(f))))
    return -1;
  if ((r->wb & WB_UNI) && (r->wb & (WB_ASC_B | WB_ASC_b)))
    bdl_rx_soft(r, BDL_REGEX_UNSUPPORTED,
                "Unicode and ASCII word boundaries in one pattern");
  return 0;
}

/* The main loop: Rust's parse_with_comments, without recursion. */
static int rx_parse(rx *r) {
  for (;;) {
    int rc;
    bdl_rx_skip_space(r);
    if (rx_eof(r))
      break;
    switch (bdl_rx_cur(r)) {
    case '(':
      rc = rx_group_open(r);
      break;
    case ')':
      rc = rx_group_close(r);
      break;
    case '|':
      rc = rx_alt(r);
      break;
    case '[':
      rc = bdl_rx_class(r);
      break;
    case '?':
    case '*':
    case '+':
      rc = rx_rep(r);
      break;
    case '{':
      rc = rx_counted(r);
      break;
    default:
      rc = rx_primitive(r);
      break;
    }
    if (rc || r->st != BDL_REGEX_OK)
      return -1;
  }
  return rx_finish(r);
}

/*
** One translation pass. The encoded variant matches the subject where
** each character c became marker, c, marker (regex_re2.cc): it is
** anchored and skips whole characters, so every position it looks at is
** a character boundary whose neighbouring bytes are markers.
*/
static bdl_regex_status rx_run(const char *pat, size_t len, bool enc,
                               bx_buf *out, unsigned *wb, const char **why) {
  rx *r = bx_calloc(1, sizeof *r);
  bdl_regex_status st;
  if (!r) {
    *why = "out of memory";
    return BDL_REGEX_NOMEM;
  }
  r->p = (const unsigned char *)pat;
  r->n = len;
  r->fl = FL_UNI;
  r->enc = enc;
  r->nfr = 1;
  r->fr[0].saved = FL_UNI;
  bx_buf_init(&r->out, RX_OUT_MAX + 1);
  bx_arena_init(&r->ar, RX_ARENA_MAX);
  if (enc)
    bdl_rx_put(r, "\\A(?:" RX_MARK "(?s:.)" RX_MARK ")*?(?:");
  rx_parse(r);
  if (enc)
    bdl_rx_put(r, ")");
  st = r->st != BDL_REGEX_OK ? r->st : r->soft;
  *why = r->st != BDL_REGEX_OK ? r->why : r->soft_why;
  *wb = r->wb;
  bx_arena_free(&r->ar);
  if (st == BDL_REGEX_OK)
    *out = r->out;
  else
    bx_buf_free(&r->out);
  bx_free(r);
  return st;
}

bdl_regex_status bdl_regex_translate(const char *pat, size_t len,
                                     bdl_regex_tr *out, const char **why) {
  bx_buf plain, enc;
  unsigned wb;
  bdl_regex_status st;
  memset(out, 0, sizeof *out);
  if (len > BDL_REGEX_MAX_PATTERN) {
    *why = "pattern too long";
    return BDL_REGEX_LIMIT;
  }
  if (!rx_utf8_ok((const unsigned char *)pat, len)) {
    *why = "pattern is not valid UTF-8";
    return BDL_REGEX_INVALID;
  }
  st = rx_run(pat, len, false, &plain, &wb, why);
  if (st != BDL_REGEX_OK)
    return st;
  out->wb = (wb & WB_UNI)     ? BDL_REGEX_WB_UNICODE
            : (wb & WB_ASC_B) ? BDL_REGEX_WB_ASCII
                              : BDL_REGEX_WB_NONE;
  if (out->wb != BDL_REGEX_WB_NONE) {
    st = rx_run(pat, len, true, &enc, &wb, why);
    if (st != BDL_REGEX_OK) {
      bx_buf_free(&plain);
      return st;
    }
    out->enc_len = enc.len;
    out->enc = bx_buf_take(&enc);
  }
  out->plain_len = plain.len;
  out->plain = bx_buf_take(&plain);
  if (!out->plain || (out->wb != BDL_REGEX_WB_NONE && !out->enc)) {
    bdl_regex_tr_free(out);
    *why = "out of memory";
    return BDL_REGEX_NOMEM;
  }
  return BDL_REGEX_OK;
}

int bdl_regex_utf8_ok(const char *s, size_t len) {
  return rx_utf8_ok((const unsigned char *)s, len);
}

void bdl_regex_tr_free(bdl_regex_tr *tr) {
  if (!tr)
    return;
  bx_free(tr->plain);
  bx_free(tr->enc);
  memset(tr, 0, sizeof *tr);
}
