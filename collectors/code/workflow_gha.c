/*
 * workflow_gha.c: a GitHub Actions workflow, or a composite action, as a
 * code/Workflow document: the facts the rules in
 * checks/rules/code/workflows.yaml read, decided here so that the rules
 * stay declarative.
 *
 * Decisions, documented in docs/rules.md:
 * - A third-party action is any `uses:` that is not a local path ("./")
 *   and not owned by GitHub (the actions/ and github/ organisations);
 *   docker:// images are third-party. A reference is pinned when its ref
 *   is a full 40-hex commit sha (docker://: an @sha256: digest).
 * - Attacker-controlled contexts are those GitHub's script-injection
 *   guidance lists: github.head_ref and, under github.event, titles,
 *   bodies, labels, commit messages, author and committer names and
 *   emails, page names, head refs and branch names (workflow_run), default
 *   branches, and whole event objects passed to toJSON. inputs.* and env.*
 *   are not flagged: they are set by people with write access or by the
 *   calling workflow, which is judged on its own.
 * - runs-on is self-hosted when a label is "self-hosted", GitHub-hosted
 *   when every label is a GitHub image (ubuntu-*, windows-*, macos-*,
 *   matrix values resolved), and otherwise not decidable from the file:
 *   then self_hosted is a string saying why, which rules read as error.
 */
#include "workflow_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redact.h"
#include "util.h"
#include "banned.h"

/* Triggers someone outside the repository can cause in a public one. */
static const char *const gha_public_triggers[] = {"pull_request",
                                                  "pull_request_target",
                                                  "pull_request_review",
                                                  "pull_request_review_comment",
                                                  "issues",
                                                  "issue_comment",
                                                  "discussion",
                                                  "discussion_comment",
                                                  "fork",
                                                  "watch",
                                                  "workflow_run",
                                                  NULL};

/* Triggers that run with the base repository's secrets and write token
 * on behalf of a pull request. */
static const char *const gha_privileged_triggers[] = {"pull_request_target",
                                                      "workflow_run", NULL};

struct gha_ctx {
    const char *relpath;
    const struct wf_text *text;
    struct err *e;
    json_t *secret_env; /* names of env variables set from secrets */
};

__attribute__((format(printf, 3, 4))) static int
gha_fail(struct gha_ctx *c, long line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (line > 0)
        return err_set(c->e, "%s:%ld: %s", c->relpath, line, msg);
    return err_set(c->e, "%s: %s", c->relpath, msg);
}

static json_t *gha_triggers(const json_t *on)
{
    json_t *out = json_array();
    if (json_is_string(on)) {
        json_array_append(out, (json_t *)on);
    } else if (json_is_array(on)) {
        size_t i;
        json_t *v;
        json_array_foreach(on, i, v) if (json_is_string(v))
            json_array_append(out, v);
    } else if (json_is_object(on)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)on, k, v)
            json_array_append_new(out, json_string_lossy(k));
    }
    return out;
}

static int gha_has_trigger(const json_t *triggers, const char *const *list)
{
    size_t i;
    json_t *v;
    json_array_foreach(triggers, i,
                       v) if (str_in(json_string_value(v), list)) return 1;
    return 0;
}

/* "absent", "write-all", "read-all", "none" ({}), "read" (a map granting
 * no write), "write" (a map granting some write), "invalid". */
static const char *gha_perm_kind(const json_t *p)
{
    const char *k;
    json_t *v;
    int write = 0;

    if (!p || json_is_null(p))
        return "absent";
    if (json_is_string(p)) {
        if (strcmp(json_string_value(p), "write-all") == 0)
            return "write-all";
        if (strcmp(json_string_value(p), "read-all") == 0)
            return "read-all";
        return "invalid";
    }
    if (!json_is_object(p))
        return "invalid";
    if (json_object_size(p) == 0)
        return "none";
    json_object_foreach((json_t *)p, k, v)
    {
        if (!json_is_string(v))
            return "invalid";
        if (strcmp(json_string_value(v), "write") == 0)
            write = 1;
    }
    return write ? "write" : "read";
}

/* ---- uses: ------------------------------------------------------------ */

static int gha_hex_n(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return s[n] == '\0';
}

