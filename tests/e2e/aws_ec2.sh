#!/bin/sh
# End-to-end: the EC2, RDS and EFS service modules against a real moto_server
# (5.2.1), seeded with Debian's awscli. For every rule of
# checks/rules/cis-aws/networking.yaml and storage-rds-efs.yaml: the
# misconfiguration seeded, a scan, `fail` on the right resource; the fix
# applied, a scan, `pass`. What moto gives to start with is part of the
# story: its default VPC's default security group allows all egress (6.5
# fails until revoked) and its default network ACL allows all inbound
# traffic (6.2 fails until a lower-numbered deny shadows it for each
# port: one deny for 22 alone still fails on 3389).
# Then tests/tools/awsproxy.py in front of moto answers EC2's
# UnauthorizedOperation for DescribeSecurityGroups: exactly the four
# security group rules are `error` naming the action, and the others are
# still judged; DescribeFlowLogs, GetEbsEncryptionByDefault,
# DescribeDBInstances, DescribeFileSystems and GetManagedPrefixListEntries
# denied each cost exactly their rules (the last: the admin-port rules of
# the one group whose SSH rule names the prefix list).
# Not shown against moto (fixtures only, checks/rules/cis-aws/fixtures and
# tests/unit/test_aws_ec2.c): flow logs in a state other than ACTIVE (moto
# creates every flow log ACTIVE), network ACL entries or security group
# rules whose values cannot be read (moto only stores valid ones), and
# the many NACL orderings the unit test covers (here: one lower deny per
# port in front of moto's allow-all).
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init
. "$TOP_SRCDIR/tests/e2e/awslib.sh"

trap aws_stop_all EXIT

moto_start

# findings DB: one line per finding of the latest scan,
# "RULE STATUS KIND/ID message"
findings() {
    "$FOURC" report --db "$1" --format json 2>/dev/null | "$PYTHON" -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    # the automated rules of this slice (the manual pack has rules of
    # these prefixes too, on fourc/Target)
    if f["rule"].startswith(("AWS-EC2-", "AWS-VPC-", "AWS-RDS-", "AWS-EFS-")) \
            and f["resource"]["kind"].startswith("aws/"):
        u = f["resource"]["uid"].split("/")
        print(f["rule"], f["status"], "/".join(u[-2:]), f["message"])'
}

# scan NAME [args]: a scan of moto into NAME.db (one region unless told)
scan() {
    _db=$1
    shift
    rm -f "$_db.db"
    aws_scan --db "$_db.db" --region us-east-1 "$@"
    if [ "$RC" -gt 1 ]; then
        not_ok "scan $_db ran (exit $RC)"
        diag_last
    fi
    findings "$_db.db" >"$_db.txt"
}

# expect NAME RULE ID STATUS: the finding of RULE on resource ID
expect() {
    _got=$(awk -v r="$2" -v id="$3" '$1 == r && $3 ~ ("/" id "$") { print $2 }' "$1.txt" | sort -u | tr '\n' ',' | sed 's/,$//')
    check_eq "$1: $2 on $3 is $4" "$4" "${_got:-none}"
}

# seed ARGS...: awsc, its failure a failed check (a fix that did not apply
# would otherwise show as the rule's fault)
seed() {
    if ! awsc "$@" >"$T/seed.out" 2>"$T/seed.err"; then
        not_ok "seeded: aws $*"
        diag_file "$T/seed.err"
    fi
}

VPC=$(awsc ec2 describe-vpcs --query 'Vpcs[0].VpcId' --output text)
DEFSG=$(awsc ec2 describe-security-groups --filters Name=group-name,Values=default --query 'SecurityGroups[0].GroupId' --output text)
ACL=$(awsc ec2 describe-network-acls --query 'NetworkAcls[0].NetworkAclId' --output text)

