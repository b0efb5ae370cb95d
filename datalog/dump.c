/*
** The world as the official samples' `world` JSON (reference-behaviour.md
** §5 "World dump"; biscuit-auth/examples/testcases.rs):
**   {"facts":[{"origin":[null,0,..],"facts":[..]}],
**    "rules":[{"origin":N,"rules":[..]}],
**    "checks":[{"origin":N,"checks":[..]}], "policies":[..]}
** Fact groups are sorted by origin as Rust sorts a BTreeSet<Option<usize>>
** (the authorizer, None, first); strings are sorted bytewise; empty groups
** are left out; rules and checks come per block, the authorizer last.
*/
#include <stdlib.h>
#include <string.h>

#include "datalog/print.h"
#include "datalog/world_int.h"

/* Printed strings, NUL-separated in one buffer, referenced by offset. */
struct strs {
  bx_buf text;
  size_t *off;
  size_t n, cap;
};

static bool strs_begin(struct strs *s) {
  if (!bx_grow((void **)&s->off, &s->cap, s->n + 1, sizeof *s->off))
    return false;
  s->off[s->n++] = s->text.len;
  return true;
}

static bool strs_end(struct strs *s) {
  return bx_buf_putc(&s->text, '\0') && !s->text.failed;
}

static const char *strs_get(const struct strs *s, size_t i) {
  return s->text.data + s->off[i];
}

static void strs_free(struct strs *s) {
  bx_buf_free(&s->text);
  bx_free(s->off);
}

/* JSON string; the printed Datalog is UTF-8 and passes through as is. */
static void json_str(bx_buf *out, const char *s) {
  bx_buf_putc(out, '"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      bx_buf_putc(out, '\\');
      bx_buf_putc(out, (char)c);
    } else if (c == '\n') {
      bx_buf_puts(out, "\\n");
    } else if (c == '\t') {
      bx_buf_puts(out, "\\t");
    } else if (c == '\r') {
      bx_buf_puts(out, "\\r");
    } else if (c < 0x20) {
      bx_buf_printf(out, "\\u%04x", c);
    } else {
      bx_buf_putc(out, (char)c);
    }
  }
  bx_buf_putc(out, '"');
}

/* ------------------------------------------------------------ facts */

struct fentry {
  bdl_origin o;
  const char *s; /* set once every fact is printed */
  size_t off;
};

struct fcollect {
  const bdl_env *env;
  struct strs strs;
  struct fentry *e;
  size_t n, cap;
};

static biscuit_status collect_fact(void *ud, const bdl_pred *p, bdl_origin o) {
  struct fcollect *c = ud;
  if (!bx_grow((void **)&c->e, &c->cap, c->n + 1, sizeof *c->e) ||
      !strs_begin(&c->strs))
    return BISCUIT_E_NOMEM;
  c->e[c->n].o = o;
  c->e[c->n].off = c->strs.off[c->strs.n - 1];
  c->n++;
  if (!bdl_print_pred(&c->strs.text, c->env, p) || !strs_end(&c->strs))
    return BISCUIT_E_NOMEM;
  return BISCUIT_OK;
}

/*
** Rank bits: the authorizer (None) is rank 0, block i rank i + 1, so the
** sorted rank list is the BTreeSet's order. Two sorted sets compare as
** lists at their smallest differing element x: the set holding x is
** smaller, unless the other set has nothing above x (then it is a
** prefix, hence smaller).
*/
static void ranks(bdl_origin o, uint64_t r[2]) {
  r[0] = (o.w[0] << 1) | (o.w[1] >> 63);
  r[1] = (o.w[1] << 1) | (o.w[0] >> 63);
}

static bool any_above(const uint64_t r[2], unsigned x) {
  if (x >= 127)
    return false;
  unsigned y = x + 1;
  uint64_t m0 = y < 64 ? r[0] >> y : 0;
  uint64_t m1 = y < 64 ? r[1] : r[1] >> (y - 64);
  return m0 || m1;
}

static int origin_cmp(bdl_origin a, bdl_origin b) {
  uint64_t ra[2], rb[2];
  ranks(a, ra);
  ranks(b, rb);
  uint64_t x0 = ra[0] ^ rb[0], x1 = ra[1] ^ rb[1];
  if (!x0 && !x1)
    return 0;
  unsigned x =
      x0 ? (unsigned)__builtin_ctzll(x0) : 64u + (unsigned)__builtin_ctzll(x1);
  bool in_a = x < 64 ? (ra[0] >> x) & 1 : (ra[1] >> (x - 64)) & 1;
  const uint64_t *other = in_a ? rb : ra;
  bool other_more = any_above(other, x);
  int a_first = other_more ? in_a : !in_a;
  return a_first ? -1 : 1;
}

static int fentry_cmp(const void *pa, const void *pb) {
  const struct fentry *a = pa, *b = pb;
  int c = origin_cmp(a->o, b->o);
  return c ? c : strcmp(a->s, b->s);
}

static void put_origin(bx_buf *out, bdl_origin o) {
  bool first = true;
  bx_buf_putc(out, '[');
  if (bdl_origin_has(o, BDL_AUTHORIZER_ID)) {
    bx_buf_puts(out, "null");
    first = false;
  }
  for (uint32_t i = 0; i < BDL_MAX_BLOCKS; i++) {
    if (!bdl_origin_has(o, i))
      continue;
    bx_buf_printf(out, first ? "%u" : ",%u", i);
    first = false;
  }
  bx_buf_putc(out, ']');
}

