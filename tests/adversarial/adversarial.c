/*
** The adversarial suite (perf-and-threats.md A4(d), B1, B4): tokens that
** a holder can build to make a verifier burn CPU or memory. Each case
** builds a real token signed with the samples' root key, appends hostile
** blocks (through the public API, or with the internal builders when the
** text grammar cannot express the shape), sends it through bytes, and
** authorizes it under DEFAULT limits unless the case says otherwise.
**
** Usage: adversarial <case>   (one ctest test per case, see tests.cmake)
**        adversarial --list
**
** Per phase it ASSERTS the outcome kind (a named limit or a clean
** verdict) and a peak RSS under 64 MiB (VmHWM, reset through
** /proc/self/clear_refs before the phase; not asserted under ASan, whose
** shadow memory and quarantine dominate). It PRINTS, never asserts, the
** time taken, the peak memory and whether the run stayed within twice
** the configured time limit or stopped on the work budget.
**
** RunLimit/Timeout is accepted beside the deterministic limit wherever
** the wall clock can fire first on a slow or instrumented machine; the
** printed line says which one fired.
*/
#include <jansson.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_int.h"
#include "parser/parser.h"
#include "token/codec.h"
#include "token/token.h"
#include "tests/common/pbwire.h"

#ifndef BISCUIT_SOURCE_DIR
#define BISCUIT_SOURCE_DIR "."
#endif
#define SAMPLES_JSON BISCUIT_SOURCE_DIR "/tests/data/samples/samples.json"

#if defined(__SANITIZE_ADDRESS__)
#define ADV_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ADV_ASAN 1
#endif
#endif
#ifndef ADV_ASAN
#define ADV_ASAN 0
#endif

#define PEAK_LIMIT_KB (64L * 1024)

static int n_pass, n_fail;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (cond) {                                                                \
      n_pass++;                                                                \
    } else {                                                                   \
      n_fail++;                                                                \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

/* Give up on the case: its setup (not the library under attack) broke. */
static void die(const char *what, biscuit_error *e) {
  fprintf(stderr, "setup failed: %s: %s (%s)\n", what,
          e ? biscuit_error_message(e) : "-", e ? biscuit_error_kind(e) : "-");
  exit(2);
}

/* ============================================================ utilities */

static double clock_ms(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double now_ms(void) {
  return clock_ms(CLOCK_MONOTONIC);
}

/* CPU time of this thread: what the run cost, preemption left out. */
static double cpu_ms(void) {
  return clock_ms(CLOCK_THREAD_CPUTIME_ID);
}

/* A field of /proc/self/status in kB ("VmHWM", "VmRSS"), -1 if absent. */
static long status_kb(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  size_t n = strlen(field);
  if (!f)
    return -1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, field, n) && line[n] == ':') {
      kb = strtol(line + n + 1, NULL, 10);
      break;
    }
  fclose(f);
  return kb;
}

/*
** Give freed heap back (building a big token leaves it resident), then
** reset VmHWM to the current RSS (Linux >= 4.0); false if refused.
*/
static bool reset_peak(void) {
  FILE *f;
  bool ok;
  malloc_trim(0);
  f = fopen("/proc/self/clear_refs", "w");
  if (!f)
    return false;
  ok = fputs("5", f) >= 0;
  return fclose(f) == 0 && ok;
}

/* printf into a growable buffer; aborts the case when memory runs out. */
static void put(bx_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void put(bx_buf *b, const char *fmt, ...) {
  va_list ap;
  char *s;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (!s)
    die("text builder", NULL);
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  if (!bx_buf_add(b, s, (size_t)n))
    die("text builder", NULL);
  free(s);
}

/* `n` copies of `s` (text building). */
static void put_rep(bx_buf *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!bx_buf_puts(b, s))
      die("text builder", NULL);
}

/* ================================================================= keys */

static biscuit_keypair *root_kp;

/* The fixed root key of the official samples (samples.json). */
static void load_root(void) {
  json_error_t jerr;
  json_t *j = json_load_file(SAMPLES_JSON, JSON_DECODE_INT_AS_REAL, &jerr);
  const char *hex;
  biscuit_error *e = NULL;
  if (!j)
    die("reading " SAMPLES_JSON, NULL);
  hex = json_string_value(json_object_get(j, "root_private_key"));
  if (!hex || biscuit_keypair_from_text(BISCUIT_ED25519, hex, &root_kp, &e))
    die("root key", e);
  json_decref(j);
}

/* ======================================================= token building */

/* authority + appended blocks (text), each through the public API. */
static biscuit_token *build(const char *authority, const char *const *blocks,
                            size_t n) {
  biscuit_token *t = NULL, *next;
  biscuit_error *e = NULL;
  if (biscuit_token_create(root_kp, authority, NULL, &t, &e))
    die("create", e);
  for (size_t i = 0; i < n; i++) {
    if (biscuit_token_append(t, blocks[i], NULL, &next, &e))
      die("append", e);
    biscuit_token_free(t);
    t = next;
  }
  return t;
}

