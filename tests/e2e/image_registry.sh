#!/bin/sh
# End-to-end: fourc scan --image against registries on 127.0.0.1: Debian's
# docker-registry (plain http, htpasswd auth, TLS with a test CA) and a
# small fault-injecting registry (registrylib.sh), with images built by
# umoci and pushed by skopeo in OCI and Docker schema 2 formats.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
. "$TOP_SRCDIR/tests/e2e/registrylib.sh"
e2e_init
registry_need
trap 'registry_stop_all; e2e_cleanup' EXIT

# The user's docker config and proxies stay out of it.
mkdir -p "$T/home"
HOME=$T/home
export HOME
unset DOCKER_CONFIG http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
NOCREDS=$T/nocreds
mkdir -p "$NOCREDS"

# --- registries and images --------------------------------------------------

registry_start plain || exit 99
registry_start auth auth || exit 99
registry_start tls tls || exit 99
P=$REG_PLAIN_ADDR
A=$REG_AUTH_ADDR
S=$REG_TLS_ADDR

L=$T/layout
image_build "$L" amd64 amd64 etc/app.conf=amd64 || exit 99
image_build "$L" arm64 arm64 etc/app.conf=arm64 || exit 99
image_index "$L" multi amd64 arm64 || exit 99
image_build "$L" s390x s390x etc/app.conf=s390x || exit 99
image_index "$L" s390x-only s390x || exit 99
image_build "$L" corrupt amd64 etc/app.conf=corrupt-me-later || exit 99
image_build "$L" garbled amd64 etc/app.conf=garble-me-later || exit 99

push() { image_push "$@" || exit 99; }
push "oci:$L:amd64" "docker://$P/team/app:oci" --dest-tls-verify=false --format oci
push "oci:$L:amd64" "docker://$P/team/app:v2s2" --dest-tls-verify=false --format v2s2
push "oci:$L:multi" "docker://$P/team/multi:1" --dest-tls-verify=false --all
push "oci:$L:s390x-only" "docker://$P/team/s390x:1" --dest-tls-verify=false --all
push "oci:$L:corrupt" "docker://$P/team/corrupt:1" --dest-tls-verify=false --format oci
push "oci:$L:garbled" "docker://$P/team/garbled:1" --dest-tls-verify=false --format oci
push "oci:$L:amd64" "docker://$A/team/app:oci" --dest-tls-verify=false \
    --dest-creds "$REG_AUTH_USER:$REG_AUTH_PASS"
push "oci:$L:amd64" "docker://$S/team/app:oci" --dest-cert-dir "$REG_TLS_CERTDIR"

faultsrv_start f "$L" || exit 99
BEARER_PASS="Bearer-S3cr3t-$$"
faultsrv_start g "$L" fourc-bearer "$BEARER_PASS" || exit 99
F=$FAULT_F_ADDR
G=$FAULT_G_ADDR

# manifest_digest URL: the digest of the manifest the registry serves at
# URL, computed without fourc.
manifest_digest() {
    registry_get "$1" "$T/.manifest" || return 1
    echo "sha256:$(sha256_of "$T/.manifest")"
}

D_OCI=$(manifest_digest "http://$P/v2/team/app/manifests/oci")
D_V2S2=$(manifest_digest "http://$P/v2/team/app/manifests/v2s2")
D_INDEX=$(manifest_digest "http://$P/v2/team/multi/manifests/1")
D_ARM=$(jq_py "$T/.manifest" 'print([m["digest"] for m in r["manifests"] if m["platform"]["architecture"] == "arm64"][0])')
check "the OCI and v2s2 pushes differ (two manifest formats)" \
    test "${D_OCI:-x}" != "${D_V2S2:-x}"

# scan [-v] [-C DIR] NAME ARGS...: fourc scan (-q unless -v) into NAME.db
# and NAME.json (with DOCKER_CONFIG=DIR); stdout and stderr kept as
# NAME.out and NAME.err for the credential checks.
scan() {
    _dc=
    _q=-q
    if [ "$1" = -v ]; then
        _q=
        shift
    fi
    if [ "$1" = -C ]; then
        _dc=$2
        shift 2
    fi
    _n=$1
    shift
    if [ -n "$_dc" ]; then
        run env DOCKER_CONFIG="$_dc" "$FOURC" scan --db "$_n.db" \
            --format json -o "$_n.json" ${_q:+"$_q"} "$@"
    else
        run "$FOURC" scan --db "$_n.db" --format json -o "$_n.json" ${_q:+"$_q"} "$@"
    fi
    cp "$OUT" "$_n.out"
    cp "$ERR" "$_n.err"
}

