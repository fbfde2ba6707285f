/*
 * engine_int.h: the engine's state, shared by engine.c (checks),
 * engine_finding.c (findings) and engine_sql.c (SQL rules). Not for other
 * modules.
 */
#ifndef FOURC_ENGINE_INT_H
#define FOURC_ENGINE_INT_H

#include <jansson.h>
#include <stdint.h>

#include "engine.h"
#include "jsonpath.h"
#include "jsonw.h"
#include "util.h"

#define ENGINE_MAX_ACTUAL 512 /* bytes of an actual value kept in evidence */

struct engine_kind {
    char *kind;
    const struct rule **rules;
    size_t n;
    size_t stored; /* resources of this kind stored in the scan */
};

/* Evidence paths parsed again to find a line (engine_evidence_line),
 * kept by text: a scan fails the same few paths over and over. */
#define ENGINE_LINE_CACHE 256
/* Answers of "matches" kept (engine_matches). */
#define ENGINE_RE_CACHE 8192

struct engine_re {
    const struct check *check;
    char *s;
    size_t len;
    int match;
};

/* A composed expectation ("not (X)", "any of: ..."), made once for its
 * check and the expectation X it composes and kept for the scan, so that
 * verdicts borrow it: X is a rule's text, a literal or another of these,
 * never freed before the engine, so its address names it. */
struct engine_expect {
    const struct check *check; /* NULL: a free slot */
    const char *of;
    char *text;
};

/* A pack's view of columns (struct rule_view), filled as resources are
 * judged: ins is its INSERT, NULL when the table could not be made. */
struct engine_cview {
    const struct rule_view *v;
    sqlite3_stmt *ins;
};

struct engine {
    struct store *st;
    int64_t scan_id;
    const struct ruleset *rs;
    struct engine_kind *kinds;
    size_t nkinds;
    json_t *uids;     /* set of uids stored in this scan */
    json_t *uid_kind; /* uid -> index of its kind in kinds */
    struct engine_stats stats;
    struct strbuf doc, evidence, msg, fp, act; /* reused throughout */
    /* Path resolution's buffers and engine_each's element path, reused:
     * the engine's own, so that engines may run at the same time. */
    struct jp_scratch jp;
    struct strbuf item;
    /* Where the values of the resource being judged are in doc, its text:
     * the actual values of findings are cut from there. */
    struct jsonw_spans spans;
    /* Match lists for path resolution, one per level of a check being
     * evaluated, kept with their memory between evaluations. */
    struct jp_matches **ms;
    size_t nms, ms_cap;
    struct jpath *lines[ENGINE_LINE_CACHE];
    struct engine_re re[ENGINE_RE_CACHE];
    /* "$containers" of the resource being judged, resolved by its first
     * rule for all of them: state 0 not yet, 1 done, -1 failed (why in
     * containers_err). */
    struct jp_matches containers;
    int containers_state;
    struct err containers_err;
    /* The pod spec of the resource being judged (NULL: none), and where. */
    json_t *pod;
    const char *pod_path;
    /* Open addressing, at most half full; as many entries as the rules
     * have (not or any check, expectation) pairs. */
    struct engine_expect *expects;
    size_t nexpects, expects_cap;
    /* The views of columns, when some SQL rule may read them; those that
     * could not be made, named in cview_failed ("a (why), b (why)"). */
    struct engine_cview *cviews;
    size_t ncviews;
    struct strbuf cview_failed, cview_val;
};

/* Makes the tables of the ruleset's views of columns (engine_sql.c). */
void engine_cviews_open(struct engine *eng);
/* Adds the resource just stored as uid to the views of columns of its kind. */
void engine_cviews_add(struct engine *eng, const char *uid,
                       const struct resource *r);
/* Finalises their statements (the tables stay until engine_finish). */
void engine_cviews_close(struct engine *eng);

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
    const char *expected; /* borrowed: the rule's or the engine's */
    const char *custom;   /* a rule author's message, borrowed */
    char *container;      /* name of the container that decided */
    struct strbuf error;
};

static inline const char *verdict_path(const struct verdict *v)
{
    return v->path_heap ? v->path_heap : v->path_in;
}

/* The path a, b, c (of those lengths) written straight into the verdict. */

void verdict_init(struct verdict *v);
void verdict_release(struct verdict *v); /* and init again */

/* Evaluates c in scope sc: the status, with its evidence in out. */
enum status engine_eval(struct engine *eng, const struct check *c,
                        struct jp_scope *sc, struct verdict *out);

/* The rules that apply to kind (made on first use). */
struct engine_kind *engine_rules_for(struct engine *eng, const char *kind);

/* The row id of a resource of this scan, or 0. */
int64_t engine_ref(const struct engine *eng, const char *uid);

/* Stores one finding of rule r on the resource uid (fingerprinted). */
int engine_write(struct engine *eng, const struct rule *r, const char *uid,
                 enum status s, const char *message, const char *evidence,
                 struct err *e);

#endif
