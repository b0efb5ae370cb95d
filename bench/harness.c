/*
** harness.c: timing and statistics, the peer (manifest out, figures in),
** callgrind counts, the table, the JSON file and the comparison of two
** JSON files. See bench.h for the layout of the benchmark.
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "bench/bench.h"

bench_row bench_rows[BENCH_MAX_ROWS];
size_t bench_n_rows;
bench_opts bench_o = {7, 1000, 60.0, 300.0, 300.0, 0, 0, NULL};
char bench_peer_state[200] = "not run";
char bench_peer_version[80];
bench_cg bench_cgs[BENCH_MAX_CG];
size_t bench_n_cgs;

/* ================================================================ rows */

bench_row *bench_add(const char *id, int group, const char *what,
                     bench_op op, void *ctx) {
  bench_row *r;
  if (bench_n_rows == BENCH_MAX_ROWS) {
    fprintf(stderr, "bench: too many rows\n");
    exit(1);
  }
  r = &bench_rows[bench_n_rows++];
  memset(r, 0, sizeof *r);
  snprintf(r->id, sizeof r->id, "%s", id);
  snprintf(r->what, sizeof r->what, "%s", what);
  r->group = group;
  r->op = op;
  r->ctx = ctx;
  r->peer_token = -1;
  return r;
}

bench_row *bench_find(const char *id) {
  for (size_t i = 0; i < bench_n_rows; i++)
    if (strcmp(bench_rows[i].id, id) == 0)
      return &bench_rows[i];
  return NULL;
}

int bench_selected(const bench_row *r) {
  const bench_row *o;
  if (!bench_o.only)
    return 1;
  if (strcmp(r->id, bench_o.only) == 0)
    return 1;
  o = bench_find(bench_o.only);
  return o && strcmp(o->floor_id, r->id) == 0;
}

void bench_printf(bench_buf *b, const char *fmt, ...) {
  va_list ap;
  int n;
  for (;;) {
    size_t room = b->cap - b->len;
    va_start(ap, fmt);
    n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0)
      exit(1);
    if ((size_t)n < room) {
      b->len += (size_t)n;
      return;
    }
    b->cap = b->cap ? b->cap * 2 : 4096;
    while (b->cap - b->len <= (size_t)n)
      b->cap *= 2;
    b->p = realloc(b->p, b->cap);
    if (!b->p)
      exit(1);
  }
}

void bench_die(const char *what, biscuit_status st, biscuit_error *err) {
  fprintf(stderr, "bench_request: %s: %s%s%s\n", what,
          biscuit_status_str(st), err ? ": " : "",
          err ? biscuit_error_message(err) : "");
  biscuit_error_free(err);
  exit(1);
}

biscuit_limits bench_raised_limits(uint64_t max_facts) {
  biscuit_limits l = biscuit_limits_default();
  l.max_facts = max_facts;
  l.max_iterations = 100000;
  l.max_time_us = 60ull * 1000 * 1000;
  l.max_work = 1000ull * 1000 * 1000 * 1000 * 1000;
  return l;
}

/* ============================================================== timing */

double bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

