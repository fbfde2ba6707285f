#!/bin/sh
# End-to-end: `fourc diff`. Scan a small manifest directory (v1), change
# it (v2: one privileged container fixed, one Deployment deleted, one moved
# to another file with blank lines so its line numbers change, one made
# malformed so passes become errors, one non-compliant Deployment added),
# scan again, and check every category against the database, in every
# format, plus the default scan choice, --fail-on and the error cases.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

D=$E2E_DATA/diff
DB=$T/diff.db

# Python: the categories computed straight from the database, to compare
# with what fourc diff says. cats(db, a, b) -> {cat: set((rule, uid))}.
ORACLE='
import sqlite3
FAILING = ("fail", "error")
def cats(path, a, b):
    db = sqlite3.connect("file:" + path + "?mode=ro", uri=True)
    def load(s):
        return {fp: (rule, uid, st) for fp, rule, uid, st in db.execute(
            "SELECT fingerprint, rule_id, uid, status FROM findings_v WHERE scan_id = ?", (s,))}
    A, B = load(a), load(b)
    out = {k: set() for k in ("new", "fixed", "unchanged", "changed", "gone", "only_from", "only_to")}
    for fp in set(A) | set(B):
        fa, fb = A.get(fp), B.get(fp)
        key = (fb or fa)[:2]
        sa, sb = fa and fa[2], fb and fb[2]
        if sb in FAILING and sa not in FAILING:
            out["new"].add(key)
        if sa in FAILING and (sb is None or sb == "pass"):
            out["fixed"].add(key)
            if sb is None:
                out["gone"].add(key)
        if sa in FAILING and sb in FAILING:
            out["unchanged"].add(key)
        if sa and sb and sa != sb:
            out["changed"].add(key)
        if not fb:
            out["only_from"].add(key)
        if not fa:
            out["only_to"].add(key)
    return out
def got(r, cat):
    return set((f["rule"], f["resource"]["uid"]) for f in r[cat])
'

# --- two scans ----------------------------------------------------------------

cp -R "$D/v1" m
expect_exit 0 "scan 1: v1 manifests" "$FOURC" scan --db "$DB" --manifests m -q
rm -rf m
cp -R "$D/v2" m
expect_exit 0 "scan 2: v2 manifests (fixed, deleted, moved, malformed, added)" \
    "$FOURC" scan --db "$DB" --manifests m -q
check_eq "web moved: its source changed from m/web.yaml:2 to m/apps/frontend.yaml:16" \
    "m/web.yaml:2 m/apps/frontend.yaml:16" \
    "$(sql "$DB" "SELECT source FROM resources WHERE name = 'web' AND kind = 'k8s/Deployment' ORDER BY scan_id" | tr '\n' ' ' | sed 's/ $//')"

# --- JSON: shape, counts, exact categories -------------------------------------

expect_exit 0 "diff --from 1 --to 2 --format json -o d12.json" \
    "$FOURC" diff --db "$DB" --from 1 --to 2 --format json -o d12.json
expect_empty "$OUT" "with -o, nothing on stdout"

jq_assert "JSON has the fourc.diff/v1 shape" d12.json '
bad = []
if r.get("schema") != "fourc.diff/v1": bad.append("schema")
for k in ("from", "to"):
    for f in ("id", "started", "finished", "status", "targets"):
        if f not in r.get(k, {}): bad.append(k + "." + f)
if r["from"]["id"] != 1 or r["to"]["id"] != 2: bad.append("ids")
for k in ("new", "fixed", "unchanged", "changed", "only_in_from", "only_in_to",
          "fixed_now_passes", "fixed_resource_gone"):
    if not isinstance(r["summary"].get(k), int): bad.append("summary." + k)
item_keys = {"rule", "title", "severity", "pillar", "status", "message",
             "from_status", "to_status", "resource", "fingerprint"}
