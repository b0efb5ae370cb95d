/*
** The public API end to end, as a host uses it (<biscuit/biscuit.h>):
** keys, create / append / seal / third-party round trips, decoding
** errors, authorization verdicts with their error details and JSON,
** parse errors with line, column and report, queries, run limits, the
** extern bridge, misuse, and that every _free takes NULL. At the end
** nothing the library allocated may still be live.
*/
#include <biscuit/biscuit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/bx.h"

static char *xdup(const char *s) {
  char *d = malloc(strlen(s) + 1);
  if (d)
    strcpy(d, s);
  return d;
}

/* An authorizer with 1 s of time: timing is not under test here, and
   sanitizer or valgrind runs are slow. */
static biscuit_status new_authorizer(const biscuit_policy *p,
                                     biscuit_authorizer **a,
                                     biscuit_error **e) {
  biscuit_status st = biscuit_authorizer_new(p, a, e);
  biscuit_limits l = {0, 0, 1000000, 0, 0, 0, 0, 0, 0, 0};
  if (st == BISCUIT_OK)
    biscuit_authorizer_set_limits(*a, &l);
  return st;
}

/* A token: authority `auth`, then each of `more` (NULL-terminated). */
static biscuit_token *make_token(const biscuit_keypair *root, const char *auth,
                                 const char *const *more) {
  biscuit_token *t = NULL;
  biscuit_error *e = NULL;
  if (biscuit_token_create(root, auth, NULL, &t, &e) != BISCUIT_OK) {
    fprintf(stderr, "create: %s\n", biscuit_error_report(e));
    biscuit_error_free(e);
    return NULL;
  }
  for (size_t i = 0; more && more[i]; i++) {
    biscuit_token *n = NULL;
    biscuit_status st = biscuit_token_append(t, more[i], NULL, &n, &e);
    biscuit_token_free(t);
    t = n;
    if (st != BISCUIT_OK) {
      fprintf(stderr, "append: %s\n", biscuit_error_report(e));
      biscuit_error_free(e);
      return NULL;
    }
  }
  return t;
}

/* Authorize `t` (may be NULL) with `code`; *e gets the error. */
static biscuit_status authorize(const biscuit_token *t, const char *code,
                                size_t *index, biscuit_error **e) {
  biscuit_authorizer *a = NULL;
  biscuit_status st = new_authorizer(NULL, &a, e);
  if (st == BISCUIT_OK && t)
    st = biscuit_authorizer_add_token(a, t, e);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_code(a, code, NULL, e);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_authorize(a, index, e);
  biscuit_authorizer_free(a);
  return st;
}

static void check_json(const biscuit_error *e, const char *want) {
  char *j = biscuit_error_json(e);
  CHECK_STR(j, want);
  biscuit_free(j);
}

/* ------------------------------------------------------------------ keys */

static void test_keys(void) {
  for (int alg = 0; alg < 2; alg++) {
    biscuit_keypair *kp = NULL, *kp2 = NULL;
    CHECK(biscuit_keypair_new((biscuit_algorithm)alg, &kp, NULL) == BISCUIT_OK);
    char *priv = biscuit_keypair_private_text(kp);
    CHECK(priv && strstr(priv, alg ? "secp256r1-private/"
                                   : "ed25519-private/") == priv);
    CHECK(biscuit_keypair_from_text(BISCUIT_ED25519, priv, &kp2, NULL) ==
          BISCUIT_OK);
    char *p1 = biscuit_public_key_text(biscuit_keypair_public(kp));
    char *p2 = biscuit_public_key_text(biscuit_keypair_public(kp2));
    CHECK_STR(p1, p2);
    biscuit_public_key *pk = NULL;
    CHECK(biscuit_public_key_from_text(BISCUIT_ED25519, p1, &pk, NULL) ==
          BISCUIT_OK);
    CHECK(biscuit_public_key_algorithm(pk) == (biscuit_algorithm)alg);
    uint8_t raw[33];
    CHECK(biscuit_public_key_bytes(pk, raw) == (alg ? 33u : 32u));
    biscuit_free(priv);
    biscuit_free(p1);
    biscuit_free(p2);
    biscuit_public_key_free(pk);
    biscuit_keypair_free(kp);
    biscuit_keypair_free(kp2);
  }
  biscuit_keypair *kp = (biscuit_keypair *)1;
  biscuit_error *e = NULL;
  uint8_t short_key[5] = {1, 2, 3, 4, 5};
  CHECK(biscuit_keypair_from_bytes(BISCUIT_ED25519, short_key, 5, &kp, &e) ==
        BISCUIT_E_FORMAT);
  CHECK(kp == NULL);
  CHECK_STR(biscuit_error_kind(e), "Format/InvalidKeySize");
  biscuit_error_free(e);
  CHECK(biscuit_keypair_new(BISCUIT_ED25519, NULL, &e) == BISCUIT_E_MISUSE);
  CHECK_STR(biscuit_error_kind(e), "Misuse");
  check_json(e, "\"Misuse\"");
  biscuit_error_free(e);
  CHECK(biscuit_keypair_new((biscuit_algorithm)7, &kp, NULL) ==
        BISCUIT_E_MISUSE);
}