/* The token as the attacker sends it, in malloc memory. */
static uint8_t *to_bytes(const biscuit_token *t, size_t *len) {
  uint8_t *out = NULL;
  biscuit_error *e = NULL;
  uint8_t *copy;
  if (biscuit_token_to_bytes(t, &out, len, &e))
    die("to_bytes", e);
  copy = malloc(*len);
  if (!copy)
    die("malloc", NULL);
  memcpy(copy, out, *len);
  biscuit_free(out);
  return copy;
}

/* build() then to_bytes(); the token itself is freed. */
static uint8_t *build_bytes(const char *authority, const char *block,
                            size_t *len) {
  biscuit_token *t = build(authority, &block, block ? 1 : 0);
  uint8_t *out = to_bytes(t, len);
  biscuit_token_free(t);
  return out;
}

/*
** Append a block given as IR (for shapes text cannot express) to the
** token `bytes` and return the new token's bytes. `env` holds the IR.
*/
static uint8_t *append_ir(const uint8_t *bytes, size_t len, bdl_env *env,
                          const bdl_block *blk, size_t *out_len) {
  biscuit_token *t = NULL;
  btk_token *next = NULL;
  biscuit_error *e = NULL;
  uint8_t *out = NULL;
  bx_diag d;
  bx_diag_clear(&d);
  if (biscuit_token_from_bytes(bytes, len, biscuit_keypair_public(root_kp),
                               NULL, &t, &e))
    die("decode for append_ir", e);
  if (btk_token_append(t->tok, env, blk, NULL, &next, &d) ||
      btk_token_encode(next, &out, out_len, &d)) {
    fprintf(stderr, "append_ir: %s (%s)\n", d.msg, d.tag ? d.tag : "-");
    exit(2);
  }
  btk_token_free(next);
  biscuit_token_free(t);
  /* copy into malloc memory so every token here is released by free() */
  uint8_t *copy = malloc(*out_len);
  if (!copy)
    die("malloc", NULL);
  memcpy(copy, out, *out_len);
  bx_free(out);
  return copy;
}

/*
** Append raw Block bytes (possibly not even a valid Block) signed with
** the proof secret, as a holder can: the envelope layer does not look
** inside the block.
*/
static uint8_t *append_raw(const uint8_t *bytes, size_t len,
                           const uint8_t *block, size_t block_len,
                           size_t *out_len) {
  btk_envelope *env = NULL;
  uint8_t *out = NULL, *copy;
  bx_diag d;
  bx_diag_clear(&d);
  if (btk_envelope_decode(bytes, len, NULL, &env, &d) ||
      btk_envelope_append(env, block, block_len, 3, NULL, &d) ||
      btk_envelope_encode(env, &out, out_len, &d)) {
    fprintf(stderr, "append_raw: %s (%s)\n", d.msg, d.tag ? d.tag : "-");
    exit(2);
  }
  btk_envelope_free(env);
  copy = malloc(*out_len);
  if (!copy)
    die("malloc", NULL);
  memcpy(copy, out, *out_len);
  btk_wipe(out, *out_len);
  bx_free(out);
  return copy;
}

/* Parse `text` as a token block into `blk` (in env). */
static void parse_block(bdl_env *env, const char *text, bdl_block *blk) {
  bx_diag d;
  bx_diag_clear(&d);
  bdl_block_init(blk);
  if (bpa_parse_relaxed(env, text, strlen(text), BPA_BLOCK, NULL, blk, &d)) {
    fprintf(stderr, "parse_block: %s\n", d.msg);
    exit(2);
  }
}

/* An op array of n ops in the env's arena. */
static bdl_op *new_ops(bdl_env *env, size_t n) {
  bdl_op *ops = bx_arena_zalloc(&env->arena, n * sizeof *ops);
  if (!ops)
    die("arena", NULL);
  for (size_t i = 0; i < n; i++)
    ops[i].ffi = BDL_NOSYM;
  return ops;
}

static bdl_op op_value(bdl_term t) {
  bdl_op op;
  memset(&op, 0, sizeof op);
  op.type = BDL_OP_VALUE;
  op.ffi = BDL_NOSYM;
  op.u.value = t;
  return op;
}

static bdl_op op_binary(bdl_binary k) {
  bdl_op op;
  memset(&op, 0, sizeof op);
  op.type = BDL_OP_BINARY;
  op.kind = (uint8_t)k;
  op.ffi = BDL_NOSYM;
  return op;
}

/* ================================================= raw protobuf writing */

/* =========================================================== the runner */

/* One decode + authorize, and what it must end in. */
typedef struct phase {
  const char *label;
  const uint8_t *tok;
  size_t len;
  size_t max_size;       /* 0: default decode options */
  const char *authz;     /* authorizer code; NULL: "allow if true;" */
  uint64_t max_facts;    /* 0: default limits */
  const char *expect[4]; /* acceptable kinds (NULLs skipped); "Ok" */
} phase;

