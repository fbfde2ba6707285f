/* test_aws_api.c: the REST-XML, REST-JSON and JSON 1.1 protocols against a
 * real moto_server (S3 buckets in three regions, a bucket policy read raw,
 * "not configured" answers as codes, S3 Control's public access block,
 * KMS keys and rotation, CloudTrail trails and status, 60 Logs metric
 * filters, Config recorders, Account alternate contacts) and against the
 * HTTPS test server (Access Analyzer paged, JSON 1.1 paged, S3's
 * ContinuationToken, denials, 429/500/throttling retried, a cut body,
 * malformed JSON and XML, S3's region redirects); a second moto checks
 * every signature and denies by IAM policy; on AWS (no endpoint) the host
 * of each call is read from a proxy that refuses every tunnel.
 * moto_server missing is a failure, not a skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "aws_api.h"
#include "aws_send.h"
#include "testmoto.h"
#include "testsrv.h"

#define AKID "testing"
#define SECRET "testing-secret-value"
#define TOKEN "testing-session-token"
#define ACCOUNT "123456789012"

static struct testsrv srv;
static pid_t moto_pid, moto2_pid; /* moto2: checks signatures */
static char moto_url[64], srv_url[64], ca[256];

#define KEYS_ONE "{\"Keys\":[{\"KeyId\":\"k1\"}],\"Truncated\":false}"
#define DENIED_JSON                                                            \
    "{\"__type\":\"AccessDeniedException\",\"message\":\"User: "               \
    "arn:aws:iam::1:user/x is not authorized to perform: kms:ListKeys\"}"
#define THROTTLED_JSON                                                         \
    "{\"__type\":\"com.amazonaws.kms#ThrottlingException\",\"message\":"       \
    "\"Rate exceeded\"}"
#define NO_POLICY                                                              \
    "<?xml version=\\\"1.0\\\" encoding=\\\"UTF-8\\\"?>\\n<Error><Code>"       \
    "NoSuchBucketPolicy</Code><Message>The bucket policy does not exist"       \
    "</Message><BucketName>b</BucketName></Error>"

static const char SPEC[] =
    "{\"routes\": {"
    "\"/json-paged\": {\"list\": {\"items\": 7, \"style\": \"nexttoken\"}},"
    "\"/analyzer-paged/analyzer\": {\"list\": {\"items\": 5, \"style\": "
    "\"nexttoken\", \"keys\": {\"limit\": \"maxResults\", \"token\": "
    "\"nextToken\", \"items\": \"analyzers\"}}},"
    "\"/buckets-paged\": {\"list\": {\"items\": 5, \"style\": "
    "\"s3buckets\"}},"
    "\"/denied\": {\"status\": 403, \"body\": " DENIED_JSON "},"
    "\"/denied-rest/analyzer\": {\"status\": 403, \"headers\": "
    "{\"x-amzn-ErrorType\": \"AccessDeniedException:http://internal."
    "amazon.com/coral/com.amazon.coral.service/\"}, \"body\": {\"message\": "
    "\"not authorized to perform access-analyzer:ListAnalyzers\"}},"
    "\"/retry500\": {\"body\": " KEYS_ONE ", \"fault\": {\"status\": 500, "
    "\"times\": 1}},"
    "\"/retry429\": {\"body\": " KEYS_ONE ", \"fault\": {\"status\": 429, "
    "\"times\": 1}},"
    "\"/throttle\": {\"body\": " KEYS_ONE ", \"fault\": {\"status\": 400, "
    "\"times\": 2, \"body\": " THROTTLED_JSON "}},"
    "\"/throttle-forever\": {\"status\": 400, \"body\": " THROTTLED_JSON "},"
    "\"/cut\": {\"body\": " KEYS_ONE ", \"cut\": 20},"
    "\"/badjson\": {\"body\": \"{\\\"Keys\\\": [{\\\"KeyId\\\": }]}\"},"
    "\"/dupjson\": {\"body\": \"{\\\"Keys\\\": [], \\\"Keys\\\": []}\"},"
    "\"/notobject\": {\"body\": [1, 2]},"
    "\"/notlist\": {\"body\": {\"Keys\": {\"KeyId\": \"k\"}}},"
    "\"/loop\": {\"body\": {\"Keys\": [], \"NextMarker\": \"same\"}},"
    "\"/badxml/b1\": {\"body\": \"<VersioningConfiguration><Status>"
    "</VersioningConfiguration>\"},"
    "\"/nopolicy/b1\": {\"status\": 404, \"body\": \"" NO_POLICY "\"},"
    "\"/r301/b1\": {\"s3_region\": {\"region\": \"eu-west-1\", \"status\": "
    "301}, \"body\": \"<VersioningConfiguration><Status>Enabled</Status>"
    "</VersioningConfiguration>\"},"
    "\"/r400/b1\": {\"s3_region\": {\"region\": \"ap-south-1\", \"status\": "
    "400}, \"body\": \"{\\\"Version\\\": \\\"2012-10-17\\\"}\"},"
    "\"/r307/b1\": {\"s3_region\": {\"region\": \"eu-central-1\", "
    "\"status\": 307}, \"body\": \"<LocationConstraint>eu-central-1"
    "</LocationConstraint>\"},"
    "\"/rloop/b1\": {\"status\": 301, \"headers\": {\"x-amz-bucket-region\":"
    " \"eu-west-1\"}, \"body\": \"<Error><Code>PermanentRedirect</Code>"
    "<Message>elsewhere</Message></Error>\"}"
    "}}";

static int awscli_at(const char *url, const char *args, const char *out)
{
    return testmoto_awscli(url, args, out);
}

static int awscli(const char *args)
{
    return testmoto_awscli(moto_url, args, "/dev/null");
}

