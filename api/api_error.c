/*
** Status strings, the version, biscuit_free, and error objects: a status
** plus an optional detail object the caller owns (STYLE.md §3.3). There
** is no "last error" anywhere, since one policy set serves many threads.
*/
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "parser/parser.h"

int biscuit_version_number(void) {
  return BISCUIT_VERSION_NUMBER;
}

const char *biscuit_status_str(biscuit_status st) {
  static const char *const names[] = {"ok",
                                      "denied",
                                      "parse error",
                                      "format error",
                                      "signature error",
                                      "limit reached",
                                      "out of memory",
                                      "misuse",
                                      "execution error",
                                      "logic error",
                                      "incomplete input"};
  if ((unsigned)st < sizeof names / sizeof *names)
    return names[st];
  return "unknown status";
}

/*
** Wiped first: what the library hands out may be secret (a private key's
** text, an unsealed token's bytes, which hold the proof secret), and the
** caller should not have to remember which.
*/
void biscuit_free(void *p) {
  btk_wipe(p, bx_alloc_size(p));
  bx_free(p);
}

/* ------------------------------------------------------------ objects */

/*
** When not even the error object can be allocated, callers still get a
** non-NULL error: this static one, which biscuit_error_free leaves alone.
*/
static biscuit_error nomem_error = {BISCUIT_E_NOMEM,
                                    (char *)"NoMemory",
                                    (char *)"out of memory",
                                    (char *)"out of memory",
                                    0,
                                    0,
                                    NULL,
                                    0,
                                    0,
                                    0,
                                    {NULL, NULL}};

void biscuit_error_free(biscuit_error *e) {
  if (!e || e == &nomem_error)
    return;
  bx_free(e->kind);
  bx_free(e->message);
  bx_free(e->report);
  for (size_t i = 0; i < e->n_checks; i++)
    bx_free(e->checks[i].rule);
  bx_free(e->checks);
  bx_free(e->arg[0]);
  bx_free(e->arg[1]);
  bx_free(e);
}

static char *dup(const char *s) {
  return bx_strndup(s, strlen(s));
}

biscuit_error *api_error_new(biscuit_status st, const char *kind,
                             const char *message) {
  biscuit_error *e = bx_calloc(1, sizeof *e);
  if (!e)
    return NULL;
  e->status = st;
  e->kind = dup(kind);
  e->message = dup(message);
  e->report = dup(message);
  if (!e->kind || !e->message || !e->report) {
    biscuit_error_free(e);
    return NULL;
  }
  return e;
}

biscuit_status api_error_store(biscuit_error **err, biscuit_error *e,
                               biscuit_status st) {
  if (!err) {
    biscuit_error_free(e);
    return st;
  }
  *err = e ? e : &nomem_error;
  return st;
}

biscuit_status api_fail(biscuit_error **err, biscuit_status st,
                        const char *kind, const char *fmt, ...) {
  if (!err)
    return st;
  char kbuf[160];
  if (!kind)
    kind = api_kind_path(st, NULL, kbuf, sizeof kbuf);
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return api_error_store(err, api_error_new(st, kind, msg), st);
}

biscuit_status api_misuse(biscuit_error **err, const char *what) {
  return api_fail(err, BISCUIT_E_MISUSE, "Misuse", "%s", what);
}

/*
** A rule with an unbound head variable: the reference reports block 0
** whatever the block (sample test018), so the JSON says 0 and our own
** message names the real block (world.c leaves it in d->offset).
*/
static biscuit_error *invalid_block_rule(const bx_diag *d, const char *kind) {
  char msg[700];
  snprintf(msg, sizeof msg,
           "block %zu: a head variable of this rule is not bound by its "
           "body: %s",
           d->offset, d->msg);
  biscuit_error *e = api_error_new(d->status, kind, msg);
  if (e && !(e->arg[0] = dup(d->msg))) {
    biscuit_error_free(e);
    return NULL;
  }
  return e;
}

biscuit_status api_from_diag(biscuit_error **err, biscuit_status st,
                             const bx_diag *d) {
  if (!err)
    return st;
  bx_diag none;
  if (!d) {
    bx_diag_clear(&none);
    d = &none;
  }
  char buf[160];
  const char *kind = api_kind_path(st, d->tag, buf, sizeof buf);
  if (!strcmp(kind, "FailedLogic/InvalidBlockRule"))
    return api_error_store(err, invalid_block_rule(d, kind), st);
  const char *msg = d->msg[0] ? d->msg : biscuit_status_str(st);
  biscuit_error *e = api_error_new(st, kind, msg);
  if (e && (st == BISCUIT_E_PARSE || st == BISCUIT_E_INCOMPLETE)) {
    e->line = d->line;
    e->column = d->column;
  }
  return api_error_store(err, e, st);
}

biscuit_status api_parse_error(biscuit_error **err, biscuit_status st,
                               const bx_diag *d, const char *filename,
                               const char *src, size_t len) {
  if (!err)
    return st;
  api_from_diag(err, st, d);
  biscuit_error *e = *err;
  if (e == &nomem_error ||
      !(st == BISCUIT_E_PARSE || st == BISCUIT_E_INCOMPLETE))
    return st;
  bx_buf b;
  bx_buf_init(&b, 0);
  bpa_format_error(&b, filename ? filename : "<input>", src, len, d);
  char *report = bx_buf_take(&b);
  bx_buf_free(&b);
  if (report && report[0]) {
    bx_free(e->report);
    e->report = report;
  } else {
    bx_free(report);
  }
  return st;
}

/* ------------------------------------------------------------ accessors */

biscuit_status biscuit_error_status(const biscuit_error *e) {
  return e ? e->status : BISCUIT_OK;
}

const char *biscuit_error_message(const biscuit_error *e) {
  return e ? e->message : "";
}

const char *biscuit_error_kind(const biscuit_error *e) {
  return e ? e->kind : "";
}

unsigned biscuit_error_line(const biscuit_error *e) {
  return e ? e->line : 0;
}

unsigned biscuit_error_column(const biscuit_error *e) {
  return e ? e->column : 0;
}

const char *biscuit_error_report(const biscuit_error *e) {
  return e ? e->report : "";
}

size_t biscuit_error_failed_check_count(const biscuit_error *e) {
  return e ? e->n_checks : 0;
}

biscuit_status biscuit_error_failed_check(const biscuit_error *e, size_t i,
                                          uint32_t *block_id,
                                          uint32_t *check_index,
                                          const char **rule) {
  bool ok = e && i < e->n_checks;
  if (block_id)
    *block_id = ok ? e->checks[i].block_id : 0;
  if (check_index)
    *check_index = ok ? e->checks[i].check_index : 0;
  if (rule)
    *rule = ok ? e->checks[i].rule : NULL;
  return ok ? BISCUIT_OK : BISCUIT_E_MISUSE;
}

void biscuit_error_policy(const biscuit_error *e, int *kind, size_t *index) {
  if (kind)
    *kind = e ? e->policy_kind : 0;
  if (index)
    *index = e ? e->policy_index : 0;
}
