/*
 * test_kubeconfig.c: collectors/kube/kubeconfig.c against
 * tests/tools/httpsrv.py as the API server (one asking for a bearer token
 * or basic auth, one asking for a client certificate; they share the test
 * CA), started here in a fresh mkdtemp directory. What it proves: /version
 * is read with a token, a tokenFile (relative to the kubeconfig), basic
 * auth, a client certificate from files and from -data, and exec plugins
 * (v1 token with its args, env and KUBERNETES_EXEC_INFO, cached while not
 * expired; v1beta1 client certificate data); a plugin that fails, hangs
 * (killed at the timeout) or prints invalid JSON is one error naming it;
 * KUBECONFIG merges first-wins with current-context from the first file;
 * an unknown context, a missing certificate file, a CA that does not match
 * and a refused token are clear errors; in-cluster works from the
 * environment and a service-account directory; no secret appears in any
 * error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "err.h"
#include "http.h"
#include "kubeconfig.h"
#include "testsrv.h"
#include "util.h"

#define TOKEN "tok-5ecret-9b1e-never-shown"
#define PASS "pa55-w0rd-k8s-77"

static struct testsrv srv;
static int port_tok, port_mtls;
static char ca[128], other_ca[128], ccert[128], ckey[128];

static const char spec[] =
    "{\"routes\": {\n"
    " \"/version\": {\"body\": {\"major\": \"1\", \"minor\": \"31\", "
    "\"gitVersion\": \"v1.31.2\", \"platform\": \"linux/amd64\"}}\n"
    "}}\n";

static void put(const char *path, const char *text, int mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, (mode_t)mode);
}

/* DIR/name, a static buffer per call site is not enough: a new string. */
static char *pathf(const char *fmt, ...)
{
    va_list ap;
    char buf[512];
    struct strbuf sb = STRBUF_INIT;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    sb_addf(&sb, "%s/%s", srv.dir, buf);
    return sb_detach(&sb);
}

static char *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);

    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

static void no_secret(const char *msg)
{
    char *key = testsrv_slurp(ckey);

    assert_null(strstr(msg, TOKEN));
    assert_null(strstr(msg, PASS));
    assert_null(strstr(msg, "PRIVATE KEY"));
    assert_null(strstr(msg, "exec-tok-"));
    free(key);
}

static int setup(void **state)
{
    char path[160];

    (void)state;
    if (testsrv_init(&srv, "kube", spec))
        return -1;
    testsrv_start(&srv, "tok",
                  (const char *const[]){"--token", TOKEN, "--basic",
                                        "alice:" PASS, NULL});
    port_tok = testsrv_port(&srv, "tok", "port");
    snprintf(path, sizeof(path), "%s/tok", srv.dir);
    testsrv_start(&srv, "mtls",
                  (const char *const[]){"--mtls", "--certs", path, NULL});
    port_mtls = testsrv_port(&srv, "mtls", "port");
    snprintf(ca, sizeof(ca), "%s/tok/ca.crt", srv.dir);
    snprintf(other_ca, sizeof(other_ca), "%s/tok/other-ca.crt", srv.dir);
    snprintf(ccert, sizeof(ccert), "%s/tok/client.crt", srv.dir);
    snprintf(ckey, sizeof(ckey), "%s/tok/client.key", srv.dir);
    snprintf(path, sizeof(path), "%s/kc", srv.dir);
    mkdir(path, 0700);
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    unsetenv("KUBECONFIG");
    unsetenv("KUBERNETES_SERVICE_HOST");
    return port_tok && port_mtls ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return testsrv_stop(&srv);
}

/* A kubeconfig at kc/NAME with one context "ctx" (current), a cluster
 * with server port and cluster_extra lines, a user with user_lines. */
static char *kubeconfig(const char *name, int port, const char *cluster_extra,
                        const char *user_lines)
{
    struct strbuf sb = STRBUF_INIT;
    char *p = pathf("kc/%s", name);

    sb_addf(&sb,
            "apiVersion: v1\nkind: Config\ncurrent-context: ctx\n"
            "clusters:\n- name: c1\n  cluster:\n"
            "    server: https://127.0.0.1:%d/\n%s"
            "contexts:\n- name: ctx\n  context: {cluster: c1, user: u1}\n"
            "users:\n- name: u1\n  user:\n%s",
            port, cluster_extra, user_lines);
    put(p, sb_str(&sb), 0600);
    sb_release(&sb);
    return p;
}

