#!/bin/sh
# End-to-end: the command line contract: help, version, usage errors (exit
# 2, one "fourc: error:" line), missing database, unwritable -o, no
# progress bar or colour when not a terminal, NO_COLOR.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

SHOP=$EXAMPLES/shop

# --- help ------------------------------------------------------------------------

# help_case DESC WORDS -- CMD...: exit 0 and stdout mentions every word.
help_case() {
    _desc=$1
    _words=$2
    shift 2
    run "$@"
    _miss=
    for w in $_words; do
        grep -qe "$w" "$OUT" || _miss="$_miss $w"
    done
    if [ "$RC" -eq 0 ] && [ -z "$_miss" ] && [ ! -s "$ERR" ]; then
        ok "$_desc: exit 0, help on stdout mentions$(printf ' %s' $_words | cut -c1-80)"
    else
        not_ok "$_desc: exit 0, help on stdout mentions all of: $_words"
        [ -n "$_miss" ] && diag "missing:$_miss"
        diag_last
    fi
}
help_case "fourc --help" "scan report rules version" "$FOURC" --help
help_case "fourc -h" "scan report rules version" "$FOURC" -h
help_case "fourc help" "scan report rules version" "$FOURC" help
help_case "fourc scan --help" "--manifests --db --rules --format -o --fail-on --quiet" "$FOURC" scan --help
help_case "fourc scan -h" "--manifests --fail-on" "$FOURC" scan -h
help_case "fourc help scan" "--manifests --fail-on" "$FOURC" help scan
help_case "fourc report --help" "--scan --format -o --db latest" "$FOURC" report --help
help_case "fourc rules --help" "list show lint test import --db --rules" "$FOURC" rules --help
check "no help run created a database" test ! -e fourc.db

# --- version -----------------------------------------------------------------------

want_version=$(sed -n 's/^AC_INIT(\[fourc\], *\[\([^]]*\)\].*/\1/p' "$TOP_SRCDIR/configure.ac")
expect_exit 0 "fourc version" "$FOURC" version
if head -n 1 "$OUT" | grep -Eq "^fourc ${want_version:-[0-9]}[^ ]*\$"; then
    ok "fourc version prints 'fourc $want_version' (configure.ac) on its first line"
else
    not_ok "fourc version prints 'fourc $want_version' (configure.ac) on its first line"
    diag_last
fi
expect_stdout_match 'fourc\.report/v1' "fourc version names the report schema"
expect_exit 0 "fourc --version" "$FOURC" --version
expect_stdout_match "^fourc $want_version" "fourc --version prints the version"

# --- usage errors --------------------------------------------------------------------

# usage_case DESC REGEX CMD...: exit 2, one error line (matching REGEX)
# plus at most the "Try ... --help" hint, nothing on stdout, no database.
usage_case() {
    _udesc=$1
    _ure=$2
    shift 2
    rm -f fourc.db fourc.db-wal fourc.db-shm
    expect_exit 2 "$_udesc" "$@"
    expect_one_error_line "$_udesc: one 'fourc: error:' line (+ hint)" "$_ure"
    if [ -s "$OUT" ] || [ -e fourc.db ]; then
        not_ok "$_udesc: nothing on stdout, no database created"
        diag_last
        [ -e fourc.db ] && diag "fourc.db was created"
    else
        ok "$_udesc: nothing on stdout, no database created"
    fi
}
usage_case "unknown command" 'frobnicate' "$FOURC" frobnicate
usage_case "unknown option before the command" '--bogus' "$FOURC" --bogus
usage_case "scan: unknown option" '--bogus' "$FOURC" scan --manifests "$SHOP" --bogus
usage_case "report: unknown option" '--bogus' "$FOURC" report --bogus
usage_case "rules list: unknown option" '--bogus' "$FOURC" rules list --bogus
usage_case "rules: unknown subcommand" 'frobnicate' "$FOURC" rules frobnicate
usage_case "version: unknown option" '--bogus' "$FOURC" version --bogus
usage_case "scan --db without value" '--db' "$FOURC" scan --manifests "$SHOP" --db
usage_case "scan --manifests without value" '--manifests' "$FOURC" scan --manifests
usage_case "scan --fail-on without value" '--fail-on' "$FOURC" scan --manifests "$SHOP" --fail-on
usage_case "report --scan without value" '--scan' "$FOURC" report --scan
usage_case "scan with no target" 'manifests|target|nothing' "$FOURC" scan
usage_case "scan --fail-on bogus" 'bogus' "$FOURC" scan --manifests "$SHOP" --fail-on bogus
usage_case "scan --format bogus" 'bogus' "$FOURC" scan --manifests "$SHOP" --format bogus -o r.json
check "scan --format bogus wrote no report" test ! -e r.json
usage_case "report --format bogus" 'bogus' "$FOURC" report --format bogus
usage_case "scan --manifests of a nonexistent path" '/nonexistent/e2e-path' "$FOURC" scan --manifests /nonexistent/e2e-path
usage_case "rules show without an id" 'show|ID|id' "$FOURC" rules show

# --- report without a database --------------------------------------------------------

rm -f fourc.db
expect_exit 2 "report with no ./fourc.db" "$FOURC" report
expect_one_error_line "report with no database: one error line naming fourc.db" 'fourc\.db'
check "report with no database did not create fourc.db" test ! -e fourc.db
expect_exit 2 "report --db missing.db" "$FOURC" report --db missing.db --scan latest
expect_one_error_line "report --db missing.db: one error line naming missing.db" 'missing\.db'
check "report --db missing.db did not create it" test ! -e missing.db