void bench_sample(bench_row *r, double ns, int bad) {
  if (r->n == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 256;
    r->ns = realloc(r->ns, r->cap * sizeof *r->ns);
    if (!r->ns)
      exit(1);
  }
  r->ns[r->n++] = ns;
  r->failed += bad != 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static double pct(const double *v, size_t n, double p) {
  size_t k = (size_t)(p / 100.0 * (double)n + 0.5);
  return v[k == 0 ? 0 : (k > n ? n - 1 : k - 1)];
}

void bench_finish(bench_row *r) {
  if (r->n == 0)
    return;
  qsort(r->ns, r->n, sizeof *r->ns, cmp_double);
  r->p50 = pct(r->ns, r->n, 50);
  r->p99 = pct(r->ns, r->n, 99);
  r->min = r->ns[0];
  r->max = r->ns[r->n - 1];
  r->measured = 1;
}

static int timed_here(const bench_row *r) {
  return r->op && !r->skip[0] && bench_selected(r);
}

/* Warm up (untimed) and return the cheapest of a few calls. */
static double warm_up(bench_row *r, int calls) {
  double best = 0, ns;
  for (int i = 0; i < calls; i++) {
    double t0 = bench_now_ns();
    (void)r->op(r->ctx, &ns);
    ns = bench_now_ns() - t0;
    if (i == 0 || ns < best)
      best = ns;
  }
  return best;
}

#define CHUNK 10

void bench_measure_micro(void) {
  size_t left[BENCH_MAX_ROWS];
  for (size_t i = 0; i < bench_n_rows; i++) {
    bench_row *r = &bench_rows[i];
    double cost;
    size_t it;
    if (!timed_here(r) || r->big)
      continue;
    if (r->prepare && r->prepare(r->ctx, r->skip, sizeof r->skip) != 0)
      continue;
    cost = warm_up(r, 5);
    it = (size_t)(bench_o.budget_ms * 1e6 / (cost > 1 ? cost : 1));
    if (it < 20)
      it = 20;
    if (it > bench_o.max_iters)
      it = bench_o.max_iters;
    r->iters = it;
  }
  for (size_t run = 0; run < bench_o.runs; run++) {
    int busy = 1;
    for (size_t i = 0; i < bench_n_rows; i++)
      left[i] = bench_rows[i].iters;
    while (busy) {
      busy = 0;
      for (size_t i = 0; i < bench_n_rows; i++) {
        bench_row *r = &bench_rows[i];
        if (!timed_here(r) || r->big || left[i] == 0)
          continue;
        for (size_t k = 0; k < CHUNK && left[i]; k++, left[i]--) {
          double ns = 0;
          int bad = r->op(r->ctx, &ns);
          bench_sample(r, ns, bad);
        }
        busy |= left[i] != 0;
      }
    }
  }
  for (size_t i = 0; i < bench_n_rows; i++) {
    bench_row *r = &bench_rows[i];
    if (!timed_here(r) || r->big)
      continue;
    bench_finish(r);
    if (r->release)
      r->release(r->ctx);
  }
}

void bench_measure_big(void) {
  for (size_t i = 0; i < bench_n_rows; i++) {
    bench_row *r = &bench_rows[i];
    double cost;
    size_t it;
    if (!timed_here(r) || !r->big)
      continue;
    fprintf(stderr, "  %s...", r->id);
    fflush(stderr);
    if (r->prepare && r->prepare(r->ctx, r->skip, sizeof r->skip) != 0) {
      fprintf(stderr, " %s\n", r->skip);
      continue;
    }
    cost = warm_up(r, 1);
    it = r->iters_hint;
    if (!it) {
      it = (size_t)(bench_o.big_budget_ms * 1e6 / (cost > 1 ? cost : 1));
      it = it < 1 ? 1 : (it > 50 ? 50 : it);
    }
    r->iters = it;
    for (size_t run = 0; run < bench_o.runs; run++)
      for (size_t k = 0; k < it; k++) {
        double ns = 0;
        int bad = r->op(r->ctx, &ns);
        bench_sample(r, ns, bad);
      }
    bench_finish(r);
    if (r->release)
      r->release(r->ctx);
    fprintf(stderr, " %.3f ms\n", r->p50 / 1e6);
  }
}

/*
** The loop callgrind counts (--toggle-collect=bench_counted): only the
** row's own calls, after its warm-up, so setup is not in the count.
*/
__attribute__((noinline)) void bench_counted(bench_row *r, size_t n) {
  for (size_t i = 0; i < n; i++) {
    double ns;
    r->failed += r->op(r->ctx, &ns) != 0;
  }
}

/* ============================================================ the peer */

typedef struct exported {
  uint8_t *bytes;
  size_t len;
  char *root;
} exported;
static exported tokens[16];
static size_t n_tokens;

int bench_export_token(const uint8_t *bytes, size_t len,
                       const biscuit_public_key *root) {
  exported *t;
  if (n_tokens == sizeof tokens / sizeof tokens[0])
    return -1;
  t = &tokens[n_tokens];
  t->bytes = malloc(len);
  t->root = biscuit_public_key_text(root);
  if (!t->bytes || !t->root)
    exit(1);
  memcpy(t->bytes, bytes, len);
  t->len = len;
  return (int)n_tokens++;
}

static void free_tokens(void) {
  for (size_t i = 0; i < n_tokens; i++) {
    free(tokens[i].bytes);
    biscuit_free(tokens[i].root);
  }
  n_tokens = 0;
}

static int write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  int ok;
  if (!f)
    return -1;
  ok = fwrite(p, 1, n, f) == n;
  return fclose(f) == 0 && ok ? 0 : -1;
}

