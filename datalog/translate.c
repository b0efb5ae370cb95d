/*
** Copying IR from one env to another, re-interning symbols and keys and
** rebuilding collections (sets re-sort by the target's symbol ids, as the
** reference re-interns a token's blocks into the authorizer's table). A
** decoded token keeps its own env; each authorization translates the
** blocks into the request's env.
*/
#include <string.h>

#include "datalog/datalog.h"
#include "datalog/translate.h"

static biscuit_status map_sym(const bdl_symtab *from, bdl_symtab *to,
                              uint32_t id, uint32_t *out) {
  if (id == BDL_NOSYM) {
    *out = BDL_NOSYM;
    return BISCUIT_OK;
  }
  size_t len;
  const char *s = bdl_symtab_str(from, id, &len);
  if (!s)
    return BISCUIT_E_FORMAT;
  *out = bdl_symtab_intern(to, s, len);
  return *out == BDL_NOSYM ? BISCUIT_E_NOMEM : BISCUIT_OK;
}

static biscuit_status tr_term(const bdl_env *from, bdl_env *to,
                              const bdl_term *t, bdl_term *out,
                              unsigned depth);

/* Collections: translate every item, then rebuild (sets re-sort). */
static biscuit_status tr_coll(const bdl_env *from, bdl_env *to,
                              const bdl_term *t, bdl_term *out,
                              unsigned depth) {
  const bdl_coll *c = t->v.coll;
  size_t n = (size_t)c->n * (t->kind == BDL_MAP ? 2 : 1);
  bdl_term *items = n ? bx_calloc(n, sizeof *items) : NULL;
  if (n && !items)
    return BISCUIT_E_NOMEM;
  biscuit_status st = BISCUIT_OK;
  for (size_t i = 0; i < n && st == BISCUIT_OK; i++)
    st = tr_term(from, to, &c->items[i], &items[i], depth + 1);
  if (st == BISCUIT_OK) {
    if (t->kind == BDL_SET)
      st = bdl_make_set(to, items, n, out);
    else if (t->kind == BDL_ARRAY)
      st = bdl_make_array(to, items, n, out);
    else
      st = bdl_make_map(to, items, n / 2, out);
  }
  bx_free(items);
  return st;
}

static biscuit_status tr_term(const bdl_env *from, bdl_env *to,
                              const bdl_term *t, bdl_term *out,
                              unsigned depth) {
  if (depth > BDL_TRANSLATE_MAX_DEPTH)
    return BISCUIT_E_LIMIT;
  *out = *t;
  switch ((bdl_kind)t->kind) {
  case BDL_VAR:
  case BDL_STR:
    return map_sym(from->syms, to->syms, t->id, &out->id);
  case BDL_BYTES:
    return bdl_make_bytes(to, t->v.bytes->data, t->v.bytes->len, out);
  case BDL_SET:
  case BDL_ARRAY:
  case BDL_MAP:
    return tr_coll(from, to, t, out, depth);
  default:
    return BISCUIT_OK;
  }
}

static biscuit_status tr_pred(const bdl_env *from, bdl_env *to,
                              const bdl_pred *p, bdl_pred *out) {
  out->n_terms = p->n_terms;
  out->terms = bx_arena_alloc(&to->arena, p->n_terms * sizeof(bdl_term));
  if (!out->terms)
    return BISCUIT_E_NOMEM;
  biscuit_status st = map_sym(from->syms, to->syms, p->name, &out->name);
  for (uint32_t i = 0; i < p->n_terms && st == BISCUIT_OK; i++)
    st = tr_term(from, to, &p->terms[i], &out->terms[i], 0);
  return st;
}

static biscuit_status tr_ops(const bdl_env *from, bdl_env *to,
                             const bdl_op *ops, uint32_t n, bdl_op **out,
                             unsigned depth);

static biscuit_status tr_closure(const bdl_env *from, bdl_env *to,
                                 const bdl_closure *c, const bdl_closure **out,
                                 unsigned depth) {
  bdl_closure *nc = bx_arena_zalloc(&to->arena, sizeof *nc);
  uint32_t *params = bx_arena_alloc(&to->arena, c->n_params * 4u);
  if (!nc || !params)
    return BISCUIT_E_NOMEM;
  biscuit_status st = BISCUIT_OK;
  for (uint32_t i = 0; i < c->n_params && st == BISCUIT_OK; i++)
    st = map_sym(from->syms, to->syms, c->params[i], &params[i]);
  nc->n_params = c->n_params;
  nc->params = params;
  nc->n_ops = c->n_ops;
  if (st == BISCUIT_OK)
    st = tr_ops(from, to, c->ops, c->n_ops, &nc->ops, depth + 1);
  *out = nc;
  return st;
}

static biscuit_status tr_ops(const bdl_env *from, bdl_env *to,
                             const bdl_op *ops, uint32_t n, bdl_op **out,
                             unsigned depth) {
  if (depth > BDL_TRANSLATE_MAX_DEPTH)
    return BISCUIT_E_LIMIT;
  bdl_op *o = bx_arena_alloc(&to->arena, n * sizeof *o);
  if (!o)
    return BISCUIT_E_NOMEM;
  biscuit_status st = BISCUIT_OK;
  for (uint32_t i = 0; i < n && st == BISCUIT_OK; i++) {
    o[i] = ops[i];
    st = map_sym(from->syms, to->syms, ops[i].ffi, &o[i].ffi);
    if (st != BISCUIT_OK)
      break;
    if (ops[i].type == BDL_OP_VALUE)
      st = tr_term(from, to, &ops[i].u.value, &o[i].u.value, 0);
    else if (ops[i].type == BDL_OP_CLOSURE)
      st = tr_closure(from, to, ops[i].u.closure, &o[i].u.closure, depth);
  }
  *out = o;
  return st;
}

