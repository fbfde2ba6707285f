/* store.c: the SQLite store and its migrations; see store.h. */
#include "store.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

#include "banned.h"

/* "4Cfc" in PRAGMA application_id marks a database as ours. */
#define STORE_APP_ID 0x34436663

/*
 * Page cache, in KiB (negative cache_size). Reports read scans back at
 * random and keep a large cache. A scan writes: every page it fills goes
 * to the WAL once, whatever the cache holds, and its working set (the
 * tables' last pages, the index pages of each rule and status) is a few
 * MB. At 100k objects a scan took the same time with 16 MB to 384 MB of
 * cache (within the host's noise), so it keeps 64 MB: 384 MB was most of
 * the 428 MB such a scan used.
 */
#define STORE_CACHE_READ "-393216"
#define STORE_CACHE_SCAN "-65536"

/*
 * Migration N takes the schema from version N-1 to N. Append only: a
 * released migration is never edited, so every database reaches the same
 * schema whatever version it started from.
 */
static const char *const store_migrations[] = {
    /* 1: scans, resources, rules, findings, imported packs.
     * Findings refer to their rule version and resource by row id: a
     * large scan writes millions of findings, and a 70-byte hash and a
     * uid repeated in each would be most of the database. The view
     * findings_v puts the names back for people reading with sqlite3. */
    "CREATE TABLE scans ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  started TEXT NOT NULL,"
    "  finished TEXT,"
    "  status TEXT NOT NULL CHECK (status IN ('running','complete','failed')),"
    "  targets TEXT NOT NULL,"
    "  rules_digest TEXT,"
    "  tool_version TEXT NOT NULL,"
    "  command TEXT);"
    "CREATE TABLE resources ("
    "  id INTEGER PRIMARY KEY,"
    "  scan_id INTEGER NOT NULL REFERENCES scans(id),"
    "  uid TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  name TEXT,"
    "  namespace TEXT,"
    "  source TEXT,"
    "  target TEXT,"
    "  doc TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL);"
    "CREATE INDEX resources_kind ON resources(scan_id, kind, namespace, name);"
    "CREATE TABLE rules ("
    "  id INTEGER PRIMARY KEY,"
    "  hash TEXT NOT NULL UNIQUE,"
    "  rule_id TEXT NOT NULL,"
    "  pack TEXT NOT NULL,"
    "  severity TEXT NOT NULL,"
    "  pillar TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  origin TEXT,"
    "  doc TEXT NOT NULL,"
    "  added TEXT NOT NULL);"
    "CREATE INDEX rules_rule_id ON rules(rule_id);"
    "CREATE TABLE scan_rules ("
    "  scan_id INTEGER NOT NULL REFERENCES scans(id),"
    "  rule_ref INTEGER NOT NULL REFERENCES rules(id),"
    "  PRIMARY KEY (scan_id, rule_ref)) WITHOUT ROWID;"
    "CREATE TABLE findings ("
    "  id INTEGER PRIMARY KEY,"
    "  scan_id INTEGER NOT NULL REFERENCES scans(id),"
    "  rule_ref INTEGER NOT NULL REFERENCES rules(id),"
    "  resource_ref INTEGER NOT NULL REFERENCES resources(id),"
    /* Written as ORs: an IN list builds a temporary b-tree on every
     * insert, which was a tenth of a large scan's time. */
    "  status TEXT NOT NULL CHECK (status = 'pass' OR status = 'fail' OR "
    "    status = 'error' OR status = 'manual' OR status = 'skip' OR "
    "    status = 'waived'),"
    "  message TEXT NOT NULL,"
    "  evidence TEXT,"
    "  fingerprint BLOB NOT NULL);"
    /* Covers the summary's counts (an index-only scan) and gives reports
     * their order: rule, then status, then resource (rowid). */
    "CREATE INDEX findings_order ON findings(scan_id, rule_ref, status);"
    "CREATE VIEW findings_v AS SELECT f.id, f.scan_id, r.rule_id, r.hash AS "
    "  rule_hash, r.severity, r.pillar, res.kind, res.uid, res.name, "
    "  res.namespace, res.source, f.status, f.message, f.evidence, "
    "  'sha256:' || lower(hex(f.fingerprint)) AS fingerprint "
    "  FROM findings f JOIN rules r ON r.id = f.rule_ref "
    "  JOIN resources res ON res.id = f.resource_ref;"
    "CREATE TABLE packs ("
    "  name TEXT PRIMARY KEY,"
    "  origin TEXT NOT NULL,"
    "  files TEXT NOT NULL,"
    "  imported TEXT NOT NULL);",

    /* 2: each distinct (message, evidence) once, in texts. A 100k-object
     * scan writes 1.39 M findings but 113k distinct texts: stored per
     * finding they were 300 of its 800 MB, and writing them (to the WAL,
     * then again at the checkpoint) a fifth of its time. texts.hash is
     * textmap_hash (src/textmap.c), so that later scans reuse the rows. */
    "CREATE TABLE texts ("
    "  id INTEGER PRIMARY KEY,"
    "  hash INTEGER NOT NULL,"
    "  message TEXT NOT NULL,"
    "  evidence TEXT);"
    "CREATE INDEX texts_hash ON texts(hash);"
    "INSERT INTO texts (hash, message, evidence) "
    "  SELECT fourc_text_hash(message, evidence), message, evidence "
    "  FROM findings GROUP BY message, evidence ORDER BY min(id);"
    "CREATE TABLE findings_new ("
    "  id INTEGER PRIMARY KEY,"
    "  scan_id INTEGER NOT NULL REFERENCES scans(id),"
    "  rule_ref INTEGER NOT NULL REFERENCES rules(id),"
    "  resource_ref INTEGER NOT NULL REFERENCES resources(id),"
    "  status TEXT NOT NULL CHECK (status = 'pass' OR status = 'fail' OR "
    "    status = 'error' OR status = 'manual' OR status = 'skip' OR "
    "    status = 'waived'),"
    "  text_ref INTEGER NOT NULL REFERENCES texts(id),"
    "  fingerprint BLOB NOT NULL);"
    "INSERT INTO findings_new "
    "  SELECT f.id, f.scan_id, f.rule_ref, f.resource_ref, f.status, t.id, "
    "  f.fingerprint FROM findings f JOIN texts t "
    "  ON t.hash = fourc_text_hash(f.message, f.evidence) "
    "  AND t.message = f.message AND t.evidence IS f.evidence;"
    "DROP VIEW findings_v;"
    "DROP TABLE findings;"
    "ALTER TABLE findings_new RENAME TO findings;"
    /* Counted as they are written: summaries read these few rows instead
     * of grouping millions of findings, and findings need no index in
     * (rule, status) order, whose upkeep was a tenth of a large scan. */
    "CREATE TABLE scan_counts ("
    "  scan_id INTEGER NOT NULL REFERENCES scans(id),"
    "  rule_ref INTEGER NOT NULL REFERENCES rules(id),"
    "  status TEXT NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  PRIMARY KEY (scan_id, rule_ref, status)) WITHOUT ROWID;"
    "INSERT INTO scan_counts SELECT scan_id, rule_ref, status, count(*) "
    "  FROM findings GROUP BY scan_id, rule_ref, status;"
    "CREATE INDEX findings_scan ON findings(scan_id);"
    /* fourc counts the findings it writes; these keep the counts right
     * when findings are deleted or change status later, by hand or by a
     * future fourc (waivers). */
    "CREATE TRIGGER findings_counted_delete AFTER DELETE ON findings BEGIN"
    "  UPDATE scan_counts SET n = n - 1 WHERE scan_id = old.scan_id"
    "    AND rule_ref = old.rule_ref AND status = old.status;"
    "  DELETE FROM scan_counts WHERE scan_id = old.scan_id"
    "    AND rule_ref = old.rule_ref AND status = old.status AND n <= 0;"
    "END;"
    "CREATE TRIGGER findings_counted_update AFTER UPDATE OF scan_id, "
    "  rule_ref, status ON findings BEGIN"
    "  UPDATE scan_counts SET n = n - 1 WHERE scan_id = old.scan_id"
    "    AND rule_ref = old.rule_ref AND status = old.status;"
    "  DELETE FROM scan_counts WHERE scan_id = old.scan_id"
    "    AND rule_ref = old.rule_ref AND status = old.status AND n <= 0;"
    "  INSERT INTO scan_counts VALUES (new.scan_id, new.rule_ref, "
    "    new.status, 1) ON CONFLICT DO UPDATE SET n = n + 1;"
    "END;"
    "CREATE VIEW findings_v AS SELECT f.id, f.scan_id, r.rule_id, r.hash AS "
    "  rule_hash, r.severity, r.pillar, res.kind, res.uid, res.name, "
    "  res.namespace, res.source, f.status, t.message, t.evidence, "
    "  'sha256:' || lower(hex(f.fingerprint)) AS fingerprint "
    "  FROM findings f JOIN rules r ON r.id = f.rule_ref "
    "  JOIN resources res ON res.id = f.resource_ref "
    "  JOIN texts t ON t.id = f.text_ref;",

    /* 3: re-evaluation (fourc scan --reevaluate). A scan records the scan
     * whose stored resources it judged again. A target resource records
     * the parts of its collection that failed, as a JSON array of
     * {"kinds": PREFIX, "why": TEXT}, which only its findings said before
     * (the rules of those kinds got "not evaluated: WHY"), so that a later
     * evaluation can say it again to today's rules. Older scans get what
     * their findings tell: the reason, not the kinds (null: all of the
     * target's collector's). */
    "ALTER TABLE scans ADD COLUMN reevaluates INTEGER REFERENCES scans(id);"
    "ALTER TABLE resources ADD COLUMN failed TEXT;"
    "UPDATE resources SET failed = (SELECT nullif(json_group_array("
    "  json_object('kinds', NULL, 'why', why)), '[]') FROM (SELECT DISTINCT "
    "  substr(t.message, 16) AS why FROM findings f JOIN texts t "
    "  ON t.id = f.text_ref WHERE f.resource_ref = resources.id "
    "  AND f.status = 'error' AND t.message LIKE 'not evaluated: %')) "
    "  WHERE kind = 'fourc/Target';",

    /* 4: a scan's findings are one range of row ids (written in one
     * transaction), recorded with the scan; the index on scan_id goes:
     * its upkeep was 7% of a 100k-object scan (STORE_SCAN_FINDINGS). */
    "ALTER TABLE scans ADD COLUMN first_finding INTEGER;"
    "ALTER TABLE scans ADD COLUMN last_finding INTEGER;"
    "UPDATE scans SET first_finding = (SELECT min(id) FROM findings f "
    "  WHERE f.scan_id = scans.id), last_finding = (SELECT max(id) FROM "
    "  findings f WHERE f.scan_id = scans.id);"
    "DROP INDEX findings_scan;",

    /* 5: what collectors learnt about their targets (a live cluster's
     * server, context and version), {"INDEX": {"KEY": VALUE}} for the
     * targets array's entries; kept apart from targets, which says what
     * was asked for and is how scans of the same targets are found. */
    "ALTER TABLE scans ADD COLUMN target_info TEXT;",
};

