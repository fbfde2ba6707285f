/*
 * cmd_scan.c: `fourc scan`: collect every target, evaluate the rules,
 * store the scan, write the requested reports, print a summary.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "collector.h"
#include "engine.h"
#include "log.h"
#include "reporter.h"
#include "summary.h"
#include "util.h"
#include "banned.h"

static const char scan_help[] =
    "Usage: fourc scan [targets] [options]\n"
    "\n"
    "Targets (repeatable):\n"
    "  --dockerfile PATH    Dockerfiles, or directories holding them "
    "(recursive)\n"
    "  --image REF          a container image (repeatable): oci:DIR[:TAG],\n"
    "                       docker-archive:FILE[:REPO:TAG], or a registry\n"
    "                       reference HOST[:PORT]/NAME[:TAG|@DIGEST]\n"
    "  --platform OS/ARCH   the image of a multi-platform index to audit "
    "(default linux/amd64)\n"
    "  --insecure-registry HOST  allow plain http and unverified TLS for "
    "HOST[:PORT]\n"
    "                       (repeatable; TLS is verified everywhere else)\n"
    "  --registry-ca FILE   CA certificates for registries (PEM)\n"
    "  --registry-timeout S seconds a registry may take to connect or stall "
    "(default 30);\n"
    "                       a request must also keep up 16 KiB/s on average\n"
    "                       after its first S seconds\n"
    "  --max-layer-size SIZE  what one image layer may decompress to "
    "(default 8G;\n"
    "                       K, M, G, T are powers of 1024)\n"
    "  --max-image-size SIZE  what all layers of an image may decompress to\n"
    "                       (default 32G); past a limit the layer is an error\n"
    "                       finding and the image's files are not judged\n"
    "  --manifests PATH     Kubernetes YAML/JSON files or directories "
    "(recursive)\n"
    "  --reevaluate ID      instead of targets: judge the resources stored by\n"
    "                       scan ID (or 'latest') against today's rules, as a\n"
    "                       new scan\n"
    "\n"
    "Options:\n"
    "  --db FILE            database to store the scan in (default "
    "./fourc.db)\n"
    "  --rules DIR          also run the rule pack in DIR (repeatable)\n"
    "  --format F -o FILE   write a report (repeatable; F: json, html, sarif,\n"
    "                       junit, csv, markdown); without -o\n"
    "                       the report goes to stdout and the summary to "
    "stderr\n"
    "  --fail-on SEVERITY   exit 1 when a finding at or above SEVERITY "
    "(critical,\n"
    "                       high, medium, low, info) fails or could not be\n"
    "                       evaluated (error)\n"
    "  -q, --quiet          no summary, no progress\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or "
    "runtime error.\n";

struct scan_opts {
    struct target *targets;
    size_t ntargets;
    char **rule_dirs;
    size_t nrule_dirs;
    char **formats, **outputs;
    size_t nformats, noutputs;
    const char *db;
    const char *fail_on;
    const char *reevaluate; /* a scan id or "latest" */
    const char *target_opt; /* the last target option given */
    int quiet;
    struct img_opts image;
    char **insecure;
    size_t ninsecure;
    struct scan_skip {
        const char *reason; /* a collector's constant */
        size_t n;
    } skips[8];
    size_t nskips;
};

struct scan_collect {
    struct engine *eng;
    const char *target_uid;
    const struct collector *col;
    int store_failed;
    struct scan_opts *o;
};

static void scan_push(char ***v, size_t *n, char *s)
{
    *v = xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[(*n)++] = s;
}

static int scan_emit(struct collect_ctx *ctx, const struct resource *r,
                     struct err *e)
{
    struct scan_collect *sc = ctx->data;
    int rc = engine_resource(sc->eng, sc->target_uid, r, e);
    if (rc)
        sc->store_failed = 1;
    return rc;
}

static int scan_input_error(struct collect_ctx *ctx, const char *source,
                            const char *msg, struct err *e)
{
    struct scan_collect *sc = ctx->data;
    int rc;

    log_warn("%s", msg);
    rc = engine_input_error(sc->eng, sc->target_uid, sc->col->pillar, source,
                            msg, e);
    if (rc)
        sc->store_failed = 1;
    return rc;
}

