/* store.c: the SQLite store and its migrations; see store.h. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "textmap.h"
#include "util.h"
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
 * Findings waiting to be written. A prepared INSERT costs a statement
 * execution per row (cursors opened, the table's last row found, all
 * closed again); rows handed to SQLite through a virtual table that reads
 * this batch go in with one INSERT ... SELECT, which keeps its cursors
 * open across the rows. Multi-row VALUES was slower (a co-routine per
 * row). Large batches also keep the b-tree pages they touch in the CPU's
 * caches: at 100k objects, batches of 32768 findings (about 10 MB) scanned
 * about 0.8 s faster than batches of 1024. (Batching resources too, with the
 * row ids SQLite would give them, gained nothing measurable.)
 */
#define STORE_BATCH 32768

/* Bytes of finding text a scan remembers (textmap.h). A 100k-object scan
 * has 41 MB of distinct text; beyond the budget, texts the map forgot are
 * looked up in the database. */
#define STORE_TEXTS_BUDGET ((size_t)96 << 20)

/* A text column: offset and length in the batch's text; off is
 * STORE_NULL for SQL NULL. */
#define STORE_NULL ((size_t)-1)

struct store_span {
    size_t off, len;
};

struct store_pending {
    int64_t scan_id, rule_ref, resource_ref, text_ref;
    struct store_span status;
    unsigned char fingerprint[32];
    int has_fingerprint;
};

/* The scan's findings of one rule with one status (scan_counts). */
struct store_count {
    int64_t rule_ref; /* 0: free slot */
    int status;       /* index in store_statuses */
    int64_t n;
};

static const char *const store_statuses[] = {"pass",   "fail", "error",
                                             "manual", "skip", "waived"};
#define STORE_NSTATUSES (sizeof(store_statuses) / sizeof(store_statuses[0]))

struct store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *ins_resource, *ins_finding, *ins_rule, *ins_scan_rule;
    sqlite3_stmt *ins_text, *get_text;
    struct textmap *texts;      /* this scan's texts, by content */
    struct store_count *counts; /* findings by rule and status */
    size_t ncounts, counts_used;
    int texts_before; /* the texts table had rows when the scan began */
    struct store_pending *batch;
    size_t nbatch;
    struct strbuf text;  /* the batch's strings */
    int batch_failed;    /* writing a batch failed: the scan cannot commit */
    char batch_err[256]; /* why */
};

static void store_counts_clear(struct store *st);

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
};

#define STORE_NMIGRATIONS                                                      \
    (sizeof(store_migrations) / sizeof(store_migrations[0]))

_Static_assert(STORE_NMIGRATIONS == STORE_SCHEMA_VERSION,
               "one migration per schema version");

/* ---- the findings batch, as a virtual table ---- */

struct store_vcursor {
    sqlite3_vtab_cursor base;
    size_t row;
};

struct store_vtab {
    sqlite3_vtab base;
    struct store *st;
};

static int store_vt_connect(sqlite3 *db, void *aux, int argc,
                            const char *const *argv, sqlite3_vtab **out,
                            char **err)
{
    struct store_vtab *vt;
    int rc;

    (void)argc;
    (void)argv;
    (void)err;
    rc = sqlite3_declare_vtab(db, "CREATE TABLE x(scan_id, rule_ref, "
                                  "resource_ref, status, text_ref, "
                                  "fingerprint)");
    if (rc != SQLITE_OK)
        return rc;
    vt = sqlite3_malloc(sizeof(*vt));
    if (!vt)
        return SQLITE_NOMEM;
    memset(vt, 0, sizeof(*vt));
    vt->st = aux;
    *out = &vt->base;
    return SQLITE_OK;
}

static int store_vt_disconnect(sqlite3_vtab *vt)
{
    sqlite3_free(vt);
    return SQLITE_OK;
}

static int store_vt_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
    (void)vt;
    info->estimatedCost = STORE_BATCH;
    info->estimatedRows = STORE_BATCH;
    return SQLITE_OK;
}

static int store_vt_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
    struct store_vcursor *c = sqlite3_malloc(sizeof(*c));

    (void)vt;
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof(*c));
    *out = &c->base;
    return SQLITE_OK;
}

static int store_vt_close(sqlite3_vtab_cursor *c)
{
    sqlite3_free(c);
    return SQLITE_OK;
}

