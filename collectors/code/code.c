/*
 * code.c: the `--code DIR|URL` collector. A repository's working tree
 * (and with --git-history every blob reachable from a ref) is read once:
 * each text file goes through the secret detectors (collectors/secret/
 * detect.h), and the Kubernetes manifests and Dockerfiles found in it are
 * handed to their own collectors, so the same rules judge them before
 * they are deployed; CI workflows become code/Workflow resources
 * (workflow.c), and files that should not be committed (.env, keys,
 * Terraform state: hygiene.c) code/File resources. A remote repository is
 * cloned into a temporary directory first (code_git.c).
 *
 * Each distinct secret (by the hash of its value) is one code/Secret
 * resource with every place it was seen; the value itself is never kept.
 */
#include "collector.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "code_int.h"
#include "code_scan.h"
#include "hygiene.h"
#include "detect.h"
#include "util.h"
#include "banned.h"

/* A secret is listed at this many places at most; the count is kept. */
#define CODE_MAX_LOCATIONS 100

struct code_opts {
    int history;
    const char *ref; /* --git-ref */
    uint64_t max;    /* --max-file-size */
    int timeout;     /* --git-timeout, seconds */
};

struct code_scan {
    const struct target *t;
    struct collect_ctx *ctx;
    const struct detect *det;
    json_t *secrets; /* uid -> code/Secret document */
    json_t *revoked; /* hash -> true: .fourcsecrets */
    /* what a working tree path is shown under: the directory or URL the
     * user named (NULL: the target is one file, shown as named) */
    char *top;
    struct code_file const *file;
};

/* ---- secrets ------------------------------------------------------------ */

static int code_hit(void *arg, const struct detect_hit *h)
{
    struct code_scan *s = arg;
    const struct code_file *f = s->file;
    struct strbuf uid = STRBUF_INIT;
    json_t *doc, *locs, *loc;

    sb_addf(&uid, "code/Secret/%s/%s", h->detector, h->hash);
    doc = json_object_get(s->secrets, sb_str(&uid));
    if (!doc) {
        doc =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:[], s:i, s:b, s:b}",
                      "detector", h->detector, "title", h->title, "severity",
                      h->severity, "prefix", h->prefix, "hash", h->hash,
                      "locations", "locations_total", 0, "in_working_tree", 0,
                      "revoked", json_object_get(s->revoked, h->hash) != NULL);
        json_object_set_new(s->secrets, sb_str(&uid), doc);
    }
    sb_release(&uid);
    if (!f->commit)
        json_object_set_new(doc, "in_working_tree", json_true());
    json_object_set_new(
        doc, "locations_total",
        json_integer(
            json_integer_value(json_object_get(doc, "locations_total")) + 1));
    locs = json_object_get(doc, "locations");
    if (json_array_size(locs) >= CODE_MAX_LOCATIONS)
        return 0;
    loc =
        json_pack("{s:o, s:I, s:I}", "path", json_string_lossy(f->relpath),
                  "line", (json_int_t)h->line, "column", (json_int_t)h->column);
    if (f->commit) {
        json_object_set_new(loc, "commit", json_string(f->commit));
        json_object_set_new(loc, "author_date",
                            json_string(f->author_date ? f->author_date : ""));
    }
    json_array_append_new(locs, loc);
    return 0;
}

/* A secret seen only in the history was removed from the working tree. */
static void code_mark_removed(json_t *doc)
{
    size_t i;
    json_t *loc;

    if (json_is_true(json_object_get(doc, "in_working_tree")))
        return;
    json_object_set_new(doc, "removed", json_true());
    json_array_foreach(json_object_get(doc, "locations"), i, loc)
    {
        if (json_object_get(loc, "commit"))
            json_object_set_new(loc, "removed", json_true());
    }
}

