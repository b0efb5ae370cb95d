/*
** One authorization request (spec "Authorizer", "Authorization process";
** reference-behaviour.md §3 "Loading"): the token's blocks translated
** into the request's env, the request's own code, and a world over both.
**
** Life cycle. Loading (add_token, add_code, add_time) happens first; the
** first authorize, query or world dump registers the authorizer block
** (policy set, then request code) with the world, and from then on the
** request is closed to loading, because the world holds pointers into
** that block. A load that fails half way (a token block refused after
** earlier blocks went in) leaves the request broken: every later call
** fails with the same error, so a partial token is never authorized.
*/
#include <stdlib.h>
#include <string.h>

#include "datalog/print.h"
#include "datalog/translate.h"
#include "token/authorizer.h"

/*
** The request env is layered on the policy set's env (frozen), so a
** compiled policy set is shared and never copied. The reference instead
** interns the token's blocks first and the authorizer's own text after,
** into one fresh table; here the policy's strings have the smaller ids.
** Symbol ids only decide the printed order of sets and maps mixing
** strings from both sides (terms sort by symbol id), so such a set may
** print in a different element order than the reference prints it. A
** request without a policy set, loaded token first, matches exactly.
*/
btk_authorizer *btk_authorizer_new(const btk_policy *policy) {
  btk_authorizer *a = bx_calloc(1, sizeof *a);
  if (!a)
    return NULL;
  a->policy = policy;
  a->env = bdl_env_new(policy ? policy->env : NULL);
  a->world = a->env ? bdl_world_new(a->env) : NULL;
  if (!a->world) {
    btk_authorizer_free(a);
    return NULL;
  }
  bdl_world_set_extern(a->world, btk_extern_call, &a->ext);
  bdl_limits_default(&a->limits);
  bdl_env_set_cap(a->env, a->limits.max_memory);
  bdl_block_init(&a->added);
  bdl_block_init(&a->combined);
  return a;
}

void btk_authorizer_free(btk_authorizer *a) {
  if (!a)
    return;
  bdl_world_free(a->world);
  for (uint32_t i = 0; i < a->n_blocks; i++)
    bdl_block_free(&a->blocks[i]);
  bx_free(a->blocks);
  bx_free(a->srcs);
  bdl_block_free(&a->added);
  bdl_block_free(&a->combined);
  bdl_env_free(a->env);
  bx_free(a);
}

void btk_authorizer_set_extern(btk_authorizer *a, biscuit_extern_fn fn,
                               void *ud) {
  a->ext.fn = fn;
  a->ext.ud = ud;
}

/* A broken request repeats its error; a registered one takes no more. */
static biscuit_status usable(const btk_authorizer *a, bx_diag *d) {
  if (a->broken == BISCUIT_OK)
    return BISCUIT_OK;
  if (d)
    *d = a->broken_diag;
  return a->broken;
}

biscuit_status btk_authorizer_usable(const btk_authorizer *a, bx_diag *d) {
  return usable(a, d);
}

static biscuit_status loadable(const btk_authorizer *a, bx_diag *d) {
  biscuit_status st = usable(a, d);
  if (st == BISCUIT_OK && a->registered)
    st = bx_fail(d, BISCUIT_E_MISUSE, "Misuse",
                 "the authorizer has already run: nothing more can be "
                 "added");
  return st;
}

static biscuit_status break_request(btk_authorizer *a, biscuit_status st,
                                    const bx_diag *d) {
  a->broken = st;
  if (d)
    a->broken_diag = *d;
  else
    bx_fail(&a->broken_diag, st, NULL, "loading the token failed");
  return st;
}

/* ----------------------------------------------------------------- token */

