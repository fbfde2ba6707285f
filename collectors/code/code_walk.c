/*
 * code_walk.c: a repository's working tree, file by file, as git sees it
 * (.gitignore at every level, and .fourcignore beside it), without
 * following a symlink anywhere or opening anything but regular files.
 */
#include "code_scan.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "code_ignore.h"
#include "util.h"
#include "walk.h"
#include "banned.h"

struct code_walk {
    char *root; /* the tree's real path */
    uint64_t max;
    struct code_ignore *ig;
    struct collect_ctx *ctx;
    code_file_fn fn;
    void *arg;
    struct err *e;
};

int code_is_binary(const char *buf, size_t len)
{
    return memchr(buf, '\0', len < 8192 ? len : 8192) != NULL;
}

static void code_walk_skip(struct code_walk *w, const char *path,
                           const char *reason)
{
    if (w->ctx->skipped)
        w->ctx->skipped(w->ctx, path, reason);
}

static int code_walk_error(struct code_walk *w, const char *path,
                           const char *msg)
{
    return w->ctx->input_error(w->ctx, path, msg, w->e);
}

/* Reads path (a regular file, at most w->max bytes) into text; 1: it was
 * skipped or reported, 0: read, -1: storing failed. */
static int code_walk_read(struct code_walk *w, const char *path,
                          struct strbuf *text)
{
    struct err fe;
    FILE *f = walk_fopen(path, &fe);
    struct stat st;
    char buf[65536];
    size_t n;
    int bad;

    if (!f)
        return code_walk_error(w, path, fe.msg) ? -1 : 1;
    if (fstat(fileno(f), &st) == 0 && (uint64_t)st.st_size > w->max) {
        fclose(f);
        code_walk_skip(w, path, CODE_SKIP_LARGE);
        return 1;
    }
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && text->len <= w->max)
        sb_add(text, buf, n);
    bad = ferror(f);
    fclose(f);
    if (bad) {
        struct strbuf msg = STRBUF_INIT;
        int rc;
        sb_addf(&msg, "%s: read error", path);
        rc = code_walk_error(w, path, sb_str(&msg));
        sb_release(&msg);
        return rc ? -1 : 1;
    }
    if (text->len > w->max) { /* it grew while being read */
        code_walk_skip(w, path, CODE_SKIP_LARGE);
        return 1;
    }
    return 0;
}

static int code_walk_file(struct code_walk *w, const char *path,
                          const char *rel)
{
    struct strbuf text = STRBUF_INIT;
    struct code_file cf = {path, rel, NULL, NULL, NULL, 0};
    int rc = code_walk_read(w, path, &text);

    if (rc == 1) {
        rc = 0; /* skipped, or an input error */
    } else if (rc == 0) {
        if (code_is_binary(text.buf ? text.buf : "", text.len)) {
            code_walk_skip(w, path, CODE_SKIP_BINARY);
        } else {
            cf.buf = sb_str(&text);
            cf.len = text.len;
            rc = w->fn(w->arg, &cf, w->e);
        }
    }
    sb_release(&text);
    return rc;
}

/* A symlink: never followed; said why. */
static void code_walk_link(struct code_walk *w, const char *path)
{
    char *target = realpath(path, NULL);
    size_t n = strlen(w->root);
    struct stat st;

    if (!target) {
        code_walk_skip(w, path,
                       errno == ELOOP ? CODE_SKIP_LOOP : CODE_SKIP_DANGLING);
        return;
    }
    if (!(strncmp(target, w->root, n) == 0 &&
          (target[n] == '/' || target[n] == '\0')))
        code_walk_skip(w, path, WALK_SKIP_OUTSIDE);
    else if (stat(target, &st) == 0 && S_ISDIR(st.st_mode))
        code_walk_skip(w, path, CODE_SKIP_LINKDIR);
    else if (stat(target, &st) == 0 && S_ISREG(st.st_mode))
        code_walk_skip(w, path, CODE_SKIP_LINKIN);
    else
        code_walk_skip(w, path, WALK_SKIP_SPECIAL);
    free(target);
}