typedef struct outcome {
  char kind[96];
  double decode_ms, setup_ms, run_ms;
  double run_cpu_ms; /* CPU time of the authorize call */
  double engine_ms;  /* the run as the engine timed it (stats) */
  long base_kb;      /* RSS before the phase */
  long peak_kb;      /* VmHWM after it */
  bool peak_reset;   /* VmHWM was reset before the phase */
} outcome;

static void set_kind(outcome *o, biscuit_status st, biscuit_error *e) {
  snprintf(o->kind, sizeof o->kind, "%s",
           st == BISCUIT_OK ? "Ok"
           : e              ? biscuit_error_kind(e)
                            : "?");
  biscuit_error_free(e);
}

/* Build the authorizer: token, request code, limits. */
static biscuit_status setup(const phase *p, biscuit_token *t,
                            biscuit_authorizer **a, biscuit_error **e) {
  biscuit_limits lim = biscuit_limits_default();
  biscuit_status st = biscuit_authorizer_new(NULL, a, e);
  if (p->max_facts)
    lim.max_facts = p->max_facts;
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_token(*a, t, e);
  if (st == BISCUIT_OK)
    st = biscuit_authorizer_add_code(*a, p->authz ? p->authz : "allow if true;",
                                     NULL, e);
  if (st == BISCUIT_OK)
    biscuit_authorizer_set_limits(*a, &lim);
  return st;
}

/* Authorizer stage: set up, run, and read the engine's own timing. */
static void authorize(const phase *p, biscuit_token *t, outcome *o) {
  biscuit_authorizer *a = NULL;
  biscuit_error *e = NULL;
  biscuit_status st;
  uint64_t iters = 0, us = 0;
  size_t pol = 0;
  double t0 = now_ms();
  st = setup(p, t, &a, &e);
  o->setup_ms = now_ms() - t0;
  if (st == BISCUIT_OK) {
    double c0 = cpu_ms();
    t0 = now_ms();
    st = biscuit_authorizer_authorize(a, &pol, &e);
    o->run_ms = now_ms() - t0;
    o->run_cpu_ms = cpu_ms() - c0;
    biscuit_authorizer_stats(a, &iters, &us);
    o->engine_ms = (double)us / 1e3;
  }
  set_kind(o, st, e);
  biscuit_authorizer_free(a);
}

static void run_once(const phase *p, outcome *o) {
  biscuit_decode_options opt = {.max_size = p->max_size};
  biscuit_token *t = NULL;
  biscuit_error *e = NULL;
  biscuit_status st;
  double t0;
  memset(o, 0, sizeof *o);
  o->peak_reset = reset_peak();
  o->base_kb = status_kb("VmRSS");
  t0 = now_ms();
  st = biscuit_token_from_bytes(p->tok, p->len, biscuit_keypair_public(root_kp),
                                p->max_size ? &opt : NULL, &t, &e);
  o->decode_ms = now_ms() - t0;
  if (st == BISCUIT_OK)
    authorize(p, t, o);
  else
    set_kind(o, st, e);
  biscuit_token_free(t);
  o->peak_kb = status_kb("VmHWM");
}

static bool expected(const phase *p, const char *kind) {
  for (size_t i = 0; i < 4; i++)
    if (p->expect[i] && !strcmp(p->expect[i], kind))
      return true;
  return false;
}

/*
** The time verdict, printed only: the authorize call within twice the
** time limit, or stopped by the work budget. CPU time is what counts:
** on a loaded machine preemption stretches the wall clock of any run.
*/
static const char *time_verdict(const outcome *o, uint64_t limit_us) {
  double twice = 2.0 * (double)limit_us / 1e3;
  if (o->run_cpu_ms <= twice)
    return "within 2x time limit";
  if (!strcmp(o->kind, "RunLimit/WorkBudget"))
    return "stopped on work budget";
  return "PAST 2x time limit";
}

static const char *case_name;

static void report(const phase *p, const outcome *o) {
  biscuit_limits lim = biscuit_limits_default();
  printf("%s [%s]: %s | token %zu B | decode %.3f ms | setup %.3f ms | "
         "authorize %.3f ms (cpu %.3f, engine %.3f) | peak %.1f MiB "
         "(base %.1f MiB)%s | %s\n",
         case_name, p->label, o->kind, p->len, o->decode_ms, o->setup_ms,
         o->run_ms, o->run_cpu_ms, o->engine_ms, (double)o->peak_kb / 1024.0,
         (double)o->base_kb / 1024.0, o->peak_reset ? "" : " [process peak]",
         time_verdict(o, lim.max_time_us));
}

