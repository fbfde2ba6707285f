/*
 * node_fs.c: the node's filesystem from a directory or a tar archive (see
 * node_fs.h). Both backends answer three raw questions about a path that is
 * already resolved (lstat, readlink, read, list); the resolver above them
 * walks symlinks by hand so that no path ever leaves the root.
 */
#include "node_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decomp.h"
#include "tar.h"
#include "banned.h"

#define NODEFS_MAX_LINKS 40 /* symlinks followed in one path, as Linux */

struct nodefs_ent {
    char *path; /* normalised, no leading "/"; "" is the root */
    enum nodefs_type type;
    unsigned mode;
    long long uid, gid, size;
    char *uname, *gname;
    char *link; /* symlink target as stored, or a hard link's target */
    int hard;
    char *data; /* content, when kept */
    size_t dlen;
    int has_data;
    size_t order; /* position in the archive: a later entry wins */
};

struct nodefs {
    char *root;
    int tar;
    struct nodefs_ent *ents;
    size_t n, cap;
    /* Loading. */
    uint64_t kept;
    size_t cur; /* index of the entry whose content is arriving */
    int keep;
    struct strbuf data;
};

/* ---- tar loading --------------------------------------------------------- */

static int nodefs_tar_entry(void *ctx, const struct tar_entry *te,
                            struct err *e)
{
    struct nodefs *fs = ctx;
    struct nodefs_ent *en;

    fs->keep = 0;
    if (fs->n >= NODEFS_TAR_MAX_ENTRIES)
        return err_set(e, "%s: more than %u entries; not a node's filesystem",
                       fs->root, NODEFS_TAR_MAX_ENTRIES);
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? fs->cap * 2 : 256;
        fs->ents = xrealloc(fs->ents, fs->cap * sizeof(*fs->ents));
    }
    en = &fs->ents[fs->n];
    memset(en, 0, sizeof(*en));
    en->path = xstrdup(te->path);
    switch (te->type) {
    case TAR_FILE:
        en->type = NODEFS_FILE;
        break;
    case TAR_HARDLINK:
        en->type = NODEFS_FILE;
        en->hard = 1;
        break;
    case TAR_SYMLINK:
        en->type = NODEFS_LINK;
        break;
    case TAR_DIR:
        en->type = NODEFS_DIR;
        break;
    default:
        en->type = NODEFS_OTHER;
    }
    en->mode = te->mode & 07777;
    en->uid = te->uid;
    en->gid = te->gid;
    en->size = te->size;
    en->uname = xstrdup(te->uname);
    en->gname = xstrdup(te->gname);
    if (te->type == TAR_SYMLINK || te->type == TAR_HARDLINK)
        en->link = xstrdup(te->linkname);
    en->order = fs->n;
    if (te->type == TAR_FILE && !te->sparse && te->size >= 0 &&
        (uint64_t)te->size <= NODEFS_TAR_FILE_MAX &&
        fs->kept + (uint64_t)te->size <= NODEFS_TAR_CONTENT_MAX) {
        fs->keep = 1;
        fs->cur = fs->n;
        sb_setlen(&fs->data, 0);
    }
    fs->n++;
    return 0;
}

static int nodefs_tar_data(void *ctx, const void *buf, size_t len,
                           struct err *e)
{
    struct nodefs *fs = ctx;

    (void)e;
    if (fs->keep)
        sb_add(&fs->data, buf, len);
    return 0;
}

static int nodefs_tar_end(void *ctx, const struct tar_entry *te, struct err *e)
{
    struct nodefs *fs = ctx;
    struct nodefs_ent *en;

    (void)te;
    (void)e;
    if (!fs->keep)
        return 0;
    en = &fs->ents[fs->cur];
    en->dlen = fs->data.len;
    en->data = fs->data.len ? sb_detach(&fs->data) : xstrdup("");
    en->has_data = 1;
    fs->kept += en->dlen;
    fs->keep = 0;
    return 0;
}

