/*
** Evaluation: rule application by indexed joins, and the semi-naive
** fixpoint (spec "Datalog fact generation"; perf-and-threats.md A3).
**
** The reference (datalog/mod.rs World::run_with_limits) is naive: every
** iteration applies every rule to every visible fact with nested loops.
** We compute the same fixpoint, iteration for iteration: iteration k only
** enumerates the bindings that use at least one fact derived in
** iteration k-1 (the delta), so iteration counts and limits agree with
** the reference while the cost follows what rules can actually match.
**
** A rule with n body predicates is run as n "versions": in version i,
** predicate i reads the delta, the ones before it read the rows older
** than the delta, the ones after it read every row known at the start of
** the iteration. Each binding with at least one delta row is then found
** exactly once. Each version is joined in its own order: the delta
** first, then greedily the most selective predicate, each looked up by a
** hash index on its bound columns. Derived facts are inserted in batches
** (rows derived by an iteration are read only by the next one), and
** every candidate row costs one unit of the run's work budget.
*/
#include <string.h>

#include "datalog/world_int.h"

enum { OP_CONST, OP_EQ, OP_BIND, OP_SAME };

/* One column test or binding of a join step. */
struct jop {
  uint32_t col, kind, slot;
  const bdl_term *cst;
};

/* One body predicate in join order, with its row range and cursor. */
struct step {
  uint32_t rel, lo, hi, cur;
  int idx; /* index number in the relation, or -1: scan [lo, hi) */
  /* fully bound lookup (probe, instead of an index): the rows with the
     key's terms, newest first, as an index chain would give them */
  bool probe;
  uint32_t n_found, pos;
  uint32_t *found;
  bdl_term *buf;
  uint32_t n_key, n_ops;
  const bdl_term **key; /* index probe: constants and bound variables */
  struct jop *ops;      /* per row; with an index, only the bindings */
};

/* A rule or query, compiled: variables numbered densely ("slots"). */
struct cq {
  const bdl_rule *rule;
  uint32_t block; /* added to the origin of what it derives */
  bdl_origin trusted;
  uint32_t n_vars, n_terms; /* n_terms: in the whole body */
  uint32_t *var_ids;        /* slot -> variable symbol */
  bdl_term *vals;           /* the current binding, by slot */
  uint32_t *rel;            /* per body predicate: relation or BDL_NO_REL */
  uint32_t *off;            /* per body predicate: first entry in `slots` */
  int32_t *slots;           /* per body term: slot, or -1 for a constant */
  int32_t *head;            /* per head term: slot, -1 constant, -2 unbound */
  bool head_ok;
  uint32_t head_rel;
  bdl_term *head_buf;
};

struct jctx {
  bdl_world *w;
  struct bdl_budget *b;
  struct cq *q;
  enum bdl_jmode mode;
  struct step *steps;
  uint32_t n_steps;
  bdl_origin *org; /* org[k]: union of the origins of steps < k */
  bool stop, found, failed;
  struct bdl_rel *out;
  uint32_t origin_id;
  bx_diag *d;
  /* RUN: derived facts waiting for insertion (see flush) */
  uint32_t n_pend;
  bdl_term *pend_terms;
  bdl_origin *pend_o;
  uint64_t *pend_h;
};

/* Derived facts inserted per batch, their dedup slots prefetched. */
#define BATCH 64

