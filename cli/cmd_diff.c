/*
 * cmd_diff.c: `fourc diff`: what changed between two stored scans.
 *
 * Findings are paired by fingerprint (rule id + resource uid, never a line
 * number), so moved code stays "unchanged". The pairing is done in SQL,
 * in temporary tables of this connection, so two scans of a million
 * findings each are compared without holding either in memory: each
 * scan's (fingerprint, id, status) goes into a keyed table, one join
 * classifies the pairs into diff_rows in output order, and the renderers
 * stream diff_rows back joined to the stored findings.
 *
 * Categories (a pair is in at most one of the first three, and may also
 * be a status change):
 *   new        failing (fail or error) in --to, absent or not failing in --from
 *   fixed      failing in --from, passing ("now passes") or absent
 *              ("resource gone") in --to
 *   unchanged  failing in both
 *   changed    present in both with different statuses
 *
 * JSON (schema fourc.diff/v1; fields are added, never renamed or removed):
 *
 *   {"schema": "fourc.diff/v1", "tool": {"name", "version"},
 *    "from": {scan header as in fourc.report/v1}, "to": {...},
 *    "summary": {"new", "fixed", "unchanged", "changed", "fixed_now_passes",
 *                "fixed_resource_gone", "only_in_from", "only_in_to",
 *                "from_findings", "to_findings"},
 *    "new": [item], "fixed": [item], "unchanged": [item], "changed": [item]}
 *
 *   item: {"rule", "title", "severity", "pillar", "status", "message",
 *          "from_status", "to_status" (null where absent),
 *          "fixed_by": "now_passes" | "resource_gone" (fixed only),
 *          "resource": {"kind", "uid", "name", "namespace", "source"},
 *          "fingerprint": "sha256:<hex>"}
 *
 * An item shows the finding of --to, except in "fixed", where it shows the
 * failing finding of --from (its message says what was wrong).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "jsonw.h"
#include "log.h"
#include "reporter.h"
#include "util.h"
#include "banned.h"

/* Markdown tables stop here, with "… and K more". */
#define DIFF_MD_ROWS 100

struct diff_ctx {
    struct report_ctx rc; /* first: report_write hands it back to us */
    int64_t from_id, to_id;
    long long count[STORE_DIFF_NCAT];
    long long gone, only_from, only_to, total_from, total_to;
    int color;
};

static const char diff_help[] =
    "Usage: fourc diff [--from ID] [--to ID] [--format F] [-o FILE] "
    "[--fail-on SEVERITY] [--db FILE]\n"
    "\n"
    "Compares two stored scans finding by finding. Findings are matched by\n"
    "fingerprint (rule and resource, not line numbers), so moved code is\n"
    "unchanged.\n"
    "\n"
    "  --from ID            the older scan (default: the newest complete scan\n"
    "                       before --to of the same targets)\n"
    "  --to ID|latest       the newer scan (default latest)\n"
    "  --format F           text (default), json (fourc.diff/v1) or markdown\n"
    "  -o, --output FILE    write there instead of stdout\n"
    "  --fail-on SEVERITY   exit 1 when a new finding at or above SEVERITY\n"
    "                       (critical, high, medium, low, info) fails or "
    "could\n"
    "                       not be evaluated (error)\n"
    "  --db FILE            database (default ./fourc.db)\n"
    "  -h, --help           this help\n"
    "\n"
    "Sections: new (failing now, not before), fixed (failing before; now\n"
    "passes or resource gone), unchanged (failing in both), status changes\n"
    "(any status transition, e.g. pass -> error).\n"
    "\n"
    "Exit status: 0 clean, 1 new findings at or above --fail-on, 2 usage or\n"
    "runtime error.\n";

/* ---- the comparison (core/store_diff.c) ---- */

static int diff_build(struct diff_ctx *dc, struct err *e)
{
    struct store_diff_counts c;

    if (store_diff_build(dc->rc.st, dc->from_id, dc->to_id, &c, e))
        return -1;
    memcpy(dc->count, c.count, sizeof(dc->count));
    dc->gone = c.gone;
    dc->only_from = c.only_from;
    dc->only_to = c.only_to;
    dc->total_from = c.total_from;
    dc->total_to = c.total_to;
    return 0;
}

