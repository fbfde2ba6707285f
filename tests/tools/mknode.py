#!/usr/bin/env python3
"""mknode.py: node-root fixtures, byte for byte reproducible.

    mknode.py SPEC OUTDIR        every fixture SPEC lists, written as
                                 OUTDIR/fixtures/<RULE>/<NAME>.node.tar.gz
    mknode.py --base OUT.tar.gz  the base node alone

The base is a kubeadm control plane node that also runs workloads (kubelet
and kube-proxy), laid out as kubeadm lays it out and hardened the way the
CIS Kubernetes Benchmark v1.12 sections 1-4 ask, so every rule of those
sections passes on it: the four static pod manifests under
/etc/kubernetes/manifests, the kubeconfigs and the PKI under
/etc/kubernetes, the kubelet's config file, systemd unit and drop-in and
kubeadm-flags.env, a Calico CNI config, etcd's data directory, the
processes of the kubelet and kube-proxy under /proc and the sysctls under
/proc/sys, and an /etc/passwd and /etc/group naming root, etcd and ubuntu.

A fixture is the base plus a few changes, one line of SPEC each:

    RULE-ID NAME [OP ARGS [; OP ARGS]...]

    flag COMPONENT --name=value   set a flag (replacing one of that name)
    flag COMPONENT --name         a bare flag
    unflag COMPONENT --name       remove it
    config KEY.PATH=VALUE         set a field of the kubelet's config file
                                  (VALUE: true/false, a number, [a,b], text)
    unconfig KEY.PATH             remove it
    mode PATH OCTAL               a file's permissions
    owner PATH USER:GROUP         its owner (names from the node's passwd)
    rm PATH                       remove a file
    file PATH OCTAL USER:GROUP TEXT   add a file
    sysctl NAME=VALUE             a kernel setting under /proc/sys

COMPONENT is kube-apiserver, kube-controller-manager, kube-scheduler,
etcd, kubelet or kube-proxy. '#' starts a comment line.

Archives hold sorted entries, every parent directory, fixed mtimes, real
modes and uid/gid with user and group names, as `tar -cpzf` of a node
would; gzip with no name and mtime 0. Python 3 standard library only.
"""
import copy
import gzip
import io
import os
import sys
import tarfile

MTIME = 1733011200  # 2024-12-01T00:00:00Z
NODE = "cp-1"
IP = "10.0.0.10"

USERS = [("root", 0, 0, "/root", "/bin/bash"),
         ("daemon", 1, 1, "/usr/sbin", "/usr/sbin/nologin"),
         ("etcd", 998, 998, "/var/lib/etcd", "/usr/sbin/nologin"),
         ("ubuntu", 1000, 1000, "/home/ubuntu", "/bin/bash")]
GROUPS = [("root", 0), ("daemon", 1), ("etcd", 998), ("ubuntu", 1000)]

COMPONENTS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler",
              "etcd", "kubelet", "kube-proxy"]

PKI = "/etc/kubernetes/pki"

