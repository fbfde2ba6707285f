/*
 * imagefs_out.c: the resources of an image's final filesystem (see
 * imagefs.h): the read files are found in the tree imagefs.c kept,
 * symlinks followed, and parsed (imagefs_read.h); the notable entries
 * become image/File documents; the counts become the summary.
 */
#include "imagefs.h"
#include "imagefs_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imagefs_read.h"
#include "banned.h"

/*
 * Walks a path through the final tree, following symlinks (relative to the
 * directory that holds them, absolute from the root) at most
 * IMAGEFS_HOPS_MAX times. Components nothing was kept under are walked
 * "virtually", so ".." out of them still works. NULL when the path leads
 * to nothing kept; *why says so when a symlink was followed there or
 * looped.
 */
static const struct imagefs_node *
imagefs_walk(const struct imagefs *fs, const char *path, const char **why)
{
    struct strbuf cur = STRBUF_INIT, next = STRBUF_INIT, tmp;
    const struct imagefs_node *n = fs->root, *c;
    size_t i = 0, virt = 0;
    int hops = 0;

    sb_adds(&cur, path);
    while (n && i < cur.len) {
        const char *comp = cur.buf + i, *slash = strchr(comp, '/');
        size_t len = slash ? (size_t)(slash - comp) : strlen(comp);

        i += len + (slash != NULL);
        if (len == 0 || (len == 1 && comp[0] == '.'))
            continue;
        if (len == 2 && comp[0] == '.' && comp[1] == '.') {
            if (virt)
                virt--;
            else if (n->parent)
                n = n->parent;
            continue;
        }
        c = virt ? NULL : imagefs_child(fs, n, comp, len);
        if (!c) {
            virt++;
            continue;
        }
        if (!c->entry || c->entry->type != TAR_SYMLINK) {
            n = c;
            continue;
        }
        if (++hops > IMAGEFS_HOPS_MAX) {
            *why = "symlink-loop";
            n = NULL;
            break;
        }
        /* Go on with the target, then what was left of the path. */
        sb_setlen(&next, 0);
        sb_adds(&next, c->entry->link);
        sb_add(&next, "/", 1);
        sb_adds(&next, cur.buf + i);
        if (c->entry->link[0] == '/')
            n = fs->root;
        tmp = cur;
        cur = next;
        next = tmp;
        i = 0;
    }
    if (n && virt) {
        n = NULL;
        if (hops)
            *why = "symlink-target-unknown";
    }
    sb_release(&cur);
    sb_release(&next);
    return n;
}

struct imagefs_out {
    const struct imagefs *fs;
    json_t *res; /* {"kind", "name", "doc"} in the order made */
    json_t *files_read, *not_read, *malformed, *os;
    size_t files, packages;
    int rc;
};

static void imagefs_out_malformed(struct imagefs_out *o, const char *what,
                                  size_t bad)
{
    o->rc |=
        json_object_set_new(o->malformed, what, json_integer((json_int_t)bad));
}

/* The content a read path leads to, or NULL (why noted in not_read). */
static const struct imagefs_entry *imagefs_out_read(struct imagefs_out *o,
                                                    const char *path)
{
    const char *why = NULL;
    const struct imagefs_node *n = imagefs_walk(o->fs, path, &why);
    const struct imagefs_entry *en = n ? n->entry : NULL;
    struct strbuf sb = STRBUF_INIT;
    json_t *nr;

    if (n && (!en || (en->type != TAR_FILE && en->type != TAR_HARDLINK)))
        why = "not-a-file";
    else if (en && en->state != CONTENT_OK)
        why = imagefs_content_why[en->state];
    sb_addf(&sb, "/%s", path);
    if (!why && en) {
        o->rc |=
            json_array_append_new(o->files_read, json_string_lossy(sb.buf));
    } else if (why) {
        nr = json_object();
        o->rc |= json_object_set_new(nr, "path", json_string_lossy(sb.buf));
        o->rc |= json_object_set_new(nr, "reason", json_string(why));
        o->rc |= json_array_append_new(o->not_read, nr);
    }
    sb_release(&sb);
    return why ? NULL : en;
}

/* etc/os-release, else usr/lib/os-release (as the os-release spec says). */
static void imagefs_out_os(struct imagefs_out *o)
{
    static const char *const paths[] = {"etc/os-release", "usr/lib/os-release"};
    size_t i, bad = 0;

    for (i = 0; i < 2 && !o->os; i++) {
        const struct imagefs_entry *en = imagefs_out_read(o, paths[i]);
        char source[32];

        if (!en)
            continue;
        snprintf(source, sizeof(source), "/%s", paths[i]);
        o->os = imagefs_read_os_release(en->content, en->clen, source, &bad);
        o->rc |= o->os ? 0 : -1;
        imagefs_out_malformed(o, "os_release", bad);
    }
    if (o->os)
        o->rc |=
            imagefs_read_resource(o->res, "image/OS", "os", json_incref(o->os));
}

