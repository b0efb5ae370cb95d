/*
** Expression builders. Ops are pushed on the context's op stack in
** postfix order as the grammar reduces, which is already the wire order
** (spec "Expressions"); the encodings that are not plain postfix wrap a
** tail of the stack into a closure (datalog.h, bdl_op):
**   a && b        ->  a, Closure([], b), LazyAnd        (same for ||)
**   x.all($p -> e) ->  x, Closure([p], e), All           (same for any)
**   x.try_or(y)   ->  Closure([], x), y, TryOr
** Each op carries its closure nesting (op_depth), so deeply nested
** closures are refused at parse time instead of troubling later stages.
*/
#include <string.h>

#include "parser/parse_int.h"

static int push_op(bpa_ctx *ctx, const bdl_op *op, uint16_t depth,
                   uint32_t at) {
  size_t need = ctx->n_ops + 1;
  if (!bx_grow((void **)&ctx->ops, &ctx->cap_ops, need, sizeof *ctx->ops) ||
      !bx_grow((void **)&ctx->op_depth, &ctx->cap_op_depth, need,
               sizeof *ctx->op_depth))
    return bpa_fail_status(ctx, at, BISCUIT_E_NOMEM);
  ctx->ops[ctx->n_ops] = *op;
  ctx->op_depth[ctx->n_ops] = depth;
  ctx->n_ops++;
  return 0;
}

static bdl_op make_op(bdl_op_type type, unsigned kind) {
  bdl_op op;
  memset(&op, 0, sizeof op);
  op.type = (uint8_t)type;
  op.kind = (uint8_t)kind;
  op.ffi = BDL_NOSYM;
  return op;
}

int bpa_value(bpa_ctx *ctx, const bdl_term *t, bpa_loc loc, uint32_t *ix) {
  bdl_op op = make_op(BDL_OP_VALUE, 0);
  op.u.value = *t;
  *ix = (uint32_t)ctx->n_ops;
  return push_op(ctx, &op, 0, loc.start);
}

int bpa_unary(bpa_ctx *ctx, bdl_unary k, bpa_loc loc) {
  bdl_op op = make_op(BDL_OP_UNARY, k);
  return push_op(ctx, &op, 0, loc.start);
}

int bpa_binary(bpa_ctx *ctx, bdl_binary k, bpa_loc loc) {
  bdl_op op = make_op(BDL_OP_BINARY, k);
  return push_op(ctx, &op, 0, loc.start);
}

/*
** Copy ops [from, to) into a closure in the arena and return it as a
** Closure op in *out, with its nesting in *depth. The stack is untouched.
*/
static int wrap(bpa_ctx *ctx, uint32_t from, uint32_t to, const uint32_t *param,
                bpa_loc loc, bdl_op *out, uint16_t *depth) {
  uint16_t d = 0;
  for (size_t i = from; i < to; i++)
    d = ctx->op_depth[i] > d ? ctx->op_depth[i] : d;
  if (d + 1u > ctx->max_depth)
    return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                        "expression nested too deeply (more than %u "
                        "closures)",
                        ctx->max_depth);
  bx_arena *a = &ctx->env->arena;
  bdl_closure *c = bx_arena_alloc(a, sizeof *c);
  bdl_op *ops = bx_arena_dup(a, ctx->ops + from, (to - from) * sizeof *ops);
  uint32_t *p = param ? bx_arena_dup(a, param, sizeof *p) : NULL;
  if (!c || !ops || (param && !p))
    return bpa_fail_status(ctx, loc.start,
                           a->over_cap ? BISCUIT_E_LIMIT : BISCUIT_E_NOMEM);
  c->n_params = param ? 1 : 0;
  c->n_ops = to - from;
  c->params = p;
  c->ops = ops;
  *out = make_op(BDL_OP_CLOSURE, 0);
  out->u.closure = c;
  *depth = (uint16_t)(d + 1);
  return 0;
}

/*
** Replace ops [from, n_ops) by Closure(param?, those ops) followed by the
** binary op k: `a && b` (parser.rs fold_exprs makes the right side a
** closure so it can be skipped) and `.all($p -> e)` / `.any($p -> e)`.
*/
static int close_tail(bpa_ctx *ctx, uint32_t from, const uint32_t *param,
                      bdl_binary k, bpa_loc loc) {
  bdl_op clo, op = make_op(BDL_OP_BINARY, k);
  uint16_t d;
  if (wrap(ctx, from, (uint32_t)ctx->n_ops, param, loc, &clo, &d))
    return -1;
  ctx->n_ops = from;
  if (push_op(ctx, &clo, d, loc.start))
    return -1;
  return push_op(ctx, &op, 0, loc.start);
}

int bpa_lazy(bpa_ctx *ctx, uint32_t rhs, bdl_binary k, bpa_loc loc) {
  return close_tail(ctx, rhs, NULL, k, loc);
}

/* `x.try_or(y)`: x (ops [recv, arg)) becomes a closure placed before y
   (parser.rs expr9), so an error in x can be caught. */
static int try_or(bpa_ctx *ctx, uint32_t recv, uint32_t arg, bpa_loc loc) {
  size_t n_arg = ctx->n_ops - arg;
  bdl_op clo, op = make_op(BDL_OP_BINARY, BDL_B_TRY_OR);
  uint16_t d;
  if (wrap(ctx, recv, arg, NULL, loc, &clo, &d))
    return -1;
  memmove(ctx->ops + recv + 1, ctx->ops + arg, n_arg * sizeof *ctx->ops);
  memmove(ctx->op_depth + recv + 1, ctx->op_depth + arg,
          n_arg * sizeof *ctx->op_depth);
  ctx->ops[recv] = clo;
  ctx->op_depth[recv] = d;
  ctx->n_ops = recv + 1 + n_arg;
  return push_op(ctx, &op, 0, loc.start);
}

