#!/usr/bin/env bash
# The soak: a million varied requests in one process (bench/soak.c); it
# fails when resident memory grows by more than 1 MiB after the warm-up or
# a request ends unexpectedly. Takes about 20 s on an idle machine.
#   scripts/soak.sh [bench_soak options: -n REQUESTS -w WARMUP -m KIB]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release >/dev/null
exec build/release/bench_soak "$@"
