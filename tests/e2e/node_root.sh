#!/bin/sh
# End-to-end: fourc scan --node-root on real directory trees laid out like a
# kubeadm control-plane node (real modes and owners: the tests run as root),
# the same trees as tar archives, the managed platforms, and bad input.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

PACK=$TOP_SRCDIR/tests/e2e/data/node-pack

# mk_node DIR: a kubeadm control-plane node's files.
mk_node() {
    R=$1
    mkdir -p "$R/etc/kubernetes/manifests" "$R/etc/kubernetes/pki/etcd" \
        "$R/var/lib/kubelet" "$R/var/lib/etcd/member" "$R/etc/cni/net.d" \
        "$R/etc/systemd/system/kubelet.service.d" "$R/usr/lib/systemd/system" \
        "$R/proc/sys/vm" "$R/proc/sys/kernel"
    echo cp1 >"$R/etc/hostname"
    printf 'root:x:0:0:root:/root:/bin/bash\netcd:x:998:997::/var/lib/etcd:/usr/sbin/nologin\n' >"$R/etc/passwd"
    printf 'root:x:0:\netcd:x:997:\n' >"$R/etc/group"
    for c in kube-controller-manager kube-scheduler; do
        cat >"$R/etc/kubernetes/manifests/$c.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $c, namespace: kube-system}
spec:
  containers:
  - name: $c
    image: registry.k8s.io/$c:v1.32.0
    command:
    - $c
    - --kubeconfig=/etc/kubernetes/${c#kube-}.conf
    - --profiling=false
EOF
    done
    cat >"$R/etc/kubernetes/manifests/kube-apiserver.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.32.0
    command:
    - kube-apiserver
    - --anonymous-auth=true
    - --authorization-mode=Node,RBAC
    - --profiling
    - --etcd-servers
    - https://127.0.0.1:2379
    - --client-ca-file=/etc/kubernetes/pki/ca.crt
EOF
    cat >"$R/etc/kubernetes/manifests/etcd.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: etcd, namespace: kube-system}
spec:
  containers:
  - name: etcd
    image: registry.k8s.io/etcd:3.5.16-0
    command: [etcd, --data-dir=/var/lib/etcd, --client-cert-auth=true, --peer-auto-tls]
EOF
    cat >"$R/usr/lib/systemd/system/kubelet.service" <<'EOF'
[Unit]
Description=kubelet: The Kubernetes Node Agent

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
EOF
    cat >"$R/etc/systemd/system/kubelet.service.d/10-kubeadm.conf" <<'EOF'
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS \
    $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
EOF
    echo 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --read-only-port=0"' \
        >"$R/var/lib/kubelet/kubeadm-flags.env"
    cat >"$R/var/lib/kubelet/config.yaml" <<'EOF'
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
readOnlyPort: 10255
protectKernelDefaults: true
authentication:
  anonymous:
    enabled: false
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
featureGates:
  RotateKubeletServerCertificate: true
EOF
    echo 1 >"$R/proc/sys/vm/overcommit_memory"
    echo 10 >"$R/proc/sys/kernel/panic"
    for f in ca apiserver etcd/ca; do
        echo "cert $f" >"$R/etc/kubernetes/pki/$f.crt"
        echo "key $f" >"$R/etc/kubernetes/pki/$f.key"
        chmod 644 "$R/etc/kubernetes/pki/$f.crt"
        chmod 600 "$R/etc/kubernetes/pki/$f.key"
    done
    echo 'apiVersion: v1' >"$R/etc/kubernetes/admin.conf"
    chmod 600 "$R/etc/kubernetes/admin.conf"
    echo '{"cniVersion": "1.0.0"}' >"$R/etc/cni/net.d/10-flannel.conflist"
    chmod 644 "$R/etc/kubernetes/manifests/kube-apiserver.yaml"
    chmod 600 "$R/etc/kubernetes/manifests/etcd.yaml"
    chown 998:997 "$R/var/lib/etcd"
    chmod 700 "$R/var/lib/etcd"
}

# resources DB OUT: {uid: {"kind", "name", "source", "doc"}} of scan 1.
resources() {
    "$PYTHON" -c '
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
out = {}
for uid, kind, name, src, doc in db.execute(
        "SELECT uid, kind, name, source, doc FROM resources WHERE scan_id = 1"):
    out[uid] = {"kind": kind, "name": name, "source": src, "doc": json.loads(doc)}
json.dump(out, open(sys.argv[2], "w"), indent=1, sort_keys=True)' "$1" "$2"
}

# findings DB RULE: "status|uid" lines of RULE in scan 1.
findings() {
    sql "$1" "SELECT status, uid FROM {F} WHERE rule_id = ? ORDER BY uid" "$2"
}

C=node/cp1/component
F=node/cp1/file

mk_node "$T/n1"
run "$FOURC" scan --db n1.db --rules "$PACK" --node-root "$T/n1" --format json -o n1.json
check "scan of a kubeadm control-plane tree runs (exit $RC)" test "$RC" -le 1
resources n1.db n1.res
jq_ok "every component has a k8s/ComponentConfig" n1.res \
    'sorted(v["name"] for v in r.values() if v["kind"] == "k8s/ComponentConfig") == ["etcd", "kube-apiserver", "kube-controller-manager", "kube-proxy", "kube-scheduler", "kubelet"]'
jq_ok "the apiserver manifest mode 0644 gives host/File mode 0644, root:root" n1.res \
    'r[A[0] + "/etc/kubernetes/manifests/kube-apiserver.yaml"]["doc"]["mode"] == "0644" and r[A[0] + "/etc/kubernetes/manifests/kube-apiserver.yaml"]["doc"]["user"] == "root"' "$F"
jq_ok "the apiserver's flags in both forms; a bare bool is true" n1.res \
    'r[A[0] + "/kube-apiserver"]["doc"]["effective"] == {"anonymous-auth": "true", "authorization-mode": "Node,RBAC", "profiling": "true", "etcd-servers": "https://127.0.0.1:2379", "client-ca-file": "/etc/kubernetes/pki/ca.crt"}' "$C"
jq_ok "etcd's data dir is owned by the tree's etcd user (uid 998), mode 0700" n1.res \
    '(d := r[A[0] + "/var/lib/etcd"]["doc"]) is not None and d["user"] == "etcd" and d["group"] == "etcd" and d["uid"] == 998 and d["mode"] == "0700" and d["role"] == "etcd-data-dir"' "$F"
jq_ok "kubelet: readOnlyPort 10255 in the config, --read-only-port=0 in kubeadm-flags.env: effective 0 from the flag" n1.res \
    '(k := r[A[0] + "/kubelet"]["doc"]) and k["effective"]["read-only-port"] == "0" and k["effective_from"]["read-only-port"] == "flag" and k["config"]["readOnlyPort"] == 10255' "$C"
jq_ok "kubelet: config fields under their flag names, from config" n1.res \
    '(k := r[A[0] + "/kubelet"]["doc"]) and (e := k["effective"]) and e["anonymous-auth"] == "false" and e["authorization-mode"] == "Webhook" and e["client-ca-file"] == "/etc/kubernetes/pki/ca.crt" and e["feature-gates"] == "RotateKubeletServerCertificate=true" and e["protect-kernel-defaults"] == "true" and k["effective_from"]["anonymous-auth"] == "config"' "$C"
jq_ok "kubelet: the systemd unit in /usr/lib, the drop-in in /etc and the env file are its sources" n1.res \
    '[s["path"] for s in r[A[0] + "/kubelet"]["doc"]["sources"]] == ["/usr/lib/systemd/system/kubelet.service", "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "/var/lib/kubelet/kubeadm-flags.env", "/var/lib/kubelet/config.yaml"]' "$C"
jq_ok "kubelet: sysctls from ROOT/proc/sys" n1.res \
    'r[A[0] + "/kubelet"]["doc"]["sysctls"] == {"vm.overcommit_memory": "1", "kernel.panic": "10"}' "$C"
jq_ok "pki: keys, certs and every file, with their roles" n1.res \
    'r[A[0] + "/etc/kubernetes/pki/etcd/ca.key"]["doc"]["roles"] == ["pki-key", "pki-file"] and r[A[0] + "/etc/kubernetes/pki/ca.crt"]["doc"]["roles"] == ["client-ca-file", "pki-cert", "pki-file"] and r[A[0] + "/etc/kubernetes/pki"]["doc"]["type"] == "directory"' "$F"
jq_ok "files named but missing are there with exists false" n1.res \
    '(d := r[A[0] + "/etc/kubernetes/super-admin.conf"]["doc"]) is not None and d["exists"] is False and d["mode"] is None' "$F"
jq_ok "no managed_by on a kubeadm node" n1.res \
    'not [u for u, v in r.items() if "managed_by" in v["doc"]]'
jq_ok "scheduler kubeconfig from its --kubeconfig flag" n1.res \
    'r[A[0] + "/etc/kubernetes/scheduler.conf"]["doc"]["role"] == "scheduler-kubeconfig"' "$F"
check_eq "E2E rule: the apiserver with --anonymous-auth=true fails" \
    "fail|$C/kube-apiserver" "$(findings n1.db E2E-NODE-APISERVER-ANON | grep kube-apiserver)"
check_eq "E2E rule: kubelet read-only-port 0 passes" \
    "pass|$C/kubelet" "$(findings n1.db E2E-NODE-KUBELET-ROPORT | grep '|node/cp1/component/kubelet$')"
check_eq "E2E rule: manifest 0644 fails bitmask 0600" \
    "fail|$F/etc/kubernetes/manifests/kube-apiserver.yaml" "$(findings n1.db E2E-NODE-MANIFEST-PERMS | grep kube-apiserver.yaml)"
check_eq "E2E rule: etcd data dir owned by etcd passes" \
    "pass|$F/var/lib/etcd" "$(findings n1.db E2E-NODE-ETCD-OWNER | grep '/var/lib/etcd$')"

# The same tree as a tar archive: the same documents.
tar -cpzf n1.node.tar.gz -C "$T/n1" .
run "$FOURC" scan --db t1.db --rules "$PACK" --node-root n1.node.tar.gz
check "scan of the tree as a .tar.gz runs (exit $RC)" test "$RC" -le 1
resources t1.db t1.res
"$PYTHON" -c '
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
strip = lambda d: {u: (v["kind"], v["name"], v["doc"]) for u, v in d.items() if v["kind"] != "fourc/Target"}
sys.exit(0 if strip(a) == strip(b) and len(strip(a)) > 20 else 1)' n1.res t1.res &&
    ok "tar archive and directory give identical resource documents" ||
    not_ok "tar archive and directory give identical resource documents"
jq_ok "a tar resource's source names the archive and the path" t1.res \
    'r[A[0] + "/var/lib/etcd"]["source"] == "n1.node.tar.gz:/var/lib/etcd"' "$F"

# A running process overrides the manifest.
mkdir -p "$T/n1/proc/731"
printf '/usr/local/bin/kube-apiserver\0--anonymous-auth=false\0--profiling=false\0' >"$T/n1/proc/731/cmdline"
mkdir -p "$T/n1/proc/900"
printf 'hyperkube\0kubelet\0--read-only-port=10255\0--config=/var/lib/kubelet/config.yaml\0' >"$T/n1/proc/900/cmdline"
mkdir -p "$T/n1/proc/self" "$T/n1/proc/950"
printf '/usr/bin/proxy\0--metrics-bind-address=0.0.0.0:10249\0' >"$T/n1/proc/950/cmdline"
run "$FOURC" scan --db p1.db --rules "$PACK" --node-root "$T/n1"
resources p1.db p1.res
jq_ok "a process in ROOT/proc overrides the static pod manifest" p1.res \
    '(d := r[A[0] + "/kube-apiserver"]["doc"]) is not None and d["effective"] == {"anonymous-auth": "false", "profiling": "false"} and d["sources"][-1] == {"type": "process", "path": "/proc/731/cmdline"}' "$C"
jq_ok "host/Process for the apiserver and for 'hyperkube kubelet'" p1.res \
    'r["node/cp1/process/kube-apiserver"]["doc"]["pid"] == 731 and r["node/cp1/process/kubelet"]["doc"]["args"][1] == "kubelet"'
jq_ok "the kubelet process's command line wins over the systemd unit" p1.res \
    'r[A[0] + "/kubelet"]["doc"]["effective"]["read-only-port"] == "10255"' "$C"
jq_ok "a binary merely named 'proxy' is not kube-proxy" p1.res \
    'r[A[0] + "/kube-proxy"]["doc"]["present"] is False and "node/cp1/process/kube-proxy" not in r' "$C"
check_eq "E2E rule: with the process, the apiserver passes" \
    "pass|$C/kube-apiserver" "$(findings p1.db E2E-NODE-APISERVER-ANON | grep kube-apiserver)"

# Managed platforms.
run "$FOURC" scan --db e1.db --node-root "$T/n1" --cluster-platform eks
resources e1.db e1.res
jq_ok "eks: managed_by on the control plane and its files, not on the kubelet" e1.res \
    '"Amazon EKS" in r[A[0] + "/kube-apiserver"]["doc"]["managed_by"] and "managed_by" in r[A[1] + "/etc/kubernetes/manifests/etcd.yaml"]["doc"] and "managed_by" not in r[A[0] + "/kubelet"]["doc"] and r[A[0] + "/kube-apiserver"]["doc"]["platform"] == "eks"' "$C" "$F"
expect_exit 2 "an unknown --cluster-platform is a usage error" \
    "$FOURC" scan --db u.db --node-root "$T/n1" --cluster-platform openshift
expect_stderr_match 'generic, kubeadm, eks, gke, aks' "the usage error lists the five platforms"
expect_exit 2 "a --node-root that does not exist is a usage error" \
    "$FOURC" scan --db u.db --node-root "$T/nope"
echo 'not a tar' >plain.txt
expect_exit 2 "a --node-root that is a plain file is a usage error" \
    "$FOURC" scan --db u.db --node-root plain.txt
expect_stderr_match 'directory or a tar archive' "the usage error says what is expected"

# Bad input: a manifest that is not YAML, a kubelet config with an unknown
# field, a FIFO where a config is expected, a symlink out of the root.
mk_node "$T/bad"
printf 'apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n    {name: x\n' >"$T/bad/etc/kubernetes/manifests/kube-apiserver.yaml"
printf 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\nanonymousAuth: false\n' >"$T/bad/var/lib/kubelet/config.yaml"
rm -f "$T/bad/etc/kubernetes/manifests/etcd.yaml"
rm -rf "$T/bad/proc"
mkdir -p "$T/bad/proc/960"
printf 'kube-proxy\0--config=/var/lib/kube-proxy/config.conf\0--hostname-override=cp1\0' >"$T/bad/proc/960/cmdline"
mkdir -p "$T/bad/etc/sysctl.d" "$T/bad/usr/lib/sysctl.d"
printf 'vm.overcommit_memory = 0\nkernel.panic=5\n' >"$T/bad/usr/lib/sysctl.d/50-default.conf"
printf '# kubelet\nvm/overcommit_memory=1\n' >"$T/bad/etc/sysctl.d/90-kubelet.conf"
printf 'kernel.panic = 10\n' >"$T/bad/etc/sysctl.conf"
mkfifo "$T/bad/etc/kubernetes/manifests/etcd.yaml"
echo 'apiVersion: v1 # outside' >"$T/outside.conf"
ln -s ../../../../outside.conf "$T/bad/etc/kubernetes/scheduler.conf"
rm -f "$T/bad/etc/kubernetes/manifests/kube-scheduler.yaml"
ln -s /../../outside.conf "$T/bad/etc/kubernetes/manifests/kube-scheduler.yaml"
run "$FOURC" scan --db b1.db --rules "$PACK" --node-root "$T/bad"
check "scan of the bad tree finishes (exit $RC)" test "$RC" -le 1
resources b1.db b1.res
jq_ok "a manifest that is not YAML: effective unresolved (a string: rules reading it are errors), config_error names file:line" b1.res \
    '(d := r[A[0] + "/kube-apiserver"]["doc"]) is not None and d["effective"].startswith("unresolved: ") and "kube-apiserver.yaml" in d["config_error"]' "$C"
check_eq "E2E rule on the broken apiserver is error, never pass" \
    "error|$C/kube-apiserver" "$(findings b1.db E2E-NODE-APISERVER-ANON | grep kube-apiserver)"
jq_ok "kubelet config with an unknown field: effective unresolved (a string: rules reading it are errors), config_error names the field" b1.res \
    '(d := r[A[0] + "/kubelet"]["doc"]) is not None and d["effective"].startswith("unresolved: ") and "anonymousAuth" in d["config_error"] and "config.yaml:4" in d["config_error"]' "$C"
jq_ok "kube-proxy whose --config is not on the node: unresolved, saying why" b1.res \
    '(d := r[A[0] + "/kube-proxy"]["doc"]) and "inside the container" in d["config_error"] and d["effective"].startswith("unresolved") and d["flags"]["hostname-override"] == "cp1"' "$C"
jq_ok "without ROOT/proc/sys, sysctls come from sysctl.d and sysctl.conf, later files winning" b1.res \
    'r[A[0] + "/kubelet"]["doc"]["sysctls"] == {"vm.overcommit_memory": "1", "kernel.panic": "10"}' "$C"
check_eq "E2E rule on the kubelet with a bad config is error" \
    "error|$C/kubelet" "$(findings b1.db E2E-NODE-KUBELET-ROPORT | grep '|node/cp1/component/kubelet$')"
msgs=$(sql b1.db "SELECT message FROM {F} WHERE rule_id = 'FOURC-CLUSTER-INPUT'")
case $msgs in
*'manifests/kube-apiserver.yaml:'[0-9]*) ok "an input error names the apiserver manifest's file:line" ;;
*) not_ok "an input error names the apiserver manifest's file:line"; diag "$msgs" ;;
esac
case $msgs in
*'config.yaml:4'*anonymousAuth*) ok "an input error names the kubelet config:line and the field" ;;
*) not_ok "an input error names the kubelet config:line and the field"; diag "$msgs" ;;
esac
case $msgs in
*kube-proxy/config.conf*) not_ok "kube-proxy's in-container config is no input error"; diag "$msgs" ;;
*) ok "kube-proxy's in-container config is no input error" ;;
esac
case $msgs in
*etcd.yaml*'not a regular file'*) ok "a FIFO as etcd's manifest is an input error, not read" ;;
*) not_ok "a FIFO as etcd's manifest is an input error, not read"; diag "$msgs" ;;
esac
jq_ok "symlinks out of the root resolve inside it (nothing outside is read)" b1.res \
    'r[A[0] + "/kube-scheduler"]["doc"]["present"] is False and r[A[1] + "/etc/kubernetes/scheduler.conf"]["doc"]["type"] == "symlink"' "$C" "$F"

