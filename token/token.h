/*
** A token as the rest of the library sees it: the verified envelope plus
** every block decoded into Datalog IR (in the token's own env), with the
** per-block facts the samples check (version, context, symbols, public
** keys, external key). Also building: create, append, seal, third-party.
**
**   token.c     decode (+ verify), free, accessors
**   block.c     Block message <-> IR through codec.c, symbol and key
**               tables (spec "Symbol table", "Public key tables")
**   build.c     create / append / seal / third-party
**   version.c   the Datalog version a block needs (btk_block_min_version)
*/
#ifndef BISCUIT_TOKEN_TOKEN_H
#define BISCUIT_TOKEN_TOKEN_H

#include "datalog/datalog.h"
#include "token/codec.h"

typedef struct btk_block_info {
  uint32_t version;       /* Datalog version, 3..6 */
  const char *context;    /* NULL when absent; in the token env's arena */
  uint32_t n_symbols;     /* strings this block adds to the symbol table */
  const char **symbols;
  uint32_t n_keys;        /* its public-keys table, as env->keys ids */
  uint32_t *keys;
  uint32_t external_key;  /* env->keys id of the third-party signer, or
                             BDL_NOSYM */
  bdl_block block;        /* the IR, in the token's env */
} btk_block_info;

typedef struct btk_token {
  btk_envelope *envelope; /* owned */
  bdl_env *env;           /* owned: the blocks' IR lives here */
  uint32_t n_blocks;
  btk_block_info *blocks; /* [0] = authority */
  bool verified;          /* signatures and proof checked */
} btk_token;

/* Decoding options beyond the envelope limits. */
typedef struct btk_decode_opts {
  btk_limits limits;
  bool unsafe_legacy_third_party;
} btk_decode_opts;

/*
** Decode (and, when root != NULL, verify) a token. Blocks outside
** versions 3..6, unknown symbols or keys, duplicate symbols, malformed
** IR: BISCUIT_E_FORMAT with a "Format/..." tag. Signature failures as
** btk_envelope_verify reports them.
*/
biscuit_status btk_token_decode(const uint8_t *buf, size_t len,
                                const btk_pubkey *root,
                                const btk_decode_opts *opt, btk_token **out,
                                bx_diag *d);
void btk_token_free(btk_token *t);
biscuit_status btk_token_encode(const btk_token *t, uint8_t **out,
                                size_t *len, bx_diag *d);

/*
** Building. `block` is IR in `src` (e.g. fresh from the parser); it is
** serialized with the token's symbol and key tables in the reference's
** interning order, at the lowest Datalog version its features need.
** Each returns a new token (the input is unchanged).
*/
biscuit_status btk_token_create(const btk_privkey *root,
                                const bdl_env *src, const bdl_block *block,
                                const char *context,
                                const uint32_t *root_key_id, btk_token **out,
                                bx_diag *d);
biscuit_status btk_token_append(const btk_token *t, const bdl_env *src,
                                const bdl_block *block, const char *context,
                                btk_token **out, bx_diag *d);
biscuit_status btk_token_seal(const btk_token *t, btk_token **out,
                              bx_diag *d);
/* Third-party: request from a token; contents from a request + signer. */
biscuit_status btk_token_tp_request(const btk_token *t, uint8_t **out,
                                    size_t *len, bx_diag *d);
biscuit_status btk_tp_block_create(const uint8_t *req, size_t req_len,
                                   const btk_privkey *signer,
                                   const bdl_env *src, const bdl_block *block,
                                   const char *context, uint8_t **out,
                                   size_t *len, bx_diag *d);
biscuit_status btk_token_append_tp(const btk_token *t, const uint8_t *contents,
                                   size_t len, btk_token **out, bx_diag *d);

/* The lowest Datalog version (3..6) whose features `b` uses. */
uint32_t btk_block_min_version(const bdl_block *b, bool third_party);

/* ---------------------------------------------------------- accessors */

/* Block i's Datalog as the samples' `code` (bdl_print_block). */
biscuit_status btk_token_block_source(const btk_token *t, size_t i,
                                      bx_buf *out, bx_diag *d);
/*
** Block i serialized again from its IR, against the token's tables as
** they stood before it, at its own version and context. Equal to the
** block's original bytes when the block was written in the reference's
** interning order (tests; a check on the symbol-order rules).
*/
biscuit_status btk_token_block_reencode(const btk_token *t, size_t i,
                                        uint8_t **out, size_t *len,
                                        bx_diag *d);

#endif
