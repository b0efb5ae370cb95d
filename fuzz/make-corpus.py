#!/usr/bin/env python3
"""Regenerate the committed seed corpora under fuzz/corpus/ from the test
data, deterministically (same inputs, same file names and bytes).

  fuzz_token_decode/   the official sample tokens (tests/data/samples/*.bc)
  fuzz_datalog_parse/  every sample block `code` and `authorizer_code`, and
                       every Datalog section of tests/datalog/*.test (plus
                       the .dl files they include)
  fuzz_authorize/      one seed per sample token and per .test case, in
                       the harness's sectioned format (%%block/%%authorizer)
  fuzz_base64/         the sample tokens as base64 text, and edge cases
  fuzz_regex/          every `.matches("...")` pattern of the samples and
                       tests/datalog, with a subject (pattern NUL subject)
  fuzz_snapshot/       only with --cli PATH/TO/biscuit: an authorizer
                       snapshot (after the run) and a policies snapshot of
                       each sample token with its first authorizer; these
                       hold run times, so they differ between runs.
                       Without --cli the directory is left as it is.
fuzz_token_eval reads fuzz_token_decode's seeds (see fuzz/fuzz.cmake).

Run from anywhere: fuzz/make-corpus.py [--cli PATH]. Identical contents are
stored once, under the first name that produced them. Old seeds are
removed first.
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

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
    .test file (format: cli/README.md, "biscuit test")."""
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


# `.matches("...")` in Datalog text (strings hold no unescaped quote).
MATCHES = re.compile(r'\.matches\("((?:[^"\\]|\\.)*)"\)')
REGEX_SUBJECT = "file1 read 2020-12-21T09:23:12Z /a/b/c?x=1 ABC abc 123"
REGEX_EXTRA = [r"^file[0-9]+$", r"(?i)\bRead\b", r"\p{Greek}+", r"[[:alpha:]]{2,5}",
               r"(?P<x>a|b)*c", r"[a-z&&[^aeiou]]+", r"\d{1,3}(\.\d{1,3}){3}",
               r"(?m)^abc$", r"a{2}{3}", r"(?-u:\w)+"]
BASE64_EXTRA = ["", "AA", "AA==", "AAA=", "AAAA", "_-_-", "A", "AAAAA", "====",
                "AA=A", "AB==", "AAE", "+/+/", "AAAA\n", "AAAA \r\n"]


def regex_seeds(corpus, texts):
    for name, text in texts:
        for k, m in enumerate(MATCHES.finditer(text)):
            pat = m.group(1).replace('\\"', '"').replace("\\\\", "\\")
            corpus.add("%s-%d" % (name, k), pat + "\0" + REGEX_SUBJECT)
    for k, pat in enumerate(REGEX_EXTRA):
        corpus.add("extra-%d" % k, pat + "\0" + REGEX_SUBJECT)


def snapshot_seeds(cli, samples, key):
    """Snapshots made by our own command, one pair per sample token."""
    snap = Corpus("fuzz_snapshot")
    with tempfile.TemporaryDirectory() as tmp:
        for tc in samples["testcases"]:
            stem = tc["filename"].rsplit(".", 1)[0]
            codes = [v.get("authorizer_code") for _, v in
                     sorted(tc["validations"].items())]
            codes = [c for c in codes if c]
            if not codes:
                continue
            a, p = os.path.join(tmp, "a"), os.path.join(tmp, "p")
            subprocess.run([cli, "inspect", os.path.join(SAMPLES, tc["filename"]),
                            "--raw-input", "--public-key", key,
                            "--authorize-with", codes[0],
                            "--dump-snapshot-to", a, "--dump-raw-snapshot",
                            "--dump-policies-snapshot-to", p,
                            "--dump-raw-policies-snapshot"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for path, kind in ((a, "authorizer"), (p, "policies")):
                if os.path.exists(path):
                    with open(path, "rb") as f:
                        snap.add("%s-%s.bin" % (stem, kind), f.read())
                    os.remove(path)
    return snap


def main():
    cli = None
    if len(sys.argv) == 3 and sys.argv[1] == "--cli":
        cli = os.path.abspath(sys.argv[2])
    elif len(sys.argv) != 1:
        print("usage: fuzz/make-corpus.py [--cli PATH/TO/biscuit]", file=sys.stderr)
        return 2
    decode = Corpus("fuzz_token_decode")
    b64 = Corpus("fuzz_base64")
    rx = Corpus("fuzz_regex")
    texts = []
    parse = Corpus("fuzz_datalog_parse")
    authz = Corpus("fuzz_authorize")

    for name in sorted(os.listdir(SAMPLES)):
        if name.endswith(".bc"):
            with open(os.path.join(SAMPLES, name), "rb") as f:
                data = f.read()
                decode.add(name, data)
                b64.add(name + ".txt", base64.urlsafe_b64encode(data))
    for k, t in enumerate(BASE64_EXTRA):
        b64.add("extra-%d.txt" % k, t)

    with open(os.path.join(SAMPLES, "samples.json"), encoding="utf-8") as f:
        samples = json.load(f)
    for tc in samples["testcases"]:
        stem = tc["filename"].rsplit(".", 1)[0]
        codes = [b["code"] for b in tc["token"]] if tc["token"] else []
        for i, code in enumerate(codes):
            parse.add("%s-block%d.dl" % (stem, i), code)
            texts.append(("%s-block%d" % (stem, i), code))
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
                texts.append(("%s-%03d-%d" % (stem, n, k), text))
            blocks = [t for s, t in secs if s == "block"]
            auth = [t for s, t in secs if s == "authorizer"]
            if blocks:
                authz.add("%s-%03d.txt" % (stem, n),
                          sectioned(blocks, auth[0] if auth else None))

    regex_seeds(rx, texts)
    made = [decode, parse, authz, b64, rx]
    if cli:
        made.append(snapshot_seeds(cli, samples, samples["root_public_key"]))
    for c in made:
        print("%s: %d seeds" % (os.path.relpath(c.dir, ROOT), len(c.seen)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
