/*
 * yamljson.c: libyaml events to jansson values; see yamljson.h.
 *
 * An explicit stack of frames (one per open mapping or sequence) keeps the
 * parser iterative, so depth is a counted limit and never a C stack
 * overflow. Aliases share the anchored value by reference (jansson values
 * are reference counted), and every alias adds the anchored subtree's size
 * to the document's node count, which is how alias bombs are caught before
 * anything expands them.
 */
#include "yamljson.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "util.h"
#include "banned.h"

struct yj_frame {
    json_t *node;  /* object or array being filled */
    char *key;     /* mapping: pending key, NULL when a key is expected */
    int key_merge; /* that key is the merge key ("<<" plain or !!merge) */
    long key_line;
    json_t *merged; /* mapping: keys a "<<" merge set, never set explicitly */
    char *anchor;   /* anchor of this node, registered at its end */
    size_t size;    /* nodes in this subtree so far */
    size_t bytes;   /* its text, aliases expanded, so far */
    long line;
    int is_items; /* the root mapping's "items" sequence */
};

struct yj_anchor {
    char *name;
    json_t *node;
    size_t size, bytes;
};

struct yj_state {
    struct yj_frame *stack;
    size_t depth, cap;
    struct yj_anchor *anchors;
    size_t nanchors, anchors_cap;
    json_t *root;
    long root_line;
    json_t *item_lines;
    size_t nodes;
    size_t bytes;                /* text of the document, aliases expanded */
    size_t alias_nodes, aliases; /* nodes that came from aliases; aliases */
    long first_line;
    struct err *e;
    int key_merge;       /* the scalar being added is the merge key */
    const char *tag_bad; /* a core tag its value does not fit */
};

/* s is one of three words of length n (a constant where this is inlined,
 * so each compare is a load and a compare). */
static inline int yj_is3(const char *s, size_t n, const char *a, const char *b,
                         const char *c)
{
    return memcmp(s, a, n) == 0 || memcmp(s, b, n) == 0 || memcmp(s, c, n) == 0;
}

/* The null and boolean words of YAML 1.1 (all at most 5 bytes), in the
 * spellings go-yaml v2 takes; NULL for anything else. */
static json_t *yj_resolve_word(const char *s, size_t len)
{
    switch (len) {
    case 0:
        return json_null();
    case 1:
        if (*s == '~')
            return json_null();
        if (*s == 'y' || *s == 'Y')
            return json_true();
        if (*s == 'n' || *s == 'N')
            return json_false();
        return NULL;
    case 2:
        if (yj_is3(s, 2, "on", "On", "ON"))
            return json_true();
        if (yj_is3(s, 2, "no", "No", "NO"))
            return json_false();
        return NULL;
    case 3:
        if (yj_is3(s, 3, "yes", "Yes", "YES"))
            return json_true();
        if (yj_is3(s, 3, "off", "Off", "OFF"))
            return json_false();
        return NULL;
    case 4:
        if (yj_is3(s, 4, "null", "Null", "NULL"))
            return json_null();
        if (yj_is3(s, 4, "true", "True", "TRUE"))
            return json_true();
        return NULL;
    case 5:
        if (yj_is3(s, 5, "false", "False", "FALSE"))
            return json_false();
        return NULL;
    default:
        return NULL;
    }
}

/* Integer forms of YAML 1.1: decimal, 0o/0 octal, 0x hex, 0b binary, "_". */
static int yj_int(const char *s, size_t len, json_int_t *out)
{
    char buf[80];
    size_t n = 0, i = 0;
    int neg = 0, base = 10;
    char *end;
    unsigned long long v;

    if (len == 0 || len >= sizeof(buf))
        return 0;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i >= len)
        return 0;
    if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        base = 16;
        i += 2;
    } else if (len - i > 2 && s[i] == '0' && s[i + 1] == 'o') {
        base = 8;
        i += 2;
    } else if (len - i > 2 && s[i] == '0' && s[i + 1] == 'b') {
        base = 2;
        i += 2;
    } else if (len - i > 1 && s[i] == '0') {
        base = 8;
        i += 1;
    }
    for (; i < len; i++) {
        char c = s[i];
        if (c == '_')
            continue;
        if (base == 16  ? !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                           (c >= 'A' && c <= 'F'))
            : base == 8 ? !(c >= '0' && c <= '7')
            : base == 2 ? !(c == '0' || c == '1')
                        : !(c >= '0' && c <= '9'))
            return 0;
        buf[n++] = c;
    }
    if (n == 0)
        return 0;
    if (base == 10 && n <= 18) {
        /* Too short to overflow: most integers in manifests (ports,
         * counts) need no strtoull. */
        for (v = 0, i = 0; i < n; i++)
            v = v * 10 + (unsigned long long)(buf[i] - '0');
    } else {
        buf[n] = '\0';
        errno = 0;
        v = strtoull(buf, &end, base);
        if (errno || *end)
            return 0;
    }
    if (v > (unsigned long long)INT64_MAX)
        return 0;
    *out = neg ? -(json_int_t)v : (json_int_t)v;
    return 1;
}

