/*
** The evaluator: scopes and trusted origins, origins of derived facts,
** checks, policies, failure order, InvalidBlockRule, run limits, queries
** and the world dump (reference-behaviour.md §3, §5).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalog/print.h"
#include "test.h"
#include "world_ir.h"

#define AUTH BDL_AUTHORIZER_ID

/* ------------------------------------------------------------ helpers */

struct find {
  const char *want;
  int n;
  bdl_origin o;
};

static biscuit_status find_cb(void *ud, const bdl_pred *p, bdl_origin o) {
  struct find *f = ud;
  bx_buf b;
  bx_buf_init(&b, 0);
  bdl_print_pred(&b, wi_env, p);
  if (b.data && strcmp(b.data, f->want) == 0) {
    f->n++;
    f->o = o;
  }
  bx_buf_free(&b);
  return BISCUIT_OK;
}

/* How many stored facts print as `want`; *o gets the last one's origin. */
static int find_fact(bdl_world *w, const char *want, bdl_origin *o) {
  struct find f = {want, 0, {{0, 0}}};
  bdl_world_foreach_fact(w, find_cb, &f);
  if (o)
    *o = f.o;
  return f.n;
}

static bdl_origin O(int n, ...) {
  bdl_origin o = {{0, 0}};
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++)
    o = bdl_origin_union(o, bdl_origin_one((uint32_t)va_arg(ap, int)));
  va_end(ap);
  return o;
}

static void block_add_check(bdl_block *b, bdl_check c) {
  CHECK(bdl_block_add_check(b, &c) == BISCUIT_OK);
}

static void block_add_fact(bdl_block *b, bdl_pred p) {
  CHECK(bdl_block_add_fact(b, &p) == BISCUIT_OK);
}

static void block_add_rule(bdl_block *b, bdl_rule r) {
  CHECK(bdl_block_add_rule(b, &r) == BISCUIT_OK);
}

static void block_add_policy(bdl_block *b, bdl_policy p) {
  CHECK(bdl_block_add_policy(b, &p) == BISCUIT_OK);
}

/* Up to 4 blocks (ids 0..2 and the authorizer) for one scenario. */
struct scene {
  bdl_block b[3], a;
  bdl_world *w;
};

static void scene_init(struct scene *s) {
  for (int i = 0; i < 3; i++)
    bdl_block_init(&s->b[i]);
  bdl_block_init(&s->a);
  s->w = bdl_world_new(wi_env);
  CHECK(s->w != NULL);
}

/* Register blocks 0..n-1 (signers given or BDL_NOSYM) and the authorizer. */
static void scene_load(struct scene *s, int n, const uint32_t *signers) {
  for (int i = 0; i < n; i++)
    CHECK(bdl_world_add_block(s->w, (uint32_t)i, &s->b[i],
                              signers ? signers[i] : BDL_NOSYM,
                              NULL) == BISCUIT_OK);
  CHECK(bdl_world_add_block(s->w, AUTH, &s->a, BDL_NOSYM, NULL) == BISCUIT_OK);
}

static void scene_free(struct scene *s) {
  bdl_world_free(s->w);
  for (int i = 0; i < 3; i++)
    bdl_block_free(&s->b[i]);
  bdl_block_free(&s->a);
}

/* Default limits without the clock (sanitizers, valgrind). */
static bdl_limits slow;

static biscuit_status authorize(struct scene *s, bdl_result *r) {
  bdl_limits l;
  bdl_limits_default(&l);
  l.max_time_ns = 0; /* sanitizer builds are slow; time is tested apart */
  return bdl_world_authorize(s->w, &l, r, NULL);
}

/* ------------------------------------------------------------ tests */

/* spec "Checks", basic token: the block check needs right on the resource */
static void test_basic(void) {
  for (int variant = 0; variant < 2; variant++) {
    struct scene s;
    scene_init(&s);
    block_add_fact(&s.b[0], P("right", 2, S("file1"), S("read")));
    block_add_fact(&s.b[0], P("right", 2, S("file2"), S("read")));
    block_add_check(
        &s.b[1], C(BDL_CHECK_IF, 1,
                   Q(3, P("resource", 1, V("0")), P("operation", 1, S("read")),
                     P("right", 2, V("0"), S("read")))));
    block_add_fact(&s.a, P("resource", 1, S(variant ? "file3" : "file1")));
    block_add_fact(&s.a, P("operation", 1, S("read")));
    block_add_policy(&s.a, POL_TRUE(BDL_ALLOW));
    scene_load(&s, 2, NULL);
    bdl_result r;
    biscuit_status st = authorize(&s, &r);
    if (!variant) {
      CHECK(st == BISCUIT_OK);
      CHECK(r.policy_kind == BDL_ALLOW && r.policy_index == 0);
      CHECK(r.n_failed == 0);
    } else {
      CHECK(st == BISCUIT_DENIED);
      CHECK(r.policy_kind == BDL_ALLOW);
      CHECK(r.n_failed == 1);
      CHECK(r.n_failed == 1 && r.failed[0].block_id == 1 &&
            r.failed[0].check_index == 0 &&
            r.failed[0].check == &s.b[1].checks[0]);
    }
    bdl_result_free(&r);
    scene_free(&s);
  }
}

