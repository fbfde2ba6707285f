/*
 * aws_send.h: what the AWS protocols (aws_call.c's query protocol,
 * aws_api.c's REST-XML, REST-JSON and JSON 1.1) share: the one signed
 * request with its retries and its error classification, and the one
 * pager that follows tokens to the end and merges the pages' lists.
 *
 * aws_send signs the request (SigV4), sends it over core/http (which
 * retries 429, 5xx and connection errors with its backoff) and retries,
 * signed again, the throttling answers AWS gives as 400 (Throttling,
 * ThrottlingException, SlowDown, ...; in an XML or a JSON error document)
 * with exponential backoff and jitter, up to AWS_CALL_RETRIES times. A
 * non-2xx answer's error document (XML <Error>, JSON "__type"/"code" and
 * "message", or the x-amzn-ErrorType header) is classified into struct
 * aws_call_err and written as one line "WHAT: CODE: Message (HTTP N)";
 * the secret key and the session token are scrubbed from every error.
 */
#ifndef FOURC_AWS_SEND_H
#define FOURC_AWS_SEND_H

#include <jansson.h>
#include <stddef.h>

#include "aws_call.h"

/* One request as it goes on the wire. */
struct aws_send {
    const char *what;           /* "aws s3 GetBucketPolicy us-east-1" */
    const char *service;        /* signing name: "s3", "kms" */
    const char *region;         /* signing region */
    const char *method;         /* "GET", "POST" */
    const char *url;            /* with the query */
    const char *path;           /* the wire path, as signed */
    const char *query;          /* the wire query (no '?'), or NULL */
    const char *const *headers; /* "Name: value" with Host, NULL-ended */
    const char *body;           /* or NULL */
    size_t body_len;
    int no_redirects; /* a 3xx is the answer (S3) */
};

/*
 * 0 with a 2xx answer in rs; -1 with ce->kind (and ce->code from an error
 * document) and e set. Either way rs holds the last answer (status 0 when
 * none came) and the caller releases it. ce->requests counts every HTTP
 * attempt.
 */
int aws_send(struct aws_client *c, const struct aws_send *s,
             struct http_resp *rs, struct aws_call_err *ce, struct err *e);

/* The error document of a non-2xx answer: 1 with its code (a JSON
 * "prefix#Code" or a header's "Code:..." reduced to Code) and message, 0
 * when there is none. */
int aws_error_doc(const struct http_resp *rs, char *code, size_t codelen,
                  char *msg, size_t msglen);

/* An endpoint override split: "scheme://host[:port]" to base, the Host
 * header's value to host, the path prefix ("" or "/p") to prefix. -1 with
 * e set when it is not scheme://host[:port][/path]. */
int aws_endpoint_split(const char *endpoint, struct strbuf *base,
                       struct strbuf *host, struct strbuf *prefix,
                       struct err *e);

/* The value at path ("A/B/C") under v (borrowed), or NULL. */
json_t *aws_at(json_t *v, const char *path);

/* One page of a list: the page's document (new reference) for token
 * (NULL: the first page), or NULL with ce and e set. */
typedef json_t *(*aws_page_fn)(void *arg, const char *token,
                               struct aws_call_err *ce, struct err *e);

struct aws_pager {
    const char *what;           /* "aws kms ListKeys us-east-1" */
    const char *list;           /* the list's path in a page */
    int paged;                  /* 0: one page */
    const char *token_path;     /* the next token's path in a page */
    const char *truncated_path; /* "true"/true there means more; or NULL */
    /* XML: the list may be one element (an object) or "" (empty); JSON:
     * it must be an array when present. */
    int xml;
};

/* Every page's list merged (new reference), or NULL with ce and e set;
 * ce->pages counts the pages. A token that repeats or pages past
 * AWS_CALL_MAX_PAGES are an error. */
json_t *aws_pages(const struct aws_pager *p, aws_page_fn fn, void *arg,
                  struct aws_call_err *ce, struct err *e);

#endif
