#!/usr/bin/env bash
# Error cases of the `biscuit` command: each must print a clear message on
# stderr (naming what went wrong and where) and exit with the documented
# status: 1 refused, 2 bad command line, 3 other errors; never crash.
# Usage: errors.sh path/to/biscuit
set -u
source "$(dirname "$0")/lib.sh"

T001="$SAMPLES/test001_basic.bc"

# ------------------------------------------------------------ command line
run
expect_rc "no command" 2
expect_contains "no command: usage" "$ERR" "Usage: biscuit COMMAND"

run frobnicate
expect_rc "unknown command" 2
expect_contains "unknown command: message" "$ERR" "unknown command 'frobnicate'"

run inspect "$T001" --raw-input --frobnicate
expect_rc "unknown option" 2
expect_contains "unknown option: message" "$ERR" "unknown option '--frobnicate'"
expect_contains "unknown option: hint" "$ERR" "biscuit inspect --help"

run inspect
expect_rc "missing token argument" 2
expect_contains "missing token: message" "$ERR" "missing TOKEN|- argument"

run inspect "$T001" "$T001"
expect_rc "two tokens" 2

run inspect "$T001" --public-key
expect_rc "option without value" 2
expect_contains "option without value: message" "$ERR" \
  "'--public-key' needs a value"

run inspect "$T001" --json=yes
expect_rc "flag with a value" 2

run inspect "$T001" --raw-input --raw-input
expect_rc "option twice" 2

run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with 'allow if true;' --authorize-with-file /dev/null
expect_rc "two authorizer sources" 2
expect_contains "two authorizer sources: message" "$ERR" \
  "cannot be used together"

run inspect "$T001" --raw-input --authorize-with 'allow if true;'
expect_rc "authorizing without a key" 2
expect_contains "authorizing without a key: message" "$ERR" \
  "needs the root public key"

run inspect "$T001" --raw-input --query-all
expect_rc "--query-all alone" 2

run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with 'allow if true;' --max-time 10
expect_rc "duration without unit" 2
expect_contains "duration without unit: message" "$ERR" "--max-time"

run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with 'allow if true;' --max-facts 0
expect_rc "zero facts" 2

run keypair --only-public-key --only-private-key
expect_rc "keypair: --only-* both" 2

run keypair --key-output-format raw
expect_rc "keypair: raw needs --only-*" 2

run keypair --key-algorithm rsa
expect_rc "keypair: unknown algorithm" 2
expect_contains "keypair: unknown algorithm message" "$ERR" \
  "unknown key algorithm 'rsa'"

run generate /dev/null
expect_rc "generate without a key" 2
expect_contains "generate without a key: message" "$ERR" "--private-key"

run generate /dev/null --private-key "$ROOT_PRIV" --root-key-id -1
expect_rc "generate: negative root key id" 2

run generate /dev/null --private-key "$ROOT_PRIV" --add-ttl tomorrow
expect_rc "generate: bad ttl" 2
expect_contains "generate: bad ttl message" "$ERR" "--add-ttl"

run generate /dev/null --private-key "$ROOT_PRIV" --param 'x:float=1.5'
expect_rc "generate: bad param type" 2
expect_contains "generate: bad param type message" "$ERR" "unknown type"

run generate /dev/null --private-key "$ROOT_PRIV" --param 'n:integer=abc'
expect_rc "generate: bad integer param" 2

run generate /dev/null --private-key "$ROOT_PRIV" --param 'noequals'
expect_rc "generate: param without =" 2

run append-third-party-block "$T001" --raw-input
expect_rc "append without contents" 2

# ------------------------------------------------------------ inputs
run inspect "$TMP/missing.bc"
expect_rc "missing file" 3
expect_contains "missing file: message" "$ERR" "cannot open '$TMP/missing.bc'"
expect_contains "missing file: reason" "$ERR" "No such file"

run inspect "$TMP/missing.bc" --json
expect_rc "missing file (json)" 3
expect_eq "missing file (json): error object" \
  "$(json_get "$OUT" 'sorted(j.keys())')" '["error"]'

printf 'this is not base64!\n' >"$TMP/bad.b64"
run inspect "$TMP/bad.b64"
expect_rc "bad base64" 3
expect_contains "bad base64: message" "$ERR" "not valid URL-safe base64"
expect_contains "bad base64: names the file" "$ERR" "$TMP/bad.b64"

run inspect "$TMP/bad.b64" --json
expect_rc "bad base64 (json)" 3
expect_contains "bad base64 (json): error" "$(json_get "$OUT" 'j["error"]')" \
  "base64"

: >"$TMP/empty"
run inspect "$TMP/empty"
expect_rc "empty input" 3
expect_contains "empty input: message" "$ERR" "empty"

