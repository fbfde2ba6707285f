/*
 * image.c: container images become resources (the image collector).
 *
 *   image/Config      the verified config: user, env (redacted), ports,
 *                     healthcheck, entrypoint/cmd, labels, history and
 *                     the history as Dockerfile instructions, so that the
 *                     cis-docker rules written for Dockerfiles judge it too
 *   image/Filesystem  the final filesystem's notable files by category
 *                     (setuid, setgid, world-writable, private keys,
 *                     credential files, unsafe paths): one verdict per
 *                     image for image-wide rules
 *   image/File, image/Account, image/Package, image/OS   (imagefs.h)
 *
 * Each layer streams once: blob digest -> decompression -> diff_id digest
 * -> tar -> imagefs, so memory does not grow with the image. A layer that
 * cannot be read (wrong digest, truncated, corrupt) is an `error` finding
 * naming the image and the blob, and every rule on the filesystem kinds
 * gets `error` for this image: an incomplete filesystem is never judged.
 */
#include "collector.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decomp.h"
#include "image_history.h"
#include "imagefs.h"
#include "img.h"
#include "log.h"
#include "redact.h"
#include "userspec.h"
#include "util.h"
#include "banned.h"

/* Kinds that come from the filesystem, judged only when it is whole (as
 * prefixes: "image/File" is image/File and image/Filesystem). */
static const char *const image_fs_kinds[] = {"image/File", "image/Account",
                                             "image/Package", "image/OS", NULL};

/* ---- progress: bytes of compressed layers read ---- */

struct image_progress {
    struct sink base;
    struct sink *next;
    uint64_t done, total;
    const char *item;
};

static int image_progress_write(struct sink *s, const void *buf, size_t len,
                                struct err *e)
{
    struct image_progress *p = (struct image_progress *)s;

    p->done += len;
    progress_update((size_t)(p->done >> 20), p->item);
    return p->next->write(p->next, buf, len, e);
}

static int image_progress_close(struct sink *s, struct err *e)
{
    struct image_progress *p = (struct image_progress *)s;
    return p->next->close(p->next, e);
}

static void image_progress_free(struct sink *s)
{
    (void)s;
}

/* ---- the config document ---- */

static json_t *image_str_or_null(const char *s)
{
    return s && *s ? json_string_lossy(s) : json_null();
}

/* "KEY=VALUE" list -> object, credential-looking values redacted. */
static json_t *image_env(const json_t *env, json_t *redacted_names)
{
    json_t *out = json_object(), *v;
    size_t i;

    json_array_foreach(env, i, v)
    {
        const char *s = json_string_value(v), *eq;
        char *name, *r;
        if (!s)
            continue;
        eq = strchr(s, '=');
        name = eq ? xstrndup(s, (size_t)(eq - s)) : xstrdup(s);
        if (eq && *(eq + 1) &&
            (redact_name_is_secret(name) || redact_value_is_secret(eq + 1))) {
            json_object_set_new(out, name,
                                redact_value(eq + 1, strlen(eq + 1)));
            json_array_append_new(redacted_names, json_string_lossy(name));
        } else if (eq && (r = redact_shell(eq + 1, strlen(eq + 1)))) {
            /* JAVA_OPTS=-Ddb.password=X: the credential inside */
            json_object_set_new(out, name, json_string_lossy(r));
            json_array_append_new(redacted_names, json_string_lossy(name));
            free(r);
        } else {
            json_object_set_new(out, name,
                                eq ? json_string_lossy(eq + 1) : json_null());
        }
        free(name);
    }
    return out;
}

static json_t *image_labels(const json_t *labels, json_t *redacted_names)
{
    json_t *out = json_object(), *v;
    const char *k;

    json_object_foreach((json_t *)labels, k, v)
    {
        const char *s = json_string_value(v);
        char *r;
        if (s && (redact_name_is_secret(k) || redact_value_is_secret(s))) {
            json_object_set_new(out, k, redact_value(s, strlen(s)));
            json_array_append_new(redacted_names, json_string_lossy(k));
        } else if (s && (r = redact_shell(s, json_string_length(v)))) {
            json_object_set_new(out, k, json_string_lossy(r));
            json_array_append_new(redacted_names, json_string_lossy(k));
            free(r);
        } else {
            json_object_set(out, k, v);
        }
    }
    return out;
}

