#!/bin/sh
# End-to-end: the IAM service module against a real moto_server (5.2.1,
# with AWS's managed policies loaded), seeded with Debian's awscli. For
# every rule of checks/rules/cis-aws/iam.yaml that moto can represent: the
# misconfiguration seeded, a scan, `fail` on the right resource; the fix
# applied, a scan, `pass`. The credential report's dates are moto's real
# ones; the 45- and 90-day rules are shown by scanning "later"
# (FOURC_AWS_NOW), the clock the documents' day counts are taken from.
#
# Then moto enforcing IAM (INITIAL_NO_AUTH_ACTION_COUNT: the seeding calls
# run unauthenticated, every later one is judged against the caller's
# policies): a scan as a user whose policy denies some actions gives
# `error` naming the action for exactly the rules that read what it would
# have given, and the other rules are still judged.
#
# Not shown against moto (fixtures only, checks/rules/cis-aws/fixtures,
# and tests/unit/test_aws_iam.c):
#   2.4 failing: moto cannot give the root user access keys
#       (AccountAccessKeysPresent is always 0).
#   2.5 passing: moto cannot enable MFA for root (AccountMFAEnabled is
#       always 0), so only the failing side is shown.
#   2.17 passing with a stored certificate: moto answers every server
#       certificate with Expiration 2012-05-08, so any one is expired;
#       passing is shown with none stored.
#   2.18: moto 5.2.1 has no Access Analyzer (it answers 500: the rule is
#       `error`); tests/tools/awsproxy.py in front of moto answers
#       ListAnalyzers instead, for fail, pass and denied.
#   the root user's credential report row (moto's report has no
#       <root_account> row: root is an `$error` marker naming that).
# Also through awsproxy.py: a credential report that is not CSV, one that
# never finishes generating, and no IAM request sent twice in a scan.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init
. "$TOP_SRCDIR/tests/e2e/awslib.sh"

trap aws_stop_all EXIT

export MOTO_IAM_LOAD_MANAGED_POLICIES=true
unset FOURC_AWS_NOW FOURC_AWS_CREDENTIAL_REPORT_TIMEOUT INITIAL_NO_AUTH_ACTION_COUNT
moto_start
ACC=123456789012
# moto lacks Access Analyzer (it answers 500, retried): the scans go
# through tests/tools/awsproxy.py, which answers ListAnalyzers with no
# analyzer unless a check says otherwise, and passes all else to moto
AA_NONE='[{"service": "access-analyzer", "fault": "answer", "body": {"analyzers": []}}]'
proxy_start
EP=$PROXY
proxy_faults "$AA_NONE"

# acct DB PYEXPR: a value of the scan's aws/Account document (d)
acct() {
    "$PYTHON" -c '
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
d = json.loads(db.execute("SELECT doc FROM resources WHERE kind = ? ORDER BY id DESC LIMIT 1", ("aws/Account",)).fetchone()[0])
print(json.dumps(eval(sys.argv[2]), sort_keys=True))' "$1.db" "$2"
}

# findings DB: "RULE STATUS KIND/ID message" per IAM finding of the scan
findings() {
    "$FOURC" report --db "$1" --format json 2>/dev/null | "$PYTHON" -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    if f["rule"].startswith("AWS-IAM-"):
        u = f["resource"]["uid"].split("/")
        print(f["rule"], f["status"], "/".join(u[-2:]), f["message"])'
}

# scan NAME [args]: a scan of moto into NAME.db, findings in NAME.txt
scan() {
    _db=$1
    shift
    rm -f "$_db.db"
    run "$FOURC" scan --aws --aws-endpoint "${EP:-$MOTO}" --db "$_db.db" \
        --region us-east-1 "$@"
    if [ "$RC" -gt 1 ]; then
        not_ok "scan $_db ran (exit $RC)"
        diag_last
    fi
    findings "$_db.db" >"$_db.txt"
}

# expect NAME RULE KIND/ID STATUS: the finding of RULE on that resource
expect() {
    _got=$(awk -v r="$2" -v id="$3" '$1 == r && $3 == id { print $2 }' "$1.txt" | sort -u | tr '\n' ',' | sed 's/,$//')
    check_eq "$1: $2 on $3 is $4" "$4" "${_got:-none}"
    if [ "${_got:-none}" != "$4" ]; then diag_file "$1.txt" 40; fi
}

