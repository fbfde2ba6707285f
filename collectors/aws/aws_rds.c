/*
 * aws_rds.c: the RDS service module (one job per region): every DB
 * instance (DescribeDBInstances) as aws/DBInstance, its document the API's
 * DBInstance element with the declared types (StorageEncrypted,
 * AutoMinorVersionUpgrade, PubliclyAccessible, MultiAZ ... are booleans;
 * the wrapped lists VpcSecurityGroups, DBParameterGroups ... are arrays).
 * A failed DescribeDBInstances costs the aws/DBInstance rules of this
 * region (aws_kind_failed).
 */
#include "aws_int.h"

#include <stdio.h>
#include <string.h>

#include "aws_norm.h"
#include "banned.h"

#define AWS_RDS_VERSION "2014-10-31"

static const char *const aws_rds_kinds[] = {"aws/DBInstance", NULL};

static const char *const aws_rds_ints[] = {"AllocatedStorage",
                                           "BackupRetentionPeriod",
                                           "DbInstancePort",
                                           "Port",
                                           "Iops",
                                           "MonitoringInterval",
                                           "MaxAllocatedStorage",
                                           "StorageThroughput",
                                           "PromotionTier",
                                           NULL};
static const char *const aws_rds_bools[] = {"StorageEncrypted",
                                            "AutoMinorVersionUpgrade",
                                            "PubliclyAccessible",
                                            "MultiAZ",
                                            "DeletionProtection",
                                            "IAMDatabaseAuthenticationEnabled",
                                            "PerformanceInsightsEnabled",
                                            "CopyTagsToSnapshot",
                                            "CustomerOwnedIpEnabled",
                                            "DedicatedLogVolume",
                                            "IsStorageConfigUpgradeAvailable",
                                            "MultiTenant",
                                            "NetworkTypeDualStack",
                                            NULL};
static const char *const aws_rds_lists[] = {"EnabledCloudwatchLogsExports",
                                            NULL};
static const char *const aws_rds_wraps[] = {
    "VpcSecurityGroups",
    "VpcSecurityGroupMembership",
    "DBSecurityGroups",
    "DBSecurityGroup",
    "DBParameterGroups",
    "DBParameterGroup",
    "OptionGroupMemberships",
    "OptionGroupMembership",
    "ReadReplicaDBInstanceIdentifiers",
    "ReadReplicaDBInstanceIdentifier",
    "ReadReplicaDBClusterIdentifiers",
    "ReadReplicaDBClusterIdentifier",
    "StatusInfos",
    "DBInstanceStatusInfo",
    "DomainMemberships",
    "DomainMembership",
    "AssociatedRoles",
    "DBInstanceRole",
    "TagList",
    "Tag",
    "Subnets",
    "Subnet",
    "DBInstanceAutomatedBackupsReplications",
    "DBInstanceAutomatedBackupsReplication",
    NULL};

static const struct aws_norm aws_rds_norm = {
    .lists = aws_rds_lists,
    .ints = aws_rds_ints,
    .bools = aws_rds_bools,
    .wraps = aws_rds_wraps,
};

static int aws_rds_collect(struct aws_job *j, struct err *e)
{
    struct aws_query q = {
        .service = "rds",
        .region = j->region,
        .version = AWS_RDS_VERSION,
        .action = "DescribeDBInstances",
        .list = "DescribeDBInstancesResult/DBInstances/DBInstance",
        .token_param = "Marker",
        .token_path = "DescribeDBInstancesResult/Marker",
    };
    struct aws_call_err ce;
    struct err ce_e = {{0}};
    json_t *items = aws_query_list(j->client, &q, &ce, &ce_e), *db;
    size_t i;
    int rc = 0;

    if (!items) {
        aws_warn(j, "%s", ce_e.msg);
        return aws_kind_failed(j, NULL, "aws/DBInstance", ce_e.msg, e);
    }
    aws_norm(items, &aws_rds_norm);
    json_array_foreach(items, i, db)
    {
        char id[256], arn[512];
        const char *s =
            json_string_value(json_object_get(db, "DBInstanceIdentifier"));
        if (!s) {
            aws_warn(j,
                     "aws rds DescribeDBInstances %s: an instance without "
                     "DBInstanceIdentifier was skipped",
                     j->region);
            continue;
        }
        snprintf(id, sizeof(id), "%s", s);
        s = json_string_value(json_object_get(db, "DBInstanceArn"));
        if (s)
            snprintf(arn, sizeof(arn), "%s", s);
        else
            snprintf(arn, sizeof(arn), "arn:%s:rds:%s:%s:db:%s", j->partition,
                     j->region, j->account, id);
        if ((rc = aws_emit(j, "aws/DBInstance", NULL, id, id, arn,
                           json_incref(db), e)))
            break;
    }
    json_decref(items);
    return rc;
}

const struct aws_service aws_service_rds = {
    .name = "rds",
    .kinds = aws_rds_kinds,
    .collect = aws_rds_collect,
};
