/*
** Snapshots of authorizers and policy sets (wire-format.md "Authorizer
** policies and snapshots"; reference-behaviour.md §3 "Snapshots"; the
** reference's token/authorizer/snapshot.rs, token/builder/authorizer.rs
** and AuthorizerPolicies in token/authorizer.rs).
**
** Writing. The reference re-interns everything into one fresh table:
** for an AuthorizerSnapshot the policies first, then the authorizer
** block (facts, rules, checks, scopes), each token block, and the
** world's facts; for an AuthorizerPolicies the facts, rules, checks and
** policies. Each such part is serialized by btk_block_serialize against
** a one-block stand-in token whose tables are the snapshot's table so
** far, so block.c's reference interning order (sets in builder order
** included) applies unchanged, and what the part adds to the tables
** extends the snapshot's. codec.c then moves the parts' fields into the
** snapshot messages. Policies travel as checks (a policy's queries
** intern exactly as a check's do). The world's facts are grouped by
** origin in a fixed order, where the reference follows a hash map's.
**
** Reading (untrusted bytes). The table is interned into the new env
** first, refusing default symbols and repeats, so that each index names
** one string; the converters check every index against it. Blocks are
** loaded as add_token loads a token's, the authorizer block becomes the
** request's own code, and the facts go back into the world with their
** origins, as the reference's Authorizer::from_snapshot does.
*/
#include <stdlib.h>
#include <string.h>

#include "token/authorizer.h"
#include "token/token_int.h"

static biscuit_status nomem(bx_diag *d) {
  return bx_fail(d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
}

static biscuit_status internal(bx_diag *d, const char *what) {
  return bx_fail(d, BISCUIT_E_MISUSE, "InternalError", "%s", what);
}

static biscuit_status deser(bx_diag *d, const char *what) {
  return bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError",
                 "deserialization error: %s", what);
}

/* ============================================================== writing */

/*
** The snapshot's tables as the parts extend them: env holds the default
** symbols, then the snapshot's symbols in table order (id 28 + k is the
** k-th), and its keys (id k is the k-th). Every part is kept, to be
** assembled and freed at the end.
*/
typedef struct writer {
  bdl_env *env;
  const char **syms;
  uint32_t *keys;
  size_t n_syms, cap_syms, n_keys, cap_keys;
  btk_block_msg **parts;
  size_t n_parts, cap_parts;
  bx_diag *d;
} writer;

static biscuit_status writer_init(writer *w, bx_diag *d) {
  memset(w, 0, sizeof *w);
  w->d = d;
  w->env = bdl_env_new(NULL);
  return w->env ? BISCUIT_OK : nomem(d);
}

static void writer_free(writer *w) {
  for (size_t i = 0; i < w->n_parts; i++)
    btk_block_msg_free(w->parts[i]);
  bx_free(w->parts);
  bx_free(w->syms);
  bx_free(w->keys);
  bdl_env_free(w->env);
}

/* A part's new symbols and keys join the snapshot's tables, in order. */
static biscuit_status extend(writer *w, const btk_block_head *h) {
  bdl_env *e = w->env;
  for (size_t k = 0; k < h->n_symbols; k++) {
    size_t len = strlen(h->symbols[k]);
    uint32_t want = bdl_symtab_count(e->syms);
    uint32_t id = bdl_symtab_intern(e->syms, h->symbols[k], len);
    if (id == BDL_NOSYM || !bx_grow((void **)&w->syms, &w->cap_syms,
                                    w->n_syms + 1, sizeof *w->syms))
      return nomem(w->d);
    if (id != want)
      return internal(w->d, "a snapshot part repeats a symbol");
    w->syms[w->n_syms++] = bdl_symtab_str(e->syms, id, NULL);
  }
  for (size_t k = 0; k < h->n_keys; k++) {
    char text[BTK_PUBKEY_TEXT_MAX];
    size_t n = btk_pubkey_format(&h->keys[k], text, sizeof text);
    uint32_t want = bdl_symtab_count(e->keys);
    uint32_t id =
        n < sizeof text ? bdl_symtab_intern(e->keys, text, n) : BDL_NOSYM;
    if (id == BDL_NOSYM || !bx_grow((void **)&w->keys, &w->cap_keys,
                                    w->n_keys + 1, sizeof *w->keys))
      return nomem(w->d);
    if (id != want)
      return internal(w->d, "a snapshot part repeats a key");
    w->keys[w->n_keys++] = id;
  }
  return BISCUIT_OK;
}

