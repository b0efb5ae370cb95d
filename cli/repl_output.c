/*
** The REPL's commands that look at an evaluation: .world (the facts,
** grouped by the blocks they come from), .query and .query-all, .explain
** and .show. Each builds and authorizes the session afresh first, so
** what it prints is the world the verdict was decided over.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repl.h"

#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RESET "\033[0m"

/* Each line of `text` indented by two spaces; "(empty)" for none. */
static void print_indented(const char *text, const char *empty) {
  if (!text || !*text) {
    printf("  %s%s%s\n", cli_sgr(1, DIM), empty, cli_sgr(1, RESET));
    return;
  }
  while (*text) {
    size_t n = strcspn(text, "\n");
    if (n)
      printf("  %.*s\n", (int)n, text);
    text += n + (text[n] == '\n');
  }
}

/* ------------------------------------------------------------ .world */

/* The facts of one origin ("0", "1,authorizer", ...). */
typedef struct group {
  char *origin;
  repl_strs facts;
} group;

/* Origins sort by how many blocks they name, then block by block, the
   authorizer after every block: authority, block 1, ..., authorizer,
   then the facts that several origins produce. */
static int origin_count(const char *o) {
  int n = 1;
  for (; *o; o++)
    n += *o == ',';
  return n;
}

static unsigned long origin_rank(const char *o) {
  return *o >= '0' && *o <= '9' ? strtoul(o, NULL, 10) : (unsigned long)-1;
}

static int group_cmp(const void *pa, const void *pb) {
  const char *a = ((const group *)pa)->origin;
  const char *b = ((const group *)pb)->origin;
  int ca = origin_count(a), cb = origin_count(b);
  if (ca != cb)
    return ca < cb ? -1 : 1;
  while (*a && *b) {
    unsigned long ra = origin_rank(a), rb = origin_rank(b);
    if (ra != rb)
      return ra < rb ? -1 : 1;
    a += strcspn(a, ",");
    b += strcspn(b, ",");
    a += *a == ',';
    b += *b == ',';
  }
  return 0;
}

/* "authority (block 0)", "block 2", "authorizer", "block 0 + authorizer" */
static void print_origin(const char *o) {
  printf("%s", cli_sgr(1, BOLD));
  if (!strcmp(o, "0"))
    printf("authority (block 0)");
  for (int first = 1; strcmp(o, "0") && *o; first = 0) {
    size_t n = strcspn(o, ",");
    printf("%s%s%.*s", first ? "" : " + ",
           *o >= '0' && *o <= '9' ? "block " : "", (int)n, o);
    o += n + (o[n] == ',');
  }
  printf(":%s\n", cli_sgr(1, RESET));
}

/* The group of `origin` (len bytes), added when new; NULL on OOM. */
static group *group_of(group **gs, size_t *n, const char *origin, size_t len) {
  for (size_t i = 0; i < *n; i++)
    if (strlen((*gs)[i].origin) == len &&
        !strncmp((*gs)[i].origin, origin, len))
      return &(*gs)[i];
  group *v = realloc(*gs, (*n + 1) * sizeof *v);
  if (!v)
    return NULL;
  *gs = v;
  memset(&v[*n], 0, sizeof *v);
  v[*n].origin = malloc(len + 1);
  if (!v[*n].origin)
    return NULL;
  memcpy(v[*n].origin, origin, len);
  v[*n].origin[len] = '\0';
  return &v[(*n)++];
}

/* The length of the origin that starts a line ("0", "1,authorizer"),
   0 when the line does not start with one and ": ". */
static size_t origin_len(const char *line, size_t len) {
  size_t i = 0;
  for (;;) {
    size_t start = i;
    while (i < len && line[i] >= '0' && line[i] <= '9')
      i++;
    if (i == start && len - i >= 10 && !strncmp(line + i, "authorizer", 10))
      i += 10;
    if (i == start)
      return 0;
    if (i + 1 < len && line[i] == ':' && line[i + 1] == ' ')
      return i;
    if (i >= len || line[i] != ',')
      return 0;
    i++;
  }
}

/* A line that starts no fact continues the last one: a string in the
   fact held a newline. */
static int continue_fact(group *g, const char *line, size_t len) {
  repl_strs *f = g ? &g->facts : NULL;
  if (!f || !f->n)
    return 0;
  char *last = f->v[f->n - 1];
  size_t k = strlen(last);
  char *grown = realloc(last, k + len + 2);
  if (!grown)
    return -1;
  grown[k] = '\n';
  memcpy(grown + k + 1, line, len);
  grown[k + 1 + len] = '\0';
  f->v[f->n - 1] = grown;
  return 0;
}

