#!/bin/sh
# End-to-end: secrets are never stored, printed or reported. A distinct
# canary, each a plausible credential for its slot, is planted in every
# place a credential hides: Kubernetes command/args/env (a number too),
# ConfigMap files, a kubeconfig, a YAML error, Dockerfile RUN/ENV/ARG/
# LABEL/HEALTHCHECK/CMD and heredocs, a broken Dockerfile line, an image's
# Cmd/Entrypoint/Healthcheck/Env/history. Each scan is rendered in every
# format, then no canary may appear in the database (strings, and its
# -wal), any report, or any command's stdout and stderr. The objects the
# canaries were in must still be there, redaction markers in their place,
# so the test cannot pass because nothing was scanned.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

if ! command -v strings >/dev/null 2>&1; then
    echo "not ok - strings (binutils) is needed (dev/deps installs it)"
    exit 1
fi
MKOCI="$PYTHON $TOP_SRCDIR/tests/tools/mkoci.py"
mkdir -p k8s df img logs

# --- Kubernetes --------------------------------------------------------------
cat >k8s/pod.yaml <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: canary-pod
  namespace: apps
spec:
  containers:
    - name: db-client
      image: mysql:8.0.36
      command: ["mysql", "-uroot", "-pCnryMysqlP7f3a01", "-h", "db"]
      args: ["--db-password", "CnryDbPass7f3a02", "--mode=batch"]
      env:
        - name: DB_PASSWORD
          value: 738194620531
        - name: JAVA_OPTS
          value: "-Xmx1g -Ddb.password=CnryJavaOpt7f3a10"
        - name: LOG_LEVEL
          value: debug
    - name: shell
      image: alpine:3.19
      command:
        - sh
        - -c
        - >-
          curl -u admin:CnryCurlU7f3a03 https://api.example.com/ &&
          export AWS_SECRET_ACCESS_KEY=CnryAwsSk7f3a05 &&
          DB_TOKEN=CnryInlTok7f3a06 ./start --token CnryTokFlag7f3a07 &&
          sshpass -p CnrySshp7f3a08 ssh backup@host &&
          htpasswd -b -c /etc/nginx/htpasswd admin CnryHtpw7f3a09
      args: ["--url=https://app:CnryUrlPw7f3a04@db.example.com/app"]
EOF
cat >k8s/cm.yaml <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: canary-config
  namespace: apps
data:
  app.properties: |
    db.url=jdbc:mysql://db:3306/app
    db.password=CnryProps7f3a11
    pool.size=10
  .env: |
    DEBUG=1
    API_TOKEN=CnryDotEnv7f3a12
  config.json: |
    {
      "user": "app",
      "password": "CnryJson7f3a13"
    }
---
apiVersion: v1
kind: Secret
metadata:
  name: canary-secret
  namespace: apps
stringData:
  password: CnrySecret7f3a20
EOF
cat >k8s/kubeconfig.yaml <<'EOF'
apiVersion: v1
kind: Config
current-context: prod
clusters:
  - name: prod
    cluster:
      server: https://prod.example.com:6443
contexts:
  - name: prod
    context: {cluster: prod, user: admin}
users:
  - name: admin
    user:
      token: CnryKcTok7f3a14
      client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
      client-key-data: CnryKcKey7f3a15
  - name: basic
    user:
      username: admin
      password: CnryKcPw7f3a16
  - name: oidc
    user:
      auth-provider:
        name: oidc
        config:
          client-id: kubernetes
          id-token: CnryKcIdt7f3a17
          refresh-token: CnryKcRft7f3a37
  - name: exec
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: vault-helper
        args: ["--vault-token", "CnryKcArg7f3a38"]
        env:
          - name: VAULT_ADDR_SECRET
            value: CnryKcExec7f3a18
EOF
cat >k8s/bad.yaml <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: typed
data:
  password: !!int CnryYamlInt7f3a19
EOF
printf '{"apiVersion": "v1", "kind": "Secret", "data": {"password": CnryJsonBad7f3a39}}\n' >k8s/bad.json

# --- Dockerfiles ---------------------------------------------------------------
cat >df/Dockerfile <<'EOF'
FROM debian:12.5
ARG GITHUB_TOKEN=CnryDfArg7f3a23
ENV JAVA_OPTS="-Xmx1g -Dspring.datasource.password=CnryDfEnv7f3a22"
LABEL source="https://bot:CnryDfLbl7f3a26@git.example.com/app.git"
RUN mysql -uroot -pCnryDfRun7f3a21 -e 'select 1'
RUN <<EOS
set -e
export DB_PASSWORD=CnryDfHd7f3a27
./migrate
EOS
HEALTHCHECK CMD curl -f -u admin:CnryDfHc7f3a24 http://localhost/
ADD https://deploy:CnryDfAdd7f3a40@files.example.com/app.tgz /opt/
USER app
CMD ["app", "--api-key", "CnryDfCmd7f3a25"]
EOF
mkdir -p df/broken
cat >df/broken/Dockerfile <<'EOF'
FROM debian:12.5
RUN mysql -u root
  -pCnryDfBad7f3a28 app