/* ---------------------------------------------------------------- tokens */

static void test_round_trip(const biscuit_keypair *root) {
  biscuit_params *p = biscuit_params_new();
  CHECK(biscuit_params_string(p, "file", "file1") == BISCUIT_OK);
  biscuit_block_options opt = {p, "ctx", 1, 42, NULL};
  biscuit_token *t = NULL, *t2 = NULL, *t3 = NULL, *sealed = NULL;
  CHECK(biscuit_token_create(root, "right({file}, \"read\");", &opt, &t,
                             NULL) == BISCUIT_OK);
  biscuit_params_free(p);
  CHECK(biscuit_token_append(t, "check if operation(\"read\");", NULL, &t2,
                             NULL) == BISCUIT_OK);
  char *b64 = NULL;
  CHECK(biscuit_token_to_base64(t2, &b64, NULL) == BISCUIT_OK);
  CHECK(biscuit_token_from_base64(b64, strlen(b64),
                                  biscuit_keypair_public(root), NULL, &t3,
                                  NULL) == BISCUIT_OK);
  CHECK(biscuit_token_block_count(t3) == 2);
  CHECK(biscuit_token_is_verified(t3));
  uint32_t id = 0;
  CHECK(biscuit_token_root_key_id(t3, &id) == 1 && id == 42);
  CHECK_STR(biscuit_token_block_context(t3, 0), "ctx");
  char *src = biscuit_token_block_source(t3, 0);
  CHECK_STR(src, "right(\"file1\", \"read\");\n");
  biscuit_free(src);
  CHECK(biscuit_token_block_version(t3, 1) == 3);
  CHECK(biscuit_token_block_version(t3, 9) == 0);
  CHECK(biscuit_token_block_source(t3, 9) == NULL);
  char *rev = biscuit_token_revocation_id(t3, 1);
  CHECK(rev && strlen(rev) == 128);
  biscuit_free(rev);
  CHECK(biscuit_token_seal(t3, &sealed, NULL) == BISCUIT_OK);
  CHECK(biscuit_token_is_sealed(sealed) && !biscuit_token_is_sealed(t3));
  biscuit_token *bad = (biscuit_token *)1;
  biscuit_error *e = NULL;
  CHECK(biscuit_token_append(sealed, "a(1);", NULL, &bad, &e) != BISCUIT_OK);
  CHECK(bad == NULL && e != NULL);
  biscuit_error_free(e);
  size_t index = 9;
  CHECK(authorize(sealed,
                  "operation(\"read\"); allow if right(\"file1\", "
                  "\"read\");",
                  &index, NULL) == BISCUIT_OK);
  CHECK(index == 0);
  biscuit_free(b64);
  biscuit_token_free(t);
  biscuit_token_free(t2);
  biscuit_token_free(t3);
  biscuit_token_free(sealed);
}

