/*
 * test_yamljson.c: YAML (1.1, as Kubernetes reads it) to jansson.
 *
 * Table-driven, one table per concern: scalar resolution, structures,
 * documents and their lines, item lines, errors. Every document the
 * callback receives is dumped and released, so an ASan run checks that
 * nothing leaks on any path (including errors and early stops).
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

#include "err.h"
#include "util.h"
#include "yamljson.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
#define MAX_DOCS 8

/* What the callback saw. */
struct seen {
    int ndocs;
    char *json[MAX_DOCS];
    long line[MAX_DOCS];
    char *items[MAX_DOCS]; /* dump of item_lines, NULL when it was NULL */
    int stop_after;        /* return non-zero after this many (0: never) */
};

static int collect(json_t *doc, long line, const json_t *item_lines, void *ctx)
{
    struct seen *s = ctx;

    assert_non_null(doc);
    if (s->ndocs < MAX_DOCS) {
        s->json[s->ndocs] = json_dumps(doc, DUMP_FLAGS);
        s->line[s->ndocs] = line;
        s->items[s->ndocs] =
            item_lines ? json_dumps(item_lines, DUMP_FLAGS) : NULL;
    }
    s->ndocs++;
    json_decref(doc);
    return s->stop_after && s->ndocs >= s->stop_after;
}

static void seen_release(struct seen *s)
{
    int i;

    for (i = 0; i < s->ndocs && i < MAX_DOCS; i++) {
        free(s->json[i]);
        free(s->items[i]);
    }
    memset(s, 0, sizeof(*s));
}

static int parse_str(const char *yaml, long first_line, struct seen *s,
                     struct err *e)
{
    memset(e, 0, sizeof(*e));
    return yj_parse(yaml, strlen(yaml), first_line, collect, s, e);
}

/* Parses yaml, expects exactly one document and returns its dump. */
static void expect_one(const char *yaml, const char *want)
{
    struct seen s;
    struct err e;
    int rc;

    memset(&s, 0, sizeof(s));
    rc = parse_str(yaml, 1, &s, &e);
    if (rc != 0)
        print_error("yaml %s: unexpected error: %s\n", yaml, e.msg);
    assert_int_equal(rc, 0);
    if (s.ndocs != 1)
        print_error("yaml %s: %d documents\n", yaml, s.ndocs);
    assert_int_equal(s.ndocs, 1);
    if (strcmp(s.json[0], want) != 0)
        print_error("yaml %s:\n  want %s\n  got  %s\n", yaml, want, s.json[0]);
    assert_string_equal(s.json[0], want);
    seen_release(&s);
}

/* ---- scalar resolution (go-yaml v2 / sigs.k8s.io/yaml rules) ---- */

static const struct {
    const char *value; /* text after "v: " */
    const char *want;  /* compact JSON of v */
} scalar_cases[] = {
    /* YAML 1.1 booleans */
    {"yes", "true"},
    {"Yes", "true"},
    {"YES", "true"},
    {"no", "false"},
    {"NO", "false"},
    {"on", "true"},
    {"On", "true"},
    {"off", "false"},
    {"OFF", "false"},
    {"y", "true"},
    {"Y", "true"},
    {"n", "false"},
    {"true", "true"},
    {"True", "true"},
    {"TRUE", "true"},
    {"false", "false"},
    {"False", "false"},
    {"FALSE", "false"},
    {"No", "false"},
    {"N", "false"},
    {"ON", "true"},
    {"Off", "false"},
    {"yEs", "\"yEs\""},
    {"tRue", "\"tRue\""},
    {"oN", "\"oN\""},
    {"nO", "\"nO\""},
    {"ye", "\"ye\""},
    {"yess", "\"yess\""},
    {"offf", "\"offf\""},
    {"Nul", "\"Nul\""},
    {"NUll", "\"NUll\""},
    {"nulls", "\"nulls\""},
    {"~~", "\"~~\""},
    /* integers */
    {"0644", "420"},
    {"0755", "493"},
    {"0o17", "15"},
    {"0x1F", "31"},
    {"0xff", "255"},
    {"-0x10", "-16"},
    {"0b101", "5"},
    {"1_000", "1000"},
    {"-5", "-5"},
    {"+7", "7"},
    {"0", "0"},
    {"-0", "0"},
    {"9223372036854775807", "9223372036854775807"},
    {"-9223372036854775807", "-9223372036854775807"},
    /* up to 18 decimal digits are read without strtoull */
    {"123456789012345678", "123456789012345678"},
    {"999999999999999999", "999999999999999999"},
    {"1234567890123456789", "1234567890123456789"},
    {"1_2_3", "123"},
    {"1__0", "10"},
    {"-_1", "-1"},
    {"+0", "0"},
    {"00", "0"},
    {"-00", "0"},
    {"007", "7"},
    {"0_1", "1"},
    {"0000000000000000001", "1"},
    /* beyond int64 (or not octal): a float, as in go-yaml v2 */
    {"9223372036854775808", "9.2233720368547758e18"},
    {"-9223372036854775808", "-9.2233720368547758e18"},
    {"08", "8.0"},
    {"00000000000000000009", "9.0"},
    /* floats */
    {"1.5", "1.5"},
    {"1e3", "1000.0"},
    {"-2.5e-1", "-0.25"},
    {"1_000.5", "1000.5"},
    {".5", "0.5"},
    {"-.5", "-0.5"},
    {"+.5e1", "5.0"},
    /* no JSON form: stay strings */
    {".inf", "\".inf\""},
    {"-.inf", "\"-.inf\""},
    {".nan", "\".nan\""},
    {".NaN", "\".NaN\""},
    /* nulls */
    {"~", "null"},
    {"null", "null"},
    {"Null", "null"},
    {"NULL", "null"},
    {"", "null"},
    /* quoted and tagged scalars are never resolved */
    {"\"yes\"", "\"yes\""},
    {"'yes'", "\"yes\""},
    {"'0644'", "\"0644\""},
    {"\"0644\"", "\"0644\""},
    {"\"null\"", "\"null\""},
    {"''", "\"\""},
    {"!!str 123", "\"123\""},
    {"!!str yes", "\"yes\""},
    {"!!str 0644", "\"0644\""},
    /* things that look numeric but are not */
    {"0x", "\"0x\""},
    {"0o", "\"0o\""},
    {"0o8", "\"0o8\""},
    {"0xZZ", "\"0xZZ\""},
    {"1.2.3", "\"1.2.3\""},
    {"12abc", "\"12abc\""},
    {"1e", "\"1e\""},
    {"1-2", "\"1-2\""},
    {"+", "\"+\""},
    {".", "\".\""},
    {"v1.2", "\"v1.2\""},
    {"_1", "\"_1\""},
    {"nginx:1.25", "\"nginx:1.25\""},
    {"hello world", "\"hello world\""},
    /* escapes and spacing */
    {"\"a\\tb\\nc\"", "\"a\\tb\\nc\""},
    {"'it''s'", "\"it's\""},
    {"  spaced  ", "\"spaced\""},
};