/*
** dir/manifest.json: {"runs", "budget_ms", "tokens": [{"file", "root"}],
** "rows": [{"id", "kind", "token", "policy", "request", "max_facts"}]}
** plus dir/token<i>.bin. The peer does each row's work with exactly these
** tokens and this Datalog.
*/
int bench_write_manifest(const char *dir) {
  json_t *m = json_object(), *tk = json_array(), *rows = json_array();
  char path[4096];
  int rc;
  for (size_t i = 0; i < n_tokens; i++) {
    char name[32];
    snprintf(name, sizeof name, "token%zu.bin", i);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (write_file(path, tokens[i].bytes, tokens[i].len) != 0)
      return -1;
    json_array_append_new(tk, json_pack("{s:s, s:s, s:I}", "file", name,
                                        "root", tokens[i].root, "bytes",
                                        (json_int_t)tokens[i].len));
  }
  for (size_t i = 0; i < bench_n_rows; i++) {
    const bench_row *r = &bench_rows[i];
    json_t *o;
    if (!r->peer_kind || r->skip[0] || !bench_selected(r))
      continue;
    o = json_pack("{s:s, s:s, s:s, s:s}", "id", r->id, "kind", r->peer_kind,
                  "policy", r->peer_policy ? r->peer_policy : "",
                  "request", r->peer_request ? r->peer_request : "");
    if (r->peer_token >= 0)
      json_object_set_new(o, "token", json_integer(r->peer_token));
    if (r->peer_max_facts)
      json_object_set_new(o, "max_facts",
                          json_integer((json_int_t)r->peer_max_facts));
    json_array_append_new(rows, o);
  }
  json_object_set_new(m, "runs", json_integer((json_int_t)bench_o.runs));
  json_object_set_new(m, "budget_ms", json_real(bench_o.budget_ms * 2));
  json_object_set_new(m, "tokens", tk);
  json_object_set_new(m, "rows", rows);
  snprintf(path, sizeof path, "%s/manifest.json", dir);
  rc = json_dump_file(m, path, JSON_INDENT(1));
  json_decref(m);
  return rc;
}

static double num(const json_t *o, const char *k) {
  const json_t *v = json_object_get(o, k);
  return v ? json_number_value(v) : 0;
}

static void read_peer(const char *path) {
  json_error_t je;
  json_t *m = json_load_file(path, 0, &je), *rows;
  const char *id;
  json_t *v;
  if (!m) {
    snprintf(bench_peer_state, sizeof bench_peer_state,
             "not available (no readable %.100s: %.60s)", path, je.text);
    return;
  }
  snprintf(bench_peer_version, sizeof bench_peer_version,
           "@biscuit-auth/biscuit-wasm %s on node %s",
           json_string_value(json_object_get(m, "version"))
               ? json_string_value(json_object_get(m, "version"))
               : "?",
           json_string_value(json_object_get(m, "node"))
               ? json_string_value(json_object_get(m, "node"))
               : "?");
  rows = json_object_get(m, "rows");
  json_object_foreach(rows, id, v) {
    bench_row *r = bench_find(id);
    const char *e = json_string_value(json_object_get(v, "error"));
    if (!r)
      continue;
    if (e) {
      snprintf(r->peer_err, sizeof r->peer_err, "%s", e);
      continue;
    }
    r->peer_ok = 1;
    r->peer_p50 = num(v, "p50_us") * 1e3;
    r->peer_p99 = num(v, "p99_us") * 1e3;
    r->peer_min = num(v, "min_us") * 1e3;
    r->peer_max = num(v, "max_us") * 1e3;
    r->peer_n = (size_t)num(v, "n");
    r->peer_failed = (size_t)num(v, "failed");
  }
  bench_peer_state[0] = 0;
  json_decref(m);
}

void bench_run_peer(const char *cmd, const char *dir) {
  char line[8192], path[4096];
  int rc;
  if (bench_write_manifest(dir) != 0) {
    snprintf(bench_peer_state, sizeof bench_peer_state,
             "not available (cannot write %s/manifest.json)", dir);
    return;
  }
  snprintf(path, sizeof path, "%s/peer.json", dir);
  remove(path);
  snprintf(line, sizeof line, "%s '%s' >'%s/peer.log' 2>&1", cmd, dir, dir);
  fprintf(stderr, "peer: %s\n", cmd);
  rc = system(line);
  if (rc != 0) {
    snprintf(bench_peer_state, sizeof bench_peer_state,
             "not available (the peer exited with status %d; see %s/peer.log)",
             rc, dir);
    return;
  }
  read_peer(path);
}

/* ============================================================ callgrind */

/* "totals: N" (or "summary: N") in a callgrind output file. */
static double callgrind_total(const char *path) {
  FILE *f = fopen(path, "r");
  char line[512];
  double total = -1;
  if (!f)
    return -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "totals:", 7) == 0)
      total = strtod(line + 7, NULL);
    else if (total < 0 && strncmp(line, "summary:", 8) == 0)
      total = strtod(line + 8, NULL);
  fclose(f);
  return total;
}

void bench_callgrind(const char *self, const char *const ids[], size_t n,
                     size_t iters, const char *dir) {
  for (size_t i = 0; i < n && bench_n_cgs < BENCH_MAX_CG; i++) {
    bench_cg *c = &bench_cgs[bench_n_cgs++];
    char out[4096], line[12288];
    double total;
    int rc;
    snprintf(c->id, sizeof c->id, "%s", ids[i]);
    snprintf(out, sizeof out, "%s/callgrind.%s.out", dir, ids[i]);
    snprintf(line, sizeof line,
             "valgrind --tool=callgrind --callgrind-out-file='%s' "
             "--toggle-collect=bench_counted '%s' --count %s %zu "
             ">'%s/callgrind.%s.log' 2>&1",
             out, self, ids[i], iters, dir, ids[i]);
    fprintf(stderr, "callgrind: %s x %zu\n", ids[i], iters);
    rc = system(line);
    total = rc == 0 ? callgrind_total(out) : -1;
    if (total <= 0)
      snprintf(c->err, sizeof c->err,
               "not measured (valgrind status %d; see %s/callgrind.%s.log)",
               rc, dir, ids[i]);
    else
      c->ir = total / (double)iters;
  }
}

