#!/usr/bin/env python3
"""awsseed.py: fill a moto_server with many AWS resources, fast.

    python3 tests/tools/awsseed.py --endpoint http://127.0.0.1:PORT \
        [--buckets N] [--sgs M] [--users K] [--regions us-east-1,eu-west-1]
        [--sgs-per-vpc 250] [--workers 8] [--verify] [--verify-only]

Brings the account UP TO N S3 buckets, M security groups and K IAM users
(those named bench-*): what is already there is kept and only the missing
indices are made, so a benchmark can grow 1/4 -> 1/2 -> all without
seeding twice. Needs boto3 (the pyenv Python has it). Credentials are the
fixed test ones moto accepts (AWS_ACCESS_KEY_ID=testing ...), never real.

What is made, index i (deterministic, so counts can be checked back):
  bucket bench-b-<i>-<region>, region = regions[i % len(regions)]:
    i%2==0 public access block (all four on); i%4==1 a bucket policy that
    denies aws:SecureTransport false; i%5==0 versioning; i%3==0 default
    encryption (AES256)
  security group bench-sg-<i> in region regions[i % R], in VPC
    bench-vpc-<j // sgs_per_vpc> of that region (j = i // R; 10.x.0.0/16),
    one AuthorizeSecurityGroupIngress call with 1 to 4 rules: tcp 443 from
    10.0.0.0/8; i%10==0 tcp 22 from 0.0.0.0/0; i%25==0 tcp 3389 from ::/0;
    i%7==0 all traffic from the group itself
  IAM user bench-user-<i> (path /bench/): i%2==0 an access key (i%10==0 a
    second); i%3==0 customer policy bench-policy-<i%20> attached; i%5==0 an
    inline policy; i%4==0 member of bench-group-<i%10>; i%10==0 a console
    password (login profile)
  plus 20 customer managed policies and 10 groups (each group with
  bench-policy-<g> attached).

Prints one JSON object on stdout: what was made, the HTTP requests sent
(retries included) and the seconds taken; with --verify, the counts read
back with list/describe calls and whether they match what the scheme
above gives for N, M, K (exit 1 when not).
"""

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

try:
    import boto3
    from botocore.config import Config
except ImportError:  # pragma: no cover
    sys.exit("awsseed: boto3 is needed (use the pyenv python3)")

NPOLICIES = 20
NGROUPS = 10
PASSWORD = "Bench-Passw0rd-not-a-secret!"  # a moto login profile, nothing real


def bucket_name(i, region):
    return "bench-b-%06d-%s" % (i, region)


def sg_name(i):
    return "bench-sg-%06d" % i


def user_name(i):
    return "bench-user-%05d" % i