for cat in ("new", "fixed", "unchanged", "changed"):
    if r["summary"][cat] != len(r[cat]): bad.append("count of " + cat)
    for f in r[cat]:
        if not item_keys <= set(f): bad.append("%s item lacks %s" % (cat, item_keys - set(f)))
        if set(f["resource"]) != {"kind", "uid", "name", "namespace", "source"}:
            bad.append("resource keys")
        if not re.fullmatch("sha256:[0-9a-f]{64}", f["fingerprint"]): bad.append("fingerprint")
        if f["severity"] not in SEV: bad.append("severity")
for f in r["changed"]:
    if f["from_status"] == f["to_status"] or f["from_status"] is None: bad.append("changed statuses")
for f in r["fixed"]:
    if f.get("fixed_by") not in ("now_passes", "resource_gone"): bad.append("fixed_by")
print(bad); OK = not bad'

jq_assert "every category equals the database's, exactly (by rule and resource uid)" d12.json "$ORACLE
want = cats(A[0], 1, 2)
bad = []
for cat in ('new', 'fixed', 'unchanged', 'changed'):
    if got(r, cat) != want[cat]:
        bad.append((cat, 'missing', sorted(want[cat] - got(r, cat)), 'extra', sorted(got(r, cat) - want[cat])))
if len(r['new']) != len(got(r, 'new')): bad.append('duplicates')
s = r['summary']
if s['only_in_from'] != len(want['only_from']) or s['only_in_to'] != len(want['only_to']): bad.append('only counts')
if s['fixed_resource_gone'] != len(want['gone']): bad.append('gone count')
gone = set((f['rule'], f['resource']['uid']) for f in r['fixed'] if f['fixed_by'] == 'resource_gone')
if gone != want['gone']: bad.append('gone set')
print(bad); OK = not bad and all(len(want[c]) for c in ('new', 'fixed', 'unchanged', 'changed'))" "$DB"

WEB=apps/Deployment/shop/web
jq_assert "fixed privileged container: K8S-WL-PRIVILEGED on api is fixed, now passes" d12.json '
f = [x for x in r["fixed"] if x["rule"] == "K8S-WL-PRIVILEGED"]
print(f)
OK = len(f) == 1 and f[0]["resource"]["uid"] == "apps/Deployment/shop/api" and \
    f[0]["fixed_by"] == "now_passes" and f[0]["from_status"] == "fail" and f[0]["to_status"] == "pass"'
jq_assert "deleted Deployment: all of worker's failing findings (HOSTPID among them) are fixed, resource gone, and nowhere else" d12.json '
w = [x for x in r["fixed"] if x["resource"]["name"] == "worker"]
print(len(w), [x["rule"] for x in w])
OK = len(w) >= 5 and all(x["fixed_by"] == "resource_gone" and x["to_status"] is None for x in w) and \
    "K8S-WL-HOSTPID" in [x["rule"] for x in w] and \
    not [x for c in ("new", "unchanged", "changed") for x in r[c] if x["resource"]["name"] == "worker"]'
jq_assert "new non-compliant Deployment: K8S-WL-HOSTNETWORK on rogue is new, high, fail" d12.json '
f = [x for x in r["new"] if x["rule"] == "K8S-WL-HOSTNETWORK"]
print(f)
OK = len(f) == 1 and f[0]["resource"]["name"] == "rogue" and f[0]["severity"] == "high" and \
    f[0]["status"] == "fail" and f[0]["from_status"] is None'
jq_assert "moved object: web's findings are all unchanged, with the new source, none new, fixed or changed" d12.json "
w = [x for x in r['unchanged'] if x['resource']['uid'] == '$WEB']
other = [x for c in ('new', 'fixed', 'changed') for x in r[c] if x['resource']['uid'] == '$WEB']
print(len(w), other)
OK = len(w) >= 5 and not other and 'K8S-WL-IMAGE-TAG' in [x['rule'] for x in w] and \
    all(x['resource']['source'] == 'm/apps/frontend.yaml:16' for x in w)"
