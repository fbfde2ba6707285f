/*
 * walk.h: the files of a directory tree a collector wants: sorted (scans
 * are reproducible), hidden entries skipped (.git), symlinked directories
 * not followed (no loops, nothing outside the tree the user named).
 */
#ifndef FOURC_WALK_H
#define FOURC_WALK_H

#include <stddef.h>

#include "collector.h"

struct walk_list {
    char **paths;
    size_t n;
};

void walk_add(struct walk_list *l, const char *path);

/* Appends every file below dir whose name want() accepts. A directory
 * that cannot be read is reported to ctx->input_error and skipped. */
void walk_files(struct walk_list *l, const char *dir,
                int (*want)(const char *name), struct collect_ctx *ctx,
                struct err *e);

void walk_release(struct walk_list *l);

#endif
