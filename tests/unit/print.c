/*
** The printer, on IR built by hand: every term kind, dates, raw strings,
** collection order, every operator, closures, rule/check/policy layout,
** block and authorizer sources, broken op stacks, deep nesting, and
** allocation failure.
*/
#include <stdlib.h>

#include "datalog/print.h"
#include "datalog/print_int.h"
#include "test.h"

static bdl_env *E;
static bx_buf B;
static int coll_failures;

/* Print with fn and return the text (valid until the next call). */
#define PR(call)                                                            \
  (bx_buf_reset(&B), (call) ? (B.data ? B.data : "") : "<print failed>")

static uint32_t sym(const char *s) {
  return bdl_symtab_intern(E->syms, s, strlen(s));
}
static bdl_term S(const char *s) { return bdl_str(sym(s)); }
static bdl_term V(const char *s) { return bdl_var(sym(s)); }
static const char *term(bdl_term t) { return PR(bdl_print_term(&B, E, &t)); }

static bdl_term coll(int kind, const bdl_term *items, size_t n) {
  bdl_term t;
  biscuit_status st = kind == BDL_SET     ? bdl_make_set(E, items, n, &t)
                      : kind == BDL_ARRAY ? bdl_make_array(E, items, n, &t)
                                          : bdl_make_map(E, items, n / 2, &t);
  coll_failures += st != BISCUIT_OK;
  return t;
}

static bdl_op val(bdl_term t) {
  bdl_op o = {BDL_OP_VALUE, 0, 0, BDL_NOSYM, {.value = t}};
  return o;
}
static bdl_op un(int k) {
  bdl_op o = {BDL_OP_UNARY, (uint8_t)k, 0, BDL_NOSYM, {.value = {0}}};
  return o;
}
static bdl_op bin(int k) {
  bdl_op o = {BDL_OP_BINARY, (uint8_t)k, 0, BDL_NOSYM, {.value = {0}}};
  return o;
}
static bdl_op clo(const bdl_closure *c) {
  bdl_op o = {BDL_OP_CLOSURE, 0, 0, BDL_NOSYM, {.closure = c}};
  return o;
}
static const char *expr(bdl_op *ops, uint32_t n) {
  bdl_expr x = {n, ops};
  return PR(bdl_print_expr(&B, E, &x));
}

static void test_scalars(void) {
  CHECK_STR(term(bdl_int(0)), "0");
  CHECK_STR(term(bdl_int(-42)), "-42");
  CHECK_STR(term(bdl_int(INT64_MAX)), "9223372036854775807");
  CHECK_STR(term(bdl_int(INT64_MIN)), "-9223372036854775808");
  CHECK_STR(term(bdl_bool(true)), "true");
  CHECK_STR(term(bdl_bool(false)), "false");
  CHECK_STR(term(bdl_null()), "null");
  CHECK_STR(term(V("0")), "$0");
  CHECK_STR(term(V("any_var")), "$any_var");
  /* strings are raw: no escaping of quotes, tabs, newlines, emoji */
  CHECK_STR(term(S("hello world")), "\"hello world\"");
  CHECK_STR(term(S("x\"y")), "\"x\"y\"");
  CHECK_STR(term(S("tab\there\nemoji \xf0\x9f\x98\x80")),
            "\"tab\there\nemoji \xf0\x9f\x98\x80\"");
  CHECK_STR(term(S("")), "\"\"");
  CHECK_STR(term(bdl_str(999999)), "\"<999999?>\"");
  CHECK_STR(term(bdl_var(999999)), "$<999999?>");
  bdl_term b;
  CHECK(bdl_make_bytes(E, (const uint8_t *)"\x00\xff\x10\xab", 4, &b) == 0);
  CHECK_STR(term(b), "hex:00ff10ab");
  CHECK(bdl_make_bytes(E, (const uint8_t *)"", 0, &b) == 0);
  CHECK_STR(term(b), "hex:");
  bdl_term bad = {42, 0, {.i = 0}};
  CHECK_STR(term(bad), "<invalid term>");
}

