/*
** Private to the expression machine (expr.c, expr_ops.c, expr_coll.c):
** the VM state shared by the dispatch loop and the operation files, and
** the work-budget helpers every operation charges through.
*/
#ifndef BISCUIT_DATALOG_EXPR_INT_H
#define BISCUIT_DATALOG_EXPR_INT_H

#include "datalog/expr.h"

#define BDL_VM_HARD_DEPTH 64 /* C recursion bound whatever the ctx says */
#define BDL_VM_LOCAL_SLOTS 32 /* value stack kept on the C stack */
#define BDL_VM_CLOCK_EVERY 1024u

/* A stack slot is a term, or (kind BDL_VM_CLOSURE) a pending closure. */
#define BDL_VM_CLOSURE 0xc105u
typedef union bdl_vm_slot {
  bdl_term t;
  struct {
    uint32_t kind;
    uint32_t pad_;
    const bdl_closure *c;
  } clo;
} bdl_vm_slot;

/*
** One evaluation. Variables resolve first in the rule's bindings, then in
** the closure parameters bound so far (at most one per nesting level).
** The value stack is shared by every closure level: each level works
** above the base it started at.
*/
typedef struct bdl_vm {
  bdl_eval_ctx *c;
  bx_diag *d;
  const uint32_t *var_ids;
  const bdl_term *vals;
  uint32_t n_vars;
  uint32_t n_bound;
  bdl_vm_slot *stack;
  uint32_t sp, cap, max_stack, max_depth;
  size_t max_str, max_coll;
  uint32_t bound_ids[BDL_VM_HARD_DEPTH];
  bdl_term bound_vals[BDL_VM_HARD_DEPTH];
  bdl_vm_slot local[BDL_VM_LOCAL_SLOTS];
} bdl_vm;

/* Record an error in the VM's diagnostic and return `st`. */
biscuit_status bdl_vm_fail(bdl_vm *vm, biscuit_status st, const char *tag,
                           const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* BISCUIT_E_EXECUTION "InvalidType" naming the operation and operands. */
biscuit_status bdl_vm_type_error(bdl_vm *vm, const char *op, const bdl_term *a,
                                 const bdl_term *b);
/* A status from a bdl_make_* constructor, turned into a diagnostic. */
biscuit_status bdl_vm_alloc_error(bdl_vm *vm, biscuit_status st);
/* Slow path of bdl_vm_charge: work budget exceeded or clock due. */
biscuit_status bdl_vm_tick(bdl_vm *vm);

/*
** Charge `units` of work (perf-and-threats.md B4: every op and every
** element touched). The common case is two compares and no call.
*/
static inline biscuit_status bdl_vm_charge(bdl_vm *vm, uint64_t units) {
  bdl_eval_ctx *c = vm->c;
  c->work += units;
  if (c->work >= c->next_clock_check || (c->max_work && c->work > c->max_work))
    return bdl_vm_tick(vm);
  return BISCUIT_OK;
}

/* The text of a string term; "UnknownSymbol" when the id is not known. */
biscuit_status bdl_vm_str(bdl_vm *vm, const bdl_term *t, const char **s,
                          size_t *len);

/* expr_ops.c: every operation on two (resp. one) values. */
biscuit_status bdl_xop_binary(bdl_vm *vm, const bdl_op *op, const bdl_term *a,
                              const bdl_term *b, bdl_term *out);
biscuit_status bdl_xop_unary(bdl_vm *vm, const bdl_op *op, bdl_term *t);

/* expr_coll.c: sets, arrays and maps. */
biscuit_status bdl_xcoll_contains(bdl_vm *vm, const bdl_term *a,
                                  const bdl_term *b, bdl_term *out);
biscuit_status bdl_xcoll_setop(bdl_vm *vm, uint32_t kind, const bdl_term *a,
                               const bdl_term *b, bdl_term *out);
biscuit_status bdl_xcoll_affix(bdl_vm *vm, uint32_t kind, const bdl_term *a,
                               const bdl_term *b, bdl_term *out);
biscuit_status bdl_xcoll_get(bdl_vm *vm, const bdl_term *a, const bdl_term *b,
                             bdl_term *out);

/* Shallow size of a term, used to price comparisons (0 for scalars). */
static inline uint64_t bdl_xcoll_weight(const bdl_term *t) {
  switch (t->kind) {
  case BDL_SET:
  case BDL_ARRAY:
    return t->v.coll->n;
  case BDL_MAP:
    return 2 * (uint64_t)t->v.coll->n;
  case BDL_BYTES:
    return t->v.bytes->len / 64;
  default:
    return 0;
  }
}

#endif