/* Lines "<origin>: <fact>" into groups; -1 on OOM. */
static int group_lines(const char *text, group **gs, size_t *n) {
  group *g = NULL;
  while (*text) {
    size_t len = strcspn(text, "\n");
    size_t o = origin_len(text, len);
    if (!o && continue_fact(g, text, len) != 0)
      return -1;
    if (o) {
      g = group_of(gs, n, text, o);
      if (!g || repl_strs_pushn(&g->facts, text + o + 2, len - o - 2) != 0)
        return -1;
    }
    text += len + (text[len] == '\n');
  }
  return 0;
}

static void print_world(const char *text) {
  group *gs = NULL;
  size_t n = 0;
  if (group_lines(text, &gs, &n) != 0)
    repl_error("out of memory");
  else if (n == 0)
    printf("%s(no facts)%s\n", cli_sgr(1, DIM), cli_sgr(1, RESET));
  if (n > 1)
    qsort(gs, n, sizeof *gs, group_cmp);
  for (size_t i = 0; i < n; i++) {
    print_origin(gs[i].origin);
    for (size_t j = 0; j < gs[i].facts.n; j++)
      printf("  %s\n", gs[i].facts.v[j]);
    free(gs[i].origin);
    repl_strs_clear(&gs[i].facts);
  }
  free(gs);
}

void repl_cmd_world(repl_session *s, char *args) {
  repl_run r;
  char *text = NULL;
  biscuit_error *e = NULL;
  (void)args;
  if (repl_authorize(s, &r) != 0)
    return;
  if (biscuit_authorizer_world_text(r.authorizer, &text, &e) == BISCUIT_OK)
    print_world(text);
  else
    repl_lib_error("cannot list the world", NULL, e);
  biscuit_free(text);
  biscuit_error_free(e);
  repl_run_free(&r);
}

/* ------------------------------------------------------------ .query */

static void query(repl_session *s, const char *rule, int all) {
  repl_run r;
  char *facts = NULL;
  biscuit_error *e = NULL;
  if (!*rule) {
    repl_error("usage: .query%s RULE, e.g. .query data($x) <- right($x, "
               "\"read\")",
               all ? "-all" : "");
    return;
  }
  if (repl_authorize(s, &r) != 0)
    return;
  if (biscuit_authorizer_query(r.authorizer, rule, NULL, all, &facts, &e) ==
      BISCUIT_OK)
    print_indented(facts, "(no facts)");
  else
    repl_lib_error("the query failed", "<query>", e);
  biscuit_free(facts);
  biscuit_error_free(e);
  repl_run_free(&r);
}

void repl_cmd_query(repl_session *s, char *args) {
  query(s, args, 0);
}

void repl_cmd_query_all(repl_session *s, char *args) {
  query(s, args, 1);
}

/* ------------------------------------------------------------ .explain */

/* The library's account of the verdict (which it states first). */
void repl_cmd_explain(repl_session *s, char *args) {
  repl_run r;
  char *text = NULL;
  biscuit_error *e = NULL;
  (void)args;
  if (repl_authorize(s, &r) != 0)
    return;
  if (biscuit_authorizer_explain(r.authorizer, &text, &e) == BISCUIT_OK)
    printf("%s%s", text, *text && text[strlen(text) - 1] != '\n' ? "\n" : "");
  else
    repl_lib_error("cannot explain", NULL, e);
  biscuit_free(text);
  biscuit_error_free(e);
  repl_run_free(&r);
}

/* ------------------------------------------------------------ .show */

static void show_block(const repl_session *s, const biscuit_token *t,
                       size_t i) {
  char *src = biscuit_token_block_source(t, i);
  const char *from = i < repl_block_base(s) ? s->loaded_from : NULL;
  printf("%s", cli_sgr(1, BOLD));
  printf("block %zu%s", i, i == 0 ? " (authority)" : "");
  if (from)
    printf(", from %s", from);
  printf(":%s\n", cli_sgr(1, RESET));
  print_indented(src, "(empty)");
  biscuit_free(src);
}

void repl_cmd_show(repl_session *s, char *args) {
  repl_run r;
  (void)args;
  if (repl_build(s, &r) != 0)
    return;
  for (size_t i = 0; r.token && i < biscuit_token_block_count(r.token); i++)
    show_block(s, r.token, i);
  char *src = biscuit_policy_source(r.policy);
  printf("%sauthorizer:%s\n", cli_sgr(1, BOLD), cli_sgr(1, RESET));
  print_indented(src, "(empty)");
  biscuit_free(src);
  repl_run_free(&r);
}
