/*
 * image_history.c: history created_by lines back into Dockerfile
 * instructions (see image_history.h). Builders write them differently:
 *
 *   classic builder, buildah:  /bin/sh -c #(nop)  USER app
 *                              /bin/sh -c #(nop) ADD file:4c1... in /
 *                              /bin/sh -c apt-get update        (a RUN)
 *                              |2 A=1 B=2 /bin/sh -c make        (RUN, args)
 *   BuildKit:                  RUN /bin/sh -c apt-get update # buildkit
 *                              RUN |1 TOKEN=x /bin/sh -c ... # buildkit
 *                              EXPOSE map[22/tcp:{}]   VOLUME [/data]
 *                              HEALTHCHECK &{["CMD-SHELL" "curl ..."] ...}
 *   others (umoci, kaniko):    USER app, RUN ..., as in a Dockerfile
 *
 * Each is rewritten as one Dockerfile line and parsed by dockerfile_parse,
 * so the instruction has exactly the shape rules already judge, and ENV,
 * ARG and LABEL values are redacted the same way. Build-argument values
 * (which BuildKit records in RUN lines) and credential-looking words of RUN
 * commands are redacted too: history is public to anyone who pulls.
 */
#include "image_history.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile_parse.h"
#include "redact.h"
#include "util.h"
#include "banned.h"

static const char *const image_history_cmds[] = {
    "ADD",        "ARG",     "CMD",     "COPY",        "ENTRYPOINT",
    "ENV",        "EXPOSE",  "FROM",    "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN",     "SHELL",       "STOPSIGNAL",
    "USER",       "VOLUME",  "WORKDIR", NULL};

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* The instruction word s starts with (upper-cased into w), or NULL. */
static const char *image_history_cmd(const char *s, char w[16])
{
    size_t n = 0, i;

    while (s[n] && !isspace((unsigned char)s[n]) && n < 15) {
        w[n] = (char)toupper((unsigned char)s[n]);
        n++;
    }
    w[n] = '\0';
    if (s[n] && !isspace((unsigned char)s[n]))
        return NULL;
    for (i = 0; image_history_cmds[i]; i++)
        if (strcmp(w, image_history_cmds[i]) == 0)
            return s + n;
    return NULL;
}

/* "|2 A=1 B=2 rest": build arguments before a RUN command. Appends
 * "A=<value or redacted>" pairs' names to args and returns rest. */
static const char *image_history_build_args(const char *s, json_t *args,
                                            int *secret)
{
    char *end;
    long n;

    if (*s != '|')
        return s;
    n = strtol(s + 1, &end, 10);
    if (end == s + 1 || *end != ' ' || n < 0 || n > 1000)
        return s;
    s = skip_space(end);
    while (n-- > 0 && *s) {
        const char *eq = strchr(s, '='), *sp = strchr(s, ' ');
        if (!sp)
            sp = s + strlen(s);
        if (eq && eq < sp) {
            char *name = xstrndup(s, (size_t)(eq - s));
            char *val = xstrndup(eq + 1, (size_t)(sp - eq - 1));
            if (redact_name_is_secret(name) || redact_value_is_secret(val))
                *secret = 1;
            json_array_append_new(args, json_string_lossy(name));
            free(name);
            free(val);
        }
        s = skip_space(sp);
    }
    return s;
}

/* "[a b]" or "map[a:{} b:{}]": Go's printing of lists and sets. */
static void image_history_go_list(struct strbuf *out, const char *s)
{
    const char *p = s;

    if (strncmp(p, "map[", 4) == 0)
        p += 3;
    if (*p != '[') {
        sb_adds(out, s);
        return;
    }
    p++;
    while (*p && *p != ']') {
        const char *w = p;
        while (*p && *p != ' ' && *p != ']')
            p++;
        {
            size_t n = (size_t)(p - w);
            if (n >= 3 && strncmp(p - 3, ":{}", 3) == 0)
                n -= 3;
            if (out->len && out->buf[out->len - 1] != ' ')
                sb_adds(out, " ");
            sb_add(out, w, n);
        }
        p = skip_space(p);
    }
}

