/*
** Protobuf <-> C values for the token envelope and the third-party
** messages (spec "Format", wire-format.md). This is the only file that
** includes the protobuf-c generated header: everything else sees plain
** structs from codec.h.
**
** Every untrusted buffer goes through a size check and btk_pb_check()
** (depth.c) before protobuf-c unpacks it, and protobuf-c allocates
** through bx_malloc so the allocation hook sees everything.
**
** The Block message <-> Datalog IR conversion has its own section below
** the envelope and third-party code, and the snapshot messages
** (AuthorizerSnapshot, AuthorizerPolicies), which reuse its converters,
** come last.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalog/regex.h"
#include "token/biscuit.pb-c.h"
#include "token/codec.h"

typedef Biscuit__Format__Schema__Biscuit PbBiscuit;
typedef Biscuit__Format__Schema__SignedBlock PbSignedBlock;
typedef Biscuit__Format__Schema__ExternalSignature PbExternalSignature;
typedef Biscuit__Format__Schema__PublicKey PbPublicKey;
typedef Biscuit__Format__Schema__Proof PbProof;
typedef Biscuit__Format__Schema__ThirdPartyBlockRequest PbRequest;
typedef Biscuit__Format__Schema__ThirdPartyBlockContents PbContents;

/*
** protobuf-c allocates through bx_malloc. The allocator is made per call
** (no shared state) and remembers a refusal, so an allocation failure
** inside unpack is reported as NOMEM rather than as bad input.
*/
struct pb_alloc_state {
  bool failed;
};

static void *pb_alloc(void *ud, size_t n) {
  void *p = bx_malloc(n);
  if (!p)
    ((struct pb_alloc_state *)ud)->failed = true;
  return p;
}

static void pb_free(void *ud, void *p) {
  (void)ud;
  bx_free(p);
}

static ProtobufCAllocator pb_allocator_for(struct pb_alloc_state *st) {
  ProtobufCAllocator a = {pb_alloc, pb_free, st};
  st->failed = false;
  return a;
}

/* Non-NULL pointer for empty spans (memcpy/memcmp need one). */
static const uint8_t empty_bytes[1];

static biscuit_status nomem(bx_diag *d) {
  return bx_fail(d, BISCUIT_E_NOMEM, "InternalError", "out of memory");
}

static biscuit_status deser_fail(bx_diag *d, const char *what) {
  return bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                 "deserialization error: %s", what);
}

static ProtobufCBinaryData pb_bytes(btk_span s) {
  ProtobufCBinaryData b;
  b.len = s.len;
  b.data = (uint8_t *)s.ptr; /* protobuf-c only reads it when packing */
  return b;
}

static void pb_key(PbPublicKey *pk, const btk_pubkey *k) {
  biscuit__format__schema__public_key__init(pk);
  pk->algorithm = (Biscuit__Format__Schema__PublicKey__Algorithm)k->alg;
  pk->key.len = k->len;
  pk->key.data = (uint8_t *)k->bytes;
}

/* A bx_malloc'd copy of n bytes (at least one byte allocated). */
static uint8_t *dup_bytes(const uint8_t *p, size_t n) {
  uint8_t *c = bx_malloc(n ? n : 1);
  if (c && n)
    memcpy(c, p, n);
  return c;
}

/* Pack any message into a bx_malloc'd buffer. */
static biscuit_status pack(const ProtobufCMessage *m, uint8_t **out,
                           size_t *out_len, bx_diag *d) {
  size_t n = protobuf_c_message_get_packed_size(m);
  uint8_t *buf = bx_malloc(n ? n : 1);
  *out = NULL;
  *out_len = 0;
  if (!buf)
    return nomem(d);
  if (protobuf_c_message_pack(m, buf) != n) {
    bx_free(buf);
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/SerializationError",
                   "serialization error");
  }
  *out = buf;
  *out_len = n;
  return BISCUIT_OK;
}

/*
** Size and depth checks, then unpack. Used for every message type that
** arrives from outside; free the result with pb_release().
*/
static ProtobufCMessage *checked_unpack(const ProtobufCMessageDescriptor *desc,
                                        btk_pb_type type, const uint8_t *buf,
                                        size_t len, const btk_limits *lim,
                                        biscuit_status *st, bx_diag *d) {
  struct pb_alloc_state as;
  ProtobufCAllocator a = pb_allocator_for(&as);
  ProtobufCMessage *m;
  if (len > lim->max_size) {
    *st = bx_fail(d, BISCUIT_E_LIMIT, "Limit/TokenSize",
                  "input is %zu bytes, the limit is %zu", len, lim->max_size);
    return NULL;
  }
  *st = btk_pb_check(buf, len, type, lim->max_depth, d);
  if (*st != BISCUIT_OK)
    return NULL;
  m = protobuf_c_message_unpack(desc, &a, len, buf);
  if (!m)
    *st = as.failed ? nomem(d)
                    : deser_fail(d, "invalid or incomplete protobuf message");
  return m;
}

static void pb_release(ProtobufCMessage *m) {
  struct pb_alloc_state as;
  ProtobufCAllocator a = pb_allocator_for(&as);
  protobuf_c_message_free_unpacked(m, &a);
}

/* protobuf-c's copy of Proof.nextSecret is wiped before it is freed. */
static void pb_release_biscuit(PbBiscuit *pb) {
  if (pb->proof && pb->proof->content_case ==
                       BISCUIT__FORMAT__SCHEMA__PROOF__CONTENT_NEXT_SECRET)
    btk_wipe(pb->proof->next_secret.data, pb->proof->next_secret.len);
  pb_release(&pb->base);
}

/*
** depth.c keeps its own copy of which fields are sub-messages, so it can
** run before protobuf-c; this compares that table with the generated
** descriptors, field by field.
*/
#define PB_DESC(name) &biscuit__format__schema__##name##__descriptor
static const ProtobufCMessageDescriptor *const pb_types[BTK_PB_COUNT] = {
    [BTK_PB_BISCUIT] = PB_DESC(biscuit),
    [BTK_PB_SIGNED_BLOCK] = PB_DESC(signed_block),
    [BTK_PB_EXTERNAL_SIGNATURE] = PB_DESC(external_signature),
    [BTK_PB_PUBLIC_KEY] = PB_DESC(public_key),
    [BTK_PB_PROOF] = PB_DESC(proof),
    [BTK_PB_BLOCK] = PB_DESC(block),
    [BTK_PB_SCOPE] = PB_DESC(scope),
    [BTK_PB_FACT] = PB_DESC(fact),
    [BTK_PB_RULE] = PB_DESC(rule),
    [BTK_PB_CHECK] = PB_DESC(check),
    [BTK_PB_PREDICATE] = PB_DESC(predicate),
    [BTK_PB_TERM] = PB_DESC(term),
    [BTK_PB_TERM_SET] = PB_DESC(term_set),
    [BTK_PB_ARRAY] = PB_DESC(array),
    [BTK_PB_MAP] = PB_DESC(map),
    [BTK_PB_MAP_ENTRY] = PB_DESC(map_entry),
    [BTK_PB_MAP_KEY] = PB_DESC(map_key),
    [BTK_PB_EMPTY] = PB_DESC(empty),
    [BTK_PB_EXPRESSION] = PB_DESC(expression),
    [BTK_PB_OP] = PB_DESC(op),
    [BTK_PB_OP_UNARY] = PB_DESC(op_unary),
    [BTK_PB_OP_BINARY] = PB_DESC(op_binary),
    [BTK_PB_OP_CLOSURE] = PB_DESC(op_closure),
    [BTK_PB_POLICY] = PB_DESC(policy),
    [BTK_PB_AUTHORIZER_POLICIES] = PB_DESC(authorizer_policies),
    [BTK_PB_AUTHORIZER_SNAPSHOT] = PB_DESC(authorizer_snapshot),
    [BTK_PB_RUN_LIMITS] = PB_DESC(run_limits),
    [BTK_PB_AUTHORIZER_WORLD] = PB_DESC(authorizer_world),
    [BTK_PB_ORIGIN] = PB_DESC(origin),
    [BTK_PB_GENERATED_FACTS] = PB_DESC(generated_facts),
    [BTK_PB_SNAPSHOT_BLOCK] = PB_DESC(snapshot_block),
    [BTK_PB_TP_REQUEST] = PB_DESC(third_party_block_request),
    [BTK_PB_TP_CONTENTS] = PB_DESC(third_party_block_contents),
};

static int pb_type_of(const ProtobufCMessageDescriptor *desc) {
  for (int t = 0; t < BTK_PB_COUNT; t++)
    if (pb_types[t] == desc)
      return t;
  return -1;
}

int btk_pb_schema_check(void) {
  int bad = 0;
  for (int t = 0; t < BTK_PB_COUNT; t++) {
    const ProtobufCMessageDescriptor *desc = pb_types[t];
    unsigned seen = 0;
    for (unsigned i = 0; desc && i < desc->n_fields; i++) {
      const ProtobufCFieldDescriptor *f = &desc->fields[i];
      int want =
          f->type == PROTOBUF_C_TYPE_MESSAGE ? pb_type_of(f->descriptor) : -1;
      bad += btk_pb_child((btk_pb_type)t, f->id) != want;
      seen += want >= 0;
    }
    for (uint32_t id = 0; id <= 16; id++) /* no extra entries */
      seen -= btk_pb_child((btk_pb_type)t, id) >= 0;
    bad += desc == NULL || seen != 0;
  }
  return bad;
}

/* ============================================================ envelope */

btk_envelope *btk_envelope_new(void) {
  btk_envelope *e = bx_calloc(1, sizeof *e);
  if (e)
    bx_arena_init(&e->arena, 0);
  return e;
}

void btk_envelope_free(btk_envelope *e) {
  if (!e)
    return;
  btk_privkey_wipe(&e->secret);
  bx_arena_free(&e->arena);
  bx_free(e->blocks);
  bx_free(e);
}

/* Copy wire bytes into the envelope's arena. */
static bool arena_span(btk_envelope *e, const uint8_t *p, size_t n,
                       btk_span *out) {
  uint8_t *c;
  out->ptr = empty_bytes;
  out->len = 0;
  if (n == 0)
    return true;
  c = bx_arena_alloc(&e->arena, n);
  if (!c)
    return false;
  memcpy(c, p, n);
  out->ptr = c;
  out->len = n;
  return true;
}

static biscuit_status key_from_pb(const PbPublicKey *pk, btk_pubkey *out,
                                  bx_diag *d) {
  return btk_pubkey_from_bytes((int)pk->algorithm, pk->key.data, pk->key.len,
                               out, d);
}

