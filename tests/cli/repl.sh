#!/usr/bin/env bash
# `biscuit repl`: piped sessions (what scripts see: verdicts, continuation,
# parse errors with their caret, the dot commands, exit status), then a
# real terminal through tmux (completion, the continuation prompt, an
# explained denial, history). Usage: repl.sh path/to/biscuit
set -u
source "$(dirname "$0")/lib.sh"

# Sanitizer builds on a loaded machine: the library's 1 ms default would
# make verdicts flaky (see lib.sh), so every session runs with 10 s.
REPL=("$REAL_BISCUIT" repl --max-time 10s)

# A sanitizer report (a leak at exit, undefined behaviour) fails the test
# that ran into it, whatever it checks.
SESSIONS=0
no_sanitizer_report() {
  SESSIONS=$((SESSIONS + 1))
  case "$1" in *Sanitizer* | *"runtime error:"*)
    fail "session $SESSIONS: sanitizer report" "$1"
    ;;
  esac
}

# session LINE...: the lines piped to the REPL; OUT holds stdout and
# stderr together, in order (the REPL flushes stdout before stderr).
session() {
  printf '%s\n' "$@" | "${REPL[@]}" >"$TMP/out" 2>&1
  RC=$?
  OUT="$(text_of "$TMP/out")"
  no_sanitizer_report "$OUT"
  [ "$RC" = 0 ] || fail "session $SESSIONS: exit status $RC" "$OUT"
}

# session_with "OPTIONS" LINE...: the same with more options.
session_with() {
  local opts="$1"
  shift
  # shellcheck disable=SC2086
  printf '%s\n' "$@" | "${REPL[@]}" $opts >"$TMP/out" 2>"$TMP/err"
  RC=$?
  OUT="$(text_of "$TMP/out")"
  ERR="$(text_of "$TMP/err")"
  no_sanitizer_report "$OUT$ERR"
}

# ================================================================ piped

# ------------------------------------------------------------ verdicts
session 'right("file1", "read");' 'resource("file1")' \
  'check if resource($r), right($r, "write")' \
  'allow if resource($r), right($r, "read")' \
  '.undo' '.undo' 'allow if resource($r), right($r, "read")' '.quit' \
  'never("read")'
expect_rc "verdicts: exit status" 0
expect_eq "verdicts: one line per change" "$OUT" \
  'denied: no policy matched (.explain tells why)
denied: no policy matched (.explain tells why)
denied: no policy matched; 1 failed check (.explain tells why)
denied: allow policy 0 matched, but 1 failed check (.explain tells why)
undone: allow if resource($r), right($r, "read");
denied: no policy matched; 1 failed check (.explain tells why)
undone: check if resource($r), right($r, "write");
denied: no policy matched (.explain tells why)
allowed by policy 0'

session 'deny if true' 'allow if true'
expect_contains "deny policy" "$OUT" "denied by deny policy 0"
session 'check if 1 / 0 == 1'
expect_contains "execution error" "$OUT" "error: division of 1 by 0"
expect_rc "execution error: still exit 0" 0

# ------------------------------------------------------------ input
session 'check if' '  right("file1",' '    "read")' 'right("file1", "read")' \
  'allow if true' '.show'
expect_contains "continuation: accepted across lines" "$OUT" \
  "denied: no policy matched; 1 failed check"
expect_contains "continuation: printed whole" "$OUT" \
  '  check if right("file1", "read");'
expect_contains "continuation: then allowed" "$OUT" "allowed by policy 0"

session 'a(1); b(2); check if a(1)' '.undo' '.show'
expect_contains "several statements: undo takes the last" "$OUT" \
  'undone: check if a(1);'
expect_contains "several statements: the others stay" "$OUT" '  b(2);'
expect_not_contains "several statements: check gone" "$OUT" '  check if a(1)'

session '// a comment' '/* another' 'one */' '.show'
expect_eq "comments alone change nothing" "$OUT" 'authorizer:
  (empty)'

