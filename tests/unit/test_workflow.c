/*
 * test_workflow.c: CI workflow files as code/Workflow documents
 * (collectors/code/workflow*.c).
 *
 * Real shapes from GitHub's and GitLab's documentation live under
 * tests/unit/data/workflows/; each case reads the facts the rules in
 * checks/rules/code/workflows.yaml judge, both ways, plus file naming,
 * malformed YAML naming file:line, and redaction (no literal secret in
 * the dump).
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

#include "code_int.h"
#include "err.h"
#include "util.h"

static char *read_data(const char *file, size_t *len)
{
    const char *top = getenv("TOP_SRCDIR");
    char path[4096];
    FILE *f;
    struct strbuf sb = STRBUF_INIT;
    char buf[4096];
    size_t n;

    snprintf(path, sizeof(path), "%s/tests/unit/data/workflows/%s",
             top ? top : ".", file);
    f = fopen(path, "rb");
    if (!f)
        print_error("cannot open %s\n", path);
    assert_non_null(f);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        sb_add(&sb, buf, n);
    fclose(f);
    *len = sb.len;
    return sb_detach(&sb);
}

static json_t *parse_data(enum code_workflow_type t, const char *file,
                          const char *relpath)
{
    size_t len;
    char *buf = read_data(file, &len);
    struct err e = {""};
    json_t *doc = code_workflow_parse(t, relpath, buf, len, &e);
    if (!doc)
        print_error("%s: %s\n", file, e.msg);
    assert_non_null(doc);
    free(buf);
    return doc;
}

/* The value at a path "a.b[2].c" (keys and indexes only), borrowed. */
static json_t *get(json_t *v, const char *path)
{
    char key[256];
    const char *p = path;
    while (*p && v) {
        size_t n = 0;
        if (*p == '.')
            p++;
        if (*p == '[') {
            v = json_array_get(v, strtoul(p + 1, NULL, 10));
            p = strchr(p, ']') + 1;
            continue;
        }
        while (p[n] && p[n] != '.' && p[n] != '[')
            n++;
        memcpy(key, p, n);
        key[n] = '\0';
        v = json_object_get(v, key);
        p += n;
    }
    return v;
}

static void want_str(json_t *doc, const char *path, const char *want)
{
    json_t *v = get(doc, path);
    if (!json_is_string(v) || strcmp(json_string_value(v), want) != 0)
        print_error("%s: want \"%s\"\n", path, want);
    assert_true(json_is_string(v));
    assert_string_equal(json_string_value(v), want);
}

static void want_bool(json_t *doc, const char *path, int want)
{
    json_t *v = get(doc, path);
    if (!json_is_boolean(v) || json_is_true(v) != want)
        print_error("%s: want %s\n", path, want ? "true" : "false");
    assert_true(json_is_boolean(v));
    assert_int_equal(json_is_true(v), want);
}

static void test_type(void **state)
{
    static const struct {
        const char *path;
        enum code_workflow_type want;
    } cases[] = {
        {".github/workflows/ci.yml", CODE_WF_GITHUB},
        {".github/workflows/ci.yaml", CODE_WF_GITHUB},
        {"sub/project/.github/workflows/ci.yml", CODE_WF_GITHUB},
        {".github/workflows/nested/ci.yml", CODE_WF_NONE},
        {".github/workflows/README.md", CODE_WF_NONE},
        {"x.github/workflows/ci.yml", CODE_WF_NONE},
        {"fail.gha.yml", CODE_WF_GITHUB},
        {"fixtures/R/pass-x.gha.yaml", CODE_WF_GITHUB},
        {"action.yml", CODE_WF_GITHUB_ACTION},
        {".github/actions/setup/action.yaml", CODE_WF_GITHUB_ACTION},
        {".gitlab-ci.yml", CODE_WF_GITLAB},
        {"ci/fail.gitlab-ci.yml", CODE_WF_GITLAB},
        {"templates/build.gitlab-ci.yaml", CODE_WF_GITLAB},
        {"deploy.yml", CODE_WF_NONE},
        {"gitlab-ci.yml", CODE_WF_NONE},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (code_workflow_type(cases[i].path) != cases[i].want)
            print_error("%s\n", cases[i].path);
        assert_int_equal(code_workflow_type(cases[i].path), cases[i].want);
    }
}

