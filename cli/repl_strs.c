/*
** String lists and text buffers for the REPL: the statements of each
** block, the names completion offers, the pending input.
*/
#include <stdlib.h>
#include <string.h>

#include "repl.h"

int repl_strs_pushn(repl_strs *l, const char *s, size_t len) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 8;
    char **v = realloc(l->v, cap * sizeof *v);
    if (!v)
      return -1;
    l->v = v;
    l->cap = cap;
  }
  char *d = malloc(len + 1);
  if (!d)
    return -1;
  memcpy(d, s, len);
  d[len] = '\0';
  l->v[l->n++] = d;
  return 0;
}

int repl_strs_push(repl_strs *l, const char *s) {
  return repl_strs_pushn(l, s, strlen(s));
}

void repl_strs_pop(repl_strs *l) {
  if (l->n)
    free(l->v[--l->n]);
}

void repl_strs_clear(repl_strs *l) {
  while (l->n)
    repl_strs_pop(l);
  free(l->v);
  l->v = NULL;
  l->cap = 0;
}

int repl_strs_has(const repl_strs *l, const char *s) {
  for (size_t i = 0; i < l->n; i++)
    if (!strcmp(l->v[i], s))
      return 1;
  return 0;
}

char *repl_strs_join(const repl_strs *l, const char *sep) {
  size_t total = 1, k = strlen(sep);
  for (size_t i = 0; i < l->n; i++)
    total += strlen(l->v[i]) + k;
  char *out = malloc(total);
  if (!out)
    return NULL;
  char *p = out;
  for (size_t i = 0; i < l->n; i++) {
    size_t n = strlen(l->v[i]);
    memcpy(p, l->v[i], n);
    memcpy(p + n, sep, k);
    p += n + k;
  }
  *p = '\0';
  return out;
}

/* ------------------------------------------------------------ buffers */

int repl_buf_add(repl_buf *b, const char *s, size_t len) {
  if (b->n + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + len + 1)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
      return -1;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, len);
  b->n += len;
  b->p[b->n] = '\0';
  return 0;
}

void repl_buf_reset(repl_buf *b) {
  b->n = 0;
  if (b->p)
    b->p[0] = '\0';
}

void repl_buf_free(repl_buf *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}
