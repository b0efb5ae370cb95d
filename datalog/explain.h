/*
** Explaining a decision: why the checks and policies of a world decided
** as they did, in plain text for a policy author (biscuit.h,
** biscuit_authorizer_explain).
**
** The text, paragraphs separated by a blank line:
**
**   allowed by allow policy N: <policy>      (or one of)
**   denied: deny policy N matched: <policy>
**   denied: allow policy N matched, but checks failed
**   denied: no policy matched
**
**   authorizer check N failed: <check>       (block B check N failed: ...)
**     <why: the predicate no fact matches, the closest binding, the
**      expression that was false, with the values it saw>
**
**   allow policy N matched: <policy>         (deny policy N matched: ...)
**     matched with $u = "alice"
**     facts: user("alice")
**
**   allow policy N did not match: <policy>   (one per allow policy, when
**     <why>                                   no policy matched; when a
**                                             deny policy matched, one per
**                                             allow policy before it)
**
** A check or policy with several queries explains each under
** "alternative K:" (K from 1). The search behind each query is bounded
** (BDL_X_MAX_CANDIDATES accepted rows, and the run limits in `l` with a
** fresh budget per query); when it stops early the text says so.
*/
#ifndef BISCUIT_DATALOG_EXPLAIN_H
#define BISCUIT_DATALOG_EXPLAIN_H

#include "datalog/world.h"

/*
** Explain the decision bdl_world_authorize reaches on `w`, whose
** fixpoint must be complete (BISCUIT_E_MISUSE otherwise). The decision
** is taken again, under the work limit of `l` (NULL: defaults) but no
** time limit, since it was already reached once. Nothing in the world
** changes: no fact is added and no rule runs. On success *out is a
** bx_malloc'd NUL-terminated text ending with a newline. Errors:
** BISCUIT_E_NOMEM, or what deciding again returns (e.g. a host function
** failing this time).
*/
biscuit_status bdl_world_explain(bdl_world *w, const bdl_limits *l, char **out,
                                 bx_diag *d);

#endif
