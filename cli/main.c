/*
** biscuit: create, attenuate, inspect and authorize Biscuit tokens from
** the command line. This file only dispatches: each subcommand lives in
** its cmd_*.c file and declares its options, so that `--help` is always
** generated from what the command accepts.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_cmd *const COMMANDS[] = {
    &cli_cmd_keypair,    &cli_cmd_generate, &cli_cmd_attenuate,
    &cli_cmd_seal,       &cli_cmd_inspect,  &cli_cmd_inspect_snapshot,
    &cli_cmd_tp_request, &cli_cmd_tp_block, &cli_cmd_tp_append,
    &cli_cmd_test,       &cli_cmd_repl,
};
#define N_COMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static const cli_cmd *find_command(const char *name) {
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (!strcmp(COMMANDS[i]->name, name))
      return COMMANDS[i];
  return NULL;
}

/* The overview: every command, the input rules and the exit statuses. */
static void help_main(FILE *f) {
  fprintf(f, "Usage: biscuit COMMAND [options]\n\n"
             "Biscuit authorization tokens: create, attenuate, inspect and "
             "authorize.\n\nCommands:\n");
  for (size_t i = 0; i < N_COMMANDS; i++) {
    fprintf(f, "  %s\n      ", COMMANDS[i]->name);
    cli_wrap(f, COMMANDS[i]->summary, 6);
  }
  fprintf(f, "\nTokens, requests and snapshots are read from a file, or from "
             "stdin for '-',\nas URL-safe base64 (or raw bytes with "
             "--raw-input).\n\n"
             "Exit status: 0 success; 1 refused (signature, authorization or "
             "query\nfailed); 2 bad command line; 3 other errors (unreadable "
             "input, bad key,\ninvalid Datalog or token).\n\n"
             "'biscuit COMMAND --help' describes a command. "
             "Colour only on a terminal\n(never with NO_COLOR set).\n");
}

/* `biscuit help [COMMAND]`. */
static int help_command(int argc, char **argv) {
  if (argc < 3) {
    help_main(stdout);
    return CLI_EXIT_OK;
  }
  const cli_cmd *cmd = find_command(argv[2]);
  if (!cmd)
    return cli_usage(NULL, "unknown command '%s'", argv[2]);
  cli_help_command(cmd);
  return CLI_EXIT_OK;
}

/* Parses, then runs or prints help; the arguments are freed either way. */
static int run_command(const cli_cmd *cmd, int argc, char **argv) {
  cli_args a;
  int help = 0;
  int st = cli_args_parse(cmd, argc, argv, &a, &help);
  if (st == CLI_EXIT_OK && help)
    cli_help_command(cmd);
  else if (st == CLI_EXIT_OK)
    st = cmd->run(&a);
  cli_args_free(&a);
  return st;
}

/* Global flags first (--help, --version), then the subcommand. */
int main(int argc, char **argv) {
  if (argc < 2) {
    help_main(stderr);
    return CLI_EXIT_USAGE;
  }
  const char *name = argv[1];
  if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
    help_main(stdout);
    return CLI_EXIT_OK;
  }
  if (!strcmp(name, "help"))
    return help_command(argc, argv);
  if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
    printf("biscuit %s (libbiscuit %d)\n", BISCUIT_VERSION_STRING,
           biscuit_version_number());
    return CLI_EXIT_OK;
  }
  const cli_cmd *cmd = find_command(name);
  if (!cmd)
    return cli_usage(NULL, "unknown command '%s'", name);
  return run_command(cmd, argc - 2, argv + 2);
}
