/*
 * test_engine.c: rules (written as YAML, as a pack author writes them)
 * evaluated against resources, with the findings read back from the store
 * the way a reporter reads them.
 *
 * Tables, one per concern: operators and their absent-value semantics,
 * check composition, each/$containers/$sc, when/manual, evidence, lint.
 * Every case gets a fresh ":memory:" store, a scan and an engine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/sha.h>
#include <sqlite3.h>

#include "catalogue.h"
#include "collector.h"
#include "engine.h"
#include "err.h"
#include "jsonw.h"
#include "rule.h"
#include "store.h"
#include "store_sql.h" /* inspects the database the store wrote */
#include "util.h"
#include "yamljson.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- fixture: a store, a ruleset, a scan and an engine ---- */

struct fx {
    struct store *st;
    struct ruleset rs;
    struct engine *eng;
    int64_t scan;
};

/* One finding as stored (strings owned). */
struct row {
    char *status, *message, *evidence;
};

static void row_release(struct row *r)
{
    free(r->status);
    free(r->message);
    free(r->evidence);
    memset(r, 0, sizeof(*r));
}

static void expect_contains(const char *what, const char *s, const char *needle)
{
    if (!s || !strstr(s, needle))
        fail_msg("%s: \"%s\" does not contain \"%s\"", what, s ? s : "(null)",
                 needle);
}

static int yaml_first(json_t *doc, long line, const json_t *items, void *ctx)
{
    json_t **out = ctx;

    (void)line;
    (void)items;
    if (!*out)
        *out = doc;
    else
        json_decref(doc);
    return 0;
}

/* One YAML document (flow style keeps the tables short). New reference. */
static json_t *yaml_doc(const char *text)
{
    json_t *doc = NULL;
    struct err e;

    if (yj_parse(text, strlen(text), 1, yaml_first, &doc, &e))
        fail_msg("bad test document %s: %s", text, e.msg);
    assert_non_null(doc);
    return doc;
}

static void fx_open(struct fx *f)
{
    struct err e;

    memset(f, 0, sizeof(*f));
    f->rs.kind_check = collector_kind_check;
    if (store_open(&f->st, ":memory:", STORE_CREATE, &e))
        fail_msg("store_open: %s", e.msg);
}

/* Loads rules that must lint clean. */
static void fx_rules(struct fx *f, const char *yaml)
{
    struct diag d = {0};
    size_t n =
        ruleset_load_text(&f->rs, "test", "t.yaml", yaml, strlen(yaml), &d);

    if (n || d.n)
        fail_msg("rules do not load: %s\n%s", d.n ? d.msgs[0] : "?", yaml);
    diag_release(&d);
}

static void fx_begin(struct fx *f)
{
    struct err e;

    if (store_scan_begin(f->st, "[]", "test", &f->scan, &e) ||
        engine_store_rules(f->st, f->scan, &f->rs, &e))
        fail_msg("begin: %s", e.msg);
    f->eng = engine_new(f->st, f->scan, &f->rs);
}

static void fx_add(struct fx *f, const char *kind, const char *uid,
                   const char *name, const char *doc_yaml)
{
    json_t *doc = yaml_doc(doc_yaml);
    struct resource r = {kind, uid, name, "default", "test.yaml:1", doc};
    struct err e;

    if (engine_resource(f->eng, "target:test", &r, &e))
        fail_msg("engine_resource %s: %s", uid, e.msg);
    json_decref(doc);
}

static void fx_finish(struct fx *f)
{
    struct err e;

    if (engine_finish(f->eng, &e))
        fail_msg("engine_finish: %s", e.msg);
    if (store_scan_commit(f->st, f->scan, "sha256:test", &e))
        fail_msg("commit: %s", e.msg);
    engine_free(f->eng);
    f->eng = NULL;
}

static void fx_release(struct fx *f)
{
    engine_free(f->eng);
    ruleset_release(&f->rs);
    store_free(f->st);
    memset(f, 0, sizeof(*f));
}

static char *col_dup(sqlite3_stmt *stmt, int col)
{
    const unsigned char *t = sqlite3_column_text(stmt, col);
    return t ? strdup((const char *)t) : NULL;
}

/* The findings of rule_id on uid in scan; out gets the first. */
static int fx_findings(struct fx *f, int64_t scan, const char *rule_id,
                       const char *uid, struct row *out)
{
    sqlite3 *db = store_db(f->st);
    sqlite3_stmt *stmt = NULL;
    int n = 0;

    if (out)
        memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(db,
                           "SELECT f.status, t.message, t.evidence "
                           "FROM findings f "
                           "JOIN texts t ON t.id = f.text_ref "
                           "JOIN rules ON rules.id = f.rule_ref "
                           "JOIN resources ON resources.id = f.resource_ref "
                           "WHERE f.scan_id = ?1 AND rules.rule_id = ?2 AND "
                           "resources.uid = ?3 ORDER BY f.id",
                           -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("%s", sqlite3_errmsg(db));
    sqlite3_bind_int64(stmt, 1, scan);
    sqlite3_bind_text(stmt, 2, rule_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, uid, -1, SQLITE_STATIC);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        if (n++ == 0 && out) {
            out->status = col_dup(stmt, 0);
            out->message = col_dup(stmt, 1);
            out->evidence = col_dup(stmt, 2);
        }
    }
    sqlite3_finalize(stmt);
    return n;
}

/* Exactly one finding of rule_id on uid. */
static void fx_one(struct fx *f, const char *rule_id, const char *uid,
                   struct row *out)
{
    int n = fx_findings(f, f->scan, rule_id, uid, out);
    if (n != 1)
        fail_msg("rule %s on %s: %d findings, want 1", rule_id, uid, n);
}

