/*
 * sarif.c: SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab,
 * Azure DevOps), validated against the OASIS schema in the tests.
 *
 * SARIF speaks about places in files, so only findings whose resource has
 * a "path:line" source become results, and only those someone must act
 * on: fail (level from the rule's severity), error (kind "fail", level
 * "error", properties.evaluated false: never a silent pass) and waived
 * (reported with an accepted external suppression, so dashboards show it
 * as dismissed rather than forgetting it). Passes, manual and skip are
 * left out to keep files small; the JSON report has them all.
 *
 * rules[] lists the rules that have at least one result, in rule id
 * order, so ruleIndex is known before the results are streamed. Relative
 * sources stay relative to %SRCROOT% (scan from the repository root and
 * the URIs match the checkout); absolute ones become file:// URIs.
 */
#include "reporter.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "jsonw.h"
#include "util.h"
#include "banned.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define SARIF_INFO_URI "https://github.com/fourc/fourc"

struct sarif_out {
    FILE *out;
    json_t *index; /* rule hash -> ruleIndex */
    size_t n;
    struct strbuf sb;
    struct err *e;
};

static const char *sarif_level(const char *severity)
{
    if (!severity)
        return "warning";
    if (!strcmp(severity, "critical") || !strcmp(severity, "high"))
        return "error";
    if (!strcmp(severity, "medium"))
        return "warning";
    return "note";
}

/* GitHub's scale: critical >= 9.0, high >= 7.0, medium >= 4.0. */
static const char *sarif_security_severity(const char *severity)
{
    static const char *const map[][2] = {{"critical", "9.5"},
                                         {"high", "8.0"},
                                         {"medium", "5.5"},
                                         {"low", "3.0"}};
    size_t i;

    for (i = 0; severity && i < sizeof(map) / sizeof(*map); i++)
        if (!strcmp(severity, map[i][0]))
            return map[i][1];
    return "0.0";
}

/*
 * Splits "path:line" into the path's length and the line. False for
 * sources that are not a place in a file: targets, URLs, image
 * references, a line that is not a positive number.
 */
static int sarif_file_line(const char *src, size_t *pathlen, long *line)
{
    const char *colon, *p;
    char *end;

    if (!src || !(colon = strrchr(src, ':')) || colon == src ||
        strstr(src, "://"))
        return 0;
    for (p = colon + 1; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    if (p == colon + 1)
        return 0;
    errno = 0;
    *line = strtol(colon + 1, &end, 10);
    if (errno || *line < 1)
        return 0;
    *pathlen = (size_t)(colon - src);
    return 1;
}

/* A path as a URI reference: forward slashes, every byte outside the
 * unreserved set and "/" percent-encoded (spaces, ':' that would read
 * as a scheme, non-ASCII). */
static void sarif_uri(struct strbuf *sb, const char *path, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        char buf[3];

        if (c == '\\')
            c = '/';
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
            c == '/') {
            buf[0] = (char)c;
            sb_add(sb, buf, 1);
        } else {
            buf[0] = '%';
            buf[1] = hex[c >> 4];
            buf[2] = hex[c & 15];
            sb_add(sb, buf, 3);
        }
    }
}

static const char *sarif_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s ? s : "";
}

/* ---- rules ---------------------------------------------------------- */

static json_t *sarif_rule(const char *id, const char *severity,
                          const char *pillar, const char *title,
                          const json_t *doc)
{
    struct strbuf text = STRBUF_INIT, md = STRBUF_INIT;
    const char *rationale = sarif_str(doc, "rationale"),
               *remediation = sarif_str(doc, "remediation"),
               *description = sarif_str(doc, "description"), *cat;
    json_t *tags = json_array(), *refs = json_object_get(doc, "references"),
           *controls = json_array(), *ids, *rule, *ref, *ctl;
    size_t i;

    json_array_append_new(tags, json_string("security"));
    json_array_append_new(tags, json_string(pillar));
    json_object_foreach(json_object_get(doc, "frameworks"), cat, ids)
    {
        const struct catalogue *c = catalogue_find(cat);
        json_t *v;
        json_array_foreach(ids, i, v)
        {
            const struct control *ct =
                catalogue_control(c, json_string_value(v));
            json_array_append_new(
                tags, json_sprintf("%s:%s", cat, json_string_value(v)));
            ctl = json_pack("{s:s, s:O}", "framework", cat, "id", v);
            if (ctl && ct)
                json_object_set_new(ctl, "title", json_string(ct->title));
            json_array_append_new(controls, ctl);
        }
    }
    sb_addf(&text, "%s\n\nRationale: %s\n\nRemediation: %s", title, rationale,
            remediation);
    sb_addf(&md, "**%s**\n\n**Rationale**\n\n%s\n\n**Remediation**\n\n%s",
            title, rationale, remediation);
    json_array_foreach(refs, i, ref)
    {
        if (json_is_string(ref))
            sb_addf(&md, "%s- <%s>", i ? "\n" : "\n\n**References**\n\n",
                    json_string_value(ref));
    }
    rule = json_pack(
        "{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s%, s:s%}, s:{s:s}, "
        "s:{s:o, s:s, s:s, s:s, s:s}}",
        "id", id, "name", id, "shortDescription", "text", title,
        "fullDescription", "text", *description ? description : title, "help",
        "text", text.buf, text.len, "markdown", md.buf, md.len,
        "defaultConfiguration", "level", sarif_level(severity), "properties",
        "tags", tags, "security-severity", sarif_security_severity(severity),
        "precision", "high", "problem.severity",
        sarif_level(severity)[0] == 'n' ? "recommendation"
                                        : sarif_level(severity),
        "severity", severity);
    /* The control each tag names, with its title from the catalogue. */
    if (rule && json_array_size(controls))
        json_object_set(json_object_get(rule, "properties"), "controls",
                        controls);
    json_decref(controls);
    ref = json_array_get(refs, 0);
    if (rule && json_is_string(ref) &&
        (!strncmp(json_string_value(ref), "https://", 8) ||
         !strncmp(json_string_value(ref), "http://", 7)))
        json_object_set(rule, "helpUri", ref);
    sb_release(&text);
    sb_release(&md);
    return rule;
}

