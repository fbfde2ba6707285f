#!/usr/bin/env python3
"""httpsrv.py: an HTTPS server for fourc's tests (Python 3 stdlib + openssl).

The Kubernetes API, AWS, Redmine, Jira and GitHub cannot run on a test
machine; their clients are tested against this server, which answers like
them on demand and fails the way they fail.

    python3 tests/tools/httpsrv.py --dir D [--spec S.json] [--root R]
        [--token T] [--mtls] [--plain] [--proxy]

--certs C  take the certificates from C (made there when missing)
           instead of D, so that several servers share one CA
--dir D    work directory (created). The server writes there:
             ca.crt ca.key        the test CA (openssl CLI, 2048-bit RSA)
             server.crt .key      for IP:127.0.0.1 and DNS:localhost
             client.crt .key      a client certificate (CN=fourc-test)
                                  signed by the same CA
             other-ca.crt         a CA that signed nothing (the "unknown CA")
             port                 the port, once listening (wait for it)
             server.log           connections that failed (TLS refused,
                                  client gone), one line each
             requests.log         one line a request: METHOD PATH?QUERY
                                  auth=<none|ok|bad> cert=<CN or ->
           Certificates already there are reused.
--spec S   a JSON file of routes, matched on the path without the query:
             {"routes": {"/api/v1/pods": {...}, "/x/*": {...}}}
           a trailing "*" matches any rest. A route's keys:
             status        200 by default
             headers       {"Name": "value"}
             body          a string, or any JSON value (sent as JSON)
             file          a file (relative to the spec) to send
             generate      N: a body of N bytes ("x" repeated)
             public        true: no token needed even with --token
             list          paging over generated items: {"items": N,
                           "style": "k8s"} reads ?limit=&continue= and
                           answers {"kind":"List","apiVersion":"v1",
                           "metadata":{"continue":"<opaque>"},"items":
                           [{"metadata":{"name":"item-0"}}, ...]} ("continue"
                           absent on the last page); "style": "nexttoken"
                           reads ?MaxResults=&NextToken= (or the same keys in
                           a JSON request body) and answers {"Items":[...],
                           "NextToken":"<opaque>"}, under other names with
                           "keys": {"limit": "maxResults", "token":
                           "nextToken", "items": "analyzers"} (AWS REST-JSON
                           and JSON 1.1 spell them so); "style": "s3buckets"
                           reads ?max-buckets=&continuation-token= and
                           answers S3's ListAllMyBucketsResult XML with
                           buckets bucket-0.. and a ContinuationToken while
                           there are more
             fault         {"status": 401|403|429|500|..., "times": N,
                           "retry_after": "1" or an HTTP-date, "body": ...,
                           "headers": {"Name": "value"}}:
                           the first N requests (all when "times" is absent)
                           get this answer instead
             slow          seconds before the status line (slow first byte)
             trickle       bytes a second for the body
             cut           bytes of the body sent before the connection is
                           closed (Content-Length announces all of it)
             s3_region     {"region": R, "status": 301|307|400}: S3's
                           answer to a request signed (SigV4 credential
                           scope) for another region than the bucket's R:
                           301 PermanentRedirect or 307 TemporaryRedirect
                           with x-amz-bucket-region: R, or 400
                           AuthorizationHeaderMalformed naming R in
                           <Region> only; a request signed for R gets the
                           route's answer. requests.log adds region=R
                           (the signed region) for such routes
           A route may name "page": N: it applies to page N of a
           cluster list only (the other pages are the cluster's), and
           "cluster": true: once its fault's "times" are spent, the
           cluster answers.
           "cluster" (a top-level key, beside "routes"): a Kubernetes API
           server over a set of objects:
             {"cluster": {"objects": "FILE.jsonl" (one object a line,
                          relative to the spec) or [object, ...],
                          "page_max": N (a page holds at most N objects
                          whatever ?limit= asks),
                          "secrets": "metadata" (default: the Accept
                          as=PartialObjectMetadataList is honoured) or
                          "ignore" (full Secrets are sent anyway),
                          "expire": {"RESOURCE": N} (the first N requests
                          carrying a continue token for RESOURCE get 410
                          Gone, reason Expired),
                          "version": {...} (/version's answer)}}
           It answers /version, discovery (/api, /api/v1, /apis,
           /apis/G/V: the built-in resources of a cluster plus the kinds
           of the objects), and lists (/api/v1/RESOURCE,
           /apis/G/V/RESOURCE) in pages with continue tokens, items
           without kind and apiVersion as the API server sends them.
           Requests per path go to D/requests.log as always.
--root R   files under R answer GET /<path> when no route matches
--token T  every request must carry "Authorization: Bearer T" (else 401
           with WWW-Authenticate: Bearer); never logged
--basic U:P  also accept "Authorization: Basic base64(U:P)" in place of
           the token (auth=ok in the log)
--mtls     require a client certificate signed by the test CA
--plain    plain http instead of https
--proxy    also run an HTTP CONNECT proxy on 127.0.0.1; its port goes to
           D/proxy.port and each tunnel to D/proxy.log as
           "CONNECT host:port"
--proxy-deny  with --proxy: log each CONNECT and answer 403 without
           connecting anywhere (where a client would go, for hosts a test
           must never reach)

Stop it with SIGTERM. Every answer is HTTP/1.1 with Content-Length.
"""
import argparse
import base64
import json
import os
import select
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
SPEC = {}
SPEC_DIR = "."
COUNTS = {}
LOCK = threading.Lock()


