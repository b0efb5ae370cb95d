/*
** conformance_samples SAMPLES.json [testNNN]: the official samples run
** through the public API only (<biscuit/biscuit.h>), as a user of the
** library would run them.
**
** Per sample token: decode the .bc file with the root key. A sample whose
** expected result is a Format error must fail to decode with that error
** (the variant path; test003 also the exact message). Otherwise every
** block's printed source, symbols, external key and version must match,
** and per validation: the revocation ids, and an authorizer built from
** `authorizer_code` (with the samples' `test` extern function) must give
** the expected `result` (our biscuit_error_json against `result.Err`, as
** JSON values) and, where the sample has one, the `world`. The authorizer
** source must print back as `authorizer_code`. Each validation runs
** twice: with the code added to the authorizer (after the token, so that
** symbols intern in the reference's order, which the world dump's set
** order depends on) and with the code as a shared policy set (result
** only). Prints each mismatch and "N passed, N failed".
*/
#include <biscuit/biscuit.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int n_pass, n_fail;
static const char *unit_name = "";

static void fail(const char *what, const char *detail) {
  n_fail++;
  printf("FAIL  %s: %s\n", unit_name, what);
  if (detail && detail[0])
    printf("%s\n", detail);
}

static void expect(int ok, const char *what, const char *detail) {
  if (ok)
    n_pass++;
  else
    fail(what, detail);
}

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}

/* ------------------------------------------------------------------ files */

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, n = 0, r;
  char *buf = malloc(cap + 1);
  while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n < cap)
      continue;
    char *nb = realloc(buf, 2 * cap + 1);
    if (!nb)
      free(buf);
    buf = nb;
    cap *= 2;
  }
  fclose(f);
  if (buf)
    buf[n] = '\0';
  *len = n;
  return buf;
}

/*
** jansson refuses integers past INT64_MAX, and the authorizer's origin is
** 18446744073709551615 (usize::MAX). Outside strings, that number becomes
** the string "usize::MAX" in both the samples and our output.
*/
static json_t *load_json(const char *s) {
  static const char big[] = "18446744073709551615";
  size_t len = strlen(s), nb = sizeof big - 1, j = 0;
  char *t = malloc(len * 2 + 1);
  int in_str = 0;
  for (size_t i = 0; t && i < len; i++) {
    if (in_str && s[i] == '\\' && i + 1 < len) {
      t[j++] = s[i++];
      t[j++] = s[i];
      continue;
    }
    if (s[i] == '"')
      in_str = !in_str;
    if (!in_str && len - i >= nb && memcmp(s + i, big, nb) == 0) {
      memcpy(t + j, "\"usize::MAX\"", 12);
      j += 12;
      i += nb - 1;
      continue;
    }
    t[j++] = s[i];
  }
  json_t *v = t ? json_loadb(t, j, JSON_DECODE_ANY, NULL) : NULL;
  free(t);
  return v;
}

static char *show(const json_t *v) {
  return v ? json_dumps(v, JSON_ENCODE_ANY | JSON_SORT_KEYS | JSON_COMPACT)
           : dup_str("(none)");
}

static void expect_json(const json_t *want, const json_t *got,
                        const char *what) {
  if (got && json_equal((json_t *)want, (json_t *)got)) {
    n_pass++;
    return;
  }
  char *w = show(want), *g = show(got);
  char detail[16384];
  snprintf(detail, sizeof detail, "  want: %s\n  got:  %s", w ? w : "?",
           g ? g : "?");
  fail(what, detail);
  free(w);
  free(g);
}

static void expect_text(const char *want, const char *got, const char *what) {
  int ok = want && got && strcmp(want, got) == 0;
  char detail[8192];
  snprintf(detail, sizeof detail, "  want: %s\n  got:  %s",
           want ? want : "(null)", got ? got : "(null)");
  expect(ok, what, detail);
}

/* ----------------------------------------------------------------- extern */

