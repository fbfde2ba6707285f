/*
 * yamlfast_scalar.c: quoted and block scalars of the fast YAML path (see
 * yamlfast.c), with YAML's escapes and chomping.
 */
#include "yamlfast_int.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

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
json_t *yf_quoted(const struct yf *y, const char *s, const char *e,
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
int yf_rest_empty(const char *p, const char *e)
{
    while (p < e && *p == ' ')
        p++;
    return p >= e || *p == '#';
}

/*
 * A block scalar whose header ("|", ">-", ...) is at h; its content is on
 * the following lines indented more than parent.
 */
json_t *yf_block(struct yf *y, const char *h, const char *e, int parent,
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
