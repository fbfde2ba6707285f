/*
 * aws_s3.c: S3 buckets (aws/S3Bucket) and the account's Block Public
 * Access settings (aws/Account "s3_public_access_block").
 *
 * One global job: the account's settings from S3 Control, ListBuckets
 * once, then each bucket in its home region (ListBuckets' BucketRegion, or
 * GetBucketLocation; aws_api.h follows a redirect to the region that
 * answers): its policy, Block Public Access, ACL, default encryption,
 * versioning (and MFA delete) and access logging. Buckets whose home is
 * outside the scan's regions are left out, as every regional kind is.
 *
 * Besides the answers (normalised to snake_case), the document carries
 * what the rules judge, derived here as AWS reads it (aws_s3_eval.h):
 * whether the policy denies requests without TLS, and the Block Public
 * Access settings in effect (the bucket's or the account's). A call that
 * failed leaves aws_unavailable()'s marker in its fields and in what is
 * derived from them; the other fields are still judged.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_api.h"
#include "aws_int.h"
#include "aws_s3_eval.h"
#include "aws_xml.h"
#include "util.h"

#include "banned.h"

static const char *const s3_kinds[] = {"aws/S3Bucket", "aws/Account", NULL};

/* The answer of one call about a bucket: its value (new reference), or
 * json_null() when code absent_code says there is none, or the marker of
 * a failure; *gone when the bucket no longer exists. */
struct s3_get {
    const char *action, *query, *absent_code;
    int raw;          /* the body as text (GetBucketPolicy), not XML */
    const char *root; /* the answer's root element, or NULL: any */
};

static int is_marker(const json_t *v)
{
    return json_is_object(v) && json_object_get(v, "$error") != NULL;
}

static json_t *marker_msg(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static json_t *marker_msg(const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return json_pack("{s:s}", "$error", msg);
}

static json_t *s3_bucket_call(struct aws_job *j, const char *bucket,
                              char *region, size_t cap, const struct s3_get *g,
                              int *gone)
{
    struct aws_rest q = {
        .service = "s3",
        .action = g->action,
        .region = region,
        .bucket = bucket,
        .path = "/",
        .query = g->query,
        .root = g->root,
    };
    struct aws_call_err ce = {0};
    struct err e = {{0}};
    char answered[64] = "";
    json_t *v = NULL;

    if (g->raw) {
        size_t len = 0;
        char *body = aws_rest_raw(j->client, &q, &len, answered,
                                  sizeof(answered), &ce, &e);
        if (body) {
            json_error_t je;
            v = json_loadb(body, len, 0, &je);
            free(body);
            if (!v)
                return marker_msg("aws s3 %s %s: the answer for bucket %s is "
                                  "not JSON",
                                  g->action, region, bucket);
        }
    } else {
        v = aws_rest_xml(j->client, &q, answered, sizeof(answered), &ce, &e);
    }
    if (answered[0] && strcmp(answered, region))
        snprintf(region, cap, "%s", answered);
    if (v)
        return v;
    if (ce.kind == AWS_ERR_API && g->absent_code &&
        !strcmp(ce.code, g->absent_code))
        return json_null();
    if (ce.kind == AWS_ERR_API && !strcmp(ce.code, "NoSuchBucket")) {
        *gone = 1;
        return NULL;
    }
    return aws_unavailable(&ce, &e);
}

/* "true"/"false" as the XML reader gives them; -1 otherwise. */
static int xml_bool(const json_t *v)
{
    const char *s = json_string_value(v);
    if (s && !strcmp(s, "true"))
        return 1;
    if (s && !strcmp(s, "false"))
        return 0;
    return -1;
}

static json_t *str_or_null(const json_t *obj, const char *key)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string(json_string_value(v)) : json_null();
}

/* The XML value of an element that may be empty ("") or hold children. */
static int xml_elem_ok(const json_t *v)
{
    return json_is_object(v) || (json_is_string(v) && !json_string_value(v)[0]);
}

