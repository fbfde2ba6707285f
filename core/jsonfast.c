/*
 * jsonfast.c: JSON text straight into jansson values (jsonfast.h).
 *
 * jansson's own reader goes through a character stream with a callback
 * per byte and a token buffer per string; this reader walks the bytes in
 * place: a string without escapes is copied once, by json_stringn_nocheck,
 * from the input (its UTF-8 checked while it is scanned, a block of bytes
 * at a time with the YAML fast path's scanners), keys go into objects
 * without a second lookup (a duplicate shows as an object that did not
 * grow), and small integers need no strtoll. Lines are counted only where
 * one is reported: at the start of a document, of an item of a root list,
 * and at an error.
 */
#include "jsonfast.h"
#include "yamlfast_int.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jalloc.h"
#include "util.h"
#include "banned.h"

struct jf {
    const char *buf, *end;
    long first_line;
    const char *lined; /* lines are counted up to here */
    long line;         /* the line of lined */
    size_t nodes;      /* values in the current document */
    unsigned depth;
    json_t *item_lines;
    struct strbuf scratch; /* a string with escapes, decoded */
    struct err *e;
    int failed;
    jf_item_fn item_fn; /* see jf_parse_items */
    void *ctx;
    json_t *root; /* the document's root object while it is built */
    int stopped;  /* item_fn asked to stop */
};

enum { JF_INNER, JF_ROOT, JF_ITEMS };

/* The line of at, a position not before the last one asked for. */
static long jf_line(struct jf *j, const char *at)
{
    const char *p = j->lined, *nl;

    while (p < at && (nl = memchr(p, '\n', (size_t)(at - p)))) {
        j->line++;
        p = nl + 1;
    }
    j->lined = at;
    return j->line;
}

/* Records the first error only, with its line and column; what says what
 * was expected and never quotes the input. */
static void *jf_fail(struct jf *j, const char *at, const char *what)
{
    const char *p = j->buf, *nl;
    long line = j->first_line;

    if (j->failed)
        return NULL;
    j->failed = 1;
    while (p < at && (nl = memchr(p, '\n', (size_t)(at - p)))) {
        line++;
        p = nl + 1;
    }
    err_set(j->e, "%ld:%ld: %s", line, (long)(at - p) + 1, what);
    return NULL;
}

static inline const char *jf_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* The length of the valid UTF-8 sequence at p (a byte from 0x80 up), or 0
 * (overlong forms, surrogates and code points past U+10FFFF are not). */
static size_t jf_utf8(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t n, i;

    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0;
    if ((size_t)(end - p) < n)
        return 0;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

static int jf_hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    int i;

    for (i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

/* The escape at p (a backslash), decoded onto the scratch buffer; the
 * byte after it, or NULL. */
static const char *jf_escape(struct jf *j, const char *p)
{
    const char *end = j->end;
    unsigned cp, lo;
    char u[4];
    size_t n;

    if (end - p < 2)
        return jf_fail(j, p, "unterminated string");
    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
        sb_add(&j->scratch, p + 1, 1);
        return p + 2;
    case 'b':
        sb_add(&j->scratch, "\b", 1);
        return p + 2;
    case 'f':
        sb_add(&j->scratch, "\f", 1);
        return p + 2;
    case 'n':
        sb_add(&j->scratch, "\n", 1);
        return p + 2;
    case 'r':
        sb_add(&j->scratch, "\r", 1);
        return p + 2;
    case 't':
        sb_add(&j->scratch, "\t", 1);
        return p + 2;
    case 'u':
        break;
    default:
        return jf_fail(j, p,
                       "invalid escape in a string; expected one of "
                       "\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
    }
    if (end - p < 6 || !jf_hex4(p + 2, &cp))
        return jf_fail(j, p, "expected four hex digits after \\u");
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return jf_fail(j, p, "lone UTF-16 low surrogate in a \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
            !jf_hex4(p + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF)
            return jf_fail(j, p,
                           "UTF-16 high surrogate in a \\u escape not "
                           "followed by a low one");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        p += 6;
    }
    if (cp == 0)
        return jf_fail(j, p, "\\u0000 in a string is not allowed");
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sb_add(&j->scratch, u, n);
    return p + 6;
}

/* The first '"', '\\', byte below 0x20 or from 0x7F up in [p, end). */
static inline const char *jf_plain(const char *p, const char *end)
{
    for (; end - p >= YF_BLOCK; p += YF_BLOCK) {
        yf_mask m = yf_mask_eq3(p, '"', '\\', '"') | yf_mask_special(p);
        if (m)
            return p + yf_first(m);
    }
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20 &&
           (unsigned char)*p < 0x7F)
        p++;
    return p;
}

/*
 * The string whose opening quote is at p: *out and *len get its text,
 * in the input when it has no escape, else in the scratch buffer (valid
 * until the next string). Returns the byte after the closing quote, or
 * NULL.
 */
static const char *jf_str(struct jf *j, const char *p, const char **out,
                          size_t *len)
{
    const char *end = j->end, *start = p + 1, *run = start;
    int esc = 0;

    p = start;
    for (;;) {
        unsigned char c;
        p = jf_plain(p, end);
        if (p >= end)
            return jf_fail(j, start - 1, "unterminated string");
        c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c >= 0x80) {
            size_t n =
                jf_utf8((const unsigned char *)p, (const unsigned char *)end);
            if (!n)
                return jf_fail(j, p, "invalid UTF-8 in a string");
            p += n;
        } else if (c == 0x7F) {
            p++;
        } else if (c == '\\') {
            if (!esc) {
                esc = 1;
                sb_setlen(&j->scratch, 0);
            }
            sb_add(&j->scratch, run, (size_t)(p - run));
            p = jf_escape(j, p);
            if (!p)
                return NULL;
            run = p;
        } else {
            return jf_fail(j, p,
                           "control character in a string; expected it "
                           "escaped");
        }
    }
    if (esc) {
        sb_add(&j->scratch, run, (size_t)(p - run));
        *out = j->scratch.buf;
        *len = j->scratch.len;
    } else {
        *out = start;
        *len = (size_t)(p - start);
    }
    if (*len > YJ_MAX_SCALAR)
        return jf_fail(j, start - 1, "string longer than the limit");
    return p + 1;
}

