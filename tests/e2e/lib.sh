# Shared helpers for fourc's end-to-end tests. POSIX sh (runs under dash).
#
# A test script does:
#     : "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
#     . "$TOP_SRCDIR/tests/e2e/lib.sh"
#     e2e_init            # checks FOURC/python, makes $T (removed on exit), cd $T
#     ... checks ...
#     e2e_finish          # exit 1 if any check failed, else 0
#
# Every check prints one line, "ok - WHAT" or "not ok - WHAT", followed by
# "#"-prefixed diagnostics when it fails.
#
# Environment: FOURC (absolute path to the binary), TOP_SRCDIR (source dir).
# Exit 77 (automake's "skip") when a hard prerequisite is missing.

: "${TOP_SRCDIR:?TOP_SRCDIR must name the fourc source directory}"
: "${FOURC:=$TOP_SRCDIR/fourc}"
PYTHON=${PYTHON:-/usr/bin/python3}
E2E_DATA=$TOP_SRCDIR/tests/e2e/data
EXAMPLES=$TOP_SRCDIR/examples/manifests

e2e_failed=0
e2e_count=0

# Last command run by run/expect_exit: exit status, stdout and stderr files.
RC=0
OUT=
ERR=

e2e_init() {
    if [ ! -x "$FOURC" ]; then
        echo "# fourc binary not found at $FOURC: build it first" >&2
        exit 77
    fi
    if [ ! -x "$PYTHON" ] || ! "$PYTHON" -c 'import json, sqlite3' 2>/dev/null; then
        echo "# $PYTHON with json and sqlite3 is needed" >&2
        exit 77
    fi
    T=$(mktemp -d "${TMPDIR:-/tmp}/fourc-e2e.XXXXXX") || exit 99
    # shellcheck disable=SC2064
    trap "e2e_cleanup" EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    OUT=$T/.out
    ERR=$T/.err
    cd "$T" || exit 99
    # Colour and pager-free, reproducible output.
    unset NO_COLOR KUBECONFIG
    export LC_ALL=C
}

e2e_cleanup() {
    cd / 2>/dev/null
    if [ -n "$T" ] && [ -d "$T" ]; then
        chmod -R u+rwX "$T" 2>/dev/null
        rm -rf "$T"
    fi
}

# --- reporting -------------------------------------------------------------

ok() {
    e2e_count=$((e2e_count + 1))
    printf 'ok - %s\n' "$*"
}

not_ok() {
    e2e_count=$((e2e_count + 1))
    e2e_failed=$((e2e_failed + 1))
    printf 'not ok - %s\n' "$*"
}

# diag TEXT...: a diagnostic line (after a not ok).
diag() {
    printf '%s\n' "$@" | sed 's/^/#   /'
}

# diag_file FILE [LINES]: show the start of a file as diagnostics.
diag_file() {
    [ -f "$1" ] || return 0
    head -n "${2:-15}" "$1" | cut -c1-300 | sed 's/^/#   | /'
}

# diag_last: show the last command's stdout and stderr.
diag_last() {
    diag "exit status: $RC"
    if [ -s "$ERR" ]; then diag "stderr:"; diag_file "$ERR"; fi
    if [ -s "$OUT" ]; then diag "stdout:"; diag_file "$OUT" 8; fi
}

# check DESC CMD...: ok when CMD succeeds.
check() {
    _cdesc=$1
    shift
    if "$@"; then ok "$_cdesc"; else not_ok "$_cdesc"; fi
}

# check_eq DESC EXPECTED ACTUAL
check_eq() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1"
        diag "expected: $2" "actual:   $3"
    fi
}

e2e_finish() {
    echo "# $e2e_count checks, $e2e_failed failed"
    if [ "$e2e_failed" -ne 0 ]; then exit 1; fi
    exit 0
}

# --- running fourc ---------------------------------------------------------

# run CMD...: run a command, stdout to $OUT, stderr to $ERR, status in $RC.
run() {
    RC=0
    "$@" >"$OUT" 2>"$ERR" || RC=$?
}

# fourc ARGS...: run the fourc binary the way run does.
fourc() {
    run "$FOURC" "$@"
}

# expect_exit CODE DESC CMD...: run CMD (as run does), check its status.
expect_exit() {
    _code=$1
    _desc=$2
    shift 2
    run "$@"
    if [ "$RC" -eq "$_code" ]; then
        ok "$_desc (exit $_code)"
    else
        not_ok "$_desc (exit $_code expected, got $RC)"
        diag "command: $*"
        diag_last
    fi
}

