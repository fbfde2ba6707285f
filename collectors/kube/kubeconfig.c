/*
 * kubeconfig.c: kubeconfig loading, credentials and the /version probe
 * (see kubeconfig.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "kubeconfig.h"
#include "kube_int.h"
#include "util.h"
#include "yamljson.h"

#define KUBE_FILE_MAX (16u << 20)

struct kfile {
    char *path, *dir;
    json_t *doc;
};

void kube_free_secret(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static int read_file(const char *path, size_t max, struct strbuf *sb,
                     struct err *e)
{
    FILE *f = fopen(path, "rb");
    char buf[8192];
    size_t n;

    if (!f)
        return err_set(e, "%s: %s", path, strerror(errno));
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        if (sb->len + n > max) {
            fclose(f);
            return err_set(e, "%s: larger than %zu bytes", path, max);
        }
        sb_add(sb, buf, n);
    }
    if (ferror(f)) {
        fclose(f);
        return err_set(e, "%s: read error", path);
    }
    fclose(f);
    return 0;
}

static int one_doc(json_t *doc, long line, const json_t *il, void *ctx)
{
    json_t **out = ctx;

    (void)line;
    (void)il;
    if (*out) {
        json_decref(doc);
        return 1;
    }
    *out = doc;
    return 0;
}

static int load_file(const char *path, struct kfile *kf, struct err *e)
{
    struct strbuf sb = STRBUF_INIT;
    json_t *doc = NULL;
    const char *slash;

    if (read_file(path, KUBE_FILE_MAX, &sb, e) < 0)
        goto fail;
    if (yj_parse(sb_str(&sb), sb.len, 1, one_doc, &doc, e) < 0) {
        err_prefix(e, "%s", path);
        goto fail;
    }
    sb_release(&sb);
    if (!doc)
        doc = json_object();
    if (!json_is_object(doc)) {
        json_decref(doc);
        return err_set(e, "%s: not a kubeconfig (not a mapping)", path);
    }
    kf->doc = doc;
    kf->path = xstrdup(path);
    slash = strrchr(path, '/');
    kf->dir = slash ? xstrndup(path, (size_t)(slash - path) + (slash == path))
                    : xstrdup(".");
    return 0;
fail:
    sb_release(&sb);
    return -1;
}

/* The first entry named name in key (clusters, users, contexts) of the
 * files in order, and its file; borrowed. */
static json_t *find_named(struct kfile *f, size_t n, const char *key,
                          const char *name, const char *inner,
                          struct kfile **from)
{
    size_t i, j;

    for (i = 0; i < n; i++) {
        json_t *arr = json_object_get(f[i].doc, key), *el;

        json_array_foreach(arr, j, el)
        {
            const char *nm = json_string_value(json_object_get(el, "name"));
            json_t *v = json_object_get(el, inner);

            if (nm && !strcmp(nm, name) && json_is_object(v)) {
                *from = &f[i];
                return v;
            }
        }
    }
    return NULL;
}

static char *resolve(const char *dir, const char *p)
{
    struct strbuf sb = STRBUF_INIT;

    if (!p || !*p)
        return NULL;
    if (p[0] == '/')
        return xstrdup(p);
    if (p[0] == '~' && p[1] == '/' && getenv("HOME")) {
        sb_addf(&sb, "%s%s", getenv("HOME"), p + 1);
        return sb_detach(&sb);
    }
    sb_addf(&sb, "%s/%s", dir, p);
    return sb_detach(&sb);
}

/* base64 text to a NUL-terminated string; NULL when it is not base64. */
static char *b64_decode(const char *s)
{
    struct strbuf sb = STRBUF_INIT;

    if (base64_decode(s, strlen(s), &sb) != 0 || !sb.buf) {
        sb_release(&sb);
        return NULL;
    }
    return sb_detach(&sb);
}

static int data_field(const json_t *o, const char *key, const char *where,
                      char **out, struct err *e)
{
    const char *v = jstr(o, key);

    if (!v || !*v)
        return 0;
    if (!(*out = b64_decode(v)))
        return err_set(e, "%s: %s is not base64", where, key);
    return 0;
}

