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
 * The files that are read are parsed only when resources are asked for:
 * symlinks are followed then, against the final tree.
 */
#include "imagefs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imagefs_read.h"
#include "tar.h"
#include "util.h"
#include "banned.h"

#define IMAGEFS_NAME_BUDGET (8u << 20)      /* kept names and link targets */
#define IMAGEFS_CONTENT_BUDGET (160u << 20) /* captured content, in all */
#define IMAGEFS_DB_MAX (64u << 20)          /* dpkg status, apk installed */
#define IMAGEFS_FILE_MAX (1u << 20)         /* the other read files */
#define IMAGEFS_SNIFF_MAX (1u << 20)        /* files looked at for keys */
#define IMAGEFS_WINDOW (64u << 10)          /* ... in their first 64 KiB */
/* room for a marker that starts in the window to end after it */
#define IMAGEFS_WINDOW_ROOM (IMAGEFS_WINDOW + 128)
#define IMAGEFS_HOPS_MAX 40 /* symlinks followed, as Linux's MAXSYMLINKS */

enum imagefs_flag {
    IMAGEFS_SETUID = 1 << 0,
    IMAGEFS_SETGID = 1 << 1,
    IMAGEFS_WW = 1 << 2,
    IMAGEFS_PKEY = 1 << 3,
    IMAGEFS_CRED = 1 << 4,
    IMAGEFS_SSH = 1 << 5,
    IMAGEFS_UNSAFE = 1 << 6,
    IMAGEFS_DEVICE = 1 << 7,
    IMAGEFS_READ = 1 << 8,    /* a file imagefs reads */
    IMAGEFS_RESOLVE = 1 << 9, /* a symlink on the way to one: not reported */
};

/* The reasons, in the order of the flags. */
static const char *const imagefs_reasons[] = {
    "setuid",     "setgid",     "world-writable", "private-key",
    "credential", "ssh-config", "unsafe-path",    "device"};

enum imagefs_cred {
    CRED_NONE,
    CRED_NETRC,
    CRED_GIT,
    CRED_DOCKER,
    CRED_AWS,
    CRED_NPMRC,
    CRED_PYPIRC,
    CRED_SSH,
    CRED_PGPASS,
    CRED_HTPASSWD
};

static const char *const imagefs_cred_names[] = {
    NULL,    "netrc",  "git-credentials", "docker-config", "aws",
    "npmrc", "pypirc", "ssh-private-key", "pgpass",        "htpasswd"};

/* What became of a read file's content. */
enum imagefs_content {
    CONTENT_NONE,      /* not captured: not a read file, or no content */
    CONTENT_OK,        /* complete */
    CONTENT_TOO_LARGE, /* over its cap */
    CONTENT_SPARSE,    /* a sparse entry: the tar reader gives no data */
    CONTENT_BUDGET,    /* over the budget of all captured content */
    CONTENT_NO_TARGET  /* a hard link whose target was not kept */
};

static const char *const imagefs_content_why[] = {
    "not-captured", "read",   "too-large",
    "sparse",       "budget", "hardlink-target-unknown"};

struct imagefs_entry {
    unsigned layer;
    enum tar_type type;
    unsigned int mode;
    unsigned int flags;
    enum imagefs_cred cred;
    int counted; /* under the notable cap */
    int64_t uid, gid, size;
    char *link;
    enum imagefs_content state;
    char *content;
    size_t clen;
};

struct imagefs_node {
    struct imagefs_node *parent, *child, *next, *prev; /* the tree */
    struct imagefs_node *hnext;                        /* the hash chain */
    uint64_t hash;
    struct imagefs_entry *entry; /* NULL: only leads to kept entries */
    /* 1 + the layer that last cleared what lower layers had below: a
     * second whiteout or opaque marker there in that layer is a no-op. */
    unsigned cleared;
    size_t nlen;
    char name[]; /* this component */
};

struct imagefs {
    struct imagefs_node *root;
    struct imagefs_node **buckets;
    size_t nbuckets, nnodes;
    size_t notable, name_bytes, content_bytes;
    unsigned next_index;
    unsigned opened, closed_ok;
    int failed;
    /* counts of the entries streamed (all layers, for the summary) */
    uint64_t entries, files, dirs, symlinks, hardlinks, others, bytes;
    uint64_t whiteouts, opaques, unsafe, dropped;
};

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

static struct imagefs_node *imagefs_child(const struct imagefs *fs,
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

/* The path of a node, without a leading "/". */
static void imagefs_node_path(const struct imagefs_node *n, struct strbuf *sb)
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
#define IMAGEFS_STATUS_D "var/lib/dpkg/status.d"

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

/* ---- reading the final filesystem -------------------------------------- */

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
