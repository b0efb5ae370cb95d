/*
** The failing allocator of the allocation-failure sweeps, for the tests
** that include it (bx_set_alloc(failing_alloc, NULL)): allocation number
** `fail_at` (counted from 1 in `n_allocs`; 0 = none) returns NULL. A
** sweep resets n_allocs, sets fail_at = 1, 2, ... and stops once a run
** makes fewer allocations than fail_at.
*/
#ifndef BISCUIT_TEST_ALLOC_H
#define BISCUIT_TEST_ALLOC_H
#include <stdlib.h>

static long fail_at, n_allocs;

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  if (++n_allocs == fail_at)
    return NULL;
  return realloc(ptr, nsize);
}

#endif