/* ExposedPorts {"22/tcp": {}} -> ["22/tcp"] and the instruction shape. */
static void image_ports(const json_t *exposed, json_t *doc)
{
    json_t *names = json_array(), *ports = json_array(), *v;
    const char *k;

    json_object_foreach((json_t *)exposed, k, v)
    {
        char *end;
        long p = strtol(k, &end, 10);
        const char *proto = *end == '/' ? end + 1 : "tcp";
        json_array_append_new(names, json_string_lossy(k));
        json_array_append_new(
            ports,
            json_pack("{s:o, s:o, s:o}", "port",
                      end != k ? json_integer(p) : json_null(), "end_port",
                      end != k ? json_integer(p) : json_null(), "proto",
                      json_string_lossy(proto)));
    }
    json_object_set_new(doc, "exposed_ports", names);
    json_object_set_new(doc, "ports", ports);
}

/* Cmd, Entrypoint, Healthcheck.Test: a copy, credentials redacted
 * (mysql -pX, --token X, CMD-SHELL "curl -u user:X ..."). */
static json_t *image_argv(const json_t *argv, int *redacted)
{
    json_t *copy;

    if (!json_is_array(argv))
        return argv ? json_deep_copy(argv) : json_null();
    copy = json_deep_copy(argv);
    if (copy && redact_argv(copy))
        *redacted = 1;
    return copy ? copy : json_null();
}

static void image_healthcheck(const json_t *hc, json_t *doc, int *redacted)
{
    const json_t *test = json_object_get(hc, "Test");
    const char *t0 = json_string_value(json_array_get(test, 0));

    if (!t0) {
        json_object_set_new(doc, "healthcheck", json_null());
        return;
    }
    json_object_set_new(doc, "healthcheck",
                        json_string(strcmp(t0, "NONE") == 0 ? "none" : "cmd"));
    json_object_set_new(doc, "healthcheck_test", image_argv(test, redacted));
}

/* History and the instructions rules judge; created_by is replaced by
 * the parsed (and redacted) instruction wherever one was recognised. */
static void image_history(const json_t *history, json_t *doc, int *redacted)
{
    json_t *hist = json_array(), *ins = json_array(), *h;
    size_t i;

    json_array_foreach(history, i, h)
    {
        const char *cb = json_string_value(json_object_get(h, "created_by"));
        json_t *in = image_history_instruction(cb);
        json_t *entry = json_object();
        json_t *empty = json_object_get(h, "empty_layer");
        char *r;

        json_object_set_new(entry, "created",
                            image_str_or_null(json_string_value(
                                json_object_get(h, "created"))));
        if (in) {
            json_object_set(entry, "created_by", json_object_get(in, "raw"));
            json_object_set_new(in, "history", json_integer((json_int_t)i));
            if (json_is_true(json_object_get(in, "redacted")))
                *redacted = 1;
            json_array_append_new(ins, in);
        } else if (cb && redact_value_is_secret(cb)) {
            json_object_set_new(entry, "created_by",
                                redact_value(cb, strlen(cb)));
            *redacted = 1;
        } else if (cb && (r = redact_shell(cb, strlen(cb))) != NULL) {
            json_object_set_new(entry, "created_by", json_string_lossy(r));
            free(r);
            *redacted = 1;
        } else {
            json_object_set_new(entry, "created_by", image_str_or_null(cb));
        }
        json_object_set_new(entry, "empty_layer",
                            json_boolean(json_is_true(empty)));
        json_object_set_new(entry, "comment",
                            image_str_or_null(json_string_value(
                                json_object_get(h, "comment"))));
        json_array_append_new(hist, entry);
    }
    json_object_set_new(doc, "history", hist);
    json_object_set_new(doc, "instructions", ins);
}

