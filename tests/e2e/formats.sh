#!/bin/sh
# End-to-end: the SARIF, JUnit XML, CSV and Markdown reports.
#
#  - golden files (tests/e2e/golden/formats.*) rendered from a fixed scan
#    of tests/e2e/data/formats/manifests with the pack beside it; the
#    builtin packs' findings are deleted from that stored scan first, so
#    the goldens change only when these reporters (or the engine's own
#    wording) change. Volatile fields (times, version, rule hashes, the
#    rules digest, the temporary directory) are normalised.
#    The JSON report has one too (formats.json). Regenerate them with
#      (cd _build/dev && UPDATE_GOLDEN=1 make check TESTS=tests/e2e/formats.sh)
#    and review the diff before committing.
#  - every format checked with a real reader: SARIF against the official
#    2.1.0 JSON schema (python3 jsonschema), JUnit with ElementTree, CSV
#    with the csv module (and byte-exact RFC 4180 re-serialisation),
#    Markdown table shapes; counts compared with the JSON report;
#  - hostile finding text (markup, quotes, commas, newlines, ]]>, control
#    characters, invalid UTF-8, spreadsheet formulas, table pipes);
#  - an empty scan, an unknown scan id, an output path that cannot be
#    written.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

FMT=$E2E_DATA/formats
GOLDEN=$TOP_SRCDIR/tests/e2e/golden
SCHEMA=$TOP_SRCDIR/docs/schemas/sarif-schema-2.1.0.json
[ -f "$SCHEMA" ] || SCHEMA=$TOP_SRCDIR/../shared/schemas/sarif-schema-2.1.0.json
FORMATS="sarif junit csv markdown"

# ext FORMAT: the file name ending of a format's golden and outputs.
ext() {
    case $1 in
    junit) echo junit.xml ;;
    markdown) echo md ;;
    *) echo "$1" ;;
    esac
}

# The checks in Python: fmtcheck.py WHAT ARGS... exits 0 when it holds and
# prints why not otherwise.
cat >"$T/fmtcheck.py" <<'PYEOF'
import csv, io, json, re, sys
import xml.etree.ElementTree as ET

what, args = sys.argv[1], sys.argv[2:]
fail = []

def load(p):
    with open(p, "rb") as fh:
        return json.loads(fh.read().decode("utf-8"))

def file_line(src):
    m = re.match(r"^(.+):([0-9]+)$", src or "")
    return bool(m) and "://" not in src and int(m.group(2)) >= 1

def sarif_expected(r):
    return [f for f in r["findings"]
            if f["status"] in ("fail", "error", "waived")
            and not f["resource"]["kind"].startswith("fourc/")
            and file_line(f["resource"]["source"])]

XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
def xml_text(s):
    return XML_BAD.sub("\ufffd", s)

def csv_text(s):
    if s and s[0] in "=+-@\t\r" and not re.match(r"^[-+]?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$", s):
        return "'" + s
    return s

def md_cells(line):
    # split a table row on pipes that are not backslash-escaped
    cells, cur, i = [], "", 0
    line = line.strip()
    assert line.startswith("|") and line.endswith("|") and not line.endswith("\\|"), line
    line = line[1:-1]
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            cur += line[i:i + 2]; i += 2; continue
        if line[i] == "|":
            cells.append(cur); cur = ""
        else:
            cur += line[i]
        i += 1
    cells.append(cur)
    return [c.strip() for c in cells]

if what == "sarif-schema":
    import jsonschema
    schema = load(args[0])
    doc = load(args[1])
    v = jsonschema.Draft4Validator(schema)
    errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
    for e in errs[:5]:
        fail.append("%s: %s" % ("/".join(map(str, e.path)), e.message[:300]))