static biscuit_status tr_scopes(const bdl_env *from, bdl_env *to,
                                const bdl_scope *s, uint32_t n,
                                bdl_scope **out) {
  bdl_scope *o = bx_arena_alloc(&to->arena, n * sizeof *o);
  if (!o)
    return BISCUIT_E_NOMEM;
  biscuit_status st = BISCUIT_OK;
  for (uint32_t i = 0; i < n && st == BISCUIT_OK; i++) {
    o[i] = s[i];
    if (s[i].kind == BDL_SCOPE_KEY)
      st = map_sym(from->keys, to->keys, s[i].key, &o[i].key);
  }
  *out = o;
  return st;
}

biscuit_status bdl_translate_rule(const bdl_env *from, bdl_env *to,
                                  const bdl_rule *r, bdl_rule *out) {
  memset(out, 0, sizeof *out);
  out->n_body = r->n_body;
  out->n_exprs = r->n_exprs;
  out->n_scopes = r->n_scopes;
  out->body = bx_arena_alloc(&to->arena, r->n_body * sizeof(bdl_pred));
  out->exprs = bx_arena_alloc(&to->arena, r->n_exprs * sizeof(bdl_expr));
  if (!out->body || !out->exprs)
    return BISCUIT_E_NOMEM;
  biscuit_status st = tr_pred(from, to, &r->head, &out->head);
  for (uint32_t i = 0; i < r->n_body && st == BISCUIT_OK; i++)
    st = tr_pred(from, to, &r->body[i], &out->body[i]);
  for (uint32_t i = 0; i < r->n_exprs && st == BISCUIT_OK; i++) {
    out->exprs[i].n_ops = r->exprs[i].n_ops;
    st = tr_ops(from, to, r->exprs[i].ops, r->exprs[i].n_ops,
                &out->exprs[i].ops, 0);
  }
  if (st == BISCUIT_OK)
    st = tr_scopes(from, to, r->scopes, r->n_scopes, &out->scopes);
  return st;
}

static biscuit_status tr_queries(const bdl_env *from, bdl_env *to,
                                 const bdl_rule *q, uint32_t n,
                                 bdl_rule **out) {
  bdl_rule *o = bx_arena_alloc(&to->arena, n * sizeof *o);
  if (!o)
    return BISCUIT_E_NOMEM;
  biscuit_status st = BISCUIT_OK;
  for (uint32_t i = 0; i < n && st == BISCUIT_OK; i++)
    st = bdl_translate_rule(from, to, &q[i], &o[i]);
  *out = o;
  return st;
}

static biscuit_status tr_block_body(const bdl_env *from, bdl_env *to,
                                    const bdl_block *b, bdl_block *out) {
  biscuit_status st = BISCUIT_OK;
  for (uint32_t i = 0; i < b->n_facts && st == BISCUIT_OK; i++) {
    bdl_pred p;
    st = tr_pred(from, to, &b->facts[i], &p);
    if (st == BISCUIT_OK)
      st = bdl_block_add_fact(out, &p);
  }
  for (uint32_t i = 0; i < b->n_rules && st == BISCUIT_OK; i++) {
    bdl_rule r;
    st = bdl_translate_rule(from, to, &b->rules[i], &r);
    if (st == BISCUIT_OK)
      st = bdl_block_add_rule(out, &r);
  }
  for (uint32_t i = 0; i < b->n_checks && st == BISCUIT_OK; i++) {
    bdl_check c = b->checks[i];
    st = tr_queries(from, to, b->checks[i].queries, c.n_queries, &c.queries);
    if (st == BISCUIT_OK)
      st = bdl_block_add_check(out, &c);
  }
  for (uint32_t i = 0; i < b->n_policies && st == BISCUIT_OK; i++) {
    bdl_policy p = b->policies[i];
    st = tr_queries(from, to, b->policies[i].queries, p.n_queries,
                    &p.queries);
    if (st == BISCUIT_OK)
      st = bdl_block_add_policy(out, &p);
  }
  for (uint32_t i = 0; i < b->n_scopes && st == BISCUIT_OK; i++) {
    bdl_scope s = b->scopes[i];
    if (s.kind == BDL_SCOPE_KEY)
      st = map_sym(from->keys, to->keys, s.key, &s.key);
    if (st == BISCUIT_OK)
      st = bdl_block_add_scope(out, &s);
  }
  return st;
}

/*
** Translate a whole block. `out` must be initialised; on failure it is
** freed and re-initialised (what went into the target arena stays there
** until the env goes).
*/
biscuit_status bdl_translate_block(const bdl_env *from, bdl_env *to,
                                   const bdl_block *b, bdl_block *out) {
  biscuit_status st = tr_block_body(from, to, b, out);
  if (st != BISCUIT_OK) {
    bdl_block_free(out);
    bdl_block_init(out);
  }
  return st;
}

biscuit_status bdl_translate_key(const bdl_env *from, bdl_env *to,
                                 uint32_t key, uint32_t *out) {
  return map_sym(from->keys, to->keys, key, out);
}
