/*
** `biscuit repl`: what its files share; private to cli/repl*.c and
** cli/cmd_repl.c. REPL.md describes the REPL for its users.
**
** The session holds texts, never half-built objects: token blocks (each a
** list of statement texts, after the blocks of a loaded real token, if
** any) and the authorizer's statements, plus the time and run limits.
** Every evaluation builds the token, the policy and the authorizer afresh
** from them (repl_eval.c), so a statement is either in the session or
** not, and undo is popping texts.
**
** Files:
**   cmd_repl.c      the command's options and the read-eval loop
**   repl_state.c    the session: statements, blocks, undo, accepting input
**   repl_eval.c     building and authorizing; the one-line verdict
**   repl_cmds.c     the dot commands, their table and .help
**   repl_files.c    the dot commands that read and write files
**   repl_output.c   .world, .query, .explain and .show
**   repl_text.c     a small scanner: statements and words of Datalog text
**   repl_strs.c     string lists and buffers
**   repl_complete.c what Tab offers: commands, predicates, variables
**   repl_line.c     reading lines: libedit on a terminal, plain otherwise;
**                   history
*/
#ifndef BISCUIT_CLI_REPL_H
#define BISCUIT_CLI_REPL_H

#include "cli.h"

/* ------------------------------------------------------------ strings */

/* A growable list of malloc'd strings. */
typedef struct repl_strs {
  char **v;
  size_t n, cap;
} repl_strs;

/* Appends a copy of s (or its first len bytes); 0, or -1 on OOM. */
int repl_strs_push(repl_strs *l, const char *s);
int repl_strs_pushn(repl_strs *l, const char *s, size_t len);
void repl_strs_pop(repl_strs *l);
void repl_strs_clear(repl_strs *l);
int repl_strs_has(const repl_strs *l, const char *s);
/* The strings joined, each followed by `sep`; caller frees. */
char *repl_strs_join(const repl_strs *l, const char *sep);

/* A growable text buffer (the pending input). */
typedef struct repl_buf {
  char *p;
  size_t n, cap;
} repl_buf;

int repl_buf_add(repl_buf *b, const char *s, size_t len);
void repl_buf_reset(repl_buf *b);
void repl_buf_free(repl_buf *b);

/* ------------------------------------------------------------ text */

/*
** Splits Datalog text the library accepted into statements, each ending
** with its ';' (added after the last token when the text left it out);
** comments after a statement stay with it. Returns -1 on OOM.
*/
int repl_split(const char *text, repl_strs *out);
/* Adds to `preds` every name followed by '(' that is not a method or a
   keyword, and to `vars` every $variable's name, once each. */
int repl_scan_words(const char *text, repl_strs *preds, repl_strs *vars);
/* 1 for the bytes of names and variables: [A-Za-z0-9_:] and UTF-8. */
int repl_is_word_char(int c);

/* ------------------------------------------------------------ session */

#define REPL_AUTHORIZER (-1)

/* One step .undo takes back: statements added to one target, and
   whether that step created the block. */
typedef struct repl_step {
  int target;      /* REPL_AUTHORIZER or an index in blocks */
  size_t count;    /* statements added                      */
  int new_block;   /* the step created blocks[target]       */
  int prev_target; /* where input went before               */
} repl_step;

enum repl_time { REPL_TIME_OFF, REPL_TIME_NOW, REPL_TIME_FIXED };

typedef struct repl_line repl_line;

typedef struct repl_session {
  biscuit_keypair *root; /* ephemeral: signs the typed blocks          */
  biscuit_token *loaded; /* a verified real token (.token), or NULL    */
  char *loaded_from;     /* its file                                   */
  repl_strs *blocks;     /* typed blocks, after the loaded token's     */
  size_t n_blocks;
  repl_strs authorizer;
  int target; /* where typed statements go: REPL_AUTHORIZER or a block */
  repl_step *steps;
  size_t n_steps;
  enum repl_time time_mode;
  uint64_t time; /* seconds, for REPL_TIME_FIXED */
  biscuit_limits limits;
  int auto_eval;
  int interactive; /* prompts and a banner */
  int quit;
  repl_strs preds, vars; /* names seen so far, for completion */
  repl_line *line;
} repl_session;

int repl_session_init(repl_session *s);
void repl_session_free(repl_session *s);
/* Drops every statement, block and the loaded token (not settings). */
void repl_session_reset(repl_session *s);
/* Index in the token of typed block i (after the loaded blocks). */
size_t repl_block_base(const repl_session *s);
/* Whether there is anything to evaluate. */
int repl_session_empty(const repl_session *s);

/* The outcome of feeding input to the session. */
enum repl_feed { REPL_ACCEPTED, REPL_MORE, REPL_REJECTED };

