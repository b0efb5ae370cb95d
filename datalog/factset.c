/*
** Fact storage: relations of rows (terms + origin) with a dedup table and
** incrementally maintained hash indexes.
**
** The reference keeps `HashMap<Origin, HashSet<Fact>>` (datalog/mod.rs
** FactSet): a fact is identified by its terms *and* its origin, so the
** same fact under two origins is two rows. We keep that identity, but
** group rows by predicate instead of by origin, so a join only looks at
** the rows of the predicate it matches, and an index on the bound
** columns gives the candidate rows directly (perf-and-threats.md A3).
*/
#include <string.h>

#include "datalog/world_int.h"

#define MIN_SLOTS 16u

/* Hash of the key columns' values, in column order. */
static uint64_t key_hash(const bdl_term *const *vals, uint32_t n) {
  uint64_t h = 0x51ed270b27a1f3c5ULL;
  for (uint32_t i = 0; i < n; i++)
    h = bdl_fs_hash(h, vals[i]);
  return bx_hash_u64(h);
}

/* Dedup hash: every column, then the origin unless the relation ignores it. */
uint64_t bdl_rel_hash(const struct bdl_rel *r, const bdl_term *t,
                      bdl_origin o) {
  uint64_t h = 0x2545f4914f6cdd1dULL ^ r->arity;
  for (uint32_t i = 0; i < r->arity; i++)
    h = bdl_fs_hash(h, &t[i]);
  if (!r->terms_only)
    h = (h ^ o.w[0] ^ bx_hash_u64(o.w[1])) * 0x9e3779b97f4a7c15ULL;
  return bx_hash_u64(h);
}

static bool row_eq(const struct bdl_rel *r, uint32_t row, const bdl_term *t,
                   bdl_origin o) {
  if (!r->terms_only && !bdl_origin_eq(r->origins[row], o))
    return false;
  const bdl_term *a = bdl_row(r, row);
  for (uint32_t i = 0; i < r->arity; i++)
    if (!bdl_teq(&a[i], &t[i]))
      return false;
  return true;
}

void bdl_rel_init(struct bdl_rel *r, uint32_t name, uint32_t arity) {
  memset(r, 0, sizeof *r);
  r->name = name;
  r->arity = arity;
}

