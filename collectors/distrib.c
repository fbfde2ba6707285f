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
 */
#include "distrib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "banned.h"

#define DISTRIB_MANIFEST_MAX (4u << 20)
#define DISTRIB_TOKEN_MAX (1u << 20)
#define DISTRIB_ERRBODY_MAX (64u << 10) /* kept of an error answer */
#define DISTRIB_WWWAUTH_MAX (8u << 10)
#define DISTRIB_RETRIES 2
#define DISTRIB_RETRY_AFTER_MAX 10 /* seconds */
#define DISTRIB_MSG_MAX 200        /* of what a registry says */
#define DISTRIB_NAME_MAX 255       /* docker's limit for host/repository */
#define DISTRIB_DEFAULT_TIMEOUT 30L

static const char distrib_manifest_accept[] =
    "Accept: application/vnd.oci.image.index.v1+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

/* ---- references ---------------------------------------------------- */

static int distrib_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int distrib_alnum(char c)
{
    return distrib_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static int distrib_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A repository path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static int distrib_component_ok(const char *s, size_t n)
{
    size_t i = 0, j;

    if (n == 0 || !distrib_lower_alnum(s[0]))
        return 0;
    while (i < n) {
        if (distrib_lower_alnum(s[i])) {
            i++;
            continue;
        }
        j = i + 1;
        if (s[i] == '_' && j < n && s[j] == '_')
            j++;
        else if (s[i] == '-')
            while (j < n && s[j] == '-')
                j++;
        else if (s[i] != '.' && s[i] != '_')
            return 0;
        if (j >= n || !distrib_lower_alnum(s[j]))
            return 0;
        i = j;
    }
    return 1;
}

/* [A-Za-z0-9_][A-Za-z0-9._-]{0,127} */
static int distrib_tag_ok(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || n > 128 || !(distrib_alnum(s[0]) || s[0] == '_'))
        return 0;
    for (i = 1; i < n; i++)
        if (!distrib_alnum(s[i]) && !strchr("._-", s[i]))
            return 0;
    return 1;
}

/* The hex length of a digest algorithm we can check, 0 for others. */
static size_t distrib_digest_hexlen(const char *s, size_t alglen)
{
    if (alglen == 6 && strncmp(s, "sha256", 6) == 0)
        return 64;
    if (alglen == 6 && strncmp(s, "sha512", 6) == 0)
        return 128;
    return 0;
}

/* "sha256:<64 lower hex>" or "sha512:<128 lower hex>". */
static int distrib_digest_ok(const char *s)
{
    const char *colon = strchr(s, ':');
    size_t i, hexlen;

    if (!colon)
        return 0;
    hexlen = distrib_digest_hexlen(s, (size_t)(colon - s));
    if (hexlen == 0 || strlen(colon + 1) != hexlen)
        return 0;
    for (i = 0; i < hexlen; i++)
        if (!distrib_hex(colon[1 + i]))
            return 0;
    return 1;
}

static int distrib_port_ok(const char *s, size_t n)
{
    long v = 0;
    size_t i;

    if (n == 0 || n > 5)
        return 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

/* A host name (labels of letters, digits and inner '-') or an IPv6
 * address in brackets, either with an optional ":port". */
static int distrib_host_ok(const char *s, size_t n)
{
    size_t i = 0, label = 0;

    if (n > 0 && s[0] == '[') {
        int colons = 0;
        for (i = 1; i < n && s[i] != ']'; i++) {
            if (s[i] == ':')
                colons++;
            else if (!distrib_hex((char)(s[i] | 0x20)) && s[i] != '.')
                return 0;
        }
        if (i >= n || colons < 2)
            return 0;
        i++;
    } else {
        for (; i < n && s[i] != ':'; i++) {
            if (s[i] == '.') {
                if (label == 0 || s[i - 1] == '-')
                    return 0;
                label = 0;
            } else if (distrib_alnum(s[i]) || (s[i] == '-' && label > 0)) {
                label++;
            } else {
                return 0;
            }
        }
        if (label == 0 || s[i - 1] == '-')
            return 0;
    }
    if (i == n)
        return 1;
    return s[i] == ':' && distrib_port_ok(s + i + 1, n - i - 1);
}

/* docker's rule: a first component is a host when it has '.' or ':', is
 * "localhost", or has upper case (which a repository cannot). */
static int distrib_is_host(const char *s, size_t n)
{
    size_t i;

    if (n == 9 && strncmp(s, "localhost", 9) == 0)
        return 1;
    for (i = 0; i < n; i++)
        if (s[i] == '.' || s[i] == ':' || (s[i] >= 'A' && s[i] <= 'Z'))
            return 1;
    return 0;
}

static int distrib_is_docker_hub(const char *host)
{
    return strcmp(host, "docker.io") == 0 ||
           strcmp(host, "index.docker.io") == 0;
}

/* Checks the repository path: components, and why one is wrong. */
static int distrib_repo_check(const char *s, const char *repo, struct err *e)
{
    const char *p = repo, *slash;

    for (;;) {
        size_t n;
        slash = strchr(p, '/');
        n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0)
            return err_set(e,
                           "%.300s: invalid image reference: empty "
                           "repository component",
                           s);
        if (!distrib_component_ok(p, n)) {
            size_t i;
            for (i = 0; i < n && !(p[i] >= 'A' && p[i] <= 'Z'); i++)
                ;
            return err_set(e,
                           "%.300s: invalid image reference: repository "
                           "component \"%.*s\" %s",
                           s, (int)(n > 128 ? 128 : n), p,
                           i < n ? "must be lower case"
                                 : "must be lower-case letters and digits "
                                   "separated by '.', '_', '__' or '-'");
        }
        if (!slash)
            return 0;
        p = slash + 1;
    }
}