static int yj_float(const char *s, size_t len, double *out)
{
    char buf[80];
    size_t i, n = 0;
    int digits = 0;
    char *end;

    if (len == 0 || len >= sizeof(buf))
        return 0;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            digits = 1;
        else if (!(c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+' ||
                   c == '_'))
            return 0;
        if (c != '_')
            buf[n++] = c;
    }
    if (!digits)
        return 0;
    buf[n] = '\0';
    *out = strtod(buf, &end);
    return *end == '\0' && isfinite(*out);
}

/* A number, or NULL. Out of line: its buffers would make every call of
 * yj_resolve_nonstring, mostly for plain strings, set up a larger frame. */
__attribute__((noinline)) static json_t *yj_resolve_number(const char *s,
                                                           size_t len)
{
    json_int_t iv;
    double dv;

    if (yj_int(s, len, &iv))
        return json_integer(iv);
    if (yj_float(s, len, &dv))
        return json_real(dv);
    /* .inf and .nan have no JSON form; they stay strings. */
    return NULL;
}

/* Null, booleans and numbers; NULL for a string. */
static json_t *yj_resolve_nonstring(const char *s, size_t len)
{
    if (len <= 5) {
        json_t *v = yj_resolve_word(s, len);
        if (v)
            return v;
    }
    if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '+' ||
        s[0] == '.')
        return yj_resolve_number(s, len);
    return NULL;
}

json_t *yj_resolve_plain(const char *s, size_t len)
{
    json_t *v = yj_resolve_nonstring(s, len);

    return v ? v : json_stringn(s, len);
}

json_t *yj_resolve_plain_valid(const char *s, size_t len)
{
    json_t *v = yj_resolve_nonstring(s, len);

    return v ? v : json_stringn_nocheck(s, len);
}

/*
 * A scalar value. Quoted scalars are strings, unless a core tag says
 * otherwise: `privileged: !!bool "true"` is true to kubectl (go-yaml
 * applies the tag), so it must be true here. A core tag the value does not
 * fit is an error, as it is for kubectl.
 */
static json_t *yj_scalar(struct yj_state *st, const yaml_event_t *ev)
{
    static const struct {
        const char *tag;
        json_type a, b;
    } core[] = {
        {"tag:yaml.org,2002:bool", JSON_TRUE, JSON_FALSE},
        {"tag:yaml.org,2002:int", JSON_INTEGER, JSON_INTEGER},
        {"tag:yaml.org,2002:float", JSON_REAL, JSON_INTEGER},
        {"tag:yaml.org,2002:null", JSON_NULL, JSON_NULL},
    };
    const char *s = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length, i;
    const char *tag = (const char *)ev->data.scalar.tag;
    json_t *v;

    if (tag && strcmp(tag, YAML_STR_TAG) == 0)
        return json_stringn(s, len);
    if (tag && strcmp(tag, "tag:yaml.org,2002:binary") == 0)
        return json_stringn(s, len);
    for (i = 0; tag && i < sizeof(core) / sizeof(core[0]); i++) {
        if (strcmp(tag, core[i].tag) != 0)
            continue;
        v = yj_resolve_plain(s, len);
        if (json_typeof(v) == core[i].a || json_typeof(v) == core[i].b)
            return v;
        json_decref(v);
        st->tag_bad = core[i].tag + strlen("tag:yaml.org,2002:");
        return NULL;
    }
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return json_stringn(s, len);
    return yj_resolve_plain(s, len);
}

