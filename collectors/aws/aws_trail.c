/*
 * aws_trail.c: the "cloudtrail" service module: CloudTrail trails and the
 * CloudWatch monitoring built on them (CIS AWS sections 4 and 5).
 *
 * One global job, because the monitoring join needs the trails of every
 * region: it walks the scan's regions itself. Per region DescribeTrails
 * (shadow trails included, so that a multi-region trail homed outside the
 * scanned regions is still seen), each trail handled once, from its home
 * region's answer when that region is scanned, else from the first region
 * that showed it: GetTrailStatus and GetEventSelectors once per trail,
 * sent to its home region (where CloudTrail keeps it). Then per region
 * Logs DescribeMetricFilters (every filter: aws/MetricFilter), and only
 * where a trail's log group has filters CloudWatch DescribeAlarms, and SNS
 * ListSubscriptionsByTopic once per topic those alarms notify.
 * aws_monitor.c reads the answers; the account gets "cloudtrail" (a
 * summary per trail) and "monitoring" (the join).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_api.h"
#include "aws_int.h"
#include "aws_monitor.h"
#include "aws_xml.h"
#include "util.h"
#include "banned.h"

#define AWS_TRAIL_TARGET                                                       \
    "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."

struct aws_trail_run {
    struct aws_job *j;
    json_t *seen;      /* trail ARN -> true */
    json_t *summaries; /* the account's "cloudtrail" list */
    json_t *filters;   /* REGION -> metricFilters array | marker */
    json_t *alarms;    /* REGION -> MetricAlarms array | marker */
    json_t *topics;    /* TOPIC_ARN -> confirmed subscriptions | marker */
};

static int aws_trail_failed(struct aws_trail_run *r, const char *region,
                            const char *kind, const struct err *ce_e,
                            struct err *e)
{
    char uid[512];

    /* A region outside the scan (a log group's) has no aws/Region: the
     * account is the scope then. */
    if (!str_in(region, r->j->regions))
        return aws_kind_failed(r->j, NULL, kind, ce_e->msg, e);
    aws_region_uid(r->j->account, region, uid, sizeof(uid));
    return aws_kind_failed(r->j, uid, kind, ce_e->msg, e);
}

static json_t *aws_trail_call(struct aws_trail_run *r, const char *region,
                              const char *action, json_t *body,
                              struct aws_call_err *ce, struct err *ce_e)
{
    char target[160];
    struct aws_json_req q = {0};
    json_t *out;

    snprintf(target, sizeof(target), AWS_TRAIL_TARGET "%s", action);
    q.service = "cloudtrail";
    q.region = region;
    q.target = target;
    q.body = body;
    out = aws_json_call(r->j->client, &q, ce, ce_e);
    json_decref(body);
    return out;
}