/* The file of the command: as given with a slash (relative to dir), else
 * the first executable in PATH. */
static char *find_command(const char *cmd, const char *dir)
{
    const char *path = getenv("PATH"), *p, *colon;
    struct strbuf sb = STRBUF_INIT;

    if (strchr(cmd, '/'))
        return resolve(dir, cmd);
    for (p = path ? path : "/usr/bin:/bin"; p; p = colon ? colon + 1 : NULL) {
        colon = strchr(p, ':');
        sb_setlen(&sb, 0);
        if (colon == p || !*p)
            sb_adds(&sb, ".");
        else
            sb_add(&sb, p, colon ? (size_t)(colon - p) : strlen(p));
        sb_addf(&sb, "/%s", cmd);
        if (access(sb_str(&sb), X_OK) == 0)
            return sb_detach(&sb);
    }
    sb_release(&sb);
    return NULL;
}

static void exec_free(struct kube_exec *x)
{
    size_t i;

    if (!x)
        return;
    free(x->command);
    free(x->path);
    for (i = 0; x->argv && x->argv[i]; i++)
        free(x->argv[i]);
    free(x->argv);
    for (i = 0; x->env && x->env[i]; i++)
        kube_free_secret(x->env[i]);
    free(x->env);
    free(x->api_version);
    free(x);
}

static int load_exec(struct kube_conn *k, const json_t *ex, const char *dir,
                     const char *where, struct err *e)
{
    struct kube_exec *x = xcalloc(1, sizeof(*x));
    const char *cmd = jstr(ex, "command"), *av = jstr(ex, "apiVersion");
    json_t *args = json_object_get(ex, "args"),
           *env = json_object_get(ex, "env");
    json_t *el;
    size_t i, n;

    k->exec = x;
    if (!cmd || !*cmd)
        return err_set(e, "%s: exec has no command", where);
    x->command = xstrdup(cmd);
    if (!av || (strcmp(av, "client.authentication.k8s.io/v1") &&
                strcmp(av, "client.authentication.k8s.io/v1beta1")))
        return err_set(e,
                       "%s: exec plugin %s: apiVersion %s is not "
                       "client.authentication.k8s.io/v1 or v1beta1",
                       where, cmd, av ? av : "(none)");
    x->api_version = xstrdup(av);
    x->provide_cluster_info =
        json_is_true(json_object_get(ex, "provideClusterInfo"));
    if (!(x->path = find_command(cmd, dir)))
        return err_set(e, "%s: exec plugin %s: not found in PATH", where, cmd);
    n = json_is_array(args) ? json_array_size(args) : 0;
    x->argv = xcalloc(n + 2, sizeof(char *));
    x->argv[0] = xstrdup(cmd);
    json_array_foreach(args, i, el)
    {
        if (!json_is_string(el))
            return err_set(e, "%s: exec plugin %s: args[%zu] is not a string",
                           where, cmd, i);
        x->argv[i + 1] = xstrdup(json_string_value(el));
    }
    n = json_is_array(env) ? json_array_size(env) : 0;
    x->env = xcalloc(n + 1, sizeof(char *));
    json_array_foreach(env, i, el)
    {
        const char *nm = jstr(el, "name"), *v = jstr(el, "value");
        struct strbuf sb = STRBUF_INIT;

        if (!nm || !*nm || strchr(nm, '=') || !v)
            return err_set(e,
                           "%s: exec plugin %s: env[%zu] needs a name and "
                           "a value",
                           where, cmd, i);
        sb_addf(&sb, "%s=%s", nm, v);
        x->env[i] = sb_detach(&sb);
    }
    return 0;
}

