/* jsonw.c: compact JSON writer; see jsonw.h. */
#include "jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* Bytes that need escaping: control characters, '"' and '\\'. */
static const unsigned char jsonw_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ['"'] = 1, ['\\'] = 1};

/* True when one of the eight bytes of w is a control character, '"' or
 * '\\'. With every byte xor 0x02, '"' becomes 0x20 and control characters
 * stay below it while ' ' and '!' move above, so one "byte below 0x21"
 * test finds both; '\\' is the usual zero-byte test of w ^ '\\'. Both
 * tests are exact for the word as a whole. UTF-8 bytes (0x80 and up)
 * never match. */
static int jsonw_special8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t x = w ^ (ones * 0x02), b = w ^ (ones * '\\');

    return ((((x - ones * 0x21) & ~x) | ((b - ones) & ~b)) & high) != 0;
}

/*
 * Copies s to o up to the first byte that needs escaping and returns how
 * many bytes that was. A word at a time: most strings of a document need
 * no escaping at all, and copying while scanning saves a second pass (and
 * a memcpy call per string). The end of a string is read as a last,
 * overlapping word (two half words below 8 bytes) rather than byte by
 * byte: the bytes it reads again were already found plain.
 */
static size_t jsonw_plain(char *o, const char *s, size_t len)
{
    size_t i = 0;
    uint64_t w;
    uint32_t lo, hi;

    if (len >= 8) {
        while (i + 8 <= len) {
            memcpy(&w, s + i, 8);
            if (jsonw_special8(w))
                break;
            memcpy(o + i, &w, 8);
            i += 8;
        }
        if (i == len)
            return len;
        if (i + 8 > len) {
            memcpy(&w, s + len - 8, 8);
            if (!jsonw_special8(w)) {
                memcpy(o + len - 8, &w, 8);
                return len;
            }
        }
    } else if (len >= 4) {
        memcpy(&lo, s, 4);
        memcpy(&hi, s + len - 4, 4);
        if (!jsonw_special8(lo | (uint64_t)hi << 32)) {
            memcpy(o, &lo, 4);
            memcpy(o + len - 4, &hi, 4);
            return len;
        }
    }
    while (i < len && !jsonw_special[(unsigned char)s[i]]) {
        o[i] = s[i];
        i++;
    }
    return i;
}

/* The rest of a string from its first byte that needs escaping, and the
 * closing quote. Kept out of line: inlined, its registers would be saved
 * and restored for every string. */
__attribute__((noinline)) static void jsonw_escaped(struct strbuf *sb,
                                                    const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, run = 0;

    for (;;) {
        unsigned char c;
        const char *esc;
        char u[7];
        uint64_t w;

        while (i + 8 <= len) {
            memcpy(&w, s + i, 8);
            if (jsonw_special8(w))
                break;
            i += 8;
        }
        while (i < len && !jsonw_special[(unsigned char)s[i]])
            i++;
        if (i >= len)
            break;
        c = (unsigned char)s[i];
        sb_add(sb, s + run, i - run);
        run = ++i;
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        default:
            u[0] = '\\';
            u[1] = 'u';
            u[2] = '0';
            u[3] = '0';
            u[4] = hex[c >> 4];
            u[5] = hex[c & 15];
            u[6] = '\0';
            esc = u;
        }
        sb_add(sb, esc, strlen(esc));
    }
    sb_add(sb, s + run, len - run);
    sb_add(sb, "\"", 1);
}

/*
 * A JSON string of s, then the character after (a key's ':'; 0: none).
 * Inline in the document writer: it runs for every key and string.
 */
__attribute__((always_inline)) static inline void
jsonw_str(struct strbuf *sb, const char *s, size_t len, char after)
{
    char *o;
    size_t n;

    /* Room for the string, its quotes, after and the NUL; escapes grow
     * it further as they come. */
    if (sb->len + len + 4 > sb->cap)
        sb_grow(sb, len + 3);
    o = sb->buf + sb->len;
    o[0] = '"';
    n = jsonw_plain(o + 1, s, len);
    if (n < len) {
        sb->len += 1 + n;
        jsonw_escaped(sb, s + n, len - n);
        if (after)
            sb_add(sb, &after, 1);
        return;
    }
    o[len + 1] = '"';
    o[len + 2] = after;
    sb->len += len + (after ? 3 : 2);
    sb->buf[sb->len] = '\0';
}

void jsonw_string(struct strbuf *sb, const char *s, size_t len)
{
    jsonw_str(sb, s, len, 0);
}

static void jsonw_int(struct strbuf *sb, json_int_t v)
{
    char buf[24], *p = buf + sizeof(buf);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    sb_add(sb, p, (size_t)(buf + sizeof(buf) - p));
}

