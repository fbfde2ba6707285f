/*
 * test_store.c: the SQLite store: schema, foreign and future databases,
 * the scan lifecycle (begin/commit/rollback/killed) and resolving --scan.
 *
 * Every case opens its own database: ":memory:" where the file does not
 * matter, a file in a fresh mkdtemp directory where it does (WAL, reopen,
 * a process killed midway).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "err.h"
#include "store.h"
#include "store_sql.h" /* inspects the database the store wrote */
#include "util.h"

#define APP_ID 0x34436663LL

/* ---- helpers ---- */

/* A fresh directory for one case, removed with its files by tmp_release. */
struct tmp {
    char dir[64];
    char path[128]; /* dir/test.db */
};

static void tmp_init(struct tmp *t)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/test_store.XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof(t->path), "%s/test.db", t->dir);
}

static void tmp_release(struct tmp *t)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    size_t i;

    for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(p, sizeof(p), "%s%s", t->path, suffixes[i]);
        unlink(p);
    }
    rmdir(t->dir);
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static long long q_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    long long v;

    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(stmt) != SQLITE_ROW)
        fail_msg("%s: no row (%s)", sql, sqlite3_errmsg(db));
    v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

/* Column 0 of the first row as a new string; NULL for SQL NULL. */
static char *q_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    const unsigned char *t;
    char *v;

    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(stmt) != SQLITE_ROW)
        fail_msg("%s: no row (%s)", sql, sqlite3_errmsg(db));
    t = sqlite3_column_text(stmt, 0);
    v = t ? strdup((const char *)t) : NULL;
    sqlite3_finalize(stmt);
    return v;
}

static void expect_text(sqlite3 *db, const char *sql, const char *want)
{
    char *got = q_text(db, sql);

    if (!want) {
        if (got)
            fail_msg("%s: want NULL, got \"%s\"", sql, got);
        return;
    }
    if (!got)
        fail_msg("%s: want \"%s\", got NULL", sql, want);
    if (strcmp(got, want) != 0)
        print_error("%s:\n  want %s\n  got  %s\n", sql, want, got);
    assert_string_equal(got, want);
    free(got);
}

static void expect_contains(const char *msg, const char *needle)
{
    if (!strstr(msg, needle))
        fail_msg("message \"%s\" does not contain \"%s\"", msg, needle);
}

static long long scan_count(sqlite3 *db, const char *table, int64_t scan)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE scan_id = %lld",
             table, (long long)scan);
    return q_int(db, sql);
}

static int count_resource(const struct store_resource *r, const char *failed,
                          size_t i, size_t n, void *ctx, struct err *e)
{
    (void)failed;
    (void)i;
    (void)n;
    (void)e;
    (void)r;
    (*(long long *)ctx)++;
    return 0;
}

/* The scan's resources, counted through the store's API. */
static long long api_resources(struct store *st, int64_t scan)
{
    struct err e;
    long long n = 0;

    if (store_resources_foreach(st, scan, count_resource, &n, &e))
        fail_msg("%s", e.msg);
    return n;
}

static void expect_scan_status(sqlite3 *db, int64_t scan, const char *want)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT status FROM scans WHERE id = %lld",
             (long long)scan);
    expect_text(db, sql, want);
}

/* Writes a plain SQLite database for the rejection cases. */
static void raw_db(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

/* One resource, one rule and one finding in scan, as a scan writes them. */
static void add_rows(struct store *st, int64_t scan, const char *uid)
{
    static const unsigned char fp[32] = {1, 2, 3};
    struct store_rule r = {"sha256:rule-a", "T-1",   "pack",     "high",
                           "cluster",       "title", "t.yaml:1", "{}"};
    struct store_resource res = {uid,        "k8s/Pod",  "p",         "default",
                                 "a.yaml:1", "target:x", "{\"a\":1}", 7};
    struct store_finding f = {0, 0, "fail", "m", "{}", fp, 0, 0};
    struct err e;

    assert_int_equal(store_add_rule(st, scan, &r, &f.rule_ref, &e), 0);
    assert_int_equal(store_add_resource(st, scan, &res, &f.resource_ref, &e),
                     0);
    assert_int_equal(store_add_finding(st, scan, &f, &e), 0);
}

/* A committed scan with one row of everything. */
static int64_t complete_scan(struct store *st, const char *uid)
{
    struct err e;
    int64_t id = 0;

    assert_int_equal(store_scan_begin(st, "[]", "scan", &id, &e), 0);
    add_rows(st, id, uid);
    assert_int_equal(store_scan_commit(st, id, "sha256:digest", &e), 0);
    return id;
}

/* ---- opening and the schema ---- */

static void expect_schema(sqlite3 *db)
{
    static const char *const objects[] = {
        "scans", "resources", "rules",       "scan_rules", "findings",
        "packs", "texts",     "scan_counts", "findings_v"};
    char sql[160];
    size_t i;

    assert_int_equal(q_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(q_int(db, "PRAGMA application_id"), APP_ID);
    for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM sqlite_master WHERE name = '%s'",
                 objects[i]);
        if (q_int(db, sql) != 1)
            fail_msg("schema object %s missing", objects[i]);
    }
}

