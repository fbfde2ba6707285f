/*
 * kube_list.c: what the live-cluster collector asks a Kubernetes API
 * server: discovery of the served groups and resources, then every
 * resource the rules need, listed in pages of KUBE_PAGE_LIMIT objects.
 * Each page is parsed item by item (core/jsonfast) and each object is
 * emitted and freed as it is parsed, so memory holds one page's body and
 * one object at a time whatever the size of the cluster.
 */
#include "kube_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "jsonfast.h"
#include "k8sobj.h"
#include "kube_int.h"
#include "log.h"
#include "redact.h"
#include "util.h"
#include "banned.h"

void kube_res_free(struct kube_res *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(v[i].gv);
        free(v[i].name);
        free(v[i].kind);
    }
    free(v);
}

/* GET server+path with the credentials; accept NULL: JSON. */
static int kube_request(struct kube_lister *l, const char *path,
                        const char *accept, struct http_resp *rs, struct err *e)
{
    struct strbuf url = STRBUF_INIT, acc = STRBUF_INIT;
    const char *hdrs[2];
    struct http_req rq;
    char *auth = NULL;
    int rc;

    if (kube_auth(l->k, &auth, e) < 0)
        return -1;
    sb_addf(&url, "%s%s", l->k->server, path);
    sb_addf(&acc, "Accept: %s", accept ? accept : "application/json");
    hdrs[0] = sb_str(&acc);
    hdrs[1] = NULL;
    memset(&rq, 0, sizeof(rq));
    rq.url = sb_str(&url);
    rq.auth = auth;
    rq.headers = hdrs;
    rq.max_body = KUBE_MAX_PAGE;
    rc = http_do(l->c, &rq, rs, e);
    l->requests += (size_t)(rs->attempts > 0 ? rs->attempts : 1);
    if (rc != 0)
        rc = -1;
    if (rc < 0)
        kube_scrub(l->k, e);
    kube_free_secret(auth);
    sb_release(&url);
    sb_release(&acc);
    return rc;
}

/* e without the client's "cluster SERVER: " prefix, which callers say
 * themselves. */
static const char *kube_bare(const struct kube_lister *l, const struct err *e)
{
    size_t n = l->k->what ? strlen(l->k->what) : 0;

    if (n && strncmp(e->msg, l->k->what, n) == 0 && e->msg[n] == ':')
        return e->msg + n + (e->msg[n + 1] == ' ' ? 2 : 1);
    return e->msg;
}

/* "STATUS REASON[ (after N attempts)][: the server's message]" of a
 * non-2xx answer, into sb. */
static void kube_status_text(struct strbuf *sb, const struct http_resp *rs)
{
    json_t *st =
        json_loadb(rs->body.buf ? rs->body.buf : "", rs->body.len, 0, NULL);
    const char *msg = jstr(st, "message");

    sb_addf(sb, "%ld %s", rs->status, rs->reason);
    if (rs->attempts > 1)
        sb_addf(sb, " (after %d attempts)", rs->attempts);
    if (msg && *msg)
        sb_addf(sb, ": %.400s", msg);
    json_decref(st);
}

/* A discovery document (path), or NULL with e saying why. */
static json_t *kube_get_json(struct kube_lister *l, const char *path,
                             struct err *e)
{
    struct http_resp rs;
    json_error_t je;
    json_t *doc = NULL;

    memset(&rs, 0, sizeof(rs));
    if (kube_request(l, path, NULL, &rs, e) < 0)
        goto out;
    if (rs.status < 200 || rs.status > 299) {
        struct strbuf sb = STRBUF_INIT;
        kube_status_text(&sb, &rs);
        err_set(e, "GET %s%s: %s", l->k->server, path, sb_str(&sb));
        sb_release(&sb);
        goto out;
    }
    doc = json_loadb(rs.body.buf ? rs.body.buf : "", rs.body.len, 0, &je);
    if (!json_is_object(doc)) {
        err_set(e, "GET %s%s: not a JSON object (%s)", l->k->server, path,
                doc ? "another JSON value" : je.text);
        json_decref(doc);
        doc = NULL;
    }
out:
    http_resp_release(&rs);
    return doc;
}

