/*
** bench_request: what one authorization request costs, next to what it
** must cost at least.
**
** Rows, measured interleaved in each run so machine drift hits all alike:
**   floor       libsodium alone: crypto_sign_verify_detached over payloads
**               of the token's three block sizes, plus the proof check
**               (crypto_sign_seed_keypair): the least a 3-block token costs
**   verify1     one crypto_sign_verify_detached (the unit A4 ratios use)
**   decode      biscuit_token_from_bytes_unverified + free (parsing only)
**   from_bytes  biscuit_token_from_bytes (decode + verify) + free
**   authorize   on a pre-verified token: authorizer new + add token + add
**               request facts + authorize + free, with the shared policy
**   full        from_bytes + everything in `authorize`
**
** The token (perf-and-threats A4 (a)): authority with 4 facts, a block
** with a check, a block with a time check; the authorizer adds 3 request
** facts (resource, operation, time) to a policy compiled once.
**
** Usage: bench_request [-n iterations] [-r runs] [-j results.json]
**                      [-o row] [-s]
** Every iteration is timed; p50/p99/min/max are over all runs' samples.
** -o runs one row alone and prints only its times (for perf/callgrind);
** -s lifts the authorizer's 1 ms time limit, which valgrind exceeds.
** Nothing is pinned and nothing is judged: it only reports.
*/
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "biscuit/biscuit.h"

static const char authority_code[] =
    "user(\"alice\");\n"
    "right(\"file1\", \"read\");\n"
    "right(\"file1\", \"write\");\n"
    "right(\"file2\", \"read\");\n";
static const char block1_code[] =
    "check if resource($r), operation($op), right($r, $op);\n";
static const char block2_code[] =
    "check if time($t), $t < 2030-01-01T00:00:00Z;\n";
static const char policy_code[] =
    "allow if user($u), resource($r), operation($op), right($r, $op);\n";
static const char request_code[] =
    "resource(\"file1\");\noperation(\"read\");\n";
static const uint64_t request_time = 1717200000; /* 2024-06-01 */

static const uint8_t root_seed[32] = {
    0x42, 0x69, 0x73, 0x63, 0x75, 0x69, 0x74, 0x20, 0x62, 0x65, 0x6e,
    0x63, 0x68, 0x20, 0x72, 0x6f, 0x6f, 0x74, 0x20, 0x6b, 0x65, 0x79,
    0x20, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x31};

#define MAX_PAYLOADS 8

/* Everything the timed loops share, built once. */
typedef struct fixture {
  biscuit_keypair *root;
  const biscuit_public_key *root_pub;
  biscuit_policy *policy;
  uint8_t *bytes; /* the serialized token */
  size_t len;
  biscuit_token *verified; /* for the authorize-only row */
  /* Floor: one libsodium signature per block, over its payload size. */
  size_t n_payloads;
  size_t payload_len[MAX_PAYLOADS];
  uint8_t *payload[MAX_PAYLOADS];
  uint8_t sig[MAX_PAYLOADS][crypto_sign_BYTES];
  uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  uint8_t proof_seed[crypto_sign_SEEDBYTES];
} fixture;

static fixture fx;
static int slow_tools; /* -s: run under valgrind, no time limit */

static void die(const char *what, biscuit_status st, biscuit_error *err) {
  fprintf(stderr, "bench_request: %s: %s%s%s\n", what,
          biscuit_status_str(st), err ? ": " : "",
          err ? biscuit_error_message(err) : "");
  biscuit_error_free(err);
  exit(1);
}

/* ------------------------------------------------------------ fixture */

/* Authority plus two attenuation blocks, serialized. */
static void build_token(void) {
  biscuit_token *t = NULL, *t1 = NULL, *t2 = NULL;
  biscuit_error *err = NULL;
  biscuit_status st;
  st = biscuit_keypair_from_bytes(BISCUIT_ED25519, root_seed, 32, &fx.root,
                                  &err);
  if (st != BISCUIT_OK)
    die("root key", st, err);
  fx.root_pub = biscuit_keypair_public(fx.root);
  if ((st = biscuit_token_create(fx.root, authority_code, NULL, &t, &err)) ||
      (st = biscuit_token_append(t, block1_code, NULL, &t1, &err)) ||
      (st = biscuit_token_append(t1, block2_code, NULL, &t2, &err)) ||
      (st = biscuit_token_to_bytes(t2, &fx.bytes, &fx.len, &err)))
    die("building the token", st, err);
  biscuit_token_free(t);
  biscuit_token_free(t1);
  biscuit_token_free(t2);
}

