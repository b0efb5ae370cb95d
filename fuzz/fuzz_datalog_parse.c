/*
** libFuzzer harness: Datalog text -> IR (bpa_parse), as an authorizer and
** as a token block, then print -> parse -> print.
**
** Property checked: parsing never crashes, leaks or trips a sanitizer, and
** when the printed form is expected to read back (see round_trips), the
** printed text parses again and prints identically (print is idempotent
** over parse). A mismatch aborts with both texts on stderr.
**
** Strings are printed raw (no escaping), so text whose strings held an
** escaped quote or backslash cannot be expected to read back. Sets and
** maps print their strings in symbol-id order, as the reference does, and
** ids follow the text's interning order, so with '{' in the input the
** elements may come back permuted: then only the length must match.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalog/print.h"
#include "parser/parser.h"

/* A fixed set of parameters so `{p}`, `{b}` and `trusting {k}` parse. */
static const bpa_param fuzz_params[] = {
    {"p", {BDL_INT, 0, {.i = 1}}},
    {"b", {BDL_BOOL, 1, {.i = 0}}},
};
static const char *const fuzz_key_names[] = {"k"};
static const char *const fuzz_key_values[] = {
    "ed25519/acdd6d5b53bfee478bf689f8e012fe7988bf755e3d7c5152947abc149bc20189"};

static const bpa_options fuzz_opts = {
    .filename = "fuzz",
    .params = fuzz_params,
    .n_params = 2,
    .key_param_names = fuzz_key_names,
    .key_param_values = fuzz_key_values,
    .n_key_params = 1,
    .max_depth = 0,
};

/* One parse into a fresh env; relaxed also accepts a missing final ';'. */
typedef struct parsed {
  bdl_env *env;
  bdl_block block;
  biscuit_status st;
} parsed;

static void parsed_free(parsed *p) {
  bdl_block_free(&p->block);
  bdl_env_free(p->env);
}

/*
** Parse strictly first; text that merely ends inside a statement is then
** retried relaxed, as the API does for complete text. A parse error is
** rendered (source line and caret) to cover the diagnostics too. Either
** way the block and env are left valid for parsed_free().
*/
static void parse_one(parsed *p, const char *src, size_t len, bpa_kind kind) {
  bx_diag d;
  p->env = bdl_env_new(NULL);
  bdl_block_init(&p->block);
  if (!p->env) {
    p->st = BISCUIT_E_NOMEM;
    return;
  }
  p->st = bpa_parse(p->env, src, len, kind, &fuzz_opts, &p->block, &d);
  if (p->st == BISCUIT_E_INCOMPLETE)
    p->st = bpa_parse_relaxed(p->env, src, len, kind, &fuzz_opts, &p->block,
                              &d);
  if (p->st == BISCUIT_E_PARSE || p->st == BISCUIT_E_INCOMPLETE) {
    bx_buf msg;
    bx_buf_init(&msg, 0);
    (void)bpa_format_error(&msg, "fuzz", src, len, &d);
    bx_buf_free(&msg);
  }
}

static bool print_kind(bx_buf *out, const parsed *p, bpa_kind kind) {
  return kind == BPA_AUTHORIZER ? bdl_print_authorizer(out, p->env, &p->block)
                                : bdl_print_block(out, p->env, &p->block);
}

/*
** The printer writes strings raw, so a string holding '"' or '\' (only
** reachable through an escape) cannot read back; neither can an input
** holding NUL inside a string. Everything else must.
*/
static bool round_trips(const char *src, size_t len) {
  return memchr(src, '\\', len) == NULL && memchr(src, '\0', len) == NULL;
}

/* Without '{' there is no set or map whose elements could be permuted. */
static bool exact_order(const char *src, size_t len) {
  return memchr(src, '{', len) == NULL;
}

static bool same_text(const bx_buf *a, const bx_buf *b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data,
                                                    a->len) == 0);
}

static _Noreturn void mismatch(const char *what, const bx_buf *a,
                               const bx_buf *b) {
  fprintf(stderr, "fuzz_datalog_parse: %s\n--- first print\n%.*s\n"
                  "--- second print\n%.*s\n",
          what, (int)a->len, a->data ? a->data : "", (int)b->len,
          b->data ? b->data : "");
  abort();
}

/*
** Print the first parse, parse that text again and print it again. Only
** when the input is expected to round-trip are failures fatal.
*/
static void check_reprint(const parsed *p, bpa_kind kind, bool strict,
                          bool exact) {
  bx_buf first, second;
  parsed again;
  bx_buf_init(&first, 0);
  bx_buf_init(&second, 0);
  if (!print_kind(&first, p, kind)) {
    bx_buf_free(&first);
    return;
  }
  parse_one(&again, first.data ? first.data : "", first.len, kind);
  if (again.st == BISCUIT_OK && print_kind(&second, &again, kind)) {
    if (strict && exact && !same_text(&first, &second))
      mismatch("print(parse(print(x))) != print(x)", &first, &second);
    if (strict && first.len != second.len)
      mismatch("print(parse(print(x))) has another length", &first,
               &second);
  } else if (strict && again.st != BISCUIT_E_NOMEM) {
    mismatch("printed text does not parse again", &first, &second);
  }
  parsed_free(&again);
  bx_buf_free(&first);
  bx_buf_free(&second);
}

static void fuzz_kind(const char *src, size_t len, bpa_kind kind) {
  parsed p;
  parse_one(&p, src, len, kind);
  if (p.st == BISCUIT_OK)
    check_reprint(&p, kind, round_trips(src, len), exact_order(src, len));
  parsed_free(&p);
}

/* The input is copied so ASan sees reads past its exact end. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *src = malloc(size ? size : 1);
  if (!src)
    return 0;
  memcpy(src, data, size);
  fuzz_kind(src, size, BPA_AUTHORIZER);
  fuzz_kind(src, size, BPA_BLOCK);
  free(src);
  return 0;
}
