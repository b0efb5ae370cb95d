/*
** A token's blocks against its symbol and key tables, both ways (spec
** "Symbol table", "Public key tables", "Appending a third-party block").
**
** Reading: the token's table is the default symbols, then, for each
** ordinary block in order, the strings of its `symbols` field (index 1024
** + k is the k-th of them); keys likewise from `publicKeys`. A
** third-party block is read with the default symbols and its own tables
** only, and later blocks ignore them. Every block's strings are interned
** into the token's env before its Datalog, so env ids follow the token's
** order and sets print as the reference prints them.
**
** Writing: the IR is copied into a "wire env" holding exactly the tables
** the block is written against, interning in the reference's order
** (reference-behaviour.md §5 "Shape of each case"): facts, rules, checks,
** block scopes; in a rule the head, the body, the expressions, the
** scopes; a set's items and a map's entries in builder order (strings by
** their bytes). What the copy added to the tables is the block's
** `symbols` and `publicKeys`.
*/
#include <stdlib.h>
#include <string.h>

#include "datalog/translate.h"
#include "token/token_int.h"

static biscuit_status nomem(bx_diag *d) {
  return bx_fail(d, BISCUIT_E_NOMEM, "InternalError", "out of memory");
}

static biscuit_status internal(bx_diag *d, const char *what) {
  return bx_fail(d, BISCUIT_E_MISUSE, "InternalError", "%s", what);
}

/* ============================================================ reading */

typedef struct idvec {
  uint32_t *v;
  size_t n, cap;
} idvec;

static bool idvec_push(idvec *x, uint32_t id) {
  if (x->n >= UINT32_MAX ||
      !bx_grow((void **)&x->v, &x->cap, x->n + 1, sizeof *x->v))
    return false;
  x->v[x->n++] = id;
  return true;
}

/*
** Tables being read: env ids by wire index, and the strings seen so far
** (a second intern table, so an overlap is one lookup).
*/
typedef struct tables {
  idvec syms, keys;
  bdl_symtab *seen_syms, *seen_keys;
} tables;

static bool tables_init(tables *tb) {
  memset(tb, 0, sizeof *tb);
  tb->seen_syms = bdl_symtab_new(NULL, false);
  tb->seen_keys = bdl_symtab_new(NULL, false);
  return tb->seen_syms && tb->seen_keys;
}

static void tables_free(tables *tb) {
  bx_free(tb->syms.v);
  bx_free(tb->keys.v);
  bdl_symtab_free(tb->seen_syms);
  bdl_symtab_free(tb->seen_keys);
}

/*
** Spec "Format": versions 3 (v3.0) to 6 (v3.3); spec "Third-party block
** datalog version": a third-party block needs at least 5 (v3.2).
*/
static biscuit_status check_head_version(const btk_block_head *h, bool tp,
                                         bx_diag *d) {
  uint32_t v = h->has_version ? h->version : 0;
  if (v < BTK_MIN_VERSION || v > BTK_MAX_VERSION)
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/Version",
                   "block format version %u is not supported (minimum %u, "
                   "maximum %u)",
                   v, BTK_MIN_VERSION, BTK_MAX_VERSION);
  if (tp && v < BTK_V3_2)
    return bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                   "deserialization error: third-party blocks are only "
                   "supported in datalog v3.2+");
  return BISCUIT_OK;
}

static biscuit_status sym_overlap(bx_diag *d, const char *s) {
  return bx_fail(d, BISCUIT_E_FORMAT, "Format/SymbolTableOverlap",
                 "multiple blocks declare the same symbols: \"%s\"", s);
}