/* New findings at or above severity rank. */
static int diff_gate(struct diff_ctx *dc, int rank, long long *n, struct err *e)
{
    return store_diff_count_new(dc->rc.st, rank, n, e);
}

typedef int diff_item_fn(const struct diff_ctx *dc,
                         const struct store_diff_item *it, void *arg,
                         struct err *e);

struct diff_walk {
    const struct diff_ctx *dc;
    diff_item_fn *fn;
    void *arg;
};

static int diff_walk_item(const struct store_diff_item *it, void *ctx,
                          struct err *e)
{
    struct diff_walk *w = ctx;

    return w->fn(w->dc, it, w->arg, e);
}

/* Calls fn with the first limit (-1: all) items of cat, in order. */
static int diff_foreach(const struct diff_ctx *dc, int cat, long long limit,
                        diff_item_fn *fn, void *arg, struct err *e)
{
    struct diff_walk w = {dc, fn, arg};

    return store_diff_foreach(dc->rc.st, (enum store_diff_cat)cat, limit,
                              diff_walk_item, &w, e);
}

static const char *diff_s(const struct store_diff_item *it,
                          enum store_diff_col c)
{
    return it->col[c] ? it->col[c] : "";
}

static int diff_write_err(FILE *out, struct err *e)
{
    if (ferror(out))
        return err_set(e, "write error: %s", strerror(errno));
    return 0;
}

/* ---- text ---- */

/* s on one line: control characters become spaces. */
static void diff_text_put(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, out);
}

static void diff_text_resource(FILE *out, const struct store_diff_item *it)
{
    diff_text_put(out, diff_s(it, STORE_DC_KIND));
    fputc('/', out);
    if (!!it->col[STORE_DC_NS] && *diff_s(it, STORE_DC_NS)) {
        diff_text_put(out, diff_s(it, STORE_DC_NS));
        fputc('/', out);
    }
    diff_text_put(out, *diff_s(it, STORE_DC_NAME) ? diff_s(it, STORE_DC_NAME)
                                                  : diff_s(it, STORE_DC_UID));
}

struct diff_text_out {
    FILE *out;
    int cat;
};

static int diff_text_item(const struct diff_ctx *dc,
                          const struct store_diff_item *it, void *arg,
                          struct err *e)
{
    const struct diff_text_out *to = arg;
    FILE *out = to->out;

    (void)dc;
    fprintf(out, "  %-8s  ", diff_s(it, STORE_DC_SEV));
    diff_text_put(out, diff_s(it, STORE_DC_RULE));
    fputs("  ", out);
    diff_text_resource(out, it);
    if (*diff_s(it, STORE_DC_SRC)) {
        fputs("  ", out);
        diff_text_put(out, diff_s(it, STORE_DC_SRC));
    }
    fputs("  ", out);
    if (to->cat == STORE_DIFF_FIXED)
        fputs(!it->col[STORE_DC_TO] ? "resource gone, was: "
                                    : "now passes, was: ",
              out);
    else if (!!it->col[STORE_DC_FROM] && !!it->col[STORE_DC_TO] &&
             strcmp(diff_s(it, STORE_DC_FROM), diff_s(it, STORE_DC_TO)) != 0)
        fprintf(out, "%s -> %s: ", diff_s(it, STORE_DC_FROM),
                diff_s(it, STORE_DC_TO));
    diff_text_put(out, diff_s(it, STORE_DC_MSG));
    fputc('\n', out);
    return diff_write_err(out, e);
}

static void diff_text_scan(FILE *out, const char *label, const json_t *scan)
{
    const json_t *t;
    size_t i;

    fprintf(out, "%s scan %lld", label,
            (long long)json_integer_value(json_object_get(scan, "id")));
    if (json_string_value(json_object_get(scan, "finished")))
        fprintf(out, "  %s",
                json_string_value(json_object_get(scan, "finished")));
    json_array_foreach(json_object_get(scan, "targets"), i, t)
    {
        fputs(i ? ", " : "  ", out);
        diff_text_put(out, json_string_value(json_object_get(t, "type"))
                               ? json_string_value(json_object_get(t, "type"))
                               : "?");
        fputc(':', out);
        diff_text_put(out, json_string_value(json_object_get(t, "ref"))
                               ? json_string_value(json_object_get(t, "ref"))
                               : "?");
    }
    fputc('\n', out);
}

