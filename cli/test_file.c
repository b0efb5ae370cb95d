/*
** biscuit test: reading a .test file into cases. The format's reference
** is cli/README.md ("biscuit test"); in short, a case is a run of
** sections, each opened by a line starting with "%%":
**
**   %%name TEXT   %%block [external=PRIVATE-KEY]   %%authorizer [file=PATH]
**   %%limits K=V...   %%expect   %%expect-error [incomplete|parse]
**   %%world   %%print   %%query RULE   %%query-all RULE
**
** Datalog sections (%%block, %%authorizer) keep their lines verbatim.
** Expected-line sections skip blank and '#' lines and trim trailing
** blanks, except %%expect-error and %%print, which keep every line but
** leading and trailing blank ones. Between sections, and before the
** first %%name, only blank and '#' lines may appear.
**
** Everything that can be checked without running is checked here, so
** that a broken file is an error (exit status 3, "path:line: why")
** rather than a failing case: unknown sections or arguments, limits,
** and the third-party signing keys.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { S_NONE, S_DATALOG, S_LINES, S_ERROR_LINES };

/* A growing text: the Datalog section being read. */
typedef struct text {
  char *s;
  size_t len, cap;
} text;

typedef struct reader {
  cli_test_file *f;
  cli_test_case *c; /* the case being read, NULL before the first */
  int sec;
  text datalog;     /* S_DATALOG: the section's text so far */
  char **dst;       /* S_DATALOG: where it goes when the section ends */
  cli_lines *lines; /* S_LINES, S_ERROR_LINES */
  unsigned lineno;
} reader;

/* "path:line: msg" (the format's errors), then false. */
static int fail(reader *r, const char *msg, const char *arg) {
  cli_error("%s:%u: %s%s", r->f->path, r->lineno, msg, arg ? arg : "");
  return 0;
}

static int oom(reader *r) {
  return fail(r, "out of memory", NULL);
}

/* An array of n elements of `size` bytes with room for one more; NULL
   (the array unchanged) when out of memory. */
static void *grown(void *v, size_t n, size_t size) {
  return realloc(v, (n + 1) * size);
}

static int text_add(text *t, const char *s, size_t n) {
  if (t->len + n + 1 > t->cap) {
    size_t nc = t->cap ? t->cap : 256;
    while (nc < t->len + n + 1)
      nc *= 2;
    char *p = realloc(t->s, nc);
    if (!p)
      return 0;
    t->s = p;
    t->cap = nc;
  }
  memcpy(t->s + t->len, s, n);
  t->len += n;
  t->s[t->len] = '\0';
  return 1;
}

/*
** A whole file, NUL-terminated; NULL with errno set when it cannot be
** read. A NUL byte inside is refused (EILSEQ): everything after it
** would silently vanish from the C strings the cases are made of.
*/
static char *slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return NULL;
  text t = {0};
  char chunk[8192];
  size_t n;
  int ok = text_add(&t, "", 0);
  while (ok && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
    ok = text_add(&t, chunk, n);
  int bad = !ok || ferror(fp);
  fclose(fp);
  if (!bad && memchr(t.s, '\0', t.len)) {
    errno = EILSEQ;
    bad = 1;
  }
  if (bad) {
    free(t.s);
    return NULL;
  }
  return t.s;
}

/* ------------------------------------------------------------ sections */

/* Close the open section: Datalog text goes to its owner. */
static int finish_section(reader *r) {
  if (r->sec == S_DATALOG) {
    *r->dst = r->datalog.s ? r->datalog.s : cli_strdup("");
    memset(&r->datalog, 0, sizeof r->datalog);
    if (!*r->dst)
      return oom(r);
  }
  if (r->sec == S_ERROR_LINES) /* trailing blank lines are not expected */
    while (r->lines->n > 0 && r->lines->v[r->lines->n - 1][0] == '\0')
      free(r->lines->v[--r->lines->n]);
  r->sec = S_NONE;
  return 1;
}