/*
** A block's strings join the table. The reference refuses a string that
** is a default symbol or already in the table (SymbolTableOverlap); a
** string repeated within one block is refused too, since the table
** could no longer be rebuilt by interning when appending.
*/
static biscuit_status add_symbols(bdl_env *env, tables *tb,
                                  const btk_block_head *h, btk_block_info *info,
                                  bx_diag *d) {
  info->symbols = bx_arena_alloc(&env->arena, h->n_symbols * sizeof(char *));
  if (!info->symbols || h->n_symbols > UINT32_MAX)
    return nomem(d);
  for (size_t k = 0; k < h->n_symbols; k++) {
    const char *s = h->symbols[k];
    size_t len = strlen(s);
    uint32_t id = bdl_symtab_find(env->syms, s, len);
    if ((id != BDL_NOSYM && id < BDL_N_DEFAULT_SYMBOLS) ||
        bdl_symtab_find(tb->seen_syms, s, len) != BDL_NOSYM)
      return sym_overlap(d, s);
    id = bdl_symtab_intern(env->syms, s, len);
    if (id == BDL_NOSYM ||
        bdl_symtab_intern(tb->seen_syms, s, len) == BDL_NOSYM ||
        !idvec_push(&tb->syms, id))
      return nomem(d);
    info->symbols[k] = bdl_symtab_str(env->syms, id, NULL);
  }
  info->n_symbols = (uint32_t)h->n_symbols;
  return BISCUIT_OK;
}

/* Keys as "<alg>/<hex>" text in env->keys (the parser's form). */
static uint32_t intern_key(bdl_symtab *t, const btk_pubkey *k) {
  char text[BTK_PUBKEY_TEXT_MAX];
  size_t n = btk_pubkey_format(k, text, sizeof text);
  return n < sizeof text ? bdl_symtab_intern(t, text, n) : BDL_NOSYM;
}

/* The reference inserts keys with insert_fallible: PublicKeyTableOverlap. */
static biscuit_status add_keys(bdl_env *env, tables *tb,
                               const btk_block_head *h, btk_block_info *info,
                               bx_diag *d) {
  info->keys = bx_arena_alloc(&env->arena, h->n_keys * sizeof(uint32_t));
  if (!info->keys || h->n_keys > UINT32_MAX)
    return nomem(d);
  for (size_t k = 0; k < h->n_keys; k++) {
    uint32_t before = bdl_symtab_count(tb->seen_keys);
    uint32_t seen = intern_key(tb->seen_keys, &h->keys[k]);
    uint32_t id = intern_key(env->keys, &h->keys[k]);
    if (seen == BDL_NOSYM || id == BDL_NOSYM || !idvec_push(&tb->keys, id))
      return nomem(d);
    if (seen < before)
      return bx_fail(d, BISCUIT_E_FORMAT, "Format/PublicKeyTableOverlap",
                     "multiple blocks declare the same public keys: %s",
                     bdl_symtab_str(env->keys, id, NULL));
    info->keys[k] = id;
  }
  info->n_keys = (uint32_t)h->n_keys;
  return BISCUIT_OK;
}

static biscuit_status set_context(bdl_env *env, const btk_block_head *h,
                                  btk_block_info *info, bx_diag *d) {
  if (!h->context)
    return BISCUIT_OK;
  info->context = bx_arena_dup(&env->arena, h->context, strlen(h->context) + 1);
  return info->context ? BISCUIT_OK : nomem(d);
}

/*
** One block into env: tables first, then the Datalog resolved against
** the tables as they stand after this block. Unlike the reference, which
** resolves against the whole token's table, an index that only a later
** block defines is refused: a later holder must not be able to choose
** what an earlier block's symbols mean.
*/
static biscuit_status decode_into(bdl_env *env, tables *tb, btk_span bytes,
                                  bool tp, uint32_t max_depth,
                                  btk_block_info *info, bx_diag *d) {
  btk_block_msg *m = NULL;
  btk_block_head h;
  btk_wire_map map;
  biscuit_status st =
      btk_block_unpack(bytes.ptr, bytes.len, max_depth, &m, &h, d);
  if (st == BISCUIT_OK)
    st = check_head_version(&h, tp, d);
  if (st == BISCUIT_OK)
    st = add_symbols(env, tb, &h, info, d);
  if (st == BISCUIT_OK)
    st = add_keys(env, tb, &h, info, d);
  if (st == BISCUIT_OK)
    st = set_context(env, &h, info, d);
  if (st == BISCUIT_OK) {
    info->version = h.version;
    map.syms = tb->syms.v;
    map.n_syms = (uint32_t)tb->syms.n;
    map.keys = tb->keys.v;
    map.n_keys = (uint32_t)tb->keys.n;
    st = btk_block_msg_to_ir(m, h.version, &map, env, &info->block, d);
  }
  if (st == BISCUIT_OK)
    st = btk_block_check_version(&info->block, h.version, d);
  btk_block_msg_free(m);
  return st;
}

