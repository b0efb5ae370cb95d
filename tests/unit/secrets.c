/*
** Secrets do not outlive their owners: every block the library frees is
** scanned, through the allocation hook, for the private keys and proof
** secrets of a whole token life (keys from bytes and text, create,
** append, encode, decode, seal, third-party blocks, the text form of a
** private key). A block still holding one when it is freed is a secret
** left in the heap for the next allocation to read.
**
** Only what goes through the library's hook is seen: libsodium keeps no
** heap copies, and OpenSSL's P-256 scalars live in its secure heap
** (BN_secure_new), which it clears itself.
*/
#include <biscuit/biscuit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "test.h"

#define MAX_SECRETS 16

/* What to look for: raw secrets and their lowercase hex text. */
static struct {
  uint8_t raw[32];
  char hex[65];
  const char *what;
} secrets[MAX_SECRETS];
static int n_secrets;
static int found[MAX_SECRETS];
static long frees;

static void add_secret(const uint8_t raw[32], const char *what) {
  if (n_secrets == MAX_SECRETS)
    return;
  memcpy(secrets[n_secrets].raw, raw, 32);
  for (int i = 0; i < 32; i++)
    snprintf(secrets[n_secrets].hex + 2 * i, 3, "%02x", raw[i]);
  secrets[n_secrets].what = what;
  n_secrets++;
}

static bool holds(const uint8_t *p, size_t n, const void *needle, size_t len) {
  for (size_t i = 0; i + len <= n; i++)
    if (p[i] == *(const uint8_t *)needle && !memcmp(p + i, needle, len))
      return true;
  return false;
}

/* The hook: on every free (and every realloc that moves), scan the old
   block; the 16-byte size header is part of it and holds no secret. */
static void *scanning_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  if (ptr && (nsize == 0 || nsize != osize)) {
    frees++;
    for (int i = 0; i < n_secrets; i++)
      if (holds(ptr, osize, secrets[i].raw, 32) ||
          holds(ptr, osize, secrets[i].hex, 64))
        found[i]++;
  }
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  if (!ptr)
    return malloc(nsize);
  /* a moving realloc, so the old block can be scanned, then freed */
  void *n = malloc(nsize);
  if (n) {
    memcpy(n, ptr, osize < nsize ? osize : nsize);
    free(ptr);
  }
  return n;
}

/* The proof secret an unsealed token carries (internal: the test only). */
static void add_proof_secret(const biscuit_token *t, const char *what) {
  const btk_envelope *e = t->tok->envelope;
  if (!e->sealed)
    add_secret(e->secret.secret, what);
}

static biscuit_token *appended(const biscuit_token *t, const char *code) {
  biscuit_token *n = NULL;
  CHECK(biscuit_token_append(t, code, NULL, &n, NULL) == BISCUIT_OK);
  return n;
}

/* A third-party block signed by `signer`, appended to t. */
static biscuit_token *third_party(const biscuit_token *t,
                                  const biscuit_keypair *signer) {
  uint8_t *req = NULL, *contents = NULL;
  size_t req_len = 0, contents_len = 0;
  biscuit_token *n = NULL;
  CHECK(biscuit_token_third_party_request(t, &req, &req_len, NULL) ==
        BISCUIT_OK);
  CHECK(biscuit_third_party_block_create(req, req_len, signer,
                                         "group(\"admin\");", NULL, &contents,
                                         &contents_len, NULL) == BISCUIT_OK);
  CHECK(biscuit_token_append_third_party(t, contents, contents_len, &n,
                                         NULL) == BISCUIT_OK);
  biscuit_free(req);
  biscuit_free(contents);
  return n;
}

