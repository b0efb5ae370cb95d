/*
** What Tab offers for the word before the cursor, apart from libedit
** (repl_line.c inserts and lists): after a leading '.', the command
** names; after '$', the variables seen so far; after '.' inside a
** statement (a method), nothing; otherwise the predicate names seen so
** far, plus the statement keywords where a statement starts. "Seen so
** far" means in every accepted statement and the loaded token's blocks
** (repl_refresh_words).
*/
#include <stdlib.h>
#include <string.h>

#include "repl.h"

static const char *const STATEMENT_KEYWORDS[] = {
    "check if",  "check all", "allow if", "deny if",
    "reject if", "trusting",  NULL};

static int is_space(int c) {
  return c == ' ' || c == '\t';
}

static int starts_with(const char *s, const char *prefix, size_t n) {
  return !strncmp(s, prefix, n);
}

static int add_match(repl_completion *c, const char *w, const char *prefix,
                     size_t n) {
  if (!starts_with(w, prefix, n) || repl_strs_has(&c->matches, w))
    return 0;
  return repl_strs_push(&c->matches, w);
}

static int add_matches(repl_completion *c, const repl_strs *l,
                       const char *prefix, size_t n) {
  for (size_t i = 0; i < l->n; i++)
    if (add_match(c, l->v[i], prefix, n) != 0)
      return -1;
  return 0;
}

/* A command name: the line is `.` and the start of a name. */
static int complete_command(repl_completion *c, const char *word, size_t n) {
  int args = 0, any_args = 0;
  const char *name;
  for (size_t i = 0; (name = repl_command_name(i, &args)) != NULL; i++)
    if (starts_with(name, word, n)) {
      if (repl_strs_push(&c->matches, name) != 0)
        return -1;
      any_args = args;
    }
  c->suffix = c->matches.n == 1 && any_args ? " " : "";
  return 0;
}

/* The word before `start`, skipping spaces: its bounds in *from. */
static size_t previous_word(const char *line, size_t start, size_t *from) {
  size_t end = start;
  while (end > 0 && is_space((unsigned char)line[end - 1]))
    end--;
  *from = end;
  while (*from > 0 && repl_is_word_char((unsigned char)line[*from - 1]))
    (*from)--;
  return end - *from;
}

/* Keywords that fit here: whole ones where a statement starts, the
   second word after "check", "allow", "deny" or "reject". */
static int complete_keywords(repl_completion *c, const char *line, size_t start,
                             const char *word, size_t n) {
  size_t from, len = previous_word(line, start, &from);
  const char *prev = line + from;
  if (len == 5 && starts_with(prev, "check", 5))
    return add_match(c, "if", word, n) || add_match(c, "all", word, n);
  if ((len == 5 && starts_with(prev, "allow", 5)) ||
      (len == 4 && starts_with(prev, "deny", 4)) ||
      (len == 6 && starts_with(prev, "reject", 6)))
    return add_match(c, "if", word, n);
  int at_start = len == 0 && (from == 0 || line[from - 1] == ';');
  for (size_t i = 0; STATEMENT_KEYWORDS[i]; i++)
    if ((at_start || !strcmp(STATEMENT_KEYWORDS[i], "trusting")) &&
        add_match(c, STATEMENT_KEYWORDS[i], word, n) != 0)
      return -1;
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A predicate gets its '(' (unless one follows), a keyword a space. */
static const char *suffix_for(const repl_session *s, const char *match,
                              const char *line, size_t cursor) {
  if (repl_strs_has(&s->preds, match))
    return line[cursor] == '(' ? "" : "(";
  return " ";
}

int repl_complete(const repl_session *s, const char *line, size_t cursor,
                  repl_completion *c) {
  size_t lead = strspn(line, " \t");
  c->suffix = "";
  if (line[lead] == '.' && lead < cursor &&
      strcspn(line + lead, " \t") >= cursor - lead) {
    c->start = lead;
    return complete_command(c, line + lead, cursor - lead);
  }
  size_t start = cursor;
  while (start > 0 && repl_is_word_char((unsigned char)line[start - 1]))
    start--;
  c->start = start;
  const char *word = line + start;
  size_t n = cursor - start;
  int st = 0;
  if (start > 0 && line[start - 1] == '$')
    st = add_matches(c, &s->vars, word, n);
  else if (start > 0 && line[start - 1] == '.')
    return 0;
  else
    st = add_matches(c, &s->preds, word, n) ||
         complete_keywords(c, line, start, word, n);
  if (c->matches.n > 1)
    qsort(c->matches.v, c->matches.n, sizeof *c->matches.v, cmp_str);
  if (c->matches.n == 1 && !(start > 0 && line[start - 1] == '$'))
    c->suffix = suffix_for(s, c->matches.v[0], line, cursor);
  return st ? -1 : 0;
}