jq_assert "malformed object: K8S-WL-PRIVILEGED on batch is a status change pass -> error, and new" d12.json '
c = [x for x in r["changed"] if x["rule"] == "K8S-WL-PRIVILEGED" and x["resource"]["name"] == "batch"]
n = [x for x in r["new"] if x["rule"] == "K8S-WL-PRIVILEGED" and x["resource"]["name"] == "batch"]
print(c, n)
OK = len(c) == 1 and c[0]["from_status"] == "pass" and c[0]["to_status"] == "error" and \
    c[0]["status"] == "error" and len(n) == 1'
jq_assert "malformed object: a fail -> error on batch is unchanged (still failing) and a status change" d12.json '
u = [x for x in r["unchanged"] if x["rule"] == "K8S-WL-RUN-AS-ROOT" and x["resource"]["name"] == "batch"]
c = [x for x in r["changed"] if x["rule"] == "K8S-WL-RUN-AS-ROOT" and x["resource"]["name"] == "batch"]
print(u, c)
OK = len(u) == 1 and len(c) == 1 and c[0]["from_status"] == "fail" and c[0]["to_status"] == "error"'

# --- text ------------------------------------------------------------------------

expect_exit 0 "diff --from 1 --to 2 (text)" "$FOURC" diff --db "$DB" --from 1 --to 2
n_new=$(jq_py d12.json 'print(r["summary"]["new"])')
n_fixed=$(jq_py d12.json 'print(r["summary"]["fixed"])')
n_unch=$(jq_py d12.json 'print(r["summary"]["unchanged"])')
n_chg=$(jq_py d12.json 'print(r["summary"]["changed"])')
expect_stdout_match "^New findings \($n_new\)" "text: 'New findings ($n_new)' section"
expect_stdout_match "^Fixed findings \($n_fixed\)" "text: 'Fixed findings ($n_fixed)' section"
expect_stdout_match "^Unchanged findings \($n_unch\)" "text: 'Unchanged findings ($n_unch)' section"
expect_stdout_match "^Status changes \($n_chg\)" "text: 'Status changes ($n_chg)' section"
expect_stdout_match "^  high +K8S-WL-HOSTNETWORK +k8s/Deployment/shop/rogue +m/rogue\.yaml:[0-9]+ +spec\.template\.spec\.hostNetwork is true" \
    "text: one line per finding: severity, rule, kind/namespace/name, source, message"
expect_stdout_match "K8S-WL-PRIVILEGED +k8s/Deployment/shop/api .*now passes" "text: fixed finding says 'now passes'"
expect_stdout_match "K8S-WL-HOSTPID +k8s/Deployment/shop/worker .*resource gone" "text: fixed finding of a deleted object says 'resource gone'"
expect_stdout_match "K8S-WL-PRIVILEGED +k8s/Deployment/shop/batch .*pass -> error" "text: the pass -> error change is shown with both statuses"
expect_stdout_match "^$n_new new, $n_fixed fixed, $n_unch unchanged" "text: a summary line with the counts"
check_eq "text: the line break in a container name does not split a finding's line" 0 \
    "$(grep -c '^car' "$OUT")"

# --- Markdown ------------------------------------------------------------------------

expect_exit 0 "diff --format markdown -o d12.md" "$FOURC" diff --db "$DB" --from 1 --to 2 --format markdown -o d12.md
cp d12.md "$OUT"
expect_stdout_match "^\| New \| $n_new \|" "markdown: counts table with New = $n_new"
expect_stdout_match "^\| Fixed \| $n_fixed \|" "markdown: counts table with Fixed = $n_fixed"
expect_stdout_match "^### New findings \($n_new\)" "markdown: a table of new findings"
expect_stdout_match "^### Fixed findings \($n_fixed\)" "markdown: a table of fixed findings"
expect_stdout_match "^\| high \| K8S-WL-HOSTNETWORK \| k8s/Deployment shop/rogue \|" "markdown: row of the new HOSTNETWORK finding"
expect_stdout_match "rogue\\\\\|side<br>car" "markdown: | and a line break in a message are escaped (\\| and <br>)"
check "markdown: every table row has exactly its 6 cells (no unescaped | inside a cell)" "$PYTHON" -c '
import re, sys
bad = [l for l in open(sys.argv[1], encoding="utf-8") if l.startswith("| ") and len(re.findall(r"(?<!\\)\|", l)) not in (3, 7)]
bad and print(bad[:3]); sys.exit(1 if bad else 0)' d12.md

