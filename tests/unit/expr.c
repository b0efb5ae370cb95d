/*
** The expression machine (datalog/expr.h): every operator with a passing
** and a failing case, every error tag, closures and shadowing, the
** resource limits, allocation behaviour, and speed. Expressions are
** built by hand as op arrays (reverse Polish), so this file does not
** depend on the parser; the sample texts are in tests/unit/expr_samples.c.
*/
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datalog/datalog.h"
#include "datalog/expr.h"
#include "test.h"

static bdl_env *E;
static bdl_eval_ctx C;
static bx_diag D;
static uint32_t g_ids[4];
static bdl_term g_vals[4];
static uint32_t g_nvars;

/* ------------------------------------------------------------ builders */

static uint32_t sym(const char *s) {
  return bdl_symtab_intern(E->syms, s, strlen(s));
}

static bdl_term str(const char *s) {
  return bdl_str(sym(s));
}

static bdl_term hex(const char *h) {
  uint8_t b[64];
  size_t n = strlen(h) / 2;
  for (size_t i = 0; i < n; i++)
    b[i] = (uint8_t)strtoul((char[]){h[2 * i], h[2 * i + 1], 0}, NULL, 16);
  bdl_term t;
  bdl_make_bytes(E, b, n, &t);
  return t;
}

static bdl_term mk_set(const bdl_term *items, size_t n) {
  bdl_term t;
  bdl_make_set(E, items, n, &t);
  return t;
}

static bdl_term mk_arr(const bdl_term *items, size_t n) {
  bdl_term t;
  bdl_make_array(E, items, n, &t);
  return t;
}

static bdl_term mk_map(const bdl_term *kv, size_t n2) {
  bdl_term t;
  bdl_make_map(E, kv, n2 / 2, &t);
  return t;
}

#define NT(...) (sizeof((bdl_term[]){__VA_ARGS__}) / sizeof(bdl_term))
#define SET(...) mk_set((bdl_term[]){__VA_ARGS__}, NT(__VA_ARGS__))
#define ARR(...) mk_arr((bdl_term[]){__VA_ARGS__}, NT(__VA_ARGS__))
#define MAP(...) mk_map((bdl_term[]){__VA_ARGS__}, NT(__VA_ARGS__))
#define EMPTY_SET mk_set(NULL, 0)
#define EMPTY_ARR mk_arr(NULL, 0)

static bdl_op op_value(bdl_term t) {
  bdl_op o;
  memset(&o, 0, sizeof o);
  o.type = BDL_OP_VALUE;
  o.ffi = BDL_NOSYM;
  o.u.value = t;
  return o;
}

static bdl_op op_kind(int type, int kind, uint32_t ffi) {
  bdl_op o;
  memset(&o, 0, sizeof o);
  o.type = (uint8_t)type;
  o.kind = (uint8_t)kind;
  o.ffi = ffi;
  return o;
}

static bdl_op op_closure(const char *param, const bdl_op *ops, size_t n) {
  bdl_closure *k = bx_arena_zalloc(&E->arena, sizeof *k);
  k->n_ops = (uint32_t)n;
  k->ops = bx_arena_dup(&E->arena, ops, n * sizeof *ops);
  if (param) {
    k->n_params = 1;
    k->params = bx_arena_alloc(&E->arena, sizeof *k->params);
    k->params[0] = sym(param);
  }
  bdl_op o = op_kind(BDL_OP_CLOSURE, 0, BDL_NOSYM);
  o.u.closure = k;
  return o;
}

#define VT(t) op_value(t)
#define VI(x) op_value(bdl_int(x))
#define VS(s) op_value(str(s))
#define VB(b) op_value(bdl_bool(b))
#define VD(d) op_value(bdl_date(d))
#define VN op_value(bdl_null())
#define VV(name) op_value(bdl_var(sym(name)))
#define U(k) op_kind(BDL_OP_UNARY, BDL_U_##k, BDL_NOSYM)
#define B(k) op_kind(BDL_OP_BINARY, BDL_B_##k, BDL_NOSYM)
#define UFFI(name) op_kind(BDL_OP_UNARY, BDL_U_FFI, sym(name))
#define BFFI(name) op_kind(BDL_OP_BINARY, BDL_B_FFI, sym(name))
#define NOPS(...) (sizeof((bdl_op[]){__VA_ARGS__}) / sizeof(bdl_op))
#define OPS(...) (bdl_op[]){__VA_ARGS__}, NOPS(__VA_ARGS__)
#define CLO(param, ...) op_closure(param, OPS(__VA_ARGS__))

/* ----------------------------------------------------------- evaluation */

static biscuit_status ev(const bdl_op *ops, size_t n, bdl_term *out) {
  bdl_expr e = {(uint32_t)n, (bdl_op *)ops};
  bx_diag_clear(&D);
  return bdl_expr_eval(&C, &e, g_ids, g_vals, g_nvars, out, &D);
}

static void report(int line, const char *what, biscuit_status st) {
  t_fail++;
  fprintf(stderr, "expr.c:%d: expected %s, got status %d tag %s: %s\n", line,
          what, (int)st, D.tag ? D.tag : "-", D.msg);
}

static void t_bool(int line, bool want, const bdl_op *ops, size_t n) {
  bdl_term r;
  biscuit_status st = ev(ops, n, &r);
  if (st == BISCUIT_OK && r.kind == BDL_BOOL && r.id == (want ? 1u : 0u))
    t_pass++;
  else
    report(line, want ? "true" : "false", st);
}

static void t_val(int line, bdl_term want, const bdl_op *ops, size_t n) {
  bdl_term r;
  biscuit_status st = ev(ops, n, &r);
  if (st == BISCUIT_OK && bdl_term_eq(&r, &want))
    t_pass++;
  else
    report(line, "a value", st);
}

/* Execution tags come with BISCUIT_E_EXECUTION, limits with _LIMIT. */
static biscuit_status status_of(const char *tag) {
  static const char *const limits[] = {"WorkBudget", "Timeout", "TooLarge",
                                       "UnsupportedRegex"};
  for (size_t i = 0; i < 4; i++)
    if (strcmp(tag, limits[i]) == 0)
      return BISCUIT_E_LIMIT;
  return BISCUIT_E_EXECUTION;
}

static void t_err(int line, const char *tag, const bdl_op *ops, size_t n) {
  bdl_term r;
  biscuit_status st = ev(ops, n, &r);
  if (st == status_of(tag) && D.tag && strcmp(D.tag, tag) == 0)
    t_pass++;
  else
    report(line, tag, st);
}