static int load_cluster(struct kube_conn *k, const json_t *cl, const char *dir,
                        const char *where, struct err *e)
{
    const char *srv = jstr(cl, "server"),
               *ca = jstr(cl, "certificate-authority");
    const char *px = jstr(cl, "proxy-url");
    size_t n;
    json_t *ci;

    if (!srv || !*srv)
        return err_set(e, "%s: the cluster has no server", where);
    k->server = xstrdup(srv);
    n = strlen(k->server);
    while (n > 0 && k->server[n - 1] == '/')
        k->server[--n] = '\0';
    if (data_field(cl, "certificate-authority-data", where, &k->ca_pem, e) < 0)
        return -1;
    if (!k->ca_pem && ca && *ca) {
        k->ca_file = resolve(dir, ca);
        if (access(k->ca_file, R_OK) != 0)
            return err_set(e, "%s: certificate-authority %s: %s", where,
                           k->ca_file, strerror(errno));
    }
    if (jstr(cl, "tls-server-name") && *jstr(cl, "tls-server-name"))
        k->tls_server_name = xstrdup(jstr(cl, "tls-server-name"));
    k->insecure = json_is_true(json_object_get(cl, "insecure-skip-tls-verify"));
    if (k->insecure && (k->ca_pem || k->ca_file))
        /* As kubectl's validation: a CA and no verification contradict. */
        return err_set(e,
                       "%s: insecure-skip-tls-verify is true and a "
                       "certificate authority is given; choose one",
                       where);
    if (px && *px)
        k->proxy = xstrdup(px);
    /* What a plugin with provideClusterInfo is told (ExecCredential's
     * spec.cluster). */
    ci = json_object();
    json_object_set_new(ci, "server", json_string(k->server));
    if (k->tls_server_name)
        json_object_set_new(ci, "tls-server-name",
                            json_string(k->tls_server_name));
    if (k->insecure)
        json_object_set_new(ci, "insecure-skip-tls-verify", json_true());
    if (jstr(cl, "certificate-authority-data"))
        json_object_set_new(
            ci, "certificate-authority-data",
            json_string(jstr(cl, "certificate-authority-data")));
    if (k->proxy)
        json_object_set_new(ci, "proxy-url", json_string(k->proxy));
    {
        json_t *ext = json_object_get(cl, "extensions"), *el;
        size_t i;

        json_array_foreach(ext, i, el)
        {
            const char *nm = jstr(el, "name");
            if (nm && !strcmp(nm, "client.authentication.k8s.io/exec"))
                json_object_set(ci, "config", json_object_get(el, "extension"));
        }
    }
    k->cluster_info = ci;
    return 0;
}

static int load_user(struct kube_conn *k, const json_t *u, const char *dir,
                     const char *where, struct err *e)
{
    const char *v;
    json_t *ex;

    if (data_field(u, "client-certificate-data", where, &k->cert_pem, e) < 0 ||
        data_field(u, "client-key-data", where, &k->key_pem, e) < 0)
        return -1;
    if (!k->cert_pem && (v = jstr(u, "client-certificate")) && *v) {
        k->cert_file = resolve(dir, v);
        if (access(k->cert_file, R_OK) != 0)
            return err_set(e, "%s: client-certificate %s: %s", where,
                           k->cert_file, strerror(errno));
    }
    if (!k->key_pem && (v = jstr(u, "client-key")) && *v) {
        k->key_file = resolve(dir, v);
        if (access(k->key_file, R_OK) != 0)
            return err_set(e, "%s: client-key %s: %s", where, k->key_file,
                           strerror(errno));
    }
    if ((v = jstr(u, "token")) && *v)
        k->token = xstrdup(v);
    else if ((v = jstr(u, "tokenFile")) && *v)
        k->token_file = resolve(dir, v);
    if ((v = jstr(u, "username")) && *v) {
        k->username = xstrdup(v);
        k->password = xstrdup(jstr(u, "password") ? jstr(u, "password") : "");
    }
    ex = json_object_get(u, "exec");
    if (json_is_object(ex) && load_exec(k, ex, dir, where, e) < 0)
        return -1;
    if (json_object_get(u, "auth-provider"))
        return err_set(e,
                       "%s: auth-provider is not supported (kubectl "
                       "removed it too; use an exec plugin)",
                       where);
    return 0;
}

static void add_files(struct strbuf *sb, const struct kfile *f, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        sb_addf(sb, "%s%s", i ? ", " : "", f[i].path);
}

