/*
** datalog/: Biscuit's Datalog, with no knowledge of text, protobuf or keys.
**
** This is the façade header of the layer and the contract between the
** parser, the token codec, the evaluator and the printer. Prefix: bdl_.
**
** The IR in one paragraph. Strings, predicate names, variable names and
** extern function names are interned into a symbol table (bdl_symtab) as
** dense uint32 ids; public keys in `trusting` scopes are interned, as their
** text "ed25519/<hex>", into a second table. A term (bdl_term) is a 16-byte
** tagged value; byte strings, sets, arrays and maps point to immutable
** objects allocated in an arena. Rules, checks and policies are plain
** structs whose arrays also live in that arena. An environment (bdl_env)
** bundles the two tables and the arena; it can be layered over a frozen
** base environment, so a compiled policy set is shared by many requests,
** each adding its own symbols on top.
*/
#ifndef BISCUIT_DATALOG_H
#define BISCUIT_DATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/bx.h"

#define BDL_NOSYM UINT32_MAX

/* ================================================================ symbols */

/*
** An intern table. A table made with bdl_symtab_new(NULL, true) starts with
** the 28 default symbols of the spec at ids 0..27 ("read" .. "query"), so a
** default symbol has the same id in the world as in a token. A table may be
** layered over a base table, which must then stay unchanged while the
** layer lives: ids below bdl_symtab_count(base) resolve in the base.
*/
typedef struct bdl_symtab bdl_symtab;

#define BDL_SYM_QUERY 27u /* the default symbol "query": check heads */
#define BDL_N_DEFAULT_SYMBOLS 28u
extern const char *const bdl_default_symbols[BDL_N_DEFAULT_SYMBOLS];

bdl_symtab *bdl_symtab_new(const bdl_symtab *base, bool with_defaults);
void bdl_symtab_free(bdl_symtab *t);
/* Intern; returns the id, or BDL_NOSYM on allocation failure (or when
   the table's byte cap is reached: bdl_symtab_over_cap). */
uint32_t bdl_symtab_intern(bdl_symtab *t, const char *s, size_t len);
/* Cap the bytes of the table's own strings (0 = none). */
void bdl_symtab_set_cap(bdl_symtab *t, size_t bytes);
bool bdl_symtab_over_cap(const bdl_symtab *t);
/* Look up without interning; BDL_NOSYM when absent. */
uint32_t bdl_symtab_find(const bdl_symtab *t, const char *s, size_t len);
/* The string of an id (NUL-terminated; *len may be NULL); NULL if unknown. */
const char *bdl_symtab_str(const bdl_symtab *t, uint32_t id, size_t *len);
uint32_t bdl_symtab_count(const bdl_symtab *t);

/* ================================================================== terms */

/* Kinds, in the order of the reference's term ordering (used for sets). */
typedef enum bdl_kind {
  BDL_VAR = 0,
  BDL_INT = 1,
  BDL_STR = 2,
  BDL_DATE = 3,
  BDL_BYTES = 4,
  BDL_BOOL = 5,
  BDL_SET = 6,
  BDL_NULL = 7,
  BDL_ARRAY = 8,
  BDL_MAP = 9
} bdl_kind;

typedef struct bdl_bytes {
  uint64_t hash;
  uint32_t len;
  uint8_t data[];
} bdl_bytes;

struct bdl_term;
/*
** A set, array or map. Sets are sorted by bdl_term_cmp and deduplicated;
** arrays keep their order; maps hold n entries as 2n items (key, value),
** sorted by key (integer keys before string keys), keys unique.
*/
typedef struct bdl_coll {
  uint64_t hash;
  uint32_t n;
  uint32_t pad_;
  struct bdl_term *items;
} bdl_coll;

typedef struct bdl_term {
  uint32_t kind; /* bdl_kind */
  uint32_t id;   /* BDL_VAR, BDL_STR: symbol id; BDL_BOOL: 0 or 1 */
  union {
    int64_t i;     /* BDL_INT */
    uint64_t date; /* BDL_DATE: seconds since the epoch */
    const bdl_bytes *bytes;
    const bdl_coll *coll; /* BDL_SET, BDL_ARRAY, BDL_MAP */
  } v;
} bdl_term;

/* Total order of the reference (kind first; strings by symbol id). */
int bdl_term_cmp(const bdl_term *a, const bdl_term *b);
static inline bool bdl_term_eq(const bdl_term *a, const bdl_term *b) {
  return bdl_term_cmp(a, b) == 0;
}
uint64_t bdl_term_hash(const bdl_term *t);
/* True if the term, or anything inside it, is a variable. */
bool bdl_term_has_var(const bdl_term *t);

static inline bdl_term bdl_int(int64_t i) {
  bdl_term t = {BDL_INT, 0, {.i = i}};
  return t;
}
static inline bdl_term bdl_str(uint32_t id) {
  bdl_term t = {BDL_STR, id, {.i = 0}};
  return t;
}
static inline bdl_term bdl_var(uint32_t id) {
  bdl_term t = {BDL_VAR, id, {.i = 0}};
  return t;
}
static inline bdl_term bdl_date(uint64_t d) {
  bdl_term t = {BDL_DATE, 0, {.date = d}};
  return t;
}
static inline bdl_term bdl_bool(bool b) {
  bdl_term t = {BDL_BOOL, b ? 1u : 0u, {.i = 0}};
  return t;
}
static inline bdl_term bdl_null(void) {
  bdl_term t = {BDL_NULL, 0, {.i = 0}};
  return t;
}

