#!/usr/bin/env bash
# A full round trip through the command, as a user would drive it:
# keypair -> generate -> attenuate -> third-party request / block / append
# -> seal -> inspect (allowed, then denied) -> snapshots (dumped,
# inspected, authorizing other tokens), in base64, raw bytes and through
# stdin, with Ed25519 and P-256 keys in hex, raw and PEM.
# Usage: roundtrip.sh path/to/biscuit
set -u
source "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 2
HEX64='[0-9a-f]{64}'

# ------------------------------------------------------------ keys
run keypair --only-private-key
expect_rc "keypair: private" 0
printf '%s\n' "$OUT" >root.key
expect_match "private key shape" "$OUT" "^ed25519-private/$HEX64\$"
run keypair --from-file root.key --only-public-key
PUB="$OUT"
expect_match "public key shape" "$PUB" "^ed25519/$HEX64\$"
run_in root.key keypair --from-file - --only-public-key
expect_eq "private key from stdin" "$OUT" "$PUB"

run keypair --key-algorithm secp256r1 --only-private-key
printf '%s\n' "$OUT" >tp.key
expect_match "p256 key shape" "$OUT" "^secp256r1-private/$HEX64\$"
TP_PUB="$("$BISCUIT" keypair --from-file tp.key --only-public-key)"
expect_match "p256 public shape" "$TP_PUB" "^secp256r1/0[23]$HEX64\$"

# ------------------------------------------------------------ generate
cat >authority.dl <<'EOF'
// who and what
user({user});
right({file}, "read");
right({file}, "write");
check if time($t), $t >= {since};
EOF
run generate authority.dl --private-key-file root.key --root-key-id 42 \
  --context "issued by the test" --param user=alice --param file=f1 \
  --param since:date=2000-01-01T00:00:00Z --add-ttl 1d
expect_rc "generate" 0
printf '%s\n' "$OUT" >t0
expect_match "generate: base64 output" "$OUT" '^[A-Za-z0-9_-]+=*$'

run attenuate t0 --block 'check if operation("read");' --add-ttl 1h
expect_rc "attenuate" 0
printf '%s\n' "$OUT" >t1

# Third party (P-256 signer), the request read from stdin.
run generate-third-party-block-request t1
expect_rc "third-party request" 0
printf '%s\n' "$OUT" >req
run_in req generate-third-party-block - --private-key-file tp.key \
  --block 'group("admin");'
expect_rc "third-party block" 0
printf '%s\n' "$OUT" >contents
run append-third-party-block t1 --block-contents "$(cat contents)"
expect_rc "append third-party block" 0
printf '%s\n' "$OUT" >t2

run_in t2 seal -
expect_rc "seal" 0
printf '%s\n' "$OUT" >t3

# ------------------------------------------------------------ inspect: allow
AUTH='operation("read"); resource("f1");
allow if user($u), right($f, "read"), group("admin")
  trusting authority, {tp};'
run inspect t3 --public-key "$PUB" --authorize-with "$AUTH" \
  --param "tp:pubkey=$TP_PUB" --include-time --json
expect_rc "inspect: allowed" 0
expect_eq "json: one line" "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" 1
expect_json "json: keys" 'list(j)' \
  '["token", "signatures_check", "auth", "query"]'
expect_json "json: sealed" 'j["token"]["sealed"]' true
expect_json "json: root key id" 'j["token"]["root_key_id"]' 42
expect_json "json: 3 blocks" 'len(j["token"]["blocks"])' 3
expect_json "json: signatures" 'j["signatures_check"]' true
expect_json "json: allowed by policy 0" 'j["auth"]["result"][0]' 0
expect_json "json: policy text" 'j["auth"]["result"][1]' \
  "\"allow if user(\$u), right(\$f, \\\"read\\\"), group(\\\"admin\\\") \
trusting authority, $TP_PUB\""
expect_json "json: block keys" 'list(j["token"]["blocks"][0])' \
  '["version", "code", "external_key", "revocation_id"]'
expect_json "json: third-party key" 'j["token"]["blocks"][2]["external_key"]' \
  "\"$TP_PUB\""
expect_json "json: first-party key" \
  'j["token"]["blocks"][1]["external_key"]' null
