/*
** Operations on values (spec "Data types", "Operations"), with exactly
** the reference's typing (biscuit-auth datalog/expression.rs): every
** operand pair the reference does not list is "InvalidType", except the
** lenient (in)equalities, which answer false/true across types. Integer
** arithmetic is checked; strings are compared by symbol id and read from
** the env's symbol table; sets, arrays and maps are in expr_coll.c.
*/
#define _GNU_SOURCE /* memmem: linear-time substring search in glibc */
#include <string.h>

#include "datalog/expr_int.h"

/* -------------------------------------------------------------- integers */

/* <, >, <=, >= on two integers or two dates; strings have no order. */
static biscuit_status order(bdl_vm *vm, uint32_t kind, const bdl_term *a,
                            const bdl_term *b, bdl_term *out) {
  static const char *const names[] = {"<", ">", "<=", ">="};
  int c;
  if (a->kind == BDL_INT && b->kind == BDL_INT)
    c = (a->v.i > b->v.i) - (a->v.i < b->v.i);
  else if (a->kind == BDL_DATE && b->kind == BDL_DATE)
    c = (a->v.date > b->v.date) - (a->v.date < b->v.date);
  else
    return bdl_vm_type_error(vm, names[kind], a, b);
  bool r = kind == BDL_B_LT   ? c < 0
           : kind == BDL_B_GT ? c > 0
           : kind == BDL_B_LE ? c <= 0
                              : c >= 0;
  *out = bdl_bool(r);
  return BISCUIT_OK;
}

/*
** Checked integer arithmetic (spec: "Integer operations must have
** overflow checks"). Division fails with DivideByZero for a zero divisor
** and for INT64_MIN / -1, as the reference's checked_div does, and never
** reaches the trapping instruction.
*/
static biscuit_status arith(bdl_vm *vm, uint32_t kind, int64_t a, int64_t b,
                            bdl_term *out) {
  int64_t r = 0;
  bool bad;
  switch (kind) {
  case BDL_B_ADD:
    bad = __builtin_add_overflow(a, b, &r);
    break;
  case BDL_B_SUB:
    bad = __builtin_sub_overflow(a, b, &r);
    break;
  case BDL_B_MUL:
    bad = __builtin_mul_overflow(a, b, &r);
    break;
  default: /* BDL_B_DIV */
    if (b == 0 || (a == INT64_MIN && b == -1))
      return bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "DivideByZero",
                         "division of %lld by %lld", (long long)a,
                         (long long)b);
    r = a / b;
    bad = false;
    break;
  }
  if (bad)
    return bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "Overflow",
                       "integer overflow in %lld %c %lld", (long long)a,
                       "+-*"[kind - BDL_B_ADD], (long long)b);
  *out = bdl_int(r);
  return BISCUIT_OK;
}

/* &, |, ^ on integers (v3.1+). */
static biscuit_status bits(bdl_vm *vm, uint32_t kind, const bdl_term *a,
                           const bdl_term *b, bdl_term *out) {
  static const char *const names[] = {"&", "|", "^"};
  if (a->kind != BDL_INT || b->kind != BDL_INT)
    return bdl_vm_type_error(vm, names[kind - BDL_B_BITAND], a, b);
  uint64_t x = (uint64_t)a->v.i, y = (uint64_t)b->v.i;
  uint64_t r = kind == BDL_B_BITAND  ? x & y
               : kind == BDL_B_BITOR ? x | y
                                     : x ^ y;
  *out = bdl_int((int64_t)r);
  return BISCUIT_OK;
}

/* --------------------------------------------------------------- equality */

/*
** ===, !==, ==, != (spec: strict equality fails with a type error across
** types, lenient equality answers false). Same-kind values compare with
** the term order, so sets, arrays and maps compare structurally.
*/
static biscuit_status equality(bdl_vm *vm, uint32_t kind, const bdl_term *a,
                               const bdl_term *b, bdl_term *out) {
  bool neg = kind == BDL_B_NEQ || kind == BDL_B_HNEQ;
  bool strict = kind == BDL_B_EQ || kind == BDL_B_NEQ;
  if (a->kind != b->kind || a->kind == BDL_VAR) {
    if (strict)
      return bdl_vm_type_error(vm, neg ? "!==" : "===", a, b);
    *out = bdl_bool(neg);
    return BISCUIT_OK;
  }
  uint64_t w = bdl_xcoll_weight(a) < bdl_xcoll_weight(b) ? bdl_xcoll_weight(a)
                                                         : bdl_xcoll_weight(b);
  biscuit_status st = bdl_vm_charge(vm, w);
  if (st != BISCUIT_OK)
    return st;
  *out = bdl_bool(bdl_term_eq(a, b) != neg);
  return BISCUIT_OK;
}

