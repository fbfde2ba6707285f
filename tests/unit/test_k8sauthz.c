/*
 * test_k8sauthz.c: the SQL functions that judge label selectors, RBAC policy
 * rules and file-style credential settings (checks/k8sauthz.c), called the
 * way rules call them, through SQL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "engine.h"
#include "util.h"

/* The text of one SQL expression ("NULL" for NULL, "error: ..." when it
 * fails), evaluated in db. */
static char *eval(sqlite3 *db, const char *expr)
{
    struct strbuf sql = STRBUF_INIT;
    sqlite3_stmt *stmt = NULL;
    char *out;
    int rc;

    sb_addf(&sql, "SELECT %s", expr);
    if (sqlite3_prepare_v2(db, sb_str(&sql), -1, &stmt, NULL) != SQLITE_OK) {
        sb_setlen(&sql, 0);
        sb_addf(&sql, "error: %s", sqlite3_errmsg(db));
        return sb_detach(&sql);
    }
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
    sb_release(&sql);
    return out;
}

struct expr_case {
    const char *expr, *want;
};

static void run_cases(const struct expr_case *c, size_t n)
{
    sqlite3 *db = NULL;
    size_t i;

    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(engine_sql_functions(db), SQLITE_OK);
    for (i = 0; i < n; i++) {
        char *got = eval(db, c[i].expr);
        if (strncmp(got, c[i].want, strlen(c[i].want)) != 0 ||
            (strncmp(c[i].want, "error", 5) != 0 &&
             strcmp(got, c[i].want) != 0))
            fail_msg("%s: got %s, want %s", c[i].expr, got, c[i].want);
        free(got);
    }
    sqlite3_close(db);
}

#define SEL(s, l) "fourc_selector_match('" s "', '" l "')"

static const struct expr_case selector_cases[] = {
    /* empty selects everything, labels or not */
    {SEL("{}", "{}"), "1"},
    {"fourc_selector_match('{}', NULL)", "1"},
    {SEL("{}", "null"), "1"},
    {SEL("{\"matchLabels\":{}}", "{\"a\":\"1\"}"), "1"},
    /* matchLabels: every pair */
    {SEL("{\"matchLabels\":{\"app\":\"web\"}}",
         "{\"app\":\"web\",\"x\":\"y\"}"),
     "1"},
    {SEL("{\"matchLabels\":{\"app\":\"web\",\"t\":\"a\"}}",
         "{\"app\":\"web\"}"),
     "0"},
    {SEL("{\"matchLabels\":{\"app\":\"web\"}}", "{\"app\":\"db\"}"), "0"},
    {"fourc_selector_match('{\"matchLabels\":{\"app\":\"web\"}}', NULL)", "0"},
    /* matchExpressions, each operator */
    {SEL("{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"In\","
         "\"values\":[\"a\",\"b\"]}]}",
         "{\"t\":\"b\"}"),
     "1"},
    {SEL("{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"In\","
         "\"values\":[\"a\"]}]}",
         "{}"),
     "0"},
    {SEL("{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"NotIn\","
         "\"values\":[\"a\"]}]}",
         "{}"),
     "1"},
    {SEL("{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"NotIn\","
         "\"values\":[\"a\"]}]}",
         "{\"t\":\"a\"}"),
     "0"},
    {SEL("{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"Exists\"}]}",
         "{\"t\":\"\"}"),
     "1"},
    {SEL("{\"matchExpressions\":[{\"key\":\"t\",\"operator\":"
         "\"DoesNotExist\"}]}",
         "{\"t\":\"x\"}"),
     "0"},
    /* both parts must hold */
    {SEL("{\"matchLabels\":{\"a\":\"1\"},\"matchExpressions\":[{\"key\":"
         "\"b\",\"operator\":\"Exists\"}]}",
         "{\"a\":\"1\"}"),
     "0"},
    /* what cannot be evaluated is NULL, never a verdict */
    {SEL("{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"Gt\","
         "\"values\":[\"1\"]}]}",
         "{\"t\":\"2\"}"),
     "NULL"},
    {SEL("{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"In\","
         "\"values\":[]}]}",
         "{\"t\":\"2\"}"),
     "NULL"},
    {SEL("{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"Exists\","
         "\"values\":[\"x\"]}]}",
         "{\"t\":\"2\"}"),
     "NULL"},
    {SEL("{\"matchLabels\":{\"a\":1}}", "{\"a\":\"1\"}"), "NULL"},
    {SEL("{\"matchLabels\":[]}", "{}"), "NULL"},
    {SEL("[]", "{}"), "NULL"},
    {SEL("{\"matchLabels\":{\"a\":\"1\"}}", "{\"a\":1}"), "NULL"},
    {SEL("{}", "[1]"), "NULL"},
    {SEL("{", "{}"), "NULL"},
    {"fourc_selector_match(NULL, '{}')", "NULL"},
    /* Cilium: k8s: and any: sources, derived labels not evaluated */
    {"fourc_selector_match('{\"matchLabels\":{\"k8s:app\":\"web\"}}', "
     "'{\"app\":\"web\"}', 'cilium')",
     "1"},
    {"fourc_selector_match('{\"matchLabels\":{\"any:app\":\"web\"}}', "
     "'{\"app\":\"db\"}', 'cilium')",
     "0"},
    {"fourc_selector_match('{\"matchLabels\":{\"k8s:io.kubernetes.pod."
     "namespace\":\"x\"}}', '{}', 'cilium')",
     "NULL"},
    {"fourc_selector_match('{\"matchLabels\":{\"reserved:host\":\"\"}}', "
     "'{}', 'cilium')",
     "NULL"},
    /* without the flavour a k8s: key is an ordinary (absent) label */
    {SEL("{\"matchLabels\":{\"k8s:app\":\"web\"}}", "{\"app\":\"web\"}"), "0"},
};