#define STORE_NMIGRATIONS                                                      \
    (sizeof(store_migrations) / sizeof(store_migrations[0]))

_Static_assert(STORE_NMIGRATIONS == STORE_SCHEMA_VERSION,
               "one migration per schema version");

sqlite3 *store_db(struct store *st)
{
    store_flush(st);
    return st->db;
}

const char *store_reason(int code)
{
    switch (code & 0xff) {
    case SQLITE_FULL:
        return "the disk or the database is full";
    case SQLITE_READONLY:
        return "the database is read-only";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return "the database is locked by another process";
    case SQLITE_CORRUPT:
        return "the database file is damaged";
    case SQLITE_NOTADB:
        return "it is not a fourc database (not an SQLite file)";
    case SQLITE_IOERR:
        return "an I/O error occurred";
    case SQLITE_CANTOPEN:
        return "the file cannot be opened";
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return "permission denied";
    case SQLITE_NOMEM:
        return "out of memory";
    case SQLITE_TOOBIG:
        return "a value is larger than the database accepts";
    case SQLITE_CONSTRAINT:
        return "a row broke the database's constraints (a fourc bug; "
               "please report it)";
    case SQLITE_ERROR:
    case SQLITE_SCHEMA:
        return "the database refused the statement (is it from another "
               "fourc version?)";
    default:
        return "the database reported an error";
    }
}