static void test_wrong_root(const biscuit_keypair *root) {
  biscuit_keypair *other = NULL;
  biscuit_keypair_new(BISCUIT_ED25519, &other, NULL);
  biscuit_token *t = make_token(root, "a(1);", NULL), *t2 = NULL;
  uint8_t *bytes = NULL;
  size_t len = 0;
  CHECK(biscuit_token_to_bytes(t, &bytes, &len, NULL) == BISCUIT_OK);
  biscuit_error *e = NULL;
  CHECK(biscuit_token_from_bytes(bytes, len, biscuit_keypair_public(other),
                                 NULL, &t2, &e) == BISCUIT_E_SIGNATURE);
  CHECK(t2 == NULL);
  CHECK_STR(biscuit_error_kind(e), "Format/Signature/InvalidSignature");
  biscuit_error_free(e);
  /* unverified tokens can be read but not authorized */
  CHECK(biscuit_token_from_bytes_unverified(bytes, len, NULL, &t2, NULL) ==
        BISCUIT_OK);
  CHECK(!biscuit_token_is_verified(t2));
  CHECK(authorize(t2, "allow if true;", NULL, &e) == BISCUIT_E_MISUSE);
  biscuit_error_free(e);
  biscuit_token_free(t2);
  CHECK(biscuit_token_from_bytes((const uint8_t *)"xx", 2,
                                 biscuit_keypair_public(root), NULL, &t2,
                                 &e) == BISCUIT_E_FORMAT);
  CHECK(strncmp(biscuit_error_kind(e), "Format/", 7) == 0);
  biscuit_error_free(e);
  biscuit_free(bytes);
  biscuit_token_free(t);
  biscuit_keypair_free(other);
}

