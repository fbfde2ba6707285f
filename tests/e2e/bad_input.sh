#!/bin/sh
# End-to-end: broken, hostile and unreadable inputs. Each bad file sits
# next to a valid Deployment; the scan must report the bad file as an
# `error` finding of FOURC-CLUSTER-INPUT naming file:line, warn once on
# stderr, still scan the valid objects, and leave earlier scans intact.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

DB=$T/fourc.db

# good_deployment NAME: a valid Deployment.
good_deployment() {
    cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $1
  namespace: e2e
spec:
  selector:
    matchLabels: {app: $1}
  template:
    metadata:
      labels: {app: $1}
    spec:
      containers:
        - name: app
          image: registry.example/app:1.0
EOF
}

# new_case NAME: make cases/NAME with good.yaml (Deployment good-NAME).
new_case() {
    mkdir -p "cases/$1"
    good_deployment "good-$1" >"cases/$1/good.yaml"
}

# Baseline: a complete scan that every later run must leave untouched.
fourc scan --db "$DB" --manifests "$EXAMPLES" --format json -o base.json
if [ "$RC" -ne 0 ] && [ "$RC" -ne 1 ]; then
    not_ok "baseline scan of the examples"
    diag_last
    e2e_finish
fi
ok "baseline scan of the examples stored"
BASE=$(scan_digest "$DB" 1)
NEXT_ID=2

# baseline_intact WHAT
baseline_intact() {
    _now=$(scan_digest "$DB" 1 2>&1)
    _ic=$(sql "$DB" "PRAGMA integrity_check" 2>&1)
    if [ "$_now" = "$BASE" ] && [ "$_ic" = ok ]; then
        ok "$1: earlier scan 1 intact (${BASE%% *} findings) and integrity_check ok"
    else
        not_ok "$1: earlier scan 1 intact and integrity_check ok"
        diag "before: $BASE" "after:  $_now" "integrity_check: $_ic"
    fi
}

# scan_case NAME FILE_RE [LABEL]: scan cases/NAME and check the outcome.
# FILE_RE is an ERE (also valid Python re) for "file:line" of the bad input.
scan_case() {
    _name=$1
    _re=$2
    _label=${3:-$1}
    rm -f "$_name.json"
    expect_exit 0 "$_label: scan goes on" "$FOURC" scan --db "$DB" --manifests "cases/$_name" --format json -o "$_name.json"
    _lines=$(wc -l <"$ERR" | tr -d ' ')
    if [ "$_lines" -eq 1 ] && grep -Eq "^fourc: warning: .*$_re" "$ERR"; then
        ok "$_label: one stderr line, a warning naming $(head -n 1 "$ERR" | cut -c17- | cut -d' ' -f1)"
    else
        not_ok "$_label: one stderr line, 'fourc: warning:' naming /$_re/"
        diag_file "$ERR"
    fi
    if [ ! -s "$_name.json" ]; then
        not_ok "$_label: JSON report written"
        return
    fi
    jq_assert "$_label: one error finding of FOURC-CLUSTER-INPUT, message and resource.source name the file:line" "$_name.json" '
errs = [f for f in FS if f["status"] == "error"]
for f in errs:
    print(f["rule"], "|", f["message"], "|", f["resource"]["source"])
OK = (len(errs) == 1 and errs[0]["rule"] == "FOURC-CLUSTER-INPUT"
      and re.search(A[0], errs[0]["message"]) and re.search(A[0], errs[0]["resource"]["source"]))' "$_re"
    jq_ok "$_label: the valid Deployment next to it was scanned (K8S-WL-PRIVILEGED pass for good-$_name)" "$_name.json" \
        '[f["status"] for f in F(rule="K8S-WL-PRIVILEGED", kind="k8s/Deployment", name="good-" + A[0])] == ["pass"]' "$_name"
    check_eq "$_label: stored as complete scan $NEXT_ID" "$NEXT_ID|complete" \
        "$(sql "$DB" "SELECT id, status FROM scans ORDER BY id DESC LIMIT 1" 2>&1)"
    NEXT_ID=$((NEXT_ID + 1))
    baseline_intact "$_label"
}

# --- 1. tab indentation --------------------------------------------------------
new_case tab
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: tabbed\ndata:\n  a: b\n' >cases/tab/tab.yaml
scan_case tab 'tab\.yaml:4([^0-9]|$)' "tab-indented YAML"

