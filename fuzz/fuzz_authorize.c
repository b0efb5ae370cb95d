/*
** libFuzzer harness: fuzzed Datalog blocks through the public API, from
** token creation to the authorization decision.
**
** Input: text in sections, like the tests/datalog .test files. Text
** before any marker, or after a line starting "%%block", is a token block
** (the first one is the authority block); a line starting "%%authorizer"
** opens the request's own code. At most MAX_BLOCKS blocks are used.
**
** Per input: create the token with a fixed root key, append the other
** blocks, serialize it and decode it back with verification, then run an
** authorizer built on a fixed, shared policy plus the request code, with
** a fixed time, an extern function and deterministic limits, and dump the
** world.
**
** Properties checked (abort on violation): a token this library created
** serializes, decodes and verifies, and every decoded block prints as the
** created one did (parse(serialize(x)) == x at the source level).
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biscuit/biscuit.h"

#define MAX_BLOCKS 4

static const uint8_t root_seed[32] = {
    0x99, 0xe8, 0x7b, 0x0e, 0x91, 0x58, 0x53, 0x1e, 0xee, 0xb5, 0x03,
    0xff, 0x15, 0x26, 0x6e, 0x2b, 0x23, 0xc2, 0xa2, 0x50, 0x7b, 0x13,
    0x8c, 0x9d, 0x1b, 0x1f, 0x2a, 0xb4, 0x58, 0xdf, 0x2d, 0x61};

/* The authorizer every request shares: facts, a check and policies. */
static const char policy_text[] =
    "resource(\"file1\");\n"
    "operation(\"read\");\n"
    "user(\"alice\");\n"
    "check if operation($op), [\"read\", \"write\"].contains($op);\n"
    "allow if right($r, $op), resource($r), operation($op);\n"
    "allow if user($u), owner($u, $r), resource($r);\n"
    "deny if true;\n";

static biscuit_keypair *root;
static biscuit_policy *policy;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (biscuit_keypair_from_bytes(BISCUIT_ED25519, root_seed, 32, &root,
                                 NULL) != BISCUIT_OK ||
      biscuit_policy_from_text(policy_text, "policy", NULL, &policy, NULL) !=
          BISCUIT_OK)
    abort();
  return 0;
}

static _Noreturn void violated(const char *what, const char *a,
                               const char *b) {
  fprintf(stderr, "fuzz_authorize: %s\n--- created\n%s\n--- decoded\n%s\n",
          what, a ? a : "(null)", b ? b : "(null)");
  abort();
}

/* The input cut into NUL-terminated sections (copies, owned here). */
typedef struct sections {
  char *blocks[MAX_BLOCKS];
  size_t n_blocks;
  char *authorizer; /* NULL when absent */
} sections;

static bool starts_line(const char *p, const char *end, const char *word) {
  size_t n = strlen(word);
  return (size_t)(end - p) >= n && memcmp(p, word, n) == 0;
}

/* Store one section's text; blocks past MAX_BLOCKS are dropped. */
static void put_section(sections *s, bool authz, const char *p, size_t n) {
  char *c = malloc(n + 1);
  if (!c)
    return;
  memcpy(c, p, n);
  c[n] = '\0';
  if (authz && !s->authorizer)
    s->authorizer = c;
  else if (!authz && s->n_blocks < MAX_BLOCKS)
    s->blocks[s->n_blocks++] = c;
  else
    free(c);
}

/*
** Walk the lines; a marker line closes the current section and opens
** the next. The marker line itself (with anything after the word) is
** not part of any section.
*/
static void split(sections *s, const char *p, size_t len) {
  const char *end = p + len, *start = p, *line = p;
  bool authz = false, seen = false;
  memset(s, 0, sizeof *s);
  while (line < end) {
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    const char *next = nl ? nl + 1 : end;
    bool blk = starts_line(line, end, "%%block");
    bool az = starts_line(line, end, "%%authorizer");
    if (blk || az) {
      if (seen || line > start)
        put_section(s, authz, start, (size_t)(line - start));
      seen = true;
      authz = az;
      start = next;
    }
    line = next;
  }
  put_section(s, authz, start, (size_t)(end - start));
}

static void sections_free(sections *s) {
  for (size_t i = 0; i < s->n_blocks; i++)
    free(s->blocks[i]);
  free(s->authorizer);
}