/* A trail's status and selectors, its aws/Trail and its summary. */
static int aws_trail_one(struct aws_trail_run *r, const json_t *t,
                         const char *region, struct err *e)
{
    const char *arn = json_string_value(json_object_get(t, "TrailARN"));
    const char *name = json_string_value(json_object_get(t, "Name"));
    const char *home = json_string_value(json_object_get(t, "HomeRegion"));
    json_t *doc = json_deep_copy(t), *st, *sel, *sum, *logging, *derived;
    struct aws_call_err ce;
    struct err ce_e;
    const char *k;
    json_t *v;

    if (!home)
        home = region;
    json_object_del(doc, "HomeRegion");
    json_object_set_new(doc, "home_region", json_string(home));
    st = aws_trail_call(r, home, "GetTrailStatus",
                        json_pack("{s:s}", "Name", arn), &ce, &ce_e);
    if (st) {
        json_t *il = json_object_get(st, "IsLogging");
        char why[160];
        snprintf(why, sizeof(why),
                 "aws cloudtrail GetTrailStatus %s: the answer holds no "
                 "IsLogging",
                 home);
        logging = json_is_boolean(il) ? json_incref(il)
                                      : json_pack("{s:s}", "$error", why);
        json_object_set_new(doc, "status", st);
    } else {
        logging = aws_unavailable(&ce, &ce_e);
        json_object_set(doc, "status", logging);
    }
    json_object_set(doc, "logging", logging);
    sel = aws_trail_call(r, home, "GetEventSelectors",
                         json_pack("{s:s}", "TrailName", arn), &ce, &ce_e);
    if (sel) {
        derived = aws_monitor_selectors(sel);
        json_object_del(sel, "TrailARN");
        json_object_set_new(doc, "event_selectors", sel);
    } else {
        json_t *m = aws_unavailable(&ce, &ce_e);
        derived = json_object();
        json_object_set(doc, "event_selectors", m);
        json_object_set(derived, "management_events", m);
        json_object_set(derived, "s3_object_read_all", m);
        json_object_set(derived, "s3_object_write_all", m);
        json_object_set(derived, "s3_object_read_buckets", m);
        json_object_set(derived, "s3_object_write_buckets", m);
        json_decref(m);
    }
    json_object_update(doc, derived);
    sum = json_pack("{s:s?, s:s?, s:s, s:b, s:o}", "arn", arn, "name", name,
                    "home_region", home, "multi_region",
                    json_is_true(json_object_get(t, "IsMultiRegionTrail")),
                    "logging", logging);
    v = json_object_get(t, "CloudWatchLogsLogGroupArn");
    json_object_set_new(sum, "log_group_arn",
                        json_is_string(v) ? json_incref(v) : json_null());
    json_object_foreach(derived, k, v) json_object_set(sum, k, v);
    json_decref(derived);
    json_array_append_new(r->summaries, sum);
    return aws_emit(r->j, "aws/Trail", home, name ? name : arn,
                    name ? name : arn, arn, doc, e);
}

static int aws_trail_region(struct aws_trail_run *r, const char *region,
                            struct err *e)
{
    struct aws_call_err ce;
    struct err ce_e;
    json_t *ans, *t;
    size_t i;
    int rc = 0;

    ans = aws_trail_call(r, region, "DescribeTrails",
                         json_pack("{s:b}", "includeShadowTrails", 1), &ce,
                         &ce_e);
    if (ans && !json_is_array(json_object_get(ans, "trailList"))) {
        /* An answer without its list is no answer: never "no trails". */
        json_decref(ans);
        ans = NULL;
        memset(&ce, 0, sizeof(ce));
        ce.kind = AWS_ERR_TRANSPORT;
        err_set(&ce_e,
                "aws cloudtrail DescribeTrails %s: the answer holds no "
                "trailList",
                region);
    }
    if (!ans) {
        json_array_append_new(r->summaries, aws_unavailable(&ce, &ce_e));
        return aws_trail_failed(r, region, "aws/Trail", &ce_e, e);
    }
    json_array_foreach(json_object_get(ans, "trailList"), i, t)
    {
        const char *arn = json_string_value(json_object_get(t, "TrailARN"));
        const char *home = json_string_value(json_object_get(t, "HomeRegion"));

        if (!arn || json_object_get(r->seen, arn))
            continue;
        /* From its home region when that is scanned: one answer each. */
        if (home && strcmp(home, region) != 0 && str_in(home, r->j->regions))
            continue;
        json_object_set_new(r->seen, arn, json_true());
        if ((rc = aws_trail_one(r, t, region, e)) != 0)
            break;
    }
    json_decref(ans);
    return rc;
}

static int aws_trail_filters(struct aws_trail_run *r, const char *region,
                             struct err *e)
{
    struct aws_json_req q = {0};
    struct aws_call_err ce;
    struct err ce_e;
    json_t *l, *f;
    size_t i;

