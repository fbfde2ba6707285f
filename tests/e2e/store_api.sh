#!/bin/sh
# The store behind its API (core/store.h): SQL against the schema lives in
# core/store*.c and the report model (report/model.c) only, so a schema
# change (core/store.c's migrations) has one place to look. The rule-SQL
# files below run the SQL rule authors write (cross-resource rules), on
# the connection core/store_sql.h hands out, and register its functions.
# Anywhere else in core/ collectors/ checks/ report/ cli/, this fails on:
#   - an SQLite call or type (sqlite3_..., sqlite3 *, <sqlite3.h>),
#   - the store's connection (store_db, store_exec, "store_sql.h"),
#   - a string literal holding an SQL statement keyword.
. "$(dirname "$0")/lib.sh"

cd "$TOP_SRCDIR" || exit 2

# May speak SQL: the store, the report model, and the rule-SQL files.
sql_allowed() {
    case $1 in
    core/store*.c | core/store*.h) return 0 ;;
    report/model.c) return 0 ;;
    # rule authors' SQL: run it (engine_sql.c), declare views and prove it
    # prepares (rule.c, rule_check.c), the SQL functions it may call
    checks/engine_sql.c | checks/engine.h | checks/engine_int.h) return 0 ;;
    checks/rule.c | checks/rule.h | checks/rule_int.h) return 0 ;;
    checks/rule_check.c) return 0 ;;
    checks/jsonpick.c | checks/jsonpick.h) return 0 ;;
    checks/k8sauthz.c | checks/k8sauthz.h) return 0 ;;
    esac
    return 1
}

check_tree() { # DIR: prints the problems as "# file:line: what"; sets bad, nfiles
    (
    cd "$1" || exit 2
    bad=0
    nfiles=0
    for f in $(find core collectors checks report cli -name '*.[ch]' | sort); do
        nfiles=$((nfiles + 1))
        sql_allowed "$f" && continue
        hits=$(grep -nE \
            -e 'sqlite3(_[a-z_0-9]+| *\*|\.h)' \
            -e '\bstore_(db|exec)[[:space:]]*\(' \
            -e '#[[:space:]]*include[[:space:]]*"store_sql\.h"' \
            -e '"([^"\\]|\\.)*\b(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|ATTACH|VACUUM)[[:space:]]' \
            "$f" || true)
        [ -n "$hits" ] || continue
        printf '%s\n' "$hits" | sed "s|^|# $f:|"
        bad=$((bad + $(printf '%s\n' "$hits" | grep -c .)))
    done
    echo "$bad $nfiles" >"$tmp/counts"
    )
    read -r bad nfiles <"$tmp/counts"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check_tree . >"$tmp/out"
if [ "$bad" -eq 0 ] && [ "$nfiles" -gt 50 ]; then
    ok "no SQL outside the store, the report model and rule SQL ($nfiles files)"
else
    not_ok "SQL outside the store API: $bad line(s)"
    diag_file "$tmp/out"
fi

# only the rule engine and the report model take the connection
users=$(grep -rlE '#[[:space:]]*include[[:space:]]*"store_sql\.h"' core collectors checks report cli |
    grep -v '^core/store' | sort | tr '\n' ' ')
if [ "$users" = "checks/engine_sql.c report/model.c " ]; then
    ok "store_sql.h is included by checks/engine_sql.c and report/model.c only"
else
    not_ok "store_sql.h is included by: $users"
fi

# the check can fail: a reporter preparing a statement, a command running
# SQL through the store, a collector including sqlite3.h and a query in a
# string are each caught
mkdir "$tmp/tree"
cp -R core collectors checks report cli "$tmp/tree/"
echo 'static void f(sqlite3_stmt *s) { sqlite3_step(s); }' >>"$tmp/tree/report/csv.c"
echo 'static int g(struct store *st) { return store_exec(st, "", 0); }' >>"$tmp/tree/cli/cmd_diff.c"
echo '#include <sqlite3.h>' >>"$tmp/tree/collectors/walk.c"
echo 'static const char q[] = "x = 1; SELECT id FROM scans";' >>"$tmp/tree/cli/cmd_report.c"
echo '#include "store_sql.h"' >>"$tmp/tree/report/json.c"
check_tree "$tmp/tree" >"$tmp/out"
if [ "$bad" -eq 5 ] && grep -q '^# report/csv.c:' "$tmp/out" &&
    grep -q '^# cli/cmd_diff.c:' "$tmp/out" &&
    grep -q '^# collectors/walk.c:' "$tmp/out" &&
    grep -q '^# cli/cmd_report.c:.*SELECT id FROM scans' "$tmp/out" &&
    grep -q '^# report/json.c:' "$tmp/out"; then
    ok "SQL planted outside the store is caught (5 of 5)"
else
    not_ok "planted SQL: $bad caught of 5"
    diag_file "$tmp/out"
fi
e2e_finish
