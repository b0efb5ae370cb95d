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
** Classes are kept as a union of RE2 classes, `[items]` or `[^items]`,
** where an item is a range or a \p/\P property: enough to express \W
** inside a class, negated nested classes and the set operations &&, --
** and ~~ without Unicode tables, since RE2 can intersect complements
** (`[^\P{L}\P{Greek}]` is L && Greek). Case folding is left to RE2
** (`(?i:...)` around each atom), which folds before negating as Rust
** does; a range is complemented by hand only when it is known closed
** under folding or is ASCII (folded here, with K and ſ).
**
** Failures: a pattern Rust would reject is INVALID and stops the parse;
** a valid one this shim cannot express is UNSUPPORTED or LIMIT, recorded
** but parsed on to the end, so that an invalid pattern still reads as
** INVALID.
*/
#include "datalog/regex.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/bx.h"

#define RX_OUT_MAX (128u * 1024u) /* bytes of one RE2 pattern */
#define RX_ARENA_MAX (1u << 20)   /* class values of one pattern */
#define RX_MAX_TERMS 64u          /* alternatives of one class */
#define RX_MAX_ITEMS 256u         /* items of one alternative */
#define RX_MAX_NAMES 256u         /* capture names (1024 / 5 fit) */
#define RX_STACK (BDL_REGEX_MAX_NEST + 2u)
#define RX_MAXCP 0x10FFFFu

/* Flags in effect; FL_UNI is on by default. */
#define FL_I 0x01u   /* i: case-insensitive */
#define FL_M 0x02u   /* m: multi-line */
#define FL_S 0x04u   /* s: dot matches \n */
#define FL_U 0x08u   /* U: swap greed */
#define FL_UNI 0x10u /* u: Unicode */
#define FL_R 0x20u   /* R: CRLF */
#define FL_X 0x40u   /* x: ignore whitespace */

/* Word boundaries seen. */
#define WB_UNI 1u
#define WB_ASC_B 2u /* ASCII \B */
#define WB_ASC_b 4u /* ASCII \b */

/* Kinds of the last item of a concatenation. */
enum { K_NONE, K_FLAGS, K_ATOM, K_ASSERT, K_REP };

/* The marker class of the re-encoded subject (regex_re2.cc). */
#define RX_MARK "[0\\x{1}\\n]"

typedef struct rx_item {
  uint32_t lo, hi;  /* a range, when prop is NULL */
  const char *prop; /* else an RE2 property name */
  bool neg;         /* \P{prop} */
} rx_item;

typedef struct rx_term {
  bool neg;    /* [^items] rather than [items] */
  bool fc;     /* the set is known closed under case folding */
  uint32_t n;  /* items */
  uint32_t nr; /* ranges among them (first, sorted) */
  const rx_item *it;
} rx_term;

/* A class value: the union of its terms, or ASCII bits in (?-u) mode. */
typedef struct rx_cv {
  uint32_t n;
  const rx_term *t;
  uint64_t b[2];
} rx_cv;

/* What an escape or a character stands for. */
enum { PR_LIT, PR_CLASS, PR_ASSERT };
typedef struct rx_prim {
  int kind;
  uint32_t c;     /* PR_LIT */
  bool xbyte;     /* PR_LIT written \xHH: a byte in (?-u) mode */
  rx_cv cv;       /* PR_CLASS */
  const char *as; /* PR_ASSERT: RE2 text */
} rx_prim;

/* One open group (fr[0] is the whole pattern). */
typedef struct rx_frame {
  unsigned saved;               /* flags to restore at ')' */
  size_t open;                  /* output offset of "(?:" */
  size_t atom;                  /* output offset of the last item */
  int kind;                     /* of the last item */
  uint32_t nitems, hmax, hlast; /* concatenation height */
  uint32_t nalts, halt;         /* alternation height */
} rx_frame;

/* One open bracket of a class. */
typedef struct rx_cframe {
  bool neg;
  rx_cv u;         /* union in progress */
  uint32_t un, uh; /* its item count and highest item */
  int op;          /* pending set operation: '&', '-', '~' or 0 */
  rx_cv lhs;
  uint32_t lh;
} rx_cframe;

typedef struct rx {
  const unsigned char *p;
  size_t n, i;
  unsigned fl;
  bool enc;  /* emit the marker-wrapped variant */
  bool full; /* output reached RX_OUT_MAX */
  unsigned wb;
  bdl_regex_status st, soft;
  const char *why, *soft_why;
  bx_buf out;
  bx_arena ar;
  rx_frame fr[RX_STACK];
  uint32_t nfr;
  rx_cframe cf[RX_STACK];
  uint32_t ncf;
  uint32_t name_off[RX_MAX_NAMES], name_len[RX_MAX_NAMES];
  uint32_t nnames;
} rx;

/* ======================================================== failures */

/* A hard failure: the parse stops. Returns -1 for `return rx_fail(..)`. */
static int rx_fail(rx *r, bdl_regex_status st, const char *why) {
  if (r->st == BDL_REGEX_OK) {
    r->st = st;
    r->why = why;
  }
  return -1;
}

static int rx_invalid(rx *r, const char *why) {
  return rx_fail(r, BDL_REGEX_INVALID, why);
}

