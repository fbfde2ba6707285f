/*
 * code_ignore.h: .gitignore (and .fourcignore) patterns, with git's
 * semantics: the last matching pattern wins, deeper files override
 * shallower ones, `!` re-includes, a leading or middle `/` anchors the
 * pattern to its file's directory, a trailing `/` matches directories
 * only, `**` spans directories, `\` escapes. A path below an ignored
 * directory is ignored whatever follows (git never looks inside it).
 */
#ifndef FOURC_CODE_IGNORE_H
#define FOURC_CODE_IGNORE_H

#include <stddef.h>

struct code_ignore; /* the patterns of every file added, in order */

struct code_ignore *code_ignore_new(void);
void code_ignore_free(struct code_ignore *ig);

/* Adds the patterns of one ignore file whose directory is base, relative
 * to the tree's top ("" for the top, "a/b" below: no slashes at the
 * ends). Later files take precedence over earlier ones. */
void code_ignore_add(struct code_ignore *ig, const char *base, const char *text,
                     size_t len);

/* Forgets the files added since the count was n (code_ignore_count):
 * the walk leaves a directory. */
size_t code_ignore_count(const struct code_ignore *ig);
void code_ignore_truncate(struct code_ignore *ig, size_t n);

/* Whether relpath itself matches (its directories not looked at): 1
 * ignored, 0 not. */
int code_ignore_match(const struct code_ignore *ig, const char *relpath,
                      int is_dir);

/* As git check-ignore: relpath or one of its directories is ignored. */
int code_ignore_check(const struct code_ignore *ig, const char *relpath,
                      int is_dir);

/* git's wildmatch with WM_PATHNAME: `*` `?` `[...]` never match a `/`,
 * `**` between slashes matches any number of directories. 1 on a match. */
int code_ignore_glob(const char *pat, const char *s);

#endif
