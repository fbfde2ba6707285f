/*
 * test_kube_images.c: the images a cluster runs (collectors/kube/
 * kube_images.c): which reference is pulled for a container (a table of
 * spec image and status imageID as containerd, cri-o and dockershim
 * report them), and which targets, with which workloads, realistic pods
 * and workloads hand over.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kube_images.h"

#define D1                                                                     \
    "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2                                                                     \
    "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3                                                                     \
    "sha256:3333333333333333333333333333333333333333333333333333333333333333"

struct ref_case {
    const char *image, *image_id, *want;
};

static const struct ref_case ref_cases[] = {
    /* no status yet: by reference, written out */
    {"nginx", NULL, "docker.io/library/nginx:latest"},
    {"nginx:1.25", "", "docker.io/library/nginx:1.25"},
    {"bitnami/redis:7", NULL, "docker.io/bitnami/redis:7"},
    {"docker.io/nginx:1.25", NULL, "docker.io/library/nginx:1.25"},
    {"index.docker.io/library/nginx", NULL, "docker.io/library/nginx:latest"},
    {"localhost/app:1", NULL, "localhost/app:1"},
    {"127.0.0.1:5000/team/app:1.4", NULL, "127.0.0.1:5000/team/app:1.4"},
    {"registry.k8s.io/pause:3.9", NULL, "registry.k8s.io/pause:3.9"},
    /* containerd and cri-o: the repo digest */
    {"nginx:1.25", "docker.io/library/nginx@" D1,
     "docker.io/library/nginx@" D1},
    /* dockershim / cri-dockerd: docker-pullable:// and a short name */
    {"nginx:1.25", "docker-pullable://nginx@" D1,
     "docker.io/library/nginx@" D1},
    {"127.0.0.1:5000/team/app:1.4",
     "docker-pullable://127.0.0.1:5000/team/app@" D2,
     "127.0.0.1:5000/team/app@" D2},
    /* a bare sha256 (docker:// too) is a local image id: the reference */
    {"127.0.0.1:5000/team/app:1.4", D3, "127.0.0.1:5000/team/app:1.4"},
    {"nginx", "docker://" D3, "docker.io/library/nginx:latest"},
    /* the spec's own digest when the status has none */
    {"127.0.0.1:5000/team/app@" D2, NULL, "127.0.0.1:5000/team/app@" D2},
    {"127.0.0.1:5000/team/app:1.4@" D2, D3, "127.0.0.1:5000/team/app@" D2},
    /* a malformed imageID digest is no digest */
    {"nginx:1", "docker.io/library/nginx@sha256:abc",
     "docker.io/library/nginx:1"},
    /* not registry references: refused as such, never read locally */
    {"oci:/etc/fourc", NULL, "docker://oci:/etc/fourc"},
    {"docker-archive:/tmp/x.tar", NULL, "docker://docker-archive:/tmp/x.tar"},
    {"Nginx:1", NULL, "docker://Nginx:1"},
    {"nginx:bad tag", NULL, "docker://nginx:bad tag"},
    {"host:port/x", NULL, "docker://host:port/x"},
    {"a//b", NULL, "docker://a//b"},
};

static void test_ref_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ref_cases) / sizeof(ref_cases[0]); i++) {
        char *got = kube_images_ref(ref_cases[i].image, ref_cases[i].image_id);
        if (strcmp(got, ref_cases[i].want) != 0)
            fail_msg("%s / %s: got %s, want %s", ref_cases[i].image,
                     ref_cases[i].image_id ? ref_cases[i].image_id : "(null)",
                     got, ref_cases[i].want);
        free(got);
    }
}

/* ---- handing over ---- */

struct handed {
    json_t *targets; /* [{"type", "ref", "context"}] */
    int fail_at;     /* the n-th call fails (0: none) */
    int calls;
};

static int fake_add(struct collect_ctx *ctx, const char *type, const char *ref,
                    const json_t *context, struct err *e)
{
    struct handed *h = ctx->data;

    if (++h->calls == h->fail_at)
        return err_set(e, "planted failure at %s", ref);
    json_array_append_new(h->targets,
                          json_pack("{s:s, s:s, s:O}", "type", type, "ref", ref,
                                    "context", context));
    return 0;
}

