/* Copying IR between envs (re-interning): see translate.c. */
#ifndef BISCUIT_DATALOG_TRANSLATE_H
#define BISCUIT_DATALOG_TRANSLATE_H

#include "datalog/datalog.h"

#define BDL_TRANSLATE_MAX_DEPTH 256

biscuit_status bdl_translate_block(const bdl_env *from, bdl_env *to,
                                   const bdl_block *b, bdl_block *out);
biscuit_status bdl_translate_rule(const bdl_env *from, bdl_env *to,
                                  const bdl_rule *r, bdl_rule *out);
/* A key id of `from`'s key table to `to`'s (BDL_NOSYM passes through). */
biscuit_status bdl_translate_key(const bdl_env *from, bdl_env *to,
                                 uint32_t key, uint32_t *out);

#endif
