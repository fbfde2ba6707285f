/*
 * k8sauthz.c: SQL functions that judge label selectors and RBAC policy rules
 * the way the API server does, so that a rule never reads "*" or a selector
 * more narrowly than Kubernetes applies it:
 *
 *   fourc_selector_match(selector, labels [, 'cilium'])
 *       1 when the LabelSelector (JSON text) selects an object with these
 *       labels (JSON object text; NULL: none), 0 when not, NULL when the
 *       selector cannot be evaluated (malformed, an unknown operator, a
 *       Cilium label source other than k8s: or any:, a Cilium reserved
 *       label). An empty selector selects everything.
 *   fourc_rbac_grants(rules, group, resource, verb [, verb ...])
 *       whether the PolicyRules (JSON array text) grant one of the verbs on
 *       resource ("pods", "nodes/proxy") of group: 2 on every object, 1 on
 *       objects named in resourceNames only, 0 not at all, NULL when the
 *       rules are malformed. Matching is RBAC's: "*" matches every group,
 *       resource and verb, "*\/sub" the subresource sub of every resource.
 *   fourc_rbac_wildcard(rules)
 *       1 when a PolicyRule uses "*" in apiGroups, resources, verbs or
 *       nonResourceURLs, or "*\/sub" in resources; 0 when none; NULL when
 *       malformed.
 *
 * Inputs are small (one selector, one role's rules): jansson parses them.
 */
#include "k8sauthz.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

/* The JSON of an SQL argument: a new reference, NULL for SQL NULL or text
 * that does not parse (*bad set then). */
static json_t *k8sauthz_json(sqlite3_value *v, int *bad)
{
    const char *s;
    json_t *j;

    *bad = 0;
    if (sqlite3_value_type(v) == SQLITE_NULL)
        return NULL;
    s = (const char *)sqlite3_value_text(v);
    j = s ? json_loadb(s, (size_t)sqlite3_value_bytes(v), JSON_DECODE_ANY, NULL)
          : NULL;
    if (!j)
        *bad = 1;
    return j;
}

/*
 * The last text an argument had and its JSON, kept across calls: a rule
 * matches one workload's labels against every policy of its namespace (or
 * one selector against every role), so one side repeats call after call.
 */
struct k8sauthz_memo {
    char *text;
    size_t len;
    json_t *json; /* NULL: SQL NULL or text that does not parse */
    int bad;
};

/*
 * The rules of every role, parsed once per scan rather than once for
 * every RBAC rule that asks about it (a dozen do, each over every role):
 * a direct-mapped table keyed by the text; texts longer than
 * K8SAUTHZ_ROLE_TEXT go through the one-entry memo only, so the table
 * holds at most K8SAUTHZ_ROLES * K8SAUTHZ_ROLE_TEXT bytes of text.
 */
#define K8SAUTHZ_ROLES 4096
#define K8SAUTHZ_ROLE_TEXT 4096

struct k8sauthz_cache {
    struct k8sauthz_memo sel, labels;
    struct k8sauthz_memo *roles; /* K8SAUTHZ_ROLES, allocated on first use */
};

static void k8sauthz_memo_release(struct k8sauthz_memo *m)
{
    free(m->text);
    json_decref(m->json);
    memset(m, 0, sizeof(*m));
}

static void k8sauthz_cache_free(void *p)
{
    struct k8sauthz_cache *c = p;

    if (!c)
        return;
    k8sauthz_memo_release(&c->sel);
    k8sauthz_memo_release(&c->labels);
    if (c->roles) {
        size_t i;
        for (i = 0; i < K8SAUTHZ_ROLES; i++)
            k8sauthz_memo_release(&c->roles[i]);
        free(c->roles);
    }
    free(c);
}