FLAGS = {
    "kube-apiserver": [
        "--advertise-address=" + IP,
        "--allow-privileged=true",
        "--anonymous-auth=false",
        "--audit-log-maxage=30",
        "--audit-log-maxbackup=10",
        "--audit-log-maxsize=100",
        "--audit-log-path=/var/log/kubernetes/audit/audit.log",
        "--audit-policy-file=/etc/kubernetes/audit-policy.yaml",
        "--authorization-mode=Node,RBAC",
        "--client-ca-file=" + PKI + "/ca.crt",
        "--enable-admission-plugins=NodeRestriction,EventRateLimit,"
        "AlwaysPullImages,DenyServiceExternalIPs",
        "--admission-control-config-file=/etc/kubernetes/admission.yaml",
        "--enable-bootstrap-token-auth=true",
        "--encryption-provider-config=/etc/kubernetes/encryption.yaml",
        "--etcd-cafile=" + PKI + "/etcd/ca.crt",
        "--etcd-certfile=" + PKI + "/apiserver-etcd-client.crt",
        "--etcd-keyfile=" + PKI + "/apiserver-etcd-client.key",
        "--etcd-servers=https://127.0.0.1:2379",
        "--kubelet-certificate-authority=" + PKI + "/ca.crt",
        "--kubelet-client-certificate=" + PKI + "/apiserver-kubelet-client.crt",
        "--kubelet-client-key=" + PKI + "/apiserver-kubelet-client.key",
        "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
        "--profiling=false",
        "--proxy-client-cert-file=" + PKI + "/front-proxy-client.crt",
        "--proxy-client-key-file=" + PKI + "/front-proxy-client.key",
        "--request-timeout=300s",
        "--requestheader-allowed-names=front-proxy-client",
        "--requestheader-client-ca-file=" + PKI + "/front-proxy-ca.crt",
        "--requestheader-extra-headers-prefix=X-Remote-Extra-",
        "--requestheader-group-headers=X-Remote-Group",
        "--requestheader-username-headers=X-Remote-User",
        "--secure-port=6443",
        "--service-account-extend-token-expiration=false",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=" + PKI + "/sa.pub",
        "--service-account-lookup=true",
        "--service-account-signing-key-file=" + PKI + "/sa.key",
        "--service-cluster-ip-range=10.96.0.0/12",
        "--tls-cert-file=" + PKI + "/apiserver.crt",
        "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,"
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,"
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "--tls-private-key-file=" + PKI + "/apiserver.key",
    ],
    "kube-controller-manager": [
        "--allocate-node-cidrs=true",
        "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--bind-address=127.0.0.1",
        "--client-ca-file=" + PKI + "/ca.crt",
        "--cluster-cidr=192.168.0.0/16",
        "--cluster-name=kubernetes",
        "--cluster-signing-cert-file=" + PKI + "/ca.crt",
        "--cluster-signing-key-file=" + PKI + "/ca.key",
        "--controllers=*,bootstrapsigner,tokencleaner",
        "--feature-gates=RotateKubeletServerCertificate=true",
        "--kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--leader-elect=true",
        "--profiling=false",
        "--requestheader-client-ca-file=" + PKI + "/front-proxy-ca.crt",
        "--root-ca-file=" + PKI + "/ca.crt",
        "--service-account-private-key-file=" + PKI + "/sa.key",
        "--service-cluster-ip-range=10.96.0.0/12",
        "--terminated-pod-gc-threshold=10",
        "--use-service-account-credentials=true",
    ],
    "kube-scheduler": [
        "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
        "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf",
        "--bind-address=127.0.0.1",
        "--kubeconfig=/etc/kubernetes/scheduler.conf",
        "--leader-elect=true",
        "--profiling=false",
    ],
    "etcd": [
        "--advertise-client-urls=https://%s:2379" % IP,
        "--cert-file=" + PKI + "/etcd/server.crt",
        "--client-cert-auth=true",
        "--data-dir=/var/lib/etcd",
        "--experimental-initial-corrupt-check=true",
        "--experimental-watch-progress-notify-interval=5s",
        "--initial-advertise-peer-urls=https://%s:2380" % IP,
        "--initial-cluster=%s=https://%s:2380" % (NODE, IP),
        "--key-file=" + PKI + "/etcd/server.key",
        "--listen-client-urls=https://127.0.0.1:2379,https://%s:2379" % IP,
        "--listen-metrics-urls=http://127.0.0.1:2381",
        "--listen-peer-urls=https://%s:2380" % IP,
        "--name=" + NODE,
        "--peer-cert-file=" + PKI + "/etcd/peer.crt",
        "--peer-client-cert-auth=true",
        "--peer-key-file=" + PKI + "/etcd/peer.key",
        "--peer-trusted-ca-file=" + PKI + "/etcd/ca.crt",
        "--snapshot-count=10000",
        "--trusted-ca-file=" + PKI + "/etcd/ca.crt",
    ],
    "kubelet": [
        "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
        "--kubeconfig=/etc/kubernetes/kubelet.conf",
        "--config=/var/lib/kubelet/config.yaml",
        "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock",
        "--pod-infra-container-image=registry.k8s.io/pause:3.10",
    ],
    "kube-proxy": [
        "--kubeconfig=/var/lib/kube-proxy/kubeconfig.conf",
        "--metrics-bind-address=127.0.0.1:10249",
        "--proxy-mode=iptables",
    ],
}