static void put_fact_groups(bx_buf *out, const struct fentry *e, size_t n) {
  bx_buf_puts(out, "\"facts\":[");
  for (size_t i = 0; i < n; i++) {
    bool open = i == 0 || !bdl_origin_eq(e[i].o, e[i - 1].o);
    if (open) {
      bx_buf_puts(out, i ? "]},{\"origin\":" : "{\"origin\":");
      put_origin(out, e[i].o);
      bx_buf_puts(out, ",\"facts\":[");
    } else {
      bx_buf_putc(out, ',');
    }
    json_str(out, e[i].s);
  }
  bx_buf_puts(out, n ? "]}]" : "]");
}

static biscuit_status dump_facts(const bdl_world *w, bx_buf *out) {
  struct fcollect c;
  memset(&c, 0, sizeof c);
  c.env = w->env;
  bx_buf_init(&c.strs.text, 0);
  biscuit_status st = bdl_world_foreach_fact(w, collect_fact, &c);
  if (st == BISCUIT_OK) {
    for (size_t i = 0; i < c.n; i++)
      c.e[i].s = c.strs.text.data + c.e[i].off;
    if (c.n)
      qsort(c.e, c.n, sizeof *c.e, fentry_cmp);
    put_fact_groups(out, c.e, c.n);
  }
  bx_free(c.e);
  strs_free(&c.strs);
  return st;
}

/* ------------------------------------------------------------ rules */

static int str_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sort the strings of a group and write them as a JSON array. */
static bool put_sorted(bx_buf *out, const struct strs *s) {
  const char **v = bx_calloc(s->n ? s->n : 1, sizeof *v);
  if (!v)
    return false;
  for (size_t i = 0; i < s->n; i++)
    v[i] = strs_get(s, i);
  qsort(v, s->n, sizeof *v, str_cmp);
  bx_buf_putc(out, '[');
  for (size_t i = 0; i < s->n; i++) {
    if (i)
      bx_buf_putc(out, ',');
    json_str(out, v[i]);
  }
  bx_buf_putc(out, ']');
  bx_free(v);
  return true;
}

/* Print the rules (or checks) of one block into s. */
static bool print_group(const bdl_world *w, const bdl_block *b, bool checks,
                        struct strs *s) {
  uint32_t n = checks ? b->n_checks : b->n_rules;
  for (uint32_t i = 0; i < n; i++) {
    if (!strs_begin(s))
      return false;
    bool ok = checks ? bdl_print_check(&s->text, w->env, &b->checks[i])
                     : bdl_print_rule(&s->text, w->env, &b->rules[i]);
    if (!ok || !strs_end(s))
      return false;
  }
  return true;
}

/* "rules" or "checks": one group per block with any, authorizer last. */
static biscuit_status dump_groups(const bdl_world *w, bx_buf *out,
                                  bool checks) {
  const char *name = checks ? "checks" : "rules";
  bool first = true;
  bx_buf_printf(out, "\"%s\":[", name);
  for (uint32_t id = bdl_next_block(w, 0); id != BDL_NO_BLOCK;
       id = bdl_next_block(w, id + 1)) {
    const bdl_block *b = w->blocks[id];
    if (!b || !(checks ? b->n_checks : b->n_rules))
      continue;
    struct strs s;
    memset(&s, 0, sizeof s);
    bx_buf_init(&s.text, 0);
    bool ok = print_group(w, b, checks, &s);
    if (ok) {
      bx_buf_puts(out, first ? "{\"origin\":" : ",{\"origin\":");
      if (id == BDL_AUTHORIZER_ID)
        bx_buf_printf(out, "%llu", (unsigned long long)BDL_AUTHORIZER_PRINT_ID);
      else
        bx_buf_printf(out, "%u", id);
      bx_buf_printf(out, ",\"%s\":", name);
      ok = put_sorted(out, &s);
      bx_buf_putc(out, '}');
    }
    strs_free(&s);
    if (!ok)
      return BISCUIT_E_NOMEM;
    first = false;
  }
  bx_buf_putc(out, ']');
  return BISCUIT_OK;
}

/* Policies print as the authorizer's source does (the reference's builder
   order), which is what the samples' world dumps show. */
static biscuit_status dump_policies(const bdl_world *w, bx_buf *out) {
  const bdl_block *b = w->blocks[BDL_AUTHORIZER_ID];
  bx_buf tmp;
  bx_buf_init(&tmp, 0);
  bx_buf_puts(out, "\"policies\":[");
  for (uint32_t i = 0; b && i < b->n_policies; i++) {
    bx_buf_reset(&tmp);
    if (!bdl_print_authorizer_policy(&tmp, w->env, &b->policies[i]) ||
        tmp.failed) {
      bx_buf_free(&tmp);
      return BISCUIT_E_NOMEM;
    }
    if (i)
      bx_buf_putc(out, ',');
    json_str(out, tmp.data ? tmp.data : "");
  }
  bx_buf_putc(out, ']');
  bx_buf_free(&tmp);
  return BISCUIT_OK;
}

/* Appends compact JSON to `out`; BISCUIT_E_NOMEM if anything failed. */
biscuit_status bdl_world_dump_json(const bdl_world *w, bx_buf *out) {
  if (!w || !out)
    return BISCUIT_E_MISUSE;
  bx_buf_putc(out, '{');
  biscuit_status st = dump_facts(w, out);
  if (st == BISCUIT_OK) {
    bx_buf_putc(out, ',');
    st = dump_groups(w, out, false);
  }
  if (st == BISCUIT_OK) {
    bx_buf_putc(out, ',');
    st = dump_groups(w, out, true);
  }
  if (st == BISCUIT_OK) {
    bx_buf_putc(out, ',');
    st = dump_policies(w, out);
  }
  bx_buf_putc(out, '}');
  if (st == BISCUIT_OK && out->failed)
    st = BISCUIT_E_NOMEM;
  return st;
}
