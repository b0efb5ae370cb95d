#!/usr/bin/env bash
# The README's example service, run for real: a token made with the
# `biscuit` command is allowed for what it grants and denied otherwise,
# with the failed check printed.
set -u
cli="$1" ex="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $1"; }
"$cli" keypair --only-private-key >"$tmp/root.key"
pub=$("$cli" keypair --from-file "$tmp/root.key" --only-public-key)
printf '%s\n' 'user("alice");' 'right("/a.txt", "read");' |
  "$cli" generate - --private-key-file "$tmp/root.key" >"$tmp/token"
out=$("$ex" "$pub" "$tmp/token" /a.txt read 2>&1)
[ $? -eq 0 ] && [ "$out" = "allowed by policy 0" ] && ok || ko "allowed: $out"
out=$("$ex" "$pub" "$tmp/token" /a.txt write 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q '^denied' && ok || ko "denied: $out"
"$cli" attenuate "$tmp/token" --block 'check if operation("write");' \
  >"$tmp/narrow"
out=$("$ex" "$pub" "$tmp/narrow" /a.txt read 2>&1)
echo "$out" | grep -q 'block 1 check 0: check if operation("write")' &&
  ok || ko "failed check shown: $out"
echo "$out" | grep -q '^block 1 check 0 failed: check if operation("write")$' &&
  echo "$out" | grep -q '^  no fact matches operation("write")$' &&
  echo "$out" | grep -q '^    operation/1 has: operation("read")$' &&
  ok || ko "explained: $out"
other=$("$cli" keypair --only-public-key)
out=$("$ex" "$other" "$tmp/token" /a.txt read 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q '^error' && ok || ko "wrong key: $out"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
