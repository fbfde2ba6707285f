/*
 * engine.c: rule evaluation and findings; see engine.h.
 *
 * A check yields pass, fail or error together with the evidence of the
 * leaf that decided it: the concrete path, the value seen there and what
 * was expected. Nothing that was not evaluated ever becomes a pass: a
 * missing pod spec, a failing SQL rule or unreadable input is an error.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonw.h"
#include "util.h"
#include "banned.h"

const char *const status_names[] = {"pass",   "fail", "error",
                                    "manual", "skip", "waived"};

#define ENGINE_MAX_ACTUAL 512 /* bytes of an actual value kept in evidence */

struct engine_kind {
    char *kind;
    const struct rule **rules;
    size_t n;
};

struct engine {
    struct store *st;
    int64_t scan_id;
    const struct ruleset *rs;
    struct engine_kind *kinds;
    size_t nkinds;
    json_t *uids; /* set of uids stored in this scan */
    struct engine_stats stats;
    struct strbuf doc, evidence, msg, fp; /* reused for every resource */
};

struct verdict {
    enum status status;
    struct strbuf path;
    json_t *actual; /* new reference; NULL when absent */
    int found;
    const char *expected;
    char *expected_own; /* for composed expectations */
    const char *custom; /* a rule author's message, borrowed */
    char *container;    /* name of the container that decided */
    struct strbuf error;
};

static void verdict_release(struct verdict *v)
{
    sb_release(&v->path);
    json_decref(v->actual);
    free(v->expected_own);
    free(v->container);
    sb_release(&v->error);
    memset(v, 0, sizeof(*v));
}

static void verdict_move(struct verdict *dst, struct verdict *src)
{
    verdict_release(dst);
    *dst = *src;
    memset(src, 0, sizeof(*src));
}