CODE0="$(json_get "$OUT" 'j["token"]["blocks"][0]["code"]')"
CODE1="$(json_get "$OUT" 'j["token"]["blocks"][1]["code"]')"
expect_contains "json: params substituted" "$CODE0" 'user(\"alice\");'
expect_contains "json: date param" "$CODE0" '$t >= 2000-01-01T00:00:00Z'
expect_contains "json: ttl check" "$CODE0" \
  'check if time($time), $time <= 20'
expect_not_contains "json: comments dropped" "$CODE0" "who and what"
expect_contains "json: attenuation ttl" "$CODE1" \
  'check if time($time), $time <= 20'
expect_json "json: revocation ids are 64-byte hex" \
  'all(len(b["revocation_id"]) == 128 and int(b["revocation_id"], 16) >= 0
       for b in j["token"]["blocks"])' true

run inspect t3 --public-key "$PUB"
expect_rc "inspect (human)" 0
expect_contains "human: sealed" "$OUT" "3 blocks, sealed, root key id 42"
expect_contains "human: context" "$OUT" "context: issued by the test"
expect_contains "human: external key" "$OUT" "external key: $TP_PUB"

# ------------------------------------------------------------ inspect: deny
run inspect t3 --public-key "$PUB" --include-time --json \
  --authorize-with 'operation("write"); resource("f1"); allow if true;'
expect_rc "inspect: denied" 1
expect_json "denied: failed check" 'j["auth"]["result"]["error"]' \
  '{"FailedLogic": {"Unauthorized": {"policy": {"Allow": 0}, "checks": '\
'[{"Block": {"block_id": 1, "check_id": 0, '\
'"rule": "check if operation(\"read\")"}}]}}}'

run inspect t3 --public-key "$PUB" \
  --authorize-with 'operation("read"); deny if user("alice"); allow if true;'
expect_rc "inspect: deny policy" 1
expect_contains "deny policy: verdict" "$OUT" "DENIED: deny policy 0 matched"

# Without --include-time the TTL checks cannot pass.
run inspect t3 --public-key "$PUB" --json \
  --authorize-with 'operation("read"); allow if true;'
expect_rc "no time: denied" 1
expect_json "no time: the three time checks fail" \
  'len(j["auth"]["result"]["error"]["FailedLogic"]["Unauthorized"]["checks"])' 3

# An expired token.
run generate - --private-key-file root.key \
  --add-ttl 2001-02-03T04:05:06+01:00 <<<'user("bob");'
printf '%s\n' "$OUT" >expired
run inspect expired --public-key "$PUB" --include-time \
  --authorize-with 'allow if true;'
expect_rc "expired: denied" 1
expect_contains "expired: the TTL check, in UTC" "$OUT" \
  'check if time($time), $time <= 2001-02-03T03:05:06Z'

# ------------------------------------------------------------ query
Q='data($g) <- group($g)'
run inspect t3 --public-key "$PUB" --query "$Q" --json
expect_rc "query: authority only" 0
expect_json "query: third-party facts untrusted" 'j["query"]' '[]'
run inspect t3 --public-key "$PUB" --query "$Q" --query-all --json
expect_json "query-all: third-party facts" 'j["query"]' '["data(\"admin\")"]'
run inspect t3 --public-key "$PUB" --query 'data($u) <- user($u)'
expect_contains "query (human)" "$OUT" 'data("alice")'

# ------------------------------------------------------------ snapshots
# After authorizing: the authorizer with the token (--dump-snapshot-to)
# and without it (--dump-policies-snapshot-to), as the reference writes
# them: base64 without a newline. Every run has a generous time limit:
# sanitizer builds on a busy machine can exceed the 1 ms default.
srun() { run "$@" --max-time 10s; }
srun_in() { run_in "$@" --max-time 10s; }
srun inspect t3 --public-key "$PUB" --authorize-with "$AUTH" --json \
  --param "tp:pubkey=$TP_PUB" --include-time \
  --dump-snapshot-to full.snap --dump-policies-snapshot-to policies.snap
expect_rc "snapshots: dumped after authorizing" 0
ITER="$(json_get "$OUT" 'j["auth"]["iterations"]')"
expect_match "snapshot: base64" "$(cat full.snap)" '^[A-Za-z0-9_-]+=*$'
expect_eq "snapshot: no newline" "$(wc -l <full.snap | tr -d ' ')" 0
expect_match "policies snapshot: base64" "$(cat policies.snap)" \
  '^[A-Za-z0-9_-]+=*$'

