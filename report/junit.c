/*
 * junit.c: JUnit XML, so CI systems (Jenkins, GitLab, Azure DevOps) show
 * a scan as tests: one <testsuite> per rule, one <testcase> per finding
 * (rule and resource). fail is a <failure>, error an <error> (never a
 * pass), manual, skip and waived are <skipped> with the reason, pass is
 * an empty test case.
 *
 * The per-rule counts come from scan_counts first, so the findings are
 * streamed and a suite is opened as soon as its first finding arrives.
 * Text is escaped for XML 1.0: the five special characters, and the
 * characters XML 1.0 cannot carry at all (control characters other than
 * tab, LF and CR; U+FFFE and U+FFFF) become U+FFFD.
 */
#include "reporter.h"

#include <errno.h>
#include <string.h>

#include "jsonw.h"
#include "util.h"
#include "banned.h"

struct junit_out {
    FILE *out;
    json_t *counts;     /* rule hash -> {status: n} */
    int open;           /* a <testsuite> is open */
    struct strbuf hash; /* the rule hash of the open suite */
    struct strbuf sb;
    struct err *e;
};

/* s as XML character data or attribute value (attr: also keep tab, LF
 * and CR as character references, which attribute normalisation would
 * otherwise turn into spaces). */
static void junit_esc(struct strbuf *sb, const char *s, int attr)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    const unsigned char *run = p;

    for (; *p; p++) {
        const char *rep = NULL;
        size_t skip = 0;

        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        case '\t':
            rep = attr ? "&#9;" : NULL;
            break;
        case '\n':
            rep = attr ? "&#10;" : NULL;
            break;
        case '\r':
            rep = "&#13;";
            break;
        case 0xEF:
            /* U+FFFE and U+FFFF are not XML characters. */
            if (p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) {
                rep = "\xEF\xBF\xBD";
                skip = 2;
            }
            break;
        default:
            if (*p < 0x20)
                rep = "\xEF\xBF\xBD";
        }
        if (rep) {
            sb_add(sb, (const char *)run, (size_t)(p - run));
            sb_adds(sb, rep);
            p += skip;
            run = p + 1;
        }
    }
    sb_add(sb, (const char *)run, (size_t)(p - run));
}

static const char *junit_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s ? s : "";
}

static json_int_t junit_count(const json_t *c, const char *status)
{
    return json_integer_value(json_object_get(c, status));
}

struct junit_counts_ctx {
    json_t *counts, *all;
};

static int junit_count_row(const struct report_count *rcn, void *arg)
{
    struct junit_counts_ctx *jc = arg;
    json_t *c = json_object_get(jc->counts, rcn->hash);

    if (!c) {
        c = json_object();
        json_object_set_new(jc->counts, rcn->hash, c);
    }
    json_object_set_new(c, rcn->status, json_integer(rcn->n));
    json_object_set_new(
        jc->all, rcn->status,
        json_integer(junit_count(jc->all, rcn->status) + rcn->n));
    return 0;
}

/* {hash: {status: n}} for the scan, and the totals into all. */
static json_t *junit_counts(const struct report_ctx *rc, json_t *all,
                            struct err *e)
{
    struct junit_counts_ctx c = {json_object(), all};

    if (report_foreach_count(rc, junit_count_row, &c, e)) {
        json_decref(c.counts);
        return NULL;
    }
    return c.counts;
}

/* tests, failures, errors, skipped attributes of counts c. */
static void junit_tally(struct strbuf *sb, const json_t *c)
{
    json_int_t fail = junit_count(c, "fail"), error = junit_count(c, "error"),
               skipped = junit_count(c, "manual") + junit_count(c, "skip") +
                         junit_count(c, "waived");

    sb_addf(sb,
            " tests=\"%lld\" failures=\"%lld\" errors=\"%lld\" "
            "skipped=\"%lld\"",
            (long long)(fail + error + skipped + junit_count(c, "pass")),
            (long long)fail, (long long)error, (long long)skipped);
}

static void junit_property(struct strbuf *sb, const char *name,
                           const char *value)
{
    sb_addf(sb, "      <property name=\"%s\" value=\"", name);
    junit_esc(sb, value, 1);
    sb_adds(sb, "\"/>\n");
}

static void junit_suite_open(struct junit_out *jo, const json_t *f)
{
    const char *hash = junit_str(f, "rule_version"), *cat;
    json_t *c = json_object_get(jo->counts, hash), *ids;
    struct strbuf fw = STRBUF_INIT;

    if (jo->open)
        sb_adds(&jo->sb, "  </testsuite>\n");
    jo->open = 1;
    sb_setlen(&jo->hash, 0);
    sb_adds(&jo->hash, hash);
    sb_adds(&jo->sb, "  <testsuite name=\"");
    junit_esc(&jo->sb, junit_str(f, "rule"), 1);
    sb_addf(&jo->sb, "\"");
    junit_tally(&jo->sb, c);
    sb_adds(&jo->sb, ">\n    <properties>\n");
    junit_property(&jo->sb, "title", junit_str(f, "title"));
    junit_property(&jo->sb, "severity", junit_str(f, "severity"));
    junit_property(&jo->sb, "pillar", junit_str(f, "pillar"));
    json_object_foreach(json_object_get(f, "frameworks"), cat, ids)
    {
        size_t i;
        json_t *v;
        json_array_foreach(ids, i, v)
        {
            sb_addf(&fw, "%s%s:%s", fw.len ? ";" : "", cat,
                    json_string_value(v));
        }
    }
    junit_property(&jo->sb, "frameworks", sb_str(&fw));
    junit_property(&jo->sb, "rule_version", hash);
    sb_adds(&jo->sb, "    </properties>\n");
    sb_release(&fw);
}