/* The facts of a `uses:` reference, set on o. */
static void gha_uses(json_t *o, const char *uses)
{
    const char *at;
    int local = 0, docker = 0, third = 0, pinned = 0;
    char owner[128] = "";

    if (strncmp(uses, "./", 2) == 0) {
        local = 1;
    } else if (strncasecmp(uses, "docker:", 7) == 0) {
        const char *d = strstr(uses, "@sha256:");
        docker = third = 1;
        pinned = d && gha_hex_n(d + 8, 64);
    } else {
        const char *slash = strchr(uses, '/');
        size_t n = slash ? (size_t)(slash - uses) : strlen(uses);
        if (n >= sizeof(owner))
            n = sizeof(owner) - 1;
        memcpy(owner, uses, n);
        owner[n] = '\0';
        third = strcasecmp(owner, "actions") != 0 &&
                strcasecmp(owner, "github") != 0;
        at = strrchr(uses, '@');
        pinned = at && gha_hex_n(at + 1, 40);
    }
    wf_set(o, "uses", json_string_lossy(uses));
    wf_set(o, "uses_local", json_boolean(local));
    wf_set(o, "uses_docker", json_boolean(docker));
    wf_set(o, "uses_third_party", json_boolean(third));
    wf_set(o, "uses_pinned", json_boolean(pinned));
    if (owner[0])
        wf_set(o, "uses_owner", json_string_lossy(owner));
}

/* ---- expressions in scripts ------------------------------------------- */

static int gha_ends(const char *s, const char *suffix)
{
    return str_has_suffix(s, suffix);
}

/* Whether a context path (lower case, brackets made dots) is one an
 * outsider can write. */
static int gha_tainted(const char *p)
{
    static const char *const ends[] = {".title",
                                       ".body",
                                       ".page_name",
                                       ".message",
                                       ".label",
                                       ".email",
                                       ".default_branch",
                                       ".head_branch",
                                       ".display_title",
                                       ".head.ref",
                                       ".author.name",
                                       ".committer.name",
                                       NULL};
    static const char *const whole[] = {"github.event",
                                        "github.event.issue",
                                        "github.event.pull_request",
                                        "github.event.pull_request.head",
                                        "github.event.comment",
                                        "github.event.review",
                                        "github.event.review_comment",
                                        "github.event.head_commit",
                                        "github.event.commits",
                                        "github.event.discussion",
                                        "github.event.workflow_run",
                                        "github.event.pages",
                                        NULL};
    size_t i;

    if (strcmp(p, "github.head_ref") == 0)
        return 1;
    if (strncmp(p, "github.event.", 13) != 0 && strcmp(p, "github.event"))
        return 0;
    if (str_in(p, whole))
        return 1;
    for (i = 0; ends[i]; i++)
        if (gha_ends(p, ends[i]))
            return 1;
    return 0;
}

/* The context paths of one expression's text [s, end) that are tainted,
 * appended (once each) to out. */
static void gha_expr_taint(const char *s, const char *end, json_t *out)
{
    while (s < end) {
        struct strbuf sb = STRBUF_INIT;
        if (!isalpha((unsigned char)*s) && *s != '_') {
            if (*s == '\'' || *s == '"') { /* a string literal */
                char q = *s++;
                while (s < end && *s != q)
                    s++;
            }
            s++;
            continue;
        }
        while (s < end) {
            if (isalnum((unsigned char)*s) || *s == '_' || *s == '-' ||
                *s == '.') {
                char ch = (char)tolower((unsigned char)*s++);
                sb_add(&sb, &ch, 1);
            } else if (*s == '[') {
                const char *close = memchr(s, ']', (size_t)(end - s));
                if (!close)
                    break;
                if (s[1] == '\'' || s[1] == '"') {
                    size_t j;
                    sb_add(&sb, ".", 1);
                    for (j = 2; s + j < close - 1; j++) {
                        char ch = (char)tolower((unsigned char)s[j]);
                        sb_add(&sb, &ch, 1);
                    }
                } else {
                    sb_adds(&sb, ".*");
                }
                s = close + 1;
            } else {
                break;
            }
        }
        if (sb.len && gha_tainted(sb_str(&sb))) {
            int seen = 0;
            size_t i;
            json_t *v;
            json_array_foreach(
                out, i, v) if (strcmp(json_string_value(v), sb_str(&sb)) == 0)
                seen = 1;
            if (!seen)
                json_array_append_new(out, json_string_lossy(sb_str(&sb)));
        }
        sb_release(&sb);
    }
}

/* The tainted contexts expanded by ${{ }} in a script. */
static json_t *gha_injections(const char *script)
{
    json_t *out = json_array();
    const char *p = script;

    while ((p = strstr(p, "${{")) != NULL) {
        const char *end = strstr(p + 3, "}}");
        if (!end)
            break;
        gha_expr_taint(p + 3, end, out);
        p = end + 2;
    }
    return out;
}

