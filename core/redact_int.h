/*
 * redact_int.h: what the command scanner (redact_cmd.c) shares with the
 * config-text reader (redact_text.c); not for use outside redaction.
 */
#ifndef FOURC_REDACT_INT_H
#define FOURC_REDACT_INT_H

#include <stddef.h>

#include "util.h"

/* A span of a word or line to replace: [off, off + len). */
struct redact_span {
    size_t off, len;
};

/* redact_name_is_secret on the n bytes at s. */
int redact_cmd_name_secret(const char *s, size_t n);

/* 1 when the n bytes at v only refer to a value kept elsewhere ($NAME,
 * ${NAME}, {{ template }}, %(name)s, ENC(...)). */
int redact_cmd_is_reference(const char *v, size_t n);

/* Appends the redaction marker of the n bytes at w (quotes around them
 * dropped) to out. */
void redact_cmd_marker(struct strbuf *out, const char *w, size_t n);

/* Where needle starts in the n bytes at s, or NULL. */
const char *redact_find(const char *s, size_t n, const char *needle);

/* s (n bytes) with each PEM private key block replaced whole; NULL when
 * there is none. */
char *redact_key_blocks(const char *s, size_t n);

#endif
