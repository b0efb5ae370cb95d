/*
** The expression machine against the official samples' texts: every
** check and policy of the expression samples (test014, test017, test027,
** test028, test031-test035, test038) is parsed and evaluated, and the
** outcome of each validation is compared with the sample's `result`
** (the order of reference-behaviour.md §3: authorizer checks, block
** checks, then policies; the first expression error aborts). A small
** single-predicate matcher binds variables from the facts. Then a table
** of expression texts with the reference's observed results (§6).
*/
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "datalog/datalog.h"
#include "datalog/expr.h"
#include "parser/parser.h"
#include "test.h"
#include "test_util.h"

static bdl_env *E;
static bdl_eval_ctx C;
static bx_diag D;

/* test035's host function: unary identity, binary string comparison. */
static biscuit_status host(void *ud, const char *name, const bdl_term *recv,
                           const bdl_term *arg, bdl_env *env, bdl_term *out,
                           bx_diag *d) {
  (void)ud;
  if (strcmp(name, "test") != 0)
    return BISCUIT_E_MISUSE;
  if (!arg) {
    *out = *recv;
    return BISCUIT_OK;
  }
  if (recv->kind != BDL_STR || arg->kind != BDL_STR)
    return bx_fail(d, BISCUIT_E_EXECUTION, NULL, "expected strings");
  const char *r = recv->id == arg->id ? "equal strings" : "different strings";
  return bdl_make_str(env, r, strlen(r), out);
}

/* ------------------------------------------------------------ matching */

typedef struct binding {
  uint32_t n;
  uint32_t ids[16];
  bdl_term vals[16];
} binding;

/* Unify a body predicate with a fact, extending the binding. */
static bool unify(const bdl_pred *p, const bdl_pred *f, binding *b) {
  if (p->name != f->name || p->n_terms != f->n_terms)
    return false;
  for (uint32_t i = 0; i < p->n_terms; i++) {
    const bdl_term *t = &p->terms[i];
    if (t->kind != BDL_VAR) {
      if (!bdl_term_eq(t, &f->terms[i]))
        return false;
      continue;
    }
    uint32_t j = 0;
    while (j < b->n && b->ids[j] != t->id)
      j++;
    if (j < b->n && !bdl_term_eq(&b->vals[j], &f->terms[i]))
      return false;
    if (j == b->n && b->n < 16) {
      b->ids[b->n] = t->id;
      b->vals[b->n++] = f->terms[i];
    }
  }
  return true;
}

/* 1: every expression is true; 0: one is not; -1: an error (in D). */
static int exprs_hold(const bdl_rule *q, const binding *b) {
  for (uint32_t i = 0; i < q->n_exprs; i++) {
    bdl_term r;
    bx_diag_clear(&D);
    if (bdl_expr_eval(&C, &q->exprs[i], b->ids, b->vals, b->n, &r, &D) !=
        BISCUIT_OK)
      return -1;
    if (r.kind != BDL_BOOL)
      return -1; /* the world's InvalidType; D.tag stays NULL */
    if (!r.id)
      return 0;
  }
  return 1;
}

/* Does a query match? Bodies of zero or one predicate only. */
static int query_matches(const bdl_rule *q, const bdl_pred *facts,
                         size_t n_facts) {
  binding b = {0};
  if (q->n_body == 0)
    return exprs_hold(q, &b);
  if (q->n_body > 1)
    return -2;
  for (size_t i = 0; i < n_facts; i++) {
    b.n = 0;
    if (!unify(&q->body[0], &facts[i], &b))
      continue;
    int r = exprs_hold(q, &b);
    if (r != 0)
      return r;
  }
  return 0;
}

/* 1 passes, 0 fails, <0 error (reference: `reject if` = !match). */
static int check_passes(const bdl_check *c, const bdl_pred *facts,
                        size_t n_facts) {
  int matched = 0;
  for (uint32_t i = 0; i < c->n_queries && !matched; i++) {
    int r = query_matches(&c->queries[i], facts, n_facts);
    if (r < 0)
      return r;
    matched = r;
  }
  return c->kind == BDL_REJECT_IF ? !matched : matched;
}