/* Each case through the fast path and through libyaml's. */
static void test_scalars(void **state)
{
    size_t i;
    int slow;

    (void)state;
    for (slow = 0; slow <= 1; slow++) {
        yj_slow_only = slow;
        for (i = 0; i < sizeof(scalar_cases) / sizeof(scalar_cases[0]); i++) {
            char yaml[128], want[128];
            snprintf(yaml, sizeof(yaml), "v: %s\n", scalar_cases[i].value);
            snprintf(want, sizeof(want), "{\"v\":%s}", scalar_cases[i].want);
            expect_one(yaml, want);
        }
    }
    yj_slow_only = 0;
}

/* yj_resolve_plain honours len (the text need not be NUL-terminated). */
static const struct {
    const char *s;
    size_t len;
    const char *want;
} plain_cases[] = {
    {"truex", 4, "true"},   {"0644xyz", 4, "420"}, {"10abc", 2, "10"},
    {"nullify", 4, "null"}, {"1.5e9", 3, "1.5"},   {"onion", 2, "true"},
    {"abc", 0, "null"},     {"-5", 2, "-5"},       {"~x", 1, "null"},
};

static void test_resolve_plain(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(plain_cases) / sizeof(plain_cases[0]); i++) {
        json_t *v = yj_resolve_plain(plain_cases[i].s, plain_cases[i].len);
        char *got;
        assert_non_null(v);
        got = json_dumps(v, DUMP_FLAGS);
        if (strcmp(got, plain_cases[i].want) != 0)
            print_error("plain %.*s: want %s got %s\n", (int)plain_cases[i].len,
                        plain_cases[i].s, plain_cases[i].want, got);
        assert_string_equal(got, plain_cases[i].want);
        free(got);
        json_decref(v);
    }
}

/* ---- structures ---- */

