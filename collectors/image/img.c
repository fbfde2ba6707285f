/*
 * img.c: opening an image from its source (see img.h). The three sources
 * differ only in how bytes are found; what they hold is read the same way:
 *
 *   root (index.json's choice, the registry's answer, manifest.json)
 *     -> index or manifest list, resolved to the platform
 *     -> manifest -> config blob + layer descriptors
 *
 * Each source is a small backend (img_int.h: root, manifest by digest,
 * blob by digest): OCI layouts and registries (through distrib.h) here,
 * docker archives in img_archive.c. Small documents are read through the
 * same digest-checking sink as layers, so nothing is trusted before its
 * digest matched.
 */
#include "img.h"
#include "img_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decomp.h"
#include "distrib.h"
#include "redact.h"
#include "util.h"
#include "banned.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST                                                         \
    "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST                                                     \
    "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_V1 "application/vnd.docker.distribution.manifest.v1"

/* ---- a sink that keeps bytes, up to a limit ---- */

static int buf_sink_write(struct sink *s, const void *buf, size_t len,
                          struct err *e)
{
    struct img_buf_sink *b = (struct img_buf_sink *)s;

    if (b->out->len + len > b->max)
        return err_set(e, "%s: larger than %zu MiB", b->what, b->max >> 20);
    sb_add(b->out, buf, len);
    return 0;
}

static int buf_sink_close(struct sink *s, struct err *e)
{
    (void)s;
    (void)e;
    return 0;
}

static void buf_sink_free(struct sink *s)
{
    (void)s;
}

void img_buf_sink_init(struct img_buf_sink *bs, struct strbuf *out, size_t max,
                       const char *what)
{
    bs->base.write = buf_sink_write;
    bs->base.close = buf_sink_close;
    bs->base.free = buf_sink_free;
    bs->out = out;
    bs->max = max;
    bs->what = what;
}

/* Valid "sha256:<64 hex>" or "sha512:<128 hex>": also what makes a digest
 * safe to use as a path under blobs/. */
int img_digest_ok(const char *d)
{
    size_t n, i;

    if (!d)
        return 0;
    if (strncmp(d, "sha256:", 7) == 0)
        n = 64;
    else if (strncmp(d, "sha512:", 7) == 0)
        n = 128;
    else
        return 0;
    for (i = 0; i < n; i++)
        if (!((d[7 + i] >= '0' && d[7 + i] <= '9') ||
              (d[7 + i] >= 'a' && d[7 + i] <= 'f')))
            return 0;
    return d[7 + n] == '\0';
}

/* Reads a blob into out through a digest check (and a size check when
 * size >= 0). what names it in errors. */
static int img_read_blob(struct img_backend *b, const char *digest,
                         int64_t size, size_t max, const char *what,
                         struct strbuf *out, struct err *e)
{
    struct img_buf_sink bs;
    struct sink *ds;
    int rc;

    img_buf_sink_init(&bs, out, max, what);
    ds = digest_sink_new(digest, what, &bs.base);

    if (size >= 0)
        digest_sink_expect_size(ds, size);
    rc = b->ops->blob(b, digest, ds, e);
    if (rc == 0)
        rc = ds->close(ds, e);
    ds->free(ds);
    return rc;
}

/* Checks bytes against a digest (manifests fetched by digest). */
static int img_verify(const struct strbuf *body, const char *digest,
                      const char *what, struct err *e)
{
    struct strbuf scratch = STRBUF_INIT;
    struct img_buf_sink bs;
    struct sink *ds;
    int rc = 0;

    img_buf_sink_init(&bs, &scratch, (size_t)-1 >> 1, what);
    ds = digest_sink_new(digest, what, &bs.base);

    if (body->len)
        rc = ds->write(ds, body->buf, body->len, e);
    if (rc == 0)
        rc = ds->close(ds, e);
    ds->free(ds);
    sb_release(&scratch);
    return rc;
}

