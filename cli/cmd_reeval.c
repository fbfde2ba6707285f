/*
 * cmd_reeval.c: `fourc scan --reevaluate ID`: the stored resources of an
 * earlier scan, judged again by today's rules through the engine, as
 * collection would have handed them over; the targets are not touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "collector.h"
#include "engine.h"
#include "log.h"
#include "util.h"
#include "banned.h"

struct reeval {
    struct engine *eng;
    struct store *st;
    int64_t of;
    size_t targets;
};

/* The parts of the target (or scope) r whose collection failed in the
 * scan, said again to today's rules (engine_target_failed or
 * engine_kind_failed, as the collector's failure was). */
static int reeval_failed(struct reeval *rv, const struct store_resource *r,
                         json_t *doc, const char *failed, struct err *e)
{
    const char *type = json_string_value(json_object_get(doc, "type"));
    const struct collector *col = type ? collector_find(type) : NULL;
    json_t *parts = json_loads(failed, 0, NULL), *p;
    size_t i;
    int rc = 0;

    if (!json_is_array(parts)) {
        json_decref(parts);
        return err_set(e,
                       "%s: scan %lld: the failures recorded on target %s "
                       "cannot be read (was the database edited?)",
                       store_path(rv->st), (long long)rv->of, r->uid);
    }
    json_array_foreach(parts, i, p)
    {
        const char *kinds = json_string_value(json_object_get(p, "kinds"));
        const char *why = json_string_value(json_object_get(p, "why"));
        if (!kinds && col)
            kinds = col->kind_prefix; /* recorded before kinds were */
        if (!kinds || !why) {
            rc = err_set(e,
                         "%s: scan %lld: target %s failed, but this fourc "
                         "cannot tell which rules it kept from judging "
                         "(collector %s)",
                         store_path(rv->st), (long long)rv->of, r->uid,
                         type ? type : "unknown");
            break;
        }
        log_warn("%s: not evaluated in scan %lld: %s", r->name ? r->name : "",
                 (long long)rv->of, why);
        rc = json_is_true(json_object_get(p, "exact"))
                 ? engine_kind_failed(rv->eng, r->uid, kinds, why, e)
                 : engine_target_failed(rv->eng, r->uid, kinds, why, e);
        if (rc)
            break;
    }
    json_decref(parts);
    return rc;
}

static int reeval_one(const struct store_resource *sr, const char *failed,
                      size_t i, size_t n, void *data, struct err *e)
{
    struct reeval *rv = data;
    json_error_t jerr;
    struct resource r;
    json_t *doc;
    int rc;

    if (i == 0)
        progress_start("Re-evaluating", n);
    doc = json_loadb(sr->doc_json, sr->doc_len,
                     JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!doc)
        return err_set(e,
                       "%s: scan %lld: the stored document of %s cannot be "
                       "read: %s",
                       store_path(rv->st), (long long)rv->of, sr->uid,
                       jerr.text);
    r.kind = sr->kind;
    r.uid = sr->uid;
    r.name = sr->name;
    r.namespace = sr->namespace;
    r.source = sr->source;
    r.doc = doc;
    rc = engine_resource(rv->eng, sr->target, &r, e);
    if (rc == 0 && strcmp(sr->kind, "fourc/Target") == 0)
        rv->targets++;
    /* a target's failures, or a scope's within it (an AWS region whose
     * security groups could not be listed) */
    if (rc == 0 && failed)
        rc = reeval_failed(rv, sr, doc, failed, e);
    json_decref(doc);
    progress_update(i + 1, sr->uid);
    return rc;
}

int cmd_reevaluate(struct engine *eng, struct store *st, int64_t of,
                   size_t *ntargets, struct err *e)
{
    struct reeval rv = {eng, st, of, 0};
    int rc = store_resources_foreach(st, of, reeval_one, &rv, e);

    progress_done();
    *ntargets = rv.targets;
    return rc;
}
