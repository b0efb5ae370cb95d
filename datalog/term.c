/*
** Terms: ordering, hashing and the immutable objects (bytes, sets, arrays,
** maps) that large terms point to. The order is the reference's derived
** order (kind first, then value; strings by symbol id), which is also the
** order sets and maps are stored and printed in.
*/
#include <stdlib.h>
#include <string.h>

#include "datalog/datalog.h"

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }
static int cmp_i64(int64_t a, int64_t b) { return a < b ? -1 : a > b; }

static int cmp_bytes(const bdl_bytes *a, const bdl_bytes *b) {
  size_t n = a->len < b->len ? a->len : b->len;
  int c = n ? memcmp(a->data, b->data, n) : 0;
  return c ? (c < 0 ? -1 : 1) : cmp_u64(a->len, b->len);
}

/* Lexicographic over items (maps: key, value, key, value...). */
static int cmp_coll(const bdl_coll *a, const bdl_coll *b, uint32_t width) {
  if (a == b)
    return 0;
  size_t na = (size_t)a->n * width, nb = (size_t)b->n * width;
  size_t n = na < nb ? na : nb;
  for (size_t i = 0; i < n; i++) {
    int c = bdl_term_cmp(&a->items[i], &b->items[i]);
    if (c)
      return c;
  }
  return cmp_u64(na, nb);
}

int bdl_term_cmp(const bdl_term *a, const bdl_term *b) {
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  switch ((bdl_kind)a->kind) {
  case BDL_VAR:
  case BDL_STR:
  case BDL_BOOL:
    return cmp_u64(a->id, b->id);
  case BDL_INT:
    return cmp_i64(a->v.i, b->v.i);
  case BDL_DATE:
    return cmp_u64(a->v.date, b->v.date);
  case BDL_BYTES:
    return a->v.bytes == b->v.bytes ? 0 : cmp_bytes(a->v.bytes, b->v.bytes);
  case BDL_SET:
  case BDL_ARRAY:
    return cmp_coll(a->v.coll, b->v.coll, 1);
  case BDL_MAP:
    return cmp_coll(a->v.coll, b->v.coll, 2);
  case BDL_NULL:
    return 0;
  }
  return 0;
}

uint64_t bdl_term_hash(const bdl_term *t) {
  uint64_t h = bx_hash_u64(t->kind + 1);
  switch ((bdl_kind)t->kind) {
  case BDL_VAR:
  case BDL_STR:
  case BDL_BOOL:
    return bx_hash_mix(h, t->id);
  case BDL_INT:
  case BDL_DATE:
    return bx_hash_mix(h, t->v.date);
  case BDL_BYTES:
    return bx_hash_mix(h, t->v.bytes->hash);
  case BDL_SET:
  case BDL_ARRAY:
  case BDL_MAP:
    return bx_hash_mix(h, t->v.coll->hash);
  case BDL_NULL:
    return h;
  }
  return h;
}

bool bdl_term_has_var(const bdl_term *t) {
  if (t->kind == BDL_VAR)
    return true;
  if (t->kind != BDL_SET && t->kind != BDL_ARRAY && t->kind != BDL_MAP)
    return false;
  /* Nesting is bounded by the parser and decoder depth limits. */
  const bdl_coll *c = t->v.coll;
  size_t n = (size_t)c->n * (t->kind == BDL_MAP ? 2 : 1);
  for (size_t i = 0; i < n; i++)
    if (bdl_term_has_var(&c->items[i]))
      return true;
  return false;
}

/* ---------------------------------------------------------------- objects */

static biscuit_status arena_status(const bdl_env *e) {
  return e->arena.over_cap ? BISCUIT_E_LIMIT : BISCUIT_E_NOMEM;
}

biscuit_status bdl_make_bytes(bdl_env *e, const uint8_t *p, size_t n,
                              bdl_term *out) {
  if (n > UINT32_MAX)
    return BISCUIT_E_LIMIT;
  bdl_bytes *b = bx_arena_alloc(&e->arena, sizeof *b + n);
  if (!b)
    return arena_status(e);
  b->len = (uint32_t)n;
  if (n)
    memcpy(b->data, p, n);
  b->hash = bx_hash_bytes(p, n, 0xb17e5);
  out->kind = BDL_BYTES;
  out->id = 0;
  out->v.bytes = b;
  return BISCUIT_OK;
}

