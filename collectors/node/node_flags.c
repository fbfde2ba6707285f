/*
 * node_flags.c: command lines, systemd units and component config files
 * (see node_flags.h).
 */
#include "node_flags.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

/* ---- argv --------------------------------------------------------------- */

/* The bool flags of kube-apiserver, kube-controller-manager, kube-scheduler,
 * etcd, kubelet and kube-proxy that the benchmark or a node commonly sets:
 * pflag never takes the next word as their value. */
static const char *const nodeflags_bools[] = {
    "allow-privileged",
    "alsologtostderr",
    "anonymous-auth",
    "auto-tls",
    "bind-address-hard-fail",
    "cgroups-per-qos",
    "cleanup",
    "client-cert-auth",
    "enable-aggregator-routing",
    "enable-bootstrap-token-auth",
    "enable-controller-attach-detach",
    "enable-debugging-handlers",
    "enable-garbage-collector",
    "enable-grpc-gateway",
    "enable-hostpath-provisioner",
    "enable-logs-handler",
    "enable-pprof",
    "enable-priority-and-fairness",
    "enable-server",
    "enable-v2",
    "experimental-initial-corrupt-check",
    "fail-swap-on",
    "help",
    "kernel-memcg-notification",
    "leader-elect",
    "log-flush-frequency-enabled",
    "logtostderr",
    "make-iptables-util-chains",
    "masquerade-all",
    "peer-auto-tls",
    "peer-client-cert-auth",
    "profiling",
    "protect-kernel-defaults",
    "register-node",
    "register-schedulable",
    "rotate-certificates",
    "rotate-server-certificates",
    "seccomp-default",
    "serialize-image-pulls",
    "service-account-lookup",
    "strict-reconfig-check",
    "use-service-account-credentials",
    "v2-deprecation",
    "version",
    NULL};

int nodeflags_is_bool(const char *name)
{
    const char *const *b;

    for (b = nodeflags_bools; *b; b++)
        if (strcmp(*b, name) == 0)
            return 1;
    return 0;
}

json_t *nodeflags_parse(const json_t *args)
{
    json_t *flags = json_object();
    size_t i, n = json_array_size(args);

    for (i = 0; i < n; i++) {
        const char *w = json_string_value(json_array_get(args, i));
        const char *name, *eq, *next;
        char *key;
        if (!w || w[0] != '-' || !w[1])
            continue; /* the binary, a positional */
        if (strcmp(w, "--") == 0)
            break;
        name = w + (w[1] == '-' ? 2 : 1);
        if (!*name || *name == '-' || *name == '=')
            continue;
        eq = strchr(name, '=');
        key = eq ? xstrndup(name, (size_t)(eq - name)) : xstrdup(name);
        if (eq) {
            json_object_set_new(flags, key, json_string(eq + 1));
        } else if (!nodeflags_is_bool(key) && i + 1 < n &&
                   (next = json_string_value(json_array_get(args, i + 1))) &&
                   next[0] != '-') {
            json_object_set_new(flags, key, json_string(next));
            i++;
        } else {
            json_object_set_new(flags, key, json_string("true"));
        }
        free(key);
    }
    return flags;
}

/* ---- systemd ------------------------------------------------------------ */

void nodeunit_init(struct nodeunit *u)
{
    u->env = json_object();
    u->envfiles = json_array();
    u->exec_start = NULL;
}

void nodeunit_release(struct nodeunit *u)
{
    json_decref(u->env);
    json_decref(u->envfiles);
    free(u->exec_start);
    u->env = u->envfiles = NULL;
    u->exec_start = NULL;
}

