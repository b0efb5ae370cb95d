/*
** The `biscuit` command: what its files share. The command uses only the
** public API (<biscuit/biscuit.h>), like lua.c or curl's src/; this header
** is private to cli/.
**
** Conventions inside cli/:
**  - A command returns an exit status (CLI_EXIT_*), never calls exit().
**  - Every failure prints one clear message on stderr (cli_error and
**    friends in report.c) before it is returned.
**  - Buffers from the library are freed with biscuit_free(); our own with
**    free(). Secrets (private keys, unsealed token bytes) are wiped.
*/
#ifndef BISCUIT_CLI_H
#define BISCUIT_CLI_H

#include <biscuit/biscuit.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------ exit status */

#define CLI_EXIT_OK 0      /* everything asked for succeeded             */
#define CLI_EXIT_REFUSED 1 /* signature, authorization or query failed   */
#define CLI_EXIT_USAGE 2   /* bad command line                           */
#define CLI_EXIT_ERROR 3   /* unreadable input, bad key, Datalog, format */

/* ------------------------------------------------------------- arguments */

enum cli_opt_kind {
  CLI_FLAG,  /* --json                    */
  CLI_VALUE, /* --block S (at most once)  */
  CLI_MULTI  /* --param P (any number)    */
};

typedef struct cli_opt {
  const char *name; /* without the leading "--" */
  enum cli_opt_kind kind;
  const char *metavar; /* shown in --help for options with a value */
  const char *help;
} cli_opt;

typedef struct cli_args cli_args;

typedef struct cli_cmd {
  const char *name;
  const char *input;  /* the positional argument's name, or NULL */
  int input_required; /* 1 when the positional must be given     */
  int input_many;     /* 1 when it may be given several times    */
  const char *summary;
  const char *details; /* printed under the usage line by --help */
  const cli_opt *opts; /* ended by an entry with a NULL name      */
  int (*run)(const cli_args *a);
} cli_cmd;

struct cli_arg {
  int opt; /* index into cmd->opts */
  const char *value;
};

struct cli_args {
  const cli_cmd *cmd;
  const char *input; /* the (first) positional argument, or NULL */
  const char **inputs; /* every positional argument (input_many) */
  size_t n_inputs;
  struct cli_arg *items;
  size_t n;
};

/* Option table entries that several commands share. */
// clang-format off
#define CLI_OPTS_SIGNING_KEY                                                 \
  {"private-key", CLI_VALUE, "K", "the signing private key (text)"},        \
  {"private-key-file", CLI_VALUE, "F", "read the private key from a file"}, \
  {"private-key-format", CLI_VALUE, "raw|hex|pem",                          \
   "format of the private key (default hex)"},                              \
  {"private-key-algorithm", CLI_VALUE, "ALG",                               \
   "algorithm of a bare hex or raw key: ed25519 (default), secp256r1"}
#define CLI_OPTS_BLOCK_EXTRAS                                                \
  {"context", CLI_VALUE, "S", "free text stored in the block"},             \
  {"add-ttl", CLI_VALUE, "TTL",                                             \
   "add an expiry check: a duration (30s, 5m, 1h, 1d) or RFC 3339 date"},   \
  CLI_OPT_PARAM
#define CLI_OPT_PARAM                                                        \
  {"param", CLI_MULTI, "NAME[:TYPE]=VALUE",                                 \
   "value for {NAME}; TYPE: string (default), integer, date, bytes, "       \
   "bool, pubkey"}