# Unreadable files (EACCES, as a user who cannot read them): an input
# error naming the file; the host/File still says what lstat gave.
if have_setpriv_nobody; then
    mk_node "$T/acc"
    chmod 755 "$T"
    chmod -R a+rX "$T/acc"
    chmod 000 "$T/acc/var/lib/kubelet/config.yaml"
    chmod 700 "$T/acc/etc/kubernetes/pki"
    chmod 700 "$T/acc/etc/kubernetes/manifests"
    mkdir "$T/nb" && chmod 777 "$T/nb"
    run setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$FOURC" scan --db "$T/nb/a.db" --rules "$PACK" --node-root "$T/acc"
    check "scan as nobody finishes (exit $RC)" test "$RC" -le 1
    resources "$T/nb/a.db" a.res
    jq_ok "unreadable kubelet config: host/File mode 0000 from lstat, kubelet unresolved" a.res \
        'r[A[1] + "/var/lib/kubelet/config.yaml"]["doc"]["mode"] == "0000" and "Permission denied" in r[A[0] + "/kubelet"]["doc"]["config_error"] and r[A[0] + "/kubelet"]["doc"]["effective"].startswith("unresolved")' "$C" "$F"
    jq_ok "a pki dir that cannot be listed: the dir is there, its files are not guessed" a.res \
        'r[A[0] + "/etc/kubernetes/pki"]["doc"]["mode"] == "0700"' "$F"
    jq_ok "manifests that cannot be read: the control plane's presence and the files' existence are unknown, not false" a.res \
        'r[A[0] + "/kube-apiserver"]["doc"]["present"].startswith("unknown: ") and r[A[1] + "/etc/kubernetes/manifests/etcd.yaml"]["doc"]["exists"].startswith("unknown: ")' "$C" "$F"
    # So the shipped CIS rules say error there, never skip or pass.
    run setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$FOURC" scan --db "$T/nb/b.db" --node-root "$T/acc"
    check_eq "unreadable manifests: the apiserver and etcd manifest rules are errors" \
        "error|error|error" \
        "$(sql "$T/nb/b.db" "SELECT group_concat(status, '|') FROM (SELECT status FROM {F} WHERE rule_id IN ('K8S-CP-APISERVER-ANONYMOUS-AUTH', 'K8S-CP-ETCD-MANIFEST-PERMS', 'K8S-CP-ETCD-MANIFEST-OWNER') ORDER BY rule_id)")"
    msgs=$(sql "$T/nb/a.db" "SELECT message FROM {F} WHERE rule_id = 'FOURC-CLUSTER-INPUT'")
    case $msgs in
    *'var/lib/kubelet/config.yaml'*'Permission denied'*) ok "EACCES is an input error naming the file" ;;
    *) not_ok "EACCES is an input error naming the file"; diag "$msgs" ;;
    esac
    case $msgs in
    *'etc/kubernetes/pki'*'Permission denied'*) ok "an unlistable pki dir is an input error naming it" ;;
    *) not_ok "an unlistable pki dir is an input error naming it"; diag "$msgs" ;;
    esac
    chmod 700 "$T"
