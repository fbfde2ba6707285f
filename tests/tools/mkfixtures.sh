#!/bin/sh
# tests/tools/mkfixtures.sh: regenerates every image fixture (a directory
# named *.oci under checks/rules/*/fixtures, and the example images under
# examples/images) from the spec.json inside it.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
find "$top/checks/rules" "$top/examples/images" -name '*.oci' -type d |
    while read -r d; do
        rm -rf "$d/blobs" "$d/index.json" "$d/oci-layout"
        python3 "$top/tests/tools/mkoci.py" "$d/spec.json" "$d"
    done