static void test_open_memory(void **state)
{
    struct store *st = NULL;
    struct err e;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    assert_non_null(st);
    expect_schema(store_db(st));
    assert_string_equal(store_path(st), ":memory:");
    store_free(st);
}

static void test_open_file_wal_reopen(void **state)
{
    struct store *st = NULL;
    struct tmp t;
    struct err e;
    int64_t id;

    (void)state;
    tmp_init(&t);
    assert_int_equal(store_open(&st, t.path, STORE_CREATE, &e), 0);
    assert_true(file_exists(t.path));
    expect_schema(store_db(st));
    expect_text(store_db(st), "PRAGMA journal_mode", "wal");
    assert_string_equal(store_path(st), t.path);
    id = complete_scan(st, "u1");
    store_free(st);

    /* Reopening migrates nothing and keeps the data, in both modes. */
    assert_int_equal(store_open(&st, t.path, STORE_CREATE, &e), 0);
    expect_schema(store_db(st));
    expect_scan_status(store_db(st), id, "complete");
    assert_int_equal(scan_count(store_db(st), "findings", id), 1);
    store_free(st);
    assert_int_equal(store_open(&st, t.path, STORE_EXISTING, &e), 0);
    expect_schema(store_db(st));
    expect_text(store_db(st), "PRAGMA journal_mode", "wal");
    assert_int_equal(q_int(store_db(st), "SELECT count(*) FROM scans"), 1);
    store_free(st);
    tmp_release(&t);
}

/* Databases store_open must refuse, and leave as they were. */
enum prep {
    PREP_RANDOM,
    PREP_FOREIGN,
    PREP_OTHER_APP,
    PREP_NEWER_EMPTY,
    PREP_NEWER_OURS
};

static const struct {
    const char *name;
    enum prep prep;
    const char *want[4]; /* substrings of the error, NULL-terminated */
} reject_cases[] = {
    {"random bytes", PREP_RANDOM, {"not a fourc database", "not an SQLite"}},
    {"foreign table, no app id",
     PREP_FOREIGN,
     {"not a fourc one", "has tables"}},
    {"another application id",
     PREP_OTHER_APP,
     {"another application", "not fourc's"}},
    {"user_version 99, empty", PREP_NEWER_EMPTY, {"99", "newer"}},
    {"user_version 99, our app id", PREP_NEWER_OURS, {"99", "newer"}},
};

static void test_open_rejects(void **state)
{
    unsigned char bytes[4096], *after;
    size_t i, j, n;

    (void)state;
    for (i = 0; i < sizeof(bytes); i++) /* deterministic, not a header */
        bytes[i] = (unsigned char)((i * 2654435761u) >> 13);
    for (i = 0; i < sizeof(reject_cases) / sizeof(reject_cases[0]); i++) {
        struct store *st = (struct store *)&st; /* must be reset to NULL */
        struct tmp t;
        struct err e;
        FILE *f;
        int rc;

        tmp_init(&t);
        switch (reject_cases[i].prep) {
        case PREP_RANDOM:
            f = fopen(t.path, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(bytes, 1, sizeof(bytes), f), sizeof(bytes));
            fclose(f);
            break;
        case PREP_FOREIGN:
            raw_db(t.path, "CREATE TABLE notes (x TEXT); "
                           "INSERT INTO notes VALUES ('keep');");
            break;
        case PREP_OTHER_APP:
            raw_db(t.path, "PRAGMA application_id = 1234;"
                           "CREATE TABLE notes (x TEXT);");
            break;
        case PREP_NEWER_EMPTY:
            raw_db(t.path, "PRAGMA user_version = 99;");
            break;
        case PREP_NEWER_OURS:
            raw_db(t.path, "PRAGMA user_version = 99;"
                           "PRAGMA application_id = 876832355;"
                           "CREATE TABLE future (x);");
            break;
        }
        memset(&e, 0, sizeof(e));
        rc = store_open(&st, t.path, STORE_CREATE, &e);
        if (rc != -1)
            fail_msg("%s: store_open returned %d", reject_cases[i].name, rc);
        assert_null(st);
        for (j = 0; reject_cases[i].want[j]; j++)
            expect_contains(e.msg, reject_cases[i].want[j]);
        expect_contains(e.msg, t.path);

        /* Untouched: same bytes, or the same schema markers. */
        if (reject_cases[i].prep == PREP_RANDOM) {
            f = fopen(t.path, "rb");
            assert_non_null(f);
            after = malloc(sizeof(bytes) + 1);
            n = fread(after, 1, sizeof(bytes) + 1, f);
            fclose(f);
            assert_int_equal(n, sizeof(bytes));
            assert_memory_equal(after, bytes, sizeof(bytes));
            free(after);
        } else {
            sqlite3 *db = NULL;
            assert_int_equal(sqlite3_open(t.path, &db), SQLITE_OK);
            if (reject_cases[i].prep == PREP_FOREIGN) {
                assert_int_equal(q_int(db, "PRAGMA user_version"), 0);
                assert_int_equal(q_int(db, "PRAGMA application_id"), 0);
                expect_text(db, "SELECT x FROM notes", "keep");
            }
            if (reject_cases[i].prep == PREP_NEWER_EMPTY ||
                reject_cases[i].prep == PREP_NEWER_OURS)
                assert_int_equal(q_int(db, "PRAGMA user_version"), 99);
            assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master "
                                       "WHERE name = 'scans'"),
                             0);
            expect_text(db, "PRAGMA journal_mode", "delete");
            sqlite3_close(db);
        }
        tmp_release(&t);
    }
}