/* Whether segment (one command) references a secret: ${{ secrets.X }},
 * toJSON(secrets), or an env variable set from one. */
static int gha_refs_secret(const char *seg, const json_t *names)
{
    const char *x = seg;
    size_t i;
    json_t *v;

    /* The secrets context inside a ${{ }} expression: secrets.X,
     * secrets['X'], toJSON(secrets). */
    while ((x = strstr(x, "${{")) != NULL) {
        const char *end = strstr(x, "}}");
        const char *sec = x;
        if (!end)
            break;
        while ((sec = strstr(sec, "secrets")) != NULL && sec < end) {
            char b = sec[-1], a = sec[7];
            if (!isalnum((unsigned char)b) && b != '_' && b != '.' &&
                (a == '.' || a == '[' || a == ')' || a == ' ' || a == '}'))
                return 1;
            sec += 7;
        }
        x = end;
    }
    json_array_foreach(names, i, v)
    {
        const char *n = json_string_value(v);
        size_t nl = strlen(n);
        const char *p = seg;
        while ((p = strstr(p, n)) != NULL) {
            int before = (p >= seg + 1 && p[-1] == '$') ||
                         (p >= seg + 2 && p[-1] == '{' && p[-2] == '$') ||
                         (p >= seg + 5 && strncasecmp(p - 5, "$env:", 5) == 0);
            char after = p[nl];
            if (before && !isalnum((unsigned char)after) && after != '_')
                return 1;
            p += nl;
        }
    }
    return 0;
}

/* A command that prints its arguments to the log. */
static int gha_is_print(const char *seg)
{
    static const char *const words[] = {"echo",       "printf",       "print",
                                        "write-host", "write-output", NULL};
    size_t i, n = 0;
    while (*seg == ' ' || *seg == '\t')
        seg++;
    while (seg[n] && !isspace((unsigned char)seg[n]) && seg[n] != '(')
        n++;
    for (i = 0; words[i]; i++)
        if (strlen(words[i]) == n && strncasecmp(seg, words[i], n) == 0)
            return 1;
    return 0;
}

/* Whether a script prints a secret to the log: a print command whose
 * words reference a secret and whose output is not piped or redirected
 * (echo "$TOKEN" | docker login --password-stdin is fine), on a line that
 * is not ::add-mask::. */
static int gha_echoes_secret(const char *script, const json_t *names)
{
    const char *p = script;

    while (*p) {
        const char *q = p;
        int piped;
        char *seg;
        int hit;
        while (*q && *q != '\n' && *q != ';' && *q != '|' && *q != '&')
            q++;
        piped = *q == '|' && q[1] != '|';
        seg = xstrndup(p, (size_t)(q - p));
        hit = !piped && gha_is_print(seg) && !strchr(seg, '>') &&
              !strstr(seg, "::add-mask::") && gha_refs_secret(seg, names);
        free(seg);
        if (hit)
            return 1;
        if (!*q)
            break;
        p = q + 1;
        while (*p == '|' || *p == '&')
            p++;
    }
    return 0;
}

/* Whether a step checks out the pull request's head. */
static int gha_checks_out_pr(const char *uses, const json_t *with,
                             const char *run)
{
    static const char *const refs[] = {
        "github.event.pull_request.head.sha",
        "github.event.pull_request.head.ref",
        "github.event.pull_request.merge_commit_sha",
        "github.head_ref",
        "github.event.workflow_run.head_sha",
        "github.event.workflow_run.head_branch",
        "refs/pull/",
        NULL};
    size_t i;

    if (uses && strncasecmp(uses, "actions/checkout@", 17) == 0 &&
        json_is_object(with)) {
        const json_t *ref = json_object_get(with, "ref");
        const json_t *repo = json_object_get(with, "repository");
        for (i = 0; json_is_string(ref) && refs[i]; i++)
            if (strstr(json_string_value(ref), refs[i]))
                return 1;
        if (json_is_string(repo) &&
            (strstr(json_string_value(repo), "pull_request.head.repo") ||
             strstr(json_string_value(repo), "workflow_run.head_repository")))
            return 1;
    }
    if (run && (strstr(run, "gh pr checkout") ||
                (strstr(run, "git fetch") && strstr(run, "pull/")) ||
                (strstr(run, "git checkout") &&
                 (strstr(run, "head_ref") || strstr(run, "head.sha") ||
                  strstr(run, "head.ref") || strstr(run, "head_sha")))))
        return 1;
    return 0;
}

