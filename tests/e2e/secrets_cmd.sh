#!/bin/sh
# End-to-end: `fourc secrets PATH...`. Exit 0 on a clean tree, 1 on any
# secret, 2 on usage errors and unreadable input; the planted values never
# appear in stdout or stderr (text or JSON), only their first 4 characters
# and hash; binary and oversized files are skipped and counted; a secret
# across the 8 MiB read-chunk edge of a big file is found once.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

PACK=$TOP_SRCDIR/tests/unit/data/detectors-test.yaml

# Planted values, built here so this script holds none whole.
AKID="AKIA$(printf 'QYLPMN5HHHFPZAM2')"
GHP="ghp_$(printf 'R7mK2pQ9xW4vT8nB3cJ6hL1sD5fG0aZyE2uI')"
PW='Tq7#mZ2@vL9!pR4w'
STRIPE="sk_live_$(printf 'Xy7Qm2Lp9Rt4Vb8Nc3Kd6Hs1')"
ALL="$AKID $GHP $PW $STRIPE"

mkdir -p tree/src tree/config tree/testdata clean
printf 'int main(void) { return 0; }\n' >clean/main.c
printf '# shop\nSee docs.\n' >clean/README.md
printf 'package main\n\nconst id = "%s"\n' "$AKID" >tree/src/main.go
printf 'x: 1\ntoken: "%s"\n' "$GHP" >tree/config/app.yaml
printf 'password = "%s"\n' "$PW" >tree/config/.env
printf 'password = "%s" # fourc:allow\n' "$PW" >tree/config/allowed.env
printf 'id = AKIAIOSFODNN7EXAMPLE\n' >tree/src/example.txt
printf 'ELF\000\001%s\n' "$STRIPE" >tree/src/blob.bin

# --- exit codes ----------------------------------------------------------------

expect_exit 0 "a clean tree: exit 0" "$FOURC" secrets --detectors "$PACK" clean
check "the summary says 0 secrets" grep -q '^0 secrets in 2 files' "$OUT"

expect_exit 1 "a tree with secrets: exit 1" "$FOURC" secrets --detectors "$PACK" tree
cp "$OUT" text.out
cp "$ERR" text.err
check "the AWS key id at src/main.go:3:13" \
    grep -q '^tree/src/main.go:3:13  aws-access-key-id  high  AKIA' text.out
check "the GitHub token at config/app.yaml:2:9" \
    grep -q '^tree/config/app.yaml:2:9  github-pat  high  ghp_' text.out
check "the password at config/.env:1:13" \
    grep -q '^tree/config/.env:1:13  generic-password  medium  Tq7#' text.out
check_eq "three findings, nothing else (example key, fourc:allow, binary)" 3 \
    "$(grep -c 'sha256:' text.out)"
check "the hash is the value's SHA-256 (12 hex digits)" \
    grep -q "sha256:$(printf '%s' "$AKID" | sha256sum | cut -c1-12)\$" text.out
check "the binary file is skipped and counted" \
    grep -q 'skipped 1: binary' text.out

expect_exit 1 "one file named directly: exit 1" "$FOURC" secrets --detectors "$PACK" tree/src/main.go
expect_exit 0 "the built-in detectors on the clean tree: exit 0" "$FOURC" secrets clean
expect_exit 1 "the built-in detectors find the AWS key id" "$FOURC" secrets tree/src/main.go
expect_exit 2 "no PATH: usage error" "$FOURC" secrets
expect_exit 2 "unknown option" "$FOURC" secrets --nope tree
expect_exit 2 "unknown format" "$FOURC" secrets --format xml tree
expect_exit 2 "a bad --max-file-size" "$FOURC" secrets --max-file-size 10Q tree
expect_exit 2 "a missing path: runtime error" "$FOURC" secrets /nonexistent/x
check "it names the path" grep -q '/nonexistent/x' "$ERR"
printf -- '- id: x\n  severity: high\n  pattern: "(("\n' >bad.yaml
expect_exit 2 "an invalid detector file" "$FOURC" secrets --detectors bad.yaml clean
check "it names the file and the detector" grep -q 'bad.yaml: detector 1 x: invalid pattern' "$ERR"
expect_exit 0 "--help: exit 0" "$FOURC" secrets --help
check "--help shows the usage" grep -q '^Usage: fourc secrets' "$OUT"

