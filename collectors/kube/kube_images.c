/*
 * kube_images.c: the images a cluster runs and who runs them (see
 * kube_images.h). Sets and maps are jansson objects (hash tables keyed by
 * strings); a workload is the key "Kind\x1fnamespace\x1fname".
 */
#include "kube_images.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

#define KI_SEP '\x1f'

struct kube_images {
    char *via;
    /* pull ref -> {"refs": {as written: true}, "owners": {owner: true}} */
    json_t *images;
    /* a listed ReplicaSet's or Job's key -> its controller's key */
    json_t *owners;
    /* a top-level workload's key -> [[pull ref, as written], ...] */
    json_t *templates;
};

struct kube_images *kube_images_new(const char *via)
{
    struct kube_images *ki = xcalloc(1, sizeof(*ki));

    ki->via = xstrdup(via ? via : "");
    ki->images = json_object();
    ki->owners = json_object();
    ki->templates = json_object();
    return ki;
}

void kube_images_free(struct kube_images *ki)
{
    if (!ki)
        return;
    free(ki->via);
    json_decref(ki->images);
    json_decref(ki->owners);
    json_decref(ki->templates);
    free(ki);
}

/* ---- references ---------------------------------------------------- */

static int kube_images_digest_ok(const char *s)
{
    size_t n, i;

    if (strncmp(s, "sha256:", 7) == 0)
        n = 64;
    else if (strncmp(s, "sha512:", 7) == 0)
        n = 128;
    else
        return 0;
    for (i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[7 + i]) &&
            !(s[7 + i] >= 'a' && s[7 + i] <= 'f'))
            return 0;
    return s[7 + n] == '\0';
}

static int kube_images_tag_ok(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (i = 1; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
            return 0;
    return 1;
}

/* host[:port]: letters, digits, dots and dashes, a numeric port. */
static int kube_images_host_ok(const char *s, size_t n)
{
    size_t i, colon = n;

    for (i = 0; i < n; i++) {
        if (s[i] == ':' && colon == n)
            colon = i;
        else if (i > colon
                     ? !isdigit((unsigned char)s[i])
                     : !isalnum((unsigned char)s[i]) && !strchr(".-", s[i]))
            return 0;
    }
    return colon > 0 && colon + 1 != n;
}

/* Path components: [a-z0-9._-]+ separated by single slashes. */
static int kube_images_path_ok(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || s[0] == '/' || s[n - 1] == '/')
        return 0;
    for (i = 0; i < n; i++)
        if (s[i] == '/'
                ? s[i + 1] == '/'
                : !islower((unsigned char)s[i]) &&
                      !isdigit((unsigned char)s[i]) && !strchr("._-", s[i]))
            return 0;
    return 1;
}

/*
 * name (n bytes, no tag or digest) as "HOST/PATH" into out, docker's way:
 * a first component with '.' or ':', or "localhost", is a host, else the
 * host is docker.io, whose one-component names are under library/. -1
 * when it is not a registry name.
 */
static int kube_images_name(const char *name, size_t n, struct strbuf *out)
{
    const char *slash = memchr(name, '/', n);
    size_t hl = slash ? (size_t)(slash - name) : 0;
    const char *path = name;
    size_t pl = n;

    if (slash && (memchr(name, '.', hl) || memchr(name, ':', hl) ||
                  (hl == 9 && memcmp(name, "localhost", 9) == 0))) {
        if (!kube_images_host_ok(name, hl))
            return -1;
        path = slash + 1;
        pl = n - hl - 1;
        if ((hl == 9 && memcmp(name, "docker.io", 9) == 0) ||
            (hl == 15 && memcmp(name, "index.docker.io", 15) == 0))
            hl = 0; /* docker.io below */
    } else {
        hl = 0;
    }
    if (!kube_images_path_ok(path, pl))
        return -1;
    if (hl) {
        sb_addf(out, "%.*s/", (int)hl, name);
    } else {
        sb_adds(out, "docker.io/");
        if (!memchr(path, '/', pl))
            sb_adds(out, "library/");
    }
    sb_addf(out, "%.*s", (int)pl, path);
    return 0;
}