static void test_dates(void) {
  CHECK_STR(term(bdl_date(0)), "1970-01-01T00:00:00Z");
  CHECK_STR(term(bdl_date(951782400)), "2000-02-29T00:00:00Z");
  CHECK_STR(term(bdl_date(951868800)), "2000-03-01T00:00:00Z");
  CHECK_STR(term(bdl_date(68169600)), "1972-02-29T00:00:00Z");
  CHECK_STR(term(bdl_date(4107456000)), "2100-02-28T00:00:00Z");
  CHECK_STR(term(bdl_date(4107542400)), "2100-03-01T00:00:00Z"); /* no 29 */
  CHECK_STR(term(bdl_date(1735689599)), "2024-12-31T23:59:59Z");
  CHECK_STR(term(bdl_date(2147483647)), "2038-01-19T03:14:07Z");
  CHECK_STR(term(bdl_date(2147483648)), "2038-01-19T03:14:08Z");
  CHECK_STR(term(bdl_date(1703721600)), "2023-12-28T00:00:00Z");
  CHECK_STR(term(bdl_date(253402300799)), "9999-12-31T23:59:59Z");
  CHECK_STR(term(bdl_date(253402300800)), "<invalid date>");
  /* the reference reads the u64 as an i64: huge values are before 1970 */
  CHECK_STR(term(bdl_date(UINT64_MAX)), "1969-12-31T23:59:59Z");
  CHECK_STR(term(bdl_date((uint64_t)-2203891200LL)), "1900-03-01T00:00:00Z");
  CHECK_STR(term(bdl_date((uint64_t)-62167219200LL)),
            "0000-01-01T00:00:00Z");
  CHECK_STR(term(bdl_date((uint64_t)-62167219201LL)), "<invalid date>");
  CHECK_STR(term(bdl_date((uint64_t)INT64_MIN)), "<invalid date>");
}

static void test_collections(void) {
  bdl_term zb = S("zb"), za = S("za"); /* zb interned first */
  bdl_term s1[] = {za, zb};
  CHECK_STR(term(coll(BDL_SET, s1, 2)), "{\"zb\", \"za\"}");
  CHECK_STR(term(coll(BDL_SET, NULL, 0)), "{,}");
  bdl_term s2[] = {bdl_bool(true), S("x"), bdl_int(2), bdl_int(1)};
  CHECK_STR(term(coll(BDL_SET, s2, 4)), "{1, 2, \"x\", true}");
  bdl_term s3[] = {bdl_int(1)};
  CHECK_STR(term(coll(BDL_SET, s3, 1)), "{1}");
  CHECK_STR(term(coll(BDL_ARRAY, NULL, 0)), "[]");
  bdl_term a1[] = {bdl_int(2), za, bdl_int(1), bdl_null()};
  bdl_term arr = coll(BDL_ARRAY, a1, 4);
  CHECK_STR(term(arr), "[2, \"za\", 1, null]");
  CHECK_STR(term(coll(BDL_MAP, NULL, 0)), "{}");
  bdl_term kv[] = {S("a"), bdl_int(1), bdl_int(2), S("b")};
  bdl_term map = coll(BDL_MAP, kv, 4);
  CHECK_STR(term(map), "{2: \"b\", \"a\": 1}");
  bdl_term nest[] = {arr, map, coll(BDL_SET, s1, 2), coll(BDL_SET, NULL, 0)};
  bdl_term kv2[] = {bdl_int(-1), coll(BDL_ARRAY, nest, 4)};
  CHECK_STR(term(coll(BDL_MAP, kv2, 2)),
            "{-1: [[2, \"za\", 1, null], {2: \"b\", \"a\": 1}, "
            "{\"zb\", \"za\"}, {,}]}");
}

/* 200,000 nested arrays: the printer must not use the C stack. */
static void test_deep_terms(void) {
  bdl_term t = bdl_int(7);
  for (int i = 0; i < 200000; i++)
    t = coll(BDL_ARRAY, &t, 1);
  const char *s = term(t);
  size_t n = strlen(s);
  CHECK(n == 400001);
  CHECK(s[0] == '[' && s[199999] == '[' && s[200000] == '7');
  CHECK(s[n - 1] == ']');
}

