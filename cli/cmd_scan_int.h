/*
 * cmd_scan_int.h: what `fourc scan`'s two files share: the options the
 * command line gives (cmd_scan_opts.c parses them) and the target list
 * the run grows (cmd_scan.c).
 */
#ifndef FOURC_CMD_SCAN_INT_H
#define FOURC_CMD_SCAN_INT_H

#include <stddef.h>

#include <jansson.h>

#include "collector.h"
#include "engine.h"

struct scan_opts {
    struct target *targets;
    /* for each target, the uid of the one that handed it over
     * (add_target), or NULL: the user named it */
    const char **from;
    size_t ntargets;
    char **owned; /* strings the handed-over targets point into */
    size_t nowned;
    const struct ruleset *rs;
    char **rule_dirs;
    size_t nrule_dirs;
    char **formats, **outputs;
    size_t nformats, noutputs;
    const char *db;
    const char *fail_on;
    const char *reevaluate; /* a scan id or "latest" */
    const char *target_opt; /* the last target option given */
    int quiet;
    void **states; /* each collector's option state, by registry index */
    struct scan_skip {
        const char *reason; /* a collector's constant */
        size_t n;
    } skips[8];
    size_t nskips;
};

/* Appends s to the array *v of *n. */
void scan_push(char ***v, size_t *n, char *s);

/* Inserts a target at position pos (o->ntargets: appends); from is the
 * uid of the target that handed it over, NULL when the user named it. */
void scan_insert_target(struct scan_opts *o, size_t pos, const char *type,
                        const char *ref, const void *opts, json_t *context,
                        const char *from);

/* The command line into o: 0; -1 after --help (exit 0); EXIT_TROUBLE
 * after a usage error, said. */
int scan_parse(struct scan_opts *o, int argc, char **argv);

#endif
