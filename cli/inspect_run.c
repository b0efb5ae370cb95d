/*
** The work of `inspect`, apart from its flags and its printing: parse and
** verify the token, then authorize it and run the query. Every outcome,
** refusals included, is recorded in a cli_inspection for the printers;
** only failures to even start (an invalid authorizer) are reported here.
**
** As the reference CLI does, a token whose signatures do not verify is
** still decoded (without verification) so that its blocks can be shown,
** with signatures_check false and no authorization.
*/
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static char *message_of(const biscuit_error *e, const char *dflt) {
  return cli_strdup(e ? biscuit_error_message(e) : dflt);
}

/*
** Verified when a key is given; on failure decoded again without
** verification, so the blocks can still be shown (signatures false).
*/
void cli_inspect_decode(const uint8_t *bytes, size_t len,
                        const biscuit_public_key *root,
                        const biscuit_decode_options *opt, cli_inspection *r) {
  biscuit_error *e = NULL;
  memset(r, 0, sizeof *r);
  r->signatures = -1;
  if (root) {
    r->root_key = biscuit_public_key_text(root);
    if (biscuit_token_from_bytes(bytes, len, root, opt, &r->token, &e) ==
        BISCUIT_OK) {
      r->signatures = 1;
      return;
    }
    r->signatures = 0;
    r->verify_error = message_of(e, "the signatures do not verify");
    biscuit_error_free(e);
    e = NULL;
  }
  if (biscuit_token_from_bytes_unverified(bytes, len, opt, &r->token, &e) !=
      BISCUIT_OK)
    r->parse_error = r->verify_error ? cli_strdup(r->verify_error)
                                     : message_of(e, "not a token");
  biscuit_error_free(e);
}

/* ------------------------------------------------------------ authorizer */

/*
** The "policies" array of a world dump. The dump's origins hold
** usize::MAX, past jansson's integers, hence DECODE_INT_AS_REAL.
*/
char *cli_world_policies(const char *world) {
  json_t *w = json_loads(world ? world : "{}", JSON_DECODE_INT_AS_REAL, NULL);
  json_t *p = json_object_get(w, "policies");
  char *out = NULL;
  if (json_is_array(p))
    out = json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref(w);
  return out ? out : cli_strdup("[]");
}

/*
** The authorizer's policies, in order, as a JSON array, from an authorizer
** holding the authorizer side alone (freed here): the world dump lists
** them, so no printed source is parsed, and they are known even when the
** token cannot be loaded.
*/
static char *policies_of(biscuit_authorizer *a) {
  char *world = NULL;
  char *out = NULL;
  if (a && biscuit_authorizer_world_json(a, &world, NULL) == BISCUIT_OK)
    out = cli_world_policies(world);
  biscuit_free(world);
  biscuit_authorizer_free(a);
  return out ? out : cli_strdup("[]");
}

/*
** The authorizer text checked on its own first, so that its errors name
** the file; it is added after the token, as the reference orders it
** (the symbols then intern in the reference's order).
*/
static int check_code(const cli_auth_request *q, cli_inspection *r) {
  biscuit_policy *p = NULL;
  biscuit_authorizer *a = NULL;
  biscuit_error *e = NULL;
  int st = CLI_EXIT_OK;
  if (biscuit_policy_from_text(q->code, q->source, q->params, &p, &e) !=
      BISCUIT_OK)
    st = cli_datalog_error(q->source, e);
  else if (biscuit_authorizer_new(p, &a, NULL) == BISCUIT_OK)
    r->policies_json = policies_of(a);
  else
    st = cli_oom();
  biscuit_policy_free(p);
  biscuit_error_free(e);
  return st;
}

/* A snapshot's policies, from an authorizer of their own. */
static int snapshot_policies(const cli_auth_request *q, cli_inspection *r) {
  biscuit_authorizer *a = NULL;
  int st = cli_snapshot_authorizer(q->snapshot, &a);
  if (st == CLI_EXIT_OK)
    r->policies_json = policies_of(a);
  return st;
}

/* The authorizer side's start: the snapshot's authorizer, or an empty
   one (the code is added after the token). */
