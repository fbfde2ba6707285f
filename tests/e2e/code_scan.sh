#!/bin/sh
# code_scan.sh: `fourc scan --code` on a real git repository made here
# (a secret added then removed, a merge, a rename), its working tree
# walked as git sees it, its history with --git-history, and the same
# repository served by a real `git daemon` on 127.0.0.1.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

if ! command -v git >/dev/null 2>&1; then
    echo "# git is needed (dev/deps installs it)" >&2
    exit 77
fi

# planted values (fake, but of the AWS access key id format)
S_OLD=AKIA2E7HQXWJ5KD3LPRV  # committed, renamed, then removed
S_TWICE=AKIAZ6RNT4UYB7MQ3WCE # in the tree twice
S_IGN=AKIAH5DJ2KW7XPQ3LMZN   # only in a .gitignore'd file
S_BIN=AKIAW3XK7RTZQ2MB5NHD   # only in a binary file
export GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=t@example.com
export GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=t@example.com
export GIT_CONFIG_NOSYSTEM=1 HOME=$T
git config --global init.defaultBranch main
git config --global protocol.file.allow always
mkdir tmp
export TMPDIR=$T/tmp

commit() { # DATE MESSAGE
    GIT_AUTHOR_DATE=$1 GIT_COMMITTER_DATE=$1 git -C repo commit -qm "$2"
}

git init -q repo
printf '# shop\n' >repo/README.md
printf 'import os\nKEY = "%s"\n' "$S_OLD" >repo/config.py
git -C repo add . && commit 2021-03-04T05:06:07+00:00 "config with a key"
OLD_COMMIT=$(git -C repo rev-parse HEAD)
git -C repo checkout -qb feature
printf 'feature\n' >repo/feature.txt
git -C repo add . && commit 2021-03-05T00:00:00+00:00 "feature"
git -C repo checkout -q main
printf 'main\n' >repo/main.txt
git -C repo add . && commit 2021-03-06T00:00:00+00:00 "main work"
GIT_AUTHOR_DATE=2021-03-07T00:00:00+00:00 GIT_COMMITTER_DATE=2021-03-07T00:00:00+00:00 \
    git -C repo merge -q --no-edit feature
git -C repo mv config.py settings.py
commit 2021-03-08T00:00:00+00:00 "rename config.py"
printf 'import os\nKEY = os.environ["KEY"]\n' >repo/settings.py
mkdir -p repo/b repo/deploy
printf 'key_id = "%s"\n' "$S_TWICE" >repo/a.py
printf 'x = 1\n\n  other = "%s"\n' "$S_TWICE" >repo/b/c.py
printf 'ignored.env\n' >repo/.gitignore
printf 'KEY=%s\n' "$S_IGN" >repo/ignored.env
cat >repo/deploy/pod.yaml <<'YAML'
# the web pod
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.25
      securityContext:
        privileged: true
YAML
printf 'name: not kubernetes\nitems: [1, 2]\n' >repo/deploy/values.yaml
printf 'FROM debian:12\nRUN true\nUSER root\n' >repo/Dockerfile
printf 'bin\0ary %s\n' "$S_BIN" >repo/blob.bin
mkdir -p repo/.github/workflows
cat >repo/.github/workflows/ci.yml <<'YAML'
on: push
permissions: {contents: read}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: tj-actions/changed-files@v44
YAML
git -C repo add -A && commit 2021-03-09T00:00:00+00:00 "key from the environment"
# not committable: a FIFO and a symlink loop
mkfifo repo/pipe
ln -s loop-b repo/loop-a
ln -s loop-a repo/loop-b
ln -s /etc/passwd repo/outside

# --- the working tree ---------------------------------------------------------
expect_exit 1 "scan --code repo: the secret fails (exit 1 with --fail-on high)" \
    "$FOURC" scan --db t.db --code repo --fail-on high --format json -o tree.json
cp "$OUT" tree.out
cp "$ERR" tree.err
jq_assert "one code/Secret for the value planted twice, with both locations" tree.json '
S = [f for f in F(rule="CODE-SECRET")]
print([(f["status"], f["message"]) for f in S])
OK = len(S) == 1 and S[0]["status"] == "fail" and "2 location(s)" in S[0]["message"] \
    and S[0]["resource"]["source"] == "repo/a.py:1" \
    and S[0]["resource"]["kind"] == "code/Secret" \
    and S[0]["resource"]["uid"].startswith("code/Secret/aws-access-key-id/")'
jq_ok "the .gitignore'd, binary and removed values are not secrets of the tree" tree.json \
    'not [f for f in FS if f["resource"]["kind"] == "code/Secret" and "2 location(s)" not in f["message"]]'