# An existing database with no complete scan: latest names nothing.
expect_exit 2 "rules import into a new database, then report (no scans)" sh -c \
    '"$1" rules import "$2" --db empty.db >/dev/null 2>&1 && exec "$1" report --db empty.db' sh "$FOURC" "$E2E_DATA/custom-pack"
expect_one_error_line "report on a database without scans: one error line" '.'

# --- -o to an unwritable path --------------------------------------------------------------

expect_exit 2 "scan -o /nonexistent/dir/r.json" "$FOURC" scan --db out.db --manifests "$SHOP" --format json -o /nonexistent/dir/r.json
expect_one_error_line "scan -o unwritable: one error line naming the path" '/nonexistent/dir/r\.json'
check_eq "scan -o unwritable: the scan is stored anyway (complete)" "1|complete" "$(sql out.db 'SELECT id, status FROM scans' 2>&1)"
expect_exit 0 "scan -o unwritable: report --scan latest renders it" "$FOURC" report --db out.db --scan latest --format json -o latest.json
jq_ok "scan -o unwritable: the stored scan has findings" latest.json 'r["scan"]["id"] == 1 and len(FS) > 0'
expect_exit 2 "report -o /nonexistent/dir/r.json" "$FOURC" report --db out.db -o /nonexistent/dir/r.json
expect_one_error_line "report -o unwritable: one error line naming the path" '/nonexistent/dir/r\.json'

# --- stdout / stderr separation --------------------------------------------------------------

expect_exit 0 "scan --format json without -o" "$FOURC" scan --db sep.db --manifests "$SHOP" --format json
if "$PYTHON" -c 'import json, sys; json.load(open(sys.argv[1]))' "$OUT" 2>/dev/null; then
    ok "scan --format json without -o: stdout is exactly the JSON report"
else
    not_ok "scan --format json without -o: stdout is exactly the JSON report"
    diag_file "$OUT" 5
fi
expect_stderr_match '[Ss]can 1' "scan --format json without -o: the summary goes to stderr"

# --- no progress bar or colour when not a terminal ---------------------------------------------

mkdir -p many
i=0
while [ $i -lt 40 ]; do
    sed "s/name: web\$/name: web-$i/" "$SHOP/web.yaml" >"many/web-$i.yaml"
    i=$((i + 1))
done
expect_exit 0 "scan of 40 files with stdout and stderr not a terminal" "$FOURC" scan --db tty.db --manifests many
if od -An -c "$ERR" | grep -Eq '\\r|033'; then
    not_ok "no \\r or ESC bytes on stderr when it is not a terminal"
    od -c "$ERR" | grep -E '\\r|033' | head -n 3 | sed 's/^/#   /'
else
    ok "no \\r or ESC bytes on stderr when it is not a terminal"
fi
if od -An -c "$OUT" | grep -Eq '\\r|033'; then
    not_ok "no \\r or ESC bytes on stdout when it is not a terminal"
else
    ok "no \\r or ESC bytes on stdout when it is not a terminal"
fi

# With a terminal (script(1)), colour unless NO_COLOR is set and non-empty.
if command -v script >/dev/null 2>&1 && script -qc true /dev/null >/dev/null 2>&1; then
    # sgr_count FILE: number of SGR (colour) escape sequences.
    sgr_count() {
        "$PYTHON" -c 'import re, sys; print(len(re.findall(rb"\x1b\[[0-9;]*m", open(sys.argv[1], "rb").read())))' "$1"
    }
    env -u NO_COLOR script -qc "'$FOURC' scan --db tty.db --manifests many" /dev/null >tty-color.out 2>&1 </dev/null
    ncolor=$(sgr_count tty-color.out)
    check "control: on a terminal without NO_COLOR the summary is coloured ($ncolor SGR sequences)" test "$ncolor" -gt 0
    NO_COLOR=1 script -qc "'$FOURC' scan --db tty.db --manifests many" /dev/null >tty-nocolor.out 2>&1 </dev/null
    check_eq "NO_COLOR=1 on a terminal: no colour escape sequences" 0 "$(sgr_count tty-nocolor.out)"
    if grep -aq 'Scan [0-9]' tty-nocolor.out; then
        ok "NO_COLOR=1 on a terminal: the summary is still printed"
    else
        not_ok "NO_COLOR=1 on a terminal: the summary is still printed"
        diag_file tty-nocolor.out
    fi
    # --quiet: no summary, no progress, even on a terminal.
    script -qc "'$FOURC' scan --db tty.db --manifests many -q" /dev/null >tty-quiet.out 2>&1 </dev/null
    if "$PYTHON" -c '
import sys
b = open(sys.argv[1], "rb").read()
sys.exit(1 if (b"Scan " in b or b"\x1b" in b or b"Reading" in b) else 0)' tty-quiet.out; then
        ok "-q on a terminal: no summary and no progress"
    else
        not_ok "-q on a terminal: no summary and no progress"
        diag_file tty-quiet.out
    fi
else
    # Not a skip: CI must run these (dev/deps installs bsdutils).
    not_ok "NO_COLOR on a terminal: script(1) (bsdutils, installed by dev/deps) is needed"
fi

e2e_finish
