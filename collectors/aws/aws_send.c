/*
 * aws_send.c: the signed request, its retries and error classification,
 * and the pager every AWS protocol shares (see aws_send.h).
 */
#include "aws_send.h"

#include <pthread.h>

#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_sigv4.h"
#include "aws_xml.h"
#include "jsonfast.h"
#include "util.h"
#include "banned.h"

int aws_code_denied(const char *code)
{
    static const char *const denied[] = {"AccessDenied",
                                         "AccessDeniedException",
                                         "UnauthorizedOperation",
                                         "UnauthorizedAccess",
                                         "AuthorizationError",
                                         "OptInRequired",
                                         NULL};
    for (size_t i = 0; code && denied[i]; i++)
        if (!strcmp(code, denied[i]))
            return 1;
    return 0;
}

static int aws_throttled(const char *code)
{
    static const char *const t[] = {"Throttling",
                                    "ThrottlingException",
                                    "ThrottledException",
                                    "RequestThrottled",
                                    "RequestLimitExceeded",
                                    "SlowDown",
                                    "TooManyRequestsException",
                                    "RequestThrottledException",
                                    NULL};
    for (size_t i = 0; t[i]; i++)
        if (!strcmp(code, t[i]))
            return 1;
    return 0;
}

static void aws_backoff(long base_ms, int attempt)
{
    unsigned char r[2] = {0, 0};
    long ms = base_ms << (attempt < 10 ? attempt : 10);
    struct timespec ts;

    if (RAND_bytes(r, 2) == 1)
        ms += (ms / 2) * ((long)r[0] << 8 | r[1]) / 65536;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

json_t *aws_at(json_t *v, const char *path)
{
    char buf[256];
    char *p = buf, *sl;

    if (!path || snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return NULL;
    while (v && (sl = strchr(p, '/'))) {
        *sl = '\0';
        v = json_object_get(v, p);
        p = sl + 1;
    }
    return v ? json_object_get(v, p) : NULL;
}

int aws_endpoint_split(const char *endpoint, struct strbuf *base,
                       struct strbuf *host, struct strbuf *prefix,
                       struct err *e)
{
    const char *h = endpoint ? strstr(endpoint, "://") : NULL, *sl;
    size_t plen;

    if (!h || h == endpoint || !h[3] || h[3] == '/' || strpbrk(h + 3, "@?# "))
        return err_set(e, "aws endpoint %s: not scheme://host[:port][/path]",
                       endpoint ? endpoint : "(none)");
    h += 3;
    sl = strchr(h, '/');
    sb_add(base, endpoint, (size_t)((sl ? sl : h + strlen(h)) - endpoint));
    sb_add(host, h, sl ? (size_t)(sl - h) : strlen(h));
    plen = sl ? strlen(sl) : 0;
    sb_add(prefix, sl ? sl : "", plen);
    if (!prefix->buf)
        sb_adds(prefix, "");
    return 0;
}

/* "Code:http://internal..." and "com.amazonaws.kms#Code" as Code. */
static void aws_code_copy(char *code, size_t cap, const char *v, size_t n)
{
    const char *hash;
    size_t i;

    for (i = 0; i < n && v[i] != ':'; i++)
        ;
    n = i;
    for (hash = v + n; hash > v && hash[-1] != '#'; hash--)
        ;
    n -= (size_t)(hash - v);
    while (n && (hash[n - 1] == ' ' || hash[n - 1] == '\r'))
        n--;
    while (n && *hash == ' ') {
        hash++;
        n--;
    }
    snprintf(code, cap, "%.*s", (int)n, hash);
}

static const char *aws_json_str(json_t *o, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++) {
        const char *v = json_string_value(json_object_get(o, keys[i]));
        if (v && *v)
            return v;
    }
    return NULL;
}

int aws_error_doc(const struct http_resp *rs, char *code, size_t codelen,
                  char *msg, size_t msglen)
{
    static const char *const code_keys[] = {"__type", "code", "Code", NULL};
    static const char *const msg_keys[] = {"message", "Message", "errorMessage",
                                           NULL};
    const char *b = rs->body.buf ? rs->body.buf : "";
    size_t n = rs->body.len;
    char *h = http_resp_header(rs, "x-amzn-ErrorType");

    code[0] = msg[0] = '\0';
    if (h) {
        aws_code_copy(code, codelen, h, strlen(h));
        free(h);
    }
    while (n && (*b == ' ' || *b == '\n' || *b == '\r' || *b == '\t')) {
        b++;
        n--;
    }
    if (n && *b == '<') {
        char c2[64] = "";
        if (aws_xml_error(b, n, c2, sizeof(c2), msg, msglen) && !code[0])
            snprintf(code, codelen, "%s", c2);
    } else if (n && *b == '{') {
        struct err je = {{0}};
        json_t *doc = jf_loadb(b, n, &je);
        const char *v =
            json_is_object(doc) ? aws_json_str(doc, code_keys) : NULL;
        if (v && !code[0])
            aws_code_copy(code, codelen, v, strlen(v));
        v = json_is_object(doc) ? aws_json_str(doc, msg_keys) : NULL;
        if (v)
            snprintf(msg, msglen, "%s", v);
        json_decref(doc);
    }
    /* a message has no line breaks in an error line */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return code[0] != '\0';
}

struct aws_stats {
    pthread_mutex_t lock;
    json_t *by_service; /* {"iam": N} */
    json_t *seen;       /* {sha256 of method, URL and body: 1} */
    long total, repeated;
};

struct aws_stats *aws_stats_new(void)
{
    struct aws_stats *st = xcalloc(1, sizeof(*st));

    pthread_mutex_init(&st->lock, NULL);
    st->by_service = json_object();
    st->seen = json_object();
    return st;
}

void aws_stats_free(struct aws_stats *st)
{
    if (!st)
        return;
    json_decref(st->by_service);
    json_decref(st->seen);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

static void aws_stats_add(struct aws_stats *st, const struct aws_send *s,
                          int retry, int attempts)
{
    char key[SHA256_STR_LEN];
    json_t *n;
    struct strbuf sb = STRBUF_INIT;

    if (!retry) {
        /* under an endpoint override every region has one URL: the
         * request is also who it is signed for */
        sb_addf(&sb, "%s %s %s %s\n", s->service, s->region, s->method, s->url);
        if (s->body)
            sb_add(&sb, s->body, s->body_len);
        sha256_str(sb.buf, sb.len, key);
        sb_release(&sb);
    }
    pthread_mutex_lock(&st->lock);
    n = json_object_get(st->by_service, s->service);
    json_object_set_new(st->by_service, s->service,
                        json_integer(json_integer_value(n) + attempts));
    st->total += attempts;
    if (!retry) {
        if (json_object_get(st->seen, key))
            st->repeated++;
        else
            json_object_set_new(st->seen, key, json_true());
    }
    pthread_mutex_unlock(&st->lock);
}

void aws_stats_summary(struct aws_stats *st, struct strbuf *out, long *total,
                       long *repeated)
{
    const char *k, *best;
    json_t *v, *left;
    long most;

    pthread_mutex_lock(&st->lock);
    left = json_copy(st->by_service);
    while (json_object_size(left)) {
        best = NULL;
        most = -1;
        json_object_foreach(left, k, v)
        {
            if (json_integer_value(v) > most) {
                most = (long)json_integer_value(v);
                best = k;
            }
        }
        sb_addf(out, "%s%s %ld", out->len ? ", " : "", best, most);
        json_object_del(left, best);
    }
    json_decref(left);
    *total = st->total;
    *repeated = st->repeated;
    pthread_mutex_unlock(&st->lock);
}

#define AWS_SEND_HDRS 16

int aws_send(struct aws_client *c, const struct aws_send *s,
             struct http_resp *rs, struct aws_call_err *ce, struct err *e)
{
    int rc = -1;

    for (int attempt = 0;; attempt++) {
        const char *send[AWS_SEND_HDRS + AWS_SIGV4_ADD_MAX + 1];
        struct aws_sigv4_req sr = {0};
        struct aws_sigv4_out so;
        struct http_req rq = {0};
        char date[17], code[64] = "", msg[512] = "";
        size_t n = 0;
        int hrc;

        aws_amz_date((long long)time(NULL), date);
        sr.method = s->method;
        sr.path = s->path;
        sr.query = s->query;
        sr.headers = s->headers;
        sr.payload = s->body;
        sr.payload_len = s->body_len;
        sr.service = s->service;
        sr.region = s->region;
        sr.amz_date = date;
        sr.access_key = c->access_key;
        sr.secret_key = c->secret_key;
        sr.session_token = c->session_token;
        if (aws_sigv4_sign(&sr, &so, e) < 0) {
            ce->kind = AWS_ERR_TRANSPORT;
            err_prefix(e, "%s", s->what);
            break;
        }
        for (size_t i = 0; s->headers && s->headers[i]; i++) {
            if (n == AWS_SEND_HDRS) {
                ce->kind = AWS_ERR_TRANSPORT;
                err_set(e, "%s: more than %d headers", s->what, AWS_SEND_HDRS);
                aws_sigv4_out_release(&so);
                goto out;
            }
            send[n++] = s->headers[i];
        }
        for (size_t i = 0; so.add[i]; i++)
            send[n++] = so.add[i];
        send[n] = NULL;
        rq.method = s->method;
        rq.url = s->url;
        rq.headers = send;
        rq.auth = sb_str(&so.authorization);
        rq.body = s->body;
        rq.body_len = s->body_len;
        rq.max_body = AWS_XML_MAX_SIZE;
        rq.what = s->what;
        rq.no_redirects = s->no_redirects;
        if (c->slots)
            while (sem_wait(c->slots) != 0 && errno == EINTR)
                ;
        hrc = http_do(c->http, &rq, rs, e);
        if (c->slots)
            sem_post(c->slots);
        ce->requests += rs->attempts > 0 ? rs->attempts : 1;
        if (c->stats)
            aws_stats_add(c->stats, s, attempt > 0,
                          rs->attempts > 0 ? rs->attempts : 1);
        if (hrc == 0 && rs->status / 100 != 2 &&
            aws_error_doc(rs, code, sizeof(code), msg, sizeof(msg)) &&
            aws_throttled(code) && attempt < AWS_CALL_RETRIES) {
            aws_sigv4_out_release(&so);
            aws_backoff(c->retry_base_ms > 0 ? c->retry_base_ms : 500, attempt);
            continue;
        }
        if (hrc != 0) {
            /* http.c named the request ("aws iam ListUsers R: ...") */
            ce->kind = AWS_ERR_TRANSPORT;
        } else if (rs->status / 100 != 2) {
            if (code[0]) {
                snprintf(ce->code, sizeof(ce->code), "%s", code);
                ce->kind = aws_code_denied(code) ? AWS_ERR_DENIED : AWS_ERR_API;
                err_set(e, "%s: %s: %s (HTTP %ld)", s->what, code,
                        msg[0] ? msg : "no message", rs->status);
            } else {
                ce->kind = AWS_ERR_TRANSPORT;
                http_status_error(c->http, &rq, rs, e);
            }
        } else {
            rc = 0;
        }
        aws_sigv4_out_release(&so);
        break;
    }
out:
    /* an echo of the secrets is never quoted */
    if (rc) {
        http_scrub(e, c->secret_key);
        if (c->session_token)
            http_scrub(e, c->session_token);
    }
    return rc;
}

json_t *aws_pages(const struct aws_pager *p, aws_page_fn fn, void *arg,
                  struct aws_call_err *ce, struct err *e)
{
    json_t *all = json_array();
    char *token = NULL;

    for (;;) {
        json_t *doc = fn(arg, token, ce, e), *items, *next, *trunc;
        const char *tv;

        if (!doc)
            goto fail;
        ce->pages++;
        items = aws_at(doc, p->list);
        if (items && !(json_is_array(items) ||
                       (p->xml && (json_is_object(items) ||
                                   (json_is_string(items) &&
                                    json_string_length(items) == 0))))) {
            err_set(e, "%s: %s in the answer is not a list", p->what, p->list);
            goto bad;
        }
        if (json_is_array(items))
            json_array_extend(all, items);
        else if (json_is_object(items))
            json_array_append(all, items);
        next = p->paged ? aws_at(doc, p->token_path) : NULL;
        /* moto writes "NextMarker": null where AWS leaves it out */
        if (next && !json_is_string(next) && !json_is_null(next)) {
            err_set(e, "%s: %s in the answer is not a string", p->what,
                    p->token_path);
            goto bad;
        }
        trunc = p->truncated_path ? aws_at(doc, p->truncated_path) : NULL;
        tv = json_string_value(next);
        if (!tv || !*tv ||
            (p->truncated_path && !json_is_true(trunc) &&
             strcmp(json_string_value(trunc) ? json_string_value(trunc) : "",
                    "true"))) {
            json_decref(doc);
            break;
        }
        if ((token && !strcmp(token, tv)) || ce->pages >= AWS_CALL_MAX_PAGES) {
            err_set(e, "%s: the pages do not end (page %d gave %s)", p->what,
                    ce->pages,
                    token && !strcmp(token, tv) ? "the same token again"
                                                : "yet another token");
            goto bad;
        }
        free(token);
        token = xstrdup(tv);
        json_decref(doc);
        continue;
    bad:
        ce->kind = AWS_ERR_TRANSPORT;
        json_decref(doc);
        goto fail;
    }
    free(token);
    return all;
fail:
    free(token);
    json_decref(all);
    return NULL;
}
