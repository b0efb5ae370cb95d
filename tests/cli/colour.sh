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

# on_tty ENV... -- ARGS: runs biscuit with stdout and stderr on a pty and
# prints what it wrote there.
on_tty() {
  python3 - "$BISCUIT" "$@" <<'PY'
import os, pty, sys
args = sys.argv[1:]
cut = args.index("--")
env = dict(os.environ)
for kv in args[1:cut]:
    k, _, v = kv.partition("=")
    env[k] = v
pid, fd = pty.fork()
if pid == 0:
    os.execve(args[0], [args[0]] + args[cut + 1:], env)
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
PY
}

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
