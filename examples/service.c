/* A service authorizing a request with a Biscuit token.
   Usage: service ROOT_PUBLIC_KEY_HEX TOKEN_FILE RESOURCE OPERATION */
#include <biscuit/biscuit.h>
#include <stdio.h>
#include <string.h>

static const char *policy_text =
    "check if user($u);\n"
    "allow if right($res, $op), resource($res), operation($op);\n"
    "deny if true;\n";

/* The failed checks, then why, in words a policy author reads. */
static int print_denial(biscuit_authorizer *az, const biscuit_error *err) {
  fprintf(stderr, "%s\n", biscuit_error_message(err));
  for (size_t i = 0; i < biscuit_error_failed_check_count(err); i++) {
    uint32_t block, check;
    const char *rule;
    biscuit_error_failed_check(err, i, &block, &check, &rule);
    if (block == BISCUIT_AUTHORIZER_BLOCK)
      fprintf(stderr, "  authorizer check %u: %s\n", check, rule);
    else
      fprintf(stderr, "  block %u check %u: %s\n", block, check, rule);
  }
  char *why = NULL;
  if (biscuit_authorizer_explain(az, &why, NULL) == BISCUIT_OK)
    fprintf(stderr, "\n%s", why);
  biscuit_free(why);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 5)
    return 2;
  biscuit_error *err = NULL;
  biscuit_public_key *root = NULL;
  biscuit_policy *policy = NULL;
  biscuit_token *token = NULL;
  biscuit_authorizer *az = NULL;
  int rc = 1;

  /* Once, at start-up: the root key and the compiled policy set. */
  if (biscuit_public_key_from_text(BISCUIT_ED25519, argv[1], &root, &err) ||
      biscuit_policy_from_text(policy_text, "policy", NULL, &policy, &err))
    goto fail;

  /* Per request: verify the token, add the request's facts, decide. */
  char text[65536];
  FILE *f = fopen(argv[2], "rb");
  size_t n = f ? fread(text, 1, sizeof text, f) : 0;
  if (f)
    fclose(f);
  if (biscuit_token_from_base64(text, n, root, NULL, &token, &err) ||
      biscuit_authorizer_new(policy, &az, &err) ||
      biscuit_authorizer_add_token(az, token, &err))
    goto fail;

  biscuit_params *req = biscuit_params_new();
  biscuit_params_string(req, "res", argv[3]);
  biscuit_params_string(req, "op", argv[4]);
  biscuit_status st = biscuit_authorizer_add_code(
      az, "resource({res}); operation({op});", req, &err);
  biscuit_params_free(req);
  if (st != BISCUIT_OK)
    goto fail;

  size_t policy_index;
  if (biscuit_authorizer_authorize(az, &policy_index, &err) == BISCUIT_OK) {
    printf("allowed by policy %zu\n", policy_index);
    rc = 0;
  } else if (biscuit_error_status(err) == BISCUIT_DENIED) {
    rc = print_denial(az, err);
  } else {
    goto fail;
  }
  goto done;

fail:
  fprintf(stderr, "error: %s\n", err ? biscuit_error_report(err) : "usage");
done:
  biscuit_error_free(err);
  biscuit_authorizer_free(az);
  biscuit_token_free(token);
  biscuit_policy_free(policy);
  biscuit_public_key_free(root);
  return rc;
}