/* Loads file (context NULL: current) and reads /version; 0 or -1 with e. */
static int version_of(const char *file, const char *context, int timeout,
                      struct err *e)
{
    struct kube_load_opts o = {file, context, NULL, timeout};
    struct kube_conn *k = kube_load(&o, e);
    struct http *c;
    char *gv = NULL, *pf = NULL;
    int rc = -1;

    if (!k)
        return -1;
    if ((c = kube_http_new(k, NULL, e)) &&
        kube_version(k, c, &gv, &pf, e) == 0) {
        assert_string_equal(gv, "v1.31.2");
        assert_string_equal(pf, "linux/amd64");
        rc = 0;
    }
    free(gv);
    free(pf);
    http_free(c);
    kube_free(k);
    return rc;
}

static char *plugin(const char *name, const char *body)
{
    char *p = pathf("kc/%s", name);
    struct strbuf sb = STRBUF_INIT;

    sb_addf(&sb, "#!/bin/sh\n%s", body);
    put(p, sb_str(&sb), 0700);
    sb_release(&sb);
    return p;
}

#define CA_REL "    certificate-authority: ../tok/ca.crt\n"

static void test_token(void **state)
{
    struct err e = {{0}};
    char *f;

    (void)state;
    f = kubeconfig("token", port_tok, CA_REL, "    token: " TOKEN "\n");
    if (version_of(f, NULL, 0, &e) < 0)
        fail_msg("%s", e.msg);
    free(f);
    /* A wrong token: 401, said so, the token nowhere. */
    f = kubeconfig("badtoken", port_tok, CA_REL,
                   "    token: expired-" TOKEN "\n");
    assert_int_equal(version_of(f, NULL, 0, &e), -1);
    if (!strstr(e.msg, "401"))
        fail_msg("%s", e.msg);
    assert_non_null(strstr(e.msg, "were refused"));
    assert_non_null(strstr(e.msg, "context ctx"));
    no_secret(e.msg);
    assert_null(strstr(e.msg, "expired-"));
    free(f);
}

static void test_token_file_and_basic(void **state)
{
    struct err e = {{0}};
    char *f, *t = pathf("kc/token.txt");

    (void)state;
    put(t, TOKEN "\n", 0600);
    f = kubeconfig("tokfile", port_tok, CA_REL, "    tokenFile: token.txt\n");
    if (version_of(f, NULL, 0, &e) < 0)
        fail_msg("%s", e.msg);
    /* Read at use: a rotated (here: wrong) token is sent next time. */
    put(t, "rotated-" TOKEN "\n", 0600);
    assert_int_equal(version_of(f, NULL, 0, &e), -1);
    if (!strstr(e.msg, "401"))
        fail_msg("%s", e.msg);
    no_secret(e.msg);
    free(f);
    free(t);
    f = kubeconfig("basic", port_tok, CA_REL,
                   "    username: alice\n    password: " PASS "\n");
    if (version_of(f, NULL, 0, &e) < 0)
        fail_msg("%s", e.msg);
    free(f);
    f = kubeconfig("basicbad", port_tok, CA_REL,
                   "    username: alice\n    password: x" PASS "\n");
    assert_int_equal(version_of(f, NULL, 0, &e), -1);
    if (!strstr(e.msg, "401"))
        fail_msg("%s", e.msg);
    no_secret(e.msg);
    free(f);
}

static void test_client_cert(void **state)
{
    struct err e = {{0}};
    struct strbuf u = STRBUF_INIT, cl = STRBUF_INIT;
    char *f, *cpem = testsrv_slurp(ccert), *kpem = testsrv_slurp(ckey),
             *cb = b64(cpem), *kb = b64(kpem), *capem = testsrv_slurp(ca),
             *cab = b64(capem);

    (void)state;
    f = kubeconfig("certfiles", port_mtls, CA_REL,
                   "    client-certificate: ../tok/client.crt\n"
                   "    client-key: ../tok/client.key\n");
    if (version_of(f, NULL, 0, &e) < 0)
        fail_msg("%s", e.msg);
    free(f);
    sb_addf(&u, "    client-certificate-data: %s\n    client-key-data: %s\n",
            cb, kb);
    sb_addf(&cl, "    certificate-authority-data: %s\n", cab);
    f = kubeconfig("certdata", port_mtls, sb_str(&cl), sb_str(&u));
    if (version_of(f, NULL, 0, &e) < 0)
        fail_msg("%s", e.msg);
    free(f);
    /* No client certificate: refused by the server. */
    f = kubeconfig("nocert", port_mtls, CA_REL, "    {}\n");
    assert_int_equal(version_of(f, NULL, 0, &e), -1);
    free(f);
    /* A missing certificate file, named. */
    f = kubeconfig("missing", port_mtls, CA_REL,
                   "    client-certificate: nothere.crt\n"
                   "    client-key: ../tok/client.key\n");
    assert_int_equal(version_of(f, NULL, 0, &e), -1);
    assert_non_null(strstr(e.msg, "client-certificate"));
    assert_non_null(strstr(e.msg, "kc/nothere.crt"));
    free(f);
    sb_release(&u);
    sb_release(&cl);
    free(cpem);
    free(kpem);
    free(cb);
    free(kb);
    free(capem);
    free(cab);
}

