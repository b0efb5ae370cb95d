/*
** `inspect` for people: the token's blocks, whether the signatures
** verified, the authorization's verdict with every failed check, and the
** query's facts, in that order, readable at a glance. Colour marks the
** verdicts, only on a terminal (cli_colour).
*/
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RED "\033[1;31m"
#define GREEN "\033[1;32m"
#define YELLOW "\033[33m"
#define RESET "\033[0m"

static const char *c(const char *code) {
  return cli_sgr(1, code);
}

/* Each line of printed Datalog, indented under its heading. */
static void print_indented(const char *text) {
  if (!text || !text[0]) {
    printf("  %s(empty)%s\n", c(DIM), c(RESET));
    return;
  }
  while (*text) {
    const char *nl = strchr(text, '\n');
    size_t n = nl ? (size_t)(nl - text) : strlen(text);
    printf("%s%.*s\n", n ? "  " : "", (int)n, text);
    text += n + (nl != NULL);
  }
}

/* A heading with the block's version and revocation id, then its code. */
static void print_block(const biscuit_token *t, size_t i) {
  char *rid = biscuit_token_revocation_id(t, i);
  char *ext = biscuit_token_block_external_key(t, i);
  const char *ctx = biscuit_token_block_context(t, i);
  uint32_t v = biscuit_token_block_version(t, i);
  printf("\n%sBlock %zu%s%s  %sv3.%u  revocation id %s%s\n", c(BOLD), i,
         i == 0 ? " (authority)" : "", c(RESET), c(DIM), v >= 3 ? v - 3 : 0,
         rid ? rid : "?", c(RESET));
  if (ext)
    printf("  %sexternal key: %s%s\n", c(DIM), ext, c(RESET));
  if (ctx)
    printf("  %scontext: %s%s\n", c(DIM), ctx, c(RESET));
  char *src = biscuit_token_block_source(t, i);
  print_indented(src);
  biscuit_free(src);
  biscuit_free(ext);
  biscuit_free(rid);
}

/* The token's shape first, then whether it can be trusted at all. */
static void print_token(const cli_inspection *r) {
  const biscuit_token *t = r->token;
  size_t n = biscuit_token_block_count(t);
  uint32_t id;
  printf("%sToken%s: %zu block%s, %s", c(BOLD), c(RESET), n, n == 1 ? "" : "s",
         biscuit_token_is_sealed(t) ? "sealed"
                                    : "not "
                                      "sealed");
  if (biscuit_token_root_key_id(t, &id))
    printf(", root key id %u", id);
  printf("\n");
  if (r->signatures > 0)
    printf("Signatures: %sverified%s with %s\n", c(GREEN), c(RESET),
           r->root_key ? r->root_key : "the root key");
  else if (r->signatures == 0)
    printf("Signatures: %sNOT VERIFIED%s with %s: %s\n", c(RED), c(RESET),
           r->root_key ? r->root_key : "the root key", r->verify_error);
  else
    printf("Signatures: %snot checked%s (no root public key given)\n",
           c(YELLOW), c(RESET));
  for (size_t i = 0; i < n; i++)
    print_block(t, i);
}

/* ------------------------------------------------------------ verdict */

/* Every failed check, in the reference's order, with where it lives. */
static void print_failed_checks(const biscuit_error *e) {
  for (size_t i = 0; i < biscuit_error_failed_check_count(e); i++) {
    uint32_t block, check;
    const char *rule = NULL;
    if (biscuit_error_failed_check(e, i, &block, &check, &rule) != BISCUIT_OK)
      continue;
    if (block == BISCUIT_AUTHORIZER_BLOCK)
      printf("  %sfailed%s authorizer check %u: %s\n", c(RED), c(RESET), check,
             rule);
    else
      printf("  %sfailed%s block %u check %u: %s\n", c(RED), c(RESET), block,
             check, rule);
  }
}

/* Why it was denied: which policy matched and how many checks failed. */
static void print_denial(const biscuit_error *e) {
  int kind = 0;
  size_t idx = 0;
  size_t n = biscuit_error_failed_check_count(e);
  biscuit_error_policy(e, &kind, &idx);
  printf("Authorization: %sDENIED%s: ", c(RED), c(RESET));
  if (kind == 'd')
    printf("deny policy %zu matched", idx);
  else if (kind == 'a')
    printf("allow policy %zu matched, but", idx);
  else
    printf("no policy matched");
  if (n)
    printf("%s %zu check%s failed", kind == 'a' ? "" : ",", n,
           n == 1 ? "" : "s");
  printf("\n");
  print_failed_checks(e);
}