static inline int jf_digit(const char *p, const char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

/* After a number or a literal: anything that could continue a token. */
static int jf_glued(const char *p, const char *end)
{
    char c;

    if (p >= end)
        return 0;
    c = *p;
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '+' ||
           c == '_';
}

static json_t *jf_number(struct jf *j, const char **pp)
{
    const char *p = *pp, *s = p, *end = j->end, *d;
    int neg = 0, real = 0;
    json_t *v;

    if (*p == '-') {
        neg = 1;
        p++;
    }
    if (!jf_digit(p, end))
        return jf_fail(j, p, "expected a digit");
    d = p;
    if (*p == '0')
        p++;
    else
        while (jf_digit(p, end))
            p++;
    if (p < end && *p == '.') {
        real = 1;
        p++;
        if (!jf_digit(p, end))
            return jf_fail(j, p, "expected a digit after '.'");
        while (jf_digit(p, end))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        real = 1;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!jf_digit(p, end))
            return jf_fail(j, p, "expected a digit in the exponent");
        while (jf_digit(p, end))
            p++;
    }
    if (jf_glued(p, end))
        return jf_fail(j, p,
                       "expected ',', ']', '}' or white space after "
                       "a number");
    if (!real) {
        /* int64 holds every 18-digit number; longer ones are checked. */
        uint64_t u = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
        const char *q;
        int over = 0;
        for (q = d; q < p; q++) {
            unsigned dg = (unsigned)(*q - '0');
            if (u > (lim - dg) / 10) {
                over = 1;
                break;
            }
            u = u * 10 + dg;
        }
        if (!over) {
            *pp = p;
            if (neg)
                return json_integer(
                    u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(json_int_t)u);
            return json_integer((json_int_t)u);
        }
        /* outside int64: a real, as the YAML path resolves it */
    }
    {
        char small[64], *buf = small;
        double dv;
        size_t n = (size_t)(p - s);
        if (n >= sizeof(small))
            buf = xmalloc(n + 1);
        memcpy(buf, s, n);
        buf[n] = '\0';
        dv = strtod(buf, NULL);
        if (buf != small)
            free(buf);
        if (isinf(dv))
            return jf_fail(j, s, "number outside the range of a double");
        v = json_real(dv);
    }
    *pp = p;
    return v;
}

static json_t *jf_value(struct jf *j, const char **pp, int mode);

