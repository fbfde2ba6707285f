/*
 * jsonfast.h: JSON text (one value, or a stream of values separated by
 * white space, as kubectl reads a .json file) to jansson trees, with the
 * same callback, limits and line numbers as the YAML path (yamljson.h).
 *
 * The trees equal what jansson's json_loadb(JSON_DECODE_ANY |
 * JSON_REJECT_DUPLICATES) builds for the same text, with these
 * differences, all on the side of refusing or of the YAML path:
 * - duplicate keys are an error, as in the YAML path and as in jansson
 *   with JSON_REJECT_DUPLICATES (Go's encoding/json keeps the last value,
 *   but the API server's strict field validation, kubectl's default,
 *   refuses duplicate fields; an auditor must not guess which counted);
 * - an integer outside int64 becomes a real, as the YAML path resolves it
 *   (jansson refuses it); a real outside double's range is an error;
 * - nesting deeper than YJ_MAX_DEPTH, more than YJ_MAX_NODES values in
 *   one document and strings longer than YJ_MAX_SCALAR are errors
 *   (jansson allows 2048 levels and any size);
 * - invalid UTF-8, lone surrogates (\uD800) and \u0000 are errors, as in
 *   jansson;
 * - a NUL byte anywhere is an error (jansson ends the text there; the YAML
 *   path refuses it too).
 * Errors are "LINE:COL: what was expected" (file lines, 1-based columns in
 * bytes) and never quote the input: values may be credentials.
 */
#ifndef FOURC_JSONFAST_H
#define FOURC_JSONFAST_H

#include <stddef.h>

#include "yamljson.h"

/*
 * Parses every value in buf, calling fn once per top-level value (doc is
 * a new reference fn owns; line is the line of its first byte; item_lines
 * as in yj_doc_fn: for a root array or a root object's "items" array, the
 * line of each element). first_line is the file line of buf's first byte.
 * Returns 0, 1 when fn asked to stop, or -1 with e set; values before a
 * syntax error have been reported. Text with no value at all is an error.
 */
int jf_parse(const char *buf, size_t len, long first_line, yj_doc_fn fn,
             void *ctx, struct err *e);

/*
 * jf_parse, and each element of a root object's "items" array goes to
 * item_fn as soon as it is parsed (borrowed), with the root object as far
 * as it is built (the members before "items"), the element's line and its
 * index. item_fn returns 1 when it is done with the item (it is released
 * then, and left out of the array and of item_lines), 0 to leave it in
 * the array, -1 to stop (jf_parse_items then returns 1). A large List is judged
 * item by item, as a YAML stream is, instead of being built whole first.
 */
typedef int (*jf_item_fn)(const json_t *root, json_t *item, long line,
                          size_t index, void *ctx);
int jf_parse_items(const char *buf, size_t len, long first_line, yj_doc_fn fn,
                   jf_item_fn item_fn, void *ctx, struct err *e);

/* One value and nothing after it: a new reference, or NULL with e set. */
json_t *jf_loadb(const char *buf, size_t len, struct err *e);

#endif
