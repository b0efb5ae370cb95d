#!/usr/bin/env bash
# Runs every test: the release build's full suite, then the same suite
# under AddressSanitizer + UndefinedBehaviorSanitizer with gcc and clang,
# then the conformance and Datalog suites under valgrind, then the
# threaded tests under ThreadSanitizer. (The soak, a million requests in
# one process, is scripts/soak.sh.)
#   scripts/test.sh          all of it
#   scripts/test.sh quick    release build only
set -euo pipefail
cd "$(dirname "$0")/.."
flavours=(release asan-gcc asan-clang)
[ "${1:-}" = quick ] && flavours=(release)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for f in "${flavours[@]}"; do
  echo "=== $f: build"
  scripts/build.sh "$f"
  echo "=== $f: test"
  ctest --test-dir "build/$f" --output-on-failure -j"$(nproc)" || status=1
done
if [ "${1:-}" != quick ]; then
  echo "=== valgrind"
  scripts/valgrind.sh || status=1
  echo "=== tsan: threads sharing policies, tokens, the cache, P-256 keys"
  CC=clang CXX=clang++ cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=Debug \
    -DBISCUIT_WERROR=ON -DBISCUIT_SANITIZE=thread >/dev/null
  cmake --build build/tsan --target unit_api_threads unit_cache_threads \
    -j"$(nproc)" >/dev/null
  for t in api_threads cache_threads; do
    TSAN_OPTIONS=halt_on_error=1 "build/tsan/unit_$t" || status=1
  done
fi
exit $status
