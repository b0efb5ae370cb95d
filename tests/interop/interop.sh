#!/usr/bin/env bash
# Wire compatibility with the reference implementation, both ways.
#
#   tests/interop/interop.sh BISCUIT [NODE]
#
# BISCUIT is our command, NODE runs the reference (@biscuit-auth/biscuit-wasm,
# pinned in package.json, installed by scripts/install-deps.sh into
# tests/interop/node_modules) through tests/interop/ref.mjs.
#
# Scenarios, for an Ed25519 root and a P-256 root (the third-party key is of
# the other algorithm):
#   keys  each side derives the same public key from the other's private key
#   A     a token made by our command (generate with a root key id, attenuate
#         twice, third-party request / block / append, attenuate, seal)
#   B     the same made by the reference
#   C     an alternating chain on our root: they attenuate ours, we attenuate
#         theirs, a block we sign for their request, a block they sign for
#         our request, their own third-party block on our token, their seal
#   D     an alternating chain on their root: we attenuate, they attenuate, a
#         block they sign appended by us, they attenuate, we seal
#   neg   wrong root key, a tampered token, attenuating a sealed token
# For every token of A to D: both verify it and print the same block sources,
# block versions, external keys, root key id and revocation ids; and for a
# set of authorizers (allowed and denied) both give the same verdict: the
# same allow policy, or the same error (the samples' result.Err shape), and
# the one expected (allowed or denied).
#
# Not covered: the reference appending a third-party block serialized by us.
# Its API cannot read one back (0.6.0: ThirdPartyBlock.fromBase64 parses a
# ThirdPartyRequest), whoever made it; see ref.mjs append-third-party.
#
# One line per check, then "N passed, N failed"; exit 1 on any failure, 77
# (ctest: skipped) when the reference is not installed.
# shellcheck disable=SC2015,SC2016  # a && b || fail is meant; Datalog in ''
set -u

BISCUIT=${1:?usage: interop.sh BISCUIT [NODE]}
NODE=${2:-node}
HERE=$(cd "$(dirname "$0")" && pwd)

if [ ! -f "$HERE/node_modules/@biscuit-auth/biscuit-wasm/package.json" ]; then
  echo "interop: reference not installed (run scripts/install-deps.sh)"
  exit 77
fi
if ! "$NODE" --version >/dev/null 2>&1; then
  echo "interop: cannot run node ($NODE)"
  exit 77
fi

# Node 20 imports .wasm modules only with this flag; newer nodes accept it.
NODE_FLAGS=(--no-warnings)
if "$NODE" --experimental-wasm-modules -e 0 >/dev/null 2>&1; then
  NODE_FLAGS+=(--experimental-wasm-modules)
fi
# Each reference call is short: V8's optimizing tier only adds background
# compilation that node waits for at exit (0.5 s a call).
if "$NODE" --liftoff-only -e 0 >/dev/null 2>&1; then
  NODE_FLAGS+=(--liftoff-only)
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/biscuit-interop.XXXXXX")
if [ -n "${INTEROP_KEEP:-}" ]; then
  echo "interop: tokens kept in $W"
else
  trap 'rm -rf "$W"' EXIT
fi

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok   $1"; }
fail() {
  FAILED=$((FAILED + 1))
  echo "FAIL $1"
  shift
  local l
  for l in "$@"; do printf '       %s\n' "$l"; done
}

ref() { "$NODE" "${NODE_FLAGS[@]}" "$HERE/ref.mjs" "$@"; }
norm() { "$NODE" "$HERE/norm.mjs" "$@"; }
ours() { "$BISCUIT" "$@"; }

# step LABEL OUTFILE COMMAND...: runs a step that makes a token, request or
# block, a check of its own; a failed step ends its chain (the tokens after
# it are neither made nor checked).
step() {
  local label=$1 out=$2
  shift 2
  if "$@" >"$out" 2>"$W/err" && [ -s "$out" ]; then
    pass "$label"
    return 0
  fi
  fail "$label" "$(head -c 600 "$out")" "$(head -c 600 "$W/err")"
  rm -f "$out"
  return 1
}

