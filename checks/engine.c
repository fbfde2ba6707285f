/*
 * engine.c: rule evaluation and findings; see engine.h.
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

/* For SHA256_Init and co. (engine_fingerprint); must precede every
 * OpenSSL header. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "jsonw.h"
#include "util.h"
#include "banned.h"

const char *const status_names[] = {"pass",   "fail", "error",
                                    "manual", "skip", "waived"};

/* Paths up to this long live in the verdict itself: verdicts are made and
 * dropped for every element a check looks at. */
#define VERDICT_PATH 232

struct verdict {
    enum status status;
    char path_in[VERDICT_PATH]; /* the path, when it fits */
    char *path_heap;            /* the path, when it does not */
    size_t path_len;
    /* Borrowed from the resource's document, which outlives every verdict
     * of its rules: reference counting here cost two atomic operations
     * per element a check looks at. NULL when absent. */
    const json_t *actual;
    int found;
    const char *expected;
    char *expected_own; /* for composed expectations */
    const char *custom; /* a rule author's message, borrowed */
    char *container;    /* name of the container that decided */
    struct strbuf error;
};

static const char *verdict_path(const struct verdict *v)
{
    return v->path_heap ? v->path_heap : v->path_in;
}

/* The path a, b, c (of those lengths) written straight into the verdict. */
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
static void verdict_init(struct verdict *v)
{
    v->status = ST_PASS;
    v->path_in[0] = '\0';
    v->path_heap = NULL;
    v->path_len = 0;
    v->actual = NULL;
    v->found = 0;
    v->expected = NULL;
    v->expected_own = NULL;
    v->custom = NULL;
    v->container = NULL;
    v->error.buf = NULL;
    v->error.len = v->error.cap = 0;
}

/* Most verdicts own nothing: the tests keep free() calls off the path
 * every element takes. */
static void verdict_release(struct verdict *v)
{
    if (v->path_heap)
        free(v->path_heap);
    if (v->expected_own)
        free(v->expected_own);
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
    dst->expected_own = src->expected_own;
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
    return eng;
}

void engine_free(struct engine *eng)
{
    size_t i;

    if (!eng)
        return;
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
    jp_matches_release(&eng->containers);
    json_decref(eng->uids);
    json_decref(eng->uid_kind);
    sb_release(&eng->doc);
    sb_release(&eng->evidence);
    sb_release(&eng->msg);
    sb_release(&eng->fp);
    sb_release(&eng->act);
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
static struct engine_kind *engine_rules_for(struct engine *eng,
                                            const char *kind)
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

static int engine_op(struct engine *eng, const struct check *c, const json_t *v)
{
    const json_t *x;
    size_t i;
    unsigned long mode;

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
            json_array_foreach(v, i, x)
            {
                if (engine_equal(x, c->value))
                    return 1;
            }
            return 0;
        }
        return json_is_string(v) && json_is_string(c->value) &&
               strstr(json_string_value(v), json_string_value(c->value));
    case OP_BITMASK:
        return v && engine_mode(v, &mode) == 0 && (mode & ~c->mask) == 0;
    }
    return 0;
}

/* ---- checks ---- */

static enum status engine_eval(struct engine *eng, const struct check *c,
                               struct jp_scope *sc, struct verdict *out);

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

/* An assert on a path that names one value (no wildcard, not
 * $containers): its path is written once, into the verdict. */
static enum status engine_assert_one(struct engine *eng, const struct check *c,
                                     struct jp_scope *sc, struct verdict *out)
{
    struct jp_one one;
    struct err e;
    const char *segs;
    size_t base_len, segs_len;

