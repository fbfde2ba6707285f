/*
 * imagefs_slice.h: the (pointer, length) slices the parsers of
 * imagefs_read.c and imagefs_pkg.c work on: lines found with memchr,
 * fields split, trimmed and compared without copying. Not for other
 * modules.
 */
#ifndef FOURC_IMAGEFS_SLICE_H
#define FOURC_IMAGEFS_SLICE_H

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

struct imagefs_read_iter {
    const char *p, *end;
};

static inline void imagefs_read_iter_init(struct imagefs_read_iter *it,
                                          const char *buf, size_t len)
{
    if (!buf) {
        buf = "";
        len = 0;
    }
    it->p = buf;
    it->end = buf + len;
}

/* The next line, without its "\n" and a "\r" before it. */
static inline int imagefs_read_line(struct imagefs_read_iter *it,
                                    const char **s, size_t *n)
{
    const char *nl;

    if (it->p >= it->end)
        return 0;
    nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
    *s = it->p;
    *n = nl ? (size_t)(nl - it->p) : (size_t)(it->end - it->p);
    it->p = nl ? nl + 1 : it->end;
    if (*n && (*s)[*n - 1] == '\r')
        (*n)--;
    return 1;
}

static inline int imagefs_read_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static inline void imagefs_read_trim(const char **s, size_t *n)
{
    while (*n && imagefs_read_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && imagefs_read_space((*s)[*n - 1]))
        (*n)--;
}

static inline int imagefs_read_has_nul(const char *s, size_t n)
{
    return n && memchr(s, '\0', n) != NULL;
}

static inline int imagefs_read_blank(const char *s, size_t n)
{
    imagefs_read_trim(&s, &n);
    return n == 0;
}

static inline char imagefs_read_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ASCII case-insensitive comparison of a slice with a C string. */
static inline int imagefs_read_eq_ci(const char *s, size_t n, const char *lit)
{
    size_t i;

    if (strlen(lit) != n)
        return 0;
    for (i = 0; i < n; i++)
        if (imagefs_read_lower(s[i]) != lit[i])
            return 0;
    return 1;
}

/* Splits at sep into f/fl; returns the number of fields, or max + 1 when
 * there are more than max. */
static inline size_t imagefs_read_split(const char *s, size_t n, char sep,
                                        const char **f, size_t *fl, size_t max)
{
    size_t nf = 0;

    for (;;) {
        const char *c = n ? memchr(s, sep, n) : NULL;
        size_t k = c ? (size_t)(c - s) : n;

        if (nf == max)
            return max + 1;
        f[nf] = s;
        fl[nf++] = k;
        if (!c)
            return nf;
        s = c + 1;
        n -= k + 1;
    }
}

/* A decimal id in 0..4294967295 (what a 32-bit uid_t holds). */
static inline int imagefs_read_id(const char *s, size_t n, int64_t *out)
{
    int64_t v = 0;
    size_t i;

    if (n == 0 || n > 10)
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > UINT32_MAX)
        return -1;
    *out = v;
    return 0;
}

/* Sets key to a lossy string of the slice, or null when s is NULL. */
static inline int imagefs_read_set(json_t *o, const char *key, const char *s,
                                   size_t n)
{
    return json_object_set_new(o, key,
                               s ? json_stringn_lossy(s, n) : json_null());
}

static inline void imagefs_read_count(size_t *malformed)
{
    if (malformed)
        (*malformed)++;
}

#endif