#define CLI_OPTS_LIMITS                                                      \
  {"max-facts", CLI_VALUE, "N", "stop after N facts (default 1000)"},       \
  {"max-iterations", CLI_VALUE, "N",                                        \
   "stop after N iterations (default 100)"},                                \
  {"max-time", CLI_VALUE, "DURATION", "stop after e.g. 100ms (default 1ms)"}, \
  {"max-work", CLI_VALUE, "N",                                              \
   "stop after N work units: candidate bindings and expression steps, "     \
   "the same on every machine (default 1000000)"},                         \
  {"max-memory", CLI_VALUE, "BYTES",                                        \
   "stop when the terms (or, apart, the strings) held reach BYTES "         \
   "(default 33554432, 32 MiB)"},                                           \
  {"max-body-predicates", CLI_VALUE, "N",                                   \
   "refuse rules with more body predicates (default 32)"},                  \
  {"max-stack", CLI_VALUE, "N",                                             \
   "deepest expression evaluation stack (default 256)"},                    \
  {"max-closure-depth", CLI_VALUE, "N",                                     \
   "most closures nested in an evaluation (default 16, at most 64)"},       \
  {"max-elements", CLI_VALUE, "N",                                          \
   "largest set, array or map an expression makes (default 1024)"},         \
  {"max-string", CLI_VALUE, "BYTES",                                        \
   "longest string an expression makes (default 65536)"}
#define CLI_OPTS_DECODE                                                      \
  {"max-token-size", CLI_VALUE, "BYTES",                                    \
   "refuse larger tokens (default 65536)"},                                 \
  {"max-blocks", CLI_VALUE, "N", "refuse tokens of more blocks (default 64)"}, \
  {"max-nesting", CLI_VALUE, "N",                                           \
   "refuse protobuf messages nested deeper (default 64, at most 256)"}
#define CLI_OPTS_END {NULL, CLI_FLAG, NULL, NULL}
// clang-format on

/* Parses argv (after the subcommand name); CLI_EXIT_OK or an exit status
   (CLI_EXIT_USAGE, or CLI_EXIT_OK with *help set after --help). */
int cli_args_parse(const cli_cmd *cmd, int argc, char **argv, cli_args *a,
                   int *help);
void cli_args_free(cli_args *a);
const char *cli_args_get(const cli_args *a, const char *name);
int cli_args_has(const cli_args *a, const char *name);
/* Walks a CLI_MULTI option's values; *pos starts at 0. */
const char *cli_args_next(const cli_args *a, const char *name, size_t *pos);
/* Usage error when more than one of the NULL-ended names is given. */
int cli_args_exclusive(const cli_args *a, const char *const *names);
/* Usage error when `name` is given without `needed`. */
int cli_args_requires(const cli_args *a, const char *name, const char *needed);
void cli_help_command(const cli_cmd *cmd);
/* Prints text wrapped under 80 columns, continuing lines at `indent`. */
void cli_wrap(FILE *f, const char *text, int indent);

/* The command table (main.c). */
extern const cli_cmd cli_cmd_keypair, cli_cmd_generate, cli_cmd_attenuate,
    cli_cmd_seal, cli_cmd_inspect, cli_cmd_inspect_snapshot, cli_cmd_tp_request,
    cli_cmd_tp_block, cli_cmd_tp_append, cli_cmd_test, cli_cmd_repl;

/* ------------------------------------------------------------ reporting */

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "<what>: <the library's message>" on stderr; returns the exit status
   that fits the error's status. */
int cli_api_error(const char *what, const biscuit_error *e);
/* A Datalog error: the report (file:line:column, line, caret), with the
   library's "<input>" replaced by `source`. */
int cli_datalog_error(const char *source, const biscuit_error *e);
/* The report of a Datalog error, renamed; caller frees (NULL on OOM). */
char *cli_datalog_report(const char *source, const biscuit_error *e);
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Exit status for a library status (denied/signature: refused). */
int cli_exit_for(biscuit_status st);
int cli_oom(void);
/* The text of the last message reported, for JSON outputs. */
const char *cli_last_error(void);

/* Colour on a terminal only, never with NO_COLOR or TERM=dumb. */
int cli_colour(int fd);
/* SGR sequence `code` when colouring `fd`, else "". */
const char *cli_sgr(int fd, const char *code);

/* ------------------------------------------------------------ input, output */

/* A file's bytes, or stdin's for "-", NUL-terminated; caller frees. */
int cli_read_file(const char *path, uint8_t **out, size_t *len);
/* A Datalog text file (or stdin): refused if it holds NUL bytes. */
int cli_read_text(const char *path, char **out);
/* A malloc'd copy of s, or NULL. */
char *cli_strdup(const char *s);
/* The display name of an input: "<stdin>" for "-". */
const char *cli_input_name(const char *path);
/* Bytes given as base64 text (whitespace around it ignored) or raw, in
   a buffer the caller frees with free(). */
