/*
** Interning: strings to dense uint32 ids (Lua's internshrstr). A table
** may sit on a frozen base table; its own ids continue after the base's.
** Open addressing with linear probing over (hash, id) slots; the load
** factor stays under 1/2 so probes stay short.
*/
#include <string.h>

#include "datalog/datalog.h"

/* spec "Symbol table": the default symbols, in order. */
const char *const bdl_default_symbols[BDL_N_DEFAULT_SYMBOLS] = {
    "read",     "write",     "resource", "operation", "right",
    "time",     "role",      "owner",    "tenant",    "namespace",
    "user",     "team",      "service",  "admin",     "email",
    "group",    "member",    "ip_address", "client",  "client_ip",
    "domain",   "path",      "version",  "cluster",   "node",
    "hostname", "nonce",     "query"};

typedef struct entry {
  const char *s;
  uint32_t len;
  uint32_t hash;
} entry;

struct bdl_symtab {
  const bdl_symtab *base;
  uint32_t first;  /* id of entries[0] = count of base */
  entry *entries;  /* own strings, by id - first */
  size_t n, cap;
  uint32_t *slots; /* id + 1, 0 = empty */
  size_t n_slots;  /* power of two */
  bx_arena strings;
};

static uint32_t hash_str(const char *s, size_t len) {
  return (uint32_t)bx_hash_bytes(s, len, 0x5eed);
}

static uint32_t find_own(const bdl_symtab *t, const char *s, size_t len,
                         uint32_t h) {
  if (!t->n_slots)
    return BDL_NOSYM;
  size_t mask = t->n_slots - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    uint32_t slot = t->slots[i];
    if (!slot)
      return BDL_NOSYM;
    const entry *e = &t->entries[slot - 1];
    if (e->hash == h && e->len == len && memcmp(e->s, s, len) == 0)
      return t->first + slot - 1;
  }
}

void bdl_symtab_set_cap(bdl_symtab *t, size_t bytes) { t->strings.cap = bytes; }

bool bdl_symtab_over_cap(const bdl_symtab *t) { return t->strings.over_cap; }

uint32_t bdl_symtab_find(const bdl_symtab *t, const char *s, size_t len) {
  uint32_t h = hash_str(s, len);
  for (; t; t = t->base) {
    uint32_t id = find_own(t, s, len, h);
    if (id != BDL_NOSYM)
      return id;
  }
  return BDL_NOSYM;
}

static bool rehash(bdl_symtab *t) {
  size_t ns = t->n_slots ? t->n_slots * 2 : 64;
  uint32_t *slots = bx_calloc(ns, sizeof *slots);
  if (!slots)
    return false;
  for (size_t k = 0; k < t->n; k++) {
    size_t i = t->entries[k].hash & (ns - 1);
    while (slots[i])
      i = (i + 1) & (ns - 1);
    slots[i] = (uint32_t)k + 1;
  }
  bx_free(t->slots);
  t->slots = slots;
  t->n_slots = ns;
  return true;
}

uint32_t bdl_symtab_intern(bdl_symtab *t, const char *s, size_t len) {
  if (len > UINT32_MAX)
    return BDL_NOSYM;
  uint32_t h = hash_str(s, len);
  uint32_t id = t->base ? bdl_symtab_find(t->base, s, len) : BDL_NOSYM;
  if (id == BDL_NOSYM)
    id = find_own(t, s, len, h);
  if (id != BDL_NOSYM)
    return id;
  if ((uint64_t)t->first + t->n >= BDL_NOSYM)
    return BDL_NOSYM;
  if ((t->n + 1) * 2 > t->n_slots && !rehash(t))
    return BDL_NOSYM;
  if (!bx_grow((void **)&t->entries, &t->cap, t->n + 1, sizeof(entry)))
    return BDL_NOSYM;
  char *copy = bx_arena_alloc(&t->strings, len + 1);
  if (!copy)
    return BDL_NOSYM;
  memcpy(copy, s, len);
  copy[len] = '\0';
  t->entries[t->n] = (entry){copy, (uint32_t)len, h};
  size_t i = h & (t->n_slots - 1);
  while (t->slots[i])
    i = (i + 1) & (t->n_slots - 1);
  t->slots[i] = (uint32_t)t->n + 1;
  return t->first + (uint32_t)t->n++;
}

bdl_symtab *bdl_symtab_new(const bdl_symtab *base, bool with_defaults) {
  bdl_symtab *t = bx_calloc(1, sizeof *t);
  if (!t)
    return NULL;
  t->base = base;
  t->first = base ? bdl_symtab_count(base) : 0;
  bx_arena_init(&t->strings, 0);
  if (with_defaults && !base) {
    for (uint32_t i = 0; i < BDL_N_DEFAULT_SYMBOLS; i++) {
      const char *s = bdl_default_symbols[i];
      if (bdl_symtab_intern(t, s, strlen(s)) != i) {
        bdl_symtab_free(t);
        return NULL;
      }
    }
  }
  return t;
}

void bdl_symtab_free(bdl_symtab *t) {
  if (!t)
    return;
  bx_arena_free(&t->strings);
  bx_free(t->entries);
  bx_free(t->slots);
  bx_free(t);
}

const char *bdl_symtab_str(const bdl_symtab *t, uint32_t id, size_t *len) {
  while (t && id < t->first)
    t = t->base;
  if (!t || id - t->first >= t->n)
    return NULL;
  const entry *e = &t->entries[id - t->first];
  if (len)
    *len = e->len;
  return e->s;
}

uint32_t bdl_symtab_count(const bdl_symtab *t) {
  return t->first + (uint32_t)t->n;
}
