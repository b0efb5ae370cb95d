/*
** Just enough lexing of Datalog text for the REPL: where statements end
** (a ';' outside strings and comments) and which words are predicate
** names and variables (for completion). The text has always been
** accepted by the library first, so this never judges syntax: strings
** ("..." with backslash escapes) and comments (// and / * * /) are the
** only places where ';', '(' or '$' do not mean what they seem.
*/
#include <stdlib.h>
#include <string.h>

#include "repl.h"

int repl_is_word_char(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == ':' || c >= 0x80;
}

static int is_name_start(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int is_space(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* If a string or a comment starts at s[i], the index just past it (the
   end of the text when unterminated); else i. */
static size_t skip_opaque(const char *s, size_t i, size_t n) {
  if (s[i] == '"') {
    for (i++; i < n && s[i] != '"'; i++)
      if (s[i] == '\\' && i + 1 < n)
        i++;
    return i < n ? i + 1 : n;
  }
  if (s[i] == '/' && i + 1 < n && s[i + 1] == '/') {
    const char *nl = memchr(s + i, '\n', n - i);
    return nl ? (size_t)(nl - s) : n;
  }
  if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
    const char *end = strstr(s + i + 2, "*/");
    return end ? (size_t)(end - s) + 2 : n;
  }
  return i;
}

static int is_comment_at(const char *s, size_t i, size_t n) {
  return s[i] == '/' && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '*');
}

/* ------------------------------------------------------------ statements */

/* s[from, to) without the whitespace around it. */
static int push_trimmed(repl_strs *out, const char *s, size_t from, size_t to) {
  while (from < to && is_space((unsigned char)s[from]))
    from++;
  while (to > from && is_space((unsigned char)s[to - 1]))
    to--;
  return repl_strs_pushn(out, s + from, to - from);
}

/*
** The last statement, without its ';': one is put after its last token,
** not at the end, where a comment that follows would swallow it.
*/
static int push_unterminated(repl_strs *out, const char *s, size_t from,
                             size_t last, size_t n) {
  repl_buf b = {0};
  while (from < last && is_space((unsigned char)s[from]))
    from++;
  while (n > last && is_space((unsigned char)s[n - 1]))
    n--;
  int bad = repl_buf_add(&b, s + from, last - from) != 0 ||
            repl_buf_add(&b, ";", 1) != 0 ||
            repl_buf_add(&b, s + last, n - last) != 0 ||
            repl_strs_push(out, b.p) != 0;
  repl_buf_free(&b);
  return bad ? -1 : 0;
}

/* Comments after the last statement stay with it. */
static int attach_tail(repl_strs *out, size_t before, const char *s,
                       size_t from, size_t n) {
  size_t to = n;
  while (to > from && is_space((unsigned char)s[to - 1]))
    to--;
  if (to == from || out->n == before)
    return 0;
  char *stmt = out->v[out->n - 1];
  size_t k = strlen(stmt);
  char *grown = realloc(stmt, k + (to - from) + 1);
  if (!grown)
    return -1;
  memcpy(grown + k, s + from, to - from);
  grown[k + (to - from)] = '\0';
  out->v[out->n - 1] = grown;
  return 0;
}

int repl_split(const char *s, repl_strs *out) {
  size_t n = strlen(s), from = 0, last = 0, before = out->n;
  int tokens = 0; /* the current statement has a token (not a comment) */
  for (size_t i = 0; i < n;) {
    size_t j = skip_opaque(s, i, n);
    if (j > i) {
      if (!is_comment_at(s, i, n)) {
        tokens = 1;
        last = j;
      }
      i = j;
    } else if (s[i] == ';') {
      if (push_trimmed(out, s, from, i + 1) != 0)
        return -1;
      from = ++i;
      tokens = 0;
    } else {
      if (!is_space((unsigned char)s[i])) {
        tokens = 1;
        last = i + 1;
      }
      i++;
    }
  }
  if (tokens)
    return push_unterminated(out, s, from, last, n);
  return attach_tail(out, before, s, from, n);
}

/* ------------------------------------------------------------ words */

/* Words followed by '(' that are not predicates. */
static int is_keyword(const char *w, size_t len) {
  static const char *const kw[] = {"if",    "all",      "or",    "and",
                                   "check", "allow",    "deny",  "reject",
                                   "true",  "trusting", "false", NULL};
  for (size_t i = 0; kw[i]; i++)
    if (strlen(kw[i]) == len && !strncmp(kw[i], w, len))
      return 1;
  return 0;
}

static int add_word(repl_strs *l, const char *w, size_t len) {
  char buf[256];
  if (len >= sizeof buf)
    return 0;
  memcpy(buf, w, len);
  buf[len] = '\0';
  return repl_strs_has(l, buf) ? 0 : repl_strs_push(l, buf);
}

/* The word at s[i] (a name or, after '$', a variable): recorded, and
   the index past it returned. */
static size_t scan_word(const char *s, size_t i, size_t n, repl_strs *preds,
                        repl_strs *vars, int *oom) {
  int var = s[i] == '$';
  int method = i > 0 && s[i - 1] == '.';
  size_t start = i + (size_t)var, end = start;
  while (end < n && repl_is_word_char((unsigned char)s[end]))
    end++;
  if (var && end > start)
    *oom |= add_word(vars, s + start, end - start);
  if (!var && !method) {
    size_t k = end;
    while (k < n && is_space((unsigned char)s[k]))
      k++;
    if (k < n && s[k] == '(' && !is_keyword(s + start, end - start))
      *oom |= add_word(preds, s + start, end - start);
  }
  return end > i ? end : i + 1;
}

int repl_scan_words(const char *s, repl_strs *preds, repl_strs *vars) {
  size_t n = strlen(s);
  int oom = 0;
  for (size_t i = 0; i < n;) {
    size_t j = skip_opaque(s, i, n);
    unsigned char c = (unsigned char)s[i];
    if (j > i)
      i = j;
    else if (c == '$' || is_name_start(c))
      i = scan_word(s, i, n, preds, vars, &oom);
    else if (repl_is_word_char(c))
      while (i < n && repl_is_word_char((unsigned char)s[i]))
        i++; /* a number, or the rest of a word */
    else
      i++;
  }
  return oom ? -1 : 0;
}
