/*
** The world: facts with origins, rules with trusted origins, semi-naive
** fixpoint evaluation under run limits, checks and policies in the
** reference's order, queries and the world dump.
*/
#ifndef BISCUIT_DATALOG_WORLD_H
#define BISCUIT_DATALOG_WORLD_H

#include "datalog/datalog.h"
#include "datalog/expr.h"

/* Run limits; defaults from perf-and-threats.md B4. 0 = unlimited. */
typedef struct bdl_limits {
  uint64_t max_facts;      /* 1000, checked on insert */
  uint64_t max_iterations; /* 100 */
  uint64_t max_time_ns;    /* 1 ms */
  uint64_t max_work;       /* 1,000,000 units: bindings + expression ops */
  uint32_t max_body_preds; /* 32 predicates per rule body */
  /* 32 MiB: the env the world evaluates in holds at most this many bytes
     of terms and as many of strings (bdl_env_set_cap); the world's owner
     applies it, since the env outlives runs */
  size_t max_memory;
  /* the expression machine's guards (bdl_eval_ctx; 0 = its defaults) */
  uint32_t max_stack, max_closure_depth;
  size_t max_str_len, max_coll_len;
} bdl_limits;

void bdl_limits_default(bdl_limits *l);

typedef struct bdl_world bdl_world;

/* The world takes the env to intern and allocate into; it does not own it. */
bdl_world *bdl_world_new(bdl_env *env);
void bdl_world_free(bdl_world *w);
void bdl_world_set_extern(bdl_world *w, bdl_extern_fn fn, void *ud);

/*
** Add a block's content under block id `id` (0 = authority, 1.. later
** token blocks, BDL_AUTHORIZER_ID for the authorizer). `signer` is the id
** in env->keys of the block's external (third-party) key, or BDL_NOSYM.
** The block is referenced, not copied: it must outlive the world. Facts
** get origin {id}. Token block rules whose head has a variable not bound
** in the body fail with BISCUIT_E_LOGIC tag "InvalidBlockRule" (the
** message is the printed rule). Blocks may be added in any order, but
** authorization assumes ids 0..n-1 are all present.
*/
biscuit_status bdl_world_add_block(bdl_world *w, uint32_t id,
                                   const bdl_block *b, uint32_t signer,
                                   bx_diag *d);

/*
** Add one fact with an explicit origin (restoring a snapshot's generated
** facts). The terms are copied; what they point to must live in the env.
** A later run starts over with a full iteration. Not limited by
** max_facts, like block facts.
*/
biscuit_status bdl_world_add_fact(bdl_world *w, const bdl_pred *fact,
                                  bdl_origin origin, bx_diag *d);

/* Run rules to a fixpoint (semi-naive). Idempotent once complete. */
biscuit_status bdl_world_run(bdl_world *w, const bdl_limits *l, bx_diag *d);

typedef struct bdl_failed_check {
  uint32_t block_id; /* BDL_AUTHORIZER_ID for the authorizer */
  uint32_t check_index;
  const bdl_check *check;
} bdl_failed_check;

typedef struct bdl_result {
  int policy_kind;       /* -1 none matched, else BDL_ALLOW / BDL_DENY */
  uint32_t policy_index; /* index among the authorizer's policies */
  const bdl_policy *policy;
  uint32_t n_failed;
  bdl_failed_check *failed; /* heap; bdl_result_free */
  uint64_t iterations, work, elapsed_ns;
} bdl_result;

void bdl_result_free(bdl_result *r);

/*
** Run (if not yet run), then checks and policies in the reference's order:
** authorizer checks, authority checks, policies (first match wins), then
** the checks of blocks 1..n; every failing check is collected. Returns
** BISCUIT_OK (an allow policy matched and no check failed), BISCUIT_DENIED
** (see *out), or an error (expression error, limit) that aborts.
*/
biscuit_status bdl_world_authorize(bdl_world *w, const bdl_limits *l,
                                   bdl_result *out, bx_diag *d);

/*
** Queries. A query rule's head gives the produced facts (deduplicated).
** Trust: the rule's own scopes relative to the authorizer, or {authority,
** authorizer} when it has none (`all` = true: every block when it has
** none). The callback may return non-OK to stop.
*/
typedef biscuit_status (*bdl_fact_cb)(void *ud, const bdl_pred *fact,
                                      bdl_origin origin);
biscuit_status bdl_world_query(bdl_world *w, const bdl_rule *rule, bool all,
                               const bdl_limits *l, bdl_fact_cb cb, void *ud,
                               bx_diag *d);

/* Every fact in the world with its origin, in no particular order. */
biscuit_status bdl_world_foreach_fact(const bdl_world *w, bdl_fact_cb cb,
                                      void *ud);
size_t bdl_world_fact_count(const bdl_world *w);

/*
** The world as the official samples' JSON `world` object: facts grouped by
** origin (authorizer first as null, then sorted), each group's facts as
** sorted printed strings; rules and checks per block in block order, then
** the authorizer (origin 18446744073709551615); policies in order.
*/
biscuit_status bdl_world_dump_json(const bdl_world *w, bx_buf *out);

#endif