int distrib_ref_parse(const char *s, struct distrib_ref *out, struct err *e)
{
    const char *at = strchr(s, '@'), *name_end, *slash, *p, *repo;
    const char *tag = NULL;
    size_t name_len, repo_len, host_len = 0;
    struct strbuf r = STRBUF_INIT;

    memset(out, 0, sizeof(*out));
    if (!*s)
        return err_set(e, "invalid image reference: empty");
    name_end = at ? at : s + strlen(s);
    if (at && !distrib_digest_ok(at + 1))
        return err_set(e,
                       "%.300s: invalid image reference: the digest must be "
                       "sha256:<64 hex digits> or sha512:<128 hex digits>",
                       s);
    /* A tag is after the last ':' that follows the last '/'. */
    for (p = name_end; p > s && p[-1] != '/'; p--)
        if (p[-1] == ':') {
            tag = p;
            break;
        }
    name_len = (size_t)((tag ? tag - 1 : name_end) - s);
    slash = memchr(s, '/', name_len);
    if (slash && distrib_is_host(s, (size_t)(slash - s))) {
        host_len = (size_t)(slash - s);
        if (!distrib_host_ok(s, host_len))
            return err_set(e,
                           "%.300s: invalid image reference: bad registry "
                           "host \"%.*s\"",
                           s, (int)(host_len > 128 ? 128 : host_len), s);
        out->host = xstrndup(s, host_len);
        repo = slash + 1;
    } else {
        out->host = xstrdup("docker.io");
        repo = s;
    }
    repo_len = name_len - (size_t)(repo - s);
    if (distrib_is_docker_hub(out->host) && !memchr(repo, '/', repo_len))
        sb_adds(&r, "library/");
    sb_add(&r, repo, repo_len);
    out->repository = sb_detach(&r);
    if (distrib_repo_check(s, out->repository, e))
        goto fail;
    if (strlen(out->host) + 1 + strlen(out->repository) > DISTRIB_NAME_MAX) {
        err_set(e, "%.300s: invalid image reference: longer than %d bytes", s,
                DISTRIB_NAME_MAX);
        goto fail;
    }
    if (tag) {
        out->tag = xstrndup(tag, (size_t)(name_end - tag));
        if (!distrib_tag_ok(out->tag)) {
            err_set(e,
                    "%.300s: invalid image reference: a tag is up to 128 "
                    "letters, digits, '_', '.' and '-', not starting with "
                    "'.' or '-'",
                    s);
            goto fail;
        }
    } else if (!at) {
        out->tag = xstrdup("latest");
    }
    if (at)
        out->digest = xstrdup(at + 1);
    out->api_host = xstrdup(
        distrib_is_docker_hub(out->host) ? "registry-1.docker.io" : out->host);
    return 0;
fail:
    distrib_ref_release(out);
    return -1;
}

void distrib_ref_release(struct distrib_ref *r)
{
    if (!r)
        return;
    free(r->host);
    free(r->api_host);
    free(r->repository);
    free(r->tag);
    free(r->digest);
    memset(r, 0, sizeof(*r));
}

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

