/*
** Verification of a decoded envelope (spec "Verifying", "Verifying
** external signatures", "Verifying (sealed)"), in the reference's order:
** each block's signature, then its external signature, block by block,
** then the proof. The first failure is reported.
**
** Error tags (bx_diag.tag), after the reference's error variants:
**   Format/Signature/InvalidSignature          a signature or the proof
**   Format/BlockSignatureDeserializationError  malformed signature bytes
**   Format/InvalidKey, Format/InvalidKeySize   unusable key bytes
**   Format/DeserializationError                unknown payload version,
**                                              v0 third-party block
*/
#include "token/codec.h"

/* Block i's payload, signed by the previous next key (or the root). */
static biscuit_status verify_block(const btk_envelope *e, size_t i,
                                   const btk_pubkey *signer, bx_buf *buf,
                                   bx_diag *d) {
  const btk_signed_block *b = &e->blocks[i];
  const btk_span *prev = i ? &e->blocks[i - 1].sig : NULL;
  biscuit_status st;
  bx_buf_reset(buf);
  st = btk_payload_block(buf, b->version, b->block, &b->next_key,
                         b->has_external ? &b->ext_sig : NULL, prev, d);
  if (st != BISCUIT_OK)
    return st;
  return btk_verify(signer, (const uint8_t *)buf->data, buf->len, b->sig.ptr,
                    b->sig.len, d);
}

/*
** External signatures are bound to the token by PREVSIG (payload v1);
** the authority block may not carry one, and legacy v0 ones are refused.
*/
static biscuit_status verify_external(const btk_envelope *e, size_t i,
                                      bx_buf *buf, bx_diag *d) {
  const btk_signed_block *b = &e->blocks[i];
  biscuit_status st;
  if (i == 0)
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                   "the authority block must not contain an external "
                   "signature");
  if (b->version != 1)
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                   "Unsupported third party block version");
  bx_buf_reset(buf);
  st = btk_payload_external(buf, b->version, b->block, e->blocks[i - 1].sig, d);
  if (st != BISCUIT_OK)
    return st;
  return btk_verify(&b->ext_key, (const uint8_t *)buf->data, buf->len,
                    b->ext_sig.ptr, b->ext_sig.len, d);
}

/*
** The proof closes the chain, so dropping trailing blocks is detected
** (perf-and-threats B1 "Truncation and reordering"): either the secret's
** public key is the last next key, or the seal signature verifies.
*/
static biscuit_status verify_proof(const btk_envelope *e, bx_buf *buf,
                                   bx_diag *d) {
  const btk_signed_block *last = btk_envelope_last(e);
  biscuit_status st;
  if (!e->sealed) {
    if (!btk_pubkey_equal(&e->secret.pub, &last->next_key))
      return bx_fail(d, BISCUIT_E_SIGNATURE,
                     "Format/Signature/InvalidSignature",
                     "the last public key does not match the private key");
    return BISCUIT_OK;
  }
  bx_buf_reset(buf);
  st = btk_payload_seal(buf, last, d);
  if (st != BISCUIT_OK)
    return st;
  return btk_verify(&last->next_key, (const uint8_t *)buf->data, buf->len,
                    e->final_sig.ptr, e->final_sig.len, d);
}

biscuit_status btk_envelope_verify(const btk_envelope *e,
                                   const btk_pubkey *root, bx_diag *d) {
  biscuit_status st = BISCUIT_OK;
  bx_buf buf;
  if (!e || !root || e->n_blocks == 0)
    return bx_fail(d, BISCUIT_E_MISUSE, "InternalError",
                   "verify needs an envelope and a root key");
  bx_buf_init(&buf, 0);
  for (size_t i = 0; i < e->n_blocks && st == BISCUIT_OK; i++) {
    const btk_pubkey *signer = i ? &e->blocks[i - 1].next_key : root;
    st = verify_block(e, i, signer, &buf, d);
    if (st == BISCUIT_OK && e->blocks[i].has_external)
      st = verify_external(e, i, &buf, d);
  }
  if (st == BISCUIT_OK)
    st = verify_proof(e, &buf, d);
  bx_buf_free(&buf);
  return st;
}
