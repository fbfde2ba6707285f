#!/bin/sh
# End-to-end: `fourc scan --kubeconfig` against tests/tools/httpsrv.py
# serving a Kubernetes API (no API server runs on the test machines):
# discovery, lists in pages with continue tokens, Secrets as metadata only,
# faults. What it proves: real findings from served objects (a privileged
# Deployment fails K8S-WL-PRIVILEGED, a compliant one passes) with the same
# uids, statuses and fingerprints as a --manifests scan of the same
# objects; no Secret value reaches the database or a report even from a
# server that ignores the metadata-only Accept; the server's version is in
# the JSON report; a 403 on secrets (and on roles) gives `error` findings
# for exactly the rules of that kind (k8s/Role is not k8s/RoleBinding),
# naming the verb, resource, scope and the server's message; a 500 and a
# 429 are retried; an expired continue token (410) restarts the list with
# no object twice; a page cut mid-stream and an answer slower than
# --kube-timeout are `error` findings naming the kind (and page) while the
# rest of the scan goes on; an unreachable cluster (refused, wrong CA,
# token refused) is one error line and exit 2 with the database intact.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

SRV=$TOP_SRCDIR/tests/tools/httpsrv.py
TOKEN=e2e-t0ken-f00d-never-printed
PLANT=UExBTlRFRC1TRUNSRVQtVkFMVUU
PLANT2=planted-string-data-value-77
PIDS=
stop_all() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    e2e_cleanup
}
trap stop_all EXIT

# --- the cluster's objects -------------------------------------------------
"$PYTHON" - "$PLANT" "$PLANT2" <<'PY'
import json, sys
plant, plant2 = sys.argv[1], sys.argv[2]
objs = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
    {"apiVersion": "apps/v1", "kind": "Deployment",
     "metadata": {"name": "web", "namespace": "shop", "uid": "u-web",
                  "managedFields": [{"manager": "kubectl-client-side-apply",
                                     "operation": "Update"}]},
     "spec": {"template": {"spec": {"containers": [
         {"name": "web", "image": "nginx:1.25",
          "securityContext": {"privileged": True}}]}}}},
    {"apiVersion": "apps/v1", "kind": "Deployment",
     "metadata": {"name": "api", "namespace": "shop"},
     "spec": {"template": {"spec": {"containers": [
         {"name": "api", "image": "nginx:1.25",
          "securityContext": {"privileged": False}}]}}}},
    {"apiVersion": "v1", "kind": "Secret",
     "metadata": {"name": "db", "namespace": "shop", "annotations": {
         "kubectl.kubernetes.io/last-applied-configuration": json.dumps(
             {"apiVersion": "v1", "kind": "Secret",
              "data": {"password": plant}})}},
     "type": "Opaque", "data": {"password": plant},
     "stringData": {"token": plant2}},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
     "metadata": {"name": "reader", "namespace": "shop"},
     "rules": [{"apiGroups": [""], "resources": ["pods"],
                "verbs": ["get", "list"]}]},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
     "metadata": {"name": "reader", "namespace": "shop"},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                 "name": "reader"},
     "subjects": [{"kind": "ServiceAccount", "name": "app",
                   "namespace": "shop"}]},
]
for i in range(5):
    objs.append({"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": "p%d" % i, "namespace": "shop"},
                 "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
for i in range(3):
    objs.append({"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": {"name": "cm%d" % i, "namespace": "shop"},
                 "data": {"k": "v" * 200}})
with open("objects.jsonl", "w") as f:
    for o in objs:
        f.write(json.dumps(o) + "\n")
import os
os.mkdir("manifests")
with open("manifests/all.json", "w") as f:
    json.dump({"apiVersion": "v1", "kind": "List", "items": objs}, f)
PY

# start NAME SPEC-JSON [httpsrv args]: a server in srv-NAME, its kubeconfig
# kc-NAME (token auth, the test CA); PORT_NAME set.
start() {
    _n=$1
    printf '%s\n' "$2" >"spec-$_n.json"
    shift 2
    "$PYTHON" "$SRV" --dir "srv-$_n" --certs certs --spec "spec-$_n.json" \
        --token "$TOKEN" "$@" >/dev/null 2>&1 &
    PIDS="$PIDS $!"
    _i=0
    while [ ! -s "srv-$_n/port" ] && [ $_i -lt 300 ]; do
        sleep 0.05
        _i=$((_i + 1))
    done
    _p=$(cat "srv-$_n/port")
    eval "PORT_$_n=$_p"
    kubeconfig "kc-$_n" "https://127.0.0.1:$_p" "$T/certs/ca.crt" "$TOKEN"
}

# kubeconfig FILE SERVER CA TOKEN
kubeconfig() {
    cat >"$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: "$2", certificate-authority: "$3"}
users:
- name: auditor
  user: {token: "$4"}
contexts:
- name: audit
  context: {cluster: test, user: auditor}
current-context: audit
KC
}

# --- a healthy cluster, pages of 2, a server that ignores the Accept --------
start ok '{"cluster": {"objects": "objects.jsonl", "page_max": 2, "secrets": "ignore"}}'
SERVER=https://127.0.0.1:$PORT_ok
expect_exit 0 "scan --kubeconfig: a served cluster is scanned" \
    "$FOURC" scan --db live.db --kubeconfig kc-ok --context audit \
    --format json -o live.json
jq_ok "the privileged Deployment served fails K8S-WL-PRIVILEGED" live.json \
    'len(F(rule="K8S-WL-PRIVILEGED", uid="apps/Deployment/shop/web", status="fail")) == 1'
jq_ok "the compliant one passes it" live.json \
    'len(F(rule="K8S-WL-PRIVILEGED", uid="apps/Deployment/shop/api", status="pass")) == 1'
jq_ok "the source names the cluster and the API path" live.json \
    'F(rule="K8S-WL-PRIVILEGED", name="web")[0]["resource"]["source"] == A[0] + "/apis/apps/v1/namespaces/shop/deployments/web"' \
    "$SERVER"
jq_ok "the server's version, URL and context are recorded with the scan" live.json \
    'r["scan"]["targets"][0]["cluster"] == {"server": A[0], "context": "audit", "version": "v1.31.2", "platform": "linux/amd64"}' \
    "$SERVER"
jq_ok "no finding is an error" live.json 'not F(status="error")'
jq_ok "the report validates against docs/report.schema.json" live.json \
    '__import__("jsonschema").Draft202012Validator(json.load(open(A[0]))).is_valid(r)' \
    "$TOP_SRCDIR/docs/report.schema.json"
check_eq "every object was listed once (pages of 2)" \
    "1 2 1 1 1 5 3" \
    "$(for k in Namespace Deployment Secret Role RoleBinding Pod ConfigMap; do
        sql live.db "SELECT count(*) FROM resources WHERE kind = 'k8s/$k'"; done | tr '\n' ' ' | sed 's/ $//')"