/*
** Serialize `b` (IR in src) as the next part: against a stand-in token
** of one first-party block holding the tables so far, at `version` (0:
** the lowest the part needs) with `context`. The Block is unpacked again
** for codec.c and kept in w->parts.
*/
static biscuit_status part(writer *w, const bdl_env *src, const bdl_block *b,
                           uint32_t version, const char *context,
                           const btk_block_msg **out) {
  btk_block_info info;
  btk_token tok;
  btk_block_head h;
  btk_block_msg *m = NULL;
  uint8_t *bytes = NULL;
  size_t len = 0;
  memset(&info, 0, sizeof info);
  memset(&tok, 0, sizeof tok);
  info.n_symbols = (uint32_t)w->n_syms;
  info.symbols = w->syms;
  info.n_keys = (uint32_t)w->n_keys;
  info.keys = w->keys;
  info.external_key = BDL_NOSYM;
  tok.env = w->env;
  tok.n_blocks = 1;
  tok.blocks = &info;
  btk_ser how = {&tok, 1, false, version, context};
  *out = NULL;
  if (!bx_grow((void **)&w->parts, &w->cap_parts, w->n_parts + 1,
               sizeof *w->parts))
    return nomem(w->d);
  biscuit_status st =
      btk_block_serialize(&how, src, b, &bytes, &len, NULL, w->d);
  if (st == BISCUIT_OK)
    st = btk_block_unpack(bytes, len, BTK_MAX_DEPTH_CAP, &m, &h, w->d);
  bx_free(bytes);
  if (st != BISCUIT_OK)
    return st;
  w->parts[w->n_parts++] = m;
  *out = m;
  return extend(w, &h);
}

/* ------------------------------------------------------------ the parts */

/* What a snapshot is written from. */
typedef struct snap_src {
  const bdl_env *env;
  const bdl_block *own; /* the authorizer block, policies included */
  const bdl_block *blocks;
  const btk_block_src *srcs;
  uint32_t n_blocks;
  const bdl_world *world; /* NULL: no facts */
  uint64_t max_facts, max_iterations, max_time_ns;
  uint64_t execution_ns, iterations;
} snap_src;

/*
** Policies as checks, so that a part can carry them: their queries are
** interned as a check's are (reference policy_to_proto_policy).
*/
static biscuit_status add_policy_checks(bdl_block *tmp, const bdl_block *own,
                                        uint32_t *kinds) {
  biscuit_status st = BISCUIT_OK;
  for (uint32_t i = 0; i < own->n_policies && st == BISCUIT_OK; i++) {
    bdl_check c = {BDL_CHECK_IF, own->policies[i].n_queries,
                   own->policies[i].queries};
    kinds[i] = own->policies[i].kind;
    st = bdl_block_add_check(tmp, &c);
  }
  return st;
}

/* A shallow copy of facts, rules and checks (scopes when `scopes`). */
static biscuit_status copy_body(bdl_block *tmp, const bdl_block *b,
                                bool scopes) {
  biscuit_status st = BISCUIT_OK;
  for (uint32_t i = 0; i < b->n_facts && st == BISCUIT_OK; i++)
    st = bdl_block_add_fact(tmp, &b->facts[i]);
  for (uint32_t i = 0; i < b->n_rules && st == BISCUIT_OK; i++)
    st = bdl_block_add_rule(tmp, &b->rules[i]);
  for (uint32_t i = 0; i < b->n_checks && st == BISCUIT_OK; i++)
    st = bdl_block_add_check(tmp, &b->checks[i]);
  for (uint32_t i = 0; scopes && i < b->n_scopes && st == BISCUIT_OK; i++)
    st = bdl_block_add_scope(tmp, &b->scopes[i]);
  return st;
}