/* ---------------------------------------------------------------- strings */

/* Read two strings, charging one unit per 64 bytes read. */
static biscuit_status two_strs(bdl_vm *vm, const bdl_term *a, const bdl_term *b,
                               const char **s, size_t *n, const char **t,
                               size_t *m) {
  biscuit_status st = bdl_vm_str(vm, a, s, n);
  if (st == BISCUIT_OK)
    st = bdl_vm_str(vm, b, t, m);
  if (st == BISCUIT_OK)
    st = bdl_vm_charge(vm, (*n + *m) / 64);
  return st;
}

/* starts_with, ends_with, contains on two strings (bytes, not chars). */
static biscuit_status str_test(bdl_vm *vm, uint32_t kind, const bdl_term *a,
                               const bdl_term *b, bdl_term *out) {
  const char *s, *t;
  size_t n, m;
  biscuit_status st = two_strs(vm, a, b, &s, &n, &t, &m);
  if (st != BISCUIT_OK)
    return st;
  bool r;
  if (m > n)
    r = false;
  else if (kind == BDL_B_PREFIX)
    r = memcmp(s, t, m) == 0;
  else if (kind == BDL_B_SUFFIX)
    r = memcmp(s + n - m, t, m) == 0;
  else
    r = m == 0 || memmem(s, n, t, m) != NULL;
  *out = bdl_bool(r);
  return BISCUIT_OK;
}

/*
** "a" + "b": the concatenation, interned in the env as the reference
** interns it in its temporary table. Capped at max_str_len (TooLarge);
** interned strings live as long as the env, so every byte produced costs
** a work unit: the budget bounds them (B4: 1 MiB per run at 10^6 units).
*/
static biscuit_status concat(bdl_vm *vm, const bdl_term *a, const bdl_term *b,
                             bdl_term *out) {
  const char *s, *t;
  size_t n, m;
  biscuit_status st = two_strs(vm, a, b, &s, &n, &t, &m);
  if (st != BISCUIT_OK)
    return st;
  if (n + m > vm->max_str)
    return bdl_vm_fail(vm, BISCUIT_E_LIMIT, "TooLarge",
                       "concatenated string of %zu bytes exceeds %zu", n + m,
                       vm->max_str);
  st = bdl_vm_charge(vm, n + m);
  if (st != BISCUIT_OK)
    return st;
  char small[256];
  char *buf = n + m <= sizeof small ? small : bx_malloc(n + m);
  if (!buf)
    return bdl_vm_alloc_error(vm, BISCUIT_E_NOMEM);
  if (n)
    memcpy(buf, s, n);
  if (m)
    memcpy(buf + n, t, m);
  st = bdl_make_str(vm->c->env, buf, n + m, out);
  if (buf != small)
    bx_free(buf);
  return st == BISCUIT_OK ? st : bdl_vm_alloc_error(vm, st);
}

/*
** A pattern that did not compile: invalid (Rust rejects it too) is a
** plain false; one valid in Rust but beyond this engine is an error
** rather than a guess, since false would pass a `reject if`.
*/
static biscuit_status regex_failed(bdl_vm *vm, bdl_regex_status rs,
                                   const char *why, bdl_term *out) {
  why = why ? why : "pattern not runnable";
  switch (rs) {
  case BDL_REGEX_NOMEM:
    return bdl_vm_alloc_error(vm, BISCUIT_E_NOMEM);
  case BDL_REGEX_LIMIT:
    return bdl_vm_fail(vm, BISCUIT_E_LIMIT, "TooLarge", "regex: %s", why);
  case BDL_REGEX_UNSUPPORTED:
    return bdl_vm_fail(vm, BISCUIT_E_LIMIT, "UnsupportedRegex", "regex: %s",
                       why);
  default:
    *out = bdl_bool(false);
    return BISCUIT_OK;
  }
}

