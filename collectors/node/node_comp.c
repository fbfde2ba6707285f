/*
 * node_comp.c: the components of a node (control plane, kubelet,
 * kube-proxy): their processes in ROOT/proc, static pod manifests, the
 * kubelet's systemd unit, config files, and how each setting resolves.
 */
#include "node_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_flags.h"
#include "redact.h"
#include "yamljson.h"
#include "banned.h"

/* The components, with the argv[0] names (or hyperkube subcommands) their
 * processes go by. */
const struct node_comp node_comps[NODE_NCOMPS] = {
    {"kube-apiserver", {"kube-apiserver", "apiserver", NULL}, 1},
    {"kube-controller-manager",
     {"kube-controller-manager", "controller-manager", NULL},
     1},
    {"kube-scheduler", {"kube-scheduler", "scheduler", NULL}, 1},
    {"etcd", {"etcd", NULL, NULL}, 1},
    {"kubelet", {"kubelet", NULL, NULL}, 0},
    {"kube-proxy", {"kube-proxy", "proxy", NULL}, 0},
};

static json_t *node_doc(struct node_scan *ns, const char *component)
{
    return json_object_get(ns->comps, component);
}

static void node_source(json_t *doc, const char *type, const char *path)
{
    json_t *s = json_object();

    json_object_set_new(s, "type", json_string(type));
    json_object_set_new(s, "path", json_string_lossy(path));
    json_array_append_new(json_object_get(doc, "sources"), s);
}

static void node_config_error(json_t *doc, const char *msg)
{
    if (!json_object_get(doc, "config_error"))
        json_object_set_new(doc, "config_error", json_string_lossy(msg));
}

/* ---- processes ---------------------------------------------------------- */

/* The component argv runs: argv[0]'s name ("kube-apiserver"), or a
 * hyperkube subcommand, which may also be the short name ("apiserver").
 * A bare "proxy" or "scheduler" binary is not taken for one. */
static const struct node_comp *node_comp_of(const json_t *argv)
{
    const char *a0 = json_string_value(json_array_get(argv, 0)), *base;
    size_t i, j, nbins = 1;

    if (!a0)
        return NULL;
    base = strrchr(a0, '/');
    base = base ? base + 1 : a0;
    if (strcmp(base, "hyperkube") == 0) {
        if (!(a0 = json_string_value(json_array_get(argv, 1))))
            return NULL;
        base = strrchr(a0, '/');
        base = base ? base + 1 : a0;
        nbins = 3;
    }
    for (i = 0; i < NODE_NCOMPS; i++)
        for (j = 0; j < nbins && node_comps[i].bins[j]; j++)
            if (strcmp(base, node_comps[i].bins[j]) == 0)
                return &node_comps[i];
    return NULL;
}

/* ROOT/proc/PID/cmdline of every process; the lowest pid per component. */
void node_processes(struct node_scan *ns, json_t *procs)
{
    struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
    char **names;
    size_t n, i;
    struct err e;

    if (nodefs_list(ns->fs, "/proc", &names, &n, &e) != 0)
        return;
    for (i = 0; i < n; i++) {
        const char *p = names[i], *end;
        const struct node_comp *c;
        json_t *argv, *have;
        char *num_end;
        long pid = strtol(p, &num_end, 10);
        if (!isdigit((unsigned char)*p) || *num_end || pid <= 0)
            continue;
        sb_setlen(&path, 0);
        sb_addf(&path, "/proc/%ld/cmdline", pid);
        if (nodefs_read(ns->fs, sb_str(&path), 1u << 20, &text, &e) != 0)
            continue; /* gone, or a kernel thread */
        argv = json_array();
        for (p = sb_str(&text), end = p + text.len; p < end;) {
            size_t l = strnlen(p, (size_t)(end - p));
            json_array_append_new(argv, json_stringn_lossy(p, l));
            p += l + 1;
        }
        c = node_comp_of(argv);
        have = c ? json_object_get(procs, c->name) : NULL;
        if (c &&
            (!have || json_integer_value(json_object_get(have, "pid")) > pid)) {
            json_t *pr = json_object();
            json_object_set_new(pr, "pid", json_integer(pid));
            json_object_set(pr, "args", argv);
            json_object_set_new(pr, "path", json_string(sb_str(&path)));
            json_object_set_new(procs, c->name, pr);
        }
        json_decref(argv);
    }
    nodefs_names_free(names, n);
    sb_release(&path);
    sb_release(&text);
}