static bdl_coll *new_coll(bdl_env *e, const bdl_term *items, size_t n_items,
                          uint32_t n) {
  bdl_coll *c = bx_arena_alloc(&e->arena, sizeof *c);
  bdl_term *it = bx_arena_alloc(&e->arena, n_items * sizeof *it);
  if (!c || !it)
    return NULL;
  if (n_items)
    memcpy(it, items, n_items * sizeof *it);
  c->n = n;
  c->pad_ = 0;
  c->items = it;
  return c;
}

static void hash_coll(bdl_coll *c, uint32_t kind, size_t n_items) {
  uint64_t h = bx_hash_u64(kind * 0x100 + 7);
  for (size_t i = 0; i < n_items; i++)
    h = bx_hash_mix(h, bdl_term_hash(&c->items[i]));
  c->hash = h;
}

static int qcmp_term(const void *a, const void *b) {
  return bdl_term_cmp(a, b);
}

biscuit_status bdl_make_set(bdl_env *e, const bdl_term *items, size_t n,
                            bdl_term *out) {
  if (n > UINT32_MAX)
    return BISCUIT_E_LIMIT;
  bdl_coll *c = new_coll(e, items, n, (uint32_t)n);
  if (!c)
    return arena_status(e);
  qsort(c->items, n, sizeof *c->items, qcmp_term);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (k == 0 || !bdl_term_eq(&c->items[k - 1], &c->items[i]))
      c->items[k++] = c->items[i];
  c->n = (uint32_t)k;
  hash_coll(c, BDL_SET, k);
  out->kind = BDL_SET;
  out->id = 0;
  out->v.coll = c;
  return BISCUIT_OK;
}

biscuit_status bdl_make_array(bdl_env *e, const bdl_term *items, size_t n,
                              bdl_term *out) {
  if (n > UINT32_MAX)
    return BISCUIT_E_LIMIT;
  bdl_coll *c = new_coll(e, items, n, (uint32_t)n);
  if (!c)
    return arena_status(e);
  hash_coll(c, BDL_ARRAY, n);
  out->kind = BDL_ARRAY;
  out->id = 0;
  out->v.coll = c;
  return BISCUIT_OK;
}

/* Map entries sort by key; a stable sort keeps insertion order among equal
   keys so the last duplicate can win. */
static void sort_entries(bdl_term *kv, size_t n) {
  for (size_t i = 1; i < n; i++) {
    bdl_term k = kv[2 * i], v = kv[2 * i + 1];
    size_t j = i;
    while (j > 0 && bdl_term_cmp(&kv[2 * (j - 1)], &k) > 0) {
      kv[2 * j] = kv[2 * (j - 1)];
      kv[2 * j + 1] = kv[2 * (j - 1) + 1];
      j--;
    }
    kv[2 * j] = k;
    kv[2 * j + 1] = v;
  }
}

biscuit_status bdl_make_map(bdl_env *e, const bdl_term *kv, size_t n,
                            bdl_term *out) {
  if (n > UINT32_MAX / 2)
    return BISCUIT_E_LIMIT;
  bdl_coll *c = new_coll(e, kv, 2 * n, (uint32_t)n);
  if (!c)
    return arena_status(e);
  sort_entries(c->items, n); /* n is capped (1024) by callers */
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (k > 0 && bdl_term_eq(&c->items[2 * (k - 1)], &c->items[2 * i]))
      k--; /* later duplicate replaces the earlier */
    c->items[2 * k] = c->items[2 * i];
    c->items[2 * k + 1] = c->items[2 * i + 1];
    k++;
  }
  c->n = (uint32_t)k;
  hash_coll(c, BDL_MAP, 2 * k);
  out->kind = BDL_MAP;
  out->id = 0;
  out->v.coll = c;
  return BISCUIT_OK;
}

biscuit_status bdl_make_str(bdl_env *e, const char *s, size_t n,
                            bdl_term *out) {
  uint32_t id = bdl_symtab_intern(e->syms, s, n);
  if (id == BDL_NOSYM)
    return bdl_symtab_over_cap(e->syms) ? BISCUIT_E_LIMIT : BISCUIT_E_NOMEM;
  *out = bdl_str(id);
  return BISCUIT_OK;
}