/*
** s.matches(re): an invalid pattern is false, not an error (reference:
** Regex::new(r).map(..).unwrap_or(false)). Patterns come from the
** per-authorization cache when there is one. Cost, for an n-byte subject
** and an m-byte pattern whose program has P = bdl_regex_cost() steps
** (RE2's ProgramSize), all charged BEFORE matching:
**     100 + n/64 + m/64          before compiling (perf-and-threats.md B3)
**   + n * P / 256                once compiled, before the match.
** n * P bounds RE2's NFA fallback (DFA cache thrashed): one match of
** 1,024 `.` (P = 8,196) over 60 KiB took ~48 ms, and is charged ~1.97M
** units, over the 1M default budget, so it fails with WorkBudget without
** running. Typical patterns stay cheap: P is 8 to 100 for a 64-byte
** ASCII pattern, 1,398 for Unicode \w, so a 1 KiB subject costs 30 to
** 400 units (5,600 with \w) on top of the 100.
*/
static biscuit_status regex(bdl_vm *vm, const bdl_term *a, const bdl_term *b,
                            bdl_term *out) {
  const char *s, *p, *why = NULL;
  size_t n, m;
  biscuit_status st = bdl_vm_str(vm, a, &s, &n);
  if (st == BISCUIT_OK)
    st = bdl_vm_str(vm, b, &p, &m);
  if (st == BISCUIT_OK)
    st = bdl_vm_charge(vm, 100 + n / 64 + m / 64);
  if (st != BISCUIT_OK)
    return st;
  bdl_regex_status rs = BDL_REGEX_OK;
  bdl_regex_cache *cache = vm->c->regex;
  bdl_regex *own = NULL;
  const bdl_regex *re = cache ? bdl_regex_cache_get_ex(cache, p, m, &rs, &why)
                              : (own = bdl_regex_compile_ex(p, m, &rs, &why));
  if (!re)
    return regex_failed(vm, rs, why, out);
  uint64_t steps = (uint64_t)n * (uint64_t)bdl_regex_cost(re) / 256u;
  st = bdl_vm_charge(vm, steps);
  if (st != BISCUIT_OK) {
    bdl_regex_free(own);
    return st;
  }
  int r = bdl_regex_match(re, s, n);
  bdl_regex_free(own);
  if (r < 0)
    return bdl_vm_alloc_error(vm, BISCUIT_E_NOMEM);
  *out = bdl_bool(r == 1);
  return BISCUIT_OK;
}

/* ---------------------------------------------------------------- externs */

/*
** x.extern::f() and x.extern::f(y) through the host's function (expr.h):
** no function, or BISCUIT_E_MISUSE from it, is UndefinedExtern; any other
** failure is ExternEvalError with the function's message, except an
** allocation failure, which stays one.
*/
static biscuit_status ffi(bdl_vm *vm, uint32_t name_id, const bdl_term *a,
                          const bdl_term *b, bdl_term *out) {
  const char *name = bdl_symtab_str(vm->c->env->syms, name_id, NULL);
  if (!name)
    return bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "UnknownSymbol",
                       "unknown symbol %u", name_id);
  if (!vm->c->ext)
    return bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "UndefinedExtern",
                       "undefined extern function %s", name);
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st =
      vm->c->ext(vm->c->ext_ud, name, a, b, vm->c->env, out, &d);
  if (st == BISCUIT_OK && bdl_term_has_var(out))
    return bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "ExternEvalError",
                       "extern function %s returned a variable", name);
  if (st == BISCUIT_OK || st == BISCUIT_E_NOMEM)
    return st == BISCUIT_OK ? st : bdl_vm_alloc_error(vm, st);
  if (st == BISCUIT_E_MISUSE)
    return bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "UndefinedExtern",
                       "undefined extern function %s", name);
  return bdl_vm_fail(vm, BISCUIT_E_EXECUTION, "ExternEvalError",
                     "extern function %s failed: %s", name,
                     d.msg[0] ? d.msg : "error");
}

/* ------------------------------------------------------------- dispatch */

static biscuit_status two_bools(bdl_vm *vm, uint32_t kind, const bdl_term *a,
                                const bdl_term *b, bdl_term *out) {
  if (a->kind != BDL_BOOL || b->kind != BDL_BOOL)
    return bdl_vm_type_error(vm, kind == BDL_B_AND ? "&&!" : "||!", a, b);
  *out = bdl_bool(kind == BDL_B_AND ? (a->id & b->id) : (a->id | b->id));
  return BISCUIT_OK;
}

static biscuit_status add(bdl_vm *vm, const bdl_term *a, const bdl_term *b,
                          bdl_term *out) {
  if (a->kind == BDL_INT && b->kind == BDL_INT)
    return arith(vm, BDL_B_ADD, a->v.i, b->v.i, out);
  if (a->kind == BDL_STR && b->kind == BDL_STR)
    return concat(vm, a, b, out);
  return bdl_vm_type_error(vm, "+", a, b);
}

static biscuit_status affix(bdl_vm *vm, uint32_t kind, const bdl_term *a,
                            const bdl_term *b, bdl_term *out) {
  if (a->kind == BDL_STR && b->kind == BDL_STR)
    return str_test(vm, kind, a, b, out);
  return bdl_xcoll_affix(vm, kind, a, b, out);
}

static biscuit_status contains(bdl_vm *vm, const bdl_term *a, const bdl_term *b,
                               bdl_term *out) {
  if (a->kind == BDL_STR) {
    if (b->kind != BDL_STR)
      return bdl_vm_type_error(vm, ".contains()", a, b);
    return str_test(vm, BDL_B_CONTAINS, a, b, out);
  }
  return bdl_xcoll_contains(vm, a, b, out);
}

