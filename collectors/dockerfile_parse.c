/*
 * dockerfile_parse.c: a Dockerfile as one JSON document; the shape and the
 * rules of substitution are in dockerfile_parse.h.
 *
 * One pass over physical lines: directives, then logical instructions
 * (continuations joined), then heredoc bodies read after the instruction
 * that opened them. Variables live in one table per stage (and one for
 * the global ARGs); each entry knows whether its value is static and
 * whether it is a secret, and both properties flow into every value built
 * from it.
 */
#include "dockerfile_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "util.h"
#include "banned.h"

#define DOCKERFILE_MAX_DEPTH 16 /* nested ${a:-${b:-...}} */

struct dockerfile_var {
    char *name;
    char *value; /* NULL: not static (ARG without default) */
    int env;
    int secret;
};

struct dockerfile_vars {
    struct dockerfile_var *v;
    size_t n, cap;
    int open; /* the base image's ENV is unknown: unset is not empty */
};

/* What substitution met while building one value. */
struct dockerfile_exp {
    int dynamic;
    int secret;
};

struct dockerfile_span {
    const char *s;
    size_t n;
};

struct dockerfile_words {
    struct dockerfile_span *w;
    size_t n, cap;
};

struct dockerfile {
    const char *text;
    size_t len, pos;
    long line; /* physical line last returned */
    const char *path;
    char esc;
    struct err *e;
    int oom;
    int redacted;
    json_t *doc, *instructions, *stages, *global_args;
    struct dockerfile_vars global;
    struct dockerfile_vars *stage_vars; /* one per stage */
    int nstages;
    struct dockerfile_vars *scope; /* NULL: no substitution (ONBUILD) */
};

/* The instruction being built. */
struct dockerfile_insn {
    const char *cmd;  /* upper case, from the table */
    const char *body; /* arguments after the flags */
    size_t body_len;
    long line;
    json_t *obj; /* borrowed from the caller */
    json_t *flags;
};

/* ---- small helpers ---- */

static void dockerfile_set(struct dockerfile *p, json_t *obj, const char *key,
                           json_t *v)
{
    if (!v || json_object_set_new(obj, key, v) != 0)
        p->oom = 1;
}

static void dockerfile_append(struct dockerfile *p, json_t *arr, json_t *v)
{
    if (!v || json_array_append_new(arr, v) != 0)
        p->oom = 1;
}

static json_t *dockerfile_strn(const char *s, size_t n)
{
    return json_stringn(s, n);
}

static int dockerfile_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void dockerfile_trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* ASCII case-insensitive comparison of n bytes. */
static int dockerfile_casecmp(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return 1;
    return 0;
}

static int dockerfile_err(struct dockerfile *p, long line, const char *what)
{
    return err_set(p->e, "%s:%ld: %s", p->path, line, what);
}

/* ---- variables ---- */

