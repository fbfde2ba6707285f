#!/bin/sh
# examples/aws/seed.sh URL: makes the example AWS account the demo audits,
# in an emulator at URL (moto_server), with Debian's awscli. Half of it is
# misconfigured the way audits find accounts, half is the fix, so the
# report shows both verdicts for most cloud rules:
#   IAM: a weak password policy; a console user without MFA and with two
#        access keys and a policy attached directly; an admin policy;
#        a user in a group, with MFA
#   S3:  a bucket without Block Public Access, encryption defaults or a
#        TLS-only policy; one with all three
#   EC2: security groups open to the world on 22 and 3389 and a closed
#        one; an instance without IMDSv2, one with
#   RDS: an unencrypted, public database
#   CloudTrail, KMS: a trail without log validation; a key without rotation
# The credentials are the emulator's dummies; nothing here is secret.
set -eu
url=${1:?usage: seed.sh ENDPOINT-URL}
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=
aws() { /usr/bin/aws --endpoint-url "$url" --output json "$@" >/dev/null; }
awsv() { /usr/bin/aws --endpoint-url "$url" --output text "$@"; }

# IAM
aws iam update-account-password-policy --minimum-password-length 8
aws iam create-user --user-name alice
aws iam create-login-profile --user-name alice --password 'Example-Passw0rd-1'
aws iam create-access-key --user-name alice
aws iam create-access-key --user-name alice
aws iam create-policy --policy-name s3-read --policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}'
aws iam attach-user-policy --user-name alice \
    --policy-arn arn:aws:iam::123456789012:policy/s3-read
aws iam create-policy --policy-name everything --policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
aws iam create-group --group-name ops
aws iam attach-group-policy --group-name ops \
    --policy-arn arn:aws:iam::123456789012:policy/everything
aws iam create-user --user-name bob
aws iam add-user-to-group --user-name bob --group-name ops
aws iam create-virtual-mfa-device --virtual-mfa-device-name bob \
    --outfile /dev/null --bootstrap-method Base32StringSeed
aws iam enable-mfa-device --user-name bob \
    --serial-number arn:aws:iam::123456789012:mfa/bob \
    --authentication-code1 123456 --authentication-code2 654321

# S3
aws s3api create-bucket --bucket shop-uploads
aws s3api create-bucket --bucket shop-audit-logs
aws s3api put-public-access-block --bucket shop-audit-logs \
    --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
aws s3api put-bucket-encryption --bucket shop-audit-logs \
    --server-side-encryption-configuration \
    '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"}}]}'
aws s3api put-bucket-policy --bucket shop-audit-logs --policy \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::shop-audit-logs","arn:aws:s3:::shop-audit-logs/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}'
aws s3api put-bucket-versioning --bucket shop-audit-logs \
    --versioning-configuration Status=Enabled

# EC2
vpc=$(awsv ec2 describe-vpcs --filters Name=is-default,Values=true \
    --query 'Vpcs[0].VpcId')
open=$(awsv ec2 create-security-group --group-name admin-open \
    --description "ssh and rdp from anywhere" --vpc-id "$vpc" --query GroupId)
aws ec2 authorize-security-group-ingress --group-id "$open" \
    --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]' \
    'IpProtocol=tcp,FromPort=3389,ToPort=3389,IpRanges=[{CidrIp=0.0.0.0/0}]'
closed=$(awsv ec2 create-security-group --group-name web-internal \
    --description "https from the VPC" --vpc-id "$vpc" --query GroupId)
aws ec2 authorize-security-group-ingress --group-id "$closed" \
    --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=10.0.0.0/8}]'
aws ec2 run-instances --image-id ami-12c6146b --instance-type t3.micro \
    --security-group-ids "$open" \
    --metadata-options HttpTokens=optional,HttpEndpoint=enabled
aws ec2 run-instances --image-id ami-12c6146b --instance-type t3.micro \
    --security-group-ids "$closed" \
    --metadata-options HttpTokens=required,HttpEndpoint=enabled

# RDS
aws rds create-db-instance --db-instance-identifier orders \
    --db-instance-class db.t3.micro --engine postgres \
    --master-username app --master-user-password 'Example-Passw0rd-2' \
    --allocated-storage 20 --publicly-accessible --no-storage-encrypted \
    --no-auto-minor-version-upgrade

# KMS and CloudTrail
aws kms create-key --description "orders data key"
aws s3api create-bucket --bucket shop-trail
aws cloudtrail create-trail --name main --s3-bucket-name shop-trail \
    --is-multi-region-trail
aws cloudtrail start-logging --name main