# a '.' line inside an unfinished statement continues it unless it is a
# command (`.contains(...)` here)
session 'r("abc")' 'check if r($x), ($x' '.contains("b"))' 'allow if true'
expect_contains "method on a continuation line" "$OUT" "allowed by policy 0"
session 'check if' '.show'
expect_contains "command drops an unfinished statement" "$OUT" \
  "error: the unfinished statement was dropped"

# ------------------------------------------------------------ parse errors
session 'check if right($0, )' 'allow if true'
expect_rc "parse error: exit status" 0
expect_contains "parse error: position and caret" "$OUT" \
  "<repl>:1:20: expected a term after ','
  check if right(\$0, )
                     ^"
expect_contains "parse error: the REPL goes on" "$OUT" "allowed by policy 0"

session_with "" 'check if right($0, )' 'allow if true' '.nope'
expect_eq "parse errors on stderr" "$ERR" "<repl>:1:20: expected a term after ','
  check if right(\$0, )
                     ^
error: unknown command '.nope' (.help lists them)"
expect_eq "verdicts on stdout" "$OUT" "allowed by policy 0"

session 'check if' '  right(1,' '  ))'
expect_contains "parse error: line of the statement" "$OUT" "<repl>:3:3:"
expect_contains "parse error: caret under its line" "$OUT" "  ))
    ^"

session 'allow if true' 'check if'
expect_contains "end of input inside a statement" "$OUT" \
  "error: the input ended inside a statement"
expect_rc "end of input inside a statement: exit status" 0

session 'head($x) <- body($y)' '.show'
expect_contains "invalid rule refused" "$OUT" \
  'variable $x is not bound by any predicate of the rule body'
expect_contains "invalid rule not added" "$OUT" '(empty)'

session 'trusting ed25519/00'
expect_contains "invalid key refused" "$OUT" "<repl>:1:10: invalid public key"

# ------------------------------------------------------------ commands
session '.frobnicate' '.undo' '.block 4'
expect_contains "unknown command" "$OUT" \
  "error: unknown command '.frobnicate' (.help lists them)"
expect_contains "nothing to undo" "$OUT" "error: nothing to undo"
expect_contains "no such block" "$OUT" "error: .block 4: no block was typed yet"

session '.help'
expect_contains "help lists commands" "$OUT" ".query-all RULE"
expect_contains "help lists limits" "$OUT" ".limits [NAME=VALUE...]"

session 'r(1)' 'allow if r(1)' '.reset' '.show' '.eval'
expect_contains "reset" "$OUT" "session cleared
authorizer:
  (empty)
denied: no policy matched"

session '.auto off' 'r(1)' 'allow if r(1)' '.eval' '.auto'
expect_eq ".auto off: no verdict until .eval" "$OUT" 'auto: off
allowed by policy 0
auto: off'

session '.limits' '.limits max_facts=3 max_time=2s' 'a(1); a(2)' 'b($x) <- a($x)' \
  '.limits max_facts=0' '.limits max_iterations=x' '.limits'
expect_contains ".limits shows" "$OUT" \
  "max_facts=1000 max_iterations=100 max_time=10s max_work=1000000"
expect_contains ".limits sets" "$OUT" \
  "max_facts=3 max_iterations=100 max_time=2s max_work=1000000"
expect_contains ".limits: limit error in the verdict" "$OUT" \
  "error: too many facts (limit 3)"
expect_contains ".limits refuses zero" "$OUT" \
  ".limits: max_facts: expected a positive integer, not '0'"
expect_contains ".limits: all or nothing" "$OUT" \
  "max_facts=3 max_iterations=100 max_time=2s"

session '.time 2025-01-01T00:00:00Z' '.query t($t) <- time($t)' '.time now' \
  '.query t($t) <- time($t), $t > 2025-01-01T00:00:00Z' '.time off' \
  '.query t($t) <- time($t)' '.time yesterday'
