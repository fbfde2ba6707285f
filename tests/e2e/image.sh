#!/bin/sh
# End-to-end: fourc scan --image on OCI layouts and docker archives. The
# images are built here with Debian's umoci (and copied to a docker archive
# with skopeo), as users build theirs; hostile and broken images are
# written by tests/tools/mkoci.py, which can make what builders will not.
# Registries are tested in image_registry.sh.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

for tool in umoci skopeo tar gzip; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "not ok - $tool is needed (dev/deps installs it)"
        exit 1
    fi
done
MKOCI="$PYTHON $TOP_SRCDIR/tests/tools/mkoci.py"
# A fake credential, planted to prove it is never stored or printed.
SECRET=fourc-e2e-secret-value-3f9a1c
KEYBODY=MIIEowIBAAKCAQEAfourcE2EtestKeyNotARealKey0123456789

# --- a realistic image, built with umoci: two layers ----------------------
umoci init --layout oci >/dev/null 2>&1 &&
    umoci new --image oci:app >/dev/null 2>&1 &&
    umoci unpack --rootless --image oci:app bundle >/dev/null 2>&1 ||
    { echo "not ok - umoci could not make an image"; exit 1; }
R=bundle/rootfs
mkdir -p $R/etc $R/usr/bin $R/usr/lib $R/var/lib/dpkg $R/app $R/home/app $R/tmp
cat >$R/etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
app:x:10001:10001::/home/app:/bin/sh
toor:x:0:0::/root:/bin/sh
EOF
printf 'root:x:0:\napp:x:10001:\nsudo:x:27:app\n' >$R/etc/group
printf 'root:*:19000:0:99999:7:::\ndaemon:*:19000::::::\napp:$6$salt$hashhashhash:19000::::::\ntoor::19000::::::\n' >$R/etc/shadow
chmod 640 $R/etc/shadow
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n' >$R/usr/lib/os-release
ln -s ../usr/lib/os-release $R/etc/os-release
cat >$R/var/lib/dpkg/status <<'EOF'
Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl
Version: 3.0.11-1~deb12u2

Package: sudo
Status: install ok installed
Architecture: amd64
Version: 1.9.13p3-1+deb12u1

Package: oldpkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0
EOF
printf '#!/bin/sh\n' >$R/usr/bin/su
printf '#!/bin/sh\n' >$R/usr/bin/passwd
chmod 4755 $R/usr/bin/su $R/usr/bin/passwd
chmod 1777 $R/tmp
printf -- '-----BEGIN RSA PRIVATE KEY-----\n%s\n-----END RSA PRIVATE KEY-----\n' "$KEYBODY" >$R/app/server.key
printf 'machine example.com login app password %s\n' "$SECRET" >$R/home/app/.netrc
umoci repack --image oci:app bundle >/dev/null 2>&1
# Layer 2 (from a fresh unpack, as umoci layers): su is deleted (a
# whiteout), the app is added.
rm -rf bundle
umoci unpack --rootless --image oci:app bundle >/dev/null 2>&1
rm $R/usr/bin/su
printf 'echo app\n' >$R/app/run.sh
umoci repack --image oci:app bundle >/dev/null 2>&1
umoci config --image oci:app --config.user app \
    --config.env "PATH=/usr/local/bin:/usr/bin:/bin" \
    --config.env "DB_PASSWORD=$SECRET" --config.exposedports 22/tcp \
    --config.volume /data --history.created_by 'USER app' >/dev/null 2>&1
umoci config --image oci:app --tag app:1.4 >/dev/null 2>&1 ||
    umoci tag --image oci:app app:1.4 >/dev/null 2>&1
check "umoci built a two-layer image" \
    test "$(umoci stat --image oci:app --json 2>/dev/null | "$PYTHON" -c 'import json,sys; print(sum(1 for h in json.load(sys.stdin)["history"] if not h.get("empty_layer")))')" -ge 2

expect_exit 0 "scan of the OCI layout" \
    "$FOURC" scan --db img.db --image oci:oci:app --format json -o oci.json
cp "$ERR" oci.err
cp "$OUT" oci.out

jq_ok "the report validates against docs/report.schema.json" oci.json \
    '__import__("jsonschema").Draft202012Validator(json.load(open(A[0]))).is_valid(r)' "$TOP_SRCDIR/docs/report.schema.json"
