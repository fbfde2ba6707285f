/* jsonw.c: compact JSON writer; see jsonw.h. */
#include "jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

/* Bytes that need escaping: control characters, '"' and '\\'. */
static const unsigned char jsonw_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ['"'] = 1, ['\\'] = 1};

/* True when one of the eight bytes of w is a control character, '"' or
 * '\\' (the usual SWAR tests for a byte below 0x20 and for a zero byte of
 * w ^ c). Bytes of UTF-8 sequences (0x80 and up) never match. */
static int jsonw_special8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');

    return ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) &
            high) != 0;
}

void jsonw_string(struct strbuf *sb, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, run = 0;

    if (sb->len + len + 3 > sb->cap)
        sb_grow(sb, len + 2); /* enough unless something needs escaping */
    sb_add(sb, "\"", 1);
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
        sb_adds(sb, esc);
    }
    sb_add(sb, s + run, len - run);
    sb_add(sb, "\"", 1);
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

void jsonw_value(struct strbuf *sb, const json_t *v)
{
    const char *key;
    json_t *x;
    void *it;
    size_t i, n, klen;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        sb_add(sb, "{", 1);
        n = 0;
        /* The iterator itself: json_object_keylen_foreach makes twice as
         * many calls into jansson per key. */
        for (it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            key = json_object_iter_key(it);
            klen = json_object_iter_key_len(it);
            x = json_object_iter_value(it);
            if (n++)
                sb_add(sb, ",", 1);
            jsonw_string(sb, key, klen);
            sb_add(sb, ":", 1);
            jsonw_value(sb, x);
        }
        sb_add(sb, "}", 1);
        break;
    case JSON_ARRAY:
        sb_add(sb, "[", 1);
        json_array_foreach(v, i, x)
        {
            if (i)
                sb_add(sb, ",", 1);
            jsonw_value(sb, x);
        }
        sb_add(sb, "]", 1);
        break;
    case JSON_STRING:
        jsonw_string(sb, json_string_value(v), json_string_length(v));
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
