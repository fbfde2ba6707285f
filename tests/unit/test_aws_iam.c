/* test_aws_iam.c: the IAM module's pure parts: policy documents read as
 * AWS reads them (URL-encoded or not, Statement and Action as one value or
 * a list, Principal "*"), the "*:*" administrator test, and the
 * credential report's CSV (quoting, bad input) into the documents'
 * credential facts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_iam.h"
#include "util.h"

#define S(x) x, strlen(x)

/* The document's JSON text, compact with sorted keys. */
static char *dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
}

static void policy_normalised(void **st)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        /* one statement object, one action string */
        {"{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\","
         "\"Action\":\"*\",\"Resource\":\"*\"}}",
         "{\"Statement\":[{\"Action\":[\"*\"],\"Effect\":\"Allow\","
         "\"Resource\":[\"*\"]}],\"Version\":\"2012-10-17\"}"},
        /* URL-encoded, as GetAccountAuthorizationDetails returns it */
        {"%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Deny%22%2C"
         "%22NotAction%22%3A%22s3%3AGet%2A%22%2C%22NotResource%22%3A"
         "%5B%22arn%3Aaws%3As3%3A%3A%3Ab%20c%22%5D%7D%5D%7D",
         "{\"Statement\":[{\"Effect\":\"Deny\",\"NotAction\":[\"s3:Get*\"],"
         "\"NotResource\":[\"arn:aws:s3:::b c\"]}]}"},
        /* Principal "*" and a principal map of one string */
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\","
         "\"Action\":[\"sts:AssumeRole\"]},{\"Effect\":\"Allow\","
         "\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":"
         "\"sts:AssumeRole\"}]}",
         "{\"Statement\":[{\"Action\":[\"sts:AssumeRole\"],\"Effect\":"
         "\"Allow\",\"Principal\":{\"AWS\":[\"*\"]}},{\"Action\":[\"sts:"
         "AssumeRole\"],\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
         "[\"ec2.amazonaws.com\"]}}]}"},
        /* no Statement at all */
        {"  {\"Version\":\"2012-10-17\"}", "{\"Statement\":[],\"Version\":"
                                           "\"2012-10-17\"}"},
    };
    (void)st;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct err e = {{0}};
        json_t *d = aws_iam_policy_parse(S(cases[i].in), &e);
        char *s;
        if (!d)
            fail_msg("case %zu: %s", i, e.msg);
        s = dump(d);
        assert_string_equal(s, cases[i].out);
        free(s);
        json_decref(d);
    }
}

static void policy_bad(void **st)
{
    static const struct {
        const char *in, *msg;
    } cases[] = {
        {"{\"Statement\":\"Allow all\"}", "Statement is neither"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":5}]}",
         "Statement[0].Action is not a string or a list"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"a\",1]}]}",
         "Statement[0].Action is not a string or a list"},
        {"{\"Statement\":[\"x\"]}", "Statement[0] is not an object"},
        {"{\"Statement\":[{\"Action\":\"*\"}]}",
         "Statement[0].Effect is not a string"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Condition\":[]}]}",
         "Condition is not an object"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"x\"}]}",
         "Principal is neither"},
        {"%7B%2", "not followed by two hex digits"},
        {"%ZZ", "not followed by two hex digits"},
        {"[1]", "not a JSON object"},
        {"{\"a\":1,\"a\":2}", "not JSON"},
        {"{\"Statement\":", "not JSON"},
        {"", "not JSON"},
    };
    (void)st;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct err e = {{0}};
        json_t *d = aws_iam_policy_parse(S(cases[i].in), &e);
        if (d)
            fail_msg("case %zu: parsed", i);
        if (!strstr(e.msg, cases[i].msg))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.msg, cases[i].msg);
    }
}