/* Appends s (n bytes) with control characters as spaces and invalid
 * UTF-8 replaced, cut to about DISTRIB_MSG_MAX bytes. */
static void distrib_add_clean(struct strbuf *sb, const char *s, size_t n)
{
    size_t start = sb->len, i;

    if (n > DISTRIB_MSG_MAX)
        n = utf8_cut(s, DISTRIB_MSG_MAX);
    utf8_sanitize(sb, s, n);
    for (i = start; i < sb->len; i++)
        if ((unsigned char)sb->buf[i] < 0x20 || sb->buf[i] == 0x7f)
            sb->buf[i] = ' ';
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
        size_t i = 5;
        long status = 0;
        distrib_resp_reset(r);
        while (i < n && line[i] != ' ')
            i++;
        while (i < n && line[i] == ' ')
            i++;
        for (; i < n && line[i] >= '0' && line[i] <= '9' && status < 1000; i++)
            status = status * 10 + (line[i] - '0');
        r->status = status;
        while (i < n && line[i] == ' ')
            i++;
        {
            struct strbuf sb = STRBUF_INIT;
            distrib_add_clean(&sb, line + i, n - i);
            snprintf(r->reason, sizeof(r->reason), "%s", sb_str(&sb));
            sb_release(&sb);
        }
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
        long secs = 0;
        size_t k;
        for (k = 0; k < vn && v[k] >= '0' && v[k] <= '9' && secs < 1000; k++)
            secs = secs * 10 + (v[k] - '0');
        if (k == vn && vn > 0)
            r->retry_after_ms =
                (secs > DISTRIB_RETRY_AFTER_MAX ? DISTRIB_RETRY_AFTER_MAX
                                                : secs) *
                1000;
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

/* "404 MANIFEST_UNKNOWN: manifest unknown" from the standard error body,
 * else "500 Internal Server Error". */
static void distrib_status_text(const struct distrib_resp *r,
                                struct strbuf *out)
{
    json_t *doc = NULL, *first;
    const char *code, *msg;

    sb_addf(out, "%ld", r->status);
    if (r->body.len)
        doc = json_loadb(r->body.buf, r->body.len, 0, NULL);
    first = json_array_get(json_object_get(doc, "errors"), 0);
    code = json_string_value(json_object_get(first, "code"));
    msg = json_string_value(json_object_get(first, "message"));
    if (code || msg) {
        if (code) {
            sb_add(out, " ", 1);
            distrib_add_clean(out, code, strlen(code));
        }
        if (msg) {
            sb_adds(out, code ? ": " : " ");
            distrib_add_clean(out, msg, strlen(msg));
        }
    } else if (r->reason[0]) {
        sb_addf(out, " %s", r->reason);
    }
    json_decref(doc);
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
    d->errbuf[0] = '\0';
    curl_easy_setopt(d->curl, CURLOPT_URL, url);
    curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(d->curl, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, r);
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
    if (cc == CURLE_OPERATION_TIMEDOUT)
        err_set(e, "%s: timed out after %ld s without an answer (%s)", what,
                d->timeout, d->errbuf);
    else
        err_set(e, "%s: %s", what,
                d->errbuf[0] ? d->errbuf : curl_easy_strerror(cc));
    /* libcurl reports no connect time for a failed transfer; a new
     * connection and no TLS time mean the handshake is what failed. */
    curl_easy_getinfo(d->curl, CURLINFO_NUM_CONNECTS, &nconn);
    curl_easy_getinfo(d->curl, CURLINFO_APPCONNECT_TIME_T, &tls);
    return strncmp(url, "https:", 6) == 0 && nconn > 0 && tls == 0 ? 1 : -1;
}

/* ---- credentials ----------------------------------------------------- */

/* The host a docker config "auths" key names: "https://h/v1/" -> "h". */
static int distrib_key_is_host(const char *key, const char *host)
{
    size_t n;

    if (strncasecmp(key, "https://", 8) == 0)
        key += 8;
    else if (strncasecmp(key, "http://", 7) == 0)
        key += 7;
    n = strcspn(key, "/");
    return n == strlen(host) && strncasecmp(key, host, n) == 0;
}

static json_t *distrib_auths_entry(json_t *auths, const char *host)
{
    static const char *const hub[] = {"docker.io", "index.docker.io",
                                      "registry-1.docker.io"};
    const char *key;
    json_t *v;
    size_t i;

    if (distrib_is_docker_hub(host)) {
        /* What `docker login` writes, then any key naming the hub. */
        if ((v = json_object_get(auths, "https://index.docker.io/v1/")))
            return v;
        for (i = 0; i < sizeof(hub) / sizeof(hub[0]); i++) {
            json_object_foreach(auths, key, v)
            {
                if (distrib_key_is_host(key, hub[i]))
                    return v;
            }
        }
        return NULL;
    }
    /* The bare host first, then https://, then any URL naming it. */
    if ((v = json_object_get(auths, host)))
        return v;
    for (i = 0; i < 2; i++) {
        json_object_foreach(auths, key, v)
        {
            if ((i == 1 || strncasecmp(key, "https://", 8) == 0) &&
                distrib_key_is_host(key, host))
                return v;
        }
    }
    return NULL;
}

/* Reads the docker config once; d->basic stays NULL when it has nothing
 * for the host. Only a file that exists and is unreadable or malformed
 * is an error. */
static int distrib_load_creds(struct distrib *d, struct err *e)
{
    json_t *root = NULL, *entry, *auth, *user, *pass, *helpers;
    json_error_t je;
    struct strbuf up = STRBUF_INIT;
    FILE *f;
    int rc = -1;

    if (d->creds_loaded || !d->config_path)
        return 0;
    f = fopen(d->config_path, "rb");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR) {
            d->creds_loaded = 1;
            return 0;
        }
        return err_set(e, "docker config %s: cannot read: %s", d->config_path,
                       strerror(errno));
    }
    root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    fclose(f);
    if (!root) {
        /* je.text quotes the file, which may be a secret: not shown. */
        err_set(e, "docker config %s: not valid JSON (line %d, column %d)",
                d->config_path, je.line, je.column);
        goto out;
    }
    if (!json_is_object(root)) {
        err_set(e, "docker config %s: not a JSON object", d->config_path);
        goto out;
    }
    helpers = json_object_get(root, "credHelpers");
    d->creds_helper = json_object_get(root, "credsStore") != NULL ||
                      distrib_auths_entry(helpers, d->host) != NULL;
    auth = json_object_get(root, "auths");
    if (auth && !json_is_object(auth)) {
        err_set(e, "docker config %s: \"auths\" is not an object",
                d->config_path);
        goto out;
    }
    entry = distrib_auths_entry(auth, d->host);
    auth = json_object_get(entry, "auth");
    user = json_object_get(entry, "username");
    pass = json_object_get(entry, "password");
    if (json_is_string(auth) && json_string_length(auth) > 0) {
        size_t n = json_string_length(auth), pad = 0;
        unsigned char *raw = xmalloc(n / 4 * 3 + 1);
        int got = n % 4 == 0
                      ? EVP_DecodeBlock(
                            raw, (const unsigned char *)json_string_value(auth),
                            (int)n)
                      : -1;
        if (got >= 0) {
            while (pad < 2 && json_string_value(auth)[n - 1 - pad] == '=')
                pad++;
            sb_add(&up, (const char *)raw, (size_t)got - pad);
        }
        OPENSSL_cleanse(raw, n / 4 * 3 + 1);
        free(raw);
        if (got < 0 || !memchr(up.buf, ':', up.len) ||
            strlen(up.buf) != up.len) {
            err_set(e,
                    "docker config %s: the \"auth\" for %s is not base64 of "
                    "\"user:password\"",
                    d->config_path, d->host);
            goto out;
        }
    } else if (json_is_string(user) && json_string_length(user) > 0 &&
               json_is_string(pass)) {
        sb_addf(&up, "%s:%s", json_string_value(user), json_string_value(pass));
    }
    if (up.len) {
        size_t b64 = 4 * ((up.len + 2) / 3) + 1;
        d->password = xstrdup(strchr(up.buf, ':') + 1);
        d->basic = xmalloc(b64);
        EVP_EncodeBlock((unsigned char *)d->basic,
                        (const unsigned char *)up.buf, (int)up.len);
    }
    d->creds_loaded = 1;
    rc = 0;
