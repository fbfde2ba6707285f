#!/usr/bin/env python3
"""gen_image.py --mib N --out DIR [--layers K] [--seed S]: a synthetic image.

Writes an OCI image layout of about N MiB of uncompressed layer content,
shaped like application images: K gzip layers (default 5), each with
thousands of small files (text-like, compressible as source and docs are,
1-24 KiB) in a directory tree, and a few large files (binary-like, 8-64 MiB,
half random bytes, as shared libraries and models are). The first layer
also holds what the checks read: /etc/passwd, /etc/group, /etc/shadow,
/etc/os-release and a dpkg status of 400 packages. A later layer deletes
some files of earlier ones (whiteouts). Deterministic for a seed.

Layers are written as tar streams piped through `gzip -6` (Docker's level),
so generating 1 GiB takes about a minute.
"""
import argparse
import hashlib
import io
import json
import os
import random
import subprocess
import tarfile

WORDS = ("the of and to in is for on with as by that it from this be are "
         "config server client request response error value return int "
         "const static struct void char size len buf data file path name "
         "type mode user group list map key string bytes read write open "
         "close func package import module class def self none true false"
         ).split()


def text(rng, n):
    out, size = [], 0
    while size < n:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))
        out.append(line)
        size += len(line) + 1
    return ("\n".join(out)[:n]).encode()


def binary(rng, n):
    # Half random, half a repeated pattern: compresses about 2:1.
    half = n // 2
    return rng.randbytes(half) + (b"\x00\x01\x02\x03ELF" * (n // 8 + 1))[:n - half]


def add(t, path, data, mode=0o644, uid=0):
    ti = tarfile.TarInfo(path)
    ti.size, ti.mode, ti.mtime, ti.uid, ti.gid = len(data), mode, 1700000000, uid, uid
    t.addfile(ti, io.BytesIO(data))


def base_files(t, rng):
    add(t, "etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"
        b"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
        b"app:x:10001:10001::/home/app:/usr/sbin/nologin\n")
    add(t, "etc/group", b"root:x:0:\napp:x:10001:\n")
    add(t, "etc/shadow", b"root:*:19000:0:99999:7:::\napp:!:19000::::::\n", 0o640)
    add(t, "etc/os-release", b'ID=debian\nVERSION_ID="12"\n'
        b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
    st = []
    for i in range(400):
        st.append(f"Package: pkg{i}\nStatus: install ok installed\n"
                  f"Priority: optional\nSection: libs\nInstalled-Size: {rng.randint(10, 9000)}\n"
                  f"Maintainer: Debian <debian@example.org>\nArchitecture: amd64\n"
                  f"Source: src{i // 3}\nVersion: 1.{i}.{rng.randint(0, 9)}-1\n"
                  f"Description: package {i}\n {text(rng, 200).decode()}\n")
    add(t, "var/lib/dpkg/status", "\n".join(st).encode())
    add(t, "usr/bin/passwd", b"\x7fELF" + rng.randbytes(4000), 0o4755)


def layer(path, idx, budget, rng):
    """Writes layer idx (about budget bytes of content) gzipped to path;
    returns (digest, size, diff_id, bytes of content)."""
    gz = open(path + ".tmp", "wb")
    proc = subprocess.Popen(["gzip", "-6", "-n", "-c"], stdin=subprocess.PIPE,
                            stdout=gz)
    raw = hashlib.sha256()

    class Tee:
        def write(self, b):
            raw.update(b)
            proc.stdin.write(b)
            return len(b)

    written = 0
    with tarfile.open(fileobj=Tee(), mode="w|", format=tarfile.PAX_FORMAT) as t:
        if idx == 0:
            base_files(t, rng)
        if idx > 0:
            # Delete some of the previous layer's files.
            for j in range(20):
                add(t, f"srv/l{idx - 1}/d{j}/.wh.f{j}.txt", b"")
        large = budget // 3
        while large > 0:
            n = min(large, rng.randint(8, 64) << 20)
            add(t, f"opt/l{idx}/big{large}.bin", binary(rng, n))
            written += n
            large -= n
        d = 0
        while written < budget:
            for f in range(50):
                n = rng.randint(1, 24) << 10
                add(t, f"srv/l{idx}/d{d}/f{f}.txt", text(rng, n))
                written += n
            d += 1
    proc.stdin.close()
    proc.wait()
    gz.close()
    h = hashlib.sha256()
    with open(path + ".tmp", "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    size = os.path.getsize(path + ".tmp")
    return "sha256:" + h.hexdigest(), size, "sha256:" + raw.hexdigest(), written


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--layers", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    blobs = os.path.join(a.out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    layers, diffs, total = [], [], 0
    for i in range(a.layers):
        tmp = os.path.join(a.out, f"layer{i}")
        dg, size, diff, n = layer(tmp, i, (a.mib << 20) // a.layers, rng)
        os.rename(tmp + ".tmp", os.path.join(blobs, dg[7:]))
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": dg, "size": size})
        diffs.append(diff)
        total += n

    def blob(b):
        d = hashlib.sha256(b).hexdigest()
        with open(os.path.join(blobs, d), "wb") as f:
            f.write(b)
        return "sha256:" + d, len(b)

    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "config": {"User": "app"},
                      "rootfs": {"type": "layers", "diff_ids": diffs},
                      "history": [{"created_by": "COPY . /srv # buildkit"}
                                  for _ in layers]}).encode()
    cd, cs = blob(cfg)
    man = json.dumps({"schemaVersion": 2,
                      "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                 "digest": cd, "size": cs},
                      "layers": layers}).encode()
    md, ms = blob(man)
    with open(os.path.join(a.out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json",
             "digest": md, "size": ms,
             "annotations": {"org.opencontainers.image.ref.name": "bench"}}]}, f)
    with open(os.path.join(a.out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    print(f"{total >> 20} MiB of content in {len(layers)} layers, "
          f"{sum(l['size'] for l in layers) >> 20} MiB compressed")


if __name__ == "__main__":
    main()
