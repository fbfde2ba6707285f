#!/bin/sh
# The folders are layers (DESIGN.md, "Where things live"): includes only
# go down, cli -> report -> checks -> core and cli -> collectors -> core;
# collectors never include checks/ or report/ (nor they a collector's
# header), and a collector family (collectors/<family>/) includes only its
# own folder, the collectors' shared headers (collectors/*.h), the secret
# detectors (collectors/secret/detect.h) and core.
. "$(dirname "$0")/lib.sh"

cd "$TOP_SRCDIR" || exit 2
layer() {
    case $1 in
    core/*) echo core ;;
    collectors/*/*) f=${1#collectors/}; echo "family:${f%%/*}" ;;
    collectors/*) echo collectors ;;
    checks/*) echo checks ;;
    report/*) echo report ;;
    cli/*) echo cli ;;
    *) echo other ;;
    esac
}
allowed() { # from to
    [ "$1" = "$2" ] && return 0
    case $1:$2 in
    *:core) return 0 ;;
    collectors:*) return 1 ;;
    family:*:collectors) return 0 ;;
    # the secret detectors are every collector's (collectors/secret/detect.h:
    # repositories, images, Kubernetes env values, Dockerfiles)
    family:*:family:secret) return 0 ;;
    report:checks) return 0 ;;
    cli:*) return 0 ;;
    esac
    return 1
}
check_tree() { # DIR: prints the problems, sets bad, nfiles, nincl
    (
    cd "$1" || exit 2
    files=$(find core collectors checks report cli -name '*.[ch]' | sort)
    headers=$(find core collectors checks report cli -name '*.h' | sort)
    bad=0
    nfiles=0
    nincl=0
    for f in $files; do
        nfiles=$((nfiles + 1))
        from=$(layer "$f")
        for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
            nincl=$((nincl + 1))
            # a header beside the file first, as the compiler looks
            if [ -f "$(dirname "$f")/$h" ]; then
                to=$(layer "$(dirname "$f")/$h")
            else
                where=$(printf '%s\n' $headers | grep "/$h\$" || true)
                n=$(printf '%s' "$where" | grep -c . || true)
                if [ "$n" -eq 0 ]; then
                    case $h in
                    rules_embedded.h | *_embedded.h) continue ;;
                    esac
                    echo "# $f: includes \"$h\", which is in no layer"
                    bad=$((bad + 1))
                    continue
                fi
                if [ "$n" -gt 1 ]; then
                    echo "# $f: \"$h\" is ambiguous:" $where
                    bad=$((bad + 1))
                    continue
                fi
                to=$(layer "$where")
            fi
            if ! allowed "$from" "$to"; then
                echo "# $f ($from) includes \"$h\" ($to): that goes up or sideways"
                bad=$((bad + 1))
            fi
        done
    done
    echo "$bad $nfiles $nincl" >"$tmp/counts"
    )
    read -r bad nfiles nincl <"$tmp/counts"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check_tree .
if [ "$bad" -eq 0 ] && [ "$nfiles" -gt 50 ] && [ "$nincl" -gt 100 ]; then
    ok "the layers hold: $nfiles files, $nincl includes, none up or sideways"
else
    not_ok "the layers: $bad include(s) up or sideways (of $nincl in $nfiles files)"
fi

# the check can fail: core including the engine, a collector including a
# reporter's header and another family's are each caught
mkdir "$tmp/tree"
cp -R core collectors checks report cli "$tmp/tree/"
echo '#include "engine.h"' >>"$tmp/tree/core/err.c"
echo '#include "reporter.h"' >>"$tmp/tree/collectors/walk.c"
echo '#include "img.h"' >>"$tmp/tree/collectors/manifests/manifests.c"
check_tree "$tmp/tree" >"$tmp/out"
if [ "$bad" -eq 3 ] && grep -q 'core/err.c (core) includes "engine.h" (checks)' "$tmp/out" &&
    grep -q 'manifests.c (family:manifests) includes "img.h" (family:image)' "$tmp/out"; then
    ok "an include up a layer or sideways is caught (3 of 3 planted)"
else
    not_ok "planted includes: $bad caught of 3"
    diag_file "$tmp/out"
fi
e2e_finish