int cli_read_encoded(const char *path, int raw, const char *what, uint8_t **out,
                     size_t *len);
/* Base64 text (URL-safe, padding optional) of an argument value. */
int cli_decode_text(const char *text, const char *what, uint8_t **out,
                    size_t *len);
/* A token from a file or stdin, parsed without a root key: the commands
   that attenuate, seal or extend a token need none. */
int cli_read_token(const char *path, int raw, biscuit_token **out);
/* Writes bytes raw, or as base64 plus a newline. */
int cli_write_encoded(const uint8_t *p, size_t len, int raw);
int cli_write_token(const biscuit_token *t, int raw);
int cli_write_file(const char *path, const uint8_t *p, size_t len);
void cli_wipe(void *p, size_t len);

/* ------------------------------------------------------------ keys */

/* Parses "ed25519" / "secp256r1"; NULL gives `dflt`. */
int cli_algorithm(const char *name, biscuit_algorithm dflt,
                  biscuit_algorithm *out);
/* A private key from text or file in raw|hex|pem (NULL format = hex). */
int cli_private_key(const char *text, const char *file, const char *format,
                    const char *alg, biscuit_keypair **out);
int cli_public_key(const char *text, const char *file, const char *format,
                   const char *alg, biscuit_public_key **out);
/* The private key flags shared by generate and generate-third-party-block. */
int cli_signing_key(const cli_args *a, biscuit_keypair **out);

/* PEM (PKCS#8 private keys, SubjectPublicKeyInfo public keys). */
char *cli_pem_private(const biscuit_keypair *kp);
char *cli_pem_public(const biscuit_public_key *pk);
int cli_pem_read_private(const char *text, biscuit_algorithm *alg,
                         uint8_t key[32]);
int cli_pem_read_public(const char *text, biscuit_algorithm *alg,
                        uint8_t key[33], size_t *len);

/* ------------------------------------------------------------ Datalog input */

/* --param NAME[:TYPE]=VALUE values into a new params object. */
int cli_params(const cli_args *a, biscuit_params **out);

/* A duration such as 30s, 100ms, 5m, 1h, 1d in microseconds. */
int cli_parse_duration(const char *text, uint64_t *us);
/* An RFC 3339 date in seconds since the epoch. */
int cli_parse_date(const char *text, uint64_t *secs);
/* RFC 3339 text "YYYY-MM-DDTHH:MM:SSZ" of a date; buf holds 32 bytes. */
void cli_format_date(uint64_t secs, char buf[32]);
/* --add-ttl: the expiry date of a duration or date argument. */
int cli_ttl_date(const char *text, uint64_t *secs);

/* The text of a block to sign and its options, from a command's flags. */
typedef struct cli_block {
  char *code;   /* Datalog text, with the TTL check appended */
  char *source; /* where it came from, for error reports */
  biscuit_params *params;
  biscuit_block_options opt;
} cli_block;

/* Reads the block from the `text_flag` / `file_flag` options (either may
   be NULL; no file flag means the positional input), else from $EDITOR,
   and applies --context, --add-ttl and --param. */
int cli_block_read(const cli_args *a, const char *text_flag,
                   const char *file_flag, cli_block *b);
void cli_block_free(cli_block *b);
/* A failure to sign the block: Datalog errors with their report, others
   as "<what>: <message>". */
int cli_block_error(const char *what, const cli_block *b,
                    const biscuit_error *e);
/* Opens $EDITOR on a temporary file; its contents, caller frees. */
int cli_edit_text(const char *what, char **out);

/* CLI_OPTS_LIMITS (--max-facts, --max-iterations, --max-time,
   --max-work, --max-memory and the evaluation guards) over the defaults. */
int cli_limits(const cli_args *a, biscuit_limits *l);
/* CLI_OPTS_DECODE (--max-token-size, --max-blocks, --max-nesting). */
int cli_decode_options(const cli_args *a, biscuit_decode_options *o);