int store_fail(struct store *st, const char *op, struct err *e)
{
    int code = st->db ? sqlite3_errcode(st->db) : SQLITE_NOMEM;

    return err_set(e, "%s: cannot %s: %s (SQLite code %d)", st->path, op,
                   store_reason(code), code & 0xff);
}

const char *store_path(const struct store *st)
{
    return st->path;
}

const char *store_sqlite_version(void)
{
    return sqlite3_libversion();
}

int store_exec(struct store *st, const char *sql, struct err *e)
{
    char *msg = NULL;

    if (store_flush(st))
        return store_batch_err(st, e);
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        sqlite3_free(msg);
        store_fail(st, "update it", e);
        return -1;
    }
    return 0;
}

int store_int(struct store *st, const char *sql, long long *out, struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    int rc;

    rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        if (rc == SQLITE_NOTADB)
            err_set(e, "%s is not a fourc database (not an SQLite file)",
                    st->path);
        else
            store_fail(st, "read it", e);
        sqlite3_finalize(stmt);
        return -1;
    }
    *out = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return 0;
}

static int store_migrate(struct store *st, int readonly, struct err *e)
{
    long long version, app, tables;
    struct strbuf sql = STRBUF_INIT;
    size_t v;

    if (store_int(st, "PRAGMA user_version", &version, e) ||
        store_int(st, "PRAGMA application_id", &app, e) ||
        store_int(st, "SELECT count(*) FROM sqlite_master", &tables, e))
        return -1;
    if (app != 0 && app != STORE_APP_ID)
        return err_set(e,
                       "%s is an SQLite database of another application, "
                       "not fourc's",
                       st->path);
    if (app == 0 && tables > 0)
        return err_set(e,
                       "%s is an SQLite database but not a fourc one "
                       "(it has tables and no fourc schema)",
                       st->path);
    if (version > STORE_SCHEMA_VERSION)
        return err_set(e,
                       "%s has schema version %lld, newer than this fourc "
                       "understands (%d): use a newer fourc",
                       st->path, version, STORE_SCHEMA_VERSION);
    if (readonly && version < STORE_SCHEMA_VERSION) {
        if (version == 0)
            return err_set(e, "%s is not a fourc database (it is empty)",
                           st->path);
        return err_set(e,
                       "%s has schema version %lld, older than this fourc's "
                       "(%d), and cannot be migrated read-only: make it "
                       "writable and run fourc report or fourc scan once",
                       st->path, version, STORE_SCHEMA_VERSION);
    }
    if (readonly)
        return 0;
    /* Documents are kilobytes each: 16 KiB pages keep most of them out of
     * overflow chains. Only takes effect on a new, empty database. */
    if (version == 0 && tables == 0 &&
        store_exec(st, "PRAGMA page_size = 16384", e))
        return -1;
    for (v = (size_t)version; v < STORE_NMIGRATIONS; v++) {
        sb_setlen(&sql, 0);
        sb_addf(&sql,
                "BEGIN IMMEDIATE; %s PRAGMA user_version = %zu; "
                "PRAGMA application_id = %d; COMMIT;",
                store_migrations[v], v + 1, STORE_APP_ID);
        if (store_exec(st, sb_str(&sql), e)) {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            sb_release(&sql);
            return err_prefix(e, "migrating to schema version %zu", v + 1);
        }
    }
    sb_release(&sql);
    return 0;
}

