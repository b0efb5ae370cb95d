/*
** The world: blocks registered by id, their facts stored with origin
** {id}, and the trusted-origin sets rules, checks and policies see.
** (spec "Scopes", "Datalog fact generation"; reference-behaviour.md §3.)
*/
#include <stdlib.h>
#include <string.h>

#include "datalog/print.h"
#include "datalog/world_int.h"

bdl_world *bdl_world_new(bdl_env *env) {
  if (!env)
    return NULL;
  bdl_world *w = bx_calloc(1, sizeof *w);
  if (!w)
    return NULL;
  w->env = env;
  for (uint32_t i = 0; i <= BDL_MAX_BLOCKS; i++)
    w->signer[i] = BDL_NOSYM;
  bx_arena_init(&w->scratch, 0);
  w->regex = bdl_regex_cache_new(64);
  /* a first allocation keeps one chunk alive across scratch rollbacks */
  if (!w->regex || !bx_arena_alloc(&w->scratch, 8)) {
    bdl_regex_cache_free(w->regex);
    bx_arena_free(&w->scratch);
    bx_free(w);
    return NULL;
  }
  return w;
}

void bdl_world_free(bdl_world *w) {
  if (!w)
    return;
  for (uint32_t i = 0; i < w->n_rels; i++)
    bdl_rel_free(&w->rels[i]);
  bx_free(w->rels);
  bx_free(w->rslots);
  bx_free(w->inert);
  bx_arena_free(&w->scratch);
  bdl_regex_cache_free(w->regex);
  bx_free(w);
}

void bdl_world_set_extern(bdl_world *w, bdl_extern_fn fn, void *ud) {
  w->ext = fn;
  w->ext_ud = ud;
}

/* ------------------------------------------------------------ origins */

static bdl_origin origin_add(bdl_origin o, uint32_t id) {
  return bdl_origin_union(o, bdl_origin_one(id));
}

/*
** spec "Scope annotations"; reference TrustedOrigins::from_scopes. No
** scopes: the defaults plus the current block and the authorizer. With
** scopes the defaults are replaced: {current, authorizer} plus what each
** scope adds. `previous` means nothing in the authorizer, and a key adds
** the blocks it signed, resolved now that every block is registered.
*/
bdl_origin bdl_trusted(const bdl_world *w, const bdl_scope *s, uint32_t n,
                       bdl_origin dflt, uint32_t current) {
  bdl_origin auth = bdl_origin_one(BDL_AUTHORIZER_ID);
  if (n == 0)
    return origin_add(bdl_origin_union(dflt, auth), current);
  bdl_origin o = origin_add(auth, current);
  for (uint32_t i = 0; i < n; i++) {
    if (s[i].kind == BDL_SCOPE_AUTHORITY) {
      o = origin_add(o, 0);
    } else if (s[i].kind == BDL_SCOPE_PREVIOUS) {
      if (current != BDL_AUTHORIZER_ID)
        for (uint32_t b = 0; b <= current; b++)
          o = origin_add(o, b);
    } else if (s[i].kind == BDL_SCOPE_KEY) {
      for (uint32_t b = bdl_next_block(w, 1); b < BDL_MAX_BLOCKS;
           b = bdl_next_block(w, b + 1))
        if (w->signer[b] == s[i].key)
          o = origin_add(o, b);
    }
  }
  return o;
}

/* spec "Scopes": by default a block trusts the authority and authorizer. */
bdl_origin bdl_block_trust(const bdl_world *w, uint32_t id) {
  bdl_origin dflt = origin_add(bdl_origin_one(0), BDL_AUTHORIZER_ID);
  const bdl_block *b = id <= BDL_MAX_BLOCKS ? w->blocks[id] : NULL;
  if (!b)
    return bdl_trusted(w, NULL, 0, dflt, id);
  return bdl_trusted(w, b->scopes, b->n_scopes, dflt, id);
}

/* Rule-level scopes take precedence over the block-level ones. */
bdl_origin bdl_rule_trust(const bdl_world *w, const bdl_rule *r, uint32_t id) {
  return bdl_trusted(w, r->scopes, r->n_scopes, bdl_block_trust(w, id), id);
}

