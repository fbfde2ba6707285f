#!/bin/sh
# End-to-end: where reports go and what they may carry.
#  1. -o naming a device, a FIFO or a symlink writes through it (the
#     device stays a device, the FIFO's reader gets the report, the link
#     stays a link); a regular file is replaced whole and keeps its mode;
#  2. report and diff read a database in a read-only file and directory,
#     as an unprivileged user (root would write anyway: setpriv drops to
#     nobody), without changing a byte of it; an old schema there is one
#     clear error;
#  3. bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
#     U+061C) planted in a manifest's name and value, a rule's title and
#     remediation never leave raw in any format of report or diff.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

SHOP=$EXAMPLES/shop
FORMATS="json html sarif junit csv markdown"

fourc scan -q --db w.db --manifests "$SHOP"
check_eq "scan of examples/manifests/shop: exit 0" 0 "$RC"
fourc report --db w.db --format json -o ref.json
check_eq "report -o a new regular file: exit 0" 0 "$RC"

# --- 1. -o through devices, FIFOs and symlinks ------------------------------------

expect_exit 0 "report -o /dev/null" "$FOURC" report --db w.db -o /dev/null
check "/dev/null is still a character device after report -o /dev/null" test -c /dev/null
check "nothing was left beside /dev/null" sh -c '! ls /dev/null.tmp.* >/dev/null 2>&1'
expect_exit 0 "scan --format json -o /dev/null" \
    "$FOURC" scan -q --db null.db --manifests "$SHOP" --format json -o /dev/null
check "/dev/null is still a character device after scan -o /dev/null" test -c /dev/null
if [ "$(id -u)" -eq 0 ]; then
    # A device of our own (the null device's numbers): replacing it with
    # a file was the bug, so it must stay a device with nothing beside it.
    mknod nulldev c 1 3
    expect_exit 0 "report -o DEVICE (a test-made null device)" "$FOURC" report --db w.db -o nulldev
    check "the device is still a character device" test -c nulldev
    ln -s nulldev devlink
    expect_exit 0 "report -o SYMLINK-TO-DEVICE" "$FOURC" report --db w.db --format csv -o devlink
    check "the symlink to the device stays a symlink to a character device" \
        sh -c 'test -L devlink && test -c devlink && [ "$(readlink devlink)" = nulldev ]'
fi

mkfifo fifo
timeout 60 cat fifo >fifo.got &
READER=$!
expect_exit 0 "report -o FIFO with a reader" "$FOURC" report --db w.db -o fifo
[ "$RC" -eq 0 ] || kill "$READER" 2>/dev/null
wait "$READER"
check "the FIFO's reader got the whole report" cmp -s fifo.got ref.json
check "the FIFO is still a FIFO" test -p fifo
mkfifo dfifo
timeout 60 cat dfifo >dfifo.got &
READER=$!
expect_exit 0 "diff -o FIFO with a reader" "$FOURC" diff --db w.db --from 1 --to 1 --format json -o dfifo
[ "$RC" -eq 0 ] || kill "$READER" 2>/dev/null
wait "$READER"
jq_ok "the diff arrived through the FIFO whole" dfifo.got 'r["schema"] == "fourc.diff/v1"'

echo old >target.json
ln -s target.json link.json
expect_exit 0 "report -o SYMLINK-TO-FILE" "$FOURC" report --db w.db -o link.json
check "the symlink stays a symlink to the same name" \
    sh -c 'test -L link.json && [ "$(readlink link.json)" = target.json ]'
check "its target holds the report" cmp -s target.json ref.json
check "nothing was left beside the link or its target" sh -c '! ls ./*.tmp.* >/dev/null 2>&1'
mkdir sub
ln -s ../target.json sub/rel.json
expect_exit 0 "report -o a relative symlink in another directory" "$FOURC" report --db w.db --format csv -o sub/rel.json
check "the relative symlink stays; its target (not a file beside the link) is the CSV" \
    sh -c 'test -L sub/rel.json && head -c 5 target.json | grep -q "^rule," && ! ls sub/*.tmp.* >/dev/null 2>&1'

ln -s made-by-report.json dangling.json
expect_exit 0 "report -o a symlink to a file that does not exist yet" "$FOURC" report --db w.db -o dangling.json
check "the link stays a link and its target is created with the report" \
    sh -c 'test -L dangling.json && cmp -s made-by-report.json ref.json'

echo old >mode.json
chmod 600 mode.json
expect_exit 0 "report -o an existing regular file" "$FOURC" report --db w.db -o mode.json
check "the file is replaced whole and keeps its mode 600" \
    sh -c 'cmp -s mode.json ref.json && [ "$(stat -c %a mode.json)" = 600 ] && test ! -L mode.json'

mkdir adir
expect_exit 2 "report -o DIRECTORY" "$FOURC" report --db w.db -o adir
expect_one_error_line "report -o DIRECTORY: one error line naming it" 'adir.*directory'

# --- 2. a read-only database --------------------------------------------------------

