/* test_aws_s3.c: what aws_s3.c derives from S3's answers: whether a bucket
 * policy denies requests without TLS (statement as object or list,
 * principal forms, Bool/BoolIfExists, narrowing conditions, NotPrincipal,
 * NotAction, NotResource, wildcards, malformed policies), the IAM wildcard
 * match, and the Block Public Access settings in effect (bucket OR
 * account, unknown sides). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_s3_eval.h"

/* The usual statement with one member replaced (or added). */
#define DENY(principal, action, resource, cond)                                \
    "{\"Effect\":\"Deny\",\"Principal\":" principal ",\"Action\":" action      \
    ",\"Resource\":" resource cond "}"
#define BOTH "[\"arn:aws:s3:::b1\",\"arn:aws:s3:::b1/*\"]"
#define COND ",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}"

struct tls_case {
    const char *name;
    const char *policy;
    int rc; /* 0 or -1 */
    int objects, bucket;
};

static const struct tls_case tls_cases[] = {
    {"statement as a list",
     "{\"Statement\":[" DENY("\"*\"", "\"s3:*\"", BOTH, COND) "]}", 0, 1, 1},
    {"statement as one object",
     "{\"Statement\":" DENY("\"*\"", "\"s3:*\"", BOTH, COND) "}", 0, 1, 1},
    {"principal {AWS: *}",
     "{\"Statement\":" DENY("{\"AWS\":\"*\"}", "\"s3:*\"", BOTH, COND) "}", 0,
     1, 1},
    {"principal AWS list holding *",
     "{\"Statement\":" DENY("{\"AWS\":[\"arn:aws:iam::1:root\",\"*\"]}",
                            "\"s3:*\"", BOTH, COND) "}",
     0, 1, 1},
    {"principal one account",
     "{\"Statement\":" DENY("{\"AWS\":\"arn:aws:iam::1:root\"}", "\"s3:*\"",
                            BOTH, COND) "}",
     0, 0, 0},
    {"principal a service only",
     "{\"Statement\":" DENY("{\"Service\":\"*\"}", "\"s3:*\"", BOTH, COND) "}",
     0, 0, 0},
    {"NotPrincipal spares someone",
     "{\"Statement\":{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":\"arn:aws:"
     "iam::1:root\"},\"Action\":\"s3:*\",\"Resource\":" BOTH COND "}}",
     0, 0, 0},
    {"BoolIfExists",
     "{\"Statement\":" DENY("\"*\"", "\"s3:*\"", BOTH,
                            ",\"Condition\":{\"BoolIfExists\":{\"aws:"
                            "SecureTransport\":\"false\"}}") "}",
     0, 1, 1},
    {"key in other case, value false as JSON",
     "{\"Statement\":" DENY(
         "\"*\"", "\"s3:*\"", BOTH,
         ",\"Condition\":{\"Bool\":{\"AWS:securetransport\":false}}") "}",
     0, 1, 1},
    {"value list [\"false\"]",
     "{\"Statement\":" DENY(
         "\"*\"", "\"s3:*\"", BOTH,
         ",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":[\"False\"]}}") "}",
     0, 1, 1},
    {"condition on true denies TLS instead",
     "{\"Statement\":" DENY(
         "\"*\"", "\"s3:*\"", BOTH,
         ",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"true\"}}") "}",
     0, 0, 0},
    {"another condition narrows",
     "{\"Statement\":" DENY(
         "\"*\"", "\"s3:*\"", BOTH,
         ",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"},"
         "\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}") "}",
     0, 0, 0},
    {"another key under Bool narrows",
     "{\"Statement\":" DENY(
         "\"*\"", "\"s3:*\"", BOTH,
         ",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\",\"aws:"
         "MultiFactorAuthPresent\":\"false\"}}") "}",
     0, 0, 0},
    {"no condition denies everything",
     "{\"Statement\":" DENY("\"*\"", "\"s3:*\"", BOTH, "") "}", 0, 1, 1},
    {"Allow only",
     "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":"
     "\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b1/*\"" COND "}]}",
     0, 0, 0},
    {"no policy statements", "{\"Version\":\"2012-10-17\"}", 0, 0, 0},
    {"GetObject only is not every action",
     "{\"Statement\":" DENY("\"*\"", "\"s3:GetObject\"", BOTH, COND) "}", 0, 0,
     0},
    {"action * ", "{\"Statement\":" DENY("\"*\"", "\"*\"", BOTH, COND) "}", 0,
     1, 1},
    {"action S3:* upper case",
     "{\"Statement\":" DENY("\"*\"", "\"S3:*\"", BOTH, COND) "}", 0, 1, 1},
    {"action s3* wildcard",
     "{\"Statement\":" DENY("\"*\"", "[\"s3:GetObject\",\"s3*\"]", BOTH,
                            COND) "}",
     0, 1, 1},
    {"action s3:Get* is not every action",
     "{\"Statement\":" DENY("\"*\"", "\"s3:Get*\"", BOTH, COND) "}", 0, 0, 0},
    {"action s?:* is too wide to miss",
     "{\"Statement\":" DENY("\"*\"", "\"s?:*\"", BOTH, COND) "}", 0, 1, 1},
    {"NotAction iam:* spares no S3 action",
     "{\"Statement\":{\"Effect\":\"Deny\",\"Principal\":\"*\",\"NotAction\":"
     "\"iam:*\",\"Resource\":" BOTH COND "}}",
     0, 1, 1},
    {"NotAction s3:GetObject spares one",
     "{\"Statement\":{\"Effect\":\"Deny\",\"Principal\":\"*\",\"NotAction\":["
     "\"iam:*\",\"s3:getobject\"],\"Resource\":" BOTH COND "}}",
     0, 0, 0},
    {"objects only",
     "{\"Statement\":" DENY("\"*\"", "\"s3:*\"", "\"arn:aws:s3:::b1/*\"",
                            COND) "}",
     0, 1, 0},
    {"bucket only",
     "{\"Statement\":" DENY("\"*\"", "\"s3:*\"", "\"arn:aws:s3:::b1\"",
                            COND) "}",
     0, 0, 1},
    {"resource *",
     "{\"Statement\":" DENY("\"*\"", "\"s3:*\"", "\"*\"", COND) "}", 0, 1, 1},
    {"resource b1* wildcard",
     "{\"Statement\":" DENY("\"*\"", "\"s3:*\"", "\"arn:aws:s3:::b1*\"",
                            COND) "}",
     0, 1, 1},
    {"resource another bucket",
     "{\"Statement\":" DENY("\"*\"", "\"s3:*\"",
                            "[\"arn:aws:s3:::b2\",\"arn:aws:s3:::b2/*\"]",
                            COND) "}",
     0, 0, 0},
    {"resource a prefix of the objects",
     "{\"Statement\":" DENY("\"*\"", "\"s3:*\"", "\"arn:aws:s3:::b1/logs/*\"",
                            COND) "}",
     0, 0, 0},
    {"resource case matters",
     "{\"Statement\":" DENY("\"*\"", "\"s3:*\"", "\"arn:aws:s3:::B1/*\"",
                            COND) "}",
     0, 0, 0},
    {"NotResource another bucket",
     "{\"Statement\":{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*"
     "\",\"NotResource\":\"arn:aws:s3:::b2/*\"" COND "}}",
     0, 1, 1},
    {"NotResource some objects",
     "{\"Statement\":{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*"
     "\",\"NotResource\":\"arn:aws:s3:::b1/public/*\"" COND "}}",
     0, 0, 1},
    {"split over two statements",
     "{\"Statement\":[" DENY("\"*\"", "\"s3:*\"", "\"arn:aws:s3:::b1\"",
                             COND) "," DENY("\"*\"", "\"s3:*\"",
                                            "\"arn:aws:s3:::b1/*\"", COND) "]}",
     0, 1, 1},
    {"effect deny lower case is not Deny",
     "{\"Statement\":{\"Effect\":\"deny\",\"Principal\":\"*\",\"Action\":\"s3:*"
     "\",\"Resource\":" BOTH COND "}}",
     0, 0, 0},
    {"malformed: Statement a string", "{\"Statement\":\"x\"}", -1, 0, 0},
    {"malformed: statement a number", "{\"Statement\":[1]}", -1, 0, 0},
    {"malformed: Effect a number", "{\"Statement\":{\"Effect\":1}}", -1, 0, 0},
    {"malformed: Action a number",
     "{\"Statement\":" DENY("\"*\"", "7", BOTH, COND) "}", -1, 0, 0},
    {"malformed: Principal a list",
     "{\"Statement\":" DENY("[\"*\"]", "\"s3:*\"", BOTH, COND) "}", -1, 0, 0},
    {"malformed: condition value a number",
     "{\"Statement\":" DENY(
         "\"*\"", "\"s3:*\"", BOTH,
         ",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":0}}") "}",
     -1, 0, 0},
    {"malformed: policy a list", "[]", -1, 0, 0},
};

