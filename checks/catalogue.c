/*
 * catalogue.c: load and look up the embedded framework catalogues; see
 * catalogue.h. The files are small (a few hundred controls in all), so a
 * lookup is a linear scan and loading happens once per process.
 */
#include "catalogue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "yamljson.h"
#include "banned.h"

struct catalogue_load {
    json_t *doc;
    int docs;
};

static int catalogue_doc(json_t *doc, long line, const json_t *item_lines,
                         void *ctx)
{
    struct catalogue_load *cl = ctx;

    (void)line;
    (void)item_lines;
    if (cl->docs++ == 0)
        cl->doc = doc;
    else
        json_decref(doc);
    return 0;
}

static const char *catalogue_str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) && *json_string_value(v) ? json_string_value(v)
                                                      : NULL;
}

void catalogue_release(struct catalogue *c)
{
    if (!c)
        return;
    free(c->controls);
    free(c->sections);
    free(c->name);
    json_decref(c->doc);
    memset(c, 0, sizeof(*c));
}

static int catalogue_parse_controls(const char *origin, const json_t *list,
                                    struct catalogue *out, struct diag *d)
{
    const json_t *v;
    size_t i, j;
    int bad = 0;

    out->controls = xcalloc(json_array_size(list) + 1, sizeof(struct control));
    json_array_foreach(list, i, v)
    {
        struct control *c = &out->controls[out->n];
        const json_t *lv = json_object_get(v, "level");
        const json_t *av = json_object_get(v, "automated");

        c->id = catalogue_str(v, "id");
        c->title = catalogue_str(v, "title");
        c->section = catalogue_str(v, "section");
        c->level = json_is_integer(lv) ? (int)json_integer_value(lv) : 0;
        c->automated = json_is_boolean(av) ? json_is_true(av) : -1;
        if (!c->id || !c->title || (lv && !json_is_integer(lv)) ||
            (av && !json_is_boolean(av))) {
            diag_add(d,
                     "%s: controls[%zu]: needs id and title (strings), "
                     "level a number, automated true or false",
                     origin, i);
            bad = 1;
            continue;
        }
        if (c->section && !catalogue_section_title(out, c->section)) {
            diag_add(d, "%s: control %s: section %s is not in sections", origin,
                     c->id, c->section);
            bad = 1;
        }
        for (j = 0; j < out->n; j++)
            if (strcmp(out->controls[j].id, c->id) == 0) {
                diag_add(d, "%s: control %s is listed twice", origin, c->id);
                bad = 1;
            }
        out->n++;
    }
    return bad;
}

int catalogue_parse(const char *origin, const char *text, size_t len,
                    struct catalogue *out, struct diag *d)
{
    struct catalogue_load cl = {NULL, 0};
    const json_t *list, *v;
    struct strbuf name = STRBUF_INIT;
    struct err e;
    size_t i;
    int bad = 0;

    memset(out, 0, sizeof(*out));
    if (yj_parse(text, len, 1, catalogue_doc, &cl, &e)) {
        diag_add(d, "%s:%s", origin, e.msg);
        json_decref(cl.doc);
        return -1;
    }
    out->doc = cl.doc;
    if (cl.docs != 1 || !json_is_object(cl.doc)) {
        diag_add(d, "%s: a catalogue is one YAML mapping", origin);
        catalogue_release(out);
        return -1;
    }
    out->framework = catalogue_str(cl.doc, "framework");
    out->title = catalogue_str(cl.doc, "title");
    out->version = catalogue_str(cl.doc, "version");
    if (!out->framework || !out->title || !out->version) {
        diag_add(d, "%s: framework, title and version are needed", origin);
        bad = 1;
    }
    list = json_object_get(cl.doc, "sections");
    out->sections = xcalloc(json_array_size(list) + 1, sizeof(*out->sections));
    json_array_foreach(list, i, v)
    {
        struct catalogue_section *s = &out->sections[out->nsections];
        s->id = catalogue_str(v, "id");
        s->title = catalogue_str(v, "title");
        if (!s->id || !s->title) {
            diag_add(d, "%s: sections[%zu]: needs id and title", origin, i);
            bad = 1;
            continue;
        }
        out->nsections++;
    }
    list = json_object_get(cl.doc, "controls");
    if (!json_is_array(list) || json_array_size(list) == 0) {
        diag_add(d, "%s: controls must be a non-empty list", origin);
        bad = 1;
    } else {
        bad |= catalogue_parse_controls(origin, list, out, d);
    }
    if (bad) {
        catalogue_release(out);
        return -1;
    }
    sb_addf(&name, "%s %s", out->title, out->version);
    out->name = sb_detach(&name);
    return 0;
}

/* Loaded on first use, once for every thread (pthread_once), and kept for
 * the life of the process; never changed after. */
static struct catalogue *catalogue_loaded;
static size_t catalogue_nloaded;
static struct diag catalogue_diag;
static pthread_once_t catalogue_once = PTHREAD_ONCE_INIT;

static void catalogue_load_once(void)
{
    size_t i;

    catalogue_loaded =
        xcalloc(catalogue_files_embedded_count + 1, sizeof(struct catalogue));
    for (i = 0; i < catalogue_files_embedded_count; i++) {
        const struct rule_file *f = &catalogue_files_embedded[i];
        if (catalogue_parse(f->path, f->data, f->len,
                            &catalogue_loaded[catalogue_nloaded],
                            &catalogue_diag) == 0)
            catalogue_nloaded++;
    }
}

static void catalogue_load_all(void)
{
    pthread_once(&catalogue_once, catalogue_load_once);
}

const struct catalogue *catalogue_all(size_t *n)
{
    catalogue_load_all();
    *n = catalogue_nloaded;
    return catalogue_loaded;
}

const struct catalogue *catalogue_find(const char *framework)
{
    size_t i;

    catalogue_load_all();
    for (i = 0; i < catalogue_nloaded; i++)
        if (strcmp(catalogue_loaded[i].framework, framework) == 0)
            return &catalogue_loaded[i];
    return NULL;
}

size_t catalogue_problems(struct diag *d)
{
    size_t i;

    catalogue_load_all();
    for (i = 0; i < catalogue_diag.n; i++)
        diag_add(d, "%s", catalogue_diag.msgs[i]);
    return catalogue_diag.n;
}

const struct control *catalogue_control(const struct catalogue *c,
                                        const char *id)
{
    size_t i;

    for (i = 0; c && i < c->n; i++)
        if (strcmp(c->controls[i].id, id) == 0)
            return &c->controls[i];
    return NULL;
}

const char *catalogue_section_title(const struct catalogue *c, const char *id)
{
    size_t i;

    for (i = 0; c && i < c->nsections; i++)
        if (strcmp(c->sections[i].id, id) == 0)
            return c->sections[i].title;
    return NULL;
}

const char *catalogue_name(const struct catalogue *c)
{
    return c ? c->name : NULL;
}
