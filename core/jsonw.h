/*
 * jsonw.h: compact JSON text from jansson values, into a strbuf.
 *
 * json_dumps goes through a callback per token and a temporary buffer per
 * number; every stored resource and every finding's evidence is serialised,
 * so this plain recursive writer is a large part of a scan's speed. Output
 * is the same as json_dumps(JSON_COMPACT): keys in insertion order, UTF-8
 * kept as is, control characters escaped.
 */
#ifndef FOURC_JSONW_H
#define FOURC_JSONW_H

#include <jansson.h>

#include "util.h"

void jsonw_value(struct strbuf *sb, const json_t *v);
void jsonw_string(struct strbuf *sb, const char *s, size_t len);

/*
 * Where each object and array of a document landed in its text. A value's
 * text is the same wherever it is written, so the engine cuts a value's
 * evidence out of the document it already wrote instead of writing it
 * again. Zero-initialise; jsonw_spans_release frees.
 */
struct jsonw_span {
    const json_t *v; /* borrowed */
    size_t start, end;
};

struct jsonw_spans {
    struct jsonw_span *s;
    size_t n, cap;
    /* Index of s by v, built on the first lookup: 1 + position, 0 for an
     * empty slot; mask + 1 slots in use of slots_cap. */
    size_t *slots, slots_cap, mask;
    size_t nindexed; /* spans in the index; != n: build it again */
};

/* jsonw_value, noting in sp (emptied first) where every object and array
 * of v went in sb. */
void jsonw_value_spans(struct strbuf *sb, const json_t *v,
                       struct jsonw_spans *sp);
/* True, with the span of v's text (offsets into that sb), when v is an
 * object or array of the value last written by jsonw_value_spans. */
int jsonw_spans_find(struct jsonw_spans *sp, const json_t *v, size_t *start,
                     size_t *len);
void jsonw_spans_release(struct jsonw_spans *sp);

#endif
