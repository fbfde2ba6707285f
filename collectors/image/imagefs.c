/*
 * imagefs.c: an image's final filesystem from its layer streams; see
 * imagefs.h.
 *
 * What is kept is a tree of the notable entries only: one node per path
 * component that leads to one, found through a chained hash table keyed by
 * (parent node, component), so a path is looked up component by component
 * and each name is stored once. A whiteout or an opaque marker deletes a
 * subtree with one walk; an ordinary entry costs one lookup that usually
 * stops at its first component. Entries of a layer go through a tar
 * handler: entry() applies deletions and replacement at once (deletions
 * only touch lower layers, so the order of entries inside a layer does not
 * matter), data() fills the capture of a read file and the 64 KiB window
 * the sniffers look at, end() decides whether the entry is kept.
 *
 * The files that are read are parsed only when resources are asked for
 * (imagefs_out.c): symlinks are followed then, against the final tree.
 */
#include "imagefs.h"
#include "imagefs_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imagefs_read.h"
#include "tar.h"
#include "util.h"
#include "banned.h"

/* The reasons, in the order of the flags. */
const char *const imagefs_reasons[IMAGEFS_NREASONS] = {
    "setuid",     "setgid",     "world-writable", "private-key",
    "credential", "ssh-config", "unsafe-path",    "device"};
const char *const imagefs_cred_names[] = {
    NULL,    "netrc",  "git-credentials", "docker-config", "aws",
    "npmrc", "pypirc", "ssh-private-key", "pgpass",        "htpasswd"};
const char *const imagefs_content_why[] = {
    "not-captured", "read",   "too-large",
    "sparse",       "budget", "hardlink-target-unknown"};

/* ---- the tree ---------------------------------------------------------- */

static uint64_t imagefs_hash(const struct imagefs_node *parent,
                             const char *name, size_t n)
{
    uint64_t h = parent->hash ^ '/';
    size_t i;

    h *= 1099511628211u;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)name[i];
        h *= 1099511628211u;
    }
    return h;
}

struct imagefs_node *imagefs_child(const struct imagefs *fs,
                                   const struct imagefs_node *parent,
                                   const char *name, size_t n)
{
    uint64_t h = imagefs_hash(parent, name, n);
    struct imagefs_node *c = fs->buckets[h & (fs->nbuckets - 1)];

    for (; c; c = c->hnext)
        if (c->hash == h && c->parent == parent && c->nlen == n &&
            memcmp(c->name, name, n) == 0)
            return c;
    return NULL;
}

static void imagefs_rehash(struct imagefs *fs)
{
    size_t nb = fs->nbuckets * 2, i;
    struct imagefs_node **b = xcalloc(nb, sizeof(*b));

    for (i = 0; i < fs->nbuckets; i++) {
        struct imagefs_node *c = fs->buckets[i], *next;
        for (; c; c = next) {
            next = c->hnext;
            c->hnext = b[c->hash & (nb - 1)];
            b[c->hash & (nb - 1)] = c;
        }
    }
    free(fs->buckets);
    fs->buckets = b;
    fs->nbuckets = nb;
}

static struct imagefs_node *imagefs_add_child(struct imagefs *fs,
                                              struct imagefs_node *parent,
                                              const char *name, size_t n)
{
    struct imagefs_node *c = xcalloc(1, sizeof(*c) + n + 1);
    size_t b;

    if (fs->nnodes >= fs->nbuckets)
        imagefs_rehash(fs);
    memcpy(c->name, name, n);
    c->nlen = n;
    c->hash = imagefs_hash(parent, name, n);
    c->parent = parent;
    c->next = parent->child;
    if (parent->child)
        parent->child->prev = c;
    parent->child = c;
    b = c->hash & (fs->nbuckets - 1);
    c->hnext = fs->buckets[b];
    fs->buckets[b] = c;
    fs->nnodes++;
    fs->name_bytes += n;
    return c;
}