    if (jpath_resolve_one(c->path, sc, &one, &e))
        return engine_error(out, e.msg);
    verdict_release(out);
    base_len = strlen(one.base);
    segs = jpath_segments(c->path, base_len + one.mid_len != 0, &segs_len);
    verdict_set_path3(out, one.base, base_len, one.mid, one.mid_len, segs,
                      segs_len);
    out->status = engine_op(eng, c, one.v) ? ST_PASS : ST_FAIL;
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
        engine_set_leaf(out, engine_op(eng, c, NULL) ? ST_PASS : ST_FAIL,
                        c->path->text, NULL, c->expected);
    } else {
        int fail = 0;
        for (i = 0; i < ms->n && !fail; i++)
            fail = !engine_op(eng, c, ms->m[i].v);
        /* The first failing match, else the first: the evidence. */
        i = fail ? i - 1 : 0;
        engine_set_leaf(out, fail ? ST_FAIL : ST_PASS, ms->m[i].path,
                        ms->m[i].v, c->expected);
    }
    engine_ms_put(eng);
    return out->status;
}

/* Appends "PATH[k]" as a match for element x. */
static void engine_add_item(struct jp_matches *elems, json_t *x,
                            const char *path, size_t k)
{
    char buf[24], *q = buf + sizeof(buf);
    size_t len = strlen(path);
    static struct strbuf sb;

    *--q = ']';
    do {
        *--q = (char)('0' + k % 10);
        k /= 10;
    } while (k);
    *--q = '[';
    sb_setlen(&sb, 0);
    sb_add(&sb, path, len);
    sb_add(&sb, q, (size_t)(buf + sizeof(buf) - q));
    jp_matches_add(elems, x, sb.buf, sb.len);
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
            engine_add_item(elems, x, ms->m[i].path, k);
        }
    }
    list = direct ? ms : elems;
    verdict_release(out);
    out->status = ST_PASS;
    for (i = 0; i < list->n; i++) {
        enum status s;
        if (!list->m[i].v)
            continue;
        inner.cur = list->m[i].v;
        inner.cur_path = list->m[i].path;
        if (containers) {
            inner.container = list->m[i].v;
            inner.container_path = list->m[i].path;
        }
        s = engine_eval(eng, c->kids[0], &inner, &v);
        checked++;
        if (s == ST_PASS && checked == 1)
            verdict_move(out, &v);
        if (s != ST_PASS) {
            verdict_move(out, &v);
            if (containers && !out->container) {
                json_t *name = json_object_get(list->m[i].v, "name");
                if (json_is_string(name))
                    out->container = xstrdup(json_string_value(name));
            }
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

/* all: the first failure or error decides; all passing, the first kid. */
static enum status engine_all(struct engine *eng, const struct check *c,
                              struct jp_scope *sc, struct verdict *out)
{
    struct verdict v;
    enum status s = ST_PASS;
    size_t i;

    verdict_init(&v);
    for (i = 0; i < c->nkids; i++) {
        s = engine_eval(eng, c->kids[i], sc, &v);
        if (i == 0 || s != ST_PASS)
            verdict_move(out, &v);
        else
            verdict_release(&v);
        if (s != ST_PASS)
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
    if (s == ST_FAIL) {
        free(out->expected_own);
        out->expected_own = engine_join_expected(c, "any of: ", " | ");
        out->expected = out->expected_own;
    }
    return s;
}

static enum status engine_not(struct engine *eng, const struct check *c,
                              struct jp_scope *sc, struct verdict *out)
{
    enum status s = engine_eval(eng, c->kids[0], sc, out);

    if (s == ST_PASS || s == ST_FAIL) {
        struct strbuf sb = STRBUF_INIT;
        s = s == ST_PASS ? ST_FAIL : ST_PASS;
        sb_addf(&sb, "not (%s)", out->expected ? out->expected : "");
        free(out->expected_own);
        out->expected_own = sb_detach(&sb);
        out->expected = out->expected_own;
    }
    return s;
}

static enum status engine_eval(struct engine *eng, const struct check *c,
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
    if (s == ST_FAIL && c->message && !out->custom)
        out->custom = c->message;
    return s;
}

/* ---- findings ---- */

/* SHA-256 of a finding's identity: "fourc-finding-v1\n" RULE "\n" UID. */
static void engine_fingerprint(struct engine *eng, const char *rule_id,
                               const char *uid, size_t uid_len,
                               unsigned char out[32])
{
    struct strbuf *sb = &eng->fp;

    sb_setlen(sb, 0);
    sb_add(sb, "fourc-finding-v1\n", 17);
    sb_add(sb, rule_id, strlen(rule_id));
    sb_add(sb, "\n", 1);
    sb_add(sb, uid, uid_len);
#ifndef OPENSSL_NO_DEPRECATED_3_0
    {
        /* OpenSSL's SHA256_* calls, deprecated in 3.0 but kept, skip what
         * an EVP digest sets up on every use (an ENGINE lookup among
         * others): about a fifth of a fingerprint's cost, and a scan makes
         * one per finding. The two 64-byte blocks of a typical input are
         * the rest, whatever the API. */
        SHA256_CTX c;
        SHA256_Init(&c);
        SHA256_Update(&c, sb->buf, sb->len);
        SHA256_Final(out, &c);
    }
#else
    sha256_raw(sb->buf, sb->len, out);
#endif
}

int64_t engine_ref(const struct engine *eng, const char *uid)
{
    return json_integer_value(json_object_get(eng->uids, uid));
}

/* The resource a finding is about: its uid in this scan, its row, and
 * whether it is one of fourc's own kinds (looked at once per resource,
 * not once per rule). */
struct engine_subject {
    const char *uid;
    size_t uid_len;
    int64_t ref;
    enum { ENGINE_PLAIN, ENGINE_INPUT_ERROR, ENGINE_TARGET } kind;
};

/* engine_write with the resource's row known, and the lengths of message
 * and evidence (evidence_len is 0 without evidence). */
static int engine_write_ref(struct engine *eng, const struct rule *r,
                            const struct engine_subject *sj, enum status s,
                            const char *message, size_t message_len,
                            const char *evidence, size_t evidence_len,
                            struct err *e)
{
    struct store_finding f;
    unsigned char fp[32];
    int rc;

    engine_fingerprint(eng, r->id, sj->uid, sj->uid_len, fp);
    f.rule_ref = r->ref;
    f.resource_ref = sj->ref;
    f.status = status_names[s];
    f.message = message;
    f.evidence_json = evidence;
    f.fingerprint = fp;
    f.message_len = message_len;
    f.evidence_len = evidence_len;
    rc = store_add_finding(eng->st, eng->scan_id, &f, e);
    if (rc == 0) {
        eng->stats.findings++;
        eng->stats.by_status[s]++;
    }
    return rc;
}

int engine_write(struct engine *eng, const struct rule *r, const char *uid,
                 enum status s, const char *message, const char *evidence,
                 struct err *e)
{
    struct engine_subject sj = {uid, strlen(uid), engine_ref(eng, uid),
                                ENGINE_PLAIN};

    return engine_write_ref(eng, r, &sj, s, message, 0, evidence, 0, e);
}

/*
 * The line of the innermost element on the evidence path that records one
 * ("instructions[3]" of a Dockerfile has "line"), so that a finding about
 * one instruction points at it; 0 when there is none.
 */
static long engine_evidence_line(struct engine *eng, json_t *doc,
                                 const char *path)
{
    struct err e;
    struct jpath *p = NULL;
    json_t *v = doc, *l;
    long line = 0;
    size_t i, h = 5381;
    const char *c;

    if (!path || !*path)
        return 0;
    for (c = path; *c; c++)
        h = h * 33 + (unsigned char)*c;
    h %= ENGINE_LINE_CACHE;
    if (eng->lines[h] && strcmp(eng->lines[h]->text, path) == 0) {
        p = eng->lines[h];
    } else if ((p = jpath_parse(path, &e)) != NULL) {
        jpath_free(eng->lines[h]);
        eng->lines[h] = p;
    }
    if (!p || p->anchor != JP_NONE)
        return 0;
    for (i = 0; i < p->nsegs && v; i++) {
        if (p->segs[i].type == JP_KEY) {
            v = json_object_getn(v, p->segs[i].key, p->segs[i].keylen);
        } else if (p->segs[i].type == JP_INDEX) {
            v = json_array_get(v, (size_t)p->segs[i].index);
            l = json_object_getn(v, "line", 4);
            if (json_is_integer(l))
                line = (long)json_integer_value(l);
        } else {
            break;
        }
    }
    return line;
}

/* The value as evidence: small values verbatim, big ones summarised.
 * text is v as JSON (len bytes), written once for message and evidence. */
static void engine_actual(struct strbuf *sb, const json_t *v, const char *text,
                          size_t len)
{
    int obj = json_is_object(v);

    if (len <= ENGINE_MAX_ACTUAL || !(obj || json_is_array(v))) {
        sb_add(sb, text, len);
        return;
    }
    /* "<object of N keys, L bytes>" as a JSON string (nothing in it needs
     * escaping), without snprintf: whole container lists are common. */
    sb_add(sb, obj ? "\"<object of " : "\"<array of ", obj ? 12 : 11);
    sb_addi(sb, (long long)(obj ? json_object_size(v) : json_array_size(v)));
    sb_add(sb, obj ? " keys, " : " items, ", obj ? 7 : 8);
    sb_addi(sb, (long long)len);
    sb_add(sb, " bytes>\"", 8);
}

/*
 * The verdict's actual value as JSON (*len bytes, not NUL-terminated).
 * Objects and arrays come from the resource's document, already written
 * for the store: rules report whole securityContexts and container lists,
 * and writing them again was a large part of a finding's cost.
 */
static const char *engine_actual_json(struct engine *eng,
                                      const struct verdict *v, size_t *len)
{
    size_t start;

    *len = 0;
    if (!v->found)
        return "";
    if ((json_is_object(v->actual) || json_is_array(v->actual)) &&
        jsonw_spans_find(&eng->spans, v->actual, &start, len))
        return eng->doc.buf + start;
    sb_setlen(&eng->act, 0);
    jsonw_value(&eng->act, v->actual);
    *len = eng->act.len;
    return eng->act.buf;
}

/* actual: the verdict's actual value as JSON, alen bytes. */
static void engine_message(struct strbuf *sb, const struct verdict *v,
                           const char *actual, size_t alen)
{
    if (v->status == ST_ERROR) {
        sb_addf(sb, "not evaluated: %s", sb_str(&v->error));
        return;
    }
    /* Plain appends, not sb_addf: every finding has a message. */
    if (v->container) {
        sb_add(sb, "container \"", 11);
        sb_adds(sb, v->container);
        sb_add(sb, "\": ", 3);
    }
    if (v->custom && v->status == ST_FAIL) {
        sb_adds(sb, v->custom);
        sb_add(sb, " (", 2);
    }
    sb_add(sb, verdict_path(v), v->path_len);
    if (v->found) {
        sb_add(sb, " is ", 4);
        if (alen > 120) {
            /* Not splitting a character (JSON text never starts with a
             * continuation byte, so the cut stays inside it). */
            sb_add(sb, actual, utf8_cut(actual, 117));
            sb_add(sb, "...", 3);
        } else {
            sb_add(sb, actual, alen);
        }
    } else {
        sb_add(sb, " is absent", 10);
    }
    sb_add(sb, ", expected ", 11);
    sb_adds(sb, v->expected ? v->expected : "?");
    if (v->custom && v->status == ST_FAIL)
        sb_add(sb, ")", 1);
}

/* The evidence of a pass or fail, as JSON, in eng->evidence. */
static void engine_evidence(struct engine *eng, const struct resource *res,
                            const struct verdict *v, enum status s,
                            const char *act, size_t alen)
{
    struct strbuf *ev = &eng->evidence;
    const char *path = verdict_path(v);

    /* Plain appends, not sb_addf: every finding has evidence. */
    sb_setlen(ev, 0);
    sb_add(ev, "{\"path\":", 8);
    jsonw_string(ev, path, v->path_len);
    sb_add(ev, ",\"actual\":", 10);
    if (v->found) {
        engine_actual(ev, v->actual, act, alen);
        sb_add(ev, ",\"found\":true,\"expected\":", 25);
    } else {
        sb_add(ev, "null,\"found\":false,\"expected\":", 30);
    }
    jsonw_string(ev, v->expected ? v->expected : "",
                 v->expected ? strlen(v->expected) : 0);
    if (s == ST_FAIL && memchr(path, '[', v->path_len)) {
        long line = engine_evidence_line(eng, res->doc, path);
        if (line > 0) {
            sb_add(ev, ",\"line\":", 8);
            sb_addi(ev, line);
        }
    }
    sb_add(ev, "}", 1);
}

/* The message of a rule that does not apply (its "when" failed). */
static void engine_skip_message(struct engine *eng, const struct verdict *v)
{
    struct strbuf *msg = &eng->msg;
    const char *act;
    size_t alen;

    sb_adds(msg, "not applicable: ");
    sb_add(msg, verdict_path(v), v->path_len);
    sb_adds(msg, " is ");
    if (v->found) {
        act = engine_actual_json(eng, v, &alen);
        sb_add(msg, act, alen > 80 ? utf8_cut(act, 80) : alen);
    } else {
        sb_adds(msg, "absent");
    }
    sb_addf(msg, " (rule applies when %s)", v->expected ? v->expected : "?");
}

/*
 * Findings that need no evaluation: input errors, the controls a target
 * does not carry, manual rules. Returns 1 when r was handled so (*rc set),
 * 0 to evaluate it.
 */
static int engine_rule_special(struct engine *eng, const struct rule *r,
                               const struct resource *res,
                               const struct engine_subject *sj, int *rc,
                               struct err *e)
{
    struct strbuf *msg = &eng->msg;
    const char *pillar = NULL;

    *rc = 0;
    if (sj->kind != ENGINE_PLAIN)
        pillar = json_string_value(json_object_get(res->doc, "pillar"));
    if (sj->kind == ENGINE_INPUT_ERROR) {
        const char *what =
            json_string_value(json_object_get(res->doc, "error"));
        /* Each pillar has its input rule; an unreadable Dockerfile is not
         * a cluster finding. */
        if (pillar && strcmp(pillar, r->pillar) != 0)
            return 1;
        sb_addf(msg, "not evaluated: %s", what ? what : "input error");
        *rc = engine_write_ref(eng, r, sj, ST_ERROR, sb_str(msg), msg->len,
                               NULL, 0, e);
        return 1;
    }
    /* A target carries the controls of its own pillar only: a Dockerfile
     * scan lists no Kubernetes manual controls. */
    if (sj->kind == ENGINE_TARGET && pillar && strcmp(pillar, r->pillar) != 0)
        return 1;
    if (!r->automated) {
        sb_addf(msg, "manual review required: %s", r->title);
        *rc = engine_write_ref(eng, r, sj, ST_MANUAL, sb_str(msg), msg->len,
                               NULL, 0, e);
        return 1;
    }
    return 0;
}

static int engine_rule(struct engine *eng, const struct rule *r,
                       const struct resource *res,
                       const struct engine_subject *sj, struct err *e)
{
    struct jp_scope sc = {res->doc, res->kind, res->doc, "",           NULL,
                          NULL,     1,         eng->pod, eng->pod_path};
    struct verdict v;
    struct strbuf *msg = &eng->msg, *ev = &eng->evidence;
    const char *act;
    size_t alen;
    enum status s;
    int rc;

    sb_setlen(msg, 0);
    if (engine_rule_special(eng, r, res, sj, &rc, e))
        return rc;
    verdict_init(&v);
    if (r->when) {
        s = engine_eval(eng, r->when, &sc, &v);
        if (s == ST_FAIL) {
            engine_skip_message(eng, &v);
            s = ST_SKIP;
        } else if (s != ST_PASS) {
            act = engine_actual_json(eng, &v, &alen);
            engine_message(msg, &v, act, alen);
        }
        if (s != ST_PASS) {
            rc = engine_write_ref(eng, r, sj, s, sb_str(msg), msg->len, NULL, 0,
                                  e);
            verdict_release(&v);
            return rc;
        }
        verdict_release(&v);
    }
    s = engine_eval(eng, r->check, &sc, &v);
    act = engine_actual_json(eng, &v, &alen);
    engine_message(msg, &v, act, alen);
    if (s != ST_ERROR)
        engine_evidence(eng, res, &v, s, act, alen);
    rc = engine_write_ref(eng, r, sj, s, sb_str(msg), msg->len,
                          s != ST_ERROR ? sb_str(ev) : NULL,
                          s != ST_ERROR ? ev->len : 0, e);
    verdict_release(&v);
    return rc;
}

int engine_resource(struct engine *eng, const char *target,
                    const struct resource *r, struct err *e)
{
    struct store_resource sr;
    struct strbuf uid = STRBUF_INIT;
    struct engine_subject sj;
    struct engine_kind *k;
    char *doc;
    int64_t ref;
    size_t i;
    int rc = 0, n = 1;

    /* The same object twice (overlays, copies) keeps both, apart. */
    sb_adds(&uid, r->uid);
    while (json_object_get(eng->uids, sb_str(&uid))) {
        sb_setlen(&uid, 0);
        sb_addf(&uid, "%s#%d", r->uid, ++n);
    }
    sj.uid = sb_str(&uid);
    sj.uid_len = uid.len;
    sj.kind = strcmp(r->kind, "fourc/InputError") == 0 ? ENGINE_INPUT_ERROR
              : strcmp(r->kind, "fourc/Target") == 0   ? ENGINE_TARGET
                                                       : ENGINE_PLAIN;
    sb_setlen(&eng->doc, 0);
    jsonw_value_spans(&eng->doc, r->doc, &eng->spans);
    doc = eng->doc.buf;
    sr.uid = sb_str(&uid);
    sr.kind = r->kind;
    sr.name = r->name;
    sr.namespace = r->namespace;
    sr.source = r->source;
    sr.target = target;
    sr.doc_json = doc;
    sr.doc_len = eng->doc.len;
    rc = store_add_resource(eng->st, eng->scan_id, &sr, &ref, e);
    if (rc == 0) {
        /* uids come from file names, which need not be UTF-8. */
        json_object_set_new_nocheck(eng->uids, sb_str(&uid), json_integer(ref));
        eng->stats.resources++;
        eng->containers_state = 0;
        eng->pod = jpath_pod_spec(r->doc, r->kind, &eng->pod_path);
        k = engine_rules_for(eng, r->kind);
        k->stored++;
        json_object_set_new_nocheck(eng->uid_kind, sb_str(&uid),
                                    json_integer(k - eng->kinds));
        sj.ref = ref;
        for (i = 0; i < k->n && rc == 0; i++)
            rc = engine_rule(eng, k->rules[i], r, &sj, e);
    }
    sb_release(&uid);
    return rc;
}

int engine_input_error(struct engine *eng, const char *target,
                       const char *pillar, const char *source, const char *msg,
                       struct err *e)
{
    json_t *doc =
        json_pack("{s:o, s:o, s:s}", "error", json_string_lossy(msg), "source",
                  json_string_lossy(source), "pillar", pillar);
    struct strbuf uid = STRBUF_INIT;
    struct resource r;
    int rc;

    sb_addf(&uid, "input:%s", source);
    r.kind = "fourc/InputError";
    r.uid = sb_str(&uid);
    r.name = source;
    r.namespace = NULL;
    r.source = source;
    r.doc = doc;
    rc = engine_resource(eng, target, &r, e);
    json_decref(doc);
    sb_release(&uid);
    return rc;
}

int engine_target_failed(struct engine *eng, const char *target_uid,
                         const char *kind_prefix, const char *msg,
                         struct err *e)
{
    struct strbuf m = STRBUF_INIT;
    size_t i, j;
    int rc = 0;

    sb_addf(&m, "not evaluated: %s", msg);
    for (i = 0; i < eng->rs->n && rc == 0; i++) {
        const struct rule *r = eng->rs->rules[i];
        for (j = 0; j < r->nkinds; j++) {
            if (strncmp(r->kinds[j], kind_prefix, strlen(kind_prefix)) == 0) {
                rc = engine_write(eng, r, target_uid, ST_ERROR, sb_str(&m),
                                  NULL, e);
                break;
            }
        }
    }
    sb_release(&m);
    return rc;
}
