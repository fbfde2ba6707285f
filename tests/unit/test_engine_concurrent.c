/*
 * test_engine_concurrent.c: the engine keeps no state outside struct
 * engine. Two engines, each with its own store and ruleset (the packs
 * built in), judge workloads that take every path-resolution route
 * ($containers, $sc, each over arrays, wildcards, SQL rules and views):
 * interleaved resource by resource, then in two threads at once, and each
 * must write exactly the findings it writes when it runs alone. (A race
 * shows only when the threads happen to meet in it; tests/e2e/reentrant.sh
 * is the check that no such state is written in the first place.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "collector.h"
#include "engine.h"
#include "err.h"
#include "rule.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Kubernetes objects as JSON (kind, document); each is judged COPIES
 * times under different names. */
static const char *const docs[][2] = {
    {"k8s/Deployment",
     "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":"
     "{\"name\":\"web\",\"namespace\":\"shop\",\"labels\":{\"app\":\"web\"}},"
     "\"spec\":{\"replicas\":2,\"template\":{\"metadata\":{\"labels\":"
     "{\"app\":\"web\"}},\"spec\":{\"hostNetwork\":true,\"securityContext\":"
     "{\"runAsNonRoot\":true,\"runAsUser\":1000},\"volumes\":[{\"name\":"
     "\"h\",\"hostPath\":{\"path\":\"/var/run\"}}],\"initContainers\":"
     "[{\"name\":\"init\",\"image\":\"busybox\",\"securityContext\":"
     "{\"privileged\":true}}],\"containers\":[{\"name\":\"app\",\"image\":"
     "\"nginx:latest\",\"ports\":[{\"containerPort\":80,\"hostPort\":80}],"
     "\"securityContext\":{\"allowPrivilegeEscalation\":false,"
     "\"readOnlyRootFilesystem\":true,\"capabilities\":{\"drop\":[\"ALL\"],"
     "\"add\":[\"NET_ADMIN\"]}},\"resources\":{\"limits\":{\"cpu\":\"1\","
     "\"memory\":\"1Gi\"}},\"env\":[{\"name\":\"DB_PASSWORD\",\"value\":"
     "\"hunter2\"}]},{\"name\":\"side\",\"image\":\"registry.example.com/"
     "side@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
     "abcdef\",\"securityContext\":{\"runAsUser\":0}}]}}}}"},
    {"k8s/Pod",
     "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
     "\"debug\",\"namespace\":\"default\"},\"spec\":{\"hostPID\":true,"
     "\"automountServiceAccountToken\":true,\"containers\":[{\"name\":"
     "\"sh\",\"image\":\"alpine\",\"securityContext\":{\"privileged\":true,"
     "\"procMount\":\"Unmasked\"}}]}}"},
    {"k8s/CronJob",
     "{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\",\"metadata\":"
     "{\"name\":\"backup\",\"namespace\":\"ops\"},\"spec\":{\"schedule\":"
     "\"0 * * * *\",\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":"
     "{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"b\","
     "\"image\":\"backup:1.2\",\"securityContext\":{\"seccompProfile\":"
     "{\"type\":\"RuntimeDefault\"}}}]}}}}}}"},
    {"k8s/Namespace",
     "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":"
     "\"shop\",\"labels\":{\"pod-security.kubernetes.io/enforce\":"
     "\"restricted\"}}}"},
    {"k8s/ClusterRoleBinding",
     "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":"
     "\"ClusterRoleBinding\",\"metadata\":{\"name\":\"admins\"},\"roleRef\":"
     "{\"kind\":\"ClusterRole\",\"name\":\"cluster-admin\",\"apiGroup\":"
     "\"rbac.authorization.k8s.io\"},\"subjects\":[{\"kind\":\"User\","
     "\"name\":\"alice\"}]}"},
    {"k8s/Role",
     "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\","
     "\"metadata\":{\"name\":\"all\",\"namespace\":\"shop\"},\"rules\":"
     "[{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]}]}"},
    {"k8s/ConfigMap",
     "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
     "\"cfg\",\"namespace\":\"shop\"},\"data\":{\"password\":\"s3cret\","
     "\"mode\":\"fast\"}}"},
};

