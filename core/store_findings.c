/*
 * store_findings.c: writing findings: in batches through a virtual table,
 * each distinct text once (texts, found through textmap.h), and counted
 * per rule and status (scan_counts). See store.h.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static const char *const store_statuses[] = {"pass",   "fail", "error",
                                             "manual", "skip", "waived"};
#define STORE_NSTATUSES (sizeof(store_statuses) / sizeof(store_statuses[0]))

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
        sqlite3_result_text(ctx, store_statuses[p->status], -1, SQLITE_STATIC);
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

void store_batch_clear(struct store *st)
{
    st->nbatch = 0;
}

/* Writes the pending findings. A failure is kept: the scan's transaction
 * must not commit without them. */
int store_flush(struct store *st)
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
        snprintf(st->batch_err, sizeof(st->batch_err),
                 "%s: cannot store findings: %s (SQLite code %d)", st->path,
                 store_reason(rc), rc & 0xff);
        return -1;
    }
    return 0;
}

int store_batch_err(struct store *st, struct err *e)
{
    return err_set(e, "%s", st->batch_err);
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

int store_counts_write(struct store *st, int64_t scan_id, struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    size_t i;
    int rc = 0;

    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO scan_counts (scan_id, rule_ref, "
                           "status, n) VALUES (?, ?, ?, ?)",
                           -1, &stmt, NULL) != SQLITE_OK)
        return store_fail(st, "store the scan's counts", e);
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
            return store_fail(st, "store a finding's text", e);
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
    p->status = status;
    store_count(st, f->rule_ref, status);
    p->has_fingerprint = f->fingerprint != NULL;
    if (p->has_fingerprint)
        memcpy(p->fingerprint, f->fingerprint, 32);
    if (++st->nbatch == STORE_BATCH && store_flush(st))
        return store_batch_err(st, e);
    return 0;
}

void store_findings_reset(struct store *st)
{
    textmap_free(st->texts); /* set up again by the first finding */
    st->texts = NULL;
    store_counts_clear(st);
}

int store_findings_register(struct store *st)
{
    return sqlite3_create_module_v2(st->db, "fourc_findings_batch",
                                    &store_vt_module, st, NULL) != SQLITE_OK ||
           sqlite3_create_function(st->db, "fourc_text_hash", 2,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   store_text_hash_fn, NULL, NULL) != SQLITE_OK;
}