static void yj_reset(struct yj_state *st)
{
    size_t i;

    for (i = 0; i < st->depth; i++) {
        json_decref(st->stack[i].node);
        json_decref(st->stack[i].merged);
        free(st->stack[i].key);
        free(st->stack[i].anchor);
    }
    st->depth = 0;
    for (i = 0; i < st->nanchors; i++) {
        free(st->anchors[i].name);
        json_decref(st->anchors[i].node);
    }
    st->nanchors = 0;
    json_decref(st->root);
    st->root = NULL;
    json_decref(st->item_lines);
    st->item_lines = NULL;
    st->nodes = 0;
    st->bytes = 0;
    st->alias_nodes = 0;
    st->aliases = 0;
}

/*
 * go-yaml v2 (so kubectl) refuses a document where too much of what it
 * decodes comes from aliases: past 1,000 nodes and 100 of them from
 * aliases, at most 99% up to 400,000 nodes, falling linearly to 10% at
 * 4,000,000. The share only grows while an alias expands and the allowance
 * only shrinks, so checking once the whole alias is counted is the same
 * as go-yaml checking at every node.
 */
static int yj_alias_excessive(const struct yj_state *st)
{
    double decoded = (double)(st->nodes + st->aliases + 1), allowed;

    if (st->alias_nodes <= 100 || decoded <= 1000)
        return 0;
    if (decoded <= 400000)
        allowed = 0.99;
    else if (decoded >= 4000000)
        allowed = 0.10;
    else
        allowed = 0.99 - 0.89 * ((decoded - 400000) / 3600000);
    return (double)st->alias_nodes / decoded > allowed;
}

static int yj_fail(struct yj_state *st, const yaml_mark_t *m, const char *fmt,
                   ...) __attribute__((format(printf, 3, 4)));

static int yj_fail(struct yj_state *st, const yaml_mark_t *m, const char *fmt,
                   ...)
{
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return err_set(st->e, "%ld:%zu: %s", st->first_line + (long)m->line,
                   m->column + 1, what);
}

static int yj_anchor_add(struct yj_state *st, char *name, json_t *node,
                         size_t size, size_t bytes)
{
    size_t i;

    /* A redefined anchor shadows the earlier one, as in YAML. */
    for (i = 0; i < st->nanchors; i++) {
        if (strcmp(st->anchors[i].name, name) == 0) {
            free(name);
            json_decref(st->anchors[i].node);
            st->anchors[i].node = json_incref(node);
            st->anchors[i].size = size;
            st->anchors[i].bytes = bytes;
            return 0;
        }
    }
    if (st->nanchors == st->anchors_cap) {
        st->anchors_cap = st->anchors_cap ? 2 * st->anchors_cap : 8;
        st->anchors =
            xrealloc(st->anchors, st->anchors_cap * sizeof(*st->anchors));
    }
    st->anchors[st->nanchors].name = name;
    st->anchors[st->nanchors].node = json_incref(node);
    st->anchors[st->nanchors].size = size;
    st->anchors[st->nanchors].bytes = bytes;
    st->nanchors++;
    return 0;
}

/* Sets every key of src in f's mapping, overriding what is there. */
static void yj_merge_one(struct yj_frame *f, json_t *src)
{
    const char *k;
    json_t *v;

    json_object_foreach(src, k, v)
    {
        if (!json_object_get(f->node, k))
            json_object_set_new(f->merged, k, json_true());
        json_object_set(f->node, k, v);
    }
}

/*
 * A "<<" merge, as go-yaml v2 (sigs.k8s.io/yaml, so kubectl) decodes it
 * into a map: the merged mapping's keys are set into the mapping being
 * built at the point where "<<" stands, so a merge overrides the keys
 * before it and the keys after it override the merge. Of a list of
 * mappings, the first that has a key wins (v2 sets them last to first).
 * Anything but a mapping or a list of mappings is an error, as in v2.
 */
static int yj_merge(struct yj_state *st, struct yj_frame *f, json_t *src,
                    const yaml_mark_t *m)
{
    json_t *v;
    size_t i;

    if (json_is_array(src)) {
        json_array_foreach(src, i, v)
        {
            if (!json_is_object(v))
                return yj_fail(st, m,
                               "merge key \"<<\" needs a mapping or a list "
                               "of mappings; element %zu is not a mapping",
                               i + 1);
        }
    } else if (!json_is_object(src)) {
        return yj_fail(st, m,
                       "merge key \"<<\" needs a mapping or a list of "
                       "mappings");
    }
    if (!f->merged)
        f->merged = json_object();
    if (json_is_object(src)) {
        yj_merge_one(f, src);
        return 0;
    }
    for (i = json_array_size(src); i-- > 0;)
        yj_merge_one(f, json_array_get(src, i));
    return 0;
}

