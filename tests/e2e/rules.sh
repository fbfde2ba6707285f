#!/bin/sh
# End-to-end: `fourc rules` (test, lint, list, show, import) and rule packs
# added with --rules.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

CIS=$TOP_SRCDIR/checks/rules/cis-kubernetes
FOURC_PACK=$TOP_SRCDIR/checks/rules/fourc
BADPACK=$E2E_DATA/bad-pack
CUSTOM=$E2E_DATA/custom-pack
DB=$T/rules.db

# pack_ids DIR: the rule ids of a pack, one a line, sorted.
pack_ids() {
    "$PYTHON" -c '
import glob, os, sys, yaml
ids = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.yaml"))):
    for rule in yaml.safe_load(open(f)) or []:
        if "view" not in rule:
            ids.append(rule["id"])
print("\n".join(sorted(ids)))' "$1"
}

# --- rules test / lint on the shipped pack -----------------------------------------

pack_ids "$CIS" >cis-ids.txt
ncis=$(wc -l <cis-ids.txt | tr -d ' ')
check "cis-kubernetes pack has rules ($ncis)" test "$ncis" -ge 30

expect_exit 0 "rules test checks/rules/cis-kubernetes" "$FOURC" rules test "$CIS"
cp "$OUT" cis-test.out
cat "$ERR" >>cis-test.out
missing=
while IFS= read -r id; do
    grep -Eq "(^|[[:space:]])$id([[:space:]]|$)" cis-test.out || missing="$missing $id"
done <cis-ids.txt
if [ -z "$missing" ]; then
    ok "rules test reports every one of the $ncis rules of the pack"
else
    not_ok "rules test reports every one of the $ncis rules of the pack"
    diag "not mentioned:$missing"
fi
if "$PYTHON" -c '
import glob, os, re, sys
pack, out = sys.argv[1], open(sys.argv[2]).read().splitlines()
bad = []
for d in sorted(glob.glob(os.path.join(pack, "fixtures", "*"))):
    rid = os.path.basename(d)
    for fx in sorted(os.listdir(d)):
        if not fx.endswith((".yaml", ".yml")):
            continue
        hits = [l for l in out if re.search(r"(^|\s)%s\s" % re.escape(rid), l) and fx in l]
        if not hits:
            bad.append("%s %s not reported" % (rid, fx))
        elif not all(l.startswith("ok") for l in hits):
            bad.append("%s %s: %s" % (rid, fx, hits[0]))
bad and print("\n".join(bad[:10])); sys.exit(1 if bad else 0)' "$CIS" cis-test.out >fx.out 2>&1; then
    ok "rules test reports every fixture file of the pack as ok"
else
    not_ok "rules test reports every fixture file of the pack as ok"
    diag_file fx.out
fi
expect_stdout_match "^$ncis rules tested, 0 problems" "rules test summary: $ncis rules tested, 0 problems"

expect_exit 0 "rules lint checks/rules/cis-kubernetes" "$FOURC" rules lint "$CIS"
expect_stderr_nomatch 'cis-kubernetes/[^ ]*\.yaml:[0-9]+:' "rules lint on the shipped pack lists no problem"
expect_exit 0 "rules lint checks/rules/fourc" "$FOURC" rules lint "$FOURC_PACK"

# --- rules test on every shipped pack, the built-in input rules included ------------
# Each directory under checks/rules is a pack: every rule of it is tested,
# every fixture file reported ok, 0 problems. A pack that fails, that is not
# tested, or a rule without fixtures fails here.

