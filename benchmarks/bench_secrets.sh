#!/bin/sh
# bench_secrets.sh: throughput of `fourc secrets` on one core over two
# source-like corpora of ~270 MB (fourc's own C repeated; Python's
# standard library repeated), with the built-in detectors and, if given,
# another detector file. Usage: benchmarks/bench_secrets.sh FOURC [PACK]
# Results: benchmarks/secrets-engine.md.
set -eu
FOURC=${1:?usage: bench_secrets.sh FOURC [PACK]}
PACK=${2:-}
TOP=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/bench_secrets.XXXXXX")
trap 'rm -rf "$W"' EXIT

find "$TOP/core" "$TOP/collectors" "$TOP/checks" "$TOP/cli" "$TOP/report" \
    -name '*.[ch]' -exec cat {} + >"$W/c.one"
PY=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
find "$PY" -name '*.py' -size -200k | sort | head -3000 | xargs cat >"$W/py.one"
for c in c py; do
    python3 - "$W/$c.one" "$W/$c.txt" <<'PYEOF'
import sys
d = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as out:
    n = 0
    while n < 256 << 20:
        out.write(d)
        n += len(d)
PYEOF
done

for c in c py; do
    size=$(wc -c <"$W/$c.txt")
    for p in builtin $PACK; do
        opt=
        [ "$p" = builtin ] || opt="--detectors $p"
        best=
        for i in 1 2 3; do
            s=$(date +%s.%N)
            # shellcheck disable=SC2086
            taskset -c 0 "$FOURC" secrets --max-file-size 1G $opt "$W/$c.txt" \
                >/dev/null || [ $? -eq 1 ]
            e=$(date +%s.%N)
            t=$(echo "$e - $s" | bc)
            if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
        done
        echo "$c corpus ($size bytes), $p: $best s, $(echo "$size / $best / 1000000" | bc) MB/s"
    done
done
