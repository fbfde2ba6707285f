#!/usr/bin/env python3
"""Generate a synthetic Kubernetes cluster as YAML manifests, for benchmarks.

    gen_cluster.py --objects N --out DIR [--seed S] [--per-file K] [--force]

Writes exactly N objects as multi-document YAML, about K (default 100)
objects per file, one subdirectory per namespace (cluster-scoped objects
other than Namespaces go to DIR/_cluster/). The mix of kinds and sizes
resembles a real cluster dump (`kubectl get -o yaml`): Deployments own
ReplicaSets which own Pods, Services select workloads, RBAC binds service
accounts, some ConfigMaps carry a few KB of configuration, workloads are
partly compliant and partly not. The output depends only on N, the seed
and K.

Pure Python 3 standard library (no PyYAML): the YAML is emitted by hand in
the plain block style kubectl uses. All credentials are fake.
"""

import argparse
import base64
import json
import os
import random
import re
import shutil
import sys
import time

# --------------------------------------------------------------------------
# Kind mix (fractions of all objects). Scaled to sum to 1; exact integer
# counts come from the largest-remainder method so the total is exactly N.

MIX = [
    ("Namespace", 0.010),
    ("ServiceAccount", 0.050),
    ("ConfigMap", 0.120),
    ("Secret", 0.080),
    ("Deployment", 0.120),
    ("ReplicaSet", 0.120),
    ("StatefulSet", 0.020),
    ("DaemonSet", 0.010),
    ("CronJob", 0.020),
    ("Job", 0.030),
    ("Pod", 0.250),
    ("Service", 0.120),
    ("Role", 0.020),
    ("RoleBinding", 0.020),
    ("ClusterRole", 0.005),
    ("ClusterRoleBinding", 0.005),
    ("NetworkPolicy", 0.010),
]

CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding"}

API_VERSION = {
    "Namespace": "v1", "ServiceAccount": "v1", "ConfigMap": "v1",
    "Secret": "v1", "Pod": "v1", "Service": "v1",
    "Deployment": "apps/v1", "ReplicaSet": "apps/v1",
    "StatefulSet": "apps/v1", "DaemonSet": "apps/v1",
    "Job": "batch/v1", "CronJob": "batch/v1",
    "Role": "rbac.authorization.k8s.io/v1",
    "RoleBinding": "rbac.authorization.k8s.io/v1",
    "ClusterRole": "rbac.authorization.k8s.io/v1",
    "ClusterRoleBinding": "rbac.authorization.k8s.io/v1",
    "NetworkPolicy": "networking.k8s.io/v1",
}


def kind_counts(n):
    total = sum(f for _, f in MIX)
    raw = [(k, n * f / total) for k, f in MIX]
    counts = {k: int(v) for k, v in raw}
    rest = n - sum(counts.values())
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i][1] - int(raw[i][1])), i))
    for i in order[:rest]:
        counts[raw[i][0]] += 1
    # Any real cluster has at least one namespace once it has a few objects.
    if n >= 2 and counts["Namespace"] == 0:
        big = max(counts, key=lambda k: counts[k])
        counts[big] -= 1
        counts["Namespace"] += 1
    assert sum(counts.values()) == n
    return counts


# --------------------------------------------------------------------------
# A small, fast YAML emitter for dict/list/str/int/float/bool/None trees.

_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./@-]*(?::[A-Za-z0-9_./@-]+)*$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


_cache = {}


def _scalar(v):
    t = type(v)
    if t is str:
        q = _cache.get(v)
        if q is None:
            if _PLAIN.match(v) and v.lower() not in _RESERVED:
                q = v
            else:
                q = json.dumps(v, ensure_ascii=False)
            if len(_cache) > 200000:
                _cache.clear()
            _cache[v] = q
        return q
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is int or t is float:
        return repr(v)
    raise TypeError("cannot emit %r" % (v,))


def _emit_map(m, ind, out):
    pad = " " * ind
    append = out.append
    for k, v in m.items():
        key = pad + _scalar(k)
        t = type(v)
        if t is dict:
            if v:
                append(key + ":")
                _emit_map(v, ind + 2, out)
            else:
                append(key + ": {}")
        elif t is list:
            if v:
                append(key + ":")
                _emit_seq(v, ind + 2, out)
            else:
                append(key + ": []")
        elif t is str and "\n" in v:
            append(key + (": |" if v.endswith("\n") else ": |-"))
            inner = pad + "  "
            for line in v.split("\n")[: -1 if v.endswith("\n") else None]:
                append(inner + line if line else "")
        else:
            append(key + ": " + _scalar(v))


def _emit_seq(s, ind, out):
    pad = " " * ind
    dash = pad + "- "
    cut = ind + 2
    for v in s:
        t = type(v)
        if t is dict and v:
            start = len(out)
            _emit_map(v, cut, out)
            out[start] = dash + out[start][cut:]
        elif t is dict:
            out.append(dash + "{}")
        elif t is list:
            raise ValueError("nested sequences are not used")
        else:
            out.append(dash + _scalar(v))


def to_yaml(obj):
    out = []
    _emit_map(obj, 0, out)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------
# Vocabulary

TEAMS = ["payments", "checkout", "search", "catalog", "identity", "growth",
         "data", "ml", "platform", "mobile", "billing", "shipping", "ads",
         "support", "risk", "media", "notify", "inventory", "pricing", "crm"]
ENVS = ["prod", "staging", "dev", "qa", "sandbox"]
SERVICES = ["api", "web", "worker", "gateway", "frontend", "backend",
            "scheduler", "indexer", "consumer", "producer", "cache", "proxy",
            "auth", "sync", "export", "import", "reporter", "notifier",
            "ingest", "renderer", "resolver", "router", "collector", "cron"]
SIDECARS = [("envoy", "docker.io/envoyproxy/envoy", "v1.29.1", 9901),
            ("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit", "2.2.2", 2020),
            ("metrics-exporter", "quay.io/prometheus/statsd-exporter", "v0.26.0", 9102),
            ("cloud-sql-proxy", "gcr.io/cloud-sql-connectors/cloud-sql-proxy", "2.8.2", 9090),
            ("oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy", "v7.5.1", 4180)]
