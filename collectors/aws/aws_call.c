/*
 * aws_call.c: the AWS query protocol over core/http (see aws_call.h).
 */
#include "aws_call.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_sigv4.h"
#include "aws_xml.h"
#include "util.h"

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

static int throttled(const char *code)
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

static void backoff(long base_ms, int attempt)
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

/* The value at path ("A/B/C") under v, or NULL. */
static json_t *at(json_t *v, const char *path)
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

static void where(struct strbuf *sb, const struct aws_query *q)
{
    sb_addf(sb, "aws %s %s %s", q->service, q->action,
            q->region ? q->region : "");
}

/* The URL to POST to, the Host header's "host[:port]" and the path to
 * sign (an endpoint may carry a path prefix). */
static int endpoint(const struct aws_client *c, const struct aws_query *q,
                    struct strbuf *url, struct strbuf *host,
                    struct strbuf *path, struct err *e)
{
    const char *s, *h, *sl;

    if (c->endpoint)
        sb_adds(url, c->endpoint);
    else if (!strcmp(q->service, "iam"))
        sb_adds(url, "https://iam.amazonaws.com");
    else
        sb_addf(url, "https://%s.%s.amazonaws.com", q->service, q->region);
    s = sb_str(url);
    h = strstr(s, "://");
    if (!h || !h[3] || h[3] == '/' || strpbrk(h + 3, "@?# "))
        return err_set(e, "aws endpoint %s: not scheme://host[:port][/path]",
                       s);
    h += 3;
    sl = strchr(h, '/');
    sb_add(host, h, sl ? (size_t)(sl - h) : strlen(h));
    if (!sl)
        sb_add(url, "/", 1);
    sb_adds(path, sl ? sl : "/");
    return 0;
}

static void form_add(struct strbuf *sb, const char *name, size_t nlen,
                     const char *value)
{
    char *n = xstrndup(name, nlen);
    char *en = http_escape(n), *ev = http_escape(value);
    if (sb->len)
        sb_add(sb, "&", 1);
    sb_adds(sb, en);
    sb_add(sb, "=", 1);
    sb_adds(sb, ev);
    free(n);
    free(en);
    free(ev);
}

/* One page: the root's value, or NULL with e and ce set. */
static json_t *page(struct aws_client *c, const struct aws_query *q,
                    const char *token, struct aws_call_err *ce, struct err *e)
{
    struct strbuf url = STRBUF_INIT, host = STRBUF_INIT, body = STRBUF_INIT,
                  hostline = STRBUF_INIT, w = STRBUF_INIT, path = STRBUF_INIT;
    const char *region =
        !strcmp(q->service, "iam") && !c->endpoint ? "us-east-1" : q->region;
    json_t *doc = NULL;
    int attempt;

    where(&w, q);
    if (endpoint(c, q, &url, &host, &path, e) < 0)
        goto out;
    form_add(&body, "Action", 6, q->action);
    form_add(&body, "Version", 7, q->version);
    for (const char *const *p = q->params; p && *p; p++) {
        const char *eq = strchr(*p, '=');
        if (!eq) {
            err_set(e, "%s: parameter %s has no value", sb_str(&w), *p);
            goto out;
        }
        form_add(&body, *p, (size_t)(eq - *p), eq + 1);
    }
    if (token)
        form_add(&body, q->token_param, strlen(q->token_param), token);
    sb_addf(&hostline, "Host: %s", sb_str(&host));

    for (attempt = 0;; attempt++) {
        const char *hdrs[] = {
            sb_str(&hostline),
            "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
            NULL};
        const char *send[8];
        struct aws_sigv4_req sr = {0};
        struct aws_sigv4_out so;
        struct http_req rq = {0};
        struct http_resp rs = {0};
        char date[17], code[64] = "", msg[512] = "";
        size_t n = 0;
        int rc;

        aws_amz_date((long long)time(NULL), date);
        sr.method = "POST";
        sr.path = sb_str(&path);
        sr.headers = hdrs;
        sr.payload = body.buf;
        sr.payload_len = body.len;
        sr.service = q->service;
        sr.region = region;
        sr.amz_date = date;
        sr.access_key = c->access_key;
        sr.secret_key = c->secret_key;
        sr.session_token = c->session_token;
        if (aws_sigv4_sign(&sr, &so, e) < 0) {
            ce->kind = AWS_ERR_TRANSPORT;
            err_prefix(e, "%s", sb_str(&w));
            goto out;
        }
        for (size_t i = 0; hdrs[i]; i++)
            send[n++] = hdrs[i];
        for (size_t i = 0; so.add[i]; i++)
            send[n++] = so.add[i];
        send[n] = NULL;
        rq.method = "POST";
        rq.url = sb_str(&url);
        rq.headers = send;
        rq.auth = sb_str(&so.authorization);
        rq.body = body.buf;
        rq.body_len = body.len;
        rq.max_body = AWS_XML_MAX_SIZE;
        rq.what = sb_str(&w);
        rc = http_do(c->http, &rq, &rs, e);
        ce->requests += rs.attempts > 0 ? rs.attempts : 1;
        if (rc == 0 && rs.status / 100 != 2 &&
            aws_xml_error(rs.body.buf, rs.body.len, code, sizeof(code), msg,
                          sizeof(msg)) &&
            throttled(code) && attempt < AWS_CALL_RETRIES) {
            http_resp_release(&rs);
            aws_sigv4_out_release(&so);
            backoff(c->retry_base_ms > 0 ? c->retry_base_ms : 500, attempt);
            continue;
        }
        if (rc != 0) {
            /* http.c named the request ("aws iam ListUsers R: ...") */
            ce->kind = AWS_ERR_TRANSPORT;
        } else if (rs.status / 100 != 2) {
            if (code[0]) {
                snprintf(ce->code, sizeof(ce->code), "%s", code);
                ce->kind = aws_code_denied(code) ? AWS_ERR_DENIED : AWS_ERR_API;
                err_set(e, "%s: %s: %s (HTTP %ld)", sb_str(&w), code,
                        msg[0] ? msg : "no message", rs.status);
            } else {
                ce->kind = AWS_ERR_TRANSPORT;
                http_status_error(c->http, &rq, &rs, e);
            }
        } else {
            char root[128];
            doc = aws_xml_parse(rs.body.buf, rs.body.len, NULL, root,
                                sizeof(root), e);
            if (!doc) {
                ce->kind = AWS_ERR_TRANSPORT;
                err_prefix(e, "%s: the answer", sb_str(&w));
            }
        }
        /* an echo of the secrets is never quoted */
        http_scrub(e, c->secret_key);
        if (c->session_token)
            http_scrub(e, c->session_token);
        http_resp_release(&rs);
        aws_sigv4_out_release(&so);
        break;
    }
out:
    sb_release(&url);
    sb_release(&host);
    sb_release(&body);
    sb_release(&hostline);
    sb_release(&w);
    sb_release(&path);
    return doc;
}

