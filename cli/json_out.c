/*
** `inspect --json`: one object on one line, in the shape of the
** conventions (cli-conventions.md "inspect --json"):
**   {"token":{"sealed":B,"root_key_id":null|N,"blocks":[{"version":N,
**     "code":S,"external_key":null|S,"revocation_id":S}]},
**    "signatures_check":true|false|null,
**    "auth":null|{"policies":[S],"result":[I,S]|{"error":E},
**                 "iterations":N,"elapsed_micros":N},
**    "query":null|[S]|{"error":E}}
** E is the library's error JSON (the samples' result.Err shape). A token
** that cannot be parsed gives {"error":"<message>"} alone.
*/
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/*
** A JSON string of printed Datalog. Token strings are UTF-8 by the wire
** format, but a forged token may hold anything: invalid bytes become
** U+FFFD rather than losing the whole document.
*/
static json_t *str(const char *s) {
  json_t *j = json_string(s ? s : "");
  if (j || !s)
    return j;
  size_t n = strlen(s), w = 0;
  char *fixed = malloc(3 * n + 1);
  if (!fixed)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      fixed[w++] = (char)c;
    } else {
      memcpy(fixed + w, "\xef\xbf\xbd", 3);
      w += 3;
    }
  }
  fixed[w] = '\0';
  j = json_string(fixed);
  free(fixed);
  return j;
}

/* A string the library returned (biscuit_free), as JSON or null. */
static json_t *owned_str(char *s) {
  json_t *j = s ? str(s) : json_null();
  biscuit_free(s);
  return j;
}

/* The library's error JSON; an unparsable one falls back to its kind. */
static json_t *error_value(const biscuit_error *e) {
  char *text = e ? biscuit_error_json(e) : NULL;
  json_t *j = text ? json_loads(text, 0, NULL) : NULL;
  biscuit_free(text);
  if (!j)
    j = str(e ? biscuit_error_kind(e) : "unknown error");
  return json_pack("{s:o}", "error", j);
}

static json_t *block_json(const biscuit_token *t, size_t i) {
  return json_pack("{s:I,s:o,s:o,s:o}", "version",
                   (json_int_t)biscuit_token_block_version(t, i), "code",
                   owned_str(biscuit_token_block_source(t, i)), "external_key",
                   owned_str(biscuit_token_block_external_key(t, i)),
                   "revocation_id",
                   owned_str(biscuit_token_revocation_id(t, i)));
}

/* The token part of the document: what is in it, not whether valid. */
static json_t *token_json(const biscuit_token *t) {
  json_t *blocks = json_array();
  for (size_t i = 0; i < biscuit_token_block_count(t); i++)
    json_array_append_new(blocks, block_json(t, i));
  uint32_t id;
  json_t *key_id = biscuit_token_root_key_id(t, &id)
                       ? json_integer((json_int_t)id)
                       : json_null();
  return json_pack("{s:b,s:o,s:o}", "sealed", biscuit_token_is_sealed(t),
                   "root_key_id", key_id, "blocks", blocks);
}

/* The authorizer part: its policies, the verdict, the run's cost. */
static json_t *auth_json(const cli_inspection *r) {
  json_t *policies =
      json_loads(r->policies_json ? r->policies_json : "[]", 0, NULL);
  if (!json_is_array(policies)) {
    json_decref(policies);
    policies = json_array();
  }
  json_t *result;
  json_t *text = json_array_get(policies, r->policy_index);
  if (r->auth_st == BISCUIT_OK && text)
    result = json_pack("[I,O]", (json_int_t)r->policy_index, text);
  else if (r->auth_st == BISCUIT_OK)
    result = json_pack("[I,s]", (json_int_t)r->policy_index, "");
  else
    result = error_value(r->auth_err);
  return json_pack("{s:o,s:o,s:I,s:I}", "policies", policies, "result", result,
                   "iterations", (json_int_t)r->iterations, "elapsed_micros",
                   (json_int_t)r->elapsed_us);
}

/* The facts, one a line in the library's output, as an array. */
static json_t *query_json(const cli_inspection *r) {
  if (!r->query_rule)
    return json_null();
  if (r->query_st != BISCUIT_OK)
    return error_value(r->query_err);
  json_t *facts = json_array();
  const char *p = r->query_facts ? r->query_facts : "";
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    char *line = malloc(n + 1);
    if (line && n) {
      memcpy(line, p, n);
      line[n] = '\0';
      json_array_append_new(facts, str(line));
    }
    free(line);
    p += n + (nl != NULL);
  }
  return facts;
}

static json_t *signatures_json(int s) {
  return s < 0 ? json_null() : json_boolean(s);
}

/* Compact and in insertion order: one line, keys as documented. */
char *cli_inspection_json(const cli_inspection *r) {
  if (!r->token)
    return cli_json_error(r->parse_error ? r->parse_error : "not a token");
  json_t *doc = json_pack("{s:o,s:o,s:o,s:o}", "token", token_json(r->token),
                          "signatures_check", signatures_json(r->signatures),
                          "auth", r->authorized ? auth_json(r) : json_null(),
                          "query", query_json(r));
  char *out = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(doc);
  return out;
}

char *cli_json_error(const char *message) {
  json_t *doc = json_pack("{s:o}", "error", str(message));
  char *out = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
  json_decref(doc);
  return out;
}

/*
** The world goes last, spliced in as the library printed it: its origins
** hold usize::MAX, which jansson's integers cannot carry. `head` is a
** compact object, so it ends with its closing brace.
*/
static char *splice_world(char *head, const char *world) {
  const char *w = world ? world : "null";
  size_t n = strlen(head), size = n + strlen(w) + sizeof ",\"world\":}";
  char *out = malloc(size);
  if (out)
    snprintf(out, size, "%.*s,\"world\":%s}", (int)(n - 1), head, w);
  free(head);
  return out;
}

/*
** inspect-snapshot: the restored authorizer's source, the run it was
** taken after (elapsed_micros null when none), the new authorization
** (inspect's "auth"), the query, and the world as restored.
*/
char *cli_snapshot_json(const cli_inspection *r) {
  int ran = r->snap_iterations || r->snap_elapsed_us;
  json_t *elapsed =
      ran ? json_integer((json_int_t)r->snap_elapsed_us) : json_null();
  json_t *doc =
      json_pack("{s:o,s:I,s:o,s:o,s:o}", "code",
                owned_str(biscuit_authorizer_source(r->authorizer)),
                "iterations", (json_int_t)r->snap_iterations, "elapsed_micros",
                elapsed, "auth", auth_json(r), "query", query_json(r));
  char *head = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(doc);
  return head ? splice_world(head, r->world_json) : NULL;
}
