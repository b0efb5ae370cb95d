/*
** Shared internals used by every layer (prefix bx_): the one allocation
** hook, diagnostics, a bump arena with a byte cap, a growable buffer with
** a cap, and hashing. Nothing here knows about Datalog, text or tokens.
*/
#ifndef BISCUIT_BX_H
#define BISCUIT_BX_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "biscuit/biscuit.h"

/* ------------------------------------------------------------ allocation */

/*
** The allocation hook, in the shape of lua_Alloc: nsize == 0 frees, else
** it (re)allocates. Every allocation in the library goes through it, so a
** test can count allocations and fail the N-th one.
*/
typedef void *(*bx_alloc_fn)(void *ud, void *ptr, size_t osize,
                             size_t nsize);
void bx_set_alloc(bx_alloc_fn fn, void *ud);

/*
** malloc-like wrappers over the hook; each block carries its size in a
** small header so callers free with bx_free(p) alone. NULL on failure
** (or when the hook refuses), never abort.
*/
void *bx_malloc(size_t n);
void *bx_calloc(size_t count, size_t size); /* overflow-checked, zeroed */
void *bx_realloc(void *p, size_t n);
void bx_free(void *p); /* NULL is a no-op */
char *bx_strndup(const char *s, size_t n); /* NUL-terminated copy */
/* The size asked for when p was (re)allocated; 0 for NULL. */
size_t bx_alloc_size(const void *p);
/*
** For tests: bytes allocated minus bytes freed through the wrappers by
** the calling thread. Exact for single-threaded code; a block freed on
** another thread than the one that allocated it moves the count of both.
** (A per-thread count: a shared atomic counter cost every allocation a
** contended cache line when threads authorize side by side.)
*/
size_t bx_alloc_live(void);

/* Grow an array of `*cap` elements of `elem` bytes to hold `need`. */
bool bx_grow(void **arr, size_t *cap, size_t need, size_t elem);

/* ----------------------------------------------------------- diagnostics */

/*
** A diagnostic filled by a failing call. `tag` is a static variant name
** matching the reference's error names where one exists ("Overflow",
** "InvalidType", "TooManyFacts", ...); `msg` is our own human wording.
** line/column are 1-based, 0 when not a text error.
*/
typedef struct bx_diag {
  biscuit_status status;
  const char *tag;
  char msg[512];
  size_t offset;
  uint32_t line, column;
} bx_diag;

void bx_diag_clear(bx_diag *d);
/* Record an error in d (may be NULL) and return st, for `return bx_fail(...)`. */
biscuit_status bx_fail(bx_diag *d, biscuit_status st, const char *tag,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
biscuit_status bx_vfail(bx_diag *d, biscuit_status st, const char *tag,
                        const char *fmt, va_list ap);

/* ----------------------------------------------------------------- arena */

/*
** A bump arena: many small allocations, one free. `cap` bounds the bytes
** it may hold (0 = unbounded); past it allocation returns NULL and
** `over_cap` is set, so callers can report a limit rather than NOMEM.
*/
typedef struct bx_arena_chunk bx_arena_chunk;
typedef struct bx_arena {
  bx_arena_chunk *head;
  size_t used;  /* bytes handed out */
  size_t total; /* bytes held in chunks */
  size_t cap;
  bool over_cap;
} bx_arena;

typedef struct bx_arena_mark {
  bx_arena_chunk *head;
  size_t head_used;
  size_t used;
} bx_arena_mark;

void bx_arena_init(bx_arena *a, size_t cap);
void bx_arena_free(bx_arena *a);
void *bx_arena_alloc(bx_arena *a, size_t n);  /* 8-byte aligned */
void *bx_arena_zalloc(bx_arena *a, size_t n); /* zeroed */
void *bx_arena_dup(bx_arena *a, const void *p, size_t n);
bx_arena_mark bx_arena_save(const bx_arena *a);
void bx_arena_rollback(bx_arena *a, bx_arena_mark m);

/* ---------------------------------------------------------------- buffer */

/*
** A growable NUL-terminated byte buffer with a size cap (curl's dynbuf).
** After any failure (`failed` set) further appends are ignored, so a long
** printing routine can check once at the end.
*/
typedef struct bx_buf {
  char *data;
  size_t len, cap, max;
  bool failed;
} bx_buf;

void bx_buf_init(bx_buf *b, size_t max); /* max 0 = 64 MiB */
void bx_buf_free(bx_buf *b);
void bx_buf_reset(bx_buf *b);
bool bx_buf_add(bx_buf *b, const void *p, size_t n);
bool bx_buf_puts(bx_buf *b, const char *s);
bool bx_buf_putc(bx_buf *b, char c);
bool bx_buf_printf(bx_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the string to the caller; the buffer is reset. */
char *bx_buf_take(bx_buf *b); /* free with bx_free */

/* ----------------------------------------------------------------- hashing */

uint64_t bx_hash_bytes(const void *p, size_t n, uint64_t seed);
static inline uint64_t bx_hash_u64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}
static inline uint64_t bx_hash_mix(uint64_t h, uint64_t v) {
  return bx_hash_u64(h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

#endif
