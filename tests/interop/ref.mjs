// The reference implementation (@biscuit-auth/biscuit-wasm, pinned in
// package.json) as a small command-line tool, for tests/interop/interop.sh.
//
//   node --experimental-wasm-modules ref.mjs COMMAND ARGS...
//
// On node 20 the flag is needed to import the .wasm (node >= 22 does not
// need it). TOKEN, REQUEST and BLOCK arguments are a file path or the
// base64 text itself; keys are "ed25519-private/<hex>", "ed25519/<hex>",
// "secp256r1-private/<hex>" or "secp256r1/<hex>"; DATALOG is the text.
//
//   keypair [ed25519|secp256r1]        private key, then public key (2 lines)
//   public-key PRIVATE                 the public key of a private key
//   generate PRIVATE DATALOG [ROOT_KEY_ID]        token
//   attenuate TOKEN PUBLIC DATALOG     token (the reference cannot read a
//                                      token without verifying it, hence PUBLIC)
//   seal TOKEN PUBLIC                  sealed token
//   third-party-request TOKEN PUBLIC   request
//   third-party-block REQUEST PRIVATE DATALOG     signed third-party block
//   third-party-append TOKEN PUBLIC TP_PRIVATE DATALOG
//                                      request + block + append in one go (see
//                                      append-third-party below)
//   append-third-party TOKEN PUBLIC TP_PUBLIC BLOCK
//                                      append a serialized third-party block.
//                                      Always fails with 0.6.0: its
//                                      ThirdPartyBlock.fromBase64 parses a
//                                      ThirdPartyRequest, so a serialized
//                                      block cannot be read back.
//   authorize TOKEN PUBLIC AUTHORIZER...
//                                      one line per authorizer: {"ok": N} or
//                                      {"error": E}; exit 1 if any was denied.
//                                      A token that does not verify prints
//                                      one {"error": E} line in all.
//   inspect TOKEN PUBLIC               {"root_key_id", "blocks": [{"code",
//                                      "version", "external_key"}],
//                                      "revocation_ids"}
//   check TOKEN PUBLIC AUTHORIZER...   inspect, then authorize: the inspect
//                                      line, then one line per authorizer
//
// Errors from the library are printed as {"error": E} on stdout, E being the
// library's error value (the samples' result.Err shape), and the exit status
// is 1; a bad command line exits with 2.

import { existsSync, readFileSync } from "node:fs";

// The module prints "biscuit-wasm loading" on stdout when it starts: keep
// stdout for our own output.
const log = console.log;
console.log = () => {};
const b = await import("@biscuit-auth/biscuit-wasm");
console.log = log;

function usage(msg) {
  process.stderr.write(`ref.mjs: ${msg}\n`);
  process.exit(2);
}

function errorValue(e) {
  if (e instanceof Error) return { js: e.message };
  return e;
}

function fail(e) {
  process.stdout.write(JSON.stringify({ error: errorValue(e) }) + "\n");
  process.exit(1);
}

function text(arg) {
  if (arg === "-") return readFileSync(0, "utf8").trim();
  if (arg.length < 4096 && existsSync(arg)) return readFileSync(arg, "utf8").trim();
  return arg.trim();
}

function algorithm(name) {
  if (name === "ed25519") return b.SignatureAlgorithm.Ed25519;
  if (name === "secp256r1") return b.SignatureAlgorithm.Secp256r1;
  usage(`unknown algorithm ${name}`);
}

function privateKey(s) {
  return b.PrivateKey.fromString(text(s));
}

function publicKey(s) {
  const m = /^(ed25519|secp256r1)\/([0-9a-fA-F]+)$/.exec(text(s));
  if (!m) usage(`public key must be ALG/HEX: ${s}`);
  return b.PublicKey.fromString(m[2], algorithm(m[1]));
}

let rootKeyId = null;
function token(s, pub) {
  const key = publicKey(pub);
  return b.Biscuit.fromBase64WithProvider(text(s), (id) => {
    rootKeyId = id;
    return key;
  });
}

function block(datalog) {
  const bb = new b.BlockBuilder();
  bb.addCode(datalog);
  return bb;
}

function out(s) {
  process.stdout.write(s + "\n");
}

// The first authorization in a fresh process is slow (JIT, allocator) and
// the fixpoint always runs under the authorizer's own 1 ms default, whatever
// authorizeWithLimits says: warm up, and retry a run that timed out.
function warmUp() {
  const kp = new b.KeyPair(b.SignatureAlgorithm.Ed25519);
  const bb = new b.BiscuitBuilder();
  bb.addCode('a(1); b($x) <- a($x); check if b(1);');
  const t = bb.build(kp.getPrivateKey());
  for (let i = 0; i < 2; i++) {
    const ab = new b.AuthorizerBuilder();
    ab.addCode("allow if true;");
    try {
      ab.buildAuthenticated(t).authorize();
    } catch (e) {
      /* cold start */
    }
  }
}