expect_contains ".time date" "$OUT" "time: 2025-01-01T00:00:00Z
  t(2025-01-01T00:00:00Z)"
expect_contains ".time now" "$OUT" "time: now (the clock at each evaluation)"
expect_match ".time now: the clock" "$OUT" $'now[^\n]*\n  t\\(20'
expect_contains ".time off" "$OUT" "time: off
  (no facts)"
expect_contains ".time: bad date" "$OUT" "error: .time: expected now, off"

# ------------------------------------------------------------ .query
session '.block' 'user("alice")' '.block' 'user("bob")' '.authorizer' \
  'user("carol")' '.query u($x) <- user($x)' '.query-all u($x) <- user($x)' \
  '.query u($x) <- user($x' '.query'
expect_contains ".query trusts authority and authorizer" "$OUT" \
  '  u("alice")
  u("carol")
  u("alice")'
expect_contains ".query-all trusts every block" "$OUT" \
  '  u("alice")
  u("bob")
  u("carol")'
expect_contains ".query: parse error" "$OUT" \
  "<query>:1:17: unexpected end of input: unclosed bracket"
expect_contains ".query: usage" "$OUT" "error: usage: .query RULE"

# ------------------------------------------------------------ .block
session '.block' 'right("file1", "read")' 'check if operation("read")' \
  'allow if true' '.block' 'check if resource("file1")' '.authorizer' \
  'operation("read"); resource("file1")' 'allow if true' '.show' \
  '.block 0' 'extra(1)' '.show'
expect_contains ".block: policies refused in a block" "$OUT" \
  "<repl>:1:1: policies (allow if, deny if) are only allowed in an authorizer"
expect_contains ".block: allowed" "$OUT" "allowed by policy 0"
expect_contains ".block: shown" "$OUT" 'block 0 (authority):
  right("file1", "read");
  check if operation("read");
block 1:
  check if resource("file1");
authorizer:
  operation("read");
  resource("file1");'
expect_contains ".block N: back to a block" "$OUT" '  right("file1", "read");
  extra(1);
  check if operation("read");'

session '.block' 'a(1)' '.block' '.undo' '.undo' '.undo' '.show'
expect_contains ".undo takes back .block" "$OUT" "undone: .block (block 1)
denied: no policy matched (.explain tells why)
undone: a(1);"
expect_contains ".undo: empty again" "$OUT" "undone: .block (block 0)
authorizer:
  (empty)"

# ------------------------------------------------------------ .world
session '.block' 'user("alice")' 'right("alice", "read")' '.block' \
  'user("bob")' 'can($u) <- user($u)' '.authorizer' 'user("carol")' \
  'resource("file1")' '.world'
expect_contains ".world: grouped by origin" "$OUT" 'authority (block 0):
  right("alice", "read")
  user("alice")
block 1:
  can("bob")
  user("bob")
authorizer:
  resource("file1")
  user("carol")
block 0 + block 1:
  can("alice")'
session '.world'
expect_eq ".world: empty" "$OUT" "(no facts)"
session 'user("carol")' 'can($u) <- user($u)' '.block' 'user("dave")' '.world'
expect_contains ".world: block and authorizer" "$OUT" 'block 0 + authorizer:
  can("dave")'

