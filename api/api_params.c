/*
** `{name}` parameters. The caller fills a biscuit_params with plain
** values; each parse binds them into the env it parses into (strings are
** interned there, byte strings allocated there), since a term is only
** meaningful in its env. Public-key parameters (`trusting {name}`) cross
** as their text "ed25519/<hex>", which the parser interns itself.
*/
#include <string.h>

#include "api/api_int.h"

enum api_ptype { P_STR, P_INT, P_BOOL, P_DATE, P_BYTES, P_KEY };

typedef struct api_param {
  char *name;
  enum api_ptype type;
  int64_t i;     /* P_INT; P_BOOL as 0/1 */
  uint64_t date; /* P_DATE */
  uint8_t *data; /* P_STR (NUL-terminated), P_BYTES, P_KEY (text) */
  size_t len;
} api_param;

struct biscuit_params {
  api_param *v;
  size_t n, cap;
};

biscuit_params *biscuit_params_new(void) {
  return bx_calloc(1, sizeof(biscuit_params));
}

void biscuit_params_free(biscuit_params *p) {
  if (!p)
    return;
  for (size_t i = 0; i < p->n; i++) {
    bx_free(p->v[i].name);
    bx_free(p->v[i].data);
  }
  bx_free(p->v);
  bx_free(p);
}

/* The slot for `name`: the existing one (emptied) or a new one. */
static api_param *slot(biscuit_params *p, const char *name) {
  for (size_t i = 0; i < p->n; i++) {
    if (strcmp(p->v[i].name, name) == 0) {
      bx_free(p->v[i].data);
      p->v[i].data = NULL;
      p->v[i].len = 0;
      return &p->v[i];
    }
  }
  if (!bx_grow((void **)&p->v, &p->cap, p->n + 1, sizeof *p->v))
    return NULL;
  api_param *s = &p->v[p->n];
  memset(s, 0, sizeof *s);
  s->name = bx_strndup(name, strlen(name));
  if (!s->name)
    return NULL;
  p->n++;
  return s;
}

/* Set a parameter; `data` (len bytes) is copied when not NULL. */
static biscuit_status set(biscuit_params *p, const char *name,
                          enum api_ptype type, int64_t i, uint64_t date,
                          const void *data, size_t len) {
  if (!p || !name || !name[0] || (len && !data))
    return BISCUIT_E_MISUSE;
  uint8_t *copy = NULL;
  if (data) {
    copy = bx_malloc(len + 1);
    if (!copy)
      return BISCUIT_E_NOMEM;
    if (len)
      memcpy(copy, data, len);
    copy[len] = 0;
  }
  api_param *s = slot(p, name);
  if (!s) {
    bx_free(copy);
    return BISCUIT_E_NOMEM;
  }
  s->type = type;
  s->i = i;
  s->date = date;
  s->data = copy;
  s->len = len;
  return BISCUIT_OK;
}

biscuit_status biscuit_params_string(biscuit_params *p, const char *name,
                                     const char *value) {
  if (!value)
    return BISCUIT_E_MISUSE;
  return set(p, name, P_STR, 0, 0, value, strlen(value));
}

biscuit_status biscuit_params_integer(biscuit_params *p, const char *name,
                                      int64_t value) {
  return set(p, name, P_INT, value, 0, NULL, 0);
}

biscuit_status biscuit_params_bool(biscuit_params *p, const char *name,
                                   int value) {
  return set(p, name, P_BOOL, value != 0, 0, NULL, 0);
}

biscuit_status biscuit_params_date(biscuit_params *p, const char *name,
                                   uint64_t value) {
  return set(p, name, P_DATE, 0, value, NULL, 0);
}

biscuit_status biscuit_params_bytes(biscuit_params *p, const char *name,
                                    const uint8_t *value, size_t len) {
  return set(p, name, P_BYTES, 0, 0, value ? value : (const uint8_t *)"", len);
}

