/*
 * yamlfast.c: a fast path for the YAML that manifests are made of.
 *
 * libyaml builds a token and an event, with their allocations, for every
 * scalar; on a large cluster dump that alone costs more than everything
 * else fourc does. Kubernetes manifests use a small block-style subset of
 * YAML: indented mappings and sequences, single-line plain and quoted
 * scalars, literal and folded block scalars, empty flow collections. This
 * file parses exactly that subset straight into jansson values, and gives
 * up (YF_UNSUPPORTED) at the first thing outside it (anchors, tags, flow
 * collections, multi-line flow scalars, merge keys, duplicate keys, tabs,
 * odd indentation, unusual characters). The caller then parses the same
 * text with libyaml, which is the reference: the fast path never decides
 * anything libyaml would decide differently, it only skips work, and the
 * unit tests compare both paths on every fixture.
 */
#include "yamljson.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util.h"
#include "banned.h"

#define YF_UNSUPPORTED 1

/*
 * Node arena. jansson allocates every value, object table, key and string
 * on its own, and a cluster dump is millions of them, each freed again
 * once its document is judged. While the fast path builds a tree, jansson
 * allocates from one block instead (bump allocation); frees of those
 * nodes only count down, and when none is left the block is reused from
 * its start, so the next document's tree lands in memory that is already
 * mapped and cached. A node that outlives its document (a caller keeps
 * the tree) simply keeps the block from being reused until it is freed;
 * what does not fit goes to malloc. Under AddressSanitizer the arena is
 * off, so that use-after-free of a node is still caught.
 */
#define YF_ARENA_SIZE (4u << 20)

#if defined(__SANITIZE_ADDRESS__)
#define YF_ARENA 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define YF_ARENA 0
#endif
#endif
#ifndef YF_ARENA
#define YF_ARENA 1
#endif

static struct {
    uintptr_t base, top, end;
    size_t live; /* arena allocations not yet freed */
    int on;      /* allocate from the arena now */
} yf_arena;

static void *yf_alloc(size_t n)
{
    /* The room left is a multiple of 16, so n rounded up fits too. */
    if (yf_arena.on && n <= yf_arena.end - yf_arena.top) {
        void *p = (void *)yf_arena.top;
        yf_arena.top += (n + 15) & ~(size_t)15;
        yf_arena.live++;
        return p;
    }
    return malloc(n);
}

static void yf_free(void *p)
{
    uintptr_t a = (uintptr_t)p;

    if (a >= yf_arena.base && a < yf_arena.end) {
        if (--yf_arena.live == 0)
            yf_arena.top = yf_arena.base;
        return;
    }
    free(p);
}

/* Installs the allocator once; both functions also serve every value that
 * jansson allocated before, or outside the fast path, with malloc. */
static void yf_arena_on(void)
{
    if (!YF_ARENA)
        return;
    if (!yf_arena.base) {
        yf_arena.base = (uintptr_t)xmalloc(YF_ARENA_SIZE);
        yf_arena.top = yf_arena.base;
        yf_arena.end = yf_arena.base + YF_ARENA_SIZE;
        json_set_alloc_funcs(yf_alloc, yf_free);
    }
    yf_arena.on = 1;
}

static void yf_arena_off(void)
{
    yf_arena.on = 0;
}

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

/* The line table of the previous document, reused: one allocation per
 * document was a measurable part of reading a large cluster dump. */
#define YF_SPARE_LINES 65536
static struct yf_line *yf_lines_spare;
static size_t yf_lines_spare_cap;

static long yf_no(const struct yf *y, const struct yf_line *l)
{
    return y->first + (long)(l - y->lines);
}

static int yf_blank(const struct yf_line *l)
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

static __m128i yf_load(const char *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

static yf_mask yf_mask_eq3(const char *p, char a, char b, char c)
{
    __m128i v = yf_load(p);
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(a)),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8(b)));

    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
    return (yf_mask)_mm_movemask_epi8(m);
}