static void imagefs_out_accounts(struct imagefs_out *o)
{
    const struct imagefs_entry *en[3];
    static const char *const paths[] = {"etc/passwd", "etc/group",
                                        "etc/shadow"};
    const char *buf[3];
    size_t len[3], i;

    for (i = 0; i < 3; i++) {
        en[i] = imagefs_out_read(o, paths[i]);
        buf[i] = en[i] ? en[i]->content : NULL;
        len[i] = en[i] ? en[i]->clen : 0;
    }
    o->rc |= imagefs_read_accounts(buf[0], len[0], buf[1], len[1], buf[2],
                                   len[2], o->res, o->malformed);
}

static int imagefs_name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distroless status.d files, by name (".md5sums" lists skipped). */
static void imagefs_out_status_d(struct imagefs_out *o, json_t *pkgs)
{
    const char *why = NULL;
    const struct imagefs_node *d = imagefs_walk(o->fs, IMAGEFS_STATUS_D, &why);
    const struct imagefs_node *c;
    struct strbuf path = STRBUF_INIT;
    char **names;
    size_t n = 0, i, bad = 0;

    for (c = d ? d->child : NULL; c; c = c->next)
        n++;
    names = xcalloc(n, sizeof(*names));
    for (n = 0, c = d ? d->child : NULL; c; c = c->next)
        names[n++] = xstrndup(c->name, c->nlen);
    qsort(names, n, sizeof(*names), imagefs_name_cmp);
    for (i = 0; i < n; i++) {
        const struct imagefs_entry *en;

        if (names[i][0] == '.' || str_has_suffix(names[i], ".md5sums"))
            continue;
        imagefs_node_path(d, &path);
        sb_addf(&path, "/%s", names[i]);
        en = imagefs_out_read(o, path.buf);
        if (en && imagefs_read_dpkg(en->content, en->clen, 1, pkgs, &bad))
            o->rc = -1;
    }
    if (n)
        imagefs_out_malformed(o, "dpkg_status_d", bad);
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    sb_release(&path);
}

static void imagefs_out_packages(struct imagefs_out *o)
{
    const struct imagefs_entry *en;
    json_t *pkgs = json_array();
    size_t bad;

    if (!pkgs) {
        o->rc = -1;
        return;
    }
    if ((en = imagefs_out_read(o, "var/lib/dpkg/status")) != NULL) {
        bad = 0;
        o->rc |= imagefs_read_dpkg(en->content, en->clen, 0, pkgs, &bad);
        imagefs_out_malformed(o, "dpkg_status", bad);
    }
    imagefs_out_status_d(o, pkgs);
    if ((en = imagefs_out_read(o, "lib/apk/db/installed")) != NULL) {
        bad = 0;
        o->rc |= imagefs_read_apk(en->content, en->clen, pkgs, &bad);
        imagefs_out_malformed(o, "apk_installed", bad);
    }
    o->packages = json_array_size(pkgs);
    o->rc |= imagefs_read_packages(pkgs, o->os, o->res);
    json_decref(pkgs);
}