/* A key quoted in a message: at most max bytes of it (cut on a UTF-8
 * boundary) into out, which holds max + 1. */
static void yj_key_excerpt(char *out, size_t max, const char *key)
{
    size_t n = strlen(key);

    if (n > max)
        n = utf8_cut(key, max);
    memcpy(out, key, n);
    out[n] = '\0';
}

/* Adds a finished value (steals it) to the innermost frame or the root. */
static int yj_add(struct yj_state *st, json_t *v, size_t size, size_t bytes,
                  const yaml_mark_t *m)
{
    struct yj_frame *f;

    if (!v)
        return yj_fail(st, m, "value is not valid UTF-8 or out of memory");
    if (st->depth == 0) {
        st->root = v;
        st->root_line = st->first_line + (long)m->line;
        return 0;
    }
    f = &st->stack[st->depth - 1];
    f->size += size;
    f->bytes += bytes;
    if (json_is_array(f->node)) {
        if (f->is_items)
            json_array_append_new(st->item_lines,
                                  json_integer(st->first_line + (long)m->line));
        json_array_append_new(f->node, v);
        return 0;
    }
    if (!f->key) {
        if (!json_is_string(v)) {
            /* Keys are strings in Kubernetes objects; anything else would
             * be renamed by the API machinery, so refuse it. */
            json_decref(v);
            return yj_fail(st, m, "mapping keys must be strings");
        }
        if (strlen(json_string_value(v)) != json_string_length(v)) {
            json_decref(v);
            return yj_fail(st, m, "mapping key contains a NUL character");
        }
        f->key = xstrdup(json_string_value(v));
        f->key_merge = st->key_merge;
        st->key_merge = 0;
        f->key_line = st->first_line + (long)m->line;
        json_decref(v);
        return 0;
    }
    if (f->key_merge) {
        int rc = yj_merge(st, f, v, m);
        json_decref(v);
        free(f->key);
        f->key = NULL;
        return rc;
    }
    if (json_object_get(f->node, f->key)) {
        if (f->merged && json_object_get(f->merged, f->key)) {
            json_object_del(f->merged, f->key);
        } else {
            char key[160];
            yj_key_excerpt(key, 150, f->key);
            json_decref(v);
            return err_set(st->e, "%ld: duplicate key \"%s\"", f->key_line,
                           key);
        }
    }
    if (json_object_set_new(f->node, f->key, v))
        return yj_fail(st, m, "key is not valid UTF-8");
    free(f->key);
    f->key = NULL;
    return 0;
}

#define YJ_MERGE_TAG "tag:yaml.org,2002:merge"

/*
 * Keys of mappings are their raw text, whatever they would resolve to.
 * The merge key is "<<" written plain without a tag, or tagged !!merge
 * (go-yaml v2's isMerge); a quoted "<<" is an ordinary key.
 */
