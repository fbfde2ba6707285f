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
# The targets compile the sources as the build does, with its config.h:
# take it from a configured build (./dev/build), never guess it.
cfg=
for c in "${FOURC_BUILD:-}/config.h" "$top"/_build/*/config.h "$top/config.h"; do
    [ -f "$c" ] && { cfg=$c; break; }
done
[ -n "$cfg" ] || { echo "fuzz/run.sh: no config.h: run ./dev/build first" >&2; exit 2; }
flags=$(pkg-config --cflags --libs yaml-0.1 jansson libcrypto zlib libzstd)
build() {
    name=$1
    shift
    clang -g -O1 -fsanitize=fuzzer,address,undefined \
        -include "$cfg" -I"$top/core" -I"$top/collectors" -I"$top/collectors/dockerfile" \
        -I"$top/collectors/image" -I"$top/collectors/node" -I"$top/checks" \
        "$top/tests/fuzz/$name.c" "$@" "$top/core/util.c" "$top/core/err.c" \
        $flags -o "$out/$name"
}
build fuzz_yaml "$top/core/yamljson.c" "$top/core/yamlfast.c" "$top/core/yamlfast_scalar.c"
build fuzz_dockerfile "$top/collectors/dockerfile_parse.c" \
    "$top/collectors/dockerfile_words.c" "$top/collectors/dockerfile_insn.c" \
    "$top/core/redact.c" "$top/core/redact_cmd.c" "$top/core/redact_text.c" "$top/collectors/userspec.c" "$top/collectors/dockerfile_script.c"
build fuzz_redact "$top/core/redact.c" "$top/core/redact_cmd.c" "$top/core/redact_text.c"
build fuzz_tar "$top/collectors/decomp.c" "$top/collectors/tar.c"
build fuzz_imagefs "$top/collectors/image/imagefs.c" "$top/collectors/image/imagefs_out.c" \
    "$top/collectors/image/imagefs_read.c" "$top/collectors/image/imagefs_pkg.c" \
    "$top/collectors/tar.c"
build fuzz_distrib "$top/collectors/image/distrib_ref.c"
build fuzz_jsonpick "$top/checks/jsonpick.c" $(pkg-config --libs sqlite3)
build fuzz_json "$top/core/jsonfast.c"
build fuzz_node "$top/collectors/node/node_flags.c" "$top/collectors/node/node_flags_config.c"
build fuzz_aws_ini -I"$top/collectors/aws" "$top/collectors/aws/aws_ini.c" \
    "$top/collectors/aws/aws_creds_proc.c"
build fuzz_workflow -I"$top/collectors/code" "$top/collectors/code/workflow.c" \
    "$top/collectors/code/workflow_gha.c" "$top/collectors/code/workflow_gitlab.c" \
    "$top/collectors/code/hygiene.c" "$top/core/yamljson.c" "$top/core/yamlfast.c" \
    "$top/core/yamlfast_scalar.c" "$top/core/jalloc.c" "$top/core/redact.c" \
    "$top/core/redact_cmd.c" "$top/core/redact_text.c"
mkdir -p "$out/corpus-dockerfile" "$out/corpus-tar"
find "$top/examples" "$top/checks/rules/cis-docker" "$top/tests/unit/data" \
    -name '*Dockerfile*' -type f -exec cp {} "$out/corpus-dockerfile/" \; 2>/dev/null || true
printf 'FROM alpine:3.20\nRUN echo hi\n' >"$out/seed-Dockerfile"
tar -cf "$out/corpus-tar/seed.tar" -C "$out" seed-Dockerfile
gzip -c "$out/corpus-tar/seed.tar" >"$out/corpus-tar/seed.tar.gz"
# fuzz_imagefs: a selector byte (0 passwd ... 8 sniffers, 9 tar layers),
# then the content.
ci=$out/corpus-imagefs
seed=$out/seed-imagefs
rm -rf "$seed"
mkdir -p "$ci" "$seed/etc/ssh" "$seed/usr/lib" "$seed/usr/bin" \
    "$seed/var/lib/dpkg/status.d" "$seed/lib/apk/db" "$seed/opt"
: >"$seed/opt/.wh..wh..opq"
printf 'root:x:0:0:root:/root:/bin/bash\ntoor::0:0::/:/bin/sh\r\nbad:x:a\n' \
    >"$seed/etc/passwd"
printf 'root:x:0:\nsudo:x:27:app,ops\n' >"$seed/etc/group"
# shellcheck disable=SC2016 # a literal hash field
printf 'root:$6$s$h:1::::::\napp:!:1::::::\nnopw::1::::::\n' >"$seed/etc/shadow"
printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian \\"x\\""\n' \
    >"$seed/usr/lib/os-release"
ln -s ../usr/lib/os-release "$seed/etc/os-release"
printf 'Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl (3.0.11-1)\nVersion: 3.0.11-1~deb12u2\nDescription: x\n more\n\nPackage: gone\nStatus: deinstall ok config-files\n' \
    >"$seed/var/lib/dpkg/status"
printf 'Package: tzdata\nVersion: 2024a\nArchitecture: all\n' \
    >"$seed/var/lib/dpkg/status.d/tzdata"
printf 'P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n\n' >"$seed/lib/apk/db/installed"
printf '%s\n' '-----BEGIN OPENSSH PRIVATE KEY-----' >"$seed/etc/ssh/ssh_host_key"
printf '//r/:_authToken=abc\n' >"$seed/.npmrc"
printf 'x' >"$seed/usr/bin/su" && chmod 4755 "$seed/usr/bin/su"
: >"$seed/usr/bin/.wh.gone"
i=0
for f in etc/passwd etc/group etc/shadow usr/lib/os-release \
    var/lib/dpkg/status var/lib/dpkg/status.d/tzdata lib/apk/db/installed \
    etc/passwd etc/ssh/ssh_host_key; do
    # shellcheck disable=SC2059 # the selector byte, as an octal escape
    { printf "\\$(printf '%03o' "$i")"; cat "$seed/$f"; } >"$ci/seed-$i"
    i=$((i + 1))
done
# tar seeds: selector 9, then where layer 0 ends (255: all of it)
for part in "etc/passwd etc/group etc/shadow etc/os-release usr/lib" "var lib" \
    "etc/ssh usr/bin opt .npmrc"; do
    # shellcheck disable=SC2086 # the parts are lists of paths
    { printf '\011\377'; tar -b1 --format=ustar -cf - -C "$seed" $part; } \
        >"$ci/seed-tar-$(echo "$part" | cut -c1-7 | tr ' /' '__')"
done
# fuzz_distrib: a selector byte (0 reference, 1 WWW-Authenticate, 2 status
# line and error body, 3 Retry-After, 4 token, 5 docker config after a
# host byte, 6 distrib_add_clean), then the input.
cdist=$out/corpus-distrib
mkdir -p "$cdist"
printf '\000127.0.0.1:5000/team/app:1.4@sha256:%064d' 0 >"$cdist/ref-digest"
printf '\000[::1]:5000/library/alpine' >"$cdist/ref-ipv6"
printf '\001Bearer realm="https://a.example/token",service="r, \\"x\\""\nBasic realm="r"' \
    >"$cdist/wwwauth"
printf '\002HTTP/1.1 404 Not Found\n{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}' \
    >"$cdist/errbody"
printf '\00330' >"$cdist/retry-after"
printf '\004{"token":"abc","access_token":"def"}' >"$cdist/token"
printf '\005\002{"auths":{"https://127.0.0.1:5000/v2/":{"auth":"YWxpY2U6czNjcjN0LUE="},"r.example":{"username":"u","password":"p"}},"credHelpers":{"x":"y"}}' \
    >"$cdist/config"
printf '\006caf\303\251 \001\377' >"$cdist/clean"
# fuzz_jsonpick: a document, a NUL byte, a path.
cjp=$out/corpus-jsonpick
mkdir -p "$cjp"
printf '{"spec":{"a":1,"b":"x\\"y","c":[{"d":null}]}}\000$.spec' >"$cjp/member"
printf '{"a":{"b":true},"a":2}\000$' >"$cjp/duplicate"
# fuzz_json: JSON documents (the manifests' JSON examples, and a few)
cjs=$out/corpus-json
mkdir -p "$cjs"
find "$top/examples" "$top/tests" -name '*.json' -size -8k -type f \
    -exec cp {} "$cjs/" \; 2>/dev/null || true
printf '{"kind":"List","items":[{"a":"\\ud83d\\ude00\\u00e9","b":[1,-2.5e3,true,null]}]}' >"$cjs/list"
printf '[9223372036854775807,-9223372036854775808,1e308,"caf\303\251"]' >"$cjs/edges"
# fuzz_redact: command lines and config text
cred=$out/corpus-redact
mkdir -p "$cred"
printf "sh -c \"mysql -uroot -pX && curl -u a:b https://u:p@h/\"; export TOKEN=x" >"$cred/shell"
printf 'db.password=x\n"token": "y",\n-----BEGIN RSA PRIVATE KEY-----\nMII\n-----END RSA PRIVATE KEY-----\n' >"$cred/text"
printf 'htpasswd\000-nb\000u\000p\000--token\000t' >"$cred/argv"
# fuzz_node: a selector byte (0 systemd unit, 1 EnvironmentFile, 2 argv,
# 3 config JSON), then the input.
cnode=$out/corpus-node
mkdir -p "$cnode"
printf '\000[Service]\nEnvironment="A=--x=1 --y" B=2\nExecStart=\nExecStart=-/usr/bin/kubelet $A "${B}z" \\\n  --c=d $$H\n' >"$cnode/unit"
printf '\001KUBELET_KUBEADM_ARGS="--a=b --c"\n# x\nexport K=\x27v w\x27\n' >"$cnode/envfile"
printf '\002kube-apiserver\000--etcd-servers\000https://e\000--profiling\000--a=b' >"$cnode/argv"
printf '\003{"kind":"KubeletConfiguration","readOnlyPort":0,"authentication":{"anonymous":{"enabled":false}},"featureGates":{"A":true},"tlsCipherSuites":["x","y"]}' >"$cnode/config"
cd "$out"
for t in fuzz_yaml:corpus fuzz_dockerfile:corpus-dockerfile fuzz_tar:corpus-tar \
    fuzz_imagefs:corpus-imagefs fuzz_distrib:corpus-distrib \
    fuzz_jsonpick:corpus-jsonpick fuzz_redact:corpus-redact fuzz_json:corpus-json \
    fuzz_node:corpus-node; do
    ./"${t%%:*}" -max_total_time="$secs" -max_len=8192 \
        -artifact_prefix="$out/${t%%:*}-" "${t#*:}" || exit 1
done
# fuzz_aws_ini: a selector byte (0 an AWS config or credentials file, 1 a
# credential_process command line), then the input.
caws=$out/corpus-aws
mkdir -p "$caws"
printf '\000# c\n[default]\nregion = eu-west-1 # x\n[profile a]\ns3 =\n  max_concurrent_requests = 2\nnote = a\n   b\r\n; c\n' >"$caws/config"
printf '\001/usr/bin/get-creds --p "a b" \x27c;d\x27 e\\ f "g\\"h"' >"$caws/cmd"
./fuzz_aws_ini -max_total_time="$secs" -max_len=8192 \
    -artifact_prefix="$out/fuzz_aws_ini-" "$caws" || exit 1
# fuzz_workflow: a selector byte (0 GitHub workflow, 1 composite action,
# 2 GitLab CI, 3-5 hygiene files), then the file; seeded with the
# workflows of tests/unit/data/workflows and the code pack's fixtures.
cwf=$out/corpus-workflow
mkdir -p "$cwf"
i=0
for f in "$top"/tests/unit/data/workflows/* "$top"/checks/rules/code/fixtures/*/*; do
    [ -f "$f" ] || continue
    case $f in *gitlab*) sel='\002' ;; *action.yml) sel='\001' ;; *.gha.yml|*/workflows/*) sel='\000' ;; *) sel='\003' ;; esac
    { printf "$sel"; cat "$f"; } >"$cwf/seed$i"
    i=$((i + 1))
done
./fuzz_workflow -max_total_time="$secs" -max_len=16384 \
    -artifact_prefix="$out/fuzz_workflow-" "$cwf" || exit 1
