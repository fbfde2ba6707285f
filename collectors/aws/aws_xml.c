/*
 * aws_xml.c: AWS XML responses into jansson values (see aws_xml.h).
 */
#include "aws_xml.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct frame {
    json_t *v; /* object or array once a child element was seen */
    struct strbuf text;
    char *name;
};

struct ctx {
    XML_Parser p;
    const char *const *items;
    int max_depth;
    struct frame *st;
    int depth;
    json_t *result;
    char *root;
    char why[160]; /* our own reason to stop, "" for expat's */
};

static const char *const DEFAULT_ITEMS[] = {"member", "item", NULL};

static int is_item(const struct ctx *c, const char *name)
{
    for (const char *const *i = c->items; *i; i++)
        if (!strcmp(*i, name))
            return 1;
    return 0;
}

static void stop(struct ctx *c, const char *why)
{
    if (!c->why[0])
        snprintf(c->why, sizeof(c->why), "%s", why);
    XML_StopParser(c->p, XML_FALSE);
}

static void XMLCALL on_start(void *arg, const XML_Char *name,
                             const XML_Char **atts)
{
    struct ctx *c = arg;
    struct frame *f;
    (void)atts;

    if (c->why[0])
        return;
    if (c->depth >= c->max_depth) {
        stop(c, "elements nested too deep");
        return;
    }
    if (c->depth > 0) {
        struct frame *pa = &c->st[c->depth - 1];
        int item = is_item(c, name);
        if (!pa->v)
            pa->v = item ? json_array() : json_object();
        else if (item != json_is_array(pa->v)) {
            stop(c, "list items mixed with other elements");
            return;
        }
    }
    f = &c->st[c->depth++];
    memset(f, 0, sizeof(*f));
    f->name = xstrdup(name);
}

static void XMLCALL on_end(void *arg, const XML_Char *name)
{
    struct ctx *c = arg;
    struct frame *f;
    json_t *v;
    (void)name;

    if (c->why[0] || c->depth == 0)
        return;
    f = &c->st[--c->depth];
    v = f->v ? f->v : json_stringn(f->text.buf ? f->text.buf : "", f->text.len);
    f->v = NULL;
    sb_release(&f->text);
    if (!v) {
        free(f->name);
        stop(c, "text that is not UTF-8");
        return;
    }
    if (c->depth == 0) {
        c->result = v;
        c->root = f->name;
        return;
    }
    {
        struct frame *pa = &c->st[c->depth - 1];
        if (json_is_array(pa->v)) {
            json_array_append_new(pa->v, v);
        } else {
            json_t *old = json_object_get(pa->v, f->name);
            if (!old) {
                json_object_set_new(pa->v, f->name, v);
            } else if (json_is_array(old)) {
                json_array_append_new(old, v);
            } else {
                json_t *a = json_array();
                json_array_append(a, old);
                json_array_append_new(a, v);
                json_object_set_new(pa->v, f->name, a);
            }
        }
    }
    free(f->name);
}

static void XMLCALL on_text(void *arg, const XML_Char *s, int len)
{
    struct ctx *c = arg;
    if (c->why[0] || c->depth == 0)
        return;
    if (!c->st[c->depth - 1].v)
        sb_add(&c->st[c->depth - 1].text, s, (size_t)len);
}

static void XMLCALL on_doctype(void *arg, const XML_Char *name,
                               const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    stop(arg, "a document type declaration (DTDs and entities are refused)");
}

static void XMLCALL on_entity(void *arg, const XML_Char *name, int is_param,
                              const XML_Char *value, int value_length,
                              const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid, const XML_Char *notation)
{
    (void)name;
    (void)is_param;
    (void)value;
    (void)value_length;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    stop(arg, "an entity declaration (refused)");
}

