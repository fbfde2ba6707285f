/*
 * engine_sql.c: cross-resource rules written in SQL (see docs/rules.md).
 * Each runs once per scan, after every resource was stored, over a
 * read-only view of the scan's resources, under an authorizer and a time
 * limit; its rows (uid, status, message) become findings, and a resource
 * of the rule's kinds it says nothing about gets an error, never a pass.
 */
#include "engine.h"
#include "engine_int.h"
#include "jsonpick.h"
#include "k8sauthz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "banned.h"

/* SQL rules may read the scan's resources through scan_resources, nothing
 * else, and may not write anything. */
static int engine_authorize(void *ctx, int action, const char *a, const char *b,
                            const char *db, const char *view)
{
    (void)ctx;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_READ:
        if (a && strcmp(a, "scan_resources") == 0 && db &&
            strcmp(db, "temp") == 0)
            return SQLITE_OK;
        /* SQLite's JSON table functions, which rules use on documents;
         * declaring their columns reads the schema's row ids. */
        if (a && (strcmp(a, "json_each") == 0 || strcmp(a, "json_tree") == 0))
            return SQLITE_OK;
        if (a && strcmp(a, "sqlite_master") == 0 && b &&
            strcmp(b, "ROWID") == 0)
            return SQLITE_OK;
        if (a && strcmp(a, "resources") == 0 && view &&
            strcmp(view, "scan_resources") == 0)
            return SQLITE_OK;
        /* Columns of subquery/CTE results have no table. */
        return a ? SQLITE_DENY : SQLITE_OK;
    case SQLITE_UPDATE:
        /* Declaring a JSON table function's columns checks this while the
         * statement is prepared; the statement must still be read-only
         * (tested after prepare), so nothing is ever written. */
        if (a && strcmp(a, "sqlite_master") == 0)
            return SQLITE_OK;
        return SQLITE_DENY;
    default:
        return SQLITE_DENY;
    }
}

/* A rule's query may run ENGINE_SQL_SECONDS at most: a runaway recursive
 * query becomes an error finding instead of a scan that never ends. */
#define ENGINE_SQL_SECONDS 120

static int engine_sql_deadline(void *ctx)
{
    return time(NULL) > *(const time_t *)ctx;
}

/*
 * The resources a rule's query judged, by row id (engine_ref), in an
 * open-addressing hash set. A json object keyed by uid made each row of a
 * query over every workload copy its uid into a second table as large as
 * the scan's.
 */
struct engine_sql_seen {
    int64_t *slots; /* 0 is an empty slot: row ids start at 1 */
    size_t cap;     /* a power of two, or 0 */
    size_t n;
};