/* Bytes below 0x20 or from 0x7F up: what yf_split looks at. A signed
 * compare puts bytes from 0x80 up below 0x20 too. */
static yf_mask yf_mask_special(const char *p)
{
    __m128i v = yf_load(p);

    return (yf_mask)_mm_movemask_epi8(
        _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                     _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))));
}

static yf_mask yf_mask_nonspace(const char *p)
{
    return ~(yf_mask)_mm_movemask_epi8(
               _mm_cmpeq_epi8(yf_load(p), _mm_set1_epi8(' '))) &
           0xFFFFu;
}

static size_t yf_first(yf_mask m)
{
    return (size_t)__builtin_ctz(m);
}
#else
#define YF_BLOCK 8
typedef uint64_t yf_mask; /* bit 8i + 7: byte i */
#define YF_ONES 0x0101010101010101ull
#define YF_HIGH 0x8080808080808080ull

static uint64_t yf_load(const char *p)
{
    uint64_t w;

    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w); /* the first byte in the lowest bits */
#endif
    return w;
}

static uint64_t yf_eq8(uint64_t w, unsigned char c)
{
    uint64_t t = w ^ (YF_ONES * c);

    return (t - YF_ONES) & ~t & YF_HIGH;
}

static yf_mask yf_mask_eq3(const char *p, char a, char b, char c)
{
    uint64_t w = yf_load(p);

    return yf_eq8(w, (unsigned char)a) | yf_eq8(w, (unsigned char)b) |
           yf_eq8(w, (unsigned char)c);
}

static yf_mask yf_mask_special(const char *p)
{
    uint64_t w = yf_load(p);

    return ((((w - YF_ONES * 0x20) & ~w) | w) & YF_HIGH) | yf_eq8(w, 0x7F);
}

static yf_mask yf_mask_nonspace(const char *p)
{
    uint64_t t = yf_load(p) ^ (YF_ONES * ' ');

    return (((t & ~YF_HIGH) + ~YF_HIGH) | t) & YF_HIGH; /* no carries */
}

static size_t yf_first(yf_mask m)
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

/* The first byte below 0x20 or from 0x7F up in [p, end), or end. */
static const char *yf_special_at(const char *p, const char *end)
{
    for (; end - p >= YF_BLOCK; p += YF_BLOCK) {
        yf_mask m = yf_mask_special(p);
        if (m)
            return p + yf_first(m);
    }
    while (p < end && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7F)
        p++;
    return p;
}

/* The spaces at s, a line that ends at e (before a line break or the end
 * of the input, so never in a run of spaces). */
static int yf_indent(const char *s, const char *e, const char *limit)
{
    const char *p = s;

    for (; limit - p >= YF_BLOCK; p += YF_BLOCK) {
        yf_mask m = yf_mask_nonspace(p);
        if (m) {
            p += yf_first(m);
            return (int)((p < e ? p : e) - s);
        }
    }
    while (p < e && *p == ' ')
        p++;
    return (int)(p - s);
}

/*
 * The length of the UTF-8 sequence at p (a byte from 0x80 up), or 0 when
 * libyaml must see the input: invalid UTF-8 (libyaml refuses it, comments
 * included), C1 controls and NEL, LS and PS (line breaks to libyaml), the
 * noncharacters U+FFFE and U+FFFF, a byte order mark. Checked here, one
 * sequence at a time, rather than in a pass of its own over the input.
 */
