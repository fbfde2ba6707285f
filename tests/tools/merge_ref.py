#!/usr/bin/env python3
"""merge_ref.py: YAML merge keys, fourc against a reference resolver.

The reference decodes PyYAML's composed nodes (anchors already shared,
no merging done; PyYAML's own merge differs) the way go-yaml v2 decodes a
mapping into a map, which is what sigs.k8s.io/yaml and so kubectl do:

- keys are processed in document order; "<<" (plain, or tagged !!merge)
  decodes its value into the map being built, so it overrides the keys
  before it, and the keys after it override it;
- a sequence value is decoded last element first, so the first mapping
  that has a key wins;
- anything but a mapping, an alias of one or a sequence of those is an
  error.

fourc adds one rule of its own: a key written twice in one mapping is an
error (an auditor must not guess which counted), merges aside.

Generates a seeded corpus of documents full of merges, runs fourc's reader
on it (tests/tools/yjdump, both with and without the fast path) and prints
TAP lines. Usage: merge_ref.py YJDUMP WORKDIR [COUNT] [SEED]
"""
import json
import os
import random
import subprocess
import sys

import yaml

MERGE_TAG = "tag:yaml.org,2002:merge"


class RefError(Exception):
    pass


def scalar(node):
    if node.style is None or node.style == "":
        v = node.value
        if v.isdigit():
            return int(v)
        if v in ("true", "false"):
            return v == "true"
        if v in ("", "~", "null"):
            return None
    return node.value


def is_merge(k):
    return (isinstance(k, yaml.ScalarNode) and k.value == "<<"
            and k.tag == MERGE_TAG)


def merge(v, out):
    if isinstance(v, yaml.MappingNode):
        mapping(v, out)
    elif isinstance(v, yaml.SequenceNode):
        for el in v.value:
            if not isinstance(el, yaml.MappingNode):
                raise RefError("merge element is not a mapping")
        for el in reversed(v.value):
            mapping(el, out)
    else:
        raise RefError("merge value is not a mapping")


def mapping(node, out):
    explicit = set()
    for k, v in node.value:
        if is_merge(k):
            merge(v, out)
            continue
        if not isinstance(k, yaml.ScalarNode):
            raise RefError("complex key")
        if k.tag == MERGE_TAG:
            raise RefError("!!merge on another key")
        if k.value in explicit:
            raise RefError("duplicate key")
        explicit.add(k.value)
        out[k.value] = conv(v)
    return out


def conv(node):
    if isinstance(node, yaml.ScalarNode):
        return scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [conv(x) for x in node.value]
    return mapping(node, {})


def reference(text):
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        return json.dumps(conv(node), sort_keys=True, separators=(",", ":"))
    except (RefError, yaml.YAMLError):
        return "error"


# ---- the corpus ----

KEYS = ["a", "b", "c"]


def val(r):
    return r.choice(["1", "2", "3", "foo", "bar", "true", "false"])


def flow_map(r, n=None):
    n = r.randint(0, 3) if n is None else n
    ks = r.sample(KEYS, min(n, len(KEYS)))
    return "{" + ", ".join("%s: %s" % (k, val(r)) for k in ks) + "}"


def merge_value(r, anchors):
    maps = [a for a, kind in anchors if kind == "map"]
    others = [a for a, kind in anchors if kind != "map"]
    choices = [lambda: flow_map(r)]
    if maps:
        choices += [lambda: "*" + r.choice(maps)] * 3
        choices.append(lambda: "[" + ", ".join(
            "*" + r.choice(maps) if r.random() < 0.7 else flow_map(r)
            for _ in range(r.randint(1, 3))) + "]")
    # rarer: things go-yaml refuses
    if r.random() < 0.08:
        bad = ["", "~", "5", "[1]", "[[{a: 1}]]", "[{a: 1}, 2]"]
        if others:
            bad.append("*" + r.choice(others))
            bad.append("[*" + r.choice(others) + "]")
        return r.choice(bad)
    return r.choice(choices)()


def merge_key(r):
    x = r.random()
    if x < 0.85:
        return "<<"
    if x < 0.95:
        return "!!merge <<"
    return r.choice(['"<<"', "!!str <<", "!!merge a"])


def block_mapping(r, anchors, indent, depth):
    lines = []
    used = set()
    pad = " " * indent
    for _ in range(r.randint(1, 5)):
        if r.random() < 0.45:
            mv = merge_value(r, anchors)
            if depth < 2 and r.random() < 0.15:
                lines.append("%s%s:" % (pad, merge_key(r)))
                lines += block_mapping(r, anchors, indent + 2, depth + 1)
            else:
                lines.append("%s%s: %s" % (pad, merge_key(r), mv))
        else:
            # now and then a key twice, which fourc refuses
            free = [k for k in KEYS if k not in used]
            k = r.choice(KEYS if not free or r.random() < 0.05 else free)
            used.add(k)
            lines.append("%s%s: %s" % (pad, k, val(r)))
    return lines


def document(r):
    lines = []
    anchors = []
    for i in range(r.randint(0, 3)):
        name = "m%d" % i
        if r.random() < 0.5:
            lines.append("%s: &%s %s" % (name, name, flow_map(r, r.randint(1, 3))))
        else:
            lines.append("%s: &%s" % (name, name))
            lines += block_mapping(r, anchors, 2, 1)
        anchors.append((name, "map"))
    if r.random() < 0.3:
        lines.append("s: &s 5")
        anchors.append(("s", "scalar"))
    if r.random() < 0.2:
        lines.append("l: &l [1, 2]")
        anchors.append(("l", "seq"))
    lines.append("d:")
    lines += block_mapping(r, anchors, 2, 0)
    return "\n".join(lines) + "\n"


def run(yjdump, files, slow):
    cmd = [yjdump] + (["--slow"] if slow else []) + files
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout
    return out.decode().splitlines()


def main():
    yjdump, work = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    r = random.Random(seed)
    os.makedirs(work, exist_ok=True)
    files, texts, want = [], [], []
    for i in range(count):
        text = document(r)
        path = os.path.join(work, "m%05d.yaml" % i)
        with open(path, "w") as f:
            f.write(text)
        files.append(path)
        texts.append(text)
        want.append(reference(text))
    nerr = sum(1 for w in want if w == "error")
    nmerge = sum(1 for t in texts if "<<" in t)
    print("# %d documents (seed %d), %d with merge keys, %d that go-yaml "
          "v2 or fourc refuse" % (count, seed, nmerge, nerr))
    failed = 0
    for slow in (False, True):
        got = run(yjdump, files, slow)
        bad = [i for i in range(count) if got[i] != want[i]]
        label = "libyaml path" if slow else "as shipped (fast path first)"
        if bad:
            failed = 1
            print("not ok - merge keys, %s: %d of %d documents differ from "
                  "the go-yaml v2 reference" % (label, len(bad), count))
            for i in bad[:5]:
                print("# --- %s\n# %s\n# want %s\n# got  %s" % (
                    files[i], texts[i].rstrip("\n").replace("\n", "\n# "),
                    want[i], got[i]))
        else:
            print("ok - merge keys, %s: %d documents resolve as the go-yaml "
                  "v2 reference resolves them" % (label, count))
    # the reference must have teeth: a corpus where nothing is refused or
    # nothing overrides would prove little
    if nerr < count // 20 or nmerge < count // 2:
        failed = 1
        print("not ok - corpus covers refusals and merges")
    else:
        print("ok - corpus covers refusals and merges")
    return failed


if __name__ == "__main__":
    sys.exit(main())
