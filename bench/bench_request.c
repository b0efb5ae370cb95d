/*
** bench_request: the whole benchmark (one process, one table). main() is
** here, with the request rows (groups 1 and 2) and the cache rows (5);
** bench_datalog.c has groups 3 and 4, bench_threads.c group 6,
** harness.c the timing, the peer, the table and the JSON. bench/run
** builds it and runs it; see bench/README.md for what each row means.
**
** Usage:
**   bench_request [-r runs] [-n iterations] [-b ms] [-B ms] [-t ms] [-q]
**                 [-s] [-o row] [--peer CMD | --peer-na WHY] [--dir DIR]
**                 [--json FILE] [--callgrind N]
**   bench_request --count ROW N      (ROW's operation N times, untimed:
**                                     what --callgrind runs under valgrind)
**   bench_request --compare A.json B.json
*/
#define _DEFAULT_SOURCE
#include <openssl/evp.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"

#ifndef BENCH_HAVE_CACHE
#define BENCH_HAVE_CACHE 0
#endif

/* ------------------------------------------------------------- Datalog */

static const char authority_code[] =
    "user(\"alice\");\n"
    "right(\"file1\", \"read\");\n"
    "right(\"file1\", \"write\");\n"
    "right(\"file2\", \"read\");\n";
static const char check_code[] =
    "check if resource($r), operation($op), right($r, $op);\n";
static const char time_code[] =
    "check if time($t), $t < 2030-01-01T00:00:00Z;\n";
static const char policy_code[] =
    "allow if user($u), resource($r), operation($op), right($r, $op);\n";
static const char request_code[] =
    "resource(\"file1\");\noperation(\"read\");\n";
static const uint64_t request_time = 1717200000; /* 2024-06-01 */
/* What the peer adds instead of add_time (the same fact). */
static const char peer_request[] = "resource(\"file1\");\noperation(\"read\");\n"
                                   "time(2024-06-01T00:00:00Z);\n";

static const uint8_t root_seed[32] = {
    0x42, 0x69, 0x73, 0x63, 0x75, 0x69, 0x74, 0x20, 0x62, 0x65, 0x6e,
    0x63, 0x68, 0x20, 0x72, 0x6f, 0x6f, 0x74, 0x20, 0x6b, 0x65, 0x79,
    0x20, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x31};

/* ------------------------------------------------------------- tokens */

#define MAX_BLOCKS 64

/*
** One token shape: its bytes, a verified copy, and the floor for it: one
** signature per block over a random payload of that block's signed size,
** verified with libsodium (OpenSSL for a P-256 root), plus the proof
** check (crypto_sign_seed_keypair). A token of this shape cannot be
** decoded and verified for less.
*/
typedef struct variant {
  const char *tag; /* row id prefix: "1", "1.b1"...                 */
  biscuit_algorithm alg;
  size_t blocks;
  biscuit_keypair *root;
  const biscuit_public_key *root_pub;
  uint8_t *bytes;
  size_t len;
  biscuit_token *verified;
  int exported;
  size_t n_payloads;
  size_t payload_len[MAX_BLOCKS];
  uint8_t *payload[MAX_BLOCKS];
  uint8_t sig[MAX_BLOCKS][crypto_sign_BYTES];
  uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  uint8_t proof_seed[crypto_sign_SEEDBYTES];
  EVP_PKEY *p256;            /* authority floor for a P-256 root */
  unsigned char p256_sig[80];
  size_t p256_sig_len;
} variant;

static variant typical = {.tag = "1", .alg = BISCUIT_ED25519, .blocks = 3};
static variant v1 = {.tag = "1.b1", .alg = BISCUIT_ED25519, .blocks = 1};
static variant v5 = {.tag = "1.b5", .alg = BISCUIT_ED25519, .blocks = 5};
static variant v32 = {.tag = "1.b32", .alg = BISCUIT_ED25519, .blocks = 32};
static variant vp = {.tag = "1.p256", .alg = BISCUIT_SECP256R1, .blocks = 3};
static variant *const variants[] = {&typical, &v1, &v5, &v32, &vp};
#define N_VARIANTS (sizeof variants / sizeof variants[0])

static biscuit_policy *policy;
bench_typical bench_typ;