static json_t *jf_array(struct jf *j, const char **pp, int mode)
{
    const char *p = *pp + 1, *end = j->end;
    json_t *arr = json_array();
    int lines = mode != JF_INNER;

    if (lines && !j->item_lines)
        j->item_lines = json_array();
    p = jf_ws(p, end);
    if (p < end && *p == ']') {
        *pp = p + 1;
        return arr;
    }
    for (size_t index = 0;; index++) {
        long line = lines ? jf_line(j, p) : 0;
        json_t *v = jf_value(j, &p, JF_INNER);
        if (!v)
            goto fail;
        if (mode == JF_ITEMS && j->item_fn) {
            int r;
            /* what the caller does with the item (judge it, keep
             * state across items) is not the tree's: off the arena */
            jalloc_end();
            r = j->item_fn(j->root, v, line, index, j->ctx);
            jalloc_begin();
            if (r < 0) {
                json_decref(v);
                j->stopped = j->failed = 1;
                goto fail;
            }
            if (r > 0) {
                json_decref(v); /* taken */
                goto next;
            }
        }
        if (lines)
            json_array_append_new(j->item_lines, json_integer(line));
        json_array_append_new(arr, v);
    next:
        p = jf_ws(p, end);
        if (p < end && *p == ',') {
            p = jf_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == ']')
            break;
        jf_fail(j, p, "expected ',' or ']' after an array element");
        goto fail;
    }
    *pp = p + 1;
    return arr;
fail:
    json_decref(arr);
    return NULL;
}

static json_t *jf_object(struct jf *j, const char **pp, int mode)
{
    const char *p = *pp + 1, *end = j->end;
    json_t *obj = json_object();

    if (mode == JF_ROOT)
        j->root = obj;
    p = jf_ws(p, end);
    if (p < end && *p == '}') {
        *pp = p + 1;
        return obj;
    }
    for (;;) {
        const char *k, *kat = p;
        char *kcopy = NULL;
        size_t klen, size;
        json_t *v;
        if (p >= end || *p != '"') {
            jf_fail(j, p, "expected a string (an object key)");
            goto fail;
        }
        p = jf_str(j, p, &k, &klen);
        if (!p)
            goto fail;
        if (k == j->scratch.buf) {
            /* the value may reuse the scratch buffer */
            kcopy = xmalloc(klen + 1);
            memcpy(kcopy, k, klen);
            k = kcopy;
        }
        p = jf_ws(p, end);
        if (p >= end || *p != ':') {
            free(kcopy);
            jf_fail(j, p, "expected ':' after an object key");
            goto fail;
        }
        p = jf_ws(p + 1, end);
        v = jf_value(j, &p,
                     mode == JF_ROOT && klen == 5 && memcmp(k, "items", 5) == 0
                         ? JF_ITEMS
                         : JF_INNER);
        if (!v) {
            free(kcopy);
            goto fail;
        }
        /* A duplicate replaces the value and leaves the size as it was. */
        size = json_object_size(obj);
        json_object_setn_new_nocheck(obj, k, klen, v);
        free(kcopy);
        if (json_object_size(obj) == size) {
            jf_fail(j, kat, "duplicate key");
            goto fail;
        }
        p = jf_ws(p, end);
        if (p < end && *p == ',') {
            p = jf_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}')
            break;
        jf_fail(j, p, "expected ',' or '}' after an object member");
        goto fail;
    }
    *pp = p + 1;
    return obj;
fail:
    json_decref(obj);
    return NULL;
}

static json_t *jf_literal(struct jf *j, const char **pp, const char *word,
                          json_t *v)
{
    size_t n = strlen(word);
    const char *p = *pp;

    if ((size_t)(j->end - p) < n || memcmp(p, word, n) != 0 ||
        jf_glued(p + n, j->end))
        return jf_fail(j, p,
                       "expected a value (object, array, string, "
                       "number, true, false or null)");
    *pp = p + n;
    return v;
}

static json_t *jf_value(struct jf *j, const char **pp, int mode)
{
    const char *p = *pp, *s;
    size_t len;
    json_t *v;

    if (p >= j->end)
        return jf_fail(j, p, "expected a value, found the end of the input");
    if (++j->nodes > YJ_MAX_NODES) {
        char what[96];
        snprintf(what, sizeof(what),
                 "document has more than the limit of %u nodes", YJ_MAX_NODES);
        return jf_fail(j, p, what);
    }
    switch (*p) {
    case '{':
    case '[':
        if (j->depth >= YJ_MAX_DEPTH) {
            char what[64];
            snprintf(what, sizeof(what), "nesting deeper than the limit of %u",
                     YJ_MAX_DEPTH);
            return jf_fail(j, p, what);
        }
        j->depth++;
        v = *p == '{' ? jf_object(j, pp, mode) : jf_array(j, pp, mode);
        j->depth--;
        return v;
    case '"':
        p = jf_str(j, p, &s, &len);
        if (!p)
            return NULL;
        *pp = p;
        return json_stringn_nocheck(s, len);
    case 't':
        return jf_literal(j, pp, "true", json_true());
    case 'f':
        return jf_literal(j, pp, "false", json_false());
    case 'n':
        return jf_literal(j, pp, "null", json_null());
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9'))
            return jf_number(j, pp);
        return jf_fail(j, p,
                       "expected a value (object, array, string, "
                       "number, true, false or null)");
    }
}

