/*
** Canonical printing of terms and expressions, byte for byte as the
** reference prints them (reference-behaviour.md §5 "Printing format";
** spec "Grammar" for the shapes).
**
** Terms nest (sets, arrays, maps) and expressions nest (closures hold
** expressions), and both may come from an attacker's block. So nothing
** here recurses: printing runs a small machine over an explicit LIFO of
** work items (literal text, a term, an expression node), and an
** expression is first turned into a tree by replaying its op stack with
** an explicit frame stack for closures. Memory is linear in the input.
**
** Rules, checks, policies and blocks are in print_code.c.
*/
#include <inttypes.h>
#include <string.h>

#include "datalog/print.h"
#include "datalog/print_int.h"

/* ------------------------------------------------------------ work items */

enum {
  W_TEXT, /* p: NUL-terminated literal */
  W_SYM,  /* x: symbol id, printed raw */
  W_VAR,  /* x: symbol id, printed as $name */
  W_TERM, /* p: const bdl_term * */
  W_NODE  /* x: index into the expression tree */
};

typedef struct pitem {
  uint32_t kind;
  uint32_t x;
  const void *p;
} pitem;

/*
** An expression tree node. `a`/`b` are child node indexes: the operand
** of a unary op, left and right of a binary op, the body of a closure.
*/
typedef struct pnode {
  const bdl_op *op;
  uint32_t a, b;
} pnode;

typedef struct printer {
  bx_buf *out;
  const bdl_env *e;
  const bdl_print_order *order; /* NULL: stored (symbol id) order */
  pitem *items;
  size_t n_items, cap_items;
  pnode *nodes;
  size_t n_nodes, cap_nodes;
} printer;

static void printer_init(printer *pr, bx_buf *out, const bdl_env *e,
                         const bdl_print_order *order) {
  memset(pr, 0, sizeof *pr);
  pr->out = out;
  pr->e = e;
  pr->order = order;
}

static void printer_free(printer *pr) {
  bx_free(pr->items);
  bx_free(pr->nodes);
}

/* A failed allocation poisons the output buffer, as bx_buf does itself. */
static bool oom(printer *pr) {
  pr->out->failed = true;
  return false;
}

static bool push(printer *pr, uint32_t kind, uint32_t x, const void *p) {
  if (!bx_grow((void **)&pr->items, &pr->cap_items, pr->n_items + 1,
               sizeof *pr->items))
    return oom(pr);
  pitem *it = &pr->items[pr->n_items++];
  it->kind = kind;
  it->x = x;
  it->p = p;
  return true;
}

static bool push_text(printer *pr, const char *s) {
  return push(pr, W_TEXT, 0, s);
}

/* ----------------------------------------------------------------- dates */

static bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
** Seconds since the epoch to RFC 3339 UTC. The reference reads the u64
** as an i64 and formats it with the `time` crate, whose RFC 3339 output
** only covers years 0000..9999; anything else prints "<invalid date>".
** Days are counted from 0000-01-01 (a leap year, and the start of a
** 400-year cycle of 146097 days), then walked year by year and month by
** month: at most 400 + 12 steps.
*/
static bool print_date(bx_buf *out, uint64_t raw) {
  static const int mdays[12] = {31, 28, 31, 30, 31, 30,
                                31, 31, 30, 31, 30, 31};
  const int64_t min = -62167219200LL; /* 0000-01-01T00:00:00Z */
  const int64_t max = 253402300799LL; /* 9999-12-31T23:59:59Z */
  int64_t s = (int64_t)raw;
  if (s < min || s > max)
    return bx_buf_puts(out, "<invalid date>");
  int64_t t = s - min; /* seconds since 0000-01-01 */
  int64_t days = t / 86400, secs = t % 86400;
  int64_t year = (days / 146097) * 400;
  days %= 146097;
  while (days >= (is_leap(year) ? 366 : 365))
    days -= is_leap(year++) ? 366 : 365;
  int month = 0;
  for (;;) {
    int len = mdays[month] + (month == 1 && is_leap(year));
    if (days < len)
      break;
    days -= len;
    month++;
  }
  return bx_buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)year,
                       month + 1, (int)days + 1, (int)(secs / 3600),
                       (int)(secs / 60 % 60), (int)(secs % 60));
}

/* ---------------------------------------------------------------- terms */

static bool print_sym(printer *pr, uint32_t id) {
  size_t len;
  const char *s = bdl_symtab_str(pr->e->syms, id, &len);
  if (!s) /* the reference's print_symbol_default */
    return bx_buf_printf(pr->out, "<%" PRIu32 "?>", id);
  return bx_buf_add(pr->out, s, len);
}