static int code_emit_secrets(struct code_scan *s, struct err *e)
{
    const char *uid;
    json_t *doc;
    int rc = 0;

    json_object_foreach(s->secrets, uid, doc)
    {
        json_t *loc = json_array_get(json_object_get(doc, "locations"), 0);
        const char *commit = json_string_value(json_object_get(loc, "commit"));
        struct strbuf src = STRBUF_INIT, name = STRBUF_INIT;
        struct resource r;
        if (rc)
            break;
        code_mark_removed(doc);
        if (commit)
            sb_addf(&src, "%.12s:", commit); /* git show COMMIT:PATH */
        else if (s->top)
            sb_addf(&src, "%s/", s->top);
        sb_adds(&src, commit || s->top
                          ? json_string_value(json_object_get(loc, "path"))
                          : s->t->ref);
        sb_addf(&src, ":%lld",
                (long long)json_integer_value(json_object_get(loc, "line")));
        sb_addf(&name, "%s %s...",
                json_string_value(json_object_get(doc, "detector")),
                json_string_value(json_object_get(doc, "prefix")));
        r.kind = "code/Secret";
        r.uid = uid;
        r.name = sb_str(&name);
        r.namespace = NULL;
        r.source = sb_str(&src);
        r.doc = doc;
        rc = s->ctx->emit(s->ctx, &r, e);
        sb_release(&src);
        sb_release(&name);
    }
    return rc;
}

/* .fourcsecrets at the top: hashes of secrets declared revoked, one a
 * line ("<hash>  # rotated 2024-05"); they still get code/Secret
 * resources, with "revoked": true. */
static void code_read_revoked(struct code_scan *s, const char *dir)
{
    struct strbuf p = STRBUF_INIT;
    char line[512];
    struct stat st;
    FILE *f;

    sb_addf(&p, "%s/.fourcsecrets", dir);
    if (lstat(sb_str(&p), &st) == 0 && S_ISREG(st.st_mode) &&
        (f = fopen(sb_str(&p), "r"))) {
        while (fgets(line, sizeof(line), f)) {
            size_t n = strspn(line, "0123456789abcdef");
            if (n == 64) {
                line[n] = '\0';
                json_object_set_new(s->revoked, line, json_true());
            }
        }
        fclose(f);
    }
    sb_release(&p);
}

/* ---- each file ------------------------------------------------------- */

static int code_is_dockerfile(const char *name)
{
    return strcasecmp(name, "Dockerfile") == 0 ||
           strcasecmp(name, "Containerfile") == 0 ||
           str_has_suffix_ci(name, ".Dockerfile") ||
           str_has_suffix_ci(name, ".Containerfile");
}

/* A line of text starting with word (at column 0). */
static int code_has_line(const char *buf, size_t len, const char *word)
{
    size_t n = strlen(word), i = 0;

    while (i + n <= len) {
        const char *nl;
        if (strncmp(buf + i, word, n) == 0)
            return 1;
        nl = memchr(buf + i, '\n', len - i);
        if (!nl)
            break;
        i = (size_t)(nl - buf) + 1;
    }
    return 0;
}

/* Kubernetes YAML: a .yaml/.yml file with apiVersion: and kind: lines;
 * not a kubeconfig (kind: Config), which is credentials, not objects. */
static int code_is_manifest(const struct code_file *f)
{
    return (str_has_suffix_ci(f->relpath, ".yaml") ||
            str_has_suffix_ci(f->relpath, ".yml")) &&
           code_has_line(f->buf, f->len, "apiVersion:") &&
           code_has_line(f->buf, f->len, "kind:") &&
           !code_has_line(f->buf, f->len, "kind: Config\n") &&
           !code_has_line(f->buf, f->len, "kind: Config\r\n");
}

static int code_handover(struct code_scan *s, const struct code_file *f,
                         const char *type, struct err *e)
{
    json_t *ctxdoc;
    int rc;

    if (!s->ctx->add_target)
        return 0; /* `rules test`: nothing can be handed over */
    ctxdoc = json_pack("{s:s, s:o}", "repository", s->t->ref, "path",
                       json_string_lossy(f->relpath));
    rc = s->ctx->add_target(s->ctx, type, f->path, ctxdoc, e);
    json_decref(ctxdoc);
    return rc;
}

