#!/usr/bin/env bash
# `biscuit test`, the runner of .test files: its output (one line per
# case, a diff under each failing one, a summary), its exit statuses (0
# all passed, 1 a case failed, 2 bad command line, 3 a file could not be
# read or breaks the format, reported as file:line), folders, --filter,
# --quiet, --verbose and colour. Passing fixtures are in
# tests/cli/golden/test/ with the expected output of the whole folder,
# all.out (after changing a fixture, regenerate it from tests/cli/golden
# with `biscuit test test >test/all.out` and review the diff); failing and
# broken files are written to a temporary folder.
# Usage: test_cmd.sh path/to/biscuit
set -u
source "$(dirname "$0")/lib.sh"
FIXTURES="$HERE/golden/test"

# A file in the temporary folder: test_file NAME, its text on stdin.
test_file() { cat >"$TMP/$1"; }

# ------------------------------------------------------------ passing files
cd "$HERE/golden" || exit 2
run test test
expect_rc "folder: all pass" 0
expect_eq "folder: output (golden/test/all.out)" "$OUT" "$(cat "$FIXTURES/all.out")"
expect_eq "folder: nothing on stderr" "$ERR" ""

run test test/third-party.test
expect_rc "third-party blocks" 0
expect_contains "third-party: secp256r1 signer" "$OUT" \
  "ok    test/third-party.test:34: a secp256r1 signer"
expect_contains "third-party: summary" "$OUT" "3 passed, 0 failed"

run test test/world.test
expect_rc "world" 0
expect_eq "world: one case" "$OUT" \
  "ok    test/world.test:3: the world lists each fact with its origin
1 passed, 0 failed"

run test test/world.test test/third-party.test
expect_rc "two paths" 0
expect_contains "two paths: the first file" "$OUT" \
  "ok    test/world.test:3: the world lists each fact with its origin"
expect_contains "two paths: then the second" "$OUT" \
  "ok    test/third-party.test:34: a secp256r1 signer"
expect_contains "two paths: one summary" "$OUT" "4 passed, 0 failed"

# ------------------------------------------------------------ a failing case
cd "$TMP" || exit 2
test_file fail.test <<'EOF'
%%name passes
%%authorizer
allow if true;
%%expect
allow 0

%%name fails
%%block
right("file1", "read");
%%block
check if right("file2", "read");
%%authorizer
allow if true;
%%expect
allow 0
failed block 1 check 0: check if right("file3", "read")
%%world
0: right("file1", "read")
0: right("file9", "read")
%%query q($f) <- right($f, "read")
q("file1")
EOF
run test fail.test
expect_rc "failing case: exit 1" 1
expect_eq "failing case: the diff" "$OUT" \
  'ok    fail.test:1: passes
FAIL  fail.test:7: fails
  expect:
    --- expected
    +++ got
     allow 0
    -failed block 1 check 0: check if right("file3", "read")
    +failed block 1 check 0: check if right("file2", "read")
  world:
    --- expected
    +++ got
     0: right("file1", "read")
    -0: right("file9", "read")
1 passed, 1 failed'
expect_eq "failing case: nothing on stderr" "$ERR" ""

run test fail.test --quiet
expect_rc "--quiet: exit 1" 1
expect_not_contains "--quiet: no ok line" "$OUT" "ok    "
expect_contains "--quiet: the failure" "$OUT" "FAIL  fail.test:7: fails"
expect_contains "--quiet: the summary" "$OUT" "1 passed, 1 failed"

test_file errors.test <<'EOF'
%%name an unexpected error
%%authorizer
check if 1 / 0 == 0;
allow if true;

