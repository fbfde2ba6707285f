/*
 * store_diff.c: two stored scans compared finding by finding (store.h,
 * "comparing two scans"), in temporary tables of the connection: each
 * scan's (fingerprint, id, status) goes into a keyed table, one join
 * classifies the pairs into diff_rows in output order, and
 * store_diff_foreach streams diff_rows back joined to the stored findings.
 */
#include "store.h"
#include "store_int.h"

#include <stdio.h>
#include <string.h>

#include "banned.h"

static const char diff_sev_sql[] = STORE_SEV_RANK;

static int diff_sql_err(struct store *st, struct err *e)
{
    return store_fail(st, "read the scans", e);
}

/* temp.<name>: one row per finding of scan id, keyed by fingerprint and
 * the finding's rank among equal fingerprints (a scan may hold the same
 * object twice: the k-th copy pairs with the k-th copy). */
static int diff_load_scan(struct store *st, const char *name, int64_t id,
                          struct err *e)
{
    struct strbuf sql = STRBUF_INIT;
    int rc;

    sb_addf(
        &sql,
        "DROP TABLE IF EXISTS temp.%s;"
        "CREATE TEMP TABLE %s (fp BLOB NOT NULL, n INTEGER NOT NULL, "
        "  id INTEGER NOT NULL, status TEXT NOT NULL, "
        "  PRIMARY KEY (fp, n)) WITHOUT ROWID;"
        "INSERT INTO temp.%s SELECT fingerprint, row_number() OVER "
        "  (PARTITION BY fingerprint ORDER BY id), id, status "
        "  FROM main.findings f WHERE " STORE_SCAN_FINDINGS("f", "%lld") ";",
        name, name, name, (long long)id, (long long)id, (long long)id);
    rc = store_exec(st, sb_str(&sql), e);
    sb_release(&sql);
    return rc;
}

static int diff_classify(struct store *st, struct err *e)
{
    struct strbuf sql = STRBUF_INIT;
    int rc;

    sb_addf(&sql,
            "DROP TABLE IF EXISTS temp.diff_rows;"
            "CREATE TEMP TABLE diff_rows (id INTEGER PRIMARY KEY, "
            "  cat INTEGER NOT NULL, sev INTEGER NOT NULL, "
            "  show_id INTEGER NOT NULL, from_id INTEGER, to_id INTEGER, "
            "  from_status TEXT, to_status TEXT);"
            /* new, fixed, unchanged, in output order: severity, rule,
             * resource. */
            "INSERT INTO temp.diff_rows (cat, sev, show_id, from_id, to_id, "
            "  from_status, to_status) "
            "SELECT p.cat, %s, p.show_id, p.from_id, p.to_id, p.fs, p.ts "
            "FROM (SELECT c.*, CASE c.cat WHEN 2 THEN c.from_id "
            "        ELSE c.to_id END AS show_id "
            "      FROM (SELECT u.*, CASE "
            "        WHEN u.ts IN ('fail','error') AND (u.fs IS NULL OR "
            "          u.fs NOT IN ('fail','error')) THEN 1 "
            "        WHEN u.fs IN ('fail','error') AND (u.ts IS NULL OR "
            "          u.ts = 'pass') THEN 2 "
            "        WHEN u.fs IN ('fail','error') AND "
            "          u.ts IN ('fail','error') THEN 3 "
            "        ELSE 0 END AS cat "
            "        FROM (SELECT a.id AS from_id, b.id AS to_id, "
            "                a.status AS fs, b.status AS ts "
            "              FROM temp.diff_a a LEFT JOIN temp.diff_b b "
            "                ON b.fp = a.fp AND b.n = a.n "
            "              UNION ALL "
            "              SELECT NULL, b.id, NULL, b.status "
            "              FROM temp.diff_b b WHERE NOT EXISTS (SELECT 1 "
            "                FROM temp.diff_a a WHERE a.fp = b.fp AND "
            "                a.n = b.n)) u) c "
            "      WHERE c.cat != 0) p "
            "JOIN main.findings f ON f.id = p.show_id "
            "JOIN main.rules r ON r.id = f.rule_ref "
            "JOIN main.resources res ON res.id = f.resource_ref "
            "ORDER BY p.cat, 2 DESC, r.rule_id, res.kind, res.namespace, "
            "  res.name, f.id;"
            /* Status changes: any transition of a fingerprint in both. */
            "INSERT INTO temp.diff_rows (cat, sev, show_id, from_id, to_id, "
            "  from_status, to_status) "
            "SELECT 4, %s, b.id, a.id, b.id, a.status, b.status "
            "FROM temp.diff_a a JOIN temp.diff_b b ON b.fp = a.fp AND "
            "  b.n = a.n "
            "JOIN main.findings f ON f.id = b.id "
            "JOIN main.rules r ON r.id = f.rule_ref "
            "JOIN main.resources res ON res.id = f.resource_ref "
            "WHERE a.status != b.status "
            "ORDER BY 2 DESC, r.rule_id, res.kind, res.namespace, res.name, "
            "  f.id;"
            "CREATE INDEX temp.diff_rows_cat ON diff_rows (cat);",
            diff_sev_sql, diff_sev_sql);
    rc = store_exec(st, sb_str(&sql), e);
    sb_release(&sql);
    return rc;
}