static const struct {
    const char *yaml;
    const char *want;
} struct_cases[] = {
    {"a:\n  b:\n    - 1\n    - x: why\n      z: [p, q]\n",
     "{\"a\":{\"b\":[1,{\"x\":\"why\",\"z\":[\"p\",\"q\"]}]}}"},
    {"- 1\n- two\n- - 3\n  - 4\n", "[1,\"two\",[3,4]]"},
    {"hello\n", "\"hello\""},
    {"42\n", "42"},
    {"a:\n- x\n- z\n", "{\"a\":[\"x\",\"z\"]}"},
    {"a:\n- x\n- y\n", "{\"a\":[\"x\",true]}"}, /* y is a bool */
    {"a: {}\nb: []\n", "{\"a\":{},\"b\":[]}"},
    /* block scalars */
    {"s: |\n  line1\n  line2\n", "{\"s\":\"line1\\nline2\\n\"}"},
    {"s: |-\n  line1\n  line2\n", "{\"s\":\"line1\\nline2\"}"},
    {"s: >\n  folded\n  text\n\n  para\n", "{\"s\":\"folded text\\npara\\n\"}"},
    {"s: >-\n  a\n  b\n", "{\"s\":\"a b\"}"},
    {"s: |\n  yes\n", "{\"s\":\"yes\\n\"}"},
    /* flow collections */
    {"{a: [1, two, {b: on}], c: [], d: {}}",
     "{\"a\":[1,\"two\",{\"b\":true}],\"c\":[],\"d\":{}}"},
    {"[a, [b, [c]], {k: 0644}]", "[\"a\",[\"b\",[\"c\"]],{\"k\":420}]"},
    {"k: [\"yes\", yes, 'no', no]", "{\"k\":[\"yes\",true,\"no\",false]}"},
    /* line-level details a line-oriented reader could get wrong */
    {"a: b # comment\n", "{\"a\":\"b\"}"},
    {"a: b#c\n", "{\"a\":\"b#c\"}"},
    {"a: #c\n", "{\"a\":null}"},
    {"a: 'x # y'\n", "{\"a\":\"x # y\"}"},
    {"a: \"x # y\" # z\n", "{\"a\":\"x # y\"}"},
    {"url: http://x:80/p?q=1\n", "{\"url\":\"http://x:80/p?q=1\"}"},
    {"a:b: c\n", "{\"a:b\":\"c\"}"},
    {"key with spaces: v\n", "{\"key with spaces\":\"v\"}"},
    {"a:    spaced value   \n", "{\"a\":\"spaced value\"}"},
    {"a:\n", "{\"a\":null}"},
    {"a: [ ]\nb: { }\n", "{\"a\":[],\"b\":{}}"},
    {"k: first\n  second\n", "{\"k\":\"first second\"}"},
    {"k: 'multi\n  line'\n", "{\"k\":\"multi line\"}"},
    {"k: \"a\\u00e9\\x41\"\n", "{\"k\":\"a\xc3\xa9"
                               "A\"}"},
    {"k: caf\xc3\xa9\n", "{\"k\":\"caf\xc3\xa9\"}"},
    {"a: 1\r\nb: x\r\n", "{\"a\":1,\"b\":\"x\"}"},
    {"k: |2\n    indented\n", "{\"k\":\"  indented\\n\"}"},
    {"k: |+\n  a\n\nj: 1\n", "{\"j\":1,\"k\":\"a\\n\\n\"}"},
    {"k: |\n  a\n   b\n  c\nj: 1\n", "{\"j\":1,\"k\":\"a\\n b\\nc\\n\"}"},
    {"k: |\n  a\n\n  b\n", "{\"k\":\"a\\n\\nb\\n\"}"},
    {"k: >\n  a\n   b\n  c\n", "{\"k\":\"a\\n b\\nc\\n\"}"},
    {"k: >\n", "{\"k\":\"\"}"},
    {"k: |\n  # not a comment\n", "{\"k\":\"# not a comment\\n\"}"},
    {"a:\n    b: 1\n    c:\n    - x\n    - 2\n",
     "{\"a\":{\"b\":1,\"c\":[\"x\",2]}}"},
    {"a:\n  # note\n  b: 1\n# top\nc: 2\n", "{\"a\":{\"b\":1},\"c\":2}"},
    {"- a: 1\n  b: [x]\n-   c: 2\n    d: 3\n",
     "[{\"a\":1,\"b\":[\"x\"]},{\"c\":2,\"d\":3}]"},
    {"? a\n: b\n", "{\"a\":\"b\"}"},
    {"a: 1\n...\n", "{\"a\":1}"},
    {"- 'yes'\n- \"on\"\n- on\n", "[\"yes\",\"on\",true]"},
    {"mode: 0600\nport: \"8080\"\n", "{\"mode\":384,\"port\":\"8080\"}"},
    /* keys are their raw text, never resolved */
    {"1: a\ntrue: b\nnull: c\n0644: d\n",
     "{\"0644\":\"d\",\"1\":\"a\",\"null\":\"c\",\"true\":\"b\"}"},
    {"\"quoted key\": 1\n'x.y/z': 2\n", "{\"quoted key\":1,\"x.y/z\":2}"},
    /* anchors and aliases */
    {"base: &b {x: 1, y: [2]}\nuse: *b\n",
     "{\"base\":{\"x\":1,\"y\":[2]},\"use\":{\"x\":1,\"y\":[2]}}"},
    {"a: &v 0644\nb: *v\n", "{\"a\":420,\"b\":420}"},
    {"a: &s 'yes'\nb: *s\n", "{\"a\":\"yes\",\"b\":\"yes\"}"},
    {"l: &l [1, 2]\nm: [*l, *l]\n", "{\"l\":[1,2],\"m\":[[1,2],[1,2]]}"},
    /* a redefined anchor shadows the earlier one */
    {"a: &x 1\nb: &x 2\nc: *x\n", "{\"a\":1,\"b\":2,\"c\":2}"},
    /* merge keys in document order, as go-yaml v2 decodes them: a key
     * after the merge overrides it, a merge overrides the keys before it */
    {"base: &b\n  x: 1\n  y: 2\nd:\n  <<: *b\n  y: 3\n",
     "{\"base\":{\"x\":1,\"y\":2},\"d\":{\"x\":1,\"y\":3}}"},
    {"base: &b {x: 1, y: 2}\nd:\n  y: 3\n  <<: *b\n",
     "{\"base\":{\"x\":1,\"y\":2},\"d\":{\"x\":1,\"y\":2}}"},
    {"privileged: false\n<<: {privileged: true}\n", "{\"privileged\":true}"},
    {"sc:\n  privileged: false\n  <<:\n    privileged: true\n",
     "{\"sc\":{\"privileged\":true}}"},
    {"<<: {a: 1}\na: 2\n<<: {a: 3}\n", "{\"a\":3}"},
    {"a: 0\n<<: [{a: 1}, {a: 2, b: 2}]\n", "{\"a\":1,\"b\":2}"},
    {"<<: {<<: {a: 1, b: 1}, a: 2}\n", "{\"a\":2,\"b\":1}"},
    {"<<: [{a: 1}]\nb: 2\n", "{\"a\":1,\"b\":2}"},
    /* !!merge is the merge key too; a quoted or !!str "<<" is not */
    {"a: false\n!!merge <<: {a: true}\n", "{\"a\":true}"},
    {"a: false\n!!merge \"<<\": {a: true}\n", "{\"a\":true}"},
    {"\"<<\": {a: 1}\n", "{\"<<\":{\"a\":1}}"},
    {"!!str <<: {a: 1}\n", "{\"<<\":{\"a\":1}}"},
    {"a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n",
     "{\"a\":{\"x\":1},\"b\":{\"x\":2,\"y\":2},\"c\":{\"x\":1,\"y\":2,\"z\":3}"
     "}"},
    {"d:\n  <<: {x: 1}\n  x: 5\n", "{\"d\":{\"x\":5}}"},
};

