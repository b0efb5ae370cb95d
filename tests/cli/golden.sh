#!/usr/bin/env bash
# Golden outputs of every subcommand, human and JSON: each case's stdout,
# stderr and exit status, masked (timings, the temporary directory and,
# where keys or tokens are random, long hex strings), must equal
# tests/cli/golden/<case>.out byte for byte.
#
# Usage: golden.sh path/to/biscuit
#        UPDATE_GOLDEN=1 golden.sh path/to/biscuit   (rewrite the files;
#        review the diff before committing it)
set -u
source "$(dirname "$0")/lib.sh"
GOLDEN="$HERE/golden"
T001="$SAMPLES/test001_basic.bc"
T024="$SAMPLES/test024_third_party.bc"
P256_KEY=secp256r1-private/4e3f7b0a1c2d5e6f708192a3b4c5d6e7
P256_KEY+=f8091a2b3c4d5e6f708192a3b4c5d6e7
OTHER_KEY=ed25519/00000000000000000000000000000000
OTHER_KEY+=00000000000000000000000000000001
cd "$TMP" || exit 2

# The masks: run statistics (the library's business, not the command's),
# the temporary directory, and with MASK_HEX=1 every hex run of 64 digits
# or more (random keys, signatures, revocation ids).
mask() {
  local hex='s/x/x/'
  [ "${MASK_HEX:-0}" = 1 ] && hex='s/[0-9a-f]{64,}/<hex>/g'
  sed -E -e 's/"elapsed_micros":[0-9]+/"elapsed_micros":T/g' \
    -e 's/"iterations":[0-9]+/"iterations":N/g' \
    -e 's/\([0-9]+ iterations?, [0-9]+ µs\)/(N iterations, T µs)/' \
    -e "s#$TMP#<tmp>#g" -e "$hex"
}

# golden NAME [SHELL-COMMAND]: runs the command (else the script read from
# stdin; $B is the biscuit command) and compares its masked stdout, stderr
# and exit status with the golden file.
golden() {
  local name="$1" cmd="${2:-$(cat)}" actual="$TMP/$1.actual"
  B="$BISCUIT" bash -c "$cmd" >"$TMP/g.out" 2>"$TMP/g.err" </dev/null
  local rc=$?
  {
    mask <"$TMP/g.out"
    echo "--- stderr"
    mask <"$TMP/g.err"
    echo "--- exit $rc"
  } >"$actual"
  if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$actual" "$GOLDEN/$name.out"
  fi
  if cmp -s "$actual" "$GOLDEN/$name.out"; then pass; else
    fail "golden $name" "$(diff "$GOLDEN/$name.out" "$actual" 2>&1 | head -30)"
  fi
}

python3 - "$SAMPLES/samples.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["testcases"]:
    for name, v in c["validations"].items():
        if c["filename"].startswith(("test001", "test024")) and name == "":
            open(c["filename"][:7] + ".dl", "w").write(v["authorizer_code"])
PY
export ROOT_PRIV ROOT_PUB SAMPLES T001 T024 P256_KEY OTHER_KEY

# ------------------------------------------------------------ keypair
golden keypair-from-private '$B keypair --from-private-key "$ROOT_PRIV"'
golden keypair-only-public <<'SH'
$B keypair --from-private-key "$ROOT_PRIV" --only-public-key
SH
golden keypair-pem-private <<'SH'
$B keypair --from-private-key "$ROOT_PRIV" --only-private-key \
  --key-output-format pem
SH
golden keypair-pem-public <<'SH'
$B keypair --from-private-key "$ROOT_PRIV" --only-public-key \
  --key-output-format pem
SH
golden keypair-secp256r1 '$B keypair --from-private-key "$P256_KEY"'
golden keypair-secp256r1-pem <<'SH'
$B keypair --from-private-key "$P256_KEY" --only-public-key \
  --key-output-format pem
SH
MASK_HEX=1 golden keypair-random '$B keypair --key-algorithm secp256r1'

# ------------------------------------------------------------ inspect
golden inspect-nokey '$B inspect "$T001" --raw-input'
golden inspect-nokey-json '$B inspect "$T001" --raw-input --json'
golden inspect-denied <<'SH'
$B inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with-file test001.dl
SH
golden inspect-denied-json <<'SH'
$B inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with-file test001.dl --json
SH
golden inspect-allowed <<'SH'
$B inspect "$T001" --raw-input --public-key "$ROOT_PUB" --authorize-with \
  'resource("file1"); operation("read"); allow if right("file1", "read");'
SH
golden inspect-third-party <<'SH'
$B inspect "$T024" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with-file test024.dl
SH
golden inspect-third-party-json <<'SH'
$B inspect "$T024" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with-file test024.dl --json
SH
golden inspect-wrong-key <<'SH'
$B inspect "$T001" --raw-input --public-key "$OTHER_KEY" \
  --authorize-with 'allow if true;'
