/*
** Private to the printer (print.c, print_code.c, print_order.c).
**
** The reference prints an authorizer's source (dump_code) from its
** builder objects, not from interned Datalog: there, sets and maps are
** ordered with strings compared as text, and each expression is printed
** after conversion into a fresh symbol table, so its strings order by
** first appearance. A bdl_print_order carries one of those two orders;
** NULL means the stored order (strings by symbol id, as in token blocks,
** world dumps and failed checks).
*/
#ifndef BISCUIT_DATALOG_PRINT_INT_H
#define BISCUIT_DATALOG_PRINT_INT_H

#include "datalog/print.h"

enum { BDL_ORDER_TEXT = 0, BDL_ORDER_RANK = 1 };

typedef struct bdl_print_order {
  int mode;
  /* BDL_ORDER_RANK: symbol id -> rank, open addressing (id BDL_NOSYM =
     empty slot); ids not in the table rank as themselves (defaults). */
  uint32_t *ids, *ranks;
  size_t cap, n;
} bdl_print_order;

/* Text order, for the terms of an authorizer's predicates. */
void bdl_print_order_text(bdl_print_order *o);
/* Rank order of one expression, as the reference's fresh table would
   number it. False on allocation failure. */
bool bdl_print_order_expr(bdl_print_order *o, const bdl_env *e,
                          const bdl_expr *x);
void bdl_print_order_free(bdl_print_order *o);

/* Item (or map entry) indexes of a set or map in printing order; NULL on
   allocation failure. Free with bx_free. */
uint32_t *bdl_print_order_perm(const bdl_print_order *o, const bdl_env *e,
                               const bdl_term *t);

bool bdl_print_term_ordered(bx_buf *out, const bdl_env *e,
                            const bdl_term *t, const bdl_print_order *o);
bool bdl_print_expr_ordered(bx_buf *out, const bdl_env *e,
                            const bdl_expr *x, const bdl_print_order *o);

#endif
