/*
** The signed part of the malformed-token corpus: tokens whose envelope
** and signatures are valid (the samples' root key, fixed next keys) but
** whose Datalog blocks, block count or third-party form are hostile, as a
** token holder can make them. generate.py cannot sign, so this writes the
** "signed-*.bc" files; generate.py lists their expectations (SIGNED).
**
** Ed25519 signatures are deterministic and every key here is fixed, so
** the output is identical on every run:
**   gen_signed <corpus-dir>           write the files
**   gen_signed --check <corpus-dir>   compare with the committed files
*/
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/codec.h"
#include "token/crypto.h"
#include "tests/common/pbwire.h"

#ifndef BISCUIT_SOURCE_DIR
#define BISCUIT_SOURCE_DIR "."
#endif
#define SAMPLES_JSON BISCUIT_SOURCE_DIR "/tests/data/samples/samples.json"

static const char *out_dir;
static int check_mode, n_bad;
static btk_privkey root;

static void die(const char *what, const bx_diag *d) {
  fprintf(stderr, "gen_signed: %s: %s\n", what, d && d->tag ? d->msg : "");
  exit(2);
}

/* ------------------------------------------------------ protobuf writer */

/* ------------------------------------------------------------- blocks */

/* Fact { Predicate { name, terms: [Term { <term_field>: value }] } } */
static void w_fact(wbuf *blk, uint64_t name, unsigned term_field,
                   uint64_t value) {
  wbuf term = {0}, pred = {0}, fact = {0};
  w_uint(&term, term_field, value);
  w_uint(&pred, 1, name);
  w_msg(&pred, 2, &term);
  w_msg(&fact, 1, &pred);
  w_msg(blk, 4, &fact);
}

/* Block { symbols: [sym?], version?, facts: [name(int 1)] } */
static wbuf simple_block(const char *sym, int version, uint64_t name) {
  wbuf b = {0};
  if (sym)
    w_bytes(&b, 1, sym, strlen(sym));
  if (version >= 0)
    w_uint(&b, 3, (uint64_t)version);
  w_fact(&b, name, 2, 1);
  return b;
}

/* The authority of every token here: `acct(1);` (symbol 1024). */
static wbuf authority(void) {
  return simple_block("acct", 3, 1024);
}

/* --------------------------------------------------------------- keys */

/* Fixed Ed25519 key number i (seed: i, then 31 bytes of 0x5a). */
static btk_privkey fixed_key(unsigned i) {
  uint8_t seed[32];
  btk_privkey k;
  bx_diag d;
  memset(seed, 0x5a, sizeof seed);
  seed[0] = (uint8_t)i;
  seed[1] = (uint8_t)(i >> 8);
  if (btk_privkey_from_bytes(BTK_ALG_ED25519, seed, sizeof seed, &k, &d))
    die("fixed key", &d);
  return k;
}

static void load_root(void) {
  json_t *j = json_load_file(SAMPLES_JSON, JSON_DECODE_INT_AS_REAL, NULL);
  const char *hex = json_string_value(json_object_get(j, "root_private_key"));
  uint8_t raw[32];
  size_t n = 0;
  bx_diag d;
  if (!hex || btk_hex_decode(hex, strlen(hex), raw, sizeof raw, &n, &d) ||
      btk_privkey_from_bytes(BTK_ALG_ED25519, raw, n, &root, &d))
    die("root key from " SAMPLES_JSON, NULL);
  json_decref(j);
}

/* ------------------------------------------------------------ tokens */

/* A new envelope: the authority block, next key number 1. */
static btk_envelope *start(void) {
  wbuf a = authority();
  btk_privkey next = fixed_key(1);
  btk_envelope *e = NULL;
  bx_diag d;
  if (btk_envelope_create(a.p, a.n, 3, &root, NULL, &next, &e, &d))
    die("create", &d);
  free(a.p);
  btk_privkey_wipe(&next);
  return e;
}