/* The node of a normalised path; create adds the missing ones. */
static struct imagefs_node *imagefs_lookup(struct imagefs *fs, const char *path,
                                           int create)
{
    struct imagefs_node *n = fs->root, *c;

    while (*path) {
        const char *slash = strchr(path, '/');
        size_t len = slash ? (size_t)(slash - path) : strlen(path);

        if (len) {
            c = imagefs_child(fs, n, path, len);
            if (!c && !create)
                return NULL;
            n = c ? c : imagefs_add_child(fs, n, path, len);
        }
        path += len + (slash != NULL);
    }
    return n;
}

static void imagefs_entry_free(struct imagefs_entry *en)
{
    if (!en)
        return;
    free(en->link);
    free(en->content);
    free(en);
}

/* Forgets a node's entry. */
static void imagefs_drop(struct imagefs *fs, struct imagefs_node *n)
{
    struct imagefs_entry *en = n->entry;

    if (!en)
        return;
    fs->notable -= (size_t)en->counted;
    fs->content_bytes -= en->state == CONTENT_OK ? en->clen : 0;
    fs->name_bytes -= en->link ? strlen(en->link) : 0;
    imagefs_entry_free(en);
    n->entry = NULL;
}

/* Unlinks and frees a node that has no children. */
static void imagefs_node_free(struct imagefs *fs, struct imagefs_node *n)
{
    struct imagefs_node **pp = &fs->buckets[n->hash & (fs->nbuckets - 1)];

    imagefs_drop(fs, n);
    while (*pp != n)
        pp = &(*pp)->hnext;
    *pp = n->hnext;
    if (n->prev)
        n->prev->next = n->next;
    else
        n->parent->child = n->next;
    if (n->next)
        n->next->prev = n->prev;
    fs->nnodes--;
    fs->name_bytes -= n->nlen;
    free(n);
}

/* Frees n and its ancestors while they lead nowhere. */
static void imagefs_gc(struct imagefs *fs, struct imagefs_node *n)
{
    while (n != fs->root && !n->entry && !n->child) {
        struct imagefs_node *p = n->parent;
        imagefs_node_free(fs, n);
        n = p;
    }
}

/*
 * Drops the entries below start (not its own) that lower layers wrote
 * (below the given layer), or all of them when all is set. Post-order
 * without recursion: names may nest thousands deep.
 */
static void imagefs_clear(struct imagefs *fs, struct imagefs_node *start,
                          int all, unsigned below)
{
    struct imagefs_node *n = start, *next = NULL;

    while (n->child)
        n = n->child;
    for (;;) {
        int last = n == start;

        if (!last) {
            next = n->next;
            if (next)
                while (next->child)
                    next = next->child;
            else
                next = n->parent;
        }
        if (n->entry && !last && (all || n->entry->layer < below))
            imagefs_drop(fs, n);
        if (last)
            break;
        if (!n->entry && !n->child)
            imagefs_node_free(fs, n);
        n = next;
    }
    imagefs_gc(fs, start);
}

void imagefs_node_path(const struct imagefs_node *n, struct strbuf *sb)
{
    const struct imagefs_node *c;
    size_t len = 0, at;

    for (c = n; c->parent; c = c->parent)
        len += c->nlen + (c->parent->parent ? 1 : 0);
    sb_setlen(sb, 0);
    sb_grow(sb, len);
    at = len;
    for (c = n; c->parent; c = c->parent) {
        at -= c->nlen;
        memcpy(sb->buf + at, c->name, c->nlen);
        if (c->parent->parent)
            sb->buf[--at] = '/';
    }
    sb->len = len;
    sb->buf[len] = '\0';
}

/* ---- what an entry is -------------------------------------------------- */

/* The read files and their caps; status.d holds one file per package. */
static const struct {
    const char *path;
    size_t cap;
} imagefs_read_paths[] = {
    {"etc/passwd", IMAGEFS_FILE_MAX},
    {"etc/group", IMAGEFS_FILE_MAX},
    {"etc/shadow", IMAGEFS_FILE_MAX},
    {"etc/os-release", IMAGEFS_FILE_MAX},
    {"usr/lib/os-release", IMAGEFS_FILE_MAX},
    {"var/lib/dpkg/status", IMAGEFS_DB_MAX},
    {"lib/apk/db/installed", IMAGEFS_DB_MAX},
    /* where a merged /usr puts it (lib -> usr/lib) */
    {"usr/lib/apk/db/installed", IMAGEFS_DB_MAX},
};

