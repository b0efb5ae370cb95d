/*
** Printing statements and whole sources: predicates, scopes, rule bodies,
** rules, checks, policies, token blocks and authorizers, in the layout of
** the reference (symbol.rs print_rule_body/print_check, Block::
** print_source, AuthorizerBuilder::dump_code). Terms and expressions are
** in print.c.
**
** The `builder` flag selects the authorizer flavour: the reference prints
** authorizer sources from builder objects, whose sets and maps order
** differently (see print_int.h); everything else is the same text.
*/
#include <string.h>

#include "datalog/print.h"
#include "datalog/print_int.h"

static bool puts_ok(bx_buf *out, const char *s) { return bx_buf_puts(out, s); }

/* Predicate names print "<?>" when unknown (print_predicate), unlike
   terms, which print "<id?>". */
static bool print_pred_o(bx_buf *out, const bdl_env *e, const bdl_pred *p,
                         bool builder) {
  size_t len;
  const char *name = bdl_symtab_str(e->syms, p->name, &len);
  bdl_print_order text;
  bdl_print_order_text(&text);
  if (name)
    bx_buf_add(out, name, len);
  else
    bx_buf_puts(out, "<?>");
  bx_buf_putc(out, '(');
  for (uint32_t i = 0; i < p->n_terms && !out->failed; i++) {
    if (i > 0)
      bx_buf_puts(out, ", ");
    bdl_print_term_ordered(out, e, &p->terms[i], builder ? &text : NULL);
  }
  return bx_buf_putc(out, ')');
}

bool bdl_print_pred(bx_buf *out, const bdl_env *e, const bdl_pred *p) {
  return print_pred_o(out, e, p, false);
}

/* An expression of an authorizer: numbered as a fresh table would. */
static bool print_expr_o(bx_buf *out, const bdl_env *e, const bdl_expr *x,
                         bool builder) {
  if (!builder)
    return bdl_print_expr(out, e, x);
  bdl_print_order o;
  if (!bdl_print_order_expr(&o, e, x)) {
    out->failed = true;
    return false;
  }
  bool ok = bdl_print_expr_ordered(out, e, x, &o);
  bdl_print_order_free(&o);
  return ok;
}

static bool print_scope(bx_buf *out, const bdl_env *e, const bdl_scope *s) {
  const char *key;
  size_t len;
  switch (s->kind) {
  case BDL_SCOPE_AUTHORITY:
    return puts_ok(out, "authority");
  case BDL_SCOPE_PREVIOUS:
    return puts_ok(out, "previous");
  case BDL_SCOPE_KEY:
    key = bdl_symtab_str(e->keys, s->key, &len);
    if (!key) /* the reference's text for a dangling key id */
      return puts_ok(out, "<unknown public key id>");
    return bx_buf_add(out, key, len);
  default:
    return puts_ok(out, "<invalid scope>");
  }
}

bool bdl_print_scopes(bx_buf *out, const bdl_env *e, const bdl_scope *s,
                      uint32_t n) {
  bx_buf_puts(out, "trusting ");
  for (uint32_t i = 0; i < n && !out->failed; i++) {
    if (i > 0)
      bx_buf_puts(out, ", ");
    print_scope(out, e, &s[i]);
  }
  return !out->failed;
}

/*
** Predicates first, then expressions, whatever the source order; then the
** rule's own scopes (reference-behaviour.md §5).
*/
static bool print_body_o(bx_buf *out, const bdl_env *e, const bdl_rule *r,
                         bool builder) {
  for (uint32_t i = 0; i < r->n_body && !out->failed; i++) {
    if (i > 0)
      bx_buf_puts(out, ", ");
    print_pred_o(out, e, &r->body[i], builder);
  }
  for (uint32_t i = 0; i < r->n_exprs && !out->failed; i++) {
    if (i > 0 || r->n_body > 0)
      bx_buf_puts(out, ", ");
    print_expr_o(out, e, &r->exprs[i], builder);
  }
  if (r->n_scopes > 0) {
    bx_buf_putc(out, ' ');
    bdl_print_scopes(out, e, r->scopes, r->n_scopes);
  }
  return !out->failed;
}

bool bdl_print_rule_body(bx_buf *out, const bdl_env *e, const bdl_rule *r) {
  return print_body_o(out, e, r, false);
}