/*
** The reference's snapshot() order: the policies, then the authorizer
** block built as BlockBuilder::build does (facts, rules, checks, scopes,
** at the lowest version it needs).
*/
static biscuit_status own_parts(writer *w, const snap_src *s, btk_snap_parts *p,
                                uint32_t **kinds) {
  bdl_block pol, own;
  bdl_block_init(&pol);
  bdl_block_init(&own);
  *kinds = bx_calloc(s->own->n_policies + 1u, sizeof **kinds);
  biscuit_status st = *kinds ? BISCUIT_OK : BISCUIT_E_NOMEM;
  if (st == BISCUIT_OK)
    st = add_policy_checks(&pol, s->own, *kinds);
  if (st == BISCUIT_OK)
    st = copy_body(&own, s->own, true);
  if (st != BISCUIT_OK)
    st = nomem(w->d);
  if (st == BISCUIT_OK)
    st = part(w, s->env, &pol, 0, NULL, &p->policies);
  if (st == BISCUIT_OK)
    st = part(w, s->env, &own, 0, NULL, &p->authorizer);
  p->policy_kinds = *kinds;
  bdl_block_free(&pol);
  bdl_block_free(&own);
  return st;
}

/* The signer of a third-party block as a key (from env->keys text). */
static biscuit_status signer_key(const bdl_env *env, uint32_t id,
                                 btk_pubkey *out, bx_diag *d) {
  size_t len = 0;
  const char *text = bdl_symtab_str(env->keys, id, &len);
  if (!text)
    return internal(d, "a block's signer is not in the key table");
  return btk_pubkey_parse(text, len, out, d);
}

/* Token blocks at their own version and context, with their signers. */
static biscuit_status block_parts(writer *w, const snap_src *s,
                                  btk_snap_parts *p, btk_pubkey *keys,
                                  const btk_pubkey **ext,
                                  const btk_block_msg **msgs) {
  biscuit_status st = BISCUIT_OK;
  for (uint32_t i = 0; i < s->n_blocks && st == BISCUIT_OK; i++) {
    const btk_block_src *src = &s->srcs[i];
    ext[i] = NULL;
    if (src->signer != BDL_NOSYM) {
      st = signer_key(s->env, src->signer, &keys[i], w->d);
      ext[i] = &keys[i];
    }
    if (st == BISCUIT_OK)
      st = part(w, s->env, &s->blocks[i], src->version, src->context, &msgs[i]);
  }
  p->n_blocks = s->n_blocks;
  p->blocks = msgs;
  p->external = ext;
  return st;
}

/* ---------------------------------------------------- generated facts */

typedef struct gfact {
  bdl_origin origin;
  size_t seq;
  bdl_pred fact;
} gfact;

typedef struct gfacts {
  gfact *v;
  size_t n, cap;
} gfacts;

static biscuit_status collect(void *ud, const bdl_pred *fact,
                              bdl_origin origin) {
  gfacts *g = ud;
  if (!bx_grow((void **)&g->v, &g->cap, g->n + 1, sizeof *g->v))
    return BISCUIT_E_NOMEM;
  g->v[g->n].origin = origin;
  g->v[g->n].seq = g->n;
  g->v[g->n].fact = *fact;
  g->n++;
  return BISCUIT_OK;
}

/* Whether o holds an id above `id`. */
static bool has_above(bdl_origin o, uint32_t id) {
  for (uint32_t w = id >> 6; w < 2; w++) {
    uint64_t bits = o.w[w];
    if (w == id >> 6)
      bits &= (id & 63) == 63 ? 0 : ~0ULL << ((id & 63) + 1);
    if (bits)
      return true;
  }
  return false;
}

/*
** Origins as the reference's BTreeSet orders them: lexicographically by
** their sorted ids, the authorizer (usize::MAX) being the largest id.
** Below the lowest id in only one of them the lists agree; there the set
** holding it is smaller unless the other set has nothing left (a prefix).
*/
static int origin_cmp(bdl_origin a, bdl_origin b) {
  for (uint32_t w = 0; w < 2; w++) {
    uint64_t x = a.w[w] ^ b.w[w];
    if (!x)
      continue;
    uint32_t id = w * 64 + (uint32_t)__builtin_ctzll(x);
    bool in_a = bdl_origin_has(a, id);
    bool rest = has_above(in_a ? b : a, id);
    return in_a == rest ? -1 : 1;
  }
  return 0;
}