static void test_unary_binary(void) {
  static const char *const bins[] = {
      "1 < 2",           "1 > 2",           "1 <= 2",
      "1 >= 2",          "1 === 2",         "1.contains(2)",
      "1.starts_with(2)", "1.ends_with(2)",  "1.matches(2)",
      "1 + 2",           "1 - 2",           "1 * 2",
      "1 / 2",           "1 &&! 2",         "1 ||! 2",
      "1.intersection(2)", "1.union(2)",    "1 & 2",
      "1 | 2",           "1 ^ 2",           "1 !== 2",
      "1 == 2",          "1 != 2",          "1 && 2",
      "1 || 2",          "1.all(2)",        "1.any(2)",
      "1.get(2)",        "1.extern::f(2)",  "1.try_or(2)"};
  for (int k = 0; k <= BDL_B_TRY_OR; k++) {
    bdl_op ops[] = {val(bdl_int(1)), val(bdl_int(2)), bin(k)};
    ops[2].ffi = sym("f");
    CHECK_STR(expr(ops, 3), bins[k]);
  }
  static const char *const uns[] = {"!true", "(true)", "true.length()",
                                    "true.type()", "true.extern::test()"};
  for (int k = 0; k <= BDL_U_FFI; k++) {
    bdl_op ops[] = {val(bdl_bool(true)), un(k)};
    ops[1].ffi = sym("test");
    CHECK_STR(expr(ops, 2), uns[k]);
  }
  /* explicit parens; precedence is the tree's, parens are ops */
  bdl_op p[] = {val(bdl_int(1)), val(bdl_int(2)), bin(BDL_B_ADD),
                un(BDL_U_PARENS), val(bdl_int(3)), bin(BDL_B_MUL),
                un(BDL_U_NEGATE)};
  CHECK_STR(expr(p, 7), "!(1 + 2) * 3");
  bdl_op d[] = {val(bdl_date(1703721600)), un(BDL_U_PARENS),
                un(BDL_U_TYPEOF)};
  CHECK_STR(expr(d, 3), "(2023-12-28T00:00:00Z).type()");
  bdl_op v[] = {val(V("0")), val(S("file")), bin(BDL_B_PREFIX)};
  CHECK_STR(expr(v, 3), "$0.starts_with(\"file\")");
  bdl_op f[] = {val(S("a")), val(bdl_int(1)), bin(BDL_B_FFI)};
  f[2].ffi = 123456;
  CHECK_STR(expr(f, 3), "\"a\".extern::<123456?>(1)");
}

static void test_closures(void) {
  uint32_t p = sym("p"), q[] = {sym("a"), sym("b")};
  bdl_op body[] = {val(bdl_var(p)), val(bdl_int(1)), bin(BDL_B_GT)};
  bdl_closure c1 = {1, 3, &p, body};
  bdl_term items[] = {bdl_int(1), bdl_int(2)};
  bdl_op all[] = {val(coll(BDL_ARRAY, items, 2)), clo(&c1), bin(BDL_B_ALL)};
  CHECK_STR(expr(all, 3), "[1, 2].all($p -> $p > 1)");
  bdl_closure c2 = {2, 3, q, body};
  bdl_op two[] = {val(bdl_int(0)), clo(&c2), bin(BDL_B_ANY)};
  CHECK_STR(expr(two, 3), "0.any($a, $b -> $p > 1)");
  /* lazy operators and try_or carry parameterless closures */
  bdl_op rhs[] = {val(bdl_bool(false))};
  bdl_closure c3 = {0, 1, NULL, rhs};
  bdl_op and[] = {val(bdl_bool(true)), clo(&c3), bin(BDL_B_LAZY_AND)};
  CHECK_STR(expr(and, 3), "true && false");
  bdl_op lhs[] = {val(bdl_int(1)), val(S("a")), bin(BDL_B_ADD)};
  bdl_closure c4 = {0, 3, NULL, lhs};
  bdl_op tr[] = {clo(&c4), val(bdl_int(0)), bin(BDL_B_TRY_OR)};
  CHECK_STR(expr(tr, 3), "1 + \"a\".try_or(0)");
  /* a closure on its own is its body */
  bdl_op alone[] = {clo(&c1)};
  CHECK_STR(expr(alone, 1), "$p -> $p > 1");
  /* nested: {"true"}.any($p -> {"true"}.all($p -> $p)) (test032) */
  bdl_term tset = coll(BDL_SET, (bdl_term[]){S("true")}, 1);
  bdl_op in_body[] = {val(bdl_var(p))};
  bdl_closure in = {1, 1, &p, in_body};
  bdl_op out_body[] = {val(tset), clo(&in), bin(BDL_B_ALL)};
  bdl_closure outc = {1, 3, &p, out_body};
  bdl_op nested[] = {val(tset), clo(&outc), bin(BDL_B_ANY)};
  CHECK_STR(expr(nested, 3),
            "{\"true\"}.any($p -> {\"true\"}.all($p -> $p))");
}

