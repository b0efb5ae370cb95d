/*
** Building envelopes: a new token, attenuation, sealing and third-party
** blocks (spec "Signature (one block)", "Signature (appending)",
** "Signature (sealing)", "Appending a third-party block").
**
** Operations on an existing envelope are all or nothing: the new block is
** prepared in spare capacity past n_blocks and committed last, so a
** failure leaves the token as it was (STYLE 3.4). Bytes are copied into
** the envelope's arena; nothing of the caller's is kept.
*/
#include <string.h>

#include "token/codec.h"

static const uint8_t empty_bytes[1];

static biscuit_status nomem(bx_diag *d) {
  return bx_fail(d, BISCUIT_E_NOMEM, "InternalError", "out of memory");
}

static biscuit_status misuse(bx_diag *d, const char *what) {
  return bx_fail(d, BISCUIT_E_MISUSE, "InternalError", "%s", what);
}

/* An envelope that can take a new block or a seal. */
static bool usable(const btk_envelope *e) {
  return e && e->n_blocks > 0 && e->blocks;
}

static bool arena_copy(bx_arena *a, const uint8_t *p, size_t n, btk_span *out) {
  uint8_t *c;
  out->ptr = empty_bytes;
  out->len = 0;
  if (n == 0)
    return true;
  c = bx_arena_alloc(a, n);
  if (!c)
    return false;
  memcpy(c, p, n);
  out->ptr = c;
  out->len = n;
  return true;
}

/* Sign `msg` and keep the signature in the arena. */
static biscuit_status sign_into(bx_arena *a, const btk_privkey *key,
                                const bx_buf *msg, btk_span *out, bx_diag *d) {
  uint8_t sig[BTK_SIG_MAX];
  size_t n = 0;
  biscuit_status st =
      btk_sign(key, (const uint8_t *)msg->data, msg->len, sig, &n, d);
  if (st == BISCUIT_OK && !arena_copy(a, sig, n, out))
    st = nomem(d);
  return st;
}

/* Block payload (v0 or v1 per b->version) signed by key into b->sig. */
static biscuit_status sign_block(bx_arena *a, btk_signed_block *b,
                                 const btk_privkey *key, const btk_span *prev,
                                 bx_diag *d) {
  bx_buf buf;
  biscuit_status st;
  bx_buf_init(&buf, 0);
  st = btk_payload_block(&buf, b->version, b->block, &b->next_key,
                         b->has_external ? &b->ext_sig : NULL, prev, d);
  if (st == BISCUIT_OK)
    st = sign_into(a, key, &buf, &b->sig, d);
  bx_buf_free(&buf);
  return st;
}

/* The reference always makes a fresh Ed25519 key for the next block. */
static biscuit_status pick_next(const btk_privkey *next, btk_privkey *fresh,
                                const btk_privkey **out, bx_diag *d) {
  memset(fresh, 0, sizeof *fresh); /* always safe to wipe afterwards */
  *out = next;
  if (next)
    return BISCUIT_OK;
  *out = fresh;
  return btk_privkey_generate(BTK_ALG_ED25519, fresh, d);
}

biscuit_status
btk_envelope_create(const uint8_t *block, size_t len, uint32_t datalog_version,
                    const btk_privkey *root, const uint32_t *root_key_id,
                    const btk_privkey *next, btk_envelope **out, bx_diag *d) {
  btk_privkey fresh;
  const btk_privkey *nk = NULL;
  btk_envelope *e = NULL;
  btk_signed_block *b;
  biscuit_status st;
  *out = NULL;
  if (!root || (!block && len))
    return misuse(d, "create needs a root key and block bytes");
  st = pick_next(next, &fresh, &nk, d);
  if (st != BISCUIT_OK)
    return st;
  e = btk_envelope_new();
  if (!e ||
      !bx_grow((void **)&e->blocks, &e->cap_blocks, 1, sizeof *e->blocks)) {
    st = nomem(d);
    goto fail;
  }
  b = &e->blocks[0];
  memset(b, 0, sizeof *b);
  b->next_key = nk->pub;
  b->version = btk_sig_version(root->alg, nk->alg, false, datalog_version, 0);
  st = arena_copy(&e->arena, block, len, &b->block) ? BISCUIT_OK : nomem(d);
  if (st == BISCUIT_OK)
    st = sign_block(&e->arena, b, root, NULL, d);
  if (st != BISCUIT_OK)
    goto fail;
  e->n_blocks = 1;
  e->has_root_key_id = root_key_id != NULL;
  e->root_key_id = root_key_id ? *root_key_id : 0;
  e->secret = *nk;
  btk_privkey_wipe(&fresh);
  *out = e;
  return BISCUIT_OK;
fail:
  btk_privkey_wipe(&fresh);
  btk_envelope_free(e);
  return st;
}

