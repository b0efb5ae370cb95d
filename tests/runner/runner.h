/*
** bx_testrun: the data-driven test runner (STYLE.md §3.8).
**
**   bx_testrun FILE.test...         run Datalog test files
**   bx_testrun --samples FILE.json  run the official samples' Datalog
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
bool rt_lines_push(rt_lines *l, const char *s, size_t len);
void rt_lines_sort(rt_lines *l);
bool rt_lines_eq(const rt_lines *a, const rt_lines *b);
/* Split text into lines (no trailing empty line for a final '\n'). */
bool rt_lines_split(rt_lines *l, const char *s, size_t len);
/* "   same", "-expected", "+got": a line diff, indented, to f. */
void rt_diff(FILE *f, const rt_lines *want, const rt_lines *got);

/* -------------------------------------------------------- test files */

typedef struct rt_block {
  char *src; /* section text, '\n'-terminated lines */
  size_t len;
  char *external; /* "ed25519/<hex>" or NULL */
} rt_block;

typedef struct rt_query {
  char *rule;
  bool all; /* %%query-all: every block trusted by default */
  rt_lines want;
} rt_query;

typedef struct rt_case {
  char *name;
  unsigned line; /* of %%name in the file */
  rt_block *blocks;
  size_t n_blocks;
  char *authorizer; /* NULL when there is no %%authorizer */
  size_t auth_len;
  bool has_expect, has_expect_error, has_world, has_print;
  biscuit_status error_status; /* %%expect-error incomplete|parse, or OK */
  rt_lines expect, expect_error, world, print;
  rt_query *queries;
  size_t n_queries;
  bdl_limits limits;
} rt_case;

typedef struct rt_file {
  char *path;
  const char *base; /* into path */
  rt_case *cases;
  size_t n_cases;
} rt_file;

/* Read and split a .test file; on error, prints why and returns false. */
bool rt_file_load(rt_file *f, const char *path);
void rt_file_free(rt_file *f);

/* Run one case; prints "ok"/"FAIL" and details; true if it passed. */
bool rt_case_run(const rt_file *f, const rt_case *c);

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
