#!/bin/sh
# tests/fuzz/run.sh [SECONDS]: build the libFuzzer targets with clang and
# run each for SECONDS (default 60), seeded with every manifest and rule
# pack in the tree. Not part of `make check` (it needs clang and time);
# run it after touching a parser. Crashes are left in tests/fuzz/out/.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
out=$top/tests/fuzz/out
mkdir -p "$out/corpus"
find "$top/examples" "$top/checks/rules" -name '*.yaml' -exec cp {} "$out/corpus/" \; 2>/dev/null || true
flags=$(pkg-config --cflags --libs yaml-0.1 jansson libcrypto)
clang -g -O1 -fsanitize=fuzzer,address,undefined -include "$top/tests/fuzz/config.h" \
    -I"$top/src" "$top/tests/fuzz/fuzz_yaml.c" "$top/src/yamljson.c" \
    "$top/src/yamlfast.c" "$top/src/util.c" "$top/src/err.c" $flags \
    -o "$out/fuzz_yaml"
cd "$out"
./fuzz_yaml -max_total_time="$secs" -max_len=4096 -artifact_prefix="$out/" corpus