static json_t *bad_answer(const char *action, const char *region,
                          const char *bucket)
{
    return marker_msg("aws s3 %s %s: unexpected answer for bucket %s", action,
                      region, bucket);
}

/* policy, denies_insecure_transport, secure_transport_scope */
static void s3_policy(json_t *doc, json_t *policy, const char *partition,
                      const char *bucket, const char *region)
{
    struct aws_s3_tls tls;
    char why[256] = "";

    if (is_marker(policy)) {
        json_object_set_new(doc, "denies_insecure_transport",
                            json_deep_copy(policy));
        json_object_set_new(doc, "secure_transport_scope",
                            json_deep_copy(policy));
    } else if (json_is_null(policy)) {
        json_object_set_new(doc, "denies_insecure_transport", json_false());
        json_object_set_new(doc, "secure_transport_scope",
                            json_pack("{s:b,s:b}", "objects", 0, "bucket", 0));
    } else if (aws_s3_eval_tls(policy, partition, bucket, &tls, why,
                               sizeof(why)) < 0) {
        json_t *m = marker_msg("aws s3 GetBucketPolicy %s: the policy of "
                               "bucket %s cannot be judged: %s",
                               region, bucket, why);
        json_object_set_new(doc, "denies_insecure_transport", m);
        json_object_set_new(doc, "secure_transport_scope", json_deep_copy(m));
    } else {
        json_object_set_new(doc, "denies_insecure_transport",
                            json_boolean(tls.objects));
        json_object_set_new(doc, "secure_transport_scope",
                            json_pack("{s:b,s:b}", "objects", tls.objects,
                                      "bucket", tls.bucket));
    }
    json_object_set_new(doc, "policy", policy);
}

/* A PublicAccessBlockConfiguration answer normalised (steals xml). */
static json_t *s3_pab_norm(json_t *xml, const char *service, const char *region)
{
    json_t *inner, *out;
    char why[128] = "";

    if (is_marker(xml) || json_is_null(xml))
        return xml;
    /* S3 Control may wrap it in GetPublicAccessBlockOutput */
    inner = json_object_get(xml, "PublicAccessBlockConfiguration");
    out = aws_s3_eval_pab(inner ? inner : xml, why, sizeof(why));
    json_decref(xml);
    if (!out)
        out = marker_msg("aws %s GetPublicAccessBlock %s: %s", service, region,
                         why);
    return out;
}

/* GetBucketPolicyStatus' IsPublic (steals x); no policy: not public. */
static json_t *s3_policy_public(json_t *x, const char *region,
                                const char *bucket)
{
    int pub;

    if (is_marker(x))
        return x;
    if (json_is_null(x))
        return json_false();
    pub = xml_bool(json_is_object(x) ? json_object_get(x, "IsPublic") : NULL);
    json_decref(x);
    if (pub < 0)
        return bad_answer("GetBucketPolicyStatus", region, bucket);
    return json_boolean(pub);
}

static json_t *s3_acl(json_t *x, const char *region, const char *bucket,
                      json_t **public_out)
{
    json_t *grants, *out, *list, *g;
    size_t i;
    int pub = 0;

    if (is_marker(x)) {
        *public_out = json_deep_copy(x);
        return x;
    }
    if (!json_is_object(x)) {
        json_decref(x);
        out = bad_answer("GetBucketAcl", region, bucket);
        *public_out = json_deep_copy(out);
        return out;
    }
    out = json_object();
    json_object_set_new(out, "owner_id",
                        str_or_null(json_object_get(x, "Owner"), "ID"));
    list = json_array();
    grants = aws_xml_list(json_object_get(x, "AccessControlList"), "Grant");
    json_array_foreach(grants, i, g)
    {
        const json_t *ge = json_object_get(g, "Grantee");
        json_t *uri = str_or_null(ge, "URI");
        const char *u = json_string_value(uri);
        if (u &&
            (!strcmp(u, "http://acs.amazonaws.com/groups/global/AllUsers") ||
             !strcmp(u, "http://acs.amazonaws.com/groups/global/"
                        "AuthenticatedUsers")))
            pub = 1;
        json_array_append_new(
            list, json_pack("{s:o,s:o,s:o,s:o}", "grantee_id",
                            str_or_null(ge, "ID"), "grantee_uri", uri,
                            "grantee_email", str_or_null(ge, "EmailAddress"),
                            "permission", str_or_null(g, "Permission")));
    }
    json_decref(grants);
    json_object_set_new(out, "grants", list);
    json_decref(x);
    *public_out = json_boolean(pub);
    return out;
}

