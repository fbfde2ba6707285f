/*
 * test_workflow_rules.c: the rules of checks/rules/code/workflows.yaml and
 * hygiene.yaml judged against their fixtures, the documents coming from
 * the workflow parser (collectors/code/workflow*.c) or the hygiene reader
 * (hygiene.c) and the verdicts from the engine,
 * as `fourc rules test` will once the code collector reads fixtures: in a
 * pass* fixture at least one finding of the rule and every one `pass`; in
 * a fail* fixture at least one `fail`. Also that the pack loads clean.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "code_int.h"
#include "engine.h"
#include "hygiene.h"
#include "err.h"
#include "rule.h"
#include "store.h"
#include "store_sql.h" /* reads the findings the store wrote */
#include "util.h"

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct strbuf sb = STRBUF_INIT;
    char buf[4096];
    size_t n;

    if (!f)
        fail_msg("cannot open %s", path);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        sb_add(&sb, buf, n);
    fclose(f);
    *len = sb.len;
    return sb_detach(&sb);
}

/* Judges one fixture file with rule `id`: statuses counted into n[]. */
static void judge(const char *path, const char *id, const char *base)
{
    struct ruleset rs = {0};
    struct diag d = {0};
    struct store *st = NULL;
    struct engine *eng;
    struct err e;
    int64_t scan;
    size_t len, total = 0, pass = 0, fail = 0;
    char *buf, pack[4096];
    json_t *doc;
    int hygiene = strncmp(id, "CODE-HYGIENE-", 13) == 0;
    enum code_workflow_type t = code_workflow_type(base);
    const char *top = getenv("TOP_SRCDIR");
    sqlite3_stmt *stmt;
    int is_pass = strncmp(base, "pass", 4) == 0;

    snprintf(pack, sizeof(pack), "%s/checks/rules/code/%s.yaml",
             top ? top : ".", hygiene ? "hygiene" : "workflows");
    if (ruleset_load_path(&rs, pack, &d))
        fail_msg("%s: %s", pack, d.msgs[0]);
    if (t == CODE_WF_NONE && !hygiene)
        fail_msg("%s: no workflow type for this name", path);
    buf = read_all(path, &len);
    if (hygiene)
        doc = code_hygiene_file(base, buf, len);
    else
        doc = code_workflow_parse(t, base, buf, len, &e);
    free(buf);
    if (!doc)
        fail_msg("%s: %s", path, hygiene ? "not a hygiene subject" : e.msg);
    if (store_open(&st, ":memory:", STORE_CREATE, &e) ||
        store_scan_begin(st, "[]", "test", &scan, &e) ||
        engine_store_rules(st, scan, &rs, &e))
        fail_msg("store: %s", e.msg);
    eng = engine_new(st, scan, &rs);
    {
        struct resource r = {hygiene ? "code/File" : "code/Workflow",
                             base,
                             base,
                             NULL,
                             base,
                             doc};
        if (engine_resource(eng, "target:test", &r, &e) ||
            engine_finish(eng, &e))
            fail_msg("engine: %s", e.msg);
    }
    if (sqlite3_prepare_v2(store_db(st),
                           "SELECT f.status, t.message FROM findings f "
                           "JOIN texts t ON t.id = f.text_ref "
                           "JOIN rules ON rules.id = f.rule_ref "
                           "WHERE f.scan_id = ?1 AND rules.rule_id = ?2",
                           -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("%s", sqlite3_errmsg(store_db(st)));
    sqlite3_bind_int64(stmt, 1, scan);
    sqlite3_bind_text(stmt, 2, id, -1, SQLITE_STATIC);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(stmt, 0);
        total++;
        pass += strcmp(s, "pass") == 0;
        fail += strcmp(s, "fail") == 0;
        if (strcmp(s, is_pass ? "pass" : "fail") != 0)
            print_message("%s %s: %s: %s\n", id, base, s,
                          (const char *)sqlite3_column_text(stmt, 1));
    }
    sqlite3_finalize(stmt);
    if (is_pass ? (total == 0 || pass != total) : fail == 0)
        fail_msg("%s: %s fixture gave %zu findings, %zu pass, %zu fail", path,
                 is_pass ? "pass" : "fail", total, pass, fail);
    engine_free(eng);
    store_free(st);
    ruleset_release(&rs);
    diag_release(&d);
    json_decref(doc);
}

static void test_fixtures(void **state)
{
    const char *top = getenv("TOP_SRCDIR");
    char dir[4096];
    DIR *rules;
    struct dirent *r;
    size_t nfix = 0, nrules = 0;

    (void)state;
    snprintf(dir, sizeof(dir), "%s/checks/rules/code/fixtures",
             top ? top : ".");
    rules = opendir(dir);
    assert_non_null(rules);
    while ((r = readdir(rules)) != NULL) {
        char sub[4400];
        DIR *fx;
        struct dirent *f;
        int has_pass = 0, has_fail = 0;
        if (strncmp(r->d_name, "CODE-G", 6) != 0 &&
            strncmp(r->d_name, "CODE-CURL", 9) != 0 &&
            strncmp(r->d_name, "CODE-HYGIENE-", 13) != 0)
            continue; /* the workflow and hygiene rules' fixtures */
        snprintf(sub, sizeof(sub), "%s/%s", dir, r->d_name);
        fx = opendir(sub);
        assert_non_null(fx);
        while ((f = readdir(fx)) != NULL) {
            char path[4800];
            if (f->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", sub, f->d_name);
            judge(path, r->d_name, f->d_name);
            has_pass |= strncmp(f->d_name, "pass", 4) == 0;
            has_fail |= strncmp(f->d_name, "fail", 4) == 0;
            nfix++;
        }
        closedir(fx);
        if (!has_pass || !has_fail)
            fail_msg("%s needs a pass and a fail fixture", r->d_name);
        nrules++;
    }
    closedir(rules);
    assert_true(nrules >= 10);
    assert_true(nfix >= 26);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