EOF

# --- an image ------------------------------------------------------------------
cat >img/spec.json <<'EOF'
{"tag": "latest",
 "config": {"User": "app",
            "Env": ["PATH=/usr/bin:/bin", "AUTH_TOKEN=CnryImgEnv7f3a32",
                    "JAVA_OPTS=-Ddb.password=CnryImgEnv7f3a33"],
            "Cmd": ["mysql", "-pCnryImgCmd7f3a29"],
            "Entrypoint": ["/bin/sh", "-c",
                           "curl -u u:CnryImgEp7f3a30 http://x/ && exec \"$@\""],
            "Healthcheck": {"Test": ["CMD-SHELL",
                            "wget --password=CnryImgHc7f3a31 -qO- http://localhost/"]}},
 "history": ["/bin/sh -c sshpass -p CnryImgHist7f3a34 scp a b:",
             "RUN /bin/sh -c git clone https://u:CnryImgHist7f3a35@github.com/x # buildkit",
             "weird-builder --token CnryImgHist7f3a36 step"],
 "layers": [{"compress": "gzip",
             "files": [{"path": "etc/passwd",
                        "content": "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"}]}]}
EOF
check "mkoci.py wrote the image" $MKOCI img/spec.json img/oci

# --- scans and reports -----------------------------------------------------------
n=0
# logged DB ARGS...: runs fourc (as run does) and keeps its stdout and stderr.
logged() {
    n=$((n + 1))
    run "$FOURC" "$@"
    cp "$OUT" "logs/$n.out"
    cp "$ERR" "logs/$n.err"
}
logged scan --db k8s.db --manifests k8s --format json -o k8s.json
check "scan of the manifests ran (exit $RC)" test "$RC" -le 1
logged scan --db df.db --dockerfile df --format json -o df.json
check "scan of the Dockerfiles ran (exit $RC)" test "$RC" -le 1
logged scan --db img.db --image oci:img/oci:latest --format json -o img.json
check "scan of the image ran (exit $RC)" test "$RC" -le 1
# The summary and progress on stderr, the report on stdout, too.
logged scan --db all.db --manifests k8s --dockerfile df --image oci:img/oci:latest
mkdir -p reports
for db in k8s df img all; do
    for f in json html sarif junit csv markdown; do
        logged report --db $db.db --format $f -o "reports/$db.$f"
        check "report --db $db.db --format $f" test "$RC" -le 1 -a -s "reports/$db.$f"
        logged report --db $db.db --format $f
    done
done