static int setup(void **state)
{
    int p = testmoto_free_port();
    (void)state;
    if (!p || testsrv_init(&srv, "awsapi", SPEC))
        return -1;
    testsrv_start(&srv, "s", (const char *const[]){NULL});
    testsrv_start(&srv, "p",
                  (const char *const[]){"--proxy", "--proxy-deny", NULL});
    moto_pid = testmoto_start(p, NULL);
    snprintf(moto_url, sizeof(moto_url), "http://127.0.0.1:%d", p);
    snprintf(srv_url, sizeof(srv_url), "https://127.0.0.1:%d",
             testsrv_port(&srv, "s", "port"));
    snprintf(ca, sizeof(ca), "%s/s/ca.crt", srv.dir);
    unsetenv("http_proxy");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    if (!testmoto_up(&moto_pid, p)) {
        fprintf(stderr,
                "moto_server did not come up on %d (is it on "
                "PATH? see dev/deps)\n",
                p);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    testmoto_stop(&moto_pid);
    testmoto_stop(&moto2_pid);
    return testsrv_stop(&srv);
}

/* A fresh moto for each moto test. */
static int moto_reset(void **state)
{
    struct http_opts o = {0};
    struct http_req rq = {0};
    struct http_resp rs = {0};
    struct err e = {{0}};
    char url[128];
    struct http *h;
    int rc;
    (void)state;
    o.allow_http = 1;
    h = http_new(&o, &e);
    if (!h)
        return -1;
    snprintf(url, sizeof(url), "%s/moto-api/reset", moto_url);
    rq.method = "POST";
    rq.url = url;
    rc = http_do(h, &rq, &rs, &e) == 0 && rs.status == 200 ? 0 : -1;
    http_resp_release(&rs);
    http_free(h);
    return rc;
}

static void client(struct aws_client *c, const char *endpoint)
{
    struct http_opts o = {0};
    struct err e = {{0}};
    o.allow_http = 1;
    o.ca_file = ca;
    o.retry_base_ms = 10;
    memset(c, 0, sizeof(*c));
    c->http = http_new(&o, &e);
    assert_non_null(c->http);
    c->endpoint = endpoint;
    c->access_key = AKID;
    c->secret_key = SECRET;
    c->retry_base_ms = 10;
}

/* One JSON 1.1 call that must succeed (seeding moto); the answer. */
static json_t *json_ok(struct aws_client *c, const char *service,
                       const char *region, const char *target, json_t *body)
{
    struct aws_json_req q = {service, region, target, body, NULL, NULL, NULL};
    struct aws_call_err ce;
    struct err e = {{0}};
    json_t *doc = aws_json_call(c, &q, &ce, &e);
    json_decref(body);
    if (!doc)
        fail_msg("%s", e.msg);
    return doc;
}

static const char *str_at(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* S3: three buckets in three regions listed; each one's location; a
 * policy read raw; answers for what is not configured; versioning. */
static void moto_s3(void **st)
{
    static const char *const names[] = {"b-east", "b-west", "b-syd"};
    static const char *const regions[] = {"us-east-1", "eu-west-1",
                                          "ap-southeast-2"};
    struct aws_client c;
    struct aws_call_err ce;
    struct err e = {{0}};
    char region[32];
    json_t *l;
    (void)st;
    assert_int_equal(awscli("s3api create-bucket --bucket b-east"), 0);
    assert_int_equal(
        awscli("s3api create-bucket --bucket b-west --region eu-west-1 "
               "--create-bucket-configuration LocationConstraint=eu-west-1"),
        0);
    assert_int_equal(awscli("s3api create-bucket --bucket b-syd --region "
                            "ap-southeast-2 --create-bucket-configuration "
                            "LocationConstraint=ap-southeast-2"),
                     0);
    assert_int_equal(
        awscli("s3api put-bucket-policy --bucket b-west --policy "
               "'{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":"
               "\"deny-http\",\"Effect\":\"Deny\",\"Principal\":\"*\","
               "\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::b-west/*\","
               "\"Condition\":{\"Bool\":{\"aws:SecureTransport\":"
               "\"false\"}}}]}'"),
        0);
    assert_int_equal(
        awscli("s3api put-bucket-encryption --bucket b-syd "
               "--server-side-encryption-configuration '{\"Rules\":[{"
               "\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":"
               "\"aws:kms\",\"KMSMasterKeyID\":\"alias/s3\"},"
               "\"BucketKeyEnabled\":true}]}'"),
        0);
    assert_int_equal(
        awscli("s3api put-public-access-block --bucket b-syd "
               "--public-access-block-configuration BlockPublicAcls=true,"
               "IgnorePublicAcls=false,BlockPublicPolicy=true,"
               "RestrictPublicBuckets=true"),
        0);
    assert_int_equal(awscli("s3api put-bucket-versioning --bucket b-syd "
                            "--versioning-configuration Status=Enabled"),
                     0);
    client(&c, moto_url);
    {
        /* moto cuts the list at max-buckets and gives no
         * ContinuationToken: the page size a caller asks must be AWS's
         * largest (10000) */
        struct aws_rest q = {0};
        q.service = "s3";
        q.action = "ListBuckets";
        q.region = "us-east-1";
        q.query = "max-buckets=10000";
        q.list = "Buckets/Bucket";
        q.token_param = "continuation-token";
        q.token_path = "ContinuationToken";
        l = aws_rest_xml(&c, &q, region, sizeof(region), &ce, &e);
        if (!l)
            fail_msg("%s", e.msg);
        assert_int_equal(json_array_size(l), 3);
        assert_int_equal(ce.pages, 1);
        assert_string_equal(region, "us-east-1");
        for (size_t i = 0; i < 3; i++) {
            int found = 0;
            for (size_t j = 0; j < 3; j++)
                found +=
                    !strcmp(str_at(json_array_get(l, j), "Name"), names[i]);
            assert_int_equal(found, 1);
        }
        json_decref(l);
    }
    for (size_t i = 0; i < 3; i++) {
        struct aws_rest q = {0};
        json_t *loc;
        q.service = "s3";
        q.action = "GetBucketLocation";
        q.region = "us-east-1";
        q.bucket = names[i];
        q.query = "location";
        loc = aws_rest_xml(&c, &q, NULL, 0, &ce, &e);
        if (!loc)
            fail_msg("%s", e.msg);
        /* us-east-1's buckets have an empty LocationConstraint */
        assert_string_equal(json_string_value(loc), i ? regions[i] : "");
        json_decref(loc);
    }
    {
        struct aws_rest q = {0};
        size_t len = 0;
        char *text;
        json_t *doc;
        q.service = "s3";
        q.action = "GetBucketPolicy";
        q.region = "eu-west-1";
        q.bucket = "b-west";
        q.query = "policy";
        text = aws_rest_raw(&c, &q, &len, region, sizeof(region), &ce, &e);
        if (!text)
            fail_msg("%s", e.msg);
        assert_int_equal(strlen(text), len);
        assert_string_equal(region, "eu-west-1");
        doc = json_loads(text, 0, NULL);
        assert_non_null(doc);
        assert_string_equal(
            str_at(json_array_get(json_object_get(doc, "Statement"), 0), "Sid"),
            "deny-http");
        json_decref(doc);
        free(text);
        /* none on b-east: the code, for the caller to read as a value */
        q.bucket = "b-east";
        q.region = "us-east-1";
        assert_null(aws_rest_raw(&c, &q, &len, NULL, 0, &ce, &e));
        assert_int_equal(ce.kind, AWS_ERR_API);
        assert_string_equal(ce.code, "NoSuchBucketPolicy");
        assert_non_null(strstr(e.msg, "aws s3 GetBucketPolicy us-east-1: "
                                      "NoSuchBucketPolicy: "));
    }
    {
        struct aws_rest q = {0};
        q.service = "s3";
        q.action = "GetBucketEncryption";
        q.region = "us-east-1";
        q.bucket = "b-east";
        q.query = "encryption";
        assert_null(aws_rest_xml(&c, &q, NULL, 0, &ce, &e));
        assert_int_equal(ce.kind, AWS_ERR_API);
        assert_string_equal(ce.code,
                            "ServerSideEncryptionConfigurationNotFoundError");
        assert_null(strchr(e.msg, '\n'));
        q.action = "GetPublicAccessBlock";
        q.query = "publicAccessBlock";
        assert_null(aws_rest_xml(&c, &q, NULL, 0, &ce, &e));
        assert_int_equal(ce.kind, AWS_ERR_API);
        assert_string_equal(ce.code, "NoSuchPublicAccessBlockConfiguration");
    }
    {
        struct aws_rest q = {0};
        json_t *v;
        q.service = "s3";
        q.action = "GetBucketVersioning";
        q.region = "ap-southeast-2";
        q.bucket = "b-syd";
        q.query = "versioning";
        v = aws_rest_xml(&c, &q, NULL, 0, &ce, &e);
        if (!v)
            fail_msg("%s", e.msg);
        assert_string_equal(str_at(v, "Status"), "Enabled");
        json_decref(v);
        q.action = "GetBucketEncryption";
        q.query = "encryption";
        v = aws_rest_xml(&c, &q, NULL, 0, &ce, &e);
        if (!v)
            fail_msg("%s", e.msg);
        assert_string_equal(json_string_value(aws_at(
                                v, "Rule/ApplyServerSideEncryptionByDefault/"
                                   "SSEAlgorithm")),
                            "aws:kms");
        json_decref(v);
        q.action = "GetPublicAccessBlock";
        q.query = "publicAccessBlock";
        v = aws_rest_xml(&c, &q, NULL, 0, &ce, &e);
        if (!v)
            fail_msg("%s", e.msg);
        assert_string_equal(str_at(v, "BlockPublicAcls"), "true");
        assert_string_equal(str_at(v, "IgnorePublicAcls"), "false");
        json_decref(v);
        /* never set: an empty VersioningConfiguration */
        q.action = "GetBucketVersioning";
        q.query = "versioning";
        q.bucket = "b-east";
        q.region = "us-east-1";
        v = aws_rest_xml(&c, &q, NULL, 0, &ce, &e);
        if (!v)
            fail_msg("%s", e.msg);
        assert_null(json_object_get(v, "Status"));
        json_decref(v);
        /* no logging: an empty BucketLoggingStatus */
        q.action = "GetBucketLogging";
        q.query = "logging";
        q.root = "BucketLoggingStatus";
        v = aws_rest_xml(&c, &q, NULL, 0, &ce, &e);
        if (!v)
            fail_msg("%s", e.msg);
        assert_string_equal(json_string_value(v), "");
        json_decref(v);
        /* moto has no GetBucketPolicyStatus: it lists the objects */
        q.action = "GetBucketPolicyStatus";
        q.query = "policyStatus";
        q.root = "PolicyStatus";
        assert_null(aws_rest_xml(&c, &q, NULL, 0, &ce, &e));
        assert_int_equal(ce.kind, AWS_ERR_TRANSPORT);
        assert_non_null(strstr(e.msg, "aws s3 GetBucketPolicyStatus us-east-1: "
                                      "the answer is a ListBucketResult, not "
                                      "a PolicyStatus"));
        q.root = NULL;
        q.action = "GetBucketAcl";
        q.query = "acl";
        v = aws_rest_xml(&c, &q, NULL, 0, &ce, &e);
        if (!v)
            fail_msg("%s", e.msg);
        assert_non_null(aws_at(v, "Owner/ID"));
        assert_non_null(aws_at(v, "AccessControlList/Grant"));
        json_decref(v);
    }
    http_free(c.http);
}

/* S3 Control: the account's public access block, absent then set. */
static void moto_s3_control(void **st)
{
    static const char *const hdrs[] = {"x-amz-account-id: " ACCOUNT, NULL};
    struct aws_client c;
    struct aws_call_err ce;
    struct err e = {{0}};
    struct aws_rest q = {0};
    json_t *v;
    (void)st;
    client(&c, moto_url);
    q.service = "s3-control";
    q.action = "GetPublicAccessBlock";
    q.region = "us-east-1";
    q.path = "/v20180820/configuration/publicAccessBlock";
    q.headers = hdrs;
    q.host_prefix = ACCOUNT ".";
    assert_null(aws_rest_xml(&c, &q, NULL, 0, &ce, &e));
    assert_int_equal(ce.kind, AWS_ERR_API);
    assert_string_equal(ce.code, "NoSuchPublicAccessBlockConfiguration");
    {
        /* put with a signed PUT: awscli and boto3 put the account in the
         * host name (ACCOUNT.127.0.0.1) whatever the endpoint */
        struct aws_rest put = q;
        char *text;
        size_t len;
        put.action = "PutPublicAccessBlock";
        put.method = "PUT";
        put.body = "<PublicAccessBlockConfiguration xmlns=\"http://"
                   "s3.amazonaws.com/doc/2006-03-01/\"><BlockPublicAcls>"
                   "true</BlockPublicAcls><IgnorePublicAcls>true"
                   "</IgnorePublicAcls><BlockPublicPolicy>true"
                   "</BlockPublicPolicy><RestrictPublicBuckets>false"
                   "</RestrictPublicBuckets></PublicAccessBlockConfiguration>";
        text = aws_rest_raw(&c, &put, &len, NULL, 0, &ce, &e);
        if (!text)
            fail_msg("%s", e.msg);
        free(text);
    }
    v = aws_rest_xml(&c, &q, NULL, 0, &ce, &e);
    if (!v)
        fail_msg("%s", e.msg);
    assert_string_equal(str_at(v, "BlockPublicAcls"), "true");
    assert_string_equal(str_at(v, "RestrictPublicBuckets"), "false");
    json_decref(v);
    http_free(c.http);
}

static void moto_kms(void **st)
{
    struct aws_client c;
    struct aws_call_err ce;
    struct err e = {{0}};
    char ids[3][64];
    json_t *l;
    (void)st;
    client(&c, moto_url);
    for (int i = 0; i < 3; i++) {
        json_t *k = json_ok(&c, "kms", "eu-west-1", "TrentService.CreateKey",
                            json_pack("{s:s}", "Description", "test"));
        snprintf(ids[i], sizeof(ids[i]), "%s",
                 str_at(json_object_get(k, "KeyMetadata"), "KeyId"));
        json_decref(k);
    }
    {
        /* (moto answers EnableKeyRotation with the JSON text null, which
         * aws_json_call refuses: AWS sends an empty body) */
        char args[160];
        snprintf(args, sizeof(args),
                 "kms enable-key-rotation --region eu-west-1 --key-id %s",
                 ids[1]);
        assert_int_equal(awscli(args), 0);
    }
    {
        json_t *body = json_pack("{s:i}", "Limit", 2);
        struct aws_json_req q = {
            "kms",    "eu-west-1", "TrentService.ListKeys", body, "Keys",
            "Marker", "NextMarker"};
        l = aws_json_call(&c, &q, &ce, &e);
        json_decref(body);
    }
    if (!l)
        fail_msg("%s", e.msg);
    /* moto answers every key at once whatever Limit says ("NextMarker":
     * null): the paging is the test server's test below */
    assert_int_equal(json_array_size(l), 3);
    for (int i = 0; i < 3; i++) {
        json_t *r =
            json_ok(&c, "kms", "eu-west-1", "TrentService.GetKeyRotationStatus",
                    json_pack("{s:s}", "KeyId", ids[i]));
        assert_true(json_is_boolean(json_object_get(r, "KeyRotationEnabled")));
        assert_int_equal(json_is_true(json_object_get(r, "KeyRotationEnabled")),
                         i == 1);
        json_decref(r);
    }
    json_decref(l);
    {
        /* a key that is not there: the code and the action, one line */
        struct aws_json_req q = {
            "kms", "eu-west-1", "TrentService.GetKeyRotationStatus", NULL, NULL,
            NULL,  NULL};
        json_t *body =
            json_pack("{s:s}", "KeyId", "11111111-2222-3333-4444-555555555555");
        q.body = body;
        assert_null(aws_json_call(&c, &q, &ce, &e));
        json_decref(body);
        assert_int_equal(ce.kind, AWS_ERR_API);
        assert_string_equal(ce.code, "NotFoundException");
        assert_non_null(strstr(
            e.msg,
            "aws kms GetKeyRotationStatus eu-west-1: NotFoundException"));
    }
    http_free(c.http);
}

static void moto_cloudtrail(void **st)
{
    static const char *const tgt =
        "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";
    struct aws_client c;
    char t[160];
    json_t *l, *s;
    (void)st;
    assert_int_equal(awscli("s3api create-bucket --bucket trail-logs"), 0);
    assert_int_equal(awscli("cloudtrail create-trail --name main "
                            "--s3-bucket-name trail-logs "
                            "--is-multi-region-trail "
                            "--enable-log-file-validation"),
                     0);
    assert_int_equal(awscli("cloudtrail create-trail --name quiet "
                            "--s3-bucket-name trail-logs"),
                     0);
    assert_int_equal(awscli("cloudtrail start-logging --name main"), 0);
    client(&c, moto_url);
    snprintf(t, sizeof(t), "%sDescribeTrails", tgt);
    l = json_ok(&c, "cloudtrail", "us-east-1", t, NULL);
    assert_int_equal(json_array_size(json_object_get(l, "trailList")), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *tr = json_array_get(json_object_get(l, "trailList"), i);
        int main_trail = !strcmp(str_at(tr, "Name"), "main");
        assert_int_equal(
            json_is_true(json_object_get(tr, "IsMultiRegionTrail")),
            main_trail);
        assert_int_equal(
            json_is_true(json_object_get(tr, "LogFileValidationEnabled")),
            main_trail);
        snprintf(t, sizeof(t), "%sGetTrailStatus", tgt);
        s = json_ok(&c, "cloudtrail", "us-east-1", t,
                    json_pack("{s:s}", "Name", str_at(tr, "TrailARN")));
        assert_int_equal(json_is_true(json_object_get(s, "IsLogging")),
                         main_trail);
        json_decref(s);
    }
    json_decref(l);
    http_free(c.http);
}

/* 60 metric filters (more than the 50 of a page on AWS). */
static void moto_logs(void **st)
{
    struct aws_client c;
    struct aws_call_err ce;
    struct err e = {{0}};
    json_t *l;
    (void)st;
    client(&c, moto_url);
    json_decref(json_ok(&c, "logs", "us-east-1", "Logs_20140328.CreateLogGroup",
                        json_pack("{s:s}", "logGroupName", "trail-group")));
    for (int i = 0; i < 60; i++) {
        char name[32];
        snprintf(name, sizeof(name), "filter-%03d", i);
        json_decref(json_ok(
            &c, "logs", "us-east-1", "Logs_20140328.PutMetricFilter",
            json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:s}]}", "logGroupName",
                      "trail-group", "filterName", name, "filterPattern",
                      "{ ($.errorCode = \"*UnauthorizedOperation\") }",
                      "metricTransformations", "metricName", name,
                      "metricNamespace", "CISBenchmark", "metricValue", "1")));
    }
    {
        json_t *body = json_pack("{s:i}", "limit", 50);
        struct aws_json_req q = {
            "logs",     "us-east-1",     "Logs_20140328.DescribeMetricFilters",
            body,       "metricFilters", "nextToken",
            "nextToken"};
        l = aws_json_call(&c, &q, &ce, &e);
        json_decref(body);
    }
    if (!l)
        fail_msg("%s", e.msg);
    assert_int_equal(json_array_size(l), 60);
    for (size_t i = 0; i < 60; i++) {
        json_t *f = json_array_get(l, i);
        assert_string_equal(str_at(f, "logGroupName"), "trail-group");
        assert_non_null(strstr(str_at(f, "filterPattern"), "Unauthorized"));
    }
    json_decref(l);
    http_free(c.http);
}