static bool print_bytes(bx_buf *out, const bdl_bytes *b) {
  static const char hex[] = "0123456789abcdef";
  bx_buf_puts(out, "hex:");
  for (uint32_t i = 0; i < b->len; i++) {
    bx_buf_putc(out, hex[b->data[i] >> 4]);
    bx_buf_putc(out, hex[b->data[i] & 15]);
  }
  return !out->failed;
}

/*
** Schedule a collection: LIFO, so the closing bracket goes first and the
** items in reverse, each but the first preceded by ", ". `perm` (NULL for
** stored order) lists item or entry indexes in printing order. The empty
** set prints "{,}" (a bare "{}" would read as an empty map).
*/
static bool push_coll(printer *pr, const bdl_term *t, const uint32_t *perm) {
  const bdl_coll *c = t->v.coll;
  bool map = t->kind == BDL_MAP;
  if (t->kind == BDL_SET && c->n == 0)
    return push_text(pr, "{,}");
  push_text(pr, t->kind == BDL_ARRAY ? "]" : "}");
  for (uint32_t k = c->n; k-- > 0;) {
    uint32_t i = perm ? perm[k] : k;
    if (map) {
      push(pr, W_TERM, 0, &c->items[2 * (size_t)i + 1]);
      push_text(pr, ": ");
      push(pr, W_TERM, 0, &c->items[2 * (size_t)i]);
    } else {
      push(pr, W_TERM, 0, &c->items[i]);
    }
    if (k > 0)
      push_text(pr, ", ");
  }
  return push_text(pr, t->kind == BDL_ARRAY ? "[" : "{");
}

/* Collections in builder order (authorizer dumps) go through a sorted
   index; see print_order.c. */
static bool schedule_coll(printer *pr, const bdl_term *t) {
  if (!pr->order || t->kind == BDL_ARRAY || t->v.coll->n < 2)
    return push_coll(pr, t, NULL);
  uint32_t *perm = bdl_print_order_perm(pr->order, pr->e, t);
  if (!perm)
    return oom(pr);
  bool ok = push_coll(pr, t, perm);
  bx_free(perm);
  return ok;
}

/* One term: scalars are written at once, collections scheduled. */
static bool step_term(printer *pr, const bdl_term *t) {
  bx_buf *out = pr->out;
  switch (t->kind) {
  case BDL_VAR:
    bx_buf_putc(out, '$');
    return print_sym(pr, t->id);
  case BDL_INT:
    return bx_buf_printf(out, "%" PRId64, t->v.i);
  case BDL_STR: /* raw, no escaping: reference-behaviour.md §5 */
    bx_buf_putc(out, '"');
    print_sym(pr, t->id);
    return bx_buf_putc(out, '"');
  case BDL_DATE:
    return print_date(out, t->v.date);
  case BDL_BYTES:
    return print_bytes(out, t->v.bytes);
  case BDL_BOOL:
    return bx_buf_puts(out, t->id ? "true" : "false");
  case BDL_NULL:
    return bx_buf_puts(out, "null");
  case BDL_SET:
  case BDL_ARRAY:
  case BDL_MAP:
    return schedule_coll(pr, t);
  default:
    return bx_buf_puts(out, "<invalid term>");
  }
}

/* ----------------------------------------------------- expression trees */

static bool new_node(printer *pr, const bdl_op *op, uint32_t a, uint32_t b,
                     uint32_t *id) {
  if (pr->n_nodes >= UINT32_MAX ||
      !bx_grow((void **)&pr->nodes, &pr->cap_nodes, pr->n_nodes + 1,
               sizeof *pr->nodes))
    return oom(pr);
  pnode *n = &pr->nodes[pr->n_nodes];
  n->op = op;
  n->a = a;
  n->b = b;
  *id = (uint32_t)pr->n_nodes++;
  return true;
}

/* One level of ops being replayed: the top level or a closure body. */
typedef struct pframe {
  const bdl_op *ops;
  uint32_t n, pos;
  size_t base;       /* operand stack height when the frame began */
  const bdl_op *clo; /* the closure op, NULL for the top level */
} pframe;

typedef struct tree_build {
  printer *pr;
  pframe *frames;
  size_t n_frames, cap_frames;
  uint32_t *stack; /* operand stack of node indexes */
  size_t n_stack, cap_stack;
} tree_build;

enum { TB_OK, TB_INVALID, TB_NOMEM };

static int tb_push(tree_build *tb, uint32_t node) {
  if (!bx_grow((void **)&tb->stack, &tb->cap_stack, tb->n_stack + 1,
               sizeof *tb->stack))
    return TB_NOMEM;
  tb->stack[tb->n_stack++] = node;
  return TB_OK;
}

static int tb_frame(tree_build *tb, const bdl_op *ops, uint32_t n,
                    const bdl_op *clo) {
  if (n > 0 && !ops)
    return TB_INVALID;
  if (!bx_grow((void **)&tb->frames, &tb->cap_frames, tb->n_frames + 1,
               sizeof *tb->frames))
    return TB_NOMEM;
  pframe f = {ops, n, 0, tb->n_stack, clo};
  tb->frames[tb->n_frames++] = f;
  return TB_OK;
}

