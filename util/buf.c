/* Growable, capped, NUL-terminated byte buffer. */
#include <stdio.h>
#include <string.h>

#include "util/bx.h"

void bx_buf_init(bx_buf *b, size_t max) {
  memset(b, 0, sizeof *b);
  b->max = max ? max : (size_t)64 << 20;
}

void bx_buf_free(bx_buf *b) {
  bx_free(b->data);
  size_t max = b->max;
  bx_buf_init(b, max);
}

void bx_buf_reset(bx_buf *b) {
  b->len = 0;
  b->failed = false;
  if (b->data)
    b->data[0] = '\0';
}

static bool reserve(bx_buf *b, size_t extra) {
  if (b->failed)
    return false;
  if (extra > b->max || b->len > b->max - extra) {
    b->failed = true;
    return false;
  }
  size_t need = b->len + extra + 1;
  if (need <= b->cap)
    return true;
  size_t ncap = b->cap ? b->cap : 64;
  while (ncap < need)
    ncap *= 2;
  char *n = bx_realloc(b->data, ncap);
  if (!n) {
    b->failed = true;
    return false;
  }
  b->data = n;
  b->cap = ncap;
  return true;
}

bool bx_buf_add(bx_buf *b, const void *p, size_t n) {
  if (!reserve(b, n))
    return false;
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return true;
}

bool bx_buf_puts(bx_buf *b, const char *s) {
  return bx_buf_add(b, s, strlen(s));
}

bool bx_buf_putc(bx_buf *b, char c) { return bx_buf_add(b, &c, 1); }

bool bx_buf_printf(bx_buf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->failed = true;
    return false;
  }
  if ((size_t)n < sizeof small)
    return bx_buf_add(b, small, (size_t)n);
  if (!reserve(b, (size_t)n))
    return false;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return true;
}

char *bx_buf_take(bx_buf *b) {
  if (b->failed)
    return NULL;
  char *s = b->data;
  if (!s)
    s = bx_strndup("", 0);
  size_t max = b->max;
  bx_buf_init(b, max);
  return s;
}
