/*
** biscuit test: which files a path names. A file is run whatever its
** name; a folder contributes every *.test file below it, each folder's
** entries in byte order so that runs print in the same order everywhere.
** Entries whose name starts with '.' (.git, editor files) are skipped,
** and symbolic links to folders are not followed, so that a link cycle
** cannot make the walk endless.
*/
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "dir/name" in a new buffer (no doubled '/', no "./" in front, so that
   files print as people name them); NULL when out of memory. */
static char *join(const char *dir, const char *name) {
  if (!strcmp(dir, "."))
    return cli_strdup(name);
  size_t n = strlen(dir);
  int slash = n > 0 && dir[n - 1] == '/';
  size_t len = n + !slash + strlen(name) + 1;
  char *s = malloc(len);
  if (s)
    snprintf(s, len, "%s%s%s", dir, slash ? "" : "/", name);
  return s;
}

/* The folder's entry names, sorted, without the '.' ones. */
static int list_folder(const char *dir, cli_lines *names) {
  DIR *d = opendir(dir);
  if (!d) {
    cli_error("cannot open folder '%s': %s", dir, strerror(errno));
    return CLI_EXIT_ERROR;
  }
  int st = CLI_EXIT_OK;
  struct dirent *e;
  while (st == CLI_EXIT_OK && (e = readdir(d)) != NULL)
    if (e->d_name[0] != '.' &&
        !cli_lines_push(names, e->d_name, strlen(e->d_name)))
      st = cli_oom();
  closedir(d);
  if (names->n > 1)
    qsort(names->v, names->n, sizeof *names->v, cmp_str);
  return st;
}

static int walk(const char *dir, cli_lines *files);

/*
** One entry of a folder: a .test file is taken, a folder walked. An
** entry gone since it was listed, a dangling link, a link to a folder or
** a device is passed over.
*/
static int entry(const char *path, cli_lines *files) {
  struct stat sb;
  if (lstat(path, &sb) != 0)
    return CLI_EXIT_OK;
  if (S_ISDIR(sb.st_mode))
    return walk(path, files);
  if (S_ISLNK(sb.st_mode) && stat(path, &sb) != 0)
    return CLI_EXIT_OK;
  if (!S_ISREG(sb.st_mode))
    return CLI_EXIT_OK;
  if (ends_with(path, ".test") && !cli_lines_push(files, path, strlen(path)))
    return cli_oom();
  return CLI_EXIT_OK;
}

static int walk(const char *dir, cli_lines *files) {
  cli_lines names = {0};
  int st = list_folder(dir, &names);
  for (size_t i = 0; st == CLI_EXIT_OK && i < names.n; i++) {
    char *path = join(dir, names.v[i]);
    st = path ? entry(path, files) : cli_oom();
    free(path);
  }
  cli_lines_free(&names);
  return st;
}

int cli_test_paths(const char *path, cli_lines *files) {
  struct stat sb;
  if (stat(path, &sb) != 0) {
    cli_error("cannot open '%s': %s", path, strerror(errno));
    return CLI_EXIT_ERROR;
  }
  if (!S_ISDIR(sb.st_mode))
    return cli_lines_push(files, path, strlen(path)) ? CLI_EXIT_OK : cli_oom();
  size_t before = files->n;
  int st = walk(path, files);
  if (st == CLI_EXIT_OK && files->n == before) {
    cli_error("no .test file in folder '%s'", path);
    st = CLI_EXIT_ERROR;
  }
  return st;
}