/* Rewrites created_by as a Dockerfile line; 0 when it is not one. */
static int image_history_line(const char *cb, struct strbuf *line,
                              json_t *build_args, int *secret)
{
    char w[16];
    const char *s = skip_space(cb), *rest;
    const size_t bk = strlen(" # buildkit");
    size_t n;

    if (strncmp(s, "/bin/sh -c #(nop)", 17) == 0) {
        s = skip_space(s + 17);
    } else if (*s == '|' || strncmp(s, "/bin/sh -c ", 11) == 0) {
        s = image_history_build_args(s, build_args, secret);
        if (strncmp(s, "/bin/sh -c ", 11) == 0)
            s += 11;
        sb_adds(line, "RUN ");
        sb_adds(line, s);
        return 1;
    }
    if (!(rest = image_history_cmd(s, w)))
        return 0;
    rest = skip_space(rest);
    sb_adds(line, w);
    sb_adds(line, " ");
    if (strcmp(w, "RUN") == 0) {
        rest = image_history_build_args(rest, build_args, secret);
        if (strncmp(rest, "/bin/sh -c ", 11) == 0)
            rest += 11;
        sb_adds(line, rest);
    } else if (strcmp(w, "EXPOSE") == 0 || strcmp(w, "VOLUME") == 0) {
        image_history_go_list(line, rest);
    } else if (strcmp(w, "HEALTHCHECK") == 0 && strncmp(rest, "&{[", 3) == 0) {
        /* &{["CMD-SHELL" "curl -f localhost"] "30s" ...}: the test only. */
        if (strncmp(rest + 3, "\"NONE\"", 6) == 0) {
            sb_adds(line, "NONE");
        } else {
            const char *q = strchr(rest + 3, ' ');
            const char *end = q ? strchr(q, ']') : NULL;
            sb_adds(line, "CMD ");
            if (q && end)
                sb_add(line, q + 1, (size_t)(end - q - 1));
        }
    } else if ((strcmp(w, "ADD") == 0 || strcmp(w, "COPY") == 0) &&
               strstr(rest, " in ")) {
        /* Classic: "ADD file:<hash> in /dest ". */
        const char *in = strstr(rest, " in ");
        sb_add(line, rest, (size_t)(in - rest));
        sb_adds(line, " ");
        sb_adds(line, skip_space(in + 4));
    } else {
        sb_adds(line, rest);
    }
    /* Trailing spaces and BuildKit's marker. */
    n = line->len;
    if (n >= bk && strcmp(line->buf + n - bk, " # buildkit") == 0)
        sb_setlen(line, n - bk);
    while (line->len && isspace((unsigned char)line->buf[line->len - 1]))
        sb_setlen(line, line->len - 1);
    return 1;
}

/* A word of a command that looks like a credential, quotes stripped,
 * alone or after "=" or ":" (TOKEN=..., -H token:..., user:pass@). */
static int image_history_word_secret(const char *word)
{
    char *w = xstrdup(word);
    size_t n = strlen(w);
    const char *s = w, *cut;
    int hit;

    while (n && (w[n - 1] == '"' || w[n - 1] == '\'' || w[n - 1] == ';'))
        w[--n] = '\0';
    while (*s == '"' || *s == '\'')
        s++;
    hit = *s && redact_value_is_secret(s);
    if (!hit && (cut = strpbrk(s, "=:")) && cut[1])
        hit = redact_value_is_secret(cut + 1);
    free(w);
    return hit;
}

/* Credential-looking words of a command replaced; NULL when none. */
static char *image_history_redact_words(const char *s, int *hit)
{
    struct strbuf out = STRBUF_INIT;
    const char *p = s;
    int any = 0;

    while (*p) {
        const char *w = p;
        char *word;
        json_t *r;
        while (*p && !isspace((unsigned char)*p))
            p++;
        word = xstrndup(w, (size_t)(p - w));
        if (*word && image_history_word_secret(word)) {
            r = redact_value(word, strlen(word));
            sb_adds(&out, json_string_value(r));
            json_decref(r);
            any = 1;
        } else {
            sb_adds(&out, word);
        }
        free(word);
        w = p;
        while (*p && isspace((unsigned char)*p))
            p++;
        sb_add(&out, w, (size_t)(p - w));
    }
    if (!any) {
        sb_release(&out);
        return NULL;
    }
    *hit = 1;
    return sb_detach(&out);
}

static void image_history_redact_field(json_t *ins, const char *key, int *hit)
{
    const char *v = json_string_value(json_object_get(ins, key));
    char *r = v ? image_history_redact_words(v, hit) : NULL;

    if (r) {
        json_object_set_new(ins, key, json_string_lossy(r));
        free(r);
    }
}

json_t *image_history_instruction(const char *created_by)
{
    struct strbuf line = STRBUF_INIT, text = STRBUF_INIT;
    json_t *args = json_array(), *doc = NULL, *ins = NULL;
    struct err e;
    int secret = 0, hit = 0;
    size_t i;
    json_t *a;

    if (!created_by || !image_history_line(created_by, &line, args, &secret))
        goto out;
    /* One line: a newline inside would start another instruction. */
    for (i = 0; i < line.len; i++)
        if (line.buf[i] == '\n' || line.buf[i] == '\r')
            line.buf[i] = ' ';
    sb_adds(&text, "FROM scratch\n");
    sb_add(&text, line.buf, line.len);
    sb_adds(&text, "\n");
    if (dockerfile_parse(sb_str(&text), text.len, "history", &doc, &e))
        goto out;
    ins = json_incref(json_array_get(json_object_get(doc, "instructions"), 1));
    if (!ins)
        goto out;
    json_object_del(ins, "line");
    json_object_del(ins, "end_line");
    json_object_del(ins, "stage");
    image_history_redact_field(ins, "raw", &hit);
    image_history_redact_field(ins, "command", &hit);
    image_history_redact_field(ins, "shell", &hit);
    json_array_foreach(json_object_get(ins, "args"), i, a)
    {
        char *r = json_is_string(a)
                      ? image_history_redact_words(json_string_value(a), &hit)
                      : NULL;
        if (r) {
            json_array_set_new(json_object_get(ins, "args"), i,
                               json_string_lossy(r));
            free(r);
        }
    }
    if (json_array_size(args))
        json_object_set(ins, "build_args", args);
    if (hit || secret)
        json_object_set_new(ins, "redacted", json_true());
out:
    json_decref(doc);
    json_decref(args);
    sb_release(&line);
    sb_release(&text);
    return ins;
}
