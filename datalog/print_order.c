/*
** Printing order for authorizer sources (see print_int.h for why).
**
** The reference's dump_code prints builder objects. A builder set or map
** orders strings as text. A builder expression is printed after
** conversion into a fresh default symbol table: its strings, variables,
** closure parameters and extern names are interned in conversion order
** (ops in order; a closure's parameters, then its body; a set's items
** and a map's entries in builder order) and its sets and maps then order
** by those fresh ids. Default symbols keep their ids (0..27).
**
** Known approximation: collections nested inside an element being
** compared are compared in stored order.
*/
#include <string.h>

#include "datalog/print_int.h"

void bdl_print_order_text(bdl_print_order *o) {
  memset(o, 0, sizeof *o);
  o->mode = BDL_ORDER_TEXT;
}

void bdl_print_order_free(bdl_print_order *o) {
  bx_free(o->ids);
  bx_free(o->ranks);
  memset(o, 0, sizeof *o);
}

/* ------------------------------------------------------------ rank table */

static size_t slot_of(const bdl_print_order *o, uint32_t id) {
  size_t mask = o->cap - 1, i = (size_t)bx_hash_u64(id) & mask;
  while (o->ids[i] != BDL_NOSYM && o->ids[i] != id)
    i = (i + 1) & mask;
  return i;
}

static uint32_t rank_of(const bdl_print_order *o, uint32_t id) {
  if (id < BDL_N_DEFAULT_SYMBOLS || o->cap == 0)
    return id;
  size_t i = slot_of(o, id);
  /* never assigned: after every assigned one, in id order */
  return o->ids[i] == id ? o->ranks[i] : UINT32_MAX / 2 + id / 2;
}

static bool rank_grow(bdl_print_order *o) {
  size_t cap = o->cap ? o->cap * 2 : 16;
  if (cap > SIZE_MAX / sizeof(uint32_t))
    return false;
  uint32_t *ids = bx_malloc(cap * sizeof *ids);
  uint32_t *ranks = bx_malloc(cap * sizeof *ranks);
  if (!ids || !ranks) {
    bx_free(ids);
    bx_free(ranks);
    return false;
  }
  memset(ids, 0xff, cap * sizeof *ids); /* BDL_NOSYM everywhere */
  bdl_print_order old = *o;
  o->ids = ids;
  o->ranks = ranks;
  o->cap = cap;
  for (size_t i = 0; i < old.cap; i++) {
    if (old.ids[i] == BDL_NOSYM)
      continue;
    size_t s = slot_of(o, old.ids[i]);
    o->ids[s] = old.ids[i];
    o->ranks[s] = old.ranks[i];
  }
  bx_free(old.ids);
  bx_free(old.ranks);
  return true;
}

/* Intern `id` into the simulated fresh table. */
static bool rank_assign(bdl_print_order *o, uint32_t id) {
  if (id < BDL_N_DEFAULT_SYMBOLS)
    return true;
  if ((o->n + 1) * 2 > o->cap && !rank_grow(o))
    return false;
  size_t i = slot_of(o, id);
  if (o->ids[i] == id)
    return true;
  o->ids[i] = id;
  o->ranks[i] = (uint32_t)(BDL_N_DEFAULT_SYMBOLS + o->n++);
  return true;
}

/* ------------------------------------------------------------- comparing */

static int cmp_u32(uint32_t a, uint32_t b) { return a < b ? -1 : a > b; }

static int cmp_text(const bdl_env *e, uint32_t a, uint32_t b) {
  size_t la = 0, lb = 0;
  const char *sa = bdl_symtab_str(e->syms, a, &la);
  const char *sb = bdl_symtab_str(e->syms, b, &lb);
  if (!sa || !sb)
    return cmp_u32(a, b);
  size_t n = la < lb ? la : lb;
  int c = n ? memcmp(sa, sb, n) : 0;
  if (c)
    return c < 0 ? -1 : 1;
  return la < lb ? -1 : la > lb;
}

/* Scalars in the order's sense; anything else in stored order. */
static int cmp_flat(const bdl_print_order *o, const bdl_env *e,
                    const bdl_term *a, const bdl_term *b) {
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  if (a->kind != BDL_STR && a->kind != BDL_VAR)
    return bdl_term_cmp(a, b);
  if (o->mode == BDL_ORDER_TEXT)
    return cmp_text(e, a->id, b->id);
  return cmp_u32(rank_of(o, a->id), rank_of(o, b->id));
}

/* One level of collections compared item by item (see the header). */
static int cmp_term(const bdl_print_order *o, const bdl_env *e,
                    const bdl_term *a, const bdl_term *b) {
  if (a->kind != b->kind ||
      (a->kind != BDL_SET && a->kind != BDL_ARRAY && a->kind != BDL_MAP))
    return cmp_flat(o, e, a, b);
  size_t w = a->kind == BDL_MAP ? 2 : 1;
  size_t na = a->v.coll->n * w, nb = b->v.coll->n * w;
  for (size_t i = 0; i < na && i < nb; i++) {
    int c = cmp_flat(o, e, &a->v.coll->items[i], &b->v.coll->items[i]);
    if (c)
      return c;
  }
  return na < nb ? -1 : na > nb;
}

