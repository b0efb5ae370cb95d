/*
** The token envelope (spec "Format", wire-format.md "Token envelope" and
** "Third-party blocks") as plain C values, and every operation on it:
**
**   codec.c       bytes <-> btk_envelope, third-party request/contents,
**                 Block and snapshot messages <-> Datalog IR
**   depth.c       nesting-depth and wire pre-check run before protobuf-c
**   payload.c     the exact signed payloads (v0, v1, external, seal)
**   verify.c      the signature chain, external signatures, the proof
**   sign.c        create, append, seal, third-party blocks
**   revocation.c  revocation ids
**   base64.c      URL-safe base64 text form
**
** Only codec.c includes the protobuf-c generated header. Block contents
** stay opaque bytes here; the Datalog decoder lives elsewhere and should
** call btk_pb_check() on each Block before unpacking it.
*/
#ifndef BISCUIT_TOKEN_CODEC_H
#define BISCUIT_TOKEN_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datalog/datalog.h"
#include "token/crypto.h"
#include "util/bx.h"

/* A borrowed or arena-owned byte range. */
typedef struct btk_span {
  const uint8_t *ptr;
  size_t len;
} btk_span;

/* ---------------------------------------------------------------- limits */

/*
** Refusals before any allocation proportional to the input
** (perf-and-threats "Limits"). Exceeding one is BISCUIT_E_LIMIT with tag
** Limit/TokenSize, Limit/BlockCount or Limit/NestingDepth.
*/
typedef struct btk_limits {
  size_t max_size;    /* serialized bytes, default 64 KiB */
  size_t max_blocks;  /* authority included, default 64 */
  uint32_t max_depth; /* nested protobuf messages, default 64 */
} btk_limits;

#define BTK_DEFAULT_MAX_SIZE ((size_t)64 * 1024)
#define BTK_DEFAULT_MAX_BLOCKS 64
#define BTK_DEFAULT_MAX_DEPTH 64
#define BTK_MAX_DEPTH_CAP 256 /* hard ceiling on any configured depth */

extern const btk_limits btk_default_limits;

/* Message types known to the depth pre-check (all of biscuit.proto). */
typedef enum btk_pb_type {
  BTK_PB_BISCUIT,
  BTK_PB_SIGNED_BLOCK,
  BTK_PB_EXTERNAL_SIGNATURE,
  BTK_PB_PUBLIC_KEY,
  BTK_PB_PROOF,
  BTK_PB_BLOCK,
  BTK_PB_SCOPE,
  BTK_PB_FACT,
  BTK_PB_RULE,
  BTK_PB_CHECK,
  BTK_PB_PREDICATE,
  BTK_PB_TERM,
  BTK_PB_TERM_SET,
  BTK_PB_ARRAY,
  BTK_PB_MAP,
  BTK_PB_MAP_ENTRY,
  BTK_PB_MAP_KEY,
  BTK_PB_EMPTY,
  BTK_PB_EXPRESSION,
  BTK_PB_OP,
  BTK_PB_OP_UNARY,
  BTK_PB_OP_BINARY,
  BTK_PB_OP_CLOSURE,
  BTK_PB_POLICY,
  BTK_PB_AUTHORIZER_POLICIES,
  BTK_PB_AUTHORIZER_SNAPSHOT,
  BTK_PB_RUN_LIMITS,
  BTK_PB_AUTHORIZER_WORLD,
  BTK_PB_ORIGIN,
  BTK_PB_GENERATED_FACTS,
  BTK_PB_SNAPSHOT_BLOCK,
  BTK_PB_TP_REQUEST,
  BTK_PB_TP_CONTENTS,
  BTK_PB_COUNT
} btk_pb_type;

/*
** Walk raw protobuf bytes of message type `root` without recursion and
** without allocating: validates tags, varints (at most 10 bytes), lengths
** and wire types (groups are refused), and refuses sub-messages nested
** deeper than max_depth (the root is depth 0). protobuf-c recurses
** without limit, so this must run before every unpack of untrusted bytes.
** Errors: Format/DeserializationError, Limit/NestingDepth.
*/
biscuit_status btk_pb_check(const uint8_t *buf, size_t len, btk_pb_type root,
                            uint32_t max_depth, bx_diag *d);

/*
** The depth table itself: the message type of `field` in `t`, or -1 for
** a scalar or unknown field. btk_pb_schema_check() (codec.c) compares it
** with the generated descriptors, so the table cannot drift from
** biscuit.proto unnoticed; it returns the number of mismatches.
*/
int btk_pb_child(btk_pb_type t, uint32_t field);
int btk_pb_schema_check(void);

