/*
 * model.c: a stored scan as fourc.report/v1 pieces, for every reporter.
 *
 * Counts are taken per (rule, status) in SQL and folded in C, so summaries
 * cost one pass over the findings whatever the number of frameworks.
 */
#include "reporter.h"

#include <string.h>

#include "catalogue.h"
#include "rule.h"
#include "store_sql.h"
#include "util.h"
#include "banned.h"

static const char *const model_statuses[] = {"pass",   "fail", "error",
                                             "manual", "skip", "waived"};
static const char *const model_severities[] = {"critical", "high", "medium",
                                               "low", "info"};
static const char *const model_pillars[] = {"code", "container", "cluster",
                                            "cloud"};

static int model_sql_err(const struct report_ctx *rc, struct err *e)
{
    return store_fail(rc->st, "read the scan", e);
}

/* A text column as a JSON string. Bytes that are not UTF-8 (an SQL rule
 * can produce any) become U+FFFD, so every format stays valid. */
static json_t *model_text(sqlite3_stmt *stmt, int col)
{
    const char *s = (const char *)sqlite3_column_text(stmt, col);

    return s ? json_stringn_lossy(s, (size_t)sqlite3_column_bytes(stmt, col))
             : json_null();
}

/* What collectors learnt about the targets (store_scan_target_info),
 * {"INDEX": {"KEY": VALUE}}, into the entries of targets. */
static void model_target_info(json_t *targets, const char *info_json)
{
    json_t *info = json_loads(info_json, 0, NULL), *v;
    const char *idx;

    json_object_foreach(info, idx, v)
    {
        char *end;
        long i = strtol(idx, &end, 10);
        json_t *t = *end || i < 0 ? NULL : json_array_get(targets, (size_t)i);

        if (json_is_object(t) && json_is_object(v))
            json_object_update(t, v);
    }
    json_decref(info);
}

json_t *report_scan(const struct report_ctx *rc, struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    json_t *scan = NULL, *targets;
    const char *t;

    if (sqlite3_prepare_v2(store_db(rc->st),
                           "SELECT id, started, finished, status, targets, "
                           "rules_digest, tool_version, target_info FROM "
                           "scans WHERE id = ?",
                           -1, &stmt, NULL) != SQLITE_OK) {
        model_sql_err(rc, e);
        return NULL;
    }
    sqlite3_bind_int64(stmt, 1, rc->scan_id);
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        err_set(e, "%s has no scan %lld", store_path(rc->st),
                (long long)rc->scan_id);
        sqlite3_finalize(stmt);
        return NULL;
    }
    t = (const char *)sqlite3_column_text(stmt, 4);
    targets = t ? json_loads(t, 0, NULL) : NULL;
    t = (const char *)sqlite3_column_text(stmt, 7);
    if (t && json_is_array(targets))
        model_target_info(targets, t);
    scan = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                     (json_int_t)sqlite3_column_int64(stmt, 0), "started",
                     model_text(stmt, 1), "finished", model_text(stmt, 2),
                     "status", model_text(stmt, 3), "targets",
                     targets ? targets : json_array(), "rules_digest",
                     model_text(stmt, 5), "tool_version", model_text(stmt, 6));
    sqlite3_finalize(stmt);
    return scan;
}

static json_t *model_counts(void)
{
    json_t *c = json_object();
    size_t i;

    for (i = 0; i < 6; i++)
        json_object_set_new(c, model_statuses[i], json_integer(0));
    return c;
}

static void model_add(json_t *counts, const char *status, json_int_t n)
{
    json_t *v = json_object_get(counts, status);

    json_object_set_new(counts, status,
                        json_integer(json_integer_value(v) + n));
}

static void model_bump(json_t *group, const char *key, const char *status,
                       json_int_t n)
{
    json_t *c;

    if (!key)
        return;
    c = json_object_get(group, key);
    if (!c) {
        c = model_counts();
        json_object_set_new(group, key, c);
    }
    model_add(c, status, n);
}

/* rule[key] as a new reference, or def (stolen) when absent. */
static json_t *model_get(const json_t *rule, const char *key, json_t *def)
{
    json_t *v = json_object_get(rule, key);

    if (v) {
        json_decref(def);
        return json_incref(v);
    }
    return def;
}