static json_t *s3_encryption(json_t *x, const char *region, const char *bucket)
{
    json_t *rules, *out, *r;
    size_t i;

    if (is_marker(x) || json_is_null(x))
        return x;
    if (!json_is_object(x)) {
        json_decref(x);
        return bad_answer("GetBucketEncryption", region, bucket);
    }
    out = json_array();
    rules = aws_xml_list(x, "Rule");
    json_array_foreach(rules, i, r)
    {
        const json_t *d =
            json_object_get(r, "ApplyServerSideEncryptionByDefault");
        int bk = xml_bool(json_object_get(r, "BucketKeyEnabled"));
        json_array_append_new(out, json_pack("{s:o,s:o,s:b}", "sse_algorithm",
                                             str_or_null(d, "SSEAlgorithm"),
                                             "kms_master_key_id",
                                             str_or_null(d, "KMSMasterKeyID"),
                                             "bucket_key_enabled", bk == 1));
    }
    json_decref(rules);
    json_decref(x);
    return json_pack("{s:o}", "rules", out);
}

static void s3_versioning(json_t *doc, json_t *x, const char *region,
                          const char *bucket)
{
    json_t *status, *mfa;

    if (!is_marker(x) && !xml_elem_ok(x)) {
        json_decref(x);
        x = bad_answer("GetBucketVersioning", region, bucket);
    }
    if (is_marker(x)) {
        json_object_set_new(doc, "versioning_enabled", json_deep_copy(x));
        json_object_set_new(doc, "mfa_delete_enabled", json_deep_copy(x));
        json_object_set_new(doc, "versioning", x);
        return;
    }
    status = str_or_null(x, "Status");
    mfa = str_or_null(x, "MfaDelete");
    json_object_set_new(
        doc, "versioning_enabled",
        json_boolean(json_is_string(status) &&
                     !strcmp(json_string_value(status), "Enabled")));
    json_object_set_new(
        doc, "mfa_delete_enabled",
        json_boolean(json_is_string(mfa) &&
                     !strcmp(json_string_value(mfa), "Enabled")));
    json_object_set_new(
        doc, "versioning",
        json_pack("{s:o,s:o}", "status", status, "mfa_delete", mfa));
    json_decref(x);
}

static void s3_logging(json_t *doc, json_t *x, const char *region,
                       const char *bucket)
{
    const json_t *le;

    if (!is_marker(x) && !xml_elem_ok(x)) {
        json_decref(x);
        x = bad_answer("GetBucketLogging", region, bucket);
    }
    if (is_marker(x)) {
        json_object_set_new(doc, "logging_enabled", json_deep_copy(x));
        json_object_set_new(doc, "logging", x);
        return;
    }
    le = json_is_object(x) ? json_object_get(x, "LoggingEnabled") : NULL;
    json_object_set_new(doc, "logging_enabled", json_boolean(le != NULL));
    json_object_set_new(doc, "logging",
                        le ? json_pack("{s:o,s:o}", "target_bucket",
                                       str_or_null(le, "TargetBucket"),
                                       "target_prefix",
                                       str_or_null(le, "TargetPrefix"))
                           : json_null());
    json_decref(x);
}

/* The bucket's home region: ListBuckets' BucketRegion, else
 * GetBucketLocation ("" is us-east-1, "EU" eu-west-1). 0, or -1 when it
 * cannot be told (region keeps the job's: redirects still find it). */
