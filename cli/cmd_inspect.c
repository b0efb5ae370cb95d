/*
** biscuit inspect: print a token, verify it with a root public key and,
** given an authorizer, authorize it and run a query. The flags are
** turned into a cli_auth_request here; inspect_run.c does the work and
** json_out.c / human_out.c print it.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const cli_opt OPTS[] = {
    {"json", CLI_FLAG, NULL, "print one JSON object on one line"},
    {"raw-input", CLI_FLAG, NULL, "the token is raw bytes, not base64"},
    {"public-key", CLI_VALUE, "K", "the root public key (text)"},
    {"public-key-file", CLI_VALUE, "F", "read the root public key from F"},
    {"public-key-format", CLI_VALUE, "raw|hex|pem",
     "format of the root public key (default hex)"},
    {"public-key-algorithm", CLI_VALUE, "ALG",
     "algorithm of a bare hex or raw key: ed25519 (default), secp256r1"},
    CLI_OPTS_LIMITS,
    CLI_OPTS_DECODE,
    {"authorize-with", CLI_VALUE, "S", "authorize with this Datalog"},
    {"authorize-with-file", CLI_VALUE, "F", "authorize with the Datalog in F"},
    {"authorize-interactive", CLI_FLAG, NULL,
     "write the authorizer in $EDITOR"},
    {"authorize-with-snapshot", CLI_VALUE, "S",
     "authorize with an authorizer snapshot (base64)"},
    {"authorize-with-snapshot-file", CLI_VALUE, "F",
     "authorize with the authorizer snapshot in F"},
    {"authorize-with-raw-snapshot-file", CLI_FLAG, NULL,
     "the snapshot file is raw bytes, not base64"},
    {"include-time", CLI_FLAG, NULL, "add time(<now>) to the authorizer"},
    {"query", CLI_VALUE, "RULE", "print the facts this rule produces"},
    {"query-all", CLI_FLAG, NULL,
     "let the query trust every block (not only authority)"},
    CLI_OPT_PARAM,
    {"dump-snapshot-to", CLI_VALUE, "F",
     "write a snapshot of the authorizer after its run (token included) "
     "to F"},
    {"dump-raw-snapshot", CLI_FLAG, NULL, "write it as raw bytes"},
    {"dump-policies-snapshot-to", CLI_VALUE, "F",
     "write a snapshot of the authorizer without the token (its code and "
     "time) to F"},
    {"dump-raw-policies-snapshot", CLI_FLAG, NULL, "write it as raw bytes"},
    CLI_OPTS_END};

static const char *const AUTH_SOURCES[] = {"authorize-with",
                                           "authorize-with-file",
                                           "authorize-interactive",
                                           "authorize-with-snapshot",
                                           "authorize-with-snapshot-file",
                                           NULL};

/* Standard input can be read once: by the token or by one file flag. */
static int one_stdin(const cli_args *a) {
  static const char *const files[] = {"public-key-file", "authorize-with-file",
                                      "authorize-with-snapshot-file", NULL};
  int readers = !strcmp(a->input, "-");
  for (size_t i = 0; files[i]; i++) {
    const char *f = cli_args_get(a, files[i]);
    readers += f && !strcmp(f, "-");
  }
  if (readers > 1)
    return cli_usage("inspect", "only one input can be read from stdin ('-')");
  return CLI_EXIT_OK;
}

/* Flags that make no sense alone or together: usage errors up front. */
static int check_flags(const cli_args *a) {
  static const char *const keys[] = {"public-key", "public-key-file", NULL};
  static const char *const needs[][2] = {
      {"query-all", "query"},
      {"dump-raw-snapshot", "dump-snapshot-to"},
      {"dump-raw-policies-snapshot", "dump-policies-snapshot-to"},
      {"authorize-with-raw-snapshot-file", "authorize-with-snapshot-file"}};
  int st = cli_args_exclusive(a, keys);
  if (st == CLI_EXIT_OK)
    st = cli_args_exclusive(a, AUTH_SOURCES);
  for (size_t i = 0; st == CLI_EXIT_OK && i < sizeof needs / sizeof *needs; i++)
    st = cli_args_requires(a, needs[i][0], needs[i][1]);
  int authorizing = 0;
  for (size_t i = 0; AUTH_SOURCES[i]; i++)
    authorizing |= cli_args_has(a, AUTH_SOURCES[i]);
  int keyed =
      cli_args_has(a, "public-key") || cli_args_has(a, "public-key-file");
  if (st == CLI_EXIT_OK && !keyed && (authorizing || cli_args_has(a, "query")))
    st = cli_usage("inspect", "authorizing or querying needs the root public "
                              "key (--public-key or --public-key-file)");
  if (st == CLI_EXIT_OK)
    st = one_stdin(a);
  if (st == CLI_EXIT_OK && !authorizing &&
      (cli_args_has(a, "dump-snapshot-to") ||
       cli_args_has(a, "dump-policies-snapshot-to")))
    st = cli_usage("inspect", "dumping a snapshot needs an authorizer");
  return st;
}