/*
 * A document of more than YJ_MAX_NODES values is refused before any of it
 * is built (building 2M nodes to throw them away takes hundreds of MB).
 * Only text of at least 2 * YJ_MAX_NODES bytes can hold one, so smaller
 * text is not scanned. The scan counts the values of each top-level
 * array or object from its punctuation: one per ':' in an object, one
 * per ',' in an array and one for a non-empty array. *doc gets the start
 * of the first document over the limit; NULL when none is.
 */
static const char *jf_over(const char *p, const char *end, const char **doc)
{
    char open[YJ_MAX_DEPTH];
    unsigned d = 0;
    size_t n = 0;
    const char *start = p, *q;

    if ((size_t)(end - p) < 2 * (size_t)YJ_MAX_NODES)
        return NULL;
    for (; p < end; p++) {
        switch (*p) {
        case '"':
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\')
                    p++;
            break;
        case '[':
        case '{':
            if (d == 0) {
                n = 1;
                start = p;
            }
            if (d == YJ_MAX_DEPTH)
                return NULL; /* the parser refuses the depth */
            open[d++] = *p;
            q = jf_ws(p + 1, end);
            if (*p == '[' && q < end && *q != ']')
                n++;
            break;
        case ']':
        case '}':
            if (d)
                d--;
            break;
        case ':':
            if (d && open[d - 1] == '{')
                n++;
            break;
        case ',':
            if (d && open[d - 1] == '[')
                n++;
            break;
        default:
            break;
        }
        if (n > YJ_MAX_NODES) {
            *doc = start;
            return p;
        }
    }
    return NULL;
}

static void *jf_fail_nodes(struct jf *j, const char *at)
{
    char what[96];

    snprintf(what, sizeof(what), "document has more than the limit of %u nodes",
             YJ_MAX_NODES);
    return jf_fail(j, at, what);
}

static void jf_init(struct jf *j, const char *buf, size_t len, long first_line,
                    struct err *e)
{
    memset(j, 0, sizeof(*j));
    j->buf = buf;
    j->end = buf + len;
    j->first_line = first_line;
    j->lined = buf;
    j->line = first_line;
    j->scratch = (struct strbuf)STRBUF_INIT;
    j->e = e;
}

int jf_parse(const char *buf, size_t len, long first_line, yj_doc_fn fn,
             void *ctx, struct err *e)
{
    return jf_parse_items(buf, len, first_line, fn, NULL, ctx, e);
}

int jf_parse_items(const char *buf, size_t len, long first_line, yj_doc_fn fn,
                   jf_item_fn item_fn, void *ctx, struct err *e)
{
    struct jf j;
    const char *p, *over_doc = NULL, *over;
    int rc = 0;

    jf_init(&j, buf, len, first_line, e);
    j.item_fn = item_fn;
    j.ctx = ctx;
    over = jf_over(buf, j.end, &over_doc);
    p = jf_ws(buf, j.end);
    if (p >= j.end) {
        jf_fail(&j, p, "expected a JSON value, found none");
        rc = -1;
    }
    while (p < j.end) {
        long line = jf_line(&j, p);
        json_t *doc;
        j.nodes = 0;
        j.item_lines = NULL;
        if (p == over_doc) {
            jf_fail_nodes(&j, over);
            rc = -1;
            break;
        }
        jalloc_begin(); /* the tree's values from the arena (jalloc.h) */
        doc = jf_value(&j, &p, JF_ROOT);
        jalloc_end();
        j.root = NULL;
        if (!doc) {
            json_decref(j.item_lines);
            rc = j.stopped ? 1 : -1;
            break;
        }
        p = jf_ws(p, j.end);
        rc = fn(doc, line, j.item_lines, ctx) ? 1 : 0;
        json_decref(j.item_lines);
        if (rc)
            break;
    }
    sb_release(&j.scratch);
    return rc;
}

json_t *jf_loadb(const char *buf, size_t len, struct err *e)
{
    struct jf j;
    const char *p, *over_doc = NULL, *over;
    json_t *v;

    jf_init(&j, buf, len, 1, e);
    over = jf_over(buf, j.end, &over_doc);
    p = jf_ws(buf, j.end);
    if (over && p == over_doc)
        return jf_fail_nodes(&j, over);
    v = jf_value(&j, &p, JF_INNER);
    if (v) {
        p = jf_ws(p, j.end);
        if (p < j.end) {
            json_decref(v);
            v = jf_fail(&j, p,
                        "expected the end of the input after the "
                        "value");
        }
    }
    sb_release(&j.scratch);
    return v;
}
