/*
 * store.h: the SQLite database every command reads and writes.
 *
 * One file (default ./fourc.db) in WAL mode, with a schema version in
 * PRAGMA user_version and forward-only migrations. A scan is recorded as a
 * committed "running" row first, then everything it collected and found is
 * written in one transaction that also marks it "complete": a scan killed
 * midway leaves its row "running" (shown as incomplete) and every earlier
 * scan untouched.
 */
#ifndef FOURC_STORE_H
#define FOURC_STORE_H

#include <stdint.h>

#include <sqlite3.h>

#include "err.h"

#define STORE_SCHEMA_VERSION 3

struct store;

enum store_mode {
    STORE_CREATE,   /* scan: create the file if missing */
    STORE_EXISTING, /* rules: the database must exist */
    /* report, diff: must exist, opened read-only (SQLITE_OPEN_READONLY), so
     * a database in a read-only file or directory can be read. A schema
     * older than this fourc's is migrated only when the file is writable,
     * else an error says how to migrate it. */
    STORE_READONLY
};

int store_open(struct store **out, const char *path, enum store_mode mode,
               struct err *e);
void store_free(struct store *st);
sqlite3 *store_db(struct store *st); /* borrowed; pending findings written */
const char *store_path(const struct store *st);

/* SQLite's error code as a sentence (never SQLite's own text). */
const char *store_reason(int code);
/* Sets e to "DB: cannot OP: REASON" for the connection's last error; -1. */
int store_fail(struct store *st, const char *op, struct err *e);

int store_exec(struct store *st, const char *sql, struct err *e);

/* Records a new scan as running (committed) and opens its transaction. */
int store_scan_begin(struct store *st, const char *targets_json,
                     const char *command, int64_t *scan_id, struct err *e);
/* Records a new scan that judges the stored resources of scan of again
 * (fourc scan --reevaluate): it names of's targets and records of. */
int store_scan_begin_reeval(struct store *st, int64_t of, const char *command,
                            int64_t *scan_id, struct err *e);
/* Marks the scan complete and commits everything written since begin. */
int store_scan_commit(struct store *st, int64_t scan_id,
                      const char *rules_digest, struct err *e);
/* Rolls back the scan's data and marks it failed. */
void store_scan_rollback(struct store *st, int64_t scan_id);

struct store_rule {
    const char *hash, *id, *pack, *severity, *pillar, *title, *origin;
    const char *doc_json;
};
/* Records a rule version (once per hash) as used by the scan; *ref gets
 * its row id, which findings refer to. */
int store_add_rule(struct store *st, int64_t scan_id,
                   const struct store_rule *r, int64_t *ref, struct err *e);

/* The largest document a resource may have (SQLite's own limit is 1e9). */
#define STORE_MAX_DOC (512u << 20)

struct store_resource {
    const char *uid, *kind, *name, *namespace, *source, *target;
    const char *doc_json; /* compact JSON */
    size_t doc_len;
};
/* *ref gets the resource's row id. */
int store_add_resource(struct store *st, int64_t scan_id,
                       const struct store_resource *r, int64_t *ref,
                       struct err *e);

/* Records on the resource ref (a target's) that collecting the kinds
 * starting with kinds failed, and why: what its rules were told ("not
 * evaluated: WHY"), kept for judging the scan again. */
int store_resource_failed(struct store *st, int64_t ref, const char *kinds,
                          const char *why, struct err *e);

/*
 * Calls fn for every resource of scan_id in the order they were stored,
 * one at a time (documents are read one by one, never all at once): r is
 * borrowed until fn returns (its doc_json is NUL-terminated); failed is
 * NULL, or for a target the JSON array of store_resource_failed's records
 * ({"kinds": PREFIX or null, "why": TEXT}); i counts from 0 to n - 1.
 * Stops at the first fn that returns non-zero, and returns that.
 */
typedef int (*store_resource_fn)(const struct store_resource *r,
                                 const char *failed, size_t i, size_t n,
                                 void *data, struct err *e);
int store_resources_foreach(struct store *st, int64_t scan_id,
                            store_resource_fn fn, void *data, struct err *e);

struct store_finding {
    int64_t rule_ref, resource_ref;
    const char *status, *message;
    const char *evidence_json;        /* may be NULL */
    const unsigned char *fingerprint; /* 32 bytes of SHA-256 */
    size_t message_len, evidence_len; /* 0: up to the NUL */
};
/*
 * Findings are copied and written in batches (a scan writes millions):
 * one may reach the database only at a later store_add_finding, at
 * store_db, store_exec or the commit. store_db hands out the handle with
 * every finding written, so nothing that reads the database misses one;
 * an error writing a batch fails the next store_add_finding or the
 * commit.
 */
int store_add_finding(struct store *st, int64_t scan_id,
                      const struct store_finding *f, struct err *e);

/*
 * Resolves "latest" (newest complete scan), "" or NULL (same) or a number
 * to a scan id that exists and is complete; an unknown or incomplete scan
 * is an error naming it.
 */
int store_resolve_scan(struct store *st, const char *spec, int64_t *scan_id,
                       struct err *e);

#endif
