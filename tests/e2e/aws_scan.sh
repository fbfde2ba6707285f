#!/bin/sh
# End-to-end: the `--aws` collector itself against moto_server (and
# tests/tools/awsproxy.py in front of it for faults): credentials as the
# CLI finds them, the account recorded with the scan, regions from
# DescribeRegions (other partitions' left out) or --region, and every way
# the account cannot be read at all: no credentials, a profile that does
# not exist, an expired token, an endpoint refusing connections, a body
# cut short or malformed. Each is one error line naming the service,
# action and region, exit status 2, and the database keeps its earlier
# scans. The secret key and session token never reach the database, the
# reports or stderr.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init
. "$TOP_SRCDIR/tests/e2e/awslib.sh"
trap aws_stop_all EXIT
moto_start
proxy_start

SECRET=planted-aws-secret-kEy-0123456789abcdefghij
TOKEN=planted-session-tOken-FwoGZXIvYXdzEXAMPLE
DB=$T/aws.db

# --- the account and its regions ------------------------------------------
AWS_SECRET_ACCESS_KEY=$SECRET AWS_SESSION_TOKEN=$TOKEN \
    run env -u AWS_DEFAULT_REGION "$FOURC" scan --aws --aws-endpoint "$MOTO" --db "$DB" \
    --format json -o "$T/r1.json"
check_eq "a scan of moto's account: exit 0" 0 "$RC"
check "stderr names the account" grep -q "aws: account 123456789012" "$ERR"
"$PYTHON" - "$T/r1.json" >"$T/info.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = [x for x in d["scan"]["targets"] if x["type"] == "aws"][0]["aws"]
print(t["account"], t["partition"], t["regions_from"],
      "us-east-1" in t["regions"], any(r.startswith(("cn-", "us-gov-")) for r in t["regions"]),
      t["credentials"])
PY
check_eq "the JSON report records the account, partition and regions from DescribeRegions (no cn-/us-gov-)" \
    "123456789012 aws DescribeRegions True False environment (AWS_ACCESS_KEY_ID)" "$(cat "$T/info.txt")"
