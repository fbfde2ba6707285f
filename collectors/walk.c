/* walk.c: directory trees for collectors; see walk.h. */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"
#include "banned.h"

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

static int walk_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void walk_files(struct walk_list *l, const char *dir,
                int (*want)(const char *name), struct collect_ctx *ctx,
                struct err *e)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, i;
    struct strbuf p = STRBUF_INIT;

    if (!d) {
        sb_addf(&p, "%s: cannot read directory: %s", dir, strerror(errno));
        ctx->input_error(ctx, dir, sb_str(&p), e);
        sb_release(&p);
        return;
    }
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        names = xrealloc(names, (n + 1) * sizeof(*names));
        names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), walk_cmp);
    for (i = 0; i < n; i++) {
        struct stat lst, st;
        sb_setlen(&p, 0);
        sb_addf(&p, "%s%s%s", dir, str_has_suffix(dir, "/") ? "" : "/",
                names[i]);
        if (lstat(sb_str(&p), &lst) == 0 && S_ISDIR(lst.st_mode))
            walk_files(l, sb_str(&p), want, ctx, e);
        else if (want(names[i]) &&
                 (stat(sb_str(&p), &st) != 0 || !S_ISDIR(st.st_mode)))
            walk_add(l, sb_str(&p));
        free(names[i]);
    }
    free(names);
    sb_release(&p);
}