/*
** One SignedBlock. An external signature requires payload version 1
** (reference ThirdPartyVerificationMode::PreviousSignatureHashing): v0
** third-party signatures were not bound to the token and could be
** replayed (perf-and-threats B1 "Third-party block replay").
*/
static biscuit_status block_from_pb(btk_envelope *e, const PbSignedBlock *sb,
                                    btk_signed_block *out, bx_diag *d) {
  biscuit_status st;
  memset(out, 0, sizeof *out);
  st = key_from_pb(sb->next_key, &out->next_key, d);
  if (st != BISCUIT_OK)
    return st;
  out->version = sb->has_version ? sb->version : 0;
  if (sb->external_signature) {
    if (out->version != 1)
      return bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                     "Unsupported third party block version");
    st = key_from_pb(sb->external_signature->public_key, &out->ext_key, d);
    if (st != BISCUIT_OK)
      return st;
    out->has_external = true;
    if (!arena_span(e, sb->external_signature->signature.data,
                    sb->external_signature->signature.len, &out->ext_sig))
      return nomem(d);
  }
  if (!arena_span(e, sb->block.data, sb->block.len, &out->block) ||
      !arena_span(e, sb->signature.data, sb->signature.len, &out->sig))
    return nomem(d);
  return BISCUIT_OK;
}

/* The secret uses the algorithm of the last next key (spec "Algorithms"). */
static biscuit_status proof_from_pb(btk_envelope *e, const PbProof *p,
                                    bx_diag *d) {
  const btk_signed_block *last = btk_envelope_last(e);
  switch (p->content_case) {
  case BISCUIT__FORMAT__SCHEMA__PROOF__CONTENT_NEXT_SECRET:
    e->sealed = false;
    return btk_privkey_from_bytes(last->next_key.alg, p->next_secret.data,
                                  p->next_secret.len, &e->secret, d);
  case BISCUIT__FORMAT__SCHEMA__PROOF__CONTENT_FINAL_SIGNATURE:
    e->sealed = true;
    if (!arena_span(e, p->final_signature.data, p->final_signature.len,
                    &e->final_sig))
      return nomem(d);
    return BISCUIT_OK;
  default:
    return deser_fail(d, "could not find proof");
  }
}

static biscuit_status envelope_from_pb(btk_envelope *e, const PbBiscuit *pb,
                                       bx_diag *d) {
  biscuit_status st;
  size_t n = pb->n_blocks + 1;
  e->has_root_key_id = pb->has_root_key_id;
  e->root_key_id = pb->root_key_id;
  if (pb->authority->external_signature)
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                   "the authority block must not contain an external "
                   "signature");
  if (!bx_grow((void **)&e->blocks, &e->cap_blocks, n, sizeof *e->blocks))
    return nomem(d);
  for (size_t i = 0; i < n; i++) {
    const PbSignedBlock *sb = i ? pb->blocks[i - 1] : pb->authority;
    st = block_from_pb(e, sb, &e->blocks[i], d);
    if (st != BISCUIT_OK)
      return st;
    e->n_blocks = i + 1;
  }
  return proof_from_pb(e, pb->proof, d);
}

biscuit_status btk_envelope_decode(const uint8_t *buf, size_t len,
                                   const btk_limits *limits, btk_envelope **out,
                                   bx_diag *d) {
  const btk_limits *lim = limits ? limits : &btk_default_limits;
  biscuit_status st;
  btk_envelope *e = NULL;
  PbBiscuit *pb =
      (PbBiscuit *)checked_unpack(&biscuit__format__schema__biscuit__descriptor,
                                  BTK_PB_BISCUIT, buf, len, lim, &st, d);
  *out = NULL;
  if (!pb)
    return st;
  if (pb->n_blocks >= lim->max_blocks) {
    st = bx_fail(d, BISCUIT_E_LIMIT, "Limit/BlockCount",
                 "token has %zu blocks, the limit is %zu", pb->n_blocks + 1,
                 lim->max_blocks);
    goto fail;
  }
  e = btk_envelope_new();
  st = e ? envelope_from_pb(e, pb, d) : nomem(d);
  if (st != BISCUIT_OK)
    goto fail;
  pb_release_biscuit(pb);
  *out = e;
  return BISCUIT_OK;
fail:
  btk_envelope_free(e);
  pb_release_biscuit(pb);
  return st;
}

/* The protobuf-c mirror of one block, in caller-provided storage. */
static void block_to_pb(const btk_signed_block *b, PbSignedBlock *sb,
                        PbPublicKey *key, PbExternalSignature *ext,
                        PbPublicKey *ext_key) {
  biscuit__format__schema__signed_block__init(sb);
  sb->block = pb_bytes(b->block);
  pb_key(key, &b->next_key);
  sb->next_key = key;
  sb->signature = pb_bytes(b->sig);
  sb->has_version = b->version != 0; /* absent = 0 (reference) */
  sb->version = b->version;
  if (b->has_external) {
    biscuit__format__schema__external_signature__init(ext);
    ext->signature = pb_bytes(b->ext_sig);
    pb_key(ext_key, &b->ext_key);
    ext->public_key = ext_key;
    sb->external_signature = ext;
  }
}

/* Proof: the final signature when sealed, else the next secret. */
static void proof_to_pb(const btk_envelope *e, PbProof *proof) {
  biscuit__format__schema__proof__init(proof);
  if (e->sealed) {
    proof->content_case =
        BISCUIT__FORMAT__SCHEMA__PROOF__CONTENT_FINAL_SIGNATURE;
    proof->final_signature = pb_bytes(e->final_sig);
  } else {
    proof->content_case = BISCUIT__FORMAT__SCHEMA__PROOF__CONTENT_NEXT_SECRET;
    proof->next_secret.len = BTK_SECRET_LEN;
    proof->next_secret.data = (uint8_t *)e->secret.secret;
  }
}

/* Scratch for encoding n blocks: one allocation, freed by the caller. */
struct pb_scratch {
  PbSignedBlock sb;
  PbPublicKey key, ext_key;
  PbExternalSignature ext;
};

biscuit_status btk_envelope_encode(const btk_envelope *e, uint8_t **out,
                                   size_t *out_len, bx_diag *d) {
  PbBiscuit pb;
  PbProof proof;
  PbSignedBlock **ptrs;
  struct pb_scratch *s;
  biscuit_status st;
  biscuit__format__schema__biscuit__init(&pb);
  *out = NULL;
  *out_len = 0;
  if (!e || e->n_blocks == 0)
    return bx_fail(d, BISCUIT_E_MISUSE, "InternalError", "empty envelope");
  s = bx_calloc(e->n_blocks, sizeof *s);
  ptrs = bx_calloc(e->n_blocks, sizeof *ptrs);
  if (!s || !ptrs) {
    st = nomem(d);
    goto done;
  }
  for (size_t i = 0; i < e->n_blocks; i++) {
    block_to_pb(&e->blocks[i], &s[i].sb, &s[i].key, &s[i].ext, &s[i].ext_key);
    ptrs[i] = &s[i].sb;
  }
  pb.has_root_key_id = e->has_root_key_id;
  pb.root_key_id = e->root_key_id;
  pb.authority = ptrs[0];
  pb.n_blocks = e->n_blocks - 1;
  pb.blocks = ptrs + 1;
  proof_to_pb(e, &proof);
  pb.proof = &proof;
  st = pack(&pb.base, out, out_len, d);
done:
  bx_free(ptrs);
  bx_free(s);
  return st;
}

/* ================================================== third-party blocks */

void btk_tp_contents_clear(btk_tp_contents *c) {
  if (!c)
    return;
  bx_free(c->block);
  bx_free(c->ext_sig);
  memset(c, 0, sizeof *c);
}

biscuit_status btk_tp_request_encode(btk_span prev_sig, uint8_t **out,
                                     size_t *out_len, bx_diag *d) {
  PbRequest req;
  biscuit__format__schema__third_party_block_request__init(&req);
  req.previous_signature = pb_bytes(prev_sig);
  return pack(&req.base, out, out_len, d);
}

/* Legacy fields mark a request from an outdated implementation. */
biscuit_status btk_tp_request_decode(const uint8_t *buf, size_t len,
                                     uint8_t **prev_sig, size_t *n,
                                     bx_diag *d) {
  biscuit_status st = BISCUIT_OK;
  PbRequest *req = (PbRequest *)checked_unpack(
      &biscuit__format__schema__third_party_block_request__descriptor,
      BTK_PB_TP_REQUEST, buf, len, &btk_default_limits, &st, d);
  *prev_sig = NULL;
  *n = 0;
  if (!req)
    return st;
  if (req->n_legacy_public_keys)
    st = bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                 "public keys were provided in third-party block request");
  else if (req->legacy_previous_key)
    st = bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                 "previous public key was provided in third-party block "
                 "request");
  else if (!(*prev_sig = dup_bytes(req->previous_signature.data,
                                   req->previous_signature.len)))
    st = nomem(d);
  else
    *n = req->previous_signature.len;
  pb_release(&req->base);
  return st;
}

biscuit_status btk_tp_contents_encode(const btk_tp_contents *c, uint8_t **out,
                                      size_t *out_len, bx_diag *d) {
  PbContents pc;
  PbExternalSignature ext;
  PbPublicKey key;
  biscuit__format__schema__third_party_block_contents__init(&pc);
  biscuit__format__schema__external_signature__init(&ext);
  pc.payload.len = c->block_len;
  pc.payload.data = c->block;
  ext.signature.len = c->ext_sig_len;
  ext.signature.data = c->ext_sig;
  pb_key(&key, &c->ext_key);
  ext.public_key = &key;
  pc.external_signature = &ext;
  return pack(&pc.base, out, out_len, d);
}

biscuit_status btk_tp_contents_decode(const uint8_t *buf, size_t len,
                                      btk_tp_contents *out, bx_diag *d) {
  biscuit_status st = BISCUIT_OK;
  PbContents *pc = (PbContents *)checked_unpack(
      &biscuit__format__schema__third_party_block_contents__descriptor,
      BTK_PB_TP_CONTENTS, buf, len, &btk_default_limits, &st, d);
  memset(out, 0, sizeof *out);
  if (!pc)
    return st;
  st = key_from_pb(pc->external_signature->public_key, &out->ext_key, d);
  if (st == BISCUIT_OK) {
    out->block = dup_bytes(pc->payload.data, pc->payload.len);
    out->ext_sig = dup_bytes(pc->external_signature->signature.data,
                             pc->external_signature->signature.len);
    out->block_len = pc->payload.len;
    out->ext_sig_len = pc->external_signature->signature.len;
    if (!out->block || !out->ext_sig)
      st = nomem(d);
  }
  pb_release(&pc->base);
  if (st != BISCUIT_OK)
    btk_tp_contents_clear(out);
  return st;
}

