#!/usr/bin/env bash
# The shared library exports exactly the functions the header declares,
# and that set matches tests/abi/symbols.txt: an accidental export, a
# missing definition or an unreviewed API change fails here.
set -u
lib="$1" header="$2" pinned="$3"
pass=0 fail=0
check() { if [ "$2" = "$3" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $1"; diff <(echo "$2") <(echo "$3"); fi; }
exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort)
declared=$(grep -o 'biscuit_[a-z0-9_]*(' "$header" | tr -d '(' | sort -u)
check "exports == header declarations" "$exported" "$declared"
check "exports == pinned list (update tests/abi/symbols.txt on purpose)" "$exported" "$(cat "$pinned")"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
