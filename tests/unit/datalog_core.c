/* Core IR: interning, term order, sets, maps, arena. */
#include "datalog/datalog.h"
#include "test.h"

int main(void) {
  bdl_env *e = bdl_env_new(NULL);
  CHECK(e != NULL);
  CHECK(bdl_symtab_find(e->syms, "read", 4) == 0);
  CHECK(bdl_symtab_find(e->syms, "query", 5) == BDL_SYM_QUERY);
  uint32_t a = bdl_symtab_intern(e->syms, "b", 1);
  uint32_t b = bdl_symtab_intern(e->syms, "a", 1);
  CHECK(a == 28 && b == 29);
  CHECK(bdl_symtab_intern(e->syms, "b", 1) == a);
  CHECK_STR(bdl_symtab_str(e->syms, b, NULL), "a");
  for (int i = 0; i < 5000; i++) {
    char s[16];
    int n = snprintf(s, sizeof s, "s%d", i);
    CHECK(bdl_symtab_intern(e->syms, s, (size_t)n) == 30u + (uint32_t)i);
  }
  CHECK(bdl_symtab_find(e->syms, "s4999", 5) == 30u + 4999u);

  /* a layered env sees base ids and continues after them */
  bdl_env *req = bdl_env_new(e);
  CHECK(bdl_symtab_intern(req->syms, "a", 1) == b);
  uint32_t c = bdl_symtab_intern(req->syms, "new", 3);
  CHECK(c == bdl_symtab_count(e->syms));
  CHECK(bdl_symtab_find(e->syms, "new", 3) == BDL_NOSYM);
  CHECK_STR(bdl_symtab_str(req->syms, 0, NULL), "read");

  /* term order: kind first; strings by id, not alphabet */
  bdl_term t1 = bdl_int(5), t2 = bdl_str(0), t3 = bdl_str(a), t4 = bdl_str(b);
  CHECK(bdl_term_cmp(&t1, &t2) < 0);
  CHECK(bdl_term_cmp(&t3, &t4) < 0); /* "b" interned before "a" */
  bdl_term items[] = {bdl_int(3), bdl_int(1), bdl_int(3), bdl_bool(true)};
  bdl_term set;
  CHECK(bdl_make_set(req, items, 4, &set) == BISCUIT_OK);
  CHECK(set.v.coll->n == 3);
  CHECK(set.v.coll->items[0].v.i == 1 && set.v.coll->items[1].v.i == 3);
  CHECK(set.v.coll->items[2].kind == BDL_BOOL);
  bdl_term items2[] = {bdl_bool(true), bdl_int(3), bdl_int(1)};
  bdl_term set2;
  CHECK(bdl_make_set(req, items2, 3, &set2) == BISCUIT_OK);
  CHECK(bdl_term_eq(&set, &set2));
  CHECK(bdl_term_hash(&set) == bdl_term_hash(&set2));

  /* maps: integer keys first, later duplicate wins */
  bdl_term kv[] = {bdl_str(a), bdl_int(1), bdl_int(2), bdl_int(2),
                   bdl_str(a), bdl_int(9)};
  bdl_term map;
  CHECK(bdl_make_map(req, kv, 3, &map) == BISCUIT_OK);
  CHECK(map.v.coll->n == 2);
  CHECK(map.v.coll->items[0].kind == BDL_INT);
  CHECK(map.v.coll->items[3].v.i == 9);

  bdl_term by1, by2;
  CHECK(bdl_make_bytes(req, (const uint8_t *)"\x12\xab", 2, &by1) == 0);
  CHECK(bdl_make_bytes(req, (const uint8_t *)"\x12", 1, &by2) == 0);
  CHECK(bdl_term_cmp(&by2, &by1) < 0);

  bdl_block blk;
  bdl_block_init(&blk);
  bdl_pred f = {a, 1, &t1};
  for (int i = 0; i < 100; i++)
    CHECK(bdl_block_add_fact(&blk, &f) == BISCUIT_OK);
  CHECK(blk.n_facts == 100);
  bdl_block_free(&blk);

  bdl_env_free(req);
  bdl_env_free(e);
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