function authorize(tok, code) {
  let last;
  for (let attempt = 0; attempt < 5; attempt++) {
    const ab = new b.AuthorizerBuilder();
    ab.addCode(code);
    const a = ab.buildAuthenticated(tok);
    try {
      return { ok: a.authorizeWithLimits({ max_time_micro: 5000000 }) };
    } catch (e) {
      last = e;
      if (!(e && e.RunLimit === "Timeout")) throw e;
    }
  }
  throw last;
}

// Biscuit's Debug output is the only place the reference shows block
// versions and external keys: authority first, then the other blocks.
function blockDetails(tok) {
  const s = tok.toString();
  const versions = [...s.matchAll(/^\s*version: (\d+)$/gm)].map((m) => Number(m[1]));
  const keys = [...s.matchAll(/^\s*external key: ?(.*)$/gm)].map((m) => m[1].trim() || null);
  return { versions, keys };
}

function inspect(t) {
  const { versions, keys } = blockDetails(t);
  const blocks = [];
  for (let i = 0; i < t.countBlocks(); i++) {
    blocks.push({
      code: t.getBlockSource(i),
      version: versions[i] ?? null,
      external_key: keys[i] ?? null,
    });
  }
  return { root_key_id: rootKeyId, blocks, revocation_ids: t.getRevocationIdentifiers() };
}

// Prints one verdict line per authorizer; true when all allowed.
function authorizeAll(t, codes) {
  warmUp();
  let allowed = true;
  for (const code of codes) {
    try {
      out(JSON.stringify(authorize(t, code)));
    } catch (e) {
      out(JSON.stringify({ error: errorValue(e) }));
      allowed = false;
    }
  }
  return allowed;
}

const [cmd, ...args] = process.argv.slice(2);
const need = (n) => {
  if (args.length < n) usage(`${cmd}: needs ${n} arguments`);
};

try {
  switch (cmd) {
    case "keypair": {
      const kp = new b.KeyPair(algorithm(args[0] ?? "ed25519"));
      out(kp.getPrivateKey().toString());
      out(kp.getPublicKey().toString());
      break;
    }
    case "public-key":
      need(1);
      out(b.KeyPair.fromPrivateKey(privateKey(args[0])).getPublicKey().toString());
      break;
    case "generate": {
      need(2);
      const bb = new b.BiscuitBuilder();
      bb.addCode(args[1]);
      if (args[2] !== undefined) bb.setRootKeyId(Number(args[2]));
      out(bb.build(privateKey(args[0])).toBase64());
      break;
    }
    case "attenuate":
      need(3);
      out(token(args[0], args[1]).appendBlock(block(args[2])).toBase64());
      break;
    case "seal":
      need(2);
      out(token(args[0], args[1]).sealToken().toBase64());
      break;
    case "third-party-request":
      need(2);
      out(token(args[0], args[1]).getThirdPartyRequest().toBase64());
      break;
    case "third-party-block": {
      need(3);
      const req = b.ThirdPartyRequest.fromBase64(text(args[0]));
      out(req.createBlock(privateKey(args[1]), block(args[2])).toBase64());
      break;
    }
    case "third-party-append": {
      need(4);
      const t = token(args[0], args[1]);
      const tp = b.KeyPair.fromPrivateKey(privateKey(args[2]));
      const blk = t.getThirdPartyRequest().createBlock(tp.getPrivateKey(), block(args[3]));
      out(t.appendThirdPartyBlock(tp.getPublicKey(), blk).toBase64());
      break;
    }
    case "append-third-party": {
      need(4);
      const t = token(args[0], args[1]);
      const blk = b.ThirdPartyBlock.fromBase64(text(args[3]));
      out(t.appendThirdPartyBlock(publicKey(args[2]), blk).toBase64());
      break;
    }
    case "authorize": {
      need(3);
      const t = token(args[0], args[1]);
      process.exitCode = authorizeAll(t, args.slice(2)) ? 0 : 1;
      break;
    }
    case "inspect":
      need(2);
      out(JSON.stringify(inspect(token(args[0], args[1]))));
      break;
    case "check": {
      need(2);
      const t = token(args[0], args[1]);
      out(JSON.stringify(inspect(t)));
      process.exitCode = authorizeAll(t, args.slice(2)) ? 0 : 1;
      break;
    }
    default:
      usage(`unknown command ${cmd ?? "(none)"}`);
  }
} catch (e) {
  fail(e);
}
