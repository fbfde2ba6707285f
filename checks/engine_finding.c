/*
 * engine_finding.c: from verdicts to findings: messages, evidence,
 * fingerprints, and the walk of a resource through its rules.
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
        /* the author's words for what could not be judged, then why */
        if (v->custom)
            sb_addf(sb, "not evaluated: %s (%s)", v->custom, sb_str(&v->error));
        else
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
 * A rule's select: whether res is its subject at all. Returns 0 when it
 * is (evaluate on); 1 when it is not, with no finding, or when select
 * could not be evaluated, with an error finding (*rc set): a resource the
 * rule cannot tell is its own is never silently left out.
 */
static int engine_rule_select(struct engine *eng, const struct rule *r,
                              const struct resource *res,
                              const struct engine_subject *sj, int *rc,
                              struct err *e)
{
    struct jp_scope sc = {res->doc, res->kind,     res->doc, "", NULL, NULL, 1,
                          eng->pod, eng->pod_path, &eng->jp};
    struct strbuf *msg = &eng->msg;
    struct verdict v;
    const char *act;
    size_t alen;
    enum status s;

    verdict_init(&v);
    s = engine_eval(eng, r->select, &sc, &v);
    if (s != ST_PASS && s != ST_FAIL) {
        act = engine_actual_json(eng, &v, &alen);
        engine_message(msg, &v, act, alen);
        *rc = engine_write_ref(eng, r, sj, ST_ERROR, sb_str(msg), msg->len,
                               NULL, 0, e);
    }
    verdict_release(&v);
    return s != ST_PASS;
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
    if (r->select && engine_rule_select(eng, r, res, sj, rc, e))
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
    struct jp_scope sc = {res->doc, res->kind,     res->doc, "", NULL, NULL, 1,
                          eng->pod, eng->pod_path, &eng->jp};
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
        if (eng->ncviews)
            engine_cviews_add(eng, sb_str(&uid), r);
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

int engine_has_input_rule(const struct ruleset *rs, const char *pillar)
{
    size_t i, j;

    for (i = 0; i < rs->n; i++) {
        const struct rule *r = rs->rules[i];
        if (strcmp(r->pillar, pillar) != 0 || !r->automated)
            continue;
        for (j = 0; j < r->nkinds; j++)
            if (strcmp(r->kinds[j], "fourc/InputError") == 0)
                return 1;
    }
    return 0;
}

/* kind_prefix is a prefix of the kinds (exact 0), or one kind (1). */
static int engine_failed(struct engine *eng, const char *target_uid,
                         const char *kinds, int exact, const char *msg,
                         struct err *e)
{
    struct strbuf m = STRBUF_INIT;
    size_t i, j, n = strlen(kinds);
    int rc = 0;

    sb_addf(&m, "not evaluated: %s", msg);
    for (i = 0; i < eng->rs->n && rc == 0; i++) {
        const struct rule *r = eng->rs->rules[i];
        for (j = 0; j < r->nkinds; j++) {
            if (exact ? strcmp(r->kinds[j], kinds) == 0
                      : strncmp(r->kinds[j], kinds, n) == 0) {
                rc = engine_write(eng, r, target_uid, ST_ERROR, sb_str(&m),
                                  NULL, e);
                break;
            }
        }
    }
    sb_release(&m);
    if (rc == 0 && engine_ref(eng, target_uid))
        rc = store_resource_failed(eng->st, engine_ref(eng, target_uid), kinds,
                                   exact, msg, e);
    return rc;
}

int engine_target_failed(struct engine *eng, const char *target_uid,
                         const char *kind_prefix, const char *msg,
                         struct err *e)
{
    return engine_failed(eng, target_uid, kind_prefix, 0, msg, e);
}

int engine_kind_failed(struct engine *eng, const char *target_uid,
                       const char *kind, const char *msg, struct err *e)
{
    return engine_failed(eng, target_uid, kind, 1, msg, e);
}
