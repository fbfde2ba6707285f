/*
 * aws_ec2.c: the EC2 service module (one job per region): security
 * groups, network ACLs, instances (their metadata options), VPCs with
 * their flow logs, and the region's EBS encryption by default (on the
 * aws/Account document, under regions.REGION).
 *
 * Each Describe* call is made once per region; DescribeFlowLogs is joined
 * to every VPC here, so no rule calls it again. A Describe* call that
 * failed costs the rules of its kind in this region (aws_kind_failed);
 * DescribeFlowLogs failing puts the marker in each VPC's flow log fields,
 * GetEbsEncryptionByDefault failing puts it in the account's region key.
 */
#include "aws_int.h"

#include <stdio.h>
#include <string.h>

#include "aws_ec2_net.h"
#include "banned.h"

#define AWS_EC2_VERSION "2016-11-15"

static const char *const aws_ec2_kinds[] = {
    "aws/SecurityGroup", "aws/NetworkAcl", "aws/Instance",
    "aws/Vpc",           "aws/Account",    NULL};

/* Every page of a Describe* call (new reference), normalised; NULL with
 * ce and e set. */
static json_t *aws_ec2_describe(struct aws_job *j, const char *action,
                                const char *list, struct aws_call_err *ce,
                                struct err *e)
{
    /* pages of at most 1000 (each Describe* here allows 5 to 1000):
     * without MaxResults AWS may send one unbounded answer */
    static const char *const params[] = {"MaxResults=1000", NULL};
    struct aws_query q = {
        .service = "ec2",
        .region = j->region,
        .version = AWS_EC2_VERSION,
        .action = action,
        .params = params,
        .list = list,
        .token_param = "NextToken",
        .token_path = "nextToken",
    };
    json_t *items = aws_query_list(j->client, &q, ce, e);

    if (items)
        aws_norm(items, &aws_ec2_net_norm);
    return items;
}

/* The value of tag key in a tagSet, or NULL. */
static const char *aws_ec2_tag(const json_t *obj, const char *key)
{
    const json_t *tags = json_object_get(obj, "tagSet"), *t;
    size_t i;

    json_array_foreach(tags, i, t)
    {
        const char *k = json_string_value(json_object_get(t, "key"));
        if (k && strcmp(k, key) == 0)
            return json_string_value(json_object_get(t, "value"));
    }
    return NULL;
}

/* Emits one resource of kind ("aws/Vpc") whose id is at idkey, named by
 * its Name tag (else namekey's value, else the id), its arn the API's
 * (securityGroupArn) or built from type ("vpc"); doc is stolen. The
 * strings are copied first: they live in doc, which aws_emit takes. */
static int aws_ec2_emit(struct aws_job *j, const char *kind, const char *type,
                        const char *idkey, const char *namekey, json_t *doc,
                        struct err *e)
{
    const char *id = json_string_value(json_object_get(doc, idkey));
    const char *name = aws_ec2_tag(doc, "Name");
    const char *arn =
        json_string_value(json_object_get(doc, "securityGroupArn"));
    char idc[256], namec[512], arnc[512];

    if (!id) {
        aws_warn(j, "aws ec2 %s: an item without %s was skipped", j->region,
                 idkey);
        json_decref(doc);
        return 0;
    }
    if (!name && namekey)
        name = json_string_value(json_object_get(doc, namekey));
    snprintf(idc, sizeof(idc), "%s", id);
    snprintf(namec, sizeof(namec), "%s", name ? name : id);
    if (arn)
        snprintf(arnc, sizeof(arnc), "%s", arn);
    else
        snprintf(arnc, sizeof(arnc), "arn:%s:ec2:%s:%s:%s/%s", j->partition,
                 j->region, j->account, type, id);
    return aws_emit(j, kind, NULL, idc, namec, arnc, doc, e);
}

/* A list call failed: its kind is not evaluated in this region. */
static int aws_ec2_failed(struct aws_job *j, const char *kind,
                          const struct err *ce_e, struct err *e)
{
    aws_warn(j, "%s", ce_e->msg);
    return aws_kind_failed(j, NULL, kind, ce_e->msg, e);
}

