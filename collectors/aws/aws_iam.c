/*
 * aws_iam.c: the IAM service module: aws/IAMUser, aws/IAMGroup,
 * aws/IAMRole, aws/IAMPolicy and the IAM keys of aws/Account
 * (password_policy, account_summary, credential_report, root,
 * support_access, server_certificates). docs/aws.md lists the fields.
 *
 * Few requests, each once: the users, groups, roles and customer managed
 * policies (with their default version's document) come from
 * GetAccountAuthorizationDetails, followed page by page; every user's
 * password, MFA and access key facts from the credential report (one
 * GenerateCredentialReport poll, one GetCredentialReport), not from calls
 * per user; an AWS managed policy costs GetPolicy and GetPolicyVersion
 * once however many entities it is attached to. So 1,000 users cost a
 * handful of requests.
 *
 * A denied GetAccountAuthorizationDetails leaves the four kinds `error`
 * (aws_kind_failed); a report that could not be had puts the marker in
 * the credential fields of every user and of root; a denied GetPolicy
 * marks that policy's document.
 */
#include "aws_iam.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_int.h"
#include "aws_xml.h"
#include "util.h"
#include "banned.h"

#define IAM_VERSION "2010-05-08"
#define IAM_REPORT_MAX_ROWS 1000000
#define IAM_REPORT_TIMEOUT_S 60
#define IAM_ROOT_ROW "<root_account>"
#define IAM_ROOT_VMFA ":mfa/root-account-mfa-device"

struct iam {
    struct aws_job *j;
    time_t now;
    json_t *rows;       /* credential report rows by user name */
    json_t *report_err; /* marker: the report could not be had */
    char generated[40]; /* the report's GeneratedTime */
    json_t *vmfa;       /* ListVirtualMFADevices' list */
    json_t *vmfa_err;   /* or the marker */
};