/* Words of an Environment= value, quotes removed: each "NAME=value". */
static void nodeunit_assignments(json_t *env, const char *v)
{
    struct strbuf w = STRBUF_INIT;

    while (*v) {
        char q = 0;
        while (isspace((unsigned char)*v))
            v++;
        if (!*v)
            break;
        sb_setlen(&w, 0);
        for (; *v && (q || !isspace((unsigned char)*v)); v++) {
            if (q && *v == q) {
                q = 0;
            } else if (!q && (*v == '"' || *v == '\'')) {
                q = *v;
            } else if (*v == '\\' && v[1] && q != '\'') {
                sb_add(&w, ++v, 1);
            } else {
                sb_add(&w, v, 1);
            }
        }
        if (w.len && strchr(w.buf, '=') && w.buf[0] != '=') {
            char *eq = strchr(w.buf, '=');
            *eq = '\0';
            json_object_set_new(env, w.buf, json_string(eq + 1));
        }
    }
    sb_release(&w);
}

void nodeunit_feed(struct nodeunit *u, const char *text, size_t n)
{
    struct strbuf line = STRBUF_INIT;
    const char *p = text, *end = text + n;
    int service = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *s, *eq;
        size_t len;
        sb_add(&line, p, (size_t)(le - p));
        p = nl ? nl + 1 : end;
        /* A trailing backslash continues the line. */
        if (line.len && line.buf[line.len - 1] == '\\' && p < end) {
            line.buf[line.len - 1] = ' ';
            continue;
        }
        s = sb_str(&line);
        while (isspace((unsigned char)*s))
            s++;
        len = strlen(s);
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        if (*s == '[') {
            service = strncmp(s, "[Service]", 9) == 0;
        } else if (service && *s != '#' && *s != ';' &&
                   (eq = memchr(s, '=', len))) {
            size_t kl = (size_t)(eq - s);
            char *v;
            while (kl && isspace((unsigned char)s[kl - 1]))
                kl--;
            eq++;
            while (eq < s + len && isspace((unsigned char)*eq))
                eq++;
            v = xstrndup(eq, (size_t)(s + len - eq));
            if (kl == 11 && strncmp(s, "Environment", 11) == 0) {
                if (!*v)
                    json_object_clear(u->env);
                else
                    nodeunit_assignments(u->env, v);
            } else if (kl == 15 && strncmp(s, "EnvironmentFile", 15) == 0) {
                if (!*v)
                    json_array_clear(u->envfiles);
                else
                    json_array_append_new(u->envfiles, json_string(v));
            } else if (kl == 9 && strncmp(s, "ExecStart", 9) == 0) {
                free(u->exec_start);
                u->exec_start = *v ? xstrdup(v) : NULL;
            }
            free(v);
        }
        sb_setlen(&line, 0);
    }
    sb_release(&line);
}

void nodeunit_envfile(json_t *env, const char *text, size_t n)
{
    struct strbuf line = STRBUF_INIT, val = STRBUF_INIT;
    const char *p = text, *end = text + n;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *s, *eq, *v;
        char q = 0;
        sb_add(&line, p, (size_t)(le - p));
        p = nl ? nl + 1 : end;
        if (line.len && line.buf[line.len - 1] == '\\' && p < end) {
            sb_setlen(&line, line.len - 1);
            continue;
        }
        s = sb_str(&line);
        while (isspace((unsigned char)*s))
            s++;
        if (strncmp(s, "export ", 7) == 0)
            s += 7;
        if (*s == '#' || *s == ';' || !(eq = strchr(s, '=')) || eq == s) {
            sb_setlen(&line, 0);
            continue;
        }
        sb_setlen(&val, 0);
        for (v = eq + 1; isspace((unsigned char)*v); v++)
            ;
        for (; *v; v++) {
            if (q && *v == q)
                q = 0;
            else if (!q && (*v == '"' || *v == '\''))
                q = *v;
            else if (*v == '\\' && v[1] && q != '\'')
                sb_add(&val, ++v, 1);
            else
                sb_add(&val, v, 1);
        }
        while (val.len && !q && isspace((unsigned char)val.buf[val.len - 1]))
            sb_setlen(&val, val.len - 1);
        {
            size_t kl = (size_t)(eq - s);
            char *k;
            while (kl && isspace((unsigned char)s[kl - 1]))
                kl--;
            k = xstrndup(s, kl);
            json_object_set_new(env, k, json_string(sb_str(&val)));
            free(k);
        }
        sb_setlen(&line, 0);
    }
    sb_release(&line);
    sb_release(&val);
}