jq_assert "the pod in the tree is judged by the cluster rules at repo/deploy/pod.yaml" tree.json '
P = F(rule="K8S-WL-PRIVILEGED", name="web")
print([(f["status"], f["resource"]["source"]) for f in P])
OK = [(f["status"], f["resource"]["source"]) for f in P] == [("fail", "repo/deploy/pod.yaml:2")]'
jq_assert "the Dockerfile in the tree is judged by the container rules at repo/Dockerfile" tree.json '
D = F(rule="DOCKER-USER-NONROOT")
print([(f["status"], f["resource"]["source"]) for f in D])
OK = [f["status"] for f in D] == ["fail"] and D[0]["resource"]["source"].startswith("repo/Dockerfile:")'
jq_ok "YAML that is not Kubernetes is no error" tree.json 'not F(status="error")'
jq_ok "a GitHub workflow in the tree is a code/Workflow judged at its file" tree.json \
    '[(f["status"], f["resource"]["source"]) for f in F(rule="CODE-GHA-UNPINNED-ACTION")] == [("fail", "repo/.github/workflows/ci.yml:1")]'
check "a FIFO is skipped and counted" grep -q 'Skipped 1 path: not a regular file' tree.out
check "a symlink loop is skipped and counted" grep -q 'Skipped 2 paths: symlink loop' tree.out
check "a symlink out of the tree is skipped and counted" \
    grep -q 'Skipped 1 path: symlink leading out of the scanned tree' tree.out
check "a binary file is skipped and counted" grep -q 'Skipped 1 path: binary file' tree.out
check ".git is not walked" sh -c "! grep -q '\.git/' tree.err"

# the same findings as the manifests and dockerfile collectors give alone
fourc scan --db direct.db --manifests repo/deploy/pod.yaml --dockerfile repo/Dockerfile \
    --format json -o direct.json
jq_assert "the K8S and DOCKER findings are those of --manifests and --dockerfile" tree.json '
d = json.load(open(A[0]))
def rs(fs): return sorted((f["rule"], f["status"], f["resource"]["source"]) for f in fs
                          if f["rule"].startswith(("K8S-", "DOCKER-")) and f["resource"]["kind"] != "fourc/Target")
a, b = rs(FS), rs(d["findings"])
print(len(a), len(b), set(a) ^ set(b))
OK = a == b and len(a) > 10' direct.json

# a malformed workflow is an error finding at its line; the rest is scanned
mkdir -p bad/.github/workflows
printf 'on: push\njobs:\n  b:\n    steps:\n      - run: a\n     - run: b\n' >bad/.github/workflows/x.yml
printf 'k = "%s"\n' "$S_TWICE" >bad/k.py
fourc scan --db bad.db --code bad --format json -o bad.json
jq_ok "a malformed workflow: one FOURC-CODE-INPUT error naming it; the secret beside it found" bad.json \
    '[(f["rule"], "x.yml" in f["message"] + f["resource"]["source"]) for f in F(status="error")] == [("FOURC-CODE-INPUT", True)] and len(F(rule="CODE-SECRET")) == 1'

# --- the history -------------------------------------------------------------------
fourc scan --db t.db --code repo --git-history --format json -o hist.json
sql_doc() {
    "$PYTHON" -c 'import sqlite3, sys, json
db = sqlite3.connect(sys.argv[1])
for (d,) in db.execute("SELECT doc FROM resources WHERE kind = ?", ("code/Secret",)):
    print(d)' "$1" 2>/dev/null
}
jq_assert "--git-history: the removed secret names its first commit, author date and path" hist.json '
S = F(rule="CODE-SECRET")
print([(f["status"], f["message"]) for f in S])
rm = [f for f in S if "removed from the working tree" in f["message"]]
OK = len(S) == 2 and len(rm) == 1 and rm[0]["resource"]["source"] == A[0][:12] + ":config.py:2"' "$OLD_COMMIT"
run "$FOURC" report --db t.db --scan latest --format json -o hist2.json
"$PYTHON" - "$OLD_COMMIT" >hist-doc.out 2>&1 <<'PY'
import sqlite3, sys, json
db = sqlite3.connect("t.db")
cols = [r[1] for r in db.execute("PRAGMA table_info(resources)")]
docs = []
for row in db.execute("SELECT * FROM resources"):
    r = dict(zip(cols, row))
    if r.get("kind") == "code/Secret":
        docs.append(json.loads(r["doc"]))
