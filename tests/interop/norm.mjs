// Puts what `biscuit inspect --json` and ref.mjs print into one comparable
// shape, for tests/interop/interop.sh.
//
//   node norm.mjs ours-verdict < lines   one `inspect --json` object per line
//                                        -> one verdict per line
//   node norm.mjs ref-verdict < lines    ref.mjs authorize lines -> verdicts
//   node norm.mjs token OURS_INSPECT OURS_VERDICTS REF_CHECK N
//       OURS_INSPECT: `inspect --json` of the token; OURS_VERDICTS: N lines of
//       `inspect --json --authorize-with`; REF_CHECK: the output of
//       `ref.mjs check` with N authorizers. Prints our token summary, the
//       reference's, then our N verdicts, then the reference's N verdicts.
//
// A verdict is "ok N" (allow policy N matched), "error E" (E the
// authorization error, keys sorted) or "verify-error" (the token did not
// parse or its signatures did not verify; for us also an authorizer that did
// not parse). A token summary is the sorted-key JSON of {root_key_id, blocks:
// [{code, version, external_key}], revocation_ids}, external keys as bare
// hex (the reference prints no algorithm prefix), or "verify-error ...".

import { readFileSync } from "node:fs";

function canon(v) {
  if (Array.isArray(v)) return "[" + v.map(canon).join(",") + "]";
  if (v && typeof v === "object") {
    return (
      "{" +
      Object.keys(v)
        .sort()
        .map((k) => JSON.stringify(k) + ":" + canon(v[k]))
        .join(",") +
      "}"
    );
  }
  return JSON.stringify(v);
}

const lines = (s) => s.split("\n").filter((l) => l.trim() !== "");
const read = (f) => lines(readFileSync(f, "utf8"));

function parse(l) {
  try {
    return JSON.parse(l);
  } catch {
    return { unparsable: l };
  }
}

const bareKey = (k) => (k == null ? null : String(k).replace(/^[a-z0-9]+\//, ""));

function oursVerdict(o) {
  if (o.unparsable !== undefined) return "unparsable " + o.unparsable;
  if (o.error !== undefined || o.signatures_check !== true) return "verify-error";
  if (!o.auth) return "no-authorization";
  if (Array.isArray(o.auth.result)) return "ok " + o.auth.result[0];
  return "error " + canon(o.auth.result.error);
}

function refVerdict(o) {
  if (o.unparsable !== undefined) return "unparsable " + o.unparsable;
  if (o.ok !== undefined) return "ok " + o.ok;
  if (o.error && o.error.Format !== undefined) return "verify-error";
  return "error " + canon(o.error);
}

function summary(rootKeyId, blocks, revocationIds) {
  return canon({
    root_key_id: rootKeyId,
    blocks: blocks.map((b) => ({
      code: b.code,
      version: b.version,
      external_key: bareKey(b.external_key),
    })),
    revocation_ids: revocationIds,
  });
}

function oursSummary(o) {
  if (!o.token || o.signatures_check !== true) return "verify-error " + canon(o);
  return summary(
    o.token.root_key_id,
    o.token.blocks,
    o.token.blocks.map((b) => b.revocation_id),
  );
}

function refSummary(o) {
  if (!o.blocks) return "verify-error " + canon(o);
  return summary(o.root_key_id, o.blocks, o.revocation_ids);
}

const out = [];
switch (process.argv[2]) {
  case "ours-verdict":
    for (const l of read(0)) out.push(oursVerdict(parse(l)));
    break;
  case "ref-verdict":
    for (const l of read(0)) out.push(refVerdict(parse(l)));
    break;
  case "token": {
    const [oi, ov, rc, n] = process.argv.slice(3);
    const ours = read(oi);
    const ref = read(rc);
    out.push(oursSummary(parse(ours.join("\n") || "null") ?? {}));
    const first = parse(ref[0] ?? "null") ?? {};
    out.push(refSummary(first));
    const verdicts = read(ov);
    for (let i = 0; i < Number(n); i++) {
      out.push(verdicts[i] === undefined ? "missing" : oursVerdict(parse(verdicts[i])));
    }
    for (let i = 0; i < Number(n); i++) {
      // A token the reference could not read gives one error line in all.
      const l = first.blocks ? ref[i + 1] : ref[0];
      out.push(l === undefined ? "missing" : refVerdict(parse(l)));
    }
    break;
  }
  default:
    process.stderr.write("norm.mjs: ours-verdict|ref-verdict|token\n");
    process.exit(2);
}
process.stdout.write(out.map((l) => l + "\n").join(""));
