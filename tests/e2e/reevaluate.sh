#!/bin/sh
# End-to-end: `fourc scan --reevaluate ID`. Scan the examples (manifests,
# Dockerfiles, the OCI image) and a target that fails, then judge the
# stored scan again: with the same rules every finding is the same (rule,
# uid, status, message, evidence, fingerprint); with an extra pack its
# rules' findings appear and the rest stay the same; nothing is collected
# again (the targets may be gone); the new scan records what it
# re-evaluates and reports render it; bad ids and target options are
# usage errors.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

DB=$T/re.db
EX=$TOP_SRCDIR/examples

# The examples copied, so that removing them proves nothing is read again;
# plus an OCI layout whose index is broken (a failed target).
cp -R "$EX" ex
mkdir -p bad.oci
echo '{"imageLayoutVersion":"1.0.0"}' >bad.oci/oci-layout
echo '{' >bad.oci/index.json

# findings DB SCAN: one line per finding, sorted, of what must not change.
findings() {
    sql "$1" "SELECT rule_id, uid, status, message, coalesce(evidence, ''), fingerprint FROM findings_v WHERE scan_id = ? ORDER BY 1, 2, 6" "$2"
}

expect_exit 0 "scan the examples and a broken image" "$FOURC" scan --db "$DB" -q \
    --manifests ex/manifests --dockerfile ex/dockerfiles --image oci:ex/images/shop-api.oci \
    --image oci:bad.oci
findings "$DB" 1 >f1
n1=$(wc -l <f1 | tr -d ' ')
check "the first scan has findings ($n1)" test "$n1" -gt 100
check "the broken image's target recorded its failure" \
    test "$(sql "$DB" "SELECT count(*) FROM resources WHERE scan_id = 1 AND failed LIKE '%index.json%'")" = 1
rm -rf ex bad.oci

# --- (a) same rules: identical findings -----------------------------------------
expect_exit 0 "--reevaluate 1 with the targets gone" "$FOURC" scan --db "$DB" --reevaluate 1 --format json -o re2.json
expect_stdout_match '^Re-evaluated the resources of scan 1$' "the summary names the scan re-evaluated"
expect_stdout_match 'stored as scan 2 in' "the summary names the new scan"
findings "$DB" 2 >f2
check "same rules: the same findings (rule, uid, status, message, evidence, fingerprint)" cmp -s f1 f2
if ! cmp -s f1 f2; then diff f1 f2 | head -n 10 | sed 's/^/#   /'; fi
check_eq "scan 2 records that it re-evaluates scan 1, and scan 1's targets" "1|1" \
    "$(sql "$DB" "SELECT s.reevaluates, s.targets = o.targets FROM scans s JOIN scans o ON o.id = 1 WHERE s.id = 2")"
check_eq "scan 2 stored the same resources (uid, kind, target, document)" \
    "$(sql "$DB" "SELECT uid, kind, target, sha256 FROM resources WHERE scan_id = 1 ORDER BY id")" \
    "$(sql "$DB" "SELECT uid, kind, target, sha256 FROM resources WHERE scan_id = 2 ORDER BY id")"
check_eq "scan 2 recorded the broken target's failure again" \
    "$(sql "$DB" "SELECT failed FROM resources WHERE scan_id = 1 AND failed IS NOT NULL")" \
    "$(sql "$DB" "SELECT failed FROM resources WHERE scan_id = 2 AND failed IS NOT NULL")"
jq_ok "the JSON report written by the re-evaluation is of scan 2 and holds its findings" re2.json \
    'len(FS) == int(A[0])' "$n1"

# --- (b) an extra pack: its findings appear, the rest is the same ----------------
mkdir pack
cat >pack/extra.yaml <<'YAML'
- id: E2E-REEVAL-TEAM
  title: Deployments name their team
  pillar: cluster
  kinds: [k8s/Deployment]
  severity: low
  level: 1
  automated: true
  description: Every Deployment carries a team label.
  rationale: Someone must answer for every workload.
  remediation: Add a team label.
  check:
    assert: {path: 'metadata.labels.team', op: exists}
- id: E2E-REEVAL-SQL
  title: Dockerfiles counted
  pillar: code
  kinds: [code/Dockerfile]
  severity: info
  level: 1
  automated: true
  description: A cross-resource rule, run at the end of the scan.
  rationale: SQL rules judge the stored scan.
  remediation: None.
  check:
    sql: |
      SELECT uid, 'fail', 'seen by the extra pack' FROM scan_resources
      WHERE kind = 'code/Dockerfile'
YAML
expect_exit 0 "--reevaluate latest --rules pack (a new rule of each sort)" \
    "$FOURC" scan --db "$DB" --reevaluate latest --rules pack -q
