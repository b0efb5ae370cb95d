#!/usr/bin/env python3
"""Generate the malformed-token corpus (perf-and-threats.md B4).

Writes hostile token files into tests/malformed/corpus/ and the table
tests/malformed/expected.txt that maps every corpus file to the kind (the
reference's error variant path, as biscuit_error_kind() prints it, or "Ok")
that decoding it with the samples' root key must give. A kind in the table
is a prefix matched at '/' boundaries: "Format" accepts any format error.

Everything here is derived from the official samples in tests/data/samples
by byte surgery, with fixed seeds, so two runs write identical files.
Python's standard library only; nothing else is called.

Files that need fresh signatures (a valid token whose Datalog block is
hostile) cannot be made without Ed25519: tests/malformed/gen_signed.c
writes those (prefix "signed-"), and their expectations are listed in
SIGNED below. See README.md.

Every expectation is predicted from the wire format and the verification
order (envelope decode, then signatures block by block, then the proof,
then the blocks' Datalog), never read back from the library.
"""

import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.normpath(os.path.join(HERE, '..', 'data', 'samples'))
CORPUS = os.path.join(HERE, 'corpus')
EXPECTED = os.path.join(HERE, 'expected.txt')

# Kinds (biscuit_error_kind paths).
OK = 'Ok'
DESER = 'Format/DeserializationError'
SIG = 'Format/Signature/InvalidSignature'
SIG_FORMAT = 'Format/BlockSignatureDeserializationError'
KEY = 'Format/InvalidKey'
KEY_SIZE = 'Format/InvalidKeySize'
TOKEN_SIZE = 'Limit/TokenSize'
BLOCK_COUNT = 'Limit/BlockCount'
DEPTH = 'Limit/NestingDepth'

# Files written by gen_signed.c (they need fresh signatures).
SIGNED = [
    ('signed-depth-0064.bc', OK),
    ('signed-depth-0065.bc', DEPTH),
    ('signed-depth-0100.bc', DEPTH),
    ('signed-depth-1000.bc', DEPTH),
    ('signed-depth-5000.bc', DEPTH),
    ('signed-closures-0200.bc', DEPTH),
    ('signed-blocks-64.bc', OK),
    ('signed-blocks-65.bc', BLOCK_COUNT),
    ('signed-legacy-third-party.bc', DESER),
    ('signed-authority-external.bc', DESER),
    ('signed-version-2.bc', 'Format/Version'),
    ('signed-version-7.bc', 'Format/Version'),
    ('signed-no-version.bc', 'Format/Version'),
    ('signed-symbol-1023.bc', 'Format/UnknownSymbol'),
    ('signed-symbol-1025.bc', 'Format/UnknownSymbol'),
    ('signed-symbol-overlap.bc', 'Format/SymbolTableOverlap'),
    ('signed-garbage-block.bc', 'Format/BlockDeserializationError'),
    ('signed-empty-token-block.bc', 'Format/Version'),
]

P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551
P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff
P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b

# ----------------------------------------------------------- protobuf


def varint(v):
    """Minimal varint of a non-negative integer (negatives as 64-bit)."""
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = v & 0x7f
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def overlong(v, n):
    """The varint of v padded to exactly n bytes (non-minimal)."""
    out = bytearray()
    for i in range(n):
        b = (v >> (7 * i)) & 0x7f
        out.append(b | (0x80 if i < n - 1 else 0))
    return bytes(out)


def tag(field, wt):
    return varint(field << 3 | wt)


def ld(field, payload):
    return tag(field, 2) + varint(len(payload)) + payload


def vi(field, v):
    return tag(field, 0) + varint(v)


SCHEMA = {
    'Biscuit': {2: 'SignedBlock', 3: 'SignedBlock', 4: 'Proof'},
    'SignedBlock': {2: 'PublicKey', 4: 'ExternalSignature'},
    'ExternalSignature': {2: 'PublicKey'},
    'PublicKey': {},
    'Proof': {},
}

ROLES = {
    ('Biscuit', 1): 'root_key_id',
    ('SignedBlock', 1): 'block',
    ('SignedBlock', 3): 'sig',
    ('SignedBlock', 5): 'version',
    ('ExternalSignature', 1): 'ext_sig',
    ('PublicKey', 1): 'alg',
    ('PublicKey', 2): 'key',
    ('Proof', 1): 'secret',
    ('Proof', 2): 'final_sig',
}


class Field:
    """One field occurrence with its offsets in the parsed buffer."""

    def __init__(self, num, wt, val, mtype, tag_off, len_off, val_off, end):
        self.num, self.wt, self.val = num, wt, val
        self.mtype = mtype          # message type holding the field
        self.tag_off = tag_off
        self.tag_end = len_off if len_off is not None else val_off
        self.len_off = len_off      # LEN fields: offset of the length
        self.val_off, self.end = val_off, end
        self.sub = None             # sub-message fields, when known

    def role(self):
        return ROLES.get((self.mtype, self.num))