# config_ok DESC NAME PYEXPR [ARGS...]: PYEXPR on the image/Config
# document (c) of scan NAME's database; ARGS are sys.argv[3:].
config_ok() {
    _cdesc=$1
    _cname=$2
    _cexpr=$3
    shift 3
    if "$PYTHON" -c '
import json, sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
docs = [json.loads(d) for (d,) in db.execute("SELECT doc FROM resources WHERE kind = ?", ("image/Config",))]
c = docs[0] if len(docs) == 1 else None
sys.exit(0 if c is not None and eval(sys.argv[2]) else 1)' "$_cname.db" "$_cexpr" "$@" \
        2>"$T/.pyerr"; then
        ok "$_cdesc"
    else
        not_ok "$_cdesc"
        diag "false: $_cexpr"
        diag_file "$T/.pyerr"
    fi
}

# judged NAME: the image was read (config and filesystem judged, no error).
judged() {
    jq_ok "$1: image/Config and image/Filesystem findings, no error" "$1.json" \
        'F(kind="image/Config") and F(kind="image/Filesystem") and not F(status="error")'
}

# target_error NAME REGEX: the scan's findings are errors on the target
# whose message matches REGEX, and nothing passed.
target_error() {
    jq_ok "$1: error findings match /$2/, nothing passes" "$1.json" \
        'F(status="error") and all(re.search(A[0], f["message"]) for f in F(status="error")) and not F(status="pass")' "$2"
}

# --- anonymous pulls -------------------------------------------------------

scan oci --image "$P/team/app:oci" --insecure-registry "$P"
check_eq "OCI image over plain http (insecure host): exit" 0 "$RC"
judged oci
config_ok "OCI image: the config of the pushed manifest, linux/amd64, user 1000" oci \
    'c["digest"] == sys.argv[3] and c["transport"] == "registry" and c["platform"] == "linux/amd64" and c["user"] == "1000" and c["media_type"] == "application/vnd.oci.image.manifest.v1+json"' \
    "$D_OCI"
jq_ok "OCI image: the source names the manifest digest" oci.json \
    'all(f["resource"]["source"] == A[0] for f in F(kind="image/Config"))' "$P/team/app:oci@$D_OCI"

scan v2s2 --image "docker://$P/team/app:v2s2" --insecure-registry "$P"
check_eq "Docker schema 2 image (docker:// prefix): exit" 0 "$RC"
judged v2s2
config_ok "v2s2 image: its own manifest digest and Docker media type" v2s2 \
    'c["digest"] == sys.argv[3] and c["media_type"] == "application/vnd.docker.distribution.manifest.v2+json" and c["user"] == "1000"' \
    "$D_V2S2"

scan bydigest --image "$P/team/app@$D_OCI" --insecure-registry "$P"
check_eq "pull by digest: exit" 0 "$RC"
judged bydigest
config_ok "pull by digest: that manifest" bydigest 'c["digest"] == sys.argv[3]' "$D_OCI"

# --- multi-platform ---------------------------------------------------------

scan multi --image "$P/team/multi:1" --insecure-registry "$P"
judged multi
config_ok "index, default platform: linux/amd64 chosen, index digest kept" multi \
    'c["platform"] == "linux/amd64" and c["digest"] == sys.argv[3] and c["index_digest"] == sys.argv[4]' \
    "$D_OCI" "$D_INDEX"
scan multiarm --image "$P/team/multi:1" --insecure-registry "$P" --platform linux/arm64
judged multiarm
config_ok "index, --platform linux/arm64: the arm64 manifest" multiarm \
    'c["platform"] == "linux/arm64" and c["digest"] == sys.argv[3]' "$D_ARM"
jq_ok "index, --platform linux/arm64: the source names the arm64 manifest" multiarm.json \
    'all(f["resource"]["source"].endswith("@" + A[0]) for f in F(kind="image/Config"))' "$D_ARM"

scan -v noplat --image "$P/team/s390x:1" --insecure-registry "$P" --fail-on critical
check_eq "an index without linux/amd64: exit 1 (--fail-on critical)" 1 "$RC"
target_error noplat "team/s390x:1.*linux/amd64|linux/amd64.*team/s390x:1"
check "an index without the platform: one warning line on stderr" \
    test "$(grep -c . noplat.err)" -eq 1

# --- authentication ---------------------------------------------------------

scan -v -C "$NOCREDS" authnone --image "$A/team/app:oci" --insecure-registry "$A" --fail-on critical
check_eq "htpasswd registry without credentials: exit 1 (--fail-on critical)" 1 "$RC"
target_error authnone "registry $A: authentication failed for team/app \\(401 .*no credentials for $A in $NOCREDS/config.json"
expect_stderr_match "registry $A: authentication failed" "the warning names the registry"

mkdir -p dc
printf '{"auths":{"http://%s":{"auth":"%s"}}}\n' "$A" \
    "$(printf '%s:%s' "$REG_AUTH_USER" "$REG_AUTH_PASS" | base64 | tr -d '\n')" >dc/config.json