%%name a parse error where none is expected
%%block
right(;
%%expect
allow 0

%%name an expected parse error that does not happen
%%block
right("a");
%%expect-error
errors.test:block0:1:1: nothing

%%name a parse error that is not incomplete
%%block
check if f(1,, 2);
%%expect-error incomplete
errors.test:block0:1:14: expected a term after ','
  check if f(1,, 2);
               ^
EOF
run test errors.test
expect_rc "errors: exit 1" 1
expect_contains "errors: unexpected error" "$OUT" "FAIL  errors.test:1: an unexpected error
  unexpected error:
    error DivideByZero"
expect_contains "errors: unexpected parse error" "$OUT" "  parse error:
    errors.test:block0:1:7: expected a term after '('"
expect_contains "errors: no parse error" "$OUT" "  expect-error:
    everything parsed"
expect_contains "errors: not incomplete" "$OUT" "    the input is not incomplete"
expect_contains "errors: summary" "$OUT" "0 passed, 4 failed"

# ------------------------------------------------------------ format errors
# broken NAME LINE MESSAGE: the file (on stdin) is refused, named with the
# line, with status 3.
broken() {
  test_file "$1"
  run test "$1"
  expect_rc "format error $1" 3
  expect_eq "format error $1: message" "$ERR" "biscuit: error: $1:$2: $3"
  expect_eq "format error $1: summary" "$OUT" "0 passed, 0 failed, 1 file not run"
}
broken unknown.test 4 'unknown section %%frobnicate' <<'EOF'
%%name a
%%authorizer
allow if true;
%%frobnicate
EOF
broken public-key.test 4 "external= takes the signer's private key (ed25519-private/<hex> or secp256r1-private/<hex>): ed25519/fdc6bfb2f38c21788c098ff3afa63922cf3b90ddc7d51b8235978a2bdeee9617" <<'EOF'
%%name a
%%block
right("read");
%%block external=ed25519/fdc6bfb2f38c21788c098ff3afa63922cf3b90ddc7d51b8235978a2bdeee9617
group("admin");
EOF
broken first-external.test 2 'the first block is the authority block: it cannot be a third-party block' <<'EOF'
%%name a
%%block external=ed25519-private/3f0d24e5e2fe7ed916307a6d63c8e8b787c16db8c8afbff6aff3a6318d009705
EOF
broken limits.test 2 'unknown limit: max_speed=3' <<'EOF'
%%name a
%%limits max_speed=3
EOF
broken outside.test 3 'text outside a section: stray text' <<'EOF'
# a comment is fine
%%name a
stray text
EOF
broken nocase.test 1 'no %%name in the file' <<'EOF'
# only a comment
EOF
broken twice.test 5 'section given twice in a case' <<'EOF'
%%name a
%%expect
allow 0
# twice
%%expect
EOF
broken include.test 2 'cannot read missing.dl: No such file or directory' <<'EOF'
%%name a
%%authorizer file=missing.dl
EOF

run test no-such.test
expect_rc "missing file" 3
expect_contains "missing file: message" "$ERR" \
  "cannot open 'no-such.test': No such file or directory"

mkdir -p "$TMP/empty"
run test empty
expect_rc "empty folder" 3
expect_contains "empty folder: message" "$ERR" "no .test file in folder 'empty'"

# A broken file does not stop the others, and decides the exit status.
mkdir -p "$TMP/mixed"
cp "$TMP/unknown.test" "$TMP/mixed/a.test"
cp "$FIXTURES/world.test" "$TMP/mixed/b.test"
run test mixed
expect_rc "mixed folder: exit 3" 3
expect_contains "mixed folder: the good file ran" "$OUT" \
  "ok    mixed/b.test:3: the world lists each fact with its origin"
expect_contains "mixed folder: summary" "$OUT" \
  "1 passed, 0 failed, 1 file not run"
expect_contains "mixed folder: the error" "$ERR" "mixed/a.test:4: unknown section"

# ------------------------------------------------------------ options
cd "$HERE/golden" || exit 2
run test test --filter world
expect_rc "--filter" 0
expect_eq "--filter: only matching cases" "$OUT" \
  "ok    test/world.test:3: the world lists each fact with its origin
1 passed, 0 failed, 13 filtered out"

run test test --filter 'no such case'
expect_rc "--filter matching nothing" 1
expect_contains "--filter matching nothing: message" "$ERR" \
  "no case name contains 'no such case'"

run test test/world.test --verbose
expect_rc "--verbose" 0
expect_eq "--verbose: what the case produced" "$OUT" \
  'ok    test/world.test:3: the world lists each fact with its origin
  expect:
    allow 0
  world:
    0,1: admin("alice")
    0,authorizer: pair("alice", "bob")
    0: user("alice")
    authorizer: seen("bob")
1 passed, 0 failed'

run test test --quiet --verbose
expect_rc "--quiet with --verbose" 2

run test test --frobnicate
expect_rc "unknown option" 2

run test --help
expect_rc "--help" 0
expect_contains "--help: the extern function" "$OUT" '$x.extern::test()'
expect_contains "--help: --filter" "$OUT" "--filter TEXT"

# ------------------------------------------------------------ colour
TTY="$(unset NO_COLOR; on_tty TERM=xterm -- test "$TMP/fail.test")"
expect_contains "colour: ok in green" "$TTY" $'\033[32mok\033[0m    '
expect_contains "colour: FAIL in red" "$TTY" $'\033[1;31mFAIL\033[0m  '
run test "$TMP/fail.test"
expect_not_contains "no colour when piped" "$OUT" $'\033['

finish