biscuit_status btk_authorizer_begin_blocks(btk_authorizer *a, uint32_t n,
                                           bx_diag *d) {
  biscuit_status st = loadable(a, d);
  if (st != BISCUIT_OK)
    return st;
  if (a->has_token)
    return bx_fail(d, BISCUIT_E_MISUSE, "Misuse",
                   "the authorizer already holds a token");
  if (n == 0 || n > BDL_MAX_BLOCKS)
    return bx_fail(d, BISCUIT_E_MISUSE, "Misuse", "bad block count");
  a->blocks = bx_calloc(n, sizeof *a->blocks);
  a->srcs = bx_calloc(n, sizeof *a->srcs);
  if (!a->blocks || !a->srcs) {
    bx_free(a->blocks);
    bx_free(a->srcs);
    a->blocks = NULL;
    a->srcs = NULL;
    return bx_fail(d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  }
  a->has_token = true;
  return BISCUIT_OK;
}

/*
** Blocks go in order, each with origin {i} (reference
** load_and_translate_block), its signer's key id in env->keys so that
** `trusting <key>` scopes anywhere resolve to the blocks that key signed.
*/
biscuit_status btk_authorizer_put_block(btk_authorizer *a, uint32_t i,
                                        bdl_block *b, const btk_block_src *src,
                                        bx_diag *d) {
  if (!a->blocks || i != a->n_blocks)
    return bx_fail(d, BISCUIT_E_MISUSE, "Misuse", "block %u out of order", i);
  a->blocks[i] = *b;
  a->srcs[i] = *src;
  a->n_blocks = i + 1;
  bdl_block_init(b);
  biscuit_status st =
      bdl_world_add_block(a->world, i, &a->blocks[i], src->signer, d);
  if (st != BISCUIT_OK)
    return break_request(a, st, d);
  return BISCUIT_OK;
}

/* Block i of the token, re-interned into the request env. */
static biscuit_status load_block(btk_authorizer *a, const btk_token *t,
                                 uint32_t i, bx_diag *d) {
  const btk_block_info *info = &t->blocks[i];
  btk_block_src src = {info->version, NULL, BDL_NOSYM};
  bdl_block b;
  bdl_block_init(&b);
  biscuit_status st = bdl_translate_block(t->env, a->env, &info->block, &b);
  if (st == BISCUIT_OK)
    st = bdl_translate_key(t->env, a->env, info->external_key, &src.signer);
  if (st == BISCUIT_OK && info->context &&
      !(src.context = bx_arena_dup(&a->env->arena, info->context,
                                   strlen(info->context) + 1)))
    st = BISCUIT_E_NOMEM;
  if (st != BISCUIT_OK) {
    bdl_block_free(&b);
    bx_fail(d, st, st == BISCUIT_E_NOMEM ? "NoMemory" : NULL,
            "block %u could not be loaded", i);
    return break_request(a, st, d);
  }
  return btk_authorizer_put_block(a, i, &b, &src, d);
}

biscuit_status btk_authorizer_add_token(btk_authorizer *a, const btk_token *t,
                                        bx_diag *d) {
  biscuit_status st = loadable(a, d);
  if (st != BISCUIT_OK)
    return st;
  if (!t || !t->verified)
    return bx_fail(d, BISCUIT_E_MISUSE, "Misuse",
                   "the token's signatures were not verified");
  st = btk_authorizer_begin_blocks(a, t->n_blocks, d);
  for (uint32_t i = 0; i < t->n_blocks && st == BISCUIT_OK; i++)
    st = load_block(a, t, i, d);
  return st;
}

/* ------------------------------------------------------------ own code */

biscuit_status btk_authorizer_add_code(btk_authorizer *a, const char *src,
                                       size_t len, const bpa_options *opt,
                                       bx_diag *d) {
  biscuit_status st = loadable(a, d);
  if (st != BISCUIT_OK)
    return st;
  return bpa_parse_relaxed(a->env, src, len, BPA_AUTHORIZER, opt, &a->added, d);
}

/* The reference's AuthorizerBuilder::time(): the fact time(<now>). */
biscuit_status btk_authorizer_add_time(btk_authorizer *a, uint64_t secs,
                                       bx_diag *d) {
  biscuit_status st = loadable(a, d);
  if (st != BISCUIT_OK)
    return st;
  uint32_t name = bdl_symtab_intern(a->env->syms, "time", 4);
  bdl_term *t = bx_arena_alloc(&a->env->arena, sizeof *t);
  if (name == BDL_NOSYM || !t)
    return bx_fail(d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  *t = bdl_date(secs);
  bdl_pred fact = {name, 1, t};
  st = bdl_block_add_fact(&a->added, &fact);
  if (st != BISCUIT_OK)
    return bx_fail(d, st, "NoMemory", "out of memory");
  return BISCUIT_OK;
}

/* ----------------------------------------------------- authorizer block */

/*
** The authorizer block the world sees: the policy set's statements, then
** the request's, kind by kind (shallow copies: the IR stays in the two
** envs). Block-level `trusting` scopes of both apply to the whole block.
*/
static biscuit_status append_block(bdl_block *out, const bdl_block *b) {
  biscuit_status st = BISCUIT_OK;
  for (uint32_t i = 0; i < b->n_facts && st == BISCUIT_OK; i++)
    st = bdl_block_add_fact(out, &b->facts[i]);
  for (uint32_t i = 0; i < b->n_rules && st == BISCUIT_OK; i++)
    st = bdl_block_add_rule(out, &b->rules[i]);
  for (uint32_t i = 0; i < b->n_checks && st == BISCUIT_OK; i++)
    st = bdl_block_add_check(out, &b->checks[i]);
  for (uint32_t i = 0; i < b->n_policies && st == BISCUIT_OK; i++)
    st = bdl_block_add_policy(out, &b->policies[i]);
  for (uint32_t i = 0; i < b->n_scopes && st == BISCUIT_OK; i++)
    st = bdl_block_add_scope(out, &b->scopes[i]);
  return st;
}

/* Each kind has its own vector: the policy set's come first in each. */
biscuit_status btk_authorizer_combined(const btk_authorizer *a,
                                       bdl_block *out) {
  bdl_block_init(out);
  biscuit_status st = BISCUIT_OK;
  if (a->policy)
    st = append_block(out, &a->policy->block);
  if (st == BISCUIT_OK)
    st = append_block(out, &a->added);
  if (st != BISCUIT_OK)
    bdl_block_free(out);
  return st;
}

/* Register the authorizer block once; loading is over after this. */
static biscuit_status ensure_registered(btk_authorizer *a, bx_diag *d) {
  biscuit_status st = usable(a, d);
  if (st != BISCUIT_OK || a->registered)
    return st;
  st = btk_authorizer_combined(a, &a->combined);
  if (st != BISCUIT_OK)
    return bx_fail(d, st, "NoMemory", "out of memory");
  st = bdl_world_add_block(a->world, BDL_AUTHORIZER_ID, &a->combined, BDL_NOSYM,
                           d);
  if (st != BISCUIT_OK) {
    bdl_block_free(&a->combined);
    return st;
  }
  a->registered = true;
  return BISCUIT_OK;
}

biscuit_status btk_authorizer_register(btk_authorizer *a, bx_diag *d) {
  return ensure_registered(a, d);
}

char *btk_authorizer_source(const btk_authorizer *a) {
  bdl_block b;
  if (!a || btk_authorizer_combined(a, &b) != BISCUIT_OK)
    return NULL;
  bx_buf out;
  bx_buf_init(&out, 0);
  bdl_print_authorizer(&out, a->env, &b);
  bdl_block_free(&b);
  char *s = bx_buf_take(&out);
  bx_buf_free(&out);
  return s;
}

/* ------------------------------------------------------------- running */

biscuit_status btk_authorizer_authorize(btk_authorizer *a, bdl_result *res,
                                        bx_diag *d) {
  memset(res, 0, sizeof *res);
  res->policy_kind = -1;
  biscuit_status st = ensure_registered(a, d);
  if (st != BISCUIT_OK)
    return st;
  a->ext.name[0] = a->ext.msg[0] = '\0';
  st = bdl_world_authorize(a->world, &a->limits, res, d);
  a->iterations = res->iterations;
  a->elapsed_ns = res->elapsed_ns;
  a->ran = st == BISCUIT_OK || st == BISCUIT_DENIED;
  if (a->restored_run) { /* the fixpoint was reached before the snapshot */
    a->iterations = a->restored_iterations;
    a->elapsed_ns += a->restored_ns;
  }
  return st;
}

biscuit_status btk_authorizer_world_json(btk_authorizer *a, char **out,
                                         bx_diag *d) {
  *out = NULL;
  biscuit_status st = ensure_registered(a, d);
  if (st != BISCUIT_OK)
    return st;
  bx_buf b;
  bx_buf_init(&b, 0);
  st = bdl_world_dump_json(a->world, &b);
  if (st == BISCUIT_OK)
    *out = bx_buf_take(&b);
  bx_buf_free(&b);
  if (st == BISCUIT_OK && !*out)
    st = BISCUIT_E_NOMEM;
  if (st != BISCUIT_OK)
    return bx_fail(d, st, st == BISCUIT_E_NOMEM ? "NoMemory" : NULL,
                   "the world could not be printed");
  return BISCUIT_OK;
}

/* ------------------------------------------------------------- queries */

/* Printed facts of a query, NUL-terminated strings, bx_malloc'd. */
struct qfacts {
  const bdl_env *env;
  char **v;
  size_t n, cap;
};

static biscuit_status collect(void *ud, const bdl_pred *fact,
                              bdl_origin origin) {
  (void)origin;
  struct qfacts *q = ud;
  if (!bx_grow((void **)&q->v, &q->cap, q->n + 1, sizeof *q->v))
    return BISCUIT_E_NOMEM;
  bx_buf b;
  bx_buf_init(&b, 0);
  bdl_print_pred(&b, q->env, fact);
  q->v[q->n] = bx_buf_take(&b);
  bx_buf_free(&b);
  if (!q->v[q->n])
    return BISCUIT_E_NOMEM;
  q->n++;
  return BISCUIT_OK;
}

static int cmp_str(const void *x, const void *y) {
  return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Sorted, each distinct fact once, one per line. */
static char *join_facts(struct qfacts *q) {
  if (q->n)
    qsort(q->v, q->n, sizeof *q->v, cmp_str);
  bx_buf b;
  bx_buf_init(&b, 0);
  for (size_t i = 0; i < q->n; i++) {
    if (i && strcmp(q->v[i], q->v[i - 1]) == 0)
      continue;
    bx_buf_puts(&b, q->v[i]);
    bx_buf_putc(&b, '\n');
  }
  char *s = bx_buf_take(&b);
  bx_buf_free(&b);
  return s;
}

static biscuit_status run_query(btk_authorizer *a, const bdl_rule *rule,
                                bool all, char **out, bx_diag *d) {
  struct qfacts q = {a->env, NULL, 0, 0};
  a->ext.name[0] = a->ext.msg[0] = '\0';
  biscuit_status st =
      bdl_world_query(a->world, rule, all, &a->limits, collect, &q, d);
  if (st == BISCUIT_E_NOMEM)
    bx_fail(d, st, "NoMemory", "out of memory");
  if (st == BISCUIT_OK) {
    *out = join_facts(&q);
    if (!*out)
      st = bx_fail(d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  }
  for (size_t i = 0; i < q.n; i++)
    bx_free(q.v[i]);
  bx_free(q.v);
  return st;
}

biscuit_status btk_authorizer_query(btk_authorizer *a, const char *rule,
                                    size_t len, const bpa_options *opt,
                                    bool all, char **out, bx_diag *d) {
  *out = NULL;
  biscuit_status st = ensure_registered(a, d);
  if (st != BISCUIT_OK)
    return st;
  bdl_block b;
  bdl_block_init(&b);
  st = bpa_parse(a->env, rule, len, BPA_RULE, opt, &b, d);
  if (st == BISCUIT_OK && b.n_rules != 1)
    st = bx_fail(d, BISCUIT_E_PARSE, "ParseError", "expected one rule");
  if (st == BISCUIT_OK)
    st = run_query(a, &b.rules[0], all, out, d);
  bdl_block_free(&b);
  return st;
}
