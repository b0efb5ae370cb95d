/*
** Parser error behaviour: exact messages with line and column for
** malformed inputs, BISCUIT_E_INCOMPLETE (input ends inside a statement)
** versus BISCUIT_E_PARSE, deep nesting, invalid UTF-8, the rendering of
** bpa_format_error, atomic failure (the block and the arena are left as
** they were), and allocation failure at every step without leaks.
*/
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "parser/parser.h"
#include "test.h"
#include "test_util.h"

static bdl_env *env;

typedef struct error_case {
  bpa_kind kind;
  const char *src;
  biscuit_status st;
  uint32_t line, column;
  const char *msg;
} error_case;

#define P BISCUIT_E_PARSE
#define I BISCUIT_E_INCOMPLETE

static const error_case cases[] = {
    /* syntax */
    {BPA_CHECK, "check if right($0, )", P, 1, 20, "expected a term after ','"},
    {BPA_CHECK, "check if a(1))", P, 1, 14, "unexpected ')'"},
    {BPA_CHECK, "check if a(1) and b(2)", P, 1, 15, "unexpected 'and'"},
    {BPA_CHECK, "check if 1 < 2 < 3", P, 1, 16,
     "comparisons do not associate: add parentheses"},
    {BPA_CHECK, "check if 1 == 2 != 3", P, 1, 17,
     "comparisons do not associate: add parentheses"},
    {BPA_CHECK, "check if 1 &&;", P, 1, 14,
     "expected an expression after '&&'"},
    {BPA_RULE, "r($x) <- ;", P, 1, 10,
     "expected a predicate or an expression after '<-'"},
    {BPA_FACT, "f(\"a\" \"b\")", P, 1, 7,
     "unexpected '\"b\"', expected ',' or ')'"},
    {BPA_BLOCK, "f(1) g(2);", P, 1, 6, "unexpected 'g', expected '<-' or ';'"},
    {BPA_BLOCK, "f(1);;", P, 1, 6, "unexpected ';'"},
    {BPA_BLOCK, "f(1);\n  check if g(\n  1,,2);", P, 3, 5,
     "expected a term after ','"},
    {BPA_BLOCK, "f(1); trusting authority;", P, 1, 7,
     "a block-wide 'trusting' must come before the first statement"},
    {BPA_CHECK, "check if - 1 < 0", P, 1, 10,
     "unexpected '-': write a negative number without a space, as in -1"},
    /* lexical */
    {BPA_CHECK, "check if f(@)", P, 1, 12, "unexpected character '@'"},
    {BPA_CHECK, "check if f('a')", P, 1, 12,
     "unexpected \"'\": strings use double quotes"},
    {BPA_CHECK, "check if f($)", P, 1, 12,
     "expected a variable name after '$'"},
    {BPA_CHECK, "check if $x = 1", P, 1, 13,
     "unexpected '=': comparisons are '==' or '==='"},
    {BPA_CHECK, "check if \"a\\tb\"", P, 1, 12,
     "unknown escape sequence in a string: only \\\\, \\\" and \\n are "
     "allowed"},
    {BPA_CHECK, "check if \xf0\x9f\x98\x81", P, 1, 10,
     "unexpected character '\xf0\x9f\x98\x81'"},
    {BPA_FACT, "f\xe2\x82\xac(1)", P, 1, 2,
     "invalid character '\xe2\x82\xac' in a name"},
    {BPA_CHECK, "check if hex:abc", P, 1, 10,
     "a byte string needs an even, non-zero number of hex digits after "
     "'hex:'"},
    {BPA_CHECK, "check if hex:zz", P, 1, 14,
     "invalid hex digit in byte string"},
    {BPA_CHECK, "check if f(1) trusting ed25519/abcd", P, 1, 24,
     "invalid public key: an ed25519 key is 32 bytes (64 hex digits)"},
    /* literals */
    {BPA_CHECK, "check if 9223372036854775808 > 1", P, 1, 10,
     "integer out of range (64-bit signed)"},
    {BPA_CHECK, "check if -9223372036854775809 > 1", P, 1, 10,
     "integer out of range (64-bit signed)"},
    {BPA_CHECK, "check if 99999999999999999999999 > 1", P, 1, 10,
     "integer out of range (64-bit signed)"},
    {BPA_FACT, "d(2019-13-01T00:00:00Z)", P, 1, 3, "invalid date: no such day"},
    {BPA_FACT, "d(2019-02-29T00:00:00Z)", P, 1, 3, "invalid date: no such day"},
    {BPA_FACT, "d(2019-01-01T24:00:00Z)", P, 1, 3,
     "invalid date: time of day out of range"},
    {BPA_FACT, "d(2019-01-01T00:00:00+24:00)", P, 1, 3,
     "invalid date: offset out of range"},
    {BPA_FACT, "d(2019-01-01T12:00:60Z)", P, 1, 3,
     "invalid date: second 60 is only valid for a leap second"},
    {BPA_FACT, "d(1969-12-31T23:59:59Z)", P, 1, 3,
     "invalid date: dates before 1970 are not supported"},
    {BPA_FACT, "d(1970-01-01T00:59:59+01:00)", P, 1, 3,
     "invalid date: dates before 1970 are not supported"},
    /* meaning */
    {BPA_CHECK, "check if $x.foo()", P, 1, 13, "unknown method 'foo'"},
    {BPA_CHECK, "check if $x.length(2)", P, 1, 13,
     "method 'length' takes no argument"},
    {BPA_CHECK, "check if $x.contains()", P, 1, 13,
     "method 'contains' takes one argument"},
    {BPA_CHECK, "check if $x.all(1)", P, 1, 13,
     "method 'all' takes a closure, as in .all($x -> expression)"},
    {BPA_CHECK, "check if $x.get($p -> 1)", P, 1, 13,
     "method 'get' does not take a closure"},
    {BPA_CHECK, "check if $x.extern::()", P, 1, 13,
     "missing function name after 'extern::'"},
    {BPA_CHECK, "check if {x} == 1", P, 1, 10, "unbound parameter {x}"},
    {BPA_CHECK, "check if {1, \"a\"}", P, 1, 14,
     "set elements must all have the same type (integer, then string)"},
    {BPA_CHECK, "check if {{1}}", P, 1, 11, "sets cannot contain other sets"},
    {BPA_CHECK, "check if {1, $x}", P, 1, 14,
     "variables are not allowed in sets"},
    {BPA_CHECK, "check if [1, $x]", P, 1, 14,
     "variables are not allowed in arrays"},
    {BPA_CHECK, "check if {\"a\": $x}", P, 1, 16,
     "variables are not allowed in maps"},
    {BPA_FACT, "right(\"file1\", $operation)", P, 1, 16,
     "variables are not allowed in facts"},
    {BPA_FACT, "f()", P, 1, 3, "a fact needs at least one term"},
    {BPA_CHECK, "check if f()", P, 1, 12,
     "a predicate needs at least one term"},
    {BPA_RULE, "right($0, $test) <- resource($0), operation(\"read\")", P, 1,
     11, "variable $test is not bound by any predicate of the rule body"},
    {BPA_RULE, "r(1) <- f($y), $x > $z", P, 1, 1,
     "variables $x, $z are not bound by any predicate of the rule body"},
    {BPA_BLOCK, "allow if true;", P, 1, 1,
     "policies (allow if, deny if) are only allowed in an authorizer"},
    {BPA_CHECK, "check if f(1) trusting foo", P, 1, 24,
     "unknown scope 'foo': expected authority, previous or a public key"},
    /* incomplete input: the REPL asks for more */
    {BPA_CHECK, "check if right(", I, 1, 16, "expected a term after '('"},
    {BPA_CHECK, "check if right(\"a\"", I, 1, 19,
     "unexpected end of input: unclosed bracket"},
    {BPA_CHECK, "check if (1", I, 1, 12,
     "unexpected end of input: unclosed bracket"},
    {BPA_CHECK, "check if \"abc", I, 1, 10, "unterminated string"},
    {BPA_CHECK, "check if \"abc\\", I, 1, 10, "unterminated string"},
    {BPA_CHECK, "check if 1 + /* note", I, 1, 14, "unterminated comment"},
    {BPA_CHECK, "check if", I, 1, 9,
     "expected a predicate or an expression after 'check if'"},
    {BPA_CHECK, "check if true trusting", I, 1, 23,
     "unexpected end of input, expected authority, previous or a public "
     "key"},
    {BPA_CHECK, "check if true or\n", I, 1, 17,
     "expected a predicate or an expression after 'or'"},
    {BPA_BLOCK, "f(1)", I, 1, 5,
     "unexpected end of input, expected '<-' or "
     "';'"},
    {BPA_BLOCK, "f(1);\ncheck if true", I, 2, 14, "unexpected end of input"},
    {BPA_AUTHORIZER, "allow if true\n// more to come\n", I, 1, 14,
     "unexpected end of input"},
    {BPA_RULE, "r($x) <-", I, 1, 9,
     "expected a predicate or an expression after '<-'"},
    {BPA_RULE, "r($x)", I, 1, 6, "unexpected end of input, expected '<-'"},
    /* the wrong statement for the kind */
    {BPA_FACT, "check if true", P, 1, 1,
     "unexpected 'check if', expected a "
     "name"},
    {BPA_RULE, "f(1);", P, 1, 5, "unexpected ';', expected '<-'"},
};

