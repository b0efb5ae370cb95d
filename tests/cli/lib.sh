# Shared by the tests/cli/*.sh scripts (sourced, not run).
#
# Sets BISCUIT (the command under test: $1, else $BISCUIT), HERE, SAMPLES,
# TMP (removed on exit), ROOT_PRIV / ROOT_PUB (the samples' root key), and
# provides the checks below. Each script ends with `finish`, which prints
# "N passed, N failed" and exits 1 if anything failed.

BISCUIT="${1:-${BISCUIT:-}}"
if [ -z "$BISCUIT" ] || [ ! -x "$BISCUIT" ]; then
  echo "usage: $0 path/to/biscuit (or set BISCUIT)" >&2
  exit 2
fi
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SAMPLES="$HERE/../data/samples"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
export NO_COLOR=1
unset VISUAL EDITOR

# Sanitizer builds on a loaded 2-core machine can be descheduled past the
# default 1 ms time limit, which would make verdicts flaky. Every test
# therefore runs the command through a wrapper that gives inspect and
# inspect-snapshot a 10 s limit, unless the test sets --max-time itself
# (the tests about the time limit do). Limits other than time are
# deterministic and left alone.
REAL_BISCUIT="$(cd "$(dirname "$BISCUIT")" && pwd)/$(basename "$BISCUIT")"
cat >"$TMP/biscuit" <<WRAP
#!/usr/bin/env bash
case "\$1" in
inspect | inspect-snapshot)
  for a in "\$@"; do
    [ "\$a" = --max-time ] && exec -a "$REAL_BISCUIT" "$REAL_BISCUIT" "\$@"
  done
  exec -a "$REAL_BISCUIT" "$REAL_BISCUIT" "\$1" --max-time 10s "\${@:2}" ;;
esac
exec -a "$REAL_BISCUIT" "$REAL_BISCUIT" "\$@"
WRAP
chmod +x "$TMP/biscuit"
BISCUIT="$TMP/biscuit"
sample_key() {
  python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$SAMPLES/samples.json" "$1"
}
ROOT_PRIV="$(sample_key root_private_key)"
ROOT_PUB="$(sample_key root_public_key)"
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); }
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL  %s\n' "$1"
  [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/  | /' | head -20
  return 0
}

# Text of a file for a variable (raw outputs hold NUL bytes: dropped;
# the bytes themselves stay in $TMP/out).
text_of() { tr -d '\000' <"$1"; }

# run CMD...: runs the command under test; sets OUT, ERR and RC.
run() {
  "$BISCUIT" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
  OUT="$(text_of "$TMP/out")"
  ERR="$(text_of "$TMP/err")"
}

# Like run, with stdin from a file.
run_in() {
  local input="$1"
  shift
  "$BISCUIT" "$@" <"$input" >"$TMP/out" 2>"$TMP/err"
  RC=$?
  OUT="$(text_of "$TMP/out")"
  ERR="$(text_of "$TMP/err")"
}

expect_rc() { # NAME EXPECTED
  if [ "$RC" = "$2" ]; then pass; else
    fail "$1: exit status $RC, expected $2" "stdout: ${OUT:0:400}
stderr: ${ERR:0:400}"
  fi
}

expect_contains() { # NAME HAYSTACK NEEDLE
  case "$2" in
    *"$3"*) pass ;;
    *) fail "$1: expected to contain: $3" "${2:0:600}" ;;
  esac
}

expect_not_contains() { # NAME HAYSTACK NEEDLE
  case "$2" in
    *"$3"*) fail "$1: must not contain: $3" "${2:0:600}" ;;
    *) pass ;;
  esac
}

expect_eq() { # NAME GOT EXPECTED
  if [ "$2" = "$3" ]; then pass; else
    fail "$1" "got:      $2
expected: $3"
  fi
}

# json_get JSON PYTHON-EXPR: evaluates EXPR with `j` bound to the parsed
# JSON and prints the result as JSON ("INVALID" if it does not parse).
json_get() {
  python3 -c '
import json, sys
try:
    j = json.loads(sys.argv[1])
except ValueError:
    print("INVALID"); sys.exit(0)
try:
    print(json.dumps(eval(sys.argv[2])))
except Exception as e:
    print("ERROR: %r" % e)
' "$1" "$2"
}

# expect_json NAME PYTHON-EXPR EXPECTED: json_get "$OUT" EXPR == EXPECTED.
expect_json() { expect_eq "$1" "$(json_get "$OUT" "$2")" "$3"; }

# expect_match NAME VALUE ERE: the whole value matches the regex.
expect_match() {
  if [[ "$2" =~ $3 ]]; then pass; else fail "$1: expected /$3/" "$2"; fi
}

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

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" = 0 ]
  exit $?
}