static void test_open_existing_missing(void **state)
{
    struct store *st = NULL;
    struct tmp t;
    struct err e;

    (void)state;
    tmp_init(&t);
    memset(&e, 0, sizeof(e));
    assert_int_equal(store_open(&st, t.path, STORE_EXISTING, &e), -1);
    assert_null(st);
    expect_contains(e.msg, t.path);
    expect_contains(e.msg, "no database");
    assert_false(file_exists(t.path));
    tmp_release(&t);
}

static void test_exec_error_names_path(void **state)
{
    struct store *st = NULL;
    struct err e;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    memset(&e, 0, sizeof(e));
    assert_int_equal(store_exec(st, "SELECT * FROM no_such_table", &e), -1);
    expect_contains(e.msg, ":memory:");
    /* a sentence of ours, never SQLite's own text */
    expect_contains(e.msg, "cannot update it");
    assert_null(strstr(e.msg, "no such table"));
    store_free(st);
}

/* A document the database cannot hold is a sentence naming the database
 * and the resource, never "NOT NULL constraint failed". */
static void test_resource_too_large(void **state)
{
    struct store *st = NULL;
    struct store_resource r;
    struct err e;
    int64_t scan = 0, ref = 0;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    assert_int_equal(store_scan_begin(st, "[]", "test", &scan, &e), 0);
    memset(&r, 0, sizeof(r));
    r.uid = "u";
    r.kind = "k8s/ConfigMap";
    r.name = "n";
    r.source = "big.yaml:3";
    r.doc_json = "{}";
    r.doc_len = (size_t)STORE_MAX_DOC + 1; /* never read: refused first */
    memset(&e, 0, sizeof(e));
    assert_int_equal(store_add_resource(st, scan, &r, &ref, &e), -1);
    expect_contains(e.msg, ":memory:");
    expect_contains(e.msg, "big.yaml:3");
    expect_contains(e.msg, "larger than");
    assert_null(strstr(e.msg, "constraint"));
    r.doc_len = 2;
    assert_int_equal(store_add_resource(st, scan, &r, &ref, &e), 0);
    store_free(st);
}

/* ---- the scan lifecycle ---- */

static void test_scan_commit(void **state)
{
    struct store *st = NULL;
    struct err e;
    int64_t id = 0;
    char sql[160];

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    assert_int_equal(store_scan_begin(st, "[{\"type\":\"manifests\"}]",
                                      "scan -m x", &id, &e),
                     0);
    assert_true(id > 0);
    expect_scan_status(store_db(st), id, "running");
    add_rows(st, id, "u1");
    assert_int_equal(store_scan_commit(st, id, "sha256:abc", &e), 0);
    /* The transaction is closed: autocommit is back. */
    assert_int_equal(sqlite3_get_autocommit(store_db(st)), 1);

    expect_scan_status(store_db(st), id, "complete");
    snprintf(sql, sizeof(sql), "SELECT rules_digest FROM scans WHERE id = %lld",
             (long long)id);
    expect_text(store_db(st), sql, "sha256:abc");
    snprintf(sql, sizeof(sql),
             "SELECT finished IS NOT NULL AND started IS NOT NULL AND "
             "finished >= started FROM scans WHERE id = %lld",
             (long long)id);
    assert_int_equal(q_int(store_db(st), sql), 1);
    snprintf(sql, sizeof(sql),
             "SELECT targets || '|' || command FROM scans "
             "WHERE id = %lld",
             (long long)id);
    expect_text(store_db(st), sql, "[{\"type\":\"manifests\"}]|scan -m x");
    snprintf(sql, sizeof(sql), "SELECT tool_version FROM scans WHERE id = %lld",
             (long long)id);
    expect_text(store_db(st), sql, PACKAGE_VERSION);
    assert_int_equal(api_resources(st, id), 1);
    assert_int_equal(scan_count(store_db(st), "findings", id), 1);
    assert_int_equal(scan_count(store_db(st), "scan_rules", id), 1);
    /* The view puts the names back, fingerprint as sha256:<hex>. */
    expect_text(store_db(st),
                "SELECT rule_id || ' ' || uid || ' ' || status || ' ' || "
                "substr(fingerprint, 1, 13) || ' ' || length(fingerprint) "
                "FROM findings_v",
                "T-1 u1 fail sha256:010203 71");
    store_free(st);
}