/* Block i of the token: the token's tables, or fresh ones (third party). */
static biscuit_status decode_one(btk_token *t, tables *token_tb, size_t i,
                                 uint32_t max_depth, bx_diag *d) {
  const btk_signed_block *sb = &t->envelope->blocks[i];
  btk_block_info *info = &t->blocks[i];
  tables own;
  biscuit_status st;
  if (!sb->has_external)
    return decode_into(t->env, token_tb, sb->block, false, max_depth, info, d);
  info->external_key = intern_key(t->env->keys, &sb->ext_key);
  if (info->external_key == BDL_NOSYM)
    return nomem(d);
  st = tables_init(&own) ? BISCUIT_OK : nomem(d);
  if (st == BISCUIT_OK)
    st = decode_into(t->env, &own, sb->block, true, max_depth, info, d);
  tables_free(&own);
  return st;
}

biscuit_status btk_blocks_decode(btk_token *t, uint32_t max_depth, bx_diag *d) {
  size_t n = t->envelope->n_blocks;
  tables tb;
  biscuit_status st = BISCUIT_OK;
  if (t->blocks || n == 0 || n > UINT32_MAX)
    return internal(d, "blocks decoded twice or no blocks");
  t->blocks = bx_calloc(n, sizeof *t->blocks);
  if (!t->blocks || !tables_init(&tb)) {
    if (t->blocks)
      tables_free(&tb);
    return nomem(d);
  }
  for (size_t i = 0; i < n && st == BISCUIT_OK; i++) {
    bdl_block_init(&t->blocks[i].block);
    t->blocks[i].external_key = BDL_NOSYM;
    t->n_blocks = (uint32_t)i + 1;
    st = decode_one(t, &tb, i, max_depth, d);
  }
  tables_free(&tb);
  return st;
}

biscuit_status btk_block_check_tp(const uint8_t *buf, size_t len,
                                  uint32_t max_depth, bx_diag *d) {
  btk_block_info info;
  tables own;
  btk_span bytes = {buf, len};
  bdl_env *env = bdl_env_new(NULL);
  biscuit_status st = env && tables_init(&own) ? BISCUIT_OK : nomem(d);
  memset(&info, 0, sizeof info);
  bdl_block_init(&info.block);
  if (st == BISCUIT_OK)
    st = decode_into(env, &own, bytes, true, max_depth, &info, d);
  if (env)
    tables_free(&own);
  bdl_block_free(&info.block);
  bdl_env_free(env);
  return st;
}

/* ======================================================= builder order */

/*
** The reference builds a block from builder terms, whose sets and maps
** are BTreeSet / BTreeMap ordered by builder::Term's derived Ord: kinds in
** the same order as bdl_kind, strings and variable names by their bytes,
** collections lexicographically (sets and maps in that same order). The
** comparison may need to sort nested sets, which can fail to allocate:
** `oom` then records it.
*/
typedef struct border {
  const bdl_env *e;
  bool oom;
} border;

#define MAX_ORDER_DEPTH BDL_TRANSLATE_MAX_DEPTH

static int cmp_u64(uint64_t a, uint64_t b) {
  return (a > b) - (a < b);
}

static int cmp_mem(const void *a, size_t la, const void *b, size_t lb) {
  int c = memcmp(a, b, la < lb ? la : lb);
  return c ? (c < 0 ? -1 : 1) : cmp_u64(la, lb);
}

static int cmp_text(const bdl_env *e, uint32_t a, uint32_t b) {
  size_t la = 0, lb = 0;
  const char *sa = bdl_symtab_str(e->syms, a, &la);
  const char *sb = bdl_symtab_str(e->syms, b, &lb);
  if (!sa || !sb)
    return cmp_u64(a, b);
  return cmp_mem(sa, la, sb, lb);
}

