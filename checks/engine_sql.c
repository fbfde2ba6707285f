/*
 * engine_sql.c: cross-resource rules written in SQL (see docs/rules.md).
 * Each runs once per scan, after every resource was stored, over a
 * read-only view of the scan's resources, under an authorizer and a time
 * limit; its rows (uid, status, message) become findings, and a resource
 * of the rule's kinds it says nothing about gets an error, never a pass.
 */
#include "engine.h"
#include "engine_int.h"

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

static int engine_sql_errors(struct engine *eng, const struct rule *r,
                             json_t *covered, const char *why, struct err *e)
{
    sqlite3 *db = store_db(eng->st);
    sqlite3_stmt *stmt = NULL;
    struct strbuf msg = STRBUF_INIT;
    size_t j;
    int rc = 0;

    if (sqlite3_prepare_v2(db,
                           "SELECT uid FROM resources WHERE scan_id = ? AND "
                           "kind = ? ORDER BY uid",
                           -1, &stmt, NULL) != SQLITE_OK)
        return err_set(e, "%s", sqlite3_errmsg(db));
    for (j = 0; j < r->nkinds && rc == 0; j++) {
        sqlite3_bind_int64(stmt, 1, eng->scan_id);
        sqlite3_bind_text(stmt, 2, r->kinds[j], -1, SQLITE_STATIC);
        while (rc == 0 && sqlite3_step(stmt) == SQLITE_ROW) {
            const char *uid = (const char *)sqlite3_column_text(stmt, 0);
            if (covered && json_object_get(covered, uid))
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

/*
 * True when covered holds every resource of the rule's kinds, known from
 * what the engine stored: then engine_sql_errors would write nothing, and
 * need not read every such resource back from the database to find that
 * out (for a rule over workloads that was all their documents). When in
 * doubt (a kind listed twice), false: engine_sql_errors decides.
 */
static int engine_sql_all_covered(struct engine *eng, const struct rule *r,
                                  json_t *covered)
{
    size_t want = 0, have = 0, i, j;
    const char *uid;
    json_t *v;

    for (j = 0; j < r->nkinds; j++)
        for (i = 0; i < eng->nkinds; i++)
            if (strcmp(eng->kinds[i].kind, r->kinds[j]) == 0)
                want += eng->kinds[i].stored;
    json_object_foreach(covered, uid, v)
    {
        json_t *kv = json_object_get(eng->uid_kind, uid);
        json_int_t k = json_integer_value(kv);
        if (!kv || k < 0 || (size_t)k >= eng->nkinds)
            continue;
        for (j = 0; j < r->nkinds; j++) {
            if (strcmp(eng->kinds[k].kind, r->kinds[j]) == 0) {
                have++;
                break;
            }
        }
    }
    return have == want;
}

static int engine_status_of(const char *s)
{
    int i;
    for (i = 0; i < 5; i++)
        if (s && strcmp(s, status_names[i]) == 0)
            return i;
    return -1;
}

static int engine_sql_rule(struct engine *eng, const struct rule *r,
                           struct err *e)
{
    sqlite3 *db = store_db(eng->st);
    sqlite3_stmt *stmt = NULL;
    json_t *covered = json_object();
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
    while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *uid = (const char *)sqlite3_column_text(stmt, 0);
        const char *status = (const char *)sqlite3_column_text(stmt, 1);
        const char *msg = (const char *)sqlite3_column_text(stmt, 2);
        int s = engine_status_of(status);
        struct strbuf m = STRBUF_INIT;

        if (!uid)
            continue;
        if (!engine_ref(eng, uid))
            continue; /* not a resource of this scan: nothing to attach to */
        if (json_object_get(covered, uid))
            continue; /* one finding per (rule, resource): first row wins */
        json_object_set_new(covered, uid, json_true());
        if (s < 0) {
            sb_addf(&m, "not evaluated: rule %s returned status \"%s\"", r->id,
                    status ? status : "NULL");
            s = ST_ERROR;
        } else {
            sb_adds(&m, msg ? msg : "");
        }
        rc = engine_write(eng, r, uid, (enum status)s, sb_str(&m), NULL, e);
        sb_release(&m);
    }
    sqlite3_progress_handler(db, 0, NULL, NULL);
    if (rc == 0 && step != SQLITE_DONE) {
        if (step == SQLITE_INTERRUPT)
            sb_addf(&why, "rule %s: SQL ran longer than %d s and was stopped",
                    r->id, ENGINE_SQL_SECONDS);
        else
            sb_addf(&why, "rule %s: SQL failed: %s", r->id, sqlite3_errmsg(db));
        rc = engine_sql_errors(eng, r, covered, sb_str(&why), e);
    } else if (rc == 0 && !engine_sql_all_covered(eng, r, covered)) {
        sb_addf(&why, "rule %s returned no verdict for this resource", r->id);
        rc = engine_sql_errors(eng, r, covered, sb_str(&why), e);
    }
out:
    sqlite3_finalize(stmt);
    json_decref(covered);
    sb_release(&why);
    return rc;
}

int engine_finish(struct engine *eng, struct err *e)
{
    struct strbuf sql = STRBUF_INIT;
    size_t i;
    int rc = 0;

    sb_addf(&sql,
            "DROP VIEW IF EXISTS temp.scan_resources;"
            "CREATE TEMP VIEW scan_resources AS SELECT uid, kind, name, "
            "namespace, source, doc FROM main.resources WHERE scan_id = %lld",
            (long long)eng->scan_id);
    if (store_exec(eng->st, sb_str(&sql), e)) {
        sb_release(&sql);
        return -1;
    }
    sb_release(&sql);
    for (i = 0; i < eng->rs->n && rc == 0; i++) {
        const struct rule *r = eng->rs->rules[i];
        if (r->automated && r->check && r->check->type == CK_SQL)
            rc = engine_sql_rule(eng, r, e);
    }
    store_exec(eng->st, "DROP VIEW IF EXISTS temp.scan_resources", NULL);
    return rc;
}