/* Counts per control id of one framework: entry.controls[id]. */
static void model_controls(json_t *entry, const json_t *ids, const char *status,
                           json_int_t n)
{
    json_t *controls = json_object_get(entry, "controls"), *id;
    size_t i;

    if (!controls) {
        controls = json_object();
        json_object_set_new(entry, "controls", controls);
    }
    json_array_foreach(ids, i, id)
    {
        model_bump(controls, json_string_value(id), status, n);
    }
}

/* Names from the framework catalogues: the framework's title, each
 * control's title and the titles of the sections they sit in. A framework
 * or control the catalogue lacks simply has none. */
static void model_titles(json_t *fw)
{
    const char *name, *id;
    json_t *entry, *counts;

    json_object_foreach(fw, name, entry)
    {
        const struct catalogue *cat = catalogue_find(name);
        json_t *sections = json_object();
        if (!cat) {
            json_decref(sections);
            continue;
        }
        json_object_set_new(entry, "title", json_string(catalogue_name(cat)));
        json_object_foreach(json_object_get(entry, "controls"), id, counts)
        {
            const struct control *c = catalogue_control(cat, id);
            const char *st;
            if (!c)
                continue;
            json_object_set_new(counts, "title", json_string(c->title));
            if (c->section &&
                (st = catalogue_section_title(cat, c->section)) != NULL)
                json_object_set_new(sections, c->section, json_string(st));
        }
        json_object_set_new(entry, "sections", sections);
    }
}

json_t *report_summary(const struct report_ctx *rc, struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    json_t *sum = model_counts(), *sev = json_object(), *pil = json_object(),
           *fw = json_object();
    json_int_t total = 0;
    size_t i;
    int step;

    for (i = 0; i < 5; i++)
        json_object_set_new(sev, model_severities[i], model_counts());
    for (i = 0; i < 4; i++)
        json_object_set_new(pil, model_pillars[i], model_counts());
    if (sqlite3_prepare_v2(store_db(rc->st),
                           /* Count first, join after: grouping rows that
                            * carry the rule document would sort gigabytes
                            * on a large scan. */
                           "SELECT g.status, r.severity, r.pillar, r.doc, "
                           "g.n FROM scan_counts g JOIN rules r ON "
                           "r.id = g.rule_ref WHERE g.scan_id = ?",
                           -1, &stmt, NULL) != SQLITE_OK) {
        model_sql_err(rc, e);
        goto fail;
    }
    sqlite3_bind_int64(stmt, 1, rc->scan_id);
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(stmt, 0);
        const char *doc = (const char *)sqlite3_column_text(stmt, 3);
        json_int_t n = sqlite3_column_int64(stmt, 4);
        json_t *rule = doc ? json_loads(doc, 0, NULL) : NULL, *ids;
        const char *name;

        total += n;
        model_add(sum, status, n);
        model_bump(sev, (const char *)sqlite3_column_text(stmt, 1), status, n);
        model_bump(pil, (const char *)sqlite3_column_text(stmt, 2), status, n);
        json_object_foreach(json_object_get(rule, "frameworks"), name, ids)
        {
            model_bump(fw, name, status, n);
            model_controls(json_object_get(fw, name), ids, status, n);
        }
        json_decref(rule);
    }
    sqlite3_finalize(stmt);
    if (step != SQLITE_DONE) {
        model_sql_err(rc, e);
        goto fail;
    }
    json_object_set_new(sum, "total", json_integer(total));
    json_object_set_new(sum, "by_severity", sev);
    json_object_set_new(sum, "by_pillar", pil);
    model_titles(fw);
    json_object_set_new(sum, "by_framework", fw);
    return sum;
fail:
    json_decref(sum);
    json_decref(sev);
    json_decref(pil);
    json_decref(fw);
    return NULL;
}