biscuit_status biscuit_params_public_key(biscuit_params *p, const char *name,
                                         const biscuit_public_key *value) {
  if (!value)
    return BISCUIT_E_MISUSE;
  char buf[BTK_PUBKEY_TEXT_MAX + 8];
  size_t n = btk_pubkey_format(&value->key, buf, sizeof buf);
  if (n >= sizeof buf)
    return BISCUIT_E_MISUSE;
  return set(p, name, P_KEY, 0, 0, buf, n);
}

/* ------------------------------------------------------------ binding */

static biscuit_status term_of(const api_param *s, bdl_env *env, bdl_term *out) {
  switch (s->type) {
  case P_STR:
    return bdl_make_str(env, (const char *)s->data, s->len, out);
  case P_BYTES:
    return bdl_make_bytes(env, s->data, s->len, out);
  case P_INT:
    *out = bdl_int(s->i);
    return BISCUIT_OK;
  case P_BOOL:
    *out = bdl_bool(s->i != 0);
    return BISCUIT_OK;
  case P_DATE:
    *out = bdl_date(s->date);
    return BISCUIT_OK;
  default:
    return BISCUIT_E_MISUSE;
  }
}

void api_params_unbind(bpa_options *opt) {
  bx_free((void *)opt->params);
  bx_free((void *)opt->key_param_names);
  bx_free((void *)opt->key_param_values);
  opt->params = NULL;
  opt->key_param_names = opt->key_param_values = NULL;
  opt->n_params = opt->n_key_params = 0;
}

static biscuit_status bind_one(const api_param *s, bdl_env *env, bpa_param *ps,
                               const char **kn, const char **kv,
                               bpa_options *opt) {
  if (s->type == P_KEY) {
    kn[opt->n_key_params] = s->name;
    kv[opt->n_key_params++] = (const char *)s->data;
    return BISCUIT_OK;
  }
  ps[opt->n_params].name = s->name;
  biscuit_status st = term_of(s, env, &ps[opt->n_params].value);
  if (st == BISCUIT_OK)
    opt->n_params++;
  return st;
}

biscuit_status api_params_bind(const biscuit_params *p, bdl_env *env,
                               const char *filename, bpa_options *opt) {
  memset(opt, 0, sizeof *opt);
  opt->filename = filename;
  if (!p || p->n == 0)
    return BISCUIT_OK;
  bpa_param *ps = bx_calloc(p->n, sizeof *ps);
  const char **kn = bx_calloc(p->n, sizeof *kn);
  const char **kv = bx_calloc(p->n, sizeof *kv);
  opt->params = ps;
  opt->key_param_names = kn;
  opt->key_param_values = kv;
  biscuit_status st = ps && kn && kv ? BISCUIT_OK : BISCUIT_E_NOMEM;
  for (size_t i = 0; i < p->n && st == BISCUIT_OK; i++)
    st = bind_one(&p->v[i], env, ps, kn, kv, opt);
  if (st != BISCUIT_OK)
    api_params_unbind(opt);
  return st;
}

/* ------------------------------------------------------------ parsing */

biscuit_status api_parse_block(const char *datalog,
                               const biscuit_params *params,
                               const char *filename, bdl_env **env,
                               bdl_block *block, biscuit_error **err) {
  bdl_block_init(block);
  *env = bdl_env_new(NULL);
  if (!*env)
    return api_fail(err, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  bpa_options opt;
  biscuit_status st = api_params_bind(params, *env, filename, &opt);
  if (st != BISCUIT_OK) {
    bdl_env_free(*env);
    *env = NULL;
    return api_fail(err, st, NULL, "parameters could not be bound");
  }
  bx_diag d;
  size_t len = strlen(datalog);
  st = bpa_parse_relaxed(*env, datalog, len, BPA_BLOCK, &opt, block, &d);
  api_params_unbind(&opt);
  if (st != BISCUIT_OK) {
    bdl_block_free(block);
    bdl_env_free(*env);
    *env = NULL;
    return api_parse_error(err, st, &d, filename, datalog, len);
  }
  return BISCUIT_OK;
}
