#!/bin/sh
# End-to-end: the CIS Kubernetes Benchmark v1.12 sections 1-4 rules on a
# node's filesystem (fourc scan --node-root): a hardened kubeadm node
# passes; the platform profiles skip the provider's controls, naming the
# provider, and still judge the worker's; the fixtures regenerate byte for
# byte from tests/tools/node-fixtures.spec; the catalogue's sections 1-4
# are all covered.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

PACK=$TOP_SRCDIR/checks/rules/cis-kubernetes
MKNODE=$TOP_SRCDIR/tests/tools/mknode.py
SPEC=$TOP_SRCDIR/tests/tools/node-fixtures.spec

# --- the fixtures are what the spec makes, byte for byte -------------------
if "$PYTHON" "$MKNODE" "$SPEC" regen >mk.out 2>&1 &&
    "$PYTHON" -c '
import os, sys
pack, regen = sys.argv[1], sys.argv[2]
def tree(top):
    out = {}
    for d, _, files in os.walk(os.path.join(top, "fixtures")):
        for f in files:
            if f.endswith(".node.tar.gz"):
                p = os.path.join(d, f)
                out[os.path.relpath(p, top)] = open(p, "rb").read()
    return out
a, b = tree(pack), tree(regen)
bad = sorted(set(a) ^ set(b)) + sorted(k for k in a if k in b and a[k] != b[k])
print("%d fixtures" % len(a))
bad and print("differ:", bad[:10])
sys.exit(1 if bad or len(a) < 180 else 0)' "$PACK" regen >cmp.out 2>&1; then
    ok "every *.node.tar.gz fixture regenerates byte for byte ($(cat cmp.out))"
else
    not_ok "every *.node.tar.gz fixture regenerates byte for byte"
    diag_file mk.out
    diag_file cmp.out
fi
"$PYTHON" "$MKNODE" "$SPEC" regen2 >/dev/null 2>&1
if cmp -s regen/fixtures/K8S-CP-PKI-OWNER/fail.node.tar.gz \
    regen2/fixtures/K8S-CP-PKI-OWNER/fail.node.tar.gz; then
    ok "two runs of mknode.py write the same bytes"
else
    not_ok "two runs of mknode.py write the same bytes"
fi

# A node with one control plane fault and one kubelet fault.
cat >faults.spec <<'EOF'
NODE fail flag kube-apiserver --anonymous-auth=true ; config authentication.anonymous.enabled=true
NODE pass
EOF
"$PYTHON" "$MKNODE" faults.spec node >/dev/null
FAULTY=$T/node/fixtures/NODE/fail.node.tar.gz
CLEAN=$T/node/fixtures/NODE/pass.node.tar.gz

# cis_py FILE PYEXPR [ARGS]: the prelude plus the CIS 1-4 rules' findings.
CIS14='
CP = lambda f: f["rule"].startswith(("K8S-CP-", "K8S-ETCD-"))
WK = lambda f: f["rule"].startswith(("K8S-KUBELET-", "K8S-PROXY-", "K8S-CNI-"))
N14 = [f for f in FS if CP(f) or WK(f)]
'

# --- kubeadm: every control judged, the hardened node passes --------------
expect_exit 0 "scan of the hardened kubeadm node" \
    "$FOURC" scan --db clean.db --node-root "$CLEAN" --cluster-platform kubeadm \
    --format json -o clean.json
jq_assert "the hardened node: every CIS 1-4 rule on a node resource passes" clean.json \
    "$CIS14"'
auto = [f for f in N14 if f["status"] != "manual"]
OK = (len({f["rule"] for f in auto if f["status"] == "pass"}) >= 85 and
all(f["status"] in ("pass", "skip") for f in auto))'
jq_assert "the hardened node: nothing is skip (every subject is on the node)" clean.json \
    "$CIS14"'

OK = (not [f for f in N14 if f["status"] == "skip"])'

expect_exit 1 "scan of the faulty node with --cluster-platform kubeadm" \
    "$FOURC" scan --db kubeadm.db --node-root "$FAULTY" --cluster-platform kubeadm \
    --fail-on high --format json -o kubeadm.json
jq_ok "kubeadm: the API server's anonymous auth is judged (fail)" kubeadm.json \
    '[f["status"] for f in F(rule="K8S-CP-APISERVER-ANONYMOUS-AUTH")] == ["fail"]'
jq_ok "kubeadm: the kubelet's anonymous auth is judged (fail)" kubeadm.json \
    '[f["status"] for f in F(rule="K8S-KUBELET-ANONYMOUS-AUTH")] == ["fail"]'
jq_assert "kubeadm: no control plane rule is skip" kubeadm.json \
    "$CIS14"'

OK = (not [f for f in N14 if CP(f) and f["status"] == "skip" and "managed_by" in f["message"]])'

# --- eks: the provider's controls are skip, naming it; the worker's judged -
expect_exit 1 "scan of the faulty node with --cluster-platform eks" \
    "$FOURC" scan --db eks.db --node-root "$FAULTY" --cluster-platform eks \
    --fail-on high --format json -o eks.json