/* ================================================ Block <-> Datalog IR */
/*
** The Block message (wire-format.md "Block contents", "Terms",
** "Expressions") to and from the Datalog IR. Which table a symbol or key
** index refers to is block.c's business (spec "Symbol table", "Public key
** tables"): decoding resolves indexes through a btk_wire_map, encoding
** reads the ids of a wire env (see codec.h). Conversions recurse once per
** nested message, which btk_pb_check has bounded before unpacking.
*/
typedef Biscuit__Format__Schema__Block PbBlock;
typedef Biscuit__Format__Schema__Scope PbScope;
typedef Biscuit__Format__Schema__Fact PbFact;
typedef Biscuit__Format__Schema__Rule PbRule;
typedef Biscuit__Format__Schema__Check PbCheck;
typedef Biscuit__Format__Schema__Predicate PbPredicate;
typedef Biscuit__Format__Schema__Term PbTerm;
typedef Biscuit__Format__Schema__TermSet PbTermSet;
typedef Biscuit__Format__Schema__Array PbArray;
typedef Biscuit__Format__Schema__Map PbMap;
typedef Biscuit__Format__Schema__MapEntry PbMapEntry;
typedef Biscuit__Format__Schema__MapKey PbMapKey;
typedef Biscuit__Format__Schema__Empty PbEmpty;
typedef Biscuit__Format__Schema__Expression PbExpression;
typedef Biscuit__Format__Schema__Op PbOp;
typedef Biscuit__Format__Schema__OpUnary PbOpUnary;
typedef Biscuit__Format__Schema__OpBinary PbOpBinary;
typedef Biscuit__Format__Schema__OpClosure PbOpClosure;

#define TERM_(x) BISCUIT__FORMAT__SCHEMA__TERM__CONTENT_##x
#define OP_(x) BISCUIT__FORMAT__SCHEMA__OP__CONTENT_##x
#define SCOPE_(x) BISCUIT__FORMAT__SCHEMA__SCOPE__CONTENT_##x
#define MAPKEY_(x) BISCUIT__FORMAT__SCHEMA__MAP_KEY__CONTENT_##x

struct btk_block_msg {
  PbBlock *pb;
  btk_pubkey *keys;
};

/* -------------------------------------------------------------- unpack */

static bool raw_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return true;
  }
  return false;
}

/* One string field's bytes: UTF-8 as Rust's str, and no NUL. */
static bool raw_text_ok(const uint8_t *p, size_t n) {
  return !memchr(p, 0, n) && bdl_regex_utf8_ok((const char *)p, n);
}

/*
** Which length-delimited fields of a message hold text (bit f: field f)
** and which hold sub-messages whose own text fields must be checked too.
** Field numbers stay below 8, which covers every message with strings.
*/
typedef struct raw_spec {
  uint32_t strings;
  const struct raw_spec *sub[8];
} raw_spec;

static const raw_spec block_strings = {(1u << 1) | (1u << 2), {NULL}};

/*
** protobuf-c hands strings over as C strings and checks no encoding,
** while the reference (prost) refuses a message whose strings are not
** UTF-8. Walk the fields again and check the text fields `spec` names
** (a Block's symbols and context, a snapshot's symbols and contexts); a
** NUL is refused too, since a C string would silently cut the symbol
** there (a deliberate difference from the reference). Recursion follows
** the spec, at most three levels.
*/
static bool raw_strings_ok(const uint8_t *buf, size_t len,
                           const raw_spec *spec) {
  const uint8_t *p = buf, *end = buf + len;
  while (p < end) {
    uint64_t key, n, f;
    if (!raw_varint(&p, end, &key))
      return false;
    f = key >> 3;
    switch (key & 7) {
    case 0:
      if (!raw_varint(&p, end, &n))
        return false;
      break;
    case 1:
    case 5:
      n = (key & 7) == 1 ? 8 : 4;
      if (n > (uint64_t)(end - p))
        return false;
      p += n;
      break;
    case 2:
      if (!raw_varint(&p, end, &n) || n > (uint64_t)(end - p))
        return false;
      if (f < 32 && (spec->strings >> f & 1) && !raw_text_ok(p, (size_t)n))
        return false;
      if (f < 8 && spec->sub[f] && !raw_strings_ok(p, (size_t)n, spec->sub[f]))
        return false;
      p += n;
      break;
    default:
      return false;
    }
  }
  return true;
}

static biscuit_status block_deser_fail(bx_diag *d, const char *what) {
  return bx_fail(d, BISCUIT_E_FORMAT, "Format/BlockDeserializationError",
                 "error deserializing block: %s", what);
}

static biscuit_status unpack_keys(btk_block_msg *m, bx_diag *d) {
  size_t n = m->pb->n_public_keys;
  m->keys = bx_calloc(n ? n : 1, sizeof *m->keys);
  if (!m->keys)
    return nomem(d);
  for (size_t i = 0; i < n; i++) {
    biscuit_status st = key_from_pb(m->pb->public_keys[i], &m->keys[i], d);
    if (st != BISCUIT_OK)
      return st;
  }
  return BISCUIT_OK;
}

/*
** Untrusted Block bytes to a message. Framing errors are reported as the
** reference reports a block it cannot decode: BlockDeserializationError.
*/
biscuit_status btk_block_unpack(const uint8_t *buf, size_t len,
                                uint32_t max_depth, btk_block_msg **out,
                                btk_block_head *head, bx_diag *d) {
  btk_limits lim = {SIZE_MAX, SIZE_MAX, max_depth};
  biscuit_status st = BISCUIT_OK;
  btk_block_msg *m;
  *out = NULL;
  memset(head, 0, sizeof *head);
  if (!buf && len)
    return bx_fail(d, BISCUIT_E_MISUSE, "InternalError", "no block bytes");
  m = bx_calloc(1, sizeof *m);
  if (!m)
    return nomem(d);
  m->pb = (PbBlock *)checked_unpack(&biscuit__format__schema__block__descriptor,
                                    BTK_PB_BLOCK, buf ? buf : empty_bytes, len,
                                    &lim, &st, d);
  if (!m->pb) {
    char why[sizeof d->msg];
    snprintf(why, sizeof why, "%s", d ? d->msg : "invalid protobuf");
    if (st == BISCUIT_E_FORMAT)
      block_deser_fail(d, why);
  } else if (!raw_strings_ok(buf, len, &block_strings)) {
    st = block_deser_fail(d, "a string is not valid UTF-8 or holds NUL");
  } else {
    st = unpack_keys(m, d);
  }
  if (st != BISCUIT_OK) {
    btk_block_msg_free(m);
    return st;
  }
  head->has_version = m->pb->has_version;
  head->version = m->pb->version;
  head->context = m->pb->context;
  head->n_symbols = m->pb->n_symbols;
  head->symbols = (const char *const *)m->pb->symbols;
  head->n_keys = m->pb->n_public_keys;
  head->keys = m->keys;
  *out = m;
  return BISCUIT_OK;
}

void btk_block_msg_free(btk_block_msg *m) {
  if (!m)
    return;
  if (m->pb)
    pb_release(&m->pb->base);
  bx_free(m->keys);
  bx_free(m);
}

/* -------------------------------------------------------------- decode */

typedef struct dec {
  bdl_env *env;
  const btk_wire_map *map;
  uint32_t version;
  bx_diag *d;
} dec;

static biscuit_status obj_fail(dec *c, biscuit_status st) {
  if (st == BISCUIT_E_LIMIT)
    return bx_fail(c->d, st, "Limit/Memory", "block objects over the limit");
  return nomem(c->d);
}

/* Counts from protobuf-c are size_t; the IR counts in uint32_t. */
static bool count32(size_t n, uint32_t *out) {
  *out = (uint32_t)n;
  return n <= UINT32_MAX;
}

static void *dec_array(dec *c, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size)
    return NULL;
  return bx_arena_alloc(&c->env->arena, n * size);
}

/* Spec "Symbol table": 0..27 default, 1024.. the block's table. */
static biscuit_status dec_sym(dec *c, uint64_t idx, uint32_t *out) {
  if (idx < BDL_N_DEFAULT_SYMBOLS) {
    *out = (uint32_t)idx;
    return BISCUIT_OK;
  }
  if (idx >= BTK_SYM_OFFSET && idx - BTK_SYM_OFFSET < c->map->n_syms) {
    *out = c->map->syms[idx - BTK_SYM_OFFSET];
    return BISCUIT_OK;
  }
  return bx_fail(c->d, BISCUIT_E_FORMAT, "Format/UnknownSymbol",
                 "the symbol id %" PRIu64 " was not in the table", idx);
}

static biscuit_status dec_term(dec *c, const PbTerm *t, bdl_term *out);

/* Items of a set or array into a temporary vector (freed by the caller). */
static biscuit_status dec_items(dec *c, PbTerm *const *items, size_t n,
                                bdl_term **out) {
  *out = bx_calloc(n ? n : 1, sizeof **out);
  if (!*out)
    return nomem(c->d);
  for (size_t i = 0; i < n; i++) {
    biscuit_status st = dec_term(c, items[i], &(*out)[i]);
    if (st != BISCUIT_OK)
      return st;
  }
  return BISCUIT_OK;
}

/*
** Sets as the reference reads them: no variables, no nested sets, every
** element of the same kind (reference proto_id_to_token_term).
*/
static biscuit_status dec_set(dec *c, const PbTermSet *s, bdl_term *out) {
  bdl_term *items = NULL;
  biscuit_status st = BISCUIT_OK;
  for (size_t i = 0; i < s->n_set && st == BISCUIT_OK; i++) {
    int k = (int)s->set[i]->content_case;
    if (k == TERM_(VARIABLE))
      st = deser_fail(c->d, "sets cannot contain variables");
    else if (k == TERM_(SET))
      st = deser_fail(c->d, "sets cannot contain other sets");
    else if (k == BISCUIT__FORMAT__SCHEMA__TERM__CONTENT__NOT_SET)
      st = deser_fail(c->d, "ID content enum is empty");
    else if (k != (int)s->set[0]->content_case)
      st = deser_fail(c->d, "sets elements must have the same type");
  }
  if (st == BISCUIT_OK)
    st = dec_items(c, s->set, s->n_set, &items);
  if (st == BISCUIT_OK && (st = bdl_make_set(c->env, items, s->n_set, out)))
    st = obj_fail(c, st);
  bx_free(items);
  return st;
}

