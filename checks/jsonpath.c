/* jsonpath.c: parse and resolve rule paths; see jsonpath.h. */
#include "jsonpath.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static int jp_plain_key(const char *key)
{
    const char *k;
    int plain = *key != '\0';

    for (k = key; *k; k++)
        if (!(isalnum((unsigned char)*k) || *k == '_' || *k == '-'))
            plain = 0;
    return plain;
}

static void jp_add_seg(struct jpath *p, enum jp_seg_type t, char *key,
                       long index)
{
    p->segs = xrealloc(p->segs, (p->nsegs + 1) * sizeof(*p->segs));
    p->segs[p->nsegs].type = t;
    p->segs[p->nsegs].key = key;
    p->segs[p->nsegs].keylen = key ? strlen(key) : 0;
    p->segs[p->nsegs].index = index;
    p->segs[p->nsegs].plain = key ? jp_plain_key(key) : 0;
    p->nsegs++;
    if (t == JP_WILD)
        p->has_wild = 1;
}

static int jp_ident(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '/' ||
           c == '$';
}

static void jp_add_segs(struct strbuf *sb, struct jpath *p);

/* Writes p's segments once, as after a prefix: evidence names the path of
 * every value a check looks at. */
static void jp_set_segtext(struct jpath *p)
{
    struct strbuf sb = STRBUF_INIT;

    sb_add(&sb, ".", 1); /* a prefix, so that plain keys get their '.' */
    jp_add_segs(&sb, p);
    /* offsets were taken after the prefix */
    p->segtext_len = sb.len - 1;
    p->segtext = xmalloc(p->segtext_len + 1);
    memcpy(p->segtext, sb.buf + 1, p->segtext_len + 1);
    sb_release(&sb);
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
        } anchors[] = {{"$pod", JP_POD},
                       {"$podmeta", JP_PODMETA},
                       {"$containers", JP_CONTAINERS},
                       {"$sc", JP_SC}};
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
                    "$podmeta, $containers, $sc)",
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
    } else if (strcmp(s, "@") == 0) {
        /* the current value itself: an element of `each`, such as a
         * string of data[*] */
        s++;
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
    jp_set_segtext(p);
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
    free(p->segtext);
    free(p);
}

void jp_matches_release(struct jp_matches *ms)
{
    free(ms->m);
    sb_release(&ms->paths);
    ms->m = NULL;
    ms->n = ms->cap = 0;
}

void jp_matches_clear(struct jp_matches *ms)
{
    ms->n = 0;
    sb_setlen(&ms->paths, 0);
}

/* Paths share one buffer rather than one allocation each: rules resolve
 * millions of paths in a large scan. */
void jp_matches_add(struct jp_matches *ms, json_t *v, const char *path,
                    size_t len)
{
    const char *old = ms->paths.buf;
    size_t off = ms->paths.len, i;

    if (ms->n == ms->cap) {
        ms->cap = ms->cap ? 2 * ms->cap : 4;
        ms->m = xrealloc(ms->m, ms->cap * sizeof(*ms->m));
    }
    sb_add(&ms->paths, path, len);
    sb_add(&ms->paths, "", 1); /* keeps each path's NUL */
    ms->m[ms->n].v = v;
    ms->m[ms->n].off = off;
    ms->n++;
    if (ms->paths.buf != old) {
        for (i = 0; i < ms->n; i++)
            ms->m[i].path = ms->paths.buf + ms->m[i].off;
    } else {
        ms->m[ms->n - 1].path = ms->paths.buf + off;
    }
}

static void jp_push(struct jp_matches *ms, json_t *v, const struct strbuf *sb)
{
    jp_matches_add(ms, v, sb_str(sb), sb->len);
}

void jpath_add_key(struct strbuf *sb, const char *key)
{
    if (jp_plain_key(key)) {
        if (sb->len)
            sb_add(sb, ".", 1);
        sb_adds(sb, key);
    } else {
        sb_addf(sb, "[\"%s\"]", key);
    }
}