# --- the misconfigurations --------------------------------------------------
# 6.3: a TCP range 3000-4000 from 0.0.0.0/0 covers 3389
SG4=$(awsc ec2 create-security-group --group-name admin4 --description e2e --vpc-id "$VPC" --query GroupId --output text)
seed ec2 authorize-security-group-ingress --group-id "$SG4" \
    --ip-permissions 'IpProtocol=tcp,FromPort=3000,ToPort=4000,IpRanges=[{CidrIp=0.0.0.0/0}]'
# 6.3 through a managed prefix list that holds 0.0.0.0/0
PL=$(awsc ec2 create-managed-prefix-list --prefix-list-name e2e-world --address-family IPv4 \
    --max-entries 5 --entries Cidr=0.0.0.0/0 --query PrefixList.PrefixListId --output text)
SGP=$(awsc ec2 create-security-group --group-name admin-pl --description e2e --vpc-id "$VPC" --query GroupId --output text)
seed ec2 authorize-security-group-ingress --group-id "$SGP" \
    --ip-permissions "IpProtocol=tcp,FromPort=22,ToPort=22,PrefixListIds=[{PrefixListId=$PL}]"
# 6.4: every protocol from ::/0
SG6=$(awsc ec2 create-security-group --group-name admin6 --description e2e --vpc-id "$VPC" --query GroupId --output text)
seed ec2 authorize-security-group-ingress --group-id "$SG6" \
    --ip-permissions 'IpProtocol=-1,Ipv6Ranges=[{CidrIpv6=::/0}]'
# 6.1.2: 445 from 0.0.0.0/0
SGF=$(awsc ec2 create-security-group --group-name files --description e2e --vpc-id "$VPC" --query GroupId --output text)
seed ec2 authorize-security-group-ingress --group-id "$SGF" \
    --ip-permissions 'IpProtocol=tcp,FromPort=445,ToPort=445,IpRanges=[{CidrIp=0.0.0.0/0}]'
# 6.2: only 22 denied ahead of moto's allow-all entry 100
seed ec2 create-network-acl-entry --network-acl-id "$ACL" --ingress --rule-number 10 \
    --protocol tcp --port-range From=22,To=22 --cidr-block 0.0.0.0/0 --rule-action deny
# 6.7: IMDSv1 allowed
INST=$(awsc ec2 run-instances --image-id ami-12c6146b --count 1 --instance-type t3.micro \
    --metadata-options HttpTokens=optional,HttpEndpoint=enabled --query 'Instances[0].InstanceId' --output text)
# 6.7 does not apply to a terminated instance; the metadata endpoint off
# is as good as IMDSv2
GONE=$(awsc ec2 run-instances --image-id ami-12c6146b --count 1 --instance-type t3.micro \
    --metadata-options HttpTokens=optional --query 'Instances[0].InstanceId' --output text)
seed ec2 terminate-instances --instance-ids "$GONE"
OFF=$(awsc ec2 run-instances --image-id ami-12c6146b --count 1 --instance-type t3.micro \
    --metadata-options HttpTokens=optional,HttpEndpoint=disabled --query 'Instances[0].InstanceId' --output text)
# 4.7: a flow log of accepted traffic only does not count
seed s3api create-bucket --bucket e2e-flow-logs
seed s3api create-bucket --bucket e2e-flow-logs-rejects
seed ec2 create-flow-logs --resource-type VPC --resource-ids "$VPC" --traffic-type ACCEPT \
    --log-destination-type s3 --log-destination arn:aws:s3:::e2e-flow-logs
check "seeded: the ACCEPT flow log" grep -q '"fl-' "$T/seed.out"
# 3.2.x: unencrypted, public, no minor upgrades
seed rds create-db-instance --db-instance-identifier orders --db-instance-class db.t3.micro \
    --engine postgres --master-username admin1 --master-user-password e2e-pass-1234 \
    --allocated-storage 20 --publicly-accessible --no-auto-minor-version-upgrade
