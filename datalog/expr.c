/*
** The expression machine: a stack VM over the reference's opcodes (spec
** "Expressions", "Execution"). Values are bdl_terms on an explicit stack
** that starts on the C stack; closures are run by a bounded recursion
** (one C frame per closure nesting level, capped), each level working on
** the same value stack above its own base, as the reference gives each
** closure a fresh stack. Operations on values live in expr_ops.c and
** expr_coll.c; this file holds the dispatch loop, variables, closures
** (lazy and/or, try_or, all/any) and the resource accounting.
*/
#include <stdarg.h>
#include <string.h>

#include "datalog/expr_int.h"

/* ------------------------------------------------------------ diagnostics */

biscuit_status bdl_vm_fail(bdl_vm *vm, biscuit_status st, const char *tag,
                           const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  bx_vfail(vm->d, st, tag, fmt, ap);
  va_end(ap);
  return st;
}

static const char *kind_name(const bdl_term *t) {
  static const char *const names[] = {"variable", "integer", "string", "date",
                                      "bytes",    "bool",    "set",    "null",
                                      "array",    "map"};
  if (t->kind == BDL_VM_CLOSURE)
    return "closure";
  return t->kind <= BDL_MAP ? names[t->kind] : "unknown";
}

biscuit_status bdl_vm_type_error(bdl_vm *vm, const char *op, const bdl_term *a,
                                 const bdl_term *b) {
  if (!b)
    return bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "InvalidType",
                       "%s is not defined on %s", op, kind_name(a));
  return bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "InvalidType",
                     "%s is not defined on %s and %s", op, kind_name(a),
                     kind_name(b));
}

biscuit_status bdl_vm_alloc_error(bdl_vm *vm, biscuit_status st) {
  if (st == BISCUIT_E_LIMIT)
    return bdl_vm_fail(vm, st, "TooLarge", "memory cap reached (limit %zu bytes)",
                       vm->c->env->arena.cap);
  return bdl_vm_fail(vm, BISCUIT_E_NOMEM, "InternalError", "out of memory");
}

/*
** Work budget and deadline (perf-and-threats.md B4): the budget is
** deterministic; the clock is read only every 1024 units.
*/
biscuit_status bdl_vm_tick(bdl_vm *vm) {
  bdl_eval_ctx *c = vm->c;
  if (c->max_work && c->work > c->max_work)
    return bdl_vm_fail(vm, BISCUIT_E_LIMIT, "WorkBudget",
                       "work budget of %llu units exhausted",
                       (unsigned long long)c->max_work);
  if (c->work >= c->next_clock_check) {
    c->next_clock_check = c->work + BDL_VM_CLOCK_EVERY;
    if (c->deadline_ns && bdl_now_ns() >= c->deadline_ns)
      return bdl_vm_fail(vm, BISCUIT_E_LIMIT, "Timeout",
                         "expression evaluation ran past the deadline");
  }
  return BISCUIT_OK;
}

biscuit_status bdl_vm_str(bdl_vm *vm, const bdl_term *t, const char **s,
                          size_t *len) {
  *s = bdl_symtab_str(vm->c->env->syms, t->id, len);
  if (!*s)
    return bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "UnknownSymbol",
                       "unknown symbol %u", t->id);
  return BISCUIT_OK;
}

/* ------------------------------------------------------------------ stack */

/* Grow the value stack (first move off the C stack) up to max_stack. */
static biscuit_status grow(bdl_vm *vm) {
  if (vm->cap >= vm->max_stack)
    return bdl_vm_fail(vm, BISCUIT_E_LIMIT, "TooLarge",
                       "expression stack deeper than %u", vm->max_stack);
  uint64_t want = (uint64_t)vm->cap * 2;
  uint32_t cap = want > vm->max_stack ? vm->max_stack : (uint32_t)want;
  bdl_vm_slot *s;
  if (vm->stack == vm->local) {
    s = bx_malloc((size_t)cap * sizeof *s);
    if (s)
      memcpy(s, vm->local, (size_t)vm->sp * sizeof *s);
  } else {
    s = bx_realloc(vm->stack, (size_t)cap * sizeof *s);
  }
  if (!s)
    return bdl_vm_alloc_error(vm, BISCUIT_E_NOMEM);
  vm->stack = s;
  vm->cap = cap;
  return BISCUIT_OK;
}

static inline biscuit_status push(bdl_vm *vm, const bdl_vm_slot *v) {
  if (vm->sp == vm->cap) {
    biscuit_status st = grow(vm);
    if (st != BISCUIT_OK)
      return st;
  }
  vm->stack[vm->sp++] = *v;
  return BISCUIT_OK;
}

