#!/usr/bin/env bash
# The JSON figures of issue 10: one cluster as YAML and as JSON Lists,
# scanned alternately on fresh databases, and the bare parse of the JSON
# files (benchmarks/json_bare.c), each pinned to one core.
#
#   benchmarks/bench_json.sh YAML_DIR JSON_DIR [RUNS]
#
# Environment: FOURC (default _build/perf/fourc), BASE (a second fourc to
# scan the YAML with, optional), BARE (json_bare built with jansson and
# jsonfast, default /tmp/json_bare_fast), CPU (default 0).
# Convert with benchmarks/yaml2jsonlist.py YAML_DIR JSON_DIR.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
FOURC=${FOURC:-$here/../_build/perf/fourc}
BARE=${BARE:-/tmp/json_bare_fast}
CPU=${CPU:-0}
yaml=$1 json=$2 runs=${3:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scan() { # LABEL BINARY DIR
    rm -f "$tmp/db"*
    /usr/bin/time -f '%e s wall, %M KB' -o "$tmp/time" env FOURC_TIMINGS=1 \
        taskset -c "$CPU" "$2" scan --manifests "$3" --db "$tmp/db" -q \
        >/dev/null 2>"$tmp/err" || true
    printf '%-10s %s | %s\n' "$1" "$(tail -n 1 "$tmp/time")" \
        "$(sed -n 's/^timing: *\([a-z+ ]*[a-z]\) *\([0-9.]*\) s.*/\1 \2/p' "$tmp/err" | tr '\n' ' ')"
}
for i in $(seq "$runs"); do
    echo "--- run $i, load: $(cut -d' ' -f1-3 /proc/loadavg)"
    scan yaml "$FOURC" "$yaml"
    scan json "$FOURC" "$json"
    taskset -c "$CPU" "$BARE" "$json" jansson
    taskset -c "$CPU" "$BARE" "$json" jsonfast
    if [ -n "${BASE:-}" ]; then scan yaml-base "$BASE" "$yaml"; fi
done