    if (json_object_get(r->filters, region))
        return 0;
    q.service = "logs";
    q.region = region;
    q.target = "Logs_20140328.DescribeMetricFilters";
    q.list = "metricFilters";
    q.token_in = "nextToken";
    q.token_out = "nextToken";
    l = aws_json_call(r->j->client, &q, &ce, &ce_e);
    if (!l) {
        json_object_set_new(r->filters, region, aws_unavailable(&ce, &ce_e));
        return aws_trail_failed(r, region, "aws/MetricFilter", &ce_e, e);
    }
    json_object_set_new(r->filters, region, l);
    json_array_foreach(l, i, f)
    {
        const char *fn = json_string_value(json_object_get(f, "filterName"));
        const char *lg = json_string_value(json_object_get(f, "logGroupName"));
        const char *raw =
            json_string_value(json_object_get(f, "filterPattern"));
        char *norm;
        json_t *doc;
        struct strbuf id = STRBUF_INIT;

        if (!fn || !lg)
            continue;
        norm = aws_monitor_pattern_norm(raw ? raw : "");
        doc = json_deep_copy(f);
        json_object_set_new(doc, "pattern", json_string(norm));
        json_object_set_new(doc, "event_names",
                            aws_monitor_pattern_values(norm, "eventName"));
        json_object_set_new(doc, "event_sources",
                            aws_monitor_pattern_values(norm, "eventSource"));
        free(norm);
        sb_addf(&id, "%s/%s", lg, fn);
        if (aws_emit(r->j, "aws/MetricFilter", region, sb_str(&id), fn, NULL,
                     doc, e) != 0) {
            sb_release(&id);
            return -1;
        }
        sb_release(&id);
    }
    return 0;
}

static void aws_trail_alarms(struct aws_trail_run *r, const char *region)
{
    struct aws_query q = {0};
    struct aws_call_err ce;
    struct err ce_e;
    json_t *l, *a;
    size_t i;

    if (json_object_get(r->alarms, region))
        return;
    q.service = "monitoring";
    q.region = region;
    q.version = "2010-08-01";
    q.action = "DescribeAlarms";
    q.list = "DescribeAlarmsResult/MetricAlarms";
    q.token_param = "NextToken";
    q.token_path = "DescribeAlarmsResult/NextToken";
    l = aws_query_list(r->j->client, &q, &ce, &ce_e);
    if (!l) {
        json_object_set_new(r->alarms, region, aws_unavailable(&ce, &ce_e));
        return;
    }
    json_array_foreach(l, i, a)
    {
        /* <AlarmActions/> is "", one <member> an array of one. */
        json_object_set_new(a, "AlarmActions", aws_xml_list(a, "AlarmActions"));
    }
    json_object_set_new(r->alarms, region, l);
}

/* "arn:aws:sns:REGION:ACCOUNT:NAME" -> REGION (bounded), or -1. */
static int aws_trail_arn_region(const char *arn, char *out, size_t cap)
{
    const char *p = arn, *q;
    int i;

    for (i = 0; i < 3 && p; i++) {
        p = strchr(p, ':');
        if (p)
            p++;
    }
    if (!p || !(q = strchr(p, ':')) || q == p || (size_t)(q - p) >= cap)
        return -1;
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
    return 0;
}

static void aws_trail_topic(struct aws_trail_run *r, const char *arn)
{
    struct aws_query q = {0};
    struct aws_call_err ce;
    struct err ce_e;
    struct strbuf p = STRBUF_INIT;
    const char *params[2];
    char region[64];
    json_t *l, *s;
    json_int_t n = 0;
    size_t i;

    if (json_object_get(r->topics, arn))
        return;
    if (aws_trail_arn_region(arn, region, sizeof(region)) != 0) {
        json_object_set_new(r->topics, arn, json_integer(0));
        return;
    }
    sb_addf(&p, "TopicArn=%s", arn);
    params[0] = sb_str(&p);
    params[1] = NULL;
    q.service = "sns";
    q.region = region;
    q.version = "2010-03-31";
    q.action = "ListSubscriptionsByTopic";
    q.params = params;
    q.list = "ListSubscriptionsByTopicResult/Subscriptions";
    q.token_param = "NextToken";
    q.token_path = "ListSubscriptionsByTopicResult/NextToken";
    l = aws_query_list(r->j->client, &q, &ce, &ce_e);
    sb_release(&p);
    if (!l) {
        json_object_set_new(r->topics, arn, aws_unavailable(&ce, &ce_e));
        return;
    }
    json_array_foreach(l, i, s)
    {
        const char *sa =
            json_string_value(json_object_get(s, "SubscriptionArn"));
        /* A subscription not yet confirmed delivers nothing. */
        if (sa && strncmp(sa, "arn:", 4) == 0)
            n++;
    }
    json_decref(l);
    json_object_set_new(r->topics, arn, json_integer(n));
}