/* The cap when path is a read file, else 0; *fixed when it is one of the
 * few fixed paths (those are kept whatever the notable cap). */
static size_t imagefs_read_cap(const char *path, int *fixed)
{
    size_t i, dl = sizeof(IMAGEFS_STATUS_D) - 1;

    *fixed = 0;
    for (i = 0; i < sizeof(imagefs_read_paths) / sizeof(imagefs_read_paths[0]);
         i++)
        if (strcmp(path, imagefs_read_paths[i].path) == 0) {
            *fixed = 1;
            return imagefs_read_paths[i].cap;
        }
    if (strncmp(path, IMAGEFS_STATUS_D "/", dl + 1) == 0 && path[dl + 1] &&
        !strchr(path + dl + 1, '/'))
        return IMAGEFS_FILE_MAX;
    return 0;
}

/* True when path is a directory on the way to a read file ("etc", "usr/lib",
 * "var/lib/dpkg/status.d"): a symlink there is kept for resolution. */
static int imagefs_on_read_way(const char *path)
{
    size_t i, n = strlen(path);

    if (strcmp(path, IMAGEFS_STATUS_D) == 0)
        return 1;
    for (i = 0; i < sizeof(imagefs_read_paths) / sizeof(imagefs_read_paths[0]);
         i++) {
        const char *p = imagefs_read_paths[i].path;
        if (n && strncmp(p, path, n) == 0 && p[n] == '/')
            return 1;
    }
    return 0;
}

static const char *imagefs_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* True when the last two components are dir/base. */
static int imagefs_ends(const char *path, const char *dir, const char *base)
{
    size_t pl = strlen(path), dl = strlen(dir), bl = strlen(base);

    if (strcmp(imagefs_base(path), base) != 0 || pl < dl + 1 + bl)
        return 0;
    path += pl - bl - 1 - dl;
    return memcmp(path, dir, dl) == 0 && path[dl] == '/' &&
           (pl == dl + 1 + bl || path[-1] == '/');
}

static enum imagefs_cred imagefs_cred_of(const char *path)
{
    static const struct {
        const char *base;
        enum imagefs_cred cred;
    } names[] = {{".netrc", CRED_NETRC},    {".git-credentials", CRED_GIT},
                 {".npmrc", CRED_NPMRC},    {".pypirc", CRED_PYPIRC},
                 {".pgpass", CRED_PGPASS},  {".htpasswd", CRED_HTPASSWD},
                 {"id_rsa", CRED_SSH},      {"id_dsa", CRED_SSH},
                 {"id_ecdsa", CRED_SSH},    {"id_ed25519", CRED_SSH},
                 {"id_ecdsa_sk", CRED_SSH}, {"id_ed25519_sk", CRED_SSH}};
    const char *base = imagefs_base(path);
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(base, names[i].base) == 0)
            return names[i].cred;
    if (imagefs_ends(path, ".docker", "config.json"))
        return CRED_DOCKER;
    if (imagefs_ends(path, ".aws", "credentials"))
        return CRED_AWS;
    return CRED_NONE;
}

/* ---- a layer ----------------------------------------------------------- */

struct imagefs_layer {
    struct sink base;
    struct imagefs *fs;
    struct sink *tar;
    unsigned index;
    int refused, closed, close_rc;
    char *what;
    /* the entry being streamed */
    int pending;
    unsigned int flags;
    enum imagefs_cred cred;
    int fixed, sniff;
    enum imagefs_content state;
    char *content;
    size_t clen, cmax;
    unsigned char *window;
    size_t wlen;
};

static void imagefs_layer_reset(struct imagefs_layer *l)
{
    free(l->content);
    l->content = NULL;
    l->clen = l->cmax = l->wlen = 0;
    l->pending = l->fixed = l->sniff = 0;
    l->flags = 0;
    l->cred = CRED_NONE;
    l->state = CONTENT_NONE;
}