def openssl(*a):
    subprocess.run(["openssl"] + list(a), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_certs(d):
    p = lambda n: os.path.join(d, n)
    if os.path.exists(p("client.crt")) and os.path.exists(p("other-ca.crt")):
        return
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=fourc test " + ca, "-keyout", p(ca + ".key"),
                "-out", p(ca + ".crt"))
    ext = p("ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "extendedKeyUsage=serverAuth\n")
    with open(p("client.cnf"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    for who, cn, e in (("server", "127.0.0.1", ext),
                       ("client", "fourc-test", p("client.cnf"))):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + cn,
                "-keyout", p(who + ".key"), "-out", p(who + ".csr"))
        openssl("x509", "-req", "-in", p(who + ".csr"), "-CA", p("ca.crt"),
                "-CAkey", p("ca.key"), "-CAcreateserial", "-days", "2",
                "-extfile", e, "-out", p(who + ".crt"))


def find_route(path):
    routes = SPEC.get("routes", {})
    if path in routes:
        return path, routes[path]
    for k, v in routes.items():
        if k.endswith("*") and path.startswith(k[:-1]):
            return k, v
    return None, None


def page(route, query, body):
    spec = route["list"]
    n = int(spec.get("items", 0))
    style = spec.get("style", "k8s")
    q = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
    if style == "nexttoken" and body:
        try:
            q.update({k: str(v) for k, v in json.loads(body).items()})
        except (ValueError, AttributeError):
            pass
    keys = spec.get("keys", {})
    lim_key, tok_key = (("limit", "continue") if style == "k8s"
                        else ("max-buckets", "continuation-token")
                        if style == "s3buckets"
                        else (keys.get("limit", "MaxResults"),
                              keys.get("token", "NextToken")))
    limit = int(q.get(lim_key) or n or 1)
    start = int(q.get(tok_key, "tok-0")[4:] or 0) if q.get(tok_key) else 0
    end = min(n, start + limit)
    items = [{"metadata": {"name": "item-%d" % i}} if style == "k8s"
             else {"Name": "item-%d" % i} for i in range(start, end)]
    nxt = "tok-%d" % end if end < n else None
    if style == "s3buckets":
        out = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult'
               ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o'
               '</ID></Owner><Buckets>%s</Buckets>%s</ListAllMyBucketsResult>'
               % ("".join("<Bucket><Name>bucket-%d</Name><BucketRegion>"
                          "us-east-1</BucketRegion></Bucket>" % i
                          for i in range(start, end)),
                  "<ContinuationToken>%s</ContinuationToken>" % nxt
                  if nxt else ""))
        return out.encode()
    if style == "k8s":
        out = {"kind": "List", "apiVersion": "v1", "metadata": {},
               "items": items}
        if nxt:
            out["metadata"]["continue"] = nxt
    else:
        out = {keys.get("items", "Items"): items}
        if nxt:
            out[keys.get("token", "NextToken")] = nxt
    return json.dumps(out).encode()


# ---- a Kubernetes API server over a set of objects (spec "cluster") ----

# (group version, kind, plural, namespaced) a cluster serves even with no
# object of them: discovery is what a real (kind) cluster would say.
BUILTIN = [
    ("v1", "Namespace", "namespaces", False),
    ("v1", "Node", "nodes", False),
    ("v1", "Pod", "pods", True),
    ("v1", "Secret", "secrets", True),
    ("v1", "ConfigMap", "configmaps", True),
    ("v1", "Service", "services", True),
    ("v1", "ServiceAccount", "serviceaccounts", True),
    ("v1", "ReplicationController", "replicationcontrollers", True),
    ("v1", "PersistentVolumeClaim", "persistentvolumeclaims", True),
    ("v1", "LimitRange", "limitranges", True),
    ("v1", "ResourceQuota", "resourcequotas", True),
    ("v1", "Event", "events", True),
    ("apps/v1", "Deployment", "deployments", True),
    ("apps/v1", "ReplicaSet", "replicasets", True),
    ("apps/v1", "StatefulSet", "statefulsets", True),
    ("apps/v1", "DaemonSet", "daemonsets", True),
    ("batch/v1", "Job", "jobs", True),
    ("batch/v1", "CronJob", "cronjobs", True),
    ("rbac.authorization.k8s.io/v1", "Role", "roles", True),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", True),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", False),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding",
     "clusterrolebindings", False),
    ("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", True),
    ("networking.k8s.io/v1", "Ingress", "ingresses", True),
    ("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", True),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration",
     "validatingwebhookconfigurations", False),
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration",
     "mutatingwebhookconfigurations", False),
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview",
     "selfsubjectaccessreviews", False),
]
CLUSTER_SCOPED = {"Namespace", "Node", "ClusterRole", "ClusterRoleBinding",
                  "CiliumClusterwideNetworkPolicy", "GlobalNetworkPolicy",
                  "PersistentVolume", "StorageClass", "PriorityClass"}