static json_t *run(const char *const *objs, int fail_at, int *rc)
{
    struct kube_images *ki = kube_images_new("kubeconfig https://10.0.0.1");
    struct handed h = {json_array(), fail_at, 0};
    struct collect_ctx ctx;
    struct err e;
    size_t i;

    memset(&ctx, 0, sizeof(ctx));
    ctx.data = &h;
    ctx.add_target = fake_add;
    for (i = 0; objs[i]; i += 2) {
        json_error_t je;
        json_t *o = json_loads(objs[i + 1], 0, &je);
        if (!o)
            fail_msg("test JSON %zu: %s (line %d)", i / 2, je.text, je.line);
        kube_images_add(ki, objs[i], o);
        json_decref(o);
    }
    *rc = kube_images_flush(ki, &ctx, &e);
    kube_images_free(ki);
    return h.targets;
}

static const json_t *find(const json_t *targets, const char *ref)
{
    const json_t *t;
    size_t i;

    json_array_foreach(
        targets, i,
        t) if (strcmp(json_string_value(json_object_get(t, "ref")), ref) ==
               0) return json_object_get(t, "context");
    fail_msg("no target %s", ref);
    return NULL;
}

/* "Kind ns/name" of each workload of context, joined by ", ". */
static char *names(const json_t *context)
{
    static char buf[2048];
    const json_t *w;
    size_t i, n = 0;

    buf[0] = '\0';
    json_array_foreach(json_object_get(context, "workloads"), i, w)
    {
        const char *ns = json_string_value(json_object_get(w, "namespace"));
        n += (size_t)snprintf(
            buf + n, sizeof(buf) - n, "%s%s %s%s%s", i ? ", " : "",
            json_string_value(json_object_get(w, "kind")), ns ? ns : "",
            ns ? "/" : "", json_string_value(json_object_get(w, "name")));
    }
    return buf;
}

#define REG "127.0.0.1:5000/team/app"

/* A Deployment's pod (containerd) by tag, a debug pod by digest, both
 * running D1: one target naming both; a sidecar by a bare sha256 id; an
 * init and an ephemeral container; a ReplicaSet not listed; a Job of a
 * CronJob; a CronJob between runs and a scaled-down Deployment by their
 * templates; a Deployment's old ReplicaSet's template not. */
