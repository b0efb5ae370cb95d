/*
** Hand-built Datalog IR for the evaluator's unit tests (no parser
** needed): terms, predicates, rules, checks and policies allocated in one
** env's arena. Everything is `static inline` so each test file takes what
** it uses without warnings.
*/
#ifndef BISCUIT_TEST_WORLD_IR_H
#define BISCUIT_TEST_WORLD_IR_H

#include <stdarg.h>
#include <string.h>

#include "datalog/world.h"

static bdl_env *wi_env;

static inline void *wi_alloc(size_t n) {
  return bx_arena_zalloc(&wi_env->arena, n ? n : 1);
}

static inline uint32_t wi_sym(const char *s) {
  return bdl_symtab_intern(wi_env->syms, s, strlen(s));
}

static inline uint32_t wi_key(const char *s) {
  return bdl_symtab_intern(wi_env->keys, s, strlen(s));
}

static inline bdl_term S(const char *s) {
  return bdl_str(wi_sym(s));
}
static inline bdl_term V(const char *s) {
  return bdl_var(wi_sym(s));
}
static inline bdl_term I(int64_t i) {
  return bdl_int(i);
}

/* P("name", n, term...) */
static inline bdl_pred P(const char *name, int n, ...) {
  bdl_pred p;
  va_list ap;
  p.name = wi_sym(name);
  p.n_terms = (uint32_t)n;
  p.terms = wi_alloc((size_t)n * sizeof *p.terms);
  va_start(ap, n);
  for (int i = 0; i < n; i++)
    p.terms[i] = va_arg(ap, bdl_term);
  va_end(ap);
  return p;
}

/* R(head, n_body, pred...) */
static inline bdl_rule R(bdl_pred head, int n, ...) {
  bdl_rule r;
  va_list ap;
  memset(&r, 0, sizeof r);
  r.head = head;
  r.n_body = (uint32_t)n;
  r.body = wi_alloc((size_t)n * sizeof *r.body);
  va_start(ap, n);
  for (int i = 0; i < n; i++)
    r.body[i] = va_arg(ap, bdl_pred);
  va_end(ap);
  return r;
}

/* A query: head query(), body predicates. */
static inline bdl_rule Q(int n, ...) {
  bdl_rule r;
  va_list ap;
  memset(&r, 0, sizeof r);
  r.head.name = BDL_SYM_QUERY;
  r.n_body = (uint32_t)n;
  r.body = wi_alloc((size_t)n * sizeof *r.body);
  va_start(ap, n);
  for (int i = 0; i < n; i++)
    r.body[i] = va_arg(ap, bdl_pred);
  va_end(ap);
  return r;
}

static inline bdl_op wi_val(bdl_term t) {
  bdl_op o;
  memset(&o, 0, sizeof o);
  o.type = BDL_OP_VALUE;
  o.ffi = BDL_NOSYM;
  o.u.value = t;
  return o;
}

/* `a OP b` as [a, b, Binary OP]. */
static inline bdl_expr X(bdl_term a, int op, bdl_term b) {
  bdl_expr e;
  e.n_ops = 3;
  e.ops = wi_alloc(3 * sizeof *e.ops);
  e.ops[0] = wi_val(a);
  e.ops[1] = wi_val(b);
  memset(&e.ops[2], 0, sizeof e.ops[2]);
  e.ops[2].type = BDL_OP_BINARY;
  e.ops[2].kind = (uint8_t)op;
  e.ops[2].ffi = BDL_NOSYM;
  return e;
}

/* A one-value expression (e.g. `true`, or an integer to provoke errors). */
static inline bdl_expr X1(bdl_term a) {
  bdl_expr e;
  e.n_ops = 1;
  e.ops = wi_alloc(sizeof *e.ops);
  e.ops[0] = wi_val(a);
  return e;
}

static inline void add_expr(bdl_rule *r, bdl_expr e) {
  bdl_expr *x = wi_alloc((r->n_exprs + 1) * sizeof *x);
  if (r->n_exprs)
    memcpy(x, r->exprs, r->n_exprs * sizeof *x);
  x[r->n_exprs++] = e;
  r->exprs = x;
}

static inline void add_scope(bdl_rule *r, uint32_t kind, uint32_t key) {
  bdl_scope *s = wi_alloc((r->n_scopes + 1) * sizeof *s);
  if (r->n_scopes)
    memcpy(s, r->scopes, r->n_scopes * sizeof *s);
  s[r->n_scopes].kind = kind;
  s[r->n_scopes].key = key;
  r->n_scopes++;
  r->scopes = s;
}

/* C(kind, n, query...) */
static inline bdl_check C(uint32_t kind, int n, ...) {
  bdl_check c;
  va_list ap;
  c.kind = kind;
  c.n_queries = (uint32_t)n;
  c.queries = wi_alloc((size_t)n * sizeof *c.queries);
  va_start(ap, n);
  for (int i = 0; i < n; i++)
    c.queries[i] = va_arg(ap, bdl_rule);
  va_end(ap);
  return c;
}

static inline bdl_policy POL(uint32_t kind, bdl_rule q) {
  bdl_policy p;
  p.kind = kind;
  p.n_queries = 1;
  p.queries = wi_alloc(sizeof *p.queries);
  p.queries[0] = q;
  return p;
}

/* `allow if true` / `deny if true` */
static inline bdl_policy POL_TRUE(uint32_t kind) {
  bdl_rule q = Q(0);
  add_expr(&q, X1(bdl_bool(true)));
  return POL(kind, q);
}

static inline bdl_limits wi_unlimited(void) {
  bdl_limits l;
  memset(&l, 0, sizeof l);
  l.max_body_preds = 32;
  return l;
}

#endif