static json_t *diff_scan(const struct diff_ctx *dc, int64_t id, struct err *e)
{
    struct report_ctx rc = {dc->rc.st, id};

    return report_scan(&rc, e);
}

static int diff_render_text(const struct report_ctx *rc, FILE *out,
                            struct err *e)
{
    static const char *const heads[STORE_DIFF_NCAT] = {
        NULL, "New findings", "Fixed findings", "Unchanged findings",
        "Status changes"};
    static const char *const colors[STORE_DIFF_NCAT] = {
        NULL, "\033[31m", "\033[32m", "", "\033[33m"};
    static const int order[] = {STORE_DIFF_NEW, STORE_DIFF_FIXED,
                                STORE_DIFF_CHANGED, STORE_DIFF_UNCHANGED};
    const struct diff_ctx *dc = (const struct diff_ctx *)rc;
    struct diff_text_out tout = {out, 0};
    json_t *from = diff_scan(dc, dc->from_id, e), *to;
    size_t i;

    if (!from)
        return -1;
    if (!(to = diff_scan(dc, dc->to_id, e))) {
        json_decref(from);
        return -1;
    }
    diff_text_scan(out, "from:", from);
    diff_text_scan(out, "to:  ", to);
    json_decref(from);
    json_decref(to);
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        int cat = order[i];
        fprintf(out, "\n%s%s (%lld)%s", dc->color ? colors[cat] : "",
                heads[cat], dc->count[cat], dc->color ? "\033[0m" : "");
        if (cat == STORE_DIFF_FIXED && dc->count[cat])
            fprintf(out, ": %lld now pass%s, %lld resource%s gone",
                    dc->count[cat] - dc->gone,
                    dc->count[cat] - dc->gone == 1 ? "es" : "", dc->gone,
                    dc->gone == 1 ? "" : "s");
        fputs(dc->count[cat] ? ":\n" : "\n", out);
        tout.cat = cat;
        if (diff_foreach(dc, cat, -1, diff_text_item, &tout, e))
            return -1;
    }
    fprintf(out,
            "\n%lld new, %lld fixed, %lld unchanged, %lld status change%s; "
            "%lld finding%s only in scan %lld, %lld only in scan %lld\n",
            dc->count[STORE_DIFF_NEW], dc->count[STORE_DIFF_FIXED],
            dc->count[STORE_DIFF_UNCHANGED], dc->count[STORE_DIFF_CHANGED],
            dc->count[STORE_DIFF_CHANGED] == 1 ? "" : "s", dc->only_from,
            dc->only_from == 1 ? "" : "s", (long long)dc->from_id, dc->only_to,
            (long long)dc->to_id);
    return diff_write_err(out, e);
}

/* ---- JSON: fourc.diff/v1 ---- */

static void diff_json_str(struct strbuf *sb, const struct store_diff_item *it,
                          enum store_diff_col c)
{
    if (!it->col[c])
        sb_adds(sb, "null");
    else
        jsonw_string(sb, diff_s(it, c), it->len[c]);
}

struct diff_json_out {
    FILE *out;
    struct strbuf sb;
    long long n;
    int cat;
};

static int diff_json_item(const struct diff_ctx *dc,
                          const struct store_diff_item *it, void *arg,
                          struct err *e)
{
    static const struct {
        const char *key;
        enum store_diff_col col;
    } top[] = {{"rule", STORE_DC_RULE},        {"title", STORE_DC_TITLE},
               {"severity", STORE_DC_SEV},     {"pillar", STORE_DC_PILLAR},
               {"status", STORE_DC_STATUS},    {"message", STORE_DC_MSG},
               {"from_status", STORE_DC_FROM}, {"to_status", STORE_DC_TO}},
      res[] = {{"kind", STORE_DC_KIND},
               {"uid", STORE_DC_UID},
               {"name", STORE_DC_NAME},
               {"namespace", STORE_DC_NS},
               {"source", STORE_DC_SRC}};
    struct diff_json_out *jo = arg;
    struct strbuf *sb = &jo->sb;
    size_t i;

