/*
 * kube_exec.c: exec credential plugins (client.authentication.k8s.io v1
 * and v1beta1), run the way kubectl runs them: KUBERNETES_EXEC_INFO in
 * their environment, their ExecCredential read from stdout, bounded in
 * time and size, the credential kept until it expires (see kubeconfig.h,
 * kube_refresh).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "kubeconfig.h"
#include "kube_int.h"
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

static double mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs the plugin: its stdout in out, the start of stderr in errs. */
static int exec_run(struct kube_conn *k, struct strbuf *out,
                    struct strbuf *errs, struct err *e)
{
    struct kube_exec *x = k->exec;
    json_t *info = json_object(), *spec = json_object();
    char *infos, **envp;
    int po[2] = {-1, -1}, pe[2] = {-1, -1}, status = 0, rc = -1, open_fds = 2;
    pid_t pid;
    double end;

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
    if (pipe(po) < 0 || pipe(pe) < 0) {
        err_set(e, "exec plugin %s: pipe: %s", x->command, strerror(errno));
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        err_set(e, "exec plugin %s: fork: %s", x->command, strerror(errno));
        goto out;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);

        if (null >= 0)
            dup2(null, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        setpgid(0, 0);
        execve(x->path, x->argv, envp);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    po[1] = pe[1] = -1;
    end = mono_s() + k->exec_timeout;
    while (open_fds > 0) {
        struct pollfd pf[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
        double left = end - mono_s();
        char buf[4096];
        int i, r;

        if (left <= 0) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            err_set(e, "exec plugin %s: no answer within %d s, killed",
                    x->command, k->exec_timeout);
            goto out;
        }
        r = poll(pf, 2, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        for (i = 0; i < 2; i++) {
            ssize_t got;

            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            got = read(pf[i].fd, buf, sizeof(buf));
            if (got <= 0) {
                close(i ? pe[0] : po[0]);
                if (i)
                    pe[0] = -1;
                else
                    po[0] = -1;
                open_fds--;
                continue;
            }
            if (i == 0 && out->len + (size_t)got <= KUBE_EXEC_OUT_MAX)
                sb_add(out, buf, (size_t)got);
            else if (i == 0) {
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                err_set(e, "exec plugin %s: more than %u bytes of output",
                        x->command, KUBE_EXEC_OUT_MAX);
                goto out;
            } else if (errs->len < KUBE_EXEC_ERR_SHOW)
                sb_add(errs, buf, (size_t)got);
        }
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        struct strbuf sb = STRBUF_INIT;
        size_t n =
            errs->len < KUBE_EXEC_ERR_SHOW ? errs->len : KUBE_EXEC_ERR_SHOW;

        while (n > 0 && (errs->buf[n - 1] == '\n' || errs->buf[n - 1] == ' '))
            n--;
        utf8_sanitize(&sb, sb_str(errs), utf8_cut(sb_str(errs), n));
        if (WIFEXITED(status))
            err_set(e, "exec plugin %s: exit status %d%s%s", x->command,
                    WEXITSTATUS(status), sb.len ? ": " : "", sb_str(&sb));
        else
            err_set(e, "exec plugin %s: killed by signal %d", x->command,
                    WTERMSIG(status));
        sb_release(&sb);
        goto out;
    }
    rc = 0;
out:
    if (po[0] >= 0)
        close(po[0]);
    if (po[1] >= 0)
        close(po[1]);
    if (pe[0] >= 0)
        close(pe[0]);
    if (pe[1] >= 0)
        close(pe[1]);
    {
        size_t i = 0;
        while (envp[i + 1])
            i++;
        free(envp[i]); /* KUBERNETES_EXEC_INFO, the one made here */
    }
    free(envp);
    return rc;
}

static time_t parse_rfc3339(const char *s)
{
    struct tm tm;
    const char *p;

    memset(&tm, 0, sizeof(tm));
    if (!s || !(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
        return (time_t)-1;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    if (*p != 'Z' && *p != 'z' && *p != '+' && *p != '-')
        return (time_t)-1;
    {
        time_t t = timegm(&tm);
        if (*p == '+' || *p == '-') {
            int hh = 0, mm = 0;
            if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
                return (time_t)-1;
            t -= (*p == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
        }
        return t;
    }
}

int kube_refresh(struct kube_conn *k, struct err *e)
{
    struct strbuf out = STRBUF_INIT, errs = STRBUF_INIT;
    json_t *doc = NULL, *st;
    json_error_t je;
    const char *cmd, *v, *exp;
    int rc = -1;

    if (!k->exec)
        return 0;
    if (k->exec_done && (k->exec_expiry == 0 || time(NULL) < k->exec_expiry))
        return 0;
    cmd = k->exec->command;
    if (exec_run(k, &out, &errs, e) < 0)
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
        time_t t = parse_rfc3339(exp);
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
        OPENSSL_cleanse(out.buf, out.len);
    sb_release(&out);
    sb_release(&errs);
    return rc;
}

/* The host of an https://host:port/ URL (without brackets), new string. */
