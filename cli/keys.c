/*
** Keys from the command line, in the reference CLI's three formats:
** hex text ("ed25519-private/<hex>", "secp256r1/<hex>" or bare hex, the
** algorithm flag deciding then), raw bytes (from a file only: bytes do
** not fit in an argument) and PEM (whose algorithm is inside it).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The two algorithms of Biscuit v3; the reference's spellings. */
int cli_algorithm(const char *name, biscuit_algorithm dflt,
                  biscuit_algorithm *out) {
  *out = dflt;
  if (!name)
    return CLI_EXIT_OK;
  if (!strcmp(name, "ed25519"))
    *out = BISCUIT_ED25519;
  else if (!strcmp(name, "secp256r1"))
    *out = BISCUIT_SECP256R1;
  else
    return cli_usage(
        NULL, "unknown key algorithm '%s' (expected ed25519 or secp256r1)",
        name);
  return CLI_EXIT_OK;
}

enum key_format { KEY_RAW, KEY_HEX, KEY_PEM };

/* raw | hex | pem, hex when not given. */
static int key_format(const char *name, enum key_format *out) {
  *out = KEY_HEX;
  if (!name || !strcmp(name, "hex"))
    return CLI_EXIT_OK;
  if (!strcmp(name, "raw"))
    *out = KEY_RAW;
  else if (!strcmp(name, "pem"))
    *out = KEY_PEM;
  else
    return cli_usage(NULL, "unknown key format '%s' (expected raw, hex or pem)",
                     name);
  return CLI_EXIT_OK;
}

/* Hex text may come from a file with a trailing newline. */
static void trim_end(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
    s[--n] = '\0';
}

/*
** The key material: the argument itself, or a file's contents. Raw keys
** cannot be typed, so they must come from a file.
*/
static int key_source(const char *text, const char *file, enum key_format fmt,
                      uint8_t **out, size_t *len) {
  if (file)
    return cli_read_file(file, out, len);
  if (fmt == KEY_RAW) {
    cli_error("a raw key is binary: give it in a file (or use hex)");
    return CLI_EXIT_USAGE;
  }
  *len = strlen(text);
  *out = malloc(*len + 1);
  if (!*out)
    return cli_oom();
  memcpy(*out, text, *len + 1);
  return CLI_EXIT_OK;
}

static int key_error(const char *kind, const char *file, const char *why) {
  if (file)
    cli_error("%s: not a valid %s key: %s", cli_input_name(file), kind, why);
  else
    cli_error("not a valid %s key: %s", kind, why);
  return CLI_EXIT_ERROR;
}

/* Key bytes in the given format to a key pair; PEM says its kind. */
static biscuit_status private_from(enum key_format fmt, biscuit_algorithm alg,
                                   uint8_t *src, size_t len,
                                   biscuit_keypair **out, biscuit_error **e) {
  uint8_t key[32];
  biscuit_status st;
  if (fmt == KEY_HEX) {
    trim_end((char *)src);
    return biscuit_keypair_from_text(alg, (char *)src, out, e);
  }
  if (fmt == KEY_RAW)
    return biscuit_keypair_from_bytes(alg, src, len, out, e);
  if (cli_pem_read_private((char *)src, &alg, key) != 0)
    return BISCUIT_E_FORMAT;
  st = biscuit_keypair_from_bytes(alg, key, 32, out, e);
  cli_wipe(key, sizeof key);
  return st;
}

/* What both kinds of key read first: the format, the algorithm of bare
   keys, and the key's bytes (from text or a file; caller frees). */
static int key_input(const char *text, const char *file, const char *format,
                     const char *alg_name, enum key_format *fmt,
                     biscuit_algorithm *alg, uint8_t **src, size_t *len) {
  int st = key_format(format, fmt);
  if (st == CLI_EXIT_OK)
    st = cli_algorithm(alg_name, BISCUIT_ED25519, alg);
  if (st == CLI_EXIT_OK)
    st = key_source(text, file, *fmt, src, len);
  return st;
}

/* The key material is wiped once the key pair holds it. */
int cli_private_key(const char *text, const char *file, const char *format,
                    const char *alg_name, biscuit_keypair **out) {
  enum key_format fmt;
  biscuit_algorithm alg;
  uint8_t *src = NULL;
  size_t len = 0;
  *out = NULL;
  int st = key_input(text, file, format, alg_name, &fmt, &alg, &src, &len);
  if (st != CLI_EXIT_OK)
    return st;
  biscuit_error *e = NULL;
  biscuit_status bs = private_from(fmt, alg, src, len, out, &e);
  cli_wipe(src, len);
  free(src);
  if (bs != BISCUIT_OK) {
    const char *why = e ? biscuit_error_message(e) : "not a PEM private key";
    st = key_error("private", file, why);
  }
  biscuit_error_free(e);
  return st;
}

/* Key bytes in the given format to a public key; PEM says its kind. */
static biscuit_status public_from(enum key_format fmt, biscuit_algorithm alg,
                                  uint8_t *src, size_t len,
                                  biscuit_public_key **out, biscuit_error **e) {
  uint8_t key[33];
  size_t n = 0;
  if (fmt == KEY_HEX) {
    trim_end((char *)src);
    return biscuit_public_key_from_text(alg, (char *)src, out, e);
  }
  if (fmt == KEY_RAW)
    return biscuit_public_key_from_bytes(alg, src, len, out, e);
  if (cli_pem_read_public((char *)src, &alg, key, &n) != 0)
    return BISCUIT_E_FORMAT;
  return biscuit_public_key_from_bytes(alg, key, n, out, e);
}

/* Errors name the key file when there is one. */
int cli_public_key(const char *text, const char *file, const char *format,
                   const char *alg_name, biscuit_public_key **out) {
  enum key_format fmt;
  biscuit_algorithm alg;
  uint8_t *src = NULL;
  size_t len = 0;
  *out = NULL;
  int st = key_input(text, file, format, alg_name, &fmt, &alg, &src, &len);
  if (st != CLI_EXIT_OK)
    return st;
  biscuit_error *e = NULL;
  biscuit_status bs = public_from(fmt, alg, src, len, out, &e);
  free(src);
  if (bs != BISCUIT_OK) {
    const char *why = e ? biscuit_error_message(e) : "not a PEM public key";
    st = key_error("public", file, why);
  }
  biscuit_error_free(e);
  return st;
}

/* --private-key K | --private-key-file F, one of them required. */
int cli_signing_key(const cli_args *a, biscuit_keypair **out) {
  static const char *const one_of[] = {"private-key", "private-key-file", NULL};
  *out = NULL;
  int st = cli_args_exclusive(a, one_of);
  if (st != CLI_EXIT_OK)
    return st;
  const char *text = cli_args_get(a, "private-key");
  const char *file = cli_args_get(a, "private-key-file");
  if (file && a->input && !strcmp(file, "-") && !strcmp(a->input, "-"))
    return cli_usage(a->cmd->name,
                     "only one input can be read from stdin ('-')");
  if (!text && !file)
    return cli_usage(
        a->cmd->name,
        "a signing key is needed: --private-key K or --private-key-file F");
  return cli_private_key(text, file, cli_args_get(a, "private-key-format"),
                         cli_args_get(a, "private-key-algorithm"), out);
}
