#!/usr/bin/env bash
# Benchmark `fourc scan --aws` against moto_server seeded with many
# resources in two regions: wall time, peak RSS, CPU share, HTTP requests
# per service, whether any request was sent twice, and how time grows with
# the resource count (issue 12's figures; results in benchmarks/RESULTS.md).
#
#   benchmarks/aws.sh [SCALE...]        (default: 0.25 0.5 1)
#
# Each SCALE is a fraction of the full size: BUCKETS S3 buckets, SGS
# security groups (over VPCs of 250) and USERS IAM users (some with access
# keys, policies, groups, console passwords), the buckets and groups split
# evenly over REGIONS. Sizes run smallest first on ONE moto_server, each
# seeded up from the one before (tests/tools/awsseed.py makes only what is
# missing), so the seeding time printed for a size is its increment.
#
# For each size: seed (and verify the counts read back), then the timed
# scan straight against moto, under /usr/bin/time -v; then, unless AUDIT=0,
# the same scan again through tests/tools/awscount.py, a logging proxy, for
# the requests per service and operation and the repeats (same method,
# host, path and body). Three request counts are printed and should agree:
# fourc's own ("aws: N requests (iam N, ec2 N, ...), R repeated, in S s" on
# stderr),
# moto's access log during the timed scan, and the proxy's log.
#
# Environment:
#   FOURC    fourc binary   (default: <repo>/fourc, else _build/release, _build/dev)
#   BUCKETS SGS USERS  full size (default: 2000 5000 1000)
#   REGIONS  regions       (default: "us-east-1 eu-west-1")
#   PYTHON   Python 3 with boto3 (default: python3 on PATH, the pyenv one)
#   MOTO     moto_server   (default: moto_server on PATH)
#   AUDIT    0: no second scan through the proxy (default: 1)
#   SCAN     0: seed and verify only, no fourc (default: 1; also 0 when
#            this fourc has no --aws)
#   WORKERS  seeding threads (default: 8)
#   KEEP     1: keep the work directory (printed) (default: 0)
set -eu
set -o pipefail

die() { printf 'bench_aws: %s\n' "$*" >&2; exit 2; }
say() { printf 'bench_aws: %s\n' "$*" >&2; }

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
if [ -z "${FOURC:-}" ]; then
    for f in "$root/fourc" "$root/_build/release/fourc" "$root/_build/dev/fourc"; do
        if [ -x "$f" ]; then FOURC=$f; break; fi
    done
fi
FOURC=${FOURC:-$root/fourc}
BUCKETS=${BUCKETS:-2000} SGS=${SGS:-5000} USERS=${USERS:-1000}
REGIONS=${REGIONS:-us-east-1 eu-west-1}
PYTHON=${PYTHON:-python3}
MOTO=${MOTO:-moto_server}
AUDIT=${AUDIT:-1} SCAN=${SCAN:-1} WORKERS=${WORKERS:-8} KEEP=${KEEP:-0}
TIME=/usr/bin/time
SEED=$root/tests/tools/awsseed.py
PROXY=$root/tests/tools/awscount.py

"$PYTHON" -c 'import boto3' 2>/dev/null || die "$PYTHON has no boto3 (set PYTHON=)"
command -v "$MOTO" >/dev/null || die "$MOTO not found (pip install 'moto[server]', or set MOTO=)"
[ -x "$TIME" ] || die "$TIME not found (apt-get install time)"
if [ "$SCAN" = 1 ]; then
    [ -x "$FOURC" ] || die "fourc binary not found at $FOURC (build it, or set FOURC=)"
    # (the help captured first: grep -q leaving early would be a SIGPIPE
    # that pipefail reports as a failure)
    if ! printf '%s\n' "$("$FOURC" scan --help 2>&1)" | grep -q -- '--aws'; then
        say "$FOURC has no --aws: seeding and verifying only"
        SCAN=0
    fi
fi
verbose=
if [ "$SCAN" = 1 ] && printf '%s\n' "$("$FOURC" scan --help 2>&1)" | grep -Eq -- '(^|[ ,])(-v|--verbose)\b'; then
    verbose=-v
