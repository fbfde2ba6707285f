/* test_aws_call.c: the query protocol against a real moto_server (IAM
 * ListUsers over 3 pages of 50, EC2 DescribeSecurityGroups seeded with
 * Debian's awscli) and against the HTTPS test server (a 500 then OK, a
 * throttling 400 then OK, a 403 AccessDenied document, an EC2
 * UnauthorizedOperation, a cut body, a malformed body). moto_server missing
 * is a failure, not a skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "aws_call.h"
#include "aws_sts.h"
#include "testmoto.h"
#include "testsrv.h"

#define AKID "testing"
#define SECRET "testing-secret-value"
#define TOKEN "testing-session-token"

static struct testsrv srv;
static pid_t moto_pid;
static char moto_url[64], srv_url[64], ca[256];

#define LIST_ONE                                                               \
    "<ListUsersResponse><ListUsersResult><IsTruncated>false</IsTruncated>"     \
    "<Users><member><UserName>u1</UserName></member></Users>"                  \
    "</ListUsersResult></ListUsersResponse>"
#define DENIED                                                                 \
    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"       \
    "<Message>User: arn:aws:iam::1:user/x is not authorized to perform: "      \
    "iam:ListUsers</Message></Error><RequestId>r</RequestId></ErrorResponse>"
#define THROTTLED                                                              \
    "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"         \
    "<Message>Rate exceeded</Message></Error></ErrorResponse>"
#define UNAUTH                                                                 \
    "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You " \
    "are not authorized to perform this operation.</Message></Error>"          \
    "</Errors><RequestID>r</RequestID></Response>"

static const char SPEC[] =
    "{\"routes\": {"
    "\"/retry\": {\"body\": \"" LIST_ONE "\", \"fault\": {\"status\": 500, "
    "\"times\": 1}},"
    "\"/throttle\": {\"body\": \"" LIST_ONE "\", \"fault\": {\"status\": 400, "
    "\"times\": 2, \"body\": \"" THROTTLED "\"}},"
    "\"/denied\": {\"status\": 403, \"body\": \"" DENIED "\"},"
    "\"/unauth\": {\"status\": 403, \"body\": \"" UNAUTH "\"},"
    "\"/cut\": {\"body\": \"" LIST_ONE "\", \"cut\": 40},"
    "\"/bad\": {\"body\": \"<ListUsersResponse><x></ListUsersResponse>\"},"
    "\"/echo\": {\"status\": 400, \"body\": \"<ErrorResponse><Error><Code>"
    "InvalidClientTokenId</Code><Message>token " TOKEN " and " SECRET
    " bad</Message></Error></ErrorResponse>\"}"
    "}}";

/* Runs /usr/bin/aws against moto; 0 when it succeeded. */
static int awscli(const char *args)
{
    return testmoto_awscli(moto_url, args, "/dev/null");
}

static int setup(void **state)
{
    int p = testmoto_free_port();
    (void)state;
    if (!p || testsrv_init(&srv, "awscall", SPEC))
        return -1;
    testsrv_start(&srv, "s", (const char *const[]){NULL});
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
    return testsrv_stop(&srv);
}

static struct http *client(struct aws_client *c, const char *endpoint)
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
    return c->http;
}

/* One signed call that must succeed (seeding moto). */
static void call_ok(struct aws_client *c, const char *service,
                    const char *version, const char *action,
                    const char *const *params)
{
    struct aws_query q = {service, "us-east-1", version, action, params,
                          NULL,    NULL,        NULL,    NULL};
    struct aws_call_err ce;
    struct err e = {{0}};
    json_t *doc = aws_query_once(c, &q, &ce, &e);
    if (!doc)
        fail_msg("%s", e.msg);
    json_decref(doc);
}

/* Each of prefix-000 .. prefix-(n-1) once in l under key. */
static void each_once(json_t *l, const char *key, const char *prefix, int n)
{
    assert_int_equal(json_array_size(l), (size_t)n);
    for (int i = 0; i < n; i++) {
        char want[64];
        int found = 0;
        snprintf(want, sizeof(want), "%s-%03d", prefix, i);
        for (size_t j = 0; j < json_array_size(l); j++) {
            const char *v =
                json_string_value(json_object_get(json_array_get(l, j), key));
            found += v && !strcmp(v, want);
        }
        assert_int_equal(found, 1);
    }
}

