/*
 * engine.c: rule evaluation; see engine.h. Findings are written by
 * engine_finding.c.
 *
 * A check yields pass, fail or error together with the evidence of the
 * leaf that decided it: the concrete path, the value seen there and what
 * was expected. Nothing that was not evaluated ever becomes a pass: a
 * missing pod spec, a failing SQL rule or unreadable input is an error.
 */
#include "engine.h"
#include "engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "util.h"
#include "banned.h"

const char *const status_names[] = {"pass",   "fail", "error",
                                    "manual", "skip", "waived"};

static void verdict_set_path3(struct verdict *v, const char *a, size_t alen,
                              const char *b, size_t blen, const char *c,
                              size_t clen)
{
    size_t len = alen + blen + clen;
    char *d = v->path_in;

    if (v->path_heap) {
        free(v->path_heap);
        v->path_heap = NULL;
    }
    if (len >= sizeof(v->path_in))
        d = v->path_heap = xmalloc(len + 1);
    memcpy(d, a, alen);
    memcpy(d + alen, b, blen);
    memcpy(d + alen + blen, c, clen);
    d[len] = '\0';
    v->path_len = len;
}

static void verdict_set_path(struct verdict *v, const char *path, size_t len)
{
    verdict_set_path3(v, path, len, "", 0, "", 0);
}

/* An empty verdict; the path buffer is not cleared, only terminated (a
 * verdict is set up for every element a check looks at). */
void verdict_init(struct verdict *v)
{
    v->status = ST_PASS;
    v->path_in[0] = '\0';
    v->path_heap = NULL;
    v->path_len = 0;
    v->actual = NULL;
    v->found = 0;
    v->expected = NULL;
    v->custom = NULL;
    v->container = NULL;
    v->error.buf = NULL;
    v->error.len = v->error.cap = 0;
}

/* Most verdicts own nothing: the tests keep free() calls off the path
 * every element takes. */
void verdict_release(struct verdict *v)
{
    if (v->path_heap)
        free(v->path_heap);
    if (v->container)
        free(v->container);
    if (v->error.buf)
        sb_release(&v->error);
    verdict_init(v);
}

static void verdict_move(struct verdict *dst, struct verdict *src)
{
    verdict_release(dst);
    dst->status = src->status;
    memcpy(dst->path_in, src->path_in,
           src->path_len < sizeof(src->path_in) ? src->path_len + 1 : 1);
    dst->path_heap = src->path_heap;
    dst->path_len = src->path_len;
    dst->actual = src->actual;
    dst->found = src->found;
    dst->expected = src->expected;
    dst->custom = src->custom;
    dst->container = src->container;
    dst->error = src->error;
    verdict_init(src);
}

struct engine *engine_new(struct store *st, int64_t scan_id,
                          const struct ruleset *rs)
{
    struct engine *eng = xcalloc(1, sizeof(*eng));

    eng->st = st;
    eng->scan_id = scan_id;
    eng->rs = rs;
    eng->uids = json_object();
    eng->uid_kind = json_object();
    engine_cviews_open(eng);
    return eng;
}

void engine_free(struct engine *eng)
{
    size_t i;

    if (!eng)
        return;
    engine_cviews_close(eng);
    sb_release(&eng->cview_failed);
    sb_release(&eng->cview_val);
    for (i = 0; i < eng->nkinds; i++) {
        free(eng->kinds[i].kind);
        free(eng->kinds[i].rules);
    }
    free(eng->kinds);
    for (i = 0; i < eng->ms_cap; i++) {
        jp_matches_release(eng->ms[i]);
        free(eng->ms[i]);
    }
    free(eng->ms);
    for (i = 0; i < ENGINE_LINE_CACHE; i++)
        jpath_free(eng->lines[i]);
    for (i = 0; i < ENGINE_RE_CACHE; i++)
        free(eng->re[i].s);
    for (i = 0; i < eng->expects_cap; i++)
        free(eng->expects[i].text);
    free(eng->expects);
    jp_matches_release(&eng->containers);
    json_decref(eng->uids);
    json_decref(eng->uid_kind);
    sb_release(&eng->doc);
    sb_release(&eng->evidence);
    sb_release(&eng->msg);
    sb_release(&eng->fp);
    sb_release(&eng->act);
    sb_release(&eng->item);
    jp_scratch_release(&eng->jp);
    jsonw_spans_release(&eng->spans);
    free(eng);
}