static long long fx_count(struct fx *f, const char *sql)
{
    sqlite3 *db = store_db(f->st);
    sqlite3_stmt *stmt = NULL;
    long long v;

    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

#define RULE_HEAD                                                              \
    "- id: T-CASE\n"                                                           \
    "  title: Case title\n"                                                    \
    "  pillar: cluster\n"                                                      \
    "  severity: high\n"

/* One rule (header + kinds + body) on one resource; out gets its finding. */
static void run_one(const char *body, const char *kind, const char *doc,
                    struct row *out)
{
    struct strbuf rule = STRBUF_INIT;
    struct fx f;

    sb_addf(&rule, RULE_HEAD "  kinds: [%s]\n%s", kind, body);
    fx_open(&f);
    fx_rules(&f, sb_str(&rule));
    fx_begin(&f);
    fx_add(&f, kind, "uid-1", "n", doc);
    fx_finish(&f);
    fx_one(&f, "T-CASE", "uid-1", out);
    fx_release(&f);
    sb_release(&rule);
}

/* ---- operators ---- */

static const struct {
    const char *check; /* the check, flow style */
    const char *doc;
    const char *status;
    const char *msg; /* substring of the message (NULL: unchecked) */
} op_cases[] = {
    /* eq: JSON equality, 1 == 1.0; absent is not equal */
    {"{path: v, op: eq, value: 1}", "{v: 1}", "pass", NULL},
    {"{path: v, op: eq, value: 1}", "{v: 1.0}", "pass", NULL},
    {"{path: v, op: eq, value: 1}", "{v: 2}", "fail", NULL},
    /* a value of another type is an error, not a verdict (it used to be
     * a fail, or for ne/nin a pass) */
    {"{path: v, op: eq, value: 1}", "{v: '1'}", "error",
     "v: found string, expected number (eq 1)"},
    {"{path: v, op: eq, value: 1}", "{w: 1}", "fail", NULL},
    {"{path: v, op: eq, value: true}", "{v: yes}", "pass", NULL},
    {"{path: v, op: eq, value: true}", "{v: 'true'}", "error",
     "v: found string, expected boolean (eq true)"},
    {"{path: v, op: eq, value: {a: [1, 2]}}", "{v: {a: [1, 2]}}", "pass", NULL},
    {"{path: v, op: eq, value: {a: [1, 2]}}", "{v: {a: [2, 1]}}", "fail", NULL},
    /* ne: absent is not equal */
    {"{path: v, op: ne, value: true}", "{v: true}", "fail", NULL},
    {"{path: v, op: ne, value: true}", "{v: false}", "pass", NULL},
    {"{path: v, op: ne, value: true}", "{w: true}", "pass", NULL},
    {"{path: v, op: ne, value: 1}", "{v: 1.0}", "fail", NULL},
    /* in / nin: absent is in nothing */
    {"{path: v, op: in, value: [a, b]}", "{v: b}", "pass", NULL},
    {"{path: v, op: in, value: [a, b]}", "{v: c}", "fail", NULL},
    {"{path: v, op: in, value: [a, b]}", "{w: a}", "fail", NULL},
    {"{path: v, op: in, value: [1, 2]}", "{v: 2.0}", "pass", NULL},
    {"{path: v, op: nin, value: [a, b]}", "{v: b}", "fail", NULL},
    {"{path: v, op: nin, value: [a, b]}", "{v: c}", "pass", NULL},
    {"{path: v, op: nin, value: [a, b]}", "{w: a}", "pass", NULL},
    /* number compares: absent and non-numbers never hold */
    {"{path: v, op: gt, value: 5}", "{v: 6}", "pass", NULL},
    {"{path: v, op: gt, value: 5}", "{v: 5.5}", "pass", NULL},
    {"{path: v, op: gt, value: 5}", "{v: 5}", "fail", NULL},
    {"{path: v, op: gt, value: 5}", "{v: '6'}", "error",
     "v: found string, expected number (gt 5)"},
    {"{path: v, op: gt, value: 5}", "{w: 6}", "fail", NULL},
    {"{path: v, op: gte, value: 5}", "{v: 5}", "pass", NULL},
    {"{path: v, op: gte, value: 5}", "{v: 4.9}", "fail", NULL},
    {"{path: v, op: gte, value: 5}", "{w: 5}", "fail", NULL},
    {"{path: v, op: lt, value: 5}", "{v: 4}", "pass", NULL},
    {"{path: v, op: lt, value: 5}", "{v: 5}", "fail", NULL},
    {"{path: v, op: lt, value: 5}", "{v: null}", "fail", NULL},
    {"{path: v, op: lt, value: 5}", "{w: 1}", "fail", NULL},
    {"{path: v, op: lte, value: 5}", "{v: 5}", "pass", NULL},
    {"{path: v, op: lte, value: 5}", "{v: 6}", "fail", NULL},
    {"{path: v, op: lte, value: 5}", "{w: 1}", "fail", NULL},
    /* exists / absent: null is present */
    {"{path: v, op: exists}", "{v: null}", "pass", NULL},
    {"{path: v, op: exists}", "{v: false}", "pass", NULL},
    {"{path: v, op: exists}", "{w: 1}", "fail", NULL},
    {"{path: v, op: absent}", "{w: 1}", "pass", NULL},
    {"{path: v, op: absent}", "{v: null}", "fail", NULL},
    {"{path: v, op: absent}", "{v: 0}", "fail", NULL},
    /* matches: POSIX ERE on strings only */
    {"{path: v, op: matches, value: '^ab+c$'}", "{v: abbc}", "pass", NULL},
    {"{path: v, op: matches, value: '^ab+c$'}", "{v: xabc}", "fail", NULL},
    {"{path: v, op: matches, value: '^[0-9]+$'}", "{v: 5}", "error",
     "v: found number, expected string"},
    {"{path: v, op: matches, value: '^ab+c$'}", "{w: abc}", "fail", NULL},
    /* contains: array element or substring */
    {"{path: v, op: contains, value: x}", "{v: [a, x]}", "pass", NULL},
    {"{path: v, op: contains, value: x}", "{v: [a]}", "fail", NULL},
    {"{path: v, op: contains, value: x}", "{v: []}", "fail", NULL},
    {"{path: v, op: contains, value: x}", "{v: axb}", "pass", NULL},
    {"{path: v, op: contains, value: x}", "{v: ab}", "fail", NULL},
    {"{path: v, op: contains, value: 1}", "{v: [1.0]}", "pass", NULL},
    {"{path: v, op: contains, value: x}", "{v: 5}", "error",
     "v: found number, expected array of string or string"},
    {"{path: v, op: contains, value: x}", "{w: x}", "fail", NULL},
    /* bitmask: no bit outside the mask; numbers and octal strings */
    {"{path: v, op: bitmask, value: '0644'}", "{v: 0600}", "pass", NULL},
    {"{path: v, op: bitmask, value: '0644'}", "{v: 0644}", "pass", NULL},
    {"{path: v, op: bitmask, value: '0644'}", "{v: 420}", "pass", NULL},
    {"{path: v, op: bitmask, value: '0644'}", "{v: 0}", "pass", NULL},
    {"{path: v, op: bitmask, value: '0644'}", "{v: 0755}", "fail", NULL},
    {"{path: v, op: bitmask, value: '0644'}", "{v: '0640'}", "pass", NULL},
    {"{path: v, op: bitmask, value: '0644'}", "{v: '0666'}", "fail", NULL},
    {"{path: v, op: bitmask, value: '0644'}", "{v: rw}", "error",
     "v: found string that is not an octal mode, expected file mode"},
    {"{path: v, op: bitmask, value: '0644'}", "{v: -1}", "error",
     "v: found negative number"},
    {"{path: v, op: bitmask, value: '0644'}", "{w: 0600}", "fail", NULL},
    /* paths: wildcards hold for every match, none matched is "absent" */
    {"{path: 'a[*].b', op: eq, value: 1}", "{a: [{b: 1}, {b: 1}]}", "pass",
     NULL},
    {"{path: 'a[*].b', op: eq, value: 1}", "{a: [{b: 1}, {b: 2}]}", "fail",
     NULL},
    {"{path: 'a[*].b', op: eq, value: 1}", "{a: []}", "fail", NULL},
    {"{path: 'a[*].b', op: ne, value: 1}", "{a: []}", "pass", NULL},
    {"{path: 'a[*].b', op: nin, value: [1]}", "{a: [{c: 1}]}", "pass", NULL},
    /* an element without the key is absent there, never dropped (it used
     * to be skipped, so exists passed on the elements that had it) */
    {"{path: 'a[*].b', op: exists}", "{a: [{b: 1}, {c: 1}]}", "fail",
     "a[1].b is absent, expected exists"},
    {"{path: 'a[*].b', op: exists}", "{a: [{b: 1}, {b: 2}]}", "pass", NULL},
    {"{path: 'a[*].b', op: absent}", "{a: [{c: 1}, {}]}", "pass", NULL},
    {"{path: 'a[*].b', op: absent}", "{a: [{c: 1}, {b: 1}]}", "fail",
     "a[1].b is 1, expected absent"},
    {"{path: 'a[*].b', op: eq, value: 1}", "{a: [{b: 1}, {c: 1}]}", "fail",
     "a[1].b is absent"},
    {"{path: 'a[*].b', op: exists}", "{a: [{b: 1}, null]}", "fail",
     "a[1].b is absent"},
    {"{path: 'a[*].b.c', op: exists}", "{a: [{b: {c: 1}}, {b: {}}]}", "fail",
     "a[1].b.c is absent"},
    {"{path: 'a[*].b[*].c', op: exists}", "{a: [{b: [{c: 1}]}, {}]}", "fail",
     "a[1].b[*].c is absent"},
    {"{path: 'm[*].b', op: exists}", "{m: {x: {b: 1}, y: {}}}", "fail",
     "m.y.b is absent"},
    /* over a wildcard, a fail beats an error, an error beats a pass */
    {"{path: 'a[*].b', op: ne, value: true}", "{a: [{b: 'true'}]}", "error",
     "a[0].b: found string, expected boolean (ne true)"},
    {"{path: 'a[*].b', op: ne, value: true}", "{a: [{b: 'true'}, {b: true}]}",
     "fail", "a[1].b is true"},
    {"{path: 'a[*].b', op: ne, value: true}", "{a: [{b: false}, {b: 'x'}]}",
     "error", "a[1].b: found string"},
    /* a path through a value of the wrong type is an error too */
    {"{path: 'a[*].b', op: ne, value: true}", "{a: [x]}", "error",
     "a[0]: found string, expected object"},
    {"{path: 'a.b', op: ne, value: true}", "{a: hunter2}", "error",
     "a: found string, expected object"},
    {"{path: 'a[*]', op: ne, value: true}", "{a: hunter2}", "error",
     "a: found string, expected array or object"},
    {"{path: 'a[0]', op: ne, value: true}", "{a: {b: 1}}", "error",
     "a: found object, expected array"},
    {"{path: 'a.b', op: ne, value: true}", "{a: null}", "pass", NULL},
    {"{path: 'a[1]', op: eq, value: y}", "{a: [x, y]}", "pass", NULL},
    {"{path: 'a[1]', op: eq, value: y}", "{a: [y]}", "fail", NULL},
    {"{path: 'm.ann[\"a.b/c\"]', op: eq, value: v}", "{m: {ann: {a.b/c: v}}}",
     "pass", NULL},
    {"{path: 'm.ann[\"a.b/c\"]', op: eq, value: v}",
     "{m: {ann: {a: {b/c: v}}}}", "fail", NULL},
};

static void test_operators(void **state)
{
    struct strbuf body = STRBUF_INIT;
    struct row r;
    size_t i;

    (void)state;
    for (i = 0; i < NELEMS(op_cases); i++) {
        sb_setlen(&body, 0);
        sb_addf(&body, "  check: %s\n", op_cases[i].check);
        run_one(sb_str(&body), "k8s/ConfigMap", op_cases[i].doc, &r);
        if (strcmp(r.status, op_cases[i].status) != 0)
            fail_msg("case %zu: %s on %s: %s (%s), want %s", i,
                     op_cases[i].check, op_cases[i].doc, r.status, r.message,
                     op_cases[i].status);
        if (op_cases[i].msg)
            expect_contains(op_cases[i].check, r.message, op_cases[i].msg);
        row_release(&r);
    }
    sb_release(&body);
}

/*
 * Every operator against every type it cannot judge: an error naming the
 * path, the type found and the type expected, never the value (the
 * canary "hunter2" stands for a credential); null is unset, judged as
 * absent; exists and absent take any type.
 */
static const struct {
    const char *check;
    const char *doc;
    const char *status;
    const char *msg; /* for "error": after "v: found " */
} type_cases[] = {
    {"{path: v, op: eq, value: true}", "{v: 'hunter2'}", "error",
     "string, expected boolean (eq true)"},
    {"{path: v, op: eq, value: true}", "{v: 1}", "error",
     "number, expected boolean"},
    {"{path: v, op: eq, value: true}", "{v: [true]}", "error",
     "array, expected boolean"},
    {"{path: v, op: eq, value: true}", "{v: {a: true}}", "error",
     "object, expected boolean"},
    {"{path: v, op: ne, value: true}", "{v: 'true'}", "error",
     "string, expected boolean (ne true)"},
    {"{path: v, op: ne, value: false}", "{v: 0}", "error",
     "number, expected boolean"},
    {"{path: v, op: ne, value: 0}", "{v: '0'}", "error",
     "string, expected number (ne 0)"},
    {"{path: v, op: ne, value: 0}", "{v: false}", "error",
     "boolean, expected number"},
    {"{path: v, op: eq, value: x}", "{v: 1}", "error",
     "number, expected string"},
    {"{path: v, op: ne, value: x}", "{v: [x]}", "error",
     "array, expected string"},
    {"{path: v, op: eq, value: []}", "{v: 'hunter2'}", "error",
     "string, expected array"},
    {"{path: v, op: eq, value: {a: 1}}", "{v: [1]}", "error",
     "array, expected object"},
    {"{path: v, op: in, value: [a, b]}", "{v: 1}", "error",
     "number, expected string (in [\"a\",\"b\"])"},
    {"{path: v, op: in, value: [a, b]}", "{v: true}", "error",
     "boolean, expected string"},
    {"{path: v, op: in, value: [1, 2]}", "{v: '1'}", "error",
     "string, expected number"},
    {"{path: v, op: nin, value: [a, b]}", "{v: 1}", "error",
     "number, expected string (nin"},
    {"{path: v, op: nin, value: [a, b]}", "{v: [a]}", "error",
     "array, expected string"},
    {"{path: v, op: nin, value: [a, 1]}", "{v: true}", "error",
     "boolean, expected string or number"},
    {"{path: v, op: nin, value: [a, 1]}", "{v: 2}", "pass", NULL},
    {"{path: v, op: gt, value: 5}", "{v: 'hunter2'}", "error",
     "string, expected number (gt 5)"},
    {"{path: v, op: gte, value: 5}", "{v: true}", "error",
     "boolean, expected number (gte 5)"},
    {"{path: v, op: lt, value: 5}", "{v: [1]}", "error",
     "array, expected number (lt 5)"},
    {"{path: v, op: lte, value: 5}", "{v: {a: 1}}", "error",
     "object, expected number (lte 5)"},
    {"{path: v, op: matches, value: '^a'}", "{v: 5}", "error",
     "number, expected string"},
    {"{path: v, op: matches, value: '^a'}", "{v: true}", "error",
     "boolean, expected string"},
    {"{path: v, op: matches, value: '^a'}", "{v: [abc]}", "error",
     "array, expected string"},
    {"{path: v, op: contains, value: x}", "{v: 5}", "error",
     "number, expected array of string or string"},
    {"{path: v, op: contains, value: x}", "{v: {x: 1}}", "error",
     "object, expected array of string or string"},
    {"{path: v, op: contains, value: x}", "{v: [1, x]}", "error",
     "array holding a number, expected array of string"},
    {"{path: v, op: contains, value: x}", "{v: [hunter2, [x]]}", "error",
     "array holding an array"},
    {"{path: v, op: contains, value: 1}", "{v: 'a1'}", "error",
     "string, expected array of number (contains 1)"},
    {"{path: v, op: contains, value: 1}", "{v: [a]}", "error",
     "array holding a string, expected array of number"},
    {"{path: v, op: bitmask, value: '0644'}", "{v: 'hunter2'}", "error",
     "string that is not an octal mode, expected file mode"},
    {"{path: v, op: bitmask, value: '0644'}", "{v: ''}", "error",
     "string that is not an octal mode"},
    {"{path: v, op: bitmask, value: '0644'}", "{v: -8}", "error",
     "negative number"},
    {"{path: v, op: bitmask, value: '0644'}", "{v: true}", "error",
     "boolean, expected file mode"},
    {"{path: v, op: bitmask, value: '0644'}", "{v: [1]}", "error",
     "array, expected file mode"},
    {"{path: v, op: bitmask, value: '0644'}", "{v: 1.5}", "error",
     "number, expected file mode"},
    /* null: unset, as the API reads it */
    {"{path: v, op: eq, value: true}", "{v: null}", "fail", NULL},
    {"{path: v, op: ne, value: true}", "{v: null}", "pass", NULL},
    {"{path: v, op: in, value: [a]}", "{v: null}", "fail", NULL},
    {"{path: v, op: nin, value: [a]}", "{v: null}", "pass", NULL},
    {"{path: v, op: gt, value: 1}", "{v: null}", "fail", NULL},
    {"{path: v, op: matches, value: '.'}", "{v: null}", "fail", NULL},
    {"{path: v, op: contains, value: x}", "{v: null}", "fail", NULL},
    {"{path: v, op: contains, value: x}", "{v: [null, x]}", "pass", NULL},
    {"{path: v, op: bitmask, value: '0644'}", "{v: null}", "fail", NULL},
    {"{path: v, op: eq, value: null}", "{v: null}", "pass", NULL},
    {"{path: v, op: eq, value: null}", "{v: x}", "fail", NULL},
    {"{path: v, op: ne, value: null}", "{v: 1}", "pass", NULL},
    /* exists / absent: any type */
    {"{path: v, op: exists}", "{v: 'hunter2'}", "pass", NULL},
    {"{path: v, op: exists}", "{v: [1]}", "pass", NULL},
    {"{path: v, op: absent}", "{v: {a: 1}}", "fail", NULL},
};

static void test_operator_types(void **state)
{
    struct strbuf body = STRBUF_INIT, want = STRBUF_INIT;
    struct row r;
    size_t i;

    (void)state;
    for (i = 0; i < NELEMS(type_cases); i++) {
        sb_setlen(&body, 0);
        sb_addf(&body, "  check: %s\n", type_cases[i].check);
        run_one(sb_str(&body), "k8s/ConfigMap", type_cases[i].doc, &r);
        if (strcmp(r.status, type_cases[i].status) != 0)
            fail_msg("case %zu: %s on %s: %s (%s), want %s", i,
                     type_cases[i].check, type_cases[i].doc, r.status,
                     r.message, type_cases[i].status);
        if (type_cases[i].msg) {
            sb_setlen(&want, 0);
            sb_addf(&want, "not evaluated: v: found %s", type_cases[i].msg);
            expect_contains(type_cases[i].check, r.message, sb_str(&want));
        }
        if (strcmp(r.status, "error") == 0 && strstr(r.message, "hunter2"))
            fail_msg("case %zu: the error quotes the value: %s", i, r.message);
        row_release(&r);
    }
    sb_release(&body);
    sb_release(&want);
}

/* ---- checks, each, anchors, when, manual: status, message, evidence ---- */

struct eval_case {
    const char *body; /* rule lines after kinds */
    const char *kind;
    const char *doc;
    const char *status;
    const char *msg;      /* substring of the message (NULL: unchecked) */
    const char *path;     /* evidence.path; NULL: unchecked; "-": none */
    int found;            /* evidence.found, checked with path */
    const char *actual;   /* compact JSON of evidence.actual, or NULL */
    const char *expected; /* evidence.expected, or NULL */
};

#define ALL_AB                                                                 \
    "  check: {all: [{path: a, op: eq, value: 1}, {path: b, op: eq, value: "   \
    "2}]}\n"
#define ANY_AB                                                                 \
    "  check: {any: [{path: a, op: eq, value: 1}, {path: b, op: eq, value: "   \
    "2}]}\n"
#define NOT_A "  check: {not: {path: a, op: eq, value: 1}}\n"
#define PRIV                                                                   \
    "  check: {each: $containers, assert: {path: securityContext.privileged, " \
    "op: ne, value: true}}\n"
#define PORTS                                                                  \
    "  check: {each: spec.ports, assert: {path: port, op: gt, value: 0}}\n"
#define NONROOT                                                                \
    "  check: {each: $containers, assert: {path: $sc.runAsNonRoot, op: eq, "   \
    "value: true}}\n"
#define WHEN_NODEPORT                                                          \
    "  when: {path: spec.type, op: eq, value: NodePort}\n"                     \
    "  check: {path: spec.externalTrafficPolicy, op: eq, value: Local}\n"

#define SELECT_APISERVER                                                       \
    "  select: {path: component, op: eq, value: kube-apiserver}\n"             \
    "  when: {path: present, op: eq, value: true}\n"                           \
    "  check: {path: flags.profiling, op: eq, value: \"false\"}\n"

static const struct eval_case eval_cases[] = {
    /* all / any / not */
    {ALL_AB, "k8s/ConfigMap", "{a: 1, b: 2}", "pass", NULL, "a", 1, "1",
     "eq 1"},
    {ALL_AB, "k8s/ConfigMap", "{a: 1, b: 3}", "fail", "b is 3, expected eq 2",
     "b", 1, "3", "eq 2"},
    {ALL_AB, "k8s/ConfigMap", "{b: 2}", "fail", "a is absent, expected eq 1",
     "a", 0, "null", "eq 1"},
    {ANY_AB, "k8s/ConfigMap", "{a: 0, b: 2}", "pass", NULL, "b", 1, "2",
     "eq 2"},
    {ANY_AB, "k8s/ConfigMap", "{a: 0, b: 0}", "fail", "expected any of: ", "a",
     1, "0", "any of: a eq 1 | b eq 2"},
    {NOT_A, "k8s/ConfigMap", "{a: 1}", "fail", "a is 1, expected not (eq 1)",
     "a", 1, "1", "not (eq 1)"},
    {NOT_A, "k8s/ConfigMap", "{a: 2}", "pass", NULL, "a", 1, "2", NULL},
    {NOT_A, "k8s/ConfigMap", "{}", "pass", NULL, "a", 0, "null", NULL},
    {"  check: {all: [{path: a, op: exists}, {any: [{path: b, op: eq, value: "
     "1}, {not: {path: c, op: exists}}]}]}\n",
     "k8s/ConfigMap", "{a: 1, b: 2, c: 3}", "fail", NULL, NULL, 0, NULL, NULL},
    {"  check: {all: [{path: a, op: exists}, {any: [{path: b, op: eq, value: "
     "1}, {not: {path: c, op: exists}}]}]}\n",
     "k8s/ConfigMap", "{a: 1, b: 2}", "pass", NULL, NULL, 0, NULL, NULL},
    /* an author's message replaces the generated text, keeps the facts */
    {"  check: {path: a, op: eq, value: 1, message: 'a must be one'}\n",
     "k8s/ConfigMap", "{a: 2}", "fail", "a must be one (a is 2, expected eq 1)",
     "a", 1, "2", "eq 1"},
    {"  check: {path: a, op: eq, value: 1, message: 'a must be one'}\n",
     "k8s/ConfigMap", "{a: 1}", "pass", "a is 1", "a", 1, "1", "eq 1"},
    /* ... and leads the text of an error it decides, keeping the why */
    {"  check: {path: a, op: eq, value: 1, message: 'a must be one'}\n",
     "k8s/ConfigMap", "{a: x}", "error",
     "not evaluated: a must be one (a: found string, expected number", "-", 0,
     NULL, NULL},
    /* each over $containers: containers, initContainers, ephemeral */
    {PRIV, "k8s/Deployment",
     "{spec: {template: {spec: {containers: [{name: app}], initContainers: "
     "[{name: init}]}}}}",
     "pass", NULL, NULL, 0, NULL, NULL},
    {PRIV, "k8s/Deployment",
     "{spec: {template: {spec: {containers: [{name: app, securityContext: "
     "{privileged: false}}], initContainers: [{name: init, securityContext: "
     "{privileged: true}}]}}}}",
     "fail", "container \"init\": ",
     "spec.template.spec.initContainers[0].securityContext.privileged", 1,
     "true", "ne true"},
    {PRIV, "k8s/Pod",
     "{spec: {containers: [{name: a}], ephemeralContainers: [{name: dbg, "
     "securityContext: {privileged: true}}]}}",
     "fail", "container \"dbg\"",
     "spec.ephemeralContainers[0].securityContext.privileged", 1, "true",
     "ne true"},
    {PRIV, "k8s/Pod",
     "{spec: {containers: [{name: a}, {name: b, securityContext: {privileged: "
     "true}}]}}",
     "fail", "container \"b\"", "spec.containers[1].securityContext.privileged",
     1, "true", "ne true"},
    {PRIV, "k8s/CronJob",
     "{spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: c, "
     "securityContext: {privileged: true}}]}}}}}}",
     "fail", NULL,
     "spec.jobTemplate.spec.template.spec.containers[0].securityContext."
     "privileged",
     1, "true", NULL},
    {PRIV, "k8s/StatefulSet",
     "{spec: {template: {spec: {containers: [{name: c}]}}}}", "pass", NULL,
     "spec.template.spec.containers[0].securityContext.privileged", 0, "null",
     "ne true"},
    /* a workload without containers is never a pass */
    {PRIV, "k8s/Deployment", "{spec: {template: {spec: {}}}}", "error",
     "not evaluated: ", "-", 0, NULL, NULL},
    {PRIV, "k8s/Deployment",
     "{spec: {template: {spec: {containers: [], initContainers: []}}}}",
     "error", "no containers", "-", 0, NULL, NULL},
    {PRIV, "k8s/Deployment", "{spec: {replicas: 1}}", "error", "no pod spec",
     "-", 0, NULL, NULL},
    {PRIV, "k8s/Service", "{spec: {type: ClusterIP}}", "error", "no pod spec",
     "-", 0, NULL, NULL},
    /* each over an ordinary path: absent or empty holds */
    {PORTS, "k8s/Service", "{spec: {}}", "pass", NULL, "spec.ports", 0, "null",
     "each: no elements"},
    {PORTS, "k8s/Service", "{spec: {ports: []}}", "pass", NULL, NULL, 0, NULL,
     "each: no elements"},
    {PORTS, "k8s/Service", "{spec: {ports: [{port: 80}]}}", "pass", NULL,
     "spec.ports[0].port", 1, "80", "gt 0"},
    {PORTS, "k8s/Service", "{spec: {ports: [{port: 80}, {port: 0}]}}", "fail",
     "spec.ports[1].port is 0, expected gt 0", "spec.ports[1].port", 1, "0",
     "gt 0"},
    /* regression: privileged: "true" (a string) is an error naming the
     * path and both types, never a pass of "ne true" */
    {PRIV, "k8s/Pod",
     "{spec: {containers: [{name: a, securityContext: {privileged: 'true'}}]}}",
     "error",
     "not evaluated: spec.containers[0].securityContext.privileged: found "
     "string, expected boolean (ne true)",
     "-", 0, NULL, NULL},
    {PRIV, "k8s/Pod",
     "{spec: {containers: [{name: a, securityContext: 'privileged'}]}}",
     "error",
     "spec.containers[0].securityContext: found string, expected object", "-",
     0, NULL, NULL},
    /* an error beside a fail: the fail decides; beside passes: error */
    {PRIV, "k8s/Pod",
     "{spec: {containers: [{name: a, securityContext: {privileged: 'x'}}, "
     "{name: b, securityContext: {privileged: true}}]}}",
     "fail", "container \"b\"", "spec.containers[1].securityContext.privileged",
     1, "true", "ne true"},
    {PRIV, "k8s/Pod",
     "{spec: {containers: [{name: a}, {name: b, securityContext: {privileged: "
     "1}}, {name: c}]}}",
     "error", "spec.containers[1].securityContext.privileged: found number",
     "-", 0, NULL, NULL},
    /* $sc: the pod's value of the wrong type is an error too */
    {NONROOT, "k8s/Pod",
     "{spec: {securityContext: {runAsNonRoot: 'yes'}, containers: [{name: "
     "a}]}}",
     "error",
     "spec.securityContext.runAsNonRoot: found string, expected boolean", "-",
     0, NULL, NULL},
    {NONROOT, "k8s/Pod",
     "{spec: {securityContext: [], containers: [{name: a}]}}", "error",
     "spec.securityContext: found array, expected object", "-", 0, NULL, NULL},
    /* composition never passes because of an unknown (Kleene): any holds
     * when a kid passes, else is an error when a kid is; all fails when
     * a kid fails, else is an error when a kid is; not keeps an error */
    {ANY_AB, "k8s/ConfigMap", "{a: x, b: 2}", "pass", NULL, "b", 1, "2",
     "eq 2"},
    {ANY_AB, "k8s/ConfigMap", "{a: x, b: 3}", "error", "a: found string", "-",
     0, NULL, NULL},
    {ANY_AB, "k8s/ConfigMap", "{a: 0, b: x}", "error", "b: found string", "-",
     0, NULL, NULL},
    {ALL_AB, "k8s/ConfigMap", "{a: x, b: 3}", "fail", "b is 3, expected eq 2",
     "b", 1, "3", "eq 2"},
    {ALL_AB, "k8s/ConfigMap", "{a: 0, b: x}", "fail", "a is 0", "a", 1, "0",
     "eq 1"},
    {ALL_AB, "k8s/ConfigMap", "{a: x, b: 2}", "error", "a: found string", "-",
     0, NULL, NULL},
    {ALL_AB, "k8s/ConfigMap", "{a: 1, b: x}", "error", "b: found string", "-",
     0, NULL, NULL},
    {NOT_A, "k8s/ConfigMap", "{a: x}", "error", "a: found string", "-", 0, NULL,
     NULL},
    {"  check: {not: {all: [{path: a, op: eq, value: 1}, {path: b, op: eq, "
     "value: 2}]}}\n",
     "k8s/ConfigMap", "{a: x, b: 3}", "pass", NULL, NULL, 0, NULL, NULL},
    {"  check: {not: {any: [{path: a, op: eq, value: 1}, {path: b, op: eq, "
     "value: 2}]}}\n",
     "k8s/ConfigMap", "{a: x, b: 3}", "error", "a: found string", "-", 0, NULL,
     NULL},
    /* each over a wildcard path: an element without the rest of the path
     * is judged as absent, never dropped */
    {"  check: {each: 'a[*].b', assert: {path: c, op: exists}}\n",
     "k8s/ConfigMap", "{a: [{b: {c: 1}}, {d: 1}]}", "fail",
     "a[1].b.c is absent, expected exists", "a[1].b.c", 0, "null", "exists"},
    {"  check: {each: 'a[*].b', assert: {path: c, op: absent}}\n",
     "k8s/ConfigMap", "{a: [{b: {d: 1}}, {d: 1}]}", "pass", NULL, NULL, 0, NULL,
     NULL},
    {"  check: {each: 'a[*].b', assert: {path: c, op: ne, value: true}}\n",
     "k8s/ConfigMap", "{a: [{b: {c: 'true'}}]}", "error",
     "a[0].b.c: found string, expected boolean", "-", 0, NULL, NULL},
    {"  check: {each: 'a[*].b', assert: {path: c, op: exists}}\n",
     "k8s/ConfigMap", "{a: [{b: 5}]}", "error",
     "a[0].b: found number, expected object", "-", 0, NULL, NULL},
    /* $sc: the container's value wins, the pod's is the default */
    {NONROOT, "k8s/Pod",
     "{spec: {securityContext: {runAsNonRoot: true}, containers: [{name: "
     "a}]}}",
     "pass", NULL, "spec.securityContext.runAsNonRoot", 1, "true", "eq true"},
    {NONROOT, "k8s/Pod",
     "{spec: {securityContext: {runAsNonRoot: true}, containers: [{name: a, "
     "securityContext: {runAsNonRoot: false}}]}}",
     "fail", "container \"a\"",
     "spec.containers[0].securityContext.runAsNonRoot", 1, "false", "eq true"},
    {NONROOT, "k8s/Pod",
     "{spec: {securityContext: {runAsNonRoot: false}, containers: [{name: a, "
     "securityContext: {runAsNonRoot: true}}]}}",
     "pass", NULL, "spec.containers[0].securityContext.runAsNonRoot", 1, "true",
     "eq true"},
    {NONROOT, "k8s/Pod", "{spec: {containers: [{name: a}]}}", "fail",
     "is absent", "spec.containers[0].securityContext.runAsNonRoot", 0, "null",
     "eq true"},
    {NONROOT, "k8s/Deployment",
     "{spec: {template: {spec: {securityContext: {runAsNonRoot: true}, "
     "containers: [{name: a}, {name: b, securityContext: {runAsNonRoot: "
     "false}}]}}}}",
     "fail", "container \"b\"",
     "spec.template.spec.containers[1].securityContext.runAsNonRoot", 1,
     "false", "eq true"},
    {NONROOT, "k8s/Deployment",
     "{spec: {template: {spec: {securityContext: {runAsNonRoot: true}, "
     "initContainers: [{name: i}], containers: [{name: a}]}}}}",
     "pass", NULL, "spec.template.spec.securityContext.runAsNonRoot", 1, "true",
     NULL},
    {"  check: {path: $sc.runAsNonRoot, op: eq, value: true}\n", "k8s/Pod",
     "{spec: {containers: [{name: a}]}}", "error", "only meaningful inside",
     "-", 0, NULL, NULL},
    {"  check: {path: $pod.hostNetwork, op: ne, value: true}\n", "k8s/Job",
     "{spec: {template: {spec: {hostNetwork: true}}}}", "fail", NULL,
     "spec.template.spec.hostNetwork", 1, "true", "ne true"},
    /* when: false means skip, "not applicable" */
    {WHEN_NODEPORT, "k8s/Service", "{spec: {type: ClusterIP}}", "skip",
     "not applicable: spec.type is \"ClusterIP\" (rule applies when eq "
     "\"NodePort\")",
     "-", 0, NULL, NULL},
    {WHEN_NODEPORT, "k8s/Service", "{spec: {}}", "skip",
     "not applicable: spec.type is absent", "-", 0, NULL, NULL},
    {WHEN_NODEPORT, "k8s/Service",
     "{spec: {type: NodePort, externalTrafficPolicy: Local}}", "pass", NULL,
     "spec.externalTrafficPolicy", 1, "\"Local\"", "eq \"Local\""},
    {WHEN_NODEPORT, "k8s/Service", "{spec: {type: NodePort}}", "fail", NULL,
     "spec.externalTrafficPolicy", 0, "null", NULL},
    {"  when: {path: $pod.hostNetwork, op: eq, value: true}\n"
     "  check: {path: a, op: exists}\n",
     "k8s/Service", "{a: 1}", "error", "not evaluated: ", "-", 0, NULL, NULL},
    /* select: picks the subject, before when; an error in it is an
     * error finding (not selected: no finding, test_select) */
    {SELECT_APISERVER, "k8s/ConfigMap",
     "{component: kube-apiserver, present: true, flags: {profiling: "
     "'false'}}",
     "pass", NULL, "flags.profiling", 1, "\"false\"", "eq \"false\""},
    {SELECT_APISERVER, "k8s/ConfigMap",
     "{component: kube-apiserver, present: true, flags: {}}", "fail",
     "flags.profiling is absent", "flags.profiling", 0, "null", NULL},
    {SELECT_APISERVER, "k8s/ConfigMap",
     "{component: kube-apiserver, present: false}", "skip",
     "not applicable: present is false", "-", 0, NULL, NULL},
    {SELECT_APISERVER, "k8s/ConfigMap", "{component: 7, present: true}",
     "error", "not evaluated: component: found number, expected string", "-", 0,
     NULL, NULL},
    {"  select: {path: component, op: eq, value: kubelet}\n"
     "  automated: false\n",
     "k8s/ConfigMap", "{component: kubelet}", "manual",
     "manual review required", "-", 0, NULL, NULL},
    /* automated: false is manual, whatever the document */
    {"  automated: false\n", "k8s/Pod", "{spec: {}}", "manual",
     "manual review required: Case title", "-", 0, NULL, NULL},
    {"  automated: false\n  check: {path: a, op: exists}\n", "k8s/Pod", "{}",
     "manual", "manual review required", "-", 0, NULL, NULL},
};

static void expect_evidence(size_t i, const struct eval_case *c,
                            const char *evidence)
{
    json_error_t je;
    json_t *ev, *v;
    char *dump;

    if (!c->path)
        return;
    if (strcmp(c->path, "-") == 0) {
        if (evidence)
            fail_msg("case %zu: want no evidence, got %s", i, evidence);
        return;
    }
    if (!evidence)
        fail_msg("case %zu: no evidence", i);
    ev = json_loads(evidence, 0, &je);
    if (!ev)
        fail_msg("case %zu: evidence is not JSON: %s", i, evidence);
    assert_int_equal(json_object_size(ev), 4);
    v = json_object_get(ev, "path");
    if (!json_is_string(v) || strcmp(json_string_value(v), c->path) != 0)
        fail_msg("case %zu: evidence %s, want path %s", i, evidence, c->path);
    v = json_object_get(ev, "found");
    if (!json_is_boolean(v) || json_is_true(v) != c->found)
        fail_msg("case %zu: evidence %s, want found %d", i, evidence, c->found);
    assert_non_null(v = json_object_get(ev, "actual"));
    if (c->actual) {
        dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (strcmp(dump, c->actual) != 0)
            fail_msg("case %zu: evidence %s, want actual %s", i, evidence,
                     c->actual);
        free(dump);
    }
    v = json_object_get(ev, "expected");
    assert_true(json_is_string(v));
    if (c->expected && strcmp(json_string_value(v), c->expected) != 0)
        fail_msg("case %zu: evidence %s, want expected %s", i, evidence,
                 c->expected);
    json_decref(ev);
}

static void test_evaluation(void **state)
{
    struct row r;
    size_t i;

    (void)state;
    for (i = 0; i < NELEMS(eval_cases); i++) {
        const struct eval_case *c = &eval_cases[i];
        run_one(c->body, c->kind, c->doc, &r);
        if (strcmp(r.status, c->status) != 0)
            fail_msg("case %zu (%s on %s): %s (%s), want %s", i, c->kind,
                     c->doc, r.status, r.message, c->status);
        if (c->msg && !strstr(r.message, c->msg))
            fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, r.message,
                     c->msg);
        expect_evidence(i, c, r.evidence);
        row_release(&r);
    }
}

