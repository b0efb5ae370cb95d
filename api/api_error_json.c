/*
** An error as the reference's serde form, externally tagged (the official
** samples' `result.Err`; reference-behaviour.md §5 "Result JSON"): the
** kind path becomes nested single-key objects, and the leaf is what that
** variant carries:
**   unit variants              "Overflow"  -> {"Execution":"Overflow"}
**   a message                  {"Format":{"Signature":
**                                {"InvalidSignature":"signature error..."}}}
**   InvalidBlockRule(id, rule) {"FailedLogic":{"InvalidBlockRule":[0,"..."]}}
**   UndefinedExtern(name)      {"Execution":{"UndefinedExtern":"f"}}
**   ExternEvalError(name, msg) {"Execution":{"ExternEvalError":["f","..."]}}
**   denials                    {"FailedLogic":{"Unauthorized":{"policy":
**                                {"Allow":0},"checks":[...]}}}
** Our own run limits are units like the reference's: {"RunLimit":
** "WorkBudget"}. Variants whose payload we do not keep apart (numbers in
** Format/InvalidKeySize...) carry the number found in our message.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"

static void json_str(bx_buf *b, const char *s) {
  bx_buf_putc(b, '"');
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      bx_buf_putc(b, '\\');
      bx_buf_putc(b, (char)c);
    } else if (c == '\n') {
      bx_buf_puts(b, "\\n");
    } else if (c == '\t') {
      bx_buf_puts(b, "\\t");
    } else if (c == '\r') {
      bx_buf_puts(b, "\\r");
    } else if (c < 0x20 || c == 0x7f) {
      bx_buf_printf(b, "\\u%04x", c);
    } else {
      bx_buf_putc(b, (char)c);
    }
  }
  bx_buf_putc(b, '"');
}

static bool is(const char *kind, const char *want) {
  return strcmp(kind, want) == 0;
}

static bool starts(const char *kind, const char *prefix) {
  return strncmp(kind, prefix, strlen(prefix)) == 0;
}

/* Variants that carry nothing: serialized as their name alone. */
static bool is_unit(const char *kind) {
  static const char *const units[] = {
      "Format/SealedSignature",         "Format/EmptyKeys",
      "Format/UnknownPublicKey",        "Format/SymbolTableOverlap",
      "Format/PublicKeyTableOverlap",   "Format/UnknownExternalKey",
      "Format/Signature/InvalidFormat", "Base64/InvalidLength"};
  if (!strchr(kind, '/') || starts(kind, "RunLimit/"))
    return true;
  if (starts(kind, "Execution/"))
    return !is(kind, "Execution/UndefinedExtern") &&
           !is(kind, "Execution/ExternEvalError") &&
           !is(kind, "Execution/UnknownSymbol") &&
           !is(kind, "Execution/UnknownVariable");
  for (size_t i = 0; i < sizeof units / sizeof *units; i++)
    if (is(kind, units[i]))
      return true;
  return false;
}

/* The last decimal number in a message (our messages end with it). */
static bool last_number(const char *s, unsigned long long *out) {
  const char *end = NULL;
  for (const char *p = s; *p; p++)
    if (isdigit((unsigned char)*p) && !isdigit((unsigned char)p[1]))
      end = p;
  if (!end)
    return false;
  const char *start = end;
  while (start > s && isdigit((unsigned char)start[-1]))
    start--;
  *out = strtoull(start, NULL, 10);
  return true;
}

static void failed_check(bx_buf *b, const api_failed_check *c) {
  if (c->block_id == BISCUIT_AUTHORIZER_BLOCK) {
    bx_buf_printf(b,
                  "{\"Authorizer\":{\"check_id\":%u,\"rule\":", c->check_index);
  } else {
    bx_buf_printf(b, "{\"Block\":{\"block_id\":%u,\"check_id\":%u,\"rule\":",
                  c->block_id, c->check_index);
  }
  json_str(b, c->rule);
  bx_buf_puts(b, "}}");
}