static int new_case(reader *r, const char *arg) {
  cli_test_file *f = r->f;
  cli_test_case *cases = grown(f->cases, f->n_cases, sizeof *cases);
  if (!cases)
    return oom(r);
  f->cases = cases;
  cli_test_case *c = &cases[f->n_cases++];
  memset(c, 0, sizeof *c);
  c->name = cli_strdup(arg);
  c->line = r->lineno;
  /* a generous time limit: sanitizer and valgrind builds are slow, and
     time is the one limit that is not deterministic */
  c->limits = biscuit_limits_default();
  c->limits.max_time_us = 1000000;
  r->c = c;
  return c->name ? 1 : oom(r);
}

static void start_datalog(reader *r, char **dst) {
  r->sec = S_DATALOG;
  r->dst = dst;
}

/* The signer of a third-party block: its private key, to sign with. */
static int external_key(reader *r, const char *key, biscuit_keypair **out) {
  biscuit_error *e = NULL;
  if (strncmp(key, "ed25519-private/", 16) != 0 &&
      strncmp(key, "secp256r1-private/", 18) != 0)
    return fail(r,
                "external= takes the signer's private key "
                "(ed25519-private/<hex> or secp256r1-private/<hex>): ",
                key);
  if (biscuit_keypair_from_text(BISCUIT_ED25519, key, out, &e) == BISCUIT_OK)
    return 1;
  fail(r, "bad external= key: ", biscuit_error_message(e));
  biscuit_error_free(e);
  return 0;
}

static int new_block(reader *r, const char *arg) {
  cli_test_case *c = r->c;
  cli_test_block *blocks = grown(c->blocks, c->n_blocks, sizeof *blocks);
  if (!blocks)
    return oom(r);
  c->blocks = blocks;
  cli_test_block *b = &blocks[c->n_blocks++];
  memset(b, 0, sizeof *b);
  if (strncmp(arg, "external=", 9) == 0) {
    if (c->n_blocks == 1)
      return fail(r,
                  "the first block is the authority block: it cannot "
                  "be a third-party block",
                  NULL);
    if (!external_key(r, arg + 9, &b->external))
      return 0;
  } else if (arg[0]) {
    return fail(r, "unknown %%block argument: ", arg);
  }
  start_datalog(r, &b->code);
  return 1;
}

/* `file=PATH` starts the authorizer with a file beside the test file. */
static int authorizer_file(reader *r, const char *path) {
  const char *slash = strrchr(r->f->path, '/');
  size_t dir = slash && path[0] != '/' ? (size_t)(slash - r->f->path) + 1 : 0;
  size_t n = dir + strlen(path) + 1;
  char *full = malloc(n);
  if (!full)
    return oom(r);
  snprintf(full, n, "%.*s%s", (int)dir, r->f->path, path);
  char *src = slurp(full);
  int err = errno;
  free(full);
  if (!src) {
    cli_error("%s:%u: cannot read %s: %s", r->f->path, r->lineno, path,
              strerror(err));
    return 0;
  }
  size_t len = strlen(src);
  int ok = text_add(&r->datalog, src, len) &&
           (len == 0 || src[len - 1] == '\n' || text_add(&r->datalog, "\n", 1));
  free(src);
  return ok ? 1 : oom(r);
}

static int new_authorizer(reader *r, const char *arg) {
  if (r->c->authorizer)
    return fail(r, "second %%authorizer in a case", NULL);
  start_datalog(r, &r->c->authorizer);
  if (!arg[0])
    return 1;
  if (strncmp(arg, "file=", 5) != 0)
    return fail(r, "unknown %%authorizer argument: ", arg);
  return authorizer_file(r, arg + 5);
}

/* ------------------------------------------------------------- limits */

/* A decimal number; 0 means "no limit", as for the Datalog engine. */
static int limit_value(reader *r, const char *kv, const char *v, size_t n,
                       uint64_t scale, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 10);
  if (v[0] < '0' || v[0] > '9' || errno || (size_t)(end - v) != n)
    return fail(r, "bad number in %%limits: ", kv);
  if (x == 0 || x > UINT64_MAX / scale)
    *out = UINT64_MAX;
  else
    *out = (uint64_t)x * scale;
  return 1;
}

