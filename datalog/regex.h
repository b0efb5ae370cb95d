/*
** The regex shim behind Datalog's `"s".matches("pattern")`.
**
** biscuit-rust evaluates the operator with the Rust `regex` crate
** (`Regex::new(p)` then `is_match(s)`, false when the pattern does not
** compile). Patterns come from attacker-written token blocks, so the
** engine must run in linear time: this shim translates Rust regex syntax
** into RE2 syntax (datalog/regex_syntax.c) and runs RE2
** (datalog/regex_re2.cc, the project's only C++).
**
** What the translation keeps from Rust (perf-and-threats.md B3,
** reference-behaviour.md 5 and 6):
**   - unanchored search; `$` only at the end of the text; `(?m)` lines;
**   - Unicode-aware `\d \w \s \b \B` (also inside classes) unless `(?-u)`;
**     `(?i)` simple case folding; `\p{..}` by general category or script,
**     with Rust's loose name matching; `[[:alpha:]]` (ASCII);
**   - class set operations `&&`, `--`, `~~` and nested classes;
**   - flags i m s U u x, `(?P<n>..)`/`(?<n>..)` names (checked, then
**     dropped: the shim never captures), `a**` and `a{2}{3}` stacking;
**   - rejection of what Rust rejects: backreferences, look-around, bad
**     escapes, `[z-a]`, `a{2,1}`, unknown properties, unclosed groups and
**     classes, `(?-u)` constructs that could match invalid UTF-8, nesting
**     deeper than 250.
** Where it fails closed (the pattern compiles to NULL although Rust would
** accept it; the status is then UNSUPPORTED or LIMIT, see below):
**   - patterns over 1024 bytes; counted repetitions over 1000, also when
**     nested repetitions multiply past 1000 (RE2); programs over 8 MiB;
**   - `\b{start}`, `\b{end}`, `\b{start-half}`, `\b{end-half}`, `\<`, `\>`;
**     the CRLF flag `R` together with `m` for `^`/`$`; a Unicode and an
**     ASCII word boundary in the same pattern;
**   - `\p{..}` of a binary property other than White_Space, Join_Control,
**     ASCII_Hex_Digit and Hex_Digit, of scx/age/word-break values, and of
**     scripts newer than the installed RE2; non-ASCII group names;
**   - a case-insensitive class operation that must complement a
**     non-ASCII range, e.g. `(?i)[^é\W]` (needs case tables); a class
**     whose set operations expand past 64 alternatives.
** Unicode tables are RE2's (Unicode 15 in RE2 2022-06) where Rust 1.x
** uses Unicode 16: characters assigned since differ.
**
** Cost: compiling is linear in the program size but not cheap for big
** Unicode classes (`\w` about 0.7 to 2 ms; a 1 KiB pattern of hundreds of
** them took up to about 1 s and 70 MiB before max_mem stopped it; Rust
** takes 0.15-0.25 s), so patterns with more than BDL_REGEX_MAX_UPROPS
** property references are refused before RE2 runs, and use the cache. Matching is linear: RE2's DFA, NFA when the DFA budget
** runs out.
**
** Subjects must be valid UTF-8 (Datalog strings are); any other subject
** is reported as no match.
*/
#ifndef BISCUIT_DATALOG_REGEX_H
#define BISCUIT_DATALOG_REGEX_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits, fixed (Rust has no pattern length limit: we fail closed). */
#define BDL_REGEX_MAX_PATTERN 1024u  /* bytes */
#define BDL_REGEX_MAX_NEST 250u      /* as Rust's default nest_limit */
#define BDL_REGEX_MAX_REPEAT 1000u   /* RE2's counted-repeat limit */
#define BDL_REGEX_MAX_MEM (8u << 20) /* RE2 max_mem */
#define BDL_REGEX_CACHE_DEFAULT 64u  /* entries */
/*
** Unicode property references (\p{..}, also inside \w \d and classes)
** in the translated program(s): RE2 parses and compiles them before
** max_mem is checked, ~0.03 to 0.6 ms each, so more are refused (LIMIT,
** "regex too large") before RE2 sees them. \w holds five: eight \w, or
** four with a Unicode \b (two programs).
*/
#define BDL_REGEX_MAX_UPROPS 40u

/* Why a pattern did not compile. */
typedef enum bdl_regex_status {
  BDL_REGEX_OK = 0,
  BDL_REGEX_INVALID = 1,     /* Rust's regex rejects it too */
  BDL_REGEX_UNSUPPORTED = 2, /* valid in Rust; not runnable exactly here */
  BDL_REGEX_LIMIT = 3,       /* over this shim's size or count limits */
  BDL_REGEX_NOMEM = 4        /* allocation failed; never cached */
} bdl_regex_status;

/* A compiled pattern: immutable, safe to match from several threads. */
typedef struct bdl_regex bdl_regex;