static struct kube_conn *from_files(struct kfile *f, size_t n,
                                    const struct kube_load_opts *o,
                                    struct err *e)
{
    struct kube_conn *k = xcalloc(1, sizeof(*k));
    struct strbuf files = STRBUF_INIT, where = STRBUF_INIT;
    const char *ctx = o->context, *cn, *un;
    struct kfile *from = NULL, *cfrom = NULL, *ufrom = NULL;
    json_t *c, *cl, *u = NULL;
    size_t i;

    k->exec_timeout = o->exec_timeout > 0 ? o->exec_timeout : KUBE_EXEC_TIMEOUT;
    add_files(&files, f, n);
    for (i = 0; !ctx && i < n; i++) {
        const char *cc = jstr(f[i].doc, "current-context");
        if (cc && *cc)
            ctx = cc;
    }
    if (!ctx) {
        err_set(e, "no context given and no current-context in %s",
                sb_str(&files));
        goto fail;
    }
    if (!(c = find_named(f, n, "contexts", ctx, "context", &from))) {
        err_set(e, "context \"%s\" not found in %s", ctx, sb_str(&files));
        goto fail;
    }
    k->context = xstrdup(ctx);
    sb_addf(&where, "context %s in %s", ctx, sb_str(&files));
    k->where = xstrdup(sb_str(&where));
    cn = jstr(c, "cluster");
    un = jstr(c, "user");
    if (!cn || !(cl = find_named(f, n, "clusters", cn, "cluster", &cfrom))) {
        err_set(e, "%s: cluster \"%s\" not found", k->where,
                cn ? cn : "(none)");
        goto fail;
    }
    if (un && *un && !(u = find_named(f, n, "users", un, "user", &ufrom))) {
        err_set(e, "%s: user \"%s\" not found", k->where, un);
        goto fail;
    }
    if (load_cluster(k, cl, cfrom->dir, k->where, e) < 0 ||
        (u && load_user(k, u, ufrom->dir, k->where, e) < 0))
        goto fail;
    sb_release(&files);
    sb_release(&where);
    return k;
fail:
    sb_release(&files);
    sb_release(&where);
    kube_free(k);
    return NULL;
}

struct kube_conn *kube_load(const struct kube_load_opts *o, struct err *e)
{
    struct kfile *f = NULL;
    size_t n = 0, i;
    struct kube_conn *k = NULL;
    const char *env = getenv("KUBECONFIG");
    struct strbuf sb = STRBUF_INIT;

    if (o->kubeconfig) {
        f = xcalloc(1, sizeof(*f));
        if (load_file(o->kubeconfig, &f[0], e) < 0)
            goto out;
        n = 1;
    } else if (env && *env) {
        const char *p, *colon;
        size_t cap = 1;

        for (p = env; *p; p++)
            cap += *p == ':';
        f = xcalloc(cap, sizeof(*f));
        for (p = env; p; p = colon ? colon + 1 : NULL) {
            char *one;
            colon = strchr(p, ':');
            one = colon ? xstrndup(p, (size_t)(colon - p)) : xstrdup(p);
            /* kubectl skips the files of KUBECONFIG that do not exist. */
            if (*one && access(one, F_OK) == 0) {
                if (load_file(one, &f[n], e) < 0) {
                    free(one);
                    goto out;
                }
                n++;
            }
            free(one);
        }
        if (n == 0) {
            err_set(e, "KUBECONFIG=%s: none of its files exists", env);
            goto out;
        }
    } else {
        const char *home = getenv("HOME");

        sb_addf(&sb, "%s/.kube/config", home ? home : "");
        if (home && access(sb_str(&sb), F_OK) == 0) {
            f = xcalloc(1, sizeof(*f));
            if (load_file(sb_str(&sb), &f[0], e) < 0)
                goto out;
            n = 1;
        } else if (getenv("KUBERNETES_SERVICE_HOST")) {
            k = kube_in_cluster(o->sa_dir, o->exec_timeout, e);
            goto out;
        } else {
            err_set(e,
                    "no kubeconfig: %s does not exist, KUBECONFIG is not set "
                    "and KUBERNETES_SERVICE_HOST is not set (not in a pod)",
                    sb_str(&sb));
            goto out;
        }
    }
    k = from_files(f, n, o, e);
out:
    for (i = 0; f && i < n; i++) {
        free(f[i].path);
        free(f[i].dir);
        json_decref(f[i].doc);
    }
    free(f);
    sb_release(&sb);
    return k;
}