class Seeder:
    def __init__(self, args):
        self.args = args
        self.regions = args.regions
        self.requests = 0
        self.lock = threading.Lock()
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        os.environ.pop("AWS_SESSION_TOKEN", None)
        os.environ.pop("AWS_PROFILE", None)
        cfg = Config(
            retries={"max_attempts": 8, "mode": "standard"},
            max_pool_connections=max(10, args.workers * 2),
        )
        session = boto3.session.Session()
        self.s3 = {}
        self.ec2 = {}
        for r in self.regions:
            self.s3[r] = self._client(session, "s3", r, cfg)
            self.ec2[r] = self._client(session, "ec2", r, cfg)
        self.iam = self._client(session, "iam", "us-east-1", cfg)
        self.sts = self._client(session, "sts", "us-east-1", cfg)
        self.account = None

    def _client(self, session, service, region, cfg):
        c = session.client(
            service,
            region_name=region,
            endpoint_url=self.args.endpoint,
            config=cfg,
        )
        c.meta.events.register("before-send", self._count)
        return c

    def _count(self, **_kw):
        with self.lock:
            self.requests += 1

    def log(self, msg):
        if not self.args.quiet:
            print("awsseed: " + msg, file=sys.stderr, flush=True)

    def run_all(self, what, fn, items):
        """fn(item) for each item on the worker pool; raises the first
        failure (after the others finished) naming what failed."""
        items = list(items)
        if not items:
            return 0
        t0 = time.monotonic()
        errors = []
        with ThreadPoolExecutor(max_workers=self.args.workers) as pool:
            futs = {pool.submit(fn, it): it for it in items}
            for f in as_completed(futs):
                try:
                    f.result()
                except Exception as exc:  # noqa: BLE001 - reported below
                    errors.append("%s %r: %s" % (what, futs[f], exc))
        if errors:
            raise SystemExit(
                "awsseed: %d of %d %s failed, first: %s"
                % (len(errors), len(items), what, errors[0])
            )
        self.log(
            "%d %s in %.1f s" % (len(items), what, time.monotonic() - t0)
        )
        return len(items)

    # ---- what is there -------------------------------------------------

    def existing_buckets(self):
        names = [b["Name"] for b in self.s3[self.regions[0]].list_buckets()["Buckets"]]
        return {n for n in names if n.startswith("bench-b-")}

    def existing_sgs(self, region):
        out = []
        pag = self.ec2[region].get_paginator("describe_security_groups")
        for page in pag.paginate():
            out.extend(page["SecurityGroups"])
        return out

    def existing_vpcs(self, region):
        out = {}
        pag = self.ec2[region].get_paginator("describe_vpcs")
        for page in pag.paginate(Filters=[{"Name": "tag-key", "Values": ["bench"]}]):
            for v in page["Vpcs"]:
                for t in v.get("Tags", []):
                    if t["Key"] == "Name":
                        out[t["Value"]] = v["VpcId"]
        return out

    def existing_users(self):
        out = set()
        pag = self.iam.get_paginator("list_users")
        for page in pag.paginate(PathPrefix="/bench/"):
            out.update(u["UserName"] for u in page["Users"])
        return out

    # ---- S3 ------------------------------------------------------------

    def make_bucket(self, i):
        region = self.regions[i % len(self.regions)]
        s3 = self.s3[region]
        name = bucket_name(i, region)
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(
                Bucket=name,
                CreateBucketConfiguration={"LocationConstraint": region},
            )
        if i % 2 == 0:
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            )
        if i % 4 == 1:
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [
                            "arn:aws:s3:::%s" % name,
                            "arn:aws:s3:::%s/*" % name,
                        ],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        if i % 5 == 0:
            s3.put_bucket_versioning(
                Bucket=name, VersioningConfiguration={"Status": "Enabled"}
            )
        if i % 3 == 0:
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "AES256"
                            }
                        }
                    ]
                },
            )

    def seed_buckets(self, n):
        have = self.existing_buckets()
        todo = [
            i
            for i in range(n)
            if bucket_name(i, self.regions[i % len(self.regions)]) not in have
        ]
        return self.run_all("buckets", self.make_bucket, todo)

    # ---- EC2 -----------------------------------------------------------

    def seed_sgs(self, m):
        made = 0
        nreg = len(self.regions)
        per_vpc = self.args.sgs_per_vpc
        for r, region in enumerate(self.regions):
            idx = [i for i in range(m) if i % nreg == r]
            if not idx:
                continue
            ec2 = self.ec2[region]
            vpcs = self.existing_vpcs(region)
            need = sorted({(i // nreg) // per_vpc for i in idx})
            missing = [k for k in need if "bench-vpc-%d" % k not in vpcs]

            def make_vpc(k, ec2=ec2, vpcs=vpcs):
                if k > 255:
                    raise ValueError("more than 256 VPCs: raise --sgs-per-vpc")
                v = ec2.create_vpc(
                    CidrBlock="10.%d.0.0/16" % k,
                    TagSpecifications=[
                        {
                            "ResourceType": "vpc",
                            "Tags": [
                                {"Key": "Name", "Value": "bench-vpc-%d" % k},
                                {"Key": "bench", "Value": "1"},
                            ],
                        }
                    ],
                )
                with self.lock:
                    vpcs["bench-vpc-%d" % k] = v["Vpc"]["VpcId"]

            made += self.run_all("VPCs in " + region, make_vpc, missing)
            have = {g["GroupName"] for g in self.existing_sgs(region)}
            todo = [i for i in idx if sg_name(i) not in have]

            def make_sg(i, ec2=ec2, vpcs=vpcs):
                vpc = vpcs["bench-vpc-%d" % ((i // nreg) // per_vpc)]
                gid = ec2.create_security_group(
                    GroupName=sg_name(i),
                    Description="fourc benchmark group %d" % i,
                    VpcId=vpc,
                )["GroupId"]
                perms = [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 443,
                        "ToPort": 443,
                        "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
                    }
                ]
                if i % 10 == 0:
                    perms.append(
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 22,
                            "ToPort": 22,
                            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                        }
                    )
                if i % 25 == 0:
                    perms.append(
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 3389,
                            "ToPort": 3389,
                            "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                        }
                    )
                if i % 7 == 0:
                    perms.append(
                        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": gid}]}
                    )
                ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=perms)

            made += self.run_all("security groups in " + region, make_sg, todo)
        return made

    # ---- IAM -----------------------------------------------------------

    def policy_arn(self, k):
        return "arn:aws:iam::%s:policy/bench/bench-policy-%d" % (self.account, k)

    def seed_iam_base(self):
        existing = {}
        pag = self.iam.get_paginator("list_policies")
        for page in pag.paginate(Scope="Local", PathPrefix="/bench/"):
            for p in page["Policies"]:
                existing[p["PolicyName"]] = p["Arn"]
        doc = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}
            ],
        }
        for k in range(NPOLICIES):
            name = "bench-policy-%d" % k
            if name not in existing:
                existing[name] = self.iam.create_policy(
                    PolicyName=name, Path="/bench/", PolicyDocument=json.dumps(doc)
                )["Policy"]["Arn"]
        self.account = existing["bench-policy-0"].split(":")[4]
        groups = set()
        for page in self.iam.get_paginator("list_groups").paginate(PathPrefix="/bench/"):
            groups.update(g["GroupName"] for g in page["Groups"])
        for g in range(NGROUPS):
            name = "bench-group-%d" % g
            if name not in groups:
                self.iam.create_group(GroupName=name, Path="/bench/")
                self.iam.attach_group_policy(
                    GroupName=name, PolicyArn=self.policy_arn(g)
                )

    def make_user(self, i):
        name = user_name(i)
        self.iam.create_user(UserName=name, Path="/bench/")
        if i % 2 == 0:
            self.iam.create_access_key(UserName=name)
        if i % 10 == 0:
            self.iam.create_access_key(UserName=name)
            self.iam.create_login_profile(
                UserName=name, Password=PASSWORD, PasswordResetRequired=False
            )
        if i % 3 == 0:
            self.iam.attach_user_policy(
                UserName=name, PolicyArn=self.policy_arn(i % NPOLICIES)
            )
        if i % 5 == 0:
            doc = {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}
                ],
            }
            self.iam.put_user_policy(
                UserName=name, PolicyName="inline", PolicyDocument=json.dumps(doc)
            )
        if i % 4 == 0:
            self.iam.add_user_to_group(
                GroupName="bench-group-%d" % (i % NGROUPS), UserName=name
            )

    def seed_users(self, k):
        self.seed_iam_base()
        have = self.existing_users()
        todo = [i for i in range(k) if user_name(i) not in have]
        return self.run_all("IAM users", self.make_user, todo)

    # ---- reading back --------------------------------------------------

    def expected(self, n, m, k):
        nreg = len(self.regions)
        exp = {
            "buckets": {r: 0 for r in self.regions},
            "security_groups": {r: 0 for r in self.regions},
            "vpcs": {r: 0 for r in self.regions},
            "ingress_rules": {r: 0 for r in self.regions},
            "users": k,
            "access_keys": 0,
            "login_profiles": 0,
            "users_with_policy": {},
        }
        for i in range(n):
            exp["buckets"][self.regions[i % nreg]] += 1
        vpcs = {r: set() for r in self.regions}
        for i in range(m):
            region = self.regions[i % nreg]
            exp["security_groups"][region] += 1
            exp["ingress_rules"][region] += (
                1 + (i % 10 == 0) + (i % 25 == 0) + (i % 7 == 0)
            )
            vpcs[region].add((i // nreg) // self.args.sgs_per_vpc)
        for r in self.regions:
            exp["vpcs"][r] = len(vpcs[r])
        for i in range(k):
            exp["access_keys"] += (i % 2 == 0) + (i % 10 == 0)
            exp["login_profiles"] += i % 10 == 0
            if i % 3 == 0:
                p = "bench-policy-%d" % (i % NPOLICIES)
                exp["users_with_policy"][p] = exp["users_with_policy"].get(p, 0) + 1
        return exp

    def read_back(self):
        got = {
            "buckets": {r: 0 for r in self.regions},
            "security_groups": {},
            "default_security_groups": {},
            "vpcs": {},
            "ingress_rules": {},
        }
        names = self.existing_buckets()
        for b in names:
            region = b.split("-", 3)[3]
            got["buckets"][region] = got["buckets"].get(region, 0) + 1
        # the region each bucket says it is in, for a sample per region
        sample_bad = []
        for r in self.regions:
            for b in sorted(x for x in names if x.endswith("-" + r))[:5]:
                loc = self.s3[r].get_bucket_location(Bucket=b)["LocationConstraint"]
                if (loc or "us-east-1") != r:
                    sample_bad.append("%s in %s" % (b, loc))
        got["bucket_location_mismatches"] = sample_bad
        for r in self.regions:
            sgs = self.existing_sgs(r)
            bench = [g for g in sgs if g["GroupName"].startswith("bench-sg-")]
            got["security_groups"][r] = len(bench)
            got["default_security_groups"][r] = sum(
                1 for g in sgs if g["GroupName"] == "default"
            )
            got["ingress_rules"][r] = sum(len(g["IpPermissions"]) for g in bench)
            got["vpcs"][r] = len(self.existing_vpcs(r))
        users = sorted(self.existing_users())
        got["users"] = len(users)

        def keys(u):
            return len(self.iam.list_access_keys(UserName=u)["AccessKeyMetadata"])

        with ThreadPoolExecutor(max_workers=self.args.workers) as pool:
            got["access_keys"] = sum(pool.map(keys, users))
        report = self.iam.generate_credential_report()
        for _ in range(50):
            if report.get("State") == "COMPLETE":
                break
            time.sleep(0.1)
            report = self.iam.generate_credential_report()
        rows = self.iam.get_credential_report()["Content"].decode().splitlines()
        hdr = rows[0].split(",")
        pw = hdr.index("password_enabled")
        got["login_profiles"] = sum(
            1
            for row in rows[1:]
            if row.startswith("bench-user-") and row.split(",")[pw] == "true"
        )
        got["users_with_policy"] = {}
        for p in range(NPOLICIES):
            ent = self.iam.list_entities_for_policy(
                PolicyArn=self.policy_arn(p), EntityFilter="User"
            )
            if ent["PolicyUsers"]:
                got["users_with_policy"]["bench-policy-%d" % p] = len(ent["PolicyUsers"])
        return got


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--endpoint", required=True, help="moto_server URL")
    ap.add_argument("--buckets", type=int, default=0)
    ap.add_argument("--sgs", type=int, default=0)
    ap.add_argument("--users", type=int, default=0)
    ap.add_argument(
        "--regions",
        default="us-east-1,eu-west-1",
        type=lambda s: [r for r in s.split(",") if r],
    )
    ap.add_argument("--sgs-per-vpc", type=int, default=250)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--verify", action="store_true", help="read counts back")
    ap.add_argument("--verify-only", action="store_true", help="make nothing")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    sd = Seeder(args)
    out = {"endpoint": args.endpoint, "regions": args.regions}
    t0 = time.monotonic()
    if not args.verify_only:
        made = {}
        t = time.monotonic()
        made["buckets"] = sd.seed_buckets(args.buckets)
        made["buckets_s"] = round(time.monotonic() - t, 2)
        t = time.monotonic()
        made["security_groups_and_vpcs"] = sd.seed_sgs(args.sgs)
        made["security_groups_s"] = round(time.monotonic() - t, 2)
        t = time.monotonic()
        made["users"] = sd.seed_users(args.users)
        made["users_s"] = round(time.monotonic() - t, 2)
        out["made"] = made
        out["seed_requests"] = sd.requests
        out["seed_seconds"] = round(time.monotonic() - t0, 2)
    rc = 0
    if args.verify or args.verify_only:
        if sd.account is None:
            # the account id, as the caller sees it
            sd.account = sd.sts.get_caller_identity()["Account"]
        t = time.monotonic()
        got = sd.read_back()
        exp = sd.expected(args.buckets, args.sgs, args.users)
        bad = []
        for key, want in exp.items():
            if got.get(key) != want:
                bad.append("%s: want %s, got %s" % (key, want, got.get(key)))
        if got["bucket_location_mismatches"]:
            bad.append("bucket locations: %s" % got["bucket_location_mismatches"])
        out["found"] = got
        out["verify_seconds"] = round(time.monotonic() - t, 2)
        out["verified"] = not bad
        if bad:
            out["mismatches"] = bad
            rc = 1
    print(json.dumps(out, sort_keys=True))
    return rc


if __name__ == "__main__":
    sys.exit(main())