/* ----------------------------------------------------------- authorize */

/* What a validation came to, in a form easy to compare with the JSON. */
typedef struct outcome {
  const char *err; /* an expression error tag, or NULL */
  int policy;      /* index of the first matching policy, -1 none */
  int allow;
  char failed[1024]; /* "A0,B0.19," : authorizer / block.check ids */
} outcome;

static void add_failed(outcome *o, const char *fmt, uint32_t a, uint32_t b) {
  size_t n = strlen(o->failed);
  snprintf(o->failed + n, sizeof o->failed - n, fmt, a, b);
}

/* Run a block's checks; false when an expression error aborted. */
static bool run_checks(const bdl_block *blk, uint32_t id, const bdl_pred *f,
                       size_t n, outcome *o) {
  for (uint32_t i = 0; i < blk->n_checks; i++) {
    int r = check_passes(&blk->checks[i], f, n);
    if (r < 0) {
      o->err = D.tag ? D.tag : (r == -2 ? "unsupported" : "InvalidType");
      return false;
    }
    if (!r && id == UINT32_MAX)
      add_failed(o, "A%u,", i, 0);
    else if (!r)
      add_failed(o, "B%u.%u,", id, i);
  }
  return true;
}

/* Policies: the first match wins (reference-behaviour.md §3). */
static bool run_policies(const bdl_block *auth, const bdl_pred *f, size_t n,
                         outcome *o) {
  for (uint32_t i = 0; i < auth->n_policies && o->policy < 0; i++) {
    const bdl_policy *p = &auth->policies[i];
    for (uint32_t q = 0; q < p->n_queries; q++) {
      int r = query_matches(&p->queries[q], f, n);
      if (r < 0) {
        o->err = D.tag ? D.tag : "InvalidType";
        return false;
      }
      if (r) {
        o->policy = (int)i;
        o->allow = p->kind == BDL_ALLOW;
        break;
      }
    }
  }
  return true;
}

static void authorize(const bdl_block *blocks, size_t nb, const bdl_block *auth,
                      outcome *o) {
  memset(o, 0, sizeof *o);
  o->policy = -1;
  size_t n = auth->n_facts, k = 0;
  for (size_t i = 0; i < nb; i++)
    n += blocks[i].n_facts;
  bdl_pred *f = calloc(n + 1, sizeof *f);
  for (size_t i = 0; i < nb; i++)
    for (uint32_t j = 0; j < blocks[i].n_facts; j++)
      f[k++] = blocks[i].facts[j];
  for (uint32_t j = 0; j < auth->n_facts; j++)
    f[k++] = auth->facts[j];
  bool ok = run_checks(auth, UINT32_MAX, f, n, o) &&
            (nb == 0 || run_checks(&blocks[0], 0, f, n, o)) &&
            run_policies(auth, f, n, o);
  for (size_t i = 1; ok && i < nb; i++)
    ok = run_checks(&blocks[i], (uint32_t)i, f, n, o);
  free(f);
}

/* The expected failed checks of an Unauthorized/NoMatchingPolicy. */
static void expected_failed(json_t *checks, char *buf, size_t cap) {
  size_t i;
  json_t *c;
  buf[0] = 0;
  json_array_foreach(checks, i, c) {
    size_t n = strlen(buf);
    json_t *b = json_object_get(c, "Block");
    json_t *a = json_object_get(c, "Authorizer");
    if (b)
      snprintf(buf + n, cap - n, "B%d.%d,",
               (int)json_number_value(json_object_get(b, "block_id")),
               (int)json_number_value(json_object_get(b, "check_id")));
    else if (a)
      snprintf(buf + n, cap - n, "A%d,",
               (int)json_number_value(json_object_get(a, "check_id")));
  }
}