static json_t *img_parse_json(const struct strbuf *body, const char *what,
                              struct err *e)
{
    json_error_t je;
    json_t *j = json_loadb(body->buf ? body->buf : "", body->len,
                           JSON_REJECT_DUPLICATES, &je);

    if (!j) {
        redact_json_error(je.text);
        err_set(e, "%s: not valid JSON: %s (line %d)", what, je.text, je.line);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        err_set(e, "%s: not a JSON object", what);
        return NULL;
    }
    return j;
}

const char *img_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---- platform selection ---- */

struct img_platform {
    char os[32], arch[32], variant[32];
};

static void img_platform_parse(const char *s, struct img_platform *p)
{
    const char *a = strchr(s, '/'), *v = a ? strchr(a + 1, '/') : NULL;

    memset(p, 0, sizeof(*p));
    snprintf(p->os, sizeof(p->os), "%.*s", (int)(a ? a - s : (int)strlen(s)),
             s);
    if (a)
        snprintf(p->arch, sizeof(p->arch), "%.*s",
                 (int)(v ? v - a - 1 : (int)strlen(a + 1)), a + 1);
    if (v)
        snprintf(p->variant, sizeof(p->variant), "%s", v + 1);
}

static int img_platform_match(const struct img_platform *want,
                              const json_t *plat)
{
    const char *os = img_str(plat, "os"), *arch = img_str(plat, "architecture"),
               *variant = img_str(plat, "variant");

    if (!os || !arch || strcmp(os, want->os) || strcmp(arch, want->arch))
        return 0;
    /* No variant asked: any (arm64's v8 is the only one in practice). */
    return !want->variant[0] || !variant || strcmp(variant, want->variant) == 0;
}

static void img_platform_name(const json_t *plat, struct strbuf *sb)
{
    const char *v = img_str(plat, "variant");

    sb_addf(sb, "%s/%s", img_str(plat, "os") ? img_str(plat, "os") : "?",
            img_str(plat, "architecture") ? img_str(plat, "architecture")
                                          : "?");
    if (v && *v)
        sb_addf(sb, "/%s", v);
}

static int img_is_index(const json_t *doc, const char *mt)
{
    const char *m = img_str(doc, "mediaType");

    if (!m)
        m = mt;
    if (m && (strcmp(m, MT_OCI_INDEX) == 0 || strcmp(m, MT_DOCKER_LIST) == 0))
        return 1;
    return !m && json_is_array(json_object_get(doc, "manifests"));
}

/* Picks the manifest for the platform from an index: a new string digest
 * and the descriptor's size, or an error listing what the index has. */
static int img_pick(const json_t *index, const char *platform, const char *what,
                    char **digest, int64_t *size, struct err *e)
{
    const json_t *ms = json_object_get(index, "manifests"), *d;
    struct img_platform want;
    struct strbuf have = STRBUF_INIT;
    size_t i;

    if (!json_is_array(ms))
        return err_set(e, "%s: index has no \"manifests\" list", what);
    img_platform_parse(platform, &want);
    json_array_foreach(ms, i, d)
    {
        const json_t *plat = json_object_get(d, "platform");
        const char *dg = img_str(d, "digest");
        if (!json_is_object(plat))
            continue;
        if (img_platform_match(&want, plat)) {
            if (!img_digest_ok(dg))
                return err_set(e, "%s: manifests[%zu]: bad digest", what, i);
            *digest = xstrdup(dg);
            *size = json_is_integer(json_object_get(d, "size"))
                        ? json_integer_value(json_object_get(d, "size"))
                        : -1;
            sb_release(&have);
            return 0;
        }
        if (have.len)
            sb_adds(&have, ", ");
        img_platform_name(plat, &have);
    }
    err_set(e, "%s: no manifest for platform %s (the index has: %s)", what,
            platform, have.len ? sb_str(&have) : "none with a platform");
    sb_release(&have);
    return -1;
}