/* Authority, then blocks alternating a request check and a time check. */
static void build_token(variant *v) {
  biscuit_token *t = NULL, *next = NULL;
  biscuit_error *err = NULL;
  biscuit_status st;
  st = biscuit_keypair_from_bytes(v->alg, root_seed, 32, &v->root, &err);
  if (st != BISCUIT_OK)
    bench_die("root key", st, err);
  v->root_pub = biscuit_keypair_public(v->root);
  st = biscuit_token_create(v->root, authority_code, NULL, &t, &err);
  for (size_t i = 1; st == BISCUIT_OK && i < v->blocks; i++) {
    st = biscuit_token_append(t, i % 2 ? check_code : time_code, NULL, &next,
                              &err);
    biscuit_token_free(t);
    t = next;
  }
  if (st == BISCUIT_OK)
    st = biscuit_token_to_bytes(t, &v->bytes, &v->len, &err);
  if (st != BISCUIT_OK)
    bench_die("building a token", st, err);
  biscuit_token_free(t);
  st = biscuit_token_from_bytes(v->bytes, v->len, v->root_pub, NULL,
                                &v->verified, &err);
  if (st != BISCUIT_OK)
    bench_die("verifying a token", st, err);
}

/* Protobuf varint at *p (bounded by end); 0 and p = end when malformed. */
static uint64_t varint(const uint8_t **p, const uint8_t *end) {
  uint64_t x = 0;
  for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
    uint8_t b = *(*p)++;
    x |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return x;
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
    uint64_t key = varint(&p, end), n;
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
static void measure_payloads(variant *v) {
  const uint8_t *p = v->bytes, *end = v->bytes + v->len;
  while (p < end && v->n_payloads < MAX_BLOCKS) {
    uint64_t key = varint(&p, end), n;
    if ((key & 7) == 0) {
      (void)varint(&p, end);
      continue;
    }
    n = varint(&p, end);
    if ((key & 7) != 2 || n > (uint64_t)(end - p))
      break;
    if ((key >> 3) == 2 || (key >> 3) == 3)
      v->payload_len[v->n_payloads++] = payload_size(p, p + n);
    p += n;
  }
  if (v->n_payloads != v->blocks) {
    fprintf(stderr, "bench_request: %s: expected %zu blocks, found %zu\n",
            v->tag, v->blocks, v->n_payloads);
    exit(1);
  }
}

static void p256_floor(variant *v) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  v->p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  v->p256_sig_len = sizeof v->p256_sig;
  if (!md || !v->p256 ||
      EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, v->p256) != 1 ||
      EVP_DigestSign(md, v->p256_sig, &v->p256_sig_len, v->payload[0],
                     v->payload_len[0]) != 1) {
    fprintf(stderr, "bench_request: OpenSSL P-256 signing failed\n");
    exit(1);
  }
  EVP_MD_CTX_free(md);
}

/* Random payloads of those sizes, each signed once. */
static void build_floor(variant *v) {
  uint8_t sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(v->pk, sk);
  randombytes_buf(v->proof_seed, sizeof v->proof_seed);
  for (size_t i = 0; i < v->n_payloads; i++) {
    v->payload[i] = malloc(v->payload_len[i]);
    if (!v->payload[i])
      exit(1);
    randombytes_buf(v->payload[i], v->payload_len[i]);
    crypto_sign_detached(v->sig[i], NULL, v->payload[i], v->payload_len[i],
                         sk);
  }
  sodium_memzero(sk, sizeof sk);
  if (v->alg == BISCUIT_SECP256R1)
    p256_floor(v);
}

static void free_variant(variant *v) {
  for (size_t i = 0; i < v->n_payloads; i++)
    free(v->payload[i]);
  EVP_PKEY_free(v->p256);
  biscuit_token_free(v->verified);
  biscuit_free(v->bytes);
  biscuit_keypair_free(v->root);
}

/* ------------------------------------------------------ the operations */

static int p256_verify(const variant *v) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  int ok = md &&
           EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, v->p256) == 1 &&
           EVP_DigestVerify(md, v->p256_sig, v->p256_sig_len, v->payload[0],
                            v->payload_len[0]) == 1;
  EVP_MD_CTX_free(md);
  return ok ? 0 : 1;
}

static int op_floor(void *ctx, double *ns) {
  const variant *v = ctx;
  uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  int bad = 0;
  double t0 = bench_now_ns();
  for (size_t i = 0; i < v->n_payloads; i++)
    if (i == 0 && v->p256)
      bad |= p256_verify(v);
    else
      bad |= crypto_sign_verify_detached(v->sig[i], v->payload[i],
                                         v->payload_len[i], v->pk);
  bad |= crypto_sign_seed_keypair(pk, sk, v->proof_seed);
  *ns = bench_now_ns() - t0;
  sodium_memzero(sk, sizeof sk);
  return bad;
}