static void test_structures(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(struct_cases) / sizeof(struct_cases[0]); i++)
        expect_one(struct_cases[i].yaml, struct_cases[i].want);
}

/* An alias shares the anchored value instead of copying it. */
static int keep_doc(json_t *doc, long line, const json_t *item_lines, void *ctx)
{
    json_t **out = ctx;

    (void)line;
    (void)item_lines;
    json_decref(*out);
    *out = doc;
    return 0;
}

static void test_alias_same_object(void **state)
{
    static const char yaml[] = "base: &b {x: 1}\nuse: *b\nl: [*b]\n";
    struct err e;
    json_t *doc = NULL;

    (void)state;
    memset(&e, 0, sizeof(e));
    assert_int_equal(yj_parse(yaml, strlen(yaml), 1, keep_doc, &doc, &e), 0);
    assert_non_null(doc);
    assert_ptr_equal(json_object_get(doc, "base"), json_object_get(doc, "use"));
    assert_ptr_equal(json_object_get(doc, "base"),
                     json_array_get(json_object_get(doc, "l"), 0));
    json_decref(doc);
}

/* ---- documents and their lines ---- */

static const struct {
    const char *yaml;
    long first_line;
    int ndocs;
    long lines[4];
    const char *json[4];
} doc_cases[] = {
    {"a: 1\n---\nb: 2\n", 1, 2, {1, 3}, {"{\"a\":1}", "{\"b\":2}"}},
    {"a: 1\n---\nb: 2\n", 10, 2, {10, 12}, {"{\"a\":1}", "{\"b\":2}"}},
    {"---\na: 1\n---\n\n\nb: 2\n", 1, 2, {2, 6}, {"{\"a\":1}", "{\"b\":2}"}},
    /* empty and null documents are not reported */
    {"---\n---\na: 1\n...\n---\n# c\n", 1, 1, {3}, {"{\"a\":1}"}},
    {"--- ~\n---\n[]\n---\nnull\n", 1, 1, {3}, {"[]"}},
    {"# leading comment\n\nkind: Pod\n", 1, 1, {3}, {"{\"kind\":\"Pod\"}"}},
    {"# leading comment\n\nkind: Pod\n", 100, 1, {102}, {"{\"kind\":\"Pod\"}"}},
    {"- a\n---\n- b\n---\nx\n",
     5,
     3,
     {5, 7, 9},
     {"[\"a\"]", "[\"b\"]", "\"x\""}},
    /* anchors do not leak across documents' values */
    {"a: &x 1\n---\na: &x 2\nb: *x\n",
     1,
     2,
     {1, 3},
     {"{\"a\":1}", "{\"a\":2,\"b\":2}"}},
    /* the root line is where the root node starts, not the "---" */
    {"---\n\n  k: v\n", 1, 1, {3}, {"{\"k\":\"v\"}"}},
};

static void test_documents(void **state)
{
    size_t i;
    int d;

    (void)state;
    for (i = 0; i < sizeof(doc_cases) / sizeof(doc_cases[0]); i++) {
        struct seen s;
        struct err e;
        int rc;
        memset(&s, 0, sizeof(s));
        rc = parse_str(doc_cases[i].yaml, doc_cases[i].first_line, &s, &e);
        if (rc != 0)
            print_error("case %zu: %s\n", i, e.msg);
        assert_int_equal(rc, 0);
        if (s.ndocs != doc_cases[i].ndocs)
            print_error("case %zu: %d documents\n", i, s.ndocs);
        assert_int_equal(s.ndocs, doc_cases[i].ndocs);
        for (d = 0; d < s.ndocs; d++) {
            if (s.line[d] != doc_cases[i].lines[d])
                print_error("case %zu doc %d: line %ld, want %ld\n", i, d,
                            s.line[d], doc_cases[i].lines[d]);
            assert_int_equal(s.line[d], doc_cases[i].lines[d]);
            assert_string_equal(s.json[d], doc_cases[i].json[d]);
        }
        seen_release(&s);
    }
}

/* Input with no document at all: success, no callback. */
static const char *const empty_cases[] = {
    "",
    "\n\n\n",
    "# only a comment\n",
    "# one\n   # two\n\n# three",
    "---\n",
    "---\n...\n",
    "--- \n---\n---\n",
    "~\n",
    "null\n---\n# nothing\n",
};