elif what == "sarif":
    r, s = load(args[0]), load(args[1])
    run = s["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    res = run["results"]
    want = sarif_expected(r)
    if s.get("version") != "2.1.0" or len(s["runs"]) != 1:
        fail.append("version or runs wrong")
    if len(res) != len(want):
        fail.append("%d results, JSON report has %d fail/error/waived findings with a file:line" % (len(res), len(want)))
    byfp = {f["fingerprint"][7:]: f for f in want}
    lv = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
    ids = [x["id"] for x in rules]
    if sorted(set(ids)) != sorted(set(f["rule"] for f in want)):
        fail.append("rules %s but results of %s" % (ids, sorted(set(f["rule"] for f in want))))
    for x in res:
        f = byfp.get(x["partialFingerprints"]["fourc/v1"])
        if not f:
            fail.append("result without a finding: %s" % x["partialFingerprints"]); continue
        if rules[x["ruleIndex"]]["id"] != x["ruleId"] or x["ruleId"] != f["rule"]:
            fail.append("ruleIndex/ruleId mismatch for %s" % x["ruleId"])
        msg = ("Not evaluated: " if f["status"] == "error" else "") + (f["message"] or f["title"])
        if x["message"]["text"] != msg:
            fail.append("message %r != %r" % (x["message"]["text"], msg))
        level = "error" if f["status"] == "error" else lv[f["severity"]]
        if x["level"] != level:
            fail.append("level %s for %s %s" % (x["level"], f["status"], f["severity"]))
        loc = x["locations"][0]["physicalLocation"]
        src = f["resource"]["source"]
        line = int(src.rsplit(":", 1)[1])
        if loc["region"]["startLine"] != line:
            fail.append("startLine %s for %s" % (loc["region"]["startLine"], src))
        uri = loc["artifactLocation"]["uri"]
        if " " in uri or "\\" in uri:
            fail.append("uri not encoded: %r" % uri)
        if src.startswith("/") != uri.startswith("file:///"):
            fail.append("uri %s for source %s" % (uri, src))
        if not src.startswith("/") and loc["artifactLocation"].get("uriBaseId") != "%SRCROOT%":
            fail.append("relative uri without %%SRCROOT%%: %s" % uri)
    for x in rules:
        p = x["properties"]
        if not re.match(r"^[0-9]+\.[0-9]$", p["security-severity"]) or not x["help"]["text"]:
            fail.append("rule %s: properties %s" % (x["id"], p))

elif what == "junit":
    r = load(args[0])
    root = ET.parse(args[1]).getroot()
    s = r["summary"]
    exp = {"tests": s["total"], "failures": s["fail"], "errors": s["error"],
           "skipped": s["manual"] + s["skip"] + s["waived"]}
    if root.tag != "testsuites":
        fail.append("root is %s" % root.tag)
    for k, v in exp.items():
        if int(root.get(k, -1)) != v:
            fail.append("testsuites %s=%s, JSON report says %d" % (k, root.get(k), v))
    cases = root.findall("./testsuite/testcase")
    if len(cases) != len(r["findings"]):
        fail.append("%d testcases for %d findings" % (len(cases), len(r["findings"])))
    for suite in root.findall("testsuite"):
        cs = suite.findall("testcase")
        got = {"tests": len(cs), "failures": len(suite.findall("testcase/failure")),
               "errors": len(suite.findall("testcase/error")),
               "skipped": len(suite.findall("testcase/skipped"))}
        for k, v in got.items():
            if int(suite.get(k)) != v:
                fail.append("suite %s: %s=%s but %d elements" % (suite.get("name"), k, suite.get(k), v))
        if any(c.get("classname") != suite.get("name") for c in cs):
            fail.append("suite %s has a testcase of another class" % suite.get("name"))
    tag = {"fail": "failure", "error": "error", "manual": "skipped", "skip": "skipped", "waived": "skipped"}
    for f, c in zip(r["findings"], cases):
        if c.get("classname") != f["rule"]:
            fail.append("testcase order: %s for %s" % (c.get("classname"), f["rule"])); break
        t = tag.get(f["status"])
        kids = list(c)
        if t is None:
            if kids:
                fail.append("pass testcase with children: %s" % c.get("name"))
            continue
        if len(kids) != 1 or kids[0].tag != t:
            fail.append("%s finding as %s" % (f["status"], [k.tag for k in kids])); continue
        want = xml_text(f["message"]) if t != "skipped" else xml_text(f["status"] + ": " + f["message"])
        if kids[0].get("message") != want:
            fail.append("message %r != %r" % (kids[0].get("message"), want))
        if t != "skipped" and (kids[0].get("type") != f["severity"] or not kids[0].text.startswith(xml_text(f["message"]))):
            fail.append("%s type/body wrong: %r" % (t, kids[0].attrib))

elif what == "csv":
    r = load(args[0])
    raw = open(args[1], "rb").read()
    text = raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    head = "rule,title,severity,pillar,status,kind,namespace,name,source,message,evidence_path,actual,expected,frameworks,remediation,fingerprint".split(",")
    if not rows or rows[0] != head:
        fail.append("header %r" % (rows[:1],))
    body = rows[1:]
    if len(body) != len(r["findings"]):
        fail.append("%d rows for %d findings" % (len(body), len(r["findings"])))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    if buf.getvalue() != text:
        fail.append("not byte-identical to an RFC 4180 writer's output of the same rows")
    for f, row in zip(r["findings"], body):
        d = dict(zip(head, row))
        if len(row) != len(head):
            fail.append("row of %d fields" % len(row)); continue
        fw = ";".join("%s:%s" % (k, i) for k, ids in f["frameworks"].items() for i in ids)
        exp = {"rule": f["rule"], "status": f["status"], "severity": f["severity"],
               "message": csv_text(f["message"]), "title": csv_text(f["title"]),
               "remediation": csv_text(f["remediation"]),
               "name": csv_text(f["resource"]["name"] or ""),
               "source": csv_text(f["resource"]["source"] or ""),
               "frameworks": fw, "fingerprint": f["fingerprint"]}
        for k, v in exp.items():
            if d[k] != v:
                fail.append("%s: %r != %r" % (k, d[k], v))

elif what == "markdown":
    r = load(args[0])
    lines = open(args[1], encoding="utf-8").read().split("\n")
    s = r["summary"]
    text = "\n".join(lines)
    if "<" in text or ">" in text.replace("&gt;", ""):
        fail.append("a raw < or > reaches the page")
    st = {}
    for l in lines:
        m = re.match(r"^\| (pass|fail|error|manual|skip|waived) \| ([0-9]+) \|$", l)
        if m:
            st[m.group(1)] = int(m.group(2))
    for k in ("pass", "fail", "error", "manual", "skip", "waived"):
        if st.get(k) != s[k]:
            fail.append("status table %s=%s, JSON report %d" % (k, st.get(k), s[k]))
    try:
        i = lines.index("| Severity | Status | Rule | Resource | Location | Message |")
        rows = []
        for l in lines[i + 2:]:
            if not l.startswith("|"):
                break
            rows.append(l)
    except ValueError:
        rows = None
    bad = s["fail"] + s["error"]
    if bad == 0:
        if rows is not None or "No failing or error findings." not in lines:
            fail.append("no failing findings, yet a findings table")
    elif rows is None:
        fail.append("no findings table")
    else:
        if len(rows) != min(bad, 50):
            fail.append("%d table rows for %d failing/error findings" % (len(rows), bad))
        for l in rows:
            c = md_cells(l)
            if len(c) != 6:
                fail.append("row of %d cells: %s" % (len(c), l[:200]))
        if bad > 50 and not any(l.startswith("… and %d more" % (bad - 50)) for l in lines):
            fail.append("no '… and %d more' line" % (bad - 50))

elif what == "normalise":
    # normalise REPORT.json IN OUT [TMPDIR]
    r = load(args[0])
    data = open(args[1], "rb").read().decode("utf-8")
    subs = []
    for f in r["findings"]:
        subs.append((f["rule_version"], "sha256:<RULE-VERSION>"))
        subs.append((f["rule_version"][7:], "<RULE-VERSION>"))
    if r["scan"].get("rules_digest"):
        subs.append((r["scan"]["rules_digest"], "sha256:<RULES-DIGEST>"))
    if len(args) > 3:
        subs.append((args[3], "<TMP>"))
    for a, b in subs:
        data = data.replace(a, b)
    data = re.sub(r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z", "<TIME>", data)
    v = re.escape(r["tool"]["version"])
    data = re.sub(r'("(?:version|semanticVersion|tool_version)": ?")' + v + '"', r'\1<VERSION>"', data)
    data = re.sub(r"_fourc " + v + ",", "_fourc <VERSION>,", data)
    open(args[2], "wb").write(data.encode("utf-8"))

elif what == "hostile":
    # hostile REPORT.json SARIF JUNIT CSV MD
    r = load(args[0])
    h = [f for f in r["findings"] if f["rule"] == "FMT-HOSTILE"]
    msgs = {f["resource"]["name"]: f["message"] for f in h}
    m = msgs.get("hostile", "")
    for frag in ("<script>alert(1)</script>", '"quoted", comma', "\n", "]]>", "\ufffd", "\t", "|"):
        if frag not in m:
            fail.append("JSON message lacks %r: %r" % (frag, m))
    s = load(args[1])
    texts = [x["message"]["text"] for x in s["runs"][0]["results"]]
    if m not in texts:
        fail.append("SARIF lacks the exact hostile message")
    root = ET.parse(args[2]).getroot()
    fm = [e.get("message") for e in root.iter("failure")]
    if xml_text(m) not in fm:
        fail.append("JUnit failure message not exact: %r" % fm)
    raw = open(args[2], "rb").read()
    if b"<script" in raw or b"]]>" in raw:
        fail.append("raw <script or ]]> in the XML")
    rows = list(csv.DictReader(io.StringIO(open(args[3], "rb").read().decode("utf-8"), newline="")))
    cm = {row["name"]: row for row in rows if row["rule"] == "FMT-HOSTILE"}
    if cm.get("hostile", {}).get("message") != m:
        fail.append("CSV message not exact: %r" % cm.get("hostile", {}).get("message"))
    if cm.get("formula", {}).get("message") != "'" + msgs.get("formula", "?"):
        fail.append("CSV formula not neutralised: %r" % cm.get("formula", {}).get("message"))
    if not cm.get("formula", {}).get("remediation", "").startswith("'="):
        fail.append("CSV remediation formula not neutralised")
    md = open(args[4], encoding="utf-8").read()
    if "<script" in md or "<b>" in md or "<i>" in md:
        fail.append("raw HTML in the Markdown")
    if "&lt;script&gt;" not in md:
        fail.append("the Markdown lost the <script> text")
    if "[link](" in md:
        fail.append("a live Markdown link in the Markdown")

else:
    fail.append("unknown check " + what)

if fail:
    print("\n".join(fail[:15]))
    sys.exit(1)
PYEOF

# pycheck DESC WHAT ARGS...: a check of fmtcheck.py.
pycheck() {
    _pdesc=$1
    shift
    if "$PYTHON" "$T/fmtcheck.py" "$@" >"$T/.py" 2>&1; then
        ok "$_pdesc"
    else
        not_ok "$_pdesc"
        diag_file "$T/.py" 20
    fi
}

have_jsonschema=0
"$PYTHON" -c 'import jsonschema' 2>/dev/null && have_jsonschema=1

# render_all DB SCAN PREFIX: every format of scan SCAN into PREFIX.*,
# with the JSON report as PREFIX.json.
render_all() {
    for _f in json $FORMATS; do
        expect_exit 0 "$3: report --format $_f" \
            "$FOURC" report --db "$1" --scan "$2" --format "$_f" -o "$3.$(ext "$_f")"
    done
}

# check_all PREFIX WHAT: the readers' checks of render_all's files.
check_all() {
    if [ "$have_jsonschema" -eq 1 ]; then
        pycheck "$2: SARIF validates against the SARIF 2.1.0 schema" \
            sarif-schema "$SCHEMA" "$1.sarif"
    else
        not_ok "$2: SARIF schema validation needs python3-jsonschema (dev/deps installs it)"
    fi
    pycheck "$2: SARIF results match the JSON report" sarif "$1.json" "$1.sarif"
    pycheck "$2: JUnit parses, counts match the JSON report" junit "$1.json" "$1.junit.xml"
    pycheck "$2: CSV is RFC 4180, a row per finding, fields exact" csv "$1.json" "$1.csv"
    pycheck "$2: Markdown tables match the JSON report" markdown "$1.json" "$1.md"
}

# --- golden files ---------------------------------------------------------------

mkdir golden && cp -R "$FMT/manifests" golden/manifests
(cd golden && "$FOURC" scan -q --manifests manifests --rules "$FMT/pack" \
    --db g.db >"$OUT" 2>"$ERR") && RC=0 || RC=$?
check_eq "golden scan of data/formats/manifests runs" 0 "$RC"
# Only this pack's findings: the goldens must not change with the builtin packs.
"$PYTHON" -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM findings WHERE rule_ref IN (SELECT id FROM rules WHERE rule_id NOT LIKE ?)", ("FMT-%",))
db.commit()' golden/g.db
render_all golden/g.db 1 golden/g
check_all golden/g "golden scan"
# The JSON report has a golden too: what every other format is checked
# against must itself be fixed.
for f in json $FORMATS; do
    e=$(ext "$f")
    "$PYTHON" "$T/fmtcheck.py" normalise golden/g.json "golden/g.$e" "golden/n.$e" "$T"
    if [ -n "$UPDATE_GOLDEN" ]; then
        cp "golden/n.$e" "$GOLDEN/formats.$e"
        ok "$f golden updated: tests/e2e/golden/formats.$e"
    elif [ ! -f "$GOLDEN/formats.$e" ]; then
        not_ok "$f matches tests/e2e/golden/formats.$e"
        diag "missing golden file; create it with UPDATE_GOLDEN=1 make check TESTS=tests/e2e/formats.sh"
    elif cmp -s "$GOLDEN/formats.$e" "golden/n.$e"; then
        ok "$f matches tests/e2e/golden/formats.$e"
    else
        not_ok "$f matches tests/e2e/golden/formats.$e"
        diff -u "$GOLDEN/formats.$e" "golden/n.$e" | head -n 30 | sed 's/^/#   /'
        diag "if the change is intended: UPDATE_GOLDEN=1 make check TESTS=tests/e2e/formats.sh"
    fi
done

# --- a real scan: the examples, absolute paths ------------------------------------

expect_exit 0 "scan of examples/manifests writing sarif, junit, csv and markdown" \
    "$FOURC" scan -q --manifests "$EXAMPLES" --db ex.db --format sarif -o ex-scan.sarif \
    --format junit -o ex-scan.junit.xml --format csv -o ex-scan.csv \
    --format markdown -o ex-scan.md
render_all ex.db latest ex
check_all ex "examples scan"
for f in $FORMATS; do
    e=$(ext "$f")
    check "examples scan: fourc scan --format $f writes what fourc report does" \
        cmp -s "ex-scan.$e" "ex.$e"
done
jq_ok "examples scan: SARIF URIs of absolute sources are file:// URIs" ex.sarif \
    'len(r["runs"][0]["results"]) > 0 and all(x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("file:///") for x in r["runs"][0]["results"])'

# --- hostile finding text -----------------------------------------------------------

mkdir hostile && cp -R "$FMT/hostile/manifests" hostile/manifests
(cd hostile && "$FOURC" scan -q --manifests manifests --rules "$FMT/hostile/pack" \
    --db h.db >"$OUT" 2>"$ERR") && RC=0 || RC=$?
check_eq "hostile scan runs" 0 "$RC"
render_all hostile/h.db latest hostile/h
check_all hostile/h "hostile scan"
pycheck "hostile text is carried exactly and inertly in every format" \
    hostile hostile/h.json hostile/h.sarif hostile/h.junit.xml hostile/h.csv hostile/h.md

# --- an empty scan ------------------------------------------------------------------

cp golden/g.db empty.db
"$PYTHON" -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO scans (started, finished, status, targets, rules_digest, tool_version) "
           "VALUES (?, ?, ?, ?, ?, ?)", ("2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z",
           "complete", "[]", None, "0.1.0"))
db.commit()
print(db.execute("SELECT max(id) FROM scans").fetchone()[0])' empty.db >empty.id
render_all empty.db "$(cat empty.id)" empty
check_all empty "empty scan"
jq_ok "empty scan: the JSON report has no findings" empty.json 'r["summary"]["total"] == 0 and FS == []'

# --- bad input: one clear line, exit 2, nothing written ---------------------------------

for f in $FORMATS; do
    expect_exit 2 "$f: unknown scan id" "$FOURC" report --db golden/g.db --scan 999 --format "$f" -o "unknown.$f"
    expect_one_error_line "$f: unknown scan id says so in one line" '999'
    check "$f: unknown scan id writes no file" test ! -e "unknown.$f"
    expect_exit 2 "$f: output path that cannot be written" \
        "$FOURC" report --db golden/g.db --format "$f" -o "$T/no/such/dir/out.$f"
    expect_one_error_line "$f: unwritable output says so in one line" "no/such/dir/out\\.$f"
done

e2e_finish