int engine_store_rules(struct store *st, int64_t scan_id, struct ruleset *rs,
                       struct err *e)
{
    size_t i;

    for (i = 0; i < rs->n; i++) {
        struct rule *r = rs->rules[i];
        char *doc = json_dumps(r->doc, JSON_COMPACT | JSON_SORT_KEYS);
        struct store_rule sr = {r->hash,   r->id,    r->pack,   r->severity,
                                r->pillar, r->title, r->origin, doc};
        int rc = store_add_rule(st, scan_id, &sr, &r->ref, e);
        free(doc);
        if (rc)
            return -1;
    }
    return 0;
}

const struct engine_stats *engine_stats(const struct engine *eng)
{
    return &eng->stats;
}

/* The rules that apply to kind, computed once per distinct kind. */
struct engine_kind *engine_rules_for(struct engine *eng, const char *kind)
{
    struct engine_kind *k;
    size_t i, j;

    for (i = 0; i < eng->nkinds; i++)
        if (strcmp(eng->kinds[i].kind, kind) == 0)
            return &eng->kinds[i];
    eng->kinds = xrealloc(eng->kinds, (eng->nkinds + 1) * sizeof(*eng->kinds));
    k = &eng->kinds[eng->nkinds++];
    k->kind = xstrdup(kind);
    k->rules = NULL;
    k->n = 0;
    k->stored = 0;
    for (i = 0; i < eng->rs->n; i++) {
        const struct rule *r = eng->rs->rules[i];
        if (r->automated && r->check && r->check->type == CK_SQL)
            continue; /* judged once over the scan, in engine_finish */
        for (j = 0; j < r->nkinds; j++) {
            if (strcmp(r->kinds[j], kind) == 0) {
                k->rules = xrealloc(k->rules, (k->n + 1) * sizeof(*k->rules));
                k->rules[k->n++] = r;
                break;
            }
        }
    }
    return k;
}

/* ---- operators ---- */

static int engine_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    return json_equal((json_t *)a, (json_t *)b);
}

static int engine_mode(const json_t *v, unsigned long *mode)
{
    char *end;

    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *mode = (unsigned long)json_integer_value(v);
        return 0;
    }
    if (json_is_string(v) && *json_string_value(v)) {
        *mode = strtoul(json_string_value(v), &end, 8);
        return *end ? -1 : 0;
    }
    return -1;
}

/*
 * "matches": POSIX regexec costs microseconds, and a cluster has the same
 * image names and object names over and over; answers are kept per
 * (check, string), a newer one replacing an older in the same slot.
 */
static int engine_matches(struct engine *eng, const struct check *c,
                          const char *s)
{
    size_t h = (size_t)(uintptr_t)c, len = strlen(s), i;
    struct engine_re *slot;

    for (i = 0; i < len; i++)
        h = h * 31 + (unsigned char)s[i];
    slot = &eng->re[h % ENGINE_RE_CACHE];
    if (slot->check == c && slot->len == len && memcmp(slot->s, s, len) == 0)
        return slot->match;
    free(slot->s);
    slot->check = c;
    slot->s = xstrndup(s, len);
    slot->len = len;
    slot->match = regexec(&c->re, s, 0, NULL, 0) == 0;
    return slot->match;
}

/* Numbers with numbers, booleans with booleans, else the same type. */
static int engine_same_type(const json_t *a, const json_t *b)
{
    return json_typeof(a) == json_typeof(b) ||
           (json_is_number(a) && json_is_number(b)) ||
           (json_is_boolean(a) && json_is_boolean(b));
}

/* The size of the text engine_op writes about a value of the wrong type. */
#define ENGINE_FOUND 64

/*
 * Whether v (NULL: absent; null: unset, judged as absent) satisfies c: 1
 * or 0, or -1 when v is of a type the operator cannot judge against c's
 * value, with found naming that type (never the value: it could be a
 * credential). A wrong type is never a verdict: "true" is not `ne true`.
 */