/*
** Default scopes: a block sees authority, itself and the authorizer; the
** authorizer sees authority and itself; facts of block 1 are invisible
** to block 2 and to the authorizer (spec "Scopes", test023).
*/
static void test_default_scopes(void) {
  struct scene s;
  scene_init(&s);
  block_add_fact(&s.b[0], P("authority_fact", 1, I(1)));
  block_add_fact(&s.b[1], P("block1_fact", 1, I(1)));
  block_add_check(&s.b[2],
                  C(BDL_CHECK_IF, 1, Q(1, P("authority_fact", 1, V("var")))));
  block_add_check(&s.b[2],
                  C(BDL_CHECK_IF, 1, Q(1, P("block1_fact", 1, V("var")))));
  block_add_check(&s.a,
                  C(BDL_CHECK_IF, 1, Q(1, P("block1_fact", 1, V("var")))));
  block_add_check(&s.a,
                  C(BDL_CHECK_IF, 1, Q(1, P("authority_fact", 1, V("var")))));
  /* block 1 sees its own fact */
  block_add_check(&s.b[1],
                  C(BDL_CHECK_IF, 1, Q(1, P("block1_fact", 1, V("var")))));
  block_add_policy(&s.a, POL_TRUE(BDL_ALLOW));
  scene_load(&s, 3, NULL);
  bdl_result r;
  CHECK(authorize(&s, &r) == BISCUIT_DENIED);
  CHECK(r.n_failed == 2);
  if (r.n_failed == 2) {
    CHECK(r.failed[0].block_id == AUTH && r.failed[0].check_index == 0);
    CHECK(r.failed[1].block_id == 2 && r.failed[1].check_index == 1);
  }
  bdl_result_free(&r);
  scene_free(&s);
}

/*
** `trusting previous` in block 2 sees block 1; in the authorizer it is
** ignored, so the authorizer then trusts only itself (not even block 0).
*/
static void test_previous(void) {
  struct scene s;
  scene_init(&s);
  block_add_fact(&s.b[0], P("f0", 1, I(0)));
  block_add_fact(&s.b[1], P("f1", 1, I(1)));
  block_add_fact(&s.a, P("fa", 1, I(9)));
  bdl_rule q = Q(1, P("f1", 1, V("x")));
  add_scope(&q, BDL_SCOPE_PREVIOUS, 0);
  block_add_check(&s.b[2], C(BDL_CHECK_IF, 1, q)); /* passes */
  bdl_rule qa = Q(1, P("f0", 1, V("x")));
  add_scope(&qa, BDL_SCOPE_PREVIOUS, 0);
  block_add_check(&s.a, C(BDL_CHECK_IF, 1, qa)); /* fails: only authorizer */
  bdl_rule qb = Q(1, P("fa", 1, V("x")));
  add_scope(&qb, BDL_SCOPE_PREVIOUS, 0);
  block_add_check(&s.a, C(BDL_CHECK_IF, 1, qb)); /* passes */
  /* block 1 with previous does not see block 2 */
  bdl_block *b1 = &s.b[1];
  bdl_rule q1 = Q(1, P("f2", 1, V("x")));
  add_scope(&q1, BDL_SCOPE_PREVIOUS, 0);
  block_add_fact(&s.b[2], P("f2", 1, I(2)));
  block_add_check(b1, C(BDL_CHECK_IF, 1, q1)); /* fails */
  block_add_policy(&s.a, POL_TRUE(BDL_ALLOW));
  scene_load(&s, 3, NULL);
  bdl_result r;
  CHECK(authorize(&s, &r) == BISCUIT_DENIED);
  CHECK(r.n_failed == 2);
  if (r.n_failed == 2) {
    CHECK(r.failed[0].block_id == AUTH && r.failed[0].check_index == 0);
    CHECK(r.failed[1].block_id == 1 && r.failed[1].check_index == 0);
  }
  bdl_result_free(&r);
  scene_free(&s);
}

/*
** Public-key scopes (test024/test026): trusting K adds every block signed
** by K, also blocks after the one asking; rule-level scopes override the
** block-level ones; a derived fact's origin joins its sources.
*/
static void test_key_scopes(void) {
  struct scene s;
  scene_init(&s);
  uint32_t k = wi_key("ed25519/aaaa"), k2 = wi_key("ed25519/bbbb");
  block_add_fact(&s.b[0], P("right", 1, S("read")));
  bdl_rule q = Q(1, P("group", 1, S("admin")));
  add_scope(&q, BDL_SCOPE_KEY, k);
  block_add_check(&s.b[0], C(BDL_CHECK_IF, 1, q)); /* passes */
  bdl_rule q2 = Q(1, P("group", 1, S("admin")));
  add_scope(&q2, BDL_SCOPE_KEY, k2);
  block_add_check(&s.b[0], C(BDL_CHECK_IF, 1, q2)); /* fails */
  block_add_check(
      &s.b[0], C(BDL_CHECK_IF, 1, Q(1, P("group", 1, S("admin"))))); /* fails */
  block_add_fact(&s.b[1], P("group", 1, S("admin")));
  block_add_check(&s.b[1], C(BDL_CHECK_IF, 1, Q(1, P("right", 1, S("read")))));
  /* block 2 (signed by k too): a rule trusting k joins blocks 1 and 2 */
  block_add_fact(&s.b[2], P("member", 1, S("admin")));
  bdl_rule rr =
      R(P("both", 1, V("g")), 2, P("group", 1, V("g")), P("member", 1, V("g")));
  add_scope(&rr, BDL_SCOPE_KEY, k);
  block_add_rule(&s.b[2], rr);
  /* authorizer check trusting k sees the derived fact, origin {1, 2} */
  bdl_rule qa = Q(1, P("both", 1, S("admin")));
  add_scope(&qa, BDL_SCOPE_KEY, k);
  block_add_check(&s.a, C(BDL_CHECK_IF, 1, qa));
  block_add_policy(&s.a, POL_TRUE(BDL_ALLOW));
  uint32_t signers[3] = {k, k, k}; /* block 0's signer is ignored */
  scene_load(&s, 3, signers);
  bdl_result r;
  CHECK(authorize(&s, &r) == BISCUIT_DENIED);
  CHECK(r.n_failed == 2);
  if (r.n_failed == 2) {
    CHECK(r.failed[0].block_id == 0 && r.failed[0].check_index == 1);
    CHECK(r.failed[1].block_id == 0 && r.failed[1].check_index == 2);
  }
  bdl_origin o;
  CHECK(find_fact(s.w, "both(\"admin\")", &o) == 1);
  CHECK(bdl_origin_eq(o, O(2, 1, 2)));
  bdl_result_free(&r);
  scene_free(&s);
}