CLUSTER = None


class Cluster:
    def __init__(self, spec):
        self.spec = spec
        self.res = {}    # (gv, plural) -> [kind, namespaced, [json text]]
        self.groups = {}  # group -> [versions], first preferred
        for gv, kind, plural, ns in BUILTIN:
            self.add_res(gv, kind, plural, ns)
        objs = spec.get("objects", [])
        if isinstance(objs, str):
            with open(os.path.join(SPEC_DIR, objs)) as f:
                lines = [ln for ln in f if ln.strip()]
        else:
            lines = [json.dumps(o) for o in objs]
        for ln in lines:
            o = json.loads(ln)
            gv, kind = o["apiVersion"], o["kind"]
            plural = self.plural_of(gv, kind)
            o.pop("kind")
            o.pop("apiVersion")
            self.res[(gv, plural)][2].append(json.dumps(o))

    def add_res(self, gv, kind, plural, namespaced):
        if (gv, plural) not in self.res:
            self.res[(gv, plural)] = [kind, namespaced, []]
            g = gv.split("/")[0] if "/" in gv else ""
            vs = self.groups.setdefault(g, [])
            if gv not in vs:
                vs.append(gv)

    def plural_of(self, gv, kind):
        for (g, p), r in self.res.items():
            if g == gv and r[0] == kind:
                return p
        plural = kind.lower() + ("es" if kind.endswith("s") else "s")
        if plural.endswith("ys"):
            plural = plural[:-2] + "ies"
        self.add_res(gv, kind, plural, kind not in CLUSTER_SCOPED)
        return plural

    def resources(self, gv):
        out = []
        for (g, p), (kind, ns, _) in sorted(self.res.items()):
            if g != gv:
                continue
            verbs = (["create"] if kind.endswith("Review")
                     else ["get", "list", "watch", "create", "delete"])
            out.append({"name": p, "singularName": kind.lower(),
                        "namespaced": ns, "kind": kind, "verbs": verbs})
            if kind == "Pod":
                out.append({"name": "pods/status", "singularName": "",
                            "namespaced": True, "kind": "Pod",
                            "verbs": ["get", "list", "patch"]})
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": gv, "resources": out}

    def route(self, path):
        """(gv, plural) for a list path, or a discovery answer, or None."""
        parts = path.strip("/").split("/")
        if path == "/version":
            return self.spec.get("version", {
                "major": "1", "minor": "31", "gitVersion": "v1.31.2",
                "platform": "linux/amd64"})
        if parts == ["api"]:
            return {"kind": "APIVersions", "versions": ["v1"]}
        if parts == ["apis"]:
            groups = []
            for g, vs in sorted(self.groups.items()):
                if not g:
                    continue
                groups.append({"name": g, "versions": [
                    {"groupVersion": v, "version": v.split("/")[1]}
                    for v in vs], "preferredVersion": {
                        "groupVersion": vs[0],
                        "version": vs[0].split("/")[1]}})
            return {"kind": "APIGroupList", "apiVersion": "v1",
                    "groups": groups}
        if parts[:1] == ["api"] and len(parts) == 2:
            return self.resources(parts[1])
        if parts[:1] == ["apis"] and len(parts) == 3:
            return self.resources(parts[1] + "/" + parts[2])
        if parts[:1] == ["api"] and len(parts) == 3:
            return ("v1", parts[2])
        if parts[:1] == ["apis"] and len(parts) == 4:
            return (parts[1] + "/" + parts[2], parts[3])
        return None

    def page_of(self, query):
        q = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
        limit = int(q.get("limit") or 0) or 10 ** 9
        limit = min(limit, int(self.spec.get("page_max", limit)))
        start = int(q["continue"].split("-")[-1]) if q.get("continue") else 0
        return start, limit, q.get("continue")

    def list(self, key, query, accept):
        """(status, body) of a list request."""
        if key not in self.res:
            return 404, {"kind": "Status", "code": 404, "reason": "NotFound",
                         "message": "the server could not find the "
                                    "requested resource"}
        kind, ns, items = self.res[key]
        start, limit, cont = self.page_of(query)
        if cont:
            left = self.spec.get("expire", {})
            with LOCK:
                n = COUNTS.get(("expire", key[1]), 0)
                if n < int(left.get(key[1], 0)):
                    COUNTS[("expire", key[1])] = n + 1
                    return 410, {
                        "kind": "Status", "apiVersion": "v1", "code": 410,
                        "status": "Failure", "reason": "Expired",
                        "message": "The provided continue parameter is too "
                                   "old to display a consistent list result."}
        end = min(len(items), start + limit)
        meta = {"resourceVersion": "12345"}
        if end < len(items):
            meta["continue"] = "c-%s-%d" % (key[1], end)
        if (kind == "Secret" and "as=PartialObjectMetadataList" in accept
                and self.spec.get("secrets", "metadata") != "ignore"):
            page = [json.loads(t) for t in items[start:end]]
            return 200, {"kind": "PartialObjectMetadataList",
                         "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                         "items": [{"kind": "PartialObjectMetadata",
                                    "apiVersion": "meta.k8s.io/v1",
                                    "metadata": o.get("metadata", {})}
                                   for o in page]}
        # The items as stored, joined: a page of a large cluster costs no
        # parsing here.
        return 200, ('{"kind": %s, "apiVersion": %s, "metadata": %s, '
                     '"items": [%s]}' % (
                         json.dumps(kind + "List"), json.dumps(key[0]),
                         json.dumps(meta), ",\n".join(items[start:end])))


