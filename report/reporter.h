/*
 * reporter.h: a reporter renders one stored scan into a file format.
 *
 * There are 3 things to do to add a reporter:
 *
 *  1. Write report/<name>.c exporting exactly one
 *     `const struct reporter reporter_<name>`; everything else static.
 *     Its struct declares its format name, file extension and summary:
 *     every list of formats (--help of fourc, scan and report, the
 *     "unknown format" errors) is built from the registry.
 *  2. Add it to the table in report/registry.c (one line, plus
 *     Makefile.am for its source).
 *  3. Add a golden-file test under tests/ and, where the format has a
 *     schema or a reference parser, validate real output with it; name
 *     it in docs/fourc.1 (tests/e2e/registry_docs.sh fails until then).
 *
 * Reporters read the database only, through the report model below
 * (report/model.c, the one place in report/ that writes SQL), so any past
 * scan can be rendered again. They never print to the terminal
 * themselves: they write to the FILE they are given.
 */
#ifndef FOURC_REPORTER_H
#define FOURC_REPORTER_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "err.h"
#include "store.h"

struct report_ctx {
    struct store *st;
    int64_t scan_id;
};

struct reporter {
    const char *name;    /* the --format name: "json" */
    const char *ext;     /* the usual file extension: ".json" */
    const char *summary; /* one line for --help */
    int (*render)(const struct report_ctx *rc, FILE *out, struct err *e);
    /* Bidirectional controls leave as \uXXXX escapes (the format is
     * JSON) rather than as the visible text [U+XXXX]; see report_write. */
    int bidi_json;
};

const struct reporter *reporter_find(const char *name);
/* The i-th reporter of the registry, NULL past the last one. */
const struct reporter *reporter_at(size_t i);
/* "json, html, ...": every format name, into buf (cap bytes; cut short
 * if it does not fit). Returns buf. */
const char *reporter_names(char *buf, size_t cap);

/*
 * Renders with r into path ("-" is stdout). A regular file (or a new path)
 * is written beside its destination and renamed into place, so a failed
 * render never leaves half a report where a good one was; a symlink to a
 * regular file stays a symlink and its target is replaced that way. A
 * device, a FIFO or a symlink to one (or to nothing yet) is written
 * through, as a shell redirection would. Whatever the format, the
 * bidirectional controls U+202A-U+202E, U+2066-U+2069, U+200E, U+200F and
 * U+061C never leave raw: see bidi_json.
 */
int report_write(const struct reporter *r, const struct report_ctx *rc,
                 const char *path, struct err *e);

/* ---- the scan as data, shared by reporters (report/model.c) ---- */

/* {"id","started","finished","status","targets","rules_digest",
 *  "tool_version"}; new reference. */
json_t *report_scan(const struct report_ctx *rc, struct err *e);
/* The "summary" object of fourc.report/v1; new reference. */
json_t *report_summary(const struct report_ctx *rc, struct err *e);
/* Calls fn with each finding as a fourc.report/v1 finding object
 * (borrowed: valid during the call), ordered by rule, status, resource. */
int report_foreach_finding(const struct report_ctx *rc,
                           int (*fn)(const json_t *finding, void *ctx),
                           void *ctx, struct err *e);

/*
 * The last max complete scans of the same targets as rc's scan, oldest
 * first, ending with it: [{"id","finished","pass","fail",...}]. New
 * reference. The HTML report's trend and `fourc diff` use it.
 */
json_t *report_trend(const struct report_ctx *rc, int max, struct err *e);

/*
 * Rows of the scan for reporters that tabulate. Texts are borrowed (valid
 * during the call) and may be NULL; a callback returning non-zero stops
 * the walk, which returns that value.
 */

/* One rule version's findings with one status (a row of the scan's
 * counts); any order. */
struct report_count {
    const char *rule_id, *hash, *severity, *title, *status;
    json_int_t n;
};
int report_foreach_count(const struct report_ctx *rc,
                         int (*fn)(const struct report_count *c, void *ctx),
                         void *ctx, struct err *e);

/* The rules with the most fail and error findings, worst severity first,
 * then most fails, then rule id; at most max. */
struct report_top_rule {
    const char *rule_id, *severity, *title;
    json_int_t fails, errors;
};
int report_foreach_top_rule(const struct report_ctx *rc, int max,
                            int (*fn)(const struct report_top_rule *t,
                                      void *ctx),
                            void *ctx, struct err *e);

/* The fail and error findings, worst severity first, then error before
 * fail, rule id, resource kind, namespace, name; at most max. */
struct report_row {
    const char *severity, *status, *rule_id, *title;
    const char *kind, *namespace, *name, *source, *message;
};
int report_foreach_worst(const struct report_ctx *rc, int max,
                         int (*fn)(const struct report_row *r, void *ctx),
                         void *ctx, struct err *e);

/* The rule versions with a fail, error or waived finding on a located
 * resource (source "path:line", not a fourc/ kind), by rule id; doc is the
 * rule's document (NULL if unreadable). */
struct report_rule {
    const char *rule_id, *hash, *severity, *pillar, *title;
    const json_t *doc;
};
int report_foreach_located_rule(const struct report_ctx *rc,
                                int (*fn)(const struct report_rule *r,
                                          void *ctx),
                                void *ctx, struct err *e);

#endif