static bool print_rule_o(bx_buf *out, const bdl_env *e, const bdl_rule *r,
                         bool builder) {
  print_pred_o(out, e, &r->head, builder);
  bx_buf_puts(out, " <- ");
  return print_body_o(out, e, r, builder);
}

bool bdl_print_rule(bx_buf *out, const bdl_env *e, const bdl_rule *r) {
  return print_rule_o(out, e, r, false);
}

/* Bodies of a check or policy, joined with " or ". */
static bool print_queries(bx_buf *out, const bdl_env *e, const bdl_rule *q,
                          uint32_t n, bool builder) {
  for (uint32_t i = 0; i < n && !out->failed; i++) {
    if (i > 0)
      bx_buf_puts(out, " or ");
    print_body_o(out, e, &q[i], builder);
  }
  return !out->failed;
}

static bool print_check_o(bx_buf *out, const bdl_env *e, const bdl_check *c,
                          bool builder) {
  static const char *const kinds[] = {"check if ", "check all ",
                                      "reject if "};
  bx_buf_puts(out, c->kind <= BDL_REJECT_IF ? kinds[c->kind]
                                            : "<invalid check> ");
  return print_queries(out, e, c->queries, c->n_queries, builder);
}

bool bdl_print_check(bx_buf *out, const bdl_env *e, const bdl_check *c) {
  return print_check_o(out, e, c, false);
}

/* A policy without queries prints as a bare "allow"/"deny" (the
   reference's Policy Display). */
static bool print_policy_o(bx_buf *out, const bdl_env *e,
                           const bdl_policy *p, bool builder) {
  const char *kind = p->kind == BDL_ALLOW  ? "allow"
                     : p->kind == BDL_DENY ? "deny"
                                           : "<invalid policy>";
  bx_buf_puts(out, kind);
  if (p->n_queries == 0)
    return !out->failed;
  bx_buf_puts(out, " if ");
  return print_queries(out, e, p->queries, p->n_queries, builder);
}

bool bdl_print_policy(bx_buf *out, const bdl_env *e, const bdl_policy *p) {
  return print_policy_o(out, e, p, false);
}

bool bdl_print_authorizer_policy(bx_buf *out, const bdl_env *e,
                                 const bdl_policy *p) {
  return print_policy_o(out, e, p, true);
}

/* One section of a source: each statement followed by ";\n". */
static bool print_facts(bx_buf *out, const bdl_env *e, const bdl_block *b,
                        bool builder) {
  for (uint32_t i = 0; i < b->n_facts && !out->failed; i++) {
    print_pred_o(out, e, &b->facts[i], builder);
    bx_buf_puts(out, ";\n");
  }
  return !out->failed;
}

static bool print_rules(bx_buf *out, const bdl_env *e, const bdl_block *b,
                        bool builder) {
  for (uint32_t i = 0; i < b->n_rules && !out->failed; i++) {
    print_rule_o(out, e, &b->rules[i], builder);
    bx_buf_puts(out, ";\n");
  }
  return !out->failed;
}

static bool print_checks(bx_buf *out, const bdl_env *e, const bdl_block *b,
                         bool builder) {
  for (uint32_t i = 0; i < b->n_checks && !out->failed; i++) {
    print_check_o(out, e, &b->checks[i], builder);
    bx_buf_puts(out, ";\n");
  }
  return !out->failed;
}

/* Block::print_source: block-level scopes are never printed. */
bool bdl_print_block(bx_buf *out, const bdl_env *e, const bdl_block *b) {
  print_facts(out, e, b, false);
  print_rules(out, e, b, false);
  return print_checks(out, e, b, false);
}

/*
** dump_code: facts, rules and checks, each non-empty section followed by
** a blank line, then the policies (test001: "resource(\"file1\");\n\n
** allow if true;\n"). Authorizer-level scopes are not printed either.
*/
bool bdl_print_authorizer(bx_buf *out, const bdl_env *e, const bdl_block *b) {
  print_facts(out, e, b, true);
  if (b->n_facts > 0)
    bx_buf_putc(out, '\n');
  print_rules(out, e, b, true);
  if (b->n_rules > 0)
    bx_buf_putc(out, '\n');
  print_checks(out, e, b, true);
  if (b->n_checks > 0)
    bx_buf_putc(out, '\n');
  for (uint32_t i = 0; i < b->n_policies && !out->failed; i++) {
    print_policy_o(out, e, &b->policies[i], true);
    bx_buf_puts(out, ";\n");
  }
  return !out->failed;
}