session 'note("two' 'lines")' 'x(1)' '.world'
expect_eq ".world: a string holding a newline" "$OUT" 'denied: no policy matched (.explain tells why)
denied: no policy matched (.explain tells why)
authorizer:
  note("two
lines")
  x(1)'

# ------------------------------------------------------------ .explain
session 'right("file1", "read")' 'operation("write")' \
  'check if operation("read")' 'allow if right($f, $op), operation($op)' \
  '.explain'
expect_contains ".explain: the verdict" "$OUT" "denied: no policy matched"
expect_contains ".explain: the failed check" "$OUT" \
  'authorizer check 0 failed: check if operation("read")'
expect_contains ".explain: the policy" "$OUT" \
  'allow policy 0 did not match: allow if right($f, $op), operation($op)'
expect_contains ".explain: what no fact matched" "$OUT" 'operation("write")'
session 'x(1)' 'allow if x($v), $v > 5' '.explain'
expect_contains ".explain: the false expression" "$OUT" '$v > 5 is false'

# ------------------------------------------------------------ files
session 'right("file1", "read")' 'check if' '  right("file1", "read")' \
  'allow if right($f, "read")' ".save $TMP/saved.dl" '.block' 'b(1)' \
  ".save-block 0 $TMP/block0.dl" ".save $TMP/no/such/dir.dl"
expect_contains ".save" "$OUT" "saved 3 authorizer statements to $TMP/saved.dl"
expect_contains ".save-block" "$OUT" "saved block 0 to $TMP/block0.dl"
expect_contains ".save: unwritable" "$OUT" "error: cannot create"
expect_eq ".save: the statements as typed" "$(cat "$TMP/saved.dl")" \
  'right("file1", "read");
check if
  right("file1", "read");
allow if right($f, "read");'

session ".load $TMP/saved.dl" ".load-block $TMP/block0.dl" '.show' '.undo' \
  '.undo' '.show'
expect_contains ".load" "$OUT" "authorizer: 3 statements from $TMP/saved.dl
allowed by policy 0"
expect_contains ".load-block" "$OUT" "block 0: 1 statement from $TMP/block0.dl"
expect_contains ".load-block: shown" "$OUT" 'block 0 (authority):
  b(1);'
expect_contains ".load: one undo step" "$OUT" "undone: 3 statements"

printf 'check if right(\n' >"$TMP/bad.dl"
session ".load $TMP/bad.dl" ".load $TMP/missing.dl" ".load-block $TMP/bad.dl"
expect_contains ".load: errors name the file" "$OUT" "$TMP/bad.dl:1:16: "
expect_contains ".load: missing file" "$OUT" \
  "error: cannot open '$TMP/missing.dl': No such file or directory"

session_with "--authorizer $TMP/saved.dl" '.show'
expect_contains "--authorizer" "$OUT" "authorizer: 3 statements"
expect_contains "--authorizer: evaluated" "$OUT" "allowed by policy 0"
session_with "--authorizer $TMP/bad.dl"
expect_rc "--authorizer: invalid file" 3

# the saved file is an authorizer file for `biscuit inspect`
printf 'right("file1", "read");\n' >"$TMP/auth.dl"
run generate --private-key "$ROOT_PRIV" "$TMP/auth.dl"
printf '%s\n' "$OUT" >"$TMP/token.b64"
run inspect "$TMP/token.b64" --public-key "$ROOT_PUB" \
  --authorize-with-file "$TMP/saved.dl"
expect_rc "inspect reads .save's file" 0
expect_contains "inspect reads .save's file: verdict" "$OUT" "ALLOWED"

# ------------------------------------------------------------ .token
printf 'user("alice");\ncheck if operation("read");\n' >"$TMP/t.dl"
run generate --private-key "$ROOT_PRIV" "$TMP/t.dl"
printf '%s\n' "$OUT" >"$TMP/t.b64"
run generate --raw --private-key "$ROOT_PRIV" "$TMP/t.dl"
cp "$TMP/out" "$TMP/t.raw"
printf '%s\n' "$ROOT_PUB" >"$TMP/root.pub"
ROOT_TEXT="ed25519/${ROOT_PUB#ed25519/}"

session ".token $TMP/t.b64 $ROOT_PUB" 'operation("read")' \
  'allow if user("alice")' '.show' '.block' 'check if operation("write")' \
  '.query-all u($x) <- user($x)'
expect_contains ".token: loaded" "$OUT" \
  "token: 1 block from $TMP/t.b64, verified with $ROOT_TEXT"
expect_contains ".token: its check fails first" "$OUT" \
  "denied: no policy matched; 1 failed check"
expect_contains ".token: allowed" "$OUT" "allowed by policy 0"
expect_contains ".token: shown" "$OUT" "block 0 (authority), from $TMP/t.b64:
  user(\"alice\");"
expect_contains ".token: attenuated by a typed block" "$OUT" \
  "denied: allow policy 0 matched, but 1 failed check"
expect_contains ".token: queried" "$OUT" '  u("alice")'

session ".token $TMP/t.raw $TMP/root.pub"
expect_contains ".token: raw bytes, key in a file" "$OUT" \
  "token: 1 block from $TMP/t.raw, verified with $ROOT_TEXT"
run keypair
OTHER_PUB="$(printf '%s\n' "$OUT" | sed -n 's/^Public key: //p')"
session ".token $TMP/t.b64 $OTHER_PUB" ".token $TMP/t.b64 ed25519/00" \
  ".token $TMP/t.b64" '.show'
expect_contains ".token: wrong root key" "$OUT" "error: $TMP/t.b64:"
expect_contains ".token: bad key" "$OUT" "error: not a root public key"
expect_contains ".token: usage" "$OUT" "error: usage: .token FILE ROOTKEY"
expect_contains ".token: nothing loaded" "$OUT" "authorizer:
  (empty)"

session_with "--token $TMP/t.b64 --root-key $ROOT_PUB" \
  'operation("read"); allow if true'
expect_contains "--token" "$OUT" "token: 1 block"
expect_contains "--token: evaluated" "$OUT" "allowed by policy 0"
session_with "--token $TMP/t.b64"
expect_rc "--token without --root-key" 2
session_with "--token $TMP/t.b64 --public-key $ROOT_PUB" \
  'operation("read"); allow if true'
expect_contains "--public-key, as inspect names it" "$OUT" "allowed by policy 0"
session_with "--token $TMP/t.b64 --public-key $ROOT_PUB --root-key $ROOT_PUB"
expect_rc "--public-key and --root-key together" 2
session_with "--public-key $ROOT_PUB"
expect_rc "--public-key without --token" 2

# ------------------------------------------------------------ options
session_with "--interactive" 'check if' 'true' 'allow if true'
expect_contains "--interactive: prompts" "$OUT" "authorizer> "
expect_contains "--interactive: continuation aligned" "$OUT" \
  "authorizer>        ...> "
session_with "--no-auto" 'allow if true' '.eval'
expect_eq "--no-auto" "$OUT" "allowed by policy 0"
session_with "--max-facts 0"
expect_rc "--max-facts 0 refused" 2
run repl --help
expect_contains "--help" "$OUT" "--root-key KEY"

# ================================================================ terminal
if ! command -v tmux >/dev/null 2>&1; then
  fail "tmux is not installed: the terminal tests need it" \
    "install it (scripts/install-deps.sh lists it)"
  finish
fi

SOCK="biscuit-repl-test-$$"
THOME="$TMP/home"
mkdir -p "$THOME"
tmx() { tmux -f /dev/null -L "$SOCK" "$@"; }
trap 'tmx kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT

screen() { tmx capture-pane -p -t repl 2>/dev/null; }

# wait_for NAME TEXT: polls the screen until it shows TEXT (10 s at most).
wait_for() {
  local i
  for ((i = 0; i < 100; i++)); do
    case "$(screen)" in *"$2"*)
      pass
      return 0
      ;;
    esac
    sleep 0.1
  done
  fail "$1: the screen never showed: $2" "$(screen)"
  return 1
}

# wait_last NAME TEXT: the last non-empty line of the screen is TEXT.
wait_last() {
  local i last
  for ((i = 0; i < 100; i++)); do
    last="$(screen | sed '/^ *$/d' | tail -n 1)"
    if [ "$last" = "$2" ]; then
      pass
      return 0
    fi
    sleep 0.1
  done
  fail "$1: the last line is not: $2" "$(screen)"
  return 1
}

# keys TEXT: types TEXT literally (tmux would take a final ';' as its own
# command separator, hence the backslash).
keys() {
  local t="$1"
  case "$t" in *";") t="${t%;}\\;" ;; esac
  tmx send-keys -t repl -l -- "$t"
}
press() { tmx send-keys -t repl "$@"; }

