/*
** Reading .test files. A file holds cases; a case is a run of sections,
** each opened by a line starting with "%%":
**
**   %%name <text>                 starts a case
**   %%block [external=<key>]      a token block (first = authority)
**   %%authorizer [file=<path>]    the authorizer (file relative to the
**                                 test file, then the section's lines)
**   %%limits k=v ...              max_facts max_iterations max_work
**                                 max_time_ms
**   %%expect                      verdict, then failed checks
**   %%expect-error [incomplete|parse]  an exact rendered parse error;
**                                 the word also checks the status
**   %%world                       "origin: fact" lines, sorted
**   %%print                       the authorizer as printed back
**   %%query <rule>                facts the rule produces, sorted
**   %%query-all <rule>            same, trusting every block by default
**
** Datalog sections keep their lines verbatim. In the other sections,
** blank lines and lines starting with '#' are skipped and trailing
** blanks are trimmed (%%expect-error and %%print keep every line but
** leading and trailing blank ones). Before the first %%name only blank
** and '#' lines may appear.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

enum { S_NONE, S_DATALOG, S_LINES, S_ERROR_LINES, S_NOTHING };

typedef struct loader {
  rt_file *f;
  rt_case *c;
  int sec;
  bx_buf text;       /* S_DATALOG: the section being read */
  char **dst;        /* where the text goes */
  size_t *dst_len;
  rt_lines *lines;   /* S_LINES, S_ERROR_LINES */
  unsigned lineno;
} loader;

static bool fail(loader *ld, const char *msg, const char *arg) {
  printf("%s:%u: %s%s\n", ld->f->path, ld->lineno, msg,
          arg ? arg : "");
  return false;
}

/* Close the section being read: Datalog text goes to its owner. */
static bool finish_section(loader *ld) {
  if (ld->sec == S_DATALOG) {
    char *s = bx_strndup(ld->text.data ? ld->text.data : "", ld->text.len);
    if (!s || ld->text.failed)
      return fail(ld, "out of memory", NULL);
    bx_free(*ld->dst);
    *ld->dst = s;
    *ld->dst_len = ld->text.len;
  }
  if (ld->sec == S_ERROR_LINES) /* drop trailing blank lines */
    while (ld->lines->n > 0 && ld->lines->v[ld->lines->n - 1][0] == '\0')
      bx_free(ld->lines->v[--ld->lines->n]);
  bx_buf_reset(&ld->text);
  ld->sec = S_NONE;
  return true;
}

static bool new_case(loader *ld, const char *arg) {
  rt_file *f = ld->f;
  size_t cap = f->n_cases;
  if (!bx_grow((void **)&f->cases, &cap, f->n_cases + 1, sizeof *f->cases))
    return fail(ld, "out of memory", NULL);
  rt_case *c = &f->cases[f->n_cases++];
  memset(c, 0, sizeof *c);
  c->name = bx_strndup(arg, strlen(arg));
  c->line = ld->lineno;
  rt_limits(&c->limits);
  ld->c = c;
  return c->name ? true : fail(ld, "out of memory", NULL);
}

static bool start_datalog(loader *ld, char **dst, size_t *len) {
  ld->sec = S_DATALOG;
  ld->dst = dst;
  ld->dst_len = len;
  return true;
}

static bool new_block(loader *ld, const char *arg) {
  rt_case *c = ld->c;
  size_t cap = c->n_blocks;
  if (!bx_grow((void **)&c->blocks, &cap, c->n_blocks + 1, sizeof *c->blocks))
    return fail(ld, "out of memory", NULL);
  rt_block *b = &c->blocks[c->n_blocks++];
  memset(b, 0, sizeof *b);
  if (strncmp(arg, "external=", 9) == 0) {
    b->external = bx_strndup(arg + 9, strlen(arg + 9));
    if (!b->external)
      return fail(ld, "out of memory", NULL);
  } else if (arg[0]) {
    return fail(ld, "unknown %%block argument: ", arg);
  }
  return start_datalog(ld, &b->src, &b->len);
}