static json_t *image_config_doc(const struct img *im)
{
    const json_t *c = im->config, *cc = json_object_get(c, "config");
    json_t *doc = json_object(), *redacted = json_array(), *layers;
    const char *user = json_string_value(json_object_get(cc, "User"));
    const char *colon = user ? strchr(user, ':') : NULL;
    int more_redacted = 0;
    size_t i;

    json_object_set_new(doc, "image", json_string_lossy(im->ref));
    json_object_set_new(doc, "transport", json_string(im->transport));
    json_object_set_new(doc, "digest", image_str_or_null(im->manifest_digest));
    json_object_set_new(doc, "index_digest",
                        image_str_or_null(im->index_digest));
    json_object_set_new(doc, "media_type",
                        image_str_or_null(im->manifest_media_type));
    json_object_set_new(doc, "config_digest", json_string(im->config_digest));
    json_object_set_new(doc, "platform", json_string_lossy(im->platform));
    json_object_set_new(doc, "tag", image_str_or_null(im->tag));
    json_object_set_new(doc, "reference_digest",
                        image_str_or_null(im->ref_digest));
    json_object_set_new(
        doc, "created",
        image_str_or_null(json_string_value(json_object_get(c, "created"))));
    json_object_set_new(
        doc, "author",
        image_str_or_null(json_string_value(json_object_get(c, "author"))));
    /* As a Dockerfile's final stage: the user part of USER, or null. */
    if (user && *user && colon != user) {
        char *u =
            colon ? xstrndup(user, (size_t)(colon - user)) : xstrdup(user);
        json_object_set_new(doc, "user", json_string_lossy(u));
        free(u);
    } else {
        json_object_set_new(doc, "user", json_null());
    }
    json_object_set_new(doc, "group",
                        image_str_or_null(colon ? colon + 1 : NULL));
    json_object_set_new(doc, "env",
                        image_env(json_object_get(cc, "Env"), redacted));
    json_object_set_new(doc, "env_redacted", json_deep_copy(redacted));
    json_object_set_new(doc, "labels",
                        image_labels(json_object_get(cc, "Labels"), redacted));
    image_ports(json_object_get(cc, "ExposedPorts"), doc);
    image_healthcheck(json_object_get(cc, "Healthcheck"), doc, &more_redacted);
    json_object_set_new(
        doc, "entrypoint",
        image_argv(json_object_get(cc, "Entrypoint"), &more_redacted));
    json_object_set_new(doc, "cmd",
                        image_argv(json_object_get(cc, "Cmd"), &more_redacted));
    json_object_set_new(doc, "working_dir",
                        image_str_or_null(json_string_value(
                            json_object_get(cc, "WorkingDir"))));
    {
        json_t *vols = json_array(), *v;
        const char *k;
        json_object_foreach(json_object_get(cc, "Volumes"), k, v)
            json_array_append_new(vols, json_string_lossy(k));
        json_object_set_new(doc, "volumes", vols);
    }
    json_object_set_new(doc, "stop_signal",
                        image_str_or_null(json_string_value(
                            json_object_get(cc, "StopSignal"))));
    image_history(json_object_get(c, "history"), doc, &more_redacted);
    layers = json_array();
    for (i = 0; i < im->nlayers; i++)
        json_array_append_new(
            layers,
            json_pack("{s:o, s:o, s:I, s:o}", "digest",
                      image_str_or_null(im->layers[i].digest), "media_type",
                      image_str_or_null(im->layers[i].media_type), "size",
                      (json_int_t)im->layers[i].size, "diff_id",
                      image_str_or_null(im->layers[i].diff_id)));
    json_object_set_new(doc, "layers", layers);
    json_object_set_new(
        doc, "redacted",
        json_boolean(json_array_size(redacted) || more_redacted));
    json_decref(redacted);
    return doc;
}

/* ---- layers ---- */

/* ---- a sink that drops what it is given ---- */

static int image_null_write(struct sink *s, const void *buf, size_t len,
                            struct err *e)
{
    (void)s;
    (void)buf;
    (void)len;
    (void)e;
    return 0;
}

static int image_null_close(struct sink *s, struct err *e)
{
    (void)s;
    (void)e;
    return 0;
}

static void image_null_free(struct sink *s)
{
    (void)s;
}

/* After layer i failed: reads the blob again through its digest alone,
 * and when that fails too, replaces e with that (more telling) error. */
