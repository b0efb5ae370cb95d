/*
** Authorization: checks and policies in the reference's order, and
** queries over the final world (spec "Checks", "Allow/deny policies",
** "Authorizer", "Queries"; reference-behaviour.md §3, token/authorizer.rs
** Authorizer::authorize_inner, query_inner, query_all_inner).
*/
#include <string.h>

#include "datalog/world_int.h"

void bdl_result_free(bdl_result *r) {
  if (!r)
    return;
  bx_free(r->failed);
  r->failed = NULL;
  r->n_failed = 0;
}

struct authz {
  bdl_world *w;
  struct bdl_budget b;
  bdl_result *out;
  size_t cap_failed;
  bx_diag *d;
};

/*
** One query of a check or policy, with its trusted origins: its own
** scopes, else `dflt` (the block's or the authorizer's defaults).
** `check all` needs every binding to pass (Rule::check_match_all).
*/
static biscuit_status run_query(struct authz *a, const bdl_rule *q,
                                uint32_t block, bdl_origin dflt, uint32_t kind,
                                bool *res) {
  bdl_origin trusted = bdl_trusted(a->w, q->scopes, q->n_scopes, dflt, block);
  enum bdl_jmode mode = kind == BDL_CHECK_ALL ? BDL_J_ALL : BDL_J_MATCH;
  bool found = false;
  biscuit_status st =
      bdl_eval_query(a->w, &a->b, q, trusted, block, mode, &found, NULL, a->d);
  if (st != BISCUIT_OK)
    return st;
  *res = kind == BDL_REJECT_IF ? !found : found;
  /* reference: the clock is read after every query */
  return bdl_budget_clock(&a->b, a->d);
}

