/*
 * markdown.c: a short summary for a pull-request comment or a ticket
 * body (GitHub-flavoured Markdown): counts by status and severity, the
 * failing and error findings most severe first (at most
 * MARKDOWN_TOP_N, then "… and K more"), how many need manual review,
 * and the counts per framework control with the control's title.
 *
 * Finding text comes from the scanned target, so it is written as inert
 * text: table pipes and Markdown punctuation are backslash-escaped, < > &
 * become entities (no raw HTML reaches the page), line breaks and other
 * control characters become spaces so a row stays one row, and long
 * messages are cut. Code spans are never used for finding text, since a
 * backtick cannot be escaped inside one.
 */
#include "reporter.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

#define MARKDOWN_TOP_N 50
#define MARKDOWN_CELL_MAX 300 /* bytes of one cell's text, then "…" */

static const char *const markdown_statuses[] = {"fail",   "error", "manual",
                                                "waived", "skip",  "pass"};
static const char *const markdown_severities[] = {"critical", "high", "medium",
                                                  "low", "info"};

/* s as inert text for a table cell (or a line: tables are the strictest). */
static void markdown_esc(struct strbuf *sb, const char *s, size_t max)
{
    struct strbuf clean = STRBUF_INIT;
    size_t n, i;
    int cut = 0;

    if (!s)
        return;
    n = strlen(s);
    if (!utf8_valid(s, n)) {
        utf8_sanitize(&clean, s, n);
        s = clean.buf;
        n = clean.len;
    }
    if (max && n > max) {
        n = utf8_cut(s, max);
        cut = 1;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
            continue;
        if (c < 0x20 || c == 0x7f)
            sb_add(sb, " ", 1);
        else if (c == '@')
            /* "@team" in a finding must not notify anyone in a PR
             * comment or ticket: a zero-width space breaks the mention. */
            sb_adds(sb, "@\xE2\x80\x8B");
        else if (c == '<')
            sb_adds(sb, "&lt;");
        else if (c == '>')
            sb_adds(sb, "&gt;");
        else if (c == '&')
            sb_adds(sb, "&amp;");
        else if (strchr("\\`*_[]~|", c)) {
            sb_add(sb, "\\", 1);
            sb_add(sb, &s[i], 1);
        } else
            sb_add(sb, &s[i], 1);
    }
    if (cut)
        sb_adds(sb, "…");
    sb_release(&clean);
}

static json_int_t markdown_n(const json_t *counts, const char *status)
{
    return json_integer_value(json_object_get(counts, status));
}

static void markdown_head(struct strbuf *sb, const json_t *scan,
                          const json_t *sum)
{
    const json_t *t, *targets = json_object_get(scan, "targets");
    json_int_t pass = markdown_n(sum, "pass"),
               evaluated = pass + markdown_n(sum, "fail");
    const char *finished = json_string_value(json_object_get(scan, "finished"));
    size_t i;

    sb_addf(sb, "## fourc scan %lld: %lld fail, %lld error, %lld manual\n\n",
            (long long)json_integer_value(json_object_get(scan, "id")),
            (long long)markdown_n(sum, "fail"),
            (long long)markdown_n(sum, "error"),
            (long long)markdown_n(sum, "manual"));
    sb_adds(sb, "**Targets:** ");
    json_array_foreach(targets, i, t)
    {
        if (i)
            sb_adds(sb, "; ");
        markdown_esc(sb, json_string_value(json_object_get(t, "type")), 0);
        sb_adds(sb, " ");
        markdown_esc(sb, json_string_value(json_object_get(t, "ref")), 0);
    }
    if (!json_array_size(targets))
        sb_adds(sb, "none");
    sb_adds(sb, "  \n**Finished:** ");
    markdown_esc(sb, finished ? finished : "not finished", 0);
    sb_addf(sb, " (scan status: ");
    markdown_esc(sb, json_string_value(json_object_get(scan, "status")), 0);
    sb_addf(sb,
            ")\n\n**Compliance:** %lld of %lld evaluated checks pass "
            "(%.1f%%); %lld error and %lld manual are not counted as "
            "pass.\n\n",
            (long long)pass, (long long)evaluated,
            evaluated ? 100.0 * (double)pass / (double)evaluated : 0.0,
            (long long)markdown_n(sum, "error"),
            (long long)markdown_n(sum, "manual"));
}