/* SQLite's process-wide settings, made once for every thread, before
 * SQLite is initialised (sqlite3_config refuses them after). */
static pthread_once_t store_configured = PTHREAD_ONCE_INIT;

static void store_configure(void)
{
    /* fourc never asks SQLite how much memory it uses: the allocation
     * statistics are a global mutex taken on every allocation. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* "file:PATH?immutable=1", PATH percent-encoded where a URI needs it. */
static char *store_immutable_uri(const char *path)
{
    struct strbuf sb = STRBUF_INIT;
    const unsigned char *p;

    sb_adds(&sb, "file:");
    for (p = (const unsigned char *)path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#' || *p <= 0x20 || *p >= 0x7f)
            sb_addf(&sb, "%%%02X", *p);
        else
            sb_add(&sb, (const char *)p, 1);
    }
    sb_adds(&sb, "?immutable=1");
    return sb_detach(&sb);
}

/* Opens st->db; uri: name is a URI. */
static int store_connect(struct store *st, const char *name, int flags,
                         struct err *e)
{
    if (sqlite3_open_v2(name, &st->db, flags, NULL) != SQLITE_OK)
        return err_set(
            e, "cannot open database %s: %s", st->path,
            store_reason(st->db ? sqlite3_errcode(st->db) : SQLITE_NOMEM));
    sqlite3_busy_timeout(st->db, 10000);
    sqlite3_extended_result_codes(st->db, 0);
    if (store_findings_register(st))
        return store_fail(st, "set it up", e);
    return 0;
}

/*
 * A read-only connection to a database in WAL mode needs the -shm file,
 * which a read-only directory cannot get. Without a -wal file holding
 * changes the database file is whole, and SQLite may read it as an
 * immutable file instead; with one, reading the file alone would show an
 * older state, so that is an error.
 */
static int store_connect_readonly(struct store *st, int flags, struct err *e)
{
    struct strbuf wal = STRBUF_INIT;
    sqlite3_stmt *stmt = NULL;
    struct stat sb;
    char *uri;
    int rc;

    sb_addf(&wal, "%s-wal", st->path);
    st->tidy_wal = stat(sb_str(&wal), &sb) != 0;
    sb_release(&wal);
    if (store_connect(st, st->path, flags, e))
        return -1;
    rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_CANTOPEN && rc != SQLITE_READONLY)
        return 0; /* readable, or an error store_migrate reports */
    sb_addf(&wal, "%s-wal", st->path);
    rc = stat(sb_str(&wal), &sb) == 0 && sb.st_size > 0;
    sb_release(&wal);
    if (rc)
        return err_set(e,
                       "%s: its write-ahead log %s-wal holds changes that "
                       "a read-only directory keeps fourc from reading; "
                       "make the directory writable",
                       st->path, st->path);
    sqlite3_close(st->db);
    st->db = NULL;
    uri = store_immutable_uri(st->path);
    rc = store_connect(st, uri, flags | SQLITE_OPEN_URI, e);
    free(uri);
    return rc;
}