/* Malformed stacks print a marker; they never crash or fail the buffer. */
static void test_invalid_exprs(void) {
  CHECK_STR(expr(NULL, 0), "<invalid expression>");
  bdl_op a[] = {bin(BDL_B_ADD)};
  CHECK_STR(expr(a, 1), "<invalid expression>");
  bdl_op b[] = {val(bdl_int(1)), val(bdl_int(2))};
  CHECK_STR(expr(b, 2), "<invalid expression>");
  bdl_op c[] = {un(BDL_U_NEGATE)};
  CHECK_STR(expr(c, 1), "<invalid expression>");
  bdl_op d[] = {val(bdl_int(1)), bin(99)};
  CHECK_STR(expr(d, 2), "<invalid expression>");
  bdl_op e[] = {val(bdl_int(1)), un(17)};
  CHECK_STR(expr(e, 2), "<invalid expression>");
  bdl_op f[] = {val(bdl_int(1)), clo(NULL), bin(BDL_B_ALL)};
  CHECK_STR(expr(f, 3), "<invalid expression>");
  /* a closure body cannot pop its parent's operands */
  bdl_op neg[] = {un(BDL_U_NEGATE)};
  bdl_closure cl = {0, 1, NULL, neg};
  bdl_op g[] = {val(bdl_bool(true)), clo(&cl), bin(BDL_B_LAZY_OR)};
  CHECK_STR(expr(g, 3), "<invalid expression>");
  bdl_closure empty = {0, 0, NULL, NULL};
  bdl_op h[] = {val(bdl_bool(true)), clo(&empty), bin(BDL_B_LAZY_OR)};
  CHECK_STR(expr(h, 3), "<invalid expression>");
  bdl_op i[] = {{7, 0, 0, BDL_NOSYM, {.value = {0}}}};
  CHECK_STR(expr(i, 1), "<invalid expression>");
  CHECK(!B.failed);
}

/* 100,000 closures nested in each other, and a 100,000-op chain. */
static void test_deep_exprs(void) {
  enum { N = 100000 };
  bdl_closure *cs = calloc(N, sizeof *cs);
  bdl_op *ops = calloc(N + 1, sizeof *ops);
  bdl_op *chain = calloc(2 * N + 1, sizeof *chain);
  CHECK(cs && ops && chain);
  if (!cs || !ops || !chain)
    return;
  ops[N] = val(bdl_int(1));
  for (int i = N - 1; i >= 0; i--) {
    cs[i].n_ops = 1;
    cs[i].ops = &ops[i + 1];
    ops[i] = clo(&cs[i]);
  }
  const char *s = expr(ops, 1);
  CHECK_STR(s, "1");
  chain[0] = val(bdl_int(1));
  for (int i = 0; i < N; i++) {
    chain[1 + 2 * i] = val(bdl_int(1));
    chain[2 + 2 * i] = bin(BDL_B_ADD);
  }
  s = expr(chain, 2 * N + 1);
  CHECK(strlen(s) == 1 + 4 * (size_t)N);
  for (int i = 0; i < N; i++)
    chain[1 + i] = un(BDL_U_PARENS);
  s = expr(chain, N + 1);
  CHECK(strlen(s) == 1 + 2 * (size_t)N && s[0] == '(' && s[N] == '1');
  free(cs);
  free(ops);
  free(chain);
}