static int nodeunit_name_char(char c, int first)
{
    return c == '_' || isalpha((unsigned char)c) ||
           (!first && isdigit((unsigned char)c));
}

json_t *nodeunit_exec_words(const char *line, const json_t *env, struct err *e)
{
    json_t *words = json_array();
    struct strbuf w = STRBUF_INIT;
    const char *p = line;
    int first = 1;

    while (*p) {
        const char *start;
        char q = 0;
        size_t nl;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        if (first) {
            while (*p && strchr("@-:+!", *p))
                p++;
            first = 0;
        }
        start = p;
        /* "$NAME" as a word of its own: the value split at whitespace. */
        if (*p == '$' && nodeunit_name_char(p[1], 1)) {
            for (nl = 2; nodeunit_name_char(p[nl], 0); nl++)
                ;
            if (!p[nl] || isspace((unsigned char)p[nl])) {
                char *name = xstrndup(p + 1, nl - 1);
                const char *v = json_string_value(json_object_get(env, name));
                free(name);
                p += nl;
                while (v && *v) {
                    size_t wl;
                    while (isspace((unsigned char)*v))
                        v++;
                    wl = strcspn(v, " \t\n\r\f\v");
                    if (wl)
                        json_array_append_new(words, json_stringn(v, wl));
                    v += wl;
                }
                continue;
            }
        }
        sb_setlen(&w, 0);
        for (p = start; *p && (q || !isspace((unsigned char)*p)); p++) {
            if (q && *p == q) {
                q = 0;
            } else if (!q && (*p == '"' || *p == '\'')) {
                q = *p;
            } else if (*p == '\\' && p[1]) {
                p++;
                sb_add(&w, *p == 'n' ? "\n" : *p == 't' ? "\t" : p, 1);
            } else if (*p == '$' && p[1] == '$') {
                sb_add(&w, "$", 1);
                p++;
            } else if (*p == '$' && p[1] == '{' && strchr(p, '}')) {
                const char *close = strchr(p, '}');
                char *name = xstrndup(p + 2, (size_t)(close - p - 2));
                const char *v = json_string_value(json_object_get(env, name));
                free(name);
                sb_adds(&w, v ? v : "");
                p = close;
            } else {
                sb_add(&w, p, 1);
            }
        }
        if (q) {
            err_set(e, "unterminated %s quote in ExecStart=",
                    q == '"' ? "double" : "single");
            json_decref(words);
            sb_release(&w);
            return NULL;
        }
        json_array_append_new(words, json_stringn(w.buf ? w.buf : "", w.len));
    }
    sb_release(&w);
    return words;
}

/* ---- component config files --------------------------------------------- */