static void moto_config(void **st)
{
    struct aws_client c;
    struct aws_call_err ce;
    struct err e = {{0}};
    struct aws_json_req q = {"config",
                             "eu-west-1",
                             "StarlingDoveService."
                             "DescribeConfigurationRecorders",
                             NULL,
                             "ConfigurationRecorders",
                             NULL,
                             NULL};
    json_t *l;
    (void)st;
    client(&c, moto_url);
    l = aws_json_call(&c, &q, &ce, &e);
    if (!l)
        fail_msg("%s", e.msg);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    assert_int_equal(
        awscli("configservice put-configuration-recorder --region eu-west-1 "
               "--configuration-recorder "
               "name=default,roleARN=arn:aws:iam::" ACCOUNT
               ":role/config --recording-group allSupported=true,"
               "includeGlobalResourceTypes=true"),
        0);
    l = aws_json_call(&c, &q, &ce, &e);
    if (!l)
        fail_msg("%s", e.msg);
    assert_int_equal(json_array_size(l), 1);
    assert_string_equal(str_at(json_array_get(l, 0), "name"), "default");
    assert_true(json_is_true(
        aws_at(json_array_get(l, 0), "recordingGroup/allSupported")));
    json_decref(l);
    http_free(c.http);
}

/* Account (REST-JSON, POST with a body): the security contact. */
static void moto_account(void **st)
{
    struct aws_client c;
    struct aws_call_err ce;
    struct err e = {{0}};
    struct aws_rest q = {0};
    json_t *v;
    (void)st;
    client(&c, moto_url);
    q.service = "account";
    q.action = "GetAlternateContact";
    q.region = "us-east-1";
    q.method = "POST";
    q.path = "/getAlternateContact";
    q.body = "{\"AlternateContactType\":\"SECURITY\"}";
    assert_null(aws_rest_json(&c, &q, &ce, &e));
    assert_int_equal(ce.kind, AWS_ERR_API);
    assert_string_equal(ce.code, "ResourceNotFoundException");
    assert_non_null(strstr(e.msg, "aws account GetAlternateContact us-east-1: "
                                  "ResourceNotFoundException: "));
    assert_int_equal(awscli("account put-alternate-contact "
                            "--alternate-contact-type SECURITY --name Sec "
                            "--title CISO --email-address sec@example.com "
                            "--phone-number +1555"),
                     0);
    v = aws_rest_json(&c, &q, &ce, &e);
    if (!v)
        fail_msg("%s", e.msg);
    assert_string_equal(
        str_at(json_object_get(v, "AlternateContact"), "EmailAddress"),
        "sec@example.com");
    json_decref(v);
    http_free(c.http);
}

