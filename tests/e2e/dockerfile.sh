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

# The effective user, as runc and containerd read it: never a pass for a
# root spelled differently; an error, with the reason, when it cannot be
# known.
mkdir -p users
printf 'FROM alpine:3.20\nUSER +0\n' >users/plus0.Dockerfile
printf 'FROM alpine:3.20\nUSER 4294967296:1000\n' >users/wrap.Dockerfile
printf 'FROM alpine:3.20\nUSER ${APP_USER:-root}\n' >users/default.Dockerfile
{
    printf 'FROM alpine:3.20\nUSER '
    i=0; while [ $i -lt 20 ]; do printf '${U:-'; i=$((i + 1)); done
    printf '10001'
    i=0; while [ $i -lt 20 ]; do printf '}'; i=$((i + 1)); done
    printf '\n'
} >users/deep.Dockerfile
printf 'FROM alpine:3.20\nARG UID=10001\nUSER ${UID}\n' >users/ok.Dockerfile
expect_exit 0 "Dockerfiles whose USER is root in disguise" \
    "$FOURC" scan --db users.db --dockerfile users --format json -o users.json
for f in plus0 wrap default; do
    jq_ok "USER of $f.Dockerfile is root: fail, with the reason" users.json \
        '[(f["status"], "root" in f["message"]) for f in F(rule="DOCKER-USER-NONROOT") if f["resource"]["name"].endswith(A[0])] == [("fail", True)]' "/$f.Dockerfile"
done
jq_ok "defaults nested past the substitution depth: error, not pass" users.json \
    '[(f["status"], "cannot be evaluated" in f["message"]) for f in F(rule="DOCKER-USER-NONROOT") if f["resource"]["name"].endswith("/deep.Dockerfile")] == [("error", True)]'
jq_ok "a build argument's non-root default passes" users.json \
    '[f["status"] for f in F(rule="DOCKER-USER-NONROOT") if f["resource"]["name"].endswith("/ok.Dockerfile")] == ["pass"]'

# Bounds: hostile Dockerfiles beside a good one. Each is one error naming
# file:line and the limit, in bounded time and memory; the good one is
# still judged.
mkdir -p bombs
cp "$DF/good/Dockerfile" bombs/Dockerfile
"$PYTHON" - bombs <<'PYEOF'
import sys
d = sys.argv[1]
# ~1 KB: each line doubles the value (2^60 bytes unbounded)
open(d + "/double.Dockerfile", "w").write(
    "FROM alpine:3.20\nENV A=0123456789abcdef\n" + "ENV A=$A$A\n" * 60)
# 2M instructions (12 MB)
open(d + "/many.Dockerfile", "w").write("FROM alpine:3.20\n" + "RUN x\n" * 2000000)
# 40k stages, each FROM the one before and COPY --from an earlier one,
# each adding an ENV its children inherit
open(d + "/stages.Dockerfile", "w").write(
    "FROM alpine:3.20 AS s0\n" + "".join(
        "FROM s%d AS s%d\nENV V%d=x\nCOPY --from=s%d /a /b\n" % (i, i + 1, i, i // 2)
        for i in range(40000)))
# 40k stages without ENV: the instruction cap
open(d + "/stages-plain.Dockerfile", "w").write(
    "FROM alpine:3.20 AS s0\n" + "".join(
        "FROM s%d AS s%d\n" % (i, i + 1) for i in range(40000)))
PYEOF
RC=0
timeout 60 /usr/bin/time -f '%M' -o bombs.mem "$FOURC" scan --db bombs.db --dockerfile bombs \
    --format json -o bombs.json >"$OUT" 2>"$ERR" || RC=$?
check_eq "the hostile Dockerfiles are scanned within 60 s (exit 0)" 0 "$RC"
# about 100 MB here (450 MB under ASan); unbounded, the doubling alone
# passes 7 GB
check "... with peak memory < 600 MB ($(tail -n 1 bombs.mem) KB)" \
    test "$(tail -n 1 bombs.mem)" -lt 614400
jq_ok "doubling substitution: an error naming file:line and the 32 MiB limit" bombs.json \
    '[(f["status"], f["resource"]["source"]) for f in F(rule="FOURC-CONTAINER-INPUT") if "double.Dockerfile" in f["resource"]["source"] and "more than 32 MiB of values (limit)" in f["message"]] == [("error", A[0] + "/double.Dockerfile:21")]' "bombs"
jq_ok "2M instructions: an error naming file:line and the 10000 limit" bombs.json \
    '[f["status"] for f in F(rule="FOURC-CONTAINER-INPUT") if f["resource"]["source"] == "bombs/many.Dockerfile:10001" and "more than 10000 instructions (limit)" in f["message"]] == ["error"]'
jq_ok "40k stages copying their ENV: an error naming the limit" bombs.json \
    '[f["status"] for f in F(rule="FOURC-CONTAINER-INPUT") if f["resource"]["source"].startswith("bombs/stages.Dockerfile:") and "MiB of values (limit)" in f["message"]] == ["error"]'
jq_ok "40k plain stages: the instruction limit" bombs.json \
    '[f["status"] for f in F(rule="FOURC-CONTAINER-INPUT") if f["resource"]["source"].startswith("bombs/stages-plain.Dockerfile:") and "instructions (limit)" in f["message"]] == ["error"]'
jq_ok "the good Dockerfile beside them was still judged" bombs.json \
    'len([f for f in F(kind="code/Dockerfile") if f["status"] == "pass"]) >= 20'
rm -f bombs/*.Dockerfile
# 5000 stages (the most the instruction cap allows), each resolving
# stage names: linear, a few seconds at most.
"$PYTHON" -c '
import sys
open(sys.argv[1], "w").write("FROM alpine:3.20 AS s0\n" + "".join(
    "FROM s%d AS s%d\nCOPY --from=S%d /a /b\n" % (i, i + 1, i // 2) for i in range(4999)))
' stages5k.Dockerfile
RC=0
timeout 20 "$FOURC" scan --db st.db --dockerfile stages5k.Dockerfile -q >"$OUT" 2>"$ERR" || RC=$?
check_eq "5000 stages resolving each other by name scan within 20 s" 0 "$RC"

# Every rule of the pack against its fixtures (Dockerfiles), and lint.
expect_exit 0 "rules test on the cis-docker pack" \
    "$FOURC" rules test "$TOP_SRCDIR/checks/rules/cis-docker"
ndocker=$(cat "$TOP_SRCDIR"/checks/rules/cis-docker/*.yaml | grep -c '^- id:')
expect_stdout_match "^$ndocker rules tested, 0 problems\$" "every cis-docker rule ($ndocker) passes its fixtures (Dockerfiles and OCI images)"
expect_exit 0 "rules lint on the cis-docker pack" \
    "$FOURC" rules lint "$TOP_SRCDIR/checks/rules/cis-docker"

e2e_finish
