/*
 * http.h: the one HTTP client of fourc, over libcurl. Every network
 * collector (the registry today; the Kubernetes API, AWS and the
 * ticketing publishers next) sends its requests through it.
 *
 * A client (struct http) holds one libcurl handle, so the requests of a
 * collector share connections and TLS sessions, and the options below:
 *
 *  - TLS is verified against the system's CAs: ca_file replaces the
 *    system's bundle (as kubectl's certificate-authority and docker's
 *    registry CA do), ca_dir adds a hashed directory. Verification is
 * off only when the caller sets `insecure`; plain http is refused unless it
 * sets `allow_http`. A client certificate and key come from files (cert_file,
 * key_file) or from PEM bytes in memory (cert_pem, key_pem; a kubeconfig's
 *    client-certificate-data).
 *  - Proxies: libcurl's handling of http_proxy, https_proxy and no_proxy
 *    from the environment, unless `proxy` names one (a kubeconfig's
 *    proxy-url); "" means no proxy at all.
 *  - Patience: the connection must come up within connect_timeout
 *    seconds; the transfer may not stay under min_rate bytes a second for
 *    stall_timeout seconds at a time; and each attempt must end by
 *    `deadline` seconds plus one second per min_rate bytes received (an
 *    overall deadline that grows with the body, so that a server that
 *    trickles is given up after about `deadline` seconds, and a big
 *    download on a good line is not).
 *  - Retries: connection errors (refused, reset, nothing received) before
 *    any body byte reached the caller (and timeouts of GET and HEAD
 *    requests when retry_timeouts is set), 429 and 5xx answers are tried again
 *    up to `retries` times, after an exponential backoff with jitter
 *    (retry_base_ms << attempt, plus up to half of that again) or the
 *    server's Retry-After (seconds or an HTTP-date, capped at
 *    retry_after_max_ms), as long as the retries stay within retry_total_ms.
 *  - Size: a 2xx body kept in memory is limited to http_req.max_body; more
 *    is an error naming the request and the limit. Other answers' bodies
 *    are kept up to 64 KiB for the error text.
 *  - Secrets: the Authorization value (http_req.auth) and the values of
 *    headers whose name says auth, token, key, secret, password, cookie
 *    or session are never logged (nothing here logs) and are scrubbed
 *    from every error as "***", even one a careless prefix or a server's
 *    echo would have carried;
 *    errors name the method, the URL without its user-info and query, and
 *    the status. libcurl drops the Authorization header when a redirect
 *    leaves the host, port or scheme.
 *
 * Errors start with http_opts.what when set ("registry 127.0.0.1:5000"),
 * then the request: "GET https://h/v2/x: 404 Not Found". A timeout names
 * http_opts.timeout_hint when set ("--registry-timeout 5").
 */
#ifndef FOURC_HTTP_H
#define FOURC_HTTP_H

#include <stddef.h>

#include "err.h"
#include "util.h"

/* What a zeroed http_opts gets: */
#define HTTP_CONNECT_TIMEOUT 30L /* s */
#define HTTP_DEADLINE 30L        /* s */
#define HTTP_MIN_RATE 16384L     /* bytes a second */
#define HTTP_RETRIES 2
#define HTTP_RETRY_BASE_MS 500L
#define HTTP_RETRY_AFTER_MAX_MS 10000L
#define HTTP_RETRY_TOTAL_MS 60000L
#define HTTP_MAX_BODY (4u << 20)
#define HTTP_ERRBODY_MAX (64u << 10)

