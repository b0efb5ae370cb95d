/*
** parser/ internals: the parse context shared by the lexer (lexer.l), the
** grammar (grammar.y) and the builder functions (terms.c, expr.c,
** rules.c). Never included from outside parser/.
**
** Positions are byte offsets into the source (uint32_t: inputs are capped
** below 4 GiB). Line and column are computed only when an error is
** reported; columns count Unicode code points, 1-based, a tab counts 1.
**
** Builder functions return 0 on success or -1 after recording the error
** in the context, so every grammar action reads `TRY(bpa_xxx(ctx, ...));`
** (TRY aborts the parse on non-zero).
*/
#ifndef BISCUIT_PARSER_PARSE_INT_H
#define BISCUIT_PARSER_PARSE_INT_H

#include <stdarg.h>

#include "parser/parser.h"

#define BPA_DEFAULT_DEPTH 128u
#define BPA_MAX_DEPTH 10000u /* hard ceiling for bpa_options.max_depth */
#define BPA_MAX_ELEMS 1024u  /* perf-and-threats.md B4: collections */
#define BPA_NONE UINT32_MAX  /* "no index" in semantic values */

/* A location: [start, end) byte offsets. */
typedef struct bpa_loc {
  uint32_t start, end;
} bpa_loc;

/* Text of a token: bytes in the source, or in the string pool (STRING). */
typedef struct bpa_tok {
  uint32_t off, len;
} bpa_tok;

/* A predicate being built: its terms sit on the term stack from `start`. */
typedef struct bpa_predv {
  bpa_tok name;
  uint32_t start, n;
  bpa_loc loc;
} bpa_predv;

typedef struct bpa_ctx {
  bdl_env *env;
  const char *src;
  uint32_t len;
  bpa_kind kind;
  const bpa_options *opt;
  bdl_block *out;
  bx_diag *diag;
  biscuit_status st; /* BISCUIT_OK until the first error */
  /* lexer state */
  void *scanner;
  char *lexbuf; /* src copy with the two NULs flex wants */
  uint32_t pos;
  int start_tok;
  int last_tok;       /* token most recently returned (0 = none) */
  bool after_operand; /* last token ends a term, call or scope */
  bpa_loc tok_loc[2]; /* [1] = last token, [0] = the one before */
  uint32_t depth, max_depth;
  uint32_t brackets; /* open ( [ { not yet closed */
  bx_buf pool;       /* decoded string literals */
  /* builder stacks (heap; freed at the end) */
  bdl_term *terms;
  uint32_t *term_loc;
  size_t n_terms, cap_terms, cap_term_loc;
  bdl_op *ops;
  uint16_t *op_depth; /* closure nesting of each op (0: not a closure) */
  size_t n_ops, cap_ops, cap_op_depth;
  bdl_pred *preds;
  size_t n_preds, cap_preds;
  bdl_expr *exprs;
  size_t n_exprs, cap_exprs;
  bdl_scope *scopes;
  size_t n_scopes, cap_scopes;
  bdl_rule *queries;
  size_t n_queries, cap_queries;
  /* flex's three small allocations are served from here (lexer.l) */
  size_t reserve_used;
  _Alignas(16) unsigned char reserve[1024];
  bool relaxed; /* bpa_parse_relaxed: the input may end after a statement */
} bpa_ctx;

/* ------------------------------------------------------------ errors */

/* Record an error at byte `off` (first error wins); returns -1. */
int bpa_error_at(bpa_ctx *ctx, uint32_t off, biscuit_status st, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));
int bpa_verror_at(bpa_ctx *ctx, uint32_t off, biscuit_status st,
                  const char *fmt, va_list ap);
/* Map a failed allocation or constructor status to an error; -1. */
int bpa_fail_status(bpa_ctx *ctx, uint32_t off, biscuit_status st);
/* A syntax error: `unexpected` and `expected[]` are grammar symbol names. */
int bpa_syntax_error(bpa_ctx *ctx, const char *unexpected, bpa_loc loc,
                     const char *const *expected, int n_expected);

/* ------------------------------------------------------------- UTF-8 */

/* Offset of the first byte that is not valid UTF-8 (or is NUL); len if
   none. */
size_t bpa_utf8_check(const char *s, size_t len);
/* Decode one code point of valid UTF-8; *adv gets its length. */
uint32_t bpa_utf8_decode(const char *s, size_t len, size_t *adv);
/* "UTF-8 letter" for names (an approximation; see utf8.c). */
bool bpa_is_letter(uint32_t cp);

