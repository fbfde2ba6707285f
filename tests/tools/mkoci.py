#!/usr/bin/env python3
"""mkoci.py SPEC.json OUTDIR: writes an OCI image layout from a small spec.

Used for the image rules' fixtures (checks/rules/*/fixtures/*/*.oci) and by
the end-to-end tests, which also build images with umoci and skopeo; this
one exists because fixtures must be exact and hostile layers (names with
"..", absolute paths, symlink loops, whiteouts) are easiest to write here.

Spec (every key optional):
  {"tag": "latest",
   "platform": "linux/amd64",
   "config": {"User": "app", "Env": ["A=b"], "Healthcheck": {...}, ...},
   "history": ["USER app", "/bin/sh -c apt-get update", ...],
   "layers": [{"compress": "gzip" | "zstd" | "none",
               "files": [{"path": "etc/passwd", "content": "...",
                          "mode": "0644", "uid": 0, "gid": 0,
                          "type": "file" | "dir" | "symlink" | "hardlink",
                          "link": "target"}],
               "tar": "layer.tar"        (a ready-made tar instead of files)
               "truncate": 100}],        (cut bytes off the compressed blob
                                          before its digest is taken)
   "index": true}                        (index.json points at an OCI index
                                          that names the manifest with its
                                          platform, as multi-platform
                                          images do)

Whiteouts are files named ".wh.NAME" (and ".wh..wh..opq"), as in layers.
Output is deterministic (fixed mtimes, sorted JSON), so fixtures are stable.
"""
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile


def blob(out, data):
    d = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(out, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d


def layer_tar(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for f in files:
            ti = tarfile.TarInfo(f["path"])
            ti.mtime = 1700000000
            ti.mode = int(str(f.get("mode", "0644")), 8)
            ti.uid = f.get("uid", 0)
            ti.gid = f.get("gid", 0)
            kind = f.get("type", "file")
            data = f.get("content", "").encode()
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
            elif kind == "symlink":
                ti.type = tarfile.SYMTYPE
                ti.linkname = f["link"]
                t.addfile(ti)
            elif kind == "hardlink":
                ti.type = tarfile.LNKTYPE
                ti.linkname = f["link"]
                t.addfile(ti)
            else:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def compress(data, how):
    if how == "gzip":
        return gzip.compress(data, mtime=0), "+gzip"
    if how == "zstd":
        z = subprocess.run(["zstd", "-q", "-c"], input=data, check=True,
                           stdout=subprocess.PIPE).stdout
        return z, "+zstd"
    return data, ""


def main():
    spec = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    plat = spec.get("platform", "linux/amd64").split("/")
    layers, diff_ids = [], []
    for l in spec.get("layers", []):
        if "tar" in l:
            raw = open(os.path.join(os.path.dirname(sys.argv[1]), l["tar"]),
                       "rb").read()
        else:
            raw = layer_tar(l.get("files", []))
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        data, suffix = compress(raw, l.get("compress", "gzip"))
        if l.get("truncate"):
            data = data[:-l["truncate"]]
        layers.append({"mediaType":
                       "application/vnd.oci.image.layer.v1.tar" + suffix,
                       "digest": blob(out, data), "size": len(data)})
    config = {"created": "2026-01-01T00:00:00Z", "architecture": plat[1],
              "os": plat[0], "config": spec.get("config", {}),
              "rootfs": {"type": "layers", "diff_ids": diff_ids},
              "history": [{"created": "2026-01-01T00:00:00Z",
                           "created_by": h} for h in spec.get("history", [])]}
    if len(plat) > 2:
        config["variant"] = plat[2]
    cdata = json.dumps(config, sort_keys=True).encode()
    manifest = {"schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType":
                           "application/vnd.oci.image.config.v1+json",
                           "digest": blob(out, cdata), "size": len(cdata)},
                "layers": layers}
    mdata = json.dumps(manifest, sort_keys=True).encode()
    top = {"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "digest": blob(out, mdata), "size": len(mdata)}
    if spec.get("index"):
        p = {"os": plat[0], "architecture": plat[1]}
        if len(plat) > 2:
            p["variant"] = plat[2]
        idata = json.dumps({"schemaVersion": 2, "mediaType":
                            "application/vnd.oci.image.index.v1+json",
                            "manifests": [dict(top, platform=p)]},
                           sort_keys=True).encode()
        top = {"mediaType": "application/vnd.oci.image.index.v1+json",
               "digest": blob(out, idata), "size": len(idata)}
    top["annotations"] = {"org.opencontainers.image.ref.name":
                          spec.get("tag", "latest")}
    index = {"schemaVersion": 2, "manifests": [top]}
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f, sort_keys=True)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


if __name__ == "__main__":
    main()