#define COPIES 20
#define NRES (NELEMS(docs) * COPIES)

struct run {
    struct store *st;
    struct ruleset rs;
    struct engine *eng;
    int64_t scan;
    json_t *doc[NRES]; /* this run's own documents */
    char uid[NRES][48], name[NRES][32];
    size_t next;    /* resources judged so far */
    int reverse;    /* judges them last to first */
    struct err err; /* the first failure */
    int failed;
};

static void run_open(struct run *r, int reverse)
{
    struct diag d = {0};
    size_t i;

    memset(r, 0, sizeof(*r));
    r->reverse = reverse;
    r->rs.kind_check = collector_kind_check;
    assert_int_equal(ruleset_load_embedded(&r->rs, 0, &d), 0);
    diag_release(&d);
    if (store_open(&r->st, ":memory:", STORE_CREATE, &r->err) ||
        store_scan_begin(r->st, "[]", "test", &r->scan, &r->err) ||
        engine_store_rules(r->st, r->scan, &r->rs, &r->err))
        fail_msg("%s", r->err.msg);
    for (i = 0; i < NRES; i++) {
        json_error_t je;
        json_t *name;
        r->doc[i] = json_loads(docs[i % NELEMS(docs)][1], 0, &je);
        if (!r->doc[i])
            fail_msg("doc %zu: %s", i % NELEMS(docs), je.text);
        snprintf(r->name[i], sizeof(r->name[i]), "%s-%zu",
                 json_string_value(json_object_get(
                     json_object_get(r->doc[i], "metadata"), "name")),
                 i / NELEMS(docs));
        name = json_object_get(r->doc[i], "metadata");
        json_object_set_new(name, "name", json_string(r->name[i]));
        snprintf(r->uid[i], sizeof(r->uid[i]), "%s/%s",
                 docs[i % NELEMS(docs)][0], r->name[i]);
    }
    r->eng = engine_new(r->st, r->scan, &r->rs);
}

/* Judges the next resource; 1 when there was none left. Failures are
 * kept in r (cmocka's checks are for the main thread). */
static int run_step(struct run *r)
{
    size_t i;
    json_t *ns;
    struct resource res;

    if (r->next == NRES || r->failed)
        return 1;
    i = r->reverse ? NRES - 1 - r->next : r->next;
    r->next++;
    ns = json_object_get(json_object_get(r->doc[i], "metadata"), "namespace");
    res.kind = docs[i % NELEMS(docs)][0];
    res.uid = r->uid[i];
    res.name = r->name[i];
    res.namespace = json_string_value(ns);
    res.source = "test.json:1";
    res.doc = r->doc[i];
    if (engine_resource(r->eng, "target:test", &res, &r->err))
        r->failed = 1;
    /* an input error too, once, halfway */
    if (!r->failed && r->next == NRES / 2 &&
        engine_input_error(r->eng, "target:test", "cluster", "bad.yaml",
                           "bad.yaml:3: not valid YAML", &r->err))
        r->failed = 1;
    return 0;
}

static void run_finish(struct run *r)
{
    if (!r->failed && (engine_finish(r->eng, &r->err) ||
                       store_scan_commit(r->st, r->scan, "sha256:t", &r->err)))
        r->failed = 1;
}

