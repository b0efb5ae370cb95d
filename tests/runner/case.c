/*
** Running one case of a .test file: parse the blocks, the authorizer and
** the queries into one env (blocks first, as the reference interns token
** symbols before the authorizer's), load them into a world, authorize,
** then compare what was produced with each expectation section.
**
** What is compared, as lines:
**   %%expect        "allow <i>" | "deny <i>" | "no policy" | "error <Tag>"
**                   then "failed block <id> check <i>: <check>" and
**                   "failed authorizer check <i>: <check>" in the order
**                   the world reports them. "error <Tag>: <message>" also
**                   compares the message (InvalidBlockRule: the rule).
**   %%expect-error  bpa_format_error's text for the first section that
**                   fails to parse, named "<file>:block<N>",
**                   "<file>:authorizer" or "<file>:query<N>"; with
**                   `incomplete` (or `parse`) the status must be
**                   BISCUIT_E_INCOMPLETE (or BISCUIT_E_PARSE).
**   %%world         "<origin>: <fact>" sorted bytewise; an origin is its
**                   block ids joined by ',' with "authorizer" for the
**                   authorizer, e.g. "0,authorizer: f(1)".
**   %%query         the produced facts, printed, sorted, deduplicated.
**   %%print         bdl_print_authorizer's text for the authorizer (the
**                   reference's dump_code), leading and trailing blank
**                   lines aside.
*/
#include <string.h>

#include "runner.h"

typedef struct run {
  const rt_file *f;
  const rt_case *c;
  bdl_env *env;
  bdl_block *blocks; /* n_blocks token blocks, then the authorizer */
  bdl_block *queries;
  bdl_world *world;
  biscuit_status parse_status; /* of the first section that failed */
  bool failed;
} run;

static void report(run *r, const char *what, const rt_lines *want,
                   const rt_lines *got) {
  if (!r->failed)
    printf("FAIL  %s:%u: %s\n", r->f->base, r->c->line, r->c->name);
  r->failed = true;
  printf("  %s:\n", what);
  if (want && got)
    rt_diff(stdout, want, got);
}

static void report_msg(run *r, const char *what, const char *msg) {
  report(r, what, NULL, NULL);
  printf("    %s\n", msg);
}

/* ------------------------------------------------------------- parsing */

/* Parse one section; on failure the rendered error goes to `err`. */
static bool parse_one(run *r, const char *src, size_t len, bpa_kind kind,
                      const char *section, bdl_block *out, rt_lines *err) {
  char name[512];
  snprintf(name, sizeof name, "%s:%s", r->f->base, section);
  bpa_options opt;
  memset(&opt, 0, sizeof opt);
  opt.filename = name;
  bx_diag d;
  bx_diag_clear(&d);
  r->parse_status = bpa_parse(r->env, src, len, kind, &opt, out, &d);
  if (r->parse_status == BISCUIT_OK)
    return true;
  bx_buf b;
  bx_buf_init(&b, 0);
  if (!bpa_format_error(&b, name, src, len, &d) || !b.data)
    bx_buf_printf(&b, "%s: %s", name, d.msg);
  while (b.len > 0 && b.data[b.len - 1] == '\n')
    b.data[--b.len] = '\0';
  rt_lines_split(err, b.data ? b.data : "", b.len);
  bx_buf_free(&b);
  return false;
}

static bool parse_all(run *r, rt_lines *err) {
  const rt_case *c = r->c;
  char section[32];
  for (size_t i = 0; i < c->n_blocks; i++) {
    snprintf(section, sizeof section, "block%zu", i);
    if (!parse_one(r, c->blocks[i].src, c->blocks[i].len, BPA_BLOCK,
                   section, &r->blocks[i], err))
      return false;
  }
  if (c->authorizer &&
      !parse_one(r, c->authorizer, c->auth_len, BPA_AUTHORIZER, "authorizer",
                 &r->blocks[c->n_blocks], err))
    return false;
  for (size_t i = 0; i < c->n_queries; i++) {
    snprintf(section, sizeof section, "query%zu", i);
    const char *q = c->queries[i].rule;
    if (!parse_one(r, q, strlen(q), BPA_RULE, section, &r->queries[i], err))
      return false;
  }
  return true;
}