/* Block-level `trusting` sets the defaults; a rule's own scopes win. */
static void test_block_scopes(void) {
  struct scene s;
  scene_init(&s);
  block_add_fact(&s.b[0], P("a", 1, I(0)));
  block_add_fact(&s.b[1], P("f", 1, I(1)));
  bdl_scope prev = {BDL_SCOPE_PREVIOUS, 0};
  CHECK(bdl_block_add_scope(&s.b[2], &prev) == BISCUIT_OK);
  block_add_rule(&s.b[2], R(P("seen", 1, V("x")), 1, P("f", 1, V("x"))));
  bdl_rule r3 = R(P("seen_auth", 1, V("x")), 1, P("f", 1, V("x")));
  add_scope(&r3, BDL_SCOPE_AUTHORITY, 0);
  block_add_rule(&s.b[2], r3);
  bdl_rule r4 = R(P("seen_a", 1, V("x")), 1, P("a", 1, V("x")));
  add_scope(&r4, BDL_SCOPE_AUTHORITY, 0);
  block_add_rule(&s.b[2], r4);
  /* a check of block 2 also gets the block-level default */
  block_add_check(&s.b[2], C(BDL_CHECK_IF, 1, Q(1, P("f", 1, I(1)))));
  block_add_policy(&s.a, POL_TRUE(BDL_ALLOW));
  scene_load(&s, 3, NULL);
  bdl_result r;
  CHECK(authorize(&s, &r) == BISCUIT_OK);
  bdl_origin o;
  CHECK(find_fact(s.w, "seen(1)", &o) == 1);
  CHECK(bdl_origin_eq(o, O(2, 1, 2)));
  CHECK(find_fact(s.w, "seen_auth(1)", NULL) == 0);
  CHECK(find_fact(s.w, "seen_a(0)", &o) == 1);
  CHECK(bdl_origin_eq(o, O(2, 0, 2)));
  bdl_result_free(&r);
  scene_free(&s);
}

/*
** Derived origins: union of the sources plus the rule's block; the same
** fact under two origins is stored (and counted) twice.
*/
static void test_origins(void) {
  struct scene s;
  scene_init(&s);
  block_add_fact(&s.b[0], P("a", 1, S("x")));
  block_add_fact(&s.b[0], P("dup", 1, I(1)));
  block_add_fact(&s.a, P("dup", 1, I(1)));
  block_add_fact(&s.a, P("b", 1, S("x")));
  block_add_rule(&s.b[1],
                 R(P("d", 1, V("v")), 2, P("a", 1, V("v")), P("b", 1, V("v"))));
  block_add_rule(&s.a, R(P("e", 1, V("v")), 1, P("a", 1, V("v"))));
  /* a rule with no body predicates: origin {its block} */
  bdl_rule c = R(P("const", 1, I(7)), 0);
  add_expr(&c, X1(bdl_bool(true)));
  block_add_rule(&s.b[1], c);
  /* authorizer rule with an unbound head variable produces nothing */
  block_add_rule(&s.a, R(P("unb", 1, V("zz")), 1, P("a", 1, V("v"))));
  scene_load(&s, 2, NULL);
  CHECK(bdl_world_fact_count(s.w) == 4);
  CHECK(bdl_world_run(s.w, &slow, NULL) == BISCUIT_OK);
  bdl_origin o;
  CHECK(find_fact(s.w, "d(\"x\")", &o) == 1);
  CHECK(bdl_origin_eq(o, O(3, 0, 1, (int)AUTH)));
  CHECK(find_fact(s.w, "e(\"x\")", &o) == 1);
  CHECK(bdl_origin_eq(o, O(2, 0, (int)AUTH)));
  CHECK(find_fact(s.w, "const(7)", &o) == 1);
  CHECK(bdl_origin_eq(o, O(1, 1)));
  CHECK(find_fact(s.w, "dup(1)", NULL) == 2);
  CHECK(find_fact(s.w, "unb(\"x\")", NULL) == 0);
  CHECK(bdl_world_fact_count(s.w) == 7);
  /* idempotent */
  CHECK(bdl_world_run(s.w, &slow, NULL) == BISCUIT_OK);
  CHECK(bdl_world_fact_count(s.w) == 7);
  scene_free(&s);
}

/* check all / reject if (spec "Checks"; test025, test029) */
static void test_check_kinds(void) {
  for (int v = 0; v < 3; v++) {
    struct scene s;
    scene_init(&s);
    if (v != 2)
      block_add_fact(&s.a, P("op", 1, S("read")));
    if (v == 1)
      block_add_fact(&s.a, P("op", 1, S("write")));
    bdl_rule q = Q(1, P("op", 1, V("o")));
    add_expr(&q, X(V("o"), BDL_B_EQ, S("read")));
    block_add_check(&s.b[0], C(BDL_CHECK_ALL, 1, q));
    block_add_check(&s.b[0], C(BDL_REJECT_IF, 1, Q(1, P("op", 1, S("write")))));
    block_add_policy(&s.a, POL_TRUE(BDL_ALLOW));
    scene_load(&s, 1, NULL);
    bdl_result r;
    biscuit_status st = authorize(&s, &r);
    if (v == 0) {
      CHECK(st == BISCUIT_OK);
    } else if (v == 1) { /* write: check all fails, reject if fails */
      CHECK(st == BISCUIT_DENIED && r.n_failed == 2);
    } else { /* no op at all: check all fails, reject if passes */
      CHECK(st == BISCUIT_DENIED && r.n_failed == 1);
      CHECK(r.n_failed == 1 && r.failed[0].check_index == 0);
    }
    bdl_result_free(&r);
    scene_free(&s);
  }
}