def cluster_page(query):
    """The page number (from 1) a cluster list request asks for."""
    if CLUSTER is None:
        return 0
    start, limit, _ = CLUSTER.page_of(query)
    return start // limit + 1 if limit < 10 ** 9 else 1


def signed_region(auth):
    """The region of a SigV4 Authorization's credential scope, or ""."""
    try:
        scope = auth.split("Credential=", 1)[1].split(",")[0]
        return scope.split("/")[2]
    except (AttributeError, IndexError):
        return ""


def s3_redirect(want, status):
    """S3's answer to a request signed for another region than want."""
    if status == 400:
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>'
                'AuthorizationHeaderMalformed</Code><Message>The '
                'authorization header is malformed; the region is wrong; '
                'expecting \'%s\'</Message><Region>%s</Region><RequestId>r'
                '</RequestId></Error>' % (want, want))
        return body.encode(), {"Content-Type": "application/xml"}
    code = "PermanentRedirect" if status == 301 else "TemporaryRedirect"
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
            '<Message>The bucket you are attempting to access must be '
            'addressed using the specified endpoint.</Message><Endpoint>'
            's3.%s.amazonaws.com</Endpoint><RequestId>r</RequestId></Error>'
            % (code, want))
    h = {"Content-Type": "application/xml", "x-amz-bucket-region": want}
    if status == 307:
        h["Location"] = "https://s3.%s.amazonaws.com/" % want
    return body.encode(), h


