/*
 * aws_config.c: AWS Config's configuration recorders, per region
 * (aws/ConfigRecorder), and whether Config records the region at all
 * (aws/Account "regions": {REGION: {"config_enabled", ...}}).
 *
 * CIS 4.3 asks for a recorder in every region, recording, for all
 * supported resource types. A region without one has no recorder resource
 * to fail, so the verdict per region is kept with the account's per-region
 * keys, set for every region this module visits: true, false, or the
 * marker of the call that failed. The rule (cis-aws logging-config.yaml)
 * judges each aws/Region by them, and a region nothing was collected for
 * is an `error` there, never a pass.
 *
 * Global resource types (IAM) need recording in one region only, so they
 * are reported ("include_global_resource_types") but not required.
 */
#include <stdio.h>
#include <string.h>

#include "aws_config.h"

#include "aws_api.h"
#include "aws_int.h"
#include "util.h"

#include "banned.h"

static const char *const config_kinds[] = {"aws/ConfigRecorder", "aws/Region",
                                           NULL};

static json_t *config_call(struct aws_job *j, const char *target,
                           const char *list, struct aws_call_err *ce,
                           struct err *ae)
{
    struct aws_json_req q = {
        .service = "config",
        .region = j->region,
        .target = target,
        .list = NULL,
    };
    json_t *v = aws_json_call(j->client, &q, ce, ae);
    json_t *l;

    if (!v)
        return NULL;
    l = json_object_get(v, list);
    if (!json_is_array(l)) {
        json_decref(v);
        ce->kind = AWS_ERR_TRANSPORT;
        err_set(ae, "aws config %s %s: the answer has no %s list",
                strrchr(target, '.') + 1, j->region, list);
        return NULL;
    }
    json_incref(l);
    json_decref(v);
    return l;
}

static json_t *config_status_of(const json_t *statuses, const char *name)
{
    size_t i;
    json_t *s;

    json_array_foreach(statuses, i, s)
    {
        const char *n = json_string_value(json_object_get(s, "name"));
        if (n && !strcmp(n, name))
            return s;
    }
    return NULL;
}

static int bool_of(const json_t *o, const char *k)
{
    return json_is_true(json_object_get(o, k));
}

/*
 * One recorder's document; *ok: 1 it records everything, 0 it does not,
 * -1 unknown (its status could not be read). why gets the first reason
 * it falls short.
 */
static json_t *config_recorder(const json_t *r, const json_t *statuses,
                               const char *name, int *ok, char *why, size_t cap)
{
    const json_t *g = json_object_get(r, "recordingGroup");
    int all = bool_of(g, "allSupported");
    json_t *doc =
        json_pack("{s:s,s:O?,s:O?,s:b,s:b}", "name", name, "role_arn",
                  json_object_get(r, "roleARN"), "recording_group", g,
                  "all_supported", all, "include_global_resource_types",
                  bool_of(g, "includeGlobalResourceTypes"));
    const json_t *st;

    *ok = all;
    if (!all && !why[0])
        snprintf(why, cap,
                 "recorder %s does not record all supported resource types",
                 name);
    if (json_is_object(statuses) && json_object_get(statuses, "$error")) {
        json_object_set_new(doc, "recording", json_deep_copy(statuses));
        json_object_set_new(doc, "last_status", json_deep_copy(statuses));
        if (*ok)
            *ok = -1;
        return doc;
    }
    st = config_status_of(statuses, name);
    json_object_set_new(doc, "recording",
                        json_boolean(st && bool_of(st, "recording")));
    json_object_set(doc, "last_status",
                    st && json_object_get(st, "lastStatus")
                        ? json_object_get(st, "lastStatus")
                        : json_null());
    if (st)
        json_object_set(doc, "status", (json_t *)st);
    if (!st || !bool_of(st, "recording")) {
        if (*ok && !why[0])
            snprintf(why, cap, "recorder %s is not recording", name);
        *ok = 0;
    } else if (json_is_string(json_object_get(st, "lastStatus")) &&
               !strcmp(json_string_value(json_object_get(st, "lastStatus")),
                       "FAILURE")) {
        if (*ok && !why[0])
            snprintf(why, cap, "recorder %s's last recording failed", name);
        *ok = 0;
    }
    return doc;
}