/* ------------------------------------------------------------ blocks */

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/*
** The first head variable no body predicate binds, or BDL_NOSYM; -1 on
** NOMEM. Sorted body variables keep this O(n log n) on rules of any
** size (a token's rule may hold thousands of terms).
*/
static int64_t unbound_head_var(bdl_world *w, const bdl_rule *r) {
  size_t n = 0;
  for (uint32_t p = 0; p < r->n_body; p++)
    n += r->body[p].n_terms;
  bx_arena_mark m = bx_arena_save(&w->scratch);
  uint32_t *v = bx_arena_alloc(&w->scratch, (n ? n : 1) * sizeof *v);
  if (!v)
    return -1;
  n = 0;
  for (uint32_t p = 0; p < r->n_body; p++)
    for (uint32_t t = 0; t < r->body[p].n_terms; t++)
      if (r->body[p].terms[t].kind == BDL_VAR)
        v[n++] = r->body[p].terms[t].id;
  qsort(v, n, sizeof *v, cmp_u32);
  int64_t res = BDL_NOSYM;
  for (uint32_t t = 0; t < r->head.n_terms && res == BDL_NOSYM; t++) {
    const bdl_term *h = &r->head.terms[t];
    if (h->kind == BDL_VAR && !bsearch(&h->id, v, n, sizeof *v, cmp_u32))
      res = h->id;
  }
  bx_arena_rollback(&w->scratch, m);
  return res;
}