/*
 * The managed prefix lists the groups' inbound rules name, each read once
 * (GetManagedPrefixListEntries): {id: {"ipv4_world", "ipv6_world"}} or
 * the marker when the call failed (new reference; NULL when out of
 * memory).
 */
static json_t *aws_ec2_prefix_lists(struct aws_job *j, const json_t *sgs)
{
    json_t *map = json_object(), *sg, *perm, *ref;
    size_t i, k, r;

    if (!map)
        return NULL;
    json_array_foreach(sgs, i, sg)
    {
        json_array_foreach(json_object_get(sg, "ipPermissions"), k, perm)
        {
            json_array_foreach(json_object_get(perm, "prefixListIds"), r, ref)
            {
                const char *id =
                    json_string_value(json_object_get(ref, "prefixListId"));
                char param[160];
                const char *params[] = {param, "MaxResults=100", NULL};
                struct aws_query q = {
                    .service = "ec2",
                    .region = j->region,
                    .version = AWS_EC2_VERSION,
                    .action = "GetManagedPrefixListEntries",
                    .params = params,
                    .list = "entrySet",
                    .token_param = "NextToken",
                    .token_path = "nextToken",
                };
                struct aws_call_err ce;
                struct err ce_e = {{0}};
                json_t *entries, *v;

                if (!id || json_object_get(map, id))
                    continue;
                snprintf(param, sizeof(param), "PrefixListId=%s", id);
                entries = aws_query_list(j->client, &q, &ce, &ce_e);
                if (entries) {
                    aws_norm(entries, &aws_ec2_net_norm);
                    v = aws_ec2_net_prefix_list(entries);
                    json_decref(entries);
                } else {
                    aws_warn(j, "%s", ce_e.msg);
                    v = aws_unavailable(&ce, &ce_e);
                }
                if (json_object_set_new(map, id, v)) {
                    json_decref(map);
                    return NULL;
                }
            }
        }
    }
    return map;
}

static int aws_ec2_security_groups(struct aws_job *j, struct err *e)
{
    struct aws_call_err ce;
    struct err ce_e = {{0}};
    json_t *items = aws_ec2_describe(j, "DescribeSecurityGroups",
                                     "securityGroupInfo", &ce, &ce_e),
           *sg, *pls;
    size_t i;
    int rc = 0;

    if (!items)
        return aws_ec2_failed(j, "aws/SecurityGroup", &ce_e, e);
    pls = aws_ec2_prefix_lists(j, items);
    if (!pls) {
        json_decref(items);
        return err_set(e, "aws ec2 %s: out of memory", j->region);
    }
    json_array_foreach(items, i, sg)
    {
        char what[256];
        snprintf(what, sizeof(what), "aws ec2 DescribeSecurityGroups %s %s",
                 j->region,
                 json_string_value(json_object_get(sg, "groupId"))
                     ? json_string_value(json_object_get(sg, "groupId"))
                     : "?");
        if (aws_ec2_net_sg(sg, pls, what) < 0) {
            rc = err_set(e, "aws ec2 %s: out of memory", j->region);
            break;
        }
        if ((rc = aws_ec2_emit(j, "aws/SecurityGroup", "security-group",
                               "groupId", "groupName", json_incref(sg), e)))
            break;
    }
    json_decref(pls);
    json_decref(items);
    return rc;
}

static int aws_ec2_network_acls(struct aws_job *j, struct err *e)
{
    struct aws_call_err ce;
    struct err ce_e = {{0}};
    json_t *items = aws_ec2_describe(j, "DescribeNetworkAcls", "networkAclSet",
                                     &ce, &ce_e),
           *acl;
    size_t i;
    int rc = 0;

    if (!items)
        return aws_ec2_failed(j, "aws/NetworkAcl", &ce_e, e);
    json_array_foreach(items, i, acl)
    {
        char what[256];
        const char *id =
            json_string_value(json_object_get(acl, "networkAclId"));
        snprintf(what, sizeof(what), "aws ec2 DescribeNetworkAcls %s %s",
                 j->region, id ? id : "?");
        if (aws_ec2_net_nacl(acl, what) < 0) {
            rc = err_set(e, "aws ec2 %s: out of memory", j->region);
            break;
        }
        if ((rc = aws_ec2_emit(j, "aws/NetworkAcl", "network-acl",
                               "networkAclId", NULL, json_incref(acl), e)))
            break;
    }
    json_decref(items);
    return rc;
}

