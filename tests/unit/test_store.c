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
    static const char *const objects[] = {"scans",      "resources", "rules",
                                          "scan_rules", "findings",  "packs",
                                          "findings_v"};
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
    expect_contains(e.msg, "no_such_table");
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
    assert_int_equal(scan_count(store_db(st), "resources", id), 1);
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
    assert_int_equal(scan_count(store_db(st), "resources", id), 1);
    store_scan_rollback(st, id);

    assert_int_equal(sqlite3_get_autocommit(store_db(st)), 1);
    expect_scan_status(store_db(st), id, "failed");
    snprintf(sql, sizeof(sql),
             "SELECT finished IS NOT NULL FROM scans WHERE id = %lld",
             (long long)id);
    assert_int_equal(q_int(store_db(st), sql), 1);
    assert_int_equal(scan_count(store_db(st), "resources", id), 0);
    assert_int_equal(scan_count(store_db(st), "findings", id), 0);
    assert_int_equal(scan_count(store_db(st), "scan_rules", id), 0);
    assert_int_equal(q_int(store_db(st), "SELECT count(*) FROM rules WHERE "
                                         "hash = 'sha256:only-in-failed'"),
                     0);
    /* The earlier scan is untouched. */
    expect_scan_status(store_db(st), first, "complete");
    assert_int_equal(scan_count(store_db(st), "resources", first), 1);
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
    assert_int_equal(scan_count(store_db(st), "resources", id), 0);
    assert_int_equal(scan_count(store_db(st), "findings", id), 0);
    assert_int_equal(scan_count(store_db(st), "resources", first), 1);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_memory),
        cmocka_unit_test(test_open_file_wal_reopen),
        cmocka_unit_test(test_open_rejects),
        cmocka_unit_test(test_open_existing_missing),
        cmocka_unit_test(test_exec_error_names_path),
        cmocka_unit_test(test_scan_commit),
        cmocka_unit_test(test_scan_begin_visible_to_others),
        cmocka_unit_test(test_scan_rollback),
        cmocka_unit_test(test_scan_killed),
        cmocka_unit_test(test_resolve_scan),
        cmocka_unit_test(test_add_rule_once_per_hash),
    };

    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