/* The JSON of v (borrowed from the memo), parsed only when it changed. */
static const json_t *k8sauthz_memo_json(struct k8sauthz_memo *m,
                                        sqlite3_value *v, int *bad)
{
    const char *s = NULL;
    size_t len = 0;

    if (sqlite3_value_type(v) != SQLITE_NULL) {
        s = (const char *)sqlite3_value_text(v);
        len = (size_t)sqlite3_value_bytes(v);
    }
    if (m->text && s && len == m->len && memcmp(s, m->text, len) == 0) {
        *bad = m->bad;
        return m->json;
    }
    k8sauthz_memo_release(m);
    if (s && (m->text = malloc(len + 1)) != NULL) {
        memcpy(m->text, s, len);
        m->text[len] = '\0';
        m->len = len;
    }
    m->json = k8sauthz_json(v, &m->bad);
    *bad = m->bad;
    return m->json;
}

/* The JSON of a role's rules v (borrowed from the cache), parsed once. */
static const json_t *k8sauthz_rules_json(struct k8sauthz_cache *c,
                                         sqlite3_value *v, int *bad)
{
    const unsigned char *s;
    size_t len, i;
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

    if (sqlite3_value_type(v) == SQLITE_NULL ||
        (size_t)sqlite3_value_bytes(v) > K8SAUTHZ_ROLE_TEXT)
        return k8sauthz_memo_json(&c->sel, v, bad);
    if (!c->roles && !(c->roles = calloc(K8SAUTHZ_ROLES, sizeof(*c->roles))))
        return k8sauthz_memo_json(&c->sel, v, bad);
    s = sqlite3_value_text(v);
    len = (size_t)sqlite3_value_bytes(v);
    for (i = 0; s && i < len; i++)
        h = (h ^ s[i]) * 0x100000001b3ull;
    return k8sauthz_memo_json(&c->roles[h % K8SAUTHZ_ROLES], v, bad);
}

/* A list of strings of an object: 0 with *out the array (borrowed; NULL
 * when absent or null), -1 when it is anything else. */
static int k8sauthz_strings(const json_t *obj, const char *key,
                            const json_t **out)
{
    const json_t *a = json_object_get(obj, key), *v;
    size_t i;

    *out = NULL;
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return -1;
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v))
            return -1;
    }
    *out = a;
    return 0;
}

static int k8sauthz_has(const json_t *list, const char *s)
{
    const json_t *v;
    size_t i;

    json_array_foreach(list, i, v)
    {
        if (strcmp(json_string_value(v), s) == 0)
            return 1;
    }
    return 0;
}

/* ---- label selectors ---- */

/* The label key a selector key names: itself, or for Cilium the key
 * without its k8s:/any: source. NULL when the key cannot be matched
 * against an object's labels. */
static const char *k8sauthz_key(const char *k, int cilium)
{
    if (!cilium)
        return k;
    if (strncmp(k, "k8s:", 4) == 0 || strncmp(k, "any:", 4) == 0)
        k += 4;
    if (strchr(k, ':') || strncmp(k, "io.kubernetes.pod.", 18) == 0 ||
        strncmp(k, "io.cilium.", 10) == 0)
        return NULL; /* another source, or a label Cilium derives */
    return k;
}

/* The value of label k (NULL: none). */
static const char *k8sauthz_label(const json_t *labels, const char *k)
{
    return json_string_value(json_object_get(labels, k));
}