out:
    if (up.buf)
        OPENSSL_cleanse(up.buf, up.cap);
    sb_release(&up);
    json_decref(root);
    return rc;
}

/* ---- authentication --------------------------------------------------- */

enum distrib_scheme { DISTRIB_NONE, DISTRIB_BASIC, DISTRIB_BEARER };

struct distrib_challenge {
    enum distrib_scheme scheme;
    char *realm;
    char *service;
    char *other; /* the first scheme we do not speak, for the error */
};

static int distrib_tchar(char c)
{
    return distrib_alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * One WWW-Authenticate value: challenges separated by commas, each a
 * scheme and auth-params (token=token or token="quoted, \"string\"").
 * Bearer is preferred to Basic; the first of each counts.
 */
static void distrib_parse_challenges(const char *s, size_t n,
                                     struct distrib_challenge *c)
{
    enum distrib_scheme cur = DISTRIB_NONE;
    int first_bearer = 0;
    size_t i = 0;

    while (i < n) {
        size_t t0, t1;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
            i++;
        t0 = i;
        while (i < n && distrib_tchar(s[i]))
            i++;
        t1 = i;
        if (t0 == t1) {
            i++; /* a character no challenge has: step over it */
            continue;
        }
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i < n && s[i] == '=') {
            struct strbuf v = STRBUF_INIT;
            i++;
            while (i < n && (s[i] == ' ' || s[i] == '\t'))
                i++;
            if (i < n && s[i] == '"') {
                for (i++; i < n && s[i] != '"'; i++) {
                    if (s[i] == '\\' && i + 1 < n)
                        i++;
                    sb_add(&v, s + i, 1);
                }
                i++;
            } else {
                while (i < n && distrib_tchar(s[i]))
                    sb_add(&v, s + i++, 1);
            }
            if (cur == DISTRIB_BEARER && first_bearer &&
                c->scheme == DISTRIB_BEARER) {
                char **slot = NULL;
                if (t1 - t0 == 5 && strncasecmp(s + t0, "realm", 5) == 0)
                    slot = &c->realm;
                else if (t1 - t0 == 7 && strncasecmp(s + t0, "service", 7) == 0)
                    slot = &c->service;
                if (slot && !*slot)
                    *slot = sb_detach(&v);
            }
            sb_release(&v);
            continue;
        }
        first_bearer = 0;
        if (t1 - t0 == 6 && strncasecmp(s + t0, "bearer", 6) == 0) {
            cur = DISTRIB_BEARER;
            if (c->scheme != DISTRIB_BEARER) {
                c->scheme = DISTRIB_BEARER;
                first_bearer = 1;
            }
        } else if (t1 - t0 == 5 && strncasecmp(s + t0, "basic", 5) == 0) {
            cur = DISTRIB_BASIC;
            if (c->scheme == DISTRIB_NONE)
                c->scheme = DISTRIB_BASIC;
        } else {
            cur = DISTRIB_NONE;
            if (!c->other)
                c->other = xstrndup(s + t0, t1 - t0 > 32 ? 32 : t1 - t0);
        }
    }
}