def as_bytes(v):
    if v is None:
        return b""
    if isinstance(v, str):
        return v.encode()
    return json.dumps(v).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, delayed
        # ACKs cost each answer of a kept-alive connection 40 ms.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP,
                                       socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, fmt, *a):
        pass

    def cert_cn(self):
        try:
            c = self.connection.getpeercert()
        except (AttributeError, ValueError):
            return "-"
        for rdn in (c or {}).get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    return v
        return "-"

    def send(self, status, body, headers=None, route=None):
        route = route or {}
        if route.get("slow"):
            time.sleep(float(route["slow"]))
        self.send_response(status)
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if "cut" in route:
            self.wfile.write(body[:int(route["cut"])])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        rate = route.get("trickle")
        if rate:
            rate = max(1, int(rate))
            for i in range(0, len(body), rate):
                self.wfile.write(body[i:i + rate])
                self.wfile.flush()
                time.sleep(1)
            return
        self.wfile.write(body)

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        reqbody = self.rfile.read(n) if n else b""
        auth = self.headers.get("Authorization")
        key, route = find_route(url.path)
        if auth is None:
            state = "none"
        elif ARGS.token and auth == "Bearer " + ARGS.token:
            state = "ok"
        elif ARGS.basic and auth == "Basic " + base64.b64encode(
                ARGS.basic.encode()).decode():
            state = "ok"
        else:
            state = "bad"
        with LOCK:
            with open(os.path.join(ARGS.dir, "requests.log"), "a") as f:
                f.write("%s %s auth=%s cert=%s%s%s\n" % (
                    self.command, self.path, state, self.cert_cn(),
                    " accept=metadata" if "as=PartialObjectMetadataList" in
                    self.headers.get("Accept", "") else "",
                    " region=" + signed_region(auth)
                    if (route or {}).get("s3_region") else ""))
        if route is not None and "page" in route and (
                cluster_page(url.query) != int(route["page"])):
            key, route = None, None
        public = (route or {}).get("public")
        if (ARGS.token or ARGS.basic) and state != "ok" and not public:
            return self.send(401, b'{"kind":"Status","code":401,'
                             b'"message":"Unauthorized"}',
                             {"WWW-Authenticate": 'Bearer realm="fourc-test"'})
        if route is None and CLUSTER is not None:
            ans = CLUSTER.route(url.path)
            if isinstance(ans, tuple):
                st, body = CLUSTER.list(ans, url.query,
                                        self.headers.get("Accept", ""))
                return self.send(st, as_bytes(body))
            if ans is not None:
                return self.send(200, as_bytes(ans))
        if route is None:
            path = os.path.normpath(url.path).lstrip("/")
            if ARGS.root and path and not path.startswith(".."):
                f = os.path.join(ARGS.root, path)
                if os.path.isfile(f):
                    with open(f, "rb") as fh:
                        return self.send(200, fh.read())
            return self.send(404, b'{"message":"not found"}')
        s3r = route.get("s3_region")
        if s3r and signed_region(auth) != s3r["region"]:
            body, h = s3_redirect(s3r["region"], int(s3r.get("status", 301)))
            return self.send(int(s3r.get("status", 301)), body, h)
        fault = route.get("fault")
        if fault:
            with LOCK:
                COUNTS[key] = COUNTS.get(key, 0) + 1
                hit = COUNTS[key]
            if "times" not in fault or hit <= int(fault["times"]):
                h = dict(fault.get("headers", {}))
                if "retry_after" in fault:
                    h["Retry-After"] = str(fault["retry_after"])
                return self.send(int(fault.get("status", 500)),
                                 as_bytes(fault.get("body", {
                                     "message": "planted failure"})), h)
        if route.get("cluster") and CLUSTER is not None:
            ans = CLUSTER.route(url.path)
            if isinstance(ans, tuple):
                st, body = CLUSTER.list(ans, url.query,
                                        self.headers.get("Accept", ""))
                return self.send(st, as_bytes(body), None, route)
            if ans is not None:
                return self.send(200, as_bytes(ans), None, route)
        if "list" in route:
            body = page(route, url.query, reqbody)
        elif "generate" in route:
            body = b"x" * int(route["generate"])
        elif "file" in route:
            with open(os.path.join(SPEC_DIR, route["file"]), "rb") as fh:
                body = fh.read()
        else:
            body = as_bytes(route.get("body", {}))
        self.send(int(route.get("status", 200)), body,
                  route.get("headers"), route)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any