/* Policies: first match wins; a check failure denies even with allow. */
static void test_policies(void) {
  for (int v = 0; v < 4; v++) {
    struct scene s;
    scene_init(&s);
    block_add_fact(&s.a, P("x", 1, I(1)));
    block_add_policy(&s.a, POL(BDL_DENY, Q(1, P("x", 1, I(2)))));
    if (v == 0) {
      block_add_policy(&s.a, POL_TRUE(BDL_ALLOW));
      block_add_policy(&s.a, POL_TRUE(BDL_DENY));
    } else if (v == 1) {
      block_add_policy(&s.a, POL(BDL_DENY, Q(1, P("x", 1, I(1)))));
      block_add_policy(&s.a, POL_TRUE(BDL_ALLOW));
    } else if (v == 3) {
      block_add_policy(&s.a, POL_TRUE(BDL_ALLOW));
      block_add_check(&s.a, C(BDL_CHECK_IF, 1, Q(1, P("x", 1, I(3)))));
    }
    scene_load(&s, 0, NULL);
    bdl_result r;
    biscuit_status st = authorize(&s, &r);
    if (v == 0)
      CHECK(st == BISCUIT_OK && r.policy_kind == BDL_ALLOW &&
            r.policy_index == 1 && r.policy == &s.a.policies[1]);
    if (v == 1)
      CHECK(st == BISCUIT_DENIED && r.policy_kind == BDL_DENY &&
            r.policy_index == 1 && r.n_failed == 0);
    if (v == 2)
      CHECK(st == BISCUIT_DENIED && r.policy_kind == -1);
    if (v == 3)
      CHECK(st == BISCUIT_DENIED && r.policy_kind == BDL_ALLOW &&
            r.n_failed == 1);
    bdl_result_free(&r);
    scene_free(&s);
  }
}

/* All failures collected: authorizer, authority, then blocks (test031). */
static void test_failure_order(void) {
  struct scene s;
  scene_init(&s);
  bdl_rule f = Q(0);
  add_expr(&f, X1(bdl_bool(false)));
  block_add_check(&s.b[2], C(BDL_CHECK_IF, 1, f));
  block_add_check(&s.b[1], C(BDL_CHECK_IF, 1, f));
  block_add_check(&s.b[1], C(BDL_CHECK_IF, 1, f));
  block_add_check(&s.b[0], C(BDL_CHECK_IF, 1, Q(1, P("nope", 0))));
  block_add_check(&s.a, C(BDL_CHECK_IF, 1, f));
  /* a check with two queries passes when the second does */
  bdl_rule t = Q(0);
  add_expr(&t, X1(bdl_bool(true)));
  block_add_check(&s.a, C(BDL_CHECK_IF, 2, f, t));
  block_add_policy(&s.a, POL_TRUE(BDL_DENY));
  scene_load(&s, 3, NULL);
  bdl_result r;
  CHECK(authorize(&s, &r) == BISCUIT_DENIED);
  CHECK(r.policy_kind == BDL_DENY && r.policy_index == 0);
  CHECK(r.n_failed == 5);
  if (r.n_failed == 5) {
    CHECK(r.failed[0].block_id == AUTH && r.failed[0].check_index == 0);
    CHECK(r.failed[1].block_id == 0);
    CHECK(r.failed[2].block_id == 1 && r.failed[2].check_index == 0);
    CHECK(r.failed[3].block_id == 1 && r.failed[3].check_index == 1);
    CHECK(r.failed[4].block_id == 2);
  }
  bdl_result_free(&r);
  scene_free(&s);
}

/* test018: an unbound head variable in a token block refuses the block. */
static void test_invalid_block_rule(void) {
  struct scene s;
  scene_init(&s);
  block_add_rule(&s.b[1], R(P("operation", 2, V("unbound"), S("read")), 1,
                            P("operation", 2, V("any1"), V("any2"))));
  block_add_fact(&s.b[1], P("operation", 2, S("x"), S("y")));
  CHECK(bdl_world_add_block(s.w, 0, &s.b[0], BDL_NOSYM, NULL) == BISCUIT_OK);
  bx_diag d;
  bx_diag_clear(&d);
  CHECK(bdl_world_add_block(s.w, 1, &s.b[1], BDL_NOSYM, &d) == BISCUIT_E_LOGIC);
  CHECK_STR(d.tag, "InvalidBlockRule");
  CHECK_STR(d.msg, "operation($unbound, \"read\") <- operation($any1, $any2)");
  CHECK(d.offset == 1);
  CHECK(bdl_world_fact_count(s.w) == 0); /* nothing of block 1 was kept */
  /* misuse: same id twice, bad id */
  CHECK(bdl_world_add_block(s.w, 0, &s.b[0], BDL_NOSYM, NULL) ==
        BISCUIT_E_MISUSE);
  CHECK(bdl_world_add_block(s.w, 200, &s.b[0], BDL_NOSYM, NULL) ==
        BISCUIT_E_MISUSE);
  scene_free(&s);
}

/*
** Rules of attacker size (a 64 KiB token holds ~20k terms): validation
** and planning stay near-linear, and planning is paid from the budget.
*/
static void test_big_rule(void) {
  enum { N = 20000 };
  struct scene s;
  scene_init(&s);
  bdl_rule r = R(P("h", 0), 1, P("b", 0));
  r.head.n_terms = r.body[0].n_terms = N;
  r.head.terms = wi_alloc(N * sizeof(bdl_term));
  r.body[0].terms = wi_alloc(N * sizeof(bdl_term));
  for (int i = 0; i < N; i++) {
    char v[16];
    snprintf(v, sizeof v, "v%d", i);
    r.head.terms[i] = r.body[0].terms[N - 1 - i] = V(v);
  }
  block_add_rule(&s.b[0], r);
  bdl_rule r2 = r;
  r2.head.terms = wi_alloc(N * sizeof(bdl_term));
  memcpy(r2.head.terms, r.head.terms, N * sizeof(bdl_term));
  r2.head.terms[N / 2] = V("nowhere");
  block_add_rule(&s.b[1], r2);
  uint64_t t0 = bdl_now_ns();
  CHECK(bdl_world_add_block(s.w, 0, &s.b[0], BDL_NOSYM, NULL) == 0);
  bx_diag d;
  bx_diag_clear(&d);
  CHECK(bdl_world_add_block(s.w, 1, &s.b[1], BDL_NOSYM, &d) ==
        BISCUIT_E_LOGIC);
  CHECK(bdl_now_ns() - t0 < 1000000000ull);
  /* a 32-predicate check over such terms: the plan alone costs 32 * 640k */
  bdl_rule q = Q(0);
  q.n_body = 32;
  q.body = wi_alloc(32 * sizeof *q.body);
  for (int i = 0; i < 32; i++)
    q.body[i] = r.body[0];
  block_add_check(&s.a, C(BDL_CHECK_IF, 1, q));
  CHECK(bdl_world_add_block(s.w, AUTH, &s.a, BDL_NOSYM, NULL) == 0);
  bdl_result res;
  bx_diag_clear(&d);
  CHECK(bdl_world_authorize(s.w, &slow, &res, &d) == BISCUIT_E_LIMIT);
  CHECK_STR(d.tag, "WorkBudget");
  scene_free(&s);
}

