/*
 * aws_call.c: the AWS query protocol over core/http (see aws_call.h).
 */
#include "aws_call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_send.h"
#include "aws_xml.h"
#include "util.h"
#include "banned.h"

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
    struct strbuf base = STRBUF_INIT, tmp = STRBUF_INIT;
    int rc;

    if (c->endpoint)
        sb_adds(&tmp, c->endpoint);
    else if (!strcmp(q->service, "iam"))
        sb_adds(&tmp, "https://iam.amazonaws.com");
    else
        sb_addf(&tmp, "https://%s.%s.amazonaws.com", q->service, q->region);
    rc = aws_endpoint_split(sb_str(&tmp), &base, host, path, e);
    if (rc == 0) {
        if (!path->len)
            sb_adds(path, "/");
        sb_adds(url, sb_str(&base));
        sb_adds(url, sb_str(path));
    }
    sb_release(&base);
    sb_release(&tmp);
    return rc;
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

    /* what fails before a request is sent is no answer either */
    ce->kind = AWS_ERR_TRANSPORT;
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

    {
        const char *hdrs[] = {
            sb_str(&hostline),
            "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
            NULL};
        struct aws_send sd = {0};
        struct http_resp rs = {0};
        char root[128];

        sd.what = sb_str(&w);
        sd.service = q->service;
        sd.region = region;
        sd.method = "POST";
        sd.url = sb_str(&url);
        sd.path = sb_str(&path);
        sd.headers = hdrs;
        sd.body = body.buf;
        sd.body_len = body.len;
        ce->kind = AWS_OK;
        if (aws_send(c, &sd, &rs, ce, e) == 0) {
            doc = aws_xml_parse(rs.body.buf, rs.body.len, NULL, root,
                                sizeof(root), e);
            if (!doc) {
                ce->kind = AWS_ERR_TRANSPORT;
                err_prefix(e, "%s: the answer", sb_str(&w));
            }
        }
        http_resp_release(&rs);
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

struct query_pages {
    struct aws_client *c;
    const struct aws_query *q;
};

static json_t *query_page(void *arg, const char *token, struct aws_call_err *ce,
                          struct err *e)
{
    struct query_pages *qp = arg;
    return page(qp->c, qp->q, token, ce, e);
}

json_t *aws_query_list(struct aws_client *c, const struct aws_query *q,
                       struct aws_call_err *ce, struct err *e)
{
    struct query_pages qp = {c, q};
    struct strbuf w = STRBUF_INIT;
    struct aws_pager p = {0};
    json_t *all;

    memset(ce, 0, sizeof(*ce));
    where(&w, q);
    p.what = sb_str(&w);
    p.list = q->list;
    p.paged = q->token_param != NULL;
    p.token_path = q->token_path;
    p.truncated_path = q->truncated_path;
    p.xml = 1;
    all = aws_pages(&p, query_page, &qp, ce, e);
    sb_release(&w);
    return all;
}