/* Each case fails with its status, message and position, and leaves the
   block as it was. */
static void test_cases(void) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const error_case *c = &cases[i];
    bdl_block b;
    bx_diag d;
    bdl_block_init(&b);
    biscuit_status st =
        bpa_parse(env, c->src, strlen(c->src), c->kind, NULL, &b, &d);
    if (st != c->st || d.line != c->line || d.column != c->column ||
        strcmp(d.msg, c->msg) != 0)
      fprintf(stderr, "case %zu \"%s\": got %d %u:%u \"%s\"\n", i, c->src, st,
              d.line, d.column, d.msg);
    CHECK(st == c->st);
    CHECK(d.status == c->st);
    CHECK(d.line == c->line && d.column == c->column);
    CHECK_STR(d.msg, c->msg);
    CHECK(b.n_facts + b.n_rules + b.n_checks + b.n_policies + b.n_scopes == 0);
    bdl_block_free(&b);
  }
}

static biscuit_status parse_buf(bpa_kind k, const char *src, size_t len,
                                const bpa_options *o, bx_diag *d) {
  bdl_block b;
  bdl_block_init(&b);
  biscuit_status st = bpa_parse(env, src, len, k, o, &b, d);
  bdl_block_free(&b);
  return st;
}

/* `prefix`, then `rep` n times, then `suffix`, in a heap string. */
static char *repeat(const char *prefix, const char *rep, size_t n,
                    const char *suffix) {
  size_t lp = strlen(prefix), lr = strlen(rep), ls = strlen(suffix);
  char *s = malloc(lp + lr * n + ls + 1);
  memcpy(s, prefix, lp);
  for (size_t i = 0; i < n; i++)
    memcpy(s + lp + i * lr, rep, lr);
  memcpy(s + lp + lr * n, suffix, ls + 1);
  return s;
}