static void imagefs_count(struct imagefs *fs, const struct tar_entry *te)
{
    fs->entries++;
    fs->unsafe += te->unsafe != 0;
    switch (te->type) {
    case TAR_FILE:
        fs->files++;
        fs->bytes += (uint64_t)te->size;
        break;
    case TAR_DIR:
        fs->dirs++;
        break;
    case TAR_SYMLINK:
        fs->symlinks++;
        break;
    case TAR_HARDLINK:
        fs->hardlinks++;
        break;
    default:
        fs->others++;
        break;
    }
}

/* The flags the header alone gives. */
static unsigned int imagefs_flags_of(const struct tar_entry *te)
{
    unsigned int f = 0;

    if (te->type != TAR_SYMLINK) { /* a symlink's mode means nothing */
        if (te->type == TAR_FILE || te->type == TAR_HARDLINK) {
            f |= te->mode & 04000 ? IMAGEFS_SETUID : 0;
            f |= te->mode & 02000 ? IMAGEFS_SETGID : 0;
        }
        if ((te->mode & 0002) && !(te->type == TAR_DIR && (te->mode & 01000)))
            f |= IMAGEFS_WW;
        if (te->type == TAR_CHAR || te->type == TAR_BLOCK)
            f |= IMAGEFS_DEVICE;
    }
    if (strncmp(te->path, "etc/ssh/", 8) == 0)
        f |= IMAGEFS_SSH;
    if (te->unsafe)
        f |= IMAGEFS_UNSAFE;
    return f;
}

static int imagefs_on_entry(void *ctx, const struct tar_entry *te,
                            struct err *e)
{
    struct imagefs_layer *l = ctx;
    struct imagefs *fs = l->fs;
    struct imagefs_node *n;
    size_t cap;

    (void)e;
    imagefs_layer_reset(l);
    imagefs_count(fs, te);
    if (te->whiteout || te->opaque) {
        const char *p = te->whiteout ? te->whiteout : te->opaque;
        if (te->whiteout)
            fs->whiteouts++;
        else
            fs->opaques++;
        n = imagefs_lookup(fs, p, 0);
        if (n && te->whiteout && n->entry && n->entry->layer < l->index)
            imagefs_drop(fs, n);
        if (n && n->cleared != l->index + 1) {
            n->cleared = l->index + 1;
            imagefs_clear(fs, n, 0, l->index);
        } else if (n) {
            imagefs_gc(fs, n);
        }
        return 0;
    }
    if (te->whiteout_meta || te->type == TAR_OTHER ||
        (!*te->path && te->type != TAR_DIR))
        return 0;
    /* What was there goes; a non-directory takes what was below too. */
    n = imagefs_lookup(fs, te->path, 0);
    if (n) {
        imagefs_drop(fs, n);
        if (te->type != TAR_DIR)
            imagefs_clear(fs, n, 1, 0);
        else
            imagefs_gc(fs, n); /* directories merge */
    }
    l->pending = 1;
    l->flags = imagefs_flags_of(te);
    if (te->type == TAR_FILE || te->type == TAR_HARDLINK)
        l->cred = imagefs_cred_of(te->path);
    if (te->type == TAR_SYMLINK && imagefs_on_read_way(te->path))
        l->flags |= IMAGEFS_RESOLVE;
    cap = imagefs_read_cap(te->path, &l->fixed);
    if (cap)
        l->flags |= IMAGEFS_READ;
    if (te->type != TAR_FILE)
        return 0;
    l->sniff = !te->sparse && te->size <= IMAGEFS_SNIFF_MAX;
    if (!cap)
        return 0;
    if (te->sparse)
        l->state = CONTENT_SPARSE;
    else if ((uint64_t)te->size > cap)
        l->state = CONTENT_TOO_LARGE;
    else if (fs->content_bytes + (size_t)te->size > IMAGEFS_CONTENT_BUDGET)
        l->state = CONTENT_BUDGET;
    else {
        l->state = CONTENT_OK;
        l->cmax = (size_t)te->size;
        l->content = xmalloc(l->cmax + 1);
    }
    return 0;
}

