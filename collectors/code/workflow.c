/*
 * workflow.c: which files are CI workflows, and their parsing into
 * code/Workflow documents (see code_int.h); the readers of each dialect
 * are workflow_gha.c and workflow_gitlab.c.
 *
 * File names: a GitHub Actions workflow is a .yml/.yaml file in a
 * .github/workflows/ directory (GitHub runs only the repository root's,
 * but a tree scanned may be a subdirectory or hold vendored projects, so
 * any depth counts) or a file named *.gha.yml / *.gha.yaml (rule
 * fixtures, workflows kept outside .github); a composite action is
 * action.yml / action.yaml anywhere; GitLab CI is .gitlab-ci.yml, or any
 * *.gitlab-ci.yml / *.gitlab-ci.yaml (included files, fixtures).
 */
#include "workflow_int.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "util.h"
#include "yamljson.h"
#include "banned.h"

static const char *workflow_base(const char *relpath)
{
    const char *s = strrchr(relpath, '/');
    return s ? s + 1 : relpath;
}

enum code_workflow_type code_workflow_type(const char *relpath)
{
    const char *base;
    const char *dir;

    if (!relpath)
        return CODE_WF_NONE;
    base = workflow_base(relpath);
    if (strcmp(base, "action.yml") == 0 || strcmp(base, "action.yaml") == 0)
        return CODE_WF_GITHUB_ACTION;
    if (strcmp(base, ".gitlab-ci.yml") == 0 ||
        str_has_suffix(base, ".gitlab-ci.yml") ||
        str_has_suffix(base, ".gitlab-ci.yaml"))
        return CODE_WF_GITLAB;
    if (str_has_suffix(base, ".gha.yml") || str_has_suffix(base, ".gha.yaml"))
        return CODE_WF_GITHUB;
    if (!str_has_suffix(base, ".yml") && !str_has_suffix(base, ".yaml"))
        return CODE_WF_NONE;
    /* The file sits directly in a .github/workflows directory. */
    dir = relpath;
    while ((dir = strstr(dir, ".github/workflows/")) != NULL) {
        if ((dir == relpath || dir[-1] == '/') &&
            dir + strlen(".github/workflows/") == base)
            return CODE_WF_GITHUB;
        dir++;
    }
    return CODE_WF_NONE;
}

long wf_line_find(const struct wf_text *t, long from, const char *needle)
{
    /* '^': at the start of the line; '~': after its indentation. */
    int anchored = needle[0] == '^' || needle[0] == '~';
    int indented = needle[0] == '~';
    size_t nl = strlen(needle + anchored);
    const char *p = t->buf, *end = t->buf + t->len;
    long line = 1;

    needle += anchored;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
        if (line >= from) {
            size_t i = 0;
            if (indented)
                while (i < n && p[i] == ' ')
                    i++;
            for (; i + nl <= n; i++) {
                if (memcmp(p + i, needle, nl) == 0)
                    return line;
                if (anchored)
                    break;
            }
        }
        if (!eol)
            break;
        p = eol + 1;
        line++;
    }
    return 0;
}

/* Line `line` (1-based) of t: its start and length; NULL past the end. */
static const char *wf_line_at(const struct wf_text *t, long line, size_t *n)
{
    const char *p = t->buf, *end = t->buf + t->len;
    long l = 1;

    while (l < line) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            return NULL;
        p = eol + 1;
        l++;
    }
    if (p >= end)
        return NULL;
    {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        *n = eol ? (size_t)(eol - p) : (size_t)(end - p);
    }
    return p;
}

size_t wf_item_lines(const struct wf_text *t, long key_line, long *lines,
                     size_t n)
{
    size_t found = 0, key_indent = 0, indent = (size_t)-1, len;
    const char *s = wf_line_at(t, key_line, &len);
    const char *end = t->buf + t->len;
    long line = key_line;

    if (!s)
        return 0;
    while (key_indent < len && s[key_indent] == ' ')
        key_indent++;
    /* One pass over the lines after the key. */
    while (found < n) {
        size_t i = 0;
        s += len;
        if (s >= end)
            break;
        s++; /* the newline */
        line++;
        {
            const char *eol = memchr(s, '\n', (size_t)(end - s));
            len = eol ? (size_t)(eol - s) : (size_t)(end - s);
        }
        while (i < len && s[i] == ' ')
            i++;
        if (i == len || s[i] == '#' || s[i] == '\r')
            continue; /* blank or comment */
        if (indent == (size_t)-1) {
            if (s[i] != '-' || i < key_indent)
                break; /* not a block sequence */
            indent = i;
        }
        if (i < indent)
            break;
        if (i == indent) {
            if (s[i] != '-')
                break;
            lines[found++] = line;
        }
    }
    return found;
}

void wf_set(json_t *o, const char *key, json_t *v)
{
    if (v)
        json_object_set_new(o, key, v);
}

