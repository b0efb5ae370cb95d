/*
** Expression operations on sets, arrays and maps (spec "Data types",
** "Operations"; reference datalog/expression.rs). Sets are sorted by the
** term order and maps by key, so membership and key lookup are binary
** searches and set algebra is a linear merge. Every element touched is
** charged to the work budget; every collection produced is capped at
** max_coll_len (TooLarge).
*/
#include <string.h>

#include "datalog/expr_int.h"

/* Index of `key` among n items spaced `stride` apart, or -1. */
static long find(const bdl_term *items, uint32_t n, uint32_t stride,
                 const bdl_term *key) {
  uint32_t lo = 0, hi = n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int c = bdl_term_cmp(&items[(size_t)mid * stride], key);
    if (c == 0)
      return (long)mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

/* log2(n) + 1: the comparisons a binary search may make. */
static uint64_t search_cost(uint32_t n) {
  uint64_t c = 1;
  while (n >>= 1)
    c++;
  return c;
}

/* a ⊇ b for two sorted, deduplicated sets: one merge pass. */
static bool superset(const bdl_coll *a, const bdl_coll *b) {
  uint32_t i = 0;
  for (uint32_t j = 0; j < b->n; j++) {
    int c = -1;
    while (i < a->n && (c = bdl_term_cmp(&a->items[i], &b->items[j])) < 0)
      i++;
    if (c != 0)
      return false;
    i++;
  }
  return true;
}

/* set.contains(): superset for a set, membership for a scalar; a set
   never holds null, arrays or maps, which are InvalidType. */
static biscuit_status set_contains(bdl_vm *vm, const bdl_term *a,
                                   const bdl_term *b, bdl_term *out) {
  const bdl_coll *s = a->v.coll;
  biscuit_status st;
  switch (b->kind) {
  case BDL_SET:
    st = bdl_vm_charge(vm, (uint64_t)s->n + b->v.coll->n);
    if (st == BISCUIT_OK)
      *out = bdl_bool(superset(s, b->v.coll));
    return st;
  case BDL_INT:
  case BDL_DATE:
  case BDL_BOOL:
  case BDL_STR:
  case BDL_BYTES:
    st = bdl_vm_charge(vm, search_cost(s->n) * (1 + bdl_xcoll_weight(b)));
    if (st == BISCUIT_OK)
      *out = bdl_bool(find(s->items, s->n, 1, b) >= 0);
    return st;
  default:
    return bdl_vm_type_error(vm, ".contains()", a, b);
  }
}

/* array.contains(x): element equality, so [1,2].contains([1]) is false. */
static biscuit_status array_contains(bdl_vm *vm, const bdl_term *a,
                                     const bdl_term *b, bdl_term *out) {
  const bdl_coll *arr = a->v.coll;
  biscuit_status st =
      bdl_vm_charge(vm, (uint64_t)arr->n * (1 + bdl_xcoll_weight(b)));
  if (st != BISCUIT_OK)
    return st;
  bool r = false;
  for (uint32_t i = 0; i < arr->n && !r; i++)
    r = bdl_term_eq(&arr->items[i], b);
  *out = bdl_bool(r);
  return BISCUIT_OK;
}

/*
** x.contains(y) for a set, array or map (strings are in expr_ops.c).
** Maps: key membership; a key of another type is simply false.
*/
biscuit_status bdl_xcoll_contains(bdl_vm *vm, const bdl_term *a,
                                  const bdl_term *b, bdl_term *out) {
  const bdl_coll *m;
  biscuit_status st;
  switch (a->kind) {
  case BDL_SET:
    return set_contains(vm, a, b, out);
  case BDL_ARRAY:
    return array_contains(vm, a, b, out);
  case BDL_MAP:
    m = a->v.coll;
    st = bdl_vm_charge(vm, search_cost(m->n));
    if (st != BISCUIT_OK)
      return st;
    *out = bdl_bool((b->kind == BDL_INT || b->kind == BDL_STR) &&
                    find(m->items, m->n, 2, b) >= 0);
    return BISCUIT_OK;
  default:
    return bdl_vm_type_error(vm, ".contains()", a, b);
  }
}

/*
** Merge two sorted sets into `out` (union or intersection), at most `cap`
** items. Returns the count, or cap + 1 when the result would not fit.
*/
static size_t merge(const bdl_coll *a, const bdl_coll *b, bool uni,
                    bdl_term *out, size_t cap) {
  uint32_t i = 0, j = 0;
  size_t k = 0;
  while (i < a->n || j < b->n) {
    int c = i == a->n   ? 1
            : j == b->n ? -1
                        : bdl_term_cmp(&a->items[i], &b->items[j]);
    const bdl_term *t = c <= 0 ? &a->items[i] : &b->items[j];
    i += c <= 0;
    j += c >= 0;
    if (!uni && c != 0)
      continue;
    if (k == cap)
      return cap + 1;
    out[k++] = *t;
  }
  return k;
}

/* The items a set may hold (spec: no variables, no sets). */
static bool set_items_ok(const bdl_term *items, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (items[i].kind == BDL_VAR || items[i].kind == BDL_SET)
      return false;
  return true;
}

/*
** x.union(y), x.intersection(y) on two sets. Scratch space is on the C
** stack for small results, else on the heap, freed on every path.
*/
biscuit_status bdl_xcoll_setop(bdl_vm *vm, uint32_t kind, const bdl_term *a,
                               const bdl_term *b, bdl_term *out) {
  bool uni = kind == BDL_B_UNION;
  if (a->kind != BDL_SET || b->kind != BDL_SET)
    return bdl_vm_type_error(vm, uni ? ".union()" : ".intersection()", a, b);
  const bdl_coll *x = a->v.coll, *y = b->v.coll;
  biscuit_status st = bdl_vm_charge(vm, (uint64_t)x->n + y->n);
  if (st != BISCUIT_OK)
    return st;
  size_t need = uni ? (size_t)x->n + y->n : (x->n < y->n ? x->n : y->n);
  size_t cap = need < vm->max_coll ? need : vm->max_coll;
  bdl_term small[16];
  bdl_term *buf = cap <= 16 ? small : bx_malloc(cap * sizeof *buf);
  if (!buf)
    return bdl_vm_alloc_error(vm, BISCUIT_E_NOMEM);
  size_t n = merge(x, y, uni, buf, cap);
  if (n > cap)
    st = bdl_vm_fail(vm, BISCUIT_E_LIMIT, "TooLarge",
                     "set of more than %zu elements", vm->max_coll);
  else if (!set_items_ok(buf, n))
    st = bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "InvalidType",
                     "a set may not hold variables or sets");
  else if ((st = bdl_make_set(vm->c->env, buf, n, out)) != BISCUIT_OK)
    st = bdl_vm_alloc_error(vm, st);
  if (buf != small)
    bx_free(buf);
  return st;
}

