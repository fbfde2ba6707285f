/*
 * node.c: a Kubernetes node's own configuration, read from its filesystem
 * (--node-root DIR, or a tar archive of it) the way kube-bench audits a
 * node: the static pod manifests of the control plane, the processes in
 * ROOT/proc, the kubelet's systemd unit and config file, and the files the
 * CIS benchmark names. Every component and every named file is emitted
 * whether present or not (k8s/ComponentConfig, host/File, host/Process; the
 * documents are the contract RULES judges), so a rule always has its
 * subject. A setting is resolved as the component resolves it: the command
 * line over the config file; the running process over the manifest.
 */
#include "node_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "walk.h"
#include "banned.h"

static const char *const node_platforms[] = {"generic", "kubeadm", "eks",
                                             "gke",     "aks",     NULL};

static const struct node_platform node_platform_defaults[] = {
    {"generic",
     NULL,
     {"/var/lib/kubelet/config.yaml", "/etc/kubernetes/kubelet-config.yaml",
      NULL},
     "/etc/kubernetes/kubelet.conf",
     "/etc/kubernetes/pki/ca.crt",
     "/etc/kubernetes/proxy.conf",
     "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"},
    {"kubeadm",
     NULL,
     {"/var/lib/kubelet/config.yaml", NULL, NULL},
     "/etc/kubernetes/kubelet.conf",
     "/etc/kubernetes/pki/ca.crt",
     "/etc/kubernetes/proxy.conf",
     "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"},
    {"eks",
     "Amazon EKS",
     {"/etc/kubernetes/kubelet/kubelet-config.json",
      "/etc/kubernetes/kubelet/config.json", NULL},
     "/var/lib/kubelet/kubeconfig",
     "/etc/kubernetes/pki/ca.crt",
     "/var/lib/kube-proxy/kubeconfig",
     "/etc/systemd/system/kubelet.service"},
    {"gke",
     "Google GKE",
     {"/etc/kubernetes/kubelet-config.yaml",
      "/home/kubernetes/kubelet-config.yaml", NULL},
     "/var/lib/kubelet/kubeconfig",
     "/etc/srv/kubernetes/pki/ca-certificates.crt",
     "/var/lib/kubelet/kubeconfig",
     "/etc/systemd/system/kubelet.service"},
    {"aks",
     "Azure AKS",
     {"/etc/default/kubeletconfig.json", "/var/lib/kubelet/config.yaml", NULL},
     "/var/lib/kubelet/kubeconfig",
     "/etc/kubernetes/certs/ca.crt",
     "/var/lib/kubelet/kubeconfig",
     "/etc/systemd/system/kubelet.service"},
};

struct node_opts {
    const char *platform;
};

const struct node_platform *node_plat(const struct node_scan *ns)
{
    size_t i;

    for (i = 0;
         i < sizeof(node_platform_defaults) / sizeof(*node_platform_defaults);
         i++)
        if (strcmp(node_platform_defaults[i].name, ns->platform) == 0)
            return &node_platform_defaults[i];
    return &node_platform_defaults[0];
}

int node_managed(const struct node_scan *ns, const char *component)
{
    size_t i;

    if (!ns->provider)
        return 0;
    for (i = 0; i < NODE_NCOMPS; i++)
        if (strcmp(node_comps[i].name, component) == 0)
            return node_comps[i].control_plane;
    return 0;
}

json_t *node_managed_text(const struct node_scan *ns)
{
    struct strbuf sb = STRBUF_INIT;
    json_t *s;

    sb_addf(&sb,
            "%s runs the control plane; this control is the provider's "
            "(--cluster-platform %s)",
            ns->provider, ns->platform);
    s = json_string(sb_str(&sb));
    sb_release(&sb);
    return s;
}

void node_unknown(json_t *doc, const char *key, const char *msg)
{
    struct strbuf sb = STRBUF_INIT;

    sb_addf(&sb, "unknown: %s", msg);
    json_object_set_new(doc, key, json_string_lossy(sb_str(&sb)));
    sb_release(&sb);
}

void node_input_error(struct node_scan *ns, const char *path, long line,
                      const char *msg)
{
    struct strbuf src = STRBUF_INIT, full = STRBUF_INIT;
    size_t pl = strlen(path);

    if (ns->stop)
        return;
    nodefs_where(ns->fs, path, &src);
    if (line > 0)
        sb_addf(&src, ":%ld", line);
    /* Messages that start with the node path name it once, as a source. */
    if (strncmp(msg, path, pl) == 0 && msg[pl] == ':')
        msg += pl + 1 + (msg[pl + 1] == ' ');
    sb_addf(&full, "%s: %s", sb_str(&src), msg);
    /* Several roles and components may look at one unreadable path. */
    if (!ns->said)
        ns->said = json_object();
    if (!json_object_get(ns->said, sb_str(&full))) {
        json_object_set_new(ns->said, sb_str(&full), json_true());
        if (ns->ctx->input_error(ns->ctx, sb_str(&src), sb_str(&full), ns->e))
            ns->stop = 1;
    }
    sb_release(&src);
    sb_release(&full);
}