# expect_stderr_match REGEX DESC: the last stderr has a line matching the ERE.
expect_stderr_match() {
    if grep -Eq -- "$1" "$ERR"; then
        ok "$2"
    else
        not_ok "$2"
        diag "no stderr line matches: $1"
        diag_file "$ERR"
    fi
}

# expect_stderr_nomatch REGEX DESC
expect_stderr_nomatch() {
    if grep -Eq -- "$1" "$ERR"; then
        not_ok "$2"
        diag "stderr line matches: $1"
        grep -E -- "$1" "$ERR" | head -n 5 | sed 's/^/#   | /'
    else
        ok "$2"
    fi
}

# expect_stdout_match REGEX DESC
expect_stdout_match() {
    if grep -Eq -- "$1" "$OUT"; then
        ok "$2"
    else
        not_ok "$2"
        diag "no stdout line matches: $1"
        diag_file "$OUT"
    fi
}

# expect_one_error_line DESC [REGEX]: stderr holds exactly one line
# starting "fourc: error:" (matching REGEX if given); any other line is
# the "Try 'fourc ... --help'." hint, at most one of it.
expect_one_error_line() {
    _desc=$1
    _re=${2:-.}
    _nerr=$(grep -c '^fourc: error: ' "$ERR")
    _nhint=$(grep -Ec "^Try 'fourc( [a-z]+)? --help'\.\$" "$ERR")
    _nall=$(wc -l <"$ERR" | tr -d ' ')
    _nbytes=$(wc -c <"$ERR" | tr -d ' ')
    # A last line without a newline still counts.
    if [ "$_nbytes" -gt 0 ] && [ "$(tail -c 1 "$ERR" | od -An -c | tr -d ' ')" != '\n' ]; then
        _nall=$((_nall + 1))
    fi
    if [ "$_nerr" -eq 1 ] && [ "$_nhint" -le 1 ] &&
        [ "$_nall" -eq $((_nerr + _nhint)) ] &&
        grep '^fourc: error: ' "$ERR" | grep -Eq -- "$_re"; then
        ok "$_desc"
    else
        not_ok "$_desc"
        diag "want one 'fourc: error:' line matching /$_re/ (+ optional hint); got $_nerr error, $_nhint hint, $_nall lines:"
        diag_file "$ERR"
    fi
}

# expect_empty FILE DESC
expect_empty() {
    if [ -s "$1" ]; then
        not_ok "$2"
        diag_file "$1"
    else
        ok "$2"
    fi
}

# --- JSON and SQLite queries (python3) --------------------------------------

# Python prelude for jq_py: r is the loaded JSON document, F(...) filters
# its findings by field (rule=, status=, name=, kind=, namespace=,
# severity=), SEV ranks severities, sev_at_least(s, t).
E2E_PY_PRELUDE='
import json, sys, re, collections
def _load(p):
    with open(p, "rb") as fh:
        return json.loads(fh.read().decode("utf-8"))
r = _load(sys.argv[1])
A = sys.argv[2:]
FS = r.get("findings", []) if isinstance(r, dict) else []
def F(**kw):
    out = []
    for f in FS:
        res = f.get("resource", {})
        okk = True
        for k, v in kw.items():
            x = res.get(k) if k in ("name", "kind", "namespace", "uid", "source") else f.get(k)
            if x != v:
                okk = False
        if okk:
            out.append(f)
    return out
SEV = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
def sev_at_least(s, t):
    return SEV[s] >= SEV[t]
'

# jq_py FILE PYCODE [ARGS...]: run PYCODE (statements) after the prelude;
# extra ARGS are in A. Its stdout is the answer; a Python exception is an
# error (non-zero status, traceback on stderr).
jq_py() {
    _f=$1
    _code=$2
    shift 2
    "$PYTHON" -c "$E2E_PY_PRELUDE
$_code" "$_f" "$@"
}

# jq_ok DESC FILE PYEXPR [ARGS...]: ok when the Python expression is true.
jq_ok() {
    _desc=$1
    _f=$2
    _expr=$3
    shift 3
    if jq_py "$_f" "sys.exit(0 if ($_expr) else 1)" "$@" 2>"$T/.pyerr"; then
        ok "$_desc"
    else
        not_ok "$_desc"
        diag "false: $_expr"
        diag_file "$T/.pyerr"
    fi
}