static int bcmp_term(border *o, const bdl_term *a, const bdl_term *b,
                     unsigned depth);

/* Stable merge sort of item indexes (stride 2: map entries by key). */
static void msort(border *o, const bdl_term *items, unsigned stride,
                  uint32_t *idx, uint32_t *tmp, size_t n, unsigned depth) {
  size_t h = n / 2, i = 0, j = h, k = 0;
  if (n < 2)
    return;
  msort(o, items, stride, idx, tmp, h, depth);
  msort(o, items, stride, idx + h, tmp, n - h, depth);
  while (i < h && j < n)
    tmp[k++] = bcmp_term(o, &items[(size_t)idx[j] * stride],
                         &items[(size_t)idx[i] * stride], depth) < 0
                   ? idx[j++]
                   : idx[i++];
  while (i < h)
    tmp[k++] = idx[i++];
  while (j < n)
    tmp[k++] = idx[j++];
  memcpy(idx, tmp, n * sizeof *idx);
}

/* Indexes of a set's items or a map's entries in builder order. */
static uint32_t *bperm(border *o, const bdl_coll *c, unsigned stride,
                       unsigned depth) {
  uint32_t *idx = bx_calloc(c->n ? c->n : 1, sizeof *idx);
  uint32_t *tmp = bx_calloc(c->n ? c->n : 1, sizeof *tmp);
  if (idx && tmp) {
    for (uint32_t i = 0; i < c->n; i++)
      idx[i] = i;
    msort(o, c->items, stride, idx, tmp, c->n, depth);
  } else {
    o->oom = true;
    bx_free(idx);
    idx = NULL;
  }
  bx_free(tmp);
  return idx;
}

/* Lexicographic over items (maps: key then value), then by length. */
static int bcmp_coll(border *o, const bdl_coll *a, const bdl_coll *b,
                     unsigned stride, bool sorted, unsigned depth) {
  uint32_t *pa = NULL, *pb = NULL;
  uint32_t n = a->n < b->n ? a->n : b->n;
  int r = 0;
  if (depth > MAX_ORDER_DEPTH)
    return 0;
  if (sorted) {
    pa = bperm(o, a, stride, depth + 1);
    pb = bperm(o, b, stride, depth + 1);
  }
  for (uint32_t i = 0; i < n && r == 0 && (!sorted || (pa && pb)); i++) {
    size_t ia = (size_t)(pa ? pa[i] : i) * stride;
    size_t ib = (size_t)(pb ? pb[i] : i) * stride;
    r = bcmp_term(o, &a->items[ia], &b->items[ib], depth + 1);
    if (r == 0 && stride == 2)
      r = bcmp_term(o, &a->items[ia + 1], &b->items[ib + 1], depth + 1);
  }
  bx_free(pa);
  bx_free(pb);
  return r ? r : cmp_u64(a->n, b->n);
}

static int bcmp_term(border *o, const bdl_term *a, const bdl_term *b,
                     unsigned depth) {
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  switch ((bdl_kind)a->kind) {
  case BDL_VAR:
  case BDL_STR:
    return cmp_text(o->e, a->id, b->id);
  case BDL_INT:
    return (a->v.i > b->v.i) - (a->v.i < b->v.i);
  case BDL_DATE:
    return cmp_u64(a->v.date, b->v.date);
  case BDL_BOOL:
    return cmp_u64(a->id, b->id);
  case BDL_BYTES:
    return cmp_mem(a->v.bytes->data, a->v.bytes->len, b->v.bytes->data,
                   b->v.bytes->len);
  case BDL_SET:
    return bcmp_coll(o, a->v.coll, b->v.coll, 1, true, depth);
  case BDL_ARRAY:
    return bcmp_coll(o, a->v.coll, b->v.coll, 1, false, depth);
  case BDL_MAP:
    return bcmp_coll(o, a->v.coll, b->v.coll, 2, true, depth);
  default:
    return 0;
  }
}

/* ============================================ copying in reference order */

typedef struct rtr {
  const bdl_env *src;
  bdl_env *dst;
  bx_diag *d;
} rtr;

