#!/bin/sh
# End-to-end: fourc scan --kubeconfig FILE --images. The HTTPS test server
# (tests/tools/httpsrv.py) serves a cluster's discovery and lists, whose
# pods run images pushed (umoci, skopeo) to Debian's docker-registry on
# 127.0.0.1 with TLS (a test CA) and htpasswd authentication; fourc pulls
# them with the docker config's credentials:
#   - one image run by a Deployment's pod by tag (docker-pullable:// digest
#     in its status) and by a bare pod by digest: audited once, and its
#     image/Config names both workloads;
#   - an image whose pod reports a bare sha256 imageID (a local image id):
#     pulled by its reference;
#   - an image the registry does not have: `error` findings naming the
#     image and the DaemonSet that runs it;
#   - without credentials, the 401 is an error naming image and workloads.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
. "$TOP_SRCDIR/tests/e2e/registrylib.sh"
e2e_init
registry_need
KSRV_PID=
trap '[ -n "$KSRV_PID" ] && kill "$KSRV_PID" 2>/dev/null; registry_stop_all; e2e_cleanup' EXIT

mkdir -p "$T/home"
HOME=$T/home
export HOME
unset DOCKER_CONFIG KUBECONFIG http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

# --- the registry and its images ---------------------------------------------

registry_start sec auth tls || exit 99
R=$REG_SEC_ADDR
L=$T/layout
image_build "$L" app amd64 etc/app.conf=app || exit 99
image_build "$L" tool amd64 etc/tool.conf=tool || exit 99
image_push "oci:$L:app" "docker://$R/team/app:1" --format oci \
    --dest-cert-dir "$REG_SEC_CERTDIR" --dest-creds "$REG_SEC_USER:$REG_SEC_PASS" \
    --digestfile "$T/app.digest" || exit 99
image_push "oci:$L:tool" "docker://$R/team/tool:2" --format oci \
    --dest-cert-dir "$REG_SEC_CERTDIR" --dest-creds "$REG_SEC_USER:$REG_SEC_PASS" || exit 99
D_APP=$(cat "$T/app.digest")
check "skopeo reported the pushed manifest's digest" \
    sh -c "printf '%s' '$D_APP' | grep -Eq '^sha256:[0-9a-f]{64}\$'"

mkdir -p dc nocreds
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$R" \
    "$(printf '%s:%s' "$REG_SEC_USER" "$REG_SEC_PASS" | base64 | tr -d '\n')" >dc/config.json

# --- the cluster ---------------------------------------------------------------

TOKEN="kube-token-$$-e2e"
OFF=127.0.0.1:$(registry_free_port) # nothing listens there
"$PYTHON" - "$T/spec.json" "$R" "$D_APP" "$OFF" <<'EOF'
import json, sys
out, reg, dig, off = sys.argv[1:5]
def res(name, kind, ns=True):
    return {"name": name, "singularName": "", "namespaced": ns, "kind": kind,
            "verbs": ["get", "list", "watch"]}
def lst(kind, items):
    return {"body": {"kind": kind + "List", "apiVersion": "v1",
                     "metadata": {"resourceVersion": "1"}, "items": items}}
def meta(name, ns, owner=None):
    m = {"name": name, "namespace": ns, "uid": "uid-" + ns + "-" + name,
         "managedFields": [{"manager": "kubectl"}]}
    if owner:
        m["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner[0],
                                 "name": owner[1], "uid": "uid-o",
                                 "controller": True, "blockOwnerDeletion": True}]
    return m
def pod(name, ns, owner, containers, statuses):
    return {"metadata": meta(name, ns, owner),
            "spec": {"containers": [{"name": n, "image": i} for n, i in containers]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": n, "image": i, "imageID": iid, "ready": True}
                for n, i, iid in statuses]}}