/* Protobuf varint at *p (bounded by end); 0 and p = end when malformed. */
static uint64_t varint(const uint8_t **p, const uint8_t *end) {
  uint64_t v = 0;
  for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
    uint8_t b = *(*p)++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return v;
  }
  *p = end;
  return 0;
}

/*
** Signed payload size of one SignedBlock message: the Block bytes plus
** algorithm and next key (payload v0: 4 + 32 bytes); a v1 payload adds
** its tags and the previous signature, about 128 bytes more.
*/
static size_t payload_size(const uint8_t *p, const uint8_t *end) {
  size_t block = 0, extra = 4 + 32;
  while (p < end) {
    uint64_t key = varint(&p, end), n = 0;
    if ((key & 7) == 0) {
      n = varint(&p, end);
      extra += (key >> 3) == 5 && n >= 1 ? 128 : 0;
      continue;
    }
    if ((key & 7) != 2)
      break;
    n = varint(&p, end);
    if (n > (uint64_t)(end - p))
      break;
    if ((key >> 3) == 1)
      block = (size_t)n;
    p += n;
  }
  return block + extra;
}

/* Payload sizes of the token's blocks (Biscuit fields 2 and 3). */
static void measure_payloads(void) {
  const uint8_t *p = fx.bytes, *end = fx.bytes + fx.len;
  while (p < end && fx.n_payloads < MAX_PAYLOADS) {
    uint64_t key = varint(&p, end), n;
    if ((key & 7) == 0) {
      (void)varint(&p, end);
      continue;
    }
    n = varint(&p, end);
    if ((key & 7) != 2 || n > (uint64_t)(end - p))
      break;
    if ((key >> 3) == 2 || (key >> 3) == 3)
      fx.payload_len[fx.n_payloads++] = payload_size(p, p + n);
    p += n;
  }
  if (fx.n_payloads != 3) {
    fprintf(stderr, "bench_request: expected 3 blocks, found %zu\n",
            fx.n_payloads);
    exit(1);
  }
}

/* Random payloads of those sizes, each signed once with libsodium. */
static void build_floor(void) {
  uint8_t sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(fx.pk, sk);
  randombytes_buf(fx.proof_seed, sizeof fx.proof_seed);
  for (size_t i = 0; i < fx.n_payloads; i++) {
    fx.payload[i] = malloc(fx.payload_len[i]);
    if (!fx.payload[i])
      exit(1);
    randombytes_buf(fx.payload[i], fx.payload_len[i]);
    crypto_sign_detached(fx.sig[i], NULL, fx.payload[i], fx.payload_len[i],
                         sk);
  }
  sodium_memzero(sk, sizeof sk);
}

static void build_fixture(void) {
  biscuit_error *err = NULL;
  biscuit_status st;
  if (sodium_init() < 0)
    exit(1);
  build_token();
  measure_payloads();
  build_floor();
  st = biscuit_policy_from_text(policy_code, "bench", NULL, &fx.policy, &err);
  if (st != BISCUIT_OK)
    die("policy", st, err);
  st = biscuit_token_from_bytes(fx.bytes, fx.len, fx.root_pub, NULL,
                                &fx.verified, &err);
  if (st != BISCUIT_OK)
    die("verifying the token", st, err);
}

static void free_fixture(void) {
  for (size_t i = 0; i < fx.n_payloads; i++)
    free(fx.payload[i]);
  biscuit_token_free(fx.verified);
  biscuit_free(fx.bytes);
  biscuit_policy_free(fx.policy);
  biscuit_keypair_free(fx.root);
}

/* ------------------------------------------------------ the operations */

/* Each returns 0 when the operation did what a request expects. */
static int op_floor(void) {
  uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  int bad = 0;
  for (size_t i = 0; i < fx.n_payloads; i++)
    bad |= crypto_sign_verify_detached(fx.sig[i], fx.payload[i],
                                       fx.payload_len[i], fx.pk);
  bad |= crypto_sign_seed_keypair(pk, sk, fx.proof_seed);
  sodium_memzero(sk, sizeof sk);
  return bad;
}

static int op_verify1(void) {
  return crypto_sign_verify_detached(fx.sig[1], fx.payload[1],
                                     fx.payload_len[1], fx.pk);
}

static int op_decode(void) {
  biscuit_token *t = NULL;
  biscuit_status st =
      biscuit_token_from_bytes_unverified(fx.bytes, fx.len, NULL, &t, NULL);
  biscuit_token_free(t);
  return st != BISCUIT_OK;
}