static int engine_op(struct engine *eng, const struct check *c, const json_t *v,
                     char found[ENGINE_FOUND])
{
    const json_t *x;
    size_t i;
    unsigned long mode;

    if (v && !(c->accept & CHECK_T(json_typeof(v)))) {
        snprintf(found, ENGINE_FOUND, "%s", jpath_type_name(v));
        return -1;
    }
    switch (c->op) {
    case OP_EQ:
        return v && engine_equal(v, c->value);
    case OP_NE:
        return !v || !engine_equal(v, c->value);
    case OP_IN:
    case OP_NIN: {
        int in = 0;
        if (v)
            json_array_foreach(c->value, i, x)
            {
                if (engine_equal(v, x)) {
                    in = 1;
                    break;
                }
            }
        return c->op == OP_IN ? in : !in;
    }
    case OP_GT:
        return json_is_number(v) &&
               json_number_value(v) > json_number_value(c->value);
    case OP_GTE:
        return json_is_number(v) &&
               json_number_value(v) >= json_number_value(c->value);
    case OP_LT:
        return json_is_number(v) &&
               json_number_value(v) < json_number_value(c->value);
    case OP_LTE:
        return json_is_number(v) &&
               json_number_value(v) <= json_number_value(c->value);
    case OP_EXISTS:
        return v != NULL;
    case OP_ABSENT:
        return v == NULL;
    case OP_MATCHES:
        return json_is_string(v) &&
               engine_matches(eng, c, json_string_value(v));
    case OP_CONTAINS:
        if (json_is_array(v)) {
            int has = 0;
            /* Every item judged: an item of another type is as unknown
             * as a value of another type. */
            json_array_foreach(v, i, x)
            {
                if (json_is_null(x))
                    continue;
                if (!engine_same_type(x, c->value)) {
                    snprintf(found, ENGINE_FOUND, "array holding a%s %s",
                             json_is_object(x) || json_is_array(x) ? "n" : "",
                             jpath_type_name(x));
                    return -1;
                }
                if (!has && engine_equal(x, c->value))
                    has = 1;
            }
            return has;
        }
        return json_is_string(v) &&
               strstr(json_string_value(v), json_string_value(c->value));
    case OP_BITMASK:
        if (!v || json_is_null(v))
            return 0;
        if (engine_mode(v, &mode)) {
            snprintf(found, ENGINE_FOUND, "%s",
                     json_is_integer(v) ? "negative number"
                                        : "string that is not an octal mode");
            return -1;
        }
        return (mode & ~c->mask) == 0;
    }
    return 0;
}

/* ---- checks ---- */

/* An empty match list for one level of evaluation; give it back with
 * engine_ms_put, innermost first. */
static struct jp_matches *engine_ms_get(struct engine *eng)
{
    struct jp_matches *ms;

    if (eng->nms == eng->ms_cap) {
        eng->ms = xrealloc(eng->ms, (eng->ms_cap + 1) * sizeof(*eng->ms));
        eng->ms[eng->ms_cap++] = xcalloc(1, sizeof(**eng->ms));
    }
    ms = eng->ms[eng->nms++];
    jp_matches_clear(ms);
    return ms;
}

static void engine_ms_put(struct engine *eng)
{
    eng->nms--;
}

static void engine_set_leaf(struct verdict *out, enum status s,
                            const char *path, const json_t *v,
                            const char *expected)
{
    verdict_release(out);
    out->status = s;
    verdict_set_path(out, path, strlen(path));
    out->found = v != NULL;
    out->actual = v;
    out->expected = expected;
}

static enum status engine_error(struct verdict *out, const char *msg)
{
    verdict_release(out);
    out->status = ST_ERROR;
    sb_adds(&out->error, msg);
    return ST_ERROR;
}

/* out (its path set) judged an error: c's operator cannot judge a value
 * of the type found there. The message names the path, the type found
 * and the types expected; never the value. */
static enum status engine_type_error(struct verdict *out, const struct check *c,
                                     const char *found)
{
    out->status = ST_ERROR;
    out->actual = NULL;
    out->found = 0;
    sb_setlen(&out->error, 0);
    sb_add(&out->error, verdict_path(out), out->path_len);
    sb_addf(&out->error, ": found %s, expected %s (%s)", found, c->accept_text,
            c->expected);
    return ST_ERROR;
}

/* An assert on a path that names one value (no wildcard, not
 * $containers): its path is written once, into the verdict. */
