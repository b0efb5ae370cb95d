/*
** Private to the Rust-to-RE2 translation (regex_syntax.c, regex_class.c,
** regex_escape.c): the parser state, the class values and the helpers
** the three files share. See regex_syntax.c for the design.
*/
#ifndef BISCUIT_DATALOG_REGEX_INT_H
#define BISCUIT_DATALOG_REGEX_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "datalog/regex.h"
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

/* Class items: a range, or a property by its RE2 name. */
/* clang-format off */
#define RX_W(lo, hi) {lo, hi, NULL, false}
#define RX_P(name) {0, 0, name, false}
/* clang-format on */

#define RX_NELEM(a) (sizeof(a) / sizeof((a)[0]))

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

/* ============================================== small shared helpers */

static inline bool rx_eof(const rx *r) {
  return r->i >= r->n;
}

static inline bool rx_is_alnum(uint32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z');
}

static inline uint32_t rx_max(uint32_t a, uint32_t b) {
  return a > b ? a : b;
}

/* An empty class, standing in after a soft failure. */
static inline int rx_none(rx_cv *out) {
  memset(out, 0, sizeof *out);
  return 0;
}

static inline void rx_bits_set(uint64_t b[2], uint32_t lo, uint32_t hi) {
  for (uint32_t c = lo; c <= hi && c < 128; c++)
    b[c >> 6] |= 1ull << (c & 63);
}

/* ============================= regex_syntax.c: failures, input, output */

/* Failures: hard (the parse stops; returns -1) and soft (it goes on). */
int bdl_rx_fail(rx *r, bdl_regex_status st, const char *why);
int bdl_rx_invalid(rx *r, const char *why);
void bdl_rx_soft(rx *r, bdl_regex_status st, const char *why);

/* The pattern: decode, look at and move past characters (Rust's names). */
uint32_t bdl_rx_dec(const rx *r, size_t i, size_t *w);
uint32_t bdl_rx_cur(const rx *r);
bool bdl_rx_bump(rx *r);
int64_t bdl_rx_peek(const rx *r);
void bdl_rx_skip_space(rx *r);
bool bdl_rx_bump2(rx *r);
int64_t bdl_rx_peek_space(const rx *r);
bool bdl_rx_bump_if(rx *r, const char *s);

/* The RE2 output. */
void bdl_rx_put(rx *r, const char *s);
void bdl_rx_putc(rx *r, char c);
void bdl_rx_put_hex(rx *r, uint32_t c);
void bdl_rx_put_cp(rx *r, uint32_t c);

/* Nesting heights and atoms of the concatenation in progress. */
int bdl_rx_check_h(rx *r, uint32_t h);
int bdl_rx_item_push(rx *r, int kind, uint32_t h, size_t atom);
size_t bdl_rx_atom_begin(rx *r);

/* ================================== regex_class.c: character classes */

void *bdl_rx_alloc(rx *r, size_t n);
int bdl_rx_cv_make(rx *r, rx_cv *out, bool neg, bool fc, const rx_item *it,
                   uint32_t n);
int bdl_rx_cv_range(rx *r, rx_cv *out, uint32_t lo, uint32_t hi, bool fc);
int bdl_rx_cv_union(rx *r, rx_cv *out, const rx_cv *a, const rx_cv *b);
int bdl_rx_cv_negate(rx *r, rx_cv *out, const rx_cv *a);
int bdl_rx_cv_recover(rx *r, rx_cv *v);
/* A class value as one atom of the pattern. */
int bdl_rx_emit_cv(rx *r, const rx_cv *cv, uint32_t h);
/* A whole bracketed class, from its '['. */
int bdl_rx_class(rx *r);

/* ============================================= regex_escape.c: escapes */

/* After a backslash: Rust's parse_escape. */
int bdl_rx_escape(rx *r, rx_prim *pr);

#endif
