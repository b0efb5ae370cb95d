#!/usr/bin/env bash
# The README's C example is exactly examples/service.c (which is built
# and run by examples/service), so the README cannot drift.
set -u
src="$1"
got=$(awk '/^```c$/{on=1; next} /^```$/{if (on) exit} on' "$src/README.md")
if [ "$got" = "$(cat "$src/examples/service.c")" ]; then
  echo "1 passed, 0 failed"
else
  diff <(echo "$got") "$src/examples/service.c"
  echo "0 passed, 1 failed"
  exit 1
fi
