/*
 * tar.h: a push-mode tar reader. Bytes go in through a struct sink in
 * pieces of any size; the handler hears of each entry (its header, then
 * its content in pieces, then its end). Nothing is extracted and the
 * filesystem is never touched, so hostile archives (paths with "..",
 * absolute paths, symlink loops, 10 GB sizes) are only data.
 *
 * Reads ustar, GNU (long names 'L' and links 'K', old sparse 'S', base-256
 * numbers) and POSIX pax ('x' and global 'g' headers: path, linkpath,
 * size, uid, gid, mtime, uname, gname, GNU.sparse.name/realsize). Memory
 * is a few blocks plus the longest name (capped at TAR_NAME_MAX) and pax
 * header (capped at TAR_PAX_MAX), whatever the sizes the headers claim.
 *
 * Errors name the archive (`what`), the entry's index (from 0) and the
 * byte offset of its header: "layer 1: tar entry 3 at offset 1536: bad
 * header checksum".
 */
#ifndef FOURC_TAR_H
#define FOURC_TAR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sink.h"

#define TAR_NAME_MAX (64 * 1024)  /* longest path or link name */
#define TAR_PAX_MAX (1024 * 1024) /* largest pax extended header */

enum tar_type {
    TAR_FILE,     /* '0', '\0', '7' (contiguous), 'S' (sparse) */
    TAR_HARDLINK, /* '1' */
    TAR_SYMLINK,  /* '2' */
    TAR_CHAR,     /* '3' */
    TAR_BLOCK,    /* '4' */
    TAR_DIR,      /* '5', or an old-style file whose name ends in '/' */
    TAR_FIFO,     /* '6' */
    TAR_OTHER     /* anything else ('V' labels, 'D' dumpdirs, unknown) */
};

struct tar_entry {
    /* Normalised: no leading "/", no "." or empty components, ".."
     * resolved lexically and never above the root, no trailing "/". The
     * root itself ("./", "/") is "". */
    const char *path;
    enum tar_type type;
    char typeflag;     /* as in the header */
    unsigned int mode; /* permission bits, setuid/setgid/sticky included */
    int64_t uid, gid;
    int64_t mtime;       /* seconds since the epoch (pax fractions dropped) */
    int64_t size;        /* logical size (a sparse file's full size) */
    int64_t stored_size; /* bytes of content in the archive */
    const char *uname, *gname; /* "" when absent */
    unsigned int devmajor, devminor;
    /* Hard links: the target, normalised like path. Symlinks: the target
     * exactly as stored (never resolved). Others: "". */
    const char *linkname;
    /* The name as written climbed out of the root ("../x", or through
     * "a/../../x") or was absolute, or a hard link's target did: path and
     * linkname were made safe but the archive deserves a finding. */
    int unsafe;
    int sparse; /* GNU or pax sparse: content is not handed to data() */
    /* ".wh.NAME": the path NAME that this layer deletes; NULL otherwise. */
    const char *whiteout;
    /* ".wh..wh..opq": the directory whose lower contents this layer hides
     * ("" for the root); NULL otherwise. Other ".wh..wh." names (aufs
     * bookkeeping) set neither and have whiteout_meta set. */
    const char *opaque;
    int whiteout_meta;
    uint64_t index;  /* entries seen before this one */
    uint64_t offset; /* of its first header (pax/GNU headers included) */
    /* Of its content in the stream, so a reader of a seekable archive can
     * come back for it (not meaningful for sparse entries). */
    uint64_t data_offset;
};

/*
 * The handler. Every callback returns 0 to go on, non-zero to stop the
 * stream with an error it put in e. The entry and its strings are
 * borrowed until end() returns (or the next entry() when end is NULL).
 */
struct tar_handler {
    int (*entry)(void *ctx, const struct tar_entry *te, struct err *e);
    /* The entry's content in pieces (regular files only; not for sparse
     * entries). May be NULL. */
    int (*data)(void *ctx, const void *buf, size_t len, struct err *e);
    /* After the entry's last byte. May be NULL. */
    int (*end)(void *ctx, const struct tar_entry *te, struct err *e);
};

/*
 * New sink that parses a tar stream. h is borrowed (keep it alive), what
 * is copied. close() accepts two zero blocks, or a stream that simply ends
 * between entries; it fails with "<what>: truncated tar ..." when the
 * stream ends inside a header or an entry's content. Bytes after the end
 * blocks are ignored.
 */
struct sink *tar_sink_new(const struct tar_handler *h, void *ctx,
                          const char *what);

/* Entries seen so far (pax and GNU meta headers not counted). */
uint64_t tar_sink_entries(const struct sink *s);

/*
 * Normalises name (n bytes, up to a NUL) into sb the way entry paths are
 * (sb is reset first). Returns 1 when the name was absolute or climbed
 * out of the root, else 0. For callers that match names from elsewhere
 * (a docker archive's manifest.json) against entry paths.
 */
struct strbuf;
int tar_path_normalise(struct strbuf *sb, const char *name, size_t n);

#endif
