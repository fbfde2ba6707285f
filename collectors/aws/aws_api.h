/*
 * aws_api.h: the REST-XML (S3, S3 Control), REST-JSON (Access Analyzer,
 * Account) and JSON 1.1 (KMS, CloudTrail, Config, CloudWatch Logs)
 * protocols, beside aws_call.h's query protocol and sharing its signing,
 * retries (throttling and 5xx: exponential backoff with jitter, bounded),
 * error classification (struct aws_call_err, aws_code_denied) and error
 * lines ("aws SERVICE ACTION REGION: CODE: Message"; never a secret).
 *
 * Bodies are bounded (AWS_XML_MAX_SIZE) and parsed strictly: a malformed
 * XML or JSON body is AWS_ERR_TRANSPORT naming service, action and region.
 * JSON is read by core/jsonfast (duplicate keys, invalid UTF-8, too deep or
 * too many values refused); a 2xx JSON answer must be an object (an empty
 * body reads as {}; moto's "null" for calls without output is refused).
 * A "not configured" answer (NoSuchBucketPolicy,
 * ServerSideEncryptionConfigurationNotFoundError,
 * NoSuchPublicAccessBlockConfiguration, ResourceNotFoundException) is
 * AWS_ERR_API with ce->code set: the caller decides it is a value.
 *
 * Every request goes through aws_send (aws_send.h), as aws_call.h's do:
 * one signing, retry and classification path for the four protocols.
 */
#ifndef FOURC_AWS_API_H
#define FOURC_AWS_API_H

#include <jansson.h>
#include <stddef.h>

#include "aws_call.h"

/* One REST request (S3, S3 Control, Access Analyzer, Account). */
struct aws_rest {
    const char *service; /* signing name and host: "s3", "s3-control" */
    const char *action;  /* for errors and counts: "GetBucketPolicy" */
    const char *region;
    const char *method; /* "GET" (NULL), "POST", "PUT" */
    /* S3: the bucket, addressed virtual-host style on AWS
     * (BUCKET.s3.REGION.amazonaws.com; path style on
     * s3.REGION.amazonaws.com when the name is no DNS label: dots, upper
     * case, '_') and path style under an endpoint override
     * (ENDPOINT/BUCKET); NULL for ListBuckets and other APIs. */
    const char *bucket;
    /* "/" or "/v20180820/configuration/publicAccessBlock": sent and
     * signed as it is (already percent-encoded) */
    const char *path;
    const char *query; /* "policy", "list-type=2&max-keys=1" (unencoded
                          names and values; a name holds no '=', neither
                          holds '&'), or NULL; encoded and signed here */
    /* Extra headers, signed: "x-amz-account-id: 123456789012", NULL-ended;
     * may be NULL. */
    const char *const *headers;
    /* for POST or PUT (JSON text; XML for S3 and S3 Control), or NULL */
    const char *body;
    /* The host prefix some APIs need ("ACCOUNT." for S3 Control); NULL.
     * Not used under an endpoint override (the same path goes to the
     * endpoint). S3 Control is signed as "s3". */
    const char *host_prefix;
    /* Pagination for list calls, as struct aws_query (NULL: one page):
     * the request parameter (added to query), where the next token is in
     * a page, and where IsTruncated is. For XML the list is a '/' path
     * from the root's value, merged over pages (one element, an object,
     * counts as a list of one; S3 documents have no "member" wrappers, so
     * "Buckets/Bucket"). ListBuckets: query "max-buckets=10000" (AWS's
     * largest page), token_param "continuation-token", token_path
     * "ContinuationToken": moto 5.2.1 cuts its answer at max-buckets and
     * never gives a ContinuationToken, so a smaller page would lose
     * buckets there. */
    const char *list, *token_param, *token_path, *truncated_path;
    /* REST-XML: the root element the answer must have ("PolicyStatus"),
     * else it is AWS_ERR_TRANSPORT; NULL: any. (moto 5.2.1 answers GET
     * ?policyStatus with a ListBucketResult.) An empty root (an empty
     * <BucketLoggingStatus/>) reads as "". */
    const char *root;
};

/*
 * An S3 bucket in another region answers 301 PermanentRedirect (or 400
 * AuthorizationHeaderMalformed, or 307) naming its region in
 * x-amz-bucket-region (or the error's Region): the request is signed again
 * for that region and sent there, once; *region_out (when not NULL, cap
 * bytes) gets the region that answered.
 */

/* A REST-XML answer: the root's value (new reference), or with list set
 * the merged list over every page; NULL with ce and e set. */
json_t *aws_rest_xml(struct aws_client *c, const struct aws_rest *q,
                     char *region_out, size_t cap, struct aws_call_err *ce,
                     struct err *e);

/* A REST answer kept as text (GetBucketPolicy's JSON policy, a
 * REST-JSON body): a new NUL-terminated string, *len its length. One
 * request (list is not used); the bucket redirects as above. */
char *aws_rest_raw(struct aws_client *c, const struct aws_rest *q, size_t *len,
                   char *region_out, size_t cap, struct aws_call_err *ce,
                   struct err *e);

/* A REST-JSON answer parsed (new reference); with list set, the merged
 * list over pages (token_param a query parameter, token_path a key). A
 * body is sent as application/json. The error's code comes from
 * x-amzn-ErrorType, else the body's "__type" or "code"; its message from
 * "message" or "Message". */
json_t *aws_rest_json(struct aws_client *c, const struct aws_rest *q,
                      struct aws_call_err *ce, struct err *e);

/* One JSON 1.1 call (KMS, CloudTrail, Config, Logs). */
struct aws_json_req {
    const char *service; /* signing name and host: "kms", "logs" */
    const char *region;
    /* X-Amz-Target: "TrentService.ListKeys",
     * "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails",
     * "StarlingDoveService.DescribeConfigurationRecorders",
     * "Logs_20140328.DescribeMetricFilters" */
    const char *target;
    const json_t *body; /* request parameters (borrowed); NULL: {} */
    /* Pagination (NULL: one page): the array merged over pages, the
     * request key carrying the token and the response key holding the
     * next one ("Marker"/"NextMarker" for KMS, "NextToken"/"NextToken"
     * elsewhere). */
    const char *list, *token_in, *token_out;
};

/* The response object (new reference), or with list set the merged
 * array (a page without the key adds nothing; a non-array is an error; a
 * token that repeats is an error: moto's Logs echoes the token it was
 * given); NULL with ce and e set. The action in errors is the target's
 * part after the last '.'. Errors: "__type" with any "prefix#" dropped,
 * "message" or "Message". */
json_t *aws_json_call(struct aws_client *c, const struct aws_json_req *q,
                      struct aws_call_err *ce, struct err *e);

#endif