/* ============================================================== figures */

static double p50_of(const char *id) {
  const bench_row *r = bench_find(id);
  return r && r->measured ? r->p50 : 0;
}

static double ratio_floor(const bench_row *r) {
  const bench_row *f = r->floor_id[0] ? bench_find(r->floor_id) : NULL;
  return f && f->measured && r->measured && f->p50 > 0 ? r->p50 / f->p50 : 0;
}

static double ratio_peer(const bench_row *r) {
  return r->measured && r->peer_ok && r->peer_p50 > 0 ? r->p50 / r->peer_p50
                                                      : 0;
}

/* Least-squares slope of log(p50) over log(size); 0 when incomplete. */
static double slope(const char *prefix) {
  static const char *const sz[] = {"1k", "10k", "100k"};
  static const double n[] = {1e3, 1e4, 1e5};
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int k = 0;
  for (int i = 0; i < 3; i++) {
    char id[40];
    double y;
    snprintf(id, sizeof id, "%s.%s", prefix, sz[i]);
    y = p50_of(id);
    if (y <= 0)
      return 0;
    sx += log(n[i]);
    sy += log(y);
    sxx += log(n[i]) * log(n[i]);
    sxy += log(n[i]) * log(y);
    k++;
  }
  return (k * sxy - sx * sy) / (k * sxx - sx * sx);
}

static double rps_of(const char *id) {
  const bench_row *r = bench_find(id);
  return r && r->has_rps ? r->rps : 0;
}

typedef struct goal {
  const char *name, *target;
  double figure; /* 0: not measured */
  double limit;
  int less;      /* figure must be <= limit (else >=) */
  const char *unit; /* "x", "us", "ms", "" */
  char detail[120];
} goal;

static double max2(double a, double b) {
  return a > b ? a : b;
}

/* Every goal of the brief with this run's figure. */
static size_t goals(goal *g) {
  size_t n = 0;
  double worst = 0;
  const char *worst_id = NULL;
  double s1 = slope("3.select"), s2 = slope("3.bulk");
  for (size_t i = 0; i < bench_n_rows; i++) {
    double q = ratio_peer(&bench_rows[i]);
    if (q > worst) {
      worst = q;
      worst_id = bench_rows[i].id;
    }
  }
  g[n++] = (goal){"typical request / floor", "<= 1.15",
                  p50_of("1.floor") > 0 ? p50_of("1.full") / p50_of("1.floor")
                                        : 0,
                  1.15, 1, "x", ""};
  g[n++] = (goal){"authorize, pre-verified token", "<= 15 us",
                  p50_of("2.preverified") / 1e3, 15, 1, "us", ""};
  g[n++] = (goal){"ours / peer, worst row (>= 4x faster)", "<= 0.25", worst,
                  0.25, 1, "x", ""};
  if (worst_id) {
    const bench_row *w = bench_find(worst_id);
    double fl = w->floor_id[0] ? p50_of(w->floor_id) : 0;
    if (fl > 0)
      snprintf(g[n - 1].detail, sizeof g[n - 1].detail,
               "worst: %.39s (its floor alone is %.2f of the peer)", worst_id,
               fl / w->peer_p50);
    else
      snprintf(g[n - 1].detail, sizeof g[n - 1].detail, "worst: %.39s",
               worst_id);
  }
  g[n++] = (goal){"10k-fact authorizer (select, bulk)", "<= 2 ms",
                  max2(p50_of("3.select.10k"), p50_of("3.bulk.10k")) / 1e6,
                  2, 1, "ms", ""};
  g[n++] = (goal){"100k-fact authorizer (select, bulk)", "<= 20 ms",
                  max2(p50_of("3.select.100k"), p50_of("3.bulk.100k")) / 1e6,
                  20, 1, "ms", ""};
  g[n++] = (goal){"growth slope 1k/10k/100k (worst)", "<= 1.2",
                  s1 && s2 ? max2(s1, s2) : 0, 1.2, 1, "", ""};
  if (s1 && s2)
    snprintf(g[n - 1].detail, sizeof g[n - 1].detail,
             "select %.2f, bulk %.2f", s1, s2);
  g[n++] = (goal){"10k-node role tree", "<= 10 ms", p50_of("4.tree.10k") / 1e6,
                  10, 1, "ms", ""};
  g[n++] = (goal){"cache hit / cold verify", "<= 0.1",
                  p50_of("5.cache.cold") > 0
                      ? p50_of("5.cache.hit") / p50_of("5.cache.cold")
                      : 0,
                  0.1, 1, "x", ""};
  g[n++] = (goal){"2 threads / 1 thread (full request)", ">= 1.8",
                  rps_of("6.full.t1") > 0
                      ? rps_of("6.full.t2") / rps_of("6.full.t1")
                      : 0,
                  1.8, 0, "x", ""};
  g[n++] = (goal){"2 threads / 1 thread (pre-verified)", ">= 1.8",
                  rps_of("6.pre.t1") > 0
                      ? rps_of("6.pre.t2") / rps_of("6.pre.t1")
                      : 0,
                  1.8, 0, "x", ""};
  if (rps_of("6.floor.t1") > 0)
    for (size_t k = n - 2; k < n; k++)
      snprintf(g[k].detail, sizeof g[k].detail,
               "machine (libsodium floor) gives x%.2f",
               rps_of("6.floor.t2") / rps_of("6.floor.t1"));
  return n;
}