static json_t *yj_key_or_scalar(struct yj_state *st, const yaml_event_t *ev)
{
    if (st->depth && json_is_object(st->stack[st->depth - 1].node) &&
        !st->stack[st->depth - 1].key) {
        const char *s = (const char *)ev->data.scalar.value;
        const char *tag = (const char *)ev->data.scalar.tag;
        int lt = ev->data.scalar.length == 2 && memcmp(s, "<<", 2) == 0;
        if (tag && strcmp(tag, YJ_MERGE_TAG) == 0 && !lt) {
            st->tag_bad = "merge";
            return NULL;
        }
        st->key_merge =
            lt && (tag ? strcmp(tag, YJ_MERGE_TAG) == 0
                       : ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
        return json_stringn(s, ev->data.scalar.length);
    }
    return yj_scalar(st, ev);
}

static int yj_push(struct yj_state *st, json_t *node, const yaml_char_t *anchor,
                   const yaml_mark_t *m)
{
    struct yj_frame *f;
    int is_items = 0;

    if (st->depth >= YJ_MAX_DEPTH) {
        json_decref(node);
        return yj_fail(st, m, "nesting deeper than %u levels", YJ_MAX_DEPTH);
    }
    if (st->depth == 0 && json_is_array(node)) {
        /* A root sequence (a rule pack): remember each element's line. */
        is_items = 1;
        json_decref(st->item_lines);
        st->item_lines = json_array();
    }
    if (st->depth > 0) {
        struct yj_frame *p = &st->stack[st->depth - 1];
        if (json_is_object(p->node) && !p->key) {
            json_decref(node);
            return yj_fail(st, m, "complex mapping keys are not supported");
        }
        if (st->depth == 1 && json_is_object(p->node) && json_is_array(node) &&
            strcmp(p->key, "items") == 0) {
            is_items = 1;
            json_decref(st->item_lines);
            st->item_lines = json_array();
        }
    }
    if (st->depth == st->cap) {
        st->cap = st->cap ? 2 * st->cap : 16;
        st->stack = xrealloc(st->stack, st->cap * sizeof(*st->stack));
    }
    f = &st->stack[st->depth++];
    memset(f, 0, sizeof(*f));
    f->node = node;
    f->anchor = anchor ? xstrdup((const char *)anchor) : NULL;
    f->size = 1;
    f->bytes = 2;
    f->line = st->first_line + (long)m->line;
    f->is_items = is_items;
    st->nodes++;
    return 0;
}

static int yj_pop(struct yj_state *st, const yaml_mark_t *m)
{
    struct yj_frame f = st->stack[--st->depth];
    yaml_mark_t start = *m;
    int rc = 0;

    start.line = (size_t)(f.line - st->first_line);
    free(f.key);
    json_decref(f.merged);
    if (f.anchor)
        rc = yj_anchor_add(st, f.anchor, f.node, f.size, f.bytes);
    if (rc == 0)
        rc = yj_add(st, f.node, f.size, f.bytes, &start);
    else
        json_decref(f.node);
    return rc;
}

/*
 * A scalar its tag does not fit (password: !!int Hunter2): the message
 * names the key and the tag, never the value, which goes to stderr, the
 * database and every report, and may be a credential.
 */
static int yj_tag_error(struct yj_state *st, const yaml_event_t *ev)
{
    const struct yj_frame *f = st->depth ? &st->stack[st->depth - 1] : NULL;

    if (f && json_is_object(f->node) && f->key) {
        char key[72];
        yj_key_excerpt(key, 64, f->key);
        return yj_fail(st, &ev->start_mark,
                       "the value of \"%s\" (%zu bytes, not shown) is not a "
                       "valid !!%s",
                       key, ev->data.scalar.length, st->tag_bad);
    }
    return yj_fail(st, &ev->start_mark,
                   "a value (%zu bytes, not shown) is not a valid !!%s",
                   ev->data.scalar.length, st->tag_bad);
}

static int yj_event(struct yj_state *st, yaml_event_t *ev)
{
    size_t i;

    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        yj_reset(st);
        return 0;
    case YAML_MAPPING_START_EVENT:
        return yj_push(st, json_object(), ev->data.mapping_start.anchor,
                       &ev->start_mark);
    case YAML_SEQUENCE_START_EVENT:
        return yj_push(st, json_array(), ev->data.sequence_start.anchor,
                       &ev->start_mark);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        return yj_pop(st, &ev->start_mark);
    case YAML_SCALAR_EVENT: {
        json_t *v;
        size_t bytes;
        if (ev->data.scalar.length > YJ_MAX_SCALAR)
            return yj_fail(st, &ev->start_mark, "scalar longer than 16 MiB");
        st->tag_bad = NULL;
        v = yj_key_or_scalar(st, ev);
        if (!v && st->tag_bad && strcmp(st->tag_bad, "merge") == 0)
            return yj_fail(st, &ev->start_mark,
                           "!!merge tags only the merge key \"<<\"");
        if (!v && st->tag_bad)
            return yj_tag_error(st, ev);
        if (!v)
            return yj_fail(st, &ev->start_mark, "scalar is not valid UTF-8");
        st->nodes++;
        bytes = ev->data.scalar.length + 2;
        st->bytes += bytes;
        if (ev->data.scalar.anchor)
            yj_anchor_add(st, xstrdup((const char *)ev->data.scalar.anchor), v,
                          1, bytes);
        return yj_add(st, v, 1, bytes, &ev->start_mark);
    }
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        st->key_merge = 0; /* an alias is never the merge key */
        for (i = st->nanchors; i-- > 0;) {
            if (strcmp(st->anchors[i].name, name) == 0) {
                st->nodes += st->anchors[i].size;
                st->bytes += st->anchors[i].bytes;
                st->alias_nodes += st->anchors[i].size;
                st->aliases++;
                if (st->nodes > YJ_MAX_NODES)
                    return yj_fail(st, &ev->start_mark,
                                   "alias *%s expands the document beyond "
                                   "%u nodes (YAML alias bomb?)",
                                   name, YJ_MAX_NODES);
                if (yj_alias_excessive(st))
                    return yj_fail(st, &ev->start_mark,
                                   "alias *%s: more of the document comes "
                                   "from aliases than go-yaml (kubectl) "
                                   "accepts (YAML alias bomb?)",
                                   name);
                if (st->bytes > YJ_MAX_EXPANDED)
                    return yj_fail(st, &ev->start_mark,
                                   "alias *%s expands the document beyond "
                                   "the limit of %u MiB (YAML alias bomb?)",
                                   name, YJ_MAX_EXPANDED >> 20);
                return yj_add(st, json_incref(st->anchors[i].node),
                              st->anchors[i].size, st->anchors[i].bytes,
                              &ev->start_mark);
            }
        }
        return yj_fail(st, &ev->start_mark, "alias *%s has no anchor", name);
    }
    default:
        return 0;
    }
}