/*
 * select: a resource it does not hold for is not the rule's subject and
 * gets no finding at all, whatever when and check would say; the others
 * are judged as usual; one it cannot tell is an error finding.
 */
static void test_select(void **state)
{
    struct fx f;
    struct row r;

    (void)state;
    fx_open(&f);
    fx_rules(&f,
             RULE_HEAD "  kinds: [k8s/ConfigMap]\n" SELECT_APISERVER
                       "- id: T-MANUAL\n  title: m\n  pillar: cluster\n"
                       "  severity: low\n  kinds: [k8s/ConfigMap]\n"
                       "  automated: false\n"
                       "  select: {path: component, op: eq, value: etcd}\n");
    fx_begin(&f);
    fx_add(&f, "k8s/ConfigMap", "uid-api", "kube-apiserver",
           "{component: kube-apiserver, present: true, flags: {profiling: "
           "'true'}}");
    fx_add(&f, "k8s/ConfigMap", "uid-kubelet", "kubelet",
           "{component: kubelet, present: false, flags: {}}");
    fx_add(&f, "k8s/ConfigMap", "uid-etcd", "etcd",
           "{component: etcd, present: true}");
    fx_add(&f, "k8s/ConfigMap", "uid-bad", "bad", "{component: [1]}");
    fx_finish(&f);
    fx_one(&f, "T-CASE", "uid-api", &r);
    assert_string_equal(r.status, "fail");
    row_release(&r);
    /* neither skip (when) nor fail (check): no finding at all */
    assert_int_equal(fx_findings(&f, f.scan, "T-CASE", "uid-kubelet", NULL), 0);
    assert_int_equal(fx_findings(&f, f.scan, "T-CASE", "uid-etcd", NULL), 0);
    /* manual rules pick their subject the same way */
    assert_int_equal(fx_findings(&f, f.scan, "T-MANUAL", "uid-api", NULL), 0);
    fx_one(&f, "T-MANUAL", "uid-etcd", &r);
    assert_string_equal(r.status, "manual");
    row_release(&r);
    fx_one(&f, "T-CASE", "uid-bad", &r);
    assert_string_equal(r.status, "error");
    expect_contains("message", r.message, "not evaluated: component: found");
    row_release(&r);
    fx_one(&f, "T-MANUAL", "uid-bad", &r);
    assert_string_equal(r.status, "error");
    row_release(&r);
    assert_int_equal(fx_count(&f, "SELECT count(*) FROM findings"), 4);
    fx_release(&f);
}