/* Expression errors abort the run or the authorization (test027). */
static void test_expr_errors(void) {
  for (int v = 0; v < 3; v++) {
    struct scene s;
    scene_init(&s);
    block_add_fact(&s.a, P("n", 1, I(INT64_MAX)));
    if (v == 0) { /* a rule expression that is not a boolean */
      bdl_rule r = R(P("m", 1, V("x")), 1, P("n", 1, V("x")));
      add_expr(&r, X1(I(1)));
      block_add_rule(&s.b[0], r);
    } else if (v == 1) { /* overflow in a check */
      bdl_rule q = Q(1, P("n", 1, V("x")));
      add_expr(&q, X(V("x"), BDL_B_ADD, I(1)));
      block_add_check(&s.b[0], C(BDL_CHECK_IF, 1, q));
    } else { /* a policy expression that is not a boolean */
      bdl_rule q = Q(0);
      add_expr(&q, X1(S("str")));
      block_add_policy(&s.a, POL(BDL_ALLOW, q));
    }
    block_add_policy(&s.a, POL_TRUE(BDL_ALLOW));
    scene_load(&s, 1, NULL);
    bdl_result r;
    bx_diag d;
    bx_diag_clear(&d);
    bdl_limits l;
    bdl_limits_default(&l);
    l.max_time_ns = 0;
    biscuit_status st = bdl_world_authorize(s.w, &l, &r, &d);
    CHECK(st == BISCUIT_E_EXECUTION);
    CHECK_STR(d.tag, v == 1 ? "Overflow" : "InvalidType");
    CHECK(r.failed == NULL);
    scene_free(&s);
  }
}

/* ------------------------------------------------------------ limits */

/* Rule: num(x) for x in 0..n-1, via succ facts. */
static void chain_facts(bdl_block *b, int n) {
  for (int i = 0; i + 1 < n; i++)
    block_add_fact(b, P("edge", 2, I(i), I(i + 1)));
}

static void path_rules(bdl_block *b) {
  block_add_rule(
      b, R(P("path", 2, V("x"), V("y")), 1, P("edge", 2, V("x"), V("y"))));
  block_add_rule(b,
                 R(P("path", 2, V("x"), V("z")), 2,
                   P("path", 2, V("x"), V("y")), P("edge", 2, V("y"), V("z"))));
}

static void test_limit_facts(void) {
  struct scene s;
  scene_init(&s);
  chain_facts(&s.a, 10); /* 9 edges; closure adds 45 paths */
  path_rules(&s.a);
  scene_load(&s, 0, NULL);
  bdl_limits l = wi_unlimited();
  l.max_facts = 30;
  bx_diag d;
  bx_diag_clear(&d);
  CHECK(bdl_world_run(s.w, &l, &d) == BISCUIT_E_LIMIT);
  CHECK_STR(d.tag, "TooManyFacts");
  CHECK_STR(d.msg, "too many facts (limit 30)");
  /* the aborted iteration was dropped: never more facts than the limit */
  CHECK(bdl_world_fact_count(s.w) < 30);
  /* a retry with room completes */
  l.max_facts = 0;
  CHECK(bdl_world_run(s.w, &l, NULL) == BISCUIT_OK);
  CHECK(bdl_world_fact_count(s.w) == 9 + 45);
  scene_free(&s);

  /* reference: exactly max_facts after an iteration is already too many */
  scene_init(&s);
  chain_facts(&s.a, 10);
  path_rules(&s.a);
  scene_load(&s, 0, NULL);
  l.max_facts = 54;
  CHECK(bdl_world_run(s.w, &l, &d) == BISCUIT_E_LIMIT);
  scene_free(&s);
  scene_init(&s);
  chain_facts(&s.a, 10);
  path_rules(&s.a);
  scene_load(&s, 0, NULL);
  l.max_facts = 55;
  CHECK(bdl_world_run(s.w, &l, &d) == BISCUIT_OK);
  scene_free(&s);
}

static void test_limit_iterations(void) {
  struct scene s;
  for (uint64_t max = 8; max <= 9; max++) {
    scene_init(&s);
    chain_facts(&s.a, 10); /* paths of length 1..9: 9 growing iterations */
    path_rules(&s.a);
    scene_load(&s, 0, NULL);
    bdl_limits l = wi_unlimited();
    l.max_iterations = max;
    bx_diag d;
    bx_diag_clear(&d);
    biscuit_status st = bdl_world_run(s.w, &l, &d);
    /* reference: the limit trips when the count of growing iterations
       reaches it, even if the next one would add nothing */
    CHECK(st == BISCUIT_E_LIMIT);
    CHECK_STR(d.tag, "TooManyIterations");
    scene_free(&s);
  }
  scene_init(&s);
  chain_facts(&s.a, 10);
  path_rules(&s.a);
  scene_load(&s, 0, NULL);
  bdl_limits l = wi_unlimited();
  l.max_iterations = 10;
  CHECK(bdl_world_run(s.w, &l, NULL) == BISCUIT_OK);
  bdl_result r;
  CHECK(bdl_world_authorize(s.w, &l, &r, NULL) == BISCUIT_DENIED);
  CHECK(r.iterations == 9);
  bdl_result_free(&r);
  scene_free(&s);
}

