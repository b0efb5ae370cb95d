/*
** Explaining one query, the lines: what a search found, in words a
** policy author reads. Values print as the Datalog printer prints terms
** (datalog/print.h), facts as predicates, in the written order of the
** body.
**
**   matched with $u = "alice", $r = "file1"      a binding that passes
**   facts: user("alice"), resource("file1")
**   counterexample: $x = 3: $x < 2 is false      check all
**   no fact matches owner($u, $r) with $r = "file1"
**   $t < 2020-01-01T00:00:00Z is false with $t = 2025-11-23T00:00:00Z
**   the expression false is false                 no variable involved
**   $x + 1 fails with $x = 9223372036854775807: Overflow
**   closest: resource("file1"), user("alice")
*/
#include <string.h>

#include "datalog/explain_int.h"
#include "datalog/print.h"

/* Closure nesting followed when listing an expression's variables; the
   machine refuses deeper nesting anyway (BDL_VM_HARD_DEPTH). */
#define MAX_NEST 64

void bdl_xt_indent(bx_buf *out, unsigned indent) {
  for (unsigned i = 0; i < indent; i++)
    bx_buf_putc(out, ' ');
}

static const bdl_env *env_of(const struct bdl_xq *x) {
  return x->w->env;
}

/* "$a = 1, $b = "x"": the listed slots with their values. */
static void print_binding(bx_buf *out, const struct bdl_xq *x,
                          const bdl_term *vals, const uint32_t *slots,
                          uint32_t n) {
  for (uint32_t i = 0; i < n && !out->failed; i++) {
    bdl_term v = bdl_var(x->var_ids[slots[i]]);
    if (i > 0)
      bx_buf_puts(out, ", ");
    bdl_print_term(out, env_of(x), &v);
    bx_buf_puts(out, " = ");
    bdl_print_term(out, env_of(x), &vals[slots[i]]);
  }
}

/* Every slot, in order of first appearance in the body. */
static uint32_t all_slots(struct bdl_xq *x) {
  for (uint32_t s = 0; s < x->n_vars; s++)
    x->tmp[s] = s;
  return x->n_vars;
}

/* Add the slot of variable `id` to x->tmp once; body variables only. */
static void add_var(struct bdl_xq *x, uint32_t id, uint32_t *n) {
  for (uint32_t s = 0; s < x->n_vars; s++) {
    if (x->var_ids[s] != id)
      continue;
    if (!x->flag[s]) {
      x->flag[s] = true;
      x->tmp[(*n)++] = s;
    }
    return;
  }
}

/*
** The body variables an expression reads, in order of first use (ops
** are postfix, so operands come in source order), closure bodies
** included; walked with an explicit stack, as nesting is the author's.
*/
static uint32_t expr_slots(struct bdl_xq *x, const bdl_expr *e) {
  struct {
    const bdl_op *ops;
    uint32_t n, pos;
  } st[MAX_NEST];
  uint32_t depth = 1, n = 0;
  memset(x->flag, 0, x->n_vars * sizeof *x->flag);
  st[0].ops = e->ops;
  st[0].n = e->ops ? e->n_ops : 0;
  st[0].pos = 0;
  while (depth > 0) {
    if (st[depth - 1].pos == st[depth - 1].n) {
      depth--;
      continue;
    }
    const bdl_op *op = &st[depth - 1].ops[st[depth - 1].pos++];
    const bdl_closure *c = op->type == BDL_OP_CLOSURE ? op->u.closure : NULL;
    if (op->type == BDL_OP_VALUE && op->u.value.kind == BDL_VAR) {
      add_var(x, op->u.value.id, &n);
    } else if (c && c->ops && depth < MAX_NEST) {
      st[depth].ops = c->ops;
      st[depth].n = c->n_ops;
      st[depth].pos = 0;
      depth++;
    }
  }
  return n;
}

/* The facts a candidate bound, in the written order of the body. */
static void print_facts(bx_buf *out, const struct bdl_xq *x,
                        const struct bdl_xcand *c) {
  bool first = true;
  for (uint32_t p = 0; p < x->n_preds && !out->failed; p++) {
    if (c->row[p] == BDL_ROW_END)
      continue;
    const struct bdl_rel *r = &x->w->rels[x->rel[p]];
    bdl_pred f = {r->name, r->arity, (bdl_term *)bdl_row(r, c->row[p])};
    if (!first)
      bx_buf_puts(out, ", ");
    bdl_print_pred(out, env_of(x), &f);
    first = false;
  }
}

/* "<label>: <facts>" when the query has predicates at all. */
static void facts_line(bx_buf *out, const struct bdl_xq *x,
                       const struct bdl_xcand *c, const char *label,
                       unsigned indent) {
  if (x->n_preds == 0)
    return;
  bdl_xt_indent(out, indent);
  bx_buf_printf(out, "%s: ", label);
  print_facts(out, x, c);
  bx_buf_putc(out, '\n');
}