static const char *verdict(const goal *g) {
  if (g->figure <= 0)
    return "not measured";
  return (g->less ? g->figure <= g->limit : g->figure >= g->limit) ? "met"
                                                                   : "MISSED";
}

/* ================================================================ table */

/* A duration in a 9-character cell. */
static const char *dur(char *b, double ns) {
  if (ns <= 0)
    snprintf(b, 16, "%9s", "-");
  else if (ns < 1e4)
    snprintf(b, 16, "%7.2fus", ns / 1e3);
  else if (ns < 1e6)
    snprintf(b, 16, "%7.1fus", ns / 1e3);
  else if (ns < 1e8)
    snprintf(b, 16, "%7.2fms", ns / 1e6);
  else if (ns < 1e10)
    snprintf(b, 16, "%7.1fms", ns / 1e6);
  else
    snprintf(b, 16, "%8.2fs", ns / 1e9);
  return b;
}

static const char *group_title(int g) {
  switch (g) {
  case 1:
    return "1. typical request: 3-block token (authority 4 facts, a check, a "
           "time check), 3 request facts, 1 allow policy";
  case 2:
    return "2. pre-verified token: authorize only, compiled policy set "
           "(biscuit_policy) reused";
  case 3:
    return "3. large authorizer: N facts in 4 relations in the policy set "
           "(compiled once), limits raised";
  case 4:
    return "4. role hierarchy closure (transitive, in the policy set, limits "
           "raised)";
  case 5:
    return "5. verified-token cache (biscuit_cache_*)";
  default:
    return "6. threads: one shared policy set, typical request, fixed time "
           "per run";
  }
}

/* Footnotes: the peer's reasons, numbered in order of appearance. */
static char notes[24][160];
static size_t n_notes;

static size_t note_no(const char *text) {
  for (size_t i = 0; i < n_notes; i++)
    if (strcmp(notes[i], text) == 0)
      return i + 1;
  if (n_notes == sizeof notes / sizeof notes[0])
    return 0;
  snprintf(notes[n_notes], sizeof notes[0], "%s", text);
  return ++n_notes;
}

static void peer_cells(char *out, size_t cap, const bench_row *r) {
  char a[16], b[16], c[16], d[16];
  char why[160];
  if (r->peer_ok) {
    snprintf(out, cap, "%s %s %s %s", dur(a, r->peer_p50),
             dur(b, r->peer_p99), dur(c, r->peer_min), dur(d, r->peer_max));
    return;
  }
  if (r->note[0])
    snprintf(why, sizeof why, "%s", r->note);
  else if (r->peer_err[0])
    snprintf(why, sizeof why, "peer stopped: %.60s%s", r->peer_err,
             strstr(r->peer_err, "RunLimit")
                 ? " (its fixpoint keeps 1000 facts / 100 iterations / "
                   "1 ms, whatever limits it is given)"
                 : "");
  else if (r->peer_kind && bench_peer_state[0])
    snprintf(why, sizeof why, "peer: %.150s", bench_peer_state);
  else
    snprintf(why, sizeof why, "peer: not measured");
  snprintf(out, cap, "%-30s [%zu]", "n/a", note_no(why));
}

/* A line without its trailing blanks. */
static void put_line(FILE *f, char *line) {
  size_t n = strlen(line);
  while (n && line[n - 1] == ' ')
    line[--n] = 0;
  fprintf(f, "%s\n", line);
}

