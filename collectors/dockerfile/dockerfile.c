/*
 * dockerfile.c: Dockerfiles become code/Dockerfile resources, one per
 * file, judged by the same rules an image's history is (the document's
 * shape is in dockerfile_parse.h). A directory means every Dockerfile in
 * it, recursively: Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*.
 * Kept apart from the repository scan so that a later `--code` collector
 * can hand it the Dockerfiles it finds (dockerfile_collect_file).
 */
#include "collector.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "dockerfile_parse.h"
#include "log.h"
#include "util.h"
#include "walk.h"
#include "banned.h"

/* A Dockerfile is a few KiB; a larger file is not one. */
#define DOCKERFILE_MAX_FILE (16u << 20)

static int dockerfile_name_ok(const char *name)
{
    return strcasecmp(name, "Dockerfile") == 0 ||
           strcasecmp(name, "Containerfile") == 0 ||
           str_has_suffix_ci(name, ".Dockerfile") ||
           strncasecmp(name, "Dockerfile.", 11) == 0 ||
           strncasecmp(name, "Containerfile.", 14) == 0;
}

/* Reads, parses and emits one Dockerfile. Non-zero only when storing
 * failed; an unreadable or invalid file is an input error. */
static int dockerfile_collect_file(struct collect_ctx *ctx, const char *path,
                                   struct err *e)
{
    struct strbuf text = STRBUF_INIT, msg = STRBUF_INIT, uid = STRBUF_INIT,
                  src = STRBUF_INIT;
    struct resource r;
    struct err pe;
    json_t *doc = NULL;
    char buf[65536];
    size_t n;
    FILE *f = walk_fopen(path, &pe);
    int rc = 0;

    if (!f) {
        rc = ctx->input_error(ctx, path, pe.msg, e);
        goto out;
    }
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        sb_add(&text, buf, n);
        if (text.len > DOCKERFILE_MAX_FILE)
            break;
    }
    if (ferror(f) || text.len > DOCKERFILE_MAX_FILE) {
        sb_addf(&msg, "%s: %s", path,
                ferror(f) ? "read error"
                          : "larger than 16 MiB, not a "
                            "Dockerfile");
        rc = ctx->input_error(ctx, path, sb_str(&msg), e);
        goto out;
    }
    if (dockerfile_parse(sb_str(&text), text.len, path, &doc, &pe)) {
        /* pe is "path:line: problem": the source is its first part. */
        const char *colon = strchr(pe.msg + strlen(path), ':');
        sb_adds(&src, path);
        if (strncmp(pe.msg, path, strlen(path)) == 0 &&
            pe.msg[strlen(path)] == ':' && colon && colon > pe.msg)
            sb_addf(&src, ":%ld", strtol(pe.msg + strlen(path) + 1, NULL, 10));
        rc = ctx->input_error(ctx, sb_str(&src), pe.msg, e);
        goto out;
    }
    sb_addf(&uid, "dockerfile:%s", path);
    sb_addf(&src, "%s:1", path);
    r.kind = "code/Dockerfile";
    r.uid = sb_str(&uid);
    r.name = path;
    r.namespace = NULL;
    r.source = sb_str(&src);
    r.doc = doc;
    rc = ctx->emit(ctx, &r, e);
out:
    if (f)
        fclose(f);
    json_decref(doc);
    sb_release(&text);
    sb_release(&msg);
    sb_release(&uid);
    sb_release(&src);
    return rc;
}

static int dockerfile_check(const struct target *t, struct err *e)
{
    struct stat st;

    if (stat(t->ref, &st) != 0)
        return err_set(e, "--dockerfile %s: %s", t->ref, strerror(errno));
    if (walk_special(st.st_mode))
        return err_set(e,
                       "--dockerfile %s: is a %s; expected a file or a "
                       "directory",
                       t->ref, walk_special(st.st_mode));
    return 0;
}

static int dockerfile_collect(const struct target *t, struct collect_ctx *ctx,
                              struct err *e)
{
    struct walk_list l = {NULL, 0};
    struct stat st;
    size_t found, i;
    int rc;

    if (stat(t->ref, &st) != 0)
        return err_set(e, "%s: %s", t->ref, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return dockerfile_collect_file(ctx, t->ref, e);
    walk_files(&l, t->ref, dockerfile_name_ok, 0, ctx, e);
    found = l.n;
    rc = 0;
    for (i = 0; i < l.n && rc == 0; i++)
        rc = dockerfile_collect_file(ctx, l.paths[i], e);
    walk_release(&l);
    if (rc == 0 && found == 0) {
        struct strbuf msg = STRBUF_INIT;
        sb_addf(&msg,
                "%s: no Dockerfile (Dockerfile, Containerfile, "
                "*.Dockerfile) in this directory",
                t->ref);
        rc = ctx->input_error(ctx, t->ref, sb_str(&msg), e);
        sb_release(&msg);
    }
    return rc;
}

const struct collector collector_dockerfile = {
    .name = "dockerfile",
    .summary = "Dockerfiles and Containerfiles (files or directories)",
    .arg = "PATH",
    .help = "Dockerfiles, or directories holding them (recursive)",
    .fixture_names = (const char *const[]){"*.Dockerfile", "Dockerfile*",
                                           "Containerfile*", NULL},
    .pillar = "container",
    .kind_prefix = "code/Dockerfile",
    .kinds = (const char *const[]){"code/Dockerfile", NULL},
    .check = dockerfile_check,
    .collect = dockerfile_collect,
};