# start_repl: a new session on a 100x30 terminal; the exit status of the
# REPL lands in $TMP/status.
start_repl() {
  rm -f "$TMP/status"
  tmx new-session -d -s repl -x 100 -y 30 \
    "env -u BISCUIT_HISTORY -u XDG_STATE_HOME HOME='$THOME' TERM=xterm \
     NO_COLOR=1 '$REAL_BISCUIT' repl --max-time 10s; echo \$? >'$TMP/status'"
}

# wait_exit NAME: the REPL has exited with status 0 (ASan leaks would
# make it non-zero).
wait_exit() {
  local i
  for ((i = 0; i < 100; i++)); do
    [ -s "$TMP/status" ] && break
    sleep 0.1
  done
  expect_eq "$1" "$(cat "$TMP/status" 2>/dev/null)" "0"
}

start_repl
wait_for "tty: banner and prompt" "authorizer>"

keys '.wo'
press Tab
wait_for "tty: Tab completes a command" "authorizer> .world"
press Enter
wait_for "tty: .world runs" "(no facts)"

keys '.s'
press Tab
wait_for "tty: Tab lists the commands that fit" ".save-block"
wait_for "tty: ... all of them" ".show"
press C-u

keys 'al'
press Tab
wait_for "tty: Tab completes a keyword" "authorizer> allow if"
press C-u