static int imagefs_on_data(void *ctx, const void *buf, size_t len,
                           struct err *e)
{
    struct imagefs_layer *l = ctx;
    size_t k;

    (void)e;
    if (l->content) {
        k = len < l->cmax - l->clen ? len : l->cmax - l->clen;
        memcpy(l->content + l->clen, buf, k);
        l->clen += k;
    }
    if (l->sniff && l->wlen < IMAGEFS_WINDOW_ROOM) {
        if (!l->window)
            l->window = xmalloc(IMAGEFS_WINDOW_ROOM);
        k = IMAGEFS_WINDOW_ROOM - l->wlen;
        k = len < k ? len : k;
        memcpy(l->window + l->wlen, buf, k);
        l->wlen += k;
    }
    return 0;
}

/* A hard link takes what its target had when the link was written: its
 * size and, for a read file, its content. */
static void imagefs_link_target(struct imagefs *fs, const char *target,
                                struct imagefs_entry *en)
{
    struct imagefs_node *t = imagefs_lookup(fs, target, 0);
    const struct imagefs_entry *src = t ? t->entry : NULL;

    if (src && (src->type == TAR_FILE || src->type == TAR_HARDLINK))
        en->size = src->size;
    if (!(en->flags & IMAGEFS_READ))
        return;
    if (!src || src->state == CONTENT_NONE) {
        en->state = CONTENT_NO_TARGET;
        return;
    }
    en->state = src->state;
    if (src->state != CONTENT_OK)
        return;
    if (fs->content_bytes + src->clen > IMAGEFS_CONTENT_BUDGET) {
        en->state = CONTENT_BUDGET;
        return;
    }
    en->content = xmalloc(src->clen + 1);
    memcpy(en->content, src->content, src->clen);
    en->clen = src->clen;
}

static int imagefs_on_end(void *ctx, const struct tar_entry *te, struct err *e)
{
    struct imagefs_layer *l = ctx;
    struct imagefs *fs = l->fs;
    struct imagefs_entry *en;
    struct imagefs_node *n;
    size_t wl = l->wlen < IMAGEFS_WINDOW ? l->wlen : IMAGEFS_WINDOW;
    size_t names = strlen(te->path) + strlen(te->linkname);
    int counted;

    (void)e;
    if (!l->pending)
        return 0;
    if (l->sniff && imagefs_read_private_key(l->window, l->wlen))
        l->flags |= IMAGEFS_PKEY;
    if ((l->cred == CRED_NPMRC || l->cred == CRED_PYPIRC) &&
        (te->size > (int64_t)IMAGEFS_WINDOW ||
         !imagefs_read_secret_line(l->window, wl)))
        l->cred = CRED_NONE;
    if (l->cred)
        l->flags |= IMAGEFS_CRED;
    if (te->type == TAR_HARDLINK) {
        struct imagefs_node *t = imagefs_lookup(fs, te->linkname, 0);
        if (t && t->entry && (t->entry->flags & IMAGEFS_PKEY))
            l->flags |= IMAGEFS_PKEY;
    }
    if (!l->flags)
        goto out;
    counted = !l->fixed && (l->flags & ~(unsigned int)IMAGEFS_RESOLVE);
    if ((counted && fs->notable >= IMAGEFS_NOTABLE_MAX) ||
        fs->name_bytes + names > IMAGEFS_NAME_BUDGET) {
        fs->dropped++;
        goto out;
    }
    en = xcalloc(1, sizeof(*en));
    en->layer = l->index;
    en->type = te->type;
    en->mode = te->mode;
    en->flags = l->flags;
    en->cred = l->cred;
    en->counted = counted;
    en->uid = te->uid;
    en->gid = te->gid;
    en->size = te->size;
    if (te->type == TAR_SYMLINK || te->type == TAR_HARDLINK) {
        en->link = xstrdup(te->linkname);
        fs->name_bytes += strlen(en->link);
    }
    en->state = l->state;
    if (l->state == CONTENT_OK && l->clen == l->cmax) {
        en->content = l->content;
        en->clen = l->clen;
        l->content = NULL;
    } else if (l->state == CONTENT_OK) {
        en->state = CONTENT_NONE; /* cannot happen: tar gives every byte */
    }
    if (te->type == TAR_HARDLINK)
        imagefs_link_target(fs, te->linkname, en);
    n = imagefs_lookup(fs, te->path, 1);
    imagefs_drop(fs, n);
    n->entry = en;
    fs->notable += (size_t)counted;
    fs->content_bytes += en->state == CONTENT_OK ? en->clen : 0;
out:
    imagefs_layer_reset(l);
    return 0;
}