def read_varint(b, i):
    v, shift = 0, 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7f) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def parse(b, mtype='Biscuit', start=0, end=None):
    """Parse a message of the envelope schema into Fields (recursively)."""
    end = len(b) if end is None else end
    out, i = [], start
    while i < end:
        t0 = i
        t, i = read_varint(b, i)
        num, wt = t >> 3, t & 7
        if wt == 0:
            v, j = read_varint(b, i)
            out.append(Field(num, wt, v, mtype, t0, None, i, j))
            i = j
        elif wt in (1, 5):
            n = 8 if wt == 1 else 4
            out.append(Field(num, wt, bytes(b[i:i + n]), mtype, t0, None, i,
                             i + n))
            i += n
        elif wt == 2:
            l0 = i
            n, i = read_varint(b, i)
            f = Field(num, wt, bytes(b[i:i + n]), mtype, t0, l0, i, i + n)
            child = SCHEMA[mtype].get(num)
            if child:
                f.sub = parse(b, child, i, i + n)
                f.child = child
            out.append(f)
            i += n
        else:
            raise ValueError('unexpected wire type %d' % wt)
    return out


def encode(fields):
    """Fields (possibly edited: val, sub) back to bytes, minimal varints."""
    out = bytearray()
    for f in fields:
        if f.wt == 0:
            out += vi(f.num, f.val)
        elif f.wt in (1, 5):
            out += tag(f.num, f.wt) + f.val
        elif f.sub is not None:
            out += ld(f.num, encode(f.sub))
        else:
            out += ld(f.num, f.val)
    return bytes(out)


def get(fields, num):
    return [f for f in fields if f.num == num]


def blocks(tree):
    """The SignedBlock fields: authority first, then blocks in order."""
    return get(tree, 2) + get(tree, 3)


# ------------------------------------------------------------- samples

def load_samples():
    with open(os.path.join(SAMPLES, 'samples.json')) as f:
        meta = json.load(f)
    out = {}
    for case in meta['testcases']:
        name = case['filename']
        with open(os.path.join(SAMPLES, name), 'rb') as f:
            data = f.read()
        out[name[:7]] = (name, data, case)
    return out


def decode_error(case):
    """A sample's expected kind when it does not decode, else OK."""
    for v in case.get('validations', {}).values():
        err = (v.get('result') or {}).get('Err')
        if isinstance(err, dict) and 'Format' in err:
            return 'Format/' + path_of(err['Format'])
    return OK


def path_of(v):
    if isinstance(v, dict):
        k = next(iter(v))
        return k + '/' + path_of(v[k]) if isinstance(v[k], dict) else k
    return str(v)


# ------------------------------------------------------------- crypto

def der_ints(sig):
    """(r, s, (r_off, r_len), (s_off, s_len)) of a DER ECDSA signature."""
    assert sig[0] == 0x30 and sig[1] == len(sig) - 2
    rl = sig[3]
    r_off = 4
    sl = sig[r_off + rl + 1]
    s_off = r_off + rl + 2
    r = int.from_bytes(sig[r_off:r_off + rl], 'big')
    s = int.from_bytes(sig[s_off:s_off + sl], 'big')
    return r, s, (r_off, rl), (s_off, sl)


def der_int(v):
    b = v.to_bytes(33, 'big').lstrip(b'\0') or b'\0'
    if b[0] & 0x80:
        b = b'\0' + b
    return b'\x02' + bytes([len(b)]) + b


def der_sig(r, s):
    body = der_int(r) + der_int(s)
    return b'\x30' + bytes([len(body)]) + body


