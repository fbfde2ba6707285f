/*
 * imagefs.h: an image's final filesystem, as far as checks need it, built
 * from its layers streamed in order (lowest first) without extracting
 * anything.
 *
 * Layers arrive as tar streams (see tar.h). Whiteouts (".wh.NAME") delete
 * NAME and everything under it from lower layers; opaque markers
 * (".wh..wh..opq") hide a directory's lower contents; a later entry at the
 * same path replaces an earlier one. Only what checks need is kept, so
 * memory depends on the number of notable files (capped), not on the
 * image's size or file count:
 *
 *  - notable files: setuid or setgid, world-writable (not symlinks, not
 *    sticky directories), private keys (content starts a PEM/OpenSSH
 *    "PRIVATE KEY" block within its first 64 KiB; files up to 1 MiB
 *    looked at), credential files by name (.netrc, .git-credentials,
 *    .docker/config.json, .aws/credentials, .npmrc and .pypirc with
 *    tokens or passwords, id_rsa/id_dsa/id_ecdsa/id_ed25519, .pgpass,
 *    .htpasswd), anything under etc/ssh/, and entries whose name was
 *    unsafe in the archive (absolute, climbing out with ".."), plus the
 *    files below that are read;
 *  - the content of the files that are read (each capped): etc/passwd,
 *    etc/group, etc/shadow (only whether each password is locked, empty
 *    or set is kept: hashes never leave this module), etc/os-release and
 *    usr/lib/os-release (symlinks followed within the image, loops
 *    stopped), var/lib/dpkg/status and var/lib/dpkg/status.d/<pkg>
 *    (distroless), lib/apk/db/installed.
 *
 * Secret values never enter resources: private keys and credential files
 * are reported by path, mode, owner and size only.
 *
 * Details the list above leaves open:
 *  - setuid and setgid count on regular files and hard links only (a
 *    setgid directory only passes its group on); a symlink's mode is
 *    ignored; world-writable counts on everything but symlinks and sticky
 *    directories (so /tmp at 1777 is not notable); character and block
 *    devices are notable ("device"); anything under etc/ssh/ is, as are
 *    the read files themselves (reported as image/File with their mode).
 *    "reasons" uses "setuid", "setgid", "world-writable", "private-key",
 *    "credential", "ssh-config", "unsafe-path", "device" (empty for a read
 *    file that is nothing else). The _sk variants of id_ecdsa and
 *    id_ed25519 are credentials too; "PGP PRIVATE KEY BLOCK" is a private
 *    key. A hard link's "link" is "/target", its size the target's.
 *  - Symlinks are followed against the final filesystem (relative to their
 *    directory, absolute from the image root, at most 40 hops) among what
 *    is kept: the read files, and symlinks at the directories on their way
 *    ("lib -> usr/lib", "etc/os-release -> ../usr/lib/os-release"). A hard
 *    link to a read file takes its target's content as it was when the
 *    link was written.
 *  - Limits: IMAGEFS_NOTABLE_MAX notable files (the fixed read paths are
 *    kept beyond it) and 8 MiB of their names; content of 1 MiB per read
 *    file, 64 MiB for dpkg status and apk installed, 160 MiB in all; a
 *    file over its limit is reported as not read in the summary, never
 *    parsed truncated.
 */
#ifndef FOURC_IMAGEFS_H
#define FOURC_IMAGEFS_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"
#include "sink.h"

/* Notable files kept at most; beyond, the summary says "truncated". */
#define IMAGEFS_NOTABLE_MAX 10000

struct imagefs;

struct imagefs *imagefs_new(void);
void imagefs_free(struct imagefs *fs);

/*
 * A tar sink for the next layer (index counts from 0, lowest first; layers
 * must come in order). what names the layer in errors ("layer 2
 * (sha256:ab12...) of oci:build/app:1.4"). Closing it ends the layer
 * (whiteouts apply as they come: they only touch lower layers, so their
 * order within the layer does not matter); the caller frees it. A layer
 * whose stream failed (tar error, failed write or close) or that was freed
 * without a successful close leaves the filesystem incomplete
 * (imagefs_complete() is 0) and must not be judged. An index not above the
 * previous layer's is refused: the sink's write and close fail. The sink
 * may be freed after fs, but not written or closed then.
 */
struct sink *imagefs_layer_sink(struct imagefs *fs, unsigned index,
                                const char *what);

/* 1 when every layer so far was closed without an error. */
int imagefs_complete(const struct imagefs *fs);