# --- the objects are there, their secrets replaced --------------------------------
q() { "$PYTHON" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print("\n".join("|".join(str(x) for x in r) for r in c.execute(sys.argv[2])))' "$1" "$2"; }
doc() { q "$1" "select doc from resources where kind='$2' and name='$3'"; }
has_marker() { printf "%s" "$1" | grep -qF -- "$2[redacted: "; }

pod=$(doc k8s.db k8s/Pod canary-pod)
check "the Pod is stored, -p's value redacted" has_marker "$pod" '"-p'
check "... --db-password's next argument redacted" has_marker "$pod" '"'
check "... the URL keeps scheme, user and host" \
    sh -c 'printf "%s" "$1" | grep -q "https://app:\[redacted: [0-9]* bytes, sha256:[0-9a-f]*\]@db.example.com"' - "$pod"
check "... curl -u keeps the user" has_marker "$pod" 'admin:'
check "... export keeps the name" has_marker "$pod" 'AWS_SECRET_ACCESS_KEY='
check "... the numeric DB_PASSWORD is replaced, not dropped" \
    sh -c 'printf "%s" "$1" | grep -q "\"DB_PASSWORD\", *\"value\": *\"\[redacted: 12 bytes"' - "$pod"
check "... JAVA_OPTS keeps -Xmx1g and the property name" has_marker "$pod" '-Xmx1g -Ddb.password='
check "... LOG_LEVEL is untouched" sh -c 'printf "%s" "$1" | grep -q "\"debug\""' - "$pod"
cm=$(doc k8s.db k8s/ConfigMap canary-config)
check "the ConfigMap is stored, db.password's value redacted" has_marker "$cm" 'db.password='
check "... the other properties are kept" sh -c 'printf "%s" "$1" | grep -q "pool.size=10"' - "$cm"
check "... the .env line and the JSON member too" \
    sh -c 'printf "%s" "$1" | grep -q "API_TOKEN=\[redacted" && printf "%s" "$1" | grep -q "password.*: .*\[redacted"' - "$cm"
kc=$(q k8s.db "select doc from resources where kind='k8s/Config'")
check "the kubeconfig is stored, the client certificate kept" \
    sh -c 'printf "%s" "$1" | grep -q "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"' - "$kc"
check "... with six values redacted" \
    test "$(printf '%s' "$kc" | grep -o '\[redacted: ' | wc -l)" -ge 6
jq_ok "bad.yaml is an error finding naming the key and the tag" k8s.json \
    'any(f["status"] == "error" and "bad.yaml:6" in f["message"] and "\"password\"" in f["message"] and "!!int" in f["message"] for f in FS)'
jq_ok "bad.json is an error finding" k8s.json \
    'any(f["status"] == "error" and "bad.json" in f["message"] for f in FS)'
df=$(q df.db "select doc from resources where kind='code/Dockerfile' and name='df/Dockerfile'")
check "the Dockerfile is stored, RUN's -p value redacted" has_marker "$df" 'mysql -uroot -p'
check "... and the heredoc's export" has_marker "$df" 'DB_PASSWORD='
check "... and HEALTHCHECK's curl -u" has_marker "$df" 'admin:'
check "... and ADD's URL, in raw and in sources" \
    test "$(printf '%s' "$df" | grep -o 'https://deploy:\[redacted: ' | wc -l)" -ge 2
check "... and CMD's --api-key" has_marker "$df" '"'
check "... ENV keeps -Xmx1g and the property" has_marker "$df" '-Xmx1g -Dspring.datasource.password='
jq_ok "the broken Dockerfile is an error finding with its line" df.json \
    'any(f["status"] == "error" and "broken/Dockerfile:3" in f["message"] for f in FS)'
im=$(q img.db "select doc from resources where kind='image/Config'")
check "the image config is stored, Cmd's -p redacted" has_marker "$im" '"-p'
check "... Entrypoint's curl -u and Healthcheck's --password=" \
    sh -c 'printf "%s" "$1" | grep -q "u:\[redacted" && printf "%s" "$1" | grep -q "password=\[redacted"' - "$im"
check "... history: sshpass, the clone URL and an unparsed line" \
    sh -c 'printf "%s" "$1" | grep -q "sshpass -p \[redacted" && printf "%s" "$1" | grep -q "https://u:\[redacted" && printf "%s" "$1" | grep -q "weird-builder --token \[redacted"' - "$im"
jq_ok "the image's findings are there (AUTH_TOKEN fails by name)" img.json \
    'any(f["rule"] == "DOCKER-IMAGE-ENV-SECRETS" and f["status"] == "fail" for f in FS)'

# --- no canary anywhere -------------------------------------------------------------
CANARIES="CnryMysqlP7f3a01 CnryDbPass7f3a02 CnryCurlU7f3a03 CnryUrlPw7f3a04
CnryAwsSk7f3a05 CnryInlTok7f3a06 CnryTokFlag7f3a07 CnrySshp7f3a08 CnryHtpw7f3a09
738194620531 CnryJavaOpt7f3a10 CnryProps7f3a11 CnryDotEnv7f3a12 CnryJson7f3a13
CnryKcTok7f3a14 CnryKcKey7f3a15 CnryKcPw7f3a16 CnryKcIdt7f3a17 CnryKcRft7f3a37
CnryKcArg7f3a38 CnryKcExec7f3a18 CnryYamlInt7f3a19 CnryJsonBad7f3a39
CnrySecret7f3a20 CnryDfRun7f3a21 CnryDfEnv7f3a22 CnryDfArg7f3a23 CnryDfHc7f3a24
CnryDfCmd7f3a25 CnryDfLbl7f3a26 CnryDfHd7f3a27 CnryDfBad7f3a28 CnryImgCmd7f3a29
CnryImgEp7f3a30 CnryImgHc7f3a31 CnryImgEnv7f3a32 CnryImgEnv7f3a33
CnryImgHist7f3a34 CnryImgHist7f3a35 CnryImgHist7f3a36 CnryDfAdd7f3a40"
# The inputs hold every canary: the grep below can find them.
cat k8s/* df/Dockerfile df/broken/Dockerfile img/spec.json >inputs.txt
missing=
for c in $CANARIES; do grep -q "$c" inputs.txt || missing="$missing $c"; done
check_eq "every canary is planted in an input" "" "$missing"
for db in k8s df img all; do
    strings -a $db.db >>dbstrings.txt
    [ -f $db.db-wal ] && strings -a $db.db-wal >>dbstrings.txt
done
# no_canary DESC FILE...: none of the canaries is in any FILE.
no_canary() {
    _d=$1
    shift
    _found=
    for c in $CANARIES; do
        _in=$(grep -al "$c" "$@" | tr '\n' ' ')
        [ -n "$_in" ] && _found="$_found $c (in $_in)"
    done
    if [ -z "$_found" ]; then
        ok "$_d"
    else
        not_ok "$_d"
        diag "found:$_found"
    fi
}
no_canary "no canary in the databases (strings, -wal files)" dbstrings.txt
no_canary "no canary in the scans' JSON reports" k8s.json df.json img.json
for f in json html sarif junit csv markdown; do
    no_canary "no canary in the $f reports" reports/*.$f
done
no_canary "no canary on any command's stdout" logs/*.out
no_canary "no canary on any command's stderr" logs/*.err
e2e_finish