static void test_pr_target(void **state)
{
    json_t *d =
        parse_data(CODE_WF_GITHUB, "pr-target.yml", ".github/workflows/pr.yml");
    json_t *inj;
    char *dump;
    (void)state;
    want_str(d, "type", "github");
    want_str(d, "path", ".github/workflows/pr.yml");
    want_str(d, "triggers[0]", "pull_request_target");
    want_str(d, "triggers[1]", "issue_comment");
    want_bool(d, "privileged_trigger", 1);
    want_bool(d, "public_trigger", 1);
    want_str(d, "permissions_kind", "absent");
    want_str(d, "jobs[0].id", "build");
    assert_int_equal(json_integer_value(get(d, "jobs[0].line")), 10);
    want_str(d, "jobs[0].permissions_effective", "absent");
    want_bool(d, "jobs[0].self_hosted", 0);
    /* checkout of the PR head, with its line */
    want_bool(d, "jobs[0].steps[0].checks_out_pr_head", 1);
    assert_int_equal(json_integer_value(get(d, "jobs[0].steps[0].line")), 13);
    want_bool(d, "jobs[0].steps[0].uses_third_party", 0);
    want_bool(d, "jobs[0].steps[0].uses_pinned", 0);
    /* injection: title and head_ref, not the sha */
    inj = get(d, "jobs[0].steps[1].run_injections");
    assert_int_equal(json_array_size(inj), 2);
    want_str(d, "jobs[0].steps[1].run_injections[0]",
             "github.event.pull_request.title");
    want_str(d, "jobs[0].steps[1].run_injections[1]", "github.head_ref");
    assert_int_equal(json_integer_value(get(d, "jobs[0].steps[1].line")), 16);
    want_bool(d, "jobs[0].steps[1].run_echoes_secret", 0);
    /* unpinned third-party action and docker image */
    want_bool(d, "jobs[0].steps[2].uses_third_party", 1);
    want_bool(d, "jobs[0].steps[2].uses_pinned", 0);
    want_str(d, "jobs[0].steps[2].uses_owner", "tj-actions");
    want_bool(d, "jobs[0].steps[3].uses_docker", 1);
    want_bool(d, "jobs[0].steps[3].uses_pinned", 0);
    want_bool(d, "jobs[0].steps[4].run_curl_pipe_shell", 1);
    /* a secret through env, echoed */
    want_bool(d, "jobs[0].steps[5].run_echoes_secret", 1);
    want_bool(d, "jobs[0].steps[4].run_echoes_secret", 0);
    /* self-hosted, write-all, secret echoed directly */
    want_str(d, "jobs[1].id", "deploy");
    want_bool(d, "jobs[1].self_hosted", 1);
    want_str(d, "jobs[1].permissions_effective", "write-all");
    want_bool(d, "jobs[1].steps[0].run_echoes_secret", 1);
    dump = json_dumps(d, 0);
    assert_non_null(strstr(dump, "\"raw\""));
    free(dump);
    json_decref(d);
}

static void test_hardened(void **state)
{
    json_t *d =
        parse_data(CODE_WF_GITHUB, "hardened.yml", ".github/workflows/ci.yml");
    (void)state;
    want_bool(d, "privileged_trigger", 0);
    want_bool(d, "public_trigger", 1);
    want_str(d, "permissions_kind", "read");
    want_str(d, "jobs[0].permissions_effective", "read");
    /* matrix resolved: every os is a GitHub-hosted image */
    want_bool(d, "jobs[0].self_hosted", 0);
    want_bool(d, "jobs[0].steps[0].uses_pinned", 1);
    want_bool(d, "jobs[0].steps[1].uses_third_party", 0);
    want_bool(d, "jobs[0].steps[2].uses_third_party", 1);
    want_bool(d, "jobs[0].steps[2].uses_pinned", 1);
    want_bool(d, "jobs[0].steps[3].uses_local", 1);
    want_bool(d, "jobs[0].steps[3].uses_third_party", 0);
    /* piped to --password-stdin and add-mask are not echoes; a tainted
     * value through env is not expanded into the script */
    want_bool(d, "jobs[0].steps[4].run_echoes_secret", 0);
    assert_int_equal(json_array_size(get(d, "jobs[0].steps[4].run_injections")),
                     0);
    want_bool(d, "jobs[0].steps[4].checks_out_pr_head", 0);
    /* reusable workflow: pinned by tag only */
    want_str(d, "jobs[1].id", "release");
    want_bool(d, "jobs[1].uses_third_party", 1);
    want_bool(d, "jobs[1].uses_pinned", 0);
    want_str(d, "jobs[1].permissions_effective", "write");
    assert_null(get(d, "jobs[1].self_hosted"));
    json_decref(d);
}

