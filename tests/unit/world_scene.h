/*
** Scenes for the evaluator's tests: a few token blocks and an authorizer
** block, a world to load them into, and ways to look at what it derived.
** Include after test.h (CHECK).
*/
#ifndef BISCUIT_TEST_WORLD_SCENE_H
#define BISCUIT_TEST_WORLD_SCENE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalog/print.h"
#include "world_ir.h"

#define AUTH BDL_AUTHORIZER_ID

struct find {
  const char *want;
  int n;
  bdl_origin o;
};

static inline biscuit_status find_cb(void *ud, const bdl_pred *p,
                                     bdl_origin o) {
  struct find *f = ud;
  bx_buf b;
  bx_buf_init(&b, 0);
  bdl_print_pred(&b, wi_env, p);
  if (b.data && strcmp(b.data, f->want) == 0) {
    f->n++;
    f->o = o;
  }
  bx_buf_free(&b);
  return BISCUIT_OK;
}

/* How many stored facts print as `want`; *o gets the last one's origin. */
static inline int find_fact(bdl_world *w, const char *want, bdl_origin *o) {
  struct find f = {want, 0, {{0, 0}}};
  bdl_world_foreach_fact(w, find_cb, &f);
  if (o)
    *o = f.o;
  return f.n;
}

static inline bdl_origin O(int n, ...) {
  bdl_origin o = {{0, 0}};
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++)
    o = bdl_origin_union(o, bdl_origin_one((uint32_t)va_arg(ap, int)));
  va_end(ap);
  return o;
}

static inline void block_add_check(bdl_block *b, bdl_check c) {
  CHECK(bdl_block_add_check(b, &c) == BISCUIT_OK);
}

static inline void block_add_fact(bdl_block *b, bdl_pred p) {
  CHECK(bdl_block_add_fact(b, &p) == BISCUIT_OK);
}

static inline void block_add_rule(bdl_block *b, bdl_rule r) {
  CHECK(bdl_block_add_rule(b, &r) == BISCUIT_OK);
}

static inline void block_add_policy(bdl_block *b, bdl_policy p) {
  CHECK(bdl_block_add_policy(b, &p) == BISCUIT_OK);
}

/* Up to 4 blocks (ids 0..2 and the authorizer) for one scenario. */
struct scene {
  bdl_block b[3], a;
  bdl_world *w;
};

static inline void scene_init(struct scene *s) {
  for (int i = 0; i < 3; i++)
    bdl_block_init(&s->b[i]);
  bdl_block_init(&s->a);
  s->w = bdl_world_new(wi_env);
  CHECK(s->w != NULL);
}

/* Register blocks 0..n-1 (signers given or BDL_NOSYM) and the authorizer. */
static inline void scene_load(struct scene *s, int n, const uint32_t *signers) {
  for (int i = 0; i < n; i++)
    CHECK(bdl_world_add_block(s->w, (uint32_t)i, &s->b[i],
                              signers ? signers[i] : BDL_NOSYM,
                              NULL) == BISCUIT_OK);
  CHECK(bdl_world_add_block(s->w, AUTH, &s->a, BDL_NOSYM, NULL) == BISCUIT_OK);
}

static inline void scene_free(struct scene *s) {
  bdl_world_free(s->w);
  for (int i = 0; i < 3; i++)
    bdl_block_free(&s->b[i]);
  bdl_block_free(&s->a);
}

/* Default limits without the clock (sanitizers, valgrind). */
static bdl_limits slow;

static inline biscuit_status authorize(struct scene *s, bdl_result *r) {
  bdl_limits l;
  bdl_limits_default(&l);
  l.max_time_ns = 0; /* sanitizer builds are slow; time is tested apart */
  return bdl_world_authorize(s->w, &l, r, NULL);
}

/* edge(i, i+1) for a chain of n nodes, and its transitive closure. */
static inline void chain_facts(bdl_block *b, int n) {
  for (int i = 0; i + 1 < n; i++)
    block_add_fact(b, P("edge", 2, I(i), I(i + 1)));
}

static inline void path_rules(bdl_block *b) {
  block_add_rule(
      b, R(P("path", 2, V("x"), V("y")), 1, P("edge", 2, V("x"), V("y"))));
  block_add_rule(b,
                 R(P("path", 2, V("x"), V("z")), 2,
                   P("path", 2, V("x"), V("y")), P("edge", 2, V("y"), V("z"))));
}

#endif