/* By origin, then in world order: groups come out in a fixed order. */
static int gfact_cmp(const void *pa, const void *pb) {
  const gfact *a = pa, *b = pb;
  int r = origin_cmp(a->origin, b->origin);
  return r ? r : (a->seq > b->seq) - (a->seq < b->seq);
}

/* One part per origin, holding that origin's facts. */
static biscuit_status group_parts(writer *w, const snap_src *s, const gfacts *g,
                                  btk_snap_parts *p, const btk_block_msg **msgs,
                                  bdl_origin *origins) {
  biscuit_status st = BISCUIT_OK;
  size_t n = 0;
  for (size_t i = 0; i < g->n && st == BISCUIT_OK; n++) {
    bdl_block tmp;
    size_t j = i;
    bdl_block_init(&tmp);
    for (; j < g->n && bdl_origin_eq(g->v[j].origin, g->v[i].origin); j++)
      if (bdl_block_add_fact(&tmp, &g->v[j].fact) != BISCUIT_OK)
        st = nomem(w->d);
    if (st == BISCUIT_OK)
      st = part(w, s->env, &tmp, 0, NULL, &msgs[n]);
    origins[n] = g->v[i].origin;
    bdl_block_free(&tmp);
    i = j;
  }
  p->n_groups = n;
  p->groups = msgs;
  p->origins = origins;
  return st;
}

/* Every world fact with its origin (the reference writes them all). */
static biscuit_status fact_parts(writer *w, const snap_src *s,
                                 btk_snap_parts *p, gfacts *g,
                                 const btk_block_msg ***msgs,
                                 bdl_origin **origins) {
  biscuit_status st = BISCUIT_OK;
  if (s->world)
    st = bdl_world_foreach_fact(s->world, collect, g);
  *msgs = bx_calloc(g->n + 1, sizeof **msgs);
  *origins = bx_calloc(g->n + 1, sizeof **origins);
  if (st != BISCUIT_OK || !*msgs || !*origins)
    return nomem(w->d);
  if (g->n)
    qsort(g->v, g->n, sizeof *g->v, gfact_cmp);
  return group_parts(w, s, g, p, *msgs, *origins);
}

/* ------------------------------------------------------------- assembly */

/* Scratch arrays of one snapshot write. */
typedef struct scratch {
  uint32_t *kinds;
  btk_pubkey *keys;
  const btk_pubkey **ext;
  const btk_block_msg **blocks, **groups;
  bdl_origin *origins;
  gfacts facts;
} scratch;

static void scratch_free(scratch *x) {
  bx_free(x->kinds);
  bx_free(x->keys);
  bx_free((void *)x->ext);
  bx_free((void *)x->blocks);
  bx_free((void *)x->groups);
  bx_free(x->origins);
  bx_free(x->facts.v);
}

/* The parts in the reference's order, then codec.c assembles them. */
static biscuit_status write_snapshot(const snap_src *s, uint8_t **out,
                                     size_t *len, bx_diag *d) {
  writer w;
  scratch x;
  btk_snap_parts p;
  memset(&x, 0, sizeof x);
  memset(&p, 0, sizeof p);
  biscuit_status st = writer_init(&w, d);
  size_t n = s->n_blocks + 1u;
  x.keys = bx_calloc(n, sizeof *x.keys);
  x.ext = bx_calloc(n, sizeof *x.ext);
  x.blocks = bx_calloc(n, sizeof *x.blocks);
  if (st == BISCUIT_OK && (!x.keys || !x.ext || !x.blocks))
    st = nomem(d);
  if (st == BISCUIT_OK)
    st = own_parts(&w, s, &p, &x.kinds);
  if (st == BISCUIT_OK)
    st = block_parts(&w, s, &p, x.keys, x.ext, x.blocks);
  if (st == BISCUIT_OK)
    st = fact_parts(&w, s, &p, &x.facts, &x.groups, &x.origins);
  if (st == BISCUIT_OK) {
    p.max_facts = s->max_facts;
    p.max_iterations = s->max_iterations;
    p.max_time_ns = s->max_time_ns;
    p.execution_ns = s->execution_ns;
    p.iterations = s->iterations;
    p.version = BTK_MAX_VERSION; /* the reference's MAX_SCHEMA_VERSION */
    st = btk_snap_encode(&p, out, len, d);
  }
  scratch_free(&x);
  writer_free(&w);
  return st;
}