void bdl_rel_free(struct bdl_rel *r) {
  if (!r)
    return;
  bx_free(r->terms);
  bx_free(r->origins);
  bx_free(r->dslots);
  for (uint32_t i = 0; i < r->n_idx; i++) {
    bx_free(r->idx[i].slots);
    bx_free(r->idx[i].next);
  }
  bx_free(r->idx);
  memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------- dedup */

/* Find the dedup slot of (t, o): the row, or BDL_ROW_END with *pos free. */
static uint32_t dedup_find(const struct bdl_rel *r, const bdl_term *t,
                           bdl_origin o, uint64_t h, size_t *pos) {
  uint64_t h32 = h >> 32;
  size_t mask = r->n_dslots - 1;
  for (size_t i = h32 & mask;; i = (i + 1) & mask) {
    uint64_t s = r->dslots[i];
    if (!s) {
      *pos = i;
      return BDL_ROW_END;
    }
    uint32_t row = (uint32_t)(s & 0xffffffffu) - 1;
    if ((s >> 32) == h32 && row_eq(r, row, t, o))
      return row;
  }
}

static void dedup_put(uint64_t *slots, size_t n_slots, uint64_t s) {
  size_t mask = n_slots - 1;
  size_t i = (s >> 32) & mask;
  while (slots[i])
    i = (i + 1) & mask;
  slots[i] = s;
}

/* Keep the load factor under 1/2; slots carry their hash, so no rehash. */
static bool dedup_grow(struct bdl_rel *r) {
  if (((size_t)r->n_rows + 1) * 2 <= r->n_dslots)
    return true;
  size_t n = r->n_dslots ? r->n_dslots * 2 : MIN_SLOTS;
  uint64_t *slots = bx_calloc(n, sizeof *slots);
  if (!slots)
    return false;
  for (size_t i = 0; i < r->n_dslots; i++)
    if (r->dslots[i])
      dedup_put(slots, n, r->dslots[i]);
  bx_free(r->dslots);
  r->dslots = slots;
  r->n_dslots = n;
  return true;
}

bool bdl_rel_has(const struct bdl_rel *r, const bdl_term *terms, bdl_origin o,
                 uint64_t h) {
  size_t pos;
  if (!r->n_dslots)
    return false;
  return dedup_find(r, terms, o, h, &pos) != BDL_ROW_END;
}

/* Start loading the dedup slot of hash h (inserts are batched for this). */
void bdl_rel_prefetch(const struct bdl_rel *r, uint64_t h) {
  if (r->n_dslots)
    __builtin_prefetch(&r->dslots[(h >> 32) & (r->n_dslots - 1)]);
}

/* Remember o among the relation's distinct origins (until there are many). */
static void note_origin(struct bdl_rel *r, bdl_origin o) {
  if (r->many_orgs)
    return;
  for (uint32_t i = r->n_orgs; i-- > 0;)
    if (bdl_origin_eq(r->orgs[i], o))
      return;
  if (r->n_orgs == BDL_REL_ORGS)
    r->many_orgs = true;
  else
    r->orgs[r->n_orgs++] = o;
}

uint32_t bdl_rel_lookup(const struct bdl_rel *r, const bdl_term *const *key,
                        bdl_term *buf, uint32_t *rows) {
  uint32_t n = 0;
  if (!r->n_dslots)
    return 0;
  for (uint32_t i = 0; i < r->arity; i++)
    buf[i] = *key[i];
  for (uint32_t k = 0; k < r->n_orgs; k++) {
    size_t pos;
    uint32_t row = dedup_find(r, buf, r->orgs[k],
                              bdl_rel_hash(r, buf, r->orgs[k]), &pos);
    if (row == BDL_ROW_END)
      continue;
    uint32_t i = n++;
    for (; i > 0 && rows[i - 1] < row; i--) /* newest first */
      rows[i] = rows[i - 1];
    rows[i] = row;
  }
  return n;
}

/* ------------------------------------------------------------- indexes */

static uint64_t row_key_hash(const struct bdl_rel *r, uint32_t row,
                             uint64_t mask) {
  const bdl_term *t = bdl_row(r, row);
  const bdl_term *vals[64];
  uint32_t n = 0;
  while (mask) {
    vals[n++] = &t[__builtin_ctzll(mask)];
    mask &= mask - 1;
  }
  return key_hash(vals, n);
}

static bool key_eq(const struct bdl_rel *r, uint32_t row, uint64_t mask,
                   const bdl_term *const *key) {
  const bdl_term *t = bdl_row(r, row);
  for (uint32_t i = 0; mask; i++) {
    if (!bdl_teq(&t[__builtin_ctzll(mask)], key[i]))
      return false;
    mask &= mask - 1;
  }
  return true;
}

static bool row_key_eq(const struct bdl_rel *r, uint32_t a, uint32_t b,
                       uint64_t mask) {
  const bdl_term *ta = bdl_row(r, a), *tb = bdl_row(r, b);
  while (mask) {
    int c = __builtin_ctzll(mask);
    if (!bdl_teq(&ta[c], &tb[c]))
      return false;
    mask &= mask - 1;
  }
  return true;
}

static void ikey_put(struct bdl_ikey *slots, size_t n_slots,
                     struct bdl_ikey k) {
  size_t mask = n_slots - 1;
  size_t i = k.hash & mask;
  while (slots[i].head != BDL_ROW_END)
    i = (i + 1) & mask;
  slots[i] = k;
}

static bool ikey_alloc(struct bdl_index *x, size_t n) {
  struct bdl_ikey *slots = bx_malloc(n * sizeof *slots);
  if (!slots)
    return false;
  for (size_t i = 0; i < n; i++) {
    slots[i].head = BDL_ROW_END;
    slots[i].hash = 0;
    slots[i].n = 0;
  }
  for (size_t i = 0; i < x->n_slots; i++)
    if (x->slots[i].head != BDL_ROW_END)
      ikey_put(slots, n, x->slots[i]);
  bx_free(x->slots);
  x->slots = slots;
  x->n_slots = n;
  return true;
}

/*
** Link `row` into the index: in front of the chain of its key, so chains
** run from the newest row to the oldest. The slot table and the `next`
** array are grown beforehand (index_reserve).
*/
static void index_link(const struct bdl_rel *r, struct bdl_index *x,
                       uint32_t row, uint64_t h) {
  size_t mask = x->n_slots - 1;
  size_t i = h & mask;
  for (;; i = (i + 1) & mask) {
    struct bdl_ikey *k = &x->slots[i];
    if (k->head == BDL_ROW_END) {
      k->hash = h;
      k->head = row;
      k->n = 1;
      x->next[row] = BDL_ROW_END;
      x->n_keys++;
      return;
    }
    if (k->hash == h && row_key_eq(r, k->head, row, x->mask)) {
      x->next[row] = k->head;
      k->head = row;
      k->n++;
      return;
    }
  }
}

/* Room for one more row (and possibly one more key) in the index. */
static bool index_reserve(struct bdl_index *x, size_t cap_rows) {
  if (x->cap_next < cap_rows) {
    uint32_t *n = bx_realloc(x->next, cap_rows * sizeof *n);
    if (!n)
      return false;
    x->next = n;
    x->cap_next = cap_rows;
  }
  if ((x->n_keys + 1) * 2 > x->n_slots)
    return ikey_alloc(x, x->n_slots ? x->n_slots * 2 : MIN_SLOTS);
  return true;
}

/*
** Link rows [from, to) into an index sized for them: hashes are computed
** a chunk ahead and their slots prefetched, as the table of a large
** relation does not fit in cache.
*/
static void index_fill(const struct bdl_rel *r, struct bdl_index *x,
                       uint32_t from, uint32_t to) {
  uint64_t h[32];
  for (uint32_t base = from; base < to; base += 32) {
    uint32_t n = to - base < 32 ? to - base : 32;
    for (uint32_t i = 0; i < n; i++) {
      h[i] = row_key_hash(r, base + i, x->mask);
      __builtin_prefetch(&x->slots[h[i] & (x->n_slots - 1)]);
    }
    for (uint32_t i = 0; i < n; i++)
      index_link(r, x, base + i, h[i]);
  }
}

/*
** The index of `r` on `mask`, built over every existing row when new.
** Building costs one unit of work per row (*built), so a token with many
** checks asking for many indexes still pays for what it makes us do.
*/
int bdl_rel_index(struct bdl_rel *r, uint64_t mask, uint64_t *built) {
  for (uint32_t i = 0; i < r->n_idx; i++)
    if (r->idx[i].mask == mask)
      return (int)i;
  if (r->n_idx == r->cap_idx) {
    size_t cap = r->cap_idx;
    void *arr = r->idx;
    if (!bx_grow(&arr, &cap, (size_t)r->n_idx + 1, sizeof *r->idx))
      return -1;
    r->idx = arr;
    r->cap_idx = (uint32_t)cap;
  }
  struct bdl_index *x = &r->idx[r->n_idx];
  memset(x, 0, sizeof *x);
  x->mask = mask;
  size_t slots = MIN_SLOTS;
  while (slots < (size_t)r->n_rows * 2)
    slots *= 2;
  size_t cap = r->cap_rows ? r->cap_rows : 1;
  if (!ikey_alloc(x, slots) || !index_reserve(x, cap)) {
    bx_free(x->slots);
    bx_free(x->next);
    return -1;
  }
  index_fill(r, x, 0, r->n_rows);
  *built += r->n_rows;
  return (int)r->n_idx++;
}

uint32_t bdl_index_find(const struct bdl_rel *r, const struct bdl_index *x,
                        const bdl_term *const *key, uint32_t n_key) {
  uint64_t h = key_hash(key, n_key);
  size_t mask = x->n_slots - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const struct bdl_ikey *k = &x->slots[i];
    if (k->head == BDL_ROW_END)
      return BDL_ROW_END;
    if (k->hash == h && key_eq(r, k->head, x->mask, key))
      return k->head;
  }
}