#define T_TRUE(...) t_bool(__LINE__, true, OPS(__VA_ARGS__))
#define T_FALSE(...) t_bool(__LINE__, false, OPS(__VA_ARGS__))
#define T_VAL(want, ...) t_val(__LINE__, want, OPS(__VA_ARGS__))
#define T_ERR(tag, ...) t_err(__LINE__, tag, OPS(__VA_ARGS__))

static void bind(const char *name, bdl_term v) {
  g_ids[g_nvars] = sym(name);
  g_vals[g_nvars++] = v;
}

/* ----------------------------------------------------------- integers */

static void test_arithmetic(void) {
  /* test017: 1 + 2 * 3 - 4 / 2 === 5 */
  T_TRUE(VI(1), VI(2), VI(3), B(MUL), B(ADD), VI(4), VI(2), B(DIV), B(SUB),
         VI(5), B(EQ));
  T_VAL(bdl_int(-3), VI(7), VI(-2), B(DIV));
  T_VAL(bdl_int(-1), VI(2), VI(3), B(SUB));
  /* test027: each check is an Overflow error */
  T_ERR("Overflow", VI(10000000000), VI(10000000000), B(MUL), VI(0), B(NEQ));
  T_ERR("Overflow", VI(INT64_MAX), VI(1), B(ADD), VI(0), B(NEQ));
  T_ERR("Overflow", VI(INT64_MIN), VI(1), B(SUB), VI(0), B(NEQ));
  T_ERR("DivideByZero", VI(1), VI(0), B(DIV));
  T_ERR("DivideByZero", VI(INT64_MIN), VI(-1), B(DIV)); /* never traps */
  T_VAL(bdl_int(INT64_MIN), VI(INT64_MIN), VI(1), B(DIV));
  T_ERR("InvalidType", VS("a"), VI(1), B(ADD));
  T_ERR("InvalidType", VI(1), VS("a"), B(SUB));
  T_ERR("InvalidType", VD(1), VI(1), B(MUL));
  T_ERR("InvalidType", VB(true), VB(true), B(DIV));
  /* test028: 1 | 2 ^ 3 === 0, and each bitwise op */
  T_TRUE(VI(1), VI(2), B(BITOR), VI(3), B(BITXOR), VI(0), B(EQ));
  T_VAL(bdl_int(8), VI(9), VI(10), B(BITAND));
  T_VAL(bdl_int(3), VI(1), VI(2), B(BITOR));
  T_VAL(bdl_int(0), VI(1), VI(1), B(BITXOR));
  T_VAL(bdl_int(-1), VI(INT64_MIN), VI(INT64_MAX), B(BITXOR));
  T_ERR("InvalidType", VB(true), VI(1), B(BITAND));
  T_ERR("InvalidType", VI(1), VS("a"), B(BITOR));
  T_ERR("InvalidType", VD(1), VD(1), B(BITXOR));
}

static void test_order(void) {
  T_TRUE(VI(1), VI(2), B(LT));
  T_FALSE(VI(2), VI(2), B(LT));
  T_TRUE(VI(2), VI(1), B(GT));
  T_FALSE(VI(-1), VI(1), B(GT));
  T_TRUE(VI(1), VI(1), B(LE));
  T_FALSE(VI(2), VI(1), B(LE));
  T_TRUE(VI(2), VI(2), B(GE));
  T_FALSE(VI(1), VI(2), B(GE));
  T_TRUE(VD(1575452801), VD(1607075201), B(LT));
  T_TRUE(VD(1607075201), VD(1575452801), B(GT));
  T_TRUE(VD(1607075201), VD(1607075201), B(GE));
  T_FALSE(VD(1607075201), VD(1575452801), B(LE));
  T_TRUE(VD(UINT64_MAX), VD(1), B(GT));          /* dates are unsigned */
  T_ERR("InvalidType", VS("b"), VS("a"), B(GT)); /* strings: no order */
  T_ERR("InvalidType", VI(1), VD(2), B(LT));
  T_ERR("InvalidType", VB(false), VB(true), B(LE));
  T_ERR("InvalidType", VN, VN, B(GE));
}

/* ----------------------------------------------------------- equality */

static void test_equality(void) {
  bdl_term s12 = SET(bdl_int(1), bdl_int(2));
  bdl_term ab = ARR(str("a"), str("b"));
  bdl_term m = MAP(bdl_int(1), str("a"), bdl_int(2), str("b"));
  T_TRUE(VI(3), VI(3), B(EQ));
  T_FALSE(VI(3), VI(4), B(EQ));
  T_TRUE(VB(true), VB(false), B(NEQ));
  T_TRUE(VS("abcD12"), VS("abcD12"), B(EQ));
  T_TRUE(VS("abcD12x"), VS("abcD12"), B(NEQ));
  T_TRUE(VD(5), VD(5), B(EQ));
  T_TRUE(VT(hex("12ab")), VT(hex("12ab")), B(EQ));
  T_TRUE(VT(hex("12abcd")), VT(hex("12ab")), B(NEQ));
  T_TRUE(VT(s12), VT(SET(bdl_int(2), bdl_int(1))), B(EQ));
  T_TRUE(VT(SET(bdl_int(1), bdl_int(4))), VT(s12), B(NEQ));
  T_TRUE(VT(ab), VT(ARR(str("a"), str("b"))), B(EQ));
  T_TRUE(VT(ab), VT(ARR(str("a"), str("c"))), B(NEQ));
  T_TRUE(VT(m), VT(MAP(bdl_int(2), str("b"), bdl_int(1), str("a"))), B(EQ));
  T_TRUE(VN, VN, B(EQ));
  T_FALSE(VN, VN, B(NEQ));
  T_TRUE(VN, VN, B(HEQ));
  /* strict equality across types is an error (reference §6) */
  T_ERR("InvalidType", VI(1), VS("1"), B(EQ));
  T_ERR("InvalidType", VN, VI(1), B(NEQ));
  T_ERR("InvalidType", VI(1), VN, B(EQ));
  T_ERR("InvalidType", VT(ab), VB(true), B(EQ));
  T_ERR("InvalidType", VT(m), VT(ab), B(NEQ));
  /* lenient equality across types answers (test031, test034) */
  T_FALSE(VI(1), VS("1"), B(HEQ));
  T_TRUE(VI(1), VB(true), B(HNEQ));
  T_FALSE(VN, VI(1), B(HEQ));
  T_TRUE(VI(1), VN, B(HNEQ));
  T_TRUE(VT(ab), VT(ARR(bdl_int(1), bdl_int(2), bdl_int(3))), B(HNEQ));
  T_TRUE(VT(m), VT(MAP(str("a"), bdl_int(1))), B(HNEQ));
  T_TRUE(VT(m), VT(m), B(HEQ));
  T_FALSE(VI(1), VI(3), B(HEQ));
  T_FALSE(VS("x"), VS("x"), B(HNEQ));
}

