/*
 * manifests.c: Kubernetes manifests on disk (YAML, multi-document, and
 * JSON; directories recursively; `kind: List` expanded) become k8s/<Kind>
 * resources with file:line sources.
 *
 * YAML files are read line by line and cut at document markers ("---" at
 * column 0), and each document is parsed alone: a broken document costs
 * only itself, memory is bounded by the largest document, and a line
 * longer than any Kubernetes object could be is refused before it is
 * buffered whole.
 */
#include "collector.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "k8sobj.h"
#include "log.h"
#include "redact.h"
#include "util.h"
#include "walk.h"
#include "jsonfast.h"
#include "yamljson.h"
#include "banned.h"

/* etcd stores objects of at most 1.5 MiB; a line ten times that is not a
 * manifest, and buffering it would let one file exhaust memory. */
#define MANIFESTS_MAX_LINE (16u << 20)
/* One document's text (a YAML document, a JSON file): the API server
 * takes requests of at most 3 MiB, and a cluster dump as one List is
 * bounded by the node cap long before this. */
#define MANIFESTS_MAX_DOC (64u << 20)

struct manifests_file {
    struct collect_ctx *ctx;
    const char *path;
    int stop; /* storing failed: unwind */
    struct err *e;
};

static int manifests_input_error(struct manifests_file *mf, long line,
                                 const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int manifests_input_error(struct manifests_file *mf, long line,
                                 const char *fmt, ...)
{
    struct strbuf src = STRBUF_INIT, msg = STRBUF_INIT;
    char what[1024];
    va_list ap;
    int rc;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (line > 0)
        sb_addf(&src, "%s:%ld", mf->path, line);
    else
        sb_adds(&src, mf->path);
    sb_addf(&msg, "%s: %s", sb_str(&src), what);
    rc = mf->ctx->input_error(mf->ctx, sb_str(&src), sb_str(&msg), mf->e);
    if (rc)
        mf->stop = 1;
    sb_release(&src);
    sb_release(&msg);
    return rc;
}

static const char *manifests_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static void manifests_object(struct manifests_file *mf, json_t *obj, long line,
                             const char *list_kind, const char *list_api,
                             size_t index);

static void manifests_list(struct manifests_file *mf, json_t *list, long line,
                           const json_t *item_lines)
{
    json_t *items = json_object_get(list, "items"), *item;
    const char *kind = manifests_str(list, "kind");
    char *item_kind = NULL;
    size_t i, klen = strlen(kind);

    if (!json_is_array(items) && !json_is_null(items) && items) {
        manifests_input_error(mf, line, "%s.items is not a list", kind);
        return;
    }
    /* A typed list (DeploymentList) may omit each item's kind. */
    if (strcmp(kind, "List") != 0)
        item_kind = xstrndup(kind, klen - 4);
    json_array_foreach(items, i, item)
    {
        json_t *l = json_array_get(item_lines, i);
        if (mf->stop)
            break;
        manifests_object(mf, item, l ? (long)json_integer_value(l) : line,
                         item_kind, manifests_str(list, "apiVersion"), i);
        /* Judged: freed now, while its memory is in cache and the next
         * item's allocations can reuse it, as a YAML document is. A list
         * freed at once in the end piles its nodes up in the allocator. */
        json_array_set_new(items, i, json_null());
    }
    free(item_kind);
}

static void manifests_object(struct manifests_file *mf, json_t *obj, long line,
                             const char *list_kind, const char *list_api,
                             size_t index)
{
    struct strbuf kind = STRBUF_INIT, uid = STRBUF_INIT, src = STRBUF_INIT;
    const char *k, *api, *name, *ns;
    json_t *meta;
    struct resource r;
    char idx[64];

    if (!json_is_object(obj)) {
        manifests_input_error(mf, line,
                              "document is a %s, not a Kubernetes "
                              "object",
                              json_is_array(obj)    ? "list"
                              : json_is_string(obj) ? "string"
                                                    : "scalar");
        return;
    }
    k = manifests_str(obj, "kind");
    api = manifests_str(obj, "apiVersion");
    /* Items of a typed list (SecretList) inherit kind and apiVersion;
     * write them into the object so that redaction and rules see them. */
    if (!k && list_kind && *list_kind) {
        k = list_kind;
        json_object_set_new(obj, "kind", json_string(k));
        k = manifests_str(obj, "kind");
    }
    if (!api && list_kind && list_api) {
        json_object_set_new(obj, "apiVersion", json_string(list_api));
        api = manifests_str(obj, "apiVersion");
    }
    if (!k || !*k) {
        manifests_input_error(mf, line, "object has no kind");
        return;
    }
    if (!api || !*api) {
        manifests_input_error(mf, line, "%s has no apiVersion", k);
        return;
    }
    if (!list_kind && str_has_suffix(k, "List") &&
        json_object_get(obj, "items")) {
        manifests_list(mf, obj, line, NULL);
        return;
    }
    meta = json_object_get(obj, "metadata");
    name = manifests_str(meta, "name");
    if (!name)
        name = manifests_str(meta, "generateName");
    ns = manifests_str(meta, "namespace");
    if (k8sobj_cluster_kind(k))
        ns = NULL;
    else if (!ns || !*ns)
        ns = "default"; /* where kubectl apply would put it */
    /* Plain appends: this runs for every object of a cluster dump. */
    sb_adds(&kind, "k8s/");
    sb_adds(&kind, k);
    /* no line in the uid: moving code keeps the fingerprints */
    if (name && *name) {
        k8sobj_uid(&uid, api, k, ns, name);
    } else {
        k8sobj_uid(&uid, api, k, ns, "");
        snprintf(idx, sizeof(idx), "#%zu", index);
        sb_addf(&uid, "%s:%ld%s", mf->path, line, list_kind ? idx : "");
    }
    sb_adds(&src, mf->path);
    sb_add(&src, ":", 1);
    sb_addi(&src, line);
    redact_k8s_object(obj);
    r.kind = sb_str(&kind);
    r.uid = sb_str(&uid);
    r.name = name ? name : "";
    r.namespace = ns;
    r.source = sb_str(&src);
    r.doc = obj;
    if (mf->ctx->emit(mf->ctx, &r, mf->e))
        mf->stop = 1;
    sb_release(&kind);
    sb_release(&uid);
    sb_release(&src);
}

static int manifests_doc(json_t *doc, long line, const json_t *item_lines,
                         void *ctx)
{
    struct manifests_file *mf = ctx;

    if (json_is_object(doc) && json_is_string(json_object_get(doc, "kind")) &&
        str_has_suffix(manifests_str(doc, "kind"), "List") &&
        json_object_get(doc, "items"))
        manifests_list(mf, doc, line, item_lines);
    else
        manifests_object(mf, doc, line, NULL, NULL, 0);
    json_decref(doc);
    return mf->stop;
}

/*
 * An item of a JSON List, judged as soon as it is parsed when the List's
 * kind came before its items (as the API server writes Lists); otherwise
 * (kubectl's -o json puts "kind" last) the item stays in the List, which
 * manifests_doc expands when it is whole. Items judged here are not in
 * the List any more, so manifests_list finds none of them again.
 */
static int manifests_json_item(const json_t *root, json_t *item, long line,
                               size_t index, void *ctx)
{
    struct manifests_file *mf = ctx;
    const char *kind = manifests_str((json_t *)root, "kind");
    char *item_kind = NULL;

    if (!kind || !str_has_suffix(kind, "List"))
        return 0;
    if (strcmp(kind, "List") != 0)
        item_kind = xstrndup(kind, strlen(kind) - 4);
    manifests_object(mf, item, line, item_kind,
                     manifests_str((json_t *)root, "apiVersion"), index);
    free(item_kind);
    return mf->stop ? -1 : 1;
}

/* A parser's error, "LINE[:COL]: problem", as an input error. */
static void manifests_parse_error(struct manifests_file *mf, const char *lang,
                                  const char *pe)
{
    struct strbuf msg = STRBUF_INIT;
    char *end;
    long line = strtol(pe, &end, 10), col = 0;

    if (*end == ':' && end[1] >= '0' && end[1] <= '9')
        col = strtol(end + 1, &end, 10);
    if (*end == ':')
        end++;
    while (*end == ' ')
        end++;
    sb_addf(&msg, "invalid %s", lang);
    if (col)
        sb_addf(&msg, " at column %ld", col);
    sb_addf(&msg, ": %s", end);
    manifests_input_error(mf, line, "%s", sb_str(&msg));
    sb_release(&msg);
}

static void manifests_parse_chunk(struct manifests_file *mf,
                                  struct strbuf *chunk, long first_line)
{
    struct err pe;

    if (chunk->len == 0)
        return;
    if (yj_parse(chunk->buf, chunk->len, first_line, manifests_doc, mf, &pe) &&
        !mf->stop)
        manifests_parse_error(mf, "YAML", pe.msg);
    sb_setlen(chunk, 0);
}

static int manifests_marker(const char *line, size_t len, const char *m)
{
    return len >= 3 && memcmp(line, m, 3) == 0 &&
           (len == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\n' ||
            line[3] == '\r');
}

/*
 * Reads the file in blocks and hands out pieces that end at a line break
 * (or at the end of the block). Unlike fgets, a NUL byte does not cut a
 * line short: it reaches the parsers, which refuse it.
 */
struct manifests_reader {
    FILE *f;
    char buf[65536];
    size_t pos, len;
};

static int manifests_piece(struct manifests_reader *r, const char **p,
                           size_t *n)
{
    const char *s, *nl;
    size_t avail;

    if (r->pos == r->len) {
        r->len = fread(r->buf, 1, sizeof(r->buf), r->f);
        r->pos = 0;
        if (r->len == 0)
            return 0;
    }
    s = r->buf + r->pos;
    avail = r->len - r->pos;
    nl = memchr(s, '\n', avail);
    *n = nl ? (size_t)(nl - s) + 1 : avail;
    *p = s;
    r->pos += *n;
    return 1;
}

static int manifests_is_marker(const char *line, size_t len)
{
    return manifests_marker(line, len, "---") ||
           manifests_marker(line, len, "...");
}

static void manifests_yaml(struct manifests_file *mf, FILE *f)
{
    struct manifests_reader *r = xmalloc(sizeof(*r));
    struct strbuf chunk = STRBUF_INIT;
    long lineno = 1, chunk_line = 1;
    size_t line_start = 0, line_len = 0, n;
    char head[8]; /* the start of the current line, kept while skipping */
    size_t headlen = 0;
    int skipping = 0;
    const char *p;

    r->f = f;
    r->pos = r->len = 0;
    while (!mf->stop && manifests_piece(r, &p, &n)) {
        int eol = p[n - 1] == '\n';

        if (headlen < sizeof(head)) {
            size_t k = n < sizeof(head) - headlen ? n : sizeof(head) - headlen;
            memcpy(head + headlen, p, k);
            headlen += k;
        }
        line_len += n;
        if (!skipping && line_len > MANIFESTS_MAX_LINE) {
            manifests_input_error(mf, lineno,
                                  "line longer than 16 MiB; no Kubernetes "
                                  "object is that large, document skipped");
            skipping = 1;
            sb_release(&chunk);
        }
        if (!skipping && chunk.len + n > MANIFESTS_MAX_DOC) {
            manifests_input_error(mf, chunk_line,
                                  "document larger than the limit of %u "
                                  "MiB; skipped",
                                  MANIFESTS_MAX_DOC >> 20);
            skipping = 1;
            sb_release(&chunk);
        }
        if (!skipping)
            sb_add(&chunk, p, n);
        if (!eol)
            continue;
        /* A whole line: a document marker ends the document before it. */
        if (manifests_is_marker(head, headlen)) {
            struct strbuf marker = STRBUF_INIT;
            /* "--- {a: 1}" starts the next document with content. */
            if (!skipping)
                sb_add(&marker, chunk.buf + line_start, line_len);
            else
                sb_adds(&marker, "---\n");
            if (!skipping) {
                sb_setlen(&chunk, line_start);
                manifests_parse_chunk(mf, &chunk, chunk_line);
            }
            sb_setlen(&chunk, 0);
            skipping = 0;
            chunk_line = lineno;
            if (head[0] == '-')
                sb_add(&chunk, marker.buf, marker.len);
            else
                chunk_line = lineno + 1; /* "..." holds nothing */
            sb_release(&marker);
        }
        lineno++;
        line_start = chunk.len;
        line_len = 0;
        headlen = 0;
    }
    if (ferror(f))
        manifests_input_error(mf, lineno, "read error: %s", strerror(errno));
    else if (!skipping && !mf->stop)
        manifests_parse_chunk(mf, &chunk, chunk_line);
    sb_release(&chunk);
    free(r);
}

static void manifests_json(struct manifests_file *mf, FILE *f)
{
    struct strbuf text = STRBUF_INIT;
    struct err pe;
    char buf[65536];
    struct stat st;
    size_t n;
    int over = 0;

    /* Refused before reading when the size says so, read into a buffer
     * of the right size otherwise; the loop still stops at the cap if
     * the file grows meanwhile. */
    if (fstat(fileno(f), &st) == 0) {
        if (st.st_size > (off_t)MANIFESTS_MAX_DOC)
            over = 1;
        else if (st.st_size > 0)
            sb_grow(&text, (size_t)st.st_size + 1);
    }
    while (!over && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
        if (text.len + n > MANIFESTS_MAX_DOC)
            over = 1;
        else
            sb_add(&text, buf, n);
    }
    if (over) {
        manifests_input_error(mf, 1,
                              "JSON document larger than the limit of %u "
                              "MiB; not read",
                              MANIFESTS_MAX_DOC >> 20);
        goto out;
    }
    if (ferror(f)) {
        manifests_input_error(mf, 0, "read error: %s", strerror(errno));
        goto out;
    }
    /* Every value of a stream (kubectl reads concatenated objects too),
     * with the lines of the items of a List, as the YAML path gives. */
    if (jf_parse_items(text.buf ? text.buf : "", text.len, 1, manifests_doc,
                       manifests_json_item, mf, &pe) < 0 &&
        !mf->stop)
        manifests_parse_error(mf, "JSON", pe.msg);
out:
    sb_release(&text);
}

static void manifests_file(struct collect_ctx *ctx, const char *path,
                           struct err *e, int *stop)
{
    struct manifests_file mf = {ctx, path, 0, e};
    struct err oe;
    FILE *f = walk_fopen(path, &oe);

    if (!f) {
        /* oe names the path already */
        if (ctx->input_error(ctx, path, oe.msg, e))
            mf.stop = 1;
    } else if (str_has_suffix_ci(path, ".json")) {
        manifests_json(&mf, f);
    } else {
        manifests_yaml(&mf, f);
    }
    if (f)
        fclose(f);
    *stop = mf.stop;
}

static int manifests_wanted(const char *name)
{
    return str_has_suffix_ci(name, ".yaml") ||
           str_has_suffix_ci(name, ".yml") || str_has_suffix_ci(name, ".json");
}

static int manifests_check(const struct target *t, struct err *e)
{
    struct stat st;

    if (stat(t->ref, &st) != 0)
        return err_set(e, "--manifests %s: %s", t->ref, strerror(errno));
    if (walk_special(st.st_mode))
        return err_set(e,
                       "--manifests %s: is a %s; expected a file or a "
                       "directory",
                       t->ref, walk_special(st.st_mode));
    return 0;
}

static int manifests_collect(const struct target *t, struct collect_ctx *ctx,
                             struct err *e)
{
    struct walk_list l = {NULL, 0};
    struct stat st;
    size_t i;
    int stop = 0;

    if (stat(t->ref, &st) != 0)
        return err_set(e, "%s: %s", t->ref, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        walk_files(&l, t->ref, manifests_wanted, WALK_HIDDEN, ctx, e);
        if (l.n == 0) {
            /* A CI job pointed at the wrong directory must not pass. */
            struct strbuf msg = STRBUF_INIT;
            int rc;
            sb_addf(&msg,
                    "%s: no Kubernetes manifests (*.yaml, *.yml, *.json) "
                    "in this directory",
                    t->ref);
            rc = ctx->input_error(ctx, t->ref, sb_str(&msg), e);
            sb_release(&msg);
            free(l.paths);
            return rc;
        }
    } else {
        walk_add(&l, t->ref);
    }
    progress_start("Reading manifests", l.n);
    for (i = 0; i < l.n; i++) {
        if (!stop)
            manifests_file(ctx, l.paths[i], e, &stop);
        progress_update(i + 1, l.paths[i]);
        free(l.paths[i]);
    }
    progress_done();
    free(l.paths);
    return stop ? -1 : 0;
}

/* Every object becomes k8s/<its kind>, whatever its API group (Calico's
 * crd.projectcalico.org NetworkPolicy is k8s/NetworkPolicy too). */
static const char *const manifests_kinds[] = {"k8s/*", NULL};

const struct collector collector_manifests = {
    .name = "manifests",
    .summary = "Kubernetes manifests: YAML and JSON files and directories",
    .arg = "PATH",
    .help = "Kubernetes YAML/JSON files or directories (recursive)",
    .fixture_names = (const char *const[]){"*.yaml", "*.yml", "*.json", NULL},
    .pillar = "cluster",
    .kind_prefix = "k8s/",
    .kinds = manifests_kinds,
    .known_kinds = k8sobj_known_kinds,
    .check = manifests_check,
    .collect = manifests_collect,
};
