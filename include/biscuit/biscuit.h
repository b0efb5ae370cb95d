/*
** libbiscuit: Biscuit v3 authorization tokens in C.
**
** This header is the manual. Read it top to bottom once.
**
** CONVENTIONS
**  - Every fallible call returns a biscuit_status. BISCUIT_OK is 0 and
**    every other value, denial included, is non-zero, so
**    `if (rc != BISCUIT_OK) reject();` is always the safe test.
**  - The last parameter `biscuit_error **err` may be NULL. When it is not
**    and the call fails, *err receives a detail object that the caller
**    frees with biscuit_error_free(); on success *err is set to NULL.
**  - On failure every out-parameter is set to NULL (or 0).
**  - Constructors (`_new`, `_from_*`, `_create`, `_append`...) hand the
**    caller an object to release with its `_free`; `_free(NULL)` is a
**    no-op. Input buffers are copied: no caller pointer is kept.
**  - A `char *` or `uint8_t *` result belongs to the caller and is freed
**    with biscuit_free(). A `const char *` result is borrowed from its
**    owner object and valid until that object changes or is freed.
**  - Thread safety: keys, tokens and policies are immutable once built and
**    may be shared by any number of threads. An authorizer belongs to one
**    request and one thread at a time.
*/
#ifndef BISCUIT_BISCUIT_H
#define BISCUIT_BISCUIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(BISCUIT_BUILDING) && defined(__GNUC__)
#define BISCUIT_API __attribute__((visibility("default")))
#else
#define BISCUIT_API
#endif
#if defined(__GNUC__)
#define BISCUIT_NODISCARD __attribute__((warn_unused_result))
#else
#define BISCUIT_NODISCARD
#endif

/* ================================================================ version */

/* X * 1,000,000 + Y * 1,000 + Z for version X.Y.Z */
#define BISCUIT_VERSION_NUMBER 1000
#define BISCUIT_VERSION_STRING "0.1.0"
/* The library's own number, to check that header and library match. */
BISCUIT_API int biscuit_version_number(void);

/* Datalog block versions this library reads (v3.0 = 3 ... v3.3 = 6). */
#define BISCUIT_MIN_BLOCK_VERSION 3
#define BISCUIT_MAX_BLOCK_VERSION 6

/* ================================================================= status */

/*
** Status codes. Append only: never renumber or remove a value.
*/
typedef enum biscuit_status {
  BISCUIT_OK = 0,
  BISCUIT_DENIED = 1,       /* authorization ran; it did not allow       */
  BISCUIT_E_PARSE = 2,      /* Datalog text; see line/column             */
  BISCUIT_E_FORMAT = 3,     /* bytes are not a valid token or snapshot   */
  BISCUIT_E_SIGNATURE = 4,  /* a signature or the proof did not verify   */
  BISCUIT_E_LIMIT = 5,      /* facts / iterations / time / work / size   */
  BISCUIT_E_NOMEM = 6,      /* an allocation failed                      */
  BISCUIT_E_MISUSE = 7,     /* bad arguments: the caller's bug           */
  BISCUIT_E_EXECUTION = 8,  /* an expression failed (overflow, type...)  */
  BISCUIT_E_LOGIC = 9,      /* invalid rule, e.g. unbound head variable  */
  BISCUIT_E_INCOMPLETE = 10 /* Datalog text ended inside a statement     */
} biscuit_status;

/* Static text for a status ("ok", "denied", "parse error", ...). */
BISCUIT_API const char *biscuit_status_str(biscuit_status st);

/*
** Frees any char * or uint8_t * the library returned, wiping it first
** (private key text, unsealed token bytes). NULL is a no-op.
*/
BISCUIT_API void biscuit_free(void *p);

/* ================================================================= errors */

typedef struct biscuit_error biscuit_error;

/* The block id used for the authorizer in failed checks. */
#define BISCUIT_AUTHORIZER_BLOCK UINT32_MAX