static int store_vt_filter(sqlite3_vtab_cursor *c, int idx, const char *idxs,
                           int argc, sqlite3_value **argv)
{
    (void)idx;
    (void)idxs;
    (void)argc;
    (void)argv;
    ((struct store_vcursor *)c)->row = 0;
    return SQLITE_OK;
}

static int store_vt_next(sqlite3_vtab_cursor *c)
{
    ((struct store_vcursor *)c)->row++;
    return SQLITE_OK;
}

static int store_vt_eof(sqlite3_vtab_cursor *c)
{
    const struct store *st = ((struct store_vtab *)c->pVtab)->st;

    return ((struct store_vcursor *)c)->row >= st->nbatch;
}

static int store_vt_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx,
                           int col)
{
    const struct store *st = ((struct store_vtab *)c->pVtab)->st;
    const struct store_pending *p =
        &st->batch[((struct store_vcursor *)c)->row];

    switch (col) {
    case 0:
        sqlite3_result_int64(ctx, p->scan_id);
        break;
    case 1:
        sqlite3_result_int64(ctx, p->rule_ref);
        break;
    case 2:
        sqlite3_result_int64(ctx, p->resource_ref);
        break;
    case 3:
        if (p->status.off == STORE_NULL)
            sqlite3_result_null(ctx);
        else
            sqlite3_result_text64(ctx, st->text.buf + p->status.off,
                                  p->status.len, SQLITE_STATIC, SQLITE_UTF8);
        break;
    case 4:
        sqlite3_result_int64(ctx, p->text_ref);
        break;
    default:
        if (p->has_fingerprint)
            sqlite3_result_blob(ctx, p->fingerprint, 32, SQLITE_STATIC);
        else
            sqlite3_result_null(ctx);
    }
    return SQLITE_OK;
}

static int store_vt_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid)
{
    *rowid = (sqlite3_int64)((struct store_vcursor *)c)->row;
    return SQLITE_OK;
}

/* Eponymous-only (no xCreate): it exists in every connection that
 * registered it, and in no database file. */
static const sqlite3_module store_vt_module = {
    .xConnect = store_vt_connect,
    .xBestIndex = store_vt_best_index,
    .xDisconnect = store_vt_disconnect,
    .xOpen = store_vt_open,
    .xClose = store_vt_close,
    .xFilter = store_vt_filter,
    .xNext = store_vt_next,
    .xEof = store_vt_eof,
    .xColumn = store_vt_column,
    .xRowid = store_vt_rowid,
};

static void store_batch_clear(struct store *st)
{
    st->nbatch = 0;
    sb_setlen(&st->text, 0);
}

/* Writes the pending findings. A failure is kept: the scan's transaction
 * must not commit without them. */
static int store_flush(struct store *st)
{
    int rc;

    if (st->nbatch == 0 || st->batch_failed)
        return st->batch_failed ? -1 : 0;
    if (!st->ins_finding &&
        sqlite3_prepare_v3(st->db,
                           "INSERT INTO findings (scan_id, rule_ref, "
                           "resource_ref, status, text_ref, fingerprint) "
                           "SELECT scan_id, rule_ref, resource_ref, status, "
                           "text_ref, fingerprint FROM fourc_findings_batch",
                           -1, SQLITE_PREPARE_PERSISTENT, &st->ins_finding,
                           NULL) != SQLITE_OK) {
        rc = SQLITE_ERROR;
    } else {
        rc = sqlite3_step(st->ins_finding);
        sqlite3_reset(st->ins_finding);
    }
    store_batch_clear(st);
    if (rc != SQLITE_DONE) {
        st->batch_failed = 1;
        snprintf(st->batch_err, sizeof(st->batch_err), "%s: %s", st->path,
                 sqlite3_errmsg(st->db));
        return -1;
    }
    return 0;
}

static int store_batch_err(struct store *st, struct err *e)
{
    return err_set(e, "%s", st->batch_err);
}

sqlite3 *store_db(struct store *st)
{
    store_flush(st);
    return st->db;
}

const char *store_path(const struct store *st)
{
    return st->path;
}

int store_exec(struct store *st, const char *sql, struct err *e)
{
    char *msg = NULL;

    if (store_flush(st))
        return store_batch_err(st, e);
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, "%s: %s", st->path, msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int store_int(struct store *st, const char *sql, long long *out,
                     struct err *e)
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
            err_set(e, "%s: %s", st->path, sqlite3_errmsg(st->db));
        sqlite3_finalize(stmt);
        return -1;
    }
    *out = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return 0;
}

static int store_migrate(struct store *st, struct err *e)
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