json_t *aws_xml_parse(const char *body, size_t len,
                      const struct aws_xml_opts *o, char *root, size_t rootlen,
                      struct err *e)
{
    struct ctx c;
    size_t max = o && o->max_size ? o->max_size : AWS_XML_MAX_SIZE;
    enum XML_Status st;
    json_t *r = NULL;

    memset(&c, 0, sizeof(c));
    c.items = o && o->items ? o->items : DEFAULT_ITEMS;
    c.max_depth = o && o->max_depth > 0 ? o->max_depth : AWS_XML_MAX_DEPTH;
    if (len > max) {
        err_set(e, "XML body of %zu bytes, more than the limit of %zu", len,
                max);
        return NULL;
    }
    if (len > (size_t)0x7fffffff) {
        err_set(e, "XML body too large");
        return NULL;
    }
    c.p = XML_ParserCreate("UTF-8");
    if (!c.p) {
        err_set(e, "XML: out of memory");
        return NULL;
    }
    c.st = xcalloc((size_t)c.max_depth, sizeof(*c.st));
    XML_SetUserData(c.p, &c);
    XML_SetElementHandler(c.p, on_start, on_end);
    XML_SetCharacterDataHandler(c.p, on_text);
    XML_SetStartDoctypeDeclHandler(c.p, on_doctype);
    XML_SetEntityDeclHandler(c.p, on_entity);
    st = XML_Parse(c.p, body ? body : "", (int)len, XML_TRUE);
    if (st != XML_STATUS_OK || c.why[0] || !c.result) {
        unsigned long line = XML_GetCurrentLineNumber(c.p);
        unsigned long col = XML_GetCurrentColumnNumber(c.p);
        const char *why = c.why[0] ? c.why
                          : st != XML_STATUS_OK
                              ? XML_ErrorString(XML_GetErrorCode(c.p))
                              : "no root element";
        err_set(e, "XML line %lu column %lu: %s", line, col + 1, why);
    } else {
        r = c.result;
        c.result = NULL;
        if (root && rootlen)
            snprintf(root, rootlen, "%s", c.root);
    }
    for (int i = 0; i < c.depth; i++) {
        json_decref(c.st[i].v);
        sb_release(&c.st[i].text);
        free(c.st[i].name);
    }
    json_decref(c.result);
    free(c.root);
    free(c.st);
    XML_ParserFree(c.p);
    return r;
}

json_t *aws_xml_list(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key), *a;
    if (json_is_array(v))
        return json_incref(v);
    a = json_array();
    if (v && !(json_is_string(v) && json_string_length(v) == 0))
        json_array_append(a, v);
    return a;
}

static void copy(char *dst, size_t n, json_t *v)
{
    if (n)
        snprintf(dst, n, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int aws_xml_error(const char *body, size_t len, char *code, size_t codelen,
                  char *msg, size_t msglen)
{
    static const char *const items[] = {"member", "item", NULL};
    struct aws_xml_opts o = {items, 1u << 20, 16};
    char root[32];
    struct err e;
    json_t *doc = aws_xml_parse(body, len, &o, root, sizeof(root), &e);
    json_t *er = NULL;
    int found = 0;

    if (!doc)
        return 0;
    if (!strcmp(root, "ErrorResponse")) {
        er = json_object_get(doc, "Error");
        /* moto denies JSON-protocol calls with
         * <ErrorResponse><Errors><Error> */
        if (!er)
            er = json_object_get(json_object_get(doc, "Errors"), "Error");
    } else if (!strcmp(root, "Response"))
        er = json_object_get(json_object_get(doc, "Errors"), "Error");
    else if (!strcmp(root, "Error"))
        er = doc;
    if (json_is_array(er))
        er = json_array_get(er, 0);
    if (json_is_object(er) && json_is_string(json_object_get(er, "Code"))) {
        copy(code, codelen, json_object_get(er, "Code"));
        copy(msg, msglen, json_object_get(er, "Message"));
        found = 1;
    }
    json_decref(doc);
    return found;
}
