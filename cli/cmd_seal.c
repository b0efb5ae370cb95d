/*
** biscuit seal: a sealed copy of the token, which can no longer be
** attenuated (the next block's secret is replaced by a final signature).
*/
#include "cli.h"

static const cli_opt OPTS[] = {
    {"raw-input", CLI_FLAG, NULL, "the token is raw bytes, not base64"},
    {"raw-output", CLI_FLAG, NULL, "print raw bytes instead of base64"},
    CLI_OPTS_END};

/* No key is needed: sealing uses the secret the token carries. */
static int run(const cli_args *a) {
  biscuit_token *t = NULL, *sealed = NULL;
  biscuit_error *e = NULL;
  int st = cli_read_token(a->input, cli_args_has(a, "raw-input"), &t);
  if (st != CLI_EXIT_OK)
    return st;
  if (biscuit_token_seal(t, &sealed, &e) != BISCUIT_OK)
    st = cli_api_error("cannot seal the token", e);
  else
    st = cli_write_token(sealed, cli_args_has(a, "raw-output"));
  biscuit_error_free(e);
  biscuit_token_free(sealed);
  biscuit_token_free(t);
  return st;
}

const cli_cmd cli_cmd_seal = {
    .name = "seal",
    .input = "TOKEN|-",
    .input_required = 1,
    .summary = "Seal a token so that it cannot be attenuated.",
    .opts = OPTS,
    .run = run,
};
