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
  valgrind
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
