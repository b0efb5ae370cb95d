/*
** Term builders: literals, variables, parameters and collections.
**
** Strings inside a collection literal stay "pending" (kind BDL_STR, id
** BDL_NOSYM, pool offset and length packed in v.date) until the
** collection closes. They are then interned in the order the reference
** interns them: its builder keeps sets in a BTreeSet and maps in a
** BTreeMap (strings by their bytes), and converting to Datalog interns
** while walking them (biscuit-parser/src/builder.rs). Since sets and maps
** sort by symbol id, this is what makes `{"b", "a"}` print as the
** reference prints it.
*/
#include <stdlib.h>
#include <string.h>

#include "parser/parse_int.h"

int bpa_push_term(bpa_ctx *ctx, const bdl_term *t, uint32_t loc,
                  uint32_t *index) {
  size_t need = ctx->n_terms + 1;
  if (!bx_grow((void **)&ctx->terms, &ctx->cap_terms, need,
               sizeof *ctx->terms) ||
      !bx_grow((void **)&ctx->term_loc, &ctx->cap_term_loc, need,
               sizeof *ctx->term_loc))
    return bpa_fail_status(ctx, loc, BISCUIT_E_NOMEM);
  if (index)
    *index = (uint32_t)ctx->n_terms;
  ctx->terms[ctx->n_terms] = *t;
  ctx->term_loc[ctx->n_terms] = loc;
  ctx->n_terms++;
  return 0;
}

int bpa_push_pair(bpa_ctx *ctx, const bdl_term *k, bpa_loc kloc,
                  const bdl_term *v, bpa_loc vloc, uint32_t *index) {
  if (bpa_push_term(ctx, k, kloc.start, index))
    return -1;
  return bpa_push_term(ctx, v, vloc.start, NULL);
}

/* Integers are signed 64-bit (spec "Data types"); `-` touching the
   digits makes a negative literal, so -9223372036854775808 fits. */
int bpa_term_int(bpa_ctx *ctx, uint64_t v, bool neg, bpa_loc loc,
                 bdl_term *out) {
  uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  if (v > lim)
    return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                        "integer out of range (64-bit signed)");
  *out = bdl_int(!neg ? (int64_t)v : v == lim ? INT64_MIN : -(int64_t)v);
  return 0;
}

/* A negative literal is '-' touching its digits (parser.rs
   parse_integer); elsewhere '-' is the subtraction operator. */
int bpa_neg_int(bpa_ctx *ctx, bpa_loc minus, bpa_loc digits, uint64_t v,
                bdl_term *out) {
  if (minus.end != digits.start)
    return bpa_error_at(ctx, minus.start, BISCUIT_E_PARSE,
                        "unexpected '-': write a negative number without "
                        "a space, as in -1");
  bpa_loc all = {minus.start, digits.end};
  return bpa_term_int(ctx, v, true, all, out);
}

/* Decoded string bytes (the pool is empty until a string has a byte). */
static const char *pooled(const bpa_ctx *ctx, uint32_t off) {
  return ctx->pool.data ? ctx->pool.data + off : "";
}

int bpa_term_str(bpa_ctx *ctx, bpa_tok s, bdl_term *out) {
  biscuit_status st = bdl_make_str(ctx->env, pooled(ctx, s.off), s.len, out);
  return st ? bpa_fail_status(ctx, ctx->tok_loc[1].start, st) : 0;
}

int bpa_term_pending(bpa_ctx *ctx, bpa_tok s, bdl_term *out) {
  (void)ctx;
  out->kind = BDL_STR;
  out->id = BDL_NOSYM;
  out->v.date = ((uint64_t)s.off << 32) | s.len;
  return 0;
}

static bool is_pending(const bdl_term *t) {
  return t->kind == BDL_STR && t->id == BDL_NOSYM;
}

/* The bytes of a string term, pending or interned. */
static const char *str_bytes(const bpa_ctx *ctx, const bdl_term *t,
                             size_t *len) {
  if (is_pending(t)) {
    *len = (size_t)(t->v.date & 0xffffffffu);
    return pooled(ctx, (uint32_t)(t->v.date >> 32));
  }
  return bdl_symtab_str(ctx->env->syms, t->id, len);
}

/* Intern a pending string term in place. */
static int resolve(bpa_ctx *ctx, bdl_term *t, uint32_t loc) {
  if (!is_pending(t))
    return 0;
  size_t n;
  const char *s = str_bytes(ctx, t, &n);
  biscuit_status st = bdl_make_str(ctx->env, s, n, t);
  return st ? bpa_fail_status(ctx, loc, st) : 0;
}

/* Variable names are interned like strings (the reference does: `$0`
   adds the symbol "0"). */
int bpa_term_var(bpa_ctx *ctx, bpa_tok name, bdl_term *out) {
  uint32_t id =
      bdl_symtab_intern(ctx->env->syms, ctx->src + name.off, name.len);
  if (id == BDL_NOSYM)
    return bpa_fail_status(ctx, name.off, BISCUIT_E_NOMEM);
  *out = bdl_var(id);
  return 0;
}