/* Compare an outcome with a sample's `result`; false if not judged. */
static bool judge(const char *name, json_t *result, const outcome *o) {
  json_t *ok = json_object_get(result, "Ok");
  json_t *err = json_object_get(result, "Err");
  json_t *exe = json_object_get(err, "Execution");
  json_t *fl = json_object_get(err, "FailedLogic");
  json_t *un = json_object_get(fl, "Unauthorized");
  json_t *nm = json_object_get(fl, "NoMatchingPolicy");
  char want[1024];
  bool good;
  if (ok) {
    good = !o->err && !o->failed[0] && o->allow &&
           o->policy == (int)json_number_value(ok);
  } else if (exe) {
    good = o->err && strcmp(o->err, json_string_value(exe)) == 0;
  } else if (un || nm) {
    json_t *pol = json_object_get(un, "policy");
    json_t *allow = json_object_get(pol, "Allow");
    expected_failed(json_object_get(un ? un : nm, "checks"), want, sizeof want);
    good = !o->err && strcmp(o->failed, want) == 0 &&
           (nm ? o->policy < 0 : o->allow == (allow != NULL));
  } else {
    return false;
  }
  if (good)
    t_pass++;
  else {
    t_fail++;
    fprintf(stderr, "%s: got err=%s policy=%d failed=%s\n", name,
            o->err ? o->err : "-", o->policy, o->failed);
  }
  return true;
}

static bool parse(const char *src, bpa_kind kind, bdl_block *out) {
  bx_diag d;
  bx_diag_clear(&d);
  bdl_block_init(out);
  biscuit_status st = bpa_parse(E, src, strlen(src), kind, NULL, out, &d);
  if (st != BISCUIT_OK) {
    t_fail++;
    fprintf(stderr, "parse error %s: %s\n  in: %s\n", d.tag ? d.tag : "-",
            d.msg, src);
  }
  return st == BISCUIT_OK;
}

/* test027: every check alone is an Overflow, not a failed check. */
static void each_check_errs(const bdl_block *b, const char *tag) {
  for (uint32_t i = 0; i < b->n_checks; i++) {
    int r = check_passes(&b->checks[i], NULL, 0);
    CHECK(r == -1 && D.tag && strcmp(D.tag, tag) == 0);
  }
}

static int run_case(json_t *tc) {
  json_t *tok = json_object_get(tc, "token"), *v, *t;
  const char *fname = json_string_value(json_object_get(tc, "filename"));
  size_t nb = json_array_size(tok), i, judged = 0;
  const char *vname;
  bdl_block *blocks = calloc(nb + 1, sizeof *blocks);
  json_array_foreach(tok, i, t) {
    parse(json_string_value(json_object_get(t, "code")), BPA_BLOCK, &blocks[i]);
  }
  if (strncmp(fname, "test027", 7) == 0)
    each_check_errs(&blocks[0], "Overflow");
  json_object_foreach(json_object_get(tc, "validations"), vname, v) {
    bdl_block auth;
    outcome o;
    char name[160];
    snprintf(name, sizeof name, "%s [%s]", fname, vname);
    if (!parse(json_string_value(json_object_get(v, "authorizer_code")),
               BPA_AUTHORIZER, &auth))
      continue;
    authorize(blocks, nb, &auth, &o);
    judged += judge(name, json_object_get(v, "result"), &o);
    bdl_block_free(&auth);
  }
  for (i = 0; i < nb; i++)
    bdl_block_free(&blocks[i]);
  free(blocks);
  return (int)judged;
}

static void test_samples(void) {
  static const char *const wanted[] = {
      "test014", "test017", "test027", "test028", "test031",
      "test032", "test033", "test034", "test035", "test038"};
  json_t *root = samples_load(NULL);
  CHECK(root != NULL);
  size_t i, cases = 0;
  int judged = 0;
  json_t *tc;
  json_array_foreach(json_object_get(root, "testcases"), i, tc) {
    const char *f = json_string_value(json_object_get(tc, "filename"));
    for (size_t w = 0; f && w < sizeof wanted / sizeof *wanted; w++)
      if (strncmp(f, wanted[w], 7) == 0) {
        cases++;
        judged += run_case(tc);
      }
  }
  CHECK(cases == 10);
  CHECK(judged == 14); /* every validation of those cases */
  json_decref(root);
}

