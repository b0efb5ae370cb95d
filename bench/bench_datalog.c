/*
** Groups 3 and 4: Datalog at scale, with no token. The facts live in the
** policy set (biscuit_policy, compiled once per size and shared); each
** request is a fresh authorizer on it with raised limits, a request fact
** or two, and the decision.
**
** 3. Large authorizer: N facts, N/4 in each of 4 relations, with n = N/4
**    users u<i>, resources r<j> and n/4 groups g<k>:
**      member(u<i>, g<i mod G>)      grant(g<j mod G>, r<j>)
**      owner(u<i>, r<7i mod n>)      attr(r<j>, "hot" if j % 64 == 0,
**                                             else "cold")
**    select: a 1-predicate, a 2-predicate and a 3-way join rule, each
**            joined with the request's user("u<n/2>"): 6 facts derived.
**    bulk:   hot($r) <- attr($r, "hot")                        (1 pred)
**            hot_owner($u) <- owner($u, $r), hot($r)            (2 preds)
**            hot_access($u, $r) <- member($u, $g), grant($g, $r), hot($r)
**            about 6n/64 facts derived: 2.3 % of the input.
**    compile: biscuit_policy_from_text of the select policy (parsing,
**            interning, any index the library builds), reported apart.
** 4. Role hierarchy: parent(child, parent) over a tree of fanout 4 (1k and
**    10k nodes) or a chain (1k nodes, stress), and
**      ancestor($x, $y) <- parent($x, $y);
**      ancestor($x, $z) <- ancestor($x, $y), parent($y, $z);
**    The request asks whether the last node descends from the root.
*/
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"

enum { COMPILE, REQUEST };

typedef struct big {
  size_t facts;
  int mode;
  bench_buf *text;       /* the policy set's Datalog (in texts[])      */
  char request[128];
  uint64_t max_facts;
  biscuit_policy *pol;   /* compiled by prepare                        */
} big;

#define MAX_BIG 16
static big bigs[MAX_BIG];
static size_t n_bigs;
static bench_buf texts[MAX_BIG];
static size_t n_texts;

static const char select_rules[] =
    "principal($u) <- user($u);\n"
    "can($u, $r) <- principal($u), owner($u, $r);\n"
    "can($u, $r) <- principal($u), member($u, $g), grant($g, $r);\n"
    "allow if user($u), resource($r), can($u, $r);\n";
static const char bulk_rules[] =
    "hot($r) <- attr($r, \"hot\");\n"
    "hot_owner($u) <- owner($u, $r), hot($r);\n"
    "hot_access($u, $r) <- member($u, $g), grant($g, $r), hot($r);\n"
    "allow if hot_access($u, $r);\n";
static const char tree_rules[] =
    "ancestor($x, $y) <- parent($x, $y);\n"
    "ancestor($x, $z) <- ancestor($x, $y), parent($y, $z);\n"
    "allow if user($u), ancestor($u, \"n0\");\n";

static bench_buf *new_text(void) {
  if (n_texts == MAX_BIG)
    exit(1);
  return &texts[n_texts++];
}

static void relations(bench_buf *b, size_t facts) {
  size_t n = facts / 4, g = n / 4 ? n / 4 : 1;
  for (size_t i = 0; i < n; i++)
    bench_printf(b, "member(\"u%zu\", \"g%zu\");\n", i, i % g);
  for (size_t j = 0; j < n; j++)
    bench_printf(b, "grant(\"g%zu\", \"r%zu\");\n", j % g, j);
  for (size_t i = 0; i < n; i++)
    bench_printf(b, "owner(\"u%zu\", \"r%zu\");\n", i, 7 * i % n);
  for (size_t j = 0; j < n; j++)
    bench_printf(b, "attr(\"r%zu\", \"%s\");\n", j, j % 64 ? "cold" : "hot");
}

static void hierarchy(bench_buf *b, size_t nodes, int chain) {
  for (size_t i = 1; i < nodes; i++)
    bench_printf(b, "parent(\"n%zu\", \"n%zu\");\n", i,
                 chain ? i - 1 : (i - 1) / 4);
  bench_printf(b, "%s", tree_rules);
}

static big *new_big(size_t facts, int mode, bench_buf *text) {
  big *g;
  if (n_bigs == MAX_BIG)
    exit(1);
  g = &bigs[n_bigs++];
  memset(g, 0, sizeof *g);
  g->facts = facts;
  g->mode = mode;
  g->text = text;
  return g;
}

/* ----------------------------------------------------------------- ops */

static int compile(big *g, char *why, size_t cap) {
  biscuit_error *err = NULL;
  biscuit_status st =
      biscuit_policy_from_text(g->text->p, "bench", NULL, &g->pol, &err);
  if (st != BISCUIT_OK && why)
    snprintf(why, cap, "policy fails: %s",
             err ? biscuit_error_message(err) : biscuit_status_str(st));
  biscuit_error_free(err);
  return st != BISCUIT_OK;
}

static biscuit_status run(big *g, double *ns, biscuit_error **err) {
  biscuit_authorizer *a = NULL;
  biscuit_limits lim = bench_raised_limits(g->max_facts);
  size_t idx;
  double t0 = bench_now_ns();
  biscuit_status st = biscuit_authorizer_new(g->pol, &a, err);
  if (st == BISCUIT_OK) {
    biscuit_authorizer_set_limits(a, &lim);
    st = biscuit_authorizer_add_code(a, g->request, NULL, err);
  }
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_authorize(a, &idx, err);
  biscuit_authorizer_free(a);
  if (ns)
    *ns = bench_now_ns() - t0;
  return st;
}

static int op_request(void *ctx, double *ns) {
  return run(ctx, ns, NULL) != BISCUIT_OK;
}

