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

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define STORE_SCHEMA_VERSION 5

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
const char *store_path(const struct store *st);
/* The SQLite library's version, for `fourc --version`. */
const char *store_sqlite_version(void);

/* SQLite's error code as a sentence (never SQLite's own text). */
const char *store_reason(int code);
/* Sets e to "DB: cannot OP: REASON" for the connection's last error; -1. */
int store_fail(struct store *st, const char *op, struct err *e);

/* Records a new scan as running (committed) and opens its transaction. */
int store_scan_begin(struct store *st, const char *targets_json,
                     const char *command, int64_t *scan_id, struct err *e);
/* Records key (a collector's constant) = value_json (JSON text) about the
 * index-th target of a running scan: the JSON report's
 * scan.targets[index].KEY. A re-evaluation keeps its scan's. */
int store_scan_target_info(struct store *st, int64_t scan_id, size_t index,
                           const char *key, const char *value_json,
                           struct err *e);
/* Records a new scan that judges the stored resources of scan of again
 * (fourc scan --reevaluate): it names of's targets and records of. */
int store_scan_begin_reeval(struct store *st, int64_t of, const char *command,
                            int64_t *scan_id, struct err *e);
/* Replaces the scan's targets (within its transaction): with the ones
 * collectors handed over as they ran. */
int store_scan_set_targets(struct store *st, int64_t scan_id,
                           const char *targets_json, struct err *e);
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

/* Records on the resource ref (a target's, or a scope's such as an AWS
 * region's) that collecting the kinds
 * starting with kinds (exact: the one kind kinds) failed, and why: what
 * its rules were told ("not evaluated: WHY"), kept for judging the scan
 * again. */
int store_resource_failed(struct store *st, int64_t ref, const char *kinds,
                          int exact, const char *why, struct err *e);

/*
 * Calls fn for every resource of scan_id in the order they were stored,
 * one at a time (documents are read one by one, never all at once): r is
 * borrowed until fn returns (its doc_json is NUL-terminated); failed is
 * NULL, or for a target (or scope) the JSON array of store_resource_failed's
 * records
 * ({"kinds": PREFIX or null, "why": TEXT}, with "exact": true when
 * kinds is one kind); i counts from 0 to n - 1.
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
 * one may reach the database only at a later store_add_finding, at a
 * query below (or store_sql.h's store_db), or the commit. Every query
 * writes the pending findings first, so nothing that reads the database
 * misses one; an error writing a batch fails the next store_add_finding or
 * the commit.
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

/*
 * ---- reading: core/store_query.c ----
 *
 * What the commands read, as functions: nothing outside core/store*.c and
 * report/model.c (the report model) writes SQL against the schema, so a
 * schema change (core/store.c's migrations) has one place to look. The
 * texts handed to callbacks are borrowed, valid during the call only, and
 * may be NULL where the column is. A callback returning non-zero stops
 * the walk, which then returns that value. Errors name the database.
 */

/* Fail and error findings of scan_id whose rule's severity ranks at least
 * min_rank (critical 4 .. info 0): the --fail-on gate. An unknown scan
 * counts 0. */
int store_count_failing(struct store *st, int64_t scan_id, int min_rank,
                        long long *count, struct err *e);

/* The newest complete scan before scan_id of the same targets, or 0. */
int store_previous_scan(struct store *st, int64_t scan_id, int64_t *prev,
                        struct err *e);

/* Imported rule packs, by name: files_json is {"file.yaml": "text", ...}. */
typedef int store_pack_fn(const char *name, const char *files_json, void *ctx);
int store_packs_foreach(struct store *st, store_pack_fn *fn, void *ctx,
                        struct err *e);
/* Records (or replaces) the imported pack name. */
int store_pack_put(struct store *st, const char *name, const char *origin,
                   const char *files_json, const char *imported, struct err *e);

/* Each finding written for the rule version rule_ref (store_add_rule's
 * *ref), in any scan of this database: its status and message. */
typedef int store_status_fn(const char *status, const char *message, void *ctx);
int store_rule_findings_foreach(struct store *st, int64_t rule_ref,
                                store_status_fn *fn, void *ctx, struct err *e);

/*
 * ---- comparing two scans: core/store_diff.c ----
 *
 * Findings are paired by fingerprint (rule id + resource uid); the k-th
 * finding of a fingerprint in one scan pairs with the k-th in the other.
 * The pairing is done in temporary tables of this connection, so two
 * scans of a million findings each are compared without holding either
 * in memory. Categories (a pair is in at most one of the first three, and
 * may also be a status change):
 *   new        failing (fail or error) in to, absent or not failing in from
 *   fixed      failing in from, passing or absent in to
 *   unchanged  failing in both
 *   changed    present in both with different statuses
 */
enum store_diff_cat {
    STORE_DIFF_NEW = 1,
    STORE_DIFF_FIXED = 2,
    STORE_DIFF_UNCHANGED = 3,
    STORE_DIFF_CHANGED = 4,
    STORE_DIFF_NCAT = 5
};

struct store_diff_counts {
    long long count[STORE_DIFF_NCAT]; /* by enum store_diff_cat */
    long long gone;                   /* fixed because absent from to */
    long long only_from, only_to, total_from, total_to;
};

/* Pairs the findings of from and to; the comparison stays in the
 * connection (one at a time) for the calls below. */
int store_diff_build(struct store *st, int64_t from, int64_t to,
                     struct store_diff_counts *out, struct err *e);
/* New findings whose rule's severity ranks at least min_rank. */
int store_diff_count_new(struct store *st, int min_rank, long long *n,
                         struct err *e);

/* The columns of a compared item, in order. */
enum store_diff_col {
    STORE_DC_FROM, /* from status (NULL: absent) */
    STORE_DC_TO,   /* to status (NULL: absent) */
    STORE_DC_RULE,
    STORE_DC_TITLE,
    STORE_DC_SEV,
    STORE_DC_PILLAR,
    STORE_DC_STATUS, /* the status of the finding shown */
    STORE_DC_MSG,
    STORE_DC_KIND,
    STORE_DC_UID,
    STORE_DC_NAME,
    STORE_DC_NS,
    STORE_DC_SRC,
    STORE_DC_FP, /* lower-case hex */
    STORE_DC_N
};

/* One item: the finding of to, except in "fixed", where it is the failing
 * finding of from. Texts are valid UTF-8 (other bytes became U+FFFD);
 * col[c] is NULL for an SQL NULL. Items of a category come ordered by
 * severity (worst first), rule id, resource. */
struct store_diff_item {
    const char *col[STORE_DC_N];
    size_t len[STORE_DC_N];
};
typedef int store_diff_fn(const struct store_diff_item *it, void *ctx,
                          struct err *e);
/* Calls fn with the first limit (-1: all) items of cat, in order. */
int store_diff_foreach(struct store *st, enum store_diff_cat cat,
                       long long limit, store_diff_fn *fn, void *ctx,
                       struct err *e);

#endif