static int scan_not_evaluated(struct collect_ctx *ctx, const char *kind_prefix,
                              const char *msg, struct err *e)
{
    struct scan_collect *sc = ctx->data;
    int rc = engine_target_failed(sc->eng, sc->target_uid, kind_prefix, msg, e);

    if (rc)
        sc->store_failed = 1;
    return rc;
}

/* One warning per path, one count per reason for the summary. */
static void scan_skipped(struct collect_ctx *ctx, const char *path,
                         const char *reason)
{
    struct scan_opts *o = ((struct scan_collect *)ctx->data)->o;
    size_t i;

    log_warn("%s: skipped: %s", path, reason);
    for (i = 0; i < o->nskips; i++)
        if (strcmp(o->skips[i].reason, reason) == 0)
            break;
    if (i == o->nskips) {
        if (o->nskips == sizeof(o->skips) / sizeof(o->skips[0]))
            i--; /* never: collectors have fewer reasons */
        else
            o->skips[o->nskips++].reason = reason;
    }
    o->skips[i].n++;
}

static void scan_add_target(struct scan_opts *o, const char *type,
                            const char *ref)
{
    o->targets = xrealloc(o->targets, (o->ntargets + 1) * sizeof(*o->targets));
    o->targets[o->ntargets].type = type;
    o->targets[o->ntargets].ref = ref;
    o->targets[o->ntargets++].image = &o->image;
}

static char *scan_command_line(int argc, char **argv)
{
    struct strbuf sb = STRBUF_INIT;
    int i;

    sb_adds(&sb, "fourc");
    for (i = 0; i < argc; i++) {
        sb_adds(&sb, " ");
        sb_adds(&sb, argv[i]);
    }
    return sb_detach(&sb);
}

