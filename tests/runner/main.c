/*
** bx_testrun --samples samples.json: the official samples' Datalog on the
** internal layer (see runner.h and samples.c). Prints one line per unit
** and a closing "N passed, N failed"; exits non-zero on any failure.
*/
#include <string.h>

#include "runner.h"

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 3 && strcmp(argv[1], "--samples") == 0)
    return rt_samples_run(argv[2]);
  fprintf(stderr, "usage: bx_testrun --samples samples.json\n"
                  "(.test files are run by `biscuit test`)\n");
  return 2;
}
