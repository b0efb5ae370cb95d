/* Diagnostics: the internal twin of the public biscuit_error. */
#include <stdio.h>
#include <string.h>

#include "util/bx.h"

void bx_diag_clear(bx_diag *d) {
  if (d)
    memset(d, 0, sizeof *d);
}

biscuit_status bx_vfail(bx_diag *d, biscuit_status st, const char *tag,
                        const char *fmt, va_list ap) {
  if (!d)
    return st;
  bx_diag_clear(d);
  d->status = st;
  d->tag = tag;
  vsnprintf(d->msg, sizeof d->msg, fmt, ap);
  return st;
}

biscuit_status bx_fail(bx_diag *d, biscuit_status st, const char *tag,
                       const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  bx_vfail(d, st, tag, fmt, ap);
  va_end(ap);
  return st;
}
