# Shared helpers for the end-to-end tests of the AWS collector (POSIX sh),
# sourced after lib.sh and e2e_init:
#     . "$TOP_SRCDIR/tests/e2e/awslib.sh"
#     moto_start          # moto_server on a free 127.0.0.1 port: $MOTO
#     awsc s3api create-bucket --bucket b1     # /usr/bin/aws against it
#     moto_reset          # moto's state back to empty
#     aws_scan [args]     # fourc scan --aws --aws-endpoint $MOTO ... (run)
#
# moto_server is a hard prerequisite: missing, the test fails (it is
# installed by dev/deps through the pyenv Python on PATH). awscli is
# Debian's, at /usr/bin/aws.
#
# Credentials are moto's dummy ones, in the environment; nothing here
# reads ~/.aws (HOME points into $T).

AWS_CLI=${AWS_CLI:-/usr/bin/aws}
MOTO=
MOTO_PID=

moto_start() {
    if ! command -v moto_server >/dev/null 2>&1; then
        echo "not ok - moto_server is on PATH (pip install 'moto[server]==5.2.1')"
        e2e_failed=1
        e2e_finish
    fi
    if [ ! -x "$AWS_CLI" ]; then
        echo "not ok - $AWS_CLI is installed (apt-get install awscli)"
        e2e_failed=1
        e2e_finish
    fi
    export HOME="$T/home"
    mkdir -p "$HOME"
    export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
    export AWS_DEFAULT_REGION=us-east-1
    unset AWS_PROFILE AWS_SESSION_TOKEN AWS_CONFIG_FILE \
        AWS_SHARED_CREDENTIALS_FILE AWS_REGION
    for _try in 1 2 3 4 5; do
        _port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        moto_server -H 127.0.0.1 -p "$_port" >"$T/moto.log" 2>&1 &
        MOTO_PID=$!
        MOTO=http://127.0.0.1:$_port
        _i=0
        while [ $_i -lt 100 ]; do
            if "$PYTHON" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1]+'/moto-api/', timeout=1)" "$MOTO" 2>/dev/null; then
                return 0
            fi
            kill -0 "$MOTO_PID" 2>/dev/null || break
            sleep 0.1
            _i=$((_i + 1))
        done
        kill "$MOTO_PID" 2>/dev/null
        wait "$MOTO_PID" 2>/dev/null
    done
    echo "not ok - moto_server came up on 127.0.0.1"
    sed 's/^/# /' "$T/moto.log" | tail -20
    e2e_failed=1
    e2e_finish
}

moto_stop() {
    if [ -n "$MOTO_PID" ]; then
        kill "$MOTO_PID" 2>/dev/null
        wait "$MOTO_PID" 2>/dev/null
        MOTO_PID=
    fi
}

moto_reset() {
    "$PYTHON" -c "import urllib.request,sys; urllib.request.urlopen(urllib.request.Request(sys.argv[1]+'/moto-api/reset', method='POST'), timeout=10)" "$MOTO"
}

# /usr/bin/aws against moto; output on stdout, errors on stderr.
awsc() {
    "$AWS_CLI" --endpoint-url "$MOTO" --output json "$@"
}

# fourc scan of moto's account; the last command's status and output as
# run sets them (RC, OUT, ERR).
aws_scan() {
    run "$FOURC" scan --aws --aws-endpoint "$MOTO" "$@"
}

# The statuses of RULE's findings on resources whose uid ends with SUFFIX
# in the latest scan of DB, comma-separated and sorted ("none": no
# finding): aws_status DB RULE SUFFIX
aws_status() {
    "$FOURC" report --db "$1" --format json 2>/dev/null | "$PYTHON" -c '
import json, sys
rule, suffix = sys.argv[1], sys.argv[2]
doc = json.load(sys.stdin)
st = sorted({f["status"] for f in doc["findings"]
             if f["rule"] == rule and f["resource"]["uid"].endswith(suffix)})
print(",".join(st) if st else "none")' "$2" "$3"
}

# tests/tools/awsproxy.py in front of moto: $PROXY (its URL), faults from
# $PROXY_RULES (proxy_faults JSON sets them; read per request), one JSON
# line per request in $PROXY_LOG.
PROXY=
PROXY_PID=
PROXY_RULES=
PROXY_LOG=
proxy_start() {
    PROXY_RULES=$T/proxy-rules.json
    PROXY_LOG=$T/proxy-log.jsonl
    echo '[]' >"$PROXY_RULES"
    : >"$PROXY_LOG"
    rm -f "$T/proxy.port"
    "$PYTHON" "$TOP_SRCDIR/tests/tools/awsproxy.py" --upstream "$MOTO" \
        --port-file "$T/proxy.port" --rules "$PROXY_RULES" \
        --log "$PROXY_LOG" 2>"$T/proxy.err" &
    PROXY_PID=$!
    _i=0
    while [ ! -s "$T/proxy.port" ] && [ $_i -lt 100 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    PROXY=http://127.0.0.1:$(cat "$T/proxy.port")
}

proxy_stop() {
    if [ -n "$PROXY_PID" ]; then
        kill "$PROXY_PID" 2>/dev/null
        wait "$PROXY_PID" 2>/dev/null
        PROXY_PID=
    fi
}

# proxy_faults '[{"service": "ec2", "action": "...", "fault": "denied"}]'
proxy_faults() {
    printf '%s\n' "$1" >"$PROXY_RULES.tmp" && mv "$PROXY_RULES.tmp" "$PROXY_RULES"
    : >"$PROXY_LOG"
}

aws_stop_all() {
    proxy_stop
    moto_stop
    e2e_cleanup
}
