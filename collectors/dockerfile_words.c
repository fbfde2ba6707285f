/*
 * dockerfile_words.c: variables, words and substitution for the
 * Dockerfile parser (dockerfile_parse.c): ${a:-b}, ${a:+b}, quotes and the
 * escape character, with whether a value is static and whether it holds a
 * secret carried into everything built from it.
 */
#include "dockerfile_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* ---- variables ---- */

struct dockerfile_var *dockerfile_var_find(struct dockerfile_vars *vs,
                                           const char *name, size_t n)
{
    size_t i;

    if (!vs)
        return NULL;
    for (i = 0; i < vs->n; i++)
        if (strlen(vs->v[i].name) == n && memcmp(vs->v[i].name, name, n) == 0)
            return &vs->v[i];
    return NULL;
}

void dockerfile_var_set(struct dockerfile_vars *vs, const char *name,
                        const char *value, int env, int secret)
{
    struct dockerfile_var *v = dockerfile_var_find(vs, name, strlen(name));

    if (!v) {
        if (vs->n == vs->cap) {
            vs->cap = vs->cap ? vs->cap * 2 : 8;
            vs->v = xrealloc(vs->v, vs->cap * sizeof(*vs->v));
        }
        v = &vs->v[vs->n++];
        v->name = xstrdup(name);
        v->value = NULL;
    }
    free(v->value);
    v->value = value ? xstrdup(value) : NULL;
    v->env = env;
    v->secret = secret;
}

void dockerfile_vars_release(struct dockerfile_vars *vs)
{
    size_t i;

    for (i = 0; i < vs->n; i++) {
        free(vs->v[i].name);
        free(vs->v[i].value);
    }
    free(vs->v);
    memset(vs, 0, sizeof(*vs));
}

/* ---- words and substitution ---- */

/* Splits s at unquoted blanks; quotes and escapes stay in the words. */
void dockerfile_split(const char *s, size_t n, char esc,
                      struct dockerfile_words *ws)
{
    size_t i = 0, start;
    char quote;

    ws->n = 0;
    while (i < n) {
        while (i < n && dockerfile_blank(s[i]))
            i++;
        if (i >= n)
            break;
        start = i;
        quote = 0;
        while (i < n) {
            char c = s[i];
            if (quote) {
                if (c == quote)
                    quote = 0;
                else if (c == esc && quote == '"' && i + 1 < n)
                    i++;
            } else if (dockerfile_blank(c)) {
                break;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == esc && i + 1 < n) {
                i++;
            }
            i++;
        }
        if (ws->n == ws->cap) {
            ws->cap = ws->cap ? ws->cap * 2 : 16;
            ws->w = xrealloc(ws->w, ws->cap * sizeof(*ws->w));
        }
        ws->w[ws->n].s = s + start;
        ws->w[ws->n].n = i - start;
        ws->n++;
    }
}

static int dockerfile_name_char(char c, int first)
{
    return c == '_' || isalpha((unsigned char)c) ||
           (!first && isdigit((unsigned char)c));
}

/* Expands the reference at s[i] == '$'; returns the index after it. */
size_t dockerfile_var_ref(struct dockerfile *p, const char *s, size_t n,
                          size_t i, int depth, struct strbuf *out,
                          struct dockerfile_exp *x)
{
    size_t start = i, name, name_len, close, j, level;
    const char *op = "", *word = NULL;
    size_t word_len = 0;
    struct dockerfile_var *v;
    int set, empty, use_word = 0, use_value = 0;