/* From the root document to manifest, config and layers. */
static int img_resolve(struct img *im, const struct img_opts *o, struct err *e)
{
    struct img_backend *b = im->backend;
    struct strbuf body = STRBUF_INIT, what = STRBUF_INIT;
    char *mt = NULL, *digest = NULL, *pick = NULL;
    json_t *doc = NULL, *layers, *cfgd, *diffs, *l;
    int64_t size = -1;
    size_t i;
    int rc = -1;

    if (b->ops->root(b, &body, &mt, &digest, e))
        goto out;
    if (digest && img_verify(&body, digest, im->ref, e))
        goto out;
    if (!(doc = img_parse_json(&body, im->ref, e)))
        goto out;
    if (!digest) {
        char d[SHA256_STR_LEN];
        sha256_str(body.buf ? body.buf : "", body.len, d);
        digest = xstrdup(d);
    }
    if (img_is_index(doc, mt)) {
        im->index_digest = digest;
        digest = NULL;
        if (img_pick(doc, o->platform, im->ref, &pick, &size, e) || !pick)
            goto out;
        sb_setlen(&body, 0);
        sb_addf(&what, "manifest %s of %s", pick, im->ref);
        if (b->ops->manifest(b, pick, &body, e) ||
            (size >= 0 && (int64_t)body.len != size &&
             err_set(e, "%s: %zu bytes, the index says %lld", sb_str(&what),
                     body.len, (long long)size)) ||
            img_verify(&body, pick, sb_str(&what), e))
            goto out;
        json_decref(doc);
        free(mt);
        mt = NULL;
        if (!(doc = img_parse_json(&body, sb_str(&what), e)))
            goto out;
        if (img_is_index(doc, NULL)) {
            err_set(e, "%s: an index inside an index is not supported",
                    sb_str(&what));
            goto out;
        }
        digest = pick;
        pick = NULL;
    } else {
        sb_addf(&what, "manifest of %s", im->ref);
    }
    im->manifest_digest = digest;
    digest = NULL;
    if (json_integer_value(json_object_get(doc, "schemaVersion")) == 1 ||
        (mt && strncmp(mt, MT_DOCKER_V1, strlen(MT_DOCKER_V1)) == 0)) {
        err_set(e,
                "%s: Docker schema 1 manifest (deprecated, unsigned layers "
                "cannot be verified): not supported",
                sb_str(&what));
        goto out;
    }
    im->manifest_media_type =
        xstrdup(img_str(doc, "mediaType") ? img_str(doc, "mediaType")
                                          : (mt && *mt ? mt : MT_OCI_MANIFEST));
    cfgd = json_object_get(doc, "config");
    layers = json_object_get(doc, "layers");
    if (!json_is_object(cfgd) || !img_digest_ok(img_str(cfgd, "digest")) ||
        !json_is_array(layers)) {
        err_set(e, "%s: not an image manifest (needs config.digest and layers)",
                sb_str(&what));
        goto out;
    }
    if (json_array_size(layers) > IMG_LAYERS_MAX) {
        err_set(e, "%s: %zu layers (more than %d)", sb_str(&what),
                json_array_size(layers), IMG_LAYERS_MAX);
        goto out;
    }
    im->config_digest = xstrdup(img_str(cfgd, "digest"));
    sb_setlen(&what, 0);
    sb_addf(&what, "config %s of %s", im->config_digest, im->ref);
    sb_setlen(&body, 0);
    if (img_read_blob(b, im->config_digest,
                      json_is_integer(json_object_get(cfgd, "size"))
                          ? json_integer_value(json_object_get(cfgd, "size"))
                          : -1,
                      IMG_CONFIG_MAX, sb_str(&what), &body, e) ||
        !(im->config = img_parse_json(&body, sb_str(&what), e)))
        goto out;
    im->manifest = doc;
    doc = NULL;
    diffs = json_object_get(json_object_get(im->config, "rootfs"), "diff_ids");
    im->layers = xcalloc(json_array_size(layers) + 1, sizeof(*im->layers));
    json_array_foreach(layers, i, l)
    {
        struct img_layer *il = &im->layers[i];
        const json_t *sz = json_object_get(l, "size");
        if (!img_digest_ok(img_str(l, "digest"))) {
            err_set(e, "manifest of %s: layers[%zu]: bad or missing digest",
                    im->ref, i);
            goto out;
        }
        il->digest = xstrdup(img_str(l, "digest"));
        il->media_type =
            img_str(l, "mediaType") ? xstrdup(img_str(l, "mediaType")) : NULL;
        il->size = json_is_integer(sz) ? json_integer_value(sz) : -1;
        if (img_digest_ok(json_string_value(json_array_get(diffs, i))))
            il->diff_id = xstrdup(json_string_value(json_array_get(diffs, i)));
        im->nlayers = i + 1;
    }
    rc = 0;
out:
    json_decref(doc);
    free(mt);
    free(digest);
    free(pick);
    sb_release(&body);
    sb_release(&what);
    return rc;
}