/*
 * moto checking signatures (INITIAL_NO_AUTH_ACTION_COUNT: the first 4
 * requests make a user, its key, its policy and a bucket; every later one
 * must be signed by a known key, as botocore signs, and is allowed by the
 * user's policy): S3 with a query, S3 Control, JSON 1.1, REST-JSON POST;
 * real denials; a wrong secret.
 */
static void moto_signed(void **st)
{
    static const char *const hdrs[] = {"x-amz-account-id: " ACCOUNT, NULL};
    int port = testmoto_free_port();
    char url[64], out[160], *keys, akid[64] = "", secret[128] = "";
    struct aws_client c;
    struct aws_call_err ce;
    struct err e = {{0}};
    json_t *v;
    (void)st;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    snprintf(out, sizeof(out), "%s/key", srv.dir);
    moto2_pid = testmoto_start(port, "4");
    assert_true(testmoto_up(&moto2_pid, port));
    assert_int_equal(
        awscli_at(url, "iam create-user --user-name auditor", "/dev/null"), 0);
    assert_int_equal(awscli_at(url,
                               "iam create-access-key --user-name auditor "
                               "--query 'AccessKey.[AccessKeyId,"
                               "SecretAccessKey]' --output text",
                               out),
                     0);
    assert_int_equal(
        awscli_at(url,
                  "iam put-user-policy --user-name auditor --policy-name p "
                  "--policy-document '{\"Version\":\"2012-10-17\","
                  "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
                  "\"Resource\":\"*\"},{\"Effect\":\"Deny\",\"Action\":"
                  "[\"kms:ListKeys\",\"s3:GetBucketPolicy\"],\"Resource\":"
                  "\"*\"}]}'",
                  "/dev/null"),
        0);
    assert_int_equal(
        awscli_at(url, "s3api create-bucket --bucket signed-b", "/dev/null"),
        0);
    keys = testsrv_slurp(out);
    assert_int_equal(sscanf(keys, "%63s %127s", akid, secret), 2);
    free(keys);
    client(&c, url);
    c.access_key = akid;
    c.secret_key = secret;
    {
        struct aws_rest q = {0};
        q.service = "s3";
        q.action = "ListBuckets";
        q.region = "us-east-1";
        q.query = "max-buckets=10000&prefix=signed-";
        q.list = "Buckets/Bucket";
        q.token_param = "continuation-token";
        q.token_path = "ContinuationToken";
        v = aws_rest_xml(&c, &q, NULL, 0, &ce, &e);
        if (!v)
            fail_msg("%s", e.msg);
        assert_int_equal(json_array_size(v), 1);
        json_decref(v);
        q.list = q.token_param = q.token_path = NULL;
        q.action = "GetBucketVersioning";
        q.bucket = "signed-b";
        q.query = "versioning";
        v = aws_rest_xml(&c, &q, NULL, 0, &ce, &e);
        if (!v)
            fail_msg("%s", e.msg);
        json_decref(v);
        q.action = "GetBucketPolicy";
        q.query = "policy";
        assert_null(aws_rest_xml(&c, &q, NULL, 0, &ce, &e));
        assert_int_equal(ce.kind, AWS_ERR_DENIED);
        assert_string_equal(ce.code, "AccessDenied");
        assert_non_null(
            strstr(e.msg, "aws s3 GetBucketPolicy us-east-1: AccessDenied: "));
    }
    {
        struct aws_rest q = {0};
        q.service = "s3-control";
        q.action = "GetPublicAccessBlock";
        q.region = "us-east-1";
        q.path = "/v20180820/configuration/publicAccessBlock";
        q.headers = hdrs;
        q.host_prefix = ACCOUNT ".";
        assert_null(aws_rest_xml(&c, &q, NULL, 0, &ce, &e));
        assert_string_equal(ce.code, "NoSuchPublicAccessBlockConfiguration");
        q.service = "account";
        q.action = "GetAlternateContact";
        q.method = "POST";
        q.path = "/getAlternateContact";
        q.headers = NULL;
        q.host_prefix = NULL;
        q.body = "{\"AlternateContactType\":\"BILLING\"}";
        assert_null(aws_rest_json(&c, &q, &ce, &e));
        assert_string_equal(ce.code, "ResourceNotFoundException");
    }
    {
        struct aws_json_req q = {
            "kms",    "eu-west-1", "TrentService.ListAliases", NULL, "Aliases",
            "Marker", "NextMarker"};
        v = aws_json_call(&c, &q, &ce, &e);
        if (!v)
            fail_msg("%s", e.msg);
        json_decref(v);
        /* moto denies a JSON 1.1 call with the query protocol's XML
         * document (AWS: {"__type": "AccessDeniedException"}) */
        q.target = "TrentService.ListKeys";
        q.list = "Keys";
        assert_null(aws_json_call(&c, &q, &ce, &e));
        assert_int_equal(ce.kind, AWS_ERR_DENIED);
        assert_non_null(strstr(e.msg, "aws kms ListKeys eu-west-1: "));
        assert_non_null(
            strstr(e.msg, "not authorized to perform: kms:ListKeys"));
    }
    {
        /* a wrong secret: refused, and not quoted */
        struct aws_rest q = {0};
        c.secret_key = "wrong-secret-value";
        q.service = "s3";
        q.action = "ListBuckets";
        q.region = "us-east-1";
        assert_null(aws_rest_xml(&c, &q, NULL, 0, &ce, &e));
        assert_int_equal(ce.kind, AWS_ERR_API);
        assert_string_equal(ce.code, "SignatureDoesNotMatch");
        assert_null(strstr(e.msg, "wrong-secret-value"));
    }
    http_free(c.http);
    kill(moto2_pid, SIGTERM);
    waitpid(moto2_pid, NULL, 0);
    moto2_pid = 0;
}