int bench_floor_typical(void) {
  double ns;
  return op_floor(&typical, &ns);
}

static int op_verify1(void *ctx, double *ns) {
  const variant *v = ctx;
  int bad;
  BENCH_TIMED(ns, bad = crypto_sign_verify_detached(
                      v->sig[1], v->payload[1], v->payload_len[1], v->pk));
  return bad;
}

static int op_decode(void *ctx, double *ns) {
  const variant *v = ctx;
  biscuit_token *t = NULL;
  biscuit_status st;
  BENCH_TIMED(ns, st = biscuit_token_from_bytes_unverified(v->bytes, v->len,
                                                           NULL, &t, NULL);
              biscuit_token_free(t));
  return st != BISCUIT_OK;
}

static int op_from_bytes(void *ctx, double *ns) {
  const variant *v = ctx;
  biscuit_token *t = NULL;
  biscuit_status st;
  BENCH_TIMED(ns, st = biscuit_token_from_bytes(v->bytes, v->len, v->root_pub,
                                                NULL, &t, NULL);
              biscuit_token_free(t));
  return st != BISCUIT_OK;
}

/*
** One request on a verified token, with the stages timed: load (new
** authorizer on the shared policy, the token, the request facts) and
** authorize (the decision). `stage` picks what *ns gets: 0 everything,
** 1 load, 2 authorize.
*/
static biscuit_status request(const biscuit_token *t, int stage, double *ns,
                              biscuit_error **err) {
  biscuit_authorizer *a = NULL;
  size_t idx = 0;
  double t0 = bench_now_ns(), t1, t2;
  biscuit_status st = biscuit_authorizer_new(policy, &a, err);
  if (st == BISCUIT_OK && bench_o.slow_tools) {
    biscuit_limits lim = biscuit_limits_default();
    lim.max_time_us = 60 * 1000 * 1000;
    biscuit_authorizer_set_limits(a, &lim);
  }
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_token(a, t, err);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_code(a, request_code, NULL, err);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_time(a, request_time, err);
  t1 = bench_now_ns();
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_authorize(a, &idx, err);
  t2 = bench_now_ns();
  biscuit_authorizer_free(a);
  if (ns)
    *ns = stage == 1 ? t1 - t0 : stage == 2 ? t2 - t1 : bench_now_ns() - t0;
  return st;
}

biscuit_status bench_authorize_typical(const biscuit_token *t,
                                       biscuit_error **err) {
  return request(t, 0, NULL, err);
}

static int op_load(void *ctx, double *ns) {
  return request(((const variant *)ctx)->verified, 1, ns, NULL) != BISCUIT_OK;
}

static int op_authorize(void *ctx, double *ns) {
  return request(((const variant *)ctx)->verified, 2, ns, NULL) != BISCUIT_OK;
}

static int op_preverified(void *ctx, double *ns) {
  return request(((const variant *)ctx)->verified, 0, ns, NULL) != BISCUIT_OK;
}

static int op_full(void *ctx, double *ns) {
  const variant *v = ctx;
  biscuit_token *t = NULL;
  double t0 = bench_now_ns();
  biscuit_status st =
      biscuit_token_from_bytes(v->bytes, v->len, v->root_pub, NULL, &t, NULL);
  if (st == BISCUIT_OK)
    st = request(t, 0, NULL, NULL);
  biscuit_token_free(t);
  *ns = bench_now_ns() - t0;
  return st != BISCUIT_OK;
}

/* --------------------------------------------------------------- rows */

static bench_row *row(const char *tag, const char *name, const char *what,
                      bench_op op, variant *v) {
  char id[40];
  snprintf(id, sizeof id, "%s.%s", tag, name);
  return bench_add(id, 1, what, op, v);
}

static void ask_peer(bench_row *r, const char *kind, variant *v) {
  r->peer_kind = kind;
  r->peer_token = v->exported;
  r->peer_policy = policy_code;
  r->peer_request = peer_request;
}

static void with_floor(bench_row *r, const variant *v) {
  snprintf(r->floor_id, sizeof r->floor_id, "%s.floor", v->tag);
}