/* jpath_add_key for a parsed segment, whose kind of key is known. */
static void jp_add_seg_key(struct strbuf *sb, const struct jp_seg *seg)
{
    if (seg->plain) {
        if (sb->len)
            sb_add(sb, ".", 1);
        sb_add(sb, seg->key, seg->keylen);
    } else {
        sb_add(sb, "[\"", 2);
        sb_add(sb, seg->key, seg->keylen);
        sb_add(sb, "\"]", 2);
    }
}

/* Appends "[n]" (printf is a measurable cost at this rate). */
static void jp_add_index(struct strbuf *sb, size_t n)
{
    char buf[24], *q = buf + sizeof(buf);

    *--q = ']';
    do {
        *--q = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    *--q = '[';
    sb_add(sb, q, (size_t)(buf + sizeof(buf) - q));
}

/* Appends p's segments to sb, noting where each starts (after sb's
 * first byte, see jp_set_segtext). */
static void jp_add_segs(struct strbuf *sb, struct jpath *p)
{
    size_t i;

    for (i = 0; i < p->nsegs; i++) {
        p->segs[i].at = sb->len - 1;
        if (p->segs[i].type == JP_KEY)
            jp_add_seg_key(sb, &p->segs[i]);
        else if (p->segs[i].type == JP_INDEX)
            sb_addf(sb, "[%ld]", p->segs[i].index);
        else
            sb_adds(sb, "[*]");
    }
}

const char *jpath_type_name(const json_t *v)
{
    if (!v)
        return "absent";
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        break;
    }
    return "null";
}

/* What a segment needs to go down into. */
static const char *jp_seg_wants(enum jp_seg_type t)
{
    return t == JP_KEY ? "object" : t == JP_INDEX ? "array" : "array or object";
}

/* Appends p's segments from i on, as they follow what sb holds. */
static void jp_add_rest(struct strbuf *sb, const struct jpath *p, size_t i)
{
    const char *s = p->segtext + p->segs[i].at;
    size_t len = p->segtext_len - p->segs[i].at;

    if (!sb->len && len && *s == '.') {
        s++;
        len--;
    }
    sb_add(sb, s, len);
}

/* One resolution: the path, where the value being looked at is (sb),
 * the matches, and the first wrong type met (bad, with e set). */
struct jp_walker {
    const struct jpath *p;
    struct strbuf *sb;
    struct jp_matches *ms;
    struct err *e;
    int bad;
};

static size_t jp_wrong_type(struct jp_walker *w, const json_t *v, size_t i)
{
    if (!w->bad)
        err_set(w->e, "%s: found %s, expected %s",
                w->sb->len ? sb_str(w->sb) : "the document", jpath_type_name(v),
                jp_seg_wants(w->p->segs[i].type));
    w->bad = 1;
    return 0;
}

/*
 * A collector's stand-in for a value it could not read (a denied API
 * call): an object whose only member is "$error", a string saying why.
 * Any path through it resolves to that error, so exactly the rules that
 * read the value are `error`, never judged on its absence.
 */
static const char *jp_unavailable(const json_t *v)
{
    if (!json_is_object(v) || json_object_size(v) != 1)
        return NULL;
    return json_string_value(json_object_get(v, "$error"));
}

static size_t jp_unavailable_err(struct jp_walker *w, const json_t *v)
{
    if (!w->bad)
        err_set(w->e, "%s: %s", w->sb->len ? sb_str(w->sb) : "the document",
                jp_unavailable(v));
    w->bad = 1;
    return 0;
}

/* The element c of a wildcard (located at sb) down the rest of the path
 * from i: its matches, or one absent match where it lacks the rest. */
static size_t jp_walk(struct jp_walker *w, size_t i, json_t *v);

static size_t jp_walk_elem(struct jp_walker *w, size_t i, json_t *c)
{
    size_t n = jp_walk(w, i, c);

    if (n == 0 && !w->bad) {
        jp_add_rest(w->sb, w->p, i);
        jp_push(w->ms, NULL, w->sb);
        n = 1;
    }
    return n;
}

/*
 * Walks segments from i below v (located at sb). Returns how many matches
 * it added; with none and no wildcard, the caller records the absent path.
 */