# The error finding counts for --fail-on at every level: FOURC-CLUSTER-INPUT
# is critical, because an unreadable document can hide a critical object.
expect_exit 1 "tab-indented YAML: --fail-on critical trips on the error finding" \
    "$FOURC" scan --db "$DB" --manifests cases/tab --fail-on critical --format json -o tab-failon.json
jq_ok "tab-indented YAML: the --fail-on run's report has the input error at severity critical" tab-failon.json \
    '[(f["status"], f["severity"]) for f in F(rule="FOURC-CLUSTER-INPUT")] == [("error", "critical")]'
NEXT_ID=$((NEXT_ID + 1))

# --- 2. unclosed quote (opened on line 4; libyaml sees it at end of file) ------
new_case quote
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "unclosed\n  namespace: e2e\n' >cases/quote/quote.yaml
scan_case quote 'quote\.yaml:[4-6]([^0-9]|$)' "unclosed quote"

# --- 3. billion laughs -----------------------------------------------------------
new_case bomb
cat >cases/bomb/bomb.yaml <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: lol
data:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
  j: &j [*i,*i,*i,*i,*i,*i,*i,*i,*i]
EOF
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o bomb.mem "$FOURC" scan --db bomb.db --manifests cases/bomb -q >/dev/null 2>&1
    check "YAML alias bomb: peak memory < 600 MB ($(tail -n 1 bomb.mem) KB)" \
        test "$(tail -n 1 bomb.mem)" -lt 614400
else
    not_ok "YAML alias bomb peak memory: /usr/bin/time missing (dev/deps installs it)"
fi
scan_case bomb 'bomb\.yaml:[0-9]+([^0-9]|$)' "YAML alias bomb"

# --- 4. 100 MB on one line --------------------------------------------------------
new_case huge
"$PYTHON" -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"huge\"}, \"data\": {\"k\": \"")
    chunk = "a" * (1 << 20)
    for _ in range(100):
        f.write(chunk)
    f.write("\"}}\n")
' cases/huge/huge.yaml
hsize=$(wc -c <cases/huge/huge.yaml | tr -d ' ')
check "100 MB single-line file generated ($hsize bytes, $(wc -l <cases/huge/huge.yaml | tr -d ' ') newline)" \
    test "$hsize" -gt 104857600
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o huge.mem "$FOURC" scan --db huge.db --manifests cases/huge -q >/dev/null 2>&1
    check "100 MB single line: peak memory < 600 MB ($(tail -n 1 huge.mem) KB)" \
        test "$(tail -n 1 huge.mem)" -lt 614400
else
    not_ok "100 MB single line peak memory: /usr/bin/time missing (dev/deps installs it)"
fi
scan_case huge 'huge\.yaml:1([^0-9]|$)' "100 MB single-line file"
rm -f cases/huge/huge.yaml

# --- 5. invalid UTF-8 (bytes on line 4) ------------------------------------------
new_case utf8
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\377\376name\n' >cases/utf8/utf8.yaml
scan_case utf8 'utf8\.yaml:4([^0-9]|$)' "invalid UTF-8"

# --- 6. JSON with a duplicate key (line 4) -------------------------------------------
new_case dupkey
printf '{"apiVersion": "v1",\n "kind": "ConfigMap",\n "metadata": {"name": "dup"},\n "kind": "Secret"}\n' >cases/dupkey/dup.json
scan_case dupkey 'dup\.json:4([^0-9]|$)' "JSON duplicate key"

# --- 7. no kind ------------------------------------------------------------------
new_case nokind
printf '# an object without a kind\napiVersion: v1\nmetadata:\n  name: nokind\n' >cases/nokind/nokind.yaml
scan_case nokind 'nokind\.yaml:[12]([^0-9]|$)' "manifest without kind"

# --- 8. unreadable files -------------------------------------------------------------
new_case dangling
ln -s "$T/does/not/exist.yaml" cases/dangling/x.yaml
scan_case dangling 'x\.yaml' "dangling symlink x.yaml"

# A directory named y.yaml is a directory: walked, not read as a file.
new_case ydir
mkdir cases/ydir/y.yaml
good_deployment inner-ydir >cases/ydir/y.yaml/inner.yaml
expect_exit 0 "directory named y.yaml: scan runs" "$FOURC" scan --db "$DB" --manifests cases/ydir --format json -o ydir.json
NEXT_ID=$((NEXT_ID + 1))
expect_empty "$ERR" "directory named y.yaml: nothing on stderr"
jq_ok "directory named y.yaml: walked (its inner.yaml scanned), no error finding" ydir.json \
    '[f["status"] for f in F(rule="K8S-WL-PRIVILEGED", name="inner-ydir")] == ["pass"] and not F(status="error")'