/* IAM: 120 users (moto 5.2.1 answers ListUsers in one page whatever
 * MaxItems says) and 120 local policies, which it pages by MaxItems with
 * Marker/IsTruncated: 3 pages of 50. */
static void moto_iam_paged(void **st)
{
    struct aws_client c;
    struct aws_call_err ce;
    struct err e = {{0}};
    json_t *l;
    (void)st;
    client(&c, moto_url);
    for (int i = 0; i < 120; i++) {
        char p1[80], p2[160];
        const char *params[] = {p1, NULL, NULL, NULL};
        snprintf(p1, sizeof(p1), "UserName=user-%03d", i);
        call_ok(&c, "iam", "2010-05-08", "CreateUser", params);
        snprintf(p1, sizeof(p1), "PolicyName=policy-%03d", i);
        snprintf(p2, sizeof(p2),
                 "PolicyDocument={\"Version\":\"2012-10-17\",\"Statement\":"
                 "[{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\","
                 "\"Resource\":\"*\"}]}");
        params[1] = p2;
        call_ok(&c, "iam", "2010-05-08", "CreatePolicy", params);
    }
    {
        const char *params[] = {"MaxItems=50", NULL};
        struct aws_query q = {"iam",
                              "us-east-1",
                              "2010-05-08",
                              "ListUsers",
                              params,
                              "ListUsersResult/Users",
                              "Marker",
                              "ListUsersResult/Marker",
                              "ListUsersResult/IsTruncated"};
        l = aws_query_list(&c, &q, &ce, &e);
        if (!l)
            fail_msg("%s", e.msg);
        each_once(l, "UserName", "user", 120);
        json_decref(l);
    }
    {
        const char *params[] = {"MaxItems=50", "Scope=Local", NULL};
        struct aws_query q = {"iam",
                              "us-east-1",
                              "2010-05-08",
                              "ListPolicies",
                              params,
                              "ListPoliciesResult/Policies",
                              "Marker",
                              "ListPoliciesResult/Marker",
                              "ListPoliciesResult/IsTruncated"};
        l = aws_query_list(&c, &q, &ce, &e);
        if (!l)
            fail_msg("%s", e.msg);
        each_once(l, "PolicyName", "policy", 120);
        assert_int_equal(ce.pages, 3);
        assert_int_equal(ce.requests, 3);
        json_decref(l);
    }
    http_free(c.http);
}

/* EC2 NextToken paging: 12 reservations, MaxResults=5: 3 pages. */
static void moto_ec2_instances_paged(void **st)
{
    static const char *const run[] = {"ImageId=ami-03cf127a", "MinCount=1",
                                      "MaxCount=1", "InstanceType=t3.micro",
                                      NULL};
    const char *params[] = {"MaxResults=5", NULL};
    struct aws_query q = {
        "ec2",  "us-east-1",      "2016-11-15", "DescribeInstances",
        params, "reservationSet", "NextToken",  "nextToken",
        NULL};
    struct aws_client c;
    struct aws_call_err ce;
    struct err e = {{0}};
    json_t *l;
    (void)st;
    client(&c, moto_url);
    for (int i = 0; i < 12; i++)
        call_ok(&c, "ec2", "2016-11-15", "RunInstances", run);
    l = aws_query_list(&c, &q, &ce, &e);
    if (!l)
        fail_msg("%s", e.msg);
    assert_int_equal(json_array_size(l), 12);
    assert_int_equal(ce.pages, 3);
    for (size_t i = 0; i < 12; i++) {
        json_t *inst = json_array_get(
            json_object_get(json_array_get(l, i), "instancesSet"), 0);
        const char *id = json_string_value(json_object_get(inst, "instanceId"));
        assert_non_null(id);
        assert_memory_equal(id, "i-", 2);
        for (size_t j = 0; j < i; j++) /* no reservation twice */
            assert_string_not_equal(
                json_string_value(
                    json_object_get(json_array_get(l, i), "reservationId")),
                json_string_value(
                    json_object_get(json_array_get(l, j), "reservationId")));
    }
    json_decref(l);
    http_free(c.http);
}