/* kind is one the rules need. */
static int kube_wanted(const char *const *want, const char *kind)
{
    const char *const *w = want ? want : k8sobj_known_kinds;

    for (; *w; w++) {
        if (strncmp(*w, "k8s/", 4) != 0)
            continue;
        if (strcmp(*w + 4, kind) == 0 || strcmp(*w + 4, "*") == 0)
            return 1;
    }
    return 0;
}

static int kube_can_list(const json_t *verbs)
{
    const json_t *v;
    size_t i;

    json_array_foreach(verbs, i, v) if (json_is_string(v) &&
                                        strcmp(json_string_value(v), "list") ==
                                            0) return 1;
    return 0;
}

/* The resources of one group version the rules need, appended to *out. */
static int kube_discover_gv(struct kube_lister *l, const char *const *want,
                            const char *gv, struct kube_res **out, size_t *n,
                            struct err *e)
{
    struct strbuf path = STRBUF_INIT;
    json_t *doc, *r;
    size_t i;
    int rc = 0;

    sb_addf(&path, "%s/%s", strchr(gv, '/') ? "/apis" : "/api", gv);
    doc = kube_get_json(l, sb_str(&path), e);
    if (!doc) {
        /* One broken group (an aggregated API whose backend is down) must
         * not cost the others; what it would have served is said. */
        struct strbuf src = STRBUF_INIT, msg = STRBUF_INIT;
        sb_addf(&src, "%s%s", l->k->server, sb_str(&path));
        sb_addf(&msg,
                "discovery of %s on cluster %s failed, so its resources "
                "were not listed: %s",
                gv, l->k->server, e->msg);
        rc = l->ctx->input_error(l->ctx, sb_str(&src), sb_str(&msg), e);
        sb_release(&src);
        sb_release(&msg);
        sb_release(&path);
        return rc ? -1 : 0;
    }
    json_array_foreach(json_object_get(doc, "resources"), i, r)
    {
        const char *name = jstr(r, "name"), *kind = jstr(r, "kind");
        struct kube_res *x;

        if (!name || !kind || strchr(name, '/') ||
            !kube_can_list(json_object_get(r, "verbs")) ||
            !kube_wanted(want, kind))
            continue;
        *out = xrealloc(*out, (*n + 1) * sizeof(**out));
        x = &(*out)[(*n)++];
        x->gv = xstrdup(gv);
        x->name = xstrdup(name);
        x->kind = xstrdup(kind);
        x->namespaced = json_is_true(json_object_get(r, "namespaced"));
    }
    json_decref(doc);
    sb_release(&path);
    return 0;
}

int kube_discover(struct kube_lister *l, const char *const *want,
                  struct kube_res **out, size_t *n, struct err *e)
{
    json_t *api = NULL, *apis = NULL, *g;
    const char *core;
    size_t i;
    int rc = -1;

