#!/usr/bin/env python3
"""Convert a directory of multi-document YAML manifests into JSON files
holding one `kind: List` each, one item per line (json.dumps' default
separators; the 100k cluster becomes ~300 MB, as in issue 10's figures).

    benchmarks/yaml2jsonlist.py SRC_DIR DST_DIR

Every SRC_DIR/**/X.yaml becomes DST_DIR/**/X.json. Used for the JSON figures
of benchmarks/RESULTS.md (the 100k cluster from gen_cluster.py --seed 1).
Timestamps and other scalars keep their YAML 1.1 resolution (PyYAML), which
is what go-yaml v2 does for these generated files.
"""
import json
import os
import sys

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def plain(v):
    # datetime and date values (unquoted timestamps) back to their text
    if hasattr(v, "isoformat"):
        return v.isoformat()
    raise TypeError(type(v).__name__)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip())
    src, dst = sys.argv[1], sys.argv[2]
    n = 0
    for top, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith((".yaml", ".yml")):
                continue
            with open(os.path.join(top, name), encoding="utf-8") as f:
                docs = [d for d in yaml.load_all(f, Loader=Loader) if d is not None]
            out_dir = os.path.join(dst, os.path.relpath(top, src))
            os.makedirs(out_dir, exist_ok=True)
            out = os.path.join(out_dir, os.path.splitext(name)[0] + ".json")
            with open(out, "w", encoding="utf-8") as f:
                f.write('{"apiVersion": "v1", "kind": "List", "items": [\n')
                f.write(",\n".join(json.dumps(d, ensure_ascii=False, default=plain)
                                    for d in docs))
                f.write("\n]}\n")
            n += 1
    print(f"{n} files written under {dst}", file=sys.stderr)


if __name__ == "__main__":
    main()