tmpl = lambda img: {"template": {"spec": {"containers": [{"name": "c", "image": img}]}}}
pods = [
    # a Deployment's pod by tag; dockershim's docker-pullable:// digest
    pod("web-7d9-abcde", "shop", ("ReplicaSet", "web-7d9"),
        [("web", reg + "/team/app:1")],
        [("web", reg + "/team/app:1", "docker-pullable://" + reg + "/team/app@" + dig)]),
    # a bare pod by digest; containerd's form
    pod("debug", "default", None, [("c", reg + "/team/app@" + dig)],
        [("c", reg + "/team/app@" + dig, reg + "/team/app@" + dig)]),
    # a bare sha256 image id: by reference
    pod("tool-0", "shop", ("StatefulSet", "tool"), [("t", reg + "/team/tool:2")],
        [("t", reg + "/team/tool:2", "sha256:" + "ab" * 32)]),
    # not in the registry (ImagePullBackOff: no imageID)
    pod("ghost-x1", "shop", ("DaemonSet", "ghost"), [("g", reg + "/team/ghost:9")],
        [("g", reg + "/team/ghost:9", "")]),
    # a registry that cannot be reached; a CronJob's Job's pod
    pod("sync-1-q", "ops", ("Job", "sync-1"), [("s", off + "/team/off:1")],
        [("s", off + "/team/off:1", "")]),
]
routes = {
    "/version": {"body": {"major": "1", "minor": "31", "gitVersion": "v1.31.2",
                          "platform": "linux/amd64"}},
    "/api": {"body": {"kind": "APIVersions", "versions": ["v1"]}},
    "/api/v1": {"body": {"kind": "APIResourceList", "groupVersion": "v1",
                         "resources": [res("pods", "Pod"), res("pods/status", "Pod"),
                                       res("namespaces", "Namespace", False)]}},
    "/apis": {"body": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": g, "versions": [{"groupVersion": g + "/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": g + "/v1", "version": "v1"}}
        for g in ("apps", "batch")]}},
    "/apis/apps/v1": {"body": {"kind": "APIResourceList", "groupVersion": "apps/v1",
                               "resources": [res("deployments", "Deployment"),
                                             res("replicasets", "ReplicaSet"),
                                             res("statefulsets", "StatefulSet"),
                                             res("daemonsets", "DaemonSet")]}},
    "/apis/batch/v1": {"body": {"kind": "APIResourceList", "groupVersion": "batch/v1",
                                "resources": [res("jobs", "Job"), res("cronjobs", "CronJob")]}},
    "/api/v1/pods": lst("Pod", pods),
    "/api/v1/namespaces": lst("Namespace", [{"metadata": {"name": n, "uid": "ns-" + n}}
                                            for n in ("default", "shop")]),
    "/apis/apps/v1/deployments": lst("Deployment", [
        {"metadata": meta("web", "shop"), "spec": tmpl(reg + "/team/app:1")}]),
    "/apis/apps/v1/replicasets": lst("ReplicaSet", [
        {"metadata": meta("web-7d9", "shop", ("Deployment", "web")),
         "spec": tmpl(reg + "/team/app:1")}]),
    "/apis/apps/v1/statefulsets": lst("StatefulSet", [
        {"metadata": meta("tool", "shop"), "spec": tmpl(reg + "/team/tool:2")}]),
    "/apis/apps/v1/daemonsets": lst("DaemonSet", [
        {"metadata": meta("ghost", "shop"), "spec": tmpl(reg + "/team/ghost:9")}]),
    "/apis/batch/v1/jobs": lst("Job", [
        {"metadata": meta("sync-1", "ops", ("CronJob", "sync")),
         "spec": tmpl(off + "/team/off:1")}]),
    "/apis/batch/v1/cronjobs": lst("CronJob", [
        {"metadata": meta("sync", "ops"),
         "spec": {"jobTemplate": {"spec": tmpl(off + "/team/off:1")}}}]),
}
json.dump({"routes": routes}, open(out, "w"), indent=1)
EOF
[ -s "$T/spec.json" ] || exit 99

mkdir -p "$T/ksrv"
"$PYTHON" "$TOP_SRCDIR/tests/tools/httpsrv.py" --dir "$T/ksrv" \
    --spec "$T/spec.json" --token "$TOKEN" >"$T/ksrv.log" 2>&1 &
KSRV_PID=$!
_i=0
while [ ! -s "$T/ksrv/port" ] && [ $_i -lt 300 ]; do
    sleep 0.1
    _i=$((_i + 1))
