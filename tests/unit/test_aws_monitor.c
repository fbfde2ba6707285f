/* test_aws_monitor.c: CloudTrail event selectors read as AWS reads them,
 * metric filter patterns normalised, and the trail -> log group -> filter
 * -> alarm -> SNS subscriber join, markers carried where an answer is
 * missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_monitor.h"
#include "util.h"

static json_t *J(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, 0, &je);
    if (!v)
        fail_msg("bad test JSON: %s: %s", je.text, text);
    return v;
}

static void norm(void **st)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"{ ($.eventName = \"ConsoleLogin\") && ($.errorMessage = \"Failed "
         "authentication\") }",
         "{($.eventName=\"ConsoleLogin\")&&($.errorMessage=\"Failed "
         "authentication\")}"},
        {"{\n\t$.userIdentity.type = \"Root\"  &&\n $.eventType != "
         "\"AwsServiceEvent\" }",
         "{$.userIdentity.type=\"Root\"&&$.eventType!=\"AwsServiceEvent\"}"},
        {"{ $.x = \"a \\\" b\" }", "{$.x=\"a \\\" b\"}"},
        {"", ""},
    };
    size_t i;
    (void)st;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *n = aws_monitor_pattern_norm(cases[i].in);
        assert_string_equal(n, cases[i].out);
        free(n);
    }
}

static void values(void **st)
{
    static const struct {
        const char *pattern, *field, *want;
    } cases[] = {
        {"{ ($.eventName = CreateTrail) || ($.eventName = \"UpdateTrail\") || "
         "($.eventName=DeleteTrail) || ($.eventName = CreateTrail) }",
         "eventName", "[\"CreateTrail\",\"UpdateTrail\",\"DeleteTrail\"]"},
        /* != is not a match; a longer field name is another field */
        {"{ ($.eventName != HeadBucket) && ($.eventNameX = Y) && "
         "($.eventSource = kms.amazonaws.com) }",
         "eventName", "[]"},
        {"{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey) "
         "|| ($.eventName=ScheduleKeyDeletion))}",
         "eventSource", "[\"kms.amazonaws.com\"]"},
        {"{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey) "
         "|| ($.eventName=ScheduleKeyDeletion))}",
         "eventName", "[\"DisableKey\",\"ScheduleKeyDeletion\"]"},
        {"{ $.eventName = \"unterminated }", "eventName", "[]"},
    };
    size_t i;
    (void)st;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *n = aws_monitor_pattern_norm(cases[i].pattern);
        json_t *got = aws_monitor_pattern_values(n, cases[i].field);
        json_t *want = J(cases[i].want);
        char *g = json_dumps(got, JSON_COMPACT);
        if (!json_equal(got, want))
            fail_msg("case %zu: got %s want %s", i, g, cases[i].want);
        free(g);
        free(n);
        json_decref(got);
        json_decref(want);
    }
}