static void distrib_challenge_release(struct distrib_challenge *c)
{
    free(c->realm);
    free(c->service);
    free(c->other);
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
    json_t *doc = NULL;
    const char *tok;
    char *esc;
    int rc = -1, attempt = 0, x;
    size_t i;

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
    doc = json_loadb(r.body.buf ? r.body.buf : "", r.body.len, 0, NULL);
    tok = json_string_value(json_object_get(doc, "token"));
    if (!tok || !*tok)
        tok = json_string_value(json_object_get(doc, "access_token"));
    if (!tok || !*tok) {
        distrib_auth_error(d, first, "the token server's answer has no token",
                           e);
        goto out;
    }
    for (i = 0; tok[i]; i++)
        if ((unsigned char)tok[i] <= 0x20 || tok[i] == 0x7f)
            break;
    if (tok[i]) {
        distrib_auth_error(d, first,
                           "the token server's token is not one header "
                           "word",
                           e);
        goto out;
    }
    distrib_set_auth(d, "Bearer", tok);
    rc = 0;
out:
    if (r.body.buf)
        OPENSSL_cleanse(r.body.buf, r.body.cap);
    if (hdr.buf)
        OPENSSL_cleanse(hdr.buf, hdr.cap);
    curl_slist_free_all(hdrs);
    json_decref(doc);
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
        distrib_parse_challenges(p, (size_t)(nl - p), &c);
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
    DISTRIB_SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
    DISTRIB_SET(CURLOPT_LOW_SPEED_TIME, timeout);
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
