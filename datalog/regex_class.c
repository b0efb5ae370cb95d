/*
** Character classes of the Rust-to-RE2 translation (regex_syntax.c):
** bracketed classes with their nesting, ranges, [:ascii:] classes and
** the set operations &&, -- and ~~, and how a class value is written.
**
** Classes are kept as a union of RE2 classes, `[items]` or `[^items]`,
** where an item is a range or a \p/\P property: enough to express \W
** inside a class, negated nested classes and the set operations &&, --
** and ~~ without Unicode tables, since RE2 can intersect complements
** (`[^\P{L}\P{Greek}]` is L && Greek). Case folding is left to RE2
** (`(?i:...)` around each atom), which folds before negating as Rust
** does; a range is complemented by hand only when it is known closed
** under folding or is ASCII (folded here, with K and ſ).
*/
#include <string.h>

#include "datalog/regex_int.h"

/* ===================================================== class values */

/*
** A class is a union of terms. A positive term [items] keeps its ranges
** first, sorted, then its properties; the ranges together form one
** "unit" and each property another, and intersections distribute over
** units. `fc` says a term's set is known closed under simple case
** folding as a whole (built-in sets), so it can be complemented as is
** under (?i).
*/

void *bdl_rx_alloc(rx *r, size_t n) {
  void *p = bx_arena_alloc(&r->ar, n ? n : 1);
  if (!p)
    bdl_rx_fail(r, r->ar.over_cap ? BDL_REGEX_LIMIT : BDL_REGEX_NOMEM,
                r->ar.over_cap ? "character class too complex"
                               : "out of memory");
  return p;
}

