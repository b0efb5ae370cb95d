/*
** Private to api/: the public handles' insides and the helpers every
** api_*.c file shares. api/ is the only implementation of biscuit.h
** (Lua's lapi.c): it checks arguments (BISCUIT_E_MISUSE), turns internal
** diagnostics into biscuit_error objects, and delegates everything else
** to token/ (which delegates to parser/ and datalog/).
**
**   api_error.c       status strings, version, biscuit_free, error objects
**   api_error_kind.c  internal tags -> the reference's variant paths
**   api_error_json.c  an error as the reference's externally tagged JSON
**   api_keys.c        key pairs and public keys
**   api_params.c      `{name}` parameters, bound into an env for parsing
**   api_token.c       decoding, encoding, inspecting tokens
**   api_build.c       create, append, seal, third-party blocks, base64
**   api_policy.c      policy sets
**   api_authorizer.c  authorizers
**   api_cache.c       the verified-token cache
**   api_world.c       the world as text (biscuit_authorizer_world_text)
*/
#ifndef BISCUIT_API_INT_H
#define BISCUIT_API_INT_H

#include <stdatomic.h>

#include "token/authorizer.h"
#include "token/codec.h"
#include "token/crypto.h"
#include "token/token.h"

struct biscuit_public_key {
  btk_pubkey key;
};

struct biscuit_keypair {
  btk_privkey priv;
  struct biscuit_public_key pub; /* handed out borrowed */
};

/*
** A token handle is reference-counted so that the verified-token cache and
** any number of callers can hold the same immutable decoded token; every
** constructor returns a count of 1 and biscuit_token_free drops one.
*/
struct biscuit_token {
  btk_token *tok;
  atomic_size_t refs;
};

struct biscuit_policy {
  btk_policy *p;
};

struct biscuit_authorizer {
  btk_authorizer *a;
  const biscuit_policy *policy;
};

/* ---------------------------------------------------------------- errors */

typedef struct api_failed_check {
  uint32_t block_id; /* BISCUIT_AUTHORIZER_BLOCK for the authorizer */
  uint32_t check_index;
  char *rule;
} api_failed_check;

struct biscuit_error {
  biscuit_status status;
  char *kind;    /* never NULL */
  char *message; /* never NULL */
  char *report;  /* never NULL */
  unsigned line, column;
  api_failed_check *checks;
  size_t n_checks;
  int policy_kind; /* 'a', 'd' or 0 */
  size_t policy_index;
  /* Values the JSON form carries beside the kind: the rule of an
     InvalidBlockRule; the function name (and message) of an extern. */
  char *arg[2];
};

/* Kind path of an internal status and tag (api_error_kind.c); static. */
const char *api_kind_path(biscuit_status st, const char *tag, char *buf,
                          size_t cap);

/*
** Error objects. Each returns `st` and, when err is not NULL, stores a new
** error in *err (a static out-of-memory error when even that fails).
*/
biscuit_status api_fail(biscuit_error **err, biscuit_status st,
                        const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
biscuit_status api_misuse(biscuit_error **err, const char *what);
biscuit_status api_from_diag(biscuit_error **err, biscuit_status st,
                             const bx_diag *d);
/* A parse error with its report (file:line:col, source line, caret). */
biscuit_status api_parse_error(biscuit_error **err, biscuit_status st,
                               const bx_diag *d, const char *filename,
                               const char *src, size_t len);
/* An empty error of status st to fill in; NULL when out of memory. */
biscuit_error *api_error_new(biscuit_status st, const char *kind,
                             const char *message);
/* Store e in *err (err may be NULL: e is freed); returns st. */
biscuit_status api_error_store(biscuit_error **err, biscuit_error *e,
                               biscuit_status st);
/* Clear *err at the start of a call. */
static inline void api_ok(biscuit_error **err) {
  if (err)
    *err = NULL;
}

/* -------------------------------------------------------------- params */

/*
** Parameters bound into `env` for one parse: string and byte values are
** made there, keys passed as text. api_params_unbind frees the arrays.
*/
biscuit_status api_params_bind(const biscuit_params *p, bdl_env *env,
                               const char *filename, bpa_options *opt);
void api_params_unbind(bpa_options *opt);

/* Wrap a token/ token in a new handle (t is freed on failure). */
biscuit_status api_token_wrap(btk_token *t, biscuit_token **out,
                              biscuit_error **err);
/* One more reference to t; each is dropped by biscuit_token_free. */
void api_token_ref(biscuit_token *t);
/* Public decode options over token/'s defaults; NULL and 0 keep them. */
btk_decode_opts api_decode_opts(const biscuit_decode_options *opt);

/*
** Parse block text (BPA_BLOCK) into a fresh env; errors as biscuit_error,
** their report naming `filename` (NULL: "<input>").
*/
biscuit_status api_parse_block(const char *datalog,
                               const biscuit_params *params,
                               const char *filename, bdl_env **env,
                               bdl_block *block, biscuit_error **err);

#endif