/* What a collector learnt about its target is kept beside the targets
 * (which say what was asked for, and find scans of the same targets),
 * merged per target and key, and carried to a re-evaluation. */
static void test_scan_target_info(void **state)
{
    struct store *st = NULL;
    struct err e;
    int64_t id = 0, re = 0;
    char sql[160];

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    assert_int_equal(store_scan_begin(st,
                                      "[{\"type\":\"manifests\"},"
                                      "{\"type\":\"kubeconfig\"}]",
                                      "scan", &id, &e),
                     0);
    assert_int_equal(store_scan_target_info(st, id, 1, "cluster",
                                            "{\"version\":\"v1.31.2\"}", &e),
                     0);
    assert_int_equal(store_scan_target_info(st, id, 1, "extra", "[1,2]", &e),
                     0);
    assert_int_equal(store_scan_commit(st, id, "sha256:abc", &e), 0);
    snprintf(sql, sizeof(sql),
             "SELECT targets || '|' || target_info FROM scans WHERE id = %lld",
             (long long)id);
    expect_text(store_db(st), sql,
                "[{\"type\":\"manifests\"},{\"type\":\"kubeconfig\"}]|"
                "{\"1\":{\"cluster\":{\"version\":\"v1.31.2\"},"
                "\"extra\":[1,2]}}");
    assert_int_equal(store_scan_begin_reeval(st, id, "reeval", &re, &e), 0);
    assert_int_equal(store_scan_commit(st, re, "sha256:abc", &e), 0);
    snprintf(sql, sizeof(sql),
             "SELECT a.target_info = b.target_info FROM scans a, scans b "
             "WHERE a.id = %lld AND b.id = %lld",
             (long long)id, (long long)re);
    assert_int_equal(q_int(store_db(st), sql), 1);
    store_free(st);
}

/* While a scan runs, another reader sees the committed "running" row and
 * none of its data. */
static void test_scan_begin_visible_to_others(void **state)
{
    struct store *st = NULL;
    sqlite3 *other = NULL;
    struct tmp t;
    struct err e;
    int64_t id = 0;

    (void)state;
    tmp_init(&t);
    assert_int_equal(store_open(&st, t.path, STORE_CREATE, &e), 0);
    assert_int_equal(store_scan_begin(st, "[]", "scan", &id, &e), 0);
    add_rows(st, id, "u1");
    assert_int_equal(sqlite3_open(t.path, &other), SQLITE_OK);
    expect_scan_status(other, id, "running");
    assert_int_equal(scan_count(other, "resources", id), 0);
    assert_int_equal(scan_count(other, "findings", id), 0);
    assert_int_equal(store_scan_commit(st, id, "d", &e), 0);
    expect_scan_status(other, id, "complete");
    assert_int_equal(scan_count(other, "resources", id), 1);
    sqlite3_close(other);
    store_free(st);
    tmp_release(&t);
}

static void test_scan_rollback(void **state)
{
    struct store *st = NULL;
    struct err e;
    int64_t first, id = 0;
    char sql[160];

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    first = complete_scan(st, "u0");
    assert_int_equal(store_scan_begin(st, "[]", "scan", &id, &e), 0);
    {
        struct store_rule r = {"sha256:only-in-failed",
                               "T-2",
                               "p",
                               "low",
                               "cluster",
                               "t",
                               "o",
                               "{}"};
        int64_t ref;
        assert_int_equal(store_add_rule(st, id, &r, &ref, &e), 0);
    }
    add_rows(st, id, "u1");
    assert_int_equal(api_resources(st, id), 1);
    store_scan_rollback(st, id);

    assert_int_equal(sqlite3_get_autocommit(store_db(st)), 1);
    expect_scan_status(store_db(st), id, "failed");
    snprintf(sql, sizeof(sql),
             "SELECT finished IS NOT NULL FROM scans WHERE id = %lld",
             (long long)id);
    assert_int_equal(q_int(store_db(st), sql), 1);
    assert_int_equal(api_resources(st, id), 0);
    assert_int_equal(scan_count(store_db(st), "findings", id), 0);
    assert_int_equal(scan_count(store_db(st), "scan_rules", id), 0);
    assert_int_equal(q_int(store_db(st), "SELECT count(*) FROM rules WHERE "
                                         "hash = 'sha256:only-in-failed'"),
                     0);
    /* The earlier scan is untouched. */
    expect_scan_status(store_db(st), first, "complete");
    assert_int_equal(api_resources(st, first), 1);
    assert_int_equal(scan_count(store_db(st), "findings", first), 1);
    store_free(st);
}