struct sarif_rules_ctx {
    json_t *rules, *index;
};

static int sarif_rule_row(const struct report_rule *r, void *arg)
{
    struct sarif_rules_ctx *c = arg;
    json_t *rule =
        sarif_rule(r->rule_id, r->severity, r->pillar, r->title, r->doc);

    if (!rule)
        return 1;
    json_object_set_new(c->index, r->hash,
                        json_integer((json_int_t)json_array_size(c->rules)));
    json_array_append_new(c->rules, rule);
    return 0;
}

/* The rules with at least one result, in id order; fills index. */
static json_t *sarif_rules(const struct report_ctx *rc, json_t *index,
                           struct err *e)
{
    struct sarif_rules_ctx c = {json_array(), index};
    int rc2 = report_foreach_located_rule(rc, sarif_rule_row, &c, e);

    if (rc2 == 1)
        err_set(e, "scan %lld: cannot read the rules of the SARIF report",
                (long long)rc->scan_id);
    if (rc2) {
        json_decref(c.rules);
        return NULL;
    }
    return c.rules;
}

/* ---- results -------------------------------------------------------- */

static json_t *sarif_location(const json_t *res, const char *src,
                              size_t pathlen, long line)
{
    struct strbuf uri = STRBUF_INIT, fq = STRBUF_INIT;
    const char *kind = sarif_str(res, "kind"), *name = sarif_str(res, "name"),
               *ns = json_string_value(json_object_get(res, "namespace"));
    json_t *art, *loc;

    if (src[0] == '/') {
        sb_adds(&uri, "file://");
        sarif_uri(&uri, src, pathlen);
        art = json_pack("{s:s%}", "uri", uri.buf, uri.len);
    } else {
        if (pathlen > 2 && src[0] == '.' && src[1] == '/') {
            src += 2;
            pathlen -= 2;
        }
        sarif_uri(&uri, src, pathlen);
        art = json_pack("{s:s%, s:s}", "uri", uri.buf, uri.len, "uriBaseId",
                        "%SRCROOT%");
    }
    sb_addf(&fq, "%s/", kind);
    if (ns && *ns)
        sb_addf(&fq, "%s/", ns);
    sb_adds(&fq, name);
    loc = json_pack("[{s:{s:o, s:{s:I}}, s:[{s:s, s:s%, s:s}]}]",
                    "physicalLocation", "artifactLocation", art, "region",
                    "startLine", (json_int_t)line, "logicalLocations", "name",
                    *name ? name : kind, "fullyQualifiedName", fq.buf, fq.len,
                    "kind", "resource");
    sb_release(&uri);
    sb_release(&fq);
    return loc;
}

