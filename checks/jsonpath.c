/* jsonpath.c: parse and resolve rule paths; see jsonpath.h. */
#include "jsonpath.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static void jp_add_seg(struct jpath *p, enum jp_seg_type t, char *key,
                       long index)
{
    p->segs = xrealloc(p->segs, (p->nsegs + 1) * sizeof(*p->segs));
    p->segs[p->nsegs].type = t;
    p->segs[p->nsegs].key = key;
    p->segs[p->nsegs].keylen = key ? strlen(key) : 0;
    p->segs[p->nsegs].index = index;
    p->nsegs++;
    if (t == JP_WILD)
        p->has_wild = 1;
}

static int jp_ident(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '/' ||
           c == '$';
}

struct jpath *jpath_parse(const char *text, struct err *e)
{
    struct jpath *p = xcalloc(1, sizeof(*p));
    const char *s = text;

    p->text = xstrdup(text);
    if (*s == '$') {
        static const struct {
            const char *name;
            enum jp_anchor a;
        } anchors[] = {
            {"$pod", JP_POD}, {"$containers", JP_CONTAINERS}, {"$sc", JP_SC}};
        size_t i, n = 1;
        while (isalnum((unsigned char)s[n]) || s[n] == '_')
            n++;
        for (i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++)
            if (strlen(anchors[i].name) == n &&
                memcmp(anchors[i].name, s, n) == 0)
                break;
        if (i == sizeof(anchors) / sizeof(anchors[0])) {
            err_set(e,
                    "path \"%s\": unknown anchor \"%.*s\" (known: $pod, "
                    "$containers, $sc)",
                    text, (int)n, s);
            goto fail;
        }
        p->anchor = anchors[i].a;
        s += n;
        if (*s == '.' && !s[1]) {
            err_set(e, "path \"%s\": empty segment after the anchor", text);
            goto fail;
        }
        if (*s == '.')
            s++;
        else if (*s && *s != '[') {
            err_set(e, "path \"%s\": expected '.' or '[' after the anchor",
                    text);
            goto fail;
        }
    } else if (!*s) {
        err_set(e, "empty path");
        goto fail;
    }
    while (*s) {
        if (*s == '[') {
            s++;
            if (*s == '*' && s[1] == ']') {
                jp_add_seg(p, JP_WILD, NULL, 0);
                s += 2;
            } else if (*s == '"' || *s == '\'') {
                char q = *s++;
                const char *start = s;
                while (*s && *s != q)
                    s++;
                if (*s != q || s[1] != ']') {
                    err_set(e, "path \"%s\": unterminated quoted key", text);
                    goto fail;
                }
                jp_add_seg(p, JP_KEY, xstrndup(start, (size_t)(s - start)), 0);
                s += 2;
            } else if (isdigit((unsigned char)*s)) {
                char *end;
                long idx;
                errno = 0;
                idx = strtol(s, &end, 10);
                if (errno || *end != ']') {
                    err_set(e, "path \"%s\": bad index", text);
                    goto fail;
                }
                jp_add_seg(p, JP_INDEX, NULL, idx);
                s = end + 1;
            } else {
                err_set(e,
                        "path \"%s\": expected *, a number or a quoted "
                        "key after '['",
                        text);
                goto fail;
            }
        } else {
            const char *start = s;
            while (jp_ident(*s) && *s != '$')
                s++;
            if (s == start) {
                err_set(e, "path \"%s\": unexpected '%c'", text, *s);
                goto fail;
            }
            jp_add_seg(p, JP_KEY, xstrndup(start, (size_t)(s - start)), 0);
        }
        if (*s == '.') {
            s++;
            if (!*s || *s == '.' || *s == '[') {
                err_set(e, "path \"%s\": empty segment", text);
                goto fail;
            }
        } else if (*s && *s != '[') {
            err_set(e, "path \"%s\": unexpected '%c'", text, *s);
            goto fail;
        }
    }
    return p;
fail:
    jpath_free(p);
    return NULL;
}

void jpath_free(struct jpath *p)
{
    size_t i;

    if (!p)
        return;
    for (i = 0; i < p->nsegs; i++)
        free(p->segs[i].key);
    free(p->segs);
    free(p->text);
    free(p);
}

void jp_matches_release(struct jp_matches *ms)
{
    size_t i;

    for (i = 0; i < ms->n; i++)
        free(ms->m[i].path);
    free(ms->m);
    ms->m = NULL;
    ms->n = ms->cap = 0;
}