static void policy_full_admin(void **st)
{
    static const struct {
        const char *doc;
        int admin;
    } cases[] = {
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\","
         "\"Resource\":\"*\"}}",
         1},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:*\","
         "\"*:*\"],\"Resource\":[\"arn:x\",\"*\"]}]}",
         1},
        /* a Condition narrows it */
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\","
         "\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:"
         "MultiFactorAuthPresent\":\"true\"}}}}",
         0},
        /* an empty Condition does not */
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\","
         "\"Resource\":\"*\",\"Condition\":{}}}",
         1},
        {"{\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"*\","
         "\"Resource\":\"*\"}}",
         0},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
         "\"Resource\":\"*\"}}",
         0},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\","
         "\"Resource\":\"arn:aws:s3:::b/*\"}}",
         0},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"NotAction\":\"iam:*\","
         "\"Resource\":\"*\"}}",
         0},
    };
    (void)st;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct err e = {{0}};
        json_t *d = aws_iam_policy_parse(S(cases[i].doc), &e);
        assert_non_null(d);
        if (aws_iam_policy_full_admin(d) != cases[i].admin)
            fail_msg("case %zu: expected %d", i, cases[i].admin);
        json_decref(d);
    }
}

#define HEADER                                                                 \
    "user,arn,user_creation_time,password_enabled,password_last_used,"         \
    "password_last_changed,password_next_rotation,mfa_active,"                 \
    "access_key_1_active,access_key_1_last_rotated,"                           \
    "access_key_1_last_used_date,access_key_1_last_used_region,"               \
    "access_key_1_last_used_service,access_key_2_active,"                      \
    "access_key_2_last_rotated,access_key_2_last_used_date,"                   \
    "access_key_2_last_used_region,access_key_2_last_used_service,"            \
    "cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\r\n"

static const char REPORT[] = HEADER
    "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,"
    "not_supported,2026-11-30T00:00:00+00:00,not_supported,not_supported,"
    "true,true,2025-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,"
    "false,N/A,false,N/A\r\n"
    "\"al,ice\",arn:aws:iam::123456789012:user/al,2026-01-01T00:00:00+00:00,"
    "true,no_information,2026-10-08T00:00:00+00:00,N/A,false,"
    "true,2026-08-09T00:00:00+00:00,2026-11-27T12:00:00+00:00,us-east-1,"
    "\"s3\",false,2026-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,"
    "N/A\r\n"
    "bob,\"arn:aws:iam::123456789012:user/\"\"bob\"\"\","
    "2026-01-01T00:00:00+00:00,false,not_supported,N/A,N/A,maybe,"
    "false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n";

/* 2026-12-07T00:00:00Z */
#define NOW ((time_t)1796601600)

static void report_rows(void **st)
{
    struct err e = {{0}};
    json_t *rows = aws_iam_report_parse(S(REPORT), 100, &e), *c, *k;
    (void)st;
    if (!rows)
        fail_msg("%s", e.msg);
    assert_int_equal(json_array_size(rows), 3);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(rows, 1), "user")),
        "al,ice");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(rows, 2), "arn")),
        "arn:aws:iam::123456789012:user/\"bob\"");

    /* root: MFA, one active key, last used 7 days ago */
    c = aws_iam_report_creds(json_array_get(rows, 0), NOW);
    assert_true(json_is_true(json_object_get(c, "mfa_active")));
    assert_int_equal(
        json_integer_value(json_object_get(c, "access_keys_active")), 1);
    assert_int_equal(json_integer_value(json_object_get(c, "last_used_days")),
                     7);
    json_decref(c);

    /* al,ice: a password never used, set 60 days ago; key 1 active,
     * rotated 120 days ago, used 9 days ago; key 2 inactive, never used */
    c = aws_iam_report_creds(json_array_get(rows, 1), NOW);
    assert_true(json_is_true(json_object_get(c, "password_enabled")));
    assert_true(json_is_null(json_object_get(c, "password_last_used")));
    assert_int_equal(
        json_integer_value(json_object_get(c, "password_unused_days")), 60);
    assert_true(json_is_false(json_object_get(c, "mfa_active")));
    assert_int_equal(json_array_size(json_object_get(c, "access_keys")), 2);
    k = json_array_get(json_object_get(c, "access_keys"), 0);
    assert_true(json_is_true(json_object_get(k, "active")));
    assert_int_equal(json_integer_value(json_object_get(k, "rotated_days")),
                     120);
    assert_int_equal(json_integer_value(json_object_get(k, "unused_days")), 9);
    assert_string_equal(
        json_string_value(json_object_get(k, "last_used_service")), "s3");
    k = json_array_get(json_object_get(c, "access_keys"), 1);
    assert_true(json_is_false(json_object_get(k, "active")));
    assert_int_equal(json_integer_value(json_object_get(k, "unused_days")),
                     340);
    assert_int_equal(
        json_integer_value(json_object_get(c, "access_keys_active")), 1);
    json_decref(c);

    /* bob: no password, no keys; a value the report should not hold stays
     * a string (rules reading it are `error`) */
    c = aws_iam_report_creds(json_array_get(rows, 2), NOW);
    assert_true(json_is_false(json_object_get(c, "password_enabled")));
    assert_true(json_is_null(json_object_get(c, "password_unused_days")));
    assert_string_equal(json_string_value(json_object_get(c, "mfa_active")),
                        "maybe");
    assert_int_equal(json_array_size(json_object_get(c, "access_keys")), 0);
    assert_true(json_is_null(json_object_get(c, "last_used_days")));
    json_decref(c);
    json_decref(rows);
}