/* ---------------------------------------------------------- booleans */

static void test_booleans(void) {
  T_FALSE(VB(true), VB(false), B(AND));
  T_TRUE(VB(true), VB(true), B(AND));
  T_TRUE(VB(false), VB(true), B(OR));
  T_FALSE(VB(false), VB(false), B(OR));
  T_ERR("InvalidType", VI(1), VB(true), B(AND));
  T_ERR("InvalidType", VB(true), VN, B(OR));
  T_TRUE(VB(false), U(NEGATE));
  T_FALSE(VB(true), U(NEGATE));
  T_ERR("InvalidType", VI(0), U(NEGATE));
  /* Parens is the identity on anything */
  T_VAL(bdl_int(7), VI(7), U(PARENS));
  T_VAL(str("x"), VS("x"), U(PARENS), U(PARENS));
  T_TRUE(VI(1), VI(2), B(LT), U(PARENS), U(NEGATE), U(NEGATE));
}

/* ----------------------------------------------------------- strings */

static void test_strings(void) {
  T_TRUE(VS("hello world"), VS("hello"), B(PREFIX));
  T_FALSE(VS("hello"), VS("hello world"), B(PREFIX));
  T_TRUE(VS("hello world"), VS("world"), B(SUFFIX));
  T_FALSE(VS("hello world"), VS("hello"), B(SUFFIX));
  T_TRUE(VS("aaabde"), VS("abd"), B(CONTAINS));
  T_FALSE(VS("aaabde"), VS("abe"), B(CONTAINS));
  T_TRUE(VS("abc"), VS(""), B(CONTAINS));
  T_ERR("InvalidType", VS("abc"), VI(1), B(CONTAINS));
  T_ERR("InvalidType", VS("abc"), VT(ARR(str("a"))), B(PREFIX));
  T_ERR("InvalidType", VI(1), VS("a"), B(SUFFIX));
  /* test017: "aaabde" === "aaa" + "b" + "de" (interned, so ids match) */
  T_TRUE(VS("aaabde"), VS("aaa"), VS("b"), B(ADD), VS("de"), B(ADD), B(EQ));
  T_VAL(str("ab"), VS("a"), VS("b"), B(ADD));
  T_VAL(str(""), VS(""), VS(""), B(ADD));
  T_VAL(bdl_int(6), VS("abcD12"), U(LENGTH));
  T_VAL(bdl_int(2), VS("\xc3\xa9"), U(LENGTH)); /* "é": bytes */
  T_VAL(bdl_int(0), VS(""), U(LENGTH));
  T_ERR("InvalidType", VI(12), U(LENGTH));
  T_ERR("InvalidType", VB(true), U(LENGTH));
  T_ERR("UnknownSymbol", VT(bdl_str(4000000)), U(LENGTH));
  T_ERR("UnknownSymbol", VS("a"), VT(bdl_str(4000000)), B(ADD));
  /* regex: test017 and test014; invalid patterns are false */
  T_TRUE(VS("aaabde"), VS("a*c?.e"), B(REGEX));
  T_TRUE(VS("file123.txt"), VS("file[0-9]+.txt"), B(REGEX));
  T_FALSE(VS("file1"), VS("file[0-9]+.txt"), B(REGEX));
  T_FALSE(VS("abc"), VS("(unclosed"), B(REGEX));
  T_ERR("InvalidType", VI(1), VS("1"), B(REGEX));
  T_ERR("InvalidType", VS("1"), VI(1), B(REGEX));
}

/* A string concatenation over the cap is TooLarge, not an allocation. */
static void test_string_cap(void) {
  char big[300];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  C.work = 0;
  T_VAL(bdl_int(598), VS(big), VS(big), B(ADD), U(LENGTH));
  CHECK(C.work >= 598); /* each byte produced costs a unit */
  C.work = 0;
  C.max_work = 500;
  T_ERR("WorkBudget", VS(big), VS(big), B(ADD));
  C.max_work = 0;
  C.max_str_len = 500;
  T_ERR("TooLarge", VS(big), VS(big), B(ADD));
  C.max_str_len = 0;
}

/*
** Patterns the regex shim cannot run exactly (valid in Rust) are errors,
** never a guess; invalid ones are false. With and without a cache.
*/
static void test_regex_limits(void) {
  char long_pat[1100];
  memset(long_pat, 'a', sizeof long_pat - 1);
  long_pat[sizeof long_pat - 1] = 0;
  for (int cached = 0; cached < 2; cached++) {
    bdl_regex_cache *rc = cached ? bdl_regex_cache_new(4) : NULL;
    C.regex = rc;
    T_TRUE(VS("xabcx"), VS("a(b|z)c"), B(REGEX));
    T_TRUE(VS("xabcx"), VS("a(b|z)c"), B(REGEX)); /* a cache hit */
    T_FALSE(VS("xaczx"), VS("a(b|z)c"), B(REGEX));
    T_FALSE(VS("abc"), VS("a{2,1}"), B(REGEX));
    T_ERR("UnsupportedRegex", VS("abc"), VS("\\b{start}abc"), B(REGEX));
    T_ERR("TooLarge", VS("abc"), VS(long_pat), B(REGEX));
    /* try_or does not catch limits */
    T_ERR("TooLarge", CLO(NULL, VS("abc"), VS(long_pat), B(REGEX)), VB(true),
          B(TRY_OR));
    C.regex = NULL;
    bdl_regex_cache_free(rc);
  }
}

/* ------------------------------------------------------------ .type() */

static void test_typeof(void) {
  T_VAL(str("integer"), VI(1), U(TYPEOF));
  T_VAL(str("string"), VS("test"), U(TYPEOF));
  T_VAL(str("date"), VD(1703721600), U(PARENS), U(TYPEOF));
  T_VAL(str("bytes"), VT(hex("aa")), U(TYPEOF));
  T_VAL(str("bool"), VB(true), U(TYPEOF));
  T_VAL(str("set"), VT(SET(bdl_bool(false), bdl_bool(true))), U(TYPEOF));
  T_VAL(str("null"), VN, U(TYPEOF));
  T_VAL(str("array"), VT(ARR(bdl_int(1))), U(TYPEOF));
  T_VAL(str("map"), VT(MAP(str("a"), bdl_bool(true))), U(TYPEOF));
  T_FALSE(VI(1), U(TYPEOF), VS("string"), B(HEQ));
  /* a variable as a value (only a bad binding can do it) has no type */
  bind("v", bdl_var(sym("w")));
  T_ERR("InvalidType", VV("v"), U(TYPEOF));
  T_ERR("InvalidType", VV("v"), VV("v"), B(EQ));
  T_FALSE(VV("v"), VV("v"), B(HEQ));
  g_nvars = 0;
  T_ERR("InvalidStack", U(TYPEOF));
  T_ERR("InvalidStack", U(PARENS));
  T_ERR("InvalidStack", CLO(NULL, VI(1)), U(PARENS));
  T_ERR("InvalidStack", CLO(NULL, VS("a")), U(LENGTH));
}

