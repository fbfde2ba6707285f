/* summary.c: the human summary after a scan; see summary.h. */
#include "summary.h"

#include <string.h>

#include "rule.h"
#include "banned.h"

static const char *const summary_statuses[] = {"fail",   "error", "manual",
                                               "waived", "skip",  "pass"};
static const char *const summary_colors[] = {
    "\033[31m", "\033[35m", "\033[33m", "\033[36m", "\033[2m", "\033[32m"};
static const char *const summary_severities[] = {"critical", "high", "medium",
                                                 "low", "info"};

static json_int_t summary_n(const json_t *counts, const char *status)
{
    return json_integer_value(json_object_get(counts, status));
}

struct summary_top_ctx {
    FILE *out;
    int rows;
};

static int summary_top_row(const struct report_top_rule *t, void *arg)
{
    struct summary_top_ctx *c = arg;

    if (c->rows++ == 0)
        fprintf(c->out, "\nTOP FAILING RULES\n%-36s %-9s %6s %6s  %s\n", "RULE",
                "SEVERITY", "FAIL", "ERROR", "TITLE");
    fprintf(c->out, "%-36s %-9s %6lld %6lld  %s\n", t->rule_id, t->severity,
            (long long)t->fails, (long long)t->errors, t->title);
    return 0;
}

static int summary_top(const struct report_ctx *rc, FILE *out, struct err *e)
{
    struct summary_top_ctx c = {out, 0};

    return report_foreach_top_rule(rc, 10, summary_top_row, &c, e);
}

int summary_print(const struct report_ctx *rc, FILE *out, int color,
                  struct err *e)
{
    json_t *sum = report_summary(rc, e), *sev;
    json_int_t pass, evaluated;
    size_t i, j;

    if (!sum)
        return -1;
    fprintf(out, "Scan %lld: %lld findings\n\n", (long long)rc->scan_id,
            (long long)json_integer_value(json_object_get(sum, "total")));
    fprintf(out, "%-8s %8s\n", "STATUS", "COUNT");
    for (i = 0; i < 6; i++)
        fprintf(out, "%s%-8s%s %8lld\n", color ? summary_colors[i] : "",
                summary_statuses[i], color ? "\033[0m" : "",
                (long long)summary_n(sum, summary_statuses[i]));
    sev = json_object_get(sum, "by_severity");
    fprintf(out, "\n%-9s", "SEVERITY");
    for (i = 0; i < 6; i++)
        fprintf(out, " %7s", summary_statuses[i]);
    fputc('\n', out);
    for (j = 0; j < 5; j++) {
        json_t *c = json_object_get(sev, summary_severities[j]);
        fprintf(out, "%-9s", summary_severities[j]);
        for (i = 0; i < 6; i++)
            fprintf(out, " %7lld",
                    (long long)summary_n(c, summary_statuses[i]));
        fputc('\n', out);
    }
    if (summary_top(rc, out, e)) {
        json_decref(sum);
        return -1;
    }
    pass = summary_n(sum, "pass");
    evaluated = pass + summary_n(sum, "fail");
    fprintf(out,
            "\nCompliance: %lld of %lld evaluated checks pass (%.1f%%); "
            "%lld error and %lld manual not counted as pass\n",
            (long long)pass, (long long)evaluated,
            evaluated ? 100.0 * (double)pass / (double)evaluated : 0.0,
            (long long)summary_n(sum, "error"),
            (long long)summary_n(sum, "manual"));
    json_decref(sum);
    return 0;
}