/* Where a working tree file is shown: the tree or URL as named, then the
 * path in the repository (not a clone's temporary directory). */
static void code_source(struct strbuf *src, const struct code_scan *s,
                        const struct code_file *f, long line)
{
    if (s->top)
        sb_addf(src, "%s/%s:%ld", s->top, f->relpath, line);
    else
        sb_addf(src, "%s:%ld", f->path, line);
}

/* Emits the file f as one resource of kind ("code/Workflow"), its uid
 * the kind and the file's path in the repository; steals doc. */
static int code_emit_file(struct code_scan *s, const struct code_file *f,
                          const char *kind, json_t *doc, struct err *e)
{
    struct strbuf uid = STRBUF_INIT, src = STRBUF_INIT;
    struct resource r;
    int rc;

    sb_addf(&uid, "%s/%s", kind, f->relpath);
    code_source(&src, s, f, 1);
    r.kind = kind;
    r.uid = sb_str(&uid);
    r.name = f->relpath;
    r.namespace = NULL;
    r.source = sb_str(&src);
    r.doc = doc;
    rc = s->ctx->emit(s->ctx, &r, e);
    json_decref(doc);
    sb_release(&uid);
    sb_release(&src);
    return rc;
}

/* A CI workflow becomes a code/Workflow resource (workflow.c parses it);
 * a malformed one is an input error naming its line. */
static int code_workflow(struct code_scan *s, const struct code_file *f,
                         enum code_workflow_type wt, struct err *e)
{
    struct err pe;
    json_t *doc = code_workflow_parse(wt, f->relpath, f->buf, f->len, &pe);
    int rc;

    if (!doc) {
        struct strbuf msg = STRBUF_INIT;
        sb_addf(&msg, "%s: %s", f->path, pe.msg);
        rc = s->ctx->input_error(s->ctx, f->path, sb_str(&msg), e);
        sb_release(&msg);
        return rc;
    }
    return code_emit_file(s, f, "code/Workflow", doc, e);
}

/* A file that should not be committed (hygiene.c) becomes code/File. */
static int code_hygiene(struct code_scan *s, const struct code_file *f,
                        json_t *doc, struct err *e)
{
    return code_emit_file(s, f, "code/File", doc, e);
}

static int code_file(void *arg, const struct code_file *f, struct err *e)
{
    json_t *hy;
    enum code_workflow_type wt;
    struct code_scan *s = arg;
    const char *base = strrchr(f->relpath, '/');
    struct err de;

    base = base ? base + 1 : f->relpath;
    s->file = f;
    if (s->det &&
        detect_scan(s->det, f->relpath, f->buf, f->len, code_hit, s, &de)) {
        struct strbuf msg = STRBUF_INIT;
        int rc;
        sb_addf(&msg, "%s: secret detectors: %s", f->path, de.msg);
        rc = s->ctx->input_error(s->ctx, f->path, sb_str(&msg), e);
        sb_release(&msg);
        if (rc)
            return rc;
    }
    if (f->commit)
        return 0; /* the history: secrets only */
    /* a credential file (a kubeconfig is apiVersion and kind too) is
     * judged as one, never handed over with its values */
    if ((hy = code_hygiene_file(f->relpath, f->buf, f->len)))
        return code_hygiene(s, f, hy, e);
    if ((wt = code_workflow_type(f->relpath)) != CODE_WF_NONE)
        return code_workflow(s, f, wt, e);
    if (code_is_dockerfile(base))
        return code_handover(s, f, "dockerfile", e);
    if (code_is_manifest(f))
        return code_handover(s, f, "manifests", e);
    return 0;
}

/* ---- the target --------------------------------------------------------- */

/* A bare repository (HEAD, objects/ and refs/, no .git): it has no
 * working tree to walk, so it is cloned like a URL. */
