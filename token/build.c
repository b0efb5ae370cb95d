/*
** Building tokens (token.h): create, append, seal and third-party blocks
** (spec "Appending", "Appending a third-party block").
**
** Every operation returns a new token and leaves its input alone: the
** envelope is copied (encoded and decoded again), changed through sign.c,
** and the result is decoded like any received token, so a built token is
** exactly what a reader will see, and a block we could not read back is
** never handed out. Blocks are serialized by block.c against the token's
** tables, at the lowest version their features need (version.c).
*/
#include <string.h>

#include "token/token_int.h"

/* Reading back our own envelope: its size and block count are the
   caller's business; block nesting keeps the default depth. */
static const btk_limits own_limits = {SIZE_MAX, SIZE_MAX,
                                      BTK_DEFAULT_MAX_DEPTH};

static biscuit_status misuse(bx_diag *d, const char *what) {
  return bx_fail(d, BISCUIT_E_MISUSE, "InternalError", "%s", what);
}

static biscuit_status refuse_sealed(const btk_token *t, bx_diag *d) {
  if (!t || !t->envelope || t->n_blocks == 0)
    return misuse(d, "no token");
  if (t->envelope->sealed)
    return bx_fail(d, BISCUIT_E_MISUSE, "AppendOnSealed",
                   "tried to append a block to a sealed token");
  return BISCUIT_OK;
}

/* A deep copy of an envelope through its wire form. The bytes hold the
   proof secret, so they are wiped. */
static biscuit_status copy_envelope(const btk_envelope *e, btk_envelope **out,
                                    bx_diag *d) {
  uint8_t *buf = NULL;
  size_t n = 0;
  biscuit_status st = btk_envelope_encode(e, &buf, &n, d);
  *out = NULL;
  if (st == BISCUIT_OK)
    st = btk_envelope_decode(buf, n, &own_limits, out, d);
  if (buf)
    btk_wipe(buf, n);
  bx_free(buf);
  return st;
}

biscuit_status btk_token_create(const btk_privkey *root, const bdl_env *src,
                                const bdl_block *block, const char *context,
                                const uint32_t *root_key_id, btk_token **out,
                                bx_diag *d) {
  btk_ser how = {NULL, 0, false, 0, context};
  btk_envelope *e = NULL;
  uint8_t *bytes = NULL;
  size_t n = 0;
  uint32_t v = 0;
  biscuit_status st;
  *out = NULL;
  if (!root || !src || !block)
    return misuse(d, "create needs a root key and a block");
  st = btk_block_serialize(&how, src, block, &bytes, &n, &v, d);
  if (st == BISCUIT_OK)
    st = btk_envelope_create(bytes, n, v, root, root_key_id, NULL, &e, d);
  bx_free(bytes);
  if (st != BISCUIT_OK)
    return st;
  return btk_token_from_envelope(e, true, BTK_DEFAULT_MAX_DEPTH, out, d);
}

/*
** Attenuation needs no root key: the proof secret signs (spec "Signature
** (appending)"). The result is verified exactly when the input was.
*/
biscuit_status btk_token_append(const btk_token *t, const bdl_env *src,
                                const bdl_block *block, const char *context,
                                btk_token **out, bx_diag *d) {
  btk_envelope *e = NULL;
  uint8_t *bytes = NULL;
  size_t n = 0;
  uint32_t v = 0;
  biscuit_status st = refuse_sealed(t, d);
  *out = NULL;
  if (st == BISCUIT_OK && (!src || !block))
    st = misuse(d, "append needs a block");
  if (st == BISCUIT_OK) {
    btk_ser how = {t, t->n_blocks, false, 0, context};
    st = btk_block_serialize(&how, src, block, &bytes, &n, &v, d);
  }
  if (st == BISCUIT_OK)
    st = copy_envelope(t->envelope, &e, d);
  if (st == BISCUIT_OK)
    st = btk_envelope_append(e, bytes, n, v, NULL, d);
  bx_free(bytes);
  if (st != BISCUIT_OK) {
    btk_envelope_free(e);
    return st;
  }
  return btk_token_from_envelope(e, t->verified, BTK_DEFAULT_MAX_DEPTH, out, d);
}