static const char *const cluster[] = {
    "ReplicaSet",
    "{\"metadata\": {\"name\": \"web-7d9\", \"namespace\": \"shop\","
    " \"ownerReferences\": [{\"apiVersion\": \"apps/v1\", \"kind\":"
    " \"Deployment\", \"name\": \"web\", \"controller\": true}]},"
    " \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\":"
    " \"web\", \"image\": \"" REG ":1\"}]}}}}",
    "ReplicaSet",
    "{\"metadata\": {\"name\": \"web-old\", \"namespace\": \"shop\","
    " \"ownerReferences\": [{\"kind\": \"Deployment\", \"name\": \"web\","
    " \"controller\": true}]},"
    " \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\":"
    " \"web\", \"image\": \"" REG ":0.9\"}]}}}}",
    "Deployment",
    "{\"metadata\": {\"name\": \"web\", \"namespace\": \"shop\"},"
    " \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\":"
    " \"web\", \"image\": \"" REG ":1\"}]}}}}",
    "Pod",
    "{\"metadata\": {\"name\": \"web-7d9-abcde\", \"namespace\": \"shop\","
    " \"ownerReferences\": [{\"kind\": \"ReplicaSet\", \"name\": \"web-7d9\","
    " \"controller\": true, \"uid\": \"u1\"}]},"
    " \"spec\": {\"initContainers\": [{\"name\": \"migrate\", \"image\":"
    " \"" REG "-migrate:1\"}],"
    " \"containers\": [{\"name\": \"web\", \"image\": \"" REG ":1\"},"
    " {\"name\": \"proxy\", \"image\": \"envoyproxy/envoy:v1.30\"}],"
    " \"ephemeralContainers\": [{\"name\": \"debugger\", \"image\":"
    " \"busybox\"}]},"
    " \"status\": {\"phase\": \"Running\","
    " \"initContainerStatuses\": [{\"name\": \"migrate\", \"imageID\":"
    " \"" REG "-migrate@" D3 "\"}],"
    " \"containerStatuses\": ["
    " {\"name\": \"proxy\", \"image\": \"docker.io/envoyproxy/envoy:v1.30\","
    " \"imageID\": \"" D2 "\"},"
    " {\"name\": \"web\", \"image\": \"" REG ":1\", \"imageID\":"
    " \"" REG "@" D1 "\"}],"
    " \"ephemeralContainerStatuses\": [{\"name\": \"debugger\","
    " \"imageID\": \"\"}]}}",
    "Pod",
    "{\"metadata\": {\"name\": \"debug\", \"namespace\": \"default\"},"
    " \"spec\": {\"containers\": [{\"name\": \"c\", \"image\":"
    " \"" REG "@" D1 "\"}]},"
    " \"status\": {\"containerStatuses\": [{\"name\": \"c\", \"imageID\":"
    " \"docker-pullable://" REG "@" D1 "\"}]}}",
    "Pod",
    "{\"metadata\": {\"name\": \"api-5f6-xyz\", \"namespace\": \"shop\","
    " \"ownerReferences\": [{\"kind\": \"ReplicaSet\", \"name\": \"api-5f6\","
    " \"controller\": true}]},"
    " \"spec\": {\"containers\": [{\"name\": \"api\", \"image\":"
    " \"" REG ":1\"}]},"
    " \"status\": {\"containerStatuses\": [{\"name\": \"api\", \"imageID\":"
    " \"" REG "@" D1 "\"}]}}",
    "Job",
    "{\"metadata\": {\"name\": \"backup-28000\", \"namespace\": \"ops\","
    " \"ownerReferences\": [{\"kind\": \"CronJob\", \"name\": \"backup\","
    " \"controller\": true}]},"
    " \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\":"
    " \"b\", \"image\": \"alpine:3.19\"}]}}}}",
    "Pod",
    "{\"metadata\": {\"name\": \"backup-28000-q\", \"namespace\": \"ops\","
    " \"ownerReferences\": [{\"kind\": \"Job\", \"name\": \"backup-28000\","
    " \"controller\": true}]},"
    " \"spec\": {\"containers\": [{\"name\": \"b\", \"image\":"
    " \"alpine:3.19\"}]}, \"status\": {\"phase\": \"Succeeded\"}}",
    "CronJob",
    "{\"metadata\": {\"name\": \"backup\", \"namespace\": \"ops\"},"
    " \"spec\": {\"jobTemplate\": {\"spec\": {\"template\": {\"spec\":"
    " {\"containers\": [{\"name\": \"b\", \"image\": \"alpine:3.19\"}]}}}}}}",
    "CronJob",
    "{\"metadata\": {\"name\": \"report\", \"namespace\": \"ops\"},"
    " \"spec\": {\"jobTemplate\": {\"spec\": {\"template\": {\"spec\":"
    " {\"containers\": [{\"name\": \"r\", \"image\": \"" REG
    "-report:2\"}]}}}}}}",
    "Deployment",
    "{\"metadata\": {\"name\": \"idle\", \"namespace\": \"shop\"},"
    " \"spec\": {\"replicas\": 0, \"template\": {\"spec\":"
    " {\"containers\": [{\"name\": \"i\", \"image\": \"" REG ":1\"}]}}}}",
    "Service",
    "{\"metadata\": {\"name\": \"web\", \"namespace\": \"shop\"},"
    " \"spec\": {\"ports\": [{\"port\": 80}]}}",
    "Pod",
    "{\"metadata\": {\"name\": \"broken\"}, \"spec\": {\"containers\":"
    " [{\"name\": \"x\"}, {\"name\": \"y\", \"image\": 7}, \"junk\"]}}",
    "Pod",
    "{\"metadata\": {\"namespace\": \"x\"}, \"spec\": {}}",
    NULL};