/* KubeletConfiguration (kubelet.config.k8s.io/v1beta1) fields. */
static const char *const nodeflags_kubelet_fields[] = {
    "apiVersion",
    "kind",
    "enableServer",
    "staticPodPath",
    "podLogsDir",
    "syncFrequency",
    "fileCheckFrequency",
    "httpCheckFrequency",
    "staticPodURL",
    "staticPodURLHeader",
    "address",
    "port",
    "readOnlyPort",
    "tlsCertFile",
    "tlsPrivateKeyFile",
    "tlsCipherSuites",
    "tlsCurvePreferences",
    "tlsMinVersion",
    "rotateCertificates",
    "serverTLSBootstrap",
    "authentication",
    "authorization",
    "registryPullQPS",
    "registryBurst",
    "imagePullCredentialsVerificationPolicy",
    "preloadedImagesVerificationAllowlist",
    "eventRecordQPS",
    "eventBurst",
    "enableDebuggingHandlers",
    "enableContentionProfiling",
    "healthzPort",
    "healthzBindAddress",
    "oomScoreAdj",
    "clusterDomain",
    "clusterDNS",
    "streamingConnectionIdleTimeout",
    "nodeStatusUpdateFrequency",
    "nodeStatusReportFrequency",
    "nodeLeaseDurationSeconds",
    "imageMinimumGCAge",
    "imageMaximumGCAge",
    "imageGCHighThresholdPercent",
    "imageGCLowThresholdPercent",
    "volumeStatsAggPeriod",
    "kubeletCgroups",
    "systemCgroups",
    "cgroupRoot",
    "cgroupsPerQOS",
    "cgroupDriver",
    "cpuManagerPolicy",
    "singleProcessOOMKill",
    "cpuManagerPolicyOptions",
    "cpuManagerReconcilePeriod",
    "memoryManagerPolicy",
    "topologyManagerPolicy",
    "topologyManagerScope",
    "topologyManagerPolicyOptions",
    "qosReserved",
    "runtimeRequestTimeout",
    "hairpinMode",
    "maxPods",
    "podCIDR",
    "podPidsLimit",
    "resolvConf",
    "runOnce",
    "cpuCFSQuota",
    "cpuCFSQuotaPeriod",
    "nodeStatusMaxImages",
    "maxOpenFiles",
    "contentType",
    "kubeAPIQPS",
    "kubeAPIBurst",
    "serializeImagePulls",
    "maxParallelImagePulls",
    "evictionHard",
    "evictionSoft",
    "evictionSoftGracePeriod",
    "evictionPressureTransitionPeriod",
    "evictionMaxPodGracePeriod",
    "evictionMinimumReclaim",
    "mergeDefaultEvictionSettings",
    "podsPerCore",
    "enableControllerAttachDetach",
    "protectKernelDefaults",
    "makeIPTablesUtilChains",
    "iptablesMasqueradeBit",
    "iptablesDropBit",
    "featureGates",
    "failSwapOn",
    "memorySwap",
    "containerLogMaxSize",
    "containerLogMaxFiles",
    "containerLogMaxWorkers",
    "containerLogMonitorInterval",
    "configMapAndSecretChangeDetectionStrategy",
    "systemReserved",
    "kubeReserved",
    "reservedSystemCPUs",
    "showHiddenMetricsForVersion",
    "systemReservedCgroup",
    "kubeReservedCgroup",
    "enforceNodeAllocatable",
    "allowedUnsafeSysctls",
    "volumePluginDir",
    "providerID",
    "kernelMemcgNotification",
    "logging",
    "enableSystemLogHandler",
    "enableSystemLogQuery",
    "shutdownGracePeriod",
    "shutdownGracePeriodCriticalPods",
    "shutdownGracePeriodByPodPriority",
    "crashLoopBackOff",
    "reservedMemory",
    "enableProfilingHandler",
    "enableDebugFlagsHandler",
    "seccompDefault",
    "memoryThrottlingFactor",
    "registerWithTaints",
    "registerNode",
    "tracing",
    "localStorageCapacityIsolation",
    "containerRuntimeEndpoint",
    "imageServiceEndpoint",
    "failCgroupV1",
    "userNamespaces",
    NULL};

static const char *const nodeflags_kubelet_authn[] = {"x509", "webhook",
                                                      "anonymous", NULL};
static const char *const nodeflags_kubelet_authn_x509[] = {"clientCAFile",
                                                           NULL};
static const char *const nodeflags_kubelet_authn_webhook[] = {"enabled",
                                                              "cacheTTL", NULL};
static const char *const nodeflags_kubelet_authn_anon[] = {"enabled", NULL};
static const char *const nodeflags_kubelet_authz[] = {"mode", "webhook", NULL};
static const char *const nodeflags_kubelet_authz_webhook[] = {
    "cacheAuthorizedTTL", "cacheUnauthorizedTTL", NULL};

/* KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1) fields. */
static const char *const nodeflags_proxy_fields[] = {
    "apiVersion",
    "kind",
    "featureGates",
    "clientConnection",
    "logging",
    "hostnameOverride",
    "bindAddress",
    "healthzBindAddress",
    "metricsBindAddress",
    "bindAddressHardFail",
    "enableProfiling",
    "showHiddenMetricsForVersion",
    "mode",
    "iptables",
    "ipvs",
    "nftables",
    "winkernel",
    "detectLocalMode",
    "detectLocal",
    "clusterCIDR",
    "nodePortAddresses",
    "oomScoreAdj",
    "conntrack",
    "configSyncPeriod",
    "portRange",
    "windowsRunAsService",
    "linux",
    NULL};

static int nodeflags_in(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

/* Every key of obj (at path) is in list; -1 naming the first that is not. */
static int nodeflags_known(const json_t *obj, const char *path,
                           const char *const *list, const char *kind,
                           const char **field, struct err *e)
{
    const char *k;
    json_t *v;

    if (!obj)
        return 0;
    if (!json_is_object(obj))
        return err_set(e, "%s: %s is not an object", kind, path);
    json_object_foreach((json_t *)obj, k, v)
    {
        if (!nodeflags_in(list, k)) {
            *field = k;
            return err_set(e, "unknown field \"%s%s%s\" in %s", path,
                           *path ? "." : "", k, kind);
        }
    }
    return 0;
}

int nodeflags_config_check(const char *kind, const json_t *config,
                           const char **field, struct err *e)
{
    const char *k = json_string_value(json_object_get(config, "kind"));
    const json_t *an, *az;
    int kubelet = strcmp(kind, "KubeletConfiguration") == 0;

    *field = NULL;
    if (!json_is_object(config))
        return err_set(e, "not a %s (not a mapping)", kind);
    if (!k || strcmp(k, kind) != 0)
        return err_set(e, "kind is %s%s%s, expected %s", k ? "\"" : "",
                       k ? k : "missing", k ? "\"" : "", kind);
    if (nodeflags_known(config, "",
                        kubelet ? nodeflags_kubelet_fields
                                : nodeflags_proxy_fields,
                        kind, field, e))
        return -1;
    if (!kubelet)
        return 0;
    an = json_object_get(config, "authentication");
    az = json_object_get(config, "authorization");
    if (nodeflags_known(an, "authentication", nodeflags_kubelet_authn, kind,
                        field, e) ||
        nodeflags_known(json_object_get(an, "x509"), "authentication.x509",
                        nodeflags_kubelet_authn_x509, kind, field, e) ||
        nodeflags_known(json_object_get(an, "webhook"),
                        "authentication.webhook",
                        nodeflags_kubelet_authn_webhook, kind, field, e) ||
        nodeflags_known(json_object_get(an, "anonymous"),
                        "authentication.anonymous",
                        nodeflags_kubelet_authn_anon, kind, field, e) ||
        nodeflags_known(az, "authorization", nodeflags_kubelet_authz, kind,
                        field, e) ||
        nodeflags_known(json_object_get(az, "webhook"), "authorization.webhook",
                        nodeflags_kubelet_authz_webhook, kind, field, e))
        return -1;
    return 0;
}

long nodeflags_line_of(const char *text, size_t n, const char *name)
{
    size_t nl = strlen(name), i;
    long line = 1;

    for (i = 0; i < n; i++) {
        if (text[i] == '\n') {
            line++;
            continue;
        }
        if (i + nl < n && memcmp(text + i, name, nl) == 0 &&
            (i == 0 || !isalnum((unsigned char)text[i - 1]))) {
            const char *after = text + i + nl;
            if (*after == '"')
                after++;
            while (after < text + n && (*after == ' ' || *after == '\t'))
                after++;
            if (after < text + n && *after == ':')
                return line;
        }
    }
    return 1;
}

/* Config fields whose flag name is not their name in kebab case. */
static const struct {
    const char *path, *flag;
} nodeflags_kubelet_map[] = {
    {"authentication.anonymous.enabled", "anonymous-auth"},
    {"authentication.webhook.enabled", "authentication-token-webhook"},
    {"authentication.webhook.cacheTTL",
     "authentication-token-webhook-cache-ttl"},
    {"authentication.x509.clientCAFile", "client-ca-file"},
    {"authorization.mode", "authorization-mode"},
    {"authorization.webhook.cacheAuthorizedTTL",
     "authorization-webhook-cache-authorized-ttl"},
    {"authorization.webhook.cacheUnauthorizedTTL",
     "authorization-webhook-cache-unauthorized-ttl"},
    {"eventRecordQPS", "event-qps"},
    {"makeIPTablesUtilChains", "make-iptables-util-chains"},
    {"serverTLSBootstrap", "rotate-server-certificates"},
    {"podPidsLimit", "pod-max-pids"},
    {"staticPodPath", "pod-manifest-path"},
    {"staticPodURL", "manifest-url"},
    {"registryPullQPS", "registry-qps"},
    {"kubeAPIQPS", "kube-api-qps"},
    {"kubeAPIBurst", "kube-api-burst"},
    {"imageGCHighThresholdPercent", "image-gc-high-threshold"},
    {"imageGCLowThresholdPercent", "image-gc-low-threshold"},
    {"iptablesMasqueradeBit", "iptables-masquerade-bit"},
    {"iptablesDropBit", "iptables-drop-bit"},
    {"HTTPCheckFrequency", "http-check-frequency"},
    {"cpuCFSQuota", "cpu-cfs-quota"},
    {"cpuCFSQuotaPeriod", "cpu-cfs-quota-period"},
    {"clusterDNS", "cluster-dns"},
    {"podCIDR", "pod-cidr"},
    {"providerID", "provider-id"},
    {"reservedSystemCPUs", "reserved-cpus"},
    {"cgroupsPerQOS", "cgroups-per-qos"},
    {"tlsCipherSuites", "tls-cipher-suites"},
    {"oomScoreAdj", "oom-score-adj"},
    {NULL, NULL}};

static const struct {
    const char *path, *flag;
} nodeflags_proxy_map[] = {{"clientConnection.kubeconfig", "kubeconfig"},
                           {"clusterCIDR", "cluster-cidr"},
                           {"oomScoreAdj", "oom-score-adj"},
                           {NULL, NULL}};

/* camelCase to the flag's kebab-case: "readOnlyPort" -> "read-only-port";
 * a run of capitals is one word ("tlsMinVersion", "clusterDNS"). */
static void nodeflags_kebab(struct strbuf *sb, const char *s)
{
    size_t i, n = strlen(s);

    sb_setlen(sb, 0);
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (isupper((unsigned char)c)) {
            int prev_lower = i > 0 && !isupper((unsigned char)s[i - 1]);
            int run_end = i > 0 && isupper((unsigned char)s[i - 1]) &&
                          i + 1 < n && islower((unsigned char)s[i + 1]);
            if (i > 0 && (prev_lower || run_end))
                sb_add(sb, "-", 1);
            c = (char)tolower((unsigned char)c);
        }
        sb_add(sb, &c, 1);
    }
}

