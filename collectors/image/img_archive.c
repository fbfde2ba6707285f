/*
 * img_archive.c: `docker save` archives as an image source (see img.h).
 * Both layouts are read: the old one (manifest.json naming "<id>.json"
 * configs and "<id>/layer.tar" layers, checked by the config's diff_ids)
 * and the OCI-style one of Docker 25+ (members named blobs/sha256/<hex>,
 * checked by their names). One pass over the tar finds where each member's
 * bytes are; layers are then read from there, never extracted.
 */
#include "img_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "redact.h"
#include "tar.h"
#include "banned.h"

struct da_entry {
    char *name;
    uint64_t off, size;
    char *link; /* symlink or hard link target, normalised; NULL */
};

struct da_backend {
    struct img_backend base;
    char *file;
    char *want; /* "repo:tag" or NULL */
    int fd;
    struct da_entry *ents;
    size_t n, cap;
    struct strbuf manifest; /* manifest.json, read during the index pass */
    int in_manifest;
    json_t *layers; /* the chosen image's "Layers": member names */
};

static int da_index_entry(void *ctx, const struct tar_entry *te, struct err *e)
{
    struct da_backend *db = ctx;
    struct da_entry *de;

    (void)e;
    db->in_manifest = strcmp(te->path, "manifest.json") == 0;
    if (te->type != TAR_FILE && te->type != TAR_SYMLINK &&
        te->type != TAR_HARDLINK)
        return 0;
    if (db->n == db->cap) {
        db->cap = db->cap ? db->cap * 2 : 64;
        db->ents = xrealloc(db->ents, db->cap * sizeof(*db->ents));
    }
    de = &db->ents[db->n++];
    de->name = xstrdup(te->path);
    de->off = te->data_offset;
    de->size = (uint64_t)te->stored_size;
    de->link = NULL;
    if (te->type == TAR_HARDLINK) {
        de->link = xstrdup(te->linkname);
    } else if (te->type == TAR_SYMLINK) {
        /* Relative to the link's directory ("../abc/layer.tar"). */
        struct strbuf full = STRBUF_INIT, norm = STRBUF_INIT;
        const char *slash = strrchr(te->path, '/');
        if (te->linkname[0] != '/' && slash)
            sb_add(&full, te->path, (size_t)(slash - te->path + 1));
        sb_adds(&full, te->linkname);
        tar_path_normalise(&norm, sb_str(&full), full.len);
        de->link = sb_detach(&norm);
        sb_release(&full);
    }
    return 0;
}

static int da_index_data(void *ctx, const void *buf, size_t len, struct err *e)
{
    struct da_backend *db = ctx;

    if (!db->in_manifest)
        return 0;
    if (db->manifest.len + len > IMG_DOC_MAX)
        return err_set(e, "%s: manifest.json larger than 4 MiB", db->file);
    sb_add(&db->manifest, buf, len);
    return 0;
}

static const struct da_entry *da_find(struct da_backend *db, const char *name)
{
    struct strbuf norm = STRBUF_INIT;
    const struct da_entry *found = NULL;
    int hops;
    size_t i;

    tar_path_normalise(&norm, name, strlen(name));
    for (hops = 0; hops < 16; hops++) {
        found = NULL;
        for (i = 0; i < db->n; i++)
            if (strcmp(db->ents[i].name, sb_str(&norm)) == 0)
                found = &db->ents[i]; /* the last one wins, as tar does */
        if (!found || !found->link)
            break;
        sb_setlen(&norm, 0);
        sb_adds(&norm, found->link);
        found = NULL;
    }
    sb_release(&norm);
    return found;
}

