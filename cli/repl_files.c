/*
** The REPL's commands with files: .load (an authorizer file), .load-block
** (a token block), .token (a real token and its root key), .save and
** .save-block. A file's text is checked whole first, so its errors name
** the file with line and column, then split into statements that join
** the session as one undo step. Saved files hold the statements as they
** were typed, so `.load` and `biscuit inspect --authorize-with-file`
** read them back.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repl.h"

/* ------------------------------------------------------------ files */

/* A whole file, NUL-terminated, in *out (caller frees); -1 reported. */
static int read_whole(const char *path, char **out, size_t *len) {
  repl_buf b = {0};
  char chunk[4096];
  size_t n;
  FILE *f = fopen(path, "rb");
  if (!f) {
    repl_error("cannot open '%s': %s", path, strerror(errno));
    return -1;
  }
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    if (repl_buf_add(&b, chunk, n) != 0)
      break;
  int bad = ferror(f) || !feof(f);
  fclose(f);
  if (bad || repl_buf_add(&b, "", 0) != 0) {
    repl_error("cannot read '%s'", path);
    repl_buf_free(&b);
    return -1;
  }
  *out = b.p;
  *len = b.n;
  return 0;
}

/* Datalog text: a NUL byte means a wrong file. */
static int read_text(const char *path, char **out) {
  size_t len;
  if (read_whole(path, out, &len) != 0)
    return -1;
  if (strlen(*out) != len) {
    repl_error("'%s' is not Datalog text (it holds NUL bytes)", path);
    free(*out);
    return -1;
  }
  return 0;
}