/* `file=<path>` loads the authorizer from a file beside the test file. */
static bool new_authorizer(loader *ld, const char *arg) {
  if (ld->c->authorizer)
    return fail(ld, "second %%authorizer in a case", NULL);
  start_datalog(ld, &ld->c->authorizer, &ld->c->auth_len);
  if (!arg[0])
    return true;
  if (strncmp(arg, "file=", 5) != 0)
    return fail(ld, "unknown %%authorizer argument: ", arg);
  const char *slash = strrchr(ld->f->path, '/');
  bx_buf p;
  bx_buf_init(&p, 0);
  if (slash && arg[5] != '/')
    bx_buf_add(&p, ld->f->path, (size_t)(slash - ld->f->path) + 1);
  bx_buf_puts(&p, arg + 5);
  size_t len;
  char *src = p.failed ? NULL : rt_read_file(p.data, &len);
  bx_buf_free(&p);
  if (!src)
    return fail(ld, "cannot read ", arg + 5);
  bx_buf_add(&ld->text, src, len);
  if (len > 0 && src[len - 1] != '\n')
    bx_buf_putc(&ld->text, '\n');
  bx_free(src);
  return true;
}

static bool set_limit(loader *ld, const char *kv) {
  const char *eq = strchr(kv, '=');
  if (!eq)
    return fail(ld, "expected key=value in %%limits: ", kv);
  char *end;
  errno = 0;
  unsigned long long v = strtoull(eq + 1, &end, 10);
  if (errno || end == eq + 1 || (*end && *end != ' '))
    return fail(ld, "bad number in %%limits: ", kv);
  size_t k = (size_t)(eq - kv);
  bdl_limits *l = &ld->c->limits;
  if (k == 9 && !strncmp(kv, "max_facts", k))
    l->max_facts = v;
  else if (k == 14 && !strncmp(kv, "max_iterations", k))
    l->max_iterations = v;
  else if (k == 8 && !strncmp(kv, "max_work", k))
    l->max_work = v;
  else if (k == 11 && !strncmp(kv, "max_time_ms", k))
    l->max_time_ns = v * 1000000ULL;
  else
    return fail(ld, "unknown limit: ", kv);
  return true;
}

static bool set_limits(loader *ld, const char *arg) {
  ld->sec = S_NOTHING;
  for (const char *p = arg; *p;) {
    while (*p == ' ')
      p++;
    if (!*p)
      break;
    if (!set_limit(ld, p))
      return false;
    while (*p && *p != ' ')
      p++;
  }
  return true;
}

static bool start_lines(loader *ld, rt_lines *l, bool *has, int sec) {
  if (*has)
    return fail(ld, "section given twice in a case", NULL);
  *has = true;
  ld->sec = sec;
  ld->lines = l;
  return true;
}

/* `incomplete`: the input ended inside a statement; `parse`: it did not. */
static bool expect_error(loader *ld, const char *arg) {
  rt_case *c = ld->c;
  if (!strcmp(arg, "incomplete"))
    c->error_status = BISCUIT_E_INCOMPLETE;
  else if (!strcmp(arg, "parse"))
    c->error_status = BISCUIT_E_PARSE;
  else if (arg[0])
    return fail(ld, "unknown %%expect-error argument: ", arg);
  return start_lines(ld, &c->expect_error, &c->has_expect_error,
                     S_ERROR_LINES);
}

static bool new_query(loader *ld, const char *arg, bool all) {
  rt_case *c = ld->c;
  size_t cap = c->n_queries;
  if (!arg[0])
    return fail(ld, "%%query needs a rule", NULL);
  if (!bx_grow((void **)&c->queries, &cap, c->n_queries + 1,
               sizeof *c->queries))
    return fail(ld, "out of memory", NULL);
  rt_query *q = &c->queries[c->n_queries++];
  memset(q, 0, sizeof *q);
  q->all = all;
  q->rule = bx_strndup(arg, strlen(arg));
  ld->sec = S_LINES;
  ld->lines = &q->want;
  return q->rule ? true : fail(ld, "out of memory", NULL);
}

