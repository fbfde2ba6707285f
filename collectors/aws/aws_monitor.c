/*
 * aws_monitor.c: CloudTrail event selectors, metric filter patterns and
 * the trail -> log group -> metric filter -> alarm -> SNS subscriber join,
 * read the way AWS reads them. No I/O: aws_trail.c fetches, this decides
 * what the answers say, so that the rules stay plain checks.
 */
#include "aws_monitor.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

/* jansson answers NULL only when memory ran out (or for a format bug). */
static json_t *aws_monitor_need(json_t *v)
{
    if (!v) {
        fprintf(stderr, "fourc: out of memory building a JSON value\n");
        abort();
    }
    return v;
}

int aws_monitor_is_marker(const json_t *v)
{
    return json_is_object(v) && json_object_get(v, "$error") != NULL;
}

/* --- event selectors -------------------------------------------------- */

struct aws_monitor_sel {
    int mgmt_read, mgmt_write, mgmt_partial;
    int s3_read_all, s3_write_all;
    json_t *s3_read, *s3_write; /* bucket names */
};

static void aws_monitor_add_unique(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;

    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return;
    }
    json_array_append_new(arr, json_string(s));
}

/* An S3 object ARN prefix: "arn:aws:s3" or "arn:aws:s3:::" (every
 * bucket, any partition) is 1; "arn:aws:s3:::NAME[/...]" adds NAME. */
static int aws_monitor_s3_value(const char *v, json_t *buckets)
{
    const char *p;
    char name[256];
    size_t n;

    if (strncmp(v, "arn:", 4) != 0)
        return 0;
    p = strchr(v + 4, ':'); /* after the partition */
    if (!p || strncmp(p, ":s3", 3) != 0)
        return 0;
    p += 3;
    if (*p == '\0' || strcmp(p, ":::") == 0)
        return 1;
    if (strncmp(p, ":::", 3) != 0)
        return 0;
    p += 3;
    n = strcspn(p, "/");
    if (n == 0 || n >= sizeof(name))
        return 0;
    memcpy(name, p, n);
    name[n] = '\0';
    aws_monitor_add_unique(buckets, name);
    return 0;
}

static void aws_monitor_classic(const json_t *sel, struct aws_monitor_sel *s)
{
    const char *rw = json_string_value(json_object_get(sel, "ReadWriteType"));
    const json_t *im = json_object_get(sel, "IncludeManagementEvents");
    const json_t *ex = json_object_get(sel, "ExcludeManagementEventSources");
    const json_t *dr = json_object_get(sel, "DataResources"), *d, *v;
    int rd = !rw || strcmp(rw, "All") == 0 || strcmp(rw, "ReadOnly") == 0;
    int wr = !rw || strcmp(rw, "All") == 0 || strcmp(rw, "WriteOnly") == 0;
    size_t i, k;

    if (!json_is_false(im)) {
        if (json_array_size(ex) > 0)
            s->mgmt_partial = 1;
        else {
            s->mgmt_read |= rd;
            s->mgmt_write |= wr;
        }
    }
    json_array_foreach(dr, i, d)
    {
        const char *type = json_string_value(json_object_get(d, "Type"));
        if (!type || strcmp(type, "AWS::S3::Object") != 0)
            continue;
        json_array_foreach(json_object_get(d, "Values"), k, v)
        {
            const char *val = json_string_value(v);
            if (!val)
                continue;
            if (rd && aws_monitor_s3_value(val, s->s3_read))
                s->s3_read_all = 1;
            if (wr && aws_monitor_s3_value(val, s->s3_write))
                s->s3_write_all = 1;
        }
    }
}

/* The one string of a field selector's Equals, or NULL. */
static const char *aws_monitor_equals1(const json_t *fs)
{
    const json_t *eq = json_object_get(fs, "Equals");
    if (json_array_size(eq) != 1)
        return NULL;
    return json_string_value(json_array_get(eq, 0));
}