/* A token's whole life; every object is freed at the end. */
static void token_life(biscuit_algorithm alg) {
  uint8_t seed[32], signer_seed[32];
  for (int i = 0; i < 32; i++) {
    seed[i] = (uint8_t)(0xa0 + i);
    signer_seed[i] = (uint8_t)(0x31 * i + 7);
  }
  add_secret(seed, "root private key");
  add_secret(signer_seed, "third-party signer key");
  biscuit_keypair *root = NULL, *signer = NULL, *again = NULL;
  CHECK(biscuit_keypair_from_bytes(alg, seed, 32, &root, NULL) == BISCUIT_OK);
  CHECK(biscuit_keypair_from_bytes(BISCUIT_ED25519, signer_seed, 32, &signer,
                                   NULL) == BISCUIT_OK);
  char *text = biscuit_keypair_private_text(root);
  CHECK(text != NULL);
  CHECK(biscuit_keypair_from_text(alg, text, &again, NULL) == BISCUIT_OK);

  biscuit_token *t = NULL;
  CHECK(biscuit_token_create(root, "user(\"alice\");", NULL, &t, NULL) ==
        BISCUIT_OK);
  add_proof_secret(t, "authority proof secret");
  biscuit_token *t2 = appended(t, "check if user($u);");
  add_proof_secret(t2, "block 1 proof secret");
  biscuit_token *t3 = third_party(t2, signer);
  add_proof_secret(t3, "third-party block proof secret");

  uint8_t *bytes = NULL;
  size_t len = 0;
  char *b64 = NULL;
  biscuit_token *decoded = NULL, *sealed = NULL;
  CHECK(biscuit_token_to_bytes(t3, &bytes, &len, NULL) == BISCUIT_OK);
  CHECK(biscuit_token_to_base64(t3, &b64, NULL) == BISCUIT_OK);
  CHECK(biscuit_token_from_bytes(bytes, len, biscuit_keypair_public(root),
                                 NULL, &decoded, NULL) == BISCUIT_OK);
  CHECK(biscuit_token_seal(decoded, &sealed, NULL) == BISCUIT_OK);

  biscuit_token_free(sealed);
  biscuit_token_free(decoded);
  biscuit_free(b64);
  biscuit_free(bytes);
  biscuit_token_free(t3);
  biscuit_token_free(t2);
  biscuit_token_free(t);
  biscuit_free(text);
  biscuit_keypair_free(again);
  biscuit_keypair_free(signer);
  biscuit_keypair_free(root);
}

static void run(biscuit_algorithm alg, const char *name) {
  n_secrets = 0;
  frees = 0;
  memset(found, 0, sizeof found);
  bx_set_alloc(scanning_alloc, NULL);
  token_life(alg);
  bx_set_alloc(NULL, NULL);
  CHECK(frees > 50); /* the hook saw the frees */
  for (int i = 0; i < n_secrets; i++) {
    if (found[i])
      fprintf(stderr, "%s: the %s was left in %d freed block(s)\n", name,
                      secrets[i].what, found[i]);
    CHECK(found[i] == 0);
  }
  printf("%s: %d secrets, %ld freed blocks scanned\n", name, n_secrets, frees);
}

/* The scan itself must be able to fail: a secret freed unwiped is found. */
static void test_scan_finds_a_leak(void) {
  uint8_t s[32];
  memset(s, 0x5a, sizeof s);
  n_secrets = 0;
  memset(found, 0, sizeof found);
  add_secret(s, "planted");
  bx_set_alloc(scanning_alloc, NULL);
  uint8_t *p = bx_malloc(100);
  CHECK(p != NULL);
  memcpy(p + 10, s, 32);
  bx_free(p);
  char *q = bx_malloc(80);
  CHECK(q != NULL);
  memcpy(q + 3, secrets[0].hex, 64);
  biscuit_free(q); /* wipes: not found */
  bx_set_alloc(NULL, NULL);
  CHECK(found[0] == 1);
}

int main(void) {
  test_scan_finds_a_leak();
  run(BISCUIT_ED25519, "ed25519");
  run(BISCUIT_SECP256R1, "secp256r1");
  TEST_DONE();
}