/* {"$error": "..."} (new reference). */
static json_t *iam_marker(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static json_t *iam_marker(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return json_pack("{s:s}", "$error", buf);
}

static const char *iam_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static json_t *iam_strv(const json_t *o, const char *key)
{
    const char *s = iam_str(o, key);
    return s ? json_string(s) : json_null();
}

/* The value at "A/B/C" under v, or NULL. */
static json_t *iam_at(json_t *v, const char *path)
{
    char buf[160];
    char *p = buf, *sl;

    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return NULL;
    while (v && (sl = strchr(p, '/'))) {
        *sl = '\0';
        v = json_object_get(v, p);
        p = sl + 1;
    }
    return v ? json_object_get(v, p) : NULL;
}

/* An integer from the XML's text; the text itself when it is not one. */
static json_t *iam_int(const json_t *o, const char *key)
{
    const char *s = iam_str(o, key);
    char *end;
    long long v;

    if (!s)
        return json_null();
    errno = 0;
    v = strtoll(s, &end, 10);
    if (!*s || *end || errno)
        return json_string(s);
    return json_integer(v);
}

static json_t *iam_bool(const json_t *o, const char *key)
{
    const char *s = iam_str(o, key);
    if (s && !strcmp(s, "true"))
        return json_true();
    if (s && !strcmp(s, "false"))
        return json_false();
    return s ? json_string(s) : json_null();
}

static json_t *iam_call(struct iam *st, const char *action,
                        const char *const *params, struct aws_call_err *ce,
                        struct err *ce_e)
{
    struct aws_query q = {.service = "iam",
                          .region = st->j->region,
                          .version = IAM_VERSION,
                          .action = action,
                          .params = params};
    return aws_query_once(st->j->client, &q, ce, ce_e);
}

/*
 * A call answering several lists at once (GetAccountAuthorizationDetails,
 * ListEntitiesForPolicy), followed by Marker to the end: lists[i] of every
 * page's result is appended to out[i] (arrays). 0, or -1 with ce, ce_e.
 */
static int iam_pages(struct iam *st, const char *action,
                     const char *const *params, const char *const *lists,
                     json_t **out, struct aws_call_err *ce, struct err *ce_e)
{
    const char *p[16];
    char *marker = NULL;
    char result[80];
    size_t np = 0;
    int rc = -1;

    snprintf(result, sizeof(result), "%sResult", action);
    for (; params && params[np] && np < 14; np++)
        p[np] = params[np];
    for (int page = 0; page < AWS_CALL_MAX_PAGES; page++) {
        json_t *doc, *res;
        const char *next, *trunc;

        p[np] = marker;
        p[np + 1] = NULL;
        doc = iam_call(st, action, p, ce, ce_e);
        if (!doc)
            goto out;
        res = json_object_get(doc, result);
        for (size_t i = 0; lists[i]; i++) {
            json_t *l = aws_xml_list(res, lists[i]);
            json_array_extend(out[i], l);
            json_decref(l);
        }
        trunc = iam_str(res, "IsTruncated");
        next = iam_str(res, "Marker");
        if (!trunc || strcmp(trunc, "true") || !next || !*next) {
            json_decref(doc);
            rc = 0;
            goto out;
        }
        if (marker && !strcmp(marker + strlen("Marker="), next)) {
            err_set(ce_e, "aws iam %s %s: the same Marker twice", action,
                    st->j->region);
            ce->kind = AWS_ERR_TRANSPORT;
            json_decref(doc);
            goto out;
        }
        free(marker);
        marker = xmalloc(strlen(next) + sizeof("Marker="));
        memcpy(marker, "Marker=", 7);
        memcpy(marker + 7, next, strlen(next) + 1);
        json_decref(doc);
    }
    err_set(ce_e, "aws iam %s %s: more than %d pages", action, st->j->region,
            AWS_CALL_MAX_PAGES);
    ce->kind = AWS_ERR_TRANSPORT;
out:
    free(marker);
    return rc;
}

static time_t iam_now(void)
{
    const char *s = getenv("FOURC_AWS_NOW");
    time_t t;
    if (s && *s && (t = rfc3339_parse(s)) != (time_t)-1)
        return t;
    return time(NULL);
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* GenerateCredentialReport polled until COMPLETE (with backoff, for at
 * most FOURC_AWS_CREDENTIAL_REPORT_TIMEOUT seconds, default 60), then
 * GetCredentialReport: st->rows, or st->report_err. */
static void iam_report(struct iam *st)
{
    const char *env = getenv("FOURC_AWS_CREDENTIAL_REPORT_TIMEOUT");
    double limit = IAM_REPORT_TIMEOUT_S, start = mono_s();
    const char *region = st->j->region;
    struct aws_call_err ce;
    struct err ce_e = {{0}}, pe = {{0}};
    struct strbuf csv = STRBUF_INIT;
    json_t *doc = NULL, *rows, *row, *gen_err = NULL;
    const char *content, *fmt, *gen;
    long delay = 250;
    size_t i;

    if (env && *env) {
        char *end;
        double v = strtod(env, &end);
        if (!*end && v >= 0)
            limit = v;
    }
    for (;;) {
        const char *state;
        double left;

        doc = iam_call(st, "GenerateCredentialReport", NULL, &ce, &ce_e);
        if (!doc && ce.kind == AWS_ERR_DENIED) {
            /* a report generated earlier may still be readable */
            gen_err = aws_unavailable(&ce, &ce_e);
            break;
        }
        if (!doc) {
            st->report_err = aws_unavailable(&ce, &ce_e);
            return;
        }
        state = json_string_value(
            iam_at(doc, "GenerateCredentialReportResult/State"));
        if (state && !strcmp(state, "COMPLETE"))
            break;
        left = limit - (mono_s() - start);
        if (left <= 0) {
            st->report_err = iam_marker(
                "aws iam GenerateCredentialReport %s: the credential report "
                "was still being generated after %g s (State %s)",
                region, limit, state ? state : "missing");
            json_decref(doc);
            return;
        }
        json_decref(doc);
        sleep_ms(delay < left * 1000 ? delay : (long)(left * 1000) + 1);
        if (delay < 4000)
            delay *= 2;
    }
    json_decref(doc);
    doc = iam_call(st, "GetCredentialReport", NULL, &ce, &ce_e);
    if (!doc) {
        /* denied generating and no report to read: the denial says why */
        st->report_err = gen_err ? gen_err : aws_unavailable(&ce, &ce_e);
        return;
    }
    json_decref(gen_err);
    content =
        json_string_value(iam_at(doc, "GetCredentialReportResult/Content"));
    fmt = json_string_value(
        iam_at(doc, "GetCredentialReportResult/ReportFormat"));
    gen = json_string_value(
        iam_at(doc, "GetCredentialReportResult/GeneratedTime"));
    if (fmt && strcmp(fmt, "text/csv")) {
        st->report_err = iam_marker("aws iam GetCredentialReport %s: report "
                                    "format %.40s, not text/csv",
                                    region, fmt);
    } else if (!content || base64_decode(content, strlen(content), &csv) < 0) {
        st->report_err = iam_marker("aws iam GetCredentialReport %s: the "
                                    "answer's Content is not base64",
                                    region);
    } else if (!(rows = aws_iam_report_parse(csv.buf, csv.len,
                                             IAM_REPORT_MAX_ROWS, &pe))) {
        st->report_err =
            iam_marker("aws iam GetCredentialReport %s: %s", region, pe.msg);
    } else {
        st->rows = json_object();
        json_array_foreach(rows, i, row)
        {
            const char *u = iam_str(row, "user");
            if (u)
                json_object_set(st->rows, u, row);
        }
        json_decref(rows);
        snprintf(st->generated, sizeof(st->generated), "%s", gen ? gen : "");
    }
    sb_release(&csv);
    json_decref(doc);
}

/* The credential keys every user (and root) carries. */
static const char *const cred_keys[] = {
    "password_enabled",     "mfa_active",
    "password_last_used",   "password_last_changed",
    "password_unused_days", "access_keys",
    "access_keys_active",   "last_used",
    "last_used_days",       NULL};

static void iam_creds_into(struct iam *st, json_t *doc, const char *user)
{
    json_t *row = st->rows ? json_object_get(st->rows, user) : NULL, *c,
           *m = NULL;
    if (row) {
        c = aws_iam_report_creds(row, st->now);
        json_object_update(doc, c);
        json_decref(c);
        return;
    }
    if (st->report_err)
        m = json_incref(st->report_err);
    else
        m = iam_marker("aws iam GetCredentialReport %s: %s is not in the "
                       "credential report (generated %s)",
                       st->j->region, user, st->generated);
    for (size_t i = 0; cred_keys[i]; i++)
        json_object_set(doc, cred_keys[i], m);
    json_decref(m);
}

/* [{name, document, grants_full_admin}] of GAAD's inline policy list. */
static json_t *iam_inline(const json_t *item, const char *list,
                          const char *what, const char *name)
{
    json_t *out = json_array(), *l = aws_xml_list((json_t *)item, list), *p;
    size_t i;

    json_array_foreach(l, i, p)
    {
        const char *pn = iam_str(p, "PolicyName"),
                   *txt = iam_str(p, "PolicyDocument");
        struct err pe = {{0}};
        json_t *doc = txt ? aws_iam_policy_parse(txt, strlen(txt), &pe) : NULL,
               *adm;
        if (!doc) {
            doc = iam_marker(
                "aws iam GetAccountAuthorizationDetails: %s %s inline "
                "policy %s: %s",
                what, name, pn ? pn : "?", txt ? pe.msg : "no PolicyDocument");
            adm = json_incref(doc);
        } else {
            adm = json_boolean(aws_iam_policy_full_admin(doc));
        }
        json_array_append_new(out, json_pack("{s:o, s:o, s:o}", "name",
                                             pn ? json_string(pn) : json_null(),
                                             "document", doc,
                                             "grants_full_admin", adm));
    }
    json_decref(l);
    return out;
}

/* [{name, arn}] of AttachedManagedPolicies; AWS managed ones counted in
 * aws_attached (arn: count). */
static json_t *iam_attached(const json_t *item, json_t *aws_attached)
{
    json_t *out = json_array(),
           *l = aws_xml_list((json_t *)item, "AttachedManagedPolicies"), *p;
    size_t i;

    json_array_foreach(l, i, p)
    {
        const char *arn = iam_str(p, "PolicyArn");
        json_array_append_new(out, json_pack("{s:o, s:o}", "name",
                                             iam_strv(p, "PolicyName"), "arn",
                                             iam_strv(p, "PolicyArn")));
        if (arn && strstr(arn, ":iam::aws:policy/")) {
            json_int_t n =
                json_integer_value(json_object_get(aws_attached, arn));
            json_object_set_new(aws_attached, arn, json_integer(n + 1));
        }
    }
    json_decref(l);
    return out;
}

static json_t *iam_names(const json_t *list, const char *key)
{
    json_t *out = json_array(), *x;
    size_t i;

    json_array_foreach(list, i, x)
    {
        const char *s =
            json_is_string(x) ? json_string_value(x) : iam_str(x, key);
        if (s)
            json_array_append_new(out, json_string(s));
    }
    return out;
}

static int iam_users(struct iam *st, json_t *users, json_t *aws_attached,
                     struct err *e)
{
    json_t *u;
    size_t i;

    json_array_foreach(users, i, u)
    {
        const char *name = iam_str(u, "UserName");
        json_t *doc, *groups = aws_xml_list(u, "GroupList"), *vm;
        size_t k;

        if (!name)
            continue;
        doc = json_pack(
            "{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "name", name, "id",
            iam_strv(u, "UserId"), "path", iam_strv(u, "Path"), "created",
            iam_strv(u, "CreateDate"), "groups", iam_names(groups, NULL),
            "attached_policies", iam_attached(u, aws_attached),
            "inline_policies", iam_inline(u, "UserPolicyList", "user", name),
            "permissions_boundary",
            json_incref(json_object_get(u, "PermissionsBoundary")
                            ? json_object_get(u, "PermissionsBoundary")
                            : json_null()));
        json_decref(groups);
        iam_creds_into(st, doc, name);
        /* the virtual MFA devices assigned to the user */
        if (st->vmfa) {
            json_t *mine = json_array();
            json_array_foreach(st->vmfa, k, vm)
            {
                const char *un = json_string_value(iam_at(vm, "User/UserName"));
                if (un && !strcmp(un, name))
                    json_array_append_new(mine, iam_strv(vm, "SerialNumber"));
            }
            json_object_set_new(doc, "virtual_mfa_devices", mine);
        } else {
            json_object_set(doc, "virtual_mfa_devices", st->vmfa_err);
        }
        if (aws_emit(st->j, "aws/IAMUser", "global", name, name,
                     iam_str(u, "Arn"), doc, e) < 0)
            return -1;
    }
    return 0;
}

static int iam_groups(struct iam *st, json_t *groups, json_t *users,
                      json_t *aws_attached, struct err *e)
{
    json_t *g, *u;
    size_t i, k;

    json_array_foreach(groups, i, g)
    {
        const char *name = iam_str(g, "GroupName");
        json_t *members = json_array(), *doc;

        if (!name) {
            json_decref(members);
            continue;
        }
        json_array_foreach(users, k, u)
        {
            json_t *gl = aws_xml_list(u, "GroupList"), *x;
            size_t m;
            json_array_foreach(gl, m, x)
            {
                if (json_is_string(x) && !strcmp(json_string_value(x), name))
                    json_array_append_new(members, iam_strv(u, "UserName"));
            }
            json_decref(gl);
        }
        doc = json_pack(
            "{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "name", name, "id",
            iam_strv(g, "GroupId"), "path", iam_strv(g, "Path"), "created",
            iam_strv(g, "CreateDate"), "users", members, "attached_policies",
            iam_attached(g, aws_attached), "inline_policies",
            iam_inline(g, "GroupPolicyList", "group", name));
        if (aws_emit(st->j, "aws/IAMGroup", "global", name, name,
                     iam_str(g, "Arn"), doc, e) < 0)
            return -1;
    }
    return 0;
}

static int iam_roles(struct iam *st, json_t *roles, json_t *aws_attached,
                     struct err *e)
{
    json_t *r;
    size_t i;

    json_array_foreach(roles, i, r)
    {
        const char *name = iam_str(r, "RoleName"),
                   *trust = iam_str(r, "AssumeRolePolicyDocument");
        json_t *doc, *tp, *ip = aws_xml_list(r, "InstanceProfileList");
        struct err pe = {{0}};

        if (!name) {
            json_decref(ip);
            continue;
        }
        tp = trust ? aws_iam_policy_parse(trust, strlen(trust), &pe) : NULL;
        if (!tp)
            tp = trust ? iam_marker("aws iam GetAccountAuthorizationDetails: "
                                    "role %s trust policy: %s",
                                    name, pe.msg)
                       : json_null();
        doc = json_pack(
            "{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "name", name, "id",
            iam_strv(r, "RoleId"), "path", iam_strv(r, "Path"), "created",
            iam_strv(r, "CreateDate"), "trust_policy", tp, "attached_policies",
            iam_attached(r, aws_attached), "inline_policies",
            iam_inline(r, "RolePolicyList", "role", name), "instance_profiles",
            iam_names(ip, "InstanceProfileName"), "last_used",
            iam_strv(json_object_get(r, "RoleLastUsed"), "LastUsedDate"));
        json_decref(ip);
        if (aws_emit(st->j, "aws/IAMRole", "global", name, name,
                     iam_str(r, "Arn"), doc, e) < 0)
            return -1;
    }
    return 0;
}

/* The policy's document fields: document and grants_full_admin from the
 * (URL-encoded) text, or the marker in both. */
static void iam_policy_doc(json_t *doc, const char *arn, const char *text)
{
    struct err pe = {{0}};
    json_t *d = text ? aws_iam_policy_parse(text, strlen(text), &pe) : NULL;

    if (!d) {
        d = iam_marker("aws iam policy %s default version: %s", arn,
                       text ? pe.msg : "no document in the answer");
        json_object_set(doc, "grants_full_admin", d);
    } else {
        json_object_set_new(doc, "grants_full_admin",
                            json_boolean(aws_iam_policy_full_admin(d)));
    }
    json_object_set_new(doc, "document", d);
}

/* The common fields of a managed policy from its GAAD or GetPolicy item. */
static json_t *iam_policy_meta(const json_t *p, int aws_managed)
{
    json_t *cnt = iam_int(p, "AttachmentCount");
    json_t *doc = json_pack(
        "{s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o}", "name",
        iam_strv(p, "PolicyName"), "id", iam_strv(p, "PolicyId"), "path",
        iam_strv(p, "Path"), "default_version_id",
        iam_strv(p, "DefaultVersionId"), "aws_managed", aws_managed,
        "attachment_count", cnt, "is_attachable", iam_bool(p, "IsAttachable"),
        "created", iam_strv(p, "CreateDate"), "updated",
        iam_strv(p, "UpdateDate"));
    if (json_is_integer(cnt))
        json_object_set_new(doc, "attached",
                            json_boolean(json_integer_value(cnt) > 0));
    else
        json_object_set(doc, "attached", cnt);
    return doc;
}

static int iam_local_policies(struct iam *st, json_t *pols, struct err *e)
{
    json_t *p, *v;
    size_t i, k;

    json_array_foreach(pols, i, p)
    {
        const char *name = iam_str(p, "PolicyName"), *arn = iam_str(p, "Arn"),
                   *text = NULL;
        json_t *doc, *vl;

        if (!name && arn && strrchr(arn, '/'))
            name = strrchr(arn, '/') + 1; /* moto leaves PolicyName out */
        if (!name)
            continue;
        doc = iam_policy_meta(p, 0);
        json_object_set_new(doc, "name", json_string(name));
        vl = aws_xml_list(p, "PolicyVersionList");
        json_array_foreach(vl, k, v)
        {
            const char *def = iam_str(v, "IsDefaultVersion");
            if (def && !strcmp(def, "true"))
                text = iam_str(v, "Document");
        }
        iam_policy_doc(doc, arn ? arn : name, text);
        json_decref(vl);
        if (aws_emit(st->j, "aws/IAMPolicy", "global", name, name, arn, doc,
                     e) < 0)
            return -1;
    }
    return 0;
}

/* Each AWS managed policy attached to a user, group or role: GetPolicy and
 * GetPolicyVersion once each. */
static int iam_aws_policies(struct iam *st, json_t *aws_attached, struct err *e)
{
    const char *arn;
    json_t *n;

    json_object_foreach(aws_attached, arn, n)
    {
        const char *params[3] = {NULL, NULL, NULL};
        struct strbuf pa = STRBUF_INIT, pv = STRBUF_INIT, id = STRBUF_INIT;
        struct aws_call_err ce;
        struct err ce_e = {{0}};
        const char *slash = strrchr(arn, '/');
        const char *name = slash ? slash + 1 : arn;
        json_t *res, *doc, *pol;
        int rc;

        sb_addf(&pa, "PolicyArn=%s", arn);
        params[0] = sb_str(&pa);
        sb_addf(&id, "aws-managed/%s", name);
        res = iam_call(st, "GetPolicy", params, &ce, &ce_e);
        pol = res ? iam_at(res, "GetPolicyResult/Policy") : NULL;
        if (!pol) {
            json_t *m = res ? iam_marker("aws iam GetPolicy %s: no Policy in "
                                         "the answer",
                                         st->j->region)
                            : aws_unavailable(&ce, &ce_e);
            doc = json_pack("{s:s, s:b, s:O, s:O, s:O, s:O}", "name", name,
                            "aws_managed", 1, "attachment_count", n, "attached",
                            json_true(), "document", m, "grants_full_admin", m);
            json_decref(m);
        } else {
            const char *ver = iam_str(pol, "DefaultVersionId");
            json_t *vr;
            doc = iam_policy_meta(pol, 1);
            sb_addf(&pv, "VersionId=%s", ver ? ver : "");
            params[1] = sb_str(&pv);
            vr = iam_call(st, "GetPolicyVersion", params, &ce, &ce_e);
            if (!vr) {
                json_t *m = aws_unavailable(&ce, &ce_e);
                json_object_set(doc, "document", m);
                json_object_set_new(doc, "grants_full_admin", m);
            } else {
                iam_policy_doc(
                    doc, arn,
                    json_string_value(iam_at(
                        vr, "GetPolicyVersionResult/PolicyVersion/Document")));
                json_decref(vr);
            }
        }
        json_decref(res);
        rc = aws_emit(st->j, "aws/IAMPolicy", "global", sb_str(&id), name, arn,
                      doc, e);
        sb_release(&pa);
        sb_release(&pv);
        sb_release(&id);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* The typed password policy: numbers and booleans from the XML's text. */
static json_t *iam_password_policy(struct iam *st)
{
    static const char *const ints[] = {"MinimumPasswordLength",
                                       "MaxPasswordAge",
                                       "PasswordReusePrevention", NULL};
    struct aws_call_err ce;
    struct err ce_e = {{0}};
    json_t *doc = iam_call(st, "GetAccountPasswordPolicy", NULL, &ce, &ce_e),
           *pp, *out;
    const char *k;
    json_t *v;

    if (!doc) {
        /* no policy set is a state of the account, not a failure */
        if (ce.kind == AWS_ERR_API && !strcmp(ce.code, "NoSuchEntity"))
            return json_pack("{s:b}", "present", 0);
        return aws_unavailable(&ce, &ce_e);
    }
    pp = iam_at(doc, "GetAccountPasswordPolicyResult/PasswordPolicy");
    out = json_pack("{s:b}", "present", 1);
    json_object_foreach(pp, k, v)
    {
        if (str_in(k, ints))
            json_object_set_new(out, k, iam_int(pp, k));
        else
            json_object_set_new(out, k, iam_bool(pp, k));
    }
    json_decref(doc);
    return out;
}

static json_t *iam_summary(struct iam *st)
{
    struct aws_call_err ce;
    struct err ce_e = {{0}};
    json_t *doc = iam_call(st, "GetAccountSummary", NULL, &ce, &ce_e), *ent,
           *out, *x;
    size_t i;

    if (!doc)
        return aws_unavailable(&ce, &ce_e);
    ent = aws_xml_list(iam_at(doc, "GetAccountSummaryResult/SummaryMap"),
                       "entry");
    out = json_object();
    json_array_foreach(ent, i, x)
    {
        const char *k = iam_str(x, "key");
        if (k)
            json_object_set_new(out, k, iam_int(x, "value"));
    }
    json_decref(ent);
    json_decref(doc);
    return out;
}

static void iam_vmfa(struct iam *st)
{
    struct aws_query q = {
        .service = "iam",
        .region = st->j->region,
        .version = IAM_VERSION,
        .action = "ListVirtualMFADevices",
        .list = "ListVirtualMFADevicesResult/VirtualMFADevices",
        .token_param = "Marker",
        .token_path = "ListVirtualMFADevicesResult/Marker",
        .truncated_path = "ListVirtualMFADevicesResult/IsTruncated"};
    struct aws_call_err ce;
    struct err ce_e = {{0}};

    st->vmfa = aws_query_list(st->j->client, &q, &ce, &ce_e);
    if (!st->vmfa)
        st->vmfa_err = aws_unavailable(&ce, &ce_e);
}

/* The root user: its credential report row and whether its MFA is a
 * hardware device (no virtual device with root's serial). */
static json_t *iam_root(struct iam *st)
{
    json_t *row, *root, *x;
    size_t i;

    if (st->report_err)
        return json_incref(st->report_err);
    row = json_object_get(st->rows, IAM_ROOT_ROW);
    if (!row)
        return iam_marker("aws iam GetCredentialReport %s: the credential "
                          "report has no %s row",
                          st->j->region, IAM_ROOT_ROW);
    root = aws_iam_report_creds(row, st->now);
    json_object_del(root, "password_unused_days");
    if (!json_is_true(json_object_get(root, "mfa_active"))) {
        json_object_set_new(root, "virtual_mfa", json_false());
        json_object_set_new(root, "hardware_mfa", json_false());
    } else if (!st->vmfa) {
        json_object_set(root, "virtual_mfa", st->vmfa_err);
        json_object_set(root, "hardware_mfa", st->vmfa_err);
    } else {
        int virt = 0;
        json_array_foreach(st->vmfa, i, x)
        {
            const char *s = iam_str(x, "SerialNumber");
            if (s && str_has_suffix(s, IAM_ROOT_VMFA))
                virt = 1;
        }
        json_object_set_new(root, "virtual_mfa", json_boolean(virt));
        json_object_set_new(root, "hardware_mfa", json_boolean(!virt));
    }
    return root;
}

/* Who has AWSSupportAccess attached (ListEntitiesForPolicy). */
static json_t *iam_support(struct iam *st)
{
    static const char *const lists[] = {"PolicyRoles", "PolicyUsers",
                                        "PolicyGroups", NULL};
    json_t *out[3] = {json_array(), json_array(), json_array()}, *res;
    struct strbuf arn = STRBUF_INIT, pa = STRBUF_INIT;
    struct aws_call_err ce;
    struct err ce_e = {{0}};
    const char *params[2];

    sb_addf(&arn, "arn:%s:iam::aws:policy/AWSSupportAccess",
            st->j->partition ? st->j->partition : "aws");
    sb_addf(&pa, "PolicyArn=%s", sb_str(&arn));
    params[0] = sb_str(&pa);
    params[1] = NULL;
    if (iam_pages(st, "ListEntitiesForPolicy", params, lists, out, &ce, &ce_e) <
        0) {
        res = aws_unavailable(&ce, &ce_e);
    } else {
        res = json_pack("{s:s, s:o, s:o, s:o}", "policy_arn", sb_str(&arn),
                        "roles", iam_names(out[0], "RoleName"), "users",
                        iam_names(out[1], "UserName"), "groups",
                        iam_names(out[2], "GroupName"));
    }
    for (int i = 0; i < 3; i++)
        json_decref(out[i]);
    sb_release(&arn);
    sb_release(&pa);
    return res;
}

static json_t *iam_server_certs(struct iam *st)
{
    struct aws_query q = {
        .service = "iam",
        .region = st->j->region,
        .version = IAM_VERSION,
        .action = "ListServerCertificates",
        .list = "ListServerCertificatesResult/ServerCertificateMetadataList",
        .token_param = "Marker",
        .token_path = "ListServerCertificatesResult/Marker",
        .truncated_path = "ListServerCertificatesResult/IsTruncated"};
    struct aws_call_err ce;
    struct err ce_e = {{0}};
    json_t *l = aws_query_list(st->j->client, &q, &ce, &ce_e), *out, *c;
    size_t i;

    if (!l)
        return aws_unavailable(&ce, &ce_e);
    out = json_array();
    json_array_foreach(l, i, c)
    {
        const char *exp = iam_str(c, "Expiration");
        time_t t = exp ? rfc3339_parse(exp) : (time_t)-1;
        json_t *expired = t == (time_t)-1
                              ? json_string("unknown: Expiration is not a date")
                              : json_boolean(t <= st->now);
        json_array_append_new(
            out, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "name",
                           iam_strv(c, "ServerCertificateName"), "arn",
                           iam_strv(c, "Arn"), "path", iam_strv(c, "Path"),
                           "uploaded", iam_strv(c, "UploadDate"), "expiration",
                           iam_strv(c, "Expiration"), "expired", expired));
    }
    json_decref(l);
    return out;
}

static int iam_account(struct iam *st, struct err *e)
{
    json_t *rep;

    if (aws_account_set(st->j, "password_policy", iam_password_policy(st), e) <
            0 ||
        aws_account_set(st->j, "account_summary", iam_summary(st), e) < 0 ||
        aws_account_set(st->j, "root", iam_root(st), e) < 0 ||
        aws_account_set(st->j, "support_access", iam_support(st), e) < 0 ||
        aws_account_set(st->j, "server_certificates", iam_server_certs(st), e) <
            0)
        return -1;
    if (st->report_err)
        rep = json_incref(st->report_err);
    else
        rep = json_pack("{s:s, s:i}", "generated", st->generated, "rows",
                        (json_int_t)json_object_size(st->rows));
    return aws_account_set(st->j, "credential_report", rep, e);
}

static int iam_collect(struct aws_job *j, struct err *e)
{
    static const char *const gaad_params[] = {
        "Filter.member.1=User", "Filter.member.2=Role", "Filter.member.3=Group",
        "Filter.member.4=LocalManagedPolicy", NULL};
    static const char *const gaad_lists[] = {
        "UserDetailList", "GroupDetailList", "RoleDetailList", "Policies",
        NULL};
    static const char *const kinds[] = {"aws/IAMUser", "aws/IAMGroup",
                                        "aws/IAMRole", "aws/IAMPolicy"};
    struct iam st = {.j = j, .now = iam_now()};
    json_t *lists[4] = {json_array(), json_array(), json_array(), json_array()};
    json_t *aws_attached = json_object();
    struct aws_call_err ce;
    struct err ce_e = {{0}};
    int rc = -1;

    iam_report(&st);
    iam_vmfa(&st);
    if (iam_pages(&st, "GetAccountAuthorizationDetails", gaad_params,
                  gaad_lists, lists, &ce, &ce_e) < 0) {
        char msg[sizeof(ce_e.msg) + 32];
        snprintf(msg, sizeof(msg), "%s%s",
                 ce.kind == AWS_ERR_DENIED ? "access denied: " : "", ce_e.msg);
        for (int i = 0; i < 4; i++)
            if (aws_kind_failed(j, NULL, kinds[i], msg, e) < 0)
                goto out;
    } else if (iam_users(&st, lists[0], aws_attached, e) < 0 ||
               iam_groups(&st, lists[1], lists[0], aws_attached, e) < 0 ||
               iam_roles(&st, lists[2], aws_attached, e) < 0 ||
               iam_local_policies(&st, lists[3], e) < 0 ||
               iam_aws_policies(&st, aws_attached, e) < 0) {
        goto out;
    }
    if (iam_account(&st, e) < 0)
        goto out;
    rc = 0;
out:
    for (int i = 0; i < 4; i++)
        json_decref(lists[i]);
    json_decref(aws_attached);
    json_decref(st.rows);
    json_decref(st.report_err);
    json_decref(st.vmfa);
    json_decref(st.vmfa_err);
    return rc;
}

static const char *const iam_kinds[] = {"aws/IAMUser", "aws/IAMGroup",
                                        "aws/IAMRole", "aws/IAMPolicy",
                                        "aws/Account", NULL};

const struct aws_service aws_service_iam = {
    .name = "iam",
    .global = 1,
    .kinds = iam_kinds,
    .collect = iam_collect,
};