/* ref "NAME[:TAG][@DIGEST]" as "HOST/PATH@DIGEST" when it has a digest,
 * else "HOST/PATH:TAG" (latest when none). -1: not a registry reference.
 * digest_only: only a reference with a digest will do. */
static int kube_images_norm(const char *ref, int digest_only,
                            struct strbuf *out)
{
    const char *at = strchr(ref, '@');
    size_t nl = at ? (size_t)(at - ref) : strlen(ref);
    const char *slash = NULL, *colon = NULL, *p;
    size_t len = out->len;

    if (at && !kube_images_digest_ok(at + 1))
        return -1;
    if (digest_only && !at)
        return -1;
    for (p = ref; p < ref + nl; p++)
        if (*p == '/')
            slash = p;
    for (p = slash ? slash : ref; p < ref + nl; p++)
        if (*p == ':')
            colon = p;
    if (colon && !kube_images_tag_ok(colon + 1, (size_t)(ref + nl - colon - 1)))
        return -1;
    if (kube_images_name(ref, colon ? (size_t)(colon - ref) : nl, out)) {
        sb_setlen(out, len);
        return -1;
    }
    if (at)
        sb_adds(out, at);
    else
        sb_addf(out, ":%.*s", colon ? (int)(ref + nl - colon - 1) : 6,
                colon ? colon + 1 : "latest");
    return 0;
}

char *kube_images_ref(const char *image, const char *image_id)
{
    struct strbuf sb = STRBUF_INIT;
    const char *id = image_id ? image_id : "";

    if (strncmp(id, "docker-pullable://", 18) == 0)
        id += 18;
    else if (strncmp(id, "docker://", 9) == 0)
        id += 9;
    /* the digest the node pulled, else the spec's own (a bare sha256: is
     * a local image id: no '@', so no digest here) */
    if (kube_images_norm(id, 1, &sb) == 0 ||
        kube_images_norm(image, 0, &sb) == 0)
        return sb_detach(&sb);
    sb_addf(&sb, "docker://%s", image);
    return sb_detach(&sb);
}

/* ---- objects --------------------------------------------------------- */

static const char *kube_images_str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static char *kube_images_key(const char *kind, const char *ns, const char *name)
{
    struct strbuf sb = STRBUF_INIT;

    sb_addf(&sb, "%s%c%s%c%s", kind, KI_SEP, ns ? ns : "", KI_SEP, name);
    return sb_detach(&sb);
}

/* The key of obj's controller (the ownerReference with controller: true,
 * else the first), NULL when it has none. */
static char *kube_images_owner(const json_t *meta)
{
    const json_t *refs = json_object_get(meta, "ownerReferences"), *r;
    const json_t *pick = NULL;
    size_t i;

    json_array_foreach(refs, i, r)
    {
        if (!kube_images_str(r, "kind") || !kube_images_str(r, "name"))
            continue;
        if (!pick || json_is_true(json_object_get(r, "controller")))
            pick = r;
        if (json_is_true(json_object_get(r, "controller")))
            break;
    }
    if (!pick)
        return NULL;
    return kube_images_key(kube_images_str(pick, "kind"),
                           kube_images_str(meta, "namespace"),
                           kube_images_str(pick, "name"));
}

/* The imageID the status list reports for the container called name. */
static const char *kube_images_status_id(const json_t *statuses,
                                         const char *name)
{
    const json_t *s;
    size_t i;

    json_array_foreach(statuses, i, s)
    {
        const char *n = kube_images_str(s, "name");
        if (n && name && strcmp(n, name) == 0)
            return kube_images_str(s, "imageID");
    }
    return NULL;
}

static void kube_images_set(json_t *entry, const char *set, const char *key)
{
    json_t *s = json_object_get(entry, set);

    if (!s) {
        s = json_object();
        json_object_set_new(entry, set, s);
    }
    json_object_set_new(s, key, json_true());
}