static void run_phase(const phase *p) {
  outcome o;
  bool ok_kind, ok_mem;
  run_once(p, &o);
  ok_kind = expected(p, o.kind);
  ok_mem = ADV_ASAN || o.peak_kb < PEAK_LIMIT_KB;
  report(p, &o);
  if (!ok_kind) {
    fprintf(stderr, "%s [%s]: got %s, expected", case_name, p->label, o.kind);
    for (size_t i = 0; i < 4; i++)
      if (p->expect[i])
        fprintf(stderr, " %s", p->expect[i]);
    fputc('\n', stderr);
  }
  if (!ok_mem)
    fprintf(stderr, "%s [%s]: peak %ld kB is over 64 MiB\n", case_name,
            p->label, o.peak_kb);
  CHECK(ok_kind);
  CHECK(ok_mem);
}

/* Appending `text` must be refused with status `want` and kind `kind`. */
static void expect_refusal(const char *label, const char *text,
                           biscuit_status want, const char *kind) {
  biscuit_token *t = build("user(1);", NULL, 0), *next = NULL;
  biscuit_error *e = NULL;
  biscuit_status st = biscuit_token_append(t, text, NULL, &next, &e);
  const char *got = st == BISCUIT_OK ? "Ok" : biscuit_error_kind(e);
  printf("%s [%s]: append refused: %s\n", case_name, label, got);
  if (st != want || strcmp(got, kind))
    fprintf(stderr, "%s [%s]: append gave %s, expected %s\n", case_name, label,
            got, kind);
  CHECK(st == want);
  CHECK(!strcmp(got, kind));
  biscuit_error_free(e);
  biscuit_token_free(next);
  biscuit_token_free(t);
}

#define K_OK "Ok"
#define K_DENIED "FailedLogic/Unauthorized"
#define K_TIMEOUT "RunLimit/Timeout"
#define K_WORK "RunLimit/WorkBudget"
#define K_FACTS "RunLimit/TooManyFacts"
#define K_TOOLARGE "RunLimit/TooLarge"
#define K_SIZE "Limit/TokenSize"
#define K_BLOCKS "Limit/BlockCount"
#define K_DEPTH "Limit/NestingDepth"
#define K_FORMAT "Format/DeserializationError"

/* ================================================================ cases */

/* `f(0); ... f(n-1);` */
static void put_facts(bx_buf *b, const char *name, int n) {
  for (int i = 0; i < n; i++)
    put(b, "%s(%d);\n", name, i);
}

/*
** A holder-appended check joining f with itself k times over 10 facts:
** 10^k candidate bindings, none of which match (the sum of naturals is
** never -1), so a naive engine enumerates them all.
*/
static void case_join(int k) {
  bx_buf auth, chk;
  size_t len;
  uint8_t *tok;
  bx_buf_init(&auth, 0);
  bx_buf_init(&chk, 0);
  put_facts(&auth, "f", 10);
  put(&chk, "check if ");
  for (int i = 0; i < k; i++)
    put(&chk, "%sf($v%d)", i ? ", " : "", i);
  put(&chk, ", ");
  for (int i = 0; i < k; i++)
    put(&chk, "%s$v%d", i ? " + " : "", i);
  put(&chk, " == -1;");
  tok = build_bytes(auth.data, chk.data, &len);
  phase p = {"default", tok, len, 0, NULL, 0, {K_TIMEOUT, K_WORK}};
  if (k <= 5) /* 10^4 and 10^5 bindings may finish: the check fails */
    p.expect[2] = K_DENIED;
  run_phase(&p);
  free(tok);
  bx_buf_free(&auth);
  bx_buf_free(&chk);
}

static void case_join4(void) {
  case_join(4);
}
static void case_join5(void) {
  case_join(5);
}
static void case_join6(void) {
  case_join(6);
}
static void case_join7(void) {
  case_join(7);
}
static void case_join8(void) {
  case_join(8);
}

/* One rule, three 100-fact relations: 10^6 facts in one iteration. */
static void case_crossjoin3(void) {
  bx_buf blk;
  size_t len;
  uint8_t *tok;
  bx_buf_init(&blk, 0);
  put_facts(&blk, "a", 100);
  put_facts(&blk, "b", 100);
  put_facts(&blk, "c", 100);
  put(&blk, "r($x, $y, $z) <- a($x), b($y), c($z);\n");
  tok = build_bytes("user(1);", blk.data, &len);
  phase p = {"default", tok, len, 0, NULL, 0, {K_FACTS, K_TIMEOUT}};
  run_phase(&p);
  free(tok);
  bx_buf_free(&blk);
}

/*
** 900 request facts (under max_facts 1000), each a 100-byte near-miss
** for the classic ReDoS pattern, checked by a holder-appended block.
*/
static void case_regex_facts(void) {
  bx_buf az;
  size_t len;
  uint8_t *tok =
      build_bytes("user(1);", "check if s($x), $x.matches(\"^(a+)+$\");", &len);
  bx_buf_init(&az, 0);
  for (int i = 0; i < 900; i++) {
    put(&az, "s(\"");
    put_rep(&az, "a", 96);
    put(&az, "b%03d\");\n", i);
  }
  put(&az, "allow if true;\n");
  phase p = {"default", tok, len, 0, az.data, 0, {K_DENIED, K_TIMEOUT, K_WORK}};
  run_phase(&p);
  free(tok);
  bx_buf_free(&az);
}

