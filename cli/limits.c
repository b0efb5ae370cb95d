/*
** Run limits from the command line (--max-facts N, --max-iterations N,
** --max-time DURATION, --max-work N, --max-memory BYTES), over the
** library's defaults. Zero is refused:
** the library reads a zero field as "keep the default", which would
** silently ignore what was asked.
*/
#include <errno.h>
#include <stdlib.h>

#include "cli.h"

/* A positive count, or a usage error naming the flag. */
static int count_flag(const cli_args *a, const char *name, uint64_t *out) {
  const char *v = cli_args_get(a, name);
  if (!v)
    return CLI_EXIT_OK;
  char *end;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  if (!*v || *end || *v == '-' || errno || n == 0)
    return cli_usage(a->cmd->name,
                     "--%s: expected a positive integer, not '%s'", name, v);
  *out = n;
  return CLI_EXIT_OK;
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
  const char *t = cli_args_get(a, "max-time");
  if (st == CLI_EXIT_OK && t &&
      (cli_parse_duration(t, &l->max_time_us) != 0 || !l->max_time_us))
    st = cli_usage(
        a->cmd->name,
        "--max-time: expected a duration such as 100ms, 2s or 500us, not '%s'",
        t);
  return st;
}