/* A scan killed midway: the handle goes away without commit or rollback. */
static void test_scan_killed(void **state)
{
    struct store *st = NULL;
    struct tmp t;
    struct err e;
    int64_t first, id = 0, got = 0;

    (void)state;
    tmp_init(&t);
    assert_int_equal(store_open(&st, t.path, STORE_CREATE, &e), 0);
    first = complete_scan(st, "u0");
    assert_int_equal(store_scan_begin(st, "[]", "scan", &id, &e), 0);
    add_rows(st, id, "u1");
    store_free(st);

    assert_int_equal(store_open(&st, t.path, STORE_EXISTING, &e), 0);
    expect_scan_status(store_db(st), id, "running");
    assert_int_equal(api_resources(st, id), 0);
    assert_int_equal(scan_count(store_db(st), "findings", id), 0);
    assert_int_equal(api_resources(st, first), 1);
    assert_int_equal(store_resolve_scan(st, "latest", &got, &e), 0);
    assert_int_equal(got, first);
    memset(&e, 0, sizeof(e));
    {
        char spec[32];
        snprintf(spec, sizeof(spec), "%lld", (long long)id);
        assert_int_equal(store_resolve_scan(st, spec, &got, &e), -1);
        expect_contains(e.msg, "incomplete");
        expect_contains(e.msg, "running");
    }
    store_free(st);
    tmp_release(&t);
}

/* ---- resolving --scan ---- */

static const struct {
    const char *spec;
    int rc;
    int64_t want;       /* rc 0: the scan id */
    const char *msg[4]; /* rc -1: substrings of the error */
} resolve_cases[] = {
    /* scans: 1 complete, 2 complete, 3 failed, 4 running */
    {"latest", 0, 2, {NULL}},
    {"", 0, 2, {NULL}},
    {NULL, 0, 2, {NULL}},
    {"1", 0, 1, {NULL}},
    {"2", 0, 2, {NULL}},
    {"3", -1, 0, {"scan 3", "incomplete", "failed"}},
    {"4", -1, 0, {"scan 4", "incomplete", "running"}},
    {"99", -1, 0, {"no scan 99", ":memory:"}},
    {"abc", -1, 0, {"abc", "expected a scan id"}},
    {"2x", -1, 0, {"2x", "expected a scan id"}},
    {"0", -1, 0, {"expected a scan id"}},
    {"-1", -1, 0, {"expected a scan id"}},
};

static void test_resolve_scan(void **state)
{
    struct store *st = NULL;
    struct err e;
    int64_t id, got;
    size_t i, j;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    /* Nothing complete yet. */
    memset(&e, 0, sizeof(e));
    assert_int_equal(store_resolve_scan(st, "latest", &got, &e), -1);
    expect_contains(e.msg, "no complete scan");

    assert_int_equal(complete_scan(st, "a"), 1);
    assert_int_equal(complete_scan(st, "b"), 2);
    assert_int_equal(store_scan_begin(st, "[]", "scan", &id, &e), 0);
    assert_int_equal(id, 3);
    store_scan_rollback(st, id);
    assert_int_equal(store_scan_begin(st, "[]", "scan", &id, &e), 0);
    assert_int_equal(id, 4);
    assert_int_equal(store_exec(st, "COMMIT", &e), 0); /* left running */

    for (i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
        int rc;
        got = -7;
        memset(&e, 0, sizeof(e));
        rc = store_resolve_scan(st, resolve_cases[i].spec, &got, &e);
        if (rc != resolve_cases[i].rc)
            fail_msg("spec %s: rc %d, want %d (%s)",
                     resolve_cases[i].spec ? resolve_cases[i].spec : "NULL", rc,
                     resolve_cases[i].rc, e.msg);
        if (rc == 0) {
            assert_int_equal(got, resolve_cases[i].want);
        } else {
            assert_int_equal(got, -7); /* untouched on error */
            for (j = 0; resolve_cases[i].msg[j]; j++)
                expect_contains(e.msg, resolve_cases[i].msg[j]);
        }
    }
    store_free(st);
}

/* ---- rules ---- */