if [ "$(id -u)" -ne 0 ]; then
    new_case noperm
    good_deployment hidden >cases/noperm/z.yaml
    chmod 000 cases/noperm/z.yaml
    scan_case noperm 'z\.yaml' "chmod 000 file"
    chmod 644 cases/noperm/z.yaml
elif have_setpriv_nobody; then
    # As root: drop to nobody so that chmod 000 really denies.
    mkdir -p np cases/noperm
    good_deployment good-noperm >cases/noperm/good.yaml
    good_deployment hidden >cases/noperm/z.yaml
    chmod 755 "$T" cases
    chmod -R a+rX cases/noperm
    chmod 777 np
    chmod 000 cases/noperm/z.yaml
    RC=0
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$FOURC" scan --db np/np.db --manifests cases/noperm --format json -o np/np.json >"$OUT" 2>"$ERR" || RC=$?
    check_eq "chmod 000 file (as uid 65534): scan goes on (exit 0)" 0 "$RC"
    if [ "$(wc -l <"$ERR" | tr -d ' ')" -eq 1 ] && grep -Eq '^fourc: warning: .*z\.yaml' "$ERR"; then
        ok "chmod 000 file: one stderr warning naming z.yaml"
    else
        not_ok "chmod 000 file: one stderr warning naming z.yaml"
        diag_file "$ERR"
    fi
    jq_ok "chmod 000 file: error finding names z.yaml; good.yaml scanned" np/np.json \
        '[(f["rule"], bool(re.search(r"z\.yaml", f["message"] + f["resource"]["source"]))) for f in F(status="error")] == [("FOURC-CLUSTER-INPUT", True)] and F(rule="K8S-WL-PRIVILEGED", name="good-noperm")'
    chmod 644 cases/noperm/z.yaml
    chmod 700 "$T"
else
    not_ok "chmod 000 file: running as root and setpriv cannot drop to nobody (dev/deps installs util-linux)"
fi