/* Notes that v's text is sb's bytes from start to end. */
static void jsonw_spans_add(struct jsonw_spans *sp, const json_t *v,
                            size_t start, size_t end)
{
    if (sp->n == sp->cap) {
        sp->cap = sp->cap ? 2 * sp->cap : 64;
        sp->s = xrealloc(sp->s, sp->cap * sizeof(*sp->s));
    }
    sp->s[sp->n].v = v;
    sp->s[sp->n].start = start;
    sp->s[sp->n].end = end;
    sp->n++;
}

/* jsonw_value, noting where each object and array went when sp is set. */
static void jsonw_write(struct strbuf *sb, const json_t *v,
                        struct jsonw_spans *sp)
{
    const char *key;
    json_t *x;
    void *it;
    size_t i, n, start = sb->len;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        sb_add(sb, "{", 1);
        n = 0;
        /* The iterator itself: json_object_keylen_foreach makes twice as
         * many calls into jansson per key. */
        for (it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            key = json_object_iter_key(it);
            x = json_object_iter_value(it);
            if (n++)
                sb_add(sb, ",", 1);
            jsonw_str(sb, key, json_object_iter_key_len(it), ':');
            /* Most values are strings: no call for them. */
            if (json_is_string(x))
                jsonw_str(sb, json_string_value(x), json_string_length(x), 0);
            else
                jsonw_write(sb, x, sp);
        }
        sb_add(sb, "}", 1);
        if (sp)
            jsonw_spans_add(sp, v, start, sb->len);
        break;
    case JSON_ARRAY:
        sb_add(sb, "[", 1);
        json_array_foreach(v, i, x)
        {
            if (i)
                sb_add(sb, ",", 1);
            jsonw_write(sb, x, sp);
        }
        sb_add(sb, "]", 1);
        if (sp)
            jsonw_spans_add(sp, v, start, sb->len);
        break;
    case JSON_STRING:
        jsonw_str(sb, json_string_value(v), json_string_length(v), 0);
        break;
    case JSON_INTEGER:
        jsonw_int(sb, json_integer_value(v));
        break;
    case JSON_REAL: {
        char buf[40];
        int len = snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
        sb_add(sb, buf, (size_t)len);
        if (!strpbrk(buf, ".eE"))
            sb_add(sb, ".0", 2);
        break;
    }
    case JSON_TRUE:
        sb_add(sb, "true", 4);
        break;
    case JSON_FALSE:
        sb_add(sb, "false", 5);
        break;
    case JSON_NULL:
        sb_add(sb, "null", 4);
        break;
    }
}

void jsonw_value(struct strbuf *sb, const json_t *v)
{
    jsonw_write(sb, v, NULL);
}

void jsonw_value_spans(struct strbuf *sb, const json_t *v,
                       struct jsonw_spans *sp)
{
    sp->n = 0;
    sp->nindexed = 0;
    jsonw_write(sb, v, sp);
}

/* Slot of v in the open-addressing index (pointers, spread by a
 * multiplicative hash over a power-of-two table). */
static size_t jsonw_slot(const struct jsonw_spans *sp, const json_t *v)
{
    uint64_t h = (uint64_t)(uintptr_t)v * 0x9e3779b97f4a7c15ull;

    return (size_t)(h >> 32) & sp->mask;
}

/* Indexes the spans by value when a lookup first needs it (about half the
 * documents of a cluster scan are never asked), in a table sized for this
 * document: one huge document must not make every later one clear a huge
 * table. */
static void jsonw_spans_index(struct jsonw_spans *sp)
{
    size_t i, want = 16, k;

    while (want < 2 * sp->n)
        want *= 2;
    if (want > sp->slots_cap) {
        free(sp->slots);
        sp->slots = xmalloc(want * sizeof(*sp->slots));
        sp->slots_cap = want;
    }
    sp->mask = want - 1;
    memset(sp->slots, 0, want * sizeof(*sp->slots));
    for (i = 0; i < sp->n; i++) {
        k = jsonw_slot(sp, sp->s[i].v);
        while (sp->slots[k])
            k = (k + 1) & sp->mask;
        sp->slots[k] = i + 1;
    }
    sp->nindexed = sp->n;
}

int jsonw_spans_find(struct jsonw_spans *sp, const json_t *v, size_t *start,
                     size_t *len)
{
    size_t k;

    if (sp->n == 0)
        return 0;
    if (sp->nindexed != sp->n)
        jsonw_spans_index(sp);
    for (k = jsonw_slot(sp, v); sp->slots[k]; k = (k + 1) & sp->mask) {
        const struct jsonw_span *x = &sp->s[sp->slots[k] - 1];
        if (x->v == v) {
            *start = x->start;
            *len = x->end - x->start;
            return 1;
        }
    }
    return 0;
}

void jsonw_spans_release(struct jsonw_spans *sp)
{
    free(sp->s);
    free(sp->slots);
    memset(sp, 0, sizeof(*sp));
}