/* Whether an op can be printed at all (kinds come from decoded bytes). */
static bool op_valid(const bdl_op *op) {
  switch (op->type) {
  case BDL_OP_VALUE:
    return true;
  case BDL_OP_UNARY:
    return op->kind <= BDL_U_FFI;
  case BDL_OP_BINARY:
    return op->kind <= BDL_B_TRY_OR;
  case BDL_OP_CLOSURE:
    return op->u.closure != NULL &&
           (op->u.closure->n_params == 0 || op->u.closure->params);
  default:
    return false;
  }
}

/*
** Replay one op of the top frame, as the reference's Expression::print
** does with its stack of strings: a value pushes, a unary pops one, a
** binary pops two, a closure opens a frame for its body. A closure body
** is printed on its own stack in the reference, so a frame may not pop
** below its base.
*/
static int tb_op(tree_build *tb, pframe *f) {
  const bdl_op *op = &f->ops[f->pos++];
  size_t avail = tb->n_stack - f->base;
  uint32_t a = 0, b = 0, id;
  if (!op_valid(op))
    return TB_INVALID;
  if (op->type == BDL_OP_CLOSURE)
    return tb_frame(tb, op->u.closure->ops, op->u.closure->n_ops, op);
  if (op->type == BDL_OP_UNARY) {
    if (avail < 1)
      return TB_INVALID;
    a = tb->stack[--tb->n_stack];
  } else if (op->type == BDL_OP_BINARY) {
    if (avail < 2)
      return TB_INVALID;
    b = tb->stack[--tb->n_stack];
    a = tb->stack[--tb->n_stack];
  }
  if (!new_node(tb->pr, op, a, b, &id))
    return TB_NOMEM;
  return tb_push(tb, id);
}

/* A frame ran out of ops: it must have left exactly one operand. */
static int tb_close(tree_build *tb, uint32_t *root, bool *done) {
  pframe *f = &tb->frames[tb->n_frames - 1];
  if (tb->n_stack - f->base != 1)
    return TB_INVALID;
  uint32_t body = tb->stack[--tb->n_stack], id;
  if (!f->clo) {
    *root = body;
    *done = true;
    return TB_OK;
  }
  const bdl_op *clo = f->clo;
  tb->n_frames--;
  if (!new_node(tb->pr, clo, body, 0, &id))
    return TB_NOMEM;
  return tb_push(tb, id);
}

/* Replay the whole op stack, closures included, into pr->nodes. */
static int build_tree(printer *pr, const bdl_expr *x, uint32_t *root) {
  tree_build tb;
  memset(&tb, 0, sizeof tb);
  tb.pr = pr;
  bool done = false;
  int rc = tb_frame(&tb, x->ops, x->n_ops, NULL);
  while (rc == TB_OK && !done) {
    pframe *f = &tb.frames[tb.n_frames - 1];
    rc = f->pos < f->n ? tb_op(&tb, f) : tb_close(&tb, root, &done);
  }
  bx_free(tb.frames);
  bx_free(tb.stack);
  return rc;
}

/* ----------------------------------------------------- expression nodes */

static const char *const unary_pre[] = {"!", "(", "", "", ""};
static const char *const unary_post[] = {"", ")", ".length()", ".type()",
                                         "()"};

/* Binary ops print as `left <mid> right<post>` (Binary::print). */
static const struct {
  const char *mid, *post;
} binary_fmt[] = {
    [BDL_B_LT] = {" < ", ""},
    [BDL_B_GT] = {" > ", ""},
    [BDL_B_LE] = {" <= ", ""},
    [BDL_B_GE] = {" >= ", ""},
    [BDL_B_EQ] = {" === ", ""},
    [BDL_B_CONTAINS] = {".contains(", ")"},
    [BDL_B_PREFIX] = {".starts_with(", ")"},
    [BDL_B_SUFFIX] = {".ends_with(", ")"},
    [BDL_B_REGEX] = {".matches(", ")"},
    [BDL_B_ADD] = {" + ", ""},
    [BDL_B_SUB] = {" - ", ""},
    [BDL_B_MUL] = {" * ", ""},
    [BDL_B_DIV] = {" / ", ""},
    [BDL_B_AND] = {" &&! ", ""},
    [BDL_B_OR] = {" ||! ", ""},
    [BDL_B_INTERSECTION] = {".intersection(", ")"},
    [BDL_B_UNION] = {".union(", ")"},
    [BDL_B_BITAND] = {" & ", ""},
    [BDL_B_BITOR] = {" | ", ""},
    [BDL_B_BITXOR] = {" ^ ", ""},
    [BDL_B_NEQ] = {" !== ", ""},
    [BDL_B_HEQ] = {" == ", ""},
    [BDL_B_HNEQ] = {" != ", ""},
    [BDL_B_LAZY_AND] = {" && ", ""},
    [BDL_B_LAZY_OR] = {" || ", ""},
    [BDL_B_ALL] = {".all(", ")"},
    [BDL_B_ANY] = {".any(", ")"},
    [BDL_B_GET] = {".get(", ")"},
    [BDL_B_FFI] = {"(", ")"},
    [BDL_B_TRY_OR] = {".try_or(", ")"},
};