/* ---- evidence of big values ---- */

static void test_big_actual_summarised(void **state)
{
    struct strbuf doc = STRBUF_INIT;
    struct row r;
    json_t *ev;
    const char *actual;
    int i;

    (void)state;
    sb_adds(&doc, "{spec: {");
    for (i = 0; i < 100; i++)
        sb_addf(&doc, "%skey%d: value-number-%d", i ? ", " : "", i, i);
    sb_adds(&doc, "}}");
    run_one("  check: {path: spec, op: absent}\n", "k8s/ConfigMap",
            sb_str(&doc), &r);
    assert_string_equal(r.status, "fail");
    ev = json_loads(r.evidence, 0, NULL);
    assert_non_null(ev);
    actual = json_string_value(json_object_get(ev, "actual"));
    if (!actual || strncmp(actual, "<object of 100 keys, ", 21) != 0 ||
        !strstr(actual, " bytes>"))
        fail_msg("actual not summarised: %s", r.evidence);
    json_decref(ev);
    /* The message quotes a bounded prefix. */
    expect_contains("message", r.message, "spec is {");
    expect_contains("message", r.message, "..., expected absent");
    assert_true(strlen(r.message) < 200);
    row_release(&r);

    sb_setlen(&doc, 0);
    sb_adds(&doc, "{list: [");
    for (i = 0; i < 200; i++)
        sb_addf(&doc, "%sitem-%d", i ? ", " : "", i);
    sb_adds(&doc, "]}");
    run_one("  check: {path: list, op: absent}\n", "k8s/ConfigMap",
            sb_str(&doc), &r);
    ev = json_loads(r.evidence, 0, NULL);
    assert_non_null(ev);
    actual = json_string_value(json_object_get(ev, "actual"));
    if (!actual || strncmp(actual, "<array of 200 items, ", 21) != 0)
        fail_msg("actual not summarised: %s", r.evidence);
    json_decref(ev);
    row_release(&r);

    /* Small values stay verbatim. */
    run_one("  check: {path: spec, op: absent}\n", "k8s/ConfigMap",
            "{spec: {a: [1, x]}}", &r);
    ev = json_loads(r.evidence, 0, NULL);
    assert_non_null(ev);
    assert_true(json_is_object(json_object_get(ev, "actual")));
    assert_int_equal(
        json_integer_value(json_array_get(
            json_object_get(json_object_get(ev, "actual"), "a"), 0)),
        1);
    json_decref(ev);
    row_release(&r);
    sb_release(&doc);
}

/*
 * Actual values of objects and arrays are cut from the resource's text:
 * the message's cut must still not split a character, at 117 bytes for a
 * finding and at 80 for a rule that does not apply.
 */
static void test_actual_from_document(void **state)
{
    struct strbuf doc = STRBUF_INIT, want = STRBUF_INIT;
    struct row r;
    int i;

    (void)state;
    /* {"a":"xxx...é..."}: byte 117 of it is inside the first é */
    sb_adds(&doc, "{spec: {a: \"");
    for (i = 0; i < 110; i++)
        sb_adds(&doc, "x");
    for (i = 0; i < 10; i++)
        sb_adds(&doc, "\xc3\xa9");
    sb_adds(&doc, "\"}}");
    run_one("  check: {path: spec, op: absent}\n", "k8s/ConfigMap",
            sb_str(&doc), &r);
    sb_adds(&want, "spec is {\"a\":\"");
    for (i = 0; i < 110; i++)
        sb_adds(&want, "x");
    sb_adds(&want, "..., expected absent");
    assert_string_equal(r.status, "fail");
    assert_string_equal(r.message, sb_str(&want));
    expect_contains("evidence", r.evidence, "\"actual\":{\"a\":\"xxx");
    row_release(&r);

    /* The same value inside a list, found through $containers. */
    run_one("  check:\n    each: $containers\n"
            "    assert: {path: securityContext, op: absent}\n",
            "k8s/Pod",
            "{spec: {containers: [{name: c, securityContext: "
            "{a: [1, \"q\\\"uote\", {b: null}], \"k\\\\\": true}}]}}",
            &r);
    assert_string_equal(r.status, "fail");
    assert_string_equal(r.message,
                        "container \"c\": spec.containers[0].securityContext "
                        "is {\"a\":[1,\"q\\\"uote\",{\"b\":null}],"
                        "\"k\\\\\":true}, expected absent");
    expect_contains("evidence", r.evidence,
                    "\"actual\":{\"a\":[1,\"q\\\"uote\",{\"b\":null}],"
                    "\"k\\\\\":true}");
    row_release(&r);

    /* not applicable: {"a":"xxx...é...}, byte 80 inside an é */
    sb_setlen(&doc, 0);
    sb_adds(&doc, "{spec: {a: \"");
    for (i = 0; i < 73; i++)
        sb_adds(&doc, "x");
    for (i = 0; i < 10; i++)
        sb_adds(&doc, "\xc3\xa9");
    sb_adds(&doc, "\"}}");
    run_one("  when: {path: spec, op: absent}\n"
            "  check: {path: spec, op: exists}\n",
            "k8s/ConfigMap", sb_str(&doc), &r);
    sb_setlen(&want, 0);
    sb_adds(&want, "not applicable: spec is {\"a\":\"");
    for (i = 0; i < 73; i++)
        sb_adds(&want, "x");
    sb_adds(&want, " (rule applies when absent)");
    assert_string_equal(r.status, "skip");
    assert_string_equal(r.message, sb_str(&want));
    row_release(&r);
    sb_release(&doc);
    sb_release(&want);
}

/* ---- the JSON writer behind documents and evidence (jsonw) ---- */

/* A JSON string of s the plain way, byte by byte: the writer's contract. */
static void ref_string(struct strbuf *sb, const char *s, size_t len)
{
    size_t i;

    sb_add(sb, "\"", 1);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"')
            sb_adds(sb, "\\\"");
        else if (c == '\\')
            sb_adds(sb, "\\\\");
        else if (c == '\n')
            sb_adds(sb, "\\n");
        else if (c == '\t')
            sb_adds(sb, "\\t");
        else if (c == '\r')
            sb_adds(sb, "\\r");
        else if (c == '\b')
            sb_adds(sb, "\\b");
        else if (c == '\f')
            sb_adds(sb, "\\f");
        else if (c < 0x20)
            sb_addf(sb, "\\u%04x", c);
        else
            sb_add(sb, s + i, 1);
    }
    sb_add(sb, "\"", 1);
}

/* Strings of every length up to past two words, with each kind of byte
 * at each position: the word-at-a-time scan must find every escape, and
 * must not take the bytes around the ones it looks for. */
static void test_jsonw_string(void **state)
{
    static const unsigned char bytes[] = {0x00, 0x01, 0x08, 0x0a, 0x1f, ' ',
                                          '!',  '"',  '#',  '/',  '[',  '\\',
                                          ']',  0x7f, 0x80, 0xa2, 0xdc, 0xff};
    char s[40];
    size_t len, pos, b;

    (void)state;
    for (len = 0; len <= 33; len++) {
        for (pos = 0; pos <= len; pos++) {
            for (b = 0; b < sizeof(bytes); b++) {
                struct strbuf got = STRBUF_INIT, want = STRBUF_INIT;
                size_t k;
                for (k = 0; k < len; k++)
                    s[k] = (char)('a' + k % 26);
                if (pos < len)
                    s[pos] = (char)bytes[b];
                sb_adds(&got, "pre");
                jsonw_string(&got, s, len);
                sb_adds(&want, "pre");
                ref_string(&want, s, len);
                if (got.len != want.len ||
                    memcmp(got.buf, want.buf, got.len) != 0)
                    fail_msg("len %zu, byte 0x%02x at %zu: %s, want %s", len,
                             bytes[b], pos, got.buf, want.buf);
                assert_int_equal(got.buf[got.len], '\0');
                sb_release(&got);
                sb_release(&want);
                if (pos == len)
                    break; /* no byte placed: one case is enough */
            }
        }
    }
}

/* Every object and array of a document is found, at its own text; other
 * values are not. */
static void expect_spans(struct jsonw_spans *sp, const struct strbuf *text,
                         const json_t *v, size_t *found)
{
    struct strbuf alone = STRBUF_INIT;
    size_t start, len, i;
    const char *key;
    json_t *x;

    if (!json_is_object(v) && !json_is_array(v)) {
        assert_false(jsonw_spans_find(sp, v, &start, &len));
        return;
    }
    assert_true(jsonw_spans_find(sp, v, &start, &len));
    jsonw_value(&alone, v);
    assert_int_equal(len, alone.len);
    assert_memory_equal(text->buf + start, alone.buf, len);
    sb_release(&alone);
    (*found)++;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, x)
            expect_spans(sp, text, x, found);
    } else {
        json_array_foreach(v, i, x) expect_spans(sp, text, x, found);
    }
}

static void test_jsonw_spans(void **state)
{
    /* The big one first: the index of a later, smaller document is
     * smaller again. */
    static const char *const docs[] = {
        "[{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},[]]",
        "{\"a\":{\"b\":[1,{\"c\":\"d\\\"e\"},[]],\"e\":{}},\"f\":\"\\u00e9\"}",
        "[[[]],{\"x\":[{\"y\":{}}]},2.5,null,true]",
        "{}",
    };
    struct jsonw_spans sp = {0};
    json_t *other = json_object();
    size_t i, start, len;

    (void)state;
    for (i = 0; i < NELEMS(docs); i++) {
        struct strbuf text = STRBUF_INIT;
        json_t *doc = json_loads(docs[i], JSON_DECODE_ANY, NULL);
        size_t found = 0;

        assert_non_null(doc);
        sb_adds(&text, "x"); /* offsets are into the whole buffer */
        jsonw_value_spans(&text, doc, &sp);
        expect_spans(&sp, &text, doc, &found);
        assert_int_equal(found, sp.n);
        assert_false(jsonw_spans_find(&sp, other, &start, &len));
        sb_release(&text);
        json_decref(doc);
    }
    jsonw_spans_release(&sp);
    json_decref(other);
}

/* ---- identity: fingerprints, duplicate uids ---- */

static void expect_fp(struct fx *f, int64_t scan, const char *rule_id,
                      const char *uid, unsigned char out[32])
{
    sqlite3 *db = store_db(f->st);
    sqlite3_stmt *stmt = NULL;

    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT f.fingerprint FROM findings f "
                           "JOIN rules ON rules.id = f.rule_ref "
                           "JOIN resources ON resources.id = f.resource_ref "
                           "WHERE f.scan_id = ? AND rules.rule_id = ? AND "
                           "resources.uid = ?",
                           -1, &stmt, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(stmt, 1, scan);
    sqlite3_bind_text(stmt, 2, rule_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, uid, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_bytes(stmt, 0), 32);
    memcpy(out, sqlite3_column_blob(stmt, 0), 32);
    sqlite3_finalize(stmt);
}

#define FP_RULE                                                                \
    "- id: T-FP\n  title: t\n  pillar: cluster\n  severity: low\n"             \
    "  kinds: [k8s/ConfigMap]\n  check: {path: data.x, op: exists}\n"

static void test_fingerprints(void **state)
{
    unsigned char a1[32], b1[32], a2[32], want[32];
    const char *pre = "fourc-finding-v1\nT-FP\ncore/ConfigMap/default/a";
    struct err e;
    struct fx f;
    int64_t scan1;

    (void)state;
    fx_open(&f);
    fx_rules(&f, FP_RULE);
    fx_begin(&f);
    fx_add(&f, "k8s/ConfigMap", "core/ConfigMap/default/a", "a", "{data: {}}");
    fx_add(&f, "k8s/ConfigMap", "core/ConfigMap/default/b", "b", "{data: {}}");
    fx_finish(&f);
    scan1 = f.scan;

    /* A second scan of the same store, the finding now passing. */
    assert_int_equal(store_scan_begin(f.st, "[]", "test", &f.scan, &e), 0);
    assert_int_equal(engine_store_rules(f.st, f.scan, &f.rs, &e), 0);
    f.eng = engine_new(f.st, f.scan, &f.rs);
    fx_add(&f, "k8s/ConfigMap", "core/ConfigMap/default/a", "a",
           "{data: {x: 1}}");
    fx_finish(&f);
    assert_true(f.scan != scan1);

    expect_fp(&f, scan1, "T-FP", "core/ConfigMap/default/a", a1);
    expect_fp(&f, scan1, "T-FP", "core/ConfigMap/default/b", b1);
    expect_fp(&f, f.scan, "T-FP", "core/ConfigMap/default/a", a2);
    assert_memory_equal(a1, a2, 32);
    assert_memory_not_equal(a1, b1, 32);
    SHA256((const unsigned char *)pre, strlen(pre), want);
    assert_memory_equal(a1, want, 32);
    fx_release(&f);
}

