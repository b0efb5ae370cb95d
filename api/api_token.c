/*
** Tokens: decoding (verified or for inspection only), encoding, and the
** per-block facts the official samples check (source, version, symbols,
** external key, revocation id). A token is immutable once built, so every
** accessor is a read of token/'s btk_token.
*/
#include <string.h>

#include "api/api_int.h"
#include "datalog/print.h"

static const btk_token *tok(const biscuit_token *t) {
  return t ? t->tok : NULL;
}

static const btk_block_info *block(const biscuit_token *t, size_t i) {
  return t && i < t->tok->n_blocks ? &t->tok->blocks[i] : NULL;
}

/* Every constructor ends here: the handle owns t, or t is freed. */
biscuit_status api_token_wrap(btk_token *t, biscuit_token **out,
                              biscuit_error **err) {
  biscuit_token *h = bx_calloc(1, sizeof *h);
  if (!h) {
    btk_token_free(t);
    return api_fail(err, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  }
  h->tok = t;
  atomic_init(&h->refs, 1);
  *out = h;
  return BISCUIT_OK;
}

/* Relaxed: a new reference is made from one already held. */
void api_token_ref(biscuit_token *t) {
  atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
}

/* Public decode options over the envelope defaults; 0 keeps a default. */
btk_decode_opts api_decode_opts(const biscuit_decode_options *opt) {
  btk_decode_opts o;
  memset(&o, 0, sizeof o);
  o.limits = btk_default_limits;
  if (opt && opt->max_size)
    o.limits.max_size = opt->max_size;
  if (opt && opt->max_blocks)
    o.limits.max_blocks = opt->max_blocks;
  if (opt && opt->max_depth) /* btk_pb_check holds it to 256 */
    o.limits.max_depth = opt->max_depth;
  o.unsafe_legacy_third_party = opt && opt->unsafe_legacy_third_party;
  return o;
}

static biscuit_status decode(const uint8_t *bytes, size_t len,
                             const btk_pubkey *root,
                             const biscuit_decode_options *opt,
                             biscuit_token **out, biscuit_error **err) {
  btk_decode_opts o = api_decode_opts(opt);
  btk_token *t = NULL;
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = btk_token_decode(bytes, len, root, &o, &t, &d);
  if (st != BISCUIT_OK) {
    btk_token_free(t);
    return api_from_diag(err, st, &d);
  }
  return api_token_wrap(t, out, err);
}

biscuit_status biscuit_token_from_bytes(const uint8_t *bytes, size_t len,
                                        const biscuit_public_key *root,
                                        const biscuit_decode_options *opt,
                                        biscuit_token **out,
                                        biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!out || (!bytes && len) || !root)
    return api_misuse(err, "biscuit_token_from_bytes: bad arguments");
  return decode(bytes ? bytes : (const uint8_t *)"", len, &root->key, opt, out,
                err);
}

biscuit_status biscuit_token_from_base64(const char *text, size_t len,
                                         const biscuit_public_key *root,
                                         const biscuit_decode_options *opt,
                                         biscuit_token **out,
                                         biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!out || (!text && len) || !root)
    return api_misuse(err, "biscuit_token_from_base64: bad arguments");
  uint8_t *raw = NULL;
  size_t n = 0;
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = btk_base64_decode(text ? text : "", len, &raw, &n, &d);
  if (st != BISCUIT_OK)
    return api_from_diag(err, st, &d);
  st = decode(raw, n, &root->key, opt, out, err);
  btk_wipe(raw, n);
  bx_free(raw);
  return st;
}

biscuit_status
biscuit_token_from_bytes_unverified(const uint8_t *bytes, size_t len,
                                    const biscuit_decode_options *opt,
                                    biscuit_token **out, biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!out || (!bytes && len))
    return api_misuse(err, "biscuit_token_from_bytes_unverified: bad "
                           "arguments");
  return decode(bytes ? bytes : (const uint8_t *)"", len, NULL, opt, out, err);
}