# Many new findings: the tables stop at 100 rows with "... and K more".
mkdir many
cp "$D/v1/namespace.yaml" many/
expect_exit 0 "scan of a namespace alone (many.db, scan 1)" "$FOURC" scan --db many.db --manifests many -q
i=0
while [ $i -lt 12 ]; do
    sed "s/name: rogue$/name: rogue$i/; s/app: rogue}/app: rogue$i}/" "$D/v2/rogue.yaml" >"many/rogue$i.yaml"
    i=$((i + 1))
done
expect_exit 0 "scan with 12 new Deployments (many.db, scan 2)" "$FOURC" scan --db many.db --manifests many -q
expect_exit 1 "diff --format markdown --fail-on high (many.db)" "$FOURC" diff --db many.db --format markdown --fail-on high
n_many=$(grep -E '^### New findings' "$OUT" | sed 's/.*(\([0-9]*\)).*/\1/')
check "more than 100 new findings to cap ($n_many)" test "${n_many:-0}" -gt 100
check_eq "markdown: the new table holds 100 rows" 100 \
    "$(sed -n '/^### New findings/,/^### Fixed/p' "$OUT" | grep -c '^| [a-z]* | ')"
expect_stdout_match "^… and $((n_many - 100)) more" "markdown: '… and $((n_many - 100)) more' after the capped table"

# --- --fail-on, identical rescan, default scans ----------------------------------

expect_exit 1 "--fail-on high: a new high finding (exit 1)" "$FOURC" diff --db "$DB" --from 1 --to 2 --fail-on high
expect_stderr_match "new findings? at or above high" "--fail-on says why it exits 1"
expect_exit 0 "diff --from 1 --to 2 without --fail-on exits 0" "$FOURC" diff --db "$DB" --from 1 --to 2

expect_exit 0 "scan 3: the same v2 manifests again" "$FOURC" scan --db "$DB" --manifests m -q
expect_exit 0 "identical rescan with --fail-on high: exit 0" "$FOURC" diff --db "$DB" --fail-on info --format json -o d23.json
jq_ok "defaults: --to latest (3), --from the scan before it of the same targets (2)" d23.json \
    'r["from"]["id"] == 2 and r["to"]["id"] == 3'
jq_ok "identical rescan: nothing new, fixed or changed; every failing finding unchanged" d23.json \
    'r["summary"]["new"] == 0 and r["summary"]["fixed"] == 0 and r["summary"]["changed"] == 0 and r["summary"]["only_in_from"] == 0 and r["summary"]["only_in_to"] == 0 and r["summary"]["unchanged"] == len(r["unchanged"]) > 0'
expect_exit 0 "diff --to 2 picks --from 1" "$FOURC" diff --db "$DB" --to 2 --format json -o d2.json
jq_ok "diff --to 2: from 1, to 2" d2.json 'r["from"]["id"] == 1 and r["to"]["id"] == 2'

