#!/usr/bin/env bash
# Configure and build one flavour into build/<flavour>.
#   scripts/build.sh [release|debug|asan-gcc|asan-clang] [extra cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."
flavour="${1:-release}"
shift || true
args=(-DBISCUIT_WERROR=ON)
cc=gcc cxx=g++
case "$flavour" in
  release)    args+=(-DCMAKE_BUILD_TYPE=Release) ;;
  debug)      args+=(-DCMAKE_BUILD_TYPE=Debug) ;;
  asan-gcc)   args+=(-DCMAKE_BUILD_TYPE=Debug "-DBISCUIT_SANITIZE=address;undefined") ;;
  asan-clang) args+=(-DCMAKE_BUILD_TYPE=Debug "-DBISCUIT_SANITIZE=address;undefined")
              cc=clang cxx=clang++ ;;
  *) echo "unknown flavour: $flavour" >&2; exit 2 ;;
esac
CC=$cc CXX=$cxx cmake -S . -B "build/$flavour" "${args[@]}" "$@" >/dev/null
cmake --build "build/$flavour" -j"$(nproc)"
