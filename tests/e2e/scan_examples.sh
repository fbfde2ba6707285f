#!/bin/sh
# End-to-end: scan the shipped examples and check the JSON report, the
# stored scan, fingerprints, --fail-on and secret redaction.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

SCHEMA=$TOP_SRCDIR/docs/report.schema.json
DB=$T/fourc.db
ALLOUT=$T/all-output        # every stdout/stderr of fourc in this test
: >"$ALLOUT"
keep_output() { cat "$OUT" "$ERR" >>"$ALLOUT"; }

# --- 1. scan the examples --------------------------------------------------

run "$FOURC" scan --db "$DB" --manifests "$EXAMPLES" --format json -o r1.json
keep_output
case $RC in
0 | 1) ok "scan of examples/manifests ran (exit $RC, no --fail-on)" ;;
*) not_ok "scan of examples/manifests ran (exit $RC)"; diag_last ;;
esac
if [ ! -s r1.json ]; then
    not_ok "scan wrote the JSON report r1.json"
    e2e_finish
fi
ok "scan wrote the JSON report r1.json"
expect_stderr_nomatch '^fourc: (warning|error):' "no warning or error on stderr for the examples"

# --- 2. schema ---------------------------------------------------------------

if "$PYTHON" -c 'import jsonschema' 2>/dev/null; then
    if "$PYTHON" -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
V = jsonschema.Draft202012Validator
V.check_schema(schema)
fc = getattr(V, "FORMAT_CHECKER", None)
v = V(schema, format_checker=fc) if fc is not None else V(schema)
errs = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
for e in errs[:10]:
    print("%s: %s" % ("/".join(map(str, e.absolute_path)), e.message[:200]))
sys.exit(1 if errs else 0)
' "$SCHEMA" r1.json >"$T/schema.out" 2>&1; then
        ok "report validates against docs/report.schema.json (Draft 2020-12)"
    else
        not_ok "report validates against docs/report.schema.json (Draft 2020-12)"
        diag_file "$T/schema.out" 12
    fi
else
    not_ok "report validates against docs/report.schema.json: python3-jsonschema (dev/deps installs it) is needed"
fi

jq_ok "report schema is fourc.report/v1 and scan id is 1 (fresh database)" r1.json \
    'r["schema"] == "fourc.report/v1" and r["scan"]["id"] == 1 and r["scan"]["status"] == "complete"'
jq_ok "scan.targets names the manifests target as given" r1.json \
    'r["scan"]["targets"] == [{"type": "manifests", "ref": A[0]}] or [(t["type"], t["ref"]) for t in r["scan"]["targets"]] == [("manifests", A[0])]' "$EXAMPLES"
jq_ok "the examples produce findings (more than 50)" r1.json 'len(FS) > 50'

# --- 3. summary equals the findings ------------------------------------------

if jq_py r1.json '
ST = ["pass", "fail", "error", "manual", "skip", "waived"]
s = r["summary"]
bad = []
c = collections.Counter(f["status"] for f in FS)
for k in ST:
    if s[k] != c.get(k, 0):
        bad.append("summary.%s = %s, findings say %s" % (k, s[k], c.get(k, 0)))
if s["total"] != len(FS):
    bad.append("summary.total = %s, %d findings" % (s["total"], len(FS)))
def grouped(keyf):
    g = collections.defaultdict(collections.Counter)
    for f in FS:
        for k in keyf(f):
            g[k][f["status"]] += 1
    return g
for name, keyf in (("by_severity", lambda f: [f["severity"]]),
                   ("by_pillar", lambda f: [f["pillar"]]),
                   ("by_framework", lambda f: list(f["frameworks"].keys()))):
    g = grouped(keyf)
    got = s[name]
    for k in set(g) | set(got):
        want = {st: g.get(k, collections.Counter()).get(st, 0) for st in ST}
        have = {st: got.get(k, {}).get(st, 0) for st in ST}
        if want != have:
            bad.append("summary.%s[%s] = %s, findings say %s" % (name, k, have, want))
print("\n".join(bad))
sys.exit(1 if bad else 0)
' >"$T/sum.out" 2>&1; then
    ok "summary counts (status, by_severity, by_pillar, by_framework, total) match the findings"
else
    not_ok "summary counts (status, by_severity, by_pillar, by_framework, total) match the findings"
    diag_file "$T/sum.out"