    (void)dc;
    sb_setlen(sb, 0);
    sb_adds(sb, jo->n++ ? ",\n    {" : "\n    {");
    for (i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
        sb_addf(sb, "%s\"%s\":", i ? "," : "", top[i].key);
        diff_json_str(sb, it, top[i].col);
    }
    if (jo->cat == STORE_DIFF_FIXED)
        sb_addf(sb, ",\"fixed_by\":\"%s\"",
                !it->col[STORE_DC_TO] ? "resource_gone" : "now_passes");
    sb_adds(sb, ",\"resource\":{");
    for (i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
        sb_addf(sb, "%s\"%s\":", i ? "," : "", res[i].key);
        diff_json_str(sb, it, res[i].col);
    }
    sb_addf(sb, "},\"fingerprint\":\"sha256:%s\"}", diff_s(it, STORE_DC_FP));
    fwrite(sb->buf, 1, sb->len, jo->out);
    return diff_write_err(jo->out, e);
}

static json_t *diff_json_summary(const struct diff_ctx *dc)
{
    return json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "new",
        (json_int_t)dc->count[STORE_DIFF_NEW], "fixed",
        (json_int_t)dc->count[STORE_DIFF_FIXED], "unchanged",
        (json_int_t)dc->count[STORE_DIFF_UNCHANGED], "changed",
        (json_int_t)dc->count[STORE_DIFF_CHANGED], "fixed_now_passes",
        (json_int_t)(dc->count[STORE_DIFF_FIXED] - dc->gone),
        "fixed_resource_gone", (json_int_t)dc->gone, "only_in_from",
        (json_int_t)dc->only_from, "only_in_to", (json_int_t)dc->only_to,
        "from_findings", (json_int_t)dc->total_from, "to_findings",
        (json_int_t)dc->total_to);
}

static int diff_render_json(const struct report_ctx *rc, FILE *out,
                            struct err *e)
{
    static const char *const keys[STORE_DIFF_NCAT] = {NULL, "new", "fixed",
                                                      "unchanged", "changed"};
    static const int order[] = {STORE_DIFF_NEW, STORE_DIFF_FIXED,
                                STORE_DIFF_UNCHANGED, STORE_DIFF_CHANGED};
    const struct diff_ctx *dc = (const struct diff_ctx *)rc;
    struct diff_json_out jo = {out, STRBUF_INIT, 0, 0};
    json_t *from = diff_scan(dc, dc->from_id, e), *to, *head;
    char *text;
    size_t i, len;
    int ret = 0;

    if (!from)
        return -1;
    if (!(to = diff_scan(dc, dc->to_id, e))) {
        json_decref(from);
        return -1;
    }
    head = json_pack("{s:s, s:{s:s, s:s}, s:o, s:o, s:o}", "schema",
                     "fourc.diff/v1", "tool", "name", "fourc", "version",
                     PACKAGE_VERSION, "from", from, "to", to, "summary",
                     diff_json_summary(dc));
    text = head ? json_dumps(head, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(head);
    if (!text)
        return err_set(e, "cannot build the JSON diff of scans %lld and %lld",
                       (long long)dc->from_id, (long long)dc->to_id);
    /* Drop the closing brace; the arrays follow the header's keys. */
    len = strlen(text);
    while (len && text[len - 1] != '}')
        len--;
    if (len)
        len--;
    while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
        len--;
    fwrite(text, 1, len, out);
    free(text);
    for (i = 0; ret == 0 && i < sizeof(order) / sizeof(order[0]); i++) {
        jo.cat = order[i];
        jo.n = 0;
        fprintf(out, ",\n  \"%s\": [", keys[jo.cat]);
        ret = diff_foreach(dc, jo.cat, -1, diff_json_item, &jo, e);
        fputs(jo.n ? "\n  ]" : "]", out);
    }
    sb_release(&jo.sb);
    if (ret)
        return ret;
    fputs("\n}\n", out);
    return diff_write_err(out, e);
}

/* ---- Markdown ---- */

/* s as the text of a table cell: pipes, backslashes, HTML and emphasis
 * escaped, line breaks as <br>. */
static void diff_md_put(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '|':
        case '\\':
        case '`':
        case '*':
        case '_':
        case '[':
        case ']':
        case '~':
            fputc('\\', out);
            fputc(*s, out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '&':
            fputs("&amp;", out);
            break;
        case '\n':
            fputs("<br>", out);
            break;
        case '\r':
            break;
        default:
            fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, out);
        }
    }
}