static biscuit_status obj_status(rtr *r, biscuit_status st) {
  if (st == BISCUIT_E_LIMIT)
    return bx_fail(r->d, st, "Limit/Memory", "block objects over the limit");
  return st == BISCUIT_OK ? st : nomem(r->d);
}

static biscuit_status rt_sym(rtr *r, uint32_t id, uint32_t *out) {
  size_t len = 0;
  const char *s = bdl_symtab_str(r->src->syms, id, &len);
  if (!s)
    return internal(r->d, "the block refers to an unknown symbol id");
  *out = bdl_symtab_intern(r->dst->syms, s, len);
  return *out == BDL_NOSYM ? nomem(r->d) : BISCUIT_OK;
}

static biscuit_status rt_term(rtr *r, const bdl_term *t, bdl_term *out,
                              unsigned depth);

typedef struct kv_pair {
  bdl_term k, v;
} kv_pair;

static int kv_pair_cmp(const void *a, const void *b) {
  return bdl_term_cmp(&((const kv_pair *)a)->k, &((const kv_pair *)b)->k);
}

/* bdl_make_map sorts by insertion; hand it sorted entries (O(n log n)). */
static biscuit_status make_map_sorted(rtr *r, bdl_term *kv, size_t n,
                                      bdl_term *out) {
  kv_pair *p = bx_calloc(n ? n : 1, sizeof *p);
  if (!p)
    return nomem(r->d);
  for (size_t i = 0; i < n; i++)
    p[i] = (kv_pair){kv[2 * i], kv[2 * i + 1]};
  qsort(p, n, sizeof *p, kv_pair_cmp);
  for (size_t i = 0; i < n; i++) {
    kv[2 * i] = p[i].k;
    kv[2 * i + 1] = p[i].v;
  }
  bx_free(p);
  return obj_status(r, bdl_make_map(r->dst, kv, n, out));
}

/*
** Sets and maps: items interned in builder order, then stored by the
** wire env's ids (the order the reference writes them in).
*/
static biscuit_status rt_coll(rtr *r, const bdl_term *t, bdl_term *out,
                              unsigned depth) {
  const bdl_coll *c = t->v.coll;
  unsigned stride = t->kind == BDL_MAP ? 2 : 1;
  border o = {r->src, false};
  uint32_t *perm = t->kind == BDL_ARRAY ? NULL : bperm(&o, c, stride, 0);
  bdl_term *items = bx_calloc((size_t)c->n * stride + 1, sizeof *items);
  biscuit_status st = items && !o.oom && (perm || t->kind == BDL_ARRAY)
                          ? BISCUIT_OK
                          : nomem(r->d);
  for (uint32_t i = 0; i < c->n && st == BISCUIT_OK; i++) {
    size_t from = (size_t)(perm ? perm[i] : i) * stride;
    for (unsigned k = 0; k < stride && st == BISCUIT_OK; k++)
      st = rt_term(r, &c->items[from + k], &items[(size_t)i * stride + k],
                   depth + 1);
  }
  if (st == BISCUIT_OK && t->kind == BDL_SET)
    st = obj_status(r, bdl_make_set(r->dst, items, c->n, out));
  else if (st == BISCUIT_OK && t->kind == BDL_ARRAY)
    st = obj_status(r, bdl_make_array(r->dst, items, c->n, out));
  else if (st == BISCUIT_OK)
    st = make_map_sorted(r, items, c->n, out);
  bx_free(perm);
  bx_free(items);
  return st;
}

static biscuit_status rt_term(rtr *r, const bdl_term *t, bdl_term *out,
                              unsigned depth) {
  if (depth > BDL_TRANSLATE_MAX_DEPTH)
    return bx_fail(r->d, BISCUIT_E_LIMIT, "Limit/NestingDepth",
                   "terms nested deeper than %d", BDL_TRANSLATE_MAX_DEPTH);
  *out = *t;
  switch ((bdl_kind)t->kind) {
  case BDL_VAR:
  case BDL_STR:
    return rt_sym(r, t->id, &out->id);
  case BDL_BYTES:
    return obj_status(
        r, bdl_make_bytes(r->dst, t->v.bytes->data, t->v.bytes->len, out));
  case BDL_SET:
  case BDL_ARRAY:
  case BDL_MAP:
    return rt_coll(r, t, out, depth);
  default:
    return BISCUIT_OK;
  }
}