static size_t jp_walk(struct jp_walker *w, size_t i, json_t *v)
{
    const struct jpath *p = w->p;
    struct strbuf *sb = w->sb;
    size_t mark = sb->len, added = 0;

    if (v && jp_unavailable(v))
        return jp_unavailable_err(w, v);
    if (i == p->nsegs) {
        jp_push(w->ms, v, sb);
        return 1;
    }
    if (!v || json_is_null(v))
        return 0;
    switch (p->segs[i].type) {
    case JP_KEY: {
        json_t *c;
        if (!json_is_object(v))
            return jp_wrong_type(w, v, i);
        c = json_object_getn(v, p->segs[i].key, p->segs[i].keylen);
        if (c) {
            jp_add_seg_key(sb, &p->segs[i]);
            added = jp_walk(w, i + 1, c);
        }
        break;
    }
    case JP_INDEX: {
        json_t *c;
        if (!json_is_array(v))
            return jp_wrong_type(w, v, i);
        c = json_array_get(v, (size_t)p->segs[i].index);
        if (c) {
            jp_add_index(sb, (size_t)p->segs[i].index);
            added = jp_walk(w, i + 1, c);
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
                jp_add_index(sb, k);
                added += jp_walk_elem(w, i + 1, c);
                sb_setlen(sb, mark);
                if (w->bad)
                    break;
            }
        } else if (json_is_object(v)) {
            json_object_foreach(v, key, c)
            {
                jpath_add_key(sb, key);
                added += jp_walk_elem(w, i + 1, c);
                sb_setlen(sb, mark);
                if (w->bad)
                    break;
            }
        } else {
            return jp_wrong_type(w, v, i);
        }
        break;
    }
    }
    sb_setlen(sb, mark);
    return added;
}

void jp_scratch_release(struct jp_scratch *x)
{
    sb_release(&x->walk);
    sb_release(&x->base);
}

/* Resolves p's segments from start located at base. The path being built
 * lives in x->walk (resolution never nests). */
static int jp_from(const struct jpath *p, json_t *start, const char *base,
                   struct jp_scratch *x, struct jp_matches *ms, struct err *e)
{
    struct strbuf *sb = &x->walk;
    struct jp_walker w = {p, sb, ms, e, 0};

    sb_setlen(sb, 0);
    sb_adds(sb, base);
    if (jp_walk(&w, 0, start) == 0 && !w.bad && !p->has_wild) {
        jpath_render(sb, p);
        jp_push(ms, NULL, sb);
    }
    return w.bad ? -1 : 0;
}

/* Where a workload kind keeps the template of its pods. */
enum jp_tmpl { JT_POD, JT_PODTEMPLATE, JT_CRONJOB, JT_SPEC_TEMPLATE };

static const char *const jp_spec_paths[] = {
    "spec", "template.spec", "spec.jobTemplate.spec.template.spec",
    "spec.template.spec"};
static const char *const jp_meta_paths[] = {
    "metadata", "template.metadata", "spec.jobTemplate.spec.template.metadata",
    "spec.template.metadata"};

/*
 * The object holding the pod template's spec and metadata (a Pod: the
 * document itself), or NULL when kind has none; *form says where it was.
 */
static json_t *jp_pod_template(json_t *doc, const char *kind,
                               enum jp_tmpl *form)
{
    /* Kinds whose template is spec.template, by their first letter after
     * "k8s/" (this runs for every anchored path a rule resolves). */
    static const char *const templated[] = {
        "Deployment", "StatefulSet",           "DaemonSet",
        "ReplicaSet", "ReplicationController", "Job"};
    const char *k;
    json_t *spec;
    size_t i;

    if (strncmp(kind, "k8s/", 4) != 0)
        return NULL;
    k = kind + 4;
    if (strcmp(k, "Pod") == 0) {
        *form = JT_POD;
        return doc;
    }
    if (strcmp(k, "PodTemplate") == 0) {
        *form = JT_PODTEMPLATE;
        return json_object_get(doc, "template");
    }
    spec = json_object_get(doc, "spec");
    if (strcmp(k, "CronJob") == 0) {
        *form = JT_CRONJOB;
        spec = json_object_get(json_object_get(spec, "jobTemplate"), "spec");
    } else {
        for (i = 0; i < sizeof(templated) / sizeof(templated[0]); i++)
            if (k[0] == templated[i][0] && strcmp(k, templated[i]) == 0)
                break;
        if (i == sizeof(templated) / sizeof(templated[0]))
            return NULL;
        *form = JT_SPEC_TEMPLATE;
    }
    return json_object_get(spec, "template");
}