struct diff_md_out {
    FILE *out;
    int cat;
};

static int diff_md_item(const struct diff_ctx *dc,
                        const struct store_diff_item *it, void *arg,
                        struct err *e)
{
    const struct diff_md_out *mo = arg;
    FILE *out = mo->out;

    (void)dc;
    fputs("| ", out);
    diff_md_put(out, diff_s(it, STORE_DC_SEV));
    fputs(" | ", out);
    diff_md_put(out, diff_s(it, STORE_DC_RULE));
    fputs(" | ", out);
    diff_md_put(out, diff_s(it, STORE_DC_KIND));
    fputc(' ', out);
    if (!!it->col[STORE_DC_NS] && *diff_s(it, STORE_DC_NS)) {
        diff_md_put(out, diff_s(it, STORE_DC_NS));
        fputc('/', out);
    }
    diff_md_put(out, *diff_s(it, STORE_DC_NAME) ? diff_s(it, STORE_DC_NAME)
                                                : diff_s(it, STORE_DC_UID));
    fputs(" | ", out);
    diff_md_put(out, diff_s(it, STORE_DC_SRC));
    fputs(" | ", out);
    if (!!it->col[STORE_DC_FROM] &&
        (!it->col[STORE_DC_TO] ||
         strcmp(diff_s(it, STORE_DC_FROM), diff_s(it, STORE_DC_TO)) != 0)) {
        diff_md_put(out, diff_s(it, STORE_DC_FROM));
        fputs(" → ", out);
    }
    if (!it->col[STORE_DC_TO])
        fputs("resource gone", out);
    else
        diff_md_put(out, diff_s(it, STORE_DC_TO));
    if (mo->cat == STORE_DIFF_FIXED && !!it->col[STORE_DC_TO])
        fputs(" (now passes)", out);
    fputs(" | ", out);
    diff_md_put(out, diff_s(it, STORE_DC_MSG));
    fputs(" |\n", out);
    return diff_write_err(out, e);
}

static int diff_md_table(const struct diff_ctx *dc, FILE *out, int cat,
                         const char *head, struct err *e)
{
    struct diff_md_out mo = {out, cat};

    fprintf(out, "\n### %s (%lld)\n\n", head, dc->count[cat]);
    if (!dc->count[cat]) {
        fputs("None.\n", out);
        return 0;
    }
    fputs("| Severity | Rule | Resource | Source | Status | Message |\n"
          "|---|---|---|---|---|---|\n",
          out);
    if (diff_foreach(dc, cat, DIFF_MD_ROWS, diff_md_item, &mo, e))
        return -1;
    if (dc->count[cat] > DIFF_MD_ROWS)
        fprintf(out, "\n… and %lld more\n", dc->count[cat] - DIFF_MD_ROWS);
    return 0;
}

static int diff_render_md(const struct report_ctx *rc, FILE *out, struct err *e)
{
    const struct diff_ctx *dc = (const struct diff_ctx *)rc;

    fprintf(out,
            "## fourc diff: scan %lld → scan %lld\n\n"
            "| Findings | Count |\n"
            "|---|---:|\n"
            "| New | %lld |\n"
            "| Fixed | %lld |\n"
            "| Unchanged | %lld |\n"
            "| Status changes | %lld |\n"
            "| Only in scan %lld | %lld |\n"
            "| Only in scan %lld | %lld |\n",
            (long long)dc->from_id, (long long)dc->to_id,
            dc->count[STORE_DIFF_NEW], dc->count[STORE_DIFF_FIXED],
            dc->count[STORE_DIFF_UNCHANGED], dc->count[STORE_DIFF_CHANGED],
            (long long)dc->from_id, dc->only_from, (long long)dc->to_id,
            dc->only_to);
    if (diff_md_table(dc, out, STORE_DIFF_NEW, "New findings", e) ||
        diff_md_table(dc, out, STORE_DIFF_FIXED, "Fixed findings", e) ||
        diff_md_table(dc, out, STORE_DIFF_CHANGED, "Status changes", e))
        return -1;
    return diff_write_err(out, e);
}

