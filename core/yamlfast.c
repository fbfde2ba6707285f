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
#include "yamlfast_int.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jalloc.h"
#include "util.h"
#include "banned.h"

/* The line table of the previous document, reused: one allocation per
 * document was a measurable part of reading a large cluster dump. Taken
 * and given back atomically, so that parsers in several threads share it
 * safely (one of them at a time reuses it, the others allocate). */
#define YF_SPARE_LINES 65536
struct yf_spare {
    struct yf_line *lines;
    size_t cap;
};
static struct yf_spare *_Atomic yf_spare;

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
    struct yf_spare *sp = atomic_exchange(&yf_spare, NULL), *none = NULL;
    json_t *doc = NULL;
    int rc = YF_UNSUPPORTED;

    memset(&y, 0, sizeof(y));
    if (sp) {
        y.lines = sp->lines;
        y.cap = sp->cap;
    }
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
    jalloc_begin(); /* the tree's values from the arena (jalloc.h) */
    doc = yf_node(&y, 0, &rc);
    jalloc_end();
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
     * large (or another parser kept its own meanwhile). */
    if (y.cap <= YF_SPARE_LINES) {
        if (!sp)
            sp = xmalloc(sizeof(*sp));
        sp->lines = y.lines;
        sp->cap = y.cap;
        if (atomic_compare_exchange_strong(&yf_spare, &none, sp))
            return rc;
    }
    free(y.lines);
    free(sp);
    return rc;
}