static biscuit_status rt_pred(rtr *r, const bdl_pred *p, bdl_pred *out) {
  biscuit_status st = rt_sym(r, p->name, &out->name);
  out->n_terms = p->n_terms;
  out->terms = bx_arena_alloc(&r->dst->arena, p->n_terms * sizeof *p->terms);
  if (st == BISCUIT_OK && !out->terms)
    st = nomem(r->d);
  for (uint32_t i = 0; i < p->n_terms && st == BISCUIT_OK; i++)
    st = rt_term(r, &p->terms[i], &out->terms[i], 0);
  return st;
}

static biscuit_status rt_ops(rtr *r, const bdl_op *ops, uint32_t n,
                             bdl_op **out, unsigned depth);

/* A closure's parameters are interned before its body. */
static biscuit_status rt_closure(rtr *r, const bdl_closure *c,
                                 const bdl_closure **out, unsigned depth) {
  bdl_closure *nc = bx_arena_zalloc(&r->dst->arena, sizeof *nc);
  biscuit_status st = BISCUIT_OK;
  if (!nc || !(nc->params = bx_arena_alloc(&r->dst->arena,
                                           c->n_params * sizeof(uint32_t))))
    return nomem(r->d);
  nc->n_params = c->n_params;
  for (uint32_t i = 0; i < c->n_params && st == BISCUIT_OK; i++)
    st = rt_sym(r, c->params[i], &nc->params[i]);
  nc->n_ops = c->n_ops;
  if (st == BISCUIT_OK)
    st = rt_ops(r, c->ops, c->n_ops, &nc->ops, depth + 1);
  *out = nc;
  return st;
}

/* Ops in order; an extern name is interned where its op stands. */
static biscuit_status rt_ops(rtr *r, const bdl_op *ops, uint32_t n,
                             bdl_op **out, unsigned depth) {
  biscuit_status st = BISCUIT_OK;
  bdl_op *o = bx_arena_alloc(&r->dst->arena, n * sizeof *o);
  if (!o)
    return nomem(r->d);
  if (depth > BDL_TRANSLATE_MAX_DEPTH)
    return bx_fail(r->d, BISCUIT_E_LIMIT, "Limit/NestingDepth",
                   "closures nested deeper than %d", BDL_TRANSLATE_MAX_DEPTH);
  for (uint32_t i = 0; i < n && st == BISCUIT_OK; i++) {
    bool ffi = (ops[i].type == BDL_OP_UNARY && ops[i].kind == BDL_U_FFI) ||
               (ops[i].type == BDL_OP_BINARY && ops[i].kind == BDL_B_FFI);
    o[i] = ops[i];
    o[i].ffi = BDL_NOSYM;
    if (ops[i].type == BDL_OP_VALUE)
      st = rt_term(r, &ops[i].u.value, &o[i].u.value, 0);
    else if (ops[i].type == BDL_OP_CLOSURE)
      st = rt_closure(r, ops[i].u.closure, &o[i].u.closure, depth);
    else if (ffi)
      st = rt_sym(r, ops[i].ffi, &o[i].ffi);
  }
  *out = o;
  return st;
}

/* Keys are normalised through btk_pubkey_parse, so "ED25519/AB.." and
   "ed25519/ab.." are one table entry. */
static biscuit_status rt_scopes(rtr *r, const bdl_scope *s, uint32_t n,
                                bdl_scope **out) {
  biscuit_status st = BISCUIT_OK;
  bdl_scope *v = bx_arena_alloc(&r->dst->arena, n * sizeof *v);
  if (!v)
    return nomem(r->d);
  for (uint32_t i = 0; i < n && st == BISCUIT_OK; i++) {
    size_t len = 0;
    const char *text;
    btk_pubkey k;
    v[i] = s[i];
    if (s[i].kind != BDL_SCOPE_KEY)
      continue;
    text = bdl_symtab_str(r->src->keys, s[i].key, &len);
    st = text ? btk_pubkey_parse(text, len, &k, r->d)
              : internal(r->d, "the block refers to an unknown key id");
    if (st == BISCUIT_OK &&
        (v[i].key = intern_key(r->dst->keys, &k)) == BDL_NOSYM)
      st = nomem(r->d);
  }
  *out = v;
  return st;
}