static biscuit_status invalid_stack(bdl_vm *vm) {
  return bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "InvalidStack",
                     "wrong number of elements on the stack");
}

/* -------------------------------------------------------------- variables */

static bool is_bound(const bdl_vm *vm, uint32_t id) {
  for (uint32_t i = 0; i < vm->n_vars; i++)
    if (vm->var_ids[i] == id)
      return true;
  for (uint32_t i = 0; i < vm->n_bound; i++)
    if (vm->bound_ids[i] == id)
      return true;
  return false;
}

static const char *var_name(const bdl_vm *vm, uint32_t id) {
  const char *s = bdl_symtab_str(vm->c->env->syms, id, NULL);
  return s ? s : "?";
}

/* The value of a variable: rule bindings, then closure parameters. */
static biscuit_status lookup(bdl_vm *vm, uint32_t id, bdl_vm_slot *out) {
  for (uint32_t i = 0; i < vm->n_vars; i++)
    if (vm->var_ids[i] == id) {
      out->t = vm->vals[i];
      return BISCUIT_OK;
    }
  for (uint32_t i = vm->n_bound; i-- > 0;)
    if (vm->bound_ids[i] == id) {
      out->t = vm->bound_vals[i];
      return BISCUIT_OK;
    }
  return bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "UnknownVariable",
                     "unknown variable $%s", var_name(vm, id));
}

/* ---------------------------------------------------------------- closures */

static biscuit_status run(bdl_vm *vm, const bdl_op *ops, uint32_t n,
                          uint32_t depth, bdl_term *out);

/* Closure nesting was checked by with_closure (depth < max_depth). */
static biscuit_status run_closure(bdl_vm *vm, const bdl_closure *k,
                                  uint32_t depth, bdl_term *out) {
  return run(vm, k->ops, k->n_ops, depth + 1, out);
}

/*
** x.try_or(y): the closure's error becomes y. Only expression errors are
** caught (reference: any error of the left closure, test038); limits and
** allocation failures stay fatal, so a budget cannot be escaped.
*/
static biscuit_status try_or(bdl_vm *vm, const bdl_closure *k,
                             const bdl_term *fallback, uint32_t depth,
                             bdl_term *out) {
  biscuit_status st = run_closure(vm, k, depth, out);
  if (st == BISCUIT_E_EXECUTION) {
    *out = *fallback;
    bx_diag_clear(vm->d);
    return BISCUIT_OK;
  }
  return st;
}

/* a && b, a || b: the closure runs only when a does not decide. Its
   result is passed on unchecked, as the reference does. */
static biscuit_status lazy(bdl_vm *vm, uint32_t kind, const bdl_closure *k,
                           const bdl_term *a, uint32_t depth, bdl_term *out) {
  if (a->kind != BDL_BOOL)
    return bdl_vm_type_error(vm, kind == BDL_B_LAZY_AND ? "&&" : "||", a, NULL);
  bool decided = kind == BDL_B_LAZY_AND ? !a->id : a->id;
  if (decided) {
    *out = *a;
    return BISCUIT_OK;
  }
  return run_closure(vm, k, depth, out);
}

/* The i-th element a closure of .all/.any sees: maps give [key, value]. */
static biscuit_status element(bdl_vm *vm, const bdl_term *coll, uint32_t i,
                              bdl_term *out) {
  const bdl_coll *c = coll->v.coll;
  if (coll->kind != BDL_MAP) {
    *out = c->items[i];
    return BISCUIT_OK;
  }
  biscuit_status st = bdl_make_array(vm->c->env, &c->items[2 * i], 2, out);
  return st == BISCUIT_OK ? st : bdl_vm_alloc_error(vm, st);
}