/* ---- the test server ---- */

static json_t *srv_json(const char *path, const char *list,
                        struct aws_call_err *ce, struct err *e)
{
    struct aws_client c;
    char url[128];
    json_t *l;
    struct aws_json_req q = {"kms",       "us-east-1", "TrentService.ListKeys",
                             NULL,        list,        "Marker",
                             "NextMarker"};
    snprintf(url, sizeof(url), "%s%s", srv_url, path);
    client(&c, url);
    c.session_token = TOKEN;
    l = aws_json_call(&c, &q, ce, e);
    http_free(c.http);
    return l;
}

static int log_count(const char *needle)
{
    char path[160], *text, *p;
    int n = 0;
    snprintf(path, sizeof(path), "%s/s/requests.log", srv.dir);
    text = testsrv_slurp(path);
    for (p = text; (p = strstr(p, needle)); p++)
        n++;
    free(text);
    return n;
}

static void srv_paged(void **st)
{
    struct aws_client c;
    struct aws_call_err ce;
    struct err e = {{0}};
    char url[128];
    json_t *l;
    (void)st;
    /* JSON 1.1: the token in the body, MaxResults kept on every page */
    snprintf(url, sizeof(url), "%s/json-paged", srv_url);
    client(&c, url);
    {
        json_t *body = json_pack("{s:i}", "MaxResults", 3);
        struct aws_json_req q = {"logs",  "us-east-1", "X.DescribeThings", body,
                                 "Items", "NextToken", "NextToken"};
        l = aws_json_call(&c, &q, &ce, &e);
        json_decref(body);
    }
    if (!l)
        fail_msg("%s", e.msg);
    assert_int_equal(json_array_size(l), 7);
    assert_int_equal(ce.pages, 3);
    for (size_t i = 0; i < 7; i++) {
        char want[16];
        snprintf(want, sizeof(want), "item-%zu", i);
        assert_string_equal(str_at(json_array_get(l, i), "Name"), want);
    }
    json_decref(l);
    http_free(c.http);
    /* REST-JSON: Access Analyzer's nextToken as a query parameter */
    snprintf(url, sizeof(url), "%s/analyzer-paged", srv_url);
    client(&c, url);
    {
        struct aws_rest q = {0};
        q.service = "access-analyzer";
        q.action = "ListAnalyzers";
        q.region = "eu-west-1";
        q.path = "/analyzer";
        q.query = "maxResults=2&type=ACCOUNT";
        q.list = "analyzers";
        q.token_param = "nextToken";
        q.token_path = "nextToken";
        l = aws_rest_json(&c, &q, &ce, &e);
    }
    if (!l)
        fail_msg("%s", e.msg);
    assert_int_equal(json_array_size(l), 5);
    assert_int_equal(ce.pages, 3);
    assert_string_equal(str_at(json_array_get(l, 4), "Name"), "item-4");
    assert_int_equal(log_count("GET /analyzer-paged/analyzer?maxResults=2&"
                               "type=ACCOUNT&nextToken=tok-4 "),
                     1);
    json_decref(l);
    http_free(c.http);
    /* REST-XML: S3's ContinuationToken */
    snprintf(url, sizeof(url), "%s/buckets-paged", srv_url);
    client(&c, url);
    {
        struct aws_rest q = {0};
        q.service = "s3";
        q.action = "ListBuckets";
        q.region = "us-east-1";
        q.query = "max-buckets=2";
        q.list = "Buckets/Bucket";
        q.token_param = "continuation-token";
        q.token_path = "ContinuationToken";
        l = aws_rest_xml(&c, &q, NULL, 0, &ce, &e);
    }
    if (!l)
        fail_msg("%s", e.msg);
    assert_int_equal(json_array_size(l), 5);
    assert_int_equal(ce.pages, 3);
    /* the last page holds one bucket: an object, merged all the same */
    assert_string_equal(str_at(json_array_get(l, 4), "Name"), "bucket-4");
    assert_string_equal(str_at(json_array_get(l, 0), "BucketRegion"),
                        "us-east-1");
    json_decref(l);
    http_free(c.http);
}