/* 1 selects, 0 does not, -1 cannot be evaluated. */
static int k8sauthz_select(const json_t *sel, const json_t *labels, int cilium)
{
    const json_t *ml, *me, *v, *e;
    const char *k;
    size_t i;
    int match = 1;

    if (!json_is_object(sel))
        return -1;
    ml = json_object_get(sel, "matchLabels");
    me = json_object_get(sel, "matchExpressions");
    if (ml && !json_is_null(ml)) {
        if (!json_is_object(ml))
            return -1;
        json_object_foreach((json_t *)ml, k, v)
        {
            const char *key = k8sauthz_key(k, cilium), *have;
            if (!json_is_string(v) || !key)
                return -1;
            have = k8sauthz_label(labels, key);
            if (!have || strcmp(have, json_string_value(v)) != 0)
                match = 0;
        }
    }
    if (me && !json_is_null(me)) {
        if (!json_is_array(me))
            return -1;
        json_array_foreach(me, i, e)
        {
            const char *op = json_string_value(json_object_get(e, "operator"));
            const char *key, *have;
            const json_t *vals;
            size_t nv;
            if (!json_is_string(json_object_get(e, "key")) || !op ||
                k8sauthz_strings(e, "values", &vals) ||
                !(key = k8sauthz_key(
                      json_string_value(json_object_get(e, "key")), cilium)))
                return -1;
            nv = vals ? json_array_size(vals) : 0;
            have = k8sauthz_label(labels, key);
            if (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0) {
                int in = have && k8sauthz_has(vals, have);
                if (nv == 0)
                    return -1; /* the API server rejects it */
                if (in != (op[0] == 'I'))
                    match = 0;
            } else if (strcmp(op, "Exists") == 0 ||
                       strcmp(op, "DoesNotExist") == 0) {
                if (nv != 0)
                    return -1;
                if ((have != NULL) != (op[0] == 'E'))
                    match = 0;
            } else {
                return -1;
            }
        }
    }
    return match;
}

static void k8sauthz_selector_fn(sqlite3_context *ctx, int argc,
                                 sqlite3_value **argv)
{
    struct k8sauthz_cache *c = sqlite3_user_data(ctx);
    const json_t *sel, *labels, *v;
    const char *flavor =
        argc > 2 ? (const char *)sqlite3_value_text(argv[2]) : NULL;
    const char *k;
    int bad_s, bad_l, r = -1;

    sel = k8sauthz_memo_json(&c->sel, argv[0], &bad_s);
    labels = k8sauthz_memo_json(&c->labels, argv[1], &bad_l);
    if (json_is_null(labels)) /* labels: null is no labels */
        labels = NULL;
    if (sel && !bad_l && (!labels || json_is_object(labels))) {
        r = 0;
        json_object_foreach((json_t *)labels, k, v)
        {
            if (!json_is_string(v))
                r = -1;
        }
        if (r == 0)
            r = k8sauthz_select(sel, labels,
                                flavor && strcmp(flavor, "cilium") == 0);
    }
    if (r < 0)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_int(ctx, r);
}

/* ---- RBAC ---- */

/* RBAC's ResourceMatches: "*", the exact resource[/subresource], or
 * "*\/subresource" when a subresource is asked for. */
static int k8sauthz_resource(const json_t *list, const char *want)
{
    const char *sub = strchr(want, '/');
    const json_t *v;
    size_t i;

    json_array_foreach(list, i, v)
    {
        const char *r = json_string_value(v);
        if (strcmp(r, "*") == 0 || strcmp(r, want) == 0)
            return 1;
        if (sub && r[0] == '*' && strcmp(r + 1, sub) == 0)
            return 1;
    }
    return 0;
}

static int k8sauthz_any(const json_t *list, const char *want)
{
    return list && (k8sauthz_has(list, "*") || k8sauthz_has(list, want));
}