jq_ok "image/Config: the config's user, digests and platform" oci.json \
    '[(f["resource"]["name"]) for f in F(rule="DOCKER-USER-NONROOT", status="pass", kind="image/Config")] == ["oci:oci:app"]'
jq_ok "setuid: /usr/bin/passwd fails, /usr/bin/su (deleted by a whiteout) is gone" oci.json \
    '[(f["status"], f["evidence"]["actual"]) for f in F(rule="DOCKER-IMAGE-SETUID")] == [("fail", ["/usr/bin/passwd"])]'
jq_ok "the private key is found, by path only" oci.json \
    '[(f["status"], f["evidence"]["actual"]) for f in F(rule="DOCKER-IMAGE-PRIVATE-KEYS")] == [("fail", ["/app/server.key"])]'
jq_ok "the .netrc is a credential file" oci.json \
    '[(f["status"], f["evidence"]["actual"]) for f in F(rule="DOCKER-IMAGE-CREDENTIAL-FILES")] == [("fail", ["/home/app/.netrc"])]'
jq_ok "DB_PASSWORD in the environment fails, by name" oci.json \
    '[(f["status"], f["evidence"]["actual"]) for f in F(rule="DOCKER-IMAGE-ENV-SECRETS")] == [("fail", ["DB_PASSWORD"])]'
jq_ok "toor (uid 0) fails, root passes" oci.json \
    'sorted((f["resource"]["name"], f["status"]) for f in F(rule="DOCKER-IMAGE-ROOT-ONLY-UID0") if f["resource"]["name"] in ("user:root", "user:toor")) == [("user:root", "pass"), ("user:toor", "fail")]'
jq_ok "toor's empty password fails; the hash is in nothing" oci.json \
    '[f["status"] for f in F(rule="DOCKER-IMAGE-NO-EMPTY-PASSWORD", name="user:toor")] == ["fail"] and "hashhashhash" not in open(A[0]).read()' oci.json
jq_ok "EXPOSE 22 fails, no HEALTHCHECK fails, /data volume passes" oci.json \
    '[f["status"] for f in F(rule="DOCKER-NO-EXPOSE-SSH", kind="image/Config")] == ["fail"] and [f["status"] for f in F(rule="DOCKER-HEALTHCHECK", kind="image/Config")] == ["fail"] and [f["status"] for f in F(rule="DOCKER-VOLUME-SENSITIVE", kind="image/Config")] == ["pass"]'
jq_ok "no error findings on a good image" oci.json \
    'not [f for f in FS if f["status"] == "error"]'
jq_ok "CIS Docker 4.2-4.5 are manual for the image target" oci.json \
    'sorted(f["rule"] for f in FS if f["status"] == "manual") == ["DOCKER-BASE-TRUSTED", "DOCKER-CONTENT-TRUST", "DOCKER-MINIMAL-PACKAGES", "DOCKER-SCAN-REBUILD"]'