mkdir ro
fourc scan -q --db ro/fourc.db --manifests "$SHOP"
fourc scan -q --db ro/fourc.db --manifests "$SHOP"
check_eq "two scans into ro/fourc.db" 0 "$RC"
for f in $FORMATS; do
    "$FOURC" report --db ro/fourc.db --format "$f" -o "rw.$f" 2>/dev/null
done
"$FOURC" diff --db ro/fourc.db --format json -o rw.diff.json 2>/dev/null
check "no -wal or -shm file after the writable database is closed" \
    sh -c '! ls ro/fourc.db-* >/dev/null 2>&1'
sha256sum ro/fourc.db >ro.sum
chmod 0444 ro/fourc.db
chmod 0555 ro
mkdir outro && chmod 0777 outro
# as_user CMD...: CMD as an unprivileged user (nobody, when we are root).
if [ "$(id -u)" -eq 0 ]; then
    if ! have_setpriv_nobody; then
        not_ok "setpriv (util-linux, installed by dev/deps) drops root to nobody"
        e2e_finish
    fi
    chmod 0755 "$T"
    as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else
    as_user() { "$@"; }
fi
as_user sh -c 'echo x >ro/probe' 2>/dev/null
check "the database's directory is really read-only for the test user" test ! -e ro/probe
for f in $FORMATS; do
    expect_exit 0 "report --format $f on a read-only database (0444, directory 0555)" \
        as_user "$FOURC" report --db ro/fourc.db --format "$f" -o "outro/ro.$f"
    check "report --format $f: the same report as from the writable database" \
        sh -c "cmp -s rw.$f outro/ro.$f || { [ $f = html ] && [ -s outro/ro.$f ]; }"
done
expect_exit 0 "report to stdout on a read-only database" as_user "$FOURC" report --db ro/fourc.db
check "report to stdout: the same JSON" cmp -s "$OUT" rw.json
expect_exit 0 "diff on a read-only database" \
    as_user "$FOURC" diff --db ro/fourc.db --format json -o outro/ro.diff.json
check "diff: the same as from the writable database" cmp -s rw.diff.json outro/ro.diff.json
check "the read-only database is byte for byte unchanged" sha256sum -c --quiet ro.sum
check "no -wal or -shm file appeared beside it" sh -c '! ls ro/fourc.db-* >/dev/null 2>&1'
expect_exit 2 "scan into a read-only database fails" \
    as_user "$FOURC" scan -q --db ro/fourc.db --manifests "$SHOP"
expect_one_error_line "scan into a read-only database: one error line naming it and why" \
    'cannot write the database ro/fourc\.db: the file is read-only'
expect_stderr_nomatch 'attempt to write|readonly database' "scan into a read-only database: no SQLite wording"

# A read-only file in a writable directory.
mkdir rofile && cp ro/fourc.db rofile/fourc.db && chmod 0444 rofile/fourc.db && chmod 0777 rofile
expect_exit 0 "report on a 0444 database in a writable directory" \
    as_user "$FOURC" report --db rofile/fourc.db --format csv -o outro/rofile.csv
check "the 0444 database gives the same report" cmp -s rw.csv outro/rofile.csv
chmod 0666 rofile/fourc.db && chmod 0555 rofile
expect_exit 2 "scan into a writable database in a read-only directory fails" \
    as_user "$FOURC" scan -q --db rofile/fourc.db --manifests "$SHOP"
expect_one_error_line "read-only directory: one error line naming the database and why" \
    'cannot write the database rofile/fourc\.db: its directory is not writable'
chmod 0777 rofile && chmod 0444 rofile/fourc.db

# An older schema cannot be migrated read-only: one clear error.
mkdir old && cp ro/fourc.db old/fourc.db && chmod u+w old/fourc.db
"$PYTHON" -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA user_version = 1"); db.commit()' old/fourc.db
chmod 0444 old/fourc.db && chmod 0555 old
expect_exit 2 "report on a read-only database of schema version 1" \
    as_user "$FOURC" report --db old/fourc.db
expect_one_error_line "old schema, read-only: one line naming the file, its version and what to do" \
    'old/fourc\.db has schema version 1, older than this fourc.*writable'
chmod 0755 ro old

# --- 3. bidirectional controls ---------------------------------------------------------

# All twelve, between letters.
B=$(printf 'A\342\200\252B\342\200\253C\342\200\254D\342\200\255E\342\200\256F\342\201\246G\342\201\247H\342\201\250I\342\201\251J\342\200\216K\342\200\217L\330\234M')
mkdir -p bidi/m bidi/p
cat >bidi/m/cm.yaml <<YEOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: "bidi-$B"
  namespace: "demo"
  labels: {team: "t-$B"}
data:
  v: "value-$B"
YEOF
cat >bidi/p/bidi.yaml <<YEOF
- id: BIDI-PLANT
  title: "Title $B"
  pillar: cluster
  kinds: [k8s/ConfigMap]
  severity: high
  level: 1
  automated: true
  description: plants bidirectional controls in messages
  rationale: "rationale $B"
  remediation: "fix $B"
  check:
    sql: |
      SELECT uid, 'fail', 'message ' || json_extract(doc, '\$.data.v')
      FROM scan_resources WHERE kind = 'k8s/ConfigMap'