/* Names of an env mapping whose values come from secrets, into names. */
static void gha_secret_env(const json_t *env, json_t *names)
{
    const char *k;
    json_t *v;
    if (!json_is_object(env))
        return;
    json_object_foreach((json_t *)env, k, v)
    {
        if (json_is_string(v) && strstr(json_string_value(v), "secrets"))
            json_array_append_new(names, json_string_lossy(k));
    }
}

static json_t *gha_step(struct gha_ctx *c, const json_t *step, size_t idx,
                        long line)
{
    json_t *o = json_object(), *names = json_deep_copy(c->secret_env);
    const json_t *uses = json_object_get(step, "uses");
    const json_t *run = json_object_get(step, "run");
    const json_t *with = json_object_get(step, "with");
    const char *script = NULL;

    if (uses && !json_is_string(uses)) {
        gha_fail(c, line, "step %zu: uses is not a string", idx);
        goto bad;
    }
    if (run && !json_is_string(run)) {
        gha_fail(c, line, "step %zu: run is not a string", idx);
        goto bad;
    }
    wf_set(o, "index", json_integer((json_int_t)idx));
    if (line > 0)
        wf_set(o, "line", json_integer(line));
    if (json_is_string(json_object_get(step, "name")))
        wf_set(o, "name", json_deep_copy(json_object_get(step, "name")));
    if (json_is_string(json_object_get(step, "id")))
        wf_set(o, "id", json_deep_copy(json_object_get(step, "id")));
    if (uses)
        gha_uses(o, json_string_value(uses));
    gha_secret_env(json_object_get(step, "env"), names);
    if (run) {
        script = json_string_value(run);
    } else if (uses &&
               strncasecmp(json_string_value(uses), "actions/github-script@",
                           22) == 0 &&
               json_is_object(with) &&
               json_is_string(json_object_get(with, "script"))) {
        /* github-script evaluates its script: an expansion is injection
         * into JavaScript as run: is into shell. */
        script = json_string_value(json_object_get(with, "script"));
    }
    if (script) {
        char *r = redact_shell(script, strlen(script));
        wf_set(o, "run", json_string_lossy(r ? r : script));
        free(r);
        wf_set(o, "run_injections", gha_injections(script));
        wf_set(o, "run_curl_pipe_shell",
               json_boolean(wf_curl_pipe_shell(script)));
        wf_set(o, "run_echoes_secret",
               json_boolean(gha_echoes_secret(script, names)));
    }
    wf_set(o, "checks_out_pr_head",
           json_boolean(
               gha_checks_out_pr(uses ? json_string_value(uses) : NULL, with,
                                 run ? json_string_value(run) : NULL)));
    json_decref(names);
    return o;
bad:
    json_decref(names);
    json_decref(o);
    return NULL;
}

/* The step list of a job (or of a composite action's runs). */
static json_t *gha_steps(struct gha_ctx *c, const json_t *steps, long key_line)
{
    json_t *out = json_array();
    long *lines = NULL;
    size_t nlines = 0, n, i;
    json_t *s;

    if (!steps || json_is_null(steps))
        return out;
    if (!json_is_array(steps)) {
        gha_fail(c, key_line, "steps is not a list");
        json_decref(out);
        return NULL;
    }
    n = json_array_size(steps);
    /* One more than the steps: a list item the parse did not see means
     * the layout was not understood, and then no step gets a line. */
    lines = xcalloc(n + 1, sizeof(*lines));
    if (key_line > 0)
        nlines = wf_item_lines(c->text, key_line, lines, n + 1);
    if (nlines != n)
        nlines = 0;
    json_array_foreach(steps, i, s)
    {
        long line = nlines ? lines[i] : 0;
        json_t *st;
        if (!json_is_object(s)) {
            gha_fail(c, line > 0 ? line : key_line, "step %zu is not a mapping",
                     i);
            goto bad;
        }
        if (!(st = gha_step(c, s, i, line)))
            goto bad;
        json_array_append_new(out, st);
    }
    free(lines);
    return out;
bad:
    free(lines);
    json_decref(out);
    return NULL;
}

static int gha_hosted_label(const char *l)
{
    return strncmp(l, "ubuntu-", 7) == 0 || strncmp(l, "windows-", 8) == 0 ||
           strncmp(l, "macos-", 6) == 0;
}