/* ---------------------------------------------------------- statements */

static bdl_pred pred(const char *name, bdl_term *terms, uint32_t n) {
  bdl_pred p = {sym(name), n, terms};
  return p;
}

static void test_rules(void) {
  bdl_term t0[] = {V("0"), S("read")}, t1[] = {V("0")};
  bdl_pred body[] = {pred("resource", t1, 1), pred("op", t0 + 1, 1)};
  bdl_op cmp[] = {val(V("0")), val(bdl_int(1)), bin(BDL_B_GT)};
  bdl_op tru[] = {val(bdl_bool(true))};
  bdl_expr ex[] = {{3, cmp}, {1, tru}};
  uint32_t key = bdl_symtab_intern(E->keys, "ed25519/abcd", 12);
  bdl_scope sc[] = {{BDL_SCOPE_AUTHORITY, 0},
                    {BDL_SCOPE_PREVIOUS, 0},
                    {BDL_SCOPE_KEY, key},
                    {BDL_SCOPE_KEY, 4242}};
  bdl_rule r = {pred("right", t0, 2), 2, 2, 4, body, ex, sc};
  CHECK_STR(PR(bdl_print_rule(&B, E, &r)),
            "right($0, \"read\") <- resource($0), op(\"read\"), $0 > 1, "
            "true trusting authority, previous, ed25519/abcd, "
            "<unknown public key id>");
  r.n_scopes = 0;
  r.n_body = 0;
  CHECK_STR(PR(bdl_print_rule(&B, E, &r)),
            "right($0, \"read\") <- $0 > 1, true");
  r.n_body = 1;
  r.n_exprs = 0;
  r.head = pred("empty", NULL, 0);
  CHECK_STR(PR(bdl_print_rule(&B, E, &r)), "empty() <- resource($0)");
  CHECK_STR(PR(bdl_print_rule_body(&B, E, &r)), "resource($0)");
  CHECK_STR(PR(bdl_print_scopes(&B, E, sc, 2)),
            "trusting authority, previous");
  bdl_pred unk = {777777, 1, t1};
  CHECK_STR(PR(bdl_print_pred(&B, E, &unk)), "<?>($0)");
}

static void test_checks_policies(void) {
  bdl_term t[] = {S("x")};
  bdl_pred p1 = pred("a", t, 1), p2 = pred("b", t, 1);
  bdl_scope auth = {BDL_SCOPE_AUTHORITY, 0};
  bdl_pred q = pred("query", NULL, 0);
  bdl_rule qs[] = {{q, 1, 0, 0, &p1, NULL, NULL},
                   {q, 1, 0, 1, &p2, NULL, &auth}};
  bdl_check c = {BDL_CHECK_IF, 2, qs};
  CHECK_STR(PR(bdl_print_check(&B, E, &c)),
            "check if a(\"x\") or b(\"x\") trusting authority");
  c.kind = BDL_CHECK_ALL;
  c.n_queries = 1;
  CHECK_STR(PR(bdl_print_check(&B, E, &c)), "check all a(\"x\")");
  c.kind = BDL_REJECT_IF;
  CHECK_STR(PR(bdl_print_check(&B, E, &c)), "reject if a(\"x\")");
  c.n_queries = 0;
  CHECK_STR(PR(bdl_print_check(&B, E, &c)), "reject if ");
  bdl_policy pol = {BDL_ALLOW, 2, qs};
  CHECK_STR(PR(bdl_print_policy(&B, E, &pol)),
            "allow if a(\"x\") or b(\"x\") trusting authority");
  pol.kind = BDL_DENY;
  pol.n_queries = 1;
  CHECK_STR(PR(bdl_print_policy(&B, E, &pol)), "deny if a(\"x\")");
  pol.n_queries = 0;
  CHECK_STR(PR(bdl_print_policy(&B, E, &pol)), "deny");
}