    *out = NULL;
    *n = 0;
    if (!(api = kube_get_json(l, "/api", e)) ||
        !(apis = kube_get_json(l, "/apis", e)))
        goto out;
    /* The core group: its versions, preferred first. */
    core =
        json_string_value(json_array_get(json_object_get(api, "versions"), 0));
    if (core && kube_discover_gv(l, want, core, out, n, e) < 0)
        goto out;
    json_array_foreach(json_object_get(apis, "groups"), i, g)
    {
        const json_t *pv = json_object_get(g, "preferredVersion");
        const char *gv = jstr(pv, "groupVersion");

        if (!gv) /* no preference: the first version listed */
            gv = jstr(json_array_get(json_object_get(g, "versions"), 0),
                      "groupVersion");
        if (gv && strchr(gv, '/') &&
            kube_discover_gv(l, want, gv, out, n, e) < 0)
            goto out;
    }
    rc = 0;
out:
    json_decref(api);
    json_decref(apis);
    if (rc) {
        kube_res_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- one list, page by page ------------------------------------------- */

struct kube_page {
    struct kube_lister *l;
    const struct kube_res *r;
    const char *apipath; /* "/apis/apps/v1" */
    json_t *seen;        /* uids emitted by this list, across restarts */
    int secret;
    char *cont;      /* the next page's continue token, or NULL */
    int items;       /* the answer had an items array */
    const char *bad; /* what was wrong with an item, once */
    int stop;        /* storing failed */
    struct err *e;
    struct strbuf kind, uid, src; /* scratch */
};

/* Drops every member of a Secret but its identity: a server that ignored
 * the metadata-only Accept sent data and stringData, which nothing may
 * see. */
static void kube_secret_strip(json_t *obj)
{
    const char *key;
    json_t *v;
    void *tmp;

    json_object_foreach_safe(obj, tmp, key, v)
    {
        if (strcmp(key, "metadata") != 0)
            json_object_del(obj, key);
    }
}

static int kube_item(const json_t *root, json_t *item, long line, size_t index,
                     void *arg)
{
    struct kube_page *p = arg;
    const struct kube_res *r = p->r;
    json_t *meta;
    const char *name, *ns = NULL;
    struct resource res;

    (void)root;
    (void)line;
    (void)index;
    if (p->stop)
        return -1;
    if (p->secret)
        kube_secret_strip(item); /* first, before anything reads it */
    meta = json_object_get(item, "metadata");
    name = jstr(meta, "name");
    if (!json_is_object(item) || !name || !*name) {
        if (!p->bad)
            p->bad = "an item without metadata.name";
        return 1;
    }
    json_object_del(meta, "managedFields");
    /* Items of a list carry no kind or apiVersion (and Secrets come as
     * PartialObjectMetadata): what the rules and redaction read. */
    json_object_set_new(item, "kind", json_string(r->kind));
    json_object_set_new(item, "apiVersion", json_string(r->gv));
    if (r->namespaced) {
        ns = jstr(meta, "namespace");
        if (!ns || !*ns)
            ns = "default";
    }
    sb_setlen(&p->uid, 0);
    k8sobj_uid(&p->uid, r->gv, r->kind, ns, name);
    if (json_object_get(p->seen, sb_str(&p->uid)))
        return 1; /* emitted before the list started again */
    json_object_set_new_nocheck(p->seen, sb_str(&p->uid), json_true());
    sb_setlen(&p->src, 0);
    sb_adds(&p->src, p->l->k->server);
    sb_adds(&p->src, p->apipath);
    if (ns) {
        sb_adds(&p->src, "/namespaces/");
        sb_adds(&p->src, ns);
    }
    sb_add(&p->src, "/", 1);
    sb_adds(&p->src, r->name);
    sb_add(&p->src, "/", 1);
    sb_adds(&p->src, name);
    redact_k8s_object(item);
    res.kind = sb_str(&p->kind);
    res.uid = sb_str(&p->uid);
    res.name = name;
    res.namespace = ns;
    res.source = sb_str(&p->src);
    res.doc = item;
    if ((p->l->observe && p->l->observe(p->l->observe_arg, &res, p->e)) ||
        p->l->ctx->emit(p->l->ctx, &res, p->e)) {
        p->stop = 1;
        return -1;
    }
    p->l->objects++;
    return 1;
}

/* The list object around the items: the next page's continue token. */
static int kube_page_doc(json_t *doc, long line, const json_t *item_lines,
                         void *arg)
{
    struct kube_page *p = arg;
    const char *c = jstr(json_object_get(doc, "metadata"), "continue");

    (void)line;
    (void)item_lines;
    free(p->cont);
    p->cont = c && *c ? xstrdup(c) : NULL;
    p->items =
        json_is_object(doc) && (json_is_array(json_object_get(doc, "items")) ||
                                json_is_null(json_object_get(doc, "items")));
    json_decref(doc);
    return 0;
}

/* The rules of r's kind get `error` findings saying msg. */
static int kube_list_failed(struct kube_page *p, const char *msg, struct err *e)
{
    struct collect_ctx *ctx = p->l->ctx;

    if (ctx->kind_not_evaluated)
        return ctx->kind_not_evaluated(ctx, NULL, sb_str(&p->kind), msg, e) ? -1
                                                                            : 0;
    return ctx->not_evaluated(ctx, sb_str(&p->kind), msg, e) ? -1 : 0;
}

/* 410 Gone, or a Status whose reason is Expired: the continue token is too
 * old (etcd compacted the revision it pointed at). */
static int kube_expired(const struct http_resp *rs)
{
    json_t *st;
    int yes;

    if (rs->status == 410)
        return 1;
    if (rs->status < 400)
        return 0;
    st = json_loadb(rs->body.buf ? rs->body.buf : "", rs->body.len, 0, NULL);
    yes = jstr(st, "reason") && strcmp(jstr(st, "reason"), "Expired") == 0;
    json_decref(st);
    return yes;
}

int kube_list(struct kube_lister *l, const struct kube_res *r, struct err *e)
{
    struct kube_page p;
    struct strbuf path = STRBUF_INIT, msg = STRBUF_INIT, label = STRBUF_INIT;
    struct http_resp rs;
    struct err le;
    unsigned page = 0, restarts = 0;
    int rc = 0;

    memset(&p, 0, sizeof(p));
    memset(&rs, 0, sizeof(rs));
    p.l = l;
    p.r = r;
    p.e = e;
    p.seen = json_object();
    p.secret = strcmp(r->gv, "v1") == 0 && strcmp(r->kind, "Secret") == 0;
    sb_addf(&p.kind, "k8s/%s", r->kind);
    sb_addf(&label, "Listing %s", r->name);
    {
        struct strbuf ap = STRBUF_INIT;
        sb_addf(&ap, "%s/%s", strchr(r->gv, '/') ? "/apis" : "/api", r->gv);
        p.apipath = sb_detach(&ap);
    }
    /* what a failure says first */
    sb_addf(&msg, "cannot list %s (%s) on cluster %s: ", r->name,
            r->namespaced ? "all namespaces" : "cluster-scoped", l->k->server);
    progress_start(sb_str(&label), 0);
    for (;;) {
        char pg[48];
        int x;

        page++;
        snprintf(pg, sizeof(pg), "(page %u)", page);
        progress_update(l->objects, pg);
        sb_setlen(&path, 0);
        sb_addf(&path, "%s/%s?limit=%u", p.apipath, r->name,
                l->limit ? l->limit : KUBE_PAGE_LIMIT);
        if (p.cont) {
            char *esc = http_escape(p.cont);
            sb_addf(&path, "&continue=%s", esc);
            free(esc);
        }
        http_resp_release(&rs);
        memset(&rs, 0, sizeof(rs));
        /* Secrets as PartialObjectMetadata: names, labels, annotations,
         * never data. */
        if (kube_request(l, sb_str(&path),
                         p.secret ? "application/json;as=PartialObjectMetadata"
                                    "List;g=meta.k8s.io;v=v1, application/json"
                                  : NULL,
                         &rs, &le) < 0) {
            sb_addf(&msg, "page %u: %s", page, kube_bare(l, &le));
            rc = kube_list_failed(&p, sb_str(&msg), e);
            break;
        }
        if (p.cont && kube_expired(&rs)) {
            /* Start again from the first page; what was emitted is known
             * by uid and not emitted twice. */
            if (restarts++ == KUBE_MAX_RESTARTS) {
                sb_addf(&msg,
                        "page %u: the continue token expired %u times "
                        "(410 Gone); the list could not be read whole",
                        page, restarts);
                rc = kube_list_failed(&p, sb_str(&msg), e);
                break;
            }
            free(p.cont);
            p.cont = NULL;
            page = 0;
            continue;
        }
        if (rs.status < 200 || rs.status > 299) {
            if (page > 1)
                sb_addf(&msg, "page %u: ", page);
            kube_status_text(&msg, &rs);
            rc = kube_list_failed(&p, sb_str(&msg), e);
            break;
        }
        free(p.cont);
        p.cont = NULL;
        p.items = 0;
        p.bad = NULL;
        x = jf_parse_items(rs.body.buf ? rs.body.buf : "", rs.body.len, 1,
                           kube_page_doc, kube_item, &p, &le);
        if (p.secret && rs.body.buf) /* what a careless server sent */
            OPENSSL_cleanse(rs.body.buf, rs.body.len);
        if (p.stop) {
            rc = -1;
            break;
        }
        if (x < 0 || !p.items || p.bad) {
            sb_addf(&msg, "page %u: %s%s", page,
                    x < 0   ? "invalid JSON: "
                    : p.bad ? p.bad
                            : "not a list (no items)",
                    x < 0 ? le.msg : "");
            rc = kube_list_failed(&p, sb_str(&msg), e);
            break;
        }
        if (!p.cont)
            break;
    }
    progress_done();
    http_resp_release(&rs);
    free(p.cont);
    free((char *)p.apipath);
    json_decref(p.seen);
    sb_release(&p.kind);
    sb_release(&p.uid);
    sb_release(&p.src);
    sb_release(&path);
    sb_release(&msg);
    sb_release(&label);
    return rc;
}
