/*
 * http.c: the HTTP client over libcurl; see http.h.
 *
 * http_do is one loop of attempts over one libcurl easy handle: each
 * attempt resets the answer, performs, and then either returns it or
 * waits and goes again (connection errors before any body byte was passed
 * on, 429, 5xx). The deadline is checked in the progress callback, the
 * stall by libcurl's low-speed limit, the size in the write callback.
 *
 * Secrets reach libcurl only as the Authorization header of one request;
 * the header list is freed (after being wiped) when the request ends, and
 * every error leaving this file is scrubbed of the auth value as a last
 * line of defence against a server that echoes what it was sent.
 */
#include "http.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "banned.h"

struct http {
    CURL *curl;
    struct http_opts o; /* strings borrowed from the caller */
    char errbuf[CURL_ERROR_SIZE];
};

/* The state of one attempt, shared with the callbacks. */
struct http_xfer {
    const struct http_req *rq;
    struct http_resp *rs;
    size_t max_body;
    int too_big, cb_failed, too_slow;
    struct err *e;
    struct timespec start;
    long deadline, min_rate, ra_cap;
};

static void http_resp_reset(struct http_resp *rs)
{
    rs->status = 0;
    rs->reason[0] = '\0';
    free(rs->content_type);
    rs->content_type = NULL;
    sb_setlen(&rs->headers, 0);
    rs->retry_after_ms = -1;
    sb_setlen(&rs->body, 0);
    rs->received = 0;
}

void http_resp_release(struct http_resp *rs)
{
    if (!rs)
        return;
    free(rs->content_type);
    rs->content_type = NULL;
    sb_release(&rs->headers);
    sb_release(&rs->body);
}

void http_scrub(struct err *e, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    char *p;

    if (!e || n < 3)
        return;
    while ((p = strstr(e->msg, secret))) {
        memmove(p + 3, p + n, strlen(p + n) + 1);
        memcpy(p, "***", 3);
    }
}

/* Scrubs the auth value and, for "Scheme credentials", the credentials
 * alone (a server may echo just the token). */
static void http_scrub_auth(struct err *e, const char *auth)
{
    const char *sp;

    if (!auth)
        return;
    http_scrub(e, auth);
    if ((sp = strchr(auth, ' ')))
        http_scrub(e, sp + 1);
}

/* A header whose value is a secret: its name says auth, token, key,
 * secret, password, cookie or session (Authorization, X-Api-Key,
 * PRIVATE-TOKEN, X-Amz-Security-Token, Cookie...). */
static int http_secret_header(const char *h, size_t namelen)
{
    static const char *const words[] = {
        "auth", "token", "key", "secret", "password", "cookie", "session"};
    char name[64];
    size_t i, n = namelen < sizeof(name) - 1 ? namelen : sizeof(name) - 1;

    for (i = 0; i < n; i++)
        name[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] + 32 : h[i]);
    name[n] = '\0';
    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strstr(name, words[i]))
            return 1;
    return 0;
}

/* Scrubs from e everything secret the request carries. */
static void http_scrub_req(struct err *e, const struct http_req *rq)
{
    const char *colon, *v;
    size_t i;

    if (!e)
        return;
    http_scrub_auth(e, rq->auth);
    for (i = 0; rq->headers && rq->headers[i]; i++) {
        colon = strchr(rq->headers[i], ':');
        if (!colon || !http_secret_header(rq->headers[i],
                                          (size_t)(colon - rq->headers[i])))
            continue;
        for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
            ;
        http_scrub(e, v);
        http_scrub_auth(e, v);
    }
}

/* Appends n bytes a server sent, control bytes as spaces and anything not
 * ASCII as '?': fit for a message. */
static void http_add_clean(struct strbuf *sb, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        char out = ch < 0x20 || ch == 0x7f ? ' ' : ch >= 0x80 ? '?' : (char)ch;
        sb_add(sb, &out, 1);
    }
}

void http_add_safe_url(struct strbuf *sb, const char *url)
{
    const char *p = url, *hs, *at, *end;
    size_t n = strcspn(url, "?#");

    hs = strstr(url, "://");
    if (hs && (size_t)(hs - url) < n) {
        hs += 3;
        end = hs + strcspn(hs, "/?#");
        at = memchr(hs, '@', (size_t)(end - hs));
        if (at) {
            http_add_clean(sb, url, (size_t)(hs - url));
            n -= (size_t)(at + 1 - url);
            p = at + 1;
        }
    }
    http_add_clean(sb, p, n < 512 ? n : 512);
}