static void test_selector(void **state)
{
    (void)state;
    run_cases(selector_cases,
              sizeof(selector_cases) / sizeof(selector_cases[0]));
}

#define G(r, rest) "fourc_rbac_grants('" r "', " rest ")"

static const struct expr_case rbac_cases[] = {
    /* exact, and "*" in each list */
    {G("[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"create\"]}"
       "]",
       "'', 'pods', 'create'"),
     "2"},
    {G("[{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]}]",
       "'apps', 'deployments', 'delete'"),
     "2"},
    {G("[{\"apiGroups\":[\"apps\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]}]",
       "'', 'pods', 'create'"),
     "0"},
    /* "*" matches every resource and subresource */
    {G("[{\"apiGroups\":[\"\"],\"resources\":[\"*\"],\"verbs\":[\"get\"]}]",
       "'', 'nodes/proxy', 'get'"),
     "2"},
    /* "*\/sub": the subresource of every resource (RBAC ResourceMatches) */
    {G("[{\"apiGroups\":[\"\"],\"resources\":[\"*/"
       "proxy\"],\"verbs\":[\"get\"]}]",
       "'', 'nodes/proxy', 'get'"),
     "2"},
    {G("[{\"apiGroups\":[\"\"],\"resources\":[\"*/"
       "proxy\"],\"verbs\":[\"get\"]}]",
       "'', 'nodes', 'get'"),
     "0"},
    {G("[{\"apiGroups\":[\"\"],\"resources\":[\"*/"
       "exec\"],\"verbs\":[\"get\"]}]",
       "'', 'pods/exec', 'create', 'get'"),
     "2"},
    /* nodes/STAR is literal in RBAC: no subresource called proxy */
    {G("[{\"apiGroups\":[\"\"],\"resources\":[\"nodes/"
       "*\"],\"verbs\":[\"get\"]}]",
       "'', 'nodes/proxy', 'get'"),
     "0"},
    /* a resource does not grant its subresources */
    {G("[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"*\"]}]",
       "'', 'pods/exec', 'create'"),
     "0"},
    /* the asked "*" matches only a granted "*" (cluster-admin test) */
    {G("[{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"get\"]}]",
       "'*', '*', '*'"),
     "0"},
    /* resourceNames: named objects only */
    {G("[{\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"verbs\":[\"get\"],"
       "\"resourceNames\":[\"a\"]}]",
       "'', 'secrets', 'get'"),
     "1"},
    {G("[{\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"verbs\":[\"get\"],"
       "\"resourceNames\":[\"a\"]},{\"apiGroups\":[\"\"],\"resources\":[\"*\"],"
       "\"verbs\":[\"get\"]}]",
       "'', 'secrets', 'get'"),
     "2"},
    /* missing lists grant nothing; non-resource rules are not resources */
    {G("[{\"verbs\":[\"*\"],\"nonResourceURLs\":[\"*\"]}]",
       "'', 'pods', 'get'"),
     "0"},
    {"fourc_rbac_grants(NULL, '', 'pods', 'get')", "0"},
    {G("[]", "'', 'pods', 'get'"), "0"},
    /* malformed: NULL, never a verdict */
    {G("[{\"apiGroups\":\"\",\"resources\":[\"pods\"],\"verbs\":[\"get\"]}]",
       "'', 'pods', 'get'"),
     "NULL"},
    {G("[{\"apiGroups\":[\"\"],\"resources\":[1],\"verbs\":[\"get\"]}]",
       "'', 'pods', 'get'"),
     "NULL"},
    {G("[\"x\"]", "'', 'pods', 'get'"), "NULL"},
    {G("{}", "'', 'pods', 'get'"), "NULL"},
    {"fourc_rbac_grants('[]', '', 'pods')", "error"},
    {"fourc_rbac_grants('[]', NULL, 'pods', 'get')", "error"},
    /* wildcards */
    {"fourc_rbac_wildcard('[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],"
     "\"verbs\":[\"get\"]}]')",
     "0"},
    {"fourc_rbac_wildcard('[{\"resources\":[\"*/token\"],\"verbs\":[\"c\"]}]')",
     "1"},
    {"fourc_rbac_wildcard('[{\"nonResourceURLs\":[\"*\"],\"verbs\":[\"get\"]}]'"
     ")",
     "1"},
    {"fourc_rbac_wildcard('[{\"verbs\":\"*\"}]')", "NULL"},
    {"fourc_rbac_wildcard(NULL)", "0"},
};