/* perf-and-threats.md §0.2: an 8-way self-join check over 10 facts. */
static void self_join(struct scene *s) {
  for (int i = 0; i < 10; i++)
    block_add_fact(&s->b[0], P("f", 1, I(i)));
  const char *v[8] = {"a", "b", "c", "d", "e", "f", "g", "h"};
  bdl_rule q = Q(0);
  q.n_body = 8;
  q.body = wi_alloc(8 * sizeof *q.body);
  for (int i = 0; i < 8; i++)
    q.body[i] = P("f", 1, V(v[i]));
  add_expr(&q, X(V("a"), BDL_B_EQ, I(-1)));
  block_add_check(&s->b[1], C(BDL_CHECK_IF, 1, q));
  block_add_policy(&s->a, POL_TRUE(BDL_ALLOW));
  scene_load(s, 2, NULL);
}

static void test_limit_work_and_time(void) {
  struct scene s;
  scene_init(&s);
  self_join(&s);
  bdl_limits l;
  bdl_limits_default(&l);
  l.max_time_ns = 0;
  bdl_result r;
  bx_diag d;
  bx_diag_clear(&d);
  uint64_t t0 = bdl_now_ns();
  CHECK(bdl_world_authorize(s.w, &l, &r, &d) == BISCUIT_E_LIMIT);
  uint64_t dt = bdl_now_ns() - t0;
  CHECK_STR(d.tag, "WorkBudget");
  CHECK(strstr(d.msg, "1000000") != NULL); /* join loop or VM wording */
  CHECK(dt < 5000000000ull); /* the reference ran 12 s; even valgrind */
  printf("8-way self-join stopped by the work budget in %.2f ms\n",
         (double)dt / 1e6);
  scene_free(&s);

  scene_init(&s);
  self_join(&s);
  bdl_limits_default(&l);
  l.max_work = 0; /* only the clock can stop it */
  bx_diag_clear(&d);
  t0 = bdl_now_ns();
  CHECK(bdl_world_authorize(s.w, &l, &r, &d) == BISCUIT_E_LIMIT);
  dt = bdl_now_ns() - t0;
  CHECK_STR(d.tag, "Timeout");
  CHECK(dt < 100000000ull);
  printf("8-way self-join stopped by the 1 ms deadline in %.2f ms\n",
         (double)dt / 1e6);
  scene_free(&s);

  /* too many body predicates */
  scene_init(&s);
  bdl_rule q = Q(0);
  q.n_body = 33;
  q.body = wi_alloc(33 * sizeof *q.body);
  for (int i = 0; i < 33; i++)
    q.body[i] = P("f", 1, V("a"));
  block_add_check(&s.a, C(BDL_CHECK_IF, 1, q));
  scene_load(&s, 0, NULL);
  bx_diag_clear(&d);
  CHECK(bdl_world_authorize(s.w, &slow, &r, &d) == BISCUIT_E_LIMIT);
  CHECK_STR(d.tag, "TooManyPredicates");
  scene_free(&s);
}

/*
** perf-and-threats.md A4 d: a 3-way cross join to 10^6 facts must stop
** on the first insert past max_facts, not after the iteration.
*/
static void test_cross_join(void) {
  struct scene s;
  scene_init(&s);
  for (int i = 0; i < 100; i++)
    block_add_fact(&s.a, P("n", 1, I(i)));
  block_add_rule(&s.b[1],
                 R(P("t", 3, V("a"), V("b"), V("c")), 3, P("n", 1, V("a")),
                   P("n", 1, V("b")), P("n", 1, V("c"))));
  scene_load(&s, 2, NULL);
  bx_diag d;
  bx_diag_clear(&d);
  uint64_t t0 = bdl_now_ns();
  CHECK(bdl_world_run(s.w, &slow, &d) == BISCUIT_E_LIMIT);
  uint64_t dt = bdl_now_ns() - t0;
  CHECK_STR(d.tag, "TooManyFacts");
  CHECK(bdl_world_fact_count(s.w) == 100);
  CHECK(dt < 1000000000ull);
  printf("3-way cross join stopped by max_facts in %.2f ms\n",
         (double)dt / 1e6);
  scene_free(&s);
}

/* `$x.extern::even()` through the world's host function. */
static biscuit_status ext_even(void *ud, const char *name, const bdl_term *recv,
                               const bdl_term *arg, bdl_env *env, bdl_term *out,
                               bx_diag *d) {
  (void)env;
  (*(int *)ud)++;
  if (strcmp(name, "even") != 0 || arg)
    return BISCUIT_E_MISUSE;
  if (recv->kind != BDL_INT)
    return bx_fail(d, BISCUIT_E_EXECUTION, "ExternEvalError", "not an int");
  *out = bdl_bool(recv->v.i % 2 == 0);
  return BISCUIT_OK;
}

static void test_extern(void) {
  struct scene s;
  scene_init(&s);
  for (int i = 0; i < 4; i++)
    block_add_fact(&s.a, P("n", 1, I(i)));
  bdl_rule r = R(P("even", 1, V("x")), 1, P("n", 1, V("x")));
  bdl_expr e;
  e.n_ops = 2;
  e.ops = wi_alloc(2 * sizeof *e.ops);
  e.ops[0] = wi_val(V("x"));
  e.ops[1].type = BDL_OP_UNARY;
  e.ops[1].kind = BDL_U_FFI;
  e.ops[1].ffi = wi_sym("even");
  add_expr(&r, e);
  block_add_rule(&s.a, r);
  scene_load(&s, 0, NULL);
  int calls = 0;
  bdl_world_set_extern(s.w, ext_even, &calls);
  CHECK(bdl_world_run(s.w, &slow, NULL) == BISCUIT_OK);
  CHECK(calls == 4);
  CHECK(find_fact(s.w, "even(0)", NULL) == 1);
  CHECK(find_fact(s.w, "even(2)", NULL) == 1);
  CHECK(find_fact(s.w, "even(1)", NULL) == 0);
  scene_free(&s);
}

