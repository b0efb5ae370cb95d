/*
** RE2 behind the C regex shim (regex.h), the project's only C++.
**
** regex_syntax.c has already turned the Rust pattern into RE2 syntax with
** every flag applied, so RE2 runs with fixed options: UTF-8, no captures,
** no logging, max_mem 8 MiB. Nothing here lets an exception out: every
** entry point catches std::bad_alloc (and anything else) and reports it
** as NULL or -1.
**
** Exact \b and \B on non-ASCII text. RE2 decides a word boundary from
** the two bytes around a position, ASCII word bytes only; Rust decides it
** from the two characters, with Unicode word-ness. For such patterns
** regex_syntax.c also emits an "encoded" program, and a subject holding a
** non-ASCII byte is matched re-encoded: each character c becomes m c m,
** where the marker byte m is '0' (a word byte for RE2) when c is a word
** character, '\n' when c is a newline (so (?m)^ and (?m)$ still see it),
** and 0x01 otherwise. The encoded program consumes a marker on each side
** of every character and only starts at character boundaries, so the
** bytes RE2 looks at around any position are exactly the markers of the
** characters there.
*/
#include <re2/re2.h>

#include <cstdint>
#include <cstring>
#include <new>

#include "datalog/regex.h"
extern "C" {
#include "util/bx.h"
}

struct bdl_regex {
  RE2 *plain;      /* for the subject as it is */
  RE2 *enc;        /* for the re-encoded subject, or NULL */
  bdl_regex_wb wb; /* which word-ness the markers carry */
};

namespace {

RE2::Options shim_options() {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingUTF8);
  o.set_posix_syntax(false);
  o.set_longest_match(false);
  o.set_log_errors(false);
  o.set_max_mem(BDL_REGEX_MAX_MEM);
  o.set_never_nl(false);
  o.set_dot_nl(false);
  o.set_never_capture(true);
  o.set_case_sensitive(true);
  return o;
}

/*
** Compiles one translated program. The translation is valid RE2 syntax,
** so a refusal here is a size limit: repetition counts multiplying past
** 1000, or a program over max_mem.
*/
RE2 *shim_compile(const char *p, size_t n, bdl_regex_status *st,
                  const char **why) {
  RE2 *re = new RE2(re2::StringPiece(p, n), shim_options());
  if (re->ok())
    return re;
  switch (re->error_code()) {
  case RE2::ErrorRepeatSize:
    *st = BDL_REGEX_LIMIT;
    *why = "repetition count over 1000";
    break;
  case RE2::ErrorPatternTooLarge:
    *st = BDL_REGEX_LIMIT;
    *why = "regex too large";
    break;
  default: /* a translation RE2 does not read: fail closed */
    *st = BDL_REGEX_UNSUPPORTED;
    *why = "translated pattern rejected by RE2";
    break;
  }
  delete re;
  return nullptr;
}

/* Frees a block from bx_malloc when the scope ends, exception or not. */
struct bx_block {
  char *p;
  explicit bx_block(size_t n) : p(static_cast<char *>(bx_malloc(n))) {}
  ~bx_block() { bx_free(p); }
  bx_block(const bx_block &) = delete;
  bx_block &operator=(const bx_block &) = delete;
};

/* Runs of Unicode word characters (Rust's \w), to classify subjects. */
const RE2 &word_runs() {
  static const std::string pat = std::string("[") + bdl_regex_word_items + "]+";
  static const RE2 re(pat, [] {
    RE2::Options o = shim_options();
    o.set_never_capture(false);
    return o;
  }());
  return re;
}

bool ascii_word(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
         (c >= 'a' && c <= 'z') || c == '_';
}

size_t utf8_width(unsigned char c) {
  return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/*
** Tells, character by character and left to right, whether the
** character at offset i is a Unicode word character. Finds the next run
** of word characters only once the previous run is passed: linear.
*/
struct word_scan {
  const char *s;
  size_t n, run_start = 0, run_end = 0;
  bool more = true;

  bool is_word(size_t i) {
    if (i >= run_end && more) {
      re2::StringPiece text(s, n), m;
      if (word_runs().Match(text, i, n, RE2::UNANCHORED, &m, 1)) {
        run_start = static_cast<size_t>(m.data() - s);
        run_end = run_start + m.size();
      } else {
        more = false;
      }
    }
    return i >= run_start && i < run_end;
  }
};

/* The marker of the character at offset i (see the file comment). */
char marker(const bdl_regex *re, word_scan &ws, size_t i) {
  unsigned char c = static_cast<unsigned char>(ws.s[i]);
  if (c == '\n')
    return BDL_REGEX_MARK_NL;
  if (c < 0x80)
    return ascii_word(c) ? BDL_REGEX_MARK_WORD : BDL_REGEX_MARK_OTHER;
  if (re->wb == BDL_REGEX_WB_ASCII)
    return BDL_REGEX_MARK_OTHER;
  return ws.is_word(i) ? BDL_REGEX_MARK_WORD : BDL_REGEX_MARK_OTHER;
}

/* Matches the encoded program on the re-encoded (valid UTF-8) subject. */
int match_encoded(const bdl_regex *re, const char *s, size_t n) {
  if (!word_runs().ok() || n > (SIZE_MAX - 1) / 3)
    return -1;
  bx_block buf(3 * n + 1);
  if (!buf.p)
    return -1;
  word_scan ws{s, n};
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    size_t w = utf8_width(static_cast<unsigned char>(s[i]));
    char m = marker(re, ws, i);
    buf.p[k++] = m;
    std::memcpy(buf.p + k, s + i, w);
    k += w;
    buf.p[k++] = m;
    i += w;
  }
  return RE2::PartialMatch(re2::StringPiece(buf.p, k), *re->enc) ? 1 : 0;
}