/* Sources: Block::print_source and AuthorizerBuilder::dump_code. */
static void test_sources(void) {
  bdl_term t[] = {bdl_int(1)};
  bdl_pred f = pred("f", t, 1), q = pred("query", NULL, 0);
  bdl_op tru[] = {val(bdl_bool(true))};
  bdl_expr ex = {1, tru};
  bdl_rule r = {pred("g", t, 1), 1, 0, 0, &f, NULL, NULL};
  bdl_rule qr = {q, 0, 1, 0, NULL, &ex, NULL};
  bdl_check c = {BDL_CHECK_IF, 1, &qr};
  bdl_policy p = {BDL_ALLOW, 1, &qr};
  bdl_scope auth = {BDL_SCOPE_AUTHORITY, 0};
  bdl_block b;
  bdl_block_init(&b);
  CHECK_STR(PR(bdl_print_block(&B, E, &b)), "");
  CHECK_STR(PR(bdl_print_authorizer(&B, E, &b)), "");
  CHECK(bdl_block_add_policy(&b, &p) == 0);
  CHECK_STR(PR(bdl_print_authorizer(&B, E, &b)), "allow if true;\n");
  CHECK(bdl_block_add_fact(&b, &f) == 0);
  CHECK_STR(PR(bdl_print_authorizer(&B, E, &b)),
            "f(1);\n\nallow if true;\n");
  CHECK(bdl_block_add_check(&b, &c) == 0);
  CHECK_STR(PR(bdl_print_authorizer(&B, E, &b)),
            "f(1);\n\ncheck if true;\n\nallow if true;\n");
  CHECK(bdl_block_add_rule(&b, &r) == 0);
  CHECK(bdl_block_add_fact(&b, &f) == 0);
  CHECK(bdl_block_add_scope(&b, &auth) == 0); /* never printed */
  CHECK_STR(PR(bdl_print_authorizer(&B, E, &b)),
            "f(1);\nf(1);\n\ng(1) <- f(1);\n\ncheck if true;\n\n"
            "allow if true;\n");
  CHECK_STR(PR(bdl_print_block(&B, E, &b)),
            "f(1);\nf(1);\ng(1) <- f(1);\ncheck if true;\n");
  bdl_block_free(&b);
  CHECK(bdl_block_add_check(&b, &c) == 0);
  CHECK_STR(PR(bdl_print_authorizer(&B, E, &b)), "check if true;\n\n");
  CHECK_STR(PR(bdl_print_block(&B, E, &b)), "check if true;\n");
  bdl_block_free(&b);
}