static void moto_ec2_security_groups(void **st)
{
    struct aws_client c;
    struct aws_call_err ce;
    struct err e = {{0}};
    json_t *l;
    int seen = 0;
    (void)st;
    for (int i = 0; i < 3; i++) {
        char args[256];
        snprintf(args, sizeof(args),
                 "ec2 create-security-group --group-name sg-test-%d "
                 "--description test-%d",
                 i, i);
        assert_int_equal(awscli(args), 0);
    }
    assert_int_equal(
        awscli("ec2 authorize-security-group-ingress --group-name sg-test-1 "
               "--protocol tcp --port 22 --cidr 0.0.0.0/0"),
        0);
    client(&c, moto_url);
    c.session_token = TOKEN;
    {
        const char *params[] = {"MaxResults=2", NULL};
        struct aws_query q = {
            "ec2",  "us-east-1",         "2016-11-15", "DescribeSecurityGroups",
            params, "securityGroupInfo", "NextToken",  "nextToken",
            NULL};
        l = aws_query_list(&c, &q, &ce, &e);
    }
    if (!l)
        fail_msg("%s", e.msg);
    /* the default group and the three made by awscli */
    assert_true(json_array_size(l) >= 4);
    for (size_t i = 0; i < json_array_size(l); i++) {
        json_t *g = json_array_get(l, i);
        const char *name = json_string_value(json_object_get(g, "groupName"));
        if (name && !strcmp(name, "sg-test-1")) {
            json_t *perm =
                json_array_get(json_object_get(g, "ipPermissions"), 0);
            assert_string_equal(
                json_string_value(json_object_get(perm, "fromPort")), "22");
            assert_string_equal(
                json_string_value(json_object_get(
                    json_array_get(json_object_get(perm, "ipRanges"), 0),
                    "cidrIp")),
                "0.0.0.0/0");
            seen++;
        }
    }
    assert_int_equal(seen, 1);
    json_decref(l);
    http_free(c.http);
}

static json_t *srv_list(const char *path, struct aws_call_err *ce,
                        struct err *e)
{
    struct aws_client c;
    char url[128];
    json_t *l;
    struct aws_query q = {"iam",
                          "us-east-1",
                          "2010-05-08",
                          "ListUsers",
                          NULL,
                          "ListUsersResult/Users",
                          "Marker",
                          "ListUsersResult/Marker",
                          "ListUsersResult/IsTruncated"};
    snprintf(url, sizeof(url), "%s%s", srv_url, path);
    client(&c, url);
    c.session_token = TOKEN;
    l = aws_query_list(&c, &q, ce, e);
    http_free(c.http);
    return l;
}

static void retried(void **st)
{
    struct aws_call_err ce;
    struct err e = {{0}};
    json_t *l;
    (void)st;
    l = srv_list("/retry", &ce, &e); /* 500 then OK: core/http retries */
    if (!l)
        fail_msg("%s", e.msg);
    assert_int_equal(json_array_size(l), 1);
    assert_int_equal(ce.requests, 2);
    json_decref(l);
    l = srv_list("/throttle", &ce, &e); /* 400 Throttling twice, then OK */
    if (!l)
        fail_msg("%s", e.msg);
    assert_int_equal(json_array_size(l), 1);
    assert_int_equal(ce.requests, 3);
    json_decref(l);
}

static void denied(void **st)
{
    struct aws_call_err ce;
    struct err e = {{0}};
    (void)st;
    assert_null(srv_list("/denied", &ce, &e));
    assert_int_equal(ce.kind, AWS_ERR_DENIED);
    assert_string_equal(ce.code, "AccessDenied");
    assert_non_null(strstr(e.msg, "aws iam ListUsers us-east-1: AccessDenied: "
                                  "User: arn:aws:iam::1:user/x"));
    assert_null(strchr(e.msg, '\n'));
    assert_null(srv_list("/unauth", &ce, &e));
    assert_int_equal(ce.kind, AWS_ERR_DENIED);
    assert_string_equal(ce.code, "UnauthorizedOperation");
}