bool has_non_ascii(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (static_cast<unsigned char>(s[i]) >= 0x80)
      return true;
  return false;
}

/*
** Unicode property references (\p{..} or \P{..}) in a translated
** program. RE2 expands each into its range table while parsing and then
** into a UTF-8 automaton, before max_mem is looked at: \p{L} alone takes
** about 0.6 ms and \w (five properties) 1 to 2 ms, so 341 x \w+ took
** 0.3 to 0.8 s and ~70 MiB. Counted on the translation, before RE2 runs.
*/
size_t uprops(const char *p, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i + 1 < n; i++) {
    if (p[i] != '\\')
      continue;
    if (p[i + 1] == 'p' || p[i + 1] == 'P')
      k++;
    i++; /* skip the escaped byte, e.g. the second \ of \\ */
  }
  return k;
}

/* Both programs of a translation; on failure *st and *why are set. */
bdl_regex *build(const bdl_regex_tr &tr, bdl_regex_status *st,
                 const char **why) {
  if (uprops(tr.plain, tr.plain_len) +
          (tr.enc ? uprops(tr.enc, tr.enc_len) : 0) >
      BDL_REGEX_MAX_UPROPS) {
    *st = BDL_REGEX_LIMIT;
    *why = "regex too large";
    return nullptr;
  }
  bdl_regex *re = static_cast<bdl_regex *>(bx_calloc(1, sizeof *re));
  if (!re) {
    *st = BDL_REGEX_NOMEM;
    *why = "out of memory";
    return nullptr;
  }
  re->wb = tr.wb;
  try {
    re->plain = shim_compile(tr.plain, tr.plain_len, st, why);
    if (re->plain && tr.enc)
      re->enc = shim_compile(tr.enc, tr.enc_len, st, why);
    if (re->plain && (re->enc || !tr.enc))
      return re;
  } catch (...) {
    *st = BDL_REGEX_NOMEM;
    *why = "out of memory";
  }
  bdl_regex_free(re);
  return nullptr;
}

} // namespace

bdl_regex *bdl_regex_compile_ex(const char *pat, size_t len,
                                bdl_regex_status *st, const char **why) {
  bdl_regex_status st0;
  const char *why0;
  bdl_regex_tr tr;
  if (!st)
    st = &st0;
  if (!why)
    why = &why0;
  *st = BDL_REGEX_OK;
  *why = nullptr;
  if (!pat && len) {
    *st = BDL_REGEX_INVALID;
    *why = "no pattern";
    return nullptr;
  }
  *st = bdl_regex_translate(pat ? pat : "", len, &tr, why);
  if (*st != BDL_REGEX_OK)
    return nullptr;
  bdl_regex *re = build(tr, st, why);
  bdl_regex_tr_free(&tr);
  return re;
}

bdl_regex *bdl_regex_compile(const char *pat, size_t len, const char **why) {
  return bdl_regex_compile_ex(pat, len, nullptr, why);
}

int bdl_regex_match(const bdl_regex *re, const char *s, size_t len) {
  if (!re || (!s && len))
    return 0;
  if (!s)
    s = "";
  if (!bdl_regex_utf8_ok(s, len))
    return 0;
  try {
    if (re->enc && has_non_ascii(s, len))
      return match_encoded(re, s, len);
    return RE2::PartialMatch(re2::StringPiece(s, len), *re->plain) ? 1 : 0;
  } catch (...) {
    return -1;
  }
}

size_t bdl_regex_cost(const bdl_regex *re) {
  if (!re || !re->plain)
    return 0;
  size_t plain = static_cast<size_t>(re->plain->ProgramSize());
  size_t enc = re->enc ? 3 * static_cast<size_t>(re->enc->ProgramSize()) : 0;
  return plain > enc ? plain : enc;
}

void bdl_regex_free(bdl_regex *re) {
  if (!re)
    return;
  delete re->plain;
  delete re->enc;
  bx_free(re);
}
