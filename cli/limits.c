/*
** Run limits from the command line (CLI_OPTS_LIMITS: --max-facts N,
** --max-iterations N, --max-time DURATION, --max-work N, --max-memory
** BYTES and the evaluation guards) and decoding limits (CLI_OPTS_DECODE),
** over the library's defaults. Zero is refused:
** the library reads a zero field as "keep the default", which would
** silently ignore what was asked.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A positive count up to `max`, or a usage error naming the flag. */
static int bounded_flag(const cli_args *a, const char *name, uint64_t max,
                        uint64_t *out) {
  const char *v = cli_args_get(a, name);
  if (!v)
    return CLI_EXIT_OK;
  char *end;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  if (!*v || *end || *v == '-' || errno || n == 0 || n > max) {
    if (max == UINT64_MAX)
      return cli_usage(a->cmd->name,
                       "--%s: expected a positive integer, not '%s'", name, v);
    return cli_usage(a->cmd->name,
                     "--%s: expected a positive integer up to %llu, not '%s'",
                     name, (unsigned long long)max, v);
  }
  *out = n;
  return CLI_EXIT_OK;
}

/* The same into a 32-bit field. */
static int flag32(const cli_args *a, const char *name, uint32_t *out) {
  uint64_t v = *out;
  int st = bounded_flag(a, name, UINT32_MAX, &v);
  *out = (uint32_t)v;
  return st;
}

/* A positive count, or a usage error naming the flag. */
static int count_flag(const cli_args *a, const char *name, uint64_t *out) {
  return bounded_flag(a, name, UINT64_MAX, out);
}

int cli_limits(const cli_args *a, biscuit_limits *l) {
  *l = biscuit_limits_default();
  int st = count_flag(a, "max-facts", &l->max_facts);
  if (st == CLI_EXIT_OK)
    st = count_flag(a, "max-iterations", &l->max_iterations);
  if (st == CLI_EXIT_OK)
    st = count_flag(a, "max-work", &l->max_work);
  if (st == CLI_EXIT_OK)
    st = count_flag(a, "max-memory", &l->max_memory);
  if (st == CLI_EXIT_OK)
    st = flag32(a, "max-body-predicates", &l->max_body_predicates);
  if (st == CLI_EXIT_OK)
    st = flag32(a, "max-stack", &l->max_stack);
  if (st == CLI_EXIT_OK)
    st = flag32(a, "max-closure-depth", &l->max_closure_depth);
  if (st == CLI_EXIT_OK)
    st = flag32(a, "max-elements", &l->max_elements);
  if (st == CLI_EXIT_OK)
    st = count_flag(a, "max-string", &l->max_string);
  const char *t = cli_args_get(a, "max-time");
  if (st == CLI_EXIT_OK && t &&
      (cli_parse_duration(t, &l->max_time_us) != 0 || !l->max_time_us))
    st = cli_usage(
        a->cmd->name,
        "--max-time: expected a duration such as 100ms, 2s or 500us, not '%s'",
        t);
  return st;
}

int cli_decode_options(const cli_args *a, biscuit_decode_options *o) {
  uint64_t size = 0, blocks = 0;
  memset(o, 0, sizeof *o);
  int st = count_flag(a, "max-token-size", &size);
  if (st == CLI_EXIT_OK)
    st = count_flag(a, "max-blocks", &blocks);
  if (st == CLI_EXIT_OK)
    st = flag32(a, "max-nesting", &o->max_depth);
  o->max_size = size > SIZE_MAX ? SIZE_MAX : (size_t)size;
  o->max_blocks = blocks > SIZE_MAX ? SIZE_MAX : (size_t)blocks;
  return st;
}