scan -C "$T/dc" authok --image "$A/team/app:oci" --insecure-registry "$A"
check_eq "htpasswd registry with credentials in \$DOCKER_CONFIG/config.json: exit" 0 "$RC"
judged authok

mkdir -p dcbad
printf '{"auths":{"%s":{"username":"%s","password":"wrong-%s"}}}\n' "$A" \
    "$REG_AUTH_USER" "$REG_AUTH_PASS" >dcbad/config.json
scan -C "$T/dcbad" authbad --image "$A/team/app:oci" --insecure-registry "$A"
target_error authbad "authentication failed for team/app .*credentials for $A in .*dcbad/config.json were refused"

mkdir -p dcmal
printf '{"auths":{"%s":{"auth":"%s"}\n' "$A" "$REG_AUTH_PASS" >dcmal/config.json
scan -C "$T/dcmal" authmal --image "$A/team/app:oci" --insecure-registry "$A"
target_error authmal "docker config .*dcmal/config.json: not valid JSON"

# Bearer: token from the realm with the credentials as Basic; blobs are
# redirected to a second port, which refuses requests with Authorization.
mkdir -p dcg
printf '{"auths":{"https://%s/v1/":{"username":"fourc-bearer","password":"%s"}}}\n' \
    "$G" "$BEARER_PASS" >dcg/config.json
scan -C "$T/dcg" bearer --image "$G/fault/bearer:amd64" --insecure-registry "$G"
check_eq "Bearer token registry with credentials: exit" 0 "$RC"
judged bearer
check "the token was fetched with Basic credentials, requests used Bearer" \
    grep -q '^GET /token?service=fault&scope=repository%3Afault%2Fbearer%3Apull auth=Basic$' "$FAULT_G_LOG"
if grep -q '^STORAGE GET .* auth=-$' "$FAULT_G_LOG" &&
    ! grep -q '^STORAGE GET .* auth=[^-]' "$FAULT_G_LOG"; then
    ok "redirected blob downloads carried no Authorization header"
else
    not_ok "redirected blob downloads carried no Authorization header"
    diag_file "$FAULT_G_LOG" 30
fi
scan -C "$NOCREDS" bearernone --image "$G/fault/bearer:amd64" --insecure-registry "$G"
target_error bearernone "registry $G: authentication failed for fault/bearer .*token server answered 401"
scan bearermulti --image "$F/fault/bearer-multi:amd64" --insecure-registry "$F"
check_eq "anonymous token, Bearer among other challenges in two headers: exit" 0 "$RC"
judged bearermulti

# --- TLS --------------------------------------------------------------------

scan tlsnoca --image "$S/team/app:oci"
target_error tlsnoca "registry $S: GET /v2/team/app/manifests/oci: .*certificate"
scan tlsca --image "$S/team/app:oci" --registry-ca "$REG_TLS_CA"
check_eq "TLS registry with --registry-ca: exit" 0 "$RC"
judged tlsca
scan tlsins --image "$S/team/app:oci" --insecure-registry "$S"
check_eq "TLS registry with --insecure-registry (https, unverified): exit" 0 "$RC"
judged tlsins
scan plainnotins --image "$P/team/app:oci"
target_error plainnotins "registry $P: .*--insecure-registry"

# --- failures ---------------------------------------------------------------

scan notag --image "$P/team/app:nope" --insecure-registry "$P"
target_error notag "registry $P: GET /v2/team/app/manifests/nope: 404 MANIFEST_UNKNOWN"

scan e500 --image "$F/fault/e500:amd64" --insecure-registry "$F"
target_error e500 "registry $F: GET /v2/fault/e500/manifests/amd64: 500 UNKNOWN: planted failure.*after 3 attempts"
check_eq "500: asked three times" 3 "$(grep -c '^GET /v2/fault/e500/manifests/amd64 ' "$FAULT_F_LOG")"

t0=$(date +%s)
scan e429 --image "$F/fault/e429:amd64" --insecure-registry "$F"
t1=$(date +%s)
check_eq "429 twice, then the manifest: exit" 0 "$RC"
judged e429
check_eq "429: asked three times" 3 "$(grep -c '^GET /v2/fault/e429/manifests/amd64 ' "$FAULT_F_LOG")"
check "429: Retry-After (1 s) was honoured twice" test $((t1 - t0)) -ge 2

t0=$(date +%s)
scan hang --image "$F/fault/hang:amd64" --insecure-registry "$F" --registry-timeout 2
t1=$(date +%s)
target_error hang "registry $F: GET /v2/fault/hang/manifests/amd64: no answer within 2 s \\(--registry-timeout 2\\)"
check "a registry that never answers gives up within --registry-timeout (took $((t1 - t0)) s)" \
    test $((t1 - t0)) -le 12