/*
** The samples' `test` function (reference-behaviour.md §5, test035):
** unary returns its argument; binary on two strings says whether they
** are equal; anything else is an error.
*/
static int ext_test(void *ud, const char *name, const char *recv,
                    const char *arg, char **result) {
  (void)ud;
  if (strcmp(name, "test") != 0)
    return -1;
  if (!arg) {
    *result = dup_str(recv);
    return *result ? 0 : 1;
  }
  if (recv[0] == '"' && arg[0] == '"') {
    *result = dup_str(strcmp(recv, arg) == 0 ? "\"equal strings\""
                                             : "\"different strings\"");
    return *result ? 0 : 1;
  }
  *result = dup_str("expected two strings");
  return 1;
}

/* ------------------------------------------------------------- the token */

/* The chain of single keys of an externally tagged value. */
static void variant_path(const json_t *v, char *out, size_t cap) {
  out[0] = '\0';
  while (json_is_object(v) && json_object_size(v) == 1) {
    const char *k = json_object_iter_key(json_object_iter((json_t *)v));
    size_t n = strlen(out);
    snprintf(out + n, cap - n, "%s%s", n ? "/" : "", k);
    v = json_object_iter_value(json_object_iter((json_t *)v));
  }
}

static json_t *error_json(const biscuit_error *e) {
  char *s = biscuit_error_json(e);
  json_t *v = s ? load_json(s) : NULL;
  biscuit_free(s);
  return v;
}

/* A token the sample says is malformed: the decode must fail alike. */
static void expect_format_error(const char *file, const json_t *want,
                                biscuit_status st, const biscuit_error *e) {
  char wp[256], gp[256];
  expect(st != BISCUIT_OK, "the token must not decode", NULL);
  if (st == BISCUIT_OK)
    return;
  json_t *got = error_json(e);
  variant_path(want, wp, sizeof wp);
  variant_path(got, gp, sizeof gp);
  char detail[700];
  snprintf(detail, sizeof detail, "  want: %s\n  got:  %s (%s)", wp, gp,
           biscuit_error_message(e));
  expect(strcmp(wp, gp) == 0, "error variant", detail);
  if (strncmp(file, "test003", 7) == 0)
    expect_json(want, got, "error (exact)");
  json_decref(got);
}

static void check_symbols(const biscuit_token *t, size_t i,
                          const json_t *want) {
  json_t *got = json_array();
  size_t n = biscuit_token_block_symbol_count(t, i);
  for (size_t j = 0; j < n; j++)
    json_array_append_new(got,
                          json_string(biscuit_token_block_symbol(t, i, j)));
  expect_json(want, got, "block symbols");
  json_decref(got);
}

static void check_block(const biscuit_token *t, size_t i, const json_t *b) {
  char *code = biscuit_token_block_source(t, i);
  expect_text(json_string_value(json_object_get(b, "code")), code,
              "block code");
  biscuit_free(code);
  check_symbols(t, i, json_object_get(b, "symbols"));
  char *ext = biscuit_token_block_external_key(t, i);
  json_t *got_ext = ext ? json_string(ext) : json_null();
  expect_json(json_object_get(b, "external_key"), got_ext,
              "block external key");
  json_decref(got_ext);
  biscuit_free(ext);
  json_int_t v = json_integer_value(json_object_get(b, "version"));
  char detail[64];
  snprintf(detail, sizeof detail, "  want: %lld\n  got:  %u", (long long)v,
           biscuit_token_block_version(t, i));
  expect((json_int_t)biscuit_token_block_version(t, i) == v, "block version",
         detail);
}

static void check_blocks(const biscuit_token *t, const json_t *blocks) {
  char detail[64];
  snprintf(detail, sizeof detail, "  want: %zu\n  got:  %zu",
           json_array_size(blocks), biscuit_token_block_count(t));
  expect(json_array_size(blocks) == biscuit_token_block_count(t), "block count",
         detail);
  for (size_t i = 0;
       i < json_array_size(blocks) && i < biscuit_token_block_count(t); i++)
    check_block(t, i, json_array_get(blocks, i));
}

