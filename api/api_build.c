/*
** Building tokens: create, attenuate, seal, third-party blocks, and the
** base64 helpers. Block text is parsed here into a fresh env (parameters
** bound into it); token/ serializes it with the token's own symbol and
** key tables, so the scratch env is dropped once the call returns.
*/
#include <string.h>

#include "api/api_int.h"

static const char *context_of(const biscuit_block_options *opt) {
  return opt ? opt->context : NULL;
}

static const biscuit_params *params_of(const biscuit_block_options *opt) {
  return opt ? opt->params : NULL;
}

/* The block's text with its parameters; parse errors name the text
   opt->filename, when given, instead of the default "<input>". */
static biscuit_status parse_block(const char *datalog,
                                  const biscuit_block_options *opt,
                                  bdl_env **env, bdl_block *b,
                                  biscuit_error **err) {
  return api_parse_block(datalog, params_of(opt), opt ? opt->filename : NULL,
                         env, b, err);
}

biscuit_status biscuit_token_create(const biscuit_keypair *root,
                                    const char *datalog,
                                    const biscuit_block_options *opt,
                                    biscuit_token **out, biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!root || !datalog || !out)
    return api_misuse(err, "biscuit_token_create: bad arguments");
  bdl_env *env;
  bdl_block b;
  biscuit_status st = parse_block(datalog, opt, &env, &b, err);
  if (st != BISCUIT_OK)
    return st;
  uint32_t id = opt ? opt->root_key_id : 0;
  const uint32_t *idp = opt && opt->has_root_key_id ? &id : NULL;
  btk_token *t = NULL;
  bx_diag d;
  bx_diag_clear(&d);
  st = btk_token_create(&root->priv, env, &b, context_of(opt), idp, &t, &d);
  bdl_block_free(&b);
  bdl_env_free(env);
  if (st != BISCUIT_OK)
    return api_from_diag(err, st, &d);
  return api_token_wrap(t, out, err);
}

biscuit_status biscuit_token_append(const biscuit_token *t, const char *datalog,
                                    const biscuit_block_options *opt,
                                    biscuit_token **out, biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!t || !datalog || !out)
    return api_misuse(err, "biscuit_token_append: bad arguments");
  if (opt && opt->has_root_key_id)
    return api_misuse(err, "a root key id belongs to the authority block");
  bdl_env *env;
  bdl_block b;
  biscuit_status st = parse_block(datalog, opt, &env, &b, err);
  if (st != BISCUIT_OK)
    return st;
  btk_token *nt = NULL;
  bx_diag d;
  bx_diag_clear(&d);
  st = btk_token_append(t->tok, env, &b, context_of(opt), &nt, &d);
  bdl_block_free(&b);
  bdl_env_free(env);
  if (st != BISCUIT_OK)
    return api_from_diag(err, st, &d);
  return api_token_wrap(nt, out, err);
}

biscuit_status biscuit_token_seal(const biscuit_token *t, biscuit_token **out,
                                  biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!t || !out)
    return api_misuse(err, "biscuit_token_seal: bad arguments");
  btk_token *nt = NULL;
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = btk_token_seal(t->tok, &nt, &d);
  if (st != BISCUIT_OK)
    return api_from_diag(err, st, &d);
  return api_token_wrap(nt, out, err);
}

/* ------------------------------------------------------------ third party */

biscuit_status biscuit_token_third_party_request(const biscuit_token *t,
                                                 uint8_t **out, size_t *len,
                                                 biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (len)
    *len = 0;
  if (!t || !out || !len)
    return api_misuse(err, "biscuit_token_third_party_request: bad "
                           "arguments");
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = btk_token_tp_request(t->tok, out, len, &d);
  if (st != BISCUIT_OK) {
    *out = NULL;
    *len = 0;
    return api_from_diag(err, st, &d);
  }
  return BISCUIT_OK;
}

biscuit_status biscuit_third_party_block_create(
    const uint8_t *request, size_t request_len, const biscuit_keypair *signer,
    const char *datalog, const biscuit_block_options *opt, uint8_t **out,
    size_t *len, biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (len)
    *len = 0;
  if (!request || !signer || !datalog || !out || !len)
    return api_misuse(err, "biscuit_third_party_block_create: bad "
                           "arguments");
  if (opt && opt->has_root_key_id)
    return api_misuse(err, "a root key id belongs to the authority block");
  bdl_env *env;
  bdl_block b;
  biscuit_status st = parse_block(datalog, opt, &env, &b, err);
  if (st != BISCUIT_OK)
    return st;
  bx_diag d;
  bx_diag_clear(&d);
  st = btk_tp_block_create(request, request_len, &signer->priv, env, &b,
                           context_of(opt), out, len, &d);
  bdl_block_free(&b);
  bdl_env_free(env);
  if (st != BISCUIT_OK) {
    *out = NULL;
    *len = 0;
    return api_from_diag(err, st, &d);
  }
  return BISCUIT_OK;
}

biscuit_status biscuit_token_append_third_party(const biscuit_token *t,
                                                const uint8_t *contents,
                                                size_t contents_len,
                                                biscuit_token **out,
                                                biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!t || !contents || !out)
    return api_misuse(err, "biscuit_token_append_third_party: bad "
                           "arguments");
  btk_token *nt = NULL;
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st =
      btk_token_append_tp(t->tok, contents, contents_len, &nt, &d);
  if (st != BISCUIT_OK)
    return api_from_diag(err, st, &d);
  return api_token_wrap(nt, out, err);
}

/* ---------------------------------------------------------------- base64 */

char *biscuit_base64_encode(const uint8_t *p, size_t len) {
  if (!p && len)
    return NULL;
  return btk_base64_encode(p ? p : (const uint8_t *)"", len);
}

biscuit_status biscuit_base64_decode(const char *text, size_t len,
                                     uint8_t **out, size_t *out_len) {
  if (out)
    *out = NULL;
  if (out_len)
    *out_len = 0;
  if ((!text && len) || !out || !out_len)
    return BISCUIT_E_MISUSE;
  biscuit_status st =
      btk_base64_decode(text ? text : "", len, out, out_len, NULL);
  if (st != BISCUIT_OK) {
    *out = NULL;
    *out_len = 0;
  }
  return st;
}