static void test_cluster(void **state)
{
    json_t *t;
    const json_t *c;
    int rc;

    (void)state;
    t = run(cluster, 0, &rc);
    assert_int_equal(rc, 0);
    /* sorted by reference, each once */
    {
        static const char *const want[] = {REG "-migrate@" D3,
                                           REG "-report:2",
                                           REG ":1",
                                           REG "@" D1,
                                           "docker.io/envoyproxy/envoy:v1.30",
                                           "docker.io/library/alpine:3.19",
                                           "docker.io/library/busybox:latest"};
        size_t i;
        if (json_array_size(t) != sizeof(want) / sizeof(want[0]))
            fail_msg("%zu targets: %s", json_array_size(t),
                     json_dumps(t, JSON_COMPACT));
        for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
            const json_t *x = json_array_get(t, i);
            assert_string_equal(json_string_value(json_object_get(x, "ref")),
                                want[i]);
            assert_string_equal(json_string_value(json_object_get(x, "type")),
                                "image");
        }
    }
    /* by tag in one pod, by digest in another: one image, three workloads
     * (the unlisted ReplicaSet by its own name) */
    c = find(t, REG "@" D1);
    assert_string_equal(names(c), "Deployment shop/web, Pod default/debug, "
                                  "ReplicaSet shop/api-5f6");
    assert_int_equal(json_integer_value(json_object_get(c, "workloads_more")),
                     0);
    assert_string_equal(json_string_value(json_object_get(c, "via")),
                        "kubeconfig https://10.0.0.1");
    {
        char *refs = json_dumps(json_object_get(c, "references"), JSON_COMPACT);
        assert_string_equal(refs, "[\"" REG ":1\",\"" REG "@" D1 "\"]");
        free(refs);
    }
    /* init and ephemeral containers count; a bare sha256 is by reference */
    assert_string_equal(names(find(t, REG "-migrate@" D3)),
                        "Deployment shop/web");
    assert_string_equal(names(find(t, "docker.io/library/busybox:latest")),
                        "Deployment shop/web");
    assert_string_equal(names(find(t, "docker.io/envoyproxy/envoy:v1.30")),
                        "Deployment shop/web");
    /* a Job's pod is its CronJob's; the CronJob's template adds nothing
     * more since it has a pod */
    assert_string_equal(names(find(t, "docker.io/library/alpine:3.19")),
                        "CronJob ops/backup");
    /* templates of workloads without pods, by reference; an owned
     * ReplicaSet's template (the old 0.9) is not */
    assert_string_equal(names(find(t, REG "-report:2")), "CronJob ops/report");
    assert_string_equal(names(find(t, REG ":1")), "Deployment shop/idle");
    json_decref(t);

    /* the first failure stops the hand-over and is returned */
    t = run(cluster, 2, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(json_array_size(t), 1);
    json_decref(t);
}

/* 25 pods of 25 Deployments on one image: 20 named, 5 more. */
static void test_cap(void **state)
{
    const char *objs[2 * 50 + 1];
    char *bufs[50];
    json_t *t;
    const json_t *c;
    int rc, i;

    (void)state;
    for (i = 0; i < 25; i++) {
        char b[512];
        snprintf(b, sizeof(b),
                 "{\"metadata\": {\"name\": \"rs%02d\", \"namespace\": \"n\","
                 " \"ownerReferences\": [{\"kind\": \"Deployment\", \"name\":"
                 " \"d%02d\", \"controller\": true}]}, \"spec\": {}}",
                 i, i);
        bufs[2 * i] = strdup(b);
        snprintf(b, sizeof(b),
                 "{\"metadata\": {\"name\": \"p%02d\", \"namespace\": \"n\","
                 " \"ownerReferences\": [{\"kind\": \"ReplicaSet\", \"name\":"
                 " \"rs%02d\", \"controller\": true}]}, \"spec\":"
                 " {\"containers\": [{\"name\": \"c\", \"image\": \"app\"}]}}",
                 i, i);
        bufs[2 * i + 1] = strdup(b);
        objs[4 * i] = "ReplicaSet";
        objs[4 * i + 1] = bufs[2 * i];
        objs[4 * i + 2] = "Pod";
        objs[4 * i + 3] = bufs[2 * i + 1];
    }
    objs[100] = NULL;
    t = run(objs, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(json_array_size(t), 1);
    c = find(t, "docker.io/library/app:latest");
    assert_int_equal(json_array_size(json_object_get(c, "workloads")),
                     KUBE_IMAGES_NAMED);
    assert_int_equal(json_integer_value(json_object_get(c, "workloads_more")),
                     5);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(c, "workloads"), 0), "name")),
        "d00");
    json_decref(t);
    for (i = 0; i < 50; i++)
        free(bufs[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ref_table),
        cmocka_unit_test(test_cluster),
        cmocka_unit_test(test_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