/* -------------------------------------------------------------- envelope */

/* One SignedBlock; every span points into the owning envelope's arena. */
typedef struct btk_signed_block {
  btk_span block; /* serialized Block (opaque here) */
  btk_pubkey next_key;
  btk_span sig;
  bool has_external;
  btk_span ext_sig;
  btk_pubkey ext_key;
  uint32_t version; /* signature payload version, absent = 0 */
} btk_signed_block;

typedef struct btk_envelope {
  bool has_root_key_id;
  uint32_t root_key_id;
  btk_signed_block *blocks; /* blocks[0] is the authority block */
  size_t n_blocks;          /* >= 1 once decoded or created */
  size_t cap_blocks;
  bool sealed;
  btk_privkey secret; /* Proof.nextSecret, when !sealed */
  btk_span final_sig; /* Proof.finalSignature, when sealed */
  bx_arena arena;     /* owns every span above */
} btk_envelope;

/* Constructor / destructor. free wipes the secret; free(NULL) is a no-op. */
btk_envelope *btk_envelope_new(void);
void btk_envelope_free(btk_envelope *e);

static inline const btk_signed_block *btk_envelope_last(const btk_envelope *e) {
  return &e->blocks[e->n_blocks - 1];
}

/*
** Bytes -> envelope (limits NULL = btk_default_limits). Checks structure
** only (sizes, key encodings, the proof secret's key); signatures are
** verify.c's job. *out is NULL on failure. Errors (reference tags):
** Format/DeserializationError (bad protobuf, unknown key algorithm, an
** external signature on the authority block, "Unsupported third party
** block version", no proof), Format/InvalidKeySize, Format/InvalidKey,
** Limit/TokenSize, Limit/BlockCount, Limit/NestingDepth.
*/
biscuit_status btk_envelope_decode(const uint8_t *buf, size_t len,
                                   const btk_limits *limits, btk_envelope **out,
                                   bx_diag *d);

/*
** Envelope -> bytes, bx_malloc'd; the version field is omitted when 0.
** For an unsealed token the bytes hold the proof secret: btk_wipe them
** before freeing when that matters.
*/
biscuit_status btk_envelope_encode(const btk_envelope *e, uint8_t **out,
                                   size_t *out_len, bx_diag *d);

/*
** Verify against the root public key (spec "Verifying", "Verifying
** external signatures", "Verifying (sealed)"): block i is signed by the
** next key of block i-1 (block 0 by root), external signatures use the
** v1 external payload, and the proof must close the chain. Errors:
** Format/Signature/InvalidSignature, Format/BlockSignatureDeserialization-
** Error, Format/InvalidKey, Format/InvalidKeySize,
** Format/DeserializationError (unknown payload version, v0 third party).
*/
biscuit_status btk_envelope_verify(const btk_envelope *e,
                                   const btk_pubkey *root, bx_diag *d);

/* Lowercase hex of block i's signature, bx_malloc'd (spec "Revocation
** identifiers"). */
biscuit_status btk_revocation_id(const btk_envelope *e, size_t i, char **out,
                                 bx_diag *d);

/* --------------------------------------------------------------- signing */

/*
** New token: sign `block` (a serialized Block of datalog version
** `datalog_version`, 0 if unknown) with root. `next` is the key of the
** proof (NULL: a fresh Ed25519 key, as the reference does); root_key_id
** may be NULL. The signature payload version follows btk_sig_version().
*/
biscuit_status
btk_envelope_create(const uint8_t *block, size_t len, uint32_t datalog_version,
                    const btk_privkey *root, const uint32_t *root_key_id,
                    const btk_privkey *next, btk_envelope **out, bx_diag *d);

/*
** Attenuate in place with the proof secret (spec "Signature
** (appending)"). All or nothing: on error e is unchanged. A sealed token
** gives AppendOnSealed.
*/
biscuit_status btk_envelope_append(btk_envelope *e, const uint8_t *block,
                                   size_t len, uint32_t datalog_version,
                                   const btk_privkey *next, bx_diag *d);

/* Seal in place (spec "Signature (sealing)"); AlreadySealed if sealed. */
biscuit_status btk_envelope_seal(btk_envelope *e, bx_diag *d);

/* ---------------------------------------------------- third-party blocks */

/* ThirdPartyBlockContents as values; fields are bx_malloc'd. */
typedef struct btk_tp_contents {
  uint8_t *block; /* serialized Block */
  size_t block_len;
  uint8_t *ext_sig;
  size_t ext_sig_len;
  btk_pubkey ext_key;
} btk_tp_contents;