static enum status engine_assert_one(struct engine *eng, const struct check *c,
                                     struct jp_scope *sc, struct verdict *out)
{
    struct jp_one one;
    struct err e;
    char found[ENGINE_FOUND];
    const char *segs;
    size_t base_len, segs_len;

    if (jpath_resolve_one(c->path, sc, &one, &e))
        return engine_error(out, e.msg);
    verdict_release(out);
    base_len = strlen(one.base);
    segs = jpath_segments(c->path, base_len + one.mid_len != 0, &segs_len);
    verdict_set_path3(out, one.base, base_len, one.mid, one.mid_len, segs,
                      segs_len);
    switch (engine_op(eng, c, one.v, found)) {
    case 1:
        out->status = ST_PASS;
        break;
    case 0:
        out->status = ST_FAIL;
        break;
    default:
        return engine_type_error(out, c, found);
    }
    out->found = one.v != NULL;
    out->actual = one.v;
    out->expected = c->expected;
    return out->status;
}

static enum status engine_assert(struct engine *eng, const struct check *c,
                                 struct jp_scope *sc, struct verdict *out)
{
    struct jp_matches *ms;
    struct err e;
    char found[ENGINE_FOUND];
    size_t i;

    if (!c->path->has_wild && c->path->anchor != JP_CONTAINERS)
        return engine_assert_one(eng, c, sc, out);
    ms = engine_ms_get(eng);
    if (jpath_resolve(c->path, sc, ms, &e)) {
        engine_ms_put(eng);
        return engine_error(out, e.msg);
    }
    if (ms->n == 0) {
        /* A wildcard that matched nothing: judge "absent". */
        engine_set_leaf(out, engine_op(eng, c, NULL, found) ? ST_PASS : ST_FAIL,
                        c->path->text, NULL, c->expected);
    } else {
        /* Any failing match fails; else any match of the wrong type is
         * an error; else a pass. The first failing match, else the first
         * wrong one, else the first: the evidence. */
        size_t bad = ms->n;
        int r = 1;
        char scratch[ENGINE_FOUND];
        for (i = 0; i < ms->n; i++) {
            r = engine_op(eng, c, ms->m[i].v, bad == ms->n ? found : scratch);
            if (r == 0)
                break;
            if (r < 0 && bad == ms->n)
                bad = i;
        }
        if (r != 0 && bad < ms->n) {
            engine_set_leaf(out, ST_ERROR, ms->m[bad].path, NULL, c->expected);
            engine_type_error(out, c, found);
        } else {
            if (r != 0)
                i = 0;
            engine_set_leaf(out, r == 0 ? ST_FAIL : ST_PASS, ms->m[i].path,
                            ms->m[i].v, c->expected);
        }
    }
    engine_ms_put(eng);
    return out->status;
}

/* Appends "PATH[k]" as a match for element x. */
static void engine_add_item(struct engine *eng, struct jp_matches *elems,
                            json_t *x, const char *path, size_t k)
{
    char buf[24], *q = buf + sizeof(buf);
    size_t len = strlen(path);
    struct strbuf *sb = &eng->item;

    *--q = ']';
    do {
        *--q = (char)('0' + k % 10);
        k /= 10;
    } while (k);
    *--q = '[';
    sb_setlen(sb, 0);
    sb_add(sb, path, len);
    sb_add(sb, q, (size_t)(buf + sizeof(buf) - q));
    jp_matches_add(elems, x, sb->buf, sb->len);
}

/* Resolves the each-path into ms, or points *ms at the resource's
 * "$containers", resolved once. */
static int engine_each_matches(struct engine *eng, const struct check *c,
                               struct jp_scope *sc, struct jp_matches **ms,
                               struct err *e)
{
    if (c->path->anchor != JP_CONTAINERS || c->path->nsegs != 0)
        return jpath_resolve(c->path, sc, *ms, e);
    if (eng->containers_state == 0) {
        jp_matches_clear(&eng->containers);
        eng->containers_state = jpath_resolve(c->path, sc, &eng->containers,
                                              &eng->containers_err) == 0
                                    ? 1
                                    : -1;
    }
    if (eng->containers_state < 0) {
        *e = eng->containers_err;
        return -1;
    }
    *ms = &eng->containers;
    return 0;
}

