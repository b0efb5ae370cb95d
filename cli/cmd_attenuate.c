/*
** biscuit attenuate: the token plus one more block. Attenuating needs no
** key (the token carries the next block's secret), so the token is read
** without verifying it; whoever authorizes it verifies it.
*/
#include "cli.h"

static const cli_opt OPTS[] = {
    {"raw-input", CLI_FLAG, NULL, "the token is raw bytes, not base64"},
    {"raw-output", CLI_FLAG, NULL, "print raw bytes instead of base64"},
    {"block", CLI_VALUE, "S", "the block's Datalog"},
    {"block-file", CLI_VALUE, "F|-", "read the block's Datalog from a file"},
    CLI_OPTS_BLOCK_EXTRAS,
    CLI_OPTS_END};

/* Datalog errors point into the block text; others name the step. */
static int append(const biscuit_token *t, const cli_block *b, int raw) {
  biscuit_token *nt = NULL;
  biscuit_error *e = NULL;
  int st;
  if (biscuit_token_append(t, b->code, &b->opt, &nt, &e) != BISCUIT_OK)
    st = cli_block_error("cannot attenuate the token", b, e);
  else
    st = cli_write_token(nt, raw);
  biscuit_error_free(e);
  biscuit_token_free(nt);
  return st;
}

/* Token first: a bad token is reported before the editor opens. */
static int run(const cli_args *a) {
  biscuit_token *t = NULL;
  cli_block b;
  int st = cli_read_token(a->input, cli_args_has(a, "raw-input"), &t);
  if (st != CLI_EXIT_OK)
    return st;
  st = cli_block_read(a, "block", "block-file", &b);
  if (st == CLI_EXIT_OK) {
    st = append(t, &b, cli_args_has(a, "raw-output"));
    cli_block_free(&b);
  }
  biscuit_token_free(t);
  return st;
}

const cli_cmd cli_cmd_attenuate = {
    .name = "attenuate",
    .input = "TOKEN|-",
    .input_required = 1,
    .summary = "Append a block to a token (no key needed).",
    .details = "The block comes from --block, --block-file, or $EDITOR.\n",
    .opts = OPTS,
    .run = run,
};