/* -------------------------------------------------------------- sets */

static void test_sets(void) {
  bdl_term s12 = SET(bdl_int(1), bdl_int(2));
  bdl_term s23 = SET(bdl_int(2), bdl_int(3));
  T_TRUE(VT(s12), VI(2), B(CONTAINS));
  T_FALSE(VT(s12), VI(3), B(CONTAINS));
  T_TRUE(VT(SET(bdl_date(1), bdl_date(2))), VD(2), B(CONTAINS));
  T_TRUE(VT(SET(bdl_bool(false), bdl_bool(true))), VB(true), B(CONTAINS));
  T_TRUE(VT(SET(str("abc"), str("def"))), VS("abc"), B(CONTAINS));
  T_TRUE(VT(SET(hex("12ab"), hex("34de"))), VT(hex("34de")), B(CONTAINS));
  T_FALSE(VT(SET(hex("12ab"))), VT(hex("34de")), B(CONTAINS));
  /* between sets, contains is superset (reference §6) */
  T_TRUE(VT(s12), VT(SET(bdl_int(2))), B(CONTAINS));
  T_TRUE(VT(s12), VT(SET(bdl_int(1))), B(CONTAINS));
  T_TRUE(VT(s12), VT(EMPTY_SET), B(CONTAINS));
  T_TRUE(VT(s12), VT(s12), B(CONTAINS));
  T_FALSE(VT(s12), VT(s23), B(CONTAINS));
  T_FALSE(VT(EMPTY_SET), VT(SET(bdl_int(1))), B(CONTAINS));
  T_ERR("InvalidType", VT(s12), VN, B(CONTAINS));
  T_ERR("InvalidType", VT(s12), VT(ARR(bdl_int(1))), B(CONTAINS));
  T_ERR("InvalidType", VT(s12), VT(MAP(bdl_int(1), bdl_int(1))), B(CONTAINS));
  T_ERR("InvalidType", VI(1), VI(1), B(CONTAINS));
  /* test017 algebra */
  T_TRUE(VT(s12), VT(s23), B(INTERSECTION), VT(SET(bdl_int(2))), B(EQ));
  T_TRUE(VT(s12), VT(s23), B(UNION),
         VT(SET(bdl_int(1), bdl_int(2), bdl_int(3))), B(EQ));
  T_TRUE(VT(SET(bdl_int(1), bdl_int(2), bdl_int(3))), VT(s12), B(INTERSECTION),
         VI(1), B(CONTAINS));
  T_VAL(bdl_int(2), VT(SET(bdl_int(1), bdl_int(2), bdl_int(3))), VT(s12),
        B(INTERSECTION), U(LENGTH));
  T_VAL(bdl_int(0), VT(EMPTY_SET), U(LENGTH));
  T_TRUE(VT(SET(str("a"), bdl_int(1))), VT(SET(bdl_int(1), str("b"))), B(UNION),
         VT(SET(bdl_int(1), str("a"), str("b"))), B(EQ));
  T_TRUE(VT(s12), VT(EMPTY_SET), B(INTERSECTION), VT(EMPTY_SET), B(EQ));
  T_ERR("InvalidType", VT(s12), VT(ARR(bdl_int(1))), B(UNION));
  T_ERR("InvalidType", VS("x"), VS("x"), B(INTERSECTION));
}

/* Set results larger than the collection cap are TooLarge. */
static void test_set_cap(void) {
  bdl_term a[40], b[40];
  for (int i = 0; i < 40; i++) {
    a[i] = bdl_int(i);
    b[i] = bdl_int(100 + i);
  }
  bdl_term x = mk_set(a, 40), y = mk_set(b, 40);
  T_VAL(bdl_int(80), VT(x), VT(y), B(UNION), U(LENGTH));
  T_VAL(bdl_int(0), VT(x), VT(y), B(INTERSECTION), U(LENGTH));
  T_VAL(bdl_int(40), VT(x), VT(x), B(INTERSECTION), U(LENGTH));
  C.max_coll_len = 79;
  T_ERR("TooLarge", VT(x), VT(y), B(UNION));
  T_VAL(bdl_int(40), VT(x), VT(x), B(UNION), U(LENGTH));
  C.max_coll_len = 0;
}

/* ------------------------------------------------------------ arrays */

static void test_arrays(void) {
  bdl_term a12 = ARR(bdl_int(1), bdl_int(2));
  T_VAL(bdl_int(3), VT(ARR(bdl_int(1), bdl_int(2), bdl_int(1))), U(LENGTH));
  T_TRUE(VT(ARR(str("a"), str("b"), str("c"))), VS("c"), B(CONTAINS));
  T_FALSE(VT(a12), VT(ARR(bdl_int(1))), B(CONTAINS)); /* element test */
  T_TRUE(VT(ARR(a12, bdl_null())), VT(a12), B(CONTAINS));
  T_FALSE(VT(EMPTY_ARR), VN, B(CONTAINS));
  T_TRUE(VT(ARR(bdl_int(1), bdl_int(2), bdl_int(3))), VT(a12), B(PREFIX));
  T_FALSE(VT(a12), VT(ARR(bdl_int(1), bdl_int(2), bdl_int(3))), B(PREFIX));
  T_TRUE(VT(ARR(bdl_int(4), bdl_int(5), bdl_int(6))), VT(ARR(bdl_int(6))),
         B(SUFFIX));
  T_FALSE(VT(ARR(bdl_int(4), bdl_int(5), bdl_int(6))), VT(ARR(bdl_int(5))),
          B(SUFFIX));
  T_TRUE(VT(a12), VT(EMPTY_ARR), B(SUFFIX));
  T_ERR("InvalidType", VT(a12), VI(1), B(PREFIX));
  T_TRUE(VT(ARR(bdl_int(1), bdl_int(2), str("a"))), VI(2), B(GET), VS("a"),
         B(HEQ));
  T_VAL(bdl_int(1), VT(a12), VI(0), B(GET));
  T_VAL(bdl_null(), VT(a12), VI(2), B(GET));
  T_VAL(bdl_null(), VT(a12), VI(3), B(GET));
  T_VAL(bdl_null(), VT(a12), VI(-1), B(GET)); /* reference: usize fails */
  T_VAL(bdl_null(), VT(a12), VI(INT64_MIN), B(GET));
  T_ERR("InvalidType", VT(a12), VS("a"), B(GET));
  T_ERR("InvalidType", VS("abc"), VI(0), B(GET));
  T_ERR("InvalidType", VT(SET(bdl_int(1))), VI(0), B(GET));
}