jq_ok "eks: the API server's anonymous auth is skip, naming the provider" eks.json \
    '[(f["status"], "EKS" in f["message"]) for f in F(rule="K8S-CP-APISERVER-ANONYMOUS-AUTH")] == [("skip", True)]'
jq_assert "eks: every control plane and etcd finding is skip or manual, never fail or pass" eks.json \
    "$CIS14"'
cp = [f for f in N14 if CP(f)]
OK = (len(cp) >= 50 and all(f["status"] in ("skip", "manual") for f in cp))'
jq_ok "eks: the kubelet's anonymous auth is still judged (fail)" eks.json \
    '[f["status"] for f in F(rule="K8S-KUBELET-ANONYMOUS-AUTH")] == ["fail"]'
jq_assert "eks: the worker rules are judged (pass or fail, not skip)" eks.json \
    "$CIS14"'
wk = [f for f in N14 if WK(f)]
OK = (len({f["rule"] for f in wk}) == 27 and all(f["status"] in ("pass", "fail") for f in wk))'
for plat in gke aks; do
    expect_exit 1 "scan of the faulty node with --cluster-platform $plat" \
        "$FOURC" scan --db "$plat.db" --node-root "$FAULTY" --cluster-platform "$plat" \
        --fail-on high --format json -o "$plat.json"
    jq_ok "$plat: the API server's anonymous auth is skip, the kubelet's fail" "$plat.json" \
        '[f["status"] for f in F(rule="K8S-CP-APISERVER-ANONYMOUS-AUTH")] == ["skip"] and [f["status"] for f in F(rule="K8S-KUBELET-ANONYMOUS-AUTH")] == ["fail"]'
done

# --- the manual controls of sections 1-4 are listed once per node scan -----
jq_ok "the manual controls of sections 1-4 are manual, once each" clean.json \
    'sorted(f["rule"] for f in FS if f["status"] == "manual" and f["frameworks"].get("cis-kubernetes", ["9"])[0][0] in "1234") == sorted(["K8S-CP-APISERVER-REQUEST-TIMEOUT", "K8S-CP-APISERVER-ENCRYPTION-PROVIDERS", "K8S-CP-AUTHN-NO-CLIENT-CERTS-FOR-USERS", "K8S-CP-AUTHN-NO-SA-TOKENS-FOR-USERS", "K8S-CP-AUTHN-NO-BOOTSTRAP-TOKENS-FOR-USERS", "K8S-CP-AUDIT-POLICY-COVERAGE"])'

# --- coverage: sections 1 to 4 have no uncovered control --------------------
expect_exit 0 "rules coverage cis-kubernetes --format json" \
    "$FOURC" rules coverage cis-kubernetes --format json
cp "$OUT" coverage.json
jq_assert "every control of sections 1-4 is covered (automated or manual)" coverage.json '
rows = [c for c in r["controls"] if str(c.get("id", "")).split(".")[0] in ("1", "2", "3", "4")]
none = [c["id"] for c in rows if c["coverage"] == "none"]
print(len(rows), "controls in 1-4; none:", none[:10])
OK = len(rows) == 97 and not none'

# --- rules test: a pass fixture must get a finding of its rule -------------
# A rule whose select: picks no resource of its pass fixture proves nothing:
# rules test says so instead of counting it as passed.
mkdir -p sel/fixtures/T-SELECT-NONE sel/fixtures/T-SELECT-OK
cat >sel/rules.yaml <<'EOF'
- id: T-SELECT-NONE
  title: t
  pillar: cluster
  severity: low
  kinds: [k8s/ConfigMap]
  select: {path: metadata.name, op: eq, value: nothing-has-this-name}
  check: {path: data.a, op: eq, value: "1"}
- id: T-SELECT-OK
  title: t
  pillar: cluster
  severity: low
  kinds: [k8s/ConfigMap]
  select: {path: metadata.name, op: eq, value: picked}
  check: {path: data.a, op: eq, value: "1"}
EOF
for id in T-SELECT-NONE T-SELECT-OK; do
    cat >sel/fixtures/$id/pass.yaml <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: picked}
data: {a: "1"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other}
data: {a: "2"}
EOF
    cat >sel/fixtures/$id/fail.yaml <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: picked}
data: {a: "2"}
EOF
done
expect_exit 1 "rules test on a pack whose select picks nothing in a pass fixture" \
    "$FOURC" rules test sel
expect_stdout_match '^FAIL T-SELECT-NONE +pass.yaml: expected a pass, got no finding of the rule' \
    "rules test names the pass fixture that got no finding of its rule"
expect_stdout_match '^ok +T-SELECT-OK +pass.yaml +pass=1 fail=0 error=0' \
    "a select that picks one ConfigMap of two: one finding, pass"
expect_stdout_match '^ok +T-SELECT-OK +fail.yaml' \
    "the same rule fails its fail fixture"

e2e_finish