check "pods were listed in pages with continue tokens" \
    grep -q "^GET /api/v1/pods?limit=500&continue=" srv-ok/requests.log
check "secrets were asked for as metadata only" \
    grep -q "^GET /api/v1/secrets?limit=500 auth=ok cert=- accept=metadata" srv-ok/requests.log
check "a kind no rule names was not listed" \
    sh -c '! grep -q "^GET /api/v1/events" srv-ok/requests.log'
check_eq "the Secret is stored as metadata only" \
    '{"apiVersion": "v1", "kind": "Secret", "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "[redacted: a copy of the object]"}, "name": "db", "namespace": "shop"}}' \
    "$(sql live.db "SELECT doc FROM resources WHERE kind = 'k8s/Secret'" |
        "$PYTHON" -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))')"
check "no Secret value in the database (the server sent them)" \
    sh -c "! strings live.db | grep -Eq '$PLANT|$PLANT2'"
check "no Secret value in the report" \
    sh -c "! grep -Eq '$PLANT|$PLANT2' live.json"
check "managedFields are dropped" \
    sh -c "! strings live.db | grep -q managedFields"
check "the token is in no file fourc wrote" \
    sh -c "! strings live.db live.json | grep -q '$TOKEN'"

# A server that honours the metadata-only Accept: the same Secret document.
start meta '{"cluster": {"objects": "objects.jsonl"}}'
expect_exit 0 "scan of a server that sends Secrets as PartialObjectMetadata" \
    "$FOURC" scan --db meta.db --kubeconfig kc-meta -q
check_eq "a PartialObjectMetadata Secret is stored as kind Secret, metadata only" \
    '{"apiVersion": "v1", "kind": "Secret", "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "[redacted: a copy of the object]"}, "name": "db", "namespace": "shop"}}' \
    "$(sql meta.db "SELECT doc FROM resources WHERE kind = 'k8s/Secret'" |
        "$PYTHON" -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))')"
check "no Secret value in that database either" \
    sh -c "! strings meta.db | grep -Eq '$PLANT|$PLANT2'"

# FILE "": kubectl's chain, here KUBECONFIG.
expect_exit 0 "--kubeconfig \"\" takes KUBECONFIG" \
    env KUBECONFIG="$T/kc-ok" "$FOURC" scan --db chain.db --kubeconfig "" \
    --format json -o chain.json