static void test_duplicate_uids(void **state)
{
    const char *uids[] = {"core/ConfigMap/default/a",
                          "core/ConfigMap/default/a#2",
                          "core/ConfigMap/default/a#3"};
    unsigned char fp[3][32];
    struct row r;
    struct fx f;
    size_t i;

    (void)state;
    fx_open(&f);
    fx_rules(&f, FP_RULE);
    fx_begin(&f);
    fx_add(&f, "k8s/ConfigMap", uids[0], "a", "{data: {x: 1}}");
    fx_add(&f, "k8s/ConfigMap", uids[0], "a", "{data: {}}");
    fx_add(&f, "k8s/ConfigMap", uids[0], "a", "{data: {x: 2}}");
    assert_int_equal(engine_stats(f.eng)->resources, 3);
    assert_int_equal(engine_stats(f.eng)->findings, 3);
    assert_int_equal(engine_stats(f.eng)->by_status[ST_PASS], 2);
    assert_int_equal(engine_stats(f.eng)->by_status[ST_FAIL], 1);
    fx_finish(&f);
    assert_int_equal(fx_count(&f, "SELECT count(*) FROM resources"), 3);
    for (i = 0; i < 3; i++) {
        fx_one(&f, "T-FP", uids[i], &r);
        assert_string_equal(r.status, i == 1 ? "fail" : "pass");
        row_release(&r);
        expect_fp(&f, f.scan, "T-FP", uids[i], fp[i]);
    }
    assert_memory_not_equal(fp[0], fp[1], 32);
    assert_memory_not_equal(fp[1], fp[2], 32);
    fx_release(&f);
}

/* ---- input errors and failed targets ---- */

static void test_input_error(void **state)
{
    struct row r;
    struct err e;
    struct fx f;

    (void)state;
    fx_open(&f);
    fx_rules(&f, "- id: T-INPUT\n  title: input\n  pillar: cluster\n"
                 "  severity: high\n  kinds: [fourc/InputError]\n"
                 "  check: {path: error, op: absent}\n"
                 "- id: T-POD\n  title: pod\n  pillar: cluster\n"
                 "  severity: high\n  kinds: [k8s/Pod]\n"
                 "  check: {path: spec, op: exists}\n");
    fx_begin(&f);
    assert_int_equal(engine_input_error(f.eng, "target:test", "cluster",
                                        "deploy/a.yaml:7",
                                        "deploy/a.yaml:7: invalid YAML", &e),
                     0);
    fx_finish(&f);
    fx_one(&f, "T-INPUT", "input:deploy/a.yaml:7", &r);
    assert_string_equal(r.status, "error");
    assert_string_equal(r.message,
                        "not evaluated: deploy/a.yaml:7: invalid YAML");
    assert_null(r.evidence);
    row_release(&r);
    assert_int_equal(fx_count(&f, "SELECT count(*) FROM findings"), 1);
    assert_int_equal(
        fx_count(&f, "SELECT count(*) FROM resources WHERE kind = "
                     "'fourc/InputError' AND source = 'deploy/a.yaml:7' AND "
                     "json_extract(doc, '$.pillar') = 'cluster'"),
        1);
    fx_release(&f);
}

/*
 * The shipped input rules: one per pillar a rule may name, so an input
 * error of any pillar is an error finding of its own pillar's rule,
 * never silent and never claimed by another pillar's rule.
 */
static void test_input_error_every_pillar(void **state)
{
    static const char *const pillars[] = {"code", "container", "cluster",
                                          "cloud"};
    static const char *const ids[] = {
        "FOURC-CODE-INPUT", "FOURC-CONTAINER-INPUT", "FOURC-CLUSTER-INPUT",
        "FOURC-CLOUD-INPUT"};
    struct diag d = {0};
    struct strbuf src = STRBUF_INIT, sql = STRBUF_INIT;
    struct row r;
    struct err e;
    struct fx f;
    size_t i;

    (void)state;
    fx_open(&f);
    assert_int_equal(ruleset_load_embedded(&f.rs, 1, &d), 0);
    diag_release(&d);
    for (i = 0; i < NELEMS(pillars); i++)
        assert_true(engine_has_input_rule(&f.rs, pillars[i]));
    assert_false(engine_has_input_rule(&f.rs, "quantum"));
    fx_begin(&f);
    for (i = 0; i < NELEMS(pillars); i++) {
        sb_setlen(&src, 0);
        sb_addf(&src, "%s-input:1", pillars[i]);
        assert_int_equal(engine_input_error(f.eng, "target:test", pillars[i],
                                            sb_str(&src), "cannot parse", &e),
                         0);
    }
    fx_finish(&f);
    for (i = 0; i < NELEMS(pillars); i++) {
        sb_setlen(&src, 0);
        sb_addf(&src, "input:%s-input:1", pillars[i]);
        fx_one(&f, ids[i], sb_str(&src), &r);
        assert_string_equal(r.status, "error");
        assert_string_equal(r.message, "not evaluated: cannot parse");
        row_release(&r);
        /* one finding per input error: its own pillar's rule only */
        sb_setlen(&sql, 0);
        sb_addf(&sql,
                "SELECT count(*) FROM findings f JOIN resources res ON "
                "res.id = f.resource_ref WHERE res.uid = '%s'",
                sb_str(&src));
        assert_int_equal(fx_count(&f, sb_str(&sql)), 1);
    }
    sb_release(&src);
    sb_release(&sql);
    fx_release(&f);
}

static void test_target_failed(void **state)
{
    const char *tuid = "target:manifests:deploy";
    struct row r;
    struct err e;
    struct fx f;

    (void)state;
    fx_open(&f);
    fx_rules(&f, "- id: T-K8S\n  title: k\n  pillar: cluster\n"
                 "  severity: high\n  kinds: [k8s/Pod, k8s/Deployment]\n"
                 "  check: {path: spec, op: exists}\n"
                 "- id: T-MIXED\n  title: m\n  pillar: cluster\n"
                 "  severity: high\n  kinds: [image/Config, k8s/Namespace]\n"
                 "  check: {path: spec, op: exists}\n"
                 "- id: T-IMAGE\n  title: i\n  pillar: container\n"
                 "  severity: high\n  kinds: [image/Config]\n"
                 "  check: {path: spec, op: exists}\n"
                 "- id: T-TARGET\n  title: Look at it\n  pillar: cluster\n"
                 "  severity: high\n  kinds: [fourc/Target]\n"
                 "  automated: false\n");
    fx_begin(&f);
    fx_add(&f, "fourc/Target", tuid, "deploy",
           "{type: manifests, ref: deploy}");
    assert_int_equal(engine_target_failed(f.eng, tuid, "k8s/",
                                          "deploy: permission denied", &e),
                     0);
    fx_finish(&f);
    fx_one(&f, "T-K8S", tuid, &r);
    assert_string_equal(r.status, "error");
    assert_string_equal(r.message, "not evaluated: deploy: permission denied");
    row_release(&r);
    fx_one(&f, "T-MIXED", tuid, &r);
    assert_string_equal(r.status, "error");
    row_release(&r);
    assert_int_equal(fx_findings(&f, f.scan, "T-IMAGE", tuid, NULL), 0);
    fx_one(&f, "T-TARGET", tuid, &r);
    assert_string_equal(r.status, "manual");
    assert_string_equal(r.message, "manual review required: Look at it");
    row_release(&r);
    fx_release(&f);
}

/* ---- SQL rules ---- */

#define SQL_RULE(id, sql)                                                      \
    "- id: " id "\n  title: sql\n  pillar: cluster\n  severity: medium\n"      \
    "  kinds: [k8s/Namespace]\n  check:\n    sql: \"" sql "\"\n"

static void add_namespaces(struct fx *f)
{
    fx_add(f, "k8s/Namespace", "core/Namespace//good", "good",
           "{metadata: {name: good}}");
    fx_add(f, "k8s/Namespace", "core/Namespace//bad", "bad",
           "{metadata: {name: bad}}");
    fx_add(f, "k8s/Namespace", "core/Namespace//quiet", "quiet",
           "{metadata: {name: quiet}}");
    fx_add(f, "k8s/ConfigMap", "core/ConfigMap/good/c", "c", "{}");
}

static const struct {
    const char *rules;
    const char *status[3]; /* good, bad, quiet */
    const char *msg[3];    /* substrings */
} sql_cases[] = {
    /* rows become findings; a resource the query left out is an error */
    {SQL_RULE("T-SQL", "SELECT uid, CASE WHEN name = 'good' THEN 'pass' ELSE "
                       "'fail' END, 'namespace ' || name FROM scan_resources "
                       "WHERE kind = 'k8s/Namespace' AND name <> 'quiet'"),
     {"pass", "fail", "error"},
     {"namespace good", "namespace bad", "returned no verdict"}},
    /* a status that is not one of ours is an error */
    {SQL_RULE("T-SQL", "SELECT uid, CASE WHEN name = 'good' THEN 'pass' ELSE "
                       "'passed' END, 'm' FROM scan_resources"),
     {"pass", "error", "error"},
     {"m", "returned status \"passed\"", "passed"}},
    /* one finding per resource: the first row wins */
    {SQL_RULE("T-SQL", "SELECT uid, 'pass', 'first' FROM scan_resources "
                       "UNION ALL SELECT uid, 'fail', 'second' FROM "
                       "scan_resources"),
     {"pass", "pass", "pass"},
     {"first", "first", "first"}},
    /* a row for another kind or for no resource of the scan covers
     * nothing of the rule's kinds */
    {SQL_RULE("T-SQL", "SELECT uid, 'pass', 'n' FROM scan_resources WHERE "
                       "name IN ('good', 'c') UNION ALL SELECT 'nope', "
                       "'fail', 'x' UNION ALL SELECT NULL, 'fail', 'x'"),
     {"pass", "error", "error"},
     {"n", "returned no verdict", "returned no verdict"}},
    /* the doc column is JSON text */
    {SQL_RULE("T-SQL", "SELECT uid, 'skip', 'ns=' || json_extract(doc, "
                       "'$.metadata.name') FROM scan_resources"),
     {"skip", "skip", "skip"},
     {"ns=good", "ns=bad", "ns=quiet"}},
    /* only scan_resources may be read: the rest of the store is refused */
    {SQL_RULE("T-SQL", "SELECT name, 'pass', 'x' FROM sqlite_master"),
     {"error", "error", "error"},
     {"SQL reads a table other than scan_resources", "T-SQL", "T-SQL"}},
    /* failing while running: errors, never passes */
    {SQL_RULE("T-SQL", "SELECT uid, 'pass', json_extract(doc, '$.[') FROM "
                       "scan_resources"),
     {"error", "error", "error"},
     {"SQL failed", "SQL failed", "SQL failed"}},
};

static void test_sql_rules(void **state)
{
    static const char *const uids[] = {
        "core/Namespace//good", "core/Namespace//bad", "core/Namespace//quiet"};
    struct row r;
    struct fx f;
    size_t i, j;

    (void)state;
    for (i = 0; i < NELEMS(sql_cases); i++) {
        fx_open(&f);
        fx_rules(&f, sql_cases[i].rules);
        fx_begin(&f);
        add_namespaces(&f);
        fx_finish(&f);
        for (j = 0; j < 3; j++) {
            fx_one(&f, "T-SQL", uids[j], &r);
            if (strcmp(r.status, sql_cases[i].status[j]) != 0 ||
                !strstr(r.message, sql_cases[i].msg[j]))
                fail_msg("case %zu, %s: %s \"%s\", want %s \"%s\"", i, uids[j],
                         r.status, r.message, sql_cases[i].status[j],
                         sql_cases[i].msg[j]);
            assert_null(r.evidence);
            row_release(&r);
        }
        /* The ConfigMap is not of the rule's kinds: never an error. */
        if (strcmp(sql_cases[i].status[0], "error") == 0)
            assert_int_equal(
                fx_findings(&f, f.scan, "T-SQL", "core/ConfigMap/good/c", NULL),
                0);
        fx_release(&f);
    }
}

/* The view holds the current scan's resources only. */
static void test_sql_sees_current_scan(void **state)
{
    struct row r;
    struct err e;
    struct fx f;

    (void)state;
    fx_open(&f);
    fx_rules(&f, SQL_RULE("T-SQL", "SELECT uid, 'pass', (SELECT "
                                   "group_concat(name, ',') FROM "
                                   "scan_resources) FROM scan_resources"));
    fx_begin(&f);
    fx_add(&f, "k8s/Namespace", "core/Namespace//old", "old", "{}");
    fx_finish(&f);
    assert_int_equal(store_scan_begin(f.st, "[]", "test", &f.scan, &e), 0);
    assert_int_equal(engine_store_rules(f.st, f.scan, &f.rs, &e), 0);
    f.eng = engine_new(f.st, f.scan, &f.rs);
    fx_add(&f, "k8s/Namespace", "core/Namespace//new", "new", "{}");
    assert_int_equal(engine_stats(f.eng)->findings, 0); /* SQL runs at end */
    fx_finish(&f);
    fx_one(&f, "T-SQL", "core/Namespace//new", &r);
    assert_string_equal(r.message, "new");
    row_release(&r);
    assert_int_equal(
        fx_findings(&f, f.scan, "T-SQL", "core/Namespace//old", NULL), 0);
    /* The temporary view is gone after the run. */
    assert_int_equal(fx_count(&f, "SELECT count(*) FROM temp.sqlite_master "
                                  "WHERE name = 'scan_resources'"),
                     0);
    fx_release(&f);
}

/* A pack's views: built once before the SQL rules, in order (a view reads
 * the ones before it), indexed, read by the rules, dropped afterwards. */
static void test_sql_views(void **state)
{
    struct row r;
    struct fx f;

    (void)state;
    fx_open(&f);
    fx_rules(&f, "- id: T-SQL\n  title: sql\n  pillar: cluster\n"
                 "  severity: medium\n  kinds: [k8s/Namespace]\n"
                 "  check:\n    sql: \"SELECT uid, CASE WHEN n = 'bad' THEN "
                 "'fail' ELSE 'pass' END, 'via ' || n FROM v_two\"\n"
                 "- view: v_one\n  indexes: [\"uid\", \"n, uid\"]\n"
                 "  sql: \"SELECT uid, name AS n FROM scan_resources WHERE "
                 "kind = 'k8s/Namespace'\"\n"
                 "- view: v_two\n  description: reads v_one\n"
                 "  sql: \"SELECT uid, upper(n) AS up, n FROM v_one\"\n");
    assert_int_equal(f.rs.nviews, 2);
    assert_string_equal(f.rs.views[0]->name, "v_one");
    fx_begin(&f);
    add_namespaces(&f);
    fx_finish(&f);
    fx_one(&f, "T-SQL", "core/Namespace//bad", &r);
    if (strcmp(r.status, "fail") != 0)
        fail_msg("%s: %s", r.status, r.message);
    assert_string_equal(r.message, "via bad");
    row_release(&r);
    fx_one(&f, "T-SQL", "core/Namespace//good", &r);
    assert_string_equal(r.status, "pass");
    row_release(&r);
    /* the tables and their indexes are gone after the run */
    assert_int_equal(fx_count(&f, "SELECT count(*) FROM temp.sqlite_master "
                                  "WHERE name LIKE 'v_%'"),
                     0);
    fx_release(&f);
}

