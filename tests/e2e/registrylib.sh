# Registries on 127.0.0.1 for end-to-end tests. POSIX sh, sourced after
# lib.sh and e2e_init (it works under $T):
#
#     . "$TOP_SRCDIR/tests/e2e/registrylib.sh"
#     registry_need                # exit 77 without docker-registry & co
#     trap 'registry_stop_all; e2e_cleanup' EXIT
#     registry_start plain         # REG_PLAIN_ADDR=127.0.0.1:PORT
#     registry_start secure auth tls
#     faultsrv_start fault DIR     # FAULT_ADDR, see faultsrv_start
#     ...
#
# registry_start NAME [auth] [tls] runs Debian's docker-registry (the
# reference implementation, distribution 2.x) with filesystem storage in
# $T/reg-NAME/data and sets, NAME in upper case (shell variables, not
# exported: docker-registry reads REGISTRY_* from its environment as
# configuration, so the names must not start with that either):
#   REG_<NAME>_ADDR   127.0.0.1:PORT
#   REG_<NAME>_DIR    the storage root (blobs are under
#                          docker/registry/v2/blobs/sha256/xx/<hex>/data)
#   REG_<NAME>_USER, REG_<NAME>_PASS   (auth: htpasswd, bcrypt)
#   REG_<NAME>_CA     (tls: the test CA's certificate; the server's
#                          certificate is for IP:127.0.0.1)
#   REG_<NAME>_CERTDIR  a directory with the CA as ca.crt, for
#                          skopeo's --dest-cert-dir
# The registry's own log is $T/reg-NAME/registry.log.

REGLIB_PIDS=

registry_need() {
    for _t in docker-registry skopeo umoci htpasswd openssl; do
        if ! command -v "$_t" >/dev/null 2>&1; then
            echo "# $_t is needed (apt-get install docker-registry skopeo umoci apache2-utils openssl)" >&2
            exit 77
        fi
    done
}

# registry_free_port: prints a TCP port free on 127.0.0.1 right now.
registry_free_port() {
    "$PYTHON" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# registry_wait_http URL [CAFILE [PID]]: waits (10 s at most, and only
# while PID runs) until URL answers with any HTTP status.
registry_wait_http() {
    "$PYTHON" - "$1" "${2:-}" "${3:-}" <<'EOF'
import os, ssl, sys, time, urllib.error, urllib.request
url, ca, pid = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca or None)
for _ in range(100):
    if pid:
        try:
            os.kill(int(pid), 0)
        except OSError:
            sys.exit(1)
    try:
        urllib.request.urlopen(url, timeout=2, context=ctx).close()
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit(1)
EOF
}

