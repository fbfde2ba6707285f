#!/usr/bin/env python3
"""awscount.py: a logging HTTP proxy in front of moto_server, to count what
an AWS client sends (Python 3 stdlib only).

    python3 tests/tools/awscount.py serve --upstream http://127.0.0.1:MOTO \
        --log requests.jsonl [--port 0] [--port-file F]
    python3 tests/tools/awscount.py report requests.jsonl [--json]

serve: listens on 127.0.0.1 (--port, 0 for any free one, written to
--port-file once listening) and forwards every request as it came (same
method, path, Host and other headers, body) to --upstream, over one kept
connection per client connection, and relays the answer. Point the client
at the proxy's URL as its endpoint. Per request, one JSON line is
appended to --log:

    {"method", "host", "path" (with the query), "service", "region"
     (from the SigV4 credential scope of the Authorization header or of
     X-Amz-Credential), "target" (X-Amz-Target, JSON protocols), "action"
     (the query protocol's Action, from the form body or the query),
     "body_sha256", "body_bytes", "status", "resp_bytes", "ms"}

Never logged: header values other than Host and X-Amz-Target, the access
key id, signatures, session tokens, bodies (only their SHA-256).

report: counts the log by service and by service + operation, and lists
the requests sent more than once: same service and region (the SigV4
scope), method, host, path with query and body hash (the SigV4 date and
signature are not part of it). Exit status
0; the text ends with "repeated: N" (N distinct requests sent twice or
more) so a script can check it.
"""

import argparse
import collections
import hashlib
import http.client
import http.server
import json
import os
import re
import socketserver
import sys
import threading
import time
import urllib.parse

HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
}
SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