/* The rule row ref as written; new reference, {} if unreadable. */
static json_t *model_rule(const struct report_ctx *rc, sqlite3_int64 ref)
{
    sqlite3_stmt *stmt = NULL;
    json_t *rule = NULL;

    if (sqlite3_prepare_v2(store_db(rc->st),
                           "SELECT doc FROM rules WHERE id = ?", -1, &stmt,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(stmt, 1, ref);
        if (sqlite3_step(stmt) == SQLITE_ROW)
            rule =
                json_loads((const char *)sqlite3_column_text(stmt, 0), 0, NULL);
    }
    sqlite3_finalize(stmt);
    return rule ? rule : json_object();
}

/*
 * Reports list findings by rule, then status, then in the order they were
 * found. findings has no index in that order (keeping one up was a tenth
 * of a large scan's time), so the scan's finding ids are sorted once into
 * a temporary table, whose row ids then give the order.
 */
static int model_order(const struct report_ctx *rc, struct err *e)
{
    sqlite3 *db = store_db(rc->st);
    sqlite3_stmt *stmt = NULL;
    int step;

    if (sqlite3_exec(db, "DROP TABLE IF EXISTS temp.report_order", NULL, NULL,
                     NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(
            db,
            "CREATE TEMP TABLE report_order AS SELECT f.id "
            "AS fid FROM main.findings f WHERE " STORE_SCAN_FINDINGS(
                "f", "?1") " "
                           "ORDER BY rule_ref, status, id",
            -1, &stmt, NULL) != SQLITE_OK)
        return model_sql_err(rc, e);
    sqlite3_bind_int64(stmt, 1, rc->scan_id);
    step = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return step == SQLITE_DONE ? 0 : model_sql_err(rc, e);
}

int report_foreach_finding(const struct report_ctx *rc,
                           int (*fn)(const json_t *finding, void *ctx),
                           void *ctx, struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    json_t *rules = json_object(); /* hash -> parsed rule */
    int step = SQLITE_DONE, rc2 = 0;

    if (model_order(rc, e)) {
        json_decref(rules);
        return -1;
    }
    if (sqlite3_prepare_v2(
            store_db(rc->st),
            "SELECT r.rule_id, r.hash, f.status, r.severity, r.pillar, "
            "t.message, t.evidence, lower(hex(f.fingerprint)), res.kind, "
            "res.uid, res.name, res.namespace, res.source, r.id "
            "FROM temp.report_order o CROSS JOIN main.findings f "
            "ON f.id = o.fid JOIN main.rules r ON r.id = f.rule_ref "
            "JOIN main.texts t ON t.id = f.text_ref "
            "JOIN main.resources res ON res.id = f.resource_ref "
            "ORDER BY o.rowid",
            -1, &stmt, NULL) != SQLITE_OK) {
        json_decref(rules);
        return model_sql_err(rc, e);
    }
    while (rc2 == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *hash = (const char *)sqlite3_column_text(stmt, 1);
        const char *ev = (const char *)sqlite3_column_text(stmt, 6);
        json_t *rule = json_object_get(rules, hash), *f, *evidence;

        if (!rule) {
            rule = model_rule(rc, sqlite3_column_int64(stmt, 13));
            json_object_set_new(rules, hash, rule);
        }
        evidence = ev ? json_loads(ev, 0, NULL) : NULL;
        f = json_pack(
            "{s:o, s:o, s:o, s:o, s:o, s:o, "
            "s:{s:o, s:o, s:o, s:o, s:o}, "
            "s:o, s:o, s:o, s:o, s:s, s:o}",
            "rule", model_text(stmt, 0), "title",
            model_get(rule, "title", json_string("")), "pillar",
            model_text(stmt, 4), "severity", model_text(stmt, 3), "status",
            model_text(stmt, 2), "message", model_text(stmt, 5), "resource",
            "kind", model_text(stmt, 8), "uid", model_text(stmt, 9), "name",
            model_text(stmt, 10), "namespace", model_text(stmt, 11), "source",
            model_text(stmt, 12), "evidence",
            evidence ? evidence : json_object(), "frameworks",
            model_get(rule, "frameworks", json_object()), "remediation",
            model_get(rule, "remediation", json_string("")), "references",
            model_get(rule, "references", json_array()), "rule_version", hash,
            "fingerprint",
            json_sprintf("sha256:%s", sqlite3_column_text(stmt, 7)));
        if (!f) {
            rc2 = err_set(e,
                          "scan %lld: finding of rule %s could not be "
                          "built",
                          (long long)rc->scan_id,
                          (const char *)sqlite3_column_text(stmt, 0));
            break;
        }
        rc2 = fn(f, ctx);
        json_decref(f);
    }
    if (rc2 == 0 && step != SQLITE_DONE)
        rc2 = model_sql_err(rc, e);
    sqlite3_finalize(stmt);
    sqlite3_exec(store_db(rc->st), "DROP TABLE temp.report_order", NULL, NULL,
                 NULL);
    json_decref(rules);
    return rc2;
}

json_t *report_trend(const struct report_ctx *rc, int max, struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    json_t *out = json_array(), *ids = json_array(), *id;
    size_t i;
    int step;

    /* The newest complete scans of the same targets, up to this one. */
    if (sqlite3_prepare_v2(
            store_db(rc->st),
            "SELECT s.id, s.finished FROM scans s, scans me WHERE me.id = ? "
            "AND s.status = 'complete' AND s.id <= me.id "
            "AND " STORE_SAME_TARGETS " ORDER BY s.id DESC LIMIT ?",
            -1, &stmt, NULL) != SQLITE_OK) {
        model_sql_err(rc, e);
        goto fail;
    }
    sqlite3_bind_int64(stmt, 1, rc->scan_id);
    sqlite3_bind_int(stmt, 2, max);
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW)
        json_array_insert_new(
            ids, 0,
            json_pack("{s:I, s:o}", "id",
                      (json_int_t)sqlite3_column_int64(stmt, 0), "finished",
                      model_text(stmt, 1)));
    sqlite3_finalize(stmt);
    stmt = NULL;
    if (step != SQLITE_DONE) {
        model_sql_err(rc, e);
        goto fail;
    }
    if (sqlite3_prepare_v2(store_db(rc->st),
                           "SELECT status, sum(n) FROM scan_counts WHERE "
                           "scan_id = ? GROUP BY status",
                           -1, &stmt, NULL) != SQLITE_OK) {
        model_sql_err(rc, e);
        goto fail;
    }
    json_array_foreach(ids, i, id)
    {
        json_t *point = model_counts();
        json_object_set(point, "id", json_object_get(id, "id"));
        json_object_set(point, "finished", json_object_get(id, "finished"));
        sqlite3_bind_int64(stmt, 1,
                           json_integer_value(json_object_get(id, "id")));
        while (sqlite3_step(stmt) == SQLITE_ROW)
            model_add(point, (const char *)sqlite3_column_text(stmt, 0),
                      sqlite3_column_int64(stmt, 1));
        sqlite3_reset(stmt);
        json_array_append_new(out, point);
    }
    sqlite3_finalize(stmt);
    json_decref(ids);
    return out;
fail:
    sqlite3_finalize(stmt);
    json_decref(ids);
    json_decref(out);
    return NULL;
}

/* ---- rows for reporters that tabulate ---- */

static const char *model_col(sqlite3_stmt *stmt, int col)
{
    return (const char *)sqlite3_column_text(stmt, col);
}

/* Prepares sql with the scan id bound to ?1 and max (if >= 0) to ?2. */
static sqlite3_stmt *model_prepare(const struct report_ctx *rc, const char *sql,
                                   int max, const char *op, struct err *e)
{
    sqlite3_stmt *stmt = NULL;

    if (sqlite3_prepare_v2(store_db(rc->st), sql, -1, &stmt, NULL) !=
        SQLITE_OK) {
        store_fail(rc->st, op, e);
        return NULL;
    }
    sqlite3_bind_int64(stmt, 1, rc->scan_id);
    if (max >= 0)
        sqlite3_bind_int(stmt, 2, max);
    return stmt;
}

/* Finishes a walk: finalizes, and fails with op on an SQLite error. */
static int model_done(const struct report_ctx *rc, sqlite3_stmt *stmt, int step,
                      int rc2, const char *op, struct err *e)
{
    sqlite3_finalize(stmt);
    if (rc2 == 0 && step != SQLITE_DONE)
        return store_fail(rc->st, op, e);
    return rc2;
}

int report_foreach_count(const struct report_ctx *rc,
                         int (*fn)(const struct report_count *c, void *ctx),
                         void *ctx, struct err *e)
{
    static const char op[] = "read the scan's counts";
    sqlite3_stmt *stmt =
        model_prepare(rc,
                      "SELECT r.hash, g.status, g.n, r.rule_id, r.severity, "
                      "r.title FROM scan_counts g "
                      "JOIN rules r ON r.id = g.rule_ref "
                      "WHERE g.scan_id = ?",
                      -1, op, e);
    int step = SQLITE_DONE, rc2 = 0;

    if (!stmt)
        return -1;
    while (rc2 == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct report_count c = {
            model_col(stmt, 3), model_col(stmt, 0),
            model_col(stmt, 4), model_col(stmt, 5),
            model_col(stmt, 1), sqlite3_column_int64(stmt, 2)};
        rc2 = fn(&c, ctx);
    }
    return model_done(rc, stmt, step, rc2, op, e);
}

int report_foreach_top_rule(const struct report_ctx *rc, int max,
                            int (*fn)(const struct report_top_rule *t,
                                      void *ctx),
                            void *ctx, struct err *e)
{
    static const char op[] = "read the scan's summary";
    sqlite3_stmt *stmt = model_prepare(
        rc,
        "SELECT r.rule_id, r.severity, g.fails, g.errors, r.title "
        "FROM (SELECT rule_ref, sum(n * (status = 'fail')) AS fails, "
        "sum(n * (status = 'error')) AS errors FROM scan_counts "
        "WHERE scan_id = ?1 AND status IN ('fail', 'error') "
        "GROUP BY rule_ref) g JOIN rules r ON r.id = g.rule_ref "
        "ORDER BY " SEVERITY_RANK_SQL " DESC, "
        "g.fails DESC, r.rule_id LIMIT ?2",
        max, op, e);
    int step = SQLITE_DONE, rc2 = 0;

    if (!stmt)
        return -1;
    while (rc2 == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct report_top_rule t = {
            model_col(stmt, 0), model_col(stmt, 1), model_col(stmt, 4),
            sqlite3_column_int64(stmt, 2), sqlite3_column_int64(stmt, 3)};
        rc2 = fn(&t, ctx);
    }
    return model_done(rc, stmt, step, rc2, op, e);
}

int report_foreach_worst(const struct report_ctx *rc, int max,
                         int (*fn)(const struct report_row *r, void *ctx),
                         void *ctx, struct err *e)
{
    static const char op[] = "read the scan";
    sqlite3_stmt *stmt = model_prepare(
        rc,
        "SELECT v.severity, v.status, v.rule_id, r.title, v.kind, "
        "v.namespace, v.name, v.source, v.message FROM findings_v v "
        "JOIN rules r ON r.hash = v.rule_hash WHERE " STORE_SCAN_FINDINGS(
            "v",
            "?1") " AND "
                  "v.status IN ('fail', 'error') ORDER BY CASE v.severity WHEN "
                  "'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
                  "WHEN "
                  "'low' THEN 3 ELSE 4 END, v.status DESC, v.rule_id, v.kind, "
                  "v.namespace, v.name, v.id LIMIT ?2",
        max, op, e);
    int step = SQLITE_DONE, rc2 = 0;

    if (!stmt)
        return -1;
    while (rc2 == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct report_row r = {
            model_col(stmt, 0), model_col(stmt, 1), model_col(stmt, 2),
            model_col(stmt, 3), model_col(stmt, 4), model_col(stmt, 5),
            model_col(stmt, 6), model_col(stmt, 7), model_col(stmt, 8)};
        rc2 = fn(&r, ctx);
    }
    return model_done(rc, stmt, step, rc2, op, e);
}

int report_foreach_located_rule(const struct report_ctx *rc,
                                int (*fn)(const struct report_rule *r,
                                          void *ctx),
                                void *ctx, struct err *e)
{
    static const char op[] = "read the scan's rules";
    sqlite3_stmt *stmt = model_prepare(
        rc,
        "SELECT r.rule_id, r.hash, r.severity, r.pillar, r.title, r.doc "
        "FROM rules r WHERE r.id IN (SELECT f.rule_ref FROM findings f "
        "JOIN resources res ON res.id = f.resource_ref "
        "WHERE " STORE_SCAN_FINDINGS(
            "f",
            "?1") " AND f.status IN ('fail', 'error', "
                  "'waived') AND "
                  "res.source GLOB '*:[0-9]*' AND res.kind NOT LIKE 'fourc/%') "
                  "ORDER BY r.rule_id, r.id",
        -1, op, e);
    int step = SQLITE_DONE, rc2 = 0;

    if (!stmt)
        return -1;
    while (rc2 == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *doctext = model_col(stmt, 5);
        json_t *doc = doctext ? json_loads(doctext, 0, NULL) : NULL;
        struct report_rule r = {model_col(stmt, 0), model_col(stmt, 1),
                                model_col(stmt, 2), model_col(stmt, 3),
                                model_col(stmt, 4), doc};
        rc2 = fn(&r, ctx);
        json_decref(doc);
    }
    return model_done(rc, stmt, step, rc2, op, e);
}
