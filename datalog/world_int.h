/*
** Private to datalog/world*.c, factset.c, eval.c, authorize.c, dump.c,
** limits.c and explain*.c: the world's storage, compiled rules and the
** run budget.
**
** Storage. Facts are grouped in relations, one per (predicate name,
** arity). A relation keeps its rows in insertion order (terms, origin),
** a dedup table over (terms, origin) and any number of hash indexes, one
** per set of bound columns a join asked for. Rows are only appended, so
** the rows added by one fixpoint iteration are a contiguous range: that
** range is the "delta" of semi-naive evaluation. Index chains link rows
** of equal key in descending row order, so the newest rows come first.
*/
#ifndef BISCUIT_DATALOG_WORLD_INT_H
#define BISCUIT_DATALOG_WORLD_INT_H

#include "datalog/regex.h"
#include "datalog/world.h"

#define BDL_ROW_END UINT32_MAX
#define BDL_NO_REL UINT32_MAX
#define BDL_REL_ORGS 8

/* One key of an index: its hash and the newest row holding it. */
struct bdl_ikey {
  uint64_t hash;
  uint32_t head; /* BDL_ROW_END = empty slot */
  uint32_t n;    /* rows with this key */
};

/* A hash index of a relation on the columns in `mask`. */
struct bdl_index {
  uint64_t mask;
  struct bdl_ikey *slots;
  size_t n_slots, n_keys; /* n_slots: power of two, or 0 */
  uint32_t *next;         /* per row: older row with the same key */
  size_t cap_next;
  size_t mark_slots; /* n_slots at the relation's mark (bdl_rel_mark) */
};

struct bdl_rel {
  uint32_t name, arity;
  uint32_t n_rows;
  size_t cap_rows;
  bdl_term *terms; /* n_rows * arity (never NULL once a row exists) */
  bdl_origin *origins;
  uint64_t *dslots; /* (hash32 << 32) | (row + 1); 0 = empty */
  size_t n_dslots;
  struct bdl_index *idx;
  uint32_t n_idx, cap_idx;
  bool terms_only; /* dedup ignores the origin (query_all results) */
  /* the distinct origins of the rows, while there are at most
     BDL_REL_ORGS of them (many_orgs once more were seen): a fully bound
     lookup then probes the dedup table once per origin */
  bool many_orgs;
  uint32_t n_orgs;
  bdl_origin orgs[BDL_REL_ORGS];
  /* semi-naive, during an iteration: rows [lo, hi) are the delta, rows
     below lo are older, rows from hi on are being derived */
  uint32_t lo, hi;
  uint32_t mark; /* rows before the iteration (or block) in progress */
  size_t mark_dslots; /* n_dslots at the mark */
};

/* A fact holding a variable: stored and dumped, never matched. */
struct bdl_inert {
  const bdl_pred *pred;
  bdl_origin origin;
};

struct bdl_world {
  bdl_env *env;
  bdl_extern_fn ext;
  void *ext_ud;
  bdl_regex_cache *regex;
  const bdl_block *blocks[BDL_MAX_BLOCKS + 1]; /* by id; [127] authorizer */
  uint32_t signer[BDL_MAX_BLOCKS + 1];
  bdl_origin present; /* ids of the blocks added */
  struct bdl_rel *rels;
  uint32_t n_rels, cap_rels;
  uint32_t *rslots; /* (name, arity) -> rel + 1; 0 empty */
  size_t n_rslots;
  struct bdl_inert *inert;
  size_t n_inert, cap_inert;
  size_t n_facts; /* rows of every relation + inert facts */
  /* run state: a run is needed unless DONE; DIRTY (blocks added after a
     run) and FAILED runs restart with a full iteration */
  int state;                             /* BDL_RUN_* */
  uint64_t iterations, work, elapsed_ns; /* spent by the runs so far */
  bx_arena scratch; /* compiled rules and join plans; rolled back per use */
};

enum { BDL_RUN_NONE = 0, BDL_RUN_DIRTY, BDL_RUN_DONE, BDL_RUN_FAILED };

#define BDL_NO_BLOCK (BDL_AUTHORIZER_ID + 1)