/* ------------------------------------------------------------ queries */

struct qcount {
  int n;
  bdl_origin last;
};

static biscuit_status count_cb(void *ud, const bdl_pred *p, bdl_origin o) {
  struct qcount *c = ud;
  (void)p;
  c->n++;
  c->last = o;
  return BISCUIT_OK;
}

static biscuit_status stop_cb(void *ud, const bdl_pred *p, bdl_origin o) {
  (void)ud;
  (void)p;
  (void)o;
  return BISCUIT_DENIED;
}

static void test_queries(void) {
  struct scene s;
  scene_init(&s);
  block_add_fact(&s.b[0], P("right", 2, S("file1"), S("read")));
  block_add_fact(&s.b[1], P("right", 2, S("file2"), S("read")));
  block_add_fact(&s.b[1], P("right", 2, S("file1"), S("read")));
  block_add_fact(&s.a, P("right", 2, S("file3"), S("read")));
  scene_load(&s, 2, NULL);
  bdl_rule q = R(P("res", 1, V("r")), 1, P("right", 2, V("r"), S("read")));
  struct qcount c = {0, {{0, 0}}};
  CHECK(bdl_world_query(s.w, &q, false, &slow, count_cb, &c, NULL) ==
        BISCUIT_OK);
  CHECK(c.n == 2); /* file1 from {0}, file3 from the authorizer */
  c.n = 0;
  CHECK(bdl_world_query(s.w, &q, true, &slow, count_cb, &c, NULL) ==
        BISCUIT_OK);
  CHECK(c.n == 3); /* every block; file1 counted once */
  bdl_rule q1 = q;
  add_scope(&q1, BDL_SCOPE_PREVIOUS, 0); /* authorizer: only itself */
  c.n = 0;
  CHECK(bdl_world_query(s.w, &q1, false, &slow, count_cb, &c, NULL) ==
        BISCUIT_OK);
  CHECK(c.n == 1 && bdl_origin_eq(c.last, O(1, (int)AUTH)));
  CHECK(bdl_world_query(s.w, &q, false, &slow, stop_cb, NULL, NULL) ==
        BISCUIT_DENIED);
  scene_free(&s);
}

/* Blocks added after a run are picked up by the next run. */
static void test_incremental(void) {
  struct scene s;
  scene_init(&s);
  chain_facts(&s.a, 4);
  path_rules(&s.a);
  CHECK(bdl_world_add_block(s.w, AUTH, &s.a, BDL_NOSYM, NULL) == 0);
  CHECK(bdl_world_run(s.w, &slow, NULL) == BISCUIT_OK);
  CHECK(find_fact(s.w, "path(0, 3)", NULL) == 1);
  block_add_fact(&s.b[0], P("edge", 2, I(3), I(4)));
  CHECK(bdl_world_add_block(s.w, 0, &s.b[0], BDL_NOSYM, NULL) == 0);
  CHECK(bdl_world_run(s.w, &slow, NULL) == BISCUIT_OK);
  bdl_origin o;
  CHECK(find_fact(s.w, "path(0, 4)", &o) == 1);
  CHECK(bdl_origin_eq(o, O(2, 0, (int)AUTH)));
  scene_free(&s);
}

/* ------------------------------------------------------------ dump */

static void test_dump(void) {
  struct scene s;
  scene_init(&s);
  block_add_fact(&s.b[0], P("right", 2, S("file2"), S("read")));
  block_add_fact(&s.b[0], P("right", 2, S("file1"), S("read")));
  block_add_fact(&s.b[1], P("b", 1, S("q\"uote\\")));
  block_add_rule(&s.b[1], R(P("d", 1, V("x")), 2, P("right", 2, V("x"), V("y")),
                            P("res", 1, V("x"))));
  block_add_check(&s.b[1], C(BDL_CHECK_IF, 1, Q(1, P("d", 1, V("x")))));
  block_add_fact(&s.a, P("res", 1, S("file1")));
  block_add_check(&s.a, C(BDL_CHECK_IF, 1, Q(1, P("b", 1, V("x")))));
  block_add_policy(&s.a, POL_TRUE(BDL_ALLOW));
  scene_load(&s, 2, NULL);
  bdl_result r;
  CHECK(authorize(&s, &r) == BISCUIT_DENIED);
  bdl_result_free(&r);
  bx_buf b;
  bx_buf_init(&b, 0);
  CHECK(bdl_world_dump_json(s.w, &b) == BISCUIT_OK);
  CHECK_STR(b.data,
            "{\"facts\":["
            "{\"origin\":[null],\"facts\":[\"res(\\\"file1\\\")\"]},"
            "{\"origin\":[null,0,1],\"facts\":[\"d(\\\"file1\\\")\"]},"
            "{\"origin\":[0],\"facts\":[\"right(\\\"file1\\\", "
            "\\\"read\\\")\",\"right(\\\"file2\\\", \\\"read\\\")\"]},"
            "{\"origin\":[1],\"facts\":[\"b(\\\"q\\\"uote\\\\\\\")\"]}],"
            "\"rules\":[{\"origin\":1,\"rules\":[\"d($x) <- right($x, $y), "
            "res($x)\"]}],"
            "\"checks\":[{\"origin\":1,\"checks\":[\"check if d($x)\"]},"
            "{\"origin\":18446744073709551615,\"checks\":[\"check if "
            "b($x)\"]}],"
            "\"policies\":[\"allow if true\"]}");
  bx_buf_free(&b);
  scene_free(&s);

  /* an empty world */
  bdl_world *w = bdl_world_new(wi_env);
  bx_buf_init(&b, 0);
  CHECK(bdl_world_dump_json(w, &b) == BISCUIT_OK);
  CHECK_STR(b.data,
            "{\"facts\":[],\"rules\":[],\"checks\":[],\"policies\":[]}");
  bx_buf_free(&b);
  bdl_world_free(w);
}