fi
scales=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(0.25 0.5 1)
mapfile -t scales < <(printf '%s\n' "${scales[@]}" | sort -g)
region_args=()
for r in $REGIONS; do region_args+=(--region "$r"); done
regions_csv=$(printf '%s' "$REGIONS" | tr ' ' ',')

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fourc-bench-aws.XXXXXX")
moto_pid='' proxy_pid=''
cleanup() {
    local pid
    for pid in $proxy_pid $moto_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "$KEEP" = 1 ]; then say "work directory kept: $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# moto_server on a free port (another process may take it between the
# check and the bind: try a few)
for _ in 1 2 3 4 5; do
    port=$(free_port)
    "$MOTO" -H 127.0.0.1 -p "$port" >"$tmp/moto.log" 2>&1 &
    moto_pid=$!
    for _ in $(seq 100); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/data.json" 2>/dev/null; then
            break 2
        fi
        kill -0 "$moto_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
    moto_pid=
done
[ -n "$moto_pid" ] || die "moto_server did not come up: $(tail -n 3 "$tmp/moto.log")"
url=http://127.0.0.1:$port
say "moto_server $(${PYTHON} -c 'import moto; print(moto.__version__)') at $url (pid $moto_pid)"

proxy_url=
if [ "$SCAN" = 1 ] && [ "$AUDIT" = 1 ]; then
    "$PYTHON" "$PROXY" serve --upstream "$url" --log "$tmp/proxy-all.jsonl" \
        --port-file "$tmp/proxy.port" 2>"$tmp/proxy.err" &
    proxy_pid=$!
    for _ in $(seq 100); do [ -s "$tmp/proxy.port" ] && break; sleep 0.1; done
    [ -s "$tmp/proxy.port" ] || die "awsproxy did not come up: $(tail -n 3 "$tmp/proxy.err")"
    proxy_url=http://127.0.0.1:$(cat "$tmp/proxy.port")
fi

# The scan's credentials are moto's test ones; nothing of the caller's.
aws_env=(env -u AWS_SESSION_TOKEN -u AWS_PROFILE -u AWS_DEFAULT_PROFILE
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
    AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null
    AWS_SHARED_CREDENTIALS_FILE=/dev/null FOURC_TIMINGS=1)