static unsigned hexval(char c) {
  return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

int bpa_term_bytes(bpa_ctx *ctx, bpa_tok hex, bpa_loc loc, bdl_term *out) {
  uint8_t small[256] = {0};
  size_t n = hex.len / 2;
  uint8_t *b = n <= sizeof small ? small : bx_malloc(n);
  if (!b)
    return bpa_fail_status(ctx, loc.start, BISCUIT_E_NOMEM);
  const char *s = ctx->src + hex.off;
  for (size_t i = 0; i < n; i++)
    b[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
  biscuit_status st = bdl_make_bytes(ctx->env, b, n, out);
  if (b != small)
    bx_free(b);
  return st ? bpa_fail_status(ctx, loc.start, st) : 0;
}

/*
** An unbound `{true}`, `{false}`, `{null}` or `{hex:..}` is a one-element
** set: the reference reads these as parameters (parser.rs tries
** `parameter` first), so its printer's `{true}` could not be read back
** (reference-behaviour.md §6). We read it back when no such parameter is
** bound.
*/
static int literal_set(bpa_ctx *ctx, const char *s, size_t n, bpa_loc loc,
                       bdl_term *out) {
  bdl_term t;
  if (n == 4 && memcmp(s, "true", 4) == 0)
    t = bdl_bool(true);
  else if (n == 5 && memcmp(s, "false", 5) == 0)
    t = bdl_bool(false);
  else if (n == 4 && memcmp(s, "null", 4) == 0)
    t = bdl_null();
  else if (n > 4 && n % 2 == 0 && memcmp(s, "hex:", 4) == 0 &&
           strspn(s + 4, "0123456789abcdefABCDEF") >= n - 4) {
    bpa_tok hex = {loc.start + 5, (uint32_t)n - 4};
    if (bpa_term_bytes(ctx, hex, loc, &t))
      return -1;
  } else {
    return 1;
  }
  biscuit_status st = bdl_make_set(ctx->env, &t, 1, out);
  return st ? bpa_fail_status(ctx, loc.start, st) : 0;
}

/*
** A `{name}` parameter, bound through bpa_options.params. As a map key
** (`key`) its value must be an integer or a string.
*/
int bpa_term_param(bpa_ctx *ctx, bpa_tok name, bpa_loc loc, bool key,
                   bdl_term *out) {
  const char *s = ctx->src + name.off;
  const bpa_options *o = ctx->opt;
  for (size_t i = 0; o && i < o->n_params; i++) {
    const char *p = o->params[i].name;
    if (p && strlen(p) == name.len && memcmp(p, s, name.len) == 0) {
      *out = o->params[i].value;
      if (key && out->kind != BDL_INT && out->kind != BDL_STR)
        return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                            "map keys must be integers or strings, but "
                            "parameter {%.*s} is not",
                            (int)name.len, s);
      return 0;
    }
  }
  int r = key ? 1 : literal_set(ctx, s, name.len, loc, out);
  if (r <= 0)
    return r;
  return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                      "unbound parameter {%.*s}", (int)name.len, s);
}

int bpa_empty(bpa_ctx *ctx, bdl_kind kind, bpa_loc loc, bdl_term *out) {
  biscuit_status st = kind == BDL_SET ? bdl_make_set(ctx->env, NULL, 0, out)
                      : kind == BDL_ARRAY
                          ? bdl_make_array(ctx->env, NULL, 0, out)
                          : bdl_make_map(ctx->env, NULL, 0, out);
  return st ? bpa_fail_status(ctx, loc.start, st) : 0;
}

/* ------------------------------------------------------------ collections */

static const char *const kind_names[] = {
    "variable", "integer", "string", "date",  "bytes",
    "bool",     "set",     "null",   "array", "map"};

/* Collections are capped (perf-and-threats.md B4) and never hold
   variables (spec "Terminology"). */
static int check_items(bpa_ctx *ctx, uint32_t start, size_t step, bpa_loc loc,
                       const char *what) {
  size_t n = (ctx->n_terms - start) / step;
  if (n > BPA_MAX_ELEMS)
    return bpa_error_at(ctx, loc.start, BISCUIT_E_PARSE,
                        "too many elements in %s (at most %u)", what,
                        BPA_MAX_ELEMS);
  for (size_t i = start; i < ctx->n_terms; i++)
    if (ctx->terms[i].kind == BDL_VAR)
      return bpa_error_at(ctx, ctx->term_loc[i], BISCUIT_E_PARSE,
                          "variables are not allowed in %s", what);
  return 0;
}