static biscuit_status rt_rule(rtr *r, const bdl_rule *in, bdl_rule *out) {
  biscuit_status st;
  *out = *in;
  out->body = bx_arena_alloc(&r->dst->arena, in->n_body * sizeof *in->body);
  out->exprs = bx_arena_alloc(&r->dst->arena, in->n_exprs * sizeof *in->exprs);
  if (!out->body || !out->exprs)
    return nomem(r->d);
  st = rt_pred(r, &in->head, &out->head);
  for (uint32_t i = 0; i < in->n_body && st == BISCUIT_OK; i++)
    st = rt_pred(r, &in->body[i], &out->body[i]);
  for (uint32_t i = 0; i < in->n_exprs && st == BISCUIT_OK; i++) {
    out->exprs[i].n_ops = in->exprs[i].n_ops;
    st = rt_ops(r, in->exprs[i].ops, in->exprs[i].n_ops, &out->exprs[i].ops, 0);
  }
  if (st == BISCUIT_OK)
    st = rt_scopes(r, in->scopes, in->n_scopes, &out->scopes);
  return st;
}

static biscuit_status rt_check(rtr *r, const bdl_check *in, bdl_check *out) {
  biscuit_status st = BISCUIT_OK;
  *out = *in;
  out->queries =
      bx_arena_alloc(&r->dst->arena, in->n_queries * sizeof *in->queries);
  if (!out->queries)
    return nomem(r->d);
  for (uint32_t i = 0; i < in->n_queries && st == BISCUIT_OK; i++)
    st = rt_rule(r, &in->queries[i], &out->queries[i]);
  return st;
}

/* Reference BlockBuilder::build: facts, rules, checks, then scopes. */
static biscuit_status rt_block(rtr *r, const bdl_block *b, bdl_block *out) {
  biscuit_status st = BISCUIT_OK;
  bdl_scope *scopes = NULL;
  if (b->n_policies)
    return internal(r->d, "token blocks cannot hold policies");
  for (uint32_t i = 0; i < b->n_facts && st == BISCUIT_OK; i++) {
    bdl_pred f;
    if ((st = rt_pred(r, &b->facts[i], &f)) == BISCUIT_OK)
      st = bdl_block_add_fact(out, &f) ? nomem(r->d) : st;
  }
  for (uint32_t i = 0; i < b->n_rules && st == BISCUIT_OK; i++) {
    bdl_rule x;
    if ((st = rt_rule(r, &b->rules[i], &x)) == BISCUIT_OK)
      st = bdl_block_add_rule(out, &x) ? nomem(r->d) : st;
  }
  for (uint32_t i = 0; i < b->n_checks && st == BISCUIT_OK; i++) {
    bdl_check x;
    if ((st = rt_check(r, &b->checks[i], &x)) == BISCUIT_OK)
      st = bdl_block_add_check(out, &x) ? nomem(r->d) : st;
  }
  if (st == BISCUIT_OK)
    st = rt_scopes(r, b->scopes, b->n_scopes, &scopes);
  for (uint32_t i = 0; i < b->n_scopes && st == BISCUIT_OK; i++)
    st = bdl_block_add_scope(out, &scopes[i]) ? nomem(r->d) : st;
  return st;
}

/* ============================================================ writing */

/* One table entry, which must land at the next id. */
static biscuit_status push_entry(bdl_symtab *tab, const char *s, size_t len,
                                 bx_diag *d) {
  uint32_t want = bdl_symtab_count(tab);
  uint32_t id = s ? bdl_symtab_intern(tab, s, len) : want + 1;
  if (id == BDL_NOSYM)
    return nomem(d);
  return id == want ? BISCUIT_OK
                    : internal(d, "the token's tables are not canonical");
}

