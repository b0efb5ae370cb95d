/*
** The malformed-token corpus runner (perf-and-threats.md B4): decodes
** every file of tests/malformed/corpus/ with the samples' root key through
** the public API and compares the outcome with tests/malformed/expected.txt,
** where each file maps to a kind prefix ("Ok", "Format",
** "Format/Signature/InvalidSignature", "Limit/TokenSize"...) matched at
** '/' boundaries. Every corpus file must be listed and every listed file
** must exist. Tokens that decode are also printed and re-encoded, so the
** sanitizers see those paths too.
**
** Usage: run_corpus [corpus-dir expected.txt samples.json]
** Prints one line per failure, then "N passed, N failed".
*/
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biscuit/biscuit.h"

#ifndef BISCUIT_SOURCE_DIR
#define BISCUIT_SOURCE_DIR "."
#endif
#define HERE BISCUIT_SOURCE_DIR "/tests/malformed"

typedef struct entry {
  char name[128];
  char kind[96];
  int seen; /* the file exists in the corpus directory */
} entry;

static int n_pass, n_fail;

static void fail(const char *file, const char *fmt, const char *a,
                 const char *b) {
  n_fail++;
  printf("FAIL %s: ", file);
  printf(fmt, a, b);
  putchar('\n');
}

/* The whole file in an exactly sized buffer (ASan sees any overread). */
static unsigned char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  unsigned char *buf = NULL;
  long n;
  if (!f)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
      fseek(f, 0, SEEK_SET) == 0) {
    buf = malloc(n ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
      free(buf);
      buf = NULL;
    }
    *len = (size_t)n;
  }
  fclose(f);
  return buf;
}

/* "name kind [# note]" lines; '#' lines are comments. */
static entry *load_expected(const char *path, size_t *n) {
  FILE *f = fopen(path, "r");
  char line[512];
  entry *v = NULL;
  size_t cap = 0;
  *n = 0;
  if (!f)
    return NULL;
  while (fgets(line, sizeof line, f)) {
    entry e = {{0}, {0}, 0};
    if (line[0] == '#' || sscanf(line, "%127s %95s", e.name, e.kind) != 2)
      continue;
    if (*n == cap) {
      cap = cap ? cap * 2 : 256;
      entry *nv = realloc(v, cap * sizeof *v);
      if (!nv)
        break;
      v = nv;
    }
    v[(*n)++] = e;
  }
  fclose(f);
  return v;
}

static biscuit_public_key *load_root(const char *samples_json) {
  json_t *j = json_load_file(samples_json, JSON_DECODE_INT_AS_REAL, NULL);
  const char *hex = json_string_value(json_object_get(j, "root_public_key"));
  biscuit_public_key *pk = NULL;
  if (!hex || biscuit_public_key_from_text(BISCUIT_ED25519, hex, &pk, NULL))
    pk = NULL;
  json_decref(j);
  return pk;
}

/* `want` is a prefix of `got` ending at a '/' boundary, or equal. */
static int kind_matches(const char *got, const char *want) {
  size_t n = strlen(want);
  return !strncmp(got, want, n) && (got[n] == '\0' || got[n] == '/');
}

/* Exercise a token that decoded: print every block, re-encode. */
static void touch(const biscuit_token *t) {
  uint8_t *bytes = NULL;
  size_t len = 0;
  for (size_t i = 0; i < biscuit_token_block_count(t); i++) {
    biscuit_free(biscuit_token_block_source(t, i));
    biscuit_free(biscuit_token_revocation_id(t, i));
  }
  if (biscuit_token_to_bytes(t, &bytes, &len, NULL) == BISCUIT_OK)
    biscuit_free(bytes);
}

static void run_one(const char *dir, entry *e, const biscuit_public_key *root) {
  char path[1024];
  size_t len = 0;
  unsigned char *buf;
  biscuit_token *t = NULL;
  biscuit_error *err = NULL;
  biscuit_status st;
  const char *got;
  snprintf(path, sizeof path, "%s/%s", dir, e->name);
  buf = slurp(path, &len);
  if (!buf) {
    fail(e->name, "cannot read %s%s", path, "");
    return;
  }
  st = biscuit_token_from_bytes(buf, len, root, NULL, &t, &err);
  got = st == BISCUIT_OK ? "Ok" : biscuit_error_kind(err);
  if (st != BISCUIT_OK && (t || !err))
    fail(e->name, "failure left %s%s", t ? "a token" : "no error", "");
  else if (kind_matches(got, e->kind))
    n_pass++;
  else
    fail(e->name, "got %s, expected %s", got, e->kind);
  if (t)
    touch(t);
  biscuit_token_free(t);
  biscuit_error_free(err);
  free(buf);
}

/* Every .bc file in the directory must have an expectation. */
static void check_listed(const char *dir, entry *v, size_t n) {
  DIR *d = opendir(dir);
  struct dirent *de;
  if (!d) {
    fail(dir, "cannot open the corpus directory%s%s", "", "");
    return;
  }
  while ((de = readdir(d))) {
    size_t len = strlen(de->d_name), i;
    if (len < 4 || strcmp(de->d_name + len - 3, ".bc"))
      continue;
    for (i = 0; i < n && strcmp(v[i].name, de->d_name); i++)
      ;
    if (i == n)
      fail(de->d_name, "not listed in expected.txt%s%s", "", "");
    else
      v[i].seen = 1;
  }
  closedir(d);
}

int main(int argc, char **argv) {
  const char *dir = argc > 3 ? argv[1] : HERE "/corpus";
  const char *exp = argc > 3 ? argv[2] : HERE "/expected.txt";
  const char *json = argc > 3 ? argv[3]
                              : BISCUIT_SOURCE_DIR
                         "/tests/data/samples/samples.json";
  size_t n = 0;
  entry *v = load_expected(exp, &n);
  biscuit_public_key *root = load_root(json);
  if (!v || !n || !root) {
    fprintf(stderr, "cannot load %s or the root key from %s\n", exp, json);
    free(v);
    biscuit_public_key_free(root);
    return 2;
  }
  check_listed(dir, v, n);
  for (size_t i = 0; i < n; i++) {
    if (v[i].seen)
      run_one(dir, &v[i], root);
    else
      fail(v[i].name, "listed but missing from %s%s", dir, "");
  }
  printf("%d passed, %d failed\n", n_pass, n_fail);
  free(v);
  biscuit_public_key_free(root);
  return n_fail ? 1 : 0;
}
