/*
** --param NAME[:TYPE]=VALUE: values for `{NAME}` placeholders in the
** Datalog given to a command (block text, authorizer, query). TYPE is
** string (the default), integer, date (RFC 3339), bytes (hex, with or
** without the reference's "hex:" prefix), bool (true/false) or pubkey
** ("ed25519/<hex>", "secp256r1/<hex>").
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int bad(const char *param, const char *why) {
  cli_error("--param '%s': %s", param, why);
  return CLI_EXIT_USAGE;
}

static int hex_val(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Hex digits to bytes in a new buffer; NULL with *ok = 0 if invalid. */
static uint8_t *hex_bytes(const char *s, size_t *len, int *ok) {
  size_t n = strlen(s);
  *ok = n % 2 == 0;
  *len = n / 2;
  uint8_t *out = *ok ? malloc(*len + 1) : NULL;
  for (size_t i = 0; out && i < *len; i++) {
    int hi = hex_val(s[2 * i]), lo = hex_val(s[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      *ok = 0;
      free(out);
      return NULL;
    }
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return out;
}

/* A signed 64-bit integer, as Datalog's; overflow is refused. */
static biscuit_status set_integer(biscuit_params *p, const char *name,
                                  const char *v, const char **why) {
  char *end;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  if (!*v || *end || errno) {
    *why = "not an integer (64 bits, signed)";
    return BISCUIT_E_MISUSE;
  }
  return biscuit_params_integer(p, name, (int64_t)n);
}

/* Hex bytes, with or without the reference's "hex:" prefix. */
static biscuit_status set_bytes(biscuit_params *p, const char *name,
                                const char *v, const char **why) {
  size_t len;
  int ok;
  if (!strncmp(v, "hex:", 4))
    v += 4;
  uint8_t *b = hex_bytes(v, &len, &ok);
  if (!ok) {
    *why = "not hex bytes (e.g. hex:0a1b)";
    return BISCUIT_E_MISUSE;
  }
  if (!b)
    return BISCUIT_E_NOMEM;
  biscuit_status st = biscuit_params_bytes(p, name, b, len);
  free(b);
  return st;
}

/* A prefixed public key, for `trusting {name}` scopes. */
static biscuit_status set_key(biscuit_params *p, const char *name,
                              const char *v, const char **why) {
  biscuit_public_key *pk = NULL;
  biscuit_status st =
      biscuit_public_key_from_text(BISCUIT_ED25519, v, &pk, NULL);
  if (st != BISCUIT_OK) {
    *why = "not a public key (e.g. ed25519/<64 hex digits>)";
    return st;
  }
  st = biscuit_params_public_key(p, name, pk);
  biscuit_public_key_free(pk);
  return st;
}

/* One value of the named type; *why says what was wrong. */
static biscuit_status set_typed(biscuit_params *p, const char *name,
                                const char *type, const char *v,
                                const char **why) {
  uint64_t date;
  if (!strcmp(type, "string"))
    return biscuit_params_string(p, name, v);
  if (!strcmp(type, "integer"))
    return set_integer(p, name, v, why);
  if (!strcmp(type, "bytes"))
    return set_bytes(p, name, v, why);
  if (!strcmp(type, "pubkey"))
    return set_key(p, name, v, why);
  if (!strcmp(type, "bool")) {
    if (strcmp(v, "true") && strcmp(v, "false")) {
      *why = "not a bool (true or false)";
      return BISCUIT_E_MISUSE;
    }
    return biscuit_params_bool(p, name, !strcmp(v, "true"));
  }
  if (!strcmp(type, "date")) {
    if (cli_parse_date(v, &date) != 0) {
      *why = "not an RFC 3339 date (e.g. 2025-01-31T12:00:00Z)";
      return BISCUIT_E_MISUSE;
    }
    return biscuit_params_date(p, name, date);
  }
  *why = "unknown type (string, integer, date, bytes, bool or pubkey)";
  return BISCUIT_E_MISUSE;
}

/* One NAME[:TYPE]=VALUE argument. */
static int add_param(biscuit_params *p, const char *arg) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg)
    return bad(arg, "expected NAME[:TYPE]=VALUE");
  size_t n = (size_t)(eq - arg);
  char *name = malloc(n + 1);
  if (!name)
    return cli_oom();
  memcpy(name, arg, n);
  name[n] = '\0';
  char *colon = strchr(name, ':');
  if (colon)
    *colon = '\0';
  const char *why = "the library refused it";
  biscuit_status st =
      name[0] ? set_typed(p, name, colon ? colon + 1 : "string", eq + 1, &why)
              : BISCUIT_E_MISUSE;
  if (!name[0])
    why = "empty name";
  free(name);
  if (st == BISCUIT_E_NOMEM)
    return cli_oom();
  return st == BISCUIT_OK ? CLI_EXIT_OK : bad(arg, why);
}

/* Every --param, in order; the first bad one stops the command. */
int cli_params(const cli_args *a, biscuit_params **out) {
  size_t pos = 0;
  const char *arg;
  *out = biscuit_params_new();
  if (!*out)
    return cli_oom();
  while ((arg = cli_args_next(a, "param", &pos)) != NULL) {
    int st = add_param(*out, arg);
    if (st != CLI_EXIT_OK) {
      biscuit_params_free(*out);
      *out = NULL;
      return st;
    }
  }
  return CLI_EXIT_OK;
}