static enum status engine_each(struct engine *eng, const struct check *c,
                               struct jp_scope *sc, struct verdict *out)
{
    struct jp_matches *ms = engine_ms_get(eng), *elems = engine_ms_get(eng);
    const struct jp_matches *list;
    struct jp_scope inner = *sc;
    struct verdict v;
    struct err e;
    size_t i, k, checked = 0;
    json_t *x;
    int containers = c->path->anchor == JP_CONTAINERS, direct;

    verdict_init(&v);
    if (engine_each_matches(eng, c, sc, &ms, &e)) {
        engine_ms_put(eng);
        engine_ms_put(eng);
        return engine_error(out, e.msg);
    }
    /* Elements: the matches themselves for $containers and wildcards,
     * else the items of the array the path names. Matches that are the
     * elements are used as they are, absent ones skipped. */
    direct = containers || c->path->has_wild;
    for (i = 0; i < ms->n && !direct; i++)
        if (json_is_array(ms->m[i].v))
            break;
    if (i == ms->n)
        direct = 1;
    for (i = 0; i < ms->n && !direct; i++) {
        if (!ms->m[i].v)
            continue;
        if (!json_is_array(ms->m[i].v)) {
            jp_matches_add(elems, ms->m[i].v, ms->m[i].path,
                           strlen(ms->m[i].path));
            continue;
        }
        json_array_foreach(ms->m[i].v, k, x)
        {
            engine_add_item(eng, elems, x, ms->m[i].path, k);
        }
    }
    list = direct ? ms : elems;
    verdict_release(out);
    out->status = ST_PASS;
    for (i = 0; i < list->n; i++) {
        enum status s;
        /* An element a wildcard reached without the rest of the path is
         * judged as absent; only a path that is itself absent has no
         * elements. */
        if (!list->m[i].v && !(direct && c->path->has_wild))
            continue;
        inner.cur = list->m[i].v;
        inner.cur_path = list->m[i].path;
        if (containers) {
            inner.container = list->m[i].v;
            inner.container_path = list->m[i].path;
        }
        s = engine_eval(eng, c->kids[0], &inner, &v);
        checked++;
        /* A fail decides; an error does unless a later element fails
         * (a failing element fails the resource whatever the unknown
         * ones would say); all passing, the first is the evidence. */
        if ((s == ST_PASS && checked == 1) ||
            (s == ST_ERROR && out->status != ST_ERROR) || s == ST_FAIL) {
            verdict_move(out, &v);
            out->status = s;
            if (s != ST_PASS && containers && !out->container) {
                json_t *name = json_object_get(list->m[i].v, "name");
                if (json_is_string(name))
                    out->container = xstrdup(json_string_value(name));
            }
            if (s == ST_FAIL)
                break;
        }
        verdict_release(&v);
    }
    if (checked == 0) {
        /* Nothing to violate: record where we looked. */
        engine_set_leaf(out, ST_PASS, ms->n ? ms->m[0].path : c->path->text,
                        NULL, "each: no elements");
    }
    verdict_release(&v);
    engine_ms_put(eng);
    engine_ms_put(eng);
    return out->status;
}

static char *engine_join_expected(const struct check *c, const char *head,
                                  const char *sep)
{
    struct strbuf sb = STRBUF_INIT;
    size_t i;

    sb_adds(&sb, head);
    for (i = 0; i < c->nkids; i++) {
        const struct check *k = c->kids[i];
        if (i)
            sb_adds(&sb, sep);
        if (k->type == CK_ASSERT) {
            sb_adds(&sb, k->path ? k->path->text : "?");
            sb_adds(&sb, " ");
            sb_adds(&sb, k->expected ? k->expected : "");
        } else {
            sb_adds(&sb, "(...)");
        }
    }
    return sb_detach(&sb);
}

static size_t engine_expect_slot(const struct check *c, const char *of,
                                 size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)c * 0x9e3779b97f4a7c15u ^
                 (uint64_t)(uintptr_t)of * 0xc2b2ae3d27d4eb4fu;

    return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

/*
 * The expectation a not (of the kid's expectation of) or an any (of its
 * kids, of NULL) check reports: composed on first use, then the same text
 * for every element and resource (these checks run millions of times).
 */