BISCUIT_API void biscuit_error_free(biscuit_error *e);
BISCUIT_API biscuit_status biscuit_error_status(const biscuit_error *e);
/* One line in our own words, e.g. "block 1 check 0 failed". */
BISCUIT_API const char *biscuit_error_message(const biscuit_error *e);
/*
** The reference implementation's variant path for this error, e.g.
** "Format/Signature/InvalidSignature", "Execution/Overflow",
** "FailedLogic/Unauthorized", "RunLimit/TooManyFacts". Never NULL.
*/
BISCUIT_API const char *biscuit_error_kind(const biscuit_error *e);
/* Parse errors: 1-based line and column (code points), 0 otherwise. */
BISCUIT_API unsigned biscuit_error_line(const biscuit_error *e);
BISCUIT_API unsigned biscuit_error_column(const biscuit_error *e);
/*
** Parse errors: the full report with file:line:column, the source line
** and a caret; other errors: the message. Borrowed.
*/
BISCUIT_API const char *biscuit_error_report(const biscuit_error *e);

/*
** Denials: the failed checks, in the reference's order (authorizer
** checks, authority checks, then the other blocks'). block_id is
** BISCUIT_AUTHORIZER_BLOCK for the authorizer's own checks.
*/
BISCUIT_API size_t biscuit_error_failed_check_count(const biscuit_error *e);
BISCUIT_API biscuit_status biscuit_error_failed_check(const biscuit_error *e,
                                                      size_t i,
                                                      uint32_t *block_id,
                                                      uint32_t *check_index,
                                                      const char **rule);
/*
** Denials: which policy matched. *kind is 'a' (allow matched, but checks
** failed), 'd' (a deny policy matched) or 0 (no policy matched).
*/
BISCUIT_API void biscuit_error_policy(const biscuit_error *e, int *kind,
                                      size_t *index);

/*
** The error as the reference's externally tagged JSON value (the official
** samples' `result.Err` shape), e.g. {"Execution":"Overflow"} or
** {"FailedLogic":{"Unauthorized":{"policy":{"Allow":0},"checks":[...]}}}.
** Caller frees.
*/
BISCUIT_API char *biscuit_error_json(const biscuit_error *e);

/* =================================================================== keys */

typedef enum biscuit_algorithm {
  BISCUIT_ED25519 = 0,
  BISCUIT_SECP256R1 = 1
} biscuit_algorithm;

typedef struct biscuit_keypair biscuit_keypair;
typedef struct biscuit_public_key biscuit_public_key;

/* Constructor: a fresh random key pair. */
BISCUIT_API biscuit_status biscuit_keypair_new(biscuit_algorithm alg,
                                               biscuit_keypair **out,
                                               biscuit_error **err);
/* Constructor: from a 32-byte private key (Ed25519 seed, P-256 scalar). */
BISCUIT_API biscuit_status biscuit_keypair_from_bytes(biscuit_algorithm alg,
                                                      const uint8_t *priv,
                                                      size_t len,
                                                      biscuit_keypair **out,
                                                      biscuit_error **err);
/*
** Constructor: from text, "ed25519-private/<hex>",
** "secp256r1-private/<hex>", or bare hex (then `alg` decides).
*/
BISCUIT_API biscuit_status biscuit_keypair_from_text(biscuit_algorithm alg,
                                                     const char *text,
                                                     biscuit_keypair **out,
                                                     biscuit_error **err);
/* Destructor: the private key is wiped. */
BISCUIT_API void biscuit_keypair_free(biscuit_keypair *kp);
/* Borrowed: the public half, valid while kp lives. */
BISCUIT_API const biscuit_public_key *
biscuit_keypair_public(const biscuit_keypair *kp);
/* Caller frees with biscuit_free, which wipes it. */
BISCUIT_API char *biscuit_keypair_private_text(const biscuit_keypair *kp);
BISCUIT_API biscuit_status biscuit_keypair_private_bytes(
    const biscuit_keypair *kp, uint8_t out[32]);

/* Constructor: 32 bytes (Ed25519) or 33 compressed bytes (P-256). */
BISCUIT_API biscuit_status biscuit_public_key_from_bytes(
    biscuit_algorithm alg, const uint8_t *key, size_t len,
    biscuit_public_key **out, biscuit_error **err);
/* Constructor: "ed25519/<hex>", "secp256r1/<hex>", or bare hex. */
BISCUIT_API biscuit_status biscuit_public_key_from_text(
    biscuit_algorithm alg, const char *text, biscuit_public_key **out,
    biscuit_error **err);
BISCUIT_API void biscuit_public_key_free(biscuit_public_key *pk);
BISCUIT_API biscuit_algorithm
biscuit_public_key_algorithm(const biscuit_public_key *pk);
/* Writes the raw key; returns its length (32 or 33). */
BISCUIT_API size_t biscuit_public_key_bytes(const biscuit_public_key *pk,
                                            uint8_t out[33]);