static int code_is_bare(const char *dir)
{
    static const char *const parts[] = {"HEAD", "objects", "refs", NULL};
    struct strbuf p = STRBUF_INIT;
    struct stat st;
    size_t i;
    int bare = 1;

    for (i = 0; parts[i] && bare; i++) {
        sb_setlen(&p, 0);
        sb_addf(&p, "%s/%s", dir, parts[i]);
        bare = lstat(sb_str(&p), &st) == 0;
    }
    sb_setlen(&p, 0);
    sb_addf(&p, "%s/.git", dir);
    bare = bare && lstat(sb_str(&p), &st) != 0;
    sb_release(&p);
    return bare;
}

/* A shallow repository's history ends early: said, never a silent
 * partial answer. */
static int code_shallow(struct collect_ctx *ctx, const char *dir,
                        const char *shown, struct err *e)
{
    struct strbuf p = STRBUF_INIT, msg = STRBUF_INIT;
    struct stat st;
    int rc = 0;

    sb_addf(&p, "%s/.git/shallow", dir);
    if (stat(sb_str(&p), &st) == 0) {
        sb_addf(&msg,
                "%s: a shallow clone: its history ends early, so secrets "
                "in older commits are not seen (git fetch --unshallow)",
                shown);
        rc = ctx->input_error(ctx, shown, sb_str(&msg), e);
    }
    sb_release(&p);
    sb_release(&msg);
    return rc;
}

static int code_check(const struct target *t, struct err *e)
{
    struct stat st;

    if (code_is_url(t->ref)) {
        const char *u = strstr(t->ref, "://");
        const char *at = u ? strchr(u + 3, '@') : NULL;
        const char *sl = u ? strchr(u + 3, '/') : NULL;
        const char *colon = u ? strchr(u + 3, ':') : NULL;
        /* the target's name is stored with the scan: no password in it */
        if (at && (!sl || at < sl) && colon && colon < at)
            return err_set(e, "--code: a URL with a password in it would be "
                              "stored with the scan; give the credentials to "
                              "git (a credential helper) instead");
        return 0;
    }
    if (stat(t->ref, &st) != 0)
        return err_set(e, "--code %s: %s", t->ref, strerror(errno));
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
        return err_set(e,
                       "--code %s: expected a directory, a file or a "
                       "git URL",
                       t->ref);
    return 0;
}

static int code_collect(const struct target *t, struct collect_ctx *ctx,
                        struct err *e)
{
    static const struct code_opts defaults = {0, NULL, 10u << 20, 300};
    const struct code_opts *o = t->opts ? t->opts : &defaults;
    struct code_scan s = {t,    ctx, NULL, json_object(), json_object(),
                          NULL, NULL};
    struct stat st;
    struct err de;
    char *clone = NULL;
    const char *dir = t->ref;
    int rc = 0;

    if (code_is_url(t->ref) || code_is_bare(t->ref)) {
        /* a bare repository is cloned whole: its history is at hand */
        if (code_git_clone(t->ref, o->ref, o->history || code_is_bare(t->ref),
                           o->timeout, &clone, e)) {
            rc = COLLECT_UNREACHABLE;
            goto out;
        }
        dir = clone;
    }
    if (dir != t->ref || (stat(t->ref, &st) == 0 && S_ISDIR(st.st_mode))) {
        size_t n = strlen(t->ref);
        while (n > 1 && t->ref[n - 1] == '/')
            n--;
        s.top = xstrndup(t->ref, n);
    }
    s.det = detect_builtin(&de);
    if (!s.det) {
        struct strbuf msg = STRBUF_INIT;
        sb_addf(&msg, "secret detectors unusable: %s", de.msg);
        rc = ctx->not_evaluated(ctx, "code/Secret", sb_str(&msg), e);
        sb_release(&msg);
        if (rc)
            goto out;
    }
    code_read_revoked(&s, dir);
    rc = code_walk(dir, o->max, ctx, code_file, &s, e);
    if (rc == 0 && o->history)
        rc = code_shallow(ctx, dir, t->ref, e);
    if (rc == 0 && o->history) {
        struct err he;
        int hr = code_git_history(dir, o->ref ? o->ref : "HEAD", o->max, ctx,
                                  code_file, &s, &he);
        if (hr == -2) {
            rc = -1;
            *e = he;
        } else if (hr) {
            rc = ctx->input_error(ctx, t->ref, he.msg, e);
        }
    }
    if (rc == 0)
        rc = code_emit_secrets(&s, e);
out:
    json_decref(s.secrets);
    json_decref(s.revoked);
    free(s.top);
    free(clone);
    return rc;
}