/*
** `check if s($x), $x.matches(pattern)` over one near-miss subject
** (`subject_kb` KiB of a, then b) held in the same block.
*/
static void regex_case(const char *label, const char *pattern,
                       size_t subject_kb, const char *e0, const char *e1) {
  bx_buf blk;
  size_t len;
  uint8_t *tok;
  bx_buf_init(&blk, 0);
  put(&blk, "s(\"");
  put_rep(&blk, "a", subject_kb * 1024);
  put(&blk, "b\");\ncheck if s($x), $x.matches(\"%s\");\n", pattern);
  tok = build_bytes("user(1);", blk.data, &len);
  phase p = {label, tok, len, 0, NULL, 0, {e0, e1, K_TIMEOUT}};
  run_phase(&p);
  free(tok);
  bx_buf_free(&blk);
}

/* Nested quantifiers: linear in RE2, so the check just fails. */
static void case_regex_nested(void) {
  regex_case("^(a+)+$", "^(a+)+$", 32, K_DENIED, NULL);
  regex_case("^(a|a?)+$", "^(a|a?)+$", 32, K_DENIED, NULL);
  regex_case("(.*a){12}$", "(.*a){12}$", 32, K_DENIED, NULL);
  regex_case("(a*)*\\1b backref", "(a*)*\\\\1b", 32, K_DENIED, NULL);
}

/* Counted repeats multiplying to 10^6: refused (fail closed). */
static void case_regex_repeat(void) {
  regex_case("((a{100}){100}){100}", "((a{100}){100}){100}", 32, K_TOOLARGE,
             NULL);
}

/* `unit` repeated to fill `bytes` bytes of pattern (escaped for text). */
static char *rep_pattern(const char *unit, size_t bytes) {
  bx_buf b;
  size_t raw = 0, u = 0;
  for (const char *c = unit; *c; c++)
    u += *c == '\\' ? 1 : 0;
  u = strlen(unit) - u / 2; /* "\\\\w" in text is `\w` in the pattern */
  bx_buf_init(&b, 0);
  while (raw + u <= bytes) {
    put(&b, "%s", unit);
    raw += u;
  }
  return bx_buf_take(&b);
}

/*
** A 1 KiB pattern of 512 Unicode word classes, refused once RE2 runs
** past its memory cap; then 1,025 bytes, over the pattern cap.
*/
static void case_regex_1k(void) {
  char *pat = rep_pattern("\\\\w", 1024);
  regex_case("512 x \\w (1024 B)", pat, 32, K_TOOLARGE, NULL);
  bx_free(pat);
  pat = rep_pattern("a", 1025);
  regex_case("1025 B", pat, 32, K_TOOLARGE, NULL);
  bx_free(pat);
}

/*
** Matching cost: 1,024 `.` against a 60 KiB subject defeats RE2's DFA
** (the NFA runs in subject x pattern steps, ~48 ms). The charge includes
** subject x program size / 256 (datalog/expr_ops.c), ~1.97M units here,
** so the work budget refuses it before the match runs.
*/
static void case_regex_match_cost(void) {
  char *pat = rep_pattern(".", 1024);
  regex_case("1024 x . over 60 KiB", pat, 60, K_WORK, NULL);
  bx_free(pat);
}

/*
** 1 KiB patterns of Unicode classes: RE2 compiled them within its 8 MiB
** program cap, but only after 200 to 800 ms and with a peak RSS near
** 70 MiB, before the deadline was next looked at. The shim now refuses a
** translation with more than BDL_REGEX_MAX_UPROPS Unicode property
** references before RE2 runs ("regex too large").
*/
static void case_regex_1k_unicode(void) {
  char *pat = rep_pattern("\\\\w+", 1024);
  regex_case("341 x \\w+ (1023 B)", pat, 1, K_TOOLARGE, NULL);
  bx_free(pat);
  pat = rep_pattern("\\\\w{0,2}", 1024);
  regex_case("146 x \\w{0,2} (1022 B)", pat, 1, K_TOOLARGE, NULL);
  bx_free(pat);
}