/* fourc_text_hash(message, evidence): textmap_hash, for migration 2. */
static void store_text_hash_fn(sqlite3_context *ctx, int argc,
                               sqlite3_value **argv)
{
    struct textmap_key k = {"", 0, NULL, 0};

    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_NULL) {
        k.message = (const char *)sqlite3_value_text(argv[0]);
        k.message_len = (size_t)sqlite3_value_bytes(argv[0]);
    }
    if (sqlite3_value_type(argv[1]) != SQLITE_NULL) {
        k.evidence = (const char *)sqlite3_value_text(argv[1]);
        k.evidence_len = (size_t)sqlite3_value_bytes(argv[1]);
    }
    if (!k.message ||
        (sqlite3_value_type(argv[1]) != SQLITE_NULL && !k.evidence)) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_int64(ctx, (sqlite3_int64)textmap_hash(&k));
}

static int store_configured;

int store_open(struct store **out, const char *path, enum store_mode mode,
               struct err *e)
{
    struct store *st;
    struct stat sb;
    int flags = SQLITE_OPEN_READWRITE;

    *out = NULL;
    if (mode == STORE_EXISTING && stat(path, &sb) != 0)
        return err_set(e,
                       "no database at %s (run 'fourc scan' first or pass "
                       "--db FILE)",
                       path);
    if (mode == STORE_CREATE)
        flags |= SQLITE_OPEN_CREATE;
    /* fourc uses a connection from one thread only, and never asks SQLite
     * how much memory it uses: the per-connection mutex and the allocation
     * statistics (a global mutex taken on every allocation) are cost
     * without use. sqlite3_config is refused once SQLite is initialised;
     * then the defaults stay. */
    flags |= SQLITE_OPEN_NOMUTEX;
    if (!store_configured) {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        store_configured = 1;
    }
    st = xcalloc(1, sizeof(*st));
    st->path = xstrdup(path);
    if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
        err_set(e, "cannot open database %s: %s", path,
                st->db ? sqlite3_errmsg(st->db) : "out of memory");
        store_free(st);
        return -1;
    }
    sqlite3_busy_timeout(st->db, 10000);
    sqlite3_extended_result_codes(st->db, 0);
    if (sqlite3_create_module_v2(st->db, "fourc_findings_batch",
                                 &store_vt_module, st, NULL) != SQLITE_OK ||
        sqlite3_create_function(st->db, "fourc_text_hash", 2,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                store_text_hash_fn, NULL, NULL) != SQLITE_OK) {
        err_set(e, "%s: %s", path, sqlite3_errmsg(st->db));
        store_free(st);
        return -1;
    }
    if (store_migrate(st, e) ||
        /* Foreign keys document the schema but are not enforced: every
         * row is written here, references first, and enforcing them
         * costs three lookups and a statement journal per finding. */
        store_exec(st,
                   "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                   "PRAGMA cache_size = " STORE_CACHE_READ ";"
                   "PRAGMA temp_store = MEMORY;",
                   e)) {
        store_free(st);
        return -1;
    }
    *out = st;
    return 0;
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
    sqlite3_close(st->db);
    textmap_free(st->texts);
    store_counts_clear(st);
    free(st->batch);
    sb_release(&st->text);
    free(st->path);
    free(st);
}

static int store_prepare(struct store *st, sqlite3_stmt **stmt, const char *sql,
                         struct err *e)
{
    /* Statements are reset after every step (store_step_done); each
     * caller binds every parameter, so there is nothing to clear. */
    if (*stmt)
        return 0;
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt,
                           NULL) != SQLITE_OK)
        return err_set(e, "%s: %s", st->path, sqlite3_errmsg(st->db));
    return 0;
}

static int store_step_done(struct store *st, sqlite3_stmt *stmt, struct err *e)
{
    int rc = sqlite3_step(stmt);

    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return err_set(e, "%s: %s", st->path, sqlite3_errmsg(st->db));
    return 0;
}

static void store_text(sqlite3_stmt *stmt, int col, const char *s)
{
    if (s)
        sqlite3_bind_text(stmt, col, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, col);
}

/* Binds hash, message and evidence to parameters 1-3. */
static void store_bind_text_key(sqlite3_stmt *stmt, const struct textmap_key *k,
                                uint64_t h)
{
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)h);
    sqlite3_bind_text64(stmt, 2, k->message, k->message_len, SQLITE_STATIC,
                        SQLITE_UTF8);
    if (k->evidence)
        sqlite3_bind_text64(stmt, 3, k->evidence, k->evidence_len,
                            SQLITE_STATIC, SQLITE_UTF8);
    else
        sqlite3_bind_null(stmt, 3);
}

