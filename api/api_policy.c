/*
** Policy sets: parsed once (token/policy.c), then read-only and shared.
** Snapshots (token/snapshot.c): written as AuthorizerPolicies, or as a
** builder AuthorizerSnapshot when the set uses public keys or block
** scopes; read from either.
*/
#include <string.h>

#include "api/api_int.h"

biscuit_status biscuit_policy_from_text(const char *datalog,
                                        const char *filename,
                                        const biscuit_params *params,
                                        biscuit_policy **out,
                                        biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!datalog || !out)
    return api_misuse(err, "biscuit_policy_from_text: bad arguments");
  biscuit_policy *h = bx_calloc(1, sizeof *h);
  btk_policy *p = h ? btk_policy_new() : NULL;
  if (!p) {
    bx_free(h);
    return api_fail(err, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  }
  h->p = p;
  bpa_options opt;
  size_t len = strlen(datalog);
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = api_params_bind(params, p->env, filename, &opt);
  if (st != BISCUIT_OK)
    bx_fail(&d, st, NULL, "parameters could not be bound");
  else
    st = btk_policy_parse(p, datalog, len, &opt, &d);
  api_params_unbind(&opt);
  if (st != BISCUIT_OK) {
    biscuit_policy_free(h);
    return api_parse_error(err, st, &d, filename, datalog, len);
  }
  *out = h;
  return BISCUIT_OK;
}

void biscuit_policy_free(biscuit_policy *p) {
  if (!p)
    return;
  btk_policy_free(p->p);
  bx_free(p);
}

char *biscuit_policy_source(const biscuit_policy *p) {
  return p ? btk_policy_source(p->p) : NULL;
}

biscuit_status biscuit_policy_to_snapshot(const biscuit_policy *p,
                                          uint8_t **out, size_t *len,
                                          biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (len)
    *len = 0;
  if (!p || !out || !len)
    return api_misuse(err, "biscuit_policy_to_snapshot: bad arguments");
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = btk_policy_to_snapshot(p->p, out, len, &d);
  if (st != BISCUIT_OK)
    return api_from_diag(err, st, &d);
  return BISCUIT_OK;
}

biscuit_status biscuit_policy_from_snapshot(const uint8_t *bytes, size_t len,
                                            biscuit_policy **out,
                                            biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!out || (!bytes && len))
    return api_misuse(err, "biscuit_policy_from_snapshot: bad arguments");
  biscuit_policy *h = bx_calloc(1, sizeof *h);
  if (!h)
    return api_fail(err, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = btk_policy_from_snapshot(bytes, len, &h->p, &d);
  if (st != BISCUIT_OK) {
    bx_free(h);
    return api_from_diag(err, st, &d);
  }
  *out = h;
  return BISCUIT_OK;
}
