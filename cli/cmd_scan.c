/*
 * cmd_scan.c: `fourc scan`: collect every target, evaluate the rules,
 * store the scan, write the requested reports, print a summary.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cmd_scan_int.h"
#include "collector.h"
#include "engine.h"
#include "log.h"
#include "reporter.h"
#include "summary.h"
#include "util.h"
#include "banned.h"

struct scan_collect {
    struct engine *eng;
    const char *target_uid;
    const struct collector *col;
    int store_failed;
    struct scan_opts *o;
    struct store *st;
    int64_t scan_id;
    size_t index;  /* the target's, in o->targets and the scan's targets */
    size_t nadded; /* targets it handed over, inserted after it */
};

void scan_push(char ***v, size_t *n, char *s)
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

/* Whom a handed-over target concerns, from its context, after msg:
 * "MSG (used by Deployment shop/web, Pod default/debug and 3 more; via
 * kubeconfig https://...)". Just msg without a context. */
#define SCAN_CONTEXT_NAMED 10
static void scan_context_msg(struct strbuf *sb, const char *msg,
                             const json_t *context)
{
    const json_t *ws = json_object_get(context, "workloads"), *w;
    const char *via = json_string_value(json_object_get(context, "via"));
    json_int_t more =
        json_integer_value(json_object_get(context, "workloads_more"));
    size_t i, n = json_array_size(ws);

    sb_adds(sb, msg);
    if (!n && !via)
        return;
    sb_adds(sb, " (");
    json_array_foreach(ws, i, w)
    {
        const char *ns = json_string_value(json_object_get(w, "namespace"));
        const char *kind = json_string_value(json_object_get(w, "kind"));
        const char *name = json_string_value(json_object_get(w, "name"));
        if (i == SCAN_CONTEXT_NAMED)
            break;
        sb_addf(sb, "%s%s %s%s%s", i == 0 ? "used by " : ", ",
                kind ? kind : "?", ns ? ns : "", ns ? "/" : "",
                name ? name : "?");
    }
    if (n > SCAN_CONTEXT_NAMED || more > 0)
        sb_addf(
            sb, " and %lld more",
            (long long)(n > SCAN_CONTEXT_NAMED ? n - SCAN_CONTEXT_NAMED : 0) +
                (long long)(more > 0 ? more : 0));
    if (via)
        sb_addf(sb, "%svia %s", n ? "; " : "", via);
    sb_adds(sb, ")");
}

static int scan_input_error(struct collect_ctx *ctx, const char *source,
                            const char *msg, struct err *e)
{
    struct scan_collect *sc = ctx->data;
    struct strbuf sb = STRBUF_INIT;
    int rc;

    scan_context_msg(&sb, msg, ctx->target->context);
    log_warn("%s", sb_str(&sb));
    rc = engine_input_error(sc->eng, sc->target_uid, sc->col->pillar, source,
                            sb_str(&sb), e);
    sb_release(&sb);
    if (rc)
        sc->store_failed = 1;
    return rc;
}

static int scan_not_evaluated(struct collect_ctx *ctx, const char *kind_prefix,
                              const char *msg, struct err *e)
{
    struct scan_collect *sc = ctx->data;
    struct strbuf sb = STRBUF_INIT;
    int rc;

    scan_context_msg(&sb, msg, ctx->target->context);
    rc = engine_target_failed(sc->eng, sc->target_uid, kind_prefix, sb_str(&sb),
                              e);
    sb_release(&sb);
    if (rc)
        sc->store_failed = 1;
    return rc;
}

static int scan_kind_not_evaluated(struct collect_ctx *ctx,
                                   const char *scope_uid, const char *kind,
                                   const char *msg, struct err *e)
{
    struct scan_collect *sc = ctx->data;
    int rc = engine_kind_failed(sc->eng, scope_uid ? scope_uid : sc->target_uid,
                                kind, msg, e);

    if (rc)
        sc->store_failed = 1;
    return rc;
}

static int scan_target_info(struct collect_ctx *ctx, const char *key,
                            json_t *value, struct err *e)
{
    struct scan_collect *sc = ctx->data;
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    int rc = text ? store_scan_target_info(sc->st, sc->scan_id, sc->index, key,
                                           text, e)
                  : err_set(e, "out of memory recording %s", key);

    json_decref(value);
    free(text);
    if (rc)
        sc->store_failed = 1;
    return rc;
}

/* Every kind the rules (and the views SQL rules read) name, once each,
 * NULL-terminated: borrowed from rs. */