fi

# --- 4. known results ---------------------------------------------------------

jq_ok "K8S-WL-PRIVILEGED fails for DaemonSet legacy/node-agent with evidence privileged=true" r1.json '
[f["status"] for f in F(rule="K8S-WL-PRIVILEGED", kind="k8s/DaemonSet", name="node-agent", namespace="legacy")] == ["fail"]
and F(rule="K8S-WL-PRIVILEGED", name="node-agent")[0]["evidence"].get("path", "").endswith("securityContext.privileged")
and F(rule="K8S-WL-PRIVILEGED", name="node-agent")[0]["evidence"].get("actual") is True'
jq_ok "K8S-WL-PRIVILEGED passes for Deployment shop/web" r1.json \
    '[f["status"] for f in F(rule="K8S-WL-PRIVILEGED", kind="k8s/Deployment", name="web", namespace="shop")] == ["pass"]'
jq_ok "K8S-NS-NETWORKPOLICY: namespace legacy fails, namespace shop passes" r1.json '
[f["status"] for f in F(rule="K8S-NS-NETWORKPOLICY", kind="k8s/Namespace", name="legacy")] == ["fail"]
and [f["status"] for f in F(rule="K8S-NS-NETWORKPOLICY", kind="k8s/Namespace", name="shop")] == ["pass"]'
jq_ok "K8S-RBAC-CLUSTER-ADMIN fails for the ci-deployer ClusterRoleBinding" r1.json \
    '[f["status"] for f in F(rule="K8S-RBAC-CLUSTER-ADMIN", kind="k8s/ClusterRoleBinding", name="ci-deployer-cluster-admin")] == ["fail"]'
jq_ok "CronJob legacy/nightly-report is judged through jobTemplate (K8S-WL-ALLOW-PRIV-ESCALATION fails)" r1.json \
    '[f["status"] for f in F(rule="K8S-WL-ALLOW-PRIV-ESCALATION", kind="k8s/CronJob", name="nightly-report")] == ["fail"]'
jq_ok "no shop/ workload, namespace or service fails" r1.json \
    'not [f for f in FS if f["resource"]["namespace"] == "shop" and f["status"] in ("fail", "error")]'
jq_ok "no FOURC-CLUSTER-INPUT error for the (valid) examples" r1.json \
    'not [f for f in FS if f["rule"] == "FOURC-CLUSTER-INPUT" and f["status"] != "pass"]'

jq_assert "kind: List in services-list.yml is expanded into its 3 items, each with source services-list.yml:LINE" r1.json '
items = {(f["resource"]["kind"], f["resource"]["name"], f["resource"]["namespace"], f["resource"]["source"]) for f in FS
         if f["resource"]["source"].rsplit(":", 1)[0].endswith("/legacy/services-list.yml")}
names = sorted((k, n, ns) for k, n, ns, s in items)
lines = {int(s.rsplit(":", 1)[1]) for k, n, ns, s in items}
OK = names == [("k8s/ConfigMap", "billing-config", "default"), ("k8s/Service", "billing", "default"), ("k8s/Service", "node-agent-metrics", "legacy")] and len(lines) == 3
print(sorted(items))'
jq_ok "no resource of kind k8s/List is reported" r1.json \
    'not [f for f in FS if f["resource"]["kind"] == "k8s/List"]'
jq_ok "K8S-SVC-NODEPORT fails for the NodePort Service from the List" r1.json \
    '[f["status"] for f in F(rule="K8S-SVC-NODEPORT", kind="k8s/Service", name="billing", namespace="default")] == ["fail"]'
jq_assert "debug-pod.json is collected: Pod legacy/debug-shell from debug-pod.json:1, hostNetwork fails" r1.json '
src = {f["resource"]["source"] for f in F(kind="k8s/Pod", name="debug-shell", namespace="legacy")}
print(src)
OK = len(src) == 1 and re.search(r"/legacy/debug-pod\.json:1$", src.pop()) and [f["status"] for f in F(rule="K8S-WL-HOSTNETWORK", kind="k8s/Pod", name="debug-shell")] == ["fail"]'