# registry_get URL FILE [CAFILE]: GET URL with the Accept header of a
# registry client (OCI and Docker manifests and indexes) into FILE, without
# fourc. Fails on anything but 2xx.
registry_get() {
    "$PYTHON" - "$1" "$2" "${3:-}" <<'EOF'
import ssl, sys, urllib.request
url, out, ca = sys.argv[1:4]
req = urllib.request.Request(url, headers={"Accept": ", ".join([
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json"])})
with urllib.request.urlopen(req, timeout=10, context=ssl.create_default_context(cafile=ca or None)) as r:
    data = r.read()
with open(out, "wb") as f:
    f.write(data)
EOF
}

# registry_tls_cert DIR: a test CA (DIR/ca.crt) and a server certificate
# for 127.0.0.1 it signed (DIR/server.crt, DIR/server.key).
registry_tls_cert() {
    (
        cd "$1" || exit 1
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
            -nodes -keyout ca.key -out ca.crt -days 2 -subj '/CN=fourc test CA' \
            -addext 'basicConstraints=critical,CA:TRUE' \
            -addext 'keyUsage=critical,keyCertSign,cRLSign' &&
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
                -nodes -keyout server.key -out server.csr -subj '/CN=127.0.0.1' &&
            printf '%s\n' 'subjectAltName=IP:127.0.0.1' \
                'basicConstraints=CA:FALSE' \
                'keyUsage=critical,digitalSignature,keyEncipherment' \
                'extendedKeyUsage=serverAuth' >server.ext &&
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
                -CAcreateserial -out server.crt -days 2 -extfile server.ext
    ) >"$1/openssl.log" 2>&1
}

# registry_start NAME [auth] [tls]
registry_start() {
    _name=$1
    shift
    _auth=
    _tls=
    for _o in "$@"; do
        case $_o in
        auth) _auth=1 ;;
        tls) _tls=1 ;;
        *) echo "registry_start: unknown option $_o" >&2; return 1 ;;
        esac
    done
    _up=$(printf '%s' "$_name" | tr '[:lower:]' '[:upper:]')
    _d=$T/reg-$_name
    mkdir -p "$_d/data" "$_d/certs" || return 1
    _scheme=http
    if [ -n "$_tls" ]; then
        registry_tls_cert "$_d" || {
            echo "registry_start: openssl failed:" >&2
            cat "$_d/openssl.log" >&2
            return 1
        }
        cp "$_d/ca.crt" "$_d/certs/ca.crt"
        _scheme=https
    fi
    if [ -n "$_auth" ]; then
        # A password with characters a careless redaction would miss.
        _user=fourc-$_name
        _pass="S3cr3t-$_name-$(registry_free_port)x"
        htpasswd -Bbc "$_d/htpasswd" "$_user" "$_pass" >/dev/null 2>&1 || return 1
        eval "REG_${_up}_USER=\$_user REG_${_up}_PASS=\$_pass"
    fi
    _try=0
    while [ $_try -lt 5 ]; do
        _port=$(registry_free_port)
        {
            echo 'version: 0.1'
            echo 'log:'
            echo '  level: warn'
            echo '  accesslog:'
            echo '    disabled: true'
            echo 'storage:'
            echo '  filesystem:'
            echo "    rootdirectory: $_d/data"
            echo '  delete:'
            echo '    enabled: true'
            echo 'http:'
            echo "  addr: 127.0.0.1:$_port"
            echo "  secret: fourc-e2e-$_name"
            if [ -n "$_tls" ]; then
                echo '  tls:'
                echo "    certificate: $_d/server.crt"
                echo "    key: $_d/server.key"
            fi
            if [ -n "$_auth" ]; then
                echo 'auth:'
                echo '  htpasswd:'
                echo '    realm: fourc-e2e'
                echo "    path: $_d/htpasswd"
            fi
        } >"$_d/config.yml"
        # A clean environment: REGISTRY_* variables would override config.yml.
        env -i PATH="$PATH" HOME="$_d" docker-registry serve "$_d/config.yml" \
            >"$_d/registry.log" 2>&1 &
        _pid=$!
        REGLIB_PIDS="$REGLIB_PIDS $_pid"
        if registry_wait_http "$_scheme://127.0.0.1:$_port/v2/" \
            "${_tls:+$_d/ca.crt}" "$_pid"; then
            eval "REG_${_up}_ADDR=127.0.0.1:\$_port REG_${_up}_DIR=\$_d/data"
            if [ -n "$_tls" ]; then
                eval "REG_${_up}_CA=\$_d/ca.crt REG_${_up}_CERTDIR=\$_d/certs"
            fi
            return 0
        fi
        # Lost the port to someone else, or did not start: once more.
        kill "$_pid" 2>/dev/null
        wait "$_pid" 2>/dev/null
        _try=$((_try + 1))
    done
    echo "registry_start $_name: docker-registry did not come up:" >&2
    tail -n 20 "$_d/registry.log" >&2
    return 1
}

# faultsrv_start NAME [OCI_LAYOUT [USER PASS]]: a small registry in Python for the
# answers a real one will not give on demand. It serves the OCI image
# layout OCI_LAYOUT (tags from the org.opencontainers.image.ref.name
# annotations of its index.json) under any repository, and the
# repository's name says how to misbehave:
#   fault/e500/...     manifests: 500 with a registry error body, always
#   fault/e429/...     manifests: the first two GETs of each URL are 429
#                      with Retry-After: 1, then the real answer
#   fault/notjson/...  manifests: 200, a manifest media type, a body that
#                      is not JSON
#   fault/huge/...     manifests: the real one after 5 MiB of spaces
#   fault/bearer/...   everything needs "Authorization: Bearer <token>"
#                      from the realm http://ADDR/token?service=fault&scope=
#                      (which wants Basic USER:PASS when they are given);
#                      blobs then redirect (307) to a second port,
#                      which fails any request carrying Authorization
#   fault/bearer-multi/...  the same, with the Bearer challenge among
#                      others, spread over two WWW-Authenticate headers
#   fault/hang/...     accepts, reads, never answers
#   fault/trickle/...  manifests: the real one, sent at 2 bytes a second
#   fault/trickleblob/...  blobs (the config first): the real ones, sent
#                      at 2 bytes a second (manifests as usual)
#   anything else      served as a registry would
# Sets FAULT_<NAME>_ADDR (127.0.0.1:PORT) and FAULT_<NAME>_LOG (one
# line per request: "METHOD PATH auth=<scheme or ->").
faultsrv_start() {
    _name=$1
    _layout=${2:-}
    _up=$(printf '%s' "$_name" | tr '[:lower:]' '[:upper:]')
    _d=$T/fault-$_name
    mkdir -p "$_d" || return 1
    cat >"$_d/faultsrv.py" <<'EOF'
import base64, hashlib, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

layout, portfile, logpath = sys.argv[1], sys.argv[2], sys.argv[3]
user, password = os.environ.get("FAULTSRV_USER"), os.environ.get("FAULTSRV_PASS")
TOKEN = "tok-" + hashlib.sha256(os.urandom(16)).hexdigest()[:24]
counts = {}
lock = threading.Lock()
logf = open(logpath, "a", buffering=1)

def tags():
    out = {}
    try:
        idx = json.load(open(os.path.join(layout, "index.json")))
    except OSError:
        return out
    for d in idx.get("manifests", []):
        name = d.get("annotations", {}).get("org.opencontainers.image.ref.name")
        if name:
            out[name] = d
    return out

def blob(digest):
    alg, _, hexd = digest.partition(":")
    if not hexd or "/" in hexd:
        return None
    try:
        with open(os.path.join(layout, "blobs", alg, hexd), "rb") as f:
            return f.read()
    except OSError:
        return None

class Storage(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        leaked = self.headers.get("Authorization")
        logf.write("STORAGE GET %s auth=%s\n" % (self.path, leaked.split()[0] if leaked else "-"))
        if leaked:
            self.send_response(400)
            self.end_headers()
            self.wfile.write(b"credentials leaked to storage")
            return
        data = blob(self.path.rsplit("/", 1)[-1])
        if data is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

storage = ThreadingHTTPServer(("127.0.0.1", 0), Storage)
threading.Thread(target=storage.serve_forever, daemon=True).start()

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def reply(self, code, body=b"", ctype="application/json", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
    def trickle(self, data, ctype, burst=0):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        self.end_headers()
        try:
            self.wfile.write(data[:burst])
            self.wfile.flush()
            for i in range(burst, len(data), 2):
                self.wfile.write(data[i:i + 2])
                self.wfile.flush()
                time.sleep(1)
        except OSError:
            pass
    def err(self, code, ecode, msg, extra=()):
        body = json.dumps({"errors": [{"code": ecode, "message": msg}]}).encode()
        self.reply(code, body, extra=extra)
    def do_GET(self):
        auth = self.headers.get("Authorization")
        logf.write("GET %s auth=%s\n" % (self.path, auth.split()[0] if auth else "-"))
        path = self.path.split("?", 1)[0]
        if path == "/token":
            if user:
                want = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
                if auth != want:
                    return self.err(401, "UNAUTHORIZED", "bad credentials for the token")
            return self.reply(200, json.dumps({"access_token": TOKEN, "expires_in": 300}).encode())
        if path == "/v2/":
            return self.reply(200, b"{}")
        if not path.startswith("/v2/"):
            return self.err(404, "NOT_FOUND", "no such path")
        rest = path[4:]
        if "/manifests/" in rest:
            repo, ref = rest.rsplit("/manifests/", 1)
            kind = "manifests"
        elif "/blobs/" in rest:
            repo, ref = rest.rsplit("/blobs/", 1)
            kind = "blobs"
        else:
            return self.err(404, "NOT_FOUND", "no such path")
        if repo.startswith("fault/hang"):
            time.sleep(3600)
            return
        if repo.startswith("fault/bearer"):
            if auth != "Bearer " + TOKEN:
                host = self.headers.get("Host")
                chal = 'Bearer realm="http://%s/token",service="fault",scope="repository:%s:pull"' % (host, repo)
                extra = [("WWW-Authenticate", chal)]
                if repo.startswith("fault/bearer-multi"):
                    extra = [("WWW-Authenticate", 'Negotiate YII/+x==, Basic realm="a, \\"quoted\\" realm"'),
                             ("WWW-Authenticate", 'Bearer scope="x,y" , realm = "http://%s/token" ,service=fault' % host)]
                return self.err(401, "UNAUTHORIZED", "authentication required", extra=extra)
            if kind == "blobs":
                return self.reply(307, b"", extra=[("Location", "http://127.0.0.1:%d/storage/%s" % (storage.server_address[1], ref))])
        if kind == "manifests":
            if repo.startswith("fault/e500"):
                return self.err(500, "UNKNOWN", "planted failure: the storage backend is down")
            if repo.startswith("fault/e429"):
                with lock:
                    n = counts[self.path] = counts.get(self.path, 0) + 1
                if n <= 2:
                    return self.err(429, "TOOMANYREQUESTS", "slow down", extra=[("Retry-After", "1")])
            if ":" in ref:
                data, desc = blob(ref), {"mediaType": "application/vnd.oci.image.manifest.v1+json"}
                for d in tags().values():
                    if d["digest"] == ref:
                        desc = d
            else:
                desc = tags().get(ref)
                data = blob(desc["digest"]) if desc else None
            if data is None:
                return self.err(404, "MANIFEST_UNKNOWN", "manifest unknown")
            if repo.startswith("fault/huge"):
                data = b" " * (5 << 20) + data
            if repo.startswith("fault/notjson"):
                data = b"<html>this is not a manifest</html>\n"
            mt = desc.get("mediaType") or json.loads(data).get("mediaType")
            if repo.startswith("fault/trickle") and not repo.startswith("fault/trickleblob"):
                return self.trickle(data, mt)
            return self.reply(200, data, ctype=mt)
        data = blob(ref)
        if data is None:
            return self.err(404, "BLOB_UNKNOWN", "blob unknown to registry")
        if repo.startswith("fault/trickleblob"):
            return self.trickle(data, "application/octet-stream")
        return self.reply(200, data, ctype="application/octet-stream")
    do_HEAD = do_GET

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
EOF
    rm -f "$_d/port"
    # The credentials go in the environment, not on a command line.
    FAULTSRV_USER=${3:-} FAULTSRV_PASS=${4:-} \
        "$PYTHON" "$_d/faultsrv.py" "${_layout:-$_d/none}" "$_d/port" \
        "$_d/requests.log" >"$_d/faultsrv.log" 2>&1 &
    REGLIB_PIDS="$REGLIB_PIDS $!"
    _i=0
    while [ ! -s "$_d/port" ] && [ $_i -lt 100 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    if [ ! -s "$_d/port" ]; then
        echo "faultsrv_start $_name: did not come up:" >&2
        cat "$_d/faultsrv.log" >&2
        return 1
    fi
    eval "FAULT_${_up}_ADDR=127.0.0.1:$(cat "$_d/port") FAULT_${_up}_LOG=\$_d/requests.log"
    registry_wait_http "http://127.0.0.1:$(cat "$_d/port")/v2/"
}

# registry_stop_all: stops every server started here (for an EXIT trap).
registry_stop_all() {
    for _p in $REGLIB_PIDS; do
        kill "$_p" 2>/dev/null
    done
    for _p in $REGLIB_PIDS; do
        wait "$_p" 2>/dev/null
    done
    REGLIB_PIDS=
}

# --- images --------------------------------------------------------------

# image_build LAYOUT TAG ARCH [FILE=CONTENT ...]: with umoci, an image for
# linux/ARCH in the OCI layout LAYOUT (created when missing), tagged TAG,
# one layer holding the given files, running as user 1000.
image_build() {
    _layout=$1
    _tag=$2
    _arch=$3
    shift 3
    [ -d "$_layout" ] || umoci init --layout "$_layout" || return 1
    umoci new --image "$_layout:$_tag" || return 1
    _b=$T/.bundle-$$-$_tag
    rm -rf "$_b"
    umoci unpack --rootless --image "$_layout:$_tag" "$_b" >/dev/null || return 1
    mkdir -p "$_b/rootfs/etc"
    printf 'fourc test image %s for %s\n' "$_tag" "$_arch" >"$_b/rootfs/etc/fourc-release"
    for _kv in "$@"; do
        mkdir -p "$_b/rootfs/$(dirname "${_kv%%=*}")"
        printf '%s\n' "${_kv#*=}" >"$_b/rootfs/${_kv%%=*}"
    done
    umoci repack --image "$_layout:$_tag" "$_b" >/dev/null || return 1
    rm -rf "$_b"
    umoci config --image "$_layout:$_tag" --os linux --architecture "$_arch" \
        --config.user 1000 --config.cmd /bin/true \
        --config.env PATH=/usr/local/bin:/usr/bin:/bin || return 1
}

# image_index LAYOUT TAG SRC_TAG...: an OCI index tagged TAG in LAYOUT
# listing the manifests tagged SRC_TAG, with the platforms their configs
# say (skopeo copy --all pushes it whole).
image_index() {
    _layout=$1
    _tag=$2
    shift 2
    "$PYTHON" - "$_layout" "$_tag" "$@" <<'EOF'
import hashlib, json, os, sys
layout, tag, srcs = sys.argv[1], sys.argv[2], sys.argv[3:]
ipath = os.path.join(layout, "index.json")
idx = json.load(open(ipath))
by = {d.get("annotations", {}).get("org.opencontainers.image.ref.name"): d for d in idx["manifests"]}
def blob(dg):
    return open(os.path.join(layout, "blobs", *dg.split(":")), "rb").read()
ms = []
for s in srcs:
    d = by[s]
    cfg = json.loads(blob(json.loads(blob(d["digest"]))["config"]["digest"]))
    ms.append({"mediaType": d["mediaType"], "digest": d["digest"], "size": d["size"],
               "platform": {"architecture": cfg["architecture"], "os": cfg["os"]}})
data = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": ms}, indent=2).encode()
dg = "sha256:" + hashlib.sha256(data).hexdigest()
with open(os.path.join(layout, "blobs", "sha256", dg[7:]), "wb") as f:
    f.write(data)
idx["manifests"] = [d for d in idx["manifests"]
                    if d.get("annotations", {}).get("org.opencontainers.image.ref.name") != tag]
idx["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": dg,
                         "size": len(data), "annotations": {"org.opencontainers.image.ref.name": tag}})
with open(ipath, "w") as f:
    json.dump(idx, f)
EOF
}

# image_push SRC DEST [SKOPEO_OPTIONS...]: skopeo copy, quiet, from
# "oci:LAYOUT:TAG" to "docker://HOST:PORT/REPO:TAG".
image_push() {
    _src=$1
    _dst=$2
    shift 2
    skopeo copy -q "$@" "$_src" "$_dst" >"$T/.push.log" 2>&1 || {
        echo "skopeo copy $_src $_dst failed:" >&2
        cat "$T/.push.log" >&2
        return 1
    }
}

# registry_blob_path NAME DIGEST: where registry NAME stores a blob.
registry_blob_path() {
    _rd=
    eval "_rd=\$REG_$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')_DIR"
    _hex=${2#sha256:}
    printf '%s/docker/registry/v2/blobs/sha256/%s/%s/data\n' "$_rd" \
        "$(printf '%s' "$_hex" | cut -c1-2)" "$_hex"
}