static void markdown_tables(struct strbuf *sb, const json_t *sum)
{
    const json_t *sev = json_object_get(sum, "by_severity");
    size_t i, j;

    sb_adds(sb, "| Status | Findings |\n|---|---:|\n");
    for (i = 0; i < 6; i++)
        sb_addf(sb, "| %s | %lld |\n", markdown_statuses[i],
                (long long)markdown_n(sum, markdown_statuses[i]));
    sb_addf(sb, "| **total** | **%lld** |\n\n### By severity\n\n| Severity",
            (long long)markdown_n(sum, "total"));
    for (j = 0; j < 6; j++)
        sb_addf(sb, " | %s", markdown_statuses[j]);
    sb_adds(sb, " |\n|---");
    for (j = 0; j < 6; j++)
        sb_adds(sb, "|---:");
    sb_adds(sb, "|\n");
    for (i = 0; i < 5; i++) {
        const json_t *c = json_object_get(sev, markdown_severities[i]);

        sb_addf(sb, "| %s", markdown_severities[i]);
        for (j = 0; j < 6; j++)
            sb_addf(sb, " | %lld",
                    (long long)markdown_n(c, markdown_statuses[j]));
        sb_adds(sb, " |\n");
    }
}

/* Control ids in reading order: digit runs compare as numbers, so 5.2.10
 * comes after 5.2.9. */
static int markdown_natcmp(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;

    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            const char *ea = a, *eb = b;
            while (*a == '0' && isdigit((unsigned char)a[1]))
                a++;
            while (*b == '0' && isdigit((unsigned char)b[1]))
                b++;
            for (ea = a; isdigit((unsigned char)*ea); ea++)
                ;
            for (eb = b; isdigit((unsigned char)*eb); eb++)
                ;
            if (ea - a != eb - b)
                return ea - a < eb - b ? -1 : 1;
            for (; a < ea; a++, b++)
                if (*a != *b)
                    return *a < *b ? -1 : 1;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    return *a ? 1 : *b ? -1 : 0;
}

/* One table per framework: each control the scan's rules map, with its
 * title from the framework's catalogue (none for a framework without
 * one) and its counts. */
static void markdown_frameworks(struct strbuf *sb, const json_t *sum)
{
    const json_t *fws = json_object_get(sum, "by_framework"), *entry;
    const char *name;
    const char **names, **ids;
    size_t n = 0, i, j, k;

    if (!json_object_size(fws))
        return;
    names = xcalloc(json_object_size(fws), sizeof(*names));
    json_object_foreach((json_t *)fws, name, entry)
    {
        names[n++] = name;
    }
    qsort(names, n, sizeof(*names), markdown_natcmp);
    sb_adds(sb, "\n### By framework\n");
    for (i = 0; i < n; i++) {
        const json_t *controls, *c;
        const char *id, *title;
        size_t nid = 0;

        entry = json_object_get(fws, names[i]);
        controls = json_object_get(entry, "controls");
        title = json_string_value(json_object_get(entry, "title"));
        sb_adds(sb, "\n#### ");
        markdown_esc(sb, names[i], MARKDOWN_CELL_MAX);
        if (title) {
            sb_adds(sb, ": ");
            markdown_esc(sb, title, MARKDOWN_CELL_MAX);
        }
        sb_adds(sb, "\n\n| Control | Title");
        for (j = 0; j < 6; j++)
            sb_addf(sb, " | %s", markdown_statuses[j]);
        sb_adds(sb, " |\n|---|---");
        for (j = 0; j < 6; j++)
            sb_adds(sb, "|---:");
        sb_adds(sb, "|\n");
        ids = xcalloc(json_object_size(controls) + 1, sizeof(*ids));
        json_object_foreach((json_t *)controls, id, c)
        {
            ids[nid++] = id;
        }
        qsort(ids, nid, sizeof(*ids), markdown_natcmp);
        for (k = 0; k < nid; k++) {
            c = json_object_get(controls, ids[k]);
            sb_adds(sb, "| ");
            markdown_esc(sb, ids[k], MARKDOWN_CELL_MAX);
            sb_adds(sb, " | ");
            markdown_esc(sb, json_string_value(json_object_get(c, "title")),
                         MARKDOWN_CELL_MAX);
            for (j = 0; j < 6; j++)
                sb_addf(sb, " | %lld",
                        (long long)markdown_n(c, markdown_statuses[j]));
            sb_adds(sb, " |\n");
        }
        free(ids);
    }
    free(names);
}

static const char *markdown_col(const char *s)
{
    return s ? s : "";
}

struct markdown_rows {
    struct strbuf *sb;
    json_int_t shown;
};

