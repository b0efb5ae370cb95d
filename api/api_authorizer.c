/*
** Authorizers: one request, one thread (token/authorizer.c does the
** work). Here: argument checks, parameters, limits in public units, and
** the verdict turned into a biscuit_error with the failed checks printed
** and the matched policy (reference-behaviour.md §3 "Order and
** collection", §5 "Result JSON").
*/
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "datalog/print.h"

biscuit_limits biscuit_limits_default(void) {
  bdl_limits l;
  bdl_limits_default(&l);
  biscuit_limits out = {l.max_facts,          l.max_iterations,
                        l.max_time_ns / 1000, l.max_work,
                        l.max_memory,         l.max_body_preds,
                        BDL_VM_DEFAULT_STACK, BDL_VM_DEFAULT_DEPTH,
                        BDL_VM_DEFAULT_COLL,  BDL_VM_DEFAULT_STR};
  return out;
}

biscuit_status biscuit_authorizer_new(const biscuit_policy *policy,
                                      biscuit_authorizer **out,
                                      biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!out)
    return api_misuse(err, "biscuit_authorizer_new: no out-parameter");
  biscuit_authorizer *h = bx_calloc(1, sizeof *h);
  btk_authorizer *a = h ? btk_authorizer_new(policy ? policy->p : NULL) : NULL;
  if (!a) {
    bx_free(h);
    return api_fail(err, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  }
  h->a = a;
  h->policy = policy;
  *out = h;
  return BISCUIT_OK;
}

void biscuit_authorizer_free(biscuit_authorizer *a) {
  if (!a)
    return;
  btk_authorizer_free(a->a);
  bx_free(a);
}

/* ---------------------------------------------------------------- errors */

static char *dup(const char *s) {
  return bx_strndup(s, strlen(s));
}

/*
** An error that aborted a run. Extern failures name the function (and
** carry the host's message), which only the bridge remembers.
*/
static biscuit_status run_error(biscuit_error **err, const btk_authorizer *a,
                                biscuit_status st, const bx_diag *d) {
  api_from_diag(err, st, d);
  biscuit_error *e = err ? *err : NULL;
  if (!e || e->status != st)
    return st;
  bool undefined = !strcmp(e->kind, "Execution/UndefinedExtern");
  if (undefined || !strcmp(e->kind, "Execution/ExternEvalError")) {
    e->arg[0] = dup(a->ext.name);
    e->arg[1] = undefined ? NULL : dup(a->ext.msg);
  }
  return st;
}

static void denial_message(char *buf, size_t cap, const bdl_result *r) {
  int n = 0;
  if (r->policy_kind == BDL_DENY)
    n = snprintf(buf, cap, "denied: deny policy %u matched", r->policy_index);
  else if (r->policy_kind == BDL_ALLOW)
    n = snprintf(buf, cap, "denied: allow policy %u matched", r->policy_index);
  else
    n = snprintf(buf, cap, "denied: no policy matched");
  if (r->n_failed == 0 || n < 0 || (size_t)n >= cap)
    return;
  const bdl_failed_check *f = &r->failed[0];
  char where[48];
  if (f->block_id == BDL_AUTHORIZER_ID)
    snprintf(where, sizeof where, "authorizer check %u", f->check_index);
  else
    snprintf(where, sizeof where, "block %u check %u", f->block_id,
             f->check_index);
  snprintf(buf + n, cap - (size_t)n, ", %u check%s failed (first: %s)",
           r->n_failed, r->n_failed == 1 ? "" : "s", where);
}

static bool fill_checks(biscuit_error *e, const btk_authorizer *a,
                        const bdl_result *r) {
  e->checks = r->n_failed ? bx_calloc(r->n_failed, sizeof *e->checks) : NULL;
  if (r->n_failed && !e->checks)
    return false;
  for (uint32_t i = 0; i < r->n_failed; i++) {
    const bdl_failed_check *f = &r->failed[i];
    api_failed_check *c = &e->checks[i];
    c->block_id = f->block_id == BDL_AUTHORIZER_ID ? BISCUIT_AUTHORIZER_BLOCK
                                                   : f->block_id;
    c->check_index = f->check_index;
    bx_buf b;
    bx_buf_init(&b, 0);
    bdl_print_check(&b, a->env, f->check);
    c->rule = bx_buf_take(&b);
    bx_buf_free(&b);
    e->n_checks = i + 1;
    if (!c->rule)
      return false;
  }
  return true;
}