/*
** Authorizer sources print in the reference's builder order: sets of a
** predicate order strings as text; an expression's strings order as a
** fresh table numbers them (default symbols first, then by appearance).
*/
static void test_authorizer_order(void) {
  bdl_term zz2 = S("zz2"), zz1 = S("zz1"); /* zz2 id < zz1 id */
  bdl_term s[] = {zz2, zz1, S("write")};
  bdl_term set = coll(BDL_SET, s, 3);
  bdl_term kv[] = {zz2, bdl_int(1), zz1, bdl_int(2)};
  bdl_term map = coll(BDL_MAP, kv, 4);
  bdl_term ft[] = {set, map};
  bdl_pred f = pred("f", ft, 2), q = pred("query", NULL, 0);
  CHECK_STR(term(set), "{\"write\", \"zz2\", \"zz1\"}");
  bdl_block b;
  bdl_block_init(&b);
  CHECK(bdl_block_add_fact(&b, &f) == 0);
  CHECK_STR(PR(bdl_print_authorizer(&B, E, &b)),
            "f({\"write\", \"zz1\", \"zz2\"}, {\"zz1\": 2, \"zz2\": 1});\n\n");
  CHECK_STR(PR(bdl_print_block(&B, E, &b)),
            "f({\"write\", \"zz2\", \"zz1\"}, {\"zz2\": 1, \"zz1\": 2});\n");
  /* "zz1" appears first in the expression, so it ranks before "zz2" */
  bdl_op ops[] = {val(zz1), val(set), bin(BDL_B_CONTAINS)};
  bdl_expr ex = {3, ops};
  bdl_rule qr = {q, 0, 1, 0, NULL, &ex, NULL};
  bdl_policy p = {BDL_ALLOW, 1, &qr};
  bdl_block_free(&b);
  CHECK(bdl_block_add_policy(&b, &p) == 0);
  CHECK_STR(PR(bdl_print_authorizer(&B, E, &b)),
            "allow if \"zz1\".contains({\"write\", \"zz1\", \"zz2\"});\n");
  ops[0] = val(zz2);
  CHECK_STR(PR(bdl_print_authorizer(&B, E, &b)),
            "allow if \"zz2\".contains({\"write\", \"zz2\", \"zz1\"});\n");
  ops[0] = val(bdl_int(0));
  CHECK_STR(PR(bdl_print_authorizer(&B, E, &b)),
            "allow if 0.contains({\"write\", \"zz1\", \"zz2\"});\n");
  /* one policy alone, as world dumps list them; symbol order otherwise */
  CHECK_STR(PR(bdl_print_authorizer_policy(&B, E, &p)),
            "allow if 0.contains({\"write\", \"zz1\", \"zz2\"})");
  CHECK_STR(PR(bdl_print_policy(&B, E, &p)),
            "allow if 0.contains({\"write\", \"zz2\", \"zz1\"})");
  bdl_block_free(&b);
}

static int fail_after = -1;
static void *failing_alloc(void *ud, void *ptr, size_t os, size_t ns) {
  (void)ud;
  (void)os;
  if (ns == 0) {
    free(ptr);
    return NULL;
  }
  if (fail_after == 0)
    return NULL;
  if (fail_after > 0)
    fail_after--;
  return realloc(ptr, ns);
}

/* Every allocation failure is reported as false, never a crash or leak. */
static void test_alloc_failure(void) {
  uint32_t p = sym("p");
  bdl_op body[] = {val(bdl_var(p)), val(bdl_int(1)), bin(BDL_B_GT)};
  bdl_closure c1 = {1, 3, &p, body};
  bdl_term items[] = {bdl_int(1), S("two"), bdl_int(3)};
  bdl_op ops[] = {val(coll(BDL_ARRAY, items, 3)), clo(&c1), bin(BDL_B_ALL)};
  bdl_expr x = {3, ops};
  size_t live = bx_alloc_live();
  bx_set_alloc(failing_alloc, NULL);
  int n, failures = 0;
  bool ok = false;
  for (n = 0; n < 100 && !ok; n++) {
    bx_buf out;
    bx_buf_init(&out, 0);
    fail_after = n;
    ok = bdl_print_expr(&out, E, &x);
    failures += !ok;
    if (ok)
      CHECK_STR(out.data, "[1, \"two\", 3].all($p -> $p > 1)");
    bx_buf_free(&out);
  }
  fail_after = -1;
  bx_set_alloc(NULL, NULL);
  CHECK(ok && failures > 0);
  CHECK(bx_alloc_live() == live);
  /* a capped buffer fails cleanly */
  bx_buf small;
  bx_buf_init(&small, 8);
  CHECK(!bdl_print_expr(&small, E, &x));
  bx_buf_free(&small);
}

int main(void) {
  E = bdl_env_new(NULL);
  bx_buf_init(&B, 0);
  CHECK(E != NULL);
  if (!E)
    TEST_DONE();
  test_scalars();
  test_dates();
  test_collections();
  test_deep_terms();
  test_unary_binary();
  test_closures();
  test_invalid_exprs();
  test_deep_exprs();
  test_rules();
  test_checks_policies();
  test_sources();
  test_authorizer_order();
  test_alloc_failure();
  CHECK(coll_failures == 0);
  bx_buf_free(&B);
  bdl_env_free(E);
  TEST_DONE();
}
