#!/usr/bin/env bash
# Benchmark secret scanning on a generated ~1 GB source-like corpus with
# planted secrets (tests/tools/mksecrets.py corpus), each tool on one core
# (taskset -c $CORE), over the same files:
#
#   grep        grep -rEo for one AWS access-key-id pattern (the floor: one
#               regex, no secret semantics)
#   secretlint  secretlint with @secretlint/secretlint-rule-preset-recommend
#               (installed by npm into $SECRETLINT_DIR on first use)
#   fourc       fourc secrets, every built-in detector (skipped, saying so,
#               when the binary has no `secrets` command)
#
#   benchmarks/secrets.sh [SIZE]          (default 1G; e.g. 200M for a quick run)
#
# Environment:
#   FOURC          fourc binary                     (default: <repo>/fourc)
#   DETECTORS      a detector pack for fourc        (default: the built-in one)
#   WORK           cache directory                  (default: <repo>/benchmarks/.work)
#   SECRETLINT_DIR where secretlint is installed    (default: <repo>/_build/secretlint)
#   CORE           the CPU the tools run on         (default: 0)
#   PYTHON         Python 3 with PyYAML             (default: /usr/bin/python3, else python3)
#
# The corpus is cached in $WORK/secrets-SIZE (delete it to regenerate; the
# seed is fixed, so it is the same corpus). Prints, per tool: wall time,
# MB/s, peak RSS, how many planted secrets it found (by position, against the
# manifest) and how many findings fell elsewhere; then whether every planted
# secret secretlint found, fourc found too. Planted values are never printed.
set -eu
set -o pipefail