/* A denial: the failed checks in the reference's order, and the policy. */
static biscuit_status denial(biscuit_error **err, const btk_authorizer *a,
                             const bdl_result *r) {
  if (!err)
    return BISCUIT_DENIED;
  char msg[256];
  denial_message(msg, sizeof msg, r);
  const char *kind = r->policy_kind < 0 ? "FailedLogic/NoMatchingPolicy"
                                        : "FailedLogic/Unauthorized";
  biscuit_error *e = api_error_new(BISCUIT_DENIED, kind, msg);
  if (e && !fill_checks(e, a, r)) {
    biscuit_error_free(e);
    e = NULL;
  }
  if (e && r->policy_kind >= 0) {
    e->policy_kind = r->policy_kind == BDL_DENY ? 'd' : 'a';
    e->policy_index = r->policy_index;
  }
  return api_error_store(err, e, BISCUIT_DENIED);
}

/* ---------------------------------------------------------------- loading */

biscuit_status biscuit_authorizer_add_token(biscuit_authorizer *a,
                                            const biscuit_token *t,
                                            biscuit_error **err) {
  api_ok(err);
  if (!a || !t)
    return api_misuse(err, "biscuit_authorizer_add_token: bad arguments");
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = btk_authorizer_add_token(a->a, t->tok, &d);
  if (st != BISCUIT_OK)
    return api_from_diag(err, st, &d);
  return BISCUIT_OK;
}

biscuit_status biscuit_authorizer_add_code(biscuit_authorizer *a,
                                           const char *datalog,
                                           const biscuit_params *params,
                                           biscuit_error **err) {
  api_ok(err);
  if (!a || !datalog)
    return api_misuse(err, "biscuit_authorizer_add_code: bad arguments");
  bpa_options opt;
  size_t len = strlen(datalog);
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = api_params_bind(params, a->a->env, NULL, &opt);
  if (st != BISCUIT_OK)
    return api_fail(err, st, NULL, "parameters could not be bound");
  st = btk_authorizer_add_code(a->a, datalog, len, &opt, &d);
  api_params_unbind(&opt);
  if (st != BISCUIT_OK)
    return api_parse_error(err, st, &d, NULL, datalog, len);
  return BISCUIT_OK;
}

biscuit_status biscuit_authorizer_add_time(biscuit_authorizer *a,
                                           uint64_t unix_secs,
                                           biscuit_error **err) {
  api_ok(err);
  if (!a)
    return api_misuse(err, "biscuit_authorizer_add_time: no authorizer");
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = btk_authorizer_add_time(a->a, unix_secs, &d);
  if (st != BISCUIT_OK)
    return api_from_diag(err, st, &d);
  return BISCUIT_OK;
}

/* Public units to the world's; a 0 field keeps that field's default. */
static void world_limits(bdl_limits *w, const biscuit_limits *l) {
  bdl_limits_default(w);
  if (!l)
    return;
  if (l->max_facts)
    w->max_facts = l->max_facts;
  if (l->max_iterations)
    w->max_iterations = l->max_iterations;
  if (l->max_time_us)
    w->max_time_ns =
        l->max_time_us > UINT64_MAX / 1000 ? UINT64_MAX : l->max_time_us * 1000;
  if (l->max_work)
    w->max_work = l->max_work;
  if (l->max_memory)
    w->max_memory =
        l->max_memory > SIZE_MAX ? SIZE_MAX : (size_t)l->max_memory;
  if (l->max_body_predicates)
    w->max_body_preds = l->max_body_predicates;
  /* the expression machine reads 0 as its own default */
  w->max_stack = l->max_stack;
  w->max_closure_depth = l->max_closure_depth;
  w->max_coll_len = l->max_elements;
  w->max_str_len = l->max_string > SIZE_MAX ? SIZE_MAX : (size_t)l->max_string;
}

/* The memory cap lives on the env, which outlasts runs: set it here. */
void biscuit_authorizer_set_limits(biscuit_authorizer *a,
                                   const biscuit_limits *l) {
  if (!a)
    return;
  world_limits(&a->a->limits, l);
  bdl_env_set_cap(a->a->env, a->a->limits.max_memory);
}