/* The alarms and topics of the log groups trails deliver to: only where
 * some filter sits on such a group. */
static void aws_trail_alarm_side(struct aws_trail_run *r)
{
    const json_t *t, *f, *a, *act;
    size_t i, k, m, n;

    json_array_foreach(r->summaries, i, t)
    {
        char region[64], group[512];
        const json_t *rf, *ra;
        const char *lga =
            json_string_value(json_object_get(t, "log_group_arn"));

        if (!lga || aws_monitor_log_group(lga, region, sizeof(region), group,
                                          sizeof(group)) != 0)
            continue;
        rf = json_object_get(r->filters, region);
        json_array_foreach(rf, k, f)
        {
            const char *lg =
                json_string_value(json_object_get(f, "logGroupName"));
            const json_t *mt;
            if (!lg || strcmp(lg, group) != 0)
                continue;
            aws_trail_alarms(r, region);
            ra = json_object_get(r->alarms, region);
            json_array_foreach(json_object_get(f, "metricTransformations"), m,
                               mt)
            {
                const char *mn =
                    json_string_value(json_object_get(mt, "metricName"));
                json_array_foreach(ra, n, a)
                {
                    const char *am =
                        json_string_value(json_object_get(a, "MetricName"));
                    size_t x;
                    if (!mn || !am || strcmp(mn, am) != 0)
                        continue;
                    json_array_foreach(json_object_get(a, "AlarmActions"), x,
                                       act)
                    {
                        const char *arn = json_string_value(act);
                        if (arn && strstr(arn, ":sns:"))
                            aws_trail_topic(r, arn);
                    }
                }
            }
        }
    }
}

static int aws_trail_collect(struct aws_job *j, struct err *e)
{
    struct aws_trail_run r = {j,
                              json_object(),
                              json_array(),
                              json_object(),
                              json_object(),
                              json_object()};
    const char *const *reg;
    const json_t *t;
    json_t *mon;
    size_t i;
    int rc = -1;

    for (reg = j->regions; *reg; reg++) {
        if (aws_trail_region(&r, *reg, e) != 0)
            goto out;
    }
    for (reg = j->regions; *reg; reg++) {
        if (aws_trail_filters(&r, *reg, e) != 0)
            goto out;
    }
    /* A log group outside the scanned regions: its filters too. */
    json_array_foreach(r.summaries, i, t)
    {
        char region[64], group[512];
        const char *lga =
            json_string_value(json_object_get(t, "log_group_arn"));
        if (lga &&
            aws_monitor_log_group(lga, region, sizeof(region), group,
                                  sizeof(group)) == 0 &&
            aws_trail_filters(&r, region, e) != 0)
            goto out;
    }
    aws_trail_alarm_side(&r);
    mon = aws_monitor_join(r.summaries, r.filters, r.alarms, r.topics);
    if (aws_account_set(j, "monitoring", mon, e) != 0)
        goto out;
    rc = aws_account_set(j, "cloudtrail", json_incref(r.summaries), e);
out:
    json_decref(r.seen);
    json_decref(r.summaries);
    json_decref(r.filters);
    json_decref(r.alarms);
    json_decref(r.topics);
    return rc;
}

static const char *const aws_trail_kinds[] = {"aws/Trail", "aws/MetricFilter",
                                              "aws/Account", NULL};

const struct aws_service aws_service_cloudtrail = {
    .name = "cloudtrail",
    .global = 1,
    .kinds = aws_trail_kinds,
    .collect = aws_trail_collect,
};
