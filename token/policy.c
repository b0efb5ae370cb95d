/*
** Policy sets: an authorizer's own facts, rules, checks and policies,
** parsed once into an env of their own. After parsing nothing writes to
** that env again (each request layers its own env on top of it), so one
** policy set serves any number of threads (STYLE.md §3.4 rule 5).
*/
#include "datalog/print.h"
#include "token/authorizer.h"

btk_policy *btk_policy_new(void) {
  btk_policy *p = bx_calloc(1, sizeof *p);
  if (!p)
    return NULL;
  p->env = bdl_env_new(NULL);
  if (!p->env) {
    bx_free(p);
    return NULL;
  }
  bdl_block_init(&p->block);
  return p;
}

void btk_policy_free(btk_policy *p) {
  if (!p)
    return;
  bdl_block_free(&p->block);
  bdl_env_free(p->env);
  bx_free(p);
}

/*
** The parser is all or nothing on the block and the arena, so a failed
** parse leaves the policy set as it was.
*/
biscuit_status btk_policy_parse(btk_policy *p, const char *src, size_t len,
                                const bpa_options *opt, bx_diag *d) {
  if (!p)
    return bx_fail(d, BISCUIT_E_MISUSE, "Misuse", "no policy set");
  return bpa_parse_relaxed(p->env, src, len, BPA_AUTHORIZER, opt, &p->block, d);
}

char *btk_policy_source(const btk_policy *p) {
  if (!p)
    return NULL;
  bx_buf b;
  bx_buf_init(&b, 0);
  bdl_print_authorizer(&b, p->env, &p->block);
  char *s = bx_buf_take(&b);
  bx_buf_free(&b);
  return s;
}
