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

typedef struct btk_authorizer {
  const btk_policy *policy; /* borrowed, may be NULL */
  bdl_env *env;             /* owned, layered on policy->env */
  bdl_world *world;         /* owned */
  bdl_block *blocks;        /* the token's blocks, translated into env */
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

#endif