REGISTRIES = ["registry.example.com", "ghcr.io/example-corp",
              "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "docker.io/examplecorp"]
STATEFUL = [("postgres", "docker.io/library/postgres", "16.2", 5432),
            ("redis", "docker.io/library/redis", "7.2.4", 6379),
            ("kafka", "docker.io/bitnami/kafka", "3.6.1", 9092),
            ("elasticsearch", "docker.elastic.co/elasticsearch/elasticsearch", "8.12.2", 9200),
            ("zookeeper", "docker.io/bitnami/zookeeper", "3.9.1", 2181),
            ("rabbitmq", "docker.io/library/rabbitmq", "3.13.0", 5672)]
NODE_AGENTS = [("node-exporter", "quay.io/prometheus/node-exporter", "v1.7.0", 9100),
               ("fluentd", "docker.io/fluent/fluentd-kubernetes-daemonset", "v1.16", 24231),
               ("kube-proxy", "registry.k8s.io/kube-proxy", "v1.29.2", 10249),
               ("calico-node", "docker.io/calico/node", "v3.27.2", 9091),
               ("csi-node", "registry.k8s.io/sig-storage/csi-node-driver-registrar", "v2.10.0", 9809)]
ENV_PLAIN = ["LOG_LEVEL", "LOG_FORMAT", "PORT", "HTTP_TIMEOUT", "FEATURE_FLAGS",
             "REGION", "CACHE_TTL", "MAX_CONNECTIONS", "WORKERS", "OTEL_SERVICE_NAME",
             "OTEL_EXPORTER_OTLP_ENDPOINT", "GOMAXPROCS", "JAVA_OPTS", "TZ",
             "UPSTREAM_URL", "QUEUE_NAME", "BATCH_SIZE", "RETRY_LIMIT"]
ENV_SECRET = ["DB_PASSWORD", "API_KEY", "JWT_SECRET", "REDIS_PASSWORD",
              "AWS_SECRET_ACCESS_KEY", "SMTP_PASSWORD", "STRIPE_API_KEY", "OAUTH_CLIENT_SECRET"]
NODES = ["ip-10-0-%d-%d.eu-west-1.compute.internal" % (a, b) for a in range(1, 9) for b in range(10, 40, 3)]
VERBS_RO = ["get", "list", "watch"]
VERBS_RW = ["get", "list", "watch", "create", "update", "patch", "delete"]
RESOURCES = ["pods", "services", "configmaps", "secrets", "deployments",
             "replicasets", "statefulsets", "jobs", "cronjobs", "ingresses",
             "persistentvolumeclaims", "events", "endpoints", "leases"]
GROUP_OF = {"pods": "", "services": "", "configmaps": "", "secrets": "",
            "events": "", "endpoints": "", "persistentvolumeclaims": "",
            "deployments": "apps", "replicasets": "apps", "statefulsets": "apps",
            "jobs": "batch", "cronjobs": "batch", "ingresses": "networking.k8s.io",
            "leases": "coordination.k8s.io"}

BASE_EPOCH = 1704067200  # 2024-01-01T00:00:00Z


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.seq = 0

    # ---- small helpers -------------------------------------------------
    def uid(self):
        h = "%032x" % self.r.getrandbits(128)
        return "%s-%s-4%s-a%s-%s" % (h[:8], h[8:12], h[13:16], h[17:20], h[20:32])

    def hexs(self, n):
        return "%0*x" % (n, self.r.getrandbits(4 * n))

    def ts(self, lo=0, hi=90 * 86400):
        t = time.gmtime(BASE_EPOCH + self.r.randint(lo, hi))
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", t)

    def rv(self):
        self.seq += 1
        return str(10000000 + self.seq * 7)

    def meta(self, name, ns, labels=None, annotations=None, owner=None):
        m = {"name": name}
        if ns is not None:
            m["namespace"] = ns
        m["uid"] = self.uid()
        m["resourceVersion"] = self.rv()
        m["creationTimestamp"] = self.ts()
        if labels:
            m["labels"] = labels
        if annotations:
            m["annotations"] = annotations
        if owner:
            kind, oname, ouid = owner
            m["ownerReferences"] = [{
                "apiVersion": API_VERSION[kind], "kind": kind, "name": oname,
                "uid": ouid, "controller": True, "blockOwnerDeletion": True}]
        return m

    def obj(self, kind, meta, **rest):
        d = {"apiVersion": API_VERSION[kind], "kind": kind, "metadata": meta}
        d.update(rest)
        return d

    def app_labels(self, app, team, env, version):
        lab = {"app.kubernetes.io/name": app,
               "app.kubernetes.io/instance": app + "-" + env,
               "app.kubernetes.io/version": version,
               "app.kubernetes.io/component": self.r.choice(["server", "worker", "api", "frontend"]),
               "app.kubernetes.io/part-of": team,
               "app.kubernetes.io/managed-by": self.r.choice(["Helm", "argocd", "kustomize", "kubectl"])}
        if self.r.random() < 0.6:
            lab["team"] = team
            lab["env"] = env
        if self.r.random() < 0.3:
            lab["cost-center"] = "cc-%04d" % self.r.randint(1000, 9999)
        return lab

    def annotations(self, extra=None):
        a = {}
        r = self.r.random()
        if r < 0.35:
            a["meta.helm.sh/release-name"] = self.r.choice(SERVICES) + "-" + self.hexs(4)
            a["meta.helm.sh/release-namespace"] = "default"
        elif r < 0.6:
            a["argocd.argoproj.io/tracking-id"] = "%s:apps/Deployment:%s" % (self.r.choice(TEAMS), self.hexs(6))
        if self.r.random() < 0.3:
            a["owner"] = self.r.choice(TEAMS) + "@example.com"
            a["runbook"] = "https://runbooks.example.com/%s/%s" % (self.r.choice(TEAMS), self.r.choice(SERVICES))
        if extra:
            a.update(extra)
        return a or None

    def image(self, repo, tag, hygiene):
        r = self.r.random()
        if r < hygiene * 0.7:
            return "%s:%s@sha256:%s" % (repo, tag, self.hexs(64))
        if r < 0.93:
            return "%s:%s" % (repo, tag)
        if r < 0.97:
            return repo + ":latest"
        return repo  # untagged: implicitly :latest

    # ---- pod spec ------------------------------------------------------
    def container(self, name, image, port, hygiene, cfg, sec, main=True):
        r = self.r
        c = {"name": name, "image": image,
             "imagePullPolicy": r.choice(["IfNotPresent", "IfNotPresent", "Always"])}
        if main and r.random() < 0.15:
            c["args"] = ["--config=/etc/app/config.yaml", "--port=%d" % port,
                         "--log-level=" + r.choice(["info", "debug", "warn"])]
        c["ports"] = [{"name": "http" if main else "metrics", "containerPort": port, "protocol": "TCP"}]
        env = []
        for k in r.sample(ENV_PLAIN, r.randint(2, 8) if main else r.randint(0, 3)):
            env.append({"name": k, "value": r.choice(["info", "json", "8080", "30s", "eu-west-1",
                                                      "true", "100", "http://upstream.svc:8080",
                                                      "-Xmx512m -XX:+UseG1GC", "UTC", name])})
        if main:
            env.append({"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}})
            env.append({"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}})
            for k in r.sample(ENV_SECRET, r.randint(0, 3)):
                if r.random() < hygiene:
                    env.append({"name": k, "valueFrom": {"secretKeyRef": {"name": sec, "key": k.lower().replace("_", "-")}}})
                else:
                    env.append({"name": k, "value": "fake-%s-%s" % (k.lower().replace("_", "-"), self.hexs(12))})
        if env:
            c["env"] = env
        if main and r.random() < 0.3:
            c["envFrom"] = [{"configMapRef": {"name": cfg}}]
        if r.random() < hygiene + 0.1:
            c["resources"] = {
                "requests": {"cpu": r.choice(["50m", "100m", "250m", "500m", "1"]),
                             "memory": r.choice(["64Mi", "128Mi", "256Mi", "512Mi", "1Gi"])},
                "limits": {"cpu": r.choice(["200m", "500m", "1", "2"]),
                           "memory": r.choice(["128Mi", "256Mi", "512Mi", "1Gi", "2Gi"])}}
            if r.random() > hygiene:
                del c["resources"]["limits"]
        elif r.random() < 0.5:
            c["resources"] = {}
        if r.random() < hygiene + 0.15:
            c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": port, "scheme": "HTTP"},
                                  "initialDelaySeconds": r.choice([5, 10, 15, 30]),
                                  "periodSeconds": 10, "timeoutSeconds": 1,
                                  "successThreshold": 1, "failureThreshold": 3}
            c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": port, "scheme": "HTTP"},
                                   "periodSeconds": 5, "timeoutSeconds": 1,
                                   "successThreshold": 1, "failureThreshold": 3}
        sc = {}
        if r.random() < hygiene:
            sc["allowPrivilegeEscalation"] = False
        elif r.random() < 0.3:
            sc["allowPrivilegeEscalation"] = True
        if r.random() < hygiene:
            sc["readOnlyRootFilesystem"] = True
        if r.random() < hygiene:
            sc["runAsNonRoot"] = True
        elif r.random() < 0.2:
            sc["runAsUser"] = 0
        if r.random() < hygiene:
            sc["capabilities"] = {"drop": ["ALL"]}
        elif r.random() < 0.15:
            sc["capabilities"] = {"add": r.sample(["NET_ADMIN", "SYS_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_TIME"], r.randint(1, 2))}
        if r.random() < 0.03 * (1.5 - hygiene):
            sc["privileged"] = True
        if r.random() < hygiene * 0.5:
            sc["seccompProfile"] = {"type": "RuntimeDefault"}
        if sc:
            c["securityContext"] = sc
        mounts = [{"name": "config", "mountPath": "/etc/app", "readOnly": True}]
        if sc.get("readOnlyRootFilesystem"):
            mounts.append({"name": "tmp", "mountPath": "/tmp"})
        if main and r.random() < 0.4:
            mounts.append({"name": "credentials", "mountPath": "/var/run/secrets/app", "readOnly": True})
        c["volumeMounts"] = mounts
        c["terminationMessagePath"] = "/dev/termination-log"
        c["terminationMessagePolicy"] = "File"
        return c

    def pod_spec(self, app, team, hygiene, sa, kind="Deployment", port=8080,
                 repo=None, tag=None, restart="Always"):
        r = self.r
        cfg = app + "-config"
        sec = app + "-secrets"
        repo = repo or "%s/%s/%s" % (r.choice(REGISTRIES), team, app)
        tag = tag or "%d.%d.%d" % (r.randint(0, 4), r.randint(0, 30), r.randint(0, 20))
        containers = [self.container(app, self.image(repo, tag, hygiene), port, hygiene, cfg, sec)]
        nside = r.choices([0, 1, 2], weights=[55, 35, 10])[0]
        for sname, srepo, stag, sport in r.sample(SIDECARS, nside):
            containers.append(self.container(sname, self.image(srepo, stag, hygiene), sport,
                                             hygiene, cfg, sec, main=False))
        spec = {}
        if r.random() < 0.12:
            spec["initContainers"] = [self.container(
                "migrate", self.image(repo, tag, hygiene), port, hygiene, cfg, sec, main=False)]
            del spec["initContainers"][0]["ports"]
        spec["containers"] = containers
        spec["restartPolicy"] = restart
        spec["terminationGracePeriodSeconds"] = r.choice([30, 30, 60, 10])
        spec["dnsPolicy"] = "ClusterFirst"
        if sa:
            spec["serviceAccountName"] = sa
            spec["serviceAccount"] = sa
        if r.random() < hygiene:
            spec["automountServiceAccountToken"] = False
        psc = {}
        if r.random() < hygiene:
            uid = r.choice([1000, 10001, 65532, 101])
            psc = {"runAsNonRoot": True, "runAsUser": uid, "runAsGroup": uid, "fsGroup": uid}
        elif r.random() < 0.25:
            psc = {"runAsUser": 0}
        if r.random() < hygiene * 0.8:
            psc["seccompProfile"] = {"type": "RuntimeDefault"}
        spec["securityContext"] = psc
        if kind == "DaemonSet" or r.random() < 0.01 * (1.5 - hygiene):
            if kind != "DaemonSet" or r.random() < 0.5:
                spec["hostNetwork"] = True
            if r.random() < 0.3:
                spec["hostPID"] = True
        spec["schedulerName"] = "default-scheduler"
        if r.random() < 0.3:
            spec["nodeSelector"] = {"kubernetes.io/os": "linux",
                                    "node.kubernetes.io/instance-type": r.choice(["m6i.large", "m6i.xlarge", "c6i.2xlarge"])}
        if kind == "DaemonSet":
            spec["tolerations"] = [{"operator": "Exists"}]
        elif r.random() < 0.2:
            spec["tolerations"] = [{"key": "dedicated", "operator": "Equal", "value": team, "effect": "NoSchedule"}]
        if r.random() < 0.25:
            spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                "weight": 100, "podAffinityTerm": {
                    "labelSelector": {"matchLabels": {"app.kubernetes.io/name": app}},
                    "topologyKey": "kubernetes.io/hostname"}}]}}
        vols = [{"name": "config", "configMap": {"name": cfg, "defaultMode": 420}},
                {"name": "tmp", "emptyDir": {}},
                {"name": "credentials", "secret": {"secretName": sec, "defaultMode": r.choice([256, 420, 511])}}]
        if kind == "DaemonSet":
            vols.append({"name": "varlog", "hostPath": {"path": "/var/log", "type": ""}})
            if r.random() < 0.3:
                vols.append({"name": "host-root", "hostPath": {"path": "/", "type": ""}})
        elif r.random() < 0.02 * (1.5 - hygiene):
            vols.append({"name": "docker-sock", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}})
        spec["volumes"] = vols
        return spec

    def template(self, labels, spec):
        return {"metadata": {"labels": labels,
                             "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9102"}},
                "spec": spec}

    def last_applied(self, d):
        lite = {"apiVersion": d["apiVersion"], "kind": d["kind"],
                "metadata": {k: d["metadata"][k] for k in ("name", "namespace", "labels") if k in d["metadata"]}}
        for k in ("spec", "data"):
            if k in d:
                lite[k] = d[k]
        d["metadata"].setdefault("annotations", {})
        d["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = \
            json.dumps(lite, separators=(",", ":"), sort_keys=True) + "\n"

    # ---- config data ----------------------------------------------------
    def config_blob(self, size):
        r = self.r
        style = r.randrange(3)
        lines = []
        n = 0
        i = 0
        if style == 0:
            lines.append("worker_processes auto;")
            lines.append("events { worker_connections 1024; }")
            lines.append("http {")
            while n < size:
                i += 1
                s = ("  upstream backend_%d { server %s-%d.svc.cluster.local:%d max_fails=3; }"
                     % (i, r.choice(SERVICES), i, r.choice([8080, 9090, 3000])))
                lines.append(s)
                lines.append("  location /%s/%d { proxy_pass http://backend_%d; proxy_read_timeout %ds; }"
                             % (r.choice(SERVICES), i, i, r.choice([30, 60, 120])))
                n += len(s) + 80
            lines.append("}")
        elif style == 1:
            while n < size:
                i += 1
                s = "%s.%s.%d=%s" % (r.choice(SERVICES), r.choice(["timeout", "retries", "pool.size", "enabled", "url"]),
                                     i, r.choice(["30s", "3", "true", "false", "https://api.example.com/v%d" % i]))
                lines.append(s)
                n += len(s) + 1
        else:
            lines.append("server:")
            lines.append("  port: 8080")
            lines.append("features:")
            while n < size:
                i += 1
                s = "  - name: %s-%d\n    enabled: %s\n    rollout: %d" % (
                    r.choice(SERVICES), i, r.choice(["true", "false"]), r.randint(0, 100))
                lines.append(s)
                n += len(s) + 1
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------

def namespace_names(rng, k):
    base = ["default", "kube-system", "monitoring", "ingress-nginx", "cert-manager", "logging"]
    names = base[:k]
    seen = set(names)
    while len(names) < k:
        n = "%s-%s" % (rng.choice(TEAMS), rng.choice(ENVS))
        if n in seen:
            n = "%s-%s-%d" % (rng.choice(TEAMS), rng.choice(ENVS), len(names))
        if n in seen:
            continue
        seen.add(n)
        names.append(n)
    return names


def generate(n, seed, sink):
    """Generate exactly n objects, handing each to sink.add(directory, object).

    An object is never changed after it was handed over (children may share
    parts of their parent's pod spec), so the sink may serialize it at once.
    Returns the per-kind counts."""
    g = Gen(seed)
    r = g.r
    counts = kind_counts(n)
    nns = counts["Namespace"]
    nsnames = namespace_names(r, nns) if nns else ["default"]
    # Skewed namespace sizes: a few big namespaces, a long tail of small ones.
    weights = [r.paretovariate(1.2) for _ in nsnames]
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    # Per-namespace hygiene: how likely each security setting is right.
    hyg = {ns: r.choice([0.95, 0.9, 0.8, 0.7, 0.5, 0.3]) for ns in nsnames}
    team = {ns: (ns.split("-")[0] if ns.split("-")[0] in TEAMS else "platform") for ns in nsnames}
    env = {ns: (ns.split("-")[1] if len(ns.split("-")) > 1 and ns.split("-")[1] in ENVS else "prod") for ns in nsnames}

    add = sink.add

    def place(kind):
        c = counts[kind]
        return r.choices(nsnames, cum_weights=cum, k=c) if c else []

    names_used = {}

    def uname(ns, kind, base):
        key = (ns, kind, base)
        i = names_used.get(key, 0)
        names_used[key] = i + 1
        return base if i == 0 else "%s-%d" % (base, i + 1)

    # Namespaces
    if nns:
        for ns in nsnames:
            lab = {"kubernetes.io/metadata.name": ns}
            if hyg[ns] >= 0.8 and r.random() < 0.5:
                lab["pod-security.kubernetes.io/enforce"] = "restricted"
            elif r.random() < 0.3:
                lab["pod-security.kubernetes.io/enforce"] = r.choice(["baseline", "privileged"])
            if ns not in ("default", "kube-system"):
                lab["team"] = team[ns]
            add(ns, g.obj("Namespace", g.meta(ns, None, lab, g.annotations()),
                                 spec={"finalizers": ["kubernetes"]}, status={"phase": "Active"}))

    sas = {ns: [] for ns in nsnames}
    for ns in place("ServiceAccount"):
        name = uname(ns, "sa", r.choice(SERVICES))
        d = g.obj("ServiceAccount", g.meta(name, ns, {"app.kubernetes.io/name": name}, g.annotations()))
        if r.random() < hyg[ns]:
            d["automountServiceAccountToken"] = False
        if r.random() < 0.1:
            d["imagePullSecrets"] = [{"name": "registry-credentials"}]
        sas[ns].append(name)
        add(ns, d)

    for ns in place("ConfigMap"):
        app = r.choice(SERVICES)
        name = uname(ns, "cm", app + "-config")
        data = {}
        for k in r.sample(ENV_PLAIN, r.randint(2, 10)):
            data[k] = r.choice(["info", "json", "8080", "30s", "eu-west-1", "true", "100", "UTC"])
        if r.random() < 0.25:
            data[r.choice(["config.yaml", "nginx.conf", "application.properties", "settings.ini"])] = \
                g.config_blob(r.randint(1000, 8000))
        d = g.obj("ConfigMap", g.meta(name, ns, {"app.kubernetes.io/name": app}, g.annotations()), data=data)
        if r.random() < 0.25:
            g.last_applied(d)
        add(ns, d)

    for ns in place("Secret"):
        app = r.choice(SERVICES)
        t = r.choices(["Opaque", "kubernetes.io/tls", "kubernetes.io/dockerconfigjson",
                       "kubernetes.io/service-account-token"], weights=[60, 20, 10, 10])[0]
        if t == "Opaque":
            name = uname(ns, "secret", app + "-secrets")
            data = {k.lower().replace("_", "-"): base64.b64encode(("fake-" + g.hexs(16)).encode()).decode()
                    for k in r.sample(ENV_SECRET, r.randint(1, 5))}
        elif t == "kubernetes.io/tls":
            name = uname(ns, "secret", app + "-tls")
            pem = "-----BEGIN CERTIFICATE-----\nFAKE" + g.hexs(900) + "\n-----END CERTIFICATE-----\n"
            key = "-----BEGIN PRIVATE KEY-----\nFAKE" + g.hexs(800) + "\n-----END PRIVATE KEY-----\n"
            data = {"tls.crt": base64.b64encode(pem.encode()).decode(),
                    "tls.key": base64.b64encode(key.encode()).decode()}
        elif t == "kubernetes.io/dockerconfigjson":
            name = uname(ns, "secret", "registry-credentials")
            cfg = json.dumps({"auths": {r.choice(REGISTRIES).split("/")[0]: {
                "auth": base64.b64encode(b"fake-user:fake-password").decode()}}})
            data = {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}
        else:
            name = uname(ns, "secret", app + "-token-" + g.hexs(5))
            data = {"ca.crt": base64.b64encode(("FAKE-CA-" + g.hexs(64)).encode()).decode(),
                    "namespace": base64.b64encode(ns.encode()).decode(),
                    "token": base64.b64encode(("fake.jwt." + g.hexs(120)).encode()).decode()}
        meta = g.meta(name, ns, {"app.kubernetes.io/name": app}, g.annotations(
            {"kubernetes.io/service-account.name": app} if t.endswith("token") else None))
        add(ns, g.obj("Secret", meta, type=t, data=data))

    # Workloads. Controllers remember (kind, name, uid, labels, pod spec)
    # so that their children and Services can refer to them.
    deps = {ns: [] for ns in nsnames}
    podowners = {ns: [] for ns in nsnames}
    apps = {ns: [] for ns in nsnames}

    def sa_for(ns):
        if sas[ns] and r.random() < 0.8:
            return r.choice(sas[ns])
        return "default" if r.random() < 0.5 else None

    for ns in place("Deployment"):
        app = uname(ns, "app", r.choice(SERVICES))
        ver = "%d.%d.%d" % (r.randint(0, 4), r.randint(0, 30), r.randint(0, 20))
        lab = g.app_labels(app, team[ns], env[ns], ver)
        spec = g.pod_spec(app, team[ns], hyg[ns], sa_for(ns))
        replicas = r.choice([1, 2, 2, 3, 3, 5, 10])
        sel = {"app.kubernetes.io/name": app}
        meta = g.meta(app, ns, lab, g.annotations({"deployment.kubernetes.io/revision": str(r.randint(1, 40))}))
        d = g.obj("Deployment", meta, spec={
            "replicas": replicas, "revisionHistoryLimit": 10,
            "selector": {"matchLabels": sel},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "progressDeadlineSeconds": 600,
            "template": g.template(dict(lab), spec)},
            status={"observedGeneration": r.randint(1, 40), "replicas": replicas,
                    "updatedReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas,
                    "conditions": [
                        {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                         "message": "Deployment has minimum availability.",
                         "lastUpdateTime": g.ts(), "lastTransitionTime": g.ts()},
                        {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                         "message": 'ReplicaSet "%s-%s" has successfully progressed.' % (app, g.hexs(10)),
                         "lastUpdateTime": g.ts(), "lastTransitionTime": g.ts()}]})
        if r.random() < 0.2:
            g.last_applied(d)
        deps[ns].append((app, meta["uid"], lab, spec, replicas))
        apps[ns].append((app, sel, 8080))
        add(ns, d)

    for ns in place("ReplicaSet"):
        if deps[ns]:
            app, duid, lab, spec, replicas = r.choice(deps[ns])
            owner = ("Deployment", app, duid)
        else:
            app = uname(ns, "app", r.choice(SERVICES))
            lab = g.app_labels(app, team[ns], env[ns], "1.0.0")
            spec = g.pod_spec(app, team[ns], hyg[ns], sa_for(ns))
            owner, replicas = None, 1
        h = g.hexs(10)
        name = "%s-%s" % (app, h)
        rlab = dict(lab)
        rlab["pod-template-hash"] = h
        # Old ReplicaSets are scaled to zero, as after a rollout.
        reps = replicas if r.random() < 0.4 else 0
        meta = g.meta(name, ns, rlab, {"deployment.kubernetes.io/desired-replicas": str(replicas),
                                       "deployment.kubernetes.io/max-replicas": str(replicas + 1),
                                       "deployment.kubernetes.io/revision": str(r.randint(1, 40))}, owner)
        add(ns, g.obj("ReplicaSet", meta, spec={
            "replicas": reps, "selector": {"matchLabels": {"app.kubernetes.io/name": app, "pod-template-hash": h}},
            "template": g.template(rlab, spec)},
            status={"replicas": reps, "fullyLabeledReplicas": reps, "readyReplicas": reps,
                    "availableReplicas": reps, "observedGeneration": 1}))
        podowners[ns].append(("ReplicaSet", name, meta["uid"], rlab, spec, 6))

    for ns in place("StatefulSet"):
        sname, repo, tag, port = r.choice(STATEFUL)
        app = uname(ns, "app", sname)
        lab = g.app_labels(app, team[ns], env[ns], tag)
        spec = g.pod_spec(app, team[ns], hyg[ns] * 0.8, sa_for(ns), "StatefulSet", port, repo, tag)
        spec["volumes"] = [v for v in spec["volumes"] if v["name"] != "tmp"] + [{"name": "tmp", "emptyDir": {}}]
        spec["containers"][0]["volumeMounts"].append({"name": "data", "mountPath": "/var/lib/" + sname})
        replicas = r.choice([1, 3, 3, 5])
        meta = g.meta(app, ns, lab, g.annotations())
        add(ns, g.obj("StatefulSet", meta, spec={
            "replicas": replicas, "serviceName": app + "-headless", "podManagementPolicy": "OrderedReady",
            "selector": {"matchLabels": {"app.kubernetes.io/name": app}},
            "template": g.template(dict(lab), spec),
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                "accessModes": ["ReadWriteOnce"], "storageClassName": "gp3",
                "resources": {"requests": {"storage": r.choice(["10Gi", "50Gi", "100Gi", "500Gi"])}}}}]},
            status={"replicas": replicas, "readyReplicas": replicas, "currentReplicas": replicas,
                    "updatedReplicas": replicas, "observedGeneration": 1,
                    "currentRevision": app + "-" + g.hexs(10)}))
        apps[ns].append((app, {"app.kubernetes.io/name": app}, port))
        podowners[ns].append(("StatefulSet", app, meta["uid"], lab, spec, 3))

    for ns in place("DaemonSet"):
        aname, repo, tag, port = r.choice(NODE_AGENTS)
        app = uname(ns, "app", aname)
        lab = g.app_labels(app, "platform", env[ns], tag)
        spec = g.pod_spec(app, "platform", hyg[ns] * 0.6, sa_for(ns), "DaemonSet", port, repo, tag)
        if r.random() < 0.4:
            spec["containers"][0].setdefault("securityContext", {})["privileged"] = True
        meta = g.meta(app, ns, lab, g.annotations({"deprecated.daemonset.template.generation": "1"}))
        nodes = len(NODES)
        add(ns, g.obj("DaemonSet", meta, spec={
            "selector": {"matchLabels": {"app.kubernetes.io/name": app}},
            "template": g.template(dict(lab), spec),
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
            "revisionHistoryLimit": 10},
            status={"currentNumberScheduled": nodes, "desiredNumberScheduled": nodes,
                    "numberAvailable": nodes, "numberReady": nodes, "numberMisscheduled": 0,
                    "observedGeneration": 1, "updatedNumberScheduled": nodes}))
        apps[ns].append((app, {"app.kubernetes.io/name": app}, port))
        podowners[ns].append(("DaemonSet", app, meta["uid"], lab, spec, 8))

    cronjobs = {ns: [] for ns in nsnames}
    for ns in place("CronJob"):
        app = uname(ns, "cron", r.choice(SERVICES) + "-" + r.choice(["cleanup", "report", "backup", "sync", "rotate"]))
        lab = g.app_labels(app, team[ns], env[ns], "1.0.0")
        spec = g.pod_spec(app, team[ns], hyg[ns], sa_for(ns), "Job", restart="OnFailure")
        meta = g.meta(app, ns, lab, g.annotations())
        add(ns, g.obj("CronJob", meta, spec={
            "schedule": r.choice(["0 2 * * *", "*/15 * * * *", "30 4 * * 0", "0 * * * *", "5 0 1 * *"]),
            "concurrencyPolicy": r.choice(["Forbid", "Allow", "Replace"]),
            "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1, "suspend": False,
            "jobTemplate": {"metadata": {"labels": dict(lab)}, "spec": {
                "backoffLimit": 3, "activeDeadlineSeconds": 3600,
                "template": g.template(dict(lab), spec)}}},
            status={"lastScheduleTime": g.ts(), "lastSuccessfulTime": g.ts()}))
        cronjobs[ns].append((app, meta["uid"], lab, spec))

    for ns in place("Job"):
        if cronjobs[ns] and r.random() < 0.7:
            cname, cuid, lab, spec = r.choice(cronjobs[ns])
            name = "%s-%d" % (cname, 28000000 + r.randint(0, 999999))
            owner = ("CronJob", cname, cuid)
        else:
            name = uname(ns, "job", r.choice(SERVICES) + "-migrate-" + g.hexs(5))
            lab = g.app_labels(name, team[ns], env[ns], "1.0.0")
            spec = g.pod_spec(name, team[ns], hyg[ns], sa_for(ns), "Job", restart="Never")
            owner = None
        jlab = dict(lab)
        jlab["batch.kubernetes.io/job-name"] = name
        meta = g.meta(name, ns, jlab, None, owner)
        start = g.ts()
        add(ns, g.obj("Job", meta, spec={
            "backoffLimit": 3, "completions": 1, "parallelism": 1, "completionMode": "NonIndexed",
            "suspend": False, "template": g.template(jlab, spec)},
            status={"startTime": start, "completionTime": start, "succeeded": 1, "ready": 0,
                    "conditions": [{"type": "Complete", "status": "True",
                                    "lastProbeTime": start, "lastTransitionTime": start}]}))
        podowners[ns].append(("Job", name, meta["uid"], jlab, spec, 1))

    for ns in place("Pod"):
        if podowners[ns] and r.random() < 0.93:
            okind, oname, ouid, lab, spec, _ = r.choice(podowners[ns])
            if okind == "StatefulSet":
                name = uname(ns, "pod", oname + "-0")
            else:
                name = "%s-%s" % (oname, g.hexs(5))
            owner = (okind, oname, ouid)
            spec = dict(spec)
        else:
            app = r.choice(SERVICES)
            name = uname(ns, "pod", r.choice(["debug-", "test-", "tmp-", ""]) + app)
            lab = {"run": name}
            spec = g.pod_spec(app, team[ns], hyg[ns] * 0.7, sa_for(ns))
            owner = None
        spec["nodeName"] = r.choice(NODES)
        spec["priority"] = 0
        spec["enableServiceLinks"] = True
        node_ip = "10.0.%d.%d" % (r.randint(1, 8), r.randint(10, 250))
        start = g.ts()
        cstat = [{"name": c["name"], "image": c["image"].split("@")[0],
                  "imageID": "%s@sha256:%s" % (c["image"].split("@")[0].rsplit(":", 1)[0], g.hexs(64)),
                  "containerID": "containerd://" + g.hexs(64),
                  "ready": True, "started": True, "restartCount": r.choice([0, 0, 0, 1, 3]),
                  "state": {"running": {"startedAt": start}}} for c in spec["containers"]]
        meta = g.meta(name, ns, lab, {"kubectl.kubernetes.io/restartedAt": start} if r.random() < 0.1 else None, owner)
        add(ns, g.obj("Pod", meta, spec=spec, status={
            "phase": "Running", "hostIP": node_ip,
            "podIP": "100.64.%d.%d" % (r.randint(0, 255), r.randint(1, 254)),
            "podIPs": [{"ip": "100.64.%d.%d" % (r.randint(0, 255), r.randint(1, 254))}],
            "qosClass": r.choice(["Burstable", "Guaranteed", "BestEffort"]),
            "startTime": start,
            "conditions": [{"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": start}
                           for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
            "containerStatuses": cstat}))

    for ns in place("Service"):
        if apps[ns] and r.random() < 0.9:
            app, sel, port = r.choice(apps[ns])
        else:
            app, sel, port = r.choice(SERVICES), {"app": r.choice(SERVICES)}, 8080
        name = uname(ns, "svc", app)
        t = r.choices(["ClusterIP", "NodePort", "LoadBalancer", "Headless"], weights=[82, 8, 6, 4])[0]
        spec = {"type": "ClusterIP" if t == "Headless" else t,
                "clusterIP": "None" if t == "Headless" else "172.20.%d.%d" % (r.randint(0, 255), r.randint(1, 254)),
                "selector": dict(sel),
                "ports": [{"name": "http", "port": 80 if port == 8080 else port, "targetPort": port, "protocol": "TCP"}],
                "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
                "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack"}
        spec["clusterIPs"] = [spec["clusterIP"]]
        if r.random() < 0.3:
            spec["ports"].append({"name": "metrics", "port": 9102, "targetPort": 9102, "protocol": "TCP"})
        if t == "NodePort":
            spec["ports"][0]["nodePort"] = r.randint(30000, 32767)
        status = {"loadBalancer": {}}
        if t == "LoadBalancer":
            spec["ports"][0]["nodePort"] = r.randint(30000, 32767)
            spec["externalTrafficPolicy"] = "Cluster"
            status = {"loadBalancer": {"ingress": [{"hostname": "a%s-%d.eu-west-1.elb.amazonaws.com" % (g.hexs(31), r.randint(10**9, 10**10 - 1))}]}}
        d = g.obj("Service", g.meta(name, ns, {"app.kubernetes.io/name": app}, g.annotations()),
                  spec=spec, status=status)
        if r.random() < 0.2:
            g.last_applied(d)
        add(ns, d)

    roles = {ns: [] for ns in nsnames}
    for ns in place("Role"):
        name = uname(ns, "role", r.choice(SERVICES) + "-" + r.choice(["reader", "editor", "leader-election", "operator"]))
        if r.random() < 0.1 * (1.5 - hyg[ns]):
            rules = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
        else:
            rules = []
            for res in r.sample(RESOURCES, r.randint(1, 4)):
                rules.append({"apiGroups": [GROUP_OF[res]], "resources": [res],
                              "verbs": list(r.choice([VERBS_RO, VERBS_RW]))})
            if r.random() < 0.1:
                rules[0]["verbs"] = ["*"]
        add(ns, g.obj("Role", g.meta(name, ns, None, g.annotations()), rules=rules))
        roles[ns].append(name)

    for ns in place("RoleBinding"):
        if roles[ns] and r.random() < 0.7:
            rk, rn = "Role", r.choice(roles[ns])
        else:
            rk, rn = "ClusterRole", r.choice(["view", "edit", "admin", "view"])
        subj = [{"kind": "ServiceAccount", "name": r.choice(sas[ns]) if sas[ns] else "default", "namespace": ns}]
        if r.random() < 0.2:
            subj.append({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": team[ns] + "-developers"})
        add(ns, g.obj("RoleBinding", g.meta(uname(ns, "rb", rn + "-binding"), ns, None, g.annotations()),
                             roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": rk, "name": rn},
                             subjects=subj))

    croles = []
    for _ in range(counts["ClusterRole"]):
        name = uname(None, "cr", r.choice(SERVICES) + "-" + r.choice(["controller", "operator", "reader", "aggregate"]))
        if r.random() < 0.08:
            rules = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
        else:
            rules = [{"apiGroups": [GROUP_OF[res]], "resources": [res], "verbs": list(r.choice([VERBS_RO, VERBS_RW]))}
                     for res in r.sample(RESOURCES, r.randint(2, 6))]
            rules.append({"nonResourceURLs": ["/metrics", "/healthz"], "verbs": ["get"]})
        add("_cluster", g.obj("ClusterRole", g.meta(name, None, {"app.kubernetes.io/part-of": r.choice(TEAMS)},
                                                           g.annotations()), rules=rules))
        croles.append(name)

    for _ in range(counts["ClusterRoleBinding"]):
        ns = r.choice(nsnames)
        sa = r.choice(sas[ns]) if sas[ns] else "default"
        if r.random() < 0.1:
            rn = "cluster-admin"
        else:
            rn = r.choice(croles) if croles and r.random() < 0.7 else r.choice(["view", "system:auth-delegator"])
        subj = [{"kind": "ServiceAccount", "name": sa, "namespace": ns}]
        if r.random() < 0.05:
            subj = [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:authenticated"}]
        add("_cluster", g.obj("ClusterRoleBinding",
                                     g.meta(uname(None, "crb", "%s-%s" % (sa, rn.replace(":", "-"))), None, None, g.annotations()),
                                     roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": rn},
                                     subjects=subj))

    for ns in place("NetworkPolicy"):
        if r.random() < 0.5 or not apps[ns]:
            name = uname(ns, "np", "default-deny")
            spec = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        else:
            app, sel, port = r.choice(apps[ns])
            name = uname(ns, "np", app + "-allow")
            spec = {"podSelector": {"matchLabels": dict(sel)}, "policyTypes": ["Ingress"],
                    "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                        "kubernetes.io/metadata.name": "ingress-nginx"}}},
                        {"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": team[ns]}}}],
                        "ports": [{"protocol": "TCP", "port": port}]}]}
        add(ns, g.obj("NetworkPolicy", g.meta(name, ns, None, g.annotations()), spec=spec))

    return counts


