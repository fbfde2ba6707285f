/*
 * workflow_gitlab.c: a GitLab CI file (.gitlab-ci.yml) as a code/Workflow
 * document: every image it names with whether a digest pins it, every
 * job's script as one step (so the script rules read it as they read a
 * GitHub step), and which jobs run in merge request pipelines with the
 * variables they read that the file does not define.
 *
 * Whether a project variable is protected is a project setting no file
 * shows, so merge_request_jobs only names the jobs a person has to check
 * (the rule is manual). An image named through a variable cannot be
 * judged from the file: its digest_pinned is a string saying so, which a
 * rule reads as error, never as a pass.
 */
#include "workflow_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "util.h"
#include "banned.h"

/* Top-level keys that are not jobs. */
static const char *const gl_reserved[] = {
    "image",        "services", "stages",   "types", "variables",
    "default",      "include",  "workflow", "cache", "before_script",
    "after_script", "spec",     NULL};

/* One image reference's entry: {where, image, digest_pinned, mutable}. */
static json_t *gl_image(const char *where, const json_t *img)
{
    const json_t *name =
        json_is_object(img) ? json_object_get(img, "name") : img;
    json_t *o;
    const char *s, *d, *slash, *colon;

    if (!json_is_string(name))
        return NULL;
    s = json_string_value(name);
    o = json_object();
    wf_set(o, "where", json_string_lossy(where));
    wf_set(o, "image", json_string_lossy(s));
    if (strchr(s, '$')) {
        wf_set(o, "digest_pinned",
               json_string("not decidable: the image is named by a variable"));
        return o;
    }
    d = strstr(s, "@sha256:");
    if (d && strlen(d + 8) == 64) {
        wf_set(o, "digest_pinned", json_true());
        return o;
    }
    wf_set(o, "digest_pinned", json_false());
    slash = strrchr(s, '/');
    colon = strrchr(slash ? slash : s, ':');
    wf_set(o, "mutable",
           json_string(!colon                          ? "no tag (latest)"
                       : strcmp(colon, ":latest") == 0 ? "latest"
                                                       : "tag"));
    return o;
}

/* Sets the line of an image entry: the first line naming the image at
 * or after from (the owner's line). */
static void gl_image_line(json_t *img, const struct wf_text *text, long from)
{
    long line = wf_line_find(text, from > 0 ? from : 1,
                             json_string_value(json_object_get(img, "image")));
    if (line > 0)
        wf_set(img, "line", json_integer(line));
}

static void gl_images_of(json_t *out, const char *owner, const json_t *o,
                         const struct wf_text *text, long from)
{
    char where[300];
    const json_t *img = json_object_get(o, "image");
    const json_t *svc = json_object_get(o, "services");
    json_t *v, *e;
    size_t i;

    snprintf(where, sizeof(where), "%s%simage", owner, *owner ? "." : "");
    if (img && (e = gl_image(where, img))) {
        gl_image_line(e, text, from);
        json_array_append_new(out, e);
    }
    json_array_foreach(svc, i, v)
    {
        snprintf(where, sizeof(where), "%s%sservices[%zu]", owner,
                 *owner ? "." : "", i);
        if ((e = gl_image(where, v))) {
            gl_image_line(e, text, from);
            json_array_append_new(out, e);
        }
    }
}

/* The script lines of v (a string or a list, nested by anchors and
 * !reference) appended to sb; -1 on a value of another type. */
static int gl_script(struct strbuf *sb, const json_t *v)
{
    size_t i;
    json_t *m;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        sb_adds(sb, json_string_value(v));
        sb_add(sb, "\n", 1);
        return 0;
    }
    if (!json_is_array(v))
        return -1;
    json_array_foreach(v, i, m) if (gl_script(sb, m) < 0) return -1;
    return 0;
}

static int gl_mentions_mr(const json_t *rules)
{
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        const json_t *cond = json_object_get(r, "if");
        if (json_is_string(cond) &&
            (strstr(json_string_value(cond), "merge_request_event") ||
             strstr(json_string_value(cond), "CI_MERGE_REQUEST")))
            return 1;
    }
    return 0;
}

static int gl_only_mr(const json_t *only)
{
    size_t i;
    json_t *v;
    if (json_is_object(only))
        only = json_object_get(only, "refs");
    json_array_foreach(only, i, v)
    {
        if (json_is_string(v) &&
            (strcmp(json_string_value(v), "merge_requests") == 0 ||
             strcmp(json_string_value(v), "merge_request") == 0))
            return 1;
    }
    return 0;
}

static int gl_defined(const char *name, const json_t *vars1,
                      const json_t *vars2, const char *script)
{
    static const char *const shell[] = {"HOME",  "PATH",     "PWD",    "USER",
                                        "SHELL", "HOSTNAME", "OLDPWD", "TERM",
                                        "IFS",   "RANDOM",   NULL};
    char assign[160];
    if (strncmp(name, "CI_", 3) == 0 || strncmp(name, "GITLAB_", 7) == 0 ||
        str_in(name, shell) || json_object_get(vars1, name) ||
        json_object_get(vars2, name))
        return 1;
    snprintf(assign, sizeof(assign), "%s=", name);
    return strstr(script, assign) != NULL;
}