/*
** String doubling. `s($x + $x) <- s($x)` itself is refused by the parser
** (rule heads hold terms, not expressions), so the doubling is done in
** expressions: a tree that doubles a 1 KiB string 7 times (past the
** 64 KiB string-term cap), and a 1,024-step closure that builds 48 KiB
** per step (past the work budget, which charges every byte produced).
*/
static void case_strdouble(void) {
  bx_buf blk, e;
  size_t len;
  uint8_t *tok;
  expect_refusal("s($x + $x) <- s($x)", "s($x + $x) <- s($x);", BISCUIT_E_PARSE,
                 "Language/ParseError");
  bx_buf_init(&blk, 0);
  bx_buf_init(&e, 0);
  put(&e, "$x");
  for (int i = 0; i < 7; i++) {
    char *prev = bx_buf_take(&e);
    put(&e, "(%s + %s)", prev, prev);
    bx_free(prev);
  }
  put(&blk, "s(\"");
  put_rep(&blk, "a", 1024);
  put(&blk, "\");\ncheck if s($x), %s.length() == 1;\n", e.data);
  tok = build_bytes("user(1);", blk.data, &len);
  phase p = {"tree x128", tok, len, 0, NULL, 0, {K_TOOLARGE, K_TIMEOUT}};
  run_phase(&p);
  free(tok);
  bx_buf_reset(&blk);
  put(&blk, "s(\"");
  put_rep(&blk, "a", 16 * 1024);
  put(&blk, "\");\ncheck if s($x), [");
  for (int i = 0; i < 1024; i++)
    put(&blk, "%s%d", i ? ", " : "", i);
  put(&blk, "].all($i -> ($x + $x + $x).length() != -1);\n");
  tok = build_bytes("user(1);", blk.data, &len);
  phase q = {"closure 1024 x 48 KiB", tok, len, 0, NULL, 0,
             {K_WORK, K_TIMEOUT}};
  run_phase(&q);
  free(tok);
  bx_buf_free(&blk);
  bx_buf_free(&e);
}

/* `(((...(1 == 1)...)))` with `depth` brackets. */
static char *parens_check(int depth) {
  bx_buf b;
  bx_buf_init(&b, 0);
  put(&b, "check if ");
  put_rep(&b, "(", (size_t)depth);
  put(&b, "1 == 1");
  put_rep(&b, ")", (size_t)depth);
  put(&b, ";");
  return bx_buf_take(&b);
}

/*
** An IR check whose expression pushes `n` values before folding them
** with Add: a stack `n` deep, which text cannot write without brackets.
*/
static uint8_t *deep_stack_token(uint32_t n, size_t *len) {
  size_t base_len;
  uint8_t *base = build_bytes("user(1);", NULL, &base_len), *out;
  bdl_env *env = bdl_env_new(NULL);
  bdl_block blk;
  bdl_op *ops;
  uint32_t k = 0;
  if (!env)
    die("env", NULL);
  parse_block(env, "check if true;", &blk);
  ops = new_ops(env, 2 * (size_t)n + 1);
  for (uint32_t i = 0; i < n; i++)
    ops[k++] = op_value(bdl_int(1));
  for (uint32_t i = 1; i < n; i++)
    ops[k++] = op_binary(BDL_B_ADD);
  ops[k++] = op_value(bdl_int((int64_t)n));
  ops[k++] = op_binary(BDL_B_EQ);
  blk.checks[0].queries[0].exprs[0].ops = ops;
  blk.checks[0].queries[0].exprs[0].n_ops = k;
  out = append_ir(base, base_len, env, &blk, len);
  bdl_block_free(&blk);
  bdl_env_free(env);
  free(base);
  return out;
}

/* Brackets as deep as the parser allows, one deeper, and IR deeper. */
static void case_deep_parens(void) {
  char *ok = parens_check(128), *over = parens_check(129);
  size_t len;
  uint8_t *tok = build_bytes("user(1);", ok, &len);
  phase p = {"128 brackets", tok, len, 0, NULL, 0, {K_OK, K_TIMEOUT}};
  run_phase(&p);
  free(tok);
  expect_refusal("129 brackets", over, BISCUIT_E_PARSE, "Language/ParseError");
  tok = deep_stack_token(250, &len);
  phase q = {"IR stack 250", tok, len, 0, NULL, 0, {K_OK, K_TIMEOUT}};
  run_phase(&q);
  free(tok);
  tok = deep_stack_token(5000, &len);
  phase r = {"IR stack 5000", tok, len, 0, NULL, 0, {K_TOOLARGE, K_TIMEOUT}};
  run_phase(&r);
  free(tok);
  bx_free(ok);
  bx_free(over);
}

/* `true && (true && (... && true))`: `depth` nested closures. */
static char *closure_check(int depth) {
  bx_buf b;
  bx_buf_init(&b, 0);
  put(&b, "check if true");
  for (int i = 0; i < depth; i++)
    put(&b, " && (true");
  put_rep(&b, ")", (size_t)depth);
  put(&b, ";");
  return bx_buf_take(&b);
}

/* A holder-signed raw block appended to a fresh token. */
static uint8_t *raw_block_token(const wbuf *blk, size_t *len) {
  size_t base_len;
  uint8_t *base = build_bytes("user(1);", NULL, &base_len);
  uint8_t *tok = append_raw(base, base_len, blk->p, blk->n, len);
  free(base);
  return tok;
}

