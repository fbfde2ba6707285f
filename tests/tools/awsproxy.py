#!/usr/bin/env python3
"""awsproxy.py: an HTTP proxy in front of moto_server for fourc's AWS tests.

    awsproxy.py --upstream http://127.0.0.1:5000 --port-file F \
                [--rules RULES.json] [--log LOG.jsonl]

Forwards every request to the upstream (moto) unchanged, except those a
fault rule matches, which get the fault instead. It learns each request's
service and region from the SigV4 credential scope of its Authorization
header (as moto does) and its action from the query protocol's Action=,
JSON 1.1's X-Amz-Target, or for REST calls the method and the first query
name (S3: "GET ?policy" is GetBucketPolicy's "policy").

RULES.json is read again for every request, so a test changes faults
between scans without restarting: a list of
    {"service": "ec2", "region": "eu-west-1", "action": "DescribeSecurityGroups",
     "fault": "denied" | "refuse" | "cut" | "malformed" | "slow" | "status"
              | "expired" | "throttle" | "notcsv" | "unready" | "answer",
     "status": 500, "seconds": 5, "times": N}
Omitted match keys match anything; "times" bounds how often the rule fires
(then requests pass), for retries that must succeed.

LOG.jsonl gets one line per request: {"service", "region", "action",
"method", "path", "body_sha256", "fault"}, to count requests per service
and to find any that was sent twice.
"""
import argparse
import hashlib
import json
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
LOCK = threading.Lock()
FIRED = {}


def load_rules(path):
    if not path or not os.path.exists(path):
        return []
    with open(path) as f:
        return json.load(f)


def action_of(handler, body, service):
    target = handler.headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    ctype = handler.headers.get("Content-Type", "")
    if "x-www-form-urlencoded" in ctype or (
            handler.command == "POST" and body.startswith(b"Action=")):
        q = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if "Action" in q:
            return q["Action"][0]
    url = urllib.parse.urlsplit(handler.path)
    q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    if "Action" in q:
        return q["Action"][0]
    names = [k for k in q if k not in ("x-id",)]
    return "%s %s" % (handler.command, names[0] if names else url.path)