/* The body of a failure or error: what an engineer needs to fix it. */
static void junit_details(struct strbuf *sb, const json_t *f)
{
    const json_t *ev = json_object_get(f, "evidence");
    struct strbuf v = STRBUF_INIT;

    sb_adds(&v, junit_str(f, "message"));
    sb_addf(&v, "\nresource: %s",
            junit_str(json_object_get(f, "resource"), "uid"));
    if (json_object_get(ev, "path")) {
        sb_addf(&v, "\nevidence: %s = ", junit_str(ev, "path"));
        /* found false: the path matched nothing (not a null value). */
        if (json_object_get(ev, "actual") &&
            !json_is_false(json_object_get(ev, "found")))
            jsonw_value(&v, json_object_get(ev, "actual"));
        else
            sb_adds(&v, "(absent)");
        sb_addf(&v, ", expected %s", junit_str(ev, "expected"));
    }
    if (*junit_str(f, "remediation"))
        sb_addf(&v, "\nremediation: %s", junit_str(f, "remediation"));
    sb_addf(&v, "\nfingerprint: %s", junit_str(f, "fingerprint"));
    junit_esc(sb, v.buf, 0);
    sb_release(&v);
}

static int junit_finding(const json_t *f, void *ctx)
{
    struct junit_out *jo = ctx;
    const json_t *res = json_object_get(f, "resource");
    const char *status = junit_str(f, "status"),
               *ns = json_string_value(json_object_get(res, "namespace")),
               *src = json_string_value(json_object_get(res, "source"));

    sb_setlen(&jo->sb, 0);
    if (!jo->open || strcmp(sb_str(&jo->hash), junit_str(f, "rule_version")))
        junit_suite_open(jo, f);
    sb_adds(&jo->sb, "    <testcase classname=\"");
    junit_esc(&jo->sb, junit_str(f, "rule"), 1);
    sb_adds(&jo->sb, "\" name=\"");
    junit_esc(&jo->sb, junit_str(res, "kind"), 1);
    sb_adds(&jo->sb, "/");
    if (ns && *ns) {
        junit_esc(&jo->sb, ns, 1);
        sb_adds(&jo->sb, "/");
    }
    junit_esc(&jo->sb, junit_str(res, "name"), 1);
    if (src && *src) {
        sb_adds(&jo->sb, " (");
        junit_esc(&jo->sb, src, 1);
        sb_adds(&jo->sb, ")");
    }
    sb_adds(&jo->sb, "\"");
    if (!strcmp(status, "pass")) {
        sb_adds(&jo->sb, "/>\n");
    } else if (!strcmp(status, "fail") || !strcmp(status, "error")) {
        const char *tag = status[0] == 'f' ? "failure" : "error";

        sb_addf(&jo->sb, ">\n      <%s message=\"", tag);
        junit_esc(&jo->sb, junit_str(f, "message"), 1);
        sb_adds(&jo->sb, "\" type=\"");
        junit_esc(&jo->sb, junit_str(f, "severity"), 1);
        sb_adds(&jo->sb, "\">");
        junit_details(&jo->sb, f);
        sb_addf(&jo->sb, "</%s>\n    </testcase>\n", tag);
    } else {
        sb_adds(&jo->sb, ">\n      <skipped message=\"");
        junit_esc(&jo->sb, status, 1);
        sb_adds(&jo->sb, ": ");
        junit_esc(&jo->sb, junit_str(f, "message"), 1);
        sb_adds(&jo->sb, "\"/>\n    </testcase>\n");
    }
    if (fwrite(jo->sb.buf, 1, jo->sb.len, jo->out) != jo->sb.len)
        return err_set(jo->e, "write error: %s", strerror(errno));
    return 0;
}

static int junit_render(const struct report_ctx *rc, FILE *out, struct err *e)
{
    struct junit_out jo = {out, NULL, 0, STRBUF_INIT, STRBUF_INIT, e};
    json_t *all = json_object(), *scan = NULL;
    const char *finished;
    int ret = -1;

    if (!(scan = report_scan(rc, e)) || !(jo.counts = junit_counts(rc, all, e)))
        goto out;
    finished = json_string_value(json_object_get(scan, "finished"));
    sb_addf(&jo.sb,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"fourc scan %lld\"",
            (long long)rc->scan_id);
    junit_tally(&jo.sb, all);
    if (finished) {
        sb_adds(&jo.sb, " timestamp=\"");
        junit_esc(&jo.sb, finished, 1);
        sb_adds(&jo.sb, "\"");
    }
    sb_adds(&jo.sb, ">\n");
    fwrite(jo.sb.buf, 1, jo.sb.len, out);
    if (report_foreach_finding(rc, junit_finding, &jo, e))
        goto out;
    fputs(jo.open ? "  </testsuite>\n</testsuites>\n" : "</testsuites>\n", out);
    if (ferror(out)) {
        err_set(e, "write error: %s", strerror(errno));
        goto out;
    }
    ret = 0;
out:
    json_decref(jo.counts);
    json_decref(all);
    json_decref(scan);
    sb_release(&jo.sb);
    sb_release(&jo.hash);
    return ret;
}

const struct reporter reporter_junit = {
    .name = "junit",
    .ext = ".xml",
    .summary = "JUnit XML: a test suite per rule, a test case per finding",
    .render = junit_render,
};
