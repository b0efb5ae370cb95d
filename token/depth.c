/*
** A schema-aware pre-check of protobuf bytes, run before protobuf-c ever
** sees them (perf-and-threats B1 "Malformed protobuf": protobuf-c 1.4
** recurses once per nested message with no limit and overflows the
** stack near depth 5,000, and any token holder can sign such a block).
**
** The walk is iterative with an explicit stack bounded by the depth
** limit, allocates nothing, and visits each byte once. Only fields that
** the schema (wire-format.md) declares as sub-messages are entered;
** protobuf-c keeps unknown fields as opaque bytes, so they cannot nest.
*/
#include "token/codec.h"

const btk_limits btk_default_limits = {
    BTK_DEFAULT_MAX_SIZE, BTK_DEFAULT_MAX_BLOCKS, BTK_DEFAULT_MAX_DEPTH};

#define MAX_FIELD 10

/*
** children[t][f]: the message type of field f of message t, or 0 for a
** scalar or unknown field (0 is Biscuit, which is never a sub-message).
*/
static const uint8_t children[BTK_PB_COUNT][MAX_FIELD + 1] = {
    [BTK_PB_BISCUIT] = {[2] = BTK_PB_SIGNED_BLOCK,
                        [3] = BTK_PB_SIGNED_BLOCK,
                        [4] = BTK_PB_PROOF},
    [BTK_PB_SIGNED_BLOCK] =
        {[2] = BTK_PB_PUBLIC_KEY, [4] = BTK_PB_EXTERNAL_SIGNATURE},
    [BTK_PB_EXTERNAL_SIGNATURE] = {[2] = BTK_PB_PUBLIC_KEY},
    [BTK_PB_BLOCK] = {[4] = BTK_PB_FACT,
                      [5] = BTK_PB_RULE,
                      [6] = BTK_PB_CHECK,
                      [7] = BTK_PB_SCOPE,
                      [8] = BTK_PB_PUBLIC_KEY},
    [BTK_PB_FACT] = {[1] = BTK_PB_PREDICATE},
    [BTK_PB_RULE] = {[1] = BTK_PB_PREDICATE,
                     [2] = BTK_PB_PREDICATE,
                     [3] = BTK_PB_EXPRESSION,
                     [4] = BTK_PB_SCOPE},
    [BTK_PB_CHECK] = {[1] = BTK_PB_RULE},
    [BTK_PB_PREDICATE] = {[2] = BTK_PB_TERM},
    [BTK_PB_TERM] = {[7] = BTK_PB_TERM_SET,
                     [8] = BTK_PB_EMPTY,
                     [9] = BTK_PB_ARRAY,
                     [10] = BTK_PB_MAP},
    [BTK_PB_TERM_SET] = {[1] = BTK_PB_TERM},
    [BTK_PB_ARRAY] = {[1] = BTK_PB_TERM},
    [BTK_PB_MAP] = {[1] = BTK_PB_MAP_ENTRY},
    [BTK_PB_MAP_ENTRY] = {[1] = BTK_PB_MAP_KEY, [2] = BTK_PB_TERM},
    [BTK_PB_EXPRESSION] = {[1] = BTK_PB_OP},
    [BTK_PB_OP] = {[1] = BTK_PB_TERM,
                   [2] = BTK_PB_OP_UNARY,
                   [3] = BTK_PB_OP_BINARY,
                   [4] = BTK_PB_OP_CLOSURE},
    [BTK_PB_OP_CLOSURE] = {[2] = BTK_PB_OP},
    [BTK_PB_POLICY] = {[1] = BTK_PB_RULE},
    [BTK_PB_AUTHORIZER_POLICIES] = {[3] = BTK_PB_FACT,
                                    [4] = BTK_PB_RULE,
                                    [5] = BTK_PB_CHECK,
                                    [6] = BTK_PB_POLICY},
    [BTK_PB_AUTHORIZER_SNAPSHOT] =
        {[1] = BTK_PB_RUN_LIMITS, [3] = BTK_PB_AUTHORIZER_WORLD},
    [BTK_PB_AUTHORIZER_WORLD] =
        {[3] = BTK_PB_PUBLIC_KEY,
         [4] = BTK_PB_SNAPSHOT_BLOCK,
         [5] = BTK_PB_SNAPSHOT_BLOCK,
         [6] = BTK_PB_POLICY,
         [7] = BTK_PB_GENERATED_FACTS},
    [BTK_PB_ORIGIN] = {[1] = BTK_PB_EMPTY},
    [BTK_PB_GENERATED_FACTS] = {[1] = BTK_PB_ORIGIN, [2] = BTK_PB_FACT},
    [BTK_PB_SNAPSHOT_BLOCK] =
        {[3] = BTK_PB_FACT,
         [4] = BTK_PB_RULE,
         [5] = BTK_PB_CHECK,
         [6] = BTK_PB_SCOPE,
         [7] = BTK_PB_PUBLIC_KEY},
    [BTK_PB_TP_REQUEST] = {[1] = BTK_PB_PUBLIC_KEY, [2] = BTK_PB_PUBLIC_KEY},
    [BTK_PB_TP_CONTENTS] = {[2] = BTK_PB_EXTERNAL_SIGNATURE},
};