static void denial(bx_buf *b, const biscuit_error *e) {
  bx_buf_putc(b, '{');
  if (e->policy_kind)
    bx_buf_printf(b, "\"policy\":{\"%s\":%zu},",
                  e->policy_kind == 'd' ? "Deny" : "Allow", e->policy_index);
  bx_buf_puts(b, "\"checks\":[");
  for (size_t i = 0; i < e->n_checks; i++) {
    if (i)
      bx_buf_putc(b, ',');
    failed_check(b, &e->checks[i]);
  }
  bx_buf_puts(b, "]}");
}

static bool numeric(const char *kind) {
  return is(kind, "Format/InvalidKeySize") ||
         is(kind, "Format/InvalidSignatureSize") ||
         is(kind, "Format/InvalidBlockId") ||
         is(kind, "Format/UnknownSymbol") ||
         is(kind, "Execution/UnknownSymbol") ||
         is(kind, "Execution/UnknownVariable");
}

/*
** Format::Version {maximum, minimum, actual}: token/block.c's message
** names them in the order actual, minimum, maximum.
*/
static bool version(bx_buf *b, const char *msg) {
  unsigned long long n[3];
  int k = 0;
  for (const char *p = msg; *p && k < 3; p++) {
    if (isdigit((unsigned char)*p) &&
        (p == msg || !isdigit((unsigned char)p[-1])))
      n[k++] = strtoull(p, NULL, 10);
  }
  if (k < 3)
    return false;
  bx_buf_printf(b, "{\"maximum\":%llu,\"minimum\":%llu,\"actual\":%llu}", n[2],
                n[1], n[0]);
  return true;
}

/* What the leaf variant carries (everything after its name). */
static void payload(bx_buf *b, const biscuit_error *e) {
  const char *k = e->kind;
  unsigned long long n;
  if (is(k, "FailedLogic/Unauthorized") ||
      is(k, "FailedLogic/NoMatchingPolicy")) {
    denial(b, e);
  } else if (is(k, "FailedLogic/InvalidBlockRule")) {
    bx_buf_puts(b, "[0,");
    json_str(b, e->arg[0] ? e->arg[0] : e->message);
    bx_buf_putc(b, ']');
  } else if (is(k, "Execution/UndefinedExtern")) {
    json_str(b, e->arg[0] ? e->arg[0] : "");
  } else if (is(k, "Execution/ExternEvalError")) {
    bx_buf_putc(b, '[');
    json_str(b, e->arg[0] ? e->arg[0] : "");
    bx_buf_putc(b, ',');
    json_str(b, e->arg[1] ? e->arg[1] : e->message);
    bx_buf_putc(b, ']');
  } else if (is(k, "Format/Version") && version(b, e->message)) {
    return;
  } else if (numeric(k) && last_number(e->message, &n)) {
    bx_buf_printf(b, "%llu", n);
  } else {
    json_str(b, e->message);
  }
}

/*
** "A/B/C" -> {"A":{"B":{"C":payload}}}, or {"A":{"B":"C"}} for a unit.
*/
char *biscuit_error_json(const biscuit_error *e) {
  if (!e)
    return NULL;
  bx_buf b;
  bx_buf_init(&b, 0);
  bool unit = is_unit(e->kind);
  size_t depth = 0;
  const char *p = e->kind;
  for (const char *slash; (slash = strchr(p, '/')); p = slash + 1) {
    bx_buf_puts(&b, "{\"");
    bx_buf_add(&b, p, (size_t)(slash - p));
    bx_buf_puts(&b, "\":");
    depth++;
  }
  if (unit) {
    json_str(&b, p);
  } else {
    bx_buf_putc(&b, '{');
    json_str(&b, p);
    bx_buf_putc(&b, ':');
    payload(&b, e);
    bx_buf_putc(&b, '}');
  }
  while (depth--)
    bx_buf_putc(&b, '}');
  char *s = bx_buf_take(&b);
  bx_buf_free(&b);
  return s;
}
