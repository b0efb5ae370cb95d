/*
** Statement builders: predicates, facts, rule bodies, rules, checks,
** policies and `trusting` scopes. Bodies collect their predicates,
** expressions and scopes on the context's stacks (each in source order,
** predicates apart from expressions, as the reference keeps them) and are
** copied into the env's arena when the body ends.
*/
#include <string.h>

#include "parser/parse_int.h"

/* Copy n elements into the arena; empty arrays are NULL. */
static int arena_copy(bpa_ctx *ctx, const void *p, size_t n, size_t size,
                      uint32_t at, void **out) {
  *out = NULL;
  if (n == 0)
    return 0;
  *out = bx_arena_dup(&ctx->env->arena, p, n * size);
  if (*out)
    return 0;
  return bpa_fail_status(
      ctx, at, ctx->env->arena.over_cap ? BISCUIT_E_LIMIT : BISCUIT_E_NOMEM);
}

static int grow(bpa_ctx *ctx, void **arr, size_t *cap, size_t n, size_t size,
                uint32_t at) {
  if (bx_grow(arr, cap, n + 1, size))
    return 0;
  return bpa_fail_status(ctx, at, BISCUIT_E_NOMEM);
}

int bpa_pred(bpa_ctx *ctx, bpa_tok name, uint32_t start, bpa_loc loc,
             bpa_predv *out) {
  (void)ctx;
  out->name = name;
  out->start = start == BPA_NONE ? (uint32_t)ctx->n_terms : start;
  out->n = (uint32_t)ctx->n_terms - out->start;
  out->loc = loc;
  return 0;
}

/* Intern the name and move the terms off the term stack. */
static int take_pred(bpa_ctx *ctx, const bpa_predv *p, bdl_pred *out) {
  out->name =
      bdl_symtab_intern(ctx->env->syms, ctx->src + p->name.off, p->name.len);
  if (out->name == BDL_NOSYM)
    return bpa_fail_status(ctx, p->loc.start, BISCUIT_E_NOMEM);
  out->n_terms = p->n;
  /* ctx->terms is still NULL when no term was ever pushed (`a() <- true`) */
  if (arena_copy(ctx, p->n ? ctx->terms + p->start : NULL, p->n,
                 sizeof *ctx->terms,
                 p->loc.start, (void **)&out->terms))
    return -1;
  ctx->n_terms = p->start;
  return 0;
}

/* Body predicates and facts have at least one term (parser.rs uses
   separated_list1); only rule heads may be empty, as in `query()`. */
static int need_terms(bpa_ctx *ctx, const bpa_predv *p, const char *what) {
  if (p->n > 0)
    return 0;
  return bpa_error_at(ctx, p->loc.end - 1, BISCUIT_E_PARSE,
                      "%s needs at least one term", what);
}

/* spec "Terminology": a fact is a predicate without variables. */
int bpa_fact(bpa_ctx *ctx, const bpa_predv *p) {
  bdl_pred f;
  if (need_terms(ctx, p, "a fact"))
    return -1;
  for (uint32_t i = p->start; i < p->start + p->n; i++)
    if (ctx->terms[i].kind == BDL_VAR)
      return bpa_error_at(ctx, ctx->term_loc[i], BISCUIT_E_PARSE,
                          "variables are not allowed in facts");
  if (take_pred(ctx, p, &f))
    return -1;
  biscuit_status st = bdl_block_add_fact(ctx->out, &f);
  return st ? bpa_fail_status(ctx, p->loc.start, st) : 0;
}

int bpa_body_pred(bpa_ctx *ctx, const bpa_predv *p) {
  if (need_terms(ctx, p, "a predicate") ||
      grow(ctx, (void **)&ctx->preds, &ctx->cap_preds, ctx->n_preds,
           sizeof *ctx->preds, p->loc.start) ||
      take_pred(ctx, p, &ctx->preds[ctx->n_preds]))
    return -1;
  ctx->n_preds++;
  return 0;
}

/* A finished body expression: ops [start, n_ops) move to the arena. */
int bpa_body_expr(bpa_ctx *ctx, uint32_t start, bpa_loc loc) {
  bdl_expr *e;
  if (grow(ctx, (void **)&ctx->exprs, &ctx->cap_exprs, ctx->n_exprs,
           sizeof *ctx->exprs, loc.start))
    return -1;
  e = &ctx->exprs[ctx->n_exprs];
  e->n_ops = (uint32_t)(ctx->n_ops - start);
  if (arena_copy(ctx, ctx->ops + start, e->n_ops, sizeof *ctx->ops, loc.start,
                 (void **)&e->ops))
    return -1;
  ctx->n_ops = start;
  ctx->n_exprs++;
  return 0;
}

