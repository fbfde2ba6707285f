/*
 * test_store_query.c: what the commands and reporters read through the
 * store's API (core/store_query.c, core/store_diff.c) and the report
 * model's row walks (report/model.c): on scans with findings, an empty
 * scan, a scan id that does not exist, and a database opened read-only.
 *
 * Only the API is used; nothing here speaks SQL.
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

#include "err.h"
#include "reporter.h"
#include "store.h"
#include "util.h"

/* ---- building scans ---- */

struct row {
    const char *rule;     /* rule id; its hash is "h-" rule */
    const char *severity; /* of the rule */
    const char *uid;      /* resource */
    const char *status;
    unsigned char fp; /* first byte of the fingerprint */
    const char *message;
};

/* A complete scan of targets holding rows (n of them); each row gets its
 * own resource, named after its uid. */
static int64_t scan_of(struct store *st, const char *targets,
                       const struct row *rows, size_t n)
{
    struct err e;
    int64_t id = 0;
    size_t i;

    assert_int_equal(store_scan_begin(st, targets, "scan", &id, &e), 0);
    for (i = 0; i < n; i++) {
        unsigned char fp[32] = {0};
        char hash[64], doc[64], src[64];
        struct store_rule r = {
            hash,      rows[i].rule, "pack",     rows[i].severity,
            "cluster", "a title",    "t.yaml:1", "{\"frameworks\":{}}"};
        struct store_resource res = {rows[i].uid, "k8s/Pod",  rows[i].uid, "ns",
                                     src,         "target:x", doc,         0};
        struct store_finding f = {
            0, 0, rows[i].status, rows[i].message, NULL, fp, 0, 0};

        fp[0] = rows[i].fp;
        snprintf(hash, sizeof(hash), "h-%s", rows[i].rule);
        snprintf(doc, sizeof(doc), "{\"n\":%zu}", i);
        snprintf(src, sizeof(src), "a.yaml:%zu", i + 1);
        res.doc_len = strlen(doc);
        assert_int_equal(store_add_rule(st, id, &r, &f.rule_ref, &e), 0);
        assert_int_equal(store_add_resource(st, id, &res, &f.resource_ref, &e),
                         0);
        assert_int_equal(store_add_finding(st, id, &f, &e), 0);
    }
    assert_int_equal(store_scan_commit(st, id, "sha256:d", &e), 0);
    return id;
}

static const struct row rows_a[] = {
    {"R-1", "high", "u1", "fail", 1, "one fails"},
    {"R-1", "high", "u2", "fail", 2, "two fails"},
    {"R-2", "low", "u3", "pass", 3, "three passes"},
    {"R-2", "low", "u4", "fail", 4, "four fails"},
    {"R-3", "critical", "u5", "error", 5, "five errs"},
    {"R-4", "info", "u6", "manual", 6, "six asks"},
};

/* Then: 1 still fails, 2 passes, 4 is gone, 3 fails (new), 5 becomes a
 * pass (fixed, changed), 6 stays manual, 7 is a new error. */
static const struct row rows_b[] = {
    {"R-1", "high", "u1", "fail", 1, "one fails"},
    {"R-1", "high", "u2", "pass", 2, "two passes"},
    {"R-2", "low", "u3", "fail", 3, "three \xff fails"},
    {"R-3", "critical", "u5", "pass", 5, "five passes"},
    {"R-4", "info", "u6", "manual", 6, "six asks"},
    {"R-3", "critical", "u7", "error", 7, "seven errs"},
};

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- callbacks that record what they are given ---- */

struct seen {
    struct strbuf sb;
    int calls, stop_at; /* stop_at: return 7 at that call (0: never) */
};

static int seen_next(struct seen *s)
{
    s->calls++;
    return s->stop_at && s->calls == s->stop_at ? 7 : 0;
}

#define Z(s) ((s) ? (s) : "(null)")

static void seen_reset(struct seen *s)
{
    sb_setlen(&s->sb, 0);
    s->calls = 0;
}

static int on_pack(const char *name, const char *files, void *ctx)
{
    struct seen *s = ctx;

    sb_addf(&s->sb, "%s=%s;", name, files);
    return seen_next(s);
}