/* ------------------------------------------------------- observed texts */

/*
** Expression texts with the reference's results (reference-behaviour.md
** §6, and the second sample set's `[1, 2].get(-1) == null`): "true",
** "false", or the error tag.
*/
static const char *const texts[][2] = {
    {"1 == \"1\"", "false"},
    {"1 === \"1\"", "InvalidType"},
    {"null !== 1", "InvalidType"},
    {"null == 1", "false"},
    {"null === null", "true"},
    {"\"b\" > \"a\"", "InvalidType"},
    {"[1, 2].contains([1])", "false"},
    {"{1, 2}.contains({1})", "true"},
    {"[1, 2].get(-1) == null", "true"},
    {"{\"a\": 1}.get(1) == null", "true"},
    {"[1, 2].get(\"a\") == null", "InvalidType"},
    {"\"abc\".get(0) == null", "InvalidType"},
    {"(1).try_or(2) == 1", "true"},
    {"(1 / 0).try_or(2) == 2", "true"},
    {"[].any($x -> true)", "false"},
    {"[].all($x -> false)", "true"},
    {"-9223372036854775808 / -1 == 0", "DivideByZero"},
    {"1 / 0 == 0", "DivideByZero"},
    {"9223372036854775807 + 1 == 0", "Overflow"},
    {"true.try_or(true === 12)", "InvalidType"},
    {"\"abc\".matches(\"(unclosed\")", "false"},
    {"\"abc\".matches(\"[z-a]\")", "false"},
    {"\"abc\".matches(\"(a)\\\\\\\\1\")", "false"},
    {"\"abc\".matches(\"^a.c$\")", "true"},
    {"\"\xc3\xa9\".length() == 2", "true"},
    {"\"a\" + \"b\" == \"ab\"", "true"},
    {"hex:aabb.length() == 2", "true"},
    {"{,}.length() == 0", "true"},
    {"{1, 2}.union({3}).length() == 3", "true"},
    {"{\"a\": [1, 2]}.any($kv -> $kv.get(1).contains(2))", "true"},
    {"[1, 2, 3].all($p -> $p > 0 && [4].any($q -> $q > $p))", "true"},
    {"[1].all($p -> [1].all($p -> true))", "ShadowedVariable"},
    {"true && 1 == 1", "true"},
    {"false && (1 / 0 == 1)", "false"},
    {"true || (1 / 0 == 1)", "true"},
    {"!(1 < 2)", "false"},
    {"2022-12-04T09:46:41Z.type() == \"date\"", "true"},
    {"1.extern::nope()", "UndefinedExtern"},
};

static void test_texts(void) {
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    char src[256];
    bdl_block b;
    snprintf(src, sizeof src, "check if %s", texts[i][0]);
    if (!parse(src, BPA_CHECK, &b))
      continue;
    bdl_term r;
    bx_diag_clear(&D);
    biscuit_status st = bdl_expr_eval(&C, &b.checks[0].queries[0].exprs[0],
                                      NULL, NULL, 0, &r, &D);
    const char *got = st != BISCUIT_OK     ? (D.tag ? D.tag : "?")
                      : r.kind != BDL_BOOL ? "not a bool"
                      : r.id               ? "true"
                                           : "false";
    if (strcmp(got, texts[i][1]) == 0)
      t_pass++;
    else {
      t_fail++;
      fprintf(stderr, "%s: got %s, want %s\n", texts[i][0], got, texts[i][1]);
    }
    bdl_block_free(&b);
  }
}

int main(void) {
  E = bdl_env_new(NULL);
  bdl_eval_ctx_init(&C, E);
  C.ext = host;
  C.max_work = 1000000;
  test_samples();
  C.ext = NULL;
  test_texts();
  bdl_env_free(E);
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
