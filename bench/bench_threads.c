/*
** Group 6: throughput on 1 and 2 threads sharing one policy set
** (biscuit_policy is immutable and shared; each request has its own
** authorizer). Two kinds of request:
**   6.full.tN  the typical request from its bytes: each request decodes
**              and verifies the token (biscuit_token_from_bytes), then
**              authorizes it: what a server without a cache does
**   6.pre.tN   authorize only, on one verified token shared by the threads
**   6.floor.tN the typical token's floor (libsodium alone, no library
**              code): how far this machine lets 2 threads scale at all
** Each run lets N threads loop for a fixed time (-t, 300 ms by default)
** after a common start; requests per second = all requests / wall time
** from the first start to the last end, and the row's figure is the
** median over the runs. The table's p50..max are the per-request
** latencies seen by the threads.
*/
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"

enum { FULL, PRE, FLOOR };

typedef struct worker {
  int kind;
  double dur_ns;
  pthread_barrier_t *go;
  double start, end;
  size_t count, failed;
  double *lat;
  size_t n, cap;
} worker;

static int one(int kind) {
  biscuit_token *t = NULL;
  biscuit_status st;
  if (kind == FLOOR)
    return bench_floor_typical();
  if (kind == PRE)
    return bench_authorize_typical(bench_typ.verified, NULL) != BISCUIT_OK;
  st = biscuit_token_from_bytes(bench_typ.bytes, bench_typ.len,
                                bench_typ.root, NULL, &t, NULL);
  if (st == BISCUIT_OK)
    st = bench_authorize_typical(t, NULL);
  biscuit_token_free(t);
  return st != BISCUIT_OK;
}

static void *work(void *p) {
  worker *w = p;
  double deadline, t0, t1;
  pthread_barrier_wait(w->go);
  w->start = bench_now_ns();
  deadline = w->start + w->dur_ns;
  t0 = w->start;
  do {
    w->failed += one(w->kind) != 0;
    t1 = bench_now_ns();
    if (w->n < w->cap)
      w->lat[w->n++] = t1 - t0;
    w->count++;
    t0 = t1;
  } while (t1 < deadline);
  w->end = t1;
  return NULL;
}

/* One run of `threads` threads; adds latencies to r, returns req/s. */
static double run(bench_row *r, int kind, int threads) {
  pthread_t th[2];
  worker w[2];
  pthread_barrier_t go;
  double first = 0, last = 0;
  size_t total = 0;
  pthread_barrier_init(&go, NULL, (unsigned)threads);
  for (int i = 0; i < threads; i++) {
    memset(&w[i], 0, sizeof w[i]);
    w[i].kind = kind;
    w[i].dur_ns = bench_o.thread_ms * 1e6;
    w[i].go = &go;
    w[i].cap = 1u << 20;
    w[i].lat = malloc(w[i].cap * sizeof *w[i].lat);
    if (!w[i].lat || pthread_create(&th[i], NULL, work, &w[i]) != 0) {
      fprintf(stderr, "bench_request: cannot start a thread\n");
      exit(1);
    }
  }
  for (int i = 0; i < threads; i++) {
    pthread_join(th[i], NULL);
    if (i == 0 || w[i].start < first)
      first = w[i].start;
    if (i == 0 || w[i].end > last)
      last = w[i].end;
    total += w[i].count;
    for (size_t k = 0; k < w[i].n; k++)
      bench_sample(r, w[i].lat[k], 0);
    r->failed += w[i].failed;
    free(w[i].lat);
  }
  pthread_barrier_destroy(&go);
  return last > first ? (double)total * 1e9 / (last - first) : 0;
}

static const struct {
  const char *id;
  int kind, threads;
  const char *what;
} kinds[] = {
    {"6.full.t1", FULL, 1,
     "1 thread, full request: decode + verify + authorize each time"},
    {"6.full.t2", FULL, 2,
     "2 threads, full request: decode + verify + authorize each time"},
    {"6.pre.t1", PRE, 1,
     "1 thread, authorize only on a shared verified token"},
    {"6.pre.t2", PRE, 2,
     "2 threads, authorize only on a shared verified token"},
    {"6.floor.t1", FLOOR, 1,
     "control: 1 thread, the libsodium floor only (machine, not library)"},
    {"6.floor.t2", FLOOR, 2,
     "control: 2 threads, the libsodium floor only (machine, not library)"},
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

void bench_thread_rows(void) {
  for (size_t i = 0; i < N_KINDS; i++) {
    bench_row *r = bench_add(kinds[i].id, 6, kinds[i].what, NULL, NULL);
    snprintf(r->note, sizeof r->note,
             "the peer runs on one node thread (no worker-thread peer)");
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void bench_threads_measure(void) {
  double rps[N_KINDS][64];
  size_t runs = bench_o.runs < 64 ? bench_o.runs : 64;
  int any = 0;
  for (size_t i = 0; i < N_KINDS; i++)
    any |= bench_selected(bench_find(kinds[i].id));
  if (!any)
    return;
  (void)one(FULL); /* warm up */
  /* Alternate the kinds in every run, so drift hits them alike. */
  for (size_t run_i = 0; run_i < runs; run_i++)
    for (size_t i = 0; i < N_KINDS; i++) {
      bench_row *r = bench_find(kinds[i].id);
      rps[i][run_i] = bench_selected(r)
                          ? run(r, kinds[i].kind, kinds[i].threads)
                          : 0;
    }
  for (size_t i = 0; i < N_KINDS; i++) {
    bench_row *r = bench_find(kinds[i].id);
    if (!bench_selected(r))
      continue;
    qsort(rps[i], runs, sizeof rps[i][0], cmp);
    r->rps = rps[i][runs / 2];
    r->has_rps = 1;
    r->iters = runs;
    bench_finish(r);
  }
}
