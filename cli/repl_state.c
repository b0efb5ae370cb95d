/*
** The REPL's session: the statement texts of each typed block and of the
** authorizer, the loaded token, and the undo steps. A statement joins
** the session only once the library has accepted it alone (for line,
** column and caret in its own terms) and the whole session still builds
** with it (a block-wide `trusting` must stay first, for instance): the
** REPL never half-applies input.
*/
#include <stdlib.h>
#include <string.h>

#include "repl.h"

int repl_session_init(repl_session *s) {
  biscuit_error *e = NULL;
  memset(s, 0, sizeof *s);
  s->target = REPL_AUTHORIZER;
  s->limits = biscuit_limits_default();
  s->auto_eval = 1;
  if (biscuit_keypair_new(BISCUIT_ED25519, &s->root, &e) != BISCUIT_OK) {
    repl_lib_error("cannot make the session's root key", NULL, e);
    biscuit_error_free(e);
    return -1;
  }
  return 0;
}

static void drop_token(repl_session *s) {
  biscuit_token_free(s->loaded);
  free(s->loaded_from);
  s->loaded = NULL;
  s->loaded_from = NULL;
}

static void drop_blocks(repl_session *s) {
  for (size_t i = 0; i < s->n_blocks; i++)
    repl_strs_clear(&s->blocks[i]);
  free(s->blocks);
  s->blocks = NULL;
  s->n_blocks = 0;
}

void repl_session_reset(repl_session *s) {
  drop_token(s);
  drop_blocks(s);
  repl_strs_clear(&s->authorizer);
  free(s->steps);
  s->steps = NULL;
  s->n_steps = 0;
  s->target = REPL_AUTHORIZER;
  repl_refresh_words(s);
}

void repl_session_free(repl_session *s) {
  repl_session_reset(s);
  repl_strs_clear(&s->preds);
  repl_strs_clear(&s->vars);
  biscuit_keypair_free(s->root);
  s->root = NULL;
}

size_t repl_block_base(const repl_session *s) {
  return s->loaded ? biscuit_token_block_count(s->loaded) : 0;
}

int repl_session_empty(const repl_session *s) {
  return !s->loaded && s->n_blocks == 0 && s->authorizer.n == 0;
}

static repl_strs *target_list(repl_session *s, int target) {
  return target == REPL_AUTHORIZER ? &s->authorizer : &s->blocks[target];
}

/* ------------------------------------------------------------ words */

static void scan_list(repl_session *s, const repl_strs *l) {
  for (size_t i = 0; i < l->n; i++)
    repl_scan_words(l->v[i], &s->preds, &s->vars);
}

/* Completion offers what was typed or loaded; a failed scan (OOM) only
   leaves a shorter list. */
void repl_refresh_words(repl_session *s) {
  repl_strs_clear(&s->preds);
  repl_strs_clear(&s->vars);
  for (size_t i = 0; s->loaded && i < biscuit_token_block_count(s->loaded);
       i++) {
    char *src = biscuit_token_block_source(s->loaded, i);
    if (src)
      repl_scan_words(src, &s->preds, &s->vars);
    biscuit_free(src);
  }
  for (size_t i = 0; i < s->n_blocks; i++)
    scan_list(s, &s->blocks[i]);
  scan_list(s, &s->authorizer);
}

/* ------------------------------------------------------------ steps */

static int push_step(repl_session *s, repl_step st) {
  repl_step *v = realloc(s->steps, (s->n_steps + 1) * sizeof *v);
  if (!v)
    return -1;
  s->steps = v;
  s->steps[s->n_steps++] = st;
  return 0;
}

/* An empty block at the end (its index is the old n_blocks). */
static int grow_blocks(repl_session *s) {
  repl_strs *v = realloc(s->blocks, (s->n_blocks + 1) * sizeof *v);
  if (!v)
    return -1;
  s->blocks = v;
  memset(&s->blocks[s->n_blocks++], 0, sizeof *v);
  return 0;
}

int repl_undo(repl_session *s) {
  if (!s->n_steps)
    return -1;
  repl_step st = s->steps[--s->n_steps];
  repl_strs *l = target_list(s, st.target);
  for (size_t i = 0; i < st.count; i++)
    repl_strs_pop(l);
  if (st.new_block) {
    repl_strs_clear(&s->blocks[--s->n_blocks]);
    if (s->target >= (int)s->n_blocks)
      s->target =
          st.prev_target < (int)s->n_blocks ? st.prev_target : REPL_AUTHORIZER;
  }
  repl_refresh_words(s);
  return 0;
}