static biscuit_status refuse_sealed(const btk_envelope *e, bx_diag *d) {
  if (!usable(e))
    return misuse(d, "no token to append to");
  if (e->sealed)
    return bx_fail(d, BISCUIT_E_MISUSE, "AppendOnSealed",
                   "tried to append a block to a sealed token");
  return BISCUIT_OK;
}

static uint32_t max_version(const btk_envelope *e) {
  uint32_t v = 0;
  for (size_t i = 0; i < e->n_blocks; i++)
    if (e->blocks[i].version > v)
      v = e->blocks[i].version;
  return v;
}

/*
** Prepare block n in spare capacity, sign it with the proof secret, then
** commit: the new next key's secret becomes the proof.
*/
static biscuit_status push_block(btk_envelope *e, btk_span block,
                                 const btk_tp_contents *ext,
                                 uint32_t datalog_version,
                                 const btk_privkey *next, bx_diag *d) {
  btk_privkey fresh;
  const btk_privkey *nk = NULL;
  btk_signed_block *b;
  biscuit_status st = pick_next(next, &fresh, &nk, d);
  if (st != BISCUIT_OK)
    return st;
  if (!bx_grow((void **)&e->blocks, &e->cap_blocks, e->n_blocks + 1,
               sizeof *e->blocks)) {
    st = nomem(d);
    goto done;
  }
  b = &e->blocks[e->n_blocks];
  memset(b, 0, sizeof *b);
  b->next_key = nk->pub;
  b->version = btk_sig_version(e->secret.alg, nk->alg, ext != NULL,
                               datalog_version, max_version(e));
  if (!arena_copy(&e->arena, block.ptr, block.len, &b->block) ||
      (ext &&
       !arena_copy(&e->arena, ext->ext_sig, ext->ext_sig_len, &b->ext_sig))) {
    st = nomem(d);
    goto done;
  }
  if (ext) {
    b->has_external = true;
    b->ext_key = ext->ext_key;
  }
  st = sign_block(&e->arena, b, &e->secret, &btk_envelope_last(e)->sig, d);
  if (st == BISCUIT_OK) {
    e->n_blocks++;
    btk_privkey_wipe(&e->secret);
    e->secret = *nk;
  }
done:
  btk_privkey_wipe(&fresh);
  return st;
}

biscuit_status btk_envelope_append(btk_envelope *e, const uint8_t *block,
                                   size_t len, uint32_t datalog_version,
                                   const btk_privkey *next, bx_diag *d) {
  btk_span s = {block, len};
  biscuit_status st = refuse_sealed(e, d);
  if (st != BISCUIT_OK)
    return st;
  if (!block && len)
    return misuse(d, "append needs block bytes");
  return push_block(e, s, NULL, datalog_version, next, d);
}

