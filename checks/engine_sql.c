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

/*
 * fourc_json_pick(doc, path, key...): SQL rules read a few members of each
 * document. json_extract parses the whole document into a tree first (in
 * SQLite 3.40 at some 17 instructions a byte), and that was most of what
 * a rule over every workload cost. Finding members only needs to skip the
 * values that are not asked for, a scan for quotes and brackets: values are
 * not decoded, nor the document checked beyond what the scan passes over.
 * Documents are fourc's own compact JSON (jsonw.c); elsewhere the result
 * is at worst a "malformed JSON" error or NULL, never a read past the text.
 */

/* What a byte means when skipping: outside strings, and inside. */
enum { EJ_PLAIN, EJ_CTRL, EJ_QUOTE, EJ_OPEN, EJ_CLOSE, EJ_ESC };

/* The first 32 entries of both are EJ_CTRL (1): control characters,
 * among them the NUL that ends every text SQLite hands out. */
/* clang-format off */
static const unsigned char engine_ej_out[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = EJ_QUOTE, ['{'] = EJ_OPEN, ['['] = EJ_OPEN,
    ['}'] = EJ_CLOSE, [']'] = EJ_CLOSE};
static const unsigned char engine_ej_in[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = EJ_QUOTE, ['\\'] = EJ_ESC};
/* clang-format on */

/*
 * Past the end of the string whose opening quote is just before p, or NULL
 * when it does not end before end (or holds a control character, which
 * JSON forbids). A byte at a time: eight at a time (SWAR) and memchr were
 * slower, a document's strings being a dozen bytes or so.
 */
static const char *engine_ej_string(const char *p, const char *end)
{
    for (;;) {
        while (!engine_ej_in[(unsigned char)*p])
            p++;
        if (*p == '"')
            return p + 1;
        if (*p != '\\' || end - p < 2)
            return NULL;
        p += 2;
    }
}

static const char *engine_ej_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* Past the value that starts at p, or NULL when it does not end. Objects
 * and arrays by counting brackets outside strings. */
static const char *engine_ej_skip(const char *p, const char *end)
{
    size_t depth = 0;

    if (*p == '"')
        return engine_ej_string(p + 1, end);
    if (*p != '{' && *p != '[') { /* number, true, false, null */
        const char *s = p;
        while (*p == '-' || *p == '+' || *p == '.' ||
               (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
               (*p >= 'A' && *p <= 'Z'))
            p++;
        return p > s ? p : NULL;
    }
    for (;;) {
        while (!engine_ej_out[(unsigned char)*p])
            p++;
        switch (engine_ej_out[(unsigned char)*p]) {
        case EJ_QUOTE:
            if (!(p = engine_ej_string(p + 1, end)))
                return NULL;
            break;
        case EJ_OPEN:
            depth++;
            p++;
            break;
        case EJ_CLOSE:
            p++;
            if (--depth == 0)
                return p;
            break;
        default: /* whitespace, or the end */
            if (p >= end || (*p != '\t' && *p != '\n' && *p != '\r'))
                return NULL;
            p++;
        }
    }
}

/* A walk over the members of one object, in order. */
struct engine_ej_iter {
    const char *p, *end;
    const char *key; /* the member's key as written, between the quotes */
    size_t klen;
    const char *v; /* its value; NULL once the caller moved p past it */
    int started;
};

static void engine_ej_open(struct engine_ej_iter *it, const char *obj,
                           const char *end)
{
    it->p = obj + 1;
    it->end = end;
    it->v = NULL;
    it->started = 0;
}

/*
 * The next member: 1 with key, klen and v set, 0 after the last one, -1
 * when the text is not JSON. The value of the member before is skipped
 * here unless the caller did (v = NULL, p past it), so that the member a
 * path goes into is read once, not skipped first.
 */
static int engine_ej_next(struct engine_ej_iter *it)
{
    const char *p = it->p, *kend;

    if (it->v && !(p = engine_ej_skip(it->v, it->end)))
        return -1;
    p = engine_ej_ws(p);
    if (it->started) {
        if (*p == '}')
            return 0;
        if (*p != ',')
            return -1;
        p = engine_ej_ws(p + 1);
    } else if (*p == '}') {
        return 0;
    }
    it->started = 1;
    if (*p != '"' || !(kend = engine_ej_string(p + 1, it->end)))
        return -1;
    it->key = p + 1;
    it->klen = (size_t)(kend - 1 - it->key);
    p = engine_ej_ws(kend);
    if (*p != ':')
        return -1;
    it->v = it->p = engine_ej_ws(p + 1);
    return 1;
}

/* The length of the key at the start of s (up to '.' or the end), or 0
 * when it is empty or holds '[', '"', '\\' or a control character:
 * json_extract would read those as something else than a plain key. */
static size_t engine_ej_key(const char *s)
{
    size_t n = strcspn(s, ".[\"\\"), i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20)
            return 0;
    return s[n] == '.' || s[n] == '\0' ? n : 0;
}

/* "$" or "$.key.key...". */
static int engine_ej_path_ok(const char *path)
{
    size_t n;

    if (*path++ != '$')
        return 0;
    for (; *path == '.'; path += n)
        if (!(n = engine_ej_key(++path)))
            return 0;
    return *path == '\0';
}

/*
 * The object at path (checked by engine_ej_path_ok) in doc, or NULL when
 * there is none; *bad is set when doc turned out not to be JSON. As in
 * json_extract, a key matches the text between the quotes as written, and
 * the first member of that name is the one.
 */
