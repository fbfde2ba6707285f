/*
 * distrib_ref.c: the pure half of the registry client (see distrib.h):
 * image references, and the parsers of what a registry or the user's
 * docker config says (a status line, Retry-After, the standard error
 * body, WWW-Authenticate, a token answer, the config's "auths").
 *
 * Nothing here touches the network, so all of it is tested on bytes
 * (tests/unit/test_distrib.c) and fuzzed (tests/fuzz/fuzz_distrib.c):
 * every input is untrusted, a registry's answers as much as a reference
 * typed by the user. Secrets that pass through (the config's passwords)
 * are cleansed from our buffers and never written into an error.
 */
#include "distrib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "banned.h"

#define DISTRIB_RETRY_AFTER_MAX 10 /* seconds */
#define DISTRIB_MSG_MAX 200        /* of what a registry says */
#define DISTRIB_NAME_MAX 255       /* docker's limit for host/repository */

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

int distrib_tag_ok(const char *s)
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

int distrib_digest_ok(const char *s)
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

int distrib_is_docker_hub(const char *host)
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

/* ---- what a registry says ------------------------------------------ */

void distrib_add_clean(struct strbuf *sb, const char *s, size_t n)
{
    size_t start = sb->len, i;

    if (n > DISTRIB_MSG_MAX)
        n = utf8_cut(s, DISTRIB_MSG_MAX);
    utf8_sanitize(sb, s, n);
    for (i = start; i < sb->len; i++)
        if ((unsigned char)sb->buf[i] < 0x20 || sb->buf[i] == 0x7f)
            sb->buf[i] = ' ';
}

long distrib_status_line(const char *line, size_t n, char *reason,
                         size_t reasonsz)
{
    struct strbuf sb = STRBUF_INIT;
    size_t i = 0;
    long status = 0;

    while (i < n && line[i] != ' ')
        i++;
    while (i < n && line[i] == ' ')
        i++;
    for (; i < n && line[i] >= '0' && line[i] <= '9' && status < 1000; i++)
        status = status * 10 + (line[i] - '0');
    while (i < n && line[i] == ' ')
        i++;
    distrib_add_clean(&sb, line + i, n - i);
    if (reasonsz > 0) {
        /* Cut between characters: a reason ends up in messages. */
        size_t k = sb.len < reasonsz ? sb.len : utf8_cut(sb.buf, reasonsz - 1);
        snprintf(reason, reasonsz, "%.*s", (int)k, sb_str(&sb));
    }
    sb_release(&sb);
    return status;
}

long distrib_retry_after_ms(const char *v, size_t n)
{
    long secs = 0;
    size_t k;

    /* Every digit is read; the value stops growing past the cap. */
    for (k = 0; k < n && v[k] >= '0' && v[k] <= '9'; k++)
        if (secs < 1000)
            secs = secs * 10 + (v[k] - '0');
    if (k != n || n == 0)
        return -1;
    return (secs > DISTRIB_RETRY_AFTER_MAX ? DISTRIB_RETRY_AFTER_MAX : secs) *
           1000;
}

void distrib_error_text(long status, const char *reason, const char *body,
                        size_t len, struct strbuf *out)
{
    json_t *doc = NULL, *first;
    const char *code, *msg;

    sb_addf(out, "%ld", status);
    if (len)
        doc = json_loadb(body, len, 0, NULL);
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
    } else if (reason && reason[0]) {
        sb_addf(out, " %s", reason);
    }
    json_decref(doc);
}

/* ---- WWW-Authenticate and tokens ----------------------------------- */