/* ---- options ---------------------------------------------------------- */

static void *code_opts_new(void)
{
    struct code_opts *o = xcalloc(1, sizeof(*o));

    o->max = 10u << 20;
    o->timeout = 300;
    return o;
}

static void code_opts_free(void *state)
{
    free(state);
}

static int code_set_history(void *state, const char *v, struct err *e)
{
    (void)v;
    (void)e;
    ((struct code_opts *)state)->history = 1;
    return 0;
}

static int code_set_ref(void *state, const char *v, struct err *e)
{
    if (!*v || *v == '-')
        return err_set(e, "--git-ref %s: expected a branch, tag or commit", v);
    ((struct code_opts *)state)->ref = v;
    return 0;
}

/* "512", "64K", "10M", "1G" (KiB, MiB, GiB also): bytes. */
static int code_set_max(void *state, const char *v, struct err *e)
{
    char *end;
    unsigned long long n;
    int shift = 0;

    errno = 0;
    n = isdigit((unsigned char)*v) ? strtoull(v, &end, 10) : 0;
    if (n == 0 || errno)
        goto bad;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (shift)
        end++;
    if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
        end += strlen(end);
    if (*end || n > (UINT64_MAX >> shift))
        goto bad;
    ((struct code_opts *)state)->max = (uint64_t)n << shift;
    return 0;
bad:
    return err_set(e,
                   "--max-file-size %s: expected a size (512, 64K, 10M, "
                   "1G)",
                   v);
}

static int code_set_timeout(void *state, const char *v, struct err *e)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (end == v || *end || n < 1 || n > 86400)
        return err_set(e, "--git-timeout %s: expected seconds from 1 to 86400",
                       v);
    ((struct code_opts *)state)->timeout = (int)n;
    return 0;
}

static const struct collector_opt code_options[] = {
    {"git-history", NULL,
     "with --code: also every blob reachable from the ref\n"
     "(a secret removed later is still found)",
     0, code_set_history},
    {"git-ref", "REF",
     "with --code: the ref --git-history reads (default HEAD);\n"
     "for a URL, the branch or tag cloned",
     0, code_set_ref},
    {"max-file-size", "SIZE",
     "with --code: larger files are skipped and counted (10M)", 0,
     code_set_max},
    {"git-timeout", "SECONDS",
     "with --code URL: the clone is stopped after this long (300)", 0,
     code_set_timeout},
    {NULL, NULL, NULL, 0, NULL},
};

const struct collector collector_code = {
    .name = "code",
    .summary = "source repositories: working trees, git history, git URLs",
    .arg = "DIR|URL",
    .help = "a source tree or a git URL (git://, https://, ssh://,\n"
            "file://): secrets, and the manifests and Dockerfiles in it",
    .opts = code_options,
    .opts_new = code_opts_new,
    .opts_done = NULL,
    .opts_free = code_opts_free,
    .fixture_names =
        (const char *const[]){"*.code", "*.code.txt", "*.gha.yml", "*.gha.yaml",
                              "*.gitlab-ci.yml", "*.gitlab-ci.yaml", "*.env",
                              "*.env.*", "*.pem", "*.key", "*.npmrc",
                              "*.pypirc", "*.netrc", "*.tfstate",
                              "*.kubeconfig", NULL},
    .pillar = "code",
    .kind_prefix = "code/",
    .kinds = (const char *const[]){"code/Secret", "code/Workflow", "code/File",
                                   NULL},
    .check = code_check,
    .collect = code_collect,
};