/* -------------------------------------------------------------- maps */

static void test_maps(void) {
  bdl_term m =
      MAP(bdl_int(1), str("A"), str("a"), bdl_int(1), str("b"), bdl_int(2));
  bdl_term abcd = MAP(str("a"), bdl_int(1), str("b"), bdl_int(2), str("c"),
                      bdl_int(3), str("d"), bdl_int(4));
  T_VAL(bdl_int(4), VT(abcd), U(LENGTH));
  T_TRUE(VT(abcd), VS("d"), B(CONTAINS));
  T_FALSE(VT(abcd), VS("e"), B(CONTAINS));
  T_TRUE(VT(m), VI(1), B(CONTAINS));
  T_FALSE(VT(m), VB(true), B(CONTAINS)); /* not a key type: false */
  T_FALSE(VT(m), VT(ARR(str("a"))), B(CONTAINS));
  T_VAL(bdl_int(1), VT(m), VS("a"), B(GET));
  T_VAL(str("A"), VT(m), VI(1), B(GET));
  T_VAL(bdl_null(), VT(m), VS("c"), B(GET));
  T_VAL(bdl_null(), VT(m), VI(2), B(GET));
  T_VAL(bdl_null(), VT(MAP(str("a"), bdl_int(1))), VI(1), B(GET));
  T_ERR("InvalidType", VT(m), VB(true), B(GET));
  T_ERR("InvalidType", VT(m), VD(1), B(GET));
  T_ERR("InvalidType", VT(m), VT(m), B(UNION));
  /* test034: nested get then contains */
  bdl_term user = MAP(str("id"), bdl_int(1), str("roles"), ARR(str("admin")));
  T_TRUE(VT(MAP(str("user"), user)), VS("user"), B(GET), VS("roles"), B(GET),
         VS("admin"), B(CONTAINS));
}

/* ----------------------------------------------------------- closures */

static void test_lazy(void) {
  bdl_op err = CLO(NULL, VS("x"), VS("x"), B(INTERSECTION));
  /* test032 */
  T_TRUE(VB(false), U(NEGATE), CLO(NULL, VB(true)), B(LAZY_AND));
  T_TRUE(VB(false), CLO(NULL, VB(true)), B(LAZY_OR));
  T_FALSE(VB(true), CLO(NULL, VB(false)), B(LAZY_AND));
  T_FALSE(VB(false), CLO(NULL, VB(false)), B(LAZY_OR));
  T_TRUE(VB(false), err, B(LAZY_AND), U(PARENS), U(NEGATE));
  T_TRUE(VB(true), err, B(LAZY_OR));
  T_ERR("InvalidType", VB(true), err, B(LAZY_AND));
  T_ERR("InvalidType", VB(false), err, B(LAZY_OR));
  /* the right side's value is passed on unchecked, as the reference */
  T_VAL(bdl_int(1), VB(true), CLO(NULL, VI(1)), B(LAZY_AND));
  T_ERR("InvalidType", VI(1), CLO(NULL, VB(true)), B(LAZY_AND));
  T_ERR("InvalidType", VB(true), CLO("p", VB(true)), B(LAZY_OR));
  /* a closure may sit on either side of the operator */
  T_FALSE(CLO(NULL, VB(false)), VB(true), B(LAZY_AND));
  /* two plain values under a closure operator */
  T_ERR("InvalidType", VB(true), VB(true), B(LAZY_AND));
  T_ERR("InvalidType", VB(true), VB(true), B(LAZY_OR));
}

static void test_try_or(void) {
  bdl_op bad = CLO(NULL, VB(true), VI(12), B(EQ));
  /* test038 */
  T_TRUE(bad, VB(true), B(TRY_OR));
  T_TRUE(CLO(NULL, bad, VB(true), VI(12), B(EQ), B(TRY_OR), U(PARENS)),
         VB(true), B(TRY_OR));
  T_FALSE(CLO(NULL, VB(true), VI(12), B(HEQ), U(PARENS)), VB(true), B(TRY_OR));
  /* the fallback is evaluated first: its error is not caught */
  T_ERR("InvalidType", CLO(NULL, VB(true)), VB(true), VI(12), B(EQ), B(TRY_OR));
  T_VAL(bdl_int(1), CLO(NULL, VI(1), U(PARENS)), VI(2), B(TRY_OR));
  T_VAL(bdl_int(2), CLO(NULL, VI(1), VI(0), B(DIV)), VI(2), B(TRY_OR));
  T_VAL(bdl_int(2), CLO(NULL, VV("nope")), VI(2), B(TRY_OR));
  T_VAL(bdl_int(2), CLO(NULL, VI(1), VI(1)), VI(2), B(TRY_OR));
  /* without a closure, try_or is a type error (reference) */
  T_ERR("InvalidType", VI(1), VI(2), B(TRY_OR));
  T_ERR("InvalidType", CLO("p", VI(1)), VI(2), B(TRY_OR));
  /* limits are not caught: a budget cannot be escaped */
  C.max_work = C.work + 4;
  T_ERR("WorkBudget", CLO(NULL, VI(1), VI(1), B(ADD), VI(1), B(ADD)), VI(2),
        B(TRY_OR));
  C.max_work = 0;
}

