/*
** bx_testrun: runs data-driven Datalog test files, or the official
** samples' Datalog (see runner.h). Prints one line per case and a closing
** "N passed, N failed"; exits non-zero on any failure.
*/
#include <string.h>

#include "runner.h"

static int usage(void) {
  fprintf(stderr, "usage: bx_testrun FILE.test...\n"
                  "       bx_testrun --samples samples.json\n");
  return 2;
}

/* Every case of every file; a file that cannot be read counts as one
   failure. */
static int run_files(int argc, char **argv) {
  int passed = 0, failed = 0;
  for (int i = 1; i < argc; i++) {
    rt_file f;
    bool loaded = rt_file_load(&f, argv[i]);
    if (!loaded) {
      printf("FAIL  %s: cannot load the test file\n", argv[i]);
      failed++;
    }
    for (size_t k = 0; loaded && k < f.n_cases; k++) {
      if (rt_case_run(&f, &f.cases[k]))
        passed++;
      else
        failed++;
    }
    rt_file_free(&f);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 3 && strcmp(argv[1], "--samples") == 0)
    return rt_samples_run(argv[2]);
  if (argc < 2 || argv[1][0] == '-')
    return usage();
  return run_files(argc, argv);
}