static int nodefs_ent_cmp(const void *a, const void *b)
{
    const struct nodefs_ent *x = a, *y = b;
    int c = strcmp(x->path, y->path);

    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void nodefs_ent_release(struct nodefs_ent *en)
{
    free(en->path);
    free(en->uname);
    free(en->gname);
    free(en->link);
    free(en->data);
}

/* The first entry whose path is >= key. */
static size_t nodefs_lower(const struct nodefs *fs, const char *key)
{
    size_t lo = 0, hi = fs->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(fs->ents[mid].path, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct nodefs_ent *nodefs_find(struct nodefs *fs, const char *rel)
{
    size_t i = nodefs_lower(fs, rel);

    return i < fs->n && strcmp(fs->ents[i].path, rel) == 0 ? &fs->ents[i]
                                                           : NULL;
}

/* Sorts, keeps the last of equal paths (as extraction would), and gives
 * hard links their target's content and attributes. */
static void nodefs_tar_index(struct nodefs *fs)
{
    size_t i, w = 0;

    qsort(fs->ents, fs->n, sizeof(*fs->ents), nodefs_ent_cmp);
    for (i = 0; i < fs->n; i++) {
        if (i + 1 < fs->n &&
            strcmp(fs->ents[i].path, fs->ents[i + 1].path) == 0) {
            nodefs_ent_release(&fs->ents[i]);
            continue;
        }
        fs->ents[w++] = fs->ents[i];
    }
    fs->n = w;
    for (i = 0; i < fs->n; i++) {
        struct nodefs_ent *en = &fs->ents[i], *t;
        if (!en->hard || !(t = nodefs_find(fs, en->link)) || t->hard)
            continue;
        en->type = t->type;
        en->mode = t->mode;
        en->uid = t->uid;
        en->gid = t->gid;
        en->size = t->size;
        if (t->has_data && fs->kept + t->dlen <= NODEFS_TAR_CONTENT_MAX) {
            en->data = xmalloc(t->dlen + 1);
            memcpy(en->data, t->data, t->dlen);
            en->data[t->dlen] = '\0';
            en->dlen = t->dlen;
            en->has_data = 1;
            fs->kept += t->dlen;
        }
    }
}

static int nodefs_tar_load(struct nodefs *fs, struct err *e)
{
    static const struct tar_handler h = {nodefs_tar_entry, nodefs_tar_data,
                                         nodefs_tar_end};
    struct sink *ts = tar_sink_new(&h, fs, fs->root);
    struct sink *dec = decomp_sink_new(DECOMP_AUTO, fs->root, ts);
    FILE *f = fopen(fs->root, "rb");
    char buf[65536];
    size_t got;
    int rc = 0;

    if (!f) {
        rc = err_set(e, "%s: cannot read: %s", fs->root, strerror(errno));
        goto out;
    }
    decomp_sink_limit(dec, (uint64_t)64 << 30, NULL, 0);
    while (rc == 0 && (got = fread(buf, 1, sizeof(buf), f)) > 0)
        rc = dec->write(dec, buf, got, e);
    if (rc == 0 && ferror(f))
        rc = err_set(e, "%s: read error", fs->root);
    if (rc == 0)
        rc = dec->close(dec, e);
    if (rc == 0 && fs->n == 0)
        rc = err_set(e, "%s: an empty archive, not a node's filesystem",
                     fs->root);
    if (rc == 0)
        nodefs_tar_index(fs);
out:
    if (f)
        fclose(f);
    dec->free(dec);
    ts->free(ts);
    return rc;
}

/* ---- raw operations on resolved paths ---------------------------------- */

static void nodefs_join(const struct nodefs *fs, const char *rel,
                        struct strbuf *sb)
{
    size_t n = strlen(fs->root);

    sb_setlen(sb, 0);
    while (n > 1 && fs->root[n - 1] == '/')
        n--;
    sb_add(sb, fs->root, n);
    if (!(n == 1 && fs->root[0] == '/'))
        sb_adds(sb, "/");
    sb_adds(sb, rel);
}

static int nodefs_raw_lstat(struct nodefs *fs, const char *rel,
                            struct nodefs_stat *st, struct err *e)
{
    memset(st, 0, sizeof(*st));
    st->uname = st->gname = "";
    if (fs->tar) {
        struct nodefs_ent *en = nodefs_find(fs, rel);
        size_t rl = strlen(rel), i;
        if (en) {
            st->type = en->type;
            st->mode = en->mode;
            st->uid = en->uid;
            st->gid = en->gid;
            st->size = en->size;
            st->uname = en->uname;
            st->gname = en->gname;
            return 0;
        }
        /* A directory the archive names only through its members. */
        if (rl == 0 && fs->n > 0) {
            st->type = NODEFS_DIR;
            st->mode = 0755;
            return 0;
        }
        {
            /* Members sort between rel and rel + "/": "a-b" < "a/b". */
            struct strbuf k = STRBUF_INIT;
            int found;
            sb_adds(&k, rel);
            sb_adds(&k, "/");
            i = nodefs_lower(fs, sb_str(&k));
            found = i < fs->n && strncmp(fs->ents[i].path, k.buf, k.len) == 0;
            sb_release(&k);
            if (found) {
                st->type = NODEFS_DIR;
                st->mode = 0755;
                return 0;
            }
        }
        return 1;
    } else {
        struct strbuf full = STRBUF_INIT;
        struct stat sb;
        int rc = 0;
        nodefs_join(fs, rel, &full);
        if (lstat(sb_str(&full), &sb) != 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                rc = 1;
            else
                rc = err_set(e, "%s: %s", sb_str(&full), strerror(errno));
        } else {
            st->type = S_ISREG(sb.st_mode)   ? NODEFS_FILE
                       : S_ISDIR(sb.st_mode) ? NODEFS_DIR
                       : S_ISLNK(sb.st_mode) ? NODEFS_LINK
                                             : NODEFS_OTHER;
            st->mode = sb.st_mode & 07777;
            st->uid = sb.st_uid;
            st->gid = sb.st_gid;
            st->size = (long long)sb.st_size;
        }
        sb_release(&full);
        return rc;
    }
}

static int nodefs_raw_readlink(struct nodefs *fs, const char *rel,
                               struct strbuf *out, struct err *e)
{
    sb_setlen(out, 0);
    if (fs->tar) {
        struct nodefs_ent *en = nodefs_find(fs, rel);
        sb_adds(out, en && en->link ? en->link : "");
        return 0;
    } else {
        struct strbuf full = STRBUF_INIT;
        char buf[4096];
        ssize_t n;
        nodefs_join(fs, rel, &full);
        n = readlink(sb_str(&full), buf, sizeof(buf));
        if (n < 0 || (size_t)n >= sizeof(buf)) {
            err_set(e, "%s: cannot read the link: %s", sb_str(&full),
                    n < 0 ? strerror(errno) : "target too long");
            sb_release(&full);
            return -1;
        }
        sb_add(out, buf, (size_t)n);
        sb_release(&full);
        return 0;
    }
}

/* ---- resolution ------------------------------------------------------- */

/* Resolves node path into rel (no leading "/") under the root, following
 * symlinks before the last component, and the last one too when
 * follow_last. 0 found (st filled), 1 absent, -1 error. */
static int nodefs_resolve(struct nodefs *fs, const char *path, int follow_last,
                          struct strbuf *rel, struct nodefs_stat *st,
                          struct err *e)
{
    struct strbuf todo = STRBUF_INIT, next = STRBUF_INIT, link = STRBUF_INIT;
    size_t i = 0, links = 0;
    int rc = 0;

    sb_setlen(rel, 0);
    sb_adds(&todo, path);
    rc = nodefs_raw_lstat(fs, "", st, e); /* the root itself */
    while (rc == 0) {
        const char *s = todo.buf ? todo.buf + i : "";
        size_t clen, restpos;
        int last;
        while (*s == '/')
            s++;
        if (!*s)
            break;
        clen = strcspn(s, "/");
        restpos = (size_t)(s - todo.buf) + clen;
        i = restpos;
        if (clen == 1 && s[0] == '.')
            continue;
        if (clen == 2 && s[0] == '.' && s[1] == '.') {
            char *slash = rel->len ? strrchr(rel->buf, '/') : NULL;
            sb_setlen(rel, slash ? (size_t)(slash - rel->buf) : 0);
            continue;
        }
        if (rel->len)
            sb_adds(rel, "/");
        sb_add(rel, s, clen);
        last = todo.buf[restpos + strspn(todo.buf + restpos, "/")] == '\0';
        rc = nodefs_raw_lstat(fs, sb_str(rel), st, e);
        if (rc)
            break;
        if (st->type == NODEFS_LINK && (!last || follow_last)) {
            char *slash;
            if (++links > NODEFS_MAX_LINKS) {
                rc = err_set(e, "%s: too many levels of symbolic links", path);
                break;
            }
            if ((rc = nodefs_raw_readlink(fs, sb_str(rel), &link, e)))
                break;
            slash = strrchr(rel->buf, '/');
            sb_setlen(rel, slash ? (size_t)(slash - rel->buf) : 0);
            if (link.len && link.buf[0] == '/')
                sb_setlen(rel, 0);
            sb_setlen(&next, 0);
            sb_add(&next, link.buf ? link.buf : "", link.len);
            sb_adds(&next, "/");
            sb_adds(&next, todo.buf + restpos);
            sb_setlen(&todo, 0);
            sb_add(&todo, next.buf, next.len);
            i = 0;
            continue;
        }
        if (!last && st->type != NODEFS_DIR) {
            rc = 1;
            break;
        }
    }
    sb_release(&todo);
    sb_release(&next);
    sb_release(&link);
    return rc;
}

/* ---- the interface ---------------------------------------------------- */

int nodefs_open(const char *root, struct nodefs **out, struct err *e)
{
    struct nodefs *fs;
    struct stat st;

    *out = NULL;
    if (stat(root, &st) != 0)
        return err_set(e, "--node-root %s: %s", root, strerror(errno));
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
        return err_set(e,
                       "--node-root %s: expected a directory or a tar archive "
                       "(.tar, .tar.gz) of a node's filesystem",
                       root);
    fs = xcalloc(1, sizeof(*fs));
    fs->root = xstrdup(root);
    fs->tar = S_ISREG(st.st_mode);
    if (fs->tar && nodefs_tar_load(fs, e)) {
        nodefs_free(fs);
        return -1;
    }
    *out = fs;
    return 0;
}

void nodefs_free(struct nodefs *fs)
{
    size_t i;

    if (!fs)
        return;
    for (i = 0; i < fs->n; i++)
        nodefs_ent_release(&fs->ents[i]);
    free(fs->ents);
    sb_release(&fs->data);
    free(fs->root);
    free(fs);
}

int nodefs_is_tar(const struct nodefs *fs)
{
    return fs->tar;
}

const char *nodefs_root(const struct nodefs *fs)
{
    return fs->root;
}

void nodefs_where(const struct nodefs *fs, const char *path, struct strbuf *sb)
{
    sb_setlen(sb, 0);
    if (fs->tar) {
        sb_addf(sb, "%s:%s", fs->root, path);
        return;
    }
    nodefs_join(fs, path[0] == '/' ? path + 1 : path, sb);
}

int nodefs_lstat(struct nodefs *fs, const char *path, struct nodefs_stat *st,
                 struct err *e)
{
    struct strbuf rel = STRBUF_INIT;
    int rc = nodefs_resolve(fs, path, 0, &rel, st, e);

    sb_release(&rel);
    return rc;
}

int nodefs_read(struct nodefs *fs, const char *path, size_t cap,
                struct strbuf *out, struct err *e)
{
    struct strbuf rel = STRBUF_INIT, full = STRBUF_INIT;
    struct nodefs_stat st;
    int rc, fd = -1;

    sb_setlen(out, 0);
    rc = nodefs_resolve(fs, path, 1, &rel, &st, e);
    if (rc)
        goto out;
    if (st.type != NODEFS_FILE) {
        rc = err_set(e, "%s: is a %s, not a regular file; not read", path,
                     st.type == NODEFS_DIR ? "directory" : "special file");
        goto out;
    }
    if (st.size > (long long)cap) {
        rc = err_set(e, "%s: larger than %zu bytes; not read", path, cap);
        goto out;
    }
    if (fs->tar) {
        struct nodefs_ent *en = nodefs_find(fs, sb_str(&rel));
        if (!en || !en->has_data) {
            rc = err_set(e, "%s: its content was not kept from the archive",
                         path);
            goto out;
        }
        sb_add(out, en->data, en->dlen);
    } else {
        struct stat sb;
        char buf[65536];
        ssize_t n;
        nodefs_join(fs, sb_str(&rel), &full);
        fd = open(sb_str(&full),
                  O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
            rc = err_set(e, "%s: cannot read: %s", path, strerror(errno));
            goto out;
        }
        if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            rc = err_set(e, "%s: not a regular file; not read", path);
            goto out;
        }
        while ((n = read(fd, buf, sizeof(buf))) > 0) {
            sb_add(out, buf, (size_t)n);
            if (out->len > cap) {
                rc = err_set(e, "%s: larger than %zu bytes; not read", path,
                             cap);
                goto out;
            }
        }
        if (n < 0)
            rc = err_set(e, "%s: cannot read: %s", path, strerror(errno));
    }
out:
    if (fd >= 0)
        close(fd);
    if (rc)
        sb_setlen(out, 0);
    sb_release(&rel);
    sb_release(&full);
    return rc;
}

static int nodefs_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void nodefs_names_add(char ***names, size_t *n, const char *s,
                             size_t len)
{
    *names = xrealloc(*names, (*n + 1) * sizeof(**names));
    (*names)[(*n)++] = xstrndup(s, len);
}

int nodefs_list(struct nodefs *fs, const char *path, char ***names, size_t *n,
                struct err *e)
{
    struct strbuf rel = STRBUF_INIT, full = STRBUF_INIT;
    struct nodefs_stat st;
    size_t i, w;
    int rc;

    *names = NULL;
    *n = 0;
    rc = nodefs_resolve(fs, path, 1, &rel, &st, e);
    if (rc == 0 && st.type != NODEFS_DIR)
        rc = 1;
    if (rc)
        goto out;
    if (fs->tar) {
        size_t pl;
        if (rel.len)
            sb_adds(&rel, "/");
        pl = rel.len;
        for (i = nodefs_lower(fs, sb_str(&rel)); i < fs->n; i++) {
            const char *p = fs->ents[i].path;
            if (strncmp(p, sb_str(&rel), pl) != 0)
                break;
            if (p[pl])
                nodefs_names_add(names, n, p + pl, strcspn(p + pl, "/"));
        }
    } else {
        DIR *d;
        struct dirent *de;
        nodefs_join(fs, sb_str(&rel), &full);
        d = opendir(sb_str(&full));
        if (!d) {
            rc = err_set(e, "%s: cannot list: %s", path, strerror(errno));
            goto out;
        }
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                nodefs_names_add(names, n, de->d_name, strlen(de->d_name));
        closedir(d);
    }
    if (*n)
        qsort(*names, *n, sizeof(**names), nodefs_name_cmp);
    for (i = 0, w = 0; i < *n; i++) {
        if (w && strcmp((*names)[w - 1], (*names)[i]) == 0) {
            free((*names)[i]);
            continue;
        }
        (*names)[w++] = (*names)[i];
    }
    *n = w;
out:
    sb_release(&rel);
    sb_release(&full);
    return rc;
}

void nodefs_names_free(char **names, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