/* `$a, $b -> body`, or just the body when there are no parameters. */
static bool push_closure(printer *pr, const pnode *n) {
  const bdl_closure *c = n->op->u.closure;
  push(pr, W_NODE, n->a, NULL);
  if (c->n_params == 0)
    return !pr->out->failed;
  push_text(pr, " -> ");
  for (uint32_t k = c->n_params; k-- > 0;) {
    push(pr, W_VAR, c->params[k], NULL);
    if (k > 0)
      push_text(pr, ", ");
  }
  return !pr->out->failed;
}

/* Schedule one node: pieces pushed in reverse of printing order. */
static bool step_node(printer *pr, uint32_t idx) {
  const pnode *n = &pr->nodes[idx];
  const bdl_op *op = n->op;
  bool ffi = (op->type == BDL_OP_UNARY && op->kind == BDL_U_FFI) ||
             (op->type == BDL_OP_BINARY && op->kind == BDL_B_FFI);
  switch (op->type) {
  case BDL_OP_VALUE:
    return step_term(pr, &op->u.value);
  case BDL_OP_UNARY:
    push_text(pr, unary_post[op->kind]);
    if (ffi) {
      push(pr, W_SYM, op->ffi, NULL);
      push_text(pr, ".extern::");
    }
    push(pr, W_NODE, n->a, NULL);
    return push_text(pr, unary_pre[op->kind]);
  case BDL_OP_BINARY:
    push_text(pr, binary_fmt[op->kind].post);
    push(pr, W_NODE, n->b, NULL);
    push_text(pr, binary_fmt[op->kind].mid);
    if (ffi) {
      push(pr, W_SYM, op->ffi, NULL);
      push_text(pr, ".extern::");
    }
    return push(pr, W_NODE, n->a, NULL);
  default:
    return push_closure(pr, n);
  }
}

/* ------------------------------------------------------------ the machine */

/* Pop and process work items until none is left or the output failed. */
static bool run(printer *pr) {
  while (pr->n_items > 0 && !pr->out->failed) {
    pitem it = pr->items[--pr->n_items];
    switch (it.kind) {
    case W_TEXT:
      bx_buf_puts(pr->out, it.p);
      break;
    case W_SYM:
      print_sym(pr, it.x);
      break;
    case W_VAR:
      bx_buf_putc(pr->out, '$');
      print_sym(pr, it.x);
      break;
    case W_TERM:
      step_term(pr, it.p);
      break;
    default:
      step_node(pr, it.x);
      break;
    }
  }
  return !pr->out->failed;
}

bool bdl_print_term_ordered(bx_buf *out, const bdl_env *e,
                            const bdl_term *t, const bdl_print_order *o) {
  printer pr;
  printer_init(&pr, out, e, o);
  if (t->kind != BDL_SET && t->kind != BDL_ARRAY && t->kind != BDL_MAP)
    return step_term(&pr, t); /* scalars: no work stack needed */
  bool ok = push(&pr, W_TERM, 0, t) && run(&pr);
  printer_free(&pr);
  return ok;
}

bool bdl_print_term(bx_buf *out, const bdl_env *e, const bdl_term *t) {
  return bdl_print_term_ordered(out, e, t, NULL);
}

/*
** An op stack that does not reduce to one value prints as
** "<invalid expression>" (the reference adds its debug dump of the ops,
** which is no format of ours), and is not an output failure.
*/
bool bdl_print_expr_ordered(bx_buf *out, const bdl_env *e,
                            const bdl_expr *x, const bdl_print_order *o) {
  printer pr;
  printer_init(&pr, out, e, o);
  uint32_t root = 0;
  int rc = x ? build_tree(&pr, x, &root) : TB_INVALID;
  bool ok;
  if (rc == TB_NOMEM)
    ok = oom(&pr);
  else if (rc == TB_INVALID)
    ok = bx_buf_puts(out, "<invalid expression>");
  else
    ok = push(&pr, W_NODE, root, NULL) && run(&pr);
  printer_free(&pr);
  return ok;
}

bool bdl_print_expr(bx_buf *out, const bdl_env *e, const bdl_expr *x) {
  return bdl_print_expr_ordered(out, e, x, NULL);
}