done
[ -s "$T/ksrv/port" ] || {
    echo "httpsrv.py did not come up:" >&2
    cat "$T/ksrv.log" >&2
    exit 99
}
KPORT=$(tr -d '\n' <"$T/ksrv/port")
cat >"$T/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:$KPORT
    certificate-authority: $T/ksrv/ca.crt
users:
- name: u
  user:
    token: $TOKEN
contexts:
- name: test
  context: {cluster: test, user: u}
current-context: test
EOF

# scan NAME DOCKER_CONFIG_DIR ARGS...
scan() {
    _n=$1
    _dc=$2
    shift 2
    run env DOCKER_CONFIG="$_dc" "$FOURC" scan --db "$_n.db" \
        --format json -o "$_n.json" --kubeconfig "$T/kubeconfig" "$@"
    cp "$OUT" "$_n.out"
    cp "$ERR" "$_n.err"
}

# configs_ok DESC NAME PYEXPR [ARGS...]: PYEXPR over C, the image/Config
# documents of scan NAME by their "image"; ARGS are sys.argv[3:].
configs_ok() {
    _cdesc=$1
    _cname=$2
    _cexpr=$3
    shift 3
    if "$PYTHON" -c '
import json, sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
docs = [json.loads(d) for (d,) in db.execute("SELECT doc FROM resources WHERE kind = ?", ("image/Config",))]
C = {}
for d in docs:
    C.setdefault(d["image"], []).append(d)
sys.exit(0 if eval(sys.argv[2]) else 1)' "$_cname.db" "$_cexpr" "$@" \
        2>"$T/.pyerr"; then
        ok "$_cdesc"
    else
        not_ok "$_cdesc"
        diag "false: $_cexpr"
        diag_file "$T/.pyerr"
    fi
}

APP=$R/team/app@$D_APP
TOOL=$R/team/tool:2
GHOST=$R/team/ghost:9
OFFREF=$OFF/team/off:1

# --- with the docker config's credentials ----------------------------------------

scan ok "$T/dc" --images --registry-ca "$REG_SEC_CA"
check_eq "--images with credentials: exit 0" 0 "$RC"
configs_ok "two images read: the app by its digest, the tool by reference" ok \
    'sorted(C) == sorted([sys.argv[3], sys.argv[4]]) and all(len(v) == 1 for v in C.values())' \
    "$APP" "$TOOL"
configs_ok "the app, run by tag and by digest, is audited once and names both workloads" ok \
    'C[sys.argv[3]][0]["workloads"] == [{"kind": "Deployment", "namespace": "shop", "name": "web"}, {"kind": "Pod", "namespace": "default", "name": "debug"}] and C[sys.argv[3]][0]["workloads_more"] == 0' \
    "$APP"
configs_ok "the app's image/Config is the pushed manifest and keeps how the pods name it" ok \
    'C[sys.argv[3]][0]["digest"] == sys.argv[4] and C[sys.argv[3]][0]["references"] == [sys.argv[5] + "/team/app:1", sys.argv[3]]' \
    "$APP" "$D_APP" "$R"
configs_ok "a bare sha256 imageID: the tool pulled by reference, run by its StatefulSet" ok \
    'C[sys.argv[3]][0]["workloads"] == [{"kind": "StatefulSet", "namespace": "shop", "name": "tool"}] and C[sys.argv[3]][0]["tag"] == "2"' \
    "$TOOL"
jq_ok "the app's filesystem is judged (image/Filesystem findings, no error)" ok.json \
    'any(f["resource"]["name"] == A[0] for f in F(kind="image/Filesystem")) and not any(f["status"] == "error" and A[0] in f["resource"]["uid"] for f in FS)' \
    "$APP"
jq_ok "the image missing from the registry: error findings naming it and its DaemonSet" ok.json \
    'F(status="error") and any(A[0] in f["message"] and "DaemonSet shop/ghost" in f["message"] and "MANIFEST_UNKNOWN" in f["message"] for f in F(status="error"))' \
    "$GHOST"
jq_ok "the image on a registry that cannot be reached: error findings naming it and its CronJob" ok.json \
    'any(A[0] in f["message"] and "CronJob ops/sync" in f["message"] for f in F(status="error"))' \
    "$OFFREF"
jq_ok "no error finding but the two images' that could not be pulled" ok.json \
    'all(A[0] in f["message"] or A[1] in f["message"] for f in F(status="error"))' "$GHOST" "$OFFREF"