static void aws_monitor_advanced(const json_t *sel, struct aws_monitor_sel *s)
{
    const json_t *fss = json_object_get(sel, "FieldSelectors"), *fs;
    const char *cat = NULL, *type = NULL, *ro = NULL;
    const json_t *arns = NULL;
    int other = 0, rd, wr;
    size_t i;

    json_array_foreach(fss, i, fs)
    {
        const char *f = json_string_value(json_object_get(fs, "Field"));
        if (!f)
            other = 1;
        else if (strcmp(f, "eventCategory") == 0)
            cat = aws_monitor_equals1(fs);
        else if (strcmp(f, "resources.type") == 0)
            type = aws_monitor_equals1(fs);
        else if (strcmp(f, "readOnly") == 0)
            ro = aws_monitor_equals1(fs);
        else if (strcmp(f, "resources.ARN") == 0 && json_object_size(fs) == 2 &&
                 json_object_get(fs, "StartsWith"))
            arns = json_object_get(fs, "StartsWith");
        else
            other = 1; /* eventName, eventSource, NotEquals ...: narrower */
    }
    if (!cat)
        return;
    rd = !ro || strcmp(ro, "true") == 0;
    wr = !ro || strcmp(ro, "false") == 0;
    if (strcmp(cat, "Management") == 0) {
        if (other || arns)
            s->mgmt_partial = 1;
        else {
            s->mgmt_read |= rd;
            s->mgmt_write |= wr;
        }
        return;
    }
    if (strcmp(cat, "Data") != 0 || !type ||
        strcmp(type, "AWS::S3::Object") != 0 || other)
        return;
    if (!arns) {
        s->s3_read_all |= rd;
        s->s3_write_all |= wr;
        return;
    }
    {
        const json_t *v;
        size_t k;
        json_array_foreach(arns, k, v)
        {
            const char *val = json_string_value(v);
            if (!val)
                continue;
            if (rd && aws_monitor_s3_value(val, s->s3_read))
                s->s3_read_all = 1;
            if (wr && aws_monitor_s3_value(val, s->s3_write))
                s->s3_write_all = 1;
        }
    }
}

json_t *aws_monitor_selectors(const json_t *answer)
{
    struct aws_monitor_sel s = {0};
    const json_t *v;
    const char *mgmt;
    json_t *out;
    size_t i;

    s.s3_read = json_array();
    s.s3_write = json_array();
    json_array_foreach(json_object_get(answer, "EventSelectors"), i, v)
        aws_monitor_classic(v, &s);
    json_array_foreach(json_object_get(answer, "AdvancedEventSelectors"), i, v)
        aws_monitor_advanced(v, &s);
    if (s.mgmt_read && s.mgmt_write)
        mgmt = "All";
    else if (s.mgmt_partial)
        mgmt = "Partial";
    else if (s.mgmt_read)
        mgmt = "ReadOnly";
    else if (s.mgmt_write)
        mgmt = "WriteOnly";
    else
        mgmt = "None";
    out = json_pack("{s:s, s:b, s:b, s:o, s:o}", "management_events", mgmt,
                    "s3_object_read_all", s.s3_read_all, "s3_object_write_all",
                    s.s3_write_all, "s3_object_read_buckets", s.s3_read,
                    "s3_object_write_buckets", s.s3_write);
    return aws_monitor_need(out);
}

/* --- patterns --------------------------------------------------------- */

char *aws_monitor_pattern_norm(const char *pattern)
{
    struct strbuf sb = STRBUF_INIT;
    int quoted = 0;
    const char *p;

    for (p = pattern; *p; p++) {
        if (*p == '\\' && quoted && p[1]) {
            sb_add(&sb, p, 2);
            p++;
            continue;
        }
        if (*p == '"')
            quoted = !quoted;
        if (!quoted && isspace((unsigned char)*p))
            continue;
        sb_add(&sb, p, 1);
    }
    return sb_detach(&sb);
}

json_t *aws_monitor_pattern_values(const char *norm, const char *field)
{
    json_t *out = aws_monitor_need(json_array());
    char key[64];
    const char *p = norm;
    size_t klen;

    snprintf(key, sizeof(key), "$.%s", field);
    klen = strlen(key);
    while ((p = strstr(p, key)) != NULL) {
        const char *v = p + klen, *end;
        char val[256];
        size_t n;

        p = v;
        /* "$.eventNameX" is another field; "!=" is not a match. */
        if (*v != '=')
            continue;
        v++;
        if (*v == '"') {
            v++;
            end = strchr(v, '"');
            if (!end)
                break;
        } else {
            end = v + strcspn(v, ")|&}");
        }
        n = (size_t)(end - v);
        if (n == 0 || n >= sizeof(val))
            continue;
        memcpy(val, v, n);
        val[n] = '\0';
        aws_monitor_add_unique(out, val);
    }
    return out;
}

