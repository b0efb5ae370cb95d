/*
** The world as text (biscuit_authorizer_world_text): one "<origin>: <fact>"
** line per fact, sorted bytewise, each line once. It is the form tests
** compare (`biscuit test`'s %%world) and people read: the JSON dump groups
** facts by origin, which is harder to diff.
*/
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "datalog/print.h"

/* The printed lines, NUL-terminated, bx_malloc'd. */
typedef struct world_lines {
  const bdl_env *env;
  char **v;
  size_t n, cap;
} world_lines;

/* "0,1,authorizer: ": the block ids in order, the authorizer last. */
static void print_origin(bx_buf *b, bdl_origin o) {
  bool first = true;
  for (uint32_t id = 0; id <= BDL_AUTHORIZER_ID; id++) {
    if (!bdl_origin_has(o, id))
      continue;
    if (!first)
      bx_buf_putc(b, ',');
    first = false;
    if (id == BDL_AUTHORIZER_ID)
      bx_buf_puts(b, "authorizer");
    else
      bx_buf_printf(b, "%u", id);
  }
  bx_buf_puts(b, ": ");
}

static biscuit_status collect(void *ud, const bdl_pred *fact,
                              bdl_origin origin) {
  world_lines *w = ud;
  if (!bx_grow((void **)&w->v, &w->cap, w->n + 1, sizeof *w->v))
    return BISCUIT_E_NOMEM;
  bx_buf b;
  bx_buf_init(&b, 0);
  print_origin(&b, origin);
  bdl_print_pred(&b, w->env, fact);
  w->v[w->n] = bx_buf_take(&b);
  bx_buf_free(&b);
  if (!w->v[w->n])
    return BISCUIT_E_NOMEM;
  w->n++;
  return BISCUIT_OK;
}

static int cmp_str(const void *x, const void *y) {
  return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Sorted, each distinct line once, each ended by '\n'; NULL on OOM. */
static char *join(world_lines *w) {
  if (w->n > 1)
    qsort(w->v, w->n, sizeof *w->v, cmp_str);
  bx_buf b;
  bx_buf_init(&b, 0);
  for (size_t i = 0; i < w->n; i++) {
    if (i > 0 && strcmp(w->v[i], w->v[i - 1]) == 0)
      continue;
    bx_buf_puts(&b, w->v[i]);
    bx_buf_putc(&b, '\n');
  }
  char *s = bx_buf_take(&b); /* "" for an empty world */
  bx_buf_free(&b);
  return s;
}

/*
** The rules run first when no authorize (or query) has run them, as the
** header promises: bdl_world_run is lazy, so after a completed run it
** does nothing, and after a failed one it fails the same way again.
*/
static biscuit_status run_rules(btk_authorizer *a, bx_diag *d) {
  biscuit_status st = btk_authorizer_register(a, d);
  if (st != BISCUIT_OK)
    return st;
  return bdl_world_run(a->world, &a->limits, d);
}

biscuit_status biscuit_authorizer_world_text(biscuit_authorizer *a, char **out,
                                             biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  if (!a || !out)
    return api_misuse(err, "biscuit_authorizer_world_text: bad arguments");
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = run_rules(a->a, &d);
  if (st != BISCUIT_OK)
    return api_from_diag(err, st, &d);
  world_lines w = {a->a->env, NULL, 0, 0};
  st = bdl_world_foreach_fact(a->a->world, collect, &w);
  if (st == BISCUIT_OK)
    *out = join(&w);
  for (size_t i = 0; i < w.n; i++)
    bx_free(w.v[i]);
  bx_free(w.v);
  if (st == BISCUIT_OK && !*out)
    st = BISCUIT_E_NOMEM;
  if (st != BISCUIT_OK)
    return api_fail(err, st, NULL, "the world could not be printed");
  return BISCUIT_OK;
}