void btk_tp_contents_clear(btk_tp_contents *c);

/*
** Request wire form: only previousSignature. decode refuses the legacy
** fields (Format/DeserializationError); *prev_sig is bx_malloc'd.
*/
biscuit_status btk_tp_request_encode(btk_span prev_sig, uint8_t **out,
                                     size_t *out_len, bx_diag *d);
biscuit_status btk_tp_request_decode(const uint8_t *buf, size_t len,
                                     uint8_t **prev_sig, size_t *n, bx_diag *d);
biscuit_status btk_tp_contents_encode(const btk_tp_contents *c, uint8_t **out,
                                      size_t *out_len, bx_diag *d);
biscuit_status btk_tp_contents_decode(const uint8_t *buf, size_t len,
                                      btk_tp_contents *out, bx_diag *d);

/* The holder's side: a serialized request for e's last block. */
biscuit_status btk_tp_request_from_envelope(const btk_envelope *e,
                                            uint8_t **out, size_t *out_len,
                                            bx_diag *d);

/*
** The third party's side: sign `block` for the request's previous
** signature with the external payload v1 (spec "Appending a third-party
** block"). The caller serializes the block with datalog >= 5 (v3.2).
*/
biscuit_status btk_tp_contents_create(btk_span prev_sig, const uint8_t *block,
                                      size_t len, const btk_privkey *key,
                                      btk_tp_contents *out, bx_diag *d);

/*
** The holder again: check the external signature against e's last
** block (and the key against `expected` when not NULL), then append with
** payload v1. All or nothing, like btk_envelope_append.
*/
biscuit_status btk_envelope_append_third_party(btk_envelope *e,
                                               const btk_tp_contents *c,
                                               const btk_pubkey *expected,
                                               const btk_privkey *next,
                                               bx_diag *d);

/* --------------------------------------------------------------- payload */

#define BTK_SIG_VERSION_MAX 1

/*
** Which signature payload version a new block needs (reference
** block_signature_version): 1 for a third-party block, for datalog
** version >= 6, when the signing or next key is not Ed25519, or when any
** earlier block already used 1 (prev_max); otherwise 0.
*/
uint32_t btk_sig_version(int signer_alg, int next_alg, bool external,
                         uint32_t datalog_version, uint32_t prev_max);

/*
** Append to `out` the block payload (spec "Signed payload generation").
** prev_sig NULL means the authority block (no PREVSIG); ext_sig NULL
** means no external signature. v0: data [ext_sig] alg key; v1: the
** tagged form. Errors: Format/DeserializationError for another version.
*/
biscuit_status btk_payload_block(bx_buf *out, uint32_t version, btk_span data,
                                 const btk_pubkey *next,
                                 const btk_span *ext_sig,
                                 const btk_span *prev_sig, bx_diag *d);
/* External signature payload v1: EXTERNAL, VERSION, PAYLOAD, PREVSIG. */
biscuit_status btk_payload_external(bx_buf *out, uint32_t version,
                                    btk_span data, btk_span prev_sig,
                                    bx_diag *d);
/* Seal payload: data, alg, next key, signature of the last block. */
biscuit_status btk_payload_seal(bx_buf *out, const btk_signed_block *last,
                                bx_diag *d);

/* ------------------------------------------------------------ text form */

/* URL-safe base64 with '=' padding; bx_malloc'd, NULL when out of memory. */
char *btk_base64_encode(const uint8_t *p, size_t n);
/*
** Decode URL-safe base64: padding optional (exact when present),
** trailing whitespace ignored, '+' '/' and everything else refused
** (tags Base64/InvalidByte, Base64/InvalidPadding, Base64/InvalidLength,
** Base64/InvalidLastSymbol).
*/
biscuit_status btk_base64_decode(const char *s, size_t len, uint8_t **out,
                                 size_t *out_len, bx_diag *d);

/* ------------------------------------------------- Block <-> Datalog IR */

/*
** A Block message (wire-format.md "Block contents") unpacked by
** protobuf-c, opaque outside codec.c. Decoding is two-step because the
** symbol and key tables a block is read with depend on its own `symbols`
** and `publicKeys` (spec "Symbol table", "Public key tables"): first
** unpack and look at the head, then convert with the tables block.c
** builds.
*/
typedef struct btk_block_msg btk_block_msg;

