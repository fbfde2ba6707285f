/*
 * aws_sigv4.h: AWS Signature Version 4 for one request.
 *
 * The caller gives the request as it will go on the wire (method, path
 * and query already percent-encoded, headers including Host, the
 * payload) with the scope (service, region, time) and the credentials;
 * the signer builds the canonical request, the string to sign and the
 * Authorization value, and lists the headers the caller must add to the
 * request (x-amz-date, x-amz-security-token with a session token,
 * x-amz-content-sha256 for S3) unless it gave them itself.
 *
 * Canonical URI: S3 signs the wire path as it is; every other service
 * signs the normalised path ("." and ".." segments and empty segments
 * removed) URI-encoded once more (so "%20" is signed as "%2520").
 * Canonical query: each name and value decoded and encoded again
 * (A-Za-z0-9-._~ kept), sorted by name, then value. Header values are
 * trimmed and runs of spaces collapsed; repeated headers are joined with
 * ",".
 *
 * Secrets (the secret key, the session token) never appear in an error;
 * the derived keys are wiped after use.
 */
#ifndef FOURC_AWS_SIGV4_H
#define FOURC_AWS_SIGV4_H

#include <stddef.h>

#include "err.h"
#include "util.h"

struct aws_sigv4_req {
    const char *method;         /* "GET", "POST" */
    const char *path;           /* wire path ("/", "/bucket/a%20b"), or NULL */
    const char *query;          /* wire query without '?', or NULL */
    const char *const *headers; /* "Name: value", NULL-ended; Host needed */
    const void *payload;        /* body, or NULL */
    size_t payload_len;
    const char *service, *region;
    const char *amz_date;      /* "YYYYMMDDTHHMMSSZ" (UTC) */
    const char *access_key;    /* AKID */
    const char *secret_key;    /* secret */
    const char *session_token; /* secret, or NULL */
};

#define AWS_SIGV4_ADD_MAX 4

struct aws_sigv4_out {
    struct strbuf creq;          /* the canonical request */
    struct strbuf sts;           /* the string to sign */
    struct strbuf authorization; /* "AWS4-HMAC-SHA256 Credential=..." */
    char signature[65];          /* hex */
    char payload_hash[65];       /* hex SHA-256 of the payload */
    /* "Name: value" headers to send that the caller did not give
     * (x-amz-date, x-amz-security-token, x-amz-content-sha256),
     * NULL-ended; the token's line is wiped by aws_sigv4_out_release */
    char *add[AWS_SIGV4_ADD_MAX + 1];
};

/* 0 with out filled (release it), or -1 with e naming the field at fault
 * (never a secret). */
int aws_sigv4_sign(const struct aws_sigv4_req *r, struct aws_sigv4_out *out,
                   struct err *e);
void aws_sigv4_out_release(struct aws_sigv4_out *out);

/* Appends s (n bytes) URI-encoded the SigV4 way: A-Za-z0-9-._~ kept, '/'
 * kept when keep_slash, every other byte as %XX (upper case). */
void aws_uri_encode(struct strbuf *sb, const char *s, size_t n, int keep_slash);

/* t as "YYYYMMDDTHHMMSSZ" (UTC). */
void aws_amz_date(long long t, char out[17]);

#endif