# A scan of other targets: no earlier scan of the same targets.
expect_exit 0 "scan 4: other targets (m/rogue.yaml alone)" "$FOURC" scan --db "$DB" --manifests m/rogue.yaml -q
expect_exit 2 "diff with latest of other targets and no --from" "$FOURC" diff --db "$DB"
expect_one_error_line "no earlier scan of the same targets: one clear line" "no complete scan of the same targets before scan 4.*--from"
# Alone, rogue.yaml names namespace shop without declaring it: the namespace
# is judged on the Deployment (K8S-NS-NETWORKPOLICY, K8S-NS-PSA-ENFORCE), the
# only new findings.
expect_exit 1 "--from 3 --to 4 compares other targets when asked (the undeclared namespace is new: exit 1 with --fail-on info)" \
    "$FOURC" diff --db "$DB" --from 3 --to 4 --fail-on info
expect_stdout_match "^New findings \(2\):" "--from 3 --to 4: two new findings, the namespace rules on rogue"
expect_stdout_match "K8S-NS-PSA-ENFORCE +k8s/Deployment/shop/rogue .*namespace shop is not declared in the input" \
    "--from 3 --to 4: the undeclared namespace shop is judged on rogue"
expect_stdout_match "K8S-WL-HOSTPID|K8S-WL-PRIVILEGED +k8s/Deployment/shop/batch .*resource gone" "--from 3 --to 4: objects outside the other target are resource gone"

# An incomplete scan (as a killed scan leaves it) of the same targets.
"$PYTHON" -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO scans (started, status, targets, tool_version) SELECT started, '"'running'"', targets, tool_version FROM scans WHERE id = 3")
db.commit()' "$DB"
check_eq "scan 5 is a running (incomplete) scan" "5|running" "$(sql "$DB" 'SELECT id, status FROM scans WHERE id = 5')"
expect_exit 2 "diff --to 5 (incomplete)" "$FOURC" diff --db "$DB" --to 5
expect_one_error_line "incomplete --to: one clear line" "scan 5 .*incomplete"
expect_exit 2 "diff --from 5 --to 3 (incomplete)" "$FOURC" diff --db "$DB" --from 5 --to 3
expect_one_error_line "incomplete --from: one clear line" "--from 5.*incomplete"
expect_exit 0 "scan 6: v2 manifests again" "$FOURC" scan --db "$DB" --manifests m -q
expect_exit 0 "diff defaults after an incomplete and a foreign scan" "$FOURC" diff --db "$DB" --format json -o d6.json
jq_ok "default --from skips the incomplete scan 5 and the other targets' scan 4: 3 -> 6" d6.json \
    'r["from"]["id"] == 3 and r["to"]["id"] == 6'

# --- errors ----------------------------------------------------------------------

expect_exit 2 "unknown --from id" "$FOURC" diff --db "$DB" --from 99 --to 2
expect_one_error_line "unknown id: one clear line" "--from 99.*no scan 99"
expect_exit 2 "unknown --to id" "$FOURC" diff --db "$DB" --to 42
expect_one_error_line "unknown --to id: one clear line" "no scan 42"
expect_exit 2 "--from abc" "$FOURC" diff --db "$DB" --from abc
expect_one_error_line "bad id: usage error" "--from abc"
expect_exit 2 "--format xml" "$FOURC" diff --db "$DB" --format xml
expect_one_error_line "unknown format: usage error" "--format xml"
expect_exit 2 "--fail-on severe" "$FOURC" diff --db "$DB" --fail-on severe
expect_one_error_line "bad --fail-on: usage error" "--fail-on severe"
expect_exit 2 "unexpected argument" "$FOURC" diff --db "$DB" extra
expect_exit 2 "no database" "$FOURC" diff --db "$T/none.db"
expect_one_error_line "no database: one clear line" "no database at"
test -e "$T/none.db" && not_ok "diff created a database" || ok "diff does not create a missing database"
expect_exit 2 "-o to an unwritable path" "$FOURC" diff --db "$DB" --from 1 --to 2 -o "$T/no/such/dir/d.json"
expect_one_error_line "unwritable -o: one clear line naming the path" "cannot write $T/no/such/dir/d.json"
expect_exit 0 "diff --help" "$FOURC" diff --help
expect_stdout_match "^Usage: fourc diff" "--help prints the usage"

e2e_finish