void bench_request_rows(void) {
  biscuit_error *err = NULL;
  biscuit_status st;
  bench_row *r;
  char what[100];
  if (sodium_init() < 0)
    exit(1);
  st = biscuit_policy_from_text(policy_code, "bench", NULL, &policy, &err);
  if (st != BISCUIT_OK)
    bench_die("policy", st, err);
  for (size_t i = 0; i < N_VARIANTS; i++) {
    variant *v = variants[i];
    build_token(v);
    measure_payloads(v);
    build_floor(v);
    v->exported = bench_export_token(v->bytes, v->len, v->root_pub);
  }
  st = request(typical.verified, 0, NULL, &err);
  if (st != BISCUIT_OK)
    bench_die("the benchmark request is not allowed", st, err);
  bench_typ.root = typical.root_pub;
  bench_typ.policy = policy;
  bench_typ.bytes = typical.bytes;
  bench_typ.len = typical.len;
  bench_typ.verified = typical.verified;

  snprintf(what, sizeof what,
           "floor: %zu x Ed25519 verify (libsodium) + proof seed->pk, the "
           "token is %zu bytes",
           typical.blocks, typical.len);
  r = row("1", "floor", what, op_floor, &typical);
  snprintf(r->note, sizeof r->note, "floor rows: libsodium/OpenSSL only");
  r = row("1", "verify1", "one Ed25519 verify (crypto_sign_verify_detached)",
          op_verify1, &typical);
  snprintf(r->note, sizeof r->note, "floor rows: libsodium/OpenSSL only");
  r = row("1", "decode",
          "stage decode: biscuit_token_from_bytes_unverified + free",
          op_decode, &typical);
  with_floor(r, &typical);
  snprintf(r->note, sizeof r->note,
           "biscuit-wasm cannot parse a token without verifying it");
  r = row("1", "from_bytes",
          "stages decode + verify: biscuit_token_from_bytes + free",
          op_from_bytes, &typical);
  with_floor(r, &typical);
  ask_peer(r, "from_bytes", &typical);
  r = row("1", "load",
          "stage load: authorizer_new(policy) + add_token + 3 request facts",
          op_load, &typical);
  with_floor(r, &typical);
  ask_peer(r, "load", &typical);
  r = row("1", "authorize", "stage authorize: biscuit_authorizer_authorize",
          op_authorize, &typical);
  with_floor(r, &typical);
  ask_peer(r, "authorize", &typical);
  r = row("1", "full", "full request: from_bytes + load + authorize + free",
          op_full, &typical);
  with_floor(r, &typical);
  ask_peer(r, "full", &typical);

  for (size_t i = 1; i < N_VARIANTS; i++) {
    variant *v = variants[i];
    const char *alg = v->alg == BISCUIT_SECP256R1 ? "P-256 root" : "Ed25519";
    snprintf(what, sizeof what, "floor for %zu blocks (%s), %zu bytes",
             v->blocks, alg, v->len);
    r = row(v->tag, "floor", what, op_floor, v);
    snprintf(r->note, sizeof r->note, "floor rows: libsodium/OpenSSL only");
    snprintf(what, sizeof what, "full request, %zu-block token (%s)",
             v->blocks, alg);
    r = row(v->tag, "full", what, op_full, v);
    with_floor(r, v);
    ask_peer(r, "full", v);
  }

  r = bench_add("2.preverified", 2,
                "new + add_token + 3 facts + authorize + free on a verified "
                "token, shared biscuit_policy",
                op_preverified, &typical);
  snprintf(r->floor_id, sizeof r->floor_id, "1.floor");
  ask_peer(r, "preverified", &typical);
}

void bench_request_free(void) {
  for (size_t i = 0; i < N_VARIANTS; i++)
    free_variant(variants[i]);
  biscuit_policy_free(policy);
}

/* ---------------------------------------------------------- the cache */

#if BENCH_HAVE_CACHE
static biscuit_cache *warm;

static int op_cache_cold(void *ctx, double *ns) {
  biscuit_cache *c = NULL;
  biscuit_token *t = NULL;
  biscuit_status st;
  (void)ctx;
  if (biscuit_cache_new(16, 1u << 20, &c, NULL) != BISCUIT_OK)
    return 1;
  BENCH_TIMED(ns, st = biscuit_cache_token_from_bytes(
                      c, bench_typ.bytes, bench_typ.len, bench_typ.root, NULL,
                      &t, NULL);
              biscuit_token_free(t));
  biscuit_cache_free(c);
  return st != BISCUIT_OK;
}

