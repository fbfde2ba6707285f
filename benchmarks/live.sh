#!/usr/bin/env bash
# Benchmark `fourc scan --kubeconfig` (a live cluster through its API)
# against `fourc scan --manifests` of the same objects.
#
#   benchmarks/live.sh [OBJECTS]          (default 100000)
#
# The synthetic cluster of gen_cluster.py (the manifests benchmark's, same
# seed, same objects) is served by tests/tools/httpsrv.py as a Kubernetes
# API (discovery, lists of 500 objects a page with continue tokens, over
# TLS with a bearer token); fourc lists it live, then scans the same
# objects as YAML files. Printed for each: wall time, peak RSS
# (/usr/bin/time -v), resources stored, and for the live scan the number
# of requests the server saw. (gen_cluster.py gives a few Services the
# name of another in the same namespace, which no API server could hold:
# the live scan stores each uid once, the manifests scan both, so the
# counts differ by those few.)
#
# Environment: FOURC (binary; default as bench_scan.sh finds it), SEED
# (default 1), PAGE_MAX (the server's largest page, default 500: fourc asks
# for 500; a smaller one makes more pages of the same objects), PYTHON (default /usr/bin/python3), WORK (cache, default
# benchmarks/.work), CPU (core for the scans, default 0).

set -eu
set -o pipefail

die() { printf 'live: %s\n' "$*" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
if [ -z "${FOURC:-}" ]; then
    FOURC=$root/fourc
    for f in "$root/fourc" "$root/_build/perf/fourc" \
             "$root/_build/release/fourc" "$root/_build/dev/fourc"; do
        if [ -x "$f" ]; then FOURC=$f; break; fi
    done
fi
SEED=${SEED:-1}
CPU=${CPU:-0}
WORK=${WORK:-$here/.work}
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
TIME=/usr/bin/time
n=${1:-100000}
case $n in ''|*[!0-9]*|0) die "OBJECTS must be a positive integer, got: $n" ;; esac
[ -x "$FOURC" ] || die "fourc binary not found at $FOURC (build it, or set FOURC=)"
"$TIME" -v true >/dev/null 2>&1 || die "$TIME -v needed (GNU time: apt-get install time)"
command -v taskset >/dev/null 2>&1 || die "taskset not found (util-linux)"

mkdir -p "$WORK"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fourc-live.XXXXXX")
srv_pid=
cleanup() {
    [ -z "$srv_pid" ] || kill "$srv_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# ---- the objects: YAML files (as bench_scan.sh caches them) and JSON lines
dir=$WORK/cluster-$n-s$SEED
if [ ! -f "$dir.done" ] || [ ! -d "$dir" ]; then
    rm -rf "$dir" "$dir.partial" "$dir.done"
    printf 'live: generating %s objects into %s\n' "$n" "$dir" >&2
    "$PYTHON" "$here/gen_cluster.py" --objects "$n" --seed "$SEED" \
        --out "$dir.partial" -q || die "generator failed"
    mv "$dir.partial" "$dir"
    touch "$dir.done"
fi
jsonl=$WORK/cluster-$n-s$SEED.jsonl
if [ ! -f "$jsonl.done" ]; then
    printf 'live: writing the same objects as JSON lines to %s\n' "$jsonl" >&2
    "$PYTHON" - "$here" "$n" "$SEED" "$jsonl.partial" <<'PY' || die "JSON lines failed"
import json, sys
sys.path.insert(0, sys.argv[1])
import gen_cluster
class Lines:
    def __init__(self, f):
        self.f = f
    def add(self, d, obj):
        # the YAML's scalars as fourc reads them (timestamps stay text)
        self.f.write(json.dumps(obj, default=str) + "\n")
with open(sys.argv[4], "w") as f:
    gen_cluster.generate(int(sys.argv[2]), int(sys.argv[3]), Lines(f))
PY
    mv "$jsonl.partial" "$jsonl"
    touch "$jsonl.done"
fi

# ---- the API server -----------------------------------------------------------
token=bench-token-$$
page_max=${PAGE_MAX:-500}
case $page_max in ''|*[!0-9]*|0) die "PAGE_MAX must be a positive integer, got: $page_max" ;; esac
printf '{"cluster": {"objects": "%s", "page_max": %s}}\n' "$jsonl" "$page_max" >"$tmp/spec.json"
"$PYTHON" "$root/tests/tools/httpsrv.py" --dir "$tmp/srv" --spec "$tmp/spec.json" \
    --token "$token" >/dev/null 2>&1 &
srv_pid=$!
for _ in $(seq 1 6000); do # 100k objects take a while to load
    [ -s "$tmp/srv/port" ] && break
    kill -0 "$srv_pid" 2>/dev/null || die "httpsrv.py exited (see $tmp/srv)"
    sleep 0.1
done
[ -s "$tmp/srv/port" ] || die "httpsrv.py did not start"
port=$(cat "$tmp/srv/port")
cat >"$tmp/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster: {server: "https://127.0.0.1:$port", certificate-authority: "$tmp/srv/ca.crt"}
users:
- name: bench
  user: {token: "$token"}
contexts:
- name: bench
  context: {cluster: bench, user: bench}
current-context: bench
KC

elapsed_seconds() {
    awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + p[i]
        printf "%.2f\n", s }' "$1"
}
max_rss_mb() {
    awk -F': ' '/Maximum resident set size/ { printf "%.0f\n", $2 / 1024 }' "$1"
}
resources() {
    "$PYTHON" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("SELECT count(*) FROM resources WHERE kind LIKE ? ESCAPE ?", ("k8s/%", "!")).fetchone()[0])' "$1"
}

# run NAME ARGS...: one scan on a fresh database, timed
run() {
    local name=$1
    shift
    rm -f "$tmp/$name.db"
    "$TIME" -v -o "$tmp/$name.time" taskset -c "$CPU" "$FOURC" scan \
        --db "$tmp/$name.db" -q "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || {
        rc=$?
        [ "$rc" -le 1 ] || { cat "$tmp/$name.err" >&2; die "$name scan failed ($rc)"; }
    }
}

: >"$tmp/srv/requests.log"
run live --kubeconfig "$tmp/kubeconfig"
requests=$(wc -l <"$tmp/srv/requests.log" | tr -d ' ')
lists=$(grep -c 'limit=' "$tmp/srv/requests.log" || true)
run manifests --manifests "$dir"

printf 'fourc:   %s\n' "$FOURC"
printf 'host:    %s, %s CPUs, scans pinned to CPU %s; %s objects, seed %s\n\n' \
    "$(uname -srm)" "$(nproc 2>/dev/null || echo '?')" "$CPU" "$n" "$SEED"
printf '%-10s %10s %14s %12s %10s\n' scan seconds 'peak RSS MB' resources requests
printf '%-10s %10s %14s %12s %10s\n' ---------- ---------- -------------- ------------ ----------
printf '%-10s %10s %14s %12s %10s\n' live "$(elapsed_seconds "$tmp/live.time")" \
    "$(max_rss_mb "$tmp/live.time")" "$(resources "$tmp/live.db")" \
    "$requests ($lists lists)"
printf '%-10s %10s %14s %12s %10s\n' manifests "$(elapsed_seconds "$tmp/manifests.time")" \
    "$(max_rss_mb "$tmp/manifests.time")" "$(resources "$tmp/manifests.db")" -
ls=$(elapsed_seconds "$tmp/live.time")
ms=$(elapsed_seconds "$tmp/manifests.time")
awk -v l="$ls" -v m="$ms" 'BEGIN { if (m > 0) printf "\nlive / manifests: %.2fx (target: 1.5x or less)\n", l / m }'
