#!/usr/bin/env bash
# A two-second tour of the library through the `biscuit` command: a root
# key pair, a token, an attenuated copy, then a request the service's
# policy allows and one it denies (showing the failed check). The policy
# is policies/file-storage/policy.biscuit when present, else an inline
# equivalent. Exits 0 only when both verdicts are the expected ones.
#   scripts/demo.sh [path/to/biscuit]   (default: build/release/biscuit)
set -euo pipefail
cd "$(dirname "$0")/.."
BISCUIT="${1:-${BISCUIT:-build/release/biscuit}}"
if [ ! -x "$BISCUIT" ]; then
  echo "demo: $BISCUIT not found; build first (scripts/build.sh release)" >&2
  exit 2
fi
BISCUIT="$(cd "$(dirname "$BISCUIT")" && pwd)/$(basename "$BISCUIT")"
POLICY="$PWD/policies/file-storage/policy.biscuit"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

bold='' reset=''
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  bold=$'\033[1m' reset=$'\033[0m'
fi
step() { printf '\n%s== %s%s\n' "$bold" "$1" "$reset"; }
show() { sed 's/^/   /'; }

step "1. The storage service's root key pair"
"$BISCUIT" keypair --only-private-key >root.key
pub="$("$BISCUIT" keypair --from-file root.key --only-public-key)"
echo "   public key: $pub"

step "2. Alice logs in: a token signed with the root key"
echo 'user("alice");' | show
echo 'user("alice");' | "$BISCUIT" generate - --private-key-file root.key \
  >token
echo "   token: $(head -c 40 token)... ($(wc -c <token) bytes of base64)"

step "3. Alice attenuates it, offline: read-only, for one hour"
"$BISCUIT" attenuate token --block 'check if operation("read");' \
  --add-ttl 1h >readonly
"$BISCUIT" inspect readonly | sed -n '/^Block 1/,$p' | tail -n +2 | show

# The service's authorizer: its policy, then the request's facts.
if [ -f "$POLICY" ]; then
  cp "$POLICY" policy.dl
  policy_name="policies/file-storage/policy.biscuit"
else
  printf '%s\n' 'allow if user($u), resource($p), operation($op),' \
    '  owner($u, $p);' 'deny if true;' >policy.dl
  policy_name="an inline owner-only policy"
fi
authorize() { # OPERATION
  cp policy.dl request.dl
  printf '%s\n' 'resource("/users/alice/notes.txt");' \
    "operation(\"$1\");" 'owner("alice", "/users/alice/notes.txt");' \
    >>request.dl
  "$BISCUIT" inspect readonly --public-key "$pub" --include-time \
    --authorize-with-file request.dl
}

set +e
authorize read >allow.out 2>allow.err
allow_rc=$?
authorize write >deny.out 2>deny.err
deny_rc=$?
set -e

step "4. Alice reads her file (authorizer: $policy_name)"
grep '^Authorization:' allow.out | show

step "5. Alice writes her file with the read-only token"
grep -E '^Authorization:|^  failed' deny.out | show

if [ "$allow_rc" = 0 ] && [ "$deny_rc" = 1 ]; then
  printf '\nDemo OK: the read was allowed and the write denied.\n'
  exit 0
fi
printf '\nDemo FAILED (statuses %s and %s, expected 0 and 1):\n' \
  "$allow_rc" "$deny_rc" >&2
cat allow.out allow.err deny.out deny.err >&2
exit 1