/* The variables ($NAME, ${NAME}) a script reads that are neither
 * predefined nor defined in the file. */
static json_t *gl_external_vars(const char *script, const json_t *vars1,
                                const json_t *vars2)
{
    json_t *out = json_array();
    const char *p = script;

    while ((p = strchr(p, '$')) != NULL) {
        char name[128];
        size_t n = 0;
        p++;
        if (*p == '{')
            p++;
        while (n + 1 < sizeof(name) &&
               (isupper((unsigned char)p[n]) || isdigit((unsigned char)p[n]) ||
                p[n] == '_'))
            n++;
        if (n == 0 || !isupper((unsigned char)p[0]) ||
            islower((unsigned char)p[n])) {
            continue;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        p += n;
        if (!gl_defined(name, vars1, vars2, script)) {
            size_t i;
            json_t *v;
            int seen = 0;
            json_array_foreach(out, i, v) if (strcmp(json_string_value(v),
                                                     name) == 0) seen = 1;
            if (!seen)
                json_array_append_new(out, json_string(name));
        }
    }
    return out;
}

json_t *wf_gitlab(const json_t *root, const char *relpath,
                  const struct wf_text *text, struct err *e)
{
    json_t *out = json_object(), *images = json_array(), *jobs = json_array();
    json_t *mr_jobs = json_array();
    const json_t *vars = json_object_get(root, "variables");
    const json_t *def = json_object_get(root, "default");
    int wf_mr = gl_mentions_mr(
        json_object_get(json_object_get(root, "workflow"), "rules"));
    const char *id;
    json_t *job;

    gl_images_of(images, "", root, text, 1);
    if (json_is_object(def))
        gl_images_of(images, "default", def, text,
                     wf_line_find(text, 1, "^default:"));
    json_object_foreach((json_t *)root, id, job)
    {
        struct strbuf sb = STRBUF_INIT;
        char needle[300];
        long line;
        json_t *j, *step, *steps, *ext;
        int mr;

        if (str_in(id, gl_reserved) || !json_is_object(job))
            continue; /* reserved keys; anchors' scalar values */
        snprintf(needle, sizeof(needle), "^%s:", id);
        line = wf_line_find(text, 1, needle);
        gl_images_of(images, id, job, text, line);
        if (gl_script(&sb, json_object_get(job, "before_script")) < 0 ||
            gl_script(&sb, json_object_get(job, "script")) < 0 ||
            gl_script(&sb, json_object_get(job, "after_script")) < 0) {
            sb_release(&sb);
            if (line > 0)
                err_set(e,
                        "%s:%ld: job %s: a script is not a string or a "
                        "list of strings",
                        relpath, line, id);
            else
                err_set(e,
                        "%s: job %s: a script is not a string or a list "
                        "of strings",
                        relpath, id);
            json_decref(out);
            json_decref(images);
            json_decref(jobs);
            json_decref(mr_jobs);
            return NULL;
        }
        j = json_object();
        wf_set(j, "id", json_string_lossy(id));
        if (line > 0)
            wf_set(j, "line", json_integer(line));
        wf_set(j, "hidden", json_boolean(id[0] == '.'));
        mr = gl_only_mr(json_object_get(job, "only")) ||
             gl_mentions_mr(json_object_get(job, "rules")) ||
             (wf_mr && !json_object_get(job, "rules") &&
              !json_object_get(job, "only"));
        wf_set(j, "merge_request", json_boolean(mr && id[0] != '.'));
        ext = gl_external_vars(sb_str(&sb), vars,
                               json_object_get(job, "variables"));
        if (mr && id[0] != '.' && json_array_size(ext))
            json_array_append_new(mr_jobs, json_string_lossy(id));
        wf_set(j, "external_variables", ext);
        steps = json_array();
        if (sb.len) {
            char *r = redact_shell(sb_str(&sb), sb.len);
            step = json_object();
            wf_set(step, "index", json_integer(0));
            if (line > 0)
                wf_set(step, "line", json_integer(line));
            wf_set(step, "run", json_string_lossy(r ? r : sb_str(&sb)));
            free(r);
            wf_set(step, "run_curl_pipe_shell",
                   json_boolean(wf_curl_pipe_shell(sb_str(&sb))));
            json_array_append_new(steps, step);
        }
        wf_set(j, "steps", steps);
        json_array_append_new(jobs, j);
        sb_release(&sb);
    }
    wf_set(out, "type", json_string("gitlab"));
    wf_set(out, "images", images);
    wf_set(out, "jobs", jobs);
    wf_set(out, "merge_request_jobs", mr_jobs);
    return out;
}