static void test_add_rule_once_per_hash(void **state)
{
    struct store_rule a = {"sha256:aaa", "T-1", "p",        "high",
                           "cluster",    "t",   "a.yaml:1", "{\"v\":1}"};
    struct store_rule b = {"sha256:bbb", "T-1", "p",        "high",
                           "cluster",    "t",   "a.yaml:1", "{\"v\":2}"};
    struct store *st = NULL;
    struct err e;
    int64_t s1, s2, r1 = 0, r2 = 0, r3 = 0, r4 = 0;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    assert_int_equal(store_scan_begin(st, "[]", "scan", &s1, &e), 0);
    assert_int_equal(store_add_rule(st, s1, &a, &r1, &e), 0);
    assert_int_equal(store_add_rule(st, s1, &a, &r2, &e), 0);
    assert_true(r1 > 0);
    assert_int_equal(r1, r2);
    assert_int_equal(store_add_rule(st, s1, &b, &r3, &e), 0);
    assert_true(r3 != r1);
    assert_int_equal(store_scan_commit(st, s1, "d", &e), 0);

    /* A later scan using the same version shares the row. */
    assert_int_equal(store_scan_begin(st, "[]", "scan", &s2, &e), 0);
    assert_int_equal(store_add_rule(st, s2, &a, &r4, &e), 0);
    assert_int_equal(r4, r1);
    assert_int_equal(store_scan_commit(st, s2, "d", &e), 0);

    assert_int_equal(q_int(store_db(st), "SELECT count(*) FROM rules"), 2);
    assert_int_equal(scan_count(store_db(st), "scan_rules", s1), 2);
    assert_int_equal(scan_count(store_db(st), "scan_rules", s2), 1);
    expect_text(store_db(st), "SELECT doc FROM rules WHERE hash = 'sha256:aaa'",
                "{\"v\":1}");
    store_free(st);
}

/* ---- finding texts, each stored once ---- */

/* A finding of rule ref/resource res with this status and text. */
static void add_finding(struct store *st, int64_t scan, int64_t rule,
                        int64_t res, const char *status, const char *msg,
                        const char *evidence)
{
    static const unsigned char fp[32] = {9};
    struct store_finding f = {rule, res, status, msg, evidence, fp, 0, 0};
    struct err e;

    assert_int_equal(store_add_finding(st, scan, &f, &e), 0);
}

/* Two rules and two resources in scan; refs in rule[], res[]. */
static void add_rules_resources(struct store *st, int64_t scan, int64_t rule[2],
                                int64_t res[2])
{
    struct store_rule r = {"sha256:r1", "T-1",   "pack",     "high",
                           "cluster",   "title", "t.yaml:1", "{}"};
    struct store_resource rs = {"u1",       "k8s/Pod",  "p",         "default",
                                "a.yaml:1", "target:x", "{\"a\":1}", 7};
    struct err e;

    assert_int_equal(store_add_rule(st, scan, &r, &rule[0], &e), 0);
    r.hash = "sha256:r2";
    r.id = "T-2";
    assert_int_equal(store_add_rule(st, scan, &r, &rule[1], &e), 0);
    assert_int_equal(store_add_resource(st, scan, &rs, &res[0], &e), 0);
    rs.uid = "u2";
    assert_int_equal(store_add_resource(st, scan, &rs, &res[1], &e), 0);
}

/* The four findings every texts case writes: two share a text, and
 * absent evidence is not empty evidence. */
static void add_text_findings(struct store *st, int64_t scan)
{
    int64_t rule[2], res[2];

    add_rules_resources(st, scan, rule, res);
    add_finding(st, scan, rule[0], res[0], "pass", "x is 1", "{\"p\":1}");
    add_finding(st, scan, rule[0], res[1], "pass", "x is 1", "{\"p\":1}");
    add_finding(st, scan, rule[1], res[0], "manual", "look", NULL);
    add_finding(st, scan, rule[1], res[1], "fail", "look", "");
}

static void test_texts_stored_once(void **state)
{
    struct store *st = NULL;
    struct err e;
    int64_t id = 0, id2 = 0;
    sqlite3 *db;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    assert_int_equal(store_scan_begin(st, "[]", "scan", &id, &e), 0);
    add_text_findings(st, id);
    assert_int_equal(store_scan_commit(st, id, "sha256:d", &e), 0);
    db = store_db(st);
    assert_int_equal(q_int(db, "SELECT count(*) FROM findings"), 4);
    assert_int_equal(q_int(db, "SELECT count(*) FROM texts"), 3);
    assert_int_equal(q_int(db, "SELECT count(DISTINCT text_ref) FROM "
                               "findings WHERE status = 'pass'"),
                     1);
    expect_text(db,
                "SELECT group_concat(status || ':' || message || ':' || "
                "coalesce(evidence, 'NULL'), ' ') FROM (SELECT * FROM "
                "findings_v ORDER BY id)",
                "pass:x is 1:{\"p\":1} pass:x is 1:{\"p\":1} "
                "manual:look:NULL fail:look:");
    /* The stored hash is the one later scans look texts up by. */
    assert_int_equal(q_int(db, "SELECT count(*) FROM texts WHERE hash = "
                               "fourc_text_hash(message, evidence)"),
                     3);
    /* A second scan reuses the rows (found through the database, since
     * this scan's map starts empty). */
    assert_int_equal(store_scan_begin(st, "[]", "scan", &id2, &e), 0);
    add_text_findings(st, id2);
    add_finding(st, id2, 1, 1, "fail", "new text", NULL);
    assert_int_equal(store_scan_commit(st, id2, "sha256:d", &e), 0);
    db = store_db(st);
    assert_int_equal(q_int(db, "SELECT count(*) FROM texts"), 4);
    assert_int_equal(scan_count(db, "findings", id2), 5);
    expect_text(db,
                "SELECT group_concat(message, ',') FROM (SELECT message "
                "FROM findings_v WHERE scan_id = 2 ORDER BY id)",
                "x is 1,x is 1,look,look,new text");
    store_free(st);
}