static int op_from_bytes(void) {
  biscuit_token *t = NULL;
  biscuit_status st =
      biscuit_token_from_bytes(fx.bytes, fx.len, fx.root_pub, NULL, &t, NULL);
  biscuit_token_free(t);
  return st != BISCUIT_OK;
}

/*
** One request on a verified token: fresh authorizer on the shared policy,
** the token, the request facts, the decision. *err gets the detail of a
** refusal so the warm-up can explain it.
*/
static biscuit_status authorize_token(const biscuit_token *t,
                                      biscuit_error **err) {
  biscuit_authorizer *a = NULL;
  size_t idx = 0;
  biscuit_status st = biscuit_authorizer_new(fx.policy, &a, err);
  if (st == BISCUIT_OK && slow_tools) {
    biscuit_limits lim = biscuit_limits_default();
    lim.max_time_us = 10 * 1000 * 1000;
    biscuit_authorizer_set_limits(a, &lim);
  }
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_token(a, t, err);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_code(a, request_code, NULL, err);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_time(a, request_time, err);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_authorize(a, &idx, err);
  biscuit_authorizer_free(a);
  return st;
}

static int op_authorize(void) {
  return authorize_token(fx.verified, NULL) != BISCUIT_OK;
}

static int op_full(void) {
  biscuit_token *t = NULL;
  biscuit_status st =
      biscuit_token_from_bytes(fx.bytes, fx.len, fx.root_pub, NULL, &t, NULL);
  if (st == BISCUIT_OK)
    st = authorize_token(t, NULL);
  biscuit_token_free(t);
  return st != BISCUIT_OK;
}

/* -------------------------------------------------------------- timing */

typedef struct row {
  const char *name;
  int (*op)(void);
  double *ns; /* runs * iters samples */
  size_t n;
  double p50, p99, min, max;
  size_t failed; /* e.g. the 1 ms time limit hit on a busy machine */
} row;

