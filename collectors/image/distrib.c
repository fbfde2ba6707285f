/*
 * distrib.c: the registry HTTP API v2 client; see distrib.h.
 *
 * One HTTP client (core/http.h) per struct distrib, so the manifest,
 * config and layer requests of an image share connections and TLS
 * sessions; it does TLS, timeouts, the minimum rate, retries of 429 and
 * 5xx (twice) and the size limit. Every registry request goes through
 * distrib_get, which owns what is the registry's own: authentication (a
 * 401 is answered once per request with credentials or a fresh token) and,
 * for hosts the user named insecure, plain http when https does not come
 * up.
 *
 * Secrets (the docker config's password, the Basic header, tokens) live
 * only in this struct and in the Authorization value handed to http_do,
 * which libcurl drops when a redirect leaves the host, port or scheme
 * (libcurl >= 7.58, the port and scheme since 7.83). Every error
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

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "banned.h"
#include "http.h"

#define DISTRIB_MANIFEST_MAX (4u << 20)
#define DISTRIB_TOKEN_MAX (1u << 20)
#define DISTRIB_RETRIES 2
#define DISTRIB_DEFAULT_TIMEOUT 30L

static const char distrib_manifest_accept[] =
    "Accept: application/vnd.oci.image.index.v1+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

/* ---- the client ------------------------------------------------------ */

struct distrib {
    struct http *http;
    char *host; /* as written: messages, credentials, insecure list */
    char *api_host;
    char *repository;
    char *what; /* "registry HOST", how errors start */
    char *hint; /* "--registry-timeout T", named after a timeout */
    int insecure;
    const char *scheme; /* "https", or "http" after a fallback */
    int may_fall_back;  /* insecure and https not seen to work yet */
    char *config_path;  /* the docker config, NULL when there is none */
    int creds_loaded;   /* config_path was read */
    int creds_helper;   /* it names a credsStore or credHelper we skip */
    char *basic;        /* base64 "user:password", or NULL */
    char *password;     /* only to scrub errors */
    char *auth;         /* the Authorization value in use, or NULL */
};

static int distrib_fail(struct distrib *d, struct err *e)
{
    http_scrub(e, d->password);
    http_scrub(e, d->basic);
    if (d->auth && strncmp(d->auth, "Bearer ", 7) == 0)
        http_scrub(e, d->auth + 7);
    return -1;
}

/* "404 MANIFEST_UNKNOWN: manifest unknown" from the standard error body,
 * else "500 Internal Server Error". */