/* [..].starts_with([..]), [..].ends_with([..]): slice equality. */
biscuit_status bdl_xcoll_affix(bdl_vm *vm, uint32_t kind, const bdl_term *a,
                               const bdl_term *b, bdl_term *out) {
  bool pre = kind == BDL_B_PREFIX;
  if (a->kind != BDL_ARRAY || b->kind != BDL_ARRAY)
    return bdl_vm_type_error(vm, pre ? ".starts_with()" : ".ends_with()", a, b);
  const bdl_coll *x = a->v.coll, *y = b->v.coll;
  biscuit_status st = bdl_vm_charge(vm, y->n);
  if (st != BISCUIT_OK)
    return st;
  bool r = y->n <= x->n;
  uint32_t off = pre || !r ? 0 : x->n - y->n;
  for (uint32_t i = 0; r && i < y->n; i++)
    r = bdl_term_eq(&x->items[off + i], &y->items[i]);
  *out = bdl_bool(r);
  return BISCUIT_OK;
}

/*
** x.get(i) (v3.3+): an array index (out of range or negative gives null,
** as the reference's usize conversion does; sample test034), or a map key
** (missing gives null). Other operand types are InvalidType.
*/
biscuit_status bdl_xcoll_get(bdl_vm *vm, const bdl_term *a, const bdl_term *b,
                             bdl_term *out) {
  if (a->kind == BDL_ARRAY && b->kind == BDL_INT) {
    const bdl_coll *x = a->v.coll;
    bool in = b->v.i >= 0 && (uint64_t)b->v.i < x->n;
    *out = in ? x->items[b->v.i] : bdl_null();
    return BISCUIT_OK;
  }
  if (a->kind == BDL_MAP && (b->kind == BDL_INT || b->kind == BDL_STR)) {
    const bdl_coll *m = a->v.coll;
    biscuit_status st = bdl_vm_charge(vm, search_cost(m->n));
    if (st != BISCUIT_OK)
      return st;
    long i = find(m->items, m->n, 2, b);
    *out = i >= 0 ? m->items[2 * (size_t)i + 1] : bdl_null();
    return BISCUIT_OK;
  }
  return bdl_vm_type_error(vm, ".get()", a, b);
}
