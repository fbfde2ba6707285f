/*
 * test_kube_list.c: collectors/kube/kube_list.c against
 * tests/tools/httpsrv.py serving a Kubernetes API over a handful of
 * objects (pages of 2). What it proves: discovery finds exactly the kinds
 * asked for, in every group that serves them (NetworkPolicy from
 * networking.k8s.io and from Calico's CRD group), not a near name
 * (Role is not RoleBinding), not a subresource, and a kind nobody serves
 * (Cilium) is simply absent; a list is read page by page, each object
 * emitted once with kind, apiVersion, the manifests' uid, the API URL as
 * source and no managedFields; a Secret from a server that ignores the
 * metadata-only Accept keeps nothing but its metadata; a continue token
 * that keeps expiring ends after KUBE_MAX_RESTARTS restarts as one error
 * for that kind with no object emitted twice; an invalid page and a 403
 * are one error for exactly that kind naming the resource, the page and
 * the server's message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "err.h"
#include "http.h"
#include "kube_list.h"
#include "kubeconfig.h"
#include "testsrv.h"
#include "util.h"

#define TOKEN "tok-kube-list-5ecret"
#define PLANT "UExBTlRFRC1TRUNSRVQ"

static struct testsrv srv;
static int port;

static const char spec[] =
    "{\"cluster\": {\"page_max\": 2, \"secrets\": \"ignore\",\n"
    "  \"expire\": {\"services\": 99},\n"
    "  \"objects\": [\n"
    "   {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": "
    "\"p0\", \"namespace\": \"a\", \"managedFields\": [{\"manager\": "
    "\"x\"}]}},\n"
    "   {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": "
    "\"p1\", \"namespace\": \"a\"}},\n"
    "   {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": "
    "\"p2\", \"namespace\": \"b\"}},\n"
    "   {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": "
    "\"p3\", \"namespace\": \"b\"}},\n"
    "   {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": "
    "\"p4\", \"namespace\": \"b\"}},\n"
    "   {\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": "
    "{\"name\": \"s0\", \"namespace\": \"a\"}},\n"
    "   {\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": "
    "{\"name\": \"s1\", \"namespace\": \"a\"}},\n"
    "   {\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": "
    "{\"name\": \"s2\", \"namespace\": \"a\"}},\n"
    "   {\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": "
    "{\"name\": \"db\", \"namespace\": \"a\"}, \"type\": \"Opaque\", "
    "\"data\": {\"pw\": \"" PLANT "\"}, \"stringData\": {\"t\": \"" PLANT
    "\"}},\n"
    "   {\"apiVersion\": \"crd.projectcalico.org/v1\", \"kind\": "
    "\"NetworkPolicy\", \"metadata\": {\"name\": \"cal\", \"namespace\": "
    "\"a\"}},\n"
    "   {\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": "
    "{\"name\": \"a\"}}\n"
    "  ]},\n"
    " \"routes\": {\n"
    "  \"/api/v1/configmaps\": {\"body\": \"{\\\"kind\\\": "
    "\\\"ConfigMapList\\\", \\\"items\\\": [{\\\"metadata\\\": "
    "{\\\"name\\\": \\\"ok\\\", \\\"namespace\\\": \\\"a\\\"}}, {\\\"bad\"},\n"
    "  \"/apis/rbac.authorization.k8s.io/v1/roles\": {\"fault\": "
    "{\"status\": 403, \"body\": {\"kind\": \"Status\", \"code\": 403, "
    "\"message\": \"roles.rbac.authorization.k8s.io is forbidden: User "
    "\\\"x\\\" cannot list\"}}}\n"
    " }}\n";

/* What the collector handed the scan. */
struct seen {
    json_t *docs;   /* [{"uid", "source", "doc"}] */
    json_t *failed; /* [[kind, msg]] */
    json_t *inputs; /* [msg] */
};

static int seen_emit(struct collect_ctx *ctx, const struct resource *r,
                     struct err *e)
{
    struct seen *s = ctx->data;

    (void)e;
    json_array_append_new(s->docs, json_pack("{s:s, s:s, s:s, s:O}", "uid",
                                             r->uid, "kind", r->kind, "source",
                                             r->source, "doc", r->doc));
    return 0;
}

static int seen_input(struct collect_ctx *ctx, const char *source,
                      const char *msg, struct err *e)
{
    (void)source;
    (void)e;
    json_array_append_new(((struct seen *)ctx->data)->inputs, json_string(msg));
    return 0;
}

static int seen_failed(struct collect_ctx *ctx, const char *scope_uid,
                       const char *kind, const char *msg, struct err *e)
{
    (void)e;
    (void)scope_uid;
    json_array_append_new(((struct seen *)ctx->data)->failed,
                          json_pack("[s, s]", kind, msg));
    return 0;
}