static size_t engine_sql_slot(const struct engine_sql_seen *s, int64_t ref)
{
    /* Row ids are dense: a multiplicative hash spreads neighbours. */
    size_t i = (size_t)((uint64_t)ref * 0x9E3779B97F4A7C15ull) & (s->cap - 1);

    while (s->slots[i] != 0 && s->slots[i] != ref)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int engine_sql_seen_has(const struct engine_sql_seen *s, int64_t ref)
{
    return s->cap && s->slots[engine_sql_slot(s, ref)] == ref;
}

/* Adds ref (> 0); 0 when it was there already. */
static int engine_sql_seen_add(struct engine_sql_seen *s, int64_t ref)
{
    size_t i;

    if (engine_sql_seen_has(s, ref))
        return 0;
    if (2 * (s->n + 1) > s->cap) { /* at most half full */
        struct engine_sql_seen g = {NULL, s->cap ? 2 * s->cap : 1024, 0};
        g.slots = xcalloc(g.cap, sizeof(*g.slots));
        for (i = 0; i < s->cap; i++)
            if (s->slots[i])
                g.slots[engine_sql_slot(&g, s->slots[i])] = s->slots[i];
        free(s->slots);
        s->slots = g.slots;
        s->cap = g.cap;
    }
    s->slots[engine_sql_slot(s, ref)] = ref;
    s->n++;
    return 1;
}

/*
 * 1 when seen holds every resource of the rule's kinds, 0 when not, -1 on
 * a database error. Row ids come from the index alone: neither the
 * resources nor the engine's uid tables (100,000 entries, a cache miss or
 * more per lookup) are read.
 */
static int engine_sql_covered(struct engine *eng, const struct rule *r,
                              const struct engine_sql_seen *seen)
{
    sqlite3 *db = store_db(eng->st);
    sqlite3_stmt *stmt = NULL;
    int all = 1, step = SQLITE_DONE;
    size_t j;

    if (sqlite3_prepare_v2(db,
                           "SELECT id FROM resources WHERE scan_id = ? AND "
                           "kind = ?",
                           -1, &stmt, NULL) != SQLITE_OK)
        return -1;
    for (j = 0; j < r->nkinds && all; j++) {
        sqlite3_bind_int64(stmt, 1, eng->scan_id);
        sqlite3_bind_text(stmt, 2, r->kinds[j], -1, SQLITE_STATIC);
        while (all && (step = sqlite3_step(stmt)) == SQLITE_ROW)
            all = engine_sql_seen_has(seen, sqlite3_column_int64(stmt, 0));
        if (all && step != SQLITE_DONE)
            all = -1;
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    return all;
}

/* An error finding, saying why, on each resource of the rule's kinds
 * that seen does not hold (every one when seen is NULL). */
static int engine_sql_errors(struct engine *eng, const struct rule *r,
                             const struct engine_sql_seen *seen,
                             const char *why, struct err *e)
{
    sqlite3 *db = store_db(eng->st);
    sqlite3_stmt *stmt = NULL;
    struct strbuf msg = STRBUF_INIT;
    size_t j;
    int rc = 0;

    if (sqlite3_prepare_v2(db,
                           "SELECT id, uid FROM resources WHERE scan_id = ? "
                           "AND kind = ? ORDER BY uid",
                           -1, &stmt, NULL) != SQLITE_OK)
        return err_set(e, "%s", sqlite3_errmsg(db));
    for (j = 0; j < r->nkinds && rc == 0; j++) {
        sqlite3_bind_int64(stmt, 1, eng->scan_id);
        sqlite3_bind_text(stmt, 2, r->kinds[j], -1, SQLITE_STATIC);
        while (rc == 0 && sqlite3_step(stmt) == SQLITE_ROW) {
            const char *uid = (const char *)sqlite3_column_text(stmt, 1);
            if (seen &&
                engine_sql_seen_has(seen, sqlite3_column_int64(stmt, 0)))
                continue;
            sb_setlen(&msg, 0);
            sb_addf(&msg, "not evaluated: %s", why);
            rc = engine_write(eng, r, uid, ST_ERROR, sb_str(&msg), NULL, e);
        }
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    sb_release(&msg);
    return rc;
}

static int engine_status_of(const char *s)
{
    int i;
    for (i = 0; i < 5; i++)
        if (s && strcmp(s, status_names[i]) == 0)
            return i;
    return -1;
}

/*
 * One row of a rule's query: its finding, unless the uid is not a resource
 * of this scan (nothing to attach to) or already has one from this rule
 * (the first row wins).
 */
static int engine_sql_row(struct engine *eng, const struct rule *r,
                          sqlite3_stmt *stmt, struct engine_sql_seen *seen,
                          struct strbuf *m, struct err *e)
{
    const char *uid = (const char *)sqlite3_column_text(stmt, 0);
    const char *status = (const char *)sqlite3_column_text(stmt, 1);
    const char *msg = (const char *)sqlite3_column_text(stmt, 2);
    int s = engine_status_of(status);
    int64_t ref;

    if (!uid || (ref = engine_ref(eng, uid)) <= 0)
        return 0;
    if (!engine_sql_seen_add(seen, ref))
        return 0;
    if (s < 0) {
        sb_setlen(m, 0);
        sb_addf(m, "not evaluated: rule %s returned status \"%s\"", r->id,
                status ? status : "NULL");
        return engine_write(eng, r, uid, ST_ERROR, sb_str(m), NULL, e);
    }
    return engine_write(eng, r, uid, (enum status)s, msg ? msg : "", NULL, e);
}

static int engine_sql_rule(struct engine *eng, const struct rule *r,
                           struct err *e)
{
    sqlite3 *db = store_db(eng->st);
    sqlite3_stmt *stmt = NULL;
    struct engine_sql_seen seen = {NULL, 0, 0};
    struct strbuf why = STRBUF_INIT;
    time_t deadline;
    int rc = 0, step;

    sqlite3_set_authorizer(db, engine_authorize, NULL);
    step = sqlite3_prepare_v2(db, r->check->sql, -1, &stmt, NULL);
    sqlite3_set_authorizer(db, NULL, NULL);
    if (step == SQLITE_OK && stmt && !sqlite3_stmt_readonly(stmt)) {
        sb_addf(&why, "rule %s: SQL must only read", r->id);
        rc = engine_sql_errors(eng, r, NULL, sb_str(&why), e);
        goto out;
    }
    if (step != SQLITE_OK) {
        sb_addf(&why, "rule %s: SQL does not run here: %s", r->id,
                sqlite3_errmsg(db));
        rc = engine_sql_errors(eng, r, NULL, sb_str(&why), e);
        goto out;
    }
    deadline = time(NULL) + ENGINE_SQL_SECONDS;
    sqlite3_progress_handler(db, 100000, engine_sql_deadline, &deadline);
    while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW)
        rc = engine_sql_row(eng, r, stmt, &seen, &why, e);
    sqlite3_progress_handler(db, 0, NULL, NULL);
    sb_setlen(&why, 0);
    if (rc == 0 && step != SQLITE_DONE) {
        if (step == SQLITE_INTERRUPT)
            sb_addf(&why, "rule %s: SQL ran longer than %d s and was stopped",
                    r->id, ENGINE_SQL_SECONDS);
        else
            sb_addf(&why, "rule %s: SQL failed: %s", r->id, sqlite3_errmsg(db));
        rc = engine_sql_errors(eng, r, &seen, sb_str(&why), e);
    } else if (rc == 0 && engine_sql_covered(eng, r, &seen) != 1) {
        sb_addf(&why, "rule %s returned no verdict for this resource", r->id);
        rc = engine_sql_errors(eng, r, &seen, sb_str(&why), e);
    }
out:
    sqlite3_finalize(stmt);
    free(seen.slots);
    sb_release(&why);
    return rc;
}

int engine_sql_functions(sqlite3 *db)
{
    int rc = jsonpick_register(db);

    return rc == SQLITE_OK ? k8sauthz_register(db) : rc;
}

int engine_finish(struct engine *eng, struct err *e)
{
    struct strbuf sql = STRBUF_INIT;
    const char *tm = getenv("FOURC_TIMINGS");
    int timings = tm && strcmp(tm, "2") == 0;
    size_t i;
    int rc = 0;

    sb_addf(&sql,
            "DROP VIEW IF EXISTS temp.scan_resources;"
            "CREATE TEMP VIEW scan_resources AS SELECT uid, kind, name, "
            "namespace, source, doc FROM main.resources WHERE scan_id = %lld",
            (long long)eng->scan_id);
    rc = store_exec(eng->st, sb_str(&sql), e);
    sb_release(&sql);
    if (rc == 0 && engine_sql_functions(store_db(eng->st)) != SQLITE_OK)
        rc = err_set(e, "%s", sqlite3_errmsg(store_db(eng->st)));
    if (rc)
        return -1;
    for (i = 0; i < eng->rs->n && rc == 0; i++) {
        const struct rule *r = eng->rs->rules[i];
        struct timespec t0, t1;
        if (!(r->automated && r->check && r->check->type == CK_SQL))
            continue;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = engine_sql_rule(eng, r, e);
        /* FOURC_TIMINGS=2: what each SQL rule costs, for benchmarks */
        if (timings) {
            clock_gettime(CLOCK_MONOTONIC, &t1);
            fprintf(stderr, "timing: sql %-32s %.3f s\n", r->id,
                    (double)(t1.tv_sec - t0.tv_sec) +
                        (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        }
    }
    store_exec(eng->st, "DROP VIEW IF EXISTS temp.scan_resources", NULL);
    return rc;
}