# ------------------------------------------------------------------ Datalog
# The authority block uses v3.0 features, block 1 v3.1 (check all, reject
# if), block 2 v3.3 (null, arrays, maps, closures, ===, type()), the
# third-party block and block 4 scopes with public keys.
AUTH='user("alice");
right("file1", "read");
right("file2", "write");
meta(hex:deadbeef, true, -12, 2024-01-01T00:00:00Z, {"a", "b"}, {3, 1}, "café \"q\"");
can($u, $f, $op) <- user($u), right($f, $op);
check if time($t), $t < 2100-01-01T00:00:00Z;'
BLOCK1='check if operation($op), {"read", "write"}.contains($op);
check all operation($op), $op != "delete";
reject if resource($r), $r.ends_with(".secret");
check if resource($r), $r.matches("^file[0-9]") || $r.length() > 100, 7 * 6 - 2 / 2 == 41;'
BLOCK2='note(null, [1, "two", true], {"k": 1, 2: "v"});
check if resource($r), ["file1", "file2"].any($x -> $x == $r);
check if {"k": [1, {"a": null}]}.get("k").get(1).get("a") === null;
check if {"k": 1}.get("k") === 1, 3 ^ 1 == 2, [1, 2].all($x -> [3].any($y -> $y > $x));
check if resource($r), $r.type() == "string", "abc".length() !== 4;'
tpblock() { # $1: third-party public key
  printf '%s\n' 'group("admin");' \
    'check if resource($r), $r != "";' \
    "rank(\"alice\", 3) <- user(\"alice\") trusting authority, $1;"
}
block4() { # $1: third-party public key
  printf '%s\n' "check if group(\"admin\") trusting $1;" \
    'check if can("alice", "file1", "read") trusting authority, previous;'
}
TPBLOCK2='tp_seen(true);'
TPBLOCK3='check if operation($op) trusting authority;'

# -------------------------------------------------------------- authorizers
T='time(2024-06-01T00:00:00Z);'
RQ='resource("file1"); operation("read");'
AZ_NAMES=(allow-read allow-tp deny-delete reject-secret deny-policy no-policy
          expired overflow token-rule)
authorizers() { # $1: third-party public key; fills AZ_CODES
  AZ_CODES=(
    "$T $RQ allow if user(\$u), right(\"file1\", \"read\");"
    "$T $RQ allow if group(\"admin\") trusting $1;"
    "$T resource(\"file1\"); operation(\"delete\"); allow if user(\"alice\");"
    "$T resource(\"file1.secret\"); operation(\"read\"); allow if user(\"alice\");"
    "$T $RQ deny if user(\"alice\"); allow if true;"
    "$T $RQ allow if false;"
    "time(2200-01-01T00:00:00Z); $RQ allow if true;"
    "$T $RQ check if 9223372036854775807 + 1 > 0; allow if true;"
    "$T $RQ deny if rank(\"alice\", 3); allow if can(\"alice\", \$f, \"read\"), [\"file1\"].contains(\$f);"
  )
}
# Expected kinds (o: allowed, e: denied), one letter per token of a chain,
# for the stages: authority, +block1, +block2, +third party, +block4, sealed.
declare -A EXPECT6=(
  [allow-read]=oooooo [allow-tp]=eeeooo [deny-delete]=oeeeee
  [reject-secret]=oeeeee [deny-policy]=eeeeee [no-policy]=eeeeee
  [expired]=eeeeee [overflow]=eeeeee [token-rule]=oooooo
)

