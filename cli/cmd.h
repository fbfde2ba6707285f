/*
 * cmd.h: the commands of the fourc program, one function each, git style.
 *
 * A command returns its exit status: 0 nothing at or above --fail-on
 * failed, 1 findings at or above it, 2 usage or runtime error (after one
 * clear line on stderr).
 */
#ifndef FOURC_CMD_H
#define FOURC_CMD_H

#include <stddef.h>

#include "rule.h"
#include "store.h"

enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_TROUBLE = 2 };

#define CMD_DEFAULT_DB "fourc.db"

int cmd_scan(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_secrets(int argc, char **argv);

/*
 * The rules a scan runs: the packs built in, the packs imported into st
 * (may be NULL) and the packs in dirs. Problems are printed, one line
 * each; returns -1 if there were any.
 */
int cmd_load_rules(struct ruleset *rs, struct store *st, char **dirs,
                   size_t ndirs);

/* `fourc rules coverage FRAMEWORK`: every control of the framework's
 * catalogue with the rules of rs that decide it; format "text" or "json".
 * Exit 0, or 2 with one line when the framework has no catalogue. */
int cmd_rules_coverage(const struct ruleset *rs, const char *framework,
                       const char *format);

struct engine;
/* Hands eng the stored resources of scan of (`fourc scan --reevaluate`),
 * as a collector would, with the failures of its targets; *ntargets gets
 * how many targets the scan had. */
int cmd_reevaluate(struct engine *eng, struct store *st, int64_t of,
                   size_t *ntargets, struct err *e);

/* Prints "fourc: error: ..." and "Try 'fourc CMD --help'." Returns 2. */
int cmd_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
