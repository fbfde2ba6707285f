#!/bin/sh
# End-to-end: YAML merge keys resolve as go-yaml v2 (sigs.k8s.io/yaml, so
# kubectl) resolves them, checked against a reference resolver over a
# generated corpus (tests/tools/merge_ref.py) on both parser paths.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

YJDUMP=$(dirname "$FOURC")/tests/tools/yjdump
if [ ! -x "$YJDUMP" ] || ! "$PYTHON" -c 'import yaml' 2>/dev/null; then
    not_ok "merge keys: tests/tools/yjdump and python3-yaml are needed (dev/deps installs python3-yaml)"
    e2e_finish
fi
# merge_ref.py prints its own TAP lines; count them into ours.
"$PYTHON" "$TOP_SRCDIR/tests/tools/merge_ref.py" "$YJDUMP" corpus 3000 1 >ref.tap 2>ref.err || true
while IFS= read -r line; do
    case $line in
    "ok - "*) ok "${line#ok - }" ;;
    "not ok - "*) not_ok "${line#not ok - }" ;;
    *) printf '%s\n' "$line" ;;
    esac
done <ref.tap
if [ -s ref.err ] || ! grep -q '^ok - corpus' ref.tap; then
    not_ok "merge_ref.py ran to the end"
    diag_file ref.err
fi
e2e_finish