else
    not_ok "EACCES: running as root and setpriv cannot drop to nobody (dev/deps installs util-linux)"
fi

# A hostile archive is only data: links resolve inside it, a FIFO is not
# read, names climbing out of the root stay in it.
"$PYTHON" - hostile.node.tar <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
def add(name, typ=tarfile.REGTYPE, data=b"", link="", mode=0o644):
    i = tarfile.TarInfo(name)
    i.type, i.mode, i.linkname, i.size = typ, mode, link, len(data)
    i.uname = i.gname = "root"
    t.addfile(i, io.BytesIO(data) if data else None)
add("etc/hostname", data=b"evil\n")
add("../../outside.conf", data=b"apiVersion: v1\n")
add("etc/systemd/system/kubelet.service",
    data=b"[Service]\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml\n")
add("var/lib/kubelet/config.yaml", tarfile.SYMTYPE, link="../../../../../../etc/not-in-archive")
add("etc/kubernetes/manifests/kube-apiserver.yaml", tarfile.FIFOTYPE)
add("etc/kubernetes/admin.conf", tarfile.SYMTYPE, link="admin.conf")
t.close()
PY
run "$FOURC" scan --db h.db --node-root hostile.node.tar
check "scan of a hostile archive finishes (exit $RC)" test "$RC" -le 1
resources h.db h.res
jq_ok "a symlink out of the archive resolves inside it: the kubelet config is not there" h.res \
    '"not there" in r["node/evil/component/kubelet"]["doc"]["config_error"]'
jq_ok "a FIFO manifest in an archive is an error, its component unresolved" h.res \
    '"not a regular file" in r["node/evil/component/kube-apiserver"]["doc"]["config_error"] and r["node/evil/file/etc/kubernetes/manifests/kube-apiserver.yaml"]["doc"]["type"] == "other"'
jq_ok "a self-referencing symlink is listed as what lstat says" h.res \
    'r["node/evil/file/etc/kubernetes/admin.conf"]["doc"]["type"] == "symlink"'

# A truncated archive is an error finding, never a clean result.
head -c 2000 n1.node.tar.gz >cut.node.tar.gz
run "$FOURC" scan --db c1.db --node-root cut.node.tar.gz
check_eq "a truncated archive: FOURC-CLUSTER-INPUT error naming it" \
    "error" "$(sql c1.db "SELECT status FROM {F} WHERE rule_id = 'FOURC-CLUSTER-INPUT' AND message LIKE '%cut.node.tar.gz%truncated%'")"

e2e_finish
