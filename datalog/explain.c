/*
** Explaining a decision (explain.h): the decision is taken again with the
** world's own machinery, then each failed check and the policies are
** explained query by query (explain_search.c finds, explain_text.c and
** explain_hint.c say). The order is the reference's, as bdl_result
** lists the failed checks (reference-behaviour.md §3 "Order and
** collection").
*/
#include "datalog/explain_int.h"
#include "datalog/print.h"

struct report {
  bdl_world *w;
  const bdl_limits *l;
  bx_buf *out;
  bx_diag *d;
};

static biscuit_status nomem(bx_diag *d) {
  return bx_fail(d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
}

/*
** A compiled query: the first predicate nothing trusted matches alone,
** else the closest binding the search finds.
*/
static biscuit_status explain_body(struct report *r, struct bdl_xq *x,
                                   enum bdl_xgoal goal, unsigned indent) {
  uint32_t empty;
  bdl_xq_count(x, &empty);
  if (empty < x->n_preds) {
    bdl_xt_no_fact(r->out, x, empty, indent);
    return BISCUIT_OK;
  }
  if (x->limit) { /* stopped while counting */
    bdl_xt_stopped(r->out, x, indent);
    return BISCUIT_OK;
  }
  biscuit_status st = bdl_xq_search(x, goal, r->d);
  if (st == BISCUIT_OK)
    bdl_xt_result(r->out, x, goal, indent);
  return st;
}

/*
** One query of block `block`, trusting what the evaluator trusts for it
** (its scopes, else the block's defaults). Its scratch memory goes when
** it is done. *matched: a binding passing the query was found.
*/
static biscuit_status explain_query(struct report *r, const bdl_rule *q,
                                    uint32_t block, enum bdl_xgoal goal,
                                    const char *what, unsigned indent,
                                    bool *matched) {
  bx_arena_mark m = bx_arena_save(&r->w->scratch);
  struct bdl_xq x;
  biscuit_status st =
      bdl_xq_init(&x, r->w, q, bdl_rule_trust(r->w, q, block), r->l, r->d);
  x.what = what;
  if (st == BISCUIT_OK)
    st = explain_body(r, &x, goal, indent);
  *matched = st == BISCUIT_OK && x.hit.set && goal != BDL_X_ALL;
  bx_arena_rollback(&r->w->scratch, m);
  return st;
}

/*
** The queries of a check or policy, each under "alternative K:" when
** there are several. A matched policy stops at the alternative that
** matched, as the evaluator does.
*/
static biscuit_status explain_queries(struct report *r, const bdl_rule *qs,
                                      uint32_t n, uint32_t block,
                                      enum bdl_xgoal goal, const char *what,
                                      bool first_match) {
  for (uint32_t k = 0; k < n; k++) {
    unsigned indent = 2;
    bool matched = false;
    if (n > 1) {
      bx_buf_printf(r->out, "  alternative %u:\n", k + 1);
      indent = 4;
    }
    biscuit_status st =
        explain_query(r, &qs[k], block, goal, what, indent, &matched);
    if (st != BISCUIT_OK)
      return st;
    if (first_match && matched)
      break;
  }
  return BISCUIT_OK;
}

/*
** A failed check: `check if` matched nothing, `check all` had a failing
** binding or none, `reject if` matched (with several queries, every one
** of them did: the check passes as soon as one query does not match).
*/
static biscuit_status failed_check(struct report *r,
                                   const bdl_failed_check *f) {
  const bdl_check *c = f->check;
  if (f->block_id == BDL_AUTHORIZER_ID)
    bx_buf_printf(r->out, "\nauthorizer check %u failed: ", f->check_index);
  else
    bx_buf_printf(r->out, "\nblock %u check %u failed: ", f->block_id,
                  f->check_index);
  bdl_print_check(r->out, r->w->env, c);
  bx_buf_putc(r->out, '\n');
  enum bdl_xgoal goal = c->kind == BDL_CHECK_ALL   ? BDL_X_ALL
                        : c->kind == BDL_REJECT_IF ? BDL_X_MATCH
                                                   : BDL_X_MISS;
  return explain_queries(r, c->queries, c->n_queries, f->block_id, goal,
                         "check", false);
}

static biscuit_status policy(struct report *r, uint32_t i, const bdl_policy *p,
                             bool matched) {
  bx_buf_printf(r->out,
                "\n%s policy %u %s: ", p->kind == BDL_DENY ? "deny" : "allow",
                i, matched ? "matched" : "did not match");
  bdl_print_policy(r->out, r->w->env, p);
  bx_buf_putc(r->out, '\n');
  if (p->n_queries == 0)
    bx_buf_puts(r->out, "  it has no query, so it never matches\n");
  return explain_queries(r, p->queries, p->n_queries, BDL_AUTHORIZER_ID,
                         matched ? BDL_X_MATCH : BDL_X_MISS, "policy", matched);
}

/*
** The allow policies before policy `end` (all of them: the block's
** count), each of which did not match: why the request was not allowed.
*/
static biscuit_status unmatched_allows(struct report *r, uint32_t end,
                                       uint32_t *n_allow) {
  const bdl_block *blk = r->w->blocks[BDL_AUTHORIZER_ID];
  *n_allow = 0;
  for (uint32_t i = 0; blk && i < blk->n_policies && i < end; i++) {
    if (blk->policies[i].kind != BDL_ALLOW)
      continue;
    ++*n_allow;
    biscuit_status st = policy(r, i, &blk->policies[i], false);
    if (st != BISCUIT_OK)
      return st;
  }
  return BISCUIT_OK;
}

/*
** An allow policy that decided: its binding. A deny policy that decided:
** first why no allow policy before it matched (the usual reason for a
** denial is a fall-through to `deny if true`), then its binding. None
** decided: why no allow policy matched.
*/
static biscuit_status policies(struct report *r, const bdl_result *res) {
  uint32_t n_allow = 0;
  biscuit_status st = BISCUIT_OK;
  if (res->policy_kind == BDL_ALLOW)
    return policy(r, res->policy_index, res->policy, true);
  if (res->policy_kind == BDL_DENY) {
    st = unmatched_allows(r, res->policy_index, &n_allow);
    return st == BISCUIT_OK ? policy(r, res->policy_index, res->policy, true)
                            : st;
  }
  st = unmatched_allows(r, UINT32_MAX, &n_allow);
  if (st == BISCUIT_OK && n_allow == 0)
    bx_buf_puts(r->out, "\nthere is no allow policy: nothing can allow "
                        "this request\n");
  return st;
}

static void verdict(bx_buf *out, const bdl_env *e, const bdl_result *res) {
  if (res->policy_kind == BDL_ALLOW && res->n_failed == 0) {
    bx_buf_printf(out, "allowed by allow policy %u: ", res->policy_index);
    bdl_print_policy(out, e, res->policy);
  } else if (res->policy_kind == BDL_DENY) {
    bx_buf_printf(out, "denied: deny policy %u matched: ", res->policy_index);
    bdl_print_policy(out, e, res->policy);
  } else if (res->policy_kind == BDL_ALLOW) {
    bx_buf_printf(out, "denied: allow policy %u matched, but checks failed",
                  res->policy_index);
  } else {
    bx_buf_puts(out, "denied: no policy matched");
  }
  bx_buf_putc(out, '\n');
}

/*
** Decide again. The fixpoint is done, so this runs checks and policies
** only; it was decided once within the limits, so the clock, which
** would make the second answer depend on the machine's load, is off.
** The work limit stays.
*/
static biscuit_status decide(bdl_world *w, const bdl_limits *l, bdl_result *res,
                             bx_diag *d) {
  bdl_limits lim;
  if (l)
    lim = *l;
  else
    bdl_limits_default(&lim);
  lim.max_time_ns = 0;
  biscuit_status st = bdl_world_authorize(w, &lim, res, d);
  return st == BISCUIT_DENIED ? BISCUIT_OK : st;
}

static biscuit_status write_report(struct report *r, const bdl_result *res) {
  verdict(r->out, r->w->env, res);
  for (uint32_t i = 0; i < res->n_failed; i++) {
    biscuit_status st = failed_check(r, &res->failed[i]);
    if (st != BISCUIT_OK)
      return st;
  }
  return policies(r, res);
}

biscuit_status bdl_world_explain(bdl_world *w, const bdl_limits *l, char **out,
                                 bx_diag *d) {
  if (out)
    *out = NULL;
  if (!w || !out)
    return bx_fail(d, BISCUIT_E_MISUSE, "Misuse", "no world or output");
  if (w->state != BDL_RUN_DONE)
    return bx_fail(d, BISCUIT_E_MISUSE, "Misuse",
                   "nothing to explain: the world has not been authorized "
                   "since it last changed");
  bdl_result res;
  biscuit_status st = decide(w, l, &res, d);
  if (st != BISCUIT_OK)
    return st;
  bx_buf b;
  bx_buf_init(&b, 0);
  struct report r = {w, l, &b, d};
  st = write_report(&r, &res);
  bdl_result_free(&res);
  if (st == BISCUIT_OK && b.failed)
    st = nomem(d);
  if (st == BISCUIT_OK) {
    *out = bx_buf_take(&b);
    if (!*out)
      st = nomem(d);
  }
  bx_buf_free(&b);
  return st;
}