/* ---------------------------------------------------------------- inputs */

/* The authorizer's Datalog from an argument, a file or $EDITOR. */
static int authorizer_code(const cli_args *a, char **code, char **source) {
  const char *text = cli_args_get(a, "authorize-with");
  const char *file = cli_args_get(a, "authorize-with-file");
  uint8_t *buf = NULL;
  int st = CLI_EXIT_OK;
  const char *name = "<authorizer>";
  if (text) {
    buf = (uint8_t *)cli_strdup(text);
    if (!buf)
      return cli_oom();
  } else if (file) {
    st = cli_read_text(file, (char **)&buf);
    name = cli_input_name(file);
  } else if (cli_args_has(a, "authorize-interactive")) {
    st = cli_edit_text("authorizer", (char **)&buf);
    name = "<editor>";
  }
  if (st != CLI_EXIT_OK || !buf)
    return st;
  *code = (char *)buf;
  *source = cli_strdup(name);
  return *source ? CLI_EXIT_OK : cli_oom();
}

/* An authorizer snapshot (--authorize-with-snapshot[-file]), if any. */
static int snapshot_input(const cli_args *a, cli_snapshot *s) {
  const char *text = cli_args_get(a, "authorize-with-snapshot");
  const char *file = cli_args_get(a, "authorize-with-snapshot-file");
  if (!text && !file)
    return CLI_EXIT_OK;
  return cli_snapshot_read(
      file, text, cli_args_has(a, "authorize-with-raw-snapshot-file"), s);
}

/* ---------------------------------------------------------------- dumps */

/* A snapshot file in base64 (the default, like tokens) or raw bytes. */
static int dump(const char *path, uint8_t *bytes, size_t len, int raw) {
  int st;
  if (raw) {
    st = cli_write_file(path, bytes, len);
  } else {
    char *text = biscuit_base64_encode(bytes, len);
    st = text ? cli_write_file(path, (const uint8_t *)text, strlen(text))
              : cli_oom();
    biscuit_free(text);
  }
  biscuit_free(bytes);
  return st;
}

/* --dump-snapshot-to: the authorizer after its run. */
static int dump_authorizer(const cli_args *a, const cli_inspection *r) {
  const char *to = cli_args_get(a, "dump-snapshot-to");
  uint8_t *bytes = NULL;
  size_t len = 0;
  biscuit_error *e = NULL;
  int st = CLI_EXIT_OK;
  if (!to || !r->authorizer)
    return CLI_EXIT_OK;
  if (biscuit_authorizer_to_snapshot(r->authorizer, &bytes, &len, &e) ==
      BISCUIT_OK)
    st = dump(to, bytes, len, cli_args_has(a, "dump-raw-snapshot"));
  else
    st = cli_api_error("cannot write the authorizer snapshot", e);
  biscuit_error_free(e);
  return st;
}

/*
** --dump-policies-snapshot-to: as the reference CLI, an AuthorizerSnapshot
** of the authorizer side alone, without the token (its AuthorizerBuilder):
** --authorize-with-snapshot-file reads it back for another token.
*/
static int dump_policies(const cli_args *a, const cli_auth_request *q) {
  const char *to = cli_args_get(a, "dump-policies-snapshot-to");
  biscuit_authorizer *builder = NULL;
  uint8_t *bytes = NULL;
  size_t len = 0;
  biscuit_error *e = NULL;
  if (!to || (!q->snapshot && !q->code))
    return CLI_EXIT_OK;
  int st = cli_request_authorizer(q, &builder);
  if (st == CLI_EXIT_OK &&
      biscuit_authorizer_to_snapshot(builder, &bytes, &len, &e) == BISCUIT_OK)
    st = dump(to, bytes, len, cli_args_has(a, "dump-raw-policies-snapshot"));
  else if (st == CLI_EXIT_OK)
    st = cli_api_error("cannot write the policies snapshot", e);
  biscuit_error_free(e);
  biscuit_authorizer_free(builder);
  return st;
}

/* Both dumps, once the outcome is printed; only for a verified token. */
static int dump_snapshots(const cli_args *a, const cli_inspection *r,
                          const cli_auth_request *q) {
  if (!r->token || r->signatures <= 0)
    return CLI_EXIT_OK;
  int st = dump_authorizer(a, r);
  return st == CLI_EXIT_OK ? dump_policies(a, q) : st;
}

/* ---------------------------------------------------------------- output */

static void print_json_line(char *doc) {
  if (doc)
    printf("%s\n", doc);
  free(doc);
}