# --- 9. 2nd of 3 documents broken ---------------------------------------------------
new_case multi
cat >cases/multi/multi.yaml <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: first-doc
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: [broken
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: third-doc
EOF
scan_case multi 'multi\.yaml:([5-9]|10)([^0-9]|$)' "2nd of 3 documents broken"
jq_ok "2nd of 3 documents broken: 1st and 3rd documents were scanned with their own lines" multi.json '
{f["resource"]["name"]: f["resource"]["source"].rsplit("/", 1)[-1] for f in FS if f["resource"]["kind"] == "k8s/ConfigMap"} == {"first-doc": "multi.yaml:1", "third-doc": "multi.yaml:11"}'

# --- 10. rule pack with an unknown operator --------------------------------------------
mkdir -p badop
cat >badop/rules.yaml <<'EOF'
- id: E2E-BAD-OP
  title: Uses an operator that does not exist
  pillar: cluster
  kinds: [k8s/Deployment]
  severity: low
  check:
    assert: {path: spec.replicas, op: frobnicate, value: 1}
EOF
nscans=$(sql "$DB" "SELECT count(*) FROM scans")
expect_exit 2 "rule pack with unknown operator: usage/runtime error" \
    "$FOURC" scan --db "$DB" --manifests cases/tab --rules badop --format json -o badop.json
expect_stderr_match 'badop/rules\.yaml:[1-7]([^0-9]|$)' "rule pack with unknown operator: stderr names badop/rules.yaml:LINE"
expect_stderr_match 'frobnicate' "rule pack with unknown operator: stderr names the operator"
check_eq "rule pack with unknown operator: exactly one 'fourc: error:' line" 1 "$(grep -c '^fourc: error:' "$ERR")"
check_eq "rule pack with unknown operator: no scan recorded" "$nscans" "$(sql "$DB" "SELECT count(*) FROM scans")"
check "rule pack with unknown operator: no report written" test ! -e badop.json
baseline_intact "rule pack with unknown operator"

# --- 11. --db that is not SQLite -------------------------------------------------------
"$PYTHON" -c 'import os, sys; open(sys.argv[1], "wb").write(b"\x7fNOTSQLITE" + os.urandom(8182))' junk.db
before=$(sha256_of junk.db)
expect_exit 2 "--db with random bytes: scan refuses" "$FOURC" scan --db junk.db --manifests cases/tab
expect_one_error_line "--db with random bytes: one error line naming junk.db" 'junk\.db'
check_eq "--db with random bytes: file unchanged" "$before" "$(sha256_of junk.db)"
check "--db with random bytes: no -wal/-journal/-shm left beside it" \
    test ! -e junk.db-wal -a ! -e junk.db-journal -a ! -e junk.db-shm
expect_exit 2 "--db with random bytes: report refuses too" "$FOURC" report --db junk.db
check_eq "--db with random bytes: still unchanged after report" "$before" "$(sha256_of junk.db)"

# --- 12. database from the future (user_version 99) ------------------------------------------
"$PYTHON" -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA application_id = 0x34436663")
db.execute("PRAGMA user_version = 99")
db.execute("CREATE TABLE future (x)")
db.commit()
db.close()' v99.db
before=$(sha256_of v99.db)
expect_exit 2 "--db with schema version 99: scan refuses" "$FOURC" scan --db v99.db --manifests cases/tab
expect_one_error_line "--db with schema version 99: one error line naming the file and version 99" 'v99\.db.*99|99.*v99\.db'
expect_stderr_match '[Ss]chema|version' "--db with schema version 99: says it is about the schema version"
check_eq "--db with schema version 99: file unchanged" "$before" "$(sha256_of v99.db)"
check_eq "--db with schema version 99: user_version still 99" 99 "$(sql v99.db 'PRAGMA user_version')"

# --- 13. merge keys as kubectl applies them ------------------------------------------
new_case merge
cat >cases/merge/merge.yaml <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: merged-priv
  namespace: e2e
spec:
  selector:
    matchLabels: {app: merged}
  template:
    metadata:
      labels: {app: merged}
    spec:
      containers:
        - name: app
          image: registry.example/app:1.0
          securityContext:
            privileged: false
            <<: {privileged: true}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: tagged-merge
  namespace: e2e
spec:
  selector:
    matchLabels: {app: tagged}
  template:
    metadata:
      labels: {app: tagged}
    spec:
      containers:
        - name: app
          image: registry.example/app:1.0
          securityContext:
            privileged: false
            !!merge <<: [{privileged: true}, {privileged: false}]
EOF
expect_exit 0 "merge after an explicit key: scan runs" "$FOURC" scan --db "$DB" --manifests cases/merge --format json -o merge.json
NEXT_ID=$((NEXT_ID + 1))
jq_ok "merge after an explicit key: privileged is true, as kubectl applies it (K8S-WL-PRIVILEGED fail for both)" merge.json \
    '[f["status"] for f in F(rule="K8S-WL-PRIVILEGED", kind="k8s/Deployment") if f["resource"]["name"] in ("merged-priv", "tagged-merge")] == ["fail", "fail"]'

# --- 14. alias bomb by expanded size: ~560 KB that stands for ~1 GB ------------------
new_case bigbomb
"$PYTHON" -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bigbomb\ndata:\n")
    f.write("  a: &a \"" + "x" * (512 << 10) + "\"\n")
    f.write("  b: [" + ",".join(["*a"] * 2000) + "]\n")
' cases/bigbomb/bomb.yaml
check "alias bomb by size: file under 600 KB ($(wc -c <cases/bigbomb/bomb.yaml | tr -d ' ') bytes)" \
    test "$(wc -c <cases/bigbomb/bomb.yaml | tr -d ' ')" -lt 614400
s0=$(date +%s)
/usr/bin/time -f '%M' -o bigbomb.mem timeout 60 "$FOURC" scan --db bigbomb.db --manifests cases/bigbomb -q >/dev/null 2>&1
s1=$(date +%s)
check "alias bomb by size: peak memory < 200 MB ($(tail -n 1 bigbomb.mem) KB)" \
    test "$(tail -n 1 bigbomb.mem)" -lt 204800
check "alias bomb by size: done in under 20 s ($((s1 - s0)) s)" test $((s1 - s0)) -lt 20
scan_case bigbomb 'bomb\.yaml:7([^0-9]|$)' "alias bomb by expanded size"
expect_stderr_match 'bomb\.yaml:7: .*alias \*a .*limit of 64 MiB' "alias bomb by expanded size: the warning names the limit"

# --- 15. big JSON: over the size cap, and over the node cap ------------------------------
new_case bigjson
truncate -s 300M cases/bigjson/big.json
/usr/bin/time -f '%M' -o bigjson.mem timeout 60 "$FOURC" scan --db bigjson.db --manifests cases/bigjson -q >/dev/null 2>&1
check "300 MB JSON: peak memory < 200 MB ($(tail -n 1 bigjson.mem) KB)" \
    test "$(tail -n 1 bigjson.mem)" -lt 204800
scan_case bigjson 'big\.json:1([^0-9]|$)' "300 MB JSON file"
expect_stderr_match 'big\.json:1: .*limit of 64 MiB' "300 MB JSON file: the warning names the limit"
rm -f cases/bigjson/big.json
"$PYTHON" -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("[" + ",".join(["0"] * 2500000) + "]\n")
' cases/bigjson/nodes.json
/usr/bin/time -f '%M' -o nodes.mem timeout 60 "$FOURC" scan --db nodes.db --manifests cases/bigjson -q >/dev/null 2>&1
check "JSON array of 2.5 M values: peak memory < 200 MB ($(tail -n 1 nodes.mem) KB)" \
    test "$(tail -n 1 nodes.mem)" -lt 204800
scan_case bigjson 'nodes\.json:1([^0-9]|$)' "JSON array of 2.5 M values"
expect_stderr_match 'nodes\.json:1: .*limit of 2000000 nodes' "JSON array of 2.5 M values: the warning names the limit"
rm -f cases/bigjson/nodes.json

# --- 16. FIFOs, devices, symlinks out of the tree: never opened -----------------------------
mkdir -p cases/special outside
good_deployment good-special >cases/special/good.yaml
mkfifo cases/special/fifo.yaml
ln -s /dev/zero cases/special/zero.yaml
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: outside}\ndata: {k: OUTSIDE-CANARY-5b1e}\n' >outside/o.yaml
ln -s "$T/outside/o.yaml" cases/special/out.yaml
expect_exit 0 "FIFO, /dev/zero symlink, symlink out of the tree: scan ends (exit 0)" \
    timeout 60 "$FOURC" scan --db "$DB" --manifests cases/special --format json -o special.json