old = [d for d in docs if d.get("removed")]
ok = False
for d in old:
    for loc in d["locations"]:
        if loc.get("commit") == sys.argv[1] and loc.get("author_date") == "2021-03-04T05:06:07+00:00" \
                and loc.get("path") == "config.py" and loc.get("line") == 2 and loc.get("removed") is True:
            ok = True
print(json.dumps(old))
sys.exit(0 if ok else 1)
PY
RC=$?
if [ "$RC" -eq 0 ]; then
    ok "--git-history: the stored document has commit, author_date, path, line and removed: true"
else
    not_ok "--git-history: the stored document has commit, author_date, path, line and removed: true"
    diag_file hist-doc.out
fi

# a bare repository is cloned (it has no working tree) with its history
git clone -q --bare repo bare.git
fourc scan --db t.db --code bare.git --git-history --format json -o bare.json
jq_ok "a bare repository: its tree secret and its removed one are found" bare.json \
    'len(F(rule="CODE-SECRET")) == 2 and len([f for f in F(rule="CODE-SECRET") if "removed" in f["message"]]) == 1'

# a shallow clone's history ends early: an error says so; what is there is scanned
git clone -q --depth 1 "file://$T/repo" shallow
fourc scan --db t.db --code shallow --git-history --format json -o shallow.json
jq_ok "a shallow clone with --git-history: an input error says its history ends early" shallow.json \
    '[f["rule"] for f in F(status="error") if "shallow clone" in f["message"]] == ["FOURC-CODE-INPUT"] and len(F(rule="CODE-SECRET")) == 1'

# a corrupt repository: the history is an error, the working tree still scanned
git clone -q --no-hardlinks repo corrupt # a copy: repo's objects stay whole
o=$(find corrupt/.git/objects -type f ! -path '*/pack/*' ! -path '*/info/*' | head -1)
chmod u+w "$o"
printf 'garbage' >"$o"
fourc scan --db t.db --code corrupt --git-history --format json -o corrupt.json
check_eq "a corrupt repository: the scan goes on (exit 0)" 0 "$RC"
jq_ok "a corrupt repository: the history is one input error naming git's complaint" corrupt.json \
    '[f["rule"] for f in F(status="error")] == ["FOURC-CODE-INPUT"] and "git " in F(status="error")[0]["message"]'

# the repository's .git/info/exclude is honoured as git does
git init -q ex
printf 'k = "%s"\n' "$S_TWICE" >ex/a.py
printf 'a.py\n' >ex/.git/info/exclude
fourc scan --db t.db --code ex --format json -o ex.json
jq_ok "a file excluded by .git/info/exclude is not scanned" ex.json 'not F(rule="CODE-SECRET")'
printf '' >ex/.git/info/exclude
fourc scan --db t.db --code ex --format json -o ex2.json
jq_ok "... and is once the exclude is gone" ex2.json 'len(F(rule="CODE-SECRET")) == 1'

# files that should not be committed are code/File resources (hygiene.c)
mkdir hy
printf 'LOG_LEVEL=debug\n' >hy/.env
printf 'LOG_LEVEL=\n' >hy/.env.example
printf 'apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: abc\n' >hy/kube.yaml
fourc scan --db t.db --code hy --format json -o hy.json
jq_ok "a committed .env fails CODE-HYGIENE-DOTENV, its template passes" hy.json \
    'sorted((f["resource"]["name"], f["status"]) for f in F(rule="CODE-HYGIENE-DOTENV")) == [(".env", "fail"), (".env.example", "pass")]'
jq_ok "a kubeconfig is not handed to the manifests collector" hy.json \
    '[t["type"] for t in r["scan"]["targets"]] == ["code"]'

# --- an unreadable file --------------------------------------------------------------
mkdir -p np/tree
printf 'a = 1\n' >np/tree/ok.py
printf 'k = "%s"\n' "$S_TWICE" >np/tree/secret.py
chmod 000 np/tree/secret.py
if [ "$(id -u)" -ne 0 ]; then
    RC=0
    "$FOURC" scan --db np/np.db --code np/tree --format json -o np/np.json >"$OUT" 2>"$ERR" || RC=$?
elif have_setpriv_nobody; then
    chmod 755 "$T" np np/tree
    chmod 777 np
    RC=0
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$FOURC" scan --db np/np.db --code np/tree --format json -o np/np.json >"$OUT" 2>"$ERR" || RC=$?
else
    RC=99
fi
check_eq "an unreadable file: the scan goes on (exit 0)" 0 "$RC"
jq_ok "an unreadable file is an error finding of FOURC-CODE-INPUT naming it" np/np.json \
    '[(f["rule"], "secret.py" in f["message"]) for f in F(status="error")] == [("FOURC-CODE-INPUT", True)]'