# DescribeDBInstances answers 100 a page: 105 more instances make two
# pages (half of them encrypted), every one of which must be judged
python3 - "$MOTO" <<'PY' || not_ok "seeded: 105 DB instances (boto3)"
import sys, boto3
c = boto3.client("rds", endpoint_url=sys.argv[1], region_name="us-east-1")
for i in range(105):
    c.create_db_instance(DBInstanceIdentifier="page-%03d" % i, DBInstanceClass="db.t3.micro",
                         Engine="postgres", MasterUsername="admin1", MasterUserPassword="e2e-pass-1234",
                         AllocatedStorage=20, StorageEncrypted=(i % 2 == 0))
PY
# 3.3.1: an unencrypted file system
FS1=$(awsc efs create-file-system --creation-token e2e-plain --no-encrypted --query FileSystemId --output text)
# 6.1.1: moto starts with encryption by default off; on in eu-west-1 only
seed ec2 enable-ebs-encryption-by-default --region eu-west-1

scan bad --region eu-west-1
expect bad AWS-EC2-SG-ADMIN-PORTS-IPV4 "$SG4" fail
expect bad AWS-EC2-SG-ADMIN-PORTS-IPV4 "$SG6" pass
expect bad AWS-EC2-SG-ADMIN-PORTS-IPV4 "$SGP" fail
check "bad: the prefix list is named in the evidence" \
    grep -q "AWS-EC2-SG-ADMIN-PORTS-IPV4 fail SecurityGroup/$SGP .*\"prefix_list\":\"pl-" bad.txt
expect bad AWS-EC2-SG-ADMIN-PORTS-IPV6 "$SG6" fail
expect bad AWS-EC2-SG-ADMIN-PORTS-IPV6 "$SG4" pass
expect bad AWS-EC2-SG-CIFS-WORLD "$SGF" fail
expect bad AWS-EC2-SG-CIFS-WORLD "$SG6" fail
expect bad AWS-EC2-SG-CIFS-WORLD "$SG4" pass
expect bad AWS-VPC-DEFAULT-SG-CLOSED "$DEFSG" fail
expect bad AWS-VPC-DEFAULT-SG-CLOSED "$SG4" none
expect bad AWS-EC2-NACL-ADMIN-PORTS "$ACL" fail
check "bad: the NACL's evidence is 3389 through entry 100 (22 is denied by 10)" \
    grep -q "AWS-EC2-NACL-ADMIN-PORTS fail NetworkAcl/$ACL .*\"port\":3389.*\"rule_number\":100" bad.txt
expect bad AWS-EC2-IMDSV2 "$INST" fail
expect bad AWS-EC2-IMDSV2 "$GONE" skip
expect bad AWS-EC2-IMDSV2 "$OFF" pass
expect bad AWS-VPC-FLOW-LOGS "$VPC" fail
expect bad AWS-RDS-ENCRYPTED orders fail
expect bad AWS-RDS-NOT-PUBLIC orders fail
expect bad AWS-RDS-AUTO-MINOR-UPGRADE orders fail
check_eq "bad: every DB instance over two pages judged (53 encrypted of 106)" "53 53" \
    "$(awk '$1 == "AWS-RDS-ENCRYPTED" { n[$2]++ } END { print n["pass"] + 0, n["fail"] + 0 }' bad.txt)"
expect bad AWS-RDS-ENCRYPTED page-104 pass
expect bad AWS-RDS-ENCRYPTED page-103 fail
expect bad AWS-EC2-EBS-DEFAULT-ENCRYPTION 123456789012 fail
expect bad AWS-EFS-ENCRYPTED "$FS1" fail
check "bad: the EBS evidence names us-east-1" \
    grep -q 'AWS-EC2-EBS-DEFAULT-ENCRYPTION fail .*regions.us-east-1.ebs_encryption_by_default is false' bad.txt

