/* test_aws_xml.c: AWS XML responses into JSON with expat: the IAM and EC2
 * list shapes, the error documents, and bad input (malformed, cut, a DTD
 * with entities, too deep, too large). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_xml.h"
#include "util.h"

#define S(x) x, strlen(x)

static const char LIST_USERS[] =
    "<ListUsersResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
    "  <ListUsersResult>\n"
    "    <IsTruncated>true</IsTruncated>\n"
    "    <Marker>AAE2</Marker>\n"
    "    <Users>\n"
    "      <member>\n"
    "        <Path>/division_abc/subdivision_xyz/engineering/</Path>\n"
    "        <UserName>Andrew</UserName>\n"
    "        <Arn>arn:aws:iam::123456789012:user/division_abc/"
    "subdivision_xyz/engineering/Andrew</Arn>\n"
    "        <UserId>AID2MAB8DPLSRHEXAMPLE</UserId>\n"
    "        <CreateDate>2012-09-05T19:38:48Z</CreateDate>\n"
    "      </member>\n"
    "      <member>\n"
    "        <Path>/division_abc/subdivision_xyz/engineering/</Path>\n"
    "        <UserName>Jackie &amp; co</UserName>\n"
    "        <Arn>arn:aws:iam::123456789012:user/division_abc/"
    "subdivision_xyz/engineering/Jackie</Arn>\n"
    "        <UserId>AIDIODR4TAW7CSEXAMPLE</UserId>\n"
    "        <CreateDate>2014-04-09T15:43:45Z</CreateDate>\n"
    "      </member>\n"
    "    </Users>\n"
    "  </ListUsersResult>\n"
    "  <ResponseMetadata>\n"
    "    <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>\n"
    "  </ResponseMetadata>\n"
    "</ListUsersResponse>\n";

static void iam_list_users(void **st)
{
    struct err e = {{0}};
    char root[64];
    json_t *doc, *res, *users;
    (void)st;
    doc = aws_xml_parse(S(LIST_USERS), NULL, root, sizeof(root), &e);
    assert_non_null(doc);
    assert_string_equal(root, "ListUsersResponse");
    res = json_object_get(doc, "ListUsersResult");
    assert_string_equal(json_string_value(json_object_get(res, "IsTruncated")),
                        "true");
    assert_string_equal(json_string_value(json_object_get(res, "Marker")),
                        "AAE2");
    users = aws_xml_list(res, "Users");
    assert_int_equal(json_array_size(users), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(users, 1), "UserName")),
                        "Jackie & co");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(users, 0), "CreateDate")),
                        "2012-09-05T19:38:48Z");
    json_decref(users);
    json_decref(doc);
}

static const char SGS[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<DescribeSecurityGroupsResponse "
    "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n"
    "  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>\n"
    "  <securityGroupInfo>\n"
    "    <item>\n"
    "      <ownerId>123456789012</ownerId>\n"
    "      <groupId>sg-1a2b3c4d</groupId>\n"
    "      <groupName>WebServers</groupName>\n"
    "      <groupDescription>Web Servers</groupDescription>\n"
    "      <vpcId>vpc-614cc409</vpcId>\n"
    "      <ipPermissions>\n"
    "        <item>\n"
    "          <ipProtocol>tcp</ipProtocol>\n"
    "          <fromPort>22</fromPort>\n"
    "          <toPort>22</toPort>\n"
    "          <groups/>\n"
    "          <ipRanges>\n"
    "            <item><cidrIp>0.0.0.0/0</cidrIp></item>\n"
    "          </ipRanges>\n"
    "        </item>\n"
    "      </ipPermissions>\n"
    "      <ipPermissionsEgress/>\n"
    "    </item>\n"
    "  </securityGroupInfo>\n"
    "  <nextToken>tok-2</nextToken>\n"
    "</DescribeSecurityGroupsResponse>\n";

static void ec2_security_groups(void **st)
{
    struct err e = {{0}};
    json_t *doc, *sgs, *sg, *perm, *l;
    (void)st;
    doc = aws_xml_parse(S(SGS), NULL, NULL, 0, &e);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "nextToken")),
                        "tok-2");
    sgs = aws_xml_list(doc, "securityGroupInfo");
    assert_int_equal(json_array_size(sgs), 1);
    sg = json_array_get(sgs, 0);
    assert_string_equal(json_string_value(json_object_get(sg, "groupId")),
                        "sg-1a2b3c4d");
    perm = json_array_get(json_object_get(sg, "ipPermissions"), 0);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(perm, "ipRanges"), 0), "cidrIp")),
        "0.0.0.0/0");
    l = aws_xml_list(perm, "groups"); /* <groups/>: an empty list */
    assert_true(json_is_array(l));
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    l = aws_xml_list(sg, "ipPermissionsEgress");
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    json_decref(sgs);
    json_decref(doc);
}

