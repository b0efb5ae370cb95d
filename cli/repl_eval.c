/*
** Evaluating the session: every time, the token is built afresh from
** the typed blocks (signed by the session's ephemeral root key, or
** appended to the loaded real token), the policy from the authorizer's
** statements, and a new authorizer runs them. Nothing survives between
** evaluations, so what is shown always matches the texts. Also here:
** the one-line verdict and the REPL's error messages.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "repl.h"

#define RED "\033[31m"
#define GREEN "\033[32m"
#define BOLD_RED "\033[1;31m"
#define RESET "\033[0m"

/* ------------------------------------------------------------ messages */

void repl_error(const char *fmt, ...) {
  va_list ap;
  fflush(stdout);
  fprintf(stderr, "%serror:%s ", cli_sgr(2, BOLD_RED), cli_sgr(2, RESET));
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

void repl_lib_error(const char *what, const char *source,
                    const biscuit_error *e) {
  biscuit_status st = e ? biscuit_error_status(e) : BISCUIT_E_MISUSE;
  if (st == BISCUIT_E_NOMEM) {
    repl_error("out of memory");
  } else if (st == BISCUIT_E_PARSE || st == BISCUIT_E_INCOMPLETE) {
    char *rep = cli_datalog_report(source ? source : "<input>", e);
    fflush(stdout);
    fprintf(stderr, "%s\n", rep ? rep : "invalid Datalog");
    free(rep);
  } else {
    repl_error("%s: %s", what, e ? biscuit_error_message(e) : "failed");
  }
}

/* ------------------------------------------------------------ building */

/* Typed block i on top of `base` (or as the authority block). */
static int build_block(const repl_session *s, size_t i,
                       const biscuit_token *base, biscuit_token **out) {
  biscuit_error *e = NULL;
  char name[64], what[32];
  char *text = repl_strs_join(&s->blocks[i], "\n");
  if (!text) {
    repl_error("out of memory");
    return -1;
  }
  snprintf(what, sizeof what, "block %zu", repl_block_base(s) + i);
  snprintf(name, sizeof name, "<%s>", what);
  biscuit_status st = base ? biscuit_token_append(base, text, NULL, out, &e)
                           : biscuit_token_create(s->root, text, NULL, out, &e);
  if (st != BISCUIT_OK)
    repl_lib_error(what, name, e);
  biscuit_error_free(e);
  free(text);
  return st == BISCUIT_OK ? 0 : -1;
}

/* The loaded token, if any, with every typed block appended. */
static int build_token(const repl_session *s, repl_run *r) {
  biscuit_token *cur = s->loaded;
  for (size_t i = 0; i < s->n_blocks; i++) {
    biscuit_token *next = NULL;
    int st = build_block(s, i, cur, &next);
    if (cur != s->loaded)
      biscuit_token_free(cur);
    if (st != 0)
      return -1;
    cur = next;
  }
  r->token = cur;
  r->token_borrowed = cur == s->loaded;
  return 0;
}

static int build_policy(const repl_session *s, repl_run *r) {
  biscuit_error *e = NULL;
  char *text = repl_strs_join(&s->authorizer, "\n");
  if (!text) {
    repl_error("out of memory");
    return -1;
  }
  biscuit_status st =
      biscuit_policy_from_text(text, "<authorizer>", NULL, &r->policy, &e);
  if (st != BISCUIT_OK)
    repl_lib_error("the authorizer", "<authorizer>", e);
  biscuit_error_free(e);
  free(text);
  return st == BISCUIT_OK ? 0 : -1;
}

int repl_build(const repl_session *s, repl_run *r) {
  memset(r, 0, sizeof *r);
  if (build_token(s, r) == 0 && build_policy(s, r) == 0)
    return 0;
  repl_run_free(r);
  return -1;
}

/* A new authorizer over the policy, the token and the time. A failure to
   load the token (an invalid block rule) is the outcome, not an error. */
static int start_authorizer(const repl_session *s, repl_run *r) {
  biscuit_error *e = NULL;
  if (biscuit_authorizer_new(r->policy, &r->authorizer, &e) != BISCUIT_OK) {
    repl_lib_error("cannot create the authorizer", NULL, e);
    biscuit_error_free(e);
    return -1;
  }
  biscuit_authorizer_set_limits(r->authorizer, &s->limits);
  if (r->token)
    r->st = biscuit_authorizer_add_token(r->authorizer, r->token, &r->err);
  uint64_t now = s->time_mode == REPL_TIME_NOW ? (uint64_t)time(NULL) : s->time;
  if (r->st == BISCUIT_OK && s->time_mode != REPL_TIME_OFF)
    r->st = biscuit_authorizer_add_time(r->authorizer, now, &r->err);
  return 0;
}

int repl_authorize(const repl_session *s, repl_run *r) {
  if (repl_build(s, r) != 0)
    return -1;
  if (start_authorizer(s, r) != 0) {
    repl_run_free(r);
    return -1;
  }
  if (r->st == BISCUIT_OK)
    r->st =
        biscuit_authorizer_authorize(r->authorizer, &r->policy_index, &r->err);
  return 0;
}

void repl_run_free(repl_run *r) {
  biscuit_authorizer_free(r->authorizer);
  biscuit_policy_free(r->policy);
  if (!r->token_borrowed)
    biscuit_token_free(r->token);
  biscuit_error_free(r->err);
  memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------ verdict */

static void print_denial(const biscuit_error *e) {
  int kind = 0;
  size_t idx = 0;
  size_t n = biscuit_error_failed_check_count(e);
  biscuit_error_policy(e, &kind, &idx);
  if (kind == 'd')
    printf("denied by deny policy %zu", idx);
  else if (kind == 'a')
    printf("denied: allow policy %zu matched, but", idx);
  else
    printf("denied: no policy matched");
  if (n)
    printf("%s %zu failed check%s", kind == 'a' ? "" : ";", n,
           n == 1 ? "" : "s");
  printf(" (.explain tells why)");
}

void repl_print_verdict(const repl_run *r) {
  int ok = r->st == BISCUIT_OK;
  printf("%s", cli_sgr(1, ok ? GREEN : RED));
  if (ok)
    printf("allowed by policy %zu", r->policy_index);
  else if (r->st == BISCUIT_DENIED && r->err)
    print_denial(r->err);
  else
    printf("error: %s",
           r->err ? biscuit_error_message(r->err) : biscuit_status_str(r->st));
  printf("%s\n", cli_sgr(1, RESET));
}

void repl_evaluate(const repl_session *s) {
  repl_run r;
  if (repl_authorize(s, &r) != 0)
    return;
  repl_print_verdict(&r);
  repl_run_free(&r);
}
