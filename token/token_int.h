/*
** Private to token.c, block.c, build.c and version.c: how a token's
** blocks are decoded against its symbol and key tables, and how new
** blocks are serialized against them (spec "Symbol table", "Public key
** tables", "Appending a third-party block").
*/
#ifndef BISCUIT_TOKEN_TOKEN_INT_H
#define BISCUIT_TOKEN_TOKEN_INT_H

#include "token/token.h"

#define BTK_MIN_VERSION 3u /* v3.0 */
#define BTK_V3_1 4u        /* check all, bitwise ops, !==, scopes */
#define BTK_V3_2 5u        /* third-party blocks */
#define BTK_MAX_VERSION 6u /* v3.3 */

/*
** Decode every block of t->envelope into t->env and t->blocks (which
** must be empty): the token's own table for ordinary blocks, the
** default symbols plus their own tables for third-party blocks.
*/
biscuit_status btk_blocks_decode(btk_token *t, uint32_t max_depth, bx_diag *d);

/*
** A token around an envelope (taken over, freed on error too): decode its
** blocks with `max_depth`; `verified` is recorded as given.
*/
biscuit_status btk_token_from_envelope(btk_envelope *e, bool verified,
                                       uint32_t max_depth, btk_token **out,
                                       bx_diag *d);

/* How btk_block_serialize places a block. */
typedef struct btk_ser {
  const btk_token *t; /* whose tables to start from; NULL: none */
  size_t upto;        /* use the tables of blocks [0, upto) of t */
  bool third_party;   /* start from empty tables, version >= 5 */
  uint32_t version;   /* 0: the lowest version the block needs */
  const char *context;
} btk_ser;

/*
** IR in `src` to Block bytes (bx_malloc'd), interning new symbols and
** keys in the reference's order; *version gets the version written.
*/
biscuit_status btk_block_serialize(const btk_ser *how, const bdl_env *src,
                                   const bdl_block *b, uint8_t **out,
                                   size_t *len, uint32_t *version, bx_diag *d);

/*
** Check that Block bytes decode as a third-party block would (own
** tables, version 5..6) without keeping anything.
*/
biscuit_status btk_block_check_tp(const uint8_t *buf, size_t len,
                                  uint32_t max_depth, bx_diag *d);

/*
** What the reference checks between a decoded block's version and its
** contents (datalog/mod.rs SchemaVersion::check_compatibility): scopes,
** bitwise ops, !== and check all need v3.1; reject if, null, closures,
** .type(), extern calls, ==, !=, &&, ||, .all and .any need v3.3. Arrays,
** maps and .get are not required to be v3.3 there, so they are not here
** either: a token the reference emits must decode.
** Error: Format/DeserializationError.
*/
biscuit_status btk_block_check_version(const bdl_block *b, uint32_t version,
                                       bx_diag *d);

#endif