static void report_bad_date(void **st)
{
    struct err e = {{0}};
    json_t *rows = aws_iam_report_parse(
        S(HEADER "u,arn,2026-01-01T00:00:00Z,true,yesterday,N/A,N/A,true,"
                 "false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,"
                 "false,N/A\n"),
        100, &e);
    json_t *c;
    (void)st;
    assert_non_null(rows);
    c = aws_iam_report_creds(json_array_get(rows, 0), NOW);
    assert_true(json_is_string(json_object_get(c, "password_unused_days")));
    json_decref(c);
    json_decref(rows);
}

static void report_not_csv(void **st)
{
    static const struct {
        const char *in, *msg;
    } cases[] = {
        {"", "empty"},
        {"<html><body>Service Unavailable</body></html>\n",
         "has no column user"},
        {"user,arn\nx,y\n", "has no column password_enabled"},
        {HEADER "a,b,c\n", "line 2: 3 fields, the header has 22"},
        {HEADER "\"a,b", "line 2: a quoted field is not closed"},
        {HEADER "a\"b,c\n", "a quote inside an unquoted field"},
        {HEADER "\"a\"b,c\n", "text after a quoted field"},
        {"user,arn,\xff\xfe\n", "not UTF-8"},
    };
    (void)st;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct err e = {{0}};
        json_t *rows = aws_iam_report_parse(S(cases[i].in), 100, &e);
        if (rows)
            fail_msg("case %zu: parsed", i);
        if (!strstr(e.msg, cases[i].msg))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.msg, cases[i].msg);
    }
}

static void report_bounded(void **st)
{
    struct strbuf sb = STRBUF_INIT;
    struct err e = {{0}};
    json_t *rows;
    (void)st;
    sb_adds(&sb, HEADER);
    for (int i = 0; i < 5; i++)
        sb_addf(&sb,
                "u%d,a,N/A,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,"
                "N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
                i);
    rows = aws_iam_report_parse(sb.buf, sb.len, 4, &e);
    assert_null(rows);
    assert_non_null(strstr(e.msg, "more than 4 rows"));
    rows = aws_iam_report_parse(sb.buf, sb.len, 5, &e);
    assert_non_null(rows);
    assert_int_equal(json_array_size(rows), 5);
    json_decref(rows);
    sb_release(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy_normalised), cmocka_unit_test(policy_bad),
        cmocka_unit_test(policy_full_admin), cmocka_unit_test(report_rows),
        cmocka_unit_test(report_bad_date),   cmocka_unit_test(report_not_csv),
        cmocka_unit_test(report_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