/* "512", "64K", "8G", "1TiB": bytes, at least 1, into *out. */
static int scan_size(const char *s, uint64_t *out)
{
    static const char units[] = "KMGT";
    const char *u;
    char *end;
    unsigned long long v;
    int shift = 0;

    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || v == 0)
        return -1;
    if (*end && (u = strchr(units, toupper((unsigned char)*end)))) {
        shift = 10 * (int)(u - units + 1);
        end++;
        if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
            end += strlen(end);
    } else if (strcmp(end, "B") == 0) {
        end++;
    }
    if (*end || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static int scan_parse(struct scan_opts *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"manifests", required_argument, NULL, 'm'},
        {"dockerfile", required_argument, NULL, 'D'},
        {"image", required_argument, NULL, 'i'},
        {"platform", required_argument, NULL, 'P'},
        {"insecure-registry", required_argument, NULL, 'I'},
        {"registry-ca", required_argument, NULL, 'C'},
        {"registry-timeout", required_argument, NULL, 'T'},
        {"max-layer-size", required_argument, NULL, 'L'},
        {"max-image-size", required_argument, NULL, 'M'},
        {"db", required_argument, NULL, 'd'},
        {"rules", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"fail-on", required_argument, NULL, 'F'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"reevaluate", required_argument, NULL, 'E'},
        {NULL, 0, NULL, 0}};
    int c, li = -1;

    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", longopts, &li)) != -1) {
        if (li >= 0 && strchr("DmiPICTLM", c))
            o->target_opt = longopts[li].name;
        li = -1;
        switch (c) {
        case 'D':
            scan_add_target(o, "dockerfile", optarg);
            break;
        case 'm':
            scan_add_target(o, "manifests", optarg);
            break;
        case 'i':
            scan_add_target(o, "image", optarg);
            break;
        case 'P': {
            const char *sl = strchr(optarg, '/');
            if (!sl || sl == optarg || !sl[1] || sl[1] == '/')
                return cmd_usage("scan",
                                 "--platform %s: expected OS/ARCH[/VARIANT] "
                                 "(linux/amd64)",
                                 optarg);
            o->image.platform = optarg;
            break;
        }
        case 'I':
            scan_push(&o->insecure, &o->ninsecure, optarg);
            break;
        case 'C':
            o->image.ca_file = optarg;
            break;
        case 'T': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > 3600)
                return cmd_usage("scan",
                                 "--registry-timeout %s: expected seconds "
                                 "from 1 to 3600",
                                 optarg);
            o->image.timeout = v;
            break;
        }
        case 'L':
        case 'M':
            if (scan_size(optarg, c == 'L' ? &o->image.max_layer_size
                                           : &o->image.max_image_size))
                return cmd_usage(
                    "scan",
                    "%s %s: expected a size such as 512M or "
                    "8G (K, M, G, T: powers of 1024)",
                    c == 'L' ? "--max-layer-size" : "--max-image-size", optarg);
            break;
        case 'd':
            o->db = optarg;
            break;
        case 'r':
            scan_push(&o->rule_dirs, &o->nrule_dirs, optarg);
            break;
        case 'f':
            if (!reporter_find(optarg))
                return cmd_usage("scan",
                                 "--format %s: unknown format "
                                 "(known: %s)",
                                 optarg, reporter_names());
            scan_push(&o->formats, &o->nformats, optarg);
            break;
        case 'o':
            if (o->noutputs >= o->nformats)
                return cmd_usage("scan",
                                 "-o %s: give --format before each "
                                 "-o",
                                 optarg);
            scan_push(&o->outputs, &o->noutputs, optarg);
            break;
        case 'F':
            if (severity_rank(optarg) < 0)
                return cmd_usage("scan",
                                 "--fail-on %s: expected critical, "
                                 "high, medium, low or info",
                                 optarg);
            o->fail_on = optarg;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'E': {
            char *end;
            if (strcmp(optarg, "latest") != 0 &&
                (strtoll(optarg, &end, 10) <= 0 || *end))
                return cmd_usage("scan",
                                 "--reevaluate %s: expected a scan id or "
                                 "'latest'",
                                 optarg);
            o->reevaluate = optarg;
            break;
        }
        case 'h':
            fputs(scan_help, stdout);
            return -1;
        case ':':
            return cmd_usage("scan", "%s needs a value", argv[optind - 1]);
        default:
            return cmd_usage("scan", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cmd_usage("scan", "unexpected argument '%s'", argv[optind]);
    if (o->reevaluate && o->target_opt)
        return cmd_usage("scan",
                         "--reevaluate judges a stored scan and takes no "
                         "target options (--%s)",
                         o->target_opt);
    if (o->ntargets == 0 && !o->reevaluate)
        return cmd_usage("scan", "nothing to scan: give --manifests PATH, "
                                 "--image REF or --dockerfile PATH");
    o->image.insecure = (const char *const *)o->insecure;
    o->image.ninsecure = o->ninsecure;
    if (o->nformats > o->noutputs + 1)
        return cmd_usage("scan", "only one --format may go to stdout; give "
                                 "-o FILE after the others");
    return 0;
}

/* Findings (fail or error) at or above the --fail-on severity. */
static int scan_gate(struct store *st, int64_t scan_id, const char *fail_on,
                     long long *count, struct err *e)
{
    sqlite3_stmt *stmt = NULL;
    int rank = severity_rank(fail_on), rc;

    *count = 0;
    if (sqlite3_prepare_v2(
            store_db(st),
            "SELECT coalesce(sum(f.n), 0) FROM scan_counts f JOIN rules r ON "
            "r.id = f.rule_ref WHERE f.scan_id = ? "
            "AND f.status IN ('fail','error') AND " SEVERITY_RANK_SQL " >= ?",
            -1, &stmt, NULL) != SQLITE_OK)
        return store_fail(st, "count the scan's findings", e);
    sqlite3_bind_int64(stmt, 1, scan_id);
    sqlite3_bind_int(stmt, 2, rank);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *count = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return rc == SQLITE_ROW ? 0
                            : store_fail(st, "count the scan's findings", e);
}

