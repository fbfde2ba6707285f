/* walk.c: directory trees for collectors; see walk.h. */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "banned.h"

struct walk {
    struct walk_list *l;
    int (*want)(const char *name);
    int flags;
    char *root; /* the tree's real path */
    struct collect_ctx *ctx;
    struct err *e;
};

void walk_add(struct walk_list *l, const char *path)
{
    l->paths = xrealloc(l->paths, (l->n + 1) * sizeof(*l->paths));
    l->paths[l->n++] = xstrdup(path);
}

void walk_release(struct walk_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
    l->paths = NULL;
    l->n = 0;
}

const char *walk_special(unsigned mode)
{
    if (S_ISFIFO(mode))
        return "FIFO";
    if (S_ISCHR(mode))
        return "character device";
    if (S_ISBLK(mode))
        return "block device";
    if (S_ISSOCK(mode))
        return "socket";
    if (!S_ISREG(mode) && !S_ISDIR(mode))
        return "special file";
    return NULL;
}

FILE *walk_fopen(const char *path, struct err *e)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    const char *what;
    FILE *f;

    if (fd < 0) {
        err_set(e, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0) {
        err_set(e, "%s: cannot read: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode) || (what = walk_special(st.st_mode))) {
        if (S_ISDIR(st.st_mode))
            err_set(e, "%s: cannot read: %s", path, strerror(EISDIR));
        else
            err_set(e, "%s: is a %s, not a regular file; not read", path, what);
        close(fd);
        return NULL;
    }
    /* A regular file never blocks; blocking reads again all the same. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    f = fdopen(fd, "rb");
    if (!f) {
        err_set(e, "%s: cannot read: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

static void walk_skip(struct walk *w, const char *path, const char *reason)
{
    if (w->ctx->skipped)
        w->ctx->skipped(w->ctx, path, reason);
}

/* The tree's real path is a prefix of target's, at a '/'. */
static int walk_inside(const struct walk *w, const char *target)
{
    size_t n = strlen(w->root);

    if (strcmp(w->root, "/") == 0)
        return 1;
    return strncmp(target, w->root, n) == 0 &&
           (target[n] == '/' || target[n] == '\0');
}

/* A symlink whose name is wanted: read only a regular file in the tree. */
static void walk_link(struct walk *w, const char *path)
{
    char *target = realpath(path, NULL);
    struct stat st;

    if (!target) {
        walk_add(w->l, path); /* reading it says why (dangling) */
        return;
    }
    if (!walk_inside(w, target))
        walk_skip(w, path, WALK_SKIP_OUTSIDE);
    else if (stat(target, &st) != 0)
        walk_add(w->l, path);
    else if (S_ISREG(st.st_mode))
        walk_add(w->l, path);
    else if (!S_ISDIR(st.st_mode)) /* directories: not followed */
        walk_skip(w, path, WALK_SKIP_SPECIAL);
    free(target);
}

static int walk_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_dir(struct walk *w, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, i;
    struct strbuf p = STRBUF_INIT;

    if (!d) {
        sb_addf(&p, "%s: cannot read directory: %s", dir, strerror(errno));
        w->ctx->input_error(w->ctx, dir, sb_str(&p), w->e);
        sb_release(&p);
        return;
    }
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (de->d_name[0] == '.' && !(w->flags & WALK_HIDDEN))
            continue;
        names = xrealloc(names, (n + 1) * sizeof(*names));
        names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), walk_cmp);
    for (i = 0; i < n; i++) {
        struct stat lst;
        sb_setlen(&p, 0);
        sb_addf(&p, "%s%s%s", dir, str_has_suffix(dir, "/") ? "" : "/",
                names[i]);
        if (lstat(sb_str(&p), &lst) != 0) {
            if (w->want(names[i]))
                walk_add(w->l, sb_str(&p)); /* reading it says why */
        } else if (S_ISDIR(lst.st_mode)) {
            walk_dir(w, sb_str(&p));
        } else if (!w->want(names[i])) {
            ; /* not ours, whatever it is */
        } else if (S_ISLNK(lst.st_mode)) {
            walk_link(w, sb_str(&p));
        } else if (S_ISREG(lst.st_mode)) {
            walk_add(w->l, sb_str(&p));
        } else {
            walk_skip(w, sb_str(&p), WALK_SKIP_SPECIAL);
        }
        free(names[i]);
    }
    free(names);
    sb_release(&p);
}

void walk_files(struct walk_list *l, const char *dir,
                int (*want)(const char *name), int flags,
                struct collect_ctx *ctx, struct err *e)
{
    struct walk w = {l, want, flags, realpath(dir, NULL), ctx, e};

    if (!w.root) {
        struct strbuf p = STRBUF_INIT;
        sb_addf(&p, "%s: cannot read directory: %s", dir, strerror(errno));
        ctx->input_error(ctx, dir, sb_str(&p), e);
        sb_release(&p);
        return;
    }
    walk_dir(&w, dir);
    free(w.root);
}
