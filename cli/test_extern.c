/*
** biscuit test: the extern function every case can call, the one the
** official samples use (test035; reference-behaviour.md §5), so that
** cases about `$x.extern::name()` can be written at all:
**
**   $x.extern::test()     returns $x
**   $a.extern::test($b)   on two strings: "equal strings" or
**                         "different strings"; anything else fails
**                         (Execution/ExternEvalError)
**
** Any other name is undefined (Execution/UndefinedExtern). Values cross
** as Datalog text (biscuit_extern_fn).
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A string term prints as "..." (its contents unescaped). */
static int is_string(const char *term) {
  size_t n = strlen(term);
  return n >= 2 && term[0] == '"' && term[n - 1] == '"';
}

/* The result goes back in *result (the library frees it); 0 = a value. */
static int answer(char **result, const char *text, int status) {
  *result = cli_strdup(text);
  return *result ? status : 1;
}

int cli_test_extern(void *ud, const char *name, const char *receiver,
                    const char *arg, char **result) {
  (void)ud;
  *result = NULL;
  if (strcmp(name, "test") != 0)
    return -1;
  if (!arg)
    return answer(result, receiver, 0);
  if (!is_string(receiver) || !is_string(arg))
    return answer(result, "test: expected two strings", 1);
  /* equal texts are equal strings: the printed form is the value */
  return answer(result,
                strcmp(receiver, arg) == 0 ? "\"equal strings\""
                                           : "\"different strings\"",
                0);
}