static void srv_denied(void **st)
{
    struct aws_call_err ce;
    struct err e = {{0}};
    (void)st;
    assert_null(srv_json("/denied", "Keys", &ce, &e));
    assert_int_equal(ce.kind, AWS_ERR_DENIED);
    assert_string_equal(ce.code, "AccessDeniedException");
    assert_non_null(strstr(e.msg, "aws kms ListKeys us-east-1: "
                                  "AccessDeniedException: User: "));
    assert_non_null(strstr(e.msg, "(HTTP 403)"));
    assert_null(strchr(e.msg, '\n'));
    {
        /* REST-JSON: the code in x-amzn-ErrorType, the message in the
         * body */
        struct aws_client c;
        struct aws_rest q = {0};
        char url[128];
        snprintf(url, sizeof(url), "%s/denied-rest", srv_url);
        client(&c, url);
        q.service = "access-analyzer";
        q.action = "ListAnalyzers";
        q.region = "eu-west-1";
        q.path = "/analyzer";
        assert_null(aws_rest_json(&c, &q, &ce, &e));
        assert_int_equal(ce.kind, AWS_ERR_DENIED);
        assert_string_equal(ce.code, "AccessDeniedException");
        assert_non_null(strstr(e.msg,
                               "aws access-analyzer ListAnalyzers eu-west-1: "
                               "AccessDeniedException: not authorized"));
        http_free(c.http);
    }
}