/* Package the collected predicates, expressions and scopes as a rule
   body (its head is set by the caller). */
int bpa_body(bpa_ctx *ctx, bdl_rule *out) {
  uint32_t at = ctx->tok_loc[1].start;
  memset(out, 0, sizeof *out);
  out->n_body = (uint32_t)ctx->n_preds;
  out->n_exprs = (uint32_t)ctx->n_exprs;
  out->n_scopes = (uint32_t)ctx->n_scopes;
  if (arena_copy(ctx, ctx->preds, ctx->n_preds, sizeof *ctx->preds, at,
                 (void **)&out->body) ||
      arena_copy(ctx, ctx->exprs, ctx->n_exprs, sizeof *ctx->exprs, at,
                 (void **)&out->exprs) ||
      arena_copy(ctx, ctx->scopes, ctx->n_scopes, sizeof *ctx->scopes, at,
                 (void **)&out->scopes))
    return -1;
  ctx->n_preds = ctx->n_exprs = ctx->n_scopes = 0;
  return 0;
}

static bool bound_in_body(const bdl_rule *r, uint32_t var) {
  for (uint32_t i = 0; i < r->n_body; i++)
    for (uint32_t j = 0; j < r->body[i].n_terms; j++)
      if (r->body[i].terms[j].kind == BDL_VAR && r->body[i].terms[j].id == var)
        return true;
  return false;
}

/* Add var to the list of unbound variables (once), with its location. */
static void note_unbound(const bdl_rule *r, uint32_t var, uint32_t *list,
                         uint32_t *n, uint32_t cap) {
  if (bound_in_body(r, var))
    return;
  for (uint32_t i = 0; i < *n; i++)
    if (list[i] == var)
      return;
  if (*n < cap)
    list[(*n)++] = var;
}

/*
** The reference refuses a rule whose head or expressions use a variable
** that no body predicate binds (builder.rs validate_variables; only the
** top level of expressions is looked at, not closure bodies).
*/
static int check_bound(bpa_ctx *ctx, const bpa_predv *head,
                       const bdl_rule *body) {
  uint32_t list[8], n = 0, at = head->loc.start;
  for (uint32_t i = head->start; i < head->start + head->n; i++)
    if (ctx->terms[i].kind == BDL_VAR) {
      if (n == 0 && !bound_in_body(body, ctx->terms[i].id))
        at = ctx->term_loc[i];
      note_unbound(body, ctx->terms[i].id, list, &n, 8);
    }
  for (uint32_t e = 0; e < body->n_exprs; e++)
    for (uint32_t i = 0; i < body->exprs[e].n_ops; i++) {
      const bdl_op *op = &body->exprs[e].ops[i];
      if (op->type == BDL_OP_VALUE && op->u.value.kind == BDL_VAR)
        note_unbound(body, op->u.value.id, list, &n, 8);
    }
  if (n == 0)
    return 0;
  bx_buf b;
  bx_buf_init(&b, 256);
  for (uint32_t i = 0; i < n; i++)
    bx_buf_printf(&b, "%s$%s", i ? ", " : "",
                  bdl_symtab_str(ctx->env->syms, list[i], NULL));
  bpa_error_at(ctx, at, BISCUIT_E_PARSE,
               "%s %s %s not bound by any predicate of the rule body",
               n > 1 ? "variables" : "variable", b.data ? b.data : "?",
               n > 1 ? "are" : "is");
  bx_buf_free(&b);
  return -1;
}

int bpa_rule(bpa_ctx *ctx, const bpa_predv *head, const bdl_rule *body) {
  bdl_rule r = *body;
  if (check_bound(ctx, head, body) || take_pred(ctx, head, &r.head))
    return -1;
  biscuit_status st = bdl_block_add_rule(ctx->out, &r);
  return st ? bpa_fail_status(ctx, head->loc.start, st) : 0;
}

/* Each `or` alternative of a check or policy is a rule with the head
   `query()` (parser.rs check_body). */
int bpa_query(bpa_ctx *ctx, const bdl_rule *body, bpa_loc loc) {
  if (grow(ctx, (void **)&ctx->queries, &ctx->cap_queries, ctx->n_queries,
           sizeof *ctx->queries, loc.start))
    return -1;
  bdl_rule *q = &ctx->queries[ctx->n_queries++];
  *q = *body;
  q->head.name = BDL_SYM_QUERY;
  q->head.n_terms = 0;
  q->head.terms = NULL;
  return 0;
}