# Resources beyond findings: packages, OS, accounts, in the database.
q() { "$PYTHON" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print("\n".join("|".join(str(x) for x in r) for r in c.execute(sys.argv[2])))' img.db "$1"; }
check_eq "two installed dpkg packages with purls (deinstalled ones left out)" \
    "deb:libssl3|pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12
deb:sudo|pkg:deb/debian/sudo@1.9.13p3-1%2Bdeb12u1?arch=amd64&distro=debian-12" \
    "$(q "select name, json_extract(doc,'\$.purl') from resources where kind='image/Package' order by name")"
check_eq "image/OS from /etc/os-release through its symlink" "debian|12" \
    "$(q "select json_extract(doc,'\$.id'), json_extract(doc,'\$.version_id') from resources where kind='image/OS'")"
check_eq "image/Config records both layers and their digests" "2" \
    "$(q "select json_array_length(doc,'\$.layers') from resources where kind='image/Config'")"

if ! grep -q "$SECRET" oci.json oci.out oci.err && ! grep -aq "$SECRET" img.db img.db-wal 2>/dev/null &&
    ! grep -aq "$KEYBODY" oci.json img.db img.db-wal 2>/dev/null; then
    ok "the planted password and key are in no report, output or database"
else
    not_ok "the planted password and key are in no report, output or database"
fi

# The same image chosen by digest: pinned, so TAG-PINNED passes by digest.
dg=$("$PYTHON" -c 'import json; print([m["digest"] for m in json.load(open("oci/index.json"))["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "app"][0])')
expect_exit 0 "oci:DIR@DIGEST selects the image by digest" \
    "$FOURC" scan --db img.db --image "oci:oci@$dg" --format json -o bydigest.json
jq_ok "... and the digest pins it (DOCKER-IMAGE-TAG-PINNED passes, no errors)" bydigest.json \
    '[f["status"] for f in F(rule="DOCKER-IMAGE-TAG-PINNED")] == ["pass"] and not [f for f in FS if f["status"] == "error"]'
expect_exit 0 "oci:DIR@DIGEST of no image in the layout: an error finding" \
    "$FOURC" scan --db img.db --image "oci:oci@sha256:$(printf '%064d' 0)" --format json -o nodigest.json
jq_ok "... saying there is no such image" nodigest.json \
    'any(f["status"] == "error" and "no such image" in f["message"] for f in FS)'

# same_findings DESC REPORT REF: REPORT has the image findings (rule,
# status, resource) oci.json has, REF read as oci:oci:app. Archives are
# read without naming their tag, so DOCKER-IMAGE-TAG-PINNED is left out.
image_findings() {
    jq_py "$1" 'print("\n".join(sorted("%s %s %s" % (f["rule"], f["status"], f["resource"]["name"].replace(A[0], "oci:oci:app")) for f in FS if f["resource"]["kind"].startswith("image/") and f["rule"] != "DOCKER-IMAGE-TAG-PINNED")))' "$2"
}
same_findings() {
    image_findings oci.json oci:oci:app >oci.set
    image_findings "$2" "$3" >other.set
    if cmp -s oci.set other.set && [ -s other.set ]; then
        ok "$1 ($(wc -l <other.set) findings)"
    else
        not_ok "$1"
        diff oci.set other.set | head -n 10 | sed 's/^/#   /'
    fi
}

# --- the same image as a docker archive (skopeo) --------------------------
if skopeo copy -q oci:oci:app docker-archive:app.tar:team/app:1.4 >skopeo.log 2>&1; then
    expect_exit 0 "scan of the docker archive" \
        "$FOURC" scan --db img.db --image docker-archive:app.tar --format json -o da.json
    same_findings "the docker archive gives the same findings as the OCI layout" \
        da.json docker-archive:app.tar
    expect_exit 0 "docker-archive:FILE:REPO:TAG picks the tag" \
        "$FOURC" scan -q --db img.db --image docker-archive:app.tar:team/app:1.4
    expect_exit 0 "docker-archive with an unknown tag: an error finding" \
        "$FOURC" scan --db img.db --image docker-archive:app.tar:team/app:9.9 --format json -o da-bad.json
    jq_ok "docker-archive read without a tag fails DOCKER-IMAGE-TAG-PINNED" da.json \
        '[f["status"] for f in F(rule="DOCKER-IMAGE-TAG-PINNED")] == ["fail"]'
    jq_ok "the layout's own tag (app) passes it" oci.json \
        '[f["status"] for f in F(rule="DOCKER-IMAGE-TAG-PINNED")] == ["pass"]'
    jq_ok "... naming the tags the archive has" da-bad.json \
        'any("no image with that tag" in f["message"] and "team/app:1.4" in f["message"] for f in FS if f["status"] == "error")'
else
    not_ok "skopeo copy to docker-archive"
    diag_file skopeo.log
fi

# --- an OCI-style docker archive (docker save since Docker 25) -------------
"$PYTHON" - oci app ocistyle.tar <<'EOF'
# manifest.json naming blobs/sha256/<hex> members, beside the OCI layout.
import json, sys, tarfile, io, os
d, tag, out = sys.argv[1:]
idx = json.load(open(f"{d}/index.json"))
m = [x for x in idx["manifests"] if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag][0]
man = json.load(open(f"{d}/blobs/sha256/" + m["digest"][7:]))
entry = [{"Config": "blobs/sha256/" + man["config"]["digest"][7:],
          "RepoTags": ["team/app:2.0"],
          "Layers": ["blobs/sha256/" + l["digest"][7:] for l in man["layers"]]}]
with tarfile.open(out, "w") as t:
    for name in [m["digest"], man["config"]["digest"]] + [l["digest"] for l in man["layers"]]:
        t.add(f"{d}/blobs/sha256/{name[7:]}", arcname=f"blobs/sha256/{name[7:]}")
    data = json.dumps(entry).encode()
    ti = tarfile.TarInfo("manifest.json"); ti.size = len(data)
    t.addfile(ti, io.BytesIO(data))
EOF
expect_exit 0 "scan of an OCI-style docker archive" \
    "$FOURC" scan --db img.db --image docker-archive:ocistyle.tar --format json -o ocistyle.json
same_findings "the OCI-style archive gives the same findings as the layout" \
    ocistyle.json docker-archive:ocistyle.tar

# --- zstd layers and an Alpine package database ------------------------------
mkdir -p zst
cat >zst/spec.json <<'EOF'
{"tag": "3.20", "config": {"User": "app"},
 "layers": [{"compress": "zstd", "files": [
   {"path": "etc/os-release", "content": "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\n"},
   {"path": "etc/passwd", "content": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/sbin/nologin\n"},
   {"path": "lib/apk/db/installed", "content": "P:musl\nV:1.2.5-r0\nA:x86_64\no:musl\n\nP:busybox\nV:1.36.1-r29\nA:x86_64\no:busybox\n\n"}]}]}
EOF
$MKOCI zst/spec.json zst
expect_exit 0 "scan of an image with a zstd layer" \
    "$FOURC" scan --db zst.db --image oci:zst --format json -o zst.json
check_eq "apk packages with Alpine purls from the zstd layer" \
    "apk:busybox|pkg:apk/alpine/busybox@1.36.1-r29?arch=x86_64&distro=3.20.3
apk:musl|pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=3.20.3" \
    "$("$PYTHON" -c 'import sqlite3; print("\n".join("|".join(r) for r in sqlite3.connect("zst.db").execute("select name, json_extract(doc, \"$.purl\") from resources where kind=\"image/Package\" order by name")))')"
jq_ok "the layout's tag (3.20) is what DOCKER-IMAGE-TAG-PINNED judges" zst.json \
    '[f["status"] for f in F(rule="DOCKER-IMAGE-TAG-PINNED")] == ["pass"]'

# --- hostile and broken images ---------------------------------------------
spec() { mkdir -p "$1" && cat >"$1/spec.json" && $MKOCI "$1/spec.json" "$1"; }
blob_of() { # the file of blob N (0: the manifest) of a layout
    "$PYTHON" - "$1" "$2" <<'EOF'
import json, sys, os
d, n = sys.argv[1], int(sys.argv[2])
m = json.load(open(os.path.join(d, "index.json")))["manifests"][0]["digest"]
man = json.load(open(os.path.join(d, "blobs", "sha256", m.split(":")[1])))
dg = m if n == 0 else man["layers"][n - 1]["digest"]
print(os.path.join(d, "blobs", "sha256", dg.split(":")[1]))
EOF
}

# Names that climb out, absolute names, a symlink loop over os-release,
# a 10,000-byte name, and a 10 GB sparse file (GNU tar -S).
truncate -s 10G sparse.img 2>/dev/null && printf 'x' | dd of=sparse.img bs=1 seek=5000000000 conv=notrunc 2>/dev/null
mkdir -p hostile && tar -cSf hostile/sparse.tar sparse.img && rm -f sparse.img
longname=$("$PYTHON" -c 'print("/".join(["d" * 99] * 100))')
spec hostile <<EOF
{"config": {"User": "app"},
 "layers": [{"tar": "sparse.tar"},
            {"files": [{"path": "../../etc/cron.d/evil", "content": "x"},
                       {"path": "/abs/file", "content": "x"},
                       {"path": "etc/os-release", "type": "symlink", "link": "loop"},
                       {"path": "etc/loop", "type": "symlink", "link": "/etc/os-release"},
                       {"path": "$longname", "content": "deep"},
                       {"path": "etc/passwd", "content": "root:x:0:0::/root:/bin/sh\n"}]}]}
EOF
expect_exit 0 "hostile layers are read, not followed" \
    timeout 60 "$FOURC" scan --db bad.db --image oci:hostile --format json -o hostile.json
jq_ok "entries escaping the root fail DOCKER-IMAGE-SAFE-PATHS" hostile.json \
    '[(f["status"], sorted(f["evidence"]["actual"])) for f in F(rule="DOCKER-IMAGE-SAFE-PATHS")] == [("fail", ["/abs/file", "/etc/cron.d/evil"])]'
jq_ok "the sparse 10 GB file and the long name do not stop the scan" hostile.json \
    'not [f for f in FS if f["status"] == "error"] and [f["status"] for f in F(rule="DOCKER-IMAGE-ROOT-ONLY-UID0")] == ["pass"]'
check "nothing was written outside the test directory" test ! -e "$T/../etc/cron.d/evil"

# /etc/passwd that cannot be read (a symlink loop): the account checks
# are errors for the image, not silently absent.
spec pwloop <<'EOF'
{"config": {"User": "app"}, "layers": [{"files": [
  {"path": "etc/passwd", "type": "symlink", "link": "/etc/pw2"},
  {"path": "etc/pw2", "type": "symlink", "link": "passwd"}]}]}
EOF
expect_exit 0 "an image whose /etc/passwd is a symlink loop" \
    "$FOURC" scan --db bad.db --image oci:pwloop --format json -o pwloop.json
jq_ok "its account checks are errors naming /etc/passwd" pwloop.json \
    '[(f["status"], "/etc/passwd" in f["message"]) for f in F(rule="DOCKER-IMAGE-ROOT-ONLY-UID0")] == [("error", True)]'

# More notable files than fourc keeps (10,000): the file checks are not
# judged (an error), rather than passing on a list that was cut short.
"$PYTHON" - <<'EOF' >many.json
import json
files = [{"path": "srv/ww%05d" % i, "mode": "0666", "content": ""} for i in range(10050)]
files.append({"path": "usr/bin/zz-su", "mode": "4755", "content": "x"})
print(json.dumps({"config": {"User": "app"}, "layers": [{"files": files}]}))
EOF
mkdir -p many && $MKOCI many.json many
expect_exit 0 "an image with 10,051 notable files" \
    "$FOURC" scan --db many.db --image oci:many --format json -o many-out.json
jq_ok "its setuid and world-writable checks are errors, not passes" many-out.json \
    '[f["status"] for f in F(rule="DOCKER-IMAGE-SETUID")] == ["error"] and [f["status"] for f in F(rule="DOCKER-IMAGE-WORLD-WRITABLE")] == ["error"] and "notable files" in F(rule="DOCKER-IMAGE-SETUID")[0]["message"]'

# Every broken image: an error finding naming the image and the blob, the
# scan goes on with the next image, nothing is a pass for the broken one.
spec good <<'EOF'
{"config": {"User": "app"}, "layers": [{"files": [{"path": "etc/passwd", "content": "root:x:0:0::/root:/bin/sh\n"}]}]}
EOF
spec truncgz <<'EOF'
{"config": {"User": "app"}, "layers": [{"files": [{"path": "etc/passwd", "content": "root:x:0:0::/root:/bin/sh\n"}]}]}
EOF
"$PYTHON" - truncgz <<'EOF'
# Rewrite the layer as a truncated gzip whose digest and size match.
import json, sys, os, hashlib
d = sys.argv[1]
idx = json.load(open(f"{d}/index.json"))
mpath = f"{d}/blobs/sha256/" + idx["manifests"][0]["digest"][7:]
man = json.load(open(mpath))
l = man["layers"][0]
data = open(f"{d}/blobs/sha256/" + l["digest"][7:], "rb").read()[:-12]
dg = hashlib.sha256(data).hexdigest()
open(f"{d}/blobs/sha256/{dg}", "wb").write(data)
l["digest"], l["size"] = "sha256:" + dg, len(data)
mdata = json.dumps(man).encode()
md = hashlib.sha256(mdata).hexdigest()
open(f"{d}/blobs/sha256/{md}", "wb").write(mdata)
idx["manifests"][0].update(digest="sha256:" + md, size=len(mdata))
json.dump(idx, open(f"{d}/index.json", "w"))
EOF
cp -r good baddigest
layer=$(blob_of baddigest 1)
printf 'X' | dd of="$layer" bs=1 seek=20 conv=notrunc 2>/dev/null
cp -r good notjson
"$PYTHON" - notjson <<'EOF'
# A manifest blob that is not JSON, named by its right digest.
import json, sys, hashlib
d = sys.argv[1]
data = b'{"schemaVersion": 2, "config": '
dg = hashlib.sha256(data).hexdigest()
open(f"{d}/blobs/sha256/{dg}", "wb").write(data)
idx = json.load(open(f"{d}/index.json"))
idx["manifests"][0].update(digest="sha256:" + dg, size=len(data))
json.dump(idx, open(f"{d}/index.json", "w"))
EOF
spec arm <<'EOF'
{"platform": "linux/arm64/v8", "index": true, "config": {"User": "10001"}, "layers": []}
EOF

expect_exit 1 "four broken images and one good one in one scan (--fail-on high)" \
    "$FOURC" scan --db bad.db --fail-on high --image oci:truncgz --image oci:baddigest \
    --image oci:notjson --image oci:arm --image oci:good --format json -o broken.json
cp "$ERR" broken.err
jq_ok "truncated gzip: an error naming the image and the layer" broken.json \
    'any(f["status"] == "error" and "truncated gzip" in f["message"] and "oci:truncgz" in f["message"] and "layer 1 (sha256:" in f["message"] for f in FS)'
jq_ok "wrong digest: an error naming the blob and the mismatch" broken.json \
    'any(f["status"] == "error" and "digest mismatch" in f["message"] and "oci:baddigest" in f["message"] for f in FS)'
jq_ok "a manifest that is not JSON: an error naming it" broken.json \
    'any(f["status"] == "error" and "not valid JSON" in f["message"] and "oci:notjson" in f["message"] for f in FS)'
jq_ok "an index without the platform: an error listing what it has" broken.json \
    'any(f["status"] == "error" and "no manifest for platform linux/amd64" in f["message"] and "linux/arm64/v8" in f["message"] for f in FS)'
jq_ok "no filesystem rule passes for a broken image" broken.json \
    'not [f for f in FS if f["status"] == "pass" and f["rule"].startswith("DOCKER-IMAGE-") and f["resource"]["kind"] != "image/Config" and ("truncgz" in f["resource"]["source"] or "baddigest" in f["resource"]["source"])]'
jq_ok "filesystem rules are errors for the images whose layers failed" broken.json \
    'len([f for f in F(rule="DOCKER-IMAGE-SETUID") if f["status"] == "error"]) == 4'
jq_ok "the good image after them was still scanned" broken.json \
    '[f["status"] for f in F(rule="DOCKER-IMAGE-SETUID") if f["resource"]["name"] == "oci:good"] == ["pass"]'
expect_exit 0 "--platform linux/arm64 picks the arm64 image of the index" \
    "$FOURC" scan --db bad.db --platform linux/arm64 --image oci:arm --format json -o arm.json
jq_ok "... and its config says linux/arm64/v8" arm.json \
    'not [f for f in FS if f["status"] == "error"] and [f["status"] for f in F(rule="DOCKER-USER-NONROOT", kind="image/Config")] == ["pass"]'
check_eq "the platform is recorded" "linux/arm64/v8" \
    "$("$PYTHON" -c 'import sqlite3; print(sqlite3.connect("bad.db").execute("select json_extract(doc, \"$.platform\") from resources where kind=\"image/Config\" order by id desc limit 1").fetchone()[0])')"

# Usage errors: exit 2, one line.
expect_exit 2 "a layout directory that does not exist" "$FOURC" scan --db u.db --image oci:nowhere
expect_one_error_line "... one error line naming it" 'nowhere'
expect_exit 2 "a docker archive that does not exist" "$FOURC" scan --db u.db --image docker-archive:nowhere.tar
expect_one_error_line "... one error line naming it" 'nowhere.tar'
expect_exit 2 "a bad --platform" "$FOURC" scan --db u.db --platform amd64 --image oci:good
expect_one_error_line "... one error line" 'platform'
check "no database was created by usage errors" test ! -e u.db

e2e_finish
