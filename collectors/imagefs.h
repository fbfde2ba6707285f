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
 */
#ifndef FOURC_IMAGEFS_H
#define FOURC_IMAGEFS_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"
#include "sink.h"

struct imagefs;

struct imagefs *imagefs_new(void);
void imagefs_free(struct imagefs *fs);

/*
 * A tar sink for the next layer (index counts from 0, lowest first; layers
 * must come in order). what names the layer in errors ("layer 2
 * (sha256:ab12...) of oci:build/app:1.4"). Closing it ends the layer and
 * applies its whiteouts; the caller frees it. A layer whose stream failed
 * leaves the filesystem incomplete (imagefs_complete() is 0) and must not
 * be judged.
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
 *      "purl": "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"}
 *      (the purl's namespace and distro from os-release when known)
 *  image/OS       name: "os"
 *     {"id": "debian", "version_id": "12", "pretty_name": ..., "name": ...,
 *      "version_codename": ... | null, "id_like": [...], "source":
 *      "/etc/os-release"} (an image without os-release gives none)
 *
 * Documents are built with json_string_lossy: any bytes in names are safe.
 */
json_t *imagefs_resources(struct imagefs *fs);

/* Counts for the image/Config document ("filesystem": {...}): files,
 * directories, bytes (regular files' logical sizes), notable files,
 * whether the notable list was capped. New reference. */
json_t *imagefs_summary(const struct imagefs *fs);

#endif
