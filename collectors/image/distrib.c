/*
 * distrib.c: the registry HTTP API v2 client; see distrib.h.
 *
 * One libcurl easy handle per struct distrib, so the manifest, config and
 * layer requests of an image share connections and TLS sessions. Every
 * registry request goes through distrib_get, which owns the three things
 * a registry may ask of a client: authentication (a 401 is answered once
 * per request with credentials or a fresh token), patience (429 and 5xx
 * are retried twice) and, for hosts the user named insecure, plain http
 * when https does not come up.
 *
 * Secrets (the docker config's password, the Basic header, tokens) live
 * only in this struct and in the headers handed to libcurl, which drops a
 * custom Authorization header when a redirect leaves the host, port or
 * scheme (libcurl >= 7.58, the port and scheme since 7.83). Every error
 * leaving this file is scrubbed of them as a last line of defence against
 * a server that echoes what it was sent.
 *
 * What only reads bytes (references, status lines, error bodies,
 * WWW-Authenticate, token answers, the docker config) is in distrib_ref.c,
 * where it is unit-tested and fuzzed without a server.
 */
#include "distrib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "banned.h"

#define DISTRIB_MANIFEST_MAX (4u << 20)
#define DISTRIB_TOKEN_MAX (1u << 20)
#define DISTRIB_ERRBODY_MAX (64u << 10) /* kept of an error answer */
#define DISTRIB_WWWAUTH_MAX (8u << 10)
#define DISTRIB_RETRIES 2
#define DISTRIB_DEFAULT_TIMEOUT 30L

static const char distrib_manifest_accept[] =
    "Accept: application/vnd.oci.image.index.v1+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

/* ---- the client ------------------------------------------------------ */

struct distrib {
    CURL *curl;
    char *host; /* as written: messages, credentials, insecure list */
    char *api_host;
    char *repository;
    int insecure;
    long timeout;       /* seconds, for messages */
    const char *scheme; /* "https", or "http" after a fallback */
    int may_fall_back;  /* insecure and https not seen to work yet */
    char *config_path;  /* the docker config, NULL when there is none */
    int creds_loaded;   /* config_path was read */
    int creds_helper;   /* it names a credsStore or credHelper we skip */
    char *basic;        /* base64 "user:password", or NULL */
    char *password;     /* only to scrub errors */
    char *auth;         /* the Authorization header in use, or NULL */
    char errbuf[CURL_ERROR_SIZE];
};

/* One HTTP answer (the last one, when redirects were followed). */
struct distrib_resp {
    long status;
    char reason[64];
    char *content_type;
    struct strbuf www_auth; /* each WWW-Authenticate value, '\n' after */
    long retry_after_ms;    /* -1: none given */
    struct strbuf body;     /* a 2xx body (no sink), or an error body */
    size_t body_max;        /* for a 2xx body */
    int too_big;
    struct sink *sink; /* 2xx bodies go here when set */
    struct err *sink_err;
    int sink_failed;
    struct timespec start; /* of the exchange */
    long timeout;          /* seconds of grace, T */
    int too_slow;          /* the progress callback ended it */
};

static void distrib_resp_reset(struct distrib_resp *r)
{
    r->status = 0;
    r->reason[0] = '\0';
    free(r->content_type);
    r->content_type = NULL;
    sb_setlen(&r->www_auth, 0);
    r->retry_after_ms = -1;
    sb_setlen(&r->body, 0);
    r->too_big = 0;
}

static void distrib_resp_release(struct distrib_resp *r)
{
    free(r->content_type);
    sb_release(&r->www_auth);
    sb_release(&r->body);
}

/* Overwrites every occurrence of secret in e with "***". */
static void distrib_scrub_one(struct err *e, const char *secret)
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

static int distrib_fail(struct distrib *d, struct err *e)
{
    distrib_scrub_one(e, d->password);
    distrib_scrub_one(e, d->basic);
    if (d->auth && strncmp(d->auth, "Authorization: Bearer ", 22) == 0)
        distrib_scrub_one(e, d->auth + 22);
    return -1;
}

static char *distrib_trim(char *s, size_t *n)
{
    while (*n > 0 && (s[*n - 1] == '\r' || s[*n - 1] == '\n' ||
                      s[*n - 1] == ' ' || s[*n - 1] == '\t'))
        (*n)--;
    while (*n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        (*n)--;
    }
    return s;
}