/* Adds the labels of runs-on (a matrix expression resolved when the
 * matrix lists literal values) to labels; -1 when undecidable. */
static int gha_label(const char *l, const json_t *job, json_t *labels)
{
    const char *p = l, *q;
    const json_t *matrix =
        json_object_get(json_object_get(job, "strategy"), "matrix");
    char key[128];
    size_t n, i;
    json_t *v, *vals;

    if (!strstr(l, "${{")) {
        json_array_append_new(labels, json_string_lossy(l));
        return 0;
    }
    /* Exactly "${{ matrix.KEY }}". */
    p = l + 3;
    while (*p == ' ')
        p++;
    if (strncmp(p, "matrix.", 7) != 0)
        return -1;
    p += 7;
    for (q = p; isalnum((unsigned char)*q) || *q == '_' || *q == '-'; q++)
        ;
    n = (size_t)(q - p);
    if (n == 0 || n >= sizeof(key))
        return -1;
    memcpy(key, p, n);
    key[n] = '\0';
    while (*q == ' ')
        q++;
    if (strcmp(q, "}}") != 0 || !json_is_object(matrix))
        return -1;
    vals = json_object_get(matrix, key);
    if (json_is_string(vals) || !json_is_array(vals))
        return -1; /* an expression (fromJSON ...) or absent */
    json_array_foreach(vals, i, v)
    {
        if (!json_is_string(v))
            return -1;
        json_array_append(labels, v);
    }
    vals = json_object_get(matrix, "include");
    json_array_foreach(vals, i, v)
    {
        const json_t *x = json_object_get(v, key);
        if (!x)
            continue;
        if (!json_is_string(x))
            return -1;
        json_array_append(labels, (json_t *)x);
    }
    return 0;
}

/* true, false, or a string saying why it cannot be decided. */
static json_t *gha_self_hosted(const json_t *job)
{
    const json_t *ro = json_object_get(job, "runs-on");
    json_t *labels = json_array(), *v, *out = NULL;
    size_t i;
    int bad = 0, hosted = 1;

    if (json_is_object(ro)) {
        if (json_object_get(ro, "group"))
            hosted = 0; /* a runner group: hosted or not is a setting */
        ro = json_object_get(ro, "labels");
    }
    if (json_is_string(ro)) {
        bad = gha_label(json_string_value(ro), job, labels) < 0;
    } else if (json_is_array(ro)) {
        json_array_foreach(ro, i, v)
        {
            if (!json_is_string(v) ||
                gha_label(json_string_value(v), job, labels) < 0)
                bad = 1;
        }
    } else if (ro) {
        bad = 1;
    }
    json_array_foreach(labels, i, v)
    {
        if (strcasecmp(json_string_value(v), "self-hosted") == 0)
            out = json_true();
        else if (!gha_hosted_label(json_string_value(v)))
            hosted = 0;
    }
    if (!out && bad)
        out = json_string("not decidable: runs-on is an expression");
    else if (!out && json_array_size(labels) == 0)
        out = json_string("not decidable: no runs-on labels");
    else if (!out && !hosted)
        out = json_string("not decidable: runs-on names a runner group or a "
                          "label that is not a GitHub-hosted image");
    else if (!out)
        out = json_false();
    json_decref(labels);
    return out;
}

static json_t *gha_job(struct gha_ctx *c, const char *id, const json_t *job,
                       const char *wf_perm, long line)
{
    json_t *o = json_object(), *steps;
    const char *perm = gha_perm_kind(json_object_get(job, "permissions"));
    const json_t *uses = json_object_get(job, "uses");
    size_t nsecret = json_array_size(c->secret_env);

    wf_set(o, "id", json_string_lossy(id));
    if (line > 0)
        wf_set(o, "line", json_integer(line));
    if (json_object_get(job, "runs-on"))
        wf_set(o, "runs_on", json_deep_copy(json_object_get(job, "runs-on")));
    if (uses) {
        if (!json_is_string(uses)) {
            gha_fail(c, line, "job %s: uses is not a string", id);
            json_decref(o);
            return NULL;
        }
        gha_uses(o, json_string_value(uses));
    } else {
        wf_set(o, "self_hosted", gha_self_hosted(job));
    }
    wf_set(o, "permissions",
           json_deep_copy(json_object_get(job, "permissions")));
    wf_set(o, "permissions_kind", json_string(perm));
    wf_set(o, "permissions_effective",
           json_string(strcmp(perm, "absent") == 0 ? wf_perm : perm));
    gha_secret_env(json_object_get(job, "env"), c->secret_env);
    steps = json_object_get(job, "steps");
    steps = gha_steps(c, steps,
                      steps && line > 0 ? wf_line_find(c->text, line, "~steps:")
                                        : 0);
    /* The job's env names are its own. */
    while (json_array_size(c->secret_env) > nsecret)
        json_array_remove(c->secret_env, nsecret);
    if (!steps) {
        json_decref(o);
        return NULL;
    }
    wf_set(o, "steps", steps);
    return o;
}