static struct dockerfile_var *dockerfile_var_find(struct dockerfile_vars *vs,
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

static void dockerfile_var_set(struct dockerfile_vars *vs, const char *name,
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

static void dockerfile_vars_release(struct dockerfile_vars *vs)
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
static void dockerfile_split(const char *s, size_t n, char esc,
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

static void dockerfile_word(struct dockerfile *p, const char *s, size_t n,
                            int depth, struct strbuf *out,
                            struct dockerfile_exp *x);

static int dockerfile_name_char(char c, int first)
{
    return c == '_' || isalpha((unsigned char)c) ||
           (!first && isdigit((unsigned char)c));
}

/* Expands the reference at s[i] == '$'; returns the index after it. */
static size_t dockerfile_var_ref(struct dockerfile *p, const char *s, size_t n,
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
static void dockerfile_word(struct dockerfile *p, const char *s, size_t n,
                            int depth, struct strbuf *out,
                            struct dockerfile_exp *x)
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
static json_t *dockerfile_word_json(struct dockerfile *p, const char *s,
                                    size_t n, struct dockerfile_exp *x)
{
    struct strbuf sb = STRBUF_INIT;
    json_t *j;

    dockerfile_word(p, s, n, 0, &sb, x);
    j = dockerfile_strn(sb_str(&sb), sb.len);
    sb_release(&sb);
    return j;
}

/* ---- forms and flags ---- */

/* A JSON array of strings, or NULL (Docker then takes the shell form). */
static json_t *dockerfile_exec_form(const char *s, size_t n)
{
    json_t *arr, *v;
    size_t i;

    dockerfile_trim(&s, &n);
    if (n < 2 || s[0] != '[' || s[n - 1] != ']')
        return NULL;
    arr = json_loadb(s, n, 0, NULL);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return NULL;
    }
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/*
 * Leading --name[=value] words become flags; in->body is what follows.
 * Flag values are substituted like Docker's (--platform=$TARGETPLATFORM).
 */
static void dockerfile_flags(struct dockerfile *p, struct dockerfile_insn *in,
                             struct dockerfile_words *ws)
{
    const char *s = in->body;
    size_t n = in->body_len, k;

    dockerfile_split(s, n, p->esc, ws);
    for (k = 0; k < ws->n; k++) {
        const char *w = ws->w[k].s, *eq;
        size_t wn = ws->w[k].n;
        char name[64];
        json_t *val, *old;
        struct dockerfile_exp x = {0, 0};

        if (wn < 2 || w[0] != '-' || w[1] != '-')
            break;
        in->body = w + wn;
        if (wn == 2)
            break; /* "--" ends the flags */
        eq = memchr(w, '=', wn);
        snprintf(name, sizeof(name), "%.*s", (int)((eq ? eq : w + wn) - w), w);
        if (eq)
            val =
                dockerfile_word_json(p, eq + 1, wn - (size_t)(eq + 1 - w), &x);
        else
            val = json_true();
        if (!strcmp(name, "--mount") || !strcmp(name, "--exclude")) {
            old = json_object_get(in->flags, name);
            if (!old) {
                old = json_array();
                dockerfile_set(p, in->flags, name, old);
            }
            dockerfile_append(p, old, val);
        } else {
            dockerfile_set(p, in->flags, name, val);
        }
    }
    in->body_len = n - (size_t)(in->body - s);
    while (in->body_len && dockerfile_blank(*in->body)) {
        in->body++;
        in->body_len--;
    }
}

/* form, args, shell and command of a command-like body. */
static void dockerfile_command(struct dockerfile *p, json_t *obj, const char *s,
                               size_t n, int shell_ok)
{
    json_t *arr = dockerfile_exec_form(s, n), *v;
    struct strbuf cmd = STRBUF_INIT;
    size_t i;

    dockerfile_trim(&s, &n);
    dockerfile_set(p, obj, "form", json_string(arr ? "exec" : "shell"));
    if (arr) {
        json_array_foreach(arr, i, v)
        {
            if (i)
                sb_add(&cmd, " ", 1);
            sb_add(&cmd, json_string_value(v), json_string_length(v));
        }
        dockerfile_set(p, obj, "args", arr);
        dockerfile_set(p, obj, "shell", json_null());
    } else {
        sb_add(&cmd, s, n);
        dockerfile_set(p, obj, "args", json_null());
        dockerfile_set(p, obj, "shell",
                       shell_ok ? dockerfile_strn(s, n) : json_null());
    }
    if (shell_ok)
        dockerfile_set(p, obj, "command",
                       dockerfile_strn(sb_str(&cmd), cmd.len));
    sb_release(&cmd);
}

/* ---- per-command handlers ---- */

static json_t *dockerfile_stage_json(struct dockerfile *p, int i)
{
    return json_array_get(p->stages, (size_t)i);
}

/* The stage a name or number refers to, or -1. */
static int dockerfile_stage_lookup(struct dockerfile *p, const char *ref,
                                   int numeric_ok)
{
    int i;
    char *end;
    long l;

    for (i = 0; i < p->nstages; i++) {
        const char *nm = json_string_value(
            json_object_get(dockerfile_stage_json(p, i), "name"));
        if (nm && strlen(nm) == strlen(ref) &&
            dockerfile_casecmp(nm, ref, strlen(ref)) == 0)
            return i;
    }
    if (numeric_ok && isdigit((unsigned char)ref[0])) {
        errno = 0;
        l = strtol(ref, &end, 10);
        if (!*end && !errno && l >= 0 && l < p->nstages)
            return (int)l;
    }
    return -1;
}

static int dockerfile_from(struct dockerfile *p, struct dockerfile_insn *in,
                           struct dockerfile_words *ws)
{
    struct dockerfile_exp x = {0, 0};
    struct strbuf ref = STRBUF_INIT;
    json_t *from, *stage, *platform, *name, *parent;
    const char *img, *at, *colon, *slash;
    int stage_ref = -1;
    size_t img_len;

    dockerfile_split(in->body, in->body_len, p->esc, ws);
    if (ws->n != 1 && !(ws->n == 3 && ws->w[1].n == 2 &&
                        dockerfile_casecmp(ws->w[1].s, "AS", 2) == 0))
        return dockerfile_err(p, in->line,
                              "FROM takes an image and optionally AS name");
    name = ws->n == 3 ? dockerfile_strn(ws->w[2].s, ws->w[2].n) : json_null();
    dockerfile_word(p, ws->w[0].s, ws->w[0].n, 0, &ref, &x);
    img = sb_str(&ref);
    at = strchr(img, '@');
    img_len = at ? (size_t)(at - img) : ref.len;
    /* the tag is after the last '/': localhost:5000/app has none */
    slash = img;
    for (const char *c = img; c < img + img_len; c++)
        if (*c == '/')
            slash = c + 1;
    colon = memchr(slash, ':', img_len - (size_t)(slash - img));
    if (!colon && !at)
        stage_ref = dockerfile_stage_lookup(p, img, 0);

    platform = json_object_get(in->flags, "--platform");
    from = json_object();
    dockerfile_set(
        p, from, "image",
        dockerfile_strn(img, colon ? (size_t)(colon - img) : img_len));
    dockerfile_set(
        p, from, "tag",
        colon ? dockerfile_strn(colon + 1, img_len - (size_t)(colon + 1 - img))
              : json_null());
    dockerfile_set(p, from, "digest", at ? json_string(at + 1) : json_null());
    dockerfile_set(p, from, "platform",
                   platform ? json_incref(platform) : json_null());
    dockerfile_set(p, from, "raw", dockerfile_strn(ws->w[0].s, ws->w[0].n));
    dockerfile_set(p, from, "stage_ref",
                   stage_ref >= 0 ? json_integer(stage_ref) : json_null());
    dockerfile_set(p, from, "resolved", json_boolean(!x.dynamic));

    /* the instruction carries the same fields, the stage the whole */
    dockerfile_set(p, in->obj, "image",
                   json_incref(json_object_get(from, "image")));
    dockerfile_set(p, in->obj, "tag",
                   json_incref(json_object_get(from, "tag")));
    dockerfile_set(p, in->obj, "digest",
                   json_incref(json_object_get(from, "digest")));
    dockerfile_set(p, in->obj, "platform",
                   json_incref(json_object_get(from, "platform")));
    dockerfile_set(p, in->obj, "stage_name", json_incref(name));
    dockerfile_set(p, in->obj, "stage_ref",
                   json_incref(json_object_get(from, "stage_ref")));
    dockerfile_set(p, in->obj, "resolved", json_boolean(!x.dynamic));

    parent = stage_ref >= 0 ? dockerfile_stage_json(p, stage_ref) : NULL;
    stage = json_object();
    dockerfile_set(p, stage, "index", json_integer(p->nstages));
    dockerfile_set(p, stage, "name", name);
    dockerfile_set(p, stage, "from", from);
    dockerfile_set(p, stage, "line", json_integer(in->line));
    dockerfile_set(p, stage, "user",
                   parent ? json_incref(json_object_get(parent, "user"))
                          : json_null());
    dockerfile_set(p, stage, "healthcheck",
                   parent ? json_incref(json_object_get(parent, "healthcheck"))
                          : json_null());
    dockerfile_append(p, p->stages, stage);

    p->stage_vars = xrealloc(p->stage_vars,
                             (size_t)(p->nstages + 1) * sizeof(*p->stage_vars));
    memset(&p->stage_vars[p->nstages], 0, sizeof(*p->stage_vars));
    p->stage_vars[p->nstages].open = strcmp(img, "scratch") != 0;
    if (stage_ref >= 0) { /* the parent image's ENV, not its ARGs */
        struct dockerfile_vars *src = &p->stage_vars[stage_ref];
        p->stage_vars[p->nstages].open = src->open;
        for (size_t k = 0; k < src->n; k++)
            if (src->v[k].env)
                dockerfile_var_set(&p->stage_vars[p->nstages], src->v[k].name,
                                   src->v[k].value, 1, src->v[k].secret);
    }
    p->scope = &p->stage_vars[p->nstages];
    p->nstages++;
    sb_release(&ref);
    return 0;
}

/* Redacts a pair value when the name or a variable behind it is secret. */
static json_t *dockerfile_pair_value(struct dockerfile *p, json_t *obj,
                                     const char *key, json_t *val, int secret)
{
    json_t *r;

    if (!json_is_string(val) || !json_string_length(val) ||
        !(secret || redact_name_is_secret(key) ||
          redact_value_is_secret(json_string_value(val))))
        return val;
    r = redact_value(json_string_value(val), json_string_length(val));
    json_decref(val);
    dockerfile_set(p, obj, "redacted", json_true());
    p->redacted = 1;
    return r;
}

/* ENV, ARG and LABEL: key=value pairs (and the legacy "ENV key value"). */
static int dockerfile_pairs(struct dockerfile *p, struct dockerfile_insn *in,
                            struct dockerfile_words *ws)
{
    int is_env = !strcmp(in->cmd, "ENV"), is_arg = !strcmp(in->cmd, "ARG");
    json_t *pairs = json_object(), *dyn = json_array();
    struct dockerfile_vars pending = {NULL, 0, 0, 0};
    size_t k;

    dockerfile_split(in->body, in->body_len, p->esc, ws);
    if (ws->n == 0) {
        json_decref(pairs);
        json_decref(dyn);
        return dockerfile_err(p, in->line, "missing key=value");
    }
    for (k = 0; k < ws->n; k++) {
        const char *w = ws->w[k].s, *eq = memchr(w, '=', ws->w[k].n);
        const char *vs;
        size_t vn;
        char *key;
        json_t *val;
        struct dockerfile_exp x = {0, 0};
        struct dockerfile_var *prior;

        if (!eq && !is_arg && k == 0 && ws->n > 1) { /* ENV key value... */
            key = xstrndup(w, ws->w[0].n);
            vs = ws->w[1].s;
            vn = in->body_len - (size_t)(vs - in->body);
            dockerfile_trim(&vs, &vn);
            k = ws->n;
        } else if (!eq && !is_arg) {
            json_decref(pairs);
            json_decref(dyn);
            dockerfile_vars_release(&pending); /* found by tests/fuzz */
            return dockerfile_err(p, in->line, "missing '=' in key=value");
        } else {
            struct strbuf kb = STRBUF_INIT;
            struct dockerfile_vars *saved = p->scope;
            p->scope = NULL; /* keys are unquoted, never substituted */
            dockerfile_word(p, w, eq ? (size_t)(eq - w) : ws->w[k].n, 0, &kb,
                            &x);
            p->scope = saved;
            key = sb_detach(&kb);
            if (!key)
                key = xstrdup("");
            vs = eq ? eq + 1 : NULL;
            vn = eq ? ws->w[k].n - (size_t)(eq + 1 - w) : 0;
        }
        if (vs) {
            val = dockerfile_word_json(p, vs, vn, &x);
        } else if (p->scope == &p->global || !p->scope) {
            val = json_null();
            x.dynamic = 1;
        } else { /* ARG NAME inside a stage: the global default, if any */
            struct dockerfile_var *g =
                dockerfile_var_find(&p->global, key, strlen(key));
            val = g && g->value ? json_string(g->value) : json_null();
            x.dynamic = !(g && g->value);
            x.secret = g && g->secret;
        }
        if (x.dynamic)
            dockerfile_append(p, dyn, json_string(key));
        if (p->scope && (is_env || is_arg)) {
            int secret = x.secret || redact_name_is_secret(key) ||
                         (json_is_string(val) &&
                          redact_value_is_secret(json_string_value(val)));
            const char *plain = x.dynamic ? NULL : json_string_value(val);
            prior = dockerfile_var_find(p->scope, key, strlen(key));
            if (is_env || !prior || !prior->env) {
                if (is_env) /* ENV values all see the env before the line */
                    dockerfile_var_set(&pending, key, plain, 1, secret);
                else
                    dockerfile_var_set(p->scope, key, plain, 0, secret);
            }
        }
        val = dockerfile_pair_value(p, in->obj, key, val, x.secret);
        dockerfile_set(p, pairs, key, val);
        if (p->scope == &p->global && is_arg)
            dockerfile_set(p, p->global_args, key, json_incref(val));
        free(key);
    }
    for (k = 0; k < pending.n; k++)
        dockerfile_var_set(p->scope, pending.v[k].name, pending.v[k].value, 1,
                           pending.v[k].secret);
    dockerfile_vars_release(&pending);
    dockerfile_set(p, in->obj, "pairs", pairs);
    dockerfile_set(p, in->obj, "dynamic", json_boolean(json_array_size(dyn)));
    dockerfile_set(p, in->obj, "dynamic_keys", dyn);
    if (json_object_get(in->obj, "redacted")) { /* raw held the plaintext */
        struct strbuf raw = STRBUF_INIT;
        const char *key;
        json_t *v;
        sb_adds(&raw, in->cmd);
        json_object_foreach(pairs, key, v)
        {
            sb_addf(&raw, " %s=", key);
            if (json_is_string(v))
                sb_add(&raw, json_string_value(v), json_string_length(v));
        }
        dockerfile_set(p, in->obj, "raw",
                       dockerfile_strn(sb_str(&raw), raw.len));
        sb_release(&raw);
    }
    return 0;
}

static int dockerfile_user(struct dockerfile *p, struct dockerfile_insn *in)
{
    struct dockerfile_exp x = {0, 0};
    struct strbuf sb = STRBUF_INIT;
    const char *s, *colon;
    json_t *stage;

    dockerfile_word(p, in->body, in->body_len, 0, &sb, &x);
    s = sb_str(&sb);
    colon = strchr(s, ':');
    dockerfile_set(p, in->obj, "user",
                   dockerfile_strn(s, colon ? (size_t)(colon - s) : sb.len));
    dockerfile_set(p, in->obj, "group",
                   colon ? json_string(colon + 1) : json_null());
    dockerfile_set(p, in->obj, "dynamic", json_boolean(x.dynamic));
    stage = dockerfile_stage_json(p, p->nstages - 1);
    if (stage && p->scope) /* the user, as image/Config's User judged */
        dockerfile_set(p, stage, "user",
                       json_incref(json_object_get(in->obj, "user")));
    sb_release(&sb);
    return 0;
}

static long dockerfile_port_num(const char *s, size_t n)
{
    char buf[16], *end;
    long v;

    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    v = strtol(buf, &end, 10);
    if (*end || errno || v < 0 || v > 65535 || !isdigit((unsigned char)*buf))
        return -1;
    return v;
}

static int dockerfile_expose(struct dockerfile *p, struct dockerfile_insn *in,
                             struct dockerfile_words *ws)
{
    json_t *ports = json_array();
    size_t k;

    dockerfile_split(in->body, in->body_len, p->esc, ws);
    for (k = 0; k < ws->n; k++) {
        struct dockerfile_exp x = {0, 0};
        struct strbuf sb = STRBUF_INIT;
        const char *s, *slash, *dash;
        size_t pn;
        long lo, hi;
        json_t *o = json_object();

        dockerfile_word(p, ws->w[k].s, ws->w[k].n, 0, &sb, &x);
        s = sb_str(&sb);
        slash = strchr(s, '/');
        pn = slash ? (size_t)(slash - s) : sb.len;
        dash = memchr(s, '-', pn);
        lo = dockerfile_port_num(s, dash ? (size_t)(dash - s) : pn);
        hi = dash ? dockerfile_port_num(dash + 1, pn - (size_t)(dash + 1 - s))
                  : lo;
        if (x.dynamic || lo < 0 || hi < lo) {
            dockerfile_set(p, o, "port", json_null());
            dockerfile_set(p, o, "end_port", json_null());
            dockerfile_set(p, o, "dynamic", json_true());
        } else {
            dockerfile_set(p, o, "port", json_integer(lo));
            dockerfile_set(p, o, "end_port", json_integer(hi));
        }
        if (slash) {
            struct strbuf proto = STRBUF_INIT;
            for (const char *c = slash + 1; *c; c++) {
                char lc = (char)tolower((unsigned char)*c);
                sb_add(&proto, &lc, 1);
            }
            dockerfile_set(p, o, "proto",
                           dockerfile_strn(sb_str(&proto), proto.len));
            sb_release(&proto);
        } else {
            dockerfile_set(p, o, "proto", json_string("tcp"));
        }
        dockerfile_set(p, o, "raw", dockerfile_strn(s, sb.len));
        dockerfile_append(p, ports, o);
        sb_release(&sb);
    }
    dockerfile_set(p, in->obj, "ports", ports);
    return 0;
}

static int dockerfile_workdir(struct dockerfile *p, struct dockerfile_insn *in)
{
    struct dockerfile_exp x = {0, 0};
    struct strbuf sb = STRBUF_INIT;
    const char *s;
    int abs;

    dockerfile_word(p, in->body, in->body_len, 0, &sb, &x);
    s = sb_str(&sb);
    abs = s[0] == '/' || s[0] == '\\' ||
          (isalpha((unsigned char)s[0]) && s[1] == ':' &&
           (s[2] == '\\' || s[2] == '/'));
    dockerfile_set(p, in->obj, "path", dockerfile_strn(s, sb.len));
    dockerfile_set(p, in->obj, "absolute", json_boolean(abs));
    dockerfile_set(p, in->obj, "dynamic", json_boolean(x.dynamic));
    sb_release(&sb);
    return 0;
}

/* Substituted words of the body: a JSON array's strings, or plain words. */
static json_t *dockerfile_list(struct dockerfile *p, struct dockerfile_insn *in,
                               struct dockerfile_words *ws,
                               struct dockerfile_exp *x)
{
    json_t *arr = json_object_get(in->obj, "args"), *out = json_array(), *v;
    size_t k;

    if (json_is_array(arr)) {
        json_array_foreach(arr, k, v)
        {
            struct strbuf sb = STRBUF_INIT;
            const char *s = json_string_value(v);
            size_t n = json_string_length(v), i;
            /* no quote removal inside JSON strings: only substitution */
            for (i = 0; i < n;) {
                if (s[i] == '$' && p->scope)
                    i = dockerfile_var_ref(p, s, n, i, 0, &sb, x);
                else
                    sb_add(&sb, s + i++, 1);
            }
            dockerfile_append(p, out, dockerfile_strn(sb_str(&sb), sb.len));
            sb_release(&sb);
        }
        return out;
    }
    dockerfile_split(in->body, in->body_len, p->esc, ws);
    for (k = 0; k < ws->n; k++)
        dockerfile_append(p, out,
                          dockerfile_word_json(p, ws->w[k].s, ws->w[k].n, x));
    return out;
}

static int dockerfile_copy(struct dockerfile *p, struct dockerfile_insn *in,
                           struct dockerfile_words *ws)
{
    struct dockerfile_exp x = {0, 0};
    json_t *words, *from = json_object_get(in->flags, "--from"), *v;
    size_t k, n;
    int remote = 0, st = -1;

    dockerfile_command(p, in->obj, in->body, in->body_len, 0);
    words = dockerfile_list(p, in, ws, &x);
    n = json_array_size(words);
    if (n < 2 && !json_object_get(in->obj, "heredocs")) {
        json_decref(words);
        return dockerfile_err(p, in->line,
                              "requires a source and a destination");
    }
    dockerfile_set(p, in->obj, "dest",
                   n ? json_incref(json_array_get(words, n - 1)) : json_null());
    if (n)
        json_array_remove(words, n - 1);
    json_array_foreach(words, k, v)
    {
        const char *s = json_string_value(v);
        if (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) ||
            !strncmp(s, "git@", 4) || !strncmp(s, "git://", 6))
            remote = 1;
    }
    dockerfile_set(p, in->obj, "sources", words);
    dockerfile_set(p, in->obj, "from",
                   json_is_string(from) ? json_incref(from) : json_null());
    if (json_is_string(from))
        st = dockerfile_stage_lookup(p, json_string_value(from), 1);
    dockerfile_set(p, in->obj, "from_stage",
                   st >= 0 ? json_integer(st) : json_null());
    dockerfile_set(p, in->obj, "remote", json_boolean(remote));
    dockerfile_set(p, in->obj, "dynamic", json_boolean(x.dynamic));
    return 0;
}

static int dockerfile_healthcheck(struct dockerfile *p,
                                  struct dockerfile_insn *in)
{
    const char *s = in->body;
    size_t n = in->body_len;
    json_t *stage = dockerfile_stage_json(p, p->nstages - 1);
    const char *kind;

    if (n == 4 && dockerfile_casecmp(s, "NONE", 4) == 0) {
        dockerfile_set(p, in->obj, "none", json_true());
        dockerfile_set(p, in->obj, "form", json_null());
        dockerfile_set(p, in->obj, "args", json_null());
        dockerfile_set(p, in->obj, "shell", json_null());
        kind = "none";
    } else if (n > 3 && dockerfile_casecmp(s, "CMD", 3) == 0 &&
               isspace((unsigned char)s[3])) {
        dockerfile_set(p, in->obj, "none", json_false());
        dockerfile_command(p, in->obj, s + 4, n - 4, 1);
        kind = "cmd";
    } else {
        return dockerfile_err(p, in->line, "HEALTHCHECK takes CMD or NONE");
    }
    if (stage && p->scope)
        dockerfile_set(p, stage, "healthcheck", json_string(kind));
    return 0;
}

static int dockerfile_simple(struct dockerfile *p, struct dockerfile_insn *in,
                             struct dockerfile_words *ws)
{
    struct dockerfile_exp x = {0, 0};

    if (!strcmp(in->cmd, "MAINTAINER")) {
        dockerfile_set(p, in->obj, "maintainer",
                       dockerfile_strn(in->body, in->body_len));
    } else if (!strcmp(in->cmd, "STOPSIGNAL")) {
        dockerfile_set(p, in->obj, "signal",
                       dockerfile_word_json(p, in->body, in->body_len, &x));
    } else if (!strcmp(in->cmd, "VOLUME")) {
        dockerfile_command(p, in->obj, in->body, in->body_len, 0);
        dockerfile_set(p, in->obj, "paths", dockerfile_list(p, in, ws, &x));
    } else if (!strcmp(in->cmd, "SHELL")) {
        dockerfile_command(p, in->obj, in->body, in->body_len, 0);
        if (!json_is_array(json_object_get(in->obj, "args")))
            return dockerfile_err(p, in->line, "SHELL requires a JSON array");
    } else {
        dockerfile_command(p, in->obj, in->body, in->body_len, 1);
    }
    if (x.dynamic)
        dockerfile_set(p, in->obj, "dynamic", json_true());
    return 0;
}

/* ---- heredocs ---- */

/* Reads one physical line; 0 at the end of the text. */
static int dockerfile_next_line(struct dockerfile *p, const char **s, size_t *n)
{
    const char *nl;

    if (p->pos >= p->len)
        return 0;
    *s = p->text + p->pos;
    nl = memchr(*s, '\n', p->len - p->pos);
    *n = nl ? (size_t)(nl - *s) : p->len - p->pos;
    p->pos += *n + (nl ? 1 : 0);
    if (*n && (*s)[*n - 1] == '\r')
        (*n)--;
    p->line++;
    return 1;
}

/* Finds <<EOF words in the body and reads their bodies after the line. */
static int dockerfile_heredocs(struct dockerfile *p, struct dockerfile_insn *in,
                               struct dockerfile_words *ws, size_t *total)
{
    json_t *docs = NULL;
    size_t k;

    dockerfile_split(in->body, in->body_len, p->esc, ws);
    for (k = 0; k < ws->n; k++) {
        const char *w = ws->w[k].s, *line;
        size_t wn = ws->w[k].n, i = 0, ln;
        int strip, quoted, found = 0;
        struct strbuf name = STRBUF_INIT, body = STRBUF_INIT;
        struct dockerfile_exp x = {0, 0};
        struct dockerfile_vars *saved = p->scope;
        json_t *d;

        while (i < wn && isdigit((unsigned char)w[i]))
            i++; /* 3<<EOF: a file descriptor */
        if (wn - i < 3 || w[i] != '<' || w[i + 1] != '<' || w[i + 2] == '<')
            continue;
        i += 2;
        strip = w[i] == '-';
        i += (size_t)strip;
        quoted = memchr(w + i, '\'', wn - i) || memchr(w + i, '"', wn - i);
        p->scope = NULL;
        dockerfile_word(p, w + i, wn - i, 0, &name, &x);
        p->scope = saved;
        if (!name.len) {
            sb_release(&name);
            continue;
        }
        while (dockerfile_next_line(p, &line, &ln)) {
            const char *t = line;
            size_t tn = ln;
            if (strip)
                while (tn && *t == '\t')
                    t++, tn--;
            if (tn == name.len && memcmp(t, name.buf, tn) == 0) {
                found = 1;
                break;
            }
            sb_add(&body, t, tn);
            sb_add(&body, "\n", 1);
            *total += ln + 1;
            if (*total > DOCKERFILE_MAX_INSTRUCTION) {
                sb_release(&name);
                sb_release(&body);
                return err_set(p->e, "%s:%ld: instruction longer than %d bytes",
                               p->path, in->line, DOCKERFILE_MAX_INSTRUCTION);
            }
        }
        if (!found) {
            int rc = err_set(p->e, "%s:%ld: heredoc %s is not terminated",
                             p->path, in->line, sb_str(&name));
            sb_release(&name);
            sb_release(&body);
            return rc;
        }
        if (!docs) {
            docs = json_array();
            dockerfile_set(p, in->obj, "heredocs", docs);
        }
        d = json_object();
        dockerfile_set(p, d, "name", dockerfile_strn(name.buf, name.len));
        dockerfile_set(p, d, "content",
                       dockerfile_strn(sb_str(&body), body.len));
        dockerfile_set(p, d, "expand", json_boolean(!quoted));
        dockerfile_set(p, d, "strip_tabs", json_boolean(strip));
        dockerfile_append(p, docs, d);
        sb_release(&name);
        sb_release(&body);
    }
    return 0;
}

/* Appends every heredoc body to "command", so one regex sees the script. */
static void dockerfile_command_heredocs(struct dockerfile *p, json_t *obj)
{
    json_t *docs = json_object_get(obj, "heredocs"), *d;
    json_t *cmd = json_object_get(obj, "command");
    struct strbuf sb = STRBUF_INIT;
    size_t i;

    if (!docs || !json_is_string(cmd))
        return;
    sb_add(&sb, json_string_value(cmd), json_string_length(cmd));
    json_array_foreach(docs, i, d)
    {
        json_t *c = json_object_get(d, "content");
        sb_add(&sb, "\n", 1);
        sb_add(&sb, json_string_value(c), json_string_length(c));
    }
    dockerfile_set(p, obj, "command", dockerfile_strn(sb_str(&sb), sb.len));
    sb_release(&sb);
}

/* ---- instructions ---- */

static const char *const dockerfile_cmds[] = {
    "ADD",        "ARG",     "CMD",     "COPY",        "ENTRYPOINT",
    "ENV",        "EXPOSE",  "FROM",    "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN",     "SHELL",       "STOPSIGNAL",
    "USER",       "VOLUME",  "WORKDIR", NULL};

static int dockerfile_dispatch(struct dockerfile *p, struct dockerfile_insn *in,
                               struct dockerfile_words *ws);

/*
 * Parses one logical instruction (text, n) into a new object in *out.
 * total counts the bytes of the instruction, heredocs included.
 */
static int dockerfile_instruction(struct dockerfile *p, const char *text,
                                  size_t n, long line, int onbuild,
                                  size_t total, json_t **out)
{
    struct dockerfile_insn in;
    struct dockerfile_words ws = {NULL, 0, 0};
    const char *s = text;
    size_t wl = 0, i;
    char up[16];
    int rc = -1;
    json_t *obj;

    *out = NULL;
    dockerfile_trim(&s, &n);
    while (wl < n && !isspace((unsigned char)s[wl]))
        wl++;
    for (i = 0; i < wl && i < sizeof(up) - 1; i++)
        up[i] = (char)toupper((unsigned char)s[i]);
    up[i] = '\0';
    memset(&in, 0, sizeof(in));
    for (i = 0; dockerfile_cmds[i]; i++)
        if (wl < sizeof(up) && !strcmp(up, dockerfile_cmds[i]))
            in.cmd = dockerfile_cmds[i];
    if (!in.cmd)
        return err_set(p->e, "%s:%ld: unknown instruction %.*s", p->path, line,
                       (int)(wl > 64 ? 64 : wl), s);
    if (onbuild && (!strcmp(in.cmd, "ONBUILD") || !strcmp(in.cmd, "FROM") ||
                    !strcmp(in.cmd, "MAINTAINER")))
        return err_set(p->e, "%s:%ld: ONBUILD does not allow %s", p->path, line,
                       in.cmd);
    if (p->nstages == 0 && strcmp(in.cmd, "ARG") && strcmp(in.cmd, "FROM"))
        return err_set(p->e, "%s:%ld: %s before the first FROM", p->path, line,
                       in.cmd);
    obj = json_object();
    in.obj = obj;
    in.line = line;
    in.flags = json_object();
    in.body = s + wl;
    in.body_len = n - wl;
    dockerfile_set(p, obj, "cmd", json_string(in.cmd));
    dockerfile_set(p, obj, "line", json_integer(line));
    dockerfile_set(p, obj, "stage",
                   p->nstages ? json_integer(p->nstages - 1) : json_null());
    if (!strcmp(in.cmd, "FROM"))
        p->scope = &p->global; /* FROM sees the global ARGs only */
    dockerfile_set(p, obj, "raw", dockerfile_strn(s, n));
    dockerfile_set(p, obj, "flags", in.flags);
    dockerfile_flags(p, &in, &ws);
    if (in.body_len == 0 && strcmp(in.cmd, "CMD") &&
        strcmp(in.cmd, "ENTRYPOINT")) {
        err_set(p->e, "%s:%ld: %s requires arguments", p->path, line, in.cmd);
        goto out;
    }
    if (!onbuild && (!strcmp(in.cmd, "RUN") || !strcmp(in.cmd, "COPY") ||
                     !strcmp(in.cmd, "ADD"))) {
        json_t *exec = dockerfile_exec_form(in.body, in.body_len);
        if (!exec && dockerfile_heredocs(p, &in, &ws, &total) != 0)
            goto out;
        json_decref(exec);
    }
    if (!strcmp(in.cmd, "FROM")) /* the instruction belongs to its stage */
        rc = dockerfile_from(p, &in, &ws);
    else
        rc = dockerfile_dispatch(p, &in, &ws);
    if (rc == 0 && !strcmp(in.cmd, "FROM"))
        dockerfile_set(p, obj, "stage", json_integer(p->nstages - 1));
    if (rc == 0) {
        if (!json_object_get(obj, "form"))
            dockerfile_command(p, obj, in.body, in.body_len, 0);
        dockerfile_command_heredocs(p, obj);
        dockerfile_set(p, obj, "end_line", json_integer(p->line));
    }
out:
    free(ws.w);
    if (rc == 0)
        *out = obj;
    else
        json_decref(obj);
    return rc;
}

static int dockerfile_dispatch(struct dockerfile *p, struct dockerfile_insn *in,
                               struct dockerfile_words *ws)
{
    const char *c = in->cmd;

    if (!strcmp(c, "ENV") || !strcmp(c, "ARG") || !strcmp(c, "LABEL"))
        return dockerfile_pairs(p, in, ws);
    if (!strcmp(c, "USER"))
        return dockerfile_user(p, in);
    if (!strcmp(c, "EXPOSE"))
        return dockerfile_expose(p, in, ws);
    if (!strcmp(c, "WORKDIR"))
        return dockerfile_workdir(p, in);
    if (!strcmp(c, "COPY") || !strcmp(c, "ADD"))
        return dockerfile_copy(p, in, ws);
    if (!strcmp(c, "HEALTHCHECK"))
        return dockerfile_healthcheck(p, in);
    if (!strcmp(c, "ONBUILD")) {
        struct dockerfile_vars *saved = p->scope;
        json_t *inner;
        int rc;
        p->scope = NULL; /* runs in the child build, not here */
        rc = dockerfile_instruction(p, in->body, in->body_len, in->line, 1, 0,
                                    &inner);
        p->scope = saved;
        if (rc != 0)
            return rc;
        if (json_object_get(inner, "redacted")) {
            struct strbuf raw = STRBUF_INIT;
            json_t *r = json_object_get(inner, "raw");
            sb_adds(&raw, "ONBUILD ");
            sb_add(&raw, json_string_value(r), json_string_length(r));
            dockerfile_set(p, in->obj, "raw",
                           dockerfile_strn(sb_str(&raw), raw.len));
            dockerfile_set(p, in->obj, "redacted", json_true());
            sb_release(&raw);
        }
        dockerfile_set(p, in->obj, "instruction", inner);
        return 0;
    }
    return dockerfile_simple(p, in, ws);
}

/* ---- the file ---- */

/* An escape character ends the line (trailing blanks allowed). */
static int dockerfile_continues(struct dockerfile *p, const char *s, size_t *n)
{
    size_t k = *n;

    while (k && dockerfile_blank(s[k - 1]))
        k--;
    if (k && s[k - 1] == p->esc) {
        *n = k - 1;
        return 1;
    }
    return 0;
}

static int dockerfile_is_skip(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    return n == 0 || *s == '#';
}

/* "# key=value" lines before anything else. */
static int dockerfile_directives(struct dockerfile *p, json_t *dirs)
{
    const char *s;
    size_t n;

    for (;;) {
        size_t save_pos = p->pos, i = 1, ks, ke, vs;
        long save_line = p->line;
        char key[32];
        int bad = 0;

        if (!dockerfile_next_line(p, &s, &n))
            return 0;
        if (n < 1 || s[0] != '#')
            bad = 1;
        while (!bad && i < n && dockerfile_blank(s[i]))
            i++;
        ks = i;
        while (!bad && i < n && isalpha((unsigned char)s[i]))
            i++;
        ke = i;
        while (!bad && i < n && dockerfile_blank(s[i]))
            i++;
        if (bad || ke == ks || ke - ks >= sizeof(key) || i >= n ||
            s[i] != '=') {
            p->pos = save_pos;
            p->line = save_line;
            return 0;
        }
        for (i = ks; i < ke; i++)
            key[i - ks] = (char)tolower((unsigned char)s[i]);
        key[ke - ks] = '\0';
        vs = ke;
        while (s[vs] != '=')
            vs++;
        vs++;
        {
            const char *v = s + vs;
            size_t vn = n - vs;
            dockerfile_trim(&v, &vn);
            if (json_object_get(dirs, key))
                return err_set(p->e, "%s:%ld: directive %s given twice",
                               p->path, p->line, key);
            if (!strcmp(key, "escape")) {
                if (vn != 1 || (v[0] != '\\' && v[0] != '`'))
                    return err_set(p->e, "%s:%ld: escape must be \\ or `",
                                   p->path, p->line);
                p->esc = v[0];
            }
            dockerfile_set(p, dirs, key, dockerfile_strn(v, vn));
        }
    }
}

/* Reads logical instructions until the end; 0 or -1. */
static int dockerfile_body(struct dockerfile *p)
{
    struct strbuf sb = STRBUF_INIT;
    const char *s;
    size_t n;
    int rc = 0;

    while (rc == 0 && dockerfile_next_line(p, &s, &n)) {
        long start;
        json_t *obj;
        if (dockerfile_is_skip(s, n))
            continue;
        start = p->line;
        sb_setlen(&sb, 0);
        for (;;) {
            int more = dockerfile_continues(p, s, &n);
            sb_add(&sb, s, n);
            if (sb.len > DOCKERFILE_MAX_INSTRUCTION) {
                rc = err_set(p->e, "%s:%ld: instruction longer than %d bytes",
                             p->path, start, DOCKERFILE_MAX_INSTRUCTION);
                break;
            }
            if (!more)
                break;
            do { /* comments and blank lines inside a continuation go */
                more = dockerfile_next_line(p, &s, &n);
            } while (more && dockerfile_is_skip(s, n));
            if (!more)
                break;
        }
        if (rc != 0)
            break;
        rc = dockerfile_instruction(p, sb_str(&sb), sb.len, start, 0, sb.len,
                                    &obj);
        if (rc == 0)
            dockerfile_append(p, p->instructions, obj);
    }
    sb_release(&sb);
    return rc;
}

int dockerfile_parse(const char *text, size_t len, const char *path,
                     json_t **out, struct err *e)
{
    static const char *const automatic[] = {
        "BUILDPLATFORM", "BUILDOS",        "BUILDARCH",
        "BUILDVARIANT",  "TARGETPLATFORM", "TARGETOS",
        "TARGETARCH",    "TARGETVARIANT",  NULL};
    struct dockerfile p;
    struct strbuf clean = STRBUF_INIT;
    json_t *dirs, *final, *syntax;
    const char *nul;
    char esc[2];
    int i, rc = -1;

    *out = NULL;
    memset(&p, 0, sizeof(p));
    p.path = path ? path : "Dockerfile";
    p.e = e;
    p.esc = '\\';
    if ((nul = memchr(text, '\0', len)) != NULL) {
        long ln = 1;
        for (const char *c = text; c < nul; c++)
            ln += *c == '\n';
        return err_set(e, "%s:%ld: NUL byte: not a text file", p.path, ln);
    }
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        text += 3, len -= 3;
    utf8_sanitize(&clean, text, len);
    p.text = sb_str(&clean);
    p.len = clean.len;
    for (i = 0; automatic[i]; i++)
        dockerfile_var_set(&p.global, automatic[i], NULL, 0, 0);
    p.scope = &p.global;
    p.doc = json_object();
    p.instructions = json_array();
    p.stages = json_array();
    p.global_args = json_object();
    dirs = json_object();
    dockerfile_set(&p, p.doc, "path", json_string(p.path));
    if (dockerfile_directives(&p, dirs) != 0) {
        json_decref(dirs);
        goto out;
    }
    esc[0] = p.esc;
    esc[1] = '\0';
    syntax = json_object_get(dirs, "syntax");
    dockerfile_set(&p, p.doc, "escape", json_string(esc));
    dockerfile_set(&p, p.doc, "syntax",
                   syntax ? json_incref(syntax) : json_null());
    dockerfile_set(&p, p.doc, "directives", dirs);
    if (dockerfile_body(&p) != 0)
        goto out;
    if (p.nstages == 0) {
        err_set(e, "%s:%ld: no FROM instruction", p.path, p.line ? p.line : 1);
        goto out;
    }
    if (p.oom) {
        err_set(e, "%s: out of memory building the document", p.path);
        goto out;
    }
    final = dockerfile_stage_json(&p, p.nstages - 1);
    dockerfile_set(&p, p.doc, "args", json_incref(p.global_args));
    dockerfile_set(&p, p.doc, "stages", json_incref(p.stages));
    dockerfile_set(&p, p.doc, "final_stage", json_integer(p.nstages - 1));
    dockerfile_set(&p, p.doc, "user",
                   json_incref(json_object_get(final, "user")));
    dockerfile_set(&p, p.doc, "healthcheck",
                   json_incref(json_object_get(final, "healthcheck")));
    dockerfile_set(&p, p.doc, "redacted", json_boolean(p.redacted));
    dockerfile_set(&p, p.doc, "instructions", json_incref(p.instructions));
    if (p.oom) {
        err_set(e, "%s: out of memory building the document", p.path);
        goto out;
    }
    *out = json_incref(p.doc);
    rc = 0;
out:
    json_decref(p.doc);
    json_decref(p.instructions);
    json_decref(p.stages);
    json_decref(p.global_args);
    dockerfile_vars_release(&p.global);
    for (i = 0; i < p.nstages; i++)
        dockerfile_vars_release(&p.stage_vars[i]);
    free(p.stage_vars);
    sb_release(&clean);
    return rc;
}
