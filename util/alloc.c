/*
** The one allocation hook. Each block gets a 16-byte header holding its
** size, so the hook always sees the old size (as lua_Alloc does) and the
** rest of the library frees with bx_free(p) alone.
*/
#include <stdlib.h>
#include <string.h>

#include "util/bx.h"

#define HDR 16

static void *default_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

static bx_alloc_fn g_alloc = default_alloc;
static void *g_ud;
/* initial-exec: a plain thread-pointer access, no __tls_get_addr call */
static _Thread_local size_t t_live __attribute__((tls_model("initial-exec")));

void bx_set_alloc(bx_alloc_fn fn, void *ud) {
  g_alloc = fn ? fn : default_alloc;
  g_ud = fn ? ud : NULL;
}

/* Unsigned wrap-around keeps the sum right when frees come first. */
size_t bx_alloc_live(void) { return t_live; }

void *bx_malloc(size_t n) { return bx_realloc(NULL, n); }

void *bx_calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size)
    return NULL;
  void *p = bx_malloc(count * size);
  if (p)
    memset(p, 0, count * size);
  return p;
}

/* Resize; a NULL p allocates. n == 0 keeps a valid minimal block. */
void *bx_realloc(void *p, size_t n) {
  if (n > SIZE_MAX - HDR)
    return NULL;
  char *base = p ? (char *)p - HDR : NULL;
  size_t old = 0;
  if (base)
    memcpy(&old, base, sizeof old);
  char *nb = g_alloc(g_ud, base, base ? old + HDR : 0, n + HDR);
  if (!nb)
    return NULL;
  memcpy(nb, &n, sizeof n);
  t_live += n - old;
  return nb + HDR;
}

void bx_free(void *p) {
  if (!p)
    return;
  char *base = (char *)p - HDR;
  size_t old;
  memcpy(&old, base, sizeof old);
  t_live -= old;
  g_alloc(g_ud, base, old + HDR, 0);
}

size_t bx_alloc_size(const void *p) {
  size_t n = 0;
  if (p)
    memcpy(&n, (const char *)p - HDR, sizeof n);
  return n;
}

char *bx_strndup(const char *s, size_t n) {
  char *d = bx_malloc(n + 1);
  if (!d)
    return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* Grow *arr (capacity *cap elements) so it holds at least `need`. */
bool bx_grow(void **arr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap)
    return true;
  size_t ncap = *cap ? *cap : 8;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2)
      return false;
    ncap *= 2;
  }
  if (elem && ncap > SIZE_MAX / elem)
    return false;
  void *n = bx_realloc(*arr, ncap * elem);
  if (!n)
    return false;
  *arr = n;
  *cap = ncap;
  return true;
}