static void test_runs_on(void **state)
{
    static const struct {
        const char *yaml;
        int want; /* 1 true, 0 false, -1 undecidable (a string) */
    } cases[] = {
        {"on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n", 0},
        {"on: push\njobs:\n  a:\n    runs-on: [self-hosted, x64]\n", 1},
        {"on: push\njobs:\n  a:\n    runs-on: my-big-runner\n", -1},
        {"on: push\njobs:\n  a:\n    runs-on: {group: ubuntu-runners}\n", -1},
        {"on: push\njobs:\n  a:\n    runs-on: ${{ inputs.runner }}\n", -1},
        {"on: push\njobs:\n  a:\n    strategy: {matrix: {r: [self-hosted]}}\n"
         "    runs-on: ${{ matrix.r }}\n",
         1},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct err e = {""};
        json_t *d =
            code_workflow_parse(CODE_WF_GITHUB, "x.gha.yml", cases[i].yaml,
                                strlen(cases[i].yaml), &e);
        json_t *v;
        assert_non_null(d);
        v = get(d, "jobs[0].self_hosted");
        if (cases[i].want < 0)
            assert_true(json_is_string(v));
        else
            assert_true(json_is_boolean(v) && json_is_true(v) == cases[i].want);
        json_decref(d);
    }
}

/* Lines: a job id that ends another's, comments and blank lines before a
 * step, a block scalar holding "- " lines. */
static void test_lines(void **state)
{
    static const char yaml[] = "on: push\n"
                               "jobs:\n"
                               "  prebuild:\n"
                               "    runs-on: ubuntu-latest\n"
                               "    steps:\n"
                               "      - run: a\n"
                               "  build:\n"
                               "    runs-on: ubuntu-latest\n"
                               "    steps:\n"
                               "\n"
                               "      # comment\n"
                               "      - name: x\n"
                               "        run: |\n"
                               "          echo hi\n"
                               "          - not an item\n"
                               "      - run: b\n";
    struct err e = {""};
    json_t *d = code_workflow_parse(CODE_WF_GITHUB, "l.gha.yml", yaml,
                                    strlen(yaml), &e);
    (void)state;
    assert_non_null(d);
    assert_int_equal(json_integer_value(get(d, "jobs[0].line")), 3);
    assert_int_equal(json_integer_value(get(d, "jobs[0].steps[0].line")), 6);
    want_str(d, "jobs[1].id", "build");
    assert_int_equal(json_integer_value(get(d, "jobs[1].line")), 7);
    assert_int_equal(json_integer_value(get(d, "jobs[1].steps[0].line")), 12);
    assert_int_equal(json_integer_value(get(d, "jobs[1].steps[1].line")), 16);
    json_decref(d);
}