static int s3_home(struct aws_job *j, const json_t *b, const char *bucket,
                   char *region, size_t cap, int *gone)
{
    static const struct s3_get loc = {.action = "GetBucketLocation",
                                      .query = "location"};
    const char *br = json_string_value(json_object_get(b, "BucketRegion"));
    json_t *v;
    const char *s;

    snprintf(region, cap, "%s", j->region);
    if (br && br[0]) {
        snprintf(region, cap, "%s", br);
        return 0;
    }
    v = s3_bucket_call(j, bucket, region, cap, &loc, gone);
    if (!v || is_marker(v) || !json_is_string(v)) {
        /* the bucket's own answers (redirects) will say where it is */
        if (v)
            aws_warn(j,
                     "aws s3: the region of bucket %s is taken from where "
                     "its calls are answered: %s",
                     bucket,
                     is_marker(v)
                         ? json_string_value(json_object_get(v, "$error"))
                         : "GetBucketLocation gave an unexpected answer");
        json_decref(v);
        return -1;
    }
    s = json_string_value(v);
    snprintf(region, cap, "%s",
             !s[0]              ? "us-east-1"
             : !strcmp(s, "EU") ? "eu-west-1"
                                : s);
    json_decref(v);
    return 0;
}

static int s3_bucket(struct aws_job *j, const json_t *b,
                     const json_t *account_pab, int *outside, struct err *e)
{
    static const struct s3_get pol = {.action = "GetBucketPolicy",
                                      .query = "policy",
                                      .absent_code = "NoSuchBucketPolicy",
                                      .raw = 1};
    static const struct s3_get pst = {.action = "GetBucketPolicyStatus",
                                      .query = "policyStatus",
                                      .absent_code = "NoSuchBucketPolicy",
                                      .root = "PolicyStatus"};
    static const struct s3_get pab = {
        .action = "GetPublicAccessBlock",
        .query = "publicAccessBlock",
        .absent_code = "NoSuchPublicAccessBlockConfiguration"};
    static const struct s3_get acl = {.action = "GetBucketAcl", .query = "acl"};
    static const struct s3_get enc = {
        .action = "GetBucketEncryption",
        .query = "encryption",
        .absent_code = "ServerSideEncryptionConfigurationNotFoundError"};
    static const struct s3_get ver = {.action = "GetBucketVersioning",
                                      .query = "versioning"};
    static const struct s3_get lg = {.action = "GetBucketLogging",
                                     .query = "logging"};
    const char *name = json_string_value(json_object_get(b, "Name"));
    char region[64], arn[320];
    json_t *doc, *v, *bpab, *pub = NULL;
    int gone = 0;

    if (!name || !name[0])
        return 0;
    if (s3_home(j, b, name, region, sizeof(region), &gone) == 0 &&
        !str_in(region, j->regions)) {
        (*outside)++;
        return 0;
    }
    if (gone)
        return 0;
    doc = json_object();
    json_object_set_new(doc, "name", json_string(name));
    json_object_set_new(doc, "creation_date", str_or_null(b, "CreationDate"));

    if (!(v = s3_bucket_call(j, name, region, sizeof(region), &pol, &gone)))
        goto gone;
    s3_policy(doc, v, j->partition, name, region);

    /* without a policy there is nothing to be public: no call */
    if (json_is_null(json_object_get(doc, "policy")))
        v = json_null();
    else if (!(v = s3_bucket_call(j, name, region, sizeof(region), &pst,
                                  &gone)))
        goto gone;
    json_object_set_new(doc, "policy_public",
                        s3_policy_public(v, region, name));

    if (!(v = s3_bucket_call(j, name, region, sizeof(region), &pab, &gone)))
        goto gone;
    bpab = s3_pab_norm(v, "s3", region);
    json_object_set_new(doc, "public_access_block",
                        aws_s3_eval_pab_effective(bpab, account_pab));
    json_object_set_new(doc, "bucket_public_access_block", bpab);
    json_object_set_new(doc, "account_public_access_block",
                        json_deep_copy(account_pab));

    if (!(v = s3_bucket_call(j, name, region, sizeof(region), &acl, &gone)))
        goto gone;
    json_object_set_new(doc, "acl", s3_acl(v, region, name, &pub));
    json_object_set_new(doc, "acl_public", pub);

    if (!(v = s3_bucket_call(j, name, region, sizeof(region), &enc, &gone)))
        goto gone;
    json_object_set_new(doc, "encryption", s3_encryption(v, region, name));

    if (!(v = s3_bucket_call(j, name, region, sizeof(region), &ver, &gone)))
        goto gone;
    s3_versioning(doc, v, region, name);

    if (!(v = s3_bucket_call(j, name, region, sizeof(region), &lg, &gone)))
        goto gone;
    s3_logging(doc, v, region, name);

    if (!str_in(region, j->regions)) {
        (*outside)++;
        json_decref(doc);
        return 0;
    }
    snprintf(arn, sizeof(arn), "arn:%s:s3:::%s", j->partition, name);
    return aws_emit(j, "aws/S3Bucket", region, name, name, arn, doc, e);
gone:
    json_decref(doc); /* deleted while we looked: nothing to judge */
    return 0;
}

