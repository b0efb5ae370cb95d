/*
** Canonical printing, byte for byte as the reference prints (the samples'
** `code`, world dumps and failed-check texts). reference-behaviour.md §5
** lists the traps. Every function appends to `out` and returns false only
** when the buffer failed (allocation or cap).
*/
#ifndef BISCUIT_DATALOG_PRINT_H
#define BISCUIT_DATALOG_PRINT_H

#include "datalog/datalog.h"

bool bdl_print_term(bx_buf *out, const bdl_env *e, const bdl_term *t);
bool bdl_print_pred(bx_buf *out, const bdl_env *e, const bdl_pred *p);
bool bdl_print_expr(bx_buf *out, const bdl_env *e, const bdl_expr *x);
bool bdl_print_scopes(bx_buf *out, const bdl_env *e, const bdl_scope *s,
                      uint32_t n); /* "trusting a, b" (no leading space) */
/* Body only: predicates, then expressions, then " trusting ..." */
bool bdl_print_rule_body(bx_buf *out, const bdl_env *e, const bdl_rule *r);
bool bdl_print_rule(bx_buf *out, const bdl_env *e, const bdl_rule *r);
bool bdl_print_check(bx_buf *out, const bdl_env *e, const bdl_check *c);
bool bdl_print_policy(bx_buf *out, const bdl_env *e, const bdl_policy *p);
/*
** A policy as an authorizer's source prints it (the reference's builder
** order: strings in sets sort as text). The samples' world dumps list
** policies this way.
*/
bool bdl_print_authorizer_policy(bx_buf *out, const bdl_env *e,
                                 const bdl_policy *p);
/* A token block's source as the samples' `code`: facts, rules, checks,
   each followed by ";\n". Block-level scopes are not printed. */
bool bdl_print_block(bx_buf *out, const bdl_env *e, const bdl_block *b);
/* An authorizer's source (the reference's dump_code): facts, blank line,
   rules, blank line, checks, blank line, policies, each with ";\n". */
bool bdl_print_authorizer(bx_buf *out, const bdl_env *e, const bdl_block *b);

#endif