NEXT_ID=$((NEXT_ID + 1))
check_eq "special files: one stderr warning per path (3)" 3 "$(grep -c '^fourc: warning: .*skipped' "$ERR")"
expect_stderr_match 'fifo\.yaml: skipped: not a regular file' "special files: the FIFO is named"
expect_stderr_match 'zero\.yaml: skipped: symlink leading out' "special files: the /dev/zero symlink is named"
expect_stderr_match 'out\.yaml: skipped: symlink leading out' "special files: the symlink out of the tree is named"
check "special files: the summary counts them" grep -q 'Skipped 2 paths: symlink leading out of the scanned tree' "$OUT"
check_eq "special files: nothing of the outside file is in the database" 0 \
    "$(cat "$DB" "$DB-wal" 2>/dev/null | grep -ac OUTSIDE-CANARY)"
jq_ok "special files: the valid Deployment next to them was scanned" special.json \
    '[f["status"] for f in F(rule="K8S-WL-PRIVILEGED", name="good-special")] == ["pass"]'
expect_exit 2 "FIFO named on the command line: usage error, no hang" \
    timeout 60 "$FOURC" scan --db "$DB" --manifests cases/special/fifo.yaml
expect_one_error_line "FIFO named on the command line: one error line naming it" 'fifo\.yaml.*FIFO'
expect_exit 2 "symlink to /dev/zero named on the command line: usage error, no hang" \
    timeout 60 "$FOURC" scan --db "$DB" --manifests cases/special/zero.yaml
expect_one_error_line "/dev/zero symlink on the command line: one error line naming it" 'zero\.yaml.*device'

# --- 17. dot-files and dot-directories are read, as kubectl apply -f DIR -R reads them ------
mkdir -p cases/dot/.hidden
good_deployment good-dot >cases/dot/good.yaml
good_deployment dotfile >cases/dot/.dot.yaml
printf '          securityContext: {privileged: true}\n' >>cases/dot/.dot.yaml
good_deployment dotdir >cases/dot/.hidden/d.yaml
expect_exit 0 "dot-files: scan runs" "$FOURC" scan --db "$DB" --manifests cases/dot --format json -o dot.json
NEXT_ID=$((NEXT_ID + 1))
jq_ok "dot-files: .dot.yaml judged (privileged: fail) and .hidden/d.yaml judged (pass)" dot.json \
    '[f["status"] for f in F(rule="K8S-WL-PRIVILEGED", name="dotfile")] == ["fail"] and [f["status"] for f in F(rule="K8S-WL-PRIVILEGED", name="dotdir")] == ["pass"]'

baseline_intact "after all cases"
e2e_finish
