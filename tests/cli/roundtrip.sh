#!/usr/bin/env bash
# A full round trip through the command, as a user would drive it:
# keypair -> generate -> attenuate -> third-party request / block / append
# -> seal -> inspect (allowed, then denied), in base64, raw bytes and
# through stdin, with Ed25519 and P-256 keys in hex, raw and PEM.
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
