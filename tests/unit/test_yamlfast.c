/*
 * test_yamlfast.c: the fast YAML path against libyaml, the reference.
 *
 * Every document the fast path accepts must come out exactly as libyaml
 * reads it: same value, same root line, same item lines. Documents it
 * refuses are fine (libyaml handles them); documents it accepts wrongly
 * are the bug this file exists to catch. Cases come from a table of
 * tricky snippets and from every manifest in the tree (examples, rule
 * fixtures, test data), or the files named in FOURC_YAML_CORPUS.
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
#include <sys/stat.h>

#include "util.h"
#include "yamljson.h"

struct got {
    json_t *doc;
    long line;
    json_t *items;
    int calls;
};

static int got_doc(json_t *doc, long line, const json_t *items, void *ctx)
{
    struct got *g = ctx;

    g->calls++;
    json_decref(g->doc);
    json_decref(g->items);
    g->doc = doc;
    g->line = line;
    g->items = items ? json_deep_copy(items) : NULL;
    return 0;
}

static void got_release(struct got *g)
{
    json_decref(g->doc);
    json_decref(g->items);
    memset(g, 0, sizeof(*g));
}

static size_t fast_taken, fast_refused;

/* Returns 1 when the fast path took the document. */
static int compare_one(const char *what, const char *buf, size_t len,
                       long first_line)
{
    struct got fast = {0}, slow = {0};
    struct err e;
    int rc;

    rc = yj_parse_fast(buf, len, first_line, got_doc, &fast);
    if (rc != 0) {
        fast_refused++;
        got_release(&fast);
        return 0;
    }
    fast_taken++;
    yj_slow_only = 1;
    rc = yj_parse(buf, len, first_line, got_doc, &slow, &e);
    yj_slow_only = 0;
    if (rc != 0 || slow.calls != fast.calls ||
        (fast.doc && !json_equal(fast.doc, slow.doc)) ||
        fast.line != slow.line ||
        !((!fast.items && !slow.items) ||
          (fast.items && slow.items && json_equal(fast.items, slow.items)))) {
        char *a = fast.doc ? json_dumps(fast.doc, JSON_COMPACT | JSON_SORT_KEYS)
                           : NULL;
        char *b = slow.doc ? json_dumps(slow.doc, JSON_COMPACT | JSON_SORT_KEYS)
                           : NULL;
        char *ia = fast.items ? json_dumps(fast.items, JSON_COMPACT) : NULL;
        char *ib = slow.items ? json_dumps(slow.items, JSON_COMPACT) : NULL;
        print_error("%s: fast and libyaml disagree (libyaml rc %d: %s)\n"
                    "  fast  line %ld items %s: %.600s\n"
                    "  slow  line %ld items %s: %.600s\n",
                    what, rc, rc ? e.msg : "ok", fast.line, ia ? ia : "-",
                    a ? a : "(none)", slow.line, ib ? ib : "-",
                    b ? b : "(none)");
        free(a);
        free(b);
        free(ia);
        free(ib);
        got_release(&fast);
        got_release(&slow);
        fail();
    }
    got_release(&fast);
    got_release(&slow);
    return 1;
}