# jq_assert DESC FILE PYCODE [ARGS...]: ok when PYCODE (statements) sets
# the variable OK to a true value; anything it prints is shown on failure.
jq_assert() {
    _desc=$1
    _f=$2
    _code=$3
    shift 3
    if jq_py "$_f" "OK = False
$_code
sys.exit(0 if OK else 1)" "$@" >"$T/.pyerr" 2>&1; then
        ok "$_desc"
    else
        not_ok "$_desc"
        diag_file "$T/.pyerr"
    fi
}

# The store's layout may be flat (findings carries rule_id, rule_hash,
# resource_uid ...) or normalised (findings points at rules/resources and
# a view findings_v joins them). E2E_PY_DB defines findings_q(db) and
# rules_q(db): subqueries with the logical columns
#   findings: scan_id, rule_id, rule_hash, uid, status, severity, pillar,
#             message, evidence, fingerprint
#   rules:    hash, rule_id, pack, origin
# and sql() replaces {F} and {R} in a query with them.
E2E_PY_DB='
import sqlite3, sys
def _cols(db, t):
    return [r[1] for r in db.execute("PRAGMA table_info(%s)" % t)]
def findings_q(db):
    fc = _cols(db, "findings")
    if "rule_id" in fc and ("resource_uid" in fc or "uid" in fc):
        uid = "resource_uid" if "resource_uid" in fc else "uid"
        return ("(SELECT scan_id, rule_id, rule_hash, %s AS uid, status, severity, pillar, "
                "message, evidence, fingerprint FROM findings)" % uid)
    vc = _cols(db, "findings_v")
    if vc:
        return ("(SELECT scan_id, rule_id, rule_hash, uid, status, severity, pillar, "
                "message, evidence, fingerprint FROM findings_v)")
    raise SystemExit("no findings table or view with rule and resource columns: %s" % fc)
def rules_q(db):
    rc = _cols(db, "rules")
    rid = "rule_id" if "rule_id" in rc else "id"
    return "(SELECT hash, %s AS rule_id, pack, origin FROM rules)" % rid
def open_ro(path):
    return sqlite3.connect("file:" + path + "?mode=ro", uri=True)
def expand(db, q):
    if "{F}" in q:
        q = q.replace("{F}", findings_q(db))
    if "{R}" in q:
        q = q.replace("{R}", rules_q(db))
    return q
'

# sql DB QUERY [PARAMS...]: print the rows, columns joined by "|". Opens
# the database read-only (never creates it). {F} and {R} in QUERY stand
# for the logical findings and rules (see E2E_PY_DB).
sql() {
    _db=$1
    _q=$2
    shift 2
    "$PYTHON" -c "$E2E_PY_DB"'
db = open_ro(sys.argv[1])
for row in db.execute(expand(db, sys.argv[2]), sys.argv[3:]):
    print("|".join("" if v is None else str(v) for v in row))
' "$_db" "$_q" "$@"
}

# sha256_of FILE
sha256_of() {
    "$PYTHON" -c '
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for b in iter(lambda: f.read(1 << 20), b""):
        h.update(b)
print(h.hexdigest())' "$1"
}

# scan_digest DB ID: "COUNT DIGEST" of one scan's findings and resources
# as stored, to prove a scan was not touched by later runs.
scan_digest() {
    "$PYTHON" -c "$E2E_PY_DB"'
import hashlib
db = open_ro(sys.argv[1])
sid = int(sys.argv[2])
h = hashlib.sha256()
F = findings_q(db)
for q in ("SELECT id, status, started, finished FROM scans WHERE id = ?",
          "SELECT rule_id, rule_hash, uid, status, severity, message, evidence, fingerprint FROM " + F + " WHERE scan_id = ? ORDER BY 1, 3, 8, 6",
          "SELECT uid, kind, name, namespace, source, doc, sha256 FROM resources WHERE scan_id = ? ORDER BY 1, 5"):
    rows = db.execute(q, (sid,)).fetchall()
    h.update(repr(rows).encode())
n = db.execute("SELECT count(*) FROM " + F + " WHERE scan_id = ?", (sid,)).fetchone()[0]
print(n, h.hexdigest())
' "$1" "$2"
}

# have_setpriv_nobody: root can drop to uid 65534 with setpriv.
have_setpriv_nobody() {
    [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 &&
        setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null
}