static void image_layer_verify(struct img *im, size_t i, const char *what,
                               struct err *e)
{
    struct sink null = {image_null_write, image_null_close, image_null_free};
    struct sink *ds = digest_sink_new(im->layers[i].digest, what, &null);
    struct err ve;
    int rc;

    if (im->layers[i].size >= 0)
        digest_sink_expect_size(ds, im->layers[i].size);
    ve.msg[0] = '\0';
    rc = img_layer_stream(im, i, ds, &ve);
    if (rc == 0)
        rc = ds->close(ds, &ve);
    ds->free(ds);
    if (rc && strstr(ve.msg, "digest mismatch") && e)
        snprintf(e->msg, sizeof(e->msg), "%s", ve.msg);
}

/* Streams layer i into fs. Non-zero with e set when it could not. */
static int image_layer(struct img *im, size_t i, struct imagefs *fs,
                       struct image_progress *prog, const struct img_opts *o,
                       uint64_t *image_used, struct err *e)
{
    const struct img_layer *l = &im->layers[i];
    struct strbuf what = STRBUF_INIT, dwhat = STRBUF_INIT;
    struct sink *ts, *diff = NULL, *dec = NULL, *top = NULL;
    enum decomp_kind kind =
        l->media_type ? decomp_kind_for_media_type(l->media_type) : DECOMP_AUTO;
    int rc = -1;

    sb_addf(&what, "layer %zu (%s) of %s", i + 1,
            l->digest    ? l->digest
            : l->diff_id ? l->diff_id
                         : "no digest",
            im->ref);
    if (kind == DECOMP_UNKNOWN) {
        err_set(e, "%s: media type %s is not a layer fourc can read",
                sb_str(&what), l->media_type);
        goto out;
    }
    if (!l->digest && !l->diff_id) {
        err_set(e, "%s: named by no digest and no diff_id: cannot be verified",
                sb_str(&what));
        goto out;
    }
    if (!(ts = imagefs_layer_sink(fs, (unsigned)i, sb_str(&what)))) {
        err_set(e, "%s: cannot read layers", sb_str(&what));
        goto out;
    }
    if (l->diff_id) {
        sb_addf(&dwhat, "%s, uncompressed (diff_id)", sb_str(&what));
        diff = digest_sink_new(l->diff_id, sb_str(&dwhat), ts);
    }
    dec = decomp_sink_new(kind, sb_str(&what), diff ? diff : ts);
    decomp_sink_limit(
        dec, o->max_layer_size ? o->max_layer_size : IMG_DEFAULT_MAX_LAYER,
        image_used,
        o->max_image_size ? o->max_image_size : IMG_DEFAULT_MAX_IMAGE);
    if (l->digest) {
        top = digest_sink_new(l->digest, sb_str(&what), dec);
        if (l->size >= 0)
            digest_sink_expect_size(top, l->size);
    }
    prog->next = top ? top : dec;
    prog->item = sb_str(&what);
    if (e)
        e->msg[0] = '\0';
    rc = img_layer_stream(im, i, &prog->base, e);
    if (rc == 0)
        rc = prog->base.close(&prog->base, e);
    /* A blob that is not what its digest names usually fails first in
     * the decompressor; say what matters: it is not the blob. Not after a
     * limit: whatever the bytes are, they decompress past it, and reading
     * the blob again (from a registry: downloading it) buys nothing. */
    if (rc && l->digest && !decomp_sink_over_limit(dec))
        image_layer_verify(im, i, sb_str(&what), e);
    if (top)
        top->free(top);
    dec->free(dec);
    if (diff)
        diff->free(diff);
    ts->free(ts);
out:
    sb_release(&what);
    sb_release(&dwhat);
    return rc;
}

/* image/Filesystem: notable paths by category, from the File resources
 * (summary borrowed). */
