/*
** biscuit_authorizer_explain, end to end through the public API: the
** verdict line, failed checks with the predicate nothing matches (and
** the untrusted, same-relation and other-arity hints), the closest
** binding, false and failing expressions, alternatives, check all,
** reject if, deny and allow policies, third-party scopes, the search cap
** and the work limit, misuse, that explaining changes nothing, and an
** allocation-failure sweep. Every text is compared whole.
*/
#include <biscuit/biscuit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "test_alloc.h"
#include "util/bx.h"

static biscuit_keypair *root;

/* Ten seconds: the texts must not depend on the speed of a sanitizer
   build; the search is bounded by its candidate cap and the work limit. */
static biscuit_status new_authorizer(biscuit_authorizer **a,
                                     uint64_t max_work) {
  biscuit_status st = biscuit_authorizer_new(NULL, a, NULL);
  biscuit_limits l = {0, 0, 10000000, max_work, 0, 0, 0, 0, 0, 0};
  if (st == BISCUIT_OK)
    biscuit_authorizer_set_limits(*a, &l);
  return st;
}

/* A token: authority `auth`, then each of `more` (NULL-terminated). */
static biscuit_token *make_token(const char *auth, const char *const *more) {
  biscuit_token *t = NULL;
  if (biscuit_token_create(root, auth, NULL, &t, NULL) != BISCUIT_OK)
    return NULL;
  for (size_t i = 0; more && more[i]; i++) {
    biscuit_token *n = NULL;
    biscuit_status st = biscuit_token_append(t, more[i], NULL, &n, NULL);
    biscuit_token_free(t);
    t = n;
    if (st != BISCUIT_OK)
      return NULL;
  }
  return t;
}

