/*
** biscuit keypair: a new random key pair, or the public half of a given
** private key, printed as prefixed hex (the default), raw bytes or PEM.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt OPTS[] = {
    {"from-private-key", CLI_VALUE, "K", "use this private key (text)"},
    {"from-file", CLI_VALUE, "F|-", "read the private key from a file"},
    {"from-format", CLI_VALUE, "raw|hex|pem",
     "format of the given private key (default hex)"},
    {"from-algorithm", CLI_VALUE, "ALG",
     "algorithm of a bare hex or raw private key (default ed25519)"},
    {"key-algorithm", CLI_VALUE, "ALG",
     "algorithm of a new key pair: ed25519 (default) or secp256r1"},
    {"key-output-format", CLI_VALUE, "raw|hex|pem",
     "output format (default hex; raw needs --only-*)"},
    {"only-public-key", CLI_FLAG, NULL, "print only the public key"},
    {"only-private-key", CLI_FLAG, NULL, "print only the private key"},
    {NULL, CLI_FLAG, NULL, NULL}};

/* A key in the chosen format; raw bytes are written as they are. */
static int print_private(const biscuit_keypair *kp, const char *fmt) {
  uint8_t raw[32];
  char *s = NULL;
  if (!strcmp(fmt, "raw")) {
    if (biscuit_keypair_private_bytes(kp, raw) != BISCUIT_OK)
      return cli_oom();
    int st = cli_write_encoded(raw, 32, 1);
    cli_wipe(raw, sizeof raw);
    return st;
  }
  s = !strcmp(fmt, "pem") ? cli_pem_private(kp)
                          : biscuit_keypair_private_text(kp);
  if (!s)
    return cli_oom();
  printf("%s\n", s);
  cli_wipe(s, strlen(s));
  if (!strcmp(fmt, "pem"))
    free(s);
  else
    biscuit_free(s);
  return CLI_EXIT_OK;
}

/* Raw public keys are 32 (Ed25519) or 33 (compressed P-256) bytes. */
static int print_public(const biscuit_public_key *pk, const char *fmt) {
  uint8_t raw[33];
  if (!strcmp(fmt, "raw")) {
    size_t n = biscuit_public_key_bytes(pk, raw);
    return cli_write_encoded(raw, n, 1);
  }
  int pem = !strcmp(fmt, "pem");
  char *s = pem ? cli_pem_public(pk) : biscuit_public_key_text(pk);
  if (!s)
    return cli_oom();
  printf("%s\n", s);
  if (pem)
    free(s);
  else
    biscuit_free(s);
  return CLI_EXIT_OK;
}

/* Both halves, labelled, as the reference prints them. */
static int print_both(const biscuit_keypair *kp, const char *fmt,
                      int generated) {
  if (generated)
    printf("Generating a new random keypair\n");
  printf("Private key: ");
  int st = print_private(kp, fmt);
  if (st == CLI_EXIT_OK) {
    printf("Public key: ");
    st = print_public(biscuit_keypair_public(kp), fmt);
  }
  return st;
}

/* A given private key wins; otherwise a fresh pair of the chosen kind. */
static int load_or_generate(const cli_args *a, biscuit_keypair **kp) {
  const char *text = cli_args_get(a, "from-private-key");
  const char *file = cli_args_get(a, "from-file");
  if (text || file)
    return cli_private_key(text, file, cli_args_get(a, "from-format"),
                           cli_args_get(a, "from-algorithm"), kp);
  biscuit_algorithm alg;
  int st =
      cli_algorithm(cli_args_get(a, "key-algorithm"), BISCUIT_ED25519, &alg);
  if (st != CLI_EXIT_OK)
    return st;
  biscuit_error *e = NULL;
  if (biscuit_keypair_new(alg, kp, &e) != BISCUIT_OK)
    st = cli_api_error("cannot generate a key pair", e);
  biscuit_error_free(e);
  return st;
}

/* Raw bytes for two keys would run together: one key at a time. */
static int check_flags(const cli_args *a, const char *fmt) {
  static const char *const only[] = {"only-public-key", "only-private-key",
                                     NULL};
  static const char *const from[] = {"from-private-key", "from-file", NULL};
  int st = cli_args_exclusive(a, only);
  if (st == CLI_EXIT_OK)
    st = cli_args_exclusive(a, from);
  if (st != CLI_EXIT_OK)
    return st;
  if (strcmp(fmt, "hex") && strcmp(fmt, "raw") && strcmp(fmt, "pem"))
    return cli_usage("keypair",
                     "unknown key format '%s' (expected raw, hex or pem)", fmt);
  if (!strcmp(fmt, "raw") && !cli_args_has(a, "only-public-key") &&
      !cli_args_has(a, "only-private-key"))
    return cli_usage(
        "keypair", "raw output needs --only-public-key or --only-private-key");
  return CLI_EXIT_OK;
}

/* Prints one key, or both labelled as the reference does. */
static int run(const cli_args *a) {
  const char *fmt = cli_args_get(a, "key-output-format");
  biscuit_keypair *kp = NULL;
  if (!fmt)
    fmt = "hex";
  int st = check_flags(a, fmt);
  if (st == CLI_EXIT_OK)
    st = load_or_generate(a, &kp);
  if (st != CLI_EXIT_OK)
    return st;
  if (cli_args_has(a, "only-private-key"))
    st = print_private(kp, fmt);
  else if (cli_args_has(a, "only-public-key"))
    st = print_public(biscuit_keypair_public(kp), fmt);
  else
    st = print_both(kp, fmt,
                    !cli_args_has(a, "from-private-key") &&
                        !cli_args_has(a, "from-file"));
  biscuit_keypair_free(kp);
  return st;
}

const cli_cmd cli_cmd_keypair = {
    .name = "keypair",
    .summary = "Create a key pair, or print the public key of a private key.",
    .details =
        "Keys print as ed25519-private/<hex> and ed25519/<hex> (likewise\n"
        "secp256r1-private/... and secp256r1/...).\n",
    .opts = OPTS,
    .run = run,
};
