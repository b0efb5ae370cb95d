/*
** The Datalog of a block to sign (generate, attenuate, third-party
** blocks): its text from an argument, a file, stdin or $EDITOR, then
** the options every such command shares: --param, --context and
** --add-ttl, whose expiry check is appended to the text.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Text from an argument, a file (or "-"), or an editor, in that order. */
static int read_code(const char *text, const char *file, cli_block *b) {
  if (text) {
    b->code = cli_strdup(text);
    b->source = cli_strdup("<argument>");
  } else if (file) {
    int st = cli_read_text(file, &b->code);
    if (st != CLI_EXIT_OK)
      return st;
    b->source = cli_strdup(cli_input_name(file));
  } else {
    int st = cli_edit_text("block", &b->code);
    if (st != CLI_EXIT_OK)
      return st;
    b->source = cli_strdup("<editor>");
  }
  return b->code && b->source ? CLI_EXIT_OK : cli_oom();
}

/* --add-ttl: `check if time($time), $time <= <date>;` after the text. */
static int add_ttl(const char *ttl, cli_block *b) {
  uint64_t secs;
  char date[32];
  int st = cli_ttl_date(ttl, &secs);
  if (st != CLI_EXIT_OK)
    return st;
  cli_format_date(secs, date);
  size_t n = strlen(b->code) + 80;
  char *code = malloc(n);
  if (!code)
    return cli_oom();
  snprintf(code, n, "%s\ncheck if time($time), $time <= %s;\n", b->code, date);
  free(b->code);
  b->code = code;
  return CLI_EXIT_OK;
}

/*
** Everything a signed block needs, gathered before any key is used; a
** failure leaves *b empty (nothing to free).
*/
int cli_block_read(const cli_args *a, const char *text_flag,
                   const char *file_flag, cli_block *b) {
  memset(b, 0, sizeof *b);
  const char *text = text_flag ? cli_args_get(a, text_flag) : NULL;
  const char *file = file_flag ? cli_args_get(a, file_flag) : a->input;
  if (text && file) {
    if (file_flag)
      return cli_usage(a->cmd->name,
                       "'--%s' and '--%s' cannot be used together", text_flag,
                       file_flag);
    return cli_usage(a->cmd->name, "'--%s' and a file cannot be used together",
                     text_flag);
  }
  if (file_flag && file && a->input && !strcmp(file, "-") &&
      !strcmp(a->input, "-"))
    return cli_usage(a->cmd->name,
                     "stdin cannot hold both the input and '--%s'", file_flag);
  int st = read_code(text, file, b);
  const char *ttl = cli_args_get(a, "add-ttl");
  if (st == CLI_EXIT_OK && ttl)
    st = add_ttl(ttl, b);
  if (st == CLI_EXIT_OK)
    st = cli_params(a, &b->params);
  b->opt.params = b->params;
  b->opt.context = cli_args_get(a, "context");
  if (st != CLI_EXIT_OK)
    cli_block_free(b);
  return st;
}

void cli_block_free(cli_block *b) {
  free(b->code);
  free(b->source);
  biscuit_params_free(b->params);
  memset(b, 0, sizeof *b);
}

int cli_block_error(const char *what, const cli_block *b,
                    const biscuit_error *e) {
  biscuit_status st = e ? biscuit_error_status(e) : BISCUIT_E_MISUSE;
  if (st == BISCUIT_E_PARSE || st == BISCUIT_E_INCOMPLETE)
    return cli_datalog_error(b->source, e);
  return cli_api_error(what, e);
}