/*
 * libyaml's error as "LINE:COL: problem". Reader errors (bad UTF-8, control
 * characters) carry only a byte offset, so the line is counted here. A
 * construct that never closed (a quoted scalar, a flow mapping) is placed
 * where it started, which is where a person has to look, not at the end
 * of the input where libyaml noticed.
 */
static void yj_parser_error(const yaml_parser_t *p, const char *buf, size_t len,
                            long first_line, struct err *e)
{
    long line = (long)p->problem_mark.line;
    size_t col = p->problem_mark.column + 1, i, off;

    if (p->error == YAML_READER_ERROR) {
        off = p->problem_offset < len ? p->problem_offset : len;
        line = 0;
        col = 1;
        for (i = 0; i < off; i++) {
            if (buf[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        err_set(e, "%ld:%zu: %s (byte 0x%02x)", first_line + line, col,
                p->problem ? p->problem : "error",
                (unsigned)(unsigned char)(off < len ? buf[off] : 0));
        return;
    }
    if (p->context && p->context_mark.line < p->problem_mark.line &&
        (strstr(p->context, "quoted scalar") || strstr(p->context, "flow"))) {
        err_set(e, "%ld:%zu: %s %s started here (%s at line %ld)",
                first_line + (long)p->context_mark.line,
                p->context_mark.column + 1, p->context + strlen("while "),
                "that", p->problem ? p->problem : "error", first_line + line);
        return;
    }
    err_set(e, "%ld:%zu: %s%s%s", first_line + line, col,
            p->problem ? p->problem : "error", p->context ? " " : "",
            p->context ? p->context : "");
}

int yj_parse(const char *buf, size_t len, long first_line, yj_doc_fn fn,
             void *ctx, struct err *e)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct yj_state st;
    int rc = 0, done = 0;

    /* Most manifests take the fast path; libyaml is the reference for
     * everything else, errors included. */
    if (!yj_slow_only && yj_parse_fast(buf, len, first_line, fn, ctx) == 0)
        return 0;
    memset(&st, 0, sizeof(st));
    st.first_line = first_line;
    st.e = e;
    if (!yaml_parser_initialize(&parser))
        return err_set(e, "%ld: cannot initialise the YAML parser", first_line);
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            yj_parser_error(&parser, buf, len, first_line, e);
            rc = -1;
            break;
        }
        if (st.nodes > YJ_MAX_NODES) {
            yj_fail(&st, &ev.start_mark, "document has more than %u nodes",
                    YJ_MAX_NODES);
            yaml_event_delete(&ev);
            rc = -1;
            break;
        }
        if (ev.type == YAML_DOCUMENT_END_EVENT && st.root) {
            json_t *doc = st.root;
            /* Decided before fn, which owns doc and may free it. */
            int empty = json_is_null(doc);
            st.root = NULL;
            if (!empty && fn(doc, st.root_line, st.item_lines, ctx))
                done = 1;
            else if (empty)
                json_decref(doc);
            json_decref(st.item_lines);
            st.item_lines = NULL;
        } else if (ev.type == YAML_STREAM_END_EVENT) {
            done = 1;
        } else if (yj_event(&st, &ev)) {
            yaml_event_delete(&ev);
            rc = -1;
            break;
        }
        yaml_event_delete(&ev);
    }
    yj_reset(&st);
    free(st.stack);
    free(st.anchors);
    yaml_parser_delete(&parser);
    return rc;
}