void bench_print_table(FILE *f) {
  char a[16], b[16], c[16], d[16], pc[128], fr[16], pr[16], line[512];
  int group = 0, n;
  goal g[16];
  size_t ng;
  n_notes = 0;
  fprintf(f, "\nbiscuit bench: %zu runs per row; per request: p50 p99 min "
             "max over all runs' samples\n",
          bench_o.runs);
  fprintf(f, "peer: %s\n\n",
          bench_peer_state[0] ? bench_peer_state : bench_peer_version);
  fprintf(f, "%-15s %9s %9s %9s %9s %7s | %9s %9s %9s %9s %7s\n", "row",
          "p50", "p99", "min", "max", "/floor", "peer p50", "p99", "min",
          "max", "/peer");
  for (size_t i = 0; i < bench_n_rows; i++) {
    const bench_row *r = &bench_rows[i];
    double q;
    if (!bench_selected(r))
      continue;
    if (r->group != group) {
      group = r->group;
      fprintf(f, "%s\n", group_title(group));
    }
    if (!r->measured) {
      fprintf(f, "%-15s %s\n", r->id,
              r->skip[0] ? r->skip : "not measured");
      continue;
    }
    q = ratio_floor(r);
    if (q > 0)
      snprintf(fr, sizeof fr, "%7.3f", q);
    else
      snprintf(fr, sizeof fr, "%7s", "");
    q = ratio_peer(r);
    if (q > 0)
      snprintf(pr, sizeof pr, "%7.3f", q);
    else
      pr[0] = 0;
    peer_cells(pc, sizeof pc, r);
    n = snprintf(line, sizeof line, "%-15s %s %s %s %s %s | %s %s", r->id,
                 dur(a, r->p50), dur(b, r->p99), dur(c, r->min),
                 dur(d, r->max), fr, pc, pr);
    if (n > 0 && (size_t)n < sizeof line && r->failed)
      n += snprintf(line + n, sizeof line - (size_t)n, "  failed %zu/%zu",
                    r->failed, r->n);
    if (n > 0 && (size_t)n < sizeof line && r->has_rps)
      snprintf(line + n, sizeof line - (size_t)n, "  %.0f req/s", r->rps);
    put_line(f, line);
  }
  fprintf(f, "\nrows:\n");
  for (size_t i = 0; i < bench_n_rows; i++)
    if (bench_selected(&bench_rows[i]))
      fprintf(f, "  %-15s %s\n", bench_rows[i].id, bench_rows[i].what);
  if (n_notes) {
    fprintf(f, "\npeer notes:\n");
    for (size_t i = 0; i < n_notes; i++)
      fprintf(f, "  [%zu] %s\n", i + 1, notes[i]);
  }
  fprintf(f, "\nderived:\n");
  if (p50_of("1.from_bytes") > 0 && p50_of("1.decode") > 0)
    fprintf(f, "  verify stage = 1.from_bytes - 1.decode (p50): %s\n",
            dur(a, p50_of("1.from_bytes") - p50_of("1.decode")));
  if (p50_of("1.full") > 0 && p50_of("1.floor") > 0)
    fprintf(f, "  1.full / 1.floor: p50 %.3f, min %.3f\n",
            p50_of("1.full") / p50_of("1.floor"),
            bench_find("1.full")->min / bench_find("1.floor")->min);
  if (p50_of("1.full") > 0 && p50_of("1.from_bytes") > 0)
    fprintf(f, "  1.full - 1.from_bytes (p50): %s\n",
            dur(a, p50_of("1.full") - p50_of("1.from_bytes")));
  if (slope("3.select") || slope("3.bulk"))
    fprintf(f, "  log-log slope over 1k/10k/100k facts: select %.3f, bulk "
               "%.3f\n",
            slope("3.select"), slope("3.bulk"));
  if (p50_of("5.cache.cold") > 0)
    fprintf(f, "  cache hit / cold: %.4f\n",
            p50_of("5.cache.hit") / p50_of("5.cache.cold"));
  if (rps_of("6.full.t1") > 0)
    fprintf(f, "  threads, full request (decode+verify per request): %.0f "
               "req/s on 1, %.0f on 2: x%.2f\n",
            rps_of("6.full.t1"), rps_of("6.full.t2"),
            rps_of("6.full.t2") / rps_of("6.full.t1"));
  if (rps_of("6.pre.t1") > 0)
    fprintf(f, "  threads, pre-verified token (authorize only): %.0f req/s "
               "on 1, %.0f on 2: x%.2f\n",
            rps_of("6.pre.t1"), rps_of("6.pre.t2"),
            rps_of("6.pre.t2") / rps_of("6.pre.t1"));
  if (rps_of("6.floor.t1") > 0)
    fprintf(f, "  threads, control (libsodium floor only): %.0f req/s on 1, "
               "%.0f on 2: x%.2f\n",
            rps_of("6.floor.t1"), rps_of("6.floor.t2"),
            rps_of("6.floor.t2") / rps_of("6.floor.t1"));
  if (bench_n_cgs) {
    fprintf(f, "\ncallgrind, instructions per request:\n");
    for (size_t i = 0; i < bench_n_cgs; i++)
      if (bench_cgs[i].ir > 0)
        fprintf(f, "  %-15s %12.0f\n", bench_cgs[i].id, bench_cgs[i].ir);
      else
        fprintf(f, "  %-15s %s\n", bench_cgs[i].id, bench_cgs[i].err);
  }
  ng = goals(g);
  fprintf(f, "\ngoals (reported, never enforced):\n");
  for (size_t i = 0; i < ng; i++) {
    char fig[32];
    if (g[i].figure > 0)
      snprintf(fig, sizeof fig, "%.3f%s%s", g[i].figure,
               g[i].unit[0] && strcmp(g[i].unit, "x") ? " " : "",
               g[i].unit);
    else
      snprintf(fig, sizeof fig, "-");
    snprintf(line, sizeof line, "  %-40s %-9s %12s  %-12s %s", g[i].name,
             g[i].target, fig, verdict(&g[i]), g[i].detail);
    put_line(f, line);
  }
}