/* Nesting is bounded (bpa_options.max_depth, default 128): deep input is
   a clean error at the first level too many, never a stack overflow. */
static void test_depth(void) {
  bx_diag d;
  const char *opens[] = {"(", "[", "{", "!"};
  for (size_t k = 0; k < 4; k++) {
    char *s = repeat("check if ", opens[k], 100000, "1");
    CHECK(parse_buf(BPA_CHECK, s, strlen(s), NULL, &d) == BISCUIT_E_PARSE);
    CHECK_STR(d.msg, "nesting deeper than 128 levels");
    CHECK(d.line == 1 && d.column == 10 + 128);
    free(s);
  }
  char *ok = repeat("check if ", "(", 128, "1");
  char *ok2 = repeat(ok, ")", 128, "");
  CHECK(parse_buf(BPA_CHECK, ok2, strlen(ok2), NULL, &d) == BISCUIT_OK);
  bpa_options o;
  memset(&o, 0, sizeof o);
  o.max_depth = 16;
  CHECK(parse_buf(BPA_CHECK, ok2, strlen(ok2), &o, &d) == BISCUIT_E_PARSE);
  CHECK_STR(d.msg, "nesting deeper than 16 levels");
  free(ok);
  free(ok2);
  /* closures nest without brackets: x.try_or(1).try_or(1)... */
  char *t = repeat("check if true", ".try_or(1)", 200, "");
  CHECK(parse_buf(BPA_CHECK, t, strlen(t), NULL, &d) == BISCUIT_E_PARSE);
  CHECK_STR(d.msg, "expression nested too deeply (more than 128 closures)");
  CHECK(d.column == 14 + 128 * 10 + 1);
  free(t);
  /* long flat input is fine */
  char *flat = repeat("check if 1", " + 1", 100000, " > 0");
  CHECK(parse_buf(BPA_CHECK, flat, strlen(flat), NULL, &d) == BISCUIT_OK);
  free(flat);
  char *many = repeat("", "f(1, \"a\", [2]);\n", 20000, "");
  CHECK(parse_buf(BPA_BLOCK, many, strlen(many), NULL, &d) == BISCUIT_OK);
  free(many);
}