/* ---- static pod manifests ----------------------------------------------- */

static int node_first_doc(json_t *doc, long line, const json_t *items,
                          void *ctx)
{
    json_t **out = ctx;

    (void)line;
    (void)items;
    if (!*out)
        *out = doc;
    else
        json_decref(doc);
    return 0;
}

/* The command line of component's container in its static pod manifest:
 * command then args. NULL (with an input error and config_error) when the
 * manifest cannot be used. */
static json_t *node_manifest(struct node_scan *ns, json_t *doc,
                             const char *component, const char *path,
                             const struct strbuf *text)
{
    json_t *pod = NULL, *ctrs, *ctr = NULL, *words = NULL, *c;
    struct err pe;
    size_t i;
    char msg[1200];

    if (yj_parse(sb_str(text), text->len, 1, node_first_doc, &pod, &pe)) {
        long line = strtol(pe.msg, NULL, 10);
        snprintf(msg, sizeof(msg), "%s: not YAML: %s", path, pe.msg);
        node_input_error(ns, path, line, msg);
        node_config_error(doc, msg);
        goto out;
    }
    ctrs = json_object_get(json_object_get(pod, "spec"), "containers");
    json_array_foreach(ctrs, i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        if (!ctr || (name && strcmp(name, component) == 0))
            ctr = c;
    }
    if (!json_is_object(ctr)) {
        snprintf(msg, sizeof(msg), "%s: no container in spec.containers", path);
        node_input_error(ns, path, 0, msg);
        node_config_error(doc, msg);
        goto out;
    }
    words = json_array();
    if (json_is_array(json_object_get(ctr, "command")))
        json_array_extend(words, json_object_get(ctr, "command"));
    if (json_is_array(json_object_get(ctr, "args")))
        json_array_extend(words, json_object_get(ctr, "args"));
    json_array_foreach(words, i, c) if (!json_is_string(c))
    {
        snprintf(msg, sizeof(msg),
                 "%s: command or args item %zu is not a "
                 "string",
                 path, i);
        node_input_error(ns, path, 0, msg);
        node_config_error(doc, msg);
        json_decref(words);
        words = NULL;
        break;
    }
out:
    json_decref(pod);
    return words;
}

/* ---- config files -------------------------------------------------------- */

/* Reads component's config file (kind) at path into doc's config and
 * returns its settings under flag names; NULL when there is none or it
 * cannot be used (then config_error and an input error say why). named:
 * a flag names it, so its absence is an error too (2: config_error only,
 * for a process whose file may live in its container). */
static json_t *node_config(struct node_scan *ns, json_t *doc, const char *kind,
                           const char *path, int named)
{
    struct strbuf text = STRBUF_INIT;
    json_t *cfg = NULL, *out = NULL;
    const char *field;
    struct err e;
    char msg[1300];
    int rc = nodefs_read(ns->fs, path, NODE_MAX_CONFIG, &text, &e);

    if (rc > 0 && !named)
        goto done;
    json_object_set_new(doc, "config_file", json_string_lossy(path));
    if (rc > 0 && named == 2) {
        /* kube-proxy as a DaemonSet (kubeadm) reads its config from a
         * ConfigMap inside its container: not a fault of the node, but
         * its settings cannot be known from here. */
        snprintf(msg, sizeof(msg),
                 "%s: not on the node's filesystem (inside the container of "
                 "a DaemonSet?); its settings cannot be resolved from here",
                 path);
        node_config_error(doc, msg);
        goto done;
    }
    if (rc) {
        snprintf(msg, sizeof(msg), "%s: %s", path,
                 rc > 0 ? "the config file the command line names is not "
                          "there"
                        : e.msg);
        node_input_error(ns, path, 0, rc > 0 ? msg : e.msg);
        node_config_error(doc, rc > 0 ? msg : e.msg);
        goto done;
    }
    node_source(doc, "config", path);
    if (yj_parse(sb_str(&text), text.len, 1, node_first_doc, &cfg, &e)) {
        long line = strtol(e.msg, NULL, 10);
        snprintf(msg, sizeof(msg), "%s: not a %s: %s", path, kind, e.msg);
        node_input_error(ns, path, line, msg);
        node_config_error(doc, msg);
        goto done;
    }
    if (!cfg) {
        snprintf(msg, sizeof(msg), "%s: empty, not a %s", path, kind);
        node_input_error(ns, path, 0, msg);
        node_config_error(doc, msg);
        goto done;
    }
    if (nodeflags_config_check(kind, cfg, &field, &e)) {
        long line = field ? nodeflags_line_of(text.buf, text.len, field) : 1;
        snprintf(msg, sizeof(msg),
                 "%s:%ld: %s (read strictly: a misspelt field leaves its "
                 "setting at the default)",
                 path, line, e.msg);
        node_input_error(ns, path, line, e.msg);
        node_config_error(doc, msg);
        json_object_set(doc, "config", cfg);
        goto done;
    }
    json_object_set(doc, "config", cfg);
    out = nodeflags_config_flags(kind, cfg);
done:
    json_decref(cfg);
    sb_release(&text);
    return out;
}

