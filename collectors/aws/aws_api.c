/*
 * aws_api.c: the REST-XML (S3, S3 Control), REST-JSON (Access Analyzer,
 * Account) and JSON 1.1 (KMS, CloudTrail, Config, Logs) protocols over
 * aws_send (see aws_api.h). Signing, retries and error lines are
 * aws_send's; what is here is where a request goes, how it is addressed
 * and how its answer reads.
 */
#include "aws_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_send.h"
#include "aws_sigv4.h"
#include "aws_xml.h"
#include "jsonfast.h"
#include "util.h"
#include "banned.h"

#define AWS_REGION_MAX 32
#define AWS_REST_HDRS 12

/* S3 documents have no list wrapper elements ("member", "item"): a
 * repeated element is an array, one element an object. */
static const char *const aws_rest_items[] = {NULL};

static int aws_region_ok(const char *r)
{
    size_t n = r ? strlen(r) : 0;
    if (n == 0 || n >= AWS_REGION_MAX)
        return 0;
    for (; *r; r++)
        if (!((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') ||
              *r == '-'))
            return 0;
    return 1;
}

/* A bucket name that can be a DNS label under s3.REGION.amazonaws.com
 * (and match its certificate's wildcard): no dots, upper case or '_'. */
static int aws_bucket_dns_ok(const char *b)
{
    size_t n = strlen(b);
    if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
        return 0;
    for (; *b; b++)
        if (!((*b >= 'a' && *b <= 'z') || (*b >= '0' && *b <= '9') ||
              *b == '-'))
            return 0;
    return 1;
}

static void aws_rest_where(struct strbuf *w, const struct aws_rest *q,
                           const char *region)
{
    sb_setlen(w, 0);
    sb_addf(w, "aws %s %s %s", q->service, q->action ? q->action : "", region);
}

/* The name SigV4 signs with: S3 Control's is s3. */
static const char *aws_rest_signing(const struct aws_rest *q)
{
    return !strcmp(q->service, "s3-control") ? "s3" : q->service;
}

static void aws_query_pair(struct strbuf *sb, const char *name, size_t nlen,
                           const char *value, size_t vlen)
{
    if (sb->len)
        sb_add(sb, "&", 1);
    aws_uri_encode(sb, name, nlen, 0);
    if (value) {
        sb_add(sb, "=", 1);
        aws_uri_encode(sb, value, vlen, 0);
    }
}

/* q's query (unencoded "a=b&c") and the page token, encoded. */
static void aws_rest_query(struct strbuf *sb, const struct aws_rest *q,
                           const char *token)
{
    const char *s = q->query;

    while (s && *s) {
        const char *amp = strchr(s, '&');
        size_t len = amp ? (size_t)(amp - s) : strlen(s);
        const char *eq = memchr(s, '=', len);
        if (len)
            aws_query_pair(sb, s, eq ? (size_t)(eq - s) : len,
                           eq ? eq + 1 : NULL,
                           eq ? len - (size_t)(eq - s) - 1 : 0);
        s += len + (amp != NULL);
    }
    if (token && q->token_param)
        aws_query_pair(sb, q->token_param, strlen(q->token_param), token,
                       strlen(token));
    if (!sb->buf)
        sb_adds(sb, "");
}

/* Where q goes for region: the URL, the Host header's value, the wire
 * path and query as signed. */
static int aws_rest_target(const struct aws_client *c, const struct aws_rest *q,
                           const char *region, const char *token,
                           struct strbuf *url, struct strbuf *host,
                           struct strbuf *path, struct strbuf *query,
                           struct err *e)
{
    const char *p = q->path && *q->path ? q->path : "/";
    int path_style = 1;

    if (p[0] != '/')
        return err_set(e, "the path %s does not start with /", p);
    if (c->endpoint) {
        struct strbuf base = STRBUF_INIT;
        if (aws_endpoint_split(c->endpoint, &base, host, path, e) < 0) {
            sb_release(&base);
            return -1;
        }
        sb_adds(url, sb_str(&base));
        sb_release(&base);
        /* "/prefix" + "/": the prefix alone */
        if (path->len && path->buf[path->len - 1] == '/')
            sb_setlen(path, path->len - 1);
    } else {
        if (!strcmp(q->service, "s3") && q->bucket &&
            aws_bucket_dns_ok(q->bucket)) {
            sb_addf(host, "%s.", q->bucket);
            path_style = 0;
        }
        sb_addf(host, "%s%s.%s.amazonaws.com",
                q->host_prefix ? q->host_prefix : "", q->service, region);
        sb_addf(url, "https://%s", sb_str(host));
        sb_adds(path, "");
    }
    if (q->bucket && path_style) {
        sb_add(path, "/", 1);
        aws_uri_encode(path, q->bucket, strlen(q->bucket), 0);
        if (strcmp(p, "/"))
            sb_adds(path, p);
    } else if (!path->len || strcmp(p, "/")) {
        sb_adds(path, p);
    }
    aws_rest_query(query, q, token);
    sb_adds(url, sb_str(path));
    if (query->len) {
        sb_add(url, "?", 1);
        sb_adds(url, sb_str(query));
    }
    return 0;
}

/* The region an S3 redirect names (301 PermanentRedirect, 307, 400
 * AuthorizationHeaderMalformed): x-amz-bucket-region, else the error's
 * <Region>. 1 with it copied to out. */
static int aws_redirect_region(const struct http_resp *rs,
                               const struct aws_call_err *ce, char *out)
{
    char *h;
    json_t *doc;
    const char *r;
    struct err je = {{0}};
    int ok = 0;

    if (rs->status != 301 && rs->status != 307 &&
        !(rs->status == 400 &&
          !strcmp(ce->code, "AuthorizationHeaderMalformed")))
        return 0;
    h = http_resp_header(rs, "x-amz-bucket-region");
    if (h && aws_region_ok(h)) {
        snprintf(out, AWS_REGION_MAX, "%s", h);
        free(h);
        return 1;
    }
    free(h);
    if (!rs->body.len)
        return 0;
    doc = aws_xml_parse(rs->body.buf, rs->body.len, NULL, NULL, 0, &je);
    r = json_string_value(json_object_get(doc, "Region"));
    if (r && aws_region_ok(r)) {
        snprintf(out, AWS_REGION_MAX, "%s", r);
        ok = 1;
    }
    json_decref(doc);
    return ok;
}

/* Sends q (for region, which an S3 redirect changes, once); 0 with the
 * 2xx answer in rs, -1 with ce and e set. *w names the request in the
 * region that answered. */
static int aws_rest_send(struct aws_client *c, const struct aws_rest *q,
                         const char *token, char *region, struct strbuf *w,
                         struct http_resp *rs, struct aws_call_err *ce,
                         struct err *e)
{
    int s3 = !strcmp(q->service, "s3"), rc = -1, redirected = 0;

    for (;;) {
        struct strbuf url = STRBUF_INIT, host = STRBUF_INIT, path = STRBUF_INIT,
                      query = STRBUF_INIT, hostline = STRBUF_INIT;
        const char *hdrs[AWS_REST_HDRS + 3];
        struct aws_send sd = {0};
        char next[AWS_REGION_MAX];
        size_t n = 0;

        aws_rest_where(w, q, region);
        if (aws_rest_target(c, q, region, token, &url, &host, &path, &query,
                            e) < 0) {
            ce->kind = AWS_ERR_TRANSPORT;
            err_prefix(e, "%s", sb_str(w));
            goto next;
        }
        sb_addf(&hostline, "Host: %s", sb_str(&host));
        hdrs[n++] = sb_str(&hostline);
        if (q->body)
            hdrs[n++] = !strcmp(aws_rest_signing(q), "s3")
                            ? "Content-Type: application/xml"
                            : "Content-Type: application/json";
        for (const char *const *h = q->headers; h && *h; h++) {
            if (n == AWS_REST_HDRS) {
                ce->kind = AWS_ERR_TRANSPORT;
                err_set(e, "%s: more than %d headers", sb_str(w),
                        AWS_REST_HDRS);
                goto next;
            }
            hdrs[n++] = *h;
        }
        hdrs[n] = NULL;
        sd.what = sb_str(w);
        sd.service = aws_rest_signing(q);
        sd.region = region;
        sd.method = q->method ? q->method : "GET";
        sd.url = sb_str(&url);
        sd.path = sb_str(&path);
        sd.query = query.len ? sb_str(&query) : NULL;
        sd.headers = hdrs;
        sd.body = q->body;
        sd.body_len = q->body ? strlen(q->body) : 0;
        sd.no_redirects = s3;
        http_resp_release(rs);
        memset(rs, 0, sizeof(*rs));
        rc = aws_send(c, &sd, rs, ce, e);
        if (rc && s3 && !redirected && aws_redirect_region(rs, ce, next) &&
            strcmp(next, region)) {
            /* signed again for the bucket's region, sent there, once */
            snprintf(region, AWS_REGION_MAX, "%s", next);
            ce->kind = AWS_OK;
            ce->code[0] = '\0';
            redirected = 1;
            sb_release(&url);
            sb_release(&host);
            sb_release(&path);
            sb_release(&query);
            sb_release(&hostline);
            continue;
        }
    next:
        sb_release(&url);
        sb_release(&host);
        sb_release(&path);
        sb_release(&query);
        sb_release(&hostline);
        return rc;
    }
}

/* A JSON answer: an object (new reference); an empty body is {}. */
static json_t *aws_json_answer(const struct http_resp *rs, const char *what,
                               struct aws_call_err *ce, struct err *e)
{
    const char *b = rs->body.buf ? rs->body.buf : "";
    size_t n = rs->body.len, i = 0;
    json_t *doc;

    while (i < n &&
           (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t'))
        i++;
    if (i == n)
        return json_object();
    doc = jf_loadb(b, n, e);
    if (doc && !json_is_object(doc)) {
        json_decref(doc);
        doc = NULL;
        err_set(e, "not a JSON object");
    }
    if (!doc) {
        ce->kind = AWS_ERR_TRANSPORT;
        err_prefix(e, "%s: the answer", what);
    }
    return doc;
}

struct aws_rest_ctx {
    struct aws_client *c;
    const struct aws_rest *q;
    char region[AWS_REGION_MAX];
    int json; /* REST-JSON, else REST-XML */
};

static json_t *aws_rest_page(void *arg, const char *token,
                             struct aws_call_err *ce, struct err *e)
{
    struct aws_rest_ctx *x = arg;
    struct strbuf w = STRBUF_INIT;
    struct http_resp rs = {0};
    json_t *doc = NULL;

    if (aws_rest_send(x->c, x->q, token, x->region, &w, &rs, ce, e) == 0) {
        if (x->json) {
            doc = aws_json_answer(&rs, sb_str(&w), ce, e);
        } else {
            struct aws_xml_opts o = {aws_rest_items, 0, 0};
            char root[128];
            doc = aws_xml_parse(rs.body.buf, rs.body.len, &o, root,
                                sizeof(root), e);
            if (!doc) {
                ce->kind = AWS_ERR_TRANSPORT;
                err_prefix(e, "%s: the answer", sb_str(&w));
            } else if (x->q->root && strcmp(root, x->q->root)) {
                ce->kind = AWS_ERR_TRANSPORT;
                err_set(e, "%s: the answer is a %s, not a %s", sb_str(&w), root,
                        x->q->root);
                json_decref(doc);
                doc = NULL;
            }
        }
    }
    http_resp_release(&rs);
    sb_release(&w);
    return doc;
}

static json_t *aws_rest_parsed(struct aws_client *c, const struct aws_rest *q,
                               int json, char *region_out, size_t cap,
                               struct aws_call_err *ce, struct err *e)
{
    struct aws_rest_ctx x = {c, q, "", json};
    json_t *doc;

    memset(ce, 0, sizeof(*ce));
    if (!aws_region_ok(q->region)) {
        ce->kind = AWS_ERR_TRANSPORT;
        err_set(e, "aws %s %s: no region", q->service,
                q->action ? q->action : "");
        return NULL;
    }
    snprintf(x.region, sizeof(x.region), "%s", q->region);
    if (q->list) {
        struct strbuf w = STRBUF_INIT;
        struct aws_pager p = {0};
        aws_rest_where(&w, q, q->region);
        p.what = sb_str(&w);
        p.list = q->list;
        p.paged = q->token_param != NULL;
        p.token_path = q->token_path;
        p.truncated_path = q->truncated_path;
        p.xml = !json;
        doc = aws_pages(&p, aws_rest_page, &x, ce, e);
        sb_release(&w);
    } else {
        doc = aws_rest_page(&x, NULL, ce, e);
        if (doc)
            ce->pages = 1;
    }
    if (region_out && cap)
        snprintf(region_out, cap, "%s", x.region);
    return doc;
}

json_t *aws_rest_xml(struct aws_client *c, const struct aws_rest *q,
                     char *region_out, size_t cap, struct aws_call_err *ce,
                     struct err *e)
{
    return aws_rest_parsed(c, q, 0, region_out, cap, ce, e);
}

json_t *aws_rest_json(struct aws_client *c, const struct aws_rest *q,
                      struct aws_call_err *ce, struct err *e)
{
    return aws_rest_parsed(c, q, 1, NULL, 0, ce, e);
}

char *aws_rest_raw(struct aws_client *c, const struct aws_rest *q, size_t *len,
                   char *region_out, size_t cap, struct aws_call_err *ce,
                   struct err *e)
{
    char region[AWS_REGION_MAX];
    struct strbuf w = STRBUF_INIT;
    struct http_resp rs = {0};
    char *out = NULL;

    memset(ce, 0, sizeof(*ce));
    *len = 0;
    if (!aws_region_ok(q->region)) {
        ce->kind = AWS_ERR_TRANSPORT;
        err_set(e, "aws %s %s: no region", q->service,
                q->action ? q->action : "");
        return NULL;
    }
    snprintf(region, sizeof(region), "%s", q->region);
    if (aws_rest_send(c, q, NULL, region, &w, &rs, ce, e) == 0) {
        ce->pages = 1;
        *len = rs.body.len;
        out = rs.body.buf ? sb_detach(&rs.body) : xstrdup("");
    }
    if (region_out && cap)
        snprintf(region_out, cap, "%s", region);
    http_resp_release(&rs);
    sb_release(&w);
    return out;
}

/* ---- JSON 1.1 ---- */

struct aws_json_ctx {
    struct aws_client *c;
    const struct aws_json_req *q;
    const char *what;
};

static json_t *aws_json_page(void *arg, const char *token,
                             struct aws_call_err *ce, struct err *e)
{
    struct aws_json_ctx *x = arg;
    const struct aws_json_req *q = x->q;
    struct strbuf url = STRBUF_INIT, host = STRBUF_INIT, path = STRBUF_INIT,
                  hostline = STRBUF_INIT, target = STRBUF_INIT,
                  base = STRBUF_INIT;
    struct aws_send sd = {0};
    struct http_resp rs = {0};
    json_t *body = NULL, *doc = NULL;
    char *text = NULL;

    ce->kind = AWS_ERR_TRANSPORT;
    body = q->body ? json_deep_copy(q->body) : json_object();
    if (!json_is_object(body)) {
        err_set(e, "%s: the request is not a JSON object", x->what);
        goto out;
    }
    if (token && json_object_set_new(body, q->token_in, json_string(token))) {
        err_set(e, "%s: cannot add the page token", x->what);
        goto out;
    }
    text = json_dumps(body, JSON_COMPACT);
    if (!text) {
        err_set(e, "%s: cannot write the request", x->what);
        goto out;
    }
    if (x->c->endpoint) {
        if (aws_endpoint_split(x->c->endpoint, &base, &host, &path, e) < 0) {
            err_prefix(e, "%s", x->what);
            goto out;
        }
    } else {
        sb_addf(&host, "%s.%s.amazonaws.com", q->service, q->region);
        sb_addf(&base, "https://%s", sb_str(&host));
    }
    if (!path.len)
        sb_adds(&path, "/");
    sb_addf(&url, "%s%s", sb_str(&base), sb_str(&path));
    sb_addf(&hostline, "Host: %s", sb_str(&host));
    sb_addf(&target, "X-Amz-Target: %s", q->target);
    {
        const char *hdrs[] = {sb_str(&hostline),
                              "Content-Type: application/x-amz-json-1.1",
                              sb_str(&target), NULL};
        sd.what = x->what;
        sd.service = q->service;
        sd.region = q->region;
        sd.method = "POST";
        sd.url = sb_str(&url);
        sd.path = sb_str(&path);
        sd.headers = hdrs;
        sd.body = text;
        sd.body_len = strlen(text);
        ce->kind = AWS_OK;
        if (aws_send(x->c, &sd, &rs, ce, e) == 0)
            doc = aws_json_answer(&rs, x->what, ce, e);
    }
out:
    http_resp_release(&rs);
    json_decref(body);
    free(text);
    sb_release(&url);
    sb_release(&host);
    sb_release(&path);
    sb_release(&hostline);
    sb_release(&target);
    sb_release(&base);
    return doc;
}

json_t *aws_json_call(struct aws_client *c, const struct aws_json_req *q,
                      struct aws_call_err *ce, struct err *e)
{
    const char *dot = q->target ? strrchr(q->target, '.') : NULL;
    struct strbuf w = STRBUF_INIT;
    struct aws_json_ctx x = {c, q, NULL};
    json_t *doc;

    memset(ce, 0, sizeof(*ce));
    sb_addf(&w, "aws %s %s %s", q->service,
            dot ? dot + 1 : (q->target ? q->target : ""),
            q->region ? q->region : "");
    x.what = sb_str(&w);
    if (!aws_region_ok(q->region) || !q->target) {
        ce->kind = AWS_ERR_TRANSPORT;
        err_set(e, "%s: no %s", x.what, q->target ? "region" : "target");
        sb_release(&w);
        return NULL;
    }
    if (q->list) {
        struct aws_pager p = {0};
        p.what = x.what;
        p.list = q->list;
        p.paged = q->token_in && q->token_out;
        p.token_path = q->token_out;
        doc = aws_pages(&p, aws_json_page, &x, ce, e);
    } else {
        doc = aws_json_page(&x, NULL, ce, e);
        if (doc)
            ce->pages = 1;
    }
    sb_release(&w);
    return doc;
}