struct kube_conn *kube_in_cluster(const char *sa_dir, int exec_timeout,
                                  struct err *e)
{
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");
    struct kube_conn *k;
    struct strbuf sb = STRBUF_INIT;

    if (!sa_dir)
        sa_dir = KUBE_SA_DIR;
    if (!host || !*host || !port || !*port) {
        err_set(e, "in-cluster: KUBERNETES_SERVICE_HOST and "
                   "KUBERNETES_SERVICE_PORT must be set");
        return NULL;
    }
    k = xcalloc(1, sizeof(*k));
    k->exec_timeout = exec_timeout > 0 ? exec_timeout : KUBE_EXEC_TIMEOUT;
    k->where = xstrdup("in-cluster");
    if (strchr(host, ':'))
        sb_addf(&sb, "https://[%s]:%s", host, port);
    else
        sb_addf(&sb, "https://%s:%s", host, port);
    k->server = sb_detach(&sb);
    sb_addf(&sb, "%s/token", sa_dir);
    k->token_file = sb_detach(&sb);
    sb_addf(&sb, "%s/ca.crt", sa_dir);
    k->ca_file = sb_detach(&sb);
    if (access(k->token_file, R_OK) != 0 || access(k->ca_file, R_OK) != 0) {
        err_set(e, "in-cluster: %s: %s",
                access(k->token_file, R_OK) ? k->token_file : k->ca_file,
                strerror(errno));
        kube_free(k);
        return NULL;
    }
    return k;
}

void kube_free(struct kube_conn *k)
{
    if (!k)
        return;
    free(k->where);
    free(k->what);
    free(k->context);
    free(k->server);
    free(k->ca_file);
    free(k->ca_pem);
    free(k->tls_server_name);
    free(k->proxy);
    free(k->cert_file);
    free(k->key_file);
    kube_free_secret(k->cert_pem);
    kube_free_secret(k->key_pem);
    kube_free_secret(k->token);
    free(k->token_file);
    free(k->username);
    kube_free_secret(k->password);
    exec_free(k->exec);
    json_decref(k->cluster_info);
    kube_free_secret(k->exec_token);
    free(k);
}

/* Every secret k holds, scrubbed from e. */
void kube_scrub(const struct kube_conn *k, struct err *e)
{
    http_scrub(e, k->token);
    http_scrub(e, k->password);
    http_scrub(e, k->exec_token);
}

static char *url_host(const char *url)
{
    const char *p = strstr(url, "://"), *end;

    p = p ? p + 3 : url;
    if (*p == '[') {
        end = strchr(p, ']');
        return end ? xstrndup(p + 1, (size_t)(end - p - 1)) : xstrdup(p);
    }
    end = p + strcspn(p, ":/");
    return xstrndup(p, (size_t)(end - p));
}

struct http *kube_http_new(struct kube_conn *k, const struct http_opts *base,
                           struct err *e)
{
    struct http_opts o;
    struct strbuf what = STRBUF_INIT;
    struct http *c;

    if (base)
        o = *base;
    else
        memset(&o, 0, sizeof(o));
    if (k->tls_server_name) {
        char *h = url_host(k->server);
        int same = !strcasecmp(h, k->tls_server_name);

        free(h);
        if (!same && !k->insecure)
            return err_set(e,
                           "%s: tls-server-name %s differs from the server's "
                           "host, which fourc cannot verify yet",
                           k->where, k->tls_server_name),
                   NULL;
    }
    if (kube_refresh(k, e) < 0)
        return NULL;
    /* The client keeps o.what: k owns it. */
    if (!k->what) {
        sb_addf(&what, "cluster %s", k->server);
        k->what = sb_detach(&what);
    }
    o.what = k->what;
    o.ca_file = k->ca_file;
    o.ca_pem = k->ca_pem;
    o.insecure = k->insecure;
    o.cert_file = k->cert_file;
    o.key_file = k->key_file;
    o.cert_pem = k->cert_pem;
    o.key_pem = k->key_pem;
    if (k->proxy)
        o.proxy = k->proxy;
    c = http_new(&o, e);
    if (!c)
        kube_scrub(k, e);
    return c;
}

