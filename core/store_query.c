/*
 * store_query.c: what the commands read from the store (store.h,
 * "reading"), so that their SQL lives beside the schema.
 */
#include "store.h"
#include "store_int.h"
#include "store_sql.h"

#include "banned.h"

/* Prepares sql on the connection with every pending finding written. */
static int store_query(struct store *st, sqlite3_stmt **stmt, const char *sql,
                       const char *op, struct err *e)
{
    *stmt = NULL;
    if (store_flush(st))
        return store_batch_err(st, e);
    if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK)
        return store_fail(st, op, e);
    return 0;
}

/* Steps stmt calling row for each row until it returns non-zero; then
 * finalizes. An SQLite error fails with op. */
static int store_walk(struct store *st, sqlite3_stmt *stmt,
                      int (*row)(sqlite3_stmt *stmt, void *arg), void *arg,
                      const char *op, struct err *e)
{
    int step, rc = 0;

    while ((step = sqlite3_step(stmt)) == SQLITE_ROW)
        if ((rc = row(stmt, arg)) != 0)
            break;
    if (rc == 0 && step != SQLITE_DONE)
        rc = store_fail(st, op, e);
    sqlite3_finalize(stmt);
    return rc;
}

/* Column 0 of the single row of stmt (after binding) as an integer; NULL
 * leaves *out alone. */
static int store_one(struct store *st, sqlite3_stmt *stmt, long long *out,
                     const char *op, struct err *e)
{
    int step = sqlite3_step(stmt);

    if (step == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
        *out = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0
                                                     : store_fail(st, op, e);
}

int store_count_failing(struct store *st, int64_t scan_id, int min_rank,
                        long long *count, struct err *e)
{
    static const char op[] = "count the scan's findings";
    sqlite3_stmt *stmt;

    *count = 0;
    if (store_query(st, &stmt,
                    "SELECT coalesce(sum(f.n), 0) FROM scan_counts f JOIN "
                    "rules r ON r.id = f.rule_ref WHERE f.scan_id = ? "
                    "AND f.status IN ('fail','error') AND " STORE_SEV_RANK
                    " >= ?",
                    op, e))
        return -1;
    sqlite3_bind_int64(stmt, 1, scan_id);
    sqlite3_bind_int(stmt, 2, min_rank);
    return store_one(st, stmt, count, op, e);
}

int store_previous_scan(struct store *st, int64_t scan_id, int64_t *prev,
                        struct err *e)
{
    static const char op[] = "read the scans";
    sqlite3_stmt *stmt;
    long long v = 0;
    int rc;

    *prev = 0;
    if (store_query(st, &stmt,
                    "SELECT max(s.id) FROM scans s, scans me WHERE "
                    "me.id = ? AND s.status = 'complete' AND s.id < me.id "
                    "AND " STORE_SAME_TARGETS,
                    op, e))
        return -1;
    sqlite3_bind_int64(stmt, 1, scan_id);
    rc = store_one(st, stmt, &v, op, e);
    *prev = (int64_t)v;
    return rc;
}

struct store_pack_walk {
    store_pack_fn *fn;
    void *ctx;
};

static int store_pack_row(sqlite3_stmt *stmt, void *arg)
{
    struct store_pack_walk *w = arg;

    return w->fn(store_col(stmt, 0), store_col(stmt, 1), w->ctx);
}

int store_packs_foreach(struct store *st, store_pack_fn *fn, void *ctx,
                        struct err *e)
{
    static const char op[] = "read its rule packs";
    struct store_pack_walk w = {fn, ctx};
    sqlite3_stmt *stmt;

    if (store_query(st, &stmt, "SELECT name, files FROM packs ORDER BY name",
                    op, e))
        return -1;
    return store_walk(st, stmt, store_pack_row, &w, op, e);
}

int store_pack_put(struct store *st, const char *name, const char *origin,
                   const char *files_json, const char *imported, struct err *e)
{
    static const char op[] = "store the pack";
    sqlite3_stmt *stmt;
    int step;

    if (store_query(st, &stmt,
                    "INSERT OR REPLACE INTO packs (name, origin, files, "
                    "imported) VALUES (?, ?, ?, ?)",
                    op, e))
        return -1;
    store_text(stmt, 1, name);
    store_text(stmt, 2, origin);
    store_text(stmt, 3, files_json);
    store_text(stmt, 4, imported);
    step = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return step == SQLITE_DONE ? 0 : store_fail(st, op, e);
}

struct store_status_walk {
    store_status_fn *fn;
    void *ctx;
};

static int store_status_row(sqlite3_stmt *stmt, void *arg)
{
    struct store_status_walk *w = arg;

    return w->fn(store_col(stmt, 0), store_col(stmt, 1), w->ctx);
}

int store_rule_findings_foreach(struct store *st, int64_t rule_ref,
                                store_status_fn *fn, void *ctx, struct err *e)
{
    static const char op[] = "read the findings of the rule";
    struct store_status_walk w = {fn, ctx};
    sqlite3_stmt *stmt;

    if (store_query(st, &stmt,
                    "SELECT f.status, t.message FROM findings f "
                    "JOIN texts t ON t.id = f.text_ref WHERE "
                    "f.rule_ref = ? ORDER BY f.id",
                    op, e))
        return -1;
    sqlite3_bind_int64(stmt, 1, rule_ref);
    return store_walk(st, stmt, store_status_row, &w, op, e);
}