static void check_revocation(const biscuit_token *t, const json_t *want) {
  json_t *got = json_array();
  for (size_t i = 0; i < biscuit_token_block_count(t); i++) {
    char *id = biscuit_token_revocation_id(t, i);
    json_array_append_new(got, id ? json_string(id) : json_null());
    biscuit_free(id);
  }
  expect_json(want, got, "revocation ids");
  json_decref(got);
}

/* ---------------------------------------------------------- authorizing */

/* Timing is not under test: 1 s keeps sanitizer builds clear of it. */
static void set_limits(biscuit_authorizer *a) {
  biscuit_limits l = biscuit_limits_default();
  l.max_time_us = 1000000;
  biscuit_authorizer_set_limits(a, &l);
}

/* The verdict in the samples' shape: {"Ok": i} or {"Err": ...}. */
static json_t *verdict(biscuit_status st, size_t index,
                       const biscuit_error *e) {
  if (st == BISCUIT_OK)
    return json_pack("{s:I}", "Ok", (json_int_t)index);
  json_t *err = error_json(e);
  return err ? json_pack("{s:o}", "Err", err) : NULL;
}

/* Load and run; the first failing step decides the verdict. */
static json_t *run(biscuit_authorizer *a, const biscuit_token *t,
                   const char *code) {
  biscuit_error *e = NULL;
  size_t index = 0;
  set_limits(a);
  biscuit_authorizer_set_extern(a, ext_test, NULL);
  biscuit_status st = biscuit_authorizer_add_token(a, t, &e);
  if (st == BISCUIT_OK && code)
    st = biscuit_authorizer_add_code(a, code, NULL, &e);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_authorize(a, &index, &e);
  json_t *v = verdict(st, index, e);
  biscuit_error_free(e);
  return v;
}

static void check_world(biscuit_authorizer *a, const json_t *want) {
  char *s = NULL;
  biscuit_error *e = NULL;
  json_t *got = NULL;
  if (biscuit_authorizer_world_json(a, &s, &e) == BISCUIT_OK)
    got = load_json(s);
  expect_json(want, got, "world");
  json_decref(got);
  biscuit_free(s);
  biscuit_error_free(e);
}

static void with_code(const biscuit_token *t, const json_t *v,
                      const char *code) {
  biscuit_authorizer *a = NULL;
  if (biscuit_authorizer_new(NULL, &a, NULL) != BISCUIT_OK) {
    fail("authorizer_new", NULL);
    return;
  }
  json_t *got = run(a, t, code);
  expect_json(json_object_get(v, "result"), got, "result");
  json_decref(got);
  const json_t *world = json_object_get(v, "world");
  if (json_is_object(world))
    check_world(a, world);
  char *src = biscuit_authorizer_source(a);
  expect_text(code, src, "authorizer source");
  biscuit_free(src);
  biscuit_authorizer_free(a);
}

static void with_policy(const biscuit_token *t, const json_t *v,
                        const char *code) {
  biscuit_policy *p = NULL;
  biscuit_authorizer *a = NULL;
  biscuit_error *e = NULL;
  if (biscuit_policy_from_text(code, "authorizer", NULL, &p, &e) !=
          BISCUIT_OK ||
      biscuit_authorizer_new(p, &a, NULL) != BISCUIT_OK) {
    fail("policy set", e ? biscuit_error_report(e) : NULL);
  } else {
    char *src = biscuit_policy_source(p);
    expect_text(code, src, "policy source");
    biscuit_free(src);
    json_t *got = run(a, t, NULL);
    expect_json(json_object_get(v, "result"), got, "result (policy set)");
    json_decref(got);
  }
  biscuit_authorizer_free(a);
  biscuit_policy_free(p);
  biscuit_error_free(e);
}