static void distrib_status_text(const struct http_resp *r, struct strbuf *out)
{
    distrib_error_text(r->status, r->reason, r->body.buf, r->body.len, out);
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
static int distrib_auth_error(struct distrib *d, const struct http_resp *r,
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
    sb_addf(&sb, "%s %s", kind, cred);
    d->auth = sb_detach(&sb);
}

/* realm?service=...&scope=repository:REPO:pull, with the credentials as
 * Basic when there are some; the token replaces d->auth. */
static int distrib_fetch_token(struct distrib *d,
                               const struct distrib_challenge *c,
                               const struct http_resp *first, struct err *e)
{
    struct strbuf url = STRBUF_INIT, scope = STRBUF_INIT, what = STRBUF_INIT,
                  hdr = STRBUF_INIT;
    struct http_resp r = {0};
    static const char *const accept[] = {"Accept: application/json", NULL};
    struct http_req rq = {0};
    const char *bad = NULL;
    char *esc, *tok = NULL;
    int rc = -1;

    if (!c->realm || !*c->realm)
        return distrib_auth_error(d, first,
                                  "the Bearer challenge names no realm", e);
    if (strncasecmp(c->realm, "https://", 8) != 0 &&
        !(d->insecure && strncasecmp(c->realm, "http://", 7) == 0))
        return distrib_auth_error(d, first,
                                  "the token realm is not an https URL", e);
    /* The realm without its query, for messages. */
    sb_adds(&what, "token request to ");
    distrib_add_clean(&what, c->realm, strcspn(c->realm, "?#"));
    sb_adds(&url, c->realm);
    sb_adds(&url, strchr(c->realm, '?') ? "&" : "?");
    if (c->service) {
        esc = http_escape(c->service);
        sb_addf(&url, "service=%s&", esc);
        free(esc);
    }
    sb_addf(&scope, "repository:%s:pull", d->repository);
    esc = http_escape(sb_str(&scope));
    sb_addf(&url, "scope=%s", esc);
    free(esc);
    if (d->basic)
        sb_addf(&hdr, "Basic %s", d->basic);
    rq.url = sb_str(&url);
    rq.headers = accept;
    rq.auth = d->basic ? sb_str(&hdr) : NULL;
    rq.max_body = DISTRIB_TOKEN_MAX;
    rq.what = sb_str(&what);
    if (http_do(d->http, &rq, &r, e))
        goto out;
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
    http_resp_release(&r);
    sb_release(&url);
    sb_release(&scope);
    sb_release(&what);
    sb_release(&hdr);
    return rc;
}

/* Answers a 401: sets d->auth from the challenge, or fails. */
static int distrib_authenticate(struct distrib *d, const struct http_resp *r,
                                struct err *e)
{
    struct distrib_challenge c = {DISTRIB_NONE, NULL, NULL, NULL};
    const char *p = sb_str(&r->headers), *nl;
    int rc = -1;

    /* Each WWW-Authenticate value; http.c keeps one header a line. */
    for (; *p && (nl = strchr(p, '\n')); p = nl + 1)
        if ((size_t)(nl - p) > 17 &&
            strncasecmp(p, "www-authenticate:", 17) == 0)
            distrib_challenge_parse(p + 17, (size_t)(nl - p - 17), &c);
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

/* Bytes of a blob to the caller's sink. */
static int distrib_to_sink(void *arg, const void *buf, size_t len,
                           struct err *e)
{
    struct sink *s = arg;

    return s->write(s, buf, len, e);
}

/*
 * GET https://API_HOST/v2/REPO/<path> with the extra header (may be NULL),
 * the body to `to` when it is not NULL: authenticates on a 401, retries
 * 429 and 5xx (in http_do), and falls back to http for an insecure host.
 * 0 only for a 2xx answer, which is in r.
 */
static int distrib_get(struct distrib *d, const char *path, const char *extra,
                       struct sink *to, struct http_resp *r, struct err *e)
{
    struct strbuf url = STRBUF_INIT, what = STRBUF_INIT, sb = STRBUF_INIT;
    const char *hdrs[2] = {extra, NULL};
    struct http_req rq = {0};
    int reauthed = 0, x, rc = -1;

    sb_addf(&what, "GET /v2/%s/%s", d->repository, path);
    rq.what = sb_str(&what);
    rq.headers = extra ? hdrs : NULL;
    rq.max_body = DISTRIB_MANIFEST_MAX;
    if (to) {
        rq.on_body = distrib_to_sink;
        rq.arg = to;
    }
    for (;;) {
        sb_setlen(&url, 0);
        sb_addf(&url, "%s://%s/v2/%s/%s", d->scheme, d->api_host, d->repository,
                path);
        rq.url = sb_str(&url);
        rq.auth = d->auth;
        x = http_do(d->http, &rq, r, e);
        if (x == HTTP_ETLS && d->may_fall_back) {
            d->scheme = "http";
            d->may_fall_back = 0;
            continue;
        }
        if (x == HTTP_ETLS && !d->insecure)
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
        break;
    }
    if (r->status >= 200 && r->status <= 299) {
        rc = 0;
        goto out;
    }
    distrib_status_text(r, &sb);
    if (r->attempts > 1)
        err_set(e, "%s: %s: %s (after %d attempts)", d->what, sb_str(&what),
                sb_str(&sb), r->attempts);
    else
        err_set(e, "%s: %s: %s", d->what, sb_str(&what), sb_str(&sb));
out:
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
    struct http_opts ho = {0};
    struct strbuf sb = STRBUF_INIT;
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
    sb_addf(&sb, "registry %s", d->host);
    d->what = sb_detach(&sb);
    sb_addf(&sb, "--registry-timeout %ld", timeout);
    d->hint = sb_detach(&sb);
    d->insecure = distrib_in_list(ref->host, o);
    d->scheme = "https";
    d->may_fall_back = d->insecure;
    d->config_path = distrib_config_path(o);
    ho.what = d->what;
    ho.timeout_hint = d->hint;
    ho.ca_file = o->ca_file;
    ho.insecure = d->insecure;
    ho.allow_http = d->insecure;
    ho.connect_timeout = timeout;
    ho.stall_timeout = timeout;
    ho.deadline = timeout;
    ho.min_rate = DISTRIB_MIN_RATE;
    ho.retries = DISTRIB_RETRIES;
    if (!(d->http = http_new(&ho, e))) {
        distrib_free(d);
        return NULL;
    }
    return d;
}

void distrib_free(struct distrib *d)
{
    if (!d)
        return;
    http_free(d->http);
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
    free(d->what);
    free(d->hint);
    free(d->config_path);
    free(d);
}

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
    struct http_resp r = {0};
    struct strbuf path = STRBUF_INIT;
    char got[8 + 2 * EVP_MAX_MD_SIZE] = "";
    const char *ct;
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
    if (distrib_get(d, sb_str(&path), distrib_manifest_accept, NULL, &r, e))
        goto out;
    if (is_digest && !distrib_digest_matches(reference, sb_str(&r.body),
                                             r.body.len, got, sizeof(got))) {
        err_set(e, "registry %s: manifest %s of %s: digest mismatch (got %s)",
                d->host, reference, d->repository, got);
        goto out;
    }
    sb_setlen(body, 0);
    sb_add(body, sb_str(&r.body), r.body.len);
    /* The media type without parameters. */
    ct = r.content_type ? r.content_type : "";
    *media_type = xstrndup(ct, strcspn(ct, "; \t"));
    rc = 0;
out:
    http_resp_release(&r);
    sb_release(&path);
    return rc ? distrib_fail(d, e) : 0;
}

int distrib_get_blob(struct distrib *d, const char *digest, struct sink *to,
                     struct err *e)
{
    struct http_resp r = {0};
    struct strbuf path = STRBUF_INIT;
    int rc;

    if (!distrib_digest_ok(digest))
        return err_set(e,
                       "registry %s: %s: blob \"%.200s\" is not a sha256 or "
                       "sha512 digest",
                       d->host, d->repository, digest);
    sb_addf(&path, "blobs/%s", digest);
    rc = distrib_get(d, sb_str(&path), NULL, to, &r, e);
    http_resp_release(&r);
    sb_release(&path);
    return rc ? distrib_fail(d, e) : 0;
}