static const char **scan_rule_kinds(const struct ruleset *rs)
{
    const char **v = NULL;
    size_t n = 0, i, j, k;

    for (i = 0; i < rs->n + rs->nviews; i++) {
        char **kinds =
            i < rs->n ? rs->rules[i]->kinds : rs->views[i - rs->n]->kinds;
        size_t nk =
            i < rs->n ? rs->rules[i]->nkinds : rs->views[i - rs->n]->nkinds;
        for (j = 0; j < nk; j++) {
            for (k = 0; k < n && strcmp(v[k], kinds[j]) != 0; k++)
                ;
            if (k < n)
                continue;
            v = xrealloc(v, (n + 2) * sizeof(*v));
            v[n++] = kinds[j];
        }
    }
    v = xrealloc(v, (n + 1) * sizeof(*v));
    v[n] = NULL;
    return v;
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

void scan_insert_target(struct scan_opts *o, size_t pos, const char *type,
                        const char *ref, const void *opts, json_t *context,
                        const char *from)
{
    o->targets = xrealloc(o->targets, (o->ntargets + 1) * sizeof(*o->targets));
    o->from = xrealloc(o->from, (o->ntargets + 1) * sizeof(*o->from));
    memmove(o->targets + pos + 1, o->targets + pos,
            (o->ntargets - pos) * sizeof(*o->targets));
    memmove(o->from + pos + 1, o->from + pos,
            (o->ntargets - pos) * sizeof(*o->from));
    o->targets[pos].type = type;
    o->targets[pos].ref = ref;
    o->targets[pos].opts = opts;
    o->targets[pos].context = context;
    o->from[pos] = from;
    o->ntargets++;
}

/* collect_ctx.add_target: after the targets this one already handed over,
 * unless (type, ref) is a target already. */
static int scan_handover(struct collect_ctx *ctx, const char *type,
                         const char *ref, const json_t *context, struct err *e)
{
    struct scan_collect *sc = ctx->data;
    struct scan_opts *o = sc->o;
    const struct collector *col = collector_find(type);
    char *r, *from;
    size_t i;

    if (!col)
        return err_set(e,
                       "internal: %s hands over %s to a collector %s that "
                       "does not exist",
                       sc->col->name, ref, type);
    for (i = 0; i < o->ntargets; i++)
        if (strcmp(o->targets[i].type, col->name) == 0 &&
            strcmp(o->targets[i].ref, ref) == 0)
            return 0;
    if (!engine_has_input_rule(o->rs, col->pillar))
        return err_set(e,
                       "%s %s: no rule of kind fourc/InputError for the %s "
                       "pillar of the %s collector, so it is not scanned",
                       col->name, ref, col->pillar, col->name);
    for (i = 0; collector_at(i) != col; i++)
        ;
    r = xstrdup(ref);
    from = xstrdup(sc->target_uid);
    scan_push(&o->owned, &o->nowned, r);
    scan_push(&o->owned, &o->nowned, from);
    scan_insert_target(o, sc->index + 1 + sc->nadded++, col->name, r,
                       o->states[i], context ? json_deep_copy(context) : NULL,
                       from);
    return 0;
}

/* The scan's targets as stored with it: {"type", "ref"} as the user named
 * them, and {"type", "ref", "from", "context"} for the ones handed over
 * (the "same targets" of two scans are the ones the user named:
 * store_previous_scan). */
static json_t *scan_targets_json(const struct scan_opts *o)
{
    json_t *targets = json_array();
    size_t i;

    for (i = 0; i < o->ntargets; i++) {
        const struct target *t = &o->targets[i];
        json_t *j = json_pack("{s:s, s:o}", "type", t->type, "ref",
                              json_string_lossy(t->ref));
        if (o->from[i])
            json_object_set_new(j, "from", json_string_lossy(o->from[i]));
        if (t->context)
            json_object_set(j, "context", (json_t *)t->context);
        json_array_append_new(targets, j);
    }
    return targets;
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

/* Findings (fail or error) at or above the --fail-on severity. */
static int scan_gate(struct store *st, int64_t scan_id, const char *fail_on,
                     long long *count, struct err *e)
{
    return store_count_failing(st, scan_id, severity_rank(fail_on), count, e);
}

/* The whole target failed (e says why): `error` findings for the rules
 * of its collector's kinds. A handed-over target's message names it and
 * whom it concerns, from its context. */
static int scan_target_failed(struct scan_collect *sc, const struct target *t,
                              int unreachable, struct err *e)
{
    struct strbuf msg = STRBUF_INIT, pre = STRBUF_INIT;
    /* unreachable: a runtime error, said once as one */
    void (*say)(const char *, ...) = unreachable ? log_error : log_warn;
    int rc;

    if (!strstr(e->msg, t->ref) && *t->ref)
        sb_addf(&pre, strcmp(t->type, t->ref) ? "%s %s: " : "%s: ", t->type,
                t->ref); /* a flag target (--aws) is named by its type */
    sb_adds(&pre, e->msg);
    scan_context_msg(&msg, sb_str(&pre), t->context);
    say("%s", sb_str(&msg));
    /* as before for the targets the user named: e's own words */
    if (!t->context) {
        sb_setlen(&msg, 0);
        sb_adds(&msg, e->msg);
    }
    rc = engine_target_failed(sc->eng, sc->target_uid, sc->col->kind_prefix,
                              sb_str(&msg), e);
    sb_release(&msg);
    sb_release(&pre);
    return rc;
}

/* 0, -1 (e set), or 1 when a target could not be reached (the error is
 * said and recorded; the scan is stored, and exits 2). Targets handed
 * over while collecting are inserted after the one that handed them over,
 * so o->targets grows (and moves) as this runs: the collector gets a copy
 * of its target. */
static int scan_targets(struct scan_opts *o, struct engine *eng,
                        struct store *st, int64_t scan_id,
                        const struct ruleset *rs, struct err *e)
{
    const char **kinds = scan_rule_kinds(rs);
    size_t i;
    int unreachable = 0;

    for (i = 0; i < o->ntargets; i++) {
        const struct target copy = o->targets[i], *t = &copy;
        const struct collector *col = collector_find(t->type);
        struct strbuf uid = STRBUF_INIT;
        struct scan_collect sc = {eng, NULL, col, 0, o, st, scan_id, i, 0};
        struct collect_ctx ctx = {.target = t,
                                  .emit = scan_emit,
                                  .input_error = scan_input_error,
                                  .not_evaluated = scan_not_evaluated,
                                  .data = &sc,
                                  .skipped = scan_skipped,
                                  .rule_kinds = kinds,
                                  .kind_not_evaluated = scan_kind_not_evaluated,
                                  .target_info = scan_target_info,
                                  .add_target = scan_handover};
        json_t *doc =
            json_pack("{s:s, s:o, s:s}", "type", t->type, "ref",
                      json_string_lossy(t->ref), "pillar", col->pillar);
        struct resource r;
        int rc;

        if (o->from[i])
            json_object_set_new(doc, "from", json_string_lossy(o->from[i]));
        if (t->context)
            json_object_set(doc, "context", (json_t *)t->context);
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
        /* a handed-over target was not checked with the command line */
        if (rc == 0 && o->from[i] && col->check && col->check(t, e)) {
            rc = scan_target_failed(&sc, t, 0, e);
        } else if (rc == 0 && (rc = col->collect(t, &ctx, e)) != 0) {
            if (sc.store_failed) {
                rc = -1;
            } else {
                if (rc == COLLECT_UNREACHABLE)
                    unreachable = 1;
                rc = scan_target_failed(&sc, t, rc == COLLECT_UNREACHABLE, e);
            }
        }
        sb_release(&uid);
        if (rc) {
            free(kinds);
            return -1;
        }
    }
    free(kinds);
    return unreachable;
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
    int status = EXIT_TROUBLE, unreachable = 0;
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
    o->rs = &rs;
    if (o->reevaluate) {
        if (cmd_reevaluate(eng, st, of, &ntargets, &e))
            goto fail;
    } else if ((unreachable = scan_targets(o, eng, st, scan_id, &rs, &e)) < 0) {
        goto fail;
    }
    if (!o->reevaluate && o->ntargets > ntargets) {
        /* with the targets collectors handed over */
        json_t *all = scan_targets_json(o);
        char *js = json_dumps(all, JSON_COMPACT);
        int bad = store_scan_set_targets(st, scan_id, js, &e);
        json_decref(all);
        free(js);
        ntargets = o->ntargets;
        if (bad)
            goto fail;
    }
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
    /* A target that could not be reached was said as an error: the scan
     * and its reports keep its `error` findings, and the exit says it. */
    status = unreachable ? EXIT_TROUBLE : EXIT_CLEAN;
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

    const struct collector *col;
    size_t i, ncols = 0;

    memset(&o, 0, sizeof(o));
    o.db = CMD_DEFAULT_DB;
    while (collector_at(ncols))
        ncols++;
    o.states = xcalloc(ncols ? ncols : 1, sizeof(*o.states));
    for (i = 0; (col = collector_at(i)); i++)
        o.states[i] = col->opts_new ? col->opts_new() : NULL;
    rc = scan_parse(&o, argc, argv);
    if (rc == 0) {
        log_set_quiet(o.quiet);
        cmdline = scan_command_line(argc, argv);
        rc = scan_run(&o, cmdline);
        free(cmdline);
    } else {
        rc = rc < 0 ? EXIT_CLEAN : EXIT_TROUBLE;
    }
    for (i = 0; (col = collector_at(i)); i++)
        if (col->opts_free)
            col->opts_free(o.states[i]);
    for (i = 0; i < o.ntargets; i++)
        json_decref((json_t *)o.targets[i].context);
    for (i = 0; i < o.nowned; i++)
        free(o.owned[i]);
    free(o.owned);
    free(o.from);
    free(o.states);
    free(o.targets);
    free(o.rule_dirs);
    free(o.formats);
    free(o.outputs);
    return rc;
}