int btk_pb_child(btk_pb_type t, uint32_t field) {
  if ((unsigned)t >= BTK_PB_COUNT || field > MAX_FIELD ||
      children[t][field] == 0)
    return -1;
  return children[t][field];
}

/* Read a varint of at most `max` bytes ending before `end`. */
static bool get_varint(const uint8_t *buf, size_t *pos, size_t end,
                       unsigned max, uint64_t *v) {
  uint64_t x = 0;
  for (unsigned i = 0; i < max && *pos < end; i++) {
    uint8_t b = buf[(*pos)++];
    x |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      *v = x;
      return true;
    }
  }
  return false;
}

static biscuit_status malformed(bx_diag *d, size_t at, const char *what) {
  biscuit_status st =
      bx_fail(d, BISCUIT_E_FORMAT, "Format/DeserializationError",
              "deserialization error: %s at byte %zu", what, at);
  if (d)
    d->offset = at;
  return st;
}

/*
** Skip the value of a non-message field. Returns false on a truncated
** value or a wire type protobuf-c cannot handle (groups, 6, 7).
*/
static bool skip_value(const uint8_t *buf, size_t *pos, size_t end,
                       unsigned wt) {
  uint64_t v;
  switch (wt) {
  case 0:
    return get_varint(buf, pos, end, 10, &v);
  case 1:
    if (end - *pos < 8)
      return false;
    *pos += 8;
    return true;
  case 5:
    if (end - *pos < 4)
      return false;
    *pos += 4;
    return true;
  default:
    return false;
  }
}

struct frame {
  size_t end;
  uint8_t type;
};

/* The walk's state: an explicit stack instead of recursion. */
struct walk {
  const uint8_t *buf;
  size_t pos, depth;
  uint32_t max_depth;
  struct frame st[BTK_MAX_DEPTH_CAP + 1];
};

static biscuit_status too_deep(struct walk *w, size_t at, bx_diag *d) {
  bx_fail(d, BISCUIT_E_LIMIT, "Limit/NestingDepth",
          "protobuf messages nested deeper than %u", (unsigned)w->max_depth);
  if (d)
    d->offset = at;
  return BISCUIT_E_LIMIT;
}

/*
** One field of the current message: skip a scalar, an unknown field or
** bytes; enter a known sub-message. Tags are limited to 31 bits:
** protobuf-c shifts the fifth tag byte into a signed int, which is
** undefined above that (protobuf-c issue #506), and no Biscuit field
** number comes near.
*/
static biscuit_status walk_field(struct walk *w, bx_diag *d) {
  size_t at = w->pos, end = w->st[w->depth].end;
  uint64_t tag, n;
  unsigned child;
  if (!get_varint(w->buf, &w->pos, end, 5, &tag) || tag >> 31 ||
      (tag >> 3) == 0)
    return malformed(d, at, "invalid field tag");
  if ((tag & 7) != 2)
    return skip_value(w->buf, &w->pos, end, (unsigned)(tag & 7))
               ? BISCUIT_OK
               : malformed(d, at, "invalid or truncated field");
  if (!get_varint(w->buf, &w->pos, end, 10, &n) || n > end - w->pos)
    return malformed(d, at, "length past the end of its message");
  child =
      (tag >> 3) <= MAX_FIELD ? children[w->st[w->depth].type][tag >> 3] : 0;
  if (!child) {
    w->pos += (size_t)n;
    return BISCUIT_OK;
  }
  if (w->depth + 1 > w->max_depth)
    return too_deep(w, at, d);
  w->depth++;
  w->st[w->depth].end = w->pos + (size_t)n;
  w->st[w->depth].type = (uint8_t)child;
  return BISCUIT_OK;
}

biscuit_status btk_pb_check(const uint8_t *buf, size_t len, btk_pb_type root,
                            uint32_t max_depth, bx_diag *d) {
  struct walk w;
  w.buf = buf;
  w.pos = 0;
  w.depth = 0;
  w.max_depth = max_depth > BTK_MAX_DEPTH_CAP ? BTK_MAX_DEPTH_CAP : max_depth;
  w.st[0].end = len;
  w.st[0].type = (uint8_t)root;
  for (;;) {
    biscuit_status st;
    if (w.pos == w.st[w.depth].end) {
      if (w.depth == 0)
        return BISCUIT_OK;
      w.depth--; /* a sub-message ends exactly where its parent resumes */
      continue;
    }
    st = walk_field(&w, d);
    if (st != BISCUIT_OK)
      return st;
  }
}
