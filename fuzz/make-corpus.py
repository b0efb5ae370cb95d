#!/usr/bin/env python3
"""Regenerate the committed seed corpora under fuzz/corpus/ from the test
data, deterministically (same inputs, same file names and bytes).

  fuzz_token_decode/   the official sample tokens (tests/data/samples/*.bc)
  fuzz_datalog_parse/  every sample block `code` and `authorizer_code`, and
                       every Datalog section of tests/datalog/*.test (plus
                       the .dl files they include)
  fuzz_authorize/      one seed per sample token and per .test case, in
                       the harness's sectioned format (%%block/%%authorizer)

Run from anywhere: fuzz/make-corpus.py. Identical contents are stored once,
under the first name that produced them. Old seeds are removed first.
"""
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "tests", "data", "samples")
DATALOG = os.path.join(ROOT, "tests", "datalog")
OUT = os.path.join(ROOT, "fuzz", "corpus")


class Corpus:
    """One target's seed directory, deduplicated by content."""

    def __init__(self, target):
        self.dir = os.path.join(OUT, target)
        self.seen = set()
        if os.path.isdir(self.dir):
            shutil.rmtree(self.dir)
        os.makedirs(self.dir)

    def add(self, name, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        if data in self.seen:
            return
        self.seen.add(data)
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(data)


def read_cases(path):
    """Yield (case number, [(section, text)]) for the Datalog sections of a
    .test file (see tests/runner/testfile.c)."""
    cases, cur, sec, lines = [], None, None, []

    def close():
        if cur is not None and sec is not None:
            cur.append((sec, "".join(lines)))

    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("%%"):
                close()
                word = line[2:].split()
                word = word[0] if word else ""
                sec, lines = None, []
                if word == "name":
                    cur = []
                    cases.append(cur)
                elif word in ("block", "authorizer"):
                    sec = word
                    inc = [a for a in line.split()[1:] if a.startswith("file=")]
                    if inc:
                        incp = os.path.join(os.path.dirname(path), inc[0][5:])
                        with open(incp, encoding="utf-8") as g:
                            lines.append(g.read())
            elif sec is not None:
                lines.append(line)
        close()
    return list(enumerate(cases, 1))


def sectioned(blocks, authorizer):
    """The fuzz_authorize input format."""
    out = []
    for b in blocks:
        out.append("%%block\n" + b)
    if authorizer is not None:
        out.append("%%authorizer\n" + authorizer)
    return "".join(out)


def main():
    decode = Corpus("fuzz_token_decode")
    parse = Corpus("fuzz_datalog_parse")
    authz = Corpus("fuzz_authorize")

    for name in sorted(os.listdir(SAMPLES)):
        if name.endswith(".bc"):
            with open(os.path.join(SAMPLES, name), "rb") as f:
                decode.add(name, f.read())

    with open(os.path.join(SAMPLES, "samples.json"), encoding="utf-8") as f:
        samples = json.load(f)
    for tc in samples["testcases"]:
        stem = tc["filename"].rsplit(".", 1)[0]
        codes = [b["code"] for b in tc["token"]] if tc["token"] else []
        for i, code in enumerate(codes):
            parse.add("%s-block%d.dl" % (stem, i), code)
        first_authz = None
        for j, key in enumerate(sorted(tc["validations"])):
            code = tc["validations"][key].get("authorizer_code")
            if code is None:
                continue
            first_authz = code if first_authz is None else first_authz
            parse.add("%s-authorizer%d.dl" % (stem, j), code)
        if codes:
            authz.add("%s.txt" % stem, sectioned(codes, first_authz))

    for name in sorted(os.listdir(DATALOG)):
        path = os.path.join(DATALOG, name)
        stem = name.rsplit(".", 1)[0]
        if name.endswith(".dl"):
            with open(path, encoding="utf-8") as f:
                parse.add("%s.dl" % stem, f.read())
        if not name.endswith(".test"):
            continue
        for n, secs in read_cases(path):
            for k, (sec, text) in enumerate(secs):
                parse.add("%s-%03d-%d-%s.dl" % (stem, n, k, sec), text)
            blocks = [t for s, t in secs if s == "block"]
            auth = [t for s, t in secs if s == "authorizer"]
            if blocks:
                authz.add("%s-%03d.txt" % (stem, n),
                          sectioned(blocks, auth[0] if auth else None))

    for c in (decode, parse, authz):
        print("%s: %d seeds" % (os.path.relpath(c.dir, ROOT), len(c.seen)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