static void kube_images_note(struct kube_images *ki, const char *ref,
                             const char *written, const char *owner)
{
    json_t *entry = json_object_get(ki->images, ref);

    if (!entry) {
        entry = json_object();
        json_object_set_new(ki->images, ref, entry);
    }
    kube_images_set(entry, "refs", written);
    kube_images_set(entry, "owners", owner);
}

/* Each container's image of a pod spec: for a Pod (status non-NULL) noted
 * as run by owner, for a template appended to tmpl. */
static void kube_images_spec(struct kube_images *ki, const json_t *spec,
                             const json_t *status, const char *owner,
                             json_t *tmpl)
{
    static const char *const lists[][2] = {
        {"containers", "containerStatuses"},
        {"initContainers", "initContainerStatuses"},
        {"ephemeralContainers", "ephemeralContainerStatuses"}};
    size_t k, i;

    for (k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
        const json_t *c;
        json_array_foreach(json_object_get(spec, lists[k][0]), i, c)
        {
            const char *image = kube_images_str(c, "image");
            const char *id;
            char *ref;
            if (!image || !*image)
                continue;
            id = status ? kube_images_status_id(
                              json_object_get(status, lists[k][1]),
                              kube_images_str(c, "name"))
                        : NULL;
            ref = kube_images_ref(image, id);
            if (tmpl)
                json_array_append_new(tmpl, json_pack("[s, s]", ref, image));
            else
                kube_images_note(ki, ref, image, owner);
            free(ref);
        }
    }
}

void kube_images_add(struct kube_images *ki, const char *kind,
                     const json_t *obj)
{
    const json_t *meta = json_object_get(obj, "metadata");
    const json_t *spec = json_object_get(obj, "spec");
    const char *name = kube_images_str(meta, "name");
    const char *ns = kube_images_str(meta, "namespace");
    char *owner, *self;
    json_t *tmpl;

    if (!kind || !name || !json_is_object(spec))
        return;
    owner = kube_images_owner(meta);
    self = kube_images_key(kind, ns, name);
    if (strcmp(kind, "Pod") == 0) {
        kube_images_spec(ki, spec, json_object_get(obj, "status"),
                         owner ? owner : self, NULL);
        goto out;
    }
    if (owner && (strcmp(kind, "ReplicaSet") == 0 || strcmp(kind, "Job") == 0))
        json_object_set_new(ki->owners, self, json_string(owner));
    if (owner)
        goto out; /* its template is its owner's */
    if (strcmp(kind, "CronJob") == 0)
        spec = json_object_get(
            json_object_get(json_object_get(spec, "jobTemplate"), "spec"),
            "template");
    else if (strcmp(kind, "Deployment") == 0 ||
             strcmp(kind, "StatefulSet") == 0 ||
             strcmp(kind, "DaemonSet") == 0 ||
             strcmp(kind, "ReplicaSet") == 0 || strcmp(kind, "Job") == 0 ||
             strcmp(kind, "ReplicationController") == 0)
        spec = json_object_get(spec, "template");
    else
        goto out;
    spec = json_object_get(spec, "spec");
    if (!json_is_object(spec))
        goto out;
    tmpl = json_array();
    kube_images_spec(ki, spec, NULL, NULL, tmpl);
    if (json_array_size(tmpl))
        json_object_set_new(ki->templates, self, tmpl);
    else
        json_decref(tmpl);
out:
    free(owner);
    free(self);
}

int kube_images_observe(void *arg, const struct resource *r, struct err *e)
{
    (void)e;
    if (strncmp(r->kind, "k8s/", 4) == 0)
        kube_images_add(arg, r->kind + 4, r->doc);
    return 0;
}

const char **kube_images_kinds(const char *const *want)
{
    static const char *const add[] = {
        "k8s/Pod",        "k8s/ReplicaSet",
        "k8s/Deployment", "k8s/StatefulSet",
        "k8s/DaemonSet",  "k8s/Job",
        "k8s/CronJob",    "k8s/ReplicationController"};
    const char **v;
    size_t n = 0, i;

    if (!want)
        return NULL;
    while (want[n])
        n++;
    v = xcalloc(n + sizeof(add) / sizeof(add[0]) + 1, sizeof(*v));
    for (i = 0; i < n; i++)
        v[i] = want[i];
    for (i = 0; i < sizeof(add) / sizeof(add[0]); i++)
        v[n + i] = add[i];
    return v;
}

