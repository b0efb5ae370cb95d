/*
** Run limits (perf-and-threats.md B4): facts checked on insert, fixpoint
** iterations, wall-clock time checked every 1024 work units, and a
** deterministic work budget shared by the join loop and the expression
** machine. The reference checks time and facts only between iterations
** (reference-behaviour.md §3), which lets one iteration run for seconds;
** ours stop inside the iteration.
*/
#include "datalog/world_int.h"

#define CLOCK_EVERY 1024u

void bdl_limits_default(bdl_limits *l) {
  l->max_facts = 1000;
  l->max_iterations = 100;
  l->max_time_ns = 1000000;
  l->max_work = 1000000;
  l->max_body_preds = 32;
  l->max_memory = (size_t)32 << 20;
  l->max_stack = 0; /* the expression machine's own defaults */
  l->max_closure_depth = 0;
  l->max_str_len = 0;
  l->max_coll_len = 0;
}

static void next_check(struct bdl_budget *b) {
  uint64_t next = b->ctx.work + CLOCK_EVERY;
  if (b->max_work && next > b->max_work + 1)
    next = b->max_work + 1;
  b->ctx.next_clock_check = next;
}

/*
** Start spending. `spent_ns` and `spent_work` are what an earlier phase
** of the same authorization already used (the reference passes the
** remaining time on from the fixpoint to the checks).
*/
void bdl_budget_init(struct bdl_budget *b, bdl_world *w, const bdl_limits *l,
                     uint64_t spent_ns, uint64_t spent_work) {
  bdl_limits dflt;
  if (!l) {
    bdl_limits_default(&dflt);
    l = &dflt;
  }
  bdl_eval_ctx_init(&b->ctx, w->env);
  b->ctx.regex = w->regex;
  b->ctx.ext = w->ext;
  b->ctx.ext_ud = w->ext_ud;
  b->max_facts = l->max_facts;
  b->max_iterations = l->max_iterations;
  b->max_time_ns = l->max_time_ns;
  b->max_work = l->max_work;
  b->max_body = l->max_body_preds;
  b->start_ns = bdl_now_ns() - spent_ns;
  b->ctx.work = spent_work;
  b->ctx.max_work = l->max_work;
  b->ctx.max_stack = l->max_stack;
  b->ctx.max_closure_depth = l->max_closure_depth;
  b->ctx.max_str_len = l->max_str_len;
  b->ctx.max_coll_len = l->max_coll_len;
  b->ctx.deadline_ns = l->max_time_ns ? b->start_ns + l->max_time_ns : 0;
  next_check(b);
}

biscuit_status bdl_budget_clock(struct bdl_budget *b, bx_diag *d) {
  if (b->ctx.deadline_ns && bdl_now_ns() >= b->ctx.deadline_ns)
    return bx_fail(d, BISCUIT_E_LIMIT, "Timeout", "timeout (limit %llu ns)",
                   (unsigned long long)b->max_time_ns);
  return BISCUIT_OK;
}

/*
** The slow path of bdl_charge: budget first (deterministic), then time.
** As in the expression machine, spending past max_work fails.
*/
biscuit_status bdl_budget_slow(struct bdl_budget *b, bx_diag *d) {
  if (b->max_work && b->ctx.work > b->max_work)
    return bx_fail(d, BISCUIT_E_LIMIT, "WorkBudget",
                   "work budget exhausted (limit %llu units)",
                   (unsigned long long)b->max_work);
  biscuit_status st = bdl_budget_clock(b, d);
  if (st != BISCUIT_OK)
    return st;
  next_check(b);
  return BISCUIT_OK;
}

biscuit_status bdl_fail_facts(struct bdl_budget *b, bx_diag *d) {
  return bx_fail(d, BISCUIT_E_LIMIT, "TooManyFacts",
                 "too many facts (limit %llu)",
                 (unsigned long long)b->max_facts);
}

biscuit_status bdl_fail_iterations(struct bdl_budget *b, bx_diag *d) {
  return bx_fail(d, BISCUIT_E_LIMIT, "TooManyIterations",
                 "too many iterations (limit %llu)",
                 (unsigned long long)b->max_iterations);
}

biscuit_status bdl_fail_body(struct bdl_budget *b, bx_diag *d) {
  return bx_fail(d, BISCUIT_E_LIMIT, "TooManyPredicates",
                 "too many predicates in a rule body (limit %u)", b->max_body);
}