static json_t *image_fs_doc(const json_t *resources, json_t *summary)
{
    static const char *const cats[] = {"setuid",         "setgid",
                                       "world_writable", "private_key",
                                       "unsafe_path",    NULL};
    static const char *const names[] = {"setuid",         "setgid",
                                        "world_writable", "private_keys",
                                        "unsafe_paths",   NULL};
    json_t *doc = json_object(), *r, *creds = json_array();
    size_t i, k;

    for (k = 0; cats[k]; k++)
        json_object_set_new(doc, names[k], json_array());
    json_array_foreach(resources, i, r)
    {
        const json_t *d = json_object_get(r, "doc");
        const json_t *path = json_object_get(d, "path");
        if (strcmp(json_string_value(json_object_get(r, "kind")),
                   "image/File") != 0)
            continue;
        for (k = 0; cats[k]; k++)
            if (json_is_true(json_object_get(d, cats[k])))
                json_array_append(json_object_get(doc, names[k]),
                                  (json_t *)path);
        if (json_is_string(json_object_get(d, "credential")))
            json_array_append(creds, (json_t *)path);
    }
    json_object_set_new(doc, "credential_files", creds);
    json_object_set_new(doc, "complete", json_true());
    json_object_set(doc, "summary", summary);
    return doc;
}

/* A file the checks read that exists but could not be read (too large, a
 * symlink loop, ...) leaves its kinds unjudged: say so with errors rather
 * than let "no accounts" or "no packages" look clean. */
static int image_unread(struct collect_ctx *ctx, const char *ref,
                        const json_t *sum, struct err *e)
{
    static const struct {
        const char *prefix, *kind;
        unsigned bit; /* one error per kind */
    } map[] = {{"/etc/passwd", "image/Account", 1},
               {"/etc/group", "image/Account", 1},
               {"/etc/shadow", "image/Account", 1},
               {"/etc/os-release", "image/OS", 2},
               {"/usr/lib/os-release", "image/OS", 2},
               {"/var/lib/dpkg/", "image/Package", 4},
               {"/lib/apk/", "image/Package", 4}};
    const json_t *nr;
    unsigned done = 0;
    size_t i, k;
    int rc = 0;

    json_array_foreach(json_object_get(sum, "not_read"), i, nr)
    {
        const char *path = json_string_value(json_object_get(nr, "path"));
        const char *why = json_string_value(json_object_get(nr, "reason"));
        for (k = 0; path && k < sizeof(map) / sizeof(*map) && rc == 0; k++) {
            struct strbuf msg = STRBUF_INIT;
            if (strncmp(path, map[k].prefix, strlen(map[k].prefix)) != 0 ||
                (done & map[k].bit))
                continue;
            done |= map[k].bit;
            sb_addf(&msg, "%s: %s could not be read (%s)", ref, path,
                    why ? why : "unknown");
            if (ctx->not_evaluated)
                rc = ctx->not_evaluated(ctx, map[k].kind, sb_str(&msg), e);
            sb_release(&msg);
        }
    }
    return rc;
}

/*
 * Who runs the image, from the target's context when another collector
 * handed it over (a cluster's pods, collectors/kube/kube_images.h):
 * "workloads" [{"kind", "namespace", "name"}] (null for an image the user
 * named), "workloads_more" (how many more than listed) and "references"
 * (the image as the pods name it). Set on the documents there is one of
 * per image (image/Config, image/Filesystem, image/OS); the per-file
 * kinds (thousands an image) carry it through their target's
 * fourc/Target document instead.
 */
static void image_workloads(json_t *doc, const json_t *context)
{
    const json_t *w = json_object_get(context, "workloads");
    const json_t *more = json_object_get(context, "workloads_more");
    const json_t *refs = json_object_get(context, "references");

    json_object_set_new(doc, "workloads",
                        json_is_array(w) ? json_deep_copy(w) : json_null());
    json_object_set_new(
        doc, "workloads_more",
        json_integer(json_is_integer(more) ? json_integer_value(more) : 0));
    json_object_set_new(doc, "references",
                        json_is_array(refs) ? json_deep_copy(refs)
                                            : json_null());
}

static int image_emit(struct collect_ctx *ctx, const char *kind,
                      const char *name, const char *uid_part,
                      const char *source, json_t *doc, struct err *e)
{
    struct strbuf uid = STRBUF_INIT;
    struct resource r;
    int rc;

    sb_addf(&uid, "image:%s#%s", ctx->target->ref, uid_part);
    r.kind = kind;
    r.uid = sb_str(&uid);
    r.name = name;
    r.namespace = NULL;
    r.source = source;
    r.doc = doc;
    rc = ctx->emit(ctx, &r, e);
    sb_release(&uid);
    return rc;
}