biscuit_status btk_token_seal(const btk_token *t, btk_token **out, bx_diag *d) {
  btk_envelope *e = NULL;
  biscuit_status st;
  *out = NULL;
  if (!t || !t->envelope)
    return misuse(d, "no token");
  st = copy_envelope(t->envelope, &e, d);
  if (st == BISCUIT_OK)
    st = btk_envelope_seal(e, d);
  if (st != BISCUIT_OK) {
    btk_envelope_free(e);
    return st;
  }
  return btk_token_from_envelope(e, t->verified, BTK_DEFAULT_MAX_DEPTH, out, d);
}

/* ================================================== third-party blocks */

biscuit_status btk_token_tp_request(const btk_token *t, uint8_t **out,
                                    size_t *len, bx_diag *d) {
  biscuit_status st = refuse_sealed(t, d);
  *out = NULL;
  *len = 0;
  if (st != BISCUIT_OK)
    return st;
  return btk_tp_request_from_envelope(t->envelope, out, len, d);
}

/*
** The third party's side: the block is written with the default symbols
** and empty tables (it never sees the token), at version >= 5, and signed
** for the request's previous signature (external payload v1).
*/
biscuit_status btk_tp_block_create(const uint8_t *req, size_t req_len,
                                   const btk_privkey *signer,
                                   const bdl_env *src, const bdl_block *block,
                                   const char *context, uint8_t **out,
                                   size_t *len, bx_diag *d) {
  btk_ser how = {NULL, 0, true, 0, context};
  btk_tp_contents c;
  uint8_t *prev = NULL, *bytes = NULL;
  size_t n_prev = 0, n = 0;
  biscuit_status st;
  *out = NULL;
  *len = 0;
  memset(&c, 0, sizeof c);
  if (!signer || !src || !block || (!req && req_len))
    return misuse(d, "a third-party block needs a request, key and block");
  st = btk_tp_request_decode(req, req_len, &prev, &n_prev, d);
  if (st == BISCUIT_OK)
    st = btk_block_serialize(&how, src, block, &bytes, &n, NULL, d);
  if (st == BISCUIT_OK) {
    btk_span prev_sig = {prev, n_prev};
    st = btk_tp_contents_create(prev_sig, bytes, n, signer, &c, d);
  }
  if (st == BISCUIT_OK)
    st = btk_tp_contents_encode(&c, out, len, d);
  btk_tp_contents_clear(&c);
  bx_free(bytes);
  bx_free(prev);
  return st;
}

/*
** The holder again: the block must read as a third-party block before it
** is signed into the chain; sign.c checks the external signature.
*/
biscuit_status btk_token_append_tp(const btk_token *t, const uint8_t *contents,
                                   size_t len, btk_token **out, bx_diag *d) {
  btk_tp_contents c;
  btk_envelope *e = NULL;
  biscuit_status st = refuse_sealed(t, d);
  *out = NULL;
  memset(&c, 0, sizeof c);
  if (st == BISCUIT_OK && !contents && len)
    st = misuse(d, "no third-party contents");
  if (st == BISCUIT_OK)
    st = btk_tp_contents_decode(contents, len, &c, d);
  if (st == BISCUIT_OK)
    st = btk_block_check_tp(c.block, c.block_len, BTK_DEFAULT_MAX_DEPTH, d);
  if (st == BISCUIT_OK)
    st = copy_envelope(t->envelope, &e, d);
  if (st == BISCUIT_OK)
    st = btk_envelope_append_third_party(e, &c, NULL, NULL, d);
  btk_tp_contents_clear(&c);
  if (st != BISCUIT_OK) {
    btk_envelope_free(e);
    return st;
  }
  return btk_token_from_envelope(e, t->verified, BTK_DEFAULT_MAX_DEPTH, out, d);
}