/* A view of columns is filled as the resources are judged: one row per
 * resource of its kinds, each column the JSON text of one value (NULL
 * when absent or unreachable), $podmeta the pod template's metadata. */
static void test_sql_view_columns(void **state)
{
    struct row r;
    struct fx f;

    (void)state;
    fx_open(&f);
    fx_rules(&f,
             "- id: T-SQL\n  title: sql\n  pillar: cluster\n"
             "  severity: medium\n  kinds: [k8s/Deployment, k8s/Pod]\n"
             "  check:\n    sql: \"SELECT uid, CASE WHEN json_type(mount) = "
             "'false' THEN 'pass' ELSE 'fail' END, coalesce(json_type(mount), "
             "'unset') || ' ' || coalesce(json_extract(labels, '$.app'), "
             "'none') || ' ' || coalesce(sa, 'nosa') FROM v_pods\"\n"
             "- view: v_pods\n  kinds: [k8s/Deployment, k8s/Pod]\n"
             "  columns:\n    mount: $pod.automountServiceAccountToken\n"
             "    labels: $podmeta.labels\n    sa: $pod.serviceAccountName\n");
    assert_int_equal(f.rs.nviews, 1);
    assert_null(f.rs.views[0]->sql);
    assert_int_equal(f.rs.views[0]->ncols, 3);
    fx_begin(&f);
    fx_add(&f, "k8s/Deployment", "apps/Deployment/default/off", "off",
           "{spec: {template: {metadata: {labels: {app: web}}, spec: "
           "{automountServiceAccountToken: false, serviceAccountName: "
           "x}}}}");
    fx_add(&f, "k8s/Pod", "core/Pod/default/on", "on",
           "{metadata: {labels: {app: pod}}, spec: "
           "{automountServiceAccountToken: true}}");
    /* no template: every column NULL, the row still there */
    fx_add(&f, "k8s/Deployment", "apps/Deployment/default/bare", "bare",
           "{spec: {template: 3}}");
    fx_add(&f, "k8s/ConfigMap", "core/ConfigMap/default/c", "c", "{}");
    fx_finish(&f);
    fx_one(&f, "T-SQL", "apps/Deployment/default/off", &r);
    assert_string_equal(r.status, "pass");
    assert_string_equal(r.message, "false web \"x\""); /* JSON text */
    row_release(&r);
    fx_one(&f, "T-SQL", "core/Pod/default/on", &r);
    assert_string_equal(r.status, "fail");
    assert_string_equal(r.message, "true pod nosa");
    row_release(&r);
    fx_one(&f, "T-SQL", "apps/Deployment/default/bare", &r);
    assert_string_equal(r.status, "fail");
    assert_string_equal(r.message, "unset none nosa");
    row_release(&r);
    assert_int_equal(fx_count(&f, "SELECT count(*) FROM temp.sqlite_master "
                                  "WHERE name = 'v_pods'"),
                     0);
    fx_release(&f);
}

/* A view that fails in a scan leaves the rules that read it an error on
 * every resource, naming the view; a rule that does not read it runs. */
static void test_sql_view_fails(void **state)
{
    struct row r;
    struct fx f;

    (void)state;
    fx_open(&f);
    fx_rules(&f, "- view: v_bad\n  sql: \"SELECT uid, json_extract('not "
                 "json', '$') AS x FROM scan_resources\"\n" SQL_RULE(
                     "T-SQL", "SELECT uid, 'pass', 'x' FROM v_bad")
                     SQL_RULE("T-OK", "SELECT uid, 'pass', 'ok' FROM "
                                      "scan_resources"));
    fx_begin(&f);
    add_namespaces(&f);
    fx_finish(&f);
    fx_one(&f, "T-SQL", "core/Namespace//good", &r);
    assert_string_equal(r.status, "error");
    assert_non_null(strstr(r.message, "the view(s) v_bad"));
    assert_null(strstr(r.message, "malformed")); /* not SQLite's text */
    row_release(&r);
    fx_one(&f, "T-OK", "core/Namespace//good", &r);
    assert_string_equal(r.status, "pass");
    row_release(&r);
    fx_release(&f);
}

/* A view may not take the name of one of the store's tables: a TEMP table
 * "findings" would hide the store's own from the statements that write
 * findings. The rule reading it is an error; the rest is written. */
static void test_sql_view_store_name(void **state)
{
    struct row r;
    struct fx f;

    (void)state;
    fx_open(&f);
    fx_rules(&f, "- view: findings\n  sql: \"SELECT uid FROM "
                 "scan_resources\"\n" SQL_RULE(
                     "T-SQL", "SELECT uid, 'pass', 'x' FROM findings")
                     SQL_RULE("T-OK", "SELECT uid, 'pass', 'ok' FROM "
                                      "scan_resources"));
    fx_begin(&f);
    add_namespaces(&f);
    fx_finish(&f);
    fx_one(&f, "T-SQL", "core/Namespace//good", &r);
    assert_string_equal(r.status, "error");
    assert_non_null(strstr(r.message, "findings (the store has a table"));
    row_release(&r);
    fx_one(&f, "T-OK", "core/Namespace//bad", &r);
    assert_string_equal(r.status, "pass");
    row_release(&r);
    fx_release(&f);
}

/* "@" is the value being judged: every data value of a map, by key. */
static void test_path_self(void **state)
{
    struct row r;

    (void)state;
    run_one("  check:\n    each: \"data[*]\"\n    not: {path: \"@\", op: "
            "matches, value: '\\[redacted'}\n",
            "k8s/ConfigMap",
            "{data: {a: one, \"b.c\": \"p=[redacted: 3 bytes]\"}}", &r);
    assert_string_equal(r.status, "fail");
    assert_non_null(strstr(r.evidence, "data[\\\"b.c\\\"]"));
    row_release(&r);
    run_one("  check:\n    each: \"data[*]\"\n    not: {path: \"@\", op: "
            "matches, value: '\\[redacted'}\n",
            "k8s/ConfigMap", "{data: {a: one, b: two}}", &r);
    if (strcmp(r.status, "pass") != 0)
        fail_msg("%s: %s", r.status, r.message);
    row_release(&r);
    run_one("  check:\n    each: \"data[*]\"\n    not: {path: \"@\", op: "
            "matches, value: '\\[redacted'}\n",
            "k8s/ConfigMap", "{data: text}", &r);
    assert_string_equal(r.status, "error");
    row_release(&r);
}

/*
 * automated: false means every finding is manual (docs/rules.md), so a SQL
 * rule switched to manual still lists its control once per resource.
 * Regression: engine_rules_for used to skip every rule whose check is SQL
 * while engine_finish runs only automated SQL rules, so such a rule got no
 * finding at all (fixed in 69f274e).
 */
static void test_sql_rule_manual(void **state)
{
    struct row r;
    struct fx f;

    (void)state;
    fx_open(&f);
    fx_rules(&f, "- id: T-SQLMAN\n  title: By hand\n  pillar: cluster\n"
                 "  severity: low\n  kinds: [k8s/Namespace]\n"
                 "  automated: false\n"
                 "  check: {sql: \"SELECT uid, 'pass', '' FROM "
                 "scan_resources\"}\n");
    fx_begin(&f);
    fx_add(&f, "k8s/Namespace", "core/Namespace//a", "a", "{}");
    fx_finish(&f);
    assert_int_equal(
        fx_findings(&f, f.scan, "T-SQLMAN", "core/Namespace//a", &r), 1);
    assert_string_equal(r.status, "manual");
    row_release(&r);
    fx_release(&f);
}

/* ---- fourc_json_pick ---- */

/* fourc_json_pick(doc, path, keys...) in a bare connection: its text, "NULL",
 * or "error: " and the message. doc is bound with its length (it may hold
 * a NUL). */
