/*
 * util.h: small helpers every module uses: a growable string buffer,
 * checked allocation, SHA-256 in the "sha256:<hex>" form we store, and
 * RFC 3339 timestamps.
 */
#ifndef FOURC_UTIL_H
#define FOURC_UTIL_H

#include <stddef.h>
#include <time.h>
#include <stdint.h>

struct strbuf {
    char *buf; /* always NUL-terminated once anything was added */
    size_t len;
    size_t cap;
};

#define STRBUF_INIT                                                            \
    {                                                                          \
        NULL, 0, 0                                                             \
    }

void sb_grow(struct strbuf *sb, size_t extra);

/* Appends n bytes: inline, because JSON writing calls it per token. */
static inline void sb_add(struct strbuf *sb, const char *s, size_t n)
{
    if (sb->len + n + 1 > sb->cap)
        sb_grow(sb, n);
    __builtin_memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s);
void sb_addf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends v in decimal (sb_addf's cost is measurable where it is called
 * per object or per finding). */
void sb_addi(struct strbuf *sb, long long v);
void sb_setlen(struct strbuf *sb, size_t len);
const char *sb_str(const struct strbuf *sb); /* "" when empty */
char *sb_detach(struct strbuf *sb);          /* caller frees */
void sb_release(struct strbuf *sb);

/* Allocation that cannot return NULL: out of memory aborts with a line. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#define SHA256_STR_LEN 72 /* "sha256:" + 64 hex + NUL */

/* SHA-256 of data: raw bytes, or "sha256:<64 hex>". */
void sha256_raw(const void *data, size_t len, unsigned char out[32]);
void sha256_str(const void *data, size_t len, char out[SHA256_STR_LEN]);

/* Current UTC time as RFC 3339 ("2026-11-22T18:04:20Z"). */
void now_rfc3339(char out[32]);
/* An RFC 3339 time ("2026-12-07T23:00:00Z", with fractions or an offset)
 * as time_t; -1 when s is NULL or not one. */
time_t rfc3339_parse(const char *s);
/* Appends the bytes base64 text s (n bytes; line breaks and spaces
 * between groups ignored) stands for to out: 0, or -1 when s is not base64
 * (out unchanged). The intermediate copies are wiped: s may be a
 * credential. */
int base64_decode(const char *s, size_t n, struct strbuf *out);

/* True when s is valid UTF-8 of length n. */
int utf8_valid(const char *s, size_t n);

/* 1 when s is one of the NULL-terminated list (NULL: none). */
int str_in(const char *s, const char *const *list);

int str_has_suffix(const char *s, const char *suffix);
int str_has_suffix_ci(const char *s, const char *suffix);

/* Appends s (n bytes) to sb with every invalid UTF-8 sequence replaced by
 * U+FFFD. */
void utf8_sanitize(struct strbuf *sb, const char *s, size_t n);

/* The bidirectional control (U+202A-U+202E, U+2066-U+2069, U+200E,
 * U+200F, U+061C: text shown in another order than it is stored) that
 * starts at p, n bytes available: its code point, 0 if there is none, -1
 * if p may start one that n is too short to show. */
long utf8_bidi_at(const unsigned char *p, size_t n);

/* A JSON string of s, invalid UTF-8 replaced by U+FFFD: never NULL for a
 * non-NULL s, so a file name or message in any encoding cannot make an
 * object fail to build. New reference. */
struct json_t;
struct json_t *json_string_lossy(const char *s);
struct json_t *json_stringn_lossy(const char *s, size_t n);

/* The largest length <= n that does not split a UTF-8 sequence of s. */
size_t utf8_cut(const char *s, size_t n);

#endif
