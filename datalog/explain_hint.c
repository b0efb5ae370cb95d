/*
** Explaining one query, the hints: when no trusted fact matches a body
** predicate, what comes close, most telling first.
**
**  1. Facts that match but come from blocks the query does not trust
**     (spec "Scopes"): the usual surprise with attenuation blocks and
**     third-party blocks. Up to 3, then what the query does trust.
**  2. Other facts of the same relation (name and arity): a typo in a
**     constant, or the value the binding expected is missing. Up to 3.
**  3. Facts of the same name with another number of terms.
**  4. Nothing of that name at all: a typo in the name, or a rule that
**     was meant to derive it never ran.
**
** With a candidate binding (c != NULL), "match" takes its values into
** account; (2) then lists the trusted facts that match the predicate
** alone, i.e. the values the binding would have needed.
*/
#include "datalog/explain_int.h"
#include "datalog/print.h"

#define MAX_SHOWN 3u

static void print_row(bx_buf *out, const struct bdl_xq *x,
                      const struct bdl_rel *r, uint32_t row) {
  bdl_pred f = {r->name, r->arity, (bdl_term *)bdl_row(r, row)};
  bdl_print_pred(out, x->w->env, &f);
}

static void block_name(bx_buf *out, uint32_t id) {
  if (id == 0)
    bx_buf_puts(out, "authority");
  else if (id == BDL_AUTHORIZER_ID)
    bx_buf_puts(out, "authorizer");
  else
    bx_buf_printf(out, "block %u", id);
}

/* The blocks of o in block order, authorizer last: "a, b and c". */
static void list_blocks(bx_buf *out, bdl_origin o) {
  uint32_t n = 0, total = 0;
  for (uint32_t id = 0; id <= BDL_AUTHORIZER_ID; id++)
    total += bdl_origin_has(o, id);
  if (total == 0)
    bx_buf_puts(out, "nothing");
  for (uint32_t id = 0; id <= BDL_AUTHORIZER_ID; id++) {
    if (!bdl_origin_has(o, id))
      continue;
    if (n > 0)
      bx_buf_puts(out, n + 1 == total ? " and " : ", ");
    block_name(out, id);
    n++;
  }
}

static bool single_block(bdl_origin o) {
  uint32_t n = 0;
  for (uint32_t id = 0; id <= BDL_AUTHORIZER_ID && n < 2; id++)
    n += bdl_origin_has(o, id);
  return n == 1;
}

static bdl_origin minus(bdl_origin a, bdl_origin b) {
  bdl_origin o = {{a.w[0] & ~b.w[0], a.w[1] & ~b.w[1]}};
  return o;
}

static bdl_origin intersect(bdl_origin a, bdl_origin b) {
  bdl_origin o = {{a.w[0] & b.w[0], a.w[1] & b.w[1]}};
  return o;
}

/*
** "f exists in block 1, which this check does not trust", or for a
** derived fact "f derives from authority and block 1; this check does
** not trust block 1".
*/
static void untrusted_line(bx_buf *out, const struct bdl_xq *x,
                           const struct bdl_rel *r, uint32_t row,
                           unsigned indent) {
  bdl_origin o = r->origins[row];
  bdl_xt_indent(out, indent);
  print_row(out, x, r, row);
  if (single_block(o)) {
    bx_buf_puts(out, " exists in ");
    list_blocks(out, o);
    bx_buf_printf(out, ", which this %s does not trust\n", x->what);
    return;
  }
  bx_buf_puts(out, " derives from ");
  list_blocks(out, o);
  bx_buf_printf(out, "; this %s does not trust ", x->what);
  list_blocks(out, minus(o, x->trusted));
  bx_buf_putc(out, '\n');
}

/* Hint 1; false when every matching fact is trusted (or none exists). */
static bool untrusted(bx_buf *out, const struct bdl_xq *x, uint32_t p,
                      const struct bdl_xcand *c, unsigned indent) {
  const struct bdl_rel *r = &x->w->rels[x->rel[p]];
  uint32_t rows[MAX_SHOWN], n = 0;
  bool more = false;
  for (uint32_t row = 0; row < r->n_rows && !more; row++) {
    if (bdl_origin_subset(r->origins[row], x->trusted) ||
        !bdl_xq_match(x, p, bdl_row(r, row), c))
      continue;
    if (n == MAX_SHOWN)
      more = true;
    else
      rows[n++] = row;
  }
  if (n == 0)
    return false;
  for (uint32_t i = 0; i < n; i++)
    untrusted_line(out, x, r, rows[i], indent);
  if (more) {
    bdl_xt_indent(out, indent);
    bx_buf_puts(out, "(and more)\n");
  }
  bdl_xt_indent(out, indent);
  bx_buf_puts(out, "(it trusts ");
  list_blocks(out, intersect(x->trusted, x->w->present));
  bx_buf_puts(out, ")\n");
  return true;
}

/*
** Hint 2: "name/arity has: f, g, h, ...". Without a binding every row
** is shown (none matches); with one, the trusted rows that match the
** predicate alone.
*/
static void others(bx_buf *out, const struct bdl_xq *x, uint32_t p,
                   const struct bdl_xcand *c, unsigned indent) {
  const struct bdl_rel *r = &x->w->rels[x->rel[p]];
  const char *name = bdl_symtab_str(x->w->env->syms, r->name, NULL);
  uint32_t n = 0;
  bdl_xt_indent(out, indent);
  bx_buf_printf(out, "%s/%u has: ", name ? name : "<?>", r->arity);
  for (uint32_t row = 0; row < r->n_rows; row++) {
    if (c && !(bdl_origin_subset(r->origins[row], x->trusted) &&
               bdl_xq_match(x, p, bdl_row(r, row), NULL)))
      continue;
    if (n == MAX_SHOWN) {
      bx_buf_puts(out, ", ...");
      break;
    }
    if (n++ > 0)
      bx_buf_puts(out, ", ");
    print_row(out, x, r, row);
  }
  bx_buf_putc(out, '\n');
}

/* Hint 3: one example per other arity; false when there is none. */
static bool arities(bx_buf *out, const struct bdl_xq *x, uint32_t p,
                    unsigned indent) {
  const bdl_pred *bp = &x->q->body[p];
  const char *name = bdl_symtab_str(x->w->env->syms, bp->name, NULL);
  uint32_t n = 0;
  for (uint32_t i = 0; i < x->w->n_rels && n < MAX_SHOWN; i++) {
    const struct bdl_rel *r = &x->w->rels[i];
    if (r->name != bp->name || r->arity == bp->n_terms || r->n_rows == 0)
      continue;
    bdl_xt_indent(out, indent);
    bx_buf_printf(out, "%s exists with %u term%s: ", name ? name : "<?>",
                  r->arity, r->arity == 1 ? "" : "s");
    print_row(out, x, r, 0);
    bx_buf_putc(out, '\n');
    n++;
  }
  return n > 0;
}

void bdl_xh_hints(bx_buf *out, const struct bdl_xq *x, uint32_t p,
                  const struct bdl_xcand *c, unsigned indent) {
  bool rows = x->rel[p] != BDL_NO_REL && x->w->rels[x->rel[p]].n_rows > 0;
  if (rows && untrusted(out, x, p, c, indent))
    return;
  if (rows) {
    others(out, x, p, c, indent);
    return;
  }
  if (arities(out, x, p, indent))
    return;
  const char *name = bdl_symtab_str(x->w->env->syms, x->q->body[p].name, NULL);
  bdl_xt_indent(out, indent);
  bx_buf_printf(out, "there is no %s fact at all\n", name ? name : "<?>");
}