struct http_opts {
    const char *what;         /* error prefix ("registry H"), or NULL */
    const char *timeout_hint; /* named after a timeout, or NULL */
    /* TLS */
    const char *ca_file, *ca_dir;
    const char *ca_pem; /* CA PEM in memory, replaces the system's too */
    const char *cert_file, *key_file;
    const char *cert_pem, *key_pem; /* PEM in memory (NUL-terminated) */
    int insecure;                   /* TLS verification off */
    int allow_http;                 /* plain http:// allowed */
    const char *proxy;              /* NULL: from the environment */
    int no_redirects;               /* else 5 at most are followed */
    /* patience (0: the defaults above) */
    long connect_timeout, stall_timeout, deadline; /* s */
    long min_rate;                                 /* bytes a second */
    int retries; /* retries of 429/5xx/connection errors; -1: none */
    /* 1: a GET or HEAD that timed out (no answer, too slow) is retried
     * too, within retry_total_ms (the Kubernetes API's lists) */
    int retry_timeouts;
    long retry_base_ms, retry_after_max_ms, retry_total_ms;
};

struct http;

/* Checks the options (readable CA/cert/key files, a positive timeout);
 * nothing goes over the network yet. NULL with e set on a bad option. */
struct http *http_new(const struct http_opts *o, struct err *e);
void http_free(struct http *c);

/* Bytes of a 2xx body as they arrive; non-zero stops the transfer, and
 * http_do returns -1 with e as the callback left it. */
typedef int (*http_body_fn)(void *arg, const void *buf, size_t len,
                            struct err *e);

struct http_req {
    const char *method;         /* NULL: GET */
    const char *url;            /* with no secret in it */
    const char *const *headers; /* "Name: value", NULL-terminated, or NULL */
    const char *auth;           /* Authorization value ("Bearer T"), secret */
    const char *body;           /* request body, or NULL */
    size_t body_len;
    size_t max_body;      /* 2xx body in memory; 0: HTTP_MAX_BODY */
    http_body_fn on_body; /* else 2xx bodies go here, not to resp.body */
    void *arg;
    const char *what; /* names the request in errors, else
                         "METHOD URL-without-query" */
    int no_retry;     /* one attempt only */
    /* a 3xx is the answer, not followed (S3's redirects name a region
     * the request must be signed for again) */
    int no_redirects;
};

struct http_resp {
    long status; /* of the last answer (after redirects and retries) */
    char reason[64];
    char *content_type;    /* or NULL */
    struct strbuf headers; /* "name: value\n" each, as received */
    long retry_after_ms;   /* -1: none given */
    struct strbuf body;    /* a 2xx body (no on_body), or an error body */
    int attempts;          /* 1 + retries made */
    long long received;    /* body bytes of the last attempt */
};

/* 0: an answer (any status) is in resp, which http_do resets first.
 * -1: e says why (transport, TLS, timeout, size, callback).
 * HTTP_ETLS: as -1, but the connection came up and TLS did not (what a
 * caller that may fall back to plain http looks at). */
#define HTTP_ETLS 1
int http_do(struct http *c, const struct http_req *rq, struct http_resp *rs,
            struct err *e);
void http_resp_release(struct http_resp *rs);

/* The first value of header name (case-insensitive) in rs, as a new
 * string, or NULL. */
char *http_resp_header(const struct http_resp *rs, const char *name);

/* "METHOD URL" for messages: the URL without user-info, query or
 * fragment. */
void http_add_safe_url(struct strbuf *sb, const char *url);

/* err "WHAT: METHOD URL: 404 Not Found" for a non-2xx answer, with
 * "(after N attempts)" when it was retried. Returns -1. */
int http_status_error(struct http *c, const struct http_req *rq,
                      const struct http_resp *rs, struct err *e);

/* A Retry-After value (n bytes): delay-seconds or an HTTP-date (IMF-fixdate,
 * RFC 850 or asctime) as milliseconds from now (0 for a date past), capped
 * at cap_ms; -1 for anything else. */
long http_retry_after_ms(const char *v, size_t n, long cap_ms);

/* "Basic base64(user:password)", a value for http_req.auth; the caller
 * cleanses and frees it. */
char *http_basic(const char *user, const char *password);

/* s percent-encoded for a URL query (all but A-Za-z0-9-._~); a new
 * string. */
char *http_escape(const char *s);

/* Overwrites every occurrence of secret (3 bytes or more) in e with
 * "***". */
void http_scrub(struct err *e, const char *secret);

#endif