static int op_cache_hit(void *ctx, double *ns) {
  biscuit_token *t = NULL;
  biscuit_status st;
  (void)ctx;
  BENCH_TIMED(ns, st = biscuit_cache_token_from_bytes(
                      warm, bench_typ.bytes, bench_typ.len, bench_typ.root,
                      NULL, &t, NULL);
              biscuit_token_free(t));
  return st != BISCUIT_OK;
}

static int op_cache_full(void *ctx, double *ns) {
  biscuit_token *t = NULL;
  double t0 = bench_now_ns();
  biscuit_status st = biscuit_cache_token_from_bytes(
      warm, bench_typ.bytes, bench_typ.len, bench_typ.root, NULL, &t, NULL);
  (void)ctx;
  if (st == BISCUIT_OK)
    st = request(t, 0, NULL, NULL);
  biscuit_token_free(t);
  *ns = bench_now_ns() - t0;
  return st != BISCUIT_OK;
}

/* A cache holding the typical token; a second lookup must be a hit. */
static int warm_cache(void *ctx, char *why, size_t cap) {
  biscuit_error *err = NULL;
  biscuit_token *t = NULL;
  uint64_t hits = 0;
  biscuit_status st;
  (void)ctx;
  if (warm)
    return 0;
  st = biscuit_cache_new(16, 1u << 20, &warm, &err);
  for (int i = 0; st == BISCUIT_OK && i < 2; i++) {
    st = biscuit_cache_token_from_bytes(warm, bench_typ.bytes, bench_typ.len,
                                        bench_typ.root, NULL, &t, &err);
    biscuit_token_free(t);
    t = NULL;
  }
  if (st != BISCUIT_OK) {
    snprintf(why, cap, "cache fails: %s",
             err ? biscuit_error_message(err) : biscuit_status_str(st));
    biscuit_error_free(err);
    return -1;
  }
  biscuit_cache_stats(warm, &hits, NULL, NULL, NULL);
  if (hits != 1) {
    snprintf(why, cap, "the cache reports %llu hits, not 1",
             (unsigned long long)hits);
    return -1;
  }
  return 0;
}

static void cold_cache(void *ctx) {
  (void)ctx;
  biscuit_cache_free(warm);
  warm = NULL;
}
#endif

void bench_cache_rows(void) {
  static const char *const id[] = {"5.cache.cold", "5.cache.hit",
                                   "5.cache.full"};
  static const char *const what[] = {
      ("cache miss: biscuit_cache_token_from_bytes on an empty cache "
       "(decode, verify, insert) + token free"),
      "cache hit: the same token again + token free",
      "full request through a warm cache: hit + load + authorize"};
#if BENCH_HAVE_CACHE
  static const bench_op ops[] = {op_cache_cold, op_cache_hit, op_cache_full};
#endif
  for (size_t i = 0; i < 3; i++) {
    bench_row *r = bench_add(id[i], 5, what[i], NULL, NULL);
    snprintf(r->note, sizeof r->note,
             "biscuit-wasm has no verified-token cache");
#if BENCH_HAVE_CACHE
    r->op = ops[i];
    if (i) {
      r->prepare = warm_cache;
      r->release = cold_cache;
    }
    snprintf(r->floor_id, sizeof r->floor_id, "1.floor");
#else
    snprintf(r->skip, sizeof r->skip, "n/a (cache not built)");
#endif
  }
}

/* ---------------------------------------------------------------- main */

static void usage(void) {
  fprintf(stderr,
          "usage: bench_request [-r runs (>= 7)] [-n iterations] [-b ms] "
          "[-B ms] [-t ms] [-q] [-s]\n"
          "                     [-o row] [--peer CMD | --peer-na WHY] "
          "[--dir DIR] [--json FILE] [--callgrind N]\n"
          "       bench_request --count ROW N\n"
          "       bench_request --compare A.json B.json\n");
  exit(2);
}

static void register_rows(void) {
  bench_request_rows();
  bench_datalog_rows();
  bench_cache_rows();
  bench_thread_rows();
}

static void free_all(void) {
  bench_datalog_free();
  bench_request_free();
  bench_harness_free();
}

