/*
** libFuzzer harness: the regex shim (Rust syntax translated for RE2)
** that runs `.matches()` patterns written by token holders.
**
** Input: the pattern, a NUL byte, then the subject (no NUL: the whole
** input is the pattern, matched against a fixed subject).
**
** Properties checked (abort on violation):
**  - compile returns a pattern exactly when the status is OK, and a
**    reason otherwise; compiling again gives the same status (the cache
**    relies on it);
**  - match answers 0, 1 or -1, and the same through the cache;
**  - the cost estimate of a compiled pattern is not zero.
** Hangs and blow-ups show up as libFuzzer timeouts and RSS overflows.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datalog/regex.h"

static const char fixed_subject[] =
    "file1 read 2020-12-21T09:23:12Z \xc3\xa9t\xc3\xa9 /a/b/c?x=1 ABC abc 123";

static _Noreturn void violated(const char *what) {
  fprintf(stderr, "fuzz_regex: %s\n", what);
  abort();
}

static int compile_and_match(const char *pat, size_t plen, const char *s,
                             size_t slen, bdl_regex_status *st) {
  const char *why = NULL;
  bdl_regex *re = bdl_regex_compile_ex(pat, plen, st, &why);
  if ((re != NULL) != (*st == BDL_REGEX_OK))
    violated("compile result and status disagree");
  if (!re) {
    if (!why)
      violated("a refused pattern has no reason");
    return -2;
  }
  if (bdl_regex_cost(re) == 0)
    violated("a compiled pattern costs nothing");
  int m = bdl_regex_match(re, s, slen);
  if (m < -1 || m > 1)
    violated("match answered outside {-1, 0, 1}");
  bdl_regex_free(re);
  return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *in = (const char *)data;
  const char *nul = memchr(in, '\0', size);
  size_t plen = nul ? (size_t)(nul - in) : size;
  const char *s = nul ? nul + 1 : fixed_subject;
  size_t slen = nul ? size - plen - 1 : sizeof fixed_subject - 1;

  bdl_regex_status st1, st2;
  int m1 = compile_and_match(in, plen, s, slen, &st1);
  int m2 = compile_and_match(in, plen, s, slen, &st2);
  if (st1 != st2 && st1 != BDL_REGEX_NOMEM && st2 != BDL_REGEX_NOMEM)
    violated("compiling twice gave two statuses");
  if (m1 != m2 && m1 != -1 && m2 != -1)
    violated("matching twice gave two answers");

  bdl_regex_cache *c = bdl_regex_cache_new(4);
  if (c) {
    const char *why = NULL;
    const bdl_regex *re = bdl_regex_cache_get(c, in, plen, &why);
    if (st1 == BDL_REGEX_OK && re && bdl_regex_match(re, s, slen) != m1 &&
        m1 != -1)
      violated("the cached pattern answers differently");
    bdl_regex_cache_free(c);
  }
  return 0;
}
