/*
 * collector.h: a collector turns one target into resources.
 *
 * There are 3 things to do to add a collector:
 *
 *  1. Write collectors/<name>/ (its private parsers beside it), one file
 *     exporting exactly one `const struct collector collector_<name>`;
 *     everything else static. It includes core/ and the collectors'
 *     shared headers here, never checks/, report/ or another family
 *     (tests/e2e/layers.sh checks). The struct declares all the command
 *     line knows of it: its target option (--<name> ARG, help line), its
 *     own options (opts, with their parse callbacks into its private
 *     option state), the kinds it emits, its pillar and how the fixtures
 *     of `rules test` name its inputs. `fourc scan` options, --help, the
 *     "nothing to scan" message and `rules test` are built from these.
 *  2. Add it to the table in collectors/registry.c (one line, plus Makefile.am
 *     for its sources).
 *  3. Add fixtures and tests: tests/unit/test_<name>.c and an end-to-end
 *     test against the real thing it reads; document its options in
 *     docs/fourc.1 (tests/e2e/registry_docs.sh fails until you do). Its
 *     pillar needs an input rule in checks/rules/fourc/input.yaml
 *     (tests/unit/test_registry checks).
 *
 * Collectors gather; they never print, exit or decide pass/fail. Secret
 * values are redacted here, before anything is stored. Input that cannot
 * be read or parsed goes to ctx->input_error (it becomes an `error`
 * finding naming file:line) and collection goes on; the collect hook
 * returns -1 only when the whole target failed or storing failed
 * (COLLECT_UNREACHABLE: it could not be reached at all).
 */
#ifndef FOURC_COLLECTOR_H
#define FOURC_COLLECTOR_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "resource.h"

struct target {
    const char *type; /* collector name: "manifests" */
    const char *ref;  /* what the user named: a path, an image reference */
    /* The collector's option state (its opts_new), NULL if it has none or
     * the caller gave none (then the collector uses its defaults). */
    const void *opts;
    /* For a target another collector handed over (collect_ctx.add_target):
     * what it said about it, a JSON object (borrowed); NULL for a target
     * the user named. */
    const json_t *context;
};

/*
 * One command line option: --<name> [ARG]. Collectors declare theirs in
 * struct collector; `fourc scan` declares its own ones in the same form.
 */
struct collector_opt {
    const char *name; /* "platform": given as --platform */
    const char *arg;  /* what the value is called ("OS/ARCH"); NULL: a flag */
    /* --help text; each '\n' starts a continuation line. */
    const char *help;
    int repeatable; /* 0: given twice is a usage error naming it */
    /* Takes value (NULL for a flag) into state. -1 with e saying what was
     * wrong, naming the option and the value: a usage error (exit 2). */
    int (*set)(void *state, const char *value, struct err *e);
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
    /* NULL-terminated: every kind the scan's rules name ("k8s/Pod", or a
     * family "k8s/" "*"), for a collector that fetches only what is
     * judged (the live cluster). NULL: not known, collect the default. */
    const char *const *rule_kinds;
    /* As not_evaluated, for exactly one kind ("k8s/Role" is not
     * "k8s/RoleBinding"), on the resource scope_uid already emitted (an
     * AWS region: the kind could not be listed there only), or on the
     * target when scope_uid is NULL. May be NULL. */
    int (*kind_not_evaluated)(struct collect_ctx *ctx, const char *scope_uid,
                              const char *kind, const char *msg, struct err *e);
    /* Records what the collector learnt about the target itself (a
     * cluster's server, context and version) as key of the scan's entry
     * for the target (the JSON report's scan.targets[]); steals value.
     * May be NULL. */
    int (*target_info)(struct collect_ctx *ctx, const char *key, json_t *value,
                       struct err *e);
    /*
     * Hands a further target to the collector named type (a cluster's
     * images to "image", a repository's Dockerfiles to "dockerfile"): the
     * scan runs it after this target as a target of its own (its
     * fourc/Target resource and uid, its collector's option state), once
     * per (type, ref) however often it is handed over; one the user named
     * keeps running as named. context (borrowed, the scan keeps a copy;
     * may be NULL) travels with it as target->context and is recorded in
     * its fourc/Target document and the scan's targets ({"type", "ref",
     * "from": this target's uid, "context"}). Keys the scan reads when the
     * target fails, to say whom it concerns in the `error` findings:
     * "workloads" ([{"kind", "namespace", "name"}]), "workloads_more" (how
     * many more there are) and "via" ("kubeconfig https://..."). -1 with
     * e set: no collector has that name. NULL where nothing can be handed
     * over (`rules test`).
     */
    int (*add_target)(struct collect_ctx *ctx, const char *type,
                      const char *ref, const json_t *context, struct err *e);
};

/* What collect returns when the target could not be reached at all (a
 * cluster refusing the connection or the credentials): its rules get
 * `error` findings as for -1, and the scan ends with exit status 2. */
#define COLLECT_UNREACHABLE (-2)

struct collector {
    const char *name; /* also its target option: --<name> ARG */
    const char *summary;
    const char *arg;  /* the target option's value: "PATH", "REF" */
    const char *help; /* its --help text ('\n': a continuation line) */
    int target_once;  /* 1: at most one target of it per scan */
    /* Options of its own (--platform OS/ARCH), {NULL}-terminated; may be
     * NULL. Their set hooks write into the state opts_new made, which
     * every target of the collector then carries as target->opts. */
    const struct collector_opt *opts;
    void *(*opts_new)(void); /* the defaults; NULL: no state */
    /* After the command line: checks what only the whole can (may be
     * NULL); -1 with e set is a usage error. */
    int (*opts_done)(void *state, struct err *e);
    void (*opts_free)(void *state);
    /* For `rules test`: fnmatch patterns of the fixture file names this
     * collector reads ("*.Dockerfile"), and what to put before a
     * fixture's path to make it a target reference ("oci:", or NULL). */
    const char *const *fixture_names;
    const char *fixture_prefix;
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
/* The i-th collector of the registry, NULL past the last one. */
const struct collector *collector_at(size_t i);

/*
 * The collector that reads a `rules test` fixture at path for a rule of
 * the given kinds: among the collectors emitting one of the kinds (any
 * collector for the engine's own fourc/ kinds), the first whose
 * fixture_names match the file name. NULL with why set (it names the
 * patterns that would have matched) when none does.
 */
const struct collector *collector_for_fixture(const char *const *kinds,
                                              size_t nkinds, const char *path,
                                              char *why, size_t cap);

/*
 * Whether a rule may name kind: 0 some collector (or the engine: fourc/
 * Target, fourc/InputError) emits it; 1 it is a member of a family no
 * known kind names (a custom resource, say), accepted with the note in
 * why; -1 nothing emits it, why says so and names a near known kind.
 */
int collector_kind_check(const char *kind, char *why, size_t cap);

#endif
