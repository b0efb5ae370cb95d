/*
** Which Datalog version a block needs (spec "Format": v3.0 = 3 .. v3.3 =
** 6). One scan collects the features a block uses, and two rules read
** them:
**
**  - btk_block_min_version, for blocks we write, detects completely:
**    arrays, maps, .get and try_or are v3.3 features too, so a block
**    using them is never labelled v3.0 (reference-behaviour.md "Version
**    detection gaps");
**  - btk_block_check_version, for blocks we read, refuses exactly what
**    the reference refuses, so every token it writes still decodes.
**
** Scopes of any kind (including public keys) give v3.1, as in the
** reference and sample test024; third-party blocks give at least v3.2
** (spec "Third-party block datalog version").
*/
#include "token/token_int.h"

typedef struct features {
  bool scopes;    /* block or rule scopes */
  bool v31;       /* bitwise ops, strict !== */
  bool check_all; /* check all */
  bool v33;       /* what the reference detects as v3.3 */
  bool v33_more;  /* v3.3 features the reference misses */
} features;

#define MAX_SCAN_DEPTH 512 /* far beyond any decodable nesting */

/* Null, arrays and maps anywhere inside a term (v3.3 values). */
static bool term_v33(const bdl_term *t, unsigned depth) {
  if (t->kind == BDL_NULL || t->kind == BDL_ARRAY || t->kind == BDL_MAP)
    return true;
  if (t->kind != BDL_SET || depth > MAX_SCAN_DEPTH)
    return false;
  for (uint32_t i = 0; i < t->v.coll->n; i++)
    if (term_v33(&t->v.coll->items[i], depth + 1))
      return true;
  return false;
}

/* The reference's own test: null, or a set holding null. */
static bool term_v33_ref(const bdl_term *t) {
  if (t->kind == BDL_NULL)
    return true;
  if (t->kind != BDL_SET)
    return false;
  for (uint32_t i = 0; i < t->v.coll->n; i++)
    if (t->v.coll->items[i].kind == BDL_NULL)
      return true;
  return false;
}

static void scan_term(features *f, const bdl_term *t) {
  f->v33 |= term_v33_ref(t);
  f->v33_more |= term_v33(t, 0);
}

static void scan_pred(features *f, const bdl_pred *p) {
  for (uint32_t i = 0; i < p->n_terms; i++)
    scan_term(f, &p->terms[i]);
}

static void scan_binary(features *f, uint8_t k) {
  switch ((bdl_binary)k) {
  case BDL_B_BITAND:
  case BDL_B_BITOR:
  case BDL_B_BITXOR:
  case BDL_B_NEQ:
    f->v31 = true;
    break;
  case BDL_B_HEQ:
  case BDL_B_HNEQ:
  case BDL_B_LAZY_AND:
  case BDL_B_LAZY_OR:
  case BDL_B_ALL:
  case BDL_B_ANY:
  case BDL_B_FFI:
    f->v33 = true;
    break;
  case BDL_B_GET:
  case BDL_B_TRY_OR:
    f->v33_more = true;
    break;
  default:
    break;
  }
}

/*
** Ops of an expression. The reference looks at top-level ops only; a
** closure is v3.3 by itself, and what it holds only matters for the
** complete rule, so closure bodies count as v33_more.
*/
static void scan_ops(features *f, const bdl_op *ops, uint32_t n,
                     unsigned depth) {
  for (uint32_t i = 0; i < n; i++) {
    const bdl_op *o = &ops[i];
    if (o->type == BDL_OP_VALUE) {
      scan_term(f, &o->u.value);
    } else if (o->type == BDL_OP_UNARY) {
      f->v33 |= o->kind == BDL_U_TYPEOF || o->kind == BDL_U_FFI;
    } else if (o->type == BDL_OP_BINARY) {
      scan_binary(f, o->kind);
    } else if (o->type == BDL_OP_CLOSURE) {
      features inner = {0};
      f->v33 = true;
      if (depth < MAX_SCAN_DEPTH)
        scan_ops(&inner, o->u.closure->ops, o->u.closure->n_ops, depth + 1);
      f->v33_more |= inner.v31 || inner.v33 || inner.v33_more;
    }
  }
}

static void scan_rule(features *f, const bdl_rule *r, bool head) {
  if (head)
    scan_pred(f, &r->head);
  for (uint32_t i = 0; i < r->n_body; i++)
    scan_pred(f, &r->body[i]);
  for (uint32_t i = 0; i < r->n_exprs; i++)
    scan_ops(f, r->exprs[i].ops, r->exprs[i].n_ops, 0);
  f->scopes |= r->n_scopes > 0;
}

static features scan_block(const bdl_block *b) {
  features f = {0};
  f.scopes = b->n_scopes > 0;
  for (uint32_t i = 0; i < b->n_facts; i++)
    scan_pred(&f, &b->facts[i]);
  for (uint32_t i = 0; i < b->n_rules; i++)
    scan_rule(&f, &b->rules[i], true);
  for (uint32_t i = 0; i < b->n_checks; i++) {
    const bdl_check *c = &b->checks[i];
    f.check_all |= c->kind == BDL_CHECK_ALL;
    f.v33 |= c->kind == BDL_REJECT_IF;
    for (uint32_t q = 0; q < c->n_queries; q++)
      scan_rule(&f, &c->queries[q], false);
  }
  return f;
}

uint32_t btk_block_min_version(const bdl_block *b, bool third_party) {
  features f = scan_block(b);
  uint32_t v = BTK_MIN_VERSION;
  if (f.v33 || f.v33_more)
    v = BTK_MAX_VERSION;
  else if (f.scopes || f.v31 || f.check_all)
    v = BTK_V3_1;
  return third_party && v < BTK_V3_2 ? BTK_V3_2 : v;
}

static biscuit_status too_old(bx_diag *d, const char *what) {
  return bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError", "%s",
                 what);
}

biscuit_status btk_block_check_version(const bdl_block *b, uint32_t version,
                                       bx_diag *d) {
  features f = scan_block(b);
  if (version < BTK_V3_1) {
    if (f.scopes)
      return too_old(d, "scopes are only supported in datalog v3.1+");
    if (f.v31)
      return too_old(d, "bitwise operators and != are only supported in "
                        "datalog v3.1+");
    if (f.check_all)
      return too_old(d, "check all is only supported in datalog v3.1+");
  }
  if (version < BTK_MAX_VERSION && f.v33)
    return too_old(d, "maps, arrays, null, closures are only supported in "
                      "datalog v3.3+");
  return BISCUIT_OK;
}