static void broken(void **st)
{
    struct aws_call_err ce;
    struct err e = {{0}};
    (void)st;
    assert_null(srv_list("/cut", &ce, &e));
    assert_int_equal(ce.kind, AWS_ERR_TRANSPORT);
    assert_non_null(strstr(e.msg, "aws iam ListUsers us-east-1"));
    assert_null(srv_list("/bad", &ce, &e));
    assert_int_equal(ce.kind, AWS_ERR_TRANSPORT);
    assert_non_null(strstr(e.msg, "aws iam ListUsers us-east-1: the answer"));
    assert_non_null(strstr(e.msg, "mismatched tag"));
    /* a server's echo of the secrets is not quoted */
    assert_null(srv_list("/echo", &ce, &e));
    assert_int_equal(ce.kind, AWS_ERR_API);
    assert_string_equal(ce.code, "InvalidClientTokenId");
    assert_null(strstr(e.msg, TOKEN));
    assert_null(strstr(e.msg, SECRET));
    /* nothing listening */
    {
        struct aws_client c;
        struct aws_query q = {
            "ec2", "eu-west-1", "2016-11-15", "DescribeRegions", NULL, NULL,
            NULL,  NULL,        NULL};
        char url[64];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d", testmoto_free_port());
        client(&c, url);
        assert_null(aws_query_once(&c, &q, &ce, &e));
        assert_int_equal(ce.kind, AWS_ERR_TRANSPORT);
        assert_non_null(strstr(e.msg, "aws ec2 DescribeRegions eu-west-1"));
        http_free(c.http);
    }
}

/* A role profile (role_arn + source_profile) resolved through a real STS
 * AssumeRole, then GetCallerIdentity with what it gave. */
static void moto_sts_role(void **st)
{
    struct aws_client c, rc;
    struct aws_sts sts;
    struct aws_creds_opts o;
    struct aws_session s;
    struct err e = {{0}};
    char dir[] = "/tmp/fourc-sts-XXXXXX", path[128], *account = NULL,
         *arn = NULL;
    const char *params[] = {
        "RoleName=auditor",
        "AssumeRolePolicyDocument={\"Version\":\"2012-10-17\",\"Statement\":"
        "[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":"
        "\"sts:AssumeRole\"}]}",
        NULL};
    FILE *f;
    (void)st;
    client(&c, moto_url);
    call_ok(&c, "iam", "2010-05-08", "CreateRole", params);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/config", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "[profile base]\naws_access_key_id = %s\n"
            "aws_secret_access_key = %s\n\n[profile audit]\n"
            "role_arn = arn:aws:iam::123456789012:role/auditor\n"
            "source_profile = base\nexternal_id = ext-1\n"
            "region = eu-west-1\n",
            AKID, SECRET);
    fclose(f);
    setenv("AWS_CONFIG_FILE", path, 1);
    snprintf(path, sizeof(path), "%s/credentials", dir);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_DEFAULT_PROFILE");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    memset(&o, 0, sizeof(o));
    o.profile = "audit";
    sts.http = c.http;
    sts.endpoint = moto_url;
    o.assume_role = aws_sts_assume_role;
    o.assume_role_arg = &sts;
    if (aws_creds_resolve(&o, &s, &e))
        fail_msg("%s", e.msg);
    /* STS's temporary keys, not the source profile's */
    assert_string_not_equal(s.creds.access_key_id, AKID);
    assert_non_null(s.creds.session_token);
    assert_true(strlen(s.creds.secret_access_key) > 0);
    assert_true(s.creds.expiry > 0);
    assert_int_equal(s.nregions, 1);
    assert_string_equal(s.regions[0], "eu-west-1");
    client(&rc, moto_url);
    rc.access_key = s.creds.access_key_id;
    rc.secret_key = s.creds.secret_access_key;
    rc.session_token = s.creds.session_token;
    if (aws_sts_caller_identity(&rc, "eu-west-1", &account, &arn, &e))
        fail_msg("%s", e.msg);
    assert_string_equal(account, "123456789012");
    assert_non_null(strstr(arn, "assumed-role/auditor/"));
    free(account);
    free(arn);
    aws_session_release(&s);
    http_free(rc.http);
    http_free(c.http);
    unlink(path);
    snprintf(path, sizeof(path), "%s/config", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(moto_iam_paged),
        cmocka_unit_test(moto_ec2_instances_paged),
        cmocka_unit_test(moto_ec2_security_groups),
        cmocka_unit_test(retried),
        cmocka_unit_test(denied),
        cmocka_unit_test(broken),
        cmocka_unit_test(moto_sts_role),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
