/*
 * kube.c: the live-cluster collector, `--kubeconfig FILE [--context NAME]`.
 *
 * Connects the way kubectl does (kubeconfig.c: FILE, else KUBECONFIG,
 * ~/.kube/config or in-cluster), reads the server's version (recorded
 * with the scan as the target's "cluster"), discovers what the server
 * serves and lists every kind the scan's rules need (kube_list.c). The
 * objects become the same k8s/<Kind> resources, with the same uids, as
 * the manifests collector makes of the same objects on disk, so every
 * workload, RBAC and namespace rule applies unchanged and a live scan and
 * a manifests scan of one cluster share their findings' fingerprints.
 *
 * A cluster that cannot be reached at all (connection refused, DNS, TLS,
 * credentials refused on /version) is COLLECT_UNREACHABLE: one error, exit
 * status 2. A kind that cannot be listed (403, faults after retries, a
 * page cut short) costs the rules of that kind only.
 */
#include "collector.h"

#include <stdlib.h>
#include <string.h>

#include "k8sobj.h"
#include "kube_images.h"
#include "kube_list.h"
#include "kubeconfig.h"
#include "log.h"
#include "util.h"
#include "banned.h"

#define KUBE_TIMEOUT 30 /* s: connect, stall, and an answer's deadline */

/* The option state (target->opts); each row of kube_options below sets
 * one field here. */
struct kube_opts {
    const char *context; /* --context, or NULL: current-context */
    long timeout;        /* --kube-timeout */
    int images;          /* --images */
};

static void *kube_opts_new(void)
{
    struct kube_opts *o = xcalloc(1, sizeof(*o));

    o->timeout = KUBE_TIMEOUT;
    return o;
}

static void kube_opts_free(void *state)
{
    free(state);
}

static int kube_set_context(void *state, const char *v, struct err *e)
{
    if (!*v)
        return err_set(e, "--context: expected a context name");
    ((struct kube_opts *)state)->context = v;
    return 0;
}

static int kube_set_timeout(void *state, const char *v, struct err *e)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (end == v || *end || n < 1 || n > 3600)
        return err_set(e, "--kube-timeout %s: expected seconds from 1 to 3600",
                       v);
    ((struct kube_opts *)state)->timeout = n;
    return 0;
}

static int kube_set_images(void *state, const char *v, struct err *e)
{
    (void)v;
    (void)e;
    ((struct kube_opts *)state)->images = 1;
    return 0;
}

static struct kube_conn *kube_open(const struct target *t, struct err *e)
{
    const struct kube_opts *o = t->opts;
    struct kube_load_opts lo;

    memset(&lo, 0, sizeof(lo));
    lo.kubeconfig = *t->ref ? t->ref : NULL;
    lo.context = o ? o->context : NULL;
    return kube_load(&lo, e);
}

/* The kubeconfig and its context must be usable before the scan starts
 * (an unknown context, a missing file: usage errors). */
static int kube_check(const struct target *t, struct err *e)
{
    struct kube_conn *k = kube_open(t, e);

    if (!k)
        return -1;
    kube_free(k);
    return 0;
}

/* {"server", "context", "version", "platform"} as the target's "cluster". */
static int kube_record(struct collect_ctx *ctx, const struct kube_conn *k,
                       const char *version, const char *platform, struct err *e)
{
    json_t *info;

    if (!ctx->target_info)
        return 0;
    info = json_pack("{s:s, s:s, s:s}", "server", k->server, "version", version,
                     "platform", platform);
    if (!info)
        return err_set(e, "out of memory recording the cluster's version");
    if (k->context) /* none in-cluster */
        json_object_set_new(info, "context", json_string(k->context));
    return ctx->target_info(ctx, "cluster", info, e);
}

static int kube_collect(const struct target *t, struct collect_ctx *ctx,
                        struct err *e)
{
    const struct kube_opts *o = t->opts;
    long timeout = o ? o->timeout : KUBE_TIMEOUT;
    struct kube_conn *k;
    struct http *c = NULL;
    struct http_opts ho;
    struct kube_lister l;
    struct kube_res *res = NULL;
    struct kube_images *ki = NULL; /* --images */
    const char **want = NULL;
    char *version = NULL, *platform = NULL, hint[48];
    size_t n = 0, i;
    int rc = COLLECT_UNREACHABLE;

    if (!(k = kube_open(t, e)))
        return COLLECT_UNREACHABLE;
    memset(&ho, 0, sizeof(ho));
    snprintf(hint, sizeof(hint), "--kube-timeout %ld", timeout);
    ho.timeout_hint = hint;
    ho.connect_timeout = timeout;
    ho.stall_timeout = timeout;
    ho.deadline = timeout;
    ho.retries = 3;
    ho.retry_timeouts = 1; /* lists are GETs: safe to send again */
    if (!(c = kube_http_new(k, &ho, e)) ||
        kube_version(k, c, &version, &platform, e) < 0)
        goto out;
    rc = -1;
    if (kube_record(ctx, k, version, platform, e))
        goto out;
    memset(&l, 0, sizeof(l));
    l.k = k;
    l.c = c;
    l.ctx = ctx;
    if (o && o->images && ctx->add_target) {
        /* the pods and their owners are listed whatever the rules name,
         * and kube_images sees every object on its way out */
        struct strbuf via = STRBUF_INIT;
        sb_addf(&via, "cluster %s", k->server);
        ki = kube_images_new(sb_str(&via));
        sb_release(&via);
        l.observe = kube_images_observe;
        l.observe_arg = ki;
        want = kube_images_kinds(ctx->rule_kinds);
    }
    if (kube_discover(&l, want ? want : ctx->rule_kinds, &res, &n, e) < 0)
        goto out;
    for (i = 0; i < n; i++)
        if (kube_list(&l, &res[i], e) < 0)
            goto out;
    if (ki && kube_images_flush(ki, ctx, e))
        goto out;
    rc = 0;
out:
    kube_images_free(ki);
    free(want);
    kube_res_free(res, n);
    free(version);
    free(platform);
    http_free(c);
    kube_free(k);
    return rc;
}

/* One row for each option; --images appends its own here. */
static const struct collector_opt kube_options[] = {
    {"context", "NAME",
     "the kubeconfig context to use (default: its\ncurrent-context)", 0,
     kube_set_context},
    {"kube-timeout", "SECONDS",
     "how long the API server may take to connect or\nstall (default 30); "
     "429, 5xx, dropped connections\nand timeouts are retried 3 times with "
     "backoff",
     0, kube_set_timeout},
    {"images", NULL,
     "also audit every distinct image the pods run (by\nthe digest they run "
     "where the node reports it),\nonce each, with the --image options and "
     "the docker\nconfig's credentials",
     0, kube_set_images},
    {NULL, NULL, NULL, 0, NULL}};

/* Every object becomes k8s/<its kind>, whatever its API group. */
static const char *const kube_kinds[] = {"k8s/*", NULL};

const struct collector collector_kubeconfig = {
    .name = "kubeconfig",
    .summary = "a live Kubernetes cluster through its API server",
    .arg = "FILE",
    .help = "a live cluster: the kubeconfig FILE (\"\": KUBECONFIG,\n"
            "~/.kube/config, else in-cluster); lists what the\n"
            "rules need, Secrets as metadata only",
    .target_once = 1,
    .opts = kube_options,
    .opts_new = kube_opts_new,
    .opts_free = kube_opts_free,
    .pillar = "cluster",
    .kind_prefix = "k8s/",
    .kinds = kube_kinds,
    .known_kinds = k8sobj_known_kinds,
    .check = kube_check,
    .collect = kube_collect,
};