/* ---- counts by rule and status ---- */

static int store_status_index(const char *status)
{
    size_t i;

    for (i = 0; i < STORE_NSTATUSES; i++)
        if (strcmp(status, store_statuses[i]) == 0)
            return (int)i;
    return -1;
}

static struct store_count *store_count_slot(struct store_count *t, size_t n,
                                            int64_t rule_ref, int status)
{
    size_t i = ((size_t)rule_ref * STORE_NSTATUSES + (size_t)status) & (n - 1);

    while (t[i].rule_ref &&
           (t[i].rule_ref != rule_ref || t[i].status != status))
        i = (i + 1) & (n - 1);
    return &t[i];
}

static void store_count(struct store *st, int64_t rule_ref, int status)
{
    struct store_count *c;

    if ((st->counts_used + 1) * 2 > st->ncounts) {
        struct store_count *old = st->counts;
        size_t n = st->ncounts, i;
        st->ncounts = n ? n * 2 : 256;
        st->counts = xcalloc(st->ncounts, sizeof(*st->counts));
        for (i = 0; i < n; i++)
            if (old[i].rule_ref)
                *store_count_slot(st->counts, st->ncounts, old[i].rule_ref,
                                  old[i].status) = old[i];
        free(old);
    }
    c = store_count_slot(st->counts, st->ncounts, rule_ref, status);
    if (!c->rule_ref) {
        c->rule_ref = rule_ref;
        c->status = status;
        st->counts_used++;
    }
    c->n++;
}

static void store_counts_clear(struct store *st)
{
    free(st->counts);
    st->counts = NULL;
    st->ncounts = st->counts_used = 0;
}

static int store_counts_write(struct store *st, int64_t scan_id, struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    size_t i;
    int rc = 0;

    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO scan_counts (scan_id, rule_ref, "
                           "status, n) VALUES (?, ?, ?, ?)",
                           -1, &stmt, NULL) != SQLITE_OK)
        return err_set(e, "%s: %s", st->path, sqlite3_errmsg(st->db));
    for (i = 0; i < st->ncounts && rc == 0; i++) {
        const struct store_count *c = &st->counts[i];
        if (!c->rule_ref)
            continue;
        sqlite3_bind_int64(stmt, 1, scan_id);
        sqlite3_bind_int64(stmt, 2, c->rule_ref);
        store_text(stmt, 3, store_statuses[c->status]);
        sqlite3_bind_int64(stmt, 4, c->n);
        rc = store_step_done(st, stmt, e);
    }
    sqlite3_finalize(stmt);
    return rc;
}

int store_scan_begin(struct store *st, const char *targets_json,
                     const char *command, int64_t *scan_id, struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    char now[32];
    int rc;

    now_rfc3339(now);
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO scans (started, status, targets, "
                           "tool_version, command) VALUES (?, 'running', ?, "
                           "?, ?)",
                           -1, &stmt, NULL) != SQLITE_OK)
        return err_set(e, "%s: %s", st->path, sqlite3_errmsg(st->db));
    store_text(stmt, 1, now);
    store_text(stmt, 2, targets_json);
    store_text(stmt, 3, PACKAGE_VERSION);
    store_text(stmt, 4, command);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return err_set(e, "%s: %s", st->path, sqlite3_errmsg(st->db));
    *scan_id = sqlite3_last_insert_rowid(st->db);
    textmap_free(st->texts); /* set up again by the first finding */
    st->texts = NULL;
    store_counts_clear(st);
    return store_exec(
        st, "PRAGMA cache_size = " STORE_CACHE_SCAN "; BEGIN IMMEDIATE", e);
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
                           "finished = ?, rules_digest = ? WHERE id = ?",
                           -1, &stmt, NULL) != SQLITE_OK)
        return err_set(e, "%s: %s", st->path, sqlite3_errmsg(st->db));
    store_text(stmt, 1, now);
    store_text(stmt, 2, rules_digest);
    sqlite3_bind_int64(stmt, 3, scan_id);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return err_set(e, "%s: %s", st->path, sqlite3_errmsg(st->db));
    return store_exec(st, "COMMIT; PRAGMA cache_size = " STORE_CACHE_READ ";",
                      e);
}