static int aws_ec2_instances(struct aws_job *j, struct err *e)
{
    struct aws_call_err ce;
    struct err ce_e = {{0}};
    json_t *items = aws_ec2_describe(j, "DescribeInstances", "reservationSet",
                                     &ce, &ce_e),
           *res, *inst;
    size_t i, k;
    int rc = 0;

    if (!items)
        return aws_ec2_failed(j, "aws/Instance", &ce_e, e);
    json_array_foreach(items, i, res)
    {
        json_t *set = json_object_get(res, "instancesSet");
        json_array_foreach(set, k, inst)
        {
            json_t *owner = json_object_get(res, "ownerId");
            if (owner && !json_object_get(inst, "ownerId"))
                json_object_set(inst, "ownerId", owner);
            json_object_set(inst, "reservationId",
                            json_object_get(res, "reservationId"));
            if ((rc = aws_ec2_emit(j, "aws/Instance", "instance", "instanceId",
                                   NULL, json_incref(inst), e)))
                goto out;
        }
    }
out:
    json_decref(items);
    return rc;
}

static int aws_ec2_vpcs(struct aws_job *j, struct err *e)
{
    struct aws_call_err ce;
    struct err ce_e = {{0}};
    json_t *vpcs, *logs, *marker = NULL, *vpc;
    size_t i;
    int rc = 0;

    vpcs = aws_ec2_describe(j, "DescribeVpcs", "vpcSet", &ce, &ce_e);
    if (!vpcs)
        return aws_ec2_failed(j, "aws/Vpc", &ce_e, e);
    logs = aws_ec2_describe(j, "DescribeFlowLogs", "flowLogSet", &ce, &ce_e);
    if (!logs) {
        aws_warn(j, "%s", ce_e.msg);
        marker = aws_unavailable(&ce, &ce_e);
    }
    json_array_foreach(vpcs, i, vpc)
    {
        if (aws_ec2_net_vpc(vpc, logs, marker) < 0) {
            rc = err_set(e, "aws ec2 %s: out of memory", j->region);
            break;
        }
        if ((rc = aws_ec2_emit(j, "aws/Vpc", "vpc", "vpcId", NULL,
                               json_incref(vpc), e)))
            break;
    }
    json_decref(vpcs);
    json_decref(logs);
    json_decref(marker);
    return rc;
}

static int aws_ec2_ebs_default(struct aws_job *j, struct err *e)
{
    struct aws_query q = {
        .service = "ec2",
        .region = j->region,
        .version = AWS_EC2_VERSION,
        .action = "GetEbsEncryptionByDefault",
    };
    struct aws_call_err ce;
    struct err ce_e = {{0}};
    json_t *doc = aws_query_once(j->client, &q, &ce, &ce_e), *v;

    if (!doc) {
        aws_warn(j, "%s", ce_e.msg);
        v = aws_unavailable(&ce, &ce_e);
    } else {
        aws_norm(doc, &aws_ec2_net_norm);
        v = json_object_get(doc, "ebsEncryptionByDefault");
        if (v) {
            json_incref(v);
        } else { /* absent is not false: say what was missing */
            char msg[256];
            snprintf(msg, sizeof(msg),
                     "aws ec2 GetEbsEncryptionByDefault %s: the answer has no "
                     "ebsEncryptionByDefault",
                     j->region);
            v = json_pack("{s:s}", "$error", msg);
        }
        json_decref(doc);
    }
    return aws_account_set_region(j, j->region, "ebs_encryption_by_default", v,
                                  e);
}

static int aws_ec2_collect(struct aws_job *j, struct err *e)
{
    if (aws_ec2_security_groups(j, e) || aws_ec2_network_acls(j, e) ||
        aws_ec2_instances(j, e) || aws_ec2_vpcs(j, e) ||
        aws_ec2_ebs_default(j, e))
        return -1;
    return 0;
}

const struct aws_service aws_service_ec2 = {
    .name = "ec2",
    .kinds = aws_ec2_kinds,
    .collect = aws_ec2_collect,
};
