/*
** A small cache of compiled patterns for one authorization (regex.h).
**
** A token can repeat one `.matches()` over many facts; compiling through
** RE2 costs microseconds while a match costs nanoseconds, so patterns are
** kept by their bytes. The cache is bounded (least recently used out
** first) so that an attacker's stream of distinct patterns costs at most
** `max` compiled programs of memory, and it remembers refusals too, so an
** invalid pattern is not translated again on every fact. Lookup is a
** linear scan over at most BDL_REGEX_CACHE_MAX entries, with the hash
** compared first.
*/
#include "datalog/regex.h"

#include <stdint.h>
#include <string.h>

#include "util/bx.h"

#define BDL_REGEX_CACHE_MAX 1024u

typedef struct entry {
  char *pat; /* a copy of the pattern bytes */
  size_t len;
  uint64_t hash;
  uint64_t used; /* tick of the last lookup, for LRU */
  bdl_regex *re; /* NULL for a refused pattern */
  bdl_regex_status st;
  const char *why; /* static text */
} entry;

struct bdl_regex_cache {
  entry *e;
  unsigned n, max;
  uint64_t tick;
};

bdl_regex_cache *bdl_regex_cache_new(unsigned max_entries) {
  bdl_regex_cache *c = bx_calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->max = max_entries ? max_entries : BDL_REGEX_CACHE_DEFAULT;
  if (c->max > BDL_REGEX_CACHE_MAX)
    c->max = BDL_REGEX_CACHE_MAX;
  c->e = bx_calloc(c->max, sizeof *c->e);
  if (!c->e) {
    bx_free(c);
    return NULL;
  }
  return c;
}

static void entry_clear(entry *e) {
  bdl_regex_free(e->re);
  bx_free(e->pat);
  memset(e, 0, sizeof *e);
}

void bdl_regex_cache_free(bdl_regex_cache *c) {
  if (!c)
    return;
  for (unsigned k = 0; k < c->n; k++)
    entry_clear(&c->e[k]);
  bx_free(c->e);
  bx_free(c);
}

unsigned bdl_regex_cache_count(const bdl_regex_cache *c) {
  return c ? c->n : 0;
}

static entry *cache_find(bdl_regex_cache *c, const char *pat, size_t len,
                         uint64_t h) {
  for (unsigned k = 0; k < c->n; k++) {
    entry *e = &c->e[k];
    if (e->hash == h && e->len == len && memcmp(e->pat, pat, len) == 0)
      return e;
  }
  return NULL;
}

/* A free slot: a new one while there is room, else the least recent. */
static entry *cache_slot(bdl_regex_cache *c) {
  entry *old;
  if (c->n < c->max)
    return &c->e[c->n++];
  old = &c->e[0];
  for (unsigned k = 1; k < c->n; k++)
    if (c->e[k].used < old->used)
      old = &c->e[k];
  entry_clear(old);
  return old;
}

static const bdl_regex *hit(bdl_regex_cache *c, entry *e, bdl_regex_status *st,
                            const char **why) {
  e->used = ++c->tick;
  *st = e->st;
  *why = e->why;
  return e->re;
}

/*
** Compiles on a miss and stores the outcome, unless it is an allocation
** failure, which says nothing about the pattern. The evicted entry (if
** any) is freed first: callers only hold the pointer of their last get.
*/
const bdl_regex *bdl_regex_cache_get_ex(bdl_regex_cache *c, const char *pat,
                                        size_t len, bdl_regex_status *st,
                                        const char **why) {
  bdl_regex_status st0;
  const char *why0;
  uint64_t h;
  entry *e;
  bdl_regex *re;
  char *copy;
  if (!st)
    st = &st0;
  if (!why)
    why = &why0;
  if (!c || (!pat && len)) {
    *st = BDL_REGEX_INVALID;
    *why = c ? "no pattern" : "no cache";
    return NULL;
  }
  pat = pat ? pat : "";
  h = bx_hash_bytes(pat, len, 0);
  e = cache_find(c, pat, len, h);
  if (e)
    return hit(c, e, st, why);
  re = bdl_regex_compile_ex(pat, len, st, why);
  if (*st == BDL_REGEX_NOMEM)
    return NULL;
  copy = bx_malloc(len ? len : 1);
  if (!copy) {
    bdl_regex_free(re);
    *st = BDL_REGEX_NOMEM;
    *why = "out of memory";
    return NULL;
  }
  memcpy(copy, pat, len);
  e = cache_slot(c);
  *e = (entry){copy, len, h, 0, re, *st, *why};
  return hit(c, e, st, why);
}

const bdl_regex *bdl_regex_cache_get(bdl_regex_cache *c, const char *pat,
                                     size_t len, const char **why) {
  return bdl_regex_cache_get_ex(c, pat, len, NULL, why);
}