static void jp_push(struct jp_matches *ms, json_t *v, const char *path)
{
    if (ms->n == ms->cap) {
        ms->cap = ms->cap ? 2 * ms->cap : 4;
        ms->m = xrealloc(ms->m, ms->cap * sizeof(*ms->m));
    }
    ms->m[ms->n].v = v;
    ms->m[ms->n].path = xstrdup(path);
    ms->n++;
}

void jpath_add_key(struct strbuf *sb, const char *key)
{
    const char *k;
    int plain = *key != '\0';

    for (k = key; *k; k++)
        if (!(isalnum((unsigned char)*k) || *k == '_' || *k == '-'))
            plain = 0;
    if (plain) {
        if (sb->len)
            sb_add(sb, ".", 1);
        sb_adds(sb, key);
    } else {
        sb_addf(sb, "[\"%s\"]", key);
    }
}

static void jp_add_rest(struct strbuf *sb, const struct jpath *p, size_t i)
{
    for (; i < p->nsegs; i++) {
        if (p->segs[i].type == JP_KEY)
            jpath_add_key(sb, p->segs[i].key);
        else if (p->segs[i].type == JP_INDEX)
            sb_addf(sb, "[%ld]", p->segs[i].index);
        else
            sb_adds(sb, "[*]");
    }
}

/*
 * Walks segments from i below v (located at sb). Returns how many matches
 * it added; with none and no wildcard, the caller records the absent path.
 */
static size_t jp_walk(const struct jpath *p, size_t i, json_t *v,
                      struct strbuf *sb, struct jp_matches *ms)
{
    size_t mark = sb->len, added = 0;

    if (i == p->nsegs) {
        jp_push(ms, v, sb_str(sb));
        return 1;
    }
    switch (p->segs[i].type) {
    case JP_KEY: {
        json_t *c = json_is_object(v)
                        ? json_object_getn(v, p->segs[i].key, p->segs[i].keylen)
                        : NULL;
        if (c) {
            jpath_add_key(sb, p->segs[i].key);
            added = jp_walk(p, i + 1, c, sb, ms);
        }
        break;
    }
    case JP_INDEX: {
        json_t *c = json_is_array(v)
                        ? json_array_get(v, (size_t)p->segs[i].index)
                        : NULL;
        if (c) {
            sb_addf(sb, "[%ld]", p->segs[i].index);
            added = jp_walk(p, i + 1, c, sb, ms);
        }
        break;
    }
    case JP_WILD: {
        size_t k;
        json_t *c;
        const char *key;
        if (json_is_array(v)) {
            json_array_foreach(v, k, c)
            {
                sb_addf(sb, "[%zu]", k);
                added += jp_walk(p, i + 1, c, sb, ms);
                sb_setlen(sb, mark);
            }
        } else if (json_is_object(v)) {
            json_object_foreach(v, key, c)
            {
                jpath_add_key(sb, key);
                added += jp_walk(p, i + 1, c, sb, ms);
                sb_setlen(sb, mark);
            }
        }
        break;
    }
    }
    sb_setlen(sb, mark);
    return added;
}

/* Resolves p's segments from start located at base. */
static void jp_from(const struct jpath *p, size_t first, json_t *start,
                    const char *base, struct jp_matches *ms)
{
    struct strbuf sb = STRBUF_INIT;

    sb_adds(&sb, base);
    if (jp_walk(p, first, start, &sb, ms) == 0 && !p->has_wild) {
        jp_add_rest(&sb, p, first);
        jp_push(ms, NULL, sb_str(&sb));
    }
    sb_release(&sb);
}

json_t *jpath_pod_spec(json_t *doc, const char *kind, const char **path)
{
    static const char *const templated[] = {"k8s/Deployment",
                                            "k8s/StatefulSet",
                                            "k8s/DaemonSet",
                                            "k8s/ReplicaSet",
                                            "k8s/ReplicationController",
                                            "k8s/Job",
                                            NULL};
    const char *const *t;
    json_t *spec = json_object_get(doc, "spec");

    if (strcmp(kind, "k8s/Pod") == 0) {
        *path = "spec";
        return json_is_object(spec) ? spec : NULL;
    }
    if (strcmp(kind, "k8s/CronJob") == 0) {
        *path = "spec.jobTemplate.spec.template.spec";
        spec = json_object_get(json_object_get(spec, "jobTemplate"), "spec");
    } else if (strcmp(kind, "k8s/PodTemplate") == 0) {
        *path = "template.spec";
        return json_object_get(json_object_get(doc, "template"), "spec");
    } else {
        for (t = templated; *t; t++)
            if (strcmp(kind, *t) == 0)
                break;
        if (!*t)
            return NULL;
        *path = "spec.template.spec";
    }
    spec = json_object_get(json_object_get(spec, "template"), "spec");
    return json_is_object(spec) ? spec : NULL;
}