/* Origin group order: BTreeSet<Option<usize>> ordering, null first. */
static void test_dump_order(void) {
  struct scene s;
  scene_init(&s);
  block_add_fact(&s.b[0], P("a", 0));
  block_add_fact(&s.b[1], P("b", 0));
  block_add_fact(&s.b[2], P("c", 0));
  block_add_fact(&s.a, P("z", 0));
  bdl_rule r1 = R(P("ab", 0), 2, P("a", 0), P("b", 0));
  add_scope(&r1, BDL_SCOPE_PREVIOUS, 0);
  block_add_rule(&s.b[1], r1);
  bdl_rule r2 = R(P("ac", 0), 2, P("a", 0), P("c", 0));
  block_add_rule(&s.b[2], r2);
  bdl_rule r3 = R(P("bc", 0), 2, P("b", 0), P("c", 0));
  add_scope(&r3, BDL_SCOPE_PREVIOUS, 0);
  block_add_rule(&s.b[2], r3);
  block_add_rule(&s.a, R(P("za", 0), 2, P("z", 0), P("a", 0)));
  scene_load(&s, 3, NULL);
  CHECK(bdl_world_run(s.w, &slow, NULL) == BISCUIT_OK);
  bx_buf b;
  bx_buf_init(&b, 0);
  CHECK(bdl_world_dump_json(s.w, &b) == BISCUIT_OK);
  const char *want_facts =
      "{\"facts\":[{\"origin\":[null],\"facts\":[\"z()\"]},"
      "{\"origin\":[null,0],\"facts\":[\"za()\"]},"
      "{\"origin\":[0],\"facts\":[\"a()\"]},"
      "{\"origin\":[0,1],\"facts\":[\"ab()\"]},"
      "{\"origin\":[0,2],\"facts\":[\"ac()\"]},"
      "{\"origin\":[1],\"facts\":[\"b()\"]},"
      "{\"origin\":[1,2],\"facts\":[\"bc()\"]},"
      "{\"origin\":[2],\"facts\":[\"c()\"]}],";
  CHECK(b.data && strncmp(b.data, want_facts, strlen(want_facts)) == 0);
  if (b.data && strncmp(b.data, want_facts, strlen(want_facts)) != 0)
    fprintf(stderr, "got %s\n", b.data);
  bx_buf_free(&b);
  scene_free(&s);
}

/* ------------------------------------------------------------ torture */

static long t_fail_after = -1, t_allocs;

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  if (t_fail_after >= 0 && t_allocs++ >= t_fail_after)
    return NULL;
  return realloc(ptr, nsize);
}

/* One full use of a world; returns the first non-OK/DENIED status. */
static biscuit_status torture_once(struct scene *s, int *n_ok) {
  s->w = bdl_world_new(wi_env);
  if (!s->w)
    return BISCUIT_E_NOMEM;
  biscuit_status st = BISCUIT_OK;
  for (uint32_t i = 0; i < 2 && st == BISCUIT_OK; i++)
    st = bdl_world_add_block(s->w, i, &s->b[i], BDL_NOSYM, NULL);
  if (st == BISCUIT_OK)
    st = bdl_world_add_block(s->w, AUTH, &s->a, BDL_NOSYM, NULL);
  bdl_result r;
  if (st == BISCUIT_OK) {
    st = authorize(s, &r);
    if (st == BISCUIT_DENIED || st == BISCUIT_OK) {
      bdl_result_free(&r);
      bx_buf b;
      bx_buf_init(&b, 0);
      st = bdl_world_dump_json(s->w, &b);
      *n_ok += st == BISCUIT_OK;
      bx_buf_free(&b);
    }
  }
  bdl_world_free(s->w);
  s->w = NULL;
  return st;
}

/*
** Fail the N-th allocation for every N (SQLite's faultsim): each run
** ends in success or BISCUIT_E_NOMEM, never a crash or a leak.
*/
static void test_torture(void) {
  struct scene s;
  scene_init(&s);
  bdl_world_free(s.w);
  chain_facts(&s.a, 12);
  path_rules(&s.a);
  block_add_fact(&s.b[0], P("right", 2, S("file1"), S("read")));
  block_add_check(&s.b[1], C(BDL_CHECK_IF, 1,
                             Q(2, P("path", 2, I(0), V("x")),
                               P("right", 2, S("file1"), V("y")))));
  bdl_rule q = Q(1, P("edge", 2, V("a"), V("b")));
  add_expr(&q, X(V("a"), BDL_B_LT, V("b")));
  block_add_check(&s.a, C(BDL_CHECK_ALL, 1, q));
  block_add_policy(&s.a, POL_TRUE(BDL_ALLOW));
  size_t base = bx_alloc_live();
  int n_ok = 0, n_nomem = 0, other = 0;
  long n;
  for (n = 0; n < 100000; n++) {
    t_fail_after = n;
    t_allocs = 0;
    bx_set_alloc(failing_alloc, NULL);
    biscuit_status st = torture_once(&s, &n_ok);
    bx_set_alloc(NULL, NULL);
    n_nomem += st == BISCUIT_E_NOMEM;
    other += st != BISCUIT_E_NOMEM && st != BISCUIT_OK;
    CHECK(bx_alloc_live() == base);
    if (st == BISCUIT_OK)
      break;
  }
  CHECK(other == 0);
  CHECK(n_ok == 1 && n_nomem == n);
  printf("torture: %ld allocation failures, all clean\n", n);
  scene_free(&s);
}

int main(void) {
  wi_env = bdl_env_new(NULL);
  bdl_limits_default(&slow);
  slow.max_time_ns = 0;
  test_basic();
  test_default_scopes();
  test_previous();
  test_key_scopes();
  test_block_scopes();
  test_origins();
  test_check_kinds();
  test_policies();
  test_failure_order();
  test_invalid_block_rule();
  test_big_rule();
  test_expr_errors();
  test_limit_facts();
  test_limit_iterations();
  test_limit_work_and_time();
  test_cross_join();
  test_extern();
  test_queries();
  test_incremental();
  test_dump();
  test_dump_order();
  test_torture();
  bdl_env_free(wi_env);
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