/*
 * user_check of image/Config (userspec.h): the config's User as the
 * runtimes read it, a name resolved against the accounts read from the
 * image's /etc/passwd (res; NULL when the filesystem was not read whole).
 */
static void image_user_check(json_t *cfg, const json_t *config,
                             const json_t *res)
{
    const char *user = json_string_value(
        json_object_get(json_object_get(config, "config"), "User"));
    size_t n = user ? strlen(user) : 0, i;
    const char *note = NULL;
    struct userspec u;
    const json_t *r;
    json_t *kind = json_string("image/Account"), *type = json_string("user");

    userspec_parse(user ? user : "", n, &u);
    if (u.status == USERSPEC_NAME && !res) {
        u.status = USERSPEC_UNRESOLVED;
        u.reason = "names a user, and the image's /etc/passwd could not be "
                   "read to resolve it";
    } else if (u.status == USERSPEC_NAME) {
        u.status = USERSPEC_INVALID;
        u.reason = "names a user the image's /etc/passwd does not hold: the "
                   "runtime refuses to start the container";
        json_array_foreach(res, i, r)
        {
            const json_t *d = json_object_get(r, "doc");
            const char *nm = json_string_value(json_object_get(d, "name"));
            const json_t *uid = json_object_get(d, "uid");
            if (!json_equal(json_object_get(r, "kind"), kind) ||
                !json_equal(json_object_get(d, "type"), type) || !nm ||
                strlen(nm) != u.user_len || memcmp(nm, user, u.user_len) ||
                !json_is_integer(uid))
                continue;
            u.uid = json_integer_value(uid);
            u.status = u.uid == 0 ? USERSPEC_ROOT : USERSPEC_NONROOT;
            u.reason = u.uid == 0 ? "names an account with uid 0 in the "
                                    "image's /etc/passwd: root"
                                  : NULL;
            note = "as the image's /etc/passwd gives it (first entry)";
            break;
        }
    }
    json_object_set_new(cfg, "user_check",
                        userspec_json(user ? user : "", n, &u,
                                      !user || !redact_value_is_secret(user),
                                      note));
    json_decref(kind);
    json_decref(type);
}

static int image_check(const struct target *t, struct err *e)
{
    return img_ref_check(t->ref, e);
}

static int image_collect(const struct target *t, struct collect_ctx *ctx,
                         struct err *e)
{
    struct img_opts defaults = {"linux/amd64", NULL, 0, NULL, NULL, 30, 0, 0};
    const struct img_opts *o = t->opts ? t->opts : &defaults;
    uint64_t image_used = 0;
    struct img *im = NULL;
    struct imagefs *fs = NULL;
    struct image_progress prog = {
        {image_progress_write, image_progress_close, image_progress_free},
        NULL,
        0,
        0,
        NULL};
    struct strbuf src = STRBUF_INIT, msg = STRBUF_INIT;
    json_t *cfg = NULL, *res = NULL, *sum = NULL, *r;
    struct err le;
    size_t i;
    int rc = -1, whole = 1;