static void selectors(void **st)
{
    static const struct {
        const char *answer, *mgmt;
        int read_all, write_all;
        const char *read_buckets, *write_buckets;
    } cases[] = {
        /* no selectors at all: nothing logged */
        {"{\"EventSelectors\": []}", "None", 0, 0, "[]", "[]"},
        /* AWS's default selector, fields left out as AWS reads them */
        {"{\"EventSelectors\": [{}]}", "All", 0, 0, "[]", "[]"},
        {"{\"EventSelectors\": [{\"ReadWriteType\": \"All\", "
         "\"IncludeManagementEvents\": true, \"DataResources\": [{\"Type\": "
         "\"AWS::S3::Object\", \"Values\": [\"arn:aws:s3\"]}]}]}",
         "All", 1, 1, "[]", "[]"},
        {"{\"EventSelectors\": [{\"ReadWriteType\": \"WriteOnly\", "
         "\"IncludeManagementEvents\": true, \"DataResources\": [{\"Type\": "
         "\"AWS::S3::Object\", \"Values\": [\"arn:aws:s3:::logs/\", "
         "\"arn:aws:s3:::data/x/\"]}]}]}",
         "WriteOnly", 0, 0, "[]", "[\"logs\",\"data\"]"},
        /* read and write in two selectors make All */
        {"{\"EventSelectors\": [{\"ReadWriteType\": \"ReadOnly\"}, "
         "{\"ReadWriteType\": \"WriteOnly\"}]}",
         "All", 0, 0, "[]", "[]"},
        {"{\"EventSelectors\": [{\"ReadWriteType\": \"All\", "
         "\"ExcludeManagementEventSources\": [\"kms.amazonaws.com\"]}]}",
         "Partial", 0, 0, "[]", "[]"},
        {"{\"EventSelectors\": [{\"ReadWriteType\": \"All\", "
         "\"IncludeManagementEvents\": false, \"DataResources\": [{\"Type\": "
         "\"AWS::S3::Object\", \"Values\": [\"arn:aws-us-gov:s3:::\"]}]}]}",
         "None", 1, 1, "[]", "[]"},
        /* advanced selectors */
        {"{\"AdvancedEventSelectors\": [{\"Name\": \"m\", \"FieldSelectors\": "
         "[{\"Field\": \"eventCategory\", \"Equals\": [\"Management\"]}]}, "
         "{\"FieldSelectors\": [{\"Field\": \"eventCategory\", \"Equals\": "
         "[\"Data\"]}, {\"Field\": \"resources.type\", \"Equals\": "
         "[\"AWS::S3::Object\"]}, {\"Field\": \"readOnly\", \"Equals\": "
         "[\"false\"]}]}]}",
         "All", 0, 1, "[]", "[]"},
        {"{\"AdvancedEventSelectors\": [{\"FieldSelectors\": [{\"Field\": "
         "\"eventCategory\", \"Equals\": [\"Management\"]}, {\"Field\": "
         "\"readOnly\", \"Equals\": [\"true\"]}]}, {\"FieldSelectors\": "
         "[{\"Field\": \"eventCategory\", \"Equals\": [\"Data\"]}, {\"Field\": "
         "\"resources.type\", \"Equals\": [\"AWS::S3::Object\"]}, {\"Field\": "
         "\"resources.ARN\", \"StartsWith\": [\"arn:aws:s3:::b1/\"]}]}]}",
         "ReadOnly", 0, 0, "[\"b1\"]", "[\"b1\"]"},
        /* narrowed by eventSource: neither all management events nor all
         * object events */
        {"{\"AdvancedEventSelectors\": [{\"FieldSelectors\": [{\"Field\": "
         "\"eventCategory\", \"Equals\": [\"Management\"]}, {\"Field\": "
         "\"eventSource\", \"NotEquals\": [\"kms.amazonaws.com\"]}]}, "
         "{\"FieldSelectors\": [{\"Field\": \"eventCategory\", \"Equals\": "
         "[\"Data\"]}, {\"Field\": \"resources.type\", \"Equals\": "
         "[\"AWS::S3::Object\"]}, {\"Field\": \"eventName\", \"Equals\": "
         "[\"PutObject\"]}]}]}",
         "Partial", 0, 0, "[]", "[]"},
    };
    size_t i;
    (void)st;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *a = J(cases[i].answer), *s = aws_monitor_selectors(a);
        json_t *rb = J(cases[i].read_buckets), *wb = J(cases[i].write_buckets);
        const char *m =
            json_string_value(json_object_get(s, "management_events"));
        if (!m || strcmp(m, cases[i].mgmt) != 0)
            fail_msg("case %zu: management_events %s, want %s", i,
                     m ? m : "(none)", cases[i].mgmt);
        assert_int_equal(json_is_true(json_object_get(s, "s3_object_read_all")),
                         cases[i].read_all);
        assert_int_equal(
            json_is_true(json_object_get(s, "s3_object_write_all")),
            cases[i].write_all);
        assert_true(
            json_equal(json_object_get(s, "s3_object_read_buckets"), rb));
        assert_true(
            json_equal(json_object_get(s, "s3_object_write_buckets"), wb));
        json_decref(a);
        json_decref(s);
        json_decref(rb);
        json_decref(wb);
    }
}