/*
** Drops one reference; the last one frees. acq_rel on the decrement makes
** every other holder's reads happen before the teardown (a stand-alone
** acquire fence would do on its own, but ThreadSanitizer cannot see one).
*/
void biscuit_token_free(biscuit_token *t) {
  if (!t || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
    return;
  btk_token_free(t->tok);
  bx_free(t);
}

/* ------------------------------------------------------------ encoding */

biscuit_status biscuit_token_to_bytes(const biscuit_token *t, uint8_t **out,
                                      size_t *len, biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (len)
    *len = 0;
  if (!t || !out || !len)
    return api_misuse(err, "biscuit_token_to_bytes: bad arguments");
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = btk_token_encode(t->tok, out, len, &d);
  if (st != BISCUIT_OK) {
    *out = NULL;
    *len = 0;
    return api_from_diag(err, st, &d);
  }
  return BISCUIT_OK;
}

/* The raw bytes of an unsealed token hold the proof secret: wiped. */
biscuit_status biscuit_token_to_base64(const biscuit_token *t, char **out,
                                       biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!t || !out)
    return api_misuse(err, "biscuit_token_to_base64: bad arguments");
  uint8_t *raw = NULL;
  size_t n = 0;
  biscuit_status st = biscuit_token_to_bytes(t, &raw, &n, err);
  if (st != BISCUIT_OK)
    return st;
  *out = btk_base64_encode(raw, n);
  btk_wipe(raw, n);
  bx_free(raw);
  if (!*out)
    return api_fail(err, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  return BISCUIT_OK;
}

/* ------------------------------------------------------------ inspecting */

size_t biscuit_token_block_count(const biscuit_token *t) {
  return t ? t->tok->n_blocks : 0;
}

int biscuit_token_is_sealed(const biscuit_token *t) {
  return t && t->tok->envelope && t->tok->envelope->sealed;
}

int biscuit_token_is_verified(const biscuit_token *t) {
  return t && t->tok->verified;
}

int biscuit_token_root_key_id(const biscuit_token *t, uint32_t *id) {
  const btk_envelope *e = t ? t->tok->envelope : NULL;
  if (!e || !e->has_root_key_id)
    return 0;
  if (id)
    *id = e->root_key_id;
  return 1;
}

char *biscuit_token_block_source(const biscuit_token *t, size_t i) {
  const btk_block_info *b = block(t, i);
  if (!b)
    return NULL;
  bx_buf out;
  bx_buf_init(&out, 0);
  bdl_print_block(&out, tok(t)->env, &b->block);
  char *s = bx_buf_take(&out);
  bx_buf_free(&out);
  return s;
}

uint32_t biscuit_token_block_version(const biscuit_token *t, size_t i) {
  const btk_block_info *b = block(t, i);
  return b ? b->version : 0;
}

const char *biscuit_token_block_context(const biscuit_token *t, size_t i) {
  const btk_block_info *b = block(t, i);
  return b ? b->context : NULL;
}

char *biscuit_token_block_external_key(const biscuit_token *t, size_t i) {
  const btk_block_info *b = block(t, i);
  if (!b || b->external_key == BDL_NOSYM)
    return NULL;
  size_t n = 0;
  const char *s = bdl_symtab_str(tok(t)->env->keys, b->external_key, &n);
  return s ? bx_strndup(s, n) : NULL;
}

size_t biscuit_token_block_symbol_count(const biscuit_token *t, size_t i) {
  const btk_block_info *b = block(t, i);
  return b ? b->n_symbols : 0;
}

const char *biscuit_token_block_symbol(const biscuit_token *t, size_t i,
                                       size_t j) {
  const btk_block_info *b = block(t, i);
  return b && j < b->n_symbols ? b->symbols[j] : NULL;
}

char *biscuit_token_revocation_id(const biscuit_token *t, size_t i) {
  if (!t || i >= t->tok->n_blocks || !t->tok->envelope)
    return NULL;
  char *s = NULL;
  bx_diag d;
  if (btk_revocation_id(t->tok->envelope, i, &s, &d) != BISCUIT_OK)
    return NULL;
  return s;
}
