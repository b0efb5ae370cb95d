/*
** Command-line options: each subcommand declares a table of long options
** (cli_opt) and at most one positional argument; this file parses argv
** against that table and prints the --help text from it, so the help can
** never drift from what is accepted. A command with `input_many` takes
** any number of positionals (a->inputs), e.g. `biscuit test A B`.
**
** Accepted shapes: `--name value`, `--name=value`, `--flag`, `-` (stdin)
** as the positional, and `--` to end the options. `-h` is --help.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int find_opt(const cli_cmd *cmd, const char *name, size_t len) {
  for (int i = 0; cmd->opts[i].name; i++)
    if (strlen(cmd->opts[i].name) == len &&
        !strncmp(cmd->opts[i].name, name, len))
      return i;
  return -1;
}

/* The option index of a name the command itself asks for: a typo in the
   command's code is a bug, caught on the first run of any test. */
static int must_find(const cli_args *a, const char *name) {
  int i = find_opt(a->cmd, name, strlen(name));
  if (i < 0) {
    fprintf(stderr, "biscuit: internal error: no option --%s in '%s'\n", name,
            a->cmd->name);
    abort();
  }
  return i;
}

static int count_of(const cli_args *a, int opt) {
  int n = 0;
  for (size_t i = 0; i < a->n; i++)
    n += a->items[i].opt == opt;
  return n;
}

/*
** One `--name[=value]` word at argv[*i]: records it, taking the value
** from the next word when the option needs one and none is attached.
*/
static int parse_option(const cli_cmd *cmd, int argc, char **argv, int *i,
                        cli_args *a) {
  const char *word = argv[*i] + 2;
  const char *eq = strchr(word, '=');
  size_t len = eq ? (size_t)(eq - word) : strlen(word);
  int o = find_opt(cmd, word, len);
  if (o < 0)
    return cli_usage(cmd->name, "unknown option '--%.*s'", (int)len, word);
  const cli_opt *opt = &cmd->opts[o];
  const char *value = eq ? eq + 1 : NULL;
  if (opt->kind == CLI_FLAG && value)
    return cli_usage(cmd->name, "option '--%s' takes no value", opt->name);
  if (opt->kind != CLI_FLAG && !value) {
    if (*i + 1 >= argc)
      return cli_usage(cmd->name, "option '--%s' needs a value (%s)", opt->name,
                       opt->metavar);
    value = argv[++*i];
  }
  if (opt->kind != CLI_MULTI && count_of(a, o) > 0)
    return cli_usage(cmd->name, "option '--%s' given more than once",
                     opt->name);
  a->items[a->n].opt = o;
  a->items[a->n].value = value ? value : "";
  a->n++;
  return CLI_EXIT_OK;
}

static int parse_positional(const cli_cmd *cmd, const char *word, cli_args *a) {
  if (!cmd->input)
    return cli_usage(cmd->name, "unexpected argument '%s'", word);
  if (a->input && !cmd->input_many)
    return cli_usage(cmd->name, "unexpected second %s argument '%s'",
                     cmd->input, word);
  if (!a->input)
    a->input = word;
  a->inputs[a->n_inputs++] = word;
  return CLI_EXIT_OK;
}

static int is_help(const char *w) {
  return !strcmp(w, "--help") || !strcmp(w, "-h");
}

/* Walks the words; stops at the first error (already reported). */
static int parse_words(const cli_cmd *cmd, int argc, char **argv, cli_args *a,
                       int *help) {
  int only_positional = 0;
  for (int i = 0; i < argc; i++) {
    const char *w = argv[i];
    int st = CLI_EXIT_OK;
    if (!only_positional && is_help(w)) {
      *help = 1;
      return CLI_EXIT_OK;
    }
    if (!only_positional && !strcmp(w, "--"))
      only_positional = 1;
    else if (!only_positional && !strncmp(w, "--", 2))
      st = parse_option(cmd, argc, argv, &i, a);
    else if (!only_positional && w[0] == '-' && w[1] != '\0')
      st = cli_usage(cmd->name, "unknown option '%s'", w);
    else
      st = parse_positional(cmd, w, a);
    if (st != CLI_EXIT_OK)
      return st;
  }
  return CLI_EXIT_OK;
}