/* For a command that writes: a database it cannot write is one clear
 * error rather than SQLite's "attempt to write a readonly database" at the
 * first write. */
static int store_check_writable(struct store *st, struct err *e)
{
    char *dir, *slash;
    int ok;

    if (strcmp(st->path, ":memory:") == 0 || strncmp(st->path, "file:", 5) == 0)
        return 0;
    if (sqlite3_db_readonly(st->db, "main") == 1)
        return err_set(e,
                       "cannot write the database %s: the file is read-only "
                       "(fourc report and fourc diff can read it as it is)",
                       st->path);
    dir = xstrdup(st->path);
    slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    ok = access(slash ? dir : ".", W_OK) == 0;
    free(dir);
    if (!ok)
        return err_set(e,
                       "cannot write the database %s: its directory is not "
                       "writable, and SQLite keeps its journal there (fourc "
                       "report and fourc diff can read it as it is)",
                       st->path);
    return 0;
}

int store_open(struct store **out, const char *path, enum store_mode mode,
               struct err *e)
{
    struct store *st;
    struct stat sb;
    int readonly = mode == STORE_READONLY, rc;
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    long long version = 0;

    *out = NULL;
    if (mode != STORE_CREATE && stat(path, &sb) != 0)
        return err_set(e,
                       "no database at %s (run 'fourc scan' first or pass "
                       "--db FILE)",
                       path);
    if (mode == STORE_CREATE)
        flags |= SQLITE_OPEN_CREATE;
    /* A store (its connection) is used from one thread at a time: the
     * per-connection mutex is cost without use. */
    flags |= SQLITE_OPEN_NOMUTEX;
    pthread_once(&store_configured, store_configure);
    st = xcalloc(1, sizeof(*st));
    st->path = xstrdup(path);
    rc = readonly ? store_connect_readonly(st, flags, e)
                  : store_connect(st, path, flags, e);
    /* An older schema is migrated where the file may be written. */
    if (rc == 0 && readonly &&
        store_int(st, "PRAGMA user_version", &version, e) == 0 && version > 0 &&
        version < STORE_SCHEMA_VERSION && access(path, W_OK) == 0) {
        store_free(st);
        return store_open(out, path, STORE_EXISTING, e);
    }
    if (rc || (!readonly && store_check_writable(st, e)) ||
        store_migrate(st, readonly, e) ||
        (!readonly &&
         /* Foreign keys document the schema but are not enforced: every
          * row is written here, references first, and enforcing them
          * costs three lookups and a statement journal per finding. */
         store_exec(st,
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                    e)) ||
        store_exec(st,
                   "PRAGMA cache_size = " STORE_CACHE_READ ";"
                   "PRAGMA temp_store = MEMORY;",
                   e)) {
        store_free(st);
        return -1;
    }
    *out = st;
    return 0;
}