static int diff_count(struct store *st, const char *sql, long long *out,
                      struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return diff_sql_err(st, e);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return rc == SQLITE_ROW ? 0 : diff_sql_err(st, e);
}

static int diff_counts(struct store *st, struct store_diff_counts *c,
                       struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    int step;

    if (sqlite3_prepare_v2(st->db,
                           "SELECT cat, count(*) FROM temp.diff_rows "
                           "GROUP BY cat",
                           -1, &stmt, NULL) != SQLITE_OK)
        return diff_sql_err(st, e);
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        int cat = sqlite3_column_int(stmt, 0);
        if (cat > 0 && cat < STORE_DIFF_NCAT)
            c->count[cat] = sqlite3_column_int64(stmt, 1);
    }
    sqlite3_finalize(stmt);
    if (step != SQLITE_DONE)
        return diff_sql_err(st, e);
    return diff_count(st,
                      "SELECT count(*) FROM temp.diff_rows WHERE cat = 2 "
                      "AND to_id IS NULL",
                      &c->gone, e) ||
           diff_count(st,
                      "SELECT count(*) FROM temp.diff_a a WHERE NOT EXISTS "
                      "(SELECT 1 FROM temp.diff_b b WHERE b.fp = a.fp AND "
                      "b.n = a.n)",
                      &c->only_from, e) ||
           diff_count(st,
                      "SELECT count(*) FROM temp.diff_b b WHERE NOT EXISTS "
                      "(SELECT 1 FROM temp.diff_a a WHERE a.fp = b.fp AND "
                      "a.n = b.n)",
                      &c->only_to, e) ||
           diff_count(st, "SELECT count(*) FROM temp.diff_a", &c->total_from,
                      e) ||
           diff_count(st, "SELECT count(*) FROM temp.diff_b", &c->total_to, e);
}

int store_diff_build(struct store *st, int64_t from, int64_t to,
                     struct store_diff_counts *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    /* Temporary tables and sorts of a large pair are hundreds of MB: let
     * them spill to disk, and keep the page cache at 128 MB (two scans of
     * 1.39 M findings: 34 s, 276 MB peak; 27 s and 541 MB with the store's
     * defaults). */
    if (store_exec(st, "PRAGMA temp_store = FILE; PRAGMA cache_size = -131072",
                   e) ||
        diff_load_scan(st, "diff_a", from, e) ||
        diff_load_scan(st, "diff_b", to, e) || diff_classify(st, e) ||
        diff_counts(st, out, e))
        return err_prefix(e, "comparing scan %lld with scan %lld",
                          (long long)from, (long long)to);
    return 0;
}

int store_diff_count_new(struct store *st, int min_rank, long long *n,
                         struct err *e)
{
    char sql[128];

    *n = 0;
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM temp.diff_rows WHERE cat = 1 AND "
             "sev >= %d",
             min_rank);
    return diff_count(st, sql, n, e);
}

static const char diff_item_sql[] =
    "SELECT d.from_status, d.to_status, r.rule_id, r.title, r.severity, "
    "r.pillar, f.status, t.message, res.kind, res.uid, res.name, "
    "res.namespace, res.source, lower(hex(f.fingerprint)) "
    "FROM temp.diff_rows d CROSS JOIN main.findings f ON f.id = d.show_id "
    "JOIN main.texts t ON t.id = f.text_ref "
    "JOIN main.rules r ON r.id = f.rule_ref "
    "JOIN main.resources res ON res.id = f.resource_ref "
    "WHERE d.cat = ? ORDER BY d.id LIMIT ?";

int store_diff_foreach(struct store *st, enum store_diff_cat cat,
                       long long limit, store_diff_fn *fn, void *ctx,
                       struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    struct strbuf col[STORE_DC_N];
    struct store_diff_item it;
    int step = SQLITE_DONE, rc = 0, i;

    memset(col, 0, sizeof(col));
    if (sqlite3_prepare_v2(st->db, diff_item_sql, -1, &stmt, NULL) != SQLITE_OK)
        return diff_sql_err(st, e);
    sqlite3_bind_int(stmt, 1, (int)cat);
    sqlite3_bind_int64(stmt, 2, limit);
    while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        for (i = 0; i < STORE_DC_N; i++) {
            const char *s = (const char *)sqlite3_column_text(stmt, i);
            sb_setlen(&col[i], 0);
            if (s)
                utf8_sanitize(&col[i], s,
                              (size_t)sqlite3_column_bytes(stmt, i));
            it.col[i] = s ? sb_str(&col[i]) : NULL;
            it.len[i] = s ? col[i].len : 0;
        }
        rc = fn(&it, ctx, e);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = diff_sql_err(st, e);
    sqlite3_finalize(stmt);
    for (i = 0; i < STORE_DC_N; i++)
        sb_release(&col[i]);
    return rc;
}