# Every example file is a source of some resource, and every source's
# line points at the start of its object.
if jq_py r1.json '
import os
top = A[0]
files = set()
for d, _, fs in os.walk(top):
    for n in fs:
        if n.endswith((".yaml", ".yml", ".json")):
            files.add(os.path.join(d, n))
bad = []
seen = set()
for f in FS:
    res = f["resource"]
    if res["kind"] == "fourc/Target":
        continue
    m = re.match(r"^(.*):([0-9]+)$", res["source"])
    if not m:
        bad.append("source without :line: %r (%s %s)" % (res["source"], res["kind"], res["name"]))
        continue
    path, line = m.group(1), int(m.group(2))
    seen.add(os.path.normpath(path))
    try:
        text = open(path, encoding="utf-8").read().split("\n")[line - 1]
    except Exception as e:
        bad.append("%s: %s" % (res["source"], e))
        continue
    if "apiVersion" not in text and "kind" not in text and text.strip() not in ("{", "- {"):
        bad.append("%s (%s %s) points at %r, not the start of the object" % (res["source"], res["kind"], res["name"], text))
missing = sorted(os.path.normpath(p) for p in files if os.path.normpath(p) not in seen)
for p in missing:
    bad.append("no resource from %s" % p)
print("\n".join(sorted(set(bad))[:15]))
sys.exit(1 if bad else 0)
' "$EXAMPLES" >"$T/src.out" 2>&1; then
    ok "every example file (.yaml, .yml, .json) yields resources whose source file:line points at the object"
else
    not_ok "every example file (.yaml, .yml, .json) yields resources whose source file:line points at the object"
    diag_file "$T/src.out"
fi

# --- 5. the report, against fixed expectations --------------------------------
#
# The scan's own JSON and `report --scan latest` / `--scan 1` are each
# compared with tests/e2e/golden/examples.json: the examples' report with
# times, the version, rule hashes, the rules digest and the source tree's
# path normalised. Rule changes change it on purpose; regenerate with
#   (cd _build/dev && UPDATE_GOLDEN=1 make check TESTS=tests/e2e/scan_examples.sh)
# and review the diff. The resources are also counted from the example
# files themselves (python3-yaml), independently of fourc.

GOLDEN=$TOP_SRCDIR/tests/e2e/golden/examples.json
cat >"$T/normalise.py" <<'PYEOF'
import json, re, sys
src, out, top = sys.argv[1], sys.argv[2], sys.argv[3]
r = json.load(open(src, encoding="utf-8"))
data = open(src, encoding="utf-8").read()
subs = [(top, "<SRC>")]
for f in r["findings"]:
    subs.append((f["rule_version"], "sha256:<RULE-VERSION>"))
    # a finding on the scan target hashes the target's path, the checkout's
    if top in f["resource"]["uid"]:
        subs.append((f["fingerprint"], "sha256:<PATH-FINGERPRINT>"))
if r["scan"].get("rules_digest"):
    subs.append((r["scan"]["rules_digest"], "sha256:<RULES-DIGEST>"))
for a, b in subs:
    data = data.replace(a, b)