/* ------------------------------------------------------------- rows */

static bool rows_grow(struct bdl_rel *r) {
  if (r->n_rows < r->cap_rows)
    return true;
  if (r->n_rows == UINT32_MAX - 1)
    return false;
  size_t cap = r->cap_rows ? r->cap_rows * 2 : 8;
  size_t width = r->arity ? r->arity : 1;
  if (cap > SIZE_MAX / (width * sizeof(bdl_term)))
    return false;
  bdl_term *t = bx_realloc(r->terms, cap * width * sizeof *t);
  if (!t)
    return false;
  r->terms = t;
  bdl_origin *o = bx_realloc(r->origins, cap * sizeof *o);
  if (!o)
    return false;
  r->origins = o;
  r->cap_rows = cap;
  return true;
}

/*
** Append (terms, o) unless already present. Every allocation happens
** before the row becomes visible, so a NOMEM leaves the relation intact.
*/
int bdl_rel_add(struct bdl_rel *r, const bdl_term *terms, bdl_origin o) {
  return bdl_rel_add_h(r, terms, o, bdl_rel_hash(r, terms, o));
}

int bdl_rel_add_h(struct bdl_rel *r, const bdl_term *terms, bdl_origin o,
                  uint64_t h) {
  size_t pos;
  if (!dedup_grow(r))
    return -1;
  if (dedup_find(r, terms, o, h, &pos) != BDL_ROW_END)
    return 0;
  if (!rows_grow(r))
    return -1;
  for (uint32_t i = 0; i < r->n_idx; i++)
    if (!index_reserve(&r->idx[i], r->cap_rows))
      return -1;
  uint32_t row = r->n_rows;
  if (r->arity)
    memcpy(r->terms + (size_t)row * r->arity, terms, r->arity * sizeof *terms);
  r->origins[row] = o;
  r->n_rows++;
  note_origin(r, o);
  r->dslots[pos] = ((h >> 32) << 32) | ((uint64_t)row + 1);
  for (uint32_t i = 0; i < r->n_idx; i++)
    index_link(r, &r->idx[i], row, row_key_hash(r, row, r->idx[i].mask));
  return 1;
}