static int op_compile(void *ctx, double *ns) {
  big *g = ctx;
  int bad;
  BENCH_TIMED(ns, bad = compile(g, NULL, 0));
  biscuit_policy_free(g->pol);
  g->pol = NULL;
  return bad;
}

/* Compile the policy set and check that one request is allowed. */
static int prepare(void *ctx, char *why, size_t cap) {
  big *g = ctx;
  biscuit_error *err = NULL;
  biscuit_status st;
  if (g->mode == COMPILE || g->pol)
    return 0;
  if (compile(g, why, cap))
    return -1;
  st = run(g, NULL, &err);
  if (st != BISCUIT_OK) {
    snprintf(why, cap, "not allowed: %s",
             err ? biscuit_error_message(err) : biscuit_status_str(st));
    biscuit_error_free(err);
    biscuit_policy_free(g->pol);
    g->pol = NULL;
    return -1;
  }
  return 0;
}

static void release(void *ctx) {
  big *g = ctx;
  biscuit_policy_free(g->pol);
  g->pol = NULL;
}

/* ---------------------------------------------------------------- rows */

static bench_row *add(const char *id, int group, const char *what, big *g) {
  bench_row *r = bench_add(id, group, what,
                           g->mode == COMPILE ? op_compile : op_request, g);
  r->big = 1;
  r->prepare = prepare;
  r->release = release;
  if (g->mode == COMPILE) {
    snprintf(r->note, sizeof r->note,
             "the peer has no compiled policy set to time apart");
  } else {
    r->peer_kind = "datalog";
    r->peer_policy = g->text->p;
    r->peer_request = g->request;
    r->peer_max_facts = g->max_facts;
  }
  return r;
}

static const char *size_name(size_t n) {
  return n == 1000 ? "1k" : n == 10000 ? "10k" : "100k";
}

void bench_datalog_rows(void) {
  static const size_t sizes[] = {1000, 10000, 100000};
  char id[40], what[100];
  for (size_t i = 0; i < 3; i++) {
    size_t facts = sizes[i], n = facts / 4;
    bench_buf *sel = new_text(), *bulk = new_text();
    big *g;
    relations(sel, facts);
    bench_printf(bulk, "%s%s", sel->p, bulk_rules);
    bench_printf(sel, "%s", select_rules);

    g = new_big(facts, COMPILE, sel);
    snprintf(id, sizeof id, "3.compile.%s", size_name(facts));
    snprintf(what, sizeof what,
             "biscuit_policy_from_text: %zu facts + rules, once per policy "
             "set",
             facts);
    (void)add(id, 3, what, g);

    g = new_big(facts, REQUEST, sel);
    g->max_facts = 2 * facts + 1000;
    snprintf(g->request, sizeof g->request,
             "user(\"u%zu\");\nresource(\"r%zu\");\n", n / 2, n / 2);
    snprintf(id, sizeof id, "3.select.%s", size_name(facts));
    snprintf(what, sizeof what,
             "selective request on %zu facts: 1-, 2-pred and 3-way rules "
             "from user(), 6 derived",
             facts);
    (void)add(id, 3, what, g);

    g = new_big(facts, REQUEST, bulk);
    g->max_facts = 2 * facts + 1000;
    snprintf(g->request, sizeof g->request, "operation(\"scan\");\n");
    snprintf(id, sizeof id, "3.bulk.%s", size_name(facts));
    snprintf(what, sizeof what,
             "bulk derivation on %zu facts: 1-, 2-pred and 3-way rules, "
             "about %zu derived",
             facts, (n + 63) / 64 * 6);
    (void)add(id, 3, what, g);
    if (facts == 100000)
      for (size_t k = 0; k < 2; k++) {
        /* Measured once: select 24 s, bulk 336 s before TooManyFacts. */
        bench_row *x = &bench_rows[bench_n_rows - 1 - k];
        x->peer_kind = NULL;
        snprintf(x->note, sizeof x->note,
                 "peer not run at 100k: it too stops on TooManyFacts, but "
                 "only after a whole iteration (minutes)");
      }
    if (bench_o.quick && facts == 100000)
      for (size_t k = 0; k < 3; k++)
        snprintf(bench_rows[bench_n_rows - 1 - k].skip,
                 sizeof bench_rows[0].skip, "skipped (-q)");
  }
  {
    static const struct {
      const char *id;
      size_t nodes;
      int chain;
      const char *what;
    } h[] = {
        {"4.tree.1k", 1000, 0,
         "role tree, fanout 4, 1000 nodes: 999 edges, 4547 ancestors"},
        {"4.tree.10k", 10000, 0,
         "role tree, fanout 4, 10000 nodes: 9999 edges, 62721 ancestors"},
        {"4.chain.1k", 1000, 1,
         "stress: chain of 1000 nodes, 499500 ancestors, ~1000 iterations"},
    };
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
      bench_buf *t = new_text();
      big *g;
      bench_row *r;
      hierarchy(t, h[i].nodes, h[i].chain);
      g = new_big(h[i].nodes, REQUEST, t);
      g->max_facts = 2000000;
      snprintf(g->request, sizeof g->request, "user(\"n%zu\");\n",
               h[i].nodes - 1);
      r = add(h[i].id, 4, h[i].what, g);
      if (h[i].chain) {
        r->iters_hint = 1;
        if (bench_o.quick)
          snprintf(r->skip, sizeof r->skip, "skipped (-q)");
      }
    }
  }
}

void bench_datalog_free(void) {
  for (size_t i = 0; i < n_bigs; i++)
    release(&bigs[i]);
  for (size_t i = 0; i < n_texts; i++)
    free(texts[i].p);
  n_bigs = n_texts = 0;
}