/* ---- the kubelet's systemd unit ----------------------------------------- */

static const char *const node_unit_dirs[] = {
    "/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system",
    "/lib/systemd/system", NULL};

static int node_name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Feeds path to u when it is there; 1 when it was. */
static int node_unit_file(struct node_scan *ns, struct nodeunit *u, json_t *doc,
                          const char *path)
{
    struct strbuf text = STRBUF_INIT;
    struct err e;
    int rc = nodefs_read(ns->fs, path, NODE_MAX_CONFIG, &text, &e);

    if (rc < 0)
        node_input_error(ns, path, 0, e.msg);
    if (rc <= 0)
        node_file_add(ns, path, "kubelet-service", "kubelet");
    if (rc == 0) {
        nodeunit_feed(u, text.buf ? text.buf : "", text.len);
        node_source(doc, "systemd", path);
    }
    sb_release(&text);
    return rc <= 0;
}

/* The kubelet's command line from kubelet.service and its drop-ins
 * (systemd's search path: the first unit file, drop-ins merged by name with
 * /etc winning, applied in name order), $VARS expanded. New reference or
 * NULL when no unit says how the kubelet starts. */
static json_t *node_kubelet_unit(struct node_scan *ns, json_t *doc)
{
    struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
    struct nodeunit u;
    json_t *byname = json_object(), *env = NULL, *words = NULL, *v;
    const char **keys = NULL, *name, *unit = NULL;
    size_t i, j, n = 0;
    int found = 0;

    nodeunit_init(&u);
    for (i = 0; node_unit_dirs[i] && !found; i++) {
        sb_setlen(&path, 0);
        sb_addf(&path, "%s/kubelet.service", node_unit_dirs[i]);
        found = node_unit_file(ns, &u, doc, sb_str(&path));
        if (found)
            unit = node_unit_dirs[i];
    }
    for (i = 4; i-- > 0;) {
        char **names;
        size_t nn;
        struct err e;
        sb_setlen(&path, 0);
        sb_addf(&path, "%s/kubelet.service.d", node_unit_dirs[i]);
        if (nodefs_list(ns->fs, sb_str(&path), &names, &nn, &e) != 0)
            continue;
        for (j = 0; j < nn; j++)
            if (str_has_suffix(names[j], ".conf")) {
                sb_setlen(&text, 0);
                sb_addf(&text, "%s/%s", sb_str(&path), names[j]);
                json_object_set_new(byname, names[j],
                                    json_string(sb_str(&text)));
            }
        nodefs_names_free(names, nn);
    }
    keys = xcalloc(json_object_size(byname) + 1, sizeof(*keys));
    json_object_foreach(byname, name, v) keys[n++] = name;
    qsort(keys, n, sizeof(*keys), node_name_cmp);
    for (i = 0; i < n; i++) {
        node_unit_file(ns, &u, doc,
                       json_string_value(json_object_get(byname, keys[i])));
        found = 1;
    }
    if (!found) {
        node_file_add(ns, node_plat(ns)->kubelet_svc, "kubelet-service",
                      "kubelet");
        goto out;
    }
    if (!u.exec_start)
        goto out;
    env = json_deep_copy(u.env);
    json_array_foreach(u.envfiles, i, v)
    {
        const char *f = json_string_value(v);
        int optional = f[0] == '-';
        struct err e;
        int rc = nodefs_read(ns->fs, f + optional, NODE_MAX_CONFIG, &text, &e);
        if (rc == 0) {
            nodeunit_envfile(env, text.buf ? text.buf : "", text.len);
            node_source(doc, "systemd", f + optional);
        } else if (rc < 0 || !optional) {
            char msg[1200];
            snprintf(msg, sizeof(msg),
                     "%s: EnvironmentFile of kubelet.service: %s", f + optional,
                     rc < 0 ? e.msg : "not there");
            node_input_error(ns, f + optional, 0, msg);
        }
    }
    {
        struct err e;
        words = nodeunit_exec_words(u.exec_start, env, &e);
        if (!words) {
            sb_setlen(&path, 0);
            sb_addf(&path, "%s/kubelet.service", unit ? unit : "");
            node_input_error(ns, sb_str(&path), 0, e.msg);
        }
    }
out:
    free(keys);
    json_decref(byname);
    json_decref(env);
    nodeunit_release(&u);
    sb_release(&path);
    sb_release(&text);
    return words;
}