/*
** Before or after a run. Limits and statistics are the authorizer's. An
** authorizer whose fixpoint did not complete has no execution time (the
** reference writes 0 for None), so that a reader runs it again rather
** than trust a partial world; one that never ran and holds no token has
** no facts in its world either: that is the builder snapshot
** AuthorizerBuilder::from_snapshot accepts. An authorize that failed in
** its checks (after a complete fixpoint) is written as not run too: a
** reader then runs again to the same facts.
*/
biscuit_status btk_authorizer_to_snapshot(btk_authorizer *a, uint8_t **out,
                                          size_t *len, bx_diag *d) {
  bdl_block own;
  *out = NULL;
  *len = 0;
  biscuit_status st = btk_authorizer_usable(a, d);
  if (st != BISCUIT_OK)
    return st;
  if (btk_authorizer_combined(a, &own) != BISCUIT_OK)
    return nomem(d);
  snap_src s = {a->env,
                &own,
                a->blocks,
                a->srcs,
                a->n_blocks,
                a->world,
                a->limits.max_facts,
                a->limits.max_iterations,
                a->limits.max_time_ns,
                a->ran ? a->elapsed_ns : 0,
                a->iterations};
  st = write_snapshot(&s, out, len, d);
  bdl_block_free(&own);
  return st;
}

/*
** The reference's AuthorizerPolicies (authorizer_to_proto_authorizer):
** facts, rules, checks, then policies into one fresh table, version
** MAX_SCHEMA_VERSION as Authorizer::save writes it. That message has no
** key table and no block scopes; a policy set using either is written
** as a builder AuthorizerSnapshot (default limits, nothing run), which
** keeps them and which the reference reads too.
*/
biscuit_status btk_policy_to_snapshot(const btk_policy *p, uint8_t **out,
                                      size_t *len, bx_diag *d) {
  const bdl_block *b = &p->block;
  const btk_block_msg *m = NULL;
  bdl_block tmp;
  writer w;
  *out = NULL;
  *len = 0;
  bdl_block_init(&tmp);
  uint32_t *kinds = bx_calloc(b->n_policies + 1u, sizeof *kinds);
  biscuit_status st = writer_init(&w, d);
  if (st == BISCUIT_OK && (!kinds || copy_body(&tmp, b, false) ||
                           add_policy_checks(&tmp, b, kinds)))
    st = nomem(d);
  if (st == BISCUIT_OK)
    st = part(&w, p->env, &tmp, 0, NULL, &m);
  if (st == BISCUIT_OK && (w.n_keys || b->n_scopes)) {
    bdl_limits l;
    bdl_limits_default(&l);
    snap_src s = {
        p->env,        b, NULL, NULL, 0, NULL, l.max_facts, l.max_iterations,
        l.max_time_ns, 0, 0};
    st = write_snapshot(&s, out, len, d);
  } else if (st == BISCUIT_OK) {
    st = btk_snap_encode_policies(m, b->n_checks, kinds, BTK_MAX_VERSION, out,
                                  len, d);
  }
  bdl_block_free(&tmp);
  bx_free(kinds);
  writer_free(&w);
  return st;
}

/* ============================================================== reading */

/* A snapshot's table interned into env in order, as a wire map. */
typedef struct rtables {
  uint32_t *syms, *keys;
  btk_wire_map map;
} rtables;

static void rtables_free(rtables *t) {
  bx_free(t->syms);
  bx_free(t->keys);
}

