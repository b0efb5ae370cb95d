/*
** The monotonic clock the run limits use (perf-and-threats.md B4: time
** is checked every 1024 work units). CLOCK_MONOTONIC never jumps with
** wall-clock changes, so a deadline cannot be dodged or tripped by NTP.
*/
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <time.h>

#include "datalog/expr.h"

uint64_t bdl_now_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    return 0;
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