def p256_on_curve(key):
    """A compressed P-256 key's x has a y on the curve (Euler criterion)."""
    x = int.from_bytes(key[1:], 'big')
    if x >= P256_P:
        return False
    rhs = (pow(x, 3, P256_P) - 3 * x + P256_B) % P256_P
    return rhs == 0 or pow(rhs, (P256_P - 1) // 2, P256_P) == 1


# ------------------------------------------------------------ the corpus

class Corpus:
    def __init__(self):
        self.files = {}     # name -> bytes
        self.expect = {}    # name -> kind
        self.notes = {}     # name -> comment

    def add(self, name, data, kind, note=''):
        assert name not in self.files, name
        self.files[name] = bytes(data)
        self.expect[name] = kind
        if note:
            self.notes[name] = note


# --------------------------------------------------------- truncation

def structural_offsets(tree):
    """Every field start, value start and end in the envelope."""
    offs = set()

    def walk(fields):
        for f in fields:
            offs.update((f.tag_off, f.val_off, f.end))
            if f.len_off is not None:
                offs.add(f.len_off)
            if f.sub:
                walk(f.sub)
    walk(tree)
    return offs


def gen_truncation(c, samples):
    """Every proper prefix is refused: the proof field comes last."""
    name, data, _ = samples['test001']
    for cut in range(0, len(data), 2):
        c.add('trunc-test001-%04d.bc' % cut, data[:cut], DESER)
    for sid, seed in (('test020', 20), ('test024', 24), ('test036', 36),
                      ('test037', 37), ('test026', 26)):
        data = samples[sid][1]
        rng = random.Random(seed)
        cuts = {1, len(data) - 1, len(data) - 33}
        cuts |= {o for o in structural_offsets(parse(data))
                 if 0 < o < len(data)}
        picks = sorted(cuts)
        picks = rng.sample(picks, min(12, len(picks)))
        rest = [o for o in range(1, len(data)) if o not in picks]
        picks += rng.sample(rest, 12)
        for cut in sorted(set(picks)):
            c.add('trunc-%s-%04d.bc' % (sid, cut), data[:cut], DESER)


# ---------------------------------------------------------- bit flips

class Ctx:
    """What a flip in a field means depends on where the field sits."""

    def __init__(self, tree):
        self.blocks = blocks(tree)
        last_key = get(self.blocks[-1].sub, 2)[0].sub
        self.last_alg = get(last_key, 1)[0].val


def flip_leaf(ctx, f, parent, off, bit):
    """Expected kind for a flip inside a leaf value, or None."""
    role = f.role()
    rel = off - f.val_off
    new = bytearray(f.val)
    new[rel] ^= 1 << bit
    if role in ('block', 'final_sig'):
        return SIG
    if role in ('sig', 'ext_sig'):
        if len(f.val) == 64:
            return SIG
        return der_flip(f.val, rel, bit)
    if role == 'key':
        return key_flip(parent, bytes(new), rel)
    if role == 'secret':
        if ctx.last_alg == 0:
            return SIG
        k = int.from_bytes(new, 'big')
        return SIG if 0 < k < P256_N else KEY
    return None


def der_flip(sig, rel, bit):
    """A flipped DER signature of the same length: canonical DER with
    0 < r, s < n is a wrong signature, anything else does not parse."""
    _, _, (ro, rl), (so, sl) = der_ints(sig)
    if not (ro <= rel < ro + rl or so <= rel < so + sl):
        return None                      # headers: not predicted here
    new = bytearray(sig)
    new[rel] ^= 1 << bit
    r = int.from_bytes(new[ro:ro + rl], 'big')
    s = int.from_bytes(new[so:so + sl], 'big')
    canonical = (r < 1 << 256 and s < 1 << 256 and
                 der_sig(r, s) == bytes(new))
    ok = canonical and 0 < r < P256_N and 0 < s < P256_N
    return SIG if ok else SIG_FORMAT


def key_flip(parent, new, rel):
    """A next key is covered by its block's own signature (checked first);
    an external key is only used to verify the external signature."""
    alg = get(parent.sub, 1)[0].val
    if alg == 1 and rel == 0 and new[0] not in (2, 3):
        return KEY                       # refused at decode
    if parent.mtype == 'SignedBlock' or alg == 0:
        return SIG
    return SIG if p256_on_curve(new) else KEY


def flip_varint(f, parent, off, bit):
    """alg and version values (single byte, bit 7 excluded)."""
    if off != f.val_off or f.end - f.val_off != 1 or bit == 7:
        return None
    v = f.val ^ (1 << bit)
    if f.role() == 'alg':
        key = get(parent.sub, 2)[0].val
        if v == 0:
            return OK if len(key) == 32 else KEY_SIZE
        if v == 1:
            return OK if len(key) == 33 and key[0] in (2, 3) else KEY
        return DESER
    if f.role() == 'version':
        external = bool(get(parent.sub, 4))
        if external:
            return OK if v == 1 else DESER
        return DESER if v > 1 else SIG
    return None


def flip_tag(f, off, bit):
    """Wire type 2 -> 3 (group) or 6; wire type 0 -> 4: refused."""
    if off != f.tag_off or f.tag_end - f.tag_off != 1:
        return None
    if f.wt == 2 and bit in (0, 2):
        return DESER
    if f.wt == 0 and bit == 2:
        return DESER
    return None


def flip_len(f, data, container_end, off, bit):
    """A length grown past its container is refused. Only the last byte
    of the length varint is flipped (bit 7 would extend the varint), and
    only from 0 to 1, so the length grows by a known amount."""
    nbytes = f.val_off - f.len_off
    if off != f.val_off - 1 or bit == 7 or data[off] >> bit & 1:
        return None
    grown = len(f.val) + ((1 << bit) << (7 * (nbytes - 1)))
    return DESER if f.val_off + grown > container_end else None


def classify(ctx, data, f, parent, end, off, bit):
    """(role, kind) of flipping `bit` of byte `off` inside field f, or
    (None, None) when the outcome is not predicted here."""
    kind = flip_tag(f, off, bit)
    if kind is not None:
        return 'tag', kind
    if f.len_off is not None:
        kind = flip_len(f, data, end, off, bit)
        if kind is not None:
            return 'len', kind
    if f.wt == 0:
        return f.role(), flip_varint(f, parent, off, bit)
    if f.sub is None and f.wt == 2 and off >= f.val_off:
        role = f.role()
        if role == 'key' and parent.mtype != 'SignedBlock':
            role = 'ext_key'
        return role, flip_leaf(ctx, f, parent, off, bit)
    return None, None


def flip_candidates(data, tree):
    """(offset, bit, role, kind) for every predictable single-bit flip."""
    ctx = Ctx(tree)
    out = []

    def walk(fields, parent, end):
        for f in fields:
            for off in range(f.tag_off, f.end):
                for bit in range(8):
                    role, kind = classify(ctx, data, f, parent, end, off, bit)
                    if kind is not None:
                        out.append((off, bit, role, kind))
            if f.sub is not None:
                walk(f.sub, f, f.end)
    walk(tree, None, len(data))
    return out


def gen_flips(c, samples):
    """Up to 4 flips per region kind and sample, chosen with fixed seeds."""
    for sid, seed in (('test001', 101), ('test020', 120), ('test024', 124),
                      ('test036', 136), ('test037', 137)):
        data = samples[sid][1]
        tree = parse(data)
        by_role = {}
        for cand in flip_candidates(data, tree):
            by_role.setdefault(cand[2], []).append(cand)
        rng = random.Random(seed)
        for region in sorted(by_role):
            cands = by_role[region]
            for off, bit, role, kind in rng.sample(cands, min(4, len(cands))):
                mut = bytearray(data)
                mut[off] ^= 1 << bit
                c.add('flip-%s-%04d-%d.bc' % (sid, off, bit), mut, kind,
                      role)


# --------------------------------------------- removed / duplicated fields

def edit(data, fn):
    tree = parse(data)
    fn(tree)
    return encode(tree)


def drop(fields, num, index=0):
    victims = get(fields, num)
    fields.remove(victims[index])


def gen_removed(c, samples):
    d1 = samples['test001'][1]
    cases = [
        ('rm-test001-proof', d1, lambda t: drop(t, 4), DESER),
        ('rm-test001-authority', d1, lambda t: drop(t, 2), DESER),
        ('rm-test001-auth-block', d1, lambda t: drop(t[0].sub, 1), DESER),
        ('rm-test001-auth-nextkey', d1, lambda t: drop(t[0].sub, 2), DESER),
        ('rm-test001-auth-sig', d1, lambda t: drop(t[0].sub, 3), DESER),
        ('rm-test001-auth-alg', d1,
         lambda t: drop(get(t[0].sub, 2)[0].sub, 1), DESER),
        ('rm-test001-auth-key', d1,
         lambda t: drop(get(t[0].sub, 2)[0].sub, 2), DESER),
        ('rm-test001-proof-secret', d1,
         lambda t: drop(get(t, 4)[0].sub, 1), DESER),
        ('rm-test001-block1', d1, lambda t: drop(t, 3), SIG),
        ('rm-test001-block1-sig', d1, lambda t: drop(get(t, 3)[0].sub, 3),
         DESER),
        ('rm-test020-final-sig', samples['test020'][1],
         lambda t: drop(get(t, 4)[0].sub, 2), DESER),
        ('rm-test007-middle-block', samples['test007'][1],
         lambda t: drop(t, 3, 0), SIG),
        ('rm-test024-external-sig', samples['test024'][1],
         lambda t: drop(get(t, 3)[0].sub, 4), SIG),
        ('rm-test024-ext-sig-bytes', samples['test024'][1],
         lambda t: drop(get(get(t, 3)[0].sub, 4)[0].sub, 1), DESER),
        ('rm-test024-ext-key', samples['test024'][1],
         lambda t: drop(get(get(t, 3)[0].sub, 4)[0].sub, 2), DESER),
        ('rm-test036-auth-version', samples['test036'][1],
         lambda t: drop(t[0].sub, 5), SIG),
    ]
    for name, data, fn, kind in cases:
        c.add(name + '.bc', edit(data, fn), kind)


def dup_field(fields, num, index=0, replace=None, first=False):
    """Insert a copy of a field (or `replace` bytes) after/before it."""
    f = get(fields, num)[index]
    copy = parse(encode([f]), f.mtype)[0]
    if replace is not None:
        copy.val, copy.sub = replace, None
    at = fields.index(f)
    fields.insert(at if first else at + 1, copy)


def gen_duplicated(c, samples):
    d1 = samples['test001'][1]
    zero_sig = bytes(64)

    def set_root_key_id(t):
        t[0:0] = parse(vi(1, 7) + vi(1, 9))

    cases = [
        ('dup-test001-authority', lambda t: dup_field(t, 2), OK),
        ('dup-test001-proof', lambda t: dup_field(t, 4), OK),
        ('dup-test001-auth-block', lambda t: dup_field(t[0].sub, 1), OK),
        ('dup-test001-auth-nextkey', lambda t: dup_field(t[0].sub, 2), OK),
        ('dup-test001-auth-sig', lambda t: dup_field(t[0].sub, 3), OK),
        ('dup-test001-auth-sig-bad-first',
         lambda t: dup_field(t[0].sub, 3, replace=zero_sig, first=True), OK),
        ('dup-test001-auth-sig-bad-last',
         lambda t: dup_field(t[0].sub, 3, replace=zero_sig), SIG),
        ('dup-test001-auth-key',
         lambda t: dup_field(get(t[0].sub, 2)[0].sub, 2), OK),
        ('dup-test001-auth-alg',
         lambda t: dup_field(get(t[0].sub, 2)[0].sub, 1), OK),
        ('dup-test001-block1', lambda t: dup_field(t, 3), SIG),
        ('dup-test001-root-key-id', set_root_key_id, OK),
        ('dup-test001-proof-secret',
         lambda t: dup_field(get(t, 4)[0].sub, 1), OK),
    ]
    for name, fn, kind in cases:
        c.add(name + '.bc', edit(d1, fn), kind)
    # authority given twice, the second time with block 1's fields: the
    # message is merged, so the root key must verify block 1: it cannot
    tree = parse(d1)
    other = parse(encode([get(tree, 3)[0]]))[0]
    other.num = 2
    tree.insert(1, other)
    c.add('dup-test001-authority-merged.bc', encode(tree), SIG)
    # Proof oneof: the last member wins
    tree = parse(d1)
    proof = get(tree, 4)[0]
    secret = get(proof.sub, 1)[0].val
    proof.sub = parse(ld(2, zero_sig) + ld(1, secret), 'Proof')
    c.add('dup-test001-proof-final-then-secret.bc', encode(tree), OK)
    proof.sub = parse(ld(1, secret) + ld(2, zero_sig), 'Proof')
    c.add('dup-test001-proof-secret-then-final.bc', encode(tree), SIG)


# ------------------------------------------------------- unknown fields

UNKNOWN = [
    ('varint', vi(15, 12345)),
    ('fixed64', tag(16, 1) + bytes(range(8))),
    ('len', ld(17, b'opaque bytes')),
    ('fixed32', tag(18, 5) + bytes(range(4))),
    ('field-2pow28-1', vi((1 << 28) - 1, 1)),
    ('empty-len', ld(19, b'')),
]


def gen_unknown(c, samples):
    for sid in ('test001', 'test024'):
        data = samples[sid][1]
        targets = [('top', lambda t: t),
                   ('signed', lambda t: t[0].sub),
                   ('pubkey', lambda t: get(t[0].sub, 2)[0].sub),
                   ('proof', lambda t: get(t, 4)[0].sub)]
        if sid == 'test024':
            targets = [('ext', lambda t: get(get(t, 3)[0].sub, 4)[0].sub)]
        for where, pick in targets:
            for what, raw in UNKNOWN:
                tree = parse(data)
                holder = pick(tree)
                mtype = holder[0].mtype
                holder.insert(len(holder) // 2, parse(raw, mtype)[0])
                c.add('unk-%s-%s-%s.bc' % (sid, where, what), encode(tree),
                      OK)
    data = samples['test001'][1]
    # a start group ... end group pair: groups are refused outright
    group = tag(20, 3) + vi(1, 1) + tag(20, 4)
    c.add('unk-test001-top-group.bc', data + group, DESER)
    c.add('unk-test001-field-0.bc', data + b'\x02\x00', DESER)
    c.add('unk-test001-wiretype-6.bc', data + b'\xa6\x01', DESER)
    c.add('unk-test001-wiretype-7.bc', data + b'\xa7\x01', DESER)
    # protobuf allows fields up to 2^29 - 1, but tags are kept to 31 bits
    # before protobuf-c sees them (its fifth tag byte is UB, issue #506)
    c.add('unk-test001-field-2pow28.bc', data + vi(1 << 28, 1), DESER,
          'tags over 31 bits refused (protobuf-c UB), fields < 2^28 only')
    c.add('unk-test001-field-2pow29-1.bc', data + vi((1 << 29) - 1, 1), DESER,
          'tags over 31 bits refused (protobuf-c UB), fields < 2^28 only')
    # inside the signed block bytes: the signature no longer matches
    tree = parse(data)
    auth_block = get(tree[0].sub, 1)[0]
    auth_block.val = auth_block.val + ld(17, b'unsigned')
    c.add('unk-test001-in-block-data.bc', encode(tree), SIG)


# ------------------------------------------------------ overlong varints

def raw_field(num, wt, payload_or_value, tag_bytes=None, len_bytes=None):
    t = tag_bytes if tag_bytes is not None else tag(num, wt)
    if wt == 0:
        return t + payload_or_value
    n = len_bytes if len_bytes is not None else varint(len(payload_or_value))
    return t + n + payload_or_value


def rebuild_key(alg_bytes, key):
    return raw_field(1, 0, alg_bytes) + ld(2, key)


def with_auth_key(data, keybytes):
    """Replace the authority's next-key message body with `keybytes`."""
    tree = parse(data)
    nk = get(tree[0].sub, 2)[0]
    nk.sub = None
    nk.val = keybytes
    return encode(tree)


def auth_key(data):
    return get(get(parse(data)[0].sub, 2)[0].sub, 2)[0].val


def gen_overlong(c, samples):
    d1 = samples['test001'][1]
    tree = parse(d1)
    auth = tree[0]
    body = encode(auth.sub)
    rest = encode(tree[1:])
    for n in (2, 3, 5):
        tb = overlong(2 << 3 | 2, n)
        c.add('ovl-test001-tag-%db.bc' % n, raw_field(2, 2, body, tb) + rest,
              OK)
    for n in (2, 5):
        lb = overlong(len(body), n)
        c.add('ovl-test001-len-%db.bc' % n,
              raw_field(2, 2, body, None, lb) + rest, OK)
    key = auth_key(d1)
    for n in (2, 10):
        c.add('ovl-test001-alg-%db.bc' % n,
              with_auth_key(d1, rebuild_key(overlong(0, n), key)), OK)
    c.add('ovl-test001-alg-11b.bc',
          with_auth_key(d1, rebuild_key(overlong(0, 11), key)), DESER)
    # enums are int32: 2^32 reads as 0 (Ed25519), 2^32 + 1 as 1 (P-256)
    c.add('ovl-test001-alg-2pow32.bc',
          with_auth_key(d1, rebuild_key(varint(1 << 32), key)), OK,
          'int32 truncation, as protobuf does')
    c.add('ovl-test001-alg-2pow32plus1.bc',
          with_auth_key(d1, rebuild_key(varint((1 << 32) + 1), key)), KEY)
    d36 = samples['test036'][1]
    tree = parse(d36)
    sub = [f for f in tree[0].sub if f.num != 5]   # version comes last
    auth_bytes = encode(sub) + raw_field(5, 0, overlong(1, 4))
    c.add('ovl-test036-version-4b.bc',
          ld(2, auth_bytes) + encode(tree[1:]), OK)


# ---------------------------------------------- lengths, enums, key sizes

def gen_lengths(c, samples):
    d1 = samples['test001'][1]
    tree = parse(d1)
    auth_body = encode(tree[0].sub)
    rest = encode(tree[1:])
    for label, lb in (('ffffffff', varint(0xffffffff)),
                      ('2pow64-1', varint((1 << 64) - 1)),
                      ('2pow31', varint(1 << 31))):
        c.add('len-test001-authority-%s.bc' % label,
              raw_field(2, 2, auth_body, None, lb) + rest, DESER)
    proof_body = encode(get(tree, 4)[0].sub)
    head = encode([f for f in tree if f.num != 4])
    c.add('len-test001-proof-ffffffff.bc',
          head + raw_field(4, 2, proof_body, None, varint(0xffffffff)), DESER)
    key = auth_key(d1)
    c.add('len-test001-key-ffffffff.bc',
          with_auth_key(d1, raw_field(1, 0, varint(0)) +
                        raw_field(2, 2, key, None, varint(0xffffffff))),
          DESER)


def set_key_msg(fields, alg_varint, key):
    """Replace a PublicKey message's contents."""
    fields[:] = parse(raw_field(1, 0, alg_varint) + ld(2, key), 'PublicKey')


def gen_algorithms(c, samples):
    cases = [('2', varint(2)), ('m1', varint(-1)),
             ('m1-5b', varint(0xffffffff)), ('1000', varint(1000))]
    for label, alg in cases:
        for sid, where in (('test001', 'auth'), ('test001', 'last'),
                           ('test024', 'ext')):
            tree = parse(samples[sid][1])
            if where == 'auth':
                pk = get(tree[0].sub, 2)[0]
            elif where == 'last':
                pk = get(blocks(tree)[-1].sub, 2)[0]
            else:
                pk = get(get(blocks(tree)[-1].sub, 4)[0].sub, 2)[0]
            key = get(pk.sub, 2)[0].val
            set_key_msg(pk.sub, alg, key)
            c.add('alg-%s-%s-%s.bc' % (sid, where, label), encode(tree),
                  DESER)


def gen_key_sizes(c, samples):
    def mutate(sid, where, alg, key):
        tree = parse(samples[sid][1])
        if where == 'auth':
            pk = get(tree[0].sub, 2)[0]
        else:
            pk = get(get(blocks(tree)[-1].sub, 4)[0].sub, 2)[0]
        set_key_msg(pk.sub, varint(alg), key)
        return encode(tree)

    for n in (0, 31, 33, 64, 65):
        c.add('key-test001-auth-ed25519-%d.bc' % n,
              mutate('test001', 'auth', 0, bytes([0x11] * n)), KEY_SIZE)
        c.add('key-test024-ext-ed25519-%d.bc' % n,
              mutate('test024', 'ext', 0, bytes([0x11] * n)), KEY_SIZE)
    for n, prefix in ((31, 2), (32, 2), (34, 2), (65, 4), (33, 4), (33, 0),
                      (33, 5)):
        c.add('key-test036-auth-p256-%d-%02x.bc' % (n, prefix),
              mutate('test036', 'auth', 1,
                     bytes([prefix]) + bytes([0x11] * (n - 1))), KEY)
    # the proof's secret has the size of the last key's algorithm
    for sid in ('test001', 'test036'):
        for n in (0, 31, 33, 64):
            tree = parse(samples[sid][1])
            sec = get(get(tree, 4)[0].sub, 1)[0]
            sec.val = bytes([0x22] * n)
            c.add('key-%s-secret-%d.bc' % (sid, n), encode(tree), KEY_SIZE)
    tree = parse(samples['test036'][1])
    sec = get(get(tree, 4)[0].sub, 1)[0]
    for label, v in (('zero', 0), ('n', P256_N), ('max', (1 << 256) - 1)):
        sec.val = v.to_bytes(32, 'big')
        c.add('key-test036-secret-%s.bc' % label, encode(tree), KEY)


def gen_signature_sizes(c, samples):
    for where in ('auth', 'block1'):
        for n in (0, 1, 63, 65, 128):
            tree = parse(samples['test001'][1])
            sb = blocks(tree)[0 if where == 'auth' else 1]
            get(sb.sub, 3)[0].val = bytes([0x33] * n)
            c.add('sig-test001-%s-%d.bc' % (where, n), encode(tree),
                  SIG_FORMAT)
    tree = parse(samples['test024'][1])
    ext = get(get(blocks(tree)[1].sub, 4)[0].sub, 1)[0]
    ext.val = ext.val[:63]
    c.add('sig-test024-ext-63.bc', encode(tree), SIG,
          'the block signature covers the external signature bytes')
    tree = parse(samples['test020'][1])
    get(get(tree, 4)[0].sub, 2)[0].val = bytes(63)
    c.add('sig-test020-final-63.bc', encode(tree), SIG_FORMAT)


def p256_variants(sig):
    """(label, new DER bytes, kind) for the P-256 signature `sig`."""
    r, s, _, _ = der_ints(sig)
    out = [('high-s', der_sig(r, P256_N - s), OK),
           ('r-zero', der_sig(0, s), SIG_FORMAT),
           ('s-zero', der_sig(r, 0), SIG_FORMAT),
           ('s-n', der_sig(r, P256_N), SIG_FORMAT),
           ('r-plus-n', der_sig(r + P256_N, s), SIG_FORMAT),
           ('trailing', sig + b'\0', SIG_FORMAT),
           ('s-plus-1', der_sig(r, s + 1 if s + 1 < P256_N else s - 1),
            SIG)]
    body = sig[2:]
    out.append(('long-form-len', b'\x30\x81' + bytes([len(body)]) + body,
                SIG_FORMAT))
    rl = sig[3]
    padded = b'\x02' + bytes([rl + 1]) + b'\0' + sig[4:4 + rl]
    body = padded + sig[4 + rl:]
    out.append(('r-padded', b'\x30' + bytes([len(body)]) + body, SIG_FORMAT))
    return out


def gen_p256(c, samples):
    """test036's last block is signed with P-256: (r, n - s) verifies too
    (perf-and-threats B1: revocation ids of P-256 blocks are malleable)."""
    for sid in ('test036', 'test037'):
        for label, der, kind in p256_variants(
                get(blocks(parse(samples[sid][1]))[1].sub, 3)[0].val):
            tree = parse(samples[sid][1])
            get(blocks(tree)[1].sub, 3)[0].val = der
            c.add('p256-%s-block1-%s.bc' % (sid, label), encode(tree), kind,
                  'malleable: high-S accepted' if label == 'high-s' else '')
    tree = parse(samples['test037'][1])
    ext = get(get(blocks(tree)[1].sub, 4)[0].sub, 1)[0]
    r, s, _, _ = der_ints(ext.val)
    ext.val = der_sig(r, P256_N - s)
    c.add('p256-test037-ext-high-s.bc', encode(tree), SIG,
          'the block signature covers the external signature bytes')


# ------------------------------------------------ chain-level surgery

def gen_chain(c, samples):
    # last block dropped, original proof kept: the proof no longer matches
    for sid in ('test001', 'test007', 'test013', 'test036'):
        tree = parse(samples[sid][1])
        tree.remove(get(tree, 3)[-1])
        c.add('chain-%s-drop-last.bc' % sid, encode(tree), SIG)
    # reordered blocks
    tree = parse(samples['test007'][1])
    b = get(tree, 3)
    i, j = tree.index(b[0]), tree.index(b[1])
    tree[i], tree[j] = tree[j], tree[i]
    c.add('chain-test007-swap.bc', encode(tree), SIG)
    # a block moved to the authority position
    tree = parse(samples['test001'][1])
    a, b1 = tree[0], get(tree, 3)[0]
    a.num, b1.num = 3, 2
    tree[0], tree[1] = b1, a
    c.add('chain-test001-block-as-authority.bc', encode(tree), SIG)
    # a block from another token spliced in
    t1 = parse(samples['test001'][1])
    t13 = parse(samples['test013'][1])
    t1[1] = get(t13, 3)[0]
    c.add('chain-test001-foreign-block.bc', encode(t1), OK,
          'v0 payloads bind a block to the key only; the samples share keys')
    # payload v1 binds the previous signature too (PREVSIG): test037's
    # block 1 is signed by the key test036's block 1 hands on, yet it
    # cannot follow it
    t36 = parse(samples['test036'][1])
    t37 = parse(samples['test037'][1])
    spliced = get(t36, 2) + get(t36, 3) + get(t37, 3) + get(t37, 4)
    c.add('chain-test036-foreign-block-v1.bc', encode(spliced), SIG,
          'same signing key, different PREVSIG')
    # the legacy third-party form: the external signature without the
    # payload version (v0 external signatures could be replayed)
    tree = parse(samples['test024'][1])
    drop(blocks(tree)[1].sub, 5)
    c.add('chain-test024-legacy-v0.bc', encode(tree), DESER,
          'Unsupported third party block version')
    tree = parse(samples['test024'][1])
    get(blocks(tree)[1].sub, 5)[0].val = 2
    c.add('chain-test024-version-2.bc', encode(tree), DESER)
    # an external signature on the authority block
    tree = parse(samples['test024'][1])
    tree[0].sub.append(parse(encode([get(blocks(tree)[1].sub, 4)[0]]),
                             'SignedBlock')[0])
    c.add('chain-test024-authority-external.bc', encode(tree), DESER)
    # a sealed token with a fresh block appended after the seal
    tree = parse(samples['test020'][1])
    tree.insert(2, parse(encode([get(tree, 3)[0]]))[0])
    c.add('chain-test020-append-after-seal.bc', encode(tree), SIG)


# ------------------------------------------------------- nesting, counts

def deep_block(depth):
    """Block bytes whose deepest message is at `depth` (Block is 0)."""
    cur = vi(2, 42)
    for d in range(depth, 3, -1):
        cur = ld(1 if (d - 3) % 2 == 0 else 9, cur)
    pred = vi(1, 1024) + ld(2, cur)
    return ld(1, b'sym') + vi(3, 3) + ld(4, ld(1, pred))


def gen_nesting(c, samples):
    """Unsigned deep blocks never reach the block decoder (signatures are
    checked first); as unknown envelope fields they are never entered."""
    d1 = samples['test001'][1]
    for depth in (100, 1000, 5000):
        tree = parse(d1)
        get(get(tree, 3)[0].sub, 1)[0].val = deep_block(depth)
        c.add('nest-test001-block-%04d.bc' % depth, encode(tree), SIG)
        c.add('nest-test001-unknown-%04d.bc' % depth,
              d1 + ld(21, deep_block(depth)), OK)


def gen_block_counts(c, samples):
    d1 = samples['test001'][1]
    tree = parse(d1)
    head, blk, proof = tree[0], get(tree, 3)[0], get(tree, 4)[0]
    for total, kind in ((64, SIG), (65, BLOCK_COUNT), (200, BLOCK_COUNT)):
        data = encode([head] + [blk] * (total - 1) + [proof])
        c.add('count-test001-%d-blocks.bc' % total, data, kind)


def gen_sizes(c, samples):
    d1 = samples['test001'][1]
    c.add('size-0.bc', b'', DESER)
    c.add('size-1.bc', b'\x12', DESER)
    for total, kind in ((65536, OK), (65537, TOKEN_SIZE)):
        # an unknown length-delimited field of the right size
        head = tag(22, 2)
        for hdr in range(1, 6):
            n = total - len(d1) - len(head) - hdr
            if len(varint(n)) == hdr:
                break
        data = d1 + head + varint(n) + bytes(n)
        assert len(data) == total
        c.add('size-%d.bc' % total, data, kind)
    c.add('size-1mib.bc', d1 + bytes((1 << 20) - len(d1)), TOKEN_SIZE)


def gen_junk(c):
    rng = random.Random(4242)
    for i, n in enumerate((1, 2, 7, 33, 100, 300, 1000, 4000)):
        data = bytes(rng.randrange(256) for _ in range(n))
        # keep it from starting like a well-formed authority field
        if data[0] in (0x08, 0x12, 0x1a, 0x22):
            data = b'\xff' + data[1:]
        c.add('junk-%02d-%04d.bc' % (i, n), data, 'Format')


def gen_samples(c, samples):
    for sid in sorted(samples):
        name, data, case = samples[sid]
        c.add('sample-' + name, data, decode_error(case))


# ------------------------------------------------------------------ main

def expected_text(c):
    lines = ['# Generated by tests/malformed/generate.py; do not edit.',
             '# <file> <expected kind prefix>  [# note]']
    table = dict(c.expect)
    table.update(SIGNED)
    for name in sorted(table):
        note = c.notes.get(name)
        lines.append('%s %s%s' % (name, table[name],
                                  '  # ' + note if note else ''))
    return '\n'.join(lines) + '\n'


def stale_files(c):
    """Corpus files that are not part of this corpus (nor signed)."""
    keep = {n for n, _ in SIGNED}
    if not os.path.isdir(CORPUS):
        return []
    return sorted(n for n in os.listdir(CORPUS)
                  if n.endswith('.bc') and n not in keep and
                  n not in c.files)


def write(c):
    os.makedirs(CORPUS, exist_ok=True)
    for old in stale_files(c):
        os.remove(os.path.join(CORPUS, old))
    for name, data in c.files.items():
        with open(os.path.join(CORPUS, name), 'wb') as f:
            f.write(data)
    with open(EXPECTED, 'w') as f:
        f.write(expected_text(c))


def check(c):
    """Compare with what is committed; returns the number of differences."""
    bad = ['extra: ' + n for n in stale_files(c)]
    for name, data in sorted(c.files.items()):
        path = os.path.join(CORPUS, name)
        if not os.path.exists(path):
            bad.append('missing: ' + name)
            continue
        with open(path, 'rb') as f:
            if f.read() != data:
                bad.append('differs: ' + name)
    try:
        with open(EXPECTED) as f:
            if f.read() != expected_text(c):
                bad.append('differs: expected.txt')
    except OSError:
        bad.append('missing: expected.txt')
    for line in bad:
        print(line)
    print('generated corpus is %s' %
          ('stale (run tests/malformed/generate.py)' if bad
           else 'up to date'))
    return len(bad)


def check_roundtrip(samples):
    for sid, (name, data, _) in samples.items():
        if encode(parse(data)) != data:
            sys.exit('%s does not re-encode byte for byte' % name)


def main():
    samples = load_samples()
    check_roundtrip(samples)
    c = Corpus()
    gen_samples(c, samples)
    gen_truncation(c, samples)
    gen_flips(c, samples)
    gen_removed(c, samples)
    gen_duplicated(c, samples)
    gen_unknown(c, samples)
    gen_overlong(c, samples)
    gen_lengths(c, samples)
    gen_algorithms(c, samples)
    gen_key_sizes(c, samples)
    gen_signature_sizes(c, samples)
    gen_p256(c, samples)
    gen_chain(c, samples)
    gen_nesting(c, samples)
    gen_block_counts(c, samples)
    gen_sizes(c, samples)
    gen_junk(c)
    if '--check' in sys.argv[1:]:
        sys.exit(1 if check(c) else 0)
    write(c)
    size = sum(len(d) for d in c.files.values())
    print('%d files (%d bytes) plus %d signed entries' %
          (len(c.files), size, len(SIGNED)))


if __name__ == '__main__':
    main()