/* A rolled-back scan takes its texts with it; the next scan in the same
 * process must not refer to them. */
static void test_texts_rollback(void **state)
{
    struct store *st = NULL;
    struct err e;
    int64_t id = 0;
    sqlite3 *db;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    assert_int_equal(store_scan_begin(st, "[]", "scan", &id, &e), 0);
    add_text_findings(st, id);
    store_scan_rollback(st, id);
    assert_int_equal(q_int(store_db(st), "SELECT count(*) FROM texts"), 0);
    assert_int_equal(store_scan_begin(st, "[]", "scan", &id, &e), 0);
    add_text_findings(st, id);
    assert_int_equal(store_scan_commit(st, id, "sha256:d", &e), 0);
    db = store_db(st);
    assert_int_equal(q_int(db, "SELECT count(*) FROM findings f LEFT JOIN "
                               "texts t ON t.id = f.text_ref WHERE "
                               "t.id IS NULL"),
                     0);
    assert_int_equal(q_int(db, "SELECT count(*) FROM findings_v"), 4);
    store_free(st);
}

/* scan_counts: what the scan wrote, kept right by hand edits too. */
static void test_scan_counts(void **state)
{
    static const char counts_sql[] =
        "SELECT group_concat(s, ' ') FROM (SELECT rule_ref || status || n "
        "AS s FROM scan_counts ORDER BY 1)";
    static const char grouped_sql[] =
        "SELECT group_concat(s, ' ') FROM (SELECT rule_ref || status || "
        "count(*) AS s FROM findings GROUP BY rule_ref, status ORDER BY 1)";
    struct store *st = NULL;
    struct err e;
    int64_t id = 0;
    sqlite3 *db;
    char *want;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    assert_int_equal(store_scan_begin(st, "[]", "scan", &id, &e), 0);
    add_text_findings(st, id);
    assert_int_equal(store_scan_commit(st, id, "sha256:d", &e), 0);
    db = store_db(st);
    expect_text(db, counts_sql, "1pass2 2fail1 2manual1");
    /* Deleting and changing findings keeps the counts right. */
    raw_exec(db, "DELETE FROM findings WHERE status = 'manual'");
    raw_exec(db, "UPDATE findings SET status = 'waived' WHERE id = 1");
    want = q_text(db, grouped_sql);
    expect_text(db, counts_sql, want);
    expect_text(db, counts_sql, "1pass1 1waived1 2fail1");
    free(want);
    /* A finding with a status the schema does not know is refused. */
    {
        static const unsigned char fp[32] = {0};
        struct store_finding f = {1, 1, "maybe", "m", NULL, fp, 0, 0};
        assert_int_equal(store_scan_begin(st, "[]", "scan", &id, &e), 0);
        assert_int_equal(store_add_finding(st, id, &f, &e), -1);
        expect_contains(e.msg, "unknown status 'maybe'");
        store_scan_rollback(st, id);
    }
    store_free(st);
}

/* A database of schema version 1 (findings held their own text) keeps
 * every finding, text and count when it is migrated. */
