#!/usr/bin/env bash
# Runs the conformance samples, the Datalog test files and the core unit
# tests under valgrind memcheck: 0 errors and 0 bytes lost, or it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh debug >/dev/null
b=build/debug
vg=(valgrind -q --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite,indirect,possible
    --show-leak-kinds=definite,indirect,possible
    --suppressions=tests/valgrind.supp)
pass=0 fail=0
run() {
  if "${vg[@]}" "$@" >/tmp/vg.$$ 2>&1; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "valgrind FAILED: $*"
    tail -30 /tmp/vg.$$
  fi
}
run "$b/conformance_samples" tests/data/samples/samples.json
run "$b/bx_testrun" --samples tests/data/samples/samples.json
# the Datalog test files, through the public API (`biscuit test`)
run "$b/biscuit" test tests/datalog
run "$b/biscuit" test policies
for t in datalog_core print world expr parser api_basic token_envelope; do
  [ -x "$b/unit_$t" ] && run "$b/unit_$t"
done
rm -f /tmp/vg.$$
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