class Collect:
    """Sink that keeps the objects: {directory: [object, ...]}."""

    def __init__(self):
        self.dirs = {}

    def add(self, d, obj):
        self.dirs.setdefault(d, []).append(obj)


class Writer:
    """Sink that writes DIR/<directory>/objects-NNNN.yaml, per_file objects
    a file. Objects are serialized as they arrive and appended to their
    file whenever the buffered text passes a few tens of MB, so memory
    stays flat however many objects are asked for."""

    FLUSH_BYTES = 32 << 20

    def __init__(self, outdir, per_file):
        self.outdir = outdir
        self.per_file = per_file
        self.pending = {}     # dir -> [(file number, text)]
        self.cur = {}         # dir -> [file number, objects in it]
        self.buffered = 0
        self.files = self.total = self.nbytes = 0

    def add(self, d, obj):
        c = self.cur.get(d)
        if c is None:
            c = self.cur[d] = [1, 0]
            self.pending[d] = []
            os.makedirs(os.path.join(self.outdir, d), exist_ok=True)
            self.files += 1
        elif c[1] == self.per_file:
            c[0] += 1
            c[1] = 0
            self.files += 1
        text = to_yaml(obj)
        if c[1]:
            text = "---\n" + text
        c[1] += 1
        self.pending[d].append((c[0], text))
        self.total += 1
        self.nbytes += len(text)
        self.buffered += len(text)
        if self.buffered > self.FLUSH_BYTES:
            self.flush()

    def flush(self):
        for d, items in self.pending.items():
            i = 0
            while i < len(items):
                num = items[i][0]
                j = i
                while j < len(items) and items[j][0] == num:
                    j += 1
                fn = os.path.join(self.outdir, d, "objects-%04d.yaml" % num)
                with open(fn, "a", encoding="utf-8") as f:
                    f.write("".join(t for _, t in items[i:j]))
                i = j
            self.pending[d] = []
        self.buffered = 0

    def close(self):
        self.flush()


