/*
** Messages on stderr and the colour policy. Every failure of the command
** goes through here, so that each one reads "biscuit: ..." on one line
** (Datalog errors add the source line and a caret) and maps to one of the
** documented exit statuses.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/*
** Colour only where a person reads it: on a terminal, unless NO_COLOR is
** set (https://no-color.org) or the terminal says it cannot.
*/
int cli_colour(int fd) {
  const char *no = getenv("NO_COLOR");
  const char *term = getenv("TERM");
  if (no && no[0])
    return 0;
  if (term && !strcmp(term, "dumb"))
    return 0;
  return isatty(fd);
}

const char *cli_sgr(int fd, const char *code) {
  return cli_colour(fd) ? code : "";
}

/* The last message, for outputs that must carry it too (JSON). */
static char last_error[1024];

const char *cli_last_error(void) {
  return last_error[0] ? last_error : "error";
}

static void remember(const char *fmt, va_list ap) {
  vsnprintf(last_error, sizeof last_error, fmt, ap);
}

static void prefix(void) {
  fprintf(stderr, "biscuit: %serror:%s ", cli_sgr(2, "\033[1;31m"),
          cli_sgr(2, "\033[0m"));
}

/* "biscuit: error: ..." on stderr, remembered for JSON outputs. */
void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  remember(fmt, ap);
  va_end(ap);
  va_start(ap, fmt);
  prefix();
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* A usage error points at the command's --help. */
int cli_usage(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  remember(fmt, ap);
  va_end(ap);
  va_start(ap, fmt);
  prefix();
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n(see 'biscuit %s%s--help')\n", cmd ? cmd : "",
          cmd ? " " : "");
  va_end(ap);
  return CLI_EXIT_USAGE;
}

int cli_oom(void) {
  cli_error("out of memory");
  return CLI_EXIT_ERROR;
}

/* Refusals (a signature or an authorization) are told apart from errors
   so that scripts can distinguish "no" from "could not tell". */
int cli_exit_for(biscuit_status st) {
  switch (st) {
  case BISCUIT_OK:
    return CLI_EXIT_OK;
  case BISCUIT_DENIED:
  case BISCUIT_E_SIGNATURE:
    return CLI_EXIT_REFUSED;
  default:
    return CLI_EXIT_ERROR;
  }
}

int cli_api_error(const char *what, const biscuit_error *e) {
  if (!e) {
    cli_error("%s: failed", what);
    return CLI_EXIT_ERROR;
  }
  cli_error("%s: %s", what, biscuit_error_message(e));
  return cli_exit_for(biscuit_error_status(e));
}

/*
** The library names block text it was given without a file "<input>";
** the command knows better (a file, "<stdin>", "--block"), so the name
** at the start of the report is replaced.
*/
char *cli_datalog_report(const char *source, const biscuit_error *e) {
  const char *rep = e ? biscuit_error_report(e) : "";
  static const char dflt[] = "<input>";
  size_t skip = strncmp(rep, dflt, sizeof dflt - 1) ? 0 : sizeof dflt - 1;
  const char *name = skip ? source : "";
  size_t n = strlen(name) + strlen(rep + skip) + 1;
  char *s = malloc(n);
  if (!s)
    return NULL;
  snprintf(s, n, "%s%s", name, rep + skip);
  size_t len = strlen(s);
  while (len && s[len - 1] == '\n')
    s[--len] = '\0';
  return s;
}

/* Parse errors show the report; other errors only the message. */
int cli_datalog_error(const char *source, const biscuit_error *e) {
  biscuit_status st = e ? biscuit_error_status(e) : BISCUIT_E_PARSE;
  if (st != BISCUIT_E_PARSE && st != BISCUIT_E_INCOMPLETE)
    return cli_api_error(source, e);
  char *rep = cli_datalog_report(source, e);
  if (!rep)
    return cli_oom();
  snprintf(last_error, sizeof last_error, "%s", rep);
  prefix();
  fprintf(stderr, "invalid Datalog\n%s\n", rep);
  free(rep);
  return CLI_EXIT_ERROR;
}