/* Member name of the pod template of doc (a kind's form gives its path
 * among paths), or NULL. */
static json_t *jp_pod_member(json_t *doc, const char *kind, const char *name,
                             const char *const *paths, const char **path,
                             enum jp_tmpl *form)
{
    json_t *t = jp_pod_template(doc, kind, form);

    if (!t)
        return NULL;
    *path = paths[*form];
    return json_object_get(t, name);
}

json_t *jpath_pod_spec(json_t *doc, const char *kind, const char **path)
{
    enum jp_tmpl form = JT_POD;
    json_t *spec = jp_pod_member(doc, kind, "spec", jp_spec_paths, path, &form);

    /* a PodTemplate's spec is taken as it is: its checks say what it holds */
    return json_is_object(spec) || form == JT_PODTEMPLATE ? spec : NULL;
}

json_t *jpath_pod_meta(json_t *doc, const char *kind, const char **path)
{
    enum jp_tmpl form = JT_POD;
    json_t *meta =
        jp_pod_member(doc, kind, "metadata", jp_meta_paths, path, &form);

    return json_is_object(meta) ? meta : NULL;
}

/* jpath_pod_spec of the scope's document, asked once per resource by
 * callers that set pod_known. */
static json_t *jp_pod(const struct jp_scope *sc, const char **path)
{
    if (sc->pod_known) {
        *path = sc->pod_path;
        return sc->pod;
    }
    return jpath_pod_spec(sc->doc, sc->kind, path);
}

static int jp_containers(const struct jp_scope *sc, const struct jpath *p,
                         struct jp_scratch *x, struct jp_matches *ms,
                         struct err *e)
{
    static const char *const lists[] = {"containers", "initContainers",
                                        "ephemeralContainers"};
    const char *podpath;
    json_t *pod = jp_pod(sc, &podpath);
    size_t i, k, before = ms->n, len, n;
    struct strbuf *base = &x->base;
    json_t *c;