printf 'aGVsbG8gd29ybGQ=\n' >"$TMP/notatoken.b64"
run inspect "$TMP/notatoken.b64" --json
expect_rc "valid base64, not a token" 3
expect_eq "not a token: error object" "$(json_get "$OUT" 'list(j)')" '["error"]'
expect_contains "not a token: stderr" "$ERR" "not a valid token"

run seal "$TMP/notatoken.b64"
expect_rc "seal: not a token" 3
expect_contains "seal: not a token message" "$ERR" "not a valid token"

run_in "$T001" inspect - --raw-input
expect_rc "token from stdin" 0

run_in "$T001" inspect - --raw-input --public-key "$ROOT_PUB" \
  --authorize-with-file -
expect_rc "stdin twice (inspect)" 2
expect_contains "stdin twice: message" "$ERR" "only one input"
run_in "$T001" attenuate - --raw-input --block-file -
expect_rc "stdin twice (attenuate)" 2
run_in /dev/null generate - --private-key-file -
expect_rc "stdin twice (generate)" 2

printf 'user("a");\0\n' >"$TMP/nul.dl"
run generate "$TMP/nul.dl" --private-key "$ROOT_PRIV"
expect_rc "NUL byte in Datalog" 3
expect_contains "NUL byte: message" "$ERR" "NUL"

# A sealed token cannot be extended.
"$BISCUIT" seal "$T001" --raw-input >"$TMP/sealed"
run attenuate "$TMP/sealed" --block 'check if true;'
expect_rc "attenuate a sealed token" 3
expect_contains "attenuate sealed: message" "$ERR" "cannot attenuate"
run generate-third-party-block-request "$TMP/sealed"
expect_rc "request on a sealed token" 3
expect_contains "request on sealed: message" "$ERR" "third-party"

run append-third-party-block "$T001" --raw-input --block-contents 'AAAA'
expect_rc "append: garbage contents" 3
expect_contains "append garbage: message" "$ERR" "cannot append"

# ------------------------------------------------------------ keys
run inspect "$T001" --raw-input --public-key nothex
expect_rc "malformed public key" 3
expect_contains "malformed public key: message" "$ERR" "not a valid public key"

run inspect "$T001" --raw-input --public-key-file "$TMP/nokey"
expect_rc "missing key file" 3

run keypair --from-private-key 'ed25519-private/0011'
expect_rc "short private key" 3
expect_contains "short private key: message" "$ERR" "not a valid private key"

run keypair --from-private-key "$ROOT_PRIV" --from-format raw
expect_rc "raw key as an argument" 2

printf 'not a pem\n' >"$TMP/bad.pem"
run keypair --from-file "$TMP/bad.pem" --from-format pem
expect_rc "bad pem" 3
expect_contains "bad pem: message names the file" "$ERR" "$TMP/bad.pem"

# A wrong root key: the token is still printed, signatures_check false,
# no authorization, exit 1 (reference-behaviour.md §6).
WRONG="$("$BISCUIT" keypair --only-public-key)"
run inspect "$T001" --raw-input --public-key "$WRONG" \
  --authorize-with 'allow if true;' --json
expect_rc "wrong key" 1
expect_json "wrong key: signatures_check" 'j["signatures_check"]' false
expect_eq "wrong key: auth" "$(json_get "$OUT" 'j["auth"]')" null
expect_eq "wrong key: blocks still shown" \
  "$(json_get "$OUT" 'len(j["token"]["blocks"])')" 2
expect_contains "wrong key: stderr" "$ERR" "signatures do not verify"

run inspect "$T001" --raw-input --public-key "$WRONG"
expect_rc "wrong key (human)" 1
expect_contains "wrong key (human): verdict" "$OUT" "NOT VERIFIED"

# ------------------------------------------------------------ Datalog
printf 'right("file1", "read");\nright("file2" "read");\n' >"$TMP/bad.dl"
run generate "$TMP/bad.dl" --private-key "$ROOT_PRIV"
expect_rc "Datalog parse error" 3
expect_contains "parse error: file:line:column" "$ERR" "$TMP/bad.dl:2:15:"
expect_contains "parse error: source line" "$ERR" 'right("file2" "read");'
expect_contains "parse error: caret" "$ERR" "^"
expect_eq "parse error: nothing on stdout" "$OUT" ""

run attenuate "$T001" --raw-input --block 'check if'
expect_rc "attenuate: incomplete block" 3
expect_contains "attenuate: incomplete names the argument" "$ERR" \
  "<argument>:1:"

run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with-file "$TMP/bad.dl" --json
expect_rc "authorizer parse error" 3
expect_contains "authorizer parse error: stderr" "$ERR" "$TMP/bad.dl:2:15:"
expect_contains "authorizer parse error: json" \
  "$(json_get "$OUT" 'j["error"]')" "bad.dl:2:15"

