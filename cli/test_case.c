/*
** biscuit test: one case, run through the public API the way a service
** and its clients would:
**
**  1. The blocks become a real token: a fresh Ed25519 root key per case,
**     biscuit_token_create for the first block, biscuit_token_append for
**     the next, and for `external=` blocks a third-party request answered
**     with biscuit_third_party_block_create, signed with that key, then
**     biscuit_token_append_third_party. The %%authorizer becomes a policy
**     set (biscuit_policy_from_text).
**  2. Parse errors are the outcome when %%expect-error is given. Sections
**     are parsed in file order (blocks, authorizer, queries) and the
**     first that fails is reported, named "<file>:block<N>",
**     "<file>:authorizer" or "<file>:query<N>".
**  3. The token is serialized, then decoded and verified with the root
**     public key, as a service receives it; an authorizer over the policy
**     set takes it, with the case's limits and the `test` extern function,
**     and authorizes.
**  4. What it produced is compared with %%expect (the verdict lines),
**     %%print, %%world and each %%query.
**
** The verdict lines: "allow <i>", "deny <i>" or "no policy", then one
** "failed block <id> check <i>: <check>" or "failed authorizer check <i>:
** <check>" per failed check, in the order the library reports them; or
** "error <Tag>" for an error that aborted the run, <Tag> being the last
** component of biscuit_error_kind ("Execution/Overflow" gives Overflow),
** with ": <message>" when the expected line has a colon.
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct run {
  const cli_test_file *f;
  const cli_test_case *c;
  cli_test_log *log;
  biscuit_keypair *root; /* when the case has blocks */
  biscuit_token *token;  /* the blocks so far */
  biscuit_policy *policy;
  biscuit_authorizer *auth;
  biscuit_status parse_status; /* of the first section that failed */
} run;

/* The last component of the error's kind: how the format names errors. */
static const char *tag_of(const biscuit_error *e) {
  const char *kind = biscuit_error_kind(e);
  const char *slash = strrchr(kind, '/');
  return slash ? slash + 1 : kind;
}

/* ------------------------------------------------------------- parsing */

/*
** A section that could not be built, as lines: a parse error's report
** (section:line:column: message, the source line, a caret), or else
** "<section>: <message>".
*/
static void error_lines(run *r, const char *section, const biscuit_error *e,
                        cli_lines *out) {
  biscuit_status st = biscuit_error_status(e);
  r->parse_status = st;
  char *report = NULL;
  if (st == BISCUIT_E_PARSE || st == BISCUIT_E_INCOMPLETE)
    report = cli_datalog_report(section, e);
  if (report)
    cli_lines_split(out, report);
  else
    cli_lines_printf(out, "%s: %s", section, biscuit_error_message(e));
  free(report);
}

/* The holder asks, the third party signs, the holder appends. */
static biscuit_status third_party(const run *r, const cli_test_block *b,
                                  const biscuit_block_options *opt,
                                  biscuit_token **out, biscuit_error **e) {
  uint8_t *request = NULL, *contents = NULL;
  size_t request_len = 0, len = 0;
  biscuit_status st =
      biscuit_token_third_party_request(r->token, &request, &request_len, e);
  if (st == BISCUIT_OK)
    st = biscuit_third_party_block_create(request, request_len, b->external,
                                          b->code, opt, &contents, &len, e);
  if (st == BISCUIT_OK)
    st = biscuit_token_append_third_party(r->token, contents, len, out, e);
  biscuit_free(request);
  biscuit_free(contents);
  return st;
}

/* Block i on top of the token so far. */
static int build_block(run *r, size_t i, cli_lines *err) {
  const cli_test_block *b = &r->c->blocks[i];
  char name[512];
  snprintf(name, sizeof name, "%s:block%zu", r->f->base, i);
  biscuit_block_options opt;
  memset(&opt, 0, sizeof opt);
  opt.filename = name;
  biscuit_token *t = NULL;
  biscuit_error *e = NULL;
  biscuit_status st;
  if (i == 0)
    st = biscuit_token_create(r->root, b->code, &opt, &t, &e);
  else if (b->external)
    st = third_party(r, b, &opt, &t, &e);
  else
    st = biscuit_token_append(r->token, b->code, &opt, &t, &e);
  if (st != BISCUIT_OK)
    error_lines(r, name, e, err);
  biscuit_error_free(e);
  biscuit_token_free(r->token);
  r->token = t;
  return st == BISCUIT_OK;
}

static int parse_authorizer(run *r, cli_lines *err) {
  char name[512];
  biscuit_error *e = NULL;
  snprintf(name, sizeof name, "%s:authorizer", r->f->base);
  if (biscuit_policy_from_text(r->c->authorizer, name, NULL, &r->policy, &e) !=
      BISCUIT_OK)
    error_lines(r, name, e, err);
  biscuit_error_free(e);
  return r->policy != NULL;
}

