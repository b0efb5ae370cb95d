// The peer: the reference implementation (@biscuit-auth/biscuit-wasm,
// pinned in package.json) timed on the same work as bench_request.
//
//   node --experimental-wasm-modules bench/peer/peer.mjs DIR
//
// bench_request writes DIR/manifest.json and DIR/token<i>.bin: the tokens
// it built and the Datalog it runs. This script does each row's work with
// exactly those, warmed up first, and writes DIR/peer.json:
//   {"version", "node", "rows": {ID: {"p50_us", "p99_us", "min_us",
//    "max_us", "n", "failed"} | {"error": "Kind/Path"}}}
// A row the reference cannot run (a run limit, an error) gets "error".
//
// Row kinds (per request, on the reference's API):
//   from_bytes   Biscuit.fromBytes(bytes, root)            (decode + verify)
//   load         new AuthorizerBuilder, merge(policy), addCode(request),
//                buildAuthenticated(token)                 (token verified once)
//   authorize    authorize() alone, after a load
//   preverified  load + authorize
//   full         from_bytes + load + authorize
//   datalog      load without a token (buildUnauthenticated) +
//                authorizeWithLimits(raised limits)
// The policy is parsed once into an AuthorizerBuilder and merged into each
// request's builder: the nearest thing the reference has to a compiled,
// shared policy set. On node 20 the .wasm import needs
// --experimental-wasm-modules (node >= 22 does not).
//
// Known limit of biscuit-wasm 0.6.0: the fixpoint runs with the
// authorizer's own defaults (1000 facts, 100 iterations, 1 ms) whatever
// authorizeWithLimits is given, so the large rows stop with a RunLimit.

import { readFileSync, writeFileSync } from "node:fs";

// The module prints "biscuit-wasm loading" when it starts.
const log = console.log;
console.log = () => {};
const b = await import("@biscuit-auth/biscuit-wasm");
console.log = log;

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: peer.mjs DIR\n");
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, "utf8"));
const runs = Math.max(7, manifest.runs | 0);
const budgetNs = (manifest.budget_ms || 100) * 1e6;

function version() {
  try {
    const url = new URL(
      "./node_modules/@biscuit-auth/biscuit-wasm/package.json",
      import.meta.url,
    );
    return JSON.parse(readFileSync(url, "utf8")).version;
  } catch {
    return "?";
  }
}

function publicKey(text) {
  const m = /^(ed25519|secp256r1)\/([0-9a-fA-F]+)$/.exec(text);
  if (!m) throw new Error(`bad public key ${text}`);
  const alg =
    m[1] === "ed25519" ? b.SignatureAlgorithm.Ed25519 : b.SignatureAlgorithm.Secp256r1;
  return b.PublicKey.fromString(m[2], alg);
}

// "RunLimit/TooManyFacts" from {RunLimit: "TooManyFacts"}.
function errorPath(e) {
  if (e instanceof Error) return `js: ${e.message}`;
  const parts = [];
  let v = e;
  while (v && typeof v === "object" && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length !== 1) break;
    parts.push(keys[0]);
    v = v[keys[0]];
  }
  if (typeof v === "string" || typeof v === "number") parts.push(String(v));
  return parts.length ? parts.join("/") : JSON.stringify(e);
}

const tokens = manifest.tokens.map((t) => ({
  bytes: new Uint8Array(readFileSync(`${dir}/${t.file}`)),
  root: publicKey(t.root),
}));

const now = () => Number(process.hrtime.bigint());

