/*
 * node_flags_config.c: component config files (KubeletConfiguration,
 * KubeProxyConfiguration) checked strictly and mapped to the command line
 * flags they stand for, and the resolution of both (see node_flags.h).
 */
#include "node_flags.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

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
        if (!str_in(k, list)) {
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
struct nodeflags_field {
    const char *path, *flag;
};

static const struct nodeflags_field nodeflags_kubelet_map[] = {
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

static const struct nodeflags_field nodeflags_proxy_map[] = {
    {"clientConnection.kubeconfig", "kubeconfig"},
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
    const struct nodeflags_field *map;
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
    map = kubelet ? nodeflags_kubelet_map : nodeflags_proxy_map;
    for (i = 0; map[i].path; i++) {
        v = nodeflags_at(config, map[i].path);
        if (!strchr(map[i].path, '.')) {
            nodeflags_kebab(&flag, map[i].path);
            json_object_del(out, sb_str(&flag));
        }
        nodeflags_put(out, map[i].flag, v, 1);
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
