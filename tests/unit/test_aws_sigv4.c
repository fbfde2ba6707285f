/* test_aws_sigv4.c: the SigV4 signer against AWS's published examples
 * (the sig-v4 test suite and the IAM ListUsers example of the General
 * Reference): canonical request, string to sign and signature exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "aws_sigv4.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define DATE "20150830T123600Z"
#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SCOPE "20150830/us-east-1/service/aws4_request"

static void sign_ok(const char *method, const char *path, const char *query,
                    const char *const *hdrs, const char *body,
                    const char *service, const char *token,
                    struct aws_sigv4_out *out)
{
    struct aws_sigv4_req r = {0};
    struct err e = {{0}};
    r.method = method;
    r.path = path;
    r.query = query;
    r.headers = hdrs;
    r.payload = body;
    r.payload_len = body ? strlen(body) : 0;
    r.service = service;
    r.region = "us-east-1";
    r.amz_date = DATE;
    r.access_key = AKID;
    r.secret_key = SECRET;
    r.session_token = token;
    assert_int_equal(aws_sigv4_sign(&r, out, &e), 0);
}

static void check(struct aws_sigv4_out *o, const char *creq, const char *sts,
                  const char *sig)
{
    assert_string_equal(sb_str(&o->creq), creq);
    assert_string_equal(sb_str(&o->sts), sts);
    assert_string_equal(o->signature, sig);
    assert_non_null(strstr(sb_str(&o->authorization), sig));
    aws_sigv4_out_release(o);
}

static const char *const VANILLA_H[] = {"Host: example.amazonaws.com",
                                        "X-Amz-Date: " DATE, NULL};

static void get_vanilla(void **st)
{
    struct aws_sigv4_out o;
    (void)st;
    sign_ok("GET", "/", NULL, VANILLA_H, NULL, "service", NULL, &o);
    assert_string_equal(
        sb_str(&o.authorization),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" SCOPE
        ", SignedHeaders=host;x-amz-date, "
        "Signature="
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    assert_null(o.add[0]); /* the caller gave X-Amz-Date */
    check(&o,
          "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:" DATE
          "\n\nhost;x-amz-date\n" EMPTY,
          "AWS4-HMAC-SHA256\n" DATE "\n" SCOPE
          "\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
          "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

static void get_vanilla_query_order_key_case(void **st)
{
    struct aws_sigv4_out o;
    (void)st;
    sign_ok("GET", "/", "Param2=value2&Param1=value1", VANILLA_H, NULL,
            "service", NULL, &o);
    check(&o,
          "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
          "x-amz-date:" DATE "\n\nhost;x-amz-date\n" EMPTY,
          "AWS4-HMAC-SHA256\n" DATE "\n" SCOPE
          "\n816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
          "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

static void post_x_www_form_urlencoded(void **st)
{
    static const char *const h[] = {
        "Content-Type: application/x-www-form-urlencoded",
        "Host: example.amazonaws.com", "X-Amz-Date: " DATE, NULL};
    struct aws_sigv4_out o;
    (void)st;
    sign_ok("POST", "/", NULL, h, "Param1=value1", "service", NULL, &o);
    check(&o,
          "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"
          "host:example.amazonaws.com\nx-amz-date:" DATE
          "\n\ncontent-type;host;x-amz-date\n"
          "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
          "AWS4-HMAC-SHA256\n" DATE "\n" SCOPE
          "\n42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
          "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

static void get_header_value_trim(void **st)
{
    static const char *const h[] = {
        "Host: example.amazonaws.com", "My-Header1:  value1",
        "My-Header2:  \"a   b   c\"", "X-Amz-Date: " DATE, NULL};
    struct aws_sigv4_out o;
    (void)st;
    sign_ok("GET", "/", NULL, h, NULL, "service", NULL, &o);
    check(&o,
          "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\n"
          "my-header2:\"a b c\"\nx-amz-date:" DATE
          "\n\nhost;my-header1;my-header2;x-amz-date\n" EMPTY,
          "AWS4-HMAC-SHA256\n" DATE "\n" SCOPE
          "\na726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
          "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
}

/* Repeated headers are joined in order (get-header-value-order). */
static void get_header_value_order(void **st)
{
    static const char *const h[] = {"Host: example.amazonaws.com",
                                    "My-Header1: value4",
                                    "My-Header1: value1",
                                    "My-Header1: value3",
                                    "My-Header1: value2",
                                    "X-Amz-Date: " DATE,
                                    NULL};
    struct aws_sigv4_out o;
    (void)st;
    sign_ok("GET", "/", NULL, h, NULL, "service", NULL, &o);
    check(&o,
          "GET\n/\n\nhost:example.amazonaws.com\n"
          "my-header1:value4,value1,value3,value2\nx-amz-date:" DATE
          "\n\nhost;my-header1;x-amz-date\n" EMPTY,
          "AWS4-HMAC-SHA256\n" DATE "\n" SCOPE
          "\n31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
          "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01");
}

/* The session token is signed and handed back as a header to send
 * (post-sts-token/post-sts-header-before). */
#define TOKEN                                                                  \
    "AQoDYXdzEPT//////////"                                                    \
    "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPf" \
    "IeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/"                                     \
    "kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU" \
    "9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+"                                         \
    "xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKT" \
    "r4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

static void post_sts_token(void **st)
{
    struct aws_sigv4_out o;
    (void)st;
    sign_ok("POST", "/", NULL, VANILLA_H, NULL, "service", TOKEN, &o);
    assert_string_equal(o.add[0], "X-Amz-Security-Token: " TOKEN);
    assert_null(o.add[1]);
    check(&o,
          "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:" DATE
          "\nx-amz-security-token:" TOKEN
          "\n\nhost;x-amz-date;x-amz-security-token\n" EMPTY,
          "AWS4-HMAC-SHA256\n" DATE "\n" SCOPE
          "\nc237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
          "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
}

/* AWS General Reference, "Create a signed AWS API request": IAM
 * ListUsers. X-Amz-Date is not given: the signer adds it. */
static void iam_list_users(void **st)
{
    static const char *const h[] = {
        "Host: iam.amazonaws.com",
        "Content-Type: application/x-www-form-urlencoded; charset=utf-8", NULL};
    struct aws_sigv4_out o;
    struct aws_sigv4_req r = {0};
    struct err e = {{0}};
    (void)st;
    r.method = "GET";
    r.path = "/";
    r.query = "Action=ListUsers&Version=2010-05-08";
    r.headers = h;
    r.service = "iam";
    r.region = "us-east-1";
    r.amz_date = DATE;
    r.access_key = AKID;
    r.secret_key = SECRET;
    assert_int_equal(aws_sigv4_sign(&r, &o, &e), 0);
    assert_string_equal(o.add[0], "X-Amz-Date: " DATE);
    assert_string_equal(
        sb_str(&o.authorization),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/"
        "aws4_request, SignedHeaders=content-type;host;x-amz-date, "
        "Signature="
        "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    check(&o,
          "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
          "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
          "host:iam.amazonaws.com\nx-amz-date:" DATE
          "\n\ncontent-type;host;x-amz-date\n" EMPTY,
          "AWS4-HMAC-SHA256\n" DATE "\n20150830/us-east-1/iam/aws4_request\n"
          "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
          "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

/* Path normalisation and encoding (the suite's normalize-path and
 * get-utf8 canonical URIs); S3 signs the wire path as it is. */
static void canonical_uri(void **st)
{
    static const struct {
        const char *path, *service, *want;
    } t[] = {
        {"//example//", "service", "/example/"},
        {"/example1/example2/../..", "service", "/"},
        {"/./example", "service", "/example"},
        {"/example space/", "service", "/example%20space/"},
        {"/\xe1\x88\xb4", "service", "/%E1%88%B4"},
        {"/a%20b", "service", "/a%2520b"},                  /* encoded twice */
        {"/bucket/a%20b//./c", "s3", "/bucket/a%20b//./c"}, /* as is */
    };
    (void)st;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct aws_sigv4_out o;
        const char *nl;
        sign_ok("GET", t[i].path, NULL, VANILLA_H, NULL, t[i].service, NULL,
                &o);
        nl = strchr(sb_str(&o.creq) + 4, '\n');
        assert_int_equal((size_t)(nl - (sb_str(&o.creq) + 4)),
                         strlen(t[i].want));
        assert_memory_equal(sb_str(&o.creq) + 4, t[i].want, strlen(t[i].want));
        aws_sigv4_out_release(&o);
    }
}

/* S3: the payload hash is sent and signed as x-amz-content-sha256. */
static void s3_content_sha256(void **st)
{
    struct aws_sigv4_out o;
    (void)st;
    sign_ok("GET", "/", "list-type=2&prefix=a%2Fb", VANILLA_H, NULL, "s3", NULL,
            &o);
    assert_string_equal(o.add[0], "X-Amz-Content-Sha256: " EMPTY);
    assert_non_null(
        strstr(sb_str(&o.creq), "\nx-amz-content-sha256:" EMPTY "\n"));
    assert_non_null(strstr(sb_str(&o.creq), "\nlist-type=2&prefix=a%2Fb\n"));
    assert_non_null(strstr(sb_str(&o.authorization),
                           "SignedHeaders=host;x-amz-content-sha256;"
                           "x-amz-date,"));
    aws_sigv4_out_release(&o);
}

/* Bad input: one line naming the field, never the secret. */
static void errors(void **st)
{
    struct aws_sigv4_out o;
    struct aws_sigv4_req r = {0};
    struct err e = {{0}};
    static const char *const nohost[] = {"X-Amz-Date: " DATE, NULL};
    (void)st;
    r.method = "GET";
    r.headers = nohost;
    r.service = "iam";
    r.region = "us-east-1";
    r.amz_date = DATE;
    r.access_key = AKID;
    r.secret_key = SECRET;
    r.session_token = "TOKENSECRET";
    assert_int_equal(aws_sigv4_sign(&r, &o, &e), -1);
    assert_non_null(strstr(e.msg, "Host"));
    assert_null(strstr(e.msg, SECRET));
    r.headers = VANILLA_H;
    r.amz_date = "2015-08-30";
    assert_int_equal(aws_sigv4_sign(&r, &o, &e), -1);
    assert_non_null(strstr(e.msg, "date"));
    r.amz_date = DATE;
    r.secret_key = "";
    assert_int_equal(aws_sigv4_sign(&r, &o, &e), -1);
    assert_non_null(strstr(e.msg, "secret key"));
    assert_null(strstr(e.msg, "TOKENSECRET"));
}

static void amz_date(void **st)
{
    char d[17];
    (void)st;
    aws_amz_date(1440938160LL, d);
    assert_string_equal(d, DATE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_vanilla),
        cmocka_unit_test(get_vanilla_query_order_key_case),
        cmocka_unit_test(post_x_www_form_urlencoded),
        cmocka_unit_test(get_header_value_trim),
        cmocka_unit_test(get_header_value_order),
        cmocka_unit_test(post_sts_token),
        cmocka_unit_test(iam_list_users),
        cmocka_unit_test(canonical_uri),
        cmocka_unit_test(s3_content_sha256),
        cmocka_unit_test(errors),
        cmocka_unit_test(amz_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