int wf_curl_pipe_shell(const char *script)
{
    /* As DOCKER-CURL-PIPE-SHELL reads a RUN instruction. */
    static const char pattern[] =
        "(curl|wget)[^|;&\n]*[|][[:space:]]*(sudo([[:space:]]+-[^[:space:]]+)"
        "*[[:space:]]+)?((/usr)?/bin/)?(env[[:space:]]+)?(ba|z|da|k|a)?sh("
        "[[:space:]]|[;&|)]|$)|(^|[^[:alnum:]_.-])(ba|z|da|k|a)?sh[[:space:]]"
        "+(-[[:alnum:]]+[[:space:]]+)*(<[(]|-c[[:space:]]+[\"']?[$][(])[[:"
        "space:]]*(curl|wget)";
    regex_t re;
    int hit;

    /* Most scripts download nothing: compile only for those that may. */
    if (!script || (!strstr(script, "curl") && !strstr(script, "wget")) ||
        regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB))
        return 0;
    hit = regexec(&re, script, 0, NULL, 0) == 0;
    regfree(&re);
    return hit;
}

/* A value that is an expression or a variable reference, not a literal. */
static int wf_is_reference(const char *s)
{
    while (*s == ' ' || *s == '"' || *s == '\'')
        s++;
    return s[0] == '$' || s[0] == '\0';
}

static void wf_redact_in(json_t *v, const char *key)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach(v, k, m)
        {
            if (json_is_string(m)) {
                const char *s = json_string_value(m);
                char *r;
                if ((redact_name_is_secret(k) && !wf_is_reference(s)) ||
                    redact_value_is_secret(s)) {
                    json_object_set_new(v, k,
                                        redact_value(s, json_string_length(m)));
                } else if ((r = redact_shell(s, json_string_length(m)))) {
                    json_object_set_new(v, k, json_string_lossy(r));
                    free(r);
                }
            } else {
                wf_redact_in(m, k);
            }
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            if (json_is_string(m)) {
                const char *s = json_string_value(m);
                char *r;
                if (redact_value_is_secret(s)) {
                    json_array_set_new(v, i,
                                       redact_value(s, json_string_length(m)));
                } else if ((r = redact_shell(s, json_string_length(m)))) {
                    json_array_set_new(v, i, json_string_lossy(r));
                    free(r);
                }
            } else {
                wf_redact_in(m, key);
            }
        }
    }
}

void wf_redact(json_t *v)
{
    wf_redact_in(v, NULL);
}

struct workflow_docs {
    json_t *doc;
    long line;
    int n;
    int gitlab_spec; /* GitLab: a "spec:" header document may come first */
};

/* A GitLab CI/CD component's header: a document holding spec: only. */
static int workflow_is_spec(const json_t *doc)
{
    return json_is_object(doc) && json_object_size(doc) == 1 &&
           json_object_get(doc, "spec");
}

static int workflow_doc(json_t *doc, long line, const json_t *item_lines,
                        void *ctx)
{
    struct workflow_docs *d = ctx;

    (void)item_lines;
    if (d->n++ == 0) {
        d->doc = doc;
        d->line = line;
        return 0;
    }
    if (d->n == 2 && d->gitlab_spec && workflow_is_spec(d->doc)) {
        /* The header's spec is kept beside the pipeline it configures. */
        json_t *spec = d->doc;
        d->doc = doc;
        d->line = line;
        if (json_is_object(doc))
            json_object_set(doc, "spec", json_object_get(spec, "spec"));
        json_decref(spec);
        d->n = 1;
        return 0;
    }
    json_decref(doc);
    return 1;
}

json_t *code_workflow_parse(enum code_workflow_type t, const char *relpath,
                            const char *buf, size_t len, struct err *e)
{
    struct workflow_docs d = {NULL, 0, 0, t == CODE_WF_GITLAB};
    struct wf_text text = {buf, len};
    json_t *out = NULL;

    if (t == CODE_WF_NONE) {
        err_set(e, "%s: not a workflow file", relpath);
        return NULL;
    }
    if (yj_parse(buf, len, 1, workflow_doc, &d, e) < 0) {
        if (e) {
            char why[sizeof(e->msg)];
            memcpy(why, e->msg, sizeof(why));
            /* yj_parse says "LINE:COL: problem": make it file:line. */
            err_set(e, "%s:%s", relpath, why);
        }
        json_decref(d.doc);
        return NULL;
    }
    if (!d.doc) {
        err_set(e, "%s:1: empty workflow file", relpath);
        return NULL;
    }
    if (d.n > 1) {
        err_set(e, "%s: more than one YAML document in a workflow file",
                relpath);
        json_decref(d.doc);
        return NULL;
    }
    if (!json_is_object(d.doc)) {
        err_set(e, "%s:%ld: a workflow is a mapping, found %s", relpath, d.line,
                json_is_array(d.doc) ? "a list" : "a single value");
        json_decref(d.doc);
        return NULL;
    }
    if (t == CODE_WF_GITLAB)
        out = wf_gitlab(d.doc, relpath, &text, e);
    else
        out = wf_gha(d.doc, t, relpath, &text, e);
    if (out) {
        json_t *raw = json_deep_copy(d.doc);
        wf_redact(raw);
        wf_set(out, "path", json_string_lossy(relpath));
        wf_set(out, "line", json_integer(d.line));
        wf_set(out, "raw", raw);
    }
    json_decref(d.doc);
    return out;
}