static void error_documents(void **st)
{
    char code[64], msg[256];
    (void)st;
    assert_int_equal(
        aws_xml_error(
            S("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/"
              "2010-05-08/\"><Error><Type>Sender</Type>"
              "<Code>AccessDenied</Code><Message>User: arn:aws:iam::1:user/x "
              "is not authorized to perform: iam:ListUsers</Message></Error>"
              "<RequestId>r</RequestId></ErrorResponse>"),
            code, sizeof(code), msg, sizeof(msg)),
        1);
    assert_string_equal(code, "AccessDenied");
    assert_non_null(strstr(msg, "iam:ListUsers"));
    assert_int_equal(
        aws_xml_error(S("<Response><Errors><Error><Code>UnauthorizedOperation"
                        "</Code><Message>You are not authorized to perform "
                        "this operation.</Message></Error></Errors>"
                        "<RequestID>r</RequestID></Response>"),
                      code, sizeof(code), msg, sizeof(msg)),
        1);
    assert_string_equal(code, "UnauthorizedOperation");
    /* moto's IAM authorization (INITIAL_NO_AUTH_ACTION_COUNT) */
    assert_int_equal(
        aws_xml_error(S("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                        "<ErrorResponse><Errors><Error><Code>AccessDenied"
                        "</Code><Message>User: arn:aws:iam::1:user/a is not "
                        "authorized to perform: iam:GetCredentialReport"
                        "</Message><Type>Sender</Type></Error></Errors>"
                        "</ErrorResponse>"),
                      code, sizeof(code), msg, sizeof(msg)),
        1);
    assert_string_equal(code, "AccessDenied");
    assert_non_null(strstr(msg, "iam:GetCredentialReport"));
    assert_int_equal(aws_xml_error(S("<Error><Code>NoSuchBucket</Code>"
                                     "<Message>gone</Message></Error>"),
                                   code, sizeof(code), msg, sizeof(msg)),
                     1);
    assert_string_equal(code, "NoSuchBucket");
    assert_string_equal(msg, "gone");
    /* not error documents */
    assert_int_equal(
        aws_xml_error(S(LIST_USERS), code, sizeof(code), msg, sizeof(msg)), 0);
    assert_int_equal(aws_xml_error(S("<ErrorResponse><Error>"), code,
                                   sizeof(code), msg, sizeof(msg)),
                     0);
    assert_int_equal(
        aws_xml_error(S("not xml"), code, sizeof(code), msg, sizeof(msg)), 0);
}

static void expect_error(const char *body, size_t len, int depth, size_t max,
                         const char *want)
{
    struct aws_xml_opts o = {NULL, max, depth};
    struct err e = {{0}};
    json_t *doc = aws_xml_parse(body, len, &o, NULL, 0, &e);
    assert_null(doc);
    if (!strstr(e.msg, want))
        fail_msg("error \"%s\" does not say \"%s\"", e.msg, want);
}

static void malformed(void **st)
{
    (void)st;
    expect_error(S("<a><b></a>"), 0, 0, "mismatched tag");
    expect_error(S(""), 0, 0, "no element found");
    expect_error(S("<a>x</a><b/>"), 0, 0, "junk after document element");
    expect_error(S("<a>\xff\xfe</a>"), 0, 0, "line 1");
    /* list items mixed with fields */
    expect_error(S("<a><member>1</member><x>2</x></a>"), 0, 0, "mixed");
}

static void truncated(void **st)
{
    size_t n = strlen(LIST_USERS);
    (void)st;
    /* cut anywhere: never a document */
    for (size_t cut = 0; cut < n - 2; cut += 7) {
        struct err e = {{0}};
        json_t *doc = aws_xml_parse(LIST_USERS, cut, NULL, NULL, 0, &e);
        assert_null(doc);
        assert_non_null(strstr(e.msg, "XML line"));
    }
}

static void doctype_refused(void **st)
{
    struct strbuf sb = STRBUF_INIT;
    (void)st;
    /* billion laughs: refused at the DOCTYPE, before any expansion */
    sb_adds(&sb, "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
                 "<!ENTITY lol \"lol\">\n");
    for (int i = 1; i < 10; i++)
        sb_addf(&sb,
                "<!ENTITY lol%d \"&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;"
                "&lol%s;&lol%s;&lol%s;&lol%s;\">\n",
                i, "", "", "", "", "", "", "", "", "", "");
    sb_adds(&sb, "]>\n<lolz>&lol9;</lolz>\n");
    expect_error(sb.buf, sb.len, 0, 0, "document type declaration");
    sb_release(&sb);
    expect_error(S("<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a>&x;</a>"), 0,
                 0, "document type declaration");
    /* an undeclared entity is an error, not an expansion */
    expect_error(S("<a>&x;</a>"), 0, 0, "undefined entity");
}

static void bounds(void **st)
{
    struct strbuf sb = STRBUF_INIT;
    (void)st;
    for (int i = 0; i < 100; i++)
        sb_adds(&sb, "<a>");
    for (int i = 0; i < 100; i++)
        sb_adds(&sb, "</a>");
    expect_error(sb.buf, sb.len, 0, 0, "too deep");
    expect_error(S("<a><b><c/></b></a>"), 2, 0, "too deep");
    expect_error(sb.buf, sb.len, 200, 100, "limit of 100");
    sb_release(&sb);
}

/* Repeated names become arrays; text stays text. */
static void repeated_and_text(void **st)
{
    struct err e = {{0}};
    json_t *doc;
    (void)st;
    doc = aws_xml_parse(S("<r><k>1</k><k>2</k><k>3</k><t>  x y </t><e/></r>"),
                        NULL, NULL, 0, &e);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "k")), 3);
    assert_string_equal(json_string_value(json_object_get(doc, "t")), "  x y ");
    assert_string_equal(json_string_value(json_object_get(doc, "e")), "");
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(iam_list_users),
        cmocka_unit_test(ec2_security_groups),
        cmocka_unit_test(error_documents),
        cmocka_unit_test(malformed),
        cmocka_unit_test(truncated),
        cmocka_unit_test(doctype_refused),
        cmocka_unit_test(bounds),
        cmocka_unit_test(repeated_and_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