static void test_all_any(void) {
  bdl_term s123 = SET(bdl_int(1), bdl_int(2), bdl_int(3));
  bdl_term a123 = ARR(bdl_int(1), bdl_int(2), bdl_int(3));
  bdl_op gt0 = CLO("p", VV("p"), VI(0), B(GT));
  bdl_op gt2 = CLO("p", VV("p"), VI(2), B(GT));
  bdl_op eq2 = CLO("p", VV("p"), VI(2), B(EQ));
  T_TRUE(VT(s123), gt0, B(ALL));
  T_FALSE(VT(s123), eq2, B(ALL));
  T_TRUE(VT(s123), gt2, B(ANY));
  T_FALSE(VT(s123), CLO("p", VV("p"), VI(3), B(GT)), B(ANY));
  T_TRUE(VT(a123), gt0, B(ALL));
  T_TRUE(VT(a123), gt2, B(ANY));
  T_FALSE(VT(EMPTY_ARR), gt0, B(ANY));
  T_TRUE(VT(EMPTY_ARR), CLO("p", VB(false)), B(ALL));
  T_FALSE(VT(EMPTY_SET), gt0, B(ANY));
  /* nested: {1,2,3}.any($p -> $p > 1 && {3,4,5}.any($q -> $p == $q)) */
  bdl_op inner = CLO("q", VV("p"), VV("q"), B(HEQ));
  bdl_op rhs =
      CLO(NULL, VT(SET(bdl_int(3), bdl_int(4), bdl_int(5))), inner, B(ANY));
  T_TRUE(VT(s123), CLO("p", VV("p"), VI(1), B(GT), rhs, B(LAZY_AND)), B(ANY));
  /* maps pass [key, value] arrays (test034) */
  bdl_term m = MAP(str("a"), bdl_int(1), str("b"), bdl_int(2));
  bdl_op kv_ok =
      CLO("kv", VV("kv"), VI(0), B(GET), VS("c"), B(HNEQ),
          CLO(NULL, VV("kv"), VI(1), B(GET), VI(3), B(LT)), B(LAZY_AND));
  T_TRUE(VT(m), kv_ok, B(ALL));
  T_TRUE(VT(m), CLO("kv", VV("kv"), VI(1), B(GET), VI(2), B(EQ)), B(ANY));
  T_FALSE(VT(m), CLO("kv", VV("kv"), U(LENGTH), VI(2), B(NEQ)), B(ANY));
  /* errors */
  T_ERR("InvalidType", VT(s123), CLO("p", VV("p")), B(ALL));
  T_ERR("InvalidType", VT(a123), CLO("p", VV("p")), B(ANY));
  T_ERR("InvalidType", VI(1), gt0, B(ALL));
  T_ERR("InvalidType", VS("abc"), gt0, B(ANY));
  T_ERR("InvalidType", VT(s123), CLO(NULL, VB(true)), B(ALL));
  T_ERR("Overflow", VT(ARR(bdl_int(INT64_MAX))),
        CLO("p", VV("p"), VI(1), B(ADD), VI(0), B(GT)), B(ALL));
  /* the parameter is unbound again after the loop */
  T_ERR("UnknownVariable", VT(s123), gt0, B(ALL), VV("p"), B(EQ));
}

/* A closure parameter already bound is a runtime error (test032). */
static void test_shadowing(void) {
  /* {"true"}.any($p -> {"true"}.all($p -> $p)) */
  bdl_term st = SET(str("true"));
  T_ERR("ShadowedVariable", VT(st), CLO("p", VT(st), CLO("p", VV("p")), B(ALL)),
        B(ANY));
  /* only raised when the inner closure runs: empty outer set is fine */
  T_FALSE(VT(EMPTY_SET), CLO("p", VT(st), CLO("p", VV("p")), B(ALL)), B(ANY));
  /* a rule variable */
  bind("x", bdl_int(1));
  T_ERR("ShadowedVariable", VT(st), CLO("x", VB(true)), B(ALL));
  T_TRUE(VT(SET(bdl_int(1))), CLO("y", VV("y"), VV("x"), B(EQ)), B(ALL));
  /* checked before the operator's own typing, as in the reference */
  T_ERR("ShadowedVariable", VI(5), CLO("x", VB(true)), B(LAZY_AND));
  g_nvars = 0;
}

/* ------------------------------------------------------- stack errors */

static void test_stack_errors(void) {
  bdl_term r;
  bdl_expr empty = {0, NULL};
  bx_diag_clear(&D);
  CHECK(bdl_expr_eval(&C, &empty, NULL, NULL, 0, &r, &D) ==
        BISCUIT_E_EXECUTION);
  CHECK_STR(D.tag, "InvalidStack");
  T_ERR("InvalidStack", VI(1), VI(2));
  T_ERR("InvalidStack", B(ADD));
  T_ERR("InvalidStack", VI(1), B(ADD));
  T_ERR("InvalidStack", U(NEGATE));
  T_ERR("InvalidStack", CLO(NULL, VB(true)), U(NEGATE));
  T_ERR("InvalidStack", CLO(NULL, VB(true)));
  T_ERR("InvalidStack", CLO(NULL, VB(true)), CLO(NULL, VB(true)), B(LAZY_AND));
  /* a closure body sees a fresh stack: it cannot pop its parent's */
  T_ERR("InvalidStack", VB(true), VB(true), CLO(NULL, B(AND)), B(LAZY_AND));
  T_ERR("InvalidStack", VB(true), CLO(NULL), B(LAZY_AND));
  bdl_op bad_type = op_kind(9, 0, BDL_NOSYM);
  T_ERR("InvalidStack", bad_type);
  bdl_op null_closure = op_kind(BDL_OP_CLOSURE, 0, BDL_NOSYM);
  T_ERR("InvalidStack", null_closure);
  T_ERR("InvalidType", VI(1), VI(1), op_kind(BDL_OP_BINARY, 77, 0));
  T_ERR("InvalidType", VI(1), op_kind(BDL_OP_UNARY, 77, 0));
  /* variables */
  T_ERR("UnknownVariable", VV("time"), VI(1), B(LT));
  bind("time", bdl_date(10));
  T_TRUE(VV("time"), VD(20), B(LE));
  g_nvars = 0;
  /* bad arguments */
  bdl_expr e = {1, NULL};
  CHECK(bdl_expr_eval(&C, &e, NULL, NULL, 0, &r, &D) == BISCUIT_E_MISUSE);
  CHECK(bdl_expr_eval(NULL, &empty, NULL, NULL, 0, &r, NULL) ==
        BISCUIT_E_MISUSE);
}

/* ------------------------------------------------------------ limits */