static const struct reporter diff_formats[] = {
    {.name = "text", .render = diff_render_text},
    {.name = "json", .render = diff_render_json, .bidi_json = 1},
    {.name = "markdown", .render = diff_render_md},
};

/* ---- the command ---- */

/* --from/--to values: "latest" or a positive number. */
static int diff_spec_ok(const char *s)
{
    char *end;
    long long v;

    if (strcmp(s, "latest") == 0)
        return 1;
    v = strtoll(s, &end, 10);
    return *s && !*end && v > 0;
}

/* The newest complete scan before to of the same targets. */
static int diff_default_from(struct diff_ctx *dc, struct err *e)
{
    if (store_previous_scan(dc->rc.st, dc->to_id, &dc->from_id, e))
        return -1;
    if (!dc->from_id)
        return err_set(e,
                       "no complete scan of the same targets before scan "
                       "%lld in %s: pass --from ID",
                       (long long)dc->to_id, store_path(dc->rc.st));
    return 0;
}

int cmd_diff(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"fail-on", required_argument, NULL, 'x'},
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *from = NULL, *to = "latest", *format = "text", *out = "-",
               *db = CMD_DEFAULT_DB, *fail_on = NULL;
    const struct reporter *r = NULL;
    struct diff_ctx dc;
    struct err e;
    long long gated = 0;
    size_t i;
    int c, status = EXIT_TROUBLE;

    memset(&dc, 0, sizeof(dc));
    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'F':
            from = optarg;
            break;
        case 'T':
            to = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'x':
            fail_on = optarg;
            break;
        case 'd':
            db = optarg;
            break;
        case 'h':
            fputs(diff_help, stdout);
            return EXIT_CLEAN;
        case ':':
            return cmd_usage("diff", "%s needs a value", argv[optind - 1]);
        default:
            return cmd_usage("diff", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cmd_usage("diff", "unexpected argument '%s'", argv[optind]);
    for (i = 0; i < sizeof(diff_formats) / sizeof(diff_formats[0]); i++)
        if (strcmp(diff_formats[i].name, format) == 0)
            r = &diff_formats[i];
    if (!r)
        return cmd_usage("diff",
                         "--format %s: unknown format (known: text, json, "
                         "markdown)",
                         format);
    if (fail_on && severity_rank(fail_on) < 0)
        return cmd_usage("diff",
                         "--fail-on %s: expected critical, high, medium, "
                         "low or info",
                         fail_on);
    if (from && !diff_spec_ok(from))
        return cmd_usage("diff", "--from %s: expected a scan id or 'latest'",
                         from);
    if (!diff_spec_ok(to))
        return cmd_usage("diff", "--to %s: expected a scan id or 'latest'", to);
    if (store_open(&dc.rc.st, db, STORE_READONLY, &e))
        goto fail;
    if (store_resolve_scan(dc.rc.st, to, &dc.to_id, &e)) {
        err_prefix(&e, "--to %s", to);
        goto fail;
    }
    dc.rc.scan_id = dc.to_id;
    if (from) {
        if (store_resolve_scan(dc.rc.st, from, &dc.from_id, &e)) {
            err_prefix(&e, "--from %s", from);
            goto fail;
        }
    } else if (diff_default_from(&dc, &e)) {
        goto fail;
    }
    dc.color = strcmp(out, "-") == 0 && log_use_color(1);
    if (diff_build(&dc, &e) || report_write(r, &dc.rc, out, &e) ||
        (fail_on && diff_gate(&dc, severity_rank(fail_on), &gated, &e)))
        goto fail;
    status = EXIT_CLEAN;
    if (gated > 0) {
        log_info("%lld new finding%s at or above %s failed or could not be "
                 "evaluated (--fail-on %s)",
                 gated, gated == 1 ? "" : "s", fail_on, fail_on);
        status = EXIT_FINDINGS;
    }
    goto out;
fail:
    log_error("%s", e.msg);
out:
    store_free(dc.rc.st);
    return status;
}