    if (img_open(t->ref, o, &im, e))
        goto out; /* nothing of the image could be judged */
    sb_addf(&src, "%s@%s", t->ref,
            im->manifest_digest ? im->manifest_digest : im->config_digest);
    fs = imagefs_new();
    for (i = 0; i < im->nlayers; i++)
        prog.total += im->layers[i].size > 0 ? (uint64_t)im->layers[i].size : 0;
    progress_start(t->ref, (size_t)(prog.total >> 20));
    for (i = 0; i < im->nlayers && whole; i++) {
        if (image_layer(im, i, fs, &prog, o, &image_used, &le)) {
            whole = 0;
            sb_addf(&msg, "the filesystem of %s could not be read: %s", t->ref,
                    le.msg);
            rc = ctx->input_error(ctx, sb_str(&src), le.msg, e);
            if (rc)
                goto out;
        }
    }
    progress_done();
    if (whole && !imagefs_complete(fs)) {
        whole = 0; /* a layer's sink said so without an error: be safe */
        sb_addf(&msg, "the filesystem of %s could not be read whole", t->ref);
    }
    if (whole && imagefs_output(fs, &res, &sum)) {
        err_set(e, "%s: out of memory building its filesystem", t->ref);
        goto out;
    }
    cfg = image_config_doc(im);
    image_workloads(cfg, t->context);
    json_object_set(cfg, "filesystem", whole ? sum : json_null());
    image_user_check(cfg, im->config, whole ? res : NULL);
    if (image_emit(ctx, "image/Config", t->ref, "config", sb_str(&src), cfg, e))
        goto out;
    if (!whole) {
        for (i = 0; image_fs_kinds[i]; i++)
            if (ctx->not_evaluated &&
                ctx->not_evaluated(ctx, image_fs_kinds[i], sb_str(&msg), e))
                goto out;
        rc = 0;
        goto out;
    }
    if (image_unread(ctx, t->ref, sum, e))
        goto out;
    {
        int bad;
        /* Past the cap of notable files the lists are not whole: an empty
         * setuid list would be a false pass. */
        if (json_is_true(json_object_get(sum, "truncated"))) {
            sb_setlen(&msg, 0);
            sb_addf(&msg,
                    "%s has more notable files than fourc keeps (%lld); the "
                    "image-wide file checks cannot be judged",
                    t->ref,
                    (long long)json_integer_value(
                        json_object_get(sum, "notable_max")));
            bad = ctx->not_evaluated &&
                  ctx->not_evaluated(ctx, "image/Filesystem", sb_str(&msg), e);
        } else {
            json_t *fsdoc = image_fs_doc(res, sum);
            image_workloads(fsdoc, t->context);
            bad = image_emit(ctx, "image/Filesystem", t->ref, "filesystem",
                             sb_str(&src), fsdoc, e);
            json_decref(fsdoc);
        }
        if (bad)
            goto out;
    }
    json_array_foreach(res, i, r)
    {
        const char *kind = json_string_value(json_object_get(r, "kind"));
        const char *name = json_string_value(json_object_get(r, "name"));
        struct strbuf part = STRBUF_INIT;
        int bad;
        if (!kind || !name)
            continue;
        sb_addf(&part, "%s:%s", kind + 6, name);
        if (strcmp(kind, "image/OS") == 0 &&
            json_is_object(json_object_get(r, "doc")))
            image_workloads(json_object_get(r, "doc"), t->context);
        bad = image_emit(ctx, kind, name, sb_str(&part), sb_str(&src),
                         json_object_get(r, "doc"), e);
        sb_release(&part);
        if (bad)
            goto out;
    }
    rc = 0;
out:
    progress_done();
    json_decref(cfg);
    json_decref(res);
    json_decref(sum);
    imagefs_free(fs);
    img_free(im);
    sb_release(&src);
    sb_release(&msg);
    return rc;
}

/* image/Config from the config blob, image/Filesystem for the whole
 * tree, and the per-file kinds imagefs emits (image_fs_kinds). */
static const char *const image_kinds[] = {
    "image/Config",  "image/Filesystem", "image/File", "image/Account",
    "image/Package", "image/OS",         NULL};

/* ---- options: how to reach images -------------------------------------- */

/* The option state: img_opts first, so target->opts is one. */
struct image_opts {
    struct img_opts o;
    const char **insecure; /* owned array of --insecure-registry values */
};

static void *image_opts_new(void)
{
    struct image_opts *io = xcalloc(1, sizeof(*io));

    io->o.platform = "linux/amd64";
    io->o.timeout = 30;
    return io;
}

static void image_opts_free(void *state)
{
    struct image_opts *io = state;

    if (io)
        free(io->insecure);
    free(io);
}

static int image_set_platform(void *state, const char *v, struct err *e)
{
    const char *sl = strchr(v, '/');

    if (!sl || sl == v || !sl[1] || sl[1] == '/')
        return err_set(e,
                       "--platform %s: expected OS/ARCH[/VARIANT] "
                       "(linux/amd64)",
                       v);
    ((struct image_opts *)state)->o.platform = v;
    return 0;
}

