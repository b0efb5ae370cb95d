/*
** bench.h: what the benchmark's files share.
**
**   bench_request.c  main(), the request rows (1, 2) and the cache rows (5)
**   bench_datalog.c  the large authorizer (3) and role hierarchy (4) rows
**   bench_threads.c  the thread rows (6)
**   harness.c        timing, statistics, the peer, the table, the JSON
**                    file and the comparison of two JSON files
**
** Every row is one operation timed many times. Nothing here judges: the
** goals are printed next to the figures, and the exit status never
** depends on a timing.
*/
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "biscuit/biscuit.h"

/*
** One timed operation: does its work once, stores the time it measured in
** *ns (so a row can time one stage of a longer operation) and returns 0
** when the work ended as expected (verified, allowed).
*/
typedef int (*bench_op)(void *ctx, double *ns);

typedef struct bench_row {
  /* Set by the group that registers the row. */
  char id[40];    /* "1.full", "3.select.10k"...                        */
  int group;      /* 1..6                                               */
  char what[100]; /* one line for the legend                            */
  bench_op op;    /* NULL: the group measures the row itself (threads)  */
  void *ctx;
  /* Before measuring: build the fixtures and check the work once; on
     failure, write why (the row is then reported, not measured). */
  int (*prepare)(void *ctx, char *why, size_t cap);
  void (*release)(void *ctx); /* after measuring (free them)           */
  int big;        /* timed alone, sized by big_budget_ms                */
  char floor_id[40]; /* ratio ours / that row's p50 (rows 1 and 2)     */
  size_t iters_hint; /* big rows: iterations per run, 0 = from budget  */
  /* The same work for the peer; peer_kind NULL = not asked. */
  const char *peer_kind; /* from_bytes load authorize preverified full
                            datalog                                     */
  int peer_token;         /* exported token index, -1 for none         */
  const char *peer_policy;
  const char *peer_request;
  uint64_t peer_max_facts; /* limits the peer is asked for (0 = default) */
  char note[120];          /* why the peer does not run this row        */
  /* Filled by the harness. */
  double *ns;
  size_t n, cap, failed, iters;
  double p50, p99, min, max;
  int measured;
  double rps; /* thread rows: requests per second, median of runs       */
  int has_rps;
  char skip[80]; /* not measured: why (e.g. "n/a (cache not built)")   */
  int peer_ok;
  double peer_p50, peer_p99, peer_min, peer_max;
  size_t peer_n, peer_failed;
  char peer_err[120];
} bench_row;

#define BENCH_MAX_ROWS 64
extern bench_row bench_rows[BENCH_MAX_ROWS];
extern size_t bench_n_rows;

bench_row *bench_add(const char *id, int group, const char *what,
                     bench_op op, void *ctx);
bench_row *bench_find(const char *id);

typedef struct bench_opts {
  size_t runs;          /* >= 7                                        */
  size_t max_iters;     /* micro rows: iterations per run, at most     */
  double budget_ms;     /* micro rows: about this long per row and run */
  double big_budget_ms; /* big rows: the same                          */
  double thread_ms;     /* thread rows: each run lasts this long       */
  int slow_tools;       /* under valgrind: no 1 ms time limit          */
  int quick;            /* skip the 100k and chain rows                */
  const char *only;     /* measure this row (and its floor) alone      */
} bench_opts;
extern bench_opts bench_o;

/* ------------------------------------------------------------ timing */

double bench_now_ns(void);
void bench_sample(bench_row *r, double ns, int bad);
void bench_finish(bench_row *r);
/* Rows neither big nor self-measured, interleaved 10 iterations at a time. */
void bench_measure_micro(void);
/* Every big row, one after the other. */
void bench_measure_big(void);
/* Wanted by --only (or no --only). */
int bench_selected(const bench_row *r);

#define BENCH_TIMED(ns, stmt)                                                \
  do {                                                                       \
    double t0_ = bench_now_ns();                                             \
    stmt;                                                                    \
    *(ns) = bench_now_ns() - t0_;                                            \
  } while (0)

/* ---------------------------------------------------------- fixtures */

typedef struct bench_buf {
  char *p;
  size_t len, cap;
} bench_buf;
void bench_printf(bench_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void bench_die(const char *what, biscuit_status st, biscuit_error *err);
/* Limits for the large rows: facts as given, the rest out of the way. */
biscuit_limits bench_raised_limits(uint64_t max_facts);

/* The typical request, shared by rows 1, 2, 5 and 6. */
typedef struct bench_typical {
  const biscuit_public_key *root;
  const biscuit_policy *policy;
  const uint8_t *bytes;
  size_t len;
  const biscuit_token *verified;
} bench_typical;
extern bench_typical bench_typ;
/* One request on a verified token: new, token, 3 facts, authorize, free. */
biscuit_status bench_authorize_typical(const biscuit_token *t,
                                       biscuit_error **err);
/* The typical token's floor once (libsodium only); 0 when it verified. */
int bench_floor_typical(void);

/* Groups register their rows (cheap: fixtures are built by prepare). */
void bench_request_rows(void);
void bench_cache_rows(void);
void bench_datalog_rows(void);
void bench_thread_rows(void);
void bench_threads_measure(void);
void bench_request_free(void);
void bench_datalog_free(void);
void bench_harness_free(void);
/* What --count and callgrind run: the row's operation n times. */
void bench_counted(bench_row *r, size_t n);

/* ---------------------------------------------------------- the peer */

/* Tokens the peer reads, by index; root is "ed25519/<hex>". */
int bench_export_token(const uint8_t *bytes, size_t len,
                       const biscuit_public_key *root);
/* Writes the tokens, the Datalog and manifest.json into dir. */
int bench_write_manifest(const char *dir);
/* Runs `cmd dir` (the peer), reads dir/peer.json into the rows. */
void bench_run_peer(const char *cmd, const char *dir);
extern char bench_peer_state[200]; /* "" when the peer ran */
extern char bench_peer_version[80];

/* ------------------------------------------------------------ output */

typedef struct bench_cg {
  char id[40];
  double ir;      /* instructions per request; 0 when not measured   */
  char err[120];
} bench_cg;
#define BENCH_MAX_CG 4
extern bench_cg bench_cgs[BENCH_MAX_CG];
extern size_t bench_n_cgs;
/* valgrind --tool=callgrind on ourselves, `--count id n`, per id. */
void bench_callgrind(const char *self, const char *const ids[], size_t n,
                     size_t iters, const char *dir);

void bench_print_table(FILE *f);
int bench_write_json(const char *path);
int bench_compare(const char *a, const char *b);

#endif
