/* test_aws_config.c: the AWS Config verdict on a region (aws_config_judge)
 * from the recorders and their statuses as the API gives them: no
 * recorder, not recording, not all resource types, last status FAILURE
 * (a state moto cannot reach), several recorders, a status missing, and
 * the status call failed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_config.h"

#define REC(name, all)                                                         \
    "{\"name\":\"" name "\",\"roleARN\":\"arn:aws:iam::1:role/c\","            \
    "\"recordingGroup\":{\"allSupported\":" all                                \
    ",\"includeGlobalResourceTypes\":false}}"
#define ST(name, rec, last)                                                    \
    "{\"name\":\"" name "\",\"recording\":" rec ",\"lastStatus\":\"" last "\"" \
    "}"
#define DENIED                                                                 \
    "{\"$error\":\"access denied: aws config "                                 \
    "DescribeConfigurationRecorderStatus eu-west-1: AccessDeniedException\"}"

struct judge_case {
    const char *name;
    const char *recs, *statuses;
    int enabled; /* 1, 0, -1: the marker */
    const char *summary;
    size_t ndocs;
};

static const struct judge_case cases[] = {
    {"no recorder", "[]", "[]", 0, "no configuration recorder in eu-west-1", 0},
    {"recording everything", "[" REC("default", "true") "]",
     "[" ST("default", "true", "SUCCESS") "]", 1,
     "records all supported resource types", 1},
    {"pending first delivery counts", "[" REC("default", "true") "]",
     "[" ST("default", "true", "PENDING") "]", 1, "records all", 1},
    {"not recording", "[" REC("default", "true") "]",
     "[" ST("default", "false", "SUCCESS") "]", 0,
     "recorder default is not recording", 1},
    {"some resource types only", "[" REC("default", "false") "]",
     "[" ST("default", "true", "SUCCESS") "]", 0,
     "does not record all supported resource types", 1},
    {"last recording failed", "[" REC("default", "true") "]",
     "[" ST("default", "true", "FAILURE") "]", 0,
     "recorder default's last recording failed", 1},
    {"no status for the recorder", "[" REC("default", "true") "]", "[]", 0,
     "is not recording", 1},
    {"two recorders, one good",
     "[" REC("partial", "false") "," REC("full", "true") "]",
     "[" ST("partial", "true", "SUCCESS") "," ST("full", "true", "SUCCESS") "]",
     1, "records all", 2},
    {"status denied", "[" REC("default", "true") "]", DENIED, -1,
     "DescribeConfigurationRecorderStatus", 1},
    {"status denied, but no recorder could pass anyway",
     "[" REC("default", "false") "]", DENIED, 0,
     "does not record all supported resource types", 1},
};

static void judge_table(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct judge_case *c = &cases[i];
        json_t *recs = json_loads(c->recs, 0, NULL);
        json_t *sts = json_loads(c->statuses, 0, NULL);
        json_t *docs = NULL, *v, *en;
        const char *sum;
        int got;

        if (!recs || !sts)
            fail_msg("case %s: bad JSON in the test", c->name);
        v = aws_config_judge(recs, sts, "eu-west-1", &docs);
        en = json_object_get(v, "config_enabled");
        got = json_is_true(en)                                ? 1
              : json_is_false(en)                             ? 0
              : json_is_string(json_object_get(en, "$error")) ? -1
                                                              : -2;
        sum = json_string_value(json_object_get(v, "config_summary"));
        if (got != c->enabled)
            fail_msg("case %s: enabled %d, want %d", c->name, got, c->enabled);
        if (!sum || !strstr(sum, c->summary))
            fail_msg("case %s: summary \"%s\", want \"%s\" in it", c->name,
                     sum ? sum : "(none)", c->summary);
        if (json_array_size(docs) != c->ndocs ||
            json_array_size(json_object_get(v, "config_recorders")) != c->ndocs)
            fail_msg("case %s: %zu documents, want %zu", c->name,
                     json_array_size(docs), c->ndocs);
        json_decref(v);
        json_decref(docs);
        json_decref(recs);
        json_decref(sts);
    }
}

static void recorder_document(void **st)
{
    json_t *recs = json_loads("[" REC("default", "true") "]", 0, NULL);
    json_t *sts = json_loads("[" ST("default", "true", "SUCCESS") "]", 0, NULL);
    json_t *docs = NULL, *v, *d;

    (void)st;
    v = aws_config_judge(recs, sts, "us-east-1", &docs);
    d = json_array_get(docs, 0);
    assert_string_equal(json_string_value(json_object_get(d, "name")),
                        "default");
    assert_string_equal(json_string_value(json_object_get(d, "role_arn")),
                        "arn:aws:iam::1:role/c");
    assert_true(json_is_true(json_object_get(d, "all_supported")));
    assert_true(
        json_is_false(json_object_get(d, "include_global_resource_types")));
    assert_true(json_is_true(json_object_get(d, "recording")));
    assert_string_equal(json_string_value(json_object_get(d, "last_status")),
                        "SUCCESS");
    assert_non_null(json_object_get(d, "recording_group"));
    json_decref(v);
    json_decref(docs);
    json_decref(recs);
    json_decref(sts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(judge_table),
        cmocka_unit_test(recorder_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
