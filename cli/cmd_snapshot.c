/*
** biscuit inspect-snapshot: print an authorizer restored from a snapshot
** (its code and world) and run a query over it.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt OPTS[] = {
    {"json", CLI_FLAG, NULL, "print one JSON object on one line"},
    {"raw-input", CLI_FLAG, NULL, "the snapshot is raw bytes, not base64"},
    {"max-facts", CLI_VALUE, "N", "stop after N facts (default 1000)"},
    {"max-iterations", CLI_VALUE, "N", "stop after N iterations (default 100)"},
    {"max-time", CLI_VALUE, "DURATION", "stop after e.g. 100ms (default 1ms)"},
    {"query", CLI_VALUE, "RULE", "print the facts this rule produces"},
    {"query-all", CLI_FLAG, NULL,
     "let the query trust every block (not only authority)"},
    CLI_OPT_PARAM,
    CLI_OPTS_END};

/* The snapshot in base64 or raw bytes, restored by the library. */
static int restore(const cli_args *a, biscuit_authorizer **out) {
  uint8_t *bytes = NULL;
  size_t len = 0;
  biscuit_error *e = NULL;
  int st = cli_read_encoded(a->input, cli_args_has(a, "raw-input"), "snapshot",
                            &bytes, &len);
  if (st != CLI_EXIT_OK)
    return st;
  if (biscuit_authorizer_from_snapshot(bytes, len, out, &e) != BISCUIT_OK)
    st = cli_api_error("cannot restore the authorizer snapshot", e);
  biscuit_error_free(e);
  free(bytes);
  return st;
}

/* Limits apply to the query's run; the output mirrors inspect's. */
static int run_on(const cli_args *a, const cli_auth_request *q,
                  cli_inspection *r) {
  int json = cli_args_has(a, "json");
  biscuit_authorizer_set_limits(r->authorizer, &q->limits);
  if (q->query)
    cli_inspect_query(q, r);
  if (json) {
    char *doc = cli_snapshot_json(r);
    if (doc)
      printf("%s\n", doc);
    free(doc);
  } else {
    cli_snapshot_print(r);
  }
  if (q->query && r->query_st != BISCUIT_OK) {
    cli_error("the query failed: %s",
              r->query_err ? biscuit_error_message(r->query_err) : "error");
    return r->query_st == BISCUIT_E_PARSE ? CLI_EXIT_ERROR : CLI_EXIT_REFUSED;
  }
  return CLI_EXIT_OK;
}

/* Flags are checked before the file is read, as everywhere. */
static int run(const cli_args *a) {
  cli_auth_request q;
  cli_inspection r;
  biscuit_params *params = NULL;
  memset(&q, 0, sizeof q);
  memset(&r, 0, sizeof r);
  int st = cli_args_requires(a, "query-all", "query");
  if (st == CLI_EXIT_OK)
    st = cli_limits(a, &q.limits);
  if (st == CLI_EXIT_OK)
    st = cli_params(a, &params);
  if (st == CLI_EXIT_OK)
    st = restore(a, &r.authorizer);
  q.params = params;
  q.query = cli_args_get(a, "query");
  q.query_all = cli_args_has(a, "query-all");
  if (st == CLI_EXIT_OK)
    st = run_on(a, &q, &r);
  else if (cli_args_has(a, "json") && st != CLI_EXIT_USAGE) {
    char *doc = cli_json_error(cli_last_error());
    if (doc)
      printf("%s\n", doc);
    free(doc);
  }
  cli_inspection_free(&r);
  biscuit_params_free(params);
  return st;
}

const cli_cmd cli_cmd_inspect_snapshot = {
    .name = "inspect-snapshot",
    .input = "FILE|-",
    .input_required = 1,
    .summary = "Print an authorizer snapshot and query it.",
    .opts = OPTS,
    .run = run,
};
