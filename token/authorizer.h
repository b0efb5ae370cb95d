/*
** The authorizer on the token side (private to token/ and api/): policy
** sets, the request, the host-function bridge, and authorization over a
** bdl_world (spec "Authorizer"; reference-behaviour.md §3).
**
**   policy.c      a policy set: its own env and one authorizer block,
**                 parsed once, then only read (shared by threads)
**   authorizer.c  one request: an env layered on the policy's, the
**                 token's blocks translated into it, the request's own
**                 code, the world, authorize / query / dump
**   extern.c      host functions: the public text callback adapted to
**                 the expression machine's bdl_extern_fn
**   snapshot.c    snapshots of both: AuthorizerSnapshot, AuthorizerPolicies
**
** Parameters are bound by the caller: `opt` carries terms already made in
** the env the text is parsed into (btk_policy.env, btk_authorizer.env).
*/
#ifndef BISCUIT_TOKEN_AUTHORIZER_H
#define BISCUIT_TOKEN_AUTHORIZER_H

#include "datalog/world.h"
#include "parser/parser.h"
#include "token/token.h"

/* ------------------------------------------------------------- policies */

typedef struct btk_policy {
  bdl_env *env;    /* owned; frozen once parsed */
  bdl_block block; /* facts, rules, checks, policies, scopes */
} btk_policy;

/* An empty policy set; NULL when out of memory. */
btk_policy *btk_policy_new(void);
void btk_policy_free(btk_policy *p);
/* Parse authorizer text into p (BPA_AUTHORIZER); all or nothing. */
biscuit_status btk_policy_parse(btk_policy *p, const char *src, size_t len,
                                const bpa_options *opt, bx_diag *d);
/* The source as the reference's dump_code prints it; bx_malloc'd. */
char *btk_policy_source(const btk_policy *p);

/* --------------------------------------------------------------- externs */

/*
** The bridge between the public biscuit_extern_fn (text in, text out) and
** bdl_extern_fn. The last failing call is remembered so that the error
** can name the function and carry the host's message, as the reference's
** UndefinedExtern(name) and ExternEvalError(name, message) do.
*/
typedef struct btk_extern {
  biscuit_extern_fn fn; /* NULL: every extern function is undefined */
  void *ud;
  char name[128]; /* the last failing call */
  char msg[384];
} btk_extern;

/* A bdl_extern_fn; `ud` is a btk_extern. */
biscuit_status btk_extern_call(void *ud, const char *name,
                               const bdl_term *receiver, const bdl_term *arg,
                               bdl_env *env, bdl_term *out, bx_diag *d);

/* ------------------------------------------------------------ authorizer */

/* What a snapshot needs of each loaded token block besides its IR. */
typedef struct btk_block_src {
  uint32_t version;    /* Datalog version, 3..6 */
  const char *context; /* NULL when absent; in the authorizer's env */
  uint32_t signer;     /* env->keys id of a third-party signer, or BDL_NOSYM */
} btk_block_src;

typedef struct btk_authorizer {
  const btk_policy *policy; /* borrowed, may be NULL */
  bdl_env *env;             /* owned, layered on policy->env */
  bdl_world *world;         /* owned */
  bdl_block *blocks;        /* the token's blocks, translated into env */
  btk_block_src *srcs;      /* per block */
  uint32_t n_blocks;
  bool has_token;
  bdl_block added;       /* add_code / add_time, in env */
  bdl_block combined;    /* policy then added: the world's authorizer block */
  bool registered;       /* combined is in the world: no more loading */
  biscuit_status broken; /* a failed load left the world partial */
  bx_diag broken_diag;
  bdl_limits limits;
  btk_extern ext;
  uint64_t iterations, elapsed_ns; /* of the last authorize */
  /* the last authorize reached a decision, so the fixpoint completed
     (or a snapshot of such a run was restored): only then does a
     snapshot carry an execution time, as the reference's does */
  bool ran;
  /* restored from a snapshot taken after a run: the reference does not
     run again, so its iterations and time carry over */
  bool restored_run;
  uint64_t restored_iterations, restored_ns;
} btk_authorizer;

/* `policy` may be NULL and must outlive the authorizer. */
btk_authorizer *btk_authorizer_new(const btk_policy *policy);
void btk_authorizer_free(btk_authorizer *a);

