/*
 * test_userspec.c: USER values judged as runc and containerd read them
 * (collectors/userspec.c), one table: the value, the status, the uid.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "userspec.h"

struct user_case {
    const char *value;
    enum userspec_status status;
    long long uid;
};

static const struct user_case user_cases[] = {
    {"", USERSPEC_NONE, -1},
    {"0", USERSPEC_ROOT, 0},
    {"+0", USERSPEC_ROOT, 0},
    {"-0", USERSPEC_ROOT, 0},
    {"00", USERSPEC_ROOT, 0},
    {"0000000000000000000000000000000", USERSPEC_ROOT, 0},
    {"0:0", USERSPEC_ROOT, 0},
    {"+0:+0", USERSPEC_ROOT, 0},
    {":1000", USERSPEC_ROOT, 0},
    {":", USERSPEC_ROOT, 0},
    {"root", USERSPEC_ROOT, 0},
    {"root:app", USERSPEC_ROOT, 0},
    {"ContainerAdministrator", USERSPEC_ROOT, 0},
    {"containeradministrator", USERSPEC_ROOT, 0},
    {"4294967296", USERSPEC_ROOT, 0},  /* uint32 wrap */
    {"-4294967296", USERSPEC_ROOT, 0}, /* likewise */
    {"8589934592:0", USERSPEC_ROOT, 0},
    {"4294967297", USERSPEC_INVALID, 1},
    {"-1", USERSPEC_INVALID, 4294967295LL},
    {"2147483648", USERSPEC_INVALID, 2147483648LL},
    {"9223372036854775807", USERSPEC_INVALID, 4294967295LL},
    {"9223372036854775808", USERSPEC_INVALID, -1}, /* past int64 */
    {"-9223372036854775808", USERSPEC_ROOT, 0},    /* int64 min wraps to 0 */
    {"99999999999999999999999", USERSPEC_INVALID, -1},
    {"1", USERSPEC_NONROOT, 1},
    {"+1", USERSPEC_NONROOT, 1},
    {"010", USERSPEC_NONROOT, 10}, /* decimal, not octal */
    {"10001:10001", USERSPEC_NONROOT, 10001},
    {"2147483647", USERSPEC_NONROOT, 2147483647LL},
    {"65534:0", USERSPEC_NONROOT, 65534},
    {"app", USERSPEC_NAME, -1},
    {"app:root", USERSPEC_NAME, -1},
    {"Root", USERSPEC_NAME, -1}, /* passwd names are case-sensitive */
    {"rootx", USERSPEC_NAME, -1},
    {"+", USERSPEC_NAME, -1},
    {"-", USERSPEC_NAME, -1},
    {"0x0", USERSPEC_NAME, -1}, /* Atoi takes no base prefix */
    {"1_000", USERSPEC_NAME, -1},
    {" 0", USERSPEC_NAME, -1},
    {"1e3", USERSPEC_NAME, -1},
};

static void test_parse_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(user_cases) / sizeof(user_cases[0]); i++) {
        const struct user_case *c = &user_cases[i];
        struct userspec u;
        userspec_parse(c->value, strlen(c->value), &u);
        if (u.status != c->status || u.uid != c->uid)
            print_error("USER \"%s\": status %s uid %lld, want %s uid %lld\n",
                        c->value, userspec_status_name(u.status), u.uid,
                        userspec_status_name(c->status), c->uid);
        assert_int_equal(u.status, c->status);
        assert_true(u.uid == c->uid);
        /* every status other than a plain uid or name says why */
        assert_true((u.reason != NULL) == (c->status != USERSPEC_NONROOT &&
                                           c->status != USERSPEC_NAME));
    }
}

static void test_json(void **state)
{
    struct userspec u;
    json_t *j;
    const char *secret = "+0-hunter2";

    (void)state;
    userspec_parse("+0", 2, &u);
    j = userspec_json("+0", 2, &u, 1, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "status")),
                        "root");
    assert_int_equal(json_integer_value(json_object_get(j, "uid")), 0);
    assert_non_null(strstr(json_string_value(json_object_get(j, "reason")),
                           "USER \"+0\" is uid 0 (root)"));
    json_decref(j);

    /* a value built from a secret is never quoted */
    userspec_parse(secret, strlen(secret), &u);
    j = userspec_json(secret, strlen(secret), &u, 0, "note");
    assert_null(
        strstr(json_string_value(json_object_get(j, "reason")), "hunter2"));
    assert_non_null(
        strstr(json_string_value(json_object_get(j, "reason")), "; note"));
    assert_true(json_is_null(json_object_get(j, "uid")));
    json_decref(j);

    userspec_parse("", 0, &u);
    j = userspec_json("", 0, &u, 1, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "status")),
                        "none");
    assert_non_null(
        strstr(json_string_value(json_object_get(j, "reason")), "no USER"));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
