/*
** biscuit test: runs the cases of .test files (the format: cli/README.md,
** "biscuit test"), one line per case and a summary. test_paths.c finds
** the files, test_file.c reads them, test_case.c runs each case through
** the public API and test_report.c prints what differed.
**
** A file that cannot be read or breaks the format is reported and
** skipped; the others still run, so one typo does not hide every other
** result. The exit status is the worst outcome: 3 for such a file, else
** 1 for a failing case, else 0.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt OPTS[] = {
    {"filter", CLI_VALUE, "TEXT",
     "run only the cases whose name contains TEXT"},
    {"quiet", CLI_FLAG, NULL, "print only the failing cases and the summary"},
    {"verbose", CLI_FLAG, NULL,
     "under each passing case, print what it produced (to write the "
     "expected sections of a new case)"},
    CLI_OPTS_END};

typedef struct tally {
  size_t passed, failed, filtered, broken; /* broken: files not run */
} tally;

typedef struct settings {
  const char *filter;
  int quiet, verbose;
} settings;

static void run_case(const cli_test_file *f, const cli_test_case *c,
                     const settings *s, tally *t) {
  cli_test_log log;
  memset(&log, 0, sizeof log);
  log.verbose = s->verbose;
  cli_test_case_run(f, c, &log);
  cli_test_print(f->path, c, &log, s->quiet);
  fflush(stdout); /* in order with the errors on stderr */
  if (log.failed)
    t->failed++;
  else
    t->passed++;
  cli_test_log_free(&log);
}

static void run_file(const char *path, const settings *s, tally *t) {
  cli_test_file f;
  if (cli_test_file_load(path, &f) != CLI_EXIT_OK) {
    t->broken++;
  } else {
    for (size_t i = 0; i < f.n_cases; i++) {
      if (s->filter && !strstr(f.cases[i].name, s->filter))
        t->filtered++;
      else
        run_case(&f, &f.cases[i], s, t);
    }
  }
  cli_test_file_free(&f);
}

/* "N passed, M failed", then what did not run; the exit status. */
static int summary(const tally *t, const settings *s) {
  printf("%zu passed, %zu failed", t->passed, t->failed);
  if (t->filtered)
    printf(", %zu filtered out", t->filtered);
  if (t->broken)
    printf(", %zu file%s not run", t->broken, t->broken == 1 ? "" : "s");
  printf("\n");
  fflush(stdout);
  if (t->broken)
    return CLI_EXIT_ERROR;
  if (s->filter && t->passed + t->failed == 0) {
    cli_error("no case name contains '%s'", s->filter);
    return CLI_EXIT_REFUSED;
  }
  return t->failed ? CLI_EXIT_REFUSED : CLI_EXIT_OK;
}

static int run(const cli_args *a) {
  static const char *const modes[] = {"quiet", "verbose", NULL};
  int st = cli_args_exclusive(a, modes);
  if (st != CLI_EXIT_OK)
    return st;
  settings s = {cli_args_get(a, "filter"), cli_args_has(a, "quiet"),
                cli_args_has(a, "verbose")};
  cli_lines files = {0};
  if (a->n_inputs == 0)
    st = cli_test_paths(".", &files);
  for (size_t i = 0; st == CLI_EXIT_OK && i < a->n_inputs; i++)
    st = cli_test_paths(a->inputs[i], &files);
  tally t = {0, 0, 0, 0};
  for (size_t i = 0; st == CLI_EXIT_OK && i < files.n; i++)
    run_file(files.v[i], &s, &t);
  cli_lines_free(&files);
  return st == CLI_EXIT_OK ? summary(&t, &s) : st;
}

const cli_cmd cli_cmd_test = {
    .name = "test",
    .input = "PATH",
    .input_required = 0,
    .input_many = 1,
    .summary = "Run the cases of .test files: tokens, authorizers and "
               "their expected verdicts.",
    .details =
        "Each PATH is a .test file, or a folder searched for *.test files\n"
        "(default: the current folder). Each case builds a real token (a\n"
        "fresh root key, its %%block sections, third-party blocks signed\n"
        "with their external= private key), authorizes it with its\n"
        "%%authorizer and compares the verdict, failed checks, world,\n"
        "queries, printed authorizer or parse error with what it expects.\n"
        "One line per case, a diff under each failing one, then a summary.\n"
        "The format is described in cli/README.md (\"biscuit test\").\n"
        "\n"
        "Cases can call one extern function, the official samples' `test`:\n"
        "$x.extern::test() returns $x; $a.extern::test($b) on two strings\n"
        "returns \"equal strings\" or \"different strings\"; any other use\n"
        "is an ExternEvalError, any other name an UndefinedExtern.\n"
        "\n"
        "Exit status: 0 every case passed; 1 a case failed (or --filter\n"
        "matched none); 3 a file could not be read or breaks the format\n"
        "(reported as file:line, the other files still run).\n",
    .opts = OPTS,
    .run = run,
};