/* ---- components ---------------------------------------------------------- */

json_t *node_comp_new(struct node_scan *ns, const char *component)
{
    json_t *doc = json_object();

    json_object_set_new(doc, "component", json_string(component));
    json_object_set_new(doc, "node", json_string_lossy(ns->node));
    json_object_set_new(doc, "platform", json_string(ns->platform));
    json_object_set_new(doc, "present", json_false());
    if (node_managed(ns, component))
        json_object_set_new(doc, "managed_by", node_managed_text(ns));
    json_object_set_new(doc, "sources", json_array());
    json_object_set_new(doc, "args", json_array());
    json_object_set_new(doc, "flags", json_object());
    json_object_set_new(doc, "config_file", json_null());
    json_object_set_new(doc, "config", json_null());
    return doc;
}

/* Sets args and flags from words (stolen; NULL: none). */
static void node_comp_args(json_t *doc, json_t *words)
{
    if (!words)
        return;
    json_object_set_new(doc, "flags", nodeflags_parse(words));
    json_object_set_new(doc, "args", words);
    json_object_set_new(doc, "present", json_true());
}

/* effective from flags and config settings (NULL: none), unless the
 * config could not be used; then secrets in the command line redacted. */
static void node_comp_finish(json_t *doc, json_t *config_flags)
{
    json_t *eff, *from, *flags = json_object_get(doc, "flags"), *v;
    const char *k;

    if ((v = json_object_get(doc, "config_error"))) {
        /* Not null: the engine reads a path through null as absent, and
         * an absent setting can pass (ne, absent). A path through a string
         * is a type error, so every rule reading a setting is `error`. */
        struct strbuf sb = STRBUF_INIT;
        sb_addf(&sb, "unresolved: %s", json_string_value(v));
        json_object_set_new(doc, "effective", json_string(sb_str(&sb)));
        json_object_set_new(doc, "effective_from", json_string(sb_str(&sb)));
        sb_release(&sb);
    } else {
        nodeflags_resolve(flags, config_flags, &eff, &from);
        json_object_set_new(doc, "effective", eff);
        json_object_set_new(doc, "effective_from", from);
    }
    redact_argv(json_object_get(doc, "args"));
    eff = json_object_get(doc, "effective");
    /* Not redact_name_is_secret: "anonymous-auth" and "authorization-mode"
     * name no credential, and the rules must see their values. */
    json_object_foreach(flags, k, v)
    {
        const char *s = json_string_value(v);
        if (!s || !(redact_value_is_secret(s) || str_has_suffix(k, "token") ||
                    strstr(k, "password") || strstr(k, "secret")))
            continue;
        if (json_object_get(eff, k))
            json_object_set_new(eff, k, redact_value(s, strlen(s)));
        json_object_set_new(flags, k, redact_value(s, strlen(s)));
    }
    json_decref(config_flags);
}

static const char *node_flag(json_t *doc, const char *name)
{
    return json_string_value(
        json_object_get(json_object_get(doc, "flags"), name));
}

static const char *node_eff(json_t *doc, const char *name)
{
    return json_string_value(
        json_object_get(json_object_get(doc, "effective"), name));
}

