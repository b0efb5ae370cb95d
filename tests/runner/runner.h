/*
** bx_testrun: the official samples' Datalog, run on the internal Datalog
** layer (no tokens, no signatures):
**
**   bx_testrun --samples FILE.json
**
** The data-driven .test files (tests/datalog, policies) are run by
** `biscuit test` through the public API instead; their format is
** described in cli/README.md ("biscuit test").
**
** Internal to tests/runner/; prefix rt_.
*/
#ifndef BISCUIT_TESTS_RUNNER_H
#define BISCUIT_TESTS_RUNNER_H

#include <stdio.h>

#include "datalog/datalog.h"
#include "datalog/print.h"
#include "datalog/world.h"
#include "parser/parser.h"

/* ------------------------------------------------------------- lines */

/* A list of owned strings (expected or produced output, one per line). */
typedef struct rt_lines {
  char **v;
  size_t n, cap;
} rt_lines;

void rt_lines_free(rt_lines *l);
/* Split text into lines (no trailing empty line for a final '\n'). */
bool rt_lines_split(rt_lines *l, const char *s, size_t len);
/* "   same", "-expected", "+got": a line diff, indented, to f. */
void rt_diff(FILE *f, const rt_lines *want, const rt_lines *got);

/* -------------------------------------------------------- shared help */

/* Limits for tests: the defaults, with a 1 s time limit so sanitizer and
   valgrind builds do not time out (timing is not what these tests test). */
void rt_limits(bdl_limits *l);

/* The `test` extern function of the samples (reference-behaviour.md §5,
   test035). */
biscuit_status rt_extern_test(void *ud, const char *name,
                              const bdl_term *receiver, const bdl_term *arg,
                              bdl_env *env, bdl_term *out, bx_diag *d);

/* The tag of a failed call: diag tag, else a name for the status. */
const char *rt_status_tag(biscuit_status st, const bx_diag *d);

/* Whole file into a NUL-terminated heap string (bx_free). */
char *rt_read_file(const char *path, size_t *len);

/* Run the samples file; returns the process exit status. */
int rt_samples_run(const char *path);

#endif
