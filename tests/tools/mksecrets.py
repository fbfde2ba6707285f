#!/usr/bin/env python3
"""mksecrets: planted-secret corpora for fourc's secret detectors.

    mksecrets.py pack   [--pack YAML] [--seed N] --out DIR
    mksecrets.py corpus [--pack YAML] [--seed N] --size 1G --out DIR

pack: for every detector of the pack, DIR/planted/<id>.txt holds near-miss
negatives and then one planted positive: a random value in the detector's
format that passes its entropy, allow and stopword filters. The negatives
next to it are the documented example value where there is one (else the
value with EXAMPLE written into it), a placeholder (the format with 'x'
runs), the value one character too short, the value with one character out
of its alphabet, a UUID and a SHA-256. DIR/manifest.json records, for each
positive, the file, line and column (1-based, bytes) of the secret, the
detector id and the secret itself (this is test data), and for each
negative its file, line, kind and text.

corpus: about SIZE bytes of source-like files (Python, JavaScript, Go, YAML,
JSON, shell, .env) under DIR/src/, with a few planted secrets at known
positions (every detector once, then an AWS access key id with its secret
key, as credentials files, .env and JSON hold them, per 2 MiB), recorded in
DIR/manifest.json (outside src/: scan DIR/src) the same way.

Both are deterministic for a seed. Only the Python standard library and
PyYAML are needed.
"""

import argparse
import hashlib
import json
import os
import random
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import secretpack as sp  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PACK = os.path.join(HERE, "..", "..", "collectors", "secret", "detectors.yaml")

# Values the providers publish in their documentation: never a finding.
EXAMPLES = {
    "aws-access-key-id": "AKIAIOSFODNN7EXAMPLE",
    "aws-secret-access-key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "aws-secret-access-key-json": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "gcp-api-key": "AIzaSyabcdefghijklmnopqrstuvwxyz1234567",
    "stripe-test-key": "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
}
# Detectors whose format is a literal prefix and a UUID: prefix+UUID is a
# positive, not a near miss.
UUID_FORMAT = {"plaid-access-token", "launchdarkly-key", "hubspot-private-app-token",
               "aws-mws-auth-token"}
OUTSIDE = ["!", "#", "%", "^", "~", "|", "*", "&", "@", "?", "(", " "]


def _b64(rng, n):
    import base64
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(n))).decode()


def _b64url(data):
    import base64
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _pem_body(rng):
    b = _b64(rng, rng.randint(600, 1200))
    return "\n".join(b[i:i + 64] for i in range(0, len(b), 64)) + "\n"


def _jwt(rng, payload=None):
    hdr = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    if payload is None:
        payload = {"sub": str(rng.getrandbits(40)), "name": "svc-%06x" % rng.getrandbits(24),
                   "iat": 1700000000 + rng.randint(0, 10 ** 7)}
    body = _b64url(json.dumps(payload, separators=(",", ":")).encode())
    sig = _b64url(bytes(rng.getrandbits(8) for _ in range(32)))
    return hdr + "." + body + "." + sig


def _k8s_token(rng):
    hdr = _b64url(json.dumps({"alg": "RS256", "kid": "%032x" % rng.getrandbits(128)},
                             separators=(",", ":")).encode())
    ns, sa = "apps", "deployer-%04x" % rng.getrandbits(16)
    payload = {"iss": "kubernetes/serviceaccount",
               "kubernetes.io/serviceaccount/namespace": ns,
               "kubernetes.io/serviceaccount/service-account.name": sa,
               "kubernetes.io/serviceaccount/service-account.uid": str(uuid.UUID(int=rng.getrandbits(128))),
               "sub": "system:serviceaccount:%s:%s" % (ns, sa)}
    body = _b64url(json.dumps(payload, separators=(",", ":")).encode())
    sig = _b64url(bytes(rng.getrandbits(8) for _ in range(256)))
    return hdr + "." + body + "." + sig


# Realistic secret-group values where the pattern alone would give a valid
# but unlikely-looking one (PEM bodies wrapped at 64, JWTs of real JSON).
OVERRIDES = {
    "private-key-rsa": _pem_body, "private-key-ec": _pem_body, "private-key-dsa": _pem_body,
    "private-key-openssh": _pem_body, "private-key-pkcs8": _pem_body,
    "private-key-pkcs8-encrypted": _pem_body, "private-key-pgp": _pem_body,
    "private-key-ssh2": _pem_body, "jwt": _jwt, "kubernetes-service-account-token": _k8s_token,
}