static biscuit_status push_tables(bdl_env *w, const btk_token *t,
                                  const btk_block_info *info, bx_diag *d) {
  biscuit_status st = BISCUIT_OK;
  for (uint32_t k = 0; k < info->n_symbols && st == BISCUIT_OK; k++)
    st = push_entry(w->syms, info->symbols[k], strlen(info->symbols[k]), d);
  for (uint32_t k = 0; k < info->n_keys && st == BISCUIT_OK; k++) {
    size_t len = 0;
    const char *s = bdl_symtab_str(t->env->keys, info->keys[k], &len);
    st = push_entry(w->keys, s, len, d);
  }
  return st;
}

/*
** The wire env of a block: default symbols, then the token's table as it
** stands after blocks [0, upto), skipping third-party blocks; nothing for
** a third-party block. Ids must come out dense (id 28 + k is symbol 1024
** + k), which the decoder's overlap checks guarantee.
*/
static biscuit_status wire_env(const btk_ser *how, bdl_env **out, bx_diag *d) {
  bdl_env *w = bdl_env_new(NULL);
  const btk_token *t = how->third_party ? NULL : how->t;
  biscuit_status st = w ? BISCUIT_OK : nomem(d);
  for (size_t j = 0; t && j < how->upto && j < t->n_blocks; j++)
    if (st == BISCUIT_OK && t->blocks[j].external_key == BDL_NOSYM)
      st = push_tables(w, t, &t->blocks[j], d);
  if (st != BISCUIT_OK) {
    bdl_env_free(w);
    w = NULL;
  }
  *out = w;
  return st;
}

/* What the copy added to the wire env's tables: the block's own. */
static biscuit_status new_entries(const bdl_env *w, uint32_t n0, uint32_t k0,
                                  btk_block_meta *meta, bx_diag *d) {
  uint32_t n1 = bdl_symtab_count(w->syms), k1 = bdl_symtab_count(w->keys);
  const char **syms = bx_calloc(n1 - n0 + 1, sizeof *syms);
  btk_pubkey *keys = bx_calloc(k1 - k0 + 1, sizeof *keys);
  biscuit_status st = syms && keys ? BISCUIT_OK : nomem(d);
  for (uint32_t i = n0; i < n1 && st == BISCUIT_OK; i++)
    syms[i - n0] = bdl_symtab_str(w->syms, i, NULL);
  for (uint32_t i = k0; i < k1 && st == BISCUIT_OK; i++) {
    size_t len = 0;
    const char *s = bdl_symtab_str(w->keys, i, &len);
    st = btk_pubkey_parse(s, len, &keys[i - k0], d);
  }
  meta->n_symbols = n1 - n0;
  meta->symbols = syms;
  meta->n_keys = k1 - k0;
  meta->keys = keys;
  return st;
}

biscuit_status btk_block_serialize(const btk_ser *how, const bdl_env *src,
                                   const bdl_block *b, uint8_t **out,
                                   size_t *len, uint32_t *version, bx_diag *d) {
  bdl_env *w = NULL;
  bdl_block wb;
  btk_block_meta meta;
  uint32_t n0, k0;
  biscuit_status st = wire_env(how, &w, d);
  *out = NULL;
  *len = 0;
  memset(&meta, 0, sizeof meta);
  bdl_block_init(&wb);
  if (st != BISCUIT_OK)
    return st;
  n0 = bdl_symtab_count(w->syms);
  k0 = bdl_symtab_count(w->keys);
  {
    rtr r = {src, w, d};
    st = rt_block(&r, b, &wb);
  }
  if (st == BISCUIT_OK)
    st = new_entries(w, n0, k0, &meta, d);
  if (st == BISCUIT_OK) {
    meta.version = how->version ? how->version
                                : btk_block_min_version(&wb, how->third_party);
    meta.context = how->context;
    st = btk_block_encode(w, &wb, &meta, out, len, d);
  }
  if (st == BISCUIT_OK && version)
    *version = meta.version;
  bx_free((void *)meta.symbols);
  bx_free((void *)meta.keys);
  bdl_block_free(&wb);
  bdl_env_free(w);
  return st;
}