static void http_what(const struct http *c, const struct http_req *rq,
                      struct strbuf *sb)
{
    if (c->o.what && *c->o.what) {
        sb_adds(sb, c->o.what);
        sb_adds(sb, ": ");
    }
    if (rq->what) {
        sb_adds(sb, rq->what);
        return;
    }
    sb_adds(sb, rq->method ? rq->method : "GET");
    sb_adds(sb, " ");
    http_add_safe_url(sb, rq->url);
}

long http_retry_after_ms(const char *v, size_t n, long cap_ms)
{
    char buf[64];
    long long secs = 0;
    size_t i;
    time_t when, now;

    while (n > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' ||
                     v[n - 1] == '\n'))
        n--;
    if (n == 0 || n >= sizeof(buf))
        return -1;
    for (i = 0; i < n && v[i] >= '0' && v[i] <= '9'; i++)
        if (secs < 1000000)
            secs = secs * 10 + (v[i] - '0');
    if (i == n)
        return secs * 1000 > cap_ms ? cap_ms : (long)(secs * 1000);
    if (i > 0)
        return -1;
    memcpy(buf, v, n);
    buf[n] = '\0';
    when = curl_getdate(buf, NULL);
    if (when == (time_t)-1)
        return -1;
    now = time(NULL);
    if (when <= now)
        return 0;
    if ((long long)(when - now) * 1000 > cap_ms)
        return cap_ms;
    return (long)(when - now) * 1000;
}

char *http_resp_header(const struct http_resp *rs, const char *name)
{
    const char *p = sb_str(&rs->headers), *nl, *colon;
    size_t nn = strlen(name);

    for (; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl)
            break;
        colon = memchr(p, ':', (size_t)(nl - p));
        if (colon && (size_t)(colon - p) == nn &&
            strncasecmp(p, name, nn) == 0) {
            colon++;
            while (colon < nl && *colon == ' ')
                colon++;
            return xstrndup(colon, (size_t)(nl - colon));
        }
    }
    return NULL;
}

/* "HTTP/1.1 404 Not Found" (n bytes): the status and its reason. */
static void http_status_line(struct http_resp *rs, const char *line, size_t n)
{
    size_t i = 5, k = 0;
    long st = 0;
    struct strbuf sb = STRBUF_INIT;

    while (i < n && line[i] != ' ')
        i++;
    while (i < n && line[i] == ' ')
        i++;
    for (; i < n && line[i] >= '0' && line[i] <= '9' && k < 3; i++, k++)
        st = st * 10 + (line[i] - '0');
    rs->status = k == 3 ? st : 0;
    while (i < n && line[i] == ' ')
        i++;
    http_add_clean(&sb, line + i,
                   n - i < sizeof(rs->reason) - 1 ? n - i
                                                  : sizeof(rs->reason) - 1);
    memcpy(rs->reason, sb_str(&sb), sb.len + 1);
    sb_release(&sb);
}

static size_t http_on_header(char *buf, size_t size, size_t nmemb, void *arg)
{
    struct http_xfer *x = arg;
    struct http_resp *rs = x->rs;
    size_t len = size * nmemb, n = len;
    const char *colon, *v;
    size_t vn;

    while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == '\n'))
        n--;
    if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
        /* A new answer (after a redirect or a 100): forget the last one. */
        http_resp_reset(rs);
        http_status_line(rs, buf, n);
        return len;
    }
    if (n == 0 || !(colon = memchr(buf, ':', n)))
        return len;
    if (rs->headers.len + n + 1 <= HTTP_ERRBODY_MAX) {
        sb_add(&rs->headers, buf, n);
        sb_add(&rs->headers, "\n", 1);
    }
    v = colon + 1;
    vn = n - (size_t)(v - buf);
    while (vn > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vn--;
    }
    if (colon - buf == 12 && strncasecmp(buf, "content-type", 12) == 0) {
        free(rs->content_type);
        rs->content_type = xstrndup(v, vn < 256 ? vn : 256);
    } else if (colon - buf == 11 && strncasecmp(buf, "retry-after", 11) == 0) {
        long ms = http_retry_after_ms(v, vn, x->ra_cap);
        if (ms >= 0)
            rs->retry_after_ms = ms;
    }
    return len;
}