# moto's werkzeug access log: one line per request
req_re='"(GET|POST|PUT|HEAD|DELETE|PATCH) '
moto_lines() { wc -l <"$tmp/moto.log"; }
json_get() { "$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d.get(k) if isinstance(d, dict) else None
print(json.dumps(d) if isinstance(d, (dict, list)) else ("n/a" if d is None else d))' "$@"; }

rows=()
base_per_k=
for scale in "${scales[@]}"; do
    n=$("$PYTHON" -c "print(round($BUCKETS*$scale))")
    m=$("$PYTHON" -c "print(round($SGS*$scale))")
    k=$("$PYTHON" -c "print(round($USERS*$scale))")
    tag=$scale
    say "scale $scale: seeding up to $n buckets, $m security groups, $k users"
    t0=$(date +%s.%N)
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
        "$PYTHON" "$SEED" --endpoint "$url" --regions "$regions_csv" \
        --buckets "$n" --sgs "$m" --users "$k" --workers "$WORKERS" --verify \
        >"$tmp/seed-$tag.json" 2>"$tmp/seed-$tag.err" ||
        die "seeding failed: $(tail -n 3 "$tmp/seed-$tag.err") $(cat "$tmp/seed-$tag.json")"
    seed_s=$(json_get "$tmp/seed-$tag.json" seed_seconds)
    seed_req=$(json_get "$tmp/seed-$tag.json" seed_requests)
    say "scale $scale: seeded in $seed_s s ($seed_req requests, $(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN{printf "%.1f", a-b}') s with verifying); counts verified"
    if [ "$SCAN" != 1 ]; then
        rows+=("$(printf '%6s %7s %6s %6s %8s %8s %8s %8s %8s %8s %8s %6s' \
            "$scale" "$n" "$m" "$k" "$seed_s" - - - - - - -)")
        continue
    fi

    # the timed scan, straight at moto
    rm -f "$tmp/scan-$tag.db"*
    before=$(moto_lines)
    set +e
    "${aws_env[@]}" "$TIME" -v -o "$tmp/time-$tag" \
        "$FOURC" scan --aws --aws-endpoint "$url" "${region_args[@]}" \
        --db "$tmp/scan-$tag.db" $verbose >"$tmp/scan-$tag.out" 2>"$tmp/scan-$tag.err"
    rc=$?
    set -e
    sed -n "$((before + 1)),\$p" "$tmp/moto.log" | grep -E "$req_re" >"$tmp/moto-$tag.log" || true
    moto_n=$(wc -l <"$tmp/moto-$tag.log")
    moto_post=$(grep -c '"POST / ' "$tmp/moto-$tag.log" || true)
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        say "scale $scale: fourc scan exited $rc: $(grep -v '^timing:' "$tmp/scan-$tag.err" | tail -n 3)"
    fi
    wall=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$tmp/time-$tag" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }')
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time-$tag" | awk '{printf "%.1f", $1/1024}')
    cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$tmp/time-$tag")
    share=$(awk -v c="$cpu" -v w="$wall" 'BEGIN { if (w > 0) printf "%.0f%%", 100*c/w; else print "n/a" }')
    fourc_line=$(grep -m1 -oE 'aws: [0-9]+ requests.*' "$tmp/scan-$tag.err" || true)
    fourc_total=n/a
    if [ -n "$fourc_line" ]; then
        fourc_total=$(printf '%s\n' "$fourc_line" | sed -E 's/^aws: ([0-9]+) requests.*/\1/')
    fi
    resources=$(sed -n 's/^\([0-9][0-9]*\) resources from.*/\1/p' "$tmp/scan-$tag.out" "$tmp/scan-$tag.err" | head -n 1)
    resources=${resources:-n/a}
    per_k=n/a
    total=$((n + m + k))
    per_k=$(awk -v w="$wall" -v t="$total" 'BEGIN { printf "%.3f", 1000*w/t }')
    [ -n "$base_per_k" ] || base_per_k=$per_k

    # the same scan through the logging proxy
    proxy_total=n/a repeated=n/a
    if [ -n "$proxy_url" ]; then
        : >"$tmp/proxy-all.jsonl"
        rm -f "$tmp/scan-$tag-audit.db"*
        set +e
        "${aws_env[@]}" "$FOURC" scan --aws --aws-endpoint "$proxy_url" "${region_args[@]}" \
            --db "$tmp/scan-$tag-audit.db" -q >/dev/null 2>"$tmp/scan-$tag-audit.err"
        set -e
        cp "$tmp/proxy-all.jsonl" "$tmp/proxy-$tag.jsonl"
        "$PYTHON" "$PROXY" report "$tmp/proxy-$tag.jsonl" >"$tmp/proxy-$tag.txt"
        "$PYTHON" "$PROXY" report --json "$tmp/proxy-$tag.jsonl" >"$tmp/proxy-$tag.json"
        proxy_total=$(json_get "$tmp/proxy-$tag.json" requests)
        repeated=$(json_get "$tmp/proxy-$tag.json" repeated)
    fi
    rows+=("$(printf '%6s %7s %6s %6s %8s %8s %8s %8s %8s %8s %8s %6s' \
        "$scale" "$n" "$m" "$k" "$seed_s" "$wall" "$rss" "$share" \
        "$fourc_total" "$moto_n" "$proxy_total" "$repeated")")
    {
        echo "--- scale $scale ($n buckets, $m security groups, $k users; $resources resources)"
        echo "fourc:   ${fourc_line:-(no 'aws: N requests' line on stderr)}"
        grep '^timing:' "$tmp/scan-$tag.err" | sed 's/^/         /' || true
        echo "moto:    $moto_n requests in its access log ($moto_post POST / [query and JSON protocols], the rest REST [S3])"
        echo "         wall per 1000 resources seeded: $per_k s (smallest size: $base_per_k s)"
        if [ -n "$proxy_url" ]; then
            echo "proxy:   $(head -n 3 "$tmp/proxy-$tag.txt" | tr '\n' ';' | sed 's/;/; /g')"
            sed -n '/^by operation:/,/^repeated:/p' "$tmp/proxy-$tag.txt" | sed 's/^/         /'
        fi
    } >>"$tmp/details"
done

printf '\n%6s %7s %6s %6s %8s %8s %8s %8s %8s %8s %8s %6s\n' \
    scale buckets sgs users seed_s wall_s rss_MB cpu/wall req_fourc req_moto req_proxy repeat
printf '%s\n' "${rows[@]}"
if [ -f "$tmp/details" ]; then echo; cat "$tmp/details"; fi