/*
** The reference would fold a default symbol or a repeated string into
** an earlier index and shift every later one; both are refused here
** (SymbolTableOverlap, PublicKeyTableOverlap), so an index always
** names the string at that position.
*/
static biscuit_status read_symbols(bdl_env *env, const btk_snap_head *h,
                                   rtables *t, bx_diag *d) {
  if (h->n_symbols > UINT32_MAX - BTK_SYM_OFFSET)
    return deser(d, "too many symbols");
  t->syms = bx_calloc(h->n_symbols + 1, sizeof *t->syms);
  if (!t->syms)
    return nomem(d);
  for (size_t k = 0; k < h->n_symbols; k++) {
    const char *s = h->symbols[k];
    size_t len = strlen(s);
    if (bdl_symtab_find(env->syms, s, len) != BDL_NOSYM)
      return bx_fail(d, BISCUIT_E_FORMAT, "Format/SymbolTableOverlap",
                     "the snapshot's symbol table repeats \"%s\"", s);
    if ((t->syms[k] = bdl_symtab_intern(env->syms, s, len)) == BDL_NOSYM)
      return nomem(d);
  }
  t->map.syms = t->syms;
  t->map.n_syms = (uint32_t)h->n_symbols;
  return BISCUIT_OK;
}

static biscuit_status read_keys(bdl_env *env, const btk_snap_head *h,
                                rtables *t, bx_diag *d) {
  if (h->n_keys > UINT32_MAX)
    return deser(d, "too many public keys");
  t->keys = bx_calloc(h->n_keys + 1, sizeof *t->keys);
  if (!t->keys)
    return nomem(d);
  for (size_t k = 0; k < h->n_keys; k++) {
    char text[BTK_PUBKEY_TEXT_MAX];
    size_t n = btk_pubkey_format(&h->keys[k], text, sizeof text);
    if (n >= sizeof text)
      return internal(d, "key text too long");
    if (bdl_symtab_find(env->keys, text, n) != BDL_NOSYM)
      return bx_fail(d, BISCUIT_E_FORMAT, "Format/PublicKeyTableOverlap",
                     "the snapshot's key table repeats %s", text);
    if ((t->keys[k] = bdl_symtab_intern(env->keys, text, n)) == BDL_NOSYM)
      return nomem(d);
  }
  t->map.keys = t->keys;
  t->map.n_keys = (uint32_t)h->n_keys;
  return BISCUIT_OK;
}

static biscuit_status read_tables(bdl_env *env, const btk_snap_head *h,
                                  rtables *t, bx_diag *d) {
  memset(t, 0, sizeof *t);
  biscuit_status st = read_symbols(env, h, t, d);
  return st == BISCUIT_OK ? read_keys(env, h, t, d) : st;
}

/* Spec "Format": versions 3 (v3.0) to 6 (v3.3); absent is 0. */
static biscuit_status check_version(bool has, uint32_t v, bx_diag *d) {
  uint32_t got = has ? v : 0;
  if (got >= BTK_MIN_VERSION && got <= BTK_MAX_VERSION)
    return BISCUIT_OK;
  return bx_fail(d, BISCUIT_E_FORMAT, "Format/Version",
                 "snapshot format version %u is not supported (minimum %u, "
                 "maximum %u)",
                 got, BTK_MIN_VERSION, BTK_MAX_VERSION);
}

/*
** A SnapshotBlock's Datalog at its own version, refused where the
** reference refuses it (proto_snapshot_block_to_token_block: the
** version range, then the features against the version).
*/
static biscuit_status read_block(const btk_snap_msg *m, size_t i,
                                 const rtables *t, bdl_env *env,
                                 btk_snap_block_head *h, bdl_block *out,
                                 bx_diag *d) {
  biscuit_status st = btk_snap_block_info(m, i, h, d);
  if (st == BISCUIT_OK)
    st = check_version(h->has_version, h->version, d);
  if (st == BISCUIT_OK)
    st = btk_snap_block_to_ir(m, i, h->version, &t->map, env, out, d);
  if (st == BISCUIT_OK)
    st = btk_block_check_version(out, h->version, d);
  return st;
}

