#!/bin/sh
# End-to-end: the SQLite store. Scan ids count up from 1, the database is
# in WAL mode, and a scan killed with SIGKILL leaves the database intact,
# the earlier scans readable, and itself marked incomplete.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

DB=$T/store.db
GEN=$TOP_SRCDIR/benchmarks/gen_cluster.py

# --- ids and WAL ---------------------------------------------------------------

expect_exit 0 "first scan of a fresh database (shop/)" "$FOURC" scan --db "$DB" --manifests "$EXAMPLES/shop" -q
check_eq "first scan has id 1" "1|complete" "$(sql "$DB" 'SELECT id, status FROM scans')"
check_eq "database is in WAL mode" wal "$(sql "$DB" 'PRAGMA journal_mode')"
check_eq "database carries fourc's application_id 0x34436663" 876832355 "$(sql "$DB" 'PRAGMA application_id')"
uv=$(sql "$DB" 'PRAGMA user_version')
check "database has a schema version (user_version $uv >= 1)" test "${uv:-0}" -ge 1
check "database has the documented tables (scans, resources, findings, rules)" \
    test "$(sql "$DB" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('scans', 'resources', 'findings', 'rules')")" = 4
check "scans and resources have the documented columns; findings and rules are queryable by rule, rule hash, resource uid, status, severity, fingerprint" "$PYTHON" -c "$E2E_PY_DB"'
db = sqlite3.connect(sys.argv[1])
want = {"scans": {"id", "status"},
        "resources": {"scan_id", "uid", "kind", "name", "namespace", "source", "doc", "sha256"}}
bad = []
for t, cols in want.items():
    have = set(_cols(db, t))
    if not cols <= have:
        bad.append("%s lacks %s" % (t, sorted(cols - have)))
try:
    db.execute("SELECT * FROM " + findings_q(db) + " LIMIT 1").fetchall()
    db.execute("SELECT * FROM " + rules_q(db) + " LIMIT 1").fetchall()
except (Exception, SystemExit) as e:
    bad.append(str(e))
bad and print("\n".join(bad)); sys.exit(1 if bad else 0)' "$DB"

expect_exit 0 "second scan (legacy namespace file)" "$FOURC" scan --db "$DB" --manifests "$EXAMPLES/legacy/namespace.yaml" -q
check_eq "scan ids count up: 1, 2" "1 2" "$(sql "$DB" 'SELECT id FROM scans ORDER BY id' | tr '\n' ' ' | sed 's/ $//')"
fourc report --db "$DB" --scan latest --format json -o latest.json
jq_ok "report --scan latest names scan 2" latest.json 'r["scan"]["id"] == 2'
# A separate database counts from 1 on its own.
expect_exit 0 "scan into a second database" "$FOURC" scan --db other.db --manifests "$EXAMPLES/shop" -q
check_eq "scan ids count from 1 in each database" 1 "$(sql other.db 'SELECT max(id) FROM scans')"

# --- SIGKILL mid-scan -------------------------------------------------------------

n_before=$(sql "$DB" 'SELECT count(*) FROM {F} WHERE scan_id = 2')
digest_before=$(scan_digest "$DB" 2)
check "the earlier scan 2 has findings ($n_before)" test "${n_before:-0}" -gt 0

killed=
objects=20000
for attempt in 1 2 3; do
    rm -rf big
    if ! "$PYTHON" "$GEN" --objects "$objects" --out big -q >gen.log 2>&1; then
        not_ok "generate $objects objects with benchmarks/gen_cluster.py"
        diag_file gen.log
        break
    fi
    "$FOURC" scan --db "$DB" --manifests big -q >bigscan.out 2>bigscan.err &
    pid=$!
    sleep 1
    if kill -0 "$pid" 2>/dev/null; then
        # Still running: the scan row must be there by now.
        kill -9 "$pid"
        wait "$pid" 2>/dev/null
        rc=$?
        killed=yes
        check_eq "big scan ($objects objects) was still running after 1 s and died of SIGKILL" 137 "$rc"
        break
    fi
    wait "$pid"
    echo "# scan of $objects objects finished within 1 s; retrying bigger"
    objects=$((objects * 4))
done
rm -rf big

if [ -z "$killed" ]; then
    not_ok "could not kill a scan mid-way (it always finished within 1 s)"