struct engine *engine_new(struct store *st, int64_t scan_id,
                          const struct ruleset *rs)
{
    struct engine *eng = xcalloc(1, sizeof(*eng));

    eng->st = st;
    eng->scan_id = scan_id;
    eng->rs = rs;
    eng->uids = json_object();
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
    json_decref(eng->uids);
    sb_release(&eng->doc);
    sb_release(&eng->evidence);
    sb_release(&eng->msg);
    sb_release(&eng->fp);
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
static const struct engine_kind *engine_rules_for(struct engine *eng,
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

static int engine_op(const struct check *c, const json_t *v)
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
               regexec(&c->re, json_string_value(v), 0, NULL, 0) == 0;
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

static enum status engine_eval(const struct check *c, struct jp_scope *sc,
                               struct verdict *out);

static void engine_set_leaf(struct verdict *out, enum status s,
                            const char *path, const json_t *v,
                            const char *expected)
{
    verdict_release(out);
    out->status = s;
    sb_adds(&out->path, path);
    out->found = v != NULL;
    out->actual = v ? json_incref((json_t *)v) : NULL;
    out->expected = expected;
}

static enum status engine_error(struct verdict *out, const char *msg)
{
    verdict_release(out);
    out->status = ST_ERROR;
    sb_adds(&out->error, msg);
    return ST_ERROR;
}

static enum status engine_assert(const struct check *c, struct jp_scope *sc,
                                 struct verdict *out)
{
    struct jp_matches ms = {0};
    struct err e;
    size_t i;

    if (jpath_resolve(c->path, sc, &ms, &e)) {
        jp_matches_release(&ms);
        return engine_error(out, e.msg);
    }
    if (ms.n == 0) {
        /* A wildcard that matched nothing: judge "absent". */
        engine_set_leaf(out, engine_op(c, NULL) ? ST_PASS : ST_FAIL,
                        c->path->text, NULL, c->expected);
    } else {
        engine_set_leaf(out, ST_PASS, ms.m[0].path, ms.m[0].v, c->expected);
        for (i = 0; i < ms.n; i++) {
            if (!engine_op(c, ms.m[i].v)) {
                engine_set_leaf(out, ST_FAIL, ms.m[i].path, ms.m[i].v,
                                c->expected);
                break;
            }
        }
    }
    jp_matches_release(&ms);
    return out->status;
}

static enum status engine_each(const struct check *c, struct jp_scope *sc,
                               struct verdict *out)
{
    struct jp_matches ms = {0}, elems = {0};
    struct jp_scope inner = *sc;
    struct verdict v = {0};
    struct err e;
    size_t i, k, checked = 0;
    json_t *x;
    int containers = c->path->anchor == JP_CONTAINERS;

    if (jpath_resolve(c->path, sc, &ms, &e)) {
        jp_matches_release(&ms);
        return engine_error(out, e.msg);
    }
    /* Elements: the matches themselves for $containers and wildcards,
     * else the items of the array the path names. */
    for (i = 0; i < ms.n; i++) {
        if (!ms.m[i].v)
            continue;
        if (containers || c->path->has_wild || !json_is_array(ms.m[i].v)) {
            elems.m = xrealloc(elems.m, (elems.n + 1) * sizeof(*elems.m));
            elems.m[elems.n].v = ms.m[i].v;
            elems.m[elems.n].path = xstrdup(ms.m[i].path);
            elems.n++;
            continue;
        }
        json_array_foreach(ms.m[i].v, k, x)
        {
            struct strbuf p = STRBUF_INIT;
            sb_addf(&p, "%s[%zu]", ms.m[i].path, k);
            elems.m = xrealloc(elems.m, (elems.n + 1) * sizeof(*elems.m));
            elems.m[elems.n].v = x;
            elems.m[elems.n].path = sb_detach(&p);
            elems.n++;
        }
    }
    verdict_release(out);
    out->status = ST_PASS;
    for (i = 0; i < elems.n; i++) {
        enum status s;
        inner.cur = elems.m[i].v;
        inner.cur_path = elems.m[i].path;
        if (containers) {
            inner.container = elems.m[i].v;
            inner.container_path = elems.m[i].path;
        }
        s = engine_eval(c->kids[0], &inner, &v);
        checked++;
        if (s == ST_PASS && i == 0)
            verdict_move(out, &v);
        if (s != ST_PASS) {
            verdict_move(out, &v);
            if (containers && !out->container) {
                json_t *name = json_object_get(elems.m[i].v, "name");
                if (json_is_string(name))
                    out->container = xstrdup(json_string_value(name));
            }
            break;
        }
        verdict_release(&v);
    }
    if (checked == 0) {
        /* Nothing to violate: record where we looked. */
        engine_set_leaf(out, ST_PASS, ms.n ? ms.m[0].path : c->path->text, NULL,
                        "each: no elements");
    }
    verdict_release(&v);
    jp_matches_release(&ms);
    jp_matches_release(&elems);
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

static enum status engine_eval(const struct check *c, struct jp_scope *sc,
                               struct verdict *out)
{
    struct verdict v = {0};
    enum status s = ST_PASS;
    size_t i;
    int errors = 0;

    switch (c->type) {
    case CK_ASSERT:
        s = engine_assert(c, sc, out);
        break;
    case CK_EACH:
        s = engine_each(c, sc, out);
        break;
    case CK_ALL:
        for (i = 0; i < c->nkids; i++) {
            s = engine_eval(c->kids[i], sc, &v);
            if (i == 0 || s != ST_PASS)
                verdict_move(out, &v);
            verdict_release(&v);
            if (s != ST_PASS)
                break;
        }
        break;
    case CK_ANY:
        s = ST_FAIL;
        for (i = 0; i < c->nkids; i++) {
            enum status k = engine_eval(c->kids[i], sc, &v);
            if (k == ST_PASS) {
                verdict_move(out, &v);
                s = ST_PASS;
                break;
            }
            if (k == ST_ERROR && !errors++)
                verdict_move(out, &v);
            else if (i == 0 && !errors)
                verdict_move(out, &v);
            verdict_release(&v);
        }
        if (s != ST_PASS && errors)
            s = ST_ERROR;
        if (s == ST_FAIL) {
            free(out->expected_own);
            out->expected_own = engine_join_expected(c, "any of: ", " | ");
            out->expected = out->expected_own;
        }
        break;
    case CK_NOT:
        s = engine_eval(c->kids[0], sc, out);
        if (s == ST_PASS || s == ST_FAIL) {
            struct strbuf sb = STRBUF_INIT;
            s = s == ST_PASS ? ST_FAIL : ST_PASS;
            sb_addf(&sb, "not (%s)", out->expected ? out->expected : "");
            free(out->expected_own);
            out->expected_own = sb_detach(&sb);
            out->expected = out->expected_own;
        }
        break;
    case CK_SQL:
        return engine_error(out, "a SQL check cannot be nested");
    }
    out->status = s;
    if (s == ST_FAIL && c->message && !out->custom)
        out->custom = c->message;
    verdict_release(&v);
    return s;
}

/* ---- findings ---- */

static void engine_fingerprint(struct engine *eng, const char *rule_id,
                               const char *uid, unsigned char out[32])
{
    struct strbuf *sb = &eng->fp;

    sb_setlen(sb, 0);
    sb_adds(sb, "fourc-finding-v1\n");
    sb_adds(sb, rule_id);
    sb_add(sb, "\n", 1);
    sb_adds(sb, uid);
    sha256_raw(sb->buf, sb->len, out);
}

/* The row id of a resource of this scan, or 0. */
static int64_t engine_ref(const struct engine *eng, const char *uid)
{
    return json_integer_value(json_object_get(eng->uids, uid));
}

static int engine_write(struct engine *eng, const struct rule *r,
                        const char *uid, enum status s, const char *message,
                        const char *evidence, struct err *e)
{
    struct store_finding f;
    unsigned char fp[32];
    int rc;

    engine_fingerprint(eng, r->id, uid, fp);
    f.rule_ref = r->ref;
    f.resource_ref = engine_ref(eng, uid);
    f.status = status_names[s];
    f.message = message;
    f.evidence_json = evidence;
    f.fingerprint = fp;
    rc = store_add_finding(eng->st, eng->scan_id, &f, e);
    if (rc == 0) {
        eng->stats.findings++;
        eng->stats.by_status[s]++;
    }
    return rc;
}

/*
 * The line of the innermost element on the evidence path that records one
 * ("instructions[3]" of a Dockerfile has "line"), so that a finding about
 * one instruction points at it; 0 when there is none.
 */
static long engine_evidence_line(json_t *doc, const char *path)
{
    struct err e;
    struct jpath *p = path && *path ? jpath_parse(path, &e) : NULL;
    json_t *v = doc, *l;
    long line = 0;
    size_t i;

    if (!p || p->anchor != JP_NONE) {
        jpath_free(p);
        return 0;
    }
    for (i = 0; i < p->nsegs && v; i++) {
        if (p->segs[i].type == JP_KEY)
            v = json_object_get(v, p->segs[i].key);
        else if (p->segs[i].type == JP_INDEX)
            v = json_array_get(v, (size_t)p->segs[i].index);
        else
            break;
        l = json_object_get(v, "line");
        if (json_is_integer(l) && p->segs[i].type == JP_INDEX)
            line = (long)json_integer_value(l);
    }
    jpath_free(p);
    return line;
}

/* The value as evidence: small values verbatim, big ones summarised. */
static void engine_actual(struct strbuf *sb, const json_t *v)
{
    size_t mark = sb->len, len;
    char sum[128];

    jsonw_value(sb, v);
    len = sb->len - mark;
    if (len <= ENGINE_MAX_ACTUAL || !(json_is_object(v) || json_is_array(v)))
        return;
    sb_setlen(sb, mark);
    snprintf(sum, sizeof(sum), "<%s of %zu %s, %zu bytes>",
             json_is_object(v) ? "object" : "array",
             json_is_object(v) ? json_object_size(v) : json_array_size(v),
             json_is_object(v) ? "keys" : "items", len);
    jsonw_string(sb, sum, strlen(sum));
}

static void engine_message(struct strbuf *sb, const struct verdict *v)
{
    size_t mark;

    if (v->status == ST_ERROR) {
        sb_addf(sb, "not evaluated: %s", sb_str(&v->error));
        return;
    }
    if (v->container)
        sb_addf(sb, "container \"%s\": ", v->container);
    if (v->custom && v->status == ST_FAIL) {
        sb_adds(sb, v->custom);
        sb_addf(sb, " (%s", sb_str(&v->path));
    } else {
        sb_adds(sb, sb_str(&v->path));
    }
    if (v->found) {
        sb_adds(sb, " is ");
        mark = sb->len;
        jsonw_value(sb, v->actual);
        if (sb->len - mark > 120) {
            sb_setlen(sb, utf8_cut(sb->buf, mark + 117));
            sb_adds(sb, "...");
        }
    } else {
        sb_adds(sb, " is absent");
    }
    sb_addf(sb, ", expected %s", v->expected ? v->expected : "?");
    if (v->custom && v->status == ST_FAIL)
        sb_adds(sb, ")");
}

static int engine_rule(struct engine *eng, const struct rule *r,
                       const struct resource *res, const char *uid,
                       struct err *e)
{
    struct jp_scope sc = {res->doc, res->kind, res->doc, "", NULL, NULL};
    struct verdict v = {0};
    struct strbuf *msg = &eng->msg, *ev = &eng->evidence;
    enum status s;
    int rc;

    sb_setlen(msg, 0);
    if (strcmp(res->kind, "fourc/InputError") == 0) {
        const char *what =
            json_string_value(json_object_get(res->doc, "error"));
        const char *pillar =
            json_string_value(json_object_get(res->doc, "pillar"));
        /* Each pillar has its input rule; an unreadable Dockerfile is not
         * a cluster finding. */
        if (pillar && strcmp(pillar, r->pillar) != 0)
            return 0;
        sb_addf(msg, "not evaluated: %s", what ? what : "input error");
        return engine_write(eng, r, uid, ST_ERROR, sb_str(msg), NULL, e);
    }
    if (strcmp(res->kind, "fourc/Target") == 0) {
        /* A target carries the controls of its own pillar only: a
         * Dockerfile scan lists no Kubernetes manual controls. */
        const char *pillar =
            json_string_value(json_object_get(res->doc, "pillar"));
        if (pillar && strcmp(pillar, r->pillar) != 0)
            return 0;
    }
    if (!r->automated) {
        sb_addf(msg, "manual review required: %s", r->title);
        return engine_write(eng, r, uid, ST_MANUAL, sb_str(msg), NULL, e);
    }
    if (r->when) {
        s = engine_eval(r->when, &sc, &v);
        if (s != ST_PASS) {
            if (s == ST_FAIL) {
                s = ST_SKIP;
                sb_addf(msg, "not applicable: %s is ", sb_str(&v.path));
                if (v.found) {
                    size_t mark = msg->len;
                    jsonw_value(msg, v.actual);
                    if (msg->len - mark > 80)
                        sb_setlen(msg, utf8_cut(msg->buf, mark + 80));
                } else {
                    sb_adds(msg, "absent");
                }
                sb_addf(msg, " (rule applies when %s)",
                        v.expected ? v.expected : "?");
            } else {
                engine_message(msg, &v);
            }
            rc = engine_write(eng, r, uid, s, sb_str(msg), NULL, e);
            verdict_release(&v);
            return rc;
        }
        verdict_release(&v);
    }
    s = engine_eval(r->check, &sc, &v);
    engine_message(msg, &v);
    sb_setlen(ev, 0);
    if (s != ST_ERROR) {
        sb_adds(ev, "{\"path\":");
        jsonw_string(ev, sb_str(&v.path), v.path.len);
        sb_adds(ev, ",\"actual\":");
        if (v.found)
            engine_actual(ev, v.actual);
        else
            sb_adds(ev, "null");
        sb_adds(ev, v.found ? ",\"found\":true,\"expected\":"
                            : ",\"found\":false,\"expected\":");
        jsonw_string(ev, v.expected ? v.expected : "",
                     v.expected ? strlen(v.expected) : 0);
        if (s == ST_FAIL && strchr(sb_str(&v.path), '[')) {
            long line = engine_evidence_line(res->doc, sb_str(&v.path));
            if (line > 0)
                sb_addf(ev, ",\"line\":%ld", line);
        }
        sb_adds(ev, "}");
    }
    rc = engine_write(eng, r, uid, s, sb_str(msg),
                      s != ST_ERROR ? sb_str(ev) : NULL, e);
    verdict_release(&v);
    return rc;
}

int engine_resource(struct engine *eng, const char *target,
                    const struct resource *r, struct err *e)
{
    struct store_resource sr;
    struct strbuf uid = STRBUF_INIT;
    const struct engine_kind *k;
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
    sb_setlen(&eng->doc, 0);
    jsonw_value(&eng->doc, r->doc);
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
        k = engine_rules_for(eng, r->kind);
        for (i = 0; i < k->n && rc == 0; i++)
            rc = engine_rule(eng, k->rules[i], r, sb_str(&uid), e);
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

/* ---- SQL rules ---- */

/* SQL rules may read the scan's resources through scan_resources, nothing
 * else, and may not write anything. */
static int engine_authorize(void *ctx, int action, const char *a, const char *b,
                            const char *db, const char *view)
{
    (void)ctx;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_READ:
        if (a && strcmp(a, "scan_resources") == 0 && db &&
            strcmp(db, "temp") == 0)
            return SQLITE_OK;
        /* SQLite's JSON table functions, which rules use on documents;
         * declaring their columns reads the schema's row ids. */
        if (a && (strcmp(a, "json_each") == 0 || strcmp(a, "json_tree") == 0))
            return SQLITE_OK;
        if (a && strcmp(a, "sqlite_master") == 0 && b &&
            strcmp(b, "ROWID") == 0)
            return SQLITE_OK;
        if (a && strcmp(a, "resources") == 0 && view &&
            strcmp(view, "scan_resources") == 0)
            return SQLITE_OK;
        /* Columns of subquery/CTE results have no table. */
        return a ? SQLITE_DENY : SQLITE_OK;
    case SQLITE_UPDATE:
        /* Declaring a JSON table function's columns checks this while the
         * statement is prepared; the statement must still be read-only
         * (tested after prepare), so nothing is ever written. */
        if (a && strcmp(a, "sqlite_master") == 0)
            return SQLITE_OK;
        return SQLITE_DENY;
    default:
        return SQLITE_DENY;
    }
}

/* A rule's query may run ENGINE_SQL_SECONDS at most: a runaway recursive
 * query becomes an error finding instead of a scan that never ends. */
#define ENGINE_SQL_SECONDS 120

static int engine_sql_deadline(void *ctx)
{
    return time(NULL) > *(const time_t *)ctx;
}

static int engine_sql_errors(struct engine *eng, const struct rule *r,
                             json_t *covered, const char *why, struct err *e)
{
    sqlite3 *db = store_db(eng->st);
    sqlite3_stmt *stmt = NULL;
    struct strbuf msg = STRBUF_INIT;
    size_t j;
    int rc = 0;

    if (sqlite3_prepare_v2(db,
                           "SELECT uid FROM resources WHERE scan_id = ? AND "
                           "kind = ? ORDER BY uid",
                           -1, &stmt, NULL) != SQLITE_OK)
        return err_set(e, "%s", sqlite3_errmsg(db));
    for (j = 0; j < r->nkinds && rc == 0; j++) {
        sqlite3_bind_int64(stmt, 1, eng->scan_id);
        sqlite3_bind_text(stmt, 2, r->kinds[j], -1, SQLITE_STATIC);
        while (rc == 0 && sqlite3_step(stmt) == SQLITE_ROW) {
            const char *uid = (const char *)sqlite3_column_text(stmt, 0);
            if (covered && json_object_get(covered, uid))
                continue;
            sb_setlen(&msg, 0);
            sb_addf(&msg, "not evaluated: %s", why);
            rc = engine_write(eng, r, uid, ST_ERROR, sb_str(&msg), NULL, e);
        }
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    sb_release(&msg);
    return rc;
}

static int engine_status_of(const char *s)
{
    int i;
    for (i = 0; i < 5; i++)
        if (s && strcmp(s, status_names[i]) == 0)
            return i;
    return -1;
}

static int engine_sql_rule(struct engine *eng, const struct rule *r,
                           struct err *e)
{
    sqlite3 *db = store_db(eng->st);
    sqlite3_stmt *stmt = NULL;
    json_t *covered = json_object();
    struct strbuf why = STRBUF_INIT;
    time_t deadline;
    int rc = 0, step;

    sqlite3_set_authorizer(db, engine_authorize, NULL);
    step = sqlite3_prepare_v2(db, r->check->sql, -1, &stmt, NULL);
    sqlite3_set_authorizer(db, NULL, NULL);
    if (step == SQLITE_OK && stmt && !sqlite3_stmt_readonly(stmt)) {
        sb_addf(&why, "rule %s: SQL must only read", r->id);
        rc = engine_sql_errors(eng, r, NULL, sb_str(&why), e);
        goto out;
    }
    if (step != SQLITE_OK) {
        sb_addf(&why, "rule %s: SQL does not run here: %s", r->id,
                sqlite3_errmsg(db));
        rc = engine_sql_errors(eng, r, NULL, sb_str(&why), e);
        goto out;
    }
    deadline = time(NULL) + ENGINE_SQL_SECONDS;
    sqlite3_progress_handler(db, 100000, engine_sql_deadline, &deadline);
    while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *uid = (const char *)sqlite3_column_text(stmt, 0);
        const char *status = (const char *)sqlite3_column_text(stmt, 1);
        const char *msg = (const char *)sqlite3_column_text(stmt, 2);
        int s = engine_status_of(status);
        struct strbuf m = STRBUF_INIT;

        if (!uid)
            continue;
        if (!engine_ref(eng, uid))
            continue; /* not a resource of this scan: nothing to attach to */
        if (json_object_get(covered, uid))
            continue; /* one finding per (rule, resource): first row wins */
        json_object_set_new(covered, uid, json_true());
        if (s < 0) {
            sb_addf(&m, "not evaluated: rule %s returned status \"%s\"", r->id,
                    status ? status : "NULL");
            s = ST_ERROR;
        } else {
            sb_adds(&m, msg ? msg : "");
        }
        rc = engine_write(eng, r, uid, (enum status)s, sb_str(&m), NULL, e);
        sb_release(&m);
    }
    sqlite3_progress_handler(db, 0, NULL, NULL);
    if (rc == 0 && step != SQLITE_DONE) {
        if (step == SQLITE_INTERRUPT)
            sb_addf(&why, "rule %s: SQL ran longer than %d s and was stopped",
                    r->id, ENGINE_SQL_SECONDS);
        else
            sb_addf(&why, "rule %s: SQL failed: %s", r->id, sqlite3_errmsg(db));
        rc = engine_sql_errors(eng, r, covered, sb_str(&why), e);
    } else if (rc == 0) {
        sb_addf(&why, "rule %s returned no verdict for this resource", r->id);
        rc = engine_sql_errors(eng, r, covered, sb_str(&why), e);
    }
out:
    sqlite3_finalize(stmt);
    json_decref(covered);
    sb_release(&why);
    return rc;
}

int engine_finish(struct engine *eng, struct err *e)
{
    struct strbuf sql = STRBUF_INIT;
    size_t i;
    int rc = 0;

    sb_addf(&sql,
            "DROP VIEW IF EXISTS temp.scan_resources;"
            "CREATE TEMP VIEW scan_resources AS SELECT uid, kind, name, "
            "namespace, source, doc FROM main.resources WHERE scan_id = %lld",
            (long long)eng->scan_id);
    if (store_exec(eng->st, sb_str(&sql), e)) {
        sb_release(&sql);
        return -1;
    }
    sb_release(&sql);
    for (i = 0; i < eng->rs->n && rc == 0; i++) {
        const struct rule *r = eng->rs->rules[i];
        if (r->automated && r->check && r->check->type == CK_SQL)
            rc = engine_sql_rule(eng, r, e);
    }
    store_exec(eng->st, "DROP VIEW IF EXISTS temp.scan_resources", NULL);
    return rc;
}