/* ---- the end: each image once --------------------------------------- */

/* The top owner of key through the listed ReplicaSets and Jobs. */
static const char *kube_images_top(const struct kube_images *ki,
                                   const char *key)
{
    const char *up;
    int hops;

    for (hops = 0;
         hops < 8 && (up = json_string_value(json_object_get(ki->owners, key)));
         hops++)
        key = up;
    return key;
}

static int kube_images_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of set, sorted: an array the caller frees (not the keys). */
static const char **kube_images_keys(const json_t *set, size_t *n)
{
    const char **v = xcalloc(json_object_size(set) + 1, sizeof(*v));
    const char *k;
    json_t *val;

    *n = 0;
    json_object_foreach((json_t *)set, k, val) v[(*n)++] = k;
    qsort(v, *n, sizeof(*v), kube_images_cmp);
    return v;
}

static json_t *kube_images_workload(const char *key)
{
    const char *a = strchr(key, KI_SEP), *b = a ? strchr(a + 1, KI_SEP) : NULL;
    json_t *w;

    if (!b)
        return json_pack("{s:s, s:n, s:s}", "kind", "?", "namespace", "name",
                         key);
    w = json_pack("{s:s%, s:s%, s:s}", "kind", key, (size_t)(a - key),
                  "namespace", a + 1, (size_t)(b - a - 1), "name", b + 1);
    if (w && b == a + 1)
        json_object_set_new(w, "namespace", json_null());
    return w;
}

static json_t *kube_images_context(const struct kube_images *ki,
                                   const json_t *entry)
{
    const json_t *owners = json_object_get(entry, "owners");
    const json_t *refs = json_object_get(entry, "refs");
    json_t *ws = json_array(), *rs = json_array();
    const char **keys;
    size_t n, i;

    keys = kube_images_keys(owners, &n);
    for (i = 0; i < n && i < KUBE_IMAGES_NAMED; i++)
        json_array_append_new(ws, kube_images_workload(keys[i]));
    free(keys);
    keys = kube_images_keys(refs, &n);
    for (i = 0; i < n && i < KUBE_IMAGES_NAMED; i++)
        json_array_append_new(rs, json_string_lossy(keys[i]));
    free(keys);
    return json_pack(
        "{s:s, s:o, s:I, s:o}", "via", ki->via, "workloads", ws,
        "workloads_more",
        (json_int_t)(json_object_size(owners) > KUBE_IMAGES_NAMED
                         ? json_object_size(owners) - KUBE_IMAGES_NAMED
                         : 0),
        "references", rs);
}

int kube_images_flush(struct kube_images *ki, struct collect_ctx *ctx,
                      struct err *e)
{
    json_t *with_pods = json_object(), *entry, *val, *t;
    const char *ref, *key, **refs;
    size_t n, i;
    int rc = 0;

    /* pods' owners as their top owners */
    json_object_foreach(ki->images, ref, entry)
    {
        json_t *top = json_object();
        json_object_foreach(json_object_get(entry, "owners"), key, val)
        {
            const char *k = kube_images_top(ki, key);
            json_object_set_new(top, k, json_true());
            json_object_set_new(with_pods, k, json_true());
        }
        json_object_set_new(entry, "owners", top);
    }
    /* the templates of workloads without a pod */
    json_object_foreach(ki->templates, key, val)
    {
        if (json_object_get(with_pods, key))
            continue;
        json_array_foreach(val, i, t)
            kube_images_note(ki, json_string_value(json_array_get(t, 0)),
                             json_string_value(json_array_get(t, 1)), key);
    }
    json_decref(with_pods);
    refs = kube_images_keys(ki->images, &n);
    for (i = 0; i < n && rc == 0; i++) {
        json_t *context =
            kube_images_context(ki, json_object_get(ki->images, refs[i]));
        rc = ctx->add_target(ctx, "image", refs[i], context, e);
        json_decref(context);
    }
    free(refs);
    return rc;
}