/*
** Reference Rule::validate_variables: every head variable must occur in a
** body predicate, or the block is refused (Logic::InvalidBlockRule). The
** reference reports block id 0 whatever the block; we put the real block
** id in d->offset and leave the choice to the caller.
*/
static biscuit_status check_block_rules(bdl_world *w, uint32_t id,
                                        const bdl_block *b, bx_diag *d) {
  for (uint32_t i = 0; i < b->n_rules; i++) {
    const bdl_rule *r = &b->rules[i];
    int64_t var = unbound_head_var(w, r);
    if (var == BDL_NOSYM)
      continue;
    bx_buf buf;
    bx_buf_init(&buf, 0);
    bool ok = var >= 0 && bdl_print_rule(&buf, w->env, r) && !buf.failed;
    biscuit_status st =
        ok ? bx_fail(d, BISCUIT_E_LOGIC, "InvalidBlockRule", "%s",
                     buf.data ? buf.data : "")
           : bx_fail(d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
    if (d)
      d->offset = id;
    bx_buf_free(&buf);
    return st;
  }
  return BISCUIT_OK;
}

static bool has_top_var(const bdl_pred *p) {
  for (uint32_t i = 0; i < p->n_terms; i++)
    if (p->terms[i].kind == BDL_VAR)
      return true;
  return false;
}

/*
** A fact with a variable never matches (reference match_preds), but it is
** part of the world, so it is kept aside for the dump and the count.
*/
static bool add_inert(bdl_world *w, const bdl_pred *p, bdl_origin o) {
  if (!bx_grow((void **)&w->inert, &w->cap_inert, w->n_inert + 1,
               sizeof *w->inert))
    return false;
  w->inert[w->n_inert].pred = p;
  w->inert[w->n_inert].origin = o;
  w->n_inert++;
  w->n_facts++;
  return true;
}

/*
** Add facts[0..n) (n <= 32) with origin o: hashes first, dedup slots
** prefetched, then the inserts (large authorizer fact sets do not fit in
** cache). Returns false on NOMEM.
*/
static bool add_chunk(bdl_world *w, const bdl_pred *facts, uint32_t n,
                      bdl_origin o) {
  uint32_t rel[32];
  uint64_t h[32];
  for (uint32_t i = 0; i < n; i++) {
    rel[i] = BDL_NO_REL;
    if (has_top_var(&facts[i]))
      continue;
    rel[i] = bdl_world_rel_make(w, facts[i].name, facts[i].n_terms);
    if (rel[i] == BDL_NO_REL)
      return false;
    h[i] = bdl_rel_hash(&w->rels[rel[i]], facts[i].terms, o);
    bdl_rel_prefetch(&w->rels[rel[i]], h[i]);
  }
  for (uint32_t i = 0; i < n; i++) {
    if (rel[i] == BDL_NO_REL) {
      if (!add_inert(w, &facts[i], o))
        return false;
      continue;
    }
    int added = bdl_rel_add_h(&w->rels[rel[i]], facts[i].terms, o, h[i]);
    if (added < 0)
      return false;
    w->n_facts += (size_t)added;
  }
  return true;
}

/* Undo a partial add_block after NOMEM: drop rows past each mark. */
static void undo_facts(bdl_world *w, size_t n_inert) {
  for (uint32_t i = 0; i < w->n_rels; i++) {
    struct bdl_rel *r = &w->rels[i];
    w->n_facts -= r->n_rows - r->mark;
    bdl_rel_truncate(r, r->mark);
  }
  w->n_facts -= w->n_inert - n_inert;
  w->n_inert = n_inert;
}

static biscuit_status add_facts(bdl_world *w, uint32_t id, const bdl_block *b,
                                bx_diag *d) {
  bdl_origin o = bdl_origin_one(id);
  size_t n_inert = w->n_inert;
  for (uint32_t i = 0; i < w->n_rels; i++)
    bdl_rel_mark(&w->rels[i]);
  for (uint32_t i = 0; i < b->n_facts; i += 32) {
    uint32_t n = b->n_facts - i < 32 ? b->n_facts - i : 32;
    if (!add_chunk(w, &b->facts[i], n, o)) {
      undo_facts(w, n_inert);
      return bx_fail(d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
    }
  }
  return BISCUIT_OK;
}

/*
** Register a block (spec "Authorization process": facts tagged with the
** block id, rules kept with their trusted origins). Keys in scopes are
** resolved at run time, so blocks may come in any order.
*/
biscuit_status bdl_world_add_block(bdl_world *w, uint32_t id,
                                   const bdl_block *b, uint32_t signer,
                                   bx_diag *d) {
  if (!w || !b || id > BDL_AUTHORIZER_ID)
    return bx_fail(d, BISCUIT_E_MISUSE, "Misuse", "bad block id %u", id);
  if (w->blocks[id])
    return bx_fail(d, BISCUIT_E_MISUSE, "Misuse", "block %u added twice", id);
  if (id != BDL_AUTHORIZER_ID) {
    biscuit_status st = check_block_rules(w, id, b, d);
    if (st != BISCUIT_OK)
      return st;
  }
  biscuit_status st = add_facts(w, id, b, d);
  if (st != BISCUIT_OK)
    return st;
  w->blocks[id] = b;
  w->present = origin_add(w->present, id);
  /* reference: only blocks after the authority map external keys */
  if (id != 0 && id != BDL_AUTHORIZER_ID)
    w->signer[id] = signer;
  if (w->state != BDL_RUN_NONE)
    w->state = BDL_RUN_DIRTY;
  return BISCUIT_OK;
}

/* ------------------------------------------------------------ facts */

biscuit_status bdl_world_add_fact(bdl_world *w, const bdl_pred *fact,
                                  bdl_origin origin, bx_diag *d) {
  if (!w || !fact || (fact->n_terms && !fact->terms))
    return bx_fail(d, BISCUIT_E_MISUSE, "Misuse", "no world or fact");
  const bdl_pred *p = fact;
  if (has_top_var(fact)) { /* kept by pointer: copy it into the env */
    bdl_pred *c = bx_arena_alloc(&w->env->arena, sizeof *c);
    bdl_term *t =
        bx_arena_dup(&w->env->arena, fact->terms, fact->n_terms * sizeof *t);
    if (!c || !t)
      return bx_fail(d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
    *c = *fact;
    c->terms = t;
    p = c;
  }
  for (uint32_t i = 0; i < w->n_rels; i++)
    bdl_rel_mark(&w->rels[i]);
  if (!add_chunk(w, p, 1, origin)) {
    undo_facts(w, w->n_inert);
    return bx_fail(d, BISCUIT_E_NOMEM, "NoMemory", "out of memory");
  }
  if (w->state != BDL_RUN_NONE)
    w->state = BDL_RUN_DIRTY;
  return BISCUIT_OK;
}

biscuit_status bdl_world_foreach_fact(const bdl_world *w, bdl_fact_cb cb,
                                      void *ud) {
  for (uint32_t i = 0; i < w->n_rels; i++) {
    const struct bdl_rel *r = &w->rels[i];
    for (uint32_t row = 0; row < r->n_rows; row++) {
      bdl_pred p = {r->name, r->arity, (bdl_term *)bdl_row(r, row)};
      biscuit_status st = cb(ud, &p, r->origins[row]);
      if (st != BISCUIT_OK)
        return st;
    }
  }
  for (size_t i = 0; i < w->n_inert; i++) {
    biscuit_status st = cb(ud, w->inert[i].pred, w->inert[i].origin);
    if (st != BISCUIT_OK)
      return st;
  }
  return BISCUIT_OK;
}

size_t bdl_world_fact_count(const bdl_world *w) {
  return w->n_facts;
}