/*
** Closures: 16 nested (the evaluator's limit) run; 17 and 29 are refused
** at run time; 30 no longer fit the protobuf nesting limit of 64 (each
** closure is two messages deep), so the builder refuses them; raw
** blocks with 16 (sanity), 200 and 2,000 closures test the decoder.
*/
static void case_deep_closures(void) {
  static const struct {
    int depth;
    const char *label, *e0;
  } text[] = {{16, "16 closures", K_OK},
              {17, "17 closures", K_TOOLARGE},
              {29, "29 closures", K_TOOLARGE}};
  static const struct {
    unsigned n;
    const char *label, *e0;
  } raw[] = {{16, "raw 16 closures", K_OK},
             {200, "raw 200 closures", K_DEPTH},
             {2000, "raw 2000 closures", K_DEPTH}};
  size_t len;
  uint8_t *tok;
  char *chk;
  for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
    chk = closure_check(text[i].depth);
    tok = build_bytes("user(1);", chk, &len);
    phase p = {text[i].label, tok, len, 0, NULL, 0, {text[i].e0, K_TIMEOUT}};
    run_phase(&p);
    free(tok);
    bx_free(chk);
  }
  chk = closure_check(30);
  expect_refusal("30 closures", chk, BISCUIT_E_LIMIT, K_DEPTH);
  bx_free(chk);
  for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
    wbuf blk = closure_block(raw[i].n);
    tok = raw_block_token(&blk, &len);
    phase p = {raw[i].label, tok, len, 0, NULL, 0, {raw[i].e0, K_TIMEOUT}};
    run_phase(&p);
    free(tok);
    free(blk.p);
  }
}

/*
** 64 blocks (authority + 63 appended) of 1,000 checks each, every check
** a 100-binding join that fails: about 1.9 MB, over the 64 KiB token
** limit; with the size limit raised, the run stops on a limit.
*/
static void case_checks64(void) {
  const char *blocks[63];
  bx_buf b, auth;
  biscuit_token *t;
  size_t len;
  uint8_t *tok;
  bx_buf_init(&b, 0);
  bx_buf_init(&auth, 0);
  put_facts(&auth, "f", 10);
  for (int i = 0; i < 1000; i++)
    put(&b, "check if f($a), f($b), $a + $b == %d;\n", -1 - i);
  for (int i = 0; i < 63; i++)
    blocks[i] = b.data;
  put(&auth, "%s", b.data);
  t = build(auth.data, blocks, 63);
  tok = to_bytes(t, &len);
  biscuit_token_free(t);
  phase p = {"default", tok, len, 0, NULL, 0, {K_SIZE}};
  run_phase(&p);
  phase q = {"max_size 8 MiB",   tok, len, 8u << 20, NULL, 0,
             {K_WORK, K_TIMEOUT}};
  run_phase(&q);
  free(tok);
  bx_buf_free(&b);
  bx_buf_free(&auth);
}

/*
** Transitive closure over a 10,000-node chain: the edges are request
** facts (a token cannot carry 10k facts in 64 KiB), the rules are in the
** holder's block. Default limits stop it on facts; with max_facts raised
** as a policy database would, on work or time.
*/
static void case_chain10k(void) {
  bx_buf az;
  size_t len;
  uint8_t *tok = build_bytes("user(1);",
                             "path($x, $y) <- edge($x, $y);\n"
                             "path($x, $z) <- path($x, $y), edge($y, $z);\n"
                             "check if path(0, 10000);\n",
                             &len);
  bx_buf_init(&az, 0);
  for (int i = 0; i < 10000; i++)
    put(&az, "edge(%d, %d);\n", i, i + 1);
  put(&az, "allow if true;\n");
  phase p = {"default", tok, len, 0, az.data, 0, {K_FACTS, K_TIMEOUT}};
  run_phase(&p);
  phase q = {"max_facts 10^9",   tok, len, 0, az.data, 1000000000ull,
             {K_WORK, K_TIMEOUT}};
  run_phase(&q);
  free(tok);
  bx_buf_free(&az);
}

/* 64 blocks decode; 65 are refused before any signature is checked. */
static void case_blocks65(void) {
  const char *blocks[64];
  biscuit_token *t;
  size_t len;
  uint8_t *tok;
  for (int i = 0; i < 64; i++)
    blocks[i] = "check if user(1);";
  t = build("user(1);", blocks, 63);
  tok = to_bytes(t, &len);
  biscuit_token_free(t);
  phase p = {"64 blocks", tok, len, 0, NULL, 0, {K_OK, K_TIMEOUT}};
  run_phase(&p);
  free(tok);
  t = build("user(1);", blocks, 64);
  tok = to_bytes(t, &len);
  biscuit_token_free(t);
  phase q = {"65 blocks", tok, len, 0, NULL, 0, {K_BLOCKS}};
  run_phase(&q);
  free(tok);
}