static void test_empty_input(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(empty_cases) / sizeof(empty_cases[0]); i++) {
        struct seen s;
        struct err e;
        memset(&s, 0, sizeof(s));
        assert_int_equal(parse_str(empty_cases[i], 1, &s, &e), 0);
        assert_int_equal(s.ndocs, 0);
        seen_release(&s);
    }
    /* NULL buffer of length 0 too */
    {
        struct seen s;
        struct err e;
        memset(&s, 0, sizeof(s));
        memset(&e, 0, sizeof(e));
        assert_int_equal(yj_parse("", 0, 1, collect, &s, &e), 0);
        assert_int_equal(s.ndocs, 0);
    }
}

/* A callback returning non-zero stops the parse (no leak of the rest). */
static void test_callback_stops(void **state)
{
    static const char yaml[] = "a: 1\n---\nb: 2\n---\nc: 3\n";
    int stop;

    (void)state;
    for (stop = 1; stop <= 3; stop++) {
        struct seen s;
        struct err e;
        memset(&s, 0, sizeof(s));
        s.stop_after = stop;
        assert_int_equal(parse_str(yaml, 1, &s, &e), 0);
        assert_int_equal(s.ndocs, stop);
        seen_release(&s);
    }
    /* stopping before a syntax error means the error is never seen */
    {
        struct seen s;
        struct err e;
        memset(&s, 0, sizeof(s));
        s.stop_after = 1;
        assert_int_equal(parse_str("a: 1\n---\nb: [\n", 1, &s, &e), 0);
        assert_int_equal(s.ndocs, 1);
        seen_release(&s);
    }
}

/* Documents before an error have been reported; the error names its line. */
static void test_error_after_document(void **state)
{
    struct seen s;
    struct err e;

    (void)state;
    memset(&s, 0, sizeof(s));
    assert_int_equal(parse_str("a: 1\n---\nb: 1\nb: 2\n", 1, &s, &e), -1);
    assert_int_equal(s.ndocs, 1);
    assert_string_equal(s.json[0], "{\"a\":1}");
    assert_non_null(strstr(e.msg, "duplicate key"));
    assert_int_equal(strncmp(e.msg, "4:", 2), 0);
    seen_release(&s);
}

/* ---- item lines ---- */

static const struct {
    const char *yaml;
    long first_line;
    const char *items[3]; /* per document; NULL: item_lines was NULL */
    int ndocs;
} item_cases[] = {
    /* root sequence */
    {"- a: 1\n  b: 2\n- c\n- [1, 2]\n-\n  x: y\n", 1, {"[1,3,4,6]"}, 1},
    {"# rules\n- id: r1\n\n- id: r2\n", 1, {"[2,4]"}, 1},
    {"- a\n- b\n", 10, {"[10,11]"}, 1},
    {"[a, b]\n", 1, {"[1,1]"}, 1},
    {"[]\n", 1, {"[]"}, 1},
    /* root mapping with an "items" sequence */
    {"apiVersion: v1\nkind: List\nitems:\n- kind: A\n  x: 1\n\n- kind: B\n",
     1,
     {"[4,7]"},
     1},
    {"items:\n  - a\n  - b\n", 1, {"[2,3]"}, 1},
    {"kind: List\nitems:\n- a\n- b\n", 20, {"[22,23]"}, 1},
    {"items: [x, {k: v}]\nkind: List\n", 1, {"[1,1]"}, 1},
    /* no item lines */
    {"kind: Pod\nspec: {}\n", 1, {NULL}, 1},
    {"items: {a: 1}\n", 1, {NULL}, 1},
    {"spec:\n  items:\n  - a\n", 1, {NULL}, 1},
    {"x\n", 1, {NULL}, 1},
    /* nested sequences inside items do not add lines */
    {"- - a\n  - b\n- c\n", 1, {"[1,3]"}, 1},
    /* per document */
    {"- a\n---\n- b\n- c\n---\nk: v\n", 1, {"[1]", "[3,4]", NULL}, 3},
};

static void test_item_lines(void **state)
{
    size_t i;
    int d;

    (void)state;
    for (i = 0; i < sizeof(item_cases) / sizeof(item_cases[0]); i++) {
        struct seen s;
        struct err e;
        int rc;
        memset(&s, 0, sizeof(s));
        rc = parse_str(item_cases[i].yaml, item_cases[i].first_line, &s, &e);
        if (rc != 0)
            print_error("case %zu: %s\n", i, e.msg);
        assert_int_equal(rc, 0);
        assert_int_equal(s.ndocs, item_cases[i].ndocs);
        for (d = 0; d < s.ndocs; d++) {
            const char *want = item_cases[i].items[d];
            if (!want) {
                if (s.items[d])
                    print_error("case %zu doc %d: item_lines %s, want NULL\n",
                                i, d, s.items[d]);
                assert_null(s.items[d]);
            } else {
                if (!s.items[d] || strcmp(s.items[d], want) != 0)
                    print_error("case %zu doc %d: item_lines %s, want %s\n", i,
                                d, s.items[d] ? s.items[d] : "NULL", want);
                assert_non_null(s.items[d]);
                assert_string_equal(s.items[d], want);
            }
        }
        seen_release(&s);
    }
}

/* ---- errors ---- */

#define LOL9                                                                   \
    "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\","  \
    "\"lol\"]\n"                                                               \
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"                                     \
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"                                     \
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"                                     \
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"                                     \
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"                                     \
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"                                     \
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"                                     \
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"