static int distrib_tchar(char c)
{
    return distrib_alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

void distrib_challenge_parse(const char *s, size_t n,
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

void distrib_challenge_release(struct distrib_challenge *c)
{
    if (!c)
        return;
    free(c->realm);
    free(c->service);
    free(c->other);
    memset(c, 0, sizeof(*c));
}

char *distrib_token_parse(const char *body, size_t len, const char **why)
{
    json_t *doc = json_loadb(body ? body : "", len, 0, NULL);
    const char *tok = json_string_value(json_object_get(doc, "token"));
    char *copy = NULL;
    size_t i;

    if (!tok || !*tok)
        tok = json_string_value(json_object_get(doc, "access_token"));
    if (!tok || !*tok) {
        *why = "the token server's answer has no token";
        goto out;
    }
    for (i = 0; tok[i]; i++)
        if ((unsigned char)tok[i] <= 0x20 || tok[i] == 0x7f)
            break;
    if (tok[i]) {
        *why = "the token server's token is not one header word";
        goto out;
    }
    copy = xstrdup(tok);
out:
    json_decref(doc);
    return copy;
}

/* ---- the docker config ---------------------------------------------- */

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

/* "user:password" from an "auth" field (base64 of it) into up; -1 when
 * it is not that. */
static int distrib_auth_decode(const json_t *auth, struct strbuf *up)
{
    if (base64_decode(json_string_value(auth), json_string_length(auth), up) ||
        !up->buf || !memchr(up->buf, ':', up->len) ||
        strlen(up->buf) != up->len)
        return -1;
    return 0;
}

int distrib_creds_parse(struct json_t *root, const char *path, const char *host,
                        struct distrib_creds *out, struct err *e)
{
    json_t *entry, *auth, *user, *pass, *helpers;
    struct strbuf up = STRBUF_INIT;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(root)) {
        err_set(e, "docker config %s: not a JSON object", path);
        goto out;
    }
    helpers = json_object_get(root, "credHelpers");
    out->helper = json_object_get(root, "credsStore") != NULL ||
                  distrib_auths_entry(helpers, host) != NULL;
    auth = json_object_get(root, "auths");
    if (auth && !json_is_object(auth)) {
        err_set(e, "docker config %s: \"auths\" is not an object", path);
        goto out;
    }
    entry = distrib_auths_entry(auth, host);
    auth = json_object_get(entry, "auth");
    user = json_object_get(entry, "username");
    pass = json_object_get(entry, "password");
    if (json_is_string(auth) && json_string_length(auth) > 0) {
        if (distrib_auth_decode(auth, &up)) {
            err_set(e,
                    "docker config %s: the \"auth\" for %s is not base64 of "
                    "\"user:password\"",
                    path, host);
            goto out;
        }
    } else if (json_is_string(user) && json_string_length(user) > 0 &&
               json_is_string(pass)) {
        sb_addf(&up, "%s:%s", json_string_value(user), json_string_value(pass));
    }
    if (up.len) {
        size_t b64 = 4 * ((up.len + 2) / 3) + 1;
        out->password = xstrdup(strchr(up.buf, ':') + 1);
        out->basic = xmalloc(b64);
        EVP_EncodeBlock((unsigned char *)out->basic,
                        (const unsigned char *)up.buf, (int)up.len);
    }
    rc = 0;
out:
    if (up.buf)
        OPENSSL_cleanse(up.buf, up.cap);
    sb_release(&up);
    return rc;
}

int distrib_creds_load(const char *path, const char *host,
                       struct distrib_creds *out, struct err *e)
{
    json_t *root;
    json_error_t je;
    FILE *f;
    int rc;

    memset(out, 0, sizeof(*out));
    f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return err_set(e, "docker config %s: cannot read: %s", path,
                       strerror(errno));
    }
    root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    fclose(f);
    if (!root)
        /* je.text quotes the file, which may be a secret: not shown. */
        return err_set(e,
                       "docker config %s: not valid JSON (line %d, column %d)",
                       path, je.line, je.column);
    rc = distrib_creds_parse(root, path, host, out, e);
    json_decref(root);
    return rc;
}

void distrib_creds_release(struct distrib_creds *c)
{
    if (!c)
        return;
    if (c->password)
        OPENSSL_cleanse(c->password, strlen(c->password));
    if (c->basic)
        OPENSSL_cleanse(c->basic, strlen(c->basic));
    free(c->password);
    free(c->basic);
    memset(c, 0, sizeof(*c));
}
