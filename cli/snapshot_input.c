/*
** Snapshots as inputs, for `inspect --authorize-with-snapshot[-file]` and
** `inspect-snapshot`. The reference's format is the AuthorizerSnapshot
** message: what --dump-snapshot-to and --dump-policies-snapshot-to write.
** A policy set saved by biscuit_policy_to_snapshot (the AuthorizerPolicies
** message) is read too, so that snapshots made with the library serve.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_snapshot_free(cli_snapshot *s) {
  free(s->bytes);
  biscuit_policy_free(s->policy);
  memset(s, 0, sizeof *s);
}

/*
** Which message the bytes hold, decided once and up front, so that a bad
** snapshot is reported before anything runs. An AuthorizerSnapshot is
** kept as bytes (each use restores its own authorizer); AuthorizerPolicies
** becomes a policy set. Bytes that are neither report the first error:
** the AuthorizerSnapshot is the format people pass around.
*/
static int classify(cli_snapshot *s, const char *name) {
  biscuit_authorizer *a = NULL;
  biscuit_error *e = NULL;
  biscuit_status st =
      biscuit_authorizer_from_snapshot(s->bytes, s->len, &a, &e);
  biscuit_authorizer_free(a);
  if (st == BISCUIT_E_FORMAT &&
      biscuit_policy_from_snapshot(s->bytes, s->len, &s->policy, NULL) ==
          BISCUIT_OK) {
    free(s->bytes);
    s->bytes = NULL;
    s->len = 0;
    st = BISCUIT_OK;
  }
  int ex = CLI_EXIT_OK;
  if (st != BISCUIT_OK) {
    char what[300];
    snprintf(what, sizeof what, "%s: not a valid authorizer snapshot", name);
    ex = cli_api_error(what, e);
  }
  biscuit_error_free(e);
  return ex;
}

int cli_snapshot_read(const char *path, const char *text, int raw,
                      cli_snapshot *s) {
  memset(s, 0, sizeof *s);
  int st = path ? cli_read_encoded(path, raw, "snapshot", &s->bytes, &s->len)
                : cli_decode_text(text, "snapshot", &s->bytes, &s->len);
  if (st == CLI_EXIT_OK)
    st = classify(s, path ? cli_input_name(path) : "the snapshot argument");
  if (st != CLI_EXIT_OK)
    cli_snapshot_free(s);
  return st;
}

/* A fresh authorizer each time: one per run, as the library wants. */
int cli_snapshot_authorizer(const cli_snapshot *s, biscuit_authorizer **out) {
  biscuit_error *e = NULL;
  biscuit_status st =
      s->bytes ? biscuit_authorizer_from_snapshot(s->bytes, s->len, out, &e)
               : biscuit_authorizer_new(s->policy, out, &e);
  int ex = CLI_EXIT_OK;
  if (st != BISCUIT_OK)
    ex = cli_api_error("cannot restore the authorizer snapshot", e);
  biscuit_error_free(e);
  return ex;
}