jq_ok "the scan's targets: the kubeconfig, then each image once, handed over with its context" ok.json \
    '[t["type"] for t in r["scan"]["targets"]] == ["kubeconfig"] + ["image"] * 4 and sorted(t["ref"] for t in r["scan"]["targets"][1:]) == sorted(A[0:4]) and all(t["from"].startswith("target:kubeconfig:") and t["context"]["workloads"] for t in r["scan"]["targets"][1:])' \
    "$APP" "$GHOST" "$TOOL" "$OFFREF"
jq_ok "the report validates against docs/report.schema.json" ok.json \
    '__import__("jsonschema").Draft202012Validator(json.load(open(A[0]))).is_valid(r)' "$TOP_SRCDIR/docs/report.schema.json"
check "the warning on stderr names the missing image and its DaemonSet" \
    grep -q "image $GHOST: .*404 MANIFEST_UNKNOWN.*(used by DaemonSet shop/ghost; via cluster https://127.0.0.1:$KPORT)" ok.err
jq_ok "the image's fourc/Target records whom it was handed over for" ok.json \
    'any(f["resource"]["uid"] == "target:image:" + A[0] for f in F(kind="fourc/Target"))' "$GHOST"
check "the registry's password is nowhere in the output or the database" \
    sh -c "! grep -q -- '$REG_SEC_PASS' ok.json ok.out ok.err ok.db"
check "the cluster's token is nowhere in the output or the database" \
    sh -c "! grep -q -- '$TOKEN' ok.json ok.out ok.err ok.db"

run "$FOURC" scan --db ok.db -q --reevaluate 1 --format json -o reeval.json
check_eq "re-evaluating the scan: exit 0" 0 "$RC"
jq_ok "re-evaluated: the same targets, the missing image's errors still name its DaemonSet" reeval.json \
    'len(r["scan"]["targets"]) == 5 and any(A[0] in f["message"] and "DaemonSet shop/ghost" in f["message"] for f in F(status="error")) and F(kind="image/Config")' \
    "$GHOST"

# --- without credentials: the 401 names the image and the workloads -------------------

scan nocreds "$T/nocreds" --images --registry-ca "$REG_SEC_CA" --fail-on critical
check_eq "--images without credentials: the errors fail the gate (exit 1)" 1 "$RC"
jq_ok "401 on the app: error findings naming the image and both workloads" nocreds.json \
    'any(A[0] in f["message"] and "authentication failed" in f["message"] and "Deployment shop/web" in f["message"] and "Pod default/debug" in f["message"] for f in F(status="error"))' \
    "$APP"
configs_ok "nothing of an image that could not be pulled is judged" nocreds 'C == {}'

# --- an image the user also named is audited once, as named ---------------------------

scan named "$T/dc" --images --registry-ca "$REG_SEC_CA" --image "$APP"
check_eq "--image naming a cluster's image too: exit 0" 0 "$RC"
configs_ok "an image named with --image and run by the pods: one image/Config" named \
    'len(C[sys.argv[3]]) == 1 and len(C) == 2' "$APP"
jq_ok "the named image is not handed over again: 5 targets" named.json \
    'sorted(t["type"] for t in r["scan"]["targets"]) == ["image"] * 4 + ["kubeconfig"] and r["scan"]["targets"][0]["type"] == "kubeconfig" and r["scan"]["targets"][-1] == {"type": "image", "ref": A[0]}' \
    "$APP"

# --- a second scan: a diff of the same targets though the images differ -------------

"$FOURC" scan --db ok.db -q --kubeconfig "$T/kubeconfig" >/dev/null 2>&1
run "$FOURC" diff --db ok.db
check_eq "fourc diff: a scan without --images diffs against the one with them" 0 "$RC"

# --- without --images, no image is pulled ---------------------------------------------

scan noimages "$T/dc" --registry-ca "$REG_SEC_CA"
check_eq "without --images: exit 0" 0 "$RC"
configs_ok "without --images: no image/Config" noimages 'C == {}'
jq_ok "without --images: one target" noimages.json \
    '[t["type"] for t in r["scan"]["targets"]] == ["kubeconfig"]'

e2e_finish