static void k8sauthz_grants_fn(sqlite3_context *ctx, int argc,
                               sqlite3_value **argv)
{
    const char *group =
        argc >= 4 ? (const char *)sqlite3_value_text(argv[1]) : NULL;
    const char *res =
        argc >= 4 ? (const char *)sqlite3_value_text(argv[2]) : NULL;
    /* a rule asks several questions of one role's rules in a row (bind
     * on roles, on clusterroles, impersonate ...): parsed once for all */
    struct k8sauthz_cache *c = sqlite3_user_data(ctx);
    const json_t *rules, *rule;
    size_t i;
    int bad, a, best = 0; /* 0 none, 1 named objects, 2 every object */

    if (!group || !res) {
        sqlite3_result_error(ctx,
                             "fourc_rbac_grants(rules, group, resource, "
                             "verb...): group and resource must not be NULL",
                             -1);
        return;
    }
    rules = k8sauthz_rules_json(c, argv[0], &bad);
    if (bad || (rules && !json_is_array(rules) && !json_is_null(rules))) {
        sqlite3_result_null(ctx);
        return;
    }
    json_array_foreach(rules, i, rule)
    {
        const json_t *groups, *resources, *verbs, *names, *urls;
        int verb = 0;
        if (!json_is_object(rule) ||
            k8sauthz_strings(rule, "apiGroups", &groups) ||
            k8sauthz_strings(rule, "resources", &resources) ||
            k8sauthz_strings(rule, "verbs", &verbs) ||
            k8sauthz_strings(rule, "nonResourceURLs", &urls) ||
            k8sauthz_strings(rule, "resourceNames", &names)) {
            best = -1;
            break;
        }
        for (a = 3; a < argc && !verb; a++) {
            const char *v = (const char *)sqlite3_value_text(argv[a]);
            verb = v && k8sauthz_any(verbs, v);
        }
        if (!verb || !k8sauthz_any(groups, group) || !resources ||
            !k8sauthz_resource(resources, res))
            continue;
        if (!names || json_array_size(names) == 0)
            best = 2;
        else if (best == 0)
            best = 1;
    }
    if (best < 0)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_int(ctx, best);
}

static void k8sauthz_wildcard_fn(sqlite3_context *ctx, int argc,
                                 sqlite3_value **argv)
{
    static const char *const lists[] = {"apiGroups", "resources", "verbs",
                                        "nonResourceURLs"};
    json_t *rules, *rule;
    const json_t *l, *v;
    size_t i, j, k;
    int bad, found = 0;

    (void)argc;
    rules = k8sauthz_json(argv[0], &bad);
    if (bad || (rules && !json_is_array(rules) && !json_is_null(rules))) {
        sqlite3_result_null(ctx);
        json_decref(rules);
        return;
    }
    json_array_foreach(rules, i, rule)
    {
        for (j = 0; j < 4; j++) {
            if (!json_is_object(rule) || k8sauthz_strings(rule, lists[j], &l)) {
                found = -1;
                break;
            }
            json_array_foreach(l, k, v)
            {
                const char *s = json_string_value(v);
                if (strcmp(s, "*") == 0 || (j == 1 && strncmp(s, "*/", 2) == 0))
                    found = 1;
            }
        }
        if (found < 0)
            break;
    }
    if (found < 0)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_int(ctx, found);
    json_decref(rules);
}

int k8sauthz_register(sqlite3 *db)
{
    const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    struct k8sauthz_cache *c2 = calloc(1, sizeof(*c2));
    struct k8sauthz_cache *c3 = calloc(1, sizeof(*c3));
    struct k8sauthz_cache *cg = calloc(1, sizeof(*cg));
    int rc;

    if (!c2 || !c3 || !cg) {
        free(c2);
        free(c3);
        free(cg);
        return SQLITE_NOMEM;
    }
    /* Each arity its own cache; SQLite frees it with the function. */
    rc = sqlite3_create_function_v2(db, "fourc_selector_match", 2, flags, c2,
                                    k8sauthz_selector_fn, NULL, NULL,
                                    k8sauthz_cache_free);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "fourc_selector_match", 3, flags,
                                        c3, k8sauthz_selector_fn, NULL, NULL,
                                        k8sauthz_cache_free);
    else
        k8sauthz_cache_free(c3);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "fourc_rbac_grants", -1, flags, cg,
                                        k8sauthz_grants_fn, NULL, NULL,
                                        k8sauthz_cache_free);
    else
        k8sauthz_cache_free(cg);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "fourc_rbac_wildcard", 1, flags, NULL,
                                     k8sauthz_wildcard_fn, NULL, NULL);
    return rc;
}