static biscuit_status add_failed(struct authz *a, uint32_t block,
                                 uint32_t index, const bdl_check *c) {
  bdl_result *r = a->out;
  if (!bx_grow((void **)&r->failed, &a->cap_failed, (size_t)r->n_failed + 1,
               sizeof *r->failed))
    return bx_fail(a->d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  r->failed[r->n_failed].block_id = block;
  r->failed[r->n_failed].check_index = index;
  r->failed[r->n_failed].check = c;
  r->n_failed++;
  return BISCUIT_OK;
}

/*
** Every check of a block; a check passes if one of its queries does
** (`reject if`: if none matches). Failures are collected, not fatal.
*/
static biscuit_status block_checks(struct authz *a, uint32_t id) {
  const bdl_block *blk = a->w->blocks[id];
  if (!blk)
    return BISCUIT_OK;
  bdl_origin dflt = bdl_block_trust(a->w, id);
  for (uint32_t i = 0; i < blk->n_checks; i++) {
    const bdl_check *c = &blk->checks[i];
    bool ok = false;
    for (uint32_t k = 0; k < c->n_queries && !ok; k++) {
      biscuit_status st = run_query(a, &c->queries[k], id, dflt, c->kind, &ok);
      if (st != BISCUIT_OK)
        return st;
    }
    if (!ok) {
      biscuit_status st = add_failed(a, id, i, c);
      if (st != BISCUIT_OK)
        return st;
    }
  }
  return BISCUIT_OK;
}

/* spec "Allow/deny policies": in order, the first matching one decides. */
static biscuit_status policies(struct authz *a) {
  const bdl_block *blk = a->w->blocks[BDL_AUTHORIZER_ID];
  if (!blk)
    return BISCUIT_OK;
  bdl_origin dflt = bdl_block_trust(a->w, BDL_AUTHORIZER_ID);
  for (uint32_t i = 0; i < blk->n_policies; i++) {
    const bdl_policy *p = &blk->policies[i];
    for (uint32_t k = 0; k < p->n_queries; k++) {
      bool match = false;
      biscuit_status st = run_query(a, &p->queries[k], BDL_AUTHORIZER_ID, dflt,
                                    BDL_CHECK_IF, &match);
      if (st != BISCUIT_OK)
        return st;
      if (match) {
        a->out->policy_kind = (int)p->kind;
        a->out->policy_index = i;
        a->out->policy = p;
        return BISCUIT_OK;
      }
    }
  }
  return BISCUIT_OK;
}

/* Authorizer checks, authority checks, policies, then blocks 1..n. */
static biscuit_status decide(struct authz *a) {
  biscuit_status st = block_checks(a, BDL_AUTHORIZER_ID);
  if (st == BISCUIT_OK)
    st = block_checks(a, 0);
  if (st == BISCUIT_OK)
    st = policies(a);
  for (uint32_t id = bdl_next_block(a->w, 1);
       st == BISCUIT_OK && id < BDL_MAX_BLOCKS;
       id = bdl_next_block(a->w, id + 1))
    st = block_checks(a, id);
  return st;
}

/*
** Run if needed, sharing one budget between the fixpoint and the checks;
** after an earlier bdl_world_run, what it spent is deducted first (the
** reference passes max_time - elapsed on, and times out if none is left).
*/
static biscuit_status start(struct authz *a, const bdl_limits *l) {
  bdl_world *w = a->w;
  if (w->state == BDL_RUN_DONE) {
    bdl_budget_init(&a->b, w, l, w->elapsed_ns, w->work);
    return bdl_budget_clock(&a->b, a->d);
  }
  bdl_budget_init(&a->b, w, l, 0, 0);
  uint64_t work0 = a->b.ctx.work;
  biscuit_status st = bdl_eval_run(w, &a->b, a->d);
  w->elapsed_ns += bdl_now_ns() - a->b.start_ns;
  w->work += a->b.ctx.work - work0;
  w->state = st == BISCUIT_OK ? BDL_RUN_DONE : BDL_RUN_FAILED;
  return st;
}

biscuit_status bdl_world_authorize(bdl_world *w, const bdl_limits *l,
                                   bdl_result *out, bx_diag *d) {
  if (!w || !out)
    return bx_fail(d, BISCUIT_E_MISUSE, "Misuse", "no world or result");
  memset(out, 0, sizeof *out);
  out->policy_kind = -1;
  struct authz a;
  memset(&a, 0, sizeof a);
  a.w = w;
  a.out = out;
  a.d = d;
  biscuit_status st = start(&a, l);
  if (st == BISCUIT_OK)
    st = decide(&a);
  out->iterations = w->iterations;
  out->work = a.b.ctx.work;
  out->elapsed_ns = bdl_now_ns() - a.b.start_ns;
  if (st != BISCUIT_OK) {
    bdl_result_free(out);
    return st;
  }
  if (out->policy_kind == BDL_ALLOW && out->n_failed == 0)
    return BISCUIT_OK;
  return BISCUIT_DENIED;
}

/* ------------------------------------------------------------ queries */

static bdl_origin every_origin(void) {
  bdl_origin o = {{~0ULL, ~0ULL}};
  return o;
}

/*
** Authorizer::query_inner trusts {0, authorizer} without rule scopes, and
** otherwise the scopes relative to the authorizer (its block-level scopes
** deliberately ignored); query_all_inner trusts every block without
** scopes. Results: query gives each (fact, origin) once, as the
** reference's per-origin sets do; query_all each fact once.
*/
biscuit_status bdl_world_query(bdl_world *w, const bdl_rule *rule, bool all,
                               const bdl_limits *l, bdl_fact_cb cb, void *ud,
                               bx_diag *d) {
  if (!w || !rule || !cb)
    return bx_fail(d, BISCUIT_E_MISUSE, "Misuse", "no world, rule or cb");
  biscuit_status st = bdl_world_run(w, l, d);
  if (st != BISCUIT_OK)
    return st;
  bdl_origin dflt =
      bdl_origin_union(bdl_origin_one(0), bdl_origin_one(BDL_AUTHORIZER_ID));
  bdl_origin trusted = rule->n_scopes
                           ? bdl_trusted(w, rule->scopes, rule->n_scopes, dflt,
                                         BDL_AUTHORIZER_ID)
                       : all ? every_origin()
                             : dflt;
  struct bdl_budget b;
  bdl_budget_init(&b, w, l, 0, 0);
  struct bdl_rel res;
  bdl_rel_init(&res, rule->head.name, rule->head.n_terms);
  res.terms_only = all;
  st = bdl_eval_query(w, &b, rule, trusted, all ? 0 : BDL_AUTHORIZER_ID,
                      BDL_J_QUERY, NULL, &res, d);
  for (uint32_t i = 0; st == BISCUIT_OK && i < res.n_rows; i++) {
    bdl_pred p = {res.name, res.arity, (bdl_term *)bdl_row(&res, i)};
    st = cb(ud, &p, res.origins[i]);
  }
  bdl_rel_free(&res);
  return st;
}
