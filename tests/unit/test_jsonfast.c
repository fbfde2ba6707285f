/*
 * test_jsonfast.c: the fast JSON reader against jansson's json_loadb.
 *
 * Valid text must give the tree jansson gives (json_equal, which also
 * tells integers from reals); invalid text must be refused by both. The
 * documented differences (duplicate keys, int64 overflow, the depth,
 * node and string limits) have their own cases. A few thousand mutated
 * inputs from a fixed seed extend the tables; tests/fuzz/fuzz_json.c does
 * the same without end.
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
#include "jsonfast.h"
#include "util.h"

#define LOAD_FLAGS (JSON_DECODE_ANY | JSON_REJECT_DUPLICATES)

/* Both parsers on s; fails the test when they disagree. Returns 1 when
 * both accepted. */
static int same_as_jansson(const char *s, size_t len)
{
    json_error_t je;
    struct err e;
    json_t *ref = json_loadb(s, len, LOAD_FLAGS, &je);
    json_t *got = jf_loadb(s, len, &e);
    int ok;

    if (!ref && got && strstr(je.text, "too big")) {
        /* documented: out of int64 is a real here */
        json_decref(got);
        return 0;
    }
    if (ref && !got &&
        (strstr(e.msg, "nesting deeper") || memchr(s, '\0', len))) {
        json_decref(ref);
        return 0;
    }
    if (!ref != !got)
        print_error("disagree on [%.*s]: jansson %s, jsonfast %s\n", (int)len,
                    s, ref ? "accepts" : je.text, got ? "accepts" : e.msg);
    assert_int_equal(!ref, !got);
    ok = ref != NULL;
    if (ref) {
        if (!json_equal(ref, got))
            print_error("different trees for [%.*s]\n", (int)len, s);
        assert_true(json_equal(ref, got));
    }
    json_decref(ref);
    json_decref(got);
    return ok;
}

static const char *const valid[] = {
    "{}",
    "[]",
    " \t\r\n{ } ",
    "0",
    "-0",
    "1",
    "-1",
    "123456789012345678",
    "9223372036854775807",
    "-9223372036854775808",
    "1.5",
    "-0.0",
    "1e3",
    "1E+3",
    "1e-3",
    "2.5e-400",
    "0.1234567890123456789012345678901234567890123456789012345678901234567",
    "true",
    "false",
    "null",
    "\"\"",
    "\"plain\"",
    "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
    "\"\\u0041\\u00e9\\u20AC\\uffff\"",
    "\"\\ud83d\\ude00 pair\"",
    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x7f\"",
    "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
    "[1,2,3]",
    "{\"k\\\"ey\":\"v\\\\al\",\"k2\":\"\\u00e9\"}",
    "{\"a\":{\"b\":{\"c\":{\"d\":[[[[[]]]]]}}}}",
    "[{\"apiVersion\":\"v1\",\"kind\":\"Pod\"},{\"kind\":\"List\",\"items\":"
    "[]}]",
    "{\"\":\"\"}",
    "[1.0, 2.50, -3e0, 4E-0]",
};

static const char *const invalid[] = {
    "",
    "   ",
    "{",
    "[",
    "}",
    "]",
    "{\"a\"}",
    "{\"a\":}",
    "{\"a\":1,}",
    "[1,]",
    "[,1]",
    "{a:1}",
    "{'a':1}",
    "[1 2]",
    "01",
    "-",
    "1.",
    ".5",
    "1e",
    "1e+",
    "+1",
    "0x10",
    "1e400",
    "-1e400",
    "tru",
    "truex",
    "nul",
    "NaN",
    "Infinity",
    "\"unterminated",
    "\"ctl \x01 char\"",
    "\"tab\tin string\"",
    "\"bad \\x escape\"",
    "\"short \\u12\"",
    "\"lone \\ud800\"",
    "\"lone \\udc00\"",
    "\"high then bad \\ud800\\u0041\"",
    "\"nul \\u0000\"",
    "\"bad utf8 \xff\"",
    "\"overlong \xc0\xaf\"",
    "\"surrogate in utf8 \xed\xa0\x80\"",
    "\"truncated \xe2\x82\"",
    "\"past max \xf4\x90\x80\x80\"",
    "{\"a\":1,\"a\":2}",
    "{\"a\":1,\"\\u0061\":2}",
    "[1]x",
    "{} []",
    "[\"a\" \"b\"]",
    "[1,2",
    "{\"a\":1",
};

