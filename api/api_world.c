/* STUB: replaced by the world-text work. */
#include "api/api_int.h"

biscuit_status biscuit_authorizer_world_text(biscuit_authorizer *a, char **out,
                                             biscuit_error **err) {
  api_ok(err);
  if (out)
    *out = NULL;
  (void)a;
  return api_misuse(err, "biscuit_authorizer_world_text: not implemented yet");
}