# check_token LABEL TOKEN PUB TP_PUB STAGE: both verify the token and print
# the same sources, versions, external keys, root key id and revocation ids;
# every authorizer gives the same verdict in both, of the kind EXPECT6[name]
# has at STAGE (0-based).
check_token() {
  local label=$1 tok=$2 pub=$3 tppub=$4 stage=$5 i code o
  authorizers "$tppub"
  local n=${#AZ_CODES[@]}
  ours inspect "$tok" --json --public-key "$pub" >"$W/ours-inspect" 2>/dev/null
  : >"$W/ours-verdicts"
  for code in "${AZ_CODES[@]}"; do
    o=$(ours inspect "$tok" --json --public-key "$pub" --max-time 5s \
          --authorize-with "$code" 2>/dev/null)
    printf '%s\n' "${o:-{\"unparsable\": \"no output\"\}}" >>"$W/ours-verdicts"
  done
  ref check "$tok" "$pub" "${AZ_CODES[@]}" >"$W/ref-check" 2>/dev/null
  local -a r
  mapfile -t r < <(norm token "$W/ours-inspect" "$W/ours-verdicts" "$W/ref-check" "$n")

  local a=${r[0]:-missing} b=${r[1]:-missing}
  if [ "${a#verify-error}" != "$a" ] || [ "${b#verify-error}" != "$b" ] ||
     [ "$a" = missing ] || [ "$b" = missing ]; then
    fail "$label: verified by both" "ours: ${a:0:600}" "ref:  ${b:0:600}"
  elif [ "$a" = "$b" ]; then
    pass "$label: verified by both; same sources, versions, external keys, revocation ids"
  else
    fail "$label: same sources, versions, external keys, revocation ids" \
      "ours: $a" "ref:  $b"
  fi

  for ((i = 0; i < n; i++)); do
    local name=${AZ_NAMES[$i]}
    a=${r[$((2 + i))]:-missing} b=${r[$((2 + n + i))]:-missing}
    local want=${EXPECT6[$name]:$stage:1} kind=e
    [ "${a#ok }" != "$a" ] && kind=o
    if [ "$a" != "$b" ]; then
      fail "$label $name: same verdict" "ours: $a" "ref:  $b"
    elif [ "$a" = verify-error ] || [ "$kind" != "$want" ]; then
      fail "$label $name: expected $([ "$want" = o ] && echo allowed || echo denied)" \
        "both: $a"
    else
      pass "$label $name: ${a:0:70}"
    fi
  done
}

# ------------------------------------------------------------------- keys
# keys_ours DIR ALG, keys_ref DIR ALG: DIR/priv, DIR/pub
keys_ours() {
  mkdir -p "$1"
  ours keypair --key-algorithm "$2" --only-private-key >"$1/priv" &&
    ours keypair --from-file "$1/priv" --only-public-key >"$1/pub"
}
keys_ref() {
  mkdir -p "$1"
  ref keypair "$2" >"$W/kp" && sed -n 1p "$W/kp" >"$1/priv" &&
    sed -n 2p "$W/kp" >"$1/pub"
}

check_keys() { # ALG
  local alg=$1 a b
  keys_ours "$W/k-ours-$alg" "$alg" && keys_ref "$W/k-ref-$alg" "$alg" || {
    fail "keys/$alg: key pairs made"
    return
  }
  a=$(ref public-key "$W/k-ours-$alg/priv" 2>&1)
  b=$(cat "$W/k-ours-$alg/pub")
  if [ "$a" = "$b" ]; then pass "keys/$alg: reference derives our public key ($b)"
  else fail "keys/$alg: reference derives our public key" "ours: $b" "ref:  $a"; fi
  a=$(ours keypair --from-file "$W/k-ref-$alg/priv" --only-public-key 2>&1)
  b=$(cat "$W/k-ref-$alg/pub")
  if [ "$a" = "$b" ]; then pass "keys/$alg: we derive the reference's public key"
  else fail "keys/$alg: we derive the reference's public key" "ref:  $b" "ours: $a"; fi
}

# --------------------------------------------------------------- scenarios
other() { [ "$1" = ed25519 ] && echo secp256r1 || echo ed25519; }

# A: everything made by our command.
scenario_a() {
  local alg=$1 d="$W/A-$1" L="A/$1"
  keys_ours "$d/rootkey" "$alg" && keys_ours "$d/tp" "$(other "$alg")" ||
    { fail "$L: keys"; return; }
  local pub tppub
  pub=$(cat "$d/rootkey/pub") tppub=$(cat "$d/tp/pub")
  step "$L: ours generate" "$d/t0" \
    ours generate - --private-key-file "$d/rootkey/priv" --root-key-id 7 <<<"$AUTH" &&
  step "$L: ours attenuate (block 1)" "$d/t1" \
    ours attenuate "$d/t0" --block "$BLOCK1" &&
  step "$L: ours attenuate (block 2)" "$d/t2" \
    ours attenuate "$d/t1" --block "$BLOCK2" &&
  step "$L: ours third-party request" "$d/req" \
    ours generate-third-party-block-request "$d/t2" &&
  step "$L: ours third-party block" "$d/blk" \
    ours generate-third-party-block "$d/req" --private-key-file "$d/tp/priv" \
      --block "$(tpblock "$tppub")" &&
  step "$L: ours append third-party block" "$d/t3" \
    ours append-third-party-block "$d/t2" --block-contents-file "$d/blk" &&
  step "$L: ours attenuate (block 4)" "$d/t4" \
    ours attenuate "$d/t3" --block "$(block4 "$tppub")" &&
  step "$L: ours seal" "$d/t5" ours seal "$d/t4"
  local i
  for i in 0 1 2 3 4 5; do
    [ -f "$d/t$i" ] && check_token "$L t$i" "$d/t$i" "$pub" "$tppub" "$i"
  done
}

# B: everything made by the reference. It cannot read back a serialized
# third-party block (0.6.0: ThirdPartyBlock.fromBase64 parses a
# ThirdPartyRequest), so its request, block and append run in one process;
# its request and its block alone are used by C and D.
scenario_b() {
  local alg=$1 d="$W/B-$1" L="B/$1"
  keys_ref "$d/rootkey" "$alg" && keys_ref "$d/tp" "$(other "$alg")" ||
    { fail "$L: keys"; return; }
  local pub tppub
  pub=$(cat "$d/rootkey/pub") tppub=$(cat "$d/tp/pub")
  step "$L: ref generate" "$d/t0" ref generate "$d/rootkey/priv" "$AUTH" 7 &&
  step "$L: ref attenuate (block 1)" "$d/t1" ref attenuate "$d/t0" "$pub" "$BLOCK1" &&
  step "$L: ref attenuate (block 2)" "$d/t2" ref attenuate "$d/t1" "$pub" "$BLOCK2" &&
  step "$L: ref third-party request, block, append" "$d/t3" \
    ref third-party-append "$d/t2" "$pub" "$d/tp/priv" "$(tpblock "$tppub")" &&
  step "$L: ref attenuate (block 4)" "$d/t4" \
    ref attenuate "$d/t3" "$pub" "$(block4 "$tppub")" &&
  step "$L: ref seal" "$d/t5" ref seal "$d/t4" "$pub"
  local i
  for i in 0 1 2 3 4 5; do
    [ -f "$d/t$i" ] && check_token "$L t$i" "$d/t$i" "$pub" "$tppub" "$i"
  done
}

# C: alternating, on our root.
scenario_c() {
  local alg=$1 d="$W/C-$1" L="C/$1"
  keys_ours "$d/rootkey" "$alg" && keys_ref "$d/tp" "$(other "$alg")" ||
    { fail "$L: keys"; return; }
  local pub tppub
  pub=$(cat "$d/rootkey/pub") tppub=$(cat "$d/tp/pub")
  step "$L: ours generate" "$d/c0" \
    ours generate - --private-key-file "$d/rootkey/priv" <<<"$AUTH" &&
  step "$L: ref attenuates ours (block 1)" "$d/c1" \
    ref attenuate "$d/c0" "$pub" "$BLOCK1" &&
  step "$L: ours attenuates theirs (block 2)" "$d/c2" \
    ours attenuate "$d/c1" --block "$BLOCK2" &&
  step "$L: ref third-party request" "$d/req1" \
    ref third-party-request "$d/c2" "$pub" &&
  step "$L: ours signs a block for the ref's request" "$d/blk1" \
    ours generate-third-party-block "$d/req1" --private-key-file "$d/tp/priv" \
      --block "$(tpblock "$tppub")" &&
  step "$L: ours appends it" "$d/c3" \
    ours append-third-party-block "$d/c2" --block-contents-file "$d/blk1" &&
  step "$L: ours third-party request" "$d/req2" \
    ours generate-third-party-block-request "$d/c3" &&
  step "$L: ref signs a block for our request" "$d/blk2" \
    ref third-party-block "$d/req2" "$d/tp/priv" "$TPBLOCK2" &&
  step "$L: ours appends the ref's block" "$d/c4" \
    ours append-third-party-block "$d/c3" --block-contents-file "$d/blk2" &&
  step "$L: ref third-party request, block, append on ours" "$d/c5" \
    ref third-party-append "$d/c4" "$pub" "$d/tp/priv" "$TPBLOCK3" &&
  step "$L: ours attenuates (block 4)" "$d/c6" \
    ours attenuate "$d/c5" --block "$(block4 "$tppub")" &&
  step "$L: ref seals" "$d/c7" ref seal "$d/c6" "$pub"
  # Stages of EXPECT6: c4 and c5 add third-party blocks that change no
  # verdict, so they count as the third-party stage.
  local i stage=(0 1 2 3 3 3 4 5)
  for i in 0 1 2 3 4 5 6 7; do
    [ -f "$d/c$i" ] && check_token "$L c$i" "$d/c$i" "$pub" "$tppub" "${stage[$i]}"
  done
}

# D: alternating, on the reference's root.
scenario_d() {
  local alg=$1 d="$W/D-$1" L="D/$1"
  keys_ref "$d/rootkey" "$alg" && keys_ours "$d/tp" "$(other "$alg")" ||
    { fail "$L: keys"; return; }
  local pub tppub
  pub=$(cat "$d/rootkey/pub") tppub=$(cat "$d/tp/pub")
  step "$L: ref generate" "$d/d0" ref generate "$d/rootkey/priv" "$AUTH" &&
  step "$L: ours attenuates theirs (block 1)" "$d/d1" \
    ours attenuate "$d/d0" --block "$BLOCK1" &&
  step "$L: ref attenuates ours (block 2)" "$d/d2" \
    ref attenuate "$d/d1" "$pub" "$BLOCK2" &&
  step "$L: ref third-party request" "$d/req" \
    ref third-party-request "$d/d2" "$pub" &&
  step "$L: ref signs a block (with our key)" "$d/blk" \
    ref third-party-block "$d/req" "$d/tp/priv" "$(tpblock "$tppub")" &&
  step "$L: ours appends the ref's block" "$d/d3" \
    ours append-third-party-block "$d/d2" --block-contents-file "$d/blk" &&
  step "$L: ref attenuates (block 4)" "$d/d4" \
    ref attenuate "$d/d3" "$pub" "$(block4 "$tppub")" &&
  step "$L: ours seals" "$d/d5" ours seal "$d/d4"
  local i
  for i in 0 1 2 3 4 5; do
    [ -f "$d/d$i" ] && check_token "$L d$i" "$d/d$i" "$pub" "$tppub" "$i"
  done
}

# tamper TOKEN FROM TO: the token with the first FROM replaced by TO (same
# length), or with its last byte changed when FROM is empty.
tamper() {
  "$NODE" -e '
    const [f, from, to] = process.argv.slice(1);
    const buf = Buffer.from(require("fs").readFileSync(f, "utf8").trim(), "base64url");
    if (from === "") buf[buf.length - 1] ^= 1;
    else Buffer.from(to).copy(buf, buf.indexOf(from));
    process.stdout.write(buf.toString("base64").replace(/\+/g, "-").replace(/\//g, "_") + "\n");' "$@"
}

# Negative cases on the tokens of A and B.
scenario_neg() {
  local alg=$1 L="neg/$1" x a b wrong
  wrong=$(ours keypair --key-algorithm "$alg" --only-public-key)
  for x in A B; do
    local t="$W/$x-$alg/t5" t4="$W/$x-$alg/t4"
    [ -f "$t" ] || continue
    a=$(ours inspect "$t" --json --public-key "$wrong" 2>/dev/null | norm ours-verdict)
    b=$(ref inspect "$t" "$wrong" 2>/dev/null | norm ref-verdict)
    if [ "$a" = verify-error ] && [ "$b" = verify-error ]; then
      pass "$L $x t5: both reject it under another root key"
    else
      fail "$L $x t5: both reject it under another root key" "ours: $a" "ref:  $b"
    fi
    # t4 with "alice" changed to "alicf" in the authority block: a valid
    # token whose first signature no longer matches.
    local rootpub
    rootpub=$(cat "$W/$x-$alg/rootkey/pub")
    tamper "$t4" alice alicf >"$W/tampered"
    a=$(ours inspect "$W/tampered" --json --public-key "$rootpub" 2>/dev/null |
        norm ours-verdict)
    b=$(ref inspect "$W/tampered" "$rootpub" 2>/dev/null | norm ref-verdict)
    if [ "$a" = verify-error ] && [ "$b" = verify-error ]; then
      pass "$L $x t4: both reject it with a byte of a block changed"
    else
      fail "$L $x t4: both reject it with a byte of a block changed" "ours: $a" "ref:  $b"
    fi
    # t4 with the last byte of its proof (the next secret key) changed.
    tamper "$t4" "" "" >"$W/tampered"
    a=$(ours inspect "$W/tampered" --json --public-key "$rootpub" 2>/dev/null |
        norm ours-verdict)
    b=$(ref inspect "$W/tampered" "$rootpub" 2>/dev/null | norm ref-verdict)
    if [ "$a" = verify-error ] && [ "$b" = verify-error ]; then
      pass "$L $x t4: both reject it with its proof changed"
    else
      fail "$L $x t4: both reject it with its proof changed" "ours: $a" "ref:  $b"
    fi
    if ! ours attenuate "$t" --block 'check if true;' >/dev/null 2>&1 &&
       ! ref attenuate "$t" "$rootpub" 'check if true;' >/dev/null 2>&1; then
      pass "$L $x t5: both refuse to attenuate the sealed token"
    else
      fail "$L $x t5: both refuse to attenuate the sealed token"
    fi
  done
}

echo "interop: $("$BISCUIT" --version 2>/dev/null | head -1) against" \
  "@biscuit-auth/biscuit-wasm $("$NODE" -p "require('$HERE/node_modules/@biscuit-auth/biscuit-wasm/package.json').version"), node $("$NODE" --version)"

for alg in ed25519 secp256r1; do
  check_keys "$alg"
  scenario_a "$alg"
  scenario_b "$alg"
  scenario_c "$alg"
  scenario_d "$alg"
  scenario_neg "$alg"
done

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
