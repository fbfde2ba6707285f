/*
 * yamlfast_int.h: what the fast YAML path's files share: the line table
 * and the block-at-a-time byte scanning. Not for other modules.
 */
#ifndef FOURC_YAMLFAST_INT_H
#define FOURC_YAMLFAST_INT_H

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "yamljson.h"
#include "util.h"

/* Outside the subset: the caller parses the text with libyaml instead. */
#define YF_UNSUPPORTED 1

struct yf_line {
    const char *s; /* first byte after the indentation */
    const char *e; /* end of content (before \r\n) */
    int indent;
};

struct yf {
    struct yf_line *lines;
    size_t n, i, cap;
    const char *end;    /* end of the input: blocks are read up to here */
    long first;         /* file line of lines[0] */
    size_t last_marker; /* last "---" or "..." line at column 0, plus 1 */
    json_t *item_lines;
    int want_items; /* the next sequence is the root's "items" */
    int ends_nl;    /* the input ends with a line break */
    long root_line;
    size_t nodes;
    int depth;
    /* yf_key's last plain key line: where it is, its ':' and length */
    const char *key_s, *key_e, *key_colon;
    size_t key_len;
    struct strbuf scratch; /* quoted keys that are only looked at */
};

static inline long yf_no(const struct yf *y, const struct yf_line *l)
{
    return y->first + (long)(l - y->lines);
}

static inline int yf_blank(const struct yf_line *l)
{
    return l->s == l->e || *l->s == '#';
}

/* Skips blank and comment lines; NULL at the end. */
static inline struct yf_line *yf_next(struct yf *y)
{
    while (y->i < y->n && yf_blank(&y->lines[y->i]))
        y->i++;
    return y->i < y->n ? &y->lines[y->i] : NULL;
}

/*
 * Scanning a block of bytes at a time. Lines, keys and scalars are short,
 * so what counts is finding the first interesting byte of a block without
 * a loop over its bytes: each yf_mask_* function below returns a mask of
 * the block's matching bytes, and yf_first turns the mask into the index
 * of the first match. With SSE2 (every x86-64) a block is 16 bytes;
 * elsewhere it is a 64-bit word, where a mask has bit 7 of each matching
 * byte set. There a borrow can also mark bytes after a real match, never
 * before one, so the lowest set bit is still exact.
 */
#ifdef __SSE2__
#define YF_BLOCK 16
typedef unsigned yf_mask; /* bit i: byte i */

static inline __m128i yf_load(const char *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

static inline yf_mask yf_mask_eq3(const char *p, char a, char b, char c)
{
    __m128i v = yf_load(p);
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(a)),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8(b)));

    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
    return (yf_mask)_mm_movemask_epi8(m);
}

/* Bytes below 0x20 or from 0x7F up: what yf_split looks at. A signed
 * compare puts bytes from 0x80 up below 0x20 too. */
static inline yf_mask yf_mask_special(const char *p)
{
    __m128i v = yf_load(p);

    return (yf_mask)_mm_movemask_epi8(
        _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                     _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))));
}

static inline yf_mask yf_mask_nonspace(const char *p)
{
    return ~(yf_mask)_mm_movemask_epi8(
               _mm_cmpeq_epi8(yf_load(p), _mm_set1_epi8(' '))) &
           0xFFFFu;
}

static inline size_t yf_first(yf_mask m)
{
    return (size_t)__builtin_ctz(m);
}
#else
#define YF_BLOCK 8
typedef uint64_t yf_mask; /* bit 8i + 7: byte i */
#define YF_ONES 0x0101010101010101ull
#define YF_HIGH 0x8080808080808080ull

static inline uint64_t yf_load(const char *p)
{
    uint64_t w;

    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w); /* the first byte in the lowest bits */
#endif
    return w;
}

static inline uint64_t yf_eq8(uint64_t w, unsigned char c)
{
    uint64_t t = w ^ (YF_ONES * c);

    return (t - YF_ONES) & ~t & YF_HIGH;
}

static inline yf_mask yf_mask_eq3(const char *p, char a, char b, char c)
{
    uint64_t w = yf_load(p);

    return yf_eq8(w, (unsigned char)a) | yf_eq8(w, (unsigned char)b) |
           yf_eq8(w, (unsigned char)c);
}

static inline yf_mask yf_mask_special(const char *p)
{
    uint64_t w = yf_load(p);

    return ((((w - YF_ONES * 0x20) & ~w) | w) & YF_HIGH) | yf_eq8(w, 0x7F);
}

static inline yf_mask yf_mask_nonspace(const char *p)
{
    uint64_t t = yf_load(p) ^ (YF_ONES * ' ');

    return (((t & ~YF_HIGH) + ~YF_HIGH) | t) & YF_HIGH; /* no carries */
}

static inline size_t yf_first(yf_mask m)
{
    return (size_t)__builtin_ctzll(m) >> 3;
}
#endif

/*
 * The first byte in [p, e) that is a, b or c, or e. Whole blocks are read
 * while they end before limit (the end of the input), even past e.
 */
static inline __attribute__((always_inline)) const char *
yf_find3(const char *p, const char *e, const char *limit, char a, char b,
         char c)
{
    for (; p < e && limit - p >= YF_BLOCK; p += YF_BLOCK) {
        yf_mask m = yf_mask_eq3(p, a, b, c);
        if (m) {
            p += yf_first(m);
            return p < e ? p : e;
        }
    }
    while (p < e && *p != a && *p != b && *p != c)
        p++;
    return p < e ? p : e;
}

/* ---- scalars (yamlfast_scalar.c) ---- */

/* A quoted scalar starting at s (its quote), on a line ending at e; *after
 * gets the byte after the closing quote. NULL: outside the subset. */
json_t *yf_quoted(const struct yf *y, const char *s, const char *e,
                  const char **after);
/* Only spaces and a comment from p to e. */
int yf_rest_empty(const char *p, const char *e);
/* A block scalar whose header ("|", ">-", ...) is at h; its content is on
 * the following lines indented more than parent. */
json_t *yf_block(struct yf *y, const char *h, const char *e, int parent,
                 int *rc);

#endif