struct fixture {
    struct kube_conn *k;
    struct http *c;
    struct seen s;
    struct collect_ctx ctx;
    struct kube_lister l;
};

static void open_cluster(struct fixture *f)
{
    struct kube_load_opts lo;
    struct strbuf kc = STRBUF_INIT, text = STRBUF_INIT;
    struct err e;
    FILE *fp;

    sb_addf(&kc, "%s/kc", srv.dir);
    sb_addf(&text,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: "
            "{server: \"https://127.0.0.1:%d\", certificate-authority: "
            "\"%s/srv/ca.crt\"}\nusers:\n- name: u\n  user: {token: " TOKEN
            "}\ncontexts:\n- name: x\n  context: {cluster: c, user: "
            "u}\ncurrent-context: x\n",
            port, srv.dir);
    fp = fopen(sb_str(&kc), "w");
    assert_non_null(fp);
    fputs(sb_str(&text), fp);
    fclose(fp);
    memset(f, 0, sizeof(*f));
    memset(&lo, 0, sizeof(lo));
    lo.kubeconfig = sb_str(&kc);
    f->k = kube_load(&lo, &e);
    assert_non_null(f->k);
    f->c = kube_http_new(f->k, NULL, &e);
    assert_non_null(f->c);
    f->s.docs = json_array();
    f->s.failed = json_array();
    f->s.inputs = json_array();
    f->ctx.emit = seen_emit;
    f->ctx.input_error = seen_input;
    f->ctx.kind_not_evaluated = seen_failed;
    f->ctx.data = &f->s;
    f->l.k = f->k;
    f->l.c = f->c;
    f->l.ctx = &f->ctx;
    sb_release(&kc);
    sb_release(&text);
}

static void close_cluster(struct fixture *f)
{
    http_free(f->c);
    kube_free(f->k);
    json_decref(f->s.docs);
    json_decref(f->s.failed);
    json_decref(f->s.inputs);
}

/* The served resource of kind in group version gv, or NULL. */
static const struct kube_res *res_find(const struct kube_res *v, size_t n,
                                       const char *gv, const char *kind)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(v[i].gv, gv) == 0 && strcmp(v[i].kind, kind) == 0)
            return &v[i];
    return NULL;
}

static void test_discover(void **state)
{
    static const char *const want[] = {"k8s/Deployment",
                                       "k8s/NetworkPolicy",
                                       "k8s/CiliumNetworkPolicy",
                                       "k8s/Role",
                                       "k8s/Pod",
                                       "image/Config",
                                       NULL};
    static const char *const all[] = {"k8s/*", NULL};
    struct fixture f;
    struct kube_res *v;
    struct err e;
    size_t n, i;

    (void)state;
    open_cluster(&f);
    assert_int_equal(kube_discover(&f.l, want, &v, &n, &e), 0);
    assert_non_null(res_find(v, n, "apps/v1", "Deployment"));
    assert_non_null(res_find(v, n, "networking.k8s.io/v1", "NetworkPolicy"));
    assert_non_null(
        res_find(v, n, "crd.projectcalico.org/v1", "NetworkPolicy"));
    assert_non_null(res_find(v, n, "rbac.authorization.k8s.io/v1", "Role"));
    assert_true(res_find(v, n, "v1", "Pod")->namespaced);
    /* exactly these: no RoleBinding, no pods/status, no Cilium */
    assert_int_equal(n, 5);
    for (i = 0; i < n; i++)
        assert_null(strchr(v[i].name, '/'));
    assert_int_equal(json_array_size(f.s.inputs), 0);
    kube_res_free(v, n);
    /* a family: everything listable, and nothing that cannot be listed */
    assert_int_equal(kube_discover(&f.l, all, &v, &n, &e), 0);
    assert_non_null(res_find(v, n, "v1", "Event"));
    assert_false(res_find(v, n, "v1", "Namespace")->namespaced);
    assert_null(
        res_find(v, n, "authorization.k8s.io/v1", "SelfSubjectAccessReview"));
    kube_res_free(v, n);
    close_cluster(&f);
}

