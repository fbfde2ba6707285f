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

void jsonw_string(struct strbuf *sb, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, run = 0;

    sb_add(sb, "\"", 1);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];

        if (!jsonw_special[c])
            continue;
        sb_add(sb, s + run, i - run);
        run = i + 1;
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
    size_t i, n, klen;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        sb_add(sb, "{", 1);
        n = 0;
        json_object_keylen_foreach((json_t *)v, key, klen, x)
        {
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
