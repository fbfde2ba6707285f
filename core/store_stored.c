/*
 * store_stored.c: a stored scan read back, for judging it again (fourc
 * scan --reevaluate); see store.h.
 */
#include "store.h"
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

int store_resource_failed(struct store *st, int64_t ref, const char *kinds,
                          int exact, const char *why, struct err *e)
{
    /* "exact" only when set: the records of older scans lack it. */
    if (store_prepare(st, &st->upd_failed,
                      "UPDATE resources SET failed = json_insert("
                      "coalesce(failed, '[]'), '$[#]', CASE WHEN ?4 THEN "
                      "json_object('kinds', ?1, 'why', ?2, 'exact', "
                      "json('true')) ELSE json_object('kinds', ?1, 'why', "
                      "?2) END) WHERE id = ?3",
                      e))
        return -1;
    store_text(st->upd_failed, 1, kinds);
    store_text(st->upd_failed, 2, why);
    sqlite3_bind_int64(st->upd_failed, 3, ref);
    sqlite3_bind_int(st->upd_failed, 4, exact);
    return store_step_done(st, st->upd_failed, e);
}

int store_resources_foreach(struct store *st, int64_t scan_id,
                            store_resource_fn fn, void *data, struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    int64_t lo = 0, hi = -1;
    size_t n = 0, i = 0;
    int rc;

    if (sqlite3_prepare_v2(st->db,
                           "SELECT count(*), min(id), max(id) FROM resources "
                           "WHERE scan_id = ?",
                           -1, &stmt, NULL) != SQLITE_OK)
        return store_fail(st, "read the scan's resources", e);
    sqlite3_bind_int64(stmt, 1, scan_id);
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return store_fail(st, "read the scan's resources", e);
    }
    n = (size_t)sqlite3_column_int64(stmt, 0);
    if (n) {
        lo = sqlite3_column_int64(stmt, 1);
        hi = sqlite3_column_int64(stmt, 2);
    }
    sqlite3_finalize(stmt);
    /* A walk of the rows by id, in the order they were stored, with no
     * sort (the unary + keeps SQLite off the scan_id index, which would
     * need one): the rows are read one at a time, and rows fn adds to the
     * table (a new scan's) lie beyond hi. */
    if (sqlite3_prepare_v2(st->db,
                           "SELECT uid, kind, name, namespace, source, "
                           "target, doc, failed FROM resources WHERE id >= ? "
                           "AND id <= ? AND +scan_id = ? ORDER BY id",
                           -1, &stmt, NULL) != SQLITE_OK)
        return store_fail(st, "read the scan's resources", e);
    sqlite3_bind_int64(stmt, 1, lo);
    sqlite3_bind_int64(stmt, 2, hi);
    sqlite3_bind_int64(stmt, 3, scan_id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_resource r;
        r.uid = store_col(stmt, 0);
        r.kind = store_col(stmt, 1);
        r.name = store_col(stmt, 2);
        r.namespace = store_col(stmt, 3);
        r.source = store_col(stmt, 4);
        r.target = store_col(stmt, 5);
        r.doc_json = store_col(stmt, 6);
        r.doc_len = (size_t)sqlite3_column_bytes(stmt, 6);
        if (!r.uid || !r.kind || !r.doc_json) {
            sqlite3_finalize(stmt);
            return err_set(e,
                           "%s: scan %lld has a resource without a uid, kind "
                           "or document (was the database edited?)",
                           st->path, (long long)scan_id);
        }
        rc = fn(&r, store_col(stmt, 7), i, n > i ? n : i + 1, data, e);
        i++;
        if (rc) {
            sqlite3_finalize(stmt);
            return rc;
        }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return store_fail(st, "read the scan's resources", e);
    return 0;
}
