/* Environments and block vectors: where IR lives. */
#include <string.h>

#include "datalog/datalog.h"

bdl_env *bdl_env_new(const bdl_env *base) {
  bdl_env *e = bx_calloc(1, sizeof *e);
  if (!e)
    return NULL;
  e->base = base;
  e->syms = bdl_symtab_new(base ? base->syms : NULL, true);
  e->keys = bdl_symtab_new(base ? base->keys : NULL, false);
  bx_arena_init(&e->arena, 0);
  if (!e->syms || !e->keys) {
    bdl_env_free(e);
    return NULL;
  }
  return e;
}

void bdl_env_set_cap(bdl_env *e, size_t bytes) {
  e->arena.cap = bytes;
  bdl_symtab_set_cap(e->syms, bytes);
}

void bdl_env_free(bdl_env *e) {
  if (!e)
    return;
  bdl_symtab_free(e->syms);
  bdl_symtab_free(e->keys);
  bx_arena_free(&e->arena);
  bx_free(e);
}

void bdl_block_init(bdl_block *b) { memset(b, 0, sizeof *b); }

void bdl_block_free(bdl_block *b) {
  if (!b)
    return;
  bx_free(b->facts);
  bx_free(b->rules);
  bx_free(b->checks);
  bx_free(b->policies);
  bx_free(b->scopes);
  bdl_block_init(b);
}

#define PUSH(vec, n, cap, item)                                             \
  do {                                                                      \
    size_t cap_ = (cap);                                                    \
    if ((n) == UINT32_MAX ||                                                \
        !bx_grow((void **)&(vec), &cap_, (size_t)(n) + 1, sizeof *(item)))  \
      return BISCUIT_E_NOMEM;                                               \
    (cap) = cap_;                                                           \
    (vec)[(n)++] = *(item);                                                 \
    return BISCUIT_OK;                                                      \
  } while (0)

biscuit_status bdl_block_add_fact(bdl_block *b, const bdl_pred *f) {
  PUSH(b->facts, b->n_facts, b->cap_facts, f);
}
biscuit_status bdl_block_add_rule(bdl_block *b, const bdl_rule *r) {
  PUSH(b->rules, b->n_rules, b->cap_rules, r);
}
biscuit_status bdl_block_add_check(bdl_block *b, const bdl_check *c) {
  PUSH(b->checks, b->n_checks, b->cap_checks, c);
}
biscuit_status bdl_block_add_policy(bdl_block *b, const bdl_policy *p) {
  PUSH(b->policies, b->n_policies, b->cap_policies, p);
}
biscuit_status bdl_block_add_scope(bdl_block *b, const bdl_scope *s) {
  PUSH(b->scopes, b->n_scopes, b->cap_scopes, s);
}