/*
** Pending input (every line since the last complete statement): parsed
** for the current target; REPL_MORE when it ends inside a statement,
** REPL_REJECTED (reported) on an error, else its statements are added as
** one undo step. On REPL_MORE, *more_report receives the parse report
** (why it is incomplete, for the end of input); caller frees.
*/
enum repl_feed repl_feed(repl_session *s, const char *pending,
                         char **more_report);

/*
** Adds statements to `target` (a new block when target == n_blocks),
** as one undo step or one step each, then checks that everything still
** builds; on failure they are removed again and the error reported.
** 0 or -1.
*/
int repl_add(repl_session *s, int target, const repl_strs *stmts, int one_step);
/* Takes back the last step; 0, or -1 when there is none. */
int repl_undo(repl_session *s);
/* Starts an empty block, input going to it (an undo step). */
int repl_new_block(repl_session *s);
/* Replaces the loaded token and drops the typed blocks. */
void repl_set_token(repl_session *s, biscuit_token *t, char *from);
/* Rescans every text for the names completion offers. */
void repl_refresh_words(repl_session *s);
/* After a change: evaluate (with .auto on) and print the verdict. */
void repl_changed(repl_session *s);

/* "error: ..." on stderr (red on a terminal). */
void repl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A library error: parse errors with their report (renamed `source`),
   others as "error: <what>: <message>". */
void repl_lib_error(const char *what, const char *source,
                    const biscuit_error *e);

/* ------------------------------------------------------------ evaluation */

/* Everything one evaluation builds, and its outcome. */
typedef struct repl_run {
  biscuit_token *token; /* NULL when there are no blocks */
  int token_borrowed;   /* token is the session's loaded one */
  biscuit_policy *policy;
  biscuit_authorizer *authorizer;
  biscuit_status st; /* of authorize */
  size_t policy_index;
  biscuit_error *err;
} repl_run;

/* Builds the token and the policy only (checking the session). An error
   is reported; 0 or -1. */
int repl_build(const repl_session *s, repl_run *r);
/* Builds everything and authorizes; 0, or -1 when it could not even be
   built (reported). The outcome is in r->st / r->err. */
int repl_authorize(const repl_session *s, repl_run *r);
void repl_run_free(repl_run *r);
/* The one-line verdict of an authorization, coloured on a terminal. */
void repl_print_verdict(const repl_run *r);
/* .eval: authorize and print the verdict. */
void repl_evaluate(const repl_session *s);

/* ------------------------------------------------------------ commands */

/* Runs a line starting with '.'; unknown commands are reported. */
void repl_command(repl_session *s, char *line);
/* Whether `line` names a command (to tell `.cmd` from a method call
   continuing a statement, as in `$x\n.contains(1)`). */
int repl_is_command(const char *line);
/* The i-th command's name (with its '.'), NULL past the end; whether it
   takes arguments. */
const char *repl_command_name(size_t i, int *takes_args);

/* Commands with files (repl_files.c). */
void repl_cmd_load(repl_session *s, char *args);
void repl_cmd_load_block(repl_session *s, char *args);
void repl_cmd_token(repl_session *s, char *args);
void repl_cmd_save(repl_session *s, char *args);
void repl_cmd_save_block(repl_session *s, char *args);
/* Loads a token from a file (base64 or raw) verified with a key (text,
   or a file holding it); 0 or -1 (reported). */
int repl_load_token(repl_session *s, const char *file, const char *key);
/* Adds an authorizer file's statements; 0 or -1 (reported). */
int repl_load_authorizer(repl_session *s, const char *file);

/* Commands that print the world (repl_output.c). */
void repl_cmd_world(repl_session *s, char *args);
void repl_cmd_query(repl_session *s, char *args);
void repl_cmd_query_all(repl_session *s, char *args);
void repl_cmd_explain(repl_session *s, char *args);
void repl_cmd_show(repl_session *s, char *args);

/* ------------------------------------------------------------ completion */

/* What Tab offers for the word before the cursor. */
typedef struct repl_completion {
  size_t start;       /* where the word being completed begins       */
  repl_strs matches;  /* the words it may become, sorted, unique      */
  const char *suffix; /* appended after a single match ("(", " ")   */
} repl_completion;

/* Fills c for line[0..cursor); c->matches must be empty. */
int repl_complete(const repl_session *s, const char *line, size_t cursor,
                  repl_completion *c);

/* ------------------------------------------------------------ lines */

typedef struct repl_line_options {
  int editing;                 /* libedit on a terminal                     */
  int prompts;                 /* print prompts when not editing            */
  const char *history;         /* --history, or NULL for the default path */
  const repl_session *session; /* for completion                   */
} repl_line_options;

/* 0, or -1 (reported) when the line reader cannot start. */
int repl_line_open(const repl_line_options *o, repl_line **out);
void repl_line_close(repl_line *l);
/* One line, without its newline; caller frees. NULL at end of input, or
   with *interrupted set when Ctrl-C cancelled the line. */
char *repl_line_read(repl_line *l, const char *prompt, int *interrupted);

#endif