# --- the fixes ---------------------------------------------------------------
seed ec2 revoke-security-group-ingress --group-id "$SG4" \
    --ip-permissions 'IpProtocol=tcp,FromPort=3000,ToPort=4000,IpRanges=[{CidrIp=0.0.0.0/0}]'
seed ec2 authorize-security-group-ingress --group-id "$SG4" \
    --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=203.0.113.0/24}]'
seed ec2 modify-managed-prefix-list --prefix-list-id "$PL" --current-version 1 \
    --remove-entries Cidr=0.0.0.0/0 --add-entries Cidr=10.0.0.0/8
seed ec2 revoke-security-group-ingress --group-id "$SG6" \
    --ip-permissions 'IpProtocol=-1,Ipv6Ranges=[{CidrIpv6=::/0}]'
seed ec2 authorize-security-group-ingress --group-id "$SG6" \
    --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,Ipv6Ranges=[{CidrIpv6=::/0}]'
seed ec2 revoke-security-group-ingress --group-id "$SGF" \
    --ip-permissions 'IpProtocol=tcp,FromPort=445,ToPort=445,IpRanges=[{CidrIp=0.0.0.0/0}]'
seed ec2 authorize-security-group-ingress --group-id "$SGF" \
    --ip-permissions 'IpProtocol=tcp,FromPort=445,ToPort=445,IpRanges=[{CidrIp=10.0.0.0/8}]'
seed ec2 revoke-security-group-egress --group-id "$DEFSG" \
    --ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'
seed ec2 create-network-acl-entry --network-acl-id "$ACL" --ingress --rule-number 20 \
    --protocol tcp --port-range From=3389,To=3389 --cidr-block 0.0.0.0/0 --rule-action deny
seed ec2 modify-instance-metadata-options --instance-id "$INST" --http-tokens required
seed ec2 create-flow-logs --resource-type VPC --resource-ids "$VPC" --traffic-type REJECT \
    --log-destination-type s3 --log-destination arn:aws:s3:::e2e-flow-logs-rejects
check "seeded: the REJECT flow log" grep -q '"fl-' "$T/seed.out"
seed rds modify-db-instance --db-instance-identifier orders --no-publicly-accessible \
    --auto-minor-version-upgrade --apply-immediately
# storage encryption cannot be changed in place: a new, encrypted instance
seed rds create-db-instance --db-instance-identifier orders2 --db-instance-class db.t3.micro \
    --engine postgres --master-username admin1 --master-user-password e2e-pass-1234 \
    --allocated-storage 20 --storage-encrypted --no-publicly-accessible
seed ec2 enable-ebs-encryption-by-default
# EFS encryption cannot be changed in place either: a new file system
FS2=$(awsc efs create-file-system --creation-token e2e-encrypted --encrypted --query FileSystemId --output text)

scan good --region eu-west-1
for sg in "$SG4" "$SG6" "$SGF" "$DEFSG" "$SGP"; do
    expect good AWS-EC2-SG-ADMIN-PORTS-IPV4 "$sg" pass
    expect good AWS-EC2-SG-ADMIN-PORTS-IPV6 "$sg" pass
    expect good AWS-EC2-SG-CIFS-WORLD "$sg" pass
done
expect good AWS-VPC-DEFAULT-SG-CLOSED "$DEFSG" pass
expect good AWS-EC2-NACL-ADMIN-PORTS "$ACL" pass
expect good AWS-EC2-IMDSV2 "$INST" pass
expect good AWS-VPC-FLOW-LOGS "$VPC" pass
expect good AWS-RDS-NOT-PUBLIC orders pass
expect good AWS-RDS-AUTO-MINOR-UPGRADE orders pass
expect good AWS-RDS-ENCRYPTED orders fail
expect good AWS-RDS-ENCRYPTED orders2 pass
expect good AWS-EC2-EBS-DEFAULT-ENCRYPTION 123456789012 pass
expect good AWS-EFS-ENCRYPTED "$FS1" fail
expect good AWS-EFS-ENCRYPTED "$FS2" pass