void store_scan_rollback(struct store *st, int64_t scan_id)
{
    char sql[160], now[32];

    store_batch_clear(st);   /* never written: rolled back with the rest */
    textmap_free(st->texts); /* the rows it names are rolled back too */
    st->texts = NULL;
    store_counts_clear(st);
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
        sqlite3_reset(st->ins_rule);
        return err_set(e, "%s: %s", st->path, sqlite3_errmsg(st->db));
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
    if (store_step_done(st, st->ins_resource, e))
        return -1;
    *ref = sqlite3_last_insert_rowid(st->db);
    return 0;
}

/*
 * The texts row holding k, stored first if there is none. The map answers
 * for every text this scan stored, unless it started over; a text it does
 * not know can then only be in the database if the table had rows when the
 * scan began or the map forgot some: a first scan never asks SQLite.
 */
static int store_text_ref(struct store *st, const struct textmap_key *k,
                          int64_t *ref, struct err *e)
{
    uint64_t h;
    int64_t id;
    int rc;

    if (!st->texts) {
        long long any = 0;
        if (store_int(st, "SELECT EXISTS (SELECT 1 FROM texts)", &any, e))
            return -1;
        st->texts = textmap_new(STORE_TEXTS_BUDGET);
        st->texts_before = any != 0;
    }
    h = textmap_hash(k);
    id = textmap_get(st->texts, k, h);
    if (id) {
        *ref = id;
        return 0;
    }
    if (st->texts_before || textmap_resets(st->texts)) {
        if (store_prepare(st, &st->get_text,
                          "SELECT id FROM texts WHERE hash = ? AND "
                          "message = ? AND evidence IS ?",
                          e))
            return -1;
        store_bind_text_key(st->get_text, k, h);
        rc = sqlite3_step(st->get_text);
        if (rc == SQLITE_ROW)
            id = sqlite3_column_int64(st->get_text, 0);
        sqlite3_reset(st->get_text);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return err_set(e, "%s: %s", st->path, sqlite3_errmsg(st->db));
    }
    if (!id) {
        if (store_prepare(st, &st->ins_text,
                          "INSERT INTO texts (hash, message, evidence) "
                          "VALUES (?, ?, ?)",
                          e))
            return -1;
        store_bind_text_key(st->ins_text, k, h);
        if (store_step_done(st, st->ins_text, e))
            return -1;
        id = sqlite3_last_insert_rowid(st->db);
    }
    textmap_put(st->texts, k, h, id);
    *ref = id;
    return 0;
}

/* Copies s (n bytes, or up to its NUL when n is 0) into the batch. */
static void store_batch_text(struct store *st, struct store_span *t,
                             const char *s, size_t n)
{
    if (!s) {
        t->off = STORE_NULL;
        t->len = 0;
        return;
    }
    t->off = st->text.len;
    t->len = n ? n : strlen(s);
    sb_add(&st->text, s, t->len);
    sb_add(&st->text, "", 1);
}

int store_add_finding(struct store *st, int64_t scan_id,
                      const struct store_finding *f, struct err *e)
{
    struct store_pending *p;
    struct textmap_key k;
    int64_t text_ref = 0;
    int status = store_status_index(f->status);

    if (st->batch_failed)
        return store_batch_err(st, e);
    if (status < 0)
        return err_set(e, "%s: finding with unknown status '%s'", st->path,
                       f->status);
    k.message = f->message;
    k.message_len = f->message_len ? f->message_len : strlen(f->message);
    k.evidence = f->evidence_json;
    k.evidence_len = !k.evidence       ? 0
                     : f->evidence_len ? f->evidence_len
                                       : strlen(k.evidence);
    if (store_text_ref(st, &k, &text_ref, e))
        return -1;
    if (!st->batch)
        st->batch = xmalloc(STORE_BATCH * sizeof(*st->batch));
    p = &st->batch[st->nbatch];
    p->scan_id = scan_id;
    p->rule_ref = f->rule_ref;
    p->resource_ref = f->resource_ref;
    p->text_ref = text_ref;
    store_count(st, f->rule_ref, status);
    store_batch_text(st, &p->status, f->status, 0);
    p->has_fingerprint = f->fingerprint != NULL;
    if (p->has_fingerprint)
        memcpy(p->fingerprint, f->fingerprint, 32);
    if (++st->nbatch == STORE_BATCH && store_flush(st))
        return store_batch_err(st, e);
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
            return err_set(e, "%s: %s", st->path, sqlite3_errmsg(st->db));
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
        return err_set(e, "%s: %s", st->path, sqlite3_errmsg(st->db));
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