static biscuit_status dec_array_term(dec *c, const PbArray *a, bdl_term *out) {
  bdl_term *items = NULL;
  biscuit_status st = dec_items(c, a->array, a->n_array, &items);
  if (st == BISCUIT_OK && (st = bdl_make_array(c->env, items, a->n_array, out)))
    st = obj_fail(c, st);
  bx_free(items);
  return st;
}

typedef struct kv_item {
  bdl_term k, v;
  size_t i;
} kv_item;

/* By key, then by position, so a later duplicate key wins, as when the
   reference inserts into its BTreeMap. */
static int kv_cmp(const void *pa, const void *pb) {
  const kv_item *a = pa, *b = pb;
  int r = bdl_term_cmp(&a->k, &b->k);
  return r ? r : (a->i > b->i) - (a->i < b->i);
}

static biscuit_status dec_map_key(dec *c, const PbMapKey *k, bdl_term *out) {
  uint32_t id = BDL_NOSYM;
  biscuit_status st;
  switch ((int)k->content_case) {
  case MAPKEY_(INTEGER):
    *out = bdl_int(k->integer);
    return BISCUIT_OK;
  case MAPKEY_(STRING):
    st = dec_sym(c, k->string, &id);
    *out = bdl_str(id);
    return st;
  default:
    return deser_fail(c->d, "ID content enum is empty");
  }
}

/* Entries are sorted here (O(n log n)) so bdl_make_map finds them in order. */
static biscuit_status dec_map(dec *c, const PbMap *m, bdl_term *out) {
  size_t n = m->n_entries;
  kv_item *e = bx_calloc(n ? n : 1, sizeof *e);
  bdl_term *kv = bx_calloc(n ? 2 * n : 1, sizeof *kv);
  biscuit_status st = e && kv ? BISCUIT_OK : nomem(c->d);
  for (size_t i = 0; i < n && st == BISCUIT_OK; i++) {
    e[i].i = i;
    st = dec_map_key(c, m->entries[i]->key, &e[i].k);
    if (st == BISCUIT_OK)
      st = dec_term(c, m->entries[i]->value, &e[i].v);
  }
  if (st == BISCUIT_OK) {
    qsort(e, n, sizeof *e, kv_cmp);
    for (size_t i = 0; i < n; i++) {
      kv[2 * i] = e[i].k;
      kv[2 * i + 1] = e[i].v;
    }
    if ((st = bdl_make_map(c->env, kv, n, out)))
      st = obj_fail(c, st);
  }
  bx_free(e);
  bx_free(kv);
  return st;
}

/* One Term oneof (wire-format.md "Terms"); an empty oneof is refused, as
   the reference refuses it ("ID content enum is empty"). */
static biscuit_status dec_term(dec *c, const PbTerm *t, bdl_term *out) {
  uint32_t id = BDL_NOSYM;
  biscuit_status st;
  switch ((int)t->content_case) {
  case TERM_(VARIABLE):
    st = dec_sym(c, t->variable, &id);
    *out = bdl_var(id);
    return st;
  case TERM_(INTEGER):
    *out = bdl_int(t->integer);
    return BISCUIT_OK;
  case TERM_(STRING):
    st = dec_sym(c, t->string, &id);
    *out = bdl_str(id);
    return st;
  case TERM_(DATE):
    *out = bdl_date(t->date);
    return BISCUIT_OK;
  case TERM_(BYTES):
    st = bdl_make_bytes(c->env, t->bytes.data, t->bytes.len, out);
    return st ? obj_fail(c, st) : st;
  case TERM_(BOOLEAN):
    *out = bdl_bool(t->boolean != 0);
    return BISCUIT_OK;
  case TERM_(SET):
    return dec_set(c, t->set, out);
  case TERM_(NULL):
    *out = bdl_null();
    return BISCUIT_OK;
  case TERM_(ARRAY):
    return dec_array_term(c, t->array, out);
  case TERM_(MAP):
    return dec_map(c, t->map, out);
  default:
    return deser_fail(c->d, "ID content enum is empty");
  }
}

static biscuit_status dec_pred(dec *c, const PbPredicate *p, bdl_pred *out) {
  biscuit_status st = dec_sym(c, p->name, &out->name);
  if (st != BISCUIT_OK)
    return st;
  if (!count32(p->n_terms, &out->n_terms) ||
      !(out->terms = dec_array(c, p->n_terms, sizeof *out->terms)))
    return nomem(c->d);
  for (size_t i = 0; i < p->n_terms && st == BISCUIT_OK; i++)
    st = dec_term(c, p->terms[i], &out->terms[i]);
  return st;
}

static biscuit_status dec_ops(dec *c, PbOp *const *ops, size_t n, bdl_op **out,
                              uint32_t *n_out);

/* Ffi carries a name and nothing else does (reference proto_op_to_token_op). */
static biscuit_status dec_ffi(dec *c, bool is_ffi, bool has_name, uint64_t name,
                              uint32_t *out) {
  *out = BDL_NOSYM;
  if (is_ffi && !has_name)
    return deser_fail(c->d, "missing ffi name");
  if (!is_ffi && has_name)
    return deser_fail(c->d, "ffi name set on a regular operation");
  return is_ffi ? dec_sym(c, name, out) : BISCUIT_OK;
}

static biscuit_status dec_unary(dec *c, const PbOpUnary *u, bdl_op *out) {
  int k = (int)u->kind;
  if (k < BDL_U_NEGATE || k > BDL_U_FFI)
    return deser_fail(c->d, "unary operation is empty");
  out->type = BDL_OP_UNARY;
  out->kind = (uint8_t)k;
  return dec_ffi(c, k == BDL_U_FFI, u->has_ffi_name, u->ffi_name, &out->ffi);
}

static biscuit_status dec_binary(dec *c, const PbOpBinary *b, bdl_op *out) {
  int k = (int)b->kind;
  if (k < BDL_B_LT || k > BDL_B_TRY_OR)
    return deser_fail(c->d, "binary operation is empty");
  out->type = BDL_OP_BINARY;
  out->kind = (uint8_t)k;
  return dec_ffi(c, k == BDL_B_FFI, b->has_ffi_name, b->ffi_name, &out->ffi);
}

static biscuit_status dec_closure(dec *c, const PbOpClosure *pc, bdl_op *out) {
  bdl_closure *cl = dec_array(c, 1, sizeof *cl);
  biscuit_status st = BISCUIT_OK;
  if (!cl || !count32(pc->n_params, &cl->n_params) ||
      !(cl->params = dec_array(c, pc->n_params, sizeof *cl->params)))
    return nomem(c->d);
  for (size_t i = 0; i < pc->n_params && st == BISCUIT_OK; i++)
    st = dec_sym(c, pc->params[i], &cl->params[i]);
  if (st == BISCUIT_OK)
    st = dec_ops(c, pc->ops, pc->n_ops, &cl->ops, &cl->n_ops);
  out->type = BDL_OP_CLOSURE;
  out->u.closure = cl;
  return st;
}

static biscuit_status dec_op(dec *c, const PbOp *o, bdl_op *out) {
  memset(out, 0, sizeof *out);
  out->ffi = BDL_NOSYM;
  switch ((int)o->content_case) {
  case OP_(VALUE):
    out->type = BDL_OP_VALUE;
    return dec_term(c, o->value, &out->u.value);
  case OP_(UNARY):
    return dec_unary(c, o->unary, out);
  case OP_(BINARY):
    return dec_binary(c, o->binary, out);
  case OP_(CLOSURE):
    return dec_closure(c, o->closure, out);
  default:
    return deser_fail(c->d, "operation is empty");
  }
}

/* The op stack's shape is left to the evaluator (InvalidStack at run
   time), as in the reference. */
static biscuit_status dec_ops(dec *c, PbOp *const *ops, size_t n, bdl_op **out,
                              uint32_t *n_out) {
  biscuit_status st = BISCUIT_OK;
  if (!count32(n, n_out) || !(*out = dec_array(c, n, sizeof **out)))
    return nomem(c->d);
  for (size_t i = 0; i < n && st == BISCUIT_OK; i++)
    st = dec_op(c, ops[i], &(*out)[i]);
  return st;
}

/* A key index must exist in the block's key table (the reference leaves
   this as a FIXME and fails later). */
static biscuit_status dec_scope(dec *c, const PbScope *s, bdl_scope *out) {
  out->key = 0;
  switch ((int)s->content_case) {
  case SCOPE_(SCOPE_TYPE):
    if ((int)s->scope_type == BDL_SCOPE_AUTHORITY ||
        (int)s->scope_type == BDL_SCOPE_PREVIOUS) {
      out->kind = (uint32_t)s->scope_type;
      return BISCUIT_OK;
    }
    return bx_fail(c->d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                   "deserialization error: unexpected value `%d` for scope "
                   "type",
                   (int)s->scope_type);
  case SCOPE_(PUBLIC_KEY):
    if (s->public_key < 0 || (uint64_t)s->public_key >= c->map->n_keys)
      return bx_fail(c->d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                     "deserialization error: public key index %" PRId64
                     " is not in the block's key table",
                     s->public_key);
    out->kind = BDL_SCOPE_KEY;
    out->key = c->map->keys[s->public_key];
    return BISCUIT_OK;
  default:
    return deser_fail(c->d, "expected `content` field in Scope");
  }
}

static biscuit_status dec_scopes(dec *c, PbScope *const *s, size_t n,
                                 bdl_scope **out, uint32_t *n_out) {
  biscuit_status st = BISCUIT_OK;
  if (!count32(n, n_out) || !(*out = dec_array(c, n, sizeof **out)))
    return nomem(c->d);
  for (size_t i = 0; i < n && st == BISCUIT_OK; i++)
    st = dec_scope(c, s[i], &(*out)[i]);
  return st;
}

/* Head, body, expressions, scopes; whether scopes are allowed at this
   version is btk_block_check_version's question. */
