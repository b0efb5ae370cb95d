/*
** Input and output of the command: whole files or stdin ("-"), base64
** or raw bytes, tokens in and out. Inputs are read whole, under a cap,
** because every consumer (the decoder, the Datalog parser) wants one
** buffer, and a token is small.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Far above any token (64 KiB by default) or sensible Datalog file. */
#define CLI_MAX_INPUT (64u << 20)

void cli_wipe(void *p, size_t len) {
  volatile unsigned char *v = p;
  while (p && len--)
    *v++ = 0;
}

char *cli_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}

const char *cli_input_name(const char *path) {
  return strcmp(path, "-") ? path : "<stdin>";
}

/* Reads f to its end into a NUL-terminated buffer. */
static int slurp(FILE *f, const char *name, uint8_t **out, size_t *len) {
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap + 1);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap || cap >= CLI_MAX_INPUT)
      break;
    uint8_t *nb = realloc(buf, 2 * cap + 1);
    if (!nb)
      free(buf);
    buf = nb;
    cap *= 2;
  }
  if (!buf)
    return cli_oom();
  if (ferror(f) || n >= CLI_MAX_INPUT) {
    free(buf);
    if (n >= CLI_MAX_INPUT)
      cli_error("%s: larger than %u MiB", name, CLI_MAX_INPUT >> 20);
    else
      cli_error("%s: read error: %s", name, strerror(errno));
    return CLI_EXIT_ERROR;
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return CLI_EXIT_OK;
}

/* Names the file and the system's reason when it cannot be read. */
int cli_read_file(const char *path, uint8_t **out, size_t *len) {
  *out = NULL;
  *len = 0;
  if (!strcmp(path, "-"))
    return slurp(stdin, "<stdin>", out, len);
  FILE *f = fopen(path, "rb");
  if (!f) {
    cli_error("cannot open '%s': %s", path, strerror(errno));
    return CLI_EXIT_ERROR;
  }
  int st = slurp(f, path, out, len);
  fclose(f);
  return st;
}

/* Datalog is text: a NUL byte means a wrong file, not a short one. */
int cli_read_text(const char *path, char **out) {
  uint8_t *buf;
  size_t len;
  *out = NULL;
  int st = cli_read_file(path, &buf, &len);
  if (st != CLI_EXIT_OK)
    return st;
  if (memchr(buf, '\0', len)) {
    free(buf);
    cli_error("%s: not Datalog text (it holds NUL bytes)",
              cli_input_name(path));
    return CLI_EXIT_ERROR;
  }
  *out = (char *)buf;
  return CLI_EXIT_OK;
}

static int is_space(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
** The library's buffers go back through biscuit_free, ours through free:
** decoded bytes are moved into a malloc'd buffer so that every caller
** frees every input the same way.
*/
static int to_malloc(uint8_t *lib, size_t n, uint8_t **out) {
  *out = malloc(n ? n : 1);
  if (*out)
    memcpy(*out, lib, n);
  cli_wipe(lib, n);
  biscuit_free(lib);
  return *out ? CLI_EXIT_OK : cli_oom();
}

/* Decodes base64 text, ignoring whitespace at either end. */
static int decode(const char *text, size_t n, const char *name,
                  const char *what, uint8_t **out, size_t *len) {
  uint8_t *lib = NULL;
  while (n && is_space((uint8_t)text[0])) {
    text++;
    n--;
  }
  while (n && is_space((uint8_t)text[n - 1]))
    n--;
  if (n == 0) {
    cli_error("%s: empty, expected a base64 %s", name, what);
    return CLI_EXIT_ERROR;
  }
  biscuit_status st = biscuit_base64_decode(text, n, &lib, len);
  if (st == BISCUIT_E_NOMEM)
    return cli_oom();
  if (st != BISCUIT_OK) {
    cli_error("%s: the %s is not valid URL-safe base64", name, what);
    return CLI_EXIT_ERROR;
  }
  return to_malloc(lib, *len, out);
}

int cli_decode_text(const char *text, const char *what, uint8_t **out,
                    size_t *len) {
  char name[64];
  snprintf(name, sizeof name, "the %s argument", what);
  return decode(text, strlen(text), name, what, out, len);
}

/* Raw bytes as they are; base64 decoded into a malloc'd buffer. */
int cli_read_encoded(const char *path, int raw, const char *what, uint8_t **out,
                     size_t *len) {
  uint8_t *buf;
  size_t n;
  *out = NULL;
  *len = 0;
  int st = cli_read_file(path, &buf, &n);
  if (st != CLI_EXIT_OK || raw) {
    *out = buf;
    *len = n;
    return st;
  }
  st = decode((const char *)buf, n, cli_input_name(path), what, out, len);
  free(buf);
  return st;
}

/* The raw bytes may hold a token's secret: wiped once parsed. */
int cli_read_token(const char *path, int raw, biscuit_token **out) {
  uint8_t *bytes;
  size_t len;
  *out = NULL;
  int st = cli_read_encoded(path, raw, "token", &bytes, &len);
  if (st != CLI_EXIT_OK)
    return st;
  biscuit_error *e = NULL;
  biscuit_status bs =
      biscuit_token_from_bytes_unverified(bytes, len, NULL, out, &e);
  cli_wipe(bytes, len);
  free(bytes);
  if (bs != BISCUIT_OK) {
    char what[320];
    snprintf(what, sizeof what, "%s: not a valid token", cli_input_name(path));
    st = cli_api_error(what, e);
    biscuit_error_free(e);
    return st == CLI_EXIT_OK ? CLI_EXIT_ERROR : st;
  }
  return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- output */

static int flush_stdout(void) {
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("cannot write the output: %s", strerror(errno));
    return CLI_EXIT_ERROR;
  }
  return CLI_EXIT_OK;
}

/* Base64 ends with a newline (a line of text); raw bytes do not. */
int cli_write_encoded(const uint8_t *p, size_t len, int raw) {
  if (raw) {
    fwrite(p, 1, len, stdout);
    return flush_stdout();
  }
  char *text = biscuit_base64_encode(p, len);
  if (!text)
    return cli_oom();
  printf("%s\n", text);
  biscuit_free(text);
  return flush_stdout();
}

/* Unsealed token bytes carry the next block's secret: wiped after use. */
int cli_write_token(const biscuit_token *t, int raw) {
  uint8_t *bytes = NULL;
  size_t len = 0;
  biscuit_error *e = NULL;
  if (biscuit_token_to_bytes(t, &bytes, &len, &e) != BISCUIT_OK) {
    int st = cli_api_error("cannot serialize the token", e);
    biscuit_error_free(e);
    return st;
  }
  int st = cli_write_encoded(bytes, len, raw);
  cli_wipe(bytes, len);
  biscuit_free(bytes);
  return st;
}

/* A short write or a failed close is an error, not a truncated file. */
int cli_write_file(const char *path, const uint8_t *p, size_t len) {
  if (!strcmp(path, "-")) {
    fwrite(p, 1, len, stdout);
    return flush_stdout();
  }
  FILE *f = fopen(path, "wb");
  if (!f) {
    cli_error("cannot create '%s': %s", path, strerror(errno));
    return CLI_EXIT_ERROR;
  }
  size_t w = fwrite(p, 1, len, f);
  int bad = w != len || ferror(f);
  if (fclose(f) != 0)
    bad = 1;
  if (bad) {
    cli_error("cannot write '%s': %s", path, strerror(errno));
    return CLI_EXIT_ERROR;
  }
  return CLI_EXIT_OK;
}
