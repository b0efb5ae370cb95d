/*
** Explaining the last decision (biscuit_authorizer_explain): argument
** checks here, the search and the text in datalog/explain*.c.
*/
#include "api/api_int.h"
#include "datalog/explain.h"

biscuit_status biscuit_authorizer_explain(biscuit_authorizer *a, char **out,
                                          biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!a || !out)
    return api_misuse(err, "biscuit_authorizer_explain: bad arguments");
  /* `ran` is cleared by an authorize that ended in an error, so an
     explanation never describes an older decision than the last one */
  if (!a->a->ran)
    return api_misuse(err, "biscuit_authorizer_explain: no decision to "
                           "explain (authorize has not run, or its last run "
                           "ended in an error)");
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = bdl_world_explain(a->a->world, &a->a->limits, out, &d);
  if (st != BISCUIT_OK)
    return api_from_diag(err, st, &d);
  return BISCUIT_OK;
}
