/*
** Bump arena. Chunks grow geometrically; a request larger than a chunk
** gets a chunk of its own. The byte cap turns runaway growth (fact
** explosions, string doubling) into a limit error instead of NOMEM.
*/
#include <string.h>

#include "util/bx.h"

struct bx_arena_chunk {
  bx_arena_chunk *next;
  size_t size, used;
  /* data follows, 16-byte aligned */
};

#define CHUNK_HDR ((sizeof(bx_arena_chunk) + 15) & ~(size_t)15)
#define MIN_CHUNK 4096

void bx_arena_init(bx_arena *a, size_t cap) {
  memset(a, 0, sizeof *a);
  a->cap = cap;
}

void bx_arena_free(bx_arena *a) {
  bx_arena_chunk *c = a->head;
  while (c) {
    bx_arena_chunk *n = c->next;
    bx_free(c);
    c = n;
  }
  size_t cap = a->cap;
  bx_arena_init(a, cap);
}

static bx_arena_chunk *new_chunk(bx_arena *a, size_t need) {
  size_t size = a->total < MIN_CHUNK ? MIN_CHUNK : a->total;
  if (size < need)
    size = need;
  if (a->cap && a->total + size > a->cap) {
    size = need;
    if (a->total + size > a->cap) {
      a->over_cap = true;
      return NULL;
    }
  }
  bx_arena_chunk *c = bx_malloc(CHUNK_HDR + size);
  if (!c)
    return NULL;
  c->size = size;
  c->used = 0;
  c->next = a->head;
  a->head = c;
  a->total += size;
  return c;
}

void *bx_arena_alloc(bx_arena *a, size_t n) {
  if (n > SIZE_MAX / 2)
    return NULL;
  n = (n + 7) & ~(size_t)7;
  if (n == 0)
    n = 8;
  bx_arena_chunk *c = a->head;
  if (!c || c->size - c->used < n) {
    c = new_chunk(a, n);
    if (!c)
      return NULL;
  }
  void *p = (char *)c + CHUNK_HDR + c->used;
  c->used += n;
  a->used += n;
  return p;
}

void *bx_arena_zalloc(bx_arena *a, size_t n) {
  void *p = bx_arena_alloc(a, n);
  if (p)
    memset(p, 0, n);
  return p;
}

void *bx_arena_dup(bx_arena *a, const void *p, size_t n) {
  void *d = bx_arena_alloc(a, n);
  if (d && n)
    memcpy(d, p, n);
  return d;
}

bx_arena_mark bx_arena_save(const bx_arena *a) {
  bx_arena_mark m = {a->head, a->head ? a->head->used : 0, a->used};
  return m;
}

/* Drop everything allocated since the mark (whole chunks included). */
void bx_arena_rollback(bx_arena *a, bx_arena_mark m) {
  while (a->head && a->head != m.head) {
    bx_arena_chunk *c = a->head;
    a->head = c->next;
    a->total -= c->size;
    bx_free(c);
  }
  if (a->head)
    a->head->used = m.head_used;
  a->used = m.used;
  a->over_cap = false;
}
