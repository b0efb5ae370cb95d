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
#include <time.h>

#include "cli.h"

static char *message_of(const biscuit_error *e, const char *dflt) {
  return cli_strdup(e ? biscuit_error_message(e) : dflt);
}

/*
** Verified when a key is given; on failure decoded again without
** verification, so the blocks can still be shown (signatures false).
*/
void cli_inspect_decode(const uint8_t *bytes, size_t len,
                        const biscuit_public_key *root, cli_inspection *r) {
  biscuit_error *e = NULL;
  memset(r, 0, sizeof *r);
  r->signatures = -1;
  if (root) {
    r->root_key = biscuit_public_key_text(root);
    if (biscuit_token_from_bytes(bytes, len, root, NULL, &r->token, &e) ==
        BISCUIT_OK) {
      r->signatures = 1;
      return;
    }
    r->signatures = 0;
    r->verify_error = message_of(e, "the signatures do not verify");
    biscuit_error_free(e);
    e = NULL;
  }
  if (biscuit_token_from_bytes_unverified(bytes, len, NULL, &r->token, &e) !=
      BISCUIT_OK)
    r->parse_error = r->verify_error ? cli_strdup(r->verify_error)
                                     : message_of(e, "not a token");
  biscuit_error_free(e);
}

/* ------------------------------------------------------------ authorizer */

/*
** The authorizer's policies, in order, as a JSON array, from an authorizer
** holding the policy set alone: the world dump lists them, so no printed
** source is parsed, and they are known even when the token cannot be
** loaded. The dump's origins hold usize::MAX, past jansson's integers,
** hence DECODE_INT_AS_REAL.
*/
static char *policies_of(const biscuit_policy *policy) {
  biscuit_authorizer *a = NULL;
  char *world = NULL;
  char *out = NULL;
  if (biscuit_authorizer_new(policy, &a, NULL) == BISCUIT_OK &&
      biscuit_authorizer_world_json(a, &world, NULL) == BISCUIT_OK) {
    json_t *w = json_loads(world, JSON_DECODE_INT_AS_REAL, NULL);
    json_t *p = json_object_get(w, "policies");
    if (json_is_array(p))
      out = json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(w);
  }
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
  biscuit_error *e = NULL;
  int st = CLI_EXIT_OK;
  if (biscuit_policy_from_text(q->code, q->source, q->params, &p, &e) !=
      BISCUIT_OK)
    st = cli_datalog_error(q->source, e);
  else
    r->policies_json = policies_of(p);
  biscuit_policy_free(p);
  biscuit_error_free(e);
  return st;
}

/* An empty authorizer (or one holding a snapshot's policies). */
static int new_authorizer(const cli_auth_request *q, cli_inspection *r) {
  biscuit_error *e = NULL;
  if (biscuit_authorizer_new(q->policy, &r->authorizer, &e) != BISCUIT_OK) {
    int st = cli_api_error("cannot create the authorizer", e);
    biscuit_error_free(e);
    return st;
  }
  biscuit_authorizer_set_limits(r->authorizer, &q->limits);
  return CLI_EXIT_OK;
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
** Loads the token, then the authorizer's code and time. A token that
** cannot be loaded (e.g. a block rule with an unbound variable) is a
** refusal, recorded as the authorization's result.
*/
static int load(const cli_auth_request *q, cli_inspection *r) {
  biscuit_error *e = NULL;
  int st = CLI_EXIT_OK;
  r->auth_st =
      biscuit_authorizer_add_token(r->authorizer, r->token, &r->auth_err);
  if (r->auth_st == BISCUIT_OK && q->code)
    st = add_code(q, r);
  if (st == CLI_EXIT_OK && q->include_time &&
      biscuit_authorizer_add_time(r->authorizer, (uint64_t)time(NULL), &e) !=
          BISCUIT_OK)
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
  int st = q->code ? check_code(q, r) : CLI_EXIT_OK;
  if (st == CLI_EXIT_OK && q->policy)
    r->policies_json = policies_of(q->policy);
  if (st == CLI_EXIT_OK)
    st = new_authorizer(q, r);
  if (st == CLI_EXIT_OK)
    st = load(q, r);
  if (st != CLI_EXIT_OK)
    return st;
  if (q->code || q->policy)
    authorize(r);
  else if (r->auth_st != BISCUIT_OK)
    query_cannot_run(q, r);
  if (q->query && !r->query_rule && r->auth_st != BISCUIT_E_NOMEM)
    cli_inspect_query(q, r);
  return CLI_EXIT_OK;
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
  memset(r, 0, sizeof *r);
}