run inspect "$T001" --raw-input --public-key "$ROOT_PUB" --query 'data($x) <-'
expect_rc "query parse error" 3

run generate /dev/null --private-key "$ROOT_PRIV" --param 'x=1' \
  </dev/null
expect_rc "generate: empty block is fine" 0

# ------------------------------------------------------------ refusals
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with 'resource("file1"); allow if true;'
expect_rc "denied" 1
expect_contains "denied: verdict" "$OUT" "DENIED"
expect_contains "denied: failed check" "$OUT" \
  'block 1 check 0: check if resource($0), operation("read"), right($0, "read")'
expect_contains "denied: stderr" "$ERR" "authorization refused"

run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with 'resource("file1"); operation("read"); allow if true;'
expect_rc "allowed" 0
expect_eq "allowed: stderr empty" "$ERR" ""

run inspect "$SAMPLES/test027_integer_wraparound.bc" --raw-input \
  --public-key "$ROOT_PUB" --authorize-with 'allow if true;' --json
expect_rc "execution error" 1
expect_json "execution error: json" 'j["auth"]["result"]' \
  '{"error": {"Execution": "Overflow"}}'

# A run limit: 1 iteration is too few for a rule to derive anything.
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" --json \
  --authorize-with 'a(1); b($x) <- a($x); c($x) <- b($x); allow if c(1);' \
  --max-iterations 1
expect_rc "run limit" 1
expect_eq "run limit: json" "$(json_get "$OUT" 'j["auth"]["result"]')" \
  '{"error": {"RunLimit": "TooManyIterations"}}'

# The work budget: a 3 x 3 join costs more than 5 units.
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" --json \
  --authorize-with 'a(1); a(2); a(3); b($x, $y) <- a($x), a($y); allow if b(1, 1);' \
  --max-work 5
expect_rc "work budget" 1
expect_eq "work budget: json" "$(json_get "$OUT" 'j["auth"]["result"]')" \
  '{"error": {"RunLimit": "WorkBudget"}}'
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with 'resource("file1"); operation("read");
    a(1); a(2); a(3); b($x, $y) <- a($x), a($y); allow if b(1, 1);' \
  --max-work 100000
expect_rc "work budget: enough" 0
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with 'allow if true;' --max-work 0
expect_rc "zero work" 2
expect_contains "zero work: message" "$ERR" "--max-work: expected a positive integer"

# The evaluation guards and the decoding limits, each a flag.
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" --json \
  --authorize-with 'check if "ab" + "cd" == "abcd"; allow if true;' \
  --max-string 3
expect_rc "max-string" 1
expect_eq "max-string: json" "$(json_get "$OUT" 'j["auth"]["result"]')" \
  '{"error": {"RunLimit": "TooLarge"}}'
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" --json \
  --authorize-with 'a(1); b(1); c(1); d($x) <- a($x), b($x), c($x); allow if true;' \
  --max-body-predicates 2
expect_eq "max-body-predicates: json" \
  "$(json_get "$OUT" 'j["auth"]["result"]')" \
  '{"error": {"RunLimit": "TooManyPredicates"}}'
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with 'allow if true;' --max-closure-depth 4294967296
expect_rc "max-closure-depth: over 32 bits" 2
expect_contains "max-closure-depth: message" "$ERR" \
  "--max-closure-depth: expected a positive integer up to 4294967295"
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" --max-token-size 100
expect_rc "max-token-size" 3
expect_contains "max-token-size: the limit named" "$ERR" \
  "not a valid token: input is 358 bytes, the limit is 100"
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" --max-nesting 2
expect_rc "max-nesting" 3
expect_contains "max-nesting: the limit named" "$ERR" \
  "protobuf messages nested deeper than 2"
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" --max-blocks 1
expect_rc "max-blocks" 3
expect_contains "max-blocks: the limit named" "$ERR" \
  "token has 2 blocks, the limit is 1"
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" --max-blocks 2 \
  --max-nesting 64 --max-token-size 65536
expect_rc "decoding limits that fit" 0

# ------------------------------------------------------------ snapshots
ALLOW='resource("file1"); operation("read"); allow if true;'
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" --max-time 10s \
  --authorize-with "$ALLOW" --dump-snapshot-to "$TMP/snap"
expect_rc "dump snapshot" 0
expect_eq "dump snapshot: stderr empty" "$ERR" ""
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" --max-time 10s \
  --authorize-with "$ALLOW" --dump-policies-snapshot-to "$TMP/psnap"
expect_rc "dump policies snapshot" 0

run inspect "$T001" --raw-input --dump-raw-snapshot
expect_rc "--dump-raw-snapshot alone" 2
run inspect "$T001" --raw-input --dump-raw-policies-snapshot
expect_rc "--dump-raw-policies-snapshot alone" 2
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with "$ALLOW" --authorize-with-raw-snapshot-file
expect_rc "--authorize-with-raw-snapshot-file alone" 2
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --dump-snapshot-to "$TMP/nothing"
expect_rc "dump without an authorizer" 2
expect_contains "dump without an authorizer: message" "$ERR" \
  "needs an authorizer"
