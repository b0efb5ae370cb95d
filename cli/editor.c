/*
** Interactive input, as the reference CLI does it: the text is written in
** the user's editor ($VISUAL, else $EDITOR, else vi) on a temporary file,
** read back once the editor exits, and the file removed.
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *editor(void) {
  const char *e = getenv("VISUAL");
  if (!e || !e[0])
    e = getenv("EDITOR");
  return e && e[0] ? e : "vi";
}

/* A private temporary file (mode 0600); its path in `path`. */
static int make_temp(char path[256]) {
  const char *dir = getenv("TMPDIR");
  if (!dir || !dir[0] || strchr(dir, '\''))
    dir = "/tmp";
  snprintf(path, 256, "%s/biscuit-edit-XXXXXX", dir);
  int fd = mkstemp(path);
  if (fd < 0) {
    cli_error("cannot create a temporary file in %s: %s", dir, strerror(errno));
    return CLI_EXIT_ERROR;
  }
  close(fd);
  return CLI_EXIT_OK;
}

/* Runs the editor through the shell, as git does, so "code -w" works. */
static int run_editor(const char *path) {
  const char *ed = editor();
  size_t n = strlen(ed) + strlen(path) + 8;
  char *cmd = malloc(n);
  if (!cmd)
    return cli_oom();
  snprintf(cmd, n, "%s '%s'", ed, path);
  fflush(stdout);
  int rc = system(cmd);
  free(cmd);
  if (rc != 0) {
    cli_error("the editor '%s' failed (status %d)", ed, rc);
    return CLI_EXIT_ERROR;
  }
  return CLI_EXIT_OK;
}

/* The temporary file is removed whatever the editor did. */
int cli_edit_text(const char *what, char **out) {
  char path[256];
  uint8_t *buf = NULL;
  size_t len = 0;
  *out = NULL;
  int st = make_temp(path);
  if (st != CLI_EXIT_OK)
    return st;
  fprintf(stderr, "biscuit: waiting for the editor (%s) to write the %s\n",
          editor(), what);
  st = run_editor(path);
  if (st == CLI_EXIT_OK)
    st = cli_read_file(path, &buf, &len);
  remove(path);
  if (st == CLI_EXIT_OK)
    *out = (char *)buf;
  return st;
}