static int on_status(const char *status, const char *message, void *ctx)
{
    struct seen *s = ctx;

    sb_addf(&s->sb, "%s:%s;", status, message);
    return seen_next(s);
}

static int on_resource(const struct store_resource *r, const char *failed,
                       size_t i, size_t n, void *ctx, struct err *e)
{
    (void)failed;
    (void)i;
    (void)n;
    (void)e;
    struct seen *s = ctx;

    sb_addf(&s->sb, "%s %s %s/%s %s %s ", r->uid, r->kind, Z(r->namespace),
            Z(r->name), Z(r->source), Z(r->target));
    sb_add(&s->sb, r->doc_json, r->doc_len);
    sb_adds(&s->sb, ";");
    return seen_next(s);
}

static int on_item(const struct store_diff_item *it, void *ctx, struct err *e)
{
    struct seen *s = ctx;

    (void)e;
    assert_int_equal(strlen(it->col[STORE_DC_FP]), 64);
    assert_int_equal(it->len[STORE_DC_MSG], strlen(it->col[STORE_DC_MSG]));
    sb_addf(&s->sb, "%s %s>%s %s %s %s;", it->col[STORE_DC_RULE],
            it->col[STORE_DC_FROM] ? it->col[STORE_DC_FROM] : "-",
            it->col[STORE_DC_TO] ? it->col[STORE_DC_TO] : "-",
            it->col[STORE_DC_UID], it->col[STORE_DC_STATUS],
            it->col[STORE_DC_MSG]);
    return seen_next(s);
}

static void seen_expect(struct seen *s, const char *want)
{
    if (strcmp(sb_str(&s->sb), want) != 0)
        print_error("want %s\ngot  %s\n", want, sb_str(&s->sb));
    assert_string_equal(sb_str(&s->sb), want);
    sb_setlen(&s->sb, 0);
    s->calls = 0;
}

/* ---- the store's queries ---- */