/* ================================================================= JSON */

static json_t *jnum(double v) {
  return json_real(round(v * 1000) / 1000);
}

int bench_write_json(const char *path) {
  json_t *m = json_object(), *rows = json_array(), *gl = json_array(),
         *cg = json_object(), *host = json_object();
  goal g[16];
  size_t ng = goals(g);
  struct utsname u;
  char when[32];
  time_t now = time(NULL);
  int rc;
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  if (uname(&u) == 0) {
    json_object_set_new(host, "node", json_string(u.nodename));
    json_object_set_new(host, "machine", json_string(u.machine));
    json_object_set_new(host, "kernel", json_string(u.release));
  }
  for (size_t i = 0; i < bench_n_rows; i++) {
    const bench_row *r = &bench_rows[i];
    json_t *o;
    double q;
    if (!bench_selected(r))
      continue;
    o = json_pack("{s:s, s:i, s:s}", "id", r->id, "group", r->group, "what",
                  r->what);
    if (r->measured) {
      json_object_set_new(o, "p50_us", jnum(r->p50 / 1e3));
      json_object_set_new(o, "p99_us", jnum(r->p99 / 1e3));
      json_object_set_new(o, "min_us", jnum(r->min / 1e3));
      json_object_set_new(o, "max_us", jnum(r->max / 1e3));
      json_object_set_new(o, "samples", json_integer((json_int_t)r->n));
      json_object_set_new(o, "failed", json_integer((json_int_t)r->failed));
    } else {
      json_object_set_new(o, "skipped",
                          json_string(r->skip[0] ? r->skip : "not measured"));
    }
    if (r->has_rps)
      json_object_set_new(o, "requests_per_s", jnum(r->rps));
    if ((q = ratio_floor(r)) > 0)
      json_object_set_new(o, "ratio_floor", jnum(q));
    if (r->peer_ok) {
      json_object_set_new(
          o, "peer",
          json_pack("{s:o, s:o, s:o, s:o, s:I, s:I}", "p50_us",
                    jnum(r->peer_p50 / 1e3), "p99_us",
                    jnum(r->peer_p99 / 1e3), "min_us",
                    jnum(r->peer_min / 1e3), "max_us",
                    jnum(r->peer_max / 1e3), "samples",
                    (json_int_t)r->peer_n, "failed",
                    (json_int_t)r->peer_failed));
      json_object_set_new(o, "ratio_peer", jnum(ratio_peer(r)));
    } else {
      const char *why = r->note[0]       ? r->note
                        : r->peer_err[0] ? r->peer_err
                                         : bench_peer_state;
      json_object_set_new(o, "peer_na", json_string(why));
    }
    json_array_append_new(rows, o);
  }
  for (size_t i = 0; i < ng; i++) {
    json_t *o = json_pack("{s:s, s:s, s:s}", "goal", g[i].name, "target",
                          g[i].target, "verdict", verdict(&g[i]));
    if (g[i].figure > 0)
      json_object_set_new(o, "figure", jnum(g[i].figure));
    if (g[i].detail[0])
      json_object_set_new(o, "detail", json_string(g[i].detail));
    json_array_append_new(gl, o);
  }
  for (size_t i = 0; i < bench_n_cgs; i++)
    json_object_set_new(cg, bench_cgs[i].id,
                        bench_cgs[i].ir > 0
                            ? json_integer((json_int_t)bench_cgs[i].ir)
                            : json_string(bench_cgs[i].err));
  json_object_set_new(m, "schema", json_integer(1));
  json_object_set_new(m, "date", json_string(when));
  json_object_set_new(m, "host", host);
  json_object_set_new(m, "runs", json_integer((json_int_t)bench_o.runs));
  json_object_set_new(m, "biscuit", json_string(BISCUIT_VERSION_STRING));
  json_object_set_new(m, "peer", json_string(bench_peer_state[0]
                                                 ? bench_peer_state
                                                 : bench_peer_version));
  json_object_set_new(m, "rows", rows);
  json_object_set_new(m, "derived",
                      json_pack("{s:o, s:o}", "slope_select",
                                jnum(slope("3.select")), "slope_bulk",
                                jnum(slope("3.bulk"))));
  json_object_set_new(m, "callgrind_ir_per_request", cg);
  json_object_set_new(m, "goals", gl);
  rc = json_dump_file(m, path, JSON_INDENT(1));
  json_decref(m);
  return rc;
}

