/*
 * aws_int.h: what the AWS collector (aws.c) and its service modules
 * (aws_iam.c, aws_ec2.c, aws_s3.c, aws_trail.c, ...) share.
 *
 * aws.c resolves the credentials, asks STS who the caller is (the account
 * recorded with the scan), settles the regions (--region, else the
 * profile's, else DescribeRegions), emits one aws/Account resource and one
 * aws/Region resource per region, then runs every service module's
 * collect once per region (or once, for a global service) as jobs on a
 * bounded pool of worker threads, each worker with its own HTTP handle
 * (struct aws_client). Modules call only the functions below to hand
 * over what they found; aws.c serialises those calls, so a module needs
 * no lock of its own.
 *
 * Every API response is fetched once per scan: a module fetches what its
 * kinds need and builds each resource's whole document from it; rules read
 * documents, never the API. A response several modules need is fetched by
 * the module that owns it and handed over in the document (a trail's
 * status is part of aws/Trail, not fetched again by the monitoring rules).
 *
 * A call that failed for one field of a resource (GetBucketPolicy denied)
 * puts aws_unavailable()'s marker in that field's place: every rule
 * reading the field (or below it) is `error` with the marker's message,
 * and the rules reading other fields are judged (checks/jsonpath.c). A
 * list call that failed (ListUsers denied, a region unreachable) costs
 * the rules of that kind in that scope: aws_kind_failed.
 */
#ifndef FOURC_AWS_INT_H
#define FOURC_AWS_INT_H

#include <jansson.h>

#include "aws_call.h"
#include "err.h"

struct aws_scan; /* aws.c's: the scan of one account */

/* One job: a service module in one region. */
struct aws_job {
    struct aws_scan *scan;
    struct aws_client *client; /* this worker's own */
    const char *account;       /* "123456789012" */
    const char *partition;     /* "aws" */
    /* The job's region; for a global service the region its calls are
     * signed for and sent to (us-east-1). */
    const char *region;
    /* The regions of the scan (for a global service's per-region work,
     * S3 buckets' home regions among them), NULL-terminated. */
    const char *const *regions;
    /* "aws/Region" uid of region (aws_region_uid), or the account's
     * aws/Account uid for a global job: the scope for aws_kind_failed. */
    const char *scope_uid;
};

struct aws_service {
    const char *name; /* "iam": in errors and the progress line */
    int global;       /* 1: one job for the account, not one per region */
    /* Every kind it emits, NULL-terminated: skipped when no rule of the
     * scan names one of them. */
    const char *const *kinds;
    /* 0, or -1 with e set when storing failed (stop the scan). API
     * failures are not returned: they go to aws_kind_failed or
     * aws_unavailable and collection goes on. */
    int (*collect)(struct aws_job *j, struct err *e);
};

/* The registry of service modules (aws.c), NULL-terminated. */
extern const struct aws_service *const aws_services[];

/*
 * Emits one resource: kind "aws/S3Bucket", id unique for (account,
 * region, kind) (a bucket name, "sg-0123", a user name), name what users
 * call it, arn when it has one (else NULL), region where it lives
 * ("global" for IAM and account-wide things; NULL: the job's). Adds
 * "account" and "region" (and "arn") to doc, which it steals. The uid is
 * "aws/ACCOUNT/REGION/KIND/ID" (KIND without "aws/"), the source
 * "aws://ACCOUNT/REGION/" then the arn or "KIND/ID". 0, or -1 with e set
 * (the store failed: stop).
 */
int aws_emit(struct aws_job *j, const char *kind, const char *region,
             const char *id, const char *name, const char *arn, json_t *doc,
             struct err *e);

/*
 * A list call failed: every rule of kind gets an `error` finding on scope
 * (j->scope_uid, or NULL for it) saying msg ("not evaluated: aws ec2
 * DescribeSecurityGroups eu-west-1: UnauthorizedOperation: ..."). 0, or
 * -1 with e set (the store failed: stop).
 */
int aws_kind_failed(struct aws_job *j, const char *scope_uid, const char *kind,
                    const char *msg, struct err *e);

/* The marker that stands in for a field a call failed to give: the object
 * {"$error": "<msg of ce/ce_e>"} (new reference). The message names the
 * service, action, region and the AWS code; a denial says "access denied". */
json_t *aws_unavailable(const struct aws_call_err *ce, const struct err *ce_e);

/* "aws/ACCOUNT/REGION/Region/REGION": the scope of a region's kinds. */
void aws_region_uid(const char *account, const char *region, char *out,
                    size_t cap);

/*
 * The aws/Account document is assembled from every module's part and
 * emitted by aws.c after the last job: a module sets its keys with
 * aws_account_set ("password_policy", "credential_report",
 * "s3_public_access_block", "alternate_contacts", ...) and per-region
 * keys with aws_account_set_region (under "regions": {REGION: {key}}, as
 * "ebs_encryption_by_default"). Both steal value; a call that failed sets
 * aws_unavailable()'s marker as the value. 0, or -1 with e set.
 */
int aws_account_set(struct aws_job *j, const char *key, json_t *value,
                    struct err *e);
int aws_account_set_region(struct aws_job *j, const char *region,
                           const char *key, json_t *value, struct err *e);

/*
 * Runs fn(j2, i, arg, e) for every i below n on up to --aws-concurrency
 * threads (the requests in flight stay within the scan's bound), where j2
 * is j with a client of the thread's own; returns when all are done. For
 * a module's per-item calls (each bucket's seven): fn must only use j2,
 * its own i and what arg shares read-only or under its own lock. 0, or -1
 * with e set from the first fn that failed (the rest still finish).
 */
int aws_parallel(struct aws_job *j, size_t n,
                 int (*fn)(struct aws_job *j2, size_t i, void *arg,
                           struct err *e),
                 void *arg, struct err *e);

/* Logs a warning once per scan (thread-safe): what could not be read. */
void aws_warn(struct aws_job *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