int bpa_array(bpa_ctx *ctx, uint32_t start, bpa_loc loc, bdl_term *out) {
  if (check_items(ctx, start, 1, loc, "arrays"))
    return -1;
  for (size_t i = start; i < ctx->n_terms; i++)
    if (resolve(ctx, &ctx->terms[i], ctx->term_loc[i]))
      return -1;
  biscuit_status st =
      bdl_make_array(ctx->env, ctx->terms + start, ctx->n_terms - start, out);
  ctx->n_terms = start;
  return st ? bpa_fail_status(ctx, loc.start, st) : 0;
}

/* Sorting pending strings by their bytes needs the pool: the context is
   passed through this file-level pointer (the parser is not reentrant
   within one call, and qsort takes no user data). */
static _Thread_local const bpa_ctx *sort_ctx;

static int cmp_str_terms(const void *a, const void *b) {
  size_t na, nb;
  const char *sa = str_bytes(sort_ctx, a, &na);
  const char *sb = str_bytes(sort_ctx, b, &nb);
  int c = memcmp(sa, sb, na < nb ? na : nb);
  return c ? c : (na > nb) - (na < nb);
}

/* spec "Data types": a set holds terms of one type, neither variables
   nor sets (parser.rs non_empty_set). */
static int check_set(bpa_ctx *ctx, uint32_t start, bpa_loc loc) {
  if (check_items(ctx, start, 1, loc, "sets"))
    return -1;
  for (size_t i = start; i < ctx->n_terms; i++) {
    uint32_t k = ctx->terms[i].kind;
    if (k == BDL_SET)
      return bpa_error_at(ctx, ctx->term_loc[i], BISCUIT_E_PARSE,
                          "sets cannot contain other sets");
    if (k != ctx->terms[start].kind)
      return bpa_error_at(ctx, ctx->term_loc[i], BISCUIT_E_PARSE,
                          "set elements must all have the same type "
                          "(%s, then %s)",
                          kind_names[ctx->terms[start].kind], kind_names[k]);
  }
  return 0;
}

int bpa_set(bpa_ctx *ctx, uint32_t start, bpa_loc loc, bdl_term *out) {
  if (check_set(ctx, start, loc))
    return -1;
  bdl_term *t = ctx->terms + start;
  size_t n = ctx->n_terms - start;
  if (t[0].kind == BDL_STR) {
    sort_ctx = ctx;
    qsort(t, n, sizeof *t, cmp_str_terms);
    for (size_t i = 0; i < n; i++)
      if (resolve(ctx, &t[i], loc.start))
        return -1;
  }
  biscuit_status st = bdl_make_set(ctx->env, t, n, out);
  ctx->n_terms = start;
  return st ? bpa_fail_status(ctx, loc.start, st) : 0;
}

/* The reference's MapKey order: integers (by value) before strings (by
   bytes). Entries are (key, value) pairs. */
static int cmp_keys(const void *a, const void *b) {
  const bdl_term *x = a, *y = b;
  if (x->kind != y->kind)
    return x->kind == BDL_INT ? -1 : 1;
  if (x->kind == BDL_INT)
    return (x->v.i > y->v.i) - (x->v.i < y->v.i);
  return cmp_str_terms(x, y);
}

/* A stable insertion sort of the pairs by key (maps are capped at
   BPA_MAX_ELEMS entries), so a later duplicate key stays later. */
static void sort_pairs(bdl_term *kv, size_t n) {
  for (size_t i = 1; i < n; i++) {
    bdl_term k = kv[2 * i], v = kv[2 * i + 1];
    size_t j = i;
    while (j > 0 && cmp_keys(&kv[2 * (j - 1)], &k) > 0) {
      kv[2 * j] = kv[2 * (j - 1)];
      kv[2 * j + 1] = kv[2 * j - 1];
      j--;
    }
    kv[2 * j] = k;
    kv[2 * j + 1] = v;
  }
}

/*
** A map literal: keys are integers or strings (the grammar sees to it),
** values are any term but a variable. A repeated key keeps its last value
** (BTreeMap::insert), and the value it replaced is never interned.
*/
int bpa_map(bpa_ctx *ctx, uint32_t start, bpa_loc loc, bdl_term *out) {
  if (check_items(ctx, start, 2, loc, "maps"))
    return -1;
  bdl_term *kv = ctx->terms + start;
  size_t n = (ctx->n_terms - start) / 2, k = 0;
  sort_ctx = ctx;
  sort_pairs(kv, n);
  for (size_t i = 0; i < n; i++) {
    if (i + 1 < n && cmp_keys(&kv[2 * i], &kv[2 * i + 2]) == 0)
      continue; /* superseded by a later entry */
    kv[2 * k] = kv[2 * i];
    kv[2 * k + 1] = kv[2 * i + 1];
    if (resolve(ctx, &kv[2 * k], loc.start) ||
        resolve(ctx, &kv[2 * k + 1], loc.start))
      return -1;
    k++;
  }
  biscuit_status st = bdl_make_map(ctx->env, kv, k, out);
  ctx->n_terms = start;
  return st ? bpa_fail_status(ctx, loc.start, st) : 0;
}