/* The account's settings: normalised, null (none), or a marker. */
static json_t *s3_account_pab(struct aws_job *j)
{
    char hdr[64], prefix[32];
    const char *hdrs[] = {hdr, NULL};
    struct aws_rest q = {
        .service = "s3-control",
        .action = "GetPublicAccessBlock",
        .region = j->region,
        .path = "/v20180820/configuration/publicAccessBlock",
        .headers = hdrs,
        .host_prefix = prefix,
    };
    struct aws_call_err ce = {0};
    struct err e = {{0}};
    json_t *v;

    snprintf(hdr, sizeof(hdr), "x-amz-account-id: %s", j->account);
    snprintf(prefix, sizeof(prefix), "%s.", j->account);
    v = aws_rest_xml(j->client, &q, NULL, 0, &ce, &e);
    if (!v) {
        if (ce.kind == AWS_ERR_API &&
            !strcmp(ce.code, "NoSuchPublicAccessBlockConfiguration"))
            return json_null();
        return aws_unavailable(&ce, &e);
    }
    return s3_pab_norm(v, "s3-control", j->region);
}

static int s3_collect(struct aws_job *j, struct err *e)
{
    struct aws_rest q = {
        .service = "s3",
        .action = "ListBuckets",
        .region = j->region,
        .path = "/",
        .query = "max-buckets=10000", /* AWS's largest page; see aws_api.h */
        .list = "Buckets/Bucket",
        .token_param = "continuation-token",
        .token_path = "ContinuationToken",
    };
    struct aws_call_err ce = {0};
    struct err ae = {{0}};
    json_t *account_pab, *buckets, *b;
    size_t i;
    int outside = 0, rc = 0;

    account_pab = s3_account_pab(j);
    if (aws_account_set(j, "s3_public_access_block",
                        json_deep_copy(account_pab), e) < 0) {
        json_decref(account_pab);
        return -1;
    }
    buckets = aws_rest_xml(j->client, &q, NULL, 0, &ce, &ae);
    if (!buckets) {
        json_decref(account_pab);
        return aws_kind_failed(j, NULL, "aws/S3Bucket", ae.msg, e);
    }
    if (json_is_object(buckets)) { /* one bucket, not wrapped in a list */
        json_t *one = json_array();
        json_array_append_new(one, buckets);
        buckets = one;
    }
    json_array_foreach(buckets, i, b)
    {
        if ((rc = s3_bucket(j, b, account_pab, &outside, e)) < 0)
            break;
    }
    if (outside)
        aws_warn(j,
                 "aws s3: %d bucket(s) live in regions outside this scan and "
                 "were not audited",
                 outside);
    json_decref(buckets);
    json_decref(account_pab);
    return rc;
}

const struct aws_service aws_service_s3 = {
    .name = "s3",
    .global = 1,
    .kinds = s3_kinds,
    .collect = s3_collect,
};