jq_ok "the same cluster was listed through KUBECONFIG" chain.json \
    'r["scan"]["targets"][0]["cluster"]["server"] == A[0] and len(F(rule="K8S-WL-PRIVILEGED", status="fail")) == 1' \
    "$SERVER"

# The same objects as manifests: the same uids, statuses, fingerprints.
expect_exit 0 "scan --manifests of the same objects" \
    "$FOURC" scan --db man.db --manifests manifests --format json -o man.json
KEYS='print("\n".join(sorted("%s %s %s %s" % (f["rule"], f["resource"]["uid"], f["status"], f["fingerprint"]) for f in FS if not f["resource"]["uid"].startswith("target:"))))'
jq_py live.json "$KEYS" >live.keys
jq_py man.json "$KEYS" >man.keys
check "live and manifests scans: findings to compare (the privileged web among them)" \
    grep -q "^K8S-WL-PRIVILEGED apps/Deployment/shop/web fail sha256:" live.keys
check "live and manifests scans: the same rules, uids, statuses and fingerprints" \
    cmp live.keys man.keys
[ "$(cat live.keys)" = "$(cat man.keys)" ] || diff live.keys man.keys | head -n 10 | sed 's/^/#   /'

# --- faults ------------------------------------------------------------------
FORBID='"secrets is forbidden: User \"system:serviceaccount:audit:fourc\" cannot list resource \"secrets\" in API group \"\" at the cluster scope"'
start bad '{"cluster": {"objects": "objects.jsonl", "page_max": 2, "expire": {"pods": 1}},
 "routes": {
  "/api/v1/secrets": {"fault": {"status": 403, "body": {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403, "message": '"$FORBID"'}}},
  "/apis/rbac.authorization.k8s.io/v1/roles": {"fault": {"status": 403, "body": {"kind": "Status", "code": 403, "reason": "Forbidden", "message": "roles.rbac.authorization.k8s.io is forbidden"}}},
  "/apis/apps/v1/deployments": {"cluster": true, "fault": {"status": 500, "times": 1}},
  "/api/v1/services": {"cluster": true, "fault": {"status": 429, "times": 2, "retry_after": "1"}},
  "/api/v1/configmaps": {"cluster": true, "page": 2, "cut": 30},
  "/apis/batch/v1/cronjobs": {"cluster": true, "slow": 3}
 }}'
SERVER=https://127.0.0.1:$PORT_bad
expect_exit 0 "scan --kubeconfig with faults: the scan goes on" \
    "$FOURC" scan --db bad.db --kubeconfig kc-bad --kube-timeout 1 \
    --format json -o bad.json
# The rules of each kind, from the stored rule documents.
RULES_OF='import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
want = set(sys.argv[2:])
for rid, doc in db.execute("SELECT DISTINCT rule_id, doc FROM rules"):
    if want & set(json.loads(doc).get("kinds", [])):
        print(rid)'
"$PYTHON" -c "$RULES_OF" bad.db k8s/Secret | sort -u >secret.rules
"$PYTHON" -c "$RULES_OF" bad.db k8s/Role | sort -u >role.rules
"$PYTHON" -c "$RULES_OF" bad.db k8s/RoleBinding | sort -u >rolebinding.rules
check "some rule names k8s/Secret" test -s secret.rules
jq_assert "403 on secrets: an error for exactly the rules of k8s/Secret, naming verb, resource, scope and the server's message" bad.json '
want = set(open("secret.rules").read().split())
got = set(f["rule"] for f in F(status="error") if "cannot list secrets" in f["message"])
msg = "not evaluated: cannot list secrets (all namespaces) on cluster %s: 403 Forbidden: secrets is forbidden: User \"system:serviceaccount:audit:fourc\" cannot list resource \"secrets\"" % A[0]
OK = got == want and all(f["message"].startswith(msg) for f in F(status="error") if "secrets" in f["message"])
if not OK:
    print(sorted(got ^ want), [f["message"] for f in F(status="error") if "secrets" in f["message"]][:2])' "$SERVER"
jq_assert "403 on roles: errors for the k8s/Role rules, none for the k8s/RoleBinding-only ones" bad.json '
role = set(open("role.rules").read().split())
rb = set(open("rolebinding.rules").read().split()) - role
got = set(f["rule"] for f in F(status="error") if "cannot list roles" in f["message"])
OK = got == role and rb and not (got & rb)
if not OK:
    print(sorted(got), sorted(rb))'