static biscuit_status dec_rule(dec *c, const PbRule *r, bdl_rule *out) {
  biscuit_status st;
  memset(out, 0, sizeof *out);
  if (!count32(r->n_body, &out->n_body) ||
      !count32(r->n_expressions, &out->n_exprs) ||
      !(out->body = dec_array(c, r->n_body, sizeof *out->body)) ||
      !(out->exprs = dec_array(c, r->n_expressions, sizeof *out->exprs)))
    return nomem(c->d);
  st = dec_pred(c, r->head, &out->head);
  for (size_t i = 0; i < r->n_body && st == BISCUIT_OK; i++)
    st = dec_pred(c, r->body[i], &out->body[i]);
  for (size_t i = 0; i < r->n_expressions && st == BISCUIT_OK; i++)
    st = dec_ops(c, r->expressions[i]->ops, r->expressions[i]->n_ops,
                 &out->exprs[i].ops, &out->exprs[i].n_ops);
  if (st == BISCUIT_OK)
    st = dec_scopes(c, r->scope, r->n_scope, &out->scopes, &out->n_scopes);
  return st;
}

/* An absent kind is `check if`; the reference refuses any kind before
   v3.1 and unknown values always. */
static biscuit_status dec_check(dec *c, const PbCheck *k, bdl_check *out) {
  biscuit_status st = BISCUIT_OK;
  int kind = k->has_kind ? (int)k->kind : BDL_CHECK_IF;
  if (k->has_kind && c->version < 4)
    return deser_fail(c->d, "check kinds are only supported on datalog v3.1+ "
                            "blocks");
  if (kind < BDL_CHECK_IF || kind > BDL_REJECT_IF)
    return deser_fail(c->d, "invalid check kind");
  out->kind = (uint32_t)kind;
  if (!count32(k->n_queries, &out->n_queries) ||
      !(out->queries = dec_array(c, k->n_queries, sizeof *out->queries)))
    return nomem(c->d);
  for (size_t i = 0; i < k->n_queries && st == BISCUIT_OK; i++)
    st = dec_rule(c, k->queries[i], &out->queries[i]);
  return st;
}

static biscuit_status dec_fact(dec *c, const PbFact *f, bdl_pred *out) {
  biscuit_status st = dec_pred(c, f->predicate, out);
  for (uint32_t i = 0; i < out->n_terms && st == BISCUIT_OK; i++)
    if (bdl_term_has_var(&out->terms[i]))
      st = deser_fail(c->d, "facts cannot contain variables");
  return st;
}

/*
** The Datalog of a Block or SnapshotBlock (the same four fields) in the
** reference's order: facts, rules, checks, scopes. Any of the arrays may
** be empty (AuthorizerPolicies has no scopes).
*/
typedef struct pb_body {
  PbFact *const *facts;
  size_t n_facts;
  PbRule *const *rules;
  size_t n_rules;
  PbCheck *const *checks;
  size_t n_checks;
  PbScope *const *scopes;
  size_t n_scopes;
} pb_body;

static biscuit_status dec_body(dec *c, const pb_body *pb, bdl_block *out) {
  biscuit_status st = BISCUIT_OK;
  for (size_t i = 0; i < pb->n_facts && st == BISCUIT_OK; i++) {
    bdl_pred f;
    if ((st = dec_fact(c, pb->facts[i], &f)) == BISCUIT_OK &&
        bdl_block_add_fact(out, &f) != BISCUIT_OK)
      st = nomem(c->d);
  }
  for (size_t i = 0; i < pb->n_rules && st == BISCUIT_OK; i++) {
    bdl_rule r;
    if ((st = dec_rule(c, pb->rules[i], &r)) == BISCUIT_OK &&
        bdl_block_add_rule(out, &r) != BISCUIT_OK)
      st = nomem(c->d);
  }
  for (size_t i = 0; i < pb->n_checks && st == BISCUIT_OK; i++) {
    bdl_check k;
    if ((st = dec_check(c, pb->checks[i], &k)) == BISCUIT_OK &&
        bdl_block_add_check(out, &k) != BISCUIT_OK)
      st = nomem(c->d);
  }
  for (size_t i = 0; i < pb->n_scopes && st == BISCUIT_OK; i++) {
    bdl_scope s;
    if ((st = dec_scope(c, pb->scopes[i], &s)) == BISCUIT_OK &&
        bdl_block_add_scope(out, &s) != BISCUIT_OK)
      st = nomem(c->d);
  }
  return st;
}

biscuit_status btk_block_msg_to_ir(const btk_block_msg *m, uint32_t version,
                                   const btk_wire_map *map, bdl_env *env,
                                   bdl_block *out, bx_diag *d) {
  dec c = {env, map, version, d};
  const PbBlock *pb = m->pb;
  pb_body body = {pb->facts,  pb->n_facts,  pb->rules, pb->n_rules,
                  pb->checks, pb->n_checks, pb->scope, pb->n_scope};
  return dec_body(&c, &body, out);
}

/* -------------------------------------------------------------- encode */

/*
** The protobuf-c mirror of a block is built in a scratch arena and packed
** once; the first failure sticks in `st` so builders can return NULL.
*/
typedef struct enc {
  bx_arena a;
  biscuit_status st;
  bx_diag *d;
} enc;

static void *enc_alloc(enc *e, size_t n, size_t size) {
  void *p = NULL;
  if (e->st == BISCUIT_OK && (!size || n <= SIZE_MAX / size))
    p = bx_arena_zalloc(&e->a, n * size);
  if (!p && e->st == BISCUIT_OK)
    e->st = nomem(e->d);
  return p;
}

static void enc_misuse(enc *e, const char *what) {
  if (e->st == BISCUIT_OK)
    e->st = bx_fail(e->d, BISCUIT_E_MISUSE, "InternalError", "%s", what);
}

/* Wire env id to wire index (codec.h "btk_block_encode"). */
static uint64_t wire_sym(uint32_t id) {
  return id < BDL_N_DEFAULT_SYMBOLS
             ? id
             : (uint64_t)id - BDL_N_DEFAULT_SYMBOLS + BTK_SYM_OFFSET;
}

/* A deep IR (built by hand, not parsed) must not blow the C stack. */
static bool enc_deep(enc *e, unsigned depth) {
  if (depth <= BTK_MAX_DEPTH_CAP)
    return false;
  if (e->st == BISCUIT_OK)
    e->st = bx_fail(e->d, BISCUIT_E_LIMIT, "Limit/NestingDepth",
                    "block nesting deeper than %d", BTK_MAX_DEPTH_CAP);
  return true;
}

static PbTerm *enc_term(enc *e, const bdl_term *t, unsigned depth);

static PbTerm **enc_terms(enc *e, const bdl_term *items, size_t n,
                          unsigned depth) {
  PbTerm **v = enc_alloc(e, n, sizeof *v);
  for (size_t i = 0; v && i < n; i++)
    v[i] = enc_term(e, &items[i], depth + 1);
  return v;
}

static PbMapEntry **enc_entries(enc *e, const bdl_coll *m, unsigned depth) {
  PbMapEntry **v = enc_alloc(e, m->n, sizeof *v);
  for (uint32_t i = 0; v && e->st == BISCUIT_OK && i < m->n; i++) {
    const bdl_term *k = &m->items[2 * i];
    PbMapEntry *en = enc_alloc(e, 1, sizeof *en);
    PbMapKey *key = enc_alloc(e, 1, sizeof *key);
    if (!en || !key)
      break;
    biscuit__format__schema__map_entry__init(en);
    biscuit__format__schema__map_key__init(key);
    if (k->kind == BDL_INT) {
      key->content_case = MAPKEY_(INTEGER);
      key->integer = k->v.i;
    } else if (k->kind == BDL_STR) {
      key->content_case = MAPKEY_(STRING);
      key->string = wire_sym(k->id);
    } else {
      enc_misuse(e, "map keys must be integers or strings");
    }
    en->key = key;
    en->value = enc_term(e, &m->items[2 * i + 1], depth + 1);
    v[i] = en;
  }
  return v;
}

/* Collections: sets and maps are already in wire order (sorted by id). */
static void enc_coll(enc *e, const bdl_term *t, PbTerm *pt, unsigned depth) {
  const bdl_coll *c = t->v.coll;
  if (t->kind == BDL_SET) {
    PbTermSet *s = enc_alloc(e, 1, sizeof *s);
    if (!s)
      return;
    biscuit__format__schema__term_set__init(s);
    s->n_set = c->n;
    s->set = enc_terms(e, c->items, c->n, depth);
    pt->content_case = TERM_(SET);
    pt->set = s;
  } else if (t->kind == BDL_ARRAY) {
    PbArray *a = enc_alloc(e, 1, sizeof *a);
    if (!a)
      return;
    biscuit__format__schema__array__init(a);
    a->n_array = c->n;
    a->array = enc_terms(e, c->items, c->n, depth);
    pt->content_case = TERM_(ARRAY);
    pt->array = a;
  } else {
    PbMap *m = enc_alloc(e, 1, sizeof *m);
    if (!m)
      return;
    biscuit__format__schema__map__init(m);
    m->n_entries = c->n;
    m->entries = enc_entries(e, c, depth);
    pt->content_case = TERM_(MAP);
    pt->map = m;
  }
}

/* One term, with string and variable ids mapped to wire indexes. */
static PbTerm *enc_term(enc *e, const bdl_term *t, unsigned depth) {
  PbTerm *pt = enc_alloc(e, 1, sizeof *pt);
  if (!pt || enc_deep(e, depth))
    return pt;
  biscuit__format__schema__term__init(pt);
  switch ((bdl_kind)t->kind) {
  case BDL_VAR:
    pt->content_case = TERM_(VARIABLE);
    pt->variable = (uint32_t)wire_sym(t->id);
    if (wire_sym(t->id) > UINT32_MAX)
      enc_misuse(e, "variable index out of range");
    break;
  case BDL_INT:
    pt->content_case = TERM_(INTEGER);
    pt->integer = t->v.i;
    break;
  case BDL_STR:
    pt->content_case = TERM_(STRING);
    pt->string = wire_sym(t->id);
    break;
  case BDL_DATE:
    pt->content_case = TERM_(DATE);
    pt->date = t->v.date;
    break;
  case BDL_BYTES:
    pt->content_case = TERM_(BYTES);
    pt->bytes.len = t->v.bytes->len;
    pt->bytes.data = (uint8_t *)t->v.bytes->data; /* only read by pack */
    break;
  case BDL_BOOL:
    pt->content_case = TERM_(BOOLEAN);
    pt->boolean = t->id != 0;
    break;
  case BDL_NULL:
    pt->content_case = TERM_(NULL);
    pt->null = enc_alloc(e, 1, sizeof *pt->null);
    if (pt->null)
      biscuit__format__schema__empty__init(pt->null);
    break;
  case BDL_SET:
  case BDL_ARRAY:
  case BDL_MAP:
    enc_coll(e, t, pt, depth);
    break;
  default:
    enc_misuse(e, "unknown term kind");
  }
  return pt;
}