static void test_ca_mismatch(void **state)
{
    struct err e = {{0}};
    struct strbuf cl = STRBUF_INIT;
    char *f, *pem = testsrv_slurp(other_ca), *b = b64(pem);

    (void)state;
    f = kubeconfig("otherca", port_tok,
                   "    certificate-authority: ../tok/other-ca.crt\n",
                   "    token: " TOKEN "\n");
    assert_int_equal(version_of(f, NULL, 0, &e), -1);
    assert_non_null(strstr(e.msg, "127.0.0.1"));
    assert_true(strstr(e.msg, "certificate") || strstr(e.msg, "TLS") ||
                strstr(e.msg, "SSL"));
    no_secret(e.msg);
    free(f);
    /* certificate-authority-data of the other CA: the system's bundle is
     * not consulted either. */
    sb_addf(&cl, "    certificate-authority-data: %s\n", b);
    f = kubeconfig("othercadata", port_tok, sb_str(&cl),
                   "    token: " TOKEN "\n");
    assert_int_equal(version_of(f, NULL, 0, &e), -1);
    no_secret(e.msg);
    free(f);
    /* A missing CA file, named. */
    f = kubeconfig("noca", port_tok, "    certificate-authority: gone.crt\n",
                   "    token: " TOKEN "\n");
    assert_int_equal(version_of(f, NULL, 0, &e), -1);
    assert_non_null(strstr(e.msg, "certificate-authority"));
    assert_non_null(strstr(e.msg, "kc/gone.crt"));
    free(f);
    /* tls-server-name: the URL's own host works; another name is an
     * error (libcurl cannot verify it), never an unverified connection. */
    f = kubeconfig("sni-same", port_tok,
                   CA_REL "    tls-server-name: 127.0.0.1\n",
                   "    token: " TOKEN "\n");
    if (version_of(f, NULL, 0, &e) < 0)
        fail_msg("%s", e.msg);
    free(f);
    f = kubeconfig("sni-other", port_tok,
                   CA_REL "    tls-server-name: api.internal\n",
                   "    token: " TOKEN "\n");
    assert_int_equal(version_of(f, NULL, 0, &e), -1);
    assert_non_null(strstr(e.msg, "tls-server-name api.internal"));
    free(f);
    /* insecure-skip-tls-verify only when true. */
    f = kubeconfig("insecure", port_tok, "    insecure-skip-tls-verify: true\n",
                   "    token: " TOKEN "\n");
    if (version_of(f, NULL, 0, &e) < 0)
        fail_msg("%s", e.msg);
    free(f);
    f = kubeconfig("secure", port_tok, "    insecure-skip-tls-verify: false\n",
                   "    token: " TOKEN "\n");
    assert_int_equal(version_of(f, NULL, 0, &e), -1);
    free(f);
    f = kubeconfig("both", port_tok,
                   CA_REL "    insecure-skip-tls-verify: true\n",
                   "    token: " TOKEN "\n");
    assert_int_equal(version_of(f, NULL, 0, &e), -1);
    assert_non_null(strstr(e.msg, "choose one"));
    free(f);
    sb_release(&cl);
    free(pem);
    free(b);
}

