/* STUB: biscuit repl, being written. */
#include "cli.h"

static const cli_opt OPTS[] = {CLI_OPTS_END};

static int run(const cli_args *a) {
  (void)a;
  cli_error("biscuit repl: not implemented yet");
  return CLI_EXIT_ERROR;
}

const cli_cmd cli_cmd_repl = {
    .name = "repl",
    .summary = "(not implemented yet)",
    .opts = OPTS,
    .run = run,
};