static int rx_too_complex(rx *r) {
  return bdl_rx_fail(r, BDL_REGEX_LIMIT, "character class too complex");
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
  c = bdl_rx_alloc(r, n * sizeof *c);
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
int bdl_rx_cv_make(rx *r, rx_cv *out, bool neg, bool fc, const rx_item *it,
                   uint32_t n) {
  rx_term *t = bdl_rx_alloc(r, sizeof *t);
  if (!t || rx_term_set(r, t, neg, fc, it, n))
    return -1;
  memset(out, 0, sizeof *out);
  out->n = 1;
  out->t = t;
  return 0;
}

int bdl_rx_cv_range(rx *r, rx_cv *out, uint32_t lo, uint32_t hi, bool fc) {
  rx_item it = RX_W(lo, hi);
  return bdl_rx_cv_make(r, out, false, fc, &it, 1);
}

int bdl_rx_cv_union(rx *r, rx_cv *out, const rx_cv *a, const rx_cv *b) {
  uint32_t n = a->n + b->n;
  rx_term *t;
  if (n > RX_MAX_TERMS)
    return rx_too_complex(r);
  t = bdl_rx_alloc(r, n * sizeof *t);
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
      return bdl_rx_fail(r, BDL_REGEX_UNSUPPORTED,
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
  t = bdl_rx_alloc(r, n * sizeof *t);
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
int bdl_rx_cv_negate(rx *r, rx_cv *out, const rx_cv *a) {
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
    return bdl_rx_cv_make(r, out, false, a->t[lone].fc, a->t[lone].it,
                          a->t[lone].n);
  if (bdl_rx_cv_make(r, &res, true, false, pos, np))
    return -1;
  for (uint32_t k = 0; k < a->n; k++) {
    if (!a->t[k].neg)
      continue;
    if (bdl_rx_cv_make(r, &tmp, false, a->t[k].fc, a->t[k].it, a->t[k].n) ||
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
  if (bdl_rx_cv_negate(r, &nb, b) || cv_and(r, &x, a, &nb))
    return -1;
  if (op == '-') {
    *out = x;
    return 0;
  }
  if (bdl_rx_cv_negate(r, &na, a) || cv_and(r, &y, b, &na))
    return -1;
  return bdl_rx_cv_union(r, out, &x, &y);
}

/*
** A class operation refused for one of our own limits (not for memory)
** leaves an empty class and lets the parse go on, as bdl_rx_soft does, so
** that a pattern Rust rejects later still reads as INVALID.
*/
int bdl_rx_cv_recover(rx *r, rx_cv *v) {
  if (r->st == BDL_REGEX_NOMEM || r->st == BDL_REGEX_INVALID)
    return -1;
  bdl_rx_soft(r, r->st, r->why);
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
      bdl_rx_put(r, it->neg ? "\\P{" : "\\p{");
      bdl_rx_put(r, it->prop);
      bdl_rx_put(r, "}");
      continue;
    }
    bdl_rx_put_hex(r, it->lo);
    if (it->hi != it->lo) {
      bdl_rx_putc(r, '-');
      bdl_rx_put_hex(r, it->hi);
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
    bdl_rx_put(r, alts ? "(?:" : "[^\\x{0}-\\x{10FFFF}]");
  if (npos > 0) {
    bdl_rx_put(r, "[");
    for (uint32_t k = 0; k < cv->n; k++)
      if (!cv->t[k].neg)
        rx_put_items(r, &cv->t[k]);
    bdl_rx_put(r, rx_cv_case_pair(cv) ? "\\x{D800}]" : "]");
  }
  for (uint32_t k = 0; k < cv->n; k++) {
    if (!cv->t[k].neg)
      continue;
    if (sep)
      bdl_rx_put(r, "|");
    sep = true;
    if (cv->t[k].n == 0) /* the complement of nothing */
      bdl_rx_put(r, "[\\x{0}-\\x{10FFFF}]");
    bdl_rx_put(r, cv->t[k].n ? "[^" : "");
    rx_put_items(r, &cv->t[k]);
    bdl_rx_put(r, cv->t[k].n ? "]" : "");
  }
  if (alts > 1)
    bdl_rx_put(r, ")");
}

/* A (?-u) class: ASCII bits, already folded. */
static void rx_put_bits(rx *r, const uint64_t b[2]) {
  rx_item rg[70];
  uint32_t n = rx_bits_ranges(b, 0, 0, rg);
  if (n == 0) {
    bdl_rx_put(r, "[^\\x{0}-\\x{10FFFF}]");
    return;
  }
  bdl_rx_put(r, "[");
  for (uint32_t k = 0; k < n; k++) {
    bdl_rx_put_cp(r, rg[k].lo);
    if (rg[k].hi != rg[k].lo) {
      bdl_rx_putc(r, '-');
      bdl_rx_put_cp(r, rg[k].hi);
    }
  }
  bdl_rx_put(r, n == 2 && rg[0].lo == rg[0].hi && rg[1].lo == rg[1].hi &&
                        rx_case_pair(rg[0].lo, rg[1].lo)
                    ? "\\x{D800}]"
                    : "]");
}

/* A class value as one atom of the pattern. */
int bdl_rx_emit_cv(rx *r, const rx_cv *cv, uint32_t h) {
  size_t at = bdl_rx_atom_begin(r);
  if (!(r->fl & FL_UNI)) {
    rx_put_bits(r, cv->b);
  } else {
    if (r->fl & FL_I)
      bdl_rx_put(r, "(?i:");
    rx_put_cv(r, cv);
    if (r->fl & FL_I)
      bdl_rx_put(r, ")");
  }
  if (r->enc)
    bdl_rx_put(r, RX_MARK ")");
  return bdl_rx_item_push(r, K_ATOM, h, at);
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
  if (bdl_rx_cv_union(r, &f->u, &f->u, v))
    return bdl_rx_cv_recover(r, &f->u);
  f->un++;
  f->uh = rx_max(f->uh, h);
  return 0;
}

/* The class of lo..hi; in (?-u) mode only ASCII is allowed. */
static int rx_cls_lit(rx *r, const rx_prim *a, const rx_prim *b, rx_cv *out) {
  if (!(r->fl & FL_UNI)) {
    if ((a->xbyte && a->c > 0x7F) || (b->xbyte && b->c > 0x7F))
      return bdl_rx_invalid(r, "pattern can match invalid UTF-8");
    if (a->c > 0x7F || b->c > 0x7F)
      return bdl_rx_invalid(r, "non-ASCII character in a (?-u) class");
    rx_none(out);
    rx_bits_set(out->b, a->c, b->c);
    return 0;
  }
  return bdl_rx_cv_range(r, out, a->c, b->c, false);
}

/* An escape or character as a class item. */
static int rx_cls_add_prim(rx *r, const rx_prim *p) {
  rx_cv v;
  if (p->kind == PR_ASSERT)
    return bdl_rx_invalid(r, "invalid escape in a character class");
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
    return bdl_rx_invalid(r, "nest limit exceeded");
  if (!bdl_rx_bump2(r))
    return bdl_rx_invalid(r, "unclosed character class");
  f = &r->cf[r->ncf++];
  memset(f, 0, sizeof *f);
  if (bdl_rx_cur(r) == '^') {
    f->neg = true;
    if (!bdl_rx_bump2(r))
      return bdl_rx_invalid(r, "unclosed character class");
  }
  while (bdl_rx_cur(r) == '-') {
    if (rx_cls_char(r, '-'))
      return -1;
    if (!bdl_rx_bump2(r))
      return bdl_rx_invalid(r, "unclosed character class");
  }
  if (f->un == 0 && bdl_rx_cur(r) == ']') {
    if (rx_cls_char(r, ']'))
      return -1;
    if (!bdl_rx_bump2(r))
      return bdl_rx_invalid(r, "unclosed character class");
  }
  return 0;
}

/* ']' closes a bracket: apply a pending operation, fold, negate. */
static int rx_cls_close(rx *r, rx_cv *val, uint32_t *h) {
  rx_cframe *f = rx_ctop(r);
  rx_cv set = f->u;
  uint32_t sh = rx_union_h(f);
  if (f->op) {
    if (cv_op(r, f->op, &set, &f->lhs, &set) && bdl_rx_cv_recover(r, &set))
      return -1;
    sh = 1 + rx_max(f->lh, sh);
  }
  if (!(r->fl & FL_UNI)) {
    if (r->fl & FL_I)
      rx_fold_bits(set.b, NULL, NULL);
    if (f->neg)
      return bdl_rx_invalid(r, "pattern can match invalid UTF-8");
  } else if (f->neg && bdl_rx_cv_negate(r, &set, &set) &&
             bdl_rx_cv_recover(r, &set)) {
    return -1;
  }
  bdl_rx_bump(r);
  r->ncf--;
  *val = set;
  *h = sh + 1;
  return bdl_rx_check_h(r, *h);
}

/* "&&", "--" or "~~": the union so far becomes an operand (left assoc). */
static int rx_cls_op(rx *r, int op) {
  rx_cframe *f = rx_ctop(r);
  rx_cv rhs = f->u;
  uint32_t rh = rx_union_h(f);
  if (f->op) {
    if (cv_op(r, f->op, &f->lhs, &f->lhs, &rhs) &&
        bdl_rx_cv_recover(r, &f->lhs))
      return -1;
    f->lh = 1 + rx_max(f->lh, rh);
  } else {
    f->lhs = rhs;
    f->lh = rh;
  }
  f->op = op;
  rx_none(&f->u);
  f->un = f->uh = 0;
  return bdl_rx_check_h(r, f->lh);
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
    return neg ? bdl_rx_invalid(r, "pattern can match invalid UTF-8") : 0;
  }
  for (unsigned j = 0; j < n; j++)
    it[j] = (rx_item)RX_W(rg[2 * j], rg[2 * j + 1]);
  return bdl_rx_cv_make(r, out, neg, false, it, n);
}

/* [:alpha:] inside a class: Rust's maybe_parse_ascii_class. */
static int rx_cls_ascii(rx *r, rx_cv *v, bool *found) {
  size_t save = r->i, ns;
  bool neg = false;
  *found = false;
  if (!bdl_rx_bump(r) || bdl_rx_cur(r) != ':' || !bdl_rx_bump(r))
    goto none;
  if (bdl_rx_cur(r) == '^') {
    neg = true;
    if (!bdl_rx_bump(r))
      goto none;
  }
  ns = r->i;
  while (bdl_rx_cur(r) != ':' && bdl_rx_bump(r))
    ;
  if (rx_eof(r))
    goto none;
  for (size_t k = 0; k < RX_NELEM(rx_ascii_classes); k++) {
    const char *nm = rx_ascii_classes[k].name;
    if (strlen(nm) == r->i - ns && !memcmp(nm, r->p + ns, r->i - ns) &&
        bdl_rx_bump_if(r, ":]")) {
      *found = true;
      return rx_ascii_value(r, k, neg, v);
    }
  }
none:
  r->i = save;
  return 0;
}

static int rx_cls_item(rx *r, rx_prim *p) {
  if (bdl_rx_cur(r) == '\\')
    return bdl_rx_escape(r, p);
  memset(p, 0, sizeof *p);
  p->c = bdl_rx_cur(r);
  bdl_rx_bump(r);
  return 0;
}

/* An item or a range a-b: Rust's parse_set_class_range. */
static int rx_cls_range(rx *r) {
  rx_prim a, b;
  rx_cv v;
  int64_t pk;
  if (rx_cls_item(r, &a))
    return -1;
  bdl_rx_skip_space(r);
  if (rx_eof(r))
    return bdl_rx_invalid(r, "unclosed character class");
  pk = bdl_rx_peek_space(r);
  if (bdl_rx_cur(r) != '-' || pk == ']' || pk == '-')
    return rx_cls_add_prim(r, &a);
  if (!bdl_rx_bump2(r))
    return bdl_rx_invalid(r, "unclosed character class");
  if (rx_cls_item(r, &b))
    return -1;
  if (a.kind != PR_LIT || b.kind != PR_LIT)
    return bdl_rx_invalid(r, "invalid range boundary in a character class");
  if (a.c > b.c)
    return bdl_rx_invalid(r, "invalid character class range");
  if (rx_cls_lit(r, &a, &b, &v))
    return -1;
  return rx_cls_add(r, &v, 0);
}

/* A whole bracketed class, from its '[': Rust's parse_set_class. */
int bdl_rx_class(rx *r) {
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
    bdl_rx_skip_space(r);
    if (rx_eof(r))
      return bdl_rx_invalid(r, "unclosed character class");
    c = bdl_rx_cur(r);
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
    } else if ((c == '&' || c == '-' || c == '~') && bdl_rx_peek(r) == c) {
      r->i += 2;
      rc = rx_cls_op(r, (int)c);
    } else {
      rc = rx_cls_range(r);
    }
    if (rc)
      return -1;
  }
  rc = bdl_rx_emit_cv(r, &v, h);
  bx_arena_rollback(&r->ar, m);
  return rc;
}
