/*
 * dockerfile_parse.c: a Dockerfile as one JSON document; the shape and the
 * rules of substitution are in dockerfile_parse.h.
 *
 * One pass over physical lines: directives, then logical instructions
 * (continuations joined), then heredoc bodies read after the instruction
 * that opened them. Variables live in one table per stage (and one for
 * the global ARGs); each entry knows whether its value is static and
 * whether it is a secret, and both properties flow into every value built
 * from it (dockerfile_words.c). Each instruction has its handler in
 * dockerfile_insn.c.
 */
#include "dockerfile_parse.h"
#include "dockerfile_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "util.h"
#include "banned.h"

/* ---- small helpers ---- */

void dockerfile_set(struct dockerfile *p, json_t *obj, const char *key,
                    json_t *v)
{
    if (!v || json_object_set_new(obj, key, v) != 0)
        p->oom = 1;
}

void dockerfile_append(struct dockerfile *p, json_t *arr, json_t *v)
{
    if (!v || json_array_append_new(arr, v) != 0)
        p->oom = 1;
}

void dockerfile_trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* ASCII case-insensitive comparison of n bytes. */
int dockerfile_casecmp(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return 1;
    return 0;
}

int dockerfile_err(struct dockerfile *p, long line, const char *what)
{
    return err_set(p->e, "%s:%ld: %s", p->path, line, what);
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
        struct dockerfile_exp x = {0, 0, 0};

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
void dockerfile_command(struct dockerfile *p, json_t *obj, const char *s,
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
        struct dockerfile_exp x = {0, 0, 0};
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

/* Appends every heredoc body to "command", so one regex sees the script,
 * and reads it as the shell does (dockerfile_script.c). */
static void dockerfile_command_heredocs(struct dockerfile *p, json_t *obj)
{
    json_t *docs = json_object_get(obj, "heredocs"), *d;
    json_t *cmd = json_object_get(obj, "command");
    struct strbuf sb = STRBUF_INIT, script = STRBUF_INIT;
    size_t i;

    if (!json_is_string(cmd))
        return;
    sb_add(&sb, json_string_value(cmd), json_string_length(cmd));
    json_array_foreach(docs, i, d)
    {
        json_t *c = json_object_get(d, "content");
        sb_add(&sb, "\n", 1);
        sb_add(&sb, json_string_value(c), json_string_length(c));
    }
    dockerfile_script(sb_str(&sb), sb.len, &script);
    dockerfile_set(p, obj, "command",
                   dockerfile_strn(sb_str(&script), script.len));
    sb_release(&sb);
    sb_release(&script);
}

/* A string member replaced by what scan made of it, if anything. */
static int dockerfile_redact_member(struct dockerfile *p, json_t *obj,
                                    const char *key,
                                    char *(*scan)(const char *, size_t))
{
    json_t *v = json_object_get(obj, key);
    char *r;

    if (!json_is_string(v) ||
        !(r = scan(json_string_value(v), json_string_length(v))))
        return 0;
    dockerfile_set(p, obj, key, json_string_lossy(r));
    free(r);
    return 1;
}

/*
 * Credentials in what an instruction runs (RUN, CMD, ENTRYPOINT,
 * HEALTHCHECK, ONBUILD's copy) or fetches (ADD's URLs): mysql -pX,
 * --token X, user:X@ in a URL, and heredoc bodies, which are scripts or
 * whole files. Every member that
 * holds the text is scanned, so no copy keeps the value.
 */
static void dockerfile_redact_command(struct dockerfile *p, json_t *obj)
{
    json_t *docs = json_object_get(obj, "heredocs"), *d;
    size_t i;
    int hit = 0;

    hit |= dockerfile_redact_member(p, obj, "raw", redact_shell);
    hit |= dockerfile_redact_member(p, obj, "shell", redact_shell);
    hit |= dockerfile_redact_member(p, obj, "command", redact_shell);
    if (json_is_array(json_object_get(obj, "args")) &&
        redact_argv(json_object_get(obj, "args")))
        hit = 1;
    /* ADD https://user:X@host/file: the sources hold the URL too */
    if (json_is_array(json_object_get(obj, "sources")) &&
        redact_argv(json_object_get(obj, "sources")))
        hit = 1;
    json_array_foreach(docs, i, d) hit |=
        dockerfile_redact_member(p, d, "content", redact_text);
    if (hit) {
        dockerfile_set(p, obj, "redacted", json_true());
        p->redacted = 1;
    }
}

/* ---- instructions ---- */

/*
 * A line that starts with no instruction is often the rest of a command
 * whose continuation broke (  -pS3cret \): the word is quoted only when
 * it could be an instruction's name, letters alone.
 */
static int dockerfile_unknown(struct dockerfile *p, long line, const char *w,
                              size_t n)
{
    size_t i;

    for (i = 0; i < n && isalpha((unsigned char)w[i]); i++)
        ;
    if (i == n && n <= 16)
        return err_set(p->e, "%s:%ld: unknown instruction %.*s", p->path, line,
                       (int)n, w);
    return err_set(p->e,
                   "%s:%ld: no instruction starts this line (a word of %zu "
                   "bytes, not shown: a broken line continuation?)",
                   p->path, line, n);
}

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
        return dockerfile_unknown(p, line, s, wl);
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
        dockerfile_redact_command(p, obj);
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
        if (json_array_size(p->instructions) >= DOCKERFILE_MAX_INSTRUCTIONS) {
            rc = err_set(p->e, "%s:%ld: more than %d instructions (limit)",
                         p->path, start, DOCKERFILE_MAX_INSTRUCTIONS);
            break;
        }
        rc = dockerfile_instruction(p, sb_str(&sb), sb.len, start, 0, sb.len,
                                    &obj);
        if (rc == 0 && p->over) {
            json_decref(obj);
            rc = err_set(p->e,
                         "%s:%ld: variable substitution and stage "
                         "inheritance make more than %d MiB of values (limit)",
                         p->path, start, DOCKERFILE_MAX_EXPANSION >> 20);
        }
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
    dockerfile_reach(&p);
    final = dockerfile_stage_json(&p, p.nstages - 1);
    dockerfile_set(&p, p.doc, "args", json_incref(p.global_args));
    dockerfile_set(&p, p.doc, "stages", json_incref(p.stages));
    dockerfile_set(&p, p.doc, "final_stage", json_integer(p.nstages - 1));
    dockerfile_set(&p, p.doc, "user",
                   json_incref(json_object_get(final, "user")));
    dockerfile_set(&p, p.doc, "healthcheck",
                   json_incref(json_object_get(final, "healthcheck")));
    dockerfile_set(&p, p.doc, "user_check",
                   json_incref(json_object_get(final, "user_check")));
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
    dockerfile_vars_release(&p.stage_names);
    sb_release(&clean);
    return rc;
}