/* ------------------------------------------------------------ inspect */

/* Everything `inspect` found out, for the JSON and human printers. */
typedef struct cli_inspection {
  biscuit_token *token; /* NULL when the token could not be parsed  */
  char *parse_error;    /* why not, when token is NULL              */
  int signatures;       /* -1 not checked, 0 failed, 1 verified     */
  char *verify_error;   /* why the signatures failed                */
  char *root_key;       /* "ed25519/<hex>" when a key was given      */
  biscuit_authorizer *authorizer; /* when authorization or a query ran */
  int authorized;          /* 1 when authorization ran (or was refused) */
  char *policies_json;     /* the authorizer's policies, a JSON array   */
  biscuit_status auth_st;  /* OK, DENIED or an error that aborted it   */
  size_t policy_index;     /* the allow policy that matched             */
  biscuit_error *auth_err; /* the failure, when auth_st is not OK     */
  uint64_t iterations;
  uint64_t elapsed_us;
  const char *query_rule; /* the --query rule, or NULL               */
  biscuit_status query_st;
  char *query_facts; /* one fact a line, when query_st is OK      */
  biscuit_error *query_err;
  char *world_json;         /* inspect-snapshot: the world as restored   */
  uint64_t snap_iterations; /* inspect-snapshot: the run it was taken   */
  uint64_t snap_elapsed_us; /* after (both 0 when taken before any run) */
} cli_inspection;

/*
** A snapshot given as input: an AuthorizerSnapshot (the reference's
** format, what --dump-*snapshot-to write) kept as bytes, to restore a
** fresh authorizer from each time one is needed; or else the policy set
** of an AuthorizerPolicies message (biscuit_policy_to_snapshot's).
*/
typedef struct cli_snapshot {
  uint8_t *bytes; /* an AuthorizerSnapshot, or NULL */
  size_t len;
  biscuit_policy *policy; /* when the bytes were AuthorizerPolicies */
} cli_snapshot;

/* Reads a snapshot from the file `path` (raw or base64), or from the
   base64 `text` when path is NULL, and makes sure it can be restored. */
int cli_snapshot_read(const char *path, const char *text, int raw,
                      cli_snapshot *s);
/* A new authorizer restored from s (no extern functions). */
int cli_snapshot_authorizer(const cli_snapshot *s, biscuit_authorizer **out);
void cli_snapshot_free(cli_snapshot *s);

/* What to run over a verified token. */
typedef struct cli_auth_request {
  const char *code;             /* authorizer Datalog, or NULL            */
  const char *source;           /* its name in error reports              */
  const cli_snapshot *snapshot; /* or the authorizer of a snapshot        */
  const biscuit_params *params;
  biscuit_limits limits;
  int include_time;
  uint64_t now; /* the time(...) --include-time adds, Unix seconds */
  const char *query;
  int query_all;
} cli_auth_request;

/* Parses the token (verifying it when `root` is given) into r. */
void cli_inspect_decode(const uint8_t *bytes, size_t len,
                        const biscuit_public_key *root,
                        const biscuit_decode_options *opt, cli_inspection *r);
/* Authorizes and queries r->token; an invalid authorizer is an error
   (reported, its exit status returned), a refusal is a result in r. */
int cli_inspect_authorize(const cli_auth_request *q, cli_inspection *r);
/* The authorizer side of q without a token (code or snapshot, and the
   time): the reference's AuthorizerBuilder, as policies snapshots hold. */
int cli_request_authorizer(const cli_auth_request *q, biscuit_authorizer **out);
/* The "policies" array of a world dump, as JSON text; caller frees. */
char *cli_world_policies(const char *world);
/* The exit status of what r holds. */
int cli_inspection_status(const cli_inspection *r);
void cli_inspection_free(cli_inspection *r);

/* The one-line JSON document of `inspect --json`; caller frees. */
char *cli_inspection_json(const cli_inspection *r);
/* {"error":"<message>"}; caller frees. */
char *cli_json_error(const char *message);
/* Human output of `inspect`, on stdout. */
void cli_inspection_print(const cli_inspection *r);