/* ============================================================ compare */

static json_t *load(const char *path) {
  json_error_t je;
  json_t *m = json_load_file(path, 0, &je);
  if (!m)
    fprintf(stderr, "bench_request: %s: %s (line %d)\n", path, je.text,
            je.line);
  return m;
}

static const json_t *row_in(const json_t *m, const char *id) {
  size_t i;
  const json_t *r;
  json_array_foreach(json_object_get(m, "rows"), i, r) {
    const char *x = json_string_value(json_object_get(r, "id"));
    if (x && strcmp(x, id) == 0)
      return r;
  }
  return NULL;
}

/* One cell of the comparison: a duration (microseconds) or a number. */
static const char *cell(char *b, double v, int time) {
  if (v <= 0)
    snprintf(b, 16, "%9s", "-");
  else if (time)
    dur(b, v * 1e3);
  else
    snprintf(b, 16, "%9.3f", v);
  return b;
}

static void change(const char *label, double x, double y, int time) {
  char a[16], b[16];
  if (x <= 0 && y <= 0)
    return;
  printf("  %-40s %9s -> %9s", label, cell(a, x, time), cell(b, y, time));
  if (x > 0 && y > 0)
    printf("  %+7.1f%%", (y / x - 1) * 100);
  printf("\n");
}

int bench_compare(const char *pa, const char *pb) {
  json_t *a = load(pa), *b = load(pb);
  const json_t *r, *ga, *gb;
  size_t i;
  if (!a || !b) {
    json_decref(a);
    json_decref(b);
    return 2;
  }
  printf("A: %s (%s)\nB: %s (%s)\n\np50 per row, A -> B (negative is "
         "faster):\n",
         pa, json_string_value(json_object_get(a, "date")), pb,
         json_string_value(json_object_get(b, "date")));
  json_array_foreach(json_object_get(b, "rows"), i, r) {
    const char *id = json_string_value(json_object_get(r, "id"));
    const json_t *ra = row_in(a, id);
    double x = ra ? num(ra, "p50_us") : 0, y = num(r, "p50_us");
    if (!id)
      continue;
    if (!ra) {
      printf("  %-40s only in B\n", id);
      continue;
    }
    change(id, x, y, 1);
    if (json_object_get(r, "requests_per_s")) {
      char label[64];
      snprintf(label, sizeof label, "%s req/s", id);
      change(label, num(ra, "requests_per_s"), num(r, "requests_per_s"), 0);
    }
  }
  json_array_foreach(json_object_get(a, "rows"), i, r) {
    const char *id = json_string_value(json_object_get(r, "id"));
    if (id && !row_in(b, id))
      printf("  %-40s only in A\n", id);
  }
  printf("\npeer p50, A -> B:\n");
  json_array_foreach(json_object_get(b, "rows"), i, r) {
    const char *id = json_string_value(json_object_get(r, "id"));
    const json_t *ra = id ? row_in(a, id) : NULL;
    const json_t *pa_ = ra ? json_object_get(ra, "peer") : NULL;
    const json_t *pb_ = json_object_get(r, "peer");
    if (pa_ || pb_)
      change(id, pa_ ? num(pa_, "p50_us") : 0, pb_ ? num(pb_, "p50_us") : 0,
             1);
  }
  printf("\ncallgrind instructions per request, A -> B:\n");
  ga = json_object_get(a, "callgrind_ir_per_request");
  gb = json_object_get(b, "callgrind_ir_per_request");
  {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)gb, k, v) {
      const json_t *w = json_object_get(ga, k);
      change(k, w && json_is_number(w) ? json_number_value(w) : 0,
             json_is_number(v) ? json_number_value(v) : 0, 0);
    }
  }
  printf("\ngoals, figure A -> B:\n");
  json_array_foreach(json_object_get(b, "goals"), i, r) {
    const char *name = json_string_value(json_object_get(r, "goal"));
    size_t j;
    const json_t *q, *qa = NULL;
    json_array_foreach(json_object_get(a, "goals"), j, q) {
      const char *n2 = json_string_value(json_object_get(q, "goal"));
      if (name && n2 && strcmp(name, n2) == 0)
        qa = q;
    }
    if (!name)
      continue;
    change(name, qa ? num(qa, "figure") : 0, num(r, "figure"), 0);
    printf("  %-40s %s: %s -> %s\n", "",
           json_string_value(json_object_get(r, "target")),
           qa ? json_string_value(json_object_get(qa, "verdict")) : "-",
           json_string_value(json_object_get(r, "verdict")));
  }
  json_decref(a);
  json_decref(b);
  free_tokens();
  return 0;
}

void bench_harness_free(void) {
  for (size_t i = 0; i < bench_n_rows; i++)
    free(bench_rows[i].ns);
  free_tokens();
}