/* Prints the outcome (stdout) and why it failed (stderr). */
static int report(const cli_inspection *r, int json) {
  if (json)
    print_json_line(cli_inspection_json(r));
  else
    cli_inspection_print(r);
  fflush(stdout);
  if (!r->token)
    cli_error("not a valid token: %s", r->parse_error);
  else if (r->signatures == 0)
    cli_error("the signatures do not verify: %s", r->verify_error);
  else if (r->authorized && r->auth_st != BISCUIT_OK)
    cli_error("authorization refused: %s",
              r->auth_err ? biscuit_error_message(r->auth_err) : "error");
  else if (r->query_rule && (r->query_st == BISCUIT_E_PARSE ||
                             r->query_st == BISCUIT_E_INCOMPLETE))
    cli_datalog_error("<query>", r->query_err);
  else if (r->query_rule && r->query_st != BISCUIT_OK)
    cli_error("the query failed: %s",
              r->query_err ? biscuit_error_message(r->query_err) : "error");
  return cli_inspection_status(r);
}

/* ---------------------------------------------------------------- run */

typedef struct inspect_ctx {
  biscuit_public_key *root;
  biscuit_params *params;
  cli_snapshot snapshot;
  char *code;
  char *source;
  uint8_t *bytes;
  size_t len;
  biscuit_decode_options decode;
} inspect_ctx;

static void ctx_free(inspect_ctx *x) {
  biscuit_public_key_free(x->root);
  biscuit_params_free(x->params);
  cli_snapshot_free(&x->snapshot);
  free(x->code);
  free(x->source);
  cli_wipe(x->bytes, x->len);
  free(x->bytes);
}

/* Everything read from the command line before anything runs. */
static int gather(const cli_args *a, inspect_ctx *x, cli_auth_request *q) {
  const char *key = cli_args_get(a, "public-key");
  const char *key_file = cli_args_get(a, "public-key-file");
  memset(q, 0, sizeof *q);
  int st = check_flags(a);
  if (st == CLI_EXIT_OK)
    st = cli_limits(a, &q->limits);
  if (st == CLI_EXIT_OK)
    st = cli_decode_options(a, &x->decode);
  if (st == CLI_EXIT_OK && (key || key_file))
    st = cli_public_key(key, key_file, cli_args_get(a, "public-key-format"),
                        cli_args_get(a, "public-key-algorithm"), &x->root);
  if (st == CLI_EXIT_OK)
    st = cli_params(a, &x->params);
  if (st == CLI_EXIT_OK)
    st = authorizer_code(a, &x->code, &x->source);
  if (st == CLI_EXIT_OK)
    st = snapshot_input(a, &x->snapshot);
  if (st == CLI_EXIT_OK)
    st = cli_read_encoded(a->input, cli_args_has(a, "raw-input"), "token",
                          &x->bytes, &x->len);
  q->code = x->code;
  q->source = x->source;
  q->snapshot = x->snapshot.bytes || x->snapshot.policy ? &x->snapshot : NULL;
  q->params = x->params;
  q->include_time = cli_args_has(a, "include-time");
  q->now = (uint64_t)time(NULL);
  q->query = cli_args_get(a, "query");
  q->query_all = cli_args_has(a, "query-all");
  return st;
}

/* In JSON mode a failure before the token is printed is still JSON. */
static int early_failure(int json, int st) {
  if (json && st != CLI_EXIT_USAGE)
    print_json_line(cli_json_error(cli_last_error()));
  return st;
}

/*
** Read everything, decode, authorize, print, then dump: the outcome is
** printed even when a later dump fails, and the exit status is the
** worst of them.
*/
static int run(const cli_args *a) {
  inspect_ctx x;
  cli_auth_request q;
  cli_inspection r;
  int json = cli_args_has(a, "json");
  memset(&x, 0, sizeof x);
  memset(&r, 0, sizeof r);
  int st = gather(a, &x, &q);
  if (st != CLI_EXIT_OK) {
    ctx_free(&x);
    return early_failure(json, st);
  }
  cli_inspect_decode(x.bytes, x.len, x.root, &x.decode, &r);
  if (r.token && r.signatures > 0 && (q.code || q.snapshot || q.query))
    st = cli_inspect_authorize(&q, &r);
  if (st == CLI_EXIT_OK)
    st = report(&r, json);
  else
    early_failure(json, st);
  if (st == CLI_EXIT_OK || st == CLI_EXIT_REFUSED) {
    int ds = dump_snapshots(a, &r, &q);
    st = st == CLI_EXIT_OK ? ds : st;
  }
  cli_inspection_free(&r);
  ctx_free(&x);
  return st;
}

const cli_cmd cli_cmd_inspect = {
    .name = "inspect",
    .input = "TOKEN|-",
    .input_required = 1,
    .summary = "Print a token; verify, authorize and query it.",
    .details =
        "With a root public key, the signatures are verified; with an\n"
        "authorizer (--authorize-with...), the token is authorized; --query\n"
        "prints the facts a rule produces. A token whose signatures do not\n"
        "verify is still printed, and the command exits with status 1.\n"
        "A snapshot from --dump-policies-snapshot-to authorizes other\n"
        "tokens with --authorize-with-snapshot-file.\n",
    .opts = OPTS,
    .run = run,
};