/* Parse errors are the outcome when %%expect-error is given. */
static bool check_parse(run *r) {
  rt_lines err = {0};
  bool parsed = parse_all(r, &err);
  if (r->c->has_expect_error) {
    if (parsed)
      report_msg(r, "expect-error", "everything parsed");
    else if (!rt_lines_eq(&r->c->expect_error, &err))
      report(r, "expect-error", &r->c->expect_error, &err);
    else if (r->c->error_status && r->parse_status != r->c->error_status)
      report_msg(r, "expect-error", r->parse_status == BISCUIT_E_INCOMPLETE
                                        ? "the input is incomplete"
                                        : "the input is not incomplete");
  } else if (!parsed) {
    report(r, "parse error", NULL, NULL);
    for (size_t i = 0; i < err.n; i++)
      printf("    %s\n", err.v[i]);
  }
  rt_lines_free(&err);
  return parsed && !r->c->has_expect_error;
}

/* The authorizer printed back, as the reference's dump_code would. */
static void check_print(run *r) {
  bx_buf b;
  bx_buf_init(&b, 0);
  bdl_print_authorizer(&b, r->env, &r->blocks[r->c->n_blocks]);
  rt_lines got = {0};
  rt_lines_split(&got, b.data ? b.data : "", b.len);
  while (got.n > 0 && got.v[got.n - 1][0] == '\0')
    bx_free(got.v[--got.n]);
  if (b.failed || !rt_lines_eq(&r->c->print, &got))
    report(r, "print", &r->c->print, &got);
  rt_lines_free(&got);
  bx_buf_free(&b);
}

/* ---------------------------------------------------------- authorizing */

static biscuit_status load_world(run *r, bx_diag *d) {
  const rt_case *c = r->c;
  r->world = bdl_world_new(r->env);
  if (!r->world)
    return bx_fail(d, BISCUIT_E_NOMEM, NULL, "bdl_world_new");
  bdl_world_set_extern(r->world, rt_extern_test, NULL);
  for (size_t i = 0; i < c->n_blocks; i++) {
    const char *ext = c->blocks[i].external;
    uint32_t signer = BDL_NOSYM;
    if (ext)
      signer = bdl_symtab_intern(r->env->keys, ext, strlen(ext));
    biscuit_status st = bdl_world_add_block(r->world, (uint32_t)i,
                                            &r->blocks[i], signer, d);
    if (st != BISCUIT_OK)
      return st;
  }
  return bdl_world_add_block(r->world, BDL_AUTHORIZER_ID,
                             &r->blocks[c->n_blocks], BDL_NOSYM, d);
}

static void push_fmt(rt_lines *l, bx_buf *b) {
  rt_lines_push(l, b->data ? b->data : "", b->len);
  bx_buf_reset(b);
}

static void failed_lines(run *r, const bdl_result *res, rt_lines *got,
                         bx_buf *b) {
  for (uint32_t i = 0; i < res->n_failed; i++) {
    const bdl_failed_check *fc = &res->failed[i];
    if (fc->block_id == BDL_AUTHORIZER_ID)
      bx_buf_printf(b, "failed authorizer check %u: ", fc->check_index);
    else
      bx_buf_printf(b, "failed block %u check %u: ", fc->block_id,
                    fc->check_index);
    bdl_print_check(b, r->env, fc->check);
    push_fmt(got, b);
  }
}

/* The verdict lines of an authorization (or of a load error). */
static void outcome(run *r, biscuit_status st, const bdl_result *res,
                    const bx_diag *d, rt_lines *got) {
  bx_buf b;
  bx_buf_init(&b, 0);
  const rt_lines *want = &r->c->expect;
  if (st == BISCUIT_OK || st == BISCUIT_DENIED) {
    if (res->policy_kind < 0)
      bx_buf_puts(&b, "no policy");
    else
      bx_buf_printf(&b, "%s %u",
                    res->policy_kind == BDL_ALLOW ? "allow" : "deny",
                    res->policy_index);
    push_fmt(got, &b);
    failed_lines(r, res, got, &b);
  } else {
    bx_buf_printf(&b, "error %s", rt_status_tag(st, d));
    if (want->n > 0 && strchr(want->v[0], ':'))
      bx_buf_printf(&b, ": %s", d->msg);
    push_fmt(got, &b);
  }
  bx_buf_free(&b);
}

static bool authorize(run *r) {
  bx_diag d;
  bx_diag_clear(&d);
  bdl_result res;
  memset(&res, 0, sizeof res);
  biscuit_status st = load_world(r, &d);
  if (st == BISCUIT_OK)
    st = bdl_world_authorize(r->world, &r->c->limits, &res, &d);
  rt_lines got = {0};
  outcome(r, st, &res, &d, &got);
  if (r->c->has_expect && !rt_lines_eq(&r->c->expect, &got))
    report(r, "expect", &r->c->expect, &got);
  else if (!r->c->has_expect && st != BISCUIT_OK && st != BISCUIT_DENIED)
    report_msg(r, "unexpected error", got.v ? got.v[0] : "?");
  rt_lines_free(&got);
  bdl_result_free(&res);
  return st == BISCUIT_OK || st == BISCUIT_DENIED;
}