static void log_group(void **st)
{
    char r[64], n[128];
    (void)st;
    assert_int_equal(
        aws_monitor_log_group(
            "arn:aws:logs:eu-west-1:123456789012:log-group:CloudTrail/x:*", r,
            sizeof(r), n, sizeof(n)),
        0);
    assert_string_equal(r, "eu-west-1");
    assert_string_equal(n, "CloudTrail/x");
    assert_int_equal(aws_monitor_log_group(
                         "arn:aws:logs:us-east-1:123456789012:log-group:a:b", r,
                         sizeof(r), n, sizeof(n)),
                     0);
    assert_string_equal(n, "a:b");
    assert_int_equal(aws_monitor_log_group("arn:aws:s3:::bucket", r, sizeof(r),
                                           n, sizeof(n)),
                     -1);
    assert_int_equal(
        aws_monitor_log_group("nonsense", r, sizeof(r), n, sizeof(n)), -1);
}

#define LG "arn:aws:logs:us-east-1:111122223333:log-group:ct:*"
#define TOPIC "arn:aws:sns:us-east-1:111122223333:alerts"
#define TRAIL(arn, multi, logging, mgmt)                                       \
    "{\"arn\": \"" arn "\", \"multi_region\": " multi                          \
    ", \"logging\": " logging ", \"management_events\": " mgmt                 \
    ", \"log_group_arn\": \"" LG "\"}"
#define FILTERS                                                                \
    "{\"us-east-1\": [{\"filterName\": \"root\", \"logGroupName\": \"ct\", "   \
    "\"filterPattern\": \"{ $.userIdentity.type = \\\"Root\\\" }\", "          \
    "\"metricTransformations\": [{\"metricName\": \"RootUse\", "               \
    "\"metricNamespace\": \"CIS\", \"metricValue\": \"1\"}]}, "                \
    "{\"filterName\": \"other\", \"logGroupName\": \"elsewhere\", "            \
    "\"filterPattern\": \"x\", \"metricTransformations\": []}]}"
#define ALARMS                                                                 \
    "{\"us-east-1\": [{\"AlarmName\": \"root-alarm\", \"MetricName\": "        \
    "\"RootUse\", \"Namespace\": \"CIS\", \"AlarmActions\": [\"" TOPIC         \
    "\"]}, {\"AlarmName\": \"other-ns\", \"MetricName\": \"RootUse\", "        \
    "\"Namespace\": \"Other\", \"AlarmActions\": []}]}"
#define MARK(m) "{\"$error\": \"" m "\"}"

