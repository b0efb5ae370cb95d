/*
** parser/: Biscuit Datalog text to datalog/ IR (flex + bison, reentrant,
** prefix bpa_). No AST: grammar actions build IR into an env.
*/
#ifndef BISCUIT_PARSER_H
#define BISCUIT_PARSER_H

#include "datalog/datalog.h"

typedef enum bpa_kind {
  BPA_BLOCK,      /* a token block: facts, rules, checks; `trusting` */
  BPA_AUTHORIZER, /* also policies */
  BPA_FACT,       /* exactly one fact (trailing ';' optional) */
  BPA_RULE,
  BPA_CHECK,
  BPA_POLICY
} bpa_kind;

/* A `{name}` parameter bound by the caller. */
typedef struct bpa_param {
  const char *name;
  bdl_term value; /* made in the same env the parse builds into */
} bpa_param;

typedef struct bpa_options {
  const char *filename; /* for messages; NULL = "<input>" */
  const bpa_param *params;
  size_t n_params;
  /* Public-key parameters `{name}` in `trusting` positions: text form. */
  const char *const *key_param_names;
  const char *const *key_param_values; /* "ed25519/<hex>" */
  size_t n_key_params;
  uint32_t max_depth; /* nesting of parens/closures/collections; 0 = 128 */
} bpa_options;

/*
** Parse `src` as `kind`, appending to `out` (which the caller has
** initialised with bdl_block_init). Single-statement kinds append one
** element to the matching vector. On error, `out` is left as it was,
** diag has status BISCUIT_E_PARSE (or BISCUIT_E_INCOMPLETE when the input
** ended inside a statement), msg in our own words, and 1-based line and
** column of the offending byte. Columns count Unicode code points (a tab
** is one); diag->offset is the byte offset. At the end of the input the
** position is just after the last token.
*/
biscuit_status bpa_parse(bdl_env *env, const char *src, size_t len,
                         bpa_kind kind, const bpa_options *opt,
                         bdl_block *out, bx_diag *diag);

/*
** bpa_parse for BPA_BLOCK or BPA_AUTHORIZER with the reference's leniency
** (parser.rs parse_source): the last statement may end with the input,
** without its ';'. For text that is known to be complete (a file, an API
** call), where bpa_parse would report BISCUIT_E_INCOMPLETE; other kinds
** are BISCUIT_E_MISUSE.
*/
biscuit_status bpa_parse_relaxed(bdl_env *env, const char *src, size_t len,
                                 bpa_kind kind, const bpa_options *opt,
                                 bdl_block *out, bx_diag *diag);

/*
** Render a parse diagnostic the way people read it:
**   file:3:17: expected a term after ','
**     check if right($0, )
**                        ^
*/
bool bpa_format_error(bx_buf *out, const char *filename, const char *src,
                      size_t len, const bx_diag *diag);

#endif
