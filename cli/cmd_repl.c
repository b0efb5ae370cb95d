/*
** biscuit repl: write and test policies interactively. This file holds
** the command's options and the read-eval loop: a line starting with '.'
** is a command (repl_cmds.c); anything else is Datalog, gathered until
** the library accepts it as complete statements (repl_state.c), with a
** continuation prompt meanwhile. REPL.md describes it for users.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "repl.h"

static const cli_opt OPTS[] = {
    {"token", CLI_VALUE, "FILE",
     "load a token (base64 or raw), as .token does; needs --root-key"},
    {"root-key", CLI_VALUE, "KEY",
     "the token's root public key: ed25519/<hex>, or a file holding it"},
    {"public-key", CLI_VALUE, "KEY", "the same, named as inspect names it"},
    {"authorizer", CLI_VALUE, "FILE", "load an authorizer file, as .load does"},
    {"no-auto", CLI_FLAG, NULL,
     "do not evaluate after each change (.auto on turns it back on)"},
    {"history", CLI_VALUE, "FILE",
     "the history file (default: $BISCUIT_HISTORY, else "
     "$XDG_STATE_HOME/biscuit/history, else ~/.biscuit_history)"},
    {"interactive", CLI_FLAG, NULL,
     "print prompts even when stdin is not a terminal"},
    CLI_OPTS_LIMITS,
    CLI_OPTS_END};

/* ------------------------------------------------------------ prompts */

/* "authorizer> " or "block N> "; the continuation "...> " is aligned
   under it. */
static const char *prompt_for(const repl_session *s, int more, char buf[64]) {
  char main_prompt[32];
  if (s->target == REPL_AUTHORIZER)
    snprintf(main_prompt, sizeof main_prompt, "authorizer> ");
  else
    snprintf(main_prompt, sizeof main_prompt, "block %zu> ",
             repl_block_base(s) + (size_t)s->target);
  if (more)
    snprintf(buf, 64, "%*s", (int)strlen(main_prompt), "...> ");
  else
    snprintf(buf, 64, "%s", main_prompt);
  return buf;
}

/* ------------------------------------------------------------ the loop */

typedef struct repl_input {
  repl_buf pending; /* the lines of an unfinished statement */
  char *more;       /* why it is unfinished (the parse report) */
} repl_input;

static int is_blank(const char *s) {
  return s[strspn(s, " \t\r")] == '\0';
}

static void drop_pending(repl_input *in) {
  repl_buf_reset(&in->pending);
  free(in->more);
  in->more = NULL;
}

/*
** A '.' line is a command; inside an unfinished statement, only when it
** names one (`.contains(...)` may continue an expression), and then the
** unfinished statement is dropped.
*/
static void handle_line(repl_session *s, repl_input *in, char *line) {
  const char *t = line + strspn(line, " \t");
  if (*t == '.' && (!in->pending.n || repl_is_command(line))) {
    if (in->pending.n)
      repl_error("the unfinished statement was dropped");
    drop_pending(in);
    repl_command(s, line);
    return;
  }
  if (!in->pending.n && is_blank(line))
    return;
  if ((in->pending.n && repl_buf_add(&in->pending, "\n", 1) != 0) ||
      repl_buf_add(&in->pending, line, strlen(line)) != 0) {
    repl_error("out of memory");
    drop_pending(in);
    return;
  }
  if (repl_feed(s, in->pending.p, &in->more) != REPL_MORE)
    drop_pending(in);
}

/* Reads until .quit or the end of input; Ctrl-C drops the line. */
static void loop(repl_session *s) {
  repl_input in;
  char prompt[64];
  memset(&in, 0, sizeof in);
  while (!s->quit) {
    int interrupted = 0;
    char *line = repl_line_read(
        s->line, prompt_for(s, in.pending.n > 0, prompt), &interrupted);
    if (!line && interrupted) {
      drop_pending(&in);
      continue;
    }
    if (!line)
      break;
    handle_line(s, &in, line);
    free(line);
  }
  if (in.pending.n && in.more) {
    repl_error("the input ended inside a statement");
    fprintf(stderr, "%s\n", in.more);
  }
  drop_pending(&in);
  repl_buf_free(&in.pending);
}

/* ------------------------------------------------------------ start */

/* --root-key, or --public-key as `biscuit inspect` calls it. */
static const char *root_key(const cli_args *a) {
  const char *k = cli_args_get(a, "root-key");
  return k ? k : cli_args_get(a, "public-key");
}

static int check_flags(const cli_args *a) {
  static const char *const keys[] = {"root-key", "public-key", NULL};
  int st = cli_args_exclusive(a, keys);
  int token = cli_args_has(a, "token"), key = root_key(a) != NULL;
  if (st == CLI_EXIT_OK && token && !key)
    st = cli_usage(a->cmd->name, "'--token' needs '--root-key'");
  if (st == CLI_EXIT_OK && key && !token)
    st = cli_usage(a->cmd->name, "'--%s' needs '--token'",
                   cli_args_has(a, "root-key") ? "root-key" : "public-key");
  return st;
}

/* --token and --authorizer, as .token and .load; then one evaluation. */
static int preload(repl_session *s, const cli_args *a) {
  const char *token = cli_args_get(a, "token");
  const char *authorizer = cli_args_get(a, "authorizer");
  if (token && repl_load_token(s, token, root_key(a)) != 0)
    return CLI_EXIT_ERROR;
  if (authorizer && repl_load_authorizer(s, authorizer) != 0)
    return CLI_EXIT_ERROR;
  if (token || authorizer)
    repl_changed(s);
  return CLI_EXIT_OK;
}

static int start(repl_session *s, const cli_args *a) {
  int editing = isatty(0) && isatty(1);
  repl_line_options lo = {editing, cli_args_has(a, "interactive"),
                          cli_args_get(a, "history"), s};
  s->interactive = editing || lo.prompts;
  s->auto_eval = !cli_args_has(a, "no-auto");
  if (repl_line_open(&lo, &s->line) != 0)
    return CLI_EXIT_ERROR;
  if (s->interactive)
    printf("biscuit repl %s: .help lists the commands, Ctrl-D leaves.\n",
           BISCUIT_VERSION_STRING);
  return preload(s, a);
}

static int run(const cli_args *a) {
  repl_session s;
  biscuit_limits limits;
  int st = check_flags(a);
  if (st == CLI_EXIT_OK)
    st = cli_limits(a, &limits);
  if (st != CLI_EXIT_OK)
    return st;
  /* one line at a time, in order with stderr, even into a pipe */
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (repl_session_init(&s) != 0)
    return CLI_EXIT_ERROR;
  s.limits = limits;
  st = start(&s, a);
  if (st == CLI_EXIT_OK)
    loop(&s);
  repl_line_close(s.line);
  repl_session_free(&s);
  return st;
}

const cli_cmd cli_cmd_repl = {
    .name = "repl",
    .summary = "Write and test policies interactively: type facts, rules, "
               "checks and policies, see the verdict, explain denials.",
    .details =
        "Statements go to the authorizer, or to token blocks after .block;\n"
        "a real token can be loaded with .token (or --token). After each\n"
        "change the session is authorized afresh and the verdict printed.\n"
        ".help lists the commands. On a terminal, lines are edited with\n"
        "libedit, Tab completes, and the history is kept. With stdin from\n"
        "a file or a pipe the same commands run without prompts, so\n"
        "`biscuit repl < session.txt` replays a session. See cli/REPL.md.\n",
    .opts = OPTS,
    .run = run,
};