static const struct {
    const char *yaml;
    int fast; /* 1: the fast path must take it, 0: must refuse, -1: either */
} cases[] = {
    {"a: 1\nb: two\n", 1},
    {"a:\n  b:\n    c: d\n", 1},
    {"a:\n- x\n- y\nb: z\n", 1},
    {"a:\n  - x\n  -   y\n", 1},
    {"items:\n- kind: Pod\n  apiVersion: v1\n-\n  kind: Svc\n", 1},
    {"- a\n- b\n", 0}, /* only mappings: manifests are objects */
    {"a: yes\nb: 'yes'\nc: \"0644\"\nd: 0644\ne: ~\nf:\ng: 1.5\nh: .inf\n", 1},
    {"a: \"tab\\tand \\u00e9 \\\" \\\\ \\/\"\n", 1},
    {"a: 'it''s'\n", 1},
    {"a: |\n  line1\n\n  line3\nb: 1\n", 1},
    {"a: |-\n  x\n  y\n\n\nb: 1\n", 1},
    {"a: |+\n  x\n\n\nb: 1\n", 1},
    {"a: >\n  folded\n  text\n\n  para\nb: 1\n", 1},
    {"a: >-\n  x\n  y\n", 1},
    {"a: |\n    indented\n      more\n  \nb: 2\n", -1},
    {"a:\n- |\n  in seq\n- x\n", 1},
    {"a: {}\nb: []\n", 1},
    {"a: [1, 2]\n", 0},
    {"a: {b: 1}\n", 0},
    {"a: &x 1\nb: *x\n", 0},
    {"a: !!str 1\n", 0},
    {"a: b\n  continued\n", 0},
    {"a: 1\na: 2\n", 0},
    {"<<: {a: 1}\n", 0},
    {"<<:\n  a: 1\n", 0},
    {"a: 1\n<<:\n  a: 2\n", 0},
    {"b:\n  a: 1\n  <<:\n    a: 2\n", 0},
    {"!!merge <<:\n  a: 1\n", 0},
    {"\"<<\": 1\n", -1},
    {"\ta: 1\n", 0},
    {"a: \"open\n", 0},
    {"a: x: y\n", 0},
    {"a: 1 # comment\nb: \"q\" # c\n# full\n  # indented comment\nc: 3\n", 1},
    {"---\na: 1\n", 1},
    {"--- !tag\na: 1\n", 0},
    {"\n\n# lead\na: 1\n", 1},
    {"a: http://x.y/z?q=1#frag\n", 1},
    {"a: -5\nb: --flag\nc: -\n", -1},
    {"key with spaces: v\n\"quoted key\": v2\n'sq': v3\n", 1},
    {"a:\n  - name: x\n    value: y\n  - name: z\n", 1},
    {"a:\n  - - nested\n    - seq\n", 1},
    {"a: 1\r\nb: 2\r\n", 1},
    {"a: caf\xc3\xa9\n", 1},
    {"a: bad\xff\n", 0},
    {"a: \xc2\x85\n", 0},
    {"just a scalar\n", 0},
    {"a:\n    b: 1\n  c: 2\n", 0},
    {"a: |\n  x\n b: 1\n", 0},
    {"", 1},
    {"# only a comment\n", 1},
    /* found by tests/fuzz: an unclosed flow sequence at the very end (a
     * read past the buffer), bad UTF-8 inside a comment */
    {"<:\n- [", 0},
    {"a: {", 0},
    {"# caf\xcb\na: 1\n", 0},
    {"<' <: |\n -", 0},
    {"a: 1\n...  b: 2\n", 0}, /* a document end marker, then junk */
    {"a: 1\n--- \nb: 2\n", 0},
    /* scanning a block at a time: matches past the line's end, keys and
     * values across blocks, the end of the input without a line break */
    {"k: v", 1},
    {"abcdefghijklmnop: 1\nabcdefghijklmno: 2\nabcdefghijklmnopq: 3\n", 1},
    {"a: b\nkey_that_is_long_enough: value_that_is_longer_than_a_block\n", 1},
    {"ab\ncd: e\n", 0},
    {"a: b c\nd: e\n", 1},
    {"a: b\nc: d: e\n", 0},
    {"a: x\n#: y\n", 1},
    {"a: http://example.com:8080/x#y", 1},
    {"a:\n                  b:\n                    c: 1\n", 1},
    {"a: 1\n                    \nb: 2\n", 1},
    {"a: 1\n      ", 1},
    {"a: 1\n                      ", 1},
    {"a: 123456789012345678\nb: 1234567890123456789\nc: 007\n", 1},
    /* quoted scalars with and without escapes */
    {"a: \"x\"\n", 1},
    {"a: \"x\"", 1},
    {"a: ''", 1},
    {"a: \"x\\\"y\"\n", 1},
    {"a: 'x\\y'\n", 1},
    {"a: ''''\n", 1},
    {"a: 'it''s' # c\n", 1},
    {"a: \"x\ty\"\n", 0},
    {"a: 'x\ty'\n", 0},
    {"a: \"unterminated", 0},
    {"a: 'unterminated''", 0},
    {"\"k\\\"q\": 1\n'k''q': 2\n", 1},
    {"a: \"0123456789abcdef0123456789abcdef\"\n", 1},
    /* UTF-8, checked one sequence at a time */
    {"a: \xf0\x9f\x98\x80 \xe2\x82\xac \xc2\xa0x\n", 1},
    {"a: \xe2\x80\xa8\n", 0},
    {"a: \xe2\x80\xa9\n", 0},
    {"a: \xef\xbf\xbe\n", 0},
    {"a: \xef\xbf\xbf\n", 0},
    {"a: x\xef\xbb\xbf\n", 0},
    {"\xef\xbb\xbf"
     "a: 1\n",
     0},
    {"a: \xc2\x80\n", 0},
    {"a: \xc2\x9f\n", 0},
    {"a: \xc3\n", 0},
    {"a: \xc3", 0},
    {"a: \xe2\x82", 0},
    {"a: \xed\xa0\x80\n", 0},
    {"a: \xc0\xaf\n", 0},
    {"a: \xf4\x90\x80\x80\n", 0},
    {"a: \xf8\x88\x80\x80\x80\n", 0},
    {"a: \x80\n", 0},
    {"# \xff\na: 1\n", 0},
    /* control characters, carriage returns */
    {"a: 1\r", 1},
    {"a: 1\rb: 2\n", 0},
    {"a: 1\r\r\n", 0},
    {"a: \x01\n", 0},
    {"a: \x7f\n", 0},
    {"a: x\x1b[0m\n", 0},
    {"a:\tb\n", 0},
    {"a: b\tc\n", 0},
    /* document markers after the first line */
    {"a: 1\n---\n", 0},
    {"a: 1\n...\n", 0},
    {"a: 1\n---\tx\n", 0},
    {"---\na: 1\n---\n", 0},
    {"a: |\n  ---\n", 1},
    {"a: 1\n  ---\n", 0},
};