static void test_secret_echo(void **state)
{
    static const struct {
        const char *run;
        int want;
    } cases[] = {
        {"echo ${{ secrets.TOKEN }}", 1},
        {"echo \"${{ secrets['TOKEN'] }}\"", 1},
        {"printf '%s' \"${{ toJSON(secrets) }}\"", 1},
        {"Write-Host ${{ secrets.TOKEN }}", 1},
        {"make && echo ${{ secrets.TOKEN }}", 1},
        {"echo see the docs about secrets.yaml", 0},
        {"echo ${{ env.secrets_dir }}", 0},
        {"echo ${{ secrets.TOKEN }} | gh auth login --with-token", 0},
        {"echo ${{ secrets.TOKEN }} > token.txt", 0},
        {"echo \"::add-mask::${{ secrets.TOKEN }}\"", 0},
        {"curl -H \"Authorization: ${{ secrets.TOKEN }}\" https://x", 0},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *doc = json_pack("{s:s, s:{s:{s:s, s:[{s:s}]}}}", "on", "push",
                                "jobs", "a", "runs-on", "ubuntu-latest",
                                "steps", "run", cases[i].run);
        char *yaml = json_dumps(doc, 0); /* JSON is YAML */
        struct err e = {""};
        json_t *d = code_workflow_parse(CODE_WF_GITHUB, "s.gha.yml", yaml,
                                        strlen(yaml), &e);
        assert_non_null(d);
        if (json_is_true(get(d, "jobs[0].steps[0].run_echoes_secret")) !=
            cases[i].want)
            print_error("case %zu: %s\n", i, cases[i].run);
        want_bool(d, "jobs[0].steps[0].run_echoes_secret", cases[i].want);
        json_decref(d);
        free(yaml);
        json_decref(doc);
    }
}

/* Many steps: lines are found in one pass (a quadratic search would take
 * minutes here), and the last one's line is right. */
static void test_many_steps(void **state)
{
    struct strbuf sb = STRBUF_INIT;
    struct err e = {""};
    json_t *d;
    size_t i, n = 50000;
    (void)state;
    sb_adds(&sb, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
                 "    steps:\n");
    for (i = 0; i < n; i++)
        sb_adds(&sb, "      - run: make\n");
    d = code_workflow_parse(CODE_WF_GITHUB, "m.gha.yml", sb_str(&sb), sb.len,
                            &e);
    assert_non_null(d);
    assert_int_equal(json_array_size(get(d, "jobs[0].steps")), n);
    assert_int_equal(
        json_integer_value(json_object_get(
            json_array_get(get(d, "jobs[0].steps"), n - 1), "line")),
        5 + n);
    json_decref(d);
    sb_release(&sb);
}

static void test_action(void **state)
{
    json_t *d = parse_data(CODE_WF_GITHUB_ACTION, "action.yml",
                           ".github/actions/setup/action.yml");
    (void)state;
    want_str(d, "type", "github-action");
    want_bool(d, "composite", 1);
    want_bool(d, "jobs[0].steps[0].uses_third_party", 0);
    want_bool(d, "jobs[0].steps[1].run_curl_pipe_shell", 1);
    assert_int_equal(json_integer_value(get(d, "jobs[0].steps[1].line")), 13);
    assert_null(get(d, "permissions_kind"));
    json_decref(d);
}

static void test_gitlab(void **state)
{
    json_t *d = parse_data(CODE_WF_GITLAB, "gitlab-ci.yml", ".gitlab-ci.yml");
    char *dump;
    (void)state;
    want_str(d, "type", "gitlab");
    want_str(d, "images[0].where", "default.image");
    want_bool(d, "images[0].digest_pinned", 0);
    want_str(d, "images[0].mutable", "tag");
    want_str(d, "images[1].where", "build.image");
    want_str(d, "images[1].mutable", "no tag (latest)");
    want_str(d, "images[2].where", "build.services[0]");
    want_bool(d, "images[2].digest_pinned", 1);
    want_str(d, "images[3].where", "test.image");
    assert_true(json_is_string(get(d, "images[3].digest_pinned")));
    want_str(d, "images[4].mutable", "latest");
    assert_int_equal(json_integer_value(get(d, "images[0].line")), 3);
    assert_int_equal(json_integer_value(get(d, "images[1].line")), 18);
    assert_int_equal(json_integer_value(get(d, "images[2].line")), 20);
    assert_int_equal(json_integer_value(get(d, "images[4].line")), 35);
    /* the anchor's before_script is merged into build */
    want_str(d, "jobs[1].id", "build");
    want_bool(d, "jobs[1].merge_request", 0);
    want_str(d, "jobs[2].id", "test");
    assert_int_equal(json_integer_value(get(d, "jobs[2].line")), 24);
    assert_int_equal(json_integer_value(get(d, "jobs[1].line")), 15);
    want_bool(d, "jobs[2].merge_request", 1);
    want_bool(d, "jobs[2].steps[0].run_curl_pipe_shell", 1);
    assert_int_equal(json_array_size(get(d, "jobs[2].external_variables")), 1);
    want_str(d, "jobs[2].external_variables[0]", "SONAR_TOKEN");
    want_str(d, "merge_request_jobs[0]", "test");
    assert_int_equal(json_array_size(get(d, "merge_request_jobs")), 1);
    want_bool(d, "jobs[3].merge_request", 0);
    want_bool(d, "jobs[3].steps[0].run_curl_pipe_shell", 0);
    /* the literal password is redacted in the raw structure */
    dump = json_dumps(d, 0);
    assert_null(strstr(dump, "hunter2-supersecret"));
    assert_non_null(strstr(dump, "[redacted"));
    free(dump);
    json_decref(d);
}