static int jp_containers(const struct jp_scope *sc, const struct jpath *p,
                         struct jp_matches *ms, struct err *e)
{
    static const char *const lists[] = {"containers", "initContainers",
                                        "ephemeralContainers"};
    const char *podpath;
    json_t *pod = jpath_pod_spec(sc->doc, sc->kind, &podpath);
    size_t i, k, before = ms->n;
    char base[128];
    json_t *c;

    if (!pod)
        return err_set(e, "%s has no pod spec for %s", sc->kind, p->text);
    for (i = 0; i < 3; i++) {
        json_t *arr = json_object_get(pod, lists[i]);
        if (!json_is_array(arr))
            continue;
        json_array_foreach(arr, k, c)
        {
            snprintf(base, sizeof(base), "%s.%s[%zu]", podpath, lists[i], k);
            jp_from(p, 0, c, base, ms);
        }
    }
    if (ms->n == before)
        return err_set(e, "%s has no containers under %s", sc->kind, podpath);
    return 0;
}

/* $sc.X: the container's securityContext.X, else the pod's. */
/* True when a resolution found a value that is set (null counts as unset,
 * as in the API). */
static int jp_any_set(const struct jp_matches *ms, size_t from)
{
    size_t i;

    for (i = from; i < ms->n; i++)
        if (ms->m[i].v && !json_is_null(ms->m[i].v))
            return 1;
    return 0;
}

static void jp_drop_from(struct jp_matches *ms, size_t from)
{
    while (ms->n > from)
        free(ms->m[--ms->n].path);
}

/*
 * $sc.X: the effective security context, setting by setting, the way the
 * kubelet computes it: the container's value where it sets one, else the
 * pod's. Resolving the whole path on each side (not just the first field)
 * matters for nested settings: a container's windowsOptions with only
 * runAsUserName set must not hide the pod's windowsOptions.hostProcess.
 */
static int jp_security_context(const struct jp_scope *sc, const struct jpath *p,
                               struct jp_matches *ms, struct err *e)
{
    const char *podpath;
    json_t *pod;
    struct strbuf base = STRBUF_INIT;
    size_t before = ms->n, absent;

    if (!sc->container)
        return err_set(e,
                       "%s: $sc is only meaningful inside "
                       "each: $containers",
                       p->text);
    if (p->nsegs == 0 || p->segs[0].type != JP_KEY)
        return err_set(e, "%s: $sc must be followed by a field name", p->text);
    sb_adds(&base, sc->container_path);
    sb_adds(&base, ".securityContext");
    jp_from(p, 0, json_object_get(sc->container, "securityContext"),
            sb_str(&base), ms);
    if (jp_any_set(ms, before))
        goto out;
    absent = ms->n;
    pod = jpath_pod_spec(sc->doc, sc->kind, &podpath);
    if (pod) {
        sb_setlen(&base, 0);
        sb_adds(&base, podpath);
        sb_adds(&base, ".securityContext");
        jp_from(p, 0, json_object_get(pod, "securityContext"), sb_str(&base),
                ms);
        if (jp_any_set(ms, absent)) {
            /* keep only the pod's matches */
            size_t k, n = ms->n - absent;
            for (k = 0; k < absent - before; k++)
                free(ms->m[before + k].path);
            memmove(ms->m + before, ms->m + absent, n * sizeof(*ms->m));
            ms->n = before + n;
            goto out;
        }
    }
    /* Set nowhere: what the container had (absent, or null). */
    jp_drop_from(ms, absent);
out:
    sb_release(&base);
    return 0;
}

int jpath_resolve(const struct jpath *p, const struct jp_scope *sc,
                  struct jp_matches *ms, struct err *e)
{
    const char *podpath;
    json_t *pod;

    switch (p->anchor) {
    case JP_NONE:
        jp_from(p, 0, sc->cur, sc->cur_path, ms);
        return 0;
    case JP_POD:
        pod = jpath_pod_spec(sc->doc, sc->kind, &podpath);
        if (!pod)
            return err_set(e, "%s has no pod spec for %s", sc->kind, p->text);
        jp_from(p, 0, pod, podpath, ms);
        return 0;
    case JP_CONTAINERS:
        return jp_containers(sc, p, ms, e);
    case JP_SC:
        return jp_security_context(sc, p, ms, e);
    }
    return 0;
}
