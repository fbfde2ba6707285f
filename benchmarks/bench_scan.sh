#!/usr/bin/env bash
# Benchmark `fourc scan --manifests` on synthetic clusters of growing size.
#
#   benchmarks/bench_scan.sh [--generate-only] [SIZE...]     (default sizes: 1000 10000 100000)
#
# Environment:
#   FOURC   fourc binary                  (default: the first of <repo>/fourc,
#           <repo>/_build/perf/fourc, <repo>/_build/release/fourc)
#   SEED    generator seed                (default: 1)
#   CPU     core to pin the scan to       (default: 0)
#   RUNS    scans per size, best kept     (default: 1)
#   PYTHON  Python 3 for the generator    (default: /usr/bin/python3, else python3)
#   WORK    cache directory               (default: <repo>/benchmarks/.work)
#
# Generated clusters are cached in $WORK/cluster-N-sSEED and reused; delete
# the directory to regenerate. See benchmarks/README.md.

set -eu
set -o pipefail

die() { printf 'bench_scan: %s\n' "$*" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

# An in-tree build first, else the out-of-tree builds of ./dev/build
# (_build/perf is configured with CFLAGS="-O2 -g" for profiling).
if [ -z "${FOURC:-}" ]; then
    FOURC=$root/fourc
    for f in "$root/fourc" "$root/_build/perf/fourc" \
             "$root/_build/release/fourc"; do
        if [ -x "$f" ]; then FOURC=$f; break; fi
    done
fi
SEED=${SEED:-1}
CPU=${CPU:-0}
RUNS=${RUNS:-1}
WORK=${WORK:-$here/.work}
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
TIME=/usr/bin/time

gen_only=0
sizes=()
for a in "$@"; do
    case $a in
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        --generate-only) gen_only=1 ;;
        -*) die "unknown option: $a (try --help)" ;;
        *) case $a in
               ''|*[!0-9]*|0) die "size must be a positive integer, got: $a" ;;
           esac
           sizes+=("$a") ;;
    esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
case $SEED in ''|*[!0-9]*) die "SEED must be a non-negative integer, got: $SEED" ;; esac
case $RUNS in ''|*[!0-9]*|0) die "RUNS must be a positive integer, got: $RUNS" ;; esac
case $CPU in ''|*[!0-9]*) die "CPU must be a core number, got: $CPU" ;; esac

# ---- prerequisites ------------------------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 || die "python not found: $PYTHON (set PYTHON=)"
if [ "$gen_only" = 0 ]; then
    [ -x "$TIME" ] || die "$TIME not found (install GNU time: apt-get install time)"
    "$TIME" -v true >/dev/null 2>&1 || die "$TIME does not support -v (GNU time needed)"
    command -v taskset >/dev/null 2>&1 || die "taskset not found (util-linux)"
    taskset -c "$CPU" true 2>/dev/null || die "cannot pin to CPU $CPU (set CPU= to an allowed core)"
    [ -e "$FOURC" ] || die "fourc binary not found at $FOURC (build it first, or set FOURC=/path/to/fourc)"
    [ -x "$FOURC" ] || die "$FOURC is not executable"
fi

mkdir -p "$WORK"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fourc-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ---- generate (cached) --------------------------------------------------
cluster_dir() { printf '%s/cluster-%s-s%s' "$WORK" "$1" "$SEED"; }

for n in "${sizes[@]}"; do
    dir=$(cluster_dir "$n")
    if [ -f "$dir.done" ] && [ -d "$dir" ]; then
        printf 'bench_scan: using cached %s\n' "$dir" >&2
        continue
    fi
    rm -rf "$dir" "$dir.partial" "$dir.done"
    printf 'bench_scan: generating %s objects into %s\n' "$n" "$dir" >&2
    "$PYTHON" "$here/gen_cluster.py" --objects "$n" --seed "$SEED" --out "$dir.partial" >&2 \
        || die "generator failed for $n objects"
    mv "$dir.partial" "$dir"
    touch "$dir.done"
done
[ "$gen_only" = 0 ] || exit 0

# ---- helpers ----------------------------------------------------------------
# "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.34" -> seconds
elapsed_seconds() {
    awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + p[i]
        printf "%.2f\n", s }' "$1"
}
max_rss_kb() {
    awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"
}

