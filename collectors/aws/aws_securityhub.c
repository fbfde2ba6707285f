/*
 * aws_securityhub.c: the "securityhub" service module: one aws/SecurityHub
 * per region saying whether Security Hub is enabled there (CIS AWS 5.16),
 * from DescribeHub (REST-JSON GET /accounts). Security Hub answers an
 * account that is not subscribed with InvalidAccessException: that is
 * "not enabled", a verdict; a denial or any other failure is an error for
 * the region's aws/SecurityHub rules.
 */
#include <stdio.h>
#include <string.h>

#include "aws_api.h"
#include "aws_int.h"
#include "util.h"
#include "banned.h"

static int aws_securityhub_collect(struct aws_job *j, struct err *e)
{
    struct aws_rest q = {0};
    struct aws_call_err ce;
    struct err ce_e;
    json_t *hub, *doc;
    const char *arn = NULL;

    q.service = "securityhub";
    q.action = "DescribeHub";
    q.region = j->region;
    q.method = "GET";
    q.path = "/accounts";
    hub = aws_rest_json(j->client, &q, &ce, &ce_e);
    if (!hub && strcmp(ce.code, "InvalidAccessException") == 0) {
        doc = json_pack("{s:b, s:s}", "enabled", 0, "reason", ce_e.msg);
    } else if (!hub) {
        return aws_kind_failed(j, NULL, "aws/SecurityHub", ce_e.msg, e);
    } else {
        arn = json_string_value(json_object_get(hub, "HubArn"));
        /* A 200 answer is a subscribed account. */
        doc = json_pack("{s:b, s:O}", "enabled", 1, "hub", hub);
        json_decref(hub);
    }
    return aws_emit(j, "aws/SecurityHub", NULL, "hub", "Security Hub", arn, doc,
                    e);
}

static const char *const aws_securityhub_kinds[] = {"aws/SecurityHub", NULL};

const struct aws_service aws_service_securityhub = {
    .name = "securityhub",
    .global = 0,
    .kinds = aws_securityhub_kinds,
    .collect = aws_securityhub_collect,
};