/* --- the join --------------------------------------------------------- */

int aws_monitor_log_group(const char *arn, char *region, size_t rcap,
                          char *name, size_t ncap)
{
    const char *f[6];
    const char *p = arn;
    size_t n;
    int i;

    /* arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME[:*] */
    for (i = 0; i < 6; i++) {
        f[i] = p;
        p = strchr(p, ':');
        if (!p)
            return -1;
        p++;
    }
    if (strncmp(f[0], "arn:", 4) != 0 || strncmp(f[2], "logs:", 5) != 0 ||
        strncmp(f[5], "log-group:", 10) != 0)
        return -1;
    n = (size_t)(f[4] - f[3]) - 1;
    if (n == 0 || n >= rcap)
        return -1;
    memcpy(region, f[3], n);
    region[n] = '\0';
    n = strlen(p);
    if (n >= 2 && strcmp(p + n - 2, ":*") == 0)
        n -= 2;
    if (n == 0 || n >= ncap)
        return -1;
    memcpy(name, p, n);
    name[n] = '\0';
    return 0;
}

static void aws_monitor_push_marker(json_t *out, const json_t *m)
{
    size_t i;
    json_t *v;

    /* One copy of each distinct message is enough. */
    json_array_foreach(out, i, v)
    {
        if (aws_monitor_is_marker(v) && json_equal(v, m))
            return;
    }
    json_array_append_new(out, json_deep_copy(m));
}

/* The subscribers of one alarm: the sum over its SNS actions, or the
 * marker of a topic not listed when the sum is 0. */
static json_t *aws_monitor_subscribers(const json_t *actions,
                                       const json_t *topics)
{
    const json_t *a, *t, *unknown = NULL;
    json_int_t sum = 0;
    size_t i;

    json_array_foreach(actions, i, a)
    {
        const char *arn = json_string_value(a);
        if (!arn || !strstr(arn, ":sns:"))
            continue;
        t = json_object_get(topics, arn);
        if (json_is_integer(t))
            sum += json_integer_value(t);
        else if (aws_monitor_is_marker(t))
            unknown = t;
    }
    if (sum == 0 && unknown)
        return json_deep_copy(unknown);
    return json_integer(sum);
}

/* The marker for an answer the collector did not hand over (a bug, but
 * never a verdict). */
static json_t *aws_monitor_unread(const char *what, const char *region)
{
    char msg[256];

    snprintf(msg, sizeof(msg), "aws %s %s: not read", what, region);
    return aws_monitor_need(json_pack("{s:s}", "$error", msg));
}

static json_t *aws_monitor_alarms_of(const json_t *region_alarms,
                                     const char *region, const json_t *mts,
                                     const json_t *topics)
{
    json_t *out, *a;
    const json_t *mt;
    size_t i, k;

    if (aws_monitor_is_marker(region_alarms))
        return json_deep_copy(region_alarms);
    if (!json_is_array(region_alarms))
        return aws_monitor_unread("cloudwatch DescribeAlarms", region);
    out = json_array();
    json_array_foreach(region_alarms, i, a)
    {
        const char *am = json_string_value(json_object_get(a, "MetricName"));
        const char *an = json_string_value(json_object_get(a, "Namespace"));
        if (!am || !an)
            continue;
        json_array_foreach(mts, k, mt)
        {
            const char *m =
                json_string_value(json_object_get(mt, "metricName"));
            const char *ns =
                json_string_value(json_object_get(mt, "metricNamespace"));
            const json_t *actions = json_object_get(a, "AlarmActions");
            json_t *act;
            if (!m || !ns || strcmp(m, am) != 0 || strcmp(ns, an) != 0)
                continue;
            act =
                json_is_array(actions) ? json_deep_copy(actions) : json_array();
            json_array_append_new(
                out,
                json_pack("{s:s?, s:o, s:o}", "name",
                          json_string_value(json_object_get(a, "AlarmName")),
                          "actions", act, "subscribers",
                          aws_monitor_subscribers(actions, topics)));
            break;
        }
    }
    return out;
}