/* "ed25519/<hex>"; caller frees. */
BISCUIT_API char *biscuit_public_key_text(const biscuit_public_key *pk);

/* ============================================================= parameters */

/*
** Values for `{name}` placeholders in Datalog text. A params object is
** filled by the caller and passed to any call that parses text.
*/
typedef struct biscuit_params biscuit_params;

BISCUIT_API biscuit_params *biscuit_params_new(void);
BISCUIT_API void biscuit_params_free(biscuit_params *p);
BISCUIT_API biscuit_status biscuit_params_string(biscuit_params *p,
                                                 const char *name,
                                                 const char *value);
BISCUIT_API biscuit_status biscuit_params_integer(biscuit_params *p,
                                                  const char *name,
                                                  int64_t value);
BISCUIT_API biscuit_status biscuit_params_bool(biscuit_params *p,
                                               const char *name, int value);
/* Seconds since the Unix epoch. */
BISCUIT_API biscuit_status biscuit_params_date(biscuit_params *p,
                                               const char *name,
                                               uint64_t value);
BISCUIT_API biscuit_status biscuit_params_bytes(biscuit_params *p,
                                                const char *name,
                                                const uint8_t *value,
                                                size_t len);
/* For `trusting {name}` scopes. */
BISCUIT_API biscuit_status biscuit_params_public_key(
    biscuit_params *p, const char *name, const biscuit_public_key *value);

/* ================================================================= tokens */

typedef struct biscuit_token biscuit_token;

/* Optional settings for decoding; NULL means the defaults. */
typedef struct biscuit_decode_options {
  size_t max_size;   /* bytes, default 65536 */
  size_t max_blocks; /* default 64 */
  /* Reserved. Legacy third-party blocks (external signature payload v0)
     can be replayed across tokens; this version always refuses them,
     whatever this field says. */
  int unsafe_legacy_third_party;
  uint32_t max_depth; /* protobuf messages nested, default 64, at most 256 */
} biscuit_decode_options;

/*
** Constructor: parse and verify a token against the root public key:
** every block signature, every external signature, and the proof.
** Blocks must be Datalog versions 3..6.
*/
BISCUIT_API BISCUIT_NODISCARD biscuit_status biscuit_token_from_bytes(
    const uint8_t *bytes, size_t len, const biscuit_public_key *root,
    const biscuit_decode_options *opt, biscuit_token **out,
    biscuit_error **err);
/* The same from URL-safe base64 text (padding optional). */
BISCUIT_API BISCUIT_NODISCARD biscuit_status biscuit_token_from_base64(
    const char *text, size_t len, const biscuit_public_key *root,
    const biscuit_decode_options *opt, biscuit_token **out,
    biscuit_error **err);
/*
** Constructor for inspection only: parses without checking signatures.
** An unverified token can be printed and attenuated but the authorizer
** refuses it (BISCUIT_E_MISUSE).
*/
BISCUIT_API biscuit_status biscuit_token_from_bytes_unverified(
    const uint8_t *bytes, size_t len, const biscuit_decode_options *opt,
    biscuit_token **out, biscuit_error **err);
BISCUIT_API void biscuit_token_free(biscuit_token *t);

BISCUIT_API biscuit_status biscuit_token_to_bytes(const biscuit_token *t,
                                                  uint8_t **out, size_t *len,
                                                  biscuit_error **err);
/* URL-safe base64 with padding, NUL-terminated; caller frees. */
BISCUIT_API biscuit_status biscuit_token_to_base64(const biscuit_token *t,
                                                   char **out,
                                                   biscuit_error **err);

BISCUIT_API size_t biscuit_token_block_count(const biscuit_token *t);
BISCUIT_API int biscuit_token_is_sealed(const biscuit_token *t);
BISCUIT_API int biscuit_token_is_verified(const biscuit_token *t);
/* Returns 1 and sets *id if the token carries a root key id. */
BISCUIT_API int biscuit_token_root_key_id(const biscuit_token *t,
                                          uint32_t *id);
/* Block i's Datalog source as the reference prints it; caller frees. */
BISCUIT_API char *biscuit_token_block_source(const biscuit_token *t,
                                             size_t i);