/* Context and signer of a restored block, kept in the env. */
static biscuit_status block_src(bdl_env *env, const btk_snap_block_head *h,
                                uint32_t i, btk_block_src *src, bx_diag *d) {
  src->version = h->version;
  src->context = NULL;
  src->signer = BDL_NOSYM;
  if (h->context && !(src->context = bx_arena_dup(&env->arena, h->context,
                                                  strlen(h->context) + 1)))
    return nomem(d);
  if (!h->has_external)
    return BISCUIT_OK;
  if (i == 0)
    return deser(d, "the authority block must not have an external key");
  char text[BTK_PUBKEY_TEXT_MAX];
  size_t n = btk_pubkey_format(&h->external, text, sizeof text);
  src->signer =
      n < sizeof text ? bdl_symtab_intern(env->keys, text, n) : BDL_NOSYM;
  return src->signer == BDL_NOSYM ? nomem(d) : BISCUIT_OK;
}

/* The token's blocks, in order, as add_token loads them. */
static biscuit_status restore_blocks(btk_authorizer *a, const btk_snap_msg *m,
                                     const btk_snap_head *h, const rtables *t,
                                     bx_diag *d) {
  if (h->n_blocks == 0)
    return BISCUIT_OK;
  if (h->n_blocks > BDL_MAX_BLOCKS)
    return bx_fail(d, BISCUIT_E_LIMIT, "Limit/BlockCount",
                   "snapshot has %zu blocks, the limit is %u", h->n_blocks,
                   BDL_MAX_BLOCKS);
  biscuit_status st = btk_authorizer_begin_blocks(a, (uint32_t)h->n_blocks, d);
  for (uint32_t i = 0; i < h->n_blocks && st == BISCUIT_OK; i++) {
    btk_snap_block_head bh;
    btk_block_src src;
    bdl_block b;
    bdl_block_init(&b);
    st = read_block(m, i, t, a->env, &bh, &b, d);
    if (st == BISCUIT_OK)
      st = block_src(a->env, &bh, i, &src, d);
    if (st == BISCUIT_OK)
      st = btk_authorizer_put_block(a, i, &b, &src, d);
    bdl_block_free(&b);
  }
  return st;
}

/*
** The authorizer block and the policies (read at the world's version)
** into `out`. The reference keeps no external key on it; one is refused.
*/
static biscuit_status read_own(const btk_snap_msg *m, const btk_snap_head *h,
                               const rtables *t, bdl_env *env, bdl_block *out,
                               bx_diag *d) {
  btk_snap_block_head bh;
  biscuit_status st;
  memset(&bh, 0, sizeof bh);
  if (h->kind == BTK_SNAP_POLICIES) /* the reference checks no features */
    st = btk_snap_block_to_ir(m, BTK_SNAP_AUTHORIZER_BLOCK, h->version, &t->map,
                              env, out, d);
  else
    st = read_block(m, BTK_SNAP_AUTHORIZER_BLOCK, t, env, &bh, out, d);
  if (st == BISCUIT_OK && h->kind == BTK_SNAP_AUTHORIZER && bh.has_external)
    st = deser(d, "the authorizer block must not have an external key");
  if (st == BISCUIT_OK)
    st = btk_snap_policies_to_ir(m, h->version, &t->map, env, out, d);
  return st;
}

static biscuit_status add_fact(void *ud, const bdl_pred *fact,
                               bdl_origin origin, bx_diag *d) {
  return bdl_world_add_fact(ud, fact, origin, d);
}

/* Zero means "unlimited" to the world but not to the reference: keep
   the default there, as biscuit_authorizer_set_limits does. */
static void restore_limits(btk_authorizer *a, const btk_snap_head *h) {
  if (h->max_facts)
    a->limits.max_facts = h->max_facts;
  if (h->max_iterations)
    a->limits.max_iterations = h->max_iterations;
  if (h->max_time_ns)
    a->limits.max_time_ns = h->max_time_ns;
  a->iterations = a->restored_iterations = h->iterations;
  a->elapsed_ns = a->restored_ns = h->execution_ns;
  a->ran = a->restored_run = h->execution_ns > 0;
}

/* A builder snapshot: what AuthorizerBuilder::from_snapshot accepts. */
static bool is_builder(const btk_snap_head *h) {
  return h->n_blocks == 0 && h->n_fact_groups == 0 && h->iterations == 0 &&
         h->execution_ns == 0;
}