npacks=0
for pack in "$TOP_SRCDIR"/checks/rules/*/; do
    pack=${pack%/}
    name=$(basename "$pack")
    npacks=$((npacks + 1))
    pack_ids "$pack" >"ids-$name.txt"
    n=$(wc -l <"ids-$name.txt" | tr -d ' ')
    check "pack $name has rules ($n)" test "$n" -ge 1
    expect_exit 0 "rules test checks/rules/$name" "$FOURC" rules test "$pack"
    cat "$OUT" "$ERR" >"test-$name.out"
    expect_stdout_match "^$n rules tested, 0 problems\$" "rules test $name: $n rules tested, 0 problems"
    if "$PYTHON" -c '
import glob, os, re, sys
pack, ids, out = sys.argv[1], open(sys.argv[2]).read().split(), open(sys.argv[3]).read().splitlines()
bad = [l for l in out if l.startswith("FAIL")]
for rid in ids:
    if not [l for l in out if l.startswith("ok") and re.search(r"\s%s\s" % re.escape(rid), l)]:
        bad.append("%s: no ok line" % rid)
for d in sorted(glob.glob(os.path.join(pack, "fixtures", "*"))):
    rid = os.path.basename(d)
    if rid not in ids:
        bad.append("fixtures for %s, which the pack does not define" % rid)
    for fx in sorted(os.listdir(d)):
        if not fx.startswith(("pass", "fail")):
            continue
        hits = [l for l in out if re.search(r"\s%s\s" % re.escape(rid), l) and fx in l]
        if not hits or not all(l.startswith("ok") for l in hits):
            bad.append("%s %s: %s" % (rid, fx, hits[0] if hits else "not reported"))
bad and print("\n".join(bad[:10])); sys.exit(1 if bad else 0)' "$pack" "ids-$name.txt" "test-$name.out" >fx.out 2>&1; then
        ok "rules test $name: every rule and every fixture file reported ok"
    else
        not_ok "rules test $name: every rule and every fixture file reported ok"
        diag_file fx.out
    fi
done
check "rules test ran on every shipped pack (cis-docker, cis-kubernetes, fourc: $npacks)" test "$npacks" -ge 3
for want in cis-docker cis-kubernetes fourc; do
    check "pack $want was tested" test -s "test-$want.out"
done
# the input rules cover every pillar a rule may name
for pillar in code container cluster cloud; do
    P=$(echo "$pillar" | tr '[:lower:]' '[:upper:]')
    check "an input rule for the $pillar pillar (FOURC-$P-INPUT)" grep -q "^ok .*FOURC-$P-INPUT .*fail" test-fourc.out
done

# --- lint of a pack with many problems --------------------------------------------

expect_exit 2 "rules lint of tests/e2e/data/bad-pack" "$FOURC" rules lint "$BADPACK"
cat "$OUT" "$ERR" >bad-lint.out
if "$PYTHON" -c '
import re, sys
path, out = sys.argv[1], open(sys.argv[2]).read().splitlines()
WANT = {"missing id": r"id",
        "duplicate id": r"(?i)duplicate",
        "unknown operator": r"frobnicate",
        "bad path": r"a\.\.b",
        "bad regex": r"(?i)regex|regular expression",
        "unknown key": r"severty",
        "bad sql": r"(?i)sql|SELEC|prepare"}
lines = open(path).read().split("\n")
rules = []      # (tag, first line, last line)
tag = None
for i, l in enumerate(lines, 1):
    m = re.match(r"# e2e-expect: (.*)", l)
    if m:
        tag = m.group(1).strip()
    elif l.startswith("- "):
        if rules:
            rules[-1][2] = i - 1
        rules.append([tag, i, len(lines)])
problems = []
for l in out:
    m = re.search(r"(?:^|/)rules\.yaml:(\d+):\s*(.*)", l)
    if m:
        problems.append((int(m.group(1)), l))
bad = []
for tag, a, b in rules:
    inside = [l for n, l in problems if a <= n <= b]
    if tag == "none":
        if inside:
            bad.append("valid rule at lines %d-%d reported: %s" % (a, b, inside[0]))
        continue
    if not [l for l in inside if re.search(WANT[tag], l.split(":", 2)[-1])]:
        bad.append("%s (rule at lines %d-%d) not listed as rules.yaml:LINE" % (tag, a, b))
    else:
        print("listed: %s" % tag)
bad and print("\n".join(bad))
sys.exit(1 if bad else 0)' "$BADPACK/rules.yaml" bad-lint.out >lint-check.out 2>&1; then
    ok "rules lint lists all 7 problems of bad-pack, each as rules.yaml:LINE within the offending rule"
else
    not_ok "rules lint lists all 7 problems of bad-pack, each as rules.yaml:LINE within the offending rule"
    grep -v '^listed' lint-check.out | sed 's/^/#   /'
    diag "lint output:"
    diag_file bad-lint.out 12
fi
check "rules lint names the pack file by path in every problem line" \
    test "$(grep -c 'bad-pack/rules\.yaml:[0-9][0-9]*:' bad-lint.out)" -ge 7

expect_exit 2 "scan with --rules bad-pack refuses to run" "$FOURC" scan --db badpack.db --manifests "$EXAMPLES/shop" --rules "$BADPACK"
expect_stderr_match 'rules\.yaml:[0-9]+' "scan with --rules bad-pack: stderr names rules.yaml:LINE"
if [ ! -e badpack.db ] || [ "$(sql badpack.db 'SELECT count(*) FROM scans' 2>/dev/null || echo 0)" = 0 ]; then
    ok "scan with --rules bad-pack: no scan recorded"
else
    not_ok "scan with --rules bad-pack: no scan recorded"
fi

# --- list / show ----------------------------------------------------------------------

expect_exit 0 "rules list" "$FOURC" rules list --db "$DB"
expect_stdout_match 'K8S-WL-PRIVILEGED.*5\.2\.2' "rules list shows K8S-WL-PRIVILEGED with CIS 5.2.2"
expect_stdout_match '^FOURC-CLUSTER-INPUT[[:space:]]' "rules list shows the built-in FOURC-CLUSTER-INPUT"
missing=
while IFS= read -r id; do
    grep -q "^${id}[[:space:]]" "$OUT" || missing="$missing $id"
done <cis-ids.txt
if [ -z "$missing" ]; then ok "rules list lists every rule of cis-kubernetes"; else not_ok "rules list lists every rule of cis-kubernetes"; diag "missing:$missing"; fi
check "rules list does not create the database it was pointed at" test ! -e "$DB"

expect_exit 0 "rules show K8S-WL-PRIVILEGED" "$FOURC" rules show K8S-WL-PRIVILEGED --db "$DB"
cp "$OUT" show.out
expect_stdout_match 'cis-kubernetes.*5\.2\.2' "rules show: frameworks list cis-kubernetes 5.2.2"
expect_stdout_match 'nsa-cisa-kubernetes' "rules show: frameworks list nsa-cisa-kubernetes"
expect_stdout_match 'nist-800-190' "rules show: frameworks list nist-800-190"
expect_stdout_match '^[[:space:]]*[Rr]emediation' "rules show: has a remediation section"
remed=$("$PYTHON" -c '
import glob, sys, yaml
for f in glob.glob(sys.argv[1] + "/*.yaml"):
    for r in yaml.safe_load(open(f)) or []:
        if r.get("id") == "K8S-WL-PRIVILEGED":
            print(" ".join(r["remediation"].split())[:60])' "$CIS")
if [ -n "$remed" ] && tr -s ' \n' '  ' <show.out | grep -qF -- "$remed"; then
    ok "rules show prints the rule's remediation text"
else
    not_ok "rules show prints the rule's remediation text"
    diag "looked for: $remed"
fi
expect_exit 2 "rules show NOPE" "$FOURC" rules show NOPE --db "$DB"
expect_one_error_line "rules show NOPE: one error line naming NOPE" 'NOPE'

# --- custom pack: --rules for one scan, import for every scan ----------------------------

expect_exit 0 "rules lint of the custom pack" "$FOURC" rules lint "$CUSTOM"
expect_exit 0 "rules test of the custom pack" "$FOURC" rules test "$CUSTOM"
expect_stdout_match 'E2E-CM-OWNER' "rules test of the custom pack reports E2E-CM-OWNER"
FIX=$CUSTOM/fixtures/E2E-CM-OWNER

expect_exit 0 "scan with --rules custom-pack" "$FOURC" scan --db once.db --manifests "$FIX" --rules "$CUSTOM" --format json -o once1.json
jq_ok "--rules custom-pack: E2E-CM-OWNER fails for orphan, passes for owned" once1.json \
    'sorted((f["resource"]["name"], f["status"]) for f in F(rule="E2E-CM-OWNER")) == [("orphan", "fail"), ("owned", "pass")]'
expect_exit 0 "a later scan without --rules" "$FOURC" scan --db once.db --manifests "$FIX" --format json -o once2.json
jq_ok "--rules adds the pack to that one scan only (no E2E-CM-OWNER later)" once2.json 'not F(rule="E2E-CM-OWNER")'

expect_exit 0 "scan before import" "$FOURC" scan --db "$DB" --manifests "$FIX" --format json -o pre.json
jq_ok "before import: no E2E-CM-OWNER findings" pre.json 'not F(rule="E2E-CM-OWNER")'
expect_exit 0 "rules import tests/e2e/data/custom-pack" "$FOURC" rules import "$CUSTOM" --db "$DB"
expect_exit 0 "rules list after import" "$FOURC" rules list --db "$DB"
expect_stdout_match '^E2E-CM-OWNER[[:space:]]' "rules list shows the imported rule"
expect_exit 0 "rules show E2E-CM-OWNER after import" "$FOURC" rules show E2E-CM-OWNER --db "$DB"
expect_stdout_match 'e2e-remediation-marker' "rules show of the imported rule shows its remediation"
expect_exit 0 "scan without --rules after import" "$FOURC" scan --db "$DB" --manifests "$FIX" --format json -o post.json
jq_ok "after import: E2E-CM-OWNER fails for orphan, passes for owned" post.json \
    'sorted((f["resource"]["name"], f["status"]) for f in F(rule="E2E-CM-OWNER")) == [("orphan", "fail"), ("owned", "pass")]'
jq_ok "after import: the findings carry the rule's frameworks, severity and remediation" post.json '
all(f["frameworks"] == {"e2e-catalogue": ["E2E.1"]} and f["severity"] == "high" and "e2e-remediation-marker" in f["remediation"] for f in F(rule="E2E-CM-OWNER"))'
sid=$(jq_py post.json 'print(r["scan"]["id"])')
check_eq "after import: the rules table holds E2E-CM-OWNER of pack custom-pack" "E2E-CM-OWNER|custom-pack" \
    "$(sql "$DB" "SELECT DISTINCT rule_id, pack FROM {R} WHERE rule_id = 'E2E-CM-OWNER'")"
check_eq "after import: stored findings record the imported rule's hash" 0 \
    "$(sql "$DB" "SELECT count(*) FROM {F} WHERE scan_id = ? AND rule_id = 'E2E-CM-OWNER' AND rule_hash NOT IN (SELECT hash FROM {R} WHERE rule_id = 'E2E-CM-OWNER')" "$sid")"
check_eq "after import: 2 stored findings for E2E-CM-OWNER" 2 \
    "$(sql "$DB" "SELECT count(*) FROM {F} WHERE scan_id = ? AND rule_id = 'E2E-CM-OWNER'" "$sid")"
jq_ok "after import: the built-in rules still run too" post.json 'len(F(rule="K8S-NS-DEFAULT")) == 2'
# Importing the same pack again must not double the rule.
expect_exit 0 "rules import of the same pack again" "$FOURC" rules import "$CUSTOM" --db "$DB"
expect_exit 0 "scan after the second import" "$FOURC" scan --db "$DB" --manifests "$FIX" --format json -o post2.json
jq_ok "after importing twice: still one E2E-CM-OWNER finding per ConfigMap" post2.json \
    'sorted((f["resource"]["name"], f["status"]) for f in F(rule="E2E-CM-OWNER")) == [("orphan", "fail"), ("owned", "pass")]'

expect_exit 2 "rules import of bad-pack refuses" "$FOURC" rules import "$BADPACK" --db "$DB"
expect_stderr_match 'rules\.yaml:[0-9]+' "rules import of bad-pack names rules.yaml:LINE"
check_eq "rules import of bad-pack stores none of its rules" 0 \
    "$(sql "$DB" "SELECT count(*) FROM {R} WHERE rule_id LIKE 'E2E-GOOD' OR rule_id LIKE 'E2E-BAD%' OR rule_id LIKE 'E2E-UNKNOWN%'")"

# --- sabotaged fixtures make rules test fail -------------------------------------------------

cp -R "$CUSTOM" sab-pass
cp sab-pass/fixtures/E2E-CM-OWNER/fail.yaml sab-pass/fixtures/E2E-CM-OWNER/pass.yaml
run "$FOURC" rules test sab-pass
if [ "$RC" -ne 0 ]; then ok "rules test fails (exit $RC) when a pass fixture actually fails"; else not_ok "rules test fails when a pass fixture actually fails"; diag_last; fi
if cat "$OUT" "$ERR" | grep -v '^ok' | grep -q 'E2E-CM-OWNER.*pass\.yaml'; then
    ok "rules test names the rule and the broken pass.yaml"
else
    not_ok "rules test names the rule and the broken pass.yaml"
    diag_last
fi

cp -R "$CUSTOM" sab-fail
cp sab-fail/fixtures/E2E-CM-OWNER/pass.yaml sab-fail/fixtures/E2E-CM-OWNER/fail.yaml
run "$FOURC" rules test sab-fail
if [ "$RC" -ne 0 ]; then ok "rules test fails (exit $RC) when a fail fixture actually passes"; else not_ok "rules test fails when a fail fixture actually passes"; diag_last; fi

cp -R "$CUSTOM" sab-none
rm -rf sab-none/fixtures
run "$FOURC" rules test sab-none
if [ "$RC" -ne 0 ]; then ok "rules test fails (exit $RC) when a rule has no fixtures"; else not_ok "rules test fails when a rule has no fixtures"; diag_last; fi

# The shipped pack, with one rule's pass fixture swapped for its fail one.
cp -R "$CIS" cis-sab
cp cis-sab/fixtures/K8S-WL-PRIVILEGED/fail.yaml cis-sab/fixtures/K8S-WL-PRIVILEGED/pass.yaml
run "$FOURC" rules test cis-sab
if [ "$RC" -ne 0 ] && cat "$OUT" "$ERR" | grep -v '^ok' | grep -q 'K8S-WL-PRIVILEGED'; then
    ok "rules test on a copy of cis-kubernetes with a sabotaged K8S-WL-PRIVILEGED fixture fails (exit $RC) naming the rule"
else
    not_ok "rules test on a copy of cis-kubernetes with a sabotaged K8S-WL-PRIVILEGED fixture fails naming the rule"
    diag_last
fi

# SQL rules may use SQLite's JSON table functions on documents (docs/rules.md
# suggests json_each), and may not write.
mkdir -p jsonpack writepack
cat >jsonpack/r.yaml <<'YAML'
- id: X-CONTAINER-COUNT
  title: Deployments run at most one container
  pillar: cluster
  kinds: [k8s/Deployment]
  severity: low
  check:
    sql: |
      SELECT r.uid, CASE WHEN count(j.value) > 1 THEN 'fail' ELSE 'pass' END,
             count(j.value) || ' containers'
      FROM scan_resources r, json_each(r.doc, '$.spec.template.spec.containers') j
      WHERE r.kind = 'k8s/Deployment' GROUP BY r.uid
YAML
run "$FOURC" scan --db jsonpack.db --manifests "$TOP_SRCDIR/examples/manifests/shop" --rules jsonpack -q --format json -o jsonpack.json
if [ "$RC" -eq 0 ] && grep -q '"rule":"X-CONTAINER-COUNT"[^}]*"status":"pass","message":"1 containers"' jsonpack.json &&
    ! grep -q '"rule":"X-CONTAINER-COUNT"[^}]*"status":"error"' jsonpack.json; then
    ok "an SQL rule using json_each evaluates (pass, '1 containers')"
else
    not_ok "an SQL rule using json_each evaluates"
    diag_file jsonpack.json
fi

# --- kinds and control ids checked at lint, import and --rules ---------------------

mkdir -p typokind badctl ownfw
cat >typokind/kinds.yaml <<'YAML'
- id: X-TYPO-KIND
  title: t
  pillar: cluster
  severity: low
  kinds:
    - k8s/Pod
    - k8s/Deploymnet
  check: {path: metadata.name, op: exists}
YAML
cat >badctl/ids.yaml <<'YAML'
- id: X-BAD-CONTROL
  title: t
  pillar: cluster
  severity: low
  kinds: [k8s/Pod]
  frameworks:
    nsa-cisa-kubernetes: [pod-security]
    cis-kubernetes: ["5.2.2", "5.2.13"]
  check: {path: metadata.name, op: exists}
YAML
cat >ownfw/own.yaml <<'YAML'
- id: X-OWN-FRAMEWORK
  title: t
  pillar: cluster
  severity: low
  kinds: [k8s/Pod]
  frameworks:
    acme-policy: ["ACME-7"]
    cis-kubernetes: ["1.2.20"]
  check: {path: metadata.name, op: exists}
YAML
expect_exit 2 "rules lint: a typo'd kind is a problem" "$FOURC" rules lint typokind
expect_stderr_match '^typokind/kinds\.yaml:7: rule X-TYPO-KIND: no collector emits kind k8s/Deploymnet \(did you mean k8s/Deployment\?\)$' \
    "rules lint names the file:line of the typo'd kind and the kind meant"
expect_exit 2 "rules lint: a control id the catalogue lacks is a problem" "$FOURC" rules lint badctl
expect_stderr_match '^badctl/ids\.yaml:8: rule X-BAD-CONTROL: frameworks\.cis-kubernetes: "5\.2\.13" is not a control of CIS Kubernetes Benchmark v1\.12\.0' \
    "rules lint names the file:line of the unknown control id"
expect_exit 2 "rules import refuses a pack with a typo'd kind" "$FOURC" rules import --db ctl.db typokind
expect_stderr_match 'kinds\.yaml:7: .*k8s/Deploymnet' "rules import says where the typo'd kind is"
expect_exit 2 "rules import refuses a pack with an unknown control id" "$FOURC" rules import --db ctl.db badctl
expect_stderr_match 'ids\.yaml:8: .*"5\.2\.13"' "rules import says where the unknown control id is"
expect_exit 2 "scan --rules refuses a pack with a typo'd kind" "$FOURC" scan --db ctl.db -q \
    --manifests "$TOP_SRCDIR/examples/manifests/shop" --rules typokind
expect_stderr_match 'kinds\.yaml:7: .*k8s/Deploymnet' "scan --rules says where the typo'd kind is"
expect_exit 2 "scan --rules refuses a pack with an unknown control id" "$FOURC" scan --db ctl.db -q \
    --manifests "$TOP_SRCDIR/examples/manifests/shop" --rules badctl
expect_stderr_match 'ids\.yaml:8: .*"5\.2\.13"' "scan --rules says where the unknown control id is"
expect_exit 0 "rules lint: a framework without a catalogue is taken as written" "$FOURC" rules lint ownfw
expect_stdout_match '^note: no catalogue for acme-policy: those ids are not checked$' \
    "rules lint notes which frameworks' ids went unchecked"
expect_exit 0 "rules lint of the shipped packs: every id in its catalogue" \
    "$FOURC" rules lint "$CIS" "$TOP_SRCDIR/checks/rules/cis-docker" "$FOURC_PACK"
expect_stdout_match '^note: no catalogue for dockle, hadolint: those ids are not checked$' \
    "the shipped packs cite only dockle and hadolint without a catalogue"

# --- rules coverage ------------------------------------------------------------------

expect_exit 0 "rules coverage cis-kubernetes" "$FOURC" rules coverage cis-kubernetes
check_eq "coverage counts for CIS Kubernetes v1.12" \
    "131 controls: 121 automated, 10 manual, 0 not covered" "$(tail -n 1 "$OUT")"
expect_stdout_match '^5\.2\.9 +automated +manual +Minimize the admission of containers with capabilities assigned$' \
    "coverage lists 5.2.9 under its v1.12 title as automated"
expect_stdout_match '^ +K8S-WL-CAPABILITIES-REVIEW \(manual\)$' "coverage marks manual rules"
expect_stdout_match '^5\.3\.1 +manual +manual +Ensure that the CNI in use supports NetworkPolicies$' \
    "a control with only manual rules is manual"
expect_stdout_match '^1\.2\.1 +automated +manual +Ensure that the --anonymous-auth argument is set to false$' \
    "a control CIS calls Manual that a rule decides is automated"
if grep -q '5\.2\.13' "$OUT"; then not_ok "coverage has no 5.2.13 (5.2 ends at 5.2.12 in v1.12)"; else ok "coverage has no 5.2.13 (5.2 ends at 5.2.12 in v1.12)"; fi
expect_exit 0 "rules coverage cis-docker" "$FOURC" rules coverage cis-docker
check_eq "coverage counts for CIS Docker v1.6.0" \
    "117 controls: 7 automated, 4 manual, 106 not covered" "$(tail -n 1 "$OUT")"
expect_stdout_match '^1\.1\.1 +none +automated +Ensure a separate partition for containers has been created$' \
    "a control no rule names is not covered"
expect_exit 0 "rules coverage nist-800-190" "$FOURC" rules coverage nist-800-190
check_eq "coverage counts for NIST SP 800-190" \
    "23 controls: 17 automated, 3 manual, 3 not covered" "$(tail -n 1 "$OUT")"
expect_exit 0 "rules coverage nsa-cisa-kubernetes --format json" \
    "$FOURC" rules coverage --format json nsa-cisa-kubernetes
cp "$OUT" nsa-coverage.json
jq_ok "coverage JSON: counts and every control" nsa-coverage.json \
    'r["schema"] == "fourc.coverage/v1" and r["counts"] == {"controls": 28, "automated": 7, "manual": 0, "none": 21} and len(r["controls"]) == 28'
jq_ok "coverage JSON: a control's rules with automated flags" nsa-coverage.json \
    '[c for c in r["controls"] if c["id"] == "image-security"][0]["rules"][0] == {"id": "K8S-IMG-PROVENANCE", "automated": False} and [c for c in r["controls"] if c["id"] == "image-security"][0]["coverage"] == "automated"'
expect_exit 0 "rules coverage counts packs added with --rules" \
    "$FOURC" rules coverage --rules ownfw cis-kubernetes
check_eq "a pack that decides 1.2.20 moves it from manual to automated" \
    "131 controls: 122 automated, 9 manual, 0 not covered" "$(tail -n 1 "$OUT")"
expect_exit 2 "rules coverage of a framework without a catalogue" "$FOURC" rules coverage acme-policy
expect_one_error_line "rules coverage: unknown framework is one line naming the known ones" \
    "no catalogue for framework 'acme-policy' \(known: cis-kubernetes, cis-docker, nsa-cisa-kubernetes, nist-800-190, cis-aws\)"

# --- reports show control titles ---------------------------------------------------

mkdir -p titles
cat >titles/pod.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: priv, namespace: shop}
spec:
  containers:
    - name: c
      image: registry.example.com/app@sha256:0000000000000000000000000000000000000000000000000000000000000000
      securityContext: {privileged: true}
YAML
run "$FOURC" scan --db titles.db -q --manifests titles
check "scan of a privileged pod for control titles runs" test "$RC" -le 1
fourc report --db titles.db --format json -o titles.json
jq_ok "JSON by_framework: framework title, control titles and counts, section titles" titles.json \
    'r["summary"]["by_framework"]["cis-kubernetes"]["title"] == "CIS Kubernetes Benchmark v1.12.0" and r["summary"]["by_framework"]["cis-kubernetes"]["controls"]["5.2.2"]["title"] == "Minimize the admission of privileged containers" and sum(r["summary"]["by_framework"]["cis-kubernetes"]["controls"]["5.2.2"][s] for s in ("pass", "fail", "error", "manual", "skip", "waived")) == len([f for f in FS if "5.2.2" in f["frameworks"].get("cis-kubernetes", [])]) and r["summary"]["by_framework"]["cis-kubernetes"]["sections"]["5.2"] == "Pod Security Standards"'
fourc report --db titles.db --format markdown -o titles.md
if grep -q '^| 5\.2\.2 | Minimize the admission of privileged containers | ' titles.md &&
    grep -q '^#### cis-kubernetes: CIS Kubernetes Benchmark v1\.12\.0$' titles.md; then
    ok "markdown: per-framework tables show control titles"
else
    not_ok "markdown: per-framework tables show control titles"
    diag_file titles.md
fi
fourc report --db titles.db --format sarif -o titles.sarif
jq_ok "SARIF: rule properties carry each control with its title" titles.sarif \
    'any(c == {"framework": "cis-kubernetes", "id": "5.2.2", "title": "Minimize the admission of privileged containers"} for run in r["runs"] for rule in run["tool"]["driver"]["rules"] for c in rule["properties"].get("controls", []))'
fourc report --db titles.db --format html -o titles.html
if grep -q 'Minimize the admission of privileged containers' titles.html && grep -q "'ctitle'" titles.html; then
    ok "HTML: the control tree carries control titles"
else
    not_ok "HTML: the control tree carries control titles"
fi
# --- cis-kubernetes RBAC and namespace rules: verdicts a fixture cannot pin ---
mkdir -p k8sev
cat >k8sev/rbac.yaml <<'YAML'
# An aggregationRule fourc cannot evaluate (operator Gt): error, not pass.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agg-unknown}
aggregationRule:
  clusterRoleSelectors:
  - matchExpressions: [{key: x, operator: Gt, values: ["1"]}]
---
# apiGroups is not a list: error, not pass.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: bad-rules}
rules: [{apiGroups: "", resources: [pods], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: agg-binding}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: agg-unknown}
subjects: [{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]
---
# The real bootstrap cluster-admin is skipped; a look-alike is judged.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: cluster-admin
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:anything
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
# Aggregation is transitive: top <- mid <- leaf (nodes/proxy).
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: top}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg-to: top}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: mid, labels: {agg-to: top}}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg-to: mid}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: leaf, labels: {agg-to: mid}}
rules: [{apiGroups: [""], resources: [nodes/proxy], verbs: [get]}]
YAML
run "$FOURC" scan --db k8sev.db --manifests k8sev -q
k8s_status() { sql k8sev.db "SELECT status FROM findings_v WHERE rule_id = ? AND uid = ?" "$1" "$2"; }
check_eq "an aggregationRule with an operator fourc cannot evaluate is an error (K8S-RBAC-NODES-PROXY)" \
    error "$(k8s_status K8S-RBAC-NODES-PROXY rbac.authorization.k8s.io/ClusterRole//agg-unknown)"
check_eq "rules with apiGroups not a list are an error (K8S-RBAC-CREATE-PODS)" \
    error "$(k8s_status K8S-RBAC-CREATE-PODS rbac.authorization.k8s.io/ClusterRole//bad-rules)"
check_eq "a binding to an unresolvable aggregated role is an error (K8S-RBAC-CLUSTER-ADMIN)" \
    error "$(k8s_status K8S-RBAC-CLUSTER-ADMIN rbac.authorization.k8s.io/ClusterRoleBinding//agg-binding)"
check_eq "the bootstrap cluster-admin ClusterRole is skipped (K8S-RBAC-WILDCARD)" \
    skip "$(k8s_status K8S-RBAC-WILDCARD rbac.authorization.k8s.io/ClusterRole//cluster-admin)"
check_eq "system:anything with the bootstrap label is judged (K8S-RBAC-WILDCARD fails)" \
    fail "$(k8s_status K8S-RBAC-WILDCARD rbac.authorization.k8s.io/ClusterRole//system:anything)"
check_eq "aggregation is transitive: top gets leaf's nodes/proxy through mid" \
    "fail fail fail" "$(k8s_status K8S-RBAC-NODES-PROXY rbac.authorization.k8s.io/ClusterRole//top) $(k8s_status K8S-RBAC-NODES-PROXY rbac.authorization.k8s.io/ClusterRole//mid) $(k8s_status K8S-RBAC-NODES-PROXY rbac.authorization.k8s.io/ClusterRole//leaf)"

# Helm-style output: two undeclared namespaces and the implicit default;
# each judged once, on an object in it, for 5.3.2 and Pod Security Admission.
mkdir -p k8sns
cat >k8sns/app.yaml <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: b-config, namespace: shop}
data: {mode: prod}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: a-web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "registry.example.com/web:1.0"}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: payments}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: v1
kind: Service
metadata: {name: stray}
spec: {ports: [{port: 80}]}
YAML
run "$FOURC" scan --db k8sns.db --manifests k8sns -q
check_eq "K8S-NS-NETWORKPOLICY judges each named namespace once, on its first object by kind and name" \
    "core/Service/default/stray|fail
networking.k8s.io/NetworkPolicy/payments/deny|pass
core/ConfigMap/shop/b-config|fail" \
    "$(sql k8sns.db "SELECT uid, status FROM findings_v WHERE rule_id = 'K8S-NS-NETWORKPOLICY' ORDER BY namespace")"
check_eq "K8S-NS-PSA-ENFORCE fails the three undeclared namespaces" \
    "3" "$(sql k8sns.db "SELECT count(*) FROM findings_v WHERE rule_id = 'K8S-NS-PSA-ENFORCE' AND status = 'fail' AND message LIKE '%is not declared in the input%'")"

e2e_finish