static size_t distrib_on_header(char *buf, size_t size, size_t nmemb, void *arg)
{
    struct distrib_resp *r = arg;
    size_t len = size * nmemb, n = len, vn;
    char *line = distrib_trim(buf, &n), *colon, *v;

    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* A new answer (after a redirect): forget the last one. */
        distrib_resp_reset(r);
        r->status = distrib_status_line(line, n, r->reason, sizeof(r->reason));
        return len;
    }
    colon = memchr(line, ':', n);
    if (!colon)
        return len;
    vn = n - (size_t)(colon + 1 - line);
    v = distrib_trim(colon + 1, &vn);
    if (colon - line == 12 && strncasecmp(line, "content-type", 12) == 0) {
        size_t k = 0;
        while (k < vn && v[k] != ';' && v[k] != ' ')
            k++;
        free(r->content_type);
        r->content_type = xstrndup(v, k);
    } else if (colon - line == 16 &&
               strncasecmp(line, "www-authenticate", 16) == 0) {
        if (r->www_auth.len + vn < DISTRIB_WWWAUTH_MAX) {
            sb_add(&r->www_auth, v, vn);
            sb_add(&r->www_auth, "\n", 1);
        }
    } else if (colon - line == 11 &&
               strncasecmp(line, "retry-after", 11) == 0) {
        /* Seconds only; an HTTP date means our default pause. */
        long ms = distrib_retry_after_ms(v, vn);
        if (ms >= 0)
            r->retry_after_ms = ms;
    }
    return len;
}

/* A 2xx body goes to the sink or the buffer; any other body is only the
 * registry's explanation, kept for the error and never passed on. */
static size_t distrib_on_body(char *buf, size_t size, size_t nmemb, void *arg)
{
    struct distrib_resp *r = arg;
    size_t len = size * nmemb;

    if (r->status < 200 || r->status > 299) {
        if (r->body.len + len <= DISTRIB_ERRBODY_MAX)
            sb_add(&r->body, buf, len);
        return len;
    }
    if (r->sink) {
        if (r->sink->write(r->sink, buf, len, r->sink_err)) {
            r->sink_failed = 1;
            return 0;
        }
        return len;
    }
    if (r->body.len + len > r->body_max) {
        r->too_big = 1;
        return 0;
    }
    sb_add(&r->body, buf, len);
    return len;
}

static double distrib_elapsed(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) +
           (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* The overall deadline: T seconds, plus one second per DISTRIB_MIN_RATE
 * bytes received. Headers count as nothing, so a trickled status line
 * ends after T seconds too. */
static int distrib_on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
                               curl_off_t ultotal, curl_off_t ulnow)
{
    struct distrib_resp *r = arg;

    (void)dltotal;
    (void)ultotal;
    (void)ulnow;
    if (distrib_elapsed(&r->start) >
        (double)r->timeout + (double)dlnow / (double)DISTRIB_MIN_RATE) {
        r->too_slow = 1;
        return 1;
    }
    return 0;
}

/* "404 MANIFEST_UNKNOWN: manifest unknown" from the standard error body,
 * else "500 Internal Server Error". */
static void distrib_status_text(const struct distrib_resp *r,
                                struct strbuf *out)
{
    distrib_error_text(r->status, r->reason, r->body.buf, r->body.len, out);
}

