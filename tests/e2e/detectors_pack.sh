#!/bin/sh
# End-to-end: the secret detector pack (collectors/secret/detectors.yaml) is
# valid data, needing no C: tests/tools/checkpack.py checks its schema (at
# least 150 detectors, unique kebab-case ids), that no pattern has unbounded
# repetition, look-around or back-references, that every sample of every
# pattern holds one of its prefilter keywords, and, on the planted corpus
# mksecrets.py generates, that each detector finds its positive at the
# recorded file:line:column and none of the near misses next to it (the
# documented example, a placeholder, one character short, one out of the
# alphabet, a UUID, a hash). With pcre2grep installed (pcre2-utils) the
# patterns are also compiled and run by PCRE2 itself.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

if ! "$PYTHON" -c 'import yaml' 2>/dev/null; then
    echo "# $PYTHON has no yaml module (python3-yaml; dev/deps installs it)"
    exit 77
fi

"$PYTHON" "$TOP_SRCDIR/tests/tools/checkpack.py" \
    --pack "$TOP_SRCDIR/collectors/secret/detectors.yaml" --corpus "$T/planted" >"$OUT" 2>"$ERR"
RC=$?
sed "s/^/# /" "$OUT"
if [ "$RC" -eq 0 ] && grep -q '^ok - positives' "$OUT" &&
    ! grep -q '^not ok' "$OUT"; then
    ok "checkpack.py: the detector pack and its planted corpus"
else
    not_ok "checkpack.py exited $RC"
    diag_file "$ERR"
fi

# The generator is deterministic: the same seed gives the same corpus.
"$PYTHON" "$TOP_SRCDIR/tests/tools/mksecrets.py" pack --seed 7 --out "$T/a" >/dev/null 2>"$ERR" &&
    "$PYTHON" "$TOP_SRCDIR/tests/tools/mksecrets.py" pack --seed 7 --out "$T/b" >/dev/null 2>>"$ERR"
if [ $? -eq 0 ] && diff -r "$T/a" "$T/b" >/dev/null; then
    ok "mksecrets.py pack is deterministic for a seed"
else
    not_ok "mksecrets.py pack differs between two runs with seed 7"
    diag_file "$ERR"
fi

# The benchmark corpus: source-like files with every detector planted once
# and AWS key pairs, each at the file, line and column its manifest says.
"$PYTHON" "$TOP_SRCDIR/tests/tools/mksecrets.py" corpus --size 3M --out "$T/corpus" >"$OUT" 2>"$ERR"
RC=$?
"$PYTHON" - "$T/corpus" "$TOP_SRCDIR/tests/tools" >"$OUT" 2>&1 <<'PY'
import json, os, sys
sys.path.insert(0, sys.argv[2])
import secretpack as sp, mksecrets as mk
root = sys.argv[1]
man = json.load(open(os.path.join(root, "manifest.json")))
dets = {d["id"]: sp.Detector(d) for d in sp.load(mk.DEFAULT_PACK)}
size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(os.path.join(root, "src")) for f in fs)
bad = []
for p in man["positives"]:
    text = open(os.path.join(root, p["file"]), encoding="utf-8", newline="").read()
    if text[p["offset"]:p["offset"] + p["length"]] != p["secret"] or \
            mk.line_col(text, p["offset"]) != (p["line"], p["column"]):
        bad.append("%s: not at %s:%d:%d" % (p["detector"], p["file"], p["line"], p["column"]))
    elif (p["offset"], p["offset"] + p["length"], p["secret"]) not in dets[p["detector"]].findings(text):
        bad.append("%s: its detector does not find it in %s" % (p["detector"], p["file"]))
ids = {p["detector"] for p in man["positives"]}
if ids != set(dets):
    bad.append("detectors not planted: %s" % sorted(set(dets) - ids))
if not 0.95 * (3 << 20) <= size <= 1.05 * (3 << 20) or size != man["bytes"]:
    bad.append("size %d, manifest %d, asked %d" % (size, man["bytes"], 3 << 20))
print("\n".join(bad) or "%d planted in %d bytes" % (len(man["positives"]), size))
sys.exit(1 if bad else 0)
PY
RC2=$?
if [ "$RC" -eq 0 ] && [ "$RC2" -eq 0 ]; then
    ok "mksecrets.py corpus: $(cat "$OUT")"
else
    not_ok "mksecrets.py corpus"
    diag_file "$OUT"
    diag_file "$ERR"
fi

# A broken pack is caught: a keyword that its matches do not contain, and an
# unbounded pattern.
"$PYTHON" - "$TOP_SRCDIR/collectors/secret/detectors.yaml" "$T/bad.yaml" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
for x in d:
    if x["id"] == "github-pat":
        x["keywords"] = ["ghx_"]
    if x["id"] == "npm-token":
        x["pattern"] = x["pattern"].replace("{36}", "+")
yaml.safe_dump(d, open(sys.argv[2], "w"))
PY
"$PYTHON" "$TOP_SRCDIR/tests/tools/checkpack.py" --pack "$T/bad.yaml" --samples 3 >"$OUT" 2>"$ERR"
RC=$?
if [ "$RC" -eq 1 ] && grep -q 'github-pat: sample' "$OUT" &&
    grep -q 'npm-token: unbounded repetition' "$OUT"; then
    ok "checkpack.py fails a pack with a wrong keyword and an unbounded pattern"
else
    not_ok "checkpack.py on a broken pack: exit $RC"
    diag_file "$OUT"
fi

e2e_finish