if [ "$(id -u)" -ne 0 ]; then
    mkdir -p unread && printf 'x\n' >unread/f && chmod 000 unread/f
    expect_exit 2 "an unreadable file: exit 2, not a clean pass" \
        "$FOURC" secrets --detectors "$PACK" unread
    chmod 644 unread/f
fi

# --- JSON ----------------------------------------------------------------------

expect_exit 1 "--format json: exit 1" "$FOURC" secrets --format json --detectors "$PACK" tree
cp "$OUT" json.out
cat "$ERR" >>text.err
jq_ok "json: schema and three findings" json.out \
    'r["schema"] == "fourc.secrets/v1" and len(r["findings"]) == 3'
jq_ok "json: the AWS key id with line, column, prefix and hash" json.out \
    '[(f["line"], f["column"], f["prefix"]) for f in r["findings"] if f["detector"] == "aws-access-key-id"] == [(3, 13, "AKIA")] and all(re.match("^sha256:[0-9a-f]{64}$", f["hash"]) for f in r["findings"])'
jq_ok "json: the summary counts files, skips and errors" json.out \
    'r["summary"]["findings"] == 3 and r["summary"]["errors"] == 0 and sum(r["summary"]["skipped"].values()) == 1'

# --- big files -------------------------------------------------------------------

# 12 MiB of source-like lines with the key id across the 8 MiB chunk edge.
"$PYTHON" - <<EOF
line = b"static int counter_value = 12345; /* filler text here */\n"
edge = 8 << 20
data = bytearray()
while len(data) < edge - 100:
    data += line
pad = edge - 10 - len(data)
data += b"x" * pad + b' id = "$AKID"\n'
while len(data) < 12 << 20:
    data += line
open("big.c", "wb").write(data)
EOF
mkdir -p big && mv big.c big/
expect_exit 0 "a 12 MiB file over --max-file-size 10M is skipped (exit 0)" \
    "$FOURC" secrets --detectors "$PACK" --max-file-size 10M big
check "the summary counts it" grep -q 'skipped 1: over --max-file-size' "$OUT"
expect_exit 1 "with --max-file-size 20M the key across the chunk edge is found" \
    "$FOURC" secrets --detectors "$PACK" --max-file-size 20M big
check_eq "found once" 1 "$(grep -c 'aws-access-key-id' "$OUT")"

# 1 GiB without a newline (sparse: text in the first 8 KiB, then NUL
# bytes the sniffer does not see), the key id near its end: found at line
# 1 with its byte column, in bounded memory.
mkdir -p huge
"$PYTHON" - "$AKID" <<'EOF'
import sys
with open("huge/huge.txt", "wb") as f:
    f.write(b"lorem ipsum " * 700)
    f.seek((1 << 30) - 100)
    f.write(b' "' + sys.argv[1].encode() + b'" ')
EOF
if [ -x /usr/bin/time ]; then
    expect_exit 1 "a 1 GiB file without a newline: the key near its end" \
        /usr/bin/time -f 'maxrss %M' "$FOURC" secrets --detectors "$PACK" \
        --max-file-size 2G huge
    check "at line 1, column 1073741727" \
        grep -q '^huge/huge.txt:1:1073741727  aws-access-key-id' "$OUT"
    rss=$(sed -n 's/^maxrss //p' "$ERR")
    check "in bounded memory (${rss} KiB < 131072)" test "${rss:-999999}" -lt 131072
fi
rm -rf huge

# --- no planted value anywhere -------------------------------------------------

for v in $ALL; do
    check "no '$(printf '%s' "$v" | cut -c1-4)...' value in any output" \
        sh -c '! grep -rqF -- "$1" text.out text.err json.out' sh "$v"
done

e2e_finish