/* The ignore file name in dir, if it is a regular file. */
static void code_walk_ignore_file(struct code_walk *w, const char *dir,
                                  const char *rel, const char *name)
{
    struct strbuf p = STRBUF_INIT, text = STRBUF_INIT;
    struct stat st;

    sb_addf(&p, "%s/%s", dir, name);
    if (lstat(sb_str(&p), &st) == 0 && S_ISREG(st.st_mode) &&
        code_walk_read(w, sb_str(&p), &text) == 0)
        code_ignore_add(w->ig, rel, sb_str(&text), text.len);
    sb_release(&p);
    sb_release(&text);
}

static int code_walk_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int code_walk_dir(struct code_walk *w, const char *dir, const char *rel)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, i, mark = code_ignore_count(w->ig);
    struct strbuf p = STRBUF_INIT, r = STRBUF_INIT;
    int rc = 0;

    if (!d) {
        sb_addf(&p, "%s: cannot read directory: %s", dir, strerror(errno));
        rc = code_walk_error(w, dir, sb_str(&p));
        sb_release(&p);
        return rc;
    }
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            strcmp(de->d_name, ".git") == 0)
            continue;
        names = xrealloc(names, (n + 1) * sizeof(*names));
        names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), code_walk_cmp);
    code_walk_ignore_file(w, dir, rel, ".gitignore");
    code_walk_ignore_file(w, dir, rel, ".fourcignore");
    for (i = 0; i < n; i++) {
        struct stat lst;
        sb_setlen(&p, 0);
        sb_addf(&p, "%s%s%s", dir, str_has_suffix(dir, "/") ? "" : "/",
                names[i]);
        sb_setlen(&r, 0);
        sb_addf(&r, "%s%s%s", rel, *rel ? "/" : "", names[i]);
        if (rc == 0 && lstat(sb_str(&p), &lst) != 0) {
            struct strbuf m = STRBUF_INIT;
            sb_addf(&m, "%s: cannot read: %s", sb_str(&p), strerror(errno));
            rc = code_walk_error(w, sb_str(&p), sb_str(&m));
            sb_release(&m);
        } else if (rc == 0 &&
                   code_ignore_match(w->ig, sb_str(&r), S_ISDIR(lst.st_mode))) {
            ; /* as git: not there at all, so not counted */
        } else if (rc == 0 && S_ISDIR(lst.st_mode)) {
            rc = code_walk_dir(w, sb_str(&p), sb_str(&r));
        } else if (rc == 0 && S_ISLNK(lst.st_mode)) {
            code_walk_link(w, sb_str(&p));
        } else if (rc == 0 && S_ISREG(lst.st_mode)) {
            rc = code_walk_file(w, sb_str(&p), sb_str(&r));
        } else if (rc == 0) {
            code_walk_skip(w, sb_str(&p), WALK_SKIP_SPECIAL);
        }
        free(names[i]);
    }
    free(names);
    code_ignore_truncate(w->ig, mark);
    sb_release(&p);
    sb_release(&r);
    return rc;
}

int code_walk(const char *root, uint64_t max, struct collect_ctx *ctx,
              code_file_fn fn, void *arg, struct err *e)
{
    struct code_walk w = {realpath(root, NULL), max, NULL, ctx, fn, arg, e};
    struct stat st;
    int rc;

    if (!w.root || stat(w.root, &st) != 0) {
        struct strbuf p = STRBUF_INIT;
        sb_addf(&p, "%s: cannot read: %s", root, strerror(errno));
        rc = ctx->input_error(ctx, root, sb_str(&p), e);
        sb_release(&p);
        free(w.root);
        return rc;
    }
    w.ig = code_ignore_new();
    if (S_ISDIR(st.st_mode)) {
        /* the repository's own excludes, below every .gitignore */
        struct strbuf info = STRBUF_INIT;
        sb_addf(&info, "%s/.git/info", root);
        code_walk_ignore_file(&w, sb_str(&info), "", "exclude");
        sb_release(&info);
        rc = code_walk_dir(&w, root, "");
    } else {
        const char *base = strrchr(root, '/');
        rc = code_walk_file(&w, root, base ? base + 1 : root);
    }
    code_ignore_free(w.ig);
    free(w.root);
    return rc;
}
