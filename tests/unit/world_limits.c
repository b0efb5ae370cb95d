/*
** The evaluator's run limits (perf-and-threats.md B4): max_facts on
** insert, iterations, the work budget and the clock inside a join, the
** body length, rules of attacker size, and allocation failure at every
** allocation (clean BISCUIT_E_NOMEM, no leak).
*/
#include "test.h"
#include "world_scene.h"

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
  CHECK(bdl_world_add_block(s.w, 1, &s.b[1], BDL_NOSYM, &d) == BISCUIT_E_LOGIC);
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
/* ------------------------------------------------------------ limits */

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

/*
** An iteration aborted anywhere is taken back exactly (bdl_rel_truncate:
** unlinked newest first when no table grew since the mark, rebuilt
** otherwise): the retry must then find every fact once, no more. Limits
** spread over the run hit both paths.
*/
static void test_abort_and_retry(void) {
  static const uint64_t limits[] = {250, 700, 1500, 3000, 6000, 9000, 15000};
  for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++) {
    struct scene s;
    scene_init(&s);
    chain_facts(&s.a, 200); /* 199 edges; 19,900 paths */
    path_rules(&s.a);
    scene_load(&s, 0, NULL);
    bdl_limits l = wi_unlimited();
    l.max_facts = limits[k];
    CHECK(bdl_world_run(s.w, &l, NULL) == BISCUIT_E_LIMIT);
    CHECK(bdl_world_fact_count(s.w) < limits[k]);
    l.max_facts = 0;
    CHECK(bdl_world_run(s.w, &l, NULL) == BISCUIT_OK);
    CHECK(bdl_world_fact_count(s.w) == 199 + 19900);
    scene_free(&s);
  }
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
  test_big_rule();
  test_limit_facts();
  test_abort_and_retry();
  test_limit_iterations();
  test_limit_work_and_time();
  test_cross_join();
  test_torture();
  bdl_env_free(wi_env);
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