/* v as the command line writes it; 0 when it has no flag form. */
static int nodeflags_value(struct strbuf *sb, const json_t *v, int top)
{
    size_t i;
    const char *k;
    json_t *x;

    switch (json_typeof(v)) {
    case JSON_STRING:
        sb_add(sb, json_string_value(v), json_string_length(v));
        return 1;
    case JSON_TRUE:
        sb_adds(sb, "true");
        return 1;
    case JSON_FALSE:
        sb_adds(sb, "false");
        return 1;
    case JSON_INTEGER:
        sb_addi(sb, (long long)json_integer_value(v));
        return 1;
    case JSON_REAL:
        sb_addf(sb, "%g", json_real_value(v));
        return 1;
    case JSON_ARRAY:
        if (!top)
            return 0;
        json_array_foreach(v, i, x)
        {
            if (i)
                sb_add(sb, ",", 1);
            if (!nodeflags_value(sb, x, 0))
                return 0;
        }
        return 1;
    case JSON_OBJECT:
        if (!top)
            return 0;
        i = 0;
        json_object_foreach((json_t *)v, k, x)
        {
            if (i++)
                sb_add(sb, ",", 1);
            sb_addf(sb, "%s=", k);
            if (!nodeflags_value(sb, x, 0))
                return 0;
        }
        return 1;
    default:
        return 0;
    }
}