static char *pick(const char *doc, size_t doclen, const char *path,
                  const char *keys)
{
    struct strbuf sql = STRBUF_INIT;
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    char *out;
    int rc;

    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(engine_sql_functions(db), SQLITE_OK);
    sb_addf(&sql, "SELECT fourc_json_pick(?, ?%s%s)", *keys ? ", " : "", keys);
    assert_int_equal(sqlite3_prepare_v2(db, sb_str(&sql), -1, &stmt, NULL),
                     SQLITE_OK);
    if (doc)
        sqlite3_bind_text(stmt, 1, doc, (int)doclen, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, path, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_NULL)
        out = xstrdup("NULL");
    else if (rc == SQLITE_ROW)
        out = xstrdup((const char *)sqlite3_column_text(stmt, 0));
    else {
        sb_setlen(&sql, 0);
        sb_addf(&sql, "error: %s", sqlite3_errmsg(db));
        out = sb_detach(&sql);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    sb_release(&sql);
    return out;
}

static const struct {
    const char *doc, *path, *keys, *want;
} pick_cases[] = {
    /* members in the order asked, values as written */
    {"{\"s\":{\"a\":1,\"b\":\"x\",\"c\":[1,{\"d\":null}]}}", "$.s", "'c', 'a'",
     "{\"c\":[1,{\"d\":null}],\"a\":1}"},
    {"{\"a\":true}", "$", "'a', 'b'", "{\"a\":true}"},
    {"{\"a\":true}", "$", "'b'", "{}"},
    /* the first member of a name, at every step (as json_extract) */
    {"{\"a\":1,\"a\":2}", "$", "'a'", "{\"a\":1}"},
    {"{\"s\":1,\"s\":{\"a\":1}}", "$.s", "'a'", "NULL"},
    {"{\"s\":{\"a\":1},\"s\":{\"a\":2}}", "$.s", "'a'", "{\"a\":1}"},
    /* no object there */
    {"{\"s\":[{\"a\":1}]}", "$.s", "'a'", "NULL"},
    {"{\"s\":\"{\\\"a\\\":1}\"}", "$.s", "'a'", "NULL"},
    {"{\"t\":{}}", "$.s.t", "'a'", "NULL"},
    {"[1]", "$", "'a'", "NULL"},
    {NULL, "$", "'a'", "NULL"},
    /* what is skipped: brackets and quotes inside strings, escapes,
     * nesting, whitespace */
    {"{\"x\":\"}]\\\"{[\\\\\",\"y\":{\"z\":[\"]\",{\"}\":\"\\\\\"}]},"
     "\"a\":\"\\\"q\\\"\"}",
     "$", "'a'", "{\"a\":\"\\\"q\\\"\"}"},
    {" { \"s\" :\n{ \"x\" : [ 1 , { } ] ,\t\"a\" : [ 1 , 2 ] } } ", "$.s",
     "'a'", "{\"a\":[ 1 , 2 ]}"},
    {"{\"x\":-1.5e+3,\"y\":false,\"z\":null,\"a\":0}", "$", "'a'", "{\"a\":0}"},
    /* keys are compared as written, as SQLite 3.40 compares them */
    {"{\"\\u0061\":1}", "$", "'a'", "{}"},
    /* not JSON where the scan passes: an error, never a read past it */
    {"{\"a\":", "$", "'a'", "error: malformed JSON"},
    {"{\"s\":{\"b\":1", "$.s", "'a'", "error: malformed JSON"},
    {"{\"x\":\"abc", "$", "'a'", "error: malformed JSON"},
    {"{\"x\":\"a\nb\",\"a\":1}", "$", "'a'", "error: malformed JSON"},
    {"{\"x\":[1,2,\"a\":1}", "$", "'a'", "error: malformed JSON"},
    {"{\"x\" 1}", "$", "'a'", "error: malformed JSON"},
    {"{\"x\":\"\\", "$", "'a'", "error: malformed JSON"},
    /* arguments it does not take */
    {"{}", "s", "'a'", "error: fourc_json_pick: the path must be"},
    {"{}", "$.a[0]", "'a'", "error: fourc_json_pick: the path must be"},
    {"{}", "$.", "'a'", "error: fourc_json_pick: the path must be"},
    {"{}", "$..a", "'a'", "error: fourc_json_pick: the path must be"},
    {"{}", "$", "'a.b'", "error: fourc_json_pick: a key must be"},
    {"{}", "$", "''", "error: fourc_json_pick: a key must be"},
    {"{}", "$", "'\"a'", "error: fourc_json_pick: a key must be"},
    {"{}", "$", "NULL", "error: fourc_json_pick: a key must be"},
    {"{}", "$", "", "error: fourc_json_pick takes"},
    {"{}", "$",
     "'a','b','c','d','e','f','g','h','i','j','k','l','m','n','o','p','q'",
     "error: fourc_json_pick takes"},
};

static void test_json_pick(void **state)
{
    /* A NUL inside a string is a control character: the scan stops. */
    static const char nul[] = "{\"x\":\"a\0b\",\"a\":1}";
    size_t i;
    char *got;

    (void)state;
    for (i = 0; i < NELEMS(pick_cases); i++) {
        const char *doc = pick_cases[i].doc;
        got = pick(doc, doc ? strlen(doc) : 0, pick_cases[i].path,
                   pick_cases[i].keys);
        if (strncmp(got, pick_cases[i].want, strlen(pick_cases[i].want)) != 0 ||
            (strncmp(got, "error: ", 7) != 0 &&
             strcmp(got, pick_cases[i].want) != 0))
            fail_msg("case %zu: got %s, want %s", i, got, pick_cases[i].want);
        free(got);
    }
    got = pick(nul, sizeof(nul) - 1, "$", "'a'");
    assert_string_equal(got, "error: malformed JSON");
    free(got);
}

/*
 * What docs/rules.md promises: json_type and json_extract of a picked
 * member are those of the member's path in the whole document, over
 * documents the way fourc stores them and a few odd ones.
 */
static void test_json_pick_same_as_json_extract(void **state)
{
    static const char *const docs[] = {
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\"}"
        "],\"automountServiceAccountToken\":false,\"serviceAccountName\":"
        "\"api\"}}}}",
        "{\"spec\":{\"automountServiceAccountToken\":true,\"serviceAccount\":"
        "\"x\\u0041\\n\",\"serviceAccountName\":\"\"}}",
        "{\"spec\":{\"serviceAccountName\":5,\"automountServiceAccountToken\":"
        "\"false\",\"serviceAccount\":{\"a\":[1, 2.50]}}}",
        "{\"spec\":{\"template\":{\"spec\":[]}},\"serviceAccountName\":1}",
        "{\"spec\":{\"automountServiceAccountToken\":null,"
        "\"automountServiceAccountToken\":false,\"serviceAccountName\":1e3}}",
        "{\"spec\":\"{}\"}",
        "{}",
        "7",
    };
    static const char *const paths[] = {"$", "$.spec", "$.spec.template.spec",
                                        "$.spec.automountServiceAccountToken"};
    static const char *const keys[] = {"automountServiceAccountToken",
                                       "serviceAccountName", "serviceAccount",
                                       "spec", "missing"};
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    size_t d, p, k;

    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(engine_sql_functions(db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(
            db,
            "SELECT json_type(fourc_json_pick(?1, ?2, ?3), '$.' || ?3) IS "
            "json_type(?1, ?2 || '.' || ?3) AND json_extract(fourc_json_pick("
            "?1, ?2, ?3), '$.' || ?3) IS json_extract(?1, ?2 || '.' || ?3)",
            -1, &stmt, NULL),
        SQLITE_OK);
    for (d = 0; d < NELEMS(docs); d++) {
        for (p = 0; p < NELEMS(paths); p++) {
            for (k = 0; k < NELEMS(keys); k++) {
                sqlite3_bind_text(stmt, 1, docs[d], -1, SQLITE_STATIC);
                sqlite3_bind_text(stmt, 2, paths[p], -1, SQLITE_STATIC);
                sqlite3_bind_text(stmt, 3, keys[k], -1, SQLITE_STATIC);
                if (sqlite3_step(stmt) != SQLITE_ROW ||
                    sqlite3_column_int(stmt, 0) != 1)
                    fail_msg("%s %s %s: %s", docs[d], paths[p], keys[k],
                             sqlite3_errmsg(db));
                sqlite3_reset(stmt);
            }
        }
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

/* A rule's SQL may call fourc_json_pick: rules load (the SQL is checked
 * against a database that has it) and run. */
static void test_sql_rule_json_pick(void **state)
{
    struct row r;
    struct fx f;

    (void)state;
    fx_open(&f);
    fx_rules(&f, SQL_RULE("T-SQL", "SELECT uid, 'skip', json_extract("
                                   "fourc_json_pick(doc, '$.metadata', "
                                   "'name'), '$.name') FROM scan_resources"));
    fx_begin(&f);
    add_namespaces(&f);
    fx_finish(&f);
    fx_one(&f, "T-SQL", "core/Namespace//bad", &r);
    assert_string_equal(r.status, "skip");
    assert_string_equal(r.message, "bad");
    row_release(&r);
    fx_release(&f);
}

/* ---- lint ---- */

#define LINT_BASE                                                              \
    "  title: t\n  pillar: cluster\n  severity: high\n  kinds: [k8s/Pod]\n"

static const struct {
    const char *rule; /* starts at line 2 of t.yaml */
    const char *want[3];
} lint_cases[] = {
    {"- title: t\n  pillar: cluster\n  severity: high\n  kinds: [k8s/Pod]\n"
     "  check: {path: a, op: exists}\n",
     {"t.yaml:2: rule (no id): missing id"}},
    {"- id: lower-case\n" LINT_BASE "  check: {path: a, op: exists}\n",
     {"t.yaml:2: rule lower-case: id must be upper-case"}},
    {"- id: X-1\n" LINT_BASE "  titel: typo\n  check: {path: a, op: exists}\n",
     {"t.yaml:2: rule X-1: unknown key \"titel\""}},
    {"- id: X-1\n" LINT_BASE "  check: {path: a, op: equals, value: 1}\n",
     {"t.yaml:2: rule X-1: unknown operator \"equals\""}},
    {"- id: X-1\n" LINT_BASE "  check: {path: a, op: matches, value: '(['}\n",
     {"t.yaml:2: rule X-1: matches needs a valid POSIX extended regex"}},
    {"- id: X-1\n" LINT_BASE "  check: {path: a..b, op: exists}\n",
     {"t.yaml:2: rule X-1: bad path", "empty segment"}},
    {"- id: X-1\n" LINT_BASE "  check: {path: $foo.a, op: exists}\n",
     {"t.yaml:2:", "unknown anchor"}},
    {"- id: X-1\n" LINT_BASE "  check: {each: 'a[', assert: {path: b, op: "
     "exists}}\n",
     {"t.yaml:2:", "bad each path"}},
    {"- id: X-1\n" LINT_BASE "  check: {path: a, op: in, value: x}\n",
     {"t.yaml:2: rule X-1: in needs a list value"}},
    {"- id: X-1\n" LINT_BASE "  check: {path: a, op: nin, value: {a: 1}}\n",
     {"nin needs a list value"}},
    {"- id: X-1\n" LINT_BASE "  check: {path: a, op: gt, value: x}\n",
     {"gt needs a number value"}},
    {"- id: X-1\n" LINT_BASE "  check: {path: a, op: exists, value: 1}\n",
     {"exists takes no value"}},
    {"- id: X-1\n" LINT_BASE "  check: {path: a, op: eq}\n",
     {"eq needs a value"}},
    {"- id: X-1\n" LINT_BASE "  check: {path: a, op: bitmask, value: rw}\n",
     {"bitmask needs an octal mode"}},
    {"- id: X-1\n" LINT_BASE "  check: {assert: {path: a, op: exists, vaule: "
     "1}}\n",
     {"unknown key \"vaule\" in assert"}},
    {"- id: X-1\n" LINT_BASE "  check: {path: a, op: exists, bogus: 1}\n",
     {"unknown key \"bogus\" in check"}},
    {"- id: X-1\n" LINT_BASE "  check: {all: [{path: a, op: exists}], any: "
     "[{path: a, op: exists}]}\n",
     {"exactly one of"}},
    {"- id: X-1\n" LINT_BASE "  check: {all: []}\n",
     {"all needs a non-empty list"}},
    {"- id: X-1\n" LINT_BASE, {"t.yaml:2: rule X-1: missing check"}},
    {"- id: X-1\n  title: t\n  pillar: k8s\n  severity: high\n  kinds: "
     "[k8s/Pod]\n  check: {path: a, op: exists}\n",
     {"pillar must be one of"}},
    {"- id: X-1\n  title: t\n  pillar: cluster\n  severity: severe\n  kinds: "
     "[k8s/Pod]\n  check: {path: a, op: exists}\n",
     {"severity must be one of"}},
    {"- id: X-1\n  title: t\n  pillar: cluster\n  severity: high\n  kinds: "
     "[Pod]\n  check: {path: a, op: exists}\n",
     {"kinds[0] must look like k8s/Pod"}},
    {"- id: X-1\n" LINT_BASE "  automated: maybe\n  check: {path: a, op: "
     "exists}\n",
     {"automated must be true or false"}},
    {"- id: X-1\n" LINT_BASE "  check: {sql: \"DELETE FROM scan_resources\"}\n",
     {"t.yaml:2: rule X-1: sql must return 3 columns", "not 0"}},
    {"- id: X-1\n" LINT_BASE "  check: {sql: \"SELECT 1\"}\n",
     {"t.yaml:2: rule X-1: sql must return 3 columns", "not 1"}},
    {"- id: X-1\n" LINT_BASE "  check: {sql: \"DELETE FROM scan_resources "
     "RETURNING uid, 'pass', 'x'\"}\n",
     {"t.yaml:2: rule X-1: sql must only read"}},
    {"- id: X-1\n" LINT_BASE "  check: {sql: \"SELEKT uid\"}\n",
     {"sql does not prepare"}},
    {"- id: X-1\n" LINT_BASE "  check: {each: a, sql: \"SELECT uid, 'pass', "
     "'' FROM scan_resources\"}\n",
     {"each cannot wrap sql"}},
    /* views */
    {"- view: Bad-Name\n  sql: \"SELECT 1 AS a\"\n",
     {"t.yaml:2: view Bad-Name: a view's name is a lower-case SQL identifier"}},
    {"- view: scan_resources\n  sql: \"SELECT 1 AS a\"\n",
     {"a view's name is a lower-case SQL identifier"}},
    {"- view: v\n  sql: \"DELETE FROM scan_resources RETURNING uid\"\n",
     {"t.yaml:2: view v: sql must only read"}},
    {"- view: v\n  sql: \"SELECT 1 AS a; SELECT 2 AS b\"\n",
     {"t.yaml:2: view v: sql must be exactly one query"}},
    {"- view: v\n  sql: \"SELEKT 1\"\n", {"view v: sql does not prepare"}},
    {"- view: v\n  sql: 3\n", {"view v: sql needs a query string"}},
    {"- view: v\n  colour: red\n  sql: \"SELECT 1 AS a\"\n",
     {"view v: unknown key \"colour\""}},
    {"- view: v\n  indexes: [\"a; DROP TABLE x\"]\n  sql: \"SELECT 1 AS a\"\n",
     {"view v: indexes[0] is not a column list"}},
    {"- view: v\n  indexes: [\"nope\"]\n  sql: \"SELECT 1 AS a\"\n",
     {"view v: sql does not run"}},
    {"- view: v\n  kinds: [k8s/Pod]\n  columns: {a: "
     "\"$containers[*].image\"}\n",
     {"view v: column a: the path must name one value"}},
    {"- view: v\n  kinds: [k8s/Pod]\n  columns: {uid: $pod.x}\n",
     {"view v: column \"uid\": a lower-case SQL identifier"}},
    {"- view: v\n  kinds: [k8s/Pdo]\n  columns: {a: $pod.x}\n",
     {"view v: kinds[0]: no collector emits kind k8s/Pdo"}},
    {"- view: v\n  kinds: [k8s/Pod]\n  columns: {a: \"$nope.x\"}\n",
     {"view v: column a: path \"$nope.x\": unknown anchor"}},
    {"- view: v\n  kinds: [k8s/Pod]\n  columns: {a: $pod.x}\n  sql: \"SELECT "
     "1 AS a\"\n",
     {"view v: a view has either sql or columns, not both"}},
    {"- view: v\n  kinds: [k8s/Pod]\n", {"view v: columns must map"}},
    {"- view: v\n  sql: \"SELECT 1 AS a\"\n- view: v\n  sql: \"SELECT 2 AS "
     "b\"\n",
     {"t.yaml:4: view v: duplicate view (first declared at t.yaml:2)"}},
    /* kinds no collector emits, on the line that names them */
    {"- id: X-1\n  title: t\n  pillar: cluster\n  severity: high\n  kinds:\n"
     "    - k8s/Pod\n    - k8s/Deploymnet\n  check: {path: a, op: exists}\n",
     {"t.yaml:8: rule X-1: no collector emits kind k8s/Deploymnet (did you "
      "mean k8s/Deployment?)"}},
    {"- id: X-1\n  title: t\n  pillar: cluster\n  severity: high\n  kinds: "
     "[k8s/deployment]\n  check: {path: a, op: exists}\n",
     {"t.yaml:6: rule X-1: no collector emits kind k8s/deployment (did you "
      "mean k8s/Deployment?)"}},
    {"- id: X-1\n  title: t\n  pillar: container\n  severity: high\n  kinds: "
     "[code/Dockerfile, image/Confg]\n  check: {path: a, op: exists}\n",
     {"t.yaml:6: rule X-1: no collector emits kind image/Confg (did you mean "
      "image/Config?)"}},
    {"- id: X-1\n  title: t\n  pillar: cluster\n  severity: high\n  kinds: "
     "[fourc/Targte]\n  check: {path: a, op: exists}\n",
     {"did you mean fourc/Target?"}},
    {"- id: X-1\n  title: t\n  pillar: cluster\n  severity: high\n  kinds: "
     "[aws/S3Buckets]\n  check: {path: a, op: exists}\n",
     {"t.yaml:6: rule X-1: no collector emits kind aws/S3Buckets",
      "did you mean aws/S3Bucket?"}},
    {"- id: X-1\n  title: t\n  pillar: cluster\n  severity: high\n  kinds: "
     "[gcp/Bucket]\n  check: {path: a, op: exists}\n",
     {"t.yaml:6: rule X-1: no collector emits kind gcp/Bucket (known: k8s/* "
      "code/Dockerfile image/Config"}},
    {"- id: X-1\n  title: t\n  pillar: cluster\n  severity: high\n  kinds: "
     "[k8s/pod-thing]\n  check: {path: a, op: exists}\n",
     {"no collector emits kind k8s/pod-thing"}},
    /* control ids a framework's catalogue lacks, on their own line */
    {"- id: X-1\n" LINT_BASE "  frameworks:\n    cis-kubernetes:\n"
     "      - \"5.2.1\"\n      - \"5.2.13\"\n  check: {path: a, op: "
     "exists}\n",
     {"t.yaml:10: rule X-1: frameworks.cis-kubernetes: \"5.2.13\" is not a "
      "control of CIS Kubernetes Benchmark v1.12.0"}},
    {"- id: X-1\n" LINT_BASE "  frameworks:\n    nsa-cisa-kubernetes: "
     "[pod-security]\n    cis-docker: [\"4.1\", \"4.13\"]\n  check: {path: "
     "a, op: exists}\n",
     {"t.yaml:9: rule X-1: frameworks.cis-docker: \"4.13\" is not a control "
      "of CIS Docker Benchmark v1.6.0"}},
    {"- id: X-1\n" LINT_BASE "  frameworks: {nsa-cisa-kubernetes: "
     "[pod-securty], nist-800-190: [\"5.1.1\"]}\n  check: {path: a, op: "
     "exists}\n",
     {"t.yaml:7: rule X-1: frameworks.nsa-cisa-kubernetes: \"pod-securty\"",
      "t.yaml:7: rule X-1: frameworks.nist-800-190: \"5.1.1\" is not a "
      "control of NIST SP 800-190"}},
    /* select: a check like when, never sql */
    {"- id: X-1\n" LINT_BASE "  select: {path: a, op: equals, value: 1}\n"
     "  check: {path: a, op: exists}\n",
     {"t.yaml:2: rule X-1: unknown operator \"equals\""}},
    {"- id: X-1\n" LINT_BASE "  select: [a]\n  check: {path: a, op: exists}\n",
     {"t.yaml:2: rule X-1: a check must be a mapping"}},
    {"- id: X-1\n" LINT_BASE "  select: {path: 'a[', op: exists}\n"
     "  check: {path: a, op: exists}\n",
     {"t.yaml:2: rule X-1: bad path"}},
    {"- id: X-1\n" LINT_BASE "  select: {sql: \"SELECT uid, 'pass', '' FROM "
     "scan_resources\"}\n  check: {path: a, op: exists}\n",
     {"t.yaml:2: rule X-1: select cannot hold sql"}},
    {"- id: X-1\n" LINT_BASE "  select: {path: a, op: exists}\n  check: {sql: "
     "\"SELECT uid, 'pass', '' FROM scan_resources\"}\n",
     {"t.yaml:2: rule X-1: a sql check takes no select"}},
    {"- just a string\n", {"t.yaml:2: a rule must be a mapping"}},
    {"id: X-1\n", {"t.yaml:2: a rule file is a list of rules"}},
};

static int diag_has(const struct diag *d, const char *needle)
{
    size_t i;
    for (i = 0; i < d->n; i++)
        if (strstr(d->msgs[i], needle))
            return 1;
    return 0;
}

static void test_lint(void **state)
{
    struct strbuf text = STRBUF_INIT;
    size_t i, j, n;

    (void)state;
    for (i = 0; i < NELEMS(lint_cases); i++) {
        struct ruleset rs = {.kind_check = collector_kind_check};
        struct diag d = {0};

        sb_setlen(&text, 0);
        sb_addf(&text, "# pack\n%s", lint_cases[i].rule);
        n = ruleset_load_text(&rs, "test", "t.yaml", sb_str(&text), text.len,
                              &d);
        if (n == 0 || d.n != n)
            fail_msg("case %zu: %zu problems, %zu messages:\n%s", i, n, d.n,
                     lint_cases[i].rule);
        assert_int_equal(rs.n, 0); /* a rule with problems never runs */
        for (j = 0; lint_cases[i].want[j]; j++)
            if (!diag_has(&d, lint_cases[i].want[j]))
                fail_msg("case %zu: no diagnostic with \"%s\"; first: %s", i,
                         lint_cases[i].want[j], d.msgs[0]);
        ruleset_release(&rs);
        diag_release(&d);
    }
    sb_release(&text);
}

/* Every problem is reported, with the line of its rule; good rules load. */
/* Kinds the collectors and the engine emit load without a word; a k8s
 * kind that is no near miss of a known one is taken as a custom resource
 * with a warning that is no problem; a framework without a catalogue is
 * taken as written. */
static void test_lint_kinds_and_frameworks_ok(void **state)
{
    static const char text[] =
        "- id: X-1\n  title: t\n  pillar: cluster\n  severity: high\n"
        "  kinds: [k8s/Pod, k8s/CronJob, k8s/CiliumNetworkPolicy, "
        "k8s/GlobalNetworkPolicy, k8s/NetworkPolicy, code/Dockerfile, "
        "image/Config, image/Filesystem, image/File, image/Account, "
        "image/Package, image/OS, fourc/Target, fourc/InputError]\n"
        "  frameworks: {cis-kubernetes: [\"5.2.12\", \"1.1.1\", \"2.7\"], "
        "cis-docker: [\"4.12\", \"5.32\"], nsa-cisa-kubernetes: "
        "[authentication-authorization, network-separation, secrets], "
        "nist-800-190: [\"4.5.5\"], my-own: [\"ANY-1\"]}\n"
        "  check: {path: a, op: exists}\n"
        "- id: X-2\n  title: t\n  pillar: cluster\n  severity: high\n"
        "  kinds: [k8s/Certificate, k8s/SealedSecret]\n"
        "  check: {path: a, op: exists}\n";
    struct ruleset rs = {.kind_check = collector_kind_check};
    struct diag d = {0};

    (void)state;
    assert_int_equal(
        ruleset_load_text(&rs, "test", "t.yaml", text, strlen(text), &d), 0);
    assert_int_equal(rs.n, 2);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.msgs[0],
                        "t.yaml:12: rule X-2: warning: kind k8s/SealedSecret "
                        "is not one fourc knows; taken as a custom resource "
                        "of the k8s/* family");
    ruleset_release(&rs);
    diag_release(&d);
}

static void test_collector_kind_check(void **state)
{
    static const struct {
        const char *kind;
        int want;
        const char *why;
    } cases[] = {
        {"k8s/Deployment", 0, NULL},
        {"fourc/InputError", 0, NULL},
        {"image/OS", 0, NULL},
        {"k8s/MyCustomThing", 1, "custom resource"},
        {"k8s/Deploymnet", -1, "did you mean k8s/Deployment?"},
        {"k8s/Rol", -1, "did you mean k8s/Role?"},
        {"k8s/Rule", -1, "did you mean k8s/Role?"},
        {"k8s/", -1, "(known: k8s/*"},
        {"k8s/*", -1, "(known: k8s/*"},
        {"code/Dockerfiles", -1, "did you mean code/Dockerfile?"},
        {"image/config", -1, "did you mean image/Config?"},
        {"host/File", 0, NULL},
        {"aws/S3Bucket", 0, NULL},
        {"aws/Account", 0, NULL},
        {"aws/S3Buckets", -1, "did you mean aws/S3Bucket?"},
        {"gcp/Bucket", -1, "no collector emits kind gcp/Bucket (known:"},
    };
    char why[512];
    size_t i;

    (void)state;
    for (i = 0; i < NELEMS(cases); i++) {
        why[0] = '\0';
        if (collector_kind_check(cases[i].kind, why, sizeof(why)) !=
                cases[i].want ||
            (cases[i].why && !strstr(why, cases[i].why)))
            fail_msg("%s: got \"%s\"", cases[i].kind, why);
    }
}

/* The shipped catalogues parse, hold the controls the packs cite under
 * the numbering of their version, and every shipped rule's ids are in
 * them (ruleset_load_embedded with lint checks each). */
static void test_catalogues_shipped(void **state)
{
    const struct catalogue *k8s = catalogue_find("cis-kubernetes"), *all;
    const struct catalogue *docker = catalogue_find("cis-docker");
    const struct catalogue *aws = catalogue_find("cis-aws");
    const struct control *c;
    struct ruleset rs = {.kind_check = collector_kind_check};
    struct diag d = {0};
    size_t n;

    (void)state;
    assert_int_equal(catalogue_problems(&d), 0);
    all = catalogue_all(&n);
    assert_non_null(all);
    assert_int_equal(n, 5);
    assert_non_null(k8s);
    assert_int_equal(k8s->n, 131);
    assert_string_equal(catalogue_name(k8s),
                        "CIS Kubernetes Benchmark v1.12.0");
    c = catalogue_control(k8s, "5.2.9");
    assert_non_null(c);
    assert_string_equal(
        c->title,
        "Minimize the admission of containers with capabilities assigned");
    assert_string_equal(c->section, "5.2");
    assert_int_equal(c->automated, 0);
    assert_int_equal(c->level, 2);
    assert_string_equal(catalogue_control(k8s, "5.2.10")->title,
                        "Minimize the admission of Windows HostProcess "
                        "containers");
    assert_string_equal(catalogue_control(k8s, "5.2.11")->title,
                        "Minimize the admission of HostPath volumes");
    assert_string_equal(catalogue_control(k8s, "5.2.12")->title,
                        "Minimize the admission of containers which use "
                        "HostPorts");
    assert_null(catalogue_control(k8s, "5.2.13"));
    assert_int_equal(catalogue_control(k8s, "1.1.1")->automated, 1);
    assert_string_equal(catalogue_section_title(k8s, "5.2"),
                        "Pod Security Standards");
    assert_non_null(docker);
    assert_int_equal(docker->n, 117);
    assert_string_equal(catalogue_control(docker, "4.1")->title,
                        "Ensure that a user for the container has been "
                        "created");
    assert_null(catalogue_control(docker, "4.13"));
    assert_int_equal(catalogue_find("nsa-cisa-kubernetes")->n, 28);
    assert_int_equal(catalogue_find("nist-800-190")->n, 23);
    assert_non_null(aws);
    assert_int_equal(aws->n, 70);
    assert_string_equal(catalogue_name(aws),
                        "CIS Amazon Web Services Foundations Benchmark v7.0.0");
    c = catalogue_control(aws, "2.14");
    assert_non_null(c);
    assert_string_equal(c->title, "Ensure IAM policies that allow full \"*:*\" "
                                  "administrative privileges are not attached");
    assert_string_equal(c->section, "2");
    assert_int_equal(c->automated, 1);
    assert_int_equal(c->level, 1);
    c = catalogue_control(aws, "3.1.2");
    assert_non_null(c);
    assert_string_equal(c->section, "3.1");
    assert_int_equal(c->automated, 0);
    assert_int_equal(c->level, 2);
    assert_string_equal(catalogue_section_title(aws, "6.1"),
                        "Elastic Compute Cloud (EC2)");
    assert_null(catalogue_control(aws, "1.1"));
    assert_null(catalogue_control(aws, "6.9"));
    assert_null(catalogue_find("hadolint"));
    assert_int_equal(ruleset_load_embedded(&rs, 1, &d), 0);
    assert_int_equal(d.n, 0);
    ruleset_release(&rs);
    diag_release(&d);
}

/* A catalogue file with problems says each, naming the file. */
static void test_catalogue_parse_problems(void **state)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"framework: f\ntitle: T\nversion: v1\ncontrols: []\n",
         "c.yaml: controls must be a non-empty list"},
        {"framework: f\ntitle: T\ncontrols: [{id: a, title: A}]\n",
         "c.yaml: framework, title and version are needed"},
        {"framework: f\ntitle: T\nversion: v1\ncontrols: [{id: a, title: "
         "A}, {id: a, title: B}]\n",
         "c.yaml: control a is listed twice"},
        {"framework: f\ntitle: T\nversion: v1\ncontrols: [{id: a}]\n",
         "c.yaml: controls[0]: needs id and title"},
        {"framework: f\ntitle: T\nversion: v1\ncontrols: [{id: a, title: A, "
         "level: high}]\n",
         "level a number"},
        {"framework: f\ntitle: T\nversion: v1\ncontrols: [{id: a, title: A, "
         "section: s}]\n",
         "c.yaml: control a: section s is not in sections"},
        {"- a\n", "c.yaml: a catalogue is one YAML mapping"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEMS(cases); i++) {
        struct catalogue c;
        struct diag d = {0};
        assert_int_equal(catalogue_parse("c.yaml", cases[i].text,
                                         strlen(cases[i].text), &c, &d),
                         -1);
        if (!diag_has(&d, cases[i].want))
            fail_msg("case %zu: want \"%s\", got \"%s\"", i, cases[i].want,
                     d.n ? d.msgs[0] : "");
        assert_null(c.doc);
        diag_release(&d);
    }
}

static void test_lint_lines_and_recovery(void **state)
{
    const char *text = "- id: GOOD-1\n" LINT_BASE /* 1 */
                       "  check: {path: a, op: exists}\n"
                       "- id: BAD-1\n" LINT_BASE /* 7 */
                       "  check: {path: a, op: nope}\n"
                       "  colour: red\n"
                       "- id: bad-2\n" LINT_BASE /* 14 */
                       "  check: {path: a, op: exists}\n";
    struct ruleset rs = {.kind_check = collector_kind_check};
    struct diag d = {0};
    size_t n;

    (void)state;
    n = ruleset_load_text(&rs, "test", "p.yaml", text, strlen(text), &d);
    assert_int_equal(n, 3);
    assert_int_equal(d.n, 3);
    assert_true(diag_has(&d, "p.yaml:7: rule BAD-1: unknown operator"));
    assert_true(diag_has(&d, "p.yaml:7: rule BAD-1: unknown key \"colour\""));
    assert_true(diag_has(&d, "p.yaml:14: rule bad-2: id must be"));
    assert_int_equal(rs.n, 1);
    assert_string_equal(rs.rules[0]->id, "GOOD-1");
    assert_string_equal(rs.rules[0]->origin, "p.yaml:1");
    assert_string_equal(rs.rules[0]->pack, "test");
    assert_non_null(ruleset_find(&rs, "GOOD-1"));
    assert_null(ruleset_find(&rs, "BAD-1"));
    ruleset_release(&rs);
    diag_release(&d);
}

/*
 * docs/rules.md: "id: ... [A-Z0-9-]+", and the diagnostic says "upper-case
 * letters, digits and '-'". Regression: rule_id_ok used to accept '_' and
 * '.' as well (fixed in 69f274e).
 */
static void test_lint_id_charset(void **state)
{
    static const char *const ids[] = {"X_1", "X.1", "x-1", "X 1", "X-é"};
    struct strbuf text = STRBUF_INIT;
    size_t i;

    (void)state;
    for (i = 0; i < NELEMS(ids); i++) {
        struct ruleset rs = {.kind_check = collector_kind_check};
        struct diag d = {0};

        sb_setlen(&text, 0);
        sb_addf(&text,
                "- id: \"%s\"\n" LINT_BASE "  check: {path: a, op: exists}\n",
                ids[i]);
        ruleset_load_text(&rs, "test", "t.yaml", sb_str(&text), text.len, &d);
        if (!diag_has(&d, "id must be upper-case letters, digits and '-'"))
            fail_msg("id \"%s\" was accepted (%zu rules loaded)", ids[i], rs.n);
        ruleset_release(&rs);
        diag_release(&d);
    }
    sb_release(&text);
}

static void test_lint_duplicate_ids(void **state)
{
    const char *a =
        "- id: DUP-1\n" LINT_BASE "  check: {path: a, op: exists}\n"
        "- id: ONLY-A\n" LINT_BASE "  check: {path: a, op: exists}\n";
    const char *b =
        "# b\n- id: DUP-1\n" LINT_BASE "  check: {path: b, op: exists}\n";
    struct ruleset rs = {.kind_check = collector_kind_check};
    struct diag d = {0};

    (void)state;
    assert_int_equal(ruleset_load_text(&rs, "pa", "a.yaml", a, strlen(a), &d),
                     0);
    assert_int_equal(ruleset_load_text(&rs, "pb", "b.yaml", b, strlen(b), &d),
                     0);
    assert_int_equal(rs.n, 3);
    assert_int_equal(ruleset_check_unique(&rs, &d), 1);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.msgs[0], "b.yaml:2: rule DUP-1: duplicate id (first "
                                   "defined at a.yaml:1)");
    /* Same id, different text: different versions. */
    assert_string_not_equal(rs.rules[0]->hash, rs.rules[2]->hash);
    ruleset_release(&rs);
    diag_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_operator_types),
        cmocka_unit_test(test_evaluation),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_big_actual_summarised),
        cmocka_unit_test(test_actual_from_document),
        cmocka_unit_test(test_jsonw_string),
        cmocka_unit_test(test_jsonw_spans),
        cmocka_unit_test(test_fingerprints),
        cmocka_unit_test(test_duplicate_uids),
        cmocka_unit_test(test_input_error),
        cmocka_unit_test(test_input_error_every_pillar),
        cmocka_unit_test(test_target_failed),
        cmocka_unit_test(test_sql_rules),
        cmocka_unit_test(test_sql_sees_current_scan),
        cmocka_unit_test(test_sql_views),
        cmocka_unit_test(test_sql_view_fails),
        cmocka_unit_test(test_sql_view_columns),
        cmocka_unit_test(test_sql_view_store_name),
        cmocka_unit_test(test_path_self),
        cmocka_unit_test(test_sql_rule_manual),
        cmocka_unit_test(test_json_pick),
        cmocka_unit_test(test_json_pick_same_as_json_extract),
        cmocka_unit_test(test_sql_rule_json_pick),
        cmocka_unit_test(test_lint),
        cmocka_unit_test(test_lint_lines_and_recovery),
        cmocka_unit_test(test_lint_kinds_and_frameworks_ok),
        cmocka_unit_test(test_collector_kind_check),
        cmocka_unit_test(test_catalogues_shipped),
        cmocka_unit_test(test_catalogue_parse_problems),
        cmocka_unit_test(test_lint_id_charset),
        cmocka_unit_test(test_lint_duplicate_ids),
    };

    return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
