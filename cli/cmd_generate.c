/*
** biscuit generate: a new token whose authority block is the given
** Datalog, signed with the root private key.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const cli_opt OPTS[] = {
    CLI_OPTS_SIGNING_KEY,
    {"root-key-id", CLI_VALUE, "N",
     "store N as the root key id (a hint for the verifier)"},
    CLI_OPTS_BLOCK_EXTRAS,
    {"raw", CLI_FLAG, NULL, "print raw bytes instead of base64"},
    CLI_OPTS_END};

/* The id is a u32 on the wire: anything else is refused, not wrapped. */
static int root_key_id(const cli_args *a, biscuit_block_options *opt) {
  const char *v = cli_args_get(a, "root-key-id");
  if (!v)
    return CLI_EXIT_OK;
  char *end;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  if (!*v || *end || *v == '-' || errno || n > UINT32_MAX)
    return cli_usage(
        "generate",
        "--root-key-id: expected an integer from 0 to 4294967295, not '%s'", v);
  opt->has_root_key_id = 1;
  opt->root_key_id = (uint32_t)n;
  return CLI_EXIT_OK;
}

/* Signs and prints; the token's secret bytes are wiped on the way out. */
static int create(const biscuit_keypair *root, const cli_block *b, int raw) {
  biscuit_token *t = NULL;
  biscuit_error *e = NULL;
  int st;
  if (biscuit_token_create(root, b->code, &b->opt, &t, &e) != BISCUIT_OK)
    st = cli_block_error("cannot create the token", b, e);
  else
    st = cli_write_token(t, raw);
  biscuit_error_free(e);
  biscuit_token_free(t);
  return st;
}

/* The key first: no editor is opened for a command that cannot sign. */
static int run(const cli_args *a) {
  biscuit_keypair *root = NULL;
  cli_block b;
  int st = cli_signing_key(a, &root);
  if (st != CLI_EXIT_OK)
    return st;
  st = cli_block_read(a, NULL, NULL, &b);
  if (st == CLI_EXIT_OK) {
    st = root_key_id(a, &b.opt);
    if (st == CLI_EXIT_OK)
      st = create(root, &b, cli_args_has(a, "raw"));
    cli_block_free(&b);
  }
  biscuit_keypair_free(root);
  return st;
}

const cli_cmd cli_cmd_generate = {
    .name = "generate",
    .input = "DATALOG_FILE|-",
    .summary = "Create a token from the Datalog of its authority block.",
    .details =
        "The Datalog comes from the file, from stdin for '-', or from $EDITOR\n"
        "when no file is given. The token prints as URL-safe base64.\n",
    .opts = OPTS,
    .run = run,
};