json_t *aws_query_once(struct aws_client *c, const struct aws_query *q,
                       struct aws_call_err *ce, struct err *e)
{
    json_t *doc;
    memset(ce, 0, sizeof(*ce));
    doc = page(c, q, NULL, ce, e);
    if (doc)
        ce->pages = 1;
    return doc;
}

json_t *aws_query_list(struct aws_client *c, const struct aws_query *q,
                       struct aws_call_err *ce, struct err *e)
{
    json_t *all = json_array();
    char *token = NULL;

    memset(ce, 0, sizeof(*ce));
    for (;;) {
        json_t *doc = page(c, q, token, ce, e), *items, *next, *trunc;
        const char *tv;

        if (!doc)
            goto fail;
        ce->pages++;
        items = at(doc, q->list);
        if (items && !json_is_array(items) && !json_is_object(items) &&
            !(json_is_string(items) && json_string_length(items) == 0)) {
            struct strbuf w = STRBUF_INIT;
            where(&w, q);
            err_set(e, "%s: %s in the answer is not a list", sb_str(&w),
                    q->list);
            sb_release(&w);
            ce->kind = AWS_ERR_TRANSPORT;
            json_decref(doc);
            goto fail;
        }
        if (json_is_array(items))
            json_array_extend(all, items);
        else if (json_is_object(items))
            json_array_append(all, items);
        next = q->token_param ? at(doc, q->token_path) : NULL;
        trunc = q->truncated_path ? at(doc, q->truncated_path) : NULL;
        tv = json_string_value(next);
        if (!tv || !*tv ||
            (q->truncated_path &&
             strcmp(json_string_value(trunc) ? json_string_value(trunc) : "",
                    "true"))) {
            json_decref(doc);
            break;
        }
        if ((token && !strcmp(token, tv)) || ce->pages >= AWS_CALL_MAX_PAGES) {
            struct strbuf w = STRBUF_INIT;
            where(&w, q);
            err_set(e, "%s: the pages do not end (page %d gave %s)", sb_str(&w),
                    ce->pages,
                    token && !strcmp(token, tv) ? "the same token again"
                                                : "yet another token");
            sb_release(&w);
            ce->kind = AWS_ERR_TRANSPORT;
            json_decref(doc);
            goto fail;
        }
        free(token);
        token = xstrdup(tv);
        json_decref(doc);
    }
    free(token);
    return all;
fail:
    free(token);
    json_decref(all);
    return NULL;
}
