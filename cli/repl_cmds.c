/*
** The REPL's dot commands: their table (which .help prints and Tab
** completes), the dispatch, and the commands that only change settings
** or the session's shape. Commands with files are in repl_files.c, the
** ones that print the world in repl_output.c.
*/
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repl.h"

typedef struct repl_cmd {
  const char *name; /* without the '.' */
  const char *args; /* for .help; NULL when it takes none */
  const char *help;
  void (*run)(repl_session *s, char *args);
} repl_cmd;

static void cmd_help(repl_session *s, char *args);

/* ------------------------------------------------------------ session */

static void cmd_quit(repl_session *s, char *args) {
  (void)args;
  s->quit = 1;
}

static void no_such_block(const repl_session *s, const char *arg) {
  size_t base = repl_block_base(s);
  if (!s->n_blocks)
    repl_error(".block %s: no block was typed yet (.block starts one)", arg);
  else if (s->n_blocks == 1)
    repl_error(".block %s: the only typed block is block %zu", arg, base);
  else
    repl_error(".block %s: the typed blocks are %zu to %zu", arg, base,
               base + s->n_blocks - 1);
}

/* .block starts a block; .block N goes back to a typed block. */
static void cmd_block(repl_session *s, char *args) {
  size_t base = repl_block_base(s);
  if (*args) {
    char *end;
    unsigned long n = strtoul(args, &end, 10);
    if (*end || !isdigit((unsigned char)*args) || n < base ||
        n - base >= s->n_blocks)
      no_such_block(s, args);
    else
      s->target = (int)(n - base);
    return;
  }
  if (s->loaded && biscuit_token_is_sealed(s->loaded)) {
    repl_error("the loaded token is sealed: no block can be added");
    return;
  }
  if (repl_new_block(s) != 0)
    repl_error("out of memory");
}

static void cmd_authorizer(repl_session *s, char *args) {
  (void)args;
  s->target = REPL_AUTHORIZER;
}

static void cmd_eval(repl_session *s, char *args) {
  (void)args;
  repl_evaluate(s);
}

/* Says what the last step was before taking it back. */
static void cmd_undo(repl_session *s, char *args) {
  (void)args;
  if (!s->n_steps) {
    repl_error("nothing to undo");
    return;
  }
  const repl_step *st = &s->steps[s->n_steps - 1];
  const repl_strs *l =
      st->target == REPL_AUTHORIZER ? &s->authorizer : &s->blocks[st->target];
  if (st->count == 1)
    printf("undone: %s\n", l->v[l->n - 1]);
  else if (st->count)
    printf("undone: %zu statements\n", st->count);
  else
    printf("undone: .block (block %zu)\n",
           repl_block_base(s) + (size_t)st->target);
  repl_undo(s);
  repl_changed(s);
}

static void cmd_reset(repl_session *s, char *args) {
  (void)args;
  repl_session_reset(s);
  printf("session cleared\n");
}

/* ------------------------------------------------------------ settings */

static void cmd_auto(repl_session *s, char *args) {
  if (!strcmp(args, "on"))
    s->auto_eval = 1;
  else if (!strcmp(args, "off"))
    s->auto_eval = 0;
  else if (*args)
    repl_error(".auto: expected on or off, not '%s'", args);
  printf("auto: %s\n", s->auto_eval ? "on" : "off");
}

static void print_time(const repl_session *s) {
  char date[32];
  if (s->time_mode == REPL_TIME_OFF) {
    printf("time: off\n");
  } else if (s->time_mode == REPL_TIME_NOW) {
    printf("time: now (the clock at each evaluation)\n");
  } else {
    cli_format_date(s->time, date);
    printf("time: %s\n", date);
  }
}

static void cmd_time(repl_session *s, char *args) {
  uint64_t secs;
  if (!*args) {
    print_time(s);
    return;
  }
  if (!strcmp(args, "off")) {
    s->time_mode = REPL_TIME_OFF;
  } else if (!strcmp(args, "now")) {
    s->time_mode = REPL_TIME_NOW;
  } else if (cli_parse_date(args, &secs) == 0) {
    s->time_mode = REPL_TIME_FIXED;
    s->time = secs;
  } else {
    repl_error(".time: expected now, off or an RFC 3339 date such as "
               "2025-01-31T12:00:00Z, not '%s'",
               args);
    return;
  }
  print_time(s);
  repl_changed(s);
}

/* A duration in the largest unit that keeps it whole. */
static void print_limits(const biscuit_limits *l) {
  uint64_t t = l->max_time_us;
  const char *unit = "us";
  if (t % 1000000 == 0) {
    t /= 1000000;
    unit = "s";
  } else if (t % 1000 == 0) {
    t /= 1000;
    unit = "ms";
  }
  printf("max_facts=%llu max_iterations=%llu max_time=%llu%s max_work=%llu\n",
         (unsigned long long)l->max_facts,
         (unsigned long long)l->max_iterations, (unsigned long long)t, unit,
         (unsigned long long)l->max_work);
}

static int set_duration(uint64_t *field, const char *v) {
  uint64_t us = 0;
  if (cli_parse_duration(v, &us) != 0 || us == 0) {
    repl_error(".limits: max_time: expected a duration such as 100ms, "
               "not '%s'",
               v);
    return -1;
  }
  *field = us;
  return 0;
}

static int set_count(uint64_t *field, const char *name, const char *v) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 10);
  if (!isdigit((unsigned char)*v) || *end || errno || x == 0) {
    repl_error(".limits: %s: expected a positive integer, not '%s'", name, v);
    return -1;
  }
  *field = x;
  return 0;
}