/* Load a verified token's blocks (once). */
biscuit_status btk_authorizer_add_token(btk_authorizer *a, const btk_token *t,
                                        bx_diag *d);
/* Parse request code (BPA_AUTHORIZER) into the request's block. */
biscuit_status btk_authorizer_add_code(btk_authorizer *a, const char *src,
                                       size_t len, const bpa_options *opt,
                                       bx_diag *d);
/* The fact time(<date>). */
biscuit_status btk_authorizer_add_time(btk_authorizer *a, uint64_t secs,
                                       bx_diag *d);
void btk_authorizer_set_extern(btk_authorizer *a, biscuit_extern_fn fn,
                               void *ud);

/*
** Decide (bdl_world_authorize with the authorizer's limits). On
** BISCUIT_OK or BISCUIT_DENIED, *res is filled (bdl_result_free); failed
** checks point into IR printable with a->env.
*/
biscuit_status btk_authorizer_authorize(btk_authorizer *a, bdl_result *res,
                                        bx_diag *d);
/* The facts `rule` produces: printed, sorted, unique, one per line. */
biscuit_status btk_authorizer_query(btk_authorizer *a, const char *rule,
                                    size_t len, const bpa_options *opt,
                                    bool all, char **out, bx_diag *d);
/* The world dump (bdl_world_dump_json); bx_malloc'd. */
biscuit_status btk_authorizer_world_json(btk_authorizer *a, char **out,
                                         bx_diag *d);
/* The authorizer's own source (policy set, then request code). */
char *btk_authorizer_source(const btk_authorizer *a);

/*
** The authorizer block as the world sees it: the policy set's
** statements, then the request's, kind by kind. A shallow copy (free
** the vectors with bdl_block_free); the IR stays in the two envs.
*/
biscuit_status btk_authorizer_combined(const btk_authorizer *a, bdl_block *out);
/*
** Register the authorizer block with the world now (restored snapshots)
** rather than at the first run: the request is closed to loading.
*/
biscuit_status btk_authorizer_register(btk_authorizer *a, bx_diag *d);
/* A broken request's error (BISCUIT_OK when usable). */
biscuit_status btk_authorizer_usable(const btk_authorizer *a, bx_diag *d);

/*
** Loading token blocks whose IR already lives in a->env (add_token and
** snapshots): begin with the block count (once per authorizer), then put
** each block i in order. put takes the block over (*b is left empty)
** and registers it with the world under origin {i}; a failure breaks
** the request.
*/
biscuit_status btk_authorizer_begin_blocks(btk_authorizer *a, uint32_t n,
                                           bx_diag *d);
biscuit_status btk_authorizer_put_block(btk_authorizer *a, uint32_t i,
                                        bdl_block *b, const btk_block_src *src,
                                        bx_diag *d);

/* ------------------------------------------------------------- snapshots */

/*
** AuthorizerSnapshot bytes (bx_malloc'd) of an authorizer, before or
** after authorize: limits, execution time, iterations, the token's
** blocks, the authorizer block and policies, every world fact with its
** origin, all over one symbol table in the reference's interning order.
*/
biscuit_status btk_authorizer_to_snapshot(btk_authorizer *a, uint8_t **out,
                                          size_t *len, bx_diag *d);
/*
** A new authorizer (no policy set) from AuthorizerSnapshot bytes: blocks
** reloaded, facts re-inserted with their origins. Untrusted input.
*/
biscuit_status btk_authorizer_from_snapshot(const uint8_t *buf, size_t len,
                                            btk_authorizer **out, bx_diag *d);
/*
** AuthorizerPolicies bytes of a policy set. One with public keys in
** scopes or block-level scopes, which that message cannot carry, is
** written as an AuthorizerSnapshot without blocks, facts or run (the
** reference's AuthorizerBuilder snapshot) instead.
*/
biscuit_status btk_policy_to_snapshot(const btk_policy *p, uint8_t **out,
                                      size_t *len, bx_diag *d);
/* A policy set from AuthorizerPolicies or builder AuthorizerSnapshot. */
biscuit_status btk_policy_from_snapshot(const uint8_t *buf, size_t len,
                                        btk_policy **out, bx_diag *d);

#endif
