/*
** Reading the REPL's lines. On a terminal: libedit, with emacs keys, Tab
** bound to our completion (repl_complete.c gives the words, this file
** inserts or lists them, as shells do), Ctrl-C cancelling the line, and
** a history file loaded at start and appended to line by line (so two
** sessions do not overwrite each other's). Otherwise, plain lines from
** stdin, with prompts only when asked. History failures are reported
** once and never stop the REPL.
**
** The history file is libedit's own format (its first line is the
** "_HiStOrY_V2_" cookie, written by libedit when the file is empty).
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef BISCUIT_HAVE_LIBEDIT
#include <histedit.h>
#endif

#include "repl.h"

#define REPL_HISTORY_SIZE 1000

struct repl_line {
  int editing;
  int prompts;
  const repl_session *session;
  const char *prompt;
#ifdef BISCUIT_HAVE_LIBEDIT
  EditLine *el;
  History *hist;
  char *history_path;
  int history_broken;
  char *last; /* the last line added to the history */
  struct sigaction old_int;
#endif
};

/* ------------------------------------------------------------ plain */

/* One line of stdin without its line ending; NULL at the end. */
static char *read_plain(repl_line *l, const char *prompt) {
  char *line = NULL;
  size_t cap = 0;
  if (l->prompts) {
    fputs(prompt, stdout);
    fflush(stdout);
  }
  ssize_t n = getline(&line, &cap, stdin);
  if (n < 0) {
    free(line);
    if (l->prompts)
      fputc('\n', stdout);
    return NULL;
  }
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
  return line;
}

#ifdef BISCUIT_HAVE_LIBEDIT
/* ------------------------------------------------------------ history */

/* mkdir -p for the directory of the XDG history file. */
static void make_dirs(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    mkdir(path, 0700);
    *p = '/';
  }
  mkdir(path, 0700);
}

static char *concat(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 1;
  char *s = malloc(n);
  if (s)
    snprintf(s, n, "%s%s", a, b);
  return s;
}

/* --history, $BISCUIT_HISTORY, $XDG_STATE_HOME/biscuit/history, then
   ~/.biscuit_history; NULL when there is no home at all. */
static char *history_path(const char *given) {
  const char *v = getenv("BISCUIT_HISTORY");
  if (given)
    return cli_strdup(given);
  if (v && *v)
    return cli_strdup(v);
  v = getenv("XDG_STATE_HOME");
  if (v && *v) {
    char *dir = concat(v, "/biscuit");
    char *path = dir ? concat(dir, "/history") : NULL;
    if (dir)
      make_dirs(dir);
    free(dir);
    return path;
  }
  v = getenv("HOME");
  return v && *v ? concat(v, "/.biscuit_history") : NULL;
}

/* Loads the file; a file past the size is rewritten with its tail. */
static void load_history(repl_line *l, const char *given) {
  HistEvent ev;
  l->history_path = history_path(given);
  if (!l->history_path)
    return;
  int n = history(l->hist, &ev, H_LOAD, l->history_path);
  if (n > REPL_HISTORY_SIZE)
    history(l->hist, &ev, H_SAVE, l->history_path);
}

static int blank(const char *s) {
  return s[strspn(s, " \t")] == '\0';
}

/*
** One line appended to the file in libedit's format, by saving a scratch
** history that holds only it: H_NSAVE_FP on the session's history writes
** one entry too many (libedit 3.1-20221030).
*/
static int append_history(const char *path, const char *line) {
  HistEvent ev;
  History *one = history_init();
  FILE *f = one ? fopen(path, "a") : NULL;
  int ok = f && history(one, &ev, H_SETSIZE, 1) != -1 &&
           history(one, &ev, H_ENTER, line) != -1 &&
           history(one, &ev, H_SAVE_FP, f) != -1;
  if (f && fclose(f) != 0)
    ok = 0;
  if (one)
    history_end(one);
  return ok;
}

/* Into the history, and appended to its file at once. */
static void remember(repl_line *l, const char *line) {
  HistEvent ev;
  if (blank(line) || (l->last && !strcmp(l->last, line)))
    return;
  free(l->last);
  l->last = cli_strdup(line);
  history(l->hist, &ev, H_ENTER, line);
  if (!l->history_path || l->history_broken)
    return;
  if (!append_history(l->history_path, line)) {
    l->history_broken = 1;
    repl_error("history: cannot write '%s': %s (not saving history)",
               l->history_path, strerror(errno));
  }
}

/* ------------------------------------------------------------ completion */

static size_t common_prefix(const repl_strs *m) {
  size_t n = strlen(m->v[0]);
  for (size_t i = 1; i < m->n; i++) {
    size_t k = 0;
    while (k < n && m->v[i][k] == m->v[0][k])
      k++;
    n = k;
  }
  return n;
}

/* The candidates in columns under the line, as shells list them. */
static void list_matches(EditLine *el, const repl_strs *m) {
  int cols = 80;
  size_t width = 0;
  el_get(el, EL_GETTC, "co", &cols, (void *)0);
  for (size_t i = 0; i < m->n; i++)
    if (strlen(m->v[i]) > width)
      width = strlen(m->v[i]);
  width += 2;
  size_t per_row = cols > 0 && (size_t)cols > width ? (size_t)cols / width : 1;
  fputc('\n', stdout);
  for (size_t i = 0; i < m->n; i++) {
    int last = (i + 1) % per_row == 0 || i + 1 == m->n;
    printf("%-*s", last ? 0 : (int)width, m->v[i]);
    if (last)
      fputc('\n', stdout);
  }
  fflush(stdout);
}