static const struct tar_handler imagefs_handler = {
    .entry = imagefs_on_entry,
    .data = imagefs_on_data,
    .end = imagefs_on_end,
};

static int imagefs_layer_write(struct sink *s, const void *buf, size_t len,
                               struct err *e)
{
    struct imagefs_layer *l = (struct imagefs_layer *)s;

    if (l->refused)
        return err_set(e, "%s: layers must come in order (got index %u)",
                       l->what, l->index);
    if (l->tar->write(l->tar, buf, len, e)) {
        l->fs->failed = 1;
        return -1;
    }
    return 0;
}

static int imagefs_layer_close(struct sink *s, struct err *e)
{
    struct imagefs_layer *l = (struct imagefs_layer *)s;

    if (l->refused)
        return err_set(e, "%s: layers must come in order (got index %u)",
                       l->what, l->index);
    if (l->closed) /* again: the same answer */
        return l->close_rc ? l->tar->close(l->tar, e) : 0;
    l->closed = 1;
    l->close_rc = l->tar->close(l->tar, e);
    if (l->close_rc)
        l->fs->failed = 1;
    else
        l->fs->closed_ok++;
    return l->close_rc;
}

static void imagefs_layer_free(struct sink *s)
{
    struct imagefs_layer *l = (struct imagefs_layer *)s;

    if (!l)
        return;
    if (l->tar)
        l->tar->free(l->tar);
    imagefs_layer_reset(l);
    free(l->window);
    free(l->what);
    free(l);
}

struct sink *imagefs_layer_sink(struct imagefs *fs, unsigned index,
                                const char *what)
{
    struct imagefs_layer *l = xcalloc(1, sizeof(*l));

    l->base.write = imagefs_layer_write;
    l->base.close = imagefs_layer_close;
    l->base.free = imagefs_layer_free;
    l->fs = fs;
    l->index = index;
    l->what = xstrdup(what ? what : "layer");
    l->tar = tar_sink_new(&imagefs_handler, l, l->what);
    fs->opened++;
    if (index < fs->next_index) {
        l->refused = 1;
        fs->failed = 1;
    } else {
        fs->next_index = index + 1;
    }
    return &l->base;
}

/* ---- the filesystem ---------------------------------------------------- */

struct imagefs *imagefs_new(void)
{
    struct imagefs *fs = xcalloc(1, sizeof(*fs));

    fs->nbuckets = 256;
    fs->buckets = xcalloc(fs->nbuckets, sizeof(*fs->buckets));
    fs->root = xcalloc(1, sizeof(*fs->root));
    fs->root->hash = 14695981039346656037u;
    return fs;
}

void imagefs_free(struct imagefs *fs)
{
    size_t i;

    if (!fs)
        return;
    for (i = 0; i < fs->nbuckets; i++) {
        struct imagefs_node *c = fs->buckets[i], *next;
        for (; c; c = next) {
            next = c->hnext;
            imagefs_entry_free(c->entry);
            free(c);
        }
    }
    imagefs_entry_free(fs->root->entry);
    free(fs->root);
    free(fs->buckets);
    free(fs);
}

int imagefs_complete(const struct imagefs *fs)
{
    return !fs->failed && fs->opened == fs->closed_ok;
}