else
    check_eq "PRAGMA integrity_check after SIGKILL" ok "$(sql "$DB" 'PRAGMA integrity_check' 2>&1)"
    check_eq "earlier scan 2 intact after SIGKILL (findings and resources unchanged)" "$digest_before" "$(scan_digest "$DB" 2)"
    kid=$(sql "$DB" 'SELECT max(id) FROM scans')
    check_eq "killed scan got the next id (3)" 3 "$kid"
    check_eq "killed scan is marked running in scans" running "$(sql "$DB" 'SELECT status FROM scans WHERE id = ?' "$kid")"
    check_eq "killed scan has no findings" 0 "$(sql "$DB" 'SELECT count(*) FROM {F} WHERE scan_id = ?' "$kid")"

    fourc report --db "$DB" --scan latest --format json -o after-kill.json
    check_eq "report --scan latest exits 0 after the kill" 0 "$RC"
    jq_ok "report --scan latest still gives the earlier complete scan 2 with its $n_before findings" after-kill.json \
        'r["scan"]["id"] == 2 and r["scan"]["status"] == "complete" and len(FS) == int(A[0])' "$n_before"

    expect_exit 2 "report --scan $kid (killed) fails" "$FOURC" report --db "$DB" --scan "$kid"
    expect_one_error_line "report --scan $kid: one error line saying the scan is incomplete" "incomplete"
    expect_stderr_match "(scan )?$kid" "report --scan $kid: the error names the scan"
    expect_empty "$OUT" "report --scan $kid: nothing on stdout"

    expect_exit 0 "a new scan after the kill succeeds" "$FOURC" scan --db "$DB" --manifests "$EXAMPLES/shop" --format json -o new.json -q
    check_eq "the new scan gets the next id ($((kid + 1))) and is complete" "$((kid + 1))|complete" \
        "$(sql "$DB" 'SELECT id, status FROM scans ORDER BY id DESC LIMIT 1')"
    jq_ok "the new scan's report names id $((kid + 1))" new.json 'r["scan"]["id"] == int(A[0])' "$((kid + 1))"
    fourc report --db "$DB" --scan latest --format json -o latest2.json
    jq_ok "report --scan latest now gives the new scan" latest2.json 'r["scan"]["id"] == int(A[0])' "$((kid + 1))"
    check_eq "killed scan is still running-and-empty afterwards (not reused, not half-filled)" "running|0" \
        "$(sql "$DB" 'SELECT status, (SELECT count(*) FROM {F} WHERE scan_id = ?) FROM scans WHERE id = ?' "$kid" "$kid")"
    check_eq "integrity_check after the new scan" ok "$(sql "$DB" 'PRAGMA integrity_check' 2>&1)"
fi

# --- nonexistent scan ids ----------------------------------------------------------
expect_exit 2 "report --scan 999 (no such scan)" "$FOURC" report --db "$DB" --scan 999
expect_one_error_line "report --scan 999: one error line naming 999" '999'
expect_exit 2 "report --scan abc (not an id)" "$FOURC" report --db "$DB" --scan abc
expect_one_error_line "report --scan abc: one error line" 'abc'

# --- a scan's findings: one range of row ids, recorded with the scan ----------------
# (no index on findings.scan_id: reports read the range)
R=$T/range.db
"$FOURC" scan --db "$R" --manifests "$EXAMPLES/shop" -q
"$FOURC" scan --db "$R" --manifests "$EXAMPLES/legacy" -q
"$FOURC" scan --db "$R" --manifests "$EXAMPLES/shop" -q
check_eq "each scan records its findings' range, and it holds exactly them" \
    "1|1|1 2|1|1 3|1|1" \
    "$(sql "$R" "SELECT s.id, (SELECT count(*) FROM findings f WHERE f.scan_id = s.id) = s.last_finding - s.first_finding + 1, (SELECT min(id) = s.first_finding AND max(id) = s.last_finding FROM findings f WHERE f.scan_id = s.id) FROM scans s ORDER BY s.id" | tr '\n' ' ' | sed 's/ $//')"
check_eq "findings have no index on scan_id" 0 \
    "$(sql "$R" "SELECT count(*) FROM sqlite_master WHERE name = 'findings_scan'")"
"$FOURC" report --db "$R" --scan 1 --format json -o r1.json
"$FOURC" report --db "$R" --scan 3 --format json -o r3.json
check "scans 1 and 3 (same input) report the same findings; scan 2's are not in them" \
    "$PYTHON" -c 'import json, sys
a, b = (json.load(open(f))["findings"] for f in sys.argv[1:3])
key = lambda f: (f["rule"], f["resource"]["uid"], f["status"], f["fingerprint"])
sys.exit(0 if sorted(map(key, a)) == sorted(map(key, b)) and a and
         not any("legacy" in f["resource"]["uid"] for f in a) else 1)' r1.json r3.json
# a database of schema 3 (an index on scan_id, no ranges) is migrated
cp "$R" r3db.db
"$PYTHON" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("ALTER TABLE scans DROP COLUMN target_info; ALTER TABLE scans DROP COLUMN first_finding; ALTER TABLE scans DROP COLUMN last_finding; CREATE INDEX findings_scan ON findings(scan_id); PRAGMA user_version = 3;")
db.commit()' r3db.db
expect_exit 0 "a schema-3 database: report --scan 2 migrates it" "$FOURC" report --db r3db.db --scan 2 --format json -o m2.json
"$FOURC" report --db "$R" --scan 2 --format json -o r2.json
check "the migrated scan reports what it did before" cmp -s m2.json r2.json
check_eq "the migration recorded the ranges" \
    "$(sql "$R" "SELECT id, first_finding, last_finding FROM scans ORDER BY id" | tr '\n' ' ')" \
    "$(sql r3db.db "SELECT id, first_finding, last_finding FROM scans ORDER BY id" | tr '\n' ' ')"

e2e_finish
