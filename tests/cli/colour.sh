#!/usr/bin/env bash
# Colour only where a person reads it: on a terminal (a pseudo-terminal
# here), never when piped, never with NO_COLOR set, never with TERM=dumb;
# and the same words either way.
# Usage: colour.sh path/to/biscuit
set -u
source "$(dirname "$0")/lib.sh"
unset NO_COLOR
export TERM=xterm

T001="$SAMPLES/test001_basic.bc"
ARGS=(inspect "$T001" --raw-input --public-key "$ROOT_PUB"
  --authorize-with 'resource("file1"); allow if true;')

ESC=$'\033['

TTY="$(on_tty -- "${ARGS[@]}")"
expect_contains "terminal: colour" "$TTY" "$ESC"
expect_contains "terminal: verdict" "$TTY" "DENIED"

TTY="$(on_tty NO_COLOR=1 -- "${ARGS[@]}")"
expect_not_contains "NO_COLOR: no colour" "$TTY" "$ESC"
expect_contains "NO_COLOR: verdict" "$TTY" "DENIED"

TTY="$(on_tty TERM=dumb -- "${ARGS[@]}")"
expect_not_contains "TERM=dumb: no colour" "$TTY" "$ESC"

run "${ARGS[@]}"
expect_rc "piped: denied" 1
expect_not_contains "piped: no colour on stdout" "$OUT" "$ESC"
expect_not_contains "piped: no colour on stderr" "$ERR" "$ESC"
expect_contains "piped: verdict" "$OUT" "DENIED"

# The words do not depend on colour (timings aside).
untimed() { sed -E 's/[0-9]+ µs/T µs/'; }
PLAIN="$(on_tty -- "${ARGS[@]}" | sed 's/\x1b\[[0-9;]*m//g' | tr -d '\r')"
expect_eq "terminal text equals piped text" "$(untimed <<<"$PLAIN")" \
  "$(printf '%s\n%s\n' "$OUT" "$ERR" | untimed)"

finish