static void srv_retried(void **st)
{
    struct aws_call_err ce;
    struct err e = {{0}};
    json_t *l;
    (void)st;
    l = srv_json("/retry500", "Keys", &ce, &e);
    if (!l)
        fail_msg("%s", e.msg);
    assert_int_equal(json_array_size(l), 1);
    assert_int_equal(ce.requests, 2);
    json_decref(l);
    l = srv_json("/retry429", "Keys", &ce, &e);
    if (!l)
        fail_msg("%s", e.msg);
    assert_int_equal(json_array_size(l), 1);
    assert_int_equal(ce.requests, 2);
    json_decref(l);
    l = srv_json("/throttle", "Keys", &ce, &e);
    if (!l)
        fail_msg("%s", e.msg);
    assert_int_equal(json_array_size(l), 1);
    assert_int_equal(ce.requests, 3);
    json_decref(l);
    /* throttled for good: AWS_CALL_RETRIES retries, then the code */
    assert_null(srv_json("/throttle-forever", "Keys", &ce, &e));
    assert_int_equal(ce.kind, AWS_ERR_API);
    assert_string_equal(ce.code, "ThrottlingException");
    assert_int_equal(ce.requests, AWS_CALL_RETRIES + 1);
    assert_non_null(strstr(e.msg, "aws kms ListKeys us-east-1: "
                                  "ThrottlingException: Rate exceeded"));
}

static void srv_broken(void **st)
{
    static const char *const bad[] = {"/cut",       "/badjson", "/dupjson",
                                      "/notobject", "/notlist", "/loop"};
    struct aws_call_err ce;
    struct err e = {{0}};
    (void)st;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(srv_json(bad[i], "Keys", &ce, &e));
        assert_int_equal(ce.kind, AWS_ERR_TRANSPORT);
        assert_memory_equal(e.msg, "aws kms ListKeys us-east-1", 26);
        assert_null(strchr(e.msg, '\n'));
        assert_null(strstr(e.msg, SECRET));
        assert_null(strstr(e.msg, TOKEN));
    }
    assert_null(srv_json("/badjson", NULL, &ce, &e));
    assert_non_null(strstr(e.msg, "aws kms ListKeys us-east-1: the answer: "));
    assert_null(srv_json("/dupjson", NULL, &ce, &e));
    assert_int_equal(ce.kind, AWS_ERR_TRANSPORT);
    assert_null(srv_json("/notobject", NULL, &ce, &e));
    assert_int_equal(ce.kind, AWS_ERR_TRANSPORT);
    assert_null(srv_json("/notlist", "Keys", &ce, &e));
    assert_non_null(strstr(e.msg, "Keys in the answer is not a list"));
    assert_null(srv_json("/loop", "Keys", &ce, &e));
    assert_non_null(strstr(e.msg, "the same token again"));
    {
        struct aws_client c;
        struct aws_rest q = {0};
        char url[128];
        snprintf(url, sizeof(url), "%s/badxml", srv_url);
        client(&c, url);
        q.service = "s3";
        q.action = "GetBucketVersioning";
        q.region = "eu-west-1";
        q.bucket = "b1";
        q.query = "versioning";
        assert_null(aws_rest_xml(&c, &q, NULL, 0, &ce, &e));
        assert_int_equal(ce.kind, AWS_ERR_TRANSPORT);
        assert_non_null(strstr(e.msg, "aws s3 GetBucketVersioning eu-west-1: "
                                      "the answer: "));
        assert_null(strchr(e.msg, '\n'));
        http_free(c.http);
        /* an S3 error document read from XML */
        snprintf(url, sizeof(url), "%s/nopolicy", srv_url);
        client(&c, url);
        q.action = "GetBucketPolicy";
        q.query = "policy";
        {
            size_t len;
            assert_null(aws_rest_raw(&c, &q, &len, NULL, 0, &ce, &e));
        }
        assert_int_equal(ce.kind, AWS_ERR_API);
        assert_string_equal(ce.code, "NoSuchBucketPolicy");
        http_free(c.http);
    }
}

/* S3's bucket-region redirects: 301 (x-amz-bucket-region), 400
 * AuthorizationHeaderMalformed (<Region>), 307; signed again for the
 * region named, once. */