IMAGES = {"kube-apiserver": "registry.k8s.io/kube-apiserver:v1.31.2",
          "kube-controller-manager":
          "registry.k8s.io/kube-controller-manager:v1.31.2",
          "kube-scheduler": "registry.k8s.io/kube-scheduler:v1.31.2",
          "etcd": "registry.k8s.io/etcd:3.5.15-0"}

KUBELET_CONFIG = {
    "apiVersion": "kubelet.config.k8s.io/v1beta1",
    "kind": "KubeletConfiguration",
    "authentication": {
        "anonymous": {"enabled": False},
        "webhook": {"cacheTTL": "0s", "enabled": True},
        "x509": {"clientCAFile": PKI + "/ca.crt"},
    },
    "authorization": {
        "mode": "Webhook",
        "webhook": {"cacheAuthorizedTTL": "0s",
                    "cacheUnauthorizedTTL": "0s"},
    },
    "cgroupDriver": "systemd",
    "clusterDNS": ["10.96.0.10"],
    "clusterDomain": "cluster.local",
    "eventRecordQPS": 50,
    "featureGates": {"RotateKubeletServerCertificate": True},
    "makeIPTablesUtilChains": True,
    "podPidsLimit": 4096,
    "protectKernelDefaults": True,
    "readOnlyPort": 0,
    "rotateCertificates": True,
    "seccompDefault": True,
    "serverTLSBootstrap": True,
    "staticPodPath": "/etc/kubernetes/manifests",
    "streamingConnectionIdleTimeout": "4h0m0s",
    "tlsCertFile": "/var/lib/kubelet/pki/kubelet.crt",
    "tlsCipherSuites": ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"],
    "tlsPrivateKeyFile": "/var/lib/kubelet/pki/kubelet.key",
}

SYSCTLS = {"vm/overcommit_memory": "1", "vm/panic_on_oom": "0",
           "kernel/panic": "10", "kernel/panic_on_oops": "1",
           "kernel/keys/root_maxkeys": "1000000",
           "kernel/keys/root_maxbytes": "25000000"}

DROPIN = """\
# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=%s"
Environment="KUBELET_CONFIG_ARGS=%s"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
"""

UNIT = """\
[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
"""


def kubeconfig(user, cert_dir="/etc/kubernetes/pki"):
    # Credentials by file reference: a fixture holds no key material.
    return ("apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n"
            "    certificate-authority: %s/ca.crt\n"
            "    server: https://%s:6443\n  name: kubernetes\n"
            "contexts:\n- context:\n    cluster: kubernetes\n"
            "    user: %s\n  name: %s@kubernetes\n"
            "current-context: %s@kubernetes\npreferences: {}\nusers:\n"
            "- name: %s\n  user:\n"
            "    client-certificate: %s/%s.crt\n"
            "    client-key: %s/%s.key\n"
            % (cert_dir, IP, user, user, user, user, cert_dir, user,
               cert_dir, user))