/* Block i's Datalog version (3..6), or 0 if i is out of range. */
BISCUIT_API uint32_t biscuit_token_block_version(const biscuit_token *t,
                                                 size_t i);
/* Borrowed; NULL when the block has no context. */
BISCUIT_API const char *biscuit_token_block_context(const biscuit_token *t,
                                                    size_t i);
/* "ed25519/<hex>" of a third-party block's signer, or NULL; caller frees. */
BISCUIT_API char *biscuit_token_block_external_key(const biscuit_token *t,
                                                   size_t i);
/* Block i's symbols (the strings its symbol table adds), borrowed. */
BISCUIT_API size_t biscuit_token_block_symbol_count(const biscuit_token *t,
                                                    size_t i);
BISCUIT_API const char *biscuit_token_block_symbol(const biscuit_token *t,
                                                   size_t i, size_t j);
/* Revocation id of block i: lowercase hex of its signature; caller frees. */
BISCUIT_API char *biscuit_token_revocation_id(const biscuit_token *t,
                                              size_t i);

/* ====================================================== verified-token cache */

/*
** A bounded, thread-safe cache of verified tokens, keyed by SHA-256 of the
** root public key and the exact token bytes (never a re-encoding), so a
** token presented again skips decoding and signature verification. It
** holds verified, decoded blocks only: it never caches a verdict, so every
** request still runs its checks (expiry, revocation) in full. Entries are
** evicted least-recently-used when either bound is reached.
*/
typedef struct biscuit_cache biscuit_cache;

/* Constructor. max_entries and max_bytes must be non-zero. */
BISCUIT_API biscuit_status biscuit_cache_new(size_t max_entries,
                                             size_t max_bytes,
                                             biscuit_cache **out,
                                             biscuit_error **err);
/* Destructor. Tokens handed out stay valid after the cache is freed. */
BISCUIT_API void biscuit_cache_free(biscuit_cache *c);
/*
** biscuit_token_from_bytes through the cache: on a hit the token is
** returned without decoding or verifying again. The token is the
** caller's (biscuit_token_free); it may share immutable data with the
** cache. Safe to call from many threads at once.
*/
BISCUIT_API BISCUIT_NODISCARD biscuit_status biscuit_cache_token_from_bytes(
    biscuit_cache *c, const uint8_t *bytes, size_t len,
    const biscuit_public_key *root, const biscuit_decode_options *opt,
    biscuit_token **out, biscuit_error **err);
/* Counters since creation; any out-pointer may be NULL. */
BISCUIT_API void biscuit_cache_stats(const biscuit_cache *c, uint64_t *hits,
                                     uint64_t *misses, size_t *entries,
                                     size_t *bytes);

/* ================================================== building and appending */

/* Optional settings when creating a block; NULL means none. */
typedef struct biscuit_block_options {
  const biscuit_params *params;
  const char *context;  /* stored in the block, not interpreted */
  int has_root_key_id;  /* authority block only */
  uint32_t root_key_id;
  const char *filename; /* names the text in parse errors; may be NULL */
} biscuit_block_options;

/* Constructor: a new token whose authority block is `datalog`. */
BISCUIT_API biscuit_status biscuit_token_create(
    const biscuit_keypair *root, const char *datalog,
    const biscuit_block_options *opt, biscuit_token **out,
    biscuit_error **err);
/* Constructor: attenuate: t plus one block (no key needed). */
BISCUIT_API biscuit_status biscuit_token_append(
    const biscuit_token *t, const char *datalog,
    const biscuit_block_options *opt, biscuit_token **out,
    biscuit_error **err);
/* Constructor: a sealed copy that can no longer be attenuated. */
BISCUIT_API biscuit_status biscuit_token_seal(const biscuit_token *t,
                                              biscuit_token **out,
                                              biscuit_error **err);

/*
** Third-party blocks. The holder makes a request from the token, the third
** party answers it with signed block contents, the holder appends them.
*/
BISCUIT_API biscuit_status biscuit_token_third_party_request(
    const biscuit_token *t, uint8_t **out, size_t *len, biscuit_error **err);
BISCUIT_API biscuit_status biscuit_third_party_block_create(
    const uint8_t *request, size_t request_len, const biscuit_keypair *signer,
    const char *datalog, const biscuit_block_options *opt, uint8_t **out,
    size_t *len, biscuit_error **err);