    if (!pod)
        return err_set(e, "%s has no pod spec for %s", sc->kind, p->text);
    for (i = 0; i < 3; i++) {
        json_t *arr = json_object_get(pod, lists[i]);
        if (!arr || json_is_null(arr))
            continue;
        sb_setlen(base, 0);
        sb_adds(base, podpath);
        sb_add(base, ".", 1);
        sb_adds(base, lists[i]);
        /* A container list or a container of another type is malformed,
         * never a workload without containers to judge. */
        if (!json_is_array(arr))
            return err_set(e, "%s: found %s, expected array", sb_str(base),
                           jpath_type_name(arr));
        len = base->len;
        json_array_foreach(arr, k, c)
        {
            sb_setlen(base, len);
            jp_add_index(base, k);
            if (!json_is_object(c))
                return err_set(e, "%s: found %s, expected object", sb_str(base),
                               jpath_type_name(c));
            n = ms->n;
            if (jp_from(p, c, base->buf, x, ms, e))
                return -1;
            if (ms->n == n) {
                /* a container the wildcard path finds nothing in: absent
                 * for it, as for an element of "containers[*]" */
                jpath_render(base, p);
                jp_push(ms, NULL, base);
            }
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
    if (ms->n > from) {
        sb_setlen(&ms->paths, ms->m[from].off);
        ms->n = from;
    }
}

/*
 * $sc.X: the effective security context, setting by setting, the way the
 * kubelet computes it: the container's value where it sets one, else the
 * pod's. Resolving the whole path on each side (not just the first field)
 * matters for nested settings: a container's windowsOptions with only
 * runAsUserName set must not hide the pod's windowsOptions.hostProcess.
 */
static int jp_security_context(const struct jp_scope *sc, const struct jpath *p,
                               struct jp_scratch *x, struct jp_matches *ms,
                               struct err *e)
{
    const char *podpath;
    json_t *pod;
    struct strbuf *base = &x->base;
    size_t before = ms->n, absent;

    if (!sc->container)
        return err_set(e,
                       "%s: $sc is only meaningful inside "
                       "each: $containers",
                       p->text);
    if (p->nsegs == 0 || p->segs[0].type != JP_KEY)
        return err_set(e, "%s: $sc must be followed by a field name", p->text);
    sb_setlen(base, 0);
    sb_adds(base, sc->container_path);
    sb_adds(base, ".securityContext");
    if (jp_from(p, json_object_get(sc->container, "securityContext"),
                sb_str(base), x, ms, e))
        return -1;
    if (jp_any_set(ms, before))
        goto out;
    absent = ms->n;
    pod = jp_pod(sc, &podpath);
    if (pod) {
        sb_setlen(base, 0);
        sb_adds(base, podpath);
        sb_adds(base, ".securityContext");
        if (jp_from(p, json_object_get(pod, "securityContext"), sb_str(base), x,
                    ms, e))
            return -1;
        if (jp_any_set(ms, absent)) {
            /* keep only the pod's matches (their paths stay where they
             * are in the buffer) */
            size_t n = ms->n - absent;
            memmove(ms->m + before, ms->m + absent, n * sizeof(*ms->m));
            ms->n = before + n;
            goto out;
        }
    }
    /* Set nowhere: what the container had (absent, or null). */
    jp_drop_from(ms, absent);
out:
    return 0;
}

const char *jpath_segments(const struct jpath *p, int prefixed, size_t *len)
{
    /* Only a plain key (written ".key") depends on what comes before;
     * every other segment starts with '['. */
    if (!prefixed && p->segtext_len && p->segtext[0] == '.') {
        *len = p->segtext_len - 1;
        return p->segtext + 1;
    }
    *len = p->segtext_len;
    return p->segtext;
}

void jpath_render(struct strbuf *sb, const struct jpath *p)
{
    size_t len;
    const char *s = jpath_segments(p, sb->len != 0, &len);

    sb_add(sb, s, len);
}

/* The value p's segments name below v, without paths; NULL if absent.
 * A value of the wrong type on the way: NULL, with *bad its segment and
 * *badv the value (left alone otherwise). */
static json_t *jp_walk_one(const struct jpath *p, json_t *v, size_t *bad,
                           json_t **badv)
{
    size_t i;

    for (i = 0; i < p->nsegs && v; i++) {
        if (jp_unavailable(v)) {
            *bad = i;
            *badv = v;
            return NULL;
        }
        if (p->segs[i].type == JP_KEY && json_is_object(v))
            v = json_object_getn(v, p->segs[i].key, p->segs[i].keylen);
        else if (p->segs[i].type == JP_INDEX && json_is_array(v))
            v = json_array_get(v, (size_t)p->segs[i].index);
        else if (json_is_null(v))
            return NULL;
        else {
            /* wrong type (wildcards are not for this walk: never here) */
            *bad = i;
            *badv = v;
            return NULL;
        }
    }
    if (v && jp_unavailable(v)) {
        *bad = i;
        *badv = v;
        return NULL;
    }
    return v;
}

static int jp_is_set(const json_t *v)
{
    return v && !json_is_null(v);
}

static const char jp_sc_mid[] = ".securityContext";

/* The error of jp_walk_one's wrong type at segment bad below base+mid. */
static int jp_one_wrong_type(const struct jpath *p, const char *base,
                             const char *mid, size_t bad, const json_t *badv,
                             struct err *e)
{
    const char *segs = p->segtext;
    size_t len;

    if (bad < p->nsegs)
        len = p->segs[bad].at;
    else
        len = p->segtext_len;
    if (!*base && !*mid && len && *segs == '.') {
        segs++;
        len--;
    }
    if (jp_unavailable(badv))
        return err_set(e, "%s%s%.*s: %s", base, mid, (int)len, segs,
                       jp_unavailable(badv));
    return err_set(e, "%s%s%.*s: found %s, expected %s", base, mid, (int)len,
                   segs, jpath_type_name(badv),
                   jp_seg_wants(p->segs[bad].type));
}

/* The same answers as jpath_resolve gives for these paths, value by
 * value and path by path (jp_from, jp_security_context): engine checks
 * resolve millions of them, and building each path is most of the
 * work. */
int jpath_resolve_one(const struct jpath *p, const struct jp_scope *sc,
                      struct jp_one *out, struct err *e)
{
    const char *podpath;
    json_t *pod, *v, *badv = NULL;
    size_t bad = (size_t)-1;

    out->mid = "";
    out->mid_len = 0;
    switch (p->anchor) {
    case JP_NONE:
        out->v = jp_walk_one(p, sc->cur, &bad, &badv);
        out->base = sc->cur_path;
        break;
    case JP_POD:
        pod = jp_pod(sc, &podpath);
        if (!pod)
            return err_set(e, "%s has no pod spec for %s", sc->kind, p->text);
        out->v = jp_walk_one(p, pod, &bad, &badv);
        out->base = podpath;
        break;
    case JP_PODMETA:
        pod = jpath_pod_meta(sc->doc, sc->kind, &podpath);
        if (!pod)
            return err_set(e, "%s has no pod metadata for %s", sc->kind,
                           p->text);
        out->v = jp_walk_one(p, pod, &bad, &badv);
        out->base = podpath;
        break;
    case JP_SC:
        if (!sc->container)
            return err_set(e,
                           "%s: $sc is only meaningful inside "
                           "each: $containers",
                           p->text);
        if (p->nsegs == 0 || p->segs[0].type != JP_KEY)
            return err_set(e, "%s: $sc must be followed by a field name",
                           p->text);
        out->mid = jp_sc_mid;
        out->mid_len = sizeof(jp_sc_mid) - 1;
        out->base = sc->container_path;
        out->v = jp_walk_one(
            p, json_object_get(sc->container, "securityContext"), &bad, &badv);
        if (jp_is_set(out->v) || bad != (size_t)-1)
            break;
        pod = jp_pod(sc, &podpath);
        if (pod) {
            v = jp_walk_one(p, json_object_get(pod, "securityContext"), &bad,
                            &badv);
            if (bad != (size_t)-1)
                return jp_one_wrong_type(p, podpath, jp_sc_mid, bad, badv, e);
            if (jp_is_set(v)) {
                out->v = v;
                out->base = podpath;
            }
        }
        return 0;
    case JP_CONTAINERS:
        return err_set(e, "%s: more than one value", p->text);
    }
    if (bad != (size_t)-1)
        return jp_one_wrong_type(p, out->base, out->mid, bad, badv, e);
    return 0;
}

static int jp_resolve(const struct jpath *p, const struct jp_scope *sc,
                      struct jp_scratch *x, struct jp_matches *ms,
                      struct err *e)
{
    const char *podpath;
    json_t *pod;

    switch (p->anchor) {
    case JP_NONE:
        return jp_from(p, sc->cur, sc->cur_path, x, ms, e);
    case JP_POD:
        pod = jp_pod(sc, &podpath);
        if (!pod)
            return err_set(e, "%s has no pod spec for %s", sc->kind, p->text);
        return jp_from(p, pod, podpath, x, ms, e);
    case JP_PODMETA:
        pod = jpath_pod_meta(sc->doc, sc->kind, &podpath);
        if (!pod)
            return err_set(e, "%s has no pod metadata for %s", sc->kind,
                           p->text);
        return jp_from(p, pod, podpath, x, ms, e);
    case JP_CONTAINERS:
        return jp_containers(sc, p, x, ms, e);
    case JP_SC:
        return jp_security_context(sc, p, x, ms, e);
    }
    return 0;
}

int jpath_resolve(const struct jpath *p, const struct jp_scope *sc,
                  struct jp_matches *ms, struct err *e)
{
    struct jp_scratch own = {STRBUF_INIT, STRBUF_INIT};
    int rc;

    if (sc->scratch)
        return jp_resolve(p, sc, sc->scratch, ms, e);
    rc = jp_resolve(p, sc, &own, ms, e);
    jp_scratch_release(&own);
    return rc;
}