/*
** A binary operator on two values. The lazy operators, all, any and
** try_or need a closure operand: with two values they are InvalidType.
*/
biscuit_status bdl_xop_binary(bdl_vm *vm, const bdl_op *op, const bdl_term *a,
                              const bdl_term *b, bdl_term *out) {
  uint32_t k = op->kind;
  switch (k) {
  case BDL_B_LT:
  case BDL_B_GT:
  case BDL_B_LE:
  case BDL_B_GE:
    return order(vm, k, a, b, out);
  case BDL_B_EQ:
  case BDL_B_NEQ:
  case BDL_B_HEQ:
  case BDL_B_HNEQ:
    return equality(vm, k, a, b, out);
  case BDL_B_CONTAINS:
    return contains(vm, a, b, out);
  case BDL_B_PREFIX:
  case BDL_B_SUFFIX:
    return affix(vm, k, a, b, out);
  case BDL_B_REGEX:
    if (a->kind != BDL_STR || b->kind != BDL_STR)
      return bdl_vm_type_error(vm, ".matches()", a, b);
    return regex(vm, a, b, out);
  case BDL_B_ADD:
    return add(vm, a, b, out);
  case BDL_B_SUB:
  case BDL_B_MUL:
  case BDL_B_DIV:
    if (a->kind != BDL_INT || b->kind != BDL_INT)
      return bdl_vm_type_error(vm, "arithmetic", a, b);
    return arith(vm, k, a->v.i, b->v.i, out);
  case BDL_B_AND:
  case BDL_B_OR:
    return two_bools(vm, k, a, b, out);
  case BDL_B_INTERSECTION:
  case BDL_B_UNION:
    return bdl_xcoll_setop(vm, k, a, b, out);
  case BDL_B_BITAND:
  case BDL_B_BITOR:
  case BDL_B_BITXOR:
    return bits(vm, k, a, b, out);
  case BDL_B_GET:
    return bdl_xcoll_get(vm, a, b, out);
  case BDL_B_FFI:
    return ffi(vm, op->ffi, a, b, out);
  default:
    return bdl_vm_type_error(vm, "this binary operator", a, b);
  }
}

/* -------------------------------------------------------------- unary ops */

/* .length(): bytes of a string's UTF-8, bytes, or element count. */
static biscuit_status length(bdl_vm *vm, bdl_term *t) {
  size_t n;
  const char *s;
  switch (t->kind) {
  case BDL_STR: {
    biscuit_status st = bdl_vm_str(vm, t, &s, &n);
    if (st != BISCUIT_OK)
      return st;
    break;
  }
  case BDL_BYTES:
    n = t->v.bytes->len;
    break;
  case BDL_SET:
  case BDL_ARRAY:
  case BDL_MAP:
    n = t->v.coll->n;
    break;
  default:
    return bdl_vm_type_error(vm, ".length()", t, NULL);
  }
  *t = bdl_int((int64_t)n);
  return BISCUIT_OK;
}

/* .type() (v3.3+): the spec's type names. */
static biscuit_status type_of(bdl_vm *vm, bdl_term *t) {
  static const char *const names[] = {NULL,    "integer", "string", "date",
                                      "bytes", "bool",    "set",    "null",
                                      "array", "map"};
  if (t->kind == BDL_VAR || t->kind > BDL_MAP)
    return bdl_vm_type_error(vm, ".type()", t, NULL);
  const char *s = names[t->kind];
  biscuit_status st = bdl_make_str(vm->c->env, s, strlen(s), t);
  return st == BISCUIT_OK ? st : bdl_vm_alloc_error(vm, st);
}

/* A unary operator, applied in place on the top of the stack. */
biscuit_status bdl_xop_unary(bdl_vm *vm, const bdl_op *op, bdl_term *t) {
  bdl_term r;
  biscuit_status st;
  switch (op->kind) {
  case BDL_U_NEGATE:
    if (t->kind != BDL_BOOL)
      return bdl_vm_type_error(vm, "!", t, NULL);
    *t = bdl_bool(!t->id);
    return BISCUIT_OK;
  case BDL_U_PARENS:
    return BISCUIT_OK;
  case BDL_U_LENGTH:
    return length(vm, t);
  case BDL_U_TYPEOF:
    return type_of(vm, t);
  case BDL_U_FFI:
    st = ffi(vm, op->ffi, t, NULL, &r);
    if (st == BISCUIT_OK)
      *t = r;
    return st;
  default:
    return bdl_vm_type_error(vm, "this unary operator", t, NULL);
  }
}