static PbPredicate *enc_pred(enc *e, const bdl_pred *p) {
  PbPredicate *pp = enc_alloc(e, 1, sizeof *pp);
  if (!pp)
    return NULL;
  biscuit__format__schema__predicate__init(pp);
  pp->name = wire_sym(p->name);
  pp->n_terms = p->n_terms;
  pp->terms = enc_terms(e, p->terms, p->n_terms, 0);
  return pp;
}

static PbOp **enc_ops(enc *e, const bdl_op *ops, uint32_t n, unsigned depth);

static PbOpClosure *enc_closure(enc *e, const bdl_closure *c, unsigned depth) {
  PbOpClosure *pc = enc_alloc(e, 1, sizeof *pc);
  if (!pc)
    return NULL;
  biscuit__format__schema__op_closure__init(pc);
  pc->n_params = c->n_params;
  pc->params = enc_alloc(e, c->n_params, sizeof *pc->params);
  for (uint32_t i = 0; pc->params && i < c->n_params; i++)
    pc->params[i] = (uint32_t)wire_sym(c->params[i]);
  pc->n_ops = c->n_ops;
  pc->ops = enc_ops(e, c->ops, c->n_ops, depth + 1);
  return pc;
}

/* Unary and binary ops: the kind, and the extern name for Ffi only. */
static void enc_opcode(enc *e, const bdl_op *o, PbOp *po) {
  bool ffi =
      o->type == BDL_OP_UNARY ? o->kind == BDL_U_FFI : o->kind == BDL_B_FFI;
  if (o->type == BDL_OP_UNARY) {
    PbOpUnary *u = enc_alloc(e, 1, sizeof *u);
    if (!u)
      return;
    biscuit__format__schema__op_unary__init(u);
    u->kind = (Biscuit__Format__Schema__OpUnary__Kind)o->kind;
    u->has_ffi_name = ffi;
    u->ffi_name = ffi ? wire_sym(o->ffi) : 0;
    po->content_case = OP_(UNARY);
    po->unary = u;
  } else {
    PbOpBinary *b = enc_alloc(e, 1, sizeof *b);
    if (!b)
      return;
    biscuit__format__schema__op_binary__init(b);
    b->kind = (Biscuit__Format__Schema__OpBinary__Kind)o->kind;
    b->has_ffi_name = ffi;
    b->ffi_name = ffi ? wire_sym(o->ffi) : 0;
    po->content_case = OP_(BINARY);
    po->binary = b;
  }
}

/* Ops in stored order; closures nest (their depth is bounded). */
static PbOp **enc_ops(enc *e, const bdl_op *ops, uint32_t n, unsigned depth) {
  PbOp **v = enc_alloc(e, n, sizeof *v);
  if (!v || enc_deep(e, depth))
    return v;
  for (uint32_t i = 0; i < n && e->st == BISCUIT_OK; i++) {
    const bdl_op *o = &ops[i];
    PbOp *po = v[i] = enc_alloc(e, 1, sizeof *po);
    if (!po)
      break;
    biscuit__format__schema__op__init(po);
    if (o->type == BDL_OP_VALUE) {
      po->content_case = OP_(VALUE);
      po->value = enc_term(e, &o->u.value, depth + 1);
    } else if (o->type == BDL_OP_CLOSURE) {
      po->content_case = OP_(CLOSURE);
      po->closure = enc_closure(e, o->u.closure, depth);
    } else if (o->type == BDL_OP_UNARY || o->type == BDL_OP_BINARY) {
      enc_opcode(e, o, po);
    } else {
      enc_misuse(e, "unknown op type");
    }
  }
  return v;
}

static PbScope **enc_scopes(enc *e, const bdl_scope *s, uint32_t n) {
  PbScope **v = enc_alloc(e, n, sizeof *v);
  for (uint32_t i = 0; v && i < n; i++) {
    PbScope *ps = v[i] = enc_alloc(e, 1, sizeof *ps);
    if (!ps)
      break;
    biscuit__format__schema__scope__init(ps);
    if (s[i].kind == BDL_SCOPE_KEY) {
      ps->content_case = SCOPE_(PUBLIC_KEY);
      ps->public_key = (int64_t)s[i].key;
    } else {
      ps->content_case = SCOPE_(SCOPE_TYPE);
      ps->scope_type = (Biscuit__Format__Schema__Scope__ScopeType)s[i].kind;
    }
  }
  return v;
}

/* Fields in number order: head, body, expressions, scopes. */
static PbRule *enc_rule(enc *e, const bdl_rule *r) {
  PbRule *pr = enc_alloc(e, 1, sizeof *pr);
  if (!pr)
    return NULL;
  biscuit__format__schema__rule__init(pr);
  pr->head = enc_pred(e, &r->head);
  pr->n_body = r->n_body;
  pr->body = enc_alloc(e, r->n_body, sizeof *pr->body);
  for (uint32_t i = 0; pr->body && i < r->n_body; i++)
    pr->body[i] = enc_pred(e, &r->body[i]);
  pr->n_expressions = r->n_exprs;
  pr->expressions = enc_alloc(e, r->n_exprs, sizeof *pr->expressions);
  for (uint32_t i = 0; pr->expressions && i < r->n_exprs; i++) {
    PbExpression *x = enc_alloc(e, 1, sizeof *x);
    if (!x)
      break;
    biscuit__format__schema__expression__init(x);
    x->n_ops = r->exprs[i].n_ops;
    x->ops = enc_ops(e, r->exprs[i].ops, r->exprs[i].n_ops, 0);
    pr->expressions[i] = x;
  }
  pr->n_scope = r->n_scopes;
  pr->scope = enc_scopes(e, r->scopes, r->n_scopes);
  return pr;
}

/* `check if` leaves the kind absent, as the reference writes it. */
static PbCheck *enc_check(enc *e, const bdl_check *k) {
  PbCheck *pc = enc_alloc(e, 1, sizeof *pc);
  if (!pc)
    return NULL;
  biscuit__format__schema__check__init(pc);
  pc->has_kind = k->kind != BDL_CHECK_IF;
  pc->kind = (Biscuit__Format__Schema__Check__Kind)k->kind;
  pc->n_queries = k->n_queries;
  pc->queries = enc_alloc(e, k->n_queries, sizeof *pc->queries);
  for (uint32_t i = 0; pc->queries && i < k->n_queries; i++)
    pc->queries[i] = enc_rule(e, &k->queries[i]);
  return pc;
}

/* The Datalog fields of a Block (4..7); symbols, context, version and
   keys come from the meta. */
static void enc_body(enc *e, const bdl_block *b, PbBlock *pb) {
  pb->n_facts = b->n_facts;
  pb->facts = enc_alloc(e, b->n_facts, sizeof *pb->facts);
  for (uint32_t i = 0; pb->facts && i < b->n_facts; i++) {
    PbFact *f = pb->facts[i] = enc_alloc(e, 1, sizeof *f);
    if (!f)
      break;
    biscuit__format__schema__fact__init(f);
    f->predicate = enc_pred(e, &b->facts[i]);
  }
  pb->n_rules = b->n_rules;
  pb->rules = enc_alloc(e, b->n_rules, sizeof *pb->rules);
  for (uint32_t i = 0; pb->rules && i < b->n_rules; i++)
    pb->rules[i] = enc_rule(e, &b->rules[i]);
  pb->n_checks = b->n_checks;
  pb->checks = enc_alloc(e, b->n_checks, sizeof *pb->checks);
  for (uint32_t i = 0; pb->checks && i < b->n_checks; i++)
    pb->checks[i] = enc_check(e, &b->checks[i]);
  pb->n_scope = b->n_scopes;
  pb->scope = enc_scopes(e, b->scopes, b->n_scopes);
}

biscuit_status btk_block_encode(const bdl_env *wenv, const bdl_block *b,
                                const btk_block_meta *meta, uint8_t **out,
                                size_t *out_len, bx_diag *d) {
  PbBlock pb;
  PbPublicKey *keys;
  enc e;
  (void)wenv; /* its ids are the wire indexes; nothing to look up */
  *out = NULL;
  *out_len = 0;
  if (b->n_policies)
    return bx_fail(d, BISCUIT_E_MISUSE, "InternalError",
                   "token blocks cannot hold policies");
  bx_arena_init(&e.a, 0);
  e.st = BISCUIT_OK;
  e.d = d;
  biscuit__format__schema__block__init(&pb);
  pb.n_symbols = meta->n_symbols;
  pb.symbols = (char **)meta->symbols; /* only read by pack */
  pb.context = (char *)meta->context;
  pb.has_version = true;
  pb.version = meta->version;
  enc_body(&e, b, &pb);
  pb.n_public_keys = meta->n_keys;
  pb.public_keys = enc_alloc(&e, meta->n_keys, sizeof *pb.public_keys);
  keys = enc_alloc(&e, meta->n_keys, sizeof *keys);
  for (size_t i = 0; keys && pb.public_keys && i < meta->n_keys; i++) {
    pb_key(&keys[i], &meta->keys[i]);
    pb.public_keys[i] = &keys[i];
  }
  if (e.st == BISCUIT_OK)
    e.st = pack(&pb.base, out, out_len, d);
  bx_arena_free(&e.a);
  return e.st;
}

/* ===================================================== snapshot messages */
/*
** AuthorizerSnapshot and AuthorizerPolicies (wire-format.md "Authorizer
** policies and snapshots"). Decoding reuses the Block converters above
** (a SnapshotBlock carries the same four Datalog fields); encoding
** takes Block messages that btk_block_serialize wrote in the reference's
** interning order and moves their fields into the snapshot's messages.
*/
typedef Biscuit__Format__Schema__Policy PbPolicy;
typedef Biscuit__Format__Schema__AuthorizerPolicies PbPolicies;
typedef Biscuit__Format__Schema__AuthorizerSnapshot PbSnapshot;
typedef Biscuit__Format__Schema__RunLimits PbRunLimits;
typedef Biscuit__Format__Schema__AuthorizerWorld PbWorld;
typedef Biscuit__Format__Schema__Origin PbOrigin;
typedef Biscuit__Format__Schema__GeneratedFacts PbGenerated;
typedef Biscuit__Format__Schema__SnapshotBlock PbSnapBlock;

#define ORIGIN_(x) BISCUIT__FORMAT__SCHEMA__ORIGIN__CONTENT_##x

