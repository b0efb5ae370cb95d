/*
** The expression machine: runs a bdl_expr for one binding of a rule's
** variables. Stack machine with closures, exactly the reference's
** semantics (spec "Expressions"; reference-behaviour.md §3, §5, §6).
*/
#ifndef BISCUIT_DATALOG_EXPR_H
#define BISCUIT_DATALOG_EXPR_H

#include "datalog/datalog.h"
#include "datalog/regex.h"

/*
** A host function for `.extern::name()` (arg == NULL) and
** `.extern::name(arg)`. Returns BISCUIT_OK and sets *out (make new
** strings and collections in env), or an error: the VM reports
** BISCUIT_E_EXECUTION tag "ExternEvalError" with the function's message.
** Unknown names must return BISCUIT_E_MISUSE, reported as
** "UndefinedExtern".
*/
typedef biscuit_status (*bdl_extern_fn)(void *ud, const char *name,
                                        const bdl_term *receiver,
                                        const bdl_term *arg, bdl_env *env,
                                        bdl_term *out, bx_diag *d);

/*
** What one evaluation may use and spend. `work` accumulates across calls
** (one unit per op, plus the size of collection and string operations,
** plus 100 units per regex match); reaching `max_work` (0 = unlimited)
** fails with BISCUIT_E_LIMIT tag "WorkBudget". `deadline_ns` (monotonic
** clock, 0 = none) is checked every 1024 units: BISCUIT_E_LIMIT "Timeout".
*/
/* The defaults of the guards below (perf-and-threats.md B4). */
#define BDL_VM_DEFAULT_STACK 256
#define BDL_VM_DEFAULT_DEPTH 16
#define BDL_VM_DEFAULT_STR ((size_t)64 * 1024)
#define BDL_VM_DEFAULT_COLL ((size_t)1024)

typedef struct bdl_eval_ctx {
  bdl_env *env;            /* new strings and collections go here */
  bdl_regex_cache *regex;  /* may be NULL: patterns compiled per call */
  bdl_extern_fn ext;       /* may be NULL: every extern is undefined */
  void *ext_ud;
  uint64_t work, max_work;
  uint64_t next_clock_check;
  uint64_t deadline_ns;
  uint32_t max_stack;      /* 0 = default 256 */
  uint32_t max_closure_depth; /* 0 = default 16 */
  size_t max_str_len;      /* 0 = default 64 KiB for a produced string */
  size_t max_coll_len;     /* 0 = default 1024 elements */
} bdl_eval_ctx;

void bdl_eval_ctx_init(bdl_eval_ctx *c, bdl_env *env);

/*
** Evaluate `e` with variables bound by the parallel arrays (var symbol id,
** value). The result may be of any type (callers of rule expressions check
** it is a boolean). Errors: BISCUIT_E_EXECUTION with tag "Overflow",
** "DivideByZero", "InvalidType", "ShadowedVariable", "UnknownVariable",
** "InvalidStack", "UndefinedExtern", "ExternEvalError"; BISCUIT_E_LIMIT
** with "WorkBudget", "Timeout" or "TooLarge"; BISCUIT_E_NOMEM.
*/
biscuit_status bdl_expr_eval(bdl_eval_ctx *c, const bdl_expr *e,
                             const uint32_t *var_ids, const bdl_term *vals,
                             uint32_t n_vars, bdl_term *out, bx_diag *d);

/* Monotonic clock in nanoseconds. */
uint64_t bdl_now_ns(void);

#endif
