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
#include "store_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "banned.h"

/* What the authorizer allows: the pack's views built so far, and while a
 * view is being built, writing that one TEMP table (and its indexes). */
struct engine_auth {
    const struct ruleset *rs;
    const char *building;
};

static int engine_auth_building(const struct engine_auth *au, const char *t)
{
    return au->building && t && strcmp(t, au->building) == 0;
}

/* SQL rules may read the scan's resources through scan_resources and the
 * pack's views (TEMP tables built from it), nothing else, and may not
 * write anything. */
static int engine_authorize(void *ctx, int action, const char *a, const char *b,
                            const char *db, const char *view)
{
    const struct engine_auth *au = ctx;
    int temp = db && strcmp(db, "temp") == 0;

    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_CREATE_TEMP_TABLE:
        return engine_auth_building(au, a) ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_CREATE_TEMP_INDEX:
        return engine_auth_building(au, b) ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_REINDEX: /* a new index is filled */
        return au->building && temp ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_INSERT:
        if (au->building && temp && a &&
            (strcmp(a, "sqlite_temp_master") == 0 ||
             strcmp(a, "sqlite_master") == 0 || engine_auth_building(au, a)))
            return SQLITE_OK;
        return SQLITE_DENY;
    case SQLITE_READ:
        if (a && strcmp(a, "scan_resources") == 0 && temp)
            return SQLITE_OK;
        if (au->building && temp && a && strcmp(a, "sqlite_temp_master") == 0)
            return SQLITE_OK;
        if (a && temp && ruleset_view(au->rs, a))
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
        if (au->building && temp && a && strcmp(a, "sqlite_temp_master") == 0)
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
        return store_fail(eng->st, "list the resources a rule judges", e);
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
                           const char *views_failed, struct err *e)
{
    struct engine_auth au = {eng->rs, NULL};
    sqlite3 *db = store_db(eng->st);
    sqlite3_stmt *stmt = NULL;
    struct engine_sql_seen seen = {NULL, 0, 0};
    struct strbuf why = STRBUF_INIT;
    time_t deadline;
    int rc = 0, step;

    sqlite3_set_authorizer(db, engine_authorize, &au);
    step = sqlite3_prepare_v2(db, r->check->sql, -1, &stmt, NULL);
    sqlite3_set_authorizer(db, NULL, NULL);
    if (step == SQLITE_OK && stmt && !sqlite3_stmt_readonly(stmt)) {
        sb_addf(&why, "rule %s: SQL must only read", r->id);
        rc = engine_sql_errors(eng, r, NULL, sb_str(&why), e);
        goto out;
    }
    if (step != SQLITE_OK) {
        /* SQLite's own text is no explanation for a reader of the report;
         * `fourc rules lint` shows it to the rule's author. */
        if (views_failed)
            sb_addf(&why,
                    "rule %s: SQL cannot run: the view(s) %s could not be "
                    "built",
                    r->id, views_failed);
        else if ((step & 0xff) == SQLITE_AUTH)
            sb_addf(&why,
                    "rule %s: SQL reads a table other than scan_resources "
                    "and the pack's views, or writes",
                    r->id);
        else if ((step & 0xff) == SQLITE_ERROR)
            sb_addf(&why,
                    "rule %s: SQL cannot run here: it names a table, column "
                    "or function this scan does not have (`fourc rules "
                    "lint` shows which)",
                    r->id);
        else
            sb_addf(&why, "rule %s: SQL cannot run here: %s", r->id,
                    store_reason(step));
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
        else if ((step & 0xff) == SQLITE_ERROR)
            sb_addf(&why,
                    "rule %s: SQL failed while running (a function it calls "
                    "rejected a value, such as malformed JSON)",
                    r->id);
        else
            sb_addf(&why, "rule %s: SQL failed: %s", r->id, store_reason(step));
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

static double engine_secs(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* 1 when the store's own schema has a table, index or view named name. */
static int engine_store_has(sqlite3 *db, const char *name)
{
    sqlite3_stmt *stmt = NULL;
    int has = 1; /* unknown: not taken as free */

    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM main.sqlite_master WHERE name = ? "
                           "COLLATE NOCASE",
                           -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
        has = sqlite3_step(stmt) != SQLITE_DONE;
    }
    sqlite3_finalize(stmt);
    return has;
}

static void engine_cview_failed(struct engine *eng, const char *name,
                                const char *why)
{
    if (eng->cview_failed.len)
        sb_adds(&eng->cview_failed, ", ");
    sb_addf(&eng->cview_failed, "%s (%s)", name, why);
}

void engine_cviews_open(struct engine *eng)
{
    sqlite3 *db = store_db(eng->st);
    struct strbuf sql = STRBUF_INIT;
    size_t i, j, any_sql = 0;

    for (i = 0; i < eng->rs->n; i++) {
        const struct rule *r = eng->rs->rules[i];
        any_sql |= r->automated && r->check && r->check->type == CK_SQL;
    }
    for (i = 0; any_sql && i < eng->rs->nviews; i++) {
        const struct rule_view *v = eng->rs->views[i];
        struct engine_cview *cv;
        int rc;
        if (v->sql)
            continue;
        if (engine_store_has(db, v->name)) {
            engine_cview_failed(eng, v->name,
                                "the store has a table of "
                                "that name");
            continue;
        }
        sb_setlen(&sql, 0);
        sb_addf(&sql, "DROP TABLE IF EXISTS temp.\"%s\"", v->name);
        sqlite3_exec(db, sb_str(&sql), NULL, NULL, NULL);
        eng->cviews =
            xrealloc(eng->cviews, (eng->ncviews + 1) * sizeof(*eng->cviews));
        cv = &eng->cviews[eng->ncviews++];
        cv->v = v;
        cv->ins = NULL;
        rc = rule_view_create(db, v);
        if (rc == SQLITE_OK) {
            sb_setlen(&sql, 0);
            sb_addf(&sql, "INSERT INTO temp.\"%s\" VALUES (?, ?, ?, ?",
                    v->name);
            for (j = 0; j < v->ncols; j++)
                sb_adds(&sql, ", ?");
            sb_adds(&sql, ")");
            rc = sqlite3_prepare_v2(db, sb_str(&sql), -1, &cv->ins, NULL);
        }
        if (rc != SQLITE_OK)
            engine_cview_failed(eng, v->name, store_reason(rc));
    }
    sb_release(&sql);
}

/* The JSON text of the value p names in r (NULL: absent, or a path that
 * cannot be followed: a rule of the resource's own kind says why). */
static const char *engine_cview_value(struct engine *eng, const struct jpath *p,
                                      const struct resource *r, size_t *len)
{
    struct jp_scope sc = {r->doc, r->kind,  r->doc,        "",      NULL, NULL,
                          1,      eng->pod, eng->pod_path, &eng->jp};
    struct jp_one one;
    size_t start;

    if (jpath_resolve_one(p, &sc, &one, NULL) != 0 || !one.v)
        return NULL;
    /* objects and arrays are already written out in the stored document */
    if (jsonw_spans_find(&eng->spans, one.v, &start, len))
        return eng->doc.buf + start;
    sb_setlen(&eng->cview_val, 0);
    jsonw_value(&eng->cview_val, one.v);
    *len = eng->cview_val.len;
    return sb_str(&eng->cview_val);
}

void engine_cviews_add(struct engine *eng, const char *uid,
                       const struct resource *r)
{
    size_t i, j;

    for (i = 0; i < eng->ncviews; i++) {
        struct engine_cview *cv = &eng->cviews[i];
        const struct rule_view *v = cv->v;
        for (j = 0; j < v->nkinds; j++)
            if (strcmp(v->kinds[j], r->kind) == 0)
                break;
        if (!cv->ins || j == v->nkinds)
            continue;
        sqlite3_bind_text(cv->ins, 1, uid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(cv->ins, 2, r->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(cv->ins, 3, r->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(cv->ins, 4, r->namespace, -1, SQLITE_STATIC);
        for (j = 0; j < v->ncols; j++) {
            size_t len = 0;
            const char *t = engine_cview_value(eng, v->cols[j].path, r, &len);
            if (t)
                sqlite3_bind_text(cv->ins, (int)j + 5, t, (int)len,
                                  SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(cv->ins, (int)j + 5);
        }
        if (sqlite3_step(cv->ins) != SQLITE_DONE) {
            /* the rules that read it error (it is gone), never judge on
             * part of it */
            struct strbuf drop = STRBUF_INIT;
            engine_cview_failed(
                eng, v->name, store_reason(sqlite3_errcode(store_db(eng->st))));
            sqlite3_finalize(cv->ins);
            cv->ins = NULL;
            sb_addf(&drop, "DROP TABLE IF EXISTS temp.\"%s\"", v->name);
            sqlite3_exec(store_db(eng->st), sb_str(&drop), NULL, NULL, NULL);
            sb_release(&drop);
            continue;
        }
        sqlite3_reset(cv->ins);
        sqlite3_clear_bindings(cv->ins);
    }
}

void engine_cviews_close(struct engine *eng)
{
    size_t i;

    for (i = 0; i < eng->ncviews; i++)
        sqlite3_finalize(eng->cviews[i].ins);
    free(eng->cviews);
    eng->cviews = NULL;
    eng->ncviews = 0;
}

/*
 * Builds the pack's views, in order, as TEMP tables, under the rules'
 * authorizer and time limit. One that fails is left out (every rule that
 * reads it then fails to prepare: errors, never a verdict); its name goes
 * to failed ("a, b").
 */
static void engine_build_views(struct engine *eng, int timings,
                               struct strbuf *failed)
{
    sqlite3 *db = store_db(eng->st);
    struct strbuf sql = STRBUF_INIT;
    size_t i;

    if (eng->cview_failed.len)
        sb_adds(failed, sb_str(&eng->cview_failed));
    for (i = 0; i < eng->rs->nviews; i++) {
        const struct rule_view *v = eng->rs->views[i];
        struct engine_auth au = {eng->rs, v->name};
        struct timespec t0;
        time_t deadline = time(NULL) + ENGINE_SQL_SECONDS;
        int rc;

        if (!v->sql)
            continue; /* filled as the resources were judged */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (engine_store_has(db, v->name)) {
            /* a TEMP table of that name would hide the store's own from
             * every statement of the connection */
            if (failed->len)
                sb_adds(failed, ", ");
            sb_addf(failed, "%s (the store has a table of that name)", v->name);
            continue;
        }
        sb_setlen(&sql, 0);
        sb_addf(&sql, "DROP TABLE IF EXISTS temp.\"%s\"", v->name);
        sqlite3_exec(db, sb_str(&sql), NULL, NULL, NULL);
        sqlite3_set_authorizer(db, engine_authorize, &au);
        sqlite3_progress_handler(db, 100000, engine_sql_deadline, &deadline);
        rc = rule_view_create(db, v);
        sqlite3_progress_handler(db, 0, NULL, NULL);
        sqlite3_set_authorizer(db, NULL, NULL);
        if (rc != SQLITE_OK) {
            sqlite3_exec(db, sb_str(&sql), NULL, NULL, NULL);
            if (failed->len)
                sb_adds(failed, ", ");
            sb_addf(failed, "%s (%s)", v->name,
                    rc == SQLITE_INTERRUPT ? "ran too long"
                    : (rc & 0xff) == SQLITE_ERROR
                        ? "its SQL does not run here; `fourc rules lint` "
                          "shows why"
                        : store_reason(rc));
        }
        if (timings)
            fprintf(stderr, "timing: view %-31s %.3f s\n", v->name,
                    engine_secs(&t0));
    }
    sb_release(&sql);
}

static void engine_drop_views(struct engine *eng)
{
    struct strbuf sql = STRBUF_INIT;
    size_t i;

    for (i = eng->rs->nviews; i-- > 0;) {
        sb_setlen(&sql, 0);
        sb_addf(&sql, "DROP TABLE IF EXISTS temp.\"%s\"",
                eng->rs->views[i]->name);
        sqlite3_exec(store_db(eng->st), sb_str(&sql), NULL, NULL, NULL);
    }
    sb_release(&sql);
}

int engine_finish(struct engine *eng, struct err *e)
{
    struct strbuf sql = STRBUF_INIT, failed = STRBUF_INIT;
    const char *tm = getenv("FOURC_TIMINGS");
    int timings = tm && strcmp(tm, "2") == 0, any_sql = 0;
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
        rc = store_fail(eng->st, "register the SQL rules' functions", e);
    if (rc)
        return -1;
    for (i = 0; i < eng->rs->n; i++) {
        const struct rule *r = eng->rs->rules[i];
        any_sql |= r->automated && r->check && r->check->type == CK_SQL;
    }
    engine_cviews_close(eng);
    if (any_sql)
        engine_build_views(eng, timings, &failed);
    for (i = 0; i < eng->rs->n && rc == 0; i++) {
        const struct rule *r = eng->rs->rules[i];
        struct timespec t0;
        if (!(r->automated && r->check && r->check->type == CK_SQL))
            continue;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = engine_sql_rule(eng, r, failed.len ? sb_str(&failed) : NULL, e);
        /* FOURC_TIMINGS=2: what each SQL rule costs, for benchmarks */
        if (timings)
            fprintf(stderr, "timing: sql %-32s %.3f s\n", r->id,
                    engine_secs(&t0));
    }
    engine_drop_views(eng);
    store_exec(eng->st, "DROP VIEW IF EXISTS temp.scan_resources", NULL);
    sb_release(&failed);
    return rc;
}