/* The text of policy i from the JSON array of policies. */
static char *policy_text(const cli_inspection *r, size_t i) {
  json_t *p = json_loads(r->policies_json ? r->policies_json : "[]", 0, NULL);
  const char *s = json_string_value(json_array_get(p, i));
  char *out = NULL;
  if (s) {
    out = malloc(strlen(s) + 1);
    if (out)
      memcpy(out, s, strlen(s) + 1);
  }
  json_decref(p);
  return out;
}

/* The verdict in one line, its cost in a dim second line. */
static void print_auth(const cli_inspection *r) {
  printf("\n");
  if (r->auth_st == BISCUIT_OK) {
    char *text = policy_text(r, r->policy_index);
    printf("Authorization: %sALLOWED%s by policy %zu: %s\n", c(GREEN), c(RESET),
           r->policy_index, text ? text : "?");
    free(text);
  } else if (r->auth_st == BISCUIT_DENIED) {
    print_denial(r->auth_err);
  } else {
    printf("Authorization: %sFAILED%s: %s\n", c(RED), c(RESET),
           r->auth_err ? biscuit_error_message(r->auth_err) : "error");
  }
  printf("  %s(%llu iteration%s, %llu \xc2\xb5s)%s\n", c(DIM),
         (unsigned long long)r->iterations, r->iterations == 1 ? "" : "s",
         (unsigned long long)r->elapsed_us, c(RESET));
}

/* The facts one a line; a query error shows its Datalog report. */
static void print_query(const cli_inspection *r) {
  printf("\n%sQuery%s: %s\n", c(BOLD), c(RESET), r->query_rule);
  if (r->query_st != BISCUIT_OK) {
    char *rep = cli_datalog_report("<query>", r->query_err);
    printf("  %sFAILED%s: %s\n", c(RED), c(RESET), rep ? rep : "error");
    free(rep);
  } else if (!r->query_facts || !r->query_facts[0]) {
    printf("  %sno facts%s\n", c(YELLOW), c(RESET));
  } else {
    print_indented(r->query_facts);
  }
}

void cli_inspection_print(const cli_inspection *r) {
  if (!r->token)
    return;
  print_token(r);
  if (r->authorized)
    print_auth(r);
  if (r->query_rule)
    print_query(r);
}

/* ------------------------------------------------------------ snapshot */

/* One origin of the world dump: the authorizer is null among facts'
   origins and usize::MAX (a real here) among rules' and checks'. */
static void print_origin(const json_t *o) {
  double v = json_is_number(o) ? json_number_value(o) : -1;
  if (v < 0 || v > 4294967295.0)
    printf("authorizer");
  else
    printf("block %.0f", v);
}

/* A group of facts, rules or checks: its origins, then its lines. */
static void print_world_group(const char *kind, const json_t *group) {
  const json_t *origin = json_object_get(group, "origin");
  const json_t *item;
  size_t i;
  printf("  %s%s (", c(DIM), kind);
  if (json_is_array(origin)) {
    json_array_foreach(origin, i, item) {
      printf("%s", i ? ", " : "");
      print_origin(item);
    }
  } else {
    print_origin(origin);
  }
  printf("):%s\n", c(RESET));
  json_array_foreach(json_object_get(group, kind), i, item)
      printf("    %s\n", json_string_value(item));
}

/*
** The world dump for people: facts, rules and checks grouped by where
** they come from (the policies are the authorizer's, printed above).
** DECODE_INT_AS_REAL: the authorizer's origin is past jansson's integers.
*/
static void print_world(const char *world) {
  static const char *const kinds[] = {"facts", "rules", "checks"};
  json_t *w = json_loads(world ? world : "{}", JSON_DECODE_INT_AS_REAL, NULL);
  int empty = 1;
  printf("\n%sWorld%s\n", c(BOLD), c(RESET));
  for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
    const json_t *group;
    size_t i;
    json_array_foreach(json_object_get(w, kinds[k]), i, group) {
      print_world_group(kinds[k], group);
      empty = 0;
    }
  }
  if (empty)
    printf("  %s(empty)%s\n", c(DIM), c(RESET));
  json_decref(w);
}

/* The snapshot's run, its authorizer and world, then the new verdict. */
void cli_snapshot_print(const cli_inspection *r) {
  char *src = biscuit_authorizer_source(r->authorizer);
  printf("%sSnapshot%s: ", c(BOLD), c(RESET));
  if (r->snap_iterations || r->snap_elapsed_us)
    printf("taken after a run (%llu iteration%s, %llu \xc2\xb5s)\n",
           (unsigned long long)r->snap_iterations,
           r->snap_iterations == 1 ? "" : "s",
           (unsigned long long)r->snap_elapsed_us);
  else
    printf("taken before any run\n");
  printf("\n%sAuthorizer%s\n", c(BOLD), c(RESET));
  print_indented(src);
  biscuit_free(src);
  print_world(r->world_json);
  print_auth(r);
  if (r->query_rule)
    print_query(r);
}
