#!/usr/bin/env python3
"""awsdeny.py: an HTTP proxy in front of moto_server that denies chosen AWS
actions, for the tests of what fourc does when a call is not allowed.

    python3 tests/tools/awsdeny.py --upstream http://127.0.0.1:PORT \
        --port-file F [--deny ACTION[=CODE]]... [--log L]

Every request is forwarded to the upstream unchanged (method, path, query,
headers, body; moto does not check signatures against the Host), except
one whose action is denied:
  - the query protocol (a form body with Action=NAME, as EC2, IAM, RDS and
    STS send): EC2-style or IAM-style error document with status 403;
    CODE defaults to UnauthorizedOperation for EC2 (Version 2016-11-15)
    and AccessDenied otherwise
  - JSON 1.1 (X-Amz-Target: Prefix.NAME): 400 {"__type": CODE,
    "message": ...}, CODE default AccessDeniedException
Writes its port to --port-file once listening; each denied action goes to
--log as one line "DENIED ACTION". Python 3 stdlib only.
"""
import argparse
import http.client
import http.server
import os
import socketserver
import sys
import urllib.parse

ARGS = None
DENY = {}


def parse_action(handler, body):
    target = handler.headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1], "json", None
    ctype = handler.headers.get("Content-Type", "")
    if "x-www-form-urlencoded" in ctype and body:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            return form["Action"][0], "query", form.get("Version", [""])[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query)
    if "Action" in query:
        return query["Action"][0], "query", query.get("Version", [""])[0]
    return None, None, None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def deny(self, action, proto, version):
        code = DENY[action]
        msg = "You are not authorized to perform: %s (awsdeny.py)" % action
        if proto == "json":
            code = code or "AccessDeniedException"
            body = ('{"__type": "%s", "message": "%s"}' % (code, msg)).encode()
            status, ctype = 400, "application/x-amz-json-1.1"
        elif version == "2016-11-15":
            code = code or "UnauthorizedOperation"
            body = ("<Response><Errors><Error><Code>%s</Code><Message>%s"
                    "</Message></Error></Errors><RequestID>awsdeny"
                    "</RequestID></Response>" % (code, msg)).encode()
            status, ctype = 403, "text/xml"
        else:
            code = code or "AccessDenied"
            body = ("<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code>"
                    "<Message>%s</Message></Error><RequestId>awsdeny"
                    "</RequestId></ErrorResponse>" % (code, msg)).encode()
            status, ctype = 403, "text/xml"
        if ARGS.log:
            with open(ARGS.log, "a") as f:
                f.write("DENIED %s\n" % action)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        action, proto, version = parse_action(self, body)
        if action in DENY:
            self.deny(action, proto, version)
            return
        up = urllib.parse.urlsplit(ARGS.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("connection", "transfer-encoding")}
        conn.request(self.command, self.path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding",
                                 "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--deny", action="append", default=[])
    ap.add_argument("--log")
    ARGS = ap.parse_args()
    for d in ARGS.deny:
        name, _, code = d.partition("=")
        DENY[name] = code or None
    srv = Server(("127.0.0.1", 0), Handler)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, ARGS.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