findings "$DB" 3 >f3
grep -v '^E2E-REEVAL-' f3 >f3rest
check "with an extra pack the other findings are the same" cmp -s f1 f3rest
if ! cmp -s f1 f3rest; then diff f1 f3rest | head -n 10 | sed 's/^/#   /'; fi
ndep=$(sql "$DB" "SELECT count(*) FROM resources WHERE scan_id = 1 AND kind = 'k8s/Deployment'")
ndf=$(sql "$DB" "SELECT count(*) FROM resources WHERE scan_id = 1 AND kind = 'code/Dockerfile'")
check "the examples have Deployments ($ndep) and Dockerfiles ($ndf)" test "$ndep" -gt 0 -a "$ndf" -gt 0
check_eq "the new check rule judged every Deployment" "$ndep" "$(grep -c '^E2E-REEVAL-TEAM|' f3)"
check_eq "the new SQL rule judged every Dockerfile" "$ndf" "$(grep -c '^E2E-REEVAL-SQL|.*|fail|seen by the extra pack|' f3)"
check_eq "scan 3 re-evaluates scan 2 (latest)" 2 "$(sql "$DB" "SELECT reevaluates FROM scans WHERE id = 3")"
check_eq "scan 3 ran the new rule version" 1 \
    "$(sql "$DB" "SELECT count(*) FROM scan_rules s JOIN rules r ON r.id = s.rule_ref WHERE s.scan_id = 3 AND r.rule_id = 'E2E-REEVAL-TEAM'")"

# --- reports and the gate of the new scan ---------------------------------------
for f in json html sarif junit csv markdown; do
    expect_exit 0 "report --scan 3 --format $f" "$FOURC" report --db "$DB" --scan 3 --format "$f" -o "r3.$f"
    check "report --scan 3 --format $f wrote something" test -s "r3.$f"
done
grep -q 'E2E-REEVAL-TEAM' r3.json
check "the JSON report of scan 3 holds the new rule's findings" test $? -eq 0
expect_exit 1 "--reevaluate with --fail-on critical: the gate as in a scan" \
    "$FOURC" scan --db "$DB" --reevaluate 1 --fail-on critical -q
expect_exit 0 "diff --from 1 --to 2: nothing new" "$FOURC" diff --db "$DB" --from 1 --to 2

# --- a database from before re-evaluation (schema 2) ------------------------------
# Its scans did not record their targets' failures: the migration takes
# them from the findings, so re-evaluating an old scan keeps them errors.
cp "$DB" v2.db
"$PYTHON" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("ALTER TABLE scans DROP COLUMN target_info; ALTER TABLE resources DROP COLUMN failed; ALTER TABLE scans DROP COLUMN reevaluates; ALTER TABLE scans DROP COLUMN first_finding; ALTER TABLE scans DROP COLUMN last_finding; CREATE INDEX findings_scan ON findings(scan_id); PRAGMA user_version = 2;")
db.commit()' v2.db
expect_exit 0 "--reevaluate 1 on a schema-2 database (migrated)" "$FOURC" scan --db v2.db --reevaluate 1 -q
new=$(sql v2.db "SELECT max(id) FROM scans")
findings v2.db "$new" >fv2
check "a scan stored before the migration, re-evaluated: the same findings, its failed target still error" cmp -s f1 fv2
if ! cmp -s f1 fv2; then diff f1 fv2 | head -n 10 | sed 's/^/#   /'; fi
check_eq "the migration recorded the failed target of scan 1 from its findings" 1 \
    "$(sql v2.db "SELECT count(*) FROM resources WHERE scan_id = 1 AND failed LIKE '%\"kinds\":null%index.json%'")"

# --- (c), (d) errors ---------------------------------------------------------------
before=$(sql "$DB" "SELECT count(*) FROM scans")
expect_exit 2 "--reevaluate 99 (no such scan)" "$FOURC" scan --db "$DB" --reevaluate 99
expect_one_error_line "--reevaluate 99: one line naming the scan" 'no scan 99'
expect_exit 2 "--reevaluate x (not an id)" "$FOURC" scan --db "$DB" --reevaluate x
expect_one_error_line "--reevaluate x: one line naming the option and value" '^fourc: error: --reevaluate x: expected a scan id' 
check_eq "no scan was recorded for them" "$before" "$(sql "$DB" "SELECT count(*) FROM scans")"
expect_exit 2 "--reevaluate 1 --manifests DIR" "$FOURC" scan --db "$DB" --reevaluate 1 --manifests "$EX/manifests"
expect_one_error_line "--reevaluate with --manifests: one line naming the option" 'reevaluate.*--manifests'
expect_exit 2 "--reevaluate 1 --platform linux/arm64 (a target option)" "$FOURC" scan --db "$DB" --reevaluate 1 --platform linux/arm64
expect_one_error_line "--reevaluate with --platform: one line naming it" 'reevaluate.*--platform'
check_eq "no scan was recorded for them either" "$before" "$(sql "$DB" "SELECT count(*) FROM scans")"
expect_exit 2 "--reevaluate on a missing database" "$FOURC" scan --db nothere.db --reevaluate latest
expect_one_error_line "missing database: one line naming it" 'nothere\.db'
check "a missing database is not created" test ! -e nothere.db

e2e_finish
