#!/bin/sh
# End-to-end: the S3, KMS and AWS Config rules of the cis-aws pack (3.1.1,
# 3.1.4, 4.3, 4.6) against moto_server, through tests/tools/awsproxy.py for
# refused calls. Every rule is shown failing on a seeded misconfiguration
# and passing once it is fixed, with buckets, keys and recorders in two
# regions; a call refused (AccessDenied) makes exactly the rules that
# needed it `error`, naming the action, and the other rules are still
# judged. No request is sent twice within a scan.
#
# Not shown against moto (it cannot hold the state), covered by the unit
# tests and the rule fixtures instead: a recorder whose last status is
# FAILURE (tests/unit/test_aws_config.c), the bucket policy shapes
# tests/unit/test_aws_s3.c judges beyond the ones below (NotPrincipal,
# NotAction, NotResource, narrowing conditions), GetBucketPolicyStatus
# (moto answers it with a bucket listing) and a bucket-region redirect
# (moto sends none; tests/unit/test_aws_api.c shows it against httpsrv).
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init
. "$TOP_SRCDIR/tests/e2e/awslib.sh"
trap aws_stop_all EXIT
moto_start
proxy_start

# boto3 (the pyenv Python's) for S3 Control, which awscli sends to
# ACCOUNT.ENDPOINT-HOST: a host an emulator on 127.0.0.1 does not have.
PYBOTO=$(command -v python3)
if ! "$PYBOTO" -c 'import boto3' 2>/dev/null; then
    echo "not ok - boto3 is importable by $PYBOTO (the pyenv Python)"
    exit 1
fi

DB=$T/aws.db
ACCOUNT=123456789012
RULE_TLS=AWS-S3-DENY-INSECURE-TRANSPORT
RULE_BPA=AWS-S3-BLOCK-PUBLIC-ACCESS
RULE_ABPA=AWS-S3-ACCOUNT-BLOCK-PUBLIC-ACCESS
RULE_CFG=AWS-CONFIG-ALL-REGIONS
RULE_KMS=AWS-KMS-CMK-ROTATION

# A scan of both regions through the proxy; the report in $T/last.json.
scan() {
    : >"$PROXY_LOG"
    run "$FOURC" scan --aws --aws-endpoint "$PROXY" --region us-east-1 \
        --region eu-west-1 --db "$DB" --format json -o "$T/last.json"
    if [ "$RC" -ne 0 ] && [ "$RC" -ne 1 ]; then
        not_ok "scan ran (exit $RC)"
        diag_file "$ERR"
    fi
}

# status RULE SUFFIX: RULE's statuses on resources whose uid ends with
# SUFFIX ("" for all), sorted, comma-separated; "none" when there are none.
status() {
    "$PYTHON" - "$T/last.json" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
st = sorted({f["status"] for f in d["findings"]
             if f["rule"] == sys.argv[2] and f["resource"]["uid"].endswith(sys.argv[3])})
print(",".join(st) if st else "none")
PY
}

# message RULE SUFFIX: the messages of those findings, one a line.
message() {
    "$PYTHON" - "$T/last.json" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["findings"]:
    if f["rule"] == sys.argv[2] and f["resource"]["uid"].endswith(sys.argv[3]):
        print(f.get("message", ""))
PY
}

# has_msg RULE SUFFIX PATTERN: a message of those findings matches.
has_msg() {
    message "$1" "$2" | grep -q "$3"
}

# Every request of the last scan to S3, KMS and Config was sent once.
no_repeats() {
    "$PYTHON" - "$PROXY_LOG" <<'PY'
import json, sys, collections
seen = collections.Counter()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["service"] in ("s3", "kms", "config"):
        seen[(r["service"], r["region"], r["action"], r["method"], r["path"],
              r["query"], r["body_sha256"])] += 1
dup = [k for k, n in seen.items() if n > 1]
print("repeated: %r" % dup[:3] if dup else "none")
PY
}

