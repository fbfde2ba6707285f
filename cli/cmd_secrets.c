/*
 * cmd_secrets.c: `fourc secrets PATH...`: the secret detectors alone,
 * pre-commit style. One line per finding, as gitleaks prints them, that
 * never holds the value: its first 4 characters and the start of its
 * SHA-256. Exit 1 on any finding, 0 on none, 2 on a usage or runtime
 * error (a file that could not be read is one: it was not judged).
 *
 * JSON (--format json, schema fourc.secrets/v1):
 *   {"schema": "fourc.secrets/v1",
 *    "findings": [{"path", "line", "column", "detector", "title",
 *                  "severity", "prefix", "hash": "sha256:<hex>"}],
 *    "summary": {"files", "bytes", "findings", "errors",
 *                "skipped": {"<reason>": count}}}
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "detect.h"
#include "log.h"
#include "util.h"
#include "walk.h"
#include "banned.h"

#define SECRETS_SNIFF 8192
#define SECRETS_SKIP_BINARY "binary (a NUL byte in its first 8 KiB)"
#define SECRETS_SKIP_SIZE "over --max-file-size"

static const char secrets_help[] =
    "Usage: fourc secrets [--format F] [--max-file-size N] [--detectors "
    "FILE] PATH...\n"
    "\n"
    "Runs the secret detectors over files and directories (recursively)\n"
    "and prints one line per secret found: path:line:column, detector,\n"
    "severity, the first 4 characters and the start of the SHA-256 of the\n"
    "value (never the value). Binary files and files over the size limit\n"
    "are skipped and counted. A line with `fourc:allow` is not reported.\n"
    "\n"
    "  --format F           text (default) or json (fourc.secrets/v1)\n"
    "  --max-file-size N    skip files over N bytes (suffix K, M or G; "
    "default 10M)\n"
    "  --detectors FILE     use the detectors of FILE (YAML) instead of the\n"
    "                       built-in ones\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 no secret, 1 secrets found, 2 usage or runtime error\n"
    "(a file or directory that could not be read).\n";

struct secrets_skip {
    char *reason;
    long n;
};

struct secrets_run {
    const struct detect *d;
    int json;
    unsigned long long max_size;
    const char *path; /* of the file being scanned */
    long files, findings, errors;
    unsigned long long bytes;
    struct secrets_skip *skip;
    size_t nskip;
    json_t *list;
};

static void secrets_skipped(struct secrets_run *r, const char *path,
                            const char *reason)
{
    size_t i;

    log_info("%s: skipped: %s", path, reason);
    for (i = 0; i < r->nskip; i++)
        if (strcmp(r->skip[i].reason, reason) == 0)
            break;
    if (i == r->nskip) {
        r->skip = xrealloc(r->skip, (r->nskip + 1) * sizeof(*r->skip));
        r->skip[i].reason = xstrdup(reason);
        r->skip[i].n = 0;
        r->nskip++;
    }
    r->skip[i].n++;
}

static void secrets_ctx_skipped(struct collect_ctx *ctx, const char *path,
                                const char *reason)
{
    secrets_skipped(ctx->data, path, reason);
}

static int secrets_ctx_error(struct collect_ctx *ctx, const char *source,
                             const char *msg, struct err *e)
{
    struct secrets_run *r = ctx->data;

    (void)e;
    log_error("%s: %s", source, msg);
    r->errors++;
    return 0;
}

static int secrets_want(const char *name)
{
    (void)name;
    return 1;
}

static int secrets_hit(void *arg, const struct detect_hit *h)
{
    struct secrets_run *r = arg;
    char hash[80];
    json_t *o;

    r->findings++;
    if (!r->json) {
        printf("%s:%ld:%ld  %s  %s  %s\u2026  sha256:%.12s\n", r->path, h->line,
               h->column, h->detector, h->severity, h->prefix, h->hash);
        return 0;
    }
    snprintf(hash, sizeof(hash), "sha256:%s", h->hash);
    o = json_pack("{s:o, s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "path",
                  json_string_lossy(r->path), "line", (json_int_t)h->line,
                  "column", (json_int_t)h->column, "detector", h->detector,
                  "title", h->title, "severity", h->severity, "prefix",
                  h->prefix, "hash", hash);
    if (!o || json_array_append_new(r->list, o))
        return -1;
    return 0;
}

static void secrets_file(struct secrets_run *r, const char *path)
{
    char sniff[SECRETS_SNIFF];
    struct stat st;
    struct err e = {{0}};
    FILE *f = walk_fopen(path, &e);
    ssize_t n;
    int rc;

    if (!f) {
        log_error("%s", e.msg);
        r->errors++;
        return;
    }
    if (fstat(fileno(f), &st) != 0) {
        log_error("%s: cannot read: %s", path, strerror(errno));
        r->errors++;
        goto out;
    }
    if ((unsigned long long)st.st_size > r->max_size) {
        secrets_skipped(r, path, SECRETS_SKIP_SIZE);
        goto out;
    }
    n = pread(fileno(f), sniff, sizeof(sniff), 0);
    if (n < 0) {
        log_error("%s: cannot read: %s", path, strerror(errno));
        r->errors++;
        goto out;
    }
    if (memchr(sniff, '\0', (size_t)n)) {
        secrets_skipped(r, path, SECRETS_SKIP_BINARY);
        goto out;
    }
    r->path = path;
    r->files++;
    r->bytes += (unsigned long long)st.st_size;
    rc = detect_scan_fd(r->d, path, fileno(f), 0, secrets_hit, r, &e);
    if (rc) {
        log_error("%s", rc == -1 ? e.msg : "out of memory");
        r->errors++;
    }
out:
    fclose(f);
}