static void test_limits(void) {
  /* the work budget: 1 unit per op, so 3 ops fit in 3 units */
  C.work = 0;
  C.max_work = 3;
  T_TRUE(VI(1), VI(2), B(LT));
  C.work = 0;
  C.max_work = 2;
  T_ERR("WorkBudget", VI(1), VI(2), B(LT));
  /* work accumulates across calls */
  C.work = 0;
  C.max_work = 5;
  T_TRUE(VI(1), VI(2), B(LT));
  T_ERR("WorkBudget", VI(1), VI(2), B(LT));
  /* elements touched are charged: a 40-element union costs 80 more */
  bdl_term a[40];
  for (int i = 0; i < 40; i++)
    a[i] = bdl_int(i);
  bdl_term big = mk_set(a, 40);
  C.work = 0;
  C.max_work = 50;
  T_ERR("WorkBudget", VT(big), VT(big), B(UNION), U(LENGTH));
  C.work = 0;
  C.max_work = 0;
  T_VAL(bdl_int(40), VT(big), VT(big), B(UNION), U(LENGTH));
  CHECK(C.work >= 84);
  /* a regex match costs 100 units */
  C.work = 0;
  T_TRUE(VS("abc"), VS("b"), B(REGEX));
  CHECK(C.work >= 103);
  /* plus subject x program size / 256: 1,024 `.` over 60 KiB is refused */
  {
    static char subj[61441], dots[1025];
    memset(subj, 'a', sizeof subj - 1);
    memset(dots, '.', sizeof dots - 1);
    C.work = 0;
    C.max_work = 1000000;
    T_ERR("WorkBudget", VS(subj), VS(dots), B(REGEX));
    C.work = 0;
    T_TRUE(VS(subj), VS("a+"), B(REGEX)); /* a small program stays cheap */
    CHECK(C.work < 4000); /* ~100 + 960 + 61440 x P(~7) / 256 */
    C.max_work = 0;
  }
  /* a compile too costly for RE2 (341 x \w+) is refused, not run */
  {
    static char ws[1024];
    for (int i = 0; i + 3 <= 1023; i += 3)
      memcpy(ws + i, "\\w+", 3);
    T_ERR("TooLarge", VS("abc"), VS(ws), B(REGEX));
    T_TRUE(VS("abc def"), VS("\\w+ \\w+"), B(REGEX));
  }
  /* the deadline: the clock is read at the first charge */
  C.work = 0;
  C.next_clock_check = 0;
  C.deadline_ns = 1;
  T_ERR("Timeout", VI(1), VI(2), B(LT));
  C.deadline_ns = bdl_now_ns() + 60000000000ull;
  C.next_clock_check = 0;
  T_TRUE(VI(1), VI(2), B(LT));
  C.deadline_ns = 0;
}

/* Push n values and fold them with n-1 additions (a right comb). */
static biscuit_status deep_sum(uint32_t n, bdl_term *out) {
  bdl_op *ops = calloc(2 * (size_t)n, sizeof *ops);
  for (uint32_t i = 0; i < n; i++)
    ops[i] = VI(1);
  for (uint32_t i = 0; i + 1 < n; i++)
    ops[n + i] = B(ADD);
  biscuit_status st = ev(ops, 2 * (size_t)n - 1, out);
  free(ops);
  return st;
}

/* Nested .any closures, each over {1}: depth n. */
static bdl_op nested_any(uint32_t n) {
  char name[16];
  snprintf(name, sizeof name, "v%u", n);
  bdl_op body = n == 1 ? VB(true) : nested_any(n - 1);
  bdl_op one = VT(SET(bdl_int(1)));
  if (n == 1)
    return CLO(name, body);
  return CLO(name, one, body, B(ANY));
}

static void test_stack_limits(void) {
  bdl_term r;
  CHECK(deep_sum(256, &r) == BISCUIT_OK && r.v.i == 256);
  CHECK(deep_sum(257, &r) == BISCUIT_E_LIMIT);
  CHECK_STR(D.tag, "TooLarge");
  C.max_stack = 4;
  CHECK(deep_sum(4, &r) == BISCUIT_OK && r.v.i == 4);
  CHECK(deep_sum(5, &r) == BISCUIT_E_LIMIT);
  C.max_stack = 100000;
  CHECK(deep_sum(5000, &r) == BISCUIT_OK && r.v.i == 5000);
  C.max_stack = 0;
  /* closure nesting: 16 levels run, 17 do not */
  T_TRUE(VT(SET(bdl_int(1))), nested_any(16), B(ANY));
  T_ERR("TooLarge", VT(SET(bdl_int(1))), nested_any(17), B(ANY));
  C.max_closure_depth = 2;
  T_TRUE(VT(SET(bdl_int(1))), nested_any(2), B(ANY));
  T_ERR("TooLarge", VT(SET(bdl_int(1))), nested_any(3), B(ANY));
  /* whatever the ctx says, C recursion stays bounded (64) */
  C.max_closure_depth = 1000;
  T_TRUE(VT(SET(bdl_int(1))), nested_any(64), B(ANY));
  T_ERR("TooLarge", VT(SET(bdl_int(1))), nested_any(65), B(ANY));
  C.max_closure_depth = 0;
  /* lazy chains nest closures too */
  bdl_op k = VB(true);
  for (int i = 0; i < 20; i++)
    k = CLO(NULL, VB(true), k, B(LAZY_AND));
  T_ERR("TooLarge", VB(true), k, B(LAZY_AND));
}

/* ------------------------------------------------------------ externs */