static void srv_redirect(void **st)
{
    struct aws_client c;
    struct aws_call_err ce;
    struct err e = {{0}};
    struct aws_rest q = {0};
    char url[128], region[32];
    json_t *v;
    char *text;
    size_t len;
    (void)st;
    q.service = "s3";
    q.region = "us-east-1";
    q.bucket = "b1";

    snprintf(url, sizeof(url), "%s/r301", srv_url);
    client(&c, url);
    q.action = "GetBucketVersioning";
    q.query = "versioning";
    v = aws_rest_xml(&c, &q, region, sizeof(region), &ce, &e);
    if (!v)
        fail_msg("%s", e.msg);
    assert_string_equal(str_at(v, "Status"), "Enabled");
    assert_string_equal(region, "eu-west-1");
    assert_int_equal(ce.requests, 2);
    assert_int_equal(log_count("GET /r301/b1?versioning auth=bad cert=- "
                               "region=us-east-1\n"),
                     1);
    assert_int_equal(log_count("GET /r301/b1?versioning auth=bad cert=- "
                               "region=eu-west-1\n"),
                     1);
    json_decref(v);
    http_free(c.http);

    snprintf(url, sizeof(url), "%s/r400", srv_url);
    client(&c, url);
    q.action = "GetBucketPolicy";
    q.query = "policy";
    text = aws_rest_raw(&c, &q, &len, region, sizeof(region), &ce, &e);
    if (!text)
        fail_msg("%s", e.msg);
    assert_string_equal(text, "{\"Version\": \"2012-10-17\"}");
    assert_string_equal(region, "ap-south-1");
    free(text);
    http_free(c.http);

    snprintf(url, sizeof(url), "%s/r307", srv_url);
    client(&c, url);
    q.action = "GetBucketLocation";
    q.query = "location";
    v = aws_rest_xml(&c, &q, region, sizeof(region), &ce, &e);
    if (!v)
        fail_msg("%s", e.msg);
    assert_string_equal(json_string_value(v), "eu-central-1");
    assert_string_equal(region, "eu-central-1");
    json_decref(v);
    http_free(c.http);

    /* a second redirect is not followed: the error names the region
     * asked last */
    snprintf(url, sizeof(url), "%s/rloop", srv_url);
    client(&c, url);
    q.action = "GetBucketVersioning";
    q.query = "versioning";
    assert_null(aws_rest_xml(&c, &q, region, sizeof(region), &ce, &e));
    assert_int_equal(ce.kind, AWS_ERR_API);
    assert_string_equal(ce.code, "PermanentRedirect");
    assert_int_equal(ce.requests, 2);
    assert_non_null(strstr(e.msg, "aws s3 GetBucketVersioning eu-west-1: "
                                  "PermanentRedirect: elsewhere (HTTP 301)"));
    http_free(c.http);
}

/* On AWS (no endpoint): the host each request goes to, seen by a proxy
 * that logs the tunnel asked for and refuses it. */
static void aws_hosts(void **st)
{
    static const char *const hdrs[] = {"x-amz-account-id: " ACCOUNT, NULL};
    static const char *const want[] = {
        "CONNECT bkt.s3.eu-west-1.amazonaws.com:443\n",
        "CONNECT s3.eu-west-1.amazonaws.com:443\n",
        "CONNECT s3.us-east-1.amazonaws.com:443\n",
        "CONNECT " ACCOUNT ".s3-control.us-east-1.amazonaws.com:443\n",
        "CONNECT access-analyzer.ap-south-1.amazonaws.com:443\n",
        "CONNECT account.us-east-1.amazonaws.com:443\n",
        "CONNECT kms.eu-west-2.amazonaws.com:443\n",
        NULL};
    struct aws_client c;
    struct aws_call_err ce;
    struct err e = {{0}};
    struct http_opts o = {0};
    char proxy[64], path[160], *log;
    size_t len;
    (void)st;
    snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d",
             testsrv_port(&srv, "p", "proxy.port"));
    o.proxy = proxy;
    o.retries = -1;
    memset(&c, 0, sizeof(c));
    c.http = http_new(&o, &e);
    assert_non_null(c.http);
    c.access_key = AKID;
    c.secret_key = SECRET;
    {
        struct aws_rest q = {0};
        q.service = "s3";
        q.action = "GetBucketVersioning";
        q.region = "eu-west-1";
        q.bucket = "bkt";
        q.query = "versioning";
        assert_null(aws_rest_xml(&c, &q, NULL, 0, &ce, &e));
        assert_int_equal(ce.kind, AWS_ERR_TRANSPORT);
        assert_non_null(strstr(e.msg, "aws s3 GetBucketVersioning eu-west-1"));
        /* a dot in the name: path style (the certificate's wildcard
         * covers one label) */
        q.bucket = "logs.example.com";
        assert_null(aws_rest_xml(&c, &q, NULL, 0, &ce, &e));
        q.bucket = NULL;
        q.action = "ListBuckets";
        q.region = "us-east-1";
        q.query = NULL;
        assert_null(aws_rest_xml(&c, &q, NULL, 0, &ce, &e));
    }
    {
        struct aws_rest q = {0};
        q.service = "s3-control";
        q.action = "GetPublicAccessBlock";
        q.region = "us-east-1";
        q.path = "/v20180820/configuration/publicAccessBlock";
        q.headers = hdrs;
        q.host_prefix = ACCOUNT ".";
        assert_null(aws_rest_xml(&c, &q, NULL, 0, &ce, &e));
        q.service = "access-analyzer";
        q.action = "ListAnalyzers";
        q.region = "ap-south-1";
        q.path = "/analyzer";
        q.headers = NULL;
        q.host_prefix = NULL;
        assert_null(aws_rest_json(&c, &q, &ce, &e));
        q.service = "account";
        q.action = "GetAlternateContact";
        q.region = "us-east-1";
        q.method = "POST";
        q.path = "/getAlternateContact";
        q.body = "{\"AlternateContactType\":\"SECURITY\"}";
        assert_null(aws_rest_raw(&c, &q, &len, NULL, 0, &ce, &e));
    }
    {
        struct aws_json_req q = {"kms", "eu-west-2", "TrentService.ListKeys",
                                 NULL,  NULL,        NULL,
                                 NULL};
        assert_null(aws_json_call(&c, &q, &ce, &e));
        assert_int_equal(ce.kind, AWS_ERR_TRANSPORT);
        assert_non_null(strstr(e.msg, "aws kms ListKeys eu-west-2"));
    }
    snprintf(path, sizeof(path), "%s/p/proxy.log", srv.dir);
    log = testsrv_slurp(path);
    {
        const char *p = log;
        for (size_t i = 0; want[i]; i++) {
            const char *hit = strstr(p, want[i]);
            if (!hit)
                fail_msg("%s not in order in %s", want[i], log);
            p = hit + strlen(want[i]);
        }
    }
    free(log);
    http_free(c.http);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(moto_s3, moto_reset),
        cmocka_unit_test_setup(moto_s3_control, moto_reset),
        cmocka_unit_test_setup(moto_kms, moto_reset),
        cmocka_unit_test_setup(moto_cloudtrail, moto_reset),
        cmocka_unit_test_setup(moto_logs, moto_reset),
        cmocka_unit_test_setup(moto_config, moto_reset),
        cmocka_unit_test_setup(moto_account, moto_reset),
        cmocka_unit_test(moto_signed),
        cmocka_unit_test(srv_paged),
        cmocka_unit_test(srv_denied),
        cmocka_unit_test(srv_retried),
        cmocka_unit_test(srv_broken),
        cmocka_unit_test(srv_redirect),
        cmocka_unit_test(aws_hosts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
