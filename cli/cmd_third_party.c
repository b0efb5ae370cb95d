/*
** Third-party blocks in three steps, one command each:
**   generate-third-party-block-request: the holder makes a request from
**     the token (it binds the block to this token's last signature);
**   generate-third-party-block: the third party signs block contents for
**     that request with its own private key;
**   append-third-party-block: the holder appends the signed contents.
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ----------------------------------------------------------- request */

static const cli_opt REQUEST_OPTS[] = {
    {"raw-input", CLI_FLAG, NULL, "the token is raw bytes, not base64"},
    {"raw-output", CLI_FLAG, NULL, "print raw bytes instead of base64"},
    CLI_OPTS_END};

/* The request binds the future block to the token's last key. */
static int run_request(const cli_args *a) {
  biscuit_token *t = NULL;
  biscuit_error *e = NULL;
  uint8_t *req = NULL;
  size_t len = 0;
  int st = cli_read_token(a->input, cli_args_has(a, "raw-input"), &t);
  if (st != CLI_EXIT_OK)
    return st;
  if (biscuit_token_third_party_request(t, &req, &len, &e) != BISCUIT_OK)
    st = cli_api_error("cannot make a third-party block request", e);
  else
    st = cli_write_encoded(req, len, cli_args_has(a, "raw-output"));
  biscuit_free(req);
  biscuit_error_free(e);
  biscuit_token_free(t);
  return st;
}

const cli_cmd cli_cmd_tp_request = {
    .name = "generate-third-party-block-request",
    .input = "TOKEN|-",
    .input_required = 1,
    .summary = "Make the request a third party answers with a signed block.",
    .opts = REQUEST_OPTS,
    .run = run_request,
};

/* ----------------------------------------------------------- block */

static const cli_opt BLOCK_OPTS[] = {
    {"raw-input", CLI_FLAG, NULL, "the request is raw bytes, not base64"},
    CLI_OPTS_SIGNING_KEY,
    {"raw-output", CLI_FLAG, NULL, "print raw bytes instead of base64"},
    {"block", CLI_VALUE, "S", "the block's Datalog"},
    {"block-file", CLI_VALUE, "F|-", "read the block's Datalog from a file"},
    CLI_OPTS_BLOCK_EXTRAS,
    CLI_OPTS_END};

/* The third party's side: signs the block for that request only. */
static int sign_block(const uint8_t *req, size_t len, const biscuit_keypair *kp,
                      const cli_block *b, int raw) {
  uint8_t *out = NULL;
  size_t n = 0;
  biscuit_error *e = NULL;
  int st;
  if (biscuit_third_party_block_create(req, len, kp, b->code, &b->opt, &out, &n,
                                       &e) != BISCUIT_OK)
    st = cli_block_error("cannot create the third-party block", b, e);
  else
    st = cli_write_encoded(out, n, raw);
  biscuit_free(out);
  biscuit_error_free(e);
  return st;
}

/* Key, then request, then block text: cheapest failures first. */
static int run_block(const cli_args *a) {
  uint8_t *req = NULL;
  size_t len = 0;
  biscuit_keypair *kp = NULL;
  cli_block b;
  int st = cli_signing_key(a, &kp);
  if (st == CLI_EXIT_OK)
    st = cli_read_encoded(a->input, cli_args_has(a, "raw-input"),
                          "third-party block request", &req, &len);
  if (st == CLI_EXIT_OK)
    st = cli_block_read(a, "block", "block-file", &b);
  if (st == CLI_EXIT_OK) {
    st = sign_block(req, len, kp, &b, cli_args_has(a, "raw-output"));
    cli_block_free(&b);
  }
  free(req);
  biscuit_keypair_free(kp);
  return st;
}

const cli_cmd cli_cmd_tp_block = {
    .name = "generate-third-party-block",
    .input = "REQUEST|-",
    .input_required = 1,
    .summary = "Sign a block for a third-party block request.",
    .details =
        "Run by the third party, with its own private key. The block comes\n"
        "from --block, --block-file, or $EDITOR.\n",
    .opts = BLOCK_OPTS,
    .run = run_block,
};

/* ----------------------------------------------------------- append */

static const cli_opt APPEND_OPTS[] = {
    {"raw-input", CLI_FLAG, NULL, "the token is raw bytes, not base64"},
    {"raw-output", CLI_FLAG, NULL, "print raw bytes instead of base64"},
    {"block-contents", CLI_VALUE, "S",
     "the signed block from generate-third-party-block (base64)"},
    {"block-contents-file", CLI_VALUE, "F|-",
     "read the signed block from a file"},
    {"raw-block-contents", CLI_FLAG, NULL,
     "the block contents file is raw bytes, not base64"},
    CLI_OPTS_END};

/* The signed contents, from the argument (base64) or a file. */
static int read_contents(const cli_args *a, uint8_t **out, size_t *len) {
  static const char *const one_of[] = {"block-contents", "block-contents-file",
                                       NULL};
  const char *text = cli_args_get(a, "block-contents");
  const char *file = cli_args_get(a, "block-contents-file");
  int st = cli_args_exclusive(a, one_of);
  if (st == CLI_EXIT_OK)
    st = cli_args_requires(a, "raw-block-contents", "block-contents-file");
  if (st != CLI_EXIT_OK)
    return st;
  if (!text && !file)
    return cli_usage(
        a->cmd->name,
        "the block is needed: --block-contents S or --block-contents-file F");
  if (file && !strcmp(file, "-") && !strcmp(a->input, "-"))
    return cli_usage(a->cmd->name,
                     "stdin cannot hold both the token and the block contents");
  if (file)
    return cli_read_encoded(file, cli_args_has(a, "raw-block-contents"),
                            "block contents", out, len);
  return cli_decode_text(text, "block contents", out, len);
}

/* The holder's side: the signed contents become the next block. */
static int run_append(const cli_args *a) {
  biscuit_token *t = NULL, *nt = NULL;
  biscuit_error *e = NULL;
  uint8_t *contents = NULL;
  size_t len = 0;
  int st = read_contents(a, &contents, &len);
  if (st == CLI_EXIT_OK)
    st = cli_read_token(a->input, cli_args_has(a, "raw-input"), &t);
  if (st == CLI_EXIT_OK &&
      biscuit_token_append_third_party(t, contents, len, &nt, &e) != BISCUIT_OK)
    st = cli_api_error("cannot append the third-party block", e);
  else if (st == CLI_EXIT_OK)
    st = cli_write_token(nt, cli_args_has(a, "raw-output"));
  free(contents);
  biscuit_error_free(e);
  biscuit_token_free(nt);
  biscuit_token_free(t);
  return st;
}

const cli_cmd cli_cmd_tp_append = {
    .name = "append-third-party-block",
    .input = "TOKEN|-",
    .input_required = 1,
    .summary = "Append a block signed by a third party to a token.",
    .opts = APPEND_OPTS,
    .run = run_append,
};