static int image_set_insecure(void *state, const char *v, struct err *e)
{
    struct image_opts *io = state;

    (void)e;
    io->insecure =
        xrealloc(io->insecure, (io->o.ninsecure + 1) * sizeof(*io->insecure));
    io->insecure[io->o.ninsecure++] = v;
    io->o.insecure = io->insecure;
    return 0;
}

static int image_set_ca(void *state, const char *v, struct err *e)
{
    (void)e;
    ((struct image_opts *)state)->o.ca_file = v;
    return 0;
}

static int image_set_timeout(void *state, const char *v, struct err *e)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (end == v || *end || n < 1 || n > 3600)
        return err_set(e,
                       "--registry-timeout %s: expected seconds from 1 to "
                       "3600",
                       v);
    ((struct image_opts *)state)->o.timeout = n;
    return 0;
}

/* "512", "64K", "8G", "1TiB": bytes, at least 1, into *out. */
static int image_size(const char *opt, const char *s, uint64_t *out,
                      struct err *e)
{
    static const char units[] = "KMGT";
    const char *u;
    char *end;
    unsigned long long v;
    int shift = 0;

    if (!isdigit((unsigned char)*s))
        goto bad;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || v == 0)
        goto bad;
    if (*end && (u = strchr(units, toupper((unsigned char)*end)))) {
        shift = 10 * (int)(u - units + 1);
        end++;
        if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
            end += strlen(end);
    } else if (strcmp(end, "B") == 0) {
        end++;
    }
    if (*end || v > (UINT64_MAX >> shift))
        goto bad;
    *out = (uint64_t)v << shift;
    return 0;
bad:
    return err_set(e,
                   "%s %s: expected a size such as 512M or 8G (K, M, G, T: "
                   "powers of 1024)",
                   opt, s);
}

static int image_set_max_layer(void *state, const char *v, struct err *e)
{
    return image_size("--max-layer-size", v,
                      &((struct image_opts *)state)->o.max_layer_size, e);
}

static int image_set_max_image(void *state, const char *v, struct err *e)
{
    return image_size("--max-image-size", v,
                      &((struct image_opts *)state)->o.max_image_size, e);
}

static const struct collector_opt image_options[] = {
    {"platform", "OS/ARCH",
     "the image of a multi-platform index to audit\n(default linux/amd64)", 0,
     image_set_platform},
    {"insecure-registry", "HOST",
     "allow plain http and unverified TLS for HOST[:PORT]\n(repeatable; TLS "
     "is verified everywhere else)",
     1, image_set_insecure},
    {"registry-ca", "FILE", "CA certificates for registries (PEM)", 0,
     image_set_ca},
    {"registry-timeout", "SECONDS",
     "how long a registry may take to connect or\nstall (default 30); a "
     "request must also keep up\n16 KiB/s on average after its first "
     "SECONDS",
     0, image_set_timeout},
    {"max-layer-size", "SIZE",
     "what one image layer may decompress to (default 8G;\nK, M, G, T are "
     "powers of 1024)",
     0, image_set_max_layer},
    {"max-image-size", "SIZE",
     "what all layers of an image may decompress to\n(default 32G); past a "
     "limit the layer is an error\nfinding and the image's files are not "
     "judged",
     0, image_set_max_image},
    {NULL, NULL, NULL, 0, NULL}};

const struct collector collector_image = {
    .name = "image",
    .summary = "container images: OCI layouts, docker archives, registries",
    .arg = "REF",
    .help = "a container image (repeatable): oci:DIR[:TAG],\n"
            "docker-archive:FILE[:REPO:TAG], or a registry\n"
            "reference HOST[:PORT]/NAME[:TAG|@DIGEST]",
    .opts = image_options,
    .opts_new = image_opts_new,
    .opts_free = image_opts_free,
    /* fixtures: OCI layouts made by tests/tools/mkoci.py from the
     * spec.json in directories named *.oci */
    .fixture_names = (const char *const[]){"*.oci", NULL},
    .fixture_prefix = "oci:",
    .pillar = "container",
    .kind_prefix = "image/",
    .kinds = image_kinds,
    .check = image_check,
    .collect = image_collect,
};