void node_emit(struct node_scan *ns, const char *kind, const char *uid,
               const char *name, const char *source, json_t *doc)
{
    struct resource r;

    if (ns->stop)
        return;
    r.kind = kind;
    r.uid = uid;
    r.name = name;
    r.namespace = NULL;
    r.source = source;
    r.doc = doc;
    if (ns->ctx->emit(ns->ctx, &r, ns->e))
        ns->stop = 1;
}

/* ---- collecting -----------------------------------------------------------
 */

/* The root's etc/hostname, else "node". */
static char *node_name(struct nodefs *fs)
{
    struct strbuf text = STRBUF_INIT;
    struct err e;
    size_t n;
    char *out;

    if (nodefs_read(fs, "/etc/hostname", 4096, &text, &e) != 0)
        goto fallback;
    n = strcspn(sb_str(&text), "\r\n");
    while (n && isspace((unsigned char)text.buf[n - 1]))
        n--;
    if (n == 0 || !utf8_valid(text.buf, n) || memchr(text.buf, '/', n))
        goto fallback;
    out = xstrndup(text.buf, n);
    sb_release(&text);
    return out;
fallback:
    sb_release(&text);
    return xstrdup("node");
}

static void node_emit_all(struct node_scan *ns, const json_t *procs)
{
    struct strbuf uid = STRBUF_INIT, src = STRBUF_INIT;
    size_t i;

    for (i = 0; i < NODE_NCOMPS && !ns->stop; i++) {
        const char *c = node_comps[i].name;
        json_t *doc = json_object_get(ns->comps, c), *pr, *s0;
        const char *path;
        sb_setlen(&uid, 0);
        sb_addf(&uid, "node/%s/component/%s", ns->node, c);
        /* The source: the first place the command line came from. */
        pr = json_object_get(procs, c);
        s0 = json_array_get(json_object_get(doc, "sources"), 0);
        path = pr ? json_string_value(json_object_get(pr, "path"))
                  : json_string_value(json_object_get(s0, "path"));
        if (path)
            nodefs_where(ns->fs, path, &src);
        else {
            sb_setlen(&src, 0);
            sb_adds(&src, nodefs_root(ns->fs));
        }
        node_emit(ns, "k8s/ComponentConfig", sb_str(&uid), c, sb_str(&src),
                  doc);
        if (pr && !ns->stop) {
            json_t *pd = json_object();
            json_object_set(pd, "pid", json_object_get(pr, "pid"));
            json_object_set_new(pd, "component", json_string(c));
            json_object_set(pd, "args", json_object_get(doc, "args"));
            json_object_set_new(pd, "node", json_string_lossy(ns->node));
            json_object_set_new(pd, "platform", json_string(ns->platform));
            sb_setlen(&uid, 0);
            sb_addf(&uid, "node/%s/process/%s", ns->node, c);
            node_emit(ns, "host/Process", sb_str(&uid), c, sb_str(&src), pd);
            json_decref(pd);
        }
    }
    node_files_emit(ns);
    sb_release(&uid);
    sb_release(&src);
}

static int node_check(const struct target *t, struct err *e)
{
    struct stat st;

    if (stat(t->ref, &st) != 0)
        return err_set(e, "--node-root %s: %s", t->ref, strerror(errno));
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
        return err_set(e,
                       "--node-root %s: is a %s; expected a directory or a "
                       "tar archive (.tar, .tar.gz) of a node's filesystem",
                       t->ref, walk_special(st.st_mode));
    if (S_ISREG(st.st_mode) && !str_has_suffix(t->ref, ".tar") &&
        !str_has_suffix(t->ref, ".tar.gz") && !str_has_suffix(t->ref, ".tgz") &&
        !str_has_suffix(t->ref, ".tar.zst"))
        return err_set(e,
                       "--node-root %s: a file, but not named as a tar "
                       "archive (.tar, .tar.gz, .tgz, .tar.zst); expected a "
                       "directory or a tar archive of a node's filesystem",
                       t->ref);
    return 0;
}

/* The effective setting key of component comp, NULL when it is unset or
 * could not be resolved. */
static const char *node_effective(struct node_scan *ns, const char *comp,
                                  const char *key)
{
    return json_string_value(json_object_get(
        json_object_get(json_object_get(ns->comps, comp), "effective"), key));
}

static int node_collect(const struct target *t, struct collect_ctx *ctx,
                        struct err *e)
{
    const struct node_opts *o = t->opts;
    struct node_scan ns;
    json_t *procs = json_object();
    const char *p;
    size_t i;
    int rc = 0;

