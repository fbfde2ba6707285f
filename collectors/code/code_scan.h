/*
 * code_scan.h: the parts of the code collector (collectors/code/) that
 * read a tree and a repository's history, each handing every text file
 * it finds to one callback.
 */
#ifndef FOURC_CODE_SCAN_H
#define FOURC_CODE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "collector.h"
#include "err.h"

/* Reasons given to ctx->skipped, beside walk.h's. */
#define CODE_SKIP_BINARY "binary file (a NUL byte in its first 8 KiB)"
#define CODE_SKIP_LARGE "larger than --max-file-size"
#define CODE_SKIP_LOOP "symlink loop"
#define CODE_SKIP_DANGLING "dangling symlink"
#define CODE_SKIP_LINKDIR "symlinked directory (not followed)"
#define CODE_SKIP_LINKIN "symlink to a file in the tree (read there)"
#define CODE_SKIP_IGNORED "ignored (.gitignore, .fourcignore)"

/* Where a file's text comes from: the working tree (commit NULL) or a
 * blob of the history, first seen at commit on author_date. */
struct code_file {
    const char *path;    /* as the scan names it: DIR/rel, or rel */
    const char *relpath; /* inside the repository */
    const char *commit, *author_date;
    const char *buf;
    size_t len;
};

typedef int (*code_file_fn)(void *arg, const struct code_file *f,
                            struct err *e);

/* Binary content: a NUL byte in the first 8 KiB. */
int code_is_binary(const char *buf, size_t len);

/*
 * Every text file below root (a directory, or one file), sorted, that no
 * .gitignore or .fourcignore excludes, .git never; files over max bytes,
 * binary files, symlinks and special files go to ctx->skipped, unreadable
 * ones to ctx->input_error. Non-zero only when fn or storing failed.
 */
int code_walk(const char *root, uint64_t max, struct collect_ctx *ctx,
              code_file_fn fn, void *arg, struct err *e);

/*
 * Every blob reachable from ref in the repository at dir, once each, with
 * the commit, author date and path where it first appears (oldest first).
 * The same skips as code_walk. -1 with e set when git could not list or
 * read the history (not a repository, a corrupt one, a bad ref); -2 when
 * fn or storing failed.
 */
int code_git_history(const char *dir, const char *ref, uint64_t max,
                     struct collect_ctx *ctx, code_file_fn fn, void *arg,
                     struct err *e);

/* A remote repository's URL (git://, https://, http://, ssh://, file://,
 * or user@host:path). */
int code_is_url(const char *ref);

/*
 * Clones url into a new temporary directory (*dir, the caller frees it;
 * removed when the process exits, so the targets handed over from it can
 * still read it): shallow unless full, the branch or tag ref if given,
 * killed after timeout_s seconds. -1 with e one line naming the URL.
 */
int code_git_clone(const char *url, const char *ref, int full, int timeout_s,
                   char **dir, struct err *e);

#endif
