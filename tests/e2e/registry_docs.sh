#!/bin/sh
# End-to-end: the lists built from the registries cannot drift. The
# formats (report/registry.c) and the scan options (each collector's
# target option and own options, collectors/registry.c, plus scan's own
# table) are the same in every help text, in the errors and in the man
# page, and the option table drives parsing: an option the SYNOPSIS shows
# without "..." given twice is a usage error naming it, one with "..." is
# not; "nothing to scan" names every target option.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

MAN=$TOP_SRCDIR/docs/fourc.1
SHOP=$EXAMPLES/shop

# same_words DESC WANT GOT: the same words, in any order.
same_words() {
    _w=$(printf '%s\n' $2 | sort | tr '\n' ' ')
    _g=$(printf '%s\n' $3 | sort | tr '\n' ' ')
    if [ -n "$_w" ] && [ "$_w" = "$_g" ]; then
        ok "$1"
    else
        not_ok "$1"
        diag "want: $_w"
        diag "got:  $_g"
    fi
}

# --- formats -------------------------------------------------------------------

# The registry's formats, as the unknown-format error lists them.
expect_exit 2 "report --format nosuch: usage error" "$FOURC" report --format nosuch
FORMATS=$(sed -n 's/.*unknown format (known: \(.*\))$/\1/p' "$ERR" | tr -d ,)
check "the unknown-format error lists the registry's formats" test -n "$FORMATS"
check "json and sarif are among them" sh -c "echo ' $FORMATS ' | grep -q ' json .* sarif '"

expect_exit 2 "scan --format nosuch: usage error" "$FOURC" scan --manifests "$SHOP" --format nosuch
same_words "scan's unknown-format error lists the same formats" "$FORMATS" \
    "$(sed -n 's/.*unknown format (known: \(.*\))$/\1/p' "$ERR" | tr -d ,)"

run "$FOURC" --help
same_words "fourc --help: the report command lists exactly the formats" "$FORMATS" \
    "$(sed -n 's/^  report .*(\(.*\))$/\1/p' "$OUT" | tr -d ,)"

run "$FOURC" report --help
same_words "fourc report --help: --format lists exactly the formats" "$FORMATS" \
    "$(sed -n 's/^  --format F  *\(.*\) (default json)$/\1/p' "$OUT" | tr -d ,)"
same_words "fourc report --help: the Formats section has exactly the formats" "$FORMATS" \
    "$(sed -n '/^Formats:/,$p' "$OUT" | sed -n 's/^  \([a-z0-9]*\) .*/\1/p')"

run "$FOURC" scan --help
same_words "fourc scan --help: --format lists exactly the formats" "$FORMATS" \
    "$(sed -n '/--format F/,/^  -/p' "$OUT" | tr '\n' ' ' | sed -n 's/.*F: one of *\([^)]*\));.*/\1/p' | tr -d ,)"

# docs/fourc.1: "Report format:" then .BR json " (" fourc.report/v1 "), " html ...
# (bold words; the schema name in parentheses is no format)
same_words "docs/fourc.1 names exactly the registry's formats" "$FORMATS" \
    "$(sed -n '/^Report format:/{n;p;}' "$MAN" | sed 's/^\.BR //; s/"[^"]*"/ /g' |
        tr ' ' '\n' | grep -v /)"

# --- scan options ---------------------------------------------------------------

run "$FOURC" scan --help
cp "$OUT" scan-help.txt
# T --name ARG (a target), C --name ARG (a target's own option), O --name
# (ARG "-": a flag, whose help starts right after its name)
awk '/^Targets/ {s = 1; next} /^Options:/ {s = 2; next}
     s == 1 && /^  --/ {print "T", substr($1, 3), ($2 ~ /^[A-Z]/ ? $2 : "-")}
     s == 1 && /^    --/ {print "C", substr($1, 3), ($2 ~ /^[A-Z]/ ? $2 : "-")}
     s == 2 && /^  --/ {print "O", substr($1, 3), $2}' scan-help.txt >help-opts.txt
check "scan --help lists target options" grep -q '^T manifests PATH$' help-opts.txt
check "scan --help lists the image collector's own options under it" \
    grep -q '^C platform OS/ARCH$' help-opts.txt

# name ARG REPEATABLE(0/1) for every --option in the SYNOPSIS of scan
# (ARG "-": a flag, ".RB [ \-\-name ]" on one line)
awk '/^\.B fourc scan/ {on = 1; next}
     on && /^\.br/ {exit}
     on && /^\.RB \[ \\-\\-/ {n = $3; gsub(/\\/, "", n); sub(/^--/, "", n)
                              if ($4 ~ /^\]/) {print n, "-", ($4 ~ /\.\.\./); next}
                              name = n; arg = ""; next}
     on && name != "" {if (arg == "") arg = $2
                       if ($0 ~ /\]\.\.\./) {print name, arg, 1; name = ""}
                       else if ($0 ~ /\]/) {print name, arg, 0; name = ""}}' \
    "$MAN" >man-opts.txt