static int base_authorizer(const cli_auth_request *q,
                           biscuit_authorizer **out) {
  biscuit_error *e = NULL;
  int st = CLI_EXIT_OK;
  if (q->snapshot)
    return cli_snapshot_authorizer(q->snapshot, out);
  if (biscuit_authorizer_new(NULL, out, &e) != BISCUIT_OK)
    st = cli_api_error("cannot create the authorizer", e);
  biscuit_error_free(e);
  return st;
}

/*
** The authorizer side alone, without a token: what the reference's
** AuthorizerBuilder holds when its CLI writes a policies snapshot (the
** code, or the snapshot's authorizer, and the time when asked for).
*/
int cli_request_authorizer(const cli_auth_request *q,
                           biscuit_authorizer **out) {
  biscuit_error *e = NULL;
  int st = base_authorizer(q, out);
  if (st == CLI_EXIT_OK && q->code &&
      biscuit_authorizer_add_code(*out, q->code, q->params, &e) != BISCUIT_OK)
    st = cli_datalog_error(q->source, e);
  if (st == CLI_EXIT_OK && q->include_time &&
      biscuit_authorizer_add_time(*out, q->now, &e) != BISCUIT_OK)
    st = cli_api_error("cannot add the time", e);
  biscuit_error_free(e);
  if (st != CLI_EXIT_OK) {
    biscuit_authorizer_free(*out);
    *out = NULL;
  }
  return st;
}

/* The authorizer the token is loaded into, with the run's limits. */
static int new_authorizer(const cli_auth_request *q, cli_inspection *r) {
  int st = base_authorizer(q, &r->authorizer);
  if (st == CLI_EXIT_OK)
    biscuit_authorizer_set_limits(r->authorizer, &q->limits);
  return st;
}

/*
** The authorizer's code, already checked alone (check_code): a failure
** now comes from the token's blocks meeting it (the library loads them
** then, e.g. Logic::InvalidBlockRule), so it is the verdict.
*/
static int add_code(const cli_auth_request *q, cli_inspection *r) {
  biscuit_status st = biscuit_authorizer_add_code(r->authorizer, q->code,
                                                  q->params, &r->auth_err);
  if (st == BISCUIT_E_PARSE || st == BISCUIT_E_INCOMPLETE) {
    int ex = cli_datalog_error(q->source, r->auth_err);
    biscuit_error_free(r->auth_err);
    r->auth_err = NULL;
    return ex;
  }
  r->auth_st = st;
  return st == BISCUIT_E_NOMEM ? cli_oom() : CLI_EXIT_OK;
}

/*
** Only a snapshot taken before any token was added (a policies snapshot,
** the reference's AuthorizerBuilder) takes one: the library refuses the
** token for any other, as the reference refuses to build from it.
*/
static int built_snapshot(cli_inspection *r) {
  cli_error("cannot authorize with this snapshot: its authorizer was "
            "built over a token already; use a policies snapshot (from "
            "--dump-policies-snapshot-to)");
  biscuit_error_free(r->auth_err);
  r->auth_err = NULL;
  r->auth_st = BISCUIT_OK;
  return CLI_EXIT_ERROR;
}

/*
** Loads the token, then the authorizer's code and time. A token that
** cannot be loaded (e.g. a block rule with an unbound variable) is a
** refusal, recorded as the authorization's result.
*/
static int load(const cli_auth_request *q, cli_inspection *r) {
  biscuit_error *e = NULL;
  int st = CLI_EXIT_OK;
  r->auth_st =
      biscuit_authorizer_add_token(r->authorizer, r->token, &r->auth_err);
  if (r->auth_st == BISCUIT_E_MISUSE && q->snapshot)
    return built_snapshot(r);
  if (r->auth_st == BISCUIT_OK && q->code)
    st = add_code(q, r);
  if (st == CLI_EXIT_OK && q->include_time &&
      biscuit_authorizer_add_time(r->authorizer, q->now, &e) != BISCUIT_OK)
    st = cli_api_error("cannot add the time", e);
  biscuit_error_free(e);
  return st;
}

static void authorize(cli_inspection *r) {
  if (r->auth_st == BISCUIT_OK)
    r->auth_st = biscuit_authorizer_authorize(r->authorizer, &r->policy_index,
                                              &r->auth_err);
  biscuit_authorizer_stats(r->authorizer, &r->iterations, &r->elapsed_us);
  r->authorized = 1;
}

