/*
 * aws_call.h: one call of the AWS query protocol (IAM, EC2, RDS, STS):
 * a signed POST of Action=...&Version=... over the core HTTP client,
 * followed page by page to the end, the pages' lists merged.
 *
 * Retries: core/http retries 429, 5xx and connection errors with its
 * backoff; the throttling answers AWS gives as 400 (Throttling,
 * ThrottlingException, RequestLimitExceeded, TooManyRequestsException,
 * RequestThrottled, SlowDown) are retried here, re-signed, with exponential
 * backoff and jitter, up to AWS_CALL_RETRIES times.
 *
 * Errors are one line: "aws SERVICE ACTION REGION: CODE: Message" for an
 * AWS error document, "aws SERVICE ACTION REGION: <http error>" otherwise;
 * never a secret. aws_call_err tells a denial (AccessDenied,
 * UnauthorizedOperation, ...) from other failures, for the rules that
 * needed the call to be `error`.
 */
#ifndef FOURC_AWS_CALL_H
#define FOURC_AWS_CALL_H

#include <jansson.h>
#include <semaphore.h>

#include "err.h"
#include "http.h"

#define AWS_CALL_RETRIES 4
#define AWS_CALL_MAX_PAGES 100000

struct aws_client {
    struct http *http;
    /* "https://127.0.0.1:5055" for every service and region, or NULL for
     * AWS's (https://iam.amazonaws.com, https://SERVICE.REGION.amazonaws.com)
     */
    const char *endpoint;
    const char *access_key;
    const char *secret_key;    /* secret */
    const char *session_token; /* secret, or NULL */
    long retry_base_ms;        /* throttling backoff; 0: 500 */
    /* Counts every request by service, and any sent twice; shared by
     * threads (it locks); NULL: not counted. */
    struct aws_stats *stats;
    /* Requests in flight across every client of a scan are at most its
     * value (aws_send waits for a slot); NULL: not bounded. */
    sem_t *slots;
};

/* What a scan's requests were: aws_send adds to it. */
struct aws_stats *aws_stats_new(void);
void aws_stats_free(struct aws_stats *st);
/* "iam 40, ec2 31, s3 12" into out (by service, most first); *total the
 * HTTP requests (retries included), *repeated the requests (not retries)
 * whose service, signing region, method, URL and body an earlier one of
 * the scan had. */
void aws_stats_summary(struct aws_stats *st, struct strbuf *out, long *total,
                       long *repeated);

struct aws_query {
    const char *service;       /* endpoint and signing name: "iam", "ec2" */
    const char *region;        /* "us-east-1" (IAM signs us-east-1 always) */
    const char *version;       /* "2010-05-08" */
    const char *action;        /* "ListUsers" */
    const char *const *params; /* "Name=value" (unencoded), NULL-ended */
    /* The list in a page: element names from the root's value, '/'
     * separated ("ListUsersResult/Users", "securityGroupInfo"). */
    const char *list;
    /* Pagination, or NULL for one page: the request parameter carrying the
     * token ("Marker", "NextToken"), where the next token is in a page
     * ("ListUsersResult/Marker", "nextToken"), and where IsTruncated is
     * (or NULL: a token means more). */
    const char *token_param, *token_path, *truncated_path;
};

enum aws_err_kind {
    AWS_OK = 0,
    AWS_ERR_DENIED,    /* AccessDenied, UnauthorizedOperation, ... */
    AWS_ERR_API,       /* any other AWS error code */
    AWS_ERR_TRANSPORT, /* no answer, a cut or malformed body, ... */
};

struct aws_call_err {
    enum aws_err_kind kind;
    char code[64]; /* the AWS error code, "" when none */
    int pages;     /* pages read */
    int requests;  /* HTTP requests made (retries included) */
};

/* The merged list (new reference) of every page, or NULL with e and ce
 * set. */
json_t *aws_query_list(struct aws_client *c, const struct aws_query *q,
                       struct aws_call_err *ce, struct err *e);

/* One page without pagination: the root element's value (new reference). */
json_t *aws_query_once(struct aws_client *c, const struct aws_query *q,
                       struct aws_call_err *ce, struct err *e);

/* 1 when an AWS error code means the caller may not do this. */
int aws_code_denied(const char *code);

#endif
