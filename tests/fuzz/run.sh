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
flags=$(pkg-config --cflags --libs yaml-0.1 jansson libcrypto zlib libzstd)
build() {
    name=$1
    shift
    clang -g -O1 -fsanitize=fuzzer,address,undefined \
        -include "$top/tests/fuzz/config.h" -I"$top/src" -I"$top/collectors" \
        "$top/tests/fuzz/$name.c" "$@" "$top/src/util.c" "$top/src/err.c" \
        $flags -o "$out/$name"
}
build fuzz_yaml "$top/src/yamljson.c" "$top/src/yamlfast.c"
build fuzz_dockerfile "$top/collectors/dockerfile_parse.c" "$top/src/redact.c"
build fuzz_tar "$top/collectors/decomp.c" "$top/collectors/tar.c"
mkdir -p "$out/corpus-dockerfile" "$out/corpus-tar"
find "$top/examples" "$top/checks/rules/cis-docker" "$top/tests/unit/data" \
    -name '*Dockerfile*' -type f -exec cp {} "$out/corpus-dockerfile/" \; 2>/dev/null || true
printf 'FROM alpine:3.20\nRUN echo hi\n' >"$out/seed-Dockerfile"
tar -cf "$out/corpus-tar/seed.tar" -C "$out" seed-Dockerfile
gzip -c "$out/corpus-tar/seed.tar" >"$out/corpus-tar/seed.tar.gz"
cd "$out"
for t in fuzz_yaml:corpus fuzz_dockerfile:corpus-dockerfile fuzz_tar:corpus-tar; do
    ./"${t%%:*}" -max_total_time="$secs" -max_len=8192 \
        -artifact_prefix="$out/${t%%:*}-" "${t#*:}" || exit 1
done