nreg=$("$PYTHON" -c "
import json,sys
d=json.load(open(sys.argv[1]))
print(len({f['resource']['uid'] for f in d['findings'] if f['resource']['kind']=='aws/Region'}) or
      len([1 for t in d['scan']['targets'] if t['type']=='aws' for r in t['aws']['regions']]))" "$T/r1.json")
check "the enabled regions were listed (more than 10)" test "$nreg" -gt 10

run "$FOURC" scan --aws --aws-endpoint "$MOTO" --db "$DB" --region eu-west-1 \
    --region us-east-1 --format json -o "$T/r2.json"
check_eq "--region twice: exit 0" 0 "$RC"
check_eq "--region: exactly the regions named, from the configuration" \
    "eu-west-1 us-east-1 configuration" "$("$PYTHON" -c "
import json,sys
t=[x for x in json.load(open(sys.argv[1]))['scan']['targets'] if x['type']=='aws'][0]['aws']
print(' '.join(t['regions']), t['regions_from'])" "$T/r2.json")"

# the profile's region, and a profile from the config file
mkdir -p "$HOME/.aws"
cat >"$HOME/.aws/credentials" <<EOC
[audit]
aws_access_key_id = AKIAAUDITPROFILE0001
aws_secret_access_key = $SECRET
EOC
cat >"$HOME/.aws/config" <<'EOC'
[profile audit]
region = ap-south-1
EOC
run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_DEFAULT_REGION \
    "$FOURC" scan --aws --aws-profile audit --aws-endpoint "$MOTO" --db "$DB" \
    --format json -o "$T/r3.json"
check_eq "--aws-profile audit: exit 0" 0 "$RC"
check_eq "--aws-profile audit: its region, its credentials named" \
    "ap-south-1 profile audit" "$("$PYTHON" -c "
import json,sys
t=[x for x in json.load(open(sys.argv[1]))['scan']['targets'] if x['type']=='aws'][0]['aws']
print(' '.join(t['regions']), t['credentials'].split(' (')[0])" "$T/r3.json")"

summary() { "$FOURC" report --db "$DB" --scan "$1" --format json |
    "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d["scan"]["id"], len(d["findings"]), d["summary"]["pass"], d["summary"]["fail"], d["summary"]["error"])'; }
before="$(summary 1); $(summary 2); $(summary 3)"

# --- the account cannot be read: one line, exit 2, nothing lost ------------
unreachable() { # DESC REGEX [env...] -- args
    _d=$1 _re=$2
    shift 2
    run "$@"
    check_eq "$_d: exit 2" 2 "$RC"
    expect_one_error_line "$_d: one error line" "$_re"
}
mkdir -p "$T/empty-home"
unreachable "no credentials" "no AWS credentials" \
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME="$T/empty-home" \
    "$FOURC" scan --aws --aws-endpoint "$MOTO" --db "$DB"
unreachable "a profile that does not exist" "profile 'nosuch'" \
    "$FOURC" scan --aws --aws-profile nosuch --aws-endpoint "$MOTO" --db "$DB"
unreachable "an endpoint refusing connections" "aws sts GetCallerIdentity us-east-1: .*(connect|refused)" \
    "$FOURC" scan --aws --aws-endpoint http://127.0.0.1:1 --db "$DB" --aws-timeout 5

proxy_faults '[{"service": "sts", "action": "GetCallerIdentity", "fault": "expired"}]'
unreachable "an expired session token" "aws sts GetCallerIdentity us-east-1: ExpiredToken" \
    "$FOURC" scan --aws --aws-endpoint "$PROXY" --db "$DB"
proxy_faults '[{"service": "sts", "action": "GetCallerIdentity", "fault": "malformed"}]'
unreachable "a malformed XML body" "aws sts GetCallerIdentity us-east-1: .*(XML|xml|malformed|mismatched)" \
    "$FOURC" scan --aws --aws-endpoint "$PROXY" --db "$DB"
proxy_faults '[{"service": "sts", "action": "GetCallerIdentity", "fault": "cut"}]'
unreachable "a body cut short" "aws sts GetCallerIdentity us-east-1" \
    "$FOURC" scan --aws --aws-endpoint "$PROXY" --db "$DB" --aws-timeout 5
proxy_faults '[{"service": "ec2", "action": "DescribeRegions", "fault": "denied"}]'
run env -u AWS_DEFAULT_REGION "$FOURC" scan --aws --aws-endpoint "$PROXY" --db "$DB"
check_eq "DescribeRegions denied: exit 2" 2 "$RC"
check "DescribeRegions denied: the error names the action and says to name regions" \
    grep -q "fourc: error: .*aws ec2 DescribeRegions us-east-1: UnauthorizedOperation.*--region" "$ERR"
proxy_faults '[]'

check_eq "the failed runs lost nothing: scans 1 to 3 report as before" \
    "$before" "$(summary 1); $(summary 2); $(summary 3)"

# --- a region's list denied: that region only, and kept by --reevaluate ----
awsc ec2 create-security-group --group-name e2e-open --description e2e >/dev/null
proxy_faults '[{"service": "ec2", "region": "eu-west-1", "action": "DescribeSecurityGroups", "fault": "denied"}]'
run "$FOURC" scan --aws --aws-endpoint "$PROXY" --db "$T/reg.db" \
    --region us-east-1 --region eu-west-1 --format json -o "$T/reg1.json"
check_eq "DescribeSecurityGroups denied in eu-west-1: the scan goes on (exit 0)" 0 "$RC"
run "$FOURC" scan --reevaluate latest --db "$T/reg.db" --format json -o "$T/reg2.json"
sg_statuses() {
    "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
out = set()
for f in d["findings"]:
    if f["rule"] != "AWS-EC2-SG-ADMIN-PORTS-IPV4":
        continue
    u = f["resource"]["uid"]
    region = u.split("/")[2]
    kind = f["resource"]["kind"]
    ok = f["status"] != "error" or ("DescribeSecurityGroups eu-west-1" in f["message"] and "UnauthorizedOperation" in f["message"])
    out.add("%s %s %s %s" % (region, kind, f["status"], ok))
print(";".join(sorted(out)))' "$1"
}
got=$(sg_statuses "$T/reg1.json")
check_eq "the SG rule: error on eu-west-1 (naming the action), judged in us-east-1" \
    "eu-west-1 aws/Region error True;us-east-1 aws/SecurityGroup pass True" "$got"
check_eq "--reevaluate keeps the region's error" "$got" "$(sg_statuses "$T/reg2.json")"
proxy_faults '[]'

# --- no secret anywhere -----------------------------------------------------
"$FOURC" report --db "$DB" --format html -o "$T/r.html" 2>/dev/null
leak=$(for f in "$DB" "$T"/r*.json "$T/r.html" "$ERR"; do
    strings "$f" 2>/dev/null | grep -l -e "$SECRET" -e "$TOKEN" >/dev/null && echo "$f"
done)
check_eq "the secret key and session token are in no database, report or log" "" "$leak"

e2e_finish