static void tls_table(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof(tls_cases) / sizeof(tls_cases[0]); i++) {
        const struct tls_case *c = &tls_cases[i];
        json_error_t je;
        json_t *p = json_loads(c->policy, 0, &je);
        struct aws_s3_tls out = {-1, -1};
        char why[256] = "";
        int rc;

        if (!p)
            fail_msg("case %s: bad JSON in the test: %s", c->name, je.text);
        rc = aws_s3_eval_tls(p, "aws", "b1", &out, why, sizeof(why));
        if (rc != c->rc ||
            (rc == 0 && (out.objects != c->objects || out.bucket != c->bucket)))
            fail_msg("case %s: rc %d objects %d bucket %d, want %d %d %d (%s)",
                     c->name, rc, out.objects, out.bucket, c->rc, c->objects,
                     c->bucket, why);
        if (rc < 0 && !why[0])
            fail_msg("case %s: no reason given", c->name);
        json_decref(p);
    }
}

static void tls_partition(void **st)
{
    json_t *p =
        json_loads("{\"Statement\":" DENY("\"*\"", "\"s3:*\"",
                                          "\"arn:aws-cn:s3:::b1/*\"", COND) "}",
                   0, NULL);
    struct aws_s3_tls out;
    char why[128];

    (void)st;
    assert_int_equal(aws_s3_eval_tls(p, "aws", "b1", &out, why, sizeof(why)),
                     0);
    assert_int_equal(out.objects, 0);
    assert_int_equal(aws_s3_eval_tls(p, "aws-cn", "b1", &out, why, sizeof(why)),
                     0);
    assert_int_equal(out.objects, 1);
    json_decref(p);
}