static int sarif_finding(const json_t *f, void *ctx)
{
    struct sarif_out *so = ctx;
    const char *status = sarif_str(f, "status"), *msg = sarif_str(f, "message"),
               *fp = sarif_str(f, "fingerprint");
    const json_t *res = json_object_get(f, "resource");
    const char *src = json_string_value(json_object_get(res, "source"));
    json_t *idx = json_object_get(so->index, sarif_str(f, "rule_version"));
    json_t *result, *props;
    struct strbuf text = STRBUF_INIT;
    size_t pathlen;
    long line;
    int error = !strcmp(status, "error");

    if ((strcmp(status, "fail") && !error && strcmp(status, "waived")) ||
        !idx || !strncmp(sarif_str(res, "kind"), "fourc/", 6) ||
        !sarif_file_line(src, &pathlen, &line))
        return 0;
    {
        /* A finding about one part of the file (a Dockerfile instruction)
         * points at that part's line. */
        const json_t *el =
            json_object_get(json_object_get(f, "evidence"), "line");
        if (json_is_integer(el) && json_integer_value(el) > 0)
            line = (long)json_integer_value(el);
    }
    if (!strncmp(fp, "sha256:", 7))
        fp += 7;
    if (error)
        sb_adds(&text, "Not evaluated: ");
    sb_adds(&text, *msg ? msg : sarif_str(f, "title"));
    props =
        json_pack("{s:s, s:s, s:b, s:O, s:O, s:O, s:O}", "status", status,
                  "severity", sarif_str(f, "severity"), "evaluated", !error,
                  "resource", res, "evidence", json_object_get(f, "evidence"),
                  "frameworks", json_object_get(f, "frameworks"), "ruleVersion",
                  json_object_get(f, "rule_version"));
    result = json_pack(
        "{s:s, s:O, s:s, s:s, s:{s:s%}, s:o, s:{s:s}, s:o}", "ruleId",
        sarif_str(f, "rule"), "ruleIndex", idx, "kind", "fail", "level",
        error ? "error" : sarif_level(sarif_str(f, "severity")), "message",
        "text", text.buf, text.len, "locations",
        sarif_location(res, src, pathlen, line), "partialFingerprints",
        "fourc/v1", fp, "properties", props);
    sb_release(&text);
    if (!result)
        return err_set(so->e, "cannot build the SARIF result of rule %s",
                       sarif_str(f, "rule"));
    if (!strcmp(status, "waived"))
        json_object_set_new(
            result, "suppressions",
            json_pack("[{s:s, s:s, s:s}]", "kind", "external", "status",
                      "accepted", "justification",
                      "waived in fourc (see the fourc waivers)"));
    sb_setlen(&so->sb, 0);
    sb_adds(&so->sb, so->n++ ? ",\n        " : "\n        ");
    jsonw_value(&so->sb, result);
    json_decref(result);
    if (fwrite(so->sb.buf, 1, so->sb.len, so->out) != so->sb.len)
        return err_set(so->e, "write error: %s", strerror(errno));
    return 0;
}

/* ---- the document --------------------------------------------------- */

static json_t *sarif_head(const json_t *scan, json_t *rules)
{
    const char *version =
        json_string_value(json_object_get(scan, "tool_version"));
    const char *status = json_string_value(json_object_get(scan, "status"));
    json_t *inv, *run, *props;

    if (!version)
        version = PACKAGE_VERSION;
    inv = json_pack("{s:b}", "executionSuccessful",
                    !status || strcmp(status, "failed") != 0);
    if (json_is_string(json_object_get(scan, "started")))
        json_object_set(inv, "startTimeUtc", json_object_get(scan, "started"));
    if (json_is_string(json_object_get(scan, "finished")))
        json_object_set(inv, "endTimeUtc", json_object_get(scan, "finished"));
    props = json_pack("{s:O, s:O, s:O}", "scan", json_object_get(scan, "id"),
                      "targets", json_object_get(scan, "targets"),
                      "rulesDigest", json_object_get(scan, "rules_digest"));
    run =
        json_pack("{s:{s:{s:s, s:s, s:s, s:s, s:o}}, s:[o], s:s, s:o, s:[]}",
                  "tool", "driver", "name", "fourc", "version", version,
                  "semanticVersion", version, "informationUri", SARIF_INFO_URI,
                  "rules", rules, "invocations", inv, "columnKind",
                  "unicodeCodePoints", "properties", props, "results");
    return json_pack("{s:s, s:s, s:[o]}", "$schema", SARIF_SCHEMA, "version",
                     "2.1.0", "runs", run);
}

static int sarif_render(const struct report_ctx *rc, FILE *out, struct err *e)
{
    struct sarif_out so = {out, json_object(), 0, STRBUF_INIT, e};
    json_t *scan, *rules = NULL, *head = NULL;
    char *text = NULL;
    size_t len;
    int ret = -1;

    if (!(scan = report_scan(rc, e)) || !(rules = sarif_rules(rc, so.index, e)))
        goto out;
    head = sarif_head(scan, rules);
    text = head ? json_dumps(head, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (!text) {
        err_set(e, "cannot build the SARIF report of scan %lld",
                (long long)rc->scan_id);
        goto out;
    }
    /* The header ends with "results": [] and closing brackets: open the
     * array there and stream one result a line. */
    len = strlen(text);
    while (len && text[len - 1] != '[')
        len--;
    fwrite(text, 1, len, out);
    if (report_foreach_finding(rc, sarif_finding, &so, e))
        goto out;
    fputs(so.n ? "\n      ]\n    }\n  ]\n}\n" : "]\n    }\n  ]\n}\n", out);
    if (ferror(out)) {
        err_set(e, "write error: %s", strerror(errno));
        goto out;
    }
    ret = 0;
out:
    free(text);
    json_decref(head);
    json_decref(scan);
    json_decref(so.index);
    sb_release(&so.sb);
    return ret;
}

const struct reporter reporter_sarif = {
    .name = "sarif",
    .ext = ".sarif",
    .summary = "SARIF 2.1.0 for code scanning (findings with a file location)",
    .render = sarif_render,
};
