/*
 * test_node.c: the node collector's parsers (collectors/node/): argv the way
 * pflag reads it, systemd ExecStart with Environment= and EnvironmentFile=,
 * kubelet config strictness and resolution (the flag beats the config), the
 * root's filesystem (symlinks kept inside, FIFOs refused) and owner names
 * from the root's own passwd and group.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "node_flags.h"
#include "node_fs.h"
#include "node_int.h"
#include "yamljson.h"

static json_t *words(const char *const *w)
{
    json_t *a = json_array();
    for (; *w; w++)
        json_array_append_new(a, json_string(*w));
    return a;
}

static json_t *parse_json(const char *s)
{
    json_error_t je;
    json_t *v = json_loads(s, 0, &je);
    assert_non_null(v);
    return v;
}

struct argv_case {
    const char *argv[8];
    const char *want; /* the flags as JSON */
};

static const struct argv_case argv_cases[] = {
    {{"kube-apiserver", "--anonymous-auth=false", NULL},
     "{\"anonymous-auth\": \"false\"}"},
    {{"kube-apiserver", "--etcd-servers", "https://e:2379", NULL},
     "{\"etcd-servers\": \"https://e:2379\"}"},
    /* A bool flag never takes the next word: it is a positional. */
    {{"kube-apiserver", "--profiling", "false", NULL},
     "{\"profiling\": \"true\"}"},
    {{"x", "--profiling=false", "--tls-min-version", "VersionTLS12", NULL},
     "{\"profiling\": \"false\", \"tls-min-version\": \"VersionTLS12\"}"},
    /* A value flag followed by a flag, or last: bare, "true". */
    {{"x", "--kubeconfig", "--v=2", NULL},
     "{\"kubeconfig\": \"true\", \"v\": \"2\"}"},
    {{"x", "--a=1", "--a=2", NULL}, "{\"a\": \"2\"}"},
    {{"etcd", "-data-dir", "/var/lib/etcd", NULL},
     "{\"data-dir\": \"/var/lib/etcd\"}"},
    {{"x", "--", "--after=1", NULL}, "{}"},
    {{"x", "--empty=", NULL}, "{\"empty\": \"\"}"},
};

static void test_argv(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(argv_cases) / sizeof(*argv_cases); i++) {
        json_t *a = words(argv_cases[i].argv), *got = nodeflags_parse(a);
        json_t *want = parse_json(argv_cases[i].want);
        if (!json_equal(got, want)) {
            char *g = json_dumps(got, JSON_SORT_KEYS);
            print_error("case %zu: got %s want %s\n", i, g, argv_cases[i].want);
            free(g);
            fail();
        }
        json_decref(a);
        json_decref(got);
        json_decref(want);
    }
}

static void test_systemd(void **state)
{
    static const char unit[] =
        "[Unit]\nDescription=kubelet\nExecStart=/not/service\n"
        "[Service]\nExecStart=/usr/bin/kubelet --old\n";
    static const char dropin[] =
        "[Service]\n"
        "Environment=\"KUBELET_KUBECONFIG_ARGS=--kubeconfig=/etc/k/"
        "kubelet.conf "
        "--bootstrap-kubeconfig=/etc/k/b.conf\"\n"
        "Environment=\"CFG=--config=/var/lib/kubelet/config.yaml\" X=1\n"
        "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n"
        "# ExecStart=/commented\n"
        "ExecStart=\n"
        "ExecStart=-/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $CFG \\\n"
        "    $KUBELET_KUBEADM_ARGS $UNSET \"--node-labels=a=${X}\" $$HOME\n";
    static const char envfile[] =
        "# comment\nKUBELET_KUBEADM_ARGS=\"--read-only-port=0 "
        "--pod-infra-container-image=pause:3.10\"\n";
    static const char *const want[] = {"/usr/bin/kubelet",
                                       "--kubeconfig=/etc/k/kubelet.conf",
                                       "--bootstrap-kubeconfig=/etc/k/b.conf",
                                       "--config=/var/lib/kubelet/config.yaml",
                                       "--read-only-port=0",
                                       "--pod-infra-container-image=pause:3.10",
                                       "--node-labels=a=1",
                                       "$HOME",
                                       NULL};
    struct nodeunit u;
    struct err e;
    json_t *env, *w, *wantj = words(want);

    (void)state;
    nodeunit_init(&u);
    nodeunit_feed(&u, unit, strlen(unit));
    assert_string_equal(u.exec_start, "/usr/bin/kubelet --old");
    nodeunit_feed(&u, dropin, strlen(dropin));
    assert_int_equal(json_array_size(u.envfiles), 1);
    assert_string_equal(json_string_value(json_array_get(u.envfiles, 0)),
                        "-/var/lib/kubelet/kubeadm-flags.env");
    env = json_deep_copy(u.env);
    nodeunit_envfile(env, envfile, strlen(envfile));
    w = nodeunit_exec_words(u.exec_start, env, &e);
    assert_non_null(w);
    if (!json_equal(w, wantj)) {
        char *g = json_dumps(w, 0);
        print_error("got %s\n", g);
        free(g);
        fail();
    }
    json_decref(w);
    assert_null(nodeunit_exec_words("/bin/kubelet \"--a=b", env, &e));
    assert_non_null(strstr(e.msg, "unterminated"));
    /* An empty ExecStart= resets: nothing runs. */
    nodeunit_feed(&u, "[Service]\nExecStart=\n", 21);
    assert_null(u.exec_start);
    json_decref(env);
    json_decref(wantj);
    nodeunit_release(&u);
}