int kube_auth(struct kube_conn *k, char **auth, struct err *e)
{
    struct strbuf sb = STRBUF_INIT;

    *auth = NULL;
    if (k->exec) {
        if (kube_refresh(k, e) < 0)
            return -1;
        if (k->exec_token) {
            sb_addf(&sb, "Bearer %s", k->exec_token);
            *auth = sb_detach(&sb);
            return 0;
        }
    }
    if (k->token) {
        sb_addf(&sb, "Bearer %s", k->token);
        *auth = sb_detach(&sb);
    } else if (k->token_file) {
        size_t n;

        /* Read at each use: kubelet rotates a projected token. */
        if (read_file(k->token_file, 64u << 10, &sb, e) < 0) {
            sb_release(&sb);
            return err_prefix(e, "%s: tokenFile", k->where);
        }
        n = sb.len;
        while (n > 0 && strchr(" \t\r\n", sb.buf[n - 1]))
            n--;
        if (n == 0) {
            sb_release(&sb);
            return err_set(e, "%s: tokenFile %s is empty", k->where,
                           k->token_file);
        }
        {
            struct strbuf a = STRBUF_INIT;
            sb_adds(&a, "Bearer ");
            sb_add(&a, sb.buf, n);
            *auth = sb_detach(&a);
        }
        OPENSSL_cleanse(sb.buf, sb.len);
        sb_release(&sb);
    } else if (k->username) {
        *auth = http_basic(k->username, k->password);
    }
    return 0;
}

int kube_get(struct kube_conn *k, struct http *c, const char *path,
             struct http_resp *rs, struct err *e)
{
    struct strbuf url = STRBUF_INIT;
    struct http_req rq;
    char *auth = NULL;
    int rc;

    if (kube_auth(k, &auth, e) < 0)
        return -1;
    sb_addf(&url, "%s%s", k->server, path);
    memset(&rq, 0, sizeof(rq));
    rq.url = sb_str(&url);
    rq.auth = auth;
    rc = http_do(c, &rq, rs, e);
    if (rc == 0 && (rs->status < 200 || rs->status > 299)) {
        struct err first = {{0}};

        http_status_error(c, &rq, rs, &first);
        if (rs->status == 401)
            err_set(e,
                    "%.700s: the credentials of %.250s were refused "
                    "(expired or revoked?)",
                    first.msg, k->where);
        else if (rs->status == 403)
            err_set(e, "%.700s: forbidden for the user of %.250s", first.msg,
                    k->where);
        else
            *e = first;
        rc = -1;
    } else if (rc != 0)
        rc = -1;
    if (rc < 0)
        kube_scrub(k, e);
    kube_free_secret(auth);
    sb_release(&url);
    return rc;
}

int kube_version(struct kube_conn *k, struct http *c, char **git_version,
                 char **platform, struct err *e)
{
    struct http_resp rs;
    json_t *doc;
    json_error_t je;
    const char *gv, *pf;
    int rc = -1;

    memset(&rs, 0, sizeof(rs));
    *git_version = *platform = NULL;
    if (kube_get(k, c, "/version", &rs, e) < 0)
        goto out;
    doc = json_loadb(sb_str(&rs.body), rs.body.len, 0, &je);
    gv = jstr(doc, "gitVersion");
    pf = jstr(doc, "platform");
    if (!gv || !*gv) {
        err_set(e, "%s/version: no gitVersion in the answer", k->server);
        json_decref(doc);
        goto out;
    }
    *git_version = xstrdup(gv);
    *platform = xstrdup(pf ? pf : "");
    json_decref(doc);
    rc = 0;
out:
    http_resp_release(&rs);
    return rc;
}