/* Invalid UTF-8 and NUL bytes are errors at their byte, anywhere. */
static void test_bytes(void) {
  static const struct {
    const char *src;
    size_t len;
    uint32_t col;
    const char *msg;
  } bad[] = {
      {"f(\"\xff\")", 7, 4, "invalid UTF-8 (byte 0xff)"},
      {"f(\"\xc3\")", 6, 4, "invalid UTF-8 (byte 0xc3)"},
      {"f(\"\xc0\xaf\")", 8, 4, "invalid UTF-8 (byte 0xc0)"},
      {"f(\"\xed\xa0\x80\")", 9, 4, "invalid UTF-8 (byte 0xed)"},
      {"f(\"\xf4\x90\x80\x80\")", 10, 4, "invalid UTF-8 (byte 0xf4)"},
      {"\xc3\xa9(\xe2\x82)", 6, 3, "invalid UTF-8 (byte 0xe2)"},
      {"f(\"a\0b\")", 8, 5, "unexpected NUL byte"},
      {"f(1)\x01", 5, 5, "unexpected control character 0x01"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    bx_diag d;
    CHECK(parse_buf(BPA_FACT, bad[i].src, bad[i].len, NULL, &d) ==
          BISCUIT_E_PARSE);
    CHECK(d.line == 1 && d.column == bad[i].col);
    CHECK_STR(d.msg, bad[i].msg);
  }
  /* columns count code points, not bytes */
  bx_diag d;
  const char *s = "check if \"é😁\" ==";
  CHECK(parse_buf(BPA_CHECK, s, strlen(s), NULL, &d) == BISCUIT_E_INCOMPLETE);
  CHECK(d.column == 17 && d.offset == strlen(s));
}

/* A failed parse leaves earlier content and the arena as they were. */
static void test_atomic(void) {
  bdl_block b;
  bx_diag d;
  bdl_block_init(&b);
  const char *good = "f(1); check if f(1); allow if true;";
  CHECK(bpa_parse(env, good, strlen(good), BPA_AUTHORIZER, NULL, &b, &d) ==
        BISCUIT_OK);
  size_t used = env->arena.used;
  const char *bad = "g([1, 2], {\"x\": 3}); r($x) <- g($x); check if "
                    "[1].all($p -> $p > 0); deny if g(3) or; ";
  CHECK(bpa_parse(env, bad, strlen(bad), BPA_AUTHORIZER, NULL, &b, &d) ==
        BISCUIT_E_PARSE);
  CHECK(b.n_facts == 1 && b.n_rules == 0 && b.n_checks == 1 &&
        b.n_policies == 1);
  CHECK(env->arena.used == used);
  CHECK(bpa_parse(env, "g(2)", 4, BPA_FACT, NULL, &b, &d) == BISCUIT_OK);
  CHECK(b.n_facts == 2);
  bdl_block_free(&b);
  /* bad arguments */
  CHECK(bpa_parse(NULL, "f(1)", 4, BPA_FACT, NULL, &b, &d) == BISCUIT_E_MISUSE);
  CHECK(bpa_parse(env, NULL, 4, BPA_FACT, NULL, &b, &d) == BISCUIT_E_MISUSE);
  CHECK(bpa_parse(env, "f(1)", 4, (bpa_kind)99, NULL, &b, &d) ==
        BISCUIT_E_MISUSE);
  CHECK(bpa_parse(env, NULL, 0, BPA_BLOCK, NULL, &b, NULL) == BISCUIT_OK);
  CHECK(bpa_parse(env, "f(", 2, BPA_BLOCK, NULL, &b, NULL) ==
        BISCUIT_E_INCOMPLETE);
}

static char *render(const char *file, const char *src, bpa_kind k) {
  bx_diag d;
  bx_buf out;
  parse_buf(k, src, strlen(src), NULL, &d);
  bx_buf_init(&out, 0);
  CHECK(bpa_format_error(&out, file, src, strlen(src), &d));
  return bx_buf_take(&out);
}

/* `file:line:col: message`, the source line, a caret under the column;
   tabs are kept so the caret lines up; long lines are windowed. */
static void test_format(void) {
  char *s = render("a.dl", "f(1);\n  check if right($0, )\n", BPA_BLOCK);
  CHECK_STR(s, "a.dl:2:22: expected a term after ','\n"
               "    check if right($0, )\n"
               "                       ^\n");
  bx_free(s);
  s = render(NULL, "\tcheck if\t1 ==== 2", BPA_CHECK);
  CHECK_STR(s, "<input>:1:16: unexpected '=': comparisons are '==' or "
               "'==='\n"
               "  \tcheck if\t1 ==== 2\n"
               "  \t        \t     ^\n");
  bx_free(s);
  s = render("x", "f(\"\xc3\xa9\") g", BPA_BLOCK);
  CHECK_STR(s, "x:1:8: unexpected 'g', expected '<-' or ';'\n"
               "  f(\"\xc3\xa9\") g\n"
               "         ^\n");
  bx_free(s);
  char *line = repeat("check if 1", " + 1", 60,
                      " + @ + 1 + 1 + 1 + 1 + 1 "
                      "+ 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 +"
                      " 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1");
  s = render("long", line, BPA_CHECK);
  const char *want =
      "long:1:254: unexpected character '@'\n"
      "  ...1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + "
      "@ + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + ...\n"
      "                                                                 ^\n";
  CHECK_STR(s, want);
  bx_free(s);
  free(line);
  bx_diag none;
  bx_buf out;
  bx_diag_clear(&none);
  snprintf(none.msg, sizeof none.msg, "no position");
  bx_buf_init(&out, 0);
  CHECK(bpa_format_error(&out, "f", "x", 1, &none));
  CHECK_STR(out.data, "f: no position\n");
  bx_buf_free(&out);
}

/* An allocator that refuses the n-th allocation (frees always work). */
static long fail_countdown;
static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  if (fail_countdown > 0 && --fail_countdown == 0)
    return NULL;
  return realloc(ptr, nsize);
}