static void test_exec_expired(void **state)
{
    struct err e = {{0}};
    char *p, *f, *runs;

    (void)state;
    p = plugin("cred-short",
               "echo run >> \"$(dirname \"$0\")/runs-short\"\n"
               "cat <<EOF\n"
               "{\"apiVersion\": \"client.authentication.k8s.io/v1\", "
               "\"kind\": \"ExecCredential\", \"status\": {\"token\": "
               "\"" TOKEN "\", \"expirationTimestamp\": "
               "\"2001-01-01T00:00:00+01:00\"}}\nEOF\n");
    free(p);
    f = kubeconfig("short", port_tok, CA_REL,
                   "    exec:\n"
                   "      apiVersion: client.authentication.k8s.io/v1\n"
                   "      command: ./cred-short\n");
    {
        struct kube_load_opts o = {f, NULL, NULL, 0};
        struct kube_conn *k = kube_load(&o, &e);
        struct http *c;
        char *gv, *pf;
        int i;

        if (!k || !(c = kube_http_new(k, NULL, &e)))
            fail_msg("%s", e.msg);
        for (i = 0; i < 2; i++) {
            if (kube_version(k, c, &gv, &pf, &e) < 0)
                fail_msg("%s", e.msg);
            free(gv);
            free(pf);
        }
        http_free(c);
        kube_free(k);
    }
    /* Expired at once: run again for every use (http_new, 2 requests). */
    runs = pathf("kc/runs-short");
    p = testsrv_slurp(runs);
    assert_string_equal(p, "run\nrun\nrun\n");
    free(p);
    free(runs);
    free(f);
}

static void test_exec_v1_token(void **state)
{
    struct err e = {{0}};
    struct kube_load_opts o = {NULL, NULL, NULL, 0};
    struct kube_conn *k;
    struct http *c;
    struct strbuf sb = STRBUF_INIT;
    char *f, *gv, *pf, *info, *runs, *p;

    (void)state;
    p = plugin("cred-v1",
               "echo run >> \"$(dirname \"$0\")/runs\"\n"
               "printf '%s|%s|%s' \"$1\" \"$2\" \"$PLUGIN_MODE\" > "
               "\"$(dirname \"$0\")/args\"\n"
               "printf '%s' \"$KUBERNETES_EXEC_INFO\" > "
               "\"$(dirname \"$0\")/info\"\n"
               "cat <<EOF\n"
               "{\"apiVersion\": \"client.authentication.k8s.io/v1\", "
               "\"kind\": \"ExecCredential\", \"status\": {\"token\": "
               "\"" TOKEN "\", \"expirationTimestamp\": "
               "\"2999-01-01T00:00:00Z\"}}\nEOF\n");
    free(p);
    f = kubeconfig("exec1", port_tok, CA_REL,
                   "    exec:\n"
                   "      apiVersion: client.authentication.k8s.io/v1\n"
                   "      command: ./cred-v1\n"
                   "      args: [get-token, --cluster=x]\n"
                   "      env: [{name: PLUGIN_MODE, value: test}]\n"
                   "      interactiveMode: Never\n"
                   "      provideClusterInfo: true\n");
    o.kubeconfig = f;
    k = kube_load(&o, &e);
    if (!k)
        fail_msg("%s", e.msg);
    c = kube_http_new(k, NULL, &e);
    if (!c)
        fail_msg("%s", e.msg);
    if (kube_version(k, c, &gv, &pf, &e) < 0)
        fail_msg("%s", e.msg);
    assert_string_equal(gv, "v1.31.2");
    free(gv);
    free(pf);
    if (kube_version(k, c, &gv, &pf, &e) < 0)
        fail_msg("%s", e.msg);
    free(gv);
    free(pf);
    http_free(c);
    kube_free(k);
    /* Run once (cached until 2999), with its args, env and the
     * ExecCredential in KUBERNETES_EXEC_INFO. */
    runs = pathf("kc/runs");
    p = testsrv_slurp(runs);
    assert_string_equal(p, "run\n");
    free(p);
    free(runs);
    runs = pathf("kc/args");
    p = testsrv_slurp(runs);
    assert_string_equal(p, "get-token|--cluster=x|test");
    free(p);
    free(runs);
    runs = pathf("kc/info");
    info = testsrv_slurp(runs);
    assert_non_null(strstr(info, "\"kind\":\"ExecCredential\""));
    assert_non_null(strstr(info, "client.authentication.k8s.io/v1\""));
    assert_non_null(strstr(info, "\"interactive\":false"));
    sb_addf(&sb, "\"server\":\"https://127.0.0.1:%d\"", port_tok);
    assert_non_null(strstr(info, sb_str(&sb)));
    free(info);
    free(runs);
    free(f);
    sb_release(&sb);
}