data = re.sub(r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z", "<TIME>", data)
v = re.escape(r["tool"]["version"])
data = re.sub(r'("(?:version|tool_version)": ?")' + v + '"', r'\1<VERSION>"', data)
open(out, "w", encoding="utf-8").write(data)
PYEOF
# golden_case DESC JSON: the normalised JSON is the golden file.
golden_case() {
    "$PYTHON" "$T/normalise.py" "$2" "$2.norm" "$TOP_SRCDIR"
    if [ -n "${UPDATE_GOLDEN:-}" ]; then
        cp "$2.norm" "$GOLDEN"
        ok "$1: golden updated (tests/e2e/golden/examples.json)"
    elif [ ! -f "$GOLDEN" ]; then
        not_ok "$1: no golden file; UPDATE_GOLDEN=1 make check TESTS=tests/e2e/scan_examples.sh makes it"
    elif cmp -s "$GOLDEN" "$2.norm"; then
        ok "$1 matches tests/e2e/golden/examples.json"
    else
        not_ok "$1 matches tests/e2e/golden/examples.json"
        diff -u "$GOLDEN" "$2.norm" | head -n 40 | sed 's/^/#   /'
        diag "if the change is intended: UPDATE_GOLDEN=1 make check TESTS=tests/e2e/scan_examples.sh"
    fi
}
golden_case "the scan's JSON report of the examples" r1.json
fourc report --db "$DB" --scan latest --format json
keep_output
cp "$OUT" rep-latest.json
if [ "$RC" -eq 0 ]; then ok "report --scan latest --format json exits 0"; else not_ok "report --scan latest --format json exits 0"; diag_last; fi
golden_case "report --scan latest of the examples" rep-latest.json
fourc report --db "$DB" --scan 1 --format json -o rep-1.json
keep_output
check_eq "report --scan 1 -o FILE exits 0" 0 "$RC"
golden_case "report --scan 1 -o FILE of the examples" rep-1.json
jq_assert "one judged resource per object in the example files (counted with python3-yaml)" r1.json '
import os, yaml
want = set()
for d, _, fs in os.walk(A[0]):
    for n in fs:
        if not n.endswith((".yaml", ".yml", ".json")):
            continue
        for doc in yaml.safe_load_all(open(os.path.join(d, n), encoding="utf-8")):
            items = doc.get("items", []) if doc and doc.get("kind") == "List" else [doc]
            for o in items:
                if o:
                    md = o.get("metadata", {})
                    want.add(("k8s/" + o["kind"], md.get("namespace") or "default", md.get("name")))
got = {(f["resource"]["kind"], f["resource"]["namespace"] or "default", f["resource"]["name"]) for f in FS if f["resource"]["kind"].startswith("k8s/")}
print("only in the files:", sorted(want - got))
print("only in the report:", sorted(got - want))
OK = len(want) > 10 and got == want' "$EXAMPLES"

# --- 6. fingerprints --------------------------------------------------------

# fp_map JSON: "rule|uid fingerprint" lines, sorted.
fp_map() {
    jq_py "$1" '
for f in sorted(FS, key=lambda f: (f["rule"], f["resource"]["uid"])):
    print("%s|%s %s" % (f["rule"], f["resource"]["uid"], f["fingerprint"]))'
}
cp -R "$EXAMPLES" ex
fourc scan --db fp.db --manifests ex --format json -o fp1.json
keep_output
fourc scan --db fp.db --manifests ex --format json -o fp2.json
keep_output
fp_map fp1.json >fp1.txt
fp_map fp2.json >fp2.txt
if [ -s fp1.txt ] && cmp -s fp1.txt fp2.txt; then
    ok "fingerprints are identical across two scans of the same input ($(wc -l <fp1.txt | tr -d ' ') findings)"
else
    not_ok "fingerprints are identical across two scans of the same input"
    diff fp1.txt fp2.txt | head -n 10 | sed 's/^/#   /'
fi
jq_ok "fingerprints are unique per (rule, resource) within a scan" fp1.json \
    'len({f["fingerprint"] for f in FS}) == len({(f["rule"], f["resource"]["uid"]) for f in FS}) == len(FS)'

# Shift lines: a comment and a blank line at the top of two manifests.
for f in ex/legacy/node-agent-daemonset.yaml ex/shop/web.yaml; do
    { printf '# moved down by a comment and a blank line\n\n'; cat "$f"; } >"$f.new" && mv "$f.new" "$f"
done
fourc scan --db fp.db --manifests ex --format json -o fp3.json
keep_output
fp_map fp3.json >fp3.txt
jq_ok "after inserting 2 lines, sources moved (node-agent-daemonset.yaml:6, web.yaml:20)" fp3.json '
{f["resource"]["source"].rsplit("/", 1)[-1] for f in F(kind="k8s/DaemonSet", name="node-agent")} == {"node-agent-daemonset.yaml:6"}
and {f["resource"]["source"].rsplit("/", 1)[-1] for f in F(kind="k8s/Deployment", name="web")} == {"web.yaml:20"}'
if [ -s fp3.txt ] && cmp -s fp1.txt fp3.txt; then
    ok "fingerprints do not change when line numbers shift"
else
    not_ok "fingerprints do not change when line numbers shift"
    diff fp1.txt fp3.txt | head -n 10 | sed 's/^/#   /'
fi

# --- 7. --fail-on -------------------------------------------------------------

# failon_case PATH SEVERITY WANT: the exit status of a scan of PATH with
# --fail-on SEVERITY is WANT, a fixed expectation (the highest severity
# that fails in each example today; a rule change that moves one is a
# change to review here).
failon_case() {
    fourc scan -q --db failon.db --manifests "$1" --fail-on "$2"
    keep_output
    check_eq "--fail-on $2 on ${1#"$TOP_SRCDIR"/}" "$3" "$RC"
}
# PATH, then the exit for critical high medium low info.
while read -r _path _c _h _m _l _i; do
    failon_case "$EXAMPLES/$_path" critical "$_c"
    failon_case "$EXAMPLES/$_path" high "$_h"
    failon_case "$EXAMPLES/$_path" medium "$_m"
    failon_case "$EXAMPLES/$_path" low "$_l"
    failon_case "$EXAMPLES/$_path" info "$_i"
done <<'EOF'
. 1 1 1 1 1
shop 0 0 0 0 0
legacy/node-agent-daemonset.yaml 1 1 1 1 1
legacy/debug-pod.json 0 1 1 1 1
legacy/billing-deployment.yaml 0 1 1 1 1
legacy/services-list.yml 0 0 1 1 1
EOF
fourc scan -q --db failon.db --manifests "$EXAMPLES/shop" --fail-on bogus
check_eq "--fail-on bogus is a usage error" 2 "$RC"

# --- 8. secrets are never stored or printed ---------------------------------

"$PYTHON" -c '
import base64, sys, yaml
sec = yaml.safe_load(open(sys.argv[1]))
vals = []
for k, v in (sec.get("data") or {}).items():
    vals.append(v)
    vals.append(base64.b64decode(v).decode())
for k, v in (sec.get("stringData") or {}).items():
    vals.append(v)
dep = yaml.safe_load(open(sys.argv[2]))
for c in dep["spec"]["template"]["spec"]["containers"]:
    for e in c.get("env", []):
        if any(w in e["name"] for w in ("PASSWORD", "SECRET", "KEY", "TOKEN")):
            vals.append(str(e["value"]))
for v in vals:
    print(v)
' "$EXAMPLES/legacy/secret.yaml" "$EXAMPLES/legacy/billing-deployment.yaml" >secrets.txt 2>"$T/sec.err"
nsec=$(wc -l <secrets.txt | tr -d ' ')
if [ "$nsec" -ge 9 ] && grep -rqF -e fake-password -e AKIAIOSFODNN7EXAMPLE "$EXAMPLES"; then
    ok "extracted $nsec planted secret values (Secret data, base64 and decoded, stringData, credential env)"
else
    not_ok "extracted the planted secret values (got $nsec)"
    diag_file "$T/sec.err"
fi
# leaks FILE...: print "value in file" for every planted value found.
leaks() {
    while IFS= read -r v; do
        [ -n "$v" ] || continue
        for f in "$@"; do
            [ -f "$f" ] || continue
            if grep -aqF -- "$v" "$f"; then echo "$v in $f"; fi
        done
    done <secrets.txt
}
leaks r1.json rep-latest.json rep-1.json fp1.json fp3.json >leaks.txt
expect_empty leaks.txt "no planted secret value in any JSON report"
leaks "$ALLOUT" >leaks.txt
expect_empty leaks.txt "no planted secret value on fourc's stdout or stderr"
set --
for f in "$DB" "$DB-wal" "$DB-journal" fp.db fp.db-wal failon.db failon.db-wal; do
    [ -f "$f" ] && set -- "$@" "$f"
done
leaks "$@" >leaks.txt
expect_empty leaks.txt "no planted secret value in the database files ($*)"
if [ "$(sql "$DB" "SELECT count(*) FROM resources WHERE scan_id = 1 AND kind = 'k8s/Secret' AND name = 'legacy-db'")" = 1 ]; then
    ok "the Secret legacy/legacy-db is stored as a resource of scan 1 (redacted, not dropped)"
else
    not_ok "the Secret legacy/legacy-db is stored as a resource of scan 1 (redacted, not dropped)"
fi
# The planted values are in the input, so the searches above could find them.
leaks "$EXAMPLES/legacy/secret.yaml" "$EXAMPLES/legacy/billing-deployment.yaml" >leaks.txt
check_eq "control: the leak search finds every planted value in the input files" "$nsec" \
    "$(cut -d' ' -f1 leaks.txt | sort -u | wc -l | tr -d ' ')"

e2e_finish