void bdl_rel_mark(struct bdl_rel *r) {
  r->mark = r->n_rows;
  r->mark_dslots = r->n_dslots;
  for (uint32_t i = 0; i < r->n_idx; i++)
    r->idx[i].mark_slots = r->idx[i].n_slots;
}

/*
** Linear probing undone in reverse: each row's entry went into the first
** free slot on its probe path, so clearing the entries newest first gives
** back the table as it was. False if an entry is not where it must be
** (then the caller rebuilds).
*/
static bool dedup_pop(struct bdl_rel *r, uint32_t n) {
  size_t mask = r->n_dslots - 1;
  for (uint32_t row = r->n_rows; row-- > n;) {
    uint64_t h = bdl_rel_hash(r, bdl_row(r, row), r->origins[row]);
    uint64_t want = ((h >> 32) << 32) | ((uint64_t)row + 1);
    size_t i = (h >> 32) & mask;
    while (r->dslots[i] != want) {
      if (!r->dslots[i])
        return false;
      i = (i + 1) & mask;
    }
    r->dslots[i] = 0;
  }
  return true;
}

/* The same for an index: the newest rows head their chains. */
static bool index_pop(struct bdl_rel *r, struct bdl_index *x, uint32_t n) {
  size_t mask = x->n_slots - 1;
  for (uint32_t row = r->n_rows; row-- > n;) {
    uint64_t h = row_key_hash(r, row, x->mask);
    size_t i = h & mask;
    while (x->slots[i].head != row) {
      if (x->slots[i].head == BDL_ROW_END)
        return false;
      i = (i + 1) & mask;
    }
    struct bdl_ikey *k = &x->slots[i];
    k->head = x->next[row];
    if (--k->n == 0) { /* the row brought the key: the slot was free */
      k->head = BDL_ROW_END;
      k->hash = 0;
      x->n_keys--;
    }
  }
  return true;
}

/* Rebuild the dedup table (and the origins seen) from rows 0..n. */
static void dedup_rebuild(struct bdl_rel *r, uint32_t n) {
  memset(r->dslots, 0, r->n_dslots * sizeof *r->dslots);
  r->many_orgs = false;
  r->n_orgs = 0;
  for (uint32_t row = 0; row < n; row++) {
    note_origin(r, r->origins[row]);
    uint64_t h = bdl_rel_hash(r, bdl_row(r, row), r->origins[row]);
    dedup_put(r->dslots, r->n_dslots, ((h >> 32) << 32) | ((uint64_t)row + 1));
  }
}

