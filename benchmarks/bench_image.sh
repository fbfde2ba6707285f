#!/usr/bin/env bash
# Benchmark `fourc scan --image` on generated images against the plain
# `gzip -dc BLOB | tar -t` of the same layer blobs, in the same run.
#
#   benchmarks/bench_image.sh [MIB...]          (default sizes: 256 1024)
#
# Environment:
#   FOURC   fourc binary                  (default: <repo>/fourc)
#   RUNS    runs per size, best kept      (default: 3)
#   PYTHON  Python 3 for the generator    (default: /usr/bin/python3, else python3)
#   WORK    cache directory               (default: <repo>/benchmarks/.work)
#
# Images are cached in $WORK/image-MIB (delete to regenerate). Prints, per
# size: content and compressed size, the baseline's wall time, fourc's
# wall time and peak RSS, and fourc's speed relative to the baseline
# (target: at least 0.70) — see benchmarks/RESULTS.md.
set -eu
set -o pipefail

die() { printf 'bench_image: %s\n' "$*" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
FOURC=${FOURC:-$root/fourc}
RUNS=${RUNS:-3}
WORK=${WORK:-$here/.work}
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
TIME=/usr/bin/time
[ -x "$FOURC" ] || die "fourc binary not found at $FOURC (build it, or set FOURC=)"
[ -x "$TIME" ] || die "$TIME not found (apt-get install time)"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(256 1024)

mkdir -p "$WORK"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fourc-bench-image.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

printf '%8s %10s %10s %12s %12s %10s %8s\n' MiB compressed layers baseline_s fourc_s rss_MB speed
for mib in "${sizes[@]}"; do
    dir=$WORK/image-$mib
    if [ ! -f "$dir.done" ]; then
        rm -rf "$dir"
        printf 'bench_image: generating %s MiB into %s\n' "$mib" "$dir" >&2
        "$PYTHON" "$here/gen_image.py" --mib "$mib" --out "$dir" >&2 || die "generator failed"
        touch "$dir.done"
    fi
    layers=$("$PYTHON" -c 'import json,sys
d=sys.argv[1]
m=json.load(open(d+"/index.json"))["manifests"][0]["digest"][7:]
print(" ".join(d+"/blobs/sha256/"+l["digest"][7:] for l in json.load(open(d+"/blobs/sha256/"+m))["layers"]))' "$dir")
    csize=$(du -cb $layers | tail -n 1 | cut -f1)
    best_base= best_fourc= best_rss=
    for _ in $(seq "$RUNS"); do
        # Warm the page cache for both the same way.
        cat $layers >/dev/null
        t0=$(now)
        for l in $layers; do gzip -dc "$l" | tar -t >/dev/null; done
        t1=$(now)
        base=$(echo "$t1 - $t0" | bc)
        rm -f "$tmp/b.db" "$tmp/b.db-wal" "$tmp/b.db-shm"
        t0=$(now)
        "$TIME" -f '%M' -o "$tmp/rss" "$FOURC" scan -q --db "$tmp/b.db" --image "oci:$dir:bench" >/dev/null 2>"$tmp/err" ||
            [ $? -eq 1 ] || { cat "$tmp/err" >&2; die "fourc scan failed"; }
        t1=$(now)
        f=$(echo "$t1 - $t0" | bc)
        rss=$(( $(tail -n 1 "$tmp/rss") / 1024 ))
        if [ -z "$best_fourc" ] || [ "$(echo "$f < $best_fourc" | bc)" = 1 ]; then best_fourc=$f; fi
        if [ -z "$best_base" ] || [ "$(echo "$base < $best_base" | bc)" = 1 ]; then best_base=$base; fi
        if [ -z "$best_rss" ] || [ "$rss" -gt "$best_rss" ]; then best_rss=$rss; fi
    done
    if grep -q . "$tmp/err"; then
        printf 'bench_image: fourc said:\n' >&2
        cat "$tmp/err" >&2
    fi
    printf '%8s %10s %10s %12.2f %12.2f %10s %8.2f\n' "$mib" "$((csize >> 20))MiB" \
        "$(echo $layers | wc -w)" "$best_base" "$best_fourc" "$best_rss" \
        "$(echo "$best_base / $best_fourc" | bc -l)"
done