/* The query runs after the authorization, over the same world. */
void cli_inspect_query(const cli_auth_request *q, cli_inspection *r) {
  r->query_rule = q->query;
  r->query_st =
      biscuit_authorizer_query(r->authorizer, q->query, q->params, q->query_all,
                               &r->query_facts, &r->query_err);
}

/*
** A query alone over a token that could not be loaded: the loading error
** is the query's, since no authorization is there to report it.
*/
static void query_cannot_run(const cli_auth_request *q, cli_inspection *r) {
  r->query_rule = q->query;
  r->query_st = r->auth_st;
  r->query_err = r->auth_err;
  r->auth_st = BISCUIT_OK;
  r->auth_err = NULL;
}

/*
** Authorizes when there is an authorizer, queries when asked; both
** outcomes, refusals included, end up in r.
*/
int cli_inspect_authorize(const cli_auth_request *q, cli_inspection *r) {
  int st = CLI_EXIT_OK;
  if (q->code)
    st = check_code(q, r);
  else if (q->snapshot)
    st = snapshot_policies(q, r);
  if (st == CLI_EXIT_OK)
    st = new_authorizer(q, r);
  if (st == CLI_EXIT_OK)
    st = load(q, r);
  if (st != CLI_EXIT_OK)
    return st;
  if (q->code || q->snapshot)
    authorize(r);
  else if (r->auth_st != BISCUIT_OK)
    query_cannot_run(q, r);
  if (q->query && !r->query_rule && r->auth_st != BISCUIT_E_NOMEM)
    cli_inspect_query(q, r);
  return CLI_EXIT_OK;
}

/*
** inspect-snapshot: what the snapshot holds (its world, the run it was
** taken after) is recorded first; then the authorizer is authorized
** again, with the command's limits, and queried, as the reference CLI
** does. A snapshot taken after a run does not run again: its verdict is
** decided over the world it saved.
*/
void cli_inspect_snapshot(const cli_auth_request *q, cli_inspection *r) {
  biscuit_authorizer_stats(r->authorizer, &r->snap_iterations,
                           &r->snap_elapsed_us);
  /* on failure the world stays NULL, printed as null and "(empty)" */
  biscuit_authorizer_world_json(r->authorizer, &r->world_json, NULL);
  r->policies_json = cli_world_policies(r->world_json);
  biscuit_authorizer_set_limits(r->authorizer, &q->limits);
  authorize(r);
  if (q->query && r->auth_st != BISCUIT_E_NOMEM)
    cli_inspect_query(q, r);
}

/* ------------------------------------------------------------ outcome */

/* Refused (1) when a signature, the authorization or the query failed;
   an invalid query is an error (3) like any invalid Datalog. */
int cli_inspection_status(const cli_inspection *r) {
  if (!r->token)
    return CLI_EXIT_ERROR;
  if (r->signatures == 0)
    return CLI_EXIT_REFUSED;
  if (r->authorized && r->auth_st == BISCUIT_E_NOMEM)
    return CLI_EXIT_ERROR;
  if (r->query_rule &&
      (r->query_st == BISCUIT_E_PARSE || r->query_st == BISCUIT_E_INCOMPLETE))
    return CLI_EXIT_ERROR;
  if (r->authorized && r->auth_st != BISCUIT_OK)
    return CLI_EXIT_REFUSED;
  if (r->query_rule && r->query_st != BISCUIT_OK)
    return CLI_EXIT_REFUSED;
  return CLI_EXIT_OK;
}

/* Everything r owns; r is left zeroed. */
void cli_inspection_free(cli_inspection *r) {
  biscuit_token_free(r->token);
  free(r->parse_error);
  free(r->verify_error);
  biscuit_free(r->root_key);
  biscuit_authorizer_free(r->authorizer);
  free(r->policies_json);
  biscuit_error_free(r->auth_err);
  biscuit_free(r->query_facts);
  biscuit_error_free(r->query_err);
  biscuit_free(r->world_json);
  memset(r, 0, sizeof *r);
}
