#!/usr/bin/env python3
"""mkbomb.py OUTDIR COMPRESS SIZE[,SIZE...]: an OCI image layout whose
layers decompress to SIZE bytes each (K, M, G suffixes: powers of 1024)
while their blobs stay small: each is a valid tar of one file of zeros,
compressed as gzip members or zstd frames of 64 MiB of zeros repeated, so
a 20 GiB layer is a blob of about 20 MB (gzip) or 20 KB (zstd) that is
written in a second. COMPRESS is gzip or zstd (the zstd(1) tool makes the
frames). The tag is "bomb". Layer i holds the file "big<i>". Layers up to
1 GiB get their real diff_id in the config; bigger ones a made-up one
(hashing 20 GiB of zeros takes long; a reader stopped by a limit never
gets to check it, and one that reads the whole layer fails on it).
"""
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tarfile

CHUNK = 64 << 20


def size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(s[-1:].upper(), 1)
    return int(s[:-1] if mult > 1 else s) * mult


def compress(kind, data):
    if kind == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, check=True,
                          stdout=subprocess.PIPE).stdout


def blob(out, data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)


def diff_id(head, zeros, i):
    if zeros > (1 << 30):
        return "sha256:" + hashlib.sha256(b"bomb %d" % i).hexdigest()
    h = hashlib.sha256(head)
    block = b"\0" * (1 << 20)
    while zeros > 0:
        h.update(block[:min(zeros, len(block))])
        zeros -= len(block)
    return "sha256:" + h.hexdigest()


def layer(out, kind, i, n, zero_chunk, zero_tail):
    """Layer i: a tar of one file "big<i>" of n bytes (n a multiple of 512)."""
    ti = tarfile.TarInfo("big%d" % i)
    ti.size = n
    ti.mtime = 1700000000
    head = ti.tobuf(format=tarfile.GNU_FORMAT)
    # The file's zeros, then the end-of-archive blocks, are all zeros.
    zeros = n + 1024
    parts = [compress(kind, head)]
    parts += [zero_chunk] * (zeros // CHUNK)
    if zeros % CHUNK:
        parts.append(zero_tail(zeros % CHUNK))
    path = os.path.join(out, "blobs", "sha256", ".layer")
    h = hashlib.sha256()
    total = 0
    with open(path, "wb") as f:
        for p in parts:
            f.write(p)
            h.update(p)
            total += len(p)
    digest = "sha256:" + h.hexdigest()
    os.rename(path, os.path.join(out, "blobs", "sha256", digest[7:]))
    return digest, total, diff_id(head, zeros, i)


def main():
    out, kind, sizes = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    chunk = compress(kind, b"\0" * CHUNK)
    layers, diff_ids = [], []
    for i, s in enumerate(sizes):
        n = (size(s) + 511) // 512 * 512
        d, ln, di = layer(out, kind, i, n, chunk,
                          lambda m: compress(kind, b"\0" * m))
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+" + kind,
                       "digest": d, "size": ln})
        diff_ids.append(di)
    config = {"architecture": "amd64", "os": "linux",
              "config": {"User": "1000"},
              "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    cd, cl = blob(out, json.dumps(config, sort_keys=True).encode())
    manifest = {"schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": cd, "size": cl},
                "layers": layers}
    md, ml = blob(out, json.dumps(manifest, sort_keys=True).encode())
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json",
             "digest": md, "size": ml,
             "annotations": {"org.opencontainers.image.ref.name": "bomb"}}]}, f)
    for l in layers:
        print(l["digest"])


if __name__ == "__main__":
    main()