static void test_list_pages(void **state)
{
    struct kube_res pods = {"v1", "pods", "Pod", 1};
    struct fixture f;
    struct err e;
    char want[160];
    json_t *d;
    size_t before;

    (void)state;
    open_cluster(&f);
    before = f.l.requests;
    assert_int_equal(kube_list(&f.l, &pods, &e), 0);
    assert_int_equal(json_array_size(f.s.failed), 0);
    assert_int_equal(json_array_size(f.s.docs), 5);
    assert_int_equal(f.l.requests - before, 3); /* 2 + 2 + 1 */
    assert_int_equal(f.l.objects, 5);
    d = json_array_get(f.s.docs, 0);
    assert_string_equal(json_string_value(json_object_get(d, "uid")),
                        "core/Pod/a/p0");
    assert_string_equal(json_string_value(json_object_get(d, "kind")),
                        "k8s/Pod");
    snprintf(want, sizeof(want),
             "https://127.0.0.1:%d/api/v1/namespaces/a/pods/p0", port);
    assert_string_equal(json_string_value(json_object_get(d, "source")), want);
    d = json_object_get(d, "doc");
    assert_string_equal(json_string_value(json_object_get(d, "kind")), "Pod");
    assert_string_equal(json_string_value(json_object_get(d, "apiVersion")),
                        "v1");
    assert_null(
        json_object_get(json_object_get(d, "metadata"), "managedFields"));
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(f.s.docs, 4), "uid")),
        "core/Pod/b/p4");
    close_cluster(&f);
}

static void test_secret_from_careless_server(void **state)
{
    struct kube_res secrets = {"v1", "secrets", "Secret", 1};
    struct fixture f;
    struct err e;
    json_t *doc;
    char *text;

    (void)state;
    open_cluster(&f);
    assert_int_equal(kube_list(&f.l, &secrets, &e), 0);
    assert_int_equal(json_array_size(f.s.docs), 1);
    doc = json_object_get(json_array_get(f.s.docs, 0), "doc");
    text = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(text, "{\"apiVersion\":\"v1\",\"kind\":\"Secret\","
                              "\"metadata\":{\"name\":\"db\",\"namespace\":"
                              "\"a\"}}");
    free(text);
    close_cluster(&f);
}

static void test_expired_bounded(void **state)
{
    struct kube_res svc = {"v1", "services", "Service", 1};
    struct fixture f;
    struct err e;
    const char *msg;

    (void)state;
    open_cluster(&f);
    assert_int_equal(kube_list(&f.l, &svc, &e), 0);
    /* the first page once, however often the list started again */
    assert_int_equal(json_array_size(f.s.docs), 2);
    assert_int_equal(json_array_size(f.s.failed), 1);
    assert_string_equal(
        json_string_value(json_array_get(json_array_get(f.s.failed, 0), 0)),
        "k8s/Service");
    msg = json_string_value(json_array_get(json_array_get(f.s.failed, 0), 1));
    assert_non_null(strstr(msg, "cannot list services (all namespaces) on "
                                "cluster https://127.0.0.1:"));
    assert_non_null(strstr(msg, "page 2: the continue token expired 4 times "
                                "(410 Gone)"));
    close_cluster(&f);
}

static void test_invalid_and_forbidden(void **state)
{
    struct kube_res cm = {"v1", "configmaps", "ConfigMap", 1};
    struct kube_res roles = {"rbac.authorization.k8s.io/v1", "roles", "Role",
                             1};
    struct fixture f;
    struct err e;
    const char *msg;

    (void)state;
    open_cluster(&f);
    assert_int_equal(kube_list(&f.l, &cm, &e), 0);
    assert_int_equal(json_array_size(f.s.docs), 1); /* before the break */
    assert_int_equal(json_array_size(f.s.failed), 1);
    msg = json_string_value(json_array_get(json_array_get(f.s.failed, 0), 1));
    assert_non_null(strstr(msg, "cannot list configmaps (all namespaces)"));
    assert_non_null(strstr(msg, ": page 1: invalid JSON: "));
    assert_int_equal(kube_list(&f.l, &roles, &e), 0);
    assert_int_equal(json_array_size(f.s.failed), 2);
    assert_string_equal(
        json_string_value(json_array_get(json_array_get(f.s.failed, 1), 0)),
        "k8s/Role");
    msg = json_string_value(json_array_get(json_array_get(f.s.failed, 1), 1));
    assert_non_null(strstr(msg, "cannot list roles (all namespaces) on "
                                "cluster https://127.0.0.1:"));
    assert_non_null(strstr(msg, ": 403 Forbidden: "
                                "roles.rbac.authorization.k8s.io is "
                                "forbidden: User \"x\" cannot list"));
    assert_null(strstr(msg, TOKEN));
    close_cluster(&f);
}

static int setup(void **state)
{
    (void)state;
    if (testsrv_init(&srv, "kubelist", spec))
        return -1;
    testsrv_start(&srv, "srv", (const char *const[]){"--token", TOKEN, NULL});
    port = testsrv_port(&srv, "srv", "port");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    return port ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return testsrv_stop(&srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discover),
        cmocka_unit_test(test_list_pages),
        cmocka_unit_test(test_secret_from_careless_server),
        cmocka_unit_test(test_expired_bounded),
        cmocka_unit_test(test_invalid_and_forbidden),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
