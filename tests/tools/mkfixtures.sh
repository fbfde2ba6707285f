#!/bin/sh
# tests/tools/mkfixtures.sh: regenerates every generated fixture: each image
# fixture (a directory named *.oci under checks/rules/*/fixtures, and the
# example images under examples/images) from the spec.json inside it, and
# the node-root fixtures (*.node.tar.gz) from tests/tools/node-fixtures.spec.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
find "$top/checks/rules" "$top/examples/images" -name '*.oci' -type d |
    while read -r d; do
        rm -rf "$d/blobs" "$d/index.json" "$d/oci-layout"
        python3 "$top/tests/tools/mkoci.py" "$d/spec.json" "$d"
    done
# The node-root fixtures (fixtures/<RULE>/*.node.tar.gz of the
# cis-kubernetes rules on a node), from tests/tools/node-fixtures.spec.
find "$top/checks/rules" -name '*.node.tar.gz' -exec rm -f {} +
python3 "$top/tests/tools/mknode.py" "$top/tests/tools/node-fixtures.spec" \
    "$top/checks/rules/cis-kubernetes"
