/*
** Explaining one query, the search: the closest binding, depth first
** over a query compiled and counted by explain_query.c (biscuit.h,
** biscuit_authorizer_explain).
**
** "Closest" orders candidates by how far they got: a candidate that
** binds more predicates is closer, and a full binding is closer when
** more of its expressions, in written order, are true before the first
** false one. Predicates are joined from the most selective alone (fewest
** matching facts; on a tie the request's own facts first, then written
** order), so a dead end shows up early and names the predicate a policy
** author most likely has to look at: with `right($r, $op), resource($r),
** operation($op)` and one fact each, the search binds the request's
** resource and operation and then says which right is missing.
**
** The search only reads the world. Relations are scanned row by row
** under a fresh budget (one work unit per row, plus what expressions
** spend) and at most BDL_X_MAX_CANDIDATES rows are accepted; a run
** limit or an expression error ends a candidate or the search, never the
** explanation. Trust is the evaluator's: a row is seen only when its
** origin is within the query's trusted origins.
*/
#include <stdlib.h>
#include <string.h>

#include "datalog/explain_int.h"

static biscuit_status nomem(bx_diag *d) {
  return bx_fail(d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
}

/* ------------------------------------------------------------ the plan */

struct rank {
  uint64_t count;
  bool given;
  uint32_t p;
};

static int cmp_rank(const void *a, const void *b) {
  const struct rank *x = a, *y = b;
  if (x->count != y->count)
    return x->count < y->count ? -1 : 1;
  if (x->given != y->given)
    return x->given ? -1 : 1;
  return x->p < y->p ? -1 : x->p > y->p;
}

/*
** Join order by alone count (stable), and the level at which each slot
** is first bound: a slot is bound in a candidate of depth k iff its
** level is below k.
*/
static bool plan(struct bdl_xq *x) {
  struct rank *r = bdl_scratch(x->w, x->n_preds, sizeof *r);
  if (!r)
    return false;
  for (uint32_t p = 0; p < x->n_preds; p++) {
    r[p].count = x->count[p];
    r[p].given = x->given[p];
    r[p].p = p;
  }
  qsort(r, x->n_preds, sizeof *r, cmp_rank);
  for (uint32_t s = 0; s < x->n_vars; s++)
    x->level[s] = UINT32_MAX;
  for (uint32_t k = 0; k < x->n_preds; k++) {
    uint32_t p = x->order[k] = r[k].p;
    for (uint32_t t = 0; t < x->q->body[p].n_terms; t++) {
      int32_t s = x->slot[x->off[p] + t];
      if (s >= 0 && x->level[s] == UINT32_MAX)
        x->level[s] = k;
    }
  }
  return true;
}

/* ------------------------------------------------------------ the search */

/*
** Keep candidate c when it is closer than what `into` holds: the rows of
** the predicates bound so far and the binding.
*/
static void record(struct bdl_xq *x, struct bdl_xcand *into, uint32_t depth,
                   uint32_t stop, uint32_t expr, const char *err) {
  bool full = depth == x->n_preds;
  uint32_t score = full ? x->n_preds + expr : depth;
  if (into->set && score <= into->score)
    return;
  into->set = true;
  into->full = full;
  into->score = score;
  into->depth = depth;
  into->stop = stop;
  into->expr = expr;
  into->err = err;
  for (uint32_t p = 0; p < x->n_preds; p++)
    into->row[p] = BDL_ROW_END;
  for (uint32_t k = 0; k < depth; k++)
    into->row[x->order[k]] = x->row[x->order[k]];
  if (x->n_vars)
    memcpy(into->vals, x->vals, x->n_vars * sizeof *x->vals);
}

/* A limit that ends the search, rather than one expression. */
static bool stops_search(biscuit_status st, const char *tag) {
  return st == BISCUIT_E_LIMIT && tag &&
         (!strcmp(tag, "WorkBudget") || !strcmp(tag, "Timeout"));
}

/*
** The expressions of a full binding, in written order, up to the first
** that is false or fails (*err: the VM's tag; a non-boolean is the
** evaluator's InvalidType). What they allocate in the env is dropped.
*/
static biscuit_status run_exprs(struct bdl_xq *x, uint32_t *n_true,
                                const char **err, bx_diag *d) {
  bx_arena *a = &x->w->env->arena;
  bx_arena_mark m = bx_arena_save(a);
  bool over_cap = a->over_cap;
  biscuit_status st = BISCUIT_OK;
  *n_true = 0;
  *err = NULL;
  for (uint32_t i = 0; i < x->q->n_exprs; i++) {
    bdl_term out;
    bx_diag_clear(&x->ed);
    biscuit_status e = bdl_expr_eval(&x->b.ctx, &x->q->exprs[i], x->var_ids,
                                     x->vals, x->n_vars, &out, &x->ed);
    if (e == BISCUIT_E_NOMEM) {
      st = nomem(d);
      break;
    }
    if (stops_search(e, x->ed.tag)) {
      x->limit = x->ed.tag;
      break;
    }
    if (e != BISCUIT_OK || out.kind != BDL_BOOL) {
      *err =
          e != BISCUIT_OK ? (x->ed.tag ? x->ed.tag : "Error") : "InvalidType";
      break;
    }
    if (!out.id)
      break;
    (*n_true)++;
  }
  if (a->used != m.used) {
    bx_arena_rollback(a, m);
    a->over_cap = over_cap;
  }
  return st;
}

/* A full binding: a hit (what the goal looks for) or a near miss. */
static biscuit_status visit_full(struct bdl_xq *x, enum bdl_xgoal goal,
                                 bx_diag *d) {
  uint32_t n_true;
  const char *err;
  biscuit_status st = run_exprs(x, &n_true, &err, d);
  if (st != BISCUIT_OK || x->limit)
    return st;
  bool pass = !err && n_true == x->q->n_exprs;
  if (goal == BDL_X_ALL && pass)
    x->n_full++;
  else if (goal == BDL_X_ALL || pass)
    record(x, &x->hit, x->n_preds, 0, n_true, err);
  else
    record(x, &x->best, x->n_preds, 0, n_true, err);
  return BISCUIT_OK;
}

/* The next trusted row at level k that fits the binding, bound into it. */
static uint32_t next_row(struct bdl_xq *x, uint32_t k) {
  uint32_t p = x->order[k];
  const bdl_pred *bp = &x->q->body[p];
  const struct bdl_rel *r = &x->w->rels[x->rel[p]];
  while (x->cur[k] < r->n_rows) {
    uint32_t row = x->cur[k]++;
    if (!bdl_xq_spend(x, 1))
      return BDL_ROW_END;
    const bdl_term *t = bdl_row(r, row);
    if (!bdl_origin_subset(r->origins[row], x->trusted))
      continue;
    bool ok = true;
    for (uint32_t i = 0; i < bp->n_terms && ok; i++) {
      uint32_t j = x->off[p] + i;
      int32_t s = x->slot[j];
      if (s < 0)
        ok = bdl_teq(&t[i], &bp->terms[i]);
      else if (x->level[s] < k)
        ok = bdl_teq(&t[i], &x->vals[s]);
      else if (x->same[j] >= 0)
        ok = bdl_teq(&t[i], &t[x->same[j]]);
      else
        x->vals[s] = t[i];
    }
    if (ok)
      return row;
  }
  return BDL_ROW_END;
}

/*
** Depth first over the plan, iteratively. A level whose scan ends
** without accepting any row is a dead end: a candidate of that depth,
** stopped at that level's predicate. Every predicate has trusted facts
** alone (bdl_xq_count), so level 0 always accepts one.
*/
biscuit_status bdl_xq_search(struct bdl_xq *x, enum bdl_xgoal goal,
                             bx_diag *d) {
  if (!plan(x))
    return nomem(d);
  if (x->n_preds == 0) /* one binding, the empty one */
    return visit_full(x, goal, d);
  uint32_t k = 0;
  x->cur[0] = 0;
  x->seen[0] = false;
  for (;;) {
    uint32_t row = next_row(x, k);
    if (row == BDL_ROW_END) {
      if (x->limit)
        return BISCUIT_OK;
      if (!x->seen[k])
        record(x, &x->best, k, x->order[k], 0, NULL);
      if (k == 0)
        return BISCUIT_OK;
      k--;
      continue;
    }
    if (x->n_cand >= BDL_X_MAX_CANDIDATES) {
      x->capped = true;
      return BISCUIT_OK;
    }
    x->n_cand++;
    x->seen[k] = true;
    x->row[x->order[k]] = row;
    if (k + 1 < x->n_preds) {
      k++;
      x->cur[k] = 0;
      x->seen[k] = false;
      continue;
    }
    biscuit_status st = visit_full(x, goal, d);
    if (st != BISCUIT_OK || x->limit || x->hit.set)
      return st;
  }
}