/*
** Constructor: compiles pat[0..len) (need not be NUL-terminated). Returns
** NULL when the pattern is invalid, unsupported or over the limits; then
** *why (if why is non-NULL) gets a static English reason such as "regex
** too large". Never throws, never aborts.
*/
bdl_regex *bdl_regex_compile(const char *pat, size_t len, const char **why);
/* The same, also telling the kind of failure (st may be NULL). */
bdl_regex *bdl_regex_compile_ex(const char *pat, size_t len,
                                bdl_regex_status *st, const char **why);

/*
** Unanchored search, like Rust's Regex::is_match: 1 = match, 0 = no match
** (also for a subject that is not valid UTF-8), -1 = out of memory (only
** patterns with \b or \B need memory to match a non-ASCII subject).
** Compare with `== 1`. Linear in len.
*/
int bdl_regex_match(const bdl_regex *re, const char *s, size_t len);

/*
** The worst-case size of one match step: RE2's ProgramSize() (about
** instructions) of the plain program, or three times that of the encoded
** one (it runs over a subject up to three times as long), the larger.
** A match over len bytes takes at most about len x this many NFA steps.
*/
size_t bdl_regex_cost(const bdl_regex *re);

/* Destructor; NULL is a no-op. */
void bdl_regex_free(bdl_regex *re);

/*
** A bounded cache of compiled patterns keyed by the pattern bytes, least
** recently used out first, for one authorization (not thread-safe).
** Invalid, unsupported and over-limit patterns are cached as such, so they
** are not compiled again; allocation failures are not cached.
*/
typedef struct bdl_regex_cache bdl_regex_cache;

/* Constructor; max_entries 0 means BDL_REGEX_CACHE_DEFAULT. */
bdl_regex_cache *bdl_regex_cache_new(unsigned max_entries);
/* Destructor: frees every cached pattern; NULL is a no-op. */
void bdl_regex_cache_free(bdl_regex_cache *c);
/*
** The compiled pattern for pat[0..len), owned by the cache, or NULL as
** bdl_regex_compile would return (with *why). The pointer stays valid
** until the next bdl_regex_cache_get on the same cache (which may evict
** it) or bdl_regex_cache_free: match with it at once.
*/
const bdl_regex *bdl_regex_cache_get(bdl_regex_cache *c, const char *pat,
                                     size_t len, const char **why);
/* The same, also telling the kind of failure (st may be NULL). */
const bdl_regex *bdl_regex_cache_get_ex(bdl_regex_cache *c, const char *pat,
                                        size_t len, bdl_regex_status *st,
                                        const char **why);
/* Entries currently held (for tests). */
unsigned bdl_regex_cache_count(const bdl_regex_cache *c);

/* ------------------------------------------------ internal to the shim */

/*
** Which word boundaries a translated pattern uses. RE2's \b and \B look
** at the bytes on each side of a position, so they are exact only on
** ASCII text; on other text the C++ side matches a second program over a
** re-encoded subject (see regex_re2.cc) whose marker bytes carry the
** word-ness of each character, Unicode or ASCII.
*/
typedef enum bdl_regex_wb {
  BDL_REGEX_WB_NONE = 0,    /* no \b or \B, or only ASCII \b: plain is exact */
  BDL_REGEX_WB_UNICODE = 1, /* Unicode \b or \B */
  BDL_REGEX_WB_ASCII = 2    /* ASCII \B (could hold inside a character) */
} bdl_regex_wb;

/* The output of bdl_regex_translate; strings from bx_malloc. */
typedef struct bdl_regex_tr {
  char *plain; /* RE2 pattern for the subject as it is */
  size_t plain_len;
  char *enc; /* RE2 pattern for the re-encoded subject, or NULL */
  size_t enc_len;
  bdl_regex_wb wb;
} bdl_regex_tr;

/*
** Translates a Rust-syntax pattern into RE2 syntax (regex_syntax.c).
** Returns BDL_REGEX_OK and fills *out, or another status with *why set
** and *out empty.
*/
bdl_regex_status bdl_regex_translate(const char *pat, size_t len,
                                     bdl_regex_tr *out, const char **why);
void bdl_regex_tr_free(bdl_regex_tr *tr);

/* Strict UTF-8 check, as Rust's str (no overlongs or surrogates). */
int bdl_regex_utf8_ok(const char *s, size_t len);

/* Unicode \w (Rust's perl-word set) as the inside of an RE2 class. */
extern const char bdl_regex_word_items[];
/* Marker bytes of the re-encoded subject (regex_re2.cc). */
#define BDL_REGEX_MARK_WORD '0'
#define BDL_REGEX_MARK_OTHER '\x01'
#define BDL_REGEX_MARK_NL '\n'

#ifdef __cplusplus
}
#endif

#endif
