/*
 * imagefs_read.h: parsers of the files imagefs reads from an image
 * (passwd, group, shadow, os-release, the dpkg and apk package databases),
 * the purls of the packages they list, and the two content sniffers
 * (private keys, credentials in .npmrc/.pypirc).
 *
 * The input is untrusted bytes of any length: any bytes, NULs, CRLF, no
 * trailing newline. A line that does not parse is skipped and counted in
 * *malformed (which may be NULL); nothing fails but allocation of JSON
 * (then -1 or NULL). Strings go through json_stringn_lossy. Hashes from
 * shadow or passwd never leave this module: only "locked", "empty" or
 * "set".
 */
#ifndef FOURC_IMAGEFS_READ_H
#define FOURC_IMAGEFS_READ_H

#include <stddef.h>

#include <jansson.h>

/*
 * /etc/passwd: a new array of image/Account user documents
 * {"type": "user", "name", "uid", "gid", "home", "shell", "login_shell",
 * "password"}; "password" is "unknown" when the field is "x" (shadow
 * decides), else the state of the field itself. A line needs exactly 7
 * fields, a non-empty name, and uid and gid in 0..4294967295. Blank lines
 * and '#' comments are skipped without being counted.
 */
json_t *imagefs_read_passwd(const char *buf, size_t len, size_t *malformed);

/* /etc/group: a new array of {"type": "group", "name", "gid", "members"}
 * (4 fields, empty members dropped). */
json_t *imagefs_read_group(const char *buf, size_t len, size_t *malformed);

/* /etc/shadow: a new object mapping each user name to "locked" (a field
 * starting with '!' or '*'), "empty" or "set". The first line of a name
 * wins, as for passwd. */
json_t *imagefs_read_shadow(const char *buf, size_t len, size_t *malformed);

/* The state a password field gives: "locked", "empty" or "set" (static
 * string). */
const char *imagefs_read_password_state(const char *field, size_t n);

/* True when a login shell: not empty, and its last component is not
 * nologin, false, true, sync, halt or shutdown. */
int imagefs_read_login_shell(const char *shell, size_t n);

/*
 * os-release: the image/OS document {"id", "version_id", "pretty_name",
 * "name", "version_codename", "id_like": [...], "source": source} (absent
 * keys null, id_like []). Shell-like values: double quotes with \" \\ \$
 * \` escapes, single quotes literal, unquoted with backslash escapes;
 * comments, blank lines, CRLF; later assignments win. New reference.
 */
json_t *imagefs_read_os_release(const char *buf, size_t len, const char *source,
                                size_t *malformed);

/*
 * dpkg status (RFC 822-like stanzas, continuation lines): appends to pkgs
 * a document per installed package {"name", "version", "arch", "source",
 * "source_version", "ecosystem": "deb", "status": "installed"} (source null
 * when the package is its own source). Installed: the Status field's
 * third word is "installed" ("install ok installed", also "hold ok
 * installed"; not "deinstall ok config-files" nor "not-installed").
 * distroless (status.d/<pkg> files): a stanza without Status counts as
 * installed. Returns 0, or -1 when JSON could not be built.
 */
int imagefs_read_dpkg(const char *buf, size_t len, int distroless, json_t *pkgs,
                      size_t *malformed);

/* apk installed database (P: V: A: o: lines, blank-line separated):
 * appends {"name", "version", "arch", "source" (origin), "source_version":
 * null, "ecosystem": "apk", "status": "installed"} per package. */
int imagefs_read_apk(const char *buf, size_t len, json_t *pkgs,
                     size_t *malformed);

/*
 * "pkg:TYPE/NAMESPACE/NAME@VERSION?arch=ARCH&distro=DISTRO", components
 * percent-encoded as the purl spec says (all but A-Z a-z 0-9 . - _ ~ and
 * ':'), namespace and name lower-cased (deb and apk are case-insensitive),
 * qualifiers sorted, NULL or empty parts left out (ns, version, arch,
 * distro). Caller frees.
 */
char *imagefs_read_purl(const char *type, const char *ns, const char *name,
                        const char *version, const char *arch,
                        const char *distro);

/*
 * True when buf holds "-----BEGIN <label>-----" where label ends in
 * "PRIVATE KEY" (RSA, EC, DSA, OPENSSH, ENCRYPTED, plain PKCS#8) or is
 * "PGP PRIVATE KEY BLOCK". Certificates and public keys are not.
 */
int imagefs_read_private_key(const void *buf, size_t len);

/*
 * True when an .npmrc or .pypirc holds a credential line: a key (after the
 * last ':' of "//registry/:_authToken") named _authToken, _auth,
 * _password, password or token (case-insensitive) with a non-empty value
 * that is not only an environment reference ("${NPM_TOKEN}").
 */
int imagefs_read_secret_line(const void *buf, size_t len);

/* ---- resources (see imagefs.h for the documents) ---- */

/* Appends {"kind": kind, "name": name (lossy), "doc": doc} to out; steals
 * doc (a NULL doc is an error). Returns 0 or -1. */
int imagefs_read_resource(json_t *out, const char *kind, const char *name,
                          json_t *doc);

/*
 * The image/Account resources of passwd, group and shadow contents (NULL:
 * the file is absent or was not read), appended to out: "user:NAME" then
 * "group:NAME". A user whose passwd field is "x" takes its state from
 * shadow ("unknown" without a shadow line). malformed gets "passwd",
 * "group", "shadow": the malformed lines of each file that was there.
 */
int imagefs_read_accounts(const char *pw, size_t pwn, const char *gr,
                          size_t grn, const char *sh, size_t shn, json_t *out,
                          json_t *malformed);

/*
 * The image/Package resources of package documents (imagefs_read_dpkg,
 * imagefs_read_apk), appended to out: each document gets its "purl"
 * (namespace and distro from the image/OS document os, which may be NULL:
 * then "debian" or "alpine" and no distro), and is named "deb:NAME", or
 * "deb:NAME:ARCH" when NAME is installed for several architectures.
 */
int imagefs_read_packages(json_t *pkgs, const json_t *os, json_t *out);

/* A new array of the resources in res sorted by kind, then name (bytes);
 * of resources with the same kind and name only the first in res stays. */
json_t *imagefs_read_sort(const json_t *res);

#endif