jq_ok "the RoleBinding was still judged" bad.json \
    'any(f["resource"]["kind"] == "k8s/RoleBinding" and f["status"] in ("pass", "fail") for f in FS)'
jq_ok "a 500 then success: deployments judged, no error" bad.json \
    'len(F(rule="K8S-WL-PRIVILEGED", uid="apps/Deployment/shop/web", status="fail")) == 1 and not [f for f in F(status="error") if "deployments" in f["message"]]'
check_eq "the 500 was retried" 2 "$(grep -c '^GET /apis/apps/v1/deployments?limit=500 ' srv-bad/requests.log)"
check_eq "the 429s were retried (after Retry-After)" 3 "$(grep -c '^GET /api/v1/services?limit=500 ' srv-bad/requests.log)"
check_eq "410 on a continue token: the pods list started again" 2 \
    "$(grep -c '^GET /api/v1/pods?limit=500 ' srv-bad/requests.log)"
check_eq "410: every pod once, none twice" "5 0" \
    "$(sql bad.db "SELECT count(*), count(*) - count(DISTINCT uid) FROM resources WHERE kind = 'k8s/Pod'" | tr '|' ' ')"
jq_ok "410: no pod rule is an error" bad.json 'not [f for f in F(status="error") if "pods" in f["message"]]'
jq_ok "a page cut mid-stream: errors naming the cluster, resource and page" bad.json \
    '[f for f in F(status="error") if f["message"].startswith("not evaluated: cannot list configmaps (all namespaces) on cluster " + A[0] + ": page 2: ") and "cut short" in f["message"]]' \
    "$SERVER"
jq_ok "an answer slower than --kube-timeout: errors naming cronjobs and the limit" bad.json \
    '[f for f in F(status="error") if "cannot list cronjobs" in f["message"] and "--kube-timeout 1" in f["message"]]'
check "the slow answer was retried" \
    test "$(grep -c '^GET /apis/batch/v1/cronjobs' srv-bad/requests.log)" -ge 2
expect_exit 0 "--reevaluate the faulty scan" "$FOURC" scan --db bad.db --reevaluate latest \
    --format json -o reeval.json
jq_assert "--reevaluate keeps the exact kinds: roles errors for k8s/Role rules only" reeval.json '
role = set(open("role.rules").read().split())
got = set(f["rule"] for f in F(status="error") if "cannot list roles" in f["message"])
OK = got == role'

# --- unreachable -------------------------------------------------------------
cp live.db before.db
BEFORE=$(sql live.db "SELECT count(*) FROM scans WHERE status = 'complete'")
kubeconfig kc-refused "https://127.0.0.1:1" "$T/certs/ca.crt" "$TOKEN"
expect_exit 2 "a cluster refusing the connection: exit 2" \
    "$FOURC" scan --db live.db --kubeconfig kc-refused
expect_one_error_line "refused: one error line naming the cluster" "cluster https://127.0.0.1:1"
kubeconfig kc-ca "$SERVER" "$T/certs/other-ca.crt" "$TOKEN"
expect_exit 2 "a CA that does not match the server: exit 2" \
    "$FOURC" scan --db live.db --kubeconfig kc-ca -q
expect_one_error_line "wrong CA: one error line" "$SERVER"
kubeconfig kc-401 "$SERVER" "$T/certs/ca.crt" not-the-token
expect_exit 2 "a token the server refuses (401): exit 2" \
    "$FOURC" scan --db live.db --kubeconfig kc-401
expect_one_error_line "401: one error line saying the credentials were refused" "401 Unauthorized.*refused"
check "401: the token is not in the error" sh -c "! grep -q not-the-token '$ERR'"
check_eq "the database keeps its scans, and the failed ones are stored complete" \
    "$((BEFORE + 3)) ok" \
    "$(sql live.db "SELECT count(*) FROM scans WHERE status = 'complete'") $(sql live.db "PRAGMA integrity_check")"
fourc report --db live.db --scan latest --format json -o unreach.json
jq_ok "the unreachable scan's rules are errors naming the cluster" unreach.json \
    'FS and all(f["status"] == "error" and A[0] in f["message"] for f in FS if f["rule"] == "K8S-WL-PRIVILEGED")' \
    "$SERVER"
kubeconfig kc-nosuch "$SERVER" "$T/certs/ca.crt" "$TOKEN"
expect_exit 2 "an unknown context: a usage error" \
    "$FOURC" scan --db live.db --kubeconfig kc-nosuch --context nosuch
expect_one_error_line "unknown context: one error line naming it" "nosuch"

e2e_finish