chmod 644 np/tree/secret.py
chmod 700 "$T"

# --- a remote: git daemon ---------------------------------------------------------------
mkdir srv
git clone -q --bare repo srv/shop.git
PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
git daemon --export-all --base-path="$T/srv" --port="$PORT" --listen=127.0.0.1 \
    --reuseaddr --pid-file="$T/daemon.pid" --detach "$T/srv"
i=0
until git ls-remote "git://127.0.0.1:$PORT/shop.git" >/dev/null 2>&1 || [ $i -ge 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
trap 'kill "$(cat "$T/daemon.pid")" 2>/dev/null; rm -rf "$T"' EXIT
expect_exit 0 "scan --code git://127.0.0.1:$PORT/shop.git: cloned and scanned" \
    "$FOURC" scan --db r.db --code "git://127.0.0.1:$PORT/shop.git" --format json -o remote.json
jq_ok "the remote's tree secret is found once with 2 locations, at URL/path:line" remote.json \
    'len(F(rule="CODE-SECRET")) == 1 and "2 location(s)" in F(rule="CODE-SECRET")[0]["message"] and F(rule="CODE-SECRET")[0]["resource"]["source"] == A[0]' \
    "git://127.0.0.1:$PORT/shop.git/a.py:1"
jq_ok "the remote's workflow is judged at URL/path:1, not in the temporary clone" remote.json \
    '[f["resource"]["source"] for f in F(rule="CODE-GHA-UNPINNED-ACTION")] == [A[0]]' \
    "git://127.0.0.1:$PORT/shop.git/.github/workflows/ci.yml:1"
jq_ok "the remote's pod and Dockerfile were handed over and judged" remote.json \
    'F(rule="K8S-WL-PRIVILEGED", name="web")[0]["status"] == "fail" and F(rule="DOCKER-USER-NONROOT")[0]["status"] == "fail"'
expect_exit 0 "scan --code git://... --git-history: a full clone" \
    "$FOURC" scan --db r.db --code "git://127.0.0.1:$PORT/shop.git" --git-history --format json -o remote-hist.json
jq_ok "the remote's history has the removed secret" remote-hist.json \
    'len([f for f in F(rule="CODE-SECRET") if "removed" in f["message"]]) == 1'
check "the clones are removed when fourc exits" sh -c "[ -z \"\$(ls -A '$T/tmp')\" ]"

# a password in the URL would be stored with the scan: refused
expect_exit 2 "a URL with a password: usage error" \
    "$FOURC" scan --db r.db --code "https://u:pw-planted@127.0.0.1:9/x.git"
expect_one_error_line "a URL with a password: one error line, the password not in it" "password in it"
check "the password is not in the error" sh -c "! grep -q pw-planted '$ERR'"

# a refused remote, and one that never answers
CLOSED=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
expect_exit 2 "a refused remote: exit 2" \
    "$FOURC" scan --db r.db --code "git://127.0.0.1:$CLOSED/none.git"
expect_one_error_line "a refused remote: one error line naming the URL" "git clone git://127.0.0.1:$CLOSED/none.git"
"$PYTHON" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(5)
print(s.getsockname()[1]); sys.stdout.flush()
c = []
t = time.time() + 30
while time.time() < t:
    s.settimeout(t - time.time())
    try:
        c.append(s.accept())
    except Exception:
        break
' >hang.port &
HANG_PID=$!
i=0
while [ ! -s hang.port ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
expect_exit 2 "a remote that never answers: stopped after --git-timeout (exit 2)" \
    "$FOURC" scan --db r.db --code "git://127.0.0.1:$(cat hang.port)/x.git" --git-timeout 2
expect_one_error_line "a remote that never answers: one error line" "no answer within 2 s"
kill "$HANG_PID" 2>/dev/null

# --- no planted value anywhere --------------------------------------------------------
fourc report --db t.db --scan latest --format sarif -o hist.sarif
fourc report --db t.db --scan latest --format html -o hist.html
leaks=
for v in "$S_OLD" "$S_TWICE" "$S_IGN" "$S_BIN"; do
    for f in t.db r.db np/np.db tree.json hist.json remote.json remote-hist.json hist.sarif hist.html \
        tree.out tree.err; do
        if strings -a "$f" | grep -q "$v" || grep -aq "$v" "$f"; then
            leaks="$leaks $v:$f"
        fi
    done
done
check_eq "no planted value in the databases, reports or output" "" "$leaks"

e2e_finish