/*
** The API parses a query only when it runs it, after authorize. Running
** it first over an empty authorizer finds its parse errors up front, so
** that the first failing section is reported, in file order; other
** failures there mean nothing (the real run reports its own).
*/
static int parse_query(run *r, size_t i, cli_lines *err) {
  const cli_test_query *q = &r->c->queries[i];
  biscuit_authorizer *empty = NULL;
  biscuit_error *e = NULL;
  char *facts = NULL, name[512];
  snprintf(name, sizeof name, "%s:query%zu", r->f->base, i);
  biscuit_status st = biscuit_authorizer_new(NULL, &empty, &e);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_query(empty, q->rule, NULL, q->all, &facts, &e);
  int parsed = st != BISCUIT_E_PARSE && st != BISCUIT_E_INCOMPLETE;
  if (!parsed)
    error_lines(r, name, e, err);
  biscuit_free(facts);
  biscuit_error_free(e);
  biscuit_authorizer_free(empty);
  return parsed;
}

static int parse_all(run *r, cli_lines *err) {
  const cli_test_case *c = r->c;
  for (size_t i = 0; i < c->n_blocks; i++)
    if (!build_block(r, i, err))
      return 0;
  if (c->authorizer && !parse_authorizer(r, err))
    return 0;
  for (size_t i = 0; i < c->n_queries; i++)
    if (!parse_query(r, i, err))
      return 0;
  return 1;
}

/* Parse errors are the outcome when %%expect-error is given; else a
   failure. True when the case goes on to authorize. */
static int check_parse(run *r) {
  const cli_test_case *c = r->c;
  cli_lines err = {0};
  int parsed = parse_all(r, &err);
  if (c->has_expect_error && parsed) {
    cli_test_fail(r->log, "expect-error", "everything parsed", NULL);
  } else if (c->has_expect_error) {
    int same = cli_lines_eq(&c->expect_error, &err);
    cli_test_compare(r->log, "expect-error", &c->expect_error, &err);
    if (same && c->error_status && r->parse_status != c->error_status)
      cli_test_fail(r->log, "expect-error",
                    r->parse_status == BISCUIT_E_INCOMPLETE
                        ? "the input is incomplete"
                        : "the input is not incomplete",
                    NULL);
  } else if (!parsed) {
    cli_test_fail(r->log, "parse error", NULL, &err);
  }
  cli_lines_free(&err);
  return parsed && !c->has_expect_error;
}

/* The authorizer printed back (the reference's dump_code). */
static void check_print(run *r) {
  char *src = r->policy ? biscuit_policy_source(r->policy) : NULL;
  cli_lines got = {0};
  if (src || !r->policy) {
    cli_lines_split(&got, src ? src : "");
    while (got.n > 0 && got.v[got.n - 1][0] == '\0')
      free(got.v[--got.n]);
    cli_test_compare(r->log, "print", &r->c->print, &got);
  } else {
    cli_test_fail(r->log, "print", "out of memory", NULL);
  }
  biscuit_free(src);
  cli_lines_free(&got);
}

/* ---------------------------------------------------------- authorizing */

/*
** The token as a service receives it: bytes, decoded and verified with
** the root public key, so that every case also crosses the codec and
** the signatures.
*/
static biscuit_status reload_token(run *r, biscuit_error **e) {
  uint8_t *bytes = NULL;
  size_t len = 0;
  biscuit_token *t = NULL;
  biscuit_status st = biscuit_token_to_bytes(r->token, &bytes, &len, e);
  if (st == BISCUIT_OK)
    st = biscuit_token_from_bytes(bytes, len, biscuit_keypair_public(r->root),
                                  NULL, &t, e);
  biscuit_free(bytes);
  if (st == BISCUIT_OK) {
    biscuit_token_free(r->token);
    r->token = t;
  }
  return st;
}

/* The matched policy, then every failed check. */
static void denial_lines(const biscuit_error *e, cli_lines *got) {
  int kind = 0;
  size_t index = 0;
  biscuit_error_policy(e, &kind, &index);
  if (kind == 0)
    cli_lines_printf(got, "no policy");
  else
    cli_lines_printf(got, "%s %zu", kind == 'd' ? "deny" : "allow", index);
  for (size_t i = 0; i < biscuit_error_failed_check_count(e); i++) {
    uint32_t block = 0, check = 0;
    const char *rule = "";
    biscuit_error_failed_check(e, i, &block, &check, &rule);
    if (block == BISCUIT_AUTHORIZER_BLOCK)
      cli_lines_printf(got, "failed authorizer check %u: %s", check, rule);
    else
      cli_lines_printf(got, "failed block %u check %u: %s", block, check, rule);
  }
}