/* ============================================================ environment */

/*
** Where IR lives: symbols, keys, and an arena holding every object that
** terms and rules point to. Nothing in an env is freed piecemeal; the
** whole env goes at once with bdl_env_free.
*/
typedef struct bdl_env {
  bdl_symtab *syms;
  bdl_symtab *keys; /* "ed25519/<hex>" or "secp256r1/<hex>" */
  bx_arena arena;
  const struct bdl_env *base; /* NULL, or the frozen env this one layers */
} bdl_env;

/* New env; base may be NULL (fresh defaults) or a frozen env to layer on. */
bdl_env *bdl_env_new(const bdl_env *base);
void bdl_env_free(bdl_env *e);
/*
** Cap this env's own memory (0 = none): its arena and its strings each
** hold at most `bytes`; past it, making a term fails with
** BISCUIT_E_LIMIT rather than BISCUIT_E_NOMEM. Layered bases are not
** counted.
*/
void bdl_env_set_cap(bdl_env *e, size_t bytes);

/*
** Object constructors. Items are copied. Sets are sorted and deduplicated
** (a set may not hold variables or sets: BISCUIT_E_EXECUTION "InvalidType"
** is not raised here, callers validate). Maps: keys must be BDL_INT or
** BDL_STR; a later duplicate key replaces the earlier one. Return
** BISCUIT_E_NOMEM (or BISCUIT_E_LIMIT when the arena cap is hit).
*/
biscuit_status bdl_make_bytes(bdl_env *e, const uint8_t *p, size_t n,
                              bdl_term *out);
biscuit_status bdl_make_set(bdl_env *e, const bdl_term *items, size_t n,
                            bdl_term *out);
biscuit_status bdl_make_array(bdl_env *e, const bdl_term *items, size_t n,
                              bdl_term *out);
/* kv holds n entries as 2n terms: key0, value0, key1, value1, ... */
biscuit_status bdl_make_map(bdl_env *e, const bdl_term *kv, size_t n,
                            bdl_term *out);
/* Intern a string (copying it) and return the string term. */
biscuit_status bdl_make_str(bdl_env *e, const char *s, size_t n,
                            bdl_term *out);

/* ============================================================ expressions */

typedef enum bdl_op_type {
  BDL_OP_VALUE = 0,
  BDL_OP_UNARY = 1,
  BDL_OP_BINARY = 2,
  BDL_OP_CLOSURE = 3
} bdl_op_type;

/* Unary kinds: the wire enum values. */
typedef enum bdl_unary {
  BDL_U_NEGATE = 0,
  BDL_U_PARENS = 1,
  BDL_U_LENGTH = 2,
  BDL_U_TYPEOF = 3,
  BDL_U_FFI = 4
} bdl_unary;

/* Binary kinds: the wire enum values. */
typedef enum bdl_binary {
  BDL_B_LT = 0,
  BDL_B_GT = 1,
  BDL_B_LE = 2,
  BDL_B_GE = 3,
  BDL_B_EQ = 4, /* strict === */
  BDL_B_CONTAINS = 5,
  BDL_B_PREFIX = 6,
  BDL_B_SUFFIX = 7,
  BDL_B_REGEX = 8,
  BDL_B_ADD = 9,
  BDL_B_SUB = 10,
  BDL_B_MUL = 11,
  BDL_B_DIV = 12,
  BDL_B_AND = 13, /* eager */
  BDL_B_OR = 14,  /* eager */
  BDL_B_INTERSECTION = 15,
  BDL_B_UNION = 16,
  BDL_B_BITAND = 17,
  BDL_B_BITOR = 18,
  BDL_B_BITXOR = 19,
  BDL_B_NEQ = 20,  /* strict !== */
  BDL_B_HEQ = 21,  /* lenient == */
  BDL_B_HNEQ = 22, /* lenient != */
  BDL_B_LAZY_AND = 23,
  BDL_B_LAZY_OR = 24,
  BDL_B_ALL = 25,
  BDL_B_ANY = 26,
  BDL_B_GET = 27,
  BDL_B_FFI = 28,
  BDL_B_TRY_OR = 29
} bdl_binary;

struct bdl_op;
typedef struct bdl_closure {
  uint32_t n_params;
  uint32_t n_ops;
  uint32_t *params; /* variable symbol ids */
  struct bdl_op *ops;
} bdl_closure;