static void distrib_sleep_ms(long ms)
{
    struct timespec ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* After the attempt-th answer r (0 first): waits and says yes when a 429
 * or 5xx deserves another try. */
static int distrib_retry(const struct distrib_resp *r, int attempt)
{
    if (!(r->status == 429 || (r->status >= 500 && r->status <= 599)) ||
        attempt >= DISTRIB_RETRIES)
        return 0;
    distrib_sleep_ms(r->retry_after_ms >= 0 ? r->retry_after_ms
                                            : 500L << attempt);
    return 1;
}

/*
 * One exchange. 0: an answer is in r (any status). -1: e says why (a sink
 * error stays as the sink wrote it). 1: as -1, but the TCP connection was
 * made and TLS never came up, which an insecure host answers with http.
 */
static int distrib_exchange(struct distrib *d, const char *url,
                            struct curl_slist *hdrs, struct distrib_resp *r,
                            const char *what, struct err *e)
{
    CURLcode cc;
    curl_off_t tls = 0;
    long nconn = 0;

    distrib_resp_reset(r);
    r->sink_failed = 0;
    r->too_slow = 0;
    r->timeout = d->timeout;
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    d->errbuf[0] = '\0';
    curl_easy_setopt(d->curl, CURLOPT_URL, url);
    curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(d->curl, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(d->curl, CURLOPT_XFERINFODATA, r);
    cc = curl_easy_perform(d->curl);
    curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, NULL);
    if (cc == CURLE_OK)
        return 0;
    if (r->sink_failed)
        return -1;
    if (r->too_big)
        return err_set(e, "%s: the answer is larger than %u MiB", what,
                       (unsigned)(r->body_max >> 20));
    {
        /* errbuf ends in a newline with some versions. */
        size_t n = strlen(d->errbuf);
        while (n > 0 && (d->errbuf[n - 1] == '\n' || d->errbuf[n - 1] == ' '))
            d->errbuf[--n] = '\0';
    }
    if (cc == CURLE_OPERATION_TIMEDOUT || r->too_slow) {
        curl_off_t got = 0;
        curl_easy_getinfo(d->curl, CURLINFO_SIZE_DOWNLOAD_T, &got);
        if (got == 0 && r->status == 0)
            err_set(e, "%s: no answer within %ld s (--registry-timeout %ld)",
                    what, d->timeout, d->timeout);
        else
            err_set(e,
                    "%s: too slow: %lld bytes in %.0f s, under the minimum "
                    "of %ld KiB/s (--registry-timeout %ld)",
                    what, (long long)got, distrib_elapsed(&r->start),
                    DISTRIB_MIN_RATE / 1024, d->timeout);
    } else
        err_set(e, "%s: %s", what,
                d->errbuf[0] ? d->errbuf : curl_easy_strerror(cc));
    /* libcurl reports no connect time for a failed transfer; a new
     * connection and no TLS time mean the handshake is what failed. */
    curl_easy_getinfo(d->curl, CURLINFO_NUM_CONNECTS, &nconn);
    curl_easy_getinfo(d->curl, CURLINFO_APPCONNECT_TIME_T, &tls);
    return strncmp(url, "https:", 6) == 0 && nconn > 0 && tls == 0 ? 1 : -1;
}

/* ---- credentials and authentication -------------------------------- */

/* Reads the docker config once; d->basic stays NULL when it has nothing
 * for the host. Only a file that exists and is unreadable or malformed
 * is an error. */
static int distrib_load_creds(struct distrib *d, struct err *e)
{
    struct distrib_creds c;

    if (d->creds_loaded || !d->config_path)
        return 0;
    if (distrib_creds_load(d->config_path, d->host, &c, e)) {
        d->creds_helper = c.helper;
        return -1;
    }
    d->basic = c.basic;
    d->password = c.password;
    d->creds_helper = c.helper;
    d->creds_loaded = 1;
    return 0;
}

/* "registry H: authentication failed for R (401 ...): why." */
static int distrib_auth_error(struct distrib *d, const struct distrib_resp *r,
                              const char *why, struct err *e)
{
    struct strbuf sb = STRBUF_INIT;

    sb_addf(&sb, "registry %s: authentication failed for %s (", d->host,
            d->repository);
    distrib_status_text(r, &sb);
    sb_adds(&sb, ")");
    if (why)
        sb_addf(&sb, ": %s", why);
    else if (d->basic)
        sb_addf(&sb, ": the credentials for %s in %s were refused", d->host,
                d->config_path);
    else if (d->config_path)
        sb_addf(&sb, ": no credentials for %s in %s%s", d->host, d->config_path,
                d->creds_helper ? " (credsStore and credHelpers are not run)"
                                : "");
    else
        sb_addf(&sb,
                ": no credentials for %s (no docker config: neither "
                "DOCKER_CONFIG nor HOME is set)",
                d->host);
    err_set(e, "%s", sb_str(&sb));
    sb_release(&sb);
    return -1;
}

static void distrib_set_auth(struct distrib *d, const char *kind,
                             const char *cred)
{
    struct strbuf sb = STRBUF_INIT;

    if (d->auth) {
        OPENSSL_cleanse(d->auth, strlen(d->auth));
        free(d->auth);
    }
    sb_addf(&sb, "Authorization: %s %s", kind, cred);
    d->auth = sb_detach(&sb);
}

/* realm?service=...&scope=repository:REPO:pull, with the credentials as
 * Basic when there are some; the token replaces d->auth. */
static int distrib_fetch_token(struct distrib *d,
                               const struct distrib_challenge *c,
                               const struct distrib_resp *first, struct err *e)
{
    struct strbuf url = STRBUF_INIT, scope = STRBUF_INIT, what = STRBUF_INIT,
                  hdr = STRBUF_INIT;
    struct distrib_resp r = {0};
    struct curl_slist *hdrs = NULL, *h;
    const char *bad = NULL;
    char *esc, *tok = NULL;
    int rc = -1, attempt = 0, x;

    if (!c->realm || !*c->realm)
        return distrib_auth_error(d, first,
                                  "the Bearer challenge names no realm", e);
    if (strncasecmp(c->realm, "https://", 8) != 0 &&
        !(d->insecure && strncasecmp(c->realm, "http://", 7) == 0))
        return distrib_auth_error(d, first,
                                  "the token realm is not an https URL", e);
    /* The realm without its query, for messages. */
    sb_adds(&what, "registry ");
    sb_adds(&what, d->host);
    sb_adds(&what, ": token request to ");
    distrib_add_clean(&what, c->realm, strcspn(c->realm, "?#"));
    sb_adds(&url, c->realm);
    sb_adds(&url, strchr(c->realm, '?') ? "&" : "?");
    if (c->service) {
        esc = curl_easy_escape(d->curl, c->service, 0);
        sb_addf(&url, "service=%s&", esc ? esc : "");
        curl_free(esc);
    }
    sb_addf(&scope, "repository:%s:pull", d->repository);
    esc = curl_easy_escape(d->curl, sb_str(&scope), 0);
    sb_addf(&url, "scope=%s", esc ? esc : "");
    curl_free(esc);
    hdrs = curl_slist_append(NULL, "Accept: application/json");
    if (hdrs && d->basic) {
        sb_addf(&hdr, "Authorization: Basic %s", d->basic);
        if (!(h = curl_slist_append(hdrs, sb_str(&hdr)))) {
            curl_slist_free_all(hdrs);
            hdrs = NULL;
        }
    }
    if (!hdrs) {
        err_set(e, "%s: out of memory", sb_str(&what));
        goto out;
    }
    r.body_max = DISTRIB_TOKEN_MAX;
    for (;;) {
        x = distrib_exchange(d, sb_str(&url), hdrs, &r, sb_str(&what), e);
        if (x)
            goto out;
        if (!distrib_retry(&r, attempt++))
            break;
    }
    if (r.status < 200 || r.status > 299) {
        struct strbuf why = STRBUF_INIT;
        sb_adds(&why, "the token server answered ");
        distrib_status_text(&r, &why);
        if (!d->basic && d->config_path)
            sb_addf(&why, "; no credentials for %s in %s", d->host,
                    d->config_path);
        else if (d->basic)
            sb_addf(&why, "; the credentials came from %s", d->config_path);
        distrib_auth_error(d, first, sb_str(&why), e);
        sb_release(&why);
        goto out;
    }
    tok = distrib_token_parse(r.body.buf, r.body.len, &bad);
    if (!tok) {
        distrib_auth_error(d, first, bad, e);
        goto out;
    }
    distrib_set_auth(d, "Bearer", tok);
    rc = 0;
out:
    if (r.body.buf)
        OPENSSL_cleanse(r.body.buf, r.body.cap);
    if (hdr.buf)
        OPENSSL_cleanse(hdr.buf, hdr.cap);
    if (tok) {
        OPENSSL_cleanse(tok, strlen(tok));
        free(tok);
    }
    curl_slist_free_all(hdrs);
    distrib_resp_release(&r);
    sb_release(&url);
    sb_release(&scope);
    sb_release(&what);
    sb_release(&hdr);
    return rc;
}

/* Answers a 401: sets d->auth from the challenge, or fails. */
static int distrib_authenticate(struct distrib *d, const struct distrib_resp *r,
                                struct err *e)
{
    struct distrib_challenge c = {DISTRIB_NONE, NULL, NULL, NULL};
    const char *p = sb_str(&r->www_auth), *nl;
    int rc = -1;

    for (; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        distrib_challenge_parse(p, (size_t)(nl - p), &c);
    }
    if (distrib_load_creds(d, e))
        goto out;
    if (c.scheme == DISTRIB_NONE) {
        struct strbuf why = STRBUF_INIT;
        if (c.other)
            sb_addf(&why,
                    "it asks for \"%s\" authentication, which fourc "
                    "does not speak",
                    c.other);
        else
            sb_adds(&why, "it names no authentication scheme");
        distrib_auth_error(d, r, sb_str(&why), e);
        sb_release(&why);
        goto out;
    }
    if (c.scheme == DISTRIB_BASIC) {
        if (!d->basic) {
            distrib_auth_error(d, r, NULL, e);
            goto out;
        }
        distrib_set_auth(d, "Basic", d->basic);
        rc = 0;
        goto out;
    }
    rc = distrib_fetch_token(d, &c, r, e);
out:
    distrib_challenge_release(&c);
    return rc;
}

/* ---- requests ---------------------------------------------------------- */

/* After a TLS failure: what the user can do about it. */
static void distrib_tls_hint(struct err *e)
{
    size_t n = strlen(e->msg);

    snprintf(e->msg + n, sizeof(e->msg) - n, "%s",
             " (a registry with a private CA needs --registry-ca, one "
             "that speaks plain http --insecure-registry)");
}

/*
 * GET https://API_HOST/v2/REPO/<path> with the extra header (may be NULL):
 * authenticates on a 401, retries 429 and 5xx, and falls back to http for
 * an insecure host. 0 only for a 2xx answer, which is in r.
 */
static int distrib_get(struct distrib *d, const char *path, const char *extra,
                       struct distrib_resp *r, struct err *e)
{
    struct strbuf url = STRBUF_INIT, what = STRBUF_INIT, sb = STRBUF_INIT;
    struct curl_slist *hdrs = NULL, *h;
    int attempt = 0, reauthed = 0, x, rc = -1;

    sb_addf(&what, "registry %s: GET /v2/%s/%s", d->host, d->repository, path);
    for (;;) {
        sb_setlen(&url, 0);
        sb_addf(&url, "%s://%s/v2/%s/%s", d->scheme, d->api_host, d->repository,
                path);
        curl_slist_free_all(hdrs);
        hdrs = NULL;
        if (extra && !(hdrs = curl_slist_append(NULL, extra)))
            goto oom;
        if (d->auth) {
            if (!(h = curl_slist_append(hdrs, d->auth)))
                goto oom;
            hdrs = h;
        }
        x = distrib_exchange(d, sb_str(&url), hdrs, r, sb_str(&what), e);
        if (x == 1 && d->may_fall_back) {
            d->scheme = "http";
            d->may_fall_back = 0;
            continue;
        }
        if (x == 1 && !d->insecure)
            distrib_tls_hint(e);
        if (x)
            goto out;
        d->may_fall_back = 0;
        if (r->status == 401 && !reauthed) {
            reauthed = 1;
            if (distrib_authenticate(d, r, e))
                goto out;
            continue;
        }
        if (r->status == 401) {
            distrib_auth_error(d, r, NULL, e);
            goto out;
        }
        if (distrib_retry(r, attempt))
            attempt++;
        else
            break;
    }
    if (r->status >= 200 && r->status <= 299) {
        rc = 0;
        goto out;
    }
    distrib_status_text(r, &sb);
    if (attempt)
        err_set(e, "%s: %s (after %d attempts)", sb_str(&what), sb_str(&sb),
                attempt + 1);
    else
        err_set(e, "%s: %s", sb_str(&what), sb_str(&sb));
    goto out;
oom:
    err_set(e, "%s: out of memory", sb_str(&what));
out:
    curl_slist_free_all(hdrs);
    sb_release(&url);
    sb_release(&what);
    sb_release(&sb);
    return rc;
}

static int distrib_in_list(const char *host, const struct img_opts *o)
{
    size_t i;

    for (i = 0; i < o->ninsecure; i++)
        if (o->insecure[i] && strcasecmp(o->insecure[i], host) == 0)
            return 1;
    return 0;
}

static char *distrib_config_path(const struct img_opts *o)
{
    struct strbuf sb = STRBUF_INIT;
    const char *dir = getenv("DOCKER_CONFIG"), *home = getenv("HOME");

    if (o->docker_config)
        return xstrdup(o->docker_config);
    if (dir && *dir)
        sb_addf(&sb, "%s/config.json", dir);
    else if (home && *home)
        sb_addf(&sb, "%s/.docker/config.json", home);
    else
        return NULL;
    return sb_detach(&sb);
}

struct distrib *distrib_new(const struct distrib_ref *ref,
                            const struct img_opts *o, struct err *e)
{
    struct distrib *d;
    long timeout = o->timeout > 0 ? o->timeout : DISTRIB_DEFAULT_TIMEOUT;
    CURLcode cc = CURLE_OK;
    FILE *f;

    if (o->timeout < 0) {
        err_set(e, "registry %s: the timeout must be positive, not %ld",
                ref->host, o->timeout);
        return NULL;
    }
    if (o->ca_file) {
        if (!(f = fopen(o->ca_file, "r"))) {
            err_set(e, "registry CA file %s: cannot read: %s", o->ca_file,
                    strerror(errno));
            return NULL;
        }
        fclose(f);
    }
    d = xcalloc(1, sizeof(*d));
    d->host = xstrdup(ref->host);
    d->api_host = xstrdup(ref->api_host ? ref->api_host : ref->host);
    d->repository = xstrdup(ref->repository);
    d->insecure = distrib_in_list(ref->host, o);
    d->timeout = timeout;
    d->scheme = "https";
    d->may_fall_back = d->insecure;
    d->config_path = distrib_config_path(o);
    d->curl = curl_easy_init();
    if (!d->curl) {
        err_set(e, "registry %s: cannot start libcurl", d->host);
        distrib_free(d);
        return NULL;
    }
    /* The first refused option stops the rest and is the error. */
#define DISTRIB_SET(opt, val)                                                  \
    do {                                                                       \
        if (cc == CURLE_OK)                                                    \
            cc = curl_easy_setopt(d->curl, opt, val);                          \
    } while (0)
#if LIBCURL_VERSION_NUM >= 0x075500
    DISTRIB_SET(CURLOPT_PROTOCOLS_STR, d->insecure ? "https,http" : "https");
    DISTRIB_SET(CURLOPT_REDIR_PROTOCOLS_STR,
                d->insecure ? "https,http" : "https");
#else
    DISTRIB_SET(CURLOPT_PROTOCOLS,
                CURLPROTO_HTTPS | (d->insecure ? CURLPROTO_HTTP : 0L));
    DISTRIB_SET(CURLOPT_REDIR_PROTOCOLS,
                CURLPROTO_HTTPS | (d->insecure ? CURLPROTO_HTTP : 0L));
#endif
    DISTRIB_SET(CURLOPT_NOSIGNAL, 1L);
    DISTRIB_SET(CURLOPT_ERRORBUFFER, d->errbuf);
    DISTRIB_SET(CURLOPT_USERAGENT, "fourc/" PACKAGE_VERSION);
    DISTRIB_SET(CURLOPT_FOLLOWLOCATION, 1L);
    DISTRIB_SET(CURLOPT_MAXREDIRS, 5L);
    DISTRIB_SET(CURLOPT_CONNECTTIMEOUT, timeout);
    DISTRIB_SET(CURLOPT_LOW_SPEED_LIMIT, DISTRIB_MIN_RATE);
    DISTRIB_SET(CURLOPT_LOW_SPEED_TIME, timeout);
    DISTRIB_SET(CURLOPT_NOPROGRESS, 0L);
    DISTRIB_SET(CURLOPT_XFERINFOFUNCTION, distrib_on_progress);
    DISTRIB_SET(CURLOPT_SSL_VERIFYPEER, d->insecure ? 0L : 1L);
    DISTRIB_SET(CURLOPT_SSL_VERIFYHOST, d->insecure ? 0L : 2L);
    if (o->ca_file)
        DISTRIB_SET(CURLOPT_CAINFO, o->ca_file);
    DISTRIB_SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    DISTRIB_SET(CURLOPT_HEADERFUNCTION, distrib_on_header);
    DISTRIB_SET(CURLOPT_WRITEFUNCTION, distrib_on_body);
#undef DISTRIB_SET
    if (cc != CURLE_OK) {
        err_set(e, "registry %s: libcurl refused an option: %s", d->host,
                curl_easy_strerror(cc));
        distrib_free(d);
        return NULL;
    }
    return d;
}

void distrib_free(struct distrib *d)
{
    if (!d)
        return;
    if (d->curl)
        curl_easy_cleanup(d->curl);
    if (d->password)
        OPENSSL_cleanse(d->password, strlen(d->password));
    if (d->basic)
        OPENSSL_cleanse(d->basic, strlen(d->basic));
    if (d->auth)
        OPENSSL_cleanse(d->auth, strlen(d->auth));
    free(d->password);
    free(d->basic);
    free(d->auth);
    free(d->host);
    free(d->api_host);
    free(d->repository);
    free(d->config_path);
    free(d);
}

/* "sha256:<hex>" of the bytes (or sha512), compared with digest. */
static int distrib_digest_matches(const char *digest, const char *buf,
                                  size_t len, char *got, size_t gotsz)
{
    static const char hex[] = "0123456789abcdef";
    const EVP_MD *md =
        strncmp(digest, "sha512:", 7) == 0 ? EVP_sha512() : EVP_sha256();
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;
    size_t alen = 6;

    if (!EVP_Digest(buf, len, out, &n, md, NULL) || gotsz < 8 + 2 * n)
        return 0;
    memcpy(got, digest, alen + 1);
    for (i = 0; i < n; i++) {
        got[alen + 1 + 2 * i] = hex[out[i] >> 4];
        got[alen + 2 + 2 * i] = hex[out[i] & 15];
    }
    got[alen + 1 + 2 * n] = '\0';
    return strcmp(got, digest) == 0;
}

int distrib_get_manifest(struct distrib *d, const char *reference,
                         struct strbuf *body, char **media_type, struct err *e)
{
    struct distrib_resp r = {0};
    struct strbuf path = STRBUF_INIT;
    char got[8 + 2 * EVP_MAX_MD_SIZE] = "";
    int is_digest = strchr(reference, ':') != NULL, rc = -1;

    *media_type = NULL;
    if (is_digest ? !distrib_digest_ok(reference)
                  : !distrib_tag_ok(reference)) {
        err_set(e,
                "registry %s: %s: \"%.200s\" is neither a tag nor a "
                "sha256 or sha512 digest",
                d->host, d->repository, reference);
        return -1;
    }
    sb_addf(&path, "manifests/%s", reference);
    r.body_max = DISTRIB_MANIFEST_MAX;
    if (distrib_get(d, sb_str(&path), distrib_manifest_accept, &r, e))
        goto out;
    if (is_digest && !distrib_digest_matches(reference, sb_str(&r.body),
                                             r.body.len, got, sizeof(got))) {
        err_set(e, "registry %s: manifest %s of %s: digest mismatch (got %s)",
                d->host, reference, d->repository, got);
        goto out;
    }
    sb_setlen(body, 0);
    sb_add(body, sb_str(&r.body), r.body.len);
    *media_type = xstrdup(r.content_type ? r.content_type : "");
    rc = 0;
out:
    distrib_resp_release(&r);
    sb_release(&path);
    return rc ? distrib_fail(d, e) : 0;
}

int distrib_get_blob(struct distrib *d, const char *digest, struct sink *to,
                     struct err *e)
{
    struct distrib_resp r = {0};
    struct strbuf path = STRBUF_INIT;
    int rc;

    if (!distrib_digest_ok(digest))
        return err_set(e,
                       "registry %s: %s: blob \"%.200s\" is not a sha256 or "
                       "sha512 digest",
                       d->host, d->repository, digest);
    sb_addf(&path, "blobs/%s", digest);
    r.sink = to;
    r.sink_err = e;
    rc = distrib_get(d, sb_str(&path), NULL, &r, e);
    distrib_resp_release(&r);
    sb_release(&path);
    return rc ? distrib_fail(d, e) : 0;
}