_OURS = re.compile(r"^objects-[0-9]{4,}\.yaml$")


def looks_generated(d):
    """True if d holds only what write() produces: subdirectories of objects-NNNN.yaml."""
    for e in os.scandir(d):
        if not e.is_dir(follow_symlinks=False):
            return False
        for f in os.scandir(e.path):
            if not (f.is_file(follow_symlinks=False) and _OURS.match(f.name)):
                return False
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate a synthetic Kubernetes cluster as YAML manifests.")
    ap.add_argument("--objects", type=int, required=True, metavar="N", help="exact number of objects to write")
    ap.add_argument("--out", required=True, metavar="DIR", help="output directory (must be absent or empty)")
    ap.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    ap.add_argument("--per-file", type=int, default=100, metavar="K", help="objects per YAML file (default 100)")
    ap.add_argument("--force", action="store_true", help="delete DIR first if it is not empty")
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    a = ap.parse_args(argv)
    if a.objects < 0:
        ap.error("--objects must be >= 0")
    if a.per_file < 1:
        ap.error("--per-file must be >= 1")
    if os.path.exists(a.out):
        if not os.path.isdir(a.out):
            ap.error("--out %s exists and is not a directory" % a.out)
        if os.listdir(a.out):
            if not a.force:
                ap.error("--out %s is not empty (use --force to replace it)" % a.out)
            if not looks_generated(a.out):
                ap.error("--out %s holds files gen_cluster.py did not write; not deleting it" % a.out)
            shutil.rmtree(a.out)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.monotonic()
    w = Writer(a.out, a.per_file)
    counts = generate(a.objects, a.seed, w)
    w.close()
    files, total, nbytes = w.files, w.total, w.nbytes
    if total != a.objects:
        sys.exit("gen_cluster: internal error: wrote %d objects, wanted %d" % (total, a.objects))
    if not a.quiet:
        mix = ", ".join("%s=%d" % (k, counts[k]) for k, _ in MIX if counts[k])
        print("gen_cluster: %d objects, %d files, %.1f MB in %s (seed %d, %.1fs)"
              % (total, files, nbytes / 1e6, a.out, a.seed, time.monotonic() - t0))
        print("gen_cluster: " + mix)
    return 0


if __name__ == "__main__":
    sys.exit(main())
