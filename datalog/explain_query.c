/*
** Explaining one query, the groundwork: compile the body (variables
** numbered densely as "slots", in order of first appearance), the
** fresh budget, matching a row against a predicate, and counting the
** trusted facts each predicate matches alone (biscuit.h,
** biscuit_authorizer_explain). The search is in explain_search.c.
**
** Everything is allocated in the world's scratch arena, under a mark
** the caller rolls back; the world itself is only read.
*/
#include <string.h>

#include "datalog/explain_int.h"

static biscuit_status nomem(bx_diag *d) {
  return bx_fail(d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
}

/* ------------------------------------------------------------ compile */

/* Slot of a variable in an open-addressing map (slot + 1; 0 empty). */
static int32_t var_slot(struct bdl_xq *x, uint32_t *map, size_t n_map,
                        uint32_t id) {
  size_t mask = n_map - 1;
  for (size_t i = bx_hash_u64(id) & mask;; i = (i + 1) & mask) {
    if (!map[i]) {
      x->var_ids[x->n_vars] = id;
      map[i] = ++x->n_vars;
      return (int32_t)(map[i] - 1);
    }
    if (x->var_ids[map[i] - 1] == id)
      return (int32_t)(map[i] - 1);
  }
}

/*
** Slots in order of first appearance in the body (so "every variable"
** lists them as written). `stamp` remembers which predicate last saw a
** slot and `first` its column there, which gives `same` in one pass.
*/
static bool compile_terms(struct bdl_xq *x, size_t total) {
  size_t n_map = 8;
  while (n_map < total * 2)
    n_map *= 2;
  uint32_t *map = bdl_scratch(x->w, n_map, sizeof *map);
  uint32_t *stamp = bdl_scratch(x->w, total, sizeof *stamp);
  uint32_t *first = bdl_scratch(x->w, total, sizeof *first);
  if (!map || !stamp || !first)
    return false;
  for (uint32_t p = 0; p < x->n_preds; p++) {
    const bdl_pred *bp = &x->q->body[p];
    for (uint32_t t = 0; t < bp->n_terms; t++) {
      uint32_t i = x->off[p] + t;
      x->slot[i] = x->same[i] = -1;
      if (bp->terms[t].kind != BDL_VAR)
        continue;
      int32_t s = var_slot(x, map, n_map, bp->terms[t].id);
      x->slot[i] = s;
      if (stamp[s] == p + 1) {
        x->same[i] = (int32_t)first[s];
      } else {
        stamp[s] = p + 1;
        first[s] = t;
      }
    }
  }
  return true;
}

/* The per-predicate and per-slot arrays (a slot per term at most). */
static bool alloc_arrays(struct bdl_xq *x, size_t total) {
  bdl_world *w = x->w;
  size_t n = x->n_preds;
  x->slot = bdl_scratch(w, total, sizeof *x->slot);
  x->same = bdl_scratch(w, total, sizeof *x->same);
  x->var_ids = bdl_scratch(w, total, sizeof *x->var_ids);
  x->vals = bdl_scratch(w, total, sizeof *x->vals);
  x->level = bdl_scratch(w, total, sizeof *x->level);
  x->tmp = bdl_scratch(w, total, sizeof *x->tmp);
  x->flag = bdl_scratch(w, total, sizeof *x->flag);
  x->best.vals = bdl_scratch(w, total, sizeof *x->best.vals);
  x->hit.vals = bdl_scratch(w, total, sizeof *x->hit.vals);
  x->rel = bdl_scratch(w, n, sizeof *x->rel);
  x->count = bdl_scratch(w, n, sizeof *x->count);
  x->given = bdl_scratch(w, n, sizeof *x->given);
  x->order = bdl_scratch(w, n, sizeof *x->order);
  x->cur = bdl_scratch(w, n, sizeof *x->cur);
  x->seen = bdl_scratch(w, n, sizeof *x->seen);
  x->row = bdl_scratch(w, n, sizeof *x->row);
  x->best.row = bdl_scratch(w, n, sizeof *x->best.row);
  x->hit.row = bdl_scratch(w, n, sizeof *x->hit.row);
  return x->slot && x->same && x->var_ids && x->vals && x->level && x->tmp &&
         x->flag && x->best.vals && x->hit.vals && x->rel && x->count && x->given &&
         x->order && x->cur && x->seen && x->row && x->best.row && x->hit.row;
}

/*
** A fresh budget per query: the authorizer's time limit, and its work
** limit (the default one when it has none), so that explaining never
** spends more than authorizing may.
*/
static void start_budget(struct bdl_xq *x, const bdl_limits *l) {
  bdl_limits lim;
  bdl_limits_default(&lim);
  uint64_t dflt_work = lim.max_work;
  if (l)
    lim = *l;
  if (!lim.max_work)
    lim.max_work = dflt_work;
  bdl_budget_init(&x->b, x->w, &lim, 0, 0);
  bx_diag_clear(&x->ed);
}

biscuit_status bdl_xq_init(struct bdl_xq *x, bdl_world *w, const bdl_rule *q,
                           bdl_origin trusted, const bdl_limits *l,
                           bx_diag *d) {
  memset(x, 0, sizeof *x);
  x->w = w;
  x->q = q;
  x->trusted = trusted;
  x->what = "check";
  x->n_preds = q->n_body;
  x->off = bdl_scratch(w, x->n_preds, sizeof *x->off);
  if (!x->off)
    return nomem(d);
  size_t total = 0;
  for (uint32_t p = 0; p < x->n_preds; p++) {
    x->off[p] = (uint32_t)total;
    total += q->body[p].n_terms;
    if (total > UINT32_MAX / 4)
      return nomem(d);
  }
  if (!alloc_arrays(x, total) || !compile_terms(x, total))
    return nomem(d);
  for (uint32_t p = 0; p < x->n_preds; p++)
    x->rel[p] = bdl_world_rel(w, q->body[p].name, q->body[p].n_terms);
  start_budget(x, l);
  return BISCUIT_OK;
}

/* ------------------------------------------------------------ matching */

bool bdl_xq_spend(struct bdl_xq *x, uint64_t n) {
  if (x->limit)
    return false;
  if (bdl_charge(&x->b, n, &x->ed) == BISCUIT_OK)
    return true;
  x->limit = x->ed.tag ? x->ed.tag : "WorkBudget";
  return false;
}

bool bdl_xq_bound(const struct bdl_xq *x, const struct bdl_xcand *c,
                  uint32_t s) {
  return c->full || x->level[s] < c->depth;
}

bool bdl_xq_match(const struct bdl_xq *x, uint32_t p, const bdl_term *row,
                  const struct bdl_xcand *c) {
  const bdl_pred *bp = &x->q->body[p];
  for (uint32_t t = 0; t < bp->n_terms; t++) {
    uint32_t i = x->off[p] + t;
    int32_t s = x->slot[i];
    const bdl_term *want = NULL;
    if (s < 0)
      want = &bp->terms[t];
    else if (c && bdl_xq_bound(x, c, (uint32_t)s))
      want = &c->vals[s];
    else if (x->same[i] >= 0)
      want = &row[x->same[i]];
    if (want && !bdl_teq(&row[t], want))
      return false;
  }
  return true;
}

/*
** Trusted facts matching each predicate alone, in written order; the
** first predicate with none is the explanation, so counting stops there.
** Also whether they all come from the authorizer alone: the request's
** own facts, which the search takes as given (explain_search.c).
*/
void bdl_xq_count(struct bdl_xq *x, uint32_t *empty) {
  const bdl_origin authorizer = bdl_origin_one(BDL_AUTHORIZER_ID);
  *empty = x->n_preds;
  for (uint32_t p = 0; p < x->n_preds; p++) {
    x->count[p] = 0;
    x->given[p] = true;
    const struct bdl_rel *r =
        x->rel[p] == BDL_NO_REL ? NULL : &x->w->rels[x->rel[p]];
    for (uint32_t row = 0; r && row < r->n_rows; row++) {
      if (!bdl_xq_spend(x, 1))
        return;
      if (bdl_origin_subset(r->origins[row], x->trusted) &&
          bdl_xq_match(x, p, bdl_row(r, row), NULL)) {
        x->count[p]++;
        x->given[p] &= bdl_origin_eq(r->origins[row], authorizer);
      }
    }
    if (x->count[p] == 0) {
      *empty = p;
      return;
    }
  }
}