static void test_third_party(const biscuit_keypair *root) {
  biscuit_keypair *tp = NULL;
  biscuit_keypair_new(BISCUIT_SECP256R1, &tp, NULL);
  biscuit_token *t = make_token(root, "right(\"read\");", NULL), *t2 = NULL;
  uint8_t *req = NULL, *contents = NULL;
  size_t req_len = 0, contents_len = 0;
  CHECK(biscuit_token_third_party_request(t, &req, &req_len, NULL) ==
        BISCUIT_OK);
  CHECK(biscuit_third_party_block_create(req, req_len, tp, "group(\"admin\");",
                                         NULL, &contents, &contents_len,
                                         NULL) == BISCUIT_OK);
  CHECK(biscuit_token_append_third_party(t, contents, contents_len, &t2,
                                         NULL) == BISCUIT_OK);
  char *ext = biscuit_token_block_external_key(t2, 1);
  char *want = biscuit_public_key_text(biscuit_keypair_public(tp));
  CHECK_STR(ext, want);
  CHECK(biscuit_token_block_external_key(t2, 0) == NULL);
  /* trusting {key}: the group fact is visible only through its signer */
  biscuit_params *p = biscuit_params_new();
  biscuit_params_public_key(p, "key", biscuit_keypair_public(tp));
  biscuit_authorizer *a = NULL;
  new_authorizer(NULL, &a, NULL);
  CHECK(biscuit_authorizer_add_token(a, t2, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_add_code(a,
                                    "allow if group(\"admin\") trusting "
                                    "{key};",
                                    p, NULL) == BISCUIT_OK);
  size_t index = 9;
  CHECK(biscuit_authorizer_authorize(a, &index, NULL) == BISCUIT_OK);
  biscuit_authorizer_free(a);
  biscuit_error *e = NULL;
  CHECK(authorize(t2, "allow if group(\"admin\");", NULL, &e) ==
        BISCUIT_DENIED);
  CHECK_STR(biscuit_error_kind(e), "FailedLogic/NoMatchingPolicy");
  biscuit_error_free(e);
  biscuit_params_free(p);
  biscuit_free(ext);
  biscuit_free(want);
  biscuit_free(req);
  biscuit_free(contents);
  biscuit_token_free(t);
  biscuit_token_free(t2);
  biscuit_keypair_free(tp);
}

/* ---------------------------------------------------------------- denials */

static void test_denials(const biscuit_keypair *root) {
  const char *more[] = {"check if resource($r), right($r, \"read\");", NULL};
  biscuit_token *t = make_token(root, "right(\"file1\", \"read\");", more);
  biscuit_error *e = NULL;
  size_t index = 9;
  CHECK(authorize(t, "resource(\"file2\"); allow if true;", &index, &e) ==
        BISCUIT_DENIED);
  CHECK(index == 0);
  CHECK(biscuit_error_status(e) == BISCUIT_DENIED);
  CHECK_STR(biscuit_error_kind(e), "FailedLogic/Unauthorized");
  CHECK(biscuit_error_failed_check_count(e) == 1);
  uint32_t block = 9, check = 9;
  const char *rule = NULL;
  CHECK(biscuit_error_failed_check(e, 0, &block, &check, &rule) == BISCUIT_OK);
  CHECK(block == 1 && check == 0);
  CHECK_STR(rule, "check if resource($r), right($r, \"read\")");
  CHECK(biscuit_error_failed_check(e, 1, &block, &check, &rule) ==
        BISCUIT_E_MISUSE);
  int kind = 0;
  size_t pol = 9;
  biscuit_error_policy(e, &kind, &pol);
  CHECK(kind == 'a' && pol == 0);
  check_json(e, "{\"FailedLogic\":{\"Unauthorized\":{\"policy\":{\"Allow\":"
                "0},\"checks\":[{\"Block\":{\"block_id\":1,\"check_id\":0,"
                "\"rule\":\"check if resource($r), right($r, \\\"read\\\")"
                "\"}}]}}}");
  biscuit_error_free(e);

  CHECK(authorize(t, "resource(\"file1\"); check if false; deny if true;", NULL,
                  &e) == BISCUIT_DENIED);
  biscuit_error_policy(e, &kind, &pol);
  CHECK(kind == 'd' && pol == 0);
  CHECK(biscuit_error_failed_check(e, 0, &block, &check, &rule) == BISCUIT_OK);
  CHECK(block == BISCUIT_AUTHORIZER_BLOCK && check == 0);
  check_json(e, "{\"FailedLogic\":{\"Unauthorized\":{\"policy\":{\"Deny\":"
                "0},\"checks\":[{\"Authorizer\":{\"check_id\":0,\"rule\":"
                "\"check if false\"}}]}}}");
  biscuit_error_free(e);

  CHECK(authorize(t, "resource(\"file1\");", NULL, &e) == BISCUIT_DENIED);
  CHECK_STR(biscuit_error_kind(e), "FailedLogic/NoMatchingPolicy");
  biscuit_error_policy(e, &kind, &pol);
  CHECK(kind == 0);
  check_json(e, "{\"FailedLogic\":{\"NoMatchingPolicy\":{\"checks\":[]}}}");
  biscuit_error_free(e);

  CHECK(authorize(NULL, "check if 1 + \"a\" == 2; allow if true;", NULL, &e) ==
        BISCUIT_E_EXECUTION);
  CHECK_STR(biscuit_error_kind(e), "Execution/InvalidType");
  check_json(e, "{\"Execution\":\"InvalidType\"}");
  biscuit_error_free(e);
  biscuit_token_free(t);
}

/* ---------------------------------------------------------- parse errors */

static void test_parse_errors(void) {
  biscuit_policy *p = (biscuit_policy *)1;
  biscuit_error *e = NULL;
  CHECK(biscuit_policy_from_text("allow if true;\ncheck if right($0, );",
                                 "pol.dl", NULL, &p, &e) == BISCUIT_E_PARSE);
  CHECK(p == NULL);
  CHECK_STR(biscuit_error_kind(e), "Language/ParseError");
  CHECK(biscuit_error_line(e) == 2);
  CHECK(biscuit_error_column(e) == 20);
  const char *r = biscuit_error_report(e);
  CHECK(strstr(r, "pol.dl:2:20:") == r);
  CHECK(strstr(r, "check if right($0, );") != NULL);
  CHECK(strchr(r, '^') != NULL);
  biscuit_error_free(e);

  CHECK(biscuit_policy_from_text("allow if", NULL, NULL, &p, &e) != BISCUIT_OK);
  CHECK(p == NULL && biscuit_error_line(e) == 1);
  biscuit_error_free(e);
  /* complete text may omit the last ';', as the reference allows */
  CHECK(biscuit_policy_from_text("a(1);\nallow if a(1)", NULL, NULL, &p,
                                 NULL) == BISCUIT_OK);
  biscuit_policy_free(p);

  biscuit_authorizer *a = NULL;
  new_authorizer(NULL, &a, NULL);
  CHECK(biscuit_authorizer_add_code(a, "x(", NULL, &e) != BISCUIT_OK);
  CHECK(biscuit_error_line(e) == 1 && biscuit_error_column(e) > 0);
  biscuit_error_free(e);
  CHECK(biscuit_authorizer_add_code(a, "f({missing});", NULL, &e) ==
        BISCUIT_E_PARSE);
  biscuit_error_free(e);
  biscuit_authorizer_free(a);
}

/* ------------------------------------------- policies, queries, sources */

static void test_policy_and_queries(const biscuit_keypair *root) {
  biscuit_token *t = make_token(root,
                                "right(\"b\", \"read\"); right(\"a\", "
                                "\"read\"); right(\"c\", \"write\"); "
                                "r($x) <- right($x, \"write\");",
                                NULL);
  biscuit_policy *p = NULL;
  CHECK(biscuit_policy_from_text("user(\"u\");\nallow if user($u);", NULL, NULL,
                                 &p, NULL) == BISCUIT_OK);
  char *src = biscuit_policy_source(p);
  CHECK_STR(src, "user(\"u\");\n\nallow if user($u);\n");
  biscuit_free(src);
  biscuit_authorizer *a = NULL;
  CHECK(new_authorizer(p, &a, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_add_token(a, t, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_add_code(a, "resource(\"a\"); deny if false;", NULL,
                                    NULL) == BISCUIT_OK);
  src = biscuit_authorizer_source(a);
  CHECK_STR(src, "user(\"u\");\nresource(\"a\");\n\nallow if user($u);\n"
                 "deny if false;\n");
  biscuit_free(src);
  size_t index = 9;
  CHECK(biscuit_authorizer_authorize(a, &index, NULL) == BISCUIT_OK);
  CHECK(index == 0);
  uint64_t it = 0, us = 0;
  biscuit_authorizer_stats(a, &it, &us);
  CHECK(it >= 1);
  char *out = NULL;
  CHECK(biscuit_authorizer_query(a, "data($x) <- right($x, \"read\")", NULL, 0,
                                 &out, NULL) == BISCUIT_OK);
  CHECK_STR(out, "data(\"a\")\ndata(\"b\")\n");
  biscuit_free(out);
  CHECK(biscuit_authorizer_query(a, "none($x) <- nothing($x)", NULL, 1, &out,
                                 NULL) == BISCUIT_OK);
  CHECK_STR(out, "");
  biscuit_free(out);
  biscuit_error *e = NULL;
  CHECK(biscuit_authorizer_query(a, "bad(", NULL, 0, &out, &e) != BISCUIT_OK);
  CHECK(out == NULL && biscuit_error_line(e) == 1);
  biscuit_error_free(e);
  /* the request is closed once it has run */
  CHECK(biscuit_authorizer_add_code(a, "x(1);", NULL, &e) == BISCUIT_E_MISUSE);
  biscuit_error_free(e);
  CHECK(biscuit_authorizer_add_token(a, t, &e) == BISCUIT_E_MISUSE);
  biscuit_error_free(e);
  char *world = NULL;
  CHECK(biscuit_authorizer_world_json(a, &world, NULL) == BISCUIT_OK);
  CHECK(world && strstr(world, "\"policies\":[\"allow if user($u)\","
                               "\"deny if false\"]") != NULL);
  biscuit_free(world);
  biscuit_authorizer_free(a);
  biscuit_policy_free(p);
  biscuit_token_free(t);
}

static void test_time_and_twice(const biscuit_keypair *root) {
  biscuit_token *t = make_token(root, "a(1);", NULL);
  biscuit_authorizer *a = NULL;
  new_authorizer(NULL, &a, NULL);
  CHECK(biscuit_authorizer_add_time(a, 1700000000, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_add_code(a,
                                    "allow if time($t), $t < "
                                    "2030-01-01T00:00:00Z;",
                                    NULL, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_add_token(a, t, NULL) == BISCUIT_OK);
  biscuit_error *e = NULL;
  CHECK(biscuit_authorizer_add_token(a, t, &e) == BISCUIT_E_MISUSE);
  biscuit_error_free(e);
  size_t index = 9;
  CHECK(biscuit_authorizer_authorize(a, &index, NULL) == BISCUIT_OK);
  CHECK(biscuit_authorizer_authorize(a, &index, NULL) == BISCUIT_OK);
  char *src = biscuit_authorizer_source(a);
  CHECK(src && strstr(src, "time(2023-11-14T22:13:20Z);") == src);
  biscuit_free(src);
  biscuit_authorizer_free(a);
  biscuit_token_free(t);
}

/* ---------------------------------------------------------------- limits */

static biscuit_status limited(const char *code, biscuit_limits l,
                              biscuit_error **e) {
  biscuit_authorizer *a = NULL;
  new_authorizer(NULL, &a, NULL);
  biscuit_authorizer_set_limits(a, &l);
  biscuit_status st = biscuit_authorizer_add_code(a, code, NULL, e);
  size_t index;
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_authorize(a, &index, e);
  biscuit_authorizer_free(a);
  return st;
}

static void test_limits(void) {
  biscuit_limits d = biscuit_limits_default();
  CHECK(d.max_facts == 1000 && d.max_iterations == 100 &&
        d.max_time_us == 1000 && d.max_work == 1000000);
  CHECK(d.max_memory == 32u << 20 && d.max_body_predicates == 32 &&
        d.max_stack == 256 && d.max_closure_depth == 16 &&
        d.max_elements == 1024 && d.max_string == 65536);
  const char *explode = "n(0); n(1); n(2); n(3); n(4); n(5); n(6); n(7); "
                        "n(8); n(9); p($a, $b, $c) <- n($a), n($b), n($c); "
                        "allow if true;";
  biscuit_limits l = {0, 0, 1000000, 0, 0, 0, 0, 0, 0, 0};
  biscuit_error *e = NULL;
  CHECK(limited(explode, l, &e) == BISCUIT_E_LIMIT);
  CHECK_STR(biscuit_error_kind(e), "RunLimit/TooManyFacts");
  check_json(e, "{\"RunLimit\":\"TooManyFacts\"}");
  biscuit_error_free(e);
  l.max_facts = 5000;
  CHECK(limited(explode, l, NULL) == BISCUIT_OK);
  l.max_work = 100;
  CHECK(limited(explode, l, &e) == BISCUIT_E_LIMIT);
  check_json(e, "{\"RunLimit\":\"WorkBudget\"}");
  biscuit_error_free(e);
  const char *chain = "e(1, 2); e(2, 3); e(3, 4); e(4, 5); e(5, 6); r(1); "
                      "r($y) <- r($x), e($x, $y); allow if true;";
  biscuit_limits it = {0, 3, 1000000, 0, 0, 0, 0, 0, 0, 0};
  CHECK(limited(chain, it, &e) == BISCUIT_E_LIMIT);
  check_json(e, "{\"RunLimit\":\"TooManyIterations\"}");
  biscuit_error_free(e);
}

/* Decoding: protobuf nesting is held to max_depth (default 64). */
static void test_decode_depth(const biscuit_keypair *root) {
  biscuit_token *t = make_token(root, "a(1); b($x) <- a($x);", NULL), *u = NULL;
  uint8_t *bytes = NULL;
  size_t len = 0;
  biscuit_error *e = NULL;
  CHECK(t != NULL);
  CHECK(biscuit_token_to_bytes(t, &bytes, &len, NULL) == BISCUIT_OK);
  biscuit_decode_options shallow = {0, 0, 0, 2};
  CHECK(biscuit_token_from_bytes(bytes, len, biscuit_keypair_public(root),
                                 &shallow, &u, &e) == BISCUIT_E_LIMIT);
  CHECK_STR(biscuit_error_kind(e), "Limit/NestingDepth");
  biscuit_error_free(e);
  biscuit_decode_options dflt = {0, 0, 0, 0};
  CHECK(biscuit_token_from_bytes(bytes, len, biscuit_keypair_public(root),
                                 &dflt, &u, NULL) == BISCUIT_OK);
  biscuit_token_free(u);
  biscuit_free(bytes);
  biscuit_token_free(t);
}

/* ---------------------------------------------------------------- externs */

static int host(void *ud, const char *name, const char *recv, const char *arg,
                char **result) {
  (*(int *)ud)++;
  if (!strcmp(name, "twice") && !arg) {
    char buf[64];
    snprintf(buf, sizeof buf, "%lld", 2 * atoll(recv));
    *result = xdup(buf);
    return 0;
  }
  if (!strcmp(name, "pair") && arg) {
    char buf[256];
    snprintf(buf, sizeof buf, "[%s, %s]", recv, arg);
    *result = xdup(buf);
    return 0;
  }
  if (!strcmp(name, "fail")) {
    *result = xdup("boom");
    return 1;
  }
  if (!strcmp(name, "junk")) {
    *result = xdup("1, 2");
    return 0;
  }
  return -1;
}

static biscuit_status with_host(const char *code, int *calls,
                                biscuit_error **e) {
  biscuit_authorizer *a = NULL;
  new_authorizer(NULL, &a, NULL);
  biscuit_authorizer_set_extern(a, host, calls);
  biscuit_status st = biscuit_authorizer_add_code(a, code, NULL, e);
  size_t index;
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_authorize(a, &index, e);
  biscuit_authorizer_free(a);
  return st;
}

static void test_externs(void) {
  int calls = 0;
  biscuit_error *e = NULL;
  CHECK(with_host("check if 21.extern::twice() == 42; check if "
                  "\"a\".extern::pair(true) == [\"a\", true]; allow if "
                  "true;",
                  &calls, NULL) == BISCUIT_OK);
  CHECK(calls == 2);
  CHECK(with_host("check if 1.extern::nope() == 1; allow if true;", &calls,
                  &e) == BISCUIT_E_EXECUTION);
  CHECK_STR(biscuit_error_kind(e), "Execution/UndefinedExtern");
  check_json(e, "{\"Execution\":{\"UndefinedExtern\":\"nope\"}}");
  biscuit_error_free(e);
  CHECK(with_host("check if 1.extern::fail(2) == 1; allow if true;", &calls,
                  &e) == BISCUIT_E_EXECUTION);
  check_json(e, "{\"Execution\":{\"ExternEvalError\":[\"fail\",\"boom\"]}}");
  biscuit_error_free(e);
  CHECK(with_host("check if 1.extern::junk() == 1; allow if true;", &calls,
                  &e) == BISCUIT_E_EXECUTION);
  CHECK_STR(biscuit_error_kind(e), "Execution/ExternEvalError");
  biscuit_error_free(e);
  CHECK(authorize(NULL, "check if 1.extern::twice() == 2; allow if true;", NULL,
                  &e) == BISCUIT_E_EXECUTION);
  CHECK_STR(biscuit_error_kind(e), "Execution/UndefinedExtern");
  biscuit_error_free(e);
}

/* ------------------------------------------------------------- misuse */

static void test_misuse(void) {
  biscuit_error *e = NULL;
  biscuit_authorizer *a = NULL;
  CHECK(biscuit_authorizer_add_code(NULL, "a(1);", NULL, &e) ==
        BISCUIT_E_MISUSE);
  biscuit_error_free(e);
  CHECK(biscuit_authorizer_authorize(NULL, NULL, NULL) == BISCUIT_E_MISUSE);
  CHECK(biscuit_token_create(NULL, "a(1);", NULL, NULL, NULL) ==
        BISCUIT_E_MISUSE);
  CHECK(biscuit_params_string(NULL, "a", "b") == BISCUIT_E_MISUSE);
  uint8_t *out = (uint8_t *)1;
  size_t len = 9;
  CHECK(biscuit_authorizer_to_snapshot(NULL, &out, &len, &e) ==
        BISCUIT_E_MISUSE);
  CHECK(out == NULL && len == 0);
  biscuit_error_free(e);
  e = NULL;
  /* A builder snapshot (no token, not run) restores to an open authorizer
     that still accepts code. */
  new_authorizer(NULL, &a, NULL);
  CHECK(biscuit_authorizer_add_code(a, "a(1); allow if a(1);", NULL, &e) ==
        BISCUIT_OK);
  CHECK(biscuit_authorizer_to_snapshot(a, &out, &len, &e) == BISCUIT_OK);
  CHECK(out != NULL && len > 0);
  biscuit_authorizer *r = NULL;
  CHECK(biscuit_authorizer_from_snapshot(out, len, &r, &e) == BISCUIT_OK);
  size_t idx = 9;
  CHECK(r && biscuit_authorizer_authorize(r, &idx, &e) == BISCUIT_OK);
  CHECK(idx == 0);
  biscuit_authorizer_free(r);
  biscuit_error_free(e);
  e = NULL;
  CHECK(biscuit_authorizer_from_snapshot(out, len / 2, &r, &e) != BISCUIT_OK);
  CHECK(r == NULL);
  biscuit_error_free(e);
  biscuit_free(out);
  biscuit_authorizer_free(r);
  biscuit_authorizer_free(a);
  CHECK(biscuit_version_number() == BISCUIT_VERSION_NUMBER);
  CHECK_STR(biscuit_status_str(BISCUIT_DENIED), "denied");
  CHECK_STR(biscuit_status_str((biscuit_status)99), "unknown status");
  char *b64 = biscuit_base64_encode((const uint8_t *)"\xfb\xff", 2);
  CHECK_STR(b64, "-_8=");
  uint8_t *raw = NULL;
  CHECK(biscuit_base64_decode(b64, strlen(b64), &raw, &len) == BISCUIT_OK);
  CHECK(len == 2 && raw[0] == 0xfb && raw[1] == 0xff);
  biscuit_free(raw);
  CHECK(biscuit_base64_decode("+/", 2, &raw, &len) != BISCUIT_OK);
  CHECK(raw == NULL && len == 0);
  biscuit_free(b64);
}

static void test_null_frees(void) {
  biscuit_free(NULL);
  biscuit_error_free(NULL);
  biscuit_keypair_free(NULL);
  biscuit_public_key_free(NULL);
  biscuit_params_free(NULL);
  biscuit_token_free(NULL);
  biscuit_policy_free(NULL);
  biscuit_authorizer_free(NULL);
  CHECK(biscuit_error_kind(NULL) != NULL);
  CHECK(biscuit_error_json(NULL) == NULL);
  CHECK(biscuit_token_block_count(NULL) == 0);
  CHECK(biscuit_authorizer_source(NULL) == NULL);
}

int main(void) {
  biscuit_keypair *root = NULL;
  if (biscuit_keypair_new(BISCUIT_ED25519, &root, NULL) != BISCUIT_OK)
    return 1;
  test_keys();
  test_round_trip(root);
  test_wrong_root(root);
  test_third_party(root);
  test_denials(root);
  test_parse_errors();
  test_policy_and_queries(root);
  test_time_and_twice(root);
  test_limits();
  test_decode_depth(root);
  test_externs();
  test_misuse();
  test_null_frees();
  biscuit_keypair_free(root);
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
