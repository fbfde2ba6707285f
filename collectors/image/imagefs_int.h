/*
 * imagefs_int.h: what imagefs.c (the tree, built from layers) shares with
 * imagefs_out.c (the resources read from the final tree). Not for other
 * modules.
 */
#ifndef FOURC_IMAGEFS_INT_H
#define FOURC_IMAGEFS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "imagefs.h"
#include "tar.h"
#include "util.h"

#define IMAGEFS_NAME_BUDGET (8u << 20)      /* kept names and link targets */
#define IMAGEFS_CONTENT_BUDGET (160u << 20) /* captured content, in all */
#define IMAGEFS_DB_MAX (64u << 20)          /* dpkg status, apk installed */
#define IMAGEFS_FILE_MAX (1u << 20)         /* the other read files */
#define IMAGEFS_SNIFF_MAX (1u << 20)        /* files looked at for keys */
#define IMAGEFS_WINDOW (64u << 10)          /* ... in their first 64 KiB */
/* room for a marker that starts in the window to end after it */
#define IMAGEFS_WINDOW_ROOM (IMAGEFS_WINDOW + 128)
#define IMAGEFS_HOPS_MAX 40 /* symlinks followed, as Linux's MAXSYMLINKS */

enum imagefs_flag {
    IMAGEFS_SETUID = 1 << 0,
    IMAGEFS_SETGID = 1 << 1,
    IMAGEFS_WW = 1 << 2,
    IMAGEFS_PKEY = 1 << 3,
    IMAGEFS_CRED = 1 << 4,
    IMAGEFS_SSH = 1 << 5,
    IMAGEFS_UNSAFE = 1 << 6,
    IMAGEFS_DEVICE = 1 << 7,
    IMAGEFS_READ = 1 << 8,    /* a file imagefs reads */
    IMAGEFS_RESOLVE = 1 << 9, /* a symlink on the way to one: not reported */
};

enum imagefs_cred {
    CRED_NONE,
    CRED_NETRC,
    CRED_GIT,
    CRED_DOCKER,
    CRED_AWS,
    CRED_NPMRC,
    CRED_PYPIRC,
    CRED_SSH,
    CRED_PGPASS,
    CRED_HTPASSWD
};

/* What became of a read file's content. */
enum imagefs_content {
    CONTENT_NONE,      /* not captured: not a read file, or no content */
    CONTENT_OK,        /* complete */
    CONTENT_TOO_LARGE, /* over its cap */
    CONTENT_SPARSE,    /* a sparse entry: the tar reader gives no data */
    CONTENT_BUDGET,    /* over the budget of all captured content */
    CONTENT_NO_TARGET  /* a hard link whose target was not kept */
};

struct imagefs_entry {
    unsigned layer;
    enum tar_type type;
    unsigned int mode;
    unsigned int flags;
    enum imagefs_cred cred;
    int counted; /* under the notable cap */
    int64_t uid, gid, size;
    char *link;
    enum imagefs_content state;
    char *content;
    size_t clen;
};

struct imagefs_node {
    struct imagefs_node *parent, *child, *next, *prev; /* the tree */
    struct imagefs_node *hnext;                        /* the hash chain */
    uint64_t hash;
    struct imagefs_entry *entry; /* NULL: only leads to kept entries */
    /* 1 + the layer that last cleared what lower layers had below: a
     * second whiteout or opaque marker there in that layer is a no-op. */
    unsigned cleared;
    size_t nlen;
    char name[]; /* this component */
};

struct imagefs {
    struct imagefs_node *root;
    struct imagefs_node **buckets;
    size_t nbuckets, nnodes;
    size_t notable, name_bytes, content_bytes;
    unsigned next_index;
    unsigned opened, closed_ok;
    int failed;
    /* counts of the entries streamed (all layers, for the summary) */
    uint64_t entries, files, dirs, symlinks, hardlinks, others, bytes;
    uint64_t whiteouts, opaques, unsafe, dropped;
};

/* The reasons, in the order of the flags; credential kinds; what became of
 * a read file's content (imagefs.c). */
#define IMAGEFS_NREASONS 8 /* one per flag up to IMAGEFS_DEVICE */
extern const char *const imagefs_reasons[IMAGEFS_NREASONS];
extern const char *const imagefs_cred_names[];
extern const char *const imagefs_content_why[];

#define IMAGEFS_STATUS_D "var/lib/dpkg/status.d"

/* The child called name (n bytes) of parent, or NULL. */
struct imagefs_node *imagefs_child(const struct imagefs *fs,
                                   const struct imagefs_node *parent,
                                   const char *name, size_t n);

/* The path of a node, without a leading "/". */
void imagefs_node_path(const struct imagefs_node *n, struct strbuf *sb);

#endif