# --- denied calls ------------------------------------------------------------
# deny_scan NAME FAULTS [args]: a scan through tests/tools/awsproxy.py
# with FAULTS (its JSON rules)
deny_scan() {
    _name=$1
    proxy_faults "$2"
    shift 2
    _saved=$MOTO
    MOTO=$PROXY
    scan "$_name" "$@"
    MOTO=$_saved
    cp "$PROXY_LOG" "$T/$_name.proxy.jsonl"
}

# statuses NAME RULE: every status of RULE's findings, sorted, comma-separated
statuses() {
    awk -v r="$2" '$1 == r { print $2 }' "$1.txt" | sort -u | tr '\n' ',' | sed 's/,$//'
}

proxy_start
# no request twice: every call of these modules once per region and page
deny_scan once '[]' --region eu-west-1
check_eq "once: each EC2, RDS and EFS call made once per region (RDS: two pages; the one prefix list read once)" \
    "ec2 eu-west-1 DescribeFlowLogs 1
ec2 eu-west-1 DescribeInstances 1
ec2 eu-west-1 DescribeNetworkAcls 1
ec2 eu-west-1 DescribeSecurityGroups 1
ec2 eu-west-1 DescribeVpcs 1
ec2 eu-west-1 GetEbsEncryptionByDefault 1
ec2 us-east-1 DescribeFlowLogs 1
ec2 us-east-1 DescribeInstances 1
ec2 us-east-1 DescribeNetworkAcls 1
ec2 us-east-1 DescribeSecurityGroups 1
ec2 us-east-1 DescribeVpcs 1
ec2 us-east-1 GetEbsEncryptionByDefault 1
ec2 us-east-1 GetManagedPrefixListEntries 1
elasticfilesystem eu-west-1 GET /2015-02-01/file-systems 1
elasticfilesystem us-east-1 GET /2015-02-01/file-systems 1
rds eu-west-1 DescribeDBInstances 1
rds us-east-1 DescribeDBInstances 2" \
    "$("$PYTHON" -c '
import collections, json, sys
n = collections.Counter()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["service"] in ("ec2", "rds", "elasticfilesystem"):
        n[(r["service"], r["region"], r["action"], r["body_sha256"])] += 1
per = collections.Counter()
for (svc, reg, act, body), c in n.items():
    if c != 1:
        print("repeated", svc, reg, act, c)
    per[(svc, reg, act)] += 1
for k in sorted(per):
    print(*k, per[k])' "$T/once.proxy.jsonl")"
deny_scan sgdenied '[{"service": "ec2", "action": "DescribeSecurityGroups", "fault": "denied"}]'
check "sgdenied: the proxy denied DescribeSecurityGroups" \
    grep -q '"action": "DescribeSecurityGroups".*"fault": "denied"' "$T/sgdenied.proxy.jsonl"
for r in AWS-EC2-SG-ADMIN-PORTS-IPV4 AWS-EC2-SG-ADMIN-PORTS-IPV6 AWS-EC2-SG-CIFS-WORLD AWS-VPC-DEFAULT-SG-CLOSED; do
    check_eq "sgdenied: $r is error only" error "$(statuses sgdenied "$r")"
    check "sgdenied: $r's error names DescribeSecurityGroups and UnauthorizedOperation" \
        grep -q "^$r error Region/us-east-1 .*DescribeSecurityGroups.*UnauthorizedOperation" sgdenied.txt
done
check_eq "sgdenied: the NACL rule is still judged" pass "$(statuses sgdenied AWS-EC2-NACL-ADMIN-PORTS)"
check_eq "sgdenied: IMDSv2 is still judged" pass,skip "$(statuses sgdenied AWS-EC2-IMDSV2)"
check_eq "sgdenied: flow logs are still judged" pass "$(statuses sgdenied AWS-VPC-FLOW-LOGS)"
check_eq "sgdenied: EBS is still judged" pass "$(statuses sgdenied AWS-EC2-EBS-DEFAULT-ENCRYPTION)"
check_eq "sgdenied: RDS is still judged" fail,pass "$(statuses sgdenied AWS-RDS-ENCRYPTED)"

deny_scan others '[{"service": "ec2", "action": "DescribeFlowLogs", "fault": "denied"},
  {"service": "ec2", "action": "GetEbsEncryptionByDefault", "fault": "denied"},
  {"service": "rds", "action": "DescribeDBInstances", "fault": "denied"},
  {"service": "elasticfilesystem", "fault": "denied"},
  {"service": "ec2", "action": "GetManagedPrefixListEntries", "fault": "denied"}]'
