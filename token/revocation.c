/*
** Revocation ids (spec "Revocation identifiers"): one per block, the
** lowercase hex of that block's signature bytes, exactly as the samples'
** `revocation_ids`. With P-256 the last block's id is malleable by
** anyone (an (r, n-s) signature verifies too); we only ever emit low-S,
** but a verifier keeping revocation lists should know (perf-and-threats
** B1 "Signature malleability").
*/
#include "token/codec.h"

biscuit_status btk_revocation_id(const btk_envelope *e, size_t i, char **out,
                                 bx_diag *d) {
  *out = NULL;
  if (!e || i >= e->n_blocks)
    return bx_fail(d, BISCUIT_E_MISUSE, "Format/InvalidBlockId", "no block %zu",
                   i);
  *out = btk_hex_encode(e->blocks[i].sig.ptr, e->blocks[i].sig.len);
  if (!*out)
    return bx_fail(d, BISCUIT_E_NOMEM, "InternalError", "out of memory");
  return BISCUIT_OK;
}