keys 'right("file1", "read");'
press Enter
wait_for "tty: a statement gets its verdict" \
  "denied: no policy matched (.explain tells why)"

keys 'check if ri'
press Tab
wait_for "tty: Tab completes a predicate seen before" "authorizer> check if right("
keys '"file1", $operation),'
press Enter
wait_last "tty: continuation prompt" "       ...>"
keys '  $operation == "write"'
press Enter
wait_for "tty: the statement is accepted" \
  "denied: no policy matched; 1 failed check (.explain tells why)"

keys '.query data($x) <- right($x, $op'
press Tab
wait_for "tty: Tab completes a variable seen before" \
  'authorizer> .query data($x) <- right($x, $operation'
keys ')'
press Enter
wait_for "tty: the query's facts" '  data("file1")'

keys '.explain'
press Enter
wait_for "tty: .explain names the failed check" \
  'authorizer check 0 failed: check if right("file1", $operation)'
wait_for "tty: .explain shows the false expression" \
  '$operation == "write" is false'

press C-l
keys 'check if right($0, )'
press Enter
wait_for "tty: parse error" "<repl>:1:20: expected a term after ','"
wait_for "tty: parse error caret" "  check if right(\$0, )
                     ^"
wait_last "tty: parse error, then the prompt again" "authorizer>"

keys 'check if'
press Enter
wait_last "tty: unfinished statement" "       ...>"
press C-c
wait_last "tty: Ctrl-C drops it" "authorizer>"

keys '.quit'
press Enter
wait_exit "tty: .quit exits with status 0"
HIST="$(cat "$THOME/.biscuit_history" 2>/dev/null)"
expect_eq "tty: history file format" "$(printf '%s\n' "$HIST" | head -n 1)" \
  "_HiStOrY_V2_"
expect_contains "tty: history has the completed command" "$HIST" $'\n.world\n'
expect_contains "tty: history has statements" "$HIST" \
  'right("file1",\040"read");'
expect_contains "tty: history ends with .quit" "$HIST" $'\n.quit'

# the history is read back by the next session
start_repl
wait_for "tty: second session" "authorizer>"
press Up
wait_for "tty: Up recalls the last session's line" "authorizer> .quit"
press Enter
wait_exit "tty: second session exits with status 0"

finish