static json_t *gha_workflow(struct gha_ctx *c, const json_t *root)
{
    json_t *out = json_object(), *jobs_out = json_array(), *triggers;
    const json_t *on = json_object_get(root, "on");
    const json_t *jobs = json_object_get(root, "jobs");
    const char *perm = gha_perm_kind(json_object_get(root, "permissions"));
    long jobs_line = wf_line_find(c->text, 1, "^jobs:"), from = jobs_line;
    const char *id;
    json_t *job;

    if (!on)
        on = json_object_get(root, "true"); /* "on" read as YAML 1.1 */
    if (!json_is_object(jobs)) {
        gha_fail(c, jobs_line, "%s",
                 jobs ? "jobs is not a mapping" : "no jobs: not a workflow");
        goto bad;
    }
    triggers = gha_triggers(on);
    wf_set(out, "type", json_string("github"));
    if (json_is_string(json_object_get(root, "name")))
        wf_set(out, "name", json_deep_copy(json_object_get(root, "name")));
    wf_set(out, "public_trigger",
           json_boolean(gha_has_trigger(triggers, gha_public_triggers)));
    wf_set(out, "privileged_trigger",
           json_boolean(gha_has_trigger(triggers, gha_privileged_triggers)));
    wf_set(out, "triggers", triggers);
    wf_set(out, "permissions",
           json_deep_copy(json_object_get(root, "permissions")));
    wf_set(out, "permissions_kind", json_string(perm));
    gha_secret_env(json_object_get(root, "env"), c->secret_env);
    json_object_foreach((json_t *)jobs, id, job)
    {
        char needle[300];
        long line;
        json_t *j;
        snprintf(needle, sizeof(needle), "~%s:", id);
        line = jobs_line ? wf_line_find(c->text, from, needle) : 0;
        if (line > 0)
            from = line + 1;
        if (!json_is_object(job)) {
            gha_fail(c, line, "job %s is not a mapping", id);
            goto bad;
        }
        if (!(j = gha_job(c, id, job, perm, line)))
            goto bad;
        json_array_append_new(jobs_out, j);
    }
    wf_set(out, "jobs", jobs_out);
    return out;
bad:
    json_decref(jobs_out);
    json_decref(out);
    return NULL;
}

static json_t *gha_action(struct gha_ctx *c, const json_t *root)
{
    json_t *out = json_object(), *jobs = json_array();
    const json_t *runs = json_object_get(root, "runs");
    const json_t *using = json_object_get(runs, "using");
    int composite = json_is_string(using) &&
                    strcasecmp(json_string_value(using), "composite") == 0;

    wf_set(out, "type", json_string("github-action"));
    if (json_is_string(json_object_get(root, "name")))
        wf_set(out, "name", json_deep_copy(json_object_get(root, "name")));
    if (json_is_string(using))
        wf_set(out, "using", json_deep_copy(using));
    wf_set(out, "composite", json_boolean(composite));
    if (composite) {
        long rl = wf_line_find(c->text, 1, "^runs:");
        const json_t *st = json_object_get(runs, "steps");
        json_t *j = json_object(), *steps;
        steps = gha_steps(c, st,
                          st && rl ? wf_line_find(c->text, rl, "~steps:") : 0);
        if (!steps) {
            json_decref(j);
            json_decref(jobs);
            json_decref(out);
            return NULL;
        }
        wf_set(j, "id", json_string("runs"));
        if (rl > 0)
            wf_set(j, "line", json_integer(rl));
        wf_set(j, "steps", steps);
        json_array_append_new(jobs, j);
    }
    wf_set(out, "jobs", jobs);
    return out;
}

json_t *wf_gha(const json_t *root, enum code_workflow_type t,
               const char *relpath, const struct wf_text *text, struct err *e)
{
    struct gha_ctx c = {relpath, text, e, json_array()};
    json_t *out = t == CODE_WF_GITHUB_ACTION ? gha_action(&c, root)
                                             : gha_workflow(&c, root);
    json_decref(c.secret_env);
    return out;
}