/* Authority plus appended blocks; NULL when any block is refused. */
static biscuit_token *build(const sections *s) {
  biscuit_token *t = NULL;
  if (s->n_blocks == 0 ||
      biscuit_token_create(root, s->blocks[0], NULL, &t, NULL) != BISCUIT_OK)
    return NULL;
  for (size_t i = 1; i < s->n_blocks; i++) {
    biscuit_token *next = NULL;
    biscuit_status st = biscuit_token_append(t, s->blocks[i], NULL, &next,
                                             NULL);
    biscuit_token_free(t);
    if (st != BISCUIT_OK)
      return NULL;
    t = next;
  }
  return t;
}

/* Each block of the decoded token must print as the created one. */
static void compare_sources(const biscuit_token *a, const biscuit_token *b) {
  size_t n = biscuit_token_block_count(a);
  if (n != biscuit_token_block_count(b))
    violated("block count changed across serialization", NULL, NULL);
  for (size_t i = 0; i < n; i++) {
    char *sa = biscuit_token_block_source(a, i);
    char *sb = biscuit_token_block_source(b, i);
    if (sa && sb && strcmp(sa, sb) != 0)
      violated("block source changed across serialization", sa, sb);
    biscuit_free(sa);
    biscuit_free(sb);
  }
}

/*
** Serialize a freshly created token and decode it with verification.
** Anything but success (or running out of memory) is a library bug.
*/
static biscuit_token *reload(const biscuit_token *t) {
  const biscuit_public_key *pk = biscuit_keypair_public(root);
  biscuit_token *back = NULL;
  uint8_t *bytes = NULL;
  size_t len = 0;
  biscuit_error *err = NULL;
  biscuit_status st = biscuit_token_to_bytes(t, &bytes, &len, NULL);
  if (st == BISCUIT_OK)
    st = biscuit_token_from_bytes(bytes, len, pk, NULL, &back, &err);
  if (st != BISCUIT_OK && st != BISCUIT_E_NOMEM)
    violated("created token does not reload",
             biscuit_status_str(st), err ? biscuit_error_message(err) : NULL);
  biscuit_error_free(err);
  biscuit_free(bytes);
  if (back)
    compare_sources(t, back);
  return back;
}

/* `$x.extern::f($y)`: echo the argument (or the receiver). */
static int echo_extern(void *ud, const char *name, const char *receiver,
                       const char *arg, char **result) {
  const char *v = arg ? arg : receiver;
  size_t n = strlen(v) + 1;
  (void)ud;
  if (strcmp(name, "echo") != 0)
    return -1;
  *result = malloc(n);
  if (!*result)
    return 1;
  memcpy(*result, v, n);
  return 0;
}

/* Authorizer: shared policy, request code, fixed time, bounded run. */
static void authorize(const biscuit_token *t, const char *code) {
  biscuit_authorizer *a = NULL;
  biscuit_limits lim = biscuit_limits_default();
  biscuit_error *err = NULL;
  size_t idx = 0;
  char *json = NULL;
  lim.max_time_us = 10 * 1000 * 1000; /* the work budget decides */
  lim.max_work = 200000;
  if (biscuit_authorizer_new(policy, &a, NULL) != BISCUIT_OK)
    return;
  biscuit_authorizer_set_limits(a, &lim);
  biscuit_authorizer_set_extern(a, echo_extern, NULL);
  if (biscuit_authorizer_add_token(a, t, NULL) == BISCUIT_OK &&
      (!code || biscuit_authorizer_add_code(a, code, NULL, NULL) ==
                    BISCUIT_OK) &&
      biscuit_authorizer_add_time(a, 1717200000, NULL) == BISCUIT_OK) {
    (void)biscuit_authorizer_authorize(a, &idx, &err);
    if (err) {
      char *ej = biscuit_error_json(err);
      biscuit_free(ej);
    }
    if (biscuit_authorizer_world_json(a, &json, NULL) == BISCUIT_OK)
      biscuit_free(json);
  }
  biscuit_error_free(err);
  biscuit_authorizer_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sections s;
  split(&s, (const char *)data, size);
  biscuit_token *t = build(&s);
  biscuit_token *back = t ? reload(t) : NULL;
  if (back)
    authorize(back, s.authorizer);
  biscuit_token_free(back);
  biscuit_token_free(t);
  sections_free(&s);
  return 0;
}