/* `.all($p -> e)` / `.any($p -> e)`: the parameter name is interned like
   any variable name. */
static int with_closure(bpa_ctx *ctx, bdl_binary k, uint32_t arg,
                        const bpa_tok *param, bpa_loc loc) {
  uint32_t id =
      bdl_symtab_intern(ctx->env->syms, ctx->src + param->off, param->len);
  if (id == BDL_NOSYM)
    return bpa_fail_status(ctx, loc.start, BISCUIT_E_NOMEM);
  return close_tail(ctx, arg, &id, k, loc);
}

/* `.extern::name()` is a unary Ffi op, `.extern::name(x)` a binary one;
   the op carries the interned name (parser.rs extern_un, extern_bin). */
static int ext(bpa_ctx *ctx, const char *s, size_t n, uint32_t arg,
               bpa_loc loc) {
  if (n == 0)
    return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                        "missing function name after 'extern::'");
  uint32_t id = bdl_symtab_intern(ctx->env->syms, s, n);
  if (id == BDL_NOSYM)
    return bpa_fail_status(ctx, loc.start, BISCUIT_E_NOMEM);
  bdl_op op = arg == BPA_NONE ? make_op(BDL_OP_UNARY, BDL_U_FFI)
                              : make_op(BDL_OP_BINARY, BDL_B_FFI);
  op.ffi = id;
  return push_op(ctx, &op, 0, loc.start);
}

/* The methods of spec "Expressions" (parser.rs binary_op_8, unary_method):
   arity 0 is unary, 1 binary, 2 binary with a closure argument. */
static const struct method {
  const char *name;
  uint8_t kind, arity;
} methods[] = {
    {"starts_with", BDL_B_PREFIX, 1},
    {"ends_with", BDL_B_SUFFIX, 1},
    {"contains", BDL_B_CONTAINS, 1},
    {"matches", BDL_B_REGEX, 1},
    {"intersection", BDL_B_INTERSECTION, 1},
    {"union", BDL_B_UNION, 1},
    {"get", BDL_B_GET, 1},
    {"try_or", BDL_B_TRY_OR, 1},
    {"all", BDL_B_ALL, 2},
    {"any", BDL_B_ANY, 2},
    {"length", BDL_U_LENGTH, 0},
    {"type", BDL_U_TYPEOF, 0},
};

static const struct method *find_method(const char *s, size_t n) {
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
    if (strlen(methods[i].name) == n && memcmp(methods[i].name, s, n) == 0)
      return &methods[i];
  return NULL;
}

/* The argument shape must match the method's arity. */
static int check_arity(bpa_ctx *ctx, const struct method *m, uint32_t arg,
                       const bpa_tok *param, bpa_loc loc) {
  if (m->arity == 0 && arg != BPA_NONE)
    return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                        "method '%s' takes no argument", m->name);
  if (m->arity == 2 && !param)
    return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                        "method '%s' takes a closure, as in "
                        ".%s($x -> expression)",
                        m->name, m->name);
  if (m->arity == 1 && arg == BPA_NONE)
    return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                        "method '%s' takes one argument", m->name);
  if (m->arity != 2 && param)
    return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                        "method '%s' does not take a closure", m->name);
  return 0;
}

/*
** A method call on the receiver at ops [recv, arg); its argument, if any,
** is at [arg, n_ops), and `param` is the closure parameter of .all/.any.
*/
int bpa_method(bpa_ctx *ctx, bpa_tok name, uint32_t recv, uint32_t arg,
               const bpa_tok *param, bpa_loc loc) {
  const char *s = ctx->src + name.off;
  if (name.len >= 8 && memcmp(s, "extern::", 8) == 0) {
    if (param)
      return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                          "extern functions do not take a closure");
    return ext(ctx, s + 8, name.len - 8, arg, loc);
  }
  const struct method *m = find_method(s, name.len);
  if (!m)
    return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                        "unknown method '%.*s'", (int)name.len, s);
  if (check_arity(ctx, m, arg, param, loc))
    return -1;
  if (m->arity == 0)
    return bpa_unary(ctx, (bdl_unary)m->kind, loc);
  if (m->arity == 2)
    return with_closure(ctx, (bdl_binary)m->kind, arg, param, loc);
  if (m->kind == BDL_B_TRY_OR)
    return try_or(ctx, recv, arg, loc);
  return bpa_binary(ctx, (bdl_binary)m->kind, loc);
}

/* Nesting of brackets and `!` (bpa_options.max_depth): deep input is a
   clean error, never deep recursion anywhere downstream. */
int bpa_enter(bpa_ctx *ctx, bpa_loc loc) {
  if (++ctx->depth > ctx->max_depth)
    return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                        "nesting deeper than %u levels", ctx->max_depth);
  return 0;
}

void bpa_leave(bpa_ctx *ctx) {
  if (ctx->depth)
    ctx->depth--;
}

/* spec "Grammar": comparisons are not associative (parser.rs expr2). */
int bpa_nonassoc(bpa_ctx *ctx, bpa_loc loc) {
  return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                      "comparisons do not associate: add parentheses");
}