void node_control_plane(struct node_scan *ns, const json_t *procs,
                        const char *component)
{
    static const char *const exts[] = {".yaml", ".yml", ".manifest", NULL};
    json_t *doc = node_doc(ns, component), *pr, *words = NULL;
    struct strbuf path = STRBUF_INIT, text = STRBUF_INIT, role = STRBUF_INIT;
    struct err e;
    size_t i;
    int rc = 1;

    for (i = 0; exts[i] && rc > 0; i++) {
        sb_setlen(&path, 0);
        sb_addf(&path, "/etc/kubernetes/manifests/%s%s", component, exts[i]);
        rc = nodefs_read(ns->fs, sb_str(&path), NODE_MAX_CONFIG, &text, &e);
    }
    if (rc > 0) {
        sb_setlen(&path, 0);
        sb_addf(&path, "/etc/kubernetes/manifests/%s.yaml", component);
    }
    sb_addf(&role, "%s-manifest", component);
    node_file_add(ns, sb_str(&path), sb_str(&role), component);
    if (rc < 0) {
        node_input_error(ns, sb_str(&path), 0, e.msg);
        node_config_error(doc, e.msg);
        /* Whether it runs here is not known: a string where a boolean
         * belongs makes every rule asking it an error, never a skip. A
         * process found below still sets it. */
        node_unknown(doc, "present", e.msg);
    } else if (rc == 0) {
        node_source(doc, "static-pod", sb_str(&path));
        json_object_set_new(doc, "present", json_true());
        words = node_manifest(ns, doc, component, sb_str(&path), &text);
    }
    /* What runs wins over what the manifest says. */
    if ((pr = json_object_get(procs, component))) {
        json_decref(words);
        words = json_deep_copy(json_object_get(pr, "args"));
        node_source(doc, "process",
                    json_string_value(json_object_get(pr, "path")));
        /* The process's command line is the truth; a broken manifest
         * beside it is still reported above, but no longer hides it. */
        json_object_del(doc, "config_error");
    }
    node_comp_args(doc, words);
    node_comp_finish(doc, NULL);
    sb_release(&path);
    sb_release(&text);
    sb_release(&role);
}

void node_kubelet(struct node_scan *ns, const json_t *procs)
{
    const struct node_platform *pl = node_plat(ns);
    json_t *doc = node_doc(ns, "kubelet"), *pr, *words, *cf = NULL;
    const char *config, *p;
    size_t i;

    words = node_kubelet_unit(ns, doc);
    if ((pr = json_object_get(procs, "kubelet"))) {
        json_decref(words);
        words = json_deep_copy(json_object_get(pr, "args"));
        node_source(doc, "process",
                    json_string_value(json_object_get(pr, "path")));
    }
    node_comp_args(doc, words);
    config = node_flag(doc, "config");
    if (config) {
        cf = node_config(ns, doc, "KubeletConfiguration", config, 1);
        node_file_add(ns, config, "kubelet-config", "kubelet");
    } else {
        /* Without a command line, the platform's file (as kube-bench);
         * with one, the kubelet reads no file it is not given. */
        int cmdline = json_array_size(json_object_get(doc, "args")) > 0;
        for (i = 0; !cmdline && i < 3 && pl->kubelet_config[i]; i++) {
            struct nodefs_stat st;
            struct err e;
            if (nodefs_lstat(ns->fs, pl->kubelet_config[i], &st, &e) == 0) {
                cf = node_config(ns, doc, "KubeletConfiguration",
                                 pl->kubelet_config[i], 0);
                node_file_add(ns, pl->kubelet_config[i], "kubelet-config",
                              "kubelet");
                json_object_set_new(doc, "present", json_true());
                break;
            }
        }
        node_file_add(ns, pl->kubelet_config[0], "kubelet-config", "kubelet");
    }
    node_comp_finish(doc, cf);
    json_object_set_new(doc, "sysctls", node_sysctls(ns));
    p = node_eff(doc, "kubeconfig");
    node_file_add(ns, p ? p : pl->kubelet_kubeconfig, "kubelet-kubeconfig",
                  "kubelet");
    p = node_eff(doc, "client-ca-file");
    node_file_add(ns, p ? p : pl->client_ca, "client-ca-file", "kubelet");
}

void node_proxy(struct node_scan *ns, const json_t *procs)
{
    json_t *doc = node_doc(ns, "kube-proxy"), *pr, *cf = NULL;
    const char *config, *p;

    if ((pr = json_object_get(procs, "kube-proxy"))) {
        node_comp_args(doc, json_deep_copy(json_object_get(pr, "args")));
        node_source(doc, "process",
                    json_string_value(json_object_get(pr, "path")));
    }
    config = node_flag(doc, "config");
    if (config)
        cf = node_config(ns, doc, "KubeProxyConfiguration", config, 2);
    node_comp_finish(doc, cf);
    p = node_eff(doc, "kubeconfig");
    node_file_add(ns, p ? p : node_plat(ns)->proxy_kubeconfig,
                  "kube-proxy-kubeconfig", "kube-proxy");
}