/*
 * A read-only connection cannot remove the -wal and -shm files it leaves
 * behind as the last one out; a read-write connection that reads and
 * closes does, as every command did before report and diff read only. No
 * write happens: the log is empty or holds what a writer left, which
 * SQLite moves into the database as any closing writer would.
 */
static void store_tidy_wal(const char *path)
{
    struct strbuf wal = STRBUF_INIT;
    struct stat sb;
    sqlite3 *db = NULL;
    int there;

    sb_addf(&wal, "%s-wal", path);
    there = stat(sb_str(&wal), &sb) == 0;
    sb_release(&wal);
    if (!there || access(path, W_OK) != 0)
        return;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) == SQLITE_OK)
        sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL,
                     NULL);
    sqlite3_close(db);
}

void store_free(struct store *st)
{
    if (!st)
        return;
    sqlite3_finalize(st->ins_resource);
    sqlite3_finalize(st->ins_finding);
    sqlite3_finalize(st->ins_rule);
    sqlite3_finalize(st->ins_scan_rule);
    sqlite3_finalize(st->ins_text);
    sqlite3_finalize(st->get_text);
    sqlite3_finalize(st->upd_failed);
    sqlite3_close(st->db);
    if (st->tidy_wal)
        store_tidy_wal(st->path);
    store_findings_reset(st);
    free(st->batch);
    free(st->path);
    free(st);
}

int store_prepare(struct store *st, sqlite3_stmt **stmt, const char *sql,
                  struct err *e)
{
    /* Statements are reset after every step (store_step_done); each
     * caller binds every parameter, so there is nothing to clear. */
    if (*stmt)
        return 0;
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt,
                           NULL) != SQLITE_OK)
        return store_fail(st, "prepare a statement", e);
    return 0;
}

int store_step_done(struct store *st, sqlite3_stmt *stmt, struct err *e)
{
    int rc = sqlite3_step(stmt);

    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return store_fail(st, "write to it", e);
    return 0;
}

void store_text(sqlite3_stmt *stmt, int col, const char *s)
{
    if (s)
        sqlite3_bind_text(stmt, col, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, col);
}

/* A new running scan; of: the scan it re-evaluates, whose targets it
 * names (targets_json NULL), or 0. */
static int store_scan_start(struct store *st, const char *targets_json,
                            int64_t of, const char *command, int64_t *scan_id,
                            struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    char now[32];
    int rc;

    now_rfc3339(now);
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO scans (started, status, targets, "
                           "tool_version, command, reevaluates, "
                           "target_info) VALUES (?1, 'running', "
                           "coalesce(?2, (SELECT targets FROM scans WHERE "
                           "id = ?5)), ?3, ?4, ?5, (SELECT target_info "
                           "FROM scans WHERE id = ?5))",
                           -1, &stmt, NULL) != SQLITE_OK)
        return store_fail(st, "start a scan", e);
    store_text(stmt, 1, now);
    store_text(stmt, 2, targets_json);
    store_text(stmt, 3, PACKAGE_VERSION);
    store_text(stmt, 4, command);
    if (of)
        sqlite3_bind_int64(stmt, 5, of);
    else
        sqlite3_bind_null(stmt, 5);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return store_fail(st, "start a scan", e);
    *scan_id = sqlite3_last_insert_rowid(st->db);
    store_findings_reset(st);
    if (store_exec(
            st, "PRAGMA cache_size = " STORE_CACHE_SCAN "; BEGIN IMMEDIATE", e))
        return -1;
    /* the findings this scan writes come after these (one transaction) */
    if (store_int(st, "SELECT coalesce(max(id), 0) FROM findings",
                  &st->findings_before, e)) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

int store_scan_begin(struct store *st, const char *targets_json,
                     const char *command, int64_t *scan_id, struct err *e)
{
    return store_scan_start(st, targets_json, 0, command, scan_id, e);
}