/* A holder-signed block nested `depth` messages deep. */
static void pb_depth_case(unsigned depth, const char *label, const char *e0) {
  size_t len;
  wbuf blk = deep_block(depth, 1024);
  uint8_t *tok = raw_block_token(&blk, &len);
  phase p = {label, tok, len, 0, NULL, 0, {e0}};
  run_phase(&p);
  free(tok);
  free(blk.p);
}

/* The nesting limit is 64: the boundary, then 100, 1,000 and 5,000. */
static void case_pbdepth(void) {
  pb_depth_case(64, "depth 64", K_OK);
  pb_depth_case(65, "depth 65", K_DEPTH);
  pb_depth_case(100, "depth 100", K_DEPTH);
  pb_depth_case(1000, "depth 1000", K_DEPTH);
  pb_depth_case(5000, "depth 5000", K_DEPTH);
}

/*
** The same chain as array literals in Datalog text (two messages per
** level): 29 levels fit (the literal sits at depth 63), 30 and 100 are
** refused by the builder.
*/
static void case_array_nest(void) {
  bx_buf b;
  size_t len;
  uint8_t *tok;
  bx_buf_init(&b, 0);
  put(&b, "check if ");
  put_rep(&b, "[", 29);
  put(&b, "1");
  put_rep(&b, "]", 29);
  put(&b, ".length() == 1;");
  tok = build_bytes("user(1);", b.data, &len);
  phase p = {"29 nested arrays", tok, len, 0, NULL, 0, {K_OK, K_TIMEOUT}};
  run_phase(&p);
  free(tok);
  bx_buf_reset(&b);
  put(&b, "check if ");
  put_rep(&b, "[", 30);
  put(&b, "1");
  put_rep(&b, "]", 30);
  put(&b, ".length() == 1;");
  expect_refusal("30 nested arrays", b.data, BISCUIT_E_LIMIT, K_DEPTH);
  bx_buf_reset(&b);
  put(&b, "check if ");
  put_rep(&b, "[", 100);
  put(&b, "1");
  put_rep(&b, "]", 100);
  put(&b, ".length() == 1;");
  expect_refusal("100 nested arrays", b.data, BISCUIT_E_LIMIT, K_DEPTH);
  bx_buf_free(&b);
}

/* 0 bytes, and 1 MiB (a real token padded with zeros). */
static void case_sizes(void) {
  size_t base_len, big = (size_t)1 << 20;
  uint8_t *base = build_bytes("user(1);", NULL, &base_len);
  uint8_t *pad = calloc(1, big);
  if (!pad)
    die("calloc", NULL);
  memcpy(pad, base, base_len);
  phase p = {"0 bytes", pad, 0, 0, NULL, 0, {K_FORMAT}};
  run_phase(&p);
  phase q = {"1 MiB", pad, big, 0, NULL, 0, {K_SIZE}};
  run_phase(&q);
  phase r = {"1 MiB, max_size 2 MiB", pad, big, 2u << 20, NULL, 0, {K_FORMAT}};
  run_phase(&r);
  free(pad);
  free(base);
}

/* ================================================================= main */

static const struct {
  const char *name;
  void (*fn)(void);
} cases[] = {
    {"join4", case_join4},
    {"join5", case_join5},
    {"join6", case_join6},
    {"join7", case_join7},
    {"join8", case_join8},
    {"crossjoin3", case_crossjoin3},
    {"regex_facts", case_regex_facts},
    {"regex_nested", case_regex_nested},
    {"regex_repeat", case_regex_repeat},
    {"regex_1k", case_regex_1k},
    {"regex_match_cost", case_regex_match_cost},
    {"regex_1k_unicode", case_regex_1k_unicode},
    {"strdouble", case_strdouble},
    {"deep_parens", case_deep_parens},
    {"deep_closures", case_deep_closures},
    {"checks64x1000", case_checks64},
    {"chain10k", case_chain10k},
    {"blocks65", case_blocks65},
    {"pbdepth", case_pbdepth},
    {"array_nest", case_array_nest},
    {"sizes", case_sizes},
};

int main(int argc, char **argv) {
  size_t n = sizeof cases / sizeof cases[0];
  if (argc == 2 && !strcmp(argv[1], "--list")) {
    for (size_t i = 0; i < n; i++)
      puts(cases[i].name);
    return 0;
  }
  if (argc != 2) {
    fprintf(stderr, "usage: %s <case> | --list\n", argv[0]);
    return 2;
  }
  load_root();
  for (size_t i = 0; i < n; i++) {
    if (strcmp(argv[1], cases[i].name))
      continue;
    case_name = cases[i].name;
    cases[i].fn();
    biscuit_keypair_free(root_kp);
    printf("%d passed, %d failed\n", n_pass, n_fail);
    return n_fail ? 1 : 0;
  }
  fprintf(stderr, "unknown case %s\n", argv[1]);
  biscuit_keypair_free(root_kp);
  return 2;
}