/* What a block declares before its Datalog; all owned by the message. */
typedef struct btk_block_head {
  bool has_version;
  uint32_t version;
  const char *context; /* NULL when absent */
  size_t n_symbols;
  const char *const *symbols; /* valid UTF-8 without NUL */
  size_t n_keys;
  const btk_pubkey *keys;
} btk_block_head;

/*
** Size, depth pre-check (btk_pb_check with max_depth), unpack, then
** check the strings (UTF-8, no NUL) and the public keys. Errors:
** Format/BlockDeserializationError, Format/InvalidKeySize,
** Format/InvalidKey, Format/DeserializationError, Limit/NestingDepth.
*/
biscuit_status btk_block_unpack(const uint8_t *buf, size_t len,
                                uint32_t max_depth, btk_block_msg **out,
                                btk_block_head *head, bx_diag *d);
void btk_block_msg_free(btk_block_msg *m); /* NULL is a no-op */

/*
** Wire indexes to env ids for one block. Symbol indexes 0..27 are the
** default symbols (the same ids in every env); index 1024 + k is syms[k].
** Scope public-key index k is keys[k], an id in env->keys.
*/
typedef struct btk_wire_map {
  const uint32_t *syms;
  uint32_t n_syms;
  const uint32_t *keys;
  uint32_t n_keys;
} btk_wire_map;

#define BTK_SYM_OFFSET 1024u /* spec "Symbol table": first token symbol */

/*
** Convert the message's facts, rules, checks and block scopes into
** `out` (initialised by the caller, who frees it on error too) with
** objects in env's arena. `version` is the block's datalog version,
** already range-checked. Refuses what the reference refuses (empty
** oneofs, unknown enum values, ffi names on the wrong ops, mixed or
** nested sets, check kinds before v3.1) and also unknown symbol or key
** indexes (Format/UnknownSymbol, Format/DeserializationError) and
** variables in facts.
*/
biscuit_status btk_block_msg_to_ir(const btk_block_msg *m, uint32_t version,
                                   const btk_wire_map *map, bdl_env *env,
                                   bdl_block *out, bx_diag *d);

/* What goes around the Datalog when serializing a block. */
typedef struct btk_block_meta {
  uint32_t version;
  const char *context; /* NULL: absent */
  size_t n_symbols;    /* the strings this block adds, in table order */
  const char *const *symbols;
  size_t n_keys; /* the public keys this block adds */
  const btk_pubkey *keys;
} btk_block_meta;

/*
** Serialize a block whose IR lives in a "wire env": one made by
** bdl_env_new(NULL) into which exactly the block's symbol table was
** interned in order, so symbol id i >= 28 is wire index 1024 + i - 28 and
** key id k is key index k. Sets and maps are stored sorted by those ids,
** which is the reference's order on the wire. Fields are written in
** field-number order, `version` always, `kind` only for check all /
** reject if, as the reference does. Policies are refused (MISUSE).
*/
biscuit_status btk_block_encode(const bdl_env *wenv, const bdl_block *b,
                                const btk_block_meta *meta, uint8_t **out,
                                size_t *out_len, bx_diag *d);

/* ---------------------------------------------------- snapshot messages */

/*
** AuthorizerSnapshot and AuthorizerPolicies (wire-format.md "Authorizer
** policies and snapshots"; token/snapshot.c does the rest). Reading is
** two-step like a Block's: unpack and look at the head (the symbol and
** key tables), then convert with the map built from them. Writing
** assembles parts that btk_block_serialize (token_int.h) produced, each
** a Block serialized against the tables of the parts before it, so its
** `symbols` and `publicKeys` extend the snapshot's single table.
*/
/* protobuf-c needs up to ~40 bytes per input byte: 1 MiB costs 40 MiB */
#define BTK_SNAPSHOT_MAX_SIZE ((size_t)1 << 20) /* 1 MiB, both ways */
#define BTK_SNAPSHOT_MAX_DEPTH BTK_MAX_DEPTH_CAP

typedef enum btk_snap_kind {
  BTK_SNAP_POLICIES,  /* AuthorizerPolicies */
  BTK_SNAP_AUTHORIZER /* AuthorizerSnapshot */
} btk_snap_kind;

typedef struct btk_snap_msg btk_snap_msg;

/* What a snapshot declares around its Datalog; owned by the message. */
typedef struct btk_snap_head {
  btk_snap_kind kind;
  bool has_version; /* AuthorizerWorld.version, AuthorizerPolicies.version */
  uint32_t version;
  size_t n_symbols; /* the table after the default symbols */
  const char *const *symbols;
  size_t n_keys; /* AuthorizerSnapshot only from here on */
  const btk_pubkey *keys;
  size_t n_blocks, n_fact_groups;
  uint64_t max_facts, max_iterations, max_time_ns;
  uint64_t execution_ns, iterations;
} btk_snap_head;

