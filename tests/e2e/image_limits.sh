#!/bin/sh
# End-to-end: decompression bombs in image layers. A 20 GiB layer (gzip
# members or zstd frames of zeros, a blob of 20 MB or less, written by
# tests/tools/mkbomb.py) stops at --max-layer-size within seconds and a few
# MB of memory, with an error finding naming the image, the blob and the
# limit; the image's config is still judged and the other targets of the
# scan too. --max-image-size bounds all layers of an image together.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

for tool in zstd timeout; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "not ok - $tool is needed (dev/deps installs it)"
        exit 1
    fi
done
if [ ! -x /usr/bin/time ]; then
    echo "not ok - /usr/bin/time is needed (dev/deps installs time)"
    exit 1
fi
MKBOMB="$PYTHON $TOP_SRCDIR/tests/tools/mkbomb.py"
SHOP=$EXAMPLES/shop

# bomb_case NAME COMPRESS: a 20 GiB layer under --max-layer-size 256M,
# scanned with the compliant shop/ manifests beside it.
bomb_case() {
    _layer=$($MKBOMB "$1" "$2" 20G) || { not_ok "$1: mkbomb.py made the image"; return; }
    check "$1: the 20 GiB $2 layer is a blob of at most 25 MB" \
        test "$(du -k "$1/blobs/sha256/${_layer#sha256:}" | cut -f1)" -le 25600
    _t0=$(date +%s)
    run timeout 120 /usr/bin/time -f 'rss-kib=%M' "$FOURC" scan --db "$1.db" \
        --image "oci:$1:bomb" --manifests "$SHOP" --max-layer-size 256M \
        --format json -o "$1.json"
    _t1=$(date +%s)
    check_eq "$1: the scan ends (exit 0, no --fail-on)" 0 "$RC"
    check "$1: stopped at the limit within 30 s (took $((_t1 - _t0)) s)" \
        test $((_t1 - _t0)) -le 30
    _rss=$(sed -n 's/^rss-kib=//p' "$ERR")
    check "$1: peak memory under 200 MB (${_rss:-?} KiB)" test "${_rss:-999999}" -le 204800
    jq_ok "$1: an error finding names the image, the blob and the limit" "$1.json" \
        'any(A[0] in f["message"] and "oci:" + A[1] + ":bomb" in f["message"] and "more than 256 MiB" in f["message"] and "--max-layer-size" in f["message"] for f in F(rule="FOURC-CONTAINER-INPUT", status="error"))' \
        "$_layer" "$1"
    jq_ok "$1: no image file rule passes (their kinds are errors)" "$1.json" \
        'F(kind="image/Config") and not [f for f in FS if f["resource"]["kind"].startswith("image/") and f["resource"]["kind"] != "image/Config" and f["status"] == "pass"] and F(rule="DOCKER-IMAGE-SETUID", status="error")'
    jq_ok "$1: the image's config is still judged (image/Config passes or fails)" "$1.json" \
        '[f for f in F(kind="image/Config") if f["status"] in ("pass", "fail")]'
    jq_ok "$1: the rest of the scan goes on: shop/ manifests judged, none fails" "$1.json" \
        'F(kind="k8s/Deployment", name="web", namespace="shop") and not [f for f in FS if f["resource"]["namespace"] == "shop" and f["status"] in ("fail", "error")]'
    check "$1: one warning on stderr names the limit" grep -q 'warning: .*more than 256 MiB, the limit per layer' "$ERR"
}
bomb_case gz gzip
bomb_case zst zstd

# Under the limit nothing changes: 16 MiB layers read whole.
$MKBOMB small gzip 16M,16M >/dev/null
fourc scan -q --db small.db --image oci:small:bomb --max-layer-size 17M --format json -o small.json
check_eq "two 16 MiB layers under --max-layer-size 17M: exit 0" 0 "$RC"
jq_ok "two 16 MiB layers: read whole, no error finding, the image's files judged" small.json \
    'not F(status="error") and F(kind="image/Filesystem", status="pass")'

# --max-image-size: the two layers together cross 24 MiB in the second.
fourc scan -q --db img.db --image oci:small:bomb --max-image-size 24M --format json -o img.json
check_eq "--max-image-size 24M over two 16 MiB layers: exit 0" 0 "$RC"
L2=$("$PYTHON" -c '
import json, sys
idx = json.load(open(sys.argv[1] + "/index.json"))
m = json.load(open(sys.argv[1] + "/blobs/sha256/" + idx["manifests"][0]["digest"][7:]))
print(m["layers"][1]["digest"])' small)
jq_ok "--max-image-size: the error names layer 2, its blob and the image limit" img.json \
    'any("layer 2 (" + A[0] + ")" in f["message"] and "more than 24 MiB in all" in f["message"] and "--max-image-size" in f["message"] for f in F(status="error"))' "$L2"

# --- usage -----------------------------------------------------------------------

for bad in 0 abc 12X -5 1.5G 99999999999T; do
    expect_exit 2 "--max-layer-size $bad is a usage error" \
        "$FOURC" scan --db usage.db --image oci:small:bomb --max-layer-size "$bad"
    expect_one_error_line "--max-layer-size $bad: one line naming the option" '--max-layer-size'
done
expect_exit 2 "--max-image-size x is a usage error" \
    "$FOURC" scan --db usage.db --image oci:small:bomb --max-image-size x
for good in 1024 64K 512M 8G 1TiB 2GB; do
    expect_exit 0 "--max-layer-size $good is accepted" \
        "$FOURC" scan -q --db usage.db --manifests "$SHOP" --max-layer-size "$good"
done
fourc scan --help
check "scan --help documents --max-layer-size and --max-image-size with defaults" \
    sh -c "grep -q -- '--max-layer-size SIZE.*default 8G' '$OUT' && grep -q -- '--max-image-size SIZE' '$OUT'"

e2e_finish