struct btk_snap_msg {
  btk_snap_kind kind;
  PbPolicies *pol;  /* kind BTK_SNAP_POLICIES */
  PbSnapshot *snap; /* kind BTK_SNAP_AUTHORIZER */
  btk_pubkey *keys;
};

/* Text fields: AuthorizerPolicies.symbols, AuthorizerWorld.symbols and
   every SnapshotBlock's context. */
static const raw_spec snap_block_strings = {1u << 1, {NULL}};
static const raw_spec policies_strings = {1u << 1, {NULL}};
static const raw_spec world_strings = {
    1u << 2, {[4] = &snap_block_strings, [5] = &snap_block_strings}};
static const raw_spec snapshot_strings = {0, {[3] = &world_strings}};

/* ---------------------------------------------------------------- read */

static biscuit_status snap_keys(btk_snap_msg *m, bx_diag *d) {
  PbWorld *w = m->snap ? m->snap->world : NULL;
  size_t n = w ? w->n_public_keys : 0;
  m->keys = bx_calloc(n ? n : 1, sizeof *m->keys);
  if (!m->keys)
    return nomem(d);
  for (size_t i = 0; i < n; i++) {
    biscuit_status st = key_from_pb(w->public_keys[i], &m->keys[i], d);
    if (st != BISCUIT_OK)
      return st;
  }
  return BISCUIT_OK;
}

static void snap_fill_head(const btk_snap_msg *m, btk_snap_head *h) {
  memset(h, 0, sizeof *h);
  h->kind = m->kind;
  if (m->pol) {
    h->has_version = m->pol->has_version;
    h->version = m->pol->version;
    h->n_symbols = m->pol->n_symbols;
    h->symbols = (const char *const *)m->pol->symbols;
    return;
  }
  const PbWorld *w = m->snap->world;
  h->has_version = w->has_version;
  h->version = w->version;
  h->n_symbols = w->n_symbols;
  h->symbols = (const char *const *)w->symbols;
  h->n_keys = w->n_public_keys;
  h->keys = m->keys;
  h->n_blocks = w->n_blocks;
  h->n_fact_groups = w->n_generated_facts;
  h->max_facts = m->snap->limits->max_facts;
  h->max_iterations = m->snap->limits->max_iterations;
  h->max_time_ns = m->snap->limits->max_time;
  h->execution_ns = m->snap->execution_time;
  h->iterations = w->iterations;
}

/*
** Untrusted bytes: a size cap of our own (the reference has none), the
** depth pre-check, then protobuf-c, then the text and key checks that
** protobuf-c does not make.
*/
biscuit_status btk_snap_unpack(const uint8_t *buf, size_t len,
                               btk_snap_kind kind, btk_snap_msg **out,
                               btk_snap_head *head, bx_diag *d) {
  btk_limits lim = {BTK_SNAPSHOT_MAX_SIZE, SIZE_MAX, BTK_SNAPSHOT_MAX_DEPTH};
  bool pol = kind == BTK_SNAP_POLICIES;
  biscuit_status st = BISCUIT_OK;
  btk_snap_msg *m;
  *out = NULL;
  memset(head, 0, sizeof *head);
  if (!buf && len)
    return bx_fail(d, BISCUIT_E_MISUSE, "InternalError", "no snapshot bytes");
  if (len > lim.max_size)
    return bx_fail(d, BISCUIT_E_LIMIT, "Limit/SnapshotSize",
                   "snapshot is %zu bytes, the limit is %zu", len,
                   lim.max_size);
  if (!(m = bx_calloc(1, sizeof *m)))
    return nomem(d);
  m->kind = kind;
  buf = buf ? buf : empty_bytes;
  ProtobufCMessage *pb = checked_unpack(
      pol ? PB_DESC(authorizer_policies) : PB_DESC(authorizer_snapshot),
      pol ? BTK_PB_AUTHORIZER_POLICIES : BTK_PB_AUTHORIZER_SNAPSHOT, buf, len,
      &lim, &st, d);
  m->pol = pol ? (PbPolicies *)pb : NULL;
  m->snap = pol ? NULL : (PbSnapshot *)pb;
  if (pb &&
      !raw_strings_ok(buf, len, pol ? &policies_strings : &snapshot_strings))
    st = deser_fail(d, "a string is not valid UTF-8 or holds NUL");
  else if (pb)
    st = snap_keys(m, d);
  if (st != BISCUIT_OK) {
    btk_snap_msg_free(m);
    return st;
  }
  snap_fill_head(m, head);
  *out = m;
  return BISCUIT_OK;
}

void btk_snap_msg_free(btk_snap_msg *m) {
  if (!m)
    return;
  if (m->pol)
    pb_release(&m->pol->base);
  if (m->snap)
    pb_release(&m->snap->base);
  bx_free(m->keys);
  bx_free(m);
}

/* Block i of a snapshot, the authorizer's, or NULL (bad index). */
static const PbSnapBlock *snap_block(const btk_snap_msg *m, size_t i) {
  if (!m->snap)
    return NULL;
  if (i == BTK_SNAP_AUTHORIZER_BLOCK)
    return m->snap->world->authorizer_block;
  return i < m->snap->world->n_blocks ? m->snap->world->blocks[i] : NULL;
}

biscuit_status btk_snap_block_info(const btk_snap_msg *m, size_t i,
                                   btk_snap_block_head *out, bx_diag *d) {
  const PbSnapBlock *b = snap_block(m, i);
  memset(out, 0, sizeof *out);
  if (m->pol && i == BTK_SNAP_AUTHORIZER_BLOCK) {
    out->has_version = m->pol->has_version;
    out->version = m->pol->version;
    return BISCUIT_OK;
  }
  if (!b)
    return bx_fail(d, BISCUIT_E_MISUSE, "InternalError", "no block %zu", i);
  out->has_version = b->has_version;
  out->version = b->version;
  out->context = b->context;
  if (!b->external_key)
    return BISCUIT_OK;
  out->has_external = true;
  return key_from_pb(b->external_key, &out->external, d);
}

biscuit_status btk_snap_block_to_ir(const btk_snap_msg *m, size_t i,
                                    uint32_t version, const btk_wire_map *map,
                                    bdl_env *env, bdl_block *out, bx_diag *d) {
  dec c = {env, map, version, d};
  pb_body body;
  memset(&body, 0, sizeof body);
  if (m->pol && i == BTK_SNAP_AUTHORIZER_BLOCK) {
    const PbPolicies *p = m->pol;
    pb_body pb = {p->facts,  p->n_facts,  p->rules, p->n_rules,
                  p->checks, p->n_checks, NULL,     0};
    body = pb;
  } else {
    const PbSnapBlock *b = snap_block(m, i);
    if (!b)
      return bx_fail(d, BISCUIT_E_MISUSE, "InternalError", "no block %zu", i);
    pb_body pb = {b->facts,  b->n_facts,  b->rules, b->n_rules,
                  b->checks, b->n_checks, b->scope, b->n_scope};
    body = pb;
  }
  return dec_body(&c, &body, out);
}

/* A policy is its queries and a kind the reference knows. */
static biscuit_status dec_policy(dec *c, const PbPolicy *p, bdl_policy *out) {
  biscuit_status st = BISCUIT_OK;
  int kind = (int)p->kind;
  if (kind != BDL_ALLOW && kind != BDL_DENY)
    return deser_fail(c->d, "invalid policy kind");
  out->kind = (uint32_t)kind;
  if (!count32(p->n_queries, &out->n_queries) ||
      !(out->queries = dec_array(c, p->n_queries, sizeof *out->queries)))
    return nomem(c->d);
  for (size_t i = 0; i < p->n_queries && st == BISCUIT_OK; i++)
    st = dec_rule(c, p->queries[i], &out->queries[i]);
  return st;
}

biscuit_status btk_snap_policies_to_ir(const btk_snap_msg *m, uint32_t version,
                                       const btk_wire_map *map, bdl_env *env,
                                       bdl_block *out, bx_diag *d) {
  dec c = {env, map, version, d};
  PbPolicy *const *v =
      m->pol ? m->pol->policies : m->snap->world->authorizer_policies;
  size_t n =
      m->pol ? m->pol->n_policies : m->snap->world->n_authorizer_policies;
  biscuit_status st = BISCUIT_OK;
  for (size_t i = 0; i < n && st == BISCUIT_OK; i++) {
    bdl_policy p;
    if ((st = dec_policy(&c, v[i], &p)) == BISCUIT_OK &&
        bdl_block_add_policy(out, &p) != BISCUIT_OK)
      st = nomem(d);
  }
  return st;
}

/*
** Origins as the reference reads them (proto_origin_to_authorizer_origin),
** but an empty set, which every rule would trust, and a block the
** snapshot does not hold are refused.
*/
static biscuit_status dec_origin(dec *c, const PbGenerated *g, size_t n_blocks,
                                 bdl_origin *out) {
  bdl_origin o = {{0, 0}};
  if (g->n_origins == 0)
    return deser_fail(c->d, "generated facts without an origin");
  for (size_t i = 0; i < g->n_origins; i++) {
    const PbOrigin *x = g->origins[i];
    if (x->content_case == ORIGIN_(AUTHORIZER))
      o = bdl_origin_union(o, bdl_origin_one(BDL_AUTHORIZER_ID));
    else if (x->content_case == ORIGIN_(ORIGIN) && x->origin < n_blocks &&
             x->origin < BDL_MAX_BLOCKS)
      o = bdl_origin_union(o, bdl_origin_one(x->origin));
    else
      return deser_fail(c->d, "invalid origin");
  }
  *out = o;
  return BISCUIT_OK;
}

biscuit_status btk_snap_facts_to_ir(const btk_snap_msg *m,
                                    const btk_wire_map *map, bdl_env *env,
                                    btk_snap_fact_fn fn, void *ud, bx_diag *d) {
  dec c = {env, map, BISCUIT_MAX_BLOCK_VERSION, d};
  const PbWorld *w = m->snap ? m->snap->world : NULL;
  biscuit_status st = BISCUIT_OK;
  for (size_t i = 0; w && i < w->n_generated_facts && st == BISCUIT_OK; i++) {
    const PbGenerated *g = w->generated_facts[i];
    bdl_origin o;
    st = dec_origin(&c, g, w->n_blocks, &o);
    for (size_t k = 0; k < g->n_facts && st == BISCUIT_OK; k++) {
      bdl_pred f;
      if ((st = dec_fact(&c, g->facts[k], &f)) == BISCUIT_OK)
        st = fn(ud, &f, o, d);
    }
  }
  return st;
}

/* --------------------------------------------------------------- write */