def pump(a, b):
    try:
        while True:
            r, _, _ = select.select([a, b], [], [], 30)
            if not r:
                return
            for s in r:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    except OSError:
        return


class Proxy(BaseHTTPRequestHandler):
    def log_message(self, fmt, *a):
        pass

    def do_CONNECT(self):
        with LOCK:
            with open(os.path.join(ARGS.dir, "proxy.log"), "a") as f:
                f.write("CONNECT %s\n" % self.path)
        host, _, port = self.path.rpartition(":")
        if ARGS.proxy_deny:
            self.send_error(403)
            return
        try:
            up = socket.create_connection((host, int(port)), timeout=10)
        except OSError:
            self.send_error(502)
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        pump(self.connection, up)
        up.close()
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hangs up or refuses our certificate is what the
        # tests do on purpose: one line in D/server.log, no traceback.
        with LOCK:
            with open(os.path.join(ARGS.dir, "server.log"), "a") as f:
                f.write("%s: %r\n" % (client_address, sys.exc_info()[1]))


def write_port(name, port):
    tmp = os.path.join(ARGS.dir, name + ".tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, os.path.join(ARGS.dir, name))


def main():
    global ARGS, SPEC, SPEC_DIR
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--certs")
    ap.add_argument("--spec")
    ap.add_argument("--root")
    ap.add_argument("--token")
    ap.add_argument("--basic")
    ap.add_argument("--mtls", action="store_true")
    ap.add_argument("--plain", action="store_true")
    ap.add_argument("--proxy", action="store_true")
    ap.add_argument("--proxy-deny", action="store_true")
    ARGS = ap.parse_args()
    os.makedirs(ARGS.dir, exist_ok=True)
    if ARGS.spec:
        with open(ARGS.spec) as f:
            SPEC = json.load(f)
        SPEC_DIR = os.path.dirname(os.path.abspath(ARGS.spec))
        if "cluster" in SPEC:
            global CLUSTER
            CLUSTER = Cluster(SPEC["cluster"])
    certs = ARGS.certs or ARGS.dir
    os.makedirs(certs, exist_ok=True)
    make_certs(certs)
    srv = Server(("127.0.0.1", 0), Handler)
    if not ARGS.plain:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(certs, "server.crt"),
                            os.path.join(certs, "server.key"))
        if ARGS.mtls:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(os.path.join(certs, "ca.crt"))
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    if ARGS.proxy:
        px = Server(("127.0.0.1", 0), Proxy)
        threading.Thread(target=px.serve_forever, daemon=True).start()
        write_port("proxy.port", px.server_address[1])
    write_port("port", srv.server_address[1])
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