static int take_queries(bpa_ctx *ctx, bpa_loc loc, uint32_t *n,
                        bdl_rule **out) {
  *n = (uint32_t)ctx->n_queries;
  ctx->n_queries = 0;
  return arena_copy(ctx, ctx->queries, *n, sizeof **out, loc.start,
                    (void **)out);
}

int bpa_check(bpa_ctx *ctx, bdl_check_kind kind, bpa_loc loc) {
  bdl_check c;
  c.kind = kind;
  if (take_queries(ctx, loc, &c.n_queries, &c.queries))
    return -1;
  biscuit_status st = bdl_block_add_check(ctx->out, &c);
  return st ? bpa_fail_status(ctx, loc.start, st) : 0;
}

/* spec "Semantics": policies only exist in the authorizer. */
int bpa_policy(bpa_ctx *ctx, bdl_policy_kind kind, bpa_loc loc) {
  bdl_policy p;
  if (ctx->kind == BPA_BLOCK)
    return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                        "policies (allow if, deny if) are only allowed in "
                        "an authorizer");
  p.kind = kind;
  if (take_queries(ctx, loc, &p.n_queries, &p.queries))
    return -1;
  biscuit_status st = bdl_block_add_policy(ctx->out, &p);
  return st ? bpa_fail_status(ctx, loc.start, st) : 0;
}

/* ----------------------------------------------------------------- scopes */

static int push_scope(bpa_ctx *ctx, bdl_scope_kind kind, uint32_t key,
                      uint32_t at) {
  if (grow(ctx, (void **)&ctx->scopes, &ctx->cap_scopes, ctx->n_scopes,
           sizeof *ctx->scopes, at))
    return -1;
  ctx->scopes[ctx->n_scopes].kind = kind;
  ctx->scopes[ctx->n_scopes].key = key;
  ctx->n_scopes++;
  return 0;
}

int bpa_scope_name(bpa_ctx *ctx, bpa_tok name, bpa_loc loc) {
  const char *s = ctx->src + name.off;
  if (name.len == 9 && memcmp(s, "authority", 9) == 0)
    return push_scope(ctx, BDL_SCOPE_AUTHORITY, 0, loc.start);
  if (name.len == 8 && memcmp(s, "previous", 8) == 0)
    return push_scope(ctx, BDL_SCOPE_PREVIOUS, 0, loc.start);
  return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                      "unknown scope '%.*s': expected authority, previous "
                      "or a public key",
                      (int)name.len, s);
}

/* Keys are interned as "<alg>/<lowercase hex>" into env->keys. */
static int intern_key(bpa_ctx *ctx, const char *s, size_t n, uint32_t at) {
  char buf[80];
  for (size_t i = 0; i < n; i++)
    buf[i] = s[i] >= 'A' && s[i] <= 'F' ? (char)(s[i] + 32) : s[i];
  uint32_t id = bdl_symtab_intern(ctx->env->keys, buf, n);
  if (id == BDL_NOSYM)
    return bpa_fail_status(ctx, at, BISCUIT_E_NOMEM);
  return push_scope(ctx, BDL_SCOPE_KEY, id, at);
}

int bpa_scope_key(bpa_ctx *ctx, bpa_tok key, bpa_loc loc) {
  return intern_key(ctx, ctx->src + key.off, key.len, loc.start);
}

/* `trusting {name}`: a key parameter, bound as text in bpa_options. */
int bpa_scope_param(bpa_ctx *ctx, bpa_tok name, bpa_loc loc) {
  const char *s = ctx->src + name.off;
  const bpa_options *o = ctx->opt;
  for (size_t i = 0; o && i < o->n_key_params; i++) {
    const char *p = o->key_param_names[i], *v = o->key_param_values[i];
    if (!p || strlen(p) != name.len || memcmp(p, s, name.len) != 0)
      continue;
    const char *why = v ? bpa_check_key(v, strlen(v)) : "no value";
    if (why)
      return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                          "parameter {%.*s} is not a public key: %s",
                          (int)name.len, s, why);
    return intern_key(ctx, v, strlen(v), loc.start);
  }
  return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                      "unbound parameter {%.*s}", (int)name.len, s);
}

/* Block-level `trusting ...;` (parser.rs parse_block_source). */
int bpa_block_scopes(bpa_ctx *ctx) {
  for (size_t i = 0; i < ctx->n_scopes; i++) {
    biscuit_status st = bdl_block_add_scope(ctx->out, &ctx->scopes[i]);
    if (st)
      return bpa_fail_status(ctx, 0, st);
  }
  ctx->n_scopes = 0;
  return 0;
}