/* Append raw Block bytes signed with the proof secret. */
static void append(btk_envelope *e, const wbuf *blk, uint32_t version) {
  btk_privkey next = fixed_key((unsigned)e->n_blocks + 1);
  bx_diag d;
  if (btk_envelope_append(e, blk->p, blk->n, version, &next, &d))
    die("append", &d);
  btk_privkey_wipe(&next);
}

/* Write the file, or compare it with the committed one. */
static void emit(const char *name, const uint8_t *p, size_t n) {
  char path[1024];
  FILE *f;
  snprintf(path, sizeof path, "%s/%s", out_dir, name);
  if (!check_mode) {
    f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
      die(path, NULL);
    return;
  }
  f = fopen(path, "rb");
  uint8_t *old = malloc(n + 1);
  size_t got = f && old ? fread(old, 1, n + 1, f) : 0;
  if (!f || got != n || memcmp(old, p, n) != 0) {
    printf("stale: %s (run gen_signed to regenerate)\n", name);
    n_bad++;
  }
  if (f)
    fclose(f);
  free(old);
}

static void emit_envelope(const char *name, btk_envelope *e) {
  uint8_t *out = NULL;
  size_t n = 0;
  bx_diag d;
  if (btk_envelope_encode(e, &out, &n, &d))
    die("encode", &d);
  emit(name, out, n);
  btk_wipe(out, n);
  bx_free(out);
  btk_envelope_free(e);
}

/* authority + one appended block. */
static void one_block(const char *name, wbuf blk, uint32_t version) {
  btk_envelope *e = start();
  append(e, &blk, version);
  free(blk.p);
  emit_envelope(name, e);
}

static void gen_depths(void) {
  static const unsigned depths[] = {64, 65, 100, 1000, 5000};
  char name[64];
  for (size_t i = 0; i < sizeof depths / sizeof depths[0]; i++) {
    snprintf(name, sizeof name, "signed-depth-%04u.bc", depths[i]);
    one_block(name, deep_block(depths[i], 1025), 3);
  }
  one_block("signed-closures-0200.bc", closure_block(200), 6);
}

static void gen_counts(void) {
  btk_envelope *e = start();
  char name[64];
  for (unsigned total = 2; total <= 65; total++) {
    wbuf b = simple_block(NULL, 3, 1024);
    append(e, &b, 3);
    free(b.p);
    if (total == 64 || total == 65) {
      uint8_t *out = NULL;
      size_t n = 0;
      bx_diag d;
      if (btk_envelope_encode(e, &out, &n, &d))
        die("encode", &d);
      snprintf(name, sizeof name, "signed-blocks-%u.bc", total);
      emit(name, out, n);
      btk_wipe(out, n);
      bx_free(out);
    }
  }
  btk_envelope_free(e);
}

/* Sign block i of e again with `signer` after hand edits. */
static void resign(btk_envelope *e, size_t i, const btk_privkey *signer) {
  btk_signed_block *b = &e->blocks[i];
  uint8_t sig[BTK_SIG_MAX];
  size_t n = 0;
  bx_buf buf;
  bx_diag d;
  bx_buf_init(&buf, 0);
  if (btk_payload_block(&buf, b->version, b->block, &b->next_key,
                        b->has_external ? &b->ext_sig : NULL,
                        i ? &e->blocks[i - 1].sig : NULL, &d) ||
      btk_sign(signer, (const uint8_t *)buf.data, buf.len, sig, &n, &d))
    die("resign", &d);
  bx_buf_free(&buf);
  b->sig.ptr = bx_arena_dup(&e->arena, sig, n);
  b->sig.len = n;
  if (!b->sig.ptr)
    die("arena", NULL);
}