static void test_exec_v1beta1_cert(void **state)
{
    struct err e = {{0}};
    json_t *cred = json_object(), *st = json_object();
    char *cpem = testsrv_slurp(ccert), *kpem = testsrv_slurp(ckey), *js, *out,
         *p, *f;

    (void)state;
    json_object_set_new(cred, "apiVersion",
                        json_string("client.authentication.k8s.io/v1beta1"));
    json_object_set_new(cred, "kind", json_string("ExecCredential"));
    json_object_set_new(st, "clientCertificateData", json_string(cpem));
    json_object_set_new(st, "clientKeyData", json_string(kpem));
    json_object_set_new(cred, "status", st);
    js = json_dumps(cred, 0);
    out = pathf("kc/cred.json");
    put(out, js, 0600);
    p = plugin("cred-beta", "cat \"$(dirname \"$0\")/cred.json\"\n");
    f = kubeconfig("exec2", port_mtls, CA_REL,
                   "    exec:\n"
                   "      apiVersion: client.authentication.k8s.io/v1beta1\n"
                   "      command: ./cred-beta\n");
    if (version_of(f, NULL, 0, &e) < 0)
        fail_msg("%s", e.msg);
    json_decref(cred);
    free(js);
    free(out);
    free(p);
    free(f);
    free(cpem);
    free(kpem);
}

static void test_exec_failures(void **state)
{
    struct err e = {{0}};
    char *p, *f;
    struct timespec t0, t1;

    (void)state;
    p = plugin("cred-fail", "echo 'no login for exec-tok-123' >&2\n"
                            "echo '{\"token\": \"exec-tok-456\"}'\nexit 1\n");
    free(p);
    f = kubeconfig("fail", port_tok, CA_REL,
                   "    exec:\n"
                   "      apiVersion: client.authentication.k8s.io/v1\n"
                   "      command: ./cred-fail\n");
    assert_int_equal(version_of(f, NULL, 0, &e), -1);
    assert_non_null(strstr(e.msg, "exec plugin ./cred-fail"));
    assert_non_null(strstr(e.msg, "exit status 1"));
    assert_non_null(strstr(e.msg, "no login for"));
    assert_null(strstr(e.msg, "exec-tok-456"));
    free(f);

    p = plugin("cred-hang", "exec sleep 60\n");
    free(p);
    f = kubeconfig("hang", port_tok, CA_REL,
                   "    exec:\n"
                   "      apiVersion: client.authentication.k8s.io/v1\n"
                   "      command: ./cred-hang\n");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(version_of(f, NULL, 1, &e), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 5);
    assert_non_null(strstr(e.msg, "exec plugin ./cred-hang"));
    assert_non_null(strstr(e.msg, "within 1 s, killed"));
    free(f);

    p = plugin("cred-junk", "echo 'token: " TOKEN " is not JSON'\n");
    free(p);
    f = kubeconfig("junk", port_tok, CA_REL,
                   "    exec:\n"
                   "      apiVersion: client.authentication.k8s.io/v1\n"
                   "      command: ./cred-junk\n");
    assert_int_equal(version_of(f, NULL, 0, &e), -1);
    assert_non_null(strstr(e.msg, "exec plugin ./cred-junk"));
    assert_non_null(strstr(e.msg, "invalid JSON"));
    no_secret(e.msg);
    free(f);

    f = kubeconfig("nocmd", port_tok, CA_REL,
                   "    exec:\n"
                   "      apiVersion: client.authentication.k8s.io/v1\n"
                   "      command: fourc-no-such-plugin\n");
    assert_int_equal(version_of(f, NULL, 0, &e), -1);
    assert_non_null(strstr(e.msg, "fourc-no-such-plugin"));
    free(f);
}