def yaml_scalar(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if s == "" or s[0] in "*&!{[@`'\"%#|>-?:,0123456789" or ": " in s \
            or s in ("true", "false", "null", "yes", "no", "on", "off") \
            or s.endswith(":"):
        return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')
    return s


def yaml_dump(v, indent=0):
    pad = " " * indent
    out = []
    if isinstance(v, dict):
        for k in sorted(v):
            x = v[k]
            if isinstance(x, dict) and x:
                out.append("%s%s:\n%s" % (pad, k, yaml_dump(x, indent + 2)))
            elif isinstance(x, list) and x:
                out.append("%s%s:\n%s" % (pad, k, yaml_dump(x, indent)))
            elif isinstance(x, (dict, list)):
                out.append("%s%s: %s\n" % (pad, k, "{}" if isinstance(
                    x, dict) else "[]"))
            else:
                out.append("%s%s: %s\n" % (pad, k, yaml_scalar(x)))
    elif isinstance(v, list):
        for x in v:
            out.append("%s- %s\n" % (pad, yaml_scalar(x)))
    return "".join(out)


def static_pod(comp, flags):
    notes = {"kube-apiserver":
             "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"
             ": %s:6443" % IP,
             "etcd": "kubeadm.kubernetes.io/etcd.advertise-client-urls: "
             "https://%s:2379" % IP}
    lines = ["apiVersion: v1", "kind: Pod", "metadata:"]
    if comp in notes:
        lines += ["  annotations:", "    " + notes[comp]]
    lines += ["  labels:", "    component: %s" % comp,
              "    tier: control-plane",
              "  name: %s" % comp, "  namespace: kube-system", "spec:",
              "  containers:", "  - command:", "    - %s" % comp]
    lines += ["    - %s" % f for f in flags]
    lines += ["    image: %s" % IMAGES[comp],
              "    imagePullPolicy: IfNotPresent",
              "    name: %s" % comp,
              "    resources:", "      requests:", "        cpu: 250m",
              "    volumeMounts:"]
    mounts = {"kube-apiserver": [("/etc/kubernetes/pki", "k8s-certs"),
                                 ("/etc/kubernetes", "k8s-conf")],
              "kube-controller-manager": [
                  ("/etc/kubernetes/pki", "k8s-certs"),
                  ("/etc/kubernetes/controller-manager.conf", "kubeconfig")],
              "kube-scheduler": [("/etc/kubernetes/scheduler.conf",
                                  "kubeconfig")],
              "etcd": [("/var/lib/etcd", "etcd-data"),
                       ("/etc/kubernetes/pki/etcd", "etcd-certs")]}[comp]
    for path, name in mounts:
        lines += ["    - mountPath: %s" % path, "      name: %s" % name,
                  "      readOnly: true" if name != "etcd-data" else
                  "      readOnly: false"]
    lines += ["  hostNetwork: true", "  priority: 2000001000",
              "  priorityClassName: system-node-critical",
              "  securityContext:", "    seccompProfile:",
              "      type: RuntimeDefault", "  volumes:"]
    for path, name in mounts:
        lines += ["  - hostPath:", "      path: %s" % path,
                  "      type: %s" % ("File" if path.endswith(".conf") else
                                      "DirectoryOrCreate"),
                  "    name: %s" % name]
    return "\n".join(lines) + "\nstatus: {}\n"


class Node:
    def __init__(self):
        self.files = {}  # path -> [type, mode, user, group, data]
        self.flags = copy.deepcopy(FLAGS)
        self.kubelet_config = copy.deepcopy(KUBELET_CONFIG)
        self.sysctls = dict(SYSCTLS)
        self.base()

    def add(self, path, data, mode=0o600, user="root", group="root"):
        self.files[path] = ["f", mode, user, group,
                            data.encode() if isinstance(data, str) else data]

    def mkdir(self, path, mode=0o755, user="root", group="root"):
        self.files[path] = ["d", mode, user, group, b""]

    def base(self):
        self.add("/etc/hostname", NODE + "\n", 0o644)
        self.add("/etc/passwd", "".join(
            "%s:x:%d:%d:%s:%s:%s\n" % (n, u, g, n, h, s)
            for n, u, g, h, s in USERS), 0o644)
        self.add("/etc/group", "".join("%s:x:%d:\n" % (n, g)
                                       for n, g in GROUPS), 0o644)
        self.mkdir("/etc/kubernetes/manifests", 0o700)
        for name in ("admin", "super-admin", "controller-manager",
                     "scheduler"):
            self.add("/etc/kubernetes/%s.conf" % name, kubeconfig(name))
        self.add("/etc/kubernetes/kubelet.conf",
                 kubeconfig("kubelet-client-current", "/var/lib/kubelet/pki"))
        self.add("/etc/kubernetes/audit-policy.yaml",
                 "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"
                 "- level: Metadata\n")
        self.add("/etc/kubernetes/admission.yaml",
                 "apiVersion: apiserver.config.k8s.io/v1\n"
                 "kind: AdmissionConfiguration\nplugins:\n"
                 "- name: EventRateLimit\n"
                 "  path: /etc/kubernetes/event-rate-limit.yaml\n")
        self.add("/etc/kubernetes/event-rate-limit.yaml",
                 "apiVersion: eventratelimit.admission.k8s.io/v1alpha1\n"
                 "kind: Configuration\nlimits:\n- type: Server\n"
                 "  qps: 50\n  burst: 100\n")
        self.add("/etc/kubernetes/encryption.yaml",
                 "apiVersion: apiserver.config.k8s.io/v1\n"
                 "kind: EncryptionConfiguration\nresources:\n"
                 "- resources: [secrets]\n  providers:\n"
                 "  - kms:\n      apiVersion: v2\n      name: vault\n"
                 "      endpoint: unix:///var/run/kms/vault.sock\n"
                 "  - identity: {}\n")
        self.mkdir(PKI)
        self.mkdir(PKI + "/etcd")
        for name in ("ca", "apiserver", "apiserver-kubelet-client",
                     "apiserver-etcd-client", "front-proxy-ca",
                     "front-proxy-client", "etcd/ca", "etcd/server",
                     "etcd/peer", "etcd/healthcheck-client"):
            self.add("%s/%s.crt" % (PKI, name),
                     "fixture certificate %s (not a certificate)\n" % name,
                     0o644)
            self.add("%s/%s.key" % (PKI, name),
                     "fixture key %s (not a key)\n" % name)
        self.add(PKI + "/sa.pub", "fixture public key (not a key)\n", 0o644)
        self.add(PKI + "/sa.key", "fixture key sa (not a key)\n")
        self.mkdir("/var/lib/kubelet", 0o700)
        self.mkdir("/var/lib/kubelet/pki", 0o700)
        for name in ("kubelet", "kubelet-client-current"):
            self.add("/var/lib/kubelet/pki/%s.crt" % name,
                     "fixture certificate %s (not a certificate)\n" % name,
                     0o644)
            self.add("/var/lib/kubelet/pki/%s.key" % name,
                     "fixture key %s (not a key)\n" % name)
        self.add("/lib/systemd/system/kubelet.service", UNIT)
        self.mkdir("/etc/systemd/system/kubelet.service.d")
        self.mkdir("/etc/cni/net.d")
        self.add("/etc/cni/net.d/10-calico.conflist",
                 '{\n  "name": "k8s-pod-network",\n  "cniVersion": "0.3.1",'
                 '\n  "plugins": [\n    {"type": "calico", "datastore_type":'
                 ' "kubernetes", "ipam": {"type": "calico-ipam"},\n'
                 '     "policy": {"type": "k8s"}, "kubernetes": '
                 '{"kubeconfig": "/etc/cni/net.d/calico-kubeconfig"}},\n'
                 '    {"type": "portmap", "snat": true, "capabilities": '
                 '{"portMappings": true}}\n  ]\n}\n')
        self.add("/etc/cni/net.d/calico-kubeconfig",
                 kubeconfig("calico-cni", "/etc/cni/net.d"))
        self.mkdir("/var/lib/etcd", 0o700, "etcd", "etcd")
        self.mkdir("/var/lib/etcd/member", 0o700, "etcd", "etcd")
        self.mkdir("/var/lib/etcd/member/snap", 0o700, "etcd", "etcd")
        self.add("/var/lib/etcd/member/snap/db", b"\0" * 64, 0o600, "etcd",
                 "etcd")
        self.mkdir("/var/lib/kube-proxy", 0o755)
        self.add("/var/lib/kube-proxy/kubeconfig.conf",
                 kubeconfig("kube-proxy", "/var/lib/kube-proxy"))
        self.mkdir("/var/log/kubernetes/audit", 0o700)
        # written by render() from the flags and config, modes set here
        for comp in ("kube-apiserver", "kube-controller-manager",
                     "kube-scheduler", "etcd"):
            self.add("/etc/kubernetes/manifests/%s.yaml" % comp, "")
        self.add("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "")
        self.add("/var/lib/kubelet/kubeadm-flags.env", "", 0o644)
        self.add("/var/lib/kubelet/config.yaml", "")

    # ---- changes ----
    def _flag_name(self, f):
        return f.split("=", 1)[0]

    def set_flag(self, comp, flag):
        name = self._flag_name(flag)
        fl = self.flags[comp]
        for i, f in enumerate(fl):
            if self._flag_name(f) == name:
                fl[i] = flag
                return
        fl.append(flag)

    def unset_flag(self, comp, name):
        fl = self.flags[comp]
        keep = [f for f in fl if self._flag_name(f) != name]
        if len(keep) == len(fl):
            raise SystemExit("unflag %s %s: no such flag" % (comp, name))
        self.flags[comp] = keep

    def set_config(self, key, value):
        parts = key.split(".")
        d = self.kubelet_config
        for p in parts[:-1]:
            d = d.setdefault(p, {})
        d[parts[-1]] = value

    def unset_config(self, key):
        parts = key.split(".")
        d = self.kubelet_config
        for p in parts[:-1]:
            d = d[p]
        del d[parts[-1]]

    def need(self, path):
        if path not in self.files:
            raise SystemExit("%s: not in the node" % path)
        return self.files[path]

    # ---- rendering ----
    def render(self):
        files = dict((k, list(v)) for k, v in self.files.items())

        def put(path, data, mode=0o600):
            if path in files:  # keep a mode or owner a change set
                files[path][4] = data.encode()
            else:
                files[path] = ["f", mode, "root", "root", data.encode()]

        for comp in ("kube-apiserver", "kube-controller-manager",
                     "kube-scheduler", "etcd"):
            put("/etc/kubernetes/manifests/%s.yaml" % comp,
                static_pod(comp, self.flags[comp]))
        kl = self.flags["kubelet"]
        kcfg = [f for f in kl if self._flag_name(f) in
                ("--bootstrap-kubeconfig", "--kubeconfig")]
        ccfg = [f for f in kl if self._flag_name(f) == "--config"]
        rest = [f for f in kl if f not in kcfg and f not in ccfg]
        put("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
            DROPIN % (" ".join(kcfg), " ".join(ccfg)))
        put("/var/lib/kubelet/kubeadm-flags.env",
            'KUBELET_KUBEADM_ARGS="%s"\n' % " ".join(rest), 0o644)
        put("/var/lib/kubelet/config.yaml", yaml_dump(self.kubelet_config))
        procs = {"4242": ["/usr/bin/kubelet"] + kcfg + ccfg + rest,
                 "4343": ["/usr/local/bin/kube-proxy"] +
                 self.flags["kube-proxy"]}
        for pid, argv in procs.items():
            files["/proc/%s/cmdline" % pid] = [
                "f", 0o444, "root", "root",
                ("\0".join(argv) + "\0").encode()]
            files["/proc/%s/comm" % pid] = [
                "f", 0o644, "root", "root",
                (os.path.basename(argv[0])[:15] + "\n").encode()]
        for k, v in self.sysctls.items():
            files["/proc/sys/" + k] = ["f", 0o644, "root", "root",
                                       (v + "\n").encode()]
        for path in self.removed:
            files.pop(path, None)
        return files

    removed = ()


def parse_value(v):
    if v in ("true", "false"):
        return v == "true"
    if v.lstrip("-").isdigit():
        return int(v)
    if v.startswith("[") and v.endswith("]"):
        return [parse_value(x.strip()) for x in v[1:-1].split(",")
                if x.strip()]
    return v


def apply(node, op, args, where):
    try:
        if op == "flag":
            comp, flag = args
            node.set_flag(comp, flag)
        elif op == "unflag":
            comp, name = args
            node.unset_flag(comp, name)
        elif op == "config":
            key, value = args[0].split("=", 1)
            node.set_config(key, parse_value(value))
        elif op == "unconfig":
            node.unset_config(args[0])
        elif op == "mode":
            node.need(args[0])[1] = int(args[1], 8)
        elif op == "owner":
            user, group = args[1].split(":")
            node.need(args[0])[2:4] = [user, group]
        elif op == "rm":
            node.removed = tuple(node.removed) + (args[0],)
            node.files.pop(args[0], None)
        elif op == "file":
            user, group = args[2].split(":")
            node.add(args[0], " ".join(args[3:]) + "\n", int(args[1], 8),
                     user, group)
        elif op == "sysctl":
            k, v = args[0].split("=", 1)
            node.sysctls[k.replace(".", "/")] = v
        else:
            raise SystemExit("%s: unknown change %r" % (where, op))
    except (ValueError, KeyError) as e:
        raise SystemExit("%s: %s %s: %s" % (where, op, " ".join(args), e))


def archive(files):
    """The tar.gz bytes of files: every parent directory, sorted."""
    users = dict((n, u) for n, u, g, h, s in USERS)
    groups = dict(GROUPS)
    entries = dict(files)
    for path in list(files):
        d = os.path.dirname(path)
        while d != "/" and d not in entries:
            entries[d] = ["d", 0o755, "root", "root", b""]
            d = os.path.dirname(d)
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                       compresslevel=9) as gz:
        with tarfile.open(fileobj=gz, mode="w",
                          format=tarfile.USTAR_FORMAT) as tar:
            for path in sorted(entries):
                kind, mode, user, group, data = entries[path]
                ti = tarfile.TarInfo(path.lstrip("/"))
                ti.mtime = MTIME
                ti.mode = mode
                ti.uname, ti.gname = user, group
                ti.uid = users[user] if user in users else int(user)
                ti.gid = groups[group] if group in groups else int(group)
                if kind == "d":
                    ti.type = tarfile.DIRTYPE
                    tar.addfile(ti)
                else:
                    ti.size = len(data)
                    tar.addfile(ti, io.BytesIO(data))
    return raw.getvalue()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def main(argv):
    if len(argv) == 3 and argv[1] == "--base":
        write(argv[2], archive(Node().render()))
        return 0
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    spec, out = argv[1], argv[2]
    seen = set()
    with open(spec) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            where = "%s:%d" % (spec, n)
            head, _, changes = line.partition(" ")
            rule = head
            name, _, changes = changes.strip().partition(" ")
            if not (name.startswith("pass") or name.startswith("fail")):
                raise SystemExit("%s: a fixture is named pass* or fail*" %
                                 where)
            if (rule, name) in seen:
                raise SystemExit("%s: %s %s twice" % (where, rule, name))
            seen.add((rule, name))
            node = Node()
            for change in changes.split(";"):
                words = change.split()
                if words:
                    apply(node, words[0], words[1:], where)
            write(os.path.join(out, "fixtures", rule,
                               name + ".node.tar.gz"),
                  archive(node.render()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
