/*
 * detect.h: the secret detectors, one engine for every place fourc looks
 * for credentials (repository files and history, image files and
 * environment, Kubernetes env values and ConfigMaps, Dockerfile
 * instructions).
 *
 * Detectors are data: collectors/secret/detectors.yaml (embedded at build
 * time, like the rule packs), one entry each:
 *
 *   - id: aws-access-key-id          # stable, never reused
 *     title: AWS access key ID
 *     severity: high                 # critical | high | medium | low
 *     keywords: [akia, asia]         # lowercase; a window without one is
 *                                    # never matched (prefilter)
 *     pattern: '\b((?:AKIA|ASIA)[A-Z2-7]{16})\b'   # PCRE2 syntax
 *     secret_group: 1                # the group that is the secret (0: all)
 *     entropy: 3.0                   # minimum Shannon entropy, bits/char
 *     allow: ['(?i)example']         # regexes on the secret: not a finding
 *     stopwords: [example, sample]   # substrings of the secret: not one
 *     path_allow: ['*_test.go']      # optional globs on the path (fnmatch,
 *                                    # no FNM_PATHNAME: * matches /)
 *
 * Compiled once into a multi-pattern matcher; scanning a buffer calls the
 * callback for each finding with where it is and the secret's hash, never
 * the value beyond its first 4 characters. Inline `fourc:allow` on the
 * line suppresses a finding; known example values (AKIAIOSFODNN7EXAMPLE
 * and the like) never match.
 */
#ifndef FOURC_DETECT_H
#define FOURC_DETECT_H

#include <stddef.h>

#include "err.h"

struct detect; /* a compiled set of detectors */

struct detect_hit {
    const char *detector; /* "aws-access-key-id" */
    const char *title;
    const char *severity;
    size_t offset, len; /* of the secret in the buffer */
    long line;          /* 1-based */
    long column;        /* 1-based, in bytes */
    char prefix[5];     /* the secret's first 4 characters, NUL-ended */
    char hash[65];      /* hex SHA-256 of the secret: its identity */
    double entropy;
};

/* The built-in detectors (compiled once per process, thread-safe), or
 * NULL with e set. */
const struct detect *detect_builtin(struct err *e);

/* Compiles the detectors of a YAML file (for tests and user packs). */
struct detect *detect_load(const char *path, struct err *e);
/* The same from YAML text in memory; origin names it in errors. */
struct detect *detect_load_text(const char *origin, const char *text,
                                size_t len, struct err *e);
void detect_free(struct detect *d);
size_t detect_count(const struct detect *d);

/* Scans buf; calls fn for each hit in order of offset; fn returning
 * non-zero stops the scan and is returned. path (may be NULL) is for
 * path_allow. Thread-safe for one d shared by threads. */
typedef int (*detect_fn)(void *arg, const struct detect_hit *h);
int detect_scan(const struct detect *d, const char *path, const void *buf,
                size_t len, detect_fn fn, void *arg, struct err *e);

/*
 * Scans what fd reads until its end, chunk bytes at a time (0: 8 MiB),
 * in bounded memory: the chunks overlap, so a secret of up to 64 KiB
 * across a chunk edge is found once. Hits are as detect_scan's, with
 * offset, line and column in the whole stream. 0, -1 with e set (a read
 * error names path), or what fn returned.
 */
int detect_scan_fd(const struct detect *d, const char *path, int fd,
                   size_t chunk, detect_fn fn, void *arg, struct err *e);

/* Shannon entropy of s in bits per byte (what `entropy:` compares). */
double detect_entropy(const void *s, size_t n);

#endif