# Findings in the newest scan of a database: first through the documented
# JSON report, else straight from SQLite; "n/a" if neither works.
findings_count() {
    local db=$1 c
    c=$("$FOURC" report --db "$db" --scan latest --format json 2>/dev/null \
        | "$PYTHON" -c 'import json,sys; r=json.load(sys.stdin); print("%d %d" % (len(r["findings"]), r["summary"]["fail"]))' 2>/dev/null) \
        && [ -n "$c" ] && { echo "$c"; return; }
    if command -v sqlite3 >/dev/null 2>&1; then
        c=$(sqlite3 "$db" "SELECT count(*), sum(status = 'fail') FROM findings
                           WHERE scan_id = (SELECT max(scan_id) FROM findings)" 2>/dev/null | tr '|' ' ') \
            && [ -n "$c" ] && { echo "$c"; return; }
        c=$(sqlite3 "$db" "SELECT count(*), sum(status = 'fail') FROM findings" 2>/dev/null | tr '|' ' ') \
            && [ -n "$c" ] && { echo "$c"; return; }
    fi
    echo "n/a n/a"
}

# ---- scan -----------------------------------------------------------------
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results="$WORK/results-$stamp.tsv"
printf 'objects\tseconds\tpeak_rss_mb\tfindings\tfail\n' > "$results"

version=$("$FOURC" --version 2>/dev/null | head -n 1 || true)
printf 'fourc:   %s %s\n' "$FOURC" "${version:+($version)}"
printf 'host:    %s, %s CPUs, pinned to CPU %s; seed %s; best of %s run(s)\n' \
    "$(uname -srm)" "$(nproc 2>/dev/null || echo '?')" "$CPU" "$SEED" "$RUNS"
printf '\n%10s %10s %14s %10s %10s\n' objects seconds 'peak RSS MB' findings fail
printf '%10s %10s %14s %10s %10s\n' ---------- ---------- -------------- ---------- ----------

for n in "${sizes[@]}"; do
    dir=$(cluster_dir "$n")
    best_s= best_rss= best_db=
    for run in $(seq 1 "$RUNS"); do
        db="$tmp/scan-$n-$run.db"
        tv="$tmp/time-$n-$run.txt"
        log="$tmp/scan-$n-$run.log"
        rc=0
        "$TIME" -v -o "$tv" taskset -c "$CPU" "$FOURC" scan --manifests "$dir" --db "$db" \
            >"$log" 2>&1 || rc=$?
        # 0: nothing at or above --fail-on failed; 1: findings did. Both are a finished scan.
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
            printf 'bench_scan: fourc scan of %s objects exited %s; last lines of its output:\n' "$n" "$rc" >&2
            tail -n 20 "$log" >&2
            [ -f "$tv" ] && grep -E 'Command (terminated|exited)' "$tv" >&2 || true
            exit 2
        fi
        s=$(elapsed_seconds "$tv")
        rss=$(max_rss_kb "$tv")
        [ -n "$s" ] && [ -n "$rss" ] || die "could not read $TIME output ($tv)"
        if [ -z "$best_s" ] || awk -v a="$s" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then
            [ -z "$best_db" ] || rm -f "$best_db"
            best_s=$s best_rss=$rss best_db=$db
        else
            rm -f "$db"
        fi
    done
    read -r nf nfail <<EOF
$(findings_count "$best_db")
EOF
    rss_mb=$(awk -v k="$best_rss" 'BEGIN { printf "%.1f", k / 1024 }')
    printf '%10s %10s %14s %10s %10s\n' "$n" "$best_s" "$rss_mb" "$nf" "$nfail"
    printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$best_s" "$rss_mb" "$nf" "$nfail" >> "$results"
    rm -f "$best_db"
done

# ---- scaling exponent --------------------------------------------------------
# time ~ objects^k. k = 1 is linear; k = 2 quadratic.
awk -F'\t' 'NR > 1 {
        n[++m] = $1; t[m] = ($2 > 0.01 ? $2 : 0.01); if ($2 <= 0.01) tiny = 1 }
    END {
        if (m < 2) { print "\nscaling: need at least two sizes"; exit }
        lo = 1; hi = 1
        for (i = 2; i <= m; i++) { if (n[i] < n[lo]) lo = i; if (n[i] > n[hi]) hi = i }
        if (n[lo] == n[hi]) { print "\nscaling: need two different sizes"; exit }
        k2 = log(t[hi] / t[lo]) / log(n[hi] / n[lo])
        sx = sy = sxx = sxy = 0
        for (i = 1; i <= m; i++) {
            x = log(n[i]); y = log(t[i])
            sx += x; sy += y; sxx += x * x; sxy += x * y }
        d = m * sxx - sx * sx
        printf "\nscaling exponent (time ~ objects^k):\n"
        printf "  endpoints %d -> %d objects:  k = %.2f\n", n[lo], n[hi], k2
        if (d > 0) printf "  least squares over %d sizes: k = %.2f\n", m, (m * sxy - sx * sy) / d
        if (tiny) print "  (some runs took <= 0.01 s; their times were clamped and the exponent is rough)"
    }' "$results"
printf '\nraw results: %s\n' "$results"