/* The %%limits keys, in biscuit_limits' order. */
static const char *const limit_keys[] = {
    "max_facts",    "max_iterations",      "max_work",  "max_time_ms",
    "max_memory",   "max_body_predicates", "max_stack", "max_closure_depth",
    "max_elements", "max_string"};
enum { N_LIMIT_KEYS = sizeof limit_keys / sizeof limit_keys[0] };

static uint32_t clamp32(uint64_t v) {
  return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void put_limit(biscuit_limits *l, size_t key, uint64_t v) {
  switch (key) {
  case 0:
    l->max_facts = v;
    break;
  case 1:
    l->max_iterations = v;
    break;
  case 2:
    l->max_work = v;
    break;
  case 3:
    l->max_time_us = v;
    break;
  case 4:
    l->max_memory = v;
    break;
  case 5:
    l->max_body_predicates = clamp32(v);
    break;
  case 6:
    l->max_stack = clamp32(v);
    break;
  case 7:
    l->max_closure_depth = clamp32(v);
    break;
  case 8:
    l->max_elements = clamp32(v);
    break;
  default:
    l->max_string = v;
    break;
  }
}

/* One `key=value` word of %%limits (n bytes at kv). */
static int set_limit(reader *r, const char *kv, size_t n) {
  char word[128];
  snprintf(word, sizeof word, "%.*s", (int)n, kv);
  const char *eq = strchr(word, '=');
  if (!eq)
    return fail(r, "expected key=value in %%limits: ", word);
  size_t k = (size_t)(eq - word), i = 0;
  while (i < N_LIMIT_KEYS &&
         (strlen(limit_keys[i]) != k || strncmp(word, limit_keys[i], k) != 0))
    i++;
  if (i == N_LIMIT_KEYS)
    return fail(r, "unknown limit: ", word);
  uint64_t v = 0;
  if (!limit_value(r, word, eq + 1, strlen(eq + 1), i == 3 ? 1000 : 1, &v))
    return 0;
  put_limit(&r->c->limits, i, v);
  return 1;
}

static int set_limits(reader *r, const char *arg) {
  for (const char *p = arg; *p;) {
    p += strspn(p, " ");
    size_t n = strcspn(p, " ");
    if (n > 0 && !set_limit(r, p, n))
      return 0;
    p += n;
  }
  return 1;
}

/* ---------------------------------------------------- expected lines */

static int start_lines(reader *r, cli_lines *l, int *has, int sec) {
  if (*has)
    return fail(r, "section given twice in a case", NULL);
  *has = 1;
  r->sec = sec;
  r->lines = l;
  return 1;
}

/* `incomplete`: the input ended inside a statement; `parse`: it did not. */
static int expect_error(reader *r, const char *arg) {
  cli_test_case *c = r->c;
  if (!strcmp(arg, "incomplete"))
    c->error_status = BISCUIT_E_INCOMPLETE;
  else if (!strcmp(arg, "parse"))
    c->error_status = BISCUIT_E_PARSE;
  else if (arg[0])
    return fail(r, "unknown %%expect-error argument: ", arg);
  return start_lines(r, &c->expect_error, &c->has_expect_error, S_ERROR_LINES);
}

static int new_query(reader *r, const char *arg, int all) {
  cli_test_case *c = r->c;
  if (!arg[0])
    return fail(r, "%%query needs a rule", NULL);
  cli_test_query *queries = grown(c->queries, c->n_queries, sizeof *queries);
  if (!queries)
    return oom(r);
  c->queries = queries;
  cli_test_query *q = &queries[c->n_queries++];
  memset(q, 0, sizeof *q);
  q->all = all;
  q->rule = cli_strdup(arg);
  r->sec = S_LINES;
  r->lines = &q->want;
  return q->rule ? 1 : oom(r);
}

/* ---------------------------------------------------------------- lines */

/* The sections of a case, once it has started. */
static int case_section(reader *r, const char *word, const char *arg) {
  cli_test_case *c = r->c;
  if (!strcmp(word, "block"))
    return new_block(r, arg);
  if (!strcmp(word, "authorizer"))
    return new_authorizer(r, arg);
  if (!strcmp(word, "limits"))
    return set_limits(r, arg);
  if (!strcmp(word, "expect"))
    return start_lines(r, &c->expect, &c->has_expect, S_LINES);
  if (!strcmp(word, "expect-error"))
    return expect_error(r, arg);
  if (!strcmp(word, "world"))
    return start_lines(r, &c->world, &c->has_world, S_LINES);
  if (!strcmp(word, "print"))
    return start_lines(r, &c->print, &c->has_print, S_ERROR_LINES);
  if (!strcmp(word, "query") || !strcmp(word, "query-all"))
    return new_query(r, arg, word[5] == '-');
  return fail(r, "unknown section %%", word);
}

/* A "%%word args" line: close the open section, open the next. */
static int header(reader *r, char *line) {
  char *word = line + 2, *arg = word + strcspn(word, " ");
  if (*arg)
    *arg++ = '\0';
  arg += strspn(arg, " ");
  if (!finish_section(r))
    return 0;
  if (!strcmp(word, "name"))
    return new_case(r, arg);
  if (!r->c)
    return fail(r, "a case must start with %%name", NULL);
  return case_section(r, word, arg);
}

static int is_blank(const char *s) {
  return s[strspn(s, " \t")] == '\0';
}

/* One line of the open section (line[len] is its end, writable). */
static int content(reader *r, char *line, size_t len) {
  switch (r->sec) {
  case S_DATALOG:
    return text_add(&r->datalog, line, len) && text_add(&r->datalog, "\n", 1)
               ? 1
               : oom(r);
  case S_LINES:
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
      line[--len] = '\0';
    if (len == 0 || line[0] == '#')
      return 1;
    return cli_lines_push(r->lines, line, len) ? 1 : oom(r);
  case S_ERROR_LINES:
    if (r->lines->n == 0 && is_blank(line))
      return 1;
    return cli_lines_push(r->lines, line, len) ? 1 : oom(r);
  default:
    if (is_blank(line) || line[0] == '#')
      return 1;
    return fail(r, "text outside a section: ", line);
  }
}

static int read_lines(reader *r, char *src) {
  for (char *p = src; *p;) {
    size_t n = strcspn(p, "\n");
    char *next = p + n + (p[n] == '\n');
    if (n > 0 && p[n - 1] == '\r')
      n--;
    p[n] = '\0';
    r->lineno++;
    int ok = p[0] == '%' && p[1] == '%' ? header(r, p) : content(r, p, n);
    if (!ok)
      return 0;
    p = next;
  }
  return finish_section(r);
}

/* ------------------------------------------------------------------ file */

int cli_test_file_load(const char *path, cli_test_file *f) {
  memset(f, 0, sizeof *f);
  f->path = cli_strdup(path);
  if (!f->path)
    return cli_oom();
  const char *slash = strrchr(f->path, '/');
  f->base = slash ? slash + 1 : f->path;
  char *src = slurp(path);
  if (!src) {
    cli_error("cannot read '%s': %s", path, strerror(errno));
    return CLI_EXIT_ERROR;
  }
  reader r;
  memset(&r, 0, sizeof r);
  r.f = f;
  int ok = read_lines(&r, src);
  if (ok && f->n_cases == 0) {
    r.lineno += r.lineno == 0; /* an empty file: line 1 */
    ok = fail(&r, "no %%name in the file", NULL);
  }
  free(r.datalog.s);
  free(src);
  return ok ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

static void case_free(cli_test_case *c) {
  for (size_t i = 0; i < c->n_blocks; i++) {
    free(c->blocks[i].code);
    biscuit_keypair_free(c->blocks[i].external);
  }
  for (size_t i = 0; i < c->n_queries; i++) {
    free(c->queries[i].rule);
    cli_lines_free(&c->queries[i].want);
  }
  free(c->blocks);
  free(c->queries);
  free(c->name);
  free(c->authorizer);
  cli_lines_free(&c->expect);
  cli_lines_free(&c->expect_error);
  cli_lines_free(&c->world);
  cli_lines_free(&c->print);
}

void cli_test_file_free(cli_test_file *f) {
  for (size_t i = 0; i < f->n_cases; i++)
    case_free(&f->cases[i]);
  free(f->cases);
  free(f->path);
  memset(f, 0, sizeof *f);
}