/* valgrind runs this: the row's operation n times, after a warm-up. */
static int count_mode(const char *id, size_t n) {
  bench_row *r;
  double ns;
  bench_o.slow_tools = 1;
  register_rows();
  r = bench_find(id);
  if (!r || !r->op || r->skip[0]) {
    fprintf(stderr, "bench_request: no row %s to count\n", id);
    return 2;
  }
  if (r->prepare && r->prepare(r->ctx, r->skip, sizeof r->skip) != 0) {
    fprintf(stderr, "bench_request: %s: %s\n", id, r->skip);
    return 1;
  }
  for (int i = 0; i < 3; i++)
    if (r->op(r->ctx, &ns)) {
      fprintf(stderr, "bench_request: %s fails\n", id);
      return 1;
    }
  bench_counted(r, n);
  if (r->release)
    r->release(r->ctx);
  printf("%s: %zu calls, %zu failed\n", id, n, r->failed);
  free_all();
  return r->failed ? 1 : 0;
}

int main(int argc, char **argv) {
  const char *json = NULL, *peer = NULL, *dir = NULL, *peer_na = NULL;
  size_t cg_iters = 0;
  char tmp[] = "/tmp/biscuit-bench.XXXXXX", self[4096];
  ssize_t n;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--compare") == 0 && i + 2 < argc)
      return bench_compare(argv[i + 1], argv[i + 2]);
    if (strcmp(a, "--count") == 0 && i + 2 < argc)
      return count_mode(argv[i + 1], strtoul(argv[i + 2], NULL, 10));
    if (strcmp(a, "-s") == 0) {
      bench_o.slow_tools = 1;
      continue;
    }
    if (strcmp(a, "-q") == 0) {
      bench_o.quick = 1;
      continue;
    }
    if (i + 1 >= argc)
      usage();
    if (strcmp(a, "-r") == 0)
      bench_o.runs = strtoul(argv[++i], NULL, 10);
    else if (strcmp(a, "-n") == 0)
      bench_o.max_iters = strtoul(argv[++i], NULL, 10);
    else if (strcmp(a, "-b") == 0)
      bench_o.budget_ms = strtod(argv[++i], NULL);
    else if (strcmp(a, "-B") == 0)
      bench_o.big_budget_ms = strtod(argv[++i], NULL);
    else if (strcmp(a, "-t") == 0)
      bench_o.thread_ms = strtod(argv[++i], NULL);
    else if (strcmp(a, "-o") == 0)
      bench_o.only = argv[++i];
    else if (strcmp(a, "--peer") == 0)
      peer = argv[++i];
    else if (strcmp(a, "--peer-na") == 0)
      peer_na = argv[++i];
    else if (strcmp(a, "--dir") == 0)
      dir = argv[++i];
    else if (strcmp(a, "--json") == 0 || strcmp(a, "-j") == 0)
      json = argv[++i];
    else if (strcmp(a, "--callgrind") == 0)
      cg_iters = strtoul(argv[++i], NULL, 10);
    else
      usage();
  }
  if (bench_o.runs < 7 || bench_o.max_iters == 0 || bench_o.budget_ms <= 0 ||
      bench_o.big_budget_ms <= 0 || bench_o.thread_ms <= 0)
    usage();
  register_rows();
  if (bench_o.only && !bench_find(bench_o.only))
    usage();
  if (!dir && (peer || cg_iters)) {
    if (!mkdtemp(tmp)) {
      perror("bench_request: mkdtemp");
      return 1;
    }
    dir = tmp;
    fprintf(stderr, "bench_request: work files in %s\n", dir);
  }
  /* Before our own timing, so the other processes run on an idle box. */
  if (cg_iters) {
    static const char *const ids[] = {"1.full", "2.preverified"};
    n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
      self[n] = 0;
      bench_callgrind(self, ids, 2, cg_iters, dir);
    }
  }
  if (peer)
    bench_run_peer(peer, dir);
  else
    snprintf(bench_peer_state, sizeof bench_peer_state,
             "not available (%.170s)", peer_na ? peer_na : "no --peer given");
  fprintf(stderr, "measuring: micro rows\n");
  bench_measure_micro();
  fprintf(stderr, "measuring: large rows\n");
  bench_measure_big();
  fprintf(stderr, "measuring: threads\n");
  bench_threads_measure();
  bench_print_table(stdout);
  if (json && bench_write_json(json) != 0)
    fprintf(stderr, "bench_request: cannot write %s\n", json);
  else if (json)
    printf("\nJSON: %s\n", json);
  free_all();
  return 0;
}