/* The query over r->authorizer, recorded in r->query_*. */
void cli_inspect_query(const cli_auth_request *q, cli_inspection *r);
/* inspect-snapshot: r->authorizer restored from a snapshot, with its
   world and run recorded, then authorized again and queried. */
void cli_inspect_snapshot(const cli_auth_request *q, cli_inspection *r);
/* {"code":S,"iterations":N,"elapsed_micros":N|null,"auth":A,
   "query":null|[S]|{"error":E},"world":W}; caller frees. */
char *cli_snapshot_json(const cli_inspection *r);
void cli_snapshot_print(const cli_inspection *r);

/* ------------------------------------------------------------ biscuit test */

/*
** `biscuit test` (cmd_test.c) runs .test files of cases (the format:
** cli/README.md, "biscuit test"). test_file.c reads them, test_case.c
** runs a case through this API, test_extern.c is the samples' `test`
** extern function, test_report.c compares, diffs and prints, and
** test_paths.c finds the files under folders.
*/

/* Lines of text, each malloc'd: what a case expects or produced. */
typedef struct cli_lines {
  char **v;
  size_t n, cap;
} cli_lines;

/* Each returns 0 when out of memory. split: no empty last line for a
   final '\n'. */
int cli_lines_push(cli_lines *l, const char *s, size_t len);
int cli_lines_split(cli_lines *l, const char *text);
int cli_lines_printf(cli_lines *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int cli_lines_eq(const cli_lines *a, const cli_lines *b);
void cli_lines_free(cli_lines *l);

typedef struct cli_test_block {
  char *code;                /* the section's lines, each ended by '\n' */
  biscuit_keypair *external; /* a third-party block's signer, or NULL */
} cli_test_block;

typedef struct cli_test_query {
  char *rule;
  int all; /* %%query-all */
  cli_lines want;
} cli_test_query;

typedef struct cli_test_case {
  char *name;
  unsigned line; /* of its %%name */
  cli_test_block *blocks;
  size_t n_blocks;
  char *authorizer; /* NULL without %%authorizer */
  biscuit_limits limits;
  int has_expect, has_expect_error, has_world, has_print;
  biscuit_status error_status; /* %%expect-error incomplete|parse, or OK */
  cli_lines expect, expect_error, world, print;
  cli_test_query *queries;
  size_t n_queries;
} cli_test_case;

typedef struct cli_test_file {
  char *path;       /* as found */
  const char *base; /* its last component, which names sections */
  cli_test_case *cases;
  size_t n_cases;
} cli_test_file;

/* Reads a .test file; a file that cannot be read or breaks the format is
   reported (path:line: why) and gives CLI_EXIT_ERROR. */
int cli_test_file_load(const char *path, cli_test_file *f);
void cli_test_file_free(cli_test_file *f);

/* The details printed under a case's ok/FAIL line, built as it runs. */
typedef struct cli_test_log {
  int failed;
  int verbose; /* also record what passing comparisons produced */
  cli_lines lines;
} cli_test_log;

/* A comparison: a mismatch fails the case with a diff of `what`. */
void cli_test_compare(cli_test_log *log, const char *what,
                      const cli_lines *want, const cli_lines *got);
/* Fails the case with a message (and its extra lines, if any). */
void cli_test_fail(cli_test_log *log, const char *what, const char *msg,
                   const cli_lines *more);
/* "ok    path:LINE: name" or "FAIL  ...", then the log's lines. */
void cli_test_print(const char *path, const cli_test_case *c,
                    const cli_test_log *log, int quiet);
void cli_test_log_free(cli_test_log *log);

/* Runs one case, recording what failed (and, verbose, what passed). */
void cli_test_case_run(const cli_test_file *f, const cli_test_case *c,
                       cli_test_log *log);

/* The samples' `test` extern function (a biscuit_extern_fn). */
int cli_test_extern(void *ud, const char *name, const char *receiver,
                    const char *arg, char **result);

/* The .test files of `path`: itself if a file, else every *.test below
   it; appended to `files` (sorted per folder). Reports failures. */
int cli_test_paths(const char *path, cli_lines *files);

#endif