# A registry that answers at once and then trickles the body at 2 bytes a
# second: under the minimum rate, the request ends after about
# --registry-timeout, with an error naming the URL and the limit (before,
# only a full stall ended a request, so this ran for minutes). The whole
# scan runs under timeout(1) so that a regression fails rather than hangs.
trickle_case() { # NAME REPO WHAT-REGEX
    t0=$(date +%s)
    run timeout 60 "$FOURC" scan --db "$1.db" --format json -o "$1.json" -q \
        --image "$F/$2:amd64" --insecure-registry "$F" --registry-timeout 3
    t1=$(date +%s)
    check_eq "$1: the scan ends with its error findings (exit 0)" 0 "$RC"
    target_error "$1" "registry $F: GET /v2/$2/$3: too slow: [0-9]+ bytes in [0-9]+ s, under the minimum of 16 KiB/s \\(--registry-timeout 3\\)"
    check "$1: gave up after about --registry-timeout 3 (took $((t1 - t0)) s)" \
        test $((t1 - t0)) -le 10
}
trickle_case trickle fault/trickle "manifests/amd64"
trickle_case trickleblob fault/trickleblob "blobs/sha256:[0-9a-f]{64}"

scan notjson --image "$F/fault/notjson:amd64" --insecure-registry "$F" --fail-on critical
check_eq "a manifest that is not JSON: exit 1 (--fail-on critical)" 1 "$RC"
target_error notjson "fault/notjson:amd64"

scan huge --image "$F/fault/huge:amd64" --insecure-registry "$F"
target_error huge "GET /v2/fault/huge/manifests/amd64: .*larger than 4 MiB"

# Layers whose bytes no longer match their digest, changed in the
# registry's storage after the push (docker-registry serves blobs as
# stored): "corrupt" only in the gzip header's mtime, so it still
# decompresses and only the digest can tell; "garbled" in the middle.
layer_of() {
    registry_get "http://$P/v2/team/$1/manifests/1" "$T/.m" &&
        jq_py "$T/.m" 'print(r["layers"][0]["digest"])'
}
LAYER=$(layer_of corrupt)
BLOB=$(registry_blob_path plain "$LAYER")
check "the corrupt image's layer is in the registry's storage" test -f "$BLOB"
printf '\001\002\003\004' | dd of="$BLOB" bs=1 seek=4 conv=notrunc 2>/dev/null
scan corrupt --image "$P/team/corrupt:1" --insecure-registry "$P" --fail-on critical
check_eq "a layer with the wrong digest: exit 1 (--fail-on critical)" 1 "$RC"
jq_ok "wrong digest: an error finding names the blob and the digest mismatch" corrupt.json \
    'any(A[0] in f["message"] and "digest mismatch" in f["message"] for f in F(status="error"))' "$LAYER"
jq_ok "wrong digest: no filesystem rule passes" corrupt.json \
    'not [f for f in FS if f["status"] == "pass" and f["resource"]["kind"] != "image/Config"]'
GLAYER=$(layer_of garbled)
printf 'garbage' | dd of="$(registry_blob_path plain "$GLAYER")" bs=1 seek=40 conv=notrunc 2>/dev/null
scan garbled --image "$P/team/garbled:1" --insecure-registry "$P" --fail-on critical
check_eq "a garbled layer: exit 1 (--fail-on critical)" 1 "$RC"
jq_ok "garbled layer: an error finding names the blob, no filesystem rule passes" garbled.json \
    'any(A[0] in f["message"] for f in F(status="error")) and not [f for f in FS if f["status"] == "pass" and f["resource"]["kind"] != "image/Config"]' "$GLAYER"

# --- usage ------------------------------------------------------------------

expect_exit 2 "an upper-case repository is a usage error" \
    "$FOURC" scan --db usage.db --image "$P/Team/app:1"
expect_one_error_line "the usage error is one line naming the component" 'Team.*lower case'

# --- secrets ----------------------------------------------------------------

B64=$(printf '%s:%s' "$REG_AUTH_USER" "$REG_AUTH_PASS" | base64 | tr -d '\n')
leaks=$( (grep -alF -e "$REG_AUTH_PASS" -e "$BEARER_PASS" -e "$B64" \
    ./*.out ./*.err ./*.json ./*.db ./*.db-wal
    grep -alE 'tok-[0-9a-f]{24}' ./*.out ./*.err ./*.json ./*.db ./*.db-wal) 2>/dev/null)
if [ -z "$leaks" ]; then
    ok "no password, Basic credential or token in any output, report or database"
else
    not_ok "no password, Basic credential or token in any output, report or database"
    diag "found in: $leaks"
fi

e2e_finish