/* The verdict lines of an authorization, or of an error that stopped it. */
static void outcome(const run *r, biscuit_status st, size_t index,
                    const biscuit_error *e, cli_lines *got) {
  const cli_lines *want = &r->c->expect;
  if (st == BISCUIT_OK)
    cli_lines_printf(got, "allow %zu", index);
  else if (st == BISCUIT_DENIED)
    denial_lines(e, got);
  else if (want->n > 0 && strchr(want->v[0], ':'))
    cli_lines_printf(got, "error %s: %s", tag_of(e), biscuit_error_message(e));
  else
    cli_lines_printf(got, "error %s", tag_of(e));
}

/* A new authorizer over the policy set, with the token loaded. */
static biscuit_status load(run *r, biscuit_error **e) {
  biscuit_status st = biscuit_authorizer_new(r->policy, &r->auth, e);
  if (st != BISCUIT_OK)
    return st;
  biscuit_authorizer_set_extern(r->auth, cli_test_extern, NULL);
  biscuit_authorizer_set_limits(r->auth, &r->c->limits);
  if (r->token)
    st = biscuit_authorizer_add_token(r->auth, r->token, e);
  return st;
}

/* True when authorization reached a verdict (world and queries next). */
static int authorize(run *r) {
  biscuit_error *e = NULL;
  if (r->token && reload_token(r, &e) != BISCUIT_OK) {
    cli_test_fail(r->log, "token", biscuit_error_message(e), NULL);
    biscuit_error_free(e);
    return 0;
  }
  size_t index = 0;
  biscuit_status st = load(r, &e);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_authorize(r->auth, &index, &e);
  cli_lines got = {0};
  outcome(r, st, index, e, &got);
  if (r->c->has_expect)
    cli_test_compare(r->log, "expect", &r->c->expect, &got);
  else if (st != BISCUIT_OK && st != BISCUIT_DENIED)
    cli_test_fail(r->log, "unexpected error", got.n ? got.v[0] : "?", NULL);
  cli_lines_free(&got);
  biscuit_error_free(e);
  return st == BISCUIT_OK || st == BISCUIT_DENIED;
}

/* Text from the library as lines, or "error <Tag>" when it failed. */
static void result_lines(biscuit_status st, char *text, const biscuit_error *e,
                         cli_lines *got) {
  if (st == BISCUIT_OK)
    cli_lines_split(got, text);
  else
    cli_lines_printf(got, "error %s", tag_of(e));
  biscuit_free(text);
}

static void check_world(run *r) {
  char *text = NULL;
  biscuit_error *e = NULL;
  cli_lines got = {0};
  biscuit_status st = biscuit_authorizer_world_text(r->auth, &text, &e);
  result_lines(st, text, e, &got);
  cli_test_compare(r->log, "world", &r->c->world, &got);
  cli_lines_free(&got);
  biscuit_error_free(e);
}

/* The facts a query produces: printed, sorted, each once. */
static void check_query(run *r, size_t i) {
  const cli_test_query *q = &r->c->queries[i];
  char *facts = NULL;
  biscuit_error *e = NULL;
  cli_lines got = {0};
  biscuit_status st =
      biscuit_authorizer_query(r->auth, q->rule, NULL, q->all, &facts, &e);
  result_lines(st, facts, e, &got);
  size_t n = strlen(q->rule) + 7;
  char *what = malloc(n);
  if (what)
    snprintf(what, n, "query %s", q->rule);
  cli_test_compare(r->log, what ? what : "query", &q->want, &got);
  free(what);
  cli_lines_free(&got);
  biscuit_error_free(e);
}

/* ------------------------------------------------------------------ case */

/* A fresh root key per case: no case can depend on another's. */
static int setup(run *r) {
  biscuit_error *e = NULL;
  if (r->c->n_blocks == 0 ||
      biscuit_keypair_new(BISCUIT_ED25519, &r->root, &e) == BISCUIT_OK)
    return 1;
  cli_test_fail(r->log, "root key", biscuit_error_message(e), NULL);
  biscuit_error_free(e);
  return 0;
}

static void teardown(run *r) {
  biscuit_authorizer_free(r->auth);
  biscuit_policy_free(r->policy);
  biscuit_token_free(r->token);
  biscuit_keypair_free(r->root);
}

void cli_test_case_run(const cli_test_file *f, const cli_test_case *c,
                       cli_test_log *log) {
  run r;
  memset(&r, 0, sizeof r);
  r.f = f;
  r.c = c;
  r.log = log;
  if (setup(&r) && check_parse(&r)) {
    if (c->has_print)
      check_print(&r);
    if (authorize(&r)) {
      if (c->has_world)
        check_world(&r);
      for (size_t i = 0; i < c->n_queries; i++)
        check_query(&r, i);
    }
  }
  teardown(&r);
}