BISCUIT_API biscuit_status biscuit_token_append_third_party(
    const biscuit_token *t, const uint8_t *contents, size_t contents_len,
    biscuit_token **out, biscuit_error **err);

/* URL-safe base64 helpers for requests, contents and tokens. */
BISCUIT_API char *biscuit_base64_encode(const uint8_t *p, size_t len);
BISCUIT_API biscuit_status biscuit_base64_decode(const char *text,
                                                 size_t len, uint8_t **out,
                                                 size_t *out_len);

/* ========================================================= policy sets */

/*
** A policy set: the authorizer's own facts, rules, checks and policies,
** parsed and compiled once, immutable, shareable by any number of threads
** and authorizers.
*/
typedef struct biscuit_policy biscuit_policy;

/* Constructor. `filename` (may be NULL) names the text in errors. */
BISCUIT_API biscuit_status biscuit_policy_from_text(
    const char *datalog, const char *filename, const biscuit_params *params,
    biscuit_policy **out, biscuit_error **err);
BISCUIT_API void biscuit_policy_free(biscuit_policy *p);
/* The source as the reference prints it (facts, rules, checks, policies). */
BISCUIT_API char *biscuit_policy_source(const biscuit_policy *p);
/*
** Snapshot bytes of a policy set, readable by the reference: the
** AuthorizerPolicies message, or, when the set uses public keys or
** block-level `trusting` (which AuthorizerPolicies cannot carry), the
** reference's builder AuthorizerSnapshot. from_snapshot reads both.
*/
BISCUIT_API biscuit_status biscuit_policy_to_snapshot(const biscuit_policy *p,
                                                      uint8_t **out,
                                                      size_t *len,
                                                      biscuit_error **err);
BISCUIT_API biscuit_status biscuit_policy_from_snapshot(
    const uint8_t *bytes, size_t len, biscuit_policy **out,
    biscuit_error **err);

/* ============================================================ authorizer */

typedef struct biscuit_authorizer biscuit_authorizer;

/* Run limits. biscuit_limits_default() gives the defaults; a field left
   at 0 in biscuit_authorizer_set_limits keeps its default. */
typedef struct biscuit_limits {
  uint64_t max_facts;      /* 1000 */
  uint64_t max_iterations; /* 100 */
  uint64_t max_time_us;    /* 1000 (1 ms) */
  uint64_t max_work;       /* 1,000,000 deterministic work units */
  /* 32 MiB: bytes of terms the authorizer holds (the token's blocks and
     request code as loaded, every set, array and map its expressions
     make) and, apart, bytes of strings; past it: RunLimit/TooLarge */
  uint64_t max_memory;
  /* Guards of the expression machine and the join (0: the default). */
  uint32_t max_body_predicates; /* 32 predicates in one rule body */
  uint32_t max_stack;           /* 256 values on the evaluation stack */
  uint32_t max_closure_depth;   /* 16 closures nested (at most 64) */
  uint32_t max_elements;        /* 1,024 in a set, array or map made */
  uint64_t max_string;          /* 65,536 bytes in a string made */
} biscuit_limits;

BISCUIT_API biscuit_limits biscuit_limits_default(void);

/*
** A host function for `$x.extern::name()` and `$x.extern::name($y)`.
** Values cross as Datalog text, printed as the reference prints terms
** (e.g. `"abc"`, `12`, `[1, 2]`, `{"a": 1}`; strings are not escaped);
** `arg` is NULL for the unary form. The function returns:
**   0    with a malloc'd Datalog term text in *result: the value (one
**        term without variables; anything else is an ExternEvalError);
**   -1   with *result left NULL: there is no function of that name
**        (kind "Execution/UndefinedExtern");
**   any other non-zero value, or -1 with a message: the call failed
**        (kind "Execution/ExternEvalError"), with *result, when set, as
**        a malloc'd message.
** The library releases *result with free(). An extern error aborts the
** whole authorization, as the reference's does. The function runs on
** the authorizing thread, any number of times per run, with `ud`.
*/
typedef int (*biscuit_extern_fn)(void *ud, const char *name,
                                 const char *receiver, const char *arg,
                                 char **result);

/*
** Constructor. `policy` may be NULL; if not, it must outlive the
** authorizer. The authorizer belongs to one thread at a time.
*/
BISCUIT_API biscuit_status biscuit_authorizer_new(
    const biscuit_policy *policy, biscuit_authorizer **out,
    biscuit_error **err);
