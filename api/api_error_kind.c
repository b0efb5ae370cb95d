/*
** Kind paths: every error names the reference's error variant it matches
** as a slash path ("Format/Signature/InvalidSignature",
** "Execution/Overflow", "RunLimit/TooManyFacts", "FailedLogic/...").
** token/ already tags its errors with such paths; datalog/ and parser/
** use the bare variant name ("Overflow"), which the status places under
** its reference enum (Execution, RunLimit, FailedLogic, Language).
**
** Our own variants, which the reference does not have, follow the same
** scheme: "RunLimit/WorkBudget" (the deterministic work budget),
** "RunLimit/TooLarge", "RunLimit/TooManyPredicates",
** "Limit/TokenSize"..., "Language/ParseError", "Misuse", "NoMemory".
*/
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"

/* The enum a bare tag belongs to, by status. */
static const char *parent_of(biscuit_status st) {
  switch (st) {
  case BISCUIT_E_EXECUTION:
    return "Execution";
  case BISCUIT_E_LIMIT:
    return "RunLimit";
  case BISCUIT_E_LOGIC:
  case BISCUIT_DENIED:
    return "FailedLogic";
  case BISCUIT_E_PARSE:
  case BISCUIT_E_INCOMPLETE:
    return "Language";
  case BISCUIT_E_FORMAT:
    return "Format";
  case BISCUIT_E_SIGNATURE:
    return "Format/Signature";
  default:
    return NULL;
  }
}

/* A kind when the failing call gave no tag at all. */
static const char *untagged(biscuit_status st) {
  switch (st) {
  case BISCUIT_DENIED:
    return "FailedLogic/Unauthorized";
  case BISCUIT_E_PARSE:
  case BISCUIT_E_INCOMPLETE:
    return "Language/ParseError";
  case BISCUIT_E_FORMAT:
    return "Format/DeserializationError";
  case BISCUIT_E_SIGNATURE:
    return "Format/Signature/InvalidSignature";
  case BISCUIT_E_LIMIT:
    return "RunLimit/Limit";
  case BISCUIT_E_EXECUTION:
    return "Execution/InvalidType";
  case BISCUIT_E_LOGIC:
    return "FailedLogic/InvalidBlockRule";
  case BISCUIT_E_NOMEM:
    return "NoMemory";
  case BISCUIT_OK:
    return "Ok";
  default:
    return "Misuse";
  }
}

/*
** Token-level variants of the reference that stand alone, whatever the
** status that carried them.
*/
static bool top_level(const char *tag) {
  static const char *const names[] = {"InternalError", "AppendOnSealed",
                                      "AlreadySealed", "Misuse"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (!strcmp(tag, names[i]))
      return true;
  return false;
}

const char *api_kind_path(biscuit_status st, const char *tag, char *buf,
                          size_t cap) {
  if (st == BISCUIT_E_NOMEM)
    return "NoMemory";
  if (!tag || !tag[0])
    return untagged(st);
  if (strchr(tag, '/') || top_level(tag))
    return tag;
  if (!strcmp(tag, "UndefinedExtern") || !strcmp(tag, "ExternEvalError"))
    st = BISCUIT_E_EXECUTION;
  if (!strcmp(tag, "ParseError"))
    return "Language/ParseError";
  if (!strcmp(tag, "InvalidBlockId"))
    return "Format/InvalidBlockId";
  const char *parent = parent_of(st);
  if (!parent)
    return tag;
  snprintf(buf, cap, "%s/%s", parent, tag);
  return buf;
}