/* Appends the statements and records them as one step. */
static int append_step(repl_session *s, int target, const repl_strs *stmts) {
  repl_step st = {target, 0, target == (int)s->n_blocks, s->target};
  if (st.new_block && grow_blocks(s) != 0)
    return -1;
  repl_strs *l = target_list(s, target);
  for (size_t i = 0; i < stmts->n; i++) {
    if (repl_strs_push(l, stmts->v[i]) != 0)
      break;
    st.count++;
  }
  if (st.count == stmts->n && push_step(s, st) == 0)
    return 0;
  while (st.count--)
    repl_strs_pop(l);
  if (st.new_block)
    repl_strs_clear(&s->blocks[--s->n_blocks]);
  return -1;
}

/* One step per statement (typed input: .undo takes back one); -1 with
   none added on OOM. */
static int append_steps(repl_session *s, int target, const repl_strs *stmts,
                        size_t *steps) {
  size_t i = 0;
  for (; i < stmts->n; i++) {
    repl_strs one = {&stmts->v[i], 1, 1};
    if (append_step(s, target, &one) != 0)
      break;
  }
  *steps = i;
  if (i == stmts->n)
    return 0;
  while (i--)
    repl_undo(s);
  return -1;
}

int repl_add(repl_session *s, int target, const repl_strs *stmts,
             int one_step) {
  repl_run r;
  size_t steps = 1;
  int st = one_step ? append_step(s, target, stmts)
                    : append_steps(s, target, stmts, &steps);
  if (st != 0) {
    repl_error("out of memory");
    return -1;
  }
  if (repl_build(s, &r) != 0) {
    while (steps--)
      repl_undo(s);
    return -1;
  }
  repl_run_free(&r);
  repl_refresh_words(s);
  return 0;
}

int repl_new_block(repl_session *s) {
  repl_step st = {(int)s->n_blocks, 0, 1, s->target};
  if (grow_blocks(s) != 0)
    return -1;
  if (push_step(s, st) != 0) {
    s->n_blocks--;
    return -1;
  }
  s->target = st.target;
  return 0;
}

/* The typed blocks and their steps go; the authorizer's stay. */
void repl_set_token(repl_session *s, biscuit_token *t, char *from) {
  size_t kept = 0;
  drop_token(s);
  drop_blocks(s);
  s->loaded = t;
  s->loaded_from = from;
  for (size_t i = 0; i < s->n_steps; i++)
    if (s->steps[i].target == REPL_AUTHORIZER)
      s->steps[kept++] = s->steps[i];
  s->n_steps = kept;
  s->target = REPL_AUTHORIZER;
  repl_refresh_words(s);
}

void repl_changed(repl_session *s) {
  if (s->auto_eval && !repl_session_empty(s))
    repl_evaluate(s);
}

/* ------------------------------------------------------------ input */

/* Parses the pending text alone, as the current target would. */
static biscuit_status parse_alone(const repl_session *s, const char *text,
                                  biscuit_error **e) {
  biscuit_status st;
  if (s->target == REPL_AUTHORIZER) {
    biscuit_policy *p = NULL;
    st = biscuit_policy_from_text(text, "<repl>", NULL, &p, e);
    biscuit_policy_free(p);
  } else {
    biscuit_token *t = NULL;
    st = biscuit_token_create(s->root, text, NULL, &t, e);
    biscuit_token_free(t);
  }
  return st;
}

enum repl_feed repl_feed(repl_session *s, const char *pending,
                         char **more_report) {
  biscuit_error *e = NULL;
  repl_strs stmts = {0};
  biscuit_status st = parse_alone(s, pending, &e);
  enum repl_feed out = REPL_REJECTED;
  if (st == BISCUIT_E_INCOMPLETE) {
    free(*more_report);
    *more_report = cli_datalog_report("<repl>", e);
    out = REPL_MORE;
  } else if (st != BISCUIT_OK) {
    repl_lib_error("invalid Datalog", "<repl>", e);
  } else if (repl_split(pending, &stmts) != 0) {
    repl_error("out of memory");
  } else if (stmts.n == 0 || repl_add(s, s->target, &stmts, 0) == 0) {
    out = REPL_ACCEPTED;
  }
  int changed = out == REPL_ACCEPTED && stmts.n > 0;
  biscuit_error_free(e);
  repl_strs_clear(&stmts);
  if (changed)
    repl_changed(s);
  return out;
}
