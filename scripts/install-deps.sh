#!/usr/bin/env bash
# Installs every system package the project needs (Debian 12), only when
# something is missing. Safe to run again. Needs root (or sudo).
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config git
  clang libclang-rt-14-dev          # fuzzers and sanitizers
  flex bison                        # the Datalog parser, at build time
  libsodium-dev                     # Ed25519
  libssl-dev                        # P-256 (OpenSSL libcrypto)
  libprotobuf-c-dev protobuf-c-compiler
  libre2-dev                        # linear-time regex
  libjansson-dev                    # JSON (CLI output, tests)
  libedit-dev                       # REPL line editing
  tmux                              # the REPL's terminal tests
  valgrind
  python3                           # test scripts compare JSON, generate corpora
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
else
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The reference implementation for tests/interop (@biscuit-auth/biscuit-wasm,
# pinned by tests/interop/package-lock.json) into tests/interop/node_modules.
# Optional: when it cannot be installed, the interop test is skipped.
INTEROP="$(cd "$(dirname "$0")/.." && pwd)/tests/interop"
if ! command -v node >/dev/null 2>&1; then
  echo "install-deps: installing nodejs npm"
  { $SUDO apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
      --no-install-recommends nodejs npm; } ||
    echo "install-deps: warning: could not install nodejs npm" >&2
fi
if [ ! -d "$INTEROP/node_modules/@biscuit-auth/biscuit-wasm" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: warning: no npm; the interop test will be skipped" >&2
  elif npm ci --prefix "$INTEROP" --no-audit --no-fund --loglevel=error \
         >/dev/null 2>&1; then
    echo "install-deps: reference implementation installed in tests/interop"
  else
    echo "install-deps: warning: npm ci in tests/interop failed;" \
         "the interop test will be skipped" >&2
  fi
fi