/* The whole command line is checked before anything runs, so a typo
   never leaves a half-done action (a token printed, a file written). */
int cli_args_parse(const cli_cmd *cmd, int argc, char **argv, cli_args *a,
                   int *help) {
  memset(a, 0, sizeof *a);
  *help = 0;
  a->cmd = cmd;
  a->items = calloc((size_t)argc + 1, sizeof *a->items);
  a->inputs = calloc((size_t)argc + 1, sizeof *a->inputs);
  if (!a->items || !a->inputs) {
    cli_args_free(a);
    return cli_oom();
  }
  int st = parse_words(cmd, argc, argv, a, help);
  if (st == CLI_EXIT_OK && !*help && cmd->input_required && !a->input)
    st = cli_usage(cmd->name, "missing %s argument", cmd->input);
  return st;
}

void cli_args_free(cli_args *a) {
  free(a->inputs);
  a->inputs = NULL;
  a->n_inputs = 0;
  free(a->items);
  a->items = NULL;
  a->n = 0;
}

const char *cli_args_get(const cli_args *a, const char *name) {
  int o = must_find(a, name);
  const char *v = NULL;
  for (size_t i = 0; i < a->n; i++)
    if (a->items[i].opt == o)
      v = a->items[i].value;
  return v;
}

int cli_args_has(const cli_args *a, const char *name) {
  return count_of(a, must_find(a, name)) > 0;
}

const char *cli_args_next(const cli_args *a, const char *name, size_t *pos) {
  int o = must_find(a, name);
  while (*pos < a->n) {
    const struct cli_arg *it = &a->items[(*pos)++];
    if (it->opt == o)
      return it->value;
  }
  return NULL;
}

/* Names the first two conflicting flags: the fix is then obvious. */
int cli_args_exclusive(const cli_args *a, const char *const *names) {
  const char *first = NULL;
  for (size_t i = 0; names[i]; i++) {
    if (!cli_args_has(a, names[i]))
      continue;
    if (first)
      return cli_usage(a->cmd->name,
                       "'--%s' and '--%s' cannot be used together", first,
                       names[i]);
    first = names[i];
  }
  return CLI_EXIT_OK;
}

int cli_args_requires(const cli_args *a, const char *name, const char *needed) {
  if (cli_args_has(a, name) && !cli_args_has(a, needed))
    return cli_usage(a->cmd->name, "'--%s' needs '--%s'", name, needed);
  return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- help */

/*
** Prints `text` from column `indent` (the cursor is already there),
** wrapped at word boundaries so that no line passes 79 columns.
*/
void cli_wrap(FILE *f, const char *text, int indent) {
  int col = indent;
  while (*text) {
    size_t w = strcspn(text, " ");
    if (col > indent && col + 1 + (int)w > 79) {
      fprintf(f, "\n%*s", indent, "");
      col = indent;
    } else if (col > indent) {
      fputc(' ', f);
      col++;
    }
    fprintf(f, "%.*s", (int)w, text);
    col += (int)w;
    text += w;
    while (*text == ' ')
      text++;
  }
  fputc('\n', f);
}

/* One option line: a long left column goes on a line of its own. */
static void help_option(const cli_opt *o) {
  char left[64];
  if (o->kind == CLI_FLAG)
    snprintf(left, sizeof left, "--%s", o->name);
  else
    snprintf(left, sizeof left, "--%s %s", o->name, o->metavar);
  if (strlen(left) <= 30)
    printf("  %-30s ", left);
  else
    printf("  %s\n  %-30s ", left, "");
  cli_wrap(stdout, o->help, 33);
}

/* Generated from the option table, so --help lists exactly what parses. */
void cli_help_command(const cli_cmd *cmd) {
  printf("Usage: biscuit %s", cmd->name);
  if (cmd->input)
    printf(cmd->input_required ? " %s%s" : " [%s%s]", cmd->input,
           cmd->input_many ? "..." : "");
  printf(" [options]\n\n%s\n", cmd->summary);
  if (cmd->details)
    printf("\n%s", cmd->details);
  printf("\nOptions:\n");
  for (int i = 0; cmd->opts[i].name; i++)
    help_option(&cmd->opts[i]);
  printf("  %-30s %s\n", "-h, --help", "print this help");
}