# requests ACTION: how many requests of the last scan the proxy logged
# for ACTION (awsproxy.py's name: "GET policy", "ListKeys").
requests() {
    "$PYTHON" - "$PROXY_LOG" "$1" <<'PY'
import json, sys
print(sum(1 for line in open(sys.argv[1]) if json.loads(line)["action"] == sys.argv[2]))
PY
}

account_pab() { # account_pab true|false (all four settings)
    "$PYBOTO" - "$MOTO" "$ACCOUNT" "$1" <<'PY'
import sys, boto3
url, account, on = sys.argv[1], sys.argv[2], sys.argv[3] == "true"
c = boto3.client("s3control", endpoint_url=url, region_name="us-east-1")
host = url.split("://", 1)[1]
def same_host(request, **kw):
    request.url = request.url.replace(account + "." + host, host)
c.meta.events.register("before-send.s3-control.*", same_host)
c.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration={
    "BlockPublicAcls": on, "IgnorePublicAcls": on,
    "BlockPublicPolicy": on, "RestrictPublicBuckets": on})
PY
}

B1=fourc-e2e-use1
B2=fourc-e2e-euw1
moto_reset
awsc s3api create-bucket --bucket $B1 >/dev/null
awsc s3api create-bucket --bucket $B2 --region eu-west-1 \
    --create-bucket-configuration LocationConstraint=eu-west-1 >/dev/null
# B2's policy allows, and denies nothing
awsc s3api put-bucket-policy --bucket $B2 --policy "{\"Version\":\"2012-10-17\",
  \"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$ACCOUNT:root\"},
  \"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::$B2/*\"}]}"
K1=$(awsc kms create-key --query KeyMetadata.KeyId --output text)
K2=$(awsc kms create-key --region eu-west-1 --query KeyMetadata.KeyId --output text)
KRSA=$(awsc kms create-key --key-spec RSA_2048 --key-usage SIGN_VERIFY \
    --query KeyMetadata.KeyId --output text)
awsc kms create-alias --alias-name alias/fourc-e2e --target-key-id "$K1"
KEXT=$(awsc kms create-key --origin EXTERNAL --query KeyMetadata.KeyId --output text)

# --- 1. everything misconfigured ------------------------------------------
scan
check_eq "S3: $B1 without a policy fails $RULE_TLS" fail "$(status $RULE_TLS /$B1)"
check_eq "S3: $B2 (eu-west-1) with an Allow-only policy fails $RULE_TLS" fail \
    "$(status $RULE_TLS /eu-west-1/S3Bucket/$B2)"
check_eq "S3: $B1 without Block Public Access fails $RULE_BPA" fail "$(status $RULE_BPA /$B1)"
check_eq "S3: $B2 without Block Public Access fails $RULE_BPA" fail "$(status $RULE_BPA /$B2)"
check_eq "S3: the account without Block Public Access fails $RULE_ABPA" fail \
    "$(status $RULE_ABPA /Account/$ACCOUNT)"
check_eq "Config: us-east-1 without a recorder fails" fail "$(status $RULE_CFG /Region/us-east-1)"
check_eq "Config: eu-west-1 without a recorder fails" fail "$(status $RULE_CFG /Region/eu-west-1)"
check "Config: the message says there is no recorder" \
    grep -q "no configuration recorder in eu-west-1" "$T/last.json"
check_eq "KMS: a customer key without rotation fails (us-east-1)" fail \
    "$(status $RULE_KMS /us-east-1/KMSKey/$K1)"
check_eq "KMS: a customer key without rotation fails (eu-west-1)" fail \
    "$(status $RULE_KMS /eu-west-1/KMSKey/$K2)"
check_eq "KMS: an RSA key is not the rule's subject" none "$(status $RULE_KMS /KMSKey/$KRSA)"
check_eq "KMS: a key with imported material (Origin EXTERNAL) is skipped" skip \
    "$(status $RULE_KMS /KMSKey/$KEXT)"
check_eq "S3: one GetBucketPolicy per bucket, GetBucketPolicyStatus only for the bucket with a policy" \
    "2 1" "$(requests 'GET policy') $(requests 'GET policyStatus')"