static void test_count_failing(void **state)
{
    struct store *st = NULL;
    struct err e;
    long long n = -1;
    int64_t a, empty;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    a = scan_of(st, "[1]", rows_a, NROWS(rows_a));
    empty = scan_of(st, "[1]", NULL, 0);
    /* fail and error only, by the rule's severity */
    assert_int_equal(store_count_failing(st, a, 0, &n, &e), 0);
    assert_int_equal(n, 4);
    assert_int_equal(store_count_failing(st, a, 1, &n, &e), 0);
    assert_int_equal(n, 4);
    assert_int_equal(store_count_failing(st, a, 3, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_int_equal(store_count_failing(st, a, 4, &n, &e), 0);
    assert_int_equal(n, 1);
    n = -1;
    assert_int_equal(store_count_failing(st, empty, 0, &n, &e), 0);
    assert_int_equal(n, 0);
    n = -1;
    assert_int_equal(store_count_failing(st, 999, 0, &n, &e), 0);
    assert_int_equal(n, 0);
    store_free(st);
}

static void test_previous_scan(void **state)
{
    struct store *st = NULL;
    struct err e;
    int64_t a, other, b, c, running = 0, prev = -1;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    a = scan_of(st, "[1]", rows_a, 1);
    other = scan_of(st, "[2]", rows_a, 1);
    assert_int_equal(store_scan_begin(st, "[1]", "scan", &running, &e), 0);
    store_scan_rollback(st, running); /* failed: never a "previous" */
    b = scan_of(st, "[1]", rows_a, 1);
    c = scan_of(st, "[1]", NULL, 0);
    assert_int_equal(store_previous_scan(st, c, &prev, &e), 0);
    assert_int_equal(prev, b);
    assert_int_equal(store_previous_scan(st, b, &prev, &e), 0);
    assert_int_equal(prev, a);
    assert_int_equal(store_previous_scan(st, a, &prev, &e), 0);
    assert_int_equal(prev, 0);
    assert_int_equal(store_previous_scan(st, other, &prev, &e), 0);
    assert_int_equal(prev, 0);
    assert_int_equal(store_previous_scan(st, 999, &prev, &e), 0);
    assert_int_equal(prev, 0);
    store_free(st);
}

/* Targets a collector handed over (entries with "from": a cluster's
 * images) are not what makes two scans of the same targets; the ones the
 * user named are, in their order. */
static void test_previous_scan_handed_over(void **state)
{
#define KC "{\"type\":\"kubeconfig\",\"ref\":\"kc\"}"
#define IM(X) ",{\"type\":\"image\",\"ref\":\"" X "\",\"from\":\"k\"}"
    struct store *st = NULL;
    struct err e;
    int64_t a, b, c, d, x, prev = -1;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    a = scan_of(st, "[" KC IM("r/a:1") "]", rows_a, 1);
    b = scan_of(st, "[" KC IM("r/a:2") IM("r/b:1") "]", rows_a, 1);
    c = scan_of(st, "[" KC ",{\"type\":\"image\",\"ref\":\"r/a:2\"}]", rows_a,
                1);
    /* begun with the named targets, the handed-over ones recorded later */
    assert_int_equal(store_scan_begin(st, "[" KC "]", "scan", &d, &e), 0);
    assert_int_equal(store_scan_set_targets(st, d, "[" KC IM("r/c:1") "]", &e),
                     0);
    assert_int_equal(store_scan_commit(st, d, "sha256:d", &e), 0);
    x = scan_of(st, "[" KC "]", NULL, 0);
    assert_int_equal(store_previous_scan(st, b, &prev, &e), 0);
    assert_int_equal(prev, a);
    /* an image the user named is a target of the scan like any other */
    assert_int_equal(store_previous_scan(st, c, &prev, &e), 0);
    assert_int_equal(prev, 0);
    assert_int_equal(store_previous_scan(st, d, &prev, &e), 0);
    assert_int_equal(prev, b);
    assert_int_equal(store_previous_scan(st, x, &prev, &e), 0);
    assert_int_equal(prev, d);
    store_free(st);
#undef KC
#undef IM
}

static void test_packs(void **state)
{
    struct store *st = NULL;
    struct seen s = {STRBUF_INIT, 0, 0};
    struct err e;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    assert_int_equal(store_packs_foreach(st, on_pack, &s, &e), 0);
    seen_expect(&s, "");
    assert_int_equal(
        store_pack_put(st, "zeta", "/p/zeta", "{\"z.yaml\":\"1\"}", "t0", &e),
        0);
    assert_int_equal(
        store_pack_put(st, "alpha", "/p/alpha", "{\"a.yaml\":\"1\"}", "t0", &e),
        0);
    /* imported again: replaced, not doubled */
    assert_int_equal(
        store_pack_put(st, "zeta", "/p/zeta", "{\"z.yaml\":\"2\"}", "t1", &e),
        0);
    assert_int_equal(store_packs_foreach(st, on_pack, &s, &e), 0);
    seen_expect(&s, "alpha={\"a.yaml\":\"1\"};zeta={\"z.yaml\":\"2\"};");
    /* a callback stops the walk, and its value comes back */
    s.stop_at = 1;
    assert_int_equal(store_packs_foreach(st, on_pack, &s, &e), 7);
    seen_expect(&s, "alpha={\"a.yaml\":\"1\"};");
    sb_release(&s.sb);
    store_free(st);
}

static void test_rule_findings(void **state)
{
    struct store *st = NULL;
    struct seen s = {STRBUF_INIT, 0, 0};
    struct store_rule r = {"h-R-1",   "R-1",     "pack", "high",
                           "cluster", "a title", NULL,   "{}"};
    struct err e;
    int64_t id = 0, ref = 0;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    scan_of(st, "[]", rows_a, NROWS(rows_a));
    assert_int_equal(store_scan_begin(st, "[]", "scan", &id, &e), 0);
    assert_int_equal(store_add_rule(st, id, &r, &ref, &e), 0);
    assert_int_equal(store_rule_findings_foreach(st, ref, on_status, &s, &e),
                     0);
    seen_expect(&s, "fail:one fails;fail:two fails;");
    /* a rule version without findings, and one that does not exist */
    r.hash = "h-unused";
    assert_int_equal(store_add_rule(st, id, &r, &ref, &e), 0);
    assert_int_equal(store_rule_findings_foreach(st, ref, on_status, &s, &e),
                     0);
    assert_int_equal(store_rule_findings_foreach(st, 999, on_status, &s, &e),
                     0);
    seen_expect(&s, "");
    store_scan_rollback(st, id);
    sb_release(&s.sb);
    store_free(st);
}

static void test_resources(void **state)
{
    struct store *st = NULL;
    struct seen s = {STRBUF_INIT, 0, 0};
    struct err e;
    int64_t a, empty, running = 0;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    a = scan_of(st, "[]", rows_a, 2);
    empty = scan_of(st, "[]", NULL, 0);
    assert_int_equal(store_resources_foreach(st, a, on_resource, &s, &e), 0);
    seen_expect(&s, "u1 k8s/Pod ns/u1 a.yaml:1 target:x {\"n\":0};"
                    "u2 k8s/Pod ns/u2 a.yaml:2 target:x {\"n\":1};");
    assert_int_equal(store_resources_foreach(st, empty, on_resource, &s, &e),
                     0);
    assert_int_equal(store_resources_foreach(st, 999, on_resource, &s, &e), 0);
    seen_expect(&s, "");
    /* a scan being written sees what it wrote so far */
    assert_int_equal(store_scan_begin(st, "[]", "scan", &running, &e), 0);
    {
        struct store_resource r = {"u9",       "k8s/Pod", NULL, NULL,
                                   "b.yaml:3", NULL,      "{}", 2};
        int64_t ref;
        assert_int_equal(store_add_resource(st, running, &r, &ref, &e), 0);
    }
    assert_int_equal(store_resources_foreach(st, running, on_resource, &s, &e),
                     0);
    seen_expect(&s, "u9 k8s/Pod (null)/(null) b.yaml:3 (null) {};");
    store_scan_rollback(st, running);
    sb_release(&s.sb);
    store_free(st);
}

/* ---- comparing two scans ---- */

static void test_diff(void **state)
{
    struct store *st = NULL;
    struct seen s = {STRBUF_INIT, 0, 0};
    struct store_diff_counts c;
    struct err e;
    long long n = -1;
    int64_t a, b;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    a = scan_of(st, "[]", rows_a, NROWS(rows_a));
    b = scan_of(st, "[]", rows_b, NROWS(rows_b));
    assert_int_equal(store_diff_build(st, a, b, &c, &e), 0);
    assert_int_equal(c.count[STORE_DIFF_NEW], 2);
    assert_int_equal(c.count[STORE_DIFF_FIXED], 3);
    assert_int_equal(c.count[STORE_DIFF_UNCHANGED], 1);
    assert_int_equal(c.count[STORE_DIFF_CHANGED], 3);
    assert_int_equal(c.gone, 1);
    assert_int_equal(c.only_from, 1);
    assert_int_equal(c.only_to, 1);
    assert_int_equal(c.total_from, 6);
    assert_int_equal(c.total_to, 6);
    /* new: worst severity first; the shown finding is the newer one, its
     * text made valid UTF-8 */
    assert_int_equal(
        store_diff_foreach(st, STORE_DIFF_NEW, -1, on_item, &s, &e), 0);
    seen_expect(&s, "R-3 ->error u7 error seven errs;"
                    "R-2 pass>fail u3 fail three \xef\xbf\xbd fails;");
    /* fixed shows the failing finding of from */
    assert_int_equal(
        store_diff_foreach(st, STORE_DIFF_FIXED, -1, on_item, &s, &e), 0);
    seen_expect(&s, "R-3 error>pass u5 error five errs;"
                    "R-1 fail>pass u2 fail two fails;"
                    "R-2 fail>- u4 fail four fails;");
    /* limit, and a callback that stops */
    assert_int_equal(
        store_diff_foreach(st, STORE_DIFF_CHANGED, 1, on_item, &s, &e), 0);
    seen_expect(&s, "R-3 error>pass u5 pass five passes;");
    s.stop_at = 2;
    assert_int_equal(
        store_diff_foreach(st, STORE_DIFF_CHANGED, -1, on_item, &s, &e), 7);
    assert_int_equal(s.calls, 2);
    seen_expect(&s, "R-3 error>pass u5 pass five passes;"
                    "R-1 fail>pass u2 pass two passes;");
    s.stop_at = 0;
    /* the gate: new findings at or above a severity */
    assert_int_equal(store_diff_count_new(st, 0, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(store_diff_count_new(st, 2, &n, &e), 0);
    assert_int_equal(n, 1);
    /* an empty scan on either side; a missing scan compares as empty */
    {
        int64_t empty = scan_of(st, "[]", NULL, 0);
        assert_int_equal(store_diff_build(st, empty, b, &c, &e), 0);
        assert_int_equal(c.count[STORE_DIFF_NEW], 3);
        assert_int_equal(c.total_from, 0);
        assert_int_equal(store_diff_build(st, a, 999, &c, &e), 0);
        assert_int_equal(c.count[STORE_DIFF_FIXED], 4);
        assert_int_equal(c.gone, 4);
        assert_int_equal(c.total_to, 0);
    }
    sb_release(&s.sb);
    store_free(st);
}

/* ---- the report model's rows ---- */

static int on_count(const struct report_count *c, void *ctx)
{
    struct seen *s = ctx;

    sb_addf(&s->sb, "%s/%s/%s/%s=%lld;", c->rule_id, c->severity, c->status,
            c->hash, (long long)c->n);
    return seen_next(s);
}

static int on_top(const struct report_top_rule *t, void *ctx)
{
    struct seen *s = ctx;

    sb_addf(&s->sb, "%s %s %lld/%lld;", t->rule_id, t->severity,
            (long long)t->fails, (long long)t->errors);
    return seen_next(s);
}

static int on_worst(const struct report_row *r, void *ctx)
{
    struct seen *s = ctx;

    sb_addf(&s->sb, "%s %s %s %s %s;", r->severity, r->status, r->rule_id,
            r->name, r->message);
    return seen_next(s);
}

static int on_rule(const struct report_rule *r, void *ctx)
{
    struct seen *s = ctx;

    assert_non_null(r->doc);
    sb_addf(&s->sb, "%s %s %s;", r->rule_id, r->severity, r->hash);
    return seen_next(s);
}

/* The counts in (rule, status) order, whatever order they come in. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_parts(struct seen *s)
{
    char *copy = xstrdup(sb_str(&s->sb)), *p = copy, *end, *parts[32];
    size_t n = 0, i;

    /* "a;b;c;" cut at each ';' (parts are never empty) */
    while (*p && n < 32 && (end = strchr(p, ';')) != NULL) {
        *end = '\0';
        parts[n++] = p;
        p = end + 1;
    }
    qsort(parts, n, sizeof(*parts), cmp_str);
    sb_setlen(&s->sb, 0);
    for (i = 0; i < n; i++)
        sb_addf(&s->sb, "%s;", parts[i]);
    free(copy);
}

static void test_report_rows(void **state)
{
    struct store *st = NULL;
    struct seen s = {STRBUF_INIT, 0, 0};
    struct report_ctx rc;
    struct err e;

    (void)state;
    assert_int_equal(store_open(&st, ":memory:", STORE_CREATE, &e), 0);
    rc.st = st;
    rc.scan_id = scan_of(st, "[]", rows_a, NROWS(rows_a));
    assert_int_equal(report_foreach_count(&rc, on_count, &s, &e), 0);
    sort_parts(&s);
    seen_expect(&s, "R-1/high/fail/h-R-1=2;R-2/low/fail/h-R-2=1;"
                    "R-2/low/pass/h-R-2=1;R-3/critical/error/h-R-3=1;"
                    "R-4/info/manual/h-R-4=1;");
    assert_int_equal(report_foreach_top_rule(&rc, 10, on_top, &s, &e), 0);
    seen_expect(&s, "R-3 critical 0/1;R-1 high 2/0;R-2 low 1/0;");
    assert_int_equal(report_foreach_top_rule(&rc, 1, on_top, &s, &e), 0);
    seen_expect(&s, "R-3 critical 0/1;");
    assert_int_equal(report_foreach_worst(&rc, 3, on_worst, &s, &e), 0);
    seen_expect(&s, "critical error R-3 u5 five errs;"
                    "high fail R-1 u1 one fails;high fail R-1 u2 two fails;");
    assert_int_equal(report_foreach_located_rule(&rc, on_rule, &s, &e), 0);
    seen_expect(&s, "R-1 high h-R-1;R-2 low h-R-2;R-3 critical h-R-3;");
    s.stop_at = 1;
    assert_int_equal(report_foreach_worst(&rc, 3, on_worst, &s, &e), 7);
    seen_expect(&s, "critical error R-3 u5 five errs;");
    s.stop_at = 0;
    /* an empty scan and a missing one: no rows, no error */
    rc.scan_id = scan_of(st, "[]", NULL, 0);
    assert_int_equal(report_foreach_count(&rc, on_count, &s, &e), 0);
    assert_int_equal(report_foreach_top_rule(&rc, 10, on_top, &s, &e), 0);
    assert_int_equal(report_foreach_worst(&rc, 10, on_worst, &s, &e), 0);
    assert_int_equal(report_foreach_located_rule(&rc, on_rule, &s, &e), 0);
    rc.scan_id = 999;
    assert_int_equal(report_foreach_count(&rc, on_count, &s, &e), 0);
    assert_int_equal(report_foreach_worst(&rc, 10, on_worst, &s, &e), 0);
    seen_expect(&s, "");
    sb_release(&s.sb);
    store_free(st);
}

/* ---- a database opened read-only ---- */

static void test_readonly(void **state)
{
    char dir[64], path[128], p[160];
    struct store *st = NULL;
    struct seen s = {STRBUF_INIT, 0, 0};
    struct store_diff_counts c;
    struct report_ctx rc;
    struct err e;
    long long n = -1;
    int64_t a, b, prev = 0;
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    size_t i;

    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/test_store_query.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/ro.db", dir);
    assert_int_equal(store_open(&st, path, STORE_CREATE, &e), 0);
    a = scan_of(st, "[]", rows_a, NROWS(rows_a));
    b = scan_of(st, "[]", rows_b, NROWS(rows_b));
    assert_int_equal(store_pack_put(st, "p", "/p", "{}", "t0", &e), 0);
    store_free(st);
    /* the file and its directory read-only, as a shared report store */
    assert_int_equal(chmod(path, 0444), 0);
    assert_int_equal(chmod(dir, 0555), 0);
    assert_int_equal(store_open(&st, path, STORE_READONLY, &e), 0);
    assert_int_equal(store_count_failing(st, b, 0, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_int_equal(store_previous_scan(st, b, &prev, &e), 0);
    assert_int_equal(prev, a);
    assert_int_equal(store_packs_foreach(st, on_pack, &s, &e), 0);
    seen_expect(&s, "p={};");
    assert_int_equal(store_resources_foreach(st, a, on_resource, &s, &e), 0);
    assert_int_equal(s.calls, 6);
    seen_reset(&s);
    /* the comparison's temporary tables need no write to the file */
    assert_int_equal(store_diff_build(st, a, b, &c, &e), 0);
    assert_int_equal(c.count[STORE_DIFF_NEW], 2);
    rc.st = st;
    rc.scan_id = b;
    assert_int_equal(report_foreach_worst(&rc, 10, on_worst, &s, &e), 0);
    assert_int_equal(s.calls, 3);
    seen_reset(&s);
    /* a write is refused with a reason naming the database */
    assert_int_equal(store_pack_put(st, "q", "/q", "{}", "t1", &e), -1);
    if (!strstr(e.msg, path) || !strstr(e.msg, "read-only"))
        fail_msg("unexpected error: %s", e.msg);
    store_free(st);
    assert_int_equal(chmod(dir, 0755), 0);
    for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
        unlink(p);
    }
    rmdir(dir);
    sb_release(&s.sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_failing),
        cmocka_unit_test(test_previous_scan),
        cmocka_unit_test(test_previous_scan_handed_over),
        cmocka_unit_test(test_packs),
        cmocka_unit_test(test_rule_findings),
        cmocka_unit_test(test_resources),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_report_rows),
        cmocka_unit_test(test_readonly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