/* Sign the last block and its signature with the proof secret. */
biscuit_status btk_envelope_seal(btk_envelope *e, bx_diag *d) {
  bx_buf buf;
  btk_span sig;
  biscuit_status st;
  if (!usable(e))
    return misuse(d, "no token to seal");
  if (e->sealed)
    return bx_fail(d, BISCUIT_E_MISUSE, "AlreadySealed",
                   "tried to seal an already sealed token");
  bx_buf_init(&buf, 0);
  st = btk_payload_seal(&buf, btk_envelope_last(e), d);
  if (st == BISCUIT_OK)
    st = sign_into(&e->arena, &e->secret, &buf, &sig, d);
  bx_buf_free(&buf);
  if (st != BISCUIT_OK)
    return st;
  e->final_sig = sig;
  e->sealed = true;
  btk_privkey_wipe(&e->secret);
  return BISCUIT_OK;
}

/* ================================================== third-party blocks */

biscuit_status btk_tp_request_from_envelope(const btk_envelope *e,
                                            uint8_t **out, size_t *out_len,
                                            bx_diag *d) {
  biscuit_status st = refuse_sealed(e, d);
  *out = NULL;
  *out_len = 0;
  if (st != BISCUIT_OK)
    return st;
  return btk_tp_request_encode(btk_envelope_last(e)->sig, out, out_len, d);
}

biscuit_status btk_tp_contents_create(btk_span prev_sig, const uint8_t *block,
                                      size_t len, const btk_privkey *key,
                                      btk_tp_contents *out, bx_diag *d) {
  btk_span data = {block, len};
  uint8_t sig[BTK_SIG_MAX];
  size_t n = 0;
  bx_buf buf;
  biscuit_status st;
  memset(out, 0, sizeof *out);
  if (!key || (!block && len) || (!prev_sig.ptr && prev_sig.len))
    return misuse(d, "third-party contents need a key and bytes");
  bx_buf_init(&buf, 0);
  st = btk_payload_external(&buf, 1, data, prev_sig, d);
  if (st == BISCUIT_OK)
    st = btk_sign(key, (const uint8_t *)buf.data, buf.len, sig, &n, d);
  bx_buf_free(&buf);
  if (st != BISCUIT_OK)
    return st;
  out->block = bx_malloc(len ? len : 1);
  out->ext_sig = bx_malloc(n);
  if (!out->block || !out->ext_sig) {
    btk_tp_contents_clear(out);
    return nomem(d);
  }
  if (len)
    memcpy(out->block, block, len);
  memcpy(out->ext_sig, sig, n);
  out->block_len = len;
  out->ext_sig_len = n;
  out->ext_key = key->pub;
  return BISCUIT_OK;
}

/* The external signature must cover this token's last signature. */
static biscuit_status check_contents(const btk_envelope *e,
                                     const btk_tp_contents *c,
                                     const btk_pubkey *expected, bx_diag *d) {
  btk_span data = {c->block, c->block_len};
  bx_buf buf;
  biscuit_status st;
  if (expected && !btk_pubkey_equal(expected, &c->ext_key)) {
    char text[BTK_PUBKEY_TEXT_MAX];
    btk_pubkey_format(&c->ext_key, text, sizeof text);
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                   "deserialization error: unexpected key %s", text);
  }
  bx_buf_init(&buf, 0);
  st = btk_payload_external(&buf, 1, data, btk_envelope_last(e)->sig, d);
  if (st == BISCUIT_OK)
    st = btk_verify(&c->ext_key, (const uint8_t *)buf.data, buf.len, c->ext_sig,
                    c->ext_sig_len, d);
  bx_buf_free(&buf);
  return st;
}

biscuit_status btk_envelope_append_third_party(btk_envelope *e,
                                               const btk_tp_contents *c,
                                               const btk_pubkey *expected,
                                               const btk_privkey *next,
                                               bx_diag *d) {
  btk_span block = {c ? c->block : NULL, c ? c->block_len : 0};
  biscuit_status st = refuse_sealed(e, d);
  if (st == BISCUIT_OK && (!c || !c->ext_sig || (!c->block && c->block_len)))
    st = misuse(d, "no third-party contents");
  if (st == BISCUIT_OK)
    st = check_contents(e, c, expected, d);
  if (st != BISCUIT_OK)
    return st;
  return push_block(e, block, c, 0, next, d);
}