def positive(det, rng):
    return sp.sample(det, rng, "rand", OVERRIDES.get(det.id))


def _replace(sample, start, end, new):
    t = sample.text
    return t[:start] + new + t[end:]


def negatives(det, rng, pos):
    """[(kind, text)] near misses for det, built from its format without
    running its pattern."""
    out = []
    s0, s1 = pos.span
    secret = pos.secret
    # documented example / EXAMPLE written into the value
    if det.id in EXAMPLES:
        out.append(("example", _replace(pos, s0, s1, EXAMPLES[det.id])))
    elif pos.runs:
        a, b, chars, _lo = max(pos.runs, key=lambda r: r[1] - r[0])
        for word in ("EXAMPLE", "example", "Example"):
            if b - a >= len(word) and all(c in chars for c in word):
                mid = a + (b - a - len(word)) // 2
                out.append(("example", pos.text[:mid] + word + pos.text[mid + len(word):]))
                break
    # placeholder
    ph = sp.sample(det, rng, "ph")
    out.append(("placeholder", ph.text))
    # one too short / one out of the alphabet, at minimum lengths
    mn = sp.sample(det, rng, "min")
    runs = [r for r in mn.runs if r[3] > 0 and r[1] - r[0] == r[3]]
    if runs:
        a, b, chars, _lo = max(runs, key=lambda r: r[1] - r[0])
        out.append(("short", mn.text[:b - 1] + mn.text[b:]))
        bad = next((c for c in OUTSIDE if c not in chars), None)
        if bad is not None:
            mid = a + (b - a) // 2
            out.append(("charset", mn.text[:mid] + bad + mn.text[mid + 1:]))
    # a UUID and a hash
    u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    prefix = ""
    if pos.runs and pos.runs[0][0] - s0 >= 2:
        prefix = secret[:pos.runs[0][0] - s0]
    if prefix and det.id not in UUID_FORMAT and "\n" not in prefix:
        out.append(("uuid", _replace(pos, s0, s1, prefix + u)))
    else:
        out.append(("uuid", 'request_id = "%s"' % u))
    h = hashlib.sha256(str(rng.getrandbits(64)).encode()).hexdigest()
    out.append(("hash", "sha256: %s" % h))
    return out


def line_col(text, off):
    line = text.count("\n", 0, off) + 1
    col = off - (text.rfind("\n", 0, off) + 1) + 1
    return line, col


def gen_pack(pack, seed, out):
    rng = random.Random(seed)
    dets = [sp.Detector(d) for d in pack]
    os.makedirs(os.path.join(out, "planted"), exist_ok=True)
    man = {"seed": seed, "kind": "pack", "positives": [], "negatives": []}
    for det in dets:
        r = random.Random("%d:%s" % (seed, det.id))
        pos = positive(det, r)
        negs = negatives(det, r, pos)
        rel = "planted/%s.txt" % det.id
        parts = ["# fourc planted corpus: detector %s (near misses, then the positive)" % det.id]
        neg_at = []
        for kind, text in negs:
            parts.append("")
            start = len("\n".join(parts)) + 1
            parts.append(text)
            neg_at.append((kind, text, start))
        parts.append("")
        start = len("\n".join(parts)) + 1
        parts.append(pos.text)
        body = "\n".join(parts) + "\n"
        off = start + pos.span[0]
        assert body[off:off + len(pos.secret)] == pos.secret
        line, col = line_col(body, off)
        with open(os.path.join(out, rel), "w", encoding="utf-8", newline="") as f:
            f.write(body)
        man["positives"].append({
            "detector": det.id, "file": rel, "line": line, "column": col,
            "offset": off, "length": len(pos.secret), "secret": pos.secret,
            "sha256": hashlib.sha256(pos.secret.encode()).hexdigest(),
            "match": pos.text})
        for kind, text, st in neg_at:
            nl, _ = line_col(body, st)
            man["negatives"].append({"detector": det.id, "file": rel, "line": nl,
                                     "offset": st, "kind": kind, "text": text})
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    return man


# --- the benchmark corpus ---------------------------------------------------