    memset(&ns, 0, sizeof(ns));
    ns.ctx = ctx;
    ns.e = e;
    ns.platform = o && o->platform ? o->platform : "generic";
    if (nodefs_open(t->ref, &ns.fs, e)) {
        /* The caller fails host/ (kind_prefix); the components too. */
        struct err ne;
        json_decref(procs);
        if (ctx->input_error(ctx, t->ref, e->msg, &ne) ||
            (ctx->not_evaluated &&
             ctx->not_evaluated(ctx, "k8s/ComponentConfig", e->msg, &ne)))
            *e = ne;
        return -1;
    }
    ns.provider = node_plat(&ns)->provider;
    ns.node = node_name(ns.fs);
    ns.files = json_object();
    ns.comps = json_object();
    node_users_load(&ns);
    for (i = 0; i < NODE_NCOMPS; i++)
        json_object_set_new(ns.comps, node_comps[i].name,
                            node_comp_new(&ns, node_comps[i].name));
    node_processes(&ns, procs);
    for (i = 0; i < NODE_NCOMPS && node_comps[i].control_plane; i++)
        node_control_plane(&ns, procs, node_comps[i].name);
    node_kubelet(&ns, procs);
    node_proxy(&ns, procs);

    /* The files the benchmark names, beyond the ones read above. */
    p = node_effective(&ns, "etcd", "data-dir");
    node_file_add(&ns, p ? p : "/var/lib/etcd", "etcd-data-dir", "etcd");
    node_file_add(&ns, "/etc/kubernetes/admin.conf", "admin-kubeconfig",
                  "kube-apiserver");
    node_file_add(&ns, "/etc/kubernetes/super-admin.conf", "admin-kubeconfig",
                  "kube-apiserver");
    p = node_effective(&ns, "kube-scheduler", "kubeconfig");
    node_file_add(&ns, p ? p : "/etc/kubernetes/scheduler.conf",
                  "scheduler-kubeconfig", "kube-scheduler");
    p = node_effective(&ns, "kube-controller-manager", "kubeconfig");
    node_file_add(&ns, p ? p : "/etc/kubernetes/controller-manager.conf",
                  "controller-manager-kubeconfig", "kube-controller-manager");
    node_file_add(&ns, "/etc/kubernetes/pki", "pki-dir", "kube-apiserver");
    node_file_add_tree(&ns, "/etc/kubernetes/pki", "pki-cert", "kube-apiserver",
                       ".crt");
    node_file_add_tree(&ns, "/etc/kubernetes/pki", "pki-key", "kube-apiserver",
                       ".key");
    node_file_add_tree(&ns, "/etc/kubernetes/pki", "pki-file", "kube-apiserver",
                       NULL);
    p = node_effective(&ns, "kubelet", "cni-conf-dir");
    if (node_file_add_tree(&ns, p ? p : "/etc/cni/net.d", "cni-file", "kubelet",
                           NULL) == 0)
        node_file_add(&ns, p ? p : "/etc/cni/net.d", "cni-file", "kubelet");
    node_emit_all(&ns, procs);
    if (ns.stop)
        rc = -1;
    json_decref(procs);
    json_decref(ns.files);
    json_decref(ns.comps);
    json_decref(ns.said);
    json_decref(ns.users);
    json_decref(ns.groups);
    free(ns.node);
    nodefs_free(ns.fs);
    return rc;
}

/* ---- options ----------------------------------------------------------- */

static void *node_opts_new(void)
{
    struct node_opts *o = xcalloc(1, sizeof(*o));

    o->platform = "generic";
    return o;
}

static void node_opts_free(void *state)
{
    free(state);
}

static int node_set_platform(void *state, const char *v, struct err *e)
{
    size_t i;

    for (i = 0; node_platforms[i]; i++)
        if (strcmp(node_platforms[i], v) == 0) {
            ((struct node_opts *)state)->platform = node_platforms[i];
            return 0;
        }
    return err_set(e,
                   "--cluster-platform %s: expected one of generic, kubeadm, "
                   "eks, gke, aks",
                   v);
}

static const struct collector_opt node_options[] = {
    {"cluster-platform", "PLATFORM",
     "the node's platform: generic, kubeadm, eks, gke or\naks (default "
     "generic); on eks, gke and aks the\ncontrol plane is the provider's",
     0, node_set_platform},
    {NULL, NULL, NULL, 0, NULL}};

const struct collector collector_node_root = {
    .name = "node-root",
    .summary = "a Kubernetes node's filesystem (directory or tar archive)",
    .arg = "DIR",
    .help = "a node's root filesystem (/ on the node), or a\ntar archive of "
            "it (.tar, .tar.gz): control plane\nmanifests, kubelet, "
            "processes, file permissions",
    .target_once = 1,
    .opts = node_options,
    .opts_new = node_opts_new,
    .opts_free = node_opts_free,
    .fixture_names = (const char *const[]){"*.node.tar.gz", "*.node.tar", NULL},
    .pillar = "cluster",
    .kind_prefix = "host/", /* and k8s/ComponentConfig: see node_collect */
    .kinds = (const char *const[]){"host/File", "host/Process",
                                   "k8s/ComponentConfig", NULL},
    .check = node_check,
    .collect = node_collect,
};
