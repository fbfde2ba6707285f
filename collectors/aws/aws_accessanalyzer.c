/*
 * aws_accessanalyzer.c: the REST-JSON parts of the IAM slice.
 *
 * The account's alternate contacts (CIS AWS 2.2, 2.3, both reviewed by a
 * person): Account GetAlternateContact for SECURITY, BILLING and
 * OPERATIONS into aws/Account's alternate_contacts.TYPE:
 * {"present": true, name, title, email, phone} or {"present": false}
 * (ResourceNotFoundException: none registered, a state, not an error);
 * a call that failed puts the marker there instead.
 *
 * IAM Access Analyzer, per region (CIS AWS 2.18):
 * ListAnalyzers (REST-JSON) into aws/Account's regions.REGION.
 * access_analyzer: the analyzers (name, arn, type, status) and
 * "external_active", whether one of them is an external access analyzer
 * (type ACCOUNT or ORGANIZATION; the *_UNUSED_ACCESS ones find unused
 * permissions, not outside access) that is ACTIVE. A call that failed
 * puts the marker there instead.
 */
#include <stdio.h>
#include <string.h>

#include "aws_api.h"
#include "aws_int.h"
#include "banned.h"

static json_t *aa_summary(json_t *list)
{
    json_t *out = json_array(), *a;
    int active = 0;
    size_t i;

    json_array_foreach(list, i, a)
    {
        const char *type = json_string_value(json_object_get(a, "type")),
                   *status = json_string_value(json_object_get(a, "status"));
        if (type && status && !strcmp(status, "ACTIVE") &&
            (!strcmp(type, "ACCOUNT") || !strcmp(type, "ORGANIZATION")))
            active = 1;
        json_array_append_new(out,
                              json_pack("{s:O?, s:O?, s:O?, s:O?}", "name",
                                        json_object_get(a, "name"), "arn",
                                        json_object_get(a, "arn"), "type",
                                        json_object_get(a, "type"), "status",
                                        json_object_get(a, "status")));
    }
    return json_pack("{s:o, s:b}", "analyzers", out, "external_active", active);
}

static int aa_collect(struct aws_job *j, struct err *e)
{
    struct aws_rest q = {.service = "access-analyzer",
                         .action = "ListAnalyzers",
                         .region = j->region,
                         .method = "GET",
                         .path = "/analyzer",
                         .list = "analyzers",
                         .token_param = "nextToken",
                         .token_path = "nextToken"};
    struct aws_call_err ce;
    struct err ce_e = {{0}};
    json_t *l = aws_rest_json(j->client, &q, &ce, &ce_e), *v;

    if (!l)
        v = aws_unavailable(&ce, &ce_e);
    else if (!json_is_array(l)) {
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "aws access-analyzer ListAnalyzers %s: analyzers is not a "
                 "list",
                 j->region);
        v = json_pack("{s:s}", "$error", msg);
    } else
        v = aa_summary(l);
    json_decref(l);
    return aws_account_set_region(j, j->region, "access_analyzer", v, e);
}

static json_t *contact(struct aws_job *j, const char *type)
{
    struct aws_rest q = {.service = "account",
                         .action = "GetAlternateContact",
                         .region = j->region,
                         .method = "POST",
                         .path = "/getAlternateContact"};
    struct aws_call_err ce;
    struct err ce_e = {{0}};
    char body[80];
    json_t *r, *c, *out;

    snprintf(body, sizeof(body), "{\"AlternateContactType\":\"%s\"}", type);
    q.body = body;
    r = aws_rest_json(j->client, &q, &ce, &ce_e);
    if (!r) {
        if (ce.kind == AWS_ERR_API &&
            !strcmp(ce.code, "ResourceNotFoundException"))
            return json_pack("{s:b}", "present", 0);
        return aws_unavailable(&ce, &ce_e);
    }
    c = json_object_get(r, "AlternateContact");
    if (!json_is_object(c)) {
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "aws account GetAlternateContact %s: no AlternateContact in "
                 "the answer for %s",
                 j->region, type);
        out = json_pack("{s:s}", "$error", msg);
    } else {
        out = json_pack("{s:b, s:O?, s:O?, s:O?, s:O?}", "present", 1, "name",
                        json_object_get(c, "Name"), "title",
                        json_object_get(c, "Title"), "email",
                        json_object_get(c, "EmailAddress"), "phone",
                        json_object_get(c, "PhoneNumber"));
    }
    json_decref(r);
    return out;
}

static int contacts_collect(struct aws_job *j, struct err *e)
{
    static const char *const types[] = {"SECURITY", "BILLING", "OPERATIONS",
                                        NULL};
    json_t *all = json_object();

    for (size_t i = 0; types[i]; i++)
        json_object_set_new(all, types[i], contact(j, types[i]));
    return aws_account_set(j, "alternate_contacts", all, e);
}

static const char *const aa_kinds[] = {"aws/Account", NULL};

const struct aws_service aws_service_account = {
    .name = "account",
    .global = 1,
    .kinds = aa_kinds,
    .collect = contacts_collect,
};

const struct aws_service aws_service_accessanalyzer = {
    .name = "accessanalyzer",
    .global = 0,
    .kinds = aa_kinds,
    .collect = aa_collect,
};