static void test_valid_same_tree(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
        assert_int_equal(same_as_jansson(valid[i], strlen(valid[i])), 1);
}

static void test_invalid_both_refuse(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        struct err e;
        json_t *v = jf_loadb(invalid[i], strlen(invalid[i]), &e);
        if (v)
            print_error("accepted [%s]\n", invalid[i]);
        assert_null(v);
        /* one line, "LINE:COL: ..." */
        assert_null(strchr(e.msg, '\n'));
        assert_true(e.msg[0] >= '1' && e.msg[0] <= '9');
        assert_int_equal(same_as_jansson(invalid[i], strlen(invalid[i])), 0);
    }
}

/* The documented differences, one by one. */
static void test_differences(void **state)
{
    struct err e;
    json_t *v;
    char deep[2 * YJ_MAX_DEPTH + 8];
    size_t i;

    (void)state;
    /* jansson refuses, the YAML path would give a real */
    v = jf_loadb("[9223372036854775808, -9223372036854775809]", 43, &e);
    assert_non_null(v);
    assert_true(json_is_real(json_array_get(v, 0)));
    assert_true(json_real_value(json_array_get(v, 0)) > 9.2e18);
    assert_true(json_is_real(json_array_get(v, 1)));
    json_decref(v);
    /* a NUL byte: jansson stops there, this reader refuses it */
    v = jf_loadb("92\0", 3, &e);
    assert_null(v);
    assert_string_equal(e.msg, "1:3: expected the end of the input after "
                               "the value");
    v = jf_loadb("\"a\0b\"", 5, &e);
    assert_null(v);
    /* depth: YJ_MAX_DEPTH levels parse, one more does not */
    for (i = 0; i < YJ_MAX_DEPTH; i++) {
        deep[i] = '[';
        deep[2 * YJ_MAX_DEPTH - 1 - i] = ']';
    }
    v = jf_loadb(deep, 2 * YJ_MAX_DEPTH, &e);
    assert_non_null(v);
    json_decref(v);
    memmove(deep + 1, deep, 2 * YJ_MAX_DEPTH);
    deep[0] = '[';
    deep[2 * YJ_MAX_DEPTH + 1] = ']';
    v = jf_loadb(deep, 2 * YJ_MAX_DEPTH + 2, &e);
    assert_null(v);
    assert_string_equal(e.msg, "1:201: nesting deeper than the limit of 200");
}

static int count_docs(json_t *doc, long line, const json_t *items, void *ctx)
{
    (void)line;
    (void)items;
    json_decref(doc);
    (*(int *)ctx)++;
    return 0;
}

static void test_node_limit(void **state)
{
    struct strbuf sb = STRBUF_INIT;
    struct err e;
    json_t *v;
    size_t i;

    (void)state;
    /* an array and YJ_MAX_NODES - 1 elements: exactly the limit */
    sb_add(&sb, "[0", 2);
    for (i = 2; i < YJ_MAX_NODES; i++)
        sb_add(&sb, ",0", 2);
    sb_add(&sb, "]", 1);
    v = jf_loadb(sb.buf, sb.len, &e);
    assert_non_null(v);
    assert_int_equal(json_array_size(v), YJ_MAX_NODES - 1);
    json_decref(v);
    sb_setlen(&sb, sb.len - 1);
    sb_add(&sb, ",0]", 3);
    v = jf_loadb(sb.buf, sb.len, &e);
    assert_null(v);
    assert_non_null(strstr(e.msg, "more than the limit of 2000000 nodes"));
    /* in a stream: the documents before it are reported, then the error
     * on the line of the big one */
    {
        struct strbuf st = STRBUF_INIT;
        int n = 0;
        sb_add(&st, "{}\n[]\n", 6);
        sb_add(&st, sb.buf, sb.len);
        assert_int_equal(jf_parse(st.buf, st.len, 1, count_docs, &n, &e), -1);
        assert_int_equal(n, 2);
        assert_non_null(strstr(e.msg, "more than the limit of 2000000 nodes"));
        assert_true(strncmp(e.msg, "3:", 2) == 0);
        sb_release(&st);
    }
    sb_release(&sb);
}