static const char *engine_ej_at(const char *doc, const char *end,
                                const char *path, int *bad)
{
    const char *p = engine_ej_ws(doc);
    struct engine_ej_iter it;
    size_t n;
    int rc;

    for (path++; *path == '.'; path += n) {
        n = engine_ej_key(++path);
        if (*p != '{')
            return NULL;
        engine_ej_open(&it, p, end);
        while ((rc = engine_ej_next(&it)) == 1 &&
               (it.klen != n || memcmp(it.key, path, n) != 0))
            ;
        if (rc != 1) {
            *bad = rc < 0;
            return NULL;
        }
        p = it.v;
    }
    return *p == '{' ? p : NULL;
}

#define ENGINE_PICK_MAX 16 /* keys of one fourc_json_pick */

struct engine_ej_pick {
    int n;
    const char *key[ENGINE_PICK_MAX];
    size_t klen[ENGINE_PICK_MAX];
    const char *v[ENGINE_PICK_MAX], *vend[ENGINE_PICK_MAX]; /* found */
};

/* Finds the first member of each name pk asks for in the object at obj:
 * 0, or -1 when the text is not JSON. Stops once all have been found. */
static int engine_ej_pick(struct engine_ej_pick *pk, const char *obj,
                          const char *end)
{
    struct engine_ej_iter it;
    int i, left = pk->n, rc = 1;

    engine_ej_open(&it, obj, end);
    while (left > 0 && (rc = engine_ej_next(&it)) == 1) {
        for (i = 0; i < pk->n; i++) {
            if (pk->v[i] || it.klen != pk->klen[i] ||
                memcmp(it.key, pk->key[i], it.klen) != 0)
                continue;
            if (!(it.p = engine_ej_skip(it.v, end)))
                return -1;
            pk->v[i] = it.v;
            pk->vend[i] = it.p;
            it.v = NULL;
            left--;
            break;
        }
    }
    return rc < 0 ? -1 : 0;
}

/* The keys after doc and path: NULL, or why they cannot be picked. */
static const char *engine_ej_keys(struct engine_ej_pick *pk, int argc,
                                  sqlite3_value **argv)
{
    int i;

    if (argc < 3 || argc - 2 > ENGINE_PICK_MAX)
        return "fourc_json_pick takes a document, a path and 1 to 16 keys";
    pk->n = argc - 2;
    for (i = 0; i < pk->n; i++) {
        pk->key[i] = (const char *)sqlite3_value_text(argv[i + 2]);
        if (!pk->key[i] || !(pk->klen[i] = engine_ej_key(pk->key[i])) ||
            pk->key[i][pk->klen[i]] != '\0')
            return "fourc_json_pick: a key must be a plain name";
        pk->v[i] = pk->vend[i] = NULL;
    }
    return NULL;
}

/*
 * fourc_json_pick(doc, path, key, ...): the members of the object at path
 * in doc that are named key..., as the text of a JSON object: values as
 * written, the first member of a name only, in the order of the keys.
 * NULL when doc is NULL or path leads to no object. For such a key k,
 * json_type(fourc_json_pick(doc, P, k), '$.k') = json_type(doc, P || '.k'),
 * and the same for json_extract.
 */
static void engine_json_pick(sqlite3_context *ctx, int argc,
                             sqlite3_value **argv)
{
    const char *doc = (const char *)sqlite3_value_text(argv[0]);
    const char *path =
        argc > 1 ? (const char *)sqlite3_value_text(argv[1]) : NULL;
    struct strbuf out = STRBUF_INIT;
    struct engine_ej_pick pk;
    const char *obj, *why;
    int i, bad = 0;

    why = engine_ej_keys(&pk, argc, argv);
    if (!why && !(path && engine_ej_path_ok(path)))
        why = "fourc_json_pick: the path must be $ or $.key.key...";
    if (why) {
        sqlite3_result_error(ctx, why, -1);
        return;
    }
    if (!doc) {
        sqlite3_result_null(ctx);
        return;
    }
    /* sqlite3_value_bytes after sqlite3_value_text: the text's length */
    obj = engine_ej_at(doc, doc + sqlite3_value_bytes(argv[0]), path, &bad);
    if (obj && engine_ej_pick(&pk, obj, doc + sqlite3_value_bytes(argv[0])))
        bad = 1;
    if (bad || !obj) {
        if (bad)
            sqlite3_result_error(ctx, "malformed JSON", -1);
        else
            sqlite3_result_null(ctx);
        return;
    }
    sb_add(&out, "{", 1);
    for (i = 0; i < pk.n; i++) {
        if (!pk.v[i])
            continue;
        if (out.len > 1)
            sb_add(&out, ",", 1);
        sb_add(&out, "\"", 1);
        sb_add(&out, pk.key[i], pk.klen[i]);
        sb_add(&out, "\":", 2);
        sb_add(&out, pk.v[i], (size_t)(pk.vend[i] - pk.v[i]));
    }
    sb_add(&out, "}", 1);
    sqlite3_result_text(ctx, out.buf, (int)out.len, free);
}

int engine_sql_functions(sqlite3 *db)
{
    return sqlite3_create_function(db, "fourc_json_pick", -1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC |
                                       SQLITE_INNOCUOUS,
                                   NULL, engine_json_pick, NULL, NULL);
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
    rc = store_exec(eng->st, sb_str(&sql), e);
    sb_release(&sql);
    if (rc == 0 && engine_sql_functions(store_db(eng->st)) != SQLITE_OK)
        rc = err_set(e, "%s", sqlite3_errmsg(store_db(eng->st)));
    if (rc)
        return -1;
    for (i = 0; i < eng->rs->n && rc == 0; i++) {
        const struct rule *r = eng->rs->rules[i];
        if (r->automated && r->check && r->check->type == CK_SQL)
            rc = engine_sql_rule(eng, r, e);
    }
    store_exec(eng->st, "DROP VIEW IF EXISTS temp.scan_resources", NULL);
    return rc;
}