WORDS = ("account order item user cart price total count index name value result "
         "config client server request response handler session cache queue worker "
         "payload event stream buffer record entry status error message report metric "
         "invoice product customer address region service cluster node pod volume "
         "shipment catalog search filter page limit offset batch retry timeout").split()


def _ident(rng):
    a, b = rng.choice(WORDS), rng.choice(WORDS)
    return a + "_" + b if rng.random() < 0.5 else a + b.capitalize()


def _pool(rng, n):
    """n benign source lines per language, no credential-shaped values."""
    langs = {
        "py": [
            lambda: "def %s(%s, %s=None):" % (_ident(rng), _ident(rng), _ident(rng)),
            lambda: "    %s = %s.get(%r, %d)" % (_ident(rng), _ident(rng), rng.choice(WORDS), rng.randint(0, 999)),
            lambda: "    for %s in %s:" % (rng.choice(WORDS), _ident(rng)),
            lambda: "        if %s > %d:" % (_ident(rng), rng.randint(1, 10000)),
            lambda: "            return %s(%s)" % (_ident(rng), _ident(rng)),
            lambda: "    # %s the %s before the %s" % (rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS)),
            lambda: "import %s" % rng.choice(["os", "sys", "json", "logging", "re", "time", "typing"]),
            lambda: "    logger.info(\"%s %%s\", %s)" % (rng.choice(WORDS), _ident(rng)),
            lambda: "",
        ],
        "js": [
            lambda: "const %s = require('%s');" % (_ident(rng), rng.choice(WORDS)),
            lambda: "function %s(%s, %s) {" % (_ident(rng), _ident(rng), _ident(rng)),
            lambda: "  const %s = %s.map((x) => x.%s);" % (_ident(rng), _ident(rng), rng.choice(WORDS)),
            lambda: "  if (%s.length > %d) { return %s; }" % (_ident(rng), rng.randint(1, 500), _ident(rng)),
            lambda: "  console.log(`%s ${%s}`);" % (rng.choice(WORDS), _ident(rng)),
            lambda: "}",
            lambda: "export default %s;" % _ident(rng),
            lambda: "",
        ],
        "go": [
            lambda: "func %s(%s int) (%s, error) {" % (_ident(rng).replace("_", ""), rng.choice(WORDS), rng.choice(WORDS)),
            lambda: "\t%s := %s.%s(ctx, %d)" % (rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS).capitalize(), rng.randint(0, 99)),
            lambda: "\tif err != nil {",
            lambda: "\t\treturn nil, fmt.Errorf(\"%s: %%w\", err)" % rng.choice(WORDS),
            lambda: "\t}",
            lambda: "}",
            lambda: "// %s %s the %s." % (_ident(rng), rng.choice(WORDS), rng.choice(WORDS)),
            lambda: "",
        ],
        "yaml": [
            lambda: "%s:" % rng.choice(WORDS),
            lambda: "  %s: %s" % (rng.choice(WORDS), rng.choice(WORDS)),
            lambda: "  %s: %d" % (rng.choice(WORDS), rng.randint(0, 65535)),
            lambda: "  - name: %s-%s" % (rng.choice(WORDS), rng.choice(WORDS)),
            lambda: "    image: registry.local/%s:%d.%d" % (rng.choice(WORDS), rng.randint(1, 9), rng.randint(0, 30)),
            lambda: "    uid: %s" % uuid.UUID(int=rng.getrandbits(128), version=4),
        ],
        "json": [
            lambda: "  {\"%s\": \"%s\", \"%s\": %d}," % (rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS), rng.randint(0, 10 ** 6)),
            lambda: "  {\"id\": \"%s\", \"%s\": true}," % (uuid.UUID(int=rng.getrandbits(128), version=4), rng.choice(WORDS)),
            lambda: "  {\"sha\": \"%040x\", \"%s\": null}," % (rng.getrandbits(160), rng.choice(WORDS)),
        ],
    }
    pools = {}
    for ext, makers in langs.items():
        pools[ext] = [rng.choice(makers)() for _ in range(n)]
    return pools


def parse_size(s):
    s = s.strip().upper()
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if s and s[-1] in mult:
        return int(float(s[:-1]) * mult[s[-1]])
    return int(s)