static const struct {
    const char *yaml;
    long first_line;
    const char *prefix; /* the message starts with this ("LINE:" / "L:C:") */
    const char *sub;    /* and contains this */
} error_cases[] = {
    /* duplicate keys: line of the second occurrence */
    {"a: 1\nb: 2\na: 3\n", 1, "3:", "duplicate key \"a\""},
    {"a: 1\na: 2\n", 10, "11:", "duplicate key \"a\""},
    {"m:\n  k: 1\n  k: 2\n", 1, "3:", "duplicate key \"k\""},
    {"{a: 1, a: 2}\n", 1, "1:", "duplicate key \"a\""},
    {"- x: 1\n  y: 2\n  x: 3\n", 1, "3:", "duplicate key \"x\""},
    /* an explicit key may override a merged one once, not twice */
    {"b: &b {x: 1}\nd:\n  <<: *b\n  x: 2\n  x: 3\n", 1,
     "5:", "duplicate key \"x\""},
    /* "1" and 1 are the same key once keys are text */
    {"1: a\n\"1\": b\n", 1, "2:", "duplicate key \"1\""},
    /* alias bomb */
    {LOL9, 1, "", "alias *"},
    {LOL9, 1, "", "alias bomb"},
    /* aliases and anchors */
    {"a: *nope\n", 1, "1:4:", "alias *nope has no anchor"},
    {"a: 1\nb: [1, *x]\n", 5, "6:8:", "alias *x has no anchor"},
    {"a: &x [1, *x]\n", 1, "1:", "alias *x has no anchor"},
    {"a:\n  <<: 5\n", 1, "2:", "merge key"},
    {"a:\n  <<: [1, 2]\n", 1, "2:", "merge key"},
    {"a:\n  <<: [[{b: 1}]]\n", 1, "2:", "merge key"},
    {"a:\n  <<: [{b: 1}, 2]\n", 1, "2:", "element 2 is not a mapping"},
    {"a:\n  <<: ~\n", 1, "2:", "merge key"},
    {"a:\n  <<:\nb: 1\n", 1, "2:", "merge key"},
    {"s: &s x\na:\n  <<: *s\n", 1, "3:", "merge key"},
    {"!!merge x: 1\n", 1, "1:", "!!merge tags only the merge key"},
    /* a key set explicitly twice stays a duplicate, merge or not */
    {"a: 1\n<<: {a: 2}\na: 3\n", 1, "3:", "duplicate key \"a\""},
    /* tabs for indentation */
    {"a:\n\tb: 1\n", 1, "2:1:", "cannot start any token"},
    {"a:\n  b: 1\n\tc: 2\n", 1, "3:1:", "tab character"},
    /* unclosed quotes */
    {"a: \"abc\nb: 1\n", 1, "", "quoted scalar"},
    {"a: 'abc\n", 1, "", "quoted scalar"},
    /* other syntax errors carry line:col */
    {"a: [1, 2\n", 1, "1:4:", "flow sequence that started here"},
    {"a: b: c\n", 1, "1:5:", "mapping values are not allowed"},
    {"a: 1\n b: 2\n", 7, "8:", "mapping values are not allowed"},
    {"- a\nb: 1\n", 1, "2:1:", "block"},
    {"a: - b\n", 1, "1:4:", "block sequence entries are not allowed"},
    {"a: \"x\" y\n", 1, "1:", "did not find expected key"},
    {"a:\n  b: 1\n c: 2\n", 1, "3:", "did not find expected key"},
    /* invalid UTF-8 */
    {"a: \xff\n", 1, "", "UTF-8"},
    {"a: \xc3\x28\n", 1, "", "UTF-8"},
    {"k: \xe2\x82\n", 1, "", "UTF-8"},
    /* non-string keys */
    {"? [a, b]\n: c\n", 1, "1:3:", "complex mapping keys"},
    {"? {a: 1}\n: c\n", 1, "1:3:", "complex mapping keys"},
    {"{[a]: b}\n", 1, "1:2:", "complex mapping keys"},
    {"m: &m {x: 1}\n*m : v\n", 1, "2:", "mapping keys must be strings"},
    /* a value its tag does not fit: the key and the tag, never the value
     * (every message is checked for "Hunter2" below) */
    {"password: !!int Hunter2x\n", 1, "1:",
     "the value of \"password\" (8 bytes, not shown) is not a valid !!int"},
    {"- !!bool Hunter2x\n", 1,
     "1:", "a value (8 bytes, not shown) is not a valid !!bool"},
};

static void test_errors(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        struct seen s;
        struct err e;
        int rc;
        memset(&s, 0, sizeof(s));
        rc = parse_str(error_cases[i].yaml, error_cases[i].first_line, &s, &e);
        if (rc != -1 ||
            strncmp(e.msg, error_cases[i].prefix,
                    strlen(error_cases[i].prefix)) != 0 ||
            !strstr(e.msg, error_cases[i].sub))
            print_error("case %zu (%s): rc %d, message \"%s\"; want "
                        "prefix \"%s\" and \"%s\"\n",
                        i, error_cases[i].yaml, rc, e.msg,
                        error_cases[i].prefix, error_cases[i].sub);
        assert_int_equal(rc, -1);
        assert_int_equal(strncmp(e.msg, error_cases[i].prefix,
                                 strlen(error_cases[i].prefix)),
                         0);
        assert_non_null(strstr(e.msg, error_cases[i].sub));
        assert_null(strstr(e.msg, "Hunter2"));
        assert_int_equal(s.ndocs, 0);
        seen_release(&s);
    }
}