// One row: a function doing the work once and returning the nanoseconds
// it timed; it throws when the work fails.
function rowWork(row) {
  const tok = row.token !== undefined ? tokens[row.token] : null;
  const policy = new b.AuthorizerBuilder();
  if (row.policy) policy.addCode(row.policy);
  const verified = tok ? b.Biscuit.fromBytes(tok.bytes, tok.root) : null;
  const limits = {
    max_facts: row.max_facts || 1000,
    max_iterations: 100000,
    max_time_micro: 60000000,
  };

  const load = (t) => {
    const ab = new b.AuthorizerBuilder();
    ab.merge(policy);
    if (row.request) ab.addCode(row.request);
    return t ? ab.buildAuthenticated(t) : ab.buildUnauthenticated();
  };
  const run = (a) => {
    if (row.kind === "datalog") a.authorizeWithLimits(limits);
    else a.authorize();
  };
  const decide = (a) => {
    try {
      run(a);
    } finally {
      a.free();
    }
  };

  const work = {
    from_bytes() {
      const t0 = now();
      const t = b.Biscuit.fromBytes(tok.bytes, tok.root);
      const ns = now() - t0;
      t.free();
      return ns;
    },
    load() {
      const t0 = now();
      const a = load(verified);
      const ns = now() - t0;
      decide(a);
      return ns;
    },
    authorize() {
      const a = load(verified);
      try {
        const t0 = now();
        run(a);
        return now() - t0;
      } finally {
        a.free();
      }
    },
    preverified() {
      const t0 = now();
      decide(load(verified));
      return now() - t0;
    },
    full() {
      const t0 = now();
      const t = b.Biscuit.fromBytes(tok.bytes, tok.root);
      try {
        decide(load(t));
      } finally {
        t.free();
      }
      return now() - t0;
    },
    datalog() {
      const t0 = now();
      decide(load(null));
      return now() - t0;
    },
  }[row.kind];
  if (!work) throw new Error(`unknown row kind ${row.kind}`);
  const done = () => {
    policy.free();
    if (verified) verified.free();
  };
  return { work, done };
}

function pct(sorted, p) {
  const n = sorted.length;
  const k = Math.floor((p / 100) * n + 0.5);
  return sorted[k === 0 ? 0 : k > n ? n - 1 : k - 1];
}

// A timeout of the reference's fixed 1 ms fixpoint limit on a busy
// machine is counted as a failed sample, like bench_request does.
function isTimeout(e) {
  return e && typeof e === "object" && e.RunLimit === "Timeout";
}

function measure(row) {
  let w;
  try {
    w = rowWork(row);
  } catch (e) {
    return { error: errorPath(e) };
  }
  const { work, done } = w;
  try {
    // First call: does the reference run this work at all?
    let first;
    for (let i = 0; i < 3; i++) {
      try {
        first = work();
        break;
      } catch (e) {
        if (!isTimeout(e) || i === 2) return { error: errorPath(e) };
      }
    }
    // Warm-up: a tenth of the budget, at least 20 calls.
    const warmUntil = now() + budgetNs / 10;
    for (let i = 0; i < 20 || now() < warmUntil; i++) {
      try {
        work();
      } catch (e) {
        if (!isTimeout(e)) return { error: errorPath(e) };
      }
      if (i > 100000) break;
    }
    const cost = Math.max(first, 1000);
    const iters = Math.min(1000, Math.max(5, Math.floor(budgetNs / cost)));
    const samples = [];
    let failed = 0;
    for (let r = 0; r < runs; r++) {
      for (let i = 0; i < iters; i++) {
        const t0 = now();
        try {
          samples.push(work());
        } catch (e) {
          if (!isTimeout(e)) return { error: errorPath(e) };
          failed++;
          samples.push(now() - t0);
        }
      }
    }
    samples.sort((x, y) => x - y);
    const us = (ns) => Math.round(ns) / 1000;
    return {
      p50_us: us(pct(samples, 50)),
      p99_us: us(pct(samples, 99)),
      min_us: us(samples[0]),
      max_us: us(samples[samples.length - 1]),
      n: samples.length,
      failed,
    };
  } finally {
    done();
  }
}

const out = { version: version(), node: process.version, rows: {} };
for (const row of manifest.rows) {
  const t0 = now();
  out.rows[row.id] = measure(row);
  const r = out.rows[row.id];
  process.stderr.write(
    `peer ${row.id}: ${r.error ? r.error : `p50 ${r.p50_us} us`} ` +
      `(${((now() - t0) / 1e9).toFixed(1)} s)\n`,
  );
}
writeFileSync(`${dir}/peer.json`, JSON.stringify(out, null, 1));