/* A "%%word args" line: close the open section, open the next. */
static bool header(loader *ld, char *line) {
  char *word = line + 2, *arg = word + strcspn(word, " ");
  if (*arg)
    *arg++ = '\0';
  while (*arg == ' ')
    arg++;
  if (!finish_section(ld))
    return false;
  if (!strcmp(word, "name"))
    return new_case(ld, arg);
  if (!ld->c)
    return fail(ld, "a case must start with %%name", NULL);
  rt_case *c = ld->c;
  if (!strcmp(word, "block"))
    return new_block(ld, arg);
  if (!strcmp(word, "authorizer"))
    return new_authorizer(ld, arg);
  if (!strcmp(word, "limits"))
    return set_limits(ld, arg);
  if (!strcmp(word, "expect"))
    return start_lines(ld, &c->expect, &c->has_expect, S_LINES);
  if (!strcmp(word, "expect-error"))
    return expect_error(ld, arg);
  if (!strcmp(word, "world"))
    return start_lines(ld, &c->world, &c->has_world, S_LINES);
  if (!strcmp(word, "print"))
    return start_lines(ld, &c->print, &c->has_print, S_ERROR_LINES);
  if (!strcmp(word, "query") || !strcmp(word, "query-all"))
    return new_query(ld, arg, word[5] == '-');
  return fail(ld, "unknown section %%", word);
}

static bool is_blank(const char *s) {
  return s[strspn(s, " \t")] == '\0';
}

/* One content line of the open section. */
static bool content(loader *ld, char *line, size_t len) {
  switch (ld->sec) {
  case S_DATALOG:
    bx_buf_add(&ld->text, line, len);
    return bx_buf_putc(&ld->text, '\n');
  case S_LINES:
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
      line[--len] = '\0';
    if (len == 0 || line[0] == '#')
      return true;
    return rt_lines_push(ld->lines, line, len);
  case S_ERROR_LINES:
    if (ld->lines->n == 0 && is_blank(line))
      return true;
    return rt_lines_push(ld->lines, line, len);
  default:
    if (is_blank(line) || line[0] == '#')
      return true;
    return fail(ld, "text outside a section: ", line);
  }
}

static bool load_lines(loader *ld, char *src, size_t len) {
  char *p = src, *end = src + len;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *stop = nl ? nl : end;
    size_t n = (size_t)(stop - p);
    if (n > 0 && p[n - 1] == '\r')
      n--;
    p[n] = '\0';
    ld->lineno++;
    bool ok = (p[0] == '%' && p[1] == '%') ? header(ld, p)
                                            : content(ld, p, n);
    if (!ok)
      return false;
    p = stop + 1;
  }
  return finish_section(ld);
}

bool rt_file_load(rt_file *f, const char *path) {
  memset(f, 0, sizeof *f);
  f->path = bx_strndup(path, strlen(path));
  if (!f->path)
    return false;
  const char *slash = strrchr(f->path, '/');
  f->base = slash ? slash + 1 : f->path;
  size_t len;
  char *src = rt_read_file(path, &len);
  if (!src) {
    printf("%s: cannot read: %s\n", path, strerror(errno));
    return false;
  }
  loader ld;
  memset(&ld, 0, sizeof ld);
  ld.f = f;
  bx_buf_init(&ld.text, 0);
  bool ok = load_lines(&ld, src, len);
  if (ok && f->n_cases == 0)
    ok = fail(&ld, "no %%name in the file", NULL);
  bx_buf_free(&ld.text);
  bx_free(src);
  return ok;
}

static void case_free(rt_case *c) {
  for (size_t i = 0; i < c->n_blocks; i++) {
    bx_free(c->blocks[i].src);
    bx_free(c->blocks[i].external);
  }
  for (size_t i = 0; i < c->n_queries; i++) {
    bx_free(c->queries[i].rule);
    rt_lines_free(&c->queries[i].want);
  }
  bx_free(c->blocks);
  bx_free(c->queries);
  bx_free(c->name);
  bx_free(c->authorizer);
  rt_lines_free(&c->expect);
  rt_lines_free(&c->expect_error);
  rt_lines_free(&c->world);
  rt_lines_free(&c->print);
}

void rt_file_free(rt_file *f) {
  for (size_t i = 0; i < f->n_cases; i++)
    case_free(&f->cases[i]);
  bx_free(f->cases);
  bx_free(f->path);
  memset(f, 0, sizeof *f);
}