/*
** The host function of sample test035: "test" returns its receiver when
** called with no argument, compares two strings otherwise; "fail" fails,
** "grow" returns a fresh array; any other name is unknown.
*/
static biscuit_status host(void *ud, const char *name, const bdl_term *recv,
                           const bdl_term *arg, bdl_env *env, bdl_term *out,
                           bx_diag *d) {
  (*(int *)ud)++;
  if (strcmp(name, "fail") == 0)
    return bx_fail(d, BISCUIT_E_EXECUTION, NULL, "boom");
  if (strcmp(name, "var") == 0) {
    *out = bdl_var(0);
    return BISCUIT_OK;
  }
  if (strcmp(name, "grow") == 0)
    return bdl_make_array(env, recv, 1, out);
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

static void test_extern(void) {
  int calls = 0;
  T_ERR("UndefinedExtern", VB(true), UFFI("test"));
  T_ERR("UndefinedExtern", VS("a"), VS("a"), BFFI("test"));
  CHECK(strstr(D.msg, "test") != NULL);
  C.ext = host;
  C.ext_ud = &calls;
  /* test035 */
  T_TRUE(VB(true), UFFI("test"));
  T_TRUE(VS("a"), VS("a"), BFFI("test"), VS("equal strings"), B(HEQ));
  T_TRUE(VS("a"), VS("b"), BFFI("test"), VS("different strings"), B(HEQ));
  CHECK(calls == 3);
  T_ERR("UndefinedExtern", VI(1), UFFI("nope"));
  T_ERR("ExternEvalError", VI(1), VS("a"), BFFI("test"));
  CHECK(strstr(D.msg, "expected strings") != NULL);
  T_ERR("ExternEvalError", VI(1), UFFI("fail"));
  CHECK(strstr(D.msg, "boom") != NULL && strstr(D.msg, "fail") != NULL);
  T_ERR("ExternEvalError", VI(1), UFFI("var"));
  T_VAL(bdl_int(1), VI(7), UFFI("grow"), U(LENGTH));
  T_ERR("UnknownSymbol", VI(1), op_kind(BDL_OP_UNARY, BDL_U_FFI, 4000000));
  /* with a closure operand, an extern is a type error */
  T_ERR("InvalidType", VI(1), CLO(NULL, VI(1)), BFFI("test"));
  /* errors inside try_or are caught */
  T_VAL(bdl_int(3), CLO(NULL, VI(1), UFFI("fail")), VI(3), B(TRY_OR));
  C.ext = NULL;
  C.ext_ud = NULL;
}

/* ------------------------------------------------------ memory, speed */

static long g_fail_after = -1; /* allocations left before failing; -1 off */
static size_t g_allocs;

static void *counting_alloc(void *ud, void *p, size_t os, size_t ns) {
  (void)ud;
  (void)os;
  if (ns == 0) {
    free(p);
    return NULL;
  }
  if (g_fail_after == 0)
    return NULL;
  if (g_fail_after > 0)
    g_fail_after--;
  g_allocs++;
  return realloc(p, ns);
}

/* Simple expressions never touch the heap; scalar results leave the
   arena as it was (temporaries are rolled back). */
static void test_allocation(void) {
  bind("time", bdl_date(1700000000));
  bdl_term s = SET(bdl_int(1), bdl_int(2));
  size_t used = E->arena.used;
  bx_set_alloc(counting_alloc, NULL);
  g_allocs = 0;
  T_TRUE(VV("time"), VD(1893456000), B(LE));
  T_TRUE(VS("abc"), VS("b"), B(CONTAINS), CLO(NULL, VI(1), VI(1), B(EQ)),
         B(LAZY_AND));
  CHECK(g_allocs == 0);
  bx_set_alloc(NULL, NULL);
  bdl_term s3 = SET(bdl_int(3));
  bdl_op uni[] = {VT(s), VT(s3), B(UNION), VI(3), B(CONTAINS)};
  used = E->arena.used;
  for (int i = 0; i < 100; i++)
    t_bool(__LINE__, true, uni, 5);
  CHECK(E->arena.used == used);
  /* a collection result stays valid in the arena */
  bdl_term r;
  CHECK(ev(uni, 3, &r) == BISCUIT_OK);
  CHECK(r.kind == BDL_SET && r.v.coll->n == 3 && E->arena.used > used);
  /* map .all over many entries: memory stays flat */
  bdl_term kv[2 * 300];
  for (int i = 0; i < 300; i++) {
    kv[2 * i] = bdl_int(i);
    kv[2 * i + 1] = bdl_int(i);
  }
  bdl_op all[] = {
      VT(mk_map(kv, 600)),
      CLO("kv", VV("kv"), VI(0), B(GET), VV("kv"), VI(1), B(GET), B(EQ)),
      B(ALL)};
  used = E->arena.used;
  t_bool(__LINE__, true, all, 3);
  CHECK(E->arena.used == used);
  g_nvars = 0;
}

/* Failing every allocation in turn gives NOMEM, never a crash or leak. */
static void test_alloc_failures(void) {
  char big[300];
  memset(big, 'y', sizeof big - 1);
  big[sizeof big - 1] = 0;
  bdl_term a[40];
  for (int i = 0; i < 40; i++)
    a[i] = bdl_int(i);
  bdl_term x = mk_set(a, 40);
  bdl_term s1 = str(big), s2 = str("tail-unique-1");
  int nomem = 0, ok = 0;
  for (long n = 0; n < 12; n++) {
    bdl_term r;
    bx_set_alloc(counting_alloc, NULL);
    g_fail_after = n;
    biscuit_status st = deep_sum(100, &r);
    biscuit_status st2 = ev(OPS(VT(x), VT(x), B(UNION), U(LENGTH)), &r);
    biscuit_status st3 = ev(OPS(VT(s1), VT(s2), B(ADD), U(LENGTH)), &r);
    g_fail_after = -1;
    bx_set_alloc(NULL, NULL);
    nomem += (st == BISCUIT_E_NOMEM) + (st2 == BISCUIT_E_NOMEM) +
             (st3 == BISCUIT_E_NOMEM);
    ok += (st == BISCUIT_OK) + (st2 == BISCUIT_OK) + (st3 == BISCUIT_OK);
  }
  CHECK(nomem >= 3);
  CHECK(nomem + ok == 36);
}

/*
** The speed bound: 100 ns in a plain build (about 20 ns measured), looser
** under sanitizers, none under valgrind (which preloads its vgpreload
** libraries) or with BISCUIT_NO_TIMING set.
*/
static double timing_bound(void) {
  const char *pre = getenv("LD_PRELOAD");
  if (getenv("BISCUIT_NO_TIMING") || (pre && strstr(pre, "vgpreload")))
    return 1e12;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
  return 1000.0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) ||                                        \
    __has_feature(undefined_behavior_sanitizer)
  return 1000.0;
#endif
#endif
  return 100.0;
}

/* CPU time of this thread: other processes on a busy host do not count. */
static uint64_t cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* `$time <= 2030-01-01T00:00:00Z` must cost well under 100 ns. */
static void test_speed(void) {
  bind("a", bdl_int(1));
  bind("b", str("x"));
  bind("time", bdl_date(1700000000));
  bdl_op ops[] = {VV("time"), VD(1893456000), B(LE)};
  bdl_expr e = {3, ops};
  bdl_term r;
  int bad = 0;
  enum { N = 400000 };
  double ns = 1e9;
  for (int round = 0; round < 5; round++) { /* best of 5: a busy host */
    uint64_t t0 = cpu_ns();
    for (int i = 0; i < N; i++)
      bad +=
          bdl_expr_eval(&C, &e, g_ids, g_vals, g_nvars, &r, &D) != BISCUIT_OK;
    double t = (double)(cpu_ns() - t0) / N;
    ns = t < ns ? t : ns;
  }
  printf("$time <= date: %.1f ns per evaluation\n", ns);
  CHECK(bad == 0 && r.kind == BDL_BOOL && r.id == 1);
  CHECK(ns < timing_bound());
  g_nvars = 0;
}

int main(void) {
  E = bdl_env_new(NULL);
  bdl_eval_ctx_init(&C, E);
  test_arithmetic();
  test_order();
  test_equality();
  test_booleans();
  test_strings();
  test_string_cap();
  test_regex_limits();
  test_typeof();
  test_sets();
  test_set_cap();
  test_arrays();
  test_maps();
  test_lazy();
  test_try_or();
  test_all_any();
  test_shadowing();
  test_stack_errors();
  test_limits();
  test_stack_limits();
  test_extern();
  test_allocation();
  test_alloc_failures();
  test_speed();
  bdl_env_free(E);
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