srun inspect-snapshot full.snap
expect_rc "inspect-snapshot (human)" 0
expect_contains "snapshot human: the run" "$OUT" "Snapshot: taken after a run"
expect_contains "snapshot human: code" "$OUT" 'resource("f1");'
expect_contains "snapshot human: time fact" "$OUT" "time(20"
expect_contains "snapshot human: third-party facts" "$OUT" \
  "facts (block 2):
    group(\"admin\")"
expect_contains "snapshot human: token checks" "$OUT" \
  'check if operation("read")'
expect_contains "snapshot human: verdict" "$OUT" "ALLOWED by policy 0"

srun inspect-snapshot full.snap --json --query 'data($g) <- group($g)' \
  --query-all
expect_rc "inspect-snapshot (json)" 0
expect_eq "snapshot json: one line" \
  "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" 1
expect_json "snapshot json: keys" 'list(j)' \
  '["code", "iterations", "elapsed_micros", "auth", "query", "world"]'
expect_json "snapshot json: iterations of the run" 'j["iterations"]' "$ITER"
expect_json "snapshot json: it ran" 'j["elapsed_micros"] is not None' true
expect_json "snapshot json: allowed again" 'j["auth"]["result"][0]' 0
expect_json "snapshot json: query" 'j["query"]' '["data(\"admin\")"]'
expect_json "snapshot json: world origins" \
  'sorted({str(o) for g in j["world"]["facts"] for o in g["origin"]})' \
  '["0", "2", "None"]'
expect_contains "snapshot json: code" "$(json_get "$OUT" 'j["code"]')" \
  "trusting authority, $TP_PUB"
srun inspect-snapshot full.snap --json --query 'data($g) <- group($g)'
expect_json "snapshot query: authority only" 'j["query"]' '[]'
srun inspect-snapshot full.snap --query 'data($u) <- user($u), $u == {who}' \
  --param who=alice
expect_contains "snapshot query: with a param" "$OUT" 'data("alice")'
srun_in full.snap inspect-snapshot - --json
expect_rc "inspect-snapshot from stdin" 0

# Raw bytes: the same snapshot, read back the same.
srun inspect t3 --public-key "$PUB" --authorize-with "$AUTH" \
  --param "tp:pubkey=$TP_PUB" --include-time \
  --dump-snapshot-to full.raw --dump-raw-snapshot \
  --dump-policies-snapshot-to policies.raw --dump-raw-policies-snapshot
expect_rc "raw snapshots: dumped" 0
srun inspect-snapshot full.raw --raw-input --json
expect_rc "inspect-snapshot --raw-input" 0
expect_json "raw snapshot: allowed" 'j["auth"]["result"][0]' 0
srun inspect-snapshot full.raw --json
expect_rc "raw snapshot read as base64" 3

# The policies snapshot: the authorizer's code and time, no token.
srun inspect-snapshot policies.snap --json
expect_json "policies snapshot: never ran" \
  '[j["iterations"], j["elapsed_micros"]]' '[0, null]'
expect_json "policies snapshot: authorizer facts only" \
  '[o for g in j["world"]["facts"] for o in g["origin"]]' '[null]'
expect_json "policies snapshot: policies" 'len(j["auth"]["policies"])' 1

# ... authorizes another token, unsealed, without the parameters.
srun inspect t2 --public-key "$PUB" --authorize-with-snapshot-file \
  policies.snap --json
expect_rc "snapshot authorizer: allowed" 0
expect_json "snapshot authorizer: policy" 'j["auth"]["result"][1]' \
  "\"allow if user(\$u), right(\$f, \\\"read\\\"), group(\\\"admin\\\") \
trusting authority, $TP_PUB\""
expect_json "snapshot authorizer: token" 'j["token"]["sealed"]' false
srun inspect t2 --public-key "$PUB" --authorize-with-snapshot-file \
  policies.snap
expect_rc "snapshot authorizer (human)" 0
expect_contains "snapshot authorizer (human): verdict" "$OUT" \
  "ALLOWED by policy 0"
srun inspect t2 --public-key "$PUB" \
  --authorize-with-snapshot "$(cat policies.snap)" --json
expect_rc "snapshot argument: allowed" 0
srun inspect t2 --public-key "$PUB" --authorize-with-snapshot-file \
  policies.raw --authorize-with-raw-snapshot-file --json
expect_rc "raw snapshot file: allowed" 0
srun_in policies.snap inspect t2 --public-key "$PUB" \
  --authorize-with-snapshot-file - --query 'data($u) <- user($u)' --json
expect_rc "snapshot from stdin: allowed" 0
expect_json "snapshot from stdin: query" 'j["query"]' '["data(\"alice\")"]'

# ... and refuses one without the third-party block.
run generate - --private-key-file root.key \
  <<<'user("bob"); right("f1", "read");'
printf '%s\n' "$OUT" >bob
srun inspect bob --public-key "$PUB" --authorize-with-snapshot-file \
  policies.snap --json
expect_rc "snapshot authorizer: denied" 1
expect_json "snapshot denied: no policy matched" \
  'list(j["auth"]["result"]["error"]["FailedLogic"])' '["NoMatchingPolicy"]'
srun inspect bob --public-key "$PUB" --authorize-with-snapshot-file \
  policies.raw --authorize-with-raw-snapshot-file
expect_rc "snapshot denied (human, raw)" 1
expect_contains "snapshot denied: verdict" "$OUT" "DENIED: no policy matched"

# A policies snapshot without the time takes --include-time when used;
# written again from a snapshot, it keeps its code.
srun inspect t2 --public-key "$PUB" --authorize-with "$AUTH" \
  --param "tp:pubkey=$TP_PUB" --dump-policies-snapshot-to notime.snap
expect_rc "no time: denied, still dumped" 1
srun inspect t2 --public-key "$PUB" --authorize-with-snapshot-file \
  notime.snap --include-time --dump-policies-snapshot-to again.snap
expect_rc "no-time snapshot with --include-time: allowed" 0
srun inspect-snapshot again.snap --json
expect_contains "snapshot of a snapshot: time added" \
  "$(json_get "$OUT" 'j["code"]')" "time(20"
expect_contains "snapshot of a snapshot: code kept" \
  "$(json_get "$OUT" 'j["code"]')" 'operation(\"read\")'

# A snapshot after a denial: inspect-snapshot reports it, exit 1.
srun inspect bob --public-key "$PUB" --authorize-with-snapshot-file \
  policies.snap --dump-snapshot-to denied.snap
srun inspect-snapshot denied.snap
expect_rc "inspect-snapshot of a denial" 1
expect_contains "denied snapshot: verdict" "$OUT" "DENIED"
expect_contains "denied snapshot: stderr" "$ERR" "authorization refused"

# The AuthorizerPolicies message of biscuit_policy_to_snapshot is read
# too: this one holds 'resource("file1"); operation("read");
# allow if right("file1", "read");'.
POLICIES=CgVmaWxlMRAGGgkKBwgCEgMYgAgaCAoGCAMSAhgAMhUK
POLICIES+=EQoCCBsSCwgEEgMYgAgSAhgAEAA=
srun inspect "$SAMPLES/test001_basic.bc" --raw-input --public-key "$ROOT_PUB" \
  --authorize-with-snapshot "$POLICIES" --json
expect_rc "AuthorizerPolicies: allowed" 0
expect_json "AuthorizerPolicies: policy" 'j["auth"]["result"][1]' \
  '"allow if right(\"file1\", \"read\")"'
printf '%s\n' "$POLICIES" >policies.msg
srun inspect-snapshot policies.msg --json
expect_rc "AuthorizerPolicies: inspect-snapshot refuses without a token" 1
expect_contains "AuthorizerPolicies: inspect-snapshot code" \
  "$(json_get "$OUT" 'j["code"]')" 'resource(\"file1\");'

# A corrupted snapshot: a clean error, nothing on stdout, status 3.
python3 - policies.raw corrupt.raw <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 0xFF
b[len(b) // 2 + 1] ^= 0xFF
open(sys.argv[2], "wb").write(bytes(b[: len(b) - 3]))
PY
srun inspect t2 --public-key "$PUB" --authorize-with-snapshot-file \
  corrupt.raw --authorize-with-raw-snapshot-file
expect_rc "corrupted snapshot" 3
expect_contains "corrupted snapshot: message" "$ERR" \
  "corrupt.raw: not a valid authorizer snapshot"
expect_eq "corrupted snapshot: nothing on stdout" "$OUT" ""
srun inspect t2 --public-key "$PUB" --authorize-with-snapshot-file \
  corrupt.raw --authorize-with-raw-snapshot-file --json
expect_json "corrupted snapshot: json error" 'list(j)' '["error"]'
srun inspect-snapshot corrupt.raw --raw-input
expect_rc "inspect-snapshot: corrupted" 3
expect_contains "inspect-snapshot corrupted: message" "$ERR" \
  "not a valid authorizer snapshot"
head -c 20 full.snap >cut.snap
srun inspect-snapshot cut.snap --json
expect_rc "inspect-snapshot: truncated" 3
expect_json "truncated: json error" 'list(j)' '["error"]'

# ------------------------------------------------------------ raw bytes
run generate authority.dl --private-key-file root.key --raw --param user=x \
  --param file=y --param since:date=2000-01-01T00:00:00Z
cp "$TMP/out" raw0
run attenuate raw0 --raw-input --raw-output --block 'check if true;'
cp "$TMP/out" raw1
run seal raw1 --raw-input --raw-output
cp "$TMP/out" raw2
run inspect raw2 --raw-input --public-key "$PUB" --json
expect_rc "raw round trip" 0
expect_json "raw: sealed with 2 blocks" \
  '[j["token"]["sealed"], len(j["token"]["blocks"])]' '[true, 2]'
run inspect raw2 --public-key "$PUB"
expect_rc "raw bytes read as base64" 3

# ------------------------------------------------------------ key formats
key() { "$BISCUIT" keypair --from-file "$1" "${@:2}"; }
key root.key --only-private-key --key-output-format pem >root.pem
key root.key --only-public-key --key-output-format pem >root.pub.pem
expect_contains "pem: private armour" "$(cat root.pem)" \
  "-----BEGIN PRIVATE KEY-----"
expect_contains "pem: public armour" "$(cat root.pub.pem)" \
  "-----BEGIN PUBLIC KEY-----"
run keypair --from-file root.pem --from-format pem --only-public-key
expect_eq "pem: private key reads back" "$OUT" "$PUB"
run inspect t3 --public-key-file root.pub.pem --public-key-format pem --json
expect_json "pem: public key verifies" 'j["signatures_check"]' true

key root.key --only-private-key --key-output-format raw >root.raw
expect_eq "raw key: 32 bytes" "$(wc -c <root.raw | tr -d ' ')" 32
key root.key --only-public-key --key-output-format raw >root.pub.raw
run generate - --private-key-file root.raw --private-key-format raw \
  <<<'a(1);'
printf '%s\n' "$OUT" >fromraw
run inspect fromraw --public-key-file root.pub.raw --public-key-format raw \
  --json
expect_json "raw keys: verify" 'j["signatures_check"]' true

BARE="${PUB#ed25519/}"
run inspect fromraw --public-key "$BARE" --public-key-algorithm ed25519 --json
expect_json "bare hex key" 'j["signatures_check"]' true

# A P-256 root and its PEM keys.
key tp.key --only-private-key --key-output-format pem >tp.pem
key tp.key --only-public-key --key-output-format pem >tp.pub.pem
run generate - --private-key-file tp.pem --private-key-format pem <<<'a(1);'
printf '%s\n' "$OUT" >p256
run inspect p256 --public-key-file tp.pub.pem --public-key-format pem --json
expect_json "p256 root via pem" 'j["signatures_check"]' true
run inspect p256 --public-key "$TP_PUB" --authorize-with 'allow if a(1);'
expect_rc "p256 root: allowed" 0

# ------------------------------------------------------------ editor
cat >editor.sh <<'EOF'
#!/bin/sh
printf 'user("from the editor");\n' >"$1"
EOF
chmod +x editor.sh
EDITOR="$TMP/editor.sh" run generate --private-key-file root.key
expect_rc "generate with \$EDITOR" 0
printf '%s\n' "$OUT" >edited
cat >auth-editor.sh <<'EOF'
#!/bin/sh
printf 'allow if user("from the editor");\n' >"$1"
EOF
chmod +x auth-editor.sh
EDITOR="$TMP/auth-editor.sh" run inspect edited --public-key "$PUB" \
  --authorize-interactive --json
expect_rc "authorize with \$EDITOR" 0
expect_json "editor: allowed" 'j["auth"]["result"][0]' 0

finish