static void test_table(void **state)
{
    size_t i;
    char what[64];

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t before = fast_taken;
        int took;
        snprintf(what, sizeof(what), "case %zu", i);
        took = compare_one(what, cases[i].yaml, strlen(cases[i].yaml), 1);
        (void)before;
        if (cases[i].fast >= 0 && took != cases[i].fast) {
            print_error("case %zu (%s): fast path %s, expected %s\n", i,
                        cases[i].yaml, took ? "took it" : "refused it",
                        cases[i].fast ? "to take it" : "a refusal");
            fail();
        }
    }
}

/* An implicit key longer than 1024 characters is libyaml's to refuse
 * (found by tests/fuzz). */
static void test_long_key(void **state)
{
    char buf[1200];

    (void)state;
    memset(buf, 'k', 1100);
    memcpy(buf + 1100, ": 1\n", 5);
    assert_int_equal(compare_one("1100-byte key", buf, strlen(buf), 1), 0);
    memset(buf, 'k', 1000);
    memcpy(buf + 1000, ": 1\n", 5);
    assert_int_equal(compare_one("1000-byte key", buf, strlen(buf), 1), 1);
}

/* NUL bytes anywhere, and escapes of U+0000, are libyaml's to refuse: keys
 * are then known to hold none. */
static void test_nul(void **state)
{
    static const struct {
        const char *yaml;
        size_t len;
    } nul[] = {
        {"a: 1\n\0", 6},         {"a\0b: 1\n", 7},         {"a: x\0y\n", 7},
        {"\"a\\x00\": 1\n", 11}, {"a: \"\\u0000\"\n", 12}, {"# \0\na: 1\n", 9},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(nul) / sizeof(nul[0]); i++)
        assert_int_equal(compare_one("NUL", nul[i].yaml, nul[i].len, 1), 0);
}

/* Splits a file into documents at "---" lines, as the collector does. */
static void compare_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct strbuf chunk = STRBUF_INIT;
    char line[65536];
    long no = 0, first = 1;

    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        no++;
        if (strncmp(line, "---", 3) == 0 &&
            (line[3] == '\n' || line[3] == ' ' || line[3] == '\0')) {
            compare_one(path, sb_str(&chunk), chunk.len, first);
            sb_setlen(&chunk, 0);
            first = no;
        }
        sb_adds(&chunk, line);
    }
    compare_one(path, sb_str(&chunk), chunk.len, first);
    fclose(f);
    sb_release(&chunk);
}

static void walk(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[4096];
    struct stat st;

    if (!d)
        return;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            walk(path);
        else if (str_has_suffix(de->d_name, ".yaml") ||
                 str_has_suffix(de->d_name, ".yml"))
            compare_file(path);
    }
    closedir(d);
}

static void test_corpus(void **state)
{
    const char *top = getenv("TOP_SRCDIR");
    const char *corpus = getenv("FOURC_YAML_CORPUS");
    char path[4096];

    (void)state;
    if (corpus) {
        walk(corpus);
    } else {
        if (!top)
            top = ".";
        snprintf(path, sizeof(path), "%s/examples", top);
        walk(path);
        snprintf(path, sizeof(path), "%s/checks/rules", top);
        walk(path);
        snprintf(path, sizeof(path), "%s/tests", top);
        walk(path);
    }
    print_message("fast path took %zu documents, left %zu to libyaml\n",
                  fast_taken, fast_refused);
    assert_true(fast_taken > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_long_key),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