static void index_rebuild(struct bdl_rel *r, struct bdl_index *x, uint32_t n) {
  for (size_t s = 0; s < x->n_slots; s++)
    x->slots[s].head = BDL_ROW_END;
  x->n_keys = 0;
  index_fill(r, x, 0, n);
}

/*
** Forget rows n.. (the facts of an aborted iteration, so the world looks
** like the reference's, which merges an iteration only when it completes)
** without allocating. The origins seen stay a superset after a pop: a
** fully bound lookup may then probe an origin no row has, which finds
** nothing. A rebuild used to run after the deadline of the run it undid,
** and cost the whole relation (2 ms past a 1 ms limit on a 10k chain).
*/
bool bdl_rel_truncate(struct bdl_rel *r, uint32_t n) {
  if (n >= r->n_rows)
    return true;
  bool lifo = n == r->mark;
  bool dedup_ok = lifo && r->n_dslots == r->mark_dslots && dedup_pop(r, n);
  for (uint32_t i = 0; i < r->n_idx; i++) {
    struct bdl_index *x = &r->idx[i];
    if (!(lifo && x->n_slots == x->mark_slots && index_pop(r, x, n)))
      index_rebuild(r, x, n); /* reads rows 0..n only */
  }
  r->n_rows = n;
  if (!dedup_ok)
    dedup_rebuild(r, n);
  if (r->lo > n)
    r->lo = n;
  if (r->hi > n)
    r->hi = n;
  return true;
}

/* ------------------------------------------------------------- world map */

static size_t rel_slot_hash(uint32_t name, uint32_t arity) {
  return (size_t)bx_hash_u64(((uint64_t)name << 32) | arity);
}

uint32_t bdl_world_rel(const bdl_world *w, uint32_t name, uint32_t arity) {
  if (!w->n_rslots)
    return BDL_NO_REL;
  size_t mask = w->n_rslots - 1;
  for (size_t i = rel_slot_hash(name, arity) & mask;; i = (i + 1) & mask) {
    uint32_t s = w->rslots[i];
    if (!s)
      return BDL_NO_REL;
    const struct bdl_rel *r = &w->rels[s - 1];
    if (r->name == name && r->arity == arity)
      return s - 1;
  }
}

static bool rslots_grow(bdl_world *w) {
  if (((size_t)w->n_rels + 1) * 2 <= w->n_rslots)
    return true;
  size_t n = w->n_rslots ? w->n_rslots * 2 : MIN_SLOTS;
  uint32_t *slots = bx_calloc(n, sizeof *slots);
  if (!slots)
    return false;
  for (uint32_t k = 0; k < w->n_rels; k++) {
    size_t i = rel_slot_hash(w->rels[k].name, w->rels[k].arity) & (n - 1);
    while (slots[i])
      i = (i + 1) & (n - 1);
    slots[i] = k + 1;
  }
  bx_free(w->rslots);
  w->rslots = slots;
  w->n_rslots = n;
  return true;
}

/* Find or create; relations live in one array, so callers keep ids. */
uint32_t bdl_world_rel_make(bdl_world *w, uint32_t name, uint32_t arity) {
  uint32_t id = bdl_world_rel(w, name, arity);
  if (id != BDL_NO_REL)
    return id;
  if (w->n_rels == BDL_NO_REL - 1 || !rslots_grow(w))
    return BDL_NO_REL;
  if (w->n_rels == w->cap_rels) {
    size_t cap = w->cap_rels;
    void *arr = w->rels;
    if (!bx_grow(&arr, &cap, (size_t)w->n_rels + 1, sizeof *w->rels))
      return BDL_NO_REL;
    w->rels = arr;
    w->cap_rels = (uint32_t)cap;
  }
  id = w->n_rels++;
  bdl_rel_init(&w->rels[id], name, arity);
  size_t mask = w->n_rslots - 1;
  size_t i = rel_slot_hash(name, arity) & mask;
  while (w->rslots[i])
    i = (i + 1) & mask;
  w->rslots[i] = id + 1;
  return id;
}