/*
** Indexes of a set's items or a map's entries (by key), sorted in the
** order's sense: a bottom-up merge sort, no recursion, n log n.
*/
uint32_t *bdl_print_order_perm(const bdl_print_order *o, const bdl_env *e,
                               const bdl_term *t) {
  const bdl_coll *c = t->v.coll;
  size_t n = c->n, w = t->kind == BDL_MAP ? 2 : 1;
  uint32_t *p = bx_malloc((n ? n : 1) * sizeof *p);
  uint32_t *tmp = bx_malloc((n ? n : 1) * sizeof *tmp);
  if (!p || !tmp) {
    bx_free(p);
    bx_free(tmp);
    return NULL;
  }
  for (size_t i = 0; i < n; i++)
    p[i] = (uint32_t)i;
  for (size_t run = 1; run < n; run *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * run) {
      size_t mid = lo + run < n ? lo + run : n;
      size_t hi = lo + 2 * run < n ? lo + 2 * run : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        tmp[k++] = cmp_term(o, e, &c->items[p[j] * w],
                            &c->items[p[i] * w]) < 0
                       ? p[j++]
                       : p[i++];
      while (i < mid)
        tmp[k++] = p[i++];
      while (j < hi)
        tmp[k++] = p[j++];
    }
    memcpy(p, tmp, n * sizeof *p);
  }
  bx_free(tmp);
  return p;
}

/* ------------------------------------------------- numbering expressions */

typedef struct walk {
  bdl_print_order *o;
  const bdl_env *e;
  const bdl_term **terms; /* pending terms, LIFO */
  size_t n_terms, cap_terms;
} walk;

static bool walk_push(walk *w, const bdl_term *t) {
  if (!bx_grow((void **)&w->terms, &w->cap_terms, w->n_terms + 1,
               sizeof *w->terms))
    return false;
  w->terms[w->n_terms++] = t;
  return true;
}

/* Schedule a collection's items in builder (text) order, LIFO. */
static bool walk_coll(walk *w, const bdl_term *t) {
  bdl_print_order text;
  bdl_print_order_text(&text);
  const bdl_coll *c = t->v.coll;
  uint32_t *p = NULL;
  if (t->kind != BDL_ARRAY && !(p = bdl_print_order_perm(&text, w->e, t)))
    return false;
  bool ok = true;
  for (uint32_t k = c->n; ok && k-- > 0;) {
    uint32_t i = p ? p[k] : k;
    if (t->kind == BDL_MAP)
      ok = walk_push(w, &c->items[2 * (size_t)i + 1]) &&
           walk_push(w, &c->items[2 * (size_t)i]);
    else
      ok = walk_push(w, &c->items[i]);
  }
  bx_free(p);
  return ok;
}

/* Intern a value's strings and variables depth first, as convert does. */
static bool walk_term(walk *w, const bdl_term *root) {
  bool ok = walk_push(w, root);
  while (ok && w->n_terms > 0) {
    const bdl_term *t = w->terms[--w->n_terms];
    if (t->kind == BDL_STR || t->kind == BDL_VAR)
      ok = rank_assign(w->o, t->id);
    else if (t->kind == BDL_SET || t->kind == BDL_ARRAY ||
             t->kind == BDL_MAP)
      ok = walk_coll(w, t);
  }
  return ok;
}

typedef struct opframe {
  const bdl_op *ops;
  uint32_t n, pos;
} opframe;

/* One op in conversion order: a value's terms, an extern name, or a
   closure's parameters (its body becomes the next frame). */
static bool walk_op(walk *w, const bdl_op *op, opframe **fr, size_t *nf,
                    size_t *cap) {
  if (op->type == BDL_OP_VALUE)
    return walk_term(w, &op->u.value);
  if ((op->type == BDL_OP_UNARY && op->kind == BDL_U_FFI) ||
      (op->type == BDL_OP_BINARY && op->kind == BDL_B_FFI))
    return rank_assign(w->o, op->ffi);
  if (op->type != BDL_OP_CLOSURE || !op->u.closure)
    return true;
  const bdl_closure *c = op->u.closure;
  for (uint32_t i = 0; i < c->n_params && c->params; i++)
    if (!rank_assign(w->o, c->params[i]))
      return false;
  if (!c->ops || !bx_grow((void **)fr, cap, *nf + 1, sizeof **fr))
    return c->ops == NULL;
  opframe f = {c->ops, c->n_ops, 0};
  (*fr)[(*nf)++] = f;
  return true;
}

/* Number an expression's symbols as the reference's conversion into a
   fresh table would: ops in order, closures depth first, no recursion. */
bool bdl_print_order_expr(bdl_print_order *o, const bdl_env *e,
                          const bdl_expr *x) {
  memset(o, 0, sizeof *o);
  o->mode = BDL_ORDER_RANK;
  walk w = {o, e, NULL, 0, 0};
  opframe *fr = NULL;
  size_t nf = 0, cap = 0;
  bool ok = true;
  if (x && x->ops && bx_grow((void **)&fr, &cap, 1, sizeof *fr)) {
    opframe f = {x->ops, x->n_ops, 0};
    fr[nf++] = f;
  } else if (x && x->ops) {
    ok = false;
  }
  while (ok && nf > 0) {
    opframe *f = &fr[nf - 1];
    if (f->pos == f->n)
      nf--;
    else
      ok = walk_op(&w, &f->ops[f->pos++], &fr, &nf, &cap);
  }
  bx_free(fr);
  bx_free(w.terms);
  if (!ok)
    bdl_print_order_free(o);
  return ok;
}
