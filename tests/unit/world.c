/*
** The evaluator: scopes and trusted origins, origins of derived facts,
** checks, policies, failure order, InvalidBlockRule, expression errors,
** extern functions, queries and the world dump (reference-behaviour.md
** §3, §5). Limits and allocation failures: world_limits.c.
*/
#include "test.h"
#include "world_scene.h"

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

/* Snapshot restore: facts re-inserted with their origins. */
static void test_add_fact(void) {
  struct scene s;
  scene_init(&s);
  block_add_rule(&s.a, R(P("seen", 1, V("x")), 1, P("g", 1, V("x"))));
  scene_load(&s, 2, NULL);
  bdl_pred f = P("g", 1, I(5));
  CHECK(bdl_world_add_fact(s.w, &f, O(2, 0, 1), NULL) == BISCUIT_OK);
  CHECK(bdl_world_add_fact(s.w, &f, O(2, 0, 1), NULL) == BISCUIT_OK);
  CHECK(bdl_world_add_fact(s.w, &f, O(1, (int)AUTH), NULL) == BISCUIT_OK);
  bdl_pred v = P("hasvar", 1, V("q"));
  CHECK(bdl_world_add_fact(s.w, &v, O(1, 0), NULL) == BISCUIT_OK);
  v.terms[0] = I(1); /* the world kept its own copy */
  CHECK(bdl_world_fact_count(s.w) == 3);
  CHECK(bdl_world_run(s.w, &slow, NULL) == BISCUIT_OK);
  bdl_origin o;
  CHECK(find_fact(s.w, "seen(5)", &o) == 1); /* {0,1} is not trusted */
  CHECK(bdl_origin_eq(o, O(1, (int)AUTH)));
  CHECK(find_fact(s.w, "hasvar($q)", NULL) == 1);
  /* added after a run: the next run sees it */
  bdl_pred f2 = P("g", 1, I(6));
  CHECK(bdl_world_add_fact(s.w, &f2, O(1, 0), NULL) == BISCUIT_OK);
  CHECK(bdl_world_run(s.w, &slow, NULL) == BISCUIT_OK);
  CHECK(find_fact(s.w, "seen(6)", &o) == 1);
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
  test_expr_errors();
  test_extern();
  test_queries();
  test_incremental();
  test_add_fact();
  test_dump();
  test_dump_order();
  bdl_env_free(wi_env);
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