static void test_merge_and_context(void **state)
{
    struct err e = {{0}};
    struct strbuf sb = STRBUF_INIT, env = STRBUF_INIT;
    char *a = pathf("kc/merge-a"), *b = pathf("kc/merge-b");

    (void)state;
    /* a: current-context one; its cluster c1 is the good server. */
    sb_addf(&sb,
            "{\"current-context\": \"one\", \"clusters\": [{\"name\": "
            "\"c1\", \"cluster\": {\"server\": \"https://127.0.0.1:%d\", "
            "\"certificate-authority\": \"../tok/ca.crt\"}}], "
            "\"contexts\": [{\"name\": \"one\", \"context\": {\"cluster\": "
            "\"c1\", \"user\": \"u1\"}}]}",
            port_tok);
    put(a, sb_str(&sb), 0600);
    sb_setlen(&sb, 0);
    /* b: another current-context, a c1 that would fail, the user. */
    sb_addf(&sb,
            "current-context: two\n"
            "clusters:\n- name: c1\n  cluster: {server: "
            "'https://127.0.0.1:1'}\n"
            "contexts:\n- name: two\n  context: {cluster: c1, user: u1}\n"
            "- name: one\n  context: {cluster: nothere, user: u1}\n"
            "users:\n- name: u1\n  user: {token: %s}\n",
            TOKEN);
    put(b, sb_str(&sb), 0600);
    sb_addf(&env, "%s::%s/kc/absent:%s", a, srv.dir, b);
    setenv("KUBECONFIG", sb_str(&env), 1);
    if (version_of(NULL, NULL, 0, &e) < 0)
        fail_msg("%s", e.msg);
    /* An unknown context names itself and the files. */
    assert_int_equal(version_of(NULL, "prod", 0, &e), -1);
    assert_non_null(strstr(e.msg, "context \"prod\" not found"));
    assert_non_null(strstr(e.msg, "merge-a"));
    assert_non_null(strstr(e.msg, "merge-b"));
    /* Context two: b's own c1 loses to a's, so it still works. */
    if (version_of(NULL, "two", 0, &e) < 0)
        fail_msg("%s", e.msg);
    unsetenv("KUBECONFIG");
    sb_release(&sb);
    sb_release(&env);
    free(a);
    free(b);
}

static void test_home_and_in_cluster(void **state)
{
    struct err e = {{0}};
    struct kube_load_opts o = {NULL, NULL, NULL, 0};
    struct kube_conn *k;
    struct http *c;
    char *home = pathf("home"), *kd = pathf("home/.kube"), *sa = pathf("sa");
    char *p, *cfg, *pem, port[16], *gv, *pf;
    const char *old_home = getenv("HOME");
    char *saved = old_home ? xstrdup(old_home) : NULL;

    (void)state;
    mkdir(home, 0700);
    mkdir(sa, 0700);
    setenv("HOME", home, 1);
    /* Nothing anywhere: one clear error. */
    k = kube_load(&o, &e);
    assert_null(k);
    assert_non_null(strstr(e.msg, "no kubeconfig"));
    /* In-cluster from the environment. */
    snprintf(port, sizeof(port), "%d", port_tok);
    setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", port, 1);
    p = pathf("sa/token");
    put(p, TOKEN "\n", 0600);
    free(p);
    p = pathf("sa/ca.crt");
    pem = testsrv_slurp(ca);
    put(p, pem, 0600);
    free(pem);
    free(p);
    o.sa_dir = sa;
    k = kube_load(&o, &e);
    if (!k)
        fail_msg("%s", e.msg);
    assert_string_equal(k->where, "in-cluster");
    c = kube_http_new(k, NULL, &e);
    if (!c || kube_version(k, c, &gv, &pf, &e) < 0)
        fail_msg("%s", e.msg);
    assert_string_equal(gv, "v1.31.2");
    free(gv);
    free(pf);
    http_free(c);
    kube_free(k);
    /* A missing service-account directory: named. */
    o.sa_dir = "/nonexistent-sa";
    assert_null(kube_load(&o, &e));
    assert_non_null(strstr(e.msg, "/nonexistent-sa/token"));
    /* ~/.kube/config wins over in-cluster. */
    mkdir(kd, 0700);
    cfg = kubeconfig("home-cfg", port_tok, CA_REL, "    token: " TOKEN "\n");
    p = pathf("home/.kube/config");
    pem = testsrv_slurp(cfg);
    /* Relative to the file's own directory: home/.kube/../tok/ca.crt does
     * not exist, so give it an absolute CA. */
    put(p, pem, 0600);
    free(pem);
    o.sa_dir = NULL;
    k = kube_load(&o, &e);
    assert_null(k);
    assert_non_null(strstr(e.msg, "home/.kube/../tok/ca.crt"));
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("KUBERNETES_SERVICE_PORT");
    if (saved)
        setenv("HOME", saved, 1);
    free(saved);
    free(p);
    free(cfg);
    free(home);
    free(kd);
    free(sa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_token_file_and_basic),
        cmocka_unit_test(test_client_cert),
        cmocka_unit_test(test_ca_mismatch),
        cmocka_unit_test(test_exec_v1_token),
        cmocka_unit_test(test_exec_v1beta1_cert),
        cmocka_unit_test(test_exec_failures),
        cmocka_unit_test(test_exec_expired),
        cmocka_unit_test(test_merge_and_context),
        cmocka_unit_test(test_home_and_in_cluster),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