static int markdown_row(const struct report_row *r, void *arg)
{
    struct markdown_rows *mr = arg;
    struct strbuf *sb = mr->sb;
    const char *ns = markdown_col(r->namespace);

    sb_adds(sb, "| ");
    markdown_esc(sb, markdown_col(r->severity), 0);
    sb_adds(sb, " | ");
    markdown_esc(sb, markdown_col(r->status), 0);
    sb_adds(sb, " | ");
    markdown_esc(sb, markdown_col(r->rule_id), 0);
    sb_adds(sb, ": ");
    markdown_esc(sb, markdown_col(r->title), MARKDOWN_CELL_MAX);
    sb_adds(sb, " | ");
    markdown_esc(sb, markdown_col(r->kind), 0);
    sb_adds(sb, " ");
    if (*ns) {
        markdown_esc(sb, ns, MARKDOWN_CELL_MAX);
        sb_adds(sb, "/");
    }
    markdown_esc(sb, markdown_col(r->name), MARKDOWN_CELL_MAX);
    sb_adds(sb, " | ");
    markdown_esc(sb, markdown_col(r->source), MARKDOWN_CELL_MAX);
    sb_adds(sb, " | ");
    markdown_esc(sb, markdown_col(r->message), MARKDOWN_CELL_MAX);
    sb_adds(sb, " |\n");
    mr->shown++;
    return 0;
}

/* The worst failing and error findings, most severe first. */
static int markdown_findings(const struct report_ctx *rc, struct strbuf *sb,
                             json_int_t total, struct err *e)
{
    struct markdown_rows mr = {sb, 0};

    sb_adds(sb, "\n### Failing and error findings\n\n");
    if (total == 0) {
        sb_adds(sb, "No failing or error findings.\n");
        return 0;
    }
    sb_adds(sb, "| Severity | Status | Rule | Resource | Location | Message "
                "|\n|---|---|---|---|---|---|\n");
    if (report_foreach_worst(rc, MARKDOWN_TOP_N, markdown_row, &mr, e))
        return -1;
    if (total > mr.shown)
        sb_addf(sb,
                "\n… and %lld more. The full list: `fourc report --scan %lld "
                "--format html`.\n",
                (long long)(total - mr.shown), (long long)rc->scan_id);
    return 0;
}

/* Counts the rule versions with manual findings. */
static int markdown_manual_row(const struct report_count *c, void *arg)
{
    if (strcmp(c->status, "manual") == 0)
        (*(json_int_t *)arg)++;
    return 0;
}

/* "N findings of M rules need manual review." */
static int markdown_manual(const struct report_ctx *rc, struct strbuf *sb,
                           json_int_t manual, struct err *e)
{
    json_int_t rules = 0;

    if (report_foreach_count(rc, markdown_manual_row, &rules, e))
        return -1;
    sb_addf(sb,
            "\n### Manual review\n\n%lld manual control%s (%lld finding%s) "
            "need%s a human decision.\n",
            (long long)rules, rules == 1 ? "" : "s", (long long)manual,
            manual == 1 ? "" : "s", rules == 1 ? "s" : "");
    return 0;
}

static int markdown_render(const struct report_ctx *rc, FILE *out,
                           struct err *e)
{
    struct strbuf sb = STRBUF_INIT;
    json_t *scan = NULL, *sum = NULL;
    const char *digest;
    int ret = -1;

    if (!(scan = report_scan(rc, e)) || !(sum = report_summary(rc, e)))
        goto out;
    markdown_head(&sb, scan, sum);
    markdown_tables(&sb, sum);
    if (markdown_findings(
            rc, &sb, markdown_n(sum, "fail") + markdown_n(sum, "error"), e) ||
        markdown_manual(rc, &sb, markdown_n(sum, "manual"), e))
        goto out;
    markdown_frameworks(&sb, sum);
    digest = json_string_value(json_object_get(scan, "rules_digest"));
    sb_adds(&sb, "\n---\n_fourc ");
    markdown_esc(&sb, json_string_value(json_object_get(scan, "tool_version")),
                 0);
    sb_addf(&sb, ", scan %lld, rules ", (long long)rc->scan_id);
    markdown_esc(&sb, digest ? digest : "unknown", 0);
    sb_adds(&sb, "_\n");
    if (fwrite(sb.buf, 1, sb.len, out) != sb.len || ferror(out)) {
        err_set(e, "write error: %s", strerror(errno));
        goto out;
    }
    ret = 0;
out:
    json_decref(scan);
    json_decref(sum);
    sb_release(&sb);
    return ret;
}

const struct reporter reporter_markdown = {
    .name = "markdown",
    .ext = ".md",
    .summary = "Markdown summary for a pull-request comment or ticket",
    .render = markdown_render,
};