check_eq "KMS: a key is named by its alias, which its document lists" \
    "alias/fourc-e2e [\"alias/fourc-e2e\"]" "$("$PYTHON" -c "
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
n, d = c.execute(\"SELECT name, doc FROM resources WHERE uid LIKE '%/KMSKey/' || ? ORDER BY id DESC\", (sys.argv[2],)).fetchone()
print(n, json.dumps(json.loads(d)['aliases']))" "$DB" "$K1")"
check_eq "no request to S3, KMS or Config was sent twice" none "$(no_repeats)"

# --- 2. the fixes, one by one ---------------------------------------------
awsc s3api put-bucket-policy --bucket $B1 --policy "{\"Version\":\"2012-10-17\",
  \"Statement\":[{\"Sid\":\"tls\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",
  \"Resource\":[\"arn:aws:s3:::$B1\",\"arn:aws:s3:::$B1/*\"],
  \"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}]}"
# B2: the statement as one object, {"AWS": "*"}, BoolIfExists, the Allow kept
awsc s3api put-bucket-policy --bucket $B2 --policy "{\"Version\":\"2012-10-17\",
  \"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$ACCOUNT:root\"},
  \"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::$B2/*\"},
  {\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"*\"},\"Action\":[\"S3:*\"],
  \"Resource\":\"arn:aws:s3:::$B2/*\",
  \"Condition\":{\"BoolIfExists\":{\"aws:SecureTransport\":\"false\"}}}]}"
awsc s3api put-public-access-block --bucket $B1 --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
awsc kms enable-key-rotation --key-id "$K1"
awsc kms enable-key-rotation --region eu-west-1 --key-id "$K2"
awsc configservice put-configuration-recorder --configuration-recorder \
    name=default,roleARN=arn:aws:iam::$ACCOUNT:role/config \
    --recording-group allSupported=true,includeGlobalResourceTypes=true
scan
check_eq "S3: $B1 with the TLS Deny passes $RULE_TLS" pass "$(status $RULE_TLS /$B1)"
check_eq "S3: $B2 with the Deny as one object, {AWS: *}, BoolIfExists passes $RULE_TLS" pass \
    "$(status $RULE_TLS /$B2)"
check_eq "S3: $B1 with its own Block Public Access passes $RULE_BPA" pass "$(status $RULE_BPA /$B1)"
check_eq "S3: $B2 still fails $RULE_BPA (neither it nor the account blocks)" fail \
    "$(status $RULE_BPA /$B2)"
check_eq "S3: the account still fails $RULE_ABPA" fail "$(status $RULE_ABPA /Account/$ACCOUNT)"
check_eq "KMS: rotation on passes (us-east-1)" pass "$(status $RULE_KMS /KMSKey/$K1)"
check_eq "KMS: rotation on passes (eu-west-1)" pass "$(status $RULE_KMS /KMSKey/$K2)"
check_eq "Config: a recorder that is not recording still fails" fail \
    "$(status $RULE_CFG /Region/us-east-1)"
check "Config: the message says it is not recording" \
    grep -q "recorder default is not recording" "$T/last.json"
check_eq "the recorder is stored as an aws/ConfigRecorder resource" 1 "$("$PYTHON" -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute(\"SELECT count(*) FROM resources WHERE uid = 'aws/$ACCOUNT/us-east-1/ConfigRecorder/default'\").fetchone()[0])" "$DB")"

account_pab true
awsc configservice put-delivery-channel --delivery-channel \
    name=default,s3BucketName=$B1
awsc configservice start-configuration-recorder --configuration-recorder-name default
awsc kms disable-key --key-id "$K1"
scan
check_eq "S3: the account's Block Public Access passes $RULE_ABPA" pass \
    "$(status $RULE_ABPA /Account/$ACCOUNT)"
check_eq "S3: $B2 passes $RULE_BPA through the account's settings" pass "$(status $RULE_BPA /$B2)"
check_eq "Config: us-east-1 recording everything passes" pass "$(status $RULE_CFG /Region/us-east-1)"
check_eq "Config: eu-west-1 still has none and fails" fail "$(status $RULE_CFG /Region/eu-west-1)"
check_eq "KMS: a disabled key is skipped" skip "$(status $RULE_KMS /KMSKey/$K1)"

# eu-west-1: recording, but S3 buckets only
awsc configservice put-configuration-recorder --region eu-west-1 --configuration-recorder \
    name=default,roleARN=arn:aws:iam::$ACCOUNT:role/config \
    --recording-group allSupported=false,includeGlobalResourceTypes=false,resourceTypes=AWS::S3::Bucket
awsc configservice put-delivery-channel --region eu-west-1 --delivery-channel \
    name=default,s3BucketName=$B1
awsc configservice start-configuration-recorder --region eu-west-1 \
    --configuration-recorder-name default
scan
check_eq "Config: eu-west-1 recording some resource types only fails" fail \
    "$(status $RULE_CFG /Region/eu-west-1)"
check "Config: the message says not all resource types are recorded" \
    has_msg $RULE_CFG /Region/eu-west-1 'does not record all supported resource types'

awsc configservice put-configuration-recorder --region eu-west-1 --configuration-recorder \
    name=default,roleARN=arn:aws:iam::$ACCOUNT:role/config \
    --recording-group allSupported=true,includeGlobalResourceTypes=false
awsc kms enable-key --key-id "$K1"
scan
check_eq "Config: eu-west-1 recording everything passes" pass "$(status $RULE_CFG /Region/eu-west-1)"
check_eq "every rule of the slice passes on the fixed account (the external key skipped)" \
    "pass pass pass pass pass,skip" \
    "$(status $RULE_TLS '') $(status $RULE_BPA '') $(status $RULE_ABPA '') $(status $RULE_CFG '') $(status $RULE_KMS '')"
check_eq "no request to S3, KMS or Config was sent twice" none "$(no_repeats)"

# --- 3. refused calls: error for exactly the rules that needed them -------
proxy_faults '[{"service": "s3", "action": "GET policy", "fault": "denied"}]'
scan
check_eq "GetBucketPolicy denied: $RULE_TLS is error on both buckets" error "$(status $RULE_TLS '')"
check "GetBucketPolicy denied: the message names the action" \
    has_msg $RULE_TLS /$B2 'access denied.*GetBucketPolicy\|GetBucketPolicy.*AccessDenied'
check_eq "GetBucketPolicy denied: $RULE_BPA is still judged (pass)" pass "$(status $RULE_BPA '')"
check_eq "GetBucketPolicy denied: $RULE_ABPA is still judged (pass)" pass "$(status $RULE_ABPA '')"

proxy_faults '[{"service": "s3", "action": "GET /v20180820/configuration/publicAccessBlock", "fault": "denied"}]'
scan
check_eq "account GetPublicAccessBlock denied: $RULE_ABPA is error" error \
    "$(status $RULE_ABPA /Account/$ACCOUNT)"
check "account GetPublicAccessBlock denied: the message names the action" \
    has_msg $RULE_ABPA /Account/$ACCOUNT 'GetPublicAccessBlock'
check_eq "account GetPublicAccessBlock denied: $B1 (its own settings) still passes $RULE_BPA" \
    pass "$(status $RULE_BPA /$B1)"
check_eq "account GetPublicAccessBlock denied: $B2 (covered by the account only) is error" \
    error "$(status $RULE_BPA /$B2)"
check_eq "account GetPublicAccessBlock denied: $RULE_TLS is still judged (pass)" pass \
    "$(status $RULE_TLS '')"

proxy_faults '[{"service": "s3", "action": "GET max-buckets", "fault": "denied"}]'
scan
check_eq "ListBuckets denied: $RULE_TLS and $RULE_BPA are error" "error error" \
    "$(status $RULE_TLS '') $(status $RULE_BPA '')"
check "ListBuckets denied: the message names the action" \
    has_msg $RULE_TLS '' 'ListBuckets'
check_eq "ListBuckets denied: $RULE_ABPA, KMS and Config are still judged" "pass pass,skip pass" \
    "$(status $RULE_ABPA '') $(status $RULE_KMS '') $(status $RULE_CFG '')"

proxy_faults '[{"service": "kms", "region": "eu-west-1", "action": "GetKeyRotationStatus", "fault": "denied"}]'
scan
check_eq "GetKeyRotationStatus denied in eu-west-1: that key is error" error \
    "$(status $RULE_KMS /KMSKey/$K2)"
check "GetKeyRotationStatus denied: the message names the action" \
    has_msg $RULE_KMS /KMSKey/$K2 'GetKeyRotationStatus'
check_eq "GetKeyRotationStatus denied in eu-west-1: the us-east-1 key still passes" pass \
    "$(status $RULE_KMS /KMSKey/$K1)"

proxy_faults '[{"service": "kms", "region": "eu-west-1", "action": "DescribeKey", "fault": "denied"}]'
scan
check_eq "DescribeKey denied in eu-west-1: that key is error (its subject cannot be told)" error \
    "$(status $RULE_KMS /KMSKey/$K2)"
check "DescribeKey denied: the message names the action" \
    has_msg $RULE_KMS /KMSKey/$K2 'DescribeKey'
check_eq "DescribeKey denied in eu-west-1: the us-east-1 key still passes" pass \
    "$(status $RULE_KMS /KMSKey/$K1)"

# (moto sends no redirects: here the eu-west-1 bucket is filed under the
# job's us-east-1; on AWS, ListBuckets gives BucketRegion and a redirect
# names the region)
proxy_faults '[{"service": "s3", "action": "GET location", "fault": "denied"}]'
scan
check_eq "GetBucketLocation denied: the buckets are still judged from their own answers" \
    "pass pass" "$(status $RULE_TLS '') $(status $RULE_BPA '')"
check "GetBucketLocation denied: a warning names the action" \
    grep -q "GetBucketLocation" "$ERR"

proxy_faults '[{"service": "kms", "region": "us-east-1", "action": "ListKeys", "fault": "denied"}]'
scan
check "ListKeys denied in us-east-1: $RULE_KMS is error there, naming ListKeys" \
    has_msg $RULE_KMS '' 'ListKeys'
check_eq "ListKeys denied in us-east-1: no verdict on its key" none \
    "$(status $RULE_KMS /KMSKey/$K1)"
check_eq "ListKeys denied in us-east-1: the eu-west-1 key still passes" pass \
    "$(status $RULE_KMS /KMSKey/$K2)"

proxy_faults '[{"service": "config", "region": "eu-west-1", "action": "DescribeConfigurationRecorders", "fault": "denied"}]'
scan
check_eq "DescribeConfigurationRecorders denied in eu-west-1: that region is error" error \
    "$(status $RULE_CFG /Region/eu-west-1)"
check "DescribeConfigurationRecorders denied: the message names the action" \
    has_msg $RULE_CFG /Region/eu-west-1 'DescribeConfigurationRecorders'
check_eq "DescribeConfigurationRecorders denied in eu-west-1: us-east-1 still passes" pass \
    "$(status $RULE_CFG /Region/us-east-1)"

proxy_faults '[{"service": "config", "region": "us-east-1", "action": "DescribeConfigurationRecorderStatus", "fault": "denied"}]'
scan
check_eq "DescribeConfigurationRecorderStatus denied in us-east-1: that region is error" error \
    "$(status $RULE_CFG /Region/us-east-1)"
check "DescribeConfigurationRecorderStatus denied: the message names the action" \
    has_msg $RULE_CFG /Region/us-east-1 'DescribeConfigurationRecorderStatus'
check_eq "DescribeConfigurationRecorderStatus denied in us-east-1: eu-west-1 still passes" pass \
    "$(status $RULE_CFG /Region/eu-west-1)"
proxy_faults '[]'

e2e_finish