# --reevaluate has a SYNOPSIS line of its own (it takes no targets)
same_words "docs/fourc.1's scan SYNOPSIS has exactly the options of scan --help" \
    "$(awk '$2 != "help" && $2 != "quiet" && $2 != "reevaluate" {print $2}' help-opts.txt)" \
    "$(awk '{print $1}' man-opts.txt)"
check "scan --help shows --reevaluate ID" grep -q '^O reevaluate ID$' help-opts.txt
check "docs/fourc.1 has a scan --reevaluate SYNOPSIS line" \
    grep -qF '.B fourc scan \-\-reevaluate' "$MAN"
# the value names agree for every target and collector option
bad=$(awk 'NR == FNR {arg[$1] = $2; next}
           ($1 == "T" || $1 == "C") && arg[$2] != $3 {print $2 ": help " $3 ", man " arg[$2]}' \
    man-opts.txt help-opts.txt)
check_eq "docs/fourc.1 and scan --help name the same value of each collector option" "" "$bad"

# nothing to scan: names every target option as --name ARG
expect_exit 2 "scan with no target: usage error" "$FOURC" scan
missing=$(awk '$1 == "T" {print "--" $2 ($3 == "-" ? "" : " " $3)}' help-opts.txt | while read -r t; do
    grep -qF -e "$t" "$ERR" || echo "$t"
done)
check_eq "'nothing to scan' names every target option of scan --help" "" "$missing"

# value VALUE-NAME: a value the option accepts
value() {
    case $1 in
    PATH) echo "$SHOP" ;;
    REF) echo "oci:$T/none" ;;
    OS/ARCH) echo linux/amd64 ;;
    HOST) echo localhost:5000 ;;
    FILE) echo "$T/file" ;;
    SECONDS) echo 5 ;;
    SIZE) echo 1G ;;
    DIR) echo "$T" ;;
    SEVERITY) echo high ;;
    F) echo json ;;
    PLATFORM) echo kubeadm ;;
    URL) echo http://127.0.0.1:9 ;;
    N) echo 4 ;;
    REGION) echo eu-west-1 ;;
    PROFILE) echo audit ;;
    'DIR|URL') echo "$T" ;;
    *) echo "value-for-$1" ;;
    esac
}

n=0
while read -r name arg rep; do
    if [ "$arg" = - ]; then
        set -- "--$name" # a flag
    else
        set -- "--$name" "$(value "$arg")"
    fi
    n=$((n + 1))
    if [ "$rep" = 1 ]; then
        run "$FOURC" scan --db "$T/rep$n.db" -q --manifests "$SHOP" "$@" "$@"
        if grep -q 'given twice' "$ERR"; then
            not_ok "--$name (SYNOPSIS: repeatable) may be given twice"
            diag_last
        else
            ok "--$name (SYNOPSIS: repeatable) may be given twice"
        fi
    else
        expect_exit 2 "--$name given twice: exit 2" \
            "$FOURC" scan --manifests "$SHOP" "$@" "$@"
        expect_one_error_line "--$name given twice: one error naming it" \
            "--$name given twice"
    fi
done <man-opts.txt
check "every option of the SYNOPSIS was tried" test "$n" -ge 10

# an unknown option near a collector's: exit 2 naming it
expect_exit 2 "scan --platfrom: exit 2" "$FOURC" scan --manifests "$SHOP" --platfrom linux/amd64
expect_one_error_line "scan --platfrom: one error naming it" "unknown option --platfrom"
# a collector's option takes its value through its own parser
expect_exit 2 "scan --registry-timeout 0: exit 2" "$FOURC" scan --image oci:x --registry-timeout 0
expect_one_error_line "scan --registry-timeout 0: the collector's message" \
    "--registry-timeout 0: expected seconds from 1 to 3600"

# --- rules test: the fixture's collector comes from the registry -------------------

# a rule of both Dockerfile and image kinds: each fixture is read by the
# collector whose fixture names match it
run "$FOURC" rules test "$TOP_SRCDIR/checks/rules/cis-docker"
check "rules test reads DOCKER-COPY-NOT-ADD's *.oci fixture as an image" \
    grep -Eq '^ok   DOCKER-COPY-NOT-ADD +fail-image-add-local.oci ' "$OUT"
check "rules test reads DOCKER-COPY-NOT-ADD's *.Dockerfile fixture as a Dockerfile" \
    grep -Eq '^ok   DOCKER-COPY-NOT-ADD +fail-mixed.Dockerfile ' "$OUT"
# a fixture no collector of the rule's kinds reads is a problem, named
cp -r "$E2E_DATA/custom-pack" pack
printf 'FROM scratch\n' >pack/fixtures/E2E-CM-OWNER/pass-extra.Dockerfile
expect_exit 1 "rules test: a Dockerfile fixture for a ConfigMap rule is a problem" \
    "$FOURC" rules test pack
expect_stdout_match "^FAIL E2E-CM-OWNER +pass-extra.Dockerfile: no collector of the rule's kinds reads a file named pass-extra.Dockerfile \(manifests: \*.yaml \*.yml \*.json\)\$" \
    "rules test names the fixture and the patterns the rule's collectors read"
expect_stdout_match "^ok   E2E-CM-OWNER +pass.yaml " "the pack's manifest fixtures still run"

e2e_finish