static size_t http_on_body(char *buf, size_t size, size_t nmemb, void *arg)
{
    struct http_xfer *x = arg;
    struct http_resp *rs = x->rs;
    size_t len = size * nmemb;

    rs->received += (long long)len;
    if (rs->status < 200 || rs->status > 299) {
        if (rs->body.len + len <= HTTP_ERRBODY_MAX)
            sb_add(&rs->body, buf, len);
        return len;
    }
    if (x->rq->on_body) {
        if (x->rq->on_body(x->rq->arg, buf, len, x->e)) {
            x->cb_failed = 1;
            return 0;
        }
        return len;
    }
    if (rs->body.len + len > x->max_body) {
        x->too_big = 1;
        return 0;
    }
    sb_add(&rs->body, buf, len);
    return len;
}

static double http_elapsed(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) +
           (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* The overall deadline: `deadline` seconds, plus one second per min_rate
 * bytes received. Headers count as nothing, so a trickled status line
 * ends after `deadline` seconds too. */
static int http_on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
                            curl_off_t ultotal, curl_off_t ulnow)
{
    struct http_xfer *x = arg;

    (void)dltotal;
    (void)ultotal;
    (void)ulnow;
    if (http_elapsed(&x->start) >
        (double)x->deadline + (double)dlnow / (double)x->min_rate) {
        x->too_slow = 1;
        return 1;
    }
    return 0;
}