# expect_msg NAME RULE KIND/ID TEXT: its message contains TEXT
expect_msg() {
    if awk -v r="$2" -v id="$3" '$1 == r && $3 == id' "$1.txt" | grep -F -q -- "$4"; then
        ok "$1: $2 on $3 says \"$4\""
    else
        not_ok "$1: $2 on $3 says \"$4\""
        diag_file "$1.txt" 40
    fi
}

seed() {
    if ! awsc "$@" >"$T/seed.out" 2>"$T/seed.err"; then
        not_ok "seeded: aws $*"
        diag_file "$T/seed.err"
    fi
}

# the time N days from now, RFC 3339 (FOURC_AWS_NOW)
later() {
    "$PYTHON" -c 'import datetime, sys; print((datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=int(sys.argv[1]))).strftime("%Y-%m-%dT%H:%M:%SZ"))' "$1"
}

A=Account/$ACC
ADMIN_DOC='{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}'

# --- the misconfigurations ----------------------------------------------
# 2.8, 2.9: no password policy at all
# 2.10, 2.11, 2.12: alice has a console password, no MFA, one access key
seed iam create-user --user-name alice
seed iam create-login-profile --user-name alice --password 'Correct-Horse-9'
seed iam create-access-key --user-name alice
# 2.13: bob has a managed policy of his own and an inline one
seed iam create-group --group-name engineers
seed iam create-user --user-name bob
seed iam add-user-to-group --user-name bob --group-name engineers
seed iam attach-user-policy --user-name bob --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess
seed iam put-user-policy --user-name bob --policy-name own --policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::r/*"}]}'
# 2.14: a customer managed "*" policy (Statement an object, Action a
# string) attached to the group, and AWS's AdministratorAccess to a role
seed iam create-policy --policy-name everything --policy-document "$ADMIN_DOC"
seed iam attach-group-policy --group-name engineers --policy-arn arn:aws:iam::$ACC:policy/everything
seed iam create-policy --policy-name unattached-admin --policy-document "$ADMIN_DOC"
seed iam create-role --role-name ops --assume-role-policy-document \
    '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}}'
seed iam attach-role-policy --role-name ops --policy-arn arn:aws:iam::aws:policy/AdministratorAccess
# 2.15: no role has AWSSupportAccess (a user has: not a role)
seed iam attach-user-policy --user-name alice --policy-arn arn:aws:iam::aws:policy/AWSSupportAccess
# 2.17: a stored server certificate (moto: expired 2012-05-08)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/c.key" -out "$T/c.crt" \
    -days 1 -subj /CN=old.example >/dev/null 2>&1
seed iam upload-server-certificate --server-certificate-name old-web \
    --certificate-body "file://$T/c.crt" --private-key "file://$T/c.key"

scan bad
expect bad AWS-IAM-ROOT-ACCESS-KEYS "$A" pass
expect bad AWS-IAM-ROOT-MFA "$A" fail
expect bad AWS-IAM-PASSWORD-MIN-LENGTH "$A" fail
expect bad AWS-IAM-PASSWORD-REUSE "$A" fail
expect bad AWS-IAM-USER-CONSOLE-MFA IAMUser/alice fail
expect bad AWS-IAM-USER-CONSOLE-MFA IAMUser/bob pass
expect bad AWS-IAM-USER-POLICIES-VIA-GROUPS IAMUser/bob fail
expect bad AWS-IAM-USER-POLICIES-VIA-GROUPS IAMUser/alice fail
expect bad AWS-IAM-NO-FULL-ADMIN-POLICY IAMPolicy/everything fail
expect bad AWS-IAM-NO-FULL-ADMIN-POLICY IAMPolicy/unattached-admin pass
expect bad AWS-IAM-NO-FULL-ADMIN-POLICY aws-managed/AdministratorAccess fail
expect bad AWS-IAM-NO-FULL-ADMIN-POLICY aws-managed/ReadOnlyAccess pass
expect bad AWS-IAM-SUPPORT-ROLE "$A" fail
expect bad AWS-IAM-EXPIRED-SERVER-CERTIFICATES "$A" fail
expect bad AWS-IAM-ACCESS-ANALYZER "$A" fail
# 2.2, 2.3 are reviewed by a person (manual.yaml); the evidence is here
check_eq "bad: no security contact registered" '{"present": false}' \
    "$(acct bad 'd["alternate_contacts"]["SECURITY"]')"
# fresh credentials are within 45 and 90 days
expect bad AWS-IAM-UNUSED-CREDENTIALS IAMUser/alice pass
expect bad AWS-IAM-ACCESS-KEY-ROTATION IAMUser/alice pass
# ... and 100 days later, neither
export FOURC_AWS_NOW; FOURC_AWS_NOW=$(later 100)
scan later
expect later AWS-IAM-UNUSED-CREDENTIALS IAMUser/alice fail
expect later AWS-IAM-ACCESS-KEY-ROTATION IAMUser/alice fail
expect later AWS-IAM-ACCESS-KEY-ROTATION IAMUser/bob pass
# a key unused for 50 days but made 50 days ago: rotated in time
FOURC_AWS_NOW=$(later 50)
scan fifty
unset FOURC_AWS_NOW
expect fifty AWS-IAM-UNUSED-CREDENTIALS IAMUser/alice fail
expect fifty AWS-IAM-ACCESS-KEY-ROTATION IAMUser/alice pass

# --- the fixes ----------------------------------------------------------
seed iam update-account-password-policy --minimum-password-length 8 \
    --password-reuse-prevention 5
scan weak
expect weak AWS-IAM-PASSWORD-MIN-LENGTH "$A" fail
expect weak AWS-IAM-PASSWORD-REUSE "$A" fail

seed iam update-account-password-policy --minimum-password-length 14 \
    --password-reuse-prevention 24
SERIAL=$(awsc iam create-virtual-mfa-device --virtual-mfa-device-name alice \
    --outfile "$T/qr.png" --bootstrap-method QRCodePNG \
    --query VirtualMFADevice.SerialNumber --output text)
seed iam enable-mfa-device --user-name alice --serial-number "$SERIAL" \
    --authentication-code1 123456 --authentication-code2 654321
seed iam detach-user-policy --user-name bob --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess
seed iam delete-user-policy --user-name bob --policy-name own
seed iam detach-user-policy --user-name alice --policy-arn arn:aws:iam::aws:policy/AWSSupportAccess
seed iam detach-group-policy --group-name engineers --policy-arn arn:aws:iam::$ACC:policy/everything
seed iam detach-role-policy --role-name ops --policy-arn arn:aws:iam::aws:policy/AdministratorAccess
seed iam create-role --role-name support --assume-role-policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}'
seed iam attach-role-policy --role-name support --policy-arn arn:aws:iam::aws:policy/AWSSupportAccess
seed iam delete-server-certificate --server-certificate-name old-web
seed account put-alternate-contact --alternate-contact-type SECURITY \
    --name "Security Team" --title CISO --email-address sec@example.com \
    --phone-number +1-555-0100

scan good
expect good AWS-IAM-PASSWORD-MIN-LENGTH "$A" pass
expect good AWS-IAM-PASSWORD-REUSE "$A" pass
expect good AWS-IAM-USER-CONSOLE-MFA IAMUser/alice pass
expect good AWS-IAM-USER-POLICIES-VIA-GROUPS IAMUser/bob pass
expect good AWS-IAM-USER-POLICIES-VIA-GROUPS IAMUser/alice pass
expect good AWS-IAM-NO-FULL-ADMIN-POLICY IAMPolicy/everything pass
# no longer attached to anything: not collected at all
expect good AWS-IAM-NO-FULL-ADMIN-POLICY aws-managed/AdministratorAccess none
expect good AWS-IAM-SUPPORT-ROLE "$A" pass
expect good AWS-IAM-EXPIRED-SERVER-CERTIFICATES "$A" pass
check_eq "good: the security contact registered" \
    '{"email": "sec@example.com", "name": "Security Team", "phone": "+1-555-0100", "present": true, "title": "CISO"}' \
    "$(acct good 'd["alternate_contacts"]["SECURITY"]')"

# 2.11, 2.12 100 days on: the console password goes, the key is deactivated
KEY=$(awsc iam list-access-keys --user-name alice --query 'AccessKeyMetadata[0].AccessKeyId' --output text)
seed iam update-access-key --user-name alice --access-key-id "$KEY" --status Inactive
seed iam delete-login-profile --user-name alice
export FOURC_AWS_NOW; FOURC_AWS_NOW=$(later 100)
scan later-fixed
unset FOURC_AWS_NOW
expect later-fixed AWS-IAM-UNUSED-CREDENTIALS IAMUser/alice pass
expect later-fixed AWS-IAM-ACCESS-KEY-ROTATION IAMUser/alice pass

# 2.16 reads the EC2 module's aws/Instance: shown once that module is in
# the build (aws_services.def), else said so
if grep -q '^AWS_SERVICE(ec2)' "$TOP_SRCDIR/collectors/aws/aws_services.def"; then
    INST=$(awsc ec2 run-instances --image-id ami-12c6146b --count 1 \
        --instance-type t3.micro --query 'Instances[0].InstanceId' --output text)
    scan inst
    expect inst AWS-IAM-INSTANCE-ROLE "Instance/$INST" fail
    seed iam create-instance-profile --instance-profile-name app
    seed iam add-role-to-instance-profile --instance-profile-name app --role-name ops
    seed ec2 associate-iam-instance-profile --instance-id "$INST" \
        --iam-instance-profile Name=app
    scan inst-fixed
    expect inst-fixed AWS-IAM-INSTANCE-ROLE "Instance/$INST" pass
else
    echo "ok - # SKIP AWS-IAM-INSTANCE-ROLE: no EC2 module in this build (fixtures cover it)"
fi

# a report that never finishes generating in time: the credential rules
# are error naming GenerateCredentialReport (moto answers STARTED to the
# first request after a reset)
moto_reset
seed iam create-user --user-name carol
export FOURC_AWS_CREDENTIAL_REPORT_TIMEOUT=0
scan slow
unset FOURC_AWS_CREDENTIAL_REPORT_TIMEOUT
expect slow AWS-IAM-USER-CONSOLE-MFA IAMUser/carol error
expect_msg slow AWS-IAM-USER-CONSOLE-MFA IAMUser/carol "GenerateCredentialReport"
expect_msg slow AWS-IAM-USER-CONSOLE-MFA IAMUser/carol "still being generated"
expect slow AWS-IAM-USER-POLICIES-VIA-GROUPS IAMUser/carol pass

# --- through awsproxy.py: Access Analyzer, bad reports, requests --------
proxy_faults "$AA_NONE"
scan aa-none
expect aa-none AWS-IAM-ACCESS-ANALYZER "$A" fail
proxy_faults '[{"service": "access-analyzer", "fault": "answer", "body": {"analyzers": [{"arn": "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/unused", "name": "unused", "type": "ACCOUNT_UNUSED_ACCESS", "status": "ACTIVE"}]}}]'
scan aa-unused
expect aa-unused AWS-IAM-ACCESS-ANALYZER "$A" fail
proxy_faults '[{"service": "access-analyzer", "fault": "answer", "body": {"analyzers": [{"arn": "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/ext", "name": "ext", "type": "ACCOUNT", "status": "ACTIVE"}]}}]'
scan aa-active
expect aa-active AWS-IAM-ACCESS-ANALYZER "$A" pass
proxy_faults '[{"service": "access-analyzer", "fault": "denied"}]'
scan aa-denied
expect aa-denied AWS-IAM-ACCESS-ANALYZER "$A" error
expect_msg aa-denied AWS-IAM-ACCESS-ANALYZER "$A" "access denied: aws access-analyzer ListAnalyzers us-east-1"
# without the proxy, moto's 500 for an API it lacks: error, never pass
EP=
scan aa-moto
expect aa-moto AWS-IAM-ACCESS-ANALYZER "$A" error
EP=$PROXY

# a credential report that is not CSV
proxy_faults '[{"service": "iam", "action": "GetCredentialReport", "fault": "notcsv"}]'
scan notcsv
expect notcsv AWS-IAM-USER-CONSOLE-MFA IAMUser/carol error
expect_msg notcsv AWS-IAM-USER-CONSOLE-MFA IAMUser/carol "aws iam GetCredentialReport us-east-1: not the CSV credential report"
expect notcsv AWS-IAM-USER-POLICIES-VIA-GROUPS IAMUser/carol pass
# GenerateCredentialReport denied, but a report made earlier is there: read
proxy_faults '[{"service": "access-analyzer", "fault": "answer", "body": {"analyzers": []}}, {"service": "iam", "action": "GenerateCredentialReport", "fault": "denied"}]'
seed iam create-login-profile --user-name carol --password 'Correct-Horse-9'
scan gen-denied
expect gen-denied AWS-IAM-USER-CONSOLE-MFA IAMUser/carol fail
# one that never finishes: polled with backoff for 2 s, then error
proxy_faults '[{"service": "iam", "action": "GenerateCredentialReport", "fault": "unready"}]'
export FOURC_AWS_CREDENTIAL_REPORT_TIMEOUT=2
scan unready
unset FOURC_AWS_CREDENTIAL_REPORT_TIMEOUT
expect unready AWS-IAM-ACCESS-KEY-ROTATION IAMUser/carol error
expect_msg unready AWS-IAM-ACCESS-KEY-ROTATION IAMUser/carol "still being generated after 2 s"
_polls=$(grep -c '"GenerateCredentialReport"' "$PROXY_LOG")
check "unready: GenerateCredentialReport polled a few times, not hammered ($_polls)" \
    test "$_polls" -ge 2 -a "$_polls" -le 6

# GetAccountAuthorizationDetails in pages: the proxy answers the first
# page (one user, IsTruncated, a Marker), moto the next; both are read
PAGE1='<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult><UserDetailList><member><Path>/</Path><UserName>paged</UserName><UserId>AIDAPAGED</UserId><Arn>arn:aws:iam::123456789012:user/paged</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><UserPolicyList/><GroupList/><AttachedManagedPolicies/></member></UserDetailList><GroupDetailList/><RoleDetailList/><Policies/><IsTruncated>true</IsTruncated><Marker>page2</Marker></GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>'
proxy_faults "[{\"service\": \"access-analyzer\", \"fault\": \"answer\", \"body\": {\"analyzers\": []}}, {\"service\": \"iam\", \"action\": \"GetAccountAuthorizationDetails\", \"fault\": \"answer\", \"times\": 1, \"content_type\": \"text/xml\", \"body\": \"$PAGE1\"}]"
scan paged
expect paged AWS-IAM-USER-POLICIES-VIA-GROUPS IAMUser/paged pass
expect paged AWS-IAM-USER-POLICIES-VIA-GROUPS IAMUser/carol pass
# paged is in no credential report: its credential rules are error
expect paged AWS-IAM-USER-CONSOLE-MFA IAMUser/paged error
expect_msg paged AWS-IAM-USER-CONSOLE-MFA IAMUser/paged "paged is not in the credential report"
check_eq "paged: GetAccountAuthorizationDetails asked twice" 2 \
    "$(grep -c '"GetAccountAuthorizationDetails"' "$PROXY_LOG")"
# a server that answers the same Marker forever: an error, not a loop
proxy_faults "[{\"service\": \"access-analyzer\", \"fault\": \"answer\", \"body\": {\"analyzers\": []}}, {\"service\": \"iam\", \"action\": \"GetAccountAuthorizationDetails\", \"fault\": \"answer\", \"content_type\": \"text/xml\", \"body\": \"$PAGE1\"}]"
scan loop
_st=$(awk '$1 == "AWS-IAM-USER-POLICIES-VIA-GROUPS" { print $2 }' loop.txt | sort -u | tr '\n' ,)
check_eq "loop: the users' rules are error only" "error," "$_st"
if grep -q -F "GetAccountAuthorizationDetails us-east-1: the same Marker twice" loop.txt; then
    ok "loop: the error says the same Marker came twice"
else
    not_ok "loop: the error says the same Marker came twice"
    diag_file loop.txt 20
fi

# each IAM request once per scan, and none per user: 3 users or 30 cost
# the same requests
proxy_faults "$AA_NONE"
scan count3
_n3=$(grep -c '"service": "iam"' "$PROXY_LOG")
_dup=$("$PYTHON" -c '
import json, sys, collections
c = collections.Counter()
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["service"] == "iam" and r["action"] != "GenerateCredentialReport":
        c[(r["action"], r["body_sha256"])] += 1
print(sum(1 for v in c.values() if v > 1))' "$PROXY_LOG")
check_eq "count3: no IAM request sent twice" 0 "$_dup"
# (boto3 of the pyenv Python, one process, when it is there: 27 awscli
# starts would be most of the test's time)
if python -c 'import boto3' 2>/dev/null; then
    python -c '
import boto3, sys
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1")
for i in range(27):
    iam.create_user(UserName="bulk%d" % i)' "$MOTO"
else
    i=0
    while [ $i -lt 27 ]; do
        awsc iam create-user --user-name "bulk$i" >/dev/null
        i=$((i + 1))
    done
fi
proxy_faults "$AA_NONE"
scan count30
_n30=$(grep -c '"service": "iam"' "$PROXY_LOG")
check_eq "count30: 30 users cost the IAM requests 3 did ($_n3)" "$_n3" "$_n30"
expect count30 AWS-IAM-USER-CONSOLE-MFA IAMUser/bulk26 pass
proxy_stop

# --- denied calls: moto enforcing IAM -----------------------------------
moto_stop
# the seeding below (3 calls) runs unauthenticated, every later call is
# judged against the caller's policy
export INITIAL_NO_AUTH_ACTION_COUNT=3
moto_start
seed iam create-user --user-name auditor
seed iam put-user-policy --user-name auditor --policy-name audit --policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":["iam:GetCredentialReport","iam:GetAccountPasswordPolicy","iam:ListEntitiesForPolicy","iam:ListServerCertificates"],"Resource":"*"}]}'
awsc iam create-access-key --user-name auditor >"$T/key.json"
unset INITIAL_NO_AUTH_ACTION_COUNT
proxy_start
EP=$PROXY
proxy_faults "$AA_NONE"
AWS_ACCESS_KEY_ID=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["AccessKey"]["AccessKeyId"])' "$T/key.json")
AWS_SECRET_ACCESS_KEY=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["AccessKey"]["SecretAccessKey"])' "$T/key.json")
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

scan denied1
for r in AWS-IAM-USER-CONSOLE-MFA AWS-IAM-UNUSED-CREDENTIALS AWS-IAM-ACCESS-KEY-ROTATION; do
    expect denied1 $r IAMUser/auditor error
    expect_msg denied1 $r IAMUser/auditor "access denied: aws iam GetCredentialReport"
done
for r in AWS-IAM-PASSWORD-MIN-LENGTH AWS-IAM-PASSWORD-REUSE; do
    expect denied1 $r "$A" error
    expect_msg denied1 $r "$A" "GetAccountPasswordPolicy"
done
expect denied1 AWS-IAM-SUPPORT-ROLE "$A" error
expect_msg denied1 AWS-IAM-SUPPORT-ROLE "$A" "ListEntitiesForPolicy"
expect denied1 AWS-IAM-EXPIRED-SERVER-CERTIFICATES "$A" error
expect_msg denied1 AWS-IAM-EXPIRED-SERVER-CERTIFICATES "$A" "ListServerCertificates"
# what the denied calls do not feed is judged
expect denied1 AWS-IAM-ROOT-ACCESS-KEYS "$A" pass
proxy_faults '[{"service": "access-analyzer", "fault": "answer", "body": {"analyzers": []}}, {"service": "account", "fault": "denied"}]'
scan denied-contacts
check_eq "denied-contacts: the contact marker names GetAlternateContact" 1 \
    "$(acct denied-contacts '"access denied: aws account GetAlternateContact us-east-1" in d["alternate_contacts"]["SECURITY"]["$error"]' | grep -c true)"
proxy_faults "$AA_NONE"
expect denied1 AWS-IAM-USER-POLICIES-VIA-GROUPS IAMUser/auditor fail
_secret=$(grep -c -F "$AWS_SECRET_ACCESS_KEY" denied1.txt)
check_eq "denied1: the auditor's secret key is in no finding" 0 "$_secret"

# the auditor denies itself the authorization details and the summary
seed iam put-user-policy --user-name auditor --policy-name audit --policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":["iam:GetAccountAuthorizationDetails","iam:GetAccountSummary"],"Resource":"*"}]}'
scan denied2
for r in AWS-IAM-USER-CONSOLE-MFA AWS-IAM-UNUSED-CREDENTIALS AWS-IAM-ACCESS-KEY-ROTATION \
    AWS-IAM-USER-POLICIES-VIA-GROUPS AWS-IAM-NO-FULL-ADMIN-POLICY; do
    _st=$(awk -v r=$r '$1 == r { print $2 }' denied2.txt | sort -u | tr '\n' ,)
    check_eq "denied2: $r is error only" "error," "$_st"
    if grep "^$r " denied2.txt | grep -q -F "access denied: aws iam GetAccountAuthorizationDetails"; then
        ok "denied2: $r names GetAccountAuthorizationDetails"
    else
        not_ok "denied2: $r names GetAccountAuthorizationDetails"
        diag_file denied2.txt 40
    fi
done
for r in AWS-IAM-ROOT-ACCESS-KEYS AWS-IAM-ROOT-MFA; do
    expect denied2 $r "$A" error
    expect_msg denied2 $r "$A" "GetAccountSummary"
done
expect denied2 AWS-IAM-PASSWORD-MIN-LENGTH "$A" fail

e2e_finish
