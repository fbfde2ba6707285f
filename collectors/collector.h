/*
 * collector.h: a collector turns one target into resources.
 *
 * There are 4 things to do to add a collector:
 *
 *  1. Write collectors/<name>/ (its private parsers beside it), one file
 *     exporting exactly one `const struct collector collector_<name>`;
 *     everything else static. It includes core/ and the collectors'
 *     shared headers here, never checks/, report/ or another family
 *     (tests/e2e/layers.sh checks).
 *  2. Add it to the table in collectors/registry.c.
 *  3. Give `fourc scan` its option in src/cmd_scan.c (the option names the
 *     target type, which is the collector's name).
 *  4. Add fixtures and tests: tests/unit/test_<name>.c and an end-to-end
 *     test against the real thing it reads.
 *
 * Collectors gather; they never print, exit or decide pass/fail. Secret
 * values are redacted here, before anything is stored. Input that cannot
 * be read or parsed goes to ctx->input_error (it becomes an `error`
 * finding naming file:line) and collection goes on; the collect hook
 * returns -1 only when the whole target failed or storing failed.
 */
#ifndef FOURC_COLLECTOR_H
#define FOURC_COLLECTOR_H

#include <jansson.h>

#include "err.h"
#include "imgopts.h"
#include "resource.h"

struct target {
    const char *type; /* collector name: "manifests" */
    const char *ref;  /* what the user named: a path, an image reference */
    const struct img_opts *image; /* how to reach images (image targets) */
};

struct collect_ctx {
    const struct target *target;
    /* Stores and evaluates r. Non-zero: stop, the store failed. */
    int (*emit)(struct collect_ctx *ctx, const struct resource *r,
                struct err *e);
    /* One input (file, document) could not be used; msg names where. */
    int (*input_error)(struct collect_ctx *ctx, const char *source,
                       const char *msg, struct err *e);
    /* Part of the target could not be read, so nothing of kind_prefix
     * ("image/File") can be judged: every rule on such kinds gets an
     * `error` finding saying msg, never a silent absence. */
    int (*not_evaluated)(struct collect_ctx *ctx, const char *kind_prefix,
                         const char *msg, struct err *e);
    void *data;
    /* A path that was deliberately not read (a FIFO, a symlink out of the
     * tree): the scan warns and counts it per reason. May be NULL. */
    void (*skipped)(struct collect_ctx *ctx, const char *path,
                    const char *reason);
};

struct collector {
    const char *name;
    const char *summary;
    const char *pillar;      /* the pillar its resources belong to */
    const char *kind_prefix; /* every kind it emits starts so: "k8s/" */
    /* NULL-terminated: every kind it emits ("code/Dockerfile"), or a
     * family ending in a slash and a star when the kind comes from the
     * input ("k8s/" then "*": any k8s/<Kind>). Rule kinds are checked
     * against these (collector_kind_check). */
    const char *const *kinds;
    /* For a family: the members known to exist ("k8s/Deployment"). A rule
     * kind near one of them but not one is a typo. */
    const char *const *known_kinds;
    /* Validates the target before a scan starts (usage errors, exit 2). */
    int (*check)(const struct target *t, struct err *e);
    int (*collect)(const struct target *t, struct collect_ctx *ctx,
                   struct err *e);
};

const struct collector *collector_find(const char *name);

/*
 * Whether a rule may name kind: 0 some collector (or the engine: fourc/
 * Target, fourc/InputError) emits it; 1 it is a member of a family no
 * known kind names (a custom resource, say), accepted with the note in
 * why; -1 nothing emits it, why says so and names a near known kind.
 */
int collector_kind_check(const char *kind, char *why, size_t cap);

#endif