/* One pass over the archive: where every member's bytes are. */
static int da_index(struct da_backend *db, struct err *e)
{
    static const struct tar_handler h = {da_index_entry, da_index_data, NULL};
    struct sink *ts = tar_sink_new(&h, db, db->file);
    struct stat st;
    int rc;

    if (fstat(db->fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = err_set(e, "%s: not a regular file", db->file);
    else
        rc = img_push_range(db->fd, 0, (uint64_t)st.st_size, db->file, ts, e);
    if (rc == 0)
        rc = ts->close(ts, e);
    ts->free(ts);
    return rc;
}

static int da_push(struct da_backend *db, const char *name, struct sink *to,
                   struct err *e)
{
    const struct da_entry *de = da_find(db, name);
    struct strbuf what = STRBUF_INIT;
    int rc;

    if (!de)
        return err_set(e, "%s: %s is not in the archive", db->file, name);
    sb_addf(&what, "%s: %s", db->file, name);
    rc = img_push_range(db->fd, de->off, de->size, sb_str(&what), to, e);
    sb_release(&what);
    return rc;
}

/* A member named blobs/<alg>/<hex> is named by its digest. */
static char *da_name_digest(const char *name)
{
    struct strbuf sb = STRBUF_INIT;
    const char *p = strncmp(name, "blobs/", 6) == 0 ? name + 6 : NULL;
    const char *slash = p ? strchr(p, '/') : NULL;

    if (!slash)
        return NULL;
    sb_add(&sb, p, (size_t)(slash - p));
    sb_addf(&sb, ":%s", slash + 1);
    if (!img_digest_ok(sb_str(&sb))) {
        sb_release(&sb);
        return NULL;
    }
    return sb_detach(&sb);
}

static const json_t *da_choose(struct da_backend *db, const json_t *m,
                               struct err *e)
{
    const json_t *ent, *tag, *found = NULL;
    struct strbuf tags = STRBUF_INIT;
    size_t i, j;

    json_array_foreach(m, i, ent)
    {
        json_array_foreach(json_object_get(ent, "RepoTags"), j, tag)
        {
            if (json_is_string(tag)) {
                if (tags.len)
                    sb_adds(&tags, ", ");
                sb_adds(&tags, json_string_value(tag));
                if (db->want && !found &&
                    strcmp(json_string_value(tag), db->want) == 0)
                    found = ent;
            }
        }
    }
    if (!db->want && json_array_size(m) == 1)
        found = json_array_get(m, 0);
    if (!found)
        err_set(e, "%s: %s (manifest.json has %zu image%s%s%s)", db->base.what,
                db->want ? "no image with that tag"
                         : "several images and no tag given",
                json_array_size(m), json_array_size(m) == 1 ? "" : "s",
                tags.len ? ": " : "", sb_str(&tags));
    sb_release(&tags);
    return found;
}

static int da_root(struct img_backend *b, struct strbuf *body,
                   char **media_type, char **digest, struct err *e)
{
    struct da_backend *db = (struct da_backend *)b;
    struct strbuf what = STRBUF_INIT;
    const json_t *ent, *layers, *l;
    json_t *m = NULL, *man = NULL, *ls;
    const char *cfg;
    char *cd = NULL;
    size_t i;
    int rc = -1;

    (void)digest;
    if (da_index(db, e))
        goto out;
    if (!da_find(db, "manifest.json")) {
        err_set(e, "%s: no manifest.json (not a docker save archive)",
                db->file);
        goto out;
    }
    sb_addf(&what, "%s: manifest.json", db->file);
    {
        json_error_t je;
        m = json_loadb(db->manifest.buf ? db->manifest.buf : "",
                       db->manifest.len, JSON_REJECT_DUPLICATES, &je);
        if (!m || !json_is_array(m)) {
            if (!m)
                redact_json_error(je.text);
            err_set(e, "%s: %s", sb_str(&what),
                    m ? "not a JSON array" : je.text);
            goto out;
        }
    }
    if (!(ent = da_choose(db, m, e)))
        goto out;
    cfg = img_str(ent, "Config");
    layers = json_object_get(ent, "Layers");
    if (!cfg || !json_is_array(layers)) {
        err_set(e, "%s: entry without Config or Layers", sb_str(&what));
        goto out;
    }
    /* The old layout names the config "<hex>.json": its digest. */
    if (!(cd = da_name_digest(cfg)) && strlen(cfg) == 69 &&
        str_has_suffix(cfg, ".json")) {
        struct strbuf sb = STRBUF_INIT;
        sb_addf(&sb, "sha256:%.64s", cfg);
        cd = img_digest_ok(sb_str(&sb)) ? sb_detach(&sb) : NULL;
        sb_release(&sb);
    }
    if (!cd) {
        err_set(e, "%s: Config \"%s\" is not named by its digest",
                sb_str(&what), cfg);
        goto out;
    }
    /* A manifest of our own, so that resolution is the same for all. */
    ls = json_array();
    json_array_foreach(layers, i, l)
    {
        char *ld =
            json_is_string(l) ? da_name_digest(json_string_value(l)) : NULL;
        if (!json_is_string(l)) {
            json_decref(ls);
            err_set(e, "%s: Layers[%zu] is not a string", sb_str(&what), i);
            goto out;
        }
        /* Not named by a digest: "da:<index>" (checked by diff_id). */
        if (!ld) {
            struct strbuf sb = STRBUF_INIT;
            sb_addf(&sb, "sha256:%064zx", i);
            ld = sb_detach(&sb);
        }
        json_array_append_new(ls, json_pack("{s:s, s:s}", "digest", ld,
                                            "x-fourc-member",
                                            json_string_value(l)));
        free(ld);
    }
    db->layers = json_incref((json_t *)layers);
    man = json_pack("{s:i, s:{s:s}, s:o}", "schemaVersion", 2, "config",
                    "digest", cd, "layers", ls);
    {
        char *s = json_dumps(man, JSON_COMPACT);
        sb_adds(body, s);
        free(s);
    }
    *media_type = xstrdup("application/vnd.fourc.docker-archive.manifest");
    rc = 0;
out:
    json_decref(m);
    json_decref(man);
    free(cd);
    sb_release(&what);
    return rc;
}

/* Layer i: the member manifest.json names (verified by the caller, by its
 * digest or its diff_id). */
static int da_layer(struct img_backend *b, size_t i, struct sink *to,
                    struct err *e)
{
    struct da_backend *db = (struct da_backend *)b;
    const char *member = json_string_value(json_array_get(db->layers, i));

    return member ? da_push(db, member, to, e)
                  : err_set(e, "%s: layer %zu not found", b->what, i + 1);
}

/* The old layout names layers by no digest: the generic reading gave them
 * placeholders, which go (diff_ids check them instead), and the manifest
 * it read is ours, not the image's. */
static void da_opened(struct img_backend *b, struct img *im)
{
    json_t *ls = json_object_get(im->manifest, "layers");
    size_t i;

    (void)b;
    for (i = 0; i < im->nlayers; i++) {
        const char *member = img_str(json_array_get(ls, i), "x-fourc-member");
        char *d = da_name_digest(member ? member : "");
        if (!d) {
            free(im->layers[i].digest);
            im->layers[i].digest = NULL;
        }
        free(d);
    }
    json_decref(im->manifest);
    im->manifest = NULL;
    free(im->manifest_digest);
    im->manifest_digest = NULL;
    free(im->manifest_media_type);
    im->manifest_media_type = NULL;
}

static int da_manifest(struct img_backend *b, const char *digest,
                       struct strbuf *body, struct err *e)
{
    (void)body;
    return err_set(e, "%s: %s: docker archives hold no indexes", b->what,
                   digest);
}

static int da_blob(struct img_backend *b, const char *digest, struct sink *to,
                   struct err *e)
{
    struct da_backend *db = (struct da_backend *)b;
    struct strbuf name = STRBUF_INIT;
    int rc;

    /* The config, or an OCI-style member. */
    sb_addf(&name, "blobs/%.6s/%s", digest, digest + 7);
    if (!da_find(db, sb_str(&name))) {
        sb_setlen(&name, 0);
        sb_addf(&name, "%s.json", digest + 7);
    }
    rc = da_push(db, sb_str(&name), to, e);
    sb_release(&name);
    return rc;
}

static void da_free(struct img_backend *b)
{
    struct da_backend *db = (struct da_backend *)b;
    size_t i;

    for (i = 0; i < db->n; i++) {
        free(db->ents[i].name);
        free(db->ents[i].link);
    }
    free(db->ents);
    if (db->fd >= 0)
        close(db->fd);
    free(db->file);
    free(db->want);
    sb_release(&db->manifest);
    json_decref(db->layers);
    free(db);
}

static const struct img_backend_ops da_ops = {.root = da_root,
                                              .manifest = da_manifest,
                                              .blob = da_blob,
                                              .layer = da_layer,
                                              .opened = da_opened,
                                              .free = da_free};

int img_archive_open(struct img *im, const char *spec, struct err *e)
{
    struct da_backend *db = xcalloc(1, sizeof(*db));
    const char *colon = strchr(spec, ':');
    struct stat st;

    db->base.ops = &da_ops;
    db->base.what = im->ref;
    db->fd = -1;
    im->backend = &db->base;
    /* FILE:REPO:TAG, unless the whole spec is a file. */
    if (colon && !(stat(spec, &st) == 0 && S_ISREG(st.st_mode))) {
        db->file = xstrndup(spec, (size_t)(colon - spec));
        db->want = xstrdup(colon + 1);
    } else {
        db->file = xstrdup(spec);
    }
    {
        const char *colon2 = db->want ? strrchr(db->want, ':') : NULL;
        db->base.tag = colon2 && !strchr(colon2, '/') ? colon2 + 1 : NULL;
    }
    db->fd = open(db->file, O_RDONLY | O_CLOEXEC);
    if (db->fd < 0)
        return err_set(e, "%s: %s", db->file, strerror(errno));
    return 0;
}

int img_archive_check(const char *ref, const char *spec, struct err *e)
{
    const char *colon = strchr(spec, ':');
    char *file = colon && access(spec, F_OK) != 0
                     ? xstrndup(spec, (size_t)(colon - spec))
                     : xstrdup(spec);
    int rc = access(file, R_OK) != 0
                 ? err_set(e, "--image %s: %s: %s", ref, file, strerror(errno))
                 : 0;

    free(file);
    return rc;
}