static void test_rbac(void **state)
{
    (void)state;
    run_cases(rbac_cases, sizeof(rbac_cases) / sizeof(rbac_cases[0]));
}

/* The argument memo must never serve the JSON of an earlier, different
 * text: the same selector against labels that alternate. */
static void test_selector_memo(void **state)
{
    sqlite3 *db = NULL;
    char *got;

    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(engine_sql_functions(db), SQLITE_OK);
    got = eval(db,
               "group_concat(fourc_selector_match("
               "'{\"matchLabels\":{\"a\":\"1\"}}', l), '') FROM "
               "(SELECT '{\"a\":\"1\"}' AS l UNION ALL SELECT '{\"a\":\"2\"}' "
               "UNION ALL SELECT '{\"a\":\"1\"}' UNION ALL SELECT 'x' "
               "UNION ALL SELECT '{\"a\":\"1\"}')");
    assert_string_equal(got, "1011");
    free(got);
    sqlite3_close(db);
}

/* The cache of parsed role rules serves each text its own answer: 10,000
 * distinct texts (more than its slots, so some share one), some longer
 * than it caches, asked in two orders. */
static void test_rbac_cache(void **state)
{
    sqlite3 *db = NULL;
    char *got;

    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(engine_sql_functions(db), SQLITE_OK);
    got = eval(
        db,
        "count(*) || '/' || sum(fourc_rbac_grants(r, '', 'pods', 'get') = "
        "want) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
        "FROM n WHERE i < 10000), t AS (SELECT i, CASE i % 3 "
        "WHEN 0 THEN '[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],"
        "\"verbs\":[\"get\"],\"resourceNames\":[\"n' || i || '\"]}]' "
        "WHEN 1 THEN '[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],"
        "\"verbs\":[\"list\"],\"resourceNames\":[\"n' || i || '\"]}]' "
        "ELSE '[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":"
        "[\"*\"],\"nonResourceURLs\":[\"/' || CASE WHEN i % 7 = 0 THEN "
        "printf('%.5000c', 'x') ELSE '' END || i || '\"]}]' END AS r, "
        "CASE i % 3 WHEN 0 THEN 1 WHEN 1 THEN 0 ELSE 2 END AS want FROM n) "
        "SELECT * FROM (SELECT r, want FROM t ORDER BY i) UNION ALL "
        "SELECT * FROM (SELECT r, want FROM t ORDER BY -i))");
    assert_string_equal(got, "20000/20000");
    free(got);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selector),
        cmocka_unit_test(test_rbac),
        cmocka_unit_test(test_selector_memo),
        cmocka_unit_test(test_rbac_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
