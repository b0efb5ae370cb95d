#!/usr/bin/env bash
# A two-second tour of the library through the `biscuit` command: a root
# key pair, a token, an attenuated copy, then one request it allows and
# one it denies (showing the failed check). Exits 0 only when both
# verdicts are the expected ones.
#   scripts/demo.sh [path/to/biscuit]   (default: build/release/biscuit)
set -euo pipefail
cd "$(dirname "$0")/.."
BISCUIT="${1:-${BISCUIT:-build/release/biscuit}}"
if [ ! -x "$BISCUIT" ]; then
  echo "demo: $BISCUIT not found; build first (scripts/build.sh release)" >&2
  exit 2
fi
BISCUIT="$(cd "$(dirname "$BISCUIT")" && pwd)/$(basename "$BISCUIT")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

bold='' reset=''
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' reset=$'\033[0m'; fi
step() { printf '\n%s== %s%s\n' "$bold" "$1" "$reset"; }
show() { sed 's/^/   /'; }

step "1. The service's root key pair"
"$BISCUIT" keypair --only-private-key >root.key
pub="$("$BISCUIT" keypair --from-file root.key --only-public-key)"
echo "   public key: $pub"

step "2. A token for alice, signed with the root key"
cat >authority.dl <<'EOF'
user("alice");
right("file1", "read");
right("file1", "write");
EOF
show <authority.dl
"$BISCUIT" generate authority.dl --private-key-file root.key >token
echo "   token: $(head -c 48 token)... ($(wc -c <token) bytes of base64)"

step "3. Alice attenuates it, offline: read-only, for one hour"
"$BISCUIT" attenuate token --block 'check if operation("read");' \
  --add-ttl 1h >readonly
echo '   check if operation("read");'
echo '   check if time($time), $time <= <now + 1h>;'

# The service's authorizer for one request.
authorize() { # OPERATION
  "$BISCUIT" inspect readonly --public-key "$pub" --include-time \
    --authorize-with "resource(\"file1\"); operation(\"$1\");
                      allow if user(\$u), right(\"file1\", \"$1\");"
}

step "4. The service authorizes: alice reads file1"
set +e
authorize read >allow.out 2>allow.err
allow_rc=$?
authorize write >deny.out 2>deny.err
deny_rc=$?
set -e
grep '^Authorization:' allow.out | show

step "5. The service authorizes: alice writes file1"
grep -E '^Authorization:|^  failed' deny.out | show

if [ "$allow_rc" = 0 ] && [ "$deny_rc" = 1 ]; then
  printf '\nDemo OK: the read was allowed and the write denied.\n'
  exit 0
fi
printf '\nDemo FAILED (statuses %s and %s, expected 0 and 1):\n' \
  "$allow_rc" "$deny_rc" >&2
cat allow.out allow.err deny.out deny.err >&2
exit 1