static int scan_targets(struct scan_opts *o, struct engine *eng, struct err *e)
{
    size_t i;

    for (i = 0; i < o->ntargets; i++) {
        const struct target *t = &o->targets[i];
        const struct collector *col = collector_find(t->type);
        struct strbuf uid = STRBUF_INIT;
        struct scan_collect sc = {eng, NULL, col, 0, o};
        struct collect_ctx ctx = {.target = t,
                                  .emit = scan_emit,
                                  .input_error = scan_input_error,
                                  .not_evaluated = scan_not_evaluated,
                                  .data = &sc,
                                  .skipped = scan_skipped};
        json_t *doc =
            json_pack("{s:s, s:o, s:s}", "type", t->type, "ref",
                      json_string_lossy(t->ref), "pillar", col->pillar);
        struct resource r;
        int rc;

        sb_addf(&uid, "target:%s:%s", t->type, t->ref);
        sc.target_uid = sb_str(&uid);
        r.kind = "fourc/Target";
        r.uid = sb_str(&uid);
        r.name = t->ref;
        r.namespace = NULL;
        r.source = t->ref;
        r.doc = doc;
        rc = engine_resource(eng, sb_str(&uid), &r, e);
        json_decref(doc);
        if (rc == 0 && col->collect(t, &ctx, e) != 0) {
            if (sc.store_failed) {
                rc = -1;
            } else {
                if (strstr(e->msg, t->ref))
                    log_warn("%s", e->msg); /* it names the target */
                else
                    log_warn("%s %s: %s", t->type, t->ref, e->msg);
                rc = engine_target_failed(eng, sb_str(&uid), col->kind_prefix,
                                          e->msg, e);
            }
        }
        sb_release(&uid);
        if (rc)
            return -1;
    }
    return 0;
}

/* FOURC_TIMINGS=1 prints where a scan's time went, for benchmarks. */
static void scan_timing(const char *what, const struct timespec *t0)
{
    struct timespec now;

    if (!getenv("FOURC_TIMINGS"))
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    fprintf(stderr, "timing: %-18s %.3f s since start\n", what,
            (double)(now.tv_sec - t0->tv_sec) +
                (double)(now.tv_nsec - t0->tv_nsec) / 1e9);
}

