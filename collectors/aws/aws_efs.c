/*
 * aws_efs.c: the EFS service module (one job per region): every file
 * system (DescribeFileSystems, REST-JSON, every page) as aws/EFSFileSystem,
 * its document the API's FileSystemDescription as it comes (Encrypted is a
 * JSON boolean there). A failed DescribeFileSystems costs the
 * aws/EFSFileSystem rules of this region (aws_kind_failed).
 */
#include "aws_int.h"

#include <stdio.h>
#include <string.h>

#include "aws_api.h"
#include "banned.h"

static const char *const aws_efs_kinds[] = {"aws/EFSFileSystem", NULL};

static int aws_efs_collect(struct aws_job *j, struct err *e)
{
    struct aws_rest q = {
        .service = "elasticfilesystem",
        .action = "DescribeFileSystems",
        .region = j->region,
        .path = "/2015-02-01/file-systems",
        .list = "FileSystems",
        .token_param = "Marker",
        .token_path = "NextMarker",
    };
    struct aws_call_err ce;
    struct err ce_e = {{0}};
    json_t *items = aws_rest_json(j->client, &q, &ce, &ce_e), *fs;
    size_t i;
    int rc = 0;

    if (!items) {
        aws_warn(j, "%s", ce_e.msg);
        return aws_kind_failed(j, NULL, "aws/EFSFileSystem", ce_e.msg, e);
    }
    json_array_foreach(items, i, fs)
    {
        char id[256], name[256], arn[512];
        const char *s = json_string_value(json_object_get(fs, "FileSystemId"));
        const char *n = json_string_value(json_object_get(fs, "Name"));
        const char *a = json_string_value(json_object_get(fs, "FileSystemArn"));
        if (!s) {
            aws_warn(j,
                     "aws elasticfilesystem DescribeFileSystems %s: a file "
                     "system without FileSystemId was skipped",
                     j->region);
            continue;
        }
        snprintf(id, sizeof(id), "%s", s);
        snprintf(name, sizeof(name), "%s", n && *n ? n : s);
        if (a)
            snprintf(arn, sizeof(arn), "%s", a);
        else
            snprintf(arn, sizeof(arn),
                     "arn:%s:elasticfilesystem:%s:%s:file-system/%s",
                     j->partition, j->region, j->account, id);
        if ((rc = aws_emit(j, "aws/EFSFileSystem", NULL, id, name, arn,
                           json_incref(fs), e)))
            break;
    }
    json_decref(items);
    return rc;
}

const struct aws_service aws_service_efs = {
    .name = "efs",
    .kinds = aws_efs_kinds,
    .collect = aws_efs_collect,
};