static void validation(const biscuit_token *t, const char *file,
                       const char *name, const json_t *v) {
  char label[300];
  snprintf(label, sizeof label, "%s [%s]", file, name);
  unit_name = label;
  const char *code = json_string_value(json_object_get(v, "authorizer_code"));
  code = code ? code : "";
  check_revocation(t, json_object_get(v, "revocation_ids"));
  with_code(t, v, code);
  with_policy(t, v, code);
}

/* ------------------------------------------------------------- one sample */

static const json_t *format_error(const json_t *tc) {
  const char *name;
  json_t *v;
  json_object_foreach(json_object_get((json_t *)tc, "validations"), name, v) {
    json_t *err = json_object_get(json_object_get(v, "result"), "Err");
    if (json_object_get(err, "Format"))
      return err;
  }
  return NULL;
}

static biscuit_status decode(const char *dir, const char *file,
                             const biscuit_public_key *root, biscuit_token **t,
                             biscuit_error **e) {
  char path[2200];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  size_t len = 0;
  char *bytes = read_file(path, &len);
  if (!bytes) {
    fail("cannot read the token file", path);
    return BISCUIT_E_MISUSE;
  }
  biscuit_status st =
      biscuit_token_from_bytes((const uint8_t *)bytes, len, root, NULL, t, e);
  free(bytes);
  return st;
}

static void run_sample(const char *dir, const biscuit_public_key *root,
                       const json_t *tc) {
  const char *file = json_string_value(json_object_get(tc, "filename"));
  biscuit_token *t = NULL;
  biscuit_error *e = NULL;
  unit_name = file;
  biscuit_status st = decode(dir, file, root, &t, &e);
  const json_t *ferr = format_error(tc);
  if (ferr) {
    expect_format_error(file, ferr, st, e);
  } else if (st != BISCUIT_OK) {
    fail("the token does not decode", e ? biscuit_error_report(e) : NULL);
  } else {
    check_blocks(t, json_object_get(tc, "token"));
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(tc, "validations"), name, v)
        validation(t, file, name, v);
  }
  biscuit_error_free(e);
  biscuit_token_free(t);
}

static biscuit_public_key *root_key(const json_t *root) {
  const char *text =
      json_string_value(json_object_get(root, "root_public_key"));
  biscuit_public_key *pk = NULL;
  if (!text)
    return NULL;
  char typed[200];
  snprintf(typed, sizeof typed, "%s%s", strchr(text, '/') ? "" : "ed25519/",
           text);
  biscuit_public_key_from_text(BISCUIT_ED25519, typed, &pk, NULL);
  return pk;
}

static void run_all(const char *path, const json_t *root, const char *only) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = '\0';
  else
    snprintf(dir, sizeof dir, ".");
  biscuit_public_key *pk = root_key(root);
  if (!pk) {
    fail("root_public_key", "cannot read the root key");
    return;
  }
  json_t *cases = json_object_get(root, "testcases");
  int seen = 0;
  for (size_t i = 0; i < json_array_size(cases); i++) {
    json_t *tc = json_array_get(cases, i);
    const char *file = json_string_value(json_object_get(tc, "filename"));
    if (!file || (only && strncmp(file, only, strlen(only)) != 0))
      continue;
    seen++;
    run_sample(dir, pk, tc);
  }
  if (!seen)
    fail(only ? only : "samples", "no such sample");
  biscuit_public_key_free(pk);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s SAMPLES.json [testNNN]\n", argv[0]);
    return 2;
  }
  size_t len = 0;
  char *text = read_file(argv[1], &len);
  json_t *root = text ? load_json(text) : NULL;
  free(text);
  if (!root)
    fail(argv[1], "cannot read or parse the samples");
  else
    run_all(argv[1], root, argc > 2 ? argv[2] : NULL);
  json_decref(root);
  printf("%d passed, %d failed\n", n_pass, n_fail);
  return n_fail || !n_pass ? 1 : 0;
}