static void http_sleep_ms(long ms)
{
    struct timespec ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static long http_opt(long v, long dflt)
{
    return v > 0 ? v : dflt;
}

static int http_file_ok(const char *what, const char *path, struct err *e)
{
    FILE *f;

    if (!path)
        return 0;
    if (!(f = fopen(path, "r")))
        return err_set(e, "%s %s: cannot read: %s", what, path,
                       strerror(errno));
    fclose(f);
    return 0;
}

struct http *http_new(const struct http_opts *o, struct err *e)
{
    struct http *c;
    CURLcode cc = CURLE_OK;
    const char *pfx = o->what && *o->what ? o->what : "http";

    if (o->connect_timeout < 0 || o->stall_timeout < 0 || o->deadline < 0 ||
        o->min_rate < 0) {
        err_set(e, "%s: timeouts and rates must be positive", pfx);
        return NULL;
    }
    if (http_file_ok("CA file", o->ca_file, e) ||
        http_file_ok("client certificate", o->cert_file, e) ||
        http_file_ok("client key", o->key_file, e))
        return NULL;
#if LIBCURL_VERSION_NUM < 0x074700
    if (o->cert_pem || o->key_pem) {
        err_set(e, "%s: a client certificate in memory needs libcurl 7.71",
                pfx);
        return NULL;
    }
#endif
#if LIBCURL_VERSION_NUM < 0x074d00
    if (o->ca_pem) {
        err_set(e, "%s: a CA certificate in memory needs libcurl 7.77", pfx);
        return NULL;
    }
#endif
    c = xcalloc(1, sizeof(*c));
    c->o = *o;
    c->curl = curl_easy_init();
    if (!c->curl) {
        err_set(e, "%s: cannot start libcurl", pfx);
        http_free(c);
        return NULL;
    }
    /* The first refused option stops the rest and is the error. */
#define HTTP_SET(opt, val)                                                     \
    do {                                                                       \
        if (cc == CURLE_OK)                                                    \
            cc = curl_easy_setopt(c->curl, opt, val);                          \
    } while (0)
#if LIBCURL_VERSION_NUM >= 0x075500
    HTTP_SET(CURLOPT_PROTOCOLS_STR, o->allow_http ? "https,http" : "https");
    HTTP_SET(CURLOPT_REDIR_PROTOCOLS_STR,
             o->allow_http ? "https,http" : "https");
#else
    HTTP_SET(CURLOPT_PROTOCOLS,
             CURLPROTO_HTTPS | (o->allow_http ? CURLPROTO_HTTP : 0L));
    HTTP_SET(CURLOPT_REDIR_PROTOCOLS,
             CURLPROTO_HTTPS | (o->allow_http ? CURLPROTO_HTTP : 0L));
#endif
    HTTP_SET(CURLOPT_NOSIGNAL, 1L);
    HTTP_SET(CURLOPT_ERRORBUFFER, c->errbuf);
    HTTP_SET(CURLOPT_USERAGENT, "fourc/" PACKAGE_VERSION);
    HTTP_SET(CURLOPT_FOLLOWLOCATION, o->no_redirects ? 0L : 1L);
    HTTP_SET(CURLOPT_MAXREDIRS, 5L);
    HTTP_SET(CURLOPT_CONNECTTIMEOUT,
             http_opt(o->connect_timeout, HTTP_CONNECT_TIMEOUT));
    HTTP_SET(CURLOPT_LOW_SPEED_LIMIT, http_opt(o->min_rate, HTTP_MIN_RATE));
    HTTP_SET(CURLOPT_LOW_SPEED_TIME,
             http_opt(o->stall_timeout, http_opt(o->deadline, HTTP_DEADLINE)));
    HTTP_SET(CURLOPT_NOPROGRESS, 0L);
    HTTP_SET(CURLOPT_XFERINFOFUNCTION, http_on_progress);
    HTTP_SET(CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
    HTTP_SET(CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
    if (o->ca_file)
        HTTP_SET(CURLOPT_CAINFO, o->ca_file);
    if (o->ca_dir)
        HTTP_SET(CURLOPT_CAPATH, o->ca_dir);
#if LIBCURL_VERSION_NUM >= 0x074d00
    if (o->ca_pem) {
        /* A kubeconfig's certificate-authority-data: these CAs only, as
         * kubectl trusts them (no system bundle, no ca_file). */
        struct curl_blob b = {(void *)(uintptr_t)o->ca_pem, strlen(o->ca_pem),
                              CURL_BLOB_COPY};
        HTTP_SET(CURLOPT_CAINFO_BLOB, &b);
        if (!o->ca_file)
            HTTP_SET(CURLOPT_CAINFO, (const char *)NULL);
        if (!o->ca_dir)
            HTTP_SET(CURLOPT_CAPATH, (const char *)NULL);
    }
#endif
    if (o->cert_file)
        HTTP_SET(CURLOPT_SSLCERT, o->cert_file);
    if (o->key_file)
        HTTP_SET(CURLOPT_SSLKEY, o->key_file);
#if LIBCURL_VERSION_NUM >= 0x074700
    if (o->cert_pem) {
        struct curl_blob b = {(void *)(uintptr_t)o->cert_pem,
                              strlen(o->cert_pem), CURL_BLOB_COPY};
        HTTP_SET(CURLOPT_SSLCERT_BLOB, &b);
        HTTP_SET(CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (o->key_pem) {
        struct curl_blob b = {(void *)(uintptr_t)o->key_pem, strlen(o->key_pem),
                              CURL_BLOB_COPY};
        HTTP_SET(CURLOPT_SSLKEY_BLOB, &b);
        HTTP_SET(CURLOPT_SSLKEYTYPE, "PEM");
    }
#endif
    if (o->proxy)
        HTTP_SET(CURLOPT_PROXY, o->proxy);
    HTTP_SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    HTTP_SET(CURLOPT_HEADERFUNCTION, http_on_header);
    HTTP_SET(CURLOPT_WRITEFUNCTION, http_on_body);
#undef HTTP_SET
    if (cc != CURLE_OK) {
        err_set(e, "%s: libcurl refused an option: %s", pfx,
                curl_easy_strerror(cc));
        http_free(c);
        return NULL;
    }
    return c;
}

void http_free(struct http *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    free(c);
}

/* Errors worth another try: the connection, not the request. */
static int http_conn_error(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return 1;
    default:
        return 0;
    }
}

static void http_free_headers(struct curl_slist *h)
{
    struct curl_slist *p;

    for (p = h; p; p = p->next)
        if (p->data)
            OPENSSL_cleanse(p->data, strlen(p->data));
    curl_slist_free_all(h);
}

static struct curl_slist *http_headers(const struct http_req *rq, int *oom)
{
    struct curl_slist *h = NULL, *n;
    struct strbuf sb = STRBUF_INIT;
    size_t i;

    *oom = 0;
    for (i = 0; rq->headers && rq->headers[i]; i++) {
        if (!(n = curl_slist_append(h, rq->headers[i])))
            goto oom;
        h = n;
    }
    if (rq->auth) {
        sb_adds(&sb, "Authorization: ");
        sb_adds(&sb, rq->auth);
        n = curl_slist_append(h, sb_str(&sb));
        OPENSSL_cleanse(sb.buf, sb.cap);
        sb_release(&sb);
        if (!n)
            goto oom;
        h = n;
    }
    return h;
oom:
    *oom = 1;
    http_free_headers(h);
    return NULL;
}

/* The pause before retry `attempt` (0 first): Retry-After, else the
 * backoff with up to half of it again as jitter. */
static long http_pause_ms(const struct http *c, const struct http_resp *rs,
                          int attempt)
{
    long base = http_opt(c->o.retry_base_ms, HTTP_RETRY_BASE_MS) << attempt;
    unsigned char r[2] = {0, 0};

    if (rs->retry_after_ms >= 0)
        return rs->retry_after_ms;
    if (RAND_bytes(r, 2) != 1)
        r[0] = r[1] = 0;
    return base +
           (long)(((unsigned)r[0] << 8 | r[1]) % (unsigned)(base / 2 + 1));
}

/* One attempt: 0 answer in rs; -1 error in e; HTTP_ETLS; 2 a connection
 * error worth a retry (e set too). */
static int http_attempt(struct http *c, const struct http_req *rq,
                        struct http_resp *rs, struct curl_slist *hdrs,
                        const char *what, struct err *e)
{
    struct http_xfer x;
    CURLcode cc;
    curl_off_t tls = 0;
    long nconn = 0;
    const char *m = rq->method ? rq->method : "GET";

    memset(&x, 0, sizeof(x));
    x.rq = rq;
    x.rs = rs;
    x.e = e;
    x.max_body = rq->max_body ? rq->max_body : HTTP_MAX_BODY;
    x.deadline = http_opt(c->o.deadline, HTTP_DEADLINE);
    x.min_rate = http_opt(c->o.min_rate, HTTP_MIN_RATE);
    x.ra_cap = http_opt(c->o.retry_after_max_ms, HTTP_RETRY_AFTER_MAX_MS);
    http_resp_reset(rs);
    clock_gettime(CLOCK_MONOTONIC, &x.start);
    c->errbuf[0] = '\0';
    curl_easy_setopt(c->curl, CURLOPT_URL, rq->url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, &x);
    /* Every request starts from a GET, so nothing of the last one's
     * method or body carries over. */
    curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION,
                     c->o.no_redirects || rq->no_redirects ? 0L : 1L);
    if (rq->body || strcmp(m, "POST") == 0) {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)rq->body_len);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
    }
    if (strcmp(m, "HEAD") == 0)
        curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
    else if (strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0)
        curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, m);
    cc = curl_easy_perform(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(c->curl, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
    if (cc == CURLE_OK)
        return 0;
    if (x.cb_failed)
        return -1;
    if (x.too_big) {
        if (x.max_body % (1u << 20) == 0)
            return err_set(e, "%s: the answer is larger than %zu MiB", what,
                           x.max_body >> 20);
        return err_set(e, "%s: the answer is larger than %zu bytes", what,
                       x.max_body);
    }
    {
        /* errbuf ends in a newline with some versions. */
        size_t n = strlen(c->errbuf);
        while (n > 0 && (c->errbuf[n - 1] == '\n' || c->errbuf[n - 1] == ' '))
            c->errbuf[--n] = '\0';
    }
    if (cc == CURLE_OPERATION_TIMEDOUT || x.too_slow) {
        curl_off_t got = 0;
        struct strbuf hint = STRBUF_INIT;
        if (c->o.timeout_hint)
            sb_addf(&hint, " (%s)", c->o.timeout_hint);
        curl_easy_getinfo(c->curl, CURLINFO_SIZE_DOWNLOAD_T, &got);
        if (got == 0 && rs->status == 0)
            err_set(e, "%s: no answer within %ld s%s", what, x.deadline,
                    sb_str(&hint));
        else
            err_set(e,
                    "%s: too slow: %lld bytes in %.0f s, under the minimum "
                    "of %ld %s/s%s",
                    what, (long long)got, http_elapsed(&x.start),
                    x.min_rate % 1024 ? x.min_rate : x.min_rate / 1024,
                    x.min_rate % 1024 ? "bytes" : "KiB", sb_str(&hint));
        sb_release(&hint);
        /* A GET or HEAD is safe to send again, where the caller wants it
         * (nothing of the body reached it yet). */
        if (c->o.retry_timeouts &&
            (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0) &&
            !(rq->on_body && rs->received > 0))
            return 2;
        return -1;
    }
    if (cc == CURLE_PARTIAL_FILE)
        err_set(e, "%s: the answer was cut short after %lld bytes (%s)", what,
                rs->received,
                c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
    else
        err_set(e, "%s: %s", what,
                c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
    /* libcurl reports no connect time for a failed transfer; a new
     * connection and no TLS time mean the handshake is what failed. */
    curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS, &nconn);
    curl_easy_getinfo(c->curl, CURLINFO_APPCONNECT_TIME_T, &tls);
    if (strncmp(rq->url, "https:", 6) == 0 && nconn > 0 && tls == 0 &&
        !http_conn_error(cc))
        return HTTP_ETLS;
    if (http_conn_error(cc) && !(rq->on_body && rs->status >= 200 &&
                                 rs->status <= 299 && rs->received > 0))
        return 2;
    return -1;
}

int http_do(struct http *c, const struct http_req *rq, struct http_resp *rs,
            struct err *e)
{
    struct strbuf what = STRBUF_INIT;
    struct curl_slist *hdrs;
    struct timespec t0;
    int oom, x,
        retries = c->o.retries < 0 ? 0
                  : c->o.retries   ? c->o.retries
                                   : HTTP_RETRIES;
    long total = http_opt(c->o.retry_total_ms, HTTP_RETRY_TOTAL_MS), pause;

    if (rq->no_retry)
        retries = 0;
    rs->attempts = 0;
    http_what(c, rq, &what);
    hdrs = http_headers(rq, &oom);
    if (oom) {
        x = err_set(e, "%s: out of memory", sb_str(&what));
        goto out;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        rs->attempts++;
        x = http_attempt(c, rq, rs, hdrs, sb_str(&what), e);
        if (x != 2 && (x != 0 || !(rs->status == 429 ||
                                   (rs->status >= 500 && rs->status <= 599))))
            break;
        if (rs->attempts > retries) {
            if (e && x == 2 && rs->attempts > 1) {
                size_t n = strlen(e->msg);
                snprintf(e->msg + n, sizeof(e->msg) - n, " (after %d attempts)",
                         rs->attempts);
            }
            break;
        }
        pause =
            x == 2 ? http_pause_ms(c, &(struct http_resp){.retry_after_ms = -1},
                                   rs->attempts - 1)
                   : http_pause_ms(c, rs, rs->attempts - 1);
        if (http_elapsed(&t0) * 1000 + (double)pause > (double)total)
            break;
        http_sleep_ms(pause);
    }
    if (x == 2)
        x = -1;
out:
    http_free_headers(hdrs);
    sb_release(&what);
    if (x)
        http_scrub_req(e, rq);
    return x;
}

char *http_basic(const char *user, const char *password)
{
    struct strbuf in = STRBUF_INIT;
    size_t n;
    char *out;

    sb_adds(&in, user);
    sb_adds(&in, ":");
    sb_adds(&in, password);
    n = 6 + 4 * ((in.len + 2) / 3) + 1;
    out = xmalloc(n);
    memcpy(out, "Basic ", 6);
    EVP_EncodeBlock((unsigned char *)out + 6, (const unsigned char *)in.buf,
                    (int)in.len);
    OPENSSL_cleanse(in.buf, in.cap);
    sb_release(&in);
    return out;
}

char *http_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    struct strbuf sb = STRBUF_INIT;
    const unsigned char *p;

    for (p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
            *p == '~') {
            sb_add(&sb, (const char *)p, 1);
        } else {
            char b[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            sb_add(&sb, b, 3);
        }
    }
    if (!sb.buf)
        return xstrdup("");
    return sb_detach(&sb);
}

int http_status_error(struct http *c, const struct http_req *rq,
                      const struct http_resp *rs, struct err *e)
{
    struct strbuf sb = STRBUF_INIT;

    http_what(c, rq, &sb);
    sb_addf(&sb, ": %ld", rs->status);
    if (rs->reason[0])
        sb_addf(&sb, " %s", rs->reason);
    if (rs->attempts > 1)
        sb_addf(&sb, " (after %d attempts)", rs->attempts);
    err_set(e, "%s", sb_str(&sb));
    sb_release(&sb);
    http_scrub_req(e, rq);
    return -1;
}