static void nodeflags_put(json_t *out, const char *flag, const json_t *v,
                          int top)
{
    struct strbuf sb = STRBUF_INIT;

    if (v && !json_is_null(v) && nodeflags_value(&sb, v, top))
        json_object_set_new(out, flag, json_string(sb_str(&sb)));
    sb_release(&sb);
}

/* The value at a dotted path; NULL when absent. */
static json_t *nodeflags_at(const json_t *obj, const char *path)
{
    char buf[256];
    char *p = buf, *dot;
    json_t *cur = (json_t *)obj;

    snprintf(buf, sizeof(buf), "%s", path);
    while (cur && (dot = strchr(p, '.'))) {
        *dot = '\0';
        cur = json_object_get(cur, p);
        p = dot + 1;
    }
    return cur ? json_object_get(cur, p) : NULL;
}

json_t *nodeflags_config_flags(const char *kind, const json_t *config)
{
    json_t *out = json_object(), *v;
    struct strbuf flag = STRBUF_INIT;
    int kubelet = strcmp(kind, "KubeletConfiguration") == 0;
    const char *k;
    size_t i;

    /* Top-level scalars, lists and maps (featureGates) by name first ... */
    json_object_foreach((json_t *)config, k, v)
    {
        if (strcmp(k, "apiVersion") == 0 || strcmp(k, "kind") == 0 ||
            strcmp(k, "logging") == 0 || strcmp(k, "tracing") == 0 ||
            json_is_object(v) != (strcmp(k, "featureGates") == 0))
            continue;
        nodeflags_kebab(&flag, k);
        nodeflags_put(out, sb_str(&flag), v, 1);
    }
    /* ... then the fields whose flag has another name. */
    if (kubelet) {
        for (i = 0; nodeflags_kubelet_map[i].path; i++) {
            v = nodeflags_at(config, nodeflags_kubelet_map[i].path);
            if (!strchr(nodeflags_kubelet_map[i].path, '.')) {
                nodeflags_kebab(&flag, nodeflags_kubelet_map[i].path);
                json_object_del(out, sb_str(&flag));
            }
            nodeflags_put(out, nodeflags_kubelet_map[i].flag, v, 1);
        }
    } else {
        for (i = 0; nodeflags_proxy_map[i].path; i++) {
            v = nodeflags_at(config, nodeflags_proxy_map[i].path);
            if (!strchr(nodeflags_proxy_map[i].path, '.')) {
                nodeflags_kebab(&flag, nodeflags_proxy_map[i].path);
                json_object_del(out, sb_str(&flag));
            }
            nodeflags_put(out, nodeflags_proxy_map[i].flag, v, 1);
        }
    }
    sb_release(&flag);
    return out;
}

void nodeflags_resolve(const json_t *flags, const json_t *config_flags,
                       json_t **effective, json_t **from)
{
    const char *k;
    json_t *v;

    *effective = json_object();
    *from = json_object();
    if (config_flags)
        json_object_foreach((json_t *)config_flags, k, v)
        {
            json_object_set(*effective, k, v);
            json_object_set_new(*from, k, json_string("config"));
        }
    if (flags)
        json_object_foreach((json_t *)flags, k, v)
        {
            json_object_set(*effective, k, v);
            json_object_set_new(*from, k, json_string("flag"));
        }
}