/*
** One opcode, in the reference's encoding:
**  - `a && b` is [a..., Closure([], [b...]), LazyAnd] (likewise `||`);
**  - `x.all($p -> body)` is [x..., Closure([p], [body...]), All];
**  - `x.try_or(y)` is [Closure([], [x...]), y..., TryOr];
**  - `(e)` is [e..., Parens], `!e` is [e..., Negate];
**  - `x.extern::f(y)` is [x..., y..., Binary Ffi] with ffi = id of "f".
*/
typedef struct bdl_op {
  uint8_t type; /* bdl_op_type */
  uint8_t kind; /* bdl_unary or bdl_binary */
  uint16_t pad_;
  uint32_t ffi; /* extern name symbol id, or BDL_NOSYM */
  union {
    bdl_term value;
    const bdl_closure *closure;
  } u;
} bdl_op;

typedef struct bdl_expr {
  uint32_t n_ops;
  bdl_op *ops;
} bdl_expr;

/* ========================================================= rules and such */

typedef struct bdl_pred {
  uint32_t name; /* symbol id */
  uint32_t n_terms;
  bdl_term *terms;
} bdl_pred;

typedef enum bdl_scope_kind {
  BDL_SCOPE_AUTHORITY = 0,
  BDL_SCOPE_PREVIOUS = 1,
  BDL_SCOPE_KEY = 2
} bdl_scope_kind;

typedef struct bdl_scope {
  uint32_t kind; /* bdl_scope_kind */
  uint32_t key;  /* BDL_SCOPE_KEY: id in env->keys */
} bdl_scope;

/*
** A rule. Checks and policies hold queries, which are rules whose head is
** `query()` (name BDL_SYM_QUERY, no terms), as in the reference. n_scopes
** == 0 means "no rule-level scope": the block's defaults apply.
*/
typedef struct bdl_rule {
  bdl_pred head;
  uint32_t n_body, n_exprs, n_scopes;
  bdl_pred *body;
  bdl_expr *exprs;
  bdl_scope *scopes;
} bdl_rule;

typedef enum bdl_check_kind {
  BDL_CHECK_IF = 0,
  BDL_CHECK_ALL = 1,
  BDL_REJECT_IF = 2
} bdl_check_kind;

typedef struct bdl_check {
  uint32_t kind; /* bdl_check_kind */
  uint32_t n_queries;
  bdl_rule *queries;
} bdl_check;

typedef enum bdl_policy_kind { BDL_ALLOW = 0, BDL_DENY = 1 } bdl_policy_kind;

typedef struct bdl_policy {
  uint32_t kind; /* bdl_policy_kind */
  uint32_t n_queries;
  bdl_rule *queries;
} bdl_policy;

/*
** A block of Datalog: what one token block or one authorizer source holds.
** The top-level arrays are heap vectors owned by the block (freed by
** bdl_block_free); what they point into lives in the env's arena.
** Policies only appear in authorizer blocks.
*/
typedef struct bdl_block {
  uint32_t n_facts, n_rules, n_checks, n_policies, n_scopes;
  bdl_pred *facts;
  bdl_rule *rules;
  bdl_check *checks;
  bdl_policy *policies;
  bdl_scope *scopes; /* block-level `trusting` */
  size_t cap_facts, cap_rules, cap_checks, cap_policies, cap_scopes;
} bdl_block;

void bdl_block_init(bdl_block *b);
void bdl_block_free(bdl_block *b); /* frees the vectors; NULL-safe */
/* Append (the structs are copied; pointed-to data must be in the env). */
biscuit_status bdl_block_add_fact(bdl_block *b, const bdl_pred *f);
biscuit_status bdl_block_add_rule(bdl_block *b, const bdl_rule *r);
biscuit_status bdl_block_add_check(bdl_block *b, const bdl_check *c);
biscuit_status bdl_block_add_policy(bdl_block *b, const bdl_policy *p);
biscuit_status bdl_block_add_scope(bdl_block *b, const bdl_scope *s);

/* ================================================================ origins */

/*
** An origin: the set of block ids a fact depends on. Token blocks are ids
** 0..BDL_MAX_BLOCKS-1; the authorizer is BDL_AUTHORIZER_ID, printed as
** 18446744073709551615 (the reference's usize::MAX) or null in world dumps.
*/
#define BDL_MAX_BLOCKS 127u
#define BDL_AUTHORIZER_ID 127u
#define BDL_AUTHORIZER_PRINT_ID 18446744073709551615ULL

typedef struct bdl_origin {
  uint64_t w[2];
} bdl_origin;

static inline bdl_origin bdl_origin_one(uint32_t id) {
  bdl_origin o = {{0, 0}};
  o.w[id >> 6] |= 1ULL << (id & 63);
  return o;
}
static inline bdl_origin bdl_origin_union(bdl_origin a, bdl_origin b) {
  bdl_origin o = {{a.w[0] | b.w[0], a.w[1] | b.w[1]}};
  return o;
}
static inline bool bdl_origin_has(bdl_origin o, uint32_t id) {
  return (o.w[id >> 6] >> (id & 63)) & 1;
}
/* a ⊆ b */
static inline bool bdl_origin_subset(bdl_origin a, bdl_origin b) {
  return (a.w[0] & ~b.w[0]) == 0 && (a.w[1] & ~b.w[1]) == 0;
}
static inline bool bdl_origin_eq(bdl_origin a, bdl_origin b) {
  return a.w[0] == b.w[0] && a.w[1] == b.w[1];
}

#endif