static json_t *imagefs_file_doc(const struct imagefs_entry *en,
                                const char *path)
{
    static const char *const types[] = {
        [TAR_FILE] = "file",       [TAR_HARDLINK] = "hardlink",
        [TAR_SYMLINK] = "symlink", [TAR_CHAR] = "char",
        [TAR_BLOCK] = "block",     [TAR_DIR] = "dir",
        [TAR_FIFO] = "fifo",       [TAR_OTHER] = "other"};
    static const struct {
        const char *key;
        unsigned int flag;
    } bools[] = {
        {"setuid", IMAGEFS_SETUID},     {"setgid", IMAGEFS_SETGID},
        {"world_writable", IMAGEFS_WW}, {"private_key", IMAGEFS_PKEY},
        {"ssh_config", IMAGEFS_SSH},    {"unsafe_path", IMAGEFS_UNSAFE}};
    json_t *doc = json_object(), *reasons = json_array();
    struct strbuf sb = STRBUF_INIT;
    size_t i;
    int rc = !doc || !reasons;
    char mode[16];

    snprintf(mode, sizeof(mode), "%04o", en->mode);
    sb_addf(&sb, "/%s", path);
    rc |= json_object_set_new(doc, "path", json_string_lossy(sb.buf));
    rc |= json_object_set_new(doc, "type", json_string(types[en->type]));
    rc |= json_object_set_new(doc, "mode", json_string(mode));
    rc |= json_object_set_new(doc, "mode_bits", json_integer(en->mode));
    rc |= json_object_set_new(doc, "uid", json_integer(en->uid));
    rc |= json_object_set_new(doc, "gid", json_integer(en->gid));
    rc |= json_object_set_new(doc, "size", json_integer(en->size));
    rc |= json_object_set_new(doc, "layer", json_integer(en->layer));
    if (en->link) { /* hard links name a path in the image */
        sb_setlen(&sb, 0);
        sb_addf(&sb, "%s%s", en->type == TAR_HARDLINK ? "/" : "", en->link);
        rc |= json_object_set_new(doc, "link", json_string_lossy(sb.buf));
    }
    for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
        rc |= json_object_set_new(doc, bools[i].key,
                                  json_boolean(en->flags & bools[i].flag));
    rc |= json_object_set_new(
        doc, "credential",
        en->cred ? json_string(imagefs_cred_names[en->cred]) : json_null());
    for (i = 0; i < sizeof(imagefs_reasons) / sizeof(imagefs_reasons[0]); i++)
        if (en->flags & (1u << i))
            rc |=
                json_array_append_new(reasons, json_string(imagefs_reasons[i]));
    rc |= json_object_set_new(doc, "reasons", reasons);
    sb_release(&sb);
    if (rc) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static void imagefs_out_files(struct imagefs_out *o)
{
    const struct imagefs *fs = o->fs;
    struct strbuf path = STRBUF_INIT, name = STRBUF_INIT;
    const struct imagefs_node *c;
    size_t i;

    for (i = 0; i <= fs->nbuckets; i++) { /* the root last */
        c = i < fs->nbuckets ? fs->buckets[i] : fs->root;
        for (; c; c = i < fs->nbuckets ? c->hnext : NULL) {
            if (!c->entry || c->entry->flags == IMAGEFS_RESOLVE)
                continue;
            imagefs_node_path(c, &path);
            sb_setlen(&name, 0);
            sb_addf(&name, "/%s", path.buf);
            o->rc |=
                imagefs_read_resource(o->res, "image/File", name.buf,
                                      imagefs_file_doc(c->entry, path.buf));
            o->files++;
        }
    }
    sb_release(&path);
    sb_release(&name);
}

static void imagefs_out_release(struct imagefs_out *o)
{
    json_decref(o->res);
    json_decref(o->files_read);
    json_decref(o->not_read);
    json_decref(o->malformed);
    json_decref(o->os);
}

static void imagefs_out_build(const struct imagefs *fs, struct imagefs_out *o)
{
    memset(o, 0, sizeof(*o));
    o->fs = fs;
    o->res = json_array();
    o->files_read = json_array();
    o->not_read = json_array();
    o->malformed = json_object();
    if (!o->res || !o->files_read || !o->not_read || !o->malformed) {
        o->rc = -1;
        return;
    }
    imagefs_out_os(o);
    imagefs_out_accounts(o);
    imagefs_out_packages(o);
    imagefs_out_files(o);
}

/* The summary document of a built output. New reference, NULL when
 * out of memory. */
static json_t *imagefs_summary_of(const struct imagefs *fs,
                                  const struct imagefs_out *o)
{
    const struct {
        const char *key;
        uint64_t v;
    } nums[] = {{"layers", fs->closed_ok},
                {"entries", fs->entries},
                {"files", fs->files},
                {"directories", fs->dirs},
                {"symlinks", fs->symlinks},
                {"hardlinks", fs->hardlinks},
                {"other", fs->others},
                {"bytes", fs->bytes},
                {"whiteouts", fs->whiteouts},
                {"opaque_dirs", fs->opaques},
                {"unsafe_entries", fs->unsafe},
                {"notable_max", IMAGEFS_NOTABLE_MAX},
                {"notable_dropped", fs->dropped}};
    json_t *s = json_object();
    size_t i;
    int rc = o->rc || !s;

    for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        rc |= json_object_set_new(s, nums[i].key,
                                  json_integer((json_int_t)nums[i].v));
    rc |= json_object_set_new(s, "notable", json_integer((json_int_t)o->files));
    rc |= json_object_set_new(s, "packages",
                              json_integer((json_int_t)o->packages));
    rc |=
        json_object_set_new(s, "complete", json_boolean(imagefs_complete(fs)));
    rc |= json_object_set_new(s, "truncated", json_boolean(fs->dropped > 0));
    rc |= json_object_set(s, "files_read", o->files_read);
    rc |= json_object_set(s, "not_read", o->not_read);
    rc |= json_object_set(s, "malformed_lines", o->malformed);
    if (rc) {
        json_decref(s);
        return NULL;
    }
    return s;
}

int imagefs_output(const struct imagefs *fs, json_t **resources,
                   json_t **summary)
{
    struct imagefs_out o;

    imagefs_out_build(fs, &o);
    *resources = o.rc ? NULL : imagefs_read_sort(o.res);
    *summary = o.rc ? NULL : imagefs_summary_of(fs, &o);
    imagefs_out_release(&o);
    if (*resources && *summary)
        return 0;
    json_decref(*resources);
    json_decref(*summary);
    *resources = *summary = NULL;
    return -1;
}

json_t *imagefs_resources(struct imagefs *fs)
{
    struct imagefs_out o;
    json_t *arr;

    imagefs_out_build(fs, &o);
    arr = o.rc ? NULL : imagefs_read_sort(o.res);
    imagefs_out_release(&o);
    return arr;
}

json_t *imagefs_summary(const struct imagefs *fs)
{
    struct imagefs_out o;
    json_t *s;

    imagefs_out_build(fs, &o);
    s = o.rc ? NULL : imagefs_summary_of(fs, &o);
    imagefs_out_release(&o);
    return s;
}