int store_scan_target_info(struct store *st, int64_t scan_id, size_t index,
                           const char *key, const char *value_json,
                           struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    char idx[32];
    int rc;

    snprintf(idx, sizeof(idx), "%zu", index);
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE scans SET target_info = json_set("
                           "json_set(coalesce(target_info, '{}'), "
                           "'$.\"' || ?2 || '\"', coalesce(json_extract("
                           "target_info, '$.\"' || ?2 || '\"'), json('{}'))), "
                           "'$.\"' || ?2 || '\".\"' || ?3 || '\"', json(?4)) "
                           "WHERE id = ?1",
                           -1, &stmt, NULL) != SQLITE_OK)
        return store_fail(st, "record a target's details", e);
    sqlite3_bind_int64(stmt, 1, scan_id);
    store_text(stmt, 2, idx);
    store_text(stmt, 3, key);
    store_text(stmt, 4, value_json);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return store_fail(st, "record a target's details", e);
    return 0;
}

int store_scan_begin_reeval(struct store *st, int64_t of, const char *command,
                            int64_t *scan_id, struct err *e)
{
    return store_scan_start(st, NULL, of, command, scan_id, e);
}

int store_scan_set_targets(struct store *st, int64_t scan_id,
                           const char *targets_json, struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (sqlite3_prepare_v2(st->db, "UPDATE scans SET targets = ? WHERE id = ?",
                           -1, &stmt, NULL) != SQLITE_OK)
        return store_fail(st, "record the scan's targets", e);
    store_text(stmt, 1, targets_json);
    sqlite3_bind_int64(stmt, 2, scan_id);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0
                             : store_fail(st, "record the scan's targets", e);
}

int store_scan_commit(struct store *st, int64_t scan_id,
                      const char *rules_digest, struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    char now[32];
    int rc;

    if (store_flush(st))
        return store_batch_err(st, e);
    if (store_counts_write(st, scan_id, e))
        return -1;
    now_rfc3339(now);
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE scans SET status = 'complete', "
                           "finished = ?, rules_digest = ?, first_finding = "
                           "(SELECT min(id) FROM findings WHERE id > ?4), "
                           "last_finding = (SELECT max(id) FROM findings "
                           "WHERE id > ?4) WHERE id = ?3",
                           -1, &stmt, NULL) != SQLITE_OK)
        return store_fail(st, "finish the scan", e);
    store_text(stmt, 1, now);
    store_text(stmt, 2, rules_digest);
    sqlite3_bind_int64(stmt, 3, scan_id);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64)st->findings_before);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return store_fail(st, "finish the scan", e);
    return store_exec(st, "COMMIT; PRAGMA cache_size = " STORE_CACHE_READ ";",
                      e);
}