static int scan_run(struct scan_opts *o, char *cmdline)
{
    struct ruleset rs = {.kind_check = collector_kind_check};
    struct store *st = NULL;
    struct engine *eng = NULL;
    struct err e;
    int64_t scan_id = 0, of = 0;
    size_t ntargets = o->ntargets;
    char digest[SHA256_STR_LEN];
    json_t *targets = json_array();
    char *targets_json = NULL;
    struct report_ctx rc;
    struct timespec t0, t1;
    size_t i;
    long long gated = 0;
    int status = EXIT_TROUBLE;
    FILE *human;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < o->ntargets; i++) {
        const struct collector *col = collector_find(o->targets[i].type);
        if (col->check && col->check(&o->targets[i], &e)) {
            cmd_usage("scan", "%s", e.msg);
            goto out;
        }
        json_array_append_new(
            targets, json_pack("{s:s, s:o}", "type", o->targets[i].type, "ref",
                               json_string_lossy(o->targets[i].ref)));
    }
    if (store_open(&st, o->db, o->reevaluate ? STORE_EXISTING : STORE_CREATE,
                   &e) ||
        (o->reevaluate && store_resolve_scan(st, o->reevaluate, &of, &e))) {
        log_error("%s", e.msg);
        goto out;
    }
    if (cmd_load_rules(&rs, st, o->rule_dirs, o->nrule_dirs))
        goto out;
    for (i = 0; i < o->ntargets; i++) {
        const struct collector *col = collector_find(o->targets[i].type);
        /* else its unreadable inputs would go unreported */
        if (!engine_has_input_rule(&rs, col->pillar)) {
            log_error("no rule of kind fourc/InputError for the %s pillar of "
                      "the %s collector; nothing was scanned",
                      col->pillar, col->name);
            goto out;
        }
    }
    ruleset_digest(&rs, digest);
    targets_json = json_dumps(targets, JSON_COMPACT);
    if (o->reevaluate
            ? store_scan_begin_reeval(st, of, cmdline, &scan_id, &e)
            : store_scan_begin(st, targets_json, cmdline, &scan_id, &e))
        goto fail;
    if (engine_store_rules(st, scan_id, &rs, &e))
        goto fail;
    eng = engine_new(st, scan_id, &rs);
    if (o->reevaluate ? cmd_reevaluate(eng, st, of, &ntargets, &e)
                      : scan_targets(o, eng, &e))
        goto fail;
    scan_timing("collect+evaluate", &t0);
    if (engine_finish(eng, &e))
        goto fail;
    scan_timing("sql rules", &t0);
    if (store_scan_commit(st, scan_id, digest, &e))
        goto fail;
    scan_timing("commit", &t0);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    rc.st = st;
    rc.scan_id = scan_id;
    status = EXIT_CLEAN;
    for (i = 0; i < o->nformats; i++) {
        const char *path = i < o->noutputs ? o->outputs[i] : "-";
        if (report_write(reporter_find(o->formats[i]), &rc, path, &e)) {
            log_error("%s (scan %lld is stored; 'fourc report --scan %lld' "
                      "renders it again)",
                      e.msg, (long long)scan_id, (long long)scan_id);
            status = EXIT_TROUBLE;
        }
    }
    human = o->nformats > o->noutputs ? stderr : stdout;
    if (!o->quiet) {
        if (summary_print(&rc, human, log_use_color(fileno(human)), &e)) {
            log_error("%s", e.msg);
            status = EXIT_TROUBLE;
        }
        fprintf(human,
                "%zu resources from %zu target%s in %.2f s, stored as "
                "scan %lld in %s\n",
                engine_stats(eng)->resources, ntargets,
                ntargets == 1 ? "" : "s",
                (double)(t1.tv_sec - t0.tv_sec) +
                    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
                (long long)scan_id, o->db);
        if (of)
            fprintf(human, "Re-evaluated the resources of scan %lld\n",
                    (long long)of);
        for (i = 0; i < o->nskips; i++)
            fprintf(human, "Skipped %zu path%s: %s\n", o->skips[i].n,
                    o->skips[i].n == 1 ? "" : "s", o->skips[i].reason);
        for (i = 0; i < o->noutputs; i++)
            fprintf(human, "Wrote %s report to %s\n", o->formats[i],
                    o->outputs[i]);
    }
    if (status == EXIT_CLEAN && o->fail_on) {
        if (scan_gate(st, scan_id, o->fail_on, &gated, &e)) {
            log_error("%s", e.msg);
            status = EXIT_TROUBLE;
        } else if (gated > 0) {
            if (!o->quiet)
                fprintf(human,
                        "%lld finding%s at or above %s failed or "
                        "could not be evaluated (--fail-on %s)\n",
                        gated, gated == 1 ? "" : "s", o->fail_on, o->fail_on);
            status = EXIT_FINDINGS;
        }
    }
    goto out;
fail:
    log_error("%s", e.msg);
    if (scan_id)
        store_scan_rollback(st, scan_id);
    status = EXIT_TROUBLE;
out:
    engine_free(eng);
    ruleset_release(&rs);
    store_free(st);
    json_decref(targets);
    free(targets_json);
    return status;
}

int cmd_scan(int argc, char **argv)
{
    struct scan_opts o;
    char *cmdline;
    int rc;

    memset(&o, 0, sizeof(o));
    o.db = CMD_DEFAULT_DB;
    o.image.platform = "linux/amd64";
    o.image.timeout = 30;
    rc = scan_parse(&o, argc, argv);
    if (rc == 0) {
        log_set_quiet(o.quiet);
        cmdline = scan_command_line(argc, argv);
        rc = scan_run(&o, cmdline);
        free(cmdline);
    } else {
        rc = rc < 0 ? EXIT_CLEAN : EXIT_TROUBLE;
    }
    free(o.targets);
    free(o.insecure);
    free(o.rule_dirs);
    free(o.formats);
    free(o.outputs);
    return rc;
}