def _aws_pair(rng, aws, aws_s):
    """An access key id and its secret as a credentials file or .env has them."""
    while True:
        kid = "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
        sec = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
                      for _ in range(40))
        if aws.why_not(kid) is None and aws_s.why_not(sec) is None:
            break
    style = rng.randrange(3)
    if style == 0:
        a, b = "aws_access_key_id = ", "aws_secret_access_key = "
    elif style == 1:
        a, b = "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="
    else:
        a, b = '    "aws_access_key_id": "', '    "aws_secret_access_key": "'
    l1 = a + kid + ('",' if style == 2 else "")
    l2 = b + sec + ('"' if style == 2 else "")
    block = l1 + "\n" + l2
    return block, [(len(a), aws.id, kid), (len(l1) + 1 + len(b), aws_s.id, sec)]


def gen_corpus(pack, seed, size, out):
    rng = random.Random(seed)
    dets = [sp.Detector(d) for d in pack]
    pools = _pool(rng, 4000)
    exts = list(pools)
    src = os.path.join(out, "src")
    os.makedirs(src, exist_ok=True)
    # what to plant: every detector once, then AWS key pairs
    plants = []
    for det in dets:
        plants.append(det)
    aws = next(d for d in dets if d.id == "aws-access-key-id")
    aws_s = next(d for d in dets if d.id == "aws-secret-access-key")
    for i in range(max(8, size // (2 << 20))):  # an AWS key pair per 2 MiB
        plants.append(aws)
    # files of 64 KiB .. 1 MiB
    sizes = []
    total = 0
    while total < size:
        n = min(rng.randint(64 << 10, 1 << 20), size - total)
        n = max(n, 256)
        sizes.append(n)
        total += n
    where = {}
    for i, det in enumerate(plants):
        where.setdefault(rng.randrange(len(sizes)), []).append((i, det))
    avg = {ext: sum(len(x) + 1 for x in pool) / len(pool) for ext, pool in pools.items()}
    man = {"seed": seed, "kind": "corpus", "bytes": 0, "files": len(sizes),
           "positives": []}
    written = 0
    for fi, n in enumerate(sizes):
        ext = exts[fi % len(exts)]
        rel = "src/d%03d/f%05d.%s" % (fi // 100, fi, ext)
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        body_lines = rng.choices(pools[ext], k=max(1, int(n / avg[ext])))
        if ext == "json":
            body_lines = ["["] + body_lines + ['  {"end": true}', "]"]
        planted = []
        for i, det in where.get(fi, []):
            r = random.Random("%d:%s:%d" % (seed, det.id, i))
            if i >= len(dets):
                block, secrets = _aws_pair(r, aws, aws_s)
            else:
                pos = positive(det, r)
                block, secrets = pos.text, [(pos.span[0], det.id, pos.secret)]
            at = rng.randrange(1, len(body_lines))
            body_lines[at:at] = ["", block, ""]
            planted.append((block, secrets))
        text = "\n".join(body_lines) + "\n"
        if planted:
            starts = [0]
            for ln in body_lines:
                starts.append(starts[-1] + len(ln) + 1)
            for block, secrets in planted:
                idx = body_lines.index(block)
                for boff, did, secret in secrets:
                    off = starts[idx] + boff
                    assert text[off:off + len(secret)] == secret
                    line, col = line_col(text, off)
                    bl, _ = line_col(text, starts[idx])
                    man["positives"].append({
                        "detector": did, "file": rel, "line": line, "column": col,
                        "block_line": bl, "end_line": line + secret.count("\n"),
                        "offset": off, "length": len(secret), "secret": secret,
                        "sha256": hashlib.sha256(secret.encode()).hexdigest()})
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        written += len(text.encode())
    man["bytes"] = written
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    return man


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["pack", "corpus"])
    ap.add_argument("--pack", default=DEFAULT_PACK)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--size", default="1G")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    pack = sp.load(a.pack)
    if a.mode == "pack":
        man = gen_pack(pack, a.seed, a.out)
        print("mksecrets: %d positives, %d negatives in %s" %
              (len(man["positives"]), len(man["negatives"]), a.out))
    else:
        man = gen_corpus(pack, a.seed, parse_size(a.size), a.out)
        print("mksecrets: %d bytes in %d files, %d planted secrets in %s" %
              (man["bytes"], man["files"], len(man["positives"]), a.out))


if __name__ == "__main__":
    main()
