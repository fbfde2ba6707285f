/*
 * node_fs.h: a node's filesystem, read from a directory (a live node's "/",
 * a mounted snapshot) or from a tar archive of it (.tar, .tar.gz), through
 * one small interface so the collector is written once.
 *
 * Every path is a node path ("/etc/kubernetes/admin.conf") resolved under
 * the root: symlinks are resolved by hand, an absolute target restarting at
 * the root and ".." never climbing above it, so nothing outside the root is
 * ever read. FIFOs, devices and sockets are never opened; reads are capped.
 * A tar is read once into a sorted in-memory index (bounded in entries and
 * in content bytes); an archive that is truncated or corrupt is an error
 * naming the file.
 */
#ifndef FOURC_NODE_FS_H
#define FOURC_NODE_FS_H

#include <stddef.h>

#include "err.h"
#include "util.h"

enum nodefs_type {
    NODEFS_FILE,
    NODEFS_DIR,
    NODEFS_LINK,
    NODEFS_OTHER /* FIFO, device, socket */
};

struct nodefs_stat {
    enum nodefs_type type;
    unsigned mode; /* permission bits: st_mode & 07777 */
    long long uid, gid;
    long long size;
    /* From the tar header, "" when absent or for a directory root. */
    const char *uname, *gname;
};

struct nodefs;

/* Tar entries and content kept from an archive. */
#define NODEFS_TAR_MAX_ENTRIES 2000000u
#define NODEFS_TAR_FILE_MAX (4u << 20)      /* content kept per file */
#define NODEFS_TAR_CONTENT_MAX (512u << 20) /* content kept in all */

/*
 * Opens root: a directory, or a regular file read as a tar archive (plain
 * or gzip/zstd-compressed). -1 with e set: root is missing or neither
 * (usage), or the archive is unusable (truncated, corrupt, over a bound).
 */
int nodefs_open(const char *root, struct nodefs **out, struct err *e);
void nodefs_free(struct nodefs *fs);

int nodefs_is_tar(const struct nodefs *fs);

/* The root as the user named it. */
const char *nodefs_root(const struct nodefs *fs);

/* Where path is, for a resource's source: "ROOT/etc/x" for a directory,
 * "ARCHIVE:/etc/x" for a tar. Reset sb first. */
void nodefs_where(const struct nodefs *fs, const char *path, struct strbuf *sb);

/*
 * lstat(2) of node path: the last component is not followed (a symlink is
 * NODEFS_LINK), the ones before it are resolved under the root. 0 found, 1
 * absent, -1 error with e naming the path (EACCES, a loop).
 */
int nodefs_lstat(struct nodefs *fs, const char *path, struct nodefs_stat *st,
                 struct err *e);

/*
 * Reads the regular file at path (symlinks followed, inside the root) into
 * out (reset first), at most cap bytes. 0 read; 1 absent; -1 with e naming
 * the path: not a regular file, larger than cap, unreadable.
 */
int nodefs_read(struct nodefs *fs, const char *path, size_t cap,
                struct strbuf *out, struct err *e);

/*
 * The names in directory path (symlinks followed inside the root), sorted,
 * "." and ".." left out; the caller frees each and the array. 0 listed; 1
 * absent or not a directory; -1 with e naming the path.
 */
int nodefs_list(struct nodefs *fs, const char *path, char ***names, size_t *n,
                struct err *e);
void nodefs_names_free(char **names, size_t n);

#endif
