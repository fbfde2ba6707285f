/* registry.c: the table of collectors, and the kinds rules may name. */
#include "collector.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

extern const struct collector collector_manifests;
extern const struct collector collector_dockerfile;
extern const struct collector collector_image;
extern const struct collector collector_kubeconfig;
extern const struct collector collector_node_root;
extern const struct collector collector_aws;
extern const struct collector collector_code;

static const struct collector *const registry_collectors[] = {
    &collector_manifests,  &collector_dockerfile, &collector_image,
    &collector_kubeconfig, &collector_node_root,  &collector_aws,
    &collector_code,
};

#define REGISTRY_N (sizeof(registry_collectors) / sizeof(*registry_collectors))

/* What the engine itself emits (checks/engine_finding.c, src/cmd_scan.c). */
static const char *const registry_internal_kinds[] = {"fourc/Target",
                                                      "fourc/InputError", NULL};

const struct collector *collector_find(const char *name)
{
    size_t i;

    for (i = 0; i < REGISTRY_N; i++)
        if (strcmp(registry_collectors[i]->name, name) == 0)
            return registry_collectors[i];
    return NULL;
}

static int registry_in(const char *kind, const char *const *list);
static void registry_append(char *why, size_t cap, const char *a,
                            const char *b);

const struct collector *collector_at(size_t i)
{
    return i < REGISTRY_N ? registry_collectors[i] : NULL;
}

/* c emits kind (one of its kinds, or a member of one of its families). */
static int registry_emits(const struct collector *c, const char *kind)
{
    const char *const *k;

    for (k = c->kinds; k && *k; k++) {
        size_t n = strlen(*k);
        if (strcmp(*k, kind) == 0 ||
            (n >= 2 && strcmp(*k + n - 2, "/*") == 0 &&
             strncmp(kind, *k, n - 1) == 0 && kind[n - 1]))
            return 1;
    }
    return 0;
}

/* c reads fixtures named like base. */
static int registry_fixture_match(const struct collector *c, const char *base)
{
    const char *const *p;

    for (p = c->fixture_names; p && *p; p++)
        if (fnmatch(*p, base, 0) == 0)
            return 1;
    return 0;
}

const struct collector *collector_for_fixture(const char *const *kinds,
                                              size_t nkinds, const char *path,
                                              char *why, size_t cap)
{
    const char *base = strrchr(path, '/');
    size_t i, j;
    int engine_kind = 0;

    base = base ? base + 1 : path;
    for (j = 0; j < nkinds; j++)
        engine_kind |= registry_in(kinds[j], registry_internal_kinds);
    for (i = 0; i < REGISTRY_N; i++) {
        const struct collector *c = registry_collectors[i];
        int emits = engine_kind;
        for (j = 0; j < nkinds && !emits; j++)
            emits = registry_emits(c, kinds[j]);
        if (emits && registry_fixture_match(c, base))
            return c;
    }
    snprintf(why, cap,
             "no collector of the rule's kinds reads a file named %s (", base);
    for (i = 0, j = 0; i < REGISTRY_N; i++) {
        const struct collector *c = registry_collectors[i];
        const char *const *p;
        int emits = engine_kind;
        size_t k;
        for (k = 0; k < nkinds && !emits; k++)
            emits = registry_emits(c, kinds[k]);
        if (!emits || !c->fixture_names)
            continue; /* reads no fixtures (a live cluster) */
        registry_append(why, cap, j++ ? "; " : "", c->name);
        registry_append(why, cap, ":", "");
        for (p = c->fixture_names; p && *p; p++)
            registry_append(why, cap, " ", *p);
    }
    registry_append(why, cap, j ? ")" : "none emits them)", "");
    return NULL;
}

/* Optimal string alignment distance, case-insensitive, capped: kinds are
 * short, and only "is it within 2" matters. */
static size_t registry_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j;
    size_t d[40][40];

    if (la >= 40 || lb >= 40)
        return 99;
    for (i = 0; i <= la; i++)
        d[i][0] = i;
    for (j = 0; j <= lb; j++)
        d[0][j] = j;
    for (i = 1; i <= la; i++)
        for (j = 1; j <= lb; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) !=
                          tolower((unsigned char)b[j - 1]);
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 &&
                tolower((unsigned char)a[i - 1]) ==
                    tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) ==
                    tolower((unsigned char)b[j - 1]) &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

/* kind is one of list's exact kinds (a family entry names no kind). */
static int registry_in(const char *kind, const char *const *list)
{
    for (; list && *list; list++)
        if (strcmp(*list, kind) == 0 && !strchr(*list, '*'))
            return 1;
    return 0;
}

/* The nearest kind any collector or the engine names, if within 2. */
static const char *registry_near(const char *kind)
{
    const char *best = NULL;
    /* Short kinds are near many words: within 1 there, within 2 else. */
    size_t bestd = strlen(kind) <= 9 ? 2 : 3, i, d;
    const char *const *k;

    for (i = 0; i <= REGISTRY_N; i++) {
        const struct collector *c =
            i < REGISTRY_N ? registry_collectors[i] : NULL;
        const char *const *lists[2] = {c ? c->kinds : registry_internal_kinds,
                                       c ? c->known_kinds : NULL};
        int l;
        for (l = 0; l < 2; l++)
            for (k = lists[l]; k && *k; k++) {
                if (strchr(*k, '*'))
                    continue;
                d = registry_distance(kind, *k);
                if (d < bestd) {
                    bestd = d;
                    best = *k;
                }
            }
    }
    return best;
}

/* A Kubernetes kind name: an upper-case letter, then letters and digits. */
static int registry_kind_name(const char *s)
{
    if (!isupper((unsigned char)*s))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s))
            return 0;
    return 1;
}

/* Appends a then b to the text in why, truncating at cap. */
static void registry_append(char *why, size_t cap, const char *a, const char *b)
{
    size_t used = strlen(why);
    if (used + 1 < cap)
        snprintf(why + used, cap - used, "%s%s", a, b);
}

int collector_kind_check(const char *kind, char *why, size_t cap)
{
    const char *near, *family = NULL;
    size_t i, flen = 0;
    const char *const *k;

    if (registry_in(kind, registry_internal_kinds))
        return 0;
    for (i = 0; i < REGISTRY_N; i++) {
        const struct collector *c = registry_collectors[i];
        if (registry_in(kind, c->kinds) || registry_in(kind, c->known_kinds))
            return 0;
        for (k = c->kinds; k && *k; k++) {
            size_t n = strlen(*k);
            if (n >= 2 && strcmp(*k + n - 2, "/*") == 0 &&
                strncmp(kind, *k, n - 1) == 0 && kind[n - 1]) {
                family = *k;
                flen = n - 1;
            }
        }
    }
    near = registry_near(kind);
    if (near) {
        snprintf(why, cap, "no collector emits kind %s (did you mean %s?)",
                 kind, near);
        return -1;
    }
    if (family && registry_kind_name(kind + flen)) {
        snprintf(why, cap,
                 "kind %s is not one fourc knows; taken as a custom "
                 "resource of the %s family",
                 kind, family);
        return 1;
    }
    /* Name every kind there is: the list is short. */
    snprintf(why, cap, "no collector emits kind %s (known:", kind);
    for (i = 0; i <= REGISTRY_N; i++)
        for (k = i < REGISTRY_N ? registry_collectors[i]->kinds
                                : registry_internal_kinds;
             k && *k; k++)
            registry_append(why, cap, " ", *k);
    registry_append(why, cap, ")", "");
    return -1;
}