void biscuit_authorizer_set_extern(biscuit_authorizer *a, biscuit_extern_fn fn,
                                   void *ud) {
  if (a)
    btk_authorizer_set_extern(a->a, fn, ud);
}

/* ---------------------------------------------------------------- running */

biscuit_status biscuit_authorizer_authorize(biscuit_authorizer *a,
                                            size_t *policy_index,
                                            biscuit_error **err) {
  api_ok(err);
  if (policy_index)
    *policy_index = 0;
  if (!a)
    return api_misuse(err, "biscuit_authorizer_authorize: no authorizer");
  bdl_result r;
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = btk_authorizer_authorize(a->a, &r, &d);
  if (st == BISCUIT_OK && policy_index)
    *policy_index = r.policy_index;
  if (st == BISCUIT_DENIED)
    denial(err, a->a, &r);
  else if (st != BISCUIT_OK)
    run_error(err, a->a, st, &d);
  bdl_result_free(&r);
  return st;
}

biscuit_status biscuit_authorizer_query(biscuit_authorizer *a, const char *rule,
                                        const biscuit_params *p, int all,
                                        char **out, biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!a || !rule || !out)
    return api_misuse(err, "biscuit_authorizer_query: bad arguments");
  bpa_options opt;
  size_t len = strlen(rule);
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = api_params_bind(p, a->a->env, NULL, &opt);
  if (st != BISCUIT_OK)
    return api_fail(err, st, NULL, "parameters could not be bound");
  st = btk_authorizer_query(a->a, rule, len, &opt, all != 0, out, &d);
  api_params_unbind(&opt);
  if (st == BISCUIT_E_PARSE || st == BISCUIT_E_INCOMPLETE)
    return api_parse_error(err, st, &d, NULL, rule, len);
  if (st != BISCUIT_OK)
    return run_error(err, a->a, st, &d);
  return BISCUIT_OK;
}

biscuit_status biscuit_authorizer_world_json(biscuit_authorizer *a, char **out,
                                             biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!a || !out)
    return api_misuse(err, "biscuit_authorizer_world_json: bad arguments");
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = btk_authorizer_world_json(a->a, out, &d);
  if (st != BISCUIT_OK)
    return api_from_diag(err, st, &d);
  return BISCUIT_OK;
}

char *biscuit_authorizer_source(const biscuit_authorizer *a) {
  return a ? btk_authorizer_source(a->a) : NULL;
}

void biscuit_authorizer_stats(const biscuit_authorizer *a, uint64_t *iterations,
                              uint64_t *elapsed_us) {
  if (iterations)
    *iterations = a ? a->a->iterations : 0;
  if (elapsed_us)
    *elapsed_us = a ? a->a->elapsed_ns / 1000 : 0;
}

/* ---------------------------------------------------------------- snapshots */

/* token/snapshot.c writes the AuthorizerSnapshot; the buffer is ours. */
biscuit_status biscuit_authorizer_to_snapshot(biscuit_authorizer *a,
                                              uint8_t **out, size_t *len,
                                              biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (len)
    *len = 0;
  if (!a || !out || !len)
    return api_misuse(err, "biscuit_authorizer_to_snapshot: bad arguments");
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = btk_authorizer_to_snapshot(a->a, out, len, &d);
  if (st != BISCUIT_OK)
    return api_from_diag(err, st, &d);
  return BISCUIT_OK;
}

/*
** A restored authorizer has no policy set: the snapshot's authorizer
** block becomes its own code. Extern functions are set again by the
** caller.
*/
biscuit_status biscuit_authorizer_from_snapshot(const uint8_t *bytes,
                                                size_t len,
                                                biscuit_authorizer **out,
                                                biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!out || (!bytes && len))
    return api_misuse(err, "biscuit_authorizer_from_snapshot: bad arguments");
  biscuit_authorizer *h = bx_calloc(1, sizeof *h);
  if (!h)
    return api_fail(err, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = btk_authorizer_from_snapshot(bytes, len, &h->a, &d);
  if (st != BISCUIT_OK) {
    bx_free(h);
    return api_from_diag(err, st, &d);
  }
  *out = h;
  return BISCUIT_OK;
}