/*
 * After the last layer: the resources the filesystem gives, as a new
 * array of {"kind": ..., "name": ..., "doc": {...}}. Kinds and documents:
 *
 *  image/File     name: "/usr/bin/sudo"
 *     {"path": "/usr/bin/sudo", "type": "file"|"dir"|"symlink"|"hardlink"|
 *      "char"|"block"|"fifo", "mode": "4755" (octal string),
 *      "mode_bits": 2541, "uid": 0, "gid": 0, "size": 123, "layer": 2,
 *      "link": "..." (symlinks and hard links), "setuid": bool,
 *      "setgid": bool, "world_writable": bool, "private_key": bool,
 *      "credential": "netrc"|"git-credentials"|"docker-config"|"aws"|
 *          "npmrc"|"pypirc"|"ssh-private-key"|"pgpass"|"htpasswd"|null,
 *      "ssh_config": bool (under /etc/ssh), "unsafe_path": bool,
 *      "reasons": ["setuid", ...]}
 *  image/Account  name: "user:root" or "group:wheel"
 *     users:  {"type": "user", "name": "root", "uid": 0, "gid": 0,
 *              "home": "/root", "shell": "/bin/bash", "login_shell": bool
 *              (shell is not nologin/false/sync/halt/shutdown/empty),
 *              "password": "locked"|"empty"|"set"|"unknown" (from shadow,
 *              or the passwd field when it is not "x")}
 *     groups: {"type": "group", "name": "sudo", "gid": 27,
 *              "members": ["app"]}
 *  image/Package  name: "deb:openssl" or "apk:musl"
 *     {"name": "openssl", "version": "3.0.11-1~deb12u2", "arch": "amd64",
 *      "source": "openssl" | null, "source_version": ... | null,
 *      "ecosystem": "deb"|"apk", "status": "installed",
 *      "purl": "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&"
 *              "distro=debian-12" (one string: cut here to fit)}
 *      (the purl's namespace and distro from os-release when known)
 *  image/OS       name: "os"
 *     {"id": "debian", "version_id": "12", "pretty_name": ..., "name": ...,
 *      "version_codename": ... | null, "id_like": [...], "source":
 *      "/etc/os-release"} (an image without os-release gives none)
 *
 * Documents are built with json_string_lossy: any bytes in names are safe.
 * Sorted by kind, then name; of two accounts or packages of the same name
 * the first line wins. Packages: a dpkg Status whose third word is
 * "installed" ("install ok installed", "hold ok installed"); distroless
 * status.d/<pkg> files (".md5sums" skipped) may lack Status; "deb:NAME:ARCH"
 * names a package installed for several architectures. The read files are
 * parsed on each call. New reference, or NULL when JSON could not be built.
 */
json_t *imagefs_resources(struct imagefs *fs);

/*
 * Counts for the image/Config document ("filesystem": {...}): files,
 * directories, bytes (regular files' logical sizes), notable files,
 * whether the notable list was capped. New reference. The entry counts are
 * over all layers' entries as streamed (a file replaced in a later layer
 * counts twice; whiteouts subtract nothing):
 *
 *   {"layers": layers closed without error, "complete": bool,
 *    "entries", "files", "directories", "symlinks", "hardlinks",
 *    "other" (devices, fifos, others), "bytes", "whiteouts",
 *    "opaque_dirs", "unsafe_entries",
 *    "notable": image/File resources in the final filesystem,
 *    "notable_max": IMAGEFS_NOTABLE_MAX, "notable_dropped": entries not
 *    kept for the limits, "truncated": notable_dropped > 0,
 *    "packages": image/Package documents,
 *    "files_read": ["/etc/passwd", ...] (read paths parsed),
 *    "not_read": [{"path": "/var/lib/dpkg/status", "reason": "too-large"
 *        | "sparse" | "budget" | "not-a-file" | "not-captured" |
 *        "hardlink-target-unknown" | "symlink-loop" |
 *        "symlink-target-unknown"}] (read paths present but not parsed:
 *        their absence of packages or accounts means nothing),
 *    "malformed_lines": {"passwd": 0, "group": 0, "shadow": 0,
 *        "os_release": 0, "dpkg_status": 0, "dpkg_status_d": 0,
 *        "apk_installed": 0} (for the files that were read)}
 */
json_t *imagefs_summary(const struct imagefs *fs);

/* Both at once, reading the kept files once (what a collector wants):
 * new references in *resources and *summary, or -1 (both NULL) when out
 * of memory. */
int imagefs_output(const struct imagefs *fs, json_t **resources,
                   json_t **summary);

#endif