static void test_string_limit(void **state)
{
    size_t n = YJ_MAX_SCALAR + 3;
    char *s = xmalloc(n);
    struct err e;
    json_t *v;

    (void)state;
    memset(s, 'x', n);
    s[0] = '"';
    s[n - 1] = '"';
    v = jf_loadb(s, n - 1 + 0, &e); /* unterminated */
    assert_null(v);
    v = jf_loadb(s, n, &e);
    assert_null(v);
    assert_string_equal(e.msg, "1:1: string longer than the limit");
    v = jf_loadb(s + 1, n - 1, &e); /* drop one x: exactly the limit */
    assert_null(v);                 /* starts with x: not a value */
    s[1] = '"';
    v = jf_loadb(s + 1, n - 1, &e);
    assert_non_null(v);
    assert_int_equal(json_string_length(v), YJ_MAX_SCALAR);
    json_decref(v);
    free(s);
}

/* Errors name line and column and never the text around them. */
static void test_error_positions(void **state)
{
    static const struct {
        const char *in, *msg;
    } cases[] = {
        {"{\n  \"a\": 1,\n  \"b\" 2\n}",
         "3:7: expected ':' after an object key"},
        {"[1,\n 2\n 3]", "3:2: expected ',' or ']' after an array element"},
        {"{\"password\": \"hunter2\x01\"}",
         "1:22: control character in a string; expected it escaped"},
        {"{\"token\": hunter2}",
         "1:11: expected a value (object, array, string, number, true, "
         "false or null)"},
        {"{\"a\":1,\"a\":2}", "1:8: duplicate key"},
        {"\n\n  \"s3cr3t", "3:3: unterminated string"},
        {"\"x\\ud800y\"", "1:3: UTF-16 high surrogate in a \\u escape not "
                          "followed by a low one"},
        {"{\"k\": \"ab\xffsecret\"}", "1:10: invalid UTF-8 in a string"},
        {"{\"k\": 12secret}",
         "1:9: expected ',', ']', '}' or white space after a number"},
        {"", "1:1: expected a JSON value, found none"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct err e;
        int rc = jf_parse(cases[i].in, strlen(cases[i].in), 1, NULL, NULL, &e);
        assert_int_equal(rc, -1);
        assert_string_equal(e.msg, cases[i].msg);
        assert_null(strstr(e.msg, "hunter2"));
        assert_null(strstr(e.msg, "secret"));
        assert_null(strstr(e.msg, "s3cr3t"));
    }
}

#define MAX_DOCS 8
struct seen {
    int ndocs;
    char *json[MAX_DOCS];
    long line[MAX_DOCS];
    char *items[MAX_DOCS];
    int stop_after;
};

static int collect(json_t *doc, long line, const json_t *item_lines, void *ctx)
{
    struct seen *s = ctx;

    assert_non_null(doc);
    if (s->ndocs < MAX_DOCS) {
        s->json[s->ndocs] =
            json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        s->line[s->ndocs] = line;
        s->items[s->ndocs] =
            item_lines ? json_dumps(item_lines, JSON_COMPACT) : NULL;
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
}

static void test_stream_and_lines(void **state)
{
    const char *in = "{\"kind\": \"List\", \"apiVersion\": \"v1\",\n"
                     " \"items\": [\n"
                     "  {\"kind\": \"Pod\"},\n"
                     "  {\"kind\": \"Service\",\n"
                     "   \"items\": [1,\n2]}]}\n"
                     "\n"
                     "{\"a\":1}{\"b\":2}\n"
                     "[\n"
                     " 1,\n"
                     " {\"items\":\n[3]}]\n";
    struct seen s = {0};
    struct err e;

    (void)state;
    assert_int_equal(jf_parse(in, strlen(in), 10, collect, &s, &e), 0);
    assert_int_equal(s.ndocs, 4);
    assert_int_equal(s.line[0], 10);
    assert_string_equal(s.items[0], "[12,13]"); /* the root's items only */
    assert_int_equal(s.line[1], 17);
    assert_null(s.items[1]);
    assert_string_equal(s.json[2], "{\"b\":2}");
    assert_int_equal(s.line[2], 17);
    assert_int_equal(s.line[3], 18);
    assert_string_equal(s.items[3], "[19,20]");
    seen_release(&s);

    /* the callback stops the stream */
    memset(&s, 0, sizeof(s));
    s.stop_after = 1;
    assert_int_equal(jf_parse("{}{}{}", 6, 1, collect, &s, &e), 1);
    assert_int_equal(s.ndocs, 1);
    seen_release(&s);

    /* documents before an error are reported; the error has its line */
    memset(&s, 0, sizeof(s));
    assert_int_equal(jf_parse("{}\n{\"a\":\n}", 10, 1, collect, &s, &e), -1);
    assert_int_equal(s.ndocs, 1);
    assert_string_equal(e.msg, "3:1: expected a value (object, array, "
                               "string, number, true, false or null)");
    seen_release(&s);
}

/* item_fn: takes items whose "take" is true, stops at "stop". */
static int take_items(const json_t *root, json_t *item, long line, size_t index,
                      void *ctx)
{
    struct seen *s = ctx;

    /* the root so far: the members before "items" */
    assert_true(json_is_string(json_object_get(root, "kind")));
    assert_null(json_object_get(root, "after"));
    if (json_is_true(json_object_get(item, "stop")))
        return -1;
    if (!json_is_true(json_object_get(item, "take")))
        return 0;
    assert_int_equal(line, (long)index + 2);
    s->stop_after += 1; /* counts the items taken */
    return 1;
}

static void test_items_one_by_one(void **state)
{
    const char *in = "{\"kind\": \"List\", \"items\": [\n"
                     "{\"take\": true},\n"
                     "{\"take\": false},\n"
                     "{\"take\": true}], \"after\": 1}\n";
    const char *stop = "{\"kind\": \"List\", \"items\": [\n"
                       "{\"take\": true},\n"
                       "{\"stop\": true}, {\"take\": true}]}\n{}";
    struct seen s = {0};
    struct err e;

    (void)state;
    assert_int_equal(
        jf_parse_items(in, strlen(in), 1, collect, take_items, &s, &e), 0);
    assert_int_equal(s.stop_after, 2);
    assert_int_equal(s.ndocs, 1);
    /* what was not taken stays, with its line */
    assert_string_equal(s.json[0], "{\"after\":1,\"items\":[{\"take\":false}],"
                                   "\"kind\":\"List\"}");
    assert_string_equal(s.items[0], "[3]");
    s.stop_after = 0;
    seen_release(&s);
    memset(&s, 0, sizeof(s));
    assert_int_equal(
        jf_parse_items(stop, strlen(stop), 1, collect, take_items, &s, &e), 1);
    assert_int_equal(s.ndocs, 0);
    seen_release(&s);
}

/* Mutations of valid documents from a fixed seed: flip, insert, delete
 * and duplicate bytes, and cut the text short. */
static void test_mutations(void **state)
{
    static const char alphabet[] = "{}[]\",:\\u0aeE.-+ \n tfnrl1\xc3\xa9\xff\0";
    uint64_t x = 0x9E3779B97F4A7C15ull;
    int round, accepted = 0, refused = 0;

    (void)state;
    for (round = 0; round < 20000; round++) {
        const char *seed = valid[round % (sizeof(valid) / sizeof(valid[0]))];
        char buf[256];
        size_t len = strlen(seed), k, n;
        memcpy(buf, seed, len);
        n = 1 + round % 3;
        for (k = 0; k < n; k++) {
            size_t at;
            char c;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            at = len ? (size_t)(x >> 8) % (len + 1) : 0;
            c = alphabet[(x >> 40) % (sizeof(alphabet) - 1)];
            switch ((x >> 20) % 4) {
            case 0:
                if (at < len)
                    buf[at] = c;
                break;
            case 1:
                if (len + 1 < sizeof(buf)) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = c;
                    len++;
                }
                break;
            case 2:
                if (at < len) {
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                }
                break;
            default:
                len = at;
            }
        }
        if (same_as_jansson(buf, len))
            accepted++;
        else
            refused++;
    }
    /* the mutations reach both sides */
    assert_true(accepted > 1000);
    assert_true(refused > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_same_tree),
        cmocka_unit_test(test_invalid_both_refuse),
        cmocka_unit_test(test_differences),
        cmocka_unit_test(test_node_limit),
        cmocka_unit_test(test_string_limit),
        cmocka_unit_test(test_error_positions),
        cmocka_unit_test(test_stream_and_lines),
        cmocka_unit_test(test_items_one_by_one),
        cmocka_unit_test(test_mutations),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