run inspect "$T001" --raw-input --authorize-with-snapshot-file "$TMP/psnap"
expect_rc "snapshot without a key" 2
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with "$ALLOW" --authorize-with-snapshot-file "$TMP/psnap"
expect_rc "text and snapshot authorizers" 2
run_in "$T001" inspect - --raw-input --public-key "$ROOT_PUB" \
  --authorize-with-snapshot-file -
expect_rc "stdin twice (snapshot)" 2

run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with-snapshot AAAA
expect_rc "authorize with a bad snapshot" 3
expect_contains "bad snapshot: message" "$ERR" \
  "the snapshot argument: not a valid authorizer snapshot"
expect_eq "bad snapshot: nothing on stdout" "$OUT" ""
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" --json \
  --authorize-with-snapshot 'not base64!'
expect_rc "snapshot argument not base64" 3
expect_contains "snapshot not base64: json" "$(json_get "$OUT" 'j["error"]')" \
  "base64"
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with-snapshot-file "$TMP/missing.snap"
expect_rc "missing snapshot file" 3
expect_contains "missing snapshot file: message" "$ERR" "cannot open"

# A snapshot taken after a run holds the token: no other can be added.
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with-snapshot-file "$TMP/snap" --json
expect_rc "authorize with a full snapshot" 3
expect_contains "full snapshot: message" "$ERR" "use a policies snapshot"
expect_json "full snapshot: json error" 'list(j)' '["error"]'

# Raw bytes read as base64, and the other way round.
run inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with-snapshot-file "$TMP/psnap" \
  --authorize-with-raw-snapshot-file
expect_rc "base64 snapshot read as raw" 3
run inspect-snapshot "$TMP/snap" --raw-input
expect_rc "inspect-snapshot: base64 read as raw" 3
expect_contains "base64 as raw: message" "$ERR" \
  "not a valid authorizer snapshot"

printf 'AAAA\n' >"$TMP/snap.b64"
run inspect-snapshot "$TMP/snap.b64" --json
expect_rc "inspect-snapshot: not a snapshot" 3
expect_json "not a snapshot: json error" 'list(j)' '["error"]'
expect_contains "not a snapshot: names the file" "$ERR" "$TMP/snap.b64"

: >"$TMP/empty.snap"
run inspect-snapshot "$TMP/empty.snap" --raw-input
expect_rc "inspect-snapshot: empty raw file" 3
run inspect-snapshot "$TMP/empty.snap"
expect_rc "inspect-snapshot: empty file" 3
expect_contains "empty snapshot: message" "$ERR" "empty"
run inspect-snapshot "$TMP/missing.snap"
expect_rc "inspect-snapshot: missing file" 3
run inspect-snapshot "$TMP/snap" --query-all
expect_rc "inspect-snapshot: --query-all alone" 2
run inspect-snapshot "$TMP/snap" --query 'data($x) <-' --max-time 10s
expect_rc "inspect-snapshot: query parse error" 3
expect_contains "inspect-snapshot: query error names it" "$ERR" "<query>:1:"
run inspect-snapshot "$TMP/snap" --max-time 10
expect_rc "inspect-snapshot: duration without unit" 2

# Every truncation of a snapshot is refused cleanly, never a crash.
python3 - "$TMP/snap" "$TMP/cut" <<'PY'
import base64, sys
raw = base64.urlsafe_b64decode(open(sys.argv[1]).read())
for n in range(1, len(raw), max(1, len(raw) // 24)):
    open("%s.%d" % (sys.argv[2], n), "wb").write(raw[:n])
PY
bad=0
for f in "$TMP"/cut.*; do
  run inspect-snapshot "$f" --raw-input
  [ "$RC" = 3 ] || bad=$((bad + 1))
done
expect_eq "truncated snapshots: all refused with status 3" "$bad" 0

# ------------------------------------------------------------ help
for cmd in keypair generate attenuate seal inspect inspect-snapshot \
  generate-third-party-block-request generate-third-party-block \
  append-third-party-block; do
  run "$cmd" --help
  expect_rc "$cmd --help" 0
  expect_contains "$cmd --help: usage" "$OUT" "Usage: biscuit $cmd"
  expect_eq "$cmd --help: within 80 columns" \
    "$(printf '%s\n' "$OUT" | awk 'length > 79' | head -1)" ""
done
run --help
expect_rc "--help" 0
run help inspect
expect_contains "help inspect" "$OUT" "Usage: biscuit inspect"
run --version
expect_contains "--version" "$OUT" "biscuit "

finish