static void secrets_path(struct secrets_run *r, const char *path)
{
    struct walk_list l = {0};
    struct collect_ctx ctx = {.input_error = secrets_ctx_error,
                              .skipped = secrets_ctx_skipped,
                              .data = r};
    struct stat st;
    struct err e = {{0}};
    size_t i;

    if (stat(path, &st) != 0) {
        log_error("%s: cannot read: %s", path, strerror(errno));
        r->errors++;
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        secrets_file(r, path);
        return;
    }
    walk_files(&l, path, secrets_want, WALK_HIDDEN, &ctx, &e);
    for (i = 0; i < l.n; i++) {
        /* a repository's own store is git's, not the tree's (its
         * objects are compressed; `fourc scan --code --git-history`
         * reads the history) */
        const char *g = strstr(l.paths[i], "/.git/");
        if (g || strncmp(l.paths[i], ".git/", 5) == 0)
            continue;
        secrets_file(r, l.paths[i]);
    }
    walk_release(&l);
}

static int secrets_size(const char *s, unsigned long long *out)
{
    char *end;
    unsigned long long v, m = 1;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-')
        return -1;
    if (*end == 'K' || *end == 'k')
        m = 1ull << 10;
    else if (*end == 'M' || *end == 'm')
        m = 1ull << 20;
    else if (*end == 'G' || *end == 'g')
        m = 1ull << 30;
    else if (*end)
        return -1;
    if (*end && end[1])
        return -1;
    if (v > ~0ull / m)
        return -1;
    *out = v * m;
    return 0;
}

static void secrets_summary(struct secrets_run *r)
{
    json_t *doc, *skip;
    size_t i;
    long skipped = 0;

    for (i = 0; i < r->nskip; i++)
        skipped += r->skip[i].n;
    if (!r->json) {
        printf("%ld secret%s in %ld file%s (%llu bytes); %ld skipped, %ld "
               "error%s\n",
               r->findings, r->findings == 1 ? "" : "s", r->files,
               r->files == 1 ? "" : "s", r->bytes, skipped, r->errors,
               r->errors == 1 ? "" : "s");
        for (i = 0; i < r->nskip; i++)
            printf("  skipped %ld: %s\n", r->skip[i].n, r->skip[i].reason);
        return;
    }
    skip = json_object();
    for (i = 0; i < r->nskip; i++)
        json_object_set_new(skip, r->skip[i].reason,
                            json_integer(r->skip[i].n));
    doc = json_pack("{s:s, s:O, s:{s:I, s:I, s:I, s:I, s:o}}", "schema",
                    "fourc.secrets/v1", "findings", r->list, "summary", "files",
                    (json_int_t)r->files, "bytes", (json_int_t)r->bytes,
                    "findings", (json_int_t)r->findings, "errors",
                    (json_int_t)r->errors, "skipped", skip);
    if (doc) {
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        fputc('\n', stdout);
    }
    json_decref(doc);
}

int cmd_secrets(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"max-file-size", required_argument, NULL, 'm'},
        {"detectors", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct secrets_run r = {.max_size = 10ull << 20};
    struct detect *own = NULL;
    const char *dfile = NULL;
    struct err e = {{0}};
    int c, i, status;
    size_t k;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "json") == 0)
                r.json = 1;
            else if (strcmp(optarg, "text") == 0)
                r.json = 0;
            else
                return cmd_usage("secrets",
                                 "unknown format %s (known: text, "
                                 "json)",
                                 optarg);
            break;
        case 'm':
            if (secrets_size(optarg, &r.max_size))
                return cmd_usage("secrets", "--max-file-size %s: not a size",
                                 optarg);
            break;
        case 'd':
            dfile = optarg;
            break;
        case 'h':
            fputs(secrets_help, stdout);
            return EXIT_CLEAN;
        default:
            return cmd_usage("secrets", "%s: unknown option or missing value",
                             argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cmd_usage("secrets", "nothing to scan: name a file or "
                                    "directory");
    if (dfile)
        r.d = own = detect_load(dfile, &e);
    else
        r.d = detect_builtin(&e);
    if (!r.d) {
        log_error("%s", e.msg);
        return EXIT_TROUBLE;
    }
    r.list = json_array();
    for (i = optind; i < argc; i++)
        secrets_path(&r, argv[i]);
    secrets_summary(&r);
    fflush(stdout);
    status = r.errors ? EXIT_TROUBLE : r.findings ? EXIT_FINDINGS : EXIT_CLEAN;
    for (k = 0; k < r.nskip; k++)
        free(r.skip[k].reason);
    free(r.skip);
    json_decref(r.list);
    detect_free(own);
    return status;
}
