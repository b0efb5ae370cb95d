/*
** Private to datalog/explain*.c: one query (a rule body of a check or a
** policy) being explained.
**
**   explain.c         the report: verdict, failed checks, policies
**   explain_query.c   compiling a query, matching rows, counting what
**                     each predicate matches alone
**   explain_search.c  the bounded depth-first search for the closest
**                     binding
**   explain_text.c    the lines: bindings, facts, false expressions
**   explain_hint.c    why a predicate matches nothing: untrusted facts,
**                     other facts of the relation, other arities
**
** The search reads the world and never writes it: relations are scanned
** row by row (no index is built), expressions run in the env's arena and
** are rolled back, and everything else lives in the world's scratch
** arena under a mark the caller rolls back.
*/
#ifndef BISCUIT_DATALOG_EXPLAIN_INT_H
#define BISCUIT_DATALOG_EXPLAIN_INT_H

#include "datalog/explain.h"
#include "datalog/world_int.h"

/* Candidate rows the search may accept per query. */
#define BDL_X_MAX_CANDIDATES 10000u

/* What the explanation of a query looks for. */
enum bdl_xgoal {
  BDL_X_MISS,  /* check if, unmatched policy: why nothing passes */
  BDL_X_MATCH, /* reject if, matched policy: the binding that passes */
  BDL_X_ALL    /* check all: a binding that fails, or why none exists */
};

/*
** A candidate binding. The predicates the search bound are those at
** levels below `depth`; `full` when all are bound. A partial candidate
** stopped at predicate `stop`: no trusted fact matched it under the
** binding. A full one ran its expressions in written order: `expr` is
** the first that was false or failed (`err`: the VM's tag), n_exprs when
** all passed.
*/
struct bdl_xcand {
  bool set, full;
  uint32_t score; /* depth, or n_body + true expressions when full */
  uint32_t depth, stop, expr;
  const char *err;
  uint32_t *row;  /* per predicate (written order): row, or BDL_ROW_END */
  bdl_term *vals; /* per variable slot */
};

struct bdl_xq {
  bdl_world *w;
  const bdl_rule *q;
  bdl_origin trusted;
  const char *what; /* "check" or "policy", for the hints */
  uint32_t n_preds, n_vars;
  /* compiled body: per term a variable slot (-1: constant) and, for a
     variable repeated inside one predicate, the earlier column (-1) */
  uint32_t *off; /* per predicate: its first term */
  int32_t *slot, *same;
  uint32_t *rel;     /* per predicate: relation or BDL_NO_REL */
  uint32_t *var_ids; /* per slot: the variable's symbol */
  uint64_t *count;   /* per predicate: trusted facts matching it alone */
  bool *given;       /* per predicate: all of them the authorizer's own */
  /* the search: predicate order, binding level of each slot, cursors */
  uint32_t *order, *level, *cur;
  bool *seen;
  uint32_t *row;
  bdl_term *vals;
  uint32_t *tmp; /* scratch list of slots (explain_text.c) */
  bool *flag;    /* scratch per slot */
  struct bdl_budget b;
  bx_diag ed; /* limits and expression errors: reported, never raised */
  uint64_t n_cand, n_full;
  bool capped;
  const char *limit; /* the run limit that stopped the search, or NULL */
  struct bdl_xcand best, hit;
};

/* explain_query.c */
biscuit_status bdl_xq_init(struct bdl_xq *x, bdl_world *w, const bdl_rule *q,
                           bdl_origin trusted, const bdl_limits *l, bx_diag *d);
/* Alone counts; *empty = the first predicate without any, or n_preds. */
void bdl_xq_count(struct bdl_xq *x, uint32_t *empty);
/* Pay for n rows; false (and x->limit set) once the budget is spent. */
bool bdl_xq_spend(struct bdl_xq *x, uint64_t n);
/*
** Whether the terms of a row match predicate p: its constants, repeated
** variables, and the variables `c` binds (c may be NULL: none).
*/
bool bdl_xq_match(const struct bdl_xq *x, uint32_t p, const bdl_term *row,
                  const struct bdl_xcand *c);
/* Whether slot s is bound in candidate c. */
bool bdl_xq_bound(const struct bdl_xq *x, const struct bdl_xcand *c,
                  uint32_t s);

/* explain_search.c: fills x->best, x->hit, x->n_full and the stop state. */
biscuit_status bdl_xq_search(struct bdl_xq *x, enum bdl_xgoal goal, bx_diag *d);

/* explain_text.c */
void bdl_xt_indent(bx_buf *out, unsigned indent);
/* The outcome of a search, as lines at `indent`. */
void bdl_xt_result(bx_buf *out, struct bdl_xq *x, enum bdl_xgoal goal,
                   unsigned indent);
/* "no fact matches <p>" for a predicate no trusted fact matches alone. */
void bdl_xt_no_fact(bx_buf *out, struct bdl_xq *x, uint32_t p, unsigned indent);
/* The note when the search stopped early (nothing when it did not). */
void bdl_xt_stopped(bx_buf *out, const struct bdl_xq *x, unsigned indent);

/* explain_hint.c: lines at `indent` saying why p matches nothing. */
void bdl_xh_hints(bx_buf *out, const struct bdl_xq *x, uint32_t p,
                  const struct bdl_xcand *c, unsigned indent);

#endif