static row rows[] = {
    {"floor", op_floor, NULL, 0, 0, 0, 0, 0, 0},
    {"verify1", op_verify1, NULL, 0, 0, 0, 0, 0, 0},
    {"decode", op_decode, NULL, 0, 0, 0, 0, 0, 0},
    {"from_bytes", op_from_bytes, NULL, 0, 0, 0, 0, 0, 0},
    {"authorize", op_authorize, NULL, 0, 0, 0, 0, 0, 0},
    {"full", op_full, NULL, 0, 0, 0, 0, 0, 0},
};
/* Rows take turns every CHUNK iterations, so drift hits them alike. */
#define CHUNK 10
#define N_ROWS (sizeof rows / sizeof rows[0])

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
** `iters` timed calls of one row appended to its samples. A failure is
** counted, not fatal: the default 1 ms authorization time limit can trip
** when the machine preempts the request, and that is worth reporting.
*/
static void run_row(row *r, size_t iters) {
  for (size_t i = 0; i < iters; i++) {
    double t0 = now_ns();
    int bad = r->op();
    r->ns[r->n++] = now_ns() - t0;
    r->failed += bad != 0;
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples. */
static double pct(const double *v, size_t n, double p) {
  size_t k = (size_t)(p / 100.0 * (double)n + 0.5);
  return v[k == 0 ? 0 : (k > n ? n - 1 : k - 1)];
}

static void finish_row(row *r) {
  qsort(r->ns, r->n, sizeof *r->ns, cmp_double);
  r->p50 = pct(r->ns, r->n, 50);
  r->p99 = pct(r->ns, r->n, 99);
  r->min = r->ns[0];
  r->max = r->ns[r->n - 1];
}

/*
** Warm-up: each row once, untimed, and the full request once with its
** error shown, so a denial is reported rather than benchmarked.
*/
static void warm_up(void) {
  biscuit_error *err = NULL;
  biscuit_status st = authorize_token(fx.verified, &err);
  if (st != BISCUIT_OK)
    die("the benchmark request is not allowed", st, err);
  for (size_t i = 0; i < N_ROWS; i++)
    if (rows[i].op()) {
      fprintf(stderr, "bench_request: %s fails\n", rows[i].name);
      exit(1);
    }
}

/* All rows, or only `only` (a row name) when not NULL. */
static void measure(size_t runs, size_t iters, const char *only) {
  for (size_t i = 0; i < N_ROWS; i++) {
    rows[i].ns = malloc(runs * iters * sizeof *rows[i].ns);
    if (!rows[i].ns)
      exit(1);
  }
  warm_up();
  for (size_t r = 0; r < runs; r++)
    for (size_t done = 0; done < iters; done += CHUNK)
      for (size_t i = 0; i < N_ROWS; i++)
        if (!only || strcmp(rows[i].name, only) == 0)
          run_row(&rows[i], iters - done < CHUNK ? iters - done : CHUNK);
  for (size_t i = 0; i < N_ROWS; i++)
    if (rows[i].n)
      finish_row(&rows[i]);
}

static void print_one(const row *r) {
  printf("%s: p50 %.2f p99 %.2f min %.2f max %.2f us\n", r->name,
         r->p50 / 1e3, r->p99 / 1e3, r->min / 1e3, r->max / 1e3);
}

/* ------------------------------------------------------------- output */

static row *find(const char *name) {
  for (size_t i = 0; i < N_ROWS; i++)
    if (strcmp(rows[i].name, name) == 0)
      return &rows[i];
  return NULL;
}

static void print_table(size_t runs, size_t iters) {
  double floor50 = find("floor")->p50, v50 = find("verify1")->p50;
  printf("token: %zu bytes, 3 blocks, signed payloads %zu/%zu/%zu bytes\n",
         fx.len, fx.payload_len[0], fx.payload_len[1], fx.payload_len[2]);
  printf("%zu runs x %zu iterations per row, times in microseconds\n\n",
         runs, iters);
  printf("%-11s %9s %9s %9s %9s %9s %9s %6s\n", "row", "p50", "p99",
         "min", "max", "/floor", "/verify", "failed");
  for (size_t i = 0; i < N_ROWS; i++) {
    const row *r = &rows[i];
    printf("%-11s %9.2f %9.2f %9.2f %9.2f %9.3f %9.3f %6zu\n", r->name,
           r->p50 / 1e3, r->p99 / 1e3, r->min / 1e3, r->max / 1e3,
           r->p50 / floor50, r->p50 / v50, r->failed);
  }
  printf("\nfull / floor: p50 %.3f, min %.3f   (goal <= 1.15)\n",
         find("full")->p50 / floor50, find("full")->min / find("floor")->min);
  printf("full - from_bytes (p50): %.2f us; authorize only (p50): %.2f us\n",
         (find("full")->p50 - find("from_bytes")->p50) / 1e3,
         find("authorize")->p50 / 1e3);
}

static int write_json(const char *path, size_t runs, size_t iters) {
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  fprintf(f, "{\"runs\": %zu, \"iterations\": %zu, \"token_bytes\": %zu,\n",
          runs, iters, fx.len);
  fprintf(f, " \"ratio_full_floor\": %.4f,\n \"rows\": {",
          find("full")->p50 / find("floor")->p50);
  for (size_t i = 0; i < N_ROWS; i++) {
    const row *r = &rows[i];
    fprintf(f, "%s\n  \"%s\": {\"p50_us\": %.3f, \"p99_us\": %.3f, "
               "\"min_us\": %.3f, \"max_us\": %.3f, \"failed\": %zu}",
            i ? "," : "", r->name, r->p50 / 1e3, r->p99 / 1e3, r->min / 1e3,
            r->max / 1e3, r->failed);
  }
  fprintf(f, "\n }\n}\n");
  return fclose(f);
}

static void usage(void) {
  fprintf(stderr, "usage: bench_request [-n iterations] [-r runs (>= 7)] "
                  "[-j results.json] [-o row] [-s]\n");
  exit(2);
}

int main(int argc, char **argv) {
  size_t iters = 1000, runs = 7;
  const char *json = NULL, *only = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-s") == 0) {
      slow_tools = 1;
      continue;
    }
    if (i + 1 >= argc)
      usage();
    if (strcmp(argv[i], "-n") == 0)
      iters = strtoul(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "-r") == 0)
      runs = strtoul(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "-j") == 0)
      json = argv[++i];
    else if (strcmp(argv[i], "-o") == 0)
      only = argv[++i];
    else
      usage();
  }
  if (iters == 0 || runs < 7 || (only && !find(only)))
    usage();
  build_fixture();
  measure(runs, iters, only);
  if (only)
    print_one(find(only));
  else
    print_table(runs, iters);
  if (!only && json && write_json(json, runs, iters) != 0)
    fprintf(stderr, "bench_request: cannot write %s\n", json);
  for (size_t i = 0; i < N_ROWS; i++)
    free(rows[i].ns);
  free_fixture();
  return 0;
}