static void glob(void **st)
{
    (void)st;
    assert_true(aws_s3_eval_glob("s3:*", "s3:GetObject", 0));
    assert_true(aws_s3_eval_glob("S3:GET*", "s3:GetObject", 1));
    assert_false(aws_s3_eval_glob("S3:GET*", "s3:GetObject", 0));
    assert_true(aws_s3_eval_glob("a?c", "abc", 0));
    assert_false(aws_s3_eval_glob("a?c", "ac", 0));
    assert_true(aws_s3_eval_glob("*", "", 0));
    assert_true(aws_s3_eval_glob("a**b*", "aXXbYY", 0));
    assert_false(aws_s3_eval_glob("a*b", "aXXbYY", 0));
    assert_true(aws_s3_eval_glob("", "", 0));
    assert_false(aws_s3_eval_glob("", "x", 0));
}

static json_t *pab(const char *xml_json)
{
    char why[128] = "";
    json_t *x = json_loads(xml_json, 0, NULL);
    json_t *r = aws_s3_eval_pab(x, why, sizeof(why));
    json_decref(x);
    return r;
}

static int flag(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    if (json_is_true(v))
        return 1;
    if (json_is_false(v))
        return 0;
    if (json_is_object(v) && json_is_string(json_object_get(v, "$error")))
        return -1;
    return -2;
}

static void pab_normalise(void **st)
{
    json_t *p;
    char why[128] = "";
    json_t *bad;

    (void)st;
    p = pab("{\"BlockPublicAcls\":\"true\",\"IgnorePublicAcls\":\"false\","
            "\"BlockPublicPolicy\":\"true\"}");
    assert_non_null(p);
    assert_int_equal(flag(p, "block_public_acls"), 1);
    assert_int_equal(flag(p, "ignore_public_acls"), 0);
    assert_int_equal(flag(p, "block_public_policy"), 1);
    assert_int_equal(flag(p, "restrict_public_buckets"), 0); /* left out */
    json_decref(p);

    bad = json_loads("{\"BlockPublicAcls\":\"yes\"}", 0, NULL);
    assert_null(aws_s3_eval_pab(bad, why, sizeof(why)));
    assert_non_null(strstr(why, "BlockPublicAcls"));
    json_decref(bad);
    bad = json_string("");
    assert_null(aws_s3_eval_pab(bad, why, sizeof(why)));
    json_decref(bad);
}

static void pab_effective(void **st)
{
    json_t *all = pab("{\"BlockPublicAcls\":\"true\",\"IgnorePublicAcls\":"
                      "\"true\",\"BlockPublicPolicy\":\"true\","
                      "\"RestrictPublicBuckets\":\"true\"}");
    json_t *some = pab("{\"BlockPublicAcls\":\"true\"}");
    json_t *none = json_null();
    json_t *denied = json_pack("{s:s}", "$error",
                               "aws s3-control GetPublicAccessBlock "
                               "us-east-1: access denied: AccessDenied");
    json_t *e;

    (void)st;
    /* the account's settings cover a bucket without its own */
    e = aws_s3_eval_pab_effective(none, all);
    assert_int_equal(flag(e, "restrict_public_buckets"), 1);
    json_decref(e);
    /* either side on is on; both off is off */
    e = aws_s3_eval_pab_effective(some, none);
    assert_int_equal(flag(e, "block_public_acls"), 1);
    assert_int_equal(flag(e, "ignore_public_acls"), 0);
    json_decref(e);
    /* the account unknown: what the bucket turns on is still known, the
     * rest carries the account's error */
    e = aws_s3_eval_pab_effective(some, denied);
    assert_int_equal(flag(e, "block_public_acls"), 1);
    assert_int_equal(flag(e, "ignore_public_acls"), -1);
    assert_non_null(
        strstr(json_string_value(json_object_get(
                   json_object_get(e, "ignore_public_acls"), "$error")),
               "GetPublicAccessBlock"));
    json_decref(e);
    /* the bucket unknown, the account all on: all on */
    e = aws_s3_eval_pab_effective(denied, all);
    assert_int_equal(flag(e, "block_public_policy"), 1);
    json_decref(e);
    /* both unknown */
    e = aws_s3_eval_pab_effective(denied, denied);
    assert_int_equal(flag(e, "block_public_policy"), -1);
    json_decref(e);
    json_decref(all);
    json_decref(some);
    json_decref(denied);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tls_table),     cmocka_unit_test(tls_partition),
        cmocka_unit_test(glob),          cmocka_unit_test(pab_normalise),
        cmocka_unit_test(pab_effective),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
