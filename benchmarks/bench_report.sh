#!/usr/bin/env bash
# Benchmark `fourc report`: render time and file size of every report
# format for scans of about 1k, 10k and 100k findings, and how long the
# HTML report takes to become interactive in headless Chromium.
#
#   benchmarks/bench_report.sh [OBJECTS...]     (default: 72 720 7200)
#
# gen_cluster.py yields about 13.9 findings per object, so the default
# sizes give about 1,000, 10,000 and 100,000 findings.
#
# Environment:
#   FOURC     fourc binary                 (default: <repo>/fourc)
#   SEED      generator seed               (default: 1)
#   RUNS      renders per format, best kept (default: 3)
#   FORMATS   formats to render            (default: json html sarif junit csv markdown)
#   CHROMIUM  headless browser             (default: /usr/bin/chromium; n/a without it)
#   PYTHON    Python 3 for the generator   (default: /usr/bin/python3, else python3)
#   WORK      cache directory              (default: <repo>/benchmarks/.work)
#
# Clusters are cached in $WORK/cluster-N-sSEED (shared with bench_scan.sh)
# and their scans in $WORK/report-N-sSEED.db; delete them to start over.
# A format that fails to render (not built yet) is reported as n/a.
# "ready ms" is the page's own performance.now() when its script has drawn
# the summary and the first rows (<body data-ready-ms>), best of RUNS loads.

set -eu
set -o pipefail

die() { printf 'bench_report: %s\n' "$*" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

FOURC=${FOURC:-$root/fourc}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
FORMATS=${FORMATS:-json html sarif junit csv markdown}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
WORK=${WORK:-$here/.work}
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

sizes=()
for a in "$@"; do
    case $a in
        -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option: $a (try --help)" ;;
        ''|*[!0-9]*|0) die "size must be a positive integer, got: $a" ;;
        *) sizes+=("$a") ;;
    esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(72 720 7200)
case $RUNS in ''|*[!0-9]*|0) die "RUNS must be a positive integer, got: $RUNS" ;; esac
[ -x "$FOURC" ] || die "fourc binary not found at $FOURC (build it first, or set FOURC=)"
command -v "$PYTHON" >/dev/null 2>&1 || die "python not found: $PYTHON (set PYTHON=)"
have_chromium=1
[ -x "$CHROMIUM" ] || { have_chromium=0; echo "bench_report: no $CHROMIUM: ready ms will be n/a" >&2; }

mkdir -p "$WORK"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }

# ready_ms FILE: the page's data-ready-ms after a headless load, or n/a.
ready_ms() {
    local ud out
    ud=$(mktemp -d "$tmp/chrome.XXXXXX")
    out=$(timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update \
        --disable-sync --no-first-run --disable-quic --user-data-dir="$ud" \
        --dump-dom --virtual-time-budget=5000 "file://$1" 2>/dev/null |
        grep -o 'data-ready-ms="[0-9]*"' | head -n 1 | tr -dc '0-9') || true
    rm -rf "$ud"
    printf '%s\n' "${out:-n/a}"
}

results=$WORK/report-results-$(date -u +%Y%m%dT%H%M%SZ).tsv
printf 'objects\tfindings\tformat\tseconds\tbytes\tready_ms\n' >"$results"
printf '%8s %9s %-9s %9s %11s %9s\n' objects findings format seconds "size MB" "ready ms"
printf '%8s %9s %-9s %9s %11s %9s\n' -------- --------- --------- --------- ----------- ---------

for n in "${sizes[@]}"; do
    cluster=$WORK/cluster-$n-s$SEED
    db=$WORK/report-$n-s$SEED.db
    if [ ! -e "$cluster.done" ]; then
        "$PYTHON" "$here/gen_cluster.py" --objects "$n" --seed "$SEED" --out "$cluster" --force >/dev/null ||
            die "gen_cluster.py failed for $n objects"
        touch "$cluster.done"
    fi
    if [ ! -s "$db" ]; then
        rc=0
        "$FOURC" scan --manifests "$cluster" --db "$db.tmp" -q >/dev/null 2>"$tmp/scan.err" || rc=$?
        [ "$rc" -le 1 ] || { tail -n 5 "$tmp/scan.err" >&2; die "scan of $n objects failed (exit $rc)"; }
        mv "$db.tmp" "$db"
        rm -f "$db.tmp-wal" "$db.tmp-shm"
    fi
    findings=$("$FOURC" report --db "$db" --format json 2>/dev/null |
        "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["summary"]["total"])' 2>/dev/null) || findings=n/a
    for f in $FORMATS; do
        out=$tmp/report.$f best= ok=1
        for _ in $(seq "$RUNS"); do
            t0=$(now)
            if ! "$FOURC" report --db "$db" --format "$f" -o "$out" >/dev/null 2>"$tmp/err"; then
                ok=0
                break
            fi
            t1=$(now)
            best=$(awk -v a="$t0" -v b="$t1" -v c="${best:-}" \
                'BEGIN { d = b - a; if (c != "" && c + 0 < d) d = c; printf "%.3f", d }')
        done
        if [ "$ok" = 0 ]; then
            printf '%8s %9s %-9s %9s %11s %9s\n' "$n" "$findings" "$f" n/a n/a n/a
            printf '%s\t%s\t%s\tn/a\tn/a\tn/a\n' "$n" "$findings" "$f" >>"$results"
            continue
        fi
        bytes=$(wc -c <"$out" | tr -d ' ')
        ready=-
        if [ "$f" = html ]; then
            ready=n/a
            if [ "$have_chromium" = 1 ]; then
                for _ in $(seq "$RUNS"); do
                    r=$(ready_ms "$out")
                    if [ "$r" != n/a ] && { [ "$ready" = n/a ] || [ "$r" -lt "$ready" ]; }; then
                        ready=$r
                    fi
                done
            fi
        fi
        printf '%8s %9s %-9s %9s %11s %9s\n' "$n" "$findings" "$f" "$best" \
            "$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1048576 }')" "$ready"
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$findings" "$f" "$best" "$bytes" "$ready" >>"$results"
    done
done
echo
echo "raw results: $results"