BISCUIT_API void biscuit_authorizer_free(biscuit_authorizer *a);
/* Loads a verified token's blocks. At most one token per authorizer. */
BISCUIT_API biscuit_status biscuit_authorizer_add_token(
    biscuit_authorizer *a, const biscuit_token *t, biscuit_error **err);
/* Adds request facts, rules, checks and policies from Datalog text. */
BISCUIT_API biscuit_status biscuit_authorizer_add_code(
    biscuit_authorizer *a, const char *datalog, const biscuit_params *params,
    biscuit_error **err);
/* Adds the fact time(<unix seconds>), as the reference's time helper. */
BISCUIT_API biscuit_status biscuit_authorizer_add_time(biscuit_authorizer *a,
                                                       uint64_t unix_secs,
                                                       biscuit_error **err);
BISCUIT_API void biscuit_authorizer_set_limits(biscuit_authorizer *a,
                                               const biscuit_limits *l);
BISCUIT_API void biscuit_authorizer_set_extern(biscuit_authorizer *a,
                                               biscuit_extern_fn fn,
                                               void *ud);

/*
** Runs the Datalog and decides. Returns BISCUIT_OK with *policy_index set
** to the matching allow policy; BISCUIT_DENIED with the failed checks and
** matched policy in *err; or another error (limit, execution) that
** aborted the decision.
*/
BISCUIT_API BISCUIT_NODISCARD biscuit_status biscuit_authorizer_authorize(
    biscuit_authorizer *a, size_t *policy_index, biscuit_error **err);

/*
** Queries after (or without) authorize: the facts produced by `rule`,
** printed, one per line, sorted; caller frees. `all` = 1 trusts every
** block when the rule has no `trusting` (query_all); 0 trusts authority
** and authorizer.
*/
BISCUIT_API biscuit_status biscuit_authorizer_query(biscuit_authorizer *a,
                                                    const char *rule,
                                                    const biscuit_params *p,
                                                    int all, char **out,
                                                    biscuit_error **err);
/* The world in the official samples' JSON shape; caller frees. */
BISCUIT_API biscuit_status biscuit_authorizer_world_json(
    biscuit_authorizer *a, char **out, biscuit_error **err);
/*
** Snapshots (the AuthorizerSnapshot message, readable by the reference):
** the authorizer's blocks, policies, generated facts, limits and run
** statistics. Extern functions are not saved.
*/
BISCUIT_API biscuit_status biscuit_authorizer_to_snapshot(
    biscuit_authorizer *a, uint8_t **out, size_t *len, biscuit_error **err);
BISCUIT_API biscuit_status biscuit_authorizer_from_snapshot(
    const uint8_t *bytes, size_t len, biscuit_authorizer **out,
    biscuit_error **err);
/*
** The world as text, for people and tests: every fact, one per line as
** "<origin>: <fact>", sorted bytewise and without duplicates, where
** <origin> lists the block ids the fact comes from, comma-separated
** without spaces, with "authorizer" for the authorizer's own, e.g.
**   0: right("file1", "read")
**   0,authorizer: can_read("file1")
**   authorizer: resource("file1")
** Runs the rules first if authorize has not. Caller frees.
*/
BISCUIT_API biscuit_status biscuit_authorizer_world_text(
    biscuit_authorizer *a, char **out, biscuit_error **err);

/*
** Why the last biscuit_authorizer_authorize decided as it did, in plain
** text for a policy author: for each failed check, and for the policies,
** the closest candidate binding, the body predicate no fact matched (and
** the facts that come close, including ones the rule does not trust), or
** the expression that was false and the values it saw; for a matched
** allow or deny policy, the binding that matched. Caller frees.
** BISCUIT_E_MISUSE before authorize has run. The search behind it is
** bounded; when it gives up the text says so.
*/
BISCUIT_API biscuit_status biscuit_authorizer_explain(biscuit_authorizer *a,
                                                      char **out,
                                                      biscuit_error **err);

/* The authorizer's printed source: its own facts, rules, checks, policies. */
BISCUIT_API char *biscuit_authorizer_source(const biscuit_authorizer *a);

/* Iterations and elapsed microseconds of the last run. */
BISCUIT_API void biscuit_authorizer_stats(const biscuit_authorizer *a,
                                          uint64_t *iterations,
                                          uint64_t *elapsed_us);

#ifdef __cplusplus
}
#endif
#endif