static size_t yf_utf8_seq(const unsigned char *p, const unsigned char *end)
{
    size_t n = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;

    if ((size_t)(end - p) < n || !utf8_valid((const char *)p, n))
        return 0;
    if (p[0] == 0xC2 && p[1] <= 0x9F)
        return 0;
    if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
        return 0;
    if (p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
        return 0;
    if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        return 0;
    return n;
}

/* Where the line at s ends (its '\n' or end), or NULL for bytes libyaml
 * treats specially. */
static const char *yf_line_end(const char *s, const char *end)
{
    const char *p = s;

    for (;;) {
        unsigned char c;
        p = yf_special_at(p, end);
        if (p == end || *p == '\n')
            return p;
        c = (unsigned char)*p;
        if (c >= 0x80) {
            size_t n = yf_utf8_seq((const unsigned char *)p,
                                   (const unsigned char *)end);
            if (!n)
                return NULL;
            p += n;
            continue;
        }
        /* Tabs; a carriage return only as part of the line break. */
        if (c != '\t' && !(c == '\r' && (end - p == 1 || p[1] == '\n')))
            return NULL; /* control characters, DEL */
        p++;
    }
}

static int yf_is_marker(const char *s, const char *e)
{
    return e - s >= 3 &&
           (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0) &&
           (e - s == 3 || s[3] == ' ' || s[3] == '\t');
}

/* Splits buf into lines; refuses bytes libyaml treats specially. */
static int yf_split(struct yf *y, const char *buf, size_t len)
{
    const char *p = buf, *end = buf + len;

    y->end = end;
    while (p < end) {
        const char *s = p, *e;
        struct yf_line *l;
        int indent;

        p = yf_line_end(s, end);
        if (!p)
            return YF_UNSUPPORTED;
        e = p;
        if (e > s && e[-1] == '\r')
            e--;
        indent = yf_indent(s, e, end);
        if (s + indent < e && s[indent] == '\t')
            return YF_UNSUPPORTED; /* tabs near indentation: libyaml decides */
        if (y->n == y->cap) {
            y->cap = y->cap ? 2 * y->cap : 256;
            y->lines = xrealloc(y->lines, y->cap * sizeof(*y->lines));
        }
        l = &y->lines[y->n++];
        l->s = s + indent;
        l->e = e;
        l->indent = indent;
        if (indent == 0 && yf_is_marker(l->s, e))
            y->last_marker = y->n;
        if (p < end)
            p++;
    }
    return 0;
}

static json_t *yf_node(struct yf *y, int min_indent, int *rc);

/* Where a plain scalar or key ends: before " #" or end, trailing spaces
 * removed. Refuses ": " inside (a mapping libyaml would reject) and
 * tabs. */
static const char *yf_plain_end(const struct yf *y, const char *s,
                                const char *e)
{
    const char *p;

    for (p = s; p < e; p++) {
        p = yf_find3(p, e, y->end, ':', '#', '\t');
        if (p >= e)
            break;
        if (*p == '\t')
            return NULL;
        if (*p == '#' && p > s && p[-1] == ' ')
            break;
        if (*p == ':' && (p + 1 == e || p[1] == ' '))
            return NULL;
    }
    while (p > s && p[-1] == ' ')
        p--;
    return p;
}

static inline int yf_plain_start_ok(const char *s, const char *e)
{
    /* "-?:,[]{}#&*!|>'\"%@`" and NUL */
    static const unsigned char bad[256] = {
        [0] = 1,    ['-'] = 1, ['?'] = 1, [':'] = 1, [','] = 1,
        ['['] = 1,  [']'] = 1, ['{'] = 1, ['}'] = 1, ['#'] = 1,
        ['&'] = 1,  ['*'] = 1, ['!'] = 1, ['|'] = 1, ['>'] = 1,
        ['\''] = 1, ['"'] = 1, ['%'] = 1, ['@'] = 1, ['`'] = 1};

    if (s >= e)
        return 0;
    if (bad[(unsigned char)*s]) {
        /* "-5", "--flag" and "-x" are plain; "- " is a sequence. */
        if (*s == '-' && s + 1 < e && s[1] != ' ')
            return !(s + 2 < e && s[1] == '-' && s[2] == '-');
        return 0;
    }
    return 1;
}

static void yf_utf8(struct strbuf *sb, unsigned long cp)
{
    char b[4];

    if (cp < 0x80) {
        b[0] = (char)cp;
        sb_add(sb, b, 1);
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        sb_add(sb, b, 2);
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        sb_add(sb, b, 3);
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        sb_add(sb, b, 4);
    }
}

static int yf_hex(const char *p, int n, unsigned long *out)
{
    int i;

    *out = 0;
    for (i = 0; i < n; i++) {
        char c = p[i];
        int v = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (v < 0)
            return -1;
        *out = *out * 16 + (unsigned long)v;
    }
    return 0;
}

/*
 * A quoted scalar starting at s (the quote); it must close on this line.
 * *after gets the position after the closing quote. New reference or NULL
 * (unsupported).
 */
static json_t *yf_quoted(const struct yf *y, const char *s, const char *e,
                         const char **after)
{
    struct strbuf sb = STRBUF_INIT;
    char q = *s;
    const char *p;
    json_t *v;

    /* Most quoted scalars have no escape: their value is the text between
     * the quotes, which needs no copy of its own. Tabs are left to the
     * loop below. */
    if (q == '"')
        p = yf_find3(s + 1, e, y->end, '"', '\\', '\t');
    else
        p = yf_find3(s + 1, e, y->end, '\'', '\t', '\t');
    if (p < e && *p == q && !(q == '\'' && p + 1 < e && p[1] == '\'')) {
        *after = p + 1;
        return json_stringn_nocheck(s + 1, (size_t)(p - s - 1));
    }
    p = s + 1;
    sb_add(&sb, "", 0);
    while (p < e) {
        const char *run = p;
        while (p < e && *p != q && *p != '\\' && *p != '\t')
            p++;
        sb_add(&sb, run, (size_t)(p - run));
        if (p >= e)
            break;
        if (q == '\'' && *p == '\\') {
            sb_add(&sb, p, 1); /* literal in single quotes */
            p++;
            continue;
        }
        if (q == '\'' && *p == '\'') {
            if (p + 1 < e && p[1] == '\'') {
                sb_add(&sb, "'", 1);
                p += 2;
                continue;
            }
            break;
        }
        if (q == '"' && *p == '"')
            break;
        if (*p == '\t')
            goto unsupported;
        if (q == '"' && *p == '\\') {
            unsigned long cp;
            int n = 0;
            if (p + 1 >= e)
                goto unsupported;
            switch (p[1]) {
            case '\\':
                sb_add(&sb, "\\", 1);
                break;
            case '"':
                sb_add(&sb, "\"", 1);
                break;
            case '/':
                sb_add(&sb, "/", 1);
                break;
            case 'n':
                sb_add(&sb, "\n", 1);
                break;
            case 't':
                sb_add(&sb, "\t", 1);
                break;
            case 'r':
                sb_add(&sb, "\r", 1);
                break;
            case 'x':
                n = 2;
                break;
            case 'u':
                n = 4;
                break;
            case 'U':
                n = 8;
                break;
            default:
                goto unsupported;
            }
            if (n) {
                if (p + 2 + n > e || yf_hex(p + 2, n, &cp) || cp == 0 ||
                    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
                    goto unsupported;
                yf_utf8(&sb, cp);
                p += 2 + n;
            } else {
                p += 2;
            }
            continue;
        }
        sb_add(&sb, p, 1);
        p++;
    }
    if (p >= e)
        goto unsupported; /* continues on the next line */
    *after = p + 1;
    /* The input was checked as UTF-8 without NUL bytes (yf_split), and
     * escapes add only valid, non-zero code points. */
    v = json_stringn_nocheck(sb.buf, sb.len);
    sb_release(&sb);
    return v;
unsupported:
    sb_release(&sb);
    return NULL;
}

/* Only spaces and a comment may follow a quoted scalar. */
static int yf_rest_empty(const char *p, const char *e)
{
    while (p < e && *p == ' ')
        p++;
    return p >= e || *p == '#';
}

/*
 * A block scalar whose header ("|", ">-", ...) is at h; its content is on
 * the following lines indented more than parent.
 */
static json_t *yf_block(struct yf *y, const char *h, const char *e, int parent,
                        int *rc)
{
    struct strbuf sb = STRBUF_INIT;
    int folded = *h == '>', chomp = 0, indent = -1;
    const char *p = h + 1;
    size_t i, trailing = 0, start;
    int prev_text = 0;
    json_t *v;

    if (p < e && (*p == '-' || *p == '+'))
        chomp = *p++ == '-' ? -1 : 1;
    if (!yf_rest_empty(p, e) || (p < e && *p != ' ' && *p != '#'))
        goto unsupported;
    y->i++;
    start = y->i;
    /* The block's indentation is that of its first non-blank line. */
    for (i = start; i < y->n; i++) {
        const struct yf_line *l = &y->lines[i];
        if (l->s == l->e)
            continue;
        indent = l->indent;
        break;
    }
    if (indent <= parent) {
        /* Empty block: only blank lines, if any, belong to it. */
        indent = -1;
    }
    sb_add(&sb, "", 0);
    for (i = start; i < y->n; i++) {
        const struct yf_line *l = &y->lines[i];
        const char *text = l->s - l->indent; /* line start */
        size_t width = (size_t)(l->e - text);

        if (l->s == l->e) {
            /* Blank: spaces beyond the indentation would be content. */
            if (indent >= 0 && l->indent > indent)
                goto unsupported;
            if (indent < 0 && l->indent > parent)
                goto unsupported;
            trailing++;
            continue;
        }
        if (indent < 0 || l->indent < indent) {
            if (l->indent > parent)
                goto unsupported; /* less indented than the block */
            break;
        }
        if (l->indent > indent && folded)
            goto unsupported; /* more-indented folding lines */
        if (folded) {
            if (prev_text)
                sb_add(&sb, trailing ? "" : " ", trailing ? 0 : 1);
            for (; trailing; trailing--)
                sb_add(&sb, "\n", 1);
        } else {
            for (; trailing; trailing--)
                sb_add(&sb, "\n", 1);
        }
        sb_add(&sb, text + indent, width - (size_t)indent);
        if (!folded)
            sb_add(&sb, "\n", 1);
        prev_text = 1;
    }
    y->i = i;
    if (sb.len > YJ_MAX_SCALAR)
        goto unsupported;
    if (i == y->n && !y->ends_nl)
        goto unsupported; /* the last line has no break to keep or clip */
    /* Chomping: the final line break and trailing blank lines. */
    if (folded && prev_text)
        sb_add(&sb, "\n", 1);
    if (chomp == 1) {
        for (; trailing; trailing--)
            sb_add(&sb, "\n", 1);
    } else if (chomp == -1 && sb.len && sb.buf[sb.len - 1] == '\n') {
        sb_setlen(&sb, sb.len - 1);
    }
    if (!prev_text) {
        if (chomp == 1)
            goto unsupported;
        sb_setlen(&sb, 0);
    }
    v = json_stringn_nocheck(sb.buf, sb.len); /* lines of checked input */
    sb_release(&sb);
    if (!v)
        *rc = YF_UNSUPPORTED;
    y->nodes++;
    return v;
unsupported:
    sb_release(&sb);
    *rc = YF_UNSUPPORTED;
    return NULL;
}

/*
 * The value that follows "key:" or "- " on the same line, from s to e.
 * parent is the indentation of the mapping or sequence holding it.
 */
static json_t *yf_inline(struct yf *y, const char *s, const char *e, int parent,
                         int *rc)
{
    const char *end, *after;
    json_t *v;

    if (*s == '|' || *s == '>')
        return yf_block(y, s, e, parent, rc);
    y->i++;
    y->nodes++;
    if (*s == '"' || *s == '\'') {
        v = yf_quoted(y, s, e, &after);
        if (!v || !yf_rest_empty(after, e)) {
            json_decref(v);
            *rc = YF_UNSUPPORTED;
            return NULL;
        }
        return v;
    }
    if ((*s == '[' || *s == '{') && s + 1 < e &&
        s[1] == (*s == '[' ? ']' : '}') && yf_rest_empty(s + 2, e))
        return *s == '[' ? json_array() : json_object();
    if ((size_t)(e - s) > YJ_MAX_SCALAR) {
        *rc = YF_UNSUPPORTED; /* libyaml reports the limit */
        return NULL;
    }
    if (!yf_plain_start_ok(s, e) || !(end = yf_plain_end(y, s, e))) {
        *rc = YF_UNSUPPORTED;
        return NULL;
    }
    /* A plain scalar continued on a more indented line: leave it. */
    {
        struct yf_line *n = yf_next(y);
        if (n && n->indent > parent) {
            *rc = YF_UNSUPPORTED;
            return NULL;
        }
    }
    return yj_resolve_plain_valid(s, (size_t)(end - s));
}

/*
 * A quoted key ("key": value) at s: *ks and *kl point into q, which holds
 * the key's value. Out of line: the common plain keys are scanned by
 * yf_key, which stays small.
 */
__attribute__((noinline)) static int
yf_key_quoted(const struct yf *y, const char *s, const char *e,
              const char **colon, struct strbuf *q, const char **ks, size_t *kl)
{
    const char *after;
    json_t *k = yf_quoted(y, s, e, &after);

    if (!k)
        return 0;
    while (after < e && *after == ' ')
        after++;
    if (after >= e || *after != ':' || (after + 1 < e && after[1] != ' ')) {
        json_decref(k);
        return 0;
    }
    if (after - s > 1024) {
        json_decref(k);
        return 0;
    }
    *colon = after;
    sb_setlen(q, 0);
    sb_add(q, json_string_value(k), json_string_length(k));
    json_decref(k);
    *ks = q->buf;
    *kl = q->len;
    return 1;
}

/*
 * The key of a "key: value" line: *ks and *kl point into the line for a
 * plain key (no copy), or into q for a quoted one. *colon gets the ':'.
 * Returns 0 when the line is not a key line. The last plain answer is
 * remembered: a mapping's first line is looked at by yf_node, then yf_map
 * (and, after "- ", by yf_seq first).
 */
static int yf_key(struct yf *y, const char *s, const char *e,
                  const char **colon, struct strbuf *q, const char **ks,
                  size_t *kl)
{
    const char *p;

    if (y->key_s == s && y->key_e == e) {
        *colon = y->key_colon;
        *ks = s;
        *kl = y->key_len;
        return 1;
    }
    /* YAML limits an implicit key to 1024 characters; libyaml refuses a
     * longer one, so leave it to libyaml to say so. */
    if (e - s > 1024 && !memchr(s, ':', 1025))
        return 0;
    if (*s == '"' || *s == '\'')
        return yf_key_quoted(y, s, e, colon, q, ks, kl);
    if (!yf_plain_start_ok(s, e) || (*s == '<' && s + 1 < e && s[1] == '<'))
        return 0;
    for (p = s; p < e; p++) {
        p = yf_find3(p, e, y->end, ':', '#', '\t');
        if (p >= e)
            break;
        if (*p == '\t' || (*p == '#' && p > s && p[-1] == ' '))
            return 0;
        if (*p == ':' && (p + 1 == e || p[1] == ' '))
            break;
    }
    if (p >= e || p - s > 1024)
        return 0;
    *colon = p;
    while (p > s && p[-1] == ' ')
        p--;
    *ks = s;
    *kl = (size_t)(p - s);
    /* The key is in the line itself. */
    y->key_s = s;
    y->key_e = e;
    y->key_colon = *colon;
    y->key_len = *kl;
    return 1;
}

static int yf_is_seq_item(const struct yf_line *l)
{
    return *l->s == '-' && (l->s + 1 == l->e || l->s[1] == ' ');
}

/* The value after "key:" with nothing else on the line. */
static json_t *yf_nested(struct yf *y, int indent, int *rc)
{
    struct yf_line *n;

    y->i++;
    n = yf_next(y);
    if (n && n->indent > indent)
        return yf_node(y, n->indent, rc);
    if (n && n->indent == indent && yf_is_seq_item(n))
        return yf_node(y, indent, rc); /* sequence at the key's column */
    y->nodes++;
    return json_null();
}

static json_t *yf_map(struct yf *y, int indent, int *rc)
{
    json_t *map = json_object();
    struct yf_line *l = NULL;
    struct strbuf q = STRBUF_INIT;
    size_t size = 0;

    while (*rc == 0 && (l = yf_next(y)) && l->indent == indent &&
           !yf_is_seq_item(l)) {
        const char *colon, *v, *ks;
        size_t klen;
        json_t *val;
        int items;

        /* No key holds a NUL byte: yf_split refuses them, and yf_quoted
         * refuses escapes of U+0000. */
        if (!yf_key(y, l->s, l->e, &colon, &q, &ks, &klen)) {
            *rc = YF_UNSUPPORTED;
            break;
        }
        items = y->depth == 1 && klen == 5 && memcmp(ks, "items", 5) == 0;
        v = colon + 1;
        while (v < l->e && *v == ' ')
            v++;
        if (v == l->e || *v == '#') {
            y->want_items = items;
            val = yf_nested(y, indent, rc);
            y->want_items = 0;
        } else {
            val = yf_inline(y, v, l->e, indent, rc);
        }
        /* The whole input was checked as UTF-8 in yf_split. A quoted key
         * lives in q, which nothing below this level touches. A key seen
         * before replaces its value and leaves the size as it was: a
         * duplicate, which libyaml's path reports. */
        if (!val || json_object_setn_new_nocheck(map, ks, klen, val) ||
            json_object_size(map) != ++size) {
            *rc = YF_UNSUPPORTED;
            break;
        }
    }
    sb_release(&q);
    if (*rc == 0 && l && l->indent > indent)
        *rc = YF_UNSUPPORTED; /* stray indentation */
    y->nodes++;
    return map;
}

static json_t *yf_seq(struct yf *y, int indent, int *rc)
{
    json_t *seq = json_array();
    struct yf_line *l = NULL;
    int items = y->want_items;

    y->want_items = 0;
    if (items) {
        json_decref(y->item_lines);
        y->item_lines = json_array();
    }

    while (*rc == 0 && (l = yf_next(y)) && l->indent == indent &&
           yf_is_seq_item(l)) {
        const char *v = l->s + 1;
        json_t *val;

        while (v < l->e && *v == ' ')
            v++;
        if (v == l->e || *v == '#') {
            struct yf_line *n;
            y->i++;
            n = yf_next(y);
            if (n && n->indent > indent) {
                if (items)
                    json_array_append_new(y->item_lines,
                                          json_integer(yf_no(y, n)));
                val = yf_node(y, n->indent, rc);
            } else {
                if (items)
                    json_array_append_new(y->item_lines,
                                          json_integer(yf_no(y, l)));
                val = json_null();
            }
        } else {
            const char *colon, *ks;
            size_t klen;
            int is_key = yf_key(y, v, l->e, &colon, &y->scratch, &ks, &klen);
            if (items)
                json_array_append_new(y->item_lines, json_integer(yf_no(y, l)));
            if (is_key || (*v == '-' && (v + 1 == l->e || v[1] == ' '))) {
                /* "- key: v" or "- - x": the rest of the line starts a
                 * node at its own column; re-read this line from there. */
                int col = (int)(v - (l->s - l->indent));
                l->s = v;
                l->indent = col;
                val = yf_node(y, col, rc);
            } else {
                val = yf_inline(y, v, l->e, indent, rc);
            }
        }
        if (!val) {
            *rc = YF_UNSUPPORTED;
            break;
        }
        json_array_append_new(seq, val);
    }
    if (*rc == 0 && l && l->indent > indent)
        *rc = YF_UNSUPPORTED;
    y->nodes++;
    return seq;
}

static json_t *yf_node(struct yf *y, int indent, int *rc)
{
    struct yf_line *l = yf_next(y);
    json_t *v;

    if (!l || ++y->depth > (int)YJ_MAX_DEPTH || y->nodes > YJ_MAX_NODES) {
        *rc = YF_UNSUPPORTED;
        return NULL;
    }
    if (yf_is_seq_item(l)) {
        v = yf_seq(y, indent, rc);
    } else {
        const char *colon, *ks;
        size_t klen;
        if (!yf_key(y, l->s, l->e, &colon, &y->scratch, &ks, &klen)) {
            /* A scalar where a node starts (a scalar document, or a
             * continuation): leave it to libyaml. */
            *rc = YF_UNSUPPORTED;
            y->depth--;
            return NULL;
        }
        v = yf_map(y, indent, rc);
    }
    y->depth--;
    if (*rc) {
        json_decref(v);
        return NULL;
    }
    return v;
}

int yj_slow_only;

int yj_parse_fast(const char *buf, size_t len, long first_line, yj_doc_fn fn,
                  void *ctx)
{
    struct yf y;
    struct yf_line *l = NULL;
    json_t *doc = NULL;
    int rc = YF_UNSUPPORTED;

    memset(&y, 0, sizeof(y));
    y.lines = yf_lines_spare;
    y.cap = yf_lines_spare_cap;
    yf_lines_spare = NULL;
    yf_lines_spare_cap = 0;
    y.ends_nl = len > 0 && buf[len - 1] == '\n';
    y.first = first_line;
    if (yf_split(&y, buf, len))
        goto out;
    l = yf_next(&y);
    if (l && l->indent == 0 && l->e - l->s >= 3 &&
        memcmp(l->s, "---", 3) == 0) {
        if (!yf_rest_empty(l->s + 3, l->e) ||
            (l->e - l->s > 3 && l->s[3] != ' '))
            goto out;
        y.i++;
        l = yf_next(&y);
    }
    if (!l) {
        rc = 0; /* empty document */
        goto out;
    }
    if (l->indent != 0 || *l->s == '%' ||
        (l->e - l->s >= 3 &&
         (memcmp(l->s, "---", 3) == 0 || memcmp(l->s, "...", 3) == 0)))
        goto out;
    /* A later document marker ("---", "...") at column 0 means more than
     * one document, or the end of one: libyaml's business. */
    if (y.last_marker > y.i)
        goto out;
    y.root_line = yf_no(&y, l);
    rc = 0;
    yf_arena_on();
    doc = yf_node(&y, 0, &rc);
    yf_arena_off();
    if (rc == 0 && yf_next(&y))
        rc = YF_UNSUPPORTED; /* something after the root node */
    if (rc || !doc || !json_is_object(doc)) {
        json_decref(doc);
        rc = YF_UNSUPPORTED;
        goto out;
    }
    fn(doc, y.root_line, y.item_lines, ctx);
out:
    json_decref(y.item_lines);
    sb_release(&y.scratch);
    /* Keep the line table for the next document unless it is unusually
     * large. */
    if (!yf_lines_spare && y.cap <= YF_SPARE_LINES) {
        yf_lines_spare = y.lines;
        yf_lines_spare_cap = y.cap;
    } else {
        free(y.lines);
    }
    return rc;
}
