/*
 * aws_iam_policy.c: IAM policy documents read the way AWS reads them, so
 * that rules judge one shape: a Statement may be one object or a list,
 * Action and Resource one string or a list, Principal "*" or an object
 * of a string or a list. The normalised document keeps AWS's key names.
 */
#include "aws_iam.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "banned.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* RFC 3986 percent-decoding ('+' stays '+', as AWS encodes a space %20). */
static int policy_unescape(const char *s, size_t n, struct strbuf *out,
                           struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            sb_add(out, s + i, 1);
            continue;
        }
        if (i + 2 >= n)
            return err_set(e,
                           "a '%%' at byte %zu is not followed by two hex "
                           "digits",
                           i);
        int hi = hexval((unsigned char)s[i + 1]),
            lo = hexval((unsigned char)s[i + 2]);
        if (hi < 0 || lo < 0)
            return err_set(e,
                           "a '%%' at byte %zu is not followed by two hex "
                           "digits",
                           i);
        char c = (char)(hi << 4 | lo);
        sb_add(out, &c, 1);
        i += 2;
    }
    return 0;
}

/* v (a string or an array of strings) as an array of strings; NULL when
 * it is anything else. New reference. */
static json_t *str_list(json_t *v)
{
    size_t i;
    json_t *x;

    if (json_is_string(v))
        return json_pack("[O]", v);
    if (!json_is_array(v))
        return NULL;
    json_array_foreach(v, i, x)
    {
        if (!json_is_string(x))
            return NULL;
    }
    return json_incref(v);
}

static int norm_principal(json_t *st, const char *key, size_t idx,
                          struct err *e)
{
    json_t *p = json_object_get(st, key), *n;
    const char *k;
    json_t *v;

    if (!p)
        return 0;
    if (json_is_string(p) && !strcmp(json_string_value(p), "*")) {
        n = json_pack("{s:[s]}", "AWS", "*");
    } else if (json_is_object(p)) {
        n = json_object();
        json_object_foreach(p, k, v)
        {
            json_t *l = str_list(v);
            if (!l) {
                json_decref(n);
                return err_set(e,
                               "Statement[%zu].%s.%s is not a string or "
                               "a list of strings",
                               idx, key, k);
            }
            json_object_set_new(n, k, l);
        }
    } else {
        return err_set(e, "Statement[%zu].%s is neither \"*\" nor an object",
                       idx, key);
    }
    json_object_set_new(st, key, n);
    return 0;
}

static int norm_statement(json_t *st, size_t idx, struct err *e)
{
    static const char *const lists[] = {"Action", "NotAction", "Resource",
                                        "NotResource", NULL};
    json_t *eff = json_object_get(st, "Effect"),
           *cond = json_object_get(st, "Condition");

    if (!json_is_object(st))
        return err_set(e, "Statement[%zu] is not an object", idx);
    if (!json_is_string(eff))
        return err_set(e, "Statement[%zu].Effect is not a string", idx);
    if (cond && !json_is_object(cond))
        return err_set(e, "Statement[%zu].Condition is not an object", idx);
    for (size_t i = 0; lists[i]; i++) {
        json_t *v = json_object_get(st, lists[i]), *l;
        if (!v)
            continue;
        if (!(l = str_list(v)))
            return err_set(e,
                           "Statement[%zu].%s is not a string or a list "
                           "of strings",
                           idx, lists[i]);
        json_object_set_new(st, lists[i], l);
    }
    if (norm_principal(st, "Principal", idx, e) < 0 ||
        norm_principal(st, "NotPrincipal", idx, e) < 0)
        return -1;
    return 0;
}

json_t *aws_iam_policy_parse(const char *text, size_t len, struct err *e)
{
    struct strbuf dec = STRBUF_INIT;
    json_error_t je;
    json_t *doc = NULL, *st, *x;
    size_t i = 0;

    while (i < len && isspace((unsigned char)text[i]))
        i++;
    if (i < len && text[i] != '{') {
        if (policy_unescape(text, len, &dec, e) < 0) {
            err_prefix(e, "policy document: not URL-encoded");
            goto fail;
        }
        text = dec.buf;
        len = dec.len;
    }
    doc = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        err_set(e, "policy document: not JSON: %s (line %d)", je.text, je.line);
        goto fail;
    }
    if (!json_is_object(doc)) {
        err_set(e, "policy document: not a JSON object");
        goto fail;
    }
    st = json_object_get(doc, "Statement");
    if (!st) {
        json_object_set_new(doc, "Statement", json_array());
    } else if (json_is_object(st)) {
        json_object_set_new(doc, "Statement", json_pack("[O]", st));
    } else if (!json_is_array(st)) {
        err_set(e, "policy document: Statement is neither an object nor a "
                   "list");
        goto fail;
    }
    st = json_object_get(doc, "Statement");
    json_array_foreach(st, i, x)
    {
        if (norm_statement(x, i, e) < 0) {
            err_prefix(e, "policy document");
            goto fail;
        }
    }
    sb_release(&dec);
    return doc;
fail:
    sb_release(&dec);
    json_decref(doc);
    return NULL;
}

static int has(const json_t *list, const char *a, const char *b)
{
    size_t i;
    json_t *x;

    json_array_foreach(list, i, x)
    {
        const char *s = json_string_value(x);
        if (s && (!strcmp(s, a) || (b && !strcmp(s, b))))
            return 1;
    }
    return 0;
}

int aws_iam_policy_full_admin(const json_t *doc)
{
    size_t i;
    json_t *st;

    json_array_foreach(json_object_get(doc, "Statement"), i, st)
    {
        json_t *cond = json_object_get(st, "Condition");
        const char *eff = json_string_value(json_object_get(st, "Effect"));
        if (eff && !strcmp(eff, "Allow") &&
            has(json_object_get(st, "Action"), "*", "*:*") &&
            has(json_object_get(st, "Resource"), "*", NULL) &&
            (!cond || json_object_size(cond) == 0))
            return 1;
    }
    return 0;
}