/*
** Fail every allocation of a parse in turn (curl's torture mode): each
** run must end with NOMEM (or, once no allocation fails, with `want`),
** leave the block as it was on failure, and leak nothing.
*/
static void torture(const char *src, bpa_kind k, biscuit_status want) {
  size_t base = bx_alloc_live();
  bool done = false;
  for (long n = 1; n < 10000 && !done; n++) {
    bdl_env *e = bdl_env_new(NULL);
    bdl_block b;
    bx_diag d;
    bdl_block_init(&b);
    fail_countdown = n;
    bx_set_alloc(failing_alloc, NULL);
    biscuit_status st = bpa_parse(e, src, strlen(src), k, NULL, &b, &d);
    bx_set_alloc(NULL, NULL);
    done = fail_countdown > 0; /* no allocation was refused */
    if (st != (done ? want : BISCUIT_E_NOMEM))
      fprintf(stderr, "torture n=%ld: %d %s\n", n, st, d.msg);
    CHECK(st == (done ? want : BISCUIT_E_NOMEM));
    if (st != BISCUIT_OK)
      CHECK(b.n_facts + b.n_rules + b.n_checks + b.n_policies == 0);
    bdl_block_free(&b);
    bdl_env_free(e);
    CHECK(bx_alloc_live() == base);
  }
  CHECK(done);
}

