#!/bin/sh
# End-to-end: fourc scan --dockerfile (the Dockerfile part of the container
# pillar) on the bundled examples and on bad input.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

DF=$TOP_SRCDIR/examples/dockerfiles
SCHEMA=$TOP_SRCDIR/docs/report.schema.json

expect_exit 0 "scan of examples/dockerfiles" \
    "$FOURC" scan --db df.db --dockerfile "$DF" --format json -o df.json
cp "$OUT" scan.out
cp "$ERR" scan.err

jq_ok "the report validates against docs/report.schema.json" df.json \
    '__import__("jsonschema").Draft202012Validator(json.load(open(A[0]))).is_valid(r)' "$SCHEMA"
jq_ok "two code/Dockerfile resources, sources file:1" df.json \
    'sorted(set((f["resource"]["name"].split("/")[-2], f["resource"]["source"].endswith("Dockerfile:1")) for f in F(kind="code/Dockerfile"))) == [("good", True), ("legacy", True)]'
jq_ok "the good Dockerfile passes every automated container rule" df.json \
    'all(f["status"] == "pass" for f in FS if f["resource"]["kind"] == "code/Dockerfile" and "/good/" in f["resource"]["name"]) and len([f for f in FS if "/good/" in f["resource"]["name"]]) >= 20'
for rule in DOCKER-USER-NONROOT DOCKER-SECRETS-ENV-ARG-LABEL DOCKER-CURL-PIPE-SHELL \
            DOCKER-FROM-TAG DOCKER-NO-MAINTAINER DOCKER-COPY-NOT-ADD DOCKER-UPDATE-ALONE \
            DOCKER-NO-EXPOSE-SSH DOCKER-WORKDIR-ABSOLUTE DOCKER-RUN-NO-CD DOCKER-VOLUME-SENSITIVE \
            DOCKER-HEALTHCHECK; do
    jq_ok "legacy Dockerfile fails $rule" df.json \
        '[f["status"] for f in F(rule=A[0]) if "/legacy/" in f["resource"]["name"]] == ["fail"]' "$rule"
done
jq_ok "CIS Docker 4.2-4.5 are listed as manual, once per target" df.json \
    'sorted(f["rule"] for f in FS if f["status"] == "manual") == ["DOCKER-BASE-TRUSTED", "DOCKER-CONTENT-TRUST", "DOCKER-MINIMAL-PACKAGES", "DOCKER-SCAN-REBUILD"]'
jq_ok "no Kubernetes rule runs on a Dockerfile scan" df.json \
    'not [f for f in FS if f["rule"].startswith("K8S-")]'

# The planted (fake) credential never leaves the collector.
secret=fake-password-do-not-use
if grep -q "$secret" "$DF/legacy/Dockerfile" &&
    ! grep -q "$secret" df.json scan.out scan.err && ! grep -aq "$secret" df.db df.db-wal 2>/dev/null; then
    ok "the ENV password of the legacy Dockerfile is in no report, output or database"
else
    not_ok "the ENV password of the legacy Dockerfile is in no report, output or database"
fi
printf 'FROM alpine:3.20\nENV GH_URL=https://x:ghp_abcdefabcdefabcdef1234567890abcd@github.com/o/r\n' >Dockerfile.valuesecret
run "$FOURC" scan --db vs.db --dockerfile Dockerfile.valuesecret --format json -o vs.json
if ! grep -q ghp_abcdef vs.json && ! grep -aq ghp_abcdef vs.db vs.db-wal 2>/dev/null; then
    ok "a credential recognised by its value (token in a URL) is redacted too"
else
    not_ok "a credential recognised by its value (token in a URL) is redacted too"
fi

# Bad input: an error finding naming file:line, the scan goes on.
mkdir -p bad
cp "$DF/good/Dockerfile" bad/Dockerfile
printf 'FROM alpine:3.20\nRUNN echo hi\n' >bad/broken.Dockerfile
expect_exit 0 "a directory with a broken Dockerfile still scans" \
    "$FOURC" scan --db bad.db --dockerfile bad --format json -o bad.json
expect_stderr_match 'broken\.Dockerfile:2: unknown instruction RUNN' "one warning names file:line"
jq_ok "the broken file is an error finding of FOURC-CONTAINER-INPUT naming file:line" bad.json \
    '[(f["status"], f["resource"]["source"].endswith("broken.Dockerfile:2")) for f in F(rule="FOURC-CONTAINER-INPUT")] == [("error", True)]'
jq_ok "the good Dockerfile beside it was still judged" bad.json \
    'len([f for f in F(kind="code/Dockerfile") if f["status"] == "pass"]) >= 20'
expect_exit 1 "--fail-on critical trips on the unreadable Dockerfile" \
    "$FOURC" scan --db bad.db --dockerfile bad/broken.Dockerfile --fail-on critical -q
mkdir -p empty
expect_exit 1 "a directory without any Dockerfile is an error finding, not a clean scan" \
    "$FOURC" scan --db empty.db --dockerfile empty --fail-on critical -q
expect_exit 2 "a --dockerfile path that does not exist is a usage error" \
    "$FOURC" scan --db nope.db --dockerfile does/not/exist
expect_one_error_line "the usage error is one line"

# Every rule of the pack against its fixtures (Dockerfiles), and lint.
expect_exit 0 "rules test on the cis-docker pack" \
    "$FOURC" rules test "$TOP_SRCDIR/checks/rules/cis-docker"
ndocker=$(cat "$TOP_SRCDIR"/checks/rules/cis-docker/*.yaml | grep -c '^- id:')
expect_stdout_match "^$ndocker rules tested, 0 problems\$" "every cis-docker rule ($ndocker) passes its fixtures (Dockerfiles and OCI images)"
expect_exit 0 "rules lint on the cis-docker pack" \
    "$FOURC" rules lint "$TOP_SRCDIR/checks/rules/cis-docker"

e2e_finish