/* ------------------------------------------------------------- lexing */

/* Scanner lifetime (lexer.l); the token function itself, bpa_scan, is
   declared in the generated grammar header. */
int bpa_lex_init(bpa_ctx *ctx);
void bpa_lex_free(bpa_ctx *ctx);
/* RFC 3339 to seconds since the epoch; NULL or the reason it failed. */
const char *bpa_parse_date(const char *s, size_t n, uint64_t *out);
/* Validate "ed25519/<hex>" or "secp256r1/<hex>"; NULL or the reason. */
const char *bpa_check_key(const char *s, size_t n);

/* ------------------------------------------------------------- terms */

int bpa_term_int(bpa_ctx *ctx, uint64_t v, bool neg, bpa_loc loc,
                 bdl_term *out);
int bpa_term_str(bpa_ctx *ctx, bpa_tok s, bdl_term *out);
int bpa_term_pending(bpa_ctx *ctx, bpa_tok s, bdl_term *out);
int bpa_term_var(bpa_ctx *ctx, bpa_tok name, bdl_term *out);
int bpa_term_bytes(bpa_ctx *ctx, bpa_tok hex, bpa_loc loc, bdl_term *out);
int bpa_term_param(bpa_ctx *ctx, bpa_tok name, bpa_loc loc, bool key,
                   bdl_term *out);
int bpa_push_term(bpa_ctx *ctx, const bdl_term *t, uint32_t loc,
                  uint32_t *index);
int bpa_push_pair(bpa_ctx *ctx, const bdl_term *k, bpa_loc kloc,
                  const bdl_term *v, bpa_loc vloc, uint32_t *index);
int bpa_array(bpa_ctx *ctx, uint32_t start, bpa_loc loc, bdl_term *out);
int bpa_set(bpa_ctx *ctx, uint32_t start, bpa_loc loc, bdl_term *out);
int bpa_map(bpa_ctx *ctx, uint32_t start, bpa_loc loc, bdl_term *out);
int bpa_empty(bpa_ctx *ctx, bdl_kind kind, bpa_loc loc, bdl_term *out);

/* ------------------------------------------------------- expressions */

int bpa_value(bpa_ctx *ctx, const bdl_term *t, bpa_loc loc, uint32_t *ix);
int bpa_unary(bpa_ctx *ctx, bdl_unary k, bpa_loc loc);
int bpa_binary(bpa_ctx *ctx, bdl_binary k, bpa_loc loc);
int bpa_lazy(bpa_ctx *ctx, uint32_t rhs, bdl_binary k, bpa_loc loc);
int bpa_method(bpa_ctx *ctx, bpa_tok name, uint32_t recv, uint32_t arg,
               const bpa_tok *param, bpa_loc loc);
int bpa_enter(bpa_ctx *ctx, bpa_loc loc);
void bpa_leave(bpa_ctx *ctx);
int bpa_nonassoc(bpa_ctx *ctx, bpa_loc loc);
int bpa_neg_int(bpa_ctx *ctx, bpa_loc minus, bpa_loc digits, uint64_t v,
                bdl_term *out);

/* --------------------------------------------------------- statements */

int bpa_pred(bpa_ctx *ctx, bpa_tok name, uint32_t start, bpa_loc loc,
             bpa_predv *out);
int bpa_fact(bpa_ctx *ctx, const bpa_predv *p);
int bpa_body_pred(bpa_ctx *ctx, const bpa_predv *p);
int bpa_body_expr(bpa_ctx *ctx, uint32_t start, bpa_loc loc);
int bpa_body(bpa_ctx *ctx, bdl_rule *out);
int bpa_rule(bpa_ctx *ctx, const bpa_predv *head, const bdl_rule *body);
int bpa_query(bpa_ctx *ctx, const bdl_rule *body, bpa_loc loc);
int bpa_check(bpa_ctx *ctx, bdl_check_kind kind, bpa_loc loc);
int bpa_policy(bpa_ctx *ctx, bdl_policy_kind kind, bpa_loc loc);
int bpa_scope_name(bpa_ctx *ctx, bpa_tok name, bpa_loc loc);
int bpa_scope_key(bpa_ctx *ctx, bpa_tok key, bpa_loc loc);
int bpa_scope_param(bpa_ctx *ctx, bpa_tok name, bpa_loc loc);
int bpa_block_scopes(bpa_ctx *ctx);

#endif
