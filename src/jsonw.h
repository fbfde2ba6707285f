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

#endif