die() { printf 'bench_secrets: %s\n' "$*" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
SIZE=${1:-1G}
FOURC=${FOURC:-$root/fourc}
WORK=${WORK:-$here/.work}
SECRETLINT_DIR=${SECRETLINT_DIR:-$root/_build/secretlint}
CORE=${CORE:-0}
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
TIME=/usr/bin/time
[ -x "$TIME" ] || die "/usr/bin/time is needed (Debian: time)"
command -v taskset >/dev/null || die "taskset is needed (Debian: util-linux)"

corpus=$WORK/secrets-$SIZE
out=$WORK/secrets-$SIZE.out
mkdir -p "$WORK" "$out"
if [ ! -f "$corpus/manifest.json" ]; then
    echo "generating the corpus ($SIZE) in $corpus ..." >&2
    rm -rf "$corpus"
    "$PYTHON" "$root/tests/tools/mksecrets.py" corpus --size "$SIZE" --out "$corpus" >&2
fi
bytes=$(du -sb "$corpus/src" | cut -f1)
# Warm the page cache so every tool reads from memory.
find "$corpus/src" -type f -exec cat {} + >/dev/null

# run NAME CMD...: runs CMD on $CORE, stdout to $out/NAME.out; wall time and
# peak RSS to $out/NAME.time. Exit status 0 and 1 (found) are both a run.
run() {
    local name=$1
    shift
    local rc=0
    (cd "$corpus" && taskset -c "$CORE" "$TIME" -f '%e %M' -o "$out/$name.time" \
        "$@" >"$out/$name.out" 2>"$out/$name.err") || rc=$?
    if [ "$rc" -gt 1 ]; then
        echo "bench_secrets: $name exited $rc:" >&2
        tail -5 "$out/$name.err" >&2
        return 1
    fi
}

tools=""
echo "grep -rEo (one AWS key-id pattern) ..." >&2
run grep grep -rEno '\b(AKIA|ASIA)[A-Z2-7]{16}\b' src && tools="$tools grep"

if [ ! -x "$SECRETLINT_DIR/node_modules/.bin/secretlint" ]; then
    command -v npm >/dev/null || die "npm is needed for secretlint"
    echo "installing secretlint into $SECRETLINT_DIR ..." >&2
    mkdir -p "$SECRETLINT_DIR"
    [ -f "$SECRETLINT_DIR/package.json" ] || echo '{"private": true}' >"$SECRETLINT_DIR/package.json"
    (cd "$SECRETLINT_DIR" && npm install --no-audit --no-fund \
        secretlint @secretlint/secretlint-rule-preset-recommend >&2)
fi
cat >"$out/.secretlintrc.json" <<'EOF'
{"rules": [{"id": "@secretlint/secretlint-rule-preset-recommend"}]}
EOF
slver=$("$SECRETLINT_DIR/node_modules/.bin/secretlint" --version 2>/dev/null || echo '?')
echo "secretlint $slver (preset-recommend) ..." >&2
run secretlint "$SECRETLINT_DIR/node_modules/.bin/secretlint" \
    --secretlintrc "$out/.secretlintrc.json" --format unix --no-color 'src/**/*' &&
    tools="$tools secretlint"

if [ -x "$FOURC" ] && "$FOURC" secrets --help >/dev/null 2>&1; then
    echo "fourc secrets ..." >&2
    set -- "$FOURC" secrets --format json
    [ -n "${DETECTORS:-}" ] && set -- "$@" --detectors "$DETECTORS"
    run fourc "$@" src && tools="$tools fourc"
else
    echo "fourc: $FOURC has no 'secrets' command: skipped" >&2
fi

"$PYTHON" - "$corpus" "$out" "$bytes" "$tools" <<'EOF'
import json, os, sys
corpus, out, nbytes, tools = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split()
man = json.load(open(os.path.join(corpus, "manifest.json")))
planted = man["positives"]
by_file = {}
for i, p in enumerate(planted):
    by_file.setdefault(p["file"], []).append(i)

def rel(path):
    path = path.replace(corpus + "/", "")
    return path[2:] if path.startswith("./") else path

def on_line(f, line, detector=None):
    """planted indices whose block (the planted lines) holds line of f."""
    return [i for i in by_file.get(f, []) if planted[i]["block_line"] <= line <= planted[i]["end_line"]
            and (detector is None or planted[i]["detector"] == detector)]

found = {}
extra = {}
for t in tools:
    got, other = set(), 0
    text = open(os.path.join(out, t + ".out"), encoding="utf-8", errors="replace").read()
    for ln in text.splitlines() if t != "fourc" else []:
        # grep -n -o: PATH:LINE:MATCH; secretlint --format unix: PATH:LINE:COL: MESSAGE
        parts = ln.split(":", 2)
        if len(parts) < 3 or not parts[1].isdigit():
            continue
        h = on_line(rel(parts[0]), int(parts[1]), "aws-access-key-id" if t == "grep" else None)
        got.update(h)
        other += 0 if h else 1
    if t == "fourc":
        for x in json.loads(text)["findings"]:
            h = on_line(rel(x["path"]), x["line"])
            got.update(h)
            other += 0 if h else 1
    found[t], extra[t] = got, other

mb = nbytes / 1e6
print("corpus: %.0f MB in %d files, %d planted secrets of %d detector types (seed %d)" %
      (mb, man["files"], len(planted), len({p["detector"] for p in planted}), man["seed"]))
aws = sum(1 for p in planted if p["detector"] == "aws-access-key-id")
print("%-11s %9s %9s %9s %16s %10s" % ("tool", "wall s", "MB/s", "RSS MiB", "planted found", "elsewhere"))
for t in tools:
    wall, rss = open(os.path.join(out, t + ".time")).read().splitlines()[-1].split()[:2]
    wall = float(wall)
    total = aws if t == "grep" else len(planted)
    print("%-11s %9.2f %9.1f %9.0f %9d / %-5d %10d" % (t, wall, mb / wall if wall else 0,
          int(rss) / 1024, len(found[t]), total, extra[t]))
if "secretlint" in found and "fourc" in found:
    missed = sorted(found["secretlint"] - found["fourc"])
    if missed:
        print("NOT a subset: %d planted secrets secretlint found and fourc did not:" % len(missed))
        for i in missed[:20]:
            p = planted[i]
            print("  %s:%d:%d %s" % (p["file"], p["line"], p["column"], p["detector"]))
    else:
        print("planted found by secretlint (%d) are all found by fourc (%d)" %
              (len(found["secretlint"]), len(found["fourc"])))
    sys.exit(1 if missed else 0)
EOF