/* Platform as the config says ("linux/arm64/v8"). */
static void img_config_platform(struct img *im)
{
    struct strbuf sb = STRBUF_INIT;

    img_platform_name(im->config, &sb);
    im->platform = sb_detach(&sb);
}

/* ---- files ---- */

/* Pushes len bytes of fd from off to `to`. */
int img_push_range(int fd, uint64_t off, uint64_t len, const char *what,
                   struct sink *to, struct err *e)
{
    static const size_t chunk = 256 * 1024;
    char *buf = xmalloc(chunk);
    int rc = 0;

    while (len > 0 && rc == 0) {
        size_t want = len < chunk ? (size_t)len : chunk;
        ssize_t n = pread(fd, buf, want, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = err_set(e, "%s: read error: %s", what, strerror(errno));
            break;
        }
        if (n == 0) /* the file ended early: the sink's close says so */
            break;
        rc = to->write(to, buf, (size_t)n, e);
        off += (uint64_t)n;
        len -= (uint64_t)n;
    }
    free(buf);
    return rc;
}

static int img_read_file(const char *path, size_t max, struct strbuf *out,
                         struct err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    int rc;

    if (fd < 0)
        return err_set(e, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(e, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return err_set(e, "%s: larger than %zu MiB", path, max >> 20);
    }
    {
        struct img_buf_sink bs;
        img_buf_sink_init(&bs, out, max, path);
        rc = img_push_range(fd, 0, (uint64_t)st.st_size, path, &bs.base, e);
    }
    close(fd);
    return rc;
}

/* ---- oci: image layout directories ---- */

struct oci_backend {
    struct img_backend base;
    char *dir;
    char *tag;       /* NULL: the only manifest */
    char *digest;    /* @digest given */
    char *found_tag; /* the chosen manifest's ref.name annotation */
};

static int oci_blob_path(struct oci_backend *ob, const char *digest,
                         struct strbuf *path, struct err *e)
{
    if (!img_digest_ok(digest))
        return err_set(e, "%s: bad digest \"%s\"", ob->base.what, digest);
    sb_addf(path, "%s/blobs/%.6s/%s", ob->dir, digest, digest + 7);
    return 0;
}

static int oci_blob(struct img_backend *b, const char *digest, struct sink *to,
                    struct err *e)
{
    struct oci_backend *ob = (struct oci_backend *)b;
    struct strbuf path = STRBUF_INIT;
    struct stat st;
    int fd = -1, rc = -1;

    if (oci_blob_path(ob, digest, &path, e))
        goto out;
    /* "sha256" is 6 characters; sha512 needs its full name. */
    if (strncmp(digest, "sha512:", 7) == 0) {
        sb_setlen(&path, 0);
        sb_addf(&path, "%s/blobs/sha512/%s", ob->dir, digest + 7);
    }
    fd = open(sb_str(&path), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        err_set(e, "%s: blob %s: %s", b->what, digest, strerror(errno));
        goto out;
    }
    rc = img_push_range(fd, 0, (uint64_t)st.st_size, sb_str(&path), to, e);
out:
    if (fd >= 0)
        close(fd);
    sb_release(&path);
    return rc;
}

static int oci_manifest(struct img_backend *b, const char *digest,
                        struct strbuf *body, struct err *e)
{
    struct img_buf_sink bs;

    img_buf_sink_init(&bs, body, IMG_DOC_MAX, b->what);
    return oci_blob(b, digest, &bs.base, e);
}

static int oci_root(struct img_backend *b, struct strbuf *body,
                    char **media_type, char **digest, struct err *e)
{
    struct oci_backend *ob = (struct oci_backend *)b;
    struct strbuf path = STRBUF_INIT, text = STRBUF_INIT, tags = STRBUF_INIT;
    json_t *idx = NULL, *layout = NULL, *d, *found = NULL;
    size_t i, n = 0;
    int rc = -1;

    sb_addf(&path, "%s/oci-layout", ob->dir);
    if (img_read_file(sb_str(&path), 4096, &text, e)) {
        err_set(e, "%s: not an OCI image layout (no readable oci-layout file)",
                ob->dir);
        goto out;
    }
    if (!(layout = img_parse_json(&text, sb_str(&path), e)))
        goto out;
    if (!img_str(layout, "imageLayoutVersion") ||
        strncmp(img_str(layout, "imageLayoutVersion"), "1.", 2) != 0) {
        err_set(e, "%s: unsupported imageLayoutVersion", sb_str(&path));
        goto out;
    }
    sb_setlen(&path, 0);
    sb_setlen(&text, 0);
    sb_addf(&path, "%s/index.json", ob->dir);
    if (img_read_file(sb_str(&path), IMG_DOC_MAX, &text, e) ||
        !(idx = img_parse_json(&text, sb_str(&path), e)))
        goto out;
    if (!json_is_array(json_object_get(idx, "manifests"))) {
        err_set(e, "%s: no \"manifests\" list", sb_str(&path));
        goto out;
    }
    json_array_foreach(json_object_get(idx, "manifests"), i, d)
    {
        const char *name = img_str(json_object_get(d, "annotations"),
                                   "org.opencontainers.image.ref.name");
        const char *dg = img_str(d, "digest");
        int match = ob->digest ? dg && strcmp(dg, ob->digest) == 0
                    : ob->tag  ? name && strcmp(name, ob->tag) == 0
                               : 1;
        if (name) {
            if (tags.len)
                sb_adds(&tags, ", ");
            sb_adds(&tags, name);
        }
        if (match) {
            n++;
            if (!found)
                found = d;
        }
    }
    if (!found || (n > 1 && !ob->tag && !ob->digest)) {
        err_set(e,
                "%s: %s (index.json has %zu manifest%s%s%s); name one "
                "as oci:%s:TAG",
                b->what,
                !found ? "no such image" : "several images and no tag given",
                json_array_size(json_object_get(idx, "manifests")),
                json_array_size(json_object_get(idx, "manifests")) == 1 ? ""
                                                                        : "s",
                tags.len ? ": " : "", sb_str(&tags), ob->dir);
        goto out;
    }
    if (!img_digest_ok(img_str(found, "digest"))) {
        err_set(e, "%s: index.json: bad digest for the image", b->what);
        goto out;
    }
    *digest = xstrdup(img_str(found, "digest"));
    {
        const char *name = img_str(json_object_get(found, "annotations"),
                                   "org.opencontainers.image.ref.name");
        ob->found_tag = name ? xstrdup(name) : NULL;
    }
    /* Without a tag: the tag the layout gives the image it chose. */
    b->tag = ob->tag ? ob->tag : ob->digest ? NULL : ob->found_tag;
    b->digest = ob->digest;
    *media_type = img_str(found, "mediaType")
                      ? xstrdup(img_str(found, "mediaType"))
                      : NULL;
    rc = oci_manifest(b, *digest, body, e);
out:
    json_decref(idx);
    json_decref(layout);
    sb_release(&path);
    sb_release(&text);
    sb_release(&tags);
    return rc;
}

static void oci_free(struct img_backend *b)
{
    struct oci_backend *ob = (struct oci_backend *)b;

    free(ob->dir);
    free(ob->tag);
    free(ob->digest);
    free(ob->found_tag);
    free(ob);
}

static const struct img_backend_ops oci_ops = {.root = oci_root,
                                               .manifest = oci_manifest,
                                               .blob = oci_blob,
                                               .free = oci_free};

/* "oci:DIR[:TAG]" or "oci:DIR@DIGEST": a ':' or '@' followed by no '/'
 * ends the directory, unless DIR with it is itself a directory. */
static int oci_split(const char *spec, char **dir, char **tag, char **digest,
                     struct err *e)
{
    const char *at = strrchr(spec, '@'), *colon = strrchr(spec, ':');
    struct stat st;

    *dir = *tag = *digest = NULL;
    if (at && !strchr(at, '/') && img_digest_ok(at + 1)) {
        *dir = xstrndup(spec, (size_t)(at - spec));
        *digest = xstrdup(at + 1);
    } else if (colon && !strchr(colon, '/') && colon[1] &&
               !(stat(spec, &st) == 0 && S_ISDIR(st.st_mode))) {
        *dir = xstrndup(spec, (size_t)(colon - spec));
        *tag = xstrdup(colon + 1);
    } else {
        *dir = xstrdup(spec);
    }
    if (!**dir)
        return err_set(e, "oci:%s: no directory given", spec);
    return 0;
}

static int oci_open(struct img *im, const char *spec, struct err *e)
{
    struct oci_backend *ob = xcalloc(1, sizeof(*ob));

    ob->base.ops = &oci_ops;
    ob->base.what = im->ref;
    im->backend = &ob->base;
    return oci_split(spec, &ob->dir, &ob->tag, &ob->digest, e);
}

/* ---- registries ---- */

struct reg_backend {
    struct img_backend base;
    struct distrib_ref ref;
    struct distrib *d;
};

static int reg_root(struct img_backend *b, struct strbuf *body,
                    char **media_type, char **digest, struct err *e)
{
    struct reg_backend *rb = (struct reg_backend *)b;
    const char *reference = rb->ref.digest ? rb->ref.digest : rb->ref.tag;

    if (distrib_get_manifest(rb->d, reference, body, media_type, e))
        return -1;
    *digest = rb->ref.digest ? xstrdup(rb->ref.digest) : NULL;
    return 0;
}

static int reg_manifest(struct img_backend *b, const char *digest,
                        struct strbuf *body, struct err *e)
{
    struct reg_backend *rb = (struct reg_backend *)b;
    char *mt = NULL;
    int rc = distrib_get_manifest(rb->d, digest, body, &mt, e);

    free(mt);
    return rc;
}

static int reg_blob(struct img_backend *b, const char *digest, struct sink *to,
                    struct err *e)
{
    return distrib_get_blob(((struct reg_backend *)b)->d, digest, to, e);
}

static void reg_free(struct img_backend *b)
{
    struct reg_backend *rb = (struct reg_backend *)b;

    distrib_free(rb->d);
    distrib_ref_release(&rb->ref);
    free(rb);
}

static const struct img_backend_ops reg_ops = {.root = reg_root,
                                               .manifest = reg_manifest,
                                               .blob = reg_blob,
                                               .free = reg_free};

static int reg_open(struct img *im, const char *spec, const struct img_opts *o,
                    struct err *e)
{
    struct reg_backend *rb = xcalloc(1, sizeof(*rb));

    rb->base.ops = &reg_ops;
    rb->base.what = im->ref;
    im->backend = &rb->base;
    if (distrib_ref_parse(spec, &rb->ref, e))
        return -1;
    rb->base.tag = rb->ref.tag;
    rb->base.digest = rb->ref.digest;
    rb->d = distrib_new(&rb->ref, o, e);
    return rb->d ? 0 : -1;
}

/* ---- the API ---- */

static const char *img_transport(const char *ref, const char **spec)
{
    if (strncmp(ref, "oci:", 4) == 0) {
        *spec = ref + 4;
        return "oci";
    }
    if (strncmp(ref, "docker-archive:", 15) == 0) {
        *spec = ref + 15;
        return "docker-archive";
    }
    *spec = strncmp(ref, "docker://", 9) == 0 ? ref + 9 : ref;
    return "registry";
}

int img_ref_check(const char *ref, struct err *e)
{
    const char *spec;
    const char *t = img_transport(ref, &spec);

    if (!*spec)
        return err_set(e, "--image %s: nothing after the transport", ref);
    /* A local source that is not there is a usage error, as for paths. */
    if (strcmp(t, "oci") == 0) {
        char *dir, *tag, *digest;
        struct stat st;
        int rc = oci_split(spec, &dir, &tag, &digest, e);
        if (rc == 0 && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
            rc = err_set(e, "--image %s: %s: %s", ref, dir,
                         stat(dir, &st) != 0 ? strerror(errno)
                                             : "not a directory");
        free(dir);
        free(tag);
        free(digest);
        return rc;
    }
    if (strcmp(t, "docker-archive") == 0)
        return img_archive_check(ref, spec, e);
    if (strcmp(t, "registry") == 0) {
        struct distrib_ref r;
        int rc;
        if (strchr(spec, ':') && strncmp(ref, "docker://", 9) != 0 &&
            strchr(spec, '/') == NULL && access(spec, F_OK) == 0)
            return err_set(e,
                           "--image %s: a file; write oci:DIR or "
                           "docker-archive:FILE",
                           ref);
        rc = distrib_ref_parse(spec, &r, e);
        if (rc == 0)
            distrib_ref_release(&r);
        return rc ? err_prefix(e, "--image") : 0;
    }
    return 0;
}

int img_open(const char *ref, const struct img_opts *o, struct img **out,
             struct err *e)
{
    struct img *im = xcalloc(1, sizeof(*im));
    const char *spec;
    int rc;

    im->ref = xstrdup(ref);
    im->transport = xstrdup(img_transport(ref, &spec));
    if (strcmp(im->transport, "oci") == 0)
        rc = oci_open(im, spec, e);
    else if (strcmp(im->transport, "docker-archive") == 0)
        rc = img_archive_open(im, spec, e);
    else
        rc = reg_open(im, spec, o, e);
    if (rc == 0)
        rc = img_resolve(im, o, e);
    if (rc) {
        img_free(im);
        return -1;
    }
    img_config_platform(im);
    im->tag = im->backend->tag ? xstrdup(im->backend->tag) : NULL;
    im->ref_digest = im->backend->digest ? xstrdup(im->backend->digest) : NULL;
    if (im->backend->ops->opened)
        im->backend->ops->opened(im->backend, im);
    *out = im;
    return 0;
}

int img_layer_stream(struct img *im, size_t i, struct sink *to, struct err *e)
{
    if (i >= im->nlayers)
        return err_set(e, "%s: no layer %zu", im->ref, i);
    if (im->backend->ops->layer)
        return im->backend->ops->layer(im->backend, i, to, e);
    return im->backend->ops->blob(im->backend, im->layers[i].digest, to, e);
}

void img_free(struct img *im)
{
    size_t i;

    if (!im)
        return;
    if (im->backend)
        im->backend->ops->free(im->backend);
    for (i = 0; i < im->nlayers; i++) {
        free(im->layers[i].digest);
        free(im->layers[i].media_type);
        free(im->layers[i].diff_id);
    }
    free(im->layers);
    json_decref(im->manifest);
    json_decref(im->config);
    free(im->ref);
    free(im->transport);
    free(im->manifest_digest);
    free(im->index_digest);
    free(im->manifest_media_type);
    free(im->platform);
    free(im->tag);
    free(im->ref_digest);
    free(im->config_digest);
    free(im);
}
