/*
** bpa_parse: the one entry point. It owns the scanner and the builder
** stacks for the length of a call, picks the start rule with a synthetic
** first token (STYLE.md §3.6), and makes failure atomic: on any error the
** block's vectors are truncated back and the env's arena rolled back, so
** `out` and the arena look as they did before the call. (Symbols interned
** on the way stay in the symbol tables; they are harmless there.)
*/
#include <string.h>

#include "parser/lex_int.h"

static const int start_tokens[] = {
    [BPA_BLOCK] = BPA_T_START_BLOCK, [BPA_AUTHORIZER] = BPA_T_START_AUTHORIZER,
    [BPA_FACT] = BPA_T_START_FACT,   [BPA_RULE] = BPA_T_START_RULE,
    [BPA_CHECK] = BPA_T_START_CHECK, [BPA_POLICY] = BPA_T_START_POLICY,
};

typedef struct saved {
  uint32_t facts, rules, checks, policies, scopes;
  bx_arena_mark mark;
} saved;

static saved save(const bdl_env *env, const bdl_block *b) {
  saved s = {b->n_facts,    b->n_rules,  b->n_checks,
             b->n_policies, b->n_scopes, bx_arena_save(&env->arena)};
  return s;
}

static void restore(bdl_env *env, bdl_block *b, const saved *s) {
  b->n_facts = s->facts;
  b->n_rules = s->rules;
  b->n_checks = s->checks;
  b->n_policies = s->policies;
  b->n_scopes = s->scopes;
  bx_arena_rollback(&env->arena, s->mark);
}

static void free_ctx(bpa_ctx *ctx) {
  bpa_lex_free(ctx);
  bx_buf_free(&ctx->pool);
  bx_free(ctx->terms);
  bx_free(ctx->term_loc);
  bx_free(ctx->ops);
  bx_free(ctx->op_depth);
  bx_free(ctx->preds);
  bx_free(ctx->exprs);
  bx_free(ctx->scopes);
  bx_free(ctx->queries);
}

/* Run the grammar over a validated input. */
static void run(bpa_ctx *ctx) {
  size_t bad = bpa_utf8_check(ctx->src, ctx->len);
  if (bad < ctx->len) {
    unsigned char b = (unsigned char)ctx->src[bad];
    if (b == 0)
      bpa_error_at(ctx, (uint32_t)bad, BISCUIT_E_PARSE, "unexpected NUL byte");
    else
      bpa_error_at(ctx, (uint32_t)bad, BISCUIT_E_PARSE,
                   "invalid UTF-8 (byte 0x%02x)", b);
    return;
  }
  if (bpa_lex_init(ctx))
    return;
  int r = bpa_yyparse(ctx);
  if (r != 0 && ctx->st == BISCUIT_OK)
    bpa_fail_status(ctx, ctx->tok_loc[1].start,
                    r == 2 ? BISCUIT_E_NOMEM : BISCUIT_E_PARSE);
}

static biscuit_status parse(bdl_env *env, const char *src, size_t len,
                            bpa_kind kind, bool relaxed, const bpa_options *opt,
                            bdl_block *out, bx_diag *diag) {
  bx_diag local;
  bpa_ctx ctx;
  if (!diag)
    diag = &local;
  bx_diag_clear(diag);
  if (!env || !out || (!src && len) || (unsigned)kind > BPA_POLICY ||
      (relaxed && kind != BPA_BLOCK && kind != BPA_AUTHORIZER))
    return bx_fail(diag, BISCUIT_E_MISUSE, "Misuse",
                   "bpa_parse: bad arguments");
  if (len > UINT32_MAX - 2)
    return bx_fail(diag, BISCUIT_E_LIMIT, "TooLarge", "input too large");
  memset(&ctx, 0, sizeof ctx);
  ctx.env = env;
  ctx.src = src ? src : "";
  ctx.len = (uint32_t)len;
  ctx.kind = kind;
  ctx.opt = opt;
  ctx.out = out;
  ctx.diag = diag;
  ctx.start_tok = relaxed ? BPA_T_START_RELAXED : start_tokens[kind];
  ctx.relaxed = relaxed;
  ctx.max_depth = opt && opt->max_depth ? opt->max_depth : BPA_DEFAULT_DEPTH;
  if (ctx.max_depth > BPA_MAX_DEPTH)
    ctx.max_depth = BPA_MAX_DEPTH;
  bx_buf_init(&ctx.pool, len + 16);
  saved s = save(env, out);
  run(&ctx);
  free_ctx(&ctx);
  if (ctx.st != BISCUIT_OK)
    restore(env, out, &s);
  return ctx.st;
}

biscuit_status bpa_parse(bdl_env *env, const char *src, size_t len,
                         bpa_kind kind, const bpa_options *opt, bdl_block *out,
                         bx_diag *diag) {
  return parse(env, src, len, kind, false, opt, out, diag);
}

biscuit_status bpa_parse_relaxed(bdl_env *env, const char *src, size_t len,
                                 bpa_kind kind, const bpa_options *opt,
                                 bdl_block *out, bx_diag *diag) {
  return parse(env, src, len, kind, true, opt, out, diag);
}
