/*
 * csv.c: one row per finding, RFC 4180 (CRLF line ends; a field holding
 * a comma, quote, CR or LF is quoted, quotes doubled), for spreadsheets
 * and scripts.
 *
 * Spreadsheet formula injection: a finding's text can come from the
 * scanned target (names, values, SQL rule messages), and a cell starting
 * with = + - @ (or tab, CR) is run as a formula by Excel, LibreOffice and
 * Google Sheets. So the free-text columns (title, namespace, name,
 * source, message, evidence_path, actual, expected, remediation) get a
 * leading ' when they start with one of those and are not a plain
 * number, as OWASP recommends. The other columns are fourc's own
 * vocabulary (rule ids, severities, statuses, kinds, framework ids,
 * fingerprints) and are written as they are. Everything else round-trips
 * exactly through any RFC 4180 reader.
 */
#include "reporter.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "jsonw.h"
#include "util.h"
#include "banned.h"

#define CSV_HEADER                                                             \
    "rule,title,severity,pillar,status,kind,namespace,name,source,message,"    \
    "evidence_path,actual,expected,frameworks,remediation,fingerprint\r\n"

struct csv_out {
    FILE *out;
    struct strbuf row, cell;
    struct err *e;
};

/* "-1", "+2.5", "1e3": safe in a cell, and a number must stay one. */
static int csv_number(const char *s)
{
    const char *p = s;

    if (*p == '-' || *p == '+')
        p++;
    if (!isdigit((unsigned char)*p))
        return 0;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '-' || *p == '+')
            p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p == '\0';
}

/* Appends one field (and the comma before it unless first). */
static void csv_field(struct strbuf *row, const char *s, int text, int first)
{
    int quote;
    const char *p;

    if (!first)
        sb_add(row, ",", 1);
    if (!s)
        return;
    quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        sb_add(row, "\"", 1);
    if (text && s[0] && strchr("=+-@\t\r", s[0]) && !csv_number(s))
        sb_add(row, "'", 1);
    for (p = s; *p; p++) {
        if (*p == '"')
            sb_add(row, "\"", 1);
        sb_add(row, p, 1);
    }
    if (quote)
        sb_add(row, "\"", 1);
}

static const char *csv_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* An evidence value: strings as they are, anything else as JSON. */
static const char *csv_value(struct strbuf *cell, const json_t *v)
{
    sb_setlen(cell, 0);
    if (!v || json_is_null(v))
        return "";
    if (json_is_string(v))
        return json_string_value(v);
    jsonw_value(cell, v);
    return sb_str(cell);
}

static int csv_finding(const json_t *f, void *ctx)
{
    struct csv_out *co = ctx;
    const json_t *res = json_object_get(f, "resource"),
                 *ev = json_object_get(f, "evidence"), *ids;
    struct strbuf *row = &co->row;
    const char *cat;

    sb_setlen(row, 0);
    csv_field(row, csv_str(f, "rule"), 1, 1);
    csv_field(row, csv_str(f, "title"), 1, 0);
    csv_field(row, csv_str(f, "severity"), 0, 0);
    csv_field(row, csv_str(f, "pillar"), 0, 0);
    csv_field(row, csv_str(f, "status"), 0, 0);
    csv_field(row, csv_str(res, "kind"), 0, 0);
    csv_field(row, csv_str(res, "namespace"), 1, 0);
    csv_field(row, csv_str(res, "name"), 1, 0);
    csv_field(row, csv_str(res, "source"), 1, 0);
    csv_field(row, csv_str(f, "message"), 1, 0);
    csv_field(row, csv_str(ev, "path"), 1, 0);
    /* "actual" absent (the path matched nothing) is empty, like null. */
    csv_field(row, csv_value(&co->cell, json_object_get(ev, "actual")), 1, 0);
    csv_field(row, csv_value(&co->cell, json_object_get(ev, "expected")), 1, 0);
    sb_setlen(&co->cell, 0);
    json_object_foreach((json_t *)json_object_get(f, "frameworks"), cat, ids)
    {
        size_t i;
        json_t *v;
        json_array_foreach(ids, i, v)
        {
            sb_addf(&co->cell, "%s%s:%s", co->cell.len ? ";" : "", cat,
                    json_string_value(v));
        }
    }
    csv_field(row, sb_str(&co->cell), 1, 0);
    csv_field(row, csv_str(f, "remediation"), 1, 0);
    csv_field(row, csv_str(f, "fingerprint"), 0, 0);
    sb_add(row, "\r\n", 2);
    if (fwrite(row->buf, 1, row->len, co->out) != row->len)
        return err_set(co->e, "write error: %s", strerror(errno));
    return 0;
}

static int csv_render(const struct report_ctx *rc, FILE *out, struct err *e)
{
    struct csv_out co = {out, STRBUF_INIT, STRBUF_INIT, e};
    json_t *scan;
    int ret;

    /* An unknown scan is an error, not an empty table. */
    if (!(scan = report_scan(rc, e)))
        return -1;
    json_decref(scan);
    fputs(CSV_HEADER, out);
    ret = report_foreach_finding(rc, csv_finding, &co, e);
    if (ret == 0 && ferror(out))
        ret = err_set(e, "write error: %s", strerror(errno));
    sb_release(&co.row);
    sb_release(&co.cell);
    return ret;
}

const struct reporter reporter_csv = {
    .name = "csv",
    .ext = ".csv",
    .summary = "CSV (RFC 4180): one row per finding",
    .render = csv_render,
};
