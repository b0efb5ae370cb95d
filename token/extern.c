/*
** Host functions (`$x.extern::name()`, `$x.extern::name($y)`): the public
** callback speaks Datalog text, the expression machine speaks terms. The
** receiver and argument are printed as the reference prints terms; the
** host's answer is parsed back as one term in the request's env, so a
** host can return any value the language has (strings, sets, maps...).
**
** The contract (biscuit.h, biscuit_extern_fn): 0 and a malloc'd term text
** is a value; -1 with no text is "no such function" (UndefinedExtern);
** any other failure is an evaluation error (ExternEvalError) whose
** message is the host's text when it gave one. Host strings come from
** malloc, so they go back with free(), not bx_free().
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalog/print.h"
#include "token/authorizer.h"

/* A host answer longer than this is refused rather than parsed. */
#define BTK_EXTERN_MAX_TEXT ((size_t)256 * 1024)

/* Remember the failing call for the error object, and report it. */
static biscuit_status failed(btk_extern *x, const char *name, const char *msg,
                             bx_diag *d) {
  if (x) {
    snprintf(x->name, sizeof x->name, "%s", name);
    snprintf(x->msg, sizeof x->msg, "%s", msg);
  }
  return bx_fail(d, BISCUIT_E_EXECUTION, "ExternEvalError", "%s", msg);
}

/* The expression machine reports BISCUIT_E_MISUSE as UndefinedExtern. */
static biscuit_status undefined(btk_extern *x, const char *name, bx_diag *d) {
  if (x) {
    snprintf(x->name, sizeof x->name, "%s", name);
    x->msg[0] = '\0';
  }
  return bx_fail(d, BISCUIT_E_MISUSE, "UndefinedExtern",
                 "undefined extern function %s", name);
}

static char *term_text(const bdl_env *env, const bdl_term *t) {
  bx_buf b;
  bx_buf_init(&b, 0);
  bdl_print_term(&b, env, t);
  char *s = bx_buf_take(&b);
  bx_buf_free(&b);
  return s;
}

/*
** One term from text: the parser has no term entry point, so the text is
** read as the argument of a fact named `query` (a default symbol, so
** nothing new is interned for the wrapper). Exactly one ground term.
*/
static biscuit_status parse_term(bdl_env *env, const char *text, bdl_term *out,
                                 bx_diag *d) {
  size_t n = strlen(text);
  if (n > BTK_EXTERN_MAX_TEXT)
    return bx_fail(d, BISCUIT_E_LIMIT, "TooLarge", "result too long");
  bx_buf src;
  bx_buf_init(&src, 0);
  bx_buf_puts(&src, "query(");
  bx_buf_add(&src, text, n);
  bx_buf_putc(&src, ')');
  if (src.failed) {
    bx_buf_free(&src);
    return bx_fail(d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  }
  bdl_block b;
  bdl_block_init(&b);
  biscuit_status st = bpa_parse(env, src.data, src.len, BPA_FACT, NULL, &b, d);
  bx_buf_free(&src);
  if (st == BISCUIT_OK && (b.n_facts != 1 || b.facts[0].n_terms != 1 ||
                           bdl_term_has_var(&b.facts[0].terms[0])))
    st = bx_fail(d, BISCUIT_E_PARSE, "ParseError",
                 "not exactly one value without variables");
  if (st == BISCUIT_OK)
    *out = b.facts[0].terms[0];
  bdl_block_free(&b);
  return st;
}

/* The host's answer: a value, or the reason it is not one. */
static biscuit_status answer(btk_extern *x, const char *name, int rc,
                             const char *res, bdl_env *env, bdl_term *out,
                             bx_diag *d) {
  if (rc == -1 && !res)
    return undefined(x, name, d);
  if (rc != 0)
    return failed(x, name, res ? res : "error", d);
  if (!res)
    return failed(x, name, "no value returned", d);
  bx_diag pd;
  bx_diag_clear(&pd);
  biscuit_status st = parse_term(env, res, out, &pd);
  if (st == BISCUIT_E_NOMEM)
    return bx_fail(d, st, "NoMemory", "out of memory");
  if (st != BISCUIT_OK) {
    char msg[sizeof x->msg];
    snprintf(msg, sizeof msg, "invalid value returned: %.300s", pd.msg);
    return failed(x, name, msg, d);
  }
  return BISCUIT_OK;
}

biscuit_status btk_extern_call(void *ud, const char *name,
                               const bdl_term *receiver, const bdl_term *arg,
                               bdl_env *env, bdl_term *out, bx_diag *d) {
  btk_extern *x = ud;
  if (!x || !x->fn)
    return undefined(x, name, d);
  char *recv = term_text(env, receiver);
  char *argt = arg ? term_text(env, arg) : NULL;
  if (!recv || (arg && !argt)) {
    bx_free(recv);
    bx_free(argt);
    return bx_fail(d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  }
  char *res = NULL;
  int rc = x->fn(x->ud, name, recv, argt, &res);
  bx_free(recv);
  bx_free(argt);
  biscuit_status st = answer(x, name, rc, res, env, out, d);
  free(res);
  return st;
}