static const char *engine_expect(struct engine *eng, const struct check *c,
                                 const char *of)
{
    struct engine_expect *x;
    size_t i;

    if (2 * (eng->nexpects + 1) > eng->expects_cap) {
        size_t cap = eng->expects_cap ? 2 * eng->expects_cap : 64;
        struct engine_expect *t = xcalloc(cap, sizeof(*t));
        for (i = 0; i < eng->expects_cap; i++) {
            size_t k;
            if (!eng->expects[i].check)
                continue;
            k = engine_expect_slot(eng->expects[i].check, eng->expects[i].of,
                                   cap);
            while (t[k].check)
                k = (k + 1) & (cap - 1);
            t[k] = eng->expects[i];
        }
        free(eng->expects);
        eng->expects = t;
        eng->expects_cap = cap;
    }
    i = engine_expect_slot(c, of, eng->expects_cap);
    for (;; i = (i + 1) & (eng->expects_cap - 1)) {
        x = &eng->expects[i];
        if (!x->check)
            break;
        if (x->check == c && x->of == of)
            return x->text;
    }
    x->check = c;
    x->of = of;
    if (c->type == CK_NOT) {
        struct strbuf sb = STRBUF_INIT;
        sb_addf(&sb, "not (%s)", of ? of : "");
        x->text = sb_detach(&sb);
    } else {
        x->text = engine_join_expected(c, "any of: ", " | ");
    }
    eng->nexpects++;
    return x->text;
}

/* all: the first failure decides; else the first error (an unknown kid
 * cannot make a conjunction with a false kid true); all passing, the
 * first kid. */
static enum status engine_all(struct engine *eng, const struct check *c,
                              struct jp_scope *sc, struct verdict *out)
{
    struct verdict v;
    enum status s = ST_PASS, k;
    size_t i;

    verdict_init(&v);
    for (i = 0; i < c->nkids; i++) {
        k = engine_eval(eng, c->kids[i], sc, &v);
        if (i == 0 || k == ST_FAIL || (k == ST_ERROR && s != ST_ERROR)) {
            verdict_move(out, &v);
            s = k;
        } else {
            verdict_release(&v);
        }
        if (k == ST_FAIL)
            break;
    }
    return s;
}

/* any: the first pass decides; else the first error, else the first
 * kid, with every alternative as the expectation. */
static enum status engine_any(struct engine *eng, const struct check *c,
                              struct jp_scope *sc, struct verdict *out)
{
    struct verdict v;
    enum status s = ST_FAIL;
    size_t i;
    int errors = 0;

    verdict_init(&v);
    for (i = 0; i < c->nkids; i++) {
        enum status k = engine_eval(eng, c->kids[i], sc, &v);
        if (k == ST_PASS) {
            verdict_move(out, &v);
            s = ST_PASS;
            break;
        }
        if (k == ST_ERROR && !errors++)
            verdict_move(out, &v);
        else if (i == 0 && !errors)
            verdict_move(out, &v);
        else
            verdict_release(&v);
    }
    if (s != ST_PASS && errors)
        s = ST_ERROR;
    if (s == ST_FAIL)
        out->expected = engine_expect(eng, c, NULL);
    return s;
}

static enum status engine_not(struct engine *eng, const struct check *c,
                              struct jp_scope *sc, struct verdict *out)
{
    enum status s = engine_eval(eng, c->kids[0], sc, out);

    if (s == ST_PASS || s == ST_FAIL) {
        s = s == ST_PASS ? ST_FAIL : ST_PASS;
        out->expected = engine_expect(eng, c, out->expected);
    }
    return s;
}

enum status engine_eval(struct engine *eng, const struct check *c,
                        struct jp_scope *sc, struct verdict *out)
{
    enum status s = ST_PASS;

    switch (c->type) {
    case CK_ASSERT:
        s = engine_assert(eng, c, sc, out);
        break;
    case CK_EACH:
        s = engine_each(eng, c, sc, out);
        break;
    case CK_ALL:
        s = engine_all(eng, c, sc, out);
        break;
    case CK_ANY:
        s = engine_any(eng, c, sc, out);
        break;
    case CK_NOT:
        s = engine_not(eng, c, sc, out);
        break;
    case CK_SQL:
        return engine_error(out, "a SQL check cannot be nested");
    }
    out->status = s;
    if ((s == ST_FAIL || s == ST_ERROR) && c->message && !out->custom)
        out->custom = c->message;
    return s;
}