json_t *aws_config_judge(const json_t *recs, const json_t *statuses,
                         const char *region, json_t **docs)
{
    json_t *names = json_array(), *r, *enabled;
    char why[256] = "", summary[320];
    size_t i;
    int any_ok = 0, any_unknown = 0;

    *docs = json_array();
    json_array_foreach(recs, i, r)
    {
        const char *name = json_string_value(json_object_get(r, "name"));
        int ok;
        json_t *doc;
        if (!name)
            continue;
        doc = config_recorder(r, statuses, name, &ok, why, sizeof(why));
        any_ok |= ok == 1;
        any_unknown |= ok < 0;
        json_array_append_new(
            names,
            json_pack("{s:s,s:O,s:O,s:O}", "name", name, "recording",
                      json_object_get(doc, "recording"), "all_supported",
                      json_object_get(doc, "all_supported"), "last_status",
                      json_object_get(doc, "last_status")));
        json_array_append_new(*docs, doc);
    }
    if (any_ok) {
        snprintf(summary, sizeof(summary),
                 "AWS Config records all supported resource types in %s",
                 region);
        enabled = json_true();
    } else if (!json_array_size(names)) {
        snprintf(summary, sizeof(summary),
                 "AWS Config has no configuration recorder in %s", region);
        enabled = json_false();
    } else if (any_unknown) {
        snprintf(summary, sizeof(summary), "%s",
                 json_string_value(json_object_get(statuses, "$error")));
        enabled = json_deep_copy(statuses);
    } else {
        snprintf(summary, sizeof(summary), "AWS Config in %s: %s", region, why);
        enabled = json_false();
    }
    return json_pack("{s:o,s:o,s:s}", "config_enabled", enabled,
                     "config_recorders", names, "config_summary", summary);
}

/* Sets the region's keys from a verdict (aws_config_judge's; steals). */
static int config_region(struct aws_job *j, json_t *verdict, struct err *e)
{
    static const char *const keys[] = {"config_recorders", "config_summary",
                                       "config_enabled", NULL};
    int rc = 0;

    for (size_t i = 0; keys[i] && rc == 0; i++)
        rc = aws_account_set_region(
            j, j->region, keys[i],
            json_incref(json_object_get(verdict, keys[i])), e);
    json_decref(verdict);
    return rc;
}

static int config_collect(struct aws_job *j, struct err *e)
{
    struct aws_call_err ce = {0};
    struct err ae = {{0}};
    json_t *recs, *statuses, *docs, *verdict, *d;
    size_t i;
    int rc = 0;

    recs = config_call(j, "StarlingDoveService.DescribeConfigurationRecorders",
                       "ConfigurationRecorders", &ce, &ae);
    if (!recs) {
        json_t *m = aws_unavailable(&ce, &ae);
        verdict = json_pack("{s:O,s:O,s:s}", "config_enabled", m,
                            "config_recorders", m, "config_summary",
                            json_string_value(json_object_get(m, "$error")));
        json_decref(m);
        if (config_region(j, verdict, e) < 0)
            return -1;
        return aws_kind_failed(j, NULL, "aws/ConfigRecorder", ae.msg, e);
    }
    statuses = json_array_size(recs) == 0
                   ? json_array()
                   : config_call(j,
                                 "StarlingDoveService."
                                 "DescribeConfigurationRecorderStatus",
                                 "ConfigurationRecordersStatus", &ce, &ae);
    if (!statuses)
        statuses = aws_unavailable(&ce, &ae);
    verdict = aws_config_judge(recs, statuses, j->region, &docs);
    json_array_foreach(docs, i, d)
    {
        const char *name = json_string_value(json_object_get(d, "name"));
        if ((rc = aws_emit(j, "aws/ConfigRecorder", NULL, name, name, NULL,
                           json_incref(d), e)) < 0)
            break;
    }
    json_decref(docs);
    json_decref(recs);
    json_decref(statuses);
    if (rc < 0) {
        json_decref(verdict);
        return -1;
    }
    return config_region(j, verdict, e);
}

const struct aws_service aws_service_config = {
    .name = "config",
    .global = 0,
    .kinds = config_kinds,
    .collect = config_collect,
};