/* A soft failure: valid Rust we cannot run; parse on to find INVALID. */
static void rx_soft(rx *r, bdl_regex_status st, const char *why) {
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
static uint32_t rx_dec(const rx *r, size_t i, size_t *w) {
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

static bool rx_eof(const rx *r) {
  return r->i >= r->n;
}

static uint32_t rx_cur(const rx *r) {
  size_t w;
  return rx_eof(r) ? 0 : rx_dec(r, r->i, &w);
}

/* Moves past the current character; false when that reaches the end. */
static bool rx_bump(rx *r) {
  size_t w;
  if (rx_eof(r))
    return false;
  rx_dec(r, r->i, &w);
  r->i += w;
  return !rx_eof(r);
}

/* The character after the current one, or -1. */
static int64_t rx_peek(const rx *r) {
  size_t w;
  if (rx_eof(r))
    return -1;
  rx_dec(r, r->i, &w);
  if (r->i + w >= r->n)
    return -1;
  return rx_dec(r, r->i + w, &w);
}

/* Unicode White_Space, which is also Rust's char::is_whitespace. */
static bool rx_is_space(uint32_t c) {
  return (c >= 9 && c <= 13) || c == 0x20 || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* Rust's bump_space: in x mode, skip whitespace and # comments. */
static void rx_skip_space(rx *r) {
  if (!(r->fl & FL_X))
    return;
  while (!rx_eof(r)) {
    uint32_t c = rx_cur(r);
    if (rx_is_space(c)) {
      rx_bump(r);
    } else if (c == '#') {
      while (!rx_eof(r)) {
        c = rx_cur(r);
        rx_bump(r);
        if (c == '\n')
          break;
      }
    } else {
      break;
    }
  }
}

/* Rust's bump_and_bump_space. */
static bool rx_bump2(rx *r) {
  if (!rx_bump(r))
    return false;
  rx_skip_space(r);
  return !rx_eof(r);
}

/*
** Rust's peek_space, quirks included: it skips whitespace and a first
** '#', then returns the next character even inside that comment; when
** nothing follows it falls back to the character after the current one.
*/
static int64_t rx_peek_space(const rx *r) {
  size_t w, j;
  bool comment = false;
  if (!(r->fl & FL_X))
    return rx_peek(r);
  if (rx_eof(r))
    return -1;
  rx_dec(r, r->i, &w);
  for (j = r->i + w; j < r->n; j += w) {
    uint32_t c = rx_dec(r, j, &w);
    if (rx_is_space(c))
      continue;
    if (!comment && c == '#')
      comment = true;
    else
      return c;
  }
  return rx_peek(r);
}

/* Consumes an ASCII prefix if the input starts with it. */
static bool rx_bump_if(rx *r, const char *s) {
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
    rx_soft(r, BDL_REGEX_LIMIT, "regex too large");
    r->full = true;
    return;
  }
  if (!bx_buf_add(&r->out, s, k))
    rx_fail(r, BDL_REGEX_NOMEM, "out of memory");
}

static void rx_put(rx *r, const char *s) {
  rx_add(r, s, strlen(s));
}

static void rx_putc(rx *r, char c) {
  rx_add(r, &c, 1);
}

static void rx_put_hex(rx *r, uint32_t c) {
  char tmp[16];
  int k = 0;
  do {
    tmp[k++] = "0123456789ABCDEF"[c & 15];
    c >>= 4;
  } while (c);
  rx_put(r, "\\x{");
  while (k)
    rx_putc(r, tmp[--k]);
  rx_putc(r, '}');
}

static void rx_put_uint(rx *r, uint32_t v) {
  char tmp[12];
  int k = 0;
  do {
    tmp[k++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (k)
    rx_putc(r, tmp[--k]);
}

static bool rx_is_alnum(uint32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z');
}

/* One character in RE2 syntax, valid inside and outside classes. */
static void rx_put_cp(rx *r, uint32_t c) {
  if (rx_is_alnum(c)) {
    rx_putc(r, (char)c);
  } else if (c >= 0x21 && c <= 0x7E) {
    rx_putc(r, '\\');
    rx_putc(r, (char)c);
  } else {
    rx_put_hex(r, c);
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

static uint32_t rx_max(uint32_t a, uint32_t b) {
  return a > b ? a : b;
}

/* Height of a frame's concatenation, as Rust's Concat::into_ast. */
static uint32_t rx_concat_h(const rx_frame *f) {
  if (f->nitems == 0)
    return 0;
  if (f->nitems == 1)
    return f->hlast;
  return 1 + rx_max(f->hmax, f->hlast);
}

static int rx_check_h(rx *r, uint32_t h) {
  if (h > BDL_REGEX_MAX_NEST)
    return rx_invalid(r, "nest limit exceeded");
  return 0;
}

/* Appends an item of the given kind and height to the concatenation. */
static int rx_item_push(rx *r, int kind, uint32_t h, size_t atom) {
  rx_frame *f = rx_top(r);
  if (f->nitems > 0)
    f->hmax = rx_max(f->hmax, f->hlast);
  f->nitems++;
  f->hlast = h;
  f->kind = kind;
  f->atom = atom;
  return rx_check_h(r, rx_concat_h(f));
}

/* Atoms: in the encoded variant each consumer eats its two markers. */
static size_t rx_atom_begin(rx *r) {
  size_t at = r->out.len;
  if (r->enc)
    rx_put(r, "(?:" RX_MARK);
  return at;
}

static int rx_atom_end(rx *r, size_t at) {
  if (r->enc)
    rx_put(r, RX_MARK ")");
  return rx_item_push(r, K_ATOM, 0, at);
}

/* ===================================================== class values */

/*
** A class is a union of terms. A positive term [items] keeps its ranges
** first, sorted, then its properties; the ranges together form one
** "unit" and each property another, and intersections distribute over
** units. `fc` says a term's set is known closed under simple case
** folding as a whole (built-in sets), so it can be complemented as is
** under (?i).
*/
/* clang-format off */
#define RX_W(lo, hi) {lo, hi, NULL, false}
#define RX_P(name) {0, 0, name, false}

static const rx_item rx_word_items[] = {
    RX_W(0x200C, 0x200D),   RX_W(0x24B6, 0x24E9),   RX_W(0x1F130, 0x1F149),
    RX_W(0x1F150, 0x1F169), RX_W(0x1F170, 0x1F189), RX_P("L"),
    RX_P("M"),              RX_P("Nd"),             RX_P("Pc"),
    RX_P("Nl"),
};

/* Must say the same as rx_word_items. */
const char bdl_regex_word_items[] =
    "\\p{L}\\p{M}\\p{Nd}\\p{Pc}\\p{Nl}\\x{200C}-\\x{200D}"
    "\\x{24B6}-\\x{24E9}\\x{1F130}-\\x{1F149}\\x{1F150}-\\x{1F169}"
    "\\x{1F170}-\\x{1F189}";

static const rx_item rx_space_items[] = {
    RX_W(0x09, 0x0D),     RX_W(0x20, 0x20),     RX_W(0x85, 0x85),
    RX_W(0xA0, 0xA0),     RX_W(0x1680, 0x1680), RX_W(0x2000, 0x200A),
    RX_W(0x2028, 0x2029), RX_W(0x202F, 0x202F), RX_W(0x205F, 0x205F),
    RX_W(0x3000, 0x3000),
};

/* \S: the complement of rx_space_items. */
static const rx_item rx_nonspace_items[] = {
    RX_W(0x00, 0x08),     RX_W(0x0E, 0x1F),     RX_W(0x21, 0x84),
    RX_W(0x86, 0x9F),     RX_W(0xA1, 0x167F),   RX_W(0x1681, 0x1FFF),
    RX_W(0x200B, 0x2027), RX_W(0x202A, 0x202E), RX_W(0x2030, 0x205E),
    RX_W(0x2060, 0x2FFF), RX_W(0x3001, RX_MAXCP),
};

static const rx_item rx_assigned_items[] = {
    RX_P("Cc"), RX_P("Cf"), RX_P("Co"), RX_P("Cs"), RX_P("L"),
    RX_P("M"),  RX_P("N"),  RX_P("P"),  RX_P("S"),  RX_P("Z"),
};
/* clang-format on */

static void *rx_alloc(rx *r, size_t n) {
  void *p = bx_arena_alloc(&r->ar, n ? n : 1);
  if (!p)
    rx_fail(r, r->ar.over_cap ? BDL_REGEX_LIMIT : BDL_REGEX_NOMEM,
            r->ar.over_cap ? "character class too complex" : "out of memory");
  return p;
}

static int rx_too_complex(rx *r) {
  return rx_fail(r, BDL_REGEX_LIMIT, "character class too complex");
}

/* Orders ranges first (by lo), then properties. */
static bool rx_item_before(const rx_item *a, const rx_item *b) {
  if (!a->prop != !b->prop)
    return !a->prop;
  return !a->prop && a->lo < b->lo;
}

/* Fills t with a sorted copy of n items (insertion sort: n <= 256). */
static int rx_term_set(rx *r, rx_term *t, bool neg, bool fc, const rx_item *it,
                       uint32_t n) {
  rx_item *c;
  if (n > RX_MAX_ITEMS)
    return rx_too_complex(r);
  c = rx_alloc(r, n * sizeof *c);
  if (!c)
    return -1;
  for (uint32_t k = 0; k < n; k++) {
    uint32_t j = k;
    for (; j > 0 && rx_item_before(&it[k], &c[j - 1]); j--)
      c[j] = c[j - 1];
    c[j] = it[k];
  }
  t->neg = neg;
  t->fc = fc;
  t->n = n;
  t->nr = 0;
  while (t->nr < n && !c[t->nr].prop)
    t->nr++;
  t->it = c;
  return 0;
}

/* A class of one term over n items (copied). */
static int cv_make(rx *r, rx_cv *out, bool neg, bool fc, const rx_item *it,
                   uint32_t n) {
  rx_term *t = rx_alloc(r, sizeof *t);
  if (!t || rx_term_set(r, t, neg, fc, it, n))
    return -1;
  memset(out, 0, sizeof *out);
  out->n = 1;
  out->t = t;
  return 0;
}

static int cv_range(rx *r, rx_cv *out, uint32_t lo, uint32_t hi, bool fc) {
  rx_item it = RX_W(lo, hi);
  return cv_make(r, out, false, fc, &it, 1);
}

static int cv_union(rx *r, rx_cv *out, const rx_cv *a, const rx_cv *b) {
  uint32_t n = a->n + b->n;
  rx_term *t;
  if (n > RX_MAX_TERMS)
    return rx_too_complex(r);
  t = rx_alloc(r, n * sizeof *t);
  if (!t)
    return -1;
  if (a->n)
    memcpy(t, a->t, a->n * sizeof *t);
  if (b->n)
    memcpy(t + a->n, b->t, b->n * sizeof *t);
  out->n = n;
  out->t = t;
  out->b[0] = a->b[0] | b->b[0];
  out->b[1] = a->b[1] | b->b[1];
  return 0;
}

/*
** ASCII simple case folding of a set of ASCII bits, with the two
** non-ASCII members of ASCII orbits: K (U+212A) with k, ſ (U+017F) with s.
*/
static void rx_fold_bits(uint64_t b[2], bool *kelvin, bool *long_s) {
  uint64_t up = b[1] >> 1 & 0x3FFFFFFu, lo = b[1] >> 33 & 0x3FFFFFFu;
  b[1] |= (up | lo) << 1 | (up | lo) << 33;
  if (kelvin)
    *kelvin = b[1] >> ('k' - 64) & 1;
  if (long_s)
    *long_s = b[1] >> ('s' - 64) & 1;
}

static void rx_bits_set(uint64_t b[2], uint32_t lo, uint32_t hi) {
  for (uint32_t c = lo; c <= hi && c < 128; c++)
    b[c >> 6] |= 1ull << (c & 63);
}

static bool rx_bit(const uint64_t b[2], uint32_t c) {
  return c < 128 && (b[c >> 6] >> (c & 63) & 1);
}

/* Sorted ranges of a bit set plus up to two extra code points. */
static uint32_t rx_bits_ranges(const uint64_t b[2], uint32_t x1, uint32_t x2,
                               rx_item *out) {
  uint32_t n = 0, c = 0;
  while (c < 128) {
    if (!rx_bit(b, c)) {
      c++;
      continue;
    }
    out[n] = (rx_item)RX_W(c, c);
    while (c < 128 && rx_bit(b, c))
      c++;
    out[n++].hi = c - 1;
  }
  if (x1)
    out[n++] = (rx_item)RX_W(x1, x1);
  if (x2)
    out[n++] = (rx_item)RX_W(x2, x2);
  return n;
}

/*
** The ranges unit of u folded under (?i), when u is not known closed: we
** can fold ASCII ranges only. *rg points at u's ranges or at buf.
*/
static int rx_unit_fold(rx *r, const rx_term *u, rx_item *buf,
                        const rx_item **rg, uint32_t *n) {
  uint64_t b[2] = {0, 0};
  bool kv = false, ls = false;
  *rg = u->it;
  *n = u->nr;
  if (!(r->fl & FL_I) || u->fc)
    return 0;
  for (uint32_t k = 0; k < u->nr; k++) {
    if (u->it[k].hi > 0x7F)
      return rx_fail(r, BDL_REGEX_UNSUPPORTED,
                     "case-insensitive class operation on a non-ASCII "
                     "range");
    rx_bits_set(b, u->it[k].lo, u->it[k].hi);
  }
  rx_fold_bits(b, &kv, &ls);
  *n = rx_bits_ranges(b, ls ? 0x17F : 0, kv ? 0x212A : 0, buf);
  *rg = buf;
  return 0;
}

/*
** The complement of one unit, as items: \P for a property; for ranges,
** the gaps between them (after folding them under (?i), since RE2 folds
** what we emit and the complement of a folded set is closed).
*/
static int rx_comp(rx *r, const rx_term *u, rx_item *out, uint32_t *n) {
  rx_item buf[70];
  const rx_item *rg;
  uint32_t k, nr, prev = 0;
  if (u->nr == 0) {
    out[0] = u->it[0];
    out[0].neg = !u->it[0].neg;
    *n = 1;
    return 0;
  }
  if (rx_unit_fold(r, u, buf, &rg, &nr))
    return -1;
  for (k = *n = 0; k < nr; k++) {
    if (rg[k].lo > prev)
      out[(*n)++] = (rx_item)RX_W(prev, rg[k].lo - 1);
    prev = rx_max(prev, rg[k].hi + 1);
  }
  if (prev <= RX_MAXCP)
    out[(*n)++] = (rx_item)RX_W(prev, RX_MAXCP);
  return 0;
}

/* The intersection of two sorted range lists. */
static uint32_t rx_ranges_and(const rx_term *x, const rx_term *y,
                              rx_item *out) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < x->nr; i++)
    for (uint32_t j = 0; j < y->nr; j++) {
      uint32_t lo = rx_max(x->it[i].lo, y->it[j].lo);
      uint32_t hi = x->it[i].hi < y->it[j].hi ? x->it[i].hi : y->it[j].hi;
      if (lo <= hi && n < RX_MAX_ITEMS)
        out[n++] = (rx_item)RX_W(lo, hi);
    }
  return n;
}

/*
** The intersection of two units (a whole negative term, a positive
** ranges unit or a property). Returns 1 with *t set, 0 when it is surely
** empty, -1 on failure.
*/
static int rx_term_and(rx *r, const rx_term *x, const rx_term *y, rx_term *t) {
  rx_item a[RX_MAX_ITEMS + 8], b[RX_MAX_ITEMS + 8];
  uint32_t na, nb;
  if (x->neg || y->neg) {
    const rx_term *p = x->neg ? y : x, *q = x->neg ? x : y;
    if (p->neg) {
      memcpy(a, p->it, p->n * sizeof *a);
      na = p->n;
    } else if (rx_comp(r, p, a, &na)) {
      return -1;
    }
    if (na + q->n > RX_MAX_ITEMS)
      return rx_too_complex(r);
    memcpy(a + na, q->it, q->n * sizeof *a);
    return rx_term_set(r, t, true, false, a, na + q->n) ? -1 : 1;
  }
  if (x->nr && y->nr && (!(r->fl & FL_I) || (x->fc && y->fc))) {
    na = rx_ranges_and(x, y, a);
    if (na == 0)
      return 0;
    return rx_term_set(r, t, false, x->fc && y->fc, a, na) ? -1 : 1;
  }
  if (rx_comp(r, x, a, &na) || rx_comp(r, y, b, &nb))
    return -1;
  if (na + nb > RX_MAX_ITEMS)
    return rx_too_complex(r);
  memcpy(a + na, b, nb * sizeof *a);
  return rx_term_set(r, t, true, false, a, na + nb) ? -1 : 1;
}

/* The units of a term: itself if negative, else its ranges and props. */
static uint32_t rx_units(const rx_term *t) {
  return t->neg ? 1 : (t->nr > 0) + (t->n - t->nr);
}

static rx_term rx_unit(const rx_term *t, uint32_t j) {
  rx_term u = *t;
  if (t->neg)
    return u;
  if (t->nr && j == 0) {
    u.n = t->nr;
    return u;
  }
  u.it = t->it + t->nr + j - (t->nr > 0);
  u.n = 1;
  u.nr = 0;
  return u;
}

/* Intersection by distribution over the units of a and b. */
static int cv_and(rx *r, rx_cv *out, const rx_cv *a, const rx_cv *b) {
  rx_term tmp[RX_MAX_TERMS], *t;
  uint32_t n = 0;
  for (uint32_t i = 0; i < a->n; i++)
    for (uint32_t ii = 0; ii < rx_units(&a->t[i]); ii++)
      for (uint32_t k = 0; k < b->n; k++)
        for (uint32_t kk = 0; kk < rx_units(&b->t[k]); kk++) {
          rx_term x = rx_unit(&a->t[i], ii), y = rx_unit(&b->t[k], kk);
          int got;
          if (n == RX_MAX_TERMS)
            return rx_too_complex(r);
          got = rx_term_and(r, &x, &y, &tmp[n]);
          if (got < 0)
            return -1;
          n += (uint32_t)got;
        }
  t = rx_alloc(r, n * sizeof *t);
  if (!t)
    return -1;
  memcpy(t, tmp, n * sizeof *t);
  memset(out, 0, sizeof *out);
  out->n = n;
  out->t = t;
  return 0;
}

/*
** Complement: not(P or not N1 or ... or not Nk) is not P and N1 and ...
** and Nk. The common cases (no negative term, or a lone one) need no
** distribution.
*/
static int cv_negate(rx *r, rx_cv *out, const rx_cv *a) {
  rx_item pos[RX_MAX_ITEMS];
  uint32_t np = 0, nneg = 0, lone = 0;
  rx_cv res, tmp;
  for (uint32_t k = 0; k < a->n; k++) {
    if (a->t[k].neg) {
      nneg++;
      lone = k;
      continue;
    }
    if (np + a->t[k].n > RX_MAX_ITEMS)
      return rx_too_complex(r);
    memcpy(pos + np, a->t[k].it, a->t[k].n * sizeof *pos);
    np += a->t[k].n;
  }
  if (np == 0 && nneg == 1)
    return cv_make(r, out, false, a->t[lone].fc, a->t[lone].it, a->t[lone].n);
  if (cv_make(r, &res, true, false, pos, np))
    return -1;
  for (uint32_t k = 0; k < a->n; k++) {
    if (!a->t[k].neg)
      continue;
    if (cv_make(r, &tmp, false, a->t[k].fc, a->t[k].it, a->t[k].n) ||
        cv_and(r, &res, &res, &tmp))
      return -1;
  }
  *out = res;
  return 0;
}

/* A set operation of a class bracket: &&, -- or ~~. */
static int cv_op(rx *r, int op, rx_cv *out, const rx_cv *a, const rx_cv *b) {
  rx_cv na, nb, x, y;
  if (!(r->fl & FL_UNI)) {
    uint64_t pa[2] = {a->b[0], a->b[1]}, pb[2] = {b->b[0], b->b[1]};
    if (r->fl & FL_I) {
      rx_fold_bits(pa, NULL, NULL);
      rx_fold_bits(pb, NULL, NULL);
    }
    memset(out, 0, sizeof *out);
    for (int k = 0; k < 2; k++)
      out->b[k] = op == '&'   ? pa[k] & pb[k]
                  : op == '-' ? pa[k] & ~pb[k]
                              : pa[k] ^ pb[k];
    return 0;
  }
  if (op == '&')
    return cv_and(r, out, a, b);
  if (cv_negate(r, &nb, b) || cv_and(r, &x, a, &nb))
    return -1;
  if (op == '-') {
    *out = x;
    return 0;
  }
  if (cv_negate(r, &na, a) || cv_and(r, &y, b, &na))
    return -1;
  return cv_union(r, out, &x, &y);
}

/*
** A class operation refused for one of our own limits (not for memory)
** leaves an empty class and lets the parse go on, as rx_soft does, so
** that a pattern Rust rejects later still reads as INVALID.
*/
static int rx_cv_recover(rx *r, rx_cv *v) {
  if (r->st == BDL_REGEX_NOMEM || r->st == BDL_REGEX_INVALID)
    return -1;
  rx_soft(r, r->st, r->why);
  r->st = BDL_REGEX_OK;
  r->why = NULL;
  memset(v, 0, sizeof *v);
  return 0;
}

/* ============================================================ emission */

/*
** RE2 rewrites a class of exactly two runes X and x (an ASCII letter in
** both cases) into a case-folded literal, and later, when it merges the
** branches of an alternation, folds that literal with Unicode tables:
** `[Kk]|y` would match K (U+212A). A surrogate never matches valid UTF-8
** and keeps such a class a class.
*/
static bool rx_case_pair(uint32_t a, uint32_t b) {
  return a < 128 && (a | 0x20) >= 'a' && (a | 0x20) <= 'z' && (a ^ b) == 0x20;
}

/* Whether the positive part of cv is exactly such a pair of runes. */
static bool rx_cv_case_pair(const rx_cv *cv) {
  uint32_t got[2], n = 0;
  for (uint32_t k = 0; k < cv->n; k++) {
    const rx_term *t = &cv->t[k];
    if (t->neg)
      continue;
    if (t->nr < t->n)
      return false;
    for (uint32_t j = 0; j < t->nr; j++)
      for (uint32_t c = t->it[j].lo; c <= t->it[j].hi; c++) {
        if ((n > 0 && got[0] == c) || (n > 1 && got[1] == c))
          continue;
        if (n == 2)
          return false;
        got[n++] = c;
      }
  }
  return n == 2 && rx_case_pair(got[0], got[1]);
}

static void rx_put_items(rx *r, const rx_term *t) {
  for (uint32_t j = 0; j < t->n; j++) {
    const rx_item *it = &t->it[j];
    if (it->prop) {
      rx_put(r, it->neg ? "\\P{" : "\\p{");
      rx_put(r, it->prop);
      rx_put(r, "}");
      continue;
    }
    rx_put_hex(r, it->lo);
    if (it->hi != it->lo) {
      rx_putc(r, '-');
      rx_put_hex(r, it->hi);
    }
  }
}

/* A Unicode class: [pos items] | [^neg items] | ..., folded by RE2. */
static void rx_put_cv(rx *r, const rx_cv *cv) {
  uint32_t npos = 0, alts = 0;
  bool sep;
  for (uint32_t k = 0; k < cv->n; k++) {
    npos += cv->t[k].neg ? 0 : cv->t[k].n;
    alts += cv->t[k].neg ? 1 : 0;
  }
  alts += npos > 0;
  sep = npos > 0;
  if (alts != 1)
    rx_put(r, alts ? "(?:" : "[^\\x{0}-\\x{10FFFF}]");
  if (npos > 0) {
    rx_put(r, "[");
    for (uint32_t k = 0; k < cv->n; k++)
      if (!cv->t[k].neg)
        rx_put_items(r, &cv->t[k]);
    rx_put(r, rx_cv_case_pair(cv) ? "\\x{D800}]" : "]");
  }
  for (uint32_t k = 0; k < cv->n; k++) {
    if (!cv->t[k].neg)
      continue;
    if (sep)
      rx_put(r, "|");
    sep = true;
    if (cv->t[k].n == 0) /* the complement of nothing */
      rx_put(r, "[\\x{0}-\\x{10FFFF}]");
    rx_put(r, cv->t[k].n ? "[^" : "");
    rx_put_items(r, &cv->t[k]);
    rx_put(r, cv->t[k].n ? "]" : "");
  }
  if (alts > 1)
    rx_put(r, ")");
}

/* A (?-u) class: ASCII bits, already folded. */
static void rx_put_bits(rx *r, const uint64_t b[2]) {
  rx_item rg[70];
  uint32_t n = rx_bits_ranges(b, 0, 0, rg);
  if (n == 0) {
    rx_put(r, "[^\\x{0}-\\x{10FFFF}]");
    return;
  }
  rx_put(r, "[");
  for (uint32_t k = 0; k < n; k++) {
    rx_put_cp(r, rg[k].lo);
    if (rg[k].hi != rg[k].lo) {
      rx_putc(r, '-');
      rx_put_cp(r, rg[k].hi);
    }
  }
  rx_put(r, n == 2 && rg[0].lo == rg[0].hi && rg[1].lo == rg[1].hi &&
                    rx_case_pair(rg[0].lo, rg[1].lo)
                ? "\\x{D800}]"
                : "]");
}

/* A class value as one atom of the pattern. */
static int rx_emit_cv(rx *r, const rx_cv *cv, uint32_t h) {
  size_t at = rx_atom_begin(r);
  if (!(r->fl & FL_UNI)) {
    rx_put_bits(r, cv->b);
  } else {
    if (r->fl & FL_I)
      rx_put(r, "(?i:");
    rx_put_cv(r, cv);
    if (r->fl & FL_I)
      rx_put(r, ")");
  }
  if (r->enc)
    rx_put(r, RX_MARK ")");
  return rx_item_push(r, K_ATOM, h, at);
}

/* A literal character as one atom, with its flags applied. */
static int rx_emit_char(rx *r, uint32_t c) {
  size_t at = rx_atom_begin(r);
  bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
  if ((r->fl & FL_I) && !(r->fl & FL_UNI) && letter) {
    rx_putc(r, '[');
    rx_putc(r, (char)(c & ~0x20u));
    rx_putc(r, (char)(c | 0x20u));
    rx_put(r, "\\x{D800}]"); /* see rx_case_pair */
  } else if ((r->fl & FL_I) && (r->fl & FL_UNI) && (letter || c >= 0x80)) {
    rx_put(r, "(?i:");
    rx_put_cp(r, c);
    rx_put(r, ")");
  } else {
    rx_put_cp(r, c);
  }
  return rx_atom_end(r, at);
}

/* ========================================================= properties */

/*
** General categories: the RE2 name (or one of our specials) then Rust's
** other aliases, normalized (lower case, no '_', '-' or spaces).
*/
static const char *const rx_gc_names[] = {
    "C other",
    "Cc control cntrl",
    "Cf format",
    "Cn unassigned",
    "Co privateuse",
    "Cs surrogate",
    "L letter",
    "LC casedletter",
    "Ll lowercaseletter",
    "Lm modifierletter",
    "Lo otherletter",
    "Lt titlecaseletter",
    "Lu uppercaseletter",
    "M mark combiningmark",
    "Mc spacingmark",
    "Me enclosingmark",
    "Mn nonspacingmark",
    "N number",
    "Nd decimalnumber digit",
    "Nl letternumber",
    "No othernumber",
    "P punctuation punct",
    "Pc connectorpunctuation",
    "Pd dashpunctuation",
    "Pe closepunctuation",
    "Pf finalpunctuation",
    "Pi initialpunctuation",
    "Po otherpunctuation",
    "Ps openpunctuation",
    "S symbol",
    "Sc currencysymbol",
    "Sk modifiersymbol",
    "Sm mathsymbol",
    "So othersymbol",
    "Z separator",
    "Zl lineseparator",
    "Zp paragraphseparator",
    "Zs spaceseparator",
    "Any",
    "ASCII",
    "Assigned",
};

/*
** Scripts Rust knows (Unicode 16) with their aliases; a leading '-' marks
** the ones the installed RE2 lacks. From Unicode's PropertyValueAliases.
*/
static const char *const rx_scripts[] = {
    "Adlam adlm",
    "Ahom",
    "Anatolian_Hieroglyphs hluw",
    "Arabic arab",
    "Armenian armn",
    "Avestan avst",
    "Balinese bali",
    "Bamum bamu",
    "Bassa_Vah bass",
    "Batak batk",
    "Bengali beng",
    "Bhaiksuki bhks",
    "Bopomofo bopo",
    "Brahmi brah",
    "Braille brai",
    "Buginese bugi",
    "Buhid buhd",
    "Canadian_Aboriginal cans",
    "Carian cari",
    "Caucasian_Albanian aghb",
    "Chakma cakm",
    "Cham",
    "Cherokee cher",
    "Chorasmian chrs",
    "Common zyyy",
    "Coptic copt qaac",
    "Cuneiform xsux",
    "Cypriot cprt",
    "Cypro_Minoan cpmn",
    "Cyrillic cyrl",
    "Deseret dsrt",
    "Devanagari deva",
    "Dives_Akuru diak",
    "Dogra dogr",
    "Duployan dupl",
    "Egyptian_Hieroglyphs egyp",
    "Elbasan elba",
    "Elymaic elym",
    "Ethiopic ethi",
    "-Garay gara",
    "Georgian geor",
    "Glagolitic glag",
    "Gothic goth",
    "Grantha gran",
    "Greek grek",
    "Gujarati gujr",
    "Gunjala_Gondi gong",
    "Gurmukhi guru",
    "-Gurung_Khema gukh",
    "Han hani",
    "Hangul hang",
    "Hanifi_Rohingya rohg",
    "Hanunoo hano",
    "Hatran hatr",
    "Hebrew hebr",
    "Hiragana hira",
    "Imperial_Aramaic armi",
    "Inherited qaai zinh",
    "Inscriptional_Pahlavi phli",
    "Inscriptional_Parthian prti",
    "Javanese java",
    "Kaithi kthi",
    "Kannada knda",
    "Katakana kana",
    "Kawi",
    "Kayah_Li kali",
    "Kharoshthi khar",
    "Khitan_Small_Script kits",
    "Khmer khmr",
    "Khojki khoj",
    "Khudawadi sind",
    "-Kirat_Rai krai",
    "Lao laoo",
    "Latin latn",
    "Lepcha lepc",
    "Limbu limb",
    "Linear_A lina",
    "Linear_B linb",
    "Lisu",
    "Lycian lyci",
    "Lydian lydi",
    "Mahajani mahj",
    "Makasar maka",
    "Malayalam mlym",
    "Mandaic mand",
    "Manichaean mani",
    "Marchen marc",
    "Masaram_Gondi gonm",
    "Medefaidrin medf",
    "Meetei_Mayek mtei",
    "Mende_Kikakui mend",
    "Meroitic_Cursive merc",
    "Meroitic_Hieroglyphs mero",
    "Miao plrd",
    "Modi",
    "Mongolian mong",
    "Mro mroo",
    "Multani mult",
    "Myanmar mymr",
    "Nabataean nbat",
    "Nag_Mundari nagm",
    "Nandinagari nand",
    "New_Tai_Lue talu",
    "Newa",
    "Nko nkoo",
    "Nushu nshu",
    "Nyiakeng_Puachue_Hmong hmnp",
    "Ogham ogam",
    "Ol_Chiki olck",
    "-Ol_Onal onao",
    "Old_Hungarian hung",
    "Old_Italic ital",
    "Old_North_Arabian narb",
    "Old_Permic perm",
    "Old_Persian xpeo",
    "Old_Sogdian sogo",
    "Old_South_Arabian sarb",
    "Old_Turkic orkh",
    "Old_Uyghur ougr",
    "Oriya orya",
    "Osage osge",
    "Osmanya osma",
    "Pahawh_Hmong hmng",
    "Palmyrene palm",
    "Pau_Cin_Hau pauc",
    "Phags_Pa phag",
    "Phoenician phnx",
    "Psalter_Pahlavi phlp",
    "Rejang rjng",
    "Runic runr",
    "Samaritan samr",
    "Saurashtra saur",
    "Sharada shrd",
    "Shavian shaw",
    "Siddham sidd",
    "SignWriting sgnw",
    "Sinhala sinh",
    "Sogdian sogd",
    "Sora_Sompeng sora",
    "Soyombo soyo",
    "Sundanese sund",
    "-Sunuwar sunu",
    "Syloti_Nagri sylo",
    "Syriac syrc",
    "Tagalog tglg",
    "Tagbanwa tagb",
    "Tai_Le tale",
    "Tai_Tham lana",
    "Tai_Viet tavt",
    "Takri takr",
    "Tamil taml",
    "Tangsa tnsa",
    "Tangut tang",
    "Telugu telu",
    "Thaana thaa",
    "Thai",
    "Tibetan tibt",
    "Tifinagh tfng",
    "Tirhuta tirh",
    "-Todhri todr",
    "Toto",
    "-Tulu_Tigalari tutg",
    "Ugaritic ugar",
    "Vai vaii",
    "Vithkuqi vith",
    "Wancho wcho",
    "Warang_Citi wara",
    "Yezidi yezi",
    "Yi yiii",
    "Zanabazar_Square zanb",
};

/*
** Binary properties Rust supports, normalized names and aliases. Four of
** them are expressible (rx_bool_class); the others are UNSUPPORTED.
*/
static const char rx_bool_props[] =
    " whitespace space wspace joincontrol joinc asciihexdigit ahex"
    " hexdigit hex alpha alphabetic bidic bidicontrol bidim bidimirrored"
    " cased caseignorable changeswhencasefolded changeswhencasemapped"
    " changeswhenlowercased changeswhentitlecased changeswhenuppercased ci"
    " cwcf cwcm cwl cwt cwu dash defaultignorablecodepoint dep deprecated di"
    " dia diacritic ebase ecomp emod emoji emojicomponent emojimodifier"
    " emojimodifierbase emojipresentation epres ext extendedpictographic"
    " extender extpict graphemebase graphemeextend graphemelink grbase grext"
    " grlink hyphen idc idcompatmathcontinue idcompatmathstart idcontinue"
    " ideo ideographic ids idsb idsbinaryoperator idst idstart"
    " idstrinaryoperator idsu idsunaryoperator loe logicalorderexception"
    " lower lowercase math mcm modifiercombiningmark nchar"
    " noncharactercodepoint oalpha odi ogrext oidc oids olower omath"
    " otheralphabetic otherdefaultignorablecodepoint othergraphemeextend"
    " otheridcontinue otheridstart otherlowercase othermath otheruppercase"
    " oupper patsyn patternsyntax patternwhitespace patws pcm"
    " prependedconcatenationmark qmark quotationmark radical"
    " regionalindicator ri sd sentenceterminal softdotted sterm term"
    " terminalpunctuation uideo unifiedideograph upper uppercase"
    " variationselector vs xidc xidcontinue xids xidstart ";

/*
** Rust's symbolic_name_normalize: drop a leading "is", then spaces, '_',
** '-' and non-ASCII bytes; lower-case ASCII. out holds n + 4 bytes.
*/
static void rx_normalize(const char *s, size_t n, char *out) {
  size_t i = 0, k = 0;
  bool is = n >= 2 && (s[0] | 0x20) == 'i' && (s[1] | 0x20) == 's';
  if (is)
    i = 2;
  for (; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == ' ' || c == '_' || c == '-' || c >= 0x80)
      continue;
    out[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  out[k] = 0;
  if (is && k == 1 && out[0] == 'c')
    memcpy(out, "isc", 4);
}

/* Whether word w (of n bytes) occurs in a space-separated list. */
static bool rx_word_in(const char *list, const char *w, size_t n) {
  for (const char *p = list; (p = strstr(p, w)) != NULL; p++)
    if (p > list && p[-1] == ' ' && (p[n] == ' ' || p[n] == 0))
      return true;
  return false;
}

/*
** Finds norm in a table of "Canonical alias..." strings: it matches the
** normalized canonical name or an alias. Returns the entry or NULL.
*/
static const char *rx_table_find(const char *const *tab, size_t n,
                                 const char *norm) {
  size_t len = strlen(norm);
  for (size_t k = 0; k < n; k++) {
    const char *e = tab[k] + (tab[k][0] == '-');
    size_t w = strcspn(e, " ");
    char canon[40];
    if (w < sizeof canon) {
      rx_normalize(e, w, canon);
      if (strcmp(canon, norm) == 0)
        return tab[k];
    }
    if (len && rx_word_in(e + w, norm, len))
      return tab[k];
  }
  return NULL;
}

/* A NUL-terminated arena copy of the first word of a table entry. */
static const char *rx_name(rx *r, const char *e, size_t w) {
  char *c = rx_alloc(r, w + 1);
  if (c) {
    memcpy(c, e, w);
    c[w] = 0;
  }
  return c;
}

/* The class of a general category given by its table entry. */
static int rx_gc_class(rx *r, const char *e, rx_cv *out) {
  size_t w = strcspn(e, " ");
  static const rx_item lc[] = {RX_P("Lu"), RX_P("Ll"), RX_P("Lt")};
  rx_item one = RX_P(NULL);
  rx_cv a, b;
  if (w == 1 && e[0] == 'C') { /* RE2's \p{C} lacks Cn */
    if (cv_make(r, &a, false, true, rx_assigned_items, 4) ||
        cv_make(r, &b, true, true, rx_assigned_items, 10))
      return -1;
    return cv_union(r, out, &a, &b);
  }
  if (w == 2 && memcmp(e, "LC", 2) == 0)
    return cv_make(r, out, false, true, lc, 3);
  if (w == 2 && memcmp(e, "Cn", 2) == 0)
    return cv_make(r, out, true, true, rx_assigned_items, 10);
  if (w == 8 && memcmp(e, "Assigned", 8) == 0)
    return cv_make(r, out, false, true, rx_assigned_items, 10);
  if (w == 3 && memcmp(e, "Any", 3) == 0)
    return cv_range(r, out, 0, RX_MAXCP, true);
  if (w == 5 && memcmp(e, "ASCII", 5) == 0)
    return cv_range(r, out, 0, 0x7F, false);
  one.prop = rx_name(r, e, w);
  return one.prop ? cv_make(r, out, false, true, &one, 1) : -1;
}

#define RX_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* An empty class, standing in after a soft failure. */
static int rx_none(rx_cv *out) {
  memset(out, 0, sizeof *out);
  return 0;
}

/* A script by normalized name: a Pos term of \p{Script}. */
static int rx_script_class(rx *r, const char *norm, rx_cv *out) {
  const char *e = rx_table_find(rx_scripts, RX_NELEM(rx_scripts), norm);
  rx_item one = RX_P(NULL);
  if (!e)
    return rx_invalid(r, "unknown Unicode property");
  if (e[0] == '-') {
    rx_soft(r, BDL_REGEX_UNSUPPORTED, "Unicode script unknown to RE2");
    return rx_none(out);
  }
  one.prop = rx_name(r, e, strcspn(e, " "));
  return one.prop ? cv_make(r, out, false, true, &one, 1) : -1;
}

/* A Rust binary property: four we can write out, the rest unsupported. */
static int rx_bool_class(rx *r, const char *norm, rx_cv *out) {
  static const rx_item hex[] = {
      RX_W('0', '9'),       RX_W('A', 'F'),       RX_W('a', 'f'),
      RX_W(0xFF10, 0xFF19), RX_W(0xFF21, 0xFF26), RX_W(0xFF41, 0xFF46),
  };
  static const rx_item join = RX_W(0x200C, 0x200D);
  size_t len = strlen(norm);
  if (rx_word_in(" whitespace space wspace ", norm, len))
    return cv_make(r, out, false, true, rx_space_items,
                   RX_NELEM(rx_space_items));
  if (rx_word_in(" joincontrol joinc ", norm, len))
    return cv_make(r, out, false, true, &join, 1);
  if (rx_word_in(" asciihexdigit ahex ", norm, len))
    return cv_make(r, out, false, true, hex, 3);
  if (rx_word_in(" hexdigit hex ", norm, len))
    return cv_make(r, out, false, true, hex, 6);
  rx_soft(r, BDL_REGEX_UNSUPPORTED, "Unicode binary property unsupported");
  return rx_none(out);
}

/*
** Rust's canonical_binary, for \pX and \p{X}: a binary property (but cf,
** sc and lc are general categories), then a general category, a script.
*/
static int rx_prop_binary(rx *r, const char *norm, rx_cv *out) {
  size_t len = strlen(norm);
  const char *e;
  if (len && strcmp(norm, "cf") && strcmp(norm, "sc") && strcmp(norm, "lc") &&
      rx_word_in(rx_bool_props, norm, len))
    return rx_bool_class(r, norm, out);
  e = rx_table_find(rx_gc_names, RX_NELEM(rx_gc_names), norm);
  if (e)
    return rx_gc_class(r, e, out);
  return rx_script_class(r, norm, out);
}

/* Rust's ByValue query, for \p{name=value}, \p{name:value}, \p{n!=v}. */
static int rx_prop_value(rx *r, const char *name, const char *value,
                         rx_cv *out) {
  const char *e;
  size_t len = strlen(name);
  if (!strcmp(name, "gc") || !strcmp(name, "generalcategory")) {
    e = rx_table_find(rx_gc_names, RX_NELEM(rx_gc_names), value);
    return e ? rx_gc_class(r, e, out)
             : rx_invalid(r, "unknown Unicode property value");
  }
  if (!strcmp(name, "sc") || !strcmp(name, "script"))
    return rx_script_class(r, value, out);
  if (len && rx_word_in(" scx scriptextensions age gcb graphemeclusterbreak"
                        " wb wordbreak sb sentencebreak ",
                        name, len)) {
    rx_soft(r, BDL_REGEX_UNSUPPORTED, "Unicode property unsupported");
    return rx_none(out);
  }
  return rx_invalid(r, "unknown Unicode property");
}

/*
** Resolves the text of \p{text} (or the letter of \pX): split at "!=",
** else ':', else '=' into a property and a value, as Rust does.
*/
static int rx_prop_lookup(rx *r, const char *text, size_t n, bool one,
                          bool *noteq, rx_cv *out) {
  char a[BDL_REGEX_MAX_PATTERN + 4], b[BDL_REGEX_MAX_PATTERN + 4];
  const char *ne = NULL, *sep = NULL;
  *noteq = false;
  if (memchr(text, 0, n))
    return rx_invalid(r, "unknown Unicode property");
  if (!one) {
    for (size_t k = 0; k + 1 < n && !ne; k++)
      if (text[k] == '!' && text[k + 1] == '=')
        ne = text + k;
    sep = ne ? ne : memchr(text, ':', n);
    if (!sep)
      sep = memchr(text, '=', n);
  }
  if (!sep) {
    rx_normalize(text, n, a);
    return rx_prop_binary(r, a, out);
  }
  *noteq = ne != NULL;
  rx_normalize(text, (size_t)(sep - text), a);
  sep += ne ? 2 : 1;
  rx_normalize(sep, n - (size_t)(sep - text), b);
  return rx_prop_value(r, a, b, out);
}

/* \p{..}, \pX, \P..: Rust's parse_unicode_class, then the lookup. */
static int rx_unicode_class(rx *r, rx_cv *out) {
  char name[BDL_REGEX_MAX_PATTERN + 4];
  size_t k = 0, w;
  bool neg = rx_cur(r) == 'P', one = false, noteq;
  if (!rx_bump2(r))
    return rx_invalid(r, "incomplete escape sequence");
  if (rx_cur(r) == '{') {
    while (rx_bump2(r) && rx_cur(r) != '}') {
      rx_dec(r, r->i, &w);
      memcpy(name + k, r->p + r->i, w);
      k += w;
    }
    if (rx_eof(r))
      return rx_invalid(r, "incomplete escape sequence");
    rx_bump(r);
  } else {
    if (rx_cur(r) == '\\')
      return rx_invalid(r, "invalid Unicode class");
    rx_dec(r, r->i, &w);
    memcpy(name, r->p + r->i, w);
    k = w;
    one = true;
    rx_bump2(r);
  }
  if (rx_prop_lookup(r, name, k, one, &noteq, out))
    return -1;
  if (!(r->fl & FL_UNI))
    return rx_invalid(r, "Unicode classes need Unicode mode");
  if (neg != noteq && cv_negate(r, out, out))
    return rx_cv_recover(r, out);
  return 0;
}

/* \d \s \w and their negations, Unicode-aware unless (?-u). */
static int rx_perl(rx *r, uint32_t c, rx_cv *out) {
  static const rx_item nd = RX_P("Nd");
  bool neg = c < 'a';
  rx_item it = nd;
  c |= 0x20;
  if (!(r->fl & FL_UNI)) {
    if (neg)
      return rx_invalid(r, "pattern can match invalid UTF-8");
    rx_none(out);
    rx_bits_set(out->b, c == 's' ? 9 : '0', c == 's' ? 13 : '9');
    if (c == 's')
      rx_bits_set(out->b, ' ', ' ');
    if (c == 'w') {
      rx_bits_set(out->b, 'A', 'Z');
      rx_bits_set(out->b, 'a', 'z');
      rx_bits_set(out->b, '_', '_');
    }
    return 0;
  }
  if (c == 'd') {
    it.neg = neg;
    return cv_make(r, out, false, true, &it, 1);
  }
  if (c == 's')
    return neg ? cv_make(r, out, false, true, rx_nonspace_items,
                         RX_NELEM(rx_nonspace_items))
               : cv_make(r, out, false, true, rx_space_items,
                         RX_NELEM(rx_space_items));
  return cv_make(r, out, neg, true, rx_word_items, RX_NELEM(rx_word_items));
}

/* ============================================================ escapes */

static int rx_hexval(uint32_t c) {
  if (c >= '0' && c <= '9')
    return (int)(c - '0');
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
    return (int)((c | 0x20) - 'a' + 10);
  return -1;
}

/* \xHH, \uHHHH, \UHHHHHHHH and \x{..}: Rust's parse_hex. */
static int rx_hex(rx *r, rx_prim *pr) {
  uint32_t kind = rx_cur(r), v = 0, digits = 0;
  uint32_t nd = kind == 'x' ? 2 : kind == 'u' ? 4 : 8;
  bool over = false;
  pr->kind = PR_LIT;
  if (!rx_bump2(r))
    return rx_invalid(r, "incomplete escape sequence");
  if (rx_cur(r) == '{') {
    while (rx_bump2(r) && rx_cur(r) != '}') {
      int d = rx_hexval(rx_cur(r));
      if (d < 0)
        return rx_invalid(r, "invalid hex digit");
      over = over || v > RX_MAXCP;
      v = over ? v : v * 16 + (uint32_t)d;
      digits++;
    }
    if (rx_eof(r))
      return rx_invalid(r, "incomplete escape sequence");
    rx_bump2(r);
    if (digits == 0)
      return rx_invalid(r, "empty hex escape");
  } else {
    for (uint32_t k = 0; k < nd; k++) {
      int d = k > 0 && !rx_bump2(r) ? -2 : rx_hexval(rx_cur(r));
      if (d < 0)
        return rx_invalid(r, d == -2 ? "incomplete escape sequence"
                                     : "invalid hex digit");
      v = v * 16 + (uint32_t)d;
    }
    rx_bump2(r);
    pr->xbyte = kind == 'x';
  }
  if (over || v > RX_MAXCP || (v >= 0xD800 && v <= 0xDFFF))
    return rx_invalid(r, "invalid Unicode scalar value");
  pr->c = v;
  return 0;
}

/* \b{start} and friends: valid Rust, but RE2 has no such assertions. */
static int rx_wb_special(rx *r) {
  size_t save = r->i, k = 0;
  char w[16];
  if (!rx_bump2(r))
    return rx_invalid(r, "incomplete special word boundary");
  if (!(((rx_cur(r) | 0x20) >= 'a' && (rx_cur(r) | 0x20) <= 'z') ||
        rx_cur(r) == '-')) {
    r->i = save; /* a counted repetition of \b */
    return 0;
  }
  while (!rx_eof(r) &&
         (((rx_cur(r) | 0x20) >= 'a' && (rx_cur(r) | 0x20) <= 'z') ||
          rx_cur(r) == '-')) {
    w[k < 15 ? k++ : k] = (char)rx_cur(r);
    rx_bump2(r);
  }
  w[k] = 0;
  if (rx_eof(r) || rx_cur(r) != '}')
    return rx_invalid(r, "unclosed special word boundary");
  rx_bump(r);
  if (!strcmp(w, "start") || !strcmp(w, "end") || !strcmp(w, "start-half") ||
      !strcmp(w, "end-half")) {
    rx_soft(r, BDL_REGEX_UNSUPPORTED, "special word boundary unsupported");
    return 0;
  }
  return rx_invalid(r, "unrecognized special word boundary");
}

/* The letter escapes that are assertions. */
static int rx_escape_assert(rx *r, uint32_t c, rx_prim *pr) {
  bool uni = r->fl & FL_UNI;
  pr->kind = PR_ASSERT;
  switch (c) {
  case 'A':
    pr->as = "\\A";
    return 0;
  case 'z':
    pr->as = "\\z";
    return 0;
  case 'b':
    pr->as = "\\b";
    r->wb |= uni ? WB_UNI : WB_ASC_b;
    return !rx_eof(r) && rx_cur(r) == '{' ? rx_wb_special(r) : 0;
  case 'B':
    pr->as = "\\B";
    r->wb |= uni ? WB_UNI : WB_ASC_B;
    return 0;
  case '<':
  case '>':
    pr->as = "\\b";
    rx_soft(r, BDL_REGEX_UNSUPPORTED, "word start/end assertion unsupported");
    return 0;
  }
  return rx_invalid(r, "unrecognized escape sequence");
}

/* After a backslash: Rust's parse_escape. */
static int rx_escape(rx *r, rx_prim *pr) {
  static const char special[] = "a\007f\014t\011n\012r\015v\013";
  uint32_t c;
  memset(pr, 0, sizeof *pr);
  if (!rx_bump(r))
    return rx_invalid(r, "incomplete escape sequence");
  c = rx_cur(r);
  if (c >= '0' && c <= '9')
    return rx_invalid(r, "backreferences are not supported");
  if (c == 'x' || c == 'u' || c == 'U')
    return rx_hex(r, pr);
  pr->kind = PR_CLASS;
  if (c == 'p' || c == 'P')
    return rx_unicode_class(r, &pr->cv);
  if ((c | 0x20) == 'd' || (c | 0x20) == 's' || (c | 0x20) == 'w') {
    rx_bump(r);
    return rx_perl(r, c, &pr->cv);
  }
  rx_bump(r);
  pr->kind = PR_LIT;
  pr->c = c;
  if (c < 0x80 && !rx_is_alnum(c) && c != '<' && c != '>')
    return 0; /* a meta or superfluous escape */
  for (size_t k = 0; k + 1 < sizeof special; k += 2)
    if (c == (unsigned char)special[k]) {
      pr->c = (unsigned char)special[k + 1];
      return 0;
    }
  return rx_escape_assert(r, c, pr);
}

/* ====================================================== main atoms */

static int rx_emit_assert(rx *r, const char *as) {
  size_t at = r->out.len;
  rx_put(r, as);
  return rx_item_push(r, K_ASSERT, 0, at);
}

static int rx_dot(rx *r) {
  size_t at;
  if (!(r->fl & FL_UNI))
    return rx_invalid(r, "pattern can match invalid UTF-8");
  at = rx_atom_begin(r);
  rx_put(r, (r->fl & FL_S)   ? "(?s:.)"
            : (r->fl & FL_R) ? "[^\\n\\r]"
                             : "[^\\n]");
  return rx_atom_end(r, at);
}

/* ^ and $: text anchors, or line anchors under (?m). */
static int rx_anchor(rx *r, uint32_t c) {
  if (!(r->fl & FL_M))
    return rx_emit_assert(r, c == '^' ? "\\A" : "\\z");
  if (r->fl & FL_R)
    rx_soft(r, BDL_REGEX_UNSUPPORTED, "CRLF line anchors unsupported");
  return rx_emit_assert(r, c == '^' ? "(?m:^)" : "(?m:$)");
}

/* A literal, escape, dot or anchor outside classes. */
static int rx_primitive(rx *r) {
  uint32_t c = rx_cur(r);
  bx_arena_mark m = bx_arena_save(&r->ar);
  rx_prim pr;
  int rc;
  memset(&pr, 0, sizeof pr);
  if (c == '\\') {
    if (rx_escape(r, &pr))
      return -1;
  } else {
    rx_bump(r);
    if (c == '.')
      return rx_dot(r);
    if (c == '^' || c == '$')
      return rx_anchor(r, c);
    pr.kind = PR_LIT;
    pr.c = c;
  }
  if (pr.kind == PR_LIT && pr.xbyte && pr.c > 0x7F && !(r->fl & FL_UNI))
    return rx_invalid(r, "pattern can match invalid UTF-8");
  rc = pr.kind == PR_LIT     ? rx_emit_char(r, pr.c)
       : pr.kind == PR_CLASS ? rx_emit_cv(r, &pr.cv, 0)
                             : rx_emit_assert(r, pr.as);
  bx_arena_rollback(&r->ar, m);
  return rc;
}

/* =========================================================== classes */

static rx_cframe *rx_ctop(rx *r) {
  return &r->cf[r->ncf - 1];
}

/* Height of the open bracket's union, as ClassSetUnion::into_item. */
static uint32_t rx_union_h(const rx_cframe *f) {
  return f->un == 0 ? 0 : f->un == 1 ? f->uh : 1 + f->uh;
}

static int rx_cls_add(rx *r, const rx_cv *v, uint32_t h) {
  rx_cframe *f = rx_ctop(r);
  if (cv_union(r, &f->u, &f->u, v))
    return rx_cv_recover(r, &f->u);
  f->un++;
  f->uh = rx_max(f->uh, h);
  return 0;
}

/* The class of lo..hi; in (?-u) mode only ASCII is allowed. */
static int rx_cls_lit(rx *r, const rx_prim *a, const rx_prim *b, rx_cv *out) {
  if (!(r->fl & FL_UNI)) {
    if ((a->xbyte && a->c > 0x7F) || (b->xbyte && b->c > 0x7F))
      return rx_invalid(r, "pattern can match invalid UTF-8");
    if (a->c > 0x7F || b->c > 0x7F)
      return rx_invalid(r, "non-ASCII character in a (?-u) class");
    rx_none(out);
    rx_bits_set(out->b, a->c, b->c);
    return 0;
  }
  return cv_range(r, out, a->c, b->c, false);
}

/* An escape or character as a class item. */
static int rx_cls_add_prim(rx *r, const rx_prim *p) {
  rx_cv v;
  if (p->kind == PR_ASSERT)
    return rx_invalid(r, "invalid escape in a character class");
  if (p->kind == PR_LIT && rx_cls_lit(r, p, p, &v))
    return -1;
  return rx_cls_add(r, p->kind == PR_LIT ? &v : &p->cv, 0);
}

static int rx_cls_char(rx *r, uint32_t c) {
  rx_prim p;
  memset(&p, 0, sizeof p);
  p.c = c;
  return rx_cls_add_prim(r, &p);
}

/* '[' opens a bracket: Rust's parse_set_class_open. */
static int rx_cls_open(rx *r) {
  rx_cframe *f;
  if (r->ncf >= BDL_REGEX_MAX_NEST)
    return rx_invalid(r, "nest limit exceeded");
  if (!rx_bump2(r))
    return rx_invalid(r, "unclosed character class");
  f = &r->cf[r->ncf++];
  memset(f, 0, sizeof *f);
  if (rx_cur(r) == '^') {
    f->neg = true;
    if (!rx_bump2(r))
      return rx_invalid(r, "unclosed character class");
  }
  while (rx_cur(r) == '-') {
    if (rx_cls_char(r, '-'))
      return -1;
    if (!rx_bump2(r))
      return rx_invalid(r, "unclosed character class");
  }
  if (f->un == 0 && rx_cur(r) == ']') {
    if (rx_cls_char(r, ']'))
      return -1;
    if (!rx_bump2(r))
      return rx_invalid(r, "unclosed character class");
  }
  return 0;
}

/* ']' closes a bracket: apply a pending operation, fold, negate. */
static int rx_cls_close(rx *r, rx_cv *val, uint32_t *h) {
  rx_cframe *f = rx_ctop(r);
  rx_cv set = f->u;
  uint32_t sh = rx_union_h(f);
  if (f->op) {
    if (cv_op(r, f->op, &set, &f->lhs, &set) && rx_cv_recover(r, &set))
      return -1;
    sh = 1 + rx_max(f->lh, sh);
  }
  if (!(r->fl & FL_UNI)) {
    if (r->fl & FL_I)
      rx_fold_bits(set.b, NULL, NULL);
    if (f->neg)
      return rx_invalid(r, "pattern can match invalid UTF-8");
  } else if (f->neg && cv_negate(r, &set, &set) && rx_cv_recover(r, &set)) {
    return -1;
  }
  rx_bump(r);
  r->ncf--;
  *val = set;
  *h = sh + 1;
  return rx_check_h(r, *h);
}

/* "&&", "--" or "~~": the union so far becomes an operand (left assoc). */
static int rx_cls_op(rx *r, int op) {
  rx_cframe *f = rx_ctop(r);
  rx_cv rhs = f->u;
  uint32_t rh = rx_union_h(f);
  if (f->op) {
    if (cv_op(r, f->op, &f->lhs, &f->lhs, &rhs) && rx_cv_recover(r, &f->lhs))
      return -1;
    f->lh = 1 + rx_max(f->lh, rh);
  } else {
    f->lhs = rhs;
    f->lh = rh;
  }
  f->op = op;
  rx_none(&f->u);
  f->un = f->uh = 0;
  return rx_check_h(r, f->lh);
}

static const struct {
  const char *name;
  unsigned char rg[8];
  unsigned n;
} rx_ascii_classes[] = {
    {"alnum", {'0', '9', 'A', 'Z', 'a', 'z'}, 3},
    {"alpha", {'A', 'Z', 'a', 'z'}, 2},
    {"ascii", {0, 0x7F}, 1},
    {"blank", {'\t', '\t', ' ', ' '}, 2},
    {"cntrl", {0, 0x1F, 0x7F, 0x7F}, 2},
    {"digit", {'0', '9'}, 1},
    {"graph", {'!', '~'}, 1},
    {"lower", {'a', 'z'}, 1},
    {"print", {' ', '~'}, 1},
    {"punct", {'!', '/', ':', '@', '[', '`', '{', '~'}, 4},
    {"space", {'\t', '\r', ' ', ' '}, 2},
    {"upper", {'A', 'Z'}, 1},
    {"word", {'0', '9', 'A', 'Z', 'a', 'z', '_', '_'}, 4},
    {"xdigit", {'0', '9', 'A', 'F', 'a', 'f'}, 3},
};

/* The value of [:name:] or [:^name:] (k indexes rx_ascii_classes). */
static int rx_ascii_value(rx *r, size_t k, bool neg, rx_cv *out) {
  rx_item it[4];
  unsigned n = rx_ascii_classes[k].n;
  const unsigned char *rg = rx_ascii_classes[k].rg;
  rx_none(out);
  if (!(r->fl & FL_UNI)) {
    for (unsigned j = 0; j < n; j++)
      rx_bits_set(out->b, rg[2 * j], rg[2 * j + 1]);
    if (r->fl & FL_I)
      rx_fold_bits(out->b, NULL, NULL);
    return neg ? rx_invalid(r, "pattern can match invalid UTF-8") : 0;
  }
  for (unsigned j = 0; j < n; j++)
    it[j] = (rx_item)RX_W(rg[2 * j], rg[2 * j + 1]);
  return cv_make(r, out, neg, false, it, n);
}

/* [:alpha:] inside a class: Rust's maybe_parse_ascii_class. */
static int rx_cls_ascii(rx *r, rx_cv *v, bool *found) {
  size_t save = r->i, ns;
  bool neg = false;
  *found = false;
  if (!rx_bump(r) || rx_cur(r) != ':' || !rx_bump(r))
    goto none;
  if (rx_cur(r) == '^') {
    neg = true;
    if (!rx_bump(r))
      goto none;
  }
  ns = r->i;
  while (rx_cur(r) != ':' && rx_bump(r))
    ;
  if (rx_eof(r))
    goto none;
  for (size_t k = 0; k < RX_NELEM(rx_ascii_classes); k++) {
    const char *nm = rx_ascii_classes[k].name;
    if (strlen(nm) == r->i - ns && !memcmp(nm, r->p + ns, r->i - ns) &&
        rx_bump_if(r, ":]")) {
      *found = true;
      return rx_ascii_value(r, k, neg, v);
    }
  }
none:
  r->i = save;
  return 0;
}

static int rx_cls_item(rx *r, rx_prim *p) {
  if (rx_cur(r) == '\\')
    return rx_escape(r, p);
  memset(p, 0, sizeof *p);
  p->c = rx_cur(r);
  rx_bump(r);
  return 0;
}

/* An item or a range a-b: Rust's parse_set_class_range. */
static int rx_cls_range(rx *r) {
  rx_prim a, b;
  rx_cv v;
  int64_t pk;
  if (rx_cls_item(r, &a))
    return -1;
  rx_skip_space(r);
  if (rx_eof(r))
    return rx_invalid(r, "unclosed character class");
  pk = rx_peek_space(r);
  if (rx_cur(r) != '-' || pk == ']' || pk == '-')
    return rx_cls_add_prim(r, &a);
  if (!rx_bump2(r))
    return rx_invalid(r, "unclosed character class");
  if (rx_cls_item(r, &b))
    return -1;
  if (a.kind != PR_LIT || b.kind != PR_LIT)
    return rx_invalid(r, "invalid range boundary in a character class");
  if (a.c > b.c)
    return rx_invalid(r, "invalid character class range");
  if (rx_cls_lit(r, &a, &b, &v))
    return -1;
  return rx_cls_add(r, &v, 0);
}

/* A whole bracketed class, from its '[': Rust's parse_set_class. */
static int rx_class(rx *r) {
  bx_arena_mark m = bx_arena_save(&r->ar);
  rx_cv v;
  uint32_t h = 0;
  bool found;
  int rc;
  r->ncf = 0;
  if (rx_cls_open(r))
    return -1;
  for (;;) {
    uint32_t c;
    rx_skip_space(r);
    if (rx_eof(r))
      return rx_invalid(r, "unclosed character class");
    c = rx_cur(r);
    if (c == '[') {
      if (rx_cls_ascii(r, &v, &found))
        return -1;
      rc = found ? rx_cls_add(r, &v, 0) : rx_cls_open(r);
    } else if (c == ']') {
      if (rx_cls_close(r, &v, &h))
        return -1;
      if (r->ncf == 0)
        break;
      rc = rx_cls_add(r, &v, h);
    } else if ((c == '&' || c == '-' || c == '~') && rx_peek(r) == c) {
      r->i += 2;
      rc = rx_cls_op(r, (int)c);
    } else {
      rc = rx_cls_range(r);
    }
    if (rc)
      return -1;
  }
  rc = rx_emit_cv(r, &v, h);
  bx_arena_rollback(&r->ar, m);
  return rc;
}

/* ============================================================ groups */

/* A capture name up to '>': Rust's parse_capture_name, then dropped. */
static int rx_cap_name(rx *r) {
  size_t start = r->i, len;
  bool ascii = true;
  if (rx_eof(r))
    return rx_invalid(r, "unexpected end of group name");
  for (;;) {
    uint32_t c = rx_cur(r);
    bool first = r->i == start;
    if (c == '>')
      break;
    if (c >= 0x80)
      ascii = false;
    else if (!(c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
               (!first &&
                (rx_is_alnum(c) || c == '.' || c == '[' || c == ']'))))
      return rx_invalid(r, "invalid group name");
    if (!rx_bump(r))
      break;
  }
  if (rx_eof(r))
    return rx_invalid(r, "unexpected end of group name");
  len = r->i - start;
  rx_bump(r);
  if (len == 0)
    return rx_invalid(r, "empty group name");
  for (uint32_t k = 0; k < r->nnames; k++)
    if (r->name_len[k] == len &&
        !memcmp(r->p + r->name_off[k], r->p + start, len))
      return rx_invalid(r, "duplicate group name");
  if (r->nnames == RX_MAX_NAMES)
    return rx_fail(r, BDL_REGEX_LIMIT, "too many group names");
  r->name_off[r->nnames] = (uint32_t)start;
  r->name_len[r->nnames++] = (uint32_t)len;
  if (!ascii)
    rx_soft(r, BDL_REGEX_UNSUPPORTED, "non-ASCII group name");
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
  while (rx_cur(r) != ':' && rx_cur(r) != ')') {
    uint32_t c = rx_cur(r);
    unsigned bit = rx_flag_bit(c);
    if (c == '-' && neg)
      return rx_invalid(r, "repeated negation in flags");
    if (c != '-' && !bit)
      return rx_invalid(r, "unrecognized flag");
    if (bit & seen)
      return rx_invalid(r, "duplicate flag");
    seen |= bit;
    neg = neg || c == '-';
    last_neg = c == '-';
    fl = neg ? fl & ~bit : fl | bit;
    (*nitems)++;
    if (!rx_bump(r))
      return rx_invalid(r, "unexpected end of flags");
  }
  if (last_neg)
    return rx_invalid(r, "dangling flag negation");
  *out = fl;
  return 0;
}

static int rx_push_group(rx *r, unsigned fl) {
  rx_frame *f;
  if (r->nfr > BDL_REGEX_MAX_NEST)
    return rx_invalid(r, "nest limit exceeded");
  f = &r->fr[r->nfr++];
  memset(f, 0, sizeof *f);
  f->saved = r->fl;
  f->open = r->out.len;
  r->fl = fl;
  rx_put(r, "(?:");
  return 0;
}

/* '(': Rust's parse_group. Flag-only groups emit nothing. */
static int rx_group_open(rx *r) {
  unsigned fl;
  uint32_t nitems, end;
  rx_bump(r);
  rx_skip_space(r);
  if (rx_bump_if(r, "?=") || rx_bump_if(r, "?!") || rx_bump_if(r, "?<=") ||
      rx_bump_if(r, "?<!"))
    return rx_invalid(r, "look-around is not supported");
  if (rx_bump_if(r, "?P<") || rx_bump_if(r, "?<"))
    return rx_cap_name(r) ? -1 : rx_push_group(r, r->fl);
  if (!rx_bump_if(r, "?"))
    return rx_push_group(r, r->fl);
  if (rx_eof(r))
    return rx_invalid(r, "unclosed group");
  if (rx_flags(r, &fl, &nitems))
    return -1;
  end = rx_cur(r);
  rx_bump(r);
  if (end == ':')
    return rx_push_group(r, fl);
  if (nitems == 0)
    return rx_invalid(r, "empty flag group");
  r->fl = fl;
  return rx_item_push(r, K_FLAGS, 0, r->out.len);
}

static int rx_group_close(rx *r) {
  rx_frame *f = rx_top(r);
  uint32_t h;
  size_t open;
  if (r->nfr == 1)
    return rx_invalid(r, "unopened group");
  h = rx_concat_h(f);
  if (f->nalts)
    h = 1 + rx_max(f->halt, h);
  r->fl = f->saved;
  open = f->open;
  r->nfr--;
  rx_put(r, ")");
  rx_bump(r);
  return rx_item_push(r, K_ATOM, h + 1, open);
}

static int rx_alt(rx *r) {
  rx_frame *f = rx_top(r);
  f->halt = rx_max(f->halt, rx_concat_h(f));
  f->nalts++;
  f->nitems = f->hmax = f->hlast = 0;
  f->kind = K_NONE;
  rx_put(r, "|");
  rx_bump(r);
  return rx_check_h(r, 1 + f->halt);
}

/* ======================================================= repetition */

/*
** Before an operator: there must be an item to repeat; a repeated item
** or an assertion is wrapped first, since RE2 rejects `a**`.
*/
static int rx_rep_pre(rx *r) {
  rx_frame *f = rx_top(r);
  if (f->kind == K_NONE || f->kind == K_FLAGS)
    return rx_invalid(r, "repetition operator missing expression");
  if (f->kind == K_REP || f->kind == K_ASSERT) {
    rx_insert(r, f->atom, "(?:");
    rx_put(r, ")");
  }
  return 0;
}

static int rx_rep_post(rx *r, bool lazy) {
  rx_frame *f = rx_top(r);
  if (lazy != ((r->fl & FL_U) != 0))
    rx_put(r, "?");
  f->kind = K_REP;
  f->hlast++;
  return rx_check_h(r, rx_concat_h(f));
}

static int rx_rep(rx *r) {
  char op[2] = {(char)rx_cur(r), 0};
  bool lazy;
  if (rx_rep_pre(r))
    return -1;
  lazy = rx_bump(r) && rx_cur(r) == '?';
  if (lazy)
    rx_bump(r);
  rx_put(r, op);
  return rx_rep_post(r, lazy);
}

/* A count of {m,n}; Rust skips whitespace around it even without x. */
static int rx_decimal(rx *r, uint32_t *v) {
  uint64_t acc = 0;
  uint32_t nd = 0;
  while (!rx_eof(r) && rx_is_space(rx_cur(r)))
    rx_bump(r);
  while (!rx_eof(r) && rx_cur(r) >= '0' && rx_cur(r) <= '9') {
    if (acc <= UINT32_MAX)
      acc = acc * 10 + (rx_cur(r) - '0');
    nd++;
    rx_bump2(r);
  }
  while (!rx_eof(r) && rx_is_space(rx_cur(r)))
    rx_bump2(r);
  if (nd == 0)
    return rx_invalid(r, "missing repetition count");
  if (acc > UINT32_MAX)
    return rx_invalid(r, "repetition count too big");
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
  if (!rx_bump2(r))
    return rx_invalid(r, "unclosed counted repetition");
  if (rx_decimal(r, &lo))
    return -1;
  if (!rx_eof(r) && rx_cur(r) == ',') {
    if (!rx_bump2(r))
      return rx_invalid(r, "unclosed counted repetition");
    kind = rx_cur(r) == '}' ? 1 : 2;
    if (kind == 2 && rx_decimal(r, &hi))
      return -1;
  }
  if (rx_eof(r) || rx_cur(r) != '}')
    return rx_invalid(r, "unclosed counted repetition");
  lazy = rx_bump2(r) && rx_cur(r) == '?';
  if (lazy)
    rx_bump(r);
  if (kind == 2 && lo > hi)
    return rx_invalid(r, "invalid repetition range");
  if (lo > BDL_REGEX_MAX_REPEAT || hi > BDL_REGEX_MAX_REPEAT)
    rx_soft(r, BDL_REGEX_LIMIT, "repetition count over 1000");
  rx_put(r, "{");
  rx_put_uint(r, lo);
  rx_put(r, kind == 0 ? "}" : kind == 1 ? ",}" : ",");
  if (kind == 2) {
    rx_put_uint(r, hi);
    rx_put(r, "}");
  }
  return rx_rep_post(r, lazy);
}

/* ============================================================== parse */

static int rx_finish(rx *r) {
  rx_frame *f = rx_top(r);
  if (r->nfr > 1)
    return rx_invalid(r, "unclosed group");
  if (f->nalts && rx_check_h(r, 1 + rx_max(f->halt, rx_concat_h(f))))
    return -1;
  if ((r->wb & WB_UNI) && (r->wb & (WB_ASC_B | WB_ASC_b)))
    rx_soft(r, BDL_REGEX_UNSUPPORTED,
            "Unicode and ASCII word boundaries in one pattern");
  return 0;
}

/* The main loop: Rust's parse_with_comments, without recursion. */
static int rx_parse(rx *r) {
  for (;;) {
    int rc;
    rx_skip_space(r);
    if (rx_eof(r))
      break;
    switch (rx_cur(r)) {
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
      rc = rx_class(r);
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
    rx_put(r, "\\A(?:" RX_MARK "(?s:.)" RX_MARK ")*?(?:");
  rx_parse(r);
  if (enc)
    rx_put(r, ")");
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