/* ------------------------------------------------------ world and queries */

typedef struct collect {
  const bdl_env *env;
  rt_lines *lines;
  bool origins;
  bx_buf b;
} collect;

static void print_origin(bx_buf *b, bdl_origin o) {
  bool first = true;
  for (uint32_t id = 0; id <= BDL_AUTHORIZER_ID; id++) {
    if (!bdl_origin_has(o, id))
      continue;
    if (!first)
      bx_buf_putc(b, ',');
    first = false;
    if (id == BDL_AUTHORIZER_ID)
      bx_buf_puts(b, "authorizer");
    else
      bx_buf_printf(b, "%u", id);
  }
  bx_buf_puts(b, ": ");
}

static biscuit_status collect_fact(void *ud, const bdl_pred *fact,
                                   bdl_origin origin) {
  collect *c = ud;
  if (c->origins)
    print_origin(&c->b, origin);
  bdl_print_pred(&c->b, c->env, fact);
  bool ok = !c->b.failed && rt_lines_push(c->lines, c->b.data, c->b.len);
  bx_buf_reset(&c->b);
  return ok ? BISCUIT_OK : BISCUIT_E_NOMEM;
}

static void dedupe(rt_lines *l) {
  size_t k = 0;
  for (size_t i = 0; i < l->n; i++) {
    if (k > 0 && strcmp(l->v[k - 1], l->v[i]) == 0)
      bx_free(l->v[i]);
    else
      l->v[k++] = l->v[i];
  }
  l->n = k;
}

static void check_world(run *r) {
  rt_lines got = {0};
  collect c = {r->env, &got, true, {0}};
  bx_buf_init(&c.b, 0);
  bdl_world_foreach_fact(r->world, collect_fact, &c);
  bx_buf_free(&c.b);
  rt_lines_sort(&got);
  if (!rt_lines_eq(&r->c->world, &got))
    report(r, "world", &r->c->world, &got);
  rt_lines_free(&got);
}

static void check_query(run *r, size_t i) {
  const rt_query *q = &r->c->queries[i];
  const bdl_block *qb = &r->queries[i];
  rt_lines got = {0};
  collect c = {r->env, &got, false, {0}};
  bx_buf_init(&c.b, 0);
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = BISCUIT_E_MISUSE;
  if (qb->n_rules == 1)
    st = bdl_world_query(r->world, &qb->rules[0], q->all, &r->c->limits,
                         collect_fact, &c, &d);
  rt_lines_sort(&got);
  dedupe(&got);
  if (st != BISCUIT_OK) {
    rt_lines_free(&got);
    bx_buf_printf(&c.b, "error %s", rt_status_tag(st, &d));
    rt_lines_push(&got, c.b.data, c.b.len);
  }
  bx_buf_free(&c.b);
  char what[600];
  snprintf(what, sizeof what, "query %s", q->rule);
  if (!rt_lines_eq(&q->want, &got))
    report(r, what, &q->want, &got);
  rt_lines_free(&got);
}

/* ------------------------------------------------------------------ case */

static bool setup(run *r, const rt_file *f, const rt_case *c) {
  memset(r, 0, sizeof *r);
  r->f = f;
  r->c = c;
  r->env = bdl_env_new(NULL);
  r->blocks = bx_calloc(c->n_blocks + 1, sizeof *r->blocks);
  r->queries = bx_calloc(c->n_queries + 1, sizeof *r->queries);
  return r->env && r->blocks && r->queries;
}

static void teardown(run *r) {
  bdl_world_free(r->world);
  for (size_t i = 0; r->blocks && i <= r->c->n_blocks; i++)
    bdl_block_free(&r->blocks[i]);
  for (size_t i = 0; r->queries && i < r->c->n_queries; i++)
    bdl_block_free(&r->queries[i]);
  bx_free(r->blocks);
  bx_free(r->queries);
  bdl_env_free(r->env);
}

bool rt_case_run(const rt_file *f, const rt_case *c) {
  run r;
  if (!setup(&r, f, c)) {
    report_msg(&r, "setup", "out of memory");
  } else if (check_parse(&r)) {
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
  if (!r.failed)
    printf("ok    %s:%u: %s\n", f->base, c->line, c->name);
  return !r.failed;
}