/*
** x.all($p -> body), x.any($p -> body) over a set, array or map (spec
** "Operations"): bind $p to each element; the body must give a bool.
** The result is a bool, so whatever an iteration left in the arena is
** garbage: roll it back each time, so memory stays flat.
*/
static biscuit_status all_any(bdl_vm *vm, uint32_t kind, const bdl_closure *k,
                              const bdl_term *x, uint32_t depth,
                              bdl_term *out) {
  bool any = kind == BDL_B_ANY;
  bx_arena *arena = &vm->c->env->arena;
  bx_arena_mark mark = bx_arena_save(arena);
  biscuit_status st = BISCUIT_OK;
  *out = bdl_bool(!any);
  for (uint32_t i = 0; i < x->v.coll->n && st == BISCUIT_OK; i++) {
    bdl_term v, r;
    bx_arena_rollback(arena, mark);
    st = bdl_vm_charge(vm, 1);
    if (st == BISCUIT_OK)
      st = element(vm, x, i, &v);
    if (st != BISCUIT_OK)
      break;
    vm->bound_ids[vm->n_bound] = k->params[0];
    vm->bound_vals[vm->n_bound++] = v;
    st = run_closure(vm, k, depth, &r);
    vm->n_bound--;
    if (st == BISCUIT_OK && r.kind != BDL_BOOL)
      st = bdl_vm_type_error(vm, any ? ".any()" : ".all()", &r, NULL);
    if (st == BISCUIT_OK && r.id == (any ? 1u : 0u)) {
      *out = r;
      break;
    }
  }
  bx_arena_rollback(arena, mark);
  return st;
}

/*
** A binary operator with a closure operand, the other operand being the
** value `x` (the reference accepts the closure on either side). Shadowing
** is checked first, at run time (reference-behaviour.md §3, test032);
** then the operator must fit the closure's arity and x's type.
*/
static biscuit_status with_closure(bdl_vm *vm, uint32_t kind,
                                   const bdl_closure *k, const bdl_term *x,
                                   uint32_t depth, bdl_term *out) {
  biscuit_status st = bdl_vm_charge(vm, k->n_params);
  if (st != BISCUIT_OK)
    return st;
  for (uint32_t i = 0; i < k->n_params; i++)
    if (is_bound(vm, k->params[i]))
      return bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "ShadowedVariable",
                         "closure parameter $%s shadows a variable",
                         var_name(vm, k->params[i]));
  /* Bounds C recursion and the parameter slots (one per level). */
  if (depth + 1 > vm->max_depth)
    return bdl_vm_fail(vm, BISCUIT_E_LIMIT, "TooLarge",
                       "closures nested deeper than %u", vm->max_depth);
  bool coll = x->kind == BDL_SET || x->kind == BDL_ARRAY || x->kind == BDL_MAP;
  if (kind == BDL_B_TRY_OR && k->n_params == 0)
    return try_or(vm, k, x, depth, out);
  if ((kind == BDL_B_LAZY_AND || kind == BDL_B_LAZY_OR) && k->n_params == 0)
    return lazy(vm, kind, k, x, depth, out);
  if ((kind == BDL_B_ALL || kind == BDL_B_ANY) && k->n_params == 1 && coll)
    return all_any(vm, kind, k, x, depth, out);
  return bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "InvalidType",
                     "binary operator %u does not take this closure with %s",
                     kind, kind_name(x));
}

/* ------------------------------------------------------------- dispatch */

/*
** Pop two operands and apply a binary operator: two values go to
** expr_ops.c, one value and one closure to with_closure; anything else
** is a malformed stack.
*/
static biscuit_status binary(bdl_vm *vm, const bdl_op *op, uint32_t base,
                             uint32_t depth) {
  if (vm->sp - base < 2)
    return invalid_stack(vm);
  bdl_vm_slot *top = &vm->stack[vm->sp - 2];
  bool lc = top[0].t.kind == BDL_VM_CLOSURE;
  bool rc = top[1].t.kind == BDL_VM_CLOSURE;
  biscuit_status st;
  bdl_term res;
  if (!rc && !lc) { /* no closure runs: the operands stay in place */
    st = bdl_xop_binary(vm, op, &top[0].t, &top[1].t, &res);
    if (st == BISCUIT_OK) {
      top[0].t = res;
      vm->sp--;
    }
    return st;
  }
  bdl_vm_slot l = top[0], r = top[1];
  vm->sp -= 2; /* the closure runs above its operands' slots */
  if (rc && !lc)
    st = with_closure(vm, op->kind, r.clo.c, &l.t, depth, &res);
  else if (lc && !rc)
    st = with_closure(vm, op->kind, l.clo.c, &r.t, depth, &res);
  else
    st = invalid_stack(vm);
  if (st == BISCUIT_OK)
    vm->stack[vm->sp++].t = res; /* two slots were just freed */
  return st;
}

