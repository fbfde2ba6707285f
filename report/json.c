/*
 * json.c: the fourc.report/v1 JSON report (docs/report.schema.json).
 *
 * Streamed: the header is built as one object, the findings are written
 * one per line as they come from the database, so a scan of a million
 * findings never sits in memory as one tree.
 */
#include "reporter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

struct json_out {
    FILE *out;
    size_t n;
    struct err *e;
};

static int json_finding(const json_t *f, void *ctx)
{
    struct json_out *jo = ctx;

    fputs(jo->n++ ? ",\n    " : "\n    ", jo->out);
    if (json_dumpf(f, jo->out, JSON_COMPACT) != 0)
        return err_set(jo->e, "write error: %s", strerror(errno));
    return 0;
}

static int json_render(const struct report_ctx *rc, FILE *out, struct err *e)
{
    json_t *head, *scan, *summary;
    struct json_out jo = {out, 0, e};
    char *text;
    size_t len;

    if (!(scan = report_scan(rc, e)))
        return -1;
    if (!(summary = report_summary(rc, e))) {
        json_decref(scan);
        return -1;
    }
    head = json_pack("{s:s, s:{s:s, s:s}, s:o, s:o, s:[]}", "schema",
                     "fourc.report/v1", "tool", "name", "fourc", "version",
                     PACKAGE_VERSION, "scan", scan, "summary", summary,
                     "findings");
    text = head ? json_dumps(head, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(head);
    if (!text)
        return err_set(e, "cannot build the JSON report of scan %lld",
                       (long long)rc->scan_id);
    /* The header ends with "findings": []\n}: open the array there. */
    len = strlen(text);
    while (len && text[len - 1] != '[')
        len--;
    fwrite(text, 1, len, out);
    free(text);
    if (report_foreach_finding(rc, json_finding, &jo, e))
        return -1;
    fputs(jo.n ? "\n  ]\n}\n" : "]\n}\n", out);
    if (ferror(out))
        return err_set(e, "write error: %s", strerror(errno));
    return 0;
}

const struct reporter reporter_json = {
    .name = "json",
    .ext = ".json",
    .summary = "fourc.report/v1 JSON (docs/report.schema.json)",
    .render = json_render,
    .bidi_json = 1,
};