void store_scan_rollback(struct store *st, int64_t scan_id)
{
    char sql[160], now[32];

    /* Never written, or rolled back with the rest: texts the map names
     * are gone too. */
    store_batch_clear(st);
    store_findings_reset(st);
    st->batch_failed = 0;
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_exec(st->db, "PRAGMA cache_size = " STORE_CACHE_READ, NULL, NULL,
                 NULL);
    now_rfc3339(now);
    snprintf(sql, sizeof(sql),
             "UPDATE scans SET status = 'failed', finished = '%s' "
             "WHERE id = %lld",
             now, (long long)scan_id);
    sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

int store_add_rule(struct store *st, int64_t scan_id,
                   const struct store_rule *r, int64_t *ref, struct err *e)
{
    char now[32];

    now_rfc3339(now);
    if (store_prepare(st, &st->ins_rule,
                      "INSERT INTO rules (hash, rule_id, pack, severity, "
                      "pillar, title, origin, doc, added) VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO "
                      "UPDATE SET hash = excluded.hash RETURNING id",
                      e))
        return -1;
    store_text(st->ins_rule, 1, r->hash);
    store_text(st->ins_rule, 2, r->id);
    store_text(st->ins_rule, 3, r->pack);
    store_text(st->ins_rule, 4, r->severity);
    store_text(st->ins_rule, 5, r->pillar);
    store_text(st->ins_rule, 6, r->title);
    store_text(st->ins_rule, 7, r->origin);
    store_text(st->ins_rule, 8, r->doc_json);
    store_text(st->ins_rule, 9, now);
    if (sqlite3_step(st->ins_rule) != SQLITE_ROW) {
        store_fail(st, "store a rule", e);
        sqlite3_reset(st->ins_rule);
        return -1;
    }
    *ref = sqlite3_column_int64(st->ins_rule, 0);
    if (store_step_done(st, st->ins_rule, e))
        return -1;
    if (store_prepare(st, &st->ins_scan_rule,
                      "INSERT OR IGNORE INTO scan_rules (scan_id, rule_ref) "
                      "VALUES (?, ?)",
                      e))
        return -1;
    sqlite3_bind_int64(st->ins_scan_rule, 1, scan_id);
    sqlite3_bind_int64(st->ins_scan_rule, 2, *ref);
    return store_step_done(st, st->ins_scan_rule, e);
}

int store_add_resource(struct store *st, int64_t scan_id,
                       const struct store_resource *r, int64_t *ref,
                       struct err *e)
{
    char digest[SHA256_STR_LEN];

    if (store_prepare(st, &st->ins_resource,
                      "INSERT INTO resources (scan_id, uid, kind, name, "
                      "namespace, source, target, doc, sha256) VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      e))
        return -1;
    /* Collectors bound their documents; this is the last line, so that
     * a document too large never becomes a NULL the schema refuses. */
    if (!r->doc_json)
        return err_set(e,
                       "%s: cannot store the resource from %s: it has no "
                       "document",
                       st->path, r->source ? r->source : r->uid);
    if (r->doc_len > STORE_MAX_DOC)
        return err_set(e,
                       "%s: cannot store the resource from %s: its document "
                       "(%zu MiB) is larger than the %u MiB a resource may "
                       "have",
                       st->path, r->source ? r->source : r->uid,
                       r->doc_len >> 20, STORE_MAX_DOC >> 20);
    sha256_str(r->doc_json, r->doc_len, digest);
    sqlite3_bind_int64(st->ins_resource, 1, scan_id);
    store_text(st->ins_resource, 2, r->uid);
    store_text(st->ins_resource, 3, r->kind);
    store_text(st->ins_resource, 4, r->name);
    store_text(st->ins_resource, 5, r->namespace);
    store_text(st->ins_resource, 6, r->source);
    store_text(st->ins_resource, 7, r->target);
    sqlite3_bind_text(st->ins_resource, 8, r->doc_json, (int)r->doc_len,
                      SQLITE_STATIC);
    store_text(st->ins_resource, 9, digest);
    if (sqlite3_step(st->ins_resource) != SQLITE_DONE) {
        struct strbuf op = STRBUF_INIT;
        sb_addf(&op, "store the resource from %s",
                r->source ? r->source : r->uid);
        store_fail(st, sb_str(&op), e);
        sb_release(&op);
        sqlite3_reset(st->ins_resource);
        return -1;
    }
    sqlite3_reset(st->ins_resource);
    *ref = sqlite3_last_insert_rowid(st->db);
    return 0;
}

int store_resolve_scan(struct store *st, const char *spec, int64_t *scan_id,
                       struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    long long id = 0;
    char *end;
    int rc;

    if (!spec || !*spec || strcmp(spec, "latest") == 0) {
        if (sqlite3_prepare_v2(st->db,
                               "SELECT max(id) FROM scans WHERE status = "
                               "'complete'",
                               -1, &stmt, NULL) != SQLITE_OK)
            return store_fail(st, "look up the scans", e);
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
            id = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        if (!id)
            return err_set(e, "%s holds no complete scan yet", st->path);
        *scan_id = id;
        return 0;
    }
    id = strtoll(spec, &end, 10);
    if (*end || id <= 0)
        return err_set(e, "--scan %s: expected a scan id or 'latest'", spec);
    if (sqlite3_prepare_v2(st->db, "SELECT status FROM scans WHERE id = ?", -1,
                           &stmt, NULL) != SQLITE_OK)
        return store_fail(st, "look up the scans", e);
    sqlite3_bind_int64(stmt, 1, id);
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return err_set(e, "%s has no scan %lld", st->path, id);
    }
    if (strcmp((const char *)sqlite3_column_text(stmt, 0), "complete") != 0) {
        err_set(e,
                "scan %lld in %s is incomplete (%s): it was interrupted "
                "or failed, so it has no results",
                id, st->path, (const char *)sqlite3_column_text(stmt, 0));
        sqlite3_finalize(stmt);
        return -1;
    }
    sqlite3_finalize(stmt);
    *scan_id = id;
    return 0;
}