def scope_of(headers, query):
    """(service, region) from the SigV4 credential scope, else ("?", "?")."""
    m = SCOPE.search(headers.get("Authorization", "") or "")
    if m:
        return m.group(2), m.group(1)
    cred = (query.get("X-Amz-Credential") or [""])[0]
    parts = cred.split("/")
    if len(parts) == 5:
        return parts[3], parts[2]
    return "?", "?"


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None  # (host, port)
    logf = None
    lock = threading.Lock()

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _upstream(self):
        conn = getattr(self, "_conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(*self.upstream, timeout=300)
            self._conn = conn
        return conn

    def _forward(self, body):
        for attempt in (0, 1):
            conn = self._upstream()
            try:
                conn.putrequest(
                    self.command, self.path, skip_host=True, skip_accept_encoding=True
                )
                for k, v in self.headers.items():
                    if k.lower() in HOP or k.lower() == "content-length":
                        continue
                    conn.putheader(k, v)
                if body or self.command in ("POST", "PUT"):
                    conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body if body else None)
                resp = conn.getresponse()
                data = resp.read()
                return resp, data
            except (http.client.HTTPException, OSError):
                conn.close()
                self._conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _handle(self):
        t0 = time.monotonic()
        body = self._read_body()
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        service, region = scope_of(self.headers, query)
        action = (query.get("Action") or [None])[0]
        ctype = self.headers.get("Content-Type") or ""
        if not action and "x-www-form-urlencoded" in ctype and body:
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            action = (form.get("Action") or [None])[0]
        try:
            resp, data = self._forward(body)
        except Exception as exc:  # noqa: BLE001 - answered as a 502
            msg = ("awsproxy: upstream: %s\n" % exc).encode()
            self.send_response(502)
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            status, data = 502, msg
        else:
            status = resp.status
            self.send_response_only(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() in HOP or k.lower() == "content-length":
                    continue
                self.send_header(k, v)
            if self.command == "HEAD":
                self.send_header(
                    "Content-Length", resp.getheader("Content-Length") or "0"
                )
            else:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        rec = {
            "method": self.command,
            "host": self.headers.get("Host"),
            "path": self.path,
            "service": service,
            "region": region,
            "target": self.headers.get("X-Amz-Target"),
            "action": action,
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "body_bytes": len(body),
            "status": status,
            "resp_bytes": len(data),
            "ms": round((time.monotonic() - t0) * 1000, 2),
        }
        line = json.dumps(rec, sort_keys=True) + "\n"
        with self.lock:
            self.logf.write(line)
            self.logf.flush()

    def finish(self):
        conn = getattr(self, "_conn", None)
        if conn is not None:
            conn.close()
        super().finish()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def serve(args):
    up = urllib.parse.urlsplit(args.upstream)
    if up.scheme != "http" or not up.hostname:
        sys.exit("awsproxy: --upstream must be http://HOST:PORT")
    Proxy.upstream = (up.hostname, up.port or 80)
    Proxy.logf = open(args.log, "a", encoding="utf-8")
    srv = Server(("127.0.0.1", args.port), Proxy)
    port = srv.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(args.port_file + ".tmp", args.port_file)
    print("awsproxy: 127.0.0.1:%d -> %s" % (port, args.upstream), file=sys.stderr)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


def operation(r):
    """The operation a request is: the JSON target or query Action, else
    for REST (S3) the method, whether a bucket or key is named, and the
    names of the sub-resources in the query."""
    if r.get("target"):
        return r["target"].split(".")[-1]
    if r.get("action"):
        return r["action"]
    url = urllib.parse.urlsplit(r["path"])
    parts = [p for p in url.path.split("/") if p]
    shape = "/" if not parts else "/{bucket}" if len(parts) == 1 else "/{bucket}/{key}"
    keys = sorted(
        k
        for k in urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if not k.lower().startswith("x-amz-")
        and k not in ("continuation-token", "max-keys", "prefix", "marker")
    )
    return "%s %s%s" % (r["method"], shape, ("?" + "&".join(keys)) if keys else "")


def report(args):
    recs = []
    with open(args.log, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                recs.append(json.loads(line))
    by_service = collections.Counter(r["service"] for r in recs)
    by_op = collections.Counter((r["service"], operation(r)) for r in recs)
    by_status = collections.Counter(r["status"] for r in recs)
    def key(r):
        # the region and service are in the signature's scope, not the
        # body: the same body sent to two regions is two requests
        return (r["service"], r["region"], r["method"], r["host"], r["path"],
                r["body_sha256"])

    same = collections.Counter(key(r) for r in recs)
    repeated = {k: n for k, n in same.items() if n > 1}
    ops = {}
    for r in recs:
        ops.setdefault(key(r), operation(r))
    out = {
        "requests": len(recs),
        "by_service": dict(sorted(by_service.items())),
        "by_operation": {
            "%s %s" % k: n for k, n in sorted(by_op.items(), key=lambda x: -x[1])
        },
        "by_status": {str(k): n for k, n in sorted(by_status.items())},
        "repeated": len(repeated),
        "repeated_extra_requests": sum(n - 1 for n in repeated.values()),
        "repeated_top": [
            {"count": n, "service": k[0], "region": k[1],
             "operation": ops[k], "method": k[2], "path": k[4]}
            for k, n in sorted(repeated.items(), key=lambda x: -x[1])[:20]
        ],
        "upstream_ms_total": round(sum(r["ms"] for r in recs), 1),
    }
    if args.json:
        print(json.dumps(out, sort_keys=True))
        return 0
    print("requests: %d" % out["requests"])
    print("by service: " + " ".join("%s=%d" % kv for kv in out["by_service"].items()))
    print("by status: " + " ".join("%s=%d" % kv for kv in out["by_status"].items()))
    print("by operation:")
    for k, n in out["by_operation"].items():
        print("  %7d  %s" % (n, k))
    for t in out["repeated_top"]:
        print(
            "  repeated %dx: %s %s %s %s %s"
            % (t["count"], t["service"], t["region"], t["operation"], t["method"], t["path"])
        )
    print(
        "repeated: %d (%d extra requests)"
        % (out["repeated"], out["repeated_extra_requests"])
    )
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--upstream", required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--port-file")
    r = sub.add_parser("report")
    r.add_argument("log")
    r.add_argument("--json", action="store_true")
    args = ap.parse_args()
    return serve(args) if args.cmd == "serve" else report(args)


if __name__ == "__main__":
    sys.exit(main())
