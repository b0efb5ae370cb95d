/*
** libbiscuit: Biscuit v3 authorization tokens in C.
**
** This header is the manual. Every fallible call returns a biscuit_status;
** BISCUIT_OK is 0 and every other value (denial included) is non-zero, so
** `if (rc != BISCUIT_OK) reject();` is always the safe test.
**
** The API functions are being added; the status codes below are stable.
*/
#ifndef BISCUIT_BISCUIT_H
#define BISCUIT_BISCUIT_H

#ifdef __cplusplus
extern "C" {
#endif

/*
** Status codes. Append only: never renumber or remove a value.
*/
typedef enum biscuit_status {
  BISCUIT_OK = 0,
  BISCUIT_DENIED = 1,       /* authorization ran; it did not allow       */
  BISCUIT_E_PARSE = 2,      /* Datalog text; see line/column             */
  BISCUIT_E_FORMAT = 3,     /* bytes are not a valid token or snapshot   */
  BISCUIT_E_SIGNATURE = 4,  /* a signature or the proof did not verify   */
  BISCUIT_E_LIMIT = 5,      /* facts / iterations / time / work / memory */
  BISCUIT_E_NOMEM = 6,      /* an allocation failed                      */
  BISCUIT_E_MISUSE = 7,     /* bad arguments: the caller's bug           */
  BISCUIT_E_EXECUTION = 8,  /* an expression failed (overflow, type...)  */
  BISCUIT_E_LOGIC = 9,      /* invalid rule, e.g. unbound head variable  */
  BISCUIT_E_INCOMPLETE = 10 /* Datalog text ended inside a statement     */
} biscuit_status;

#ifdef __cplusplus
}
#endif
#endif