static void test_config_check(void **state)
{
    static const struct {
        const char *json, *field, *msg;
    } cases[] = {
        {"{\"kind\": \"KubeletConfiguration\", \"readOnlyPort\": 0}", NULL,
         NULL},
        {"{\"kind\": \"KubeletConfiguration\", \"anonymousAuth\": false}",
         "anonymousAuth", "unknown field \"anonymousAuth\""},
        {"{\"kind\": \"KubeletConfiguration\", \"authentication\": "
         "{\"anonymous\": {\"enable\": false}}}",
         "enable", "authentication.anonymous.enable"},
        {"{\"kind\": \"KubeProxyConfiguration\"}", NULL, "expected "},
        {"{\"readOnlyPort\": 0}", NULL, "kind is missing"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        json_t *c = parse_json(cases[i].json);
        const char *field = NULL;
        struct err e;
        int rc = nodeflags_config_check("KubeletConfiguration", c, &field, &e);
        if (!cases[i].msg) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(e.msg, cases[i].msg));
            if (cases[i].field)
                assert_string_equal(field, cases[i].field);
        }
        json_decref(c);
    }
    {
        static const char text[] = "apiVersion: v1beta1\nkind: K\n"
                                   "authentication:\n  anonymous:\n"
                                   "    enable: false\n";
        assert_int_equal(nodeflags_line_of(text, strlen(text), "enable"), 5);
        assert_int_equal(nodeflags_line_of(text, strlen(text), "nope"), 1);
    }
}

static void test_resolve(void **state)
{
    json_t *cfg = parse_json(
        "{\"kind\": \"KubeletConfiguration\", \"readOnlyPort\": 10255,"
        " \"authentication\": {\"anonymous\": {\"enabled\": false},"
        " \"x509\": {\"clientCAFile\": \"/ca.crt\"}},"
        " \"authorization\": {\"mode\": \"Webhook\"},"
        " \"eventRecordQPS\": 5, \"makeIPTablesUtilChains\": true,"
        " \"streamingConnectionIdleTimeout\": \"4h\","
        " \"serverTLSBootstrap\": true, \"podPidsLimit\": 4096,"
        " \"tlsCipherSuites\": [\"A\", \"B\"],"
        " \"featureGates\": {\"RotateKubeletServerCertificate\": true,"
        " \"X\": false}}");
    static const char *const argv[] = {"kubelet", "--read-only-port=0",
                                       "--config=/c.yaml", NULL};
    json_t *a = words(argv), *flags = nodeflags_parse(a), *cf, *eff, *from;
    json_t *want = parse_json(
        "{\"read-only-port\": \"0\", \"anonymous-auth\": \"false\","
        " \"client-ca-file\": \"/ca.crt\", \"authorization-mode\": "
        "\"Webhook\", \"event-qps\": \"5\", \"make-iptables-util-chains\":"
        " \"true\", \"streaming-connection-idle-timeout\": \"4h\","
        " \"rotate-server-certificates\": \"true\", \"pod-max-pids\": "
        "\"4096\", \"tls-cipher-suites\": \"A,B\", \"feature-gates\":"
        " \"RotateKubeletServerCertificate=true,X=false\","
        " \"config\": \"/c.yaml\"}");

    (void)state;
    cf = nodeflags_config_flags("KubeletConfiguration", cfg);
    nodeflags_resolve(flags, cf, &eff, &from);
    if (!json_equal(eff, want)) {
        char *g = json_dumps(eff, JSON_SORT_KEYS);
        print_error("got %s\n", g);
        free(g);
        fail();
    }
    assert_string_equal(
        json_string_value(json_object_get(from, "read-only-port")), "flag");
    assert_string_equal(
        json_string_value(json_object_get(from, "anonymous-auth")), "config");
    json_decref(cfg);
    json_decref(a);
    json_decref(flags);
    json_decref(cf);
    json_decref(eff);
    json_decref(from);
    json_decref(want);
}