/* One `name=value`; -1 (reported) when it is not a limit. */
static int set_limit(biscuit_limits *l, char *word) {
  char *eq = strchr(word, '=');
  if (eq) {
    *eq = '\0';
    if (!strcmp(word, "max_time"))
      return set_duration(&l->max_time_us, eq + 1);
    if (!strcmp(word, "max_facts"))
      return set_count(&l->max_facts, word, eq + 1);
    if (!strcmp(word, "max_iterations"))
      return set_count(&l->max_iterations, word, eq + 1);
    if (!strcmp(word, "max_work"))
      return set_count(&l->max_work, word, eq + 1);
    *eq = '=';
  }
  repl_error(".limits: expected max_facts=N, max_iterations=N, "
             "max_time=DURATION or max_work=N, not '%s'",
             word);
  return -1;
}

/* All or nothing: a typo in the third word changes none. */
static void cmd_limits(repl_session *s, char *args) {
  biscuit_limits l = s->limits;
  for (char *w = strtok(args, " \t"); w; w = strtok(NULL, " \t"))
    if (set_limit(&l, w) != 0)
      return;
  int changed = memcmp(&l, &s->limits, sizeof l) != 0;
  s->limits = l;
  print_limits(&l);
  if (changed)
    repl_changed(s);
}

/* ------------------------------------------------------------ the table */

static const repl_cmd CMDS[] = {
    {"help", NULL, "this list", cmd_help},
    {"quit", NULL, "leave the REPL (Ctrl-D too)", cmd_quit},
    {"block", "[N]",
     "start a new token block (the first is the authority block); "
     "statements go to it. With N: go back to typed block N",
     cmd_block},
    {"authorizer", NULL, "statements go to the authorizer again",
     cmd_authorizer},
    {"load", "FILE", "add the statements of an authorizer file", repl_cmd_load},
    {"load-block", "FILE", "add a token block from a file",
     repl_cmd_load_block},
    {"token", "FILE ROOTKEY",
     "load a real token (base64 or raw), verified with its root public key "
     "(ed25519/<hex>, or a file holding it); it replaces the typed blocks",
     repl_cmd_token},
    {"eval", NULL, "authorize now and print the verdict", cmd_eval},
    {"explain", NULL,
     "why the verdict: for each failed check and the policies, the closest "
     "match and what was missing",
     repl_cmd_explain},
    {"world", NULL, "every fact, grouped by the blocks it comes from",
     repl_cmd_world},
    {"query", "RULE",
     "the facts a rule produces (trusting authority and authorizer)",
     repl_cmd_query},
    {"query-all", "RULE", "the same, trusting every block", repl_cmd_query_all},
    {"show", NULL, "the blocks and the authorizer, as the library prints them",
     repl_cmd_show},
    {"undo", NULL,
     "take back the last statement (or .block, .load, .load-block)", cmd_undo},
    {"reset", NULL, "drop every statement, block and token", cmd_reset},
    {"save", "FILE",
     "write the authorizer's statements to FILE (.load reads it)",
     repl_cmd_save},
    {"save-block", "N FILE", "write block N's statements to FILE",
     repl_cmd_save_block},
    {"auto", "[on|off]", "evaluate after each change (on by default)",
     cmd_auto},
    {"time", "[now|DATE|off]",
     "add time(...) to the authorizer: the clock at each evaluation, an RFC "
     "3339 date, or nothing (the default)",
     cmd_time},
    {"limits", "[NAME=VALUE...]",
     "show or set max_facts, max_iterations, max_time (e.g. 100ms), max_work",
     cmd_limits},
};
#define N_CMDS (sizeof CMDS / sizeof CMDS[0])

static void cmd_help(repl_session *s, char *args) {
  (void)s;
  (void)args;
  printf("Type facts, rules, checks and policies: they go to the authorizer,\n"
         "or to the current token block after .block. A statement may span\n"
         "lines; its final ';' is optional. Tab completes commands,\n"
         "predicates and $variables.\n\n");
  for (size_t i = 0; i < N_CMDS; i++) {
    char left[40];
    snprintf(left, sizeof left, ".%s%s%s", CMDS[i].name,
             CMDS[i].args ? " " : "", CMDS[i].args ? CMDS[i].args : "");
    printf("  %-24s ", left);
    cli_wrap(stdout, CMDS[i].help, 27);
  }
}

const char *repl_command_name(size_t i, int *takes_args) {
  static char names[N_CMDS][24];
  if (i >= N_CMDS)
    return NULL;
  snprintf(names[i], sizeof names[i], ".%s", CMDS[i].name);
  *takes_args = CMDS[i].args != NULL;
  return names[i];
}

/* The command named at the start of `line` (after the '.'), with *args
   set past the name and its spaces; NULL when there is none. */
static const repl_cmd *find(const char *line, const char **args) {
  while (isspace((unsigned char)*line))
    line++;
  if (*line != '.')
    return NULL;
  line++;
  size_t n = strcspn(line, " \t");
  for (size_t i = 0; i < N_CMDS; i++)
    if (strlen(CMDS[i].name) == n && !strncmp(CMDS[i].name, line, n)) {
      *args = line + n + strspn(line + n, " \t");
      return &CMDS[i];
    }
  return NULL;
}

int repl_is_command(const char *line) {
  const char *args;
  return find(line, &args) != NULL;
}

/* The arguments without trailing spaces; the line is the caller's. */
void repl_command(repl_session *s, char *line) {
  const char *args = NULL;
  const repl_cmd *c = find(line, &args);
  if (!c) {
    const char *name = line + strspn(line, " \t");
    repl_error("unknown command '%.*s' (.help lists them)",
               (int)strcspn(name, " \t"), name);
    return;
  }
  char *a = line + (args - line);
  size_t n = strlen(a);
  while (n && isspace((unsigned char)a[n - 1]))
    a[--n] = '\0';
  c->run(s, a);
}