static void insert(EditLine *el, const char *s, size_t n) {
  char buf[256];
  if (n == 0 || n >= sizeof buf)
    return;
  memcpy(buf, s, n);
  buf[n] = '\0';
  el_insertstr(el, buf);
}

/* One match: completed. Several: their common part, else the list. */
static unsigned char apply(EditLine *el, const repl_completion *c,
                           size_t typed) {
  const repl_strs *m = &c->matches;
  size_t common = common_prefix(m);
  if (m->n == 1) {
    insert(el, m->v[0] + typed, strlen(m->v[0]) - typed);
    insert(el, c->suffix, strlen(c->suffix));
    return CC_REFRESH;
  }
  if (common > typed) {
    insert(el, m->v[0] + typed, common - typed);
    return CC_REFRESH;
  }
  list_matches(el, m);
  return CC_REDISPLAY;
}

static unsigned char complete_fn(EditLine *el, int ch) {
  repl_line *l = NULL;
  repl_completion c;
  unsigned char rc = CC_REFRESH_BEEP;
  (void)ch;
  el_get(el, EL_CLIENTDATA, &l);
  const LineInfo *li = el_line(el);
  size_t len = (size_t)(li->lastchar - li->buffer);
  size_t cursor = (size_t)(li->cursor - li->buffer);
  char *text = malloc(len + 1);
  memset(&c, 0, sizeof c);
  if (text) {
    memcpy(text, li->buffer, len);
    text[len] = '\0';
    if (repl_complete(l->session, text, cursor, &c) == 0 && c.matches.n)
      rc = apply(el, &c, cursor - c.start);
  }
  repl_strs_clear(&c.matches);
  free(text);
  return rc;
}

/* ------------------------------------------------------------ editing */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig) {
  (void)sig;
  interrupted = 1;
}

static char *prompt_fn(EditLine *el) {
  repl_line *l = NULL;
  el_get(el, EL_CLIENTDATA, &l);
  return (char *)(l && l->prompt ? l->prompt : "> ");
}

/* Ctrl-C interrupts the read (no SA_RESTART): the line is dropped. */
static void catch_sigint(repl_line *l) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &l->old_int);
}

/* The terminal's character set, so that UTF-8 can be typed. */
static int open_editline(repl_line *l, const char *history_file) {
  HistEvent ev;
  setlocale(LC_CTYPE, "");
  l->el = el_init("biscuit", stdin, stdout, stderr);
  l->hist = history_init();
  if (!l->el || !l->hist) {
    repl_error("cannot start line editing");
    return -1;
  }
  history(l->hist, &ev, H_SETSIZE, REPL_HISTORY_SIZE);
  el_set(l->el, EL_CLIENTDATA, l);
  el_set(l->el, EL_EDITOR, "emacs");
  el_set(l->el, EL_SIGNAL, 1);
  el_set(l->el, EL_PROMPT, prompt_fn);
  el_set(l->el, EL_HIST, history, l->hist);
  /* the wide form: el_set's copies of the names are never freed */
  el_wset(l->el, EL_ADDFN, L"biscuit-complete",
          L"complete commands, predicates and variables", complete_fn);
  el_set(l->el, EL_BIND, "^I", "biscuit-complete", NULL);
  el_source(l->el, NULL); /* ~/.editrc may rebind keys */
  load_history(l, history_file);
  catch_sigint(l);
  return 0;
}

static void close_editline(repl_line *l) {
  if (l->el) {
    sigaction(SIGINT, &l->old_int, NULL);
    el_end(l->el);
  }
  if (l->hist)
    history_end(l->hist);
  free(l->history_path);
  free(l->last);
}

static char *read_edited(repl_line *l, const char *prompt, int *intr) {
  int n = 0;
  l->prompt = prompt;
  interrupted = 0;
  const char *p = el_gets(l->el, &n);
  if (!p || n <= 0) {
    *intr = interrupted || (n < 0 && errno == EINTR);
    fputc('\n', stdout);
    fflush(stdout);
    return NULL;
  }
  while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
    n--;
  char *line = malloc((size_t)n + 1);
  if (!line)
    return NULL;
  memcpy(line, p, (size_t)n);
  line[n] = '\0';
  remember(l, line);
  return line;
}
#endif /* BISCUIT_HAVE_LIBEDIT */

/* ------------------------------------------------------------ API */

int repl_line_open(const repl_line_options *o, repl_line **out) {
  repl_line *l = calloc(1, sizeof *l);
  *out = NULL;
  if (!l) {
    repl_error("out of memory");
    return -1;
  }
  l->prompts = o->prompts || o->editing;
  l->session = o->session;
#ifdef BISCUIT_HAVE_LIBEDIT
  l->editing = o->editing;
  if (l->editing && open_editline(l, o->history) != 0) {
    repl_line_close(l);
    return -1;
  }
#else
  (void)o->history;
#endif
  *out = l;
  return 0;
}

void repl_line_close(repl_line *l) {
  if (!l)
    return;
#ifdef BISCUIT_HAVE_LIBEDIT
  close_editline(l);
#endif
  free(l);
}

char *repl_line_read(repl_line *l, const char *prompt, int *interrupted_out) {
  *interrupted_out = 0;
#ifdef BISCUIT_HAVE_LIBEDIT
  if (l->editing)
    return read_edited(l, prompt, interrupted_out);
#endif
  return read_plain(l, prompt);
}