/*
** Run one op list (an expression, or a closure body at `depth`) on the
** stack above its current top; exactly one value must remain. On error
** the stack is cut back to where this level started.
*/
static biscuit_status run(bdl_vm *vm, const bdl_op *ops, uint32_t n,
                          uint32_t depth, bdl_term *out) {
  uint32_t base = vm->sp;
  biscuit_status st = BISCUIT_OK;
  bdl_vm_slot v;
  for (uint32_t i = 0; i < n && st == BISCUIT_OK; i++) {
    const bdl_op *op = &ops[i];
    st = bdl_vm_charge(vm, 1);
    if (st != BISCUIT_OK)
      break;
    switch (op->type) {
    case BDL_OP_VALUE:
      if (op->u.value.kind == BDL_VAR)
        st = lookup(vm, op->u.value.id, &v);
      else
        v.t = op->u.value;
      if (st == BISCUIT_OK)
        st = push(vm, &v);
      break;
    case BDL_OP_UNARY:
      if (vm->sp == base || vm->stack[vm->sp - 1].t.kind == BDL_VM_CLOSURE)
        st = invalid_stack(vm);
      else
        st = bdl_xop_unary(vm, op, &vm->stack[vm->sp - 1].t);
      break;
    case BDL_OP_BINARY:
      st = binary(vm, op, base, depth);
      break;
    case BDL_OP_CLOSURE:
      if (!op->u.closure) {
        st = invalid_stack(vm);
        break;
      }
      v.clo.kind = BDL_VM_CLOSURE;
      v.clo.pad_ = 0;
      v.clo.c = op->u.closure;
      st = push(vm, &v);
      break;
    default:
      st = invalid_stack(vm);
      break;
    }
  }
  if (st == BISCUIT_OK &&
      (vm->sp != base + 1 || vm->stack[base].t.kind == BDL_VM_CLOSURE))
    st = invalid_stack(vm);
  if (st == BISCUIT_OK)
    *out = vm->stack[base].t;
  vm->sp = base;
  return st;
}

/* ------------------------------------------------------------------- API */

void bdl_eval_ctx_init(bdl_eval_ctx *c, bdl_env *env) {
  memset(c, 0, sizeof *c);
  c->env = env;
}

static void vm_init(bdl_vm *vm, bdl_eval_ctx *c, bx_diag *d) {
  vm->c = c;
  vm->d = d;
  vm->n_bound = 0;
  vm->stack = vm->local;
  vm->sp = 0;
  vm->cap = BDL_VM_LOCAL_SLOTS;
  vm->max_stack = c->max_stack ? c->max_stack : BDL_VM_DEFAULT_STACK;
  if (vm->max_stack < vm->cap)
    vm->cap = vm->max_stack;
  vm->max_depth =
      c->max_closure_depth ? c->max_closure_depth : BDL_VM_DEFAULT_DEPTH;
  if (vm->max_depth > BDL_VM_HARD_DEPTH)
    vm->max_depth = BDL_VM_HARD_DEPTH;
  vm->max_str = c->max_str_len ? c->max_str_len : BDL_VM_DEFAULT_STR;
  vm->max_coll = c->max_coll_len ? c->max_coll_len : BDL_VM_DEFAULT_COLL;
}

static bool is_scalar(const bdl_term *t) {
  return t->kind != BDL_BYTES && t->kind != BDL_SET && t->kind != BDL_ARRAY &&
         t->kind != BDL_MAP;
}

/*
** Evaluate one expression for one binding (expr.h). Temporary objects go
** to the env's arena; when the result points at nothing (a scalar, or an
** error) they are rolled back, so a rule evaluated for many bindings does
** not grow the arena.
*/
biscuit_status bdl_expr_eval(bdl_eval_ctx *c, const bdl_expr *e,
                             const uint32_t *var_ids, const bdl_term *vals,
                             uint32_t n_vars, bdl_term *out, bx_diag *d) {
  if (!c || !c->env || !e || !out || (n_vars && (!var_ids || !vals)) ||
      (e->n_ops && !e->ops))
    return bx_fail(d, BISCUIT_E_MISUSE, "InternalError",
                   "bdl_expr_eval: bad arguments");
  bdl_vm vm;
  vm_init(&vm, c, d);
  vm.var_ids = var_ids;
  vm.vals = vals;
  vm.n_vars = n_vars;
  bx_arena *arena = &c->env->arena;
  bx_arena_mark mark = bx_arena_save(arena);
  bool over_cap = arena->over_cap;
  biscuit_status st = run(&vm, e->ops, e->n_ops, 0, out);
  if (vm.stack != vm.local)
    bx_free(vm.stack);
  if ((st != BISCUIT_OK || is_scalar(out)) && arena->used != mark.used) {
    bx_arena_rollback(arena, mark);
    arena->over_cap = over_cap;
  }
  return st;
}