SH
golden inspect-wrong-key-json <<'SH'
$B inspect "$T001" --raw-input --public-key "$OTHER_KEY" \
  --authorize-with 'allow if true;' --json
SH
golden inspect-query <<'SH'
$B inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --query 'data($f, $r) <- right($f, $r)'
SH
golden inspect-query-json <<'SH'
$B inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --query 'data($f, $r) <- right($f, $r)' --json
SH
golden inspect-execution-error <<'SH'
$B inspect "$SAMPLES/test027_integer_wraparound.bc" --raw-input \
  --public-key "$ROOT_PUB" --authorize-with 'allow if true;'
SH
golden inspect-invalid-block-rule <<'SH'
$B inspect "$SAMPLES/test018_unbound_variables_in_rule.bc" --raw-input \
  --public-key "$ROOT_PUB" --authorize-with 'allow if true;' --json
SH
golden inspect-authorizer-error <<'SH'
$B inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with 'allow if true; deny if' --json
SH
golden inspect-snapshot '$B inspect-snapshot - --json <<<AAAA'

# ------------------------------------------------------------ snapshots
# A snapshot after a run, and a policies snapshot used for another token.
# A generous time limit: sanitizer builds on a busy machine can exceed
# the 1 ms default.
cat >snap-auth.dl <<'DL'
resource("file1");
operation("read");
can($f, $op) <- right($f, $op);
check if can("file1", "read");
allow if right("file1", "read");
deny if true;
DL
golden snapshot-dump <<'SH'
$B inspect "$T001" --raw-input --public-key "$ROOT_PUB" --max-time 10s \
  --authorize-with-file snap-auth.dl --dump-snapshot-to full.snap \
  --dump-policies-snapshot-to policies.snap >/dev/null &&
  $B inspect-snapshot full.snap --max-time 10s \
    --query 'data($f) <- can($f, "read")'
SH
golden snapshot-dump-json <<'SH'
$B inspect "$T001" --raw-input --public-key "$ROOT_PUB" --max-time 10s \
  --authorize-with-file snap-auth.dl --dump-snapshot-to full.raw \
  --dump-raw-snapshot >/dev/null &&
  $B inspect-snapshot full.raw --raw-input --json --max-time 10s \
    --query 'data($x) <- can($x, $y)'
SH
golden snapshot-policies '$B inspect-snapshot policies.snap --max-time 10s'
golden snapshot-authorize <<'SH'
$B inspect "$T024" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with-snapshot-file policies.snap --max-time 10s
SH
golden snapshot-authorize-json <<'SH'
$B inspect "$T001" --raw-input --public-key "$ROOT_PUB" --json \
  --authorize-with-snapshot "$(cat policies.snap)" --max-time 10s
SH
golden snapshot-full-refused <<'SH'
$B inspect "$T001" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with-snapshot-file full.snap
SH

# ------------------------------------------------------------ generate...
cat >policy.dl <<'DL'
user({user});
right("file1", {op});
check if operation($op), {"read", "write"}.contains($op);
DL
MASK_HEX=1 golden generate <<'SH'
$B generate policy.dl --private-key "$ROOT_PRIV" --root-key-id 7 \
  --context demo --param user=alice --param op=read \
  --add-ttl 2030-01-01T00:00:00Z |
  $B inspect - --public-key "$ROOT_PUB" --json
SH
MASK_HEX=1 golden attenuate <<'SH'
$B generate policy.dl --private-key "$ROOT_PRIV" --param user=alice \
  --param op=read |
  $B attenuate - --context second \
    --block 'check if resource($r), $r.starts_with("/tmp/");' |
  $B inspect - --public-key "$ROOT_PUB"
SH
MASK_HEX=1 golden seal <<'SH'
$B generate policy.dl --private-key "$ROOT_PRIV" --param user=bob \
  --param op=write | $B seal - |
  $B inspect - --public-key "$ROOT_PUB" \
    --authorize-with 'operation("write"); allow if user("bob");'
SH
MASK_HEX=1 golden third-party <<'SH'
$B generate - --private-key "$ROOT_PRIV" <<<'user("alice");' >t0 &&
  $B generate-third-party-block-request t0 >req &&
  $B generate-third-party-block req --private-key "$P256_KEY" \
    --block 'member("alice", "admins");' >blk &&
  $B append-third-party-block t0 --block-contents-file blk |
  $B inspect - --public-key "$ROOT_PUB" \
    --authorize-with 'allow if member("alice", "admins") trusting {k};' \
    --param "k:pubkey=$($B keypair --from-private-key "$P256_KEY" \
      --only-public-key)"
SH
golden generate-parse-error <<'SH'
printf 'user("alice");\nright("file1" "read");\n' >bad.dl
$B generate bad.dl --private-key "$ROOT_PRIV"
SH
golden bad-base64 '$B inspect - <<<"not base64!"'

# ------------------------------------------------------------ help
golden help '$B --help'
golden help-inspect '$B inspect --help'
golden help-inspect-snapshot '$B inspect-snapshot --help'

finish