static void test_torture(void) {
  torture("f(1, \"a\", hex:00, [1, {\"k\": \"v\"}], {\"x\", \"y\"});\n"
          "r($x) <- f($x, $y), $y.starts_with(\"a\") || $x > 1;\n"
          "check if r($x), [1, 2].any($p -> $p == $x).try_or(false) "
          "trusting authority, ed25519/"
          "acdd6d5b53bfee478bf689f8e012fe7988bf755e3d7c5152947abc149bc20189;"
          "\nallow if true or r(2); deny if f($a), $a.length() > {,}.length();",
          BPA_AUTHORIZER, BISCUIT_OK);
  torture("check if 1 + ", BPA_CHECK, BISCUIT_E_INCOMPLETE);
  torture("f(1); g(\"x\" 2);", BPA_BLOCK, BISCUIT_E_PARSE);
}

/* Whatever the bytes, the outcome is a status, never a crash or a leak
   (run under ASan in CI): every prefix of a sample, and every sample
   with one byte replaced by a troublesome one. */
static void mangle(const char *code, bpa_kind k) {
  static const char subst[] = {'(', '"', '$', '{', '\\', '\xff', '\0', ';'};
  size_t n = strlen(code), bad = 0;
  char *m = malloc(n + 1);
  for (size_t i = 0; i <= n; i++) {
    bx_diag d;
    biscuit_status st = parse_buf(k, code, i, NULL, &d);
    bad +=
        st != BISCUIT_OK && st != BISCUIT_E_PARSE && st != BISCUIT_E_INCOMPLETE;
    for (size_t j = 0; i < n && j < sizeof subst; j++) {
      memcpy(m, code, n + 1);
      m[i] = subst[j];
      st = parse_buf(k, m, n, NULL, &d);
      bad += st != BISCUIT_OK && st != BISCUIT_E_PARSE &&
             st != BISCUIT_E_INCOMPLETE;
      bad += st != BISCUIT_OK && (d.line == 0 || d.column == 0);
    }
  }
  CHECK(bad == 0);
  free(m);
}

static void test_mangled_samples(void) {
  json_t *root = samples_load(NULL);
  CHECK(root != NULL);
  size_t ti, bi;
  json_t *tc, *b, *v;
  const char *vk;
  json_array_foreach(json_object_get(root, "testcases"), ti, tc) {
    json_array_foreach(json_object_get(tc, "token"), bi, b)
        mangle(json_string_value(json_object_get(b, "code")), BPA_BLOCK);
    json_object_foreach(json_object_get(tc, "validations"), vk, v) {
      const char *code =
          json_string_value(json_object_get(v, "authorizer_code"));
      if (code)
        mangle(code, BPA_AUTHORIZER);
    }
  }
  json_decref(root);
}

int main(void) {
  env = bdl_env_new(NULL);
  test_cases();
  test_depth();
  test_bytes();
  test_atomic();
  test_format();
  test_mangled_samples();
  bdl_env_free(env);
  test_torture();
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