static biscuit_status nomem(bx_diag *d) {
  return bx_fail(d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
}

/* ------------------------------------------------------------ compile */

/* Slot of variable `id` in an open-addressing map; new ones appended. */
static int32_t var_slot(struct cq *q, uint32_t *map, size_t n_map, uint32_t id,
                        bool insert) {
  size_t mask = n_map - 1;
  for (size_t i = bx_hash_u64(id) & mask;; i = (i + 1) & mask) {
    if (!map[i]) {
      if (!insert)
        return -2;
      q->var_ids[q->n_vars] = id;
      map[i] = ++q->n_vars;
      return (int32_t)(map[i] - 1);
    }
    if (q->var_ids[map[i] - 1] == id)
      return (int32_t)(map[i] - 1);
  }
}

/*
** Number the body's variables (reference Rule::variables_set: only body
** predicates bind) and map head terms to slots. A head variable the body
** does not bind makes the rule produce nothing (Rule::apply drops such
** bindings; token blocks never get here, see InvalidBlockRule).
*/
static bool cq_vars(bdl_world *w, struct cq *q, size_t total) {
  const bdl_rule *r = q->rule;
  size_t n_map = 8;
  while (n_map < total * 2)
    n_map *= 2;
  uint32_t *map = bdl_scratch(w, n_map, sizeof *map);
  q->var_ids = bdl_scratch(w, total, sizeof *q->var_ids);
  q->vals = bdl_scratch(w, total, sizeof *q->vals);
  q->slots = bdl_scratch(w, total, sizeof *q->slots);
  q->head = bdl_scratch(w, r->head.n_terms, sizeof *q->head);
  q->head_buf = bdl_scratch(w, r->head.n_terms, sizeof *q->head_buf);
  if (!map || !q->var_ids || !q->vals || !q->slots || !q->head || !q->head_buf)
    return false;
  for (uint32_t p = 0; p < r->n_body; p++)
    for (uint32_t t = 0; t < r->body[p].n_terms; t++) {
      const bdl_term *x = &r->body[p].terms[t];
      q->slots[q->off[p] + t] =
          x->kind == BDL_VAR ? var_slot(q, map, n_map, x->id, true) : -1;
    }
  q->head_ok = true;
  for (uint32_t t = 0; t < r->head.n_terms; t++) {
    const bdl_term *x = &r->head.terms[t];
    q->head[t] =
        x->kind == BDL_VAR ? var_slot(q, map, n_map, x->id, false) : -1;
    if (q->head[t] == -2)
      q->head_ok = false;
  }
  return true;
}

/*
** Compile a rule for joining. `make` creates the relations the rule reads
** and writes (a fixpoint run); a query only looks relations up.
*/
static biscuit_status cq_compile(bdl_world *w, struct bdl_budget *b,
                                 const bdl_rule *r, bool make, struct cq *q,
                                 bx_diag *d) {
  if (b->max_body && r->n_body > b->max_body)
    return bdl_fail_body(b, d);
  memset(q, 0, sizeof *q);
  q->rule = r;
  q->rel = bdl_scratch(w, r->n_body, sizeof *q->rel);
  q->off = bdl_scratch(w, r->n_body, sizeof *q->off);
  if (!q->rel || !q->off)
    return nomem(d);
  size_t total = 0;
  for (uint32_t p = 0; p < r->n_body; p++) {
    q->off[p] = (uint32_t)total;
    total += r->body[p].n_terms;
    if (total > UINT32_MAX / 4)
      return nomem(d);
  }
  q->n_terms = (uint32_t)total;
  if (!cq_vars(w, q, total))
    return nomem(d);
  for (uint32_t p = 0; p < r->n_body; p++) {
    const bdl_pred *bp = &r->body[p];
    q->rel[p] = make ? bdl_world_rel_make(w, bp->name, bp->n_terms)
                     : bdl_world_rel(w, bp->name, bp->n_terms);
    if (make && q->rel[p] == BDL_NO_REL)
      return nomem(d);
  }
  q->head_rel = BDL_NO_REL;
  if (make) {
    q->head_rel = bdl_world_rel_make(w, r->head.name, r->head.n_terms);
    if (q->head_rel == BDL_NO_REL)
      return nomem(d);
  }
  return BISCUIT_OK;
}

/* ------------------------------------------------------------ join order */

/* Columns of predicate p fixed before it is joined: constants, bound vars. */
static uint32_t n_bound(const struct cq *q, uint32_t p, const uint32_t *st) {
  const bdl_pred *bp = &q->rule->body[p];
  uint32_t n = 0;
  for (uint32_t t = 0; t < bp->n_terms; t++) {
    int32_t s = q->slots[q->off[p] + t];
    if (s < 0 || st[s])
      n++;
  }
  return n;
}

/*
** Estimated candidates of predicate p: its range, divided by a guess of
** the selectivity of each bound column; an empty range first (the whole
** version is then empty), and a fully bound predicate is a lookup.
*/
static uint64_t estimate(const struct cq *q, uint32_t p, const uint32_t *rng,
                         const uint32_t *st) {
  uint64_t size = rng[2 * p + 1] - rng[2 * p];
  uint32_t nb = n_bound(q, p, st);
  if (size == 0)
    return 0;
  if (nb == q->rule->body[p].n_terms)
    return 1;
  uint32_t shift = nb * 3 > 60 ? 60 : nb * 3;
  return (size >> shift) + 1;
}

static uint32_t pick(const struct cq *q, const uint32_t *rng,
                     const uint32_t *st, const bool *used) {
  uint32_t best = 0;
  uint64_t best_est = UINT64_MAX;
  for (uint32_t p = 0; p < q->rule->n_body; p++) {
    if (used[p])
      continue;
    uint64_t e = estimate(q, p, rng, st);
    if (e < best_est) {
      best = p;
      best_est = e;
    }
  }
  return best;
}

/*
** Column operations of predicate p as join step k. `st[slot]` is the
** step (1-based) that bound the slot, 0 if none yet: earlier steps give
** index keys (OP_EQ), the same step a repeated variable (OP_SAME).
*/
static bool step_ops(bdl_world *w, struct cq *q, struct step *s, uint32_t p,
                     uint32_t k, uint32_t *st, uint64_t *mask) {
  const bdl_pred *bp = &q->rule->body[p];
  s->ops = bdl_scratch(w, bp->n_terms, sizeof *s->ops);
  s->key = bdl_scratch(w, bp->n_terms, sizeof *s->key);
  if (!s->ops || !s->key)
    return false;
  *mask = 0;
  for (uint32_t t = 0; t < bp->n_terms; t++) {
    int32_t slot = q->slots[q->off[p] + t];
    struct jop *op = &s->ops[s->n_ops++];
    op->col = t;
    op->slot = slot < 0 ? 0 : (uint32_t)slot;
    op->cst = &bp->terms[t];
    if (slot < 0 || (st[slot] && st[slot] != k + 1)) {
      op->kind = slot < 0 ? OP_CONST : OP_EQ;
      s->key[s->n_key++] = slot < 0 ? op->cst : &q->vals[slot];
      if (t < 64)
        *mask |= 1ULL << t;
    } else if (st[slot] == k + 1) {
      op->kind = OP_SAME;
    } else {
      op->kind = OP_BIND;
      st[slot] = k + 1;
    }
  }
  return true;
}

/*
** Use an index when some column is bound and the range is worth it (or
** the index already exists); with an index, the key columns are equal by
** construction and only the bindings remain to apply per row.
*/
static biscuit_status step_index(struct jctx *j, struct step *s,
                                 uint64_t mask) {
  struct bdl_rel *r = &j->w->rels[s->rel];
  s->idx = -1;
  if (!s->n_key || r->arity > 64)
    return BISCUIT_OK;
  bool have = false;
  for (uint32_t i = 0; i < r->n_idx; i++)
    have = have || r->idx[i].mask == mask;
  if (!have && s->hi - s->lo <= 16)
    return BISCUIT_OK;
  if (s->n_key == r->arity && !r->terms_only && !r->many_orgs) {
    /* every column bound: the dedup table answers, once per origin */
    s->found = bdl_scratch(j->w, BDL_REL_ORGS, sizeof *s->found);
    s->buf = bdl_scratch(j->w, r->arity, sizeof *s->buf);
    if (!s->found || !s->buf)
      return nomem(j->d);
    s->probe = true;
    s->n_ops = 0; /* only OP_CONST and OP_EQ, all in the key */
    return BISCUIT_OK;
  }
  uint64_t built = 0;
  s->idx = bdl_rel_index(r, mask, &built);
  if (s->idx < 0)
    return nomem(j->d);
  uint32_t n = 0;
  for (uint32_t i = 0; i < s->n_ops; i++)
    if (s->ops[i].kind == OP_BIND || s->ops[i].kind == OP_SAME)
      s->ops[n++] = s->ops[i];
  s->n_ops = n;
  return bdl_charge(j->b, built, j->d);
}

/*
** Order the body for one version (`rng`: lo, hi per predicate). A delta
** predicate (`first`, or -1) leads: the delta is the new frontier, its
** rows are hot, and the growing relation then needs no index of its own.
*/
static biscuit_status plan(struct jctx *j, const uint32_t *rng, int first) {
  struct cq *q = j->q;
  uint32_t n = q->rule->n_body;
  uint32_t *st = bdl_scratch(j->w, q->n_vars, sizeof *st);
  bool *used = bdl_scratch(j->w, n, sizeof *used);
  j->steps = bdl_scratch(j->w, n, sizeof *j->steps);
  j->org = bdl_scratch(j->w, (size_t)n + 1, sizeof *j->org);
  if (!st || !used || !j->steps || !j->org)
    return nomem(j->d);
  /* ordering reads every body term once per step: pay for it */
  biscuit_status e = bdl_charge(j->b, (uint64_t)n * q->n_terms, j->d);
  if (e != BISCUIT_OK)
    return e;
  j->n_steps = n;
  for (uint32_t k = 0; k < n; k++) {
    uint32_t p =
        k == 0 && first >= 0 ? (uint32_t)first : pick(q, rng, st, used);
    struct step *s = &j->steps[k];
    uint64_t mask;
    used[p] = true;
    s->rel = q->rel[p];
    s->lo = rng[2 * p];
    s->hi = rng[2 * p + 1];
    if (!step_ops(j->w, q, s, p, k, st, &mask))
      return nomem(j->d);
    e = step_index(j, s, mask);
    if (e != BISCUIT_OK)
      return e;
  }
  return BISCUIT_OK;
}

/* ------------------------------------------------------------ emit */

/*
** Expressions run per complete binding and must give a boolean (reference
** Rule::apply: anything else is InvalidType); an error aborts everything.
** What the machine allocates in the env for this binding is dropped.
*/
static biscuit_status eval_exprs(struct jctx *j, bool *pass) {
  const bdl_rule *r = j->q->rule;
  biscuit_status st = BISCUIT_OK;
  *pass = true;
  if (!r->n_exprs)
    return BISCUIT_OK;
  bx_arena *a = &j->w->env->arena;
  bx_arena_mark m = bx_arena_save(a);
  bool over_cap = a->over_cap;
  for (uint32_t i = 0; i < r->n_exprs && *pass; i++) {
    bdl_term out;
    st = bdl_expr_eval(&j->b->ctx, &r->exprs[i], j->q->var_ids, j->q->vals,
                       j->q->n_vars, &out, j->d);
    if (st != BISCUIT_OK)
      break;
    if (out.kind != BDL_BOOL) {
      st = bx_fail(j->d, BISCUIT_E_EXECUTION, "InvalidType",
                   "a rule expression must evaluate to a boolean");
      break;
    }
    *pass = out.id != 0;
  }
  if (a->used != m.used) {
    bx_arena_rollback(a, m);
    a->over_cap = over_cap;
  }
  return st;
}

/*
** Insert the pending derived facts. max_facts is enforced here, on
** insert: the reference fails once an iteration leaves len >= max_facts,
** i.e. as soon as one insertion reaches it. Deferring insertions within
** an iteration changes nothing: rows derived by an iteration are only
** read by the next one.
*/
static biscuit_status flush(struct jctx *j) {
  bdl_world *w = j->w;
  struct bdl_rel *r = &w->rels[j->q->head_rel];
  uint32_t n = j->n_pend, arity = r->arity;
  j->n_pend = 0;
  for (uint32_t i = 0; i < n; i++) {
    const bdl_term *t = j->pend_terms + (size_t)i * arity;
    if (j->b->max_facts && w->n_facts + 1 >= j->b->max_facts) {
      if (bdl_rel_has(r, t, j->pend_o[i], j->pend_h[i]))
        continue;
      return bdl_fail_facts(j->b, j->d);
    }
    int added = bdl_rel_add_h(r, t, j->pend_o[i], j->pend_h[i]);
    if (added < 0)
      return nomem(j->d);
    w->n_facts += (size_t)added;
  }
  return BISCUIT_OK;
}

/*
** A derived fact: origin = the matched facts' origins plus the rule's
** block (spec "Datalog fact generation"); queued for insertion.
*/
static biscuit_status produce(struct jctx *j, bdl_origin o) {
  struct cq *q = j->q;
  const bdl_pred *h = &q->rule->head;
  bdl_term *t = j->mode == BDL_J_QUERY
                    ? q->head_buf
                    : j->pend_terms + (size_t)j->n_pend * h->n_terms;
  for (uint32_t i = 0; i < h->n_terms; i++)
    t[i] = q->head[i] >= 0 ? q->vals[q->head[i]] : h->terms[i];
  if (j->mode == BDL_J_QUERY) {
    o = bdl_origin_union(o, bdl_origin_one(j->origin_id));
    return bdl_rel_add(j->out, t, o) < 0 ? nomem(j->d) : BISCUIT_OK;
  }
  const struct bdl_rel *r = &j->w->rels[q->head_rel];
  o = bdl_origin_union(o, bdl_origin_one(q->block));
  uint64_t hash = bdl_rel_hash(r, t, o);
  bdl_rel_prefetch(r, hash);
  j->pend_o[j->n_pend] = o;
  j->pend_h[j->n_pend] = hash;
  return ++j->n_pend == BATCH ? flush(j) : BISCUIT_OK;
}

static biscuit_status emit(struct jctx *j, bdl_origin o) {
  bool pass;
  biscuit_status st = eval_exprs(j, &pass);
  if (st != BISCUIT_OK)
    return st;
  switch (j->mode) {
  case BDL_J_MATCH: /* reference Rule::find_match over Rule::apply */
    if (pass && j->q->head_ok)
      j->found = j->stop = true;
    return BISCUIT_OK;
  case BDL_J_ALL: /* reference Rule::check_match_all */
    j->found = true;
    if (!pass)
      j->failed = j->stop = true;
    return BISCUIT_OK;
  default:
    if (!pass || !j->q->head_ok)
      return BISCUIT_OK;
    return produce(j, o);
  }
}

/* ------------------------------------------------------------ join loop */

static void step_start(struct jctx *j, struct step *s) {
  if (s->probe) {
    s->n_found = bdl_rel_lookup(&j->w->rels[s->rel], s->key, s->buf, s->found);
    s->pos = 0;
    return;
  }
  if (s->idx < 0) {
    s->cur = s->lo;
    return;
  }
  const struct bdl_rel *r = &j->w->rels[s->rel];
  s->cur = bdl_index_find(r, &r->idx[s->idx], s->key, s->n_key);
}

/*
** Next candidate row of a step. Index chains run newest first: rows
** past the range (derived during this iteration) are skipped, and the
** walk stops at the first row below it. Skipped rows are paid for.
*/
static uint32_t step_next(struct jctx *j, struct step *s, uint64_t *cost) {
  if (s->probe) {
    while (s->pos < s->n_found && s->found[s->pos] >= s->hi) {
      s->pos++;
      (*cost)++;
    }
    if (s->pos == s->n_found || s->found[s->pos] < s->lo) {
      s->pos = s->n_found;
      return BDL_ROW_END;
    }
    return s->found[s->pos++];
  }
  if (s->idx < 0)
    return s->cur < s->hi ? s->cur++ : BDL_ROW_END;
  const uint32_t *next = j->w->rels[s->rel].idx[s->idx].next;
  uint32_t row = s->cur;
  while (row != BDL_ROW_END && row >= s->hi) {
    row = next[row];
    (*cost)++;
  }
  if (row == BDL_ROW_END || row < s->lo) {
    s->cur = BDL_ROW_END;
    return BDL_ROW_END;
  }
  s->cur = next[row];
  return row;
}

static bool match_ops(const struct step *s, const bdl_term *row,
                      bdl_term *vals) {
  for (uint32_t i = 0; i < s->n_ops; i++) {
    const struct jop *op = &s->ops[i];
    const bdl_term *t = &row[op->col];
    if (op->kind == OP_BIND)
      vals[op->slot] = *t;
    else if (!bdl_teq(t, op->kind == OP_CONST ? op->cst : &vals[op->slot]))
      return false;
  }
  return true;
}

/*
** The join proper, iterative (the body length is bounded, but the loop
** needs no recursion anyway). Every candidate row costs one work unit,
** so a cross product stops on the budget, not after it.
*/
static biscuit_status join(struct jctx *j) {
  uint32_t n = j->n_steps, k = 0;
  const bdl_origin trusted = j->q->trusted;
  bdl_origin *org = j->org;
  org[0].w[0] = org[0].w[1] = 0;
  step_start(j, &j->steps[0]);
  for (;;) {
    struct step *s = &j->steps[k];
    uint64_t cost = 1;
    uint32_t row = step_next(j, s, &cost);
    biscuit_status st = bdl_charge(j->b, cost, j->d);
    if (st != BISCUIT_OK)
      return st;
    if (row == BDL_ROW_END) {
      if (k == 0)
        return BISCUIT_OK;
      k--;
      continue;
    }
    const struct bdl_rel *r = &j->w->rels[s->rel];
    bdl_origin o = r->origins[row];
    if (!bdl_origin_subset(o, trusted) ||
        !match_ops(s, bdl_row(r, row), j->q->vals))
      continue;
    org[k + 1] = bdl_origin_union(org[k], o);
    if (k + 1 < n) {
      step_start(j, &j->steps[++k]);
      continue;
    }
    st = emit(j, org[n]);
    if (st != BISCUIT_OK || j->stop)
      return st;
  }
}

/* One version: plan it in scratch memory, join, forget the plan. */
static biscuit_status run_version(struct jctx *j, const uint32_t *rng,
                                  int first) {
  bx_arena_mark m = bx_arena_save(&j->w->scratch);
  biscuit_status st = plan(j, rng, first);
  if (st == BISCUIT_OK)
    st = join(j);
  if (st == BISCUIT_OK && j->mode == BDL_J_RUN)
    st = flush(j);
  bx_arena_rollback(&j->w->scratch, m);
  return st;
}

/* A body without predicates has one binding, the empty one. */
static biscuit_status run_empty_body(struct jctx *j) {
  bdl_origin none = {{0, 0}};
  biscuit_status st = bdl_charge(j->b, 1, j->d);
  return st != BISCUIT_OK ? st : emit(j, none);
}

/* ------------------------------------------------------------ queries */

/*
** Evaluate a query over every row visible to `trusted` (checks, policies,
** bdl_world_query). Nothing is derived into the world.
*/
biscuit_status bdl_eval_query(bdl_world *w, struct bdl_budget *b,
                              const bdl_rule *q, bdl_origin trusted,
                              uint32_t origin_id, enum bdl_jmode mode,
                              bool *found, struct bdl_rel *out, bx_diag *d) {
  bx_arena_mark m = bx_arena_save(&w->scratch);
  struct cq c;
  struct jctx j;
  memset(&j, 0, sizeof j);
  j.w = w;
  j.b = b;
  j.q = &c;
  j.mode = mode;
  j.out = out;
  j.origin_id = origin_id;
  j.d = d;
  biscuit_status st = cq_compile(w, b, q, false, &c, d);
  c.trusted = trusted;
  c.block = origin_id;
  uint32_t *rng = NULL;
  bool empty = false;
  if (st == BISCUIT_OK && q->n_body) {
    rng = bdl_scratch(w, 2 * (size_t)q->n_body, sizeof *rng);
    if (!rng)
      st = nomem(d);
    for (uint32_t p = 0; rng && p < q->n_body; p++) {
      empty = empty || c.rel[p] == BDL_NO_REL;
      rng[2 * p + 1] = empty ? 0 : w->rels[c.rel[p]].n_rows;
    }
  }
  if (st == BISCUIT_OK && !q->n_body)
    st = run_empty_body(&j);
  else if (st == BISCUIT_OK && !empty)
    st = run_version(&j, rng, -1);
  if (found)
    *found = mode == BDL_J_ALL ? j.found && !j.failed : j.found;
  bx_arena_rollback(&w->scratch, m);
  return st;
}

/* ------------------------------------------------------------ fixpoint */

struct runset {
  struct cq *rules;
  uint32_t n;
};

/* Compile every rule of every block, in block order, authorizer last. */
static biscuit_status compile_rules(bdl_world *w, struct bdl_budget *b,
                                    struct runset *rs, bx_diag *d) {
  size_t n = 0;
  uint32_t id;
  for (id = bdl_next_block(w, 0); id != BDL_NO_BLOCK;
       id = bdl_next_block(w, id + 1))
    n += w->blocks[id]->n_rules;
  rs->rules = bdl_scratch(w, n, sizeof *rs->rules);
  rs->n = 0;
  if (!rs->rules)
    return nomem(d);
  for (id = bdl_next_block(w, 0); id != BDL_NO_BLOCK;
       id = bdl_next_block(w, id + 1)) {
    const bdl_block *blk = w->blocks[id];
    for (uint32_t i = 0; i < blk->n_rules; i++) {
      struct cq *q = &rs->rules[rs->n++];
      biscuit_status st = cq_compile(w, b, &blk->rules[i], true, q, d);
      if (st != BISCUIT_OK)
        return st;
      q->block = id;
      q->trusted = bdl_rule_trust(w, &blk->rules[i], id);
    }
  }
  return BISCUIT_OK;
}

/*
** Semi-naive versions of one rule for one iteration (see the top of the
** file). A version whose delta or older range is empty is skipped.
*/
static biscuit_status apply_rule(struct jctx *j, bool full) {
  const struct cq *q = j->q;
  uint32_t n = q->rule->n_body;
  size_t arity = q->rule->head.n_terms;
  j->n_pend = 0;
  j->pend_terms = bdl_scratch(j->w, BATCH * arity, sizeof *j->pend_terms);
  j->pend_o = bdl_scratch(j->w, BATCH, sizeof *j->pend_o);
  j->pend_h = bdl_scratch(j->w, BATCH, sizeof *j->pend_h);
  if (!j->pend_terms || !j->pend_o || !j->pend_h)
    return nomem(j->d);
  if (n == 0) {
    biscuit_status st = full ? run_empty_body(j) : BISCUIT_OK;
    return st == BISCUIT_OK ? flush(j) : st;
  }
  uint32_t *rng = bdl_scratch(j->w, 2 * (size_t)n, sizeof *rng);
  if (!rng)
    return nomem(j->d);
  for (uint32_t i = 0; i < (full ? 1u : n); i++) {
    bool skip = false;
    for (uint32_t p = 0; p < n; p++) {
      const struct bdl_rel *r = &j->w->rels[q->rel[p]];
      bool old = !full && p < i, delta = !full && p == i;
      rng[2 * p] = delta ? r->lo : 0;
      rng[2 * p + 1] = old ? r->lo : r->hi;
      skip = skip || (delta && r->lo == r->hi) || (old && r->lo == 0);
    }
    biscuit_status st =
        skip ? BISCUIT_OK : run_version(j, rng, full ? -1 : (int)i);
    if (st != BISCUIT_OK)
      return st;
  }
  return BISCUIT_OK;
}

/* Forget what an aborted iteration derived (reference: not merged). */
static void rollback_iteration(bdl_world *w) {
  for (uint32_t i = 0; i < w->n_rels; i++) {
    struct bdl_rel *r = &w->rels[i];
    w->n_facts -= r->n_rows - r->mark;
    bdl_rel_truncate(r, r->mark);
  }
}

/* One iteration; returns the number of new facts in *n_new. */
static biscuit_status iterate(bdl_world *w, struct bdl_budget *b,
                              struct runset *rs, bool full, size_t *n_new,
                              bx_diag *d) {
  for (uint32_t i = 0; i < w->n_rels; i++) {
    struct bdl_rel *r = &w->rels[i];
    bdl_rel_mark(r);
    r->hi = r->n_rows;
    if (full)
      r->lo = 0;
  }
  struct jctx j;
  memset(&j, 0, sizeof j);
  j.w = w;
  j.b = b;
  j.mode = BDL_J_RUN;
  j.d = d;
  for (uint32_t i = 0; i < rs->n; i++) {
    j.q = &rs->rules[i];
    bx_arena_mark m = bx_arena_save(&w->scratch);
    biscuit_status st = apply_rule(&j, full);
    bx_arena_rollback(&w->scratch, m);
    if (st != BISCUIT_OK) {
      rollback_iteration(w);
      return st;
    }
  }
  *n_new = 0;
  for (uint32_t i = 0; i < w->n_rels; i++) {
    struct bdl_rel *r = &w->rels[i];
    *n_new += r->n_rows - r->hi;
    r->lo = r->hi; /* the next delta starts where this one ended */
  }
  return BISCUIT_OK;
}

/*
** The fixpoint (reference World::run_with_limits): stop when an iteration
** adds nothing; after an iteration that added facts, the iteration limit
** and then the clock are checked. The first iteration of a run reads
** every fact (nothing is known to be old yet).
*/
biscuit_status bdl_eval_run(bdl_world *w, struct bdl_budget *b, bx_diag *d) {
  bx_arena_mark m = bx_arena_save(&w->scratch);
  struct runset rs;
  biscuit_status st = compile_rules(w, b, &rs, d);
  uint64_t done = 0;
  for (bool full = true; st == BISCUIT_OK; full = false) {
    size_t n_new = 0;
    st = iterate(w, b, &rs, full, &n_new, d);
    if (st != BISCUIT_OK || n_new == 0)
      break;
    done++;
    w->iterations++;
    if (b->max_iterations && done >= b->max_iterations)
      st = bdl_fail_iterations(b, d);
    else
      st = bdl_budget_clock(b, d);
  }
  bx_arena_rollback(&w->scratch, m);
  return st;
}

/* Lazy and once, like Authorizer::run; a failed run is retried in full. */
biscuit_status bdl_world_run(bdl_world *w, const bdl_limits *l, bx_diag *d) {
  if (!w)
    return bx_fail(d, BISCUIT_E_MISUSE, "Misuse", "no world");
  if (w->state == BDL_RUN_DONE)
    return BISCUIT_OK;
  struct bdl_budget b;
  bdl_budget_init(&b, w, l, 0, 0);
  biscuit_status st = bdl_eval_run(w, &b, d);
  w->elapsed_ns += bdl_now_ns() - b.start_ns;
  w->work += b.ctx.work;
  w->state = st == BISCUIT_OK ? BDL_RUN_DONE : BDL_RUN_FAILED;
  return st;
}