/* An authorizer over `t` (may be NULL) and `code`, authorized once. */
static biscuit_authorizer *decided(const biscuit_token *t, const char *code,
                                   const biscuit_params *params,
                                   uint64_t max_work, biscuit_status want) {
  biscuit_authorizer *a = NULL;
  CHECK(new_authorizer(&a, max_work) == BISCUIT_OK);
  if (t)
    CHECK(biscuit_authorizer_add_token(a, t, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_add_code(a, code, params, NULL) == BISCUIT_OK);
  biscuit_error *e = NULL;
  biscuit_status st = biscuit_authorizer_authorize(a, NULL, &e);
  if (st != want)
    fprintf(stderr, "authorize: %d (%s)\n", (int)st,
            e ? biscuit_error_message(e) : "no error");
  CHECK(st == want);
  biscuit_error_free(e);
  return a;
}

static void check_explain(biscuit_authorizer *a, const char *want) {
  char *got = NULL;
  biscuit_error *e = NULL;
  CHECK(biscuit_authorizer_explain(a, &got, &e) == BISCUIT_OK);
  if (e)
    fprintf(stderr, "explain: %s\n", biscuit_error_message(e));
  CHECK_STR(got, want);
  if (getenv("EXPLAIN_PRINT")) /* to read the texts: EXPLAIN_PRINT=1 */
    printf("%s----\n", got ? got : "(null)\n");
  biscuit_free(got);
  biscuit_error_free(e);
}

/* Authorize `code` over `t` expecting `auth`, then compare the text. */
static void expect(const biscuit_token *t, const char *code,
                   biscuit_status auth, const char *want) {
  biscuit_authorizer *a = decided(t, code, NULL, 0, auth);
  check_explain(a, want);
  biscuit_authorizer_free(a);
}

/* ------------------------------------------------------------ verdicts */

static void test_allowed(void) {
  expect(NULL,
         "user(\"alice\"); resource(\"file1\");\n"
         "allow if user($u), resource($r);",
         BISCUIT_OK,
         "allowed by allow policy 0: allow if user($u), resource($r)\n"
         "\n"
         "allow policy 0 matched: allow if user($u), resource($r)\n"
         "  matched with $u = \"alice\", $r = \"file1\"\n"
         "  facts: user(\"alice\"), resource(\"file1\")\n");
  expect(NULL, "deny if false; allow if true;", BISCUIT_OK,
         "allowed by allow policy 1: allow if true\n"
         "\n"
         "allow policy 1 matched: allow if true\n"
         "  matched\n");
  /* constants only: no variables, but facts */
  expect(NULL, "user(\"alice\"); allow if user(\"alice\");", BISCUIT_OK,
         "allowed by allow policy 0: allow if user(\"alice\")\n"
         "\n"
         "allow policy 0 matched: allow if user(\"alice\")\n"
         "  matched\n"
         "  facts: user(\"alice\")\n");
}

/* The usual denial: no allow policy matched and `deny if true` caught it:
   the allow policies before it say why they did not match. The token's
   right and the request's resource tie on their counts: the request's
   facts are bound first, so the missing right is what is named. */
static void test_deny_fall_through(void) {
  biscuit_token *t =
      make_token("user(\"alice\"); right(\"file1\", \"read\");", NULL);
  CHECK(t != NULL);
  expect(t,
         "resource(\"file2\"); operation(\"read\");\n"
         "allow if user(\"admin\");\n"
         "deny if blocked(true);\n"
         "allow if right($r, $op), resource($r), operation($op);\n"
         "deny if true;",
         BISCUIT_DENIED,
         "denied: deny policy 3 matched: deny if true\n"
         "\n"
         "allow policy 0 did not match: allow if user(\"admin\")\n"
         "  no fact matches user(\"admin\")\n"
         "    user/1 has: user(\"alice\")\n"
         "\n"
         "allow policy 2 did not match: allow if right($r, $op), "
         "resource($r), operation($op)\n"
         "  no fact matches right($r, $op) with $r = \"file2\", $op = \"read\"\n"
         "    right/2 has: right(\"file1\", \"read\")\n"
         "  closest: resource(\"file2\"), operation(\"read\")\n"
         "\n"
         "deny policy 3 matched: deny if true\n"
         "  matched\n");
  biscuit_token_free(t);
}

static void test_deny_matched(void) {
  expect(NULL,
         "user(\"alice\"); blocked(\"alice\");\n"
         "deny if user($u), blocked($u);\n"
         "allow if true;",
         BISCUIT_DENIED,
         "denied: deny policy 0 matched: deny if user($u), blocked($u)\n"
         "\n"
         "deny policy 0 matched: deny if user($u), blocked($u)\n"
         "  matched with $u = \"alice\"\n"
         "  facts: user(\"alice\"), blocked(\"alice\")\n");
  /* the alternative that matched ends the paragraph, as it ended the
     evaluation; the ones before it say why they did not */
  expect(NULL,
         "user(\"alice\");\n"
         "deny if admin($u) or user($u), $u.starts_with(\"al\") or "
         "user(\"bob\");\n"
         "allow if true;",
         BISCUIT_DENIED,
         "denied: deny policy 0 matched: deny if admin($u) or user($u), "
         "$u.starts_with(\"al\") or user(\"bob\")\n"
         "\n"
         "deny policy 0 matched: deny if admin($u) or user($u), "
         "$u.starts_with(\"al\") or user(\"bob\")\n"
         "  alternative 1:\n"
         "    no fact matches admin($u)\n"
         "      there is no admin fact at all\n"
         "  alternative 2:\n"
         "    matched with $u = \"alice\"\n"
         "    facts: user(\"alice\")\n");
}

/* No policy matched: one paragraph per allow policy, deny ones skipped. */
static void test_no_policy(void) {
  expect(NULL,
         "user(\"alice\");\n"
         "allow if admin($u);\n"
         "deny if user(\"mallory\");\n"
         "allow if user($u), $u == \"bob\" or user(\"carol\");",
         BISCUIT_DENIED,
         "denied: no policy matched\n"
         "\n"
         "allow policy 0 did not match: allow if admin($u)\n"
         "  no fact matches admin($u)\n"
         "    there is no admin fact at all\n"
         "\n"
         "allow policy 2 did not match: allow if user($u), $u == \"bob\" "
         "or user(\"carol\")\n"
         "  alternative 1:\n"
         "    $u == \"bob\" is false with $u = \"alice\"\n"
         "    closest: user(\"alice\")\n"
         "  alternative 2:\n"
         "    no fact matches user(\"carol\")\n"
         "      user/1 has: user(\"alice\")\n");
  expect(NULL, "user(\"alice\"); deny if false;", BISCUIT_DENIED,
         "denied: no policy matched\n"
         "\n"
         "there is no allow policy: nothing can allow this request\n");
}

/* ------------------------------------------------------------ missing facts */

/*
** The first predicate nothing trusted matches alone, with what comes
** closest: facts in blocks the check does not trust (directly or through
** a derivation), other facts of the relation, other arities, nothing.
*/
static void test_missing_fact(void) {
  const char *more[] = {"owner(\"alice\", \"file1\");\n"
                        "derived($u) <- user($u);",
                        NULL};
  biscuit_token *t = make_token("user(\"alice\");", more);
  CHECK(t != NULL);
  expect(t,
         "owner(\"bob\", \"file2\"); group(\"a\", \"b\", \"c\");\n"
         "check if owner($u, \"file1\");\n"
         "check if derived(\"alice\");\n"
         "check if group($g);\n"
         "check if nothing($x);\n"
         "allow if true;",
         BISCUIT_DENIED,
         "denied: allow policy 0 matched, but checks failed\n"
         "\n"
         "authorizer check 0 failed: check if owner($u, \"file1\")\n"
         "  no fact matches owner($u, \"file1\")\n"
         "    owner(\"alice\", \"file1\") exists in block 1, which this "
         "check does not trust\n"
         "    (it trusts authority and authorizer)\n"
         "\n"
         "authorizer check 1 failed: check if derived(\"alice\")\n"
         "  no fact matches derived(\"alice\")\n"
         "    derived(\"alice\") derives from authority and block 1; this "
         "check does not trust block 1\n"
         "    (it trusts authority and authorizer)\n"
         "\n"
         "authorizer check 2 failed: check if group($g)\n"
         "  no fact matches group($g)\n"
         "    group exists with 3 terms: group(\"a\", \"b\", \"c\")\n"
         "\n"
         "authorizer check 3 failed: check if nothing($x)\n"
         "  no fact matches nothing($x)\n"
         "    there is no nothing fact at all\n"
         "\n"
         "allow policy 0 matched: allow if true\n"
         "  matched\n");
  biscuit_token_free(t);
  /* same relation, none matching: up to three shown; repeated variables
     must be equal */
  expect(NULL,
         "owner(\"bob\", \"file2\"); owner(\"carol\", \"file3\");\n"
         "owner(\"dave\", \"file4\"); owner(\"erin\", \"file5\");\n"
         "check if owner($u, \"file1\");\n"
         "check if owner($x, $x);\n"
         "allow if true;",
         BISCUIT_DENIED,
         "denied: allow policy 0 matched, but checks failed\n"
         "\n"
         "authorizer check 0 failed: check if owner($u, \"file1\")\n"
         "  no fact matches owner($u, \"file1\")\n"
         "    owner/2 has: owner(\"bob\", \"file2\"), owner(\"carol\", "
         "\"file3\"), owner(\"dave\", \"file4\"), ...\n"
         "\n"
         "authorizer check 1 failed: check if owner($x, $x)\n"
         "  no fact matches owner($x, $x)\n"
         "    owner/2 has: owner(\"bob\", \"file2\"), owner(\"carol\", "
         "\"file3\"), owner(\"dave\", \"file4\"), ...\n"
         "\n"
         "allow policy 0 matched: allow if true\n"
         "  matched\n");
}

/*
** Every predicate matches alone, but not together: the search binds the
** most selective first and stops at the predicate nothing fits, naming
** the values it needed and the facts it bound.
*/
static void test_closest(void) {
  expect(NULL,
         "user(\"alice\"); resource(\"file1\");\n"
         "owner(\"bob\", \"file1\"); owner(\"alice\", \"file2\");\n"
         "check if owner($u, $r), resource($r), user($u);\n"
         "allow if true;",
         BISCUIT_DENIED,
         "denied: allow policy 0 matched, but checks failed\n"
         "\n"
         "authorizer check 0 failed: check if owner($u, $r), resource($r), "
         "user($u)\n"
         "  no fact matches owner($u, $r) with $u = \"alice\", $r = "
         "\"file1\"\n"
         "    owner/2 has: owner(\"bob\", \"file1\"), owner(\"alice\", "
         "\"file2\")\n"
         "  closest: resource(\"file1\"), user(\"alice\")\n"
         "\n"
         "allow policy 0 matched: allow if true\n"
         "  matched\n");
  /* the value exists, but in a block the check does not trust */
  const char *more[] = {"right(\"alice\", \"read\");", NULL};
  biscuit_token *t =
      make_token("user(\"alice\"); right(\"bob\", \"read\");", more);
  expect(t, "check if user($u), right($u, \"read\"); allow if true;",
         BISCUIT_DENIED,
         "denied: allow policy 0 matched, but checks failed\n"
         "\n"
         "authorizer check 0 failed: check if user($u), right($u, "
         "\"read\")\n"
         "  no fact matches right($u, \"read\") with $u = \"alice\"\n"
         "    right(\"alice\", \"read\") exists in block 1, which this check "
         "does not trust\n"
         "    (it trusts authority and authorizer)\n"
         "  closest: user(\"alice\")\n"
         "\n"
         "allow policy 0 matched: allow if true\n"
         "  matched\n");
  biscuit_token_free(t);
}

/* ------------------------------------------------------------ expressions */

static void test_false_expression(void) {
  expect(NULL,
         "time(2025-11-23T00:00:00Z);\n"
         "check if time($t), $t < 2020-01-01T00:00:00Z;\n"
         "allow if true;",
         BISCUIT_DENIED,
         "denied: allow policy 0 matched, but checks failed\n"
         "\n"
         "authorizer check 0 failed: check if time($t), $t < "
         "2020-01-01T00:00:00Z\n"
         "  $t < 2020-01-01T00:00:00Z is false with $t = "
         "2025-11-23T00:00:00Z\n"
         "  closest: time(2025-11-23T00:00:00Z)\n"
         "\n"
         "allow policy 0 matched: allow if true\n"
         "  matched\n");
  /* closest: the binding passing the most expressions in written order;
     only the variables the false one reads are shown */
  expect(NULL,
         "n(1); n(5); n(10); m(\"x\", 7);\n"
         "check if n($x), m($k, $v), $x > 3, $x < 4, $v > 0;\n"
         "check if false;\n"
         "check if 1 < 2, 3 > 4;\n"
         "check if n($x), 1 > 2;\n"
         "allow if true;",
         BISCUIT_DENIED,
         "denied: allow policy 0 matched, but checks failed\n"
         "\n"
         "authorizer check 0 failed: check if n($x), m($k, $v), $x > 3, "
         "$x < 4, $v > 0\n"
         "  $x < 4 is false with $x = 5\n"
         "  closest: n(5), m(\"x\", 7)\n"
         "\n"
         "authorizer check 1 failed: check if false\n"
         "  the expression false is false\n"
         "\n"
         "authorizer check 2 failed: check if 1 < 2, 3 > 4\n"
         "  the expression 3 > 4 is false\n"
         "\n"
         "authorizer check 3 failed: check if n($x), 1 > 2\n"
         "  the expression 1 > 2 is false\n"
         "  closest: n(1)\n"
         "\n"
         "allow policy 0 matched: allow if true\n"
         "  matched\n");
}

/*
** A host function that answers 0 to the authorization and to the
** decision explain takes again, then 1: 1 + i64::MAX overflows, which
** the explanation reports instead of failing.
*/
static int bump(void *ud, const char *name, const char *recv, const char *arg,
                char **result) {
  int *calls = ud;
  (void)recv;
  (void)arg;
  if (strcmp(name, "bump") != 0)
    return -1;
  *result = malloc(2);
  if (!*result)
    return 1;
  strcpy(*result, ++*calls <= 2 ? "0" : "1");
  return 0;
}

static void test_expression_error(void) {
  int calls = 0;
  biscuit_authorizer *a = NULL;
  CHECK(new_authorizer(&a, 0) == BISCUIT_OK);
  biscuit_authorizer_set_extern(a, bump, &calls);
  CHECK(biscuit_authorizer_add_code(
            a,
            "n(1); check if n($x), $x.extern::bump() + 9223372036854775807 "
            "< 0; allow if true;",
            NULL, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_authorize(a, NULL, NULL) == BISCUIT_DENIED);
  check_explain(
      a, "denied: allow policy 0 matched, but checks failed\n"
         "\n"
         "authorizer check 0 failed: check if n($x), $x.extern::bump() + "
         "9223372036854775807 < 0\n"
         "  $x.extern::bump() + 9223372036854775807 < 0 fails with $x = 1: "
         "Overflow\n"
         "  closest: n(1)\n"
         "\n"
         "allow policy 0 matched: allow if true\n"
         "  matched\n");
  CHECK(calls == 3);
  biscuit_authorizer_free(a);
}

/* ------------------------------------------------------------ check kinds */

static void test_alternatives(void) {
  expect(NULL,
         "user(\"alice\");\n"
         "check if user(\"bob\") or user($u), $u == \"carol\";\n"
         "allow if true;",
         BISCUIT_DENIED,
         "denied: allow policy 0 matched, but checks failed\n"
         "\n"
         "authorizer check 0 failed: check if user(\"bob\") or user($u), "
         "$u == \"carol\"\n"
         "  alternative 1:\n"
         "    no fact matches user(\"bob\")\n"
         "      user/1 has: user(\"alice\")\n"
         "  alternative 2:\n"
         "    $u == \"carol\" is false with $u = \"alice\"\n"
         "    closest: user(\"alice\")\n"
         "\n"
         "allow policy 0 matched: allow if true\n"
         "  matched\n");
}

/*
** check all fails on a binding that does not pass, or when there is no
** binding at all. The evaluator stops at the first failing binding it
** meets (newest first through an index on n's constant column); the
** explanation scans oldest first and may meet a binding whose expression
** fails rather than being false: it shows that one, without aborting.
*/
static void test_check_all(void) {
  expect(NULL,
         "n(1); n(3); k(7);\n"
         "check all n($x), $x < 2;\n"
         "check all m($x), $x < 2;\n"
         "check all n($x), k($x), $x < 2;\n"
         "check all 1 > 2;\n"
         "allow if true;",
         BISCUIT_DENIED,
         "denied: allow policy 0 matched, but checks failed\n"
         "\n"
         "authorizer check 0 failed: check all n($x), $x < 2\n"
         "  counterexample: $x = 3: $x < 2 is false\n"
         "  facts: n(3)\n"
         "\n"
         "authorizer check 1 failed: check all m($x), $x < 2\n"
         "  no fact matches m($x)\n"
         "    there is no m fact at all\n"
         "\n"
         "authorizer check 2 failed: check all n($x), k($x), $x < 2\n"
         "  no fact matches n($x) with $x = 7\n"
         "    n/1 has: n(1), n(3)\n"
         "  closest: k(7)\n"
         "\n"
         "authorizer check 3 failed: check all 1 > 2\n"
         "  counterexample: the expression 1 > 2 is false\n"
         "\n"
         "allow policy 0 matched: allow if true\n"
         "  matched\n");
  bx_buf code;
  bx_buf_init(&code, 0);
  bx_buf_puts(&code, "v(0, \"k\");\n");
  for (int i = 1; i <= 20; i++)
    bx_buf_printf(&code, "v(%d, \"k\");\n", i);
  bx_buf_puts(&code, "v(-5, \"k\");\n"
                     "check all v($x, \"k\"), 10 / $x > 0;\n"
                     "allow if true;");
  expect(NULL, code.data, BISCUIT_DENIED,
         "denied: allow policy 0 matched, but checks failed\n"
         "\n"
         "authorizer check 0 failed: check all v($x, \"k\"), 10 / $x > 0\n"
         "  counterexample: $x = 0: 10 / $x > 0 fails: DivideByZero\n"
         "  facts: v(0, \"k\")\n"
         "\n"
         "allow policy 0 matched: allow if true\n"
         "  matched\n");
  bx_buf_free(&code);
}

/* reject if failed because it matched; with `or`, every query matched. */
static void test_reject_if(void) {
  expect(NULL,
         "user(\"alice\"); role(\"alice\", \"guest\");\n"
         "reject if user($u), $u.starts_with(\"al\");\n"
         "reject if role($u, \"guest\") or user(\"alice\");\n"
         "allow if true;",
         BISCUIT_DENIED,
         "denied: allow policy 0 matched, but checks failed\n"
         "\n"
         "authorizer check 0 failed: reject if user($u), "
         "$u.starts_with(\"al\")\n"
         "  matched with $u = \"alice\"\n"
         "  facts: user(\"alice\")\n"
         "\n"
         "authorizer check 1 failed: reject if role($u, \"guest\") or "
         "user(\"alice\")\n"
         "  alternative 1:\n"
         "    matched with $u = \"alice\"\n"
         "    facts: role(\"alice\", \"guest\")\n"
         "  alternative 2:\n"
         "    matched\n"
         "    facts: user(\"alice\")\n"
         "\n"
         "allow policy 0 matched: allow if true\n"
         "  matched\n");
}

/* ------------------------------------------------------------ scopes */

/*
** A third-party block (1) signed by a fixed key and a plain block (2):
** an authorizer check trusting the key sees block 1 but not block 2; a
** check of block 2 trusts authority, itself and the authorizer only.
*/
static void test_third_party_scope(void) {
  uint8_t seed[32];
  for (int i = 0; i < 32; i++)
    seed[i] = (uint8_t)(i * 7 + 1);
  biscuit_keypair *tp = NULL;
  CHECK(biscuit_keypair_from_bytes(BISCUIT_ED25519, seed, 32, &tp, NULL) ==
        BISCUIT_OK);
  biscuit_token *t = make_token("user(\"alice\");", NULL), *t2 = NULL,
                *t3 = NULL;
  uint8_t *req = NULL, *contents = NULL;
  size_t req_len = 0, contents_len = 0;
  CHECK(biscuit_token_third_party_request(t, &req, &req_len, NULL) ==
        BISCUIT_OK);
  CHECK(biscuit_third_party_block_create(
            req, req_len, tp, "approved(\"alice\");", NULL, &contents,
            &contents_len, NULL) == BISCUIT_OK);
  CHECK(biscuit_token_append_third_party(t, contents, contents_len, &t2,
                                         NULL) == BISCUIT_OK);
  CHECK(biscuit_token_append(t2,
                             "approved(\"bob\");\n"
                             "check if approved(\"alice\");",
                             NULL, &t3, NULL) == BISCUIT_OK);
  biscuit_params *p = biscuit_params_new();
  biscuit_params_public_key(p, "key", biscuit_keypair_public(tp));
  biscuit_authorizer *a =
      decided(t3,
              "check if approved(\"bob\") trusting authority, {key};\n"
              "check if approved(\"alice\") trusting authority, {key};\n"
              "allow if true;",
              p, 0, BISCUIT_DENIED);
  char *key = biscuit_public_key_text(biscuit_keypair_public(tp));
  char want[2048];
  snprintf(want, sizeof want,
           "denied: allow policy 0 matched, but checks failed\n"
           "\n"
           "authorizer check 0 failed: check if approved(\"bob\") trusting "
           "authority, %s\n"
           "  no fact matches approved(\"bob\")\n"
           "    approved(\"bob\") exists in block 2, which this check does "
           "not trust\n"
           "    (it trusts authority, block 1 and authorizer)\n"
           "\n"
           "block 2 check 0 failed: check if approved(\"alice\")\n"
           "  no fact matches approved(\"alice\")\n"
           "    approved(\"alice\") exists in block 1, which this check does "
           "not trust\n"
           "    (it trusts authority, block 2 and authorizer)\n"
           "\n"
           "allow policy 0 matched: allow if true\n"
           "  matched\n",
           key ? key : "?");
  check_explain(a, want);
  biscuit_free(key);
  biscuit_authorizer_free(a);
  biscuit_params_free(p);
  biscuit_free(req);
  biscuit_free(contents);
  biscuit_token_free(t);
  biscuit_token_free(t2);
  biscuit_token_free(t3);
  biscuit_keypair_free(tp);
}

/* ------------------------------------------------------------ bounds */

/*
** A 25 x 25 x 25 cross product: the search accepts 10,000 rows, then
** shows the closest binding it met: the first whose sum passes (x = 13,
** y = z = 24), stopped by the second expression.
*/
static void test_search_cap(void) {
  bx_buf code;
  bx_buf_init(&code, 0);
  for (int i = 0; i < 25; i++)
    bx_buf_printf(&code, "a(%d); b(%d); c(%d);\n", i, i, i);
  bx_buf_puts(&code, "check if a($x), b($y), c($z), $x + $y + $z > 60, "
                     "$x < 0;\nallow if true;");
  expect(NULL, code.data, BISCUIT_DENIED,
         "denied: allow policy 0 matched, but checks failed\n"
         "\n"
         "authorizer check 0 failed: check if a($x), b($y), c($z), $x + $y "
         "+ $z > 60, $x < 0\n"
         "  $x < 0 is false with $x = 13\n"
         "  closest: a(13), b(24), c(24)\n"
         "  (search stopped after 10000 candidates; showing the closest so "
         "far)\n"
         "\n"
         "allow policy 0 matched: allow if true\n"
         "  matched\n");
  bx_buf_free(&code);
}

/*
** The work limit bounds the search too: a join the evaluator answers
** through an index costs the row-by-row search 200 rows per binding.
*/
static void test_work_limit(void) {
  bx_buf code;
  bx_buf_init(&code, 0);
  for (int i = 0; i < 200; i++)
    bx_buf_printf(&code, "a(%d); b(%d);\n", i, i + 1000);
  bx_buf_puts(&code, "check if a($x), b($x);\nallow if true;");
  biscuit_authorizer *a = decided(NULL, code.data, NULL, 20000, BISCUIT_DENIED);
  check_explain(a, "denied: allow policy 0 matched, but checks failed\n"
                   "\n"
                   "authorizer check 0 failed: check if a($x), b($x)\n"
                   "  no fact matches b($x) with $x = 0\n"
                   "    b/1 has: b(1000), b(1001), b(1002), ...\n"
                   "  closest: a(0)\n"
                   "  (search stopped by the run limits (WorkBudget); "
                   "showing the closest so far)\n"
                   "\n"
                   "allow policy 0 matched: allow if true\n"
                   "  matched\n");
  biscuit_authorizer_free(a);
  bx_buf_free(&code);
}

/* ------------------------------------------------------------ misuse */

static void expect_misuse(biscuit_authorizer *a, char **out) {
  biscuit_error *e = NULL;
  if (out)
    *out = (char *)"junk";
  CHECK(biscuit_authorizer_explain(a, out, &e) == BISCUIT_E_MISUSE);
  CHECK(!out || *out == NULL);
  CHECK_STR(biscuit_error_kind(e), "Misuse");
  biscuit_error_free(e);
}

static void test_misuse(void) {
  char *out = NULL;
  expect_misuse(NULL, &out);
  biscuit_authorizer *a = NULL;
  CHECK(new_authorizer(&a, 0) == BISCUIT_OK);
  expect_misuse(a, NULL);
  expect_misuse(a, &out); /* authorize has not run */
  CHECK(biscuit_authorizer_add_code(a, "check if 1 / 0 == 0; allow if true;",
                                    NULL, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_authorize(a, NULL, NULL) == BISCUIT_E_EXECUTION);
  expect_misuse(a, &out); /* it ended in an error */
  biscuit_authorizer_free(a);
  /* a restored snapshot has not decided in this world yet */
  a = decided(NULL, "user(\"alice\"); allow if user($u);", NULL, 0, BISCUIT_OK);
  uint8_t *snap = NULL;
  size_t len = 0;
  CHECK(biscuit_authorizer_to_snapshot(a, &snap, &len, NULL) == BISCUIT_OK);
  biscuit_authorizer_free(a);
  a = NULL;
  CHECK(biscuit_authorizer_from_snapshot(snap, len, &a, NULL) == BISCUIT_OK);
  expect_misuse(a, &out);
  CHECK(biscuit_authorizer_authorize(a, NULL, NULL) == BISCUIT_OK);
  check_explain(a, "allowed by allow policy 0: allow if user($u)\n"
                   "\n"
                   "allow policy 0 matched: allow if user($u)\n"
                   "  matched with $u = \"alice\"\n"
                   "  facts: user(\"alice\")\n");
  biscuit_authorizer_free(a);
  biscuit_free(snap);
}

/* ------------------------------------------------------------ the world */

static char sweep_code[4096];

/*
** The authorizer of the last two tests: every kind of paragraph, and a
** check wide enough that its scratch memory needs a chunk of its own.
*/
static void make_sweep_code(void) {
  int n = snprintf(
      sweep_code, sizeof sweep_code, "%s",
      "user(\"alice\"); resource(\"file1\"); owner(\"bob\", \"file1\");\n"
      "n(1); n(3);\n"
      "can($u, $r) <- owner($u, $r);\n"
      "check if user($u), resource($r), owner($u, $r);\n"
      "check if owner($u, \"file9\") or n($x), $x > 5;\n"
      "check all n($x), $x < 2;\n"
      "reject if user($u);\n"
      "allow if admin($u);\n"
      "allow if user($u), $u == \"bob\";\n");
  const char *sep = "wide(";
  for (int i = 0; i < 100; i++, sep = ", ")
    n +=
        snprintf(sweep_code + n, sizeof sweep_code - (size_t)n, "%s%d", sep, i);
  sep = ");\ncheck if wide(";
  for (int i = 0; i < 100; i++, sep = ", ")
    n += snprintf(sweep_code + n, sizeof sweep_code - (size_t)n, "%s$v%d", sep,
                  i);
  snprintf(sweep_code + n, sizeof sweep_code - (size_t)n, "), $v0 > 5;\n");
}

/* Explaining adds no fact, runs no rule and gives the same text again. */
static void test_world_unchanged(void) {
  biscuit_authorizer *a = decided(NULL, sweep_code, NULL, 0, BISCUIT_DENIED);
  char *before = NULL, *after = NULL, *x1 = NULL, *x2 = NULL;
  CHECK(biscuit_authorizer_world_text(a, &before, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_explain(a, &x1, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_explain(a, &x2, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_world_text(a, &after, NULL) == BISCUIT_OK);
  CHECK_STR(after, before);
  CHECK_STR(x2, x1);
  CHECK(biscuit_authorizer_authorize(a, NULL, NULL) == BISCUIT_DENIED);
  biscuit_free(before);
  biscuit_free(after);
  biscuit_free(x1);
  biscuit_free(x2);
  biscuit_authorizer_free(a);
}


/*
** Fail the explanation's allocations one by one: each run returns
** BISCUIT_E_NOMEM and frees all it took, until one runs untouched and
** gives the same text as before the sweep.
*/
static void test_alloc_sweep(void) {
  biscuit_authorizer *a = decided(NULL, sweep_code, NULL, 0, BISCUIT_DENIED);
  char *want = NULL;
  CHECK(biscuit_authorizer_explain(a, &want, NULL) == BISCUIT_OK);
  CHECK(want && strstr(want, "  $v0 > 5 is false with $v0 = 0\n"));
  if (want && getenv("EXPLAIN_PRINT"))
    printf("%s----\n", want);
  size_t live = bx_alloc_live();
  long runs = 0;
  for (fail_at = 1;; fail_at++) {
    char *out = NULL;
    biscuit_error *e = NULL;
    n_allocs = 0;
    bx_set_alloc(failing_alloc, NULL);
    biscuit_status st = biscuit_authorizer_explain(a, &out, &e);
    bx_set_alloc(NULL, NULL);
    runs++;
    if (n_allocs < fail_at) {
      CHECK(st == BISCUIT_OK);
      CHECK_STR(out, want);
      biscuit_free(out);
      break;
    }
    if (st != BISCUIT_E_NOMEM)
      fprintf(stderr, "failing allocation %ld gave status %d\n", fail_at,
              (int)st);
    CHECK(st == BISCUIT_E_NOMEM);
    CHECK(out == NULL);
    biscuit_error_free(e);
    CHECK(bx_alloc_live() == live);
  }
  printf("alloc sweep: %ld runs\n", runs);
  CHECK(runs > 10);
  biscuit_free(want);
  biscuit_authorizer_free(a);
}

int main(void) {
  CHECK(biscuit_keypair_new(BISCUIT_ED25519, &root, NULL) == BISCUIT_OK);
  test_allowed();
  test_deny_matched();
  test_deny_fall_through();
  test_no_policy();
  test_missing_fact();
  test_closest();
  test_false_expression();
  test_expression_error();
  test_alternatives();
  test_check_all();
  test_reject_if();
  test_third_party_scope();
  test_search_cap();
  test_work_limit();
  test_misuse();
  make_sweep_code();
  test_world_unchanged();
  test_alloc_sweep();
  biscuit_keypair_free(root);
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
