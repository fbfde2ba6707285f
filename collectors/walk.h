/*
 * walk.h: the files of a directory tree a collector wants, and opening
 * them safely.
 *
 * Sorted (scans are reproducible). Symlinked directories are not followed
 * (no loops); a symlinked file is read only when its target is a regular
 * file inside the tree the user named. FIFOs, devices and sockets are
 * never opened (reading one could hang or never end); each refused path
 * goes to ctx->skipped with the reason.
 */
#ifndef FOURC_WALK_H
#define FOURC_WALK_H

#include <stddef.h>
#include <stdio.h>

#include "collector.h"

/* Hidden entries (".x") too: `kubectl apply -f DIR -R` reads them. */
#define WALK_HIDDEN 1

/* Reasons given to ctx->skipped (one count each in the scan summary). */
#define WALK_SKIP_SPECIAL "not a regular file (FIFO, device or socket)"
#define WALK_SKIP_OUTSIDE "symlink leading out of the scanned tree"

struct walk_list {
    char **paths;
    size_t n;
};

void walk_add(struct walk_list *l, const char *path);

/* Appends every file below dir whose name want() accepts. A directory
 * that cannot be read is reported to ctx->input_error and skipped. */
void walk_files(struct walk_list *l, const char *dir,
                int (*want)(const char *name), int flags,
                struct collect_ctx *ctx, struct err *e);

void walk_release(struct walk_list *l);

/*
 * Opens path for reading only when it is a regular file (checked on the
 * open descriptor, so nothing can be swapped in between); never blocks on
 * a FIFO. NULL with e set ("PATH: not a regular file ..." or "PATH:
 * cannot read: ...") otherwise.
 */
FILE *walk_fopen(const char *path, struct err *e);

/* "FIFO", "character device", ... for a mode that is not a regular file
 * or a directory; NULL for those. */
const char *walk_special(unsigned mode);

#endif