static int write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    repl_error("cannot create '%s': %s", path, strerror(errno));
    return -1;
  }
  size_t n = strlen(text);
  int bad = fwrite(text, 1, n, f) != n;
  if (fclose(f) != 0 || bad) {
    repl_error("cannot write '%s': %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

static const char *plural(size_t n) {
  return n == 1 ? "" : "s";
}

/* ------------------------------------------------------------ loading */

/* The file's statements as one step for `target`; -1 reported. */
static int add_text(repl_session *s, int target, const char *text,
                    size_t *count) {
  repl_strs stmts = {0};
  int st = repl_split(text, &stmts);
  if (st != 0)
    repl_error("out of memory");
  else
    st = repl_add(s, target, &stmts, 1);
  *count = stmts.n;
  repl_strs_clear(&stmts);
  return st;
}

int repl_load_authorizer(repl_session *s, const char *file) {
  char *text = NULL;
  biscuit_policy *p = NULL;
  biscuit_error *e = NULL;
  size_t n = 0;
  if (read_text(file, &text) != 0)
    return -1;
  int st = -1;
  if (biscuit_policy_from_text(text, file, NULL, &p, &e) != BISCUIT_OK)
    repl_lib_error(file, file, e);
  else
    st = add_text(s, REPL_AUTHORIZER, text, &n);
  if (st == 0)
    printf("authorizer: %zu statement%s from %s\n", n, plural(n), file);
  biscuit_policy_free(p);
  biscuit_error_free(e);
  free(text);
  return st;
}

void repl_cmd_load(repl_session *s, char *args) {
  if (!*args)
    repl_error("usage: .load FILE");
  else if (repl_load_authorizer(s, args) == 0)
    repl_changed(s);
}

/* A new block from a file; input keeps going where it went. */
static int load_block(repl_session *s, const char *file) {
  char *text = NULL;
  biscuit_token *t = NULL;
  biscuit_error *e = NULL;
  size_t n = 0, index = repl_block_base(s) + s->n_blocks;
  if (read_text(file, &text) != 0)
    return -1;
  int st = -1;
  if (biscuit_token_create(s->root, text, NULL, &t, &e) != BISCUIT_OK)
    repl_lib_error(file, file, e);
  else
    st = add_text(s, (int)s->n_blocks, text, &n);
  if (st == 0)
    printf("block %zu: %zu statement%s from %s\n", index, n, plural(n), file);
  biscuit_token_free(t);
  biscuit_error_free(e);
  free(text);
  return st;
}

void repl_cmd_load_block(repl_session *s, char *args) {
  if (!*args)
    repl_error("usage: .load-block FILE");
  else if (s->loaded && biscuit_token_is_sealed(s->loaded))
    repl_error("the loaded token is sealed: no block can be added");
  else if (load_block(s, args) == 0)
    repl_changed(s);
}

/* ------------------------------------------------------------ tokens */

static void trim(char *s) {
  size_t n = strlen(s);
  while (n && strchr(" \t\r\n", s[n - 1]))
    s[--n] = '\0';
}

/* The key as text, else from a file holding it; -1 reported. */
static int root_key(const char *text, biscuit_public_key **out) {
  biscuit_error *e = NULL;
  char *file_text = NULL;
  if (biscuit_public_key_from_text(BISCUIT_ED25519, text, out, &e) ==
      BISCUIT_OK)
    return 0;
  FILE *f = fopen(text, "rb");
  if (f) {
    fclose(f);
    if (read_text(text, &file_text) == 0) {
      trim(file_text);
      biscuit_error_free(e);
      e = NULL;
      if (biscuit_public_key_from_text(BISCUIT_ED25519, file_text, out, &e) ==
          BISCUIT_OK) {
        free(file_text);
        return 0;
      }
    }
  }
  repl_lib_error("not a root public key (ed25519/<hex>)", NULL, e);
  biscuit_error_free(e);
  free(file_text);
  return -1;
}

static int is_base64(const uint8_t *p, size_t len) {
  static const char ok[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
      "0123456789-_+/= \t\r\n";
  for (size_t i = 0; i < len; i++)
    if (!p[i] || !strchr(ok, p[i]))
      return 0;
  return len > 0;
}

/* The token's bytes: base64 text decoded, or raw bytes as they are. */
static int token_bytes(const char *file, uint8_t **out, size_t *len) {
  char *raw = NULL;
  size_t n = 0;
  if (read_whole(file, &raw, &n) != 0)
    return -1;
  if (!is_base64((const uint8_t *)raw, n)) {
    *out = (uint8_t *)raw;
    *len = n;
    return 0;
  }
  trim(raw);
  const char *start = raw + strspn(raw, " \t\r\n");
  uint8_t *lib = NULL;
  biscuit_status st = biscuit_base64_decode(start, strlen(start), &lib, len);
  free(raw);
  *out = st == BISCUIT_OK ? malloc(*len ? *len : 1) : NULL;
  if (*out)
    memcpy(*out, lib, *len);
  biscuit_free(lib);
  if (!*out)
    repl_error("%s: not valid base64", file);
  return *out ? 0 : -1;
}

static int verify(const char *file, const uint8_t *bytes, size_t len,
                  const biscuit_public_key *key, biscuit_token **out) {
  biscuit_error *e = NULL;
  biscuit_status st = biscuit_token_from_bytes(bytes, len, key, NULL, out, &e);
  if (st != BISCUIT_OK)
    repl_lib_error(file, NULL, e);
  biscuit_error_free(e);
  return st == BISCUIT_OK ? 0 : -1;
}

int repl_load_token(repl_session *s, const char *file, const char *key) {
  biscuit_public_key *pk = NULL;
  biscuit_token *t = NULL;
  uint8_t *bytes = NULL;
  size_t len = 0;
  int st = root_key(key, &pk);
  if (st == 0)
    st = token_bytes(file, &bytes, &len);
  if (st == 0)
    st = verify(file, bytes, len, pk, &t);
  if (st == 0) {
    char *from = cli_strdup(file);
    char *text = biscuit_public_key_text(pk);
    size_t n = biscuit_token_block_count(t);
    printf("token: %zu block%s from %s, verified with %s\n", n, plural(n), file,
           text ? text : key);
    repl_set_token(s, t, from);
    biscuit_free(text);
  }
  cli_wipe(bytes, len);
  free(bytes);
  biscuit_public_key_free(pk);
  return st;
}

/* .token FILE ROOTKEY: the key is the last word. */
void repl_cmd_token(repl_session *s, char *args) {
  char *sp = strrchr(args, ' ');
  if (!sp) {
    repl_error("usage: .token FILE ROOTKEY");
    return;
  }
  *sp = '\0';
  trim(args);
  if (repl_load_token(s, args, sp + 1) == 0)
    repl_changed(s);
}

/* ------------------------------------------------------------ saving */

void repl_cmd_save(repl_session *s, char *args) {
  if (!*args) {
    repl_error("usage: .save FILE");
    return;
  }
  char *text = repl_strs_join(&s->authorizer, "\n");
  if (!text)
    repl_error("out of memory");
  else if (write_text(args, text) == 0)
    printf("saved %zu authorizer statement%s to %s\n", s->authorizer.n,
           plural(s->authorizer.n), args);
  free(text);
}

/* Block N's text: as typed, or as printed for a loaded block. */
static char *block_text(const repl_session *s, size_t n) {
  size_t base = repl_block_base(s);
  if (n < base) {
    char *src = biscuit_token_block_source(s->loaded, n);
    char *copy = src ? cli_strdup(src) : NULL;
    biscuit_free(src);
    return copy;
  }
  return repl_strs_join(&s->blocks[n - base], "\n");
}

void repl_cmd_save_block(repl_session *s, char *args) {
  char *end;
  unsigned long n = strtoul(args, &end, 10);
  size_t total = repl_block_base(s) + s->n_blocks;
  if (end == args || (*end != ' ' && *end != '\t')) {
    repl_error("usage: .save-block N FILE");
    return;
  }
  end += strspn(end, " \t");
  if (n >= total) {
    repl_error(".save-block: no block %lu (the token has %zu)", n, total);
    return;
  }
  char *text = block_text(s, n);
  if (!text)
    repl_error("out of memory");
  else if (write_text(end, text) == 0)
    printf("saved block %lu to %s\n", n, end);
  free(text);
}
