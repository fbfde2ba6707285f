#!/bin/sh
# The JSON path gives what the YAML path gives: the example manifests, each
# YAML file converted into a JSON `kind: List` (benchmarks/yaml2jsonlist.py),
# scan to the same findings (rule, resource uid, status, fingerprint,
# message) as the YAML files; every JSON finding's source names the line
# where its object starts in the .json file.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init
if ! "$PYTHON" -c 'import yaml' 2>/dev/null; then
    echo "# $PYTHON with PyYAML is needed (dev/deps installs python3-yaml)" >&2
    exit 99
fi

# The same target name on both sides: target-level findings name it.
mkdir y j
cp -R "$EXAMPLES" y/ex
"$PYTHON" "$TOP_SRCDIR/benchmarks/yaml2jsonlist.py" y/ex j/ex 2>/dev/null
(cd y/ex && find . -name '*.json') | while read -r f; do cp "y/ex/$f" "j/ex/$f"; done
check "every YAML file became a JSON List" \
    test "$(find y -name '*.y*ml' | wc -l)" -eq "$(find j -name '*.json' | wc -l | awk '{print $1 - 1}')"

cd y && fourc scan --db ../y.db --manifests ex --format json -o ../y.json && cd ..
cd j && fourc scan --db ../j.db --manifests ex --format json -o ../j.json && cd ..
check "the JSON scan warns about nothing" test ! -s "$ERR"

# findings: "rule|uid|status|fingerprint|message", sorted
dump() {
    jq_py "$1" '
for f in sorted(FS, key=lambda f: (f["rule"], f["resource"]["uid"])):
    print("|".join([f["rule"], f["resource"]["uid"], f["status"], f["fingerprint"], f["message"]]))'
}
dump y.json >y.txt
dump j.json >j.txt
if [ "$(wc -l <y.txt)" -gt 50 ] && cmp -s y.txt j.txt; then
    ok "the same objects as YAML and as JSON Lists give identical findings ($(wc -l <y.txt | tr -d ' '))"
else
    not_ok "the same objects as YAML and as JSON Lists give identical findings"
    diff y.txt j.txt | head -n 10 | sed 's/^/#   /'
fi

# each k8s source is FILE.json:LINE, and that line opens the object
jq_assert "JSON sources name the line where each item of the List starts" j.json '
import re
bad = []
n = 0
for f in FS:
    if not f["resource"]["kind"].startswith("k8s/"):
        continue
    src = "j/" + (f["resource"].get("source") or "")
    m = re.match(r"(.*\.json):(\d+)$", src)
    if not m:
        bad.append(src)
        continue
    n += 1
    line = open(m.group(1)).read().split("\n")[int(m.group(2)) - 1]
    if line.strip() not in ("{", "[") and not line.lstrip().startswith("{"):
        bad.append(src)
print(bad[:5])
OK = n > 50 and not bad'
e2e_finish