/*
** A third-party block in the legacy form (payload version 0, before
** PREVSIG): the holder's signature is a correct v0 one (data, external
** signature, algorithm, key); the external signature covers the block
** bytes, the algorithm and the previous block's next key, as biscuit-rust
** signed them before payload v1 (from memory: nothing here checks it,
** since the library refuses v0 third-party blocks before verifying).
** Such a signature can be replayed on any token with the same key.
*/
static void gen_legacy_third_party(void) {
  btk_envelope *e = start();
  btk_privkey tp = fixed_key(200), holder = fixed_key(1);
  wbuf blk = simple_block("ext", 5, 1024);
  const btk_pubkey *prev;
  uint8_t alg[4] = {0}, sig[BTK_SIG_MAX];
  size_t n = 0;
  bx_buf buf;
  bx_diag d;
  append(e, &blk, 5);
  prev = &e->blocks[0].next_key; /* after append: blocks may move */
  alg[0] = (uint8_t)prev->alg;
  bx_buf_init(&buf, 0);
  bx_buf_add(&buf, blk.p, blk.n);
  bx_buf_add(&buf, alg, sizeof alg);
  bx_buf_add(&buf, prev->bytes, prev->len);
  if (btk_sign(&tp, (const uint8_t *)buf.data, buf.len, sig, &n, &d))
    die("external signature", &d);
  bx_buf_free(&buf);
  btk_signed_block *b = &e->blocks[1];
  b->version = 0;
  b->has_external = true;
  b->ext_key = tp.pub;
  b->ext_sig.ptr = bx_arena_dup(&e->arena, sig, n);
  b->ext_sig.len = n;
  resign(e, 1, &holder);
  free(blk.p);
  btk_privkey_wipe(&tp);
  btk_privkey_wipe(&holder);
  emit_envelope("signed-legacy-third-party.bc", e);
}

/* An external signature on the authority block (refused on decode). */
static void gen_authority_external(void) {
  btk_envelope *e = start();
  btk_privkey tp = fixed_key(201);
  btk_signed_block *b = &e->blocks[0];
  uint8_t sig[BTK_SIG_MAX];
  size_t n = 0;
  bx_diag d;
  if (btk_sign(&tp, b->block.ptr, b->block.len, sig, &n, &d))
    die("sign", &d);
  b->version = 1;
  b->has_external = true;
  b->ext_key = tp.pub;
  b->ext_sig.ptr = bx_arena_dup(&e->arena, sig, n);
  b->ext_sig.len = n;
  resign(e, 0, &root);
  btk_privkey_wipe(&tp);
  emit_envelope("signed-authority-external.bc", e);
}

/* Blocks that are signed correctly but whose Datalog is refused. */
static void gen_datalog(void) {
  wbuf junk = {0};
  one_block("signed-version-2.bc", simple_block(NULL, 2, 1024), 3);
  one_block("signed-version-7.bc", simple_block(NULL, 7, 1024), 3);
  one_block("signed-no-version.bc", simple_block(NULL, -1, 1024), 3);
  /* 1023: reserved, never a symbol; 1025: one past the token's table */
  wbuf b = {0};
  w_uint(&b, 3, 3);
  w_fact(&b, 0, 3, 1023);
  one_block("signed-symbol-1023.bc", b, 3);
  b = (wbuf){0};
  w_uint(&b, 3, 3);
  w_fact(&b, 1024, 3, 1025);
  one_block("signed-symbol-1025.bc", b, 3);
  one_block("signed-symbol-overlap.bc", simple_block("acct", 3, 1024), 3);
  w_raw(&junk, "\xff\xff\xff\xff", 4);
  one_block("signed-garbage-block.bc", junk, 3);
  one_block("signed-empty-token-block.bc", (wbuf){0}, 3);
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--check")) {
    check_mode = 1;
    out_dir = argv[2];
  } else if (argc == 2) {
    out_dir = argv[1];
  } else {
    fprintf(stderr, "usage: %s [--check] <corpus-dir>\n", argv[0]);
    return 2;
  }
  load_root();
  gen_depths();
  gen_counts();
  gen_legacy_third_party();
  gen_authority_external();
  gen_datalog();
  btk_privkey_wipe(&root);
  if (check_mode)
    printf("signed corpus is %s\n", n_bad ? "stale" : "up to date");
  return n_bad ? 1 : 0;
}
