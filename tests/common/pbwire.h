/*
** A minimal protobuf wire writer for tests that build hostile token
** bytes by hand (tests/adversarial, tests/malformed, unit/token_malformed):
** messages are written bottom-up into growable buffers, and a few
** ready-made deep or closure-heavy Block messages. Test code only: an
** allocation failure aborts the test.
*/
#ifndef BISCUIT_TESTS_PBWIRE_H
#define BISCUIT_TESTS_PBWIRE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct wbuf {
  uint8_t *p;
  size_t n, cap;
} wbuf;

static inline void pbw_oom(void) {
  fprintf(stderr, "pbwire: out of memory\n");
  exit(2);
}

static inline void w_raw(wbuf *w, const void *p, size_t n) {
  if (w->n + n > w->cap) {
    w->cap = (w->n + n) * 2 + 64;
    w->p = realloc(w->p, w->cap);
    if (!w->p)
      pbw_oom();
  }
  if (n)
    memcpy(w->p + w->n, p, n);
  w->n += n;
}

static inline void w_varint(wbuf *w, uint64_t v) {
  uint8_t b[10];
  size_t n = 0;
  do {
    b[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  w_raw(w, b, n);
}

static inline void w_bytes(wbuf *w, unsigned field, const void *p, size_t n) {
  w_varint(w, (uint64_t)field << 3 | 2);
  w_varint(w, n);
  w_raw(w, p, n);
}

/* Writes sub as a length-delimited field, then frees and resets it. */
static inline void w_msg(wbuf *w, unsigned field, wbuf *sub) {
  w_bytes(w, field, sub->p, sub->n);
  free(sub->p);
  *sub = (wbuf){0};
}

static inline void w_uint(wbuf *w, unsigned field, uint64_t v) {
  w_varint(w, (uint64_t)field << 3);
  w_varint(w, v);
}

/*
** A Block whose one fact holds a Term > Array > Term ... chain, so the
** deepest message sits at protobuf depth `depth` (Block is 0). The block
** adds the symbol "sym" and names its predicate with symbol index `name`
** (1024 when it is the token's first symbol).
*/
static inline wbuf deep_block(unsigned depth, uint64_t name) {
  wbuf cur = {0}, next, pred = {0}, fact = {0}, blk = {0};
  w_uint(&cur, 2, 42);
  for (unsigned d = depth; d > 3; d--) {
    next = (wbuf){0};
    w_bytes(&next, (d - 3) % 2 == 0 ? 1 : 9, cur.p, cur.n);
    free(cur.p);
    cur = next;
  }
  w_bytes(&blk, 1, "sym", 3);
  w_uint(&blk, 3, 3);
  w_uint(&pred, 1, name);
  w_msg(&pred, 2, &cur);
  w_msg(&fact, 1, &pred);
  w_msg(&blk, 4, &fact);
  return blk;
}

/* Op { value: Term { bool: true } } as field `field` of w. */
static inline void w_op_true(wbuf *w, unsigned field) {
  wbuf term = {0}, op = {0};
  w_uint(&term, 6, 1);
  w_msg(&op, 1, &term);
  w_msg(w, field, &op);
}

/*
** The ops of `true && (true && (...))` with n closures, each Op as field
** `field` of w (1 in Expression, 2 in OpClosure): true, Op { closure:
** OpClosure { ops of n - 1 } }, Op { binary: LazyAnd }. Recursion depth
** n is fine for a test.
*/
static inline void w_closure_ops(wbuf *w, unsigned field, unsigned n) {
  wbuf clo = {0}, cop = {0}, bin = {0}, bop = {0};
  w_op_true(w, field);
  if (n == 0)
    return;
  w_closure_ops(&clo, 2, n - 1);
  w_msg(&cop, 4, &clo);
  w_msg(w, field, &cop);
  w_uint(&bin, 1, 23); /* LazyAnd */
  w_msg(&bop, 3, &bin);
  w_msg(w, field, &bop);
}

/* A Block with one check whose expression nests n closures. */
static inline wbuf closure_block(unsigned n) {
  wbuf expr = {0}, head = {0}, rule = {0}, chk = {0}, blk = {0};
  w_closure_ops(&expr, 1, n);
  w_uint(&head, 1, 27); /* the default symbol "query" */
  w_msg(&rule, 1, &head);
  w_msg(&rule, 3, &expr);
  w_msg(&chk, 1, &rule);
  w_uint(&blk, 3, 6);
  w_msg(&blk, 6, &chk);
  return blk;
}

#endif