/* The first block id >= `from` that was added (authorizer last), or
   BDL_NO_BLOCK: `for (id = bdl_next_block(w, 0); id != BDL_NO_BLOCK;
   id = bdl_next_block(w, id + 1))` visits blocks in order. */
static inline uint32_t bdl_next_block(const bdl_world *w, uint32_t from) {
  if (from < 64) {
    uint64_t m = w->present.w[0] & (~0ULL << from);
    if (m)
      return (uint32_t)__builtin_ctzll(m);
    from = 64;
  }
  if (from >= BDL_NO_BLOCK)
    return BDL_NO_BLOCK;
  uint64_t m = w->present.w[1] & (~0ULL << (from - 64));
  return m ? 64u + (uint32_t)__builtin_ctzll(m) : BDL_NO_BLOCK;
}

/*
** Zeroed room for n items of `size` bytes in the world's scratch arena
** (compiled rules, join plans, explanations), which the caller rolls
** back; NULL on overflow or when out of memory.
*/
static inline void *bdl_scratch(bdl_world *w, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size)
    return NULL;
  size_t bytes = n * size;
  return bx_arena_zalloc(&w->scratch, bytes ? bytes : 1);
}

/* ------------------------------------------------------------ budget */

/*
** One run's spending: the expression context (its `work` counter is the
** shared budget) plus what the join loop needs to report limits.
*/
struct bdl_budget {
  bdl_eval_ctx ctx;
  uint64_t max_facts, max_iterations, max_time_ns, max_work;
  uint32_t max_body;
  uint64_t start_ns;
};

void bdl_budget_init(struct bdl_budget *b, bdl_world *w, const bdl_limits *l,
                     uint64_t spent_ns, uint64_t spent_work);
biscuit_status bdl_budget_slow(struct bdl_budget *b, bx_diag *d);
biscuit_status bdl_budget_clock(struct bdl_budget *b, bx_diag *d);
biscuit_status bdl_fail_facts(struct bdl_budget *b, bx_diag *d);
biscuit_status bdl_fail_iterations(struct bdl_budget *b, bx_diag *d);
biscuit_status bdl_fail_body(struct bdl_budget *b, bx_diag *d);

/* Charge n work units; the slow path checks the budget and the clock. */
static inline biscuit_status bdl_charge(struct bdl_budget *b, uint64_t n,
                                        bx_diag *d) {
  b->ctx.work += n;
  if (b->ctx.work < b->ctx.next_clock_check)
    return BISCUIT_OK;
  return bdl_budget_slow(b, d);
}

/* ------------------------------------------------------------ factset */

/* Fast equality of two terms (interned ids, hashes before deep compare). */
static inline bool bdl_teq(const bdl_term *a, const bdl_term *b) {
  if (a->kind != b->kind)
    return false;
  switch (a->kind) {
  case BDL_VAR:
  case BDL_STR:
  case BDL_BOOL:
    return a->id == b->id;
  case BDL_INT:
  case BDL_DATE:
    return a->v.i == b->v.i;
  case BDL_NULL:
    return true;
  case BDL_BYTES:
    if (a->v.bytes == b->v.bytes)
      return true;
    if (a->v.bytes->hash != b->v.bytes->hash)
      return false;
    break;
  default:
    if (a->v.coll == b->v.coll)
      return true;
    if (a->v.coll->hash != b->v.coll->hash)
      return false;
    break;
  }
  return bdl_term_cmp(a, b) == 0;
}

/*
** Hash of a term for the fact store's tables: one multiply per term, as
** strings are interned and collections carry their hash (it only has to
** agree with itself, not with bdl_term_hash).
*/
static inline uint64_t bdl_fs_hash(uint64_t h, const bdl_term *t) {
  uint64_t x;
  switch (t->kind) {
  case BDL_INT:
  case BDL_DATE:
    x = (uint64_t)t->v.i;
    break;
  case BDL_BYTES:
    x = t->v.bytes->hash;
    break;
  case BDL_SET:
  case BDL_ARRAY:
  case BDL_MAP:
    x = t->v.coll->hash;
    break;
  case BDL_NULL:
    x = 0;
    break;
  default:
    x = t->id;
    break;
  }
  h = (h ^ (x + t->kind * 0x9e3779b97f4a7c15ULL)) * 0xff51afd7ed558ccdULL;
  return h ^ (h >> 29);
}