check_eq "others: flow logs denied: the VPC rule is error" error "$(statuses others AWS-VPC-FLOW-LOGS)"
check "others: its error names DescribeFlowLogs" \
    grep -q "^AWS-VPC-FLOW-LOGS error Vpc/$VPC .*DescribeFlowLogs" others.txt
check_eq "others: EBS default denied: the EBS rule is error" error "$(statuses others AWS-EC2-EBS-DEFAULT-ENCRYPTION)"
check "others: its error names GetEbsEncryptionByDefault" \
    grep -q "^AWS-EC2-EBS-DEFAULT-ENCRYPTION error .*GetEbsEncryptionByDefault" others.txt
for r in AWS-RDS-ENCRYPTED AWS-RDS-NOT-PUBLIC AWS-RDS-AUTO-MINOR-UPGRADE; do
    check_eq "others: $r is error only" error "$(statuses others "$r")"
    check "others: $r's error names DescribeDBInstances" \
        grep -q "^$r error Region/us-east-1 .*DescribeDBInstances.*AccessDenied" others.txt
done
check_eq "others: AWS-EFS-ENCRYPTED is error only" error "$(statuses others AWS-EFS-ENCRYPTED)"
check "others: its error names DescribeFileSystems" \
    grep -q "^AWS-EFS-ENCRYPTED error Region/us-east-1 .*DescribeFileSystems" others.txt
expect others AWS-EC2-SG-ADMIN-PORTS-IPV4 "$SGP" error
check "others: GetManagedPrefixListEntries denied: the error names it and the list" \
    grep -q "^AWS-EC2-SG-ADMIN-PORTS-IPV4 error SecurityGroup/$SGP .*prefix list $PL.*GetManagedPrefixListEntries" others.txt
expect others AWS-EC2-SG-CIFS-WORLD "$SGP" pass
expect others AWS-EC2-SG-ADMIN-PORTS-IPV4 "$SG4" pass
check_eq "others: the NACL rule is still judged" pass "$(statuses others AWS-EC2-NACL-ADMIN-PORTS)"

# a region that cannot be reached costs that region only
deny_scan region '[{"service": "ec2", "region": "eu-west-1", "fault": "refuse"}]' --region eu-west-1
for r in AWS-EC2-SG-ADMIN-PORTS-IPV4 AWS-EC2-NACL-ADMIN-PORTS AWS-EC2-IMDSV2 AWS-VPC-FLOW-LOGS; do
    expect region "$r" eu-west-1 error
done
expect region AWS-EC2-SG-ADMIN-PORTS-IPV4 "$SG4" pass
expect region AWS-EC2-NACL-ADMIN-PORTS "$ACL" pass
expect region AWS-EC2-IMDSV2 "$INST" pass
expect region AWS-VPC-FLOW-LOGS "$VPC" pass
check "region: the account's EBS rule is error naming eu-west-1" \
    grep -q '^AWS-EC2-EBS-DEFAULT-ENCRYPTION error .*GetEbsEncryptionByDefault eu-west-1' region.txt
expect region AWS-RDS-ENCRYPTED orders2 pass

e2e_finish
