/*
 * yamljson.h: YAML (1.1, as Kubernetes reads it) to jansson, with the line
 * of every document and of every element of a root "items" list.
 *
 * Values resolve the way sigs.k8s.io/yaml (go-yaml v2) resolves them, so a
 * check sees what the API server would: "yes"/"on" are true, "0644" is
 * octal. Merge keys ("<<", also tagged !!merge) apply in document order as
 * go-yaml v2 applies them: a merge overrides the keys before it, the keys
 * after it override the merge. Hostile input is bounded: alias expansion
 * ("billion laughs", counted in nodes and in expanded bytes, and the
 * share of nodes from aliases go-yaml v2 allows), nesting
 * depth and scalar size have limits, duplicate keys are an error
 * (kubectl rejects them too, and an auditor must not guess which value
 * counted).
 */
#ifndef FOURC_YAMLJSON_H
#define FOURC_YAMLJSON_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define YJ_MAX_NODES 2000000u /* expanded nodes in one document */
#define YJ_MAX_DEPTH 200u
#define YJ_MAX_SCALAR (16u << 20)
/* Text of one document with its aliases expanded: what storing it would
 * write. A few hundred KiB of aliases can stand for gigabytes. */
#define YJ_MAX_EXPANDED (64u << 20)

/*
 * Called once per document. doc is a new reference the callback owns (never
 * NULL: empty documents are not reported); line is the 1-based line of the
 * document's root node; item_lines is borrowed, NULL unless the root is a
 * sequence or a mapping with an "items" sequence, then an array of the line
 * of each element.
 * Return 0 to go on, non-zero to stop parsing.
 */
typedef int (*yj_doc_fn)(json_t *doc, long line, const json_t *item_lines,
                         void *ctx);

/*
 * Parses every document in buf. first_line is the file line of buf's first
 * byte. On a parse error returns -1 with e = "LINE:COL: problem" (file
 * lines). Documents before a syntax error have been reported already; an
 * encoding error (invalid UTF-8) stops the whole buffer before any
 * document, because libyaml decodes it first. The manifests collector
 * parses one document per call, so either way nothing else is lost.
 */
int yj_parse(const char *buf, size_t len, long first_line, yj_doc_fn fn,
             void *ctx, struct err *e);

/*
 * The fast path alone (src/yamlfast.c): 0 when it parsed and reported the
 * single document in buf, 1 when the input is outside its subset and
 * nothing was reported. Exposed for tests that compare both paths.
 */
int yj_parse_fast(const char *buf, size_t len, long first_line, yj_doc_fn fn,
                  void *ctx);

/* Set non-zero to skip the fast path (tests, --debug comparisons). */
extern int yj_slow_only;

/* Resolves a plain (unquoted) scalar to JSON. New reference. */
json_t *yj_resolve_plain(const char *s, size_t len);
/* The same for text already known to be UTF-8 without NUL bytes (the fast
 * path checks its whole input first), so it is not checked again. */
json_t *yj_resolve_plain_valid(const char *s, size_t len);

#endif