static const char store_v1_schema[] =
    "CREATE TABLE scans (id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT "
    "NOT NULL, finished TEXT, status TEXT NOT NULL CHECK (status IN "
    "('running','complete','failed')), targets TEXT NOT NULL, rules_digest "
    "TEXT, tool_version TEXT NOT NULL, command TEXT);"
    "CREATE TABLE resources (id INTEGER PRIMARY KEY, scan_id INTEGER NOT NULL "
    "REFERENCES scans(id), uid TEXT NOT NULL, kind TEXT NOT NULL, name TEXT, "
    "namespace TEXT, source TEXT, target TEXT, doc TEXT NOT NULL, sha256 TEXT "
    "NOT NULL);"
    "CREATE INDEX resources_kind ON resources(scan_id, kind, namespace, name);"
    "CREATE TABLE rules (id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, "
    "rule_id TEXT NOT NULL, pack TEXT NOT NULL, severity TEXT NOT NULL, "
    "pillar TEXT NOT NULL, title TEXT NOT NULL, origin TEXT, doc TEXT NOT "
    "NULL, added TEXT NOT NULL);"
    "CREATE INDEX rules_rule_id ON rules(rule_id);"
    "CREATE TABLE scan_rules (scan_id INTEGER NOT NULL REFERENCES scans(id), "
    "rule_ref INTEGER NOT NULL REFERENCES rules(id), PRIMARY KEY (scan_id, "
    "rule_ref)) WITHOUT ROWID;"
    "CREATE TABLE findings (id INTEGER PRIMARY KEY, scan_id INTEGER NOT NULL "
    "REFERENCES scans(id), rule_ref INTEGER NOT NULL REFERENCES rules(id), "
    "resource_ref INTEGER NOT NULL REFERENCES resources(id), status TEXT NOT "
    "NULL CHECK (status = 'pass' OR status = 'fail' OR status = 'error' OR "
    "status = 'manual' OR status = 'skip' OR status = 'waived'), message "
    "TEXT NOT NULL, evidence TEXT, fingerprint BLOB NOT NULL);"
    "CREATE INDEX findings_order ON findings(scan_id, rule_ref, status);"
    "CREATE VIEW findings_v AS SELECT f.id, f.scan_id, r.rule_id, r.hash AS "
    "rule_hash, r.severity, r.pillar, res.kind, res.uid, res.name, "
    "res.namespace, res.source, f.status, f.message, f.evidence, 'sha256:' "
    "|| lower(hex(f.fingerprint)) AS fingerprint FROM findings f JOIN rules "
    "r ON r.id = f.rule_ref JOIN resources res ON res.id = f.resource_ref;"
    "CREATE TABLE packs (name TEXT PRIMARY KEY, origin TEXT NOT NULL, files "
    "TEXT NOT NULL, imported TEXT NOT NULL);"
    "INSERT INTO scans VALUES (1, 't0', 't1', 'complete', '[]', 'd', '0.1', "
    "'scan'), (2, 't2', 't3', 'complete', '[]', 'd', '0.1', 'scan');"
    "INSERT INTO rules VALUES (1, 'h1', 'T-1', 'p', 'high', 'cluster', 't', "
    "NULL, '{}', 't0');"
    "INSERT INTO resources VALUES (1, 1, 'u1', 'k8s/Pod', 'a', 'ns', 's', "
    "'x', '{}', 'h'), (2, 2, 'u1', 'k8s/Pod', 'a', 'ns', 's', 'x', '{}', "
    "'h');"
    "INSERT INTO findings VALUES (1, 1, 1, 1, 'fail', 'bad', '{\"a\":1}', "
    "x'01'), (2, 1, 1, 1, 'manual', 'look', NULL, x'02'), (3, 1, 1, 1, "
    "'skip', 'look', '', x'03'), (4, 2, 1, 2, 'fail', 'bad', '{\"a\":1}', "
    "x'04');"
    "PRAGMA user_version = 1; PRAGMA application_id = 876832355;";

static void test_migrate_v1(void **state)
{
    struct store *st = NULL;
    struct tmp t;
    struct err e;
    sqlite3 *db;

    (void)state;
    tmp_init(&t);
    raw_db(t.path, store_v1_schema);
    assert_int_equal(store_open(&st, t.path, STORE_EXISTING, &e), 0);
    db = store_db(st);
    expect_schema(db);
    assert_int_equal(q_int(db, "SELECT count(*) FROM texts"), 3);
    expect_text(db,
                "SELECT group_concat(s, ' ') FROM (SELECT id || status || "
                "message || coalesce(evidence, 'NULL') || fingerprint AS s "
                "FROM findings_v ORDER BY id)",
                "1failbad{\"a\":1}sha256:01 2manuallookNULLsha256:02 "
                "3skiplooksha256:03 4failbad{\"a\":1}sha256:04");
    expect_text(db,
                "SELECT group_concat(s, ' ') FROM (SELECT scan_id || status "
                "|| n AS s FROM scan_counts ORDER BY 1)",
                "1fail1 1manual1 1skip1 2fail1");
    store_free(st);
    tmp_release(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_memory),
        cmocka_unit_test(test_open_file_wal_reopen),
        cmocka_unit_test(test_open_rejects),
        cmocka_unit_test(test_open_existing_missing),
        cmocka_unit_test(test_exec_error_names_path),
        cmocka_unit_test(test_resource_too_large),
        cmocka_unit_test(test_scan_commit),
        cmocka_unit_test(test_scan_target_info),
        cmocka_unit_test(test_scan_begin_visible_to_others),
        cmocka_unit_test(test_scan_rollback),
        cmocka_unit_test(test_scan_killed),
        cmocka_unit_test(test_resolve_scan),
        cmocka_unit_test(test_add_rule_once_per_hash),
        cmocka_unit_test(test_texts_stored_once),
        cmocka_unit_test(test_texts_rollback),
        cmocka_unit_test(test_scan_counts),
        cmocka_unit_test(test_migrate_v1),
    };

    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