/*
** The expression that stopped a full candidate: "<e> is false", "<e>
** fails: <tag>". `with_vars` adds the values of the variables it reads
** (" with $t = ..."), or says "the expression" when it reads none.
*/
static void print_outcome(bx_buf *out, struct bdl_xq *x,
                          const struct bdl_xcand *c, bool with_vars) {
  const bdl_expr *e = &x->q->exprs[c->expr];
  uint32_t n = with_vars ? expr_slots(x, e) : 0;
  if (with_vars && n == 0)
    bx_buf_puts(out, "the expression ");
  bdl_print_expr(out, env_of(x), e);
  bx_buf_puts(out, c->err ? " fails" : " is false");
  if (n > 0) {
    bx_buf_puts(out, " with ");
    print_binding(out, x, c->vals, x->tmp, n);
  }
  if (c->err)
    bx_buf_printf(out, ": %s", c->err);
}

/* A binding that passes (a reject if or a policy that matched). */
static void matched(bx_buf *out, struct bdl_xq *x, unsigned indent) {
  bdl_xt_indent(out, indent);
  bx_buf_puts(out, "matched");
  if (x->n_vars > 0) {
    bx_buf_puts(out, " with ");
    print_binding(out, x, x->hit.vals, x->tmp, all_slots(x));
  }
  bx_buf_putc(out, '\n');
  facts_line(out, x, &x->hit, "facts", indent);
}

/* check all: the binding under which an expression does not hold. */
static void counterexample(bx_buf *out, struct bdl_xq *x, unsigned indent) {
  bdl_xt_indent(out, indent);
  bx_buf_puts(out, "counterexample: ");
  if (x->n_vars > 0) {
    print_binding(out, x, x->hit.vals, x->tmp, all_slots(x));
    bx_buf_puts(out, ": ");
  }
  print_outcome(out, x, &x->hit, x->n_vars == 0);
  bx_buf_putc(out, '\n');
  facts_line(out, x, &x->hit, "facts", indent);
}

/*
** The variables of predicate p the candidate binds, in the order they
** appear in p, each once.
*/
static uint32_t shared_slots(struct bdl_xq *x, const struct bdl_xcand *c,
                             uint32_t p) {
  uint32_t n = 0;
  for (uint32_t t = 0; t < x->q->body[p].n_terms; t++) {
    uint32_t i = x->off[p] + t;
    int32_t s = x->slot[i];
    if (s >= 0 && x->same[i] < 0 && bdl_xq_bound(x, c, (uint32_t)s))
      x->tmp[n++] = (uint32_t)s;
  }
  return n;
}

/* The closest candidate: where it stopped, and the facts it bound. */
static void closest(bx_buf *out, struct bdl_xq *x, unsigned indent) {
  const struct bdl_xcand *c = &x->best;
  bdl_xt_indent(out, indent);
  if (c->full) {
    print_outcome(out, x, c, true);
    bx_buf_putc(out, '\n');
  } else {
    bx_buf_puts(out, "no fact matches ");
    bdl_print_pred(out, env_of(x), &x->q->body[c->stop]);
    uint32_t n = shared_slots(x, c, c->stop);
    if (n > 0) {
      bx_buf_puts(out, " with ");
      print_binding(out, x, c->vals, x->tmp, n);
    }
    bx_buf_putc(out, '\n');
    bdl_xh_hints(out, x, c->stop, c, indent + 2);
  }
  facts_line(out, x, c, "closest", indent);
}

void bdl_xt_no_fact(bx_buf *out, struct bdl_xq *x, uint32_t p,
                    unsigned indent) {
  bdl_xt_indent(out, indent);
  bx_buf_puts(out, "no fact matches ");
  bdl_print_pred(out, env_of(x), &x->q->body[p]);
  bx_buf_putc(out, '\n');
  bdl_xh_hints(out, x, p, NULL, indent + 2);
}

void bdl_xt_stopped(bx_buf *out, const struct bdl_xq *x, unsigned indent) {
  bool shown = x->best.set || x->hit.set || x->n_full > 0;
  const char *tail =
      shown ? "; showing the closest so far" : " before finding a candidate";
  if (!x->capped && !x->limit)
    return;
  bdl_xt_indent(out, indent);
  if (x->capped)
    bx_buf_printf(out, "(search stopped after %u candidates%s)\n",
                  BDL_X_MAX_CANDIDATES, tail);
  else
    bx_buf_printf(out, "(search stopped by the run limits (%s)%s)\n", x->limit,
                  tail);
}

void bdl_xt_result(bx_buf *out, struct bdl_xq *x, enum bdl_xgoal goal,
                   unsigned indent) {
  if (x->hit.set && goal == BDL_X_ALL) {
    counterexample(out, x, indent);
  } else if (x->hit.set) {
    matched(out, x, indent);
  } else if (goal == BDL_X_ALL && x->n_full > 0) {
    bdl_xt_indent(out, indent);
    bx_buf_puts(out, "no counterexample: every binding examined passes\n");
  } else if (x->best.set) {
    closest(out, x, indent);
  }
  bdl_xt_stopped(out, x, indent);
}