def error_body(service, code, msg):
    """(content type, body) of an AWS error in the service's protocol."""
    if service in ("kms", "cloudtrail", "config", "logs", "access-analyzer",
                   "account", "securityhub"):
        return ("application/x-amz-json-1.1",
                json.dumps({"__type": code, "message": msg}).encode())
    if service == "ec2":
        return ("text/xml", (
            "<Response><Errors><Error><Code>%s</Code><Message>%s</Message>"
            "</Error></Errors><RequestID>r</RequestID></Response>" %
            (code, msg)).encode())
    if service in ("s3", "s3-control"):
        return ("application/xml", (
            "<Error><Code>%s</Code><Message>%s</Message></Error>" %
            (code, msg)).encode())
    return ("text/xml", (
        "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code>"
        "<Message>%s</Message></Error><RequestId>r</RequestId>"
        "</ErrorResponse>" % (code, msg)).encode())


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        m = SCOPE.search(self.headers.get("Authorization", ""))
        region, service = (m.group(1), m.group(2)) if m else ("", "")
        action = action_of(self, body, service)
        rule = None
        for i, r in enumerate(load_rules(self.server.rules)):
            if all(r.get(k) in (None, v) for k, v in
                   (("service", service), ("region", region),
                    ("action", action))):
                with LOCK:
                    used = FIRED.get(json.dumps(r, sort_keys=True), 0)
                    if "times" in r and used >= r["times"]:
                        continue
                    FIRED[json.dumps(r, sort_keys=True)] = used + 1
                rule = r
                break
        if self.server.log:
            with LOCK, open(self.server.log, "a") as f:
                f.write(json.dumps({
                    "service": service, "region": region, "action": action,
                    "method": self.command,
                    "path": urllib.parse.urlsplit(self.path).path,
                    "query": urllib.parse.urlsplit(self.path).query,
                    "body_sha256": hashlib.sha256(body).hexdigest(),
                    "fault": rule.get("fault") if rule else None}) + "\n")
        if rule:
            return self.fault(rule, service, action)
        self.forward(body)

    def send(self, status, ctype, data, length=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length",
                         str(len(data) if length is None else length))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def fault(self, rule, service, action):
        f = rule["fault"]
        if f == "refuse":
            self.close_connection = True
            self.connection.close()
            return
        if f == "slow":
            time.sleep(rule.get("seconds", 5))
            return self.forward_again()
        if f == "denied":
            code = "UnauthorizedOperation" if service == "ec2" else (
                "AccessDeniedException" if service in (
                    "kms", "cloudtrail", "config", "logs", "access-analyzer",
                    "account", "securityhub") else "AccessDenied")
            ctype, data = error_body(
                service, code, "User: arn:aws:iam::123456789012:user/audit "
                "is not authorized to perform: %s:%s" % (service, action))
            return self.send(403, ctype, data)
        if f == "expired":
            ctype, data = error_body(service, "ExpiredToken",
                                     "The security token included in the "
                                     "request is expired")
            return self.send(403, ctype, data)
        if f == "throttle":
            code = "ThrottlingException" if service != "ec2" else \
                "RequestLimitExceeded"
            ctype, data = error_body(service, code, "Rate exceeded")
            return self.send(400, ctype, data)
        if f == "status":
            st = rule.get("status", 500)
            ctype, data = error_body(service, "InternalError",
                                     "injected %d" % st)
            return self.send(st, ctype, data)
        if f == "malformed":
            if service in ("kms", "cloudtrail", "config", "logs"):
                return self.send(200, "application/x-amz-json-1.1",
                                 b'{"Keys": [{"KeyId": "k1"}, ')
            return self.send(200, "text/xml",
                             b"<ListUsersResponse><ListUsersResult><Users>"
                             b"<member><UserName>a</User></member>")
        if f == "cut":
            data = b"<" + b"x" * 100
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if f == "notcsv":
            # GetCredentialReport answering a report that is not CSV
            import base64
            content = base64.b64encode(b"<html>not a report</html>").decode()
            return self.send(200, "text/xml", (
                "<GetCredentialReportResponse><GetCredentialReportResult>"
                "<Content>%s</Content><ReportFormat>text/csv</ReportFormat>"
                "<GeneratedTime>2026-01-01T00:00:00Z</GeneratedTime>"
                "</GetCredentialReportResult></GetCredentialReportResponse>"
                % content).encode())
        if f == "unready":
            # GenerateCredentialReport that never completes
            return self.send(200, "text/xml", (
                "<GenerateCredentialReportResponse>"
                "<GenerateCredentialReportResult><State>STARTED</State>"
                "<Description>No report exists. Starting a new report "
                "generation task</Description>"
                "</GenerateCredentialReportResult>"
                "</GenerateCredentialReportResponse>").encode())
        if f == "answer":
            # a canned answer: {"status": 200, "content_type": "...",
            # "body": a string, or any JSON value (sent as JSON)}
            body = rule.get("body", "")
            if not isinstance(body, str):
                body = json.dumps(body)
            return self.send(rule.get("status", 200),
                             rule.get("content_type", "application/json"),
                             body.encode())
        self.send(500, "text/plain", b"unknown fault")

    def forward_again(self):
        self.send(503, "text/plain", b"slow")

    def forward(self, body):
        url = self.server.upstream + self.path
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("connection", "content-length",
                                        "accept-encoding")}
        req = urllib.request.Request(url, data=body if body else None,
                                     method=self.command, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                data, status, rh = r.read(), r.status, r.headers
        except urllib.error.HTTPError as err:
            data, status, rh = err.read(), err.code, err.headers
        self.send_response(status)
        for k, v in rh.items():
            if k.lower() not in ("content-length", "transfer-encoding",
                                 "connection", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--rules")
    ap.add_argument("--log")
    a = ap.parse_args()
    urllib.request.install_opener(urllib.request.build_opener(NoRedirect))
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    srv.daemon_threads = True
    srv.upstream = a.upstream.rstrip("/")
    srv.rules = a.rules
    srv.log = a.log
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
