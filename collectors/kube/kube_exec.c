/*
 * kube_exec.c: exec credential plugins (client.authentication.k8s.io v1
 * and v1beta1), run the way kubectl runs them: KUBERNETES_EXEC_INFO in
 * their environment, their ExecCredential read from stdout, bounded in
 * time and size, the credential kept until it expires (see kubeconfig.h,
 * kube_refresh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "kubeconfig.h"
#include "kube_int.h"
#include "proc.h"
#include "util.h"

#define KUBE_EXEC_OUT_MAX (1u << 20)
#define KUBE_EXEC_ERR_SHOW 300

extern char **environ;

static char **exec_envp(const struct kube_exec *x, const char *info)
{
    size_t n = 0, m = 0, i, j;
    char **envp;
    struct strbuf sb = STRBUF_INIT;

    while (environ[n])
        n++;
    while (x->env[m])
        m++;
    envp = xcalloc(n + m + 2, sizeof(char *));
    for (i = 0, j = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        size_t t;
        int over = nl == strlen("KUBERNETES_EXEC_INFO") &&
                   !strncmp(environ[i], "KUBERNETES_EXEC_INFO", nl);
        for (t = 0; !over && t < m; t++)
            over = !strncmp(environ[i], x->env[t], nl) && x->env[t][nl] == '=';
        if (!over)
            envp[j++] = environ[i];
    }
    for (i = 0; i < m; i++)
        envp[j++] = x->env[i];
    sb_addf(&sb, "KUBERNETES_EXEC_INFO=%s", info);
    envp[j] = sb_detach(&sb);
    return envp;
}

/* Runs the plugin: its stdout in out. */
static int exec_run(struct kube_conn *k, struct strbuf *out, struct err *e)
{
    struct kube_exec *x = k->exec;
    json_t *info = json_object(), *spec = json_object();
    struct strbuf what = STRBUF_INIT;
    struct proc_opts po;
    char *infos, **envp;
    size_t i = 0;
    int rc;

    json_object_set_new(info, "apiVersion", json_string(x->api_version));
    json_object_set_new(info, "kind", json_string("ExecCredential"));
    json_object_set_new(spec, "interactive", json_false());
    if (x->provide_cluster_info && k->cluster_info)
        json_object_set(spec, "cluster", k->cluster_info);
    json_object_set_new(info, "spec", spec);
    infos = json_dumps(info, JSON_COMPACT);
    json_decref(info);
    envp = exec_envp(x, infos);
    free(infos);
    sb_addf(&what, "exec plugin %s", x->command);
    memset(&po, 0, sizeof(po));
    po.what = sb_str(&what);
    po.path = x->path;
    po.argv = x->argv;
    po.envp = envp;
    po.timeout_s = k->exec_timeout;
    po.out_max = KUBE_EXEC_OUT_MAX;
    po.err_show = KUBE_EXEC_ERR_SHOW;
    rc = proc_run(&po, out, e);
    sb_release(&what);
    while (envp[i + 1])
        i++;
    free(envp[i]); /* KUBERNETES_EXEC_INFO, the one made here */
    free(envp);
    return rc;
}

int kube_refresh(struct kube_conn *k, struct err *e)
{
    struct strbuf out = STRBUF_INIT;
    json_t *doc = NULL, *st;
    json_error_t je;
    const char *cmd, *v, *exp;
    int rc = -1;

    if (!k->exec)
        return 0;
    if (k->exec_done && (k->exec_expiry == 0 || time(NULL) < k->exec_expiry))
        return 0;
    cmd = k->exec->command;
    if (exec_run(k, &out, e) < 0)
        goto out;
    doc = json_loadb(sb_str(&out), out.len, 0, &je);
    /* Never the output in an error: it holds the credential. */
    if (!json_is_object(doc)) {
        err_set(e,
                "exec plugin %s: its output is not an ExecCredential "
                "(invalid JSON)",
                cmd);
        goto out;
    }
    if ((v = jstr(doc, "kind")) == NULL || strcmp(v, "ExecCredential")) {
        err_set(e,
                "exec plugin %s: its output is not an ExecCredential "
                "(kind %s)",
                cmd, v ? "differs" : "missing");
        goto out;
    }
    if (!(v = jstr(doc, "apiVersion")) || strcmp(v, k->exec->api_version)) {
        err_set(e, "exec plugin %s: its output's apiVersion is not %s", cmd,
                k->exec->api_version);
        goto out;
    }
    st = json_object_get(doc, "status");
    if (!json_is_object(st)) {
        err_set(e, "exec plugin %s: its ExecCredential has no status", cmd);
        goto out;
    }
    kube_free_secret(k->exec_token);
    k->exec_token = NULL;
    if ((v = jstr(st, "token")) && *v)
        k->exec_token = xstrdup(v);
    if ((v = jstr(st, "clientCertificateData")) && *v) {
        const char *key = jstr(st, "clientKeyData");
        if (!key || !*key) {
            err_set(e,
                    "exec plugin %s: clientCertificateData without "
                    "clientKeyData",
                    cmd);
            goto out;
        }
        kube_free_secret(k->cert_pem);
        kube_free_secret(k->key_pem);
        k->cert_pem = xstrdup(v);
        k->key_pem = xstrdup(key);
        free(k->cert_file);
        free(k->key_file);
        k->cert_file = k->key_file = NULL;
    } else if (!k->exec_token) {
        err_set(e,
                "exec plugin %s: its ExecCredential has neither a token "
                "nor clientCertificateData",
                cmd);
        goto out;
    }
    k->exec_expiry = 0;
    if ((exp = jstr(st, "expirationTimestamp")) && *exp) {
        time_t t = rfc3339_parse(exp);
        if (t == (time_t)-1) {
            err_set(e, "exec plugin %s: expirationTimestamp is not RFC 3339",
                    cmd);
            goto out;
        }
        k->exec_expiry = t;
    }
    k->exec_done = 1;
    rc = 0;
out:
    if (rc < 0)
        kube_scrub(k, e);
    json_decref(doc);
    if (out.buf)
        OPENSSL_cleanse(out.buf, out.cap);
    sb_release(&out);
    return rc;
}

/* The host of an https://host:port/ URL (without brackets), new string. */
