/*
 * jsonpath.h: the path subset rules use: a.b, a[0], a[*], a["dotted.key"],
 * optionally starting with an anchor ($pod, $podmeta, $containers, $sc)
 * that makes one rule serve every workload kind.
 *
 * Resolution reports concrete paths ("spec.template.spec.containers[1]
 * .securityContext.privileged") so evidence names what was seen.
 */
#ifndef FOURC_JSONPATH_H
#define FOURC_JSONPATH_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "util.h"

enum jp_anchor {
    JP_NONE,       /* relative to the current node */
    JP_POD,        /* the pod spec of a workload */
    JP_PODMETA,    /* the metadata of its pods (a Pod's own) */
    JP_CONTAINERS, /* every container of the pod spec */
    JP_SC          /* effective security context of the current container */
};

enum jp_seg_type { JP_KEY, JP_INDEX, JP_WILD };

struct jp_seg {
    enum jp_seg_type type;
    char *key;
    size_t keylen;
    long index;
    int plain; /* key written as .key, not ["key"] (see jpath_add_key) */
    size_t at; /* where the segment starts in its path's segtext */
};

struct jpath {
    enum jp_anchor anchor;
    struct jp_seg *segs;
    size_t nsegs;
    int has_wild;
    char *text;
    /* The segments as resolution writes them after a prefix (".a[0]"),
     * written once here: see jpath_segments. */
    char *segtext;
    size_t segtext_len;
};

/* Parses text; NULL with e set on a syntax error. */
struct jpath *jpath_parse(const char *text, struct err *e);
void jpath_free(struct jpath *p);

/* One value found: v is borrowed (NULL: absent); path lives in the
 * matches' path buffer and is valid until the matches change. */
struct jp_match {
    json_t *v;
    char *path;
    size_t off; /* of path in paths */
};

struct jp_matches {
    struct jp_match *m;
    size_t n, cap;
    struct strbuf paths; /* every path, NUL-terminated, one after another */
};

void jp_matches_release(struct jp_matches *ms);
/* Forgets the matches but keeps the memory, for reuse. */
void jp_matches_clear(struct jp_matches *ms);
/* Appends a match with path (len bytes). */
void jp_matches_add(struct jp_matches *ms, json_t *v, const char *path,
                    size_t len);

/*
 * The buffers resolution builds paths in, kept by their owner (an engine)
 * between resolutions so that they are not allocated for every one:
 * resolution keeps no state of its own, so engines may resolve paths at
 * the same time, each with its own scratch.
 */
struct jp_scratch {
    struct strbuf walk, base;
};
void jp_scratch_release(struct jp_scratch *x);

/*
 * Where a path is resolved: the resource's document and kind, the current
 * node (an element of "each", or the document) and, inside
 * each: $containers, the container being judged.
 */
struct jp_scope {
    json_t *doc;
    const char *kind; /* "k8s/Deployment" */
    json_t *cur;
    const char *cur_path;
    json_t *container;
    const char *container_path;
    /* Set pod_known when pod and pod_path hold jpath_pod_spec's answer
     * for doc and kind (the engine asks once per resource, not once per
     * anchored path); zero, resolution asks itself. */
    int pod_known;
    json_t *pod;
    const char *pod_path;
    /* Buffers to reuse (borrowed), or NULL: jpath_resolve makes its own
     * and frees them. */
    struct jp_scratch *scratch;
};

/*
 * Appends every match of p to ms. A path that reaches nothing adds one
 * match with v NULL and the path it would have had (when it has no
 * wildcard), so an absent value still has a location in evidence. Below a
 * wildcard, each element (or member) the rest of the path does not reach
 * adds such an absent match too ("a[2].b" for an a[2] without b): an
 * element is never silently dropped. A wildcard over nothing (absent,
 * null, empty) adds no match.
 *
 * null on the way counts as absent (unset, as the API reads it). Returns
 * -1 with e set when an anchor cannot apply (no pod spec in the resource,
 * $sc outside a container) and when the path goes through a value of the
 * wrong type (a key of a string, an index of an object): e names where,
 * the type found and the type expected, never the value.
 */
int jpath_resolve(const struct jpath *p, const struct jp_scope *sc,
                  struct jp_matches *ms, struct err *e);

/*
 * jpath_resolve for a path without wildcards, other than $containers,
 * which always names exactly one value: out->v (borrowed, NULL when
 * absent) and its path without building it: out->base, then out->mid
 * (may be ""), then the path's segments as jpath_render appends them.
 * Errors are jpath_resolve's.
 */
struct jp_one {
    json_t *v;
    const char *base, *mid;
    size_t mid_len;
};
int jpath_resolve_one(const struct jpath *p, const struct jp_scope *sc,
                      struct jp_one *out, struct err *e);
/* Appends p's segments to sb as resolution writes them into paths. */
void jpath_render(struct strbuf *sb, const struct jpath *p);
/* p's segments as jpath_render appends them (*len bytes): after a
 * non-empty prefix when prefixed, else at the start of a path. */
const char *jpath_segments(const struct jpath *p, int prefixed, size_t *len);

/* The pod spec of a workload document, or NULL; *path gets its location. */
json_t *jpath_pod_spec(json_t *doc, const char *kind, const char **path);
/* The metadata its pods get (the pod template's, a Pod's own), or NULL;
 * *path gets its location. */
json_t *jpath_pod_meta(json_t *doc, const char *kind, const char **path);

/* "object", "array", "string", "number", "boolean" or "null": v's type
 * as messages name it ("absent" for NULL). Never the value: messages
 * about input must not quote what could be a credential. */
const char *jpath_type_name(const json_t *v);

/* Appends ".key" or ["key"] to sb, as a path segment. */
void jpath_add_key(struct strbuf *sb, const char *key);

#endif
