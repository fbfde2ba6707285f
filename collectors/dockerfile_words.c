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

static size_t dockerfile_hash(const char *s, size_t n)
{
    size_t h = 1469598103934665603ULL & SIZE_MAX; /* FNV-1a */
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * (size_t)1099511628211ULL;
    return h;
}

static void dockerfile_index_add(struct dockerfile_vars *vs, size_t i)
{
    size_t m = vs->nslots - 1,
           h = dockerfile_hash(vs->v[i].name, vs->v[i].name_len) & m;

    while (vs->slots[h])
        h = (h + 1) & m;
    vs->slots[h] = i + 1;
}

struct dockerfile_var *dockerfile_var_find(struct dockerfile_vars *vs,
                                           const char *name, size_t n)
{
    size_t m, h, k;

    if (!vs || !vs->nslots)
        return NULL;
    m = vs->nslots - 1;
    for (h = dockerfile_hash(name, n) & m; (k = vs->slots[h]) != 0;
         h = (h + 1) & m) {
        struct dockerfile_var *v = &vs->v[k - 1];
        if (v->name_len == n && memcmp(v->name, name, n) == 0)
            return v;
    }
    return NULL;
}

void dockerfile_var_set(struct dockerfile_vars *vs, const char *name,
                        const char *value, int env, int secret)
{
    size_t nl = strlen(name), i;
    struct dockerfile_var *v = dockerfile_var_find(vs, name, nl);

    if (!v) {
        if (vs->n == vs->cap) {
            vs->cap = vs->cap ? vs->cap * 2 : 8;
            vs->v = xrealloc(vs->v, vs->cap * sizeof(*vs->v));
        }
        if (2 * (vs->n + 1) > vs->nslots) { /* grow and rebuild the index */
            free(vs->slots);
            vs->nslots = vs->nslots ? vs->nslots * 2 : 16;
            vs->slots = xcalloc(vs->nslots, sizeof(*vs->slots));
            for (i = 0; i < vs->n; i++)
                dockerfile_index_add(vs, i);
        }
        v = &vs->v[vs->n++];
        v->name = xstrdup(name);
        v->name_len = nl;
        v->value = NULL;
        v->stage = -1;
        dockerfile_index_add(vs, vs->n - 1);
    }
    free(v->value);
    v->value = value ? xstrdup(value) : NULL;
    v->value_len = value ? strlen(value) : 0;
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
    free(vs->slots);
    memset(vs, 0, sizeof(*vs));
}

int dockerfile_charge(struct dockerfile *p, size_t n)
{
    if (p->over || n > DOCKERFILE_MAX_EXPANSION - p->spent) {
        p->over = 1;
        return -1;
    }
    p->spent += n;
    return 0;
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
            x->unresolved = 1;
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
        if (!p->assume_unset || !op || !name_len ||
            depth >= DOCKERFILE_MAX_DEPTH) {
            x->unresolved = 1;
            sb_add(out, s + start, i - start);
            return i;
        }
        v = NULL; /* as the build sees it without --build-arg */
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
        x->unresolved = 1;
        sb_add(out, s + start, i - start);
        return i;
    } else {
        use_value = 1;
    }
    if (use_value) {
        if (dockerfile_charge(p, v->value_len) != 0)
            return i;
        sb_add(out, v->value, v->value_len);
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