static biscuit_status restore(btk_authorizer *a, const btk_snap_msg *m,
                              const btk_snap_head *h, bx_diag *d) {
  rtables t;
  memset(&t, 0, sizeof t);
  biscuit_status st = check_version(h->has_version, h->version, d);
  if (st == BISCUIT_OK)
    st = read_tables(a->env, h, &t, d);
  if (st == BISCUIT_OK)
    st = restore_blocks(a, m, h, &t, d);
  if (st == BISCUIT_OK)
    st = read_own(m, h, &t, a->env, &a->added, d);
  /* anything but a builder snapshot is an authorizer that was built:
     closed to loading, as the reference's Authorizer is */
  if (st == BISCUIT_OK && !is_builder(h))
    st = btk_authorizer_register(a, d);
  if (st == BISCUIT_OK)
    st = btk_snap_facts_to_ir(m, &t.map, a->env, add_fact, a->world, d);
  if (st == BISCUIT_OK)
    restore_limits(a, h);
  rtables_free(&t);
  return st;
}

biscuit_status btk_authorizer_from_snapshot(const uint8_t *buf, size_t len,
                                            btk_authorizer **out, bx_diag *d) {
  btk_snap_msg *m = NULL;
  btk_snap_head h;
  *out = NULL;
  biscuit_status st = btk_snap_unpack(buf, len, BTK_SNAP_AUTHORIZER, &m, &h, d);
  if (st != BISCUIT_OK)
    return st;
  btk_authorizer *a = btk_authorizer_new(NULL);
  st = a ? restore(a, m, &h, d) : nomem(d);
  btk_snap_msg_free(m);
  if (st != BISCUIT_OK) {
    btk_authorizer_free(a);
    return st;
  }
  *out = a;
  return BISCUIT_OK;
}

/*
** A policy set from either message. An AuthorizerSnapshot must be a
** builder snapshot (reference AuthorizerBuilder::from_snapshot); its
** limits are dropped, as a policy set has none.
*/
static biscuit_status restore_policy(btk_policy *p, const btk_snap_msg *m,
                                     const btk_snap_head *h, bx_diag *d) {
  rtables t;
  memset(&t, 0, sizeof t);
  biscuit_status st = check_version(h->has_version, h->version, d);
  if (st == BISCUIT_OK && h->kind == BTK_SNAP_AUTHORIZER && !is_builder(h))
    st = deser(d, "a policy set cannot be read from a snapshot with blocks, "
                  "generated facts, iterations or execution time");
  if (st == BISCUIT_OK)
    st = read_tables(p->env, h, &t, d);
  if (st == BISCUIT_OK)
    st = read_own(m, h, &t, p->env, &p->block, d);
  rtables_free(&t);
  return st;
}

/*
** The two messages cannot be mistaken for each other: an
** AuthorizerSnapshot needs a world (field 3) that no Fact parses as, and
** an AuthorizerPolicies lacks it. So the snapshot form is tried first
** and, when protobuf refuses it, the policies form decides the error.
*/
biscuit_status btk_policy_from_snapshot(const uint8_t *buf, size_t len,
                                        btk_policy **out, bx_diag *d) {
  btk_snap_msg *m = NULL;
  btk_snap_head h;
  bx_diag first;
  bx_diag_clear(&first);
  *out = NULL;
  biscuit_status st =
      btk_snap_unpack(buf, len, BTK_SNAP_AUTHORIZER, &m, &h, &first);
  if (st == BISCUIT_E_FORMAT)
    st = btk_snap_unpack(buf, len, BTK_SNAP_POLICIES, &m, &h, d);
  else if (st != BISCUIT_OK && d)
    *d = first;
  if (st != BISCUIT_OK)
    return st;
  btk_policy *p = btk_policy_new();
  st = p ? restore_policy(p, m, &h, d) : nomem(d);
  btk_snap_msg_free(m);
  if (st != BISCUIT_OK) {
    btk_policy_free(p);
    return st;
  }
  *out = p;
  return BISCUIT_OK;
}
