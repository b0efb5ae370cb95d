/*
** Error objects from the inside: internal diagnostics (status + tag +
** message) turned into kind paths and the reference's JSON shapes for
** every family of tags the layers produce; and a token whose block rule
** is invalid (sample test018) leaving the authorizer broken for good.
*/
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "test.h"
#include "test_util.h"

/* The kind and JSON of an error made from (st, tag, msg). */
static void expect(biscuit_status st, const char *tag, const char *msg,
                   const char *kind, const char *json) {
  bx_diag d;
  bx_fail(&d, st, tag, "%s", msg);
  biscuit_error *e = NULL;
  CHECK(api_from_diag(&e, st, &d) == st);
  CHECK(biscuit_error_status(e) == st);
  CHECK_STR(biscuit_error_kind(e), kind);
  CHECK_STR(biscuit_error_message(e), msg);
  char *j = biscuit_error_json(e);
  CHECK_STR(j, json);
  biscuit_free(j);
  biscuit_error_free(e);
}

static void test_kinds(void) {
  expect(BISCUIT_E_EXECUTION, "Overflow", "overflow", "Execution/Overflow",
         "{\"Execution\":\"Overflow\"}");
  expect(BISCUIT_E_LIMIT, "Timeout", "timeout", "RunLimit/Timeout",
         "{\"RunLimit\":\"Timeout\"}");
  expect(BISCUIT_E_SIGNATURE, "Format/Signature/InvalidSignature",
         "signature error: x", "Format/Signature/InvalidSignature",
         "{\"Format\":{\"Signature\":{\"InvalidSignature\":"
         "\"signature error: x\"}}}");
  expect(BISCUIT_E_FORMAT, "Format/BlockSignatureDeserializationError",
         "block signature deserialization error: [1, 2]",
         "Format/BlockSignatureDeserializationError",
         "{\"Format\":{\"BlockSignatureDeserializationError\":"
         "\"block signature deserialization error: [1, 2]\"}}");
  expect(BISCUIT_E_FORMAT, "Format/Version",
         "block format version 9 is not supported (minimum 3, maximum 6)",
         "Format/Version",
         "{\"Format\":{\"Version\":{\"maximum\":6,\"minimum\":3,"
         "\"actual\":9}}}");
  expect(BISCUIT_E_FORMAT, "Format/InvalidKeySize", "invalid key size: 5",
         "Format/InvalidKeySize", "{\"Format\":{\"InvalidKeySize\":5}}");
  expect(BISCUIT_E_FORMAT, "Format/SymbolTableOverlap", "overlap",
         "Format/SymbolTableOverlap", "{\"Format\":\"SymbolTableOverlap\"}");
  expect(BISCUIT_E_MISUSE, "AppendOnSealed", "sealed", "AppendOnSealed",
         "\"AppendOnSealed\"");
  expect(BISCUIT_E_MISUSE, "InvalidBlockId", "no block 4",
         "Format/InvalidBlockId", "{\"Format\":{\"InvalidBlockId\":4}}");
  expect(BISCUIT_E_LIMIT, "Limit/TokenSize", "too big", "Limit/TokenSize",
         "{\"Limit\":{\"TokenSize\":\"too big\"}}");
  expect(BISCUIT_E_FORMAT, "Hex", "bad \"hex\"", "Format/Hex",
         "{\"Format\":{\"Hex\":\"bad \\\"hex\\\"\"}}");
  expect(BISCUIT_E_NOMEM, "InternalError", "out of memory", "NoMemory",
         "\"NoMemory\"");
  expect(BISCUIT_E_FORMAT, NULL, "what", "Format/DeserializationError",
         "{\"Format\":{\"DeserializationError\":\"what\"}}");
  expect(BISCUIT_E_PARSE, "ParseError", "expected a term",
         "Language/ParseError",
         "{\"Language\":{\"ParseError\":\"expected a term\"}}");
}

static void test_invalid_block_rule_diag(void) {
  bx_diag d;
  bx_fail(&d, BISCUIT_E_LOGIC, "InvalidBlockRule", "a($x) <- b($y)");
  d.offset = 3;
  biscuit_error *e = NULL;
  api_from_diag(&e, BISCUIT_E_LOGIC, &d);
  CHECK_STR(biscuit_error_kind(e), "FailedLogic/InvalidBlockRule");
  CHECK(strstr(biscuit_error_message(e), "block 3") != NULL);
  char *j = biscuit_error_json(e);
  CHECK_STR(j, "{\"FailedLogic\":{\"InvalidBlockRule\":[0,"
               "\"a($x) <- b($y)\"]}}");
  biscuit_free(j);
  biscuit_error_free(e);
  /* no err pointer: only the status comes back */
  CHECK(api_from_diag(NULL, BISCUIT_E_LOGIC, &d) == BISCUIT_E_LOGIC);
}

/* ------------------------------------------------- a broken authorizer */

/* A sample token, verified. */
static biscuit_token *sample_token(const char *file) {
  json_t *root = samples_load(NULL);
  const char *key = json_string_value(json_object_get(root, "root_public_key"));
  char typed[128];
  snprintf(typed, sizeof typed, "ed25519/%s", key ? key : "");
  biscuit_public_key *pk = NULL;
  biscuit_public_key_from_text(
      BISCUIT_ED25519, strchr(key ? key : "", '/') ? key : typed, &pk, NULL);
  json_decref(root);
  size_t n = 0;
  uint8_t *buf = read_sample(file, &n);
  biscuit_token *t = NULL;
  if (biscuit_token_from_bytes(buf, n, pk, NULL, &t, NULL) != BISCUIT_OK)
    t = NULL;
  free(buf);
  biscuit_public_key_free(pk);
  return t;
}

/* A load that fails half way must never let the request be authorized. */
static void test_broken_authorizer(void) {
  biscuit_token *t = sample_token("test018_unbound_variables_in_rule.bc");
  CHECK(t != NULL);
  if (!t)
    return;
  biscuit_authorizer *a = NULL;
  biscuit_authorizer_new(NULL, &a, NULL);
  biscuit_error *e = NULL;
  CHECK(biscuit_authorizer_add_token(a, t, &e) == BISCUIT_E_LOGIC);
  CHECK_STR(biscuit_error_kind(e), "FailedLogic/InvalidBlockRule");
  CHECK(strstr(biscuit_error_message(e), "block 1") != NULL);
  biscuit_error_free(e);
  CHECK(biscuit_authorizer_add_code(a, "allow if true;", NULL, &e) ==
        BISCUIT_E_LOGIC);
  biscuit_error_free(e);
  size_t index = 0;
  CHECK(biscuit_authorizer_authorize(a, &index, &e) == BISCUIT_E_LOGIC);
  CHECK_STR(biscuit_error_kind(e), "FailedLogic/InvalidBlockRule");
  biscuit_error_free(e);
  char *out = NULL;
  CHECK(biscuit_authorizer_query(a, "x($a) <- operation($a)", NULL, 1, &out,
                                 &e) == BISCUIT_E_LOGIC);
  CHECK(out == NULL);
  biscuit_error_free(e);
  biscuit_authorizer_free(a);
  biscuit_token_free(t);
}

int main(void) {
  test_kinds();
  test_invalid_block_rule_diag();
  test_broken_authorizer();
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
