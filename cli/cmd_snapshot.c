/*
** biscuit inspect-snapshot: print an authorizer restored from a snapshot
** (its code, its world, the run it was taken after), authorize it again
** and run a query over it, as the reference CLI does.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt OPTS[] = {
    {"json", CLI_FLAG, NULL, "print one JSON object on one line"},
    {"raw-input", CLI_FLAG, NULL, "the snapshot is raw bytes, not base64"},
    CLI_OPTS_LIMITS,
    {"query", CLI_VALUE, "RULE", "print the facts this rule produces"},
    {"query-all", CLI_FLAG, NULL,
     "let the query trust every block (not only authority)"},
    CLI_OPT_PARAM,
    CLI_OPTS_END};

/* The snapshot in base64 or raw bytes, restored by the library. */
static int restore(const cli_args *a, biscuit_authorizer **out,
                   cli_snapshot *s) {
  int st = cli_snapshot_read(a->input, NULL, cli_args_has(a, "raw-input"), s);
  return st == CLI_EXIT_OK ? cli_snapshot_authorizer(s, out) : st;
}

/*
** Why the command fails, on stderr, and its exit status, as inspect's
** (cli_inspection_status): an invalid query is an error (3) even when
** the authorization was refused (1).
*/
static int outcome(const cli_inspection *r) {
  int bad_query = r->query_rule && (r->query_st == BISCUIT_E_PARSE ||
                                    r->query_st == BISCUIT_E_INCOMPLETE);
  if (r->auth_st != BISCUIT_OK)
    cli_error("authorization refused: %s",
              r->auth_err ? biscuit_error_message(r->auth_err) : "error");
  if (bad_query)
    return cli_datalog_error("<query>", r->query_err);
  if (r->auth_st != BISCUIT_OK)
    return r->auth_st == BISCUIT_E_NOMEM ? CLI_EXIT_ERROR : CLI_EXIT_REFUSED;
  if (r->query_rule && r->query_st != BISCUIT_OK) {
    cli_error("the query failed: %s",
              r->query_err ? biscuit_error_message(r->query_err) : "error");
    return CLI_EXIT_REFUSED;
  }
  return CLI_EXIT_OK;
}

/* The restored authorizer authorized again and queried, then printed. */
static int run_on(const cli_args *a, const cli_auth_request *q,
                  cli_inspection *r) {
  cli_inspect_snapshot(q, r);
  if (cli_args_has(a, "json")) {
    char *doc = cli_snapshot_json(r);
    if (doc)
      printf("%s\n", doc);
    free(doc);
  } else {
    cli_snapshot_print(r);
  }
  fflush(stdout);
  return outcome(r);
}

/* Flags are checked before the file is read, as everywhere. */
static int run(const cli_args *a) {
  cli_auth_request q;
  cli_inspection r;
  cli_snapshot s;
  biscuit_params *params = NULL;
  memset(&q, 0, sizeof q);
  memset(&r, 0, sizeof r);
  memset(&s, 0, sizeof s);
  int st = cli_args_requires(a, "query-all", "query");
  if (st == CLI_EXIT_OK)
    st = cli_limits(a, &q.limits);
  if (st == CLI_EXIT_OK)
    st = cli_params(a, &params);
  if (st == CLI_EXIT_OK)
    st = restore(a, &r.authorizer, &s);
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
  cli_snapshot_free(&s);
  biscuit_params_free(params);
  return st;
}

const cli_cmd cli_cmd_inspect_snapshot = {
    .name = "inspect-snapshot",
    .input = "FILE|-",
    .input_required = 1,
    .summary = "Print an authorizer snapshot and query it.",
    .details =
        "The snapshot (from inspect --dump-snapshot-to or\n"
        "--dump-policies-snapshot-to) is printed, authorized again and,\n"
        "with --query, queried. The command exits with status 1 when the\n"
        "authorization is refused, as inspect does.\n",
    .opts = OPTS,
    .run = run,
};
