/*
** A tiny assertion kit for the unit tests: each CHECK counts, a failing
** one prints file:line and the expression, and TEST_DONE() prints the
** "N passed, N failed" summary line and returns the exit status.
*/
#ifndef BISCUIT_TEST_H
#define BISCUIT_TEST_H
#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (cond) {                                                             \
      t_pass++;                                                             \
    } else {                                                                \
      t_fail++;                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,      \
              #cond);                                                       \
    }                                                                       \
  } while (0)

#define CHECK_STR(got, want)                                                \
  do {                                                                      \
    const char *g_ = (got), *w_ = (want);                                   \
    if (g_ && w_ && strcmp(g_, w_) == 0) {                                  \
      t_pass++;                                                             \
    } else {                                                                \
      t_fail++;                                                             \
      fprintf(stderr, "%s:%d: got  \"%s\"\n%*s want \"%s\"\n", __FILE__,   \
              __LINE__, g_ ? g_ : "(null)", (int)strlen(__FILE__) + 6, "",  \
              w_ ? w_ : "(null)");                                          \
    }                                                                       \
  } while (0)

#define TEST_DONE()                                                         \
  do {                                                                      \
    printf("%d passed, %d failed\n", t_pass, t_fail);                       \
    return t_fail ? 1 : 0;                                                  \
  } while (0)

#endif
