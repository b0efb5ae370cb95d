#!/usr/bin/env bash
# Every official sample through the command:
#   biscuit inspect FILE --raw-input --public-key HEX \
#     --authorize-with-file <authorizer_code> --max-time 1s --json
# (1 s, as the conformance runner: the default 1 ms is too short for a
# cold regex compile under the sanitizers.)
# The verdict must match samples.json: Ok(i) -> auth.result == [i, policy i]
# and exit 0; Err(E) -> auth.result.error == E and exit 1. Format errors
# (bad signatures, unreadable blocks) must give signatures_check false with
# auth null, or {"error": ...}, and exit non-zero. test035 needs the
# samples' extern function `test`, which the command cannot provide: it
# must fail with Execution/UndefinedExtern.
#
# Usage: samples.sh [path/to/biscuit] (or BISCUIT=...). Prints the
# mismatches and "N passed, N failed"; exits 1 on any failure.
set -u
BISCUIT="${1:-${BISCUIT:-biscuit}}"
HERE="$(cd "$(dirname "$0")" && pwd)"
SAMPLES="${SAMPLES:-$HERE/../data/samples}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

exec python3 - "$BISCUIT" "$SAMPLES" "$TMP" <<'PY'
import json, os, subprocess, sys

biscuit, samples, tmp = sys.argv[1:4]
data = json.load(open(os.path.join(samples, "samples.json")))
root = data["root_public_key"]
passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL  %s%s" % (what, ("\n  " + detail) if detail else ""))


def inspect(bc, code):
    path = os.path.join(tmp, "authorizer.dl")
    with open(path, "w") as f:
        f.write(code)
    p = subprocess.run([biscuit, "inspect", os.path.join(samples, bc),
                        "--raw-input", "--public-key", root,
                        "--authorize-with-file", path, "--max-time", "1s",
                        "--json"],
                       capture_output=True, text=True)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        out = None
    return p.returncode, out, p


def check_format_error(name, rc, out, p):
    signature_refused = (out is not None and "token" in out
                         and out.get("signatures_check") is False
                         and out.get("auth") is None)
    parse_refused = out is not None and set(out) == {"error"}
    check(rc != 0 and (signature_refused or parse_refused),
          name + ": format error expected",
          "rc=%d stdout=%s stderr=%s" % (rc, p.stdout[:300], p.stderr[:300]))


def check_extern(name, rc, out, p):
    err = (out or {}).get("auth", {}).get("result", {})
    err = err.get("error") if isinstance(err, dict) else None
    check(rc == 1 and isinstance(err, dict) and "Execution" in err
          and "UndefinedExtern" in json.dumps(err),
          name + ": the missing extern must fail with UndefinedExtern",
          "rc=%d stdout=%s" % (rc, p.stdout[:300]))


def check_verdict(name, expected, rc, out, p):
    auth = (out or {}).get("auth") or {}
    result = auth.get("result")
    detail = "rc=%d expected=%s\n  got=%s\n  stderr=%s" % (
        rc, json.dumps(expected), json.dumps(result), p.stderr[:300])
    if "Ok" in expected:
        i = expected["Ok"]
        policies = auth.get("policies") or []
        ok = (rc == 0 and isinstance(result, list) and result[0] == i
              and i < len(policies) and result[1] == policies[i])
        check(ok, name + ": Ok(%d) expected" % i, detail)
    else:
        got = result.get("error") if isinstance(result, dict) else None
        check(rc == 1 and got == expected["Err"], name + ": Err expected",
              detail)
    check(out is not None and out.get("signatures_check") is True
          and isinstance(auth.get("iterations"), int)
          and isinstance(auth.get("elapsed_micros"), int),
          name + ": JSON shape", p.stdout[:300])


for case in data["testcases"]:
    bc = case["filename"]
    for vname, v in sorted(case["validations"].items()):
        name = "%s [%s]" % (bc, vname)
        expected = v["result"]
        rc, out, p = inspect(bc, v.get("authorizer_code", ""))
        if "Err" in expected and "Format" in expected["Err"]:
            check_format_error(name, rc, out, p)
        elif bc.startswith("test035"):
            check_extern(name, rc, out, p)
        else:
            check_verdict(name, expected, rc, out, p)
            blocks = (out or {}).get("token", {}).get("blocks", [])
            check([b["revocation_id"] for b in blocks] == v["revocation_ids"],
                  name + ": revocation ids")

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