    if (i + 1 < n && s[i + 1] == '{') {
        level = 1;
        for (close = i + 2; close < n; close++) {
            if (s[close] == '{')
                level++;
            else if (s[close] == '}' && --level == 0)
                break;
        }
        if (close >= n) { /* unterminated: literal */
            sb_add(out, s + i, n - i);
            x->dynamic = 1;
            return n;
        }
        name = i + 2;
        for (j = name; j < close && dockerfile_name_char(s[j], j == name); j++)
            ;
        name_len = j - name;
        if (j < close) {
            static const char *const ops[] = {":-", ":+", ":?", "-",
                                              "+",  "?",  NULL};
            int k;
            for (k = 0; ops[k]; k++) {
                size_t ol = strlen(ops[k]);
                if (close - j >= ol && memcmp(s + j, ops[k], ol) == 0) {
                    op = ops[k];
                    word = s + j + ol;
                    word_len = close - j - ol;
                    break;
                }
            }
            if (!ops[k])
                op = NULL; /* ${a#x} ${a/x/y} ...: not judged statically */
        }
        i = close + 1;
    } else if (i + 1 < n && dockerfile_name_char(s[i + 1], 1)) {
        name = i + 1;
        for (j = name; j < n && dockerfile_name_char(s[j], j == name); j++)
            ;
        name_len = j - name;
        i = j;
    } else {
        sb_add(out, "$", 1);
        return i + 1;
    }
    v = dockerfile_var_find(p->scope, s + name, name_len);
    if (!op || !name_len || depth >= DOCKERFILE_MAX_DEPTH || (v && !v->value) ||
        (!v && p->scope->open)) {
        if (v && v->secret)
            x->secret = 1;
        x->dynamic = 1;
        sb_add(out, s + start, i - start);
        return i;
    }
    set = v != NULL;
    empty = !set || !v->value[0];
    if (!*op)
        use_value = set;
    else if (!strcmp(op, ":-"))
        use_value = !empty, use_word = empty;
    else if (!strcmp(op, "-"))
        use_value = set, use_word = !set;
    else if (!strcmp(op, ":+"))
        use_word = !empty;
    else if (!strcmp(op, "+"))
        use_word = set;
    else if (empty) { /* ${a:?msg}: the build fails; leave as written */
        x->dynamic = 1;
        sb_add(out, s + start, i - start);
        return i;
    } else {
        use_value = 1;
    }
    if (use_value) {
        sb_adds(out, v->value);
        if (v->secret)
            x->secret = 1;
    } else if (use_word) {
        dockerfile_word(p, word, word_len, depth + 1, out, x);
    }
    return i;
}

/*
 * One word as Docker's shell lexer reads it: quotes removed, the escape
 * character honoured, variables expanded from p->scope (none when NULL).
 */
void dockerfile_word(struct dockerfile *p, const char *s, size_t n, int depth,
                     struct strbuf *out, struct dockerfile_exp *x)
{
    size_t i = 0;
    char esc = p->esc;

    while (i < n) {
        char c = s[i];
        if (c == '\'') {
            const char *q = memchr(s + i + 1, '\'', n - i - 1);
            size_t end = q ? (size_t)(q - s) : n;
            sb_add(out, s + i + 1, end - i - 1);
            i = q ? end + 1 : n;
        } else if (c == '"') {
            for (i++; i < n && s[i] != '"';) {
                if (s[i] == esc && i + 1 < n &&
                    (s[i + 1] == '"' || s[i + 1] == '$' || s[i + 1] == esc)) {
                    sb_add(out, s + i + 1, 1);
                    i += 2;
                } else if (s[i] == '$' && p->scope) {
                    i = dockerfile_var_ref(p, s, n, i, depth, out, x);
                } else {
                    sb_add(out, s + i++, 1);
                }
            }
            i++;
        } else if (c == esc && i + 1 < n) {
            sb_add(out, s + i + 1, 1);
            i += 2;
        } else if (c == '$' && p->scope) {
            i = dockerfile_var_ref(p, s, n, i, depth, out, x);
        } else {
            sb_add(out, s + i++, 1);
        }
    }
}

/* The word processed into a new string reference. */
json_t *dockerfile_word_json(struct dockerfile *p, const char *s, size_t n,
                             struct dockerfile_exp *x)
{
    struct strbuf sb = STRBUF_INIT;
    json_t *j;

    dockerfile_word(p, s, n, 0, &sb, x);
    j = dockerfile_strn(sb_str(&sb), sb.len);
    sb_release(&sb);
    return j;
}