/*
** Size (BTK_SNAPSHOT_MAX_SIZE), depth pre-check, unpack, then the
** strings (UTF-8, no NUL) and the public keys. Errors:
** Format/DeserializationError, Format/InvalidKey(Size),
** Limit/SnapshotSize, Limit/NestingDepth.
*/
biscuit_status btk_snap_unpack(const uint8_t *buf, size_t len,
                               btk_snap_kind kind, btk_snap_msg **out,
                               btk_snap_head *head, bx_diag *d);
void btk_snap_msg_free(btk_snap_msg *m); /* NULL is a no-op */

#define BTK_SNAP_AUTHORIZER_BLOCK SIZE_MAX

/* One SnapshotBlock's declarations; context owned by the message. */
typedef struct btk_snap_block_head {
  bool has_version;
  uint32_t version;
  const char *context; /* NULL when absent */
  bool has_external;
  btk_pubkey external;
} btk_snap_block_head;

/*
** Block i of an AuthorizerSnapshot, or BTK_SNAP_AUTHORIZER_BLOCK (for an
** AuthorizerPolicies: its facts, rules and checks, with no head).
*/
biscuit_status btk_snap_block_info(const btk_snap_msg *m, size_t i,
                                   btk_snap_block_head *out, bx_diag *d);
/*
** Its facts, rules, checks and scopes into `out`, as btk_block_msg_to_ir
** does for a Block (same refusals), read at `version`.
*/
biscuit_status btk_snap_block_to_ir(const btk_snap_msg *m, size_t i,
                                    uint32_t version, const btk_wire_map *map,
                                    bdl_env *env, bdl_block *out, bx_diag *d);
/* The policies (either message) appended to out->policies. */
biscuit_status btk_snap_policies_to_ir(const btk_snap_msg *m, uint32_t version,
                                       const btk_wire_map *map, bdl_env *env,
                                       bdl_block *out, bx_diag *d);

/* Receives each generated fact, in the env, with its origin. */
typedef biscuit_status (*btk_snap_fact_fn)(void *ud, const bdl_pred *fact,
                                           bdl_origin origin, bx_diag *d);
/*
** The generated facts of an AuthorizerSnapshot. An origin must be
** non-empty and name the authorizer or a block below head.n_blocks
** (at most BDL_MAX_BLOCKS); facts hold no variables.
*/
biscuit_status btk_snap_facts_to_ir(const btk_snap_msg *m,
                                    const btk_wire_map *map, bdl_env *env,
                                    btk_snap_fact_fn fn, void *ud, bx_diag *d);

/* The parts of an AuthorizerSnapshot, serialized in this order. */
typedef struct btk_snap_parts {
  uint64_t max_facts, max_iterations, max_time_ns;
  uint64_t execution_ns, iterations;
  uint32_t version;              /* AuthorizerWorld.version */
  const btk_block_msg *policies; /* its checks' queries are the policies */
  const uint32_t *policy_kinds;  /* BDL_ALLOW / BDL_DENY per check */
  const btk_block_msg *authorizer;
  size_t n_blocks;
  const btk_block_msg *const *blocks;
  const btk_pubkey *const *external; /* per block, NULL: first party */
  size_t n_groups;
  const btk_block_msg *const *groups; /* facts only */
  const bdl_origin *origins;
} btk_snap_parts;

/*
** Assemble and pack an AuthorizerSnapshot (bx_malloc'd). The result is
** checked against BTK_SNAPSHOT_MAX_SIZE and BTK_SNAPSHOT_MAX_DEPTH, so
** what is written can be read back (Limit/SnapshotSize,
** Limit/NestingDepth).
*/
biscuit_status btk_snap_encode(const btk_snap_parts *p, uint8_t **out,
                               size_t *out_len, bx_diag *d);

/*
** An AuthorizerPolicies from one part whose first n_checks checks are
** the checks and the others the policies (kinds[k] for check n_checks +
** k). The part must hold no public keys and no block scopes (MISUSE):
** the message has no field for them.
*/
biscuit_status btk_snap_encode_policies(const btk_block_msg *m, size_t n_checks,
                                        const uint32_t *kinds, uint32_t version,
                                        uint8_t **out, size_t *out_len,
                                        bx_diag *d);

#endif