YEOF
fourc scan -q --db bidi.db --manifests bidi/m --rules bidi/p
check_eq "scan of the planted manifest: exit 0" 0 "$RC"
# The second scan adds a ConfigMap, so the diff lists a new finding.
cp -R bidi/m bidi/m2
sed 's/name: "bidi-/name: "bidi2-/' bidi/m/cm.yaml >bidi/m2/cm2.yaml
fourc scan -q --db bidi.db --manifests bidi/m2 --rules bidi/p --format sarif -o bidi-scan.sarif
for f in $FORMATS; do
    fourc report --db bidi.db --scan 1 --format "$f" -o "bidi.$f"
done
fourc report --db bidi.db --scan 1 --format csv
cp "$OUT" bidi-stdout.csv
for f in text json markdown; do
    fourc diff --db bidi.db --from 1 --to 2 --format "$f" -o "bidi-diff.$f"
done
# The planted values are there in every file; no raw control is.
cat >bidi.py <<'PYEOF'
import json, sys
RAW = [chr(c).encode() for c in list(range(0x202A, 0x202F)) + list(range(0x2066, 0x206A)) + [0x200E, 0x200F, 0x061C]]
bad = []
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    for r in RAW:
        if r in data:
            bad.append("%s: raw U+%04X" % (path, ord(r.decode())))
    is_json = path.endswith(".json")
    text = data.decode("utf-8")
    want = "\\u202e" if is_json else "[U+202E]"
    if want not in text or ("value-A" not in text and "value-A" not in text):
        bad.append("%s: no %s where the planted value was" % (path, want))
    if not is_json and "A[U+202A]B[U+202B]C[U+202C]D[U+202D]E[U+202E]F[U+2066]G[U+2067]H[U+2068]I[U+2069]J[U+200E]K[U+200F]L[U+061C]M" not in text:
        bad.append("%s: the twelve controls are not each shown as [U+XXXX]" % path)
    if is_json and ("message value-A\u202aB" not in json.dumps(json.loads(text), ensure_ascii=False)):
        bad.append("%s: the JSON does not decode to the planted value" % path)
print("\n".join(bad))
sys.exit(1 if bad else 0)
PYEOF
for f in bidi.json bidi.html bidi.sarif bidi.junit bidi.csv bidi.markdown bidi-stdout.csv \
    bidi-scan.sarif bidi-diff.text bidi-diff.json bidi-diff.markdown; do
    if "$PYTHON" bidi.py "$f" >bidi.out 2>&1; then
        ok "$f: the planted bidirectional controls are neutralised, the value still shown"
    else
        not_ok "$f: the planted bidirectional controls are neutralised, the value still shown"
        diag_file bidi.out
    fi
done
# Sequences cut by the stream's buffers are handled too: a long report
# where the controls land at every offset.
"$PYTHON" - bidi/m <<'PYEOF'
import sys
b = "A\u202aB\u202eC\u2066D\u061cE"
with open(sys.argv[1] + "/many.yaml", "w", encoding="utf-8") as f:
    for i in range(600):
        f.write("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: m%d, namespace: demo}\ndata: {v: \"%s%s\"}\n" % (i, "x" * (i % 7), b * (1 + i % 5)))
PYEOF
fourc scan -q --db many.db --manifests bidi/m --rules bidi/p --format csv -o many.csv
fourc report --db many.db --format json -o many.json
if "$PYTHON" -c '
import sys
for p in sys.argv[1:]:
    d = open(p, "rb").read()
    for c in ("\u202a", "\u202e", "\u2066", "\u061c"):
        assert c.encode() not in d, (p, c)
    assert d.count(b"[U+202E]" if p.endswith(".csv") else b"\\u202e") >= 600 * 3, p
' many.csv many.json 2>bidi.out; then
    ok "600 resources with controls at every buffer offset: none leaves raw (CSV, JSON)"
else
    not_ok "600 resources with controls at every buffer offset: none leaves raw (CSV, JSON)"
    diag_file bidi.out
fi

# Warnings on stderr quote file names and parser text: the same twelve
# controls in a file name and in a broken document are shown, not obeyed.
mkdir -p bidi/err
printf 'kind: Pod\nmetadata: {name: "x%sy"\n' "$B" >"bidi/err/f$B.yaml"
run "$FOURC" scan --db bidi-err.db --manifests bidi/err
if "$PYTHON" -c '
import sys
d = open(sys.argv[1], "rb").read()
assert b"warning" in d, d
for c in ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
          "\u2068", "\u2069", "\u200e", "\u200f", "\u061c"):
    assert c.encode() not in d, c
assert b"fA[U+202A]B[U+202B]C[U+202C]D[U+202D]E[U+202E]F[U+2066]G[U+2067]H[U+2068]I[U+2069]J[U+200E]K[U+200F]L[U+061C]M.yaml" in d, d
' "$ERR" 2>bidi-err.out; then
    ok "stderr: bidirectional controls in a file name are shown as [U+XXXX], never raw"
else
    not_ok "stderr: bidirectional controls in a file name are shown as [U+XXXX], never raw"
    diag_file bidi-err.out
fi

e2e_finish