/* Every finding, one line each, in a fixed order. */
static char *run_dump(struct run *r)
{
    struct strbuf sb = STRBUF_INIT;
    sqlite3_stmt *stmt = NULL;
    sqlite3 *db = store_db(r->st);
    int c;

    if (r->failed)
        fail_msg("the run failed: %s", r->err.msg);
    if (sqlite3_prepare_v2(db,
                           "SELECT rule_id, uid, status, message, evidence, "
                           "fingerprint FROM findings_v WHERE scan_id = ? "
                           "ORDER BY rule_id, uid, fingerprint",
                           -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("%s", sqlite3_errmsg(db));
    sqlite3_bind_int64(stmt, 1, r->scan);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        for (c = 0; c < 6; c++) {
            const unsigned char *t = sqlite3_column_text(stmt, c);
            sb_adds(&sb, t ? (const char *)t : "(null)");
            sb_adds(&sb, c < 5 ? "|" : "\n");
        }
    }
    sqlite3_finalize(stmt);
    return sb_detach(&sb);
}

static void run_release(struct run *r)
{
    size_t i;

    engine_free(r->eng);
    ruleset_release(&r->rs);
    store_free(r->st);
    for (i = 0; i < NRES; i++)
        json_decref(r->doc[i]);
}

/* What each order gives alone. */
static void alone(char **fwd, char **rev)
{
    struct run r;

    run_open(&r, 0);
    while (!run_step(&r))
        ;
    run_finish(&r);
    *fwd = run_dump(&r);
    run_release(&r);
    run_open(&r, 1);
    while (!run_step(&r))
        ;
    run_finish(&r);
    *rev = run_dump(&r);
    run_release(&r);
}

static void expect_same(const char *what, const char *want, const char *got)
{
    size_t nl = 0, i;

    if (strcmp(want, got) == 0)
        return;
    for (i = 0; want[i] && want[i] == got[i]; i++)
        if (want[i] == '\n')
            nl++;
    fail_msg("%s: findings differ from line %zu:\n  want %.200s\n  got  %.200s",
             what, nl + 1, want + i, got + i);
}

static void test_interleaved(void **state)
{
    struct run a, b;
    char *fwd, *rev, *da, *db;
    size_t lines = 0;
    const char *p;

    (void)state;
    alone(&fwd, &rev);
    for (p = fwd; *p; p++)
        lines += *p == '\n';
    /* Many rules judged many resources: the comparison means something. */
    assert_true(lines > 10 * NRES);
    assert_non_null(strstr(fwd, "|fail|"));
    assert_non_null(strstr(fwd, "|pass|"));
    assert_non_null(strstr(fwd, "|error|"));
    run_open(&a, 0);
    run_open(&b, 1);
    while (!run_step(&a) | !run_step(&b))
        ;
    run_finish(&a);
    run_finish(&b);
    da = run_dump(&a);
    db = run_dump(&b);
    expect_same("interleaved, first to last", fwd, da);
    expect_same("interleaved, last to first", rev, db);
    run_release(&a);
    run_release(&b);
    free(da);
    free(db);
    free(fwd);
    free(rev);
}

static pthread_barrier_t start;

static void *run_thread(void *arg)
{
    struct run *r = arg;

    pthread_barrier_wait(&start); /* both at once */
    while (!run_step(r))
        ;
    run_finish(r);
    return NULL;
}

/* The same at the same time, several times over: any state the engines
 * shared (a static buffer, a cache) would be written by both at once. */
static void test_threads(void **state)
{
    char *fwd, *rev;
    int round;

    (void)state;
    alone(&fwd, &rev);
    assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
    for (round = 0; round < 6; round++) {
        struct run a, b;
        pthread_t ta, tb;
        char *da, *db;

        run_open(&a, 0);
        run_open(&b, 1);
        assert_int_equal(pthread_create(&ta, NULL, run_thread, &a), 0);
        assert_int_equal(pthread_create(&tb, NULL, run_thread, &b), 0);
        assert_int_equal(pthread_join(ta, NULL), 0);
        assert_int_equal(pthread_join(tb, NULL), 0);
        da = run_dump(&a);
        db = run_dump(&b);
        expect_same("thread, first to last", fwd, da);
        expect_same("thread, last to first", rev, db);
        run_release(&a);
        run_release(&b);
        free(da);
        free(db);
    }
    pthread_barrier_destroy(&start);
    free(fwd);
    free(rev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interleaved),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
