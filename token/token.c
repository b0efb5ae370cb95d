/*
** The token object: an envelope plus its blocks decoded into one env
** (token.h). Decoding follows the reference's order (spec "Verifying",
** "Deserializing the token"): envelope structure, then the signature
** chain when a root key is given, then the blocks' Datalog, so a token
** with a bad signature is reported as such even if a block is garbage.
*/
#include <string.h>

#include "datalog/print.h"
#include "token/token_int.h"

static biscuit_status nomem(bx_diag *d) {
  return bx_fail(d, BISCUIT_E_NOMEM, "InternalError", "out of memory");
}

void btk_token_free(btk_token *t) {
  if (!t)
    return;
  for (uint32_t i = 0; t->blocks && i < t->n_blocks; i++)
    bdl_block_free(&t->blocks[i].block);
  bx_free(t->blocks);
  bdl_env_free(t->env);
  btk_envelope_free(t->envelope);
  bx_free(t);
}

biscuit_status btk_token_from_envelope(btk_envelope *e, bool verified,
                                       uint32_t max_depth, btk_token **out,
                                       bx_diag *d) {
  btk_token *t = bx_calloc(1, sizeof *t);
  biscuit_status st;
  *out = NULL;
  if (!t) {
    btk_envelope_free(e);
    return nomem(d);
  }
  t->envelope = e;
  t->verified = verified;
  t->env = bdl_env_new(NULL);
  st = t->env ? btk_blocks_decode(t, max_depth, d) : nomem(d);
  if (st != BISCUIT_OK) {
    btk_token_free(t);
    return st;
  }
  *out = t;
  return BISCUIT_OK;
}

biscuit_status btk_token_decode(const uint8_t *buf, size_t len,
                                const btk_pubkey *root,
                                const btk_decode_opts *opt, btk_token **out,
                                bx_diag *d) {
  const btk_limits *lim = opt ? &opt->limits : &btk_default_limits;
  btk_envelope *e = NULL;
  biscuit_status st;
  *out = NULL;
  if (!buf && len)
    return bx_fail(d, BISCUIT_E_MISUSE, "InternalError", "no token bytes");
  st = btk_envelope_decode(buf, len, lim, &e, d);
  if (st == BISCUIT_OK && root)
    st = btk_envelope_verify(e, root, d);
  if (st != BISCUIT_OK) {
    btk_envelope_free(e);
    return st;
  }
  return btk_token_from_envelope(e, root != NULL, lim->max_depth, out, d);
}

biscuit_status btk_token_encode(const btk_token *t, uint8_t **out, size_t *len,
                                bx_diag *d) {
  if (!t || !t->envelope) {
    *out = NULL;
    *len = 0;
    return bx_fail(d, BISCUIT_E_MISUSE, "InternalError", "no token");
  }
  return btk_envelope_encode(t->envelope, out, len, d);
}

biscuit_status btk_token_block_source(const btk_token *t, size_t i, bx_buf *out,
                                      bx_diag *d) {
  if (!t || i >= t->n_blocks)
    return bx_fail(d, BISCUIT_E_MISUSE, "InvalidBlockId",
                   "no block %zu in this token", i);
  if (!bdl_print_block(out, t->env, &t->blocks[i].block))
    return nomem(d);
  return BISCUIT_OK;
}

biscuit_status btk_token_block_reencode(const btk_token *t, size_t i,
                                        uint8_t **out, size_t *len,
                                        bx_diag *d) {
  btk_ser how;
  *out = NULL;
  *len = 0;
  if (!t || i >= t->n_blocks)
    return bx_fail(d, BISCUIT_E_MISUSE, "InvalidBlockId",
                   "no block %zu in this token", i);
  how.t = t;
  how.upto = i;
  how.third_party = t->blocks[i].external_key != BDL_NOSYM;
  how.version = t->blocks[i].version;
  how.context = t->blocks[i].context;
  return btk_block_serialize(&how, t->env, &t->blocks[i].block, out, len, NULL,
                             d);
}