/* The Block a part was serialized to (unpacked from our own bytes). */
static const PbBlock *part_pb(const btk_block_msg *m) {
  return m ? m->pb : NULL;
}

/* The snapshot's tables: each part's symbols and keys, in part order. */
typedef struct snap_tables {
  char **syms;
  size_t n_syms;
  PbPublicKey **keys;
  size_t n_keys;
} snap_tables;

static void tables_add(snap_tables *t, const PbBlock *pb) {
  if (!pb)
    return;
  for (size_t i = 0; i < pb->n_symbols; i++)
    t->syms[t->n_syms++] = pb->symbols[i];
  for (size_t i = 0; i < pb->n_public_keys; i++)
    t->keys[t->n_keys++] = pb->public_keys[i];
}

/* Upper bounds of the table sizes, to allocate them once. */
static void tables_count(const PbBlock *pb, size_t *ns, size_t *nk) {
  if (pb) {
    *ns += pb->n_symbols;
    *nk += pb->n_public_keys;
  }
}

static void snap_tables_build(enc *e, const btk_snap_parts *p, snap_tables *t) {
  size_t ns = 0, nk = 0;
  tables_count(part_pb(p->policies), &ns, &nk);
  tables_count(part_pb(p->authorizer), &ns, &nk);
  for (size_t i = 0; i < p->n_blocks; i++)
    tables_count(part_pb(p->blocks[i]), &ns, &nk);
  for (size_t i = 0; i < p->n_groups; i++)
    tables_count(part_pb(p->groups[i]), &ns, &nk);
  memset(t, 0, sizeof *t);
  t->syms = enc_alloc(e, ns, sizeof *t->syms);
  t->keys = enc_alloc(e, nk, sizeof *t->keys);
  if (e->st != BISCUIT_OK)
    return;
  tables_add(t, part_pb(p->policies));
  tables_add(t, part_pb(p->authorizer));
  for (size_t i = 0; i < p->n_blocks; i++)
    tables_add(t, part_pb(p->blocks[i]));
  for (size_t i = 0; i < p->n_groups; i++)
    tables_add(t, part_pb(p->groups[i]));
}

/* A part's Datalog as a SnapshotBlock (the arrays are shared). */
static PbSnapBlock *enc_snap_block(enc *e, const PbBlock *pb,
                                   const btk_pubkey *external) {
  PbSnapBlock *sb = enc_alloc(e, 1, sizeof *sb);
  if (!sb || !pb) {
    enc_misuse(e, "missing snapshot part");
    return sb;
  }
  biscuit__format__schema__snapshot_block__init(sb);
  sb->context = pb->context;
  sb->has_version = pb->has_version;
  sb->version = pb->version;
  sb->n_facts = pb->n_facts;
  sb->facts = pb->facts;
  sb->n_rules = pb->n_rules;
  sb->rules = pb->rules;
  sb->n_checks = pb->n_checks;
  sb->checks = pb->checks;
  sb->n_scope = pb->n_scope;
  sb->scope = pb->scope;
  if (external) {
    PbPublicKey *k = enc_alloc(e, 1, sizeof *k);
    if (k)
      pb_key(k, external);
    sb->external_key = k;
  }
  return sb;
}

/* Checks [from, from + n) of a part as policies of the given kinds. */
static PbPolicy **enc_policies(enc *e, const PbBlock *pb, size_t from, size_t n,
                               const uint32_t *kinds) {
  PbPolicy **v = enc_alloc(e, n, sizeof *v);
  PbPolicy *p = enc_alloc(e, n, sizeof *p);
  for (size_t i = 0; v && p && i < n; i++) {
    const PbCheck *c = pb->checks[from + i];
    biscuit__format__schema__policy__init(&p[i]);
    p[i].n_queries = c->n_queries;
    p[i].queries = c->queries;
    p[i].kind = (Biscuit__Format__Schema__Policy__Kind)kinds[i];
    v[i] = &p[i];
  }
  return v;
}

/* Origin ids in increasing order, the authorizer (usize::MAX) last. */
static PbOrigin **enc_origins(enc *e, bdl_origin o, size_t *n_out) {
  size_t n = 0;
  for (uint32_t id = 0; id <= BDL_AUTHORIZER_ID; id++)
    n += bdl_origin_has(o, id);
  PbOrigin **v = enc_alloc(e, n, sizeof *v);
  PbOrigin *x = enc_alloc(e, n, sizeof *x);
  PbEmpty *empty = enc_alloc(e, 1, sizeof *empty);
  *n_out = 0;
  if (!v || !x || !empty)
    return v;
  biscuit__format__schema__empty__init(empty);
  for (uint32_t id = 0; id <= BDL_AUTHORIZER_ID; id++) {
    if (!bdl_origin_has(o, id))
      continue;
    PbOrigin *y = &x[*n_out];
    biscuit__format__schema__origin__init(y);
    if (id == BDL_AUTHORIZER_ID) {
      y->content_case = ORIGIN_(AUTHORIZER);
      y->authorizer = empty;
    } else {
      y->content_case = ORIGIN_(ORIGIN);
      y->origin = id;
    }
    v[(*n_out)++] = y;
  }
  return v;
}

static PbGenerated **enc_generated(enc *e, const btk_snap_parts *p) {
  PbGenerated **v = enc_alloc(e, p->n_groups, sizeof *v);
  PbGenerated *g = enc_alloc(e, p->n_groups, sizeof *g);
  for (size_t i = 0; v && g && i < p->n_groups; i++) {
    const PbBlock *pb = part_pb(p->groups[i]);
    biscuit__format__schema__generated_facts__init(&g[i]);
    if (!pb) {
      enc_misuse(e, "missing snapshot part");
      break;
    }
    g[i].origins = enc_origins(e, p->origins[i], &g[i].n_origins);
    g[i].n_facts = pb->n_facts;
    g[i].facts = pb->facts;
    v[i] = &g[i];
  }
  return v;
}

static void enc_world(enc *e, const btk_snap_parts *p, PbWorld *w) {
  const PbBlock *pol = part_pb(p->policies);
  snap_tables t;
  biscuit__format__schema__authorizer_world__init(w);
  snap_tables_build(e, p, &t);
  w->has_version = true;
  w->version = p->version;
  w->n_symbols = t.n_syms;
  w->symbols = t.syms;
  w->n_public_keys = t.n_keys;
  w->public_keys = t.keys;
  w->n_blocks = p->n_blocks;
  w->blocks = enc_alloc(e, p->n_blocks, sizeof *w->blocks);
  for (size_t i = 0; w->blocks && i < p->n_blocks; i++)
    w->blocks[i] = enc_snap_block(e, part_pb(p->blocks[i]),
                                  p->external ? p->external[i] : NULL);
  w->authorizer_block = enc_snap_block(e, part_pb(p->authorizer), NULL);
  w->n_authorizer_policies = pol ? pol->n_checks : 0;
  if (pol)
    w->authorizer_policies =
        enc_policies(e, pol, 0, pol->n_checks, p->policy_kinds);
  w->n_generated_facts = p->n_groups;
  w->generated_facts = enc_generated(e, p);
  w->iterations = p->iterations;
}

/* What we write must be readable by btk_snap_unpack. */
static biscuit_status snap_pack(enc *e, const ProtobufCMessage *m,
                                btk_pb_type type, uint8_t **out,
                                size_t *out_len) {
  biscuit_status st = e->st;
  if (st == BISCUIT_OK)
    st = pack(m, out, out_len, e->d);
  if (st == BISCUIT_OK && *out_len > BTK_SNAPSHOT_MAX_SIZE)
    st = bx_fail(e->d, BISCUIT_E_LIMIT, "Limit/SnapshotSize",
                 "snapshot is %zu bytes, the limit is %zu", *out_len,
                 BTK_SNAPSHOT_MAX_SIZE);
  if (st == BISCUIT_OK)
    st = btk_pb_check(*out, *out_len, type, BTK_SNAPSHOT_MAX_DEPTH, e->d);
  if (st != BISCUIT_OK && *out) {
    bx_free(*out);
    *out = NULL;
    *out_len = 0;
  }
  return st;
}

biscuit_status btk_snap_encode(const btk_snap_parts *p, uint8_t **out,
                               size_t *out_len, bx_diag *d) {
  PbSnapshot s;
  PbRunLimits lim;
  PbWorld w;
  enc e;
  biscuit_status st;
  *out = NULL;
  *out_len = 0;
  bx_arena_init(&e.a, 0);
  e.st = BISCUIT_OK;
  e.d = d;
  biscuit__format__schema__authorizer_snapshot__init(&s);
  biscuit__format__schema__run_limits__init(&lim);
  lim.max_facts = p->max_facts;
  lim.max_iterations = p->max_iterations;
  lim.max_time = p->max_time_ns;
  s.limits = &lim;
  s.execution_time = p->execution_ns;
  enc_world(&e, p, &w);
  s.world = &w;
  st = snap_pack(&e, &s.base, BTK_PB_AUTHORIZER_SNAPSHOT, out, out_len);
  bx_arena_free(&e.a);
  return st;
}

biscuit_status btk_snap_encode_policies(const btk_block_msg *m, size_t n_checks,
                                        const uint32_t *kinds, uint32_t version,
                                        uint8_t **out, size_t *out_len,
                                        bx_diag *d) {
  const PbBlock *pb = part_pb(m);
  PbPolicies p;
  enc e;
  biscuit_status st;
  *out = NULL;
  *out_len = 0;
  if (!pb || n_checks > pb->n_checks || pb->n_public_keys || pb->n_scope)
    return bx_fail(d, BISCUIT_E_MISUSE, "InternalError",
                   "an AuthorizerPolicies holds no keys and no scopes");
  bx_arena_init(&e.a, 0);
  e.st = BISCUIT_OK;
  e.d = d;
  biscuit__format__schema__authorizer_policies__init(&p);
  p.n_symbols = pb->n_symbols;
  p.symbols = pb->symbols;
  p.has_version = true;
  p.version = version;
  p.n_facts = pb->n_facts;
  p.facts = pb->facts;
  p.n_rules = pb->n_rules;
  p.rules = pb->rules;
  p.n_checks = n_checks;
  p.checks = pb->checks;
  p.n_policies = pb->n_checks - n_checks;
  p.policies = enc_policies(&e, pb, n_checks, p.n_policies, kinds);
  st = snap_pack(&e, &p.base, BTK_PB_AUTHORIZER_POLICIES, out, out_len);
  bx_arena_free(&e.a);
  return st;
}
