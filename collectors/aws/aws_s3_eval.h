/*
 * aws_s3_eval.h: what aws_s3.c derives from S3's answers, judged the way
 * AWS reads them, so that the rules stay declarative: whether a bucket
 * policy denies requests over plain HTTP, and the Block Public Access
 * settings in effect (the bucket's or the account's).
 */
#ifndef FOURC_AWS_S3_EVAL_H
#define FOURC_AWS_S3_EVAL_H

#include <jansson.h>
#include <stddef.h>

/* What a policy denies to requests without TLS. */
struct aws_s3_tls {
    int objects; /* every S3 action on every object (BUCKET/ and below) */
    int bucket;  /* every S3 action on the bucket itself */
};

/*
 * Judges the bucket policy (parsed JSON) of bucket in partition ("aws"):
 * out gets which resources a Deny statement covers for every S3 action
 * ("s3:*" or a wildcard as wide, or a NotAction naming no S3 action), for
 * every principal ("*", {"AWS": "*"} or a list holding "*"; never a
 * NotPrincipal), when aws:SecureTransport is false (Bool or BoolIfExists
 * "false", or no Condition at all), with no other condition narrowing it.
 * Statement may be one object or an array; Action matching is
 * case-insensitive, Resource matching is not; '*' and '?' are IAM's
 * wildcards. 0, or -1 with why (cap bytes) saying what is malformed (a
 * Statement that is not an object, an Effect that is not a string, ...).
 */
int aws_s3_eval_tls(const json_t *policy, const char *partition,
                    const char *bucket, struct aws_s3_tls *out, char *why,
                    size_t cap);

/*
 * A PublicAccessBlockConfiguration as the XML reader gives it ({"BlockPub
 * licAcls": "true", ...}) as {"block_public_acls": true,
 * "ignore_public_acls": ..., "block_public_policy": ...,
 * "restrict_public_buckets": ...} (a setting left out is false, as AWS
 * reads it); NULL with why set when a value is not "true" or "false".
 */
json_t *aws_s3_eval_pab(const json_t *xml, char *why, size_t cap);

/*
 * The settings in effect on a bucket: each one true when the bucket's or
 * the account's is, false when neither is. bucket and account are each a
 * normalised configuration (aws_s3_eval_pab), null (none set) or an
 * {"$error": ...} marker (the call failed): a setting the known side does
 * not turn on is then that marker. New reference.
 */
json_t *aws_s3_eval_pab_effective(const json_t *bucket, const json_t *account);

/* IAM wildcard match ('*' any run, '?' one character) of the whole of s;
 * icase: ASCII case-insensitive. */
int aws_s3_eval_glob(const char *pat, const char *s, int icase);

#endif