static json_t *aws_monitor_entry(const json_t *f, const char *region,
                                 const char *group, const json_t *trails,
                                 const json_t *region_alarms,
                                 const json_t *topics)
{
    const char *raw = json_string_value(json_object_get(f, "filterPattern"));
    const json_t *mts = json_object_get(f, "metricTransformations");
    const json_t *mt0 = json_array_get(mts, 0);
    char *norm = aws_monitor_pattern_norm(raw ? raw : "");
    json_t *e;

    e = json_pack(
        "{s:s, s:s, s:O, s:s?, s:s, s:s, s:o, s:o, s:s?, s:s?, s:o}",
        "log_group", group, "log_group_region", region, "trails", trails,
        "filter", json_string_value(json_object_get(f, "filterName")),
        "pattern", norm, "pattern_raw", raw ? raw : "", "event_names",
        aws_monitor_pattern_values(norm, "eventName"), "event_sources",
        aws_monitor_pattern_values(norm, "eventSource"), "metric",
        json_string_value(json_object_get(mt0, "metricName")), "namespace",
        json_string_value(json_object_get(mt0, "metricNamespace")), "alarms",
        aws_monitor_alarms_of(region_alarms, region, mts, topics));
    free(norm);
    return aws_monitor_need(e);
}

/* A trail that counts: multi-region, logging, management events All, and
 * delivering to a log group. 1 yes, 0 no, -1 unknown (*why the marker). */
static int aws_monitor_qualifies(const json_t *t, const json_t **why)
{
    const json_t *logging = json_object_get(t, "logging");
    const json_t *mgmt = json_object_get(t, "management_events");

    if (!json_is_true(json_object_get(t, "multi_region")) ||
        !json_is_string(json_object_get(t, "log_group_arn")))
        return 0;
    if (aws_monitor_is_marker(logging)) {
        *why = logging;
        return -1;
    }
    if (aws_monitor_is_marker(mgmt)) {
        *why = mgmt;
        return -1;
    }
    return json_is_true(logging) && json_is_string(mgmt) &&
           strcmp(json_string_value(mgmt), "All") == 0;
}

json_t *aws_monitor_join(const json_t *trails, const json_t *filters,
                         const json_t *alarms, const json_t *topics)
{
    json_t *out = aws_monitor_need(json_array());
    json_t *groups = aws_monitor_need(json_object()), *v;
    const json_t *t, *why = NULL;
    const char *key;
    size_t i;

    /* log group "REGION\tNAME" -> the qualifying trails feeding it */
    json_array_foreach(trails, i, t)
    {
        char region[64], name[512], k[600];
        const char *arn = json_string_value(json_object_get(t, "arn"));
        int q;

        if (aws_monitor_is_marker(t)) {
            aws_monitor_push_marker(out, t);
            continue;
        }
        q = aws_monitor_qualifies(t, &why);
        if (q < 0) {
            aws_monitor_push_marker(out, why);
            continue;
        }
        if (q == 0 ||
            aws_monitor_log_group(
                json_string_value(json_object_get(t, "log_group_arn")), region,
                sizeof(region), name, sizeof(name)) != 0)
            continue;
        snprintf(k, sizeof(k), "%s\t%s", region, name);
        v = json_object_get(groups, k);
        if (!v) {
            v = json_array();
            json_object_set_new(groups, k, v);
        }
        json_array_append_new(v, json_string(arn ? arn : ""));
    }
    json_object_foreach(groups, key, v)
    {
        const char *tab = strchr(key, '\t');
        char region[64];
        const json_t *rf, *f;
        size_t n = (size_t)(tab - key), k;

        memcpy(region, key, n);
        region[n] = '\0';
        rf = json_object_get(filters, region);
        if (aws_monitor_is_marker(rf)) {
            aws_monitor_push_marker(out, rf);
            continue;
        }
        if (!json_is_array(rf)) {
            json_t *m =
                aws_monitor_unread("logs DescribeMetricFilters", region);
            aws_monitor_push_marker(out, m);
            json_decref(m);
            continue;
        }
        json_array_foreach(rf, k, f)
        {
            const char *lg =
                json_string_value(json_object_get(f, "logGroupName"));
            if (!lg || strcmp(lg, tab + 1) != 0)
                continue;
            json_array_append_new(
                out,
                aws_monitor_entry(f, region, tab + 1, v,
                                  json_object_get(alarms, region), topics));
        }
    }
    json_decref(groups);
    return out;
}