static inline const bdl_term *bdl_row(const struct bdl_rel *r, uint32_t row) {
  return r->terms + (size_t)row * r->arity;
}

void bdl_rel_init(struct bdl_rel *r, uint32_t name, uint32_t arity);
void bdl_rel_free(struct bdl_rel *r);
/* Dedup hash of a row (bdl_rel_add_h, bdl_rel_has, bdl_rel_prefetch). */
uint64_t bdl_rel_hash(const struct bdl_rel *r, const bdl_term *terms,
                      bdl_origin o);
/* 1 = added, 0 = already there, -1 = out of memory. */
int bdl_rel_add(struct bdl_rel *r, const bdl_term *terms, bdl_origin o);
int bdl_rel_add_h(struct bdl_rel *r, const bdl_term *terms, bdl_origin o,
                  uint64_t h);
bool bdl_rel_has(const struct bdl_rel *r, const bdl_term *terms, bdl_origin o,
                 uint64_t h);
void bdl_rel_prefetch(const struct bdl_rel *r, uint64_t h);
/* Index number for `mask` (built over every row if new), -1 on NOMEM. */
int bdl_rel_index(struct bdl_rel *r, uint64_t mask, uint64_t *built);
/* Newest row whose masked columns equal `key` (in column order). */
uint32_t bdl_index_find(const struct bdl_rel *r, const struct bdl_index *x,
                        const bdl_term *const *key, uint32_t n_key);
/*
** Every row whose terms equal key[0..arity) (any origin), newest first,
** into rows (room for BDL_REL_ORGS); `buf` holds arity terms. Only when
** !r->many_orgs and !r->terms_only. Returns the number of rows.
*/
uint32_t bdl_rel_lookup(const struct bdl_rel *r, const bdl_term *const *key,
                        bdl_term *buf, uint32_t *rows);
/*
** Remember the rows and table sizes now: an iteration or a block about to
** add rows it may have to take back (bdl_rel_truncate).
*/
void bdl_rel_mark(struct bdl_rel *r);
/*
** Drop rows from `n` on (an aborted iteration, a failed block). When n is
** the mark and no table grew since, the rows are unlinked newest first,
** which restores the open-addressing tables exactly and costs what was
** added; otherwise the tables are rebuilt from the rows kept.
*/
bool bdl_rel_truncate(struct bdl_rel *r, uint32_t n);

/* World-level: find or create a relation; BDL_NO_REL when absent/NOMEM. */
uint32_t bdl_world_rel(const bdl_world *w, uint32_t name, uint32_t arity);
uint32_t bdl_world_rel_make(bdl_world *w, uint32_t name, uint32_t arity);

/* ------------------------------------------------------------ origins */

/* spec "Scopes"; reference-behaviour.md §3 (TrustedOrigins::from_scopes) */
bdl_origin bdl_trusted(const bdl_world *w, const bdl_scope *s, uint32_t n,
                       bdl_origin dflt, uint32_t current);
/* The defaults of a block: its block-level scopes, else {0, authorizer}. */
bdl_origin bdl_block_trust(const bdl_world *w, uint32_t id);
/* Trusted origins of a rule or query of block `id`. */
bdl_origin bdl_rule_trust(const bdl_world *w, const bdl_rule *r, uint32_t id);

/* ------------------------------------------------------------ joins */

enum bdl_jmode {
  BDL_J_RUN,   /* derive head facts into the world */
  BDL_J_MATCH, /* stop at the first binding passing the expressions */
  BDL_J_ALL,   /* every binding must pass; at least one */
  BDL_J_QUERY  /* collect head facts into a side relation */
};

/*
** Evaluate one query (all facts visible to `trusted`, no delta) in the
** given mode. MATCH/ALL set *found; QUERY adds to *out with the origins
** of the derivations plus `origin_id`.
*/
biscuit_status bdl_eval_query(bdl_world *w, struct bdl_budget *b,
                              const bdl_rule *q, bdl_origin trusted,
                              uint32_t origin_id, enum bdl_jmode mode,
                              bool *found, struct bdl_rel *out, bx_diag *d);

/* Run to fixpoint under the budget (bdl_world_run without the caching). */
biscuit_status bdl_eval_run(bdl_world *w, struct bdl_budget *b, bx_diag *d);

#endif
