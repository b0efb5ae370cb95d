/*
** The bytes each signature covers (spec "Signed payload generation").
** Integers are 4-byte little-endian: the algorithm as an i32, the
** version as a u32. The spec text lists v0 as "data, key, algorithm";
** the reference and every sample put the algorithm first, and so do we.
*/
#include <string.h>

#include "token/codec.h"

static void put_u32le(bx_buf *out, uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                  (uint8_t)(v >> 24)};
  bx_buf_add(out, b, sizeof b);
}

/* The algorithm enum value as i32 LE (two's complement, as u32 bits). */
static void put_alg(bx_buf *out, const btk_pubkey *k) {
  put_u32le(out, (uint32_t)(int32_t)k->alg);
}

static void put_span(bx_buf *out, btk_span s) {
  if (s.len)
    bx_buf_add(out, s.ptr, s.len);
}

/* Literal tags carry NULs, so their length is the array size minus 1. */
#define PUT_TAG(out, lit) bx_buf_add((out), (lit), sizeof(lit) - 1)

static biscuit_status finish(bx_buf *out, bx_diag *d) {
  if (out->failed)
    return bx_fail(d, BISCUIT_E_NOMEM, "InternalError",
                   "out of memory building a signature payload");
  return BISCUIT_OK;
}

uint32_t btk_sig_version(int signer_alg, int next_alg, bool external,
                         uint32_t datalog_version, uint32_t prev_max) {
  if (external)
    return 1; /* THIRD_PARTY_SIGNATURE_VERSION */
  if (datalog_version >= 6)
    return 1; /* datalog v3.3 */
  if (signer_alg != BTK_ALG_ED25519 || next_alg != BTK_ALG_ED25519)
    return 1; /* non-Ed25519 keys */
  return prev_max;
}

/* v0: data [external signature] algorithm next-key. */
static void block_v0(bx_buf *out, btk_span data, const btk_pubkey *next,
                     const btk_span *ext_sig) {
  put_span(out, data);
  if (ext_sig)
    put_span(out, *ext_sig);
  put_alg(out, next);
  bx_buf_add(out, next->bytes, next->len);
}

/* v1: tagged fields; PREVSIG for non-authority blocks, then EXTERNALSIG. */
static void block_v1(bx_buf *out, uint32_t version, btk_span data,
                     const btk_pubkey *next, const btk_span *ext_sig,
                     const btk_span *prev_sig) {
  PUT_TAG(out, "\0BLOCK\0\0VERSION\0");
  put_u32le(out, version);
  PUT_TAG(out, "\0PAYLOAD\0");
  put_span(out, data);
  PUT_TAG(out, "\0ALGORITHM\0");
  put_alg(out, next);
  PUT_TAG(out, "\0NEXTKEY\0");
  bx_buf_add(out, next->bytes, next->len);
  if (prev_sig) {
    PUT_TAG(out, "\0PREVSIG\0");
    put_span(out, *prev_sig);
  }
  if (ext_sig) {
    PUT_TAG(out, "\0EXTERNALSIG\0");
    put_span(out, *ext_sig);
  }
}

biscuit_status btk_payload_block(bx_buf *out, uint32_t version, btk_span data,
                                 const btk_pubkey *next,
                                 const btk_span *ext_sig,
                                 const btk_span *prev_sig, bx_diag *d) {
  if (version == 0)
    block_v0(out, data, next, ext_sig);
  else if (version == 1)
    block_v1(out, version, data, next, ext_sig, prev_sig);
  else
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                   "unsupported block version: %u", (unsigned)version);
  return finish(out, d);
}

biscuit_status btk_payload_external(bx_buf *out, uint32_t version,
                                    btk_span data, btk_span prev_sig,
                                    bx_diag *d) {
  if (version != 1)
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                   "Unsupported third party block version");
  PUT_TAG(out, "\0EXTERNAL\0\0VERSION\0");
  put_u32le(out, version);
  PUT_TAG(out, "\0PAYLOAD\0");
  put_span(out, data);
  PUT_TAG(out, "\0PREVSIG\0");
  put_span(out, prev_sig);
  return finish(out, d);
}

/* Spec "Signature (sealing)": data, alg, key, then the block signature. */
biscuit_status btk_payload_seal(bx_buf *out, const btk_signed_block *last,
                                bx_diag *d) {
  put_span(out, last->block);
  put_alg(out, &last->next_key);
  bx_buf_add(out, last->next_key.bytes, last->next_key.len);
  put_span(out, last->sig);
  return finish(out, d);
}