/* A CI/CD component: a spec: header document, then the pipeline. */
static void test_gitlab_component(void **state)
{
    static const char yaml[] = "spec:\n"
                               "  inputs:\n"
                               "    stage: {default: test}\n"
                               "---\n"
                               "scan:\n"
                               "  stage: $[[ inputs.stage ]]\n"
                               "  image: python:3.12\n"
                               "  script: [make scan]\n";
    struct err e = {""};
    json_t *d = code_workflow_parse(CODE_WF_GITLAB, "templates/scan.yml", yaml,
                                    strlen(yaml), &e);
    (void)state;
    if (!d)
        print_error("%s\n", e.msg);
    assert_non_null(d);
    want_str(d, "jobs[0].id", "scan");
    assert_int_equal(json_integer_value(get(d, "jobs[0].line")), 5);
    want_str(d, "images[0].mutable", "tag");
    assert_non_null(get(d, "raw.spec.inputs"));
    json_decref(d);
}

static void test_errors(void **state)
{
    static const struct {
        enum code_workflow_type t;
        const char *yaml;
        const char *want;
    } cases[] = {
        {CODE_WF_GITHUB, "on: push\njobs: [a]\n", "w.yml:2: jobs is not"},
        {CODE_WF_GITHUB, "on: push\n", "w.yml: no jobs"},
        {CODE_WF_GITHUB, "- a\n", "w.yml:1: a workflow is a mapping"},
        {CODE_WF_GITHUB, "", "w.yml:1: empty"},
        {CODE_WF_GITHUB, "on: push\njobs:\n  a:\n    steps: {x: 1}\n",
         "w.yml:4: steps is not a list"},
        {CODE_WF_GITHUB,
         "on: push\njobs:\n  a:\n    steps:\n      - run: [x]\n",
         "w.yml:5: step 0: run is not a string"},
        {CODE_WF_GITLAB, "build:\n  script: {a: 1}\n",
         "w.yml:1: job build: a script"},
        {CODE_WF_GITHUB, "a: 1\na: 2\n", "w.yml:2: duplicate key"},
        {CODE_WF_GITHUB, "on: push\njobs: {}\n---\non: push\njobs: {}\n",
         "w.yml: more than one YAML document"},
        {CODE_WF_GITLAB, "a:\n  script: x\n---\nb:\n  script: y\n",
         "w.yml: more than one YAML document"},
    };
    size_t i, len;
    struct err e;
    char *buf;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *d;
        memset(&e, 0, sizeof(e));
        d = code_workflow_parse(cases[i].t, "w.yml", cases[i].yaml,
                                strlen(cases[i].yaml), &e);
        if (d || strncmp(e.msg, cases[i].want, strlen(cases[i].want)) != 0)
            print_error("case %zu: got \"%s\"\n", i, e.msg);
        assert_null(d);
        assert_memory_equal(e.msg, cases[i].want, strlen(cases[i].want));
    }
    buf = read_data("malformed.yml", &len);
    memset(&e, 0, sizeof(e));
    assert_null(code_workflow_parse(CODE_WF_GITHUB, ".github/workflows/m.yml",
                                    buf, len, &e));
    assert_memory_equal(e.msg, ".github/workflows/m.yml:7:", 26);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type),
        cmocka_unit_test(test_pr_target),
        cmocka_unit_test(test_hardened),
        cmocka_unit_test(test_runs_on),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_many_steps),
        cmocka_unit_test(test_secret_echo),
        cmocka_unit_test(test_gitlab_component),
        cmocka_unit_test(test_action),
        cmocka_unit_test(test_gitlab),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