static void write_file(const char *path, const char *text, unsigned mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

/* ---- the filesystem and owner names ---- */

static json_t *emitted;

static int stub_emit(struct collect_ctx *ctx, const struct resource *r,
                     struct err *e)
{
    (void)ctx;
    (void)e;
    json_object_set(emitted, r->uid, r->doc);
    return 0;
}

static int stub_input_error(struct collect_ctx *ctx, const char *source,
                            const char *msg, struct err *e)
{
    (void)ctx;
    (void)source;
    (void)msg;
    (void)e;
    return 0;
}

static void test_fs_and_owners(void **state)
{
    char dir[] = "/tmp/fourc-node-XXXXXX", p[512];
    struct nodefs *fs;
    struct nodefs_stat st;
    struct strbuf sb = STRBUF_INIT;
    struct err e;
    struct collect_ctx ctx;
    struct node_scan ns;
    json_t *d;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(p, sizeof(p), "%s/etc", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/etc/passwd", dir);
    write_file(p,
               "root:x:0:0::/:/bin/sh\netcd:x:998:997::/:/bin/false\n"
               "dup:x:998:997::/:/bin/false\n",
               0644);
    snprintf(p, sizeof(p), "%s/etc/group", dir);
    write_file(p, "root:x:0:\netcd:x:997:\n", 0644);
    snprintf(p, sizeof(p), "%s/data", dir);
    write_file(p, "secret-ish", 0640);
    assert_int_equal(chown(p, 998, 997), 0);
    snprintf(p, sizeof(p), "%s/outside", dir);
    write_file(p, "outside the root", 0644);
    snprintf(p, sizeof(p), "%s/etc/sub", dir);
    mkdir(p, 0755);
    /* The root is dir/etc: these links must stay inside it. */
    snprintf(p, sizeof(p), "%s/etc/sub/up", dir);
    assert_int_equal(symlink("../../../outside", p), 0);
    snprintf(p, sizeof(p), "%s/etc/sub/abs", dir);
    assert_int_equal(symlink("/passwd", p), 0);
    snprintf(p, sizeof(p), "%s/etc/sub/loop", dir);
    assert_int_equal(symlink("loop", p), 0);
    snprintf(p, sizeof(p), "%s/etc/fifo", dir);
    assert_int_equal(mkfifo(p, 0644), 0);

    snprintf(p, sizeof(p), "%s/etc", dir);
    assert_int_equal(nodefs_open(p, &fs, &e), 0);
    assert_int_equal(nodefs_read(fs, "/sub/up", 4096, &sb, &e), 1);
    assert_int_equal(nodefs_read(fs, "/sub/abs", 4096, &sb, &e), 0);
    assert_non_null(strstr(sb_str(&sb), "etcd:x:998"));
    assert_int_equal(nodefs_read(fs, "/sub/../sub/abs", 4096, &sb, &e), 0);
    assert_int_equal(nodefs_read(fs, "/sub/loop", 4096, &sb, &e), -1);
    assert_non_null(strstr(e.msg, "symbolic links"));
    assert_int_equal(nodefs_read(fs, "/fifo", 4096, &sb, &e), -1);
    assert_non_null(strstr(e.msg, "not a regular file"));
    assert_int_equal(nodefs_read(fs, "/passwd", 8, &sb, &e), -1);
    assert_non_null(strstr(e.msg, "larger than"));
    assert_int_equal(nodefs_lstat(fs, "/sub/up", &st, &e), 0);
    assert_int_equal(st.type, NODEFS_LINK);
    nodefs_free(fs);

    /* Owner names come from the root's own files; first match wins. */
    assert_int_equal(nodefs_open(dir, &fs, &e), 0);
    memset(&ctx, 0, sizeof(ctx));
    ctx.emit = stub_emit;
    ctx.input_error = stub_input_error;
    memset(&ns, 0, sizeof(ns));
    ns.fs = fs;
    ns.ctx = &ctx;
    ns.e = &e;
    ns.platform = "generic";
    ns.node = "n";
    ns.files = json_object();
    emitted = json_object();
    node_users_load(&ns);
    node_file_add(&ns, "/data", "etcd-data-dir", "etcd");
    node_file_add(&ns, "/missing", "admin-kubeconfig", "kube-apiserver");
    node_files_emit(&ns);
    d = json_object_get(emitted, "node/n/file/data");
    assert_non_null(d);
    assert_string_equal(json_string_value(json_object_get(d, "user")), "etcd");
    assert_string_equal(json_string_value(json_object_get(d, "group")), "etcd");
    assert_string_equal(json_string_value(json_object_get(d, "mode")), "0640");
    assert_int_equal(json_integer_value(json_object_get(d, "uid")), 998);
    d = json_object_get(emitted, "node/n/file/missing");
    assert_true(json_is_false(json_object_get(d, "exists")));
    json_decref(emitted);
    json_decref(ns.files);
    json_decref(ns.users);
    json_decref(ns.groups);
    nodefs_free(fs);
    sb_release(&sb);
    {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
}

/* The tar backend: hard links carry their target's content, directories
 * the archive names only through members exist, later entries win, and a
 * truncated archive is an error naming it. */
static void test_tar_backend(void **state)
{
    char dir[] = "/tmp/fourc-nodetar-XXXXXX", cmd[1024], p[512];
    struct nodefs *fs;
    struct nodefs_stat st;
    struct strbuf sb = STRBUF_INIT;
    struct err e;
    char **names;
    size_t n;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(
        cmd, sizeof(cmd),
        "cd '%s' && mkdir -p t/etc/kubernetes/pki && echo key >"
        " t/etc/kubernetes/pki/a.key && ln t/etc/kubernetes/pki/a.key"
        " t/etc/kubernetes/pki/b.key && chmod 600 t/etc/kubernetes/pki/a.key"
        " && tar -cf full.tar -C t . && tar -cf files.tar -C t"
        " etc/kubernetes/pki/a.key && gzip -c full.tar >full.tar.gz &&"
        " head -c 1500 full.tar >cut.tar",
        dir);
    assert_int_equal(system(cmd), 0);

    snprintf(p, sizeof(p), "%s/full.tar.gz", dir);
    assert_int_equal(nodefs_open(p, &fs, &e), 0);
    assert_true(nodefs_is_tar(fs));
    assert_int_equal(nodefs_read(fs, "/etc/kubernetes/pki/b.key", 64, &sb, &e),
                     0);
    assert_string_equal(sb_str(&sb), "key\n");
    assert_int_equal(nodefs_lstat(fs, "/etc/kubernetes/pki/b.key", &st, &e), 0);
    assert_int_equal(st.mode, 0600);
    assert_int_equal(nodefs_list(fs, "/etc/kubernetes/pki", &names, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "a.key");
    nodefs_names_free(names, n);
    assert_int_equal(nodefs_list(fs, "/", &names, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "etc");
    nodefs_names_free(names, n);
    nodefs_where(fs, "/etc/x", &sb);
    assert_non_null(strstr(sb_str(&sb), "full.tar.gz:/etc/x"));
    nodefs_free(fs);

    /* Only the file's entry: its directories exist all the same. */
    snprintf(p, sizeof(p), "%s/files.tar", dir);
    assert_int_equal(nodefs_open(p, &fs, &e), 0);
    assert_int_equal(nodefs_lstat(fs, "/etc/kubernetes", &st, &e), 0);
    assert_int_equal(st.type, NODEFS_DIR);
    assert_int_equal(nodefs_lstat(fs, "/etc/kube", &st, &e), 1);
    assert_int_equal(nodefs_list(fs, "/etc", &names, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "kubernetes");
    nodefs_names_free(names, n);
    nodefs_free(fs);

    snprintf(p, sizeof(p), "%s/cut.tar", dir);
    assert_int_equal(nodefs_open(p, &fs, &e), -1);
    assert_null(fs);
    assert_non_null(strstr(e.msg, "cut.tar"));
    assert_non_null(strstr(e.msg, "truncated"));

    sb_release(&sb);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argv),
        cmocka_unit_test(test_systemd),
        cmocka_unit_test(test_config_check),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_fs_and_owners),
        cmocka_unit_test(test_tar_backend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