static void join(void **st)
{
    static const struct {
        const char *what, *trails, *filters, *alarms, *topics, *want;
    } cases[] = {
        {"a qualifying trail's filter with a subscribed alarm",
         "[" TRAIL("t1", "true", "true", "\"All\"") "]", FILTERS, ALARMS,
         "{\"" TOPIC "\": 2}",
         "[{\"log_group\": \"ct\", \"log_group_region\": \"us-east-1\", "
         "\"trails\": [\"t1\"], \"filter\": \"root\", \"pattern\": "
         "\"{$.userIdentity.type=\\\"Root\\\"}\", \"pattern_raw\": \"{ "
         "$.userIdentity.type = \\\"Root\\\" }\", \"event_names\": [], "
         "\"event_sources\": [], \"metric\": \"RootUse\", \"namespace\": "
         "\"CIS\", \"alarms\": [{\"name\": \"root-alarm\", \"actions\": "
         "[\"" TOPIC "\"], \"subscribers\": 2}]}]"},
        {"a trail in one region only does not count",
         "[" TRAIL("t1", "false", "true", "\"All\"") "]", FILTERS, ALARMS,
         "{\"" TOPIC "\": 2}", "[]"},
        {"a trail that is not logging does not count",
         "[" TRAIL("t1", "true", "false", "\"All\"") "]", FILTERS, ALARMS,
         "{\"" TOPIC "\": 2}", "[]"},
        {"read-only management events do not count",
         "[" TRAIL("t1", "true", "true", "\"ReadOnly\"") "]", FILTERS, ALARMS,
         "{\"" TOPIC "\": 2}", "[]"},
        {"a region whose trails were not read is a marker",
         "[" MARK("aws cloudtrail DescribeTrails eu-west-1: access denied") "]",
         FILTERS, ALARMS, "{}",
         "[" MARK(
             "aws cloudtrail DescribeTrails eu-west-1: access denied") "]"},
        {"a trail whose status was not read is a marker",
         "[" TRAIL("t1", "true", MARK("aws cloudtrail GetTrailStatus: denied"),
                   "\"All\"") "]",
         FILTERS, ALARMS, "{}",
         "[" MARK("aws cloudtrail GetTrailStatus: denied") "]"},
        {"filters not read: a marker, once for two trails",
         "[" TRAIL("t1", "true", "true",
                   "\"All\"") ", " TRAIL("t2", "true", "true", "\"All\"") "]",
         "{\"us-east-1\": " MARK("aws logs DescribeMetricFilters: denied") "}",
         ALARMS, "{}", "[" MARK("aws logs DescribeMetricFilters: denied") "]"},
        {"two trails on one log group: one element naming both",
         "[" TRAIL("t1", "true", "true",
                   "\"All\"") ", " TRAIL("t2", "true", "true", "\"All\"") "]",
         "{\"us-east-1\": [{\"filterName\": \"f\", \"logGroupName\": "
         "\"ct\", \"filterPattern\": \"{ $.eventName = X }\", "
         "\"metricTransformations\": []}]}",
         ALARMS, "{}",
         "[{\"log_group\": \"ct\", \"log_group_region\": \"us-east-1\", "
         "\"trails\": [\"t1\", \"t2\"], \"filter\": \"f\", \"pattern\": "
         "\"{$.eventName=X}\", \"pattern_raw\": \"{ $.eventName = X }\", "
         "\"event_names\": [\"X\"], \"event_sources\": [], \"metric\": null, "
         "\"namespace\": null, \"alarms\": []}]"},
        {"a qualifying trail's filters in another region's answer do not count",
         "[" TRAIL("t1", "true", "true", "\"All\"") "]",
         "{\"us-east-1\": [], \"eu-west-1\": [{\"filterName\": \"f\", "
         "\"logGroupName\": \"ct\", \"filterPattern\": \"x\", "
         "\"metricTransformations\": []}]}",
         ALARMS, "{}", "[]"},
        {"filters never handed over: a marker, never an empty list",
         "[" TRAIL("t1", "true", "true", "\"All\"") "]", "{}", ALARMS, "{}",
         "[" MARK("aws logs DescribeMetricFilters us-east-1: not read") "]"},
    };
    size_t i;
    (void)st;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *t = J(cases[i].trails), *f = J(cases[i].filters);
        json_t *a = J(cases[i].alarms), *tp = J(cases[i].topics);
        json_t *want = J(cases[i].want), *got = aws_monitor_join(t, f, a, tp);
        if (!json_equal(got, want)) {
            char *g = json_dumps(got, JSON_COMPACT);
            fail_msg("%s: got %s", cases[i].what, g);
        }
        json_decref(t);
        json_decref(f);
        json_decref(a);
        json_decref(tp);
        json_decref(want);
        json_decref(got);
    }
}

/* The alarm side: what is unknown stays unknown, never 0 subscribers. */
static void join_alarm_markers(void **st)
{
    json_t *t = J("[" TRAIL("t1", "true", "true", "\"All\"") "]");
    json_t *f = J(FILTERS), *a = J(ALARMS);
    json_t *tp = J("{\"" TOPIC "\": " MARK("aws sns ListSubscriptionsByTopic "
                                           "us-east-1: access denied") "}");
    json_t *got, *al;
    (void)st;

    got = aws_monitor_join(t, f, a, tp);
    al = json_object_get(json_array_get(got, 0), "alarms");
    assert_int_equal(json_array_size(al), 1);
    assert_true(aws_monitor_is_marker(
        json_object_get(json_array_get(al, 0), "subscribers")));
    json_decref(got);
    json_decref(a);
    a = J("{\"us-east-1\": " MARK("aws monitoring DescribeAlarms: denied") "}");
    got = aws_monitor_join(t, f, a, tp);
    assert_true(aws_monitor_is_marker(
        json_object_get(json_array_get(got, 0), "alarms")));
    json_decref(got);
    json_decref(a);
    a = J("{}"); /* never read: not "no alarms" */
    got = aws_monitor_join(t, f, a, tp);
    assert_true(aws_monitor_is_marker(
        json_object_get(json_array_get(got, 0), "alarms")));
    json_decref(got);
    json_decref(a);
    json_decref(t);
    json_decref(f);
    json_decref(tp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(norm),      cmocka_unit_test(values),
        cmocka_unit_test(selectors), cmocka_unit_test(log_group),
        cmocka_unit_test(join),      cmocka_unit_test(join_alarm_markers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
