/*
 * store_int.h: the store's state, shared by store.c (the database, scans,
 * rules, resources) and store_findings.c (findings, their texts and
 * counts). Not for other modules.
 */
#ifndef FOURC_STORE_INT_H
#define FOURC_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "err.h"
#include "store.h"
#include "store_sql.h"
#include "textmap.h"
#include "util.h"

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

struct store_pending {
    int64_t scan_id, rule_ref, resource_ref, text_ref;
    int status; /* index in store_statuses */
    unsigned char fingerprint[32];
    int has_fingerprint;
};

/* The scan's findings of one rule with one status (scan_counts). */
struct store_count {
    int64_t rule_ref; /* 0: free slot */
    int status;       /* index in store_statuses */
    int64_t n;
};

struct store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *ins_resource, *ins_finding, *ins_rule, *ins_scan_rule;
    sqlite3_stmt *ins_text, *get_text;
    sqlite3_stmt *upd_failed;   /* store_resource_failed */
    struct textmap *texts;      /* this scan's texts, by content */
    struct store_count *counts; /* findings by rule and status */
    size_t ncounts, counts_used;
    int texts_before; /* the texts table had rows when the scan began */
    struct store_pending *batch;
    size_t nbatch;
    int batch_failed;    /* writing a batch failed: the scan cannot commit */
    char batch_err[256]; /* why */
    int tidy_wal;        /* read-only, and no -wal file was there at the open */
    long long findings_before; /* max(findings.id) when the scan began */
};

/* A rule's severity as a rank (critical 4 .. info 0) over the rules table
 * aliased r: the ranks of checks' severity_rank(), which the store cannot
 * include (core is below checks). */
#define STORE_SEV_RANK                                                         \
    "(CASE r.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN "         \
    "'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END)"

/* Column col of the current row as text (NULL for NULL). */
static inline const char *store_col(sqlite3_stmt *stmt, int col)
{
    return (const char *)sqlite3_column_text(stmt, col);
}

/* ---- store.c ---- */

/* Column 0 of the first row of sql in *out. */
int store_int(struct store *st, const char *sql, long long *out, struct err *e);
/* Prepares sql into *stmt once (kept for the store's life). */
int store_prepare(struct store *st, sqlite3_stmt **stmt, const char *sql,
                  struct err *e);
/* Steps a statement that returns no row, and resets it. */
int store_step_done(struct store *st, sqlite3_stmt *stmt, struct err *e);
/* Binds s as text, or NULL. */
void store_text(sqlite3_stmt *stmt, int col, const char *s);

/* ---- store_findings.c ---- */

/* The findings batch table and fourc_text_hash, in st's connection. */
int store_findings_register(struct store *st);
/* Writes the pending findings; a failure is kept (store_batch_err). */
int store_flush(struct store *st);
int store_batch_err(struct store *st, struct err *e);
void store_batch_clear(struct store *st);
/* Forgets the scan's texts and counts (a new scan, or a rollback). */
void store_findings_reset(struct store *st);
/* Writes the scan's counts into scan_counts. */
int store_counts_write(struct store *st, int64_t scan_id, struct err *e);

#endif