/*
 * The location of a byte that is not UTF-8, and the documents before it.
 * BUG (see report): libyaml reports reader (encoding) errors through
 * parser.problem_offset and leaves parser.problem_mark at 0:0, but yj_parse
 * always formats problem_mark, so every invalid UTF-8 byte is reported at
 * "FIRST_LINE:1" whatever line it is on. And because libyaml decodes the
 * whole input buffer ahead of parsing, a document before the bad byte is
 * never reported, contrary to yamljson.h ("documents before the error
 * have been reported already").
 */
static void test_utf8_error_line(void **state)
{
    static const struct {
        const char *yaml;
        const char *prefix;
        int ndocs;
    } cases[] = {
        {"a: 1\nb: 2\nc: \xff\n", "3:4:", 0},
        /* libyaml decodes the whole buffer before the first event, so
         * the document before a bad byte is not reported (see
         * yamljson.h); the line must still be right. */
        {"a: 1\n---\nb: \xff\n", "3:4:", 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct seen s;
        struct err e;
        int rc, ndocs;
        memset(&s, 0, sizeof(s));
        rc = parse_str(cases[i].yaml, 1, &s, &e);
        ndocs = s.ndocs;
        seen_release(&s);
        assert_int_equal(rc, -1);
        assert_non_null(strstr(e.msg, "UTF-8"));
        if (strncmp(e.msg, cases[i].prefix, strlen(cases[i].prefix)) != 0 ||
            ndocs != cases[i].ndocs)
            print_error("case %zu: \"%s\" after %d documents; want "
                        "\"%s...\" after %d\n",
                        i, e.msg, ndocs, cases[i].prefix, cases[i].ndocs);
        assert_int_equal(
            strncmp(e.msg, cases[i].prefix, strlen(cases[i].prefix)), 0);
        assert_int_equal(ndocs, cases[i].ndocs);
    }
}

/* Nesting: YJ_MAX_DEPTH levels are fine, one more is an error. */
static char *nested(unsigned levels, int flow_map)
{
    struct strbuf sb = STRBUF_INIT;
    unsigned i;

    for (i = 0; i < levels; i++)
        sb_adds(&sb, flow_map ? "{k: " : "[");
    sb_adds(&sb, "x");
    for (i = 0; i < levels; i++)
        sb_adds(&sb, flow_map ? "}" : "]");
    sb_adds(&sb, "\n");
    return sb_detach(&sb);
}

static void test_depth_limit(void **state)
{
    static const struct {
        unsigned levels;
        int flow_map;
        int rc;
    } cases[] = {
        {YJ_MAX_DEPTH, 0, 0},      {YJ_MAX_DEPTH + 1, 0, -1},
        {YJ_MAX_DEPTH, 1, 0},      {YJ_MAX_DEPTH + 1, 1, -1},
        {YJ_MAX_DEPTH * 5, 0, -1}, {50, 0, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *yaml = nested(cases[i].levels, cases[i].flow_map);
        struct seen s;
        struct err e;
        int rc;
        memset(&s, 0, sizeof(s));
        rc = parse_str(yaml, 1, &s, &e);
        if (rc != cases[i].rc)
            print_error("depth %u: rc %d (%s)\n", cases[i].levels, rc, e.msg);
        assert_int_equal(rc, cases[i].rc);
        if (rc == 0) {
            assert_int_equal(s.ndocs, 1);
        } else {
            assert_int_equal(s.ndocs, 0);
            assert_non_null(strstr(e.msg, "nesting deeper than 200"));
            assert_int_equal(strncmp(e.msg, "1:", 2), 0);
        }
        seen_release(&s);
        free(yaml);
    }
    /* block style, each level on its own line: the line is the 201st */
    {
        struct strbuf sb = STRBUF_INIT;
        unsigned lv;
        struct seen s;
        struct err e;
        char want[32];
        for (lv = 0; lv <= YJ_MAX_DEPTH; lv++) {
            unsigned j;
            for (j = 0; j < lv; j++)
                sb_adds(&sb, " ");
            sb_adds(&sb, "k:\n");
        }
        memset(&s, 0, sizeof(s));
        assert_int_equal(parse_str(sb_str(&sb), 1, &s, &e), -1);
        assert_non_null(strstr(e.msg, "nesting deeper"));
        snprintf(want, sizeof(want), "%u:", YJ_MAX_DEPTH + 1);
        assert_int_equal(strncmp(e.msg, want, strlen(want)), 0);
        sb_release(&sb);
    }
}

/*
 * Scalars longer than YJ_MAX_SCALAR are refused.
 * BUG (see report): the fast path (src/yamlfast.c) takes plain scalars of
 * any length, so through yj_parse a 16 MiB + 1 scalar is accepted; only
 * with yj_slow_only set is it refused.
 */
static void test_scalar_limit(void **state)
{
    size_t sizes[] = {YJ_MAX_SCALAR, YJ_MAX_SCALAR + 1};
    size_t i;

    (void)state;
    for (i = 0; i < 2; i++) {
        size_t n = 3 + sizes[i] + 1;
        char *buf = xmalloc(n);
        struct seen s;
        struct err e;
        int rc, ndocs;
        memcpy(buf, "v: ", 3);
        memset(buf + 3, 'a', sizes[i]);
        buf[n - 1] = '\n';
        memset(&s, 0, sizeof(s));
        memset(&e, 0, sizeof(e));
        rc = yj_parse(buf, n, 1, collect, &s, &e);
        ndocs = s.ndocs;
        /* release before asserting: a failure must not look like a leak */
        seen_release(&s);
        free(buf);
        if (i == 0) {
            assert_int_equal(rc, 0);
            assert_int_equal(ndocs, 1);
        } else {
            if (rc != -1)
                print_error("a %zu-byte scalar was accepted\n", sizes[i]);
            assert_int_equal(rc, -1);
            assert_int_equal(ndocs, 0);
            assert_non_null(strstr(e.msg, "16 MiB"));
            assert_int_equal(strncmp(e.msg, "1:4:", 4), 0);
        }
    }
}

/* A mapping with many aliases to a big anchor is caught by the node count
 * even when no single alias is large. */
/* "a: &a [0 x anchor]\nb: [*a x aliases]\nc: [0 x plain]\n" */
static void alias_doc(struct strbuf *sb, unsigned anchor, unsigned aliases,
                      unsigned plain)
{
    unsigned i;

    sb_adds(sb, "a: &a [");
    for (i = 0; i < anchor; i++)
        sb_adds(sb, i ? ",0" : "0");
    sb_adds(sb, "]\nc: [");
    for (i = 0; i < plain; i++)
        sb_adds(sb, i ? ",0" : "0");
    sb_adds(sb, "]\nb: [");
    for (i = 0; i < aliases; i++)
        sb_adds(sb, i ? ",*a" : "*a");
    sb_adds(sb, "]\n");
}

static void test_alias_node_budget(void **state)
{
    static const struct {
        unsigned anchor, aliases, plain;
        const char *err; /* NULL: accepted */
    } cases[] = {
        /* go-yaml v2's share of nodes from aliases: 99% up to 400k */
        {1000, 50, 0, NULL},                       /* 98% */
        {1000, 300, 0, "than go-yaml (kubectl)"},  /* 99.7% */
        {1000, 2100, 0, "than go-yaml (kubectl)"}, /* 2.1M, all aliases */
        {1000, 350, 3000, NULL},                   /* 98.9% */
        /* within the share, over the node cap */
        {1000, 900, 1200000, "beyond 2000000 nodes"},
    };
    struct strbuf sb = STRBUF_INIT;
    struct seen s;
    struct err e;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        alias_doc(&sb, cases[i].anchor, cases[i].aliases, cases[i].plain);
        memset(&s, 0, sizeof(s));
        if (!cases[i].err) {
            if (parse_str(sb_str(&sb), 1, &s, &e) != 0)
                fail_msg("case %zu: %s", i, e.msg);
            assert_int_equal(s.ndocs, 1);
        } else {
            assert_int_equal(parse_str(sb_str(&sb), 1, &s, &e), -1);
            if (!strstr(e.msg, cases[i].err) || !strstr(e.msg, "alias *a"))
                fail_msg("case %zu: %s", i, e.msg);
            assert_int_equal(s.ndocs, 0);
        }
        seen_release(&s);
        sb_release(&sb);
    }
}

/* Few nodes, much text: the budget counts expanded bytes too. */
static void test_alias_byte_budget(void **state)
{
    struct strbuf sb = STRBUF_INIT;
    struct seen s;
    struct err e;
    unsigned i, n;

    (void)state;
    for (n = 60; n <= 70; n += 10) {
        /* a 1 MiB scalar, then n aliases of it */
        sb_adds(&sb, "a: &a ");
        for (i = 0; i < (1u << 20) / 16; i++)
            sb_adds(&sb, "xxxxxxxxxxxxxxxx");
        sb_adds(&sb, "\nb: [");
        for (i = 0; i < n; i++)
            sb_adds(&sb, i ? ",*a" : "*a");
        sb_adds(&sb, "]\n");
        memset(&s, 0, sizeof(s));
        if (n == 60) {
            assert_int_equal(parse_str(sb_str(&sb), 1, &s, &e), 0);
            assert_int_equal(s.ndocs, 1);
        } else {
            assert_int_equal(parse_str(sb_str(&sb), 1, &s, &e), -1);
            assert_non_null(strstr(e.msg, "alias *a"));
            assert_non_null(strstr(e.msg, "64 MiB"));
            assert_int_equal(s.ndocs, 0);
        }
        seen_release(&s);
        sb_release(&sb);
    }
}

/* Every table runs twice: through yj_parse as shipped (fast path first)
 * and with the fast path disabled, so libyaml's path is covered too. */
static int use_fast_path(void **state)
{
    (void)state;
    yj_slow_only = 0;
    return 0;
}

static int use_libyaml_only(void **state)
{
    (void)state;
    yj_slow_only = 1;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_resolve_plain),
        cmocka_unit_test(test_structures),
        cmocka_unit_test(test_alias_same_object),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_error_after_document),
        cmocka_unit_test(test_item_lines),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_utf8_error_line),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_scalar_limit),
        cmocka_unit_test(test_alias_node_budget),
        cmocka_unit_test(test_alias_byte_budget),
    };
    int failed = 0;

    failed += cmocka_run_group_tests_name("yamljson (fast path first)", tests,
                                          use_fast_path, use_fast_path);
    failed += cmocka_run_group_tests_name("yamljson (libyaml only)", tests,
                                          use_libyaml_only, use_fast_path);
    return failed;
}
