/*
 * store_sql.h: the store's SQLite connection, for the code that must speak
 * SQL itself. Not for commands, reporters or collectors: they read and
 * write through store.h's functions, so that the schema (changed only by
 * core/store.c's migrations) has one place where SQL names its tables.
 *
 * Its users, and why (tests/e2e/store_api.sh fails on any other):
 *   - checks/engine_sql.c: rule authors' SQL for cross-resource rules runs
 *     on this connection, over views of the stored scan; the engine
 *     creates TEMP tables and views there and registers SQL functions.
 *     checks/rule.c (a pack's views, preparing its SQL) works on the
 *     connection engine_sql.c hands it; checks/rule_check.c lints rule
 *     SQL on an in-memory database of its own.
 *   - report/model.c: the report model, the one other reader of the
 *     schema (findings with their rules and resources, in report order).
 * The unit tests of the store and the engine include it too, to look at
 * what was written.
 */
#ifndef FOURC_STORE_SQL_H
#define FOURC_STORE_SQL_H

#include <sqlite3.h>

#include "err.h"
#include "store.h"

/*
 * The findings of scan P (an SQL parameter or number, as text) under alias
 * A: a scan's findings are written in one transaction, so their row ids
 * are one range, which the scan records (scans.first_finding ..
 * last_finding) instead of an index on scan_id, whose upkeep was 7% of a
 * large scan. Use it wherever findings are read by scan.
 */
#define STORE_SCAN_FINDINGS(A, P)                                              \
    A ".id BETWEEN (SELECT first_finding FROM main.scans WHERE id = " P        \
      ") AND (SELECT last_finding FROM main.scans WHERE id = " P ") AND " A    \
      ".scan_id = " P

/*
 * Scans s and me (those aliases) are of the same targets: the ones the
 * user named. Targets a collector handed over (their entries carry
 * "from": a cluster's images) come and go with what the target holds.
 */
#define STORE_NAMED_TARGETS(T)                                                 \
    "(SELECT json_group_array(json(value)) FROM json_each(" T                  \
    ") WHERE json_extract(value, '$.from') IS NULL)"
#define STORE_SAME_TARGETS                                                     \
    STORE_NAMED_TARGETS("s.targets") " = " STORE_NAMED_TARGETS("me.targets")

/* Borrowed; every pending finding is written first. */
sqlite3 *store_db(struct store *st);

/* Runs sql (any number of statements) after writing pending findings. */
int store_exec(struct store *st, const char *sql, struct err *e);

#endif
